/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A program on tp_btf/sys_enter that does nothing: what any BPF program on the
 * raw syscall tracepoint costs a syscall, before it runs a single instruction of
 * its own. The benchmarks measure tetragond's sys_enter program against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_sys_enter, struct pt_regs *regs, long id) {
        return 0;
}
