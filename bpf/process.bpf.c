// SPDX-License-Identifier: GPL-2.0
/*
 * Process visibility: one record per exec, per new thread group (fork) and
 * per thread group exit, into one ring buffer. tp_btf programs only: they
 * need BTF but neither kprobes nor ftrace, so they load where fentry does not.
 */

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "common.h"
#include "lib-cred.h"
#include "lib-path.h"
#include "process.h"

char LICENSE[] SEC("license") = "GPL"; /* bpf_probe_read_*, ring buffers */

/* From include/linux/sched.h and sched/signal.h: #defines, so not in BTF.
 * Their values have not changed since 2.6. */
#define PF_KTHREAD 0x00200000
#define SIGNAL_GROUP_EXIT 0x00000004

/* Set by user space before load: --enable-process-environment-variables. Off, the exec path
 * reads no environment at all. */
const volatile bool tg_capture_env = false;

/* Size set by user space before load. */
struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 4 * 1024 * 1024);
} process_ringbuf SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _TG_COUNTER_MAX);
        __type(key, __u32);
        __type(value, __u64);
} process_counters SEC(".maps");

/* An exec record is too big for the stack: it is built here, then copied out
 * at its exact size. Programs on one CPU never interleave (tracepoints run
 * with preemption off), so one slot per CPU is enough. */
struct tg_exec_scratch {
        struct tg_exec_record record;
        char data[3 * TG_PATH_MAX + TG_ARGS_MAX + TG_ENV_MAX]; /* the variable part, right after */
};

/* A plain array indexed by CPU, not a per-CPU one: per-CPU values are capped at 32 KiB and
 * the scratch is bigger with room for the environment. Entries set by user space to the
 * number of possible CPUs. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct tg_exec_scratch);
} exec_scratch SEC(".maps");

/* Every exiting thread of a group that sees signal->live at zero would report
 * the exit: the threads that lose the race to claim (tgid, start) stay quiet.
 * Entries only matter for microseconds; the LRU ages them out. */
struct exit_claim {
        __u32 tgid;
        __u32 pad;
        __u64 start_boottime; /* of the group leader: (tgid, start) is never reused */
};

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 4096);
        __type(key, struct exit_claim);
        __type(value, __u8);
} exit_claims SEC(".maps");

static __always_inline void counter_inc(__u32 counter) {
        __u64 *value = bpf_map_lookup_elem(&process_counters, &counter);

        if (value)
                *value += 1; /* per-CPU: no other writer */
}

static __always_inline void header_init(struct tg_record_header *h, __u16 op, __u32 size) {
        h->op = op;
        h->version = TG_RECORD_VERSION;
        h->size = size;
        h->ktime = bpf_ktime_get_boot_ns();
}

static __always_inline void output(void *record, __u64 size) {
        if (bpf_ringbuf_output(&process_ringbuf, record, size, 0) != 0)
                counter_inc(TG_COUNTER_RINGBUF_RESERVE_FAILED);
}

/* Copy a built path to data + offset; returns its length (NUL included).
 * max_offset is where this part can start at the latest: the bound the
 * verifier needs for the copy. */
static __always_inline __u32 append_path(char *data, __u32 offset, __u32 max_offset,
                                         const char *path, __u32 len) {
        if (offset > max_offset)
                return 0;                    /* cannot happen */
        if (len == 0 || len > TG_PATH_MAX) { /* no scratch: an empty string */
                data[offset] = '\0';
                return 1;
        }
        bpf_probe_read_kernel(&data[offset], len, path);
        return len;
}

/* argv from the new image's stack: arg_start..arg_end, NUL-separated. */
static __always_inline __u32 append_args(char *data, __u32 offset, struct task_struct *task,
                                         __u32 *flags) {
        struct mm_struct *mm = BPF_CORE_READ(task, mm);
        unsigned long start = BPF_CORE_READ(mm, arg_start);
        unsigned long end = BPF_CORE_READ(mm, arg_end);
        __u32 len;

        if (offset > TG_PATH_MAX || end <= start)
                return 0;
        if (end - start > TG_ARGS_MAX) {
                *flags |= TG_EXEC_ARGS_TRUNCATED;
                len = TG_ARGS_MAX;
        } else {
                len = end - start;
        }
        if (bpf_probe_read_user(&data[offset], len, (void *) start) != 0) {
                *flags |= TG_EXEC_ARGS_TRUNCATED;
                return 0;
        }
        data[offset + len - 1] = '\0'; /* the last argument, when cut */
        return len;
}

