/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What every record in a tetragond ring buffer starts with, shared by the BPF
 * programs and user space. Fixed-width types only; sizes are asserted so the
 * two sides can never disagree silently.
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TG_RECORD_VERSION 1

/* Record op codes. Never reuse or renumber one: add new ones at the end. */
enum tg_record_op {
        TG_OP_EXEC = 1,   /* struct tg_exec_record */
        TG_OP_EXIT = 2,   /* struct tg_exit_record */
        TG_OP_FORK = 3,   /* struct tg_fork_record */
        TG_OP_GENERIC = 4 /* reserved for policy hooks */
};

struct tg_record_header {
        __u16 op;
        __u16 version;
        __u32 size;  /* whole record, header included */
        __u64 ktime; /* bpf_ktime_get_boot_ns() when the event happened */
};
_Static_assert(sizeof(struct tg_record_header) == 16, "tg_record_header layout");

/* Per-CPU counters every BPF object keeps (index into its counter map). */
enum tg_counter {
        TG_COUNTER_RINGBUF_RESERVE_FAILED = 0,
        TG_COUNTER_PATH_TRUNCATED = 1,
        TG_COUNTER_ARGS_TRUNCATED = 2,
        /* A Post with imaHash dropped: while bpf_ima_file_hash() slept, another program
         * ran on the CPU and took the per-CPU evaluation state. */
        TG_COUNTER_IMA_HASH_INTERRUPTED = 3,
        _TG_COUNTER_MAX = 8,
};
