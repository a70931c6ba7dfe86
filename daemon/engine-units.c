/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unitSelector (a tetragond extension): the cgroups a scoped policy applies to, in the
 * kernel's maps. The units' names go in first, so that a unit's cgroup made from then on
 * is added by the kernel (tg_generic_unit_mkdir); then the cgroups that exist already.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-engine-internal.h"
#include "unit-cgroup.h"

static int unit_name_key(uint32_t policy_id, const char *unit, struct tg_generic_unit_name *ret) {
        if (strlen(unit) >= sizeof(ret->name))
                return -ENAMETOOLONG; /* the parser's limit is lower */
        *ret = (struct tg_generic_unit_name){ .policy_id = policy_id };
        memcpy(ret->name, unit, strlen(unit));
        return 0;
}

int engine_units_write(PolicyEngine *e, PolicyInstallation *i, const CompiledPolicy *c,
                       char **ret_error) {
        int names_fd = bpf_map__fd(e->skel->maps.gen_unit_names);
        int cgroups_fd = bpf_map__fd(e->skel->maps.gen_unit_cgroups);
        _cleanup_free_ char *root = NULL;
        UnitCgroup *found = NULL;
        size_t n_found = 0;
        uint8_t one = 1;
        int k;

        if (!c->has_units)
                return 0;
        i->units = calloc(c->n_units + 1, sizeof(char *));
        if (!i->units)
                return -ENOMEM;
        for (size_t u = 0; u < c->n_units; u++) {
                i->units[u] = strdup(c->units[u]);
                if (!i->units[u])
                        return -ENOMEM;
                i->n_units++;
        }
        i->unit_flags =
                TG_GENERIC_POLICY_UNITS | (c->units_not_in ? TG_GENERIC_POLICY_UNITS_NOT_IN : 0);

        k = unit_cgroup_root(&root);
        if (k < 0) {
                if (asprintf(ret_error, "unitSelector: %s",
                             k == -ENOENT ? "the unified cgroup hierarchy (cgroup2) is not "
                                            "mounted, and units are found there"
                                          : strerror(-k)) < 0)
                        *ret_error = NULL;
                return k;
        }
        for (size_t u = 0; u < c->n_units; u++) {
                struct tg_generic_unit_name key;

                k = unit_name_key(i->id, c->units[u], &key);
                if (k >= 0)
                        k = bpf_map_update_elem(names_fd, &key, &one, BPF_ANY);
                if (k < 0)
                        return k;
        }
        k = unit_cgroups_find(root, c->units, c->n_units, &found, &n_found);
        for (size_t n = 0; k >= 0 && n < n_found; n++) {
                struct tg_generic_unit_cgroup key = { .policy_id = i->id,
                                                      .cgroup_id = found[n].id };

                k = bpf_map_update_elem(cgroups_fd, &key, &one, BPF_ANY);
        }
        unit_cgroups_free(found, n_found);
        if (k == -E2BIG || k == -ENOSPC) {
                if (asprintf(ret_error,
                             "unitSelector: the engine's table of unit cgroups is "
                             "full (%u)",
                             TG_GENERIC_MAX_UNIT_CGROUPS) < 0)
                        *ret_error = NULL;
        }
        return k;
}

int engine_get_units(void *userdata, PolicyInstallation *i, PolicyUnitStatus **ret, size_t *ret_n) {
        _cleanup_free_ char *root = NULL;
        PolicyUnitStatus *units = NULL;
        UnitCgroup *found = NULL;
        size_t n_found = 0, n = 0;
        bool not_in = i->unit_flags & TG_GENERIC_POLICY_UNITS_NOT_IN;
        int k;

        *ret = NULL;
        *ret_n = 0;
        if (!(i->unit_flags & TG_GENERIC_POLICY_UNITS))
                return 0;
        k = unit_cgroup_root(&root);
        if (k >= 0)
                k = unit_cgroups_find(root, (const char *const *) i->units, i->n_units, &found,
                                      &n_found);
        if (k < 0)
                return k;
        /* One entry per cgroup found, and one for each unit with none. */
        units = calloc(n_found + i->n_units + 1, sizeof(PolicyUnitStatus));
        if (!units) {
                unit_cgroups_free(found, n_found);
                return -ENOMEM;
        }
        for (size_t u = 0; u < i->n_units; u++) {
                bool any = false;

                for (size_t f = 0; f < n_found; f++) {
                        if (found[f].unit != u)
                                continue;
                        units[n++] = (PolicyUnitStatus){ .unit = strdup(i->units[u]),
                                                         .not_in = not_in,
                                                         .cgroup = TAKE_PTR(found[f].path) };
                        any = true;
                }
                if (!any)
                        units[n++] =
                                (PolicyUnitStatus){ .unit = strdup(i->units[u]), .not_in = not_in };
        }
        unit_cgroups_free(found, n_found);
        for (size_t x = 0; x < n; x++)
                if (!units[x].unit) {
                        policy_unit_status_free_many(units, n);
                        return -ENOMEM;
                }
        *ret = units;
        *ret_n = n;
        return 0;
}

/* The keys of one installation in a hash map whose keys start with its id: all keys are
 * read first, as deleting during the walk would lose its place. */
static void map_remove_policy(int fd, size_t key_size, uint32_t policy_id) {
        _cleanup_free_ uint8_t *keys = NULL, *next = malloc(key_size);
        uint8_t *prev = NULL;
        size_t n = 0;

        if (!next)
                return;
        while (bpf_map_get_next_key(fd, prev, next) == 0) {
                uint8_t *grown = reallocarray(keys, n + 1, key_size);

                if (!grown)
                        break; /* what was read is still removed */
                keys = grown;
                memcpy(keys + n * key_size, next, key_size);
                prev = keys + n++ * key_size;
        }
        for (size_t k = 0; k < n; k++) {
                uint32_t id;

                memcpy(&id, keys + k * key_size, sizeof(id));
                if (id == policy_id)
                        (void) bpf_map_delete_elem(fd, keys + k * key_size);
        }
}

void engine_units_remove(PolicyEngine *e, PolicyInstallation *i) {
        if (!(i->unit_flags & TG_GENERIC_POLICY_UNITS))
                return;
        map_remove_policy(bpf_map__fd(e->skel->maps.gen_unit_names),
                          sizeof(struct tg_generic_unit_name), i->id);
        map_remove_policy(bpf_map__fd(e->skel->maps.gen_unit_cgroups),
                          sizeof(struct tg_generic_unit_cgroup), i->id);
}
