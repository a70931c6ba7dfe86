/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine-tables.h"
#include "macro.h"

static int range_compare(const void *a, const void *b) {
        const Range *x = a, *y = b;

        return x->first < y->first ? -1 : x->first > y->first;
}

/* Merge neighbours; a free range at the end goes back to top. */
static void table_coalesce(Table *t) {
        size_t n = 0;

        if (t->n_free == 0)
                return;
        qsort(t->free, t->n_free, sizeof(Range), range_compare);
        for (size_t i = 0; i < t->n_free; i++) {
                if (n > 0 && t->free[n - 1].first + t->free[n - 1].n == t->free[i].first)
                        t->free[n - 1].n += t->free[i].n;
                else
                        t->free[n++] = t->free[i];
        }
        t->n_free = n;
        if (n > 0 && t->free[n - 1].first + t->free[n - 1].n == t->top) {
                t->top = t->free[n - 1].first;
                t->n_free--;
        }
}

int table_alloc(Table *t, uint32_t n, Range *ret) {
        if (n == 0) {
                *ret = (Range){};
                return 0;
        }
        table_coalesce(t);
        for (size_t i = 0; i < t->n_free; i++) {
                Range *f = &t->free[i];

                if (f->n < n)
                        continue;
                *ret = (Range){ f->first, n };
                f->first += n;
                f->n -= n;
                if (f->n == 0) {
                        memmove(f, f + 1, (t->n_free - i - 1) * sizeof(Range));
                        t->n_free--;
                }
                return 0;
        }
        if (n > t->size - t->top)
                return -ENOSPC;
        *ret = (Range){ t->top, n };
        t->top += n;
        return 0;
}

int table_release(Table *t, Range r) {
        Range *grown;

        if (r.n == 0)
                return 0;
        grown = reallocarray(t->free, t->n_free + 1, sizeof(Range));
        if (!grown)
                return -ENOMEM; /* the slots leak; nothing else breaks */
        t->free = grown;
        t->free[t->n_free++] = r;
        return 0;
}
