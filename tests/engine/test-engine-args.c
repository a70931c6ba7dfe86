/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: matchArgs operators, one matching and one non-matching case
 * each: fd paths, char_buf, integers (signed too), strings, substrings, InMap; sockaddr
 * arguments (the event's fields, sendto's fifth argument, an unreadable address, the address
 * and port operators).
 */
#include "fixture.h"

/* ---- Operators and selectors: one matching and one non-matching case each ---- */

/* Install the write policy with these filters for a child writing "x" to path; whether
 * the child's write was posted. */

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

/* A char_buf without sizeArgIndex or returnCopy: the event has it, with no bytes (as Tetragon
 * reads it), and the arguments after it as usual. */
static void test_char_buf_without_size(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "no-size"), *yaml = NULL;
        PolicyInstallation *i;
        Child child;
        json_t *e, *args;

        child = child_spawn(child_write_path, path);
        yaml = policy_from_file("write-no-size.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        args = json_object_get(e, "args");
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(args, 1), "bytes_arg")), "");
        assert_string_equal(json_string_value(json_object_get(json_array_get(args, 2), "size_arg")),
                            "1");
        uninstall(f, i);
}

/* Writes arg's first byte's worth of 'A's ("12000" bytes, say) in one write(2): from memory
 * already touched, which the engine can read at entry. */
static char max_data_buf[20000];

static void child_write_big(const void *arg) {
        size_t n = strtoul(arg, NULL, 10);
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

        memset(max_data_buf, 'A', sizeof(max_data_buf));
        if (fd < 0 || n > sizeof(max_data_buf) || write(fd, max_data_buf, n) != (ssize_t) n)
                _exit(4);
}

/* The base64 of n 'A's: "QUFB" per 3, then the rest padded. */
static bool is_base64_of_as(const char *s, size_t n) {
        if (!s || strlen(s) != (n + 2) / 3 * 4)
                return false;
        for (size_t k = 0; k < n / 3 * 4; k++)
                if (s[k] != "QUFB"[k % 4])
                        return false;
        return true;
}

/* maxData: a write of 12000 bytes is in the event whole (not the 4096 of other buffers);
 * one of 20000 is cut at 16384, with its size. */
static void test_char_buf_max_data(void **state) {
        Fixture *f = *state;
        PolicyInstallation *i;
        Child child;
        json_t *e, *buf;

        child = child_spawn(child_write_big, "12000");
        _cleanup_free_ char *yaml =
                policy_from_file("write-max-data.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        buf = json_array_get(json_object_get(e, "args"), 1);
        assert_true(is_base64_of_as(json_string_value(json_object_get(buf, "bytes_arg")), 12000));
        uninstall(f, i);

        events_clear(f);
        child = child_spawn(child_write_big, "20000");
        _cleanup_free_ char *yaml2 =
                policy_from_file("write-max-data.yaml", NUMBER_VALUE("PID", (int) child.pid));
        i = install_ok(f, yaml2, POLICY_MODE_ENFORCE);
        assert_exited_ok(child_run(&child));
        e = event_wait(f, child.pid);
        assert_non_null(e);
        buf = json_object_get(json_array_get(json_object_get(e, "args"), 1), "truncated_bytes_arg");
        assert_non_null(buf);
        assert_true(is_base64_of_as(json_string_value(json_object_get(buf, "bytes_arg")), 16384));
        assert_string_equal(json_string_value(json_object_get(buf, "orig_size")), "20000");
        uninstall(f, i);
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
        yaml = policy_from_file("close-test.yaml", NUMBER_VALUE("PID", (int) child.pid),
                                TEXT_VALUE("OPERATOR", op), TEXT_VALUE("VALUE", value));
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
        yaml = policy_from_file("openat-test.yaml", NUMBER_VALUE("PID", (int) child.pid),
                                TEXT_VALUE("OPERATOR", op), TEXT_VALUE("VALUE", value));
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

/* ---- sockaddr ---- */

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
        yaml = policy_from_file("connect-test.yaml", NUMBER_VALUE("PID", (int) child.pid),
                                TEXT_VALUE("FILTERS", filters));
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
        yaml = policy_from_file("sendto-test.yaml", NUMBER_VALUE("PID", (int) child.pid));
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

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_fd_path_operators, test_setup),
                cmocka_unit_test_setup(test_fd_path_across_mount, test_setup),
                cmocka_unit_test_setup(test_char_buf_operators, test_setup),
                cmocka_unit_test_setup(test_char_buf_without_size, test_setup),
                cmocka_unit_test_setup(test_char_buf_max_data, test_setup),
                cmocka_unit_test_setup(test_int_operators, test_setup),
                cmocka_unit_test_setup(test_signed_int, test_setup),
                cmocka_unit_test_setup(test_string_operators, test_setup),
                cmocka_unit_test_setup(test_substring_operators, test_setup),
                cmocka_unit_test_setup(test_in_map, test_setup),
                cmocka_unit_test_setup(test_sockaddr_event, test_setup),
                cmocka_unit_test_setup(test_sockaddr_operators, test_setup),
                cmocka_unit_test_setup(test_sockaddr_unreadable, test_setup),
                cmocka_unit_test_setup(test_sockaddr_sendto, test_setup),
        };

        return fixture_run(argc, argv, "engine args", tests, ELEMENTSOF(tests));
}
