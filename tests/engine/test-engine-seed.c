/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: The seed's kill demo (FollowFD, dup2/dup3/F_DUPFD, across exec),
 * hook status, modes, counters, rate limits, reloads beside the old version, two policies on one
 * hook.
 */
#include "fixture.h"

/* ---- The seed's kill demo ---- */

typedef struct FdCase {
        const char *path;
        int how; /* 0: as opened, 1: dup2, 2: dup3, 3: fcntl(F_DUPFD), 4: inherited across exec */
} FdCase;

/* Opens before the policy exists (the child is forked before install and opens at once),
 * then waits, then writes through the descriptor the case says. */
static Child child_open_then_write(const FdCase *c) {
        int pipefd[2], ready[2];
        Child child;

        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        child.pid = fork();
        assert_true(child.pid >= 0);
        if (child.pid == 0) {
                int fd, wfd;
                char b;

                fd = open(c->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (fd < 0)
                        _exit(2);
                if (write(ready[1], "r", 1) != 1 || read(pipefd[0], &b, 1) != 1)
                        _exit(3);
                switch (c->how) {
                case 1:
                        wfd = dup2(fd, 100);
                        break;
                case 2:
                        wfd = dup3(fd, 101, O_CLOEXEC);
                        break;
                case 3:
                        wfd = fcntl(fd, F_DUPFD, 50);
                        break;
                case 4: {
                        /* Not close-on-exec at 3, for the shell to write to. */
                        char script[32];

                        if (dup2(fd, 3) != 3)
                                _exit(5);
                        snprintf(script, sizeof(script), "printf x >&3");
                        execl("/bin/sh", "sh", "-c", script, (char *) NULL);
                        _exit(6);
                }
                default:
                        wfd = fd;
                }
                if (wfd < 0)
                        _exit(5);
                if (wfd != fd)
                        close(fd);
                write_or_die(wfd);
                _exit(0);
        }
        close(pipefd[0]);
        close(ready[1]);
        {
                char b;

                assert_int_equal(read(ready[0], &b, 1), 1); /* it has opened */
        }
        close(ready[0]);
        child.go = pipefd[1];
        return child;
}

static void check_kill_event(Fixture *f, pid_t pid, const char *path, bool monitor) {
        json_t *e = event_wait(f, pid), *args;

        assert_non_null(e);
        if (getenv("TEST_DEBUG")) {
                char *dump = json_dumps(e, JSON_COMPACT);

                fprintf(stderr, "event: %s\n", dump);
                free(dump);
        }
        assert_string_equal(json_string_value(json_object_get(e, "function_name")),
                            f->function_write);
        assert_string_equal(json_string_value(json_object_get(e, "policy_name")),
                            "syswritefollowfdpsswd");
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_SIGKILL");
        args = json_object_get(e, "args");
        assert_int_equal(json_array_size(args), 3);
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(args, 0), "file_arg"), "path")),
                            path);
        /* "x", base64 */
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 1), "bytes_arg")), "eA==");
        assert_string_equal(json_string_value(json_object_get(json_array_get(args, 2), "size_arg")),
                            "1");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "process"), "pid")),
                         pid);
        if (monitor)
                assert_string_equal(json_string_value(json_object_get(e, "policy_mode")),
                                    "monitor");
        else
                assert_null(json_object_get(e, "policy_mode"));
}

static void run_kill_case(Fixture *f, const char *path, int how) {
        _cleanup_free_ char *yaml = seed_policy(path, 0);
        FdCase c = { .path = path, .how = how };
        PolicyInstallation *i;
        Child child;
        off_t before;
        int status;

        child = child_open_then_write(&c);
        before = file_size(path);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        status = child_run(&child);
        assert_killed(status);
        assert_int_equal(file_size(path), before); /* killed before the write */
        check_kill_event(f, child.pid, path, false);
        uninstall(f, i);
}

static void test_kill_fd_opened_before(void **state) {
        _cleanup_free_ char *path = temp_path(*state, "passwd");

        run_kill_case(*state, path, 0);
}

static void test_kill_dup2(void **state) {
        _cleanup_free_ char *path = temp_path(*state, "passwd-dup2");

        run_kill_case(*state, path, 1);
}

static void test_kill_dup3(void **state) {
        _cleanup_free_ char *path = temp_path(*state, "passwd-dup3");

        run_kill_case(*state, path, 2);
}

static void test_kill_fcntl_dupfd(void **state) {
        _cleanup_free_ char *path = temp_path(*state, "passwd-dupfd");

        run_kill_case(*state, path, 3);
}

static void test_kill_inherited_across_exec(void **state) {
        _cleanup_free_ char *path = temp_path(*state, "passwd-exec");

        run_kill_case(*state, path, 4);
}

/* The demo's own path. Its content, if any, is put back. */
static void test_kill_demo_path(void **state) {
        const char *path = "/tmp/passwd";
        bool existed = access(path, F_OK) == 0;

        run_kill_case(*state, path, 0);
        if (!existed)
                (void) unlink(path);
}

static void test_other_files_untouched(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "passwd-guarded");
        _cleanup_free_ char *other = temp_path(f, "other");
        _cleanup_free_ char *yaml = seed_policy(path, 0);
        PolicyInstallation *i;
        Child child;

        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_write_path, other);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(other), 1);
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

static void test_pid_not_in_exempt(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "passwd-exempt");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;

        child = child_spawn(child_write_path, path);
        yaml = seed_policy(path, child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(path), 1);
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

