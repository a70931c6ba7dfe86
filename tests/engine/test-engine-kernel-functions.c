/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: Kernel-function and LSM hooks (kernels that have them: the qemu
 * guest): Sigkill by fentry and kprobe, Override by BPF LSM and fmod_ret, syscall Override, and the
 * kernel's own argument types (cred, capability, filename, sock, socket, sockaddr).
 */
#include "fixture.h"

/* ---- Kernel functions and LSM hooks (kernels that have them: the qemu guest) ---- */

/* security_file_permission(file, MAY_WRITE) on path: Sigkill, with the file and the mask. */
static void kernel_function_kill(Fixture *f, const char *mechanism) {
        _cleanup_free_ char *path = temp_path(f, "kfn"), *other = temp_path(f, "kfn-other");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        yaml = policy_from_file("kernel-function.yaml", TEXT_VALUE("PATH", path));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), mechanism);

        child = child_spawn(child_write_path, path);
        assert_killed(child_run(&child));
        assert_int_equal(file_size(path), 0); /* created by open, never written */
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "function_name")),
                            "security_file_permission");
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_SIGKILL");
        args = json_object_get(e, "args");
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(args, 0), "file_arg"), "path")),
                            path);
        assert_true(json_integer_value(json_object_get(json_array_get(args, 1), "int_arg")) & 2);

        /* Another file: written, no event. */
        child = child_spawn(child_write_path, other);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(other), 1);
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

static void test_kernel_function_fentry(void **state) {
        Fixture *f = *state;

        if (!kernel_has(f, "fentry"))
                skip();
        kernel_function_kill(f, "fentry");
}

static void test_kernel_function_kprobe(void **state) {
        Fixture *f = *state;

        if (!kernel_has(f, "kprobe"))
                skip();
        kernel_function_kill(f, "kprobe");
}

/* Exits with the errno of opening the file for reading (0: it opened). */
static void child_open_read(const void *arg) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s", (const char *) arg); /* resident: see write_or_die() */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        _exit(fd < 0 ? errno : 0);
}

/* A hook (section and name given) that overrides opening path with argError. */
static char *open_override_policy(const char *section, const char *path, int error) {
        bool lsm = streq(section, "lsmhooks");

        return policy_from_file(
                "open-override.yaml", TEXT_VALUE("SECTION", section),
                TEXT_VALUE("HOOK", lsm ? "hook: file_open" : "call: security_file_open"),
                TEXT_VALUE("SYSCALL_FALSE", lsm ? "" : "    syscall: false\n"),
                TEXT_VALUE("PATH", path), NUMBER_VALUE("ERROR", error));
}

/* Opening path fails with errno expected_errno, and the event says so; another file opens. */
static void assert_open_overridden(Fixture *f, const char *path, int expected_errno,
                                   const char *event_type, const char *function) {
        _cleanup_free_ char *other = temp_path(f, "open-other");
        Child child;
        json_t *e;
        size_t k;

        child = child_spawn(child_open_read, path);
        assert_exit_status(child_run(&child), expected_errno);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        for (k = 0; k < f->n_events && f->event_pids[k] != (uint32_t) child.pid; k++)
                ;
        assert_non_null(json_object_get(f->events[k], event_type));
        assert_string_equal(json_string_value(json_object_get(e, "function_name")), function);
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_OVERRIDE");
        assert_int_equal(json_integer_value(json_object_get(e, "override_error")), -expected_errno);
        assert_string_equal(
                json_string_value(json_object_get(
                        json_object_get(json_array_get(json_object_get(e, "args"), 0), "file_arg"),
                        "path")),
                path);

        assert_int_equal(close(open(other, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        child = child_spawn(child_open_read, other);
        assert_exit_status(child_run(&child), 0);
        assert_int_equal(events_of(f, child.pid), 0);
}

static void test_lsm_override(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "lsm"), *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "lsm"))
                skip();
        assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        yaml = open_override_policy("lsmhooks", path, -EPERM);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "lsm");
        assert_open_overridden(f, path, EPERM, "process_lsm", "file_open");

        /* Monitor mode: the open goes through, the event says what would have been done. */
        assert_int_equal(f->backend.set_mode(f->backend.userdata, i, POLICY_MODE_MONITOR), 0);
        child = child_spawn(child_open_read, path);
        assert_exit_status(child_run(&child), 0);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_OVERRIDE");
        assert_string_equal(json_string_value(json_object_get(e, "policy_mode")), "monitor");
        uninstall(f, i);

        /* Gone with the policy. */
        child = child_spawn(child_open_read, path);
        assert_exit_status(child_run(&child), 0);
}

