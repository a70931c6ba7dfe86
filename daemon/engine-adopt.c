/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Adoption of an older run's engine (pinned-state.h): its maps, links and slot tables taken
 * over by a new daemon, so that its unchanged policies stay attached as they are.
 *
 * Each run pins, beside its links, every map of the generic object (but the ring buffer,
 * which is the process monitor's, and libbpf's USDT maps, which each process's libbpf fills
 * from 0) and two records:
 *   record-generic        frozen at load: the object's hash and what chose its programs; a
 *                         later run adopts only from a run whose record equals its own
 *   record-generic-state  rewritten after each change: the function points (which kernel
 *                         function each index serves) and each policy's slot ranges, id,
 *                         mode and digest
 * A starting engine with the same record reuses the older run's maps before it loads, then
 * reads the hook lists in force back from the kernel and checks that they name exactly the
 * policies of the state record (a daemon killed between a switch and its record leaves a
 * state that does not match: then nothing is adopted). Every policy of the older run becomes
 * an orphan: its slots stay reserved and its hooks listed. engine_install() gives an orphan
 * to the same policy compiled again (same name, mode and digest): its records are written
 * again in place, identical, and its lists and links stay. Orphans left when the folder is
 * read are dropped as an uninstall does: their hooks leave the lists, then their slots and
 * the points nothing lists any more go.
 */
#include "policy-engine-internal.h"

#define ENGINE_STATE_VERSION 1U
#define ENGINE_RECORD "generic"
#define ENGINE_STATE_RECORD "generic-state"

typedef struct EngineRecord {
        uint64_t object_hash; /* FNV-1a of generic.bpf.o */
        uint32_t version;     /* ENGINE_STATE_VERSION */
        uint32_t disabled;    /* mechanisms disabled by the options */
        uint32_t programs;    /* bit per entry program loaded (what the kernel offers) */
        uint32_t host_user_ns;
        uint32_t ringbuf_id; /* the ring its programs write to */
        uint8_t cast;
        uint8_t pad[31];
} EngineRecord;
_Static_assert(sizeof(EngineRecord) == 64, "the record's size is part of the layout");

typedef struct EngineStateHeader {
        uint32_t version;
        uint32_t n_points;
        uint32_t n_policies;
        uint32_t complete; /* 0: something could not be recorded: adopt nothing */
} EngineStateHeader;

typedef struct EnginePointRecord {
        uint32_t index;
        uint8_t mechanism, syscall, ima, n_fields;
        uint8_t has_link, has_return_link, pad[2];
        uint32_t field_index[TG_POLICY_MAX_ARGS];
        struct tg_generic_fields fields;
        char function[256];
        char path[512];
} EnginePointRecord;

typedef struct EnginePolicyRecord {
        uint32_t id;
        uint32_t mode;
        uint32_t n_listed; /* its hooks in the lists */
        uint32_t has_enforcer;
        Range ranges[_TABLE_MAX];
        uint64_t digest;
        char name[256];
} EnginePolicyRecord;

struct EngineAdoption {
        char *run;
        int map_fds[64];
        struct bpf_map *maps[64];
        size_t n_maps;
        void *state; /* the state record */
        size_t state_size;
};

/* ---- What a run records ---- */

static uint64_t fnv(uint64_t hash, const void *data, size_t size) {
        const uint8_t *p = data;

        for (size_t k = 0; k < size; k++)
                hash = (hash ^ p[k]) * 0x100000001b3ULL;
        return hash;
}

static uint64_t fnv_string(uint64_t hash, const char *s) {
        return fnv(hash, strempty(s), strlen(strempty(s)) + 1);
}

