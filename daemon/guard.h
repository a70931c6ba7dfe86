/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The lockdown's kernel guard (bpf/guard.bpf.c, BPF LSM): pinned in ROOT/guard/, so it holds
 * until reboot whatever happens to the daemon. It answers to one task group, "the daemon",
 * which each starting daemon claims. Errors are returned, never logged.
 */

#include <stdint.h>

/* Loads the guard for the pinned root and pins it in ROOT/guard/, claimed by this process.
 * -EEXIST when a guard is pinned already (guard_claim() it). */
int guard_install(const char *root);

/* Claims the guard pinned in ROOT/guard/ for this process: 1 when claimed, 0 when none is
 * pinned, -EBUSY when another live task group holds it (its tgid in ret_holder). */
int guard_claim(const char *root, uint32_t *ret_holder);

/* Puts the ids of the maps pinned under root, and of those the pinned links' programs use, in
 * the guard's list of maps only the daemon may write (and takes out those no longer there):
 * the number of maps guarded, -E2BIG beyond GUARD_MAPS_MAX. Called by the holder. */
int guard_sync(const char *root);
