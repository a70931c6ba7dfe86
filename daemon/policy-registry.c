/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "policy-check.h"
#include "policy-compile.h"
#include "policy-dir.h"
#include "policy-registry.h"

#define STATE_FILE_VERSION 1

/* One version of a file that was parsed, compiled and (maybe) installed: everything of it
 * lives and goes together. */
typedef struct Version {
        char *source;
        size_t source_size;
        PolicyFile *file;
        CompiledPolicy **compiled;          /* one per document */
        PolicyInstallation **installations; /* one per document once installed */
        size_t n;
        bool installed;
} Version;

struct PolicyEntry {
        PolicyRegistry *registry;
        char *name;
        char *filename;
        char *path;
        char *source; /* the file as last read */
        size_t source_size;
        bool source_public;  /* others may read the file: messages may quote its words */
        Version *installed;  /* in force, or NULL */
        char **policy_names; /* of the last version parsed */
        size_t n_policy_names;
        PolicyMode file_mode; /* what the file's first document asks for */

        PolicyState state;
        char *error;
        bool disabled;        /* persisted */
        bool mode_overridden; /* persisted */
        PolicyMode mode_override;
};

struct PolicyRegistry {
        char *dir;
        char *state_file;
        uid_t owner;
        unsigned capacity; /* installed documents at most */
        PolicyBackend backend;
        bool has_backend;

        PolicyEntry **entries; /* sorted by name */
        size_t n_entries;

        /* Persisted choices, by policy name, also for entries not loaded yet. */
        json_t *saved;

        PolicyRegistryCallbacks callbacks;
        void *userdata;

        bool locked; /* lockdown: what is in force may not go or weaken */
};

static const char *const state_names[_POLICY_STATE_MAX] = {
        [POLICY_STATE_LOADED] = "loaded",
        [POLICY_STATE_DISABLED] = "disabled",
        [POLICY_STATE_FAILED] = "failed",
};

const char *policy_state_to_string(PolicyState s) {
        return s >= 0 && s < _POLICY_STATE_MAX ? state_names[s] : NULL;
}

const char *policy_mode_to_string(PolicyMode m) {
        switch (m) {
        case POLICY_MODE_DEFAULT:
        case POLICY_MODE_ENFORCE:
                return "enforce";
        case POLICY_MODE_MONITOR:
                return "monitor";
        }
        return NULL;
}

int policy_mode_from_string(const char *s) {
        if (streq_ptr(s, "enforce"))
                return POLICY_MODE_ENFORCE;
        if (streq_ptr(s, "monitor"))
                return POLICY_MODE_MONITOR;
        return -EINVAL;
}

static const char *const outcome_names[_POLICY_RELOAD_OUTCOME_MAX] = {
        [POLICY_RELOAD_ADDED] = "added",     [POLICY_RELOAD_CHANGED] = "changed",
        [POLICY_RELOAD_REMOVED] = "removed", [POLICY_RELOAD_UNCHANGED] = "unchanged",
        [POLICY_RELOAD_FAILED] = "failed",
};

const char *policy_reload_outcome_to_string(PolicyReloadOutcome o) {
        return o >= 0 && o < _POLICY_RELOAD_OUTCOME_MAX ? outcome_names[o] : NULL;
}

void policy_reload_summary_clear(PolicyReloadSummary *s) {
        if (!s)
                return;
        for (size_t o = 0; o < _POLICY_RELOAD_OUTCOME_MAX; o++) {
                for (size_t i = 0; i < s->n_items[o]; i++) {
                        free(s->items[o][i].name);
                        free(s->items[o][i].error);
                }
                free(s->items[o]);
        }
        *s = (PolicyReloadSummary){};
}

static int summary_add(PolicyReloadSummary *s, PolicyReloadOutcome o, const char *name,
                       const char *error) {
        PolicyReloadItem *items, item = {};

        if (!s)
                return 0;
        item.name = strdup(name);
        item.error = error ? strdup(error) : NULL;
        items = reallocarray(s->items[o], s->n_items[o] + 1, sizeof(PolicyReloadItem));
        if (!item.name || (error && !item.error) || !items) {
                free(item.name);
                free(item.error);
                if (items)
                        s->items[o] = items;
                return -ENOMEM;
        }
        s->items[o] = items;
        s->items[o][s->n_items[o]++] = item;
        return 0;
}

/* Journal lines about one policy carry its name and file as fields, so
 * `journalctl TETRAGON_POLICY=NAME` shows its whole history. */
_printf_(5, 6) static void log_policy(int level, const char *message_id, const char *name,
                                      const char *path, const char *format, ...) {
        _cleanup_free_ char *message = NULL, *f_name = NULL, *f_path = NULL;
        const char *fields[3] = {};
        size_t n = 0;
        va_list ap;
        int r;

        if (level > log_get_max_level())
                return;
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return;

        /* asprintf() leaves its pointer undefined on failure: reset it. */
        if (name && asprintf(&f_name, "TETRAGON_POLICY=%s", name) < 0)
                f_name = NULL;
        if (asprintf(&f_path, "TETRAGON_POLICY_FILE=%s", strempty(path)) < 0)
                f_path = NULL;
        if (f_name)
                fields[n++] = f_name;
        if (f_path)
                fields[n++] = f_path;
        log_message_id_fields(level, message_id, fields, "%s", message);
}

/* Versions. */

static Version *version_free(Version *v, const PolicyBackend *backend) {
        if (!v)
                return NULL;
        for (size_t i = 0; i < v->n; i++) {
                if (v->installations && v->installations[i] && backend->uninstall)
                        backend->uninstall(backend->userdata, v->installations[i]);
                if (v->compiled)
                        compiled_policy_free(v->compiled[i]);
        }
        free(v->installations);
        free(v->compiled);
        policy_file_free(v->file);
        free(v->source);
        return mfree(v);
}

/* The policy's error text: its errors as policy_check_format_errors() shows them, quoting the
 * file's words only when quote is true. */
static int diagnostics_to_error(const DiagnosticList *diags, bool quote, char **ret) {
        char *text;
        int r;

        r = policy_check_format_errors(diags, POLICY_REGISTRY_ERROR_MAX_DIAGNOSTICS, quote, &text);
        if (r < 0)
                return r;
        if (!text) {
                text = strdup("invalid policy");
                if (!text)
                        return -ENOMEM;
        }
        *ret = text;
        return 0;
}

