/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Tables as systemctl prints them: columns as wide as their content, the
 * last column cut with an ellipsis to fit the terminal, the header underlined
 * and chosen cells coloured when colours are on, header and footer left out
 * with --no-legend.
 */

#include <stdbool.h>
#include <stdio.h>

typedef struct Table Table;

/* A colour (an SGR sequence such as "\x1b[31m") for a cell, or NULL. */
typedef const char *(*TableCellColor)(size_t column, const char *cell);

int table_new(Table **ret, size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}

/* Copies n_columns cells. */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
void table_set_cell_color(Table *t, TableCellColor color);

/* Header (unless legend is false) and rows to stdout. */
void table_print(const Table *t, bool legend);
