/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/membarrier.h>
#include <regex.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "generic.skel.h"
#include "kernel-features.h"
#include "policy-compile.h"
#include "policy-engine.h"
#include "policy-plan.h"
#include "tracepoint-format.h"

/* Room for bursts of matches; a power of two, as the kernel requires. */
#define ENGINE_RINGBUF_SIZE (4U * 1024 * 1024)
/* Without membarrier(), how long a program may still read what it found before a
 * switch: far longer than one runs. */
#define ENGINE_QUIET_NS (100ULL * 1000 * 1000)
/* The names of an uninstalled policy stay this long, for its late records. */
#define ENGINE_RETIRED_KEEP_NS (30ULL * 1000 * 1000 * 1000)

typedef enum TableId {
        TABLE_HOOKS,
        TABLE_SELECTORS,
        TABLE_FILTERS,
        TABLE_VALUES,
        TABLE_STRINGS,
        TABLE_ACTIONS,
        TABLE_POLICIES,
        _TABLE_MAX,
} TableId;

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

typedef struct Range {
        uint32_t first, n;
} Range;

/* Slots of one map, handed out in ranges. A range is freed only when no program can
 * reach it any more (after the switch and a grace period). */
typedef struct Table {
        uint32_t size;
        uint32_t top; /* slots from here on were never used */
        Range *free;
        size_t n_free;
} Table;

typedef struct InstalledHook {
        uint32_t compiled; /* its hook in the compiled policy: a call list's entries share one */
        HookMechanism mechanism;
        bool ret;  /* return: true: a return program on its point too */
        int point; /* the attach point its list is on; -1: none */
        /* Every selector needs the file of the fd in this register (-1: none) to equal a
         * path whose last component's length is in leaf_lengths. */
        int prefilter_reg;
        uint64_t leaf_lengths[4];
        uint32_t selector_first; /* in the compiled policy: add ranges[TABLE_SELECTORS].first */
        uint32_t n_selectors;
        char *name;
        char *function;
        char *path;                           /* a uprobe's binary */
        uint8_t arg_slot[TG_POLICY_MAX_ARGS]; /* a tracepoint's: the register of each argument */
        char *status;
        char *message;
        char **tags;
        size_t n_tags;
        char *labels[TG_POLICY_MAX_ARGS];
        /* A uprobe on an offset or an address: HookPlan's numbers. */
        bool has_offset;
        bool offset_is_address;
        uint64_t offset;
        uint64_t ref_ctr_offset;
} InstalledHook;

struct PolicyInstallation {
        PolicyEngine *engine;
        uint32_t id;
        Range ranges[_TABLE_MAX];
        PolicyMode mode;
        char *policy_name;
        InstalledHook *hooks; /* one per entry of the plan, in its order */
        size_t n_hooks;
        bool has_enforcer;
        uint32_t *syscall_set_slots; /* value slots with a list of syscalls (InMap) */
        size_t n_syscall_set_slots;
        bool installed; /* false once uninstalled: kept a while for late records */
        uint64_t retired_ns;
};

/* A kernel function (a syscall's, or any other) with one program attached, serving one
 * point above the syscall numbers. Kept while some installed hook is on it. */
typedef struct FunctionPoint {
        HookMechanism mechanism; /* HOOK_MECHANISM_NONE: the slot is free */
        char *function;
        char *path;   /* a uprobe's binary, NULL for kernel functions */
        bool syscall; /* a syscall's function: its one argument is the user's registers */
        struct bpf_link *link;
        struct bpf_link *return_link; /* fexit, kretprobe or uretprobe: for return: true */
        /* A tracepoint: the fields its hooks read, one per register, and their indexes. */
        struct tg_generic_fields fields;
        uint32_t field_index[TG_POLICY_MAX_ARGS];
        size_t n_fields;
} FunctionPoint;

#define ENGINE_FUNCTION_POINTS (TG_GENERIC_MAX_POINTS - TG_GENERIC_MAX_SYSCALLS)

struct PolicyEngine {
        struct generic_bpf *skel;
        pid_t excluded_tgid;
        bool cast;                /* the program variants using bpf_rdonly_cast() load here */
        struct bpf_program *prog; /* the variant of the sys_enter program this kernel takes */
        struct bpf_link *link;    /* it, attached while some hook needs it */
        struct bpf_program *kprobe_prog;          /* on syscall functions; NULL without kprobes */
        struct bpf_program *kprobe_function_prog; /* on other functions; likewise */
        struct bpf_program *uprobe_prog;          /* NULL without uprobes */
        struct bpf_program *usdt_prog;            /* likewise */
        struct bpf_program *tracepoint_prog;      /* NULL without tracepoints */
        struct bpf_program *exit_prog;      /* tp_btf/sys_exit: return: true on sys_enter's hooks */
        struct bpf_link *exit_link;         /* it, attached while some such hook is installed */
        struct bpf_program *kretprobe_prog; /* kretprobes and uretprobes; NULL without either */
        /* Exec, fork and exit: each process's capabilities and namespaces at exec, which
         * matchCapabilityChanges and matchNamespaceChanges compare with. */
        struct bpf_link *baseline_links[3];
        FunctionPoint functions[ENGINE_FUNCTION_POINTS];
        EngineCapabilities caps;
        struct btf *vmlinux_btf; /* for caps.function_in_btf; NULL without kernel BTF */
        /* The functions ftrace can trace, sorted, read at the first trampoline hook; NULL
         * when tracefs cannot say. */
        char **traceable;
        size_t n_traceable;
        bool traceable_read;
        ProcessCache *process_cache;
        int n_cpus;

        Table tables[_TABLE_MAX];
        uint32_t next_id;
        PolicyInstallation **installations; /* installed and retired */
        size_t n_installations;

        /* What each point's hook list in the kernel holds (NULL when empty), and which
         * of its two slots is in force (1, 2; 0: none). */
        struct tg_generic_list *lists[TG_GENERIC_MAX_POINTS];
        uint8_t active[TG_GENERIC_MAX_POINTS];
        size_t n_sys_enter_hooks;
        struct bpf_program *enforcer_prog; /* tp_btf/sys_exit; NULL without tp_btf */
        struct bpf_link *enforcer_link;    /* attached while some policy has an enforcer */
        size_t n_enforcers;

        uint32_t host_ns[_POLICY_NS_MAX]; /* inode of each namespace of pid 1 */
        char description[512];
};

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* ---- Tables ---- */

static int range_compare(const void *a, const void *b) {
        const Range *x = a, *y = b;

        return x->first < y->first ? -1 : x->first > y->first;
}

/* Merge neighbours; a free range at the end goes back to top. */
static void table_coalesce(Table *t) {
        size_t n = 0;

        if (t->n_free == 0)
                return;
        qsort(t->free, t->n_free, sizeof(Range), range_compare);
        for (size_t i = 0; i < t->n_free; i++) {
                if (n > 0 && t->free[n - 1].first + t->free[n - 1].n == t->free[i].first)
                        t->free[n - 1].n += t->free[i].n;
                else
                        t->free[n++] = t->free[i];
        }
        t->n_free = n;
        if (n > 0 && t->free[n - 1].first + t->free[n - 1].n == t->top) {
                t->top = t->free[n - 1].first;
                t->n_free--;
        }
}

static int table_alloc(Table *t, uint32_t n, Range *ret) {
        if (n == 0) {
                *ret = (Range){};
                return 0;
        }
        table_coalesce(t);
        for (size_t i = 0; i < t->n_free; i++) {
                Range *f = &t->free[i];

                if (f->n < n)
                        continue;
                *ret = (Range){ f->first, n };
                f->first += n;
                f->n -= n;
                if (f->n == 0) {
                        memmove(f, f + 1, (t->n_free - i - 1) * sizeof(Range));
                        t->n_free--;
                }
                return 0;
        }
        if (n > t->size - t->top)
                return -ENOSPC;
        *ret = (Range){ t->top, n };
        t->top += n;
        return 0;
}

