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

#include "kernel-facts.h"
#include "macro.h"

typedef enum StdoutFormat {
        STDOUT_NONE,    /* events only go to the journal and the export file */
        STDOUT_COMPACT, /* also one compact line per event on stdout (foreground use) */
        STDOUT_JSON,    /* also one export JSON object per line on stdout */
} StdoutFormat;

typedef struct ManagerConfig {
        const char *policy_dir;
        const char *state_dir; /* what persists across restarts: policy-state.json */
        const char *export_file;
        uint64_t export_file_max_size;
        unsigned export_file_max_backups;
        StdoutFormat stdout_format;
        const char *proc_root;
        size_t process_cache_max;
        unsigned disabled_mechanisms; /* 1U << HookMechanism the policy engine may not use */
        /* Where attachments are pinned so that they outlive the daemon (pinned-state.h);
         * NULL: nothing is pinned. */
        const char *bpf_dir;
        /* On SIGTERM/SIGINT leave every policy in force (Tetragon's --keep-sensors-on-exit).
         * Kept regardless while locked. */
        bool keep_sensors_on_exit;
        bool lockdown; /* lock at start (tetractl lockdown does the same later) */
} ManagerConfig;

typedef struct ManagerStats {
        uint64_t received;          /* records read from ring buffers */
        uint64_t decoded;           /* records that passed decode */
        uint64_t malformed;         /* records decode refused (never trusted) */
        uint64_t events;            /* events handed to the sinks */
        uint64_t sink_errors;       /* sink writes that failed */
        uint64_t lost;              /* ring buffer reservations that failed in the kernel */
        uint64_t lost_before_start; /* of that, by the runs this start replaced */
} ManagerStats;

typedef struct ManagerPinnedInfo {
        const char *run_dir;    /* this run's folder; NULL: nothing is pinned */
        unsigned runs_replaced; /* earlier runs found pinned at start, replaced */
        bool locked;
        uint64_t locked_since_usec; /* CLOCK_REALTIME */
        /* Whether the kernel itself guards the pinned state against root, and if not, why. */
        const char *kernel_protection;
} ManagerPinnedInfo;

typedef struct Manager Manager;

int manager_new(Manager **ret, const ManagerConfig *config);
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
