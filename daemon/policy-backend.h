/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The boundary between the control plane (policy folder, registry, D-Bus)
 * and the in-kernel engine: "install this compiled policy" and "remove it".
 * The registry only ever talks to this interface, so it can be tested with a
 * fake backend and the engine can be developed on its own.
 *
 * Contract: install() either attaches the whole policy and returns an
 * installation handle, or attaches nothing and explains why in ret_error
 * (a sentence for the user, e.g. "hook sys_write: kprobes are not available
 * on this kernel and ..."). A policy is never half attached.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h" /* PolicyMode: install() and set_mode() get ENFORCE or MONITOR, never DEFAULT */

typedef struct CompiledPolicy CompiledPolicy; /* lib/policy-compile.h: parse -> compile output */
typedef struct PolicyInstallation PolicyInstallation;

/* The registry's answer when the daemon runs without an engine (backend NULL). */
#define POLICY_BACKEND_MISSING_ERROR "the in-kernel policy engine is not available in this build"

/* Per hook: the mechanism the engine chose ("fentry", "kprobe", "raw_tp/sys_enter", ...),
 * or why the hook needs none ("resolved in kernel: FollowFD only"). */
typedef struct PolicyHookStatus {
        char *hook; /* "kprobes[0] sys_write" */
        char *mechanism;
} PolicyHookStatus;

typedef struct PolicyCounters {
        uint64_t matched;
        uint64_t posted;
        uint64_t actions;
        uint64_t rate_limited;
        uint64_t lost;
        uint64_t monitored; /* enforcement actions not taken: monitor mode */
} PolicyCounters;

/* The counters of one selector: the one that matched first counts the call. */
typedef struct PolicySelectorCounters {
        char *hook;              /* as PolicyHookStatus.hook: "kprobes[0] sys_write" */
        uint32_t hook_index;     /* its hook's position in get_hooks()' list */
        uint32_t selector_index; /* its position among the hook's selectors */
        PolicyCounters counters;
} PolicySelectorCounters;

/* unitSelector (our extension): a unit of a scoped policy, and one cgroup it has now (an
 * entry with cgroup NULL when it has none: the unit is not running). */
typedef struct PolicyUnitStatus {
        char *unit;
        bool not_in;  /* operator NotIn: the policy applies everywhere but there */
        char *cgroup; /* relative to the cgroup2 root: "system.slice/nginx.service" */
} PolicyUnitStatus;

typedef struct PolicyBackend PolicyBackend;
struct PolicyBackend {
        void *userdata;
        /* mode is ENFORCE or MONITOR (actions become events saying what would have been
         * done). The registry keeps policy alive until uninstall(), so the installation may
         * point into it. */
        int (*install)(void *userdata, const CompiledPolicy *policy, PolicyMode mode,
                       PolicyInstallation **ret, char **ret_error);
        void (*uninstall)(void *userdata, PolicyInstallation *installation);
        int (*set_mode)(void *userdata, PolicyInstallation *installation, PolicyMode mode);
        /* Fills a malloc'ed array; the caller frees it with policy_hook_status_free_many(). */
        int (*get_hooks)(void *userdata, PolicyInstallation *installation, PolicyHookStatus **ret,
                         size_t *ret_n);
        int (*get_counters)(void *userdata, PolicyInstallation *installation, PolicyCounters *ret);
        /* Every selector of every hook, by hook then selector (a hook without selectors has
         * none); ret_n_hooks: how many hooks there are, so that positions of several
         * installations can follow each other. Frees with
         * policy_selector_counters_free_many(). May be NULL. */
        int (*get_selector_counters)(void *userdata, PolicyInstallation *installation,
                                     PolicySelectorCounters **ret, size_t *ret_n,
                                     size_t *ret_n_hooks);
        /* Bytes of kernel memory (memlock, as the kernel accounts it) held by the maps and
         * programs this installation owns; maps it shares with other installations are not
         * counted. May be NULL. */
        int (*get_kernel_memory)(void *userdata, PolicyInstallation *installation,
                                 uint64_t *ret_bytes);
        /* The units a scoped policy covers and their cgroups now, looked up when asked; none
         * for a policy without unitSelector. Frees with policy_unit_status_free_many(). May be
         * NULL. */
        int (*get_units)(void *userdata, PolicyInstallation *installation, PolicyUnitStatus **ret,
                         size_t *ret_n);
};

void policy_hook_status_free_many(PolicyHookStatus *hooks, size_t n);
void policy_unit_status_free_many(PolicyUnitStatus *units, size_t n);
void policy_selector_counters_free_many(PolicySelectorCounters *selectors, size_t n);
