/* SPDX-License-Identifier: Apache-2.0 */
/* The policy folder on a temporary directory: which files count, in which order, which are
 * refused and why, and what the inotify watch reports. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "policy-dir.h"

static char tmp[128]; /* the folder under test, fresh for each test */

static int setup(void **state) {
        snprintf(tmp, sizeof(tmp), "/tmp/test-policy-dir.XXXXXX");
        assert_non_null(mkdtemp(tmp));
        assert_int_equal(chmod(tmp, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *content, mode_t mode) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmp, name);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static void test_filename_filter(void **state) {
        static const char *const yes[] = { "a.yaml", "a.yml", "sys_write-kill.v2.yaml",
                                           "A.YAML.yaml" };
        static const char *const no[] = {
                ".a.yaml",
                ".a.yaml.swp",
                "a.yaml~",
                ".#a.yaml",
                "#a.yaml#",
                "a.yaml.dpkg-new",
                "a.dpkg-old.yaml",
                "a.yaml.rpmsave",
                "a.json",
                ".yaml",
                "yaml",
                "a.yaml.bak",
                "a.yaml.swp",
                "",
                "a.YAML",
        };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                assert_true(policy_filename_is_policy(yes[i]));
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                if (policy_filename_is_policy(no[i]))
                        fail_msg("\"%s\" must not count as a policy file", no[i]);
        }
        assert_false(policy_filename_is_policy(NULL));
}

static void test_names(void **state) {
        char *name = NULL;

        assert_int_equal(policy_name_from_filename("sys_write.yaml", &name), 0);
        assert_string_equal(name, "sys_write");
        free(name);
        assert_int_equal(policy_name_from_filename("b.v2.yml", &name), 0);
        assert_string_equal(name, "b.v2");
        free(name);
        assert_int_equal(policy_name_from_filename("b.txt", &name), -EINVAL);
}

static void test_list_order_and_filter(void **state) {
        _cleanup_(policy_filenames_freep) char **names = NULL;
        static const char *const expected[] = { "10-b.yaml", "2-a.yml", "B.yaml", "a.yaml" };
        size_t n;

        write_file("a.yaml", "x", 0644);
        write_file("B.yaml", "x", 0644);
        write_file("2-a.yml", "x", 0644);
        write_file("10-b.yaml", "x", 0644);
        write_file("a.yaml~", "x", 0644);
        write_file(".a.yaml.swp", "x", 0644);
        write_file(".hidden.yaml", "x", 0644);
        write_file("c.yaml.dpkg-dist", "x", 0644);
        write_file("README", "x", 0644);

        assert_int_equal(policy_dir_list(tmp, &names, &n), 0);
        assert_int_equal(n, ELEMENTSOF(expected));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(names[i], expected[i]);
        assert_null(names[n]);
}

static void test_list_missing(void **state) {
        char **names = NULL;
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/nope", tmp);
        assert_int_equal(policy_dir_list(path, &names, NULL), -ENOENT);
        assert_null(names);
}

static void test_folder_check(void **state) {
        char *reason = NULL;

        assert_int_equal(policy_dir_check_folder(tmp, getuid(), &reason), 0);
        assert_null(reason);

        assert_int_equal(chmod(tmp, 0775), 0);
        assert_int_equal(policy_dir_check_folder(tmp, getuid(), &reason), -EPERM);
        assert_non_null(strstr(reason, "writable by group (mode 0775)"));
        free(reason);

        assert_int_equal(chmod(tmp, 01777), 0);
        assert_int_equal(policy_dir_check_folder(tmp, getuid(), &reason), -EPERM);
        assert_non_null(strstr(reason, "writable by group and others (mode 1777)"));
        free(reason);

        assert_int_equal(chmod(tmp, 0755), 0);
        assert_int_equal(policy_dir_check_folder(tmp, getuid() + 1, &reason), -EPERM);
        assert_non_null(strstr(reason, "is owned by"));
        free(reason);
}

