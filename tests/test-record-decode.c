/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "record-decode.h"

/* Records are 8-byte aligned, as the ring buffer hands them out. */
typedef union RecordBuffer {
        uint64_t align;
        unsigned char bytes[sizeof(struct tg_exec_record) + 512];
} RecordBuffer;

static const char ARGS[] = "/bin/echo\0hello world\0\xe9t\xe9";

/* An exec record of binary, args (args_len bytes), cwd and cgroup. */
static size_t build_exec(RecordBuffer *b, const char *binary, const char *args, size_t args_len,
                         const char *cwd, const char *cgroup) {
        struct tg_exec_record *r = (struct tg_exec_record *) b->bytes;
        char *p = (char *) b->bytes + sizeof(*r);

        memset(b, 0, sizeof(*b));
        r->header.op = TG_OP_EXEC;
        r->header.version = TG_RECORD_VERSION;
        r->header.ktime = 123;
        r->pid = 42;
        r->binary_len = strlen(binary) + 1;
        r->args_len = args_len;
        r->cwd_len = strlen(cwd) + 1;
        r->cgroup_len = strlen(cgroup) + 1;
        memcpy(p, binary, r->binary_len), p += r->binary_len;
        memcpy(p, args, args_len), p += args_len;
        memcpy(p, cwd, r->cwd_len), p += r->cwd_len;
        memcpy(p, cgroup, r->cgroup_len), p += r->cgroup_len;
        r->header.size = p - (char *) b->bytes;
        return r->header.size;
}

static size_t build_small(RecordBuffer *b, uint16_t op, size_t size) {
        struct tg_record_header *h = (struct tg_record_header *) b->bytes;

        memset(b, 0, sizeof(*b));
        h->op = op;
        h->version = TG_RECORD_VERSION;
        h->size = size;
        h->ktime = 7;
        return size;
}

static void test_exec_good(void **state) {
        RecordBuffer b;
        Record r;
        size_t size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/tmp/x",
                                 "/system.slice/a.service");

        assert_int_equal(record_decode(b.bytes, size, &r), 0);
        assert_int_equal(r.op, TG_OP_EXEC);
        assert_ptr_equal(r.header, b.bytes);
        assert_int_equal(r.exec.raw->pid, 42);
        assert_string_equal(r.exec.binary, "/bin/echo");
        assert_int_equal(r.exec.args_size, sizeof(ARGS));
        assert_memory_equal(r.exec.args, ARGS, sizeof(ARGS));
        assert_string_equal(r.exec.cwd, "/tmp/x");
        assert_string_equal(r.exec.cgroup, "/system.slice/a.service");
}

static void test_exec_empty_parts(void **state) {
        RecordBuffer b;
        Record r;
        size_t size = build_exec(&b, "/x", "", 0, "/", "");

        assert_int_equal(record_decode(b.bytes, size, &r), 0);
        assert_int_equal(r.exec.args_size, 0);
        assert_string_equal(r.exec.cgroup, "");
}

static void test_exit_and_fork_good(void **state) {
        RecordBuffer b;
        Record r;
        struct tg_exit_record *exit_raw = (struct tg_exit_record *) b.bytes;
        struct tg_fork_record *fork_raw = (struct tg_fork_record *) b.bytes;

        build_small(&b, TG_OP_EXIT, sizeof(struct tg_exit_record));
        exit_raw->pid = 9;
        exit_raw->exit_code = 7 << 8;
        assert_int_equal(record_decode(b.bytes, sizeof(*exit_raw), &r), 0);
        assert_int_equal(r.op, TG_OP_EXIT);
        assert_int_equal(r.exit.raw->pid, 9);
        assert_int_equal(r.exit.raw->exit_code, 7 << 8);

        build_small(&b, TG_OP_FORK, sizeof(struct tg_fork_record));
        fork_raw->pid = 10;
        fork_raw->ppid = 9;
        assert_int_equal(record_decode(b.bytes, sizeof(*fork_raw), &r), 0);
        assert_int_equal(r.op, TG_OP_FORK);
        assert_int_equal(r.fork.raw->pid, 10);
        assert_int_equal(r.fork.raw->ppid, 9);
}

