/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine tests' shared fixture: one engine per test group with its ring
 * buffer decoded into export JSON, children that wait for a policy before
 * they act, policies installed through the PolicyBackend, and the main() of
 * every test-engine-* program (two groups: the engine for this kernel, then
 * its probe-read variant).
 */
#include "fixture.h"
#include "system-setup.h"

uint64_t now_ns(void) {
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

void events_clear(Fixture *f) {
        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++)
                json_decref(f->events[i]);
        f->n_events = 0;
}

/* The body of the first event of pid (process_kprobe, _lsm, _uprobe or _tracepoint),
 * polling until deadline. */
json_t *event_wait(Fixture *f, pid_t pid) {
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
size_t events_of(Fixture *f, pid_t pid) {
        size_t n = 0;

        (void) ring_buffer__consume(f->ringbuf);
        for (size_t i = 0; i < f->n_events; i++)
                n += f->event_pids[i] == (uint32_t) pid;
        return n;
}

/* ---- Policies ---- */

char *format(const char *fmt, ...) {
        char *s;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

static char *read_data_file(const char *name) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char *text = NULL;
        size_t size = 0;

        if (getenv("top_srcdir"))
                path = format("%s/tests/data/engine/%s", getenv("top_srcdir"), name);
        else
                path = format("%s/engine/%s", TEST_DATA_DIR, name);
        f = fopen(path, "re");
        if (!f)
                fail_msg("cannot open %s: %s", path, strerror(errno));
        assert_true(getdelim(&text, &size, '\0', f) >= 0);
        return text;
}

/* values[0] is the macro's placeholder: the keys start at 1. */
char *policy_from_file_values(const char *name, const TemplateValue *values, size_t n_values) {
        _cleanup_free_ char *text = read_data_file(name);
        bool used[n_values];
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        memset(used, 0, sizeof(used));
        f = open_memstream(&out, &size);
        assert_non_null(f);
        for (const char *p = text; *p;) {
                const char *start = strstr(p, "${"), *end;
                const TemplateValue *v = NULL;
                bool whole_line;

                if (!start) {
                        fputs(p, f);
                        break;
                }
                fwrite(p, 1, (size_t) (start - p), f);
                end = strchr(start, '}');
                assert_non_null(end);
                for (size_t i = 1; i < n_values && !v; i++)
                        if (strlen(values[i].key) == (size_t) (end - start - 2) &&
                            strncmp(values[i].key, start + 2, (size_t) (end - start - 2)) == 0) {
                                v = &values[i];
                                used[i] = true;
                        }
                if (!v)
                        fail_msg("%s: no value for %.*s", name, (int) (end - start + 1), start);
                whole_line = (start == text || start[-1] == '\n') && end[1] == '\n' &&
                             !v->is_number && (!*v->text || endswith(v->text, "\n"));
                if (v->is_number)
                        fprintf(f, "%lld", v->number);
                else
                        fputs(v->text, f);
                p = end + 1 + whole_line;
        }
        assert_int_equal(fclose(f), 0);
        for (size_t i = 1; i < n_values; i++)
                if (!used[i])
                        fail_msg("%s has no ${%s}", name, values[i].key);
        return out;
}

/* Parse, compile, install: 0 and the installation, or the engine's error and *ret_error. */
int install(Fixture *f, const char *yaml, PolicyMode mode, PolicyInstallation **ret,
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

PolicyInstallation *install_ok(Fixture *f, const char *yaml, PolicyMode mode) {
        PolicyInstallation *i = NULL;

        assert_int_equal(install(f, yaml, mode, &i, NULL), 0);
        return i;
}

void uninstall(Fixture *f, PolicyInstallation *i) {
        f->backend.uninstall(f->backend.userdata, i);
}

/* The seed's logic (sys_write_sigkill.yaml), on a path of our choice, with more pids
 * exempt when extra_pid is not 0. */
char *seed_policy(const char *path, pid_t extra_pid) {
        char pids[64] = "";

        if (extra_pid > 0)
                snprintf(pids, sizeof(pids), "\n        - %d", (int) extra_pid);
        return policy_from_file("seed-sys-write-sigkill.yaml", TEXT_VALUE("PATH", path),
                                TEXT_VALUE("EXTRA_PIDS", pids));
}

/* A write hook on fd, buffer and size, posting what one selector matches; the selector is
 * the YAML of its filters (indented by 4) and the child is always in matchPIDs. */
char *write_policy_follow(pid_t pid, bool follow_forks, const char *filters, const char *actions) {
        return policy_from_file("write-test.yaml",
                                TEXT_VALUE("FOLLOW_FORKS", follow_forks ? "true" : "false"),
                                NUMBER_VALUE("PID", (int) pid), TEXT_VALUE("FILTERS", filters),
                                TEXT_VALUE("ACTIONS", actions ?: "      - action: Post\n"));
}

char *write_policy(pid_t pid, const char *filters, const char *actions) {
        return write_policy_follow(pid, true, filters, actions);
}

/* ---- Children ---- */

/* Fork a child that waits for go, runs fn and exits 0. */
Child child_spawn(ChildFn fn, const void *arg) {
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
int child_run(Child *c) {
        int status;

        assert_int_equal(write(c->go, "g", 1), 1);
        close(c->go);
        assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
        return status;
}

void assert_killed(int status) {
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
                fail_msg("expected SIGKILL, got %s %d", WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

void assert_exited_ok(int status) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("expected exit 0, got %s %d", WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

off_t file_size(const char *path) {
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_size;
}

/* From the stack: a forked child has not faulted in the pages of the binary's constants,
 * and the engine reads user memory at syscall entry, where it cannot fault pages in. */
void write_or_die(int fd) {
        char x = 'x';

        if (write(fd, &x, 1) != 1)
                _exit(4);
}

void child_write_path(const void *arg) {
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
        snprintf(f.dir, sizeof(f.dir), "/tmp/test-engine.XXXXXX");
        if (!mkdtemp(f.dir))
                return -1;
        n = readlink("/proc/self/exe", f.self_exe, sizeof(f.self_exe) - 1);
        if (n < 0)
                return -1;
        f.self_exe[n] = '\0';
        snprintf(f.function_write, sizeof(f.function_write), "%ssys_write",
                 syscall_function_prefix());
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

int test_setup(void **state) {
        events_clear(*state);
        return 0;
}

bool kernel_has(Fixture *f, const char *feature) {
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

int setup_engine_disabling(void **state, unsigned disabled) {
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

int setup_engine_without_fentry(void **state) {
        return setup_engine_disabling(state, (1U << HOOK_MECHANISM_FENTRY) |
                                                     (1U << HOOK_MECHANISM_FMOD_RET));
}

int teardown_engine_restore(void **state) {
        Fixture *f = *state;

        events_clear(f);
        ring_buffer__free(f->ringbuf);
        policy_engine_free(f->engine); /* detaches what a failed test left */
        f->engine = saved_engine.engine;
        f->backend = saved_engine.backend;
        f->ringbuf = saved_engine.ringbuf;
        return 0;
}

char *temp_path(Fixture *f, const char *name) {
        char *p = format("%s/%s", f->dir, name);

        (void) unlink(p);
        return p;
}

/* Does the write policy with these filters post the write of a child running fn(arg)? */
bool child_write_matches(Fixture *f, ChildFn fn, const void *arg, const char *filters) {
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

bool write_matches(Fixture *f, const char *path, const char *filters) {
        return child_write_matches(f, child_write_path, path, filters);
}

/* A UDP connect() (no packet is sent) or an AF_UNIX one (to a path that does not exist);
 * the address on the stack: see write_or_die(). */
void child_connect(const void *arg) {
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

void assert_sockaddr_json(json_t *arg, const char *family, const char *addr, int port) {
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

const char *hook_mechanism(Fixture *f, PolicyInstallation *i, size_t hook) {
        static char mechanism[64];
        PolicyHookStatus *hooks = NULL;
        size_t n = 0;

        assert_int_equal(f->backend.get_hooks(f->backend.userdata, i, &hooks, &n), 0);
        assert_true(hook < n);
        snprintf(mechanism, sizeof(mechanism), "%s", hooks[hook].mechanism);
        policy_hook_status_free_many(hooks, n);
        return mechanism;
}

void assert_exit_status(int status, int expected) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != expected)
                fail_msg("expected exit %d, got %s %d", expected,
                         WIFSIGNALED(status) ? "signal" : "exit",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* Exits with the errno of executing the program (its own status if it runs). */
void child_exec(const void *arg) {
        char path[PATH_MAX];
        char *argv[] = { path, NULL };

        snprintf(path, sizeof(path), "%s", (const char *) arg);
        execv(path, argv);
        _exit(errno);
}

void child_getppid(const void *arg) {
        (void) syscall(SYS_getppid);
}

/* A function of this binary for the uprobe tests. Called through a volatile pointer, so the
 * compiler cannot specialise the call into a clone the probe would miss. */
int tg_uprobe_target(int number, const char *text);
__attribute__((noinline)) int tg_uprobe_target(int number, const char *text) {
        return number + (int) strlen(text);
}

void child_call_uprobe_target(const void *arg) {
        int (*volatile fn)(int, const char *) = tg_uprobe_target;
        char text[16];

        snprintf(text, sizeof(text), "hello");
        (void) fn(*(const int *) arg, text);
}

/* A TCP listener on 127.0.0.1, its port in *ret_port: non-blocking, so that what it
 * accepted can be closed without waiting (a full queue would make connect() time out). */
int tcp_listener(uint16_t *ret_port) {
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
void child_tcp_connect(const void *arg) {
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

static bool kernel_has_rdonly_cast(void) {
        struct btf *vmlinux = btf__load_vmlinux_btf();
        bool found =
                vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;

        btf__free(vmlinux);
        return found;
}

int fixture_run(int argc, char *argv[], const char *name, const struct CMUnitTest *tests,
                size_t n_tests) {
        char *group_name = NULL;
        int r;

        (void) argc;
        (void) argv;
        if (geteuid() != 0) {
                printf("SKIP: needs root to load BPF programs\n");
                return 77;
        }
        /* tracefs (tracepoint formats) and bpffs, mounted as the daemon mounts them: a fresh
         * host has neither. */
        if (system_setup_check() < 0)
                return 1;
        /* TEST_FILTER=test_uprobe* runs only those (cmocka's wildcards). */
        if (getenv("TEST_FILTER"))
                cmocka_set_test_filter(getenv("TEST_FILTER"));
        /* Without the kfunc the engine takes the probe-read variant in both groups. */
        if (kernel_has_rdonly_cast()) {
                r = _cmocka_run_group_tests(name, tests, n_tests, group_setup, group_teardown);
                /* The guest: the variant the daemon takes there is enough. */
                if (streq_ptr(getenv("ENGINE_TEST_VARIANTS"), "daemon"))
                        return r;
        } else {
                printf("This kernel has no bpf_rdonly_cast(): only the probe-read variant "
                       "runs.\n");
                r = 0;
        }
        assert_true(asprintf(&group_name, "%s, probe-read variant", name) >= 0);
        r += _cmocka_run_group_tests(group_name, tests, n_tests, group_setup_probe_read,
                                     group_teardown);
        free(group_name);
        return r;
}
