/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-json.h"
#include "json-write.h"
#include "macro.h"
#include "message-ids.h"
#include "sink-journal.h"

/* cmocka needs the headers above first */
#include <cmocka.h>

#define BOOT_TIME_NS (1700000000ULL * 1000000000ULL)

static Process make_curl(void) {
        static const char args[] = "-s\0https://ebpf.io/\0";

        return (Process){
                .pid = 4242,
                .tid = 4243,
                .ppid = 100,
                .uid = 1000,
                .euid = 1001,
                .auid = 1000,
                .start_ktime = 5123456789ULL,
                .exec_id = (char *) "ZXhlYy1jdXJs",
                .parent_exec_id = (char *) "ZXhlYy1iYXNo",
                .binary = (char *) "/usr/bin/curl",
                .args = (char *) args,
                .args_size = sizeof(args) - 1,
                .cwd = (char *) "/home/dan",
                .cgroup_id = 9876,
                .cgroup_path = (char *) "/system.slice/foo.service",
                .unit = (char *) "foo.service",
        };
}

/* The value of NAME= among the fields, with its exact length; NULL when absent.
 * A name present twice is a failure. */
static const struct iovec *field(const JournalFields *f, const char *name) {
        const struct iovec *found = NULL;
        size_t l = strlen(name);

        for (size_t i = 0; i < f->n_iov; i++) {
                const char *base = f->iov[i].iov_base;

                if (f->iov[i].iov_len > l && memcmp(base, name, l) == 0 && base[l] == '=') {
                        if (found)
                                fail_msg("field %s twice", name);
                        found = &f->iov[i];
                }
        }
        return found;
}

static void assert_field_bytes(const JournalFields *f, const char *name, const char *value,
                               size_t len) {
        const struct iovec *v = field(f, name);
        size_t l = strlen(name) + 1;

        if (!v)
                fail_msg("no field %s", name);
        assert_int_equal(v->iov_len, l + len);
        assert_memory_equal((const char *) v->iov_base + l, value, len);
}

static void assert_field(const JournalFields *f, const char *name, const char *value) {
        assert_field_bytes(f, name, value, strlen(value));
}

static json_t *to_json(const Event *e) {
        json_t *j = NULL;

        assert_int_equal(event_to_json(e, "host1", BOOT_TIME_NS, &j), 0);
        return j;
}

static void test_exec_fields(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 5123456789ULL, .process = &curl };
        json_t *j = to_json(&e);
        _cleanup_free_ char *dump = json_dumps(j, JSON_COMPACT);
        JournalFields f = {};

        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "🚀 process /usr/bin/curl -s x"), 0);

        assert_field(&f, "MESSAGE", "🚀 process /usr/bin/curl -s x");
        assert_field(&f, "MESSAGE_ID", "4812ff676dcb4d7fa017a37a23b7d461");
        assert_field(&f, "PRIORITY", "6");
        assert_field(&f, "SYSLOG_IDENTIFIER", "tetragond");
        assert_field(&f, "TETRAGON_EVENT", "process_exec");
        assert_field(&f, "TETRAGON_PID", "4242");
        assert_field(&f, "TETRAGON_BINARY", "/usr/bin/curl");
        assert_field(&f, "TETRAGON_UID", "1001");
        assert_field(&f, "TETRAGON_UNIT", "foo.service");
        /* Copies of the JSON that nobody matches on: in TETRAGON_JSON= only. */
        assert_null(field(&f, "TETRAGON_PPID"));
        assert_null(field(&f, "TETRAGON_TID"));
        assert_null(field(&f, "TETRAGON_ARGS"));
        assert_null(field(&f, "TETRAGON_CWD"));
        assert_null(field(&f, "TETRAGON_EXEC_ID"));
        assert_null(field(&f, "TETRAGON_PARENT_EXEC_ID"));
        assert_null(field(&f, "TETRAGON_CGROUP_ID"));
        assert_non_null(dump);
        assert_field(&f, "TETRAGON_JSON", dump);
        assert_null(memchr(dump, '\n', strlen(dump)));
        assert_null(field(&f, "TETRAGON_EXIT_STATUS"));
        assert_null(field(&f, "TETRAGON_EXIT_SIGNAL"));
        assert_int_equal(f.n_iov, 10);

        journal_fields_done(&f);
        json_decref(j);
}

static void test_exit_fields(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXIT,
                    .ktime = 6000000000ULL,
                    .process = &curl,
                    .exit = { .status = 3 } };
        json_t *j = to_json(&e);
        JournalFields f = {};

        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "💥 exit /usr/bin/curl 3"), 0);
        assert_field(&f, "MESSAGE_ID", "42616ee214294b5fba2a8ba25cfbb94e");
        assert_field(&f, "PRIORITY", "6");
        assert_field(&f, "TETRAGON_EVENT", "process_exit");
        assert_field(&f, "TETRAGON_EXIT_STATUS", "3");
        assert_null(field(&f, "TETRAGON_EXIT_SIGNAL"));
        json_decref(j);

        e.exit = (typeof(e.exit)){ .signal = 9 };
        j = to_json(&e);
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "💥 exit /usr/bin/curl SIGKILL"), 0);
        assert_field(&f, "TETRAGON_EXIT_SIGNAL", "SIGKILL");
        assert_null(field(&f, "TETRAGON_EXIT_STATUS"));
        assert_field(&f, "MESSAGE", "💥 exit /usr/bin/curl SIGKILL");

        journal_fields_done(&f);
        json_decref(j);
}

