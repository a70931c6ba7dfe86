/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "event-json.h"
#include "macro.h"

/* cmocka needs the headers above first */
#include <cmocka.h>

/* 2023-11-14T22:13:20Z: the wall clock when CLOCK_BOOTTIME was zero. */
#define BOOT_TIME_NS (1700000000ULL * 1000000000ULL)

#define ARGS(s) .args = (char *) (s), .args_size = sizeof(s) - 1

static Process make_curl(void) {
        return (Process){
                .pid = 4242,
                .tid = 4243,
                .ppid = 100,
                .uid = 1000,
                .euid = 1001,
                .suid = 1002,
                .fsuid = 1003,
                .gid = 2000,
                .egid = 2001,
                .sgid = 2002,
                .fsgid = 2003,
                .auid = 1000,
                .start_ktime = 5123456789ULL,
                .exec_id = (char *) "aG9zdDE6NTEyMzQ1Njc4OTo0MjQy",
                .parent_exec_id = (char *) "aG9zdDE6MTAwMDAwOjEwMA==",
                .binary = (char *) "/usr/bin/curl",
                ARGS("-s\0https://ebpf.io/\0"),
                .cwd = (char *) "/home/dan",
                .cgroup_id = 9876,
                .cgroup_path = (char *) "/system.slice/foo.service",
                .unit = (char *) "foo.service",
        };
}

static Process make_bash(void) {
        return (Process){
                .pid = 100,
                .tid = 100,
                .ppid = 1,
                .auid = UINT32_MAX,
                .start_ktime = 1000,
                .exec_id = (char *) "aG9zdDE6MTAwMDAwOjEwMA==",
                .binary = (char *) "/bin/bash",
                .cwd = (char *) "/",
        };
}

static json_t *to_json_with(const Event *e, const EnrichOptions *opts) {
        json_t *j = NULL;

        assert_int_equal(event_to_json_with_options(e, "host1", BOOT_TIME_NS, opts, &j), 0);
        assert_non_null(j);
        return j;
}

static json_t *to_json(const Event *e) {
        json_t *j = NULL;

        assert_int_equal(event_to_json(e, "host1", BOOT_TIME_NS, &j), 0);
        assert_non_null(j);
        return j;
}

static void assert_str_key(json_t *o, const char *key, const char *want) {
        json_t *v = json_object_get(o, key);

        if (!json_is_string(v))
                fail_msg("key \"%s\" is not a string", key);
        assert_string_equal(json_string_value(v), want);
}

static void assert_int_key(json_t *o, const char *key, json_int_t want) {
        json_t *v = json_object_get(o, key);

        if (!json_is_integer(v))
                fail_msg("key \"%s\" is not an integer", key);
        assert_int_equal(json_integer_value(v), want);
}

static json_t *process_of(json_t *j, const char *type, const char *which) {
        json_t *p = json_object_get(json_object_get(j, type), which);

        assert_true(json_is_object(p));
        return p;
}

