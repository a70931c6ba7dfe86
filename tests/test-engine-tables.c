/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's slot tables (daemon/engine-tables.c) without a kernel: ranges handed out
 * lowest first, given back, merged with their neighbours, the top reclaimed, and a full
 * table refusing with -ENOSPC while what it holds stays as it was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine-tables.h"

static void table_done(Table *t) {
        free(t->free);
}

static void assert_range(Range r, uint32_t first, uint32_t n) {
        assert_int_equal(r.first, first);
        assert_int_equal(r.n, n);
}

static void test_alloc_in_order(void **state) {
        Table t = { .size = 16 };
        Range a, b, empty;

        assert_int_equal(table_alloc(&t, 4, &a), 0);
        assert_range(a, 0, 4);
        assert_int_equal(table_alloc(&t, 3, &b), 0);
        assert_range(b, 4, 3);
        assert_int_equal(t.top, 7);
        /* Nothing to hold: the empty range, no slot used. */
        assert_int_equal(table_alloc(&t, 0, &empty), 0);
        assert_range(empty, 0, 0);
        assert_int_equal(t.top, 7);
        table_done(&t);
}

static void test_release_reuses_lowest_fit(void **state) {
        Table t = { .size = 32 };
        Range a, b, c, d, e;

        assert_int_equal(table_alloc(&t, 4, &a), 0); /* 0..3 */
        assert_int_equal(table_alloc(&t, 2, &b), 0); /* 4..5 */
        assert_int_equal(table_alloc(&t, 6, &c), 0); /* 6..11 */
        assert_int_equal(table_alloc(&t, 1, &d), 0); /* 12 */
        assert_int_equal(table_release(&t, c), 0);
        assert_int_equal(table_release(&t, a), 0);
        /* 3 fits in a's 4 slots, the lowest free range that fits. */
        assert_int_equal(table_alloc(&t, 3, &e), 0);
        assert_range(e, 0, 3);
        /* 5 does not fit in the one slot left of a: c's range. */
        assert_int_equal(table_alloc(&t, 5, &e), 0);
        assert_range(e, 6, 5);
        /* The split remainders: slot 3, then slot 11. */
        assert_int_equal(table_alloc(&t, 1, &e), 0);
        assert_range(e, 3, 1);
        assert_int_equal(table_alloc(&t, 1, &e), 0);
        assert_range(e, 11, 1);
        /* Nothing free below the top any more: fresh slots. */
        assert_int_equal(table_alloc(&t, 1, &e), 0);
        assert_range(e, 13, 1);
        (void) b;
        (void) d;
        table_done(&t);
}

static void test_coalesce_neighbours(void **state) {
        Table t = { .size = 12 };
        Range a, b, c, d, big;

        assert_int_equal(table_alloc(&t, 3, &a), 0); /* 0..2 */
        assert_int_equal(table_alloc(&t, 3, &b), 0); /* 3..5 */
        assert_int_equal(table_alloc(&t, 3, &c), 0); /* 6..8 */
        assert_int_equal(table_alloc(&t, 3, &d), 0); /* 9..11: the table is full */
        /* Given back out of order: only merged, they make room for 6. */
        assert_int_equal(table_release(&t, b), 0);
        assert_int_equal(table_release(&t, a), 0);
        assert_int_equal(table_alloc(&t, 6, &big), 0);
        assert_range(big, 0, 6);
        assert_int_equal(t.n_free, 0);
        (void) c;
        (void) d;
        table_done(&t);
}

static void test_release_at_top_lowers_top(void **state) {
        Table t = { .size = 10 };
        Range a, b, c, e;

        assert_int_equal(table_alloc(&t, 2, &a), 0); /* 0..1 */
        assert_int_equal(table_alloc(&t, 3, &b), 0); /* 2..4 */
        assert_int_equal(table_alloc(&t, 4, &c), 0); /* 5..8 */
        assert_int_equal(table_release(&t, c), 0);
        assert_int_equal(table_release(&t, b), 0);
        /* Both free ranges reach the top: after merging, the top comes down to 2. */
        assert_int_equal(table_alloc(&t, 8, &e), 0);
        assert_range(e, 2, 8);
        assert_int_equal(t.top, 10);
        assert_int_equal(t.n_free, 0);
        (void) a;
        table_done(&t);
}

static void test_full_table(void **state) {
        Table t = { .size = 8 };
        Range a, b, c, e;

        assert_int_equal(table_alloc(&t, 5, &a), 0);
        assert_int_equal(table_alloc(&t, 3, &b), 0);
        assert_int_equal(t.top, 8);
        assert_int_equal(table_alloc(&t, 1, &e), -ENOSPC);
        /* Larger than the whole table, even when empty. */
        assert_int_equal(table_release(&t, a), 0);
        assert_int_equal(table_alloc(&t, 9, &e), -ENOSPC);
        /* A refusal changes nothing: a's slots are still there to take. */
        assert_int_equal(table_alloc(&t, 6, &e), -ENOSPC);
        assert_int_equal(table_alloc(&t, 5, &c), 0);
        assert_range(c, 0, 5);
        assert_int_equal(table_alloc(&t, 1, &e), -ENOSPC);
        (void) b;
        table_done(&t);
}

static void test_release_empty_range(void **state) {
        Table t = { .size = 4 };
        Range a;

        assert_int_equal(table_release(&t, (Range){}), 0);
        assert_int_equal(t.n_free, 0);
        assert_int_equal(table_alloc(&t, 4, &a), 0);
        assert_range(a, 0, 4);
        table_done(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_alloc_in_order),
                cmocka_unit_test(test_release_reuses_lowest_fit),
                cmocka_unit_test(test_coalesce_neighbours),
                cmocka_unit_test(test_release_at_top_lowers_top),
                cmocka_unit_test(test_full_table),
                cmocka_unit_test(test_release_empty_range),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
