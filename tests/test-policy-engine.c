/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration: the policy engine with real BPF on this kernel, driven through
 * its PolicyBackend with policies written as YAML (parse -> compile ->
 * install), against children this test forks. Needs root (exit 77 otherwise).
 *
 * Children wait on a pipe until the policy is in place (it can name their
 * pid), then do one thing and exit. A child's events are in the ring buffer
 * before it exits: after waitpid(), expected events are polled for with a
 * deadline, and "no event" is one consume of everything there is.
 */
#include <arpa/inet.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <link.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#if HAVE_SYS_SDT_H
#include <sys/sdt.h>
#endif

#include "event-json.h"
#include "kernel-features.h"
#include "policy-compile.h"
#include "policy-engine.h"
#include "policy-plan.h"
#include "record-decode.h"
#include "syscall-table.h"

#define DEADLINE_NS (5ULL * 1000 * 1000 * 1000)
#define EVENTS_MAX 256

typedef struct Fixture {
        PolicyEngine *engine;
        PolicyBackend backend;
        struct ring_buffer *ringbuf;
        json_t *events[EVENTS_MAX]; /* export JSON of every event seen */
        uint32_t event_pids[EVENTS_MAX];
        size_t n_events;
        unsigned long malformed;
        char dir[PATH_MAX];
        char self_exe[PATH_MAX];
        char function_write[64]; /* "__x64_sys_write" */
        bool probe_read_only;    /* the engine's variant, for engines a test makes */
        KernelFeature *features;
        size_t n_features;
} Fixture;

static Fixture *fixture;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_record(void *userdata, void *data, size_t size) {
        Fixture *f = userdata;
        Record record;
        Event event;
        json_t *json = NULL;

        if (record_decode(data, size, &record) < 0 || record.op != TG_OP_GENERIC) {
                f->malformed++;
                return 0;
        }
        if (policy_engine_make_event(f->engine, &record, &event) <= 0)
                return 0;
        if (event_to_json(&event, "test", 0, &json) == 0 && f->n_events < EVENTS_MAX) {
                f->event_pids[f->n_events] = record.generic.raw->pid;
                f->events[f->n_events++] = json;
        } else
                json_decref(json);
        event_release(&event);
        return 0;
}

static void events_clear(Fixture *f) {
        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++)
                json_decref(f->events[i]);
        f->n_events = 0;
}

/* The body of the first event of pid (process_kprobe, _lsm, _uprobe or _tracepoint),
 * polling until deadline. */
static json_t *event_wait(Fixture *f, pid_t pid) {
        uint64_t deadline = now_ns() + DEADLINE_NS;

        for (;;) {
                for (size_t i = 0; i < f->n_events; i++)
                        if (f->event_pids[i] == (uint32_t) pid)
                                return json_object_get(f->events[i], "process_kprobe")
                                               ?: json_object_get(f->events[i], "process_lsm")
                                               ?: json_object_get(f->events[i], "process_uprobe")
                                               ?: json_object_get(f->events[i], "process_usdt")
                                               ?: json_object_get(f->events[i],
                                                                  "process_tracepoint");
                if (now_ns() > deadline)
                        return NULL;
                (void) ring_buffer__poll(f->ringbuf, 100);
        }
}

/* Events of pid in the ring buffer now; a child's are all there once it has exited. */
static size_t events_of(Fixture *f, pid_t pid) {
        size_t n = 0;

        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++)
                n += f->event_pids[i] == (uint32_t) pid;
        return n;
}

/* ---- Policies ---- */

_printf_(1, 2) static char *format(const char *fmt, ...) {
        char *s;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

/* Parse, compile, install: 0 and the installation, or the engine's error and *ret_error. */
static int install(Fixture *f, const char *yaml, PolicyMode mode, PolicyInstallation **ret,
                   char **ret_error) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        char *error = NULL;
        int r;

        r = policy_parse_buffer("test.yaml", yaml, strlen(yaml), &diags, &file);
        if (r < 0 || !file) {
                diagnostic_list_write(&diags, stderr);
                fail_msg("policy does not parse:\n%s", yaml);
        }
        r = policy_compile(&file->policies[0], &diags, &compiled);
        assert_int_equal(r, 0);
        /* The engine copies what it needs: the compiled policy can go right after. */
        r = f->backend.install(f->backend.userdata, compiled, mode, ret, &error);
        if (ret_error)
                *ret_error = error;
        else {
                if (r < 0)
                        fail_msg("install failed: %s (%s)", strerror(-r), strempty(error));
                free(error);
        }
        return r;
}

static PolicyInstallation *install_ok(Fixture *f, const char *yaml, PolicyMode mode) {
        PolicyInstallation *i = NULL;

        assert_int_equal(install(f, yaml, mode, &i, NULL), 0);
        return i;
}

static void uninstall(Fixture *f, PolicyInstallation *i) {
        f->backend.uninstall(f->backend.userdata, i);
}

/* The seed's logic (sys_write_sigkill.yaml), on a path of our choice, with more pids
 * exempt when extra_pid is not 0. */
static char *seed_policy(const char *path, pid_t extra_pid) {
        char pids[64] = "";

        if (extra_pid > 0)
                snprintf(pids, sizeof(pids), "\n        - %d", (int) extra_pid);
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: \"syswritefollowfdpsswd\"\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: \"fd_install\"\n"
                      "    syscall: false\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: \"file\"\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: \"Equal\"\n"
                      "        values:\n"
                      "        - \"%s\"\n"
                      "      matchActions:\n"
                      "      - action: FollowFD\n"
                      "        argFd: 0\n"
                      "        argName: 1\n"
                      "  - call: \"do_dup2\"\n"
                      "    syscall: false\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: \"file\"\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: \"Equal\"\n"
                      "        values:\n"
                      "        - \"%s\"\n"
                      "      matchActions:\n"
                      "      - action: FollowFD\n"
                      "        argFd: 2\n"
                      "        argName: 1\n"
                      "  - call: \"sys_close\"\n"
                      "    syscall: true\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: \"int\"\n"
                      "    selectors:\n"
                      "    - matchActions:\n"
                      "      - action: UnfollowFD\n"
                      "        argFd: 0\n"
                      "        argName: 0\n"
                      "  - call: \"sys_write\"\n"
                      "    syscall: true\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: \"fd\"\n"
                      "    - index: 1\n"
                      "      type: \"char_buf\"\n"
                      "      sizeArgIndex: 3\n"
                      "    - index: 2\n"
                      "      type: \"size_t\"\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: NotIn\n"
                      "        values:\n"
                      "        - 0\n"
                      "        - 1%s\n"
                      "      matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: \"Equal\"\n"
                      "        values:\n"
                      "        - \"%s\"\n"
                      "      matchActions:\n"
                      "      - action: Sigkill\n",
                      path, path, pids, path);
}

/* A write hook on fd, buffer and size, posting what one selector matches; the selector is
 * the YAML of its filters (indented by 4) and the child is always in matchPIDs. */
static char *write_policy_follow(pid_t pid, bool follow_forks, const char *filters,
                                 const char *actions) {
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: \"write-test\"\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: \"sys_write\"\n"
                      "    syscall: true\n"
                      "    message: \"a test write\"\n"
                      "    tags: [\"test\", \"write\"]\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: \"fd\"\n"
                      "    - index: 1\n"
                      "      type: \"char_buf\"\n"
                      "      sizeArgIndex: 3\n"
                      "    - index: 2\n"
                      "      type: \"size_t\"\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        followForks: %s\n"
                      "        values:\n"
                      "        - %d\n"
                      "%s"
                      "      matchActions:\n"
                      "%s",
                      follow_forks ? "true" : "false", (int) pid, filters,
                      actions ?: "      - action: Post\n");
}

static char *write_policy(pid_t pid, const char *filters, const char *actions) {
        return write_policy_follow(pid, true, filters, actions);
}

/* ---- Children ---- */

typedef void (*ChildFn)(const void *arg);

typedef struct Child {
        pid_t pid;
        int go; /* write end: one byte lets it run */
} Child;

/* Fork a child that waits for go, runs fn and exits 0. */
static Child child_spawn(ChildFn fn, const void *arg) {
        int pipefd[2];
        Child c;

        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        c.pid = fork();
        assert_true(c.pid >= 0);
        if (c.pid == 0) {
                char b;

                close(pipefd[1]);
                /* Nothing but fn's own syscalls after this: policies may watch close(). */
                if (read(pipefd[0], &b, 1) != 1)
                        _exit(3);
                fn(arg);
                _exit(0);
        }
        close(pipefd[0]);
        c.go = pipefd[1];
        return c;
}

/* Let it run; its wait status. */
static int child_run(Child *c) {
        int status;

        assert_int_equal(write(c->go, "g", 1), 1);
        close(c->go);
        assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
        return status;
}

