/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The set of policies the daemon holds: one entry per file of the policy
 * folder, named after the file ("sys_write_sigkill.yaml" is the policy
 * "sys_write_sigkill"); a file may hold several TracingPolicy documents, which
 * are loaded and unloaded together.
 *
 * Every change is a transaction per file: the new version is read, parsed,
 * compiled and installed beside the running one, and only then is the running
 * one uninstalled. When any step fails, the running version stays installed,
 * the entry's state says FAILED with the error (FILE:LINE:COL: ...), and the
 * failure goes to the journal with MESSAGE_ID_POLICY_FAILED.
 *
 * What the user turned off (DisablePolicy) and the mode they chose
 * (SetPolicyMode) persist across restarts in a small JSON state file (see
 * tetragond(8)); a policy's own `spec.options` policy-mode is its default.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-id128.h>

#include "diagnostic.h"
#include "macro.h"
#include "policy-backend.h"

/* MESSAGE_ID= of the registry's journal entries (systemd/tetragond.catalog), generated once
 * with `systemd-id128 new` and fixed forever. */
#define MESSAGE_ID_POLICY_LOADED "495c9a48ec2f445daf7601e09a31c559"
#define MESSAGE_ID_POLICY_FAILED "7bdedb06384e4b3080d9ffa81ad3374b"
#define MESSAGE_ID_POLICY_REFUSED "adfcba5aa4064138ad4f6c5404519791"
#define MESSAGE_ID_POLICY_REMOVED "e4a9eb320de24b22a67afc64f323c879"
#define MESSAGE_ID_POLICY_STATE "b05ef78248474787ab5933ebc39d600a"
#define MESSAGE_ID_POLICY_RELOAD "9b4b5c5116b944c1b827fe3a8de02c34"

/* A policy's error (the property, the journal line, AddPolicy's refusal) shows at most this
 * many of its errors. */
#define POLICY_REGISTRY_ERROR_MAX_DIAGNOSTICS 10U

typedef enum PolicyState {
        POLICY_STATE_LOADED,   /* the file's current version is installed */
        POLICY_STATE_DISABLED, /* turned off by the user: nothing installed */
        POLICY_STATE_FAILED,   /* the current version could not be loaded (see error); an
                                * older version may still be installed */
        _POLICY_STATE_MAX,
} PolicyState;

typedef struct PolicyRegistry PolicyRegistry;
typedef struct PolicyEntry PolicyEntry;

/* Read-only view of one entry; valid until the entry changes or goes. */
typedef struct PolicyEntryInfo {
        const char *name;
        const char *filename;
        const char *path;
        const char *source; /* text of the file as last read; NULL when it could not be read */
        PolicyState state;
        PolicyMode mode;           /* ENFORCE or MONITOR: what is (or would be) installed */
        bool mode_overridden;      /* set with SetPolicyMode, persisted */
        bool installed;            /* some version of it is in force */
        const char *error;         /* why the current version failed; NULL otherwise */
        char *const *policy_names; /* metadata.name of each document installed or parsed */
        size_t n_policy_names;
} PolicyEntryInfo;

typedef struct PolicyReloadItem {
        char *name;
        char *error; /* for failed items */
} PolicyReloadItem;

typedef enum PolicyReloadOutcome {
        POLICY_RELOAD_ADDED,
        POLICY_RELOAD_CHANGED,
        POLICY_RELOAD_REMOVED,
        POLICY_RELOAD_UNCHANGED,
        POLICY_RELOAD_FAILED,
        _POLICY_RELOAD_OUTCOME_MAX,
} PolicyReloadOutcome;

/* What one reload did, per outcome, names in the order they were handled. */
typedef struct PolicyReloadSummary {
        PolicyReloadItem *items[_POLICY_RELOAD_OUTCOME_MAX];
        size_t n_items[_POLICY_RELOAD_OUTCOME_MAX];
} PolicyReloadSummary;

void policy_reload_summary_clear(PolicyReloadSummary *s);
const char *policy_reload_outcome_to_string(PolicyReloadOutcome o);

/* Told about changes, so the D-Bus side can emit signals. All optional. */
typedef struct PolicyRegistryCallbacks {
        void (*entry_added)(PolicyEntry *e, void *userdata);
        void (*entry_changed)(PolicyEntry *e, void *userdata); /* state, mode, error, source */
        void (*entry_removed)(PolicyEntry *e, void *userdata); /* before it is freed */
        void (*reload_finished)(const PolicyReloadSummary *s, void *userdata);
} PolicyRegistryCallbacks;

/*
 * dir: the policy folder; state_file: where enable/disable/mode persist (NULL: nowhere);
 * owner: who must own the folder and its files (0 in the daemon); backend: the engine, or
 * NULL when there is none (every policy then fails with POLICY_BACKEND_MISSING_ERROR).
 */
int policy_registry_new(PolicyRegistry **ret, const char *dir, const char *state_file, uid_t owner,
                        const PolicyBackend *backend);
