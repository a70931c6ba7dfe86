/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every policy of the real-world corpus (../shared/corpus next to the source
 * tree: Tetragon's own examples) through the engine on this kernel: parsed,
 * compiled, installed and uninstalled. Each must either install or be
 * refused with a reason (the parser's or the engine's); a refusal without a
 * sentence, or any other failure, fails the test. Prints the table.
 * Needs root (exit 77 otherwise) and the corpus (exit 77 when absent).
 *
 * With --as-validate, prints instead the lines `tetractl validate --kernel`
 * prints for the same policies ("FILE: policy NAME: HOOK: MECHANISM", or
 * "FILE: policy NAME cannot load on this kernel: WHY"), FILE relative to the
 * corpus, so that tests/lib/validate-agrees.sh can compare the two verdicts.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader-sensor.h"
#include "policy-compile.h"
#include "policy-engine.h"
#include "system-setup.h"

#define EXIT_SKIP 77

static char **files;
static size_t n_files;
static bool as_validate;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        char **grown;

        if (type != FTW_F || (!endswith(path, ".yaml") && !endswith(path, ".yml")))
                return 0;
        grown = reallocarray(files, n_files + 1, sizeof(char *));
        if (!grown)
                return -1;
        files = grown;
        files[n_files] = strdup(path);
        return files[n_files++] ? 0 : -1;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct Counts {
        unsigned installed, refused, invalid, failed;
} Counts;

/* The first error of the parser or compiler, as one line. */
static char *first_error(const DiagnosticList *diags) {
        char *line = NULL;

        for (size_t i = 0; i < diags->n_items; i++)
                if (diags->items[i].level == DIAGNOSTIC_ERROR) {
                        if (asprintf(&line, "%u:%u: %s", diags->items[i].line,
                                     diags->items[i].column, diags->items[i].message) < 0)
                                return NULL;
                        return line;
                }
        return strdup("(no error message)");
}

static void print_row(const char *file, const char *policy, const char *verdict,
                      const char *detail) {
        if (as_validate)
                return;
        printf("%-56s %-28s %-9s %s\n", file, policy, verdict, detail);
}

/* Mechanisms of an installed policy, "fd_install=none sys_write=tp_btf/sys_enter". */
static char *hooks_summary(PolicyBackend *b, PolicyInstallation *i) {
        PolicyHookStatus *hooks = NULL;
        char *out = NULL;
        size_t n = 0, len = 0;
        FILE *f;

        f = open_memstream(&out, &len);
        if (!f)
                return NULL;
        if (b->get_hooks(b->userdata, i, &hooks, &n) == 0)
                for (size_t k = 0; k < n; k++) {
                        const char *name = strchr(hooks[k].hook, ' ');
                        size_t m = strcspn(hooks[k].mechanism, ":");

                        fprintf(f, "%s%s=%.*s", k > 0 ? " " : "", name ? name + 1 : hooks[k].hook,
                                (int) m, hooks[k].mechanism);
                }
        policy_hook_status_free_many(hooks, n);
        fclose(f);
        return out;
}

/* What tetractl validate --kernel prints for the policy, from the engine's verdict. */
static void print_as_validate(PolicyBackend *b, PolicyInstallation *i, int r, const char *error,
                              const char *shown, const char *name) {
        PolicyHookStatus *hooks = NULL;
        size_t n = 0;

        if (r == 0 && b->get_hooks(b->userdata, i, &hooks, &n) == 0)
                for (size_t k = 0; k < n; k++)
                        printf("%s: policy %s: %s: %s\n", shown, name, hooks[k].hook,
                               hooks[k].mechanism);
        else if ((r == -EOPNOTSUPP || r == -ENOENT) && error && *error)
                printf("%s: policy %s cannot load on this kernel: %s\n", shown, name, error);
        else
                printf("%s: policy %s FAILED: %s\n", shown, name, error ? error : strerror(-r));
        policy_hook_status_free_many(hooks, n);
}

static void load_file(PolicyBackend *b, const char *path, const char *shown, Counts *c) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        int r;

        r = policy_parse_file(path, &diags, &file);
        if (r < 0 || !file) {
                _cleanup_free_ char *why = r < 0 ? strdup(strerror(-r)) : first_error(&diags);

                print_row(shown, "-", "invalid", strempty(why));
                if (r < 0)
                        c->failed++;
                else
                        c->invalid++;
                return;
        }
        for (size_t d = 0; d < file->n_policies; d++) {
                _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
                _cleanup_free_ char *error = NULL, *summary = NULL;
                const char *name = strempty(file->policies[d].name);
                PolicyInstallation *i = NULL;

                r = policy_compile(&file->policies[d], &diags, &compiled);
                if (r < 0) {
                        _cleanup_free_ char *why = first_error(&diags);

                        print_row(shown, name, "invalid", strempty(why));
                        c->invalid++;
                        continue;
                }
                r = b->install(b->userdata, compiled, POLICY_MODE_ENFORCE, &i, &error);
                if (as_validate)
                        print_as_validate(b, i, r, error, shown, compiled->name);
                if (r == 0) {
                        summary = hooks_summary(b, i);
                        print_row(shown, name, "installed", strempty(summary));
                        b->uninstall(b->userdata, i);
                        c->installed++;
                } else if ((r == -EOPNOTSUPP || r == -ENOENT) && error && *error) {
                        /* Something the kernel cannot do, or what the policy hooks (a
                         * binary, a symbol) is not on this host. */
                        print_row(shown, name, "refused", error);
                        c->refused++;
                } else {
                        print_row(shown, name, "FAILED", error ? error : strerror(-r));
                        c->failed++;
                }
        }
}

