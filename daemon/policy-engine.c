/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's PolicyBackend (install, uninstall, mode, hooks, counters) over the jobs of
 * the other engine-*.c files, and its setup: the kernel's facts, the skeleton's variant for
 * this kernel, loading it, the exec baselines.
 */
#include <sys/random.h>

#include "bpf-fdinfo.h"
#include "policy-engine-internal.h"

static const char *const table_names[_TABLE_MAX] = {
        [TABLE_HOOKS] = "hooks",       [TABLE_SELECTORS] = "selectors", [TABLE_FILTERS] = "filters",
        [TABLE_VALUES] = "values",     [TABLE_STRINGS] = "strings",     [TABLE_ACTIONS] = "actions",
        [TABLE_POLICIES] = "policies",
};

static const uint32_t table_sizes[_TABLE_MAX] = {
        [TABLE_HOOKS] = TG_GENERIC_MAX_HOOKS,       [TABLE_SELECTORS] = TG_GENERIC_MAX_SELECTORS,
        [TABLE_FILTERS] = TG_GENERIC_MAX_FILTERS,   [TABLE_VALUES] = TG_GENERIC_MAX_VALUES,
        [TABLE_STRINGS] = TG_GENERIC_MAX_STRINGS,   [TABLE_ACTIONS] = TG_GENERIC_MAX_ACTIONS,
        [TABLE_POLICIES] = TG_GENERIC_MAX_POLICIES,
};

/* Only once no program can reach them any more. */
static void installation_release_ranges(PolicyEngine *e, PolicyInstallation *i) {
        for (size_t n = 0; n < i->n_syscall_set_slots; n++)
                (void) bpf_map_delete_elem(bpf_map__fd(e->skel->maps.gen_syscall_sets),
                                           &i->syscall_set_slots[n]);
        i->n_syscall_set_slots = 0;
        for (TableId t = 0; t < _TABLE_MAX; t++) {
                (void) table_release(&e->tables[t], i->ranges[t]);
                i->ranges[t] = (Range){};
        }
}

/* Stage every list, wait, flip every byte, wait: afterwards the old lists are unused and
 * their slots (and anything only they reached) free. Only a failing map update can stop
 * it half way: then every flip done is undone. */