static void test_short(void **state) {
        RecordBuffer b;
        Record r;

        build_small(&b, TG_OP_EXIT, sizeof(struct tg_exit_record));
        assert_int_equal(record_decode(b.bytes, 0, &r), -EBADMSG);
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_record_header) - 1, &r), -EBADMSG);

        /* A header that claims its short size honestly: still too short for its op. */
        build_small(&b, TG_OP_EXIT, sizeof(struct tg_record_header));
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_record_header), &r), -EBADMSG);
        build_small(&b, TG_OP_FORK, sizeof(struct tg_fork_record) - 8);
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_fork_record) - 8, &r), -EBADMSG);
        build_small(&b, TG_OP_EXEC, sizeof(struct tg_exec_record) - 8);
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exec_record) - 8, &r), -EBADMSG);
}

static void test_too_long(void **state) {
        RecordBuffer b;
        Record r;

        build_small(&b, TG_OP_EXIT, sizeof(struct tg_exit_record) + 8);
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exit_record) + 8, &r), -EBADMSG);
}

static void test_header_size_mismatch(void **state) {
        RecordBuffer b;
        Record r;
        size_t size;

        build_small(&b, TG_OP_EXIT, sizeof(struct tg_exit_record));
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exit_record) + 8, &r), -EBADMSG);
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exit_record) - 8, &r), -EBADMSG);

        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "");
        assert_int_equal(record_decode(b.bytes, size - 1, &r), -EBADMSG);
}

static void test_bad_version(void **state) {
        RecordBuffer b;
        Record r;
        struct tg_record_header *h = (struct tg_record_header *) b.bytes;

        build_small(&b, TG_OP_EXIT, sizeof(struct tg_exit_record));
        h->version = TG_RECORD_VERSION + 1;
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exit_record), &r),
                         -EPROTONOSUPPORT);
        h->version = 0;
        assert_int_equal(record_decode(b.bytes, sizeof(struct tg_exit_record), &r),
                         -EPROTONOSUPPORT);
}

static void test_unknown_op(void **state) {
        RecordBuffer b;
        Record r;

        build_small(&b, 0, 32);
        assert_int_equal(record_decode(b.bytes, 32, &r), -EOPNOTSUPP);
        build_small(&b, 999, 32);
        assert_int_equal(record_decode(b.bytes, 32, &r), -EOPNOTSUPP);
}

static void test_lengths_past_end(void **state) {
        struct tg_exec_record *raw;
        RecordBuffer b;
        Record r;
        size_t size;

        raw = (struct tg_exec_record *) b.bytes;
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        raw->binary_len += 1;
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        raw->args_len = UINT32_MAX; /* would wrap a 32-bit sum */
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        raw->cwd_len = UINT16_MAX;
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        raw->cgroup_len += 1;
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        /* Lengths that add up but move a part's end. */
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        raw->binary_len += 2;
        raw->args_len -= 2;
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);
}

static void test_unterminated_strings(void **state) {
        struct tg_exec_record *raw = NULL;
        RecordBuffer b;
        Record r;
        size_t size;
        char *data;

        raw = (struct tg_exec_record *) b.bytes;
        data = (char *) b.bytes + sizeof(*raw);

        /* binary without its NUL */
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        data[raw->binary_len - 1] = 'x';
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        /* binary with a NUL inside */
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/", "/");
        data[3] = '\0';
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        /* empty binary: not even a terminator */
        size = build_exec(&b, "", "", 0, "/", "/");
        raw->binary_len = 0;
        raw->cwd_len++;
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        /* args whose last argument is not terminated */
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS) - 1, "/", "/");
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);

        /* cwd, cgroup */
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/tmp", "/");
        data[raw->binary_len + raw->args_len + raw->cwd_len - 1] = 'p';
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);
        size = build_exec(&b, "/bin/echo", ARGS, sizeof(ARGS), "/tmp", "/a");
        data[size - sizeof(*raw) - 1] = 'a';
        assert_int_equal(record_decode(b.bytes, size, &r), -EBADMSG);
}

static void test_misaligned(void **state) {
        RecordBuffer b[2];
        unsigned char *shifted = b[0].bytes + 4;
        Record r;

        build_small(&b[1], TG_OP_EXIT, sizeof(struct tg_exit_record));
        memcpy(shifted, b[1].bytes, sizeof(struct tg_exit_record));
        assert_int_equal(record_decode(shifted, sizeof(struct tg_exit_record), &r), -EBADMSG);
}

