/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing an installation's records into the engine's maps, and switching each attach
 * point's hook list: the new list is staged in the slot not in force, then one update flips
 * to it, after which a grace period passes before anything the old list named is reused.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "policy-engine-internal.h"

int map_write(struct bpf_map *map, uint32_t key, const void *value) {
        return bpf_map_update_elem(bpf_map__fd(map), &key, value, BPF_ANY);
}

static int map_zero_percpu(PolicyEngine *e, struct bpf_map *map, size_t value_size, Range r) {
        _cleanup_free_ void *zeros = calloc(e->n_cpus, value_size);
        int k;

        if (!zeros)
                return -ENOMEM;
        for (uint32_t s = r.first; s < r.first + r.n; s++) {
                k = map_write(map, s, zeros);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* SameFile's value: the identity of the file at the path, now, as the kernel names it (its
 * inode number and the file system's s_dev, MAJOR << 20 | MINOR). A path with no file gives
 * inode 0, which matches nothing until a file appears there (engine_refresh_file_ids). */
static void value_resolve_file(struct tg_policy_value *v, const char *path) {
        struct stat st;

        v->kind = TG_VALUE_FILE_ID;
        v->lo = v->hi = 0;
        if (stat(path, &st) < 0)
                return;
        v->lo = st.st_ino;
        v->hi = ((uint64_t) major(st.st_dev) << 20) | minor(st.st_dev);
}

/* Remembered so that a replaced file (renamed over, deleted and created) is followed. */
static int installation_add_file_id(PolicyInstallation *i, uint32_t slot,
                                    const struct tg_policy_value *v, const char *path) {
        FileIdValue *grown = realloc(i->file_ids, (i->n_file_ids + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        i->file_ids = grown;
        grown[i->n_file_ids] = (FileIdValue){ .slot = slot, .ino = v->lo, .dev = v->hi };
        grown[i->n_file_ids].path = strdup(path);
        if (!grown[i->n_file_ids].path)
                return -ENOMEM;
        i->n_file_ids++;
        return 0;
}

/* Takes every SameFile file's identity again and writes those that changed: the file at the
 * path is the one protected, whatever inode it is now. */
static void engine_refresh_file_ids(PolicyEngine *e) {
        for (size_t n = 0; n < e->n_installations; n++) {
                PolicyInstallation *i = e->installations[n];

                for (size_t k = 0; i->installed && k < i->n_file_ids; k++) {
                        FileIdValue *f = &i->file_ids[k];
                        struct tg_policy_value v = {};

                        value_resolve_file(&v, f->path);
                        if (v.lo == f->ino && v.hi == f->dev)
                                continue;
                        if (map_write(e->skel->maps.gen_values, f->slot, &v) < 0) {
                                log_warning_errno(errno, "Policy %s: failed to follow %s: %m",
                                                  i->policy_name, f->path);
                                continue;
                        }
                        log_info("Policy %s: %s is now inode %" PRIu64 ", followed.",
                                 i->policy_name, f->path, (uint64_t) v.lo);
                        f->ino = v.lo;
                        f->dev = v.hi;
                }
        }
}

static int on_file_id_folder(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        engine_refresh_file_ids(userdata);
        return 0;
}

void engine_unwatch_file_ids(PolicyEngine *e) {
        for (size_t k = 0; k < e->n_file_id_watches; k++)
                sd_event_source_disable_unref(e->file_id_watches[k]);
        e->file_id_watches = mfree(e->file_id_watches);
        e->n_file_id_watches = 0;
}

/* One inotify watch per SameFile file's folder, of the installed policies. A folder that
 * cannot be watched leaves its file's identity as installed: said, not fatal. */
void engine_watch_file_ids(PolicyEngine *e) {
        engine_unwatch_file_ids(e);
        if (!e->event)
                return;
        for (size_t n = 0; n < e->n_installations; n++) {
                PolicyInstallation *i = e->installations[n];

                for (size_t k = 0; i->installed && k < i->n_file_ids; k++) {
                        _cleanup_free_ char *dir = strdup(i->file_ids[k].path);
                        sd_event_source **grown;
                        char *slash;
                        int r;

                        if (!dir)
                                return;
                        slash = strrchr(dir, '/');
                        if (slash)
                                slash[slash == dir ? 1 : 0] = '\0';
                        grown = realloc(e->file_id_watches,
                                        (e->n_file_id_watches + 1) * sizeof(*grown));
                        if (!grown)
                                return;
                        e->file_id_watches = grown;
                        r = sd_event_add_inotify(e->event, &grown[e->n_file_id_watches], dir,
                                                 IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                                         IN_DELETE | IN_ONLYDIR,
                                                 on_file_id_folder, e);
                        if (r < 0) {
                                log_warning_errno(r,
                                                  "Policy %s: cannot watch %s: %m; a file "
                                                  "replaced there is not followed, ignoring.",
                                                  i->policy_name, dir);
                                continue;
                        }
                        e->n_file_id_watches++;
                }
        }
}

/* The compiled records into the installation's ranges, indexes rebased. */
int engine_write_records(PolicyEngine *e, const CompiledPolicy *c, PolicyInstallation *i) {
        __typeof__(e->skel->maps) *maps = &e->skel->maps;
        const Range *r = i->ranges;
        int k;

        for (size_t n = 0; n < c->n_hooks; n++) {
                struct tg_policy_hook h = c->hooks[n];
                InstalledHook *ih = installation_hook(i, (uint32_t) n);

                h.selector_first += r[TABLE_SELECTORS].first;
                if (ih && ih->mechanism == HOOK_MECHANISM_TRACEPOINT)
                        for (size_t a = 0; a < TG_POLICY_MAX_ARGS; a++) {
                                h.arg_index[a] = ih->arg_slot[a];
                                if (ih->arg_type[a] != 0)
                                        h.arg_type[a] = ih->arg_type[a];
                        }
                k = map_write(maps->gen_hooks, r[TABLE_HOOKS].first + n, &h);
                if (k < 0)
                        return k;
        }
        for (size_t n = 0; n < c->n_selectors; n++) {
                struct tg_policy_selector s = c->selectors[n];

                s.filter_first += r[TABLE_FILTERS].first;
                s.action_first += r[TABLE_ACTIONS].first;
                k = map_write(maps->gen_selectors, r[TABLE_SELECTORS].first + n, &s);
                if (k < 0)
                        return k;
        }
        for (size_t n = 0; n < c->n_filters; n++) {
                struct tg_policy_filter f = c->filters[n];

                f.value_first += r[TABLE_VALUES].first;
                k = map_write(maps->gen_filters, r[TABLE_FILTERS].first + n, &f);
                if (k < 0)
                        return k;
                /* "host_ns" values become the host's inode of the filter's namespace. */
                for (uint32_t v = 0; v < c->filters[n].n_values; v++) {
                        struct tg_policy_value val = c->values[c->filters[n].value_first + v];

                        if (!(val.flags & TG_VALUE_HOST_NS) || f.subtype >= _POLICY_NS_MAX)
                                continue;
                        val.lo = val.hi = e->host_ns[f.subtype];
                        k = map_write(maps->gen_values, f.value_first + v, &val);
                        if (k < 0)
                                return k;
                }
        }
        for (size_t n = 0; n < c->n_values; n++) {
                struct tg_policy_value v = c->values[n];

                if (v.flags & TG_VALUE_HOST_NS)
                        continue; /* written with its filter */
                if (v.flags & TG_VALUE_RESOLVE_FILE) {
                        const char *path = (const char *) c->strings[v.lo].data;

                        value_resolve_file(&v, path);
                        k = installation_add_file_id(i, r[TABLE_VALUES].first + (uint32_t) n, &v,
                                                     path);
                        if (k < 0)
                                return k;
                } else if (v.kind == TG_VALUE_STRING)
                        v.lo += r[TABLE_STRINGS].first;
                k = map_write(maps->gen_values, r[TABLE_VALUES].first + n, &v);
                if (k < 0)
                        return k;
        }
        for (size_t n = 0; n < c->n_strings; n++) {
                struct tg_generic_string s = { .length = c->strings[n].length };

                memcpy(s.data, c->strings[n].data, sizeof(c->strings[n].data));
                s.last_len = last_component_length(
                        s.data, MIN(s.length, (uint32_t) TG_POLICY_STRING_MAX - 1));
                k = map_write(maps->gen_strings, r[TABLE_STRINGS].first + n, &s);
                if (k < 0)
                        return k;
        }
        for (size_t n = 0; n < c->n_actions; n++) {
                k = map_write(maps->gen_actions, r[TABLE_ACTIONS].first + n, &c->actions[n]);
                if (k < 0)
                        return k;
        }

        if (i->adopted)
                return 0; /* its counters go on counting */
        k = map_zero_percpu(e, maps->gen_selector_counters, sizeof(struct tg_generic_counters),
                            r[TABLE_SELECTORS]);
        if (k < 0)
                return k;
        return map_zero_percpu(e, maps->gen_policy_counters, sizeof(struct tg_generic_counters),
                               r[TABLE_POLICIES]);
}

int engine_write_policy(PolicyEngine *e, PolicyInstallation *i, PolicyMode mode) {
        struct tg_generic_policy p = {
                .id = i->id,
                .flags = (mode == POLICY_MODE_MONITOR ? TG_GENERIC_POLICY_MONITOR : 0) |
                         i->unit_flags,
                .hook_first = i->ranges[TABLE_HOOKS].first,
                .selector_first = i->ranges[TABLE_SELECTORS].first,
        };

        return map_write(e->skel->maps.gen_policies, i->ranges[TABLE_POLICIES].first, &p);
}

/* ---- Syscall hook lists ---- */

/* Wait until no program still runs that started before now: they run under
 * rcu_read_lock(), and MEMBARRIER_CMD_GLOBAL waits for an RCU grace period. It also
 * orders the writes before it before everything after it, on every CPU. */
void engine_synchronize(void) {
        struct timespec quiet = { .tv_nsec = ENGINE_QUIET_NS };

        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
                (void) nanosleep(&quiet, NULL); /* kernels without it: long enough in practice */
}

/* Step 1 of switching a point to list: write it into the slot not in force. */
int engine_stage_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list) {
        uint32_t slot = point * 2 + (e->active[point] == 2 ? 0 : 1);

        if (list->n == 0)
                return 0; /* nothing to write: the switch turns the point off */
        return map_write(e->skel->maps.gen_point_lists, slot, list);
}

/* Step 2, after a grace period: one byte, which a program sees old or new, never half. */
int engine_flip_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list) {
        uint8_t next = list->n == 0 ? 0 : e->active[point] == 2 ? 1 : 2;
        int k;

        k = map_write(e->skel->maps.gen_point_active, point, &next);
        if (k < 0)
                return k;
        e->active[point] = next;
        return 0;
}

static InstalledHook *engine_hook_of(PolicyEngine *e, PolicyInstallation *extra,
                                     struct tg_generic_hook_ref ref) {
        for (size_t k = 0; k <= e->n_installations; k++) {
                PolicyInstallation *i = k < e->n_installations ? e->installations[k] : extra;

                if (!i || (!i->installed && i != extra))
                        continue;
                if (i->ranges[TABLE_POLICIES].first == ref.policy)
                        return installation_hook(i, ref.hook - i->ranges[TABLE_HOOKS].first);
        }
        return NULL;
}

/* The union of the hooks' prefilters, when they all have one on the same register. */
void list_set_prefilter(PolicyEngine *e, PolicyInstallation *extra, struct tg_generic_list *l) {
        int reg = -1;

        l->prefilter_reg = TG_GENERIC_NO_PREFILTER;
        memset(l->leaf_lengths, 0, sizeof(l->leaf_lengths));
        for (uint32_t j = 0; j < l->n; j++) {
                InstalledHook *h = engine_hook_of(e, extra, l->refs[j]);

                if (!h || h->prefilter_reg < 0 || (reg >= 0 && h->prefilter_reg != reg)) {
                        memset(l->leaf_lengths, 0, sizeof(l->leaf_lengths));
                        return;
                }
                reg = h->prefilter_reg;
                for (size_t w = 0; w < ELEMENTSOF(l->leaf_lengths); w++)
                        l->leaf_lengths[w] |= h->leaf_lengths[w];
        }
        if (reg >= 0)
                l->prefilter_reg = (uint8_t) reg;
}

/* Whether a return program finds anything on the point. */
void list_set_return(PolicyEngine *e, PolicyInstallation *extra, struct tg_generic_list *l) {
        l->has_return = 0;
        for (uint32_t j = 0; j < l->n; j++) {
                InstalledHook *h = engine_hook_of(e, extra, l->refs[j]);

                if (!h || h->ret)
                        l->has_return = 1; /* unknown: look */
        }
}

/* The lists of every point installation i hooks, with its hooks added (or removed). */
int engine_new_lists(PolicyEngine *e, PolicyInstallation *i, bool add,
                     struct tg_generic_list **ret /* TG_GENERIC_MAX_POINTS */) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                struct tg_generic_list *l;
                uint32_t nr;

                if (h->point < 0)
                        continue;
                nr = (uint32_t) h->point;
                if (!ret[nr]) {
                        ret[nr] = calloc(1, sizeof(struct tg_generic_list));
                        if (!ret[nr])
                                return -ENOMEM;
                        if (e->lists[nr])
                                *ret[nr] = *e->lists[nr];
                        if (!add) {
                                /* Every ref of this installation goes at once. */
                                size_t n = 0;

                                l = ret[nr];
                                for (size_t j = 0; j < l->n; j++)
                                        if (l->refs[j].policy != i->ranges[TABLE_POLICIES].first)
                                                l->refs[n++] = l->refs[j];
                                l->n = n;
                        }
                }
                if (!add)
                        continue;
                l = ret[nr];
                if (l->n >= TG_GENERIC_MAX_HOOKS_PER_POINT)
                        return -E2BIG;
                l->refs[l->n++] = (struct tg_generic_hook_ref){
                        .hook = i->ranges[TABLE_HOOKS].first + h->compiled,
                        .policy = i->ranges[TABLE_POLICIES].first,
                };
        }
        for (uint32_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                if (ret[nr]) {
                        list_set_prefilter(e, add ? i : NULL, ret[nr]);
                        list_set_return(e, add ? i : NULL, ret[nr]);
                }
        return 0;
}

void lists_free(struct tg_generic_list **lists) {
        for (size_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                lists[nr] = mfree(lists[nr]);
}

size_t installation_sys_enter_hooks(PolicyInstallation *i) {
        size_t n = 0;

        for (size_t k = 0; k < i->n_hooks; k++)
                n += i->hooks[k].mechanism == HOOK_MECHANISM_SYS_ENTER;
        return n;
}

int engine_attach(PolicyEngine *e) {
        if (e->link)
                return 0;
        e->link = bpf_program__attach(e->prog);
        if (!e->link)
                return negative_errno();
        return 0;
}

bool installation_has_sys_exit_hooks(PolicyInstallation *i) {
        for (size_t k = 0; k < i->n_hooks; k++)
                if (i->hooks[k].mechanism == HOOK_MECHANISM_SYS_ENTER && i->hooks[k].ret)
                        return true;
        return false;
}

int engine_attach_exit(PolicyEngine *e) {
        if (e->exit_link)
                return 0;
        e->exit_link = bpf_program__attach(e->exit_prog);
        if (!e->exit_link)
                return negative_errno();
        return 0;
}