static void test_read_ok(void **state) {
        char *text = NULL, *reason = NULL;
        size_t size;

        write_file("a.yaml", "kind: TracingPolicy\n", 0644);
        assert_int_equal(policy_dir_read(tmp, "a.yaml", getuid(), &text, &size, &reason), 0);
        assert_string_equal(text, "kind: TracingPolicy\n");
        assert_int_equal(size, strlen("kind: TracingPolicy\n"));
        assert_null(reason);
        free(text);

        write_file("ro.yaml", "x", 0400);
        assert_int_equal(policy_dir_read(tmp, "ro.yaml", getuid(), &text, &size, &reason), 0);
        free(text);
}

static void test_read_refusals(void **state) {
        char *text = NULL, *reason = NULL, path[PATH_MAX];
        size_t size;

        write_file("group.yaml", "x", 0664);
        assert_int_equal(policy_dir_read(tmp, "group.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "group.yaml is writable by group (mode 0664)"));
        assert_non_null(strstr(reason, "must be owned by"));
        free(reason);

        write_file("others.yaml", "x", 0646);
        assert_int_equal(policy_dir_read(tmp, "others.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "writable by others (mode 0646)"));
        free(reason);

        write_file("owner.yaml", "x", 0644);
        assert_int_equal(policy_dir_read(tmp, "owner.yaml", getuid() + 1, &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "is owned by"));
        free(reason);

        snprintf(path, sizeof(path), "%s/dir.yaml", tmp);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(policy_dir_read(tmp, "dir.yaml", getuid(), &text, &size, &reason),
                         -EISDIR);
        assert_non_null(strstr(reason, "not a regular file"));
        free(reason);

        /* A FIFO must be refused, not block the reader. */
        snprintf(path, sizeof(path), "%s/fifo.yaml", tmp);
        assert_int_equal(mkfifo(path, 0644), 0);
        assert_int_equal(policy_dir_read(tmp, "fifo.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "not a regular file"));
        free(reason);

        assert_int_equal(policy_dir_read(tmp, "gone.yaml", getuid(), &text, &size, &reason),
                         -ENOENT);
        assert_null(reason);
}

static void test_read_too_big(void **state) {
        char *text = NULL, *reason = NULL, path[PATH_MAX];
        size_t size;
        int fd;

        snprintf(path, sizeof(path), "%s/big.yaml", tmp);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, POLICY_FILE_MAX_SIZE + 1), 0);
        close(fd);
        assert_int_equal(policy_dir_read(tmp, "big.yaml", getuid(), &text, &size, &reason), -EFBIG);
        assert_non_null(strstr(reason, "larger than"));
        free(reason);
}

static void test_symlinks(void **state) {
        char *text = NULL, *reason = NULL, path[PATH_MAX], target[PATH_MAX];
        size_t size;

        /* To a trusted file in a trusted folder: followed. */
        snprintf(target, sizeof(target), "%s/store", tmp);
        assert_int_equal(mkdir(target, 0755), 0);
        write_file("store/real.yaml", "real\n", 0644);
        snprintf(target, sizeof(target), "%s/store/real.yaml", tmp);
        snprintf(path, sizeof(path), "%s/link.yaml", tmp);
        assert_int_equal(symlink(target, path), 0);
        assert_int_equal(policy_dir_read(tmp, "link.yaml", getuid(), &text, &size, &reason), 0);
        assert_string_equal(text, "real\n");
        free(text);

        /* To a file others may write: refused. */
        write_file("store/open.yaml", "x", 0666);
        snprintf(target, sizeof(target), "%s/store/open.yaml", tmp);
        snprintf(path, sizeof(path), "%s/link-open.yaml", tmp);
        assert_int_equal(symlink(target, path), 0);
        assert_int_equal(policy_dir_read(tmp, "link-open.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "symlink target of"));
        free(reason);

        /* To a trusted file in a folder others may write (they could replace it): refused. */
        snprintf(target, sizeof(target), "%s/drop", tmp);
        assert_int_equal(mkdir(target, 0755), 0);
        assert_int_equal(chmod(target, 01777), 0);
        write_file("drop/t.yaml", "x", 0644);
        snprintf(target, sizeof(target), "%s/drop/t.yaml", tmp);
        snprintf(path, sizeof(path), "%s/link-drop.yaml", tmp);
        assert_int_equal(symlink(target, path), 0);
        assert_int_equal(policy_dir_read(tmp, "link-drop.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "symlink into an untrusted folder"));
        assert_non_null(strstr(reason, "writable by group and others"));
        free(reason);

        /* Dangling: refused (not read as a removal). */
        snprintf(path, sizeof(path), "%s/dangling.yaml", tmp);
        assert_int_equal(symlink("/nonexistent/x.yaml", path), 0);
        assert_int_equal(policy_dir_read(tmp, "dangling.yaml", getuid(), &text, &size, &reason),
                         -EPERM);
        assert_non_null(strstr(reason, "symlink to nowhere"));
        free(reason);
}

static void test_real_ownership(void **state) {
        char *text = NULL, *reason = NULL, path[PATH_MAX];
        size_t size;

        if (getuid() != 0)
                skip();
        write_file("nobody.yaml", "x", 0644);
        snprintf(path, sizeof(path), "%s/nobody.yaml", tmp);
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(policy_dir_read(tmp, "nobody.yaml", 0, &text, &size, &reason), -EPERM);
        assert_non_null(strstr(reason, "is owned by uid 65534, not root"));
        free(reason);
}

/* The watch, driven by a real event loop. */

typedef struct Seen {
        unsigned calls;
        bool rescan;
        char names[16][NAME_MAX + 1];
        size_t n_names;
} Seen;

static void on_changed(char *const *filenames, size_t n, void *userdata) {
        Seen *seen = userdata;

        seen->calls++;
        if (!filenames) {
                seen->rescan = true;
                return;
        }
        for (size_t i = 0; i < n && seen->n_names < ELEMENTSOF(seen->names); i++)
                snprintf(seen->names[seen->n_names++], NAME_MAX + 1, "%s", filenames[i]);
}

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* Run the loop until the callback was called, for at most timeout_usec. */
static void run_until_called(sd_event *e, Seen *seen, uint64_t timeout_usec) {
        uint64_t deadline = mono_usec() + timeout_usec;
        unsigned before = seen->calls;

        while (seen->calls == before && mono_usec() < deadline)
                assert_true(sd_event_run(e, 50 * 1000) >= 0);
}

static bool seen_has(const Seen *seen, const char *name) {
        for (size_t i = 0; i < seen->n_names; i++)
                if (streq(seen->names[i], name))
                        return true;
        return false;
}

static void test_watch(void **state) {
        _cleanup_(policy_dir_watch_freep) PolicyDirWatch *w = NULL;
        sd_event *e = NULL;
        Seen seen = {};
        char from[PATH_MAX], to[PATH_MAX];
        uint64_t start;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(policy_dir_watch_new(&w, e, tmp, on_changed, &seen), 0);
        assert_true(policy_dir_watch_is_watching(w));

        /* A new file, written and closed: reported once, after the debounce. */
        start = mono_usec();
        write_file("new.yaml", "a", 0644);
        run_until_called(e, &seen, 3000000);
        assert_int_equal(seen.calls, 1);
        assert_int_equal(seen.n_names, 1);
        assert_string_equal(seen.names[0], "new.yaml");
        assert_true(mono_usec() - start >= POLICY_DIR_DEBOUNCE_USEC);

        /* Editor leftovers: nothing. An editor's atomic save: the target name. */
        seen = (Seen){};
        write_file(".new.yaml.swp", "x", 0644);
        write_file("new.yaml~", "x", 0644);
        write_file(".new.yaml.tmp123", "b", 0644);
        snprintf(from, sizeof(from), "%s/.new.yaml.tmp123", tmp);
        snprintf(to, sizeof(to), "%s/new.yaml", tmp);
        assert_int_equal(rename(from, to), 0);
        run_until_called(e, &seen, 3000000);
        assert_int_equal(seen.calls, 1);
        assert_int_equal(seen.n_names, 1);
        assert_string_equal(seen.names[0], "new.yaml");

        /* Mode change and deletion. */
        seen = (Seen){};
        assert_int_equal(chmod(to, 0666), 0);
        run_until_called(e, &seen, 3000000);
        assert_true(seen_has(&seen, "new.yaml"));
        seen = (Seen){};
        assert_int_equal(unlink(to), 0);
        run_until_called(e, &seen, 3000000);
        assert_true(seen_has(&seen, "new.yaml"));

        /* A burst of changes to several files: one batch. */
        seen = (Seen){};
        write_file("b1.yaml", "1", 0644);
        write_file("b2.yml", "2", 0644);
        write_file("b1.yaml", "11", 0644);
        run_until_called(e, &seen, 3000000);
        assert_int_equal(seen.calls, 1);
        assert_int_equal(seen.n_names, 2);
        assert_true(seen_has(&seen, "b1.yaml"));
        assert_true(seen_has(&seen, "b2.yml"));

        /* The folder replaced by another one: re-read all, and keep watching the new one. */
        seen = (Seen){};
        snprintf(from, sizeof(from), "%s.new", tmp);
        assert_int_equal(mkdir(from, 0755), 0);
        snprintf(to, sizeof(to), "%s.old", tmp);
        assert_int_equal(rename(tmp, to), 0);
        assert_int_equal(rename(from, tmp), 0);
        run_until_called(e, &seen, 3000000);
        assert_true(seen.rescan);
        assert_true(policy_dir_watch_is_watching(w));
        {
                char cmd[PATH_MAX + 16];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", to);
                assert_int_equal(system(cmd), 0);
        }
        seen = (Seen){};
        write_file("after.yaml", "x", 0644);
        run_until_called(e, &seen, 3000000);
        assert_true(seen_has(&seen, "after.yaml"));

        /* Removed, then created again. */
        seen = (Seen){};
        assert_int_equal(teardown(NULL), 0);
        run_until_called(e, &seen, 3000000);
        assert_true(seen.rescan);
        assert_false(policy_dir_watch_is_watching(w));
        seen = (Seen){};
        assert_int_equal(mkdir(tmp, 0755), 0);
        run_until_called(e, &seen, 3000000);
        assert_true(seen.rescan);
        assert_true(policy_dir_watch_is_watching(w));

        w = policy_dir_watch_free(w);
        sd_event_unref(e);
}

/* A file held open for writing is reported when it is closed, not before. */
static void test_watch_waits_for_close(void **state) {
        _cleanup_(policy_dir_watch_freep) PolicyDirWatch *w = NULL;
        sd_event *e = NULL;
        Seen seen = {};
        char path[PATH_MAX];
        uint64_t until;
        int fd;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(policy_dir_watch_new(&w, e, tmp, on_changed, &seen), 0);

        snprintf(path, sizeof(path), "%s/slow.yaml", tmp);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "half", 4), 4);
        /* Well past the debounce, still open: nothing yet. */
        until = mono_usec() + 3 * POLICY_DIR_DEBOUNCE_USEC;
        while (mono_usec() < until)
                assert_true(sd_event_run(e, 20 * 1000) >= 0);
        assert_int_equal(seen.calls, 0);

        assert_int_equal(write(fd, " done", 5), 5);
        assert_int_equal(close(fd), 0);
        run_until_called(e, &seen, 3000000);
        assert_int_equal(seen.calls, 1);
        assert_string_equal(seen.names[0], "slow.yaml");

        w = policy_dir_watch_free(w);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_filename_filter),
                cmocka_unit_test(test_names),
                cmocka_unit_test_setup_teardown(test_list_order_and_filter, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_folder_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_ok, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_too_big, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_real_ownership, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_waits_for_close, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
