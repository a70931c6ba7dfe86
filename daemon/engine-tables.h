/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The engine's slot tables: each of its array maps (hooks, selectors, values, ...) handed
 * out in ranges of consecutive slots, so that a new policy is written beside everything
 * installed and a removed one gives its ranges back. No kernel here: unit-tested alone
 * (tests/test-engine-tables.c).
 */

#include <stddef.h>
#include <stdint.h>

typedef struct Range {
        uint32_t first, n;
} Range;

/* Slots of one map, handed out in ranges. A range is freed only when no program can
 * reach it any more (after the switch and a grace period). */
typedef struct Table {
        uint32_t size;
        uint32_t top; /* slots from here on were never used */
        Range *free;
        size_t n_free;
} Table;

/* A range of n slots (n == 0: the empty range at 0): the lowest free range that fits,
 * after merging neighbours, else fresh slots from top; -ENOSPC when neither fits. */
int table_alloc(Table *t, uint32_t n, Range *ret);
/* Gives r back; -ENOMEM leaks its slots (nothing else breaks). */
int table_release(Table *t, Range r);
