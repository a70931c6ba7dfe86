/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The user-space event model: what decode + enrich produce and what every
 * sink consumes. Sinks only read these structs; they never touch BPF records
 * or the process cache.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event-format.h" /* EVENT_IMA_HASH_MAX */

/* Namespaces in the order of Tetragon's Namespaces message (and bpf/process.h's enum tg_ns). */
#define PROCESS_NS_MAX 10
#define PROCESS_NS_PID 3 /* index of the pid namespace */

/* Tetragon's ProcessPrivilegesChanged: why an exec raised privileges. */
typedef enum ProcessPrivilegesChanged {
        PROCESS_PRIVILEGES_RAISED_EXEC_FILE_CAP = 1 << 0,
        PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETUID = 1 << 1,
        PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETGID = 1 << 2,
} ProcessPrivilegesChanged;

/* Tetragon's BinaryProperties: what the executed file did to the process. */
typedef struct BinaryProperties {
        bool has_setuid, has_setgid; /* the set-user/group-ID bit took effect */
        uint32_t setuid, setgid;     /* the ids it set */
        unsigned privileges_changed; /* ProcessPrivilegesChanged bits */
        bool has_file;               /* no path on disk (memfd, shm, deleted): file below */
        uint64_t file_ino;
        uint32_t file_nlink;
} BinaryProperties;

/* One process (thread group) as the process cache knows it. Reference counted:
 * an event holds a reference to its process and parent until every sink has
 * seen it, so an entry evicted from the cache meanwhile stays valid. */
typedef struct Process {
        unsigned n_ref;

        uint32_t pid;  /* thread group id */
        uint32_t tid;  /* the thread that called execve() */
        uint32_t ppid; /* real parent at exec time (its reaper once reparented) */
        uint32_t uid, euid, suid, fsuid;
        uint32_t gid, egid, sgid, fsgid;
        uint32_t auid; /* login uid; UINT32_MAX when unset */

        uint64_t start_ktime; /* CLOCK_BOOTTIME ns of the exec (of the clone for a fork
                                 that has not exec'd) */
        char *exec_id;        /* unique across pid reuse and stable for the daemon's life */
        char *parent_exec_id; /* NULL for pid 1 and kernel threads' roots */

        char *binary;        /* absolute path of the executable */
        char *args;          /* arguments after argv[0], each NUL-terminated, back to back */
        size_t args_size;    /* bytes in args, terminators included */
        bool args_truncated; /* the kernel cut the argument list */
        char *cwd;
        bool cwd_truncated;

        uint64_t cgroup_id; /* cgroup v2 id (inode of the cgroup directory) */
        char *cgroup_path;  /* path below the cgroup2 root, e.g. /system.slice/foo.service */
        char *unit;         /* systemd unit derived from cgroup_path, or NULL */

        bool procfs; /* already running when the daemon started: read from /proc */
        bool exited;

        /* The parent as it was at exec or fork (a reference), so that ancestors can be
         * walked after the parents' cache entries are gone. NULL when unknown. */
        struct Process *parent;

        uint64_t cap_permitted, cap_effective, cap_inheritable; /* the kernel's cap words */
        bool has_caps;                                          /* false: unknown */
        uint32_t ns[PROCESS_NS_MAX]; /* namespace inodes; all 0 when unknown */
        unsigned ns_host;            /* bit i: ns[i] is the host's (pid 1's) */
        uint32_t nspid;              /* pid in its own pid namespace */
        bool containerized;          /* in a pid namespace other than the host's */
        bool in_init_tree;           /* containerized, and below the pid 1 of its pid namespace */
        BinaryProperties binary_properties; /* of the exec that made this image */
        char *user_name;                    /* --username-metadata unix; NULL when none */
        char *env; /* NAME=VALUE entries, each NUL-terminated; NULL when none */
        size_t env_size;
        bool env_truncated;
} Process;

typedef enum EventType {
        EVENT_PROCESS_EXEC,
        EVENT_PROCESS_EXIT,
        EVENT_PROCESS_KPROBE,     /* a policy's hook matched (syscalls and kernel functions) */
        EVENT_PROCESS_LSM,        /* a policy's LSM hook matched: same fields as a kprobe's */
        EVENT_PROCESS_UPROBE,     /* a policy's uprobe matched: likewise, with its binary */
        EVENT_PROCESS_TRACEPOINT, /* a policy's tracepoint matched: function_name is
                                     "subsystem/event" */
        EVENT_PROCESS_USDT,       /* a policy's usdt matched: function_name is
                                     "provider:name", path its binary */
        EVENT_PROCESS_LOADER,     /* spec.loader: a file mapped executable */
        _EVENT_TYPE_MAX,
} EventType;

/* An argument of a hook, typed as Tetragon's KprobeArgument is. */
typedef enum EventArgType {
        EVENT_ARG_INT,        /* int_arg: i (32-bit) */
        EVENT_ARG_UINT,       /* uint_arg: u (32-bit) */
        EVENT_ARG_LONG,       /* long_arg: i */
        EVENT_ARG_SIZE,       /* size_arg: u */
        EVENT_ARG_STRING,     /* string_arg: data */
        EVENT_ARG_BYTES,      /* bytes_arg (truncated_bytes_arg when size < orig_size): data */
        EVENT_ARG_FILE,       /* file_arg: data is its path; unreadable when the fd was bad */
        EVENT_ARG_PATH,       /* path_arg: data is the path */
        EVENT_ARG_BINPRM,     /* linux_binprm_arg: data is the path of the program executed */
        EVENT_ARG_SYSCALL_ID, /* syscall_id: u is the number, with this machine's abi */
        /* sockaddr_arg: the sockaddr member below */
        EVENT_ARG_SOCKADDR,
        EVENT_ARG_SOCK,       /* sock_arg: the sock member below */
        EVENT_ARG_SKB,        /* skb_arg: the skb member below */
        EVENT_ARG_NET_DEV,    /* net_dev_arg: data is the device's name */
        EVENT_ARG_CRED,       /* process_credentials_arg: the cred member below */
        EVENT_ARG_CAPABILITY, /* capability_arg: i is the capability's number */
        _EVENT_ARG_TYPE_MAX,
} EventArgType;

