/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry against a fake engine that records every call: added, changed, unchanged and
 * removed files; a failed edit (invalid YAML, or refused by the engine) keeps the old version
 * installed; a new version is installed before the old one is removed; summaries count right;
 * disable and mode survive a restart.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "policy-compile.h"
#include "policy-registry.h"

/* The fake engine. */

struct PolicyInstallation {
        unsigned id;
        char name[64];
        PolicyMode mode;
};

typedef struct FakeEngine {
        char log[64][96]; /* "install 3 write-a enforce", "uninstall 1 write-a", ... */
        size_t n_log;
        unsigned next_id;
        unsigned live;      /* installations not uninstalled yet */
        char fail_name[64]; /* refuse to install this policy */
        bool fail_set_mode;
} FakeEngine;

_printf_(2, 3) static void fake_log(FakeEngine *f, const char *format, ...) {
        va_list ap;

        assert_true(f->n_log < ELEMENTSOF(f->log));
        va_start(ap, format);
        vsnprintf(f->log[f->n_log++], sizeof(f->log[0]), format, ap);
        va_end(ap);
}

static const char *mode_name(PolicyMode m) {
        return m == POLICY_MODE_MONITOR ? "monitor" : m == POLICY_MODE_ENFORCE ? "enforce" : "?";
}

static int fake_install(void *userdata, const CompiledPolicy *policy, PolicyMode mode,
                        PolicyInstallation **ret, char **ret_error) {
        FakeEngine *f = userdata;
        PolicyInstallation *i;

        assert_true(mode == POLICY_MODE_ENFORCE || mode == POLICY_MODE_MONITOR);
        if (streq(f->fail_name, policy->name)) {
                fake_log(f, "refuse %s", policy->name);
                *ret_error = strdup("hook sys_write: the fake engine says no");
                return -EOPNOTSUPP;
        }
        i = calloc(1, sizeof(*i));
        assert_non_null(i);
        i->id = ++f->next_id;
        i->mode = mode;
        snprintf(i->name, sizeof(i->name), "%s", policy->name);
        fake_log(f, "install %u %s %s", i->id, i->name, mode_name(mode));
        f->live++;
        *ret = i;
        return 0;
}

static void fake_uninstall(void *userdata, PolicyInstallation *i) {
        FakeEngine *f = userdata;

        fake_log(f, "uninstall %u %s", i->id, i->name);
        f->live--;
        free(i);
}

static int fake_set_mode(void *userdata, PolicyInstallation *i, PolicyMode mode) {
        FakeEngine *f = userdata;

        if (f->fail_set_mode)
                return -EBUSY;
        fake_log(f, "mode %u %s", i->id, mode_name(mode));
        i->mode = mode;
        return 0;
}

static int fake_get_hooks(void *userdata, PolicyInstallation *i, PolicyHookStatus **ret,
                          size_t *ret_n) {
        PolicyHookStatus *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        h->hook = strdup("kprobes[0] sys_write");
        h->mechanism = strdup("raw_tp/sys_enter");
        *ret = h;
        *ret_n = 1;
        return 0;
}

static int fake_get_counters(void *userdata, PolicyInstallation *i, PolicyCounters *ret) {
        *ret = (PolicyCounters){ .matched = 3, .actions = i->id };
        return 0;
}

/* Two hooks per installation; the second has two selectors, whose matched counts tell the
 * installation and the selector apart. */
static int fake_get_selector_counters(void *userdata, PolicyInstallation *i,
                                      PolicySelectorCounters **ret, size_t *ret_n,
                                      size_t *ret_n_hooks) {
        PolicySelectorCounters *c = calloc(2, sizeof(*c));

        assert_non_null(c);
        for (uint32_t k = 0; k < 2; k++) {
                c[k].hook = strdup("kprobes[1] sys_read");
                assert_non_null(c[k].hook);
                c[k].hook_index = 1;
                c[k].selector_index = k;
                c[k].counters = (PolicyCounters){ .matched = i->id * 10 + k, .monitored = 1 };
        }
        *ret = c;
        *ret_n = 2;
        *ret_n_hooks = 2;
        return 0;
}