/* Parse and compile every document; errors as diagnostics. */
static int version_build(const char *path, const char *text, size_t size, DiagnosticList *diags,
                         Version **ret) {
        _cleanup_free_ Version *v = NULL;
        size_t errors_before = diags->n_errors; /* diags may hold older messages */
        int r;

        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;

        r = policy_parse_buffer(path, text, size, diags, &v->file);
        if (r < 0)
                return r;
        if (diags->n_errors > errors_before || !v->file) {
                policy_file_free(v->file);
                return -EINVAL;
        }
        if (v->file->n_policies == 0) {
                r = diagnostic_list_add(diags, DIAGNOSTIC_ERROR, path, 0, 0, NULL,
                                        "the file holds no policy");
                policy_file_free(v->file);
                return r < 0 ? r : -EINVAL;
        }

        v->n = v->file->n_policies;
        v->compiled = calloc(v->n, sizeof(CompiledPolicy *));
        v->installations = calloc(v->n, sizeof(PolicyInstallation *));
        v->source = malloc(size + 1);
        if (!v->compiled || !v->installations || !v->source)
                r = -ENOMEM;
        else {
                memcpy(v->source, text, size);
                v->source[size] = '\0';
                v->source_size = size;
        }
        for (size_t i = 0; r >= 0 && i < v->n; i++)
                r = policy_compile(&v->file->policies[i], diags, &v->compiled[i]);
        /* A policy the compiler refuses (-E2BIG, ...) said why in diags: invalid, like a
         * parse error. */
        if (r != -ENOMEM && diags->n_errors > errors_before)
                r = -EINVAL;
        if (r < 0) {
                static const PolicyBackend none = {};

                version_free(TAKE_PTR(v), &none);
                return r;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/* Entries. */

static PolicyMode entry_mode_for(PolicyEntry *e, const Policy *p) {
        if (e->mode_overridden)
                return e->mode_override;
        return p->mode == POLICY_MODE_MONITOR ? POLICY_MODE_MONITOR : POLICY_MODE_ENFORCE;
}

static PolicyMode entry_mode(PolicyEntry *e) {
        if (e->mode_overridden)
                return e->mode_override;
        return e->file_mode == POLICY_MODE_MONITOR ? POLICY_MODE_MONITOR : POLICY_MODE_ENFORCE;
}

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

static PolicyEntry *entry_free(PolicyEntry *e) {
        if (!e)
                return NULL;
        version_free(e->installed, &e->registry->backend);
        strv_free_n(e->policy_names, e->n_policy_names);
        free(e->name);
        free(e->filename);
        free(e->path);
        free(e->source);
        free(e->error);
        return mfree(e);
}

const char *policy_entry_name(PolicyEntry *e) {
        return e->name;
}

void policy_entry_get_info(PolicyEntry *e, PolicyEntryInfo *ret) {
        *ret = (PolicyEntryInfo){
                .name = e->name,
                .filename = e->filename,
                .path = e->path,
                .source = e->source,
                .state = e->state,
                .mode = entry_mode(e),
                .mode_overridden = e->mode_overridden,
                .installed = e->installed != NULL,
                .error = e->error,
                .policy_names = e->policy_names,
                .n_policy_names = e->n_policy_names,
        };
}

void policy_hook_status_free_many(PolicyHookStatus *hooks, size_t n) {
        for (size_t i = 0; hooks && i < n; i++) {
                free(hooks[i].hook);
                free(hooks[i].mechanism);
        }
        free(hooks);
}

/* Moves n items of size bytes to the end of *all (n_all of them), and frees the array
 * they were in: what they point to now belongs to *all. On failure nothing moved. */
static int append_moved(void **all, size_t *n_all, void *items, size_t n, size_t size) {
        uint8_t *grown;

        if (n > 0) {
                grown = reallocarray(*all, *n_all + n, size);
                if (!grown)
                        return -ENOMEM;
                memcpy(grown + *n_all * size, items, n * size);
                *all = grown;
                *n_all += n;
        }
        free(items);
        return 0;
}

int policy_entry_get_hooks(PolicyEntry *e, PolicyHookStatus **ret, size_t *ret_n) {
        const PolicyBackend *b = &e->registry->backend;
        PolicyHookStatus *all = NULL;
        size_t n_all = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!e->installed || !b->get_hooks)
                return 0;
        for (size_t i = 0; i < e->installed->n; i++) {
                PolicyHookStatus *hooks = NULL;
                size_t n = 0;
                int r;

                r = b->get_hooks(b->userdata, e->installed->installations[i], &hooks, &n);
                if (r < 0) {
                        policy_hook_status_free_many(all, n_all);
                        return r;
                }
                r = append_moved((void **) &all, &n_all, hooks, n, sizeof(*hooks));
                if (r < 0) {
                        policy_hook_status_free_many(hooks, n);
                        policy_hook_status_free_many(all, n_all);
                        return r;
                }
        }
        *ret = all;
        *ret_n = n_all;
        return 0;
}

void policy_unit_status_free_many(PolicyUnitStatus *units, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(units[i].unit);
                free(units[i].cgroup);
        }
        free(units);
}

int policy_entry_get_units(PolicyEntry *e, PolicyUnitStatus **ret, size_t *ret_n) {
        const PolicyBackend *b = &e->registry->backend;
        PolicyUnitStatus *all = NULL;
        size_t n_all = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!e->installed || !b->get_units)
                return 0;
        for (size_t i = 0; i < e->installed->n; i++) {
                PolicyUnitStatus *units = NULL;
                size_t n = 0;
                int r;

                r = b->get_units(b->userdata, e->installed->installations[i], &units, &n);
                if (r >= 0)
                        r = append_moved((void **) &all, &n_all, units, n, sizeof(*units));
                if (r < 0) {
                        policy_unit_status_free_many(units, n);
                        policy_unit_status_free_many(all, n_all);
                        return r;
                }
        }
        *ret = all;
        *ret_n = n_all;
        return 0;
}

