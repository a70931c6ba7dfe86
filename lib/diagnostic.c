/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "diagnostic.h"

const char *diagnostic_level_to_string(DiagnosticLevel level) {
        switch (level) {
        case DIAGNOSTIC_ERROR:
                return "error";
        case DIAGNOSTIC_WARNING:
                return "warning";
        }
        return "unknown";
}

static int diagnostic_list_append(DiagnosticList *l, Diagnostic *d) {
        if (l->n_items == l->allocated) {
                size_t n = MAX(l->allocated * 2, (size_t) 8);
                Diagnostic *items;

                items = reallocarray(l->items, n, sizeof(Diagnostic));
                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->allocated = n;
        }
        l->items[l->n_items++] = *d;
        if (d->level == DIAGNOSTIC_ERROR)
                l->n_errors++;
        else
                l->n_warnings++;
        return 0;
}

int diagnostic_list_addv(DiagnosticList *l, DiagnosticLevel level, const char *file, unsigned line,
                         unsigned column, const char *hint, const char *format, va_list ap) {
        Diagnostic d = {
                .level = level,
                .line = line,
                .column = column,
        };
        int r;

        if (level == DIAGNOSTIC_ERROR && l->n_errors >= DIAGNOSTIC_MAX_ERRORS) {
                if (l->truncated)
                        return 0;
                l->truncated = true;
                /* Counted as an error, so the verdict stays "invalid". */
                d.file = strdup(strempty(file));
                if (!d.file || asprintf(&d.message, "too many errors (more than %u), stopping",
                                        DIAGNOSTIC_MAX_ERRORS) < 0) {
                        free(d.file);
                        return -ENOMEM;
                }
                r = diagnostic_list_append(l, &d);
                if (r < 0) {
                        free(d.file);
                        free(d.message);
                }
                return r;
        }

        d.file = strdup(strempty(file));
        if (!d.file)
                return -ENOMEM;
        if (vasprintf(&d.message, format, ap) < 0) {
                free(d.file);
                return -ENOMEM;
        }
        if (hint) {
                d.hint = strdup(hint);
                if (!d.hint) {
                        free(d.file);
                        free(d.message);
                        return -ENOMEM;
                }
        }

        r = diagnostic_list_append(l, &d);
        if (r < 0) {
                free(d.file);
                free(d.message);
                free(d.hint);
        }
        return r;
}

int diagnostic_list_add(DiagnosticList *l, DiagnosticLevel level, const char *file, unsigned line,
                        unsigned column, const char *hint, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = diagnostic_list_addv(l, level, file, line, column, hint, format, ap);
        va_end(ap);
        return r;
}

void diagnostic_list_clear(DiagnosticList *l) {
        for (size_t i = 0; i < l->n_items; i++) {
                free(l->items[i].file);
                free(l->items[i].message);
                free(l->items[i].hint);
        }
        free(l->items);
        *l = DIAGNOSTIC_LIST_INIT;
}

int diagnostic_format(const Diagnostic *d, char **ret) {
        const char *level = diagnostic_level_to_string(d->level);
        int r;

        if (d->line > 0)
                r = asprintf(ret, "%s:%u:%u: %s: %s%s%s", d->file, d->line, d->column, level,
                             d->message, d->hint ? "; " : "", strempty(d->hint));
        else
                r = asprintf(ret, "%s: %s: %s%s%s", d->file, level, d->message, d->hint ? "; " : "",
                             strempty(d->hint));
        return r < 0 ? -ENOMEM : 0;
}

int diagnostic_list_write(const DiagnosticList *l, FILE *f) {
        for (size_t i = 0; i < l->n_items; i++) {
                _cleanup_free_ char *s = NULL;
                int r;

                r = diagnostic_format(&l->items[i], &s);
                if (r < 0)
                        return r;
                fputs(s, f);
                fputc('\n', f);
        }
        return 0;
}