uint64_t engine_digest(const CompiledPolicy *c, const PolicyPlan *plan) {
        uint64_t h = 0xcbf29ce484222325ULL;

        h = fnv(h, c->hooks, c->n_hooks * sizeof(*c->hooks));
        h = fnv(h, c->selectors, c->n_selectors * sizeof(*c->selectors));
        h = fnv(h, c->filters, c->n_filters * sizeof(*c->filters));
        h = fnv(h, c->values, c->n_values * sizeof(*c->values));
        h = fnv(h, c->strings, c->n_strings * sizeof(*c->strings));
        h = fnv(h, c->actions, c->n_actions * sizeof(*c->actions));
        for (size_t k = 0; k < c->n_lists; k++)
                for (size_t v = 0; v < c->lists[k].n_values; v++)
                        h = fnv_string(h, c->lists[k].values[v]);
        for (size_t k = 0; k < c->n_units; k++)
                h = fnv_string(h, c->units[k]);
        h = fnv(h, &c->units_not_in, sizeof(c->units_not_in));
        h = fnv(h, &c->loader, sizeof(c->loader));
        for (size_t k = 0; k < plan->n_hooks; k++) {
                const HookPlan *p = &plan->hooks[k];

                h = fnv(h, &p->hook, sizeof(p->hook));
                h = fnv(h, &p->mechanism, sizeof(p->mechanism));
                h = fnv(h, &p->syscall_nr, sizeof(p->syscall_nr));
                h = fnv(h, &p->ima, sizeof(p->ima));
                h = fnv_string(h, p->function);
                h = fnv_string(h, p->path);
        }
        h = fnv(h, &plan->has_enforcer, sizeof(plan->has_enforcer));
        return fnv(h, plan->enforced, sizeof(plan->enforced));
}

static void engine_record(PolicyEngine *e, int ringbuf_fd, EngineRecord *ret) {
        struct bpf_program *programs[] = {
                e->prog,        e->kprobe_prog,    e->kprobe_function_prog,
                e->uprobe_prog, e->usdt_prog,      e->tracepoint_prog,
                e->exit_prog,   e->kretprobe_prog, e->enforcer_prog
        };
        struct bpf_map_info info = {};
        uint32_t info_size = sizeof(info);
        size_t size = 0;
        const void *object = generic_bpf__elf_bytes(&size);

        *ret = (EngineRecord){
                .object_hash = fnv(0xcbf29ce484222325ULL, object, size),
                .version = ENGINE_STATE_VERSION,
                .disabled = e->caps.disabled,
                .host_user_ns = e->host_ns[POLICY_NS_USER],
                .cast = e->cast,
        };
        for (size_t k = 0; k < ELEMENTSOF(programs); k++)
                if (programs[k])
                        ret->programs |= 1U << k;
        if (ringbuf_fd >= 0 && bpf_obj_get_info_by_fd(ringbuf_fd, &info, &info_size) >= 0)
                ret->ringbuf_id = info.id;
}

/* The maps a run shares with the next: all but the ring (the process monitor's, adopted
 * with it), libbpf's USDT maps (each process's libbpf numbers its specs from 0) and the
 * internal ones (rodata: fixed by build and options). */
static bool map_is_shared(PolicyEngine *e, struct bpf_map *map) {
        return map != e->skel->maps.gen_ringbuf && !bpf_map__is_internal(map) &&
               strncmp(bpf_map__name(map), "__bpf_usdt", 10) != 0;
}

int engine_pin_maps(PolicyEngine *e) {
        EngineRecord record;
        struct bpf_map *map;
        int k;

        bpf_object__for_each_map(map, e->skel->obj) {
                if (!map_is_shared(e, map))
                        continue;
                k = pinned_state_pin_map(e->pins, map, bpf_map__name(map));
                if (k < 0)
                        return k;
        }
        engine_record(e, bpf_map__fd(e->skel->maps.gen_ringbuf), &record);
        return pinned_state_pin_record(e->pins, ENGINE_RECORD, &record, sizeof(record));
}

static bool copy_name(char *dst, size_t size, const char *src) {
        if (strlen(strempty(src)) >= size)
                return false;
        strcpy(dst, strempty(src));
        return true;
}

static uint32_t installation_listed(PolicyInstallation *i) {
        uint32_t n = 0;

        for (size_t k = 0; k < i->n_hooks; k++)
                n += i->hooks[k].point >= 0;
        return n;
}