static void assert_killed(int status) {
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
                fail_msg("expected SIGKILL, got %s %d", WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void assert_exited_ok(int status) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("expected exit 0, got %s %d", WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static off_t file_size(const char *path) {
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_size;
}

/* From the stack: a forked child has not faulted in the pages of the binary's constants,
 * and the engine reads user memory at syscall entry, where it cannot fault pages in. */
static void write_or_die(int fd) {
        char x = 'x';

        if (write(fd, &x, 1) != 1)
                _exit(4);
}

static void child_write_path(const void *arg) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

        if (fd < 0)
                _exit(2);
        write_or_die(fd);
}

/* ---- Setup ---- */

static int group_setup_variant(void **state, bool probe_read_only) {
        static Fixture f;
        ssize_t n;
        int r;

        f = (Fixture){ .probe_read_only = probe_read_only };
        r = kernel_features_probe(&f.features, &f.n_features);
        if (r < 0)
                return -1;
        r = policy_engine_new(&f.engine, &(PolicyEngineConfig){
                                                 .probe_read_only = probe_read_only,
                                         });
        if (r < 0) {
                fprintf(stderr, "policy_engine_new: %s\n", strerror(-r));
                return -1;
        }
        policy_engine_get_backend(f.engine, &f.backend);
        f.ringbuf = ring_buffer__new(policy_engine_ringbuf_fd(f.engine), on_record, &f, NULL);
        if (!f.ringbuf)
                return -1;
        snprintf(f.dir, sizeof(f.dir), "/tmp/test-policy-engine.XXXXXX");
        if (!mkdtemp(f.dir))
                return -1;
        n = readlink("/proc/self/exe", f.self_exe, sizeof(f.self_exe) - 1);
        if (n < 0)
                return -1;
        f.self_exe[n] = '\0';
        snprintf(f.function_write, sizeof(f.function_write), "%ssys_write",
                 syscall_function_prefix());
        fixture = &f;
        *state = &f;
        return 0;
}

/* The program for this kernel (bpf_rdonly_cast() where it has it)... */
static int group_setup(void **state) {
        return group_setup_variant(state, false);
}

/* ...and the one for kernels before 6.2, on this one too. */
static int group_setup_probe_read(void **state) {
        return group_setup_variant(state, true);
}

static int group_teardown(void **state) {
        Fixture *f = *state;
        char cmd[PATH_MAX + 16];

        if (!f)
                return 0; /* setup failed */
        events_clear(f);
        ring_buffer__free(f->ringbuf);
        policy_engine_free(f->engine);
        free(f->features);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
        (void) system(cmd);
        return 0;
}

static int test_setup(void **state) {
        events_clear(*state);
        return 0;
}

static bool kernel_has(Fixture *f, const char *feature) {
        for (size_t i = 0; i < f->n_features; i++)
                if (streq(f->features[i].name, feature))
                        return f->features[i].available;
        return false;
}

/* A test's own engine, without fentry and fmod_ret, in place of the fixture's from its
 * setup to its teardown (which cmocka runs even when the test fails). */
static struct {
        PolicyEngine *engine;
        PolicyBackend backend;
        struct ring_buffer *ringbuf;
} saved_engine;

static int setup_engine_disabling(void **state, unsigned disabled) {
        Fixture *f = *state;
        PolicyEngine *e = NULL;
        struct ring_buffer *rb;

        events_clear(f);
        if (policy_engine_new(&e, &(PolicyEngineConfig){
                                          .disabled_mechanisms = disabled,
                                          .probe_read_only = f->probe_read_only,
                                  }) < 0)
                return -1;
        rb = ring_buffer__new(policy_engine_ringbuf_fd(e), on_record, f, NULL);
        if (!rb) {
                policy_engine_free(e);
                return -1;
        }
        saved_engine.engine = f->engine;
        saved_engine.backend = f->backend;
        saved_engine.ringbuf = f->ringbuf;
        f->engine = e;
        policy_engine_get_backend(e, &f->backend);
        f->ringbuf = rb;
        return 0;
}

static int setup_engine_without_fentry(void **state) {
        return setup_engine_disabling(state, (1U << HOOK_MECHANISM_FENTRY) |
                                                     (1U << HOOK_MECHANISM_FMOD_RET));
}

static int teardown_engine_restore(void **state) {
        Fixture *f = *state;

        events_clear(f);
        ring_buffer__free(f->ringbuf);
        policy_engine_free(f->engine); /* detaches what a failed test left */
        f->engine = saved_engine.engine;
        f->backend = saved_engine.backend;
        f->ringbuf = saved_engine.ringbuf;
        return 0;
}

static char *temp_path(Fixture *f, const char *name) {
        char *p = format("%s/%s", f->dir, name);

        (void) unlink(p);
        return p;
}

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

/* ---- Operators and selectors: one matching and one non-matching case each ---- */

/* Install the write policy with these filters for a child writing "x" to path; whether
 * the child's write was posted. */
/* Does the write policy with these filters post the write of a child running fn(arg)? */
static bool child_write_matches(Fixture *f, ChildFn fn, const void *arg, const char *filters) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(fn, arg);
        yaml = write_policy(child.pid, filters, NULL);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        n = events_of(f, child.pid);
        uninstall(f, i);
        assert_true(n <= 1);
        return n == 1;
}

static bool write_matches(Fixture *f, const char *path, const char *filters) {
        return child_write_matches(f, child_write_path, path, filters);
}

static bool fd_op(Fixture *f, const char *path, const char *op, const char *value) {
        _cleanup_free_ char *filters = format("      matchArgs:\n"
                                              "      - index: 0\n"
                                              "        operator: %s\n"
                                              "        values: [\"%s\"]\n",
                                              op, value);

        return write_matches(f, path, filters);
}

static void test_fd_path_operators(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "ops-file.txt");
        _cleanup_free_ char *parent = format("%s/", f->dir);

        assert_true(fd_op(f, path, "Equal", path));
        assert_false(fd_op(f, path, "Equal", parent));
        assert_false(fd_op(f, path, "Equal", "/ops-file.txt"));
        assert_false(fd_op(f, path, "NotEqual", path));
        assert_true(fd_op(f, path, "NotEqual", "/etc/passwd"));
        assert_true(fd_op(f, path, "Prefix", parent));
        assert_true(fd_op(f, path, "Prefix", "/tmp/"));
        assert_false(fd_op(f, path, "Prefix", "/etc/"));
        assert_false(fd_op(f, path, "NotPrefix", "/tmp"));
        assert_true(fd_op(f, path, "NotPrefix", "/etc"));
        assert_true(fd_op(f, path, "Postfix", ".txt"));
        assert_true(fd_op(f, path, "Postfix", "ile.txt"));       /* inside a component */
        assert_true(fd_op(f, path, "Postfix", "/ops-file.txt")); /* at a component */
        assert_true(fd_op(f, path, "Postfix", path));            /* all of it */
        assert_false(fd_op(f, path, "Postfix", ".yaml"));
        assert_false(fd_op(f, path, "NotPostfix", ".txt"));
        assert_true(fd_op(f, path, "NotPostfix", ".conf"));
}

/* Equal across a mount: /dev/null is on devtmpfs, / on another file system. */
static void test_fd_path_across_mount(void **state) {
        Fixture *f = *state;

        assert_true(fd_op(f, "/dev/null", "Equal", "/dev/null"));
        assert_false(fd_op(f, "/dev/null", "Equal", "/null"));
        assert_true(fd_op(f, "/dev/null", "Prefix", "/dev/"));
}

static bool buf_op(Fixture *f, const char *path, const char *op, const char *value) {
        _cleanup_free_ char *filters = format("      matchArgs:\n"
                                              "      - index: 1\n"
                                              "        operator: %s\n"
                                              "        values: [\"%s\"]\n",
                                              op, value);

        return write_matches(f, path, filters);
}

static void test_char_buf_operators(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "buf");

        /* The child writes "x". */
        assert_true(buf_op(f, path, "Equal", "x"));
        assert_false(buf_op(f, path, "Equal", "xy"));
        assert_true(buf_op(f, path, "NotEqual", "y"));
        assert_false(buf_op(f, path, "NotEqual", "x"));
        assert_true(buf_op(f, path, "Prefix", "x"));
        assert_false(buf_op(f, path, "Prefix", "y"));
        assert_true(buf_op(f, path, "Postfix", "x"));
        assert_false(buf_op(f, path, "NotPostfix", "x"));
}

static bool size_op(Fixture *f, const char *path, const char *op, const char *values) {
        _cleanup_free_ char *filters = format("      matchArgs:\n"
                                              "      - index: 2\n"
                                              "        operator: %s\n"
                                              "        values: [%s]\n",
                                              op, values);

        return write_matches(f, path, filters);
}

static void test_int_operators(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "ints");

        /* The child writes 1 byte: size_t 1. */
        assert_true(size_op(f, path, "Equal", "1"));
        assert_false(size_op(f, path, "Equal", "2"));
        assert_true(size_op(f, path, "NotEqual", "2"));
        assert_false(size_op(f, path, "NotEqual", "1"));
        assert_true(size_op(f, path, "GT", "0"));
        assert_false(size_op(f, path, "GT", "1"));
        assert_true(size_op(f, path, "LT", "2"));
        assert_false(size_op(f, path, "LT", "1"));
        assert_true(size_op(f, path, "Mask", "3"));
        assert_false(size_op(f, path, "Mask", "6"));
        assert_true(size_op(f, path, "InRange", "\"0:5\""));
        assert_false(size_op(f, path, "InRange", "\"2:5\""));
        assert_true(size_op(f, path, "NotInRange", "\"2:5\""));
        assert_false(size_op(f, path, "NotInRange", "\"1:1\""));
}

/* Signed: an int argument of -1 is less than 0 (close(-1) fails harmlessly). */
static void child_close_minus_one(const void *arg) {
        (void) syscall(SYS_close, -1);
}

static bool close_op(Fixture *f, const char *op, const char *value) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(child_close_minus_one, NULL);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: close-test\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_close\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: %s\n"
                      "        values: [\"%s\"]\n",
                      (int) child.pid, op, value);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        n = events_of(f, child.pid);
        uninstall(f, i);
        return n > 0;
}

static void test_signed_int(void **state) {
        Fixture *f = *state;

        assert_true(close_op(f, "LT", "0"));
        assert_false(close_op(f, "GT", "0"));
        assert_true(close_op(f, "Equal", "-1"));
        assert_true(close_op(f, "InRange", "-5:-1"));
}

/* A user string argument: openat's pathname. */
static void child_openat_missing(const void *arg) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s", (const char *) arg); /* resident: see write_or_die() */
        (void) syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
}

static bool openat_op(Fixture *f, const char *opened, const char *op, const char *value) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;
        size_t n;

        events_clear(f);
        child = child_spawn(child_openat_missing, opened);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: openat-test\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_openat\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: string\n"
                      "      label: pathname\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: %s\n"
                      "        values: [\"%s\"]\n",
                      (int) child.pid, op, value);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        n = events_of(f, child.pid);
        if (n > 0) {
                json_t *arg;

                e = event_wait(f, child.pid);
                arg = json_array_get(json_object_get(e, "args"), 1);
                assert_string_equal(json_string_value(json_object_get(arg, "string_arg")), opened);
                assert_string_equal(json_string_value(json_object_get(arg, "label")), "pathname");
                assert_int_equal(json_integer_value(json_object_get(
                                         json_array_get(json_object_get(e, "args"), 0), "int_arg")),
                                 AT_FDCWD);
        }
        uninstall(f, i);
        return n > 0;
}

static void test_string_operators(void **state) {
        Fixture *f = *state;
        const char *p = "/nonexistent/engine-test/file.conf";

        assert_true(openat_op(f, p, "Equal", p));
        assert_false(openat_op(f, p, "Equal", "/nonexistent/engine-test/file.con"));
        assert_true(openat_op(f, p, "NotEqual", "/etc/passwd"));
        assert_false(openat_op(f, p, "NotEqual", p));
        assert_true(openat_op(f, p, "Prefix", "/nonexistent/"));
        assert_false(openat_op(f, p, "Prefix", "/etc/"));
        assert_true(openat_op(f, p, "NotPrefix", "/etc/"));
        assert_false(openat_op(f, p, "NotPrefix", "/non"));
        assert_true(openat_op(f, p, "Postfix", ".conf"));
        assert_false(openat_op(f, p, "Postfix", ".yaml"));
        assert_true(openat_op(f, p, "NotPostfix", ".yaml"));
        assert_false(openat_op(f, p, "NotPostfix", "conf"));
}

static void test_substring_operators(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "substring");
        const char *p = "/nonexistent/Engine-Test/file.conf";

        assert_true(openat_op(f, p, "SubString", "Engine-Test"));
        assert_true(openat_op(f, p, "SubString", "/non"));  /* at the start */
        assert_true(openat_op(f, p, "SubString", ".conf")); /* at the end */
        assert_true(openat_op(f, p, "SubString", p));
        assert_false(openat_op(f, p, "SubString", "engine-test"));
        assert_false(openat_op(f, p, "SubString", "file.conf.d"));
        assert_true(openat_op(f, p, "SubStringIgnCase", "engine-TEST/FILE"));
        assert_false(openat_op(f, p, "SubStringIgnCase", "engine-test/files"));
        /* char_buf: the child writes "x". */
        assert_true(buf_op(f, path, "SubString", "x"));
        assert_false(buf_op(f, path, "SubString", "y"));
        assert_true(buf_op(f, path, "SubStringIgnCase", "X"));
        assert_false(buf_op(f, path, "SubStringIgnCase", "xx"));
}

