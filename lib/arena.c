/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>

#include "arena.h"
#include "macro.h"

#define ARENA_BLOCK_SIZE (64U * 1024U)
#define ARENA_ALIGN (sizeof(max_align_t))

typedef struct ArenaBlock {
        struct ArenaBlock *next;
        size_t size, used;
        _Alignas(max_align_t) unsigned char data[];
} ArenaBlock;

struct Arena {
        ArenaBlock *blocks;
        size_t used;
};

int arena_new(Arena **ret) {
        Arena *a;

        a = calloc(1, sizeof(Arena));
        if (!a)
                return -ENOMEM;
        *ret = a;
        return 0;
}

Arena *arena_free(Arena *a) {
        if (!a)
                return NULL;
        for (ArenaBlock *b = a->blocks, *next; b; b = next) {
                next = b->next;
                free(b);
        }
        free(a);
        return NULL;
}

void *arena_alloc(Arena *a, size_t size) {
        ArenaBlock *b = a->blocks;
        size_t aligned;
        void *p;

        if (size > SIZE_MAX - ARENA_ALIGN)
                return NULL;
        aligned = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
        if (aligned == 0)
                aligned = ARENA_ALIGN;

        if (!b || b->size - b->used < aligned) {
                size_t block_size = MAX((size_t) ARENA_BLOCK_SIZE, aligned);

                b = malloc(sizeof(ArenaBlock) + block_size);
                if (!b)
                        return NULL;
                b->size = block_size;
                b->used = 0;
                /* A large one-off allocation goes behind the current block so
                 * the current block's free space stays usable. */
                if (aligned > ARENA_BLOCK_SIZE / 2 && a->blocks) {
                        b->next = a->blocks->next;
                        a->blocks->next = b;
                } else {
                        b->next = a->blocks;
                        a->blocks = b;
                }
        }

        p = b->data + b->used;
        b->used += aligned;
        a->used += aligned;
        memset(p, 0, size);
        return p;
}

void *arena_alloc_array(Arena *a, size_t n, size_t size) {
        if (size != 0 && n > SIZE_MAX / size)
                return NULL;
        return arena_alloc(a, n * size);
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
        char *p;

        if (n == SIZE_MAX)
                return NULL;
        p = arena_alloc(a, n + 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

char *arena_strdup(Arena *a, const char *s) {
        return arena_strndup(a, s, strlen(s));
}

size_t arena_used(const Arena *a) {
        return a->used;
}