int engine_pin_state(PolicyEngine *e) {
        _cleanup_free_ uint8_t *blob = NULL;
        EngineStateHeader *header;
        EnginePointRecord *points;
        EnginePolicyRecord *policies;
        size_t n_points = 0, n_policies = e->n_orphans, size;

        if (!e->pins)
                return 0;
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                n_points += e->functions[k].mechanism != HOOK_MECHANISM_NONE;
        for (size_t k = 0; k < e->n_installations; k++)
                n_policies += e->installations[k]->installed;
        size = sizeof(*header) + n_points * sizeof(*points) + n_policies * sizeof(*policies);
        blob = calloc(1, size);
        if (!blob)
                return -ENOMEM;
        header = (EngineStateHeader *) blob;
        points = (EnginePointRecord *) (header + 1);
        policies = (EnginePolicyRecord *) (points + n_points);
        *header = (EngineStateHeader){ .version = ENGINE_STATE_VERSION, .complete = 1 };

        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++) {
                FunctionPoint *fp = &e->functions[k];
                EnginePointRecord *r = &points[header->n_points];

                if (fp->mechanism == HOOK_MECHANISM_NONE)
                        continue;
                header->n_points++;
                *r = (EnginePointRecord){
                        .index = (uint32_t) k,
                        .mechanism = (uint8_t) fp->mechanism,
                        .syscall = fp->syscall,
                        .ima = fp->ima,
                        .n_fields = (uint8_t) fp->n_fields,
                        .has_link = !!fp->link,
                        .has_return_link = !!fp->return_link,
                        .fields = fp->fields,
                };
                memcpy(r->field_index, fp->field_index, sizeof(r->field_index));
                if (!copy_name(r->function, sizeof(r->function), fp->function) ||
                    !copy_name(r->path, sizeof(r->path), fp->path))
                        header->complete = 0;
        }
        for (size_t k = 0; k < e->n_installations + e->n_orphans; k++) {
                EnginePolicyRecord *r = &policies[header->n_policies];

                if (k < e->n_installations) {
                        PolicyInstallation *i = e->installations[k];

                        if (!i->installed)
                                continue;
                        *r = (EnginePolicyRecord){
                                .id = i->id,
                                .mode = i->mode,
                                .n_listed = installation_listed(i),
                                .has_enforcer = i->has_enforcer,
                                .digest = i->digest,
                        };
                        memcpy(r->ranges, i->ranges, sizeof(r->ranges));
                        if (!copy_name(r->name, sizeof(r->name), i->policy_name))
                                header->complete = 0;
                } else {
                        EngineOrphan *o = &e->orphans[k - e->n_installations];

                        /* Kept (locked down): reserved, never adopted (digest 0). */
                        *r = (EnginePolicyRecord){
                                .id = o->id,
                                .mode = o->mode,
                                .n_listed = o->n_listed,
                                .has_enforcer = o->has_enforcer,
                        };
                        memcpy(r->ranges, o->ranges, sizeof(r->ranges));
                }
                header->n_policies++;
        }
        return pinned_state_replace_record(e->pins, ENGINE_STATE_RECORD, blob, size);
}

/* ---- Adoption ---- */

EngineAdoption *engine_adoption_free(EngineAdoption *a) {
        if (!a)
                return NULL;
        for (size_t k = 0; k < a->n_maps; k++)
                if (a->map_fds[k] >= 0)
                        close(a->map_fds[k]);
        free(a->run);
        free(a->state);
        return mfree(a);
}

/* 1 and what to adopt when run's engine is this build's with these options and every pin is
 * there; 0 when not (nothing adopted), or a negative errno. Before the skeleton loads. */
int engine_adopt_prepare(PolicyEngine *e, PinnedState *pins, const char *run, int ringbuf_fd,
                         EngineAdoption **ret) {
        _cleanup_(engine_adoption_freep) EngineAdoption *a = NULL;
        EngineRecord own, old;
        struct bpf_map *map;
        int r;

        engine_record(e, ringbuf_fd, &own);
        r = pinned_state_read_record(pins, run, ENGINE_RECORD, &old, sizeof(old));
        if (r < 0 || memcmp(&own, &old, sizeof(own)) != 0)
                return 0;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->run = strdup(run);
        if (!a->run)
                return -ENOMEM;
        r = pinned_state_read_blob(pins, run, ENGINE_STATE_RECORD, &a->state, &a->state_size);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        bpf_object__for_each_map(map, e->skel->obj) {
                if (!map_is_shared(e, map))
                        continue;
                if (a->n_maps >= ELEMENTSOF(a->maps))
                        return 0;
                r = pinned_state_open_map(pins, run, bpf_map__name(map), &a->map_fds[a->n_maps]);
                if (r < 0)
                        return r == -ENOMEM ? r : 0;
                a->maps[a->n_maps++] = map;
        }
        *ret = TAKE_PTR(a);
        return 1;
}

