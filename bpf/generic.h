/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The policy engine's kernel side (bpf/generic.bpf.c) and user space
 * (daemon/policy-engine.c) share these: the per-syscall hook lists, the
 * per-policy state, the counters and the event record (TG_OP_GENERIC).
 *
 * The compiled records of bpf/policy.h live in array maps, each installation
 * in its own ranges; indexes inside them are rebased by the installer, so the
 * BPF side follows them as they are. Hooks are reached through attach points:
 * points below TG_GENERIC_MAX_SYSCALLS are syscall numbers (whatever program
 * serves them: sys_enter, a kprobe or an fentry on the syscall's function),
 * the others are kernel functions and LSM hooks, one attached program each,
 * which knows its point. A point leads to its hook list: each point has two
 * list slots, and one byte per point says which is in force (0: none). A
 * reload writes the new records and the new list beside the running ones,
 * then flips the byte: one map update per point, which no reader can see half
 * done, so an enforced hook is never absent. Slots and ranges a program may
 * still read are reused only after an RCU grace period
 * (membarrier(MEMBARRIER_CMD_GLOBAL) from user space).
 *
 * An event record, after its fixed part, holds n_args arguments, each a
 * struct tg_generic_arg followed by its data (size bytes), padded to 8 bytes:
 *     fd, file, path, linux_binprm: the path of the file, NUL-terminated
 *     string:   the user string, NUL-terminated
 *     char_buf: the bytes (at most TG_GENERIC_BUF_MAX, TG_GENERIC_BUF_MAX_DATA with
 *               maxData), value = the size passed
 *     sockaddr: a struct tg_generic_sockaddr (none when unreadable), value = its address's
 *               two halves XORed (what tells addresses apart in rateLimit's digest)
 *     integers: no data, value = the argument (sign-extended for signed types)
 *     char_iovec: the bytes of the vectors one after the other (at most TG_GENERIC_BUF_MAX),
 *               value = the bytes of all vectors read
 *     filename: its name, NUL-terminated
 *     sock, socket: a struct tg_generic_sock (none when unreadable)
 *     skb:      a struct tg_generic_skb (none when unreadable)
 *     net_device: its name, NUL-terminated
 *     cred:     a struct tg_generic_cred (none when unreadable)
 *     capability: no data, value = the capability's number
 *     nop:      no data, value 0 (user space shows no argument for it)
 * and header.size is the end of the last one.
 */

#include "common.h"
#include "policy.h"

/* Table sizes (map max_entries); each installation takes a range of each. */
#define TG_GENERIC_MAX_HOOKS 4096
#define TG_GENERIC_MAX_SELECTORS 8192
#define TG_GENERIC_MAX_FILTERS 32768
#define TG_GENERIC_MAX_VALUES 65536
#define TG_GENERIC_MAX_STRINGS 8192
#define TG_GENERIC_MAX_ACTIONS 16384
/* Twice the registry's capacity (POLICY_REGISTRY_CAPACITY, 1024 installed policies): a full
 * table still has room to install a new version of any policy beside the old one. */
#define TG_GENERIC_MAX_POLICIES 2048

/* Syscall numbers the engine can hook: x86_64 and arm64 stay below 512. */
#define TG_GENERIC_MAX_SYSCALLS 1024
/* Attach points: the syscalls, then kernel functions and LSM hooks. */
#define TG_GENERIC_MAX_POINTS (TG_GENERIC_MAX_SYSCALLS + 512)
/* Hooks on one point, all policies together (a reload holds old and new). */
#define TG_GENERIC_MAX_HOOKS_PER_POINT 128

/* Bytes of a user string or buffer the engine copies or compares. Powers of two. */
#define TG_GENERIC_STRING_MAX 4096
#define TG_GENERIC_BUF_MAX 4096
/* The largest record: the fixed part and five arguments of the largest kind. */
#define TG_GENERIC_RECORD_MAX (24 * 1024)
/* maxData: a char_buf's bytes, read whole up to this, while the arguments before it
 * leave the record room (they end by TG_GENERIC_MAX_DATA_OFF; else TG_GENERIC_BUF_MAX). */
#define TG_GENERIC_BUF_MAX_DATA (16 * 1024)
#define TG_GENERIC_MAX_DATA_OFF (TG_GENERIC_RECORD_MAX - TG_GENERIC_BUF_MAX_DATA - 16 - 8)

/* Comparisons read 8 bytes at a time: every buffer compared has this slack. */
#define TG_GENERIC_COMPARE_SLACK 8

struct tg_generic_hook_ref {
        __u32 hook;   /* slot in the hooks map */
        __u32 policy; /* slot in the policies map */
};

/* A list slot: every hook installed on one point. Slots 2 * point and 2 * point + 1
 * belong to it; its byte in the active map is 1 or 2 for the one in force. */
struct tg_generic_list {
        __u32 n;
        /* When every hook here needs (in each selector) the file of the fd in register
         * prefilter_reg to equal one of some paths, the lengths of their last components:
         * a file whose leaf has another length matches no hook, and the program stops
         * before evaluating any. TG_GENERIC_NO_PREFILTER: no such register. */
        __u8 prefilter_reg;
        __u8 has_return; /* some hook here has return: true: the return programs look */
        __u8 pad[2];
        __u64 leaf_lengths[4]; /* bit L: some path's last component is L bytes */
        struct tg_generic_hook_ref refs[TG_GENERIC_MAX_HOOKS_PER_POINT];
};

#define TG_GENERIC_NO_PREFILTER 0xff

/* How a tracepoint's field becomes a register. */
enum tg_generic_field_kind {
        TG_FIELD_NONE = 0,
        TG_FIELD_INTEGER = 1,  /* size bytes, sign-extended when is_signed */
        TG_FIELD_POINTER = 2,  /* its value */
        TG_FIELD_ARRAY = 3,    /* an array inside the record: its address */
        TG_FIELD_DATA_LOC = 4, /* __data_loc: the address of the data it locates */
};

/* The fields of one tracepoint that its hooks read, one per register: hooks of every
 * policy on it share them, so a register's field never changes while the point lives. */
struct tg_generic_fields {
        __u16 offset[5];
        __u8 size[5];
        __u8 kind[5]; /* enum tg_generic_field_kind */
        __u8 is_signed[5];
        __u8 user_regs; /* bit per register: a pointer into user memory (syscalls/...) */
        __u16 pad;
};

enum tg_generic_policy_flags {
        TG_GENERIC_POLICY_MONITOR = 1
                                    << 0, /* enforcement becomes events saying what would be done */
        /* unitSelector (our extension): only tasks in a cgroup of gen_unit_cgroups or below */
        TG_GENERIC_POLICY_UNITS = 1 << 1,
        TG_GENERIC_POLICY_UNITS_NOT_IN = 1 << 2, /* ... or only tasks outside them */
};

/* unitSelector: the units' names, which a cgroup made later (a unit starting or restarting)
 * is compared with, and the cgroups found (by the daemon at install, by the kernel at
 * mkdir). Keyed by installation id, never reused, so no stale entry scopes another policy. */
#define TG_GENERIC_UNIT_NAME_MAX 64
#define TG_GENERIC_MAX_UNIT_NAMES 1024
#define TG_GENERIC_MAX_UNIT_CGROUPS 16384
#define TG_GENERIC_UNIT_LEVELS 16 /* cgroup levels looked at, from the root's child down */

struct tg_generic_unit_name {
        __u32 policy_id;
        __u32 pad;
        char name[TG_GENERIC_UNIT_NAME_MAX]; /* zero padded */
};

struct tg_generic_unit_cgroup {
        __u32 policy_id;
        __u32 pad;
        __u64 cgroup_id;
};

struct tg_generic_policy {
        __u32 id;             /* installation id: what records carry, never reused */
        __u32 flags;          /* enum tg_generic_policy_flags, switched by one map update */
        __u32 hook_first;     /* the installation's first hook slot: records carry positions */
        __u32 selector_first; /* first selector slot, likewise */
};

/* A string value as the BPF side compares it: zero padded, with slack. */
struct tg_generic_string {
        __u32 length;
        __u32 last_len; /* bytes after its last '/': what a path's leaf must match */
        __u8 data[TG_POLICY_STRING_MAX + TG_GENERIC_COMPARE_SLACK];
};

/* Per selector slot, per CPU. */
struct tg_generic_counters {
        __u64 matched;      /* the selector matched (its actions ran) */
        __u64 posted;       /* events written to the ring buffer */
        __u64 actions;      /* enforcement actions taken (signals sent, returns overridden) */
        __u64 rate_limited; /* events not posted because of rateLimit */
        __u64 lost;         /* events the ring buffer had no room for */
        __u64 monitored;    /* enforcement actions not taken: monitor mode */
};

enum tg_generic_record_flags {
        TG_GENERIC_RECORD_MONITOR = 1 << 0,        /* the action was not taken: monitor mode */
        TG_GENERIC_RECORD_ACTION_FAILED = 1 << 1,  /* the kernel refused the signal */
        TG_GENERIC_RECORD_ARGS_TRUNCATED = 1 << 2, /* not every argument fitted */
        TG_GENERIC_RECORD_OVERRIDE = 1 << 3,       /* the function returned override_error */
        TG_GENERIC_RECORD_RETURN = 1 << 4, /* after the n_args arguments, one more: the return */
        /* Post with kernelStackTrace / userStackTrace: right after the record, before the
         * arguments, a struct tg_generic_stack and its frames; the kernel's first. */
        TG_GENERIC_RECORD_KERNEL_STACK = 1 << 5,
        TG_GENERIC_RECORD_USER_STACK = 1 << 6,
        /* Post with imaHash: right after the record, before any stack, a
         * struct tg_generic_ima. */
        TG_GENERIC_RECORD_IMA_HASH = 1 << 7,
};

/* The largest digest IMA computes (SHA-512, Streebog-512). */
#define TG_GENERIC_IMA_DIGEST_MAX 64

/* bpf_ima_file_hash()'s result: the kernel's enum hash_algo (HASH_ALGO_SHA256 is 4) and
 * as many bytes of the digest as that algorithm makes, or its negative errno (-EOPNOTSUPP:
 * IMA has no policy, so it hashes nothing). */
struct tg_generic_ima {
        __s32 algo;
        __u32 pad;
        __u8 digest[TG_GENERIC_IMA_DIGEST_MAX];
};
_Static_assert(sizeof(struct tg_generic_ima) == 72, "tg_generic_ima layout");

/* The deepest stack a record carries, in frames: perf's own default limit is 127. */
#define TG_GENERIC_STACK_DEPTH 64

/* A stack trace as bpf_get_stack() filled it: n_frames addresses of 8 bytes follow,
 * the innermost first. n_frames is 0 when the kernel had none to give (error says why). */
struct tg_generic_stack {
        __u32 n_frames;
        __s32 error; /* bpf_get_stack()'s negative errno, or 0 */
};
_Static_assert(sizeof(struct tg_generic_stack) == 8, "tg_generic_stack layout");

struct tg_generic_record {
        struct tg_record_header header;
        __u32 pid;
        __u32 tid;
        __u32 policy_id; /* tg_generic_policy.id */
        __u16 hook;      /* position of the hook in its policy */
        __u8 selector;   /* position of the matching selector in its hook; 0xff: none */
        __u8 n_args;
        __u8 action; /* enum tg_policy_action_type: SIGKILL, OVERRIDE, SIGNAL or POST */
        __u8 flags;  /* enum tg_generic_record_flags */
        __u16 pad;
        __u32 signal;         /* sent (or, in monitor mode, not sent) by SIGKILL or SIGNAL */
        __u32 point;          /* the attach point that fired (a syscall number below 1024) */
        __s32 override_error; /* TG_GENERIC_RECORD_OVERRIDE: what the function returned */
        /* then the arguments */
};
_Static_assert(sizeof(struct tg_generic_record) == 48, "tg_generic_record layout");

#define TG_GENERIC_NO_SELECTOR 0xff

enum tg_generic_arg_flags {
        TG_GENERIC_ARG_TRUNCATED = 1 << 0,  /* data cut (buffer) or only the last path components */
        TG_GENERIC_ARG_UNREADABLE = 1 << 1, /* no data: bad fd, bad user pointer */
        /* char_buf with returnCopy: read at return; value is what the function returned (the
         * bytes it filled), and the first min(value, size) bytes of the data are the buffer */
        TG_GENERIC_ARG_RETURN_COPY = 1 << 2,
};

struct tg_generic_arg {
        __u8 type;  /* enum tg_policy_arg_type */
        __u8 flags; /* enum tg_generic_arg_flags */
        __u16 pad;
        __u32 size; /* bytes of data that follow */
        __u64 value;
};
_Static_assert(sizeof(struct tg_generic_arg) == 16, "tg_generic_arg layout");

/* A sockaddr argument (a user struct sockaddr *) as recorded and compared: its family,
 * and for AF_INET and AF_INET6 the port and the address; zero elsewhere. */
struct tg_generic_sockaddr {
        __u16 family;
        __u16 port; /* host order */
        __u32 pad;
        __u8 addr[16]; /* network order; AF_INET in the first 4 bytes */
};
_Static_assert(sizeof(struct tg_generic_sockaddr) == 24, "tg_generic_sockaddr layout");

/* A sock or socket argument (a struct sock * or struct socket *, kernel memory) as recorded
 * and compared. Addresses and ports only for AF_INET and AF_INET6; zero elsewhere. */
struct tg_generic_sock {
        __u16 family;
        __u16 type;
        __u16 protocol;
        __u8 state;
        __u8 pad;
        __u16 sport; /* host order */
        __u16 dport; /* host order */
        __u32 mark;
        __u32 priority;
        __u32 pad2;
        __u8 saddr[16]; /* network order; AF_INET in the first 4 bytes */
        __u8 daddr[16];
};
_Static_assert(sizeof(struct tg_generic_sock) == 56, "tg_generic_sock layout");

/* An skb argument (a struct sk_buff *): its length, hash, priority and mark, and what its
 * IPv4 or IPv6 header and its TCP, UDP or SCTP header say (zero when it has none). */
struct tg_generic_skb {
        __u32 hash;
        __u32 len;
        __u32 priority;
        __u32 mark;
        __u16 family; /* AF_INET or AF_INET6, from the IP version */
        __u16 protocol;
        __u16 sport; /* host order */
        __u16 dport;
        __u8 saddr[16]; /* network order; AF_INET in the first 4 bytes */
        __u8 daddr[16];
};
_Static_assert(sizeof(struct tg_generic_skb) == 56, "tg_generic_skb layout");

/* A cred argument (a struct cred *): the ids, the capability sets and the user namespace. */
struct tg_generic_cred {
        __u32 uid;
        __u32 gid;
        __u32 euid;
        __u32 egid;
        __u32 suid;
        __u32 sgid;
        __u32 fsuid;
        __u32 fsgid;
        __u32 securebits;
        __s32 user_ns_level;
        __u32 user_ns_owner;
        __u32 user_ns_group;
        __u32 user_ns_inum;
        __u32 pad;
        __u64 cap_permitted;
        __u64 cap_effective;
        __u64 cap_inheritable;
};
_Static_assert(sizeof(struct tg_generic_cred) == 80, "tg_generic_cred layout");

/* Vectors of a char_iovec argument the engine reads; past them, the event says truncated. */
#define TG_GENERIC_IOVEC_MAX 64

#define TG_GENERIC_AF_UNIX 1
#define TG_GENERIC_AF_INET 2
#define TG_GENERIC_AF_INET6 10

/* Syscall numbers as a bitmap: a list of syscalls in InMap (keyed by the value's slot),
 * and the calls of a policy's enforcer (keyed by the policy's slot). */
struct tg_generic_syscall_set {
        __u64 bits[TG_GENERIC_MAX_SYSCALLS / 64];
};

/* What NotifyEnforcer leaves on a thread for its policy's enforcer: when the thread
 * returns from one of the enforcer's calls, it gets signal. */
struct tg_generic_enforcer_mark {
        __u32 policy_slot;
        __u32 policy_id; /* the mark is stale when the slot holds another policy by then */
        __u32 signal;
        __s32 error; /* argError: refused at load, kept for what the mark says */
};
_Static_assert(sizeof(struct tg_generic_enforcer_mark) == 16, "tg_generic_enforcer_mark layout");

/* Keys of the rate limit map: one per selector, scope and argument digest. */
struct tg_generic_rate_key {
        __u32 selector; /* selector slot */
        __u32 scope;    /* tid, tgid or 0, per rateLimitScope */
        __u64 digest;   /* of the arguments */
};