/* The environment from the new image's stack: env_start..env_end, NUL-separated. */
static __always_inline __u32 append_env(char *data, __u32 offset, struct task_struct *task,
                                        __u32 *flags) {
        struct mm_struct *mm = BPF_CORE_READ(task, mm);
        unsigned long start = BPF_CORE_READ(mm, env_start);
        unsigned long end = BPF_CORE_READ(mm, env_end);
        __u32 len;

        if (offset > 3 * TG_PATH_MAX + TG_ARGS_MAX || end <= start)
                return 0;
        if (end - start > TG_ENV_MAX) {
                *flags |= TG_EXEC_ENV_TRUNCATED;
                len = TG_ENV_MAX;
        } else {
                len = end - start;
        }
        if (bpf_probe_read_user(&data[offset], len, (void *) start) != 0) {
                *flags |= TG_EXEC_ENV_TRUNCATED;
                return 0;
        }
        data[offset + len - 1] = '\0'; /* the last entry, when cut */
        return len;
}

/* Namespace inodes as /proc/PID/ns/ shows them. The pid namespace is the task's own (the
 * last level of its struct pid), not nsproxy's, which is the one for its children. */
static __always_inline void read_namespaces(struct tg_exec_record *r, struct task_struct *task,
                                            const struct cred *cred) {
        struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
        struct pid *pid = BPF_CORE_READ(task, thread_pid);
        unsigned int level = BPF_CORE_READ(pid, level);
        struct upid upid = {};

        r->ns[TG_NS_UTS] = BPF_CORE_READ(nsp, uts_ns, ns.inum);
        r->ns[TG_NS_IPC] = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
        r->ns[TG_NS_MNT] = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
        r->ns[TG_NS_PID_FOR_CHILDREN] = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
        r->ns[TG_NS_NET] = BPF_CORE_READ(nsp, net_ns, ns.inum);
        if (bpf_core_field_exists(nsp->time_ns)) {
                r->ns[TG_NS_TIME] = BPF_CORE_READ(nsp, time_ns, ns.inum);
                r->ns[TG_NS_TIME_FOR_CHILDREN] = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
        } else {
                r->ns[TG_NS_TIME] = r->ns[TG_NS_TIME_FOR_CHILDREN] = 0;
                r->flags |= TG_EXEC_NO_TIME_NS;
        }
        r->ns[TG_NS_CGROUP] = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
        r->ns[TG_NS_USER] = BPF_CORE_READ(cred, user_ns, ns.inum);

        bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]); /* MAX_PID_NS_LEVEL */
        r->ns[TG_NS_PID] = BPF_CORE_READ(upid.ns, ns.inum);
        r->nspid = upid.nr;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
        struct tg_exec_scratch *scratch;
        struct tg_exec_record *r;
        struct kernfs_node *kn;
        const struct cred *cred;
        struct inode *inode;
        struct path pwd, root;
        const char *path;
        bool truncated;
        __u32 cpu = bpf_get_smp_processor_id(), len, offset;

        scratch = bpf_map_lookup_elem(&exec_scratch, &cpu);
        if (!scratch)
                return 0;
        r = &scratch->record;

        r->pid = BPF_CORE_READ(task, tgid);
        r->tid = old_pid;
        r->ppid = BPF_CORE_READ(task, real_parent, tgid);
        r->flags = 0;
        r->pad = 0;

        /* The objective credentials, as /proc/PID/status shows them. */
        cred = BPF_CORE_READ(task, real_cred);
        TG_CRED_READ_IDS(r, cred);
        if (bpf_core_field_exists(task->loginuid)) {
                r->auid = BPF_CORE_READ(task, loginuid.val);
        } else {
                r->auid = (__u32) -1;
                r->flags |= TG_EXEC_AUID_UNKNOWN;
        }

        /* Both kernel_cap_t layouts (u32[2] before 6.3, one u64 since) are one
         * little-endian u64. */
        bpf_core_read(&r->cap_permitted, sizeof(__u64), &cred->cap_permitted);
        bpf_core_read(&r->cap_effective, sizeof(__u64), &cred->cap_effective);
        bpf_core_read(&r->cap_inheritable, sizeof(__u64), &cred->cap_inheritable);
        read_namespaces(r, task, cred);

        if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec))
                r->flags |= TG_EXEC_SECUREEXEC;
        inode = BPF_CORE_READ(bprm, file, f_inode);
        r->binary_ino = BPF_CORE_READ(inode, i_ino);
        r->binary_nlink = BPF_CORE_READ(inode, __i_nlink);
        r->binary_mode = BPF_CORE_READ(inode, i_mode);
        r->binary_uid = BPF_CORE_READ(inode, i_uid.val);
        r->binary_gid = BPF_CORE_READ(inode, i_gid.val);

        BPF_CORE_READ_INTO(&root, task, fs, root);
        BPF_CORE_READ_INTO(&pwd, task, fs, pwd);

        /* bprm->file is what runs: for a script, its interpreter (as /proc/PID/exe). */
        len = tg_path_from_dentry(BPF_CORE_READ(bprm, file, f_path.dentry),
                                  BPF_CORE_READ(bprm, file, f_path.mnt), &root, &path, &truncated);
        if (truncated)
                r->flags |= TG_EXEC_BINARY_TRUNCATED;
        r->binary_len = append_path(scratch->data, 0, 0, path, len);
        offset = r->binary_len;

        r->args_len = append_args(scratch->data, offset, task, &r->flags);
        offset += r->args_len;

        len = tg_path_from_dentry(pwd.dentry, pwd.mnt, &root, &path, &truncated);
        if (truncated)
                r->flags |= TG_EXEC_CWD_TRUNCATED;
        r->cwd_len = append_path(scratch->data, offset, TG_PATH_MAX + TG_ARGS_MAX, path, len);
        offset += r->cwd_len;

        kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
        r->cgroup_id = BPF_CORE_READ(kn, id);
        len = tg_path_from_kernfs(kn, &path, &truncated);
        if (truncated)
                r->flags |= TG_EXEC_CGROUP_TRUNCATED;
        r->cgroup_len =
                append_path(scratch->data, offset, 2 * TG_PATH_MAX + TG_ARGS_MAX, path, len);
        offset += r->cgroup_len;

        r->env_len = tg_capture_env ? append_env(scratch->data, offset, task, &r->flags) : 0;
        offset += r->env_len;

        if (r->flags &
            (TG_EXEC_BINARY_TRUNCATED | TG_EXEC_CWD_TRUNCATED | TG_EXEC_CGROUP_TRUNCATED))
                counter_inc(TG_COUNTER_PATH_TRUNCATED);
        if (r->flags & TG_EXEC_ARGS_TRUNCATED)
                counter_inc(TG_COUNTER_ARGS_TRUNCATED);

        len = sizeof(*r) + offset;
        header_init(&r->header, TG_OP_EXEC, len);
        if (len > sizeof(*scratch)) /* cannot happen; tells the verifier */
                return 0;
        output(r, len);
        return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tg_fork, struct task_struct *parent, struct task_struct *child) {
        struct tg_fork_record r = {};

        if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
                return 0; /* a thread */
        if (BPF_CORE_READ(child, flags) & PF_KTHREAD)
                return 0;

        header_init(&r.header, TG_OP_FORK, sizeof(r));
        r.pid = BPF_CORE_READ(child, tgid);
        r.ppid = BPF_CORE_READ(child, real_parent, tgid);
        r.creator_pid = BPF_CORE_READ(parent, tgid);
        output(&r, sizeof(r));
        return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tg_exit, struct task_struct *task) {
        struct signal_struct *signal = BPF_CORE_READ(task, signal);
        struct exit_claim claim = {};
        struct tg_exit_record r = {};
        __u8 one = 1;

        if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
                return 0;
        /* do_exit() decrements live before this tracepoint: 0 means no thread is left. */
        if (BPF_CORE_READ(signal, live.counter) != 0)
                return 0;
        claim.tgid = BPF_CORE_READ(task, tgid);
        claim.start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
        /* != 0, not < 0: before 6.4 the verifier calls the map's update op
         * directly, which returns an int, so -EEXIST arrives as 0xffffffef
         * in a 64-bit register (seen on Debian's 6.1). */
        if (bpf_map_update_elem(&exit_claims, &claim, &one, BPF_NOEXIST) != 0)
                return 0;

        header_init(&r.header, TG_OP_EXIT, sizeof(r));
        r.pid = claim.tgid;
        r.tid = BPF_CORE_READ(task, pid);
        /* What wait() would report: the group's code after exit_group() or a
         * fatal signal, otherwise the leader's own. */
        if (BPF_CORE_READ(signal, flags) & SIGNAL_GROUP_EXIT)
                r.exit_code = BPF_CORE_READ(signal, group_exit_code);
        else
                r.exit_code = BPF_CORE_READ(task, group_leader, exit_code);
        output(&r, sizeof(r));
        return 0;
}