/* The skeleton's maps become the older run's. */
int engine_adopt_maps(EngineAdoption *a) {
        for (size_t k = 0; k < a->n_maps; k++) {
                int r = bpf_map__reuse_fd(a->maps[k], a->map_fds[k]);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int open_link(PolicyEngine *e, EngineAdoption *a, const char *name, bool required,
                     struct bpf_link **ret) {
        _cleanup_free_ char *path = NULL;
        struct bpf_link **links;
        char **pins;
        int r;

        /* Asked first: libbpf says so on stderr when a pin it opens is missing. */
        if (asprintf(&path, "%s/%s/link-%s", pinned_state_root(e->pins), a->run, name) < 0)
                return -ENOMEM;
        r = access(path, F_OK) < 0 ? -ENOENT : pinned_state_open_link(e->pins, a->run, name, ret);
        if (r == -ENOENT && !required) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        links = reallocarray(e->adopted_links, e->n_adopted_links + 1, sizeof(*links));
        if (links)
                e->adopted_links = links;
        pins = reallocarray(e->adopted_pins, e->n_adopted_links + 1, sizeof(*pins));
        if (pins)
                e->adopted_pins = pins;
        if (!links || !pins ||
            asprintf(&pins[e->n_adopted_links], "%s/link-%s", pinned_state_run_dir(e->pins), name) <
                    0) {
                bpf_link__destroy(*ret);
                *ret = NULL;
                return -ENOMEM;
        }
        links[e->n_adopted_links++] = *ret;
        r = pinned_state_adopt_link(e->pins, *ret, name);
        if (r < 0) {
                free(pins[--e->n_adopted_links]);
                bpf_link__destroy(*ret);
                *ret = NULL;
        }
        return r;
}

/* Occupied: the ranges given, the gaps between them free. */
static int table_rebuild(Table *t, const Range *used, size_t n) {
        _cleanup_free_ Range *sorted = calloc(MAX(n, (size_t) 1), sizeof(Range));
        size_t m = 0;
        uint32_t end = 0;

        if (!sorted)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                if (used[k].n > 0) {
                        size_t j = m++;

                        while (j > 0 && sorted[j - 1].first > used[k].first) {
                                sorted[j] = sorted[j - 1];
                                j--;
                        }
                        sorted[j] = used[k];
                }
        free(t->free);
        t->free = NULL;
        t->n_free = 0;
        t->top = 0;
        for (size_t k = 0; k < m; k++) {
                if (sorted[k].first < end || sorted[k].first + sorted[k].n > t->size)
                        return -EBADMSG; /* overlapping, or beyond the map */
                if (sorted[k].first > end) {
                        Range *grown = reallocarray(t->free, t->n_free + 1, sizeof(Range));

                        if (!grown)
                                return -ENOMEM;
                        t->free = grown;
                        t->free[t->n_free++] = (Range){ end, sorted[k].first - end };
                }
                end = sorted[k].first + sorted[k].n;
        }
        t->top = end;
        return 0;
}

static void engine_forget_adopted(PolicyEngine *e) {
        /* Closing the fds detaches nothing: the older run's pins hold them. Our own pins of
         * them go with bpf_link__unpin in function_point_release(). */
        engine_link_destroy(e, e->link);
        engine_link_destroy(e, e->exit_link);
        engine_link_destroy(e, e->enforcer_link);
        e->link = e->exit_link = e->enforcer_link = NULL;
        for (size_t k = 0; k < ELEMENTSOF(e->baseline_links); k++) {
                engine_link_destroy(e, e->baseline_links[k]);
                e->baseline_links[k] = NULL;
        }
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                function_point_release(e, &e->functions[k]);
        for (size_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                e->lists[nr] = mfree(e->lists[nr]);
        memset(e->active, 0, sizeof(e->active));
        for (size_t k = 0; k < e->n_orphans; k++)
                free(e->orphans[k].name);
        e->orphans = mfree(e->orphans);
        e->n_orphans = 0;
        e->n_sys_enter_hooks = e->n_enforcers = 0;
}

static int engine_restore(PolicyEngine *e, EngineAdoption *a) {
        static const char *const baseline_names[] = { "baseline_exec", "baseline_fork",
                                                      "baseline_exit", "unit_mkdir" };
        const EngineStateHeader *header = a->state;
        const EnginePointRecord *points;
        const EnginePolicyRecord *policies;
        size_t n_listed = 0, n_refs = 0;
        int r;

        if (a->state_size < sizeof(*header) || header->version != ENGINE_STATE_VERSION ||
            !header->complete ||
            a->state_size != sizeof(*header) + header->n_points * sizeof(*points) +
                                     header->n_policies * sizeof(*policies))
                return -EBADMSG;
        points = (const EnginePointRecord *) (header + 1);
        policies = (const EnginePolicyRecord *) (points + header->n_points);

        /* The lists in force, from the kernel: what the older run's programs read now. */
        for (uint32_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++) {
                uint32_t slot;
                uint8_t active = 0;

                if (bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.gen_point_active), &nr, &active) <
                    0)
                        return -errno;
                if (active == 0)
                        continue;
                if (active > 2)
                        return -EBADMSG;
                e->active[nr] = active;
                e->lists[nr] = calloc(1, sizeof(struct tg_generic_list));
                if (!e->lists[nr])
                        return -ENOMEM;
                slot = nr * 2 + (active == 2);
                if (bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.gen_point_lists), &slot,
                                        e->lists[nr]) < 0)
                        return -errno;
                if (e->lists[nr]->n > TG_GENERIC_MAX_HOOKS_PER_POINT)
                        return -EBADMSG;
                n_refs += e->lists[nr]->n;
                if (nr < TG_GENERIC_MAX_SYSCALLS)
                        e->n_sys_enter_hooks += e->lists[nr]->n;
                else if (points_find(points, header->n_points, nr - TG_GENERIC_MAX_SYSCALLS) < 0)
                        return -EBADMSG; /* a point listed that the record does not know */
        }

        /* Every ref belongs to a recorded policy, and each policy has all its refs. */
        e->orphans = calloc(MAX(header->n_policies, 1U), sizeof(EngineOrphan));
        if (!e->orphans)
                return -ENOMEM;
        for (size_t k = 0; k < header->n_policies; k++) {
                const EnginePolicyRecord *p = &policies[k];
                EngineOrphan *o = &e->orphans[e->n_orphans++];
                size_t found = 0;

                *o = (EngineOrphan){
                        .id = p->id,
                        .mode = p->mode,
                        .n_listed = p->n_listed,
                        .has_enforcer = p->has_enforcer,
                        .digest = p->digest,
                        .name = strndup(p->name, sizeof(p->name)),
                };
                if (!o->name)
                        return -ENOMEM;
                memcpy(o->ranges, p->ranges, sizeof(o->ranges));
                for (uint32_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                        for (uint32_t j = 0; e->lists[nr] && j < e->lists[nr]->n; j++) {
                                struct tg_generic_hook_ref ref = e->lists[nr]->refs[j];

                                if (ref.policy != p->ranges[TABLE_POLICIES].first)
                                        continue;
                                if (ref.hook < p->ranges[TABLE_HOOKS].first ||
                                    ref.hook >=
                                            p->ranges[TABLE_HOOKS].first + p->ranges[TABLE_HOOKS].n)
                                        return -EBADMSG;
                                found++;
                                o->n_sys_enter += nr < TG_GENERIC_MAX_SYSCALLS;
                        }
                if (found != p->n_listed)
                        return -EBADMSG;
                n_listed += found;
                e->n_enforcers += o->has_enforcer;
        }
        if (n_listed != n_refs)
                return -EBADMSG;
        for (TableId t = 0; t < _TABLE_MAX; t++) {
                _cleanup_free_ Range *used = calloc(MAX(header->n_policies, 1U), sizeof(Range));

                if (!used)
                        return -ENOMEM;
                for (size_t k = 0; k < header->n_policies; k++)
                        used[k] = policies[k].ranges[t];
                r = table_rebuild(&e->tables[t], used, header->n_policies);
                if (r < 0)
                        return r;
        }

        /* The points, with the links the older run pinned. */
        for (size_t k = 0; k < header->n_points; k++) {
                const EnginePointRecord *p = &points[k];
                FunctionPoint *fp;
                char name[48];

                if (p->index >= ENGINE_FUNCTION_POINTS || p->mechanism == HOOK_MECHANISM_NONE ||
                    p->mechanism >= _HOOK_MECHANISM_MAX)
                        return -EBADMSG;
                fp = &e->functions[p->index];
                *fp = (FunctionPoint){
                        .mechanism = p->mechanism,
                        .function = strndup(p->function, sizeof(p->function)),
                        .path = p->path[0] ? strndup(p->path, sizeof(p->path)) : NULL,
                        .syscall = p->syscall,
                        .ima = p->ima,
                        .fields = p->fields,
                        .n_fields = MIN(p->n_fields, (uint8_t) TG_POLICY_MAX_ARGS),
                };
                memcpy(fp->field_index, p->field_index, sizeof(fp->field_index));
                if (!fp->function || (p->path[0] && !fp->path))
                        return -ENOMEM;
                snprintf(name, sizeof(name), "point-%u", p->index);
                r = open_link(e, a, name, p->has_link, &fp->link);
                if (r < 0)
                        return r;
                snprintf(name, sizeof(name), "point-%u-return", p->index);
                r = open_link(e, a, name, p->has_return_link, &fp->return_link);
                if (r < 0)
                        return r;
        }
        r = open_link(e, a, "sys_enter", false, &e->link);
        if (r >= 0)
                r = open_link(e, a, "sys_exit", false, &e->exit_link);
        if (r >= 0)
                r = open_link(e, a, "enforcer", e->n_enforcers > 0, &e->enforcer_link);
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(baseline_names); k++)
                r = open_link(e, a, baseline_names[k], true, &e->baseline_links[k]);
        if (r < 0)
                return r;
        if (e->n_sys_enter_hooks > 0 && !e->link)
                return -EBADMSG;
        return 0;
}