static void test_message_ids(void **state) {
        char exec_id[SD_ID128_STRING_MAX], exit_id[SD_ID128_STRING_MAX];

        /* The string and the binary forms of each id agree, and the ids differ. */
        sd_id128_to_string(TETRAGON_MESSAGE_PROCESS_EXEC, exec_id);
        sd_id128_to_string(TETRAGON_MESSAGE_PROCESS_EXIT, exit_id);
        assert_string_equal(exec_id, TETRAGON_MESSAGE_PROCESS_EXEC_STR);
        assert_string_equal(exit_id, TETRAGON_MESSAGE_PROCESS_EXIT_STR);
        assert_string_not_equal(exec_id, exit_id);
        assert_int_equal(strlen(TETRAGON_MESSAGE_PROCESS_KPROBE_STR), 32);
        assert_int_equal(strlen(TETRAGON_MESSAGE_PROCESS_TRACEPOINT_STR), 32);
        assert_int_equal(strlen(TETRAGON_MESSAGE_PROCESS_UPROBE_STR), 32);
        assert_int_equal(strlen(TETRAGON_MESSAGE_PROCESS_LSM_STR), 32);
        assert_int_equal(strlen(TETRAGON_MESSAGE_PROCESS_USDT_STR), 32);
}

static void test_any_byte(void **state) {
        /* A newline, an ESC, a byte that is not UTF-8: the journal gets them raw
         * (sd_journal_sendv sends such fields in its binary-safe form). */
        static const char args[] = "line1\nline2\0\x1b[2J\0\xff\xfe\0with space\0";
        static const char want[] = "line1\nline2 \x1b[2J \xff\xfe \"with space\"";
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &curl };
        JournalFields f = {};
        json_t *j;

        curl.args = (char *) args;
        curl.args_size = sizeof(args) - 1;
        curl.binary = (char *) "/tmp/new\nline";
        curl.cwd = (char *) "/tmp/\xc3";
        j = to_json(&e);

        assert_int_equal(journal_fields_build(&f, &e, j, NULL, want), 0);
        assert_field_bytes(&f, "MESSAGE", want, sizeof(want) - 1);
        assert_field(&f, "TETRAGON_BINARY", "/tmp/new\nline");

        journal_fields_done(&f);
        json_decref(j);
}

static void test_optional_fields(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &curl };
        JournalFields f = {};
        json_t *j;

        curl.unit = NULL;
        curl.cgroup_id = 0;
        curl.parent_exec_id = NULL;
        curl.args = NULL;
        curl.args_size = 0;
        j = to_json(&e);

        /* Without a compact line, MESSAGE= still says what happened. */
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, NULL), 0);
        assert_field(&f, "MESSAGE", "process_exec");
        assert_null(field(&f, "TETRAGON_UNIT"));
        assert_null(field(&f, "TETRAGON_CGROUP_ID"));
        assert_null(field(&f, "TETRAGON_PARENT_EXEC_ID"));
        assert_null(field(&f, "TETRAGON_ARGS"));
        assert_field(&f, "TETRAGON_BINARY", "/usr/bin/curl");

        journal_fields_done(&f);
        json_decref(j);
}

/* Post with imaHash: TETRAGON_IMA_HASH as ima_hash; none on an event without it. */
static void test_ima_hash_field(void **state) {
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_LSM, .ktime = 1, .process = &curl };
        JournalFields f = {};
        json_t *j;

        e.kprobe.policy_name = "ima";
        e.kprobe.function_name = "file_open";
        j = to_json(&e);
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, NULL), 0);
        assert_null(field(&f, "TETRAGON_IMA_HASH"));
        journal_fields_done(&f);
        json_decref(j);

        snprintf(e.kprobe.ima_hash, sizeof(e.kprobe.ima_hash), "sha256:%064x", 7);
        j = to_json(&e);
        f = (JournalFields){};
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, NULL), 0);
        assert_field(&f, "TETRAGON_IMA_HASH",
                     "sha256:0000000000000000000000000000000000000000000000000000000000000007");
        journal_fields_done(&f);
        json_decref(j);
}

static void test_buffer_reuse(void **state) {
        _cleanup_free_ char *big_args = malloc(20000), *dump = NULL;
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 1, .process = &curl };
        JournalFields f = {};
        json_t *j;
        size_t size;

        /* A large event grows the buffer, the JSON past its first guess... */
        assert_non_null(big_args);
        memset(big_args, 'a', 19999);
        big_args[19999] = '\0';
        curl.args = big_args;
        curl.args_size = 20000;
        j = to_json(&e);
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "big"), 0);
        dump = json_dumps(j, JSON_COMPACT);
        assert_field(&f, "TETRAGON_JSON", dump);
        json_decref(j);
        size = f.buf_size;

        /* ...and a small one after it fits without growing it. */
        curl = make_curl();
        j = to_json(&e);
        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "small"), 0);
        assert_int_equal(f.buf_size, size);
        assert_field(&f, "MESSAGE", "small");
        free(dump);
        dump = json_dumps(j, JSON_COMPACT);
        assert_field(&f, "TETRAGON_JSON", dump);

        journal_fields_done(&f);
        json_decref(j);
}