/* A generic record with one argument of type and size (data zero, value as given). */
static size_t build_generic_arg(uint64_t *buf, uint8_t type, uint32_t size, uint64_t value) {
        struct tg_generic_record *r = (void *) buf;
        struct tg_generic_arg *a = (void *) (r + 1);
        size_t total = sizeof(*r) + sizeof(*a) + ((size + 7) & ~7U);

        memset(buf, 0, total);
        r->header.op = TG_OP_GENERIC;
        r->header.version = TG_RECORD_VERSION;
        r->header.size = total;
        r->action = TG_ACTION_POST;
        r->n_args = 1;
        a->type = type;
        a->size = size;
        a->value = value;
        return total;
}

/* The sizes of sock, socket, cred, char_iovec, capability and nop arguments. */
static void test_generic_argument_sizes(void **state) {
        uint64_t buf[(sizeof(struct tg_generic_record) + sizeof(struct tg_generic_arg) +
                      TG_GENERIC_BUF_MAX + 8) /
                     8];
        Record r;

        assert_int_equal(record_decode(buf,
                                       build_generic_arg(buf, TG_ARG_SOCK,
                                                         sizeof(struct tg_generic_sock), 0),
                                       &r),
                         0);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_SOCKET, 0, 0), &r), 0);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_SOCK, 24, 0), &r),
                         -EBADMSG);
        assert_int_equal(record_decode(buf,
                                       build_generic_arg(buf, TG_ARG_CRED,
                                                         sizeof(struct tg_generic_cred), 0),
                                       &r),
                         0);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_CRED, 56, 0), &r),
                         -EBADMSG);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_CHAR_IOVEC, 11, 11), &r),
                         0);
        /* More bytes than the vectors had, or than the engine copies. */
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_CHAR_IOVEC, 11, 10), &r),
                         -EBADMSG);
        assert_int_equal(record_decode(buf,
                                       build_generic_arg(buf, TG_ARG_CHAR_IOVEC,
                                                         TG_GENERIC_BUF_MAX + 8, UINT64_MAX),
                                       &r),
                         -EBADMSG);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_CAPABILITY, 0, 21), &r),
                         0);
        assert_int_equal(record_decode(buf, build_generic_arg(buf, TG_ARG_NOP, 8, 0), &r),
                         -EBADMSG);
        /* A filename is text: terminated by its only NUL. */
        {
                char *data = (char *) buf + sizeof(struct tg_generic_record) +
                             sizeof(struct tg_generic_arg);
                size_t size = build_generic_arg(buf, TG_ARG_FILENAME, 7, 0);

                memcpy(data, "/etc/x", 7);
                assert_int_equal(record_decode(buf, size, &r), 0);
                data[6] = 'y';
                assert_int_equal(record_decode(buf, size, &r), -EBADMSG);
        }
}

/* Stacks sit between the record and its arguments, the kernel's first; a frame count
 * past the record's end or past the engine's depth is malformed. */
static size_t build_generic_stacks(uint64_t *buf, uint32_t n_kernel, uint32_t n_user) {
        struct tg_generic_record *r = (void *) buf;
        struct tg_generic_stack *k = (void *) (r + 1), *u;
        struct tg_generic_arg *a;
        size_t total;

        u = (void *) ((char *) (k + 1) + n_kernel * 8);
        a = (void *) ((char *) (u + 1) + n_user * 8);
        total = (size_t) ((char *) (a + 1) - (char *) buf);
        memset(buf, 0, total);
        r->header.op = TG_OP_GENERIC;
        r->header.version = TG_RECORD_VERSION;
        r->header.size = total;
        r->action = TG_ACTION_POST;
        r->flags = TG_GENERIC_RECORD_KERNEL_STACK | TG_GENERIC_RECORD_USER_STACK;
        r->n_args = 1;
        k->n_frames = n_kernel;
        u->n_frames = n_user;
        for (uint32_t i = 0; i < n_kernel; i++)
                ((uint64_t *) (k + 1))[i] = 0xffffffff81000000ULL + i;
        for (uint32_t i = 0; i < n_user; i++)
                ((uint64_t *) (u + 1))[i] = 0x400000 + i;
        a->type = TG_ARG_INT;
        return total;
}

