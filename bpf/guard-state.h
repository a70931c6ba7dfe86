/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The guard's one map entry, shared with user space (daemon/guard.c). */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct guard_state {
        __u32 daemon_tgid; /* 0: no daemon holds the guard (it exited) */
        __u32 dev;         /* the pinned root's bpffs: its superblock's s_dev */
        __u64 root_ino;    /* the pinned root folder's inode */
};

/* At most this many of our maps are guarded (guard_maps): the policies' and the run's. */
#define GUARD_MAPS_MAX 4096

_Static_assert(sizeof(struct guard_state) == 16, "guard_state layout");
