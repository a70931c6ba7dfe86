/* SPDX-License-Identifier: Apache-2.0 */
/* The loader sensor's record decoding (daemon/loader-record.c): PERF_RECORD_MMAP2 with and
 * without a build id, PERF_RECORD_LOST, what is skipped, and records that lie about sizes. */
#include <errno.h>
#include <linux/perf_event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "loader-record.h"

/* Records are 8-byte aligned, as the perf ring hands them out. */
typedef union RecordBuffer {
        uint64_t align;
        unsigned char bytes[512];
} RecordBuffer;

static const uint8_t BUILD_ID[20] = { 0x84, 0x34, 0xfe, 0xb0, 0xb2, 0xe9, 0x07, 0x16, 0x6d, 0x1b,
                                      0xd7, 0x5a, 0x28, 0x5a, 0x0e, 0xbf, 0x82, 0x2e, 0xd1, 0xac };

/* The kernel's layout, written field by field: header, pid, tid, addr, len, pgoff, the
 * build id union (24 bytes), prot, flags, the name padded to 8 bytes, then the time. */
static size_t build_mmap2(RecordBuffer *b, const char *name, uint32_t prot, bool build_id) {
        struct perf_event_header *h = (struct perf_event_header *) b->bytes;
        unsigned char *p = b->bytes + sizeof(*h);
        size_t name_size = (strlen(name) + 1 + 7) / 8 * 8;
        uint32_t u32;
        uint64_t u64;

        memset(b, 0, sizeof(*b));
        h->type = PERF_RECORD_MMAP2;
        h->misc = PERF_RECORD_MISC_USER | (build_id ? PERF_RECORD_MISC_MMAP_BUILD_ID : 0);
        u32 = 4242;
        memcpy(p, &u32, 4), p += 4; /* pid */
        u32 = 4243;
        memcpy(p, &u32, 4), p += 4; /* tid */
        u64 = 0x7f0000001000;
        memcpy(p, &u64, 8), p += 8; /* addr */
        u64 = 0x2000;
        memcpy(p, &u64, 8), p += 8; /* len */
        p += 8;                     /* pgoff */
        if (build_id) {
                p[0] = sizeof(BUILD_ID);
                memcpy(p + 4, BUILD_ID, sizeof(BUILD_ID));
        } else
                memset(p, 0xaa, 24); /* maj, min, ino, ino_generation */
        p += 24;
        memcpy(p, &prot, 4), p += 4;
        u32 = MAP_PRIVATE;
        memcpy(p, &u32, 4), p += 4;
        strcpy((char *) p, name);
        p += name_size;
        u64 = 123456789;
        memcpy(p, &u64, 8), p += 8; /* sample_id: the time */
        h->size = (uint16_t) (p - b->bytes);
        return h->size;
}

static void test_mapping_with_build_id(void **state) {
        RecordBuffer b;
        size_t n = build_mmap2(&b, "/usr/lib/libtest.so", PROT_READ | PROT_EXEC, true);
        LoaderRecord r;

        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_MAPPING);
        assert_int_equal(r.pid, 4242);
        assert_int_equal(r.tid, 4243);
        assert_int_equal(r.address, 0x7f0000001000);
        assert_int_equal(r.length, 0x2000);
        assert_int_equal(r.prot, PROT_READ | PROT_EXEC);
        assert_int_equal(r.time, 123456789);
        assert_string_equal(r.path, "/usr/lib/libtest.so");
        assert_int_equal(r.build_id_size, 20);
        assert_memory_equal(r.build_id, BUILD_ID, 20);
}

/* Without the build id flag the union holds device and inode: no build id. */
static void test_mapping_without_build_id(void **state) {
        RecordBuffer b;
        size_t n = build_mmap2(&b, "/usr/lib/libtest.so", PROT_READ | PROT_EXEC, false);
        LoaderRecord r;

        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_MAPPING);
        assert_int_equal(r.build_id_size, 0);
}

/* Not executable, anonymous, the vdso: not loads. */
static void test_skipped(void **state) {
        RecordBuffer b;
        LoaderRecord r;
        size_t n;

        n = build_mmap2(&b, "/usr/lib/libtest.so", PROT_READ, true);
        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_SKIP);
        n = build_mmap2(&b, "//anon", PROT_READ | PROT_EXEC, false);
        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_SKIP);
        n = build_mmap2(&b, "[vdso]", PROT_READ | PROT_EXEC, false);
        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_SKIP);

        /* Another record type (a comm change) is skipped, not an error. */
        ((struct perf_event_header *) b.bytes)->type = PERF_RECORD_COMM;
        assert_int_equal(loader_record_decode(b.bytes, n, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_SKIP);
}

static void test_lost(void **state) {
        RecordBuffer b = {};
        struct perf_event_header *h = (struct perf_event_header *) b.bytes;
        uint64_t lost = 17;
        LoaderRecord r;

        h->type = PERF_RECORD_LOST;
        h->size = sizeof(*h) + 16 + 8; /* id, lost, the time */
        memcpy(b.bytes + sizeof(*h) + 8, &lost, 8);
        assert_int_equal(loader_record_decode(b.bytes, h->size, &r), 0);
        assert_int_equal(r.kind, LOADER_RECORD_LOST);
        assert_int_equal(r.lost, 17);

        h->size = sizeof(*h) + 8;
        assert_int_equal(loader_record_decode(b.bytes, h->size, &r), -EBADMSG);
}

static void test_malformed(void **state) {
        RecordBuffer b;
        LoaderRecord r;
        size_t n = build_mmap2(&b, "/usr/lib/libtest.so", PROT_READ | PROT_EXEC, true);

        /* Shorter than a header; a header whose size is not the record's. */
        assert_int_equal(loader_record_decode(b.bytes, 4, &r), -EBADMSG);
        assert_int_equal(loader_record_decode(b.bytes, n - 8, &r), -EBADMSG);
        /* Too short for the fixed part, a name and the time. */
        ((struct perf_event_header *) b.bytes)->size = 72;
        assert_int_equal(loader_record_decode(b.bytes, 72, &r), -EBADMSG);
        /* A name without its NUL: nothing is read past the record. */
        n = build_mmap2(&b, "/usr/lib/libtest.so", PROT_READ | PROT_EXEC, true);
        memset(b.bytes + 72, 'x', n - 72 - 8);
        assert_int_equal(loader_record_decode(b.bytes, n, &r), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mapping_with_build_id),
                cmocka_unit_test(test_mapping_without_build_id),
                cmocka_unit_test(test_skipped),
                cmocka_unit_test(test_lost),
                cmocka_unit_test(test_malformed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
