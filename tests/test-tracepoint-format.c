/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tracepoint format parser on literal copies of this kernel's format files
 * (6.18), on broken input, and on tracefs itself when it is mounted.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracepoint-format.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

#define COMMON_FIELDS                                                                              \
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                     \
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                     \
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"             \
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"

static const char sys_enter_text[] =
        "name: sys_enter\n"
        "ID: 443\n"
        "format:\n" COMMON_FIELDS "\n"
        "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
        "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
        "\n"
        "print fmt: \"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], "
        "REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->args[5]\n";

static const char sched_process_exec_text[] =
        "name: sched_process_exec\n"
        "ID: 365\n"
        "format:\n" COMMON_FIELDS "\n"
        "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
        "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
        "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
        "\n"
        "print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, "
        "REC->old_pid\n";

static const char sys_enter_openat_text[] =
        "name: sys_enter_openat\n"
        "ID: 782\n"
        "format:\n" COMMON_FIELDS "\n"
        "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
        "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
        "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
        "\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
        "\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
        "\n"
        "print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", "
        "((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), "
        "((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))\n";

static void assert_field(const TracepointField *f, const char *type, const char *name,
                         uint32_t offset, uint32_t size, bool is_signed, TracepointFieldKind kind) {
        assert_string_equal(f->type, type);
        assert_string_equal(f->name, name);
        assert_int_equal(f->offset, offset);
        assert_int_equal(f->size, size);
        assert_int_equal(f->is_signed, is_signed);
        assert_int_equal(f->kind, kind);
}

static void assert_common_fields(const TracepointFormat *f) {
        assert_true(f->n_fields >= 4);
        assert_field(&f->fields[0], "unsigned short", "common_type", 0, 2, false,
                     TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[1], "unsigned char", "common_flags", 2, 1, false,
                     TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[2], "unsigned char", "common_preempt_count", 3, 1, false,
                     TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[3], "int", "common_pid", 4, 4, true, TRACEPOINT_FIELD_INTEGER);
}

static void assert_sys_enter(const TracepointFormat *f) {
        assert_int_equal(f->n_fields, 6);
        assert_common_fields(f);
        assert_field(&f->fields[4], "long", "id", 8, 8, true, TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[5], "unsigned long[6]", "args", 16, 48, false,
                     TRACEPOINT_FIELD_ARRAY);
}

static void test_sys_enter(void **state) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;

        (void) state;
        assert_int_equal(tracepoint_format_parse(sys_enter_text, &f), 0);
        assert_sys_enter(f);
}

static void test_sched_process_exec(void **state) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;

        (void) state;
        assert_int_equal(tracepoint_format_parse(sched_process_exec_text, &f), 0);
        assert_int_equal(f->n_fields, 7);
        assert_common_fields(f);
        assert_field(&f->fields[4], "__data_loc char[]", "filename", 8, 4, false,
                     TRACEPOINT_FIELD_DATA_LOC);
        assert_field(&f->fields[5], "pid_t", "pid", 12, 4, true, TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[6], "pid_t", "old_pid", 16, 4, true, TRACEPOINT_FIELD_INTEGER);
}

static void test_sys_enter_openat(void **state) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;

        (void) state;
        assert_int_equal(tracepoint_format_parse(sys_enter_openat_text, &f), 0);
        assert_int_equal(f->n_fields, 9);
        assert_common_fields(f);
        assert_field(&f->fields[4], "int", "__syscall_nr", 8, 4, true, TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[5], "int", "dfd", 16, 8, false, TRACEPOINT_FIELD_INTEGER);
        assert_field(&f->fields[6], "const char *", "filename", 24, 8, false,
                     TRACEPOINT_FIELD_POINTER);
        assert_field(&f->fields[8], "umode_t", "mode", 40, 8, false, TRACEPOINT_FIELD_INTEGER);
}

