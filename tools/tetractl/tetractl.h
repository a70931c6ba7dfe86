/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by tetractl's verb files: options, exit codes, the verb table type. */

#include <stdbool.h>

enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1, /* the command ran and the answer is "no" (invalid, failed) */
        EXIT_USAGE = 2,  /* wrong arguments or options */
        EXIT_NO_DAEMON = 3,
        EXIT_DENIED = 4,
};

typedef enum OutputFormat {
        OUTPUT_TEXT,
        OUTPUT_JSON,
        OUTPUT_COMPACT,
} OutputFormat;

#define OUTPUT_MASK(f) (1U << (f))
#define OUTPUT_TEXT_OR_JSON (OUTPUT_MASK(OUTPUT_TEXT) | OUTPUT_MASK(OUTPUT_JSON))
#define OUTPUT_ANY (OUTPUT_TEXT_OR_JSON | OUTPUT_MASK(OUTPUT_COMPACT))

/* -o's argument, among the formats in allowed; otherwise prints which are allowed (for verb,
 * NULL: the global option) and returns -EINVAL. */
int output_parse(const char *s, const char *verb, unsigned allowed, OutputFormat *ret);

typedef struct TetractlArgs {
        OutputFormat output;
        bool no_pager;  /* --no-pager */
        bool no_legend; /* --no-legend: tables without header and footer */
} TetractlArgs;

extern TetractlArgs arg;

typedef struct Verb {
        const char *name;
        int min_args, max_args; /* counting the verb itself; max 0: unlimited */
        int (*run)(int argc, char *argv[]);
        const char *help;
        const char *usage; /* "show [--source] [-o json] NAME", as the verb's --help says */
} Verb;

/* Verbs implemented in their own files. */
int verb_validate(int argc, char *argv[]); /* verb-validate.c */
int verb_status(int argc, char *argv[]);   /* verb-status.c */
int verb_probe(int argc, char *argv[]);
int verb_list(int argc, char *argv[]); /* verb-policy.c */
int verb_show(int argc, char *argv[]);
int verb_reload(int argc, char *argv[]);
int verb_add(int argc, char *argv[]);
int verb_remove(int argc, char *argv[]);
int verb_enable(int argc, char *argv[]);
int verb_disable(int argc, char *argv[]);
int verb_mode(int argc, char *argv[]);
int policy_add_text(const char *name, const char *text, bool replace, const char *source);
int verb_library(int argc, char *argv[]);   /* verb-library.c */
int verb_getevents(int argc, char *argv[]); /* verb-getevents.c */
int verb_metrics(int argc, char *argv[]);   /* verb-metrics.c */
int verb_lockdown(int argc, char *argv[]);  /* verb-lockdown.c */