/* The fixture: a folder, a state file, an engine, a registry. */

typedef struct Fixture {
        char dir[128];
        char state_file[160];
        FakeEngine engine;
        PolicyBackend backend;
        PolicyRegistry *registry;
        unsigned added, changed, removed, reloads;
} Fixture;

static void on_added(PolicyEntry *e, void *userdata) {
        ((Fixture *) userdata)->added++;
}
static void on_changed(PolicyEntry *e, void *userdata) {
        ((Fixture *) userdata)->changed++;
}
static void on_removed(PolicyEntry *e, void *userdata) {
        ((Fixture *) userdata)->removed++;
}
static void on_reload(const PolicyReloadSummary *s, void *userdata) {
        ((Fixture *) userdata)->reloads++;
}

static const PolicyRegistryCallbacks callbacks = {
        .entry_added = on_added,
        .entry_changed = on_changed,
        .entry_removed = on_removed,
        .reload_finished = on_reload,
};

static void fixture_open(Fixture *x, bool with_backend) {
        assert_int_equal(policy_registry_new(&x->registry, x->dir, x->state_file, getuid(),
                                             with_backend ? &x->backend : NULL),
                         0);
        policy_registry_set_callbacks(x->registry, &callbacks, x);
}

static int setup(void **state) {
        Fixture *x = calloc(1, sizeof(*x));

        assert_non_null(x);
        snprintf(x->dir, sizeof(x->dir), "/tmp/test-policy-registry.XXXXXX");
        assert_non_null(mkdtemp(x->dir));
        assert_int_equal(chmod(x->dir, 0755), 0);
        snprintf(x->state_file, sizeof(x->state_file), "%s.state.json", x->dir);
        x->backend = (PolicyBackend){
                .userdata = &x->engine,
                .install = fake_install,
                .uninstall = fake_uninstall,
                .set_mode = fake_set_mode,
                .get_hooks = fake_get_hooks,
                .get_counters = fake_get_counters,
                .get_selector_counters = fake_get_selector_counters,
        };
        fixture_open(x, true);
        *state = x;
        return 0;
}

static int teardown(void **state) {
        Fixture *x = *state;
        char cmd[300];

        policy_registry_free(x->registry);
        /* Stopping takes everything out of the kernel. */
        assert_int_equal(x->engine.live, 0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", x->dir, x->state_file);
        assert_int_equal(system(cmd), 0);
        free(x);
        return 0;
}

static const char *policy_yaml(const char *name, const char *extra) {
        static char buf[1024];

        snprintf(buf, sizeof(buf),
                 "apiVersion: cilium.io/v1alpha1\n"
                 "kind: TracingPolicy\n"
                 "metadata:\n"
                 "  name: %s\n"
                 "spec:\n"
                 "%s"
                 "  tracepoints:\n"
                 "  - subsystem: syscalls\n"
                 "    event: sys_enter_write\n",
                 name, strempty(extra));
        return buf;
}

static void write_policy(Fixture *x, const char *filename, const char *text, mode_t mode) {
        char path[PATH_MAX], tmp[PATH_MAX];
        FILE *f;

        /* Like an editor's atomic save. */
        snprintf(path, sizeof(path), "%s/%s", x->dir, filename);
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", x->dir, filename);
        f = fopen(tmp, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(tmp, mode), 0);
        assert_int_equal(rename(tmp, path), 0);
}

static void remove_policy_file(Fixture *x, const char *filename) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", x->dir, filename);
        assert_int_equal(unlink(path), 0);
}

static void reload(Fixture *x, PolicyReloadSummary *s) {
        policy_reload_summary_clear(s);
        assert_int_equal(policy_registry_reload(x->registry, s), 0);
}