/* InMap: more values than the other integer operators take, numbers and ranges. */
static void test_in_map(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "inmap");

        /* The child writes 1 byte: size_t 1. */
        assert_true(size_op(f, path, "InMap", "\"1\""));
        assert_true(size_op(f, path, "InMap", "\"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"0:1\""));
        assert_false(
                size_op(f, path, "InMap", "\"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8:9\""));
        assert_true(size_op(f, path, "NotInMap", "\"0\", \"2:100\""));
        assert_false(size_op(f, path, "NotInMap", "\"0\", \"2\", \"3\", \"4\", \"5\", \"1:1\""));
        /* Signed: close(-1). */
        assert_true(close_op(f, "InMap", "-5:-1"));
        assert_false(close_op(f, "InMap", "0:5"));
        assert_true(close_op(f, "NotInMap", "0:5"));
}

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

/* ---- sockaddr ---- */

typedef struct ConnectCase {
        int family; /* AF_INET, AF_INET6 or AF_UNIX; AF_UNSPEC: a NULL address */
        uint16_t port;
        const char *unix_path;
} ConnectCase;

/* A UDP connect() (no packet is sent) or an AF_UNIX one (to a path that does not exist);
 * the address on the stack: see write_or_die(). */
static void child_connect(const void *arg) {
        const ConnectCase *c = arg;
        struct sockaddr_storage ss = {};
        socklen_t len;
        int fd;

        switch (c->family) {
        case AF_INET: {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;

                in->sin_family = AF_INET;
                in->sin_port = htons(c->port);
                in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                len = sizeof(*in);
                fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                break;
        }
        case AF_INET6: {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(c->port);
                in6->sin6_addr = in6addr_loopback;
                len = sizeof(*in6);
                fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                break;
        }
        case AF_UNSPEC:
                fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        _exit(10);
                (void) connect(fd, NULL, sizeof(struct sockaddr_in)); /* EFAULT */
                return;
        default: {
                struct sockaddr_un *un = (struct sockaddr_un *) &ss;

                un->sun_family = AF_UNIX;
                snprintf(un->sun_path, sizeof(un->sun_path), "%s", c->unix_path);
                len = sizeof(*un);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        }
        }
        if (fd < 0)
                _exit(10);
        (void) connect(fd, (struct sockaddr *) &ss, len); /* the hook sees it either way */
}

/* Does a connect() of the case match a selector of filters on argument 1 (the sockaddr)?
 * When it does, *ret_arg is its sockaddr_arg (a new reference). */
static bool connect_matches(Fixture *f, const ConnectCase *c, const char *filters,
                            json_t **ret_arg) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(child_connect, c);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: connect-test\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_connect\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: sockaddr\n"
                      "      label: address\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "%s",
                      (int) child.pid, filters);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        n = events_of(f, child.pid);
        if (n > 0 && ret_arg) {
                json_t *arg = json_array_get(json_object_get(event_wait(f, child.pid), "args"), 1);

                assert_string_equal(json_string_value(json_object_get(arg, "label")), "address");
                *ret_arg = json_incref(json_object_get(arg, "sockaddr_arg"));
        }
        uninstall(f, i);
        assert_true(n <= 1);
        return n == 1;
}

static bool connect_op(Fixture *f, const ConnectCase *c, const char *op, const char *values) {
        _cleanup_free_ char *filters = NULL;

        if (values)
                filters = format("      matchArgs:\n"
                                 "      - index: 1\n"
                                 "        operator: %s\n"
                                 "        values: [%s]\n",
                                 op, values);
        else
                filters = format("      matchArgs:\n"
                                 "      - index: 1\n"
                                 "        operator: %s\n",
                                 op);
        return connect_matches(f, c, filters, NULL);
}

static void assert_sockaddr_json(json_t *arg, const char *family, const char *addr, int port) {
        assert_non_null(arg);
        assert_string_equal(json_string_value(json_object_get(arg, "family")), family);
        if (addr)
                assert_string_equal(json_string_value(json_object_get(arg, "addr")), addr);
        else
                assert_null(json_object_get(arg, "addr"));
        if (port)
                assert_int_equal(json_integer_value(json_object_get(arg, "port")), port);
        else
                assert_null(json_object_get(arg, "port"));
        json_decref(arg);
}

static void test_sockaddr_event(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *sock = temp_path(f, "no-such.sock");
        ConnectCase v4 = { AF_INET, 4242, NULL }, v6 = { AF_INET6, 4243, NULL },
                    un = { AF_UNIX, 0, sock };
        json_t *arg = NULL;

        assert_true(connect_matches(f, &v4, "", &arg));
        assert_sockaddr_json(arg, "AF_INET", "127.0.0.1", 4242);
        assert_true(connect_matches(f, &v6, "", &arg));
        assert_sockaddr_json(arg, "AF_INET6", "::1", 4243);
        assert_true(connect_matches(f, &un, "", &arg));
        assert_sockaddr_json(arg, "AF_UNIX", NULL, 0);
}

/* sendto()'s address is its fifth argument: the last register a hook reads. */
static void child_sendto(const void *arg) {
        struct sockaddr_in in = {
                .sin_family = AF_INET,
                .sin_port = htons(4244),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        char x = 'x';
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                _exit(10);
        (void) sendto(fd, &x, 1, 0, (struct sockaddr *) &in, sizeof(in));
}

static void test_sockaddr_sendto(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        events_clear(f);
        child = child_spawn(child_sendto, NULL);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: sendto-test\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_sendto\n"
                      "    args:\n"
                      "    - index: 4\n"
                      "      type: sockaddr\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 4\n"
                      "        operator: SPort\n"
                      "        values: [\"4244\"]\n",
                      (int) child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_sockaddr_json(
                json_incref(json_object_get(json_array_get(json_object_get(e, "args"), 0),
                                            "sockaddr_arg")),
                "AF_INET", "127.0.0.1", 4244);
        uninstall(f, i);
}

/* An address the kernel cannot read: {} in the event, and only the Not forms match. */
static void test_sockaddr_unreadable(void **state) {
        Fixture *f = *state;
        ConnectCase null = { AF_UNSPEC, 0, NULL };
        json_t *arg = NULL;

        assert_true(connect_matches(f, &null, "", &arg));
        assert_non_null(arg);
        assert_int_equal(json_object_size(arg), 0);
        json_decref(arg);
        assert_false(connect_op(f, &null, "Family", "AF_UNSPEC, AF_INET"));
        assert_false(connect_op(f, &null, "SAddr", "\"0.0.0.0/0\""));
        assert_true(connect_op(f, &null, "NotSAddr", "\"0.0.0.0/0\""));
        assert_true(connect_op(f, &null, "NotSPortPriv", NULL));
}

static void test_sockaddr_operators(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *sock = temp_path(f, "no-such.sock");
        ConnectCase v4 = { AF_INET, 4242, NULL }, v6 = { AF_INET6, 4243, NULL },
                    priv = { AF_INET, 80, NULL }, un = { AF_UNIX, 0, sock };

        assert_true(connect_op(f, &v4, "Family", "AF_INET"));
        assert_false(connect_op(f, &v4, "Family", "AF_INET6, AF_UNIX"));
        assert_true(connect_op(f, &v6, "Family", "AF_UNIX, AF_INET6"));
        assert_true(connect_op(f, &un, "Family", "AF_UNIX"));

        assert_true(connect_op(f, &v4, "SAddr", "\"10.0.0.0/8\", \"127.0.0.0/8\""));
        assert_true(connect_op(f, &v4, "SAddr", "\"127.0.0.1\""));
        assert_false(connect_op(f, &v4, "SAddr", "\"10.0.0.0/8\", \"127.0.0.2/32\""));
        assert_true(connect_op(f, &v4, "SAddr", "\"0.0.0.0/0\""));
        assert_false(connect_op(f, &v4, "SAddr", "\"::/0\"")); /* another family */
        assert_true(connect_op(f, &v4, "NotSAddr", "\"10.0.0.0/8\""));
        assert_false(connect_op(f, &v4, "NotSAddr", "\"127.0.0.0/31\""));

        assert_true(connect_op(f, &v6, "SAddr", "\"::1/128\""));
        assert_true(connect_op(f, &v6, "SAddr", "\"::/64\""));
        assert_false(connect_op(f, &v6, "SAddr", "\"::2/127\", \"fe80::/10\""));
        assert_false(connect_op(f, &v6, "SAddr", "\"127.0.0.0/8\""));
        assert_true(connect_op(f, &v6, "NotSAddr", "\"fe80::/10\""));
        assert_false(connect_op(f, &v6, "NotSAddr", "\"::0/127\""));

        assert_true(connect_op(f, &v4, "SPort", "\"22\", \"4242\""));
        assert_true(connect_op(f, &v6, "SPort", "\"4000:4999\""));
        assert_false(connect_op(f, &v4, "SPort", "\"1:1023\""));
        assert_true(connect_op(f, &v4, "NotSPort", "\"1:1023\""));
        assert_false(connect_op(f, &v4, "NotSPort", "\"4242\""));

        assert_true(connect_op(f, &priv, "SPortPriv", NULL));
        assert_false(connect_op(f, &v4, "SPortPriv", NULL));
        assert_true(connect_op(f, &v4, "NotSPortPriv", NULL));
        assert_false(connect_op(f, &priv, "NotSPortPriv", NULL));

        /* AF_UNIX has no address and no port: only the Not forms match it. */
        assert_false(connect_op(f, &un, "SAddr", "\"0.0.0.0/0\""));
        assert_true(connect_op(f, &un, "NotSAddr", "\"0.0.0.0/0\""));
        assert_false(connect_op(f, &un, "SPortPriv", NULL));
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

/* `test-policy-engine --after-exec CHANGE PATH`, in a child that executed it once the
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
        char *argv[] = { "test-policy-engine", "--after-exec", (char *) a->change, (char *) a->path,
                         NULL };

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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: selectors\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_write\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: fd\n"
                      "    - index: 2\n"
                      "      type: size_t\n"
                      "    selectors:\n"
                      /* AND: the pid matches, the path does not */
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Postfix\n"
                      "        values: [\".txt\"]\n"
                      "      matchActions:\n"
                      "      - action: Sigkill\n"
                      /* the first that matches: Post */
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Postfix\n"
                      "        values: [\".log\"]\n"
                      "      matchActions:\n"
                      "      - action: Post\n"
                      /* also matches, but comes too late to decide */
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchActions:\n"
                      "      - action: Sigkill\n",
                      (int) child.pid, (int) child.pid, (int) child.pid);
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

/* ---- Kernel functions and LSM hooks (kernels that have them: the qemu guest) ---- */

static const char *hook_mechanism(Fixture *f, PolicyInstallation *i, size_t hook) {
        static char mechanism[64];
        PolicyHookStatus *hooks = NULL;
        size_t n = 0;

        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        assert_true(hook < n);
        snprintf(mechanism, sizeof(mechanism), "%s", hooks[hook].mechanism);
        policy_hook_status_free_many(hooks, n);
        return mechanism;
}

/* security_file_permission(file, MAY_WRITE) on path: Sigkill, with the file and the mask. */
static void kernel_function_kill(Fixture *f, const char *mechanism) {
        _cleanup_free_ char *path = temp_path(f, "kfn"), *other = temp_path(f, "kfn-other");
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: kernel-function\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: security_file_permission\n"
                      "    syscall: false\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: file\n"
                      "    - index: 1\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n"
                      "      - index: 1\n"
                      "        operator: Mask\n"
                      "        values: [\"2\"]\n" /* MAY_WRITE */
                      "      matchActions:\n"
                      "      - action: Sigkill\n",
                      path);
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

static void assert_exit_status(int status, int expected) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != expected)
                fail_msg("expected exit %d, got %s %d", expected,
                         WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* A hook (section and name given) that overrides opening path with argError. */
static char *open_override_policy(const char *section, const char *path, int error) {
        bool lsm = streq(section, "lsmhooks");

        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: open-override\n"
                      "spec:\n"
                      "  %s:\n"
                      "  - %s\n"
                      "%s"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: file\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n"
                      "      matchActions:\n"
                      "      - action: Override\n"
                      "        argError: %d\n",
                      section, lsm ? "hook: file_open" : "call: security_file_open",
                      lsm ? "" : "    syscall: false\n", path, error);
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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: vfs-open-override\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: vfs_open\n"
                      "    syscall: false\n"
                      "    selectors:\n"
                      "    - matchActions:\n"
                      "      - action: Override\n"
                      "        argError: -1\n");
        i = NULL;
        assert_true(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error) < 0);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, "loading fmod_ret on vfs_open failed: ") ||
            !strstr(error, "the kernel allows fmod_ret only on security_* functions"))
                fail_msg("refused with \"%s\"", error);
}

