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
 *     env    (env_len bytes: NAME=VALUE entries, each NUL-terminated; only when
 *             user space set tg_capture_env, else 0 bytes)
 *
 * and header.size == sizeof(struct tg_exec_record) + the five lengths.
 */

#include "common.h"

/* Caps of the variable parts. Powers of two: the BPF side masks offsets and
 * lengths with them so the verifier can bound every copy. */
#define TG_PATH_MAX 4096  /* a path, NUL included */
#define TG_ARGS_MAX 16384 /* the argument list, every NUL included */
#define TG_ENV_MAX 16384  /* the environment, every NUL included */

/* Deepest path the BPF side walks (components plus mount crossings). */
#define TG_PATH_MAX_DEPTH 1024

/* tg_exec_record.flags */
enum tg_exec_flag {
        TG_EXEC_ARGS_TRUNCATED = 1 << 0,   /* args cut at TG_ARGS_MAX, or unreadable */
        TG_EXEC_BINARY_TRUNCATED = 1 << 1, /* only the last components of the path */
        TG_EXEC_CWD_TRUNCATED = 1 << 2,
        TG_EXEC_CGROUP_TRUNCATED = 1 << 3,
        TG_EXEC_AUID_UNKNOWN = 1 << 4,  /* kernel without CONFIG_AUDIT: auid is unset */
        TG_EXEC_ENV_TRUNCATED = 1 << 5, /* env cut at TG_ENV_MAX, or unreadable */
        TG_EXEC_NO_TIME_NS = 1 << 6,    /* kernel without time namespaces: ns[TG_NS_TIME*] are 0 */
        /* bprm->secureexec: the exec raised privileges (set-ID, file capabilities, an LSM) */
        TG_EXEC_SECUREEXEC = 1 << 7,
};

/* tg_exec_record.ns: the namespace inodes of the new image (as /proc/PID/ns/ shows them),
 * in the order of Tetragon's Namespaces message. */
enum tg_ns {
        TG_NS_UTS,
        TG_NS_IPC,
        TG_NS_MNT,
        TG_NS_PID,
        TG_NS_PID_FOR_CHILDREN,
        TG_NS_NET,
        TG_NS_TIME,
        TG_NS_TIME_FOR_CHILDREN,
        TG_NS_CGROUP,
        TG_NS_USER,
        _TG_NS_MAX,
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
        /* The new image's capability sets (the kernel's cap_* words). */
        __u64 cap_permitted, cap_effective, cap_inheritable;
        /* The executable's inode: what binary_properties is made of. */
        __u64 binary_ino;
        __u32 binary_nlink; /* 0: memfd, shm or a deleted file */
        __u32 binary_mode;  /* i_mode: S_ISUID, S_ISGID */
        __u32 binary_uid, binary_gid;
        __u32 ns[_TG_NS_MAX]; /* enum tg_ns */
        __u32 nspid;          /* the pid in its own pid namespace */
        __u32 env_len;
        /* then binary, args, cwd, cgroup, env */
};
_Static_assert(sizeof(struct tg_exec_record) == 184, "tg_exec_record layout");

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
#define TG_EXEC_RECORD_MAX                                                                         \
        (sizeof(struct tg_exec_record) + 3 * TG_PATH_MAX + TG_ARGS_MAX + TG_ENV_MAX)
