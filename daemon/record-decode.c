/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "record-decode.h"

/* A string part: at least its terminator, which is its only NUL. */
static bool string_valid(const char *s, size_t len) {
        return len >= 1 && memchr(s, '\0', len) == s + len - 1;
}

static int decode_exec(const void *data, size_t size, Record *ret) {
        const struct tg_exec_record *raw = data;
        const char *p = (const char *) data + sizeof(*raw);
        size_t expected;

        if (size < sizeof(*raw))
                return -EBADMSG;
        /* Each length is at most 32 bits wide: this sum cannot overflow a size_t. */
        expected = sizeof(*raw) + (size_t) raw->binary_len + raw->args_len + raw->cwd_len +
                   raw->cgroup_len + raw->env_len;
        if (expected != size)
                return -EBADMSG;

        ret->exec.raw = raw;

        ret->exec.binary = p;
        if (!string_valid(p, raw->binary_len))
                return -EBADMSG;
        p += raw->binary_len;

        /* Arguments may be empty; otherwise the last one is terminated too. */
        ret->exec.args = p;
        ret->exec.args_size = raw->args_len;
        if (raw->args_len > 0 && p[raw->args_len - 1] != '\0')
                return -EBADMSG;
        p += raw->args_len;

        ret->exec.cwd = p;
        if (!string_valid(p, raw->cwd_len))
                return -EBADMSG;
        p += raw->cwd_len;

        ret->exec.cgroup = p;
        if (!string_valid(p, raw->cgroup_len))
                return -EBADMSG;
        p += raw->cgroup_len;

        /* Like the arguments: may be empty, else the last entry is terminated. */
        ret->exec.env = p;
        ret->exec.env_size = raw->env_len;
        if (raw->env_len > 0 && p[raw->env_len - 1] != '\0')
                return -EBADMSG;
        return 0;
}

int record_decode(const void *data, size_t size, Record *ret) {
        const struct tg_record_header *header = data;
        Record record = {};
        int r;

        if (!data || !ret)
                return -EINVAL;
        /* The ring buffer hands out 8-byte aligned records; anything else did not come from it. */
        if (size < sizeof(*header) || (uintptr_t) data % _Alignof(struct tg_record_header) != 0)
                return -EBADMSG;
        if (header->size != size)
                return -EBADMSG;
        if (header->version != TG_RECORD_VERSION)
                return -EPROTONOSUPPORT;

        record.header = header;
        record.op = header->op;
        r = -EOPNOTSUPP; /* for ops no case knows */
        switch ((enum tg_record_op) header->op) {
        case TG_OP_EXEC:
                r = decode_exec(data, size, &record);
                break;
        case TG_OP_EXIT:
                r = size == sizeof(struct tg_exit_record) ? 0 : -EBADMSG;
                record.exit.raw = data;
                break;
        case TG_OP_FORK:
                r = size == sizeof(struct tg_fork_record) ? 0 : -EBADMSG;
                record.fork.raw = data;
                break;
        case TG_OP_GENERIC:
                r = record_decode_generic(data, size, &record);
                break;
        }
        if (r < 0)
                return r;

        *ret = record;
        return 0;
}
