/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl validate FILE...: parse, check and compile policy files offline,
 * without the daemon. Diagnostics go to stderr as FILE:LINE:COL: lines (or
 * to stdout as one JSON array with -o json), a verdict per file to stdout.
 * Exit 0 when every file is valid, 1 when any is not, 2 on usage errors.
 */
#include <getopt.h>
#include <jansson.h>

#include "diagnostic.h"
#include "macro.h"
#include "policy-compile.h"
#include "policy.h"
#include "tetractl.h"

typedef struct FileResult {
        const char *path;
        DiagnosticList diags;
        PolicyFile *file;
} FileResult;

static void file_results_free(FileResult *results, size_t n) {
        for (size_t i = 0; i < n; i++) {
                diagnostic_list_clear(&results[i].diags);
                policy_file_free(results[i].file);
        }
        free(results);
}

static int validate_one(FileResult *res) {
        int r;

        r = policy_parse_file(res->path, &res->diags, &res->file);
        if (r < 0) {
                /* Not a policy problem but the file's: still a verdict, never a crash. */
                r = diagnostic_list_add(&res->diags, DIAGNOSTIC_ERROR, res->path, 0, 0, NULL,
                                        "cannot read the file: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; res->file && i < res->file->n_policies; i++) {
                _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;

                r = policy_compile(&res->file->policies[i], &res->diags, &c);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

/* Cross-file checks report into a shared list: hand each entry to its file. */
static int check_across_files(FileResult *results, size_t n) {
        _cleanup_free_ PolicyFile **files = NULL;
        DiagnosticList shared = DIAGNOSTIC_LIST_INIT;
        int r;

        files = calloc(n, sizeof(PolicyFile *));
        if (!files)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                files[i] = results[i].file;
        r = policy_check_duplicate_names(files, n, &shared);
        for (size_t i = 0; r >= 0 && i < shared.n_items; i++) {
                const Diagnostic *d = &shared.items[i];

                /* The later file is the one in the wrong (the same path may be given twice). */
                for (size_t j = n; j-- > 0;)
                        if (results[j].file && streq(results[j].file->path, d->file)) {
                                r = diagnostic_list_add(&results[j].diags, d->level, d->file,
                                                        d->line, d->column, d->hint, "%s",
                                                        d->message);
                                break;
                        }
        }
        diagnostic_list_clear(&shared);
        return r;
}

static void print_verdict(const FileResult *res) {
        const DiagnosticList *l = &res->diags;

        if (l->n_errors > 0)
                printf("%s: invalid (%zu error%s%s", res->path, l->n_errors,
                       l->n_errors == 1 ? "" : "s", l->n_warnings > 0 ? ", " : ")\n");
        else
                printf("%s: valid%s", res->path, l->n_warnings > 0 ? " (" : "\n");
        if (l->n_warnings > 0)
                printf("%zu warning%s)\n", l->n_warnings, l->n_warnings == 1 ? "" : "s");
}

static int print_json(const FileResult *results, size_t n) {
        json_t *array = json_array();
        int r = 0;

        if (!array)
                return -ENOMEM;
        for (size_t i = 0; i < n && r == 0; i++)
                for (size_t j = 0; j < results[i].diags.n_items; j++) {
                        const Diagnostic *d = &results[i].diags.items[j];
                        json_t *o;

                        o = json_pack("{s:s, s:I, s:I, s:s, s:s}", "file", d->file, "line",
                                      (json_int_t) d->line, "column", (json_int_t) d->column,
                                      "severity", diagnostic_level_to_string(d->level), "message",
                                      d->message);
                        if (!o ||
                            (d->hint && json_object_set_new(o, "hint", json_string(d->hint)) < 0) ||
                            json_array_append_new(array, o) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                }
        if (r == 0 && json_dumpf(array, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
                r = -EIO;
        if (r == 0)
                fputc('\n', stdout);
        json_decref(array);
        return r;
}

static void validate_help(void) {
        printf("Usage: tetractl validate [-o json] FILE...\n\n"
               "Check TracingPolicy files without the daemon. Exit status: 0 when every\n"
               "file is valid, 1 when any is not, 2 on usage errors.\n");
}

int verb_validate(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                {},
        };
        FileResult *results;
        OutputFormat output = arg.output;
        size_t n;
        bool all_valid = true;
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        validate_help();
                        return EXIT_OK;
                case 'o':
                        if (streq(optarg, "json"))
                                output = OUTPUT_JSON;
                        else if (streq(optarg, "text"))
                                output = OUTPUT_TEXT;
                        else {
                                fprintf(stderr,
                                        "Unknown output format for validate: %s (text or json)\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        if (optind >= argc) {
                fprintf(stderr, "validate needs at least one FILE. Usage: tetractl validate [-o "
                                "json] FILE...\n");
                return EXIT_USAGE;
        }

        n = (size_t) (argc - optind);
        results = calloc(n, sizeof(FileResult));
        if (!results) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_FAILED;
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                results[i].path = argv[optind + (int) i];
                r = validate_one(&results[i]);
        }
        if (r >= 0)
                r = check_across_files(results, n);
        if (r < 0) {
                fprintf(stderr, "Failed to validate: %s\n", strerror(-r));
                file_results_free(results, n);
                return EXIT_FAILED;
        }

        for (size_t i = 0; i < n; i++) {
                if (diagnostic_list_has_errors(&results[i].diags))
                        all_valid = false;
                if (output == OUTPUT_JSON)
                        continue;
                fflush(stdout);
                (void) diagnostic_list_write(&results[i].diags, stderr);
                fflush(stderr);
                print_verdict(&results[i]);
        }
        if (output == OUTPUT_JSON && print_json(results, n) < 0) {
                fprintf(stderr, "Failed to write JSON.\n");
                all_valid = false;
        }
        fflush(stdout);
        file_results_free(results, n);
        return all_valid ? EXIT_OK : EXIT_FAILED;
}