typedef struct EventArg {
        EventArgType type;
        const char *label; /* from the policy; NULL when none */
        int64_t i;
        uint64_t u;
        const char *data; /* size bytes; text is NUL-terminated beyond them */
        size_t size;
        uint64_t orig_size; /* bytes: what the caller passed */
        bool truncated;     /* bytes cut, or a path of which only the end is known */
        bool unreadable;    /* the kernel could not read it: data is empty */
        struct {
                uint16_t family;  /* AF_* */
                uint16_t port;    /* AF_INET, AF_INET6 */
                uint8_t addr[16]; /* network order; AF_INET: the first 4 bytes */
        } sockaddr;
        struct {
                uint16_t family; /* AF_* */
                uint16_t type;   /* SOCK_* */
                uint16_t protocol;
                uint8_t state; /* TCP_* */
                uint16_t sport, dport;
                uint32_t mark, priority;
                uint8_t saddr[16], daddr[16]; /* network order; AF_INET: the first 4 bytes */
        } sock;
        struct {
                uint32_t hash, len, priority, mark;
                uint16_t family, protocol; /* AF_INET or AF_INET6; IPPROTO_* */
                uint16_t sport, dport;
                uint8_t saddr[16], daddr[16];
        } skb;
        struct {
                uint32_t uid, gid, euid, egid, suid, sgid, fsuid, fsgid;
                uint32_t securebits;
                uint64_t cap_permitted, cap_effective, cap_inheritable;
                int32_t user_ns_level;
                uint32_t user_ns_owner, user_ns_group, user_ns_inum;
        } cred;
} EventArg;

#define EVENT_ARGS_MAX 5

/* One frame of a stack trace (Tetragon's StackTraceEntry). Strings borrowed like the
 * kprobe's other strings; NULL when unknown. */
typedef struct EventStackFrame {
        uint64_t address; /* shown only with --expose-stack-addresses */
        uint64_t offset;  /* from the symbol (kernel), from the start of module (user) */
        const char *symbol;
        const char *module; /* a kernel module's name; the mapped file of a user frame */
} EventStackFrame;

/* What the matching selector did (Tetragon's KprobeAction). */
typedef enum EventAction {
        EVENT_ACTION_POST,
        EVENT_ACTION_SIGKILL,
        EVENT_ACTION_SIGNAL,
        EVENT_ACTION_OVERRIDE,
        _EVENT_ACTION_MAX,
} EventAction;

/* EVENT_PROCESS_LOADER (Tetragon's ProcessLoader): borrowed from the sensor's record,
 * valid while the event is dispatched. */
#define EVENT_BUILD_ID_MAX 20
typedef struct EventLoader {
        const char *path;
        const uint8_t *build_id;
        size_t build_id_size; /* 0: none known; at most EVENT_BUILD_ID_MAX */
} EventLoader;

typedef struct Event {
        EventType type;
        uint64_t ktime;   /* CLOCK_BOOTTIME ns when it happened */
        Process *process; /* never NULL */
        Process *parent;  /* NULL when unknown (e.g. pid 1) */
        union {
                struct {
                        uint32_t status; /* exit code when signal == 0 */
                        uint32_t signal; /* terminating signal, 0 for a normal exit */
                } exit;
                /* EVENT_PROCESS_KPROBE, _LSM, _UPROBE, _TRACEPOINT, _USDT. Strings are borrowed
                 * from the policy engine and the ring buffer record: valid while the event is
                 * dispatched, not after. */
                struct {
                        const char *function_name; /* "__x64_sys_write", "fd_install"; a
                                                      uprobe's symbol */
                        const char *path;          /* a uprobe's binary */
                        /* A uprobe on an offset (or an address): it, instead of a symbol;
                         * ref_ctr_offset: its semaphore's (refCtrOffsets), 0 when none. */
                        bool has_offset;
                        uint64_t offset;
                        uint64_t ref_ctr_offset;
                        const char *policy_name;
                        const char *message; /* the hook's message; NULL when none */
                        const char *const *tags;
                        size_t n_tags;
                        EventArg args[EVENT_ARGS_MAX];
                        size_t n_args;
                        EventArg ret; /* has_return (return: true): what the function returned */
                        bool has_return;
                        EventAction action;
                        uint32_t signal;        /* SIGKILL or SIGNAL: the signal */
                        int32_t override_error; /* OVERRIDE: what the function returned */
                        bool monitor;           /* monitor mode: the action was not taken */
                        bool action_failed;     /* the kernel refused to send the signal */
                        /* Post with kernelStackTrace / userStackTrace: innermost first */
                        const EventStackFrame *kernel_stack, *user_stack;
                        size_t n_kernel_stack, n_user_stack;
                        bool has_kernel_stack, has_user_stack;
                        /* Post with imaHash: "sha256:HEX" as Tetragon's ima_hash; "" when
                         * not asked for, or IMA gave none */
                        char ima_hash[EVENT_IMA_HASH_MAX];
                } kprobe;
                EventLoader loader;
        };
} Event;

Process *process_ref(Process *p);
Process *process_unref(Process *p);
/* Iterate the NUL-separated arguments: for (a = p->args; a; a = process_next_arg(p, a)) */
const char *process_next_arg(const Process *p, const char *arg);
