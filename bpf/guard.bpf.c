// SPDX-License-Identifier: GPL-2.0
/*
 * The lockdown's kernel guard (BPF LSM). Loaded once the policies are locked down, its links
 * pinned under the pinned root, so it lasts until reboot. To every task but the daemon (and
 * PID 1) it refuses what would take the pinned state out of the kernel or change what it
 * does: detaching a link or a program, swapping a link's program, a writable fd of one of
 * our maps (their ids in guard_maps, kept by the daemon), unlinking, renaming or removing
 * anything under the pinned root, unmounting its bpffs, ptrace attach to the daemon (gdb,
 * /proc/PID/mem, process_vm_writev) and the signals that would stop it.
 *
 * "The daemon" is the tgid in guard_state. When that task group exits, the entry falls back
 * to 0 and the next process that opens the map for writing claims it: the starting daemon,
 * if nobody is faster (the documented limit of this guard).
 */

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "guard-state.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define FMODE_WRITE 0x2
/* include/linux/ptrace.h: attach, write memory (not the read-only /proc views). */
#define PTRACE_MODE_ATTACH 0x02
/* include/uapi/asm-generic/signal.h: #defines, so not in BTF. */
#define SIGINT 2
#define SIGQUIT 3
#define SIGKILL 9
#define SIGTERM 15
#define SIGSTOP 19
#define SIGTSTP 20

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_state);
} guard_state SEC(".maps");

/* The ids of the maps our pinned programs use (and our pinned maps): the daemon keeps it. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_MAPS_MAX);
        __type(key, __u32);
        __type(value, __u8);
} guard_maps SEC(".maps");

static __always_inline struct guard_state *state_get(void) {
        __u32 key = 0;

        return bpf_map_lookup_elem(&guard_state, &key);
}

/* The daemon itself, or PID 1 (systemd: it must still stop units, detach their cgroup
 * programs and shut down). */
static __always_inline bool caller_trusted(struct guard_state *s) {
        __u32 tgid = bpf_get_current_pid_tgid() >> 32;

        return tgid == 1 || (s->daemon_tgid != 0 && tgid == s->daemon_tgid);
}

SEC("lsm/bpf")
int BPF_PROG(guard_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret) {
        struct guard_state *s = state_get();

        if (ret)
                return ret;
        if (!s || s->root_ino == 0)
                return 0;
        /* BPF_LINK_UPDATE: a pinned link that runs a harmless program instead of ours. */
        if (cmd != BPF_LINK_DETACH && cmd != BPF_PROG_DETACH && cmd != BPF_LINK_UPDATE)
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

/* A writable fd of our maps (a policy's filters, the lock) only to the daemon. Of the guard's
 * own maps, also to anyone while no daemon holds the guard: that is how one claims it. */
SEC("lsm/bpf_map")
int BPF_PROG(guard_bpf_map, struct bpf_map *map, fmode_t fmode, int ret) {
        struct guard_state *s = state_get();
        __u32 id;

        if (ret)
                return ret;
        if (!s || s->root_ino == 0 || !(fmode & FMODE_WRITE))
                return 0;
        if (map == (struct bpf_map *) &guard_state || map == (struct bpf_map *) &guard_maps)
                return s->daemon_tgid == 0 || caller_trusted(s) ? 0 : -EPERM;
        id = BPF_CORE_READ(map, id);
        if (!bpf_map_lookup_elem(&guard_maps, &id))
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

/* Whether dentry is the pinned root, in it, or one folder below it (a run's pins). */
static __always_inline bool in_pinned_tree(struct guard_state *s, struct dentry *dentry) {
        struct dentry *d = dentry;

        for (int k = 0; k < 3 && d; k++) {
                struct inode *inode = BPF_CORE_READ(d, d_inode);

                if (inode && BPF_CORE_READ(inode, i_ino) == s->root_ino &&
                    BPF_CORE_READ(inode, i_sb, s_dev) == s->dev)
                        return true;
                d = BPF_CORE_READ(d, d_parent);
        }
        return false;
}

static __always_inline int guard_dentry(struct dentry *dentry) {
        struct guard_state *s = state_get();

        if (!s || s->root_ino == 0 || !in_pinned_tree(s, dentry))
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

SEC("lsm/inode_unlink")
int BPF_PROG(guard_inode_unlink, struct inode *dir, struct dentry *dentry, int ret) {
        return ret ?: guard_dentry(dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(guard_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret) {
        return ret ?: guard_dentry(dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(guard_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
             struct inode *new_dir, struct dentry *new_dentry, int ret) {
        return ret ?: guard_dentry(old_dentry);
}

/* The bpffs of the pinned root: unmounting it drops every pin, the guard's own too. */
SEC("lsm/sb_umount")
int BPF_PROG(guard_sb_umount, struct vfsmount *mnt, int flags, int ret) {
        struct guard_state *s = state_get();

        if (ret)
                return ret;
        if (!s || s->root_ino == 0 || BPF_CORE_READ(mnt, mnt_sb, s_dev) != s->dev)
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

/* Attaching to the daemon (ptrace, /proc/PID/mem, process_vm_writev, pidfd_getfd) would let
 * root rewrite it or use its fds. Read-only views (/proc/PID/status, ps) stay open. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret) {
        struct guard_state *s = state_get();

        if (ret)
                return ret;
        if (!s || s->daemon_tgid == 0 || BPF_CORE_READ(child, tgid) != s->daemon_tgid)
                return 0;
        if (!(mode & PTRACE_MODE_ATTACH))
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

SEC("lsm/task_kill")
int BPF_PROG(guard_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
             const struct cred *cred, int ret) {
        struct guard_state *s = state_get();

        if (ret)
                return ret;
        if (!s || s->daemon_tgid == 0 || BPF_CORE_READ(p, tgid) != s->daemon_tgid)
                return 0;
        if (sig != SIGKILL && sig != SIGTERM && sig != SIGSTOP && sig != SIGINT && sig != SIGQUIT &&
            sig != SIGTSTP)
                return 0;
        return caller_trusted(s) ? 0 : -EPERM;
}

/* The daemon's task group ends (stopped by PID 1, crashed, OOM-killed): the guard waits for
 * the next one to claim it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(guard_exit, struct task_struct *p) {
        struct guard_state *s = state_get();

        if (!s || s->daemon_tgid == 0)
                return 0;
        if (p->pid == s->daemon_tgid && p->tgid == s->daemon_tgid)
                s->daemon_tgid = 0;
        return 0;
}
