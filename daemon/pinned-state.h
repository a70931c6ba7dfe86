/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What outlives the daemon: its BPF links (and the few maps a later daemon reads) pinned in
 * bpffs, so that enforcement goes on while no daemon runs (SIGKILL, crash, restart, upgrade).
 *
 * Layout under the root folder (--bpf-dir, default /sys/fs/bpf/tetragond):
 *   lockdown          array map: when lockdown began (0: not locked); never removed by us,
 *                     so it lasts until reboot (bpffs does not survive one)
 *   run-BOOTTIME/     one folder per daemon start ("a run"), BOOTTIME its CLOCK_BOOTTIME ns
 *     stamp           array map: PINNED_LAYOUT_VERSION and the build that made the run
 *     link-NAME       each attachment of the run (bpf_link__pin): programs and their maps
 *                     live as long as a link holds them
 *     map-NAME        the kernel-side counters, read by the next run (records lost meanwhile),
 *                     the process monitor's ring buffer, and every map of the policy engine,
 *                     which the next run may adopt
 *     record-NAME     a small frozen record: "process", what the process monitor was built
 *                     with (process-monitor.c), "generic", what the policy engine was
 *                     (engine-adopt.c), compared by the next run before adopting;
 *                     "generic-state", rewritten after each change: the engine's function
 *                     points and each policy's slot ranges, id, mode and digest
 *     policy-N        the manifest of one policy the run enforces (frozen array map): its
 *                     name, the run's layout and the exact source it was installed from
 *                     (empty: a version the daemon could not name, e.g. an older one kept
 *                     in force under lockdown)
 *
 * A new run installs everything beside the older ones and only then removes them: make
 * before break, whatever the older runs' layout. An older run is never edited, only
 * replaced whole; its manifests tell the new run which of its policies were unchanged,
 * changed or deleted meanwhile, and whether, locked down, it may go (every policy it
 * enforced is enforced by the new run in the same version).
 *
 * Adoption, of the process-tracking part only: when the newest older run's process monitor
 * is the same build of process.bpf.o with the same options (its record-process equals this
 * run's), the new run reuses its ring buffer and counters and its three links (pinned here
 * a second time), instead of loading and attaching its own: their ids stay, the records
 * they wrote while no daemon ran are read, not lost, and the older run's policies keep
 * writing into the ring this run reads until it is released. Otherwise (another build,
 * options or layout, a pin missing) the monitor is loaded anew and the older one replaced
 * make-before-break, as before.
 *
 * Adoption of the policy engine (engine-adopt.c), with the monitor only (they share its ring)
 * and never while locked: when the newest older run's record-generic equals this run's, the
 * engine loads on that run's maps, takes its links, and each policy installed from the folder
 * that is the same (name, mode, compiled digest) as one the older run enforced is adopted as
 * it is: no detach, no attach, its ids and counters kept. A changed one is installed beside and
 * the older version dropped after; a deleted one dropped. Anything that does not match (a
 * record, a pin, hook lists the state record does not explain) falls back to loading anew,
 * make-before-break.
 *
 * Errors are returned, never logged: the manager decides what a failure means.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "policy.h" /* PolicyMode */

struct bpf_link;
struct bpf_map;

/* Bumped whenever what a run pins changes meaning. */
#define PINNED_LAYOUT_VERSION 1U
#define PINNED_DEFAULT_ROOT "/sys/fs/bpf/tetragond"

typedef struct PinnedState PinnedState;

/* The root (created 0700 if missing) and a new, empty run folder in it. root: a path, or
 * a name relative to /sys/fs/bpf as Tetragon's --bpf-dir. */
int pinned_state_new(PinnedState **ret, const char *root);
PinnedState *pinned_state_free(PinnedState *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(PinnedState *, pinned_state_free);

const char *pinned_state_root(PinnedState *p);
const char *pinned_state_run_dir(PinnedState *p);

/* "link-NAME" in the run folder; -EEXIST when pinned already. A link that cannot be pinned
 * (an attachment without a kernel link object) ends with the daemon. */
int pinned_state_pin_link(PinnedState *p, struct bpf_link *link, const char *name);
/* "map-NAME" in the run folder. */
int pinned_state_pin_map(PinnedState *p, struct bpf_map *map, const char *name);

/* A small record "record-NAME" in this run's folder (frozen), and one of an older run, read
 * only when it has exactly size bytes (-EBADMSG otherwise, -ENOENT when there is none). */
int pinned_state_pin_record(PinnedState *p, const char *name, const void *data, size_t size);
int pinned_state_read_record(PinnedState *p, const char *run, const char *name, void *data,
                             size_t size);
/* A record "record-NAME" of this run written anew, replacing the one before;
 * and one of an older run of any size (malloc'ed). */
int pinned_state_replace_record(PinnedState *p, const char *name, const void *data, size_t size);
int pinned_state_read_blob(PinnedState *p, const char *run, const char *name, void **ret,
                           size_t *ret_size);

/* Adoption. An older run's "map-NAME" and "link-NAME" (run: its folder's name), opened;
 * -EBUSY for another run than the first one opened: a run adopts from one older run. */
int pinned_state_open_map(PinnedState *p, const char *run, const char *name, int *ret_fd);
int pinned_state_open_link(PinnedState *p, const char *run, const char *name,
                           struct bpf_link **ret);
/* Taken over by this run from the run opened: the map's counters are no longer counted as
 * lost by that run when it is released; the link is pinned as "link-NAME" here too, and
 * releasing either run, while the other holds it, does not wait for its program to go. */
int pinned_state_adopt_map(PinnedState *p, int fd);
int pinned_state_adopt_link(PinnedState *p, struct bpf_link *link, const char *name);

/* The manifests of this run: replaces what it recorded before with these n policies (in
 * their mode, ENFORCE or MONITOR).
 * sources[k] NULL: a version in force that cannot be named (never counts as unchanged). */
int pinned_state_record_policies(PinnedState *p, const char *const *names,
                                 const char *const *sources, const PolicyMode *modes, size_t n);

/* What one older run enforced, from its stamp and manifests. */
typedef struct PinnedPolicy {
        char *name;
        char *source; /* NULL: not named */
        PolicyMode mode;
} PinnedPolicy;

typedef struct PinnedRun {
        char *name;         /* "run-BOOTTIME" */
        uint32_t layout;    /* 0: no readable stamp */
        bool has_manifests; /* false: a run of a build that wrote none */
        PinnedPolicy *policies;
        size_t n_policies;
} PinnedRun;

void pinned_runs_free(PinnedRun *runs, size_t n);

/* Every run under root but this one, oldest first. */
int pinned_state_read_older(PinnedState *p, PinnedRun **ret, size_t *ret_n);

/* Removes one older run by its name (make before break: after this run is in force). */
int pinned_state_release_run(PinnedState *p, const char *name, uint64_t *ret_lost);

/* Removes this run's folder: what it pinned leaves the kernel once no fd holds it. */
int pinned_state_release_own(PinnedState *p);

/* Every run under root (tetragond --release-pinned-bpf); -EPERM while locked. */
int pinned_release_all(const char *root, unsigned *ret_runs);

/* 1 and since when (CLOCK_REALTIME µs), or 0 when not locked. */
int pinned_lock_get(const char *root, uint64_t *ret_since_usec);
/* Locks (a no-op when locked already): 0, or a negative errno. */
int pinned_lock_set(const char *root, uint64_t since_usec);

/* The root folder a --bpf-dir names: malloc'ed. */
int pinned_root_from_option(const char *option, char **ret);