/* After the skeleton loaded on the older run's maps: 1 when its state is this engine's now,
 * 0 when it could not be read back whole (this engine then starts empty, beside it). */
int engine_adopt(PolicyEngine *e, EngineAdoption *a) {
        int r;

        r = engine_restore(e, a);
        if (r < 0) {
                engine_forget_adopted(e);
                for (TableId t = 0; t < _TABLE_MAX; t++) {
                        e->tables[t].free = mfree(e->tables[t].free);
                        e->tables[t].n_free = 0;
                        e->tables[t].top = 0;
                }
                return r == -ENOMEM ? r : 0;
        }
        e->adopted = true;
        return 1;
}

int points_find(const void *points, size_t n, uint32_t index) {
        const EnginePointRecord *p = points;

        for (size_t k = 0; k < n; k++)
                if (p[k].index == index)
                        return (int) k;
        return -1;
}

/* ---- Orphans ---- */

/* The orphan that installation i (planned, not allocated yet) can take over: same name,
 * mode and digest, the same counts, and every point it hooks attached already. */
EngineOrphan *engine_orphan_for(PolicyEngine *e, PolicyInstallation *i, const uint32_t *counts) {
        for (size_t k = 0; k < e->n_orphans; k++) {
                EngineOrphan *o = &e->orphans[k];
                bool fits = o->digest != 0 && o->digest == i->digest && o->mode == i->mode &&
                            streq_ptr(o->name, i->policy_name);

                for (TableId t = 0; fits && t < _TABLE_MAX; t++)
                        fits = o->ranges[t].n == counts[t];
                if (fits)
                        return o;
        }
        return NULL;
}