/* Exits with the errno of executing the program (its own status if it runs). */
static void child_exec(const void *arg) {
        char path[PATH_MAX];
        char *argv[] = { path, NULL };

        snprintf(path, sizeof(path), "%s", (const char *) arg);
        execv(path, argv);
        _exit(errno);
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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: exec-denied\n"
                      "spec:\n"
                      "  lsmhooks:\n"
                      "  - hook: bprm_check_security\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: linux_binprm\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Postfix\n"
                      "        values: [\"/denied-true\"]\n"
                      "      matchActions:\n"
                      "      - action: Override\n"
                      "        argError: -1\n");
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

        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: syscall-override\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_write\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: fd\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n"
                      "      matchActions:\n"
                      "      - action: Override\n"
                      "        argError: -1\n",
                      path);
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

/* ---- Uprobes ---- */

/* A function of this binary for the uprobe tests. Called through a volatile pointer, so the
 * compiler cannot specialise the call into a clone the probe would miss. */
int tg_uprobe_target(int number, const char *text);
__attribute__((noinline)) int tg_uprobe_target(int number, const char *text) {
        return number + (int) strlen(text);
}

static void child_call_uprobe_target(const void *arg) {
        int (*volatile fn)(int, const char *) = tg_uprobe_target;
        char text[16];

        snprintf(text, sizeof(text), "hello");
        (void) fn(*(const int *) arg, text);
}

static char *uprobe_policy(Fixture *f, const char *action) {
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: uprobe\n"
                      "spec:\n"
                      "  uprobes:\n"
                      "  - path: \"%s\"\n"
                      "    symbols: [tg_uprobe_target]\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: string\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"42\"]\n"
                      "      matchActions:\n"
                      "      - action: %s\n",
                      f->self_exe, action);
}

static void test_uprobe(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = uprobe_policy(f, "Post");
        static const int matching = 42, other = 7;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        if (!kernel_has(f, "uprobe"))
                skip();
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "uprobe");

        child = child_spawn(child_call_uprobe_target, &matching);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_non_null(json_object_get(f->events[f->n_events - 1], "process_uprobe"));
        assert_string_equal(json_string_value(json_object_get(e, "path")), f->self_exe);
        assert_string_equal(json_string_value(json_object_get(e, "symbol")), "tg_uprobe_target");
        assert_string_equal(json_string_value(json_object_get(e, "policy_name")), "uprobe");
        args = json_object_get(e, "args");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(args, 0), "int_arg")),
                         42);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 1), "string_arg")), "hello");

        child = child_spawn(child_call_uprobe_target, &other);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);

        /* Gone with the policy. */
        child = child_spawn(child_call_uprobe_target, &matching);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
}

static void test_uprobe_sigkill(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = uprobe_policy(f, "Sigkill");
        static const int matching = 42, other = 7;
        PolicyInstallation *i;
        Child child;

        if (!kernel_has(f, "uprobe"))
                skip();
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_call_uprobe_target, &matching);
        assert_killed(child_run(&child));
        child = child_spawn(child_call_uprobe_target, &other);
        assert_exited_ok(child_run(&child));
        uninstall(f, i);
}

/* A second function, for the hooks on several symbols. */
int tg_uprobe_second(int number);
__attribute__((noinline)) int tg_uprobe_second(int number) {
        return number * 3;
}

static void child_call_both(const void *arg) {
        int (*volatile first)(int, const char *) = tg_uprobe_target;
        int (*volatile second)(int) = tg_uprobe_second;

        (void) first(*(const int *) arg, "one");
        (void) second(*(const int *) arg);
}

/* Up to max event bodies of pid of type (e.g. "process_uprobe"), waiting for max of them
 * until the deadline; how many there are. */
static size_t events_wait_n(Fixture *f, pid_t pid, const char *type, json_t **ret, size_t max) {
        uint64_t deadline = now_ns() + DEADLINE_NS;

        for (;;) {
                size_t n = 0;

                for (size_t i = 0; i < f->n_events && n < max; i++)
                        if (f->event_pids[i] == (uint32_t) pid &&
                            json_object_get(f->events[i], type))
                                ret[n++] = json_object_get(f->events[i], type);
                if (n == max || now_ns() > deadline)
                        return n;
                (void) ring_buffer__poll(f->ringbuf, 100);
        }
}

/* One hook on two symbols: two attach points sharing its args and selectors, each event
 * naming the symbol that fired. */
static void test_uprobe_two_symbols(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        static const int matching = 42, other = 7;
        PolicyInstallation *i;
        json_t *events[2];
        bool seen_target = false, seen_second = false;
        Child child;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: uprobe-two\n"
                      "spec:\n"
                      "  uprobes:\n"
                      "  - path: \"%s\"\n"
                      "    symbols: [tg_uprobe_target, tg_uprobe_second]\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"42\"]\n",
                      f->self_exe);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "uprobe");
        assert_string_equal(hook_mechanism(f, i, 1), "uprobe");

        child = child_spawn(child_call_both, &matching);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_wait_n(f, child.pid, "process_uprobe", events, 2), 2);
        for (size_t k = 0; k < 2; k++) {
                const char *symbol = json_string_value(json_object_get(events[k], "symbol"));
                json_t *args = json_object_get(events[k], "args");

                assert_non_null(symbol);
                seen_target |= streq(symbol, "tg_uprobe_target");
                seen_second |= streq(symbol, "tg_uprobe_second");
                assert_string_equal(json_string_value(json_object_get(events[k], "path")),
                                    f->self_exe);
                assert_int_equal(
                        json_integer_value(json_object_get(json_array_get(args, 0), "int_arg")),
                        42);
        }
        assert_true(seen_target && seen_second);

        child = child_spawn(child_call_both, &other);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

typedef struct Location {
        uint64_t address; /* in the binary, as its symbol table says */
        uint64_t offset;  /* in the file */
} Location;

static int find_location(struct dl_phdr_info *info, size_t size, void *data) {
        Location *l = data;
        uint64_t at = l->address - info->dlpi_addr; /* unrelocated */

        /* The first object is the program itself. */
        for (size_t k = 0; k < info->dlpi_phnum; k++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[k];

                if (ph->p_type == PT_LOAD && at >= ph->p_vaddr && at - ph->p_vaddr < ph->p_filesz) {
                        l->address = at;
                        l->offset = at - ph->p_vaddr + ph->p_offset;
                        return 1;
                }
        }
        return 1;
}

/* A uprobe on a file offset and one on an address, both of tg_uprobe_second: each fires,
 * each event names its offset (an address: as written). */
static void test_uprobe_offset_and_address(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        static const int matching = 42;
        Location l = { .address = (uint64_t) (uintptr_t) tg_uprobe_second };
        PolicyInstallation *i;
        json_t *events[2];
        char offset[32], address[32];
        bool seen_offset = false, seen_address = false;
        Child child;

        if (!kernel_has(f, "uprobe"))
                skip();
        (void) dl_iterate_phdr(find_location, &l);
        assert_int_not_equal(l.offset, 0);
        snprintf(offset, sizeof(offset), "%" PRIu64, l.offset);
        snprintf(address, sizeof(address), "%" PRIu64, l.address);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: uprobe-offset\n"
                      "spec:\n"
                      "  uprobes:\n"
                      "  - path: \"%s\"\n"
                      "    offsets: [%s]\n"
                      "    addrs: [%s]\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n",
                      f->self_exe, offset, address);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_call_both, &matching);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_wait_n(f, child.pid, "process_uprobe", events, 2), 2);
        for (size_t k = 0; k < 2; k++) {
                const char *o = json_string_value(json_object_get(events[k], "offset"));

                assert_non_null(o);
                assert_null(json_object_get(events[k], "symbol"));
                seen_offset |= streq(o, offset);
                seen_address |= streq(o, address);
        }
        assert_true(seen_offset && seen_address);
        uninstall(f, i);
}

/* A symbol the binary lacks refuses the whole policy, naming it; nothing stays attached. */
static void test_uprobe_missing_symbol(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL, *error = NULL, *expected = NULL;
        static const int matching = 42;
        PolicyInstallation *i = NULL;
        Child child;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: uprobe-missing\n"
                      "spec:\n"
                      "  uprobes:\n"
                      "  - path: \"%s\"\n"
                      "    symbols: [tg_uprobe_target, tg_no_such_symbol]\n",
                      f->self_exe);
        assert_int_equal(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error), -ENOENT);
        expected = format("uprobe: no symbol \"tg_no_such_symbol\" in %s", f->self_exe);
        assert_non_null(error);
        assert_string_equal(error, expected);

        child = child_spawn(child_call_uprobe_target, &matching);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
}

/* ---- USDTs ---- */

#if HAVE_SYS_SDT_H
/* A USDT probe of this binary (systemtap's <sys/sdt.h>): provider tgtest, name site, an int
 * and a string. */
int tg_usdt_site(int number, const char *text);
__attribute__((noinline)) int tg_usdt_site(int number, const char *text) {
        DTRACE_PROBE2(tgtest, site, number, text);
        return number;
}

