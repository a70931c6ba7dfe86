// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest's kernel-features test loads: one program per hook mechanism, each counting
 * only the probing process, so a count above zero proves the program was attached and fired.
 * The loader (probe.c) loads one of them at a time: a kernel that refuses one mechanism must
 * not hide whether the others work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

/* Written by the loader through the mmap'ed .bss. */
__u32 deny_opens = 0;

__u64 tracepoint_hits = 0;
__u64 kprobe_hits = 0;
__u64 fentry_hits = 0;
__u64 lsm_denials = 0;

static __always_inline bool from_target(void) {
        return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int probe_tracepoint(void *ctx) {
        if (from_target())
                __sync_fetch_and_add(&tracepoint_hits, 1);
        return 0;
}

SEC("kprobe/vfs_open")
int BPF_KPROBE(probe_kprobe) {
        if (from_target())
                __sync_fetch_and_add(&kprobe_hits, 1);
        return 0;
}

SEC("fentry/vfs_open")
int BPF_PROG(probe_fentry) {
        if (from_target())
                __sync_fetch_and_add(&fentry_hits, 1);
        return 0;
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file, int ret) {
        /* An earlier LSM's verdict stands. */
        if (ret != 0)
                return ret;
        if (!from_target() || !deny_opens)
                return 0;
        __sync_fetch_and_add(&lsm_denials, 1);
        return -EPERM;
}