static int table_release(Table *t, Range r) {
        Range *grown;

        if (r.n == 0)
                return 0;
        grown = reallocarray(t->free, t->n_free + 1, sizeof(Range));
        if (!grown)
                return -ENOMEM; /* the slots leak; nothing else breaks */
        t->free = grown;
        t->free[t->n_free++] = r;
        return 0;
}

/* ---- Installations ---- */

static void installed_hook_done(InstalledHook *h) {
        free(h->name);
        free(h->function);
        free(h->path);
        free(h->status);
        free(h->message);
        for (size_t i = 0; i < h->n_tags; i++)
                free(h->tags[i]);
        free(h->tags);
        for (size_t i = 0; i < TG_POLICY_MAX_ARGS; i++)
                free(h->labels[i]);
}

static PolicyInstallation *installation_free(PolicyInstallation *i) {
        if (!i)
                return NULL;
        for (size_t k = 0; k < i->n_hooks; k++)
                installed_hook_done(&i->hooks[k]);
        free(i->hooks);
        free(i->syscall_set_slots);
        free(i->policy_name);
        return mfree(i);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyInstallation *, installation_free);

static char *strdup_or_null(const char *s, bool *oom) {
        char *copy;

        if (!s)
                return NULL;
        copy = strdup(s);
        if (!copy)
                *oom = true;
        return copy;
}

/* The length of a path's last component (what follows its last '/'). */
static uint32_t last_component_length(const uint8_t *s, uint32_t length) {
        const uint8_t *slash = memrchr(s, '/', length);

        return slash ? length - (uint32_t) (slash - s) - 1 : length;
}

/* Does every selector of hook k require an fd's path Equal to some values? Then which
 * register, and the lengths of their last components. */
static void hook_prefilter(const CompiledPolicy *c, size_t k, InstalledHook *out) {
        const struct tg_policy_hook *h = &c->hooks[k];
        int reg = -1;

        out->prefilter_reg = -1;
        memset(out->leaf_lengths, 0, sizeof(out->leaf_lengths));
        if (h->n_selectors == 0)
                return;
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];
                bool found = false;

                for (uint32_t f = 0; f < sel->n_filters && !found; f++) {
                        const struct tg_policy_filter *flt = &c->filters[sel->filter_first + f];
                        int r;

                        if (flt->kind != TG_FILTER_ARG || flt->op != TG_POLICY_OP_EQUAL ||
                            flt->arg >= TG_POLICY_MAX_ARGS || h->arg_type[flt->arg] != TG_ARG_FD)
                                continue;
                        r = h->arg_index[flt->arg];
                        if (reg >= 0 && r != reg)
                                continue;
                        reg = r;
                        found = true;
                        for (uint32_t v = 0; v < flt->n_values; v++) {
                                const struct tg_policy_value *val =
                                        &c->values[flt->value_first + v];
                                const struct tg_policy_string *str;
                                uint32_t len;

                                if (val->kind != TG_VALUE_STRING || val->lo >= c->n_strings)
                                        return;
                                str = &c->strings[val->lo];
                                len = last_component_length(
                                        str->data,
                                        MIN(str->length, (uint32_t) TG_POLICY_STRING_MAX - 1));
                                out->leaf_lengths[len / 64] |= 1ULL << (len % 64);
                        }
                }
                if (!found) {
                        memset(out->leaf_lengths, 0, sizeof(out->leaf_lengths));
                        return;
                }
        }
        out->prefilter_reg = reg;
}

/* What events need once the compiled policy is gone. */
static int installation_new(const CompiledPolicy *c, PolicyPlan *plan, PolicyInstallation **ret) {
        _cleanup_(installation_freep) PolicyInstallation *i = NULL;
        bool oom = false;

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->hooks = calloc(MAX(plan->n_hooks, (size_t) 1), sizeof(InstalledHook));
        if (!i->hooks)
                return -ENOMEM;
        i->policy_name = strdup_or_null(strempty(c->name), &oom);
        i->has_enforcer = plan->has_enforcer;
        for (size_t n = 0; n < plan->n_hooks; n++) {
                HookPlan *p = &plan->hooks[n];
                size_t k = p->hook;
                const CompiledHookInfo *info = &c->hook_info[k];
                InstalledHook *h = &i->hooks[n];

                i->n_hooks++;
                h->compiled = (uint32_t) k;
                h->mechanism = p->mechanism;
                h->ret = c->hooks[k].flags & TG_POLICY_HOOK_AT_RETURN;
                h->point = p->mechanism == HOOK_MECHANISM_SYS_ENTER ? p->syscall_nr : -1;
                h->name = TAKE_PTR(p->name);
                h->function = TAKE_PTR(p->function);
                h->path = TAKE_PTR(p->path);
                h->status = TAKE_PTR(p->status);
                h->has_offset = p->has_offset;
                h->offset_is_address = p->offset_is_address;
                h->offset = p->offset;
                h->ref_ctr_offset = p->ref_ctr_offset;
                h->selector_first = c->hooks[k].selector_first;
                h->n_selectors = c->hooks[k].n_selectors;
                hook_prefilter(c, k, h);
                if (h->mechanism == HOOK_MECHANISM_TRACEPOINT)
                        h->prefilter_reg = -1; /* its registers are not its indexes */
                h->message = strdup_or_null(info->message, &oom);
                if (info->n_tags > 0) {
                        h->tags = calloc(info->n_tags, sizeof(char *));
                        if (!h->tags)
                                return -ENOMEM;
                        for (size_t t = 0; t < info->n_tags; t++)
                                h->tags[h->n_tags++] = strdup_or_null(info->tags[t], &oom);
                }
                for (size_t a = 0; a < c->hooks[k].n_args && a < TG_POLICY_MAX_ARGS; a++)
                        if (info->arg_labels)
                                h->labels[a] = strdup_or_null(info->arg_labels[a], &oom);
        }
        if (oom)
                return -ENOMEM;
        *ret = TAKE_PTR(i);
        return 0;
}

/* The first installed hook of compiled hook k (the only one, unless it calls a list). */
static InstalledHook *installation_hook(PolicyInstallation *i, uint32_t k) {
        if (k < i->n_hooks && i->hooks[k].compiled == k)
                return &i->hooks[k];
        for (size_t n = 0; n < i->n_hooks; n++)
                if (i->hooks[n].compiled == k)
                        return &i->hooks[n];
        return NULL;
}

/* The installed hook of compiled hook k on point: a call list's entry by its point. */
static InstalledHook *installation_hook_on(PolicyInstallation *i, uint32_t k, uint32_t point) {
        InstalledHook *h = installation_hook(i, k);

        if (!h)
                return NULL;
        for (InstalledHook *end = i->hooks + i->n_hooks; h < end && h->compiled == k; h++)
                if (h->point >= 0 && (uint32_t) h->point == point)
                        return h;
        return installation_hook(i, k);
}

static PolicyInstallation *engine_find(PolicyEngine *e, uint32_t id) {
        for (size_t k = 0; k < e->n_installations; k++)
                if (e->installations[k]->id == id)
                        return e->installations[k];
        return NULL;
}

/* Forget retired installations whose late records had time to arrive. */
static void engine_gc(PolicyEngine *e, uint64_t now) {
        size_t n = 0;

        for (size_t k = 0; k < e->n_installations; k++) {
                PolicyInstallation *i = e->installations[k];

                if (!i->installed && now - i->retired_ns >= ENGINE_RETIRED_KEEP_NS)
                        installation_free(i);
                else
                        e->installations[n++] = i;
        }
        e->n_installations = n;
}

/* ---- Maps ---- */

