/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl validate FILE...: parse, check and compile policy files offline,
 * without the daemon. Diagnostics go to stderr as FILE:LINE:COL: lines (or
 * to stdout as one JSON array with -o json), a verdict per file to stdout.
 * Exit 0 when every file is valid, 1 when any is not, 2 on usage errors.
 * With --kernel, also what this kernel would do with each hook: the daemon's
 * own planning stage on the same facts (kernel-facts.h: features probed here,
 * the kernel's BTF, ftrace's functions, tracepoints and binaries), so the
 * verdict is the daemon's; a policy that cannot load here makes the exit
 * status 1 too. Probing loads programs, so --kernel needs root: without it,
 * validate says so instead of planning with nothing.
 */
#include <getopt.h>
#include <jansson.h>
#include <unistd.h>

#include "diagnostic.h"
#include "kernel-facts.h"
#include "macro.h"
#include "policy-check.h"
#include "policy-compile.h"
#include "policy-plan.h"
#include "policy.h"
#include "tetractl.h"

typedef struct FileResult {
        const char *path;
        DiagnosticList diags;
        PolicyFile *file;
        json_t *kernel; /* --kernel: per policy, its plan on this kernel or why none */
} FileResult;

static void file_results_free(FileResult *results, size_t n) {
        for (size_t i = 0; i < n; i++) {
                diagnostic_list_clear(&results[i].diags);
                policy_file_free(results[i].file);
                json_decref(results[i].kernel);
        }
        free(results);
}

/* What the engine would do with one compiled policy on this kernel. */
static int plan_one(const CompiledPolicy *c, KernelFacts *facts, const EngineCapabilities *caps,
                    json_t *into) {
        _cleanup_(policy_plan_freep) PolicyPlan *plan = NULL;
        _cleanup_free_ char *why = NULL;
        json_t *o, *hooks;
        int r;

        r = policy_plan_build(c, caps, &plan, &why);
        /* Then what the engine checks before it writes anything: the same sentence. */
        if (r >= 0)
                r = kernel_facts_check_plan(facts, plan, &why);
        if (r == -ENOMEM)
                return r;
        o = json_pack("{s:s, s:b}", "policy", c->name, "loadable", r >= 0);
        if (!o || json_array_append_new(into, o) < 0)
                return -ENOMEM;
        if (r < 0)
                return json_object_set_new(o, "error", json_string(why)) < 0 ? -ENOMEM : 0;

        hooks = json_array();
        if (!hooks || json_object_set_new(o, "hooks", hooks) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_hooks; i++)
                if (json_array_append_new(hooks,
                                          json_pack("{s:s, s:s}", "hook", plan->hooks[i].name,
                                                    "mechanism", plan->hooks[i].status)) < 0)
                        return -ENOMEM;
        return 0;
}