static void assert_counts(const PolicyReloadSummary *s, size_t added, size_t changed,
                          size_t removed, size_t unchanged, size_t failed) {
        assert_int_equal(s->n_items[POLICY_RELOAD_ADDED], added);
        assert_int_equal(s->n_items[POLICY_RELOAD_CHANGED], changed);
        assert_int_equal(s->n_items[POLICY_RELOAD_REMOVED], removed);
        assert_int_equal(s->n_items[POLICY_RELOAD_UNCHANGED], unchanged);
        assert_int_equal(s->n_items[POLICY_RELOAD_FAILED], failed);
}

static PolicyEntryInfo info_of(Fixture *x, const char *name) {
        PolicyEntry *e = policy_registry_find(x->registry, name);
        PolicyEntryInfo info;

        assert_non_null(e);
        policy_entry_get_info(e, &info);
        return info;
}

static void assert_log(Fixture *x, size_t from, const char *const *expected, size_t n) {
        assert_int_equal(x->engine.n_log - from, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(x->engine.log[from + i], expected[i]);
}

static void test_add_unchanged_change_remove(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;
        size_t mark;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 1, 0, 0, 0, 0);
        assert_string_equal(s.items[POLICY_RELOAD_ADDED][0].name, "a");
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_LOADED);
        assert_true(info.installed);
        assert_null(info.error);
        assert_int_equal(info.mode, POLICY_MODE_ENFORCE);
        assert_int_equal(info.n_policy_names, 1);
        assert_string_equal(info.policy_names[0], "write-a");
        assert_string_equal(info.source, policy_yaml("write-a", NULL));
        assert_int_equal(x->engine.live, 1);
        assert_int_equal(x->added, 1);
        /* Found by its metadata name too. */
        assert_ptr_equal(policy_registry_find(x->registry, "write-a"),
                         policy_registry_find(x->registry, "a"));

        /* Same content: nothing touches the engine. */
        mark = x->engine.n_log;
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 1, 0);
        assert_int_equal(x->engine.n_log, mark);

        /* Changed: the new version is installed before the old one goes. */
        write_policy(
                x, "a.yaml",
                policy_yaml("write-a", "  options:\n  - name: policy-mode\n    value: monitor\n"),
                0644);
        mark = x->engine.n_log;
        reload(x, &s);
        assert_counts(&s, 0, 1, 0, 0, 0);
        {
                static const char *const expected[] = { "install 2 write-a monitor",
                                                        "uninstall 1 write-a" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        assert_int_equal(info_of(x, "a").mode, POLICY_MODE_MONITOR);
        assert_int_equal(x->engine.live, 1);

        /* Removed. */
        remove_policy_file(x, "a.yaml");
        mark = x->engine.n_log;
        reload(x, &s);
        assert_counts(&s, 0, 0, 1, 0, 0);
        {
                static const char *const expected[] = { "uninstall 2 write-a" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        assert_null(policy_registry_find(x->registry, "a"));
        assert_int_equal(x->engine.live, 0);
        assert_int_equal(x->removed, 1);
        assert_int_equal(x->reloads, 4);
}

static void test_failed_edit_keeps_old_version(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        char *const files[] = { (char *) "a.yaml" };
        Fixture *x = *state;
        PolicyEntryInfo info;
        char expected_prefix[PATH_MAX];
        size_t mark;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 1, 0, 0, 0, 0);

        /* Invalid YAML: reported with file:line:col, the old version stays installed. */
        write_policy(
                x, "a.yaml",
                "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: [oops\n",
                0644);
        mark = x->engine.n_log;
        policy_reload_summary_clear(&s);
        assert_int_equal(policy_registry_reload_files(x->registry, files, 1, &s), 0);
        assert_counts(&s, 0, 0, 0, 0, 1);
        assert_int_equal(x->engine.n_log, mark); /* the engine never saw it */
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_true(info.installed);
        assert_non_null(info.error);
        snprintf(expected_prefix, sizeof(expected_prefix), "%s/a.yaml:", x->dir);
        assert_true(startswith(info.error, expected_prefix));
        assert_non_null(strstr(info.error, ": error: "));
        assert_string_equal(s.items[POLICY_RELOAD_FAILED][0].error, info.error);
        assert_int_equal(x->engine.live, 1);

        /* Valid YAML the engine refuses: the old version stays too. */
        write_policy(x, "a.yaml", policy_yaml("write-a2", NULL), 0644);
        snprintf(x->engine.fail_name, sizeof(x->engine.fail_name), "write-a2");
        mark = x->engine.n_log;
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 0, 1);
        {
                static const char *const expected[] = { "refuse write-a2" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_true(info.installed);
        assert_non_null(strstr(info.error, "the fake engine says no"));
        assert_int_equal(x->engine.live, 1);

        /* Unchanged content that failed is tried again; once the engine agrees it loads. */
        x->engine.fail_name[0] = '\0';
        mark = x->engine.n_log;
        reload(x, &s);
        assert_counts(&s, 0, 1, 0, 0, 0);
        {
                static const char *const expected[] = { "install 2 write-a2 enforce",
                                                        "uninstall 1 write-a" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_LOADED);
        assert_null(info.error);
}

/* Issue 18: at the capacity a new policy is refused, but an edit of an installed one lands
 * (the engine has room for both versions while they swap). */
static void test_full_table_edit(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;
        unsigned installed, capacity;

        policy_registry_set_capacity(x->registry, 2);
        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        write_policy(x, "b.yaml", policy_yaml("write-b", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 2, 0, 0, 0, 0);
        policy_registry_usage(x->registry, &installed, &capacity);
        assert_int_equal(installed, 2);
        assert_int_equal(capacity, 2);

        write_policy(x, "c.yaml", policy_yaml("write-c", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 2, 1);
        info = info_of(x, "c");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_non_null(strstr(info.error, "the policy table is full (2 of 2 policies installed); "
                                           "remove a policy first"));

        write_policy(x, "a.yaml", policy_yaml("write-a2", NULL), 0644);
        reload(x, &s);
        assert_int_equal(s.n_items[POLICY_RELOAD_CHANGED], 1);
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_LOADED);
        assert_string_equal(info.policy_names[0], "write-a2");
        policy_registry_usage(x->registry, &installed, &capacity);
        assert_int_equal(installed, 2);
}

/* Issue 18: errors about a file others may not read quote none of its words. */
static void test_private_file_errors_quote_nothing(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;

        write_policy(x, "open.yaml", policy_yaml("open", "  SECRETKEY: 1\n"), 0644);
        write_policy(x, "closed.yaml", policy_yaml("closed", "  SECRETKEY: 1\n"), 0600);
        reload(x, &s);
        info = info_of(x, "open");
        assert_non_null(strstr(info.error, "unknown key \"SECRETKEY\" in spec"));
        info = info_of(x, "closed");
        assert_non_null(strstr(info.error, "unknown key \"\xe2\x80\xa6\" in spec"));
        assert_null(strstr(info.error, "SECRETKEY"));
}

static void test_new_invalid_file(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;

        write_policy(x, "bad.yaml", "kind: TracingPolicy\nspec: {\n", 0644);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 0, 1);
        assert_string_equal(s.items[POLICY_RELOAD_FAILED][0].name, "bad");
        info = info_of(x, "bad");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_false(info.installed);
        assert_non_null(strstr(info.error, "bad.yaml:"));
        assert_int_equal(x->engine.n_log, 0);
}

static void test_refused_file(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);

        /* Made writable by others: refused with the reason; what is in force stays. */
        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0646);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 0, 1);
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_true(info.installed);
        assert_non_null(strstr(info.error, "a.yaml is writable by others (mode 0646)"));
        assert_int_equal(x->engine.live, 1);

        /* Fixed: loaded again. */
        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 1, 0, 0, 0);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_LOADED);

        /* The folder itself writable by group: nothing read from it is trusted. */
        assert_int_equal(chmod(x->dir, 0775), 0);
        write_policy(x, "b.yaml", policy_yaml("write-b", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 0, 1);
        assert_null(policy_registry_find(x->registry, "b"));
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_true(info.installed);
        assert_non_null(strstr(info.error, "writable by group"));
        assert_int_equal(chmod(x->dir, 0755), 0);
        reload(x, &s);
        assert_counts(&s, 1, 1, 0, 0, 0);
        assert_int_equal(x->engine.live, 2);
}

