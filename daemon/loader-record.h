/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The loader sensor's records: what the kernel's perf ring reports of a mapping
 * (PERF_RECORD_MMAP2 with the build id) or of records it dropped (PERF_RECORD_LOST).
 * Pure: checks sizes and decodes, no syscalls, so it is tested on crafted records.
 */

#include <stddef.h>
#include <stdint.h>

#define LOADER_BUILD_ID_MAX 20

typedef enum LoaderRecordKind {
        LOADER_RECORD_MAPPING, /* an executable mapping of a file */
        LOADER_RECORD_LOST,    /* the kernel dropped lost records: the ring was full */
        LOADER_RECORD_SKIP,    /* anything else: not executable, anonymous, another type */
        _LOADER_RECORD_KIND_MAX,
} LoaderRecordKind;

typedef struct LoaderRecord {
        LoaderRecordKind kind;
        uint32_t pid, tid;
        uint64_t address, length;
        uint32_t prot, flags;
        uint64_t time;    /* the sample's time (CLOCK_BOOTTIME ns), 0 when the record has none */
        const char *path; /* borrowed from the record, NUL-terminated */
        uint8_t build_id[LOADER_BUILD_ID_MAX];
        size_t build_id_size; /* 0: the kernel read none (no note, or its page not in memory) */
        uint64_t lost;
} LoaderRecord;

/* data/size: one whole record, its perf_event_header first. The attr the sensor opens with
 * (sample_id_all with PERF_SAMPLE_TIME) puts a u64 time at the end of each record.
 * Returns 0 and ret filled, or -EBADMSG for a record shorter than its type needs or a
 * file name that is not NUL-terminated. */
int loader_record_decode(const void *data, size_t size, LoaderRecord *ret);