PolicyRegistry *policy_registry_free(PolicyRegistry *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyRegistry *, policy_registry_free);

void policy_registry_set_callbacks(PolicyRegistry *r, const PolicyRegistryCallbacks *callbacks,
                                   void *userdata);

/* Lockdown: from now on remove(), disable(), set_mode(MONITOR) and add(replace) of a policy
 * in force fail with -EPERM, and a folder change to it (edited, deleted) keeps the running
 * version (the entry says FAILED with the reason). Adding and enabling still work. */
void policy_registry_set_locked(PolicyRegistry *r, bool locked);
bool policy_registry_is_locked(PolicyRegistry *r);

const char *policy_registry_dir(PolicyRegistry *r);
bool policy_registry_has_backend(PolicyRegistry *r);

/* Re-reads the whole folder; only files whose content changed (or failed before) are
 * reloaded. ret may be NULL. Returns 0 even when policies failed: that is in the summary. */
int policy_registry_reload(PolicyRegistry *r, PolicyReloadSummary *ret);
/* The same for the given file names only (what the folder watch reports). */
int policy_registry_reload_files(PolicyRegistry *r, char *const *filenames, size_t n,
                                 PolicyReloadSummary *ret);

/* Lookup by policy name (the file's); failing that, by a document's metadata.name when
 * exactly one entry holds it. */
PolicyEntry *policy_registry_find(PolicyRegistry *r, const char *name);
/* All entries, sorted by name; the array is valid until the next change. */
PolicyEntry *const *policy_registry_entries(PolicyRegistry *r, size_t *ret_n);

void policy_entry_get_info(PolicyEntry *e, PolicyEntryInfo *ret);
const char *policy_entry_name(PolicyEntry *e);
/* Per hook mechanism and counters of what is installed; 0 entries when nothing is. */
int policy_entry_get_hooks(PolicyEntry *e, PolicyHookStatus **ret, size_t *ret_n);
/* unitSelector: the units of each document's, with their cgroups now. */
int policy_entry_get_units(PolicyEntry *e, PolicyUnitStatus **ret, size_t *ret_n);
int policy_entry_get_counters(PolicyEntry *e, PolicyCounters *ret);
/* Per selector of each hook, hooks numbered as policy_entry_get_hooks() lists them. */
int policy_entry_get_selector_counters(PolicyEntry *e, PolicySelectorCounters **ret, size_t *ret_n);

/* Kernel memory (memlock bytes) of what is installed, summed over its installations: during
 * a replacement both the old and the new version count. 0 when nothing is installed. */
int policy_entry_get_kernel_memory(PolicyEntry *e, uint64_t *ret_bytes);

/* Counts of entries per state. */
void policy_registry_count(PolicyRegistry *r, unsigned ret_counts[_POLICY_STATE_MAX]);

/*
 * How many policies (documents) may be installed at once. A new policy past it is refused
 * ("the policy table is full"); a new version of an installed one never is, since the
 * engine's tables hold twice this (bpf/generic.h), room to install it beside the old.
 */
#define POLICY_REGISTRY_CAPACITY 1024U
/* Tests set a smaller one. */
void policy_registry_set_capacity(PolicyRegistry *r, unsigned capacity);
/* Installed policies (documents) now, and the capacity. */
void policy_registry_usage(PolicyRegistry *r, unsigned *ret_installed, unsigned *ret_capacity);

/*
 * Writes text as NAME.yaml into the folder (root-owned, mode 0644, atomically) and loads
 * it. Invalid text is refused before anything is written: -EINVAL with the diagnostics
 * in diags. -EEXIST when the name is taken and !replace. On success *ret is the entry,
 * which may still be FAILED (the engine refused it): that is its state, not an error.
 */
int policy_registry_add(PolicyRegistry *r, const char *name, const char *text, size_t size,
                        bool replace, DiagnosticList *diags, PolicyEntry **ret);
/* Deletes the file and uninstalls what it installed. */
int policy_registry_remove(PolicyRegistry *r, PolicyEntry *e);
/* Enable: loads the file again; -EIO with *ret_error when it fails (the entry is FAILED). */
int policy_registry_enable(PolicyRegistry *r, PolicyEntry *e, char **ret_error);
int policy_registry_disable(PolicyRegistry *r, PolicyEntry *e);
/* -EIO with *ret_error when the engine could not switch; the old mode stays. */
int policy_registry_set_mode(PolicyRegistry *r, PolicyEntry *e, PolicyMode mode, char **ret_error);

/* Parse and compile text as the daemon would, without installing: the diagnostics of
 * `tetractl validate`. Returns 0 when valid, -EINVAL when not (see diags). */
int policy_registry_validate(const char *file, const char *text, size_t size,
                             DiagnosticList *diags);

const char *policy_state_to_string(PolicyState s);
const char *policy_mode_to_string(PolicyMode m); /* "enforce", "monitor" */
int policy_mode_from_string(const char *s);      /* POLICY_MODE_ENFORCE/MONITOR or -EINVAL */