static void test_summary_mixed(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;

        write_policy(x, "10-keep.yaml", policy_yaml("keep", NULL), 0644);
        write_policy(x, "20-change.yaml", policy_yaml("change", NULL), 0644);
        write_policy(x, "30-drop.yml", policy_yaml("drop", NULL), 0644);
        write_policy(x, "README.md", "not a policy", 0644);
        write_policy(x, "10-keep.yaml~", "editor backup", 0644);
        reload(x, &s);
        assert_counts(&s, 3, 0, 0, 0, 0);
        /* Handled in lexical order. */
        assert_string_equal(s.items[POLICY_RELOAD_ADDED][0].name, "10-keep");
        assert_string_equal(s.items[POLICY_RELOAD_ADDED][1].name, "20-change");
        assert_string_equal(s.items[POLICY_RELOAD_ADDED][2].name, "30-drop");

        write_policy(x, "20-change.yaml", policy_yaml("change", "  options: []\n"), 0644);
        remove_policy_file(x, "30-drop.yml");
        write_policy(x, "40-new.yaml", policy_yaml("new", NULL), 0644);
        write_policy(x, "50-bad.yaml", "}", 0644);
        /* Policy names are unique across the folder. */
        write_policy(x, "60-dup.yaml", policy_yaml("keep", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 1, 1, 1, 1, 2);
        assert_string_equal(s.items[POLICY_RELOAD_ADDED][0].name, "40-new");
        assert_string_equal(s.items[POLICY_RELOAD_CHANGED][0].name, "20-change");
        assert_string_equal(s.items[POLICY_RELOAD_REMOVED][0].name, "30-drop");
        assert_string_equal(s.items[POLICY_RELOAD_UNCHANGED][0].name, "10-keep");
        assert_string_equal(s.items[POLICY_RELOAD_FAILED][0].name, "50-bad");
        assert_string_equal(s.items[POLICY_RELOAD_FAILED][1].name, "60-dup");
        assert_non_null(strstr(s.items[POLICY_RELOAD_FAILED][1].error,
                               "policy name \"keep\" is already used by"));
        assert_int_equal(x->engine.live, 3);
        {
                size_t n;
                PolicyEntry *const *all = policy_registry_entries(x->registry, &n);
                unsigned counts[_POLICY_STATE_MAX];

                assert_int_equal(n, 5);
                assert_string_equal(policy_entry_name(all[0]), "10-keep");
                assert_string_equal(policy_entry_name(all[4]), "60-dup");
                policy_registry_count(x->registry, counts);
                assert_int_equal(counts[POLICY_STATE_LOADED], 3);
                assert_int_equal(counts[POLICY_STATE_FAILED], 2);
                assert_int_equal(counts[POLICY_STATE_DISABLED], 0);
        }
}

static void test_no_engine(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyEntryInfo info;

        policy_registry_free(x->registry);
        fixture_open(x, false);
        assert_false(policy_registry_has_backend(x->registry));
        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 0, 1);
        info = info_of(x, "a");
        assert_int_equal(info.state, POLICY_STATE_FAILED);
        assert_false(info.installed);
        assert_non_null(strstr(info.error, POLICY_BACKEND_MISSING_ERROR));
}