/* Shapes seen elsewhere in this kernel's tracefs: flexible arrays, a multi-line print fmt. */
static void test_other_shapes(void **state) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;
        static const char text[] = "name: x\nID: 1\nformat:\n" COMMON_FIELDS
                                   "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
                                   "\tfield:u32 buf[];\toffset:24;\tsize:0;\tsigned:0;\n"
                                   "\tfield:void *ptr;\toffset:24;\tsize:8;\tsigned:0;\n"
                                   "\n"
                                   "print fmt: \"%s\n"
                                   "this is not a field line\", REC->comm\n";

        (void) state;
        assert_int_equal(tracepoint_format_parse(text, &f), 0);
        assert_int_equal(f->n_fields, 7);
        assert_field(&f->fields[4], "char[16]", "comm", 8, 16, false, TRACEPOINT_FIELD_ARRAY);
        assert_field(&f->fields[5], "u32[]", "buf", 24, 0, false, TRACEPOINT_FIELD_ARRAY);
        assert_field(&f->fields[6], "void *", "ptr", 24, 8, false, TRACEPOINT_FIELD_POINTER);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "name: x\nID: 1\nformat:\n\nprint fmt: \"\"\n",
                "format:\n\tgarbage\n",
                "format:\n\tfield:int x;\toffset:a;\tsize:4;\tsigned:1;\n",
                "format:\n\tfield:int x;\toffset:4;\tsigned:1;\n",
                "format:\n\tfield:int x;\tsize:4;\tsigned:1;\n",
                "format:\n\tfield:int x;\toffset:4;\tsize:4;\tsigned:2;\n",
                "format:\n\tfield:int x;\toffset:4;\tsize:99999999999;\tsigned:0;\n",
                "format:\n\tfield:int x\toffset:4;\tsize:4;\tsigned:0;\n",
                "format:\n\tfield:int x;\toffset:4;\tsize:4;\tsigned:0\n",
                "format:\n\tfield:x;\toffset:4;\tsize:4;\tsigned:0;\n",
                "format:\n\tfield:;\toffset:4;\tsize:4;\tsigned:0;\n",
                "format:\n\tfield:int x];\toffset:4;\tsize:4;\tsigned:0;\n",
                "format:\n\tfield:int [4];\toffset:4;\tsize:4;\tsigned:0;\n",
                "format:\n\tfield:__rel_loc char[] s;\toffset:8;\tsize:4;\tsigned:0;\n",
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                TracepointFormat *f = NULL;

                int r = tracepoint_format_parse(bad[i], &f);
                if (r != -EBADMSG)
                        print_message("malformed #%zu was not refused\n", i);
                assert_int_equal(r, -EBADMSG);
                assert_null(f);
        }
}

static bool have_tracefs(void) {
        return access("/sys/kernel/tracing/events", F_OK) == 0 ||
               access("/sys/kernel/debug/tracing/events", F_OK) == 0;
}

static void test_read(void **state) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;
        TracepointFormat *none = NULL;

        (void) state;
        assert_int_equal(tracepoint_format_read("raw_syscalls", "no_such_event_here", &none),
                         -ENOENT);
        assert_int_equal(tracepoint_format_read("no_such_subsystem", "x", &none), -ENOENT);
        assert_int_equal(tracepoint_format_read("../x", "sys_enter", &none), -EINVAL);
        assert_int_equal(tracepoint_format_read("raw_syscalls", "../x", &none), -EINVAL);
        assert_int_equal(tracepoint_format_read("..", "x", &none), -EINVAL);
        assert_int_equal(tracepoint_format_read("raw_syscalls", ".", &none), -EINVAL);
        assert_int_equal(tracepoint_format_read("", "sys_enter", &none), -EINVAL);
        assert_null(none);

        if (!have_tracefs()) {
                print_message("SKIP: tracefs is not mounted, raw_syscalls/sys_enter not read\n");
                return;
        }
        int r = tracepoint_format_read("raw_syscalls", "sys_enter", &f);
        if (r == -EACCES || r == -EPERM) {
                print_message("SKIP: tracefs is not readable here: %s\n", strerror(-r));
                return;
        }
        assert_int_equal(r, 0);
        assert_sys_enter(f);
}

/* Every format file this kernel has must parse: the parser meets no surprise at run time. */
static void test_read_all(void **state) {
        _cleanup_(closedirp) DIR *events = opendir("/sys/kernel/tracing/events");
        size_t n_parsed = 0;

        (void) state;
        if (!events ||
            access("/sys/kernel/tracing/events/raw_syscalls/sys_enter/format", R_OK) < 0) {
                print_message("SKIP: /sys/kernel/tracing/events is not readable\n");
                return;
        }

        for (struct dirent *s; (s = readdir(events));) {
                char path[512];

                if (s->d_type != DT_DIR || s->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", s->d_name);
                _cleanup_(closedirp) DIR *subsystem = opendir(path);
                if (!subsystem)
                        continue;
                for (struct dirent *e; (e = readdir(subsystem));) {
                        _cleanup_(tracepoint_format_freep) TracepointFormat *f = NULL;

                        if (e->d_type != DT_DIR || e->d_name[0] == '.')
                                continue;
                        int r = tracepoint_format_read(s->d_name, e->d_name, &f);
                        if (r != 0)
                                print_message("%s/%s: %s\n", s->d_name, e->d_name, strerror(-r));
                        assert_int_equal(r, 0);
                        assert_string_equal(f->fields[0].name, "common_type");
                        n_parsed++;
                }
        }
        print_message("parsed %zu format files\n", n_parsed);
        assert_true(n_parsed > 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sys_enter),        cmocka_unit_test(test_sched_process_exec),
                cmocka_unit_test(test_sys_enter_openat), cmocka_unit_test(test_other_shapes),
                cmocka_unit_test(test_malformed),        cmocka_unit_test(test_read),
                cmocka_unit_test(test_read_all),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
