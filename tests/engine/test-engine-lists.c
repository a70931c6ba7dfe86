/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: Lists and enforcers: call lists (syscalls, generated, ftrace),
 * InMap on lists, enforcer signals and refused enforcer errors.
 */
#include "fixture.h"

/* ---- Lists and enforcers ---- */

static void child_dups(const void *arg) {
        (void) syscall(SYS_dup, 0);
        (void) syscall(SYS_dup2, 0, 100);
        (void) syscall(SYS_dup3, 0, 101, 0);
        (void) syscall(SYS_getppid);
}

/* How many events of pid name function (function_name, or a tracepoint's syscall_id). */
static size_t events_naming(Fixture *f, pid_t pid, const char *function, long syscall_id) {
        size_t n = 0;

        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++) {
                json_t *body = json_object_get(f->events[i], "process_kprobe")
                                       ?: json_object_get(f->events[i], "process_tracepoint");
                json_t *id = json_object_get(json_array_get(json_object_get(body, "args"), 0),
                                             "syscall_id");

                if (f->event_pids[i] != (uint32_t) pid)
                        continue;
                if (function &&
                    streq(strempty(json_string_value(json_object_get(body, "function_name"))),
                          function))
                        n++;
                if (!function && json_integer_value(json_object_get(id, "id")) == syscall_id)
                        n++;
        }
        return n;
}

/* What events of pid name, on stderr: what a failing count was made of. */
static void events_dump(Fixture *f, pid_t pid) {
        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++) {
                json_t *body = json_object_get(f->events[i], "process_kprobe");

                if (f->event_pids[i] == (uint32_t) pid && body)
                        fprintf(stderr, "event of %d: %s\n", (int) pid,
                                strempty(
                                        json_string_value(json_object_get(body, "function_name"))));
        }
}

static char *call_list_policy(const char *list, pid_t pid) {
        return policy_from_file("call-list.yaml", TEXT_VALUE("LIST", list),
                                NUMBER_VALUE("PID", (int) pid));
}