static void test_exec_every_field(void **state) {
        Process curl = make_curl(), bash = make_bash();
        Event e = { .type = EVENT_PROCESS_EXEC,
                    .ktime = 5123456789ULL,
                    .process = &curl,
                    .parent = &bash };
        json_t *j = to_json_with(&e, &(EnrichOptions){ .process_cred = true }), *p, *creds;
        _cleanup_free_ char *dump = NULL;

        /* Top level: the event key, the node, the time. */
        assert_int_equal(json_object_size(j), 3);
        assert_str_key(j, "node_name", "host1");
        assert_str_key(j, "time", "2023-11-14T22:13:25.123456789Z");
        assert_int_equal(json_object_size(json_object_get(j, "process_exec")), 2);

        p = process_of(j, "process_exec", "process");
        assert_str_key(p, "exec_id", "aG9zdDE6NTEyMzQ1Njc4OTo0MjQy");
        assert_int_key(p, "pid", 4242);
        assert_int_key(p, "uid", 1001); /* the effective uid, as Tetragon documents it */
        assert_str_key(p, "cwd", "/home/dan");
        assert_str_key(p, "binary", "/usr/bin/curl");
        assert_str_key(p, "arguments", "-s https://ebpf.io/");
        assert_str_key(p, "flags", "execve");
        assert_str_key(p, "start_time", "2023-11-14T22:13:25.123456789Z");
        assert_int_key(p, "auid", 1000);
        assert_str_key(p, "parent_exec_id", "aG9zdDE6MTAwMDAwOjEwMA==");
        assert_int_key(p, "tid", 4243);
        assert_str_key(p, "cgroup_id", "9876");
        assert_str_key(p, "cgroup_path", "/system.slice/foo.service");
        assert_str_key(p, "systemd_unit", "foo.service");

        creds = json_object_get(p, "process_credentials");
        assert_true(json_is_object(creds));
        assert_int_equal(json_object_size(creds), 8);
        assert_int_key(creds, "uid", 1000);
        assert_int_key(creds, "gid", 2000);
        assert_int_key(creds, "euid", 1001);
        assert_int_key(creds, "egid", 2001);
        assert_int_key(creds, "suid", 1002);
        assert_int_key(creds, "sgid", 2002);
        assert_int_key(creds, "fsuid", 1003);
        assert_int_key(creds, "fsgid", 2003);
        assert_int_equal(json_object_size(p), 15);

        /* Tetragon's key order: exec_id first, the host extras last. */
        dump = json_dumps(p, JSON_COMPACT);
        assert_non_null(dump);
        assert_true(startswith(dump, "{\"exec_id\":\"aG9zdDE6NTEyMzQ1Njc4OTo0MjQy\",\"pid\":4242,"
                                     "\"uid\":1001,\"cwd\":\"/home/dan\","));
        assert_non_null(strstr(dump, "\"tid\":4243,\"process_credentials\":{\"uid\":1000,"));
        assert_true(endswith(dump, "\"systemd_unit\":\"foo.service\"}"));

        /* The parent: a process object of its own; what it lacks is left out. */
        p = process_of(j, "process_exec", "parent");
        assert_str_key(p, "exec_id", "aG9zdDE6MTAwMDAwOjEwMA==");
        assert_int_key(p, "pid", 100);
        assert_str_key(p, "binary", "/bin/bash");
        assert_str_key(p, "flags", "execve rootcwd");
        assert_str_key(p, "start_time", "2023-11-14T22:13:20.000001000Z");
        assert_null(json_object_get(p, "arguments"));
        assert_null(json_object_get(p, "parent_exec_id"));
        assert_null(json_object_get(p, "cgroup_id"));
        assert_null(json_object_get(p, "cgroup_path"));
        assert_null(json_object_get(p, "systemd_unit"));

        json_decref(j);
}

static void test_auid_unset(void **state) {
        Process bash = make_bash();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &bash };
        json_t *j = to_json(&e);

        /* As Tetragon shows it: the raw value, not null, not -1. */
        assert_int_key(process_of(j, "process_exec", "process"), "auid", 4294967295LL);
        json_decref(j);
}

static void test_missing_parent(void **state) {
        Process bash = make_bash();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &bash };
        json_t *j = to_json(&e);

        assert_null(json_object_get(json_object_get(j, "process_exec"), "parent"));
        assert_null(json_object_get(process_of(j, "process_exec", "process"), "parent_exec_id"));
        json_decref(j);
}

static void test_flags(void **state) {
        static const struct {
                bool procfs, args_truncated, cwd_truncated;
                const char *cwd, *want;
        } cases[] = {
                { false, false, false, "/tmp", "execve" },
                { true, false, false, "/tmp", "procFS" },
                { false, true, false, "/tmp", "execve truncArgs" },
                { false, false, false, "/", "execve rootcwd" },
                { false, false, true, "/very/long", "execve errorPathResolutionCwd" },
                { true, true, false, "/", "procFS truncArgs rootcwd" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Process p = make_curl();
                Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &p };
                json_t *j;

                p.procfs = cases[i].procfs;
                p.args_truncated = cases[i].args_truncated;
                p.cwd_truncated = cases[i].cwd_truncated;
                p.cwd = (char *) cases[i].cwd;
                j = to_json(&e);
                assert_str_key(process_of(j, "process_exec", "process"), "flags", cases[i].want);
                json_decref(j);
        }
}

