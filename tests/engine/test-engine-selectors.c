/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: Selectors beyond matchArgs: binaries, parent binaries,
 * followChildren, matchPIDs, namespaces, capabilities and their changes since exec, selector
 * semantics (OR, AND, first match), NoPost and Signal.
 */
#include "fixture.h"

static void test_match_binaries(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "bin");
        _cleanup_free_ char *in = NULL, *not_in = NULL, *other = NULL, *prefix = NULL,
                            *postfix = NULL, *bad_postfix = NULL;
        const char *base = strrchr(f->self_exe, '/');

        in = format("      matchBinaries:\n"
                    "      - operator: In\n"
                    "        values: [\"%s\"]\n",
                    f->self_exe);
        not_in = format("      matchBinaries:\n"
                        "      - operator: NotIn\n"
                        "        values: [\"%s\"]\n",
                        f->self_exe);
        other = format("      matchBinaries:\n"
                       "      - operator: In\n"
                       "        values: [\"/usr/bin/vim\"]\n");
        prefix = format("      matchBinaries:\n"
                        "      - operator: Prefix\n"
                        "        values: [\"%.*s\"]\n",
                        (int) (base - f->self_exe + 1), f->self_exe);
        postfix = format("      matchBinaries:\n"
                         "      - operator: Postfix\n"
                         "        values: [\"%s\"]\n",
                         base);
        bad_postfix = format("      matchBinaries:\n"
                             "      - operator: Postfix\n"
                             "        values: [\"/vim\"]\n");
        assert_true(write_matches(f, path, in));
        assert_false(write_matches(f, path, not_in));
        assert_false(write_matches(f, path, other));
        assert_true(write_matches(f, path, prefix));
        assert_true(write_matches(f, path, postfix));
        assert_false(write_matches(f, path, bad_postfix));
}

/* matchParentBinaries: the writer's parent is this test binary. */
static void test_match_parent_binaries(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "parent-bin");
        const char *base = strrchr(f->self_exe, '/');
        static const struct {
                const char *op;
                int value; /* 0: the test binary, 1: its directory, 2: its name, 3: vim */
                bool matches;
        } cases[] = {
                { "In", 0, true },      { "In", 3, false },      { "NotIn", 0, false },
                { "NotIn", 3, true },   { "Prefix", 1, true },   { "NotPrefix", 1, false },
                { "Postfix", 2, true }, { "Postfix", 3, false }, { "NotPostfix", 3, true },
        };

        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                _cleanup_free_ char *value = NULL, *filters = NULL;

                switch (cases[c].value) {
                case 0:
                        value = format("%s", f->self_exe);
                        break;
                case 1:
                        value = format("%.*s", (int) (base - f->self_exe + 1), f->self_exe);
                        break;
                case 2:
                        value = format("%s", base);
                        break;
                default:
                        value = format("/usr/bin/vim");
                }
                filters = format("      matchParentBinaries:\n"
                                 "      - operator: %s\n"
                                 "        values: [\"%s\"]\n",
                                 cases[c].op, value);
                if (write_matches(f, path, filters) != cases[c].matches)
                        fail_msg("matchParentBinaries %s %s: expected %s", cases[c].op, value,
                                 cases[c].matches ? "a match" : "no match");
        }
}

/* The child becomes a shell that appends "x" to the path: its binary is not this test's,
 * its parent's is. */
static void child_sh_write(const void *arg) {
        char script[PATH_MAX + 32];

        snprintf(script, sizeof(script), "printf x >> '%s'", (const char *) arg);
        execl("/bin/sh", "sh", "-c", script, (char *) NULL);
        _exit(6);
}

static bool sh_write_matches(Fixture *f, const char *path, const char *filters) {
        return child_write_matches(f, child_sh_write, path, filters);
}

/* followChildren (In and NotIn only, as Tetragon): the shell matches by its parent, this
 * test binary. */
