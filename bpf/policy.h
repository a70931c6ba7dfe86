/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The compiled policy as the BPF side reads it: flat arrays of fixed-size
 * records, copied into array maps by the installer. Everything refers to
 * everything else by index, never by pointer, so one record is one map value.
 *
 * Evaluation (a sys_enter program, or one program per hook):
 *     hook -> its selectors [selector_first, +n_selectors), in order
 *     selector -> its filters [filter_first, +n_filters), all must match
 *     filter -> its values [value_first, +n_values), any (or none, for Not*) must match
 *     first matching selector -> its actions [action_first, +n_actions)
 *
 * Names, messages, tags and source positions are user-space only and live in
 * lib/policy-compile.h, not here. Codes are never renumbered: add at the end.
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TG_POLICY_ABI_VERSION 1

#define TG_POLICY_MAX_HOOKS 64
#define TG_POLICY_MAX_ARGS 5
#define TG_POLICY_MAX_SELECTORS_PER_HOOK 5
#define TG_POLICY_MAX_FILTERS_PER_SELECTOR 40
#define TG_POLICY_MAX_ACTIONS_PER_SELECTOR 6 /* matchActions + matchReturnActions */
#define TG_POLICY_MAX_SELECTORS (TG_POLICY_MAX_HOOKS * TG_POLICY_MAX_SELECTORS_PER_HOOK)
#define TG_POLICY_MAX_FILTERS 2048
#define TG_POLICY_MAX_VALUES 8192
#define TG_POLICY_MAX_STRINGS 1024
#define TG_POLICY_MAX_ACTIONS (TG_POLICY_MAX_SELECTORS * TG_POLICY_MAX_ACTIONS_PER_SELECTOR)
#define TG_POLICY_STRING_MAX 256 /* bytes in one string value, NUL excluded: up to 255 */

#define TG_POLICY_NO_SYSCALL                                                                       \
        0xffffffffU /* tg_policy_hook.syscall_nr before the installer resolves it */

enum tg_policy_hook_kind {
        TG_POLICY_HOOK_KPROBE = 1,
        TG_POLICY_HOOK_FENTRY = 2,
        TG_POLICY_HOOK_TRACEPOINT = 3,
        TG_POLICY_HOOK_UPROBE = 4,
        TG_POLICY_HOOK_LSM = 5,
        TG_POLICY_HOOK_USDT = 6,
};

enum tg_policy_hook_flags {
        TG_POLICY_HOOK_SYSCALL = 1 << 0,   /* call names a system call */
        TG_POLICY_HOOK_RETURN = 1 << 1,    /* return: true */
        TG_POLICY_HOOK_RAW = 1 << 2,       /* raw tracepoint */
        TG_POLICY_HOOK_CALL_LIST = 1 << 3, /* call: list:NAME, expanded by the installer */
        TG_POLICY_HOOK_IGNORE_MISSING = 1 << 4,
        TG_POLICY_HOOK_AT_RETURN = 1 << 5, /* posted at return: return: true, or returnCopy */
};