static void test_exit_status(void **state) {
        Process curl = make_curl(), bash = make_bash();
        Event e = { .type = EVENT_PROCESS_EXIT,
                    .ktime = 7000000000ULL,
                    .process = &curl,
                    .parent = &bash,
                    .exit = { .status = 3 } };
        json_t *j = to_json(&e), *body = json_object_get(j, "process_exit");

        assert_true(json_is_object(body));
        assert_int_key(body, "status", 3);
        assert_null(json_object_get(body, "signal"));
        assert_str_key(body, "time", "2023-11-14T22:13:27.000000000Z");
        assert_str_key(j, "time", "2023-11-14T22:13:27.000000000Z");
        assert_str_key(process_of(j, "process_exit", "process"), "binary", "/usr/bin/curl");
        assert_str_key(process_of(j, "process_exit", "parent"), "binary", "/bin/bash");
        assert_int_equal(json_object_size(body), 4);
        json_decref(j);

        /* A clean exit says so: status 0. */
        e.exit.status = 0;
        j = to_json(&e);
        assert_int_key(json_object_get(j, "process_exit"), "status", 0);
        json_decref(j);
}

static void test_exit_signal(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXIT,
                    .ktime = 7000000000ULL,
                    .process = &curl,
                    .exit = { .signal = 9 } };
        json_t *j = to_json(&e), *body = json_object_get(j, "process_exit");

        assert_str_key(body, "signal", "SIGKILL");
        assert_null(json_object_get(body, "status"));
        assert_null(json_object_get(body, "parent"));
        json_decref(j);
}

static void test_signal_names(void **state) {
        char buf[EVENT_SIGNAL_NAME_MAX];

        assert_string_equal(event_signal_name(1, buf), "SIGHUP");
        assert_string_equal(event_signal_name(2, buf), "SIGINT");
        assert_string_equal(event_signal_name(6, buf), "SIGABRT");
        assert_string_equal(event_signal_name(9, buf), "SIGKILL");
        assert_string_equal(event_signal_name(11, buf), "SIGSEGV");
        assert_string_equal(event_signal_name(13, buf), "SIGPIPE");
        assert_string_equal(event_signal_name(15, buf), "SIGTERM");
        assert_string_equal(event_signal_name(31, buf), "SIGSYS");
        assert_string_equal(event_signal_name(SIGRTMIN, buf), "SIGRTMIN");
        assert_string_equal(event_signal_name(SIGRTMIN + 1, buf), "SIGRTMIN+1");
        assert_string_equal(event_signal_name(99, buf), "SIG99");
}

static const char *join(const char *args, size_t size) {
        static char buf[256];
        Process p = { .args = (char *) args, .args_size = size };
        size_t len = event_join_arguments(&p, NULL);

        assert_true(len < sizeof(buf));
        assert_int_equal(event_join_arguments(&p, buf), len);
        buf[len] = '\0';
        return buf;
}

#define JOIN(s) join((s), sizeof(s) - 1)

static void test_join_arguments(void **state) {
        assert_string_equal(JOIN("a\0b\0"), "a b");
        /* Tetragon's rule: an argument with a space is wrapped in double quotes. */
        assert_string_equal(JOIN("-c\0echo a b\0"), "-c \"echo a b\"");
        assert_string_equal(JOIN("a b\0c\0"), "\"a b\" c");
        assert_string_equal(JOIN("say \"hi\"\0"), "\"say \"hi\"\"");
        assert_string_equal(JOIN("\0b\0"), "b");
        assert_string_equal(JOIN("a\0\0c\0"), "a  c");
        assert_string_equal(JOIN("a\0b\0\0\0"), "a b");
        /* A list the kernel cut has no final terminator. */
        assert_string_equal(JOIN("a\0bc"), "a bc");
        assert_string_equal(JOIN(""), "");
        assert_string_equal(join(NULL, 0), "");
}

static void test_arguments_not_utf8(void **state) {
        static const char args[] = "a\xff"
                                   "b\0h\xc3\xa9llo\0new\nline\0";
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &p };
        json_t *j, *proc;

        p.args = (char *) args;
        p.args_size = sizeof(args) - 1;
        p.binary = (char *) "/tmp/\xc3(x";
        j = to_json(&e);
        proc = process_of(j, "process_exec", "process");
        /* JSON carries only UTF-8: a stray byte becomes U+FFFD, valid text stays. */
        assert_str_key(proc, "arguments",
                       "a\xef\xbf\xbd"
                       "b h\xc3\xa9llo new\nline");
        assert_str_key(proc, "binary", "/tmp/\xef\xbf\xbd(x");
        json_decref(j);
}