static void test_follow_children(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "follow-children");
        static const struct {
                const char *op;
                bool self; /* the value: this test binary, or vim */
                bool follow;
                bool matches;
        } cases[] = {
                { "In", true, true, true },     { "In", true, false, false },
                { "In", false, true, false },   { "NotIn", true, true, false },
                { "NotIn", true, false, true }, { "NotIn", false, true, true },
        };

        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                const char *value = cases[c].self ? f->self_exe : "/usr/bin/vim";
                _cleanup_free_ char *filters = NULL;

                filters = format("      matchBinaries:\n"
                                 "      - operator: %s\n"
                                 "        followChildren: %s\n"
                                 "        values: [\"%s\"]\n",
                                 cases[c].op, cases[c].follow ? "true" : "false", value);
                if (sh_write_matches(f, path, filters) != cases[c].matches)
                        fail_msg("matchBinaries %s %s followChildren %s: expected %s", cases[c].op,
                                 value, cases[c].follow ? "true" : "false",
                                 cases[c].matches ? "a match" : "no match");
        }
}

/* A shell that runs a shell that appends "x" to the path: the writer's parent is a shell,
 * its grandparent this test binary. */
static void child_sh_sh_write(const void *arg) {
        char script[PATH_MAX + 64];

        /* "; true": the outer shell forks for the inner one instead of becoming it. */
        snprintf(script, sizeof(script), "sh -c \"printf x >> '%s'\"; true", (const char *) arg);
        execl("/bin/sh", "sh", "-c", script, (char *) NULL);
        _exit(6);
}

/* Events of the child and its descendants (write_policy follows forks). */
static size_t nested_sh_events(Fixture *f, const char *path, const char *filters) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(child_sh_sh_write, path);
        yaml = write_policy(child.pid, filters, NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        (void) ring_buffer__consume(f->ringbuf);
        n = f->n_events;
        uninstall(f, i);
        return n;
}

/* matchParentBinaries followChildren: the parent or one of its ancestors. */
static void test_parent_follow_children(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "parent-follow");
        _cleanup_free_ char *follow = NULL, *no_follow = NULL, *not_in = NULL;

        follow = format("      matchParentBinaries:\n"
                        "      - operator: In\n"
                        "        followChildren: true\n"
                        "        values: [\"%s\"]\n",
                        f->self_exe);
        no_follow = format("      matchParentBinaries:\n"
                           "      - operator: In\n"
                           "        values: [\"%s\"]\n",
                           f->self_exe);
        not_in = format("      matchParentBinaries:\n"
                        "      - operator: NotIn\n"
                        "        followChildren: true\n"
                        "        values: [\"%s\"]\n",
                        f->self_exe);
        assert_int_equal(nested_sh_events(f, path, follow), 1);
        assert_int_equal(nested_sh_events(f, path, no_follow), 0);
        assert_int_equal(nested_sh_events(f, path, not_in), 0);
}

/* followForks: the grandchild of a pid in the list matches too. */
static void child_fork_then_write(const void *arg) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                _exit(7);
        if (pid == 0) {
                child_write_path(arg);
                _exit(0);
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
                _exit(8);
}

static void test_match_pids(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "pids");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;

        /* write_policy always has matchPIDs In [child] followForks; a grandchild's events
         * carry the grandchild's pid, so count them by the file's writes instead. */
        child = child_spawn(child_fork_then_write, path);
        yaml = write_policy(child.pid, "", NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0); /* the parent did not write */
        (void) ring_buffer__consume(f->ringbuf);
        assert_int_equal(f->n_events, 1);
        uninstall(f, i);

        /* Without followForks, the same grandchild is not in the list. */
        events_clear(f);
        free(yaml);
        child = child_spawn(child_fork_then_write, path);
        yaml = write_policy_follow(child.pid, false, "", NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        (void) ring_buffer__consume(f->ringbuf);
        assert_int_equal(f->n_events, 0);
        uninstall(f, i);
}

/* isNamespacePID: pid 1 of a new pid namespace. */
static void child_new_pidns_write(const void *arg) {
        if (unshare(CLONE_NEWPID) < 0)
                _exit(9);
        child_fork_then_write(arg);
}

