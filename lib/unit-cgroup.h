/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The cgroups of systemd units, for unitSelector (a tetragond extension): a unit's cgroup
 * is the folder named as the unit somewhere in the unified (cgroup2) hierarchy
 * (system.slice/nginx.service, user.slice/user-1000.slice/session-2.scope). Its id is the
 * folder's inode number, which is what BPF's bpf_get_current_ancestor_cgroup_id() returns.
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct UnitCgroup {
        size_t unit; /* index in the units asked for */
        char *path;  /* relative to the hierarchy's root: "system.slice/nginx.service" */
        uint64_t id;
} UnitCgroup;

/* Where the unified hierarchy is mounted ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"), from
 * /proc/self/mountinfo: -ENOENT when it is not mounted. */
int unit_cgroup_root(char **ret);

/* Every cgroup below root named as one of units, in the order a walk finds them. A folder
 * that goes away during the walk is skipped: the unit stopped. */
int unit_cgroups_find(const char *root, const char *const *units, size_t n_units, UnitCgroup **ret,
                      size_t *ret_n);
void unit_cgroups_free(UnitCgroup *c, size_t n);