/* call: list:NAME hooks each syscall of the list, and names it in the event. */
static void test_call_list(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL, *dup = NULL, *dup2 = NULL, *dup3 = NULL;
        PolicyHookStatus *hooks = NULL;
        PolicyInstallation *i;
        size_t n = 0;
        Child child;

        dup = format("%ssys_dup", syscall_function_prefix());
        dup2 = format("%ssys_dup2", syscall_function_prefix());
        dup3 = format("%ssys_dup3", syscall_function_prefix());
        child = child_spawn(child_dups, NULL);
        yaml = call_list_policy("dups", child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(hooks[0].hook, "kprobes[0] list:dups sys_dup");
        assert_string_equal(hooks[1].hook, "kprobes[0] list:dups sys_dup2");
        /* fentry or a kprobe where the engine may use them, like any syscall hook. */
        assert_true(streq(hooks[0].mechanism, "fentry") || streq(hooks[0].mechanism, "kprobe") ||
                    streq(hooks[0].mechanism, "tp_btf/sys_enter"));
        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                assert_string_equal(hooks[0].mechanism, "tp_btf/sys_enter");
        assert_string_equal(hooks[1].mechanism, hooks[0].mechanism);
        policy_hook_status_free_many(hooks, n);

        assert_exited_ok(child_run(&child));
        assert_non_null(event_wait(f, child.pid));
        events_dump(f, child.pid);
        assert_int_equal(events_naming(f, child.pid, dup, 0), 1);
        assert_int_equal(events_naming(f, child.pid, dup2, 0), 1);
        assert_int_equal(events_naming(f, child.pid, dup3, 0), 0);
        assert_int_equal(events_of(f, child.pid), 2);
        uninstall(f, i);
        assert_false(policy_engine_is_attached(f->engine));
}

/* generated_syscalls: a hook on every syscall of the table, tp_btf/sys_enter's where the
 * kernel has it. */
static void test_call_list_generated(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL, *getppid = NULL;
        PolicyHookStatus *hooks = NULL;
        PolicyInstallation *i;
        size_t n = 0, n_syscalls = 0;
        Child child;

        getppid = format("%ssys_getppid", syscall_function_prefix());
        for (unsigned nr = 0; nr < syscall_max(); nr++)
                n_syscalls += syscall_to_name(nr) != NULL;
        child = child_spawn(child_getppid, NULL);
        yaml = call_list_policy("all", child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        /* Those of the table the kernel has, where ftrace lists them; else all. */
        assert_true(n <= n_syscalls && n > 300);
        assert_string_equal(hooks[0].hook, "kprobes[0] list:all sys_read");
        policy_hook_status_free_many(hooks, n);

        assert_exited_ok(child_run(&child));
        assert_non_null(event_wait(f, child.pid));
        events_dump(f, child.pid);
        /* getppid, then exit_group; the read that waited began before the install. */
        assert_int_equal(events_naming(f, child.pid, getppid, 0), 1);
        uninstall(f, i);
}

static char *syscall_id_policy(const char *op, pid_t pid) {
        return policy_from_file("in-map-list.yaml", TEXT_VALUE("OPERATOR", op),
                                NUMBER_VALUE("PID", (int) pid));
}

/* InMap and NotInMap with list:NAME: the list's syscall numbers. */
static void test_in_map_list(void **state) {
        Fixture *f = *state;
        PolicyInstallation *i;
        Child child;

        if (!kernel_has(f, "tracepoint"))
                skip();
        for (int not = 0; not <= 1; not ++) {
                _cleanup_free_ char *yaml = NULL;

                events_clear(f);
                child = child_spawn(child_dups, NULL);
                yaml = syscall_id_policy(not ? "NotInMap" : "InMap", child.pid);
                i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
                assert_exited_ok(child_run(&child));
                assert_non_null(event_wait(f, child.pid));
                assert_int_equal(events_naming(f, child.pid, NULL, SYS_dup), !not );
                assert_int_equal(events_naming(f, child.pid, NULL, SYS_dup2), !not );
                assert_int_equal(events_naming(f, child.pid, NULL, SYS_dup3), not );
                assert_int_equal(events_naming(f, child.pid, NULL, SYS_getppid), not );
                if (!not )
                        assert_int_equal(events_of(f, child.pid), 2);
                uninstall(f, i);
        }
}

#if defined(__x86_64__)
/* i386's getpid (20) through int 0x80: the 32-bit entry, in_ia32_syscall() in the kernel. */
static long ia32_getpid(void) {
        long r;

        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        return r;
}

/* x86_64's getpid (39) and its call 20 (writev), then i386's getpid (20); exits 7 after. */
static void child_ia32_getpid(const void *arg) {
        (void) syscall(SYS_getpid);
        (void) syscall(SYS_writev, -1, NULL, 0);
        (void) ia32_getpid();
        _exit(7); /* not reached when the enforcer kills */
}
#endif

/* A list of __ia32_sys_ entries: InMap on syscall64 and the enforcer see the i386 call, and
 * neither x86_64's call of that number nor its own getpid; the event says abi "i386". */
static void test_ia32_list(void **state) {
#if defined(__x86_64__)
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        json_t *e, *id;
        Child child;

        if (!kernel_has(f, "tracepoint"))
                skip();
        if (ia32_getpid() != getpid()) {
                print_message("no i386 emulation in this kernel (int 0x80 fails)\n");
                skip();
        }
        child = child_spawn(child_ia32_getpid, NULL);
        yaml = policy_from_file("ia32-list.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_killed(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        id = json_object_get(json_array_get(json_object_get(e, "args"), 0), "syscall_id");
        assert_non_null(id);
        assert_int_equal(json_integer_value(json_object_get(id, "id")), 20);
        assert_string_equal(json_string_value(json_object_get(id, "abi")), "i386");
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
#else
        (void) state;
        skip(); /* i386 calls are x86_64's */
#endif
}

static char *enforcer_policy(pid_t pid, const char *action) {
        return policy_from_file("enforcer.yaml", NUMBER_VALUE("PID", (int) pid),
                                TEXT_VALUE("ACTION", action));
}

static void child_dup_then_exit_7(const void *arg) {
        (void) syscall(SYS_dup, 0);
        _exit(7); /* not reached when the enforcer kills */
}

/* NotifyEnforcer with argSig: the enforcer kills the marked child as dup returns, and
 * leaves another child, doing the same, alone. */
static void test_enforcer_signal(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child marked, other;
        PolicyCounters counters;

        if (!kernel_has(f, "tracepoint"))
                skip();
        marked = child_spawn(child_dup_then_exit_7, NULL);
        other = child_spawn(child_dup_then_exit_7, NULL);
        yaml = enforcer_policy(marked.pid, "        argSig: 9\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_killed(child_run(&marked));
        assert_exit_status(child_run(&other), 7);
        assert_non_null(event_wait(f, marked.pid));
        assert_int_equal(f->backend.get_counters(f->backend.userdata, i, &counters), 0);
        assert_true(counters.actions >= 1);
        uninstall(f, i);

        /* Monitor mode: the mark is not left, nobody is killed. */
        marked = child_spawn(child_dup_then_exit_7, NULL);
        free(yaml);
        yaml = enforcer_policy(marked.pid, "        argSig: 9\n");
        i = install_ok(f, yaml, POLICY_MODE_MONITOR);
        assert_exit_status(child_run(&marked), 7);
        uninstall(f, i);
}

/* argError needs the call to fail, which this kernel may not allow. */
static void test_enforcer_error_refused(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = enforcer_policy(1, "        argError: -1\n        argSig: 9\n");
        _cleanup_free_ char *error = NULL;
        PolicyInstallation *i = NULL;

        assert_int_equal(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error), -EOPNOTSUPP);
        assert_non_null(error);
        if (!startswith(error, "tracepoints[0] raw_syscalls/sys_enter: selector 0: action "
                               "NotifyEnforcer with argError -1: "))
                fail_msg("refused with \"%s\"", error);
        if (!kernel_has(f, "fmod_ret_syscall") &&
            !strstr(error, "making the enforced call fail needs fmod_ret on the syscall's "
                           "function, which the kernel allows only with function error "
                           "injection (CONFIG_FUNCTION_ERROR_INJECTION): "))
                fail_msg("refused with \"%s\"", error);
}

static void child_open_write(const void *arg) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, "x", 1) != 1)
                _exit(5);
        close(fd);
}