enum tg_policy_arg_type {
        TG_ARG_NONE = 0,
        TG_ARG_AUTO = 1,
        TG_ARG_INT = 2,
        TG_ARG_INT8 = 3,
        TG_ARG_UINT8 = 4,
        TG_ARG_INT16 = 5,
        TG_ARG_UINT16 = 6,
        TG_ARG_INT32 = 7,
        TG_ARG_UINT32 = 8,
        TG_ARG_INT64 = 9,
        TG_ARG_UINT64 = 10,
        TG_ARG_LONG = 11,
        TG_ARG_ULONG = 12,
        TG_ARG_SIZE_T = 13,
        TG_ARG_SYSCALL64 = 14,
        TG_ARG_CHAR_BUF = 15,
        TG_ARG_CHAR_IOVEC = 16,
        TG_ARG_CONST_BUF = 17,
        TG_ARG_STRING = 18,
        TG_ARG_DATA_LOC = 19,
        TG_ARG_FD = 20,
        TG_ARG_FILE = 21,
        TG_ARG_FILENAME = 22,
        TG_ARG_PATH = 23,
        TG_ARG_DENTRY = 24,
        TG_ARG_LINUX_BINPRM = 25,
        TG_ARG_SOCK = 26,
        TG_ARG_SOCKET = 27,
        TG_ARG_SOCKADDR = 28,
        TG_ARG_SOCKADDR_UN = 29,
        TG_ARG_SKB = 30,
        TG_ARG_NET_DEVICE = 31,
        TG_ARG_NOP = 32,
        TG_ARG_BPF_ATTR = 33,
        TG_ARG_BPF_CMD = 34,
        TG_ARG_BPF_MAP = 35,
        TG_ARG_BPF_PROG = 36,
        TG_ARG_PERF_EVENT = 37,
        TG_ARG_USER_NAMESPACE = 38,
        TG_ARG_CAPABILITY = 39,
        TG_ARG_KERNEL_CAP_T = 40,
        TG_ARG_CAP_INHERITABLE = 41,
        TG_ARG_CAP_PERMITTED = 42,
        TG_ARG_CAP_EFFECTIVE = 43,
        TG_ARG_CRED = 44,
        TG_ARG_KIOCB = 45,
        TG_ARG_IOV_ITER = 46,
        TG_ARG_LOAD_INFO = 47,
        TG_ARG_MODULE = 48,
};

/* The integer family: read from a register, compared as numbers, sent as 8 bytes. */
static inline int tg_arg_type_is_integer(__u8 t) {
        switch (t) {
        case TG_ARG_INT:
        case TG_ARG_INT8:
        case TG_ARG_UINT8:
        case TG_ARG_INT16:
        case TG_ARG_UINT16:
        case TG_ARG_INT32:
        case TG_ARG_UINT32:
        case TG_ARG_INT64:
        case TG_ARG_UINT64:
        case TG_ARG_LONG:
        case TG_ARG_ULONG:
        case TG_ARG_SIZE_T:
                return 1;
        }
        return 0;
}

enum tg_policy_arg_flags {
        TG_POLICY_ARG_RETURN_COPY = 1 << 0,
        TG_POLICY_ARG_MAX_DATA = 1 << 1,
};

/* What a filter looks at. */
enum tg_policy_filter_kind {
        TG_FILTER_ARG = 1,        /* arg: position in the hook's args */
        TG_FILTER_DATA = 2,       /* arg: position in the hook's data */
        TG_FILTER_RETURN_ARG = 3, /* the return value */
        TG_FILTER_PID = 4,
        TG_FILTER_BINARY = 5,
        TG_FILTER_PARENT_BINARY = 6,
        TG_FILTER_NAMESPACE = 7,        /* subtype: namespace type */
        TG_FILTER_NAMESPACE_CHANGE = 8, /* mask: namespace types */
        TG_FILTER_CAPABILITY = 9,       /* subtype: capability set; mask: capabilities */
        TG_FILTER_CAPABILITY_CHANGE = 10,
};

enum tg_policy_filter_flags {
        TG_FILTER_FOLLOW_FORKS = 1 << 0,
        TG_FILTER_NAMESPACE_PID = 1 << 1,
        TG_FILTER_FOLLOW_CHILDREN = 1 << 2,
        TG_FILTER_NAMESPACE_CAPABILITY = 1 << 3,
};

