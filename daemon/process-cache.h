/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Stage 2: enrich. Keeps every live process (thread group) of the host keyed
 * by pid, with its ancestry, so events carry their process and parent.
 * Bounded: entries of exited processes are freed after a grace period (late
 * events of their children can still find them), and the total is capped.
 */

#include <stdint.h>

#include "enrich-options.h"
#include "event.h"
#include "macro.h"
#include "record-decode.h"
#include "user-names.h"

/* How long the entry of an exited process stays, so that late events of its
 * children still find their parent. */
#define PROCESS_CACHE_EXIT_GRACE_NS (30ULL * 1000 * 1000 * 1000)

typedef struct ProcessCache ProcessCache;

typedef struct ProcessCacheStats {
        uint64_t live;    /* entries of processes not yet exited */
        uint64_t total;   /* all entries, exited ones awaiting release included */
        uint64_t evicted; /* dropped because the cap was reached */
        uint64_t misses;  /* events whose process or parent was not found */
} ProcessCacheStats;

/* max_entries caps memory (> 0); node_name goes into exec ids.
 * In every Process the cache makes, binary, cwd and cgroup_path are never NULL
 * ("" when unknown); args, unit and parent_exec_id may be. */
int process_cache_new(ProcessCache **ret, size_t max_entries, const char *node_name);
ProcessCache *process_cache_free(ProcessCache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProcessCache *, process_cache_free);

/* Called on the arguments and environment of every process the cache learns (exec, /proc),
 * before any event holds them; it may rewrite p->args and p->env (redaction). A negative
 * return: the process keeps neither. */
typedef int (*ProcessArgsHook)(Process *p, void *userdata);
void process_cache_set_args_hook(ProcessCache *c, ProcessArgsHook hook, void *userdata);

/* What processes carry beyond the defaults (environment, user names); both are borrowed and
 * must outlive the cache. NULL options: Tetragon's defaults; NULL user_names: no names. */
void process_cache_set_enrichment(ProcessCache *c, const EnrichOptions *options,
                                  UserNames *user_names);

/* Fill the cache from proc_root ("/proc" outside tests): every process that
 * already runs, flagged procfs, linked to its real parent; pid 1's namespaces there
 * become the host's (is_host). Returns the number
 * of processes read, or a negative errno. */
int process_cache_scan_procfs(ProcessCache *c, const char *proc_root);

/* Apply one decoded record. Returns 1 and fills ret_event (holding references
 * that event_release() drops) when the record makes an event (exec, exit);
 * 0 when it only updates the cache (fork); negative errno on failure. */
int process_cache_apply(ProcessCache *c, const Record *record, Event *ret_event);

/* Release exited entries whose grace period has passed; now is CLOCK_BOOTTIME ns. */
void process_cache_gc(ProcessCache *c, uint64_t now);

/* Lookup by pid of a live process (for later stages: policy events). */
Process *process_cache_get(ProcessCache *c, uint32_t pid);
/* Likewise, or of one that exited and is still kept: for records read after its exit's
 * (the loader sensor's, from rings of their own). */
Process *process_cache_get_recent(ProcessCache *c, uint32_t pid);

void process_cache_get_stats(const ProcessCache *c, ProcessCacheStats *ret);

/* The systemd unit a cgroup path belongs to: from the leaf upward, the first
 * component that names a unit holding processes (.service, .scope, .socket,
 * .mount, .swap), unescaped. Returns 1 and the unit, 0 and NULL when there is
 * none, or -ENOMEM. Pure. */
int process_cache_unit_from_cgroup(const char *cgroup_path, char **ret_unit);

void event_release(Event *e);
