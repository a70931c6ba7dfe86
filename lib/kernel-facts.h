/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Everything the planner (policy-plan.h) and the engine ask about this
 * kernel, read once and kept in one object, so that the daemon's engine, its
 * GetKernelFeatures method and `tetractl validate --kernel` plan from the
 * same answers:
 *   - the features probed by loading programs (kernel-features.h): program
 *     types, helpers, BPF LSM, fmod_ret;
 *   - the kernel's BTF, kept as a sorted set of function names and the raw
 *     tracepoints' argument counts (the parsed BTF itself is freed: it is
 *     tens of megabytes);
 *   - the functions ftrace can trace (available_filter_functions), read at
 *     the first question, in the file's order for generated_ftrace lists
 *     and for which syscalls the kernel has;
 *   - the tracepoints tracefs has and the binaries uprobes name;
 *   - kprobe refusals learnt: functions the kernel refused a kprobe on when
 *     the engine tried (nothing can ask the kernel beforehand).
 * Probing needs root (CAP_BPF and CAP_PERFMON at least); without it every
 * probed feature is missing, which the caller should say rather than plan.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel-features.h"
#include "macro.h"
#include "policy-plan.h"

typedef struct KernelFacts KernelFacts;

/* Probes the features and reads the BTF. -ENOMEM, or another -errno when probing itself
 * fails; a missing feature or missing BTF is a fact, not an error. */
int kernel_facts_new(KernelFacts **ret);
KernelFacts *kernel_facts_free(KernelFacts *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(KernelFacts *, kernel_facts_free);

/* The probed features, in kernel_features_probe()'s order; owned by f. */
const KernelFeature *kernel_facts_features(const KernelFacts *f, size_t *ret_n);

bool kernel_facts_has_btf(const KernelFacts *f);
/* A BTF_KIND_FUNC of that name in the kernel's BTF (an LSM hook's stub is "bpf_lsm_HOOK"). */
bool kernel_facts_btf_has_function(const KernelFacts *f, const char *name);
/* The arguments of raw tracepoint EVENT ("subsystem/event" or "event"), from its btf_trace_
 * typedef; -ENOENT when the BTF has none. */
int kernel_facts_raw_tracepoint_nargs(const KernelFacts *f, const char *event);
/* bpf_rdonly_cast() (6.2+): the programs may follow kernel pointers with plain loads. */
bool kernel_facts_has_rdonly_cast(const KernelFacts *f);

/* Whether ftrace can trace the function (a trampoline needs its call site); true when
 * tracefs cannot say, so that the load tells. */
bool kernel_facts_function_traceable(KernelFacts *f, const char *name);
/* The traceable functions whose names match pattern (an extended regular expression), in
 * ftrace's order, each once, at most max: 0 and a NULL-terminated strv the caller frees,
 * -EINVAL for a bad pattern, -ENOENT when tracefs cannot say, or -ENOMEM. */
int kernel_facts_functions_matching(KernelFacts *f, const char *pattern, size_t max, char ***ret);

/* What the engine learnt when the kernel refused a kprobe on function (EINVAL: its kprobe
 * blacklist, noinstr code): the next plan refuses it without trying. */
int kernel_facts_learn_kprobe_refusal(KernelFacts *f, const char *function);
bool kernel_facts_kprobe_refused(const KernelFacts *f, const char *function);

/* The planner's capabilities from these facts, with its callbacks bound to f (which must
 * outlive them), and the mechanisms the daemon is told not to use. */
void kernel_facts_capabilities(KernelFacts *f, unsigned disabled, EngineCapabilities *ret);

/* What a plan names outside the kernel's BTF, checked the way the engine's install would
 * find it: each tracepoint in tracefs, each uprobe's and usdt's binary, each kprobe the
 * kernel refused before. 0, or -ENOENT/-EOPNOTSUPP (or the access() error) and the
 * sentence the engine gives in ret_error, or -ENOMEM. */
int kernel_facts_check_plan(KernelFacts *f, const PolicyPlan *plan, char **ret_error);

/* The engine's sentence for a kprobe the kernel refused on function. */
int kernel_facts_kprobe_refusal_message(const char *function, char **ret);