int policy_entry_get_counters(PolicyEntry *e, PolicyCounters *ret) {
        const PolicyBackend *b = &e->registry->backend;

        *ret = (PolicyCounters){};
        if (!e->installed || !b->get_counters)
                return 0;
        for (size_t i = 0; i < e->installed->n; i++) {
                PolicyCounters c = {};
                int r;

                r = b->get_counters(b->userdata, e->installed->installations[i], &c);
                if (r < 0)
                        return r;
                ret->matched += c.matched;
                ret->posted += c.posted;
                ret->actions += c.actions;
                ret->rate_limited += c.rate_limited;
                ret->lost += c.lost;
                ret->monitored += c.monitored;
        }
        return 0;
}

int policy_entry_get_kernel_memory(PolicyEntry *e, uint64_t *ret_bytes) {
        const PolicyBackend *b = &e->registry->backend;

        *ret_bytes = 0;
        if (!e->installed || !b->get_kernel_memory)
                return 0;
        for (size_t i = 0; i < e->installed->n; i++) {
                uint64_t bytes = 0;
                int r;

                r = b->get_kernel_memory(b->userdata, e->installed->installations[i], &bytes);
                if (r < 0)
                        return r;
                *ret_bytes += bytes;
        }
        return 0;
}

void policy_selector_counters_free_many(PolicySelectorCounters *selectors, size_t n) {
        for (size_t i = 0; selectors && i < n; i++)
                free(selectors[i].hook);
        free(selectors);
}

int policy_entry_get_selector_counters(PolicyEntry *e, PolicySelectorCounters **ret,
                                       size_t *ret_n) {
        const PolicyBackend *b = &e->registry->backend;
        PolicySelectorCounters *all = NULL;
        size_t n_all = 0, hooks_before = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!e->installed || !b->get_selector_counters)
                return 0;
        for (size_t i = 0; i < e->installed->n; i++) {
                PolicySelectorCounters *selectors = NULL;
                size_t n = 0, n_hooks = 0;
                int r;

                r = b->get_selector_counters(b->userdata, e->installed->installations[i],
                                             &selectors, &n, &n_hooks);
                if (r < 0) {
                        policy_selector_counters_free_many(all, n_all);
                        return r;
                }
                /* Positions as in policy_entry_get_hooks(): the documents' hooks in a row. */
                for (size_t k = 0; k < n; k++)
                        selectors[k].hook_index += hooks_before;
                hooks_before += n_hooks;
                r = append_moved((void **) &all, &n_all, selectors, n, sizeof(*selectors));
                if (r < 0) {
                        policy_selector_counters_free_many(selectors, n);
                        policy_selector_counters_free_many(all, n_all);
                        return r;
                }
        }
        *ret = all;
        *ret_n = n_all;
        return 0;
}

static void notify_changed(PolicyRegistry *r, PolicyEntry *e) {
        if (r->callbacks.entry_changed)
                r->callbacks.entry_changed(e, r->userdata);
}

static int entry_set_error(PolicyEntry *e, const char *error) {
        char *copy = NULL;

        if (error) {
                copy = strdup(error);
                if (!copy)
                        return -ENOMEM;
        }
        free(e->error);
        e->error = copy;
        return 0;
}

static int entry_set_names(PolicyEntry *e, const PolicyFile *file) {
        char **names;

        names = calloc(file->n_policies + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < file->n_policies; i++) {
                names[i] = strdup(strempty(file->policies[i].name));
                if (!names[i]) {
                        strv_free_n(names, i);
                        return -ENOMEM;
                }
        }
        strv_free_n(e->policy_names, e->n_policy_names);
        e->policy_names = names;
        e->n_policy_names = file->n_policies;
        e->file_mode = file->n_policies > 0 ? file->policies[0].mode : POLICY_MODE_DEFAULT;
        return 0;
}

static int entry_set_source(PolicyEntry *e, const char *text, size_t size) {
        char *copy = NULL;

        if (text) {
                copy = malloc(size + 1);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, text, size);
                copy[size] = '\0';
        }
        free(e->source);
        e->source = copy;
        e->source_size = size;
        return 0;
}

