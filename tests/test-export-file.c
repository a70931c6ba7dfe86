/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "export-file.h"
#include "macro.h"

/* cmocka needs the headers above first */
#include <cmocka.h>

typedef struct Dir {
        char path[64];
        char file[96];
} Dir;

static int dir_setup(void **state) {
        Dir *d = calloc(1, sizeof(*d));

        if (!d)
                return -1;
        snprintf(d->path, sizeof(d->path), "/tmp/test-export-file.XXXXXX");
        if (!mkdtemp(d->path)) {
                free(d);
                return -1;
        }
        snprintf(d->file, sizeof(d->file), "%s/events.json", d->path);
        *state = d;
        return 0;
}

static int dir_teardown(void **state) {
        Dir *d = *state;
        char p[128];

        unlink(d->file);
        for (unsigned i = 1; i <= 9; i++) {
                snprintf(p, sizeof(p), "%s.%u", d->file, i);
                unlink(p);
        }
        rmdir(d->path);
        free(d);
        return 0;
}

static char *read_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf;
        size_t n;

        if (!f)
                return NULL;
        buf = calloc(1, 65536);
        assert_non_null(buf);
        n = fread(buf, 1, 65535, f);
        buf[n] = '\0';
        return buf;
}

static char *read_backup(const Dir *d, unsigned n) {
        char p[128];

        snprintf(p, sizeof(p), "%s.%u", d->file, n);
        return read_file(p);
}

static void assert_file(const char *path, const char *want) {
        _cleanup_free_ char *got = read_file(path);

        if (!want) {
                assert_null(got);
                return;
        }
        assert_non_null(got);
        assert_string_equal(got, want);
}

static void assert_backup(const Dir *d, unsigned n, const char *want) {
        char p[128];

        snprintf(p, sizeof(p), "%s.%u", d->file, n);
        assert_file(p, want);
}

static mode_t file_mode(const char *path) {
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_mode & 07777;
}

/* {"n":N}: 8 bytes with its newline for N < 10. */
static void write_n(ExportFile *f, int n) {
        json_t *j = json_pack("{s:i}", "n", n);

        assert_non_null(j);
        assert_int_equal(export_file_write(f, j), 0);
        json_decref(j);
}

static void test_lines(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;
        json_t *j;

        assert_int_equal(export_file_new(&f, d->file, 0, 3), 0);
        assert_int_equal(file_mode(d->file), 0600);

        j = json_pack("{s:{s:s,s:s}}", "process_exec", "binary", "/usr/bin/curl", "arguments",
                      "a\nb \"c\"");
        assert_non_null(j);
        assert_int_equal(export_file_write(f, j), 0);
        json_decref(j);
        write_n(f, 2);

        /* One object per line: a newline inside a value stays escaped. */
        assert_file(d->file, "{\"process_exec\":{\"binary\":\"/usr/bin/curl\","
                             "\"arguments\":\"a\\nb \\\"c\\\"\"}}\n{\"n\":2}\n");
}

/* Lines the manager hands over are gathered until a flush, then written whole and in order;
 * a rotation writes what was gathered into the file it belonged to first. */