/* The JSON dumped once for every sink: the journal's field, the export file's line. */
static void test_json_line(void **state) {
        Process curl = make_curl();
        _cleanup_free_ char *big_args = malloc(20000), *dump = NULL, *line_text = NULL;
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 5123456789ULL, .process = &curl };
        JournalFields f = {};
        JsonLine line = {};
        json_t *j;

        /* Past the first guess of its size, then a small one in the grown buffer. */
        assert_non_null(big_args);
        memset(big_args, 'b', 19999);
        big_args[19999] = '\0';
        curl.args = big_args;
        curl.args_size = 20000;
        for (int i = 0; i < 2; i++) {
                j = to_json(&e);
                dump = json_dumps(j, JSON_COMPACT);
                assert_int_equal(json_line_format(&line, j), 0);
                assert_int_equal(line.len, strlen(dump));
                assert_int_equal(asprintf(&line_text, "%s\n", dump), (int) strlen(dump) + 1);
                assert_memory_equal(json_line_text(&line), line_text, line.len + 1);
                assert_int_equal(journal_fields_build(&f, &e, j, &line, "x"), 0);
                assert_field(&f, "TETRAGON_JSON", dump);
                assert_field(&f, "TETRAGON_BINARY", "/usr/bin/curl");
                json_decref(j);
                dump = mfree(dump);
                line_text = mfree(line_text);
                curl = make_curl();
        }
        journal_fields_done(&f);
        json_line_done(&line);
}

static void test_invalid(void **state) {
        Process curl = make_curl();
        Event e = { .type = _EVENT_TYPE_MAX, .process = &curl };
        JournalFields f = {};
        json_t *j = json_object();

        assert_int_equal(journal_fields_build(&f, &e, j, NULL, "x"), -EINVAL);
        e.type = EVENT_PROCESS_EXEC;
        assert_int_equal(journal_fields_build(&f, &e, NULL, NULL, "x"), -EINVAL);
        journal_fields_done(&f);
        json_decref(j);
}

/* Our writer against jansson's own dump: the same bytes, for every kind of value and
 * every escape, and json_dumpb()'s contract when the buffer is short. */
static void assert_writes_as_jansson(json_t *j) {
        _cleanup_free_ char *want = json_dumps(j, JSON_COMPACT);
        char buf[512];
        size_t n;

        assert_non_null(want);
        n = json_write_compact(j, buf, sizeof(buf));
        assert_int_equal(n, strlen(want));
        assert_memory_equal(buf, want, n);
        /* Short: as much as fits, the whole length returned. */
        memset(buf, '#', sizeof(buf));
        assert_int_equal(json_write_compact(j, buf, n / 2), n);
        assert_memory_equal(buf, want, n / 2);
        assert_int_equal(buf[n / 2], '#');
        assert_int_equal(json_write_compact(j, NULL, 0), n);
        json_decref(j);
}

static void test_json_write(void **state) {
        static const char controls[] =
                "nul\0 \x01\x1b\x1f bs\b ff\f nl\n cr\r tab\t "
                "q\" bs\\ sl/ del\x7f \xc3\xa9 \xf0\x9f\x9a\x80 \xe2\x80\xa8";
        Process curl = make_curl();
        Event e = { .type = EVENT_PROCESS_EXEC, .ktime = 5123456789ULL, .process = &curl };
        json_t *s = json_string("x");

        assert_writes_as_jansson(json_pack("{s:s%}", "k", controls, sizeof(controls) - 1));
        assert_writes_as_jansson(
                json_pack("{s:{},s:[],s:[{},[]],s:n,s:b,s:b}", "o", "a", "n", "z", "t", 1, "f", 0));
        assert_writes_as_jansson(json_pack("[I,I,i,f,f,f]", (json_int_t) INT64_MIN,
                                           (json_int_t) INT64_MAX, 0, 0.5, -1e300, 3.0));
        assert_writes_as_jansson(json_pack("{s%:i}", "key\"\n\0x", (size_t) 7, 1));
        assert_writes_as_jansson(to_json(&e));
        /* Like json_dumpb() without JSON_ENCODE_ANY: only objects and arrays. */
        assert_int_equal(json_write_compact(s, NULL, 0), 0);
        json_decref(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_fields),     cmocka_unit_test(test_exit_fields),
                cmocka_unit_test(test_message_ids),     cmocka_unit_test(test_any_byte),
                cmocka_unit_test(test_optional_fields), cmocka_unit_test(test_buffer_reuse),
                cmocka_unit_test(test_json_line),       cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_ima_hash_field),  cmocka_unit_test(test_json_write),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