enum tg_policy_op {
        TG_POLICY_OP_EQUAL = 1,
        TG_POLICY_OP_NOT_EQUAL = 2,
        TG_POLICY_OP_PREFIX = 3,
        TG_POLICY_OP_NOT_PREFIX = 4,
        TG_POLICY_OP_POSTFIX = 5,
        TG_POLICY_OP_NOT_POSTFIX = 6,
        TG_POLICY_OP_GREATER_THAN = 7,
        TG_POLICY_OP_LESS_THAN = 8,
        TG_POLICY_OP_MASK = 9,
        TG_POLICY_OP_IN_RANGE = 10,
        TG_POLICY_OP_NOT_IN_RANGE = 11,
        TG_POLICY_OP_IN_MAP = 12,
        TG_POLICY_OP_NOT_IN_MAP = 13,
        TG_POLICY_OP_SPORT = 14,
        TG_POLICY_OP_NOT_SPORT = 15,
        TG_POLICY_OP_SPORT_PRIV = 16,
        TG_POLICY_OP_NOT_SPORT_PRIV = 17,
        TG_POLICY_OP_DPORT = 18,
        TG_POLICY_OP_NOT_DPORT = 19,
        TG_POLICY_OP_DPORT_PRIV = 20,
        TG_POLICY_OP_NOT_DPORT_PRIV = 21,
        TG_POLICY_OP_SADDR = 22,
        TG_POLICY_OP_NOT_SADDR = 23,
        TG_POLICY_OP_DADDR = 24,
        TG_POLICY_OP_NOT_DADDR = 25,
        TG_POLICY_OP_PROTOCOL = 26,
        TG_POLICY_OP_FAMILY = 27,
        TG_POLICY_OP_STATE = 28,
        TG_POLICY_OP_CAPABILITIES_GAINED = 29,
        TG_POLICY_OP_SUBSTRING = 30,
        TG_POLICY_OP_SUBSTRING_IGNORE_CASE = 31,
        TG_POLICY_OP_FILE_TYPE = 32,
        TG_POLICY_OP_NOT_FILE_TYPE = 33,
        TG_POLICY_OP_CEL_EXPR = 34,
        TG_POLICY_OP_IN = 35,
        TG_POLICY_OP_NOT_IN = 36,
        TG_POLICY_OP_SAME_FILE = 37,     /* tetragond extension: (device, inode) values */
        TG_POLICY_OP_NOT_SAME_FILE = 38, /* tetragond extension */
};

enum tg_policy_value_kind {
        TG_VALUE_NUMBER = 1, /* lo (as __s64 for signed argument types) */
        TG_VALUE_RANGE = 2,  /* lo..hi inclusive */
        TG_VALUE_STRING = 3, /* lo: index into the string table; aux: length */
        TG_VALUE_ADDRESS =
                4,         /* lo, hi: the 16 address bytes in network order; family, prefix_len */
        TG_VALUE_LIST = 5, /* aux: index of a spec.lists list, resolved by the installer */
        TG_VALUE_FILE_ID = 6, /* lo: inode, hi: device as the kernel encodes it (s_dev) */
};

enum tg_policy_value_flags {
        TG_VALUE_HOST_NS = 1 << 0, /* "host_ns": the installer writes the host's inode into lo */
        /* SameFile: a path the installer replaces with its file's TG_VALUE_FILE_ID */
        TG_VALUE_RESOLVE_FILE = 1 << 1,
};

/* x86_64's i386 (compat) syscalls: bit TG_COMPAT_SYSCALL_BASE + N of a syscall set is i386
 * call N (x86_64's own stay below it); a syscall64 value of one has TG_SYSCALL64_IS32 set,
 * as Tetragon's Is32Bit. */
#define TG_COMPAT_SYSCALL_BASE 512
#define TG_SYSCALL64_IS32 0x80000000U

enum tg_policy_action_type {
        TG_ACTION_POST = 1,
        TG_ACTION_FOLLOW_FD = 2,
        TG_ACTION_UNFOLLOW_FD = 3,
        TG_ACTION_COPY_FD = 4,
        TG_ACTION_SIGKILL = 5,
        TG_ACTION_SIGNAL = 6,
        TG_ACTION_OVERRIDE = 7,
        TG_ACTION_GET_URL = 8,    /* user space: aux indexes the compiled policy's action strings */
        TG_ACTION_DNS_LOOKUP = 9, /* user space, likewise */
        TG_ACTION_NO_POST = 10,
        TG_ACTION_TRACK_SOCK = 11,
        TG_ACTION_UNTRACK_SOCK = 12,
        TG_ACTION_NOTIFY_ENFORCER = 13,
        TG_ACTION_CLEANUP_ENFORCER_NOTIFICATION = 14,
        TG_ACTION_SET = 15,
};

enum tg_policy_action_flags {
        TG_ACTION_KERNEL_STACK_TRACE = 1 << 0,
        TG_ACTION_USER_STACK_TRACE = 1 << 1,
        TG_ACTION_IMA_HASH = 1 << 2,
        TG_ACTION_RETURN = 1 << 3, /* from matchReturnActions: run on return */
        TG_ACTION_HAS_ARG_ERROR = 1 << 4,
        TG_ACTION_HAS_ARG_SIG = 1 << 5,
};