static int registry_find_index(PolicyRegistry *r, const char *name, size_t *ret_index) {
        size_t lo = 0, hi = r->n_entries;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(r->entries[mid]->name, name);

                if (c == 0) {
                        *ret_index = mid;
                        return 1;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_index = lo;
        return 0;
}

static void registry_apply_saved(PolicyRegistry *r, PolicyEntry *e) {
        json_t *saved = json_object_get(r->saved, e->name);
        json_t *enabled = json_object_get(saved, "enabled");
        int mode = policy_mode_from_string(json_string_value(json_object_get(saved, "mode")));

        e->disabled = json_is_false(enabled);
        e->mode_overridden = mode >= 0;
        if (mode >= 0)
                e->mode_override = mode;
}

static int registry_new_entry(PolicyRegistry *r, const char *name, const char *filename,
                              PolicyEntry **ret) {
        _cleanup_free_ PolicyEntry *e = NULL;
        PolicyEntry **grown;
        size_t index;

        if (registry_find_index(r, name, &index))
                return -EEXIST;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->registry = r;
        e->state = POLICY_STATE_FAILED;
        e->name = strdup(name);
        e->filename = strdup(filename);
        if (!e->name || !e->filename || asprintf(&e->path, "%s/%s", r->dir, filename) < 0) {
                free(e->name);
                free(e->filename);
                return -ENOMEM;
        }
        grown = reallocarray(r->entries, r->n_entries + 1, sizeof(PolicyEntry *));
        if (!grown) {
                free(e->name);
                free(e->filename);
                free(e->path);
                return -ENOMEM;
        }
        r->entries = grown;
        memmove(r->entries + index + 1, r->entries + index,
                (r->n_entries - index) * sizeof(PolicyEntry *));
        r->entries[index] = e;
        r->n_entries++;
        registry_apply_saved(r, e);

        *ret = TAKE_PTR(e);
        return 0;
}

static void registry_drop_entry(PolicyRegistry *r, PolicyEntry *e) {
        size_t index;

        if (r->callbacks.entry_removed)
                r->callbacks.entry_removed(e, r->userdata);
        if (registry_find_index(r, e->name, &index)) {
                memmove(r->entries + index, r->entries + index + 1,
                        (r->n_entries - index - 1) * sizeof(PolicyEntry *));
                r->n_entries--;
        }
        entry_free(e);
}

static PolicyEntry *registry_find_by_filename(PolicyRegistry *r, const char *filename) {
        for (size_t i = 0; i < r->n_entries; i++)
                if (streq(r->entries[i]->filename, filename))
                        return r->entries[i];
        return NULL;
}

PolicyEntry *policy_registry_find(PolicyRegistry *r, const char *name) {
        PolicyEntry *found = NULL;
        size_t index;

        if (!name)
                return NULL;
        if (registry_find_index(r, name, &index))
                return r->entries[index];
        for (size_t i = 0; i < r->n_entries; i++)
                for (size_t j = 0; j < r->entries[i]->n_policy_names; j++)
                        if (streq(r->entries[i]->policy_names[j], name)) {
                                if (found && found != r->entries[i])
                                        return NULL; /* ambiguous */
                                found = r->entries[i];
                        }
        return found;
}

PolicyEntry *const *policy_registry_entries(PolicyRegistry *r, size_t *ret_n) {
        *ret_n = r->n_entries;
        return r->entries;
}

void policy_registry_count(PolicyRegistry *r, unsigned ret_counts[_POLICY_STATE_MAX]) {
        for (size_t s = 0; s < _POLICY_STATE_MAX; s++)
                ret_counts[s] = 0;
        for (size_t i = 0; i < r->n_entries; i++)
                ret_counts[r->entries[i]->state]++;
}

const char *policy_registry_dir(PolicyRegistry *r) {
        return r->dir;
}

bool policy_registry_has_backend(PolicyRegistry *r) {
        return r->has_backend;
}

/* Persisted choices. */

static int registry_load_state(PolicyRegistry *r) {
        json_error_t error;
        json_t *root, *policies;

        r->saved = json_object();
        if (!r->saved)
                return -ENOMEM;
        if (!r->state_file)
                return 0;

        root = json_load_file(r->state_file, 0, &error);
        if (!root) {
                if (access(r->state_file, F_OK) < 0 && errno == ENOENT)
                        return 0;
                log_warning("Failed to read %s: %s, ignoring.", r->state_file, error.text);
                return 0;
        }
        policies = json_object_get(root, "policies");
        if (json_is_object(policies))
                json_object_update(r->saved, policies);
        else
                log_warning("%s has no \"policies\" object, ignoring.", r->state_file);
        json_decref(root);
        return 0;
}

/* Under systemd StateDirectory= made the folder; run by hand, it may not exist yet. */
static void mkdir_parent(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;

        if (slash && slash != dir) {
                *slash = '\0';
                (void) mkdir(dir, 0755);
        }
}

/* Failing to persist is worth a warning, not a refusal: what was asked is in force. */
static void registry_save_state(PolicyRegistry *r) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        json_t *root;
        int k;

        if (!r->state_file)
                return;
        mkdir_parent(r->state_file);
        if (asprintf(&tmp, "%s.XXXXXX", r->state_file) < 0) {
                log_warning_errno(-ENOMEM, "Failed to save %s: %m", r->state_file);
                return;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                log_warning_errno(negative_errno(), "Failed to save %s: %m", r->state_file);
                return;
        }
        root = json_pack("{s:i, s:O}", "version", STATE_FILE_VERSION, "policies", r->saved);
        k = root ? json_dumpfd(root, fd, JSON_INDENT(2) | JSON_SORT_KEYS) : -1;
        json_decref(root);
        if (k < 0 || write(fd, "\n", 1) != 1)
                k = -EIO;
        else if (fsync(fd) < 0 || close(TAKE_FD(fd)) < 0 || rename(tmp, r->state_file) < 0)
                k = negative_errno();
        if (k < 0) {
                (void) unlink(tmp);
                log_warning_errno(k, "Failed to save %s: %m", r->state_file);
        }
}

/* Remember what differs from the default (enabled, mode from the file); forget the rest. */
static void registry_remember(PolicyRegistry *r, PolicyEntry *e) {
        json_t *o;

        if (!e->disabled && !e->mode_overridden) {
                if (json_object_del(r->saved, e->name) == 0)
                        registry_save_state(r);
                return;
        }
        o = json_object();
        if (!o || (e->disabled && json_object_set_new(o, "enabled", json_false()) < 0) ||
            (e->mode_overridden &&
             json_object_set_new(o, "mode", json_string(policy_mode_to_string(e->mode_override))) <
                     0) ||
            json_object_set_new(r->saved, e->name, o) < 0) {
                log_warning_errno(-ENOMEM, "Failed to remember the choice for policy %s: %m",
                                  e->name);
                return;
        }
        registry_save_state(r);
}

static void registry_forget(PolicyRegistry *r, const char *name) {
        if (json_object_del(r->saved, name) == 0)
                registry_save_state(r);
}

/* After a whole folder was read: choices about files that are gone go with them. */
static void registry_forget_missing(PolicyRegistry *r) {
        const char *name;
        json_t *value, *tmp;
        bool changed = false;
        size_t index;

        json_object_foreach_safe(r->saved, tmp, name, value) {
                if (registry_find_index(r, name, &index))
                        continue;
                json_object_del(r->saved, name);
                changed = true;
        }
        if (changed)
                registry_save_state(r);
}

/* The transaction. */

/* Installs every document of v; on the first failure uninstalls what it installed and
 * explains. */
static unsigned registry_installed(PolicyRegistry *r) {
        unsigned n = 0;

        for (size_t i = 0; i < r->n_entries; i++)
                if (r->entries[i]->installed)
                        n += r->entries[i]->installed->n;
        return n;
}

void policy_registry_set_capacity(PolicyRegistry *r, unsigned capacity) {
        r->capacity = capacity;
}

void policy_registry_usage(PolicyRegistry *r, unsigned *ret_installed, unsigned *ret_capacity) {
        *ret_installed = registry_installed(r);
        *ret_capacity = r->capacity;
}

