/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Positioned messages about an input file, in the form compilers use:
 *
 *     FILE:LINE:COL: error: what is wrong; hint
 *
 * Library code collects them in a DiagnosticList; the caller decides where
 * they go (stderr, JSON, the journal).
 */

#include <stdbool.h>
#include <stdio.h>

#include "macro.h"

/* Past this many errors in one list, further errors are dropped and one
 * last "too many errors" entry says so: a garbage input must not produce
 * megabytes of output. */
#define DIAGNOSTIC_MAX_ERRORS 50U

typedef enum DiagnosticLevel {
        DIAGNOSTIC_ERROR,
        DIAGNOSTIC_WARNING,
} DiagnosticLevel;

typedef struct Diagnostic {
        DiagnosticLevel level;
        char *file;    /* as given by the caller, e.g. the path on the command line */
        unsigned line; /* 1-based; 0 when the message is about the whole file */
        unsigned column;
        char *message;
        char *hint; /* NULL when there is no obvious fix */
} Diagnostic;

typedef struct DiagnosticList {
        Diagnostic *items;
        size_t n_items, allocated;
        size_t n_errors, n_warnings;
        bool truncated; /* errors were dropped past DIAGNOSTIC_MAX_ERRORS */
} DiagnosticList;

#define DIAGNOSTIC_LIST_INIT ((DiagnosticList){})

const char *diagnostic_level_to_string(DiagnosticLevel level);

/* hint may be NULL. Returns 0, or -ENOMEM. */
int diagnostic_list_add(DiagnosticList *l, DiagnosticLevel level, const char *file, unsigned line,
                        unsigned column, const char *hint, const char *format, ...) _printf_(7, 8);
int diagnostic_list_addv(DiagnosticList *l, DiagnosticLevel level, const char *file, unsigned line,
                         unsigned column, const char *hint, const char *format, va_list ap)
        _printf_(7, 0);

/* Frees what the list holds and leaves it empty. */
void diagnostic_list_clear(DiagnosticList *l);

static inline bool diagnostic_list_has_errors(const DiagnosticList *l) {
        return l->n_errors > 0;
}

/* "FILE:LINE:COL: error: message; hint" without a newline. */
int diagnostic_format(const Diagnostic *d, char **ret);

/* One line per diagnostic, in the order they were added. */
int diagnostic_list_write(const DiagnosticList *l, FILE *f);
