/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/ioctl.h>

#include "macro.h"
#include "pager.h"
#include "table.h"

#define ELLIPSIS "\xe2\x80\xa6" /* … */
#define MIN_LAST_COLUMN 10

struct Table {
        size_t n_columns, n_cells, allocated;
        char **cells; /* headers first, then the rows, row by row */
        TableCellColor color;
};

int table_new(Table **ret, size_t n_columns, const char *const *headers) {
        Table *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->n_columns = n_columns;
        r = table_add_row(t, headers);
        if (r < 0) {
                table_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        return mfree(t);
}

int table_add_row(Table *t, const char *const *cells) {
        if (t->n_cells + t->n_columns > t->allocated) {
                size_t n = MAX(t->allocated * 2, t->n_columns * 16);
                char **p = realloc(t->cells, n * sizeof(char *));

                if (!p)
                        return -ENOMEM;
                t->cells = p;
                t->allocated = n;
        }
        for (size_t i = 0; i < t->n_columns; i++) {
                t->cells[t->n_cells] = strdup(cells[i] ?: "");
                if (!t->cells[t->n_cells])
                        return -ENOMEM;
                t->n_cells++;
        }
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

void table_set_cell_color(Table *t, TableCellColor color) {
        t->color = color;
}

/* Characters on screen, near enough: UTF-8 sequences count one each. */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

/* The byte length of the first `width` characters. */
static size_t text_prefix(const char *s, size_t width) {
        size_t i = 0;

        while (s[i] && width > 0) {
                i++;
                while (((unsigned char) s[i] & 0xc0) == 0x80)
                        i++;
                width--;
        }
        return i;
}

static size_t terminal_columns(void) {
        const char *env = getenv("COLUMNS");
        struct winsize ws;

        if (env && atoi(env) > 0)
                return (size_t) atoi(env);
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0; /* not a terminal: no limit */
}

void table_print(const Table *t, bool legend) {
        size_t widths[t->n_columns], total = 0, columns = terminal_columns();
        bool color = color_enabled();

        memset(widths, 0, sizeof(widths));
        for (size_t i = legend ? 0 : t->n_columns; i < t->n_cells; i++)
                widths[i % t->n_columns] = MAX(widths[i % t->n_columns], text_width(t->cells[i]));
        for (size_t c = 0; c < t->n_columns; c++)
                total += widths[c] + (c > 0);
        /* Too wide for the terminal: the last column (error texts, details) gives way. */
        if (columns > 0 && total > columns)
                widths[t->n_columns - 1] = MAX(
                        (size_t) MIN_LAST_COLUMN,
                        widths[t->n_columns - 1] - MIN(total - columns, widths[t->n_columns - 1]));

        for (size_t i = legend ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t c = i % t->n_columns, w = text_width(t->cells[i]);
                const char *cell = t->cells[i], *on = NULL;
                bool last = c == t->n_columns - 1;

                if (color)
                        on = i < t->n_columns ? "\x1b[4m" : t->color ? t->color(c, cell) : NULL;
                if (c > 0)
                        putchar(' ');
                if (on)
                        fputs(on, stdout);
                if (w > widths[c]) {
                        fwrite(cell, 1, text_prefix(cell, widths[c] - 1), stdout);
                        fputs(ELLIPSIS, stdout);
                        w = widths[c];
                } else
                        fputs(cell, stdout);
                if (on)
                        fputs("\x1b[0m", stdout);
                if (last)
                        putchar('\n');
                else
                        printf("%*s", (int) (widths[c] - w), "");
        }
}