static void test_disable_enable_mode_persist(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        char *error = NULL;
        size_t mark;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        write_policy(x, "b.yaml", policy_yaml("write-b", NULL), 0644);
        reload(x, &s);
        assert_int_equal(x->engine.live, 2);

        assert_int_equal(
                policy_registry_disable(x->registry, policy_registry_find(x->registry, "a")), 0);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_DISABLED);
        assert_false(info_of(x, "a").installed);
        assert_int_equal(x->engine.live, 1);

        mark = x->engine.n_log;
        assert_int_equal(policy_registry_set_mode(x->registry,
                                                  policy_registry_find(x->registry, "b"),
                                                  POLICY_MODE_MONITOR, &error),
                         0);
        {
                static const char *const expected[] = { "mode 2 monitor" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        assert_true(info_of(x, "b").mode_overridden);
        assert_int_equal(info_of(x, "b").mode, POLICY_MODE_MONITOR);

        /* A failing switch leaves the mode as it was. */
        x->engine.fail_set_mode = true;
        assert_int_equal(policy_registry_set_mode(x->registry,
                                                  policy_registry_find(x->registry, "b"),
                                                  POLICY_MODE_ENFORCE, &error),
                         -EIO);
        assert_non_null(error);
        free(error);
        x->engine.fail_set_mode = false;
        assert_int_equal(info_of(x, "b").mode, POLICY_MODE_MONITOR);

        /* A restart: a stays off, b comes back in monitor mode. */
        policy_registry_free(x->registry);
        assert_int_equal(x->engine.live, 0);
        fixture_open(x, true);
        mark = x->engine.n_log;
        reload(x, &s);
        {
                static const char *const expected[] = { "install 3 write-b monitor" };
                assert_log(x, mark, expected, ELEMENTSOF(expected));
        }
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_DISABLED);
        assert_int_equal(info_of(x, "b").mode, POLICY_MODE_MONITOR);

        /* A disabled policy's file may change; it is still checked, and not installed. */
        write_policy(x, "a.yaml", policy_yaml("write-a", "  options: []\n"), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 1, 0, 1, 0);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_DISABLED);
        assert_int_equal(x->engine.live, 1);

        assert_int_equal(
                policy_registry_enable(x->registry, policy_registry_find(x->registry, "a"), &error),
                0);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_LOADED);
        assert_int_equal(x->engine.live, 2);

        /* Enabling something the engine refuses says why. */
        assert_int_equal(
                policy_registry_disable(x->registry, policy_registry_find(x->registry, "a")), 0);
        snprintf(x->engine.fail_name, sizeof(x->engine.fail_name), "write-a");
        assert_int_equal(
                policy_registry_enable(x->registry, policy_registry_find(x->registry, "a"), &error),
                -EIO);
        assert_non_null(strstr(error, "the fake engine says no"));
        free(error);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_FAILED);

        /* Removing a file forgets what was chosen for it. */
        x->engine.fail_name[0] = '\0';
        remove_policy_file(x, "b.yaml");
        reload(x, &s);
        write_policy(x, "b.yaml", policy_yaml("write-b", NULL), 0644);
        reload(x, &s);
        assert_false(info_of(x, "b").mode_overridden);
        assert_int_equal(info_of(x, "b").mode, POLICY_MODE_ENFORCE);
}