static void child_fire_usdt(const void *arg) {
        int (*volatile fn)(int, const char *) = tg_usdt_site;
        char text[16];

        snprintf(text, sizeof(text), "hello");
        (void) fn(*(const int *) arg, text);
}

/* The text copied to the stack first: a probe reads only pages already present, and the
 * literal's page of .rodata may not be yet. */
static void child_fire_usdt_text(const void *arg) {
        int (*volatile fn)(int, const char *) = tg_usdt_site;
        char text[32];

        snprintf(text, sizeof(text), "%s", (const char *) arg);
        (void) fn(1, text);
}

static char *usdt_policy(Fixture *f, const char *action) {
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: usdt\n"
                      "spec:\n"
                      "  usdts:\n"
                      "  - path: \"%s\"\n"
                      "    provider: tgtest\n"
                      "    name: site\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int32\n"
                      "    - index: 1\n"
                      "      type: string\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"42\"]\n"
                      "      matchActions:\n"
                      "      - action: %s\n",
                      f->self_exe, action);
}
#endif

static void test_usdt(void **state) {
#if HAVE_SYS_SDT_H
        Fixture *f = *state;
        _cleanup_free_ char *yaml = usdt_policy(f, "Post");
        static const int matching = 42, other = 7;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        if (!kernel_has(f, "uprobe"))
                skip();
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "usdt");

        child = child_spawn(child_fire_usdt, &matching);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_non_null(json_object_get(f->events[f->n_events - 1], "process_usdt"));
        assert_string_equal(json_string_value(json_object_get(e, "path")), f->self_exe);
        assert_string_equal(json_string_value(json_object_get(e, "provider")), "tgtest");
        assert_string_equal(json_string_value(json_object_get(e, "name")), "site");
        assert_string_equal(json_string_value(json_object_get(e, "policy_name")), "usdt");
        args = json_object_get(e, "args");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(args, 0), "int_arg")),
                         42);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 1), "string_arg")), "hello");

        child = child_spawn(child_fire_usdt, &other);
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
#else
        skip(); /* no <sys/sdt.h> (systemtap-sdt-dev) at build time */
#endif
}

static void test_usdt_sigkill(void **state) {
#if HAVE_SYS_SDT_H
        Fixture *f = *state;
        _cleanup_free_ char *yaml = usdt_policy(f, "Sigkill");
        static const int matching = 42, other = 7;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "uprobe"))
                skip();
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_fire_usdt, &matching);
        assert_killed(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "action")),
                            "KPROBE_ACTION_SIGKILL");
        child = child_spawn(child_fire_usdt, &other);
        assert_exited_ok(child_run(&child));
        uninstall(f, i);
#else
        skip(); /* no <sys/sdt.h> (systemtap-sdt-dev) at build time */
#endif
}

/* matchArgs on a usdt's string argument: read from the process's memory. */
static void test_usdt_string_filter(void **state) {
#if HAVE_SYS_SDT_H
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: usdt-string\n"
                      "spec:\n"
                      "  usdts:\n"
                      "  - path: \"%s\"\n"
                      "    provider: tgtest\n"
                      "    name: site\n"
                      "    args:\n"
                      "    - index: 1\n"
                      "      type: string\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: Prefix\n"
                      "        values: [\"/tmp/tg-usdt\"]\n",
                      f->self_exe);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        child = child_spawn(child_fire_usdt_text, "/tmp/tg-usdt-file");
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(e, "args"), 0), "string_arg")),
                            "/tmp/tg-usdt-file");
        child = child_spawn(child_fire_usdt_text, "/tmp/other");
        assert_exited_ok(child_run(&child));
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
#else
        skip(); /* no <sys/sdt.h> (systemtap-sdt-dev) at build time */
#endif
}

/* A probe the binary's notes lack refuses the policy, naming it. */
static void test_usdt_missing(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL, *error = NULL, *expected = NULL;
        PolicyInstallation *i = NULL;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: usdt-missing\n"
                      "spec:\n"
                      "  usdts:\n"
                      "  - path: \"%s\"\n"
                      "    provider: tgtest\n"
                      "    name: no_such_probe\n",
                      f->self_exe);
        assert_true(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error) < 0);
        assert_non_null(error);
#if HAVE_SYS_SDT_H
        expected = format("usdt: tgtest:no_such_probe in %s: no such USDT probe in the binary's "
                          "notes",
                          f->self_exe);
        assert_string_equal(error, expected);
#else
        /* No notes at all: whatever libbpf says of that. */
        expected = format("usdt: tgtest:no_such_probe in %s: ", f->self_exe);
        assert_true(startswith(error, expected));
#endif
}

/* ---- Tracepoints ---- */

/* Exits with the errno of creating the file (0: created). */
static void child_open_create(const void *arg) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s", (const char *) arg); /* resident: see write_or_die() */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        _exit(fd < 0 ? errno : 0);
}

/* syscalls/sys_enter_openat: its filename (index 6, a pointer into the caller's memory) and
 * flags (index 7), matched on the filename. */
static char *openat_tracepoint_policy(const char *path, const char *action) {
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: tracepoint\n"
                      "spec:\n"
                      "  tracepoints:\n"
                      "  - subsystem: syscalls\n"
                      "    event: sys_enter_openat\n"
                      "    args:\n"
                      "    - index: 6\n"
                      "      type: string\n"
                      "    - index: 7\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n"
                      "      matchActions:\n"
                      "      - action: %s\n",
                      path, action);
}

static void test_tracepoint(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "tp"), *other = temp_path(f, "tp-other");
        _cleanup_free_ char *yaml = openat_tracepoint_policy(path, "Post");
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        if (!kernel_has(f, "tracepoint"))
                skip();
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "tracepoint");

        child = child_spawn(child_open_create, path);
        assert_exit_status(child_run(&child), 0);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "subsys")), "syscalls");
        assert_string_equal(json_string_value(json_object_get(e, "event")), "sys_enter_openat");
        args = json_object_get(e, "args");
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 0), "string_arg")), path);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(args, 1), "int_arg")),
                         O_WRONLY | O_CREAT | O_CLOEXEC);

        child = child_spawn(child_open_create, other);
        assert_exit_status(child_run(&child), 0);
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

/* Sigkill at the syscall's entry tracepoint kills the caller (the open itself goes on: a
 * kill takes effect on the way back to user space; Override is what stops a call). And a
 * second policy on another field of the same tracepoint reads its own. */
static void test_tracepoint_sigkill(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "tp-kill"), *yaml = NULL, *flags = NULL;
        PolicyInstallation *i, *j;
        Child child;

        if (!kernel_has(f, "tracepoint"))
                skip();
        yaml = openat_tracepoint_policy(path, "Sigkill");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        flags = format("apiVersion: cilium.io/v1alpha1\n"
                       "kind: TracingPolicy\n"
                       "metadata:\n"
                       "  name: tracepoint-flags\n"
                       "spec:\n"
                       "  tracepoints:\n"
                       "  - subsystem: syscalls\n"
                       "    event: sys_enter_openat\n"
                       "    args:\n"
                       "    - index: 8\n"
                       "      type: uint32\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: Equal\n"
                       "        values: [\"384\"]\n" /* 0600 */
                       "      matchPIDs:\n"
                       "      - operator: NotIn\n"
                       "        values: [1]\n");
        j = install_ok(f, flags, POLICY_MODE_ENFORCE);

        child = child_spawn(child_open_create, path);
        assert_killed(child_run(&child));
        /* One event of each policy: the kill, and the mode read by the other. */
        assert_non_null(event_wait(f, child.pid));
        assert_int_equal(events_of(f, child.pid), 2);
        for (size_t k = 0; k < f->n_events; k++) {
                json_t *body = json_object_get(f->events[k], "process_tracepoint");
                const char *policy = json_string_value(json_object_get(body, "policy_name"));
                json_t *arg0 = json_array_get(json_object_get(body, "args"), 0);

                if (f->event_pids[k] != (uint32_t) child.pid)
                        continue;
                if (streq(policy, "tracepoint"))
                        assert_string_equal(json_string_value(json_object_get(body, "action")),
                                            "KPROBE_ACTION_SIGKILL");
                else {
                        assert_string_equal(policy, "tracepoint-flags");
                        assert_int_equal(json_integer_value(json_object_get(arg0, "uint_arg")),
                                         0600);
                }
        }
        uninstall(f, i);
        uninstall(f, j);
}

static void child_getppid(const void *arg) {
        (void) syscall(SYS_getppid);
}

/* raw_syscalls/sys_enter's id (index 4) as syscall64: Tetragon's syscall_id. */
static void test_tracepoint_syscall_id(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *id;

        if (!kernel_has(f, "tracepoint"))
                skip();
        child = child_spawn(child_getppid, NULL);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: syscall-id\n"
                      "spec:\n"
                      "  tracepoints:\n"
                      "  - subsystem: raw_syscalls\n"
                      "    event: sys_enter\n"
                      "    args:\n"
                      "    - index: 4\n"
                      "      type: syscall64\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%d\"]\n"
                      "      matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n",
                      (int) SYS_getppid, (int) child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_int_equal(events_of(f, child.pid), 1); /* getppid only, not exit_group */
        id = json_object_get(json_array_get(json_object_get(e, "args"), 0), "syscall_id");
        assert_int_equal(json_integer_value(json_object_get(id, "id")), SYS_getppid);
        assert_string_equal(json_string_value(json_object_get(id, "abi")), syscall_abi_name());
        uninstall(f, i);
}

/* A raw tracepoint (raw: true): sched_process_exec's arguments, the linux_binprm third. */
static void test_raw_tracepoint(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *program = temp_path(f, "raw-tp-true"), *yaml = NULL, *cmd = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "tp_btf"))
                skip();
        cmd = format("cp /bin/true %s", program);
        assert_int_equal(system(cmd), 0);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: raw-tracepoint\n"
                      "spec:\n"
                      "  tracepoints:\n"
                      "  - subsystem: sched\n"
                      "    event: sched_process_exec\n"
                      "    raw: true\n"
                      "    args:\n"
                      "    - index: 2\n"
                      "      type: linux_binprm\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Postfix\n"
                      "        values: [\"/raw-tp-true\"]\n");
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "tp_btf");

        child = child_spawn(child_exec, program);
        assert_exit_status(child_run(&child), 0);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "subsys")), "sched");
        assert_string_equal(json_string_value(json_object_get(e, "event")), "sched_process_exec");
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(json_object_get(e, "args"), 0),
                                                    "linux_binprm_arg"),
                                    "path")),
                            program);

        child = child_spawn(child_exec, "/bin/true");
        assert_exit_status(child_run(&child), 0);
        assert_int_equal(events_of(f, child.pid), 0);
        uninstall(f, i);
}

/* ---- char_iovec, sock, and the kernel's own types ---- */

typedef struct WritevCase {
        const char *path;
        size_t len1, len2; /* of the two vectors: "hello " and "world" when 0 */
} WritevCase;

/* Two vectors from the stack (see write_or_die()): "hello world", or len1 'a's and len2
 * 'b's. */
