/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Policy document -> compiled policy: the flat records of bpf/policy.h that
 * the installer copies into BPF maps, plus what only user space needs (names
 * to resolve, messages, tags, lists, URLs). Pure: no syscalls, no logging;
 * the same document always compiles to the same bytes.
 */

#include "arena.h"
#include "diagnostic.h"
#include "policy.h"

/* The kernel-facing records (bpf/ is on the include path). */
#include "../bpf/policy.h"

/* User-space facts about one hook, by the hook's position. */
typedef struct CompiledHookInfo {
        PolicyHookKind kind;
        PolicyPosition pos;
        const char *name;      /* call, hook, "subsystem/event", path */
        const char *call;      /* kprobes, fentries: function or syscall name */
        int32_t call_list;     /* "call: list:NAME": index into lists, else -1 */
        const char *subsystem; /* tracepoints */
        const char *event;
        const char *hook; /* lsmhooks */
        const char *path; /* uprobes, usdts */
        const char *const *symbols;
        size_t n_symbols;
        const uint64_t *offsets;
        size_t n_offsets;
        const uint64_t *addrs;
        size_t n_addrs;
        const uint64_t *ref_ctr_offsets; /* one per symbol or offset, or none */
        size_t n_ref_ctr_offsets;
        /* A uprobe on N symbols, offsets and addresses compiles to N hooks, one per attach
         * point, that share the selectors: this is the point's position in that order
         * (symbols, then offsets, then addresses). 0 for every other hook. */
        size_t target;
        const char *provider; /* usdts */
        const char *usdt_name;
        const char *message;
        const char *const *tags;
        size_t n_tags;
        const char *const *arg_labels; /* per arg, NULL when none */
        const char *const *arg_resolve;
        size_t n_data; /* hook data entries, which the planner refuses */
        bool return_arg;
        uint8_t return_arg_type;   /* enum tg_policy_arg_type */
        uint8_t return_arg_action; /* enum tg_policy_action_type, 0 when none */
} CompiledHookInfo;

typedef struct CompiledList {
        const char *name;
        PolicyListType type;
        const char *const *values;
        size_t n_values;
        const char *pattern;
} CompiledList;

typedef struct CompiledPolicy {
        Arena *arena;
        const char *name;
        PolicyMode mode;
        PolicyOverrideMethod override_method;
        bool disable_kprobe_multi;
        bool disable_uprobe_multi;
        bool loader;
        bool kubernetes_only;          /* kubernetes_reason says why */
        const char *kubernetes_reason; /* e.g. "podSelector at 7:3" */
        /* unitSelector (our extension): the units whose cgroups, with their descendants, the
         * policy applies to (or with units_not_in, all but). */
        bool has_units;
        bool units_not_in;
        const char *const *units;
        size_t n_units;

        struct tg_policy_hook *hooks;
        size_t n_hooks;
        struct tg_policy_selector *selectors;
        size_t n_selectors;
        struct tg_policy_filter *filters;
        size_t n_filters;
        struct tg_policy_value *values;
        size_t n_values;
        struct tg_policy_string *strings;
        size_t n_strings;
        struct tg_policy_action *actions;
        size_t n_actions;

        CompiledHookInfo *hook_info; /* n_hooks entries */
        const char **action_strings; /* URLs and domain names of GetUrl / DnsLookup */
        size_t n_action_strings;
        CompiledList *lists;
        size_t n_lists;
        const char *const *enforcer_calls; /* of the one enforcer, if any */
        size_t n_enforcer_calls;
} CompiledPolicy;

/* A valid document (as policy_parse_* returns it) compiles unless it exceeds
 * a TG_POLICY_MAX_* total; that is reported to diags (-E2BIG). */
int policy_compile(const Policy *policy, DiagnosticList *diags, CompiledPolicy **ret);

CompiledPolicy *compiled_policy_free(CompiledPolicy *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(CompiledPolicy *, compiled_policy_free);

uint8_t compiled_arg_type(PolicyArgType t);
uint8_t compiled_operator(PolicyOperator op);
uint8_t compiled_action_type(PolicyActionType t);