static void test_add_and_remove_commands(void **state) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        Fixture *x = *state;
        PolicyEntry *e = NULL;
        char path[PATH_MAX];
        struct stat st;

        assert_int_equal(policy_registry_add(x->registry, "added", policy_yaml("added-p", NULL),
                                             strlen(policy_yaml("added-p", NULL)), false, &diags,
                                             &e),
                         0);
        assert_non_null(e);
        assert_int_equal(info_of(x, "added").state, POLICY_STATE_LOADED);
        snprintf(path, sizeof(path), "%s/added.yaml", x->dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(st.st_uid, getuid());

        /* Taken. */
        assert_int_equal(policy_registry_add(x->registry, "added", policy_yaml("added-p", NULL),
                                             strlen(policy_yaml("added-p", NULL)), false, &diags,
                                             &e),
                         -EEXIST);
        /* Invalid: refused with diagnostics, nothing written. */
        assert_int_equal(
                policy_registry_add(x->registry, "invalid", "kind: [", 7, false, &diags, &e),
                -EINVAL);
        assert_true(diagnostic_list_has_errors(&diags));
        snprintf(path, sizeof(path), "%s/invalid.yaml", x->dir);
        assert_int_equal(access(path, F_OK), -1);
        /* Not a name that can be a file. */
        assert_int_equal(policy_registry_add(x->registry, "../x", "", 0, false, &diags, &e),
                         -EINVAL);

        /* Replace: a new version, installed before the old one goes. */
        assert_int_equal(policy_registry_add(x->registry, "added",
                                             policy_yaml("added-p", "  options: []\n"),
                                             strlen(policy_yaml("added-p", "  options: []\n")),
                                             true, &diags, &e),
                         0);
        assert_string_equal(x->engine.log[x->engine.n_log - 2], "install 2 added-p enforce");
        assert_string_equal(x->engine.log[x->engine.n_log - 1], "uninstall 1 added-p");

        assert_int_equal(
                policy_registry_remove(x->registry, policy_registry_find(x->registry, "added")), 0);
        snprintf(path, sizeof(path), "%s/added.yaml", x->dir);
        assert_int_equal(access(path, F_OK), -1);
        assert_null(policy_registry_find(x->registry, "added"));
        assert_int_equal(x->engine.live, 0);
}