static void child_writev(const void *arg) {
        const WritevCase *c = arg;
        char a[3000], b[3000];
        struct iovec iov[2];
        int fd;

        fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || c->len1 > sizeof(a) || c->len2 > sizeof(b))
                _exit(10);
        if (c->len1 == 0) {
                memcpy(a, "hello ", 6);
                memcpy(b, "world", 5);
                iov[0] = (struct iovec){ a, 6 };
                iov[1] = (struct iovec){ b, 5 };
        } else {
                memset(a, 'a', c->len1);
                memset(b, 'b', c->len2);
                iov[0] = (struct iovec){ a, c->len1 };
                iov[1] = (struct iovec){ b, c->len2 };
        }
        if (writev(fd, iov, 2) < 0)
                _exit(11);
}

/* writev's char_iovec argument: the event of the child's call, args[1]. */
static json_t *writev_arg(Fixture *f, const WritevCase *c) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *arg;

        events_clear(f);
        child = child_spawn(child_writev, c);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: writev-test\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_writev\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: fd\n"
                      "    - index: 1\n"
                      "      type: char_iovec\n"
                      "      sizeArgIndex: 3\n"
                      "      label: data\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n",
                      (int) child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        assert_int_equal(events_of(f, child.pid), 1);
        arg = json_array_get(json_object_get(e, "args"), 1);
        assert_string_equal(json_string_value(json_object_get(arg, "label")), "data");
        json_incref(arg);
        uninstall(f, i);
        return arg;
}

static void test_char_iovec(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "writev");
        WritevCase small = { path, 0, 0 }, big = { path, 3000, 3000 };
        json_t *arg, *t;
        const char *b64;

        arg = writev_arg(f, &small);
        /* "hello world", the two vectors one after the other */
        assert_string_equal(json_string_value(json_object_get(arg, "bytes_arg")),
                            "aGVsbG8gd29ybGQ=");
        json_decref(arg);

        /* 6000 bytes: the first 4096 (3000 'a', 1096 'b'), and the size of all. */
        arg = writev_arg(f, &big);
        t = json_object_get(arg, "truncated_bytes_arg");
        assert_non_null(t);
        assert_string_equal(json_string_value(json_object_get(t, "orig_size")), "6000");
        b64 = json_string_value(json_object_get(t, "bytes_arg"));
        assert_non_null(b64);
        assert_int_equal(strlen(b64), 4 * ((4096 + 2) / 3));
        assert_true(startswith(b64, "YWFh")); /* "aaa" */
        /* Byte 3000 starts base64 group 1000: "aaa" before it, "bbb" from it. */
        assert_int_equal(strncmp(b64 + 3996, "YWFhYmJi", 8), 0);
        json_decref(arg);
}

/* A TCP listener on 127.0.0.1, its port in *ret_port: non-blocking, so that what it
 * accepted can be closed without waiting (a full queue would make connect() time out). */
static int tcp_listener(uint16_t *ret_port) {
        struct sockaddr_in in = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(in);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &in, sizeof(in)), 0);
        assert_int_equal(listen(fd, 8), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &in, &len), 0);
        *ret_port = ntohs(in.sin_port);
        return fd;
}

/* Connect to the port, then close: the close moves the socket from TCP_ESTABLISHED to
 * TCP_FIN_WAIT1 in the child's own context. */
static void child_tcp_connect(const void *arg) {
        struct sockaddr_in in = {
                .sin_family = AF_INET,
                .sin_port = htons(*(const uint16_t *) arg),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                _exit(10);
        if (connect(fd, (struct sockaddr *) &in, sizeof(in)) < 0)
                _exit(errno);
        close(fd);
}

/* Does the child's close of a connection to port match the filters on the socket (argument
 * 0 of sock/inet_sock_set_state, a raw tracepoint)? When it does, *ret_arg is the sock_arg. */
static bool sock_matches(Fixture *f, int listener, uint16_t port, const char *filters,
                         json_t **ret_arg) {
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        size_t n;

        events_clear(f);
        child = child_spawn(child_tcp_connect, &port);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: sock-test\n"
                      "spec:\n"
                      "  tracepoints:\n"
                      "  - subsystem: sock\n"
                      "    event: inet_sock_set_state\n"
                      "    raw: true\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: sock\n"
                      "      label: socket\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: Equal\n"
                      "        values: [\"4\"]\n" /* TCP_FIN_WAIT1 */
                      "%s",
                      (int) child.pid, filters);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_string_equal(hook_mechanism(f, i, 0), "tp_btf");
        assert_exited_ok(child_run(&child));
        for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
                close(fd);
        n = events_of(f, child.pid);
        if (n > 0 && ret_arg) {
                json_t *arg = json_array_get(json_object_get(event_wait(f, child.pid), "args"), 0);

                assert_string_equal(json_string_value(json_object_get(arg, "label")), "socket");
                *ret_arg = json_incref(json_object_get(arg, "sock_arg"));
        }
        uninstall(f, i);
        assert_true(n <= 1);
        return n == 1;
}

typedef struct SockCase {
        const char *op;
        const char *values; /* NULL: none (SPortPriv...) */
        bool match;
} SockCase;

/* Where the cases look: a raw tracepoint, its arguments (the one compared at position 0)
 * and filters every case has. once: one event per hook (else at least one). */
typedef struct SockPoint {
        const char *subsystem, *event, *args, *filters;
        bool once;
} SockPoint;

static const SockPoint sock_fin_wait1 = {
        "sock",
        "inet_sock_set_state",
        "    - index: 0\n"
        "      type: sock\n"
        "    - index: 2\n"
        "      type: int\n",
        "      - index: 1\n"
        "        operator: Equal\n"
        "        values: [\"4\"]\n", /* TCP_FIN_WAIT1 */
        true,
};

/* Every case at once, one hook each (the hook's message names it) in one policy: one
 * connection, one install, however many operators. *ret_arg (when not NULL): argument 0 of
 * the first event of case 0, a new reference. */
static void check_sock_cases(Fixture *f, int listener, uint16_t port, const SockPoint *point,
                             const SockCase *cases, size_t n, json_t **ret_arg) {
        _cleanup_free_ char *yaml = NULL;
        bool matched[64] = {};
        PolicyInstallation *i;
        size_t len = 0;
        Child child;
        FILE *y;

        assert_true(n <= ELEMENTSOF(matched));
        events_clear(f);
        child = child_spawn(child_tcp_connect, &port);
        y = open_memstream(&yaml, &len);
        assert_non_null(y);
        fprintf(y, "apiVersion: cilium.io/v1alpha1\n"
                   "kind: TracingPolicy\n"
                   "metadata:\n"
                   "  name: sock-operators\n"
                   "spec:\n"
                   "  tracepoints:\n");
        for (size_t k = 0; k < n; k++) {
                fprintf(y,
                        "  - subsystem: %s\n"
                        "    event: %s\n"
                        "    raw: true\n"
                        "    message: \"case %zu\"\n"
                        "    args:\n"
                        "%s"
                        "    selectors:\n"
                        "    - matchPIDs:\n"
                        "      - operator: In\n"
                        "        values: [%d]\n"
                        "      matchArgs:\n"
                        "%s"
                        "      - index: 0\n"
                        "        operator: %s\n",
                        point->subsystem, point->event, k, point->args, (int) child.pid,
                        point->filters, cases[k].op);
                if (cases[k].values)
                        fprintf(y, "        values: [%s]\n", cases[k].values);
        }
        assert_int_equal(fclose(y), 0);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
                close(fd);
        (void) events_of(f, child.pid);
        for (size_t k = 0; k < f->n_events; k++) {
                json_t *e = json_object_get(f->events[k], "process_tracepoint");
                unsigned c;

                if (f->event_pids[k] != (uint32_t) child.pid ||
                    sscanf(json_string_value(json_object_get(e, "message")) ?: "", "case %u", &c) !=
                            1 ||
                    c >= n)
                        continue;
                if (point->once)
                        assert_false(matched[c]);
                if (c == 0 && !matched[c] && ret_arg)
                        *ret_arg = json_incref(json_array_get(json_object_get(e, "args"), 0));
                matched[c] = true;
        }
        uninstall(f, i);
        for (size_t k = 0; k < n; k++)
                if (matched[k] != cases[k].match)
                        fail_msg("%s [%s]: %s, expected %s", cases[k].op, strempty(cases[k].values),
                                 matched[k] ? "matched" : "no match",
                                 cases[k].match ? "a match" : "none");
}

static void test_sock_raw_tracepoint(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *port_value = NULL, *other_port = NULL, *range = NULL;
        _cleanup_close_ int listener = -1;
        uint16_t port;
        json_t *arg = NULL;

        if (!kernel_has(f, "tp_btf"))
                skip();
        listener = tcp_listener(&port);
        port_value = format("\"%u\"", port);
        other_port = format("\"%u\"", port == 65535 ? 1024 : port + 1);
        range = format("\"%u:%u\"", port - 1, port + 1);

        assert_true(sock_matches(f, listener, port, "", &arg));
        assert_non_null(arg);
        assert_string_equal(json_string_value(json_object_get(arg, "family")), "AF_INET");
        assert_string_equal(json_string_value(json_object_get(arg, "type")), "SOCK_STREAM");
        assert_string_equal(json_string_value(json_object_get(arg, "protocol")), "IPPROTO_TCP");
        assert_string_equal(json_string_value(json_object_get(arg, "saddr")), "127.0.0.1");
        assert_string_equal(json_string_value(json_object_get(arg, "daddr")), "127.0.0.1");
        assert_int_equal(json_integer_value(json_object_get(arg, "dport")), port);
        assert_true(json_integer_value(json_object_get(arg, "sport")) >= 1024);
        assert_string_equal(json_string_value(json_object_get(arg, "state")), "TCP_ESTABLISHED");
        json_decref(arg);

        {
                const SockCase cases[] = {
                        { "Family", "AF_INET", true },
                        { "Family", "AF_INET6, AF_UNIX", false },
                        { "Protocol", "IPPROTO_TCP", true },
                        { "Protocol", "IPPROTO_UDP", false },
                        { "State", "TCP_ESTABLISHED", true },
                        { "State", "TCP_LISTEN", false },
                        { "DPort", port_value, true },
                        { "DPort", other_port, false },
                        { "DPort", range, true },
                        { "NotDPort", other_port, true },
                        { "NotDPort", port_value, false },
                        { "DPortPriv", NULL, false },
                        { "NotDPortPriv", NULL, true },
                        { "SPort", "\"1024:65535\"", true },
                        { "SPort", "\"0:1023\"", false },
                        { "NotSPort", "\"0:1023\"", true },
                        { "SPortPriv", NULL, false },
                        { "NotSPortPriv", NULL, true },
                        { "DAddr", "\"127.0.0.1\"", true },
                        { "DAddr", "\"10.0.0.0/8\", \"127.0.0.0/8\"", true },
                        { "DAddr", "\"10.0.0.0/8\"", false },
                        { "DAddr", "\"::/0\"", false }, /* another family */
                        { "NotDAddr", "\"10.0.0.0/8\"", true },
                        { "NotDAddr", "\"127.0.0.1/32\"", false },
                        { "SAddr", "\"127.0.0.0/8\"", true },
                        { "SAddr", "\"127.0.0.2\"", false },
                        { "NotSAddr", "\"127.0.0.2\"", true },
                        { "NotSAddr", "\"0.0.0.0/0\"", false },
                };

                check_sock_cases(f, listener, port, &sock_fin_wait1, cases, ELEMENTSOF(cases),
                                 NULL);
        }
}

