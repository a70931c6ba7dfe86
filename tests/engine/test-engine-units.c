/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: unitSelector (a tetragond extension), decided in the
 * kernel by cgroup. Units are cgroups made by hand here, named as systemd names a unit's
 * (systemd need not be PID 1): the unit's own cgroup and those below it are in, others out;
 * a unit that restarts (a new cgroup of the same name) or starts after the policy loaded is
 * in as well.
 */
#include "fixture.h"
#include "unit-cgroup.h"

typedef struct UnitChild {
        char cgroup[PATH_MAX]; /* the cgroup to join first; "" stays where it is */
        char path[PATH_MAX];   /* then opens this, which the policy kills for */
} UnitChild;

/* Joins its cgroup, then opens the file: exits 0, or 10 + where it failed. */
static void child_join_and_open(const void *arg) {
        const UnitChild *c = arg;
        char path[PATH_MAX], procs[PATH_MAX + 16];
        int fd;

        if (c->cgroup[0]) {
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", c->cgroup);
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, "0", 1) != 1)
                        _exit(10);
                close(fd);
        }
        snprintf(path, sizeof(path), "%s", c->path); /* resident: see write_or_die() */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        _exit(fd < 0 ? 11 : 0);
}

static int run_in(const char *cgroup, const char *path) {
        UnitChild c = {};
        Child child;

        snprintf(c.cgroup, sizeof(c.cgroup), "%s", cgroup);
        snprintf(c.path, sizeof(c.path), "%s", path);
        child = child_spawn(child_join_and_open, &c);
        return child_run(&child);
}

typedef struct Units {
        char *root;  /* the test's cgroup, under the hierarchy's root */
        char *unit;  /* root/tetragond-test-PID.service */
        char *below; /* unit/payload: a cgroup of the unit's own */
        char *late;  /* root/tetragond-late-PID.service, made after the policy loads */
        char *other; /* root/other: in no unit */
        char *unit_name, *late_name;
} Units;

static void units_setup(Units *u) {
        _cleanup_free_ char *hierarchy = NULL;

        /* Every kernel the engine runs on has cgroup2; only its mount may be missing. */
        if (unit_cgroup_root(&hierarchy) < 0)
                fail_msg("no cgroup2 hierarchy mounted: mount -t cgroup2 none /sys/fs/cgroup");
        u->root = format("%s/tetragond-test-%d", hierarchy, (int) getpid());
        u->unit_name = format("tetragond-test-%d.service", (int) getpid());
        u->late_name = format("tetragond-late-%d.service", (int) getpid());
        u->unit = format("%s/%s", u->root, u->unit_name);
        u->below = format("%s/payload", u->unit);
        u->late = format("%s/%s", u->root, u->late_name);
        u->other = format("%s/other", u->root);
        assert_int_equal(mkdir(u->root, 0755), 0);
        assert_int_equal(mkdir(u->unit, 0755), 0);
        assert_int_equal(mkdir(u->below, 0755), 0);
        assert_int_equal(mkdir(u->other, 0755), 0);
}

/* The children have exited: the cgroups are empty and go. */
static void units_teardown(Units *u) {
        (void) rmdir(u->below);
        (void) rmdir(u->unit);
        (void) rmdir(u->late);
        (void) rmdir(u->other);
        (void) rmdir(u->root);
        free(u->root);
        free(u->unit);
        free(u->below);
        free(u->late);
        free(u->other);
        free(u->unit_name);
        free(u->late_name);
}

static void test_unit_in(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "unit-in"), *yaml = NULL;
        Units u = {};
        PolicyInstallation *i;

        units_setup(&u);
        yaml = policy_from_file("unit-scope.yaml", TEXT_VALUE("OPERATOR", "In"),
                                TEXT_VALUE("UNIT", u.unit_name),
                                TEXT_VALUE("LATE_UNIT", u.late_name), TEXT_VALUE("PATH", path));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);

        assert_killed(run_in(u.unit, path));
        assert_killed(run_in(u.below, path));
        assert_exited_ok(run_in(u.other, path));
        assert_exited_ok(run_in("", path));

        /* The unit restarts: systemd removes its cgroup and makes a new one, another id. */
        assert_int_equal(rmdir(u.below), 0);
        assert_int_equal(rmdir(u.unit), 0);
        assert_int_equal(mkdir(u.unit, 0755), 0);
        assert_killed(run_in(u.unit, path));

        /* A unit that starts after the policy loaded. */
        assert_int_equal(mkdir(u.late, 0755), 0);
        assert_killed(run_in(u.late, path));
        assert_exited_ok(run_in(u.other, path));

        uninstall(f, i);
        assert_exited_ok(run_in(u.unit, path));
        units_teardown(&u);
}

static void test_unit_not_in(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "unit-not-in"), *yaml = NULL;
        Units u = {};
        PolicyInstallation *i;

        units_setup(&u);
        yaml = policy_from_file("unit-scope.yaml", TEXT_VALUE("OPERATOR", "NotIn"),
                                TEXT_VALUE("UNIT", u.unit_name),
                                TEXT_VALUE("LATE_UNIT", u.late_name), TEXT_VALUE("PATH", path));
        i = install_ok(f, yaml, POLICY_MODE_ENFORCE);

        assert_exited_ok(run_in(u.unit, path));
        assert_exited_ok(run_in(u.below, path));
        assert_killed(run_in(u.other, path));
        assert_int_equal(mkdir(u.late, 0755), 0);
        assert_exited_ok(run_in(u.late, path));

        uninstall(f, i);
        units_teardown(&u);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_unit_in, test_setup),
                cmocka_unit_test_setup(test_unit_not_in, test_setup),
        };

        return fixture_run(argc, argv, "engine units", tests, ELEMENTSOF(tests));
}