/* The file whose IMA hash a Post with imaHash takes: the LSM hook's first argument, as
 * Tetragon's, a struct file * or a struct linux_binprm * (then its file). */
enum tg_policy_ima_arg {
        TG_POLICY_IMA_NONE = 0,
        TG_POLICY_IMA_FILE = 1,
        TG_POLICY_IMA_LINUX_BINPRM = 2,
};

struct tg_policy_hook {
        __u8 kind;  /* enum tg_policy_hook_kind */
        __u8 flags; /* enum tg_policy_hook_flags */
        __u8 n_args;
        __u8 n_selectors;
        __u32 selector_first;
        __u32 syscall_nr; /* TG_POLICY_NO_SYSCALL until the installer resolves the name */
        __u8 return_type; /* return: true: enum tg_policy_arg_type of the return value */
        __u8 pad[3];
        __u8 arg_type[8];       /* enum tg_policy_arg_type, per position in args */
        __u8 arg_index[8];      /* argument (or tracepoint field) each position reads */
        __u8 arg_flags[8];      /* enum tg_policy_arg_flags */
        __u8 arg_size_index[8]; /* sizeArgIndex as written (1-based), 0: none */
};
_Static_assert(sizeof(struct tg_policy_hook) == 48, "tg_policy_hook layout");

struct tg_policy_selector {
        __u32 filter_first;
        __u32 action_first;
        __u16 n_filters;
        __u8 n_actions;        /* matchActions */
        __u8 n_return_actions; /* matchReturnActions, right after them */
        __u32 pad;
};
_Static_assert(sizeof(struct tg_policy_selector) == 16, "tg_policy_selector layout");

struct tg_policy_filter {
        __u8 kind;     /* enum tg_policy_filter_kind */
        __u8 op;       /* enum tg_policy_op */
        __u8 arg;      /* position in args (or data) */
        __u8 arg2;     /* second position (CapabilitiesGained) */
        __u8 arg_type; /* enum tg_policy_arg_type of that position */
        __u8 flags;    /* enum tg_policy_filter_flags */
        __u8 subtype;  /* namespace type or capability set */
        __u8 pad;
        __u32 value_first;
        __u32 n_values;
        __u64 mask; /* capabilities, or namespace types of a change filter */
};
_Static_assert(sizeof(struct tg_policy_filter) == 24, "tg_policy_filter layout");

struct tg_policy_value {
        __u8 kind;       /* enum tg_policy_value_kind */
        __u8 family;     /* addresses: AF_INET or AF_INET6 */
        __u8 prefix_len; /* addresses */
        __u8 flags;      /* enum tg_policy_value_flags */
        __u32 aux;       /* string length, or list index */
        __u64 lo;
        __u64 hi;
};
_Static_assert(sizeof(struct tg_policy_value) == 24, "tg_policy_value layout");

struct tg_policy_string {
        __u32 length;
        __u32 pad;
        __u8 data[TG_POLICY_STRING_MAX]; /* zero padded, so a map lookup can use the whole slot */
};
_Static_assert(sizeof(struct tg_policy_string) == 8 + TG_POLICY_STRING_MAX,
               "tg_policy_string layout");

struct tg_policy_action {
        __u8 type;             /* enum tg_policy_action_type */
        __u8 flags;            /* enum tg_policy_action_flags */
        __u8 rate_limit_scope; /* 0 thread, 1 process, 2 global */
        __u8 pad;
        __s32 arg_error;     /* Override, NotifyEnforcer */
        __u32 arg_sig;       /* Signal, NotifyEnforcer */
        __u32 arg0;          /* argFd, argSock or argIndex */
        __u32 arg1;          /* argName or argValue */
        __u32 rate_limit_ms; /* Post; 0: none */
        __u32 aux;           /* GetUrl, DnsLookup: index of the user-space string */
        __u32 pad2;
};
_Static_assert(sizeof(struct tg_policy_action) == 32, "tg_policy_action layout");