/* skb on the raw tracepoint net/net_dev_queue: the packets the child's connection sends
 * (its SYN first), compared by what their headers say. */
static void test_skb_raw_tracepoint(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *port_value = NULL, *filters = NULL;
        _cleanup_close_ int listener = -1;
        const SockPoint queued = {
                "net",
                "net_dev_queue",
                "    - index: 0\n"
                "      type: skb\n",
                "",
                false,
        };
        PolicyInstallation *i;
        uint16_t port;
        Child child;
        json_t *e, *skb;

        if (!kernel_has(f, "tp_btf"))
                skip();
        listener = tcp_listener(&port);
        port_value = format("\"%u\"", port);

        events_clear(f);
        child = child_spawn(child_tcp_connect, &port);
        filters = format("      matchArgs:\n"
                         "      - index: 0\n"
                         "        operator: DPort\n"
                         "        values: [%s]\n",
                         port_value);
        {
                _cleanup_free_ char *yaml = format("apiVersion: cilium.io/v1alpha1\n"
                                                   "kind: TracingPolicy\n"
                                                   "metadata:\n"
                                                   "  name: skb-test\n"
                                                   "spec:\n"
                                                   "  tracepoints:\n"
                                                   "  - subsystem: net\n"
                                                   "    event: net_dev_queue\n"
                                                   "    raw: true\n"
                                                   "    args:\n"
                                                   "    - index: 0\n"
                                                   "      type: skb\n"
                                                   "    selectors:\n"
                                                   "    - matchPIDs:\n"
                                                   "      - operator: In\n"
                                                   "        values: [%d]\n"
                                                   "%s",
                                                   (int) child.pid, filters);

                i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        }
        assert_exited_ok(child_run(&child));
        for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
                close(fd);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        skb = json_object_get(json_array_get(json_object_get(e, "args"), 0), "skb_arg");
        assert_non_null(skb);
        assert_string_equal(json_string_value(json_object_get(skb, "family")), "AF_INET");
        assert_string_equal(json_string_value(json_object_get(skb, "protocol")), "IPPROTO_TCP");
        assert_int_equal(json_integer_value(json_object_get(skb, "proto")), 6);
        assert_string_equal(json_string_value(json_object_get(skb, "saddr")), "127.0.0.1");
        assert_string_equal(json_string_value(json_object_get(skb, "daddr")), "127.0.0.1");
        assert_int_equal(json_integer_value(json_object_get(skb, "dport")), port);
        assert_true(json_integer_value(json_object_get(skb, "sport")) >= 1024);
        assert_true(json_integer_value(json_object_get(skb, "len")) >= 40); /* IP and TCP */
        uninstall(f, i);

        {
                const SockCase cases[] = {
                        { "DPort", port_value, true },
                        { "Family", "AF_INET", true },
                        { "Family", "AF_INET6", false },
                        { "Protocol", "IPPROTO_TCP", true },
                        { "Protocol", "IPPROTO_UDP", false },
                        { "SAddr", "\"127.0.0.0/8\"", true },
                        { "DAddr", "\"10.0.0.0/8\"", false },
                        { "NotDAddr", "\"127.0.0.0/8\"", false },
                        { "SPortPriv", NULL, false },
                };

                check_sock_cases(f, listener, port, &queued, cases, ELEMENTSOF(cases), NULL);
        }
}

/* net_device on the raw tracepoint net/net_dev_xmit: the device the child's packets leave
 * by (lo), compared as its name. */
static void test_net_device_raw_tracepoint(void **state) {
        Fixture *f = *state;
        _cleanup_close_ int listener = -1;
        const SockPoint xmit = {
                "net",
                "net_dev_xmit",
                "    - index: 2\n"
                "      type: net_device\n",
                "",
                false,
        };
        const SockCase cases[] = {
                { "Equal", "\"lo\"", true },
                { "Equal", "\"eth9\"", false },
                { "NotEqual", "\"lo\"", false },
        };
        uint16_t port;
        json_t *arg = NULL;

        if (!kernel_has(f, "tp_btf"))
                skip();
        listener = tcp_listener(&port);
        check_sock_cases(f, listener, port, &xmit, cases, ELEMENTSOF(cases), &arg);
        assert_non_null(arg);
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(arg, "net_dev_arg"), "name")),
                "lo");
        json_decref(arg);
}

/* nop: read for nothing, and no argument in the event for it. */
static void test_nop_argument(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *yaml = NULL;
        _cleanup_close_ int listener = -1;
        PolicyInstallation *i;
        uint16_t port;
        Child child;
        json_t *e, *args;

        if (!kernel_has(f, "tp_btf"))
                skip();
        listener = tcp_listener(&port);
        events_clear(f);
        child = child_spawn(child_tcp_connect, &port);
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: nop-test\n"
                      "spec:\n"
                      "  tracepoints:\n"
                      "  - subsystem: sock\n"
                      "    event: inet_sock_set_state\n"
                      "    raw: true\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: nop\n"
                      "    - index: 2\n"
                      "      type: int\n"
                      "      label: newstate\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 1\n"
                      "        operator: Equal\n"
                      "        values: [\"4\"]\n",
                      (int) child.pid);
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        args = json_object_get(e, "args");
        assert_int_equal(json_array_size(args), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(args, 0), "label")),
                            "newstate");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(args, 0), "int_arg")),
                         4);
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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: kernel-types\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "%s"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "%s",
                      call_and_args, (int) child.pid, filters);
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

/* ---- Refusals ---- */

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
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: openat-return\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_openat\n"
                      "    return: true\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    - index: 1\n"
                      "      type: string\n"
                      "    returnArg:\n"
                      "      index: 0\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "%s%s",
                      (int) pid, filters, actions);
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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: read-return\n"
                      "spec:\n"
                      "  kprobes:\n"
                      "  - call: sys_read\n"
                      "%s"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: fd\n"
                      "    - index: 1\n"
                      "      type: char_buf\n"
                      "      returnCopy: true\n"
                      "      sizeArgIndex: 3\n"
                      "    - index: 2\n"
                      "      type: size_t\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n",
                      with_return ? "    return: true\n" : "", (int) child.pid, path);
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

/* Installed with hook 0 made a return probe (an int) after compiling: the parser takes
 * return: true on kprobes and fentries only, as Tetragon's uprobes have no such field. */
static PolicyInstallation *install_as_return(Fixture *f, const char *yaml) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_free_ char *error = NULL;
        PolicyInstallation *i = NULL;

        assert_int_equal(policy_parse_buffer("test.yaml", yaml, strlen(yaml), &diags, &file), 0);
        assert_non_null(file);
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        compiled->hooks[0].flags |= TG_POLICY_HOOK_RETURN | TG_POLICY_HOOK_AT_RETURN;
        compiled->hooks[0].return_type = TG_ARG_INT;
        if (f->backend.install(f->backend.userdata, compiled, POLICY_MODE_ENFORCE, &i, &error) < 0)
                fail_msg("install failed: %s", strempty(error));
        return i;
}

/* A uretprobe: the value the function of this binary returned. */
static void test_return_uprobe(void **state) {
        Fixture *f = *state;
        static const int matching = 42;
        _cleanup_free_ char *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e;

        if (!kernel_has(f, "uprobe"))
                skip();
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: uprobe-return\n"
                      "spec:\n"
                      "  uprobes:\n"
                      "  - path: \"%s\"\n"
                      "    symbols: [tg_uprobe_target]\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"42\"]\n",
                      f->self_exe);
        i = install_as_return(f, yaml);
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

static const char *policy_header = "apiVersion: cilium.io/v1alpha1\n"
                                   "kind: TracingPolicy\n"
                                   "metadata:\n"
                                   "  name: refused\n"
                                   "spec:\n";

static void assert_refused(Fixture *f, const char *spec, const char *expected_prefix) {
        _cleanup_free_ char *yaml = format("%s%s", policy_header, spec), *error = NULL;
        PolicyInstallation *i = NULL;
        int r;

        r = install(f, yaml, POLICY_MODE_ENFORCE, &i, &error);
        assert_int_equal(r, -EOPNOTSUPP);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, expected_prefix))
                fail_msg("refused with \"%s\", expected \"%s...\"", error, expected_prefix);
}

/* Refused at install, after planning (what the kernel has, the tracepoint's fields). */
static void assert_install_fails(Fixture *f, const char *spec, const char *expected_prefix) {
        _cleanup_free_ char *yaml = format("%s%s", policy_header, spec), *error = NULL;
        PolicyInstallation *i = NULL;

        assert_true(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error) < 0);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, expected_prefix))
                fail_msg("refused with \"%s\", expected \"%s...\"", error, expected_prefix);
}

static void test_refused(void **state) {
        Fixture *f = *state;

        /* A kernel function with Post needs fentry or kprobes. */
        if (!kernel_has(f, "fentry") && !kernel_has(f, "kprobe"))
                assert_refused(f,
                               "  kprobes:\n"
                               "  - call: fd_install\n"
                               "    syscall: false\n"
                               "    args:\n"
                               "    - index: 1\n"
                               "      type: file\n",
                               "kprobes[0] fd_install: no mechanism can attach it: fentry: ");
        assert_refused(f,
                       "  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: string\n"
                       "    data:\n"
                       "    - index: 0\n"
                       "      type: int\n"
                       "    selectors:\n"
                       "    - matchData:\n"
                       "      - index: 0\n"
                       "        operator: Equal\n"
                       "        values: [\"1\"]\n",
                       "kprobes[0] sys_openat: selector 0: matchData is not "
                       "implemented by this engine yet");
        assert_refused(f,
                       "  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: string\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Override\n"
                       "        argError: -1\n",
                       "kprobes[0] sys_openat: action Override on a system call needs fmod_ret "
                       "on the syscall's function");
        if (!kernel_has(f, "lsm"))
                assert_refused(f,
                               "  lsmhooks:\n"
                               "  - hook: file_open\n"
                               "    selectors:\n"
                               "    - matchActions:\n"
                               "      - action: Override\n"
                               "        argError: -1\n",
                               "lsmhooks[0] file_open: no mechanism can attach it: lsm: not "
                               "available on this kernel");
        assert_refused(f,
                       "  kprobes:\n"
                       "  - call: sys_connect\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: sockaddr_un\n",
                       "kprobes[0] sys_connect: argument 0 (index 1): type sockaddr_un is not "
                       "implemented by this engine yet");
        assert_refused(f,
                       "  kprobes:\n"
                       "  - call: sys_no_such_call\n",
                       "kprobes[0] sys_no_such_call: no system call named \"sys_no_such_call\"");
        assert_install_fails(
                f,
                "  tracepoints:\n"
                "  - subsystem: syscalls\n"
                "    event: sys_enter_no_such_call\n",
                "tracepoint syscalls/sys_enter_no_such_call: no such tracepoint on this "
                "kernel");
        assert_install_fails(
                f,
                "  tracepoints:\n"
                "  - subsystem: raw_syscalls\n"
                "    event: sys_enter\n"
                "    args:\n"
                "    - index: 40\n"
                "      type: int\n",
                "tracepoint raw_syscalls/sys_enter has 6 fields: argument 0 reads index 40");
        assert_refused(
                f,
                "  podSelector:\n"
                "    matchLabels:\n"
                "      app: x\n"
                "  kprobes:\n"
                "  - call: sys_write\n",
                "this host has no Kubernetes, and the policy only applies there (podSelector");
}