static void test_long_arguments(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &p };
        _cleanup_free_ char *args = malloc(5000);
        json_t *j;
        const char *s;

        /* Past the stack buffer: 1000 arguments "abcd". */
        assert_non_null(args);
        for (size_t i = 0; i < 1000; i++)
                memcpy(args + i * 5, "abcd", 5);
        p.args = args;
        p.args_size = 5000;
        j = to_json(&e);
        s = json_string_value(
                json_object_get(process_of(j, "process_exec", "process"), "arguments"));
        assert_non_null(s);
        assert_int_equal(strlen(s), 4999);
        assert_true(startswith(s, "abcd abcd "));
        json_decref(j);
}

/* KprobeSockaddr: family, addr and port, with protojson's omissions. */
static void test_sockaddr_arg(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_KPROBE, .process = &p };
        json_t *j, *args, *a;

        e.kprobe.function_name = "__x64_sys_connect";
        e.kprobe.n_args = 5;
        for (size_t i = 0; i < e.kprobe.n_args; i++)
                e.kprobe.args[i].type = EVENT_ARG_SOCKADDR;
        e.kprobe.args[0].label = "address";
        e.kprobe.args[0].sockaddr.family = 2;
        e.kprobe.args[0].sockaddr.port = 443;
        memcpy(e.kprobe.args[0].sockaddr.addr, "\x0a\x00\x00\x01", 4);
        e.kprobe.args[1].sockaddr.family = 10;
        e.kprobe.args[1].sockaddr.addr[15] = 1; /* ::1, port 0 */
        e.kprobe.args[2].sockaddr.family = 1;
        e.kprobe.args[3].sockaddr.family = 99;
        e.kprobe.args[4].unreadable = true;

        j = to_json(&e);
        args = json_object_get(json_object_get(j, "process_kprobe"), "args");
        a = json_array_get(args, 0);
        assert_str_key(a, "label", "address");
        a = json_object_get(a, "sockaddr_arg");
        assert_str_key(a, "family", "AF_INET");
        assert_str_key(a, "addr", "10.0.0.1");
        assert_int_key(a, "port", 443);
        a = json_object_get(json_array_get(args, 1), "sockaddr_arg");
        assert_str_key(a, "family", "AF_INET6");
        assert_str_key(a, "addr", "::1");
        assert_null(json_object_get(a, "port"));
        a = json_object_get(json_array_get(args, 2), "sockaddr_arg");
        assert_int_equal(json_object_size(a), 1);
        assert_str_key(a, "family", "AF_UNIX");
        a = json_object_get(json_array_get(args, 3), "sockaddr_arg");
        assert_int_equal(json_object_size(a), 1);
        assert_str_key(a, "family", "99");
        a = json_object_get(json_array_get(args, 4), "sockaddr_arg");
        assert_true(json_is_object(a));
        assert_int_equal(json_object_size(a), 0);
        json_decref(j);
}

/* ProcessUprobe on an offset, ProcessUsdt: their own keys instead of function_name. */
static void test_uprobe_offset_usdt(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_UPROBE, .process = &p };
        json_t *j, *body;

        e.kprobe.function_name = "0x1f0";
        e.kprobe.path = "/usr/bin/app";
        e.kprobe.has_offset = true;
        e.kprobe.offset = 0x1f0;
        e.kprobe.ref_ctr_offset = 0x4010;
        j = to_json(&e);
        body = json_object_get(j, "process_uprobe");
        assert_str_key(body, "path", "/usr/bin/app");
        assert_str_key(body, "offset", "496");
        assert_str_key(body, "ref_ctr_offset", "16400");
        assert_null(json_object_get(body, "symbol"));
        assert_null(json_object_get(body, "function_name"));
        json_decref(j);

        e = (Event){ .type = EVENT_PROCESS_USDT, .process = &p };
        e.kprobe.function_name = "test:usdt3";
        e.kprobe.path = "/usr/bin/app";
        e.kprobe.action = EVENT_ACTION_SIGKILL;
        j = to_json(&e);
        body = json_object_get(j, "process_usdt");
        assert_non_null(body);
        assert_str_key(body, "path", "/usr/bin/app");
        assert_str_key(body, "provider", "test");
        assert_str_key(body, "name", "usdt3");
        assert_str_key(body, "action", "KPROBE_ACTION_SIGKILL");
        assert_null(json_object_get(body, "function_name"));
        json_decref(j);
}

