/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The stage between compile and install: what the engine will do with each
 * hook of a compiled policy on this kernel, or why it refuses the policy.
 * Pure: the kernel's features and the daemon's options come in as data, so
 * every refusal can be tested without root, for kernels this machine is not.
 *
 * The mechanism of a hook is the first of its class's candidates (best
 * first) that the kernel offers, the daemon allows and the engine implements:
 *     syscall kprobes/fentries:   fentry, kprobe, tp_btf/sys_enter
 *     kernel-function kprobes:    fentry, kprobe
 *     fentries:                   fentry, kprobe
 *     tracepoints:                tracepoint (raw: raw_tp)
 *     lsmhooks:                   lsm
 *     uprobes:                    uprobe (one hook per symbol, offset or address)
 *     usdts:                      usdt
 * A hook with an Override action needs a mechanism that can change what the
 * function returns: lsm for lsmhooks, else fmod_ret (an fentry whose result
 * replaces the function's: the kernel allows it on security_* functions, and
 * on syscalls and other functions only where it has function error injection).
 * A later mechanism is added by implementing it and marking it implemented
 * in the table of policy-plan.c; the choice itself does not change.
 * Hooks whose only actions are FollowFD/UnfollowFD/CopyFD need none: fd
 * arguments are resolved from the task's file table in the kernel.
 * A hook with return: true (or a returnCopy argument) also has a program at
 * the function's return, paired with the entry's: fexit with fentry and
 * fmod_ret, kretprobe with kprobe, tp_btf/sys_exit with sys_enter, uretprobe
 * with uprobe; its status names both ("fentry + fexit"). Disabling the entry's
 * mechanism disables its pair.
 *
 * A hook that calls a list (call: list:NAME) is planned once per entry, each
 * entry a hook of its own with its own mechanism: syscall lists give syscall
 * hooks (generated_syscalls: the table's syscalls the kernel has, on
 * tp_btf/sys_enter first: one program for them all, where fentry would load
 * one per function, hundreds), other lists
 * kernel functions (generated_ftrace: those matching the pattern). 32-bit
 * (i386) syscalls (__ia32_sys_...) serve InMap on syscall64 and enforcers, as bits
 * above TG_COMPAT_SYSCALL_BASE; hooking them is refused: syscall points see 64-bit
 * calls only.
 * Enforcers act where syscalls return (tp_btf/sys_exit) and only send argSig:
 * a NotifyEnforcer with argError is refused, with why the kernel cannot make
 * the call fail where it cannot.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel-features.h"
#include "macro.h"
#include "tracepoint-format.h"

#include "../bpf/policy.h"

typedef struct CompiledPolicy CompiledPolicy;
typedef struct CompiledList CompiledList;

typedef enum HookMechanism {
        HOOK_MECHANISM_NONE, /* nothing to attach */
        HOOK_MECHANISM_FENTRY,
        HOOK_MECHANISM_KPROBE,
        HOOK_MECHANISM_SYS_ENTER, /* tp_btf/sys_enter, filtered by syscall number */
        HOOK_MECHANISM_TRACEPOINT,
        HOOK_MECHANISM_RAW_TRACEPOINT,
        HOOK_MECHANISM_LSM,
        HOOK_MECHANISM_UPROBE,
        HOOK_MECHANISM_FMOD_RET, /* fentry that can replace the return: Override */
        HOOK_MECHANISM_USDT,     /* a uprobe on a USDT note, reading its argument specs */
        _HOOK_MECHANISM_MAX,
} HookMechanism;

#define ENGINE_DETAIL_MAX 160

/* What the kernel offers and the daemon allows. */
typedef struct EngineCapabilities {
        bool kernel[_HOOK_MECHANISM_MAX];                           /* the kernel offers it */
        char kernel_detail[_HOOK_MECHANISM_MAX][ENGINE_DETAIL_MAX]; /* why it does not */
        bool send_signal;      /* bpf_send_signal() from the engine's programs */
        bool override_return;  /* bpf_override_return() from kprobes */
        bool fmod_ret_syscall; /* fmod_ret on syscall functions (function error injection) */
        char fmod_ret_syscall_detail[ENGINE_DETAIL_MAX];
        unsigned disabled; /* 1U << HookMechanism, by --disable-mechanism */
        /* Whether the kernel's BTF has the function (an LSM hook's name for lsm,
         * "subsystem/event" for a raw tracepoint) that an fentry, fmod_ret, LSM or tp_btf
         * program would attach to, and for fentry and fmod_ret whether ftrace can trace it
         * (their trampoline patches its call site); NULL: assume so. */
        bool (*function_in_btf)(HookMechanism m, const char *function, void *userdata);
        /* The kernel functions ftrace can trace whose names match pattern (an extended
         * regular expression), at most max of them: 0 and a NULL-terminated strv the caller
         * frees, -EINVAL for a bad pattern, or another -errno. For generated_ftrace lists,
         * and for which syscalls the kernel has (generated_syscalls). NULL: the kernel's
         * functions cannot be listed. */
        int (*functions_matching)(const char *pattern, size_t max, char ***ret, void *userdata);
        void *userdata;
} EngineCapabilities;

