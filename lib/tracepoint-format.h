/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The kernel's description of a tracepoint's record, as tracefs shows it in
 * events/SUBSYSTEM/EVENT/format: where each field sits in the record the
 * program receives, how wide it is, and what kind of value it holds.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum TracepointFieldKind {
        TRACEPOINT_FIELD_INTEGER, /* a number of `size` bytes, `is_signed` */
        TRACEPOINT_FIELD_POINTER, /* a pointer (type contains '*'): its value */
        /* an inline array (name[N]), e.g. char comm[16], unsigned long args[6] */
        TRACEPOINT_FIELD_ARRAY,
        /* __data_loc: a u32 at offset, low 16 bits offset of the data in the record, high 16
         * bits its length */
        TRACEPOINT_FIELD_DATA_LOC,
        _TRACEPOINT_FIELD_KIND_MAX,
} TracepointFieldKind;

typedef struct TracepointField {
        /* "unsigned short", "const char *", "__data_loc char[]"; arrays keep their dimension:
         * "unsigned long[6]" */
        char *type;
        char *name; /* "common_type", "filename", "args" (without [N]) */
        uint32_t offset, size;
        bool is_signed;
        TracepointFieldKind kind;
} TracepointField;

typedef struct TracepointFormat {
        /* every field in file order, common_* fields included: Tetragon's tracepoint arg
         * "index" counts them */
        TracepointField *fields;
        size_t n_fields;
} TracepointFormat;

/* Parses the text of a format file. -EBADMSG on a line it cannot understand, -ENOMEM. */
int tracepoint_format_parse(const char *text, TracepointFormat **ret);
/* Reads SUBSYSTEM/EVENT's format from tracefs (/sys/kernel/tracing, else
 * /sys/kernel/debug/tracing). -ENOENT: no such tracepoint (or no tracefs); other negative errno
 * on read errors. Validates subsystem and event names (no '/', not "." or "..", not empty):
 * -EINVAL otherwise. */
int tracepoint_format_read(const char *subsystem, const char *event, TracepointFormat **ret);
TracepointFormat *tracepoint_format_free(TracepointFormat *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(TracepointFormat *, tracepoint_format_free);