/* ProcessLoader: path, and buildid as protojson's bytes (base64); none when unknown. */
static void test_loader(void **state) {
        static const uint8_t build_id[20] = { 0x84, 0x34, 0xfe, 0xb0, 0xb2, 0xe9, 0x07,
                                              0x16, 0x6d, 0x1b, 0xd7, 0x5a, 0x28, 0x5a,
                                              0x0e, 0xbf, 0x82, 0x2e, 0xd1, 0xac };
        Process p = make_curl();
        json_t *j, *body;
        Event e;

        e = (Event){ .type = EVENT_PROCESS_LOADER, .process = &p };
        e.loader.path = "/usr/lib/libx.so";
        e.loader.build_id = build_id;
        e.loader.build_id_size = sizeof(build_id);
        j = to_json(&e);
        body = json_object_get(j, "process_loader");
        assert_non_null(body);
        assert_non_null(json_object_get(body, "process"));
        assert_str_key(body, "path", "/usr/lib/libx.so");
        assert_str_key(body, "buildid", "hDT+sLLpBxZtG9daKFoOv4Iu0aw=");
        json_decref(j);

        e.loader.build_id_size = 0;
        j = to_json(&e);
        body = json_object_get(j, "process_loader");
        assert_str_key(body, "path", "/usr/lib/libx.so");
        assert_null(json_object_get(body, "buildid"));
        json_decref(j);
}

/* KprobeSock, ProcessCredentials and KprobeCapability, with protojson's omissions. */
static void test_kernel_type_args(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_KPROBE, .process = &p };
        json_t *j, *args, *a, *caps, *ns;

        e.kprobe.function_name = "tcp_connect";
        e.kprobe.n_args = 5;
        e.kprobe.args[0].type = EVENT_ARG_SOCK;
        e.kprobe.args[0].sock.family = 2;
        e.kprobe.args[0].sock.type = 1;
        e.kprobe.args[0].sock.protocol = 6;
        e.kprobe.args[0].sock.state = 2;
        e.kprobe.args[0].sock.sport = 40000;
        e.kprobe.args[0].sock.dport = 443;
        memcpy(e.kprobe.args[0].sock.saddr, "\x0a\x00\x00\x01", 4);
        memcpy(e.kprobe.args[0].sock.daddr, "\x7f\x00\x00\x01", 4);
        e.kprobe.args[1].type = EVENT_ARG_SOCK;
        e.kprobe.args[1].sock.family = 1;
        e.kprobe.args[1].sock.type = 2;
        e.kprobe.args[2].type = EVENT_ARG_CRED;
        e.kprobe.args[2].cred.uid = 1000;
        e.kprobe.args[2].cred.euid = 0;
        e.kprobe.args[2].cred.securebits = 1U << 4; /* SECURE_KEEP_CAPS */
        e.kprobe.args[2].cred.cap_effective = (1ULL << 21) | (1ULL << 0);
        e.kprobe.args[2].cred.user_ns_inum = 4026531837;
        e.kprobe.args[3].type = EVENT_ARG_CAPABILITY;
        e.kprobe.args[3].i = 21;
        e.kprobe.args[4].type = EVENT_ARG_CRED;
        e.kprobe.args[4].unreadable = true;

        j = to_json(&e);
        args = json_object_get(json_object_get(j, "process_kprobe"), "args");
        a = json_object_get(json_array_get(args, 0), "sock_arg");
        assert_str_key(a, "family", "AF_INET");
        assert_str_key(a, "type", "SOCK_STREAM");
        assert_str_key(a, "protocol", "IPPROTO_TCP");
        assert_str_key(a, "saddr", "10.0.0.1");
        assert_str_key(a, "daddr", "127.0.0.1");
        assert_int_key(a, "sport", 40000);
        assert_int_key(a, "dport", 443);
        assert_str_key(a, "state", "TCP_SYN_SENT");
        assert_null(json_object_get(a, "mark"));
        a = json_object_get(json_array_get(args, 1), "sock_arg");
        assert_str_key(a, "family", "AF_UNIX");
        assert_str_key(a, "type", "SOCK_DGRAM");
        assert_str_key(a, "protocol", "IPPROTO_IP");
        assert_null(json_object_get(a, "saddr"));
        assert_null(json_object_get(a, "sport"));
        assert_null(json_object_get(a, "state"));

        a = json_object_get(json_array_get(args, 2), "process_credentials_arg");
        assert_int_key(a, "uid", 1000);
        assert_int_key(a, "euid", 0);
        assert_int_equal(json_array_size(json_object_get(a, "securebits")), 1);
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "securebits"), 0)),
                            "SecBitKeepCaps");
        caps = json_object_get(a, "caps");
        assert_int_equal(json_array_size(json_object_get(caps, "effective")), 2);
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(caps, "effective"), 0)),
                "CAP_CHOWN");
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(caps, "effective"), 1)),
                "CAP_SYS_ADMIN");
        assert_null(json_object_get(caps, "permitted"));
        ns = json_object_get(a, "user_ns");
        assert_int_key(ns, "level", 0);
        assert_int_key(json_object_get(ns, "ns"), "inum", 4026531837);
        assert_true(json_is_true(json_object_get(json_object_get(ns, "ns"), "is_host")));

        a = json_object_get(json_array_get(args, 3), "capability_arg");
        assert_int_key(a, "value", 21);
        assert_str_key(a, "name", "CAP_SYS_ADMIN");
        a = json_object_get(json_array_get(args, 4), "process_credentials_arg");
        assert_true(json_is_object(a));
        assert_int_equal(json_object_size(a), 0);
        json_decref(j);
}

