/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Manager owns the event loop and every long-lived object of the daemon:
 * the BPF monitors, the ring buffer, the process cache and the sinks. Other
 * modules are handed what they need and never reach back into it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "canary.h"
#include "config.h"
#include "event.h"
#include "kernel-facts.h"
#include "macro.h"
#include "process-cache.h"

typedef struct ManagerStats {
        uint64_t received;          /* records read from ring buffers */
        uint64_t decoded;           /* records that passed decode */
        uint64_t malformed;         /* records decode refused (never trusted) */
        uint64_t events;            /* events handed to the sinks */
        uint64_t filtered;          /* events --export-allowlist/--export-denylist kept from them */
        uint64_t rate_limited;      /* events --export-rate-limit kept from them */
        uint64_t throttled;         /* process events --cgroup-rate kept from them */
        uint64_t sink_errors;       /* sink writes that failed */
        uint64_t lost;              /* ring buffer reservations that failed in the kernel */
        uint64_t lost_before_start; /* of that, by the runs this start replaced */
        uint64_t events_by_type[_EVENT_TYPE_MAX]; /* events, per type */
        CanaryStats canary;                       /* GetUrl and DnsLookup requests */
} ManagerStats;

/* What an older run's policy became in this start's folder. */
typedef enum PinnedOutcome {
        PINNED_OUTCOME_UNCHANGED, /* the same source and mode: the new run's copy is the same */
        PINNED_OUTCOME_CHANGED,   /* edited, weakened to monitor, or a version not named */
        PINNED_OUTCOME_DELETED,   /* gone from the folder, or disabled */
        _PINNED_OUTCOME_MAX,
} PinnedOutcome;

typedef struct ManagerPinnedFound {
        unsigned policies[_PINNED_OUTCOME_MAX];
        unsigned runs_kept;         /* locked: left in force beside this run */
        unsigned runs_incompatible; /* of another layout (always replaced unless locked) */
} ManagerPinnedFound;

typedef struct ManagerPinnedInfo {
        const char *run_dir;    /* this run's folder; NULL: nothing is pinned */
        unsigned runs_replaced; /* earlier runs found pinned at start, replaced */
        ManagerPinnedFound found;
        bool process_monitor_adopted; /* taken over from an earlier run (pinned-state.h) */
        /* The policy engine too (its maps and links), and of its policies: taken over as
         * they were, installed anew (changed), removed (deleted). */
        bool engine_adopted;
        unsigned policies_adopted, policies_replaced, policies_removed;
        bool locked;
        uint64_t locked_since_usec; /* CLOCK_REALTIME */
        /* Whether the kernel itself guards the pinned state against root, and if not, why. */
        const char *kernel_protection;
} ManagerPinnedInfo;

typedef struct Manager Manager;

/* Takes config, even on failure; sources are kept (not copied) for reloads. */
int manager_new(Manager **ret, Config *config, const ConfigSources *sources);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Load and attach everything, read the running processes, start consuming. */
int manager_start(Manager *m);
/* Run the event loop until SIGTERM/SIGINT; returns the exit code. */
int manager_run(Manager *m);

void manager_get_stats(Manager *m, ManagerStats *ret);
void manager_get_pinned_info(Manager *m, ManagerPinnedInfo *ret);
/* Locks until reboot (pinned-state.h): policies can then be added, never removed or
 * weakened; the daemon's exit leaves them in force. -EOPNOTSUPP without pinned state. */
int manager_lock(Manager *m);
/* What the engine plans with; NULL before manager_start() read it. */
KernelFacts *manager_get_kernel_facts(Manager *m);
/* The process cache's counts, and how many entries it may hold. */
void manager_get_process_cache_stats(Manager *m, ProcessCacheStats *ret, size_t *ret_capacity);
