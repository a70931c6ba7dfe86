/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: Uprobes and USDTs on this binary: events, Sigkill, several
 * symbols, offsets and addresses, string arguments, and the refusals of what the binary lacks.
 */
#include "fixture.h"

/* ---- Uprobes ---- */

static char *uprobe_policy(Fixture *f, const char *action) {
        return policy_from_file("uprobe.yaml", TEXT_VALUE("BINARY", f->self_exe),
                                TEXT_VALUE("ACTION", action));
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
        yaml = policy_from_file("uprobe-two.yaml", TEXT_VALUE("BINARY", f->self_exe));
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
        yaml = policy_from_file("uprobe-offset.yaml", TEXT_VALUE("BINARY", f->self_exe),
                                TEXT_VALUE("OFFSET", offset), TEXT_VALUE("ADDRESS", address));
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
        yaml = policy_from_file("uprobe-missing.yaml", TEXT_VALUE("BINARY", f->self_exe));
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
        return policy_from_file("usdt.yaml", TEXT_VALUE("BINARY", f->self_exe),
                                TEXT_VALUE("ACTION", action));
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
        yaml = policy_from_file("usdt-string.yaml", TEXT_VALUE("BINARY", f->self_exe));
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
        yaml = policy_from_file("usdt-missing.yaml", TEXT_VALUE("BINARY", f->self_exe));
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

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_uprobe, test_setup),
                cmocka_unit_test_setup(test_uprobe_sigkill, test_setup),
                cmocka_unit_test_setup(test_uprobe_two_symbols, test_setup),
                cmocka_unit_test_setup(test_uprobe_offset_and_address, test_setup),
                cmocka_unit_test_setup(test_uprobe_missing_symbol, test_setup),
                cmocka_unit_test_setup(test_usdt, test_setup),
                cmocka_unit_test_setup(test_usdt_sigkill, test_setup),
                cmocka_unit_test_setup(test_usdt_string_filter, test_setup),
                cmocka_unit_test_setup(test_usdt_missing, test_setup),
        };

        return fixture_run(argc, argv, "engine uprobes", tests, ELEMENTSOF(tests));
}
