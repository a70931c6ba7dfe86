/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Inside the engine (policy-engine.h): its state, shared by the files that do its jobs.
 *   engine-tables.c    slot tables (pure)
 *   engine-install.c   installations: what a policy occupies, its hooks' names (pure)
 *   engine-maps.c      writing records into the maps, switching the syscall hook lists
 *   engine-attach.c    function points: loading per-function programs and attaching them,
 *                      with the ELF reading uprobe addresses need
 *   policy-engine.c    the PolicyBackend and the engine's setup (the skeleton loading)
 *   engine-adopt.c     what a run pins for the next, and adopting an older run's engine
 *   enrich-policy.c    a policy record into an event, on the event path
 * Only these include it; each includes nothing of the others but this header.
 */

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "engine-tables.h"
#include "generic.skel.h"
#include "kernel-facts.h"
#include "pinned-state.h"
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
        /* a tracepoint's: the type of each argument of type auto, from its field (else 0) */
        uint8_t arg_type[TG_POLICY_MAX_ARGS];
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
        PolicyCanary *canaries; /* its selectors' GetUrl and DnsLookup actions */
        size_t n_canaries;
} InstalledHook;

/* A SameFile value in the values map: the path it names and the identity written. */
typedef struct FileIdValue {
        uint32_t slot;
        uint64_t ino, dev;
        char *path;
} FileIdValue;

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
        FileIdValue *file_ids; /* SameFile values: re-taken when their folder changes */
        size_t n_file_ids;
        /* unitSelector: TG_GENERIC_POLICY_UNITS (and _NOT_IN), the units' names */
        uint32_t unit_flags;
        char **units;
        size_t n_units;
        bool installed; /* false once uninstalled: kept a while for late records */
        uint64_t retired_ns;
        bool holds_loader; /* spec.loader: true, and it holds the loader sensor */
        uint64_t digest;   /* engine_digest(): what the kernel holds of it */
        bool adopted;      /* taken over from an older run: its records were in place */
};

/* A policy of the older run whose engine this one adopted (engine-adopt.c): its slots
 * reserved and its hooks listed until the same policy takes it over or it is dropped. */
typedef struct EngineOrphan {
        uint32_t id;
        PolicyMode mode;
        Range ranges[_TABLE_MAX];
        uint64_t digest;
        uint32_t n_listed;
        bool has_enforcer;
        size_t n_sys_enter; /* its refs on syscall points */
        char *name;
} EngineOrphan;

typedef struct EngineAdoption EngineAdoption;

/* A kernel function (a syscall's, or any other) with one program attached, serving one
 * point above the syscall numbers. Kept while some installed hook is on it. */
typedef struct FunctionPoint {
        HookMechanism mechanism; /* HOOK_MECHANISM_NONE: the slot is free */
        char *function;
        char *path;   /* a uprobe's binary, NULL for kernel functions */
        bool syscall; /* a syscall's function: its one argument is the user's registers */
        /* An LSM hook's sleepable program, for Post with imaHash: what the hook's first
         * argument is (enum tg_policy_ima_arg). Hooks without imaHash on the same LSM hook
         * have a point of their own, whose program does not sleep. */
        uint8_t ima;
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
        pid_t excluded_tgid;      /* the daemon: its threads never reach a hook */
        Canary *canary;           /* GetUrl, DnsLookup: the manager's; NULL: none */
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
        struct bpf_link *baseline_links[4];
        FunctionPoint functions[ENGINE_FUNCTION_POINTS];
        EngineCapabilities caps;
        KernelFacts *facts;     /* what caps' callbacks ask: the config's, or own_facts */
        KernelFacts *own_facts; /* read by the engine when the config gave none */
        ProcessCache *process_cache;
        StackSymbols *stack_symbols; /* made when the first stack trace arrives */
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

        PinnedState *pins; /* the config's: where links are pinned; NULL: nowhere */
        bool adopted;      /* the maps and links of an older run's engine are this one's */
        EngineOrphan *orphans;
        size_t n_orphans;
        /* Links opened from the older run's pins, and this run's second pin of each
         * (their own pin path is the older run's). */
        struct bpf_link **adopted_links;
        char **adopted_pins;
        size_t n_adopted_links;
        unsigned n_adopted, n_replaced, n_removed;
        bool keep_pinned; /* policy_engine_keep_pinned(): leave the kernel as it is */

        /* The config's; NULL: spec.loader is refused. */
        LoaderSensor *loader_sensor;

        uint32_t host_ns[_POLICY_NS_MAX];  /* inode of each namespace of pid 1 */
        sd_event *event;                   /* the config's; NULL: SameFile files not followed */
        sd_event_source **file_id_watches; /* inotify on the folders of SameFile's files */
        size_t n_file_id_watches;
        char description[512];
};