static int version_install(PolicyRegistry *r, PolicyEntry *e, Version *v, char **ret_error) {
        const PolicyBackend *b = &r->backend;
        unsigned after;

        *ret_error = NULL;
        if (!r->has_backend)
                return (*ret_error = strdup(POLICY_BACKEND_MISSING_ERROR)) ? -EOPNOTSUPP : -ENOMEM;
        /* What e has installed goes once v is in: it does not count against v. */
        after = registry_installed(r) - (e->installed ? (unsigned) e->installed->n : 0) +
                (unsigned) v->n;
        if (after > r->capacity)
                return asprintf(ret_error,
                                "%s: the policy table is full (%u of %u policies installed); "
                                "remove a policy first",
                                e->path, registry_installed(r), r->capacity) < 0
                               ? -ENOMEM
                               : -ENOSPC;
        for (size_t i = 0; i < v->n; i++) {
                _cleanup_free_ char *why = NULL;
                int k;

                k = b->install(b->userdata, v->compiled[i],
                               entry_mode_for(e, &v->file->policies[i]), &v->installations[i],
                               &why);
                if (k < 0) {
                        for (size_t j = 0; j < i; j++) {
                                b->uninstall(b->userdata, v->installations[j]);
                                v->installations[j] = NULL;
                        }
                        v->installations[i] = NULL;
                        if (v->n > 1) {
                                if (asprintf(ret_error, "%s: policy %s: %s", e->path,
                                             strempty(v->file->policies[i].name),
                                             why ?: strerror(-k)) < 0)
                                        return -ENOMEM;
                        } else if (asprintf(ret_error, "%s: %s", e->path, why ?: strerror(-k)) < 0)
                                return -ENOMEM;
                        return k;
                }
        }
        v->installed = true;
        return 0;
}

/* Policy names (metadata.name) are unique across the folder: events carry them. */
static int version_check_names(PolicyRegistry *r, const PolicyEntry *self, const Version *v,
                               DiagnosticList *diags) {
        _cleanup_free_ PolicyNameUse *taken = NULL;
        size_t n_taken = 0, n_names = 0;

        for (size_t k = 0; k < r->n_entries; k++)
                if (r->entries[k] != self)
                        n_names += r->entries[k]->n_policy_names;
        if (n_names > 0) {
                taken = calloc(n_names, sizeof(PolicyNameUse));
                if (!taken)
                        return -ENOMEM;
        }
        for (size_t k = 0; k < r->n_entries; k++) {
                const PolicyEntry *other = r->entries[k];

                if (other == self)
                        continue;
                for (size_t j = 0; j < other->n_policy_names; j++)
                        taken[n_taken++] = (PolicyNameUse){
                                .name = other->policy_names[j],
                                .file = other->path,
                        };
        }
        return policy_check_unique_names(v->file, taken, n_taken, diags);
}

static void entry_fail(PolicyEntry *e, const char *message_id, const char *error) {
        bool kept = e->installed != NULL;

        e->state = POLICY_STATE_FAILED;
        (void) entry_set_error(e, error);
        log_policy(LOG_ERR, message_id, e->name, e->path, "Policy %s failed: %s; %s", e->name,
                   error, kept ? "the previous version stays in force." : "it is not loaded.");
}

/*
 * Loads text as the new version of e: build, then install beside what is in force, then
 * uninstall the old version. Returns 0 when the new version is what e now is (loaded, or
 * disabled and valid), -EINVAL/-EIO/... when it failed (e is FAILED, old version kept).
 */
static int entry_load(PolicyRegistry *r, PolicyEntry *e, const char *text, size_t size) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_free_ char *error = NULL;
        Version *v = NULL, *old;
        int k;

        k = entry_set_source(e, text, size);
        if (k < 0)
                return k;

        k = version_build(e->path, text, size, &diags, &v);
        if (k >= 0)
                k = version_check_names(r, e, v, &diags);
        /* An entry holds the names of its last valid version: those are taken. */
        if (k >= 0)
                k = entry_set_names(e, v->file);
        if (k < 0) {
                version_free(v, &r->backend);
                if (k == -ENOMEM)
                        return k;
                if (diagnostic_list_has_errors(&diags))
                        k = diagnostics_to_error(&diags, e->source_public, &error);
                else
                        k = asprintf(&error, "%s cannot be loaded: %s", e->path, strerror(-k)) < 0
                                    ? -ENOMEM
                                    : 0;
                if (k < 0)
                        return k;
                entry_fail(e, MESSAGE_ID_POLICY_FAILED, error);
                return -EINVAL;
        }

        if (e->disabled) {
                /* Valid, and kept aside until it is enabled. */
                version_free(v, &r->backend);
                version_free(TAKE_PTR(e->installed), &r->backend);
                e->state = POLICY_STATE_DISABLED;
                (void) entry_set_error(e, NULL);
                return 0;
        }

        k = version_install(r, e, v, &error);
        if (k < 0) {
                version_free(v, &r->backend);
                if (!error)
                        return -ENOMEM;
                entry_fail(e, MESSAGE_ID_POLICY_FAILED, error);
                return -EIO;
        }

        /* The new version is in force: only now does the old one go. */
        old = e->installed;
        e->installed = v;
        version_free(old, &r->backend);

        e->state = POLICY_STATE_LOADED;
        (void) entry_set_error(e, NULL);
        log_policy(LOG_INFO, MESSAGE_ID_POLICY_LOADED, e->name, e->path,
                   "Policy %s %s from %s (%s).", e->name, old ? "reloaded" : "loaded", e->path,
                   policy_mode_to_string(entry_mode(e)));
        return 0;
}

static void registry_remove_entry(PolicyRegistry *r, PolicyEntry *e, const char *why) {
        bool was_installed = e->installed != NULL;

        log_policy(LOG_INFO, MESSAGE_ID_POLICY_REMOVED, e->name, e->path,
                   "Policy %s removed (%s)%s", e->name, why,
                   was_installed ? "." : "; it was not loaded.");
        registry_forget(r, e->name);
        registry_drop_entry(r, e);
}

/* Locked down, a change of the folder may not touch what is in force: the running version
 * stays, and the refusal says why. Returns whether e was kept so. */
static bool registry_keep_locked(PolicyRegistry *r, PolicyEntry *e, const char *what) {
        _cleanup_free_ char *error = NULL;

        if (!r->locked || !e->installed)
                return false;
        if (asprintf(&error, "%s, but the policies are locked down until reboot", what) < 0)
                error = NULL;
        entry_fail(e, MESSAGE_ID_POLICY_REFUSED,
                   error ?: "the policies are locked down until reboot");
        notify_changed(r, e);
        return true;
}