static void test_namespace_pid(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "nspid");
        _cleanup_free_ char *filters = NULL, *yaml = NULL;
        PolicyInstallation *i;
        bool found = false;
        Child child;

        /* A second matchPIDs entry (they AND): pid 1 of the writer's own namespace. */
        filters = format("      - operator: In\n"
                         "        isNamespacePID: true\n"
                         "        values: [1]\n"
                         "      matchArgs:\n"
                         "      - index: 0\n"
                         "        operator: Equal\n"
                         "        values: [\"%s\"]\n",
                         path);

        /* The grandchild is pid 1 of a new namespace, and a descendant of the child. */
        child = child_spawn(child_new_pidns_write, path);
        yaml = write_policy(child.pid, filters, NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        (void) ring_buffer__consume(f->ringbuf);
        for (size_t k = 0; k < f->n_events; k++)
                if (f->event_pids[k] != (uint32_t) child.pid)
                        found = true;
        uninstall(f, i);
        assert_true(found);

        /* A writer in this namespace is not pid 1 of it. */
        assert_false(write_matches(f, path, filters));
}

static void child_drop_caps_write(const void *arg) {
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2] = {};

        if (syscall(SYS_capset, &header, data) < 0)
                _exit(10);
        child_write_path(arg);
}

static void test_match_capabilities(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "caps");
        const char *in = "      matchCapabilities:\n"
                         "      - type: Effective\n"
                         "        operator: In\n"
                         "        values: [\"CAP_SYS_ADMIN\"]\n";
        const char *not_in = "      matchCapabilities:\n"
                             "      - type: Effective\n"
                             "        operator: NotIn\n"
                             "        values: [\"CAP_SYS_ADMIN\"]\n";
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;

        assert_true(write_matches(f, path, in));
        assert_false(write_matches(f, path, not_in));

        /* Without capabilities, NotIn matches and In does not. */
        events_clear(f);
        child = child_spawn(child_drop_caps_write, path);
        yaml = write_policy(child.pid, not_in, NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
}

static void child_new_mntns_write(const void *arg) {
        if (unshare(CLONE_NEWNS) < 0)
                _exit(11);
        child_write_path(arg);
}

static void test_match_namespaces(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "ns");
        const char *host = "      matchNamespaces:\n"
                           "      - namespace: Mnt\n"
                           "        operator: In\n"
                           "        values: [\"host_ns\"]\n";
        const char *not_host = "      matchNamespaces:\n"
                               "      - namespace: Mnt\n"
                               "        operator: NotIn\n"
                               "        values: [\"host_ns\"]\n";
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        struct stat self, init;

        /* This test may itself run in a private mount namespace: then "host" (pid 1's, or
         * ours when pid 1's cannot be read, as the engine does) is not ours. */
        assert_int_equal(stat("/proc/self/ns/mnt", &self), 0);
        if (stat("/proc/1/ns/mnt", &init) < 0)
                init = self;
        assert_int_equal(write_matches(f, path, host), self.st_ino == init.st_ino);
        assert_int_equal(write_matches(f, path, not_host), self.st_ino != init.st_ino);

        events_clear(f);
        child = child_spawn(child_new_mntns_write, path);
        yaml = write_policy(child.pid, not_host, NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 1);
        uninstall(f, i);
}

/* ---- Changes since exec ---- */

/* `test-engine-selectors --after-exec CHANGE PATH`, in a child that executed it once the
 * engine was running: CHANGE (drop-caps, new-mntns or none), then one write to PATH. */
static int after_exec_main(const char *change, const char *path) {
        if (streq(change, "drop-caps")) {
                struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
                struct __user_cap_data_struct data[2] = {};

                if (syscall(SYS_capset, &header, data) < 0)
                        return 10;
        } else if (streq(change, "new-mntns")) {
                if (unshare(CLONE_NEWNS) < 0)
                        return 11;
        } else if (!streq(change, "none"))
                return 12;
        child_write_path(path);
        return 0;
}

typedef struct AfterExec {
        const char *change;
        const char *path;
} AfterExec;

static void child_exec_then_change(const void *arg) {
        const AfterExec *a = arg;
        char *argv[] = { "test-engine-selectors", "--after-exec", (char *) a->change,
                         (char *) a->path, NULL };

        execv("/proc/self/exe", argv);
        _exit(13);
}

