/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The in-kernel policy engine: implements PolicyBackend (policy-backend.h)
 * on the generic skeleton (bpf/generic.bpf.c).
 *
 * install(): plan (policy-plan.h: the mechanism of each hook, or why the
 * policy is refused), then write the compiled records into free ranges of the
 * engine's maps, beside everything installed, and switch each syscall's hook
 * list with one map update. Nothing of a refused policy reaches the kernel.
 * The program is attached while an installed hook needs it, so syscalls cost
 * nothing when no policy hooks them.
 *
 * Events: the engine writes to the process monitor's ring buffer (or its own)
 * and the manager hands each TG_OP_GENERIC record to policy_engine_make_event()
 * (enrich-policy.c, on the event path), which enriches it with the process
 * (from the process cache) and the policy's names (policy_engine_lookup_hook()).
 *
 * Inside, the engine is split by job (policy-engine-internal.h lists the files).
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "canary.h"
#include "common.h"
#include "event.h"
#include "kernel-facts.h"
#include "loader-sensor.h"
#include "macro.h"
#include "pinned-state.h"
#include "policy-backend.h"
#include "process-cache.h"
#include "record-decode.h"
#include "stack-symbols.h"

typedef struct PolicyEngine PolicyEngine;

typedef struct PolicyEngineConfig {
        unsigned disabled_mechanisms; /* 1U << HookMechanism (policy-plan.h) */
        /* What the engine plans with, shared with whoever else plans (the bus); borrowed,
         * must outlive the engine. NULL: the engine reads its own. */
        KernelFacts *kernel_facts;
        ProcessCache *process_cache; /* for the process of events; NULL: a bare pid */
        /* A ring buffer map to write to instead of the engine's own (> 0): the process
         * monitor's, so that a process's exec, policy events and exit are read in the
         * order they happened, never its exit before its last policy event. */
        int ringbuf_fd;
        /* Where to pin every attachment, so that it outlives the daemon (pinned-state.h);
         * borrowed. NULL: nothing is pinned, everything ends with the engine. */
        PinnedState *pins;
        /* Use the program variant for kernels without bpf_rdonly_cast() even where it exists
         * (tests cover both on one kernel). */
        bool probe_read_only;
        /* A process whose every thread the hooks skip (the daemon itself), 0: none. */
        pid_t excluded_tgid;
        /* Where SameFile's files are watched, to follow a file replaced by rename; borrowed.
         * NULL: the identity taken at install stays. */
        sd_event *event;
        /* Held by each installed policy with spec.loader: true; borrowed, must outlive the
         * engine. NULL: such policies are refused. */
        LoaderSensor *loader_sensor;
        /* An older run (pinned-state.h: its folder's name in pins) whose engine to adopt
         * when it is this build's with these options; NULL: load anew. */
        const char *adopt_run;
} PolicyEngineConfig;

/* Probes the kernel's features and loads the skeleton (attaches nothing). */
int policy_engine_new(PolicyEngine **ret, const PolicyEngineConfig *config);
/* Uninstalls what is still installed. */
PolicyEngine *policy_engine_free(PolicyEngine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyEngine *, policy_engine_free);

/* From now on uninstall() and policy_engine_free() leave the kernel as it is: what is
 * pinned goes on enforcing after the daemon exits (--keep-sensors-on-exit). */
void policy_engine_keep_pinned(PolicyEngine *e);

/* The backend the registry calls, bound to e. */
void policy_engine_get_backend(PolicyEngine *e, PolicyBackend *ret);

/* The ring buffer it writes to (the one given in its config, or its own). */
int policy_engine_ringbuf_fd(PolicyEngine *e);

/* A decoded TG_OP_GENERIC record -> EVENT_PROCESS_KPROBE. Returns 1 and the event (to
 * event_release()), 0 when the record belongs to no installation the engine knows (any
 * more), or a negative errno. The event borrows from the record and from the engine:
 * dispatch it before the next call. */
int policy_engine_make_event(PolicyEngine *e, const Record *record, Event *ret_event);

/* What the events of an installed (or recently uninstalled) policy's hook name: borrowed
 * from the engine, valid until its next install or uninstall. */
/* A GetUrl or DnsLookup action of a hook's selector: what its events ask of user space. */
typedef struct PolicyCanary {
        uint32_t selector; /* in its hook */
        CanaryKind kind;
        char *target; /* the URL, or the name */
} PolicyCanary;

typedef struct PolicyHookNames {
        const char *policy_name;
        HookMechanism mechanism;
        const char *function;
        const char *path; /* a uprobe's binary */
        const char *message;
        const char *const *tags;
        size_t n_tags;
        const char *const *labels; /* per argument, TG_POLICY_MAX_ARGS of them, may be NULL */
        bool has_offset;
        uint64_t offset;
        uint64_t ref_ctr_offset;
        const PolicyCanary *canaries;
        size_t n_canaries;
} PolicyHookNames;

/* Where the GetUrl and DnsLookup actions of matched selectors are queued (not owned). */
void policy_engine_set_canary(PolicyEngine *e, Canary *c);
Canary *policy_engine_get_canary(PolicyEngine *e);

/* The names of hook k of installation policy_id on point: 1, or 0 when the engine knows
 * no such hook (any more). For enrich-policy.c. */
int policy_engine_lookup_hook(PolicyEngine *e, uint32_t policy_id, uint32_t hook, uint32_t point,
                              PolicyHookNames *ret);
/* The process cache of its config (NULL: none). */
ProcessCache *policy_engine_get_process_cache(PolicyEngine *e);
/* What names the frames of stack traces, made on the first call (NULL: no memory). */
StackSymbols *policy_engine_get_stack_symbols(PolicyEngine *e);

/* Sum of the per-CPU counters (enum tg_counter) of the engine's programs. */
int policy_engine_read_counters(PolicyEngine *e, uint64_t ret[_TG_COUNTER_MAX]);

/* "tp_btf/sys_enter, attached while a policy needs it; fentry, kprobe: ..." for the log. */
const char *policy_engine_describe(PolicyEngine *e);

/* Whether the sys_enter program is attached right now (tests). */
bool policy_engine_is_attached(PolicyEngine *e);

/* Adoption (engine-adopt.c). The policies of the older run that no install took over (deleted
 * or changed while no daemon ran) leave the kernel: call once the folder is installed. */
int policy_engine_drop_orphans(PolicyEngine *e);

typedef struct PolicyEngineAdoption {
        bool adopted_engine;        /* the older run's maps and links are this engine's */
        unsigned policies_adopted;  /* taken over as they were: links, ids, counters */
        unsigned policies_replaced; /* changed: installed anew, the older version dropped */
        unsigned policies_removed;  /* gone from the folder: dropped */
} PolicyEngineAdoption;

void policy_engine_get_adoption(PolicyEngine *e, PolicyEngineAdoption *ret);