/* Handle one file of the folder: the heart of every reload. */
static int registry_reload_one(PolicyRegistry *r, const char *filename, bool force,
                               PolicyReloadSummary *summary) {
        _cleanup_free_ char *name = NULL, *text = NULL, *reason = NULL;
        PolicyEntry *e, *other;
        bool created = false, had_installed, public = false;
        size_t size = 0;
        int k;

        k = policy_name_from_filename(filename, &name);
        if (k < 0)
                return 0; /* not a policy file */
        if (!policy_filename_is_printable(filename)) {
                /* Not on the bus at all: sd-bus refuses such strings, and every listing
                 * would fail with it. */
                _cleanup_free_ char *escaped = NULL;

                if (policy_filename_escape(filename, &escaped) < 0)
                        return -ENOMEM;
                log_policy(LOG_ERR, MESSAGE_ID_POLICY_REFUSED, NULL, r->dir,
                           "Policy file %s/%s ignored: its name is not printable UTF-8; rename "
                           "it.",
                           r->dir, escaped);
                return 0;
        }

        e = registry_find_by_filename(r, filename);
        k = policy_dir_read(r->dir, filename, r->owner, &text, &size, &public, &reason);
        if (k == -ENOENT && !reason) {
                if (!e)
                        return 0;
                if (registry_keep_locked(r, e, "its file is gone"))
                        return summary_add(summary, POLICY_RELOAD_FAILED, e->name, e->error);
                k = summary_add(summary, POLICY_RELOAD_REMOVED, e->name, NULL);
                registry_remove_entry(r, e, "its file is gone");
                return k;
        }
        if (k < 0 && !reason && k != -ENOMEM) {
                if (asprintf(&reason, "%s/%s cannot be read: %s", r->dir, filename, strerror(-k)) <
                    0)
                        return -ENOMEM;
        } else if (k == -ENOMEM)
                return k;

        if (!e) {
                other = policy_registry_find(r, name);
                if (other && streq(other->name, name)) {
                        /* foo.yaml and foo.yml: the first in lexical order keeps the name. */
                        _cleanup_free_ char *error = NULL;

                        if (asprintf(&error, "%s/%s: policy name %s is already used by %s", r->dir,
                                     filename, name, other->path) < 0)
                                return -ENOMEM;
                        log_policy(LOG_ERR, MESSAGE_ID_POLICY_FAILED, name, filename,
                                   "Policy file %s/%s ignored: %s", r->dir, filename, error);
                        return summary_add(summary, POLICY_RELOAD_FAILED, filename, error);
                }
                k = registry_new_entry(r, name, filename, &e);
                if (k < 0)
                        return k;
                created = true;
        }
        had_installed = e->installed != NULL;

        if (reason) {
                /* Refused (ownership, mode, not a file): what is in force stays. */
                (void) entry_set_source(e, NULL, 0);
                entry_fail(e, MESSAGE_ID_POLICY_REFUSED, reason);
                k = summary_add(summary, POLICY_RELOAD_FAILED, e->name, e->error);
                goto done;
        }

        if (!force && !created && e->state != POLICY_STATE_FAILED && e->source &&
            e->source_size == size && memcmp(e->source, text, size) == 0) {
                /* Same content: nothing to do, and nothing to report. */
                return summary_add(summary, POLICY_RELOAD_UNCHANGED, e->name, NULL);
        }
        if (!created && r->locked && e->installed && e->installed->source_size == size &&
            memcmp(e->installed->source, text, size) == 0) {
                /* Back to what is in force (after a refused edit). */
                (void) entry_set_source(e, text, size);
                e->state = POLICY_STATE_LOADED;
                (void) entry_set_error(e, NULL);
                k = summary_add(summary, POLICY_RELOAD_UNCHANGED, e->name, NULL);
                goto done;
        }
        if (!created && registry_keep_locked(r, e, "its file changed")) {
                k = summary_add(summary, POLICY_RELOAD_FAILED, e->name, e->error);
                goto done;
        }

        e->source_public = public;
        k = entry_load(r, e, text, size);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                k = summary_add(summary, POLICY_RELOAD_FAILED, e->name, e->error);
        else
                k = summary_add(summary,
                                created || (!had_installed && e->installed) ? POLICY_RELOAD_ADDED
                                                                            : POLICY_RELOAD_CHANGED,
                                e->name, NULL);
done:
        if (created && r->callbacks.entry_added)
                r->callbacks.entry_added(e, r->userdata);
        else
                notify_changed(r, e);
        return k;
}

/* A folder that fails the trust check taints everything read from it from now on: each
 * entry says so, and what is in force stays. */
static int registry_folder_refused(PolicyRegistry *r, const char *reason,
                                   PolicyReloadSummary *summary) {
        int k;

        log_policy(LOG_ERR, MESSAGE_ID_POLICY_REFUSED, NULL, r->dir,
                   "Policy folder refused: %s; no policy is loaded from it until this is fixed.",
                   reason);
        k = summary_add(summary, POLICY_RELOAD_FAILED, r->dir, reason);
        for (size_t i = 0; i < r->n_entries; i++) {
                PolicyEntry *e = r->entries[i];

                e->state = POLICY_STATE_FAILED;
                (void) entry_set_error(e, reason);
                notify_changed(r, e);
        }
        return k;
}

static int registry_check_folder(PolicyRegistry *r, PolicyReloadSummary *summary) {
        _cleanup_free_ char *reason = NULL;
        int k;

        k = policy_dir_check_folder(r->dir, r->owner, &reason);
        if (k == -EPERM && reason) {
                k = registry_folder_refused(r, reason, summary);
                return k < 0 ? k : -EPERM;
        }
        return k;
}

static void registry_finish(PolicyRegistry *r, PolicyReloadSummary *summary) {
        if (r->callbacks.reload_finished)
                r->callbacks.reload_finished(summary, r->userdata);
}