static void test_fmod_ret_override(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "fmod-ret"), *yaml = NULL, *error = NULL;
        PolicyInstallation *i = NULL;

        if (!kernel_has(f, "fmod_ret"))
                skip();
        assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        yaml = open_override_policy("kprobes", path, -EACCES);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "fmod_ret");
        assert_open_overridden(f, path, EACCES, "process_kprobe", "security_file_open");
        uninstall(f, i);

        /* A function the kernel does not let BPF change the return of. */
        free(yaml);
        yaml = policy_from_file("vfs-open-override.yaml");
        i = NULL;
        assert_true(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error) < 0);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, "loading fmod_ret on vfs_open failed: ") ||
            !strstr(error, "the kernel allows fmod_ret only on security_* functions"))
                fail_msg("refused with \"%s\"", error);
}

/* An exec refused by bprm_check_security, matched on the linux_binprm's file. */
static void test_lsm_exec_denied(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *program = temp_path(f, "denied-true"), *yaml = NULL, *cmd = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "lsm"))
                skip();
        cmd = format("cp /bin/true %s", program);
        assert_int_equal(system(cmd), 0);
        yaml = policy_from_file("exec-denied.yaml");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_exec, program);
        assert_exit_status(child_run(&child), EPERM);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "function_name")),
                            "bprm_check_security");
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(json_object_get(e, "args"), 0),
                                                    "linux_binprm_arg"),
                                    "path")),
                            program);
        child = child_spawn(child_exec, "/bin/true");
        assert_exit_status(child_run(&child), 0);
        uninstall(f, i);
}

/* Override on a syscall: where the kernel allows fmod_ret on syscall functions it is
 * done, elsewhere (Debian's kernel, this machine's) refused with the reason. */
static void test_syscall_override(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "sys-override"), *yaml = NULL, *error = NULL;
        PolicyInstallation *i = NULL;
        Child child;

        yaml = policy_from_file("syscall-override.yaml", TEXT_VALUE("PATH", path));
        if (!kernel_has(f, "fmod_ret_syscall")) {
                assert_int_equal(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error), -EOPNOTSUPP);
                if (!startswith(error, "kprobes[0] sys_write: action Override on a system call "
                                       "needs fmod_ret on the syscall's function"))
                        fail_msg("refused with \"%s\"", error);
                return;
        }
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "fmod_ret");
        child = child_spawn(child_write_path, path);
        assert_exit_status(child_run(&child), 4); /* write_or_die(): the write failed */
        assert_int_equal(file_size(path), 0);
        uninstall(f, i);
}

/* Kernel functions (fentry or kprobes; the guest): hook the function with args, the
 * child's calls only, and the filters; run fn(arg) in the child. Returns how many events it
 * had, and in *ret_args the first one's args (a new reference). */
static size_t kernel_hook_args(Fixture *f, const char *call_and_args, const char *filters,
                               ChildFn fn, const void *arg, json_t **ret_args) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(fn, arg);
        yaml = policy_from_file("kernel-types.yaml", TEXT_VALUE("CALL", call_and_args),
                                NUMBER_VALUE("PID", (int) child.pid),
                                TEXT_VALUE("FILTERS", filters));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        n = events_of(f, child.pid);
        if (ret_args)
                *ret_args = n > 0 ? json_incref(json_object_get(event_wait(f, child.pid), "args"))
                                  : NULL;
        uninstall(f, i);
        return n;
}