/* KprobeSkb: the numbers that are not zero, the flow for IP packets only. */
static void test_skb_arg(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_KPROBE, .process = &p };
        json_t *j, *args, *a;

        e.kprobe.function_name = "dev_queue_xmit";
        e.kprobe.n_args = 2;
        e.kprobe.args[0].type = EVENT_ARG_SKB;
        e.kprobe.args[0].skb.len = 60;
        e.kprobe.args[0].skb.hash = 7;
        e.kprobe.args[0].skb.family = 10;
        e.kprobe.args[0].skb.protocol = 17;
        e.kprobe.args[0].skb.sport = 5353;
        e.kprobe.args[0].skb.dport = 53;
        e.kprobe.args[0].skb.saddr[15] = 1;
        e.kprobe.args[0].skb.daddr[15] = 1;
        e.kprobe.args[1].type = EVENT_ARG_SKB;
        e.kprobe.args[1].skb.len = 42; /* ARP: no IP header */

        j = to_json(&e);
        args = json_object_get(json_object_get(j, "process_kprobe"), "args");
        a = json_object_get(json_array_get(args, 0), "skb_arg");
        assert_int_key(a, "len", 60);
        assert_int_key(a, "hash", 7);
        assert_null(json_object_get(a, "mark"));
        assert_str_key(a, "family", "AF_INET6");
        assert_str_key(a, "saddr", "::1");
        assert_str_key(a, "daddr", "::1");
        assert_int_key(a, "sport", 5353);
        assert_int_key(a, "dport", 53);
        assert_int_key(a, "proto", 17);
        assert_str_key(a, "protocol", "IPPROTO_UDP");
        a = json_object_get(json_array_get(args, 1), "skb_arg");
        assert_int_equal(json_object_size(a), 1);
        assert_int_key(a, "len", 42);
        json_decref(j);
}

/* return: true: "return" right after "args", typed as the arguments are. */
static void test_return_value(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_KPROBE, .process = &p };
        const char *previous = NULL;
        json_t *j, *body;
        void *it;

        e.kprobe.function_name = "__x64_sys_openat";
        e.kprobe.n_args = 1;
        e.kprobe.args[0] = (EventArg){ .type = EVENT_ARG_INT, .i = -100 };
        j = to_json(&e);
        assert_null(json_object_get(json_object_get(j, "process_kprobe"), "return"));
        json_decref(j);

        e.kprobe.has_return = true;
        e.kprobe.ret = (EventArg){ .type = EVENT_ARG_INT, .i = -2 };
        j = to_json(&e);
        body = json_object_get(j, "process_kprobe");
        assert_int_key(json_object_get(body, "return"), "int_arg", -2);
        for (it = json_object_iter(body); it; it = json_object_iter_next(body, it)) {
                if (streq(json_object_iter_key(it), "return"))
                        break;
                previous = json_object_iter_key(it);
        }
        assert_non_null(it);
        assert_string_equal(previous, "args");
        json_decref(j);
}

/* Post with imaHash: ima_hash on process_lsm, as Tetragon's ProcessLsm; absent when IMA gave
 * none. */