int policy_registry_reload(PolicyRegistry *r, PolicyReloadSummary *ret) {
        _cleanup_(policy_filenames_freep) char **filenames = NULL;
        PolicyReloadSummary summary = {};
        size_t n = 0;
        int k;

        k = registry_check_folder(r, &summary);
        if (k == -ENOENT) {
                log_policy(LOG_WARNING, MESSAGE_ID_POLICY_RELOAD, NULL, r->dir,
                           "Policy folder %s does not exist: no policies.", r->dir);
                filenames = calloc(1, sizeof(char *));
                if (!filenames)
                        k = -ENOMEM;
        } else if (k >= 0)
                k = policy_dir_list(r->dir, &filenames, &n);
        if (k == -EPERM) {
                k = 0;
                goto finish;
        }
        if (k < 0) {
                char *error = NULL;

                log_error_errno(k, "Failed to read the policy folder %s: %m", r->dir);
                if (asprintf(&error, "%s cannot be read: %s", r->dir, strerror(-k)) >= 0)
                        (void) summary_add(&summary, POLICY_RELOAD_FAILED, r->dir, error);
                free(error);
                k = 0;
                goto finish;
        }

        for (size_t i = 0; i < n; i++) {
                k = registry_reload_one(r, filenames[i], false, &summary);
                if (k < 0)
                        goto finish;
        }

        /* Entries whose file is no longer in the folder. */
        for (size_t i = r->n_entries; i > 0; i--) {
                PolicyEntry *e = r->entries[i - 1];
                bool present = false;

                for (size_t j = 0; j < n && !present; j++)
                        present = streq(filenames[j], e->filename);
                if (present)
                        continue;
                if (registry_keep_locked(r, e, "its file is gone")) {
                        k = summary_add(&summary, POLICY_RELOAD_FAILED, e->name, e->error);
                        if (k < 0)
                                goto finish;
                        continue;
                }
                k = summary_add(&summary, POLICY_RELOAD_REMOVED, e->name, NULL);
                registry_remove_entry(r, e, "its file is gone");
                if (k < 0)
                        goto finish;
        }
        registry_forget_missing(r);

        log_policy(summary.n_items[POLICY_RELOAD_FAILED] > 0 ? LOG_WARNING : LOG_INFO,
                   MESSAGE_ID_POLICY_RELOAD, NULL, r->dir,
                   "Policies reloaded from %s: %zu added, %zu changed, %zu removed, %zu "
                   "unchanged, %zu failed.",
                   r->dir, summary.n_items[POLICY_RELOAD_ADDED],
                   summary.n_items[POLICY_RELOAD_CHANGED], summary.n_items[POLICY_RELOAD_REMOVED],
                   summary.n_items[POLICY_RELOAD_UNCHANGED], summary.n_items[POLICY_RELOAD_FAILED]);
finish:
        registry_finish(r, &summary);
        if (ret)
                *ret = summary;
        else
                policy_reload_summary_clear(&summary);
        return k;
}

int policy_registry_reload_files(PolicyRegistry *r, char *const *filenames, size_t n,
                                 PolicyReloadSummary *ret) {
        PolicyReloadSummary summary = {};
        int k;

        k = registry_check_folder(r, &summary);
        if (k == -EPERM)
                k = 0;
        else {
                /* A missing folder reads as "every file is gone". */
                k = 0;
                for (size_t i = 0; i < n && k >= 0; i++)
                        k = registry_reload_one(r, filenames[i], false, &summary);
        }

        registry_finish(r, &summary);
        if (ret)
                *ret = summary;
        else
                policy_reload_summary_clear(&summary);
        return k;
}

/* Commands. */

int policy_registry_validate(const char *file, const char *text, size_t size,
                             DiagnosticList *diags) {
        static const PolicyBackend none = {};
        Version *v = NULL;
        int k;

        k = version_build(file, text, size, diags, &v);
        version_free(v, &none);
        return k;
}

static int registry_check_new_names(PolicyRegistry *r, const PolicyEntry *replaced,
                                    const char *path, const char *text, size_t size,
                                    DiagnosticList *diags) {
        static const PolicyBackend none = {};
        Version *v = NULL;
        int k;

        k = version_build(path, text, size, diags, &v);
        if (k >= 0)
                k = version_check_names(r, replaced, v, diags);
        version_free(v, &none);
        return k;
}

static int write_file_atomically(const char *dir, const char *filename, const char *text,
                                 size_t size, bool replace) {
        _cleanup_free_ char *tmp = NULL, *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        int k = 0;

        /* A hidden name: the watch ignores the temporary file. */
        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, filename) < 0 ||
            asprintf(&path, "%s/%s", dir, filename) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fchmod(fd, 0644) < 0)
                k = negative_errno();
        for (size_t done = 0; k >= 0 && done < size;) {
                ssize_t w = write(fd, text + done, size - done);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        k = negative_errno();
                else
                        done += (size_t) w;
        }
        if (k >= 0 && fsync(fd) < 0)
                k = negative_errno();
        if (k >= 0) {
                if (replace)
                        k = rename(tmp, path) < 0 ? negative_errno() : 0;
                else /* link() fails rather than replace what someone else just wrote */
                        k = link(tmp, path) < 0 ? negative_errno() : 0;
        }
        (void) unlink(tmp);
        return k;
}

int policy_registry_add(PolicyRegistry *r, const char *name, const char *text, size_t size,
                        bool replace, DiagnosticList *diags, PolicyEntry **ret) {
        _cleanup_free_ char *filename = NULL, *path = NULL;
        PolicyEntry *e;
        int k;

        if (!policy_check_name(name))
                return -EINVAL;

        e = policy_registry_find(r, name);
        if (e && !streq(e->name, name))
                e = NULL; /* found through a metadata name: a different file */
        if (e && !replace)
                return -EEXIST;
        /* Whether an edit weakens a policy cannot be told in general: locked, none is made. */
        if (e && r->locked && e->installed)
                return -EPERM;
        if (e)
                filename = strdup(e->filename);
        else if (asprintf(&filename, "%s.yaml", name) < 0)
                filename = NULL;
        if (!filename || asprintf(&path, "%s/%s", r->dir, filename) < 0)
                return -ENOMEM;

        /* Refuse before writing anything: the text, and its names against the folder's. */
        k = registry_check_new_names(r, e, path, text, size, diags);
        if (k < 0)
                return k;

        k = write_file_atomically(r->dir, filename, text, size, replace);
        if (k < 0)
                return k;

        k = registry_reload_one(r, filename, false, NULL);
        if (k < 0)
                return k;
        e = registry_find_by_filename(r, filename);
        if (!e)
                return -ENOENT; /* someone removed it in between */
        if (ret)
                *ret = e;
        return 0;
}

