/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The policy engine's kernel side (bpf/generic.bpf.c) and user space
 * (daemon/policy-engine.c) share these: the per-syscall hook lists, the
 * per-policy state, the counters and the event record (TG_OP_GENERIC).
 *
 * The compiled records of bpf/policy.h live in array maps, each installation
 * in its own ranges; indexes inside them are rebased by the installer, so the
 * BPF side follows them as they are. A syscall number leads to its hook list:
 * each syscall has two list slots, and one byte per syscall says which is in
 * force (0: none). A reload writes the new records and the new list beside the
 * running ones, then flips the byte: one map update per syscall, which no
 * reader can see half done, so an enforced hook is never absent. Slots and
 * ranges a program may still read are reused only after an RCU grace period
 * (membarrier(MEMBARRIER_CMD_GLOBAL) from user space).
 *
 * An event record, after its fixed part, holds n_args arguments, each a
 * struct tg_generic_arg followed by its data (size bytes), padded to 8 bytes:
 *     fd:       the path of the file, NUL-terminated
 *     string:   the user string, NUL-terminated
 *     char_buf: the bytes (at most TG_GENERIC_BUF_MAX), value = the size passed
 *     sockaddr: a struct tg_generic_sockaddr (none when unreadable), value = its address's
 *               two halves XORed (what tells addresses apart in rateLimit's digest)
 *     integers: no data, value = the argument (sign-extended for signed types)
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
#define TG_GENERIC_MAX_POLICIES 1024

/* Syscall numbers the engine can hook: x86_64 and arm64 stay below 512. */
#define TG_GENERIC_MAX_SYSCALLS 1024
/* Hooks on one syscall, all policies together (a reload holds old and new). */
#define TG_GENERIC_MAX_HOOKS_PER_SYSCALL 128

/* Bytes of a user string or buffer the engine copies or compares. Powers of two. */
#define TG_GENERIC_STRING_MAX 4096
#define TG_GENERIC_BUF_MAX 4096
/* The largest record: the fixed part and five arguments of the largest kind. */
#define TG_GENERIC_RECORD_MAX (24 * 1024)

/* Comparisons read 8 bytes at a time: every buffer compared has this slack. */
#define TG_GENERIC_COMPARE_SLACK 8

struct tg_generic_hook_ref {
        __u32 hook;   /* slot in the hooks map */
        __u32 policy; /* slot in the policies map */
};

/* A list slot: every hook installed on one syscall. Slots 2 * nr and 2 * nr + 1
 * belong to syscall nr; its byte in the active map is 1 or 2 for the one in force. */
struct tg_generic_list {
        __u32 n;
        /* When every hook here needs (in each selector) the file of the fd in register
         * prefilter_reg to equal one of some paths, the lengths of their last components:
         * a file whose leaf has another length matches no hook, and the program stops
         * before evaluating any. TG_GENERIC_NO_PREFILTER: no such register. */
        __u8 prefilter_reg;
        __u8 pad[3];
        __u64 leaf_lengths[4]; /* bit L: some path's last component is L bytes */
        struct tg_generic_hook_ref refs[TG_GENERIC_MAX_HOOKS_PER_SYSCALL];
};

#define TG_GENERIC_NO_PREFILTER 0xff

enum tg_generic_policy_flags {
        TG_GENERIC_POLICY_MONITOR = 1
                                    << 0, /* enforcement becomes events saying what would be done */
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
        __u64 actions;      /* enforcement actions taken (signals sent) */
        __u64 rate_limited; /* events not posted because of rateLimit */
        __u64 lost;         /* events the ring buffer had no room for */
        __u64 monitored;    /* enforcement actions not taken: monitor mode */
};

enum tg_generic_record_flags {
        TG_GENERIC_RECORD_MONITOR = 1 << 0,        /* the action was not taken: monitor mode */
        TG_GENERIC_RECORD_ACTION_FAILED = 1 << 1,  /* the kernel refused the signal */
        TG_GENERIC_RECORD_ARGS_TRUNCATED = 1 << 2, /* not every argument fitted */
};

struct tg_generic_record {
        struct tg_record_header header;
        __u32 pid;
        __u32 tid;
        __u32 policy_id; /* tg_generic_policy.id */
        __u16 hook;      /* position of the hook in its policy */
        __u8 selector;   /* position of the matching selector in its hook; 0xff: none */
        __u8 n_args;
        __u8 action; /* enum tg_policy_action_type: SIGKILL, SIGNAL or POST */
        __u8 flags;  /* enum tg_generic_record_flags */
        __u16 pad;
        __u32 signal; /* sent (or, in monitor mode, not sent) by SIGKILL or SIGNAL */
        __u32 syscall_nr;
        __u32 pad2;
        /* then the arguments */
};
_Static_assert(sizeof(struct tg_generic_record) == 48, "tg_generic_record layout");

#define TG_GENERIC_NO_SELECTOR 0xff

enum tg_generic_arg_flags {
        TG_GENERIC_ARG_TRUNCATED = 1 << 0,  /* data cut (buffer) or only the last path components */
        TG_GENERIC_ARG_UNREADABLE = 1 << 1, /* no data: bad fd, bad user pointer */
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

#define TG_GENERIC_AF_UNIX 1
#define TG_GENERIC_AF_INET 2
#define TG_GENERIC_AF_INET6 10

/* Keys of the rate limit map: one per selector, scope and argument digest. */
struct tg_generic_rate_key {
        __u32 selector; /* selector slot */
        __u32 scope;    /* tid, tgid or 0, per rateLimitScope */
        __u64 digest;   /* of the arguments */
};