/* A policy attaches whole or not at all: a good hook beside a refused one does nothing. */
static void test_refused_whole(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "whole");
        _cleanup_free_ char *spec = NULL;
        Child child;

        spec = format("  kprobes:\n"
                      "  - call: sys_write\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: fd\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: Equal\n"
                      "        values: [\"%s\"]\n"
                      "      matchActions:\n"
                      "      - action: Sigkill\n"
                      "  - call: sys_no_such_call\n",
                      path);
        assert_refused(f, spec, "kprobes[1] sys_no_such_call: no system call named");
        assert_false(policy_engine_is_attached(f->engine));
        child = child_spawn(child_write_path, path);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(path), 1);
}

/* --disable-mechanism: with fentry, kprobes and sys_enter disabled nothing can attach
 * syscall hooks. */
static void test_disabled_mechanism(void **state) {
        _cleanup_(policy_engine_freep) PolicyEngine *e = NULL;
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_free_ char *yaml = seed_policy("/tmp/passwd", 0), *error = NULL;
        PolicyInstallation *i = NULL;
        PolicyBackend b;

        assert_int_equal(
                policy_engine_new(&e,
                                  &(PolicyEngineConfig){
                                          .disabled_mechanisms = (1U << HOOK_MECHANISM_SYS_ENTER) |
                                                                 (1U << HOOK_MECHANISM_KPROBE) |
                                                                 (1U << HOOK_MECHANISM_FENTRY),
                                  }),
                0);
        policy_engine_get_backend(e, &b);
        assert_int_equal(policy_parse_buffer("t.yaml", yaml, strlen(yaml), &diags, &file), 0);
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        assert_int_equal(b.install(b.userdata, compiled, POLICY_MODE_ENFORCE, &i, &error),
                         -EOPNOTSUPP);
        assert_non_null(strstr(error, "kprobes[3] sys_write: no mechanism can attach it: "));
        assert_non_null(strstr(error, "tp_btf/sys_enter: disabled by --disable-mechanism"));
}

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
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: call-list\n"
                      "spec:\n"
                      "  lists:\n"
                      "  - name: dups\n"
                      "    type: syscalls\n"
                      "    values: [\"sys_dup\", \"sys_dup2\"]\n"
                      "  - name: all\n"
                      "    type: generated_syscalls\n"
                      "  kprobes:\n"
                      "  - call: \"list:%s\"\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: int\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n",
                      list, (int) pid);
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
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: in-map-list\n"
                      "spec:\n"
                      "  lists:\n"
                      "  - name: dups\n"
                      "    type: syscalls\n"
                      "    values: [\"sys_dup\", \"sys_dup2\"]\n"
                      "  tracepoints:\n"
                      "  - subsystem: raw_syscalls\n"
                      "    event: sys_enter\n"
                      "    args:\n"
                      "    - index: 4\n"
                      "      type: syscall64\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: %s\n"
                      "        values: [\"list:dups\"]\n"
                      "      matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n",
                      op, (int) pid);
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

static char *enforcer_policy(pid_t pid, const char *action) {
        return format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: enforcer\n"
                      "spec:\n"
                      "  lists:\n"
                      "  - name: dups\n"
                      "    type: syscalls\n"
                      "    values: [\"sys_dup\", \"sys_dup2\"]\n"
                      "  enforcers:\n"
                      "  - calls: [\"list:dups\"]\n"
                      "  tracepoints:\n"
                      "  - subsystem: raw_syscalls\n"
                      "    event: sys_enter\n"
                      "    args:\n"
                      "    - index: 4\n"
                      "      type: syscall64\n"
                      "    selectors:\n"
                      "    - matchArgs:\n"
                      "      - index: 0\n"
                      "        operator: InMap\n"
                      "        values: [\"list:dups\"]\n"
                      "      matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n"
                      "      matchActions:\n"
                      "      - action: NotifyEnforcer\n"
                      "%s",
                      (int) pid, action);
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
        yaml = format("apiVersion: cilium.io/v1alpha1\n"
                      "kind: TracingPolicy\n"
                      "metadata:\n"
                      "  name: ftrace-list\n"
                      "spec:\n"
                      "  lists:\n"
                      "  - name: sfile\n"
                      "    type: generated_ftrace\n"
                      "    pattern: \"^security_file_(permission|open)$\"\n"
                      "  kprobes:\n"
                      "  - call: list:sfile\n"
                      "    args:\n"
                      "    - index: 0\n"
                      "      type: file\n"
                      "    selectors:\n"
                      "    - matchPIDs:\n"
                      "      - operator: In\n"
                      "        values: [%d]\n",
                      (int) child.pid);
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

static bool kernel_has_rdonly_cast(void) {
        struct btf *vmlinux = btf__load_vmlinux_btf();
        bool found =
                vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;

        btf__free(vmlinux);
        return found;
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
                cmocka_unit_test_setup(test_fd_path_operators, test_setup),
                cmocka_unit_test_setup(test_fd_path_across_mount, test_setup),
                cmocka_unit_test_setup(test_char_buf_operators, test_setup),
                cmocka_unit_test_setup(test_int_operators, test_setup),
                cmocka_unit_test_setup(test_signed_int, test_setup),
                cmocka_unit_test_setup(test_string_operators, test_setup),
                cmocka_unit_test_setup(test_substring_operators, test_setup),
                cmocka_unit_test_setup(test_in_map, test_setup),
                cmocka_unit_test_setup(test_match_binaries, test_setup),
                cmocka_unit_test_setup(test_match_capability_changes, test_setup),
                cmocka_unit_test_setup(test_match_namespace_changes, test_setup),
                cmocka_unit_test_setup(test_match_parent_binaries, test_setup),
                cmocka_unit_test_setup(test_follow_children, test_setup),
                cmocka_unit_test_setup(test_parent_follow_children, test_setup),
                cmocka_unit_test_setup(test_sockaddr_event, test_setup),
                cmocka_unit_test_setup(test_sockaddr_operators, test_setup),
                cmocka_unit_test_setup(test_sockaddr_unreadable, test_setup),
                cmocka_unit_test_setup(test_sockaddr_sendto, test_setup),
                cmocka_unit_test_setup(test_match_pids, test_setup),
                cmocka_unit_test_setup(test_namespace_pid, test_setup),
                cmocka_unit_test_setup(test_match_capabilities, test_setup),
                cmocka_unit_test_setup(test_match_namespaces, test_setup),
                cmocka_unit_test_setup(test_selector_semantics, test_setup),
                cmocka_unit_test_setup(test_no_post_and_signal, test_setup),
                cmocka_unit_test_setup(test_kernel_function_fentry, test_setup),
                cmocka_unit_test_setup_teardown(test_kernel_function_kprobe,
                                                setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_lsm_override, test_setup),
                cmocka_unit_test_setup(test_fmod_ret_override, test_setup),
                cmocka_unit_test_setup(test_lsm_exec_denied, test_setup),
                cmocka_unit_test_setup(test_syscall_override, test_setup),
                cmocka_unit_test_setup(test_uprobe, test_setup),
                cmocka_unit_test_setup(test_uprobe_sigkill, test_setup),
                cmocka_unit_test_setup(test_uprobe_two_symbols, test_setup),
                cmocka_unit_test_setup(test_uprobe_offset_and_address, test_setup),
                cmocka_unit_test_setup(test_uprobe_missing_symbol, test_setup),
                cmocka_unit_test_setup(test_usdt, test_setup),
                cmocka_unit_test_setup(test_usdt_sigkill, test_setup),
                cmocka_unit_test_setup(test_usdt_string_filter, test_setup),
                cmocka_unit_test_setup(test_usdt_missing, test_setup),
                cmocka_unit_test_setup(test_tracepoint, test_setup),
                cmocka_unit_test_setup(test_tracepoint_sigkill, test_setup),
                cmocka_unit_test_setup(test_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_char_iovec, test_setup),
                cmocka_unit_test_setup(test_sock_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_nop_argument, test_setup),
                cmocka_unit_test_setup(test_skb_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_net_device_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_cred, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_capability, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_filename, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_sock, test_setup),
                cmocka_unit_test_setup(test_kernel_arg_socket_sockaddr, test_setup),
                cmocka_unit_test_setup(test_tracepoint_syscall_id, test_setup),
                cmocka_unit_test_setup(test_return_fexit, test_setup),
                cmocka_unit_test_setup_teardown(test_return_kretprobe, setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup_teardown(test_return_sys_exit, setup_engine_sys_enter_only,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_return_uprobe, test_setup),
                cmocka_unit_test_setup(test_refused, test_setup),
                cmocka_unit_test_setup(test_refused_whole, test_setup),
                cmocka_unit_test_setup(test_disabled_mechanism, test_setup),
                cmocka_unit_test_setup(test_call_list, test_setup),
                cmocka_unit_test_setup(test_call_list_generated, test_setup),
                cmocka_unit_test_setup_teardown(test_call_list, setup_engine_without_fentry,
                                                teardown_engine_restore),
                cmocka_unit_test_setup(test_in_map_list, test_setup),
                cmocka_unit_test_setup(test_enforcer_signal, test_setup),
                cmocka_unit_test_setup(test_enforcer_error_refused, test_setup),
                cmocka_unit_test_setup(test_call_list_ftrace, test_setup),
        };

        int r;

        if (argc == 4 && streq(argv[1], "--after-exec"))
                return after_exec_main(argv[2], argv[3]);
        if (geteuid() != 0) {
                printf("SKIP: needs root to load BPF programs\n");
                return 77;
        }
        /* TEST_FILTER=test_uprobe* runs only those (cmocka's wildcards). */
        if (getenv("TEST_FILTER"))
                cmocka_set_test_filter(getenv("TEST_FILTER"));
        /* Without the kfunc the engine takes the probe-read variant in both groups. */
        if (kernel_has_rdonly_cast())
                r = cmocka_run_group_tests_name("engine", tests, group_setup, group_teardown);
        else {
                printf("This kernel has no bpf_rdonly_cast(): only the probe-read variant "
                       "runs.\n");
                r = 0;
        }
        r += cmocka_run_group_tests_name("engine, probe-read variant", tests,
                                         group_setup_probe_read, group_teardown);
        return r;
}