int engine_switch(PolicyEngine *e, struct tg_generic_list **lists) {
        uint8_t before[TG_GENERIC_MAX_POINTS];
        uint32_t nr;
        int k = 0;

        for (nr = 0; nr < TG_GENERIC_MAX_POINTS && k >= 0; nr++)
                if (lists[nr])
                        k = engine_stage_point(e, nr, lists[nr]);
        if (k < 0)
                return k;
        engine_synchronize();
        memcpy(before, e->active, sizeof(before));
        for (nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++) {
                if (!lists[nr])
                        continue;
                k = engine_flip_point(e, nr, lists[nr]);
                if (k < 0)
                        break;
        }
        if (k < 0) {
                for (uint32_t back = 0; back < nr; back++)
                        if (lists[back] && before[back] != e->active[back]) {
                                (void) map_write(e->skel->maps.gen_point_active, back,
                                                 &before[back]);
                                e->active[back] = before[back];
                        }
        }
        engine_synchronize();
        if (k < 0)
                return k;

        for (nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                if (lists[nr]) {
                        free(e->lists[nr]);
                        e->lists[nr] = TAKE_PTR(lists[nr]);
                        if (e->lists[nr]->n == 0)
                                e->lists[nr] = mfree(e->lists[nr]);
                }
        return 0;
}

/* InMap values that name a list of syscalls: its numbers, beside the value's slot. */
static int engine_write_syscall_sets(PolicyEngine *e, const CompiledPolicy *c,
                                     PolicyInstallation *i) {
        size_t n_lists = 0;

        for (size_t n = 0; n < c->n_values; n++)
                n_lists += c->values[n].kind == TG_VALUE_LIST;
        if (n_lists == 0)
                return 0;
        i->syscall_set_slots = calloc(n_lists, sizeof(uint32_t));
        if (!i->syscall_set_slots)
                return -ENOMEM;
        for (size_t n = 0; n < c->n_values; n++) {
                struct tg_generic_syscall_set set = {};
                uint32_t slot = i->ranges[TABLE_VALUES].first + (uint32_t) n;
                uint64_t bits[PLAN_SYSCALL_WORDS];
                int k;

                if (c->values[n].kind != TG_VALUE_LIST || c->values[n].aux >= c->n_lists)
                        continue;
                /* The plan checked every entry. */
                k = policy_list_syscalls(&c->lists[c->values[n].aux], bits, NULL);
                if (k < 0)
                        return k;
                _Static_assert(sizeof(set.bits) == sizeof(bits), "syscall bitmap size");
                memcpy(set.bits, bits, sizeof(bits));
                k = bpf_map_update_elem(bpf_map__fd(e->skel->maps.gen_syscall_sets), &slot, &set,
                                        BPF_ANY);
                if (k < 0)
                        return -errno;
                i->syscall_set_slots[i->n_syscall_set_slots++] = slot;
        }
        return 0;
}

/* The enforcer's calls, and its program attached at the syscalls' return. */
static int engine_write_enforcer(PolicyEngine *e, PolicyInstallation *i, const PolicyPlan *plan,
                                 char **ret_error) {
        struct tg_generic_syscall_set set = {};
        int k;

        if (!plan->has_enforcer)
                return 0;
        _Static_assert(sizeof(set.bits) == sizeof(plan->enforced), "syscall bitmap size");
        memcpy(set.bits, plan->enforced, sizeof(set.bits));
        k = map_write(e->skel->maps.gen_enforcer_calls, i->ranges[TABLE_POLICIES].first, &set);
        if (k < 0 || e->enforcer_link)
                return k;
        if (!e->enforcer_prog) {
                if (asprintf(ret_error, "the enforcer's program (tp_btf/sys_exit) did not load") <
                    0)
                        *ret_error = NULL;
                return -EOPNOTSUPP;
        }
        e->enforcer_link = bpf_program__attach(e->enforcer_prog);
        if (!e->enforcer_link) {
                k = negative_errno();
                if (asprintf(ret_error, "attaching tp_btf/sys_exit failed: %s", strerror(-k)) < 0)
                        *ret_error = NULL;
                return k;
        }
        return 0;
}

static bool engine_id_taken(PolicyEngine *e, uint32_t id) {
        if (engine_find(e, id))
                return true;
        for (size_t k = 0; k < e->n_orphans; k++)
                if (e->orphans[k].id == id)
                        return true;
        return false;
}

/* A new id and free ranges for i. */
static int engine_allocate(PolicyEngine *e, PolicyInstallation *i, const uint32_t *counts,
                           char **ret_error) {
        int k;

        do /* never 0 (an empty slot's), nor an orphan's */
                i->id = ++e->next_id;
        while (i->id == 0 || engine_id_taken(e, i->id));
        for (TableId t = 0; t < _TABLE_MAX; t++) {
                k = table_alloc(&e->tables[t], counts[t], &i->ranges[t]);
                if (k < 0) {
                        installation_release_ranges(e, i);
                        if (k == -ENOSPC && asprintf(ret_error,
                                                     "the engine's table of %s is full (%u): "
                                                     "too many policies installed",
                                                     table_names[t], table_sizes[t]) < 0)
                                *ret_error = NULL;
                        return k;
                }
        }
        return 0;
}

static int engine_install(void *userdata, const CompiledPolicy *c, PolicyMode mode,
                          PolicyInstallation **ret, char **ret_error) {
        PolicyEngine *e = userdata;
        _cleanup_(policy_plan_freep) PolicyPlan *plan = NULL;
        _cleanup_(installation_freep) PolicyInstallation *i = NULL;
        struct tg_generic_list **lists = NULL;
        PolicyInstallation **grown;
        EngineOrphan *orphan;
        const uint32_t counts[_TABLE_MAX] = {
                [TABLE_HOOKS] = c->n_hooks,     [TABLE_SELECTORS] = c->n_selectors,
                [TABLE_FILTERS] = c->n_filters, [TABLE_VALUES] = c->n_values,
                [TABLE_STRINGS] = c->n_strings, [TABLE_ACTIONS] = c->n_actions,
                [TABLE_POLICIES] = 1,
        };
        int k;

        *ret_error = NULL;
        engine_gc(e, now_ns());

        k = policy_plan_build(c, &e->caps, &plan, ret_error);
        if (k < 0)
                return k;
        /* What tetractl validate --kernel checks too, before anything reaches the kernel. */
        k = kernel_facts_check_plan(e->facts, plan, ret_error);
        if (k < 0)
                return k;
        k = installation_new(c, plan, &i);
        if (k < 0)
                return k;
        i->engine = e;
        i->mode = mode;
        i->digest = engine_digest(c, plan);

        grown = reallocarray(e->installations, e->n_installations + 1, sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        e->installations = grown;

        /* An older run's copy of this very policy, adopted with the engine: kept as it is. */
        orphan = engine_orphan_for(e, i, counts);
        if (orphan) {
                i->adopted = true;
                i->id = orphan->id;
                memcpy(i->ranges, orphan->ranges, sizeof(i->ranges));
        } else {
                k = engine_allocate(e, i, counts, ret_error);
                if (k < 0)
                        return k;
        }

        /* Nothing written so far is reachable: the lists do not name it yet. */
        lists = calloc(TG_GENERIC_MAX_POINTS, sizeof(*lists));
        if (!lists)
                k = -ENOMEM;
        if (k >= 0)
                k = engine_assign_points(e, i, c, plan, ret_error);
        if (k >= 0 && i->adopted && !engine_points_attached(e, i)) {
                /* Not attached as recorded after all: installed anew beside the orphan,
                 * which is dropped later, as a changed policy's. */
                i->adopted = false;
                orphan = NULL;
                memset(i->ranges, 0, sizeof(i->ranges));
                k = engine_allocate(e, i, counts, ret_error);
        }
        if (k >= 0)
                k = engine_write_records(e, c, i);
        if (k >= 0)
                k = engine_write_syscall_sets(e, c, i);
        if (k >= 0)
                k = engine_write_enforcer(e, i, plan, ret_error);
        /* Its units' cgroups before the policy: it is never in force unscoped. */
        if (k >= 0)
                k = engine_units_write(e, i, c, ret_error);
        if (k >= 0)
                k = engine_write_policy(e, i, mode);
        if (k >= 0 && !i->adopted) {
                k = engine_new_lists(e, i, true, lists);
                if (k == -E2BIG &&
                    asprintf(ret_error, "more than %u hooks of all policies on one point",
                             TG_GENERIC_MAX_HOOKS_PER_POINT) < 0)
                        *ret_error = NULL;
        }
        if (k >= 0 && installation_sys_enter_hooks(i) > 0) {
                k = engine_attach(e);
                if (k < 0 &&
                    asprintf(ret_error, "attaching tp_btf/sys_enter failed: %s", strerror(-k)) < 0)
                        *ret_error = NULL;
        }
        if (k >= 0 && installation_has_sys_exit_hooks(i)) {
                k = engine_attach_exit(e);
                if (k < 0 &&
                    asprintf(ret_error, "attaching tp_btf/sys_exit failed: %s", strerror(-k)) < 0)
                        *ret_error = NULL;
        }
        if (k >= 0)
                k = engine_attach_functions(e, i, ret_error);
        /* Pinned before the switch: once the policy is in force, it outlives the daemon. */
        if (k >= 0) {
                k = engine_pin_links(e);
                if (k < 0 &&
                    asprintf(ret_error, "pinning its attachments failed: %s", strerror(-k)) < 0)
                        *ret_error = NULL;
        }
        /* Last before the switch: a sensor that cannot start refuses the whole policy. */
        if (k >= 0 && c->loader) {
                _cleanup_free_ char *why = NULL;

                k = e->loader_sensor ? loader_sensor_hold(e->loader_sensor, &why) : -EOPNOTSUPP;
                if (k < 0 && !*ret_error)
                        *ret_error = why ? TAKE_PTR(why)
                                         : strdup("the loader sensor (spec.loader) is not "
                                                  "available in this daemon");
                i->holds_loader = k >= 0;
        }
        /* Adopted: its hooks are listed already. */
        if (k >= 0 && !i->adopted)
                k = engine_switch(e, lists);
        if (lists)
                lists_free(lists);
        free(lists);
        if (k < 0) {
                if (i->holds_loader)
                        loader_sensor_release(e->loader_sensor);
                i->holds_loader = false;
                if (!i->adopted) {
                        /* An orphan's slots and units stay its own until it is dropped. */
                        engine_units_remove(e, i);
                        installation_release_ranges(e, i);
                }
                engine_detach_if_idle(e);
                return k;
        }
        if (i->adopted)
                engine_orphan_taken(e, orphan);

        e->n_enforcers += i->has_enforcer;
        e->n_sys_enter_hooks += installation_sys_enter_hooks(i);
        i->installed = true;
        e->installations[e->n_installations++] = i;
        if (i->n_file_ids > 0)
                engine_watch_file_ids(e);
        *ret = TAKE_PTR(i);
        /* A failure shows at the next start: it adopts nothing. */
        (void) engine_pin_state(e);
        return 0;
}

static void engine_uninstall(void *userdata, PolicyInstallation *i) {
        PolicyEngine *e = userdata;
        struct tg_generic_list **lists;
        uint64_t now = now_ns();
        int k;

        if (!i || !i->installed || e->keep_pinned)
                return;
        lists = calloc(TG_GENERIC_MAX_POINTS, sizeof(*lists));
        k = lists ? engine_new_lists(e, i, false, lists) : -ENOMEM;
        if (k >= 0)
                k = engine_switch(e, lists);
        if (lists)
                lists_free(lists);
        free(lists);
        if (k < 0)
                /* The old lists stay, and with them the policy: in force rather than half
                 * gone. Its slots are not reused. */
                return;

        e->n_sys_enter_hooks -= installation_sys_enter_hooks(i);
        e->n_enforcers -= i->has_enforcer;
        if (i->holds_loader)
                loader_sensor_release(e->loader_sensor);
        i->holds_loader = false;
        engine_detach_if_idle(e);
        engine_units_remove(e, i);
        installation_release_ranges(e, i);
        i->installed = false;
        i->retired_ns = now;
        if (i->n_file_ids > 0)
                engine_watch_file_ids(e);
        engine_gc(e, now);
        (void) engine_pin_state(e);
}

static int engine_set_mode(void *userdata, PolicyInstallation *i, PolicyMode mode) {
        PolicyEngine *e = userdata;
        int k;

        if (!i->installed)
                return -ESTALE;
        k = engine_write_policy(e, i, mode);
        if (k < 0)
                return k;
        i->mode = mode;
        (void) engine_pin_state(e);
        return 0;
}

static int engine_get_hooks(void *userdata, PolicyInstallation *i, PolicyHookStatus **ret,
                            size_t *ret_n) {
        PolicyHookStatus *hooks;

        hooks = calloc(MAX(i->n_hooks, (size_t) 1), sizeof(PolicyHookStatus));
        if (!hooks)
                return -ENOMEM;
        for (size_t k = 0; k < i->n_hooks; k++) {
                hooks[k].hook = strdup(i->hooks[k].name);
                hooks[k].mechanism = strdup(i->hooks[k].status);
                if (!hooks[k].hook || !hooks[k].mechanism) {
                        policy_hook_status_free_many(hooks, k + 1);
                        return -ENOMEM;
                }
        }
        *ret = hooks;
        *ret_n = i->n_hooks;
        return 0;
}

/* Slot of a per-CPU counters map (per policy or per selector), summed over the CPUs.
 * values: room for one struct per CPU. */
static int counters_read(PolicyEngine *e, struct bpf_map *map, uint32_t slot,
                         struct tg_generic_counters *values, PolicyCounters *ret) {
        int k;

        *ret = (PolicyCounters){};
        k = bpf_map_lookup_elem(bpf_map__fd(map), &slot, values);
        if (k < 0)
                return k;
        for (int cpu = 0; cpu < e->n_cpus; cpu++) {
                ret->matched += values[cpu].matched;
                ret->posted += values[cpu].posted;
                ret->actions += values[cpu].actions;
                ret->rate_limited += values[cpu].rate_limited;
                ret->lost += values[cpu].lost;
                ret->monitored += values[cpu].monitored;
        }
        return 0;
}

static int engine_get_counters(void *userdata, PolicyInstallation *i, PolicyCounters *ret) {
        PolicyEngine *e = userdata;
        _cleanup_free_ struct tg_generic_counters *values = NULL;

        *ret = (PolicyCounters){};
        if (!i->installed)
                return 0;
        values = calloc(e->n_cpus, sizeof(*values));
        if (!values)
                return -ENOMEM;
        return counters_read(e, e->skel->maps.gen_policy_counters, i->ranges[TABLE_POLICIES].first,
                             values, ret);
}

static int engine_get_selector_counters(void *userdata, PolicyInstallation *i,
                                        PolicySelectorCounters **ret, size_t *ret_n,
                                        size_t *ret_n_hooks) {
        PolicyEngine *e = userdata;
        _cleanup_free_ struct tg_generic_counters *values = NULL;
        PolicySelectorCounters *all;
        size_t n_all = 0, n = 0;
        int k;

        *ret = NULL;
        *ret_n = 0;
        *ret_n_hooks = i->n_hooks;
        if (!i->installed)
                return 0; /* its slots may belong to another policy by now */
        for (size_t h = 0; h < i->n_hooks; h++)
                if (h == 0 || i->hooks[h].compiled != i->hooks[h - 1].compiled)
                        n_all += i->hooks[h].n_selectors;
        values = calloc(e->n_cpus, sizeof(*values));
        all = calloc(MAX(n_all, (size_t) 1), sizeof(PolicySelectorCounters));
        if (!values || !all) {
                free(all);
                return -ENOMEM;
        }
        for (size_t h = 0; h < i->n_hooks; h++) {
                const InstalledHook *hook = &i->hooks[h];
                uint32_t first = i->ranges[TABLE_SELECTORS].first + hook->selector_first;

                /* A call list's entries share their selectors: counted once. */
                if (h > 0 && hook->compiled == i->hooks[h - 1].compiled)
                        continue;
                for (uint32_t s = 0; s < hook->n_selectors; s++) {
                        PolicySelectorCounters *out = &all[n++];

                        out->hook_index = h;
                        out->selector_index = s;
                        out->hook = strdup(hook->name);
                        k = out->hook ? counters_read(e, e->skel->maps.gen_selector_counters,
                                                      first + s, values, &out->counters)
                                      : -ENOMEM;
                        if (k < 0) {
                                policy_selector_counters_free_many(all, n);
                                return k;
                        }
                }
        }
        *ret = all;
        *ret_n = n;
        return 0;
}

/* A policy owns no map of its own: it holds ranges of slots in the engine's tables, which
 * every policy shares. Its kernel memory is its share of each table's memlock, in proportion
 * to the slots it holds; the programs, the ring buffer and the other maps all policies share
 * are the engine's and count for none. */
static int engine_get_kernel_memory(void *userdata, PolicyInstallation *i, uint64_t *ret_bytes) {
        PolicyEngine *e = userdata;
        const struct {
                struct bpf_map *map;
                TableId table;
        } owned[] = {
                { e->skel->maps.gen_hooks, TABLE_HOOKS },
                { e->skel->maps.gen_selectors, TABLE_SELECTORS },
                { e->skel->maps.gen_selector_counters, TABLE_SELECTORS },
                { e->skel->maps.gen_filters, TABLE_FILTERS },
                { e->skel->maps.gen_values, TABLE_VALUES },
                { e->skel->maps.gen_strings, TABLE_STRINGS },
                { e->skel->maps.gen_actions, TABLE_ACTIONS },
                { e->skel->maps.gen_policies, TABLE_POLICIES },
                { e->skel->maps.gen_policy_counters, TABLE_POLICIES },
                { e->skel->maps.gen_enforcer_calls, TABLE_POLICIES },
        };

        *ret_bytes = 0;
        if (!i->installed)
                return 0;
        for (size_t k = 0; k < ELEMENTSOF(owned); k++) {
                uint32_t size = bpf_map__max_entries(owned[k].map);
                uint64_t memlock;
                int r;

                r = bpf_fd_memlock(bpf_map__fd(owned[k].map), &memlock);
                if (r < 0)
                        return r;
                if (size > 0)
                        *ret_bytes += memlock * i->ranges[owned[k].table].n / size;
        }
        return 0;
}

void policy_engine_get_backend(PolicyEngine *e, PolicyBackend *ret) {
        *ret = (PolicyBackend){
                .userdata = e,
                .install = engine_install,
                .uninstall = engine_uninstall,
                .set_mode = engine_set_mode,
                .get_hooks = engine_get_hooks,
                .get_units = engine_get_units,
                .get_counters = engine_get_counters,
                .get_selector_counters = engine_get_selector_counters,
                .get_kernel_memory = engine_get_kernel_memory,
        };
}

/* ---- Setup ---- */

/* The host's namespace of this type: pid 1's, or, where pid 1 is out of reach (a sandbox
 * that hides it), the daemon's own, which a system service shares with the host. */
static uint32_t namespace_inode(const char *name) {
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/1/ns/%s", name);
        if (stat(path, &st) == 0)
                return (uint32_t) st.st_ino;
        snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
        return stat(path, &st) < 0 ? 0 : (uint32_t) st.st_ino;
}

static void engine_read_host_namespaces(PolicyEngine *e) {
        static const char *const names[_POLICY_NS_MAX] = {
                [POLICY_NS_UTS] = "uts",
                [POLICY_NS_IPC] = "ipc",
                [POLICY_NS_MNT] = "mnt",
                [POLICY_NS_PID] = "pid",
                [POLICY_NS_PID_FOR_CHILDREN] = "pid_for_children",
                [POLICY_NS_NET] = "net",
                [POLICY_NS_TIME] = "time",
                [POLICY_NS_TIME_FOR_CHILDREN] = "time_for_children",
                [POLICY_NS_CGROUP] = "cgroup",
                [POLICY_NS_USER] = "user",
        };

        for (size_t t = 0; t < _POLICY_NS_MAX; t++)
                e->host_ns[t] = namespace_inode(names[t]);
}

static void engine_describe(PolicyEngine *e) {
        size_t n = 0;

        n += snprintf(e->description, sizeof(e->description),
                      "syscall hooks: %s%s, else tp_btf/sys_enter (%s); kernel functions: "
                      "%s%s%s; LSM hooks: %s; uprobes: %s; usdts: %s; Override: %s",
                      e->caps.kernel[HOOK_MECHANISM_FENTRY] ? "fentry, " : "",
                      e->kprobe_prog ? "a kprobe on the syscall's function" : "no kprobes",
                      bpf_program__name(e->prog),
                      e->caps.kernel[HOOK_MECHANISM_FENTRY] ? "fentry" : "no fentry",
                      e->kprobe_function_prog ? ", kprobe" : ", no kprobes",
                      e->caps.kernel[HOOK_MECHANISM_FENTRY] || e->kprobe_function_prog
                              ? ""
                              : " (refused)",
                      e->caps.kernel[HOOK_MECHANISM_LSM] ? "BPF LSM" : "none (refused)",
                      e->uprobe_prog ? "uprobe" : "none (refused)",
                      e->usdt_prog ? "usdt" : "none (refused)",
                      e->caps.kernel[HOOK_MECHANISM_LSM] && e->caps.kernel[HOOK_MECHANISM_FMOD_RET]
                              ? "LSM hooks and fmod_ret"
                      : e->caps.kernel[HOOK_MECHANISM_LSM]      ? "LSM hooks"
                      : e->caps.kernel[HOOK_MECHANISM_FMOD_RET] ? "fmod_ret"
                                                                : "none (refused)");
        for (HookMechanism m = HOOK_MECHANISM_FENTRY; m < _HOOK_MECHANISM_MAX; m++) {
                if (m == HOOK_MECHANISM_SYS_ENTER || e->caps.kernel[m] ||
                    n >= sizeof(e->description))
                        continue;
                n += snprintf(e->description + n, sizeof(e->description) - n, "; no %s: %s",
                              hook_mechanism_to_string(m), e->caps.kernel_detail[m]);
        }
}

/* What the engine's own instance of the object loads: the entry programs this kernel
 * takes, and the exec baselines. The rest load per function (engine_attach_btf_function()). */
static bool engine_loads_program(PolicyEngine *e, const struct bpf_program *p) {
        return p == e->prog || p == e->kprobe_prog || p == e->kprobe_function_prog ||
               p == e->uprobe_prog || p == e->usdt_prog || p == e->tracepoint_prog ||
               p == e->exit_prog || p == e->kretprobe_prog || p == e->enforcer_prog ||
               p == e->skel->progs.tg_generic_baseline_existing ||
               p == e->skel->progs.tg_generic_baseline_exec ||
               p == e->skel->progs.tg_generic_baseline_fork ||
               p == e->skel->progs.tg_generic_baseline_exit ||
               p == e->skel->progs.tg_generic_unit_mkdir;
}

static void bpf_link_destroyp(struct bpf_link **link) {
        bpf_link__destroy(*link); /* accepts NULL */
}

/* Runs the task iterator once: reading it to the end visits every task. */
static int engine_baseline_existing(PolicyEngine *e) {
        _cleanup_(bpf_link_destroyp) struct bpf_link *link = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        ssize_t n;

        link = bpf_program__attach_iter(e->skel->progs.tg_generic_baseline_existing, NULL);
        if (!link)
                return negative_errno();
        fd = bpf_iter_create(bpf_link__fd(link));
        if (fd < 0)
                return negative_errno();
        do
                n = read(fd, buf, sizeof(buf));
        while (n > 0 || (n < 0 && errno == EINTR));
        return n < 0 ? negative_errno() : 0;
}

/* Attached for the engine's life, not per hook: a baseline must be taken at exec, before
 * any policy asks for it. */
static int engine_attach_baselines(PolicyEngine *e) {
        struct bpf_program *programs[] = {
                e->skel->progs.tg_generic_baseline_exec,
                e->skel->progs.tg_generic_baseline_fork,
                e->skel->progs.tg_generic_baseline_exit,
                /* unitSelector's units started later: watched before any policy loads, as
                 * the exec baseline is. */
                e->skel->progs.tg_generic_unit_mkdir,
        };

        _Static_assert(ELEMENTSOF(programs) == ELEMENTSOF(e->baseline_links), "one link each");
        for (size_t k = 0; k < ELEMENTSOF(programs); k++) {
                e->baseline_links[k] = bpf_program__attach(programs[k]);
                if (!e->baseline_links[k])
                        return negative_errno();
        }
        /* After exec and fork are watched: no process falls between the two. */
        return engine_baseline_existing(e);
}

/* The skeleton opened and set up for this kernel and config, not loaded. */
static int engine_open(PolicyEngine *e, const PolicyEngineConfig *config) {
        struct bpf_program *p;
        int k;

        e->skel = generic_bpf__open();
        if (!e->skel)
                return negative_errno();
        e->skel->rodata->host_user_ns_inum = e->host_ns[POLICY_NS_USER];
        e->excluded_tgid = config->excluded_tgid;
        if (config->ringbuf_fd > 0)
                k = bpf_map__reuse_fd(e->skel->maps.gen_ringbuf, config->ringbuf_fd);
        else
                k = bpf_map__set_max_entries(e->skel->maps.gen_ringbuf, ENGINE_RINGBUF_SIZE);
        if (k < 0)
                return k;
        /* One variant loads (the other calls a kfunc the kernel may not have); it is
         * attached only while an installed hook needs it. */
        e->cast = !config->probe_read_only && kernel_facts_has_rdonly_cast(e->facts);
        e->prog = e->cast ? e->skel->progs.tg_generic_sys_enter_cast
                          : e->skel->progs.tg_generic_sys_enter_probe_read;
        e->kprobe_prog = e->cast ? e->skel->progs.tg_generic_kprobe_cast
                                 : e->skel->progs.tg_generic_kprobe_probe_read;
        e->kprobe_function_prog = e->cast ? e->skel->progs.tg_generic_kprobe_function_cast
                                          : e->skel->progs.tg_generic_kprobe_function_probe_read;
        e->uprobe_prog = e->cast ? e->skel->progs.tg_generic_uprobe_cast
                                 : e->skel->progs.tg_generic_uprobe_probe_read;
        if (!e->caps.kernel[HOOK_MECHANISM_UPROBE] ||
            (e->caps.disabled & (1U << HOOK_MECHANISM_UPROBE)))
                e->uprobe_prog = NULL;
        e->usdt_prog = e->cast ? e->skel->progs.tg_generic_usdt_cast
                               : e->skel->progs.tg_generic_usdt_probe_read;
        if (!e->caps.kernel[HOOK_MECHANISM_USDT] ||
            (e->caps.disabled & (1U << HOOK_MECHANISM_USDT)))
                e->usdt_prog = NULL;
        e->tracepoint_prog = e->cast ? e->skel->progs.tg_generic_tracepoint_cast
                                     : e->skel->progs.tg_generic_tracepoint_probe_read;
        if (!e->caps.kernel[HOOK_MECHANISM_TRACEPOINT] ||
            (e->caps.disabled & (1U << HOOK_MECHANISM_TRACEPOINT)))
                e->tracepoint_prog = NULL;
        /* Without kprobes no hook plans for them: the programs need not load. */
        if (!e->caps.kernel[HOOK_MECHANISM_KPROBE] ||
            (e->caps.disabled & (1U << HOOK_MECHANISM_KPROBE))) {
                e->kprobe_prog = NULL;
                e->kprobe_function_prog = NULL;
        }
        /* Return probes: one variant (they follow no kernel pointer). */
        e->exit_prog = e->skel->progs.tg_generic_sys_exit;
        e->kretprobe_prog =
                e->kprobe_prog || e->uprobe_prog ? e->skel->progs.tg_generic_kretprobe : NULL;
        e->enforcer_prog = e->skel->progs.tg_generic_enforcer;
        if (!e->caps.kernel[HOOK_MECHANISM_SYS_ENTER])
                e->enforcer_prog = NULL;
        bpf_object__for_each_program(p, e->skel->obj)
                bpf_program__set_autoload(p, engine_loads_program(e, p));
        return 0;
}

/* A second try without the older run's state: its maps are not this engine's. */
static int engine_reopen(PolicyEngine *e, const PolicyEngineConfig *config) {
        generic_bpf__destroy(e->skel);
        e->skel = NULL;
        return engine_open(e, config);
}

int policy_engine_new(PolicyEngine **ret, const PolicyEngineConfig *config) {
        _cleanup_(policy_engine_freep) PolicyEngine *e = NULL;
        _cleanup_(engine_adoption_freep) EngineAdoption *adoption = NULL;
        int k;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->process_cache = config->process_cache;
        /* Ids from a random start: an earlier run's records, in a ring buffer adopted from
         * it (pinned-state.h), name ids this engine does not know, not its own policies. */
        if (getrandom(&e->next_id, sizeof(e->next_id), 0) != sizeof(e->next_id))
                e->next_id = (uint32_t) now_ns();
        for (TableId t = 0; t < _TABLE_MAX; t++)
                e->tables[t].size = table_sizes[t];
        e->n_cpus = libbpf_num_possible_cpus();
        if (e->n_cpus < 0)
                return e->n_cpus;

        e->facts = config->kernel_facts;
        if (!e->facts) {
                k = kernel_facts_new(&e->own_facts);
                if (k < 0)
                        return k;
                e->facts = e->own_facts;
        }
        kernel_facts_capabilities(e->facts, config->disabled_mechanisms, &e->caps);
        engine_read_host_namespaces(e);

        k = engine_open(e, config);
        if (k < 0)
                return k;
        e->pins = config->pins;
        if (config->adopt_run && e->pins) {
                k = engine_adopt_prepare(e, e->pins, config->adopt_run,
                                         config->ringbuf_fd > 0 ? config->ringbuf_fd : -1,
                                         &adoption);
                if (k < 0)
                        return k;
                if (adoption && engine_adopt_maps(adoption) < 0) {
                        adoption = engine_adoption_free(adoption);
                        k = engine_reopen(e, config);
                        if (k < 0)
                                return k;
                }
        }
        k = generic_bpf__load(e->skel);
        if (k < 0 && adoption) {
                adoption = engine_adoption_free(adoption);
                k = engine_reopen(e, config);
                if (k >= 0)
                        k = generic_bpf__load(e->skel);
        }
        if (k < 0)
                return k;
        if (adoption) {
                k = engine_adopt(e, adoption);
                if (k < 0)
                        return k;
                if (k == 0) {
                        /* Loaded on maps whose state could not be read back: anew, beside. */
                        k = engine_reopen(e, config);
                        if (k >= 0)
                                k = generic_bpf__load(e->skel);
                        if (k < 0)
                                return k;
                }
        }
        /* The daemon that runs now, adopted programs included. */
        k = map_write(e->skel->maps.gen_run, 0, &(uint32_t){ (uint32_t) e->excluded_tgid });
        if (k < 0)
                return k;
        if (!e->adopted) {
                k = engine_attach_baselines(e);
                if (k < 0)
                        return k;
        }
        e->loader_sensor = config->loader_sensor;
        e->event = config->event;
        if (e->pins) {
                k = engine_pin_maps(e);
                /* Counted live by this run: not lost when the older run is released. */
                if (k >= 0 && e->adopted)
                        k = pinned_state_adopt_map(e->pins,
                                                   bpf_map__fd(e->skel->maps.gen_counters));
                if (k >= 0)
                        k = engine_pin_links(e);
                if (k >= 0)
                        k = engine_pin_state(e);
                if (k < 0)
                        return k;
        }

        engine_describe(e);
        *ret = TAKE_PTR(e);
        return 0;
}

void policy_engine_set_canary(PolicyEngine *e, Canary *c) {
        e->canary = c;
}

Canary *policy_engine_get_canary(PolicyEngine *e) {
        return e->canary;
}

StackSymbols *policy_engine_get_stack_symbols(PolicyEngine *e) {
        if (!e->stack_symbols)
                (void) stack_symbols_new(&e->stack_symbols);
        return e->stack_symbols;
}

PolicyEngine *policy_engine_free(PolicyEngine *e) {
        if (!e)
                return NULL;
        /* The registry uninstalls before the engine goes; whatever is left goes with the
         * maps. */
        engine_link_destroy(e, e->link);
        engine_link_destroy(e, e->exit_link);
        engine_link_destroy(e, e->enforcer_link);
        for (size_t k = 0; k < ELEMENTSOF(e->baseline_links); k++)
                engine_link_destroy(e, e->baseline_links[k]);
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                function_point_release(e, &e->functions[k]);
        engine_unwatch_file_ids(e);
        generic_bpf__destroy(e->skel);
        kernel_facts_free(e->own_facts);
        stack_symbols_free(e->stack_symbols);
        for (size_t k = 0; k < e->n_installations; k++)
                installation_free(e->installations[k]);
        free(e->installations);
        for (size_t k = 0; k < e->n_orphans; k++)
                free(e->orphans[k].name);
        free(e->orphans);
        for (size_t k = 0; k < e->n_adopted_links; k++)
                free(e->adopted_pins[k]);
        free(e->adopted_pins);
        free(e->adopted_links);
        for (size_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                free(e->lists[nr]);
        for (TableId t = 0; t < _TABLE_MAX; t++)
                free(e->tables[t].free);
        return mfree(e);
}

void policy_engine_keep_pinned(PolicyEngine *e) {
        e->keep_pinned = true;
}

int policy_engine_ringbuf_fd(PolicyEngine *e) {
        return bpf_map__fd(e->skel->maps.gen_ringbuf);
}

const char *policy_engine_describe(PolicyEngine *e) {
        return e->description;
}

bool policy_engine_is_attached(PolicyEngine *e) {
        if (e->link)
                return true;
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                if (e->functions[k].link)
                        return true;
        return false;
}

int policy_engine_read_counters(PolicyEngine *e, uint64_t ret[_TG_COUNTER_MAX]) {
        _cleanup_free_ uint64_t *values = calloc(e->n_cpus, sizeof(uint64_t));
        int fd = bpf_map__fd(e->skel->maps.gen_counters), k;

        if (!values)
                return -ENOMEM;
        for (uint32_t c = 0; c < _TG_COUNTER_MAX; c++) {
                k = bpf_map_lookup_elem(fd, &c, values);
                if (k < 0)
                        return k;
                ret[c] = 0;
                for (int cpu = 0; cpu < e->n_cpus; cpu++)
                        ret[c] += values[cpu];
        }
        return 0;
}