static void test_generic_stacks(void **state) {
        uint64_t buf[512];
        uint64_t frame;
        size_t size;
        Record r;

        size = build_generic_stacks(buf, 3, 2);
        assert_int_equal(record_decode(buf, size, &r), 0);
        assert_true(r.generic.stacks[0].present);
        assert_int_equal(r.generic.stacks[0].n_frames, 3);
        memcpy(&frame, (const char *) r.generic.stacks[0].frames + 16, 8);
        assert_int_equal(frame, 0xffffffff81000002ULL);
        assert_int_equal(r.generic.stacks[1].n_frames, 2);
        memcpy(&frame, r.generic.stacks[1].frames, 8);
        assert_int_equal(frame, 0x400000);
        assert_int_equal(r.generic.n_args, 1);
        assert_int_equal(r.generic.args[0].raw->type, TG_ARG_INT);

        /* An empty stack (the kernel had none to give) is a stack of no frames. */
        size = build_generic_stacks(buf, 0, 0);
        assert_int_equal(record_decode(buf, size, &r), 0);
        assert_true(r.generic.stacks[1].present);
        assert_int_equal(r.generic.stacks[1].n_frames, 0);

        /* More frames than the record holds, or than the engine takes. */
        size = build_generic_stacks(buf, 3, 2);
        ((struct tg_generic_stack *) ((struct tg_generic_record *) buf + 1))->n_frames = 40;
        assert_int_equal(record_decode(buf, size, &r), -EBADMSG);
        size = build_generic_stacks(buf, TG_GENERIC_STACK_DEPTH + 1, 0);
        assert_int_equal(record_decode(buf, size, &r), -EBADMSG);
        /* A flag without its stack. */
        size = build_generic_arg(buf, TG_ARG_INT, 0, 0);
        ((struct tg_generic_record *) buf)->flags = TG_GENERIC_RECORD_KERNEL_STACK;
        assert_int_equal(record_decode(buf, size, &r), -EBADMSG);
}

/* imaHash: its block comes first, before any stack, and must fit in the record. */
static void test_generic_ima_hash(void **state) {
        uint64_t buf[512];
        struct tg_generic_record *raw = (void *) buf;
        struct tg_generic_ima *ima = (void *) (raw + 1);
        struct tg_generic_stack *k = (void *) (ima + 1);
        struct tg_generic_arg *a = (void *) (k + 1);
        size_t size = (size_t) ((char *) (a + 1) - (char *) buf);
        Record r;

        memset(buf, 0, sizeof(buf));
        raw->header.op = TG_OP_GENERIC;
        raw->header.version = TG_RECORD_VERSION;
        raw->header.size = size;
        raw->action = TG_ACTION_POST;
        raw->flags = TG_GENERIC_RECORD_IMA_HASH | TG_GENERIC_RECORD_KERNEL_STACK;
        raw->n_args = 1;
        ima->algo = 4;
        ima->digest[0] = 0xab;
        a->type = TG_ARG_INT;
        assert_int_equal(record_decode(buf, size, &r), 0);
        assert_ptr_equal(r.generic.ima, ima);
        assert_int_equal(r.generic.ima->algo, 4);
        assert_true(r.generic.stacks[0].present);
        assert_int_equal(r.generic.stacks[0].n_frames, 0);
        assert_int_equal(r.generic.n_args, 1);

        /* Without the flag there is none. */
        size = build_generic_arg(buf, TG_ARG_INT, 0, 0);
        assert_int_equal(record_decode(buf, size, &r), 0);
        assert_null(r.generic.ima);
        /* The flag on a record too short for the block. */
        raw->flags = TG_GENERIC_RECORD_IMA_HASH;
        raw->n_args = 0;
        raw->header.size = sizeof(*raw) + 8;
        assert_int_equal(record_decode(buf, sizeof(*raw) + 8, &r), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_good),
                cmocka_unit_test(test_exec_empty_parts),
                cmocka_unit_test(test_exit_and_fork_good),
                cmocka_unit_test(test_short),
                cmocka_unit_test(test_too_long),
                cmocka_unit_test(test_header_size_mismatch),
                cmocka_unit_test(test_bad_version),
                cmocka_unit_test(test_unknown_op),
                cmocka_unit_test(test_lengths_past_end),
                cmocka_unit_test(test_unterminated_strings),
                cmocka_unit_test(test_misaligned),
                cmocka_unit_test(test_generic_argument_sizes),
                cmocka_unit_test(test_generic_stacks),
                cmocka_unit_test(test_generic_ima_hash),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
