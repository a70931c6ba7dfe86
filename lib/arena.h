/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A bump allocator for data that lives and dies together (a YAML tree, a
 * parsed policy): one free releases everything, so parsers need no per-field
 * cleanup on their many error paths.
 */

#include <stddef.h>

typedef struct Arena Arena;

int arena_new(Arena **ret);
Arena *arena_free(Arena *a);

/* Zeroed memory, aligned for any type; NULL when out of memory. */
void *arena_alloc(Arena *a, size_t size);
void *arena_alloc_array(Arena *a, size_t n, size_t size);

/* A NUL-terminated copy of the first n bytes of s. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const Arena *a);