static inline uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* engine-install.c: installations (what one policy occupies), pure */
PolicyInstallation *installation_free(PolicyInstallation *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyInstallation *, installation_free);
uint32_t last_component_length(const uint8_t *s, uint32_t length);
int installation_new(const CompiledPolicy *c, PolicyPlan *plan, PolicyInstallation **ret);
InstalledHook *installation_hook(PolicyInstallation *i, uint32_t k);
InstalledHook *installation_hook_on(PolicyInstallation *i, uint32_t k, uint32_t point);
PolicyInstallation *engine_find(PolicyEngine *e, uint32_t id);
void engine_gc(PolicyEngine *e, uint64_t now);

/* engine-maps.c: writing the maps, and switching the hook lists */
int map_write(struct bpf_map *map, uint32_t key, const void *value);
int engine_write_records(PolicyEngine *e, const CompiledPolicy *c, PolicyInstallation *i);
/* SameFile's files: their folders watched, a replaced file's identity written again. */
void engine_watch_file_ids(PolicyEngine *e);
void engine_unwatch_file_ids(PolicyEngine *e);
int engine_write_policy(PolicyEngine *e, PolicyInstallation *i, PolicyMode mode);
void engine_synchronize(void);
int engine_stage_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list);
int engine_flip_point(PolicyEngine *e, uint32_t point, const struct tg_generic_list *list);
int engine_new_lists(PolicyEngine *e, PolicyInstallation *i, bool add,
                     struct tg_generic_list **ret /* TG_GENERIC_MAX_POINTS */);
void lists_free(struct tg_generic_list **lists);
/* A list's prefilter and return flag from its hooks (none, and look, for a hook not known). */
void list_set_prefilter(PolicyEngine *e, PolicyInstallation *extra, struct tg_generic_list *l);
void list_set_return(PolicyEngine *e, PolicyInstallation *extra, struct tg_generic_list *l);
size_t installation_sys_enter_hooks(PolicyInstallation *i);
int engine_attach(PolicyEngine *e);
bool installation_has_sys_exit_hooks(PolicyInstallation *i);
int engine_attach_exit(PolicyEngine *e);

/* engine-units.c: unitSelector's names and cgroups in the kernel's maps */
int engine_units_write(PolicyEngine *e, PolicyInstallation *i, const CompiledPolicy *c,
                       char **ret_error);
void engine_units_remove(PolicyEngine *e, PolicyInstallation *i);
int engine_get_units(void *userdata, PolicyInstallation *i, PolicyUnitStatus **ret, size_t *ret_n);

/* engine-attach.c: function points and attaching programs */
void function_point_release(PolicyEngine *e, FunctionPoint *fp);
/* bpf_link__destroy(), unpinning first unless the engine keeps its pinned state. */
void engine_link_destroy(PolicyEngine *e, struct bpf_link *link);
/* Pins what is attached and not pinned yet (nothing without config.pins). */
int engine_pin_links(PolicyEngine *e);
int engine_attach_btf_function(PolicyEngine *e, uint32_t point, FunctionPoint *fp, bool at_return,
                               char **ret_error);
int engine_attach_functions(PolicyEngine *e, PolicyInstallation *i, char **ret_error);
int engine_assign_points(PolicyEngine *e, PolicyInstallation *i, const CompiledPolicy *c,
                         const PolicyPlan *plan, char **ret_error);
void engine_detach_if_idle(PolicyEngine *e);

/* policy-engine.c */
int engine_switch(PolicyEngine *e, struct tg_generic_list **lists);

/* engine-adopt.c: what a run pins for the next, and adopting an older run's engine */
uint64_t engine_digest(const CompiledPolicy *c, const PolicyPlan *plan);
int engine_pin_maps(PolicyEngine *e);
int engine_pin_state(PolicyEngine *e);
EngineAdoption *engine_adoption_free(EngineAdoption *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(EngineAdoption *, engine_adoption_free);
int engine_adopt_prepare(PolicyEngine *e, PinnedState *pins, const char *run, int ringbuf_fd,
                         EngineAdoption **ret);
int engine_adopt_maps(EngineAdoption *a);
int engine_adopt(PolicyEngine *e, EngineAdoption *a);
int points_find(const void *points, size_t n, uint32_t index);
EngineOrphan *engine_orphan_for(PolicyEngine *e, PolicyInstallation *i, const uint32_t *counts);
bool engine_points_attached(PolicyEngine *e, PolicyInstallation *i);
void engine_orphan_taken(PolicyEngine *e, EngineOrphan *o);