static void child_setgid(const void *arg) {
        if (setgid(4242) < 0)
                _exit(errno);
}

static void child_unshare_uts(const void *arg) {
        if (unshare(CLONE_NEWUTS) < 0)
                _exit(errno);
}

static void child_open_path(const void *arg) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s", (const char *) arg); /* resident: see write_or_die() */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                _exit(errno);
}

static bool json_array_has_string(json_t *array, const char *s) {
        size_t k;
        json_t *v;

        json_array_foreach(array, k, v) {
                if (streq(json_string_value(v) ?: "", s))
                        return true;
        }
        return false;
}

/* cred on commit_creds: the ids, capabilities and user namespace a setgid() installs. */
static void test_kernel_arg_cred(void **state) {
        Fixture *f = *state;
        json_t *args = NULL, *c, *ns;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        assert_true(kernel_hook_args(f,
                                     "  - call: commit_creds\n"
                                     "    syscall: false\n"
                                     "    args:\n"
                                     "    - index: 0\n"
                                     "      type: cred\n"
                                     "      label: new\n",
                                     "", child_setgid, NULL, &args) >= 1);
        c = json_object_get(json_array_get(args, 0), "process_credentials_arg");
        assert_non_null(c);
        assert_int_equal(json_integer_value(json_object_get(c, "gid")), 4242);
        assert_int_equal(json_integer_value(json_object_get(c, "egid")), 4242);
        assert_int_equal(json_integer_value(json_object_get(c, "uid")), 0);
        assert_true(json_array_has_string(json_object_get(json_object_get(c, "caps"), "effective"),
                                          "CAP_SYS_ADMIN"));
        ns = json_object_get(c, "user_ns");
        assert_int_equal(json_integer_value(json_object_get(ns, "level")), 0);
        assert_true(json_is_true(json_object_get(json_object_get(ns, "ns"), "is_host")));
        json_decref(args);
}

/* capability on cap_capable: unshare(CLONE_NEWUTS) asks for CAP_SYS_ADMIN. */
static void test_kernel_arg_capability(void **state) {
        Fixture *f = *state;
        const char *hook = "  - call: cap_capable\n"
                           "    syscall: false\n"
                           "    args:\n"
                           "    - index: 2\n"
                           "      type: capability\n";
        json_t *args = NULL, *c;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        assert_true(kernel_hook_args(f, hook,
                                     "      matchArgs:\n"
                                     "      - index: 2\n"
                                     "        operator: Equal\n"
                                     "        values: [\"21\"]\n",
                                     child_unshare_uts, NULL, &args) >= 1);
        c = json_object_get(json_array_get(args, 0), "capability_arg");
        assert_int_equal(json_integer_value(json_object_get(c, "value")), 21);
        assert_string_equal(json_string_value(json_object_get(c, "name")), "CAP_SYS_ADMIN");
        json_decref(args);
        assert_int_equal(kernel_hook_args(f, hook,
                                          "      matchArgs:\n"
                                          "      - index: 2\n"
                                          "        operator: Equal\n"
                                          "        values: [\"12\"]\n", /* CAP_NET_ADMIN */
                                          child_unshare_uts, NULL, NULL),
                         0);
}

/* filename on do_filp_open: the name the caller gave, compared as a string. */
static void test_kernel_arg_filename(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "filename-arg"), *equal = NULL;
        const char *hook = "  - call: do_filp_open\n"
                           "    syscall: false\n"
                           "    args:\n"
                           "    - index: 1\n"
                           "      type: filename\n";
        json_t *args = NULL;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        equal = format("      matchArgs:\n"
                       "      - index: 1\n"
                       "        operator: Equal\n"
                       "        values: [\"%s\"]\n",
                       path);
        assert_int_equal(kernel_hook_args(f, hook, equal, child_open_path, path, &args), 1);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 0), "string_arg")), path);
        json_decref(args);
        assert_int_equal(kernel_hook_args(f, hook,
                                          "      matchArgs:\n"
                                          "      - index: 1\n"
                                          "        operator: Postfix\n"
                                          "        values: [\"/no-such-name\"]\n",
                                          child_open_path, path, NULL),
                         0);
}

