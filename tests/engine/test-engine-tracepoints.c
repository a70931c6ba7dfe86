/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: tracepoints (arguments from the format file, Sigkill at
 * syscall entry, syscall_id, raw tracepoints) and the argument types read there and on
 * syscalls: char_iovec, sock, skb, net_device, nop.
 */
#include "fixture.h"

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
        return policy_from_file("tracepoint.yaml", TEXT_VALUE("PATH", path),
                                TEXT_VALUE("ACTION", action));
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
        flags = policy_from_file("tracepoint-flags.yaml");
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

/* Arguments of type auto (or none) take their type from the format: openat's flags and mode,
 * unsigned 8-byte fields here, are read as uint64, which Tetragon shows as size_arg. */
static void test_tracepoint_auto(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "tp-auto"), *yaml = NULL;
        _cleanup_free_ char *flags = format("%d", O_WRONLY | O_CREAT | O_CLOEXEC);
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        if (!kernel_has(f, "tracepoint"))
                skip();
        yaml = policy_from_file("tracepoint-auto.yaml", TEXT_VALUE("PATH", path));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);

        child = child_spawn(child_open_create, path);
        assert_exit_status(child_run(&child), 0);
        e = event_wait(f, child.pid);
        assert_non_null(e);
        args = json_object_get(e, "args");
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 0), "string_arg")), path);
        assert_string_equal(json_string_value(json_object_get(json_array_get(args, 1), "size_arg")),
                            flags);
        assert_string_equal(json_string_value(json_object_get(json_array_get(args, 2), "size_arg")),
                            "384");
        uninstall(f, i);
}

/* raw_syscalls/sys_enter's id (index 4) as syscall64: Tetragon's syscall_id. The
 * matchArgs entry names it by its position in args (0) or by its format field (4), which
 * Tetragon remaps to the position. */
static void test_tracepoint_syscall_id(void **state) {
        static const int match_indexes[] = { 0, 4 };
        Fixture *f = *state;

        if (!kernel_has(f, "tracepoint"))
                skip();
        for (size_t k = 0; k < ELEMENTSOF(match_indexes); k++) {
                _cleanup_free_ char *yaml = NULL;
                PolicyInstallation *i;
                Child child;
                json_t *e, *id;

                child = child_spawn(child_getppid, NULL);
                yaml = policy_from_file("syscall-id.yaml",
                                        NUMBER_VALUE("SYSCALL_ID", (int) SYS_getppid),
                                        NUMBER_VALUE("PID", (int) child.pid),
                                        NUMBER_VALUE("MATCH_INDEX", match_indexes[k]));
                i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
                assert_exited_ok(child_run(&child));
                e = event_wait(f, child.pid);
                assert_non_null(e);
                assert_int_equal(events_of(f, child.pid), 1); /* getppid only, not exit_group */
                id = json_object_get(json_array_get(json_object_get(e, "args"), 0), "syscall_id");
                assert_int_equal(json_integer_value(json_object_get(id, "id")), SYS_getppid);
                assert_string_equal(json_string_value(json_object_get(id, "abi")),
                                    syscall_abi_name());
                uninstall(f, i);
        }
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
        yaml = policy_from_file("raw-tracepoint.yaml");
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
        yaml = policy_from_file("writev-test.yaml", NUMBER_VALUE("PID", (int) child.pid));
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
        yaml = policy_from_file("sock-test.yaml", NUMBER_VALUE("PID", (int) child.pid),
                                TEXT_VALUE("FILTERS", filters));
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
                _cleanup_free_ char *yaml =
                        policy_from_file("skb-test.yaml", NUMBER_VALUE("PID", (int) child.pid),
                                         TEXT_VALUE("FILTERS", filters));

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
        yaml = policy_from_file("nop-test.yaml", NUMBER_VALUE("PID", (int) child.pid));
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

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_tracepoint, test_setup),
                cmocka_unit_test_setup(test_tracepoint_auto, test_setup),
                cmocka_unit_test_setup(test_tracepoint_sigkill, test_setup),
                cmocka_unit_test_setup(test_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_tracepoint_syscall_id, test_setup),
                cmocka_unit_test_setup(test_char_iovec, test_setup),
                cmocka_unit_test_setup(test_sock_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_nop_argument, test_setup),
                cmocka_unit_test_setup(test_skb_raw_tracepoint, test_setup),
                cmocka_unit_test_setup(test_net_device_raw_tracepoint, test_setup),
        };

        return fixture_run(argc, argv, "engine tracepoints", tests, ELEMENTSOF(tests));
}