static void test_hook_status(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = seed_policy("/tmp/passwd", 0);
        PolicyHookStatus *hooks = NULL;
        PolicyInstallation *i;
        size_t n = 0;

        assert_false(policy_engine_is_attached(f->engine));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_true(policy_engine_is_attached(f->engine));
        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(hooks[0].hook, "kprobes[0] fd_install");
        assert_true(startswith(hooks[0].mechanism, "none: its only actions track fds"));
        assert_string_equal(hooks[1].hook, "kprobes[1] do_dup2");
        assert_true(startswith(hooks[1].mechanism, "none: "));
        assert_string_equal(hooks[2].hook, "kprobes[2] sys_close");
        assert_true(startswith(hooks[2].mechanism, "none: "));
        assert_string_equal(hooks[3].hook, "kprobes[3] sys_write");
        /* fentry or a kprobe on the syscall's function where the kernel has them. */
        assert_string_equal(hooks[3].mechanism, kernel_has(f, "fentry")   ? "fentry"
                                                : kernel_has(f, "kprobe") ? "kprobe"
                                                                          : "tp_btf/sys_enter");
        policy_hook_status_free_many(hooks, n);
        uninstall(f, i);
        /* Nothing needs it any more: every syscall is free of it again. */
        assert_false(policy_engine_is_attached(f->engine));
}

/* ---- Modes, counters, reloads ---- */

static void test_monitor_mode_and_switch(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "passwd-monitor");
        _cleanup_free_ char *yaml = seed_policy(path, 0);
        PolicyCounters counters;
        PolicyInstallation *i;
        Child child;

        i = install_ok(f, yaml, POLICY_MODE_MONITOR);
        child = child_spawn(child_write_path, path);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(path), 1); /* not killed: the write happened */
        check_kill_event(f, child.pid, path, true);

        /* Enforce, by one map update: the next writer dies. */
        assert_int_equal(f->backend.set_mode(f->backend.userdata, i, POLICY_MODE_ENFORCE), 0);
        child = child_spawn(child_write_path, path);
        assert_killed(child_run(&child));
        assert_int_equal(file_size(path), 1);
        check_kill_event(f, child.pid, path, false);

        assert_int_equal(f->backend.get_counters(f->backend.userdata, i, &counters), 0);
        assert_int_equal(counters.matched, 2);
        assert_int_equal(counters.actions, 1); /* the monitored one was not taken */
        assert_int_equal(counters.monitored, 1);
        assert_int_equal(counters.posted, 2);
        assert_int_equal(counters.rate_limited, 0);
        assert_int_equal(counters.lost, 0);
        uninstall(f, i);
}

static void child_write_five(const void *arg) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

        if (fd < 0)
                _exit(2);
        for (int k = 0; k < 5; k++)
                write_or_die(fd);
}

static void test_rate_limit(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "rate");
        _cleanup_free_ char *yaml = NULL, *filters = NULL;
        PolicyCounters counters;
        PolicyInstallation *i;
        Child child;

        child = child_spawn(child_write_five, path);
        filters = format("      matchArgs:\n"
                         "      - index: 0\n"
                         "        operator: Equal\n"
                         "        values: [\"%s\"]\n",
                         path);
        yaml = write_policy(child.pid, filters,
                            "      - action: Post\n"
                            "        rateLimit: 1m\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(path), 5);
        assert_int_equal(events_of(f, child.pid), 1);
        assert_int_equal(f->backend.get_counters(f->backend.userdata, i, &counters), 0);
        assert_int_equal(counters.matched, 5);
        assert_int_equal(counters.posted, 1);
        assert_int_equal(counters.rate_limited, 4);
        uninstall(f, i);
}

/* The new version goes in beside the old one, then the old one goes: never a gap. */
static void test_reload_beside(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "passwd-reload");
        _cleanup_free_ char *yaml = seed_policy(path, 0);
        PolicyInstallation *old, *new;
        Child child;

        old = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        new = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        uninstall(f, old);
        assert_true(policy_engine_is_attached(f->engine));
        child = child_spawn(child_write_path, path);
        assert_killed(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 1); /* one policy left, one event */
        uninstall(f, new);
        assert_false(policy_engine_is_attached(f->engine));
}

/* Two policies on one syscall: each evaluates, each posts its own event. */
static void test_two_policies_one_hook(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "two");
        _cleanup_free_ char *a = NULL, *b = NULL;
        PolicyInstallation *ia, *ib;
        Child child;

        child = child_spawn(child_write_path, path);
        a = write_policy(child.pid, "", NULL);
        b = format("%s", a);
        memcpy(strstr(b, "write-test"), "write-tst2", 10);
        ia = install_ok(f, a, POLICY_MODE_ENFORCE);
        ib = install_ok(f, b, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 2);
        uninstall(f, ia);
        uninstall(f, ib);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_hook_status, test_setup),
                cmocka_unit_test_setup(test_kill_fd_opened_before, test_setup),
                cmocka_unit_test_setup(test_kill_dup2, test_setup),
                cmocka_unit_test_setup(test_kill_dup3, test_setup),
                cmocka_unit_test_setup(test_kill_fcntl_dupfd, test_setup),
                cmocka_unit_test_setup(test_kill_inherited_across_exec, test_setup),
                cmocka_unit_test_setup(test_kill_demo_path, test_setup),
                cmocka_unit_test_setup(test_other_files_untouched, test_setup),
                cmocka_unit_test_setup(test_pid_not_in_exempt, test_setup),
                cmocka_unit_test_setup(test_monitor_mode_and_switch, test_setup),
                cmocka_unit_test_setup(test_rate_limit, test_setup),
                cmocka_unit_test_setup(test_reload_beside, test_setup),
                cmocka_unit_test_setup(test_two_policies_one_hook, test_setup),
        };

        return fixture_run(argc, argv, "engine seed", tests, ELEMENTSOF(tests));
}