/* From kernel_features_probe()'s results. */
void engine_capabilities_from_features(EngineCapabilities *ret, const KernelFeature *features,
                                       size_t n_features, unsigned disabled);

typedef struct HookPlan {
        size_t hook; /* the compiled hook it attaches: the entries of a call list share one */
        HookMechanism mechanism;
        int syscall_nr; /* a syscall hook's number; -1 otherwise */
        char *name;     /* "kprobes[0] sys_write" */
        char *function; /* what its events name, and what is attached to: "__x64_sys_write",
                           "security_file_permission", "file_open" (an LSM hook), or a
                           uprobe's symbol */
        char *path;     /* a uprobe's binary; NULL otherwise */
        char *status;   /* the mechanism, or why none is needed */
        /* A uprobe on an offset (function is "0x1f0") or on an address (function is
         * "@0x401000"): the number; ref_ctr_offset: the USDT semaphore refCtrOffsets
         * names for it (0: none). A usdt's function is "provider:name". */
        bool has_offset;
        bool offset_is_address;
        uint64_t offset;
        uint64_t ref_ctr_offset;
        /* An lsmhook with a Post that asks for imaHash: what its first argument is (enum
         * tg_policy_ima_arg), and its program is loaded sleepable, as bpf_ima_file_hash()
         * wants; TG_POLICY_IMA_NONE elsewhere. */
        uint8_t ima;
        /* A tracepoint's arguments of type auto: the format fields whose types they take
         * (plan_tracepoint_auto_type()), resolved alike by the installer and by
         * tetractl validate --kernel. */
        size_t n_auto_fields;
        uint32_t auto_field[TG_POLICY_MAX_ARGS];
} HookPlan;

/* Syscall numbers the plan can name (TG_GENERIC_MAX_SYSCALLS), as a bitmap of this many
 * words: what a list of syscalls stands for in InMap, and the calls an enforcer watches. */
#define PLAN_SYSCALL_WORDS (1024 / 64)

typedef struct PolicyPlan {
        HookPlan *hooks; /* one per hook of the policy, in its order; a hook that calls a
                            list (call: list:NAME) has one per entry of the list */
        size_t n_hooks;
        /* spec.enforcers: the syscalls where a task that NotifyEnforcer marked gets its
         * signal (bit per number). */
        bool has_enforcer;
        uint64_t enforced[PLAN_SYSCALL_WORDS];
} PolicyPlan;

/* Returns 0 and the plan, -EOPNOTSUPP and a sentence naming what cannot be
 * done (the first thing found) in ret_error, or -ENOMEM. */
int policy_plan_build(const CompiledPolicy *policy, const EngineCapabilities *caps,
                      PolicyPlan **ret, char **ret_error);
PolicyPlan *policy_plan_free(PolicyPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyPlan *, policy_plan_free);

/* The type a tracepoint argument of type auto takes from its format field, as Tetragon
 * derives it: an integer of the field's size and sign (size_t for size_t). Returns 0, or
 * -EOPNOTSUPP and why in ret_error ("tracepoint T: argument of type auto on field ..."),
 * or -ENOMEM. */
int plan_tracepoint_auto_type(const char *tracepoint, const TracepointField *field,
                              uint8_t *ret_type, char **ret_error);

/* A generated_ftrace list: at most this many functions. */
#define PLAN_FTRACE_FUNCTIONS_MAX 256

/* The numbers of a list of syscalls (type syscalls or generated_syscalls) into bits
 * (PLAN_SYSCALL_WORDS words): 0, or -ENOENT and the entry this architecture has no 64-bit
 * syscall for in ret_bad. */
int policy_list_syscalls(const CompiledList *l, uint64_t *bits, const char **ret_bad);

/* "fentry", "kprobe", "tp_btf/sys_enter", ... and back. */
const char *hook_mechanism_to_string(HookMechanism m);
/* The names --disable-mechanism takes: "fentry", "kprobe", "sys_enter", "tracepoint",
 * "raw_tracepoint", "lsm", "uprobe", "fmod_ret", "usdt". */
const char *hook_mechanism_option_name(HookMechanism m);
int hook_mechanism_from_option_name(const char *s);
/* A comma-separated list of option names into a mask; -EINVAL names nothing, so the
 * caller says which word was wrong with ret_bad (points into list, may be NULL). */
int hook_mechanisms_from_option(const char *list, unsigned *ret_mask, const char **ret_bad,
                                size_t *ret_bad_len);