/* Nothing runs the event loop: no mapping is ever handed over. */
static void on_loader_record(const LoaderRecord *record, void *userdata) {
}

int main(int argc, char *argv[]) {
        /* Freed in reverse order: the engine (which releases the sensor) first. */
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(loader_sensor_freep) LoaderSensor *loader = NULL;
        _cleanup_(policy_engine_freep) PolicyEngine *engine = NULL;
        const char *srcdir = getenv("top_srcdir");
        char corpus[PATH_MAX];
        PolicyBackend backend;
        Counts c = {};
        int r;

        as_validate = argc > 1 && streq(argv[1], "--as-validate");
        /* A row per line: what was printed survives a test bound that kills the run. */
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (geteuid() != 0) {
                printf("SKIP: needs root to load BPF programs\n");
                return EXIT_SKIP;
        }
        /* Tracepoint policies need tracefs, mounted as the daemon mounts it. */
        if (system_setup_check() < 0)
                return EXIT_FAILURE;
        snprintf(corpus, sizeof(corpus), "%s/../shared/corpus", srcdir ? srcdir : ".");
        if (access(corpus, R_OK) < 0) {
                printf("SKIP: no policy corpus at %s\n", corpus);
                return EXIT_SKIP;
        }
        if (nftw(corpus, collect, 16, FTW_PHYS) < 0 || n_files == 0) {
                printf("FAIL: no policy files under %s\n", corpus);
                return EXIT_FAILURE;
        }
        qsort(files, n_files, sizeof(char *), compare);

        /* spec.loader policies hold a loader sensor, as in the daemon (nothing reads it). */
        r = sd_event_default(&event);
        if (r >= 0)
                r = loader_sensor_new(&loader, event, 0, getpid(), on_loader_record, NULL, NULL);
        if (r < 0) {
                printf("FAIL: no loader sensor: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = policy_engine_new(&engine, &(PolicyEngineConfig){ .loader_sensor = loader });
        if (r < 0) {
                printf("FAIL: the engine does not load: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        policy_engine_get_backend(engine, &backend);

        if (!as_validate)
                print_row("FILE", "POLICY", "VERDICT", "MECHANISMS, OR WHY NOT");
        for (size_t k = 0; k < n_files; k++) {
                load_file(&backend, files[k], files[k] + strlen(corpus) + 1, &c);
                free(files[k]);
        }
        free(files);

        fprintf(as_validate ? stderr : stdout,
                "\n%u installed, %u refused with a reason, %u invalid (parser), %u failed\n",
                c.installed, c.refused, c.invalid, c.failed);
        if (policy_engine_is_attached(engine)) {
                printf("FAIL: the engine is still attached after every policy was uninstalled\n");
                return EXIT_FAILURE;
        }
        return c.failed > 0 || c.installed == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
