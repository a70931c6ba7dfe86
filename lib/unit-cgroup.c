/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit-cgroup.h"

int unit_cgroup_root(char **ret) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return -errno;
        while (getline(&line, &size, f) > 0) {
                char root[4096], mount_point[4096];
                const char *sep = strstr(line, " - ");

                /* ID PARENT MAJ:MIN ROOT MOUNT_POINT ... - TYPE SOURCE OPTIONS */
                if (!sep || !startswith(sep, " - cgroup2 ") ||
                    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount_point) != 2 ||
                    !streq(root, "/"))
                        continue;
                *ret = strdup(mount_point);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int append(UnitCgroup **c, size_t *n, size_t unit, const char *path, uint64_t id) {
        UnitCgroup *grown = reallocarray(*c, *n + 1, sizeof(UnitCgroup));

        if (!grown)
                return -ENOMEM;
        *c = grown;
        grown[*n] = (UnitCgroup){ .unit = unit, .path = strdup(path), .id = id };
        if (!grown[*n].path)
                return -ENOMEM;
        (*n)++;
        return 0;
}

int unit_cgroups_find(const char *root, const char *const *units, size_t n_units, UnitCgroup **ret,
                      size_t *ret_n) {
        char *paths[] = { (char *) root, NULL };
        UnitCgroup *found = NULL;
        size_t n_found = 0, root_len = strlen(root);
        FTSENT *ent;
        FTS *fts;
        int r = 0;

        fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
        if (!fts)
                return -errno;
        while (r >= 0 && (ent = fts_read(fts))) {
                if (ent->fts_info != FTS_D || ent->fts_level == 0)
                        continue;
                for (size_t u = 0; u < n_units && r >= 0; u++)
                        if (streq(ent->fts_name, units[u]))
                                r = append(&found, &n_found, u, ent->fts_path + root_len + 1,
                                           (uint64_t) ent->fts_statp->st_ino);
        }
        fts_close(fts);
        if (r < 0) {
                unit_cgroups_free(found, n_found);
                return r;
        }
        *ret = found;
        *ret_n = n_found;
        return 0;
}

void unit_cgroups_free(UnitCgroup *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(c[i].path);
        free(c);
}
