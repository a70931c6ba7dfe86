/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What this kernel offers the engine, found out the only reliable way: by
 * loading (and where it matters attaching) a trivial program of each kind.
 * `bpftool feature probe` is not enough: it reports tracing and LSM programs
 * missing on kernels that have them, and kprobes present where the kprobe
 * PMU is compiled out. Needs root; without it every probe says so.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct KernelFeature {
        const char *name; /* "btf", "ringbuf", "tracepoint", "kprobe", "fentry", "lsm", ... */
        bool available;
        char detail[160]; /* how that was found out, or why it is missing */
} KernelFeature;

/* Fills a malloc'ed array (free() it). Never fails for a missing feature: that is a result. */
int kernel_features_probe(KernelFeature **ret, size_t *ret_n);
