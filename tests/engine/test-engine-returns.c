/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: Return probes (return: true): fexit, kretprobe, sys_exit,
 * uretprobe; returnArg, matchReturnArgs and matchReturnActions, copies at return.
 */
#include "fixture.h"

/* ---- Return probes (return: true) ---- */

/* The n-th event of pid (0 first), polling until the deadline. */
static json_t *event_nth(Fixture *f, pid_t pid, size_t n) {
        uint64_t deadline = now_ns() + DEADLINE_NS;

        for (;;) {
                size_t seen = 0;

                for (size_t i = 0; i < f->n_events; i++)
                        if (f->event_pids[i] == (uint32_t) pid && seen++ == n)
                                return json_object_get(f->events[i], "process_kprobe")
                                               ?: json_object_get(f->events[i], "process_uprobe");
                if (now_ns() > deadline)
                        return NULL;
                (void) ring_buffer__poll(f->ringbuf, 100);
        }
}

static json_int_t return_int(json_t *e) {
        json_t *ret = json_object_get(e, "return");

        assert_non_null(ret);
        assert_non_null(json_object_get(ret, "int_arg"));
        return json_integer_value(json_object_get(ret, "int_arg"));
}

/* Opens arg (which exists), then arg with ".missing" appended; exits with the first fd. */
static void child_open_twice(const void *arg) {
        char path[PATH_MAX], missing[PATH_MAX];
        long fd;

        snprintf(path, sizeof(path), "%s", (const char *) arg); /* resident: write_or_die() */
        snprintf(missing, sizeof(missing), "%s.missing", (const char *) arg);
        fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
        (void) syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY);
        _exit(fd < 0 ? 99 : (int) fd);
}

static char *openat_return_policy(pid_t pid, const char *filters, const char *actions) {
        return policy_from_file("openat-return.yaml", NUMBER_VALUE("PID", (int) pid),
                                TEXT_VALUE("FILTERS", filters), TEXT_VALUE("ACTIONS", actions));
}

/* One event per call, at its return: the path it was called with, the fd or -ENOENT. */
static void return_openat(Fixture *f, const char *mechanism) {
        _cleanup_free_ char *path = temp_path(f, "ret-open"), *yaml = NULL;
        _cleanup_free_ char *missing = format("%s.missing", path);
        PolicyInstallation *i;
        Child child;
        json_t *e;
        int status, fd;

        assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        child = child_spawn(child_open_twice, path);
        yaml = openat_return_policy(child.pid, "", "");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), mechanism);
        status = child_run(&child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 99);
        fd = WEXITSTATUS(status);

        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(e, "args"), 1), "string_arg")),
                            path);
        assert_int_equal(return_int(e), fd);
        e = event_nth(f, child.pid, 1);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(e, "args"), 1), "string_arg")),
                            missing);
        assert_int_equal(return_int(e), -ENOENT);
        assert_int_equal(events_of(f, child.pid), 2);
        uninstall(f, i);
}

/* matchReturnArgs: judged at return, no event when it does not match. */
static void return_match_return_args(Fixture *f) {
        _cleanup_free_ char *path = temp_path(f, "ret-match"), *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        child = child_spawn(child_open_twice, path);
        yaml = openat_return_policy(child.pid,
                                    "      matchReturnArgs:\n"
                                    "      - index: 0\n"
                                    "        operator: LessThan\n"
                                    "        values: [\"0\"]\n",
                                    "");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_true(WIFEXITED(child_run(&child)));
        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        assert_int_equal(return_int(e), -ENOENT);
        assert_int_equal(events_of(f, child.pid), 1); /* not the open that succeeded */
        uninstall(f, i);
}

/* Opens arg and reads it into a buffer full of 'A': exits with what read() returned. */
static void child_read_file(const void *arg) {
        char path[PATH_MAX], buf[64];
        int fd;

        snprintf(path, sizeof(path), "%s", (const char *) arg);
        memset(buf, 'A', sizeof(buf));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                _exit(99);
        _exit((int) read(fd, buf, sizeof(buf)));
}

/* returnCopy: read(2)'s buffer as it is at return, as many bytes as read() returned; with
 * return: true or without (the event is posted at return all the same, without "return"). */
static void return_copy_read(Fixture *f, bool with_return) {
        static const char content[] = "read at return";
        _cleanup_free_ char *path = temp_path(f, "ret-read"), *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;
        int fd, status;

        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
        child = child_spawn(child_read_file, path);
        yaml = policy_from_file("read-return.yaml",
                                TEXT_VALUE("RETURN", with_return ? "    return: true\n" : ""),
                                NUMBER_VALUE("PID", (int) child.pid), TEXT_VALUE("PATH", path));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        status = child_run(&child);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), strlen(content));
        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        args = json_object_get(e, "args");
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(args, 0), "file_arg"), "path")),
                            path);
        /* base64("read at return"): the bytes read, not the 'A's there at entry. */
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 1), "bytes_arg")),
                "cmVhZCBhdCByZXR1cm4=");
        if (with_return)
                assert_int_equal(return_int(e), strlen(content));
        else
                assert_null(json_object_get(e, "return"));
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
}