static int map_write(struct bpf_map *map, uint32_t key, const void *value) {
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

/* The compiled records into the installation's ranges, indexes rebased. */
static int engine_write_records(PolicyEngine *e, const CompiledPolicy *c, PolicyInstallation *i) {
        __typeof__(e->skel->maps) *maps = &e->skel->maps;
        const Range *r = i->ranges;
        int k;

        for (size_t n = 0; n < c->n_hooks; n++) {
                struct tg_policy_hook h = c->hooks[n];
                InstalledHook *ih = installation_hook(i, (uint32_t) n);

                h.selector_first += r[TABLE_SELECTORS].first;
                if (ih && ih->mechanism == HOOK_MECHANISM_TRACEPOINT)
                        for (size_t a = 0; a < TG_POLICY_MAX_ARGS; a++)
                                h.arg_index[a] = ih->arg_slot[a];
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
                if (v.kind == TG_VALUE_STRING)
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

        k = map_zero_percpu(e, maps->gen_selector_counters, sizeof(struct tg_generic_counters),
                            r[TABLE_SELECTORS]);
        if (k < 0)
                return k;
        return map_zero_percpu(e, maps->gen_policy_counters, sizeof(struct tg_generic_counters),
                               r[TABLE_POLICIES]);
}

static int engine_write_policy(PolicyEngine *e, PolicyInstallation *i, PolicyMode mode) {
        struct tg_generic_policy p = {
                .id = i->id,
                .flags = mode == POLICY_MODE_MONITOR ? TG_GENERIC_POLICY_MONITOR : 0,
                .hook_first = i->ranges[TABLE_HOOKS].first,
                .selector_first = i->ranges[TABLE_SELECTORS].first,
        };

        return map_write(e->skel->maps.gen_policies, i->ranges[TABLE_POLICIES].first, &p);
}

/* ---- Syscall hook lists ---- */

/* Wait until no program still runs that started before now: they run under
 * rcu_read_lock(), and MEMBARRIER_CMD_GLOBAL waits for an RCU grace period. It also
 * orders the writes before it before everything after it, on every CPU. */
static void engine_synchronize(void) {
        struct timespec quiet = { .tv_nsec = ENGINE_QUIET_NS };

        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
                (void) nanosleep(&quiet, NULL); /* kernels without it: long enough in practice */
}

/* Step 1 of switching a point to list: write it into the slot not in force. */
static int engine_stage_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list) {
        uint32_t slot = point * 2 + (e->active[point] == 2 ? 0 : 1);

        if (list->n == 0)
                return 0; /* nothing to write: the switch turns the point off */
        return map_write(e->skel->maps.gen_point_lists, slot, list);
}

/* Step 2, after a grace period: one byte, which a program sees old or new, never half. */
static int engine_flip_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list) {
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
static void list_set_prefilter(PolicyEngine *e, PolicyInstallation *extra,
                               struct tg_generic_list *l) {
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
static void list_set_return(PolicyEngine *e, PolicyInstallation *extra, struct tg_generic_list *l) {
        l->has_return = 0;
        for (uint32_t j = 0; j < l->n; j++) {
                InstalledHook *h = engine_hook_of(e, extra, l->refs[j]);

                if (!h || h->ret)
                        l->has_return = 1; /* unknown: look */
        }
}

/* The lists of every point installation i hooks, with its hooks added (or removed). */
static int engine_new_lists(PolicyEngine *e, PolicyInstallation *i, bool add,
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

static void lists_free(struct tg_generic_list **lists) {
        for (size_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                lists[nr] = mfree(lists[nr]);
}

static size_t installation_sys_enter_hooks(PolicyInstallation *i) {
        size_t n = 0;

        for (size_t k = 0; k < i->n_hooks; k++)
                n += i->hooks[k].mechanism == HOOK_MECHANISM_SYS_ENTER;
        return n;
}

static int engine_attach(PolicyEngine *e) {
        if (e->link)
                return 0;
        e->link = bpf_program__attach(e->prog);
        if (!e->link)
                return negative_errno();
        return 0;
}

static bool installation_has_sys_exit_hooks(PolicyInstallation *i) {
        for (size_t k = 0; k < i->n_hooks; k++)
                if (i->hooks[k].mechanism == HOOK_MECHANISM_SYS_ENTER && i->hooks[k].ret)
                        return true;
        return false;
}

static int engine_attach_exit(PolicyEngine *e) {
        if (e->exit_link)
                return 0;
        e->exit_link = bpf_program__attach(e->exit_prog);
        if (!e->exit_link)
                return negative_errno();
        return 0;
}

/* ---- Function points ---- */

/* The name in the kernel's BTF a program of mechanism m attaches to for function, and its
 * kind: an LSM program to the hook's bpf_lsm_ stub, a raw tracepoint to btf_trace_EVENT. */
static int btf_attach_name(HookMechanism m, const char *function, char *buf, size_t size) {
        if (m == HOOK_MECHANISM_RAW_TRACEPOINT) {
                const char *event = strchr(function, '/');

                snprintf(buf, size, "btf_trace_%s", event ? event + 1 : function);
                return BTF_KIND_TYPEDEF;
        }
        snprintf(buf, size, "%s%s", m == HOOK_MECHANISM_LSM ? "bpf_lsm_" : "", function);
        return BTF_KIND_FUNC;
}

/* A raw tracepoint's arguments: its btf_trace_ typedef is a pointer to a prototype whose
 * first parameter is the tracepoint's private data. */
static uint32_t raw_tracepoint_nargs(const struct btf *vmlinux, const char *function) {
        const struct btf_type *t;
        char name[160];
        int id;

        if (!vmlinux)
                return 0;
        (void) btf_attach_name(HOOK_MECHANISM_RAW_TRACEPOINT, function, name, sizeof(name));
        id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
        if (id <= 0)
                return 0;
        t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type); /* the pointer */
        t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
        if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
                return 0;
        return btf_vlen(t) - 1;
}

static void generic_bpf_destroyp(struct generic_bpf **obj) {
        generic_bpf__destroy(*obj); /* accepts NULL */
}

static void function_point_release(FunctionPoint *fp) {
        bpf_link__destroy(fp->return_link);
        bpf_link__destroy(fp->link);
        free(fp->function);
        free(fp->path);
        *fp = (FunctionPoint){};
}

static bool mechanism_is_per_function(HookMechanism m) {
        return m == HOOK_MECHANISM_KPROBE || m == HOOK_MECHANISM_FENTRY ||
               m == HOOK_MECHANISM_FMOD_RET || m == HOOK_MECHANISM_LSM ||
               m == HOOK_MECHANISM_UPROBE || m == HOOK_MECHANISM_USDT ||
               m == HOOK_MECHANISM_TRACEPOINT || m == HOOK_MECHANISM_RAW_TRACEPOINT;
}

/* The point of (mechanism, function, path): the one already attached there, or a new one,
 * not attached yet. Points nothing lists are given back by engine_detach_if_idle(). */
static int engine_function_point(PolicyEngine *e, HookMechanism m, const char *function,
                                 const char *path, bool syscall) {
        size_t free_slot = ENGINE_FUNCTION_POINTS;

        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++) {
                FunctionPoint *fp = &e->functions[k];

                if (fp->mechanism == m && streq(fp->function, function) &&
                    streq_ptr(fp->path, path))
                        return (int) (TG_GENERIC_MAX_SYSCALLS + k);
                if (fp->mechanism == HOOK_MECHANISM_NONE && free_slot == ENGINE_FUNCTION_POINTS)
                        free_slot = k;
        }
        if (free_slot == ENGINE_FUNCTION_POINTS)
                return -ENOSPC;
        e->functions[free_slot] = (FunctionPoint){
                .mechanism = m,
                .function = strdup(function),
                .path = path ? strdup(path) : NULL,
                .syscall = syscall,
        };
        if (!e->functions[free_slot].function || (path && !e->functions[free_slot].path)) {
                function_point_release(&e->functions[free_slot]);
                return -ENOMEM;
        }
        return (int) (TG_GENERIC_MAX_SYSCALLS + free_slot);
}

static struct bpf_program *function_program(struct generic_bpf *obj, HookMechanism m, bool cast) {
        switch (m) {
        case HOOK_MECHANISM_FENTRY:
                return cast ? obj->progs.tg_generic_fentry_cast
                            : obj->progs.tg_generic_fentry_probe_read;
        case HOOK_MECHANISM_FMOD_RET:
                return cast ? obj->progs.tg_generic_fmod_ret_cast
                            : obj->progs.tg_generic_fmod_ret_probe_read;
        case HOOK_MECHANISM_LSM:
                return cast ? obj->progs.tg_generic_lsm_cast : obj->progs.tg_generic_lsm_probe_read;
        case HOOK_MECHANISM_RAW_TRACEPOINT:
                return cast ? obj->progs.tg_generic_raw_tracepoint_cast
                            : obj->progs.tg_generic_raw_tracepoint_probe_read;
        case HOOK_MECHANISM_NONE:
        case HOOK_MECHANISM_KPROBE:
        case HOOK_MECHANISM_SYS_ENTER:
        case HOOK_MECHANISM_TRACEPOINT:
        case HOOK_MECHANISM_UPROBE:
        case HOOK_MECHANISM_USDT:
        case _HOOK_MECHANISM_MAX:
                break;
        }
        return NULL;
}

/* Every map of obj (but its own .rodata, .bss) becomes from's map in the same place: obj is
 * another instance of from's object, whose maps come in the same order. Not by name: a map
 * that reuses another's fd (the process monitor's ring buffer) takes that one's name. */
static int object_share_maps(struct bpf_object *obj, struct bpf_object *from) {
        struct bpf_map *map, *shared = NULL;

        bpf_object__for_each_map(map, obj) {
                int k;

                shared = bpf_object__next_map(from, shared);
                if (!shared)
                        return -ENOENT;
                if (bpf_map__is_internal(map))
                        continue;
                k = bpf_map__reuse_fd(map, bpf_map__fd(shared));
                if (k < 0)
                        return k;
        }
        return 0;
}

/* fentry, fmod_ret and LSM programs name their function at load: each point loads its
 * own copy of the one program it needs, from a second instance of the object whose maps
 * are the engine's, and keeps only the link. */
static int engine_attach_btf_function(PolicyEngine *e, uint32_t point, FunctionPoint *fp,
                                      bool at_return, char **ret_error) {
        _cleanup_(generic_bpf_destroyp) struct generic_bpf *obj = NULL;
        struct bpf_program *prog = NULL, *p;
        const char *step, *target = fp->function;
        int k;

        step = "opening";
        obj = generic_bpf__open();
        if (!obj) {
                k = negative_errno();
                goto fail;
        }
        step = "sharing the engine's maps with";
        k = object_share_maps(obj->obj, e->skel->obj);
        if (k < 0)
                goto fail;
        obj->rodata->host_user_ns_inum = e->host_ns[POLICY_NS_USER];
        obj->rodata->excluded_tgid = (__u32) e->excluded_tgid;
        obj->rodata->function_point = point;
        obj->rodata->function_is_syscall = fp->syscall;
        if (fp->mechanism == HOOK_MECHANISM_RAW_TRACEPOINT) {
                /* "subsystem/event": libbpf finds btf_trace_EVENT. */
                obj->rodata->function_nargs = raw_tracepoint_nargs(e->vmlinux_btf, fp->function);
                if (strchr(fp->function, '/'))
                        target = strchr(fp->function, '/') + 1;
        }
        /* fexit, for fentry and fmod_ret: the same in both variants. */
        prog = at_return ? obj->progs.tg_generic_fexit
                         : function_program(obj, fp->mechanism, e->cast);
        bpf_object__for_each_program(p, obj->obj)
                bpf_program__set_autoload(p, p == prog);

        step = "finding";
        k = prog ? bpf_program__set_attach_target(prog, 0, target) : -EINVAL;
        if (k < 0)
                goto fail;
        step = "loading";
        k = generic_bpf__load(obj);
        if (k < 0)
                goto fail;
        step = "attaching";
        *(at_return ? &fp->return_link : &fp->link) = bpf_program__attach(prog);
        if (!*(at_return ? &fp->return_link : &fp->link)) {
                k = negative_errno();
                goto fail;
        }
        return 0;

fail:
        /* fmod_ret is refused with EINVAL on functions that do not allow it. */
        if (asprintf(ret_error, "%s %s on %s failed: %s%s", step,
                     at_return ? "fexit" : hook_mechanism_to_string(fp->mechanism), fp->function,
                     strerror(-k),
                     fp->mechanism == HOOK_MECHANISM_FMOD_RET && k == -EINVAL
                             ? " (the kernel allows fmod_ret only on security_* functions, and "
                               "on others only with function error injection)"
                             : "") < 0)
                *ret_error = NULL;
        return k;
}

/* The file offset of address in the 64-bit ELF binary at path: inside the loaded segment
 * that holds it. -ENXIO: in none. The program headers are all it takes: no libelf. */
static int elf_address_to_offset(const char *path, uint64_t address, uint64_t *ret) {
        _cleanup_close_ int fd = -EBADF;
        Elf64_Ehdr eh;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t) sizeof(eh) ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr))
                return -ENOEXEC;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;

                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + i * sizeof(ph))) !=
                    (ssize_t) sizeof(ph))
                        return -ENOEXEC;
                if (ph.p_type == PT_LOAD && address >= ph.p_vaddr &&
                    address - ph.p_vaddr < ph.p_filesz) {
                        *ret = address - ph.p_vaddr + ph.p_offset;
                        return 0;
                }
        }
        return -ENXIO;
}