static int validate_one(FileResult *res, KernelFacts *facts, const EngineCapabilities *caps) {
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
                if (r < 0 || !caps)
                        continue;
                if (!res->kernel && !(res->kernel = json_array()))
                        return -ENOMEM;
                r = plan_one(c, facts, caps, res->kernel);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* metadata.name is unique across the files given: a later file is the one in the wrong. */
static int check_across_files(FileResult *results, size_t n) {
        _cleanup_free_ PolicyNameUse *taken = NULL;
        size_t n_taken = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                r = policy_check_unique_names(results[i].file, taken, n_taken, &results[i].diags);
                if (r < 0 && r != -EINVAL)
                        return r;
                r = policy_check_add_name_uses(results[i].file, &taken, &n_taken);
                if (r < 0)
                        return r;
        }
        return 0;
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

static void print_kernel_plans(const FileResult *res) {
        size_t i, j;
        json_t *p, *h;

        json_array_foreach(res->kernel, i, p) {
                const char *name = json_string_value(json_object_get(p, "policy"));

                if (!json_is_true(json_object_get(p, "loadable"))) {
                        printf("%s: policy %s cannot load on this kernel: %s\n", res->path, name,
                               json_string_value(json_object_get(p, "error")));
                        continue;
                }
                json_array_foreach(json_object_get(p, "hooks"), j, h)
                        printf("%s: policy %s: %s: %s\n", res->path, name,
                               json_string_value(json_object_get(h, "hook")),
                               json_string_value(json_object_get(h, "mechanism")));
        }
}

static bool all_plans_loadable(const FileResult *res) {
        size_t i;
        json_t *p;

        json_array_foreach(res->kernel, i,
                           p) if (!json_is_true(json_object_get(p, "loadable"))) return false;
        return true;
}

/* -o json: one line, {"valid": B, "files": [{"file", "valid", "errors", "warnings",
 * "diagnostics": [...], "kernel": [plans] or null without --kernel}]}: a verdict per file
 * even when it is valid, every key always there. */
static int print_json(const FileResult *results, size_t n, bool with_kernel) {
        json_t *top, *files = json_array();
        bool all_valid = true;
        int r = 0;

        if (!files)
                return -ENOMEM;
        for (size_t i = 0; i < n && r == 0; i++) {
                const FileResult *res = &results[i];
                bool valid = !diagnostic_list_has_errors(&res->diags) && all_plans_loadable(res);
                json_t *diags = json_array(), *kernel = NULL, *f;

                all_valid = all_valid && valid;
                if (with_kernel)
                        kernel = res->kernel ? json_incref(res->kernel) : json_array();
                f = json_pack("{s:s, s:b, s:I, s:I, s:o, s:o?}", "file", res->path, "valid", valid,
                              "errors", (json_int_t) res->diags.n_errors, "warnings",
                              (json_int_t) res->diags.n_warnings, "diagnostics", diags, "kernel",
                              kernel);
                if (!f || json_array_append_new(files, f) < 0) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t j = 0; j < res->diags.n_items; j++) {
                        const Diagnostic *d = &res->diags.items[j];
                        json_t *o;

                        o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s?}", "file", d->file, "line",
                                      (json_int_t) d->line, "column", (json_int_t) d->column,
                                      "severity", diagnostic_level_to_string(d->level), "message",
                                      d->message, "hint", d->hint);
                        if (!o || json_array_append_new(diags, o) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                }
        }
        top = json_pack("{s:b, s:o}", "valid", all_valid, "files", files);
        if (!top)
                return -ENOMEM;
        if (r == 0 && json_dumpf(top, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
                r = -EIO;
        if (r == 0)
                fputc('\n', stdout);
        json_decref(top);
        return r;
}

static void validate_help(void) {
        printf("Usage: tetractl validate [-o json] [--kernel] FILE...\n\n"
               "Check TracingPolicy files without the daemon. Exit status: 0 when every\n"
               "file is valid, 1 when any is not, 2 on usage errors.\n\n"
               "  --kernel   Also say, per hook, which mechanism this kernel would use, or\n"
               "             why none can: the daemon's verdict, from the same facts. Probes\n"
               "             the kernel: needs root. A policy that cannot load here counts\n"
               "             as a failure.\n");
}

int verb_validate(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "kernel", no_argument, NULL, 'k' },
                {},
        };
        _cleanup_(kernel_facts_freep) KernelFacts *facts = NULL;
        EngineCapabilities caps;
        bool with_kernel = false;
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
                case 'k':
                        with_kernel = true;
                        break;
                case 'o':
                        if (output_parse(optarg, "validate", OUTPUT_TEXT_OR_JSON, &output) < 0)
                                return EXIT_USAGE;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        if (optind >= argc) {
                fprintf(stderr, "tetractl: wrong number of arguments for validate. Usage: tetractl "
                                "validate [-o json] [--kernel] FILE...\n");
                return EXIT_USAGE;
        }

        if (with_kernel) {
                /* Unprivileged, every probe fails and every policy would look refused. */
                if (geteuid() != 0) {
                        fprintf(stderr, "tetractl: validate --kernel needs root: it loads test "
                                        "programs to learn what this kernel offers. Run it as "
                                        "root, or without --kernel to check the files only.\n");
                        return EXIT_FAILED;
                }
                r = kernel_facts_new(&facts);
                if (r < 0) {
                        fprintf(stderr, "tetractl: failed to probe the kernel: %s\n", strerror(-r));
                        return EXIT_FAILED;
                }
                kernel_facts_capabilities(facts, 0, &caps);
        }

        n = (size_t) (argc - optind);
        results = calloc(n, sizeof(FileResult));
        if (!results) {
                fprintf(stderr, "tetractl: out of memory.\n");
                return EXIT_FAILED;
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                results[i].path = argv[optind + (int) i];
                r = validate_one(&results[i], facts, with_kernel ? &caps : NULL);
        }
        if (r >= 0)
                r = check_across_files(results, n);
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to validate: %s\n", strerror(-r));
                file_results_free(results, n);
                return EXIT_FAILED;
        }

        for (size_t i = 0; i < n; i++) {
                if (diagnostic_list_has_errors(&results[i].diags) ||
                    !all_plans_loadable(&results[i]))
                        all_valid = false;
                if (output == OUTPUT_JSON)
                        continue;
                fflush(stdout);
                (void) diagnostic_list_write(&results[i].diags, stderr);
                fflush(stderr);
                print_verdict(&results[i]);
                if (results[i].kernel)
                        print_kernel_plans(&results[i]);
        }
        if (output == OUTPUT_JSON && print_json(results, n, with_kernel) < 0) {
                fprintf(stderr, "tetractl: failed to write JSON.\n");
                all_valid = false;
        }
        fflush(stdout);
        file_results_free(results, n);
        return all_valid ? EXIT_OK : EXIT_FAILED;
}
