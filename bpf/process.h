/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The process records (exec, exit, fork), shared by bpf/process.bpf.c and
 * user space. Each starts with struct tg_record_header; an exec record's
 * variable part follows its fixed part, in this order, with every length in
 * the fixed part:
 *
 *     binary (binary_len bytes, NUL included)
 *     args   (args_len bytes: argv[0..n], each NUL-terminated)
 *     cwd    (cwd_len bytes, NUL included)
 *     cgroup (cgroup_len bytes, NUL included; "" when unknown)
 *
 * and header.size == sizeof(struct tg_exec_record) + the four lengths.
 */

#include "common.h"

/* Caps of the variable parts. Powers of two: the BPF side masks offsets and
 * lengths with them so the verifier can bound every copy. */
#define TG_PATH_MAX 4096  /* a path, NUL included */
#define TG_ARGS_MAX 16384 /* the argument list, every NUL included */

/* Deepest path the BPF side walks (components plus mount crossings). */
#define TG_PATH_MAX_DEPTH 1024

/* tg_exec_record.flags */
enum tg_exec_flag {
        TG_EXEC_ARGS_TRUNCATED = 1 << 0,   /* args cut at TG_ARGS_MAX, or unreadable */
        TG_EXEC_BINARY_TRUNCATED = 1 << 1, /* only the last components of the path */
        TG_EXEC_CWD_TRUNCATED = 1 << 2,
        TG_EXEC_CGROUP_TRUNCATED = 1 << 3,
        TG_EXEC_AUID_UNKNOWN = 1 << 4, /* kernel without CONFIG_AUDIT: auid is unset */
};

struct tg_exec_record {
        struct tg_record_header header;
        __u32 pid;  /* thread group id */
        __u32 tid;  /* the thread that called execve() (now the group leader) */
        __u32 ppid; /* real parent's thread group id */
        __u32 auid; /* login uid; (__u32) -1 when unset */
        __u32 uid, euid, suid, fsuid;
        __u32 gid, egid, sgid, fsgid;
        __u64 cgroup_id; /* cgroup v2 id */
        __u32 flags;     /* enum tg_exec_flag */
        __u32 args_len;
        __u16 binary_len;
        __u16 cwd_len;
        __u16 cgroup_len;
        __u16 pad;
        /* then binary, args, cwd, cgroup */
};
_Static_assert(sizeof(struct tg_exec_record) == 88, "tg_exec_record layout");

/* A new thread group (not a thread): the child of fork(), vfork() or clone()
 * without CLONE_THREAD, before any exec. Kernel threads are not reported. */
struct tg_fork_record {
        struct tg_record_header header; /* ktime: when the child was created */
        __u32 pid;                      /* the child's thread group id */
        __u32 ppid;        /* the child's real parent (not the caller with CLONE_PARENT) */
        __u32 creator_pid; /* thread group that called clone(): its image is the child's */
        __u32 pad;
};
_Static_assert(sizeof(struct tg_fork_record) == 32, "tg_fork_record layout");

/* The last thread of a thread group exited. Kernel threads are not reported. */
struct tg_exit_record {
        struct tg_record_header header;
        __u32 pid;       /* thread group id */
        __u32 tid;       /* the thread that exited last */
        __u32 exit_code; /* as wait(2) reports it: (status << 8) | signal, 0x80 = core dump */
        __u32 pad;
};
_Static_assert(sizeof(struct tg_exit_record) == 32, "tg_exit_record layout");

/* The largest exec record the BPF side builds. */
#define TG_EXEC_RECORD_MAX (sizeof(struct tg_exec_record) + 3 * TG_PATH_MAX + TG_ARGS_MAX)