/* Lockdown: what is in force cannot go or weaken, by command or by the folder; adding and
 * enabling still work, and a file put back as it was is loaded again. */
static void test_locked(void **state) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        _cleanup_free_ char *why = NULL;
        Fixture *x = *state;
        PolicyEntry *a, *e = NULL;
        size_t mark;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        write_policy(x, "off.yaml", policy_yaml("write-off", NULL), 0644);
        reload(x, &s);
        assert_int_equal(
                policy_registry_disable(x->registry, policy_registry_find(x->registry, "off")), 0);
        policy_registry_set_locked(x->registry, true);
        assert_true(policy_registry_is_locked(x->registry));
        a = policy_registry_find(x->registry, "a");
        mark = x->engine.n_log;

        assert_int_equal(policy_registry_remove(x->registry, a), -EPERM);
        assert_int_equal(policy_registry_disable(x->registry, a), -EPERM);
        assert_int_equal(policy_registry_set_mode(x->registry, a, POLICY_MODE_MONITOR, &why),
                         -EPERM);
        /* Enforcing is no weakening. */
        assert_int_equal(policy_registry_set_mode(x->registry, a, POLICY_MODE_ENFORCE, &why), 0);
        mark = x->engine.n_log;
        assert_int_equal(policy_registry_add(x->registry, "a", policy_yaml("write-a", NULL),
                                             strlen(policy_yaml("write-a", NULL)), true, &diags,
                                             &e),
                         -EPERM);
        assert_int_equal(x->engine.n_log, mark);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_LOADED);

        /* The folder: an edit and a deletion keep the running version, FAILED with why. */
        write_policy(x, "a.yaml", policy_yaml("write-a2", NULL), 0644);
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 1, 1); /* off: disabled, unchanged */
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_FAILED);
        assert_string_equal(info_of(x, "a").error,
                            "its file changed, but the policies are locked down until reboot");
        assert_true(info_of(x, "a").installed);
        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_int_equal(info_of(x, "a").state, POLICY_STATE_LOADED);
        remove_policy_file(x, "a.yaml");
        reload(x, &s);
        assert_counts(&s, 0, 0, 0, 1, 1); /* off: disabled, unchanged */
        assert_true(info_of(x, "a").installed);
        assert_string_equal(info_of(x, "a").error,
                            "its file is gone, but the policies are locked down until reboot");
        assert_int_equal(x->engine.n_log, mark);

        /* Adding and enabling strengthen: allowed. */
        assert_int_equal(policy_registry_add(x->registry, "b", policy_yaml("write-b", NULL),
                                             strlen(policy_yaml("write-b", NULL)), false, &diags,
                                             &e),
                         0);
        assert_int_equal(
                policy_registry_enable(x->registry, policy_registry_find(x->registry, "off"), &why),
                0);
        assert_int_equal(x->engine.live, 3);
}