static bool change_matches(Fixture *f, const char *change, const char *path, const char *filters) {
        return child_write_matches(f, child_exec_then_change, &(AfterExec){ change, path },
                                   filters);
}

/* Against the capabilities the process had when it executed: dropping CAP_SYS_ADMIN after
 * exec is a change; keeping it, or having it at exec and now, is none. */
static void test_match_capability_changes(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "cap-changes");
        const char *in = "      matchCapabilityChanges:\n"
                         "      - type: Effective\n"
                         "        operator: In\n"
                         "        values: [\"CAP_SYS_ADMIN\"]\n";
        const char *not_in = "      matchCapabilityChanges:\n"
                             "      - type: Effective\n"
                             "        operator: NotIn\n"
                             "        values: [\"CAP_SYS_ADMIN\"]\n";
        const char *other = "      matchCapabilityChanges:\n"
                            "      - type: Permitted\n"
                            "        operator: In\n"
                            "        values: [\"CAP_SYS_ADMIN\"]\n";

        assert_true(change_matches(f, "drop-caps", path, in));
        assert_false(change_matches(f, "none", path, in));
        assert_false(change_matches(f, "drop-caps", path, not_in));
        assert_true(change_matches(f, "none", path, not_in));
        /* capset() to nothing also empties the permitted set. */
        assert_true(change_matches(f, "drop-caps", path, other));
        /* This test was running before the engine: its baseline is from the engine's start,
         * and a forked child inherits it. */
        assert_true(child_write_matches(f, child_drop_caps_write, path, in));
        assert_false(child_write_matches(f, child_write_path, path, in));
}

static void test_match_namespace_changes(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "ns-changes");
        const char *mnt = "      matchNamespaceChanges:\n"
                          "      - operator: In\n"
                          "        values: [\"Mnt\"]\n";
        const char *net = "      matchNamespaceChanges:\n"
                          "      - operator: In\n"
                          "        values: [\"Net\", \"Uts\"]\n";
        const char *not_mnt = "      matchNamespaceChanges:\n"
                              "      - operator: NotIn\n"
                              "        values: [\"Mnt\"]\n";

        assert_true(change_matches(f, "new-mntns", path, mnt));
        assert_false(change_matches(f, "none", path, mnt));
        assert_false(change_matches(f, "new-mntns", path, net));
        assert_false(change_matches(f, "new-mntns", path, not_mnt));
        assert_true(change_matches(f, "none", path, not_mnt));
}

/* Selectors OR, first match decides; filters AND. */
static void test_selector_semantics(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "sel.log");
        _cleanup_free_ char *unused = temp_path(f, "sel-unused");
        _cleanup_free_ char *yaml = NULL, *before_yaml = seed_policy(unused, 0);
        PolicyInstallation *i, *before;
        PolicySelectorCounters *sel = NULL;
        size_t n = 0, n_hooks = 0;
        Child child;
        json_t *e;

        /* Installed first, so that the selectors below are not at the start of the table:
         * the counters are read where the installer put them. */
        before = install_ok(f, before_yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_write_path, path);
        yaml = policy_from_file("selectors.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "action")), "KPROBE_ACTION_POST");
        assert_int_equal(events_of(f, child.pid), 1);

        /* Only the selector that decided counts the write. */
        assert_int_equal(
                f->backend.get_selector_counters(f->backend.userdata, i, &sel, &n, &n_hooks), 0);
        assert_int_equal(n_hooks, 1);
        assert_int_equal(n, 3);
        for (size_t k = 0; k < n; k++) {
                assert_string_equal(sel[k].hook, "kprobes[0] sys_write");
                assert_int_equal(sel[k].hook_index, 0);
                assert_int_equal(sel[k].selector_index, k);
                assert_int_equal(sel[k].counters.matched, k == 1);
                assert_int_equal(sel[k].counters.posted, k == 1);
                assert_int_equal(sel[k].counters.actions, 0);
                assert_int_equal(sel[k].counters.monitored, 0);
        }
        policy_selector_counters_free_many(sel, n);
        /* The policy installed before saw none of it. */
        assert_int_equal(
                f->backend.get_selector_counters(f->backend.userdata, before, &sel, &n, &n_hooks),
                0);
        assert_int_equal(n_hooks, 4);
        assert_true(n > 0);
        for (size_t k = 0; k < n; k++)
                assert_int_equal(sel[k].counters.matched, 0);
        policy_selector_counters_free_many(sel, n);
        uninstall(f, i);
        uninstall(f, before);

        /* Uninstalled (the engine keeps it a while for late records): its slots may be
         * someone else's by now, nothing is read. */
        assert_int_equal(
                f->backend.get_selector_counters(f->backend.userdata, i, &sel, &n, &n_hooks), 0);
        assert_int_equal(n, 0);
}

