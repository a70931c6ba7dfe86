/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Stage 1 of the event path: check a raw ring-buffer record (size, version,
 * op, every embedded length) and hand out a typed view of it. Nothing after
 * this stage reads a byte the record did not prove it has. Pure: no I/O.
 */

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "generic.h" /* bpf/generic.h: the policy engine's records */
#include "process.h" /* bpf/process.h: the process records */

/* A stack trace in a policy engine's record: n_frames addresses of 8 bytes, innermost
 * first, unaligned (copy them out). */
typedef struct RecordStack {
        bool present;
        const void *frames;
        size_t n_frames;
} RecordStack;

typedef struct Record {
        enum tg_record_op op;
        const struct tg_record_header *header;
        union {
                struct {
                        const struct tg_exec_record *raw;
                        const char *binary; /* NUL-terminated, inside the record */
                        const char *args;   /* args_size bytes, NUL-separated */
                        size_t args_size;
                        const char *cwd;    /* NUL-terminated */
                        const char *cgroup; /* NUL-terminated, may be "" */
                        const char *env;    /* env_size bytes, NUL-separated NAME=VALUE */
                        size_t env_size;
                } exec;
                struct {
                        const struct tg_exit_record *raw;
                } exit;
                struct {
                        const struct tg_fork_record *raw;
                } fork;
                struct {
                        const struct tg_generic_record *raw;
                        struct {
                                const struct tg_generic_arg *raw;
                                const char *data; /* raw->size bytes */
                        } args[TG_POLICY_MAX_ARGS];
                        size_t n_args;
                        /* TG_GENERIC_RECORD_RETURN: the return value (an integer); else NULL */
                        const struct tg_generic_arg *ret;
                        /* [0] the kernel's stack (TG_GENERIC_RECORD_KERNEL_STACK), [1] the
                         * user's (TG_GENERIC_RECORD_USER_STACK) */
                        RecordStack stacks[2];
                        /* TG_GENERIC_RECORD_IMA_HASH (Post with imaHash); else NULL */
                        const struct tg_generic_ima *ima;
                } generic;
        };
} Record;

/* Returns 0 and fills ret, or -EBADMSG (malformed: short, sizes disagree,
 * strings unterminated), -EPROTONOSUPPORT (unknown version) or -EOPNOTSUPP
 * (op this decoder does not know). ret points into data: keep data alive. */
int record_decode(const void *data, size_t size, Record *ret);

/* The policy engine's records (TG_OP_GENERIC), in record-decode-generic.c: fills ret->generic
 * after record_decode() checked the header. */
int record_decode_generic(const void *data, size_t size, Record *ret);