static void test_batch(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;

        assert_int_equal(export_file_new(&f, d->file, 24, 1), 0);
        assert_int_equal(export_file_write_line(f, "{\"n\":1}\n", 8), 0);
        assert_int_equal(export_file_write_line(f, "{\"n\":2}\n", 8), 0);
        assert_file(d->file, "");
        assert_int_equal(export_file_flush(f), 0);
        assert_file(d->file, "{\"n\":1}\n{\"n\":2}\n");
        assert_int_equal(export_file_write_line(f, "{\"n\":3}\n", 8), 0);
        /* 32 bytes would pass the 24-byte limit: 1 to 3 go to the backup first. */
        assert_int_equal(export_file_write_line(f, "{\"n\":4}\n", 8), 0);
        assert_backup(d, 1, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
        assert_file(d->file, "");
        assert_int_equal(export_file_write_line(f, "no newline", 10), -EINVAL);
        f = export_file_free(f); /* flushes */
        assert_file(d->file, "{\"n\":4}\n");
}

static void test_appends_and_fixes_mode(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;
        _cleanup_close_ int fd = -EBADF;

        fd = open(d->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(fchmod(fd, 0644), 0); /* past the umask */
        assert_int_equal(write(fd, "{\"old\":1}\n", 10), 10);
        assert_int_equal(file_mode(d->file), 0644);

        assert_int_equal(export_file_new(&f, d->file, 0, 3), 0);
        assert_int_equal(file_mode(d->file), 0600);
        write_n(f, 1);
        assert_file(d->file, "{\"old\":1}\n{\"n\":1}\n");
}

static void test_rotation(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;

        /* 20 bytes: two 8-byte lines fit, a third would pass the limit. */
        assert_int_equal(export_file_new(&f, d->file, 20, 2), 0);
        for (int n = 1; n <= 9; n++)
                write_n(f, n);

        /* Newest in PATH, then PATH.1, PATH.2; lines 1 to 4 went with the oldest. */
        assert_file(d->file, "{\"n\":9}\n");
        assert_backup(d, 1, "{\"n\":7}\n{\"n\":8}\n");
        assert_backup(d, 2, "{\"n\":5}\n{\"n\":6}\n");
        assert_backup(d, 3, NULL);
        assert_int_equal(file_mode(d->file), 0600);
}

static void test_rotation_exact_fit(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;
        _cleanup_free_ char *b1 = NULL;

        /* A line that ends exactly at the limit still goes in. */
        assert_int_equal(export_file_new(&f, d->file, 16, 1), 0);
        write_n(f, 1);
        write_n(f, 2);
        assert_file(d->file, "{\"n\":1}\n{\"n\":2}\n");
        write_n(f, 3);
        assert_file(d->file, "{\"n\":3}\n");
        b1 = read_backup(d, 1);
        assert_non_null(b1);
        assert_string_equal(b1, "{\"n\":1}\n{\"n\":2}\n");
}

static void test_no_backups_truncates(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;

        assert_int_equal(export_file_new(&f, d->file, 20, 0), 0);
        for (int n = 1; n <= 5; n++)
                write_n(f, n);
        assert_file(d->file, "{\"n\":5}\n");
        assert_backup(d, 1, NULL);
}

static void test_no_limit(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;

        assert_int_equal(export_file_new(&f, d->file, 0, 0), 0);
        for (int n = 1; n <= 5; n++)
                write_n(f, n);
        assert_file(d->file, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n");
        assert_backup(d, 1, NULL);
}

static void test_line_longer_than_limit(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;
        _cleanup_free_ char *big = NULL, *want = NULL, *got = NULL;
        json_t *j;

        /* Longer than the limit and than the first line buffer: whole, in a fresh file. */
        big = malloc(5000);
        assert_non_null(big);
        memset(big, 'x', 4999);
        big[4999] = '\0';
        assert_int_equal(export_file_new(&f, d->file, 100, 1), 0);
        write_n(f, 1);
        j = json_pack("{s:s}", "big", big);
        assert_non_null(j);
        assert_int_equal(export_file_write(f, j), 0);
        json_decref(j);

        assert_true(asprintf(&want, "{\"big\":\"%s\"}\n", big) > 0);
        got = read_file(d->file);
        assert_non_null(got);
        assert_string_equal(got, want);
        assert_backup(d, 1, "{\"n\":1}\n");
}

static void test_truncated_behind_our_back(void **state) {
        Dir *d = *state;
        _cleanup_(export_file_freep) ExportFile *f = NULL;

        /* logrotate's copytruncate: the file shrinks, nothing needs rotating. */
        assert_int_equal(export_file_new(&f, d->file, 20, 1), 0);
        write_n(f, 1);
        write_n(f, 2);
        assert_int_equal(truncate(d->file, 0), 0);
        write_n(f, 3);
        assert_file(d->file, "{\"n\":3}\n");
        assert_backup(d, 1, NULL);
}

static void test_errors(void **state) {
        ExportFile *f = NULL;

        assert_int_equal(export_file_new(&f, "/nonexistent-dir/x/events.json", 0, 0), -ENOENT);
        assert_null(f);
        assert_int_equal(export_file_new(&f, "", 0, 0), -EINVAL);
        assert_null(export_file_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_lines, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_batch, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_appends_and_fixes_mode, dir_setup,
                                                dir_teardown),
                cmocka_unit_test_setup_teardown(test_rotation, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_rotation_exact_fit, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_no_backups_truncates, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_no_limit, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_line_longer_than_limit, dir_setup,
                                                dir_teardown),
                cmocka_unit_test_setup_teardown(test_truncated_behind_our_back, dir_setup,
                                                dir_teardown),
                cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