/* A uprobe on hook h's symbol, offset or address, or a usdt, in every process that runs
 * the binary (pid -1). The hook's point comes as the attach cookie, a usdt's as the USDT
 * cookie (libbpf keeps the attach cookie for the probe's argument specs). */
static int engine_attach_user(PolicyEngine *e, InstalledHook *h, FunctionPoint *fp,
                              char **ret_error) {
        const char *what = fp->mechanism == HOOK_MECHANISM_USDT ? "usdt" : "uprobe";
        uint64_t offset = h->offset;
        int r;

        if ((fp->mechanism == HOOK_MECHANISM_USDT ? e->usdt_prog : e->uprobe_prog) == NULL)
                return -EOPNOTSUPP;
        if (access(fp->path, R_OK) < 0) {
                r = negative_errno();
                if ((r == -ENOENT ? asprintf(ret_error, "%s on %s: no file %s", what, fp->function,
                                             fp->path)
                                  : asprintf(ret_error, "%s on %s: cannot read %s: %s", what,
                                             fp->function, fp->path, strerror(-r))) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (fp->mechanism == HOOK_MECHANISM_USDT) {
                LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = (uint64_t) h->point);
                _cleanup_free_ char *provider = strdup(fp->function);
                char *name = provider ? strchr(provider, ':') : NULL;

                if (!name)
                        return -ENOMEM;
                *name++ = '\0';
                fp->link =
                        bpf_program__attach_usdt(e->usdt_prog, -1, fp->path, provider, name, &opts);
                if (!fp->link) {
                        r = negative_errno();
                        if (asprintf(ret_error, "usdt: %s in %s: %s", fp->function, fp->path,
                                     r == -ENOENT ? "no such USDT probe in the binary's notes"
                                                  : strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
                return 0;
        }
        if (h->offset_is_address) {
                r = elf_address_to_offset(fp->path, h->offset, &offset);
                if (r < 0) {
                        if (asprintf(ret_error, "uprobe on address 0x%" PRIx64 " in %s: %s",
                                     h->offset, fp->path,
                                     r == -ENXIO ? "in no loaded segment of the binary"
                                                 : strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
        }
        {
                LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = h->has_offset ? NULL : fp->function,
                            .ref_ctr_offset = h->ref_ctr_offset, .bpf_cookie = (uint64_t) h->point);

                fp->link = bpf_program__attach_uprobe_opts(e->uprobe_prog, -1, fp->path,
                                                           h->has_offset ? offset : 0, &opts);
        }
        if (!fp->link) {
                r = negative_errno();
                /* libbpf says ENOENT for a symbol the binary does not have. */
                if (r == -ENOENT && !h->has_offset
                            ? asprintf(ret_error, "uprobe: no symbol \"%s\" in %s", fp->function,
                                       fp->path) < 0
                            : asprintf(ret_error, "attaching a uprobe to %s in %s failed: %s",
                                       fp->function, fp->path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return 0;
}

/* The return program of a point with return: true hooks, beside its entry program: it finds
 * nothing parked until the entry program parks something. */
static int engine_attach_return(PolicyEngine *e, uint32_t point, FunctionPoint *fp,
                                char **ret_error) {
        LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = point, .retprobe = true);
        LIBBPF_OPTS(bpf_uprobe_opts, uopts, .func_name = fp->function, .bpf_cookie = point,
                    .retprobe = true);
        int r;

        switch (fp->mechanism) {
        case HOOK_MECHANISM_FENTRY:
        case HOOK_MECHANISM_FMOD_RET:
                return engine_attach_btf_function(e, point, fp, true, ret_error);
        case HOOK_MECHANISM_KPROBE:
                if (!e->kretprobe_prog)
                        return -EOPNOTSUPP;
                fp->return_link =
                        bpf_program__attach_kprobe_opts(e->kretprobe_prog, fp->function, &kopts);
                break;
        case HOOK_MECHANISM_UPROBE:
                if (!e->kretprobe_prog)
                        return -EOPNOTSUPP;
                fp->return_link =
                        bpf_program__attach_uprobe_opts(e->kretprobe_prog, -1, fp->path, 0, &uopts);
                break;
        case HOOK_MECHANISM_NONE:
        case HOOK_MECHANISM_SYS_ENTER:
        case HOOK_MECHANISM_TRACEPOINT:
        case HOOK_MECHANISM_RAW_TRACEPOINT:
        case HOOK_MECHANISM_LSM:
        case HOOK_MECHANISM_USDT:
        case _HOOK_MECHANISM_MAX:
                return -EOPNOTSUPP; /* the planner refuses return: true there */
        }
        if (!fp->return_link) {
                r = negative_errno();
                if (asprintf(ret_error, "attaching a %s to %s failed: %s",
                             fp->mechanism == HOOK_MECHANISM_UPROBE ? "uretprobe" : "kretprobe",
                             fp->function, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return 0;
}

/* Before the switch: a program on each function i's hooks name that has none yet, which
 * finds nothing until the switch lists the hooks on its point. */
static int engine_attach_functions(PolicyEngine *e, PolicyInstallation *i, char **ret_error) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                FunctionPoint *fp;
                int r;

                if (h->point < TG_GENERIC_MAX_SYSCALLS)
                        continue;
                fp = &e->functions[h->point - TG_GENERIC_MAX_SYSCALLS];
                if (h->ret && !fp->return_link) {
                        r = engine_attach_return(e, (uint32_t) h->point, fp, ret_error);
                        if (r < 0)
                                return r;
                }
                if (fp->link)
                        continue;
                if (fp->mechanism == HOOK_MECHANISM_KPROBE) {
                        LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = (uint64_t) h->point);
                        struct bpf_program *prog =
                                fp->syscall ? e->kprobe_prog : e->kprobe_function_prog;

                        if (!prog)
                                return -EOPNOTSUPP;
                        fp->link = bpf_program__attach_kprobe_opts(prog, fp->function, &opts);
                        if (!fp->link) {
                                r = negative_errno();
                                /* The kernel's own verdict on the address (its kprobe blacklist,
                                 * noinstr code), which nothing before the attach can ask. */
                                if (r == -EINVAL) {
                                        if (asprintf(ret_error,
                                                     "the kernel refuses a kprobe on %s (%s): it "
                                                     "does not let kprobes instrument that code",
                                                     fp->function, strerror(-r)) < 0)
                                                *ret_error = NULL;
                                        return -EOPNOTSUPP;
                                }
                                if (asprintf(ret_error, "attaching a kprobe to %s failed: %s",
                                             fp->function, strerror(-r)) < 0)
                                        *ret_error = NULL;
                                return r;
                        }
                        continue;
                }
                if (fp->mechanism == HOOK_MECHANISM_TRACEPOINT) {
                        LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = (uint64_t) h->point);
                        _cleanup_free_ char *subsystem = strdup(fp->function);
                        char *event = subsystem ? strchr(subsystem, '/') : NULL;

                        if (!e->tracepoint_prog)
                                return -EOPNOTSUPP;
                        if (!event)
                                return -ENOMEM;
                        *event++ = '\0';
                        fp->link = bpf_program__attach_tracepoint_opts(e->tracepoint_prog,
                                                                       subsystem, event, &opts);
                        if (!fp->link) {
                                r = negative_errno();
                                if (asprintf(ret_error, "attaching to tracepoint %s failed: %s",
                                             fp->function, strerror(-r)) < 0)
                                        *ret_error = NULL;
                                return r;
                        }
                        continue;
                }
                if (fp->mechanism == HOOK_MECHANISM_UPROBE ||
                    fp->mechanism == HOOK_MECHANISM_USDT) {
                        r = engine_attach_user(e, h, fp, ret_error);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = engine_attach_btf_function(e, (uint32_t) h->point, fp, false, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The registers hook k of c reads its tracepoint's fields into: the point's, with the fields
 * it needs and no register has yet added, written to the kernel at once (a register in use
 * never changes, so programs running meanwhile see nothing move). */
static int engine_tracepoint_fields(PolicyEngine *e, uint32_t point, const CompiledPolicy *c,
                                    size_t k, InstalledHook *h, char **ret_error) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *format = NULL;
        FunctionPoint *fp = &e->functions[point - TG_GENERIC_MAX_SYSCALLS];
        const struct tg_policy_hook *hook = &c->hooks[k];
        _cleanup_free_ char *subsystem = strdup(fp->function);
        char *event = subsystem ? strchr(subsystem, '/') : NULL;
        int r;

        if (!subsystem)
                return -ENOMEM;
        if (!event)
                return -EINVAL;
        *event++ = '\0';
        r = tracepoint_format_read(subsystem, event, &format);
        if (r < 0) {
                if (asprintf(ret_error, "tracepoint %s: %s", fp->function,
                             r == -ENOENT ? "no such tracepoint on this kernel (or no tracefs)"
                                          : strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        for (size_t a = 0; a < hook->n_args && a < TG_POLICY_MAX_ARGS; a++) {
                uint32_t index = hook->arg_index[a];
                const TracepointField *field;
                size_t slot;

                if (index >= format->n_fields) {
                        if (asprintf(ret_error,
                                     "tracepoint %s has %zu fields: argument %zu reads index %u",
                                     fp->function, format->n_fields, a, index) < 0)
                                *ret_error = NULL;
                        return -EINVAL;
                }
                for (slot = 0; slot < fp->n_fields && fp->field_index[slot] != index; slot++)
                        ;
                if (slot == fp->n_fields) {
                        if (slot >= TG_POLICY_MAX_ARGS) {
                                if (asprintf(ret_error,
                                             "tracepoint %s: the policies on it read more than "
                                             "%u different fields",
                                             fp->function, TG_POLICY_MAX_ARGS) < 0)
                                        *ret_error = NULL;
                                return -E2BIG;
                        }
                        field = &format->fields[index];
                        fp->field_index[slot] = index;
                        fp->fields.offset[slot] = (uint16_t) field->offset;
                        fp->fields.size[slot] = (uint8_t) MIN(field->size, 255U);
                        fp->fields.is_signed[slot] = field->is_signed;
                        switch (field->kind) {
                        case TRACEPOINT_FIELD_INTEGER:
                                fp->fields.kind[slot] = TG_FIELD_INTEGER;
                                break;
                        case TRACEPOINT_FIELD_POINTER:
                                fp->fields.kind[slot] = TG_FIELD_POINTER;
                                /* The syscalls' tracepoints have the caller's pointers. */
                                if (streq(subsystem, "syscalls"))
                                        fp->fields.user_regs |= 1U << slot;
                                break;
                        case TRACEPOINT_FIELD_ARRAY:
                                fp->fields.kind[slot] = TG_FIELD_ARRAY;
                                break;
                        case TRACEPOINT_FIELD_DATA_LOC:
                                fp->fields.kind[slot] = TG_FIELD_DATA_LOC;
                                break;
                        case _TRACEPOINT_FIELD_KIND_MAX:
                                return -EINVAL;
                        }
                        fp->n_fields++;
                        r = map_write(e->skel->maps.gen_point_fields, point, &fp->fields);
                        if (r < 0)
                                return r;
                }
                h->arg_slot[a] = (uint8_t) slot;
        }
        return 0;
}

/* Points of i's hooks that run through a program of their own. */
static int engine_assign_points(PolicyEngine *e, PolicyInstallation *i, const CompiledPolicy *c,
                                const PolicyPlan *plan, char **ret_error) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                int point;

                if (!mechanism_is_per_function(h->mechanism))
                        continue;
                point = engine_function_point(e, h->mechanism, h->function, h->path,
                                              plan->hooks[k].syscall_nr >= 0);
                if (point < 0) {
                        if (point == -ENOSPC &&
                            asprintf(ret_error, "more than %u functions hooked at once",
                                     ENGINE_FUNCTION_POINTS) < 0)
                                *ret_error = NULL;
                        return point;
                }
                h->point = point;
                if (h->mechanism == HOOK_MECHANISM_TRACEPOINT) {
                        int r = engine_tracepoint_fields(e, (uint32_t) point, c, h->compiled, h,
                                                         ret_error);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void engine_detach_if_idle(PolicyEngine *e) {
        if (e->n_sys_enter_hooks == 0 && e->link) {
                bpf_link__destroy(e->link);
                e->link = NULL;
        }
        if (e->n_sys_enter_hooks == 0 && e->exit_link) {
                bpf_link__destroy(e->exit_link);
                e->exit_link = NULL;
        }
        if (e->n_enforcers == 0 && e->enforcer_link) {
                bpf_link__destroy(e->enforcer_link);
                e->enforcer_link = NULL;
        }
        /* After the switch: a point turned off reaches no hook through its program. */
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                if (e->functions[k].mechanism != HOOK_MECHANISM_NONE &&
                    !e->lists[TG_GENERIC_MAX_SYSCALLS + k])
                        function_point_release(&e->functions[k]);
}

/* ---- The backend ---- */

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
static int engine_switch(PolicyEngine *e, struct tg_generic_list **lists) {
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

static int engine_install(void *userdata, const CompiledPolicy *c, PolicyMode mode,
                          PolicyInstallation **ret, char **ret_error) {
        PolicyEngine *e = userdata;
        _cleanup_(policy_plan_freep) PolicyPlan *plan = NULL;
        _cleanup_(installation_freep) PolicyInstallation *i = NULL;
        struct tg_generic_list **lists = NULL;
        PolicyInstallation **grown;
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
        k = installation_new(c, plan, &i);
        if (k < 0)
                return k;
        i->engine = e;
        i->id = ++e->next_id;
        i->mode = mode;

        grown = reallocarray(e->installations, e->n_installations + 1, sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        e->installations = grown;

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

        /* Nothing written so far is reachable: the lists do not name it yet. */
        lists = calloc(TG_GENERIC_MAX_POINTS, sizeof(*lists));
        if (!lists)
                k = -ENOMEM;
        if (k >= 0)
                k = engine_assign_points(e, i, c, plan, ret_error);
        if (k >= 0)
                k = engine_write_records(e, c, i);
        if (k >= 0)
                k = engine_write_syscall_sets(e, c, i);
        if (k >= 0)
                k = engine_write_enforcer(e, i, plan, ret_error);
        if (k >= 0)
                k = engine_write_policy(e, i, mode);
        if (k >= 0) {
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
        if (k >= 0)
                k = engine_switch(e, lists);
        if (lists)
                lists_free(lists);
        free(lists);
        if (k < 0) {
                installation_release_ranges(e, i);
                engine_detach_if_idle(e);
                return k;
        }

        e->n_enforcers += i->has_enforcer;
        e->n_sys_enter_hooks += installation_sys_enter_hooks(i);
        i->installed = true;
        e->installations[e->n_installations++] = i;
        *ret = TAKE_PTR(i);
        return 0;
}

static void engine_uninstall(void *userdata, PolicyInstallation *i) {
        PolicyEngine *e = userdata;
        struct tg_generic_list **lists;
        uint64_t now = now_ns();
        int k;

        if (!i || !i->installed)
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
        engine_detach_if_idle(e);
        installation_release_ranges(e, i);
        i->installed = false;
        i->retired_ns = now;
        engine_gc(e, now);
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

void policy_engine_get_backend(PolicyEngine *e, PolicyBackend *ret) {
        *ret = (PolicyBackend){
                .userdata = e,
                .install = engine_install,
                .uninstall = engine_uninstall,
                .set_mode = engine_set_mode,
                .get_hooks = engine_get_hooks,
                .get_counters = engine_get_counters,
                .get_selector_counters = engine_get_selector_counters,
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

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Reads ftrace's list of traceable functions ("name" or "name [module]" per line), sorted.
 * Nothing when tracefs is not there: then the load will say. */
static void engine_read_traceable(PolicyEngine *e) {
        static const char *const paths[] = {
                "/sys/kernel/tracing/available_filter_functions",
                "/sys/kernel/debug/tracing/available_filter_functions"
        };
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0, allocated = 0;

        e->traceable_read = true;
        for (size_t i = 0; i < ELEMENTSOF(paths) && !f; i++)
                f = fopen(paths[i], "re");
        if (!f)
                return;
        while (getline(&line, &size, f) > 0) {
                line[strcspn(line, " \t\n")] = '\0';
                if (!*line)
                        continue;
                if (e->n_traceable == allocated) {
                        size_t grown_n = MAX(allocated * 2, (size_t) 4096);
                        char **grown = reallocarray(e->traceable, grown_n, sizeof(char *));

                        if (!grown)
                                break;
                        e->traceable = grown;
                        allocated = grown_n;
                }
                e->traceable[e->n_traceable] = strdup(line);
                if (!e->traceable[e->n_traceable])
                        break;
                e->n_traceable++;
        }
        if (e->traceable)
                qsort(e->traceable, e->n_traceable, sizeof(char *), compare_names);
}

/* A trampoline (fentry, fmod_ret) patches the function's ftrace call site. BTF can name a
 * function that has none: Debian 6.1's dev_queue_xmit is a static copy of an inline function
 * built without one, and attaching there fails with EBUSY. A kprobe works there. */
static bool engine_function_traceable(PolicyEngine *e, const char *name) {
        if (!e->traceable_read)
                engine_read_traceable(e);
        if (e->n_traceable == 0)
                return true; /* the load will say */
        return bsearch(&name, e->traceable, e->n_traceable, sizeof(char *), compare_names);
}

static bool engine_function_in_btf(HookMechanism m, const char *function, void *userdata) {
        PolicyEngine *e = userdata;
        char name[160];
        int kind;

        if (!e->vmlinux_btf)
                return true; /* the load will say */
        kind = btf_attach_name(m, function, name, sizeof(name));
        if (btf__find_by_name_kind(e->vmlinux_btf, name, kind) <= 0)
                return false;
        return (m != HOOK_MECHANISM_FENTRY && m != HOOK_MECHANISM_FMOD_RET) ||
               engine_function_traceable(e, name);
}

static bool strv_contains(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

/* generated_ftrace lists: the functions ftrace lists as traceable ("name" or
 * "name [module]" per line) whose names match pattern, each once. */
static int engine_functions_matching(const char *pattern, size_t max, char ***ret, void *userdata) {
        static const char *const paths[] = {
                "/sys/kernel/tracing/available_filter_functions",
                "/sys/kernel/debug/tracing/available_filter_functions"
        };
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0, n = 0, allocated = 0;
        char **names = NULL;
        regex_t re;
        int r = 0;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(paths) && !f; i++)
                f = fopen(paths[i], "re");
        if (!f) {
                regfree(&re);
                return -errno;
        }
        while (n < max && getline(&line, &size, f) > 0) {
                line[strcspn(line, " \t\n")] = '\0';
                if (!*line || regexec(&re, line, 0, NULL, 0) != 0 || strv_contains(names, n, line))
                        continue;
                if (n + 2 > allocated) {
                        size_t grown_n = MAX(allocated * 2, (size_t) 16);
                        char **grown = reallocarray(names, grown_n, sizeof(char *));

                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        names = grown;
                        allocated = grown_n;
                }
                names[n] = strdup(line);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                names[++n] = NULL;
        }
        regfree(&re);
        if (r >= 0 && !names) {
                names = calloc(1, sizeof(char *));
                if (!names)
                        r = -ENOMEM;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
                return r;
        }
        *ret = names;
        return 0;
}

/* bpf_rdonly_cast() (6.2+) lets the program follow pointers with plain loads. */
static bool kernel_has_rdonly_cast(const struct btf *vmlinux) {
        return vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
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
               p == e->skel->progs.tg_generic_baseline_exit;
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

int policy_engine_new(PolicyEngine **ret, const PolicyEngineConfig *config) {
        _cleanup_(policy_engine_freep) PolicyEngine *e = NULL;
        _cleanup_free_ KernelFeature *features = NULL;
        size_t n_features = 0;
        int k;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->process_cache = config->process_cache;
        for (TableId t = 0; t < _TABLE_MAX; t++)
                e->tables[t].size = table_sizes[t];
        e->n_cpus = libbpf_num_possible_cpus();
        if (e->n_cpus < 0)
                return e->n_cpus;

        k = kernel_features_probe(&features, &n_features);
        if (k < 0)
                return k;
        engine_capabilities_from_features(&e->caps, features, n_features,
                                          config->disabled_mechanisms);
        e->vmlinux_btf = btf__load_vmlinux_btf();
        e->caps.function_in_btf = engine_function_in_btf;
        e->caps.functions_matching = engine_functions_matching;
        e->caps.userdata = e;
        engine_read_host_namespaces(e);

        e->skel = generic_bpf__open();
        if (!e->skel)
                return negative_errno();
        e->skel->rodata->host_user_ns_inum = e->host_ns[POLICY_NS_USER];
        e->excluded_tgid = config->excluded_tgid;
        e->skel->rodata->excluded_tgid = (__u32) e->excluded_tgid;
        if (config->ringbuf_fd > 0)
                k = bpf_map__reuse_fd(e->skel->maps.gen_ringbuf, config->ringbuf_fd);
        else
                k = bpf_map__set_max_entries(e->skel->maps.gen_ringbuf, ENGINE_RINGBUF_SIZE);
        if (k < 0)
                return k;
        /* One variant loads (the other calls a kfunc the kernel may not have); it is
         * attached only while an installed hook needs it. */
        e->cast = !config->probe_read_only && kernel_has_rdonly_cast(e->vmlinux_btf);
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
        {
                struct bpf_program *p;

                bpf_object__for_each_program(p, e->skel->obj)
                        bpf_program__set_autoload(p, engine_loads_program(e, p));
        }
        k = generic_bpf__load(e->skel);
        if (k < 0)
                return k;
        k = engine_attach_baselines(e);
        if (k < 0)
                return k;

        engine_describe(e);
        *ret = TAKE_PTR(e);
        return 0;
}

PolicyEngine *policy_engine_free(PolicyEngine *e) {
        if (!e)
                return NULL;
        /* The registry uninstalls before the engine goes; whatever is left goes with the
         * maps. */
        bpf_link__destroy(e->link);
        bpf_link__destroy(e->exit_link);
        bpf_link__destroy(e->enforcer_link);
        for (size_t k = 0; k < ELEMENTSOF(e->baseline_links); k++)
                bpf_link__destroy(e->baseline_links[k]);
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                function_point_release(&e->functions[k]);
        generic_bpf__destroy(e->skel);
        btf__free(e->vmlinux_btf);
        for (size_t k = 0; k < e->n_traceable; k++)
                free(e->traceable[k]);
        free(e->traceable);
        for (size_t k = 0; k < e->n_installations; k++)
                installation_free(e->installations[k]);
        free(e->installations);
        for (size_t nr = 0; nr < TG_GENERIC_MAX_POINTS; nr++)
                free(e->lists[nr]);
        for (TableId t = 0; t < _TABLE_MAX; t++)
                free(e->tables[t].free);
        return mfree(e);
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

/* ---- Events ---- */

static EventArgType event_arg_type(uint8_t t) {
        switch (t) {
        case TG_ARG_INT:
        case TG_ARG_INT8:
        case TG_ARG_INT16:
        case TG_ARG_INT32:
                return EVENT_ARG_INT;
        case TG_ARG_UINT8:
        case TG_ARG_UINT16:
        case TG_ARG_UINT32:
                return EVENT_ARG_UINT;
        case TG_ARG_INT64:
        case TG_ARG_LONG:
                return EVENT_ARG_LONG;
        case TG_ARG_FD:
        case TG_ARG_FILE:
                return EVENT_ARG_FILE;
        case TG_ARG_PATH:
                return EVENT_ARG_PATH;
        case TG_ARG_LINUX_BINPRM:
                return EVENT_ARG_BINPRM;
        case TG_ARG_SYSCALL64:
                return EVENT_ARG_SYSCALL_ID;
        case TG_ARG_STRING:
                return EVENT_ARG_STRING;
        case TG_ARG_CHAR_BUF:
                return EVENT_ARG_BYTES;
        case TG_ARG_SOCKADDR:
                return EVENT_ARG_SOCKADDR;
        case TG_ARG_CHAR_IOVEC:
                return EVENT_ARG_BYTES;
        case TG_ARG_FILENAME:
                return EVENT_ARG_STRING;
        case TG_ARG_SOCK:
        case TG_ARG_SOCKET:
                return EVENT_ARG_SOCK;
        case TG_ARG_SKB:
                return EVENT_ARG_SKB;
        case TG_ARG_NET_DEVICE:
                return EVENT_ARG_NET_DEV;
        case TG_ARG_CRED:
                return EVENT_ARG_CRED;
        case TG_ARG_CAPABILITY:
                return EVENT_ARG_CAPABILITY;
        default: /* uint64, ulong, size_t */
                return EVENT_ARG_SIZE;
        }
}

static void event_arg_fill_sock(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_sock)) {
                const struct tg_generic_sock *sk = (const void *) data;

                out->sock.family = sk->family;
                out->sock.type = sk->type;
                out->sock.protocol = sk->protocol;
                out->sock.state = sk->state;
                out->sock.sport = sk->sport;
                out->sock.dport = sk->dport;
                out->sock.mark = sk->mark;
                out->sock.priority = sk->priority;
                memcpy(out->sock.saddr, sk->saddr, sizeof(sk->saddr));
                memcpy(out->sock.daddr, sk->daddr, sizeof(sk->daddr));
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill_skb(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_skb)) {
                const struct tg_generic_skb *skb = (const void *) data;

                out->skb.hash = skb->hash;
                out->skb.len = skb->len;
                out->skb.priority = skb->priority;
                out->skb.mark = skb->mark;
                out->skb.family = skb->family;
                out->skb.protocol = skb->protocol;
                out->skb.sport = skb->sport;
                out->skb.dport = skb->dport;
                memcpy(out->skb.saddr, skb->saddr, sizeof(skb->saddr));
                memcpy(out->skb.daddr, skb->daddr, sizeof(skb->daddr));
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill_cred(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_cred)) {
                const struct tg_generic_cred *c = (const void *) data;

                out->cred.uid = c->uid;
                out->cred.gid = c->gid;
                out->cred.euid = c->euid;
                out->cred.egid = c->egid;
                out->cred.suid = c->suid;
                out->cred.sgid = c->sgid;
                out->cred.fsuid = c->fsuid;
                out->cred.fsgid = c->fsgid;
                out->cred.securebits = c->securebits;
                out->cred.cap_permitted = c->cap_permitted;
                out->cred.cap_effective = c->cap_effective;
                out->cred.cap_inheritable = c->cap_inheritable;
                out->cred.user_ns_level = c->user_ns_level;
                out->cred.user_ns_owner = c->user_ns_owner;
                out->cred.user_ns_group = c->user_ns_group;
                out->cred.user_ns_inum = c->user_ns_inum;
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill(EventArg *out, const struct tg_generic_arg *raw, const char *data,
                           const char *label) {
        *out = (EventArg){
                .type = event_arg_type(raw->type),
                .label = label,
                .i = (int64_t) raw->value,
                .u = raw->value,
                .data = data,
                .size = raw->size,
                .truncated = raw->flags & TG_GENERIC_ARG_TRUNCATED,
                .unreadable = raw->flags & TG_GENERIC_ARG_UNREADABLE,
        };
        switch (out->type) {
        case EVENT_ARG_FILE:
        case EVENT_ARG_PATH:
        case EVENT_ARG_BINPRM:
        case EVENT_ARG_STRING:
        case EVENT_ARG_NET_DEV:
                if (out->size > 0)
                        out->size--; /* the NUL */
                else
                        out->data = "";
                break;
        case EVENT_ARG_BYTES:
                out->orig_size = raw->value;
                /* returnCopy: the room entry kept, of which the function filled value bytes. */
                if ((raw->flags & TG_GENERIC_ARG_RETURN_COPY) && raw->value < out->size)
                        out->size = raw->value;
                break;
        case EVENT_ARG_SOCKADDR:
                if (out->size == sizeof(struct tg_generic_sockaddr)) {
                        const struct tg_generic_sockaddr *sa = (const void *) data;

                        out->sockaddr.family = sa->family;
                        out->sockaddr.port = sa->port;
                        memcpy(out->sockaddr.addr, sa->addr, sizeof(sa->addr));
                }
                out->data = NULL;
                out->size = 0;
                break;
        case EVENT_ARG_SOCK:
                event_arg_fill_sock(out, data);
                break;
        case EVENT_ARG_SKB:
                event_arg_fill_skb(out, data);
                break;
        case EVENT_ARG_CRED:
                event_arg_fill_cred(out, data);
                break;
        case EVENT_ARG_CAPABILITY:
        case EVENT_ARG_INT:
        case EVENT_ARG_UINT:
        case EVENT_ARG_LONG:
        case EVENT_ARG_SIZE:
        case EVENT_ARG_SYSCALL_ID:
        case _EVENT_ARG_TYPE_MAX:
                out->data = NULL;
                out->size = 0;
                break;
        }
}

/* A process the cache does not know (yet): what the record says of it. */
static Process *process_from_record(const struct tg_generic_record *raw) {
        Process *p = calloc(1, sizeof(Process));

        if (!p)
                return NULL;
        p->n_ref = 1;
        p->pid = raw->pid;
        p->tid = raw->tid;
        p->auid = UINT32_MAX;
        return p;
}

int policy_engine_make_event(PolicyEngine *e, const Record *record, Event *ret) {
        const struct tg_generic_record *raw = record->generic.raw;
        PolicyInstallation *i;
        InstalledHook *h;
        Process *process = NULL, *parent = NULL;

        i = engine_find(e, raw->policy_id);
        if (!i)
                return 0;
        h = installation_hook_on(i, raw->hook, raw->point);
        if (!h)
                return 0;

        if (e->process_cache)
                process = process_cache_get(e->process_cache, raw->pid);
        if (process) {
                process_ref(process);
                parent = process_ref(process_cache_get(e->process_cache, process->ppid));
        } else {
                process = process_from_record(raw);
                if (!process)
                        return -ENOMEM;
        }

        *ret = (Event){
                .type = h->mechanism == HOOK_MECHANISM_LSM      ? EVENT_PROCESS_LSM
                        : h->mechanism == HOOK_MECHANISM_UPROBE ? EVENT_PROCESS_UPROBE
                        : h->mechanism == HOOK_MECHANISM_USDT   ? EVENT_PROCESS_USDT
                        : h->mechanism == HOOK_MECHANISM_TRACEPOINT ||
                                        h->mechanism == HOOK_MECHANISM_RAW_TRACEPOINT
                                ? EVENT_PROCESS_TRACEPOINT
                                : EVENT_PROCESS_KPROBE,
                .ktime = raw->header.ktime,
                .process = process,
                .parent = parent,
        };
        ret->kprobe.function_name = h->function;
        ret->kprobe.path = h->path;
        ret->kprobe.has_offset = h->has_offset;
        ret->kprobe.offset = h->offset;
        ret->kprobe.ref_ctr_offset = h->ref_ctr_offset;
        ret->kprobe.policy_name = i->policy_name;
        ret->kprobe.message = h->message;
        ret->kprobe.tags = (const char *const *) h->tags;
        ret->kprobe.n_tags = h->n_tags;
        ret->kprobe.action = raw->action == TG_ACTION_SIGKILL    ? EVENT_ACTION_SIGKILL
                             : raw->action == TG_ACTION_OVERRIDE ? EVENT_ACTION_OVERRIDE
                             : raw->action == TG_ACTION_SIGNAL   ? EVENT_ACTION_SIGNAL
                                                                 : EVENT_ACTION_POST;
        ret->kprobe.signal = raw->signal;
        ret->kprobe.override_error = raw->override_error;
        ret->kprobe.monitor = raw->flags & TG_GENERIC_RECORD_MONITOR;
        ret->kprobe.action_failed = raw->flags & TG_GENERIC_RECORD_ACTION_FAILED;
        for (size_t a = 0; a < record->generic.n_args && a < EVENT_ARGS_MAX; a++) {
                if (record->generic.args[a].raw->type == TG_ARG_NOP)
                        continue; /* read for nothing: Tetragon shows no argument for it */
                event_arg_fill(&ret->kprobe.args[ret->kprobe.n_args++], record->generic.args[a].raw,
                               record->generic.args[a].data, h->labels[a]);
        }
        if (record->generic.ret) {
                event_arg_fill(&ret->kprobe.ret, record->generic.ret, NULL, NULL);
                ret->kprobe.has_return = true;
        }
        return 1;
}