static void test_ima_hash(void **state) {
        Process p = make_curl();
        Event e = { .type = EVENT_PROCESS_LSM, .process = &p };
        json_t *j;

        e.kprobe.function_name = "file_open";
        j = to_json(&e);
        assert_null(json_object_get(json_object_get(j, "process_lsm"), "ima_hash"));
        json_decref(j);

        snprintf(e.kprobe.ima_hash, sizeof(e.kprobe.ima_hash), "sha256:%064x", 0x2a);
        j = to_json(&e);
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(j, "process_lsm"), "ima_hash")),
                "sha256:000000000000000000000000000000000000000000000000000000000000002a");
        json_decref(j);
}

static void test_invalid(void **state) {
        Process p = make_curl();
        Event e = { .type = _EVENT_TYPE_MAX, .process = &p };
        json_t *j = NULL;

        assert_int_equal(event_to_json(&e, "h", 0, &j), -EINVAL);
        e.type = EVENT_PROCESS_EXEC;
        e.process = NULL;
        assert_int_equal(event_to_json(&e, "h", 0, &j), -EINVAL);
        assert_null(j);
        assert_string_equal(event_type_to_string(EVENT_PROCESS_EXEC), "process_exec");
        assert_string_equal(event_type_to_string(EVENT_PROCESS_EXIT), "process_exit");
}

/* Tetragon leaves process_credentials, cap and ns out unless asked; so do we. */
static void test_optional_parts_off_by_default(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .process = &curl };
        json_t *j, *p;

        curl.has_caps = true;
        curl.cap_effective = 1ULL << 13; /* CAP_NET_RAW */
        curl.ns[0] = 4026531838;
        j = to_json(&e);
        p = process_of(j, "process_exec", "process");
        assert_null(json_object_get(p, "process_credentials"));
        assert_null(json_object_get(p, "cap"));
        assert_null(json_object_get(p, "ns"));
        assert_null(json_object_get(p, "binary_properties")); /* an ordinary exec */
        assert_null(json_object_get(json_object_get(j, "process_exec"), "ancestors"));
        json_decref(j);
}

static void test_enrichment_fields(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .process = &curl };
        EnrichOptions opts = { .process_cred = true, .process_ns = true };
        json_t *j, *p, *bp, *env;
        _cleanup_free_ char *dump = NULL;

        curl.has_caps = true;
        curl.cap_permitted = curl.cap_effective = 1ULL << 13; /* CAP_NET_RAW */
        for (size_t i = 0; i < PROCESS_NS_MAX; i++)
                curl.ns[i] = 4026531835 + i;
        curl.ns[6] = curl.ns[7] = 0;            /* no time namespaces */
        curl.ns_host = ~(1U << PROCESS_NS_PID); /* only the pid namespace is its own */
        curl.containerized = curl.in_init_tree = true;
        curl.binary_properties = (BinaryProperties){
                .has_setuid = true,
                .setuid = 0,
                .privileges_changed = PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETUID |
                                      PROCESS_PRIVILEGES_RAISED_EXEC_FILE_CAP,
                .has_file = true,
                .file_ino = 123456789012ULL,
                .file_nlink = 0,
        };
        curl.user_name = (char *) "dan";
        curl.env = (char *) "HOME=/home/dan\0EMPTY=\0";
        curl.env_size = sizeof("HOME=/home/dan\0EMPTY=\0") - 1;

        j = to_json_with(&e, &opts);
        p = process_of(j, "process_exec", "process");
        dump = json_dumps(p, JSON_COMPACT);
        assert_non_null(strstr(dump, "\"cap\":{\"permitted\":[\"CAP_NET_RAW\"],"
                                     "\"effective\":[\"CAP_NET_RAW\"]}"));
        assert_non_null(strstr(dump, "\"ns\":{\"uts\":{\"inum\":4026531835,\"is_host\":true},"));
        assert_non_null(strstr(dump, "\"pid\":{\"inum\":4026531838},"));
        assert_null(strstr(dump, "\"time\":"));
        /* Tetragon's order: cap, ns, tid, process_credentials, binary_properties, user,
         * in_init_tree, environment_variables. */
        assert_true(strstr(dump, "\"cap\":") < strstr(dump, "\"ns\":"));
        assert_true(strstr(dump, "\"ns\":") < strstr(dump, "\"tid\":"));
        assert_true(strstr(dump, "\"process_credentials\":") <
                    strstr(dump, "\"binary_properties\":"));
        assert_true(strstr(dump, "\"binary_properties\":") < strstr(dump, "\"user\":{\"name\""));

        bp = json_object_get(p, "binary_properties");
        assert_int_key(bp, "setuid", 0);
        assert_null(json_object_get(bp, "setgid"));
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(bp, "privileges_changed"), 0)),
                "PRIVILEGES_RAISED_EXEC_FILE_CAP");
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(bp, "privileges_changed"), 1)),
                "PRIVILEGES_RAISED_EXEC_FILE_SETUID");
        assert_str_key(json_object_get(json_object_get(bp, "file"), "inode"), "number",
                       "123456789012");
        assert_int_key(json_object_get(json_object_get(bp, "file"), "inode"), "links", 0);
        assert_str_key(json_object_get(bp, "file"), "path", "/usr/bin/curl");
        assert_str_key(json_object_get(p, "user"), "name", "dan");
        assert_true(json_is_true(json_object_get(p, "in_init_tree")));
        env = json_object_get(p, "environment_variables");
        assert_int_equal(json_array_size(env), 2);
        assert_str_key(json_array_get(env, 0), "Key", "HOME");
        assert_str_key(json_array_get(env, 0), "Value", "/home/dan");
        assert_str_key(json_array_get(env, 1), "Key", "EMPTY");
        assert_str_key(json_array_get(env, 1), "Value", "");
        json_decref(j);

        /* binary_properties belongs to the exec only. */
        e.type = EVENT_PROCESS_EXIT;
        j = to_json_with(&e, &opts);
        assert_null(json_object_get(process_of(j, "process_exit", "process"), "binary_properties"));
        json_decref(j);
}