static void test_hooks_and_counters(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        Fixture *x = *state;
        PolicyHookStatus *hooks = NULL;
        PolicyCounters c;
        size_t n;

        write_policy(x, "a.yaml", policy_yaml("write-a", NULL), 0644);
        reload(x, &s);
        assert_int_equal(policy_entry_get_hooks(policy_registry_find(x->registry, "a"), &hooks, &n),
                         0);
        assert_int_equal(n, 1);
        assert_string_equal(hooks[0].mechanism, "raw_tp/sys_enter");
        policy_hook_status_free_many(hooks, n);
        assert_int_equal(policy_entry_get_counters(policy_registry_find(x->registry, "a"), &c), 0);
        assert_int_equal(c.matched, 3);
}

/* A file of two documents: the second installation's hooks come after the first's. */
static void test_selector_counters(void **state) {
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary s = {};
        _cleanup_free_ char *one = NULL, *text = NULL;
        Fixture *x = *state;
        PolicySelectorCounters *sel = NULL;
        uint32_t first_id;
        size_t n;

        one = strdup(policy_yaml("doc-one", NULL));
        assert_non_null(one);
        assert_true(asprintf(&text, "%s---\n%s", one, policy_yaml("doc-two", NULL)) > 0);
        write_policy(x, "two.yaml", text, 0644);
        reload(x, &s);
        assert_int_equal(info_of(x, "two").state, POLICY_STATE_LOADED);
        assert_int_equal(policy_entry_get_selector_counters(
                                 policy_registry_find(x->registry, "two"), &sel, &n),
                         0);
        assert_int_equal(n, 4);
        first_id = sel[0].counters.matched / 10;
        for (size_t k = 0; k < n; k++) {
                assert_string_equal(sel[k].hook, "kprobes[1] sys_read");
                assert_int_equal(sel[k].hook_index, k < 2 ? 1 : 3);
                assert_int_equal(sel[k].selector_index, k % 2);
                assert_int_equal(sel[k].counters.matched, (first_id + k / 2) * 10 + k % 2);
                assert_int_equal(sel[k].counters.monitored, 1);
        }
        policy_selector_counters_free_many(sel, n);

        /* Nothing installed: nothing to count. */
        write_policy(x, "bad.yaml", "kind: [", 0644);
        reload(x, &s);
        assert_int_equal(policy_entry_get_selector_counters(
                                 policy_registry_find(x->registry, "bad"), &sel, &n),
                         0);
        assert_int_equal(n, 0);
        assert_null(sel);
}

static void test_validate(void **state) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        const char *good = policy_yaml("v", NULL);

        assert_int_equal(policy_registry_validate("x.yaml", good, strlen(good), &diags), 0);
        assert_false(diagnostic_list_has_errors(&diags));
        assert_int_equal(policy_registry_validate("x.yaml", "kind: [", 7, &diags), -EINVAL);
        assert_true(diagnostic_list_has_errors(&diags));
        assert_string_equal(diags.items[0].file, "x.yaml");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_add_unchanged_change_remove, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_edit_keeps_old_version, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_full_table_edit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_private_file_errors_quote_nothing, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_new_invalid_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_summary_mixed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_engine, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disable_enable_mode_persist, setup, teardown),
                cmocka_unit_test_setup_teardown(test_add_and_remove_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hooks_and_counters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_selector_counters, setup, teardown),
                cmocka_unit_test(test_validate),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