/* Opens arg (missing) then creates arg.after: the kill at entry stops it before that. */
static void child_open_then_mark(const void *arg) {
        char path[PATH_MAX], after[PATH_MAX];

        snprintf(path, sizeof(path), "%s", (const char *) arg);
        snprintf(after, sizeof(after), "%s.after", (const char *) arg);
        (void) syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
        (void) close(open(after, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

/* Actions run at entry: Sigkill there, the event (with the return) at the return. */
static void return_sigkill_at_entry(Fixture *f) {
        _cleanup_free_ char *path = temp_path(f, "ret-kill"), *yaml = NULL, *filters = NULL;
        _cleanup_free_ char *after = temp_path(f, "ret-kill.after");
        PolicyInstallation *i;
        Child child;
        json_t *e;

        child = child_spawn(child_open_then_mark, path);
        filters = format("      matchArgs:\n"
                         "      - index: 1\n"
                         "        operator: Equal\n"
                         "        values: [\"%s\"]\n",
                         path);
        yaml = openat_return_policy(child.pid, filters,
                                    "      matchActions:\n"
                                    "      - action: Sigkill\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_killed(child_run(&child));
        assert_int_equal(access(after, F_OK), -1); /* nothing ran after the call */
        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_SIGKILL");
        assert_int_equal(return_int(e), -ENOENT);
        uninstall(f, i);
}

/* Opens arg (which exists), then arg.missing, then creates arg.after. */
static void child_open_twice_then_mark(const void *arg) {
        char path[PATH_MAX], missing[PATH_MAX], after[PATH_MAX];

        snprintf(path, sizeof(path), "%s", (const char *) arg);
        snprintf(missing, sizeof(missing), "%s.missing", (const char *) arg);
        snprintf(after, sizeof(after), "%s.after", (const char *) arg);
        if (syscall(SYS_openat, AT_FDCWD, path, O_RDONLY) < 0)
                _exit(99);
        (void) syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY);
        (void) close(open(after, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

/* matchReturnActions: Sigkill when the call returned what matchReturnArgs asks (an error),
 * before the process runs on; the open that succeeded is let be, and makes no event. */
static void return_sigkill_at_return(Fixture *f) {
        _cleanup_free_ char *path = temp_path(f, "ret-rkill"), *yaml = NULL;
        _cleanup_free_ char *after = temp_path(f, "ret-rkill.after");
        PolicyInstallation *i;
        Child child;
        json_t *e;

        assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        child = child_spawn(child_open_twice_then_mark, path);
        yaml = openat_return_policy(child.pid,
                                    "      matchReturnArgs:\n"
                                    "      - index: 0\n"
                                    "        operator: LessThan\n"
                                    "        values: [\"0\"]\n",
                                    "      matchReturnActions:\n"
                                    "      - action: Sigkill\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_killed(child_run(&child));
        assert_int_equal(access(after, F_OK), -1); /* nothing ran after the failed call */
        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_SIGKILL");
        assert_int_equal(return_int(e), -ENOENT);
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
}

static void return_syscalls(Fixture *f, const char *mechanism) {
        return_openat(f, mechanism);
        events_clear(f);
        return_match_return_args(f);
        events_clear(f);
        return_copy_read(f, true);
        events_clear(f);
        return_copy_read(f, false);
        events_clear(f);
        return_sigkill_at_entry(f);
        events_clear(f);
        return_sigkill_at_return(f);
}

static void test_return_fexit(void **state) {
        Fixture *f = *state;

        if (!kernel_has(f, "fentry"))
                skip();
        return_syscalls(f, "fentry + fexit");
}

/* In an engine without fentry. */
static void test_return_kretprobe(void **state) {
        Fixture *f = *state;

        if (!kernel_has(f, "kprobe"))
                skip();
        return_syscalls(f, "kprobe + kretprobe");
}

/* In an engine without fentry and kprobes. */
static void test_return_sys_exit(void **state) {
        return_syscalls(*state, "tp_btf/sys_enter + tp_btf/sys_exit");
}

static int setup_engine_sys_enter_only(void **state) {
        return setup_engine_disabling(state, (1U << HOOK_MECHANISM_FENTRY) |
                                                     (1U << HOOK_MECHANISM_FMOD_RET) |
                                                     (1U << HOOK_MECHANISM_KPROBE));
}

/* A uretprobe: the value the function of this binary returned, and
 * matchReturnArgs on it (42 + strlen("hello") is 47). */
static void test_return_uprobe(void **state) {
        Fixture *f = *state;
        static const int matching = 42;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = policy_from_file("uprobe-return.yaml", TEXT_VALUE("BINARY", f->self_exe));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "uprobe + uretprobe");
        child = child_spawn(child_call_uprobe_target, &matching);
        assert_exited_ok(child_run(&child));
        e = event_nth(f, child.pid, 0);
        assert_non_null(e);
        assert_int_equal(json_integer_value(json_object_get(
                                 json_array_get(json_object_get(e, "args"), 0), "int_arg")),
                         42);
        assert_int_equal(return_int(e), 42 + (int) strlen("hello"));
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_return_fexit, test_setup),
                cmocka_unit_test_setup_teardown(test_return_kretprobe, setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup_teardown(test_return_sys_exit, setup_engine_sys_enter_only,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_return_uprobe, test_setup),
        };

        return fixture_run(argc, argv, "engine returns", tests, ELEMENTSOF(tests));
}