/* Beyond the parent, nearest first; only on the event types asked for. */
static void test_ancestors(void **state) {
        Process init = make_bash(), shell = make_bash(), bash = make_bash(), curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .process = &curl, .parent = &bash };
        EnrichOptions opts = {};
        json_t *j, *list;

        init.pid = 1;
        shell.pid = 50;
        shell.parent = &init;
        bash.parent = &shell;
        curl.parent = &bash;
        assert_int_equal(enrich_options_set(&opts, ENRICH_OPTION_ANCESTORS, "base"), 0);

        j = to_json_with(&e, &opts);
        list = json_object_get(json_object_get(j, "process_exec"), "ancestors");
        assert_int_equal(json_array_size(list), 2);
        assert_int_key(json_array_get(list, 0), "pid", 50);
        assert_int_key(json_array_get(list, 1), "pid", 1);
        json_decref(j);

        e.type = EVENT_PROCESS_KPROBE;
        e.kprobe.function_name = "__x64_sys_write";
        j = to_json_with(&e, &opts);
        assert_null(json_object_get(json_object_get(j, "process_kprobe"), "ancestors"));
        json_decref(j);

        assert_int_equal(enrich_options_set(&opts, ENRICH_OPTION_ANCESTORS, "base,kprobe"), 0);
        j = to_json_with(&e, &opts);
        assert_int_equal(
                json_array_size(json_object_get(json_object_get(j, "process_kprobe"), "ancestors")),
                2);
        json_decref(j);

        /* Tetragon's rule: the others need base. */
        assert_int_equal(enrich_options_set(&opts, ENRICH_OPTION_ANCESTORS, "kprobe"), -EINVAL);
        assert_int_equal(enrich_options_set(&opts, ENRICH_OPTION_ANCESTORS, "base,bogus"), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_every_field),
                cmocka_unit_test(test_auid_unset),
                cmocka_unit_test(test_missing_parent),
                cmocka_unit_test(test_flags),
                cmocka_unit_test(test_exit_status),
                cmocka_unit_test(test_exit_signal),
                cmocka_unit_test(test_signal_names),
                cmocka_unit_test(test_join_arguments),
                cmocka_unit_test(test_arguments_not_utf8),
                cmocka_unit_test(test_long_arguments),
                cmocka_unit_test(test_sockaddr_arg),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_uprobe_offset_usdt),
                cmocka_unit_test(test_loader),
                cmocka_unit_test(test_kernel_type_args),
                cmocka_unit_test(test_skb_arg),
                cmocka_unit_test(test_return_value),
                cmocka_unit_test(test_ima_hash),
                cmocka_unit_test(test_optional_parts_off_by_default),
                cmocka_unit_test(test_enrichment_fields),
                cmocka_unit_test(test_ancestors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
