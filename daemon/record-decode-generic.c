/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "record-decode.h"

/* Text: empty (unreadable), or terminated by its only NUL. */
static bool text_valid(const char *s, size_t len) {
        return len == 0 || memchr(s, '\0', len) == s + len - 1;
}

static int decode_arg(const struct tg_generic_arg *arg, const char *data) {
        if (arg->flags & ~(TG_GENERIC_ARG_TRUNCATED | TG_GENERIC_ARG_UNREADABLE |
                           TG_GENERIC_ARG_RETURN_COPY) ||
            arg->pad)
                return -EBADMSG;
        if ((arg->flags & TG_GENERIC_ARG_RETURN_COPY) && arg->type != TG_ARG_CHAR_BUF)
                return -EBADMSG;
        if (tg_arg_type_is_integer(arg->type) || arg->type == TG_ARG_SYSCALL64)
                return arg->size == 0 ? 0 : -EBADMSG;
        switch (arg->type) {
        case TG_ARG_FD:
        case TG_ARG_FILE:
        case TG_ARG_PATH:
        case TG_ARG_DENTRY:
        case TG_ARG_LINUX_BINPRM:
                return arg->size <= TG_PATH_MAX && text_valid(data, arg->size) ? 0 : -EBADMSG;
        case TG_ARG_STRING:
                return arg->size <= TG_GENERIC_STRING_MAX && text_valid(data, arg->size) ? 0
                                                                                         : -EBADMSG;
        case TG_ARG_CHAR_BUF:
                /* No more than the engine copies (maxData's most), and (but for returnCopy,
                 * whose size is the room for what the function fills) no more than the
                 * caller passed. */
                return arg->size <= TG_GENERIC_BUF_MAX_DATA &&
                                       ((arg->flags & TG_GENERIC_ARG_RETURN_COPY) ||
                                        arg->size <= arg->value)
                               ? 0
                               : -EBADMSG;
        case TG_ARG_SOCKADDR:
                return arg->size == 0 || arg->size == sizeof(struct tg_generic_sockaddr) ? 0
                                                                                         : -EBADMSG;
        case TG_ARG_CHAR_IOVEC:
                /* value: the bytes of the vectors, of which these are the first. */
                return arg->size <= TG_GENERIC_BUF_MAX && arg->size <= arg->value ? 0 : -EBADMSG;
        case TG_ARG_FILENAME:
                return arg->size <= TG_GENERIC_STRING_MAX && text_valid(data, arg->size) ? 0
                                                                                         : -EBADMSG;
        case TG_ARG_NET_DEVICE:
                return arg->size <= 16 && text_valid(data, arg->size) ? 0 : -EBADMSG; /* IFNAMSIZ */
        case TG_ARG_SOCK:
        case TG_ARG_SOCKET:
                return arg->size == 0 || arg->size == sizeof(struct tg_generic_sock) ? 0 : -EBADMSG;
        case TG_ARG_SKB:
                return arg->size == 0 || arg->size == sizeof(struct tg_generic_skb) ? 0 : -EBADMSG;
        case TG_ARG_CRED:
                return arg->size == 0 || arg->size == sizeof(struct tg_generic_cred) ? 0 : -EBADMSG;
        case TG_ARG_CAPABILITY:
        case TG_ARG_NOP:
                return arg->size == 0 ? 0 : -EBADMSG;
        }
        return -EBADMSG; /* a type the engine never records */
}

int record_decode_generic(const void *data, size_t size, Record *ret) {
        const struct tg_generic_record *raw = data;
        const char *bytes = data;
        size_t off, end;

        if (size < sizeof(*raw) || size > TG_GENERIC_RECORD_MAX)
                return -EBADMSG;
        if (raw->n_args > TG_POLICY_MAX_ARGS)
                return -EBADMSG;
        if (raw->action != TG_ACTION_POST && raw->action != TG_ACTION_SIGKILL &&
            raw->action != TG_ACTION_SIGNAL && raw->action != TG_ACTION_OVERRIDE)
                return -EBADMSG;
        if (raw->flags & ~(TG_GENERIC_RECORD_MONITOR | TG_GENERIC_RECORD_ACTION_FAILED |
                           TG_GENERIC_RECORD_ARGS_TRUNCATED | TG_GENERIC_RECORD_OVERRIDE |
                           TG_GENERIC_RECORD_RETURN | TG_GENERIC_RECORD_KERNEL_STACK |
                           TG_GENERIC_RECORD_USER_STACK | TG_GENERIC_RECORD_IMA_HASH))
                return -EBADMSG;

        ret->generic.raw = raw;
        ret->generic.n_args = 0;
        ret->generic.ret = NULL;
        off = sizeof(*raw);
        ret->generic.ima = NULL;
        if (raw->flags & TG_GENERIC_RECORD_IMA_HASH) {
                if (size - off < sizeof(struct tg_generic_ima))
                        return -EBADMSG;
                ret->generic.ima = (const void *) (bytes + off);
                off += sizeof(struct tg_generic_ima);
        }
        for (size_t i = 0; i < ELEMENTSOF(ret->generic.stacks); i++) {
                unsigned flag =
                        i == 0 ? TG_GENERIC_RECORD_KERNEL_STACK : TG_GENERIC_RECORD_USER_STACK;
                const struct tg_generic_stack *stack;

                ret->generic.stacks[i].present = false;
                ret->generic.stacks[i].frames = NULL;
                ret->generic.stacks[i].n_frames = 0;
                if (!(raw->flags & flag))
                        continue;
                if (size - off < sizeof(*stack))
                        return -EBADMSG;
                stack = (const void *) (bytes + off);
                off += sizeof(*stack);
                if (stack->n_frames > TG_GENERIC_STACK_DEPTH || (size - off) / 8 < stack->n_frames)
                        return -EBADMSG;
                ret->generic.stacks[i].present = true;
                ret->generic.stacks[i].frames = (const void *) (bytes + off);
                ret->generic.stacks[i].n_frames = stack->n_frames;
                off += (size_t) stack->n_frames * 8;
        }
        /* The return value is last: the arguments end before it. */
        end = size;
        if (raw->flags & TG_GENERIC_RECORD_RETURN) {
                if (size - off < sizeof(struct tg_generic_arg))
                        return -EBADMSG;
                end -= sizeof(struct tg_generic_arg);
        }
        for (size_t i = 0; i < raw->n_args; i++) {
                const struct tg_generic_arg *arg;
                size_t padded;
                int r;

                /* Fewer arguments than announced: the engine ran out of room. */
                if (off == end && (raw->flags & TG_GENERIC_RECORD_ARGS_TRUNCATED))
                        break;
                if (end - off < sizeof(*arg))
                        return -EBADMSG;
                arg = (const void *) (bytes + off);
                off += sizeof(*arg);
                padded = ((size_t) arg->size + 7) & ~(size_t) 7;
                if (padded > end - off)
                        return -EBADMSG;
                r = decode_arg(arg, bytes + off);
                if (r < 0)
                        return r;
                ret->generic.args[i].raw = arg;
                ret->generic.args[i].data = bytes + off;
                ret->generic.n_args++;
                off += padded;
        }
        if (raw->flags & TG_GENERIC_RECORD_RETURN) {
                const struct tg_generic_arg *arg = (const void *) (bytes + off);

                if (off != end || !tg_arg_type_is_integer(arg->type) ||
                    decode_arg(arg, bytes + off + sizeof(*arg)) < 0)
                        return -EBADMSG;
                ret->generic.ret = arg;
                off += sizeof(*arg);
        }
        return off == size ? 0 : -EBADMSG;
}