/* generated_ftrace: a hook on each kernel function matching the pattern (fentry or
 * kprobes only: skipped where there are none). */
static void test_call_list_ftrace(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "ftrace-list"), *yaml = NULL;
        PolicyHookStatus *hooks = NULL;
        PolicyInstallation *i;
        size_t n = 0;
        Child child;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        child = child_spawn(child_open_write, path);
        yaml = policy_from_file("ftrace-list.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        assert_int_equal(n, 2);
        for (size_t k = 0; k < n; k++) {
                assert_true(streq(hooks[k].hook, "kprobes[0] list:sfile security_file_open") ||
                            streq(hooks[k].hook, "kprobes[0] list:sfile security_file_permission"));
                assert_string_equal(hooks[k].mechanism,
                                    kernel_has(f, "fentry") ? "fentry" : "kprobe");
        }
        policy_hook_status_free_many(hooks, n);
        assert_exited_ok(child_run(&child));
        assert_non_null(event_wait(f, child.pid));
        assert_true(events_naming(f, child.pid, "security_file_open", 0) >= 1);
        assert_true(events_naming(f, child.pid, "security_file_permission", 0) >= 1);
        uninstall(f, i);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_call_list, test_setup),
                cmocka_unit_test_setup(test_call_list_generated, test_setup),
                cmocka_unit_test_setup_teardown(test_call_list, setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_in_map_list, test_setup),
                cmocka_unit_test_setup(test_ia32_list, test_setup),
                cmocka_unit_test_setup(test_enforcer_signal, test_setup),
                cmocka_unit_test_setup(test_enforcer_error_refused, test_setup),
                cmocka_unit_test_setup(test_call_list_ftrace, test_setup),
        };

        return fixture_run(argc, argv, "engine lists", tests, ELEMENTSOF(tests));
}