/* After engine_assign_points(): whether every point i hooks has what i needs attached. */
bool engine_points_attached(PolicyEngine *e, PolicyInstallation *i) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                FunctionPoint *fp;

                if (h->point < TG_GENERIC_MAX_SYSCALLS)
                        continue;
                fp = &e->functions[h->point - TG_GENERIC_MAX_SYSCALLS];
                if (!fp->link || (h->ret && !fp->return_link))
                        return false;
                if (!e->lists[h->point])
                        return false;
        }
        if (installation_sys_enter_hooks(i) > 0 && !e->link)
                return false;
        if (installation_has_sys_exit_hooks(i) && !e->exit_link)
                return false;
        return !i->has_enforcer || e->enforcer_link;
}

/* The orphan is installation i now: its counts move over. */
void engine_orphan_taken(PolicyEngine *e, EngineOrphan *o) {
        size_t k = (size_t) (o - e->orphans);

        e->n_sys_enter_hooks -= o->n_sys_enter;
        e->n_enforcers -= o->has_enforcer;
        free(o->name);
        memmove(o, o + 1, (e->n_orphans - k - 1) * sizeof(*o));
        e->n_orphans--;
        e->n_adopted++;
}

static bool engine_has_policy(PolicyEngine *e, const char *name) {
        for (size_t k = 0; k < e->n_installations; k++)
                if (e->installations[k]->installed &&
                    streq_ptr(e->installations[k]->policy_name, name))
                        return true;
        return false;
}

