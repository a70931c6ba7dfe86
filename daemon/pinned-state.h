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
 *     map-NAME        the kernel-side counters, read by the next run (records lost meanwhile)
 *
 * A new run installs everything beside the older ones and only then removes them: make
 * before break, whatever the older runs' layout. No pinned manifest: an older run is never
 * edited, only replaced whole, so the new run needs no bookkeeping of the old one's slots.
 *
 * Errors are returned, never logged: the manager decides what a failure means.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

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

/* Removes every other run (their links go, and with them their programs): call once this
 * run enforces everything. ret_runs: how many, ret_lost: the records their programs could
 * not deliver (kernel-side counters, including while no daemon ran). */
int pinned_state_release_older(PinnedState *p, unsigned *ret_runs, uint64_t *ret_lost);
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