int policy_registry_remove(PolicyRegistry *r, PolicyEntry *e) {
        if (r->locked && e->installed)
                return -EPERM;
        if (unlink(e->path) < 0 && errno != ENOENT)
                return negative_errno();
        registry_remove_entry(r, e, "removed on request");
        return 0;
}

int policy_registry_enable(PolicyRegistry *r, PolicyEntry *e, char **ret_error) {
        _cleanup_free_ char *name = NULL;
        int k;

        *ret_error = NULL;
        if (!e->disabled && e->state == POLICY_STATE_LOADED)
                return 0;
        name = strdup(e->name);
        if (!name)
                return -ENOMEM;
        e->disabled = false;
        registry_remember(r, e);
        log_policy(LOG_NOTICE, MESSAGE_ID_POLICY_STATE, e->name, e->path, "Policy %s enabled.",
                   e->name);

        /* Read the file again: it may have changed since it was disabled. */
        k = registry_reload_one(r, e->filename, true, NULL);
        if (k < 0)
                return k;
        e = policy_registry_find(r, name);
        if (!e)
                return -ENOENT;
        if (e->state == POLICY_STATE_FAILED) {
                *ret_error = strdup(strempty(e->error));
                return *ret_error ? -EIO : -ENOMEM;
        }
        return 0;
}

int policy_registry_disable(PolicyRegistry *r, PolicyEntry *e) {
        if (e->disabled && e->state == POLICY_STATE_DISABLED)
                return 0;
        if (r->locked && e->installed)
                return -EPERM;
        e->disabled = true;
        registry_remember(r, e);
        version_free(TAKE_PTR(e->installed), &r->backend);
        e->state = POLICY_STATE_DISABLED;
        (void) entry_set_error(e, NULL);
        log_policy(LOG_NOTICE, MESSAGE_ID_POLICY_STATE, e->name, e->path,
                   "Policy %s disabled: nothing of it is in force.", e->name);
        notify_changed(r, e);
        return 0;
}

int policy_registry_set_mode(PolicyRegistry *r, PolicyEntry *e, PolicyMode mode, char **ret_error) {
        const PolicyBackend *b = &r->backend;
        bool old_overridden = e->mode_overridden;
        PolicyMode old_mode = e->mode_override;
        Version *v = e->installed;
        int k = 0;

        *ret_error = NULL;
        if (mode != POLICY_MODE_ENFORCE && mode != POLICY_MODE_MONITOR)
                return -EINVAL;
        if (r->locked && v && mode == POLICY_MODE_MONITOR && entry_mode(e) != POLICY_MODE_MONITOR)
                return -EPERM;

        e->mode_overridden = true;
        e->mode_override = mode;
        if (v && b->set_mode) {
                size_t i;

                for (i = 0; i < v->n; i++) {
                        k = b->set_mode(b->userdata, v->installations[i], mode);
                        if (k < 0)
                                break;
                }
                if (k < 0) {
                        /* Back to where it was, so the policy keeps one mode. */
                        for (size_t j = 0; j < i; j++)
                                (void) b->set_mode(b->userdata, v->installations[j],
                                                   entry_mode_for(e, &v->file->policies[j]));
                        e->mode_overridden = old_overridden;
                        e->mode_override = old_mode;
                        if (asprintf(ret_error, "%s: the engine could not switch to %s mode: %s",
                                     e->path, policy_mode_to_string(mode), strerror(-k)) < 0)
                                return -ENOMEM;
                        return -EIO;
                }
        } else if (v) {
                /* No switch in place: install it again in the new mode, beside the old. */
                _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
                Version *nv = NULL;

                k = version_build(e->path, v->source, v->source_size, &diags, &nv);
                if (k >= 0)
                        k = version_install(r, e, nv, ret_error);
                if (k < 0) {
                        version_free(nv, b);
                        e->mode_overridden = old_overridden;
                        e->mode_override = old_mode;
                        if (!*ret_error)
                                *ret_error = strdup("the policy could not be rebuilt");
                        return *ret_error ? -EIO : -ENOMEM;
                }
                e->installed = nv;
                version_free(v, b);
        }

        registry_remember(r, e);
        if (v)
                log_policy(LOG_NOTICE, MESSAGE_ID_POLICY_STATE, e->name, e->path,
                           "Policy %s switched to %s mode.", e->name, policy_mode_to_string(mode));
        else
                /* Nothing installed (failed or disabled): the choice waits for the next load. */
                log_policy(LOG_NOTICE, MESSAGE_ID_POLICY_STATE, e->name, e->path,
                           "Policy %s will load in %s mode.", e->name, policy_mode_to_string(mode));
        notify_changed(r, e);
        return 0;
}

/* Life cycle. */

int policy_registry_new(PolicyRegistry **ret, const char *dir, const char *state_file, uid_t owner,
                        const PolicyBackend *backend) {
        _cleanup_(policy_registry_freep) PolicyRegistry *r = NULL;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->owner = owner;
        r->capacity = POLICY_REGISTRY_CAPACITY;
        r->dir = strdup(dir);
        if (!r->dir)
                return -ENOMEM;
        if (state_file) {
                r->state_file = strdup(state_file);
                if (!r->state_file)
                        return -ENOMEM;
        }
        if (backend) {
                r->backend = *backend;
                r->has_backend = true;
        }
        k = registry_load_state(r);
        if (k < 0)
                return k;

        *ret = TAKE_PTR(r);
        return 0;
}

PolicyRegistry *policy_registry_free(PolicyRegistry *r) {
        if (!r)
                return NULL;
        /* Stopping the daemon takes its policies out of the kernel with it. */
        for (size_t i = 0; i < r->n_entries; i++)
                entry_free(r->entries[i]);
        free(r->entries);
        json_decref(r->saved);
        free(r->dir);
        free(r->state_file);
        return mfree(r);
}

void policy_registry_set_locked(PolicyRegistry *r, bool locked) {
        r->locked = locked;
}

bool policy_registry_is_locked(PolicyRegistry *r) {
        return r->locked;
}

void policy_registry_set_callbacks(PolicyRegistry *r, const PolicyRegistryCallbacks *callbacks,
                                   void *userdata) {
        r->callbacks = callbacks ? *callbacks : (PolicyRegistryCallbacks){};
        r->userdata = userdata;
}