/* sock on tcp_connect: the connection being made (TCP_SYN_SENT), and DPort. */
static void test_kernel_arg_sock(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *dport = NULL, *other = NULL;
        _cleanup_close_ int listener = -1;
        const char *hook = "  - call: tcp_connect\n"
                           "    syscall: false\n"
                           "    args:\n"
                           "    - index: 0\n"
                           "      type: sock\n";
        uint16_t port;
        json_t *args = NULL, *s;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        listener = tcp_listener(&port);
        dport = format("      matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: DPort\n"
                       "        values: [\"%u\"]\n"
                       "      - index: 0\n"
                       "        operator: DAddr\n"
                       "        values: [\"127.0.0.1\"]\n",
                       port);
        other = format("      matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: DPort\n"
                       "        values: [\"%u\"]\n",
                       port == 65535 ? 1024 : port + 1);
        assert_int_equal(kernel_hook_args(f, hook, dport, child_tcp_connect, &port, &args), 1);
        s = json_object_get(json_array_get(args, 0), "sock_arg");
        assert_string_equal(json_string_value(json_object_get(s, "family")), "AF_INET");
        assert_string_equal(json_string_value(json_object_get(s, "protocol")), "IPPROTO_TCP");
        assert_string_equal(json_string_value(json_object_get(s, "daddr")), "127.0.0.1");
        assert_int_equal(json_integer_value(json_object_get(s, "dport")), port);
        assert_string_equal(json_string_value(json_object_get(s, "state")), "TCP_SYN_SENT");
        json_decref(args);
        for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
                close(fd);
        assert_int_equal(kernel_hook_args(f, hook, other, child_tcp_connect, &port, NULL), 0);
}

/* socket and sockaddr on security_socket_connect: the address is the kernel's copy. */
static void test_kernel_arg_socket_sockaddr(void **state) {
        Fixture *f = *state;
        ConnectCase v4 = { AF_INET, 4242, NULL };
        json_t *args = NULL, *s;

        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                skip();
        assert_int_equal(kernel_hook_args(f,
                                          "  - call: security_socket_connect\n"
                                          "    syscall: false\n"
                                          "    args:\n"
                                          "    - index: 0\n"
                                          "      type: socket\n"
                                          "    - index: 1\n"
                                          "      type: sockaddr\n",
                                          "      matchArgs:\n"
                                          "      - index: 1\n"
                                          "        operator: SPort\n"
                                          "        values: [\"4242\"]\n"
                                          "      - index: 0\n"
                                          "        operator: Protocol\n"
                                          "        values: [IPPROTO_UDP]\n",
                                          child_connect, &v4, &args),
                         1);
        s = json_object_get(json_array_get(args, 0), "sock_arg");
        assert_string_equal(json_string_value(json_object_get(s, "family")), "AF_INET");
        assert_string_equal(json_string_value(json_object_get(s, "type")), "SOCK_DGRAM");
        assert_sockaddr_json(json_incref(json_object_get(json_array_get(args, 1), "sockaddr_arg")),
                             "AF_INET", "127.0.0.1", 4242);
        json_decref(args);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_kernel_function_fentry, test_setup),
                cmocka_unit_test_setup_teardown(test_kernel_function_kprobe,
                                                setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_lsm_override, test_setup),
                cmocka_unit_test_setup(test_fmod_ret_override, test_setup),
                cmocka_unit_test_setup(test_lsm_exec_denied, test_setup),
                cmocka_unit_test_setup(test_syscall_override, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_cred, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_capability, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_filename, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_sock, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_socket_sockaddr, test_setup),
        };

        return fixture_run(argc, argv, "engine kernel-functions", tests, ELEMENTSOF(tests));
}