int policy_engine_drop_orphans(PolicyEngine *e) {
        while (e->n_orphans > 0) {
                EngineOrphan *o = &e->orphans[e->n_orphans - 1];
                struct tg_generic_list **lists;
                int k = 0;

                lists = calloc(TG_GENERIC_MAX_POINTS, sizeof(*lists));
                if (!lists)
                        return -ENOMEM;
                for (uint32_t nr = 0; nr < TG_GENERIC_MAX_POINTS && k >= 0; nr++) {
                        struct tg_generic_list *l = e->lists[nr];
                        size_t n = 0;

                        if (!l)
                                continue;
                        lists[nr] = malloc(sizeof(*l));
                        if (!lists[nr]) {
                                k = -ENOMEM;
                                break;
                        }
                        *lists[nr] = *l;
                        for (size_t j = 0; j < l->n; j++)
                                if (l->refs[j].policy != o->ranges[TABLE_POLICIES].first)
                                        lists[nr]->refs[n++] = l->refs[j];
                        if (n == l->n) {
                                lists[nr] = mfree(lists[nr]);
                                continue;
                        }
                        lists[nr]->n = (uint32_t) n;
                        /* Other orphans' hooks are not known: no prefilter then, and look. */
                        list_set_prefilter(e, NULL, lists[nr]);
                        list_set_return(e, NULL, lists[nr]);
                }
                if (k >= 0)
                        k = engine_switch(e, lists);
                lists_free(lists);
                free(lists);
                if (k < 0)
                        return k; /* still listed: in force rather than half gone */

                for (uint32_t v = 0; v < o->ranges[TABLE_VALUES].n; v++) {
                        uint32_t slot = o->ranges[TABLE_VALUES].first + v;

                        (void) bpf_map_delete_elem(bpf_map__fd(e->skel->maps.gen_syscall_sets),
                                                   &slot);
                }
                for (TableId t = 0; t < _TABLE_MAX; t++)
                        (void) table_release(&e->tables[t], o->ranges[t]);
                e->n_sys_enter_hooks -= o->n_sys_enter;
                e->n_enforcers -= o->has_enforcer;
                if (engine_has_policy(e, o->name))
                        e->n_replaced++;
                else
                        e->n_removed++;
                free(o->name);
                e->n_orphans--;
                engine_detach_if_idle(e);
        }
        (void) engine_pin_state(e); /* a failure shows at the next start: nothing adopted */
        return 0;
}

void policy_engine_get_adoption(PolicyEngine *e, PolicyEngineAdoption *ret) {
        *ret = (PolicyEngineAdoption){
                .adopted_engine = e->adopted,
                .policies_adopted = e->n_adopted,
                .policies_replaced = e->n_replaced,
                .policies_removed = e->n_removed,
        };
}
