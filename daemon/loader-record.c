/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>

#include "loader-record.h"

/* PERF_RECORD_MMAP2's fixed part; the file name follows, padded to 8 bytes, then the
 * sample_id (our u64 time). */
struct mmap2_head {
        struct perf_event_header header;
        uint32_t pid, tid;
        uint64_t addr, len, pgoff;
        union {
                struct {
                        uint32_t maj, min;
                        uint64_t ino, ino_generation;
                };
                struct {
                        uint8_t build_id_size;
                        uint8_t reserved_1;
                        uint16_t reserved_2;
                        uint8_t build_id[LOADER_BUILD_ID_MAX];
                };
        };
        uint32_t prot, flags;
};
_Static_assert(sizeof(struct mmap2_head) == 72, "PERF_RECORD_MMAP2 layout");

struct lost_record {
        struct perf_event_header header;
        uint64_t id, lost;
};

int loader_record_decode(const void *data, size_t size, LoaderRecord *ret) {
        const struct perf_event_header *h = data;
        const struct mmap2_head *m = data;
        const char *name;
        size_t name_size;

        *ret = (LoaderRecord){ .kind = LOADER_RECORD_SKIP };
        if (size < sizeof(*h) || h->size != size)
                return -EBADMSG;

        switch (h->type) {
        case PERF_RECORD_LOST:
                if (size < sizeof(struct lost_record))
                        return -EBADMSG;
                ret->kind = LOADER_RECORD_LOST;
                ret->lost = ((const struct lost_record *) data)->lost;
                return 0;
        case PERF_RECORD_MMAP2:
                break;
        default:
                return 0;
        }

        /* The name, at least its NUL, then the time. */
        if (size < sizeof(*m) + 1 + sizeof(uint64_t))
                return -EBADMSG;
        name = (const char *) data + sizeof(*m);
        name_size = size - sizeof(*m) - sizeof(uint64_t);
        if (!memchr(name, 0, name_size))
                return -EBADMSG;

        ret->pid = m->pid;
        ret->tid = m->tid;
        ret->address = m->addr;
        ret->length = m->len;
        ret->prot = m->prot;
        ret->flags = m->flags;
        memcpy(&ret->time, (const char *) data + size - sizeof(uint64_t), sizeof(uint64_t));
        ret->path = name;
        if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
                ret->build_id_size = m->build_id_size < LOADER_BUILD_ID_MAX ? m->build_id_size
                                                                            : LOADER_BUILD_ID_MAX;
                memcpy(ret->build_id, m->build_id, ret->build_id_size);
        }
        /* Only files mapped executable: "//anon", "[vdso]" and data mappings are not loads. */
        if ((m->prot & PROT_EXEC) && name[0] == '/' && name[1] != '/')
                ret->kind = LOADER_RECORD_MAPPING;
        return 0;
}