static void test_no_post_and_signal(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "nopost");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        int status;

        /* NoPost: the kill happens, the event does not. */
        child = child_spawn(child_write_path, path);
        yaml = write_policy(child.pid, "",
                            "      - action: Sigkill\n"
                            "      - action: NoPost\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_killed(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);

        /* Signal with argSig: SIGUSR1 ends the child (its default action). */
        free(yaml);
        child = child_spawn(child_write_path, path);
        yaml = write_policy(child.pid, "",
                            "      - action: Signal\n"
                            "        argSig: 10\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        status = child_run(&child);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
        {
                json_t *e = event_wait(f, child.pid);

                assert_non_null(e);
                assert_string_equal(json_string_value(json_object_get(e, "action")),
                                    "KPROBE_ACTION_SIGNAL");
                assert_string_equal(json_string_value(json_object_get(e, "message")),
                                    "a test write");
                assert_string_equal(
                        json_string_value(json_array_get(json_object_get(e, "tags"), 1)), "write");
        }
        uninstall(f, i);
}

/* Post with kernelStackTrace: the write's kernel stack, named from kallsyms, whatever the
 * mechanism (tp_btf/sys_enter, kprobe or fentry); no addresses without the flag. A user stack
 * is asked for too: the child has exited when its event is read, so its frames cannot be
 * named (test-stack-traces.sh names them), but they are there. */
static void test_post_stack_traces(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "stack");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        bool entry = false;
        Child child;
        json_t *e, *frame;
        size_t k;

        child = child_spawn(child_write_path, path);
        yaml = write_policy(child.pid, "",
                            "      - action: Post\n"
                            "        kernelStackTrace: true\n"
                            "        userStackTrace: true\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_true(json_array_size(json_object_get(e, "kernel_stack_trace")) > 0);
        json_array_foreach(json_object_get(e, "kernel_stack_trace"), k, frame) {
                assert_null(json_object_get(frame, "address"));
                if (streq_ptr(json_string_value(json_object_get(frame, "symbol")), "do_syscall_64"))
                        entry = true;
        }
        assert_true(entry);
        assert_true(json_array_size(json_object_get(e, "user_stack_trace")) > 0);
        uninstall(f, i);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_match_binaries, test_setup),
                cmocka_unit_test_setup(test_match_capability_changes, test_setup),
                cmocka_unit_test_setup(test_match_namespace_changes, test_setup),
                cmocka_unit_test_setup(test_match_parent_binaries, test_setup),
                cmocka_unit_test_setup(test_follow_children, test_setup),
                cmocka_unit_test_setup(test_parent_follow_children, test_setup),
                cmocka_unit_test_setup(test_match_pids, test_setup),
                cmocka_unit_test_setup(test_namespace_pid, test_setup),
                cmocka_unit_test_setup(test_match_capabilities, test_setup),
                cmocka_unit_test_setup(test_match_namespaces, test_setup),
                cmocka_unit_test_setup(test_selector_semantics, test_setup),
                cmocka_unit_test_setup(test_no_post_and_signal, test_setup),
                cmocka_unit_test_setup(test_post_stack_traces, test_setup),
        };

        if (argc == 4 && streq(argv[1], "--after-exec"))
                return after_exec_main(argv[2], argv[3]);
        return fixture_run(argc, argv, "engine selectors", tests, ELEMENTSOF(tests));
}
