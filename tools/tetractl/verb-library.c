/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl library list|show|enable: the policy library (conf/library/, installed under
 * $(datadir)/tetragond/library, see tetragond-library(7)). A library file is a policy with
 * parameters: its header says
 *
 *   # summary: one line
 *   # param NAME: what it is            (required)
 *   # param NAME=DEFAULT: what it is    (optional)
 *
 * and its body holds @NAME@ inside flow sequences ("values: [@FILE@]"). enable replaces each
 * with the value given as NAME=VALUE, a comma-separated list, each item a quoted YAML string,
 * checks the result as validate does, and adds it through the daemon (AddPolicy), so the policy
 * folder stays the one place that says what is in force; --print writes it to stdout instead.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>

#include "bus.h"
#include "diagnostic.h"
#include "file-util.h"
#include "macro.h"
#include "policy-check.h"
#include "policy-compile.h"
#include "policy.h"
#include "tetractl.h"

#define LIBRARY_MAX_PARAMS 8

typedef struct LibraryParam {
        char *name;
        char *default_value; /* NULL: required */
        char *description;
        const char *value; /* given on the command line, or NULL */
} LibraryParam;

typedef struct LibraryEntry {
        char *name;
        char *path;
        char *text;
        char *summary;
        LibraryParam params[LIBRARY_MAX_PARAMS];
        size_t n_params;
} LibraryEntry;

static const char *library_dir(void) {
        /* For tests and uninstalled trees: the source's conf/library. */
        return getenv("TETRAGOND_LIBRARY_DIR") ?: LIBRARY_DIR;
}

static LibraryEntry *library_entry_free(LibraryEntry *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_params; i++) {
                free(e->params[i].name);
                free(e->params[i].default_value);
                free(e->params[i].description);
        }
        free(e->name);
        free(e->path);
        free(e->text);
        free(e->summary);
        free(e);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(LibraryEntry *, library_entry_free);

/* "# param NAME[=DEFAULT]: DESCRIPTION" */
static int parse_param(LibraryEntry *e, const char *line, size_t len) {
        _cleanup_free_ char *copy = strndup(line, len);
        LibraryParam *p;
        char *colon, *eq;

        if (!copy)
                return -ENOMEM;
        if (e->n_params >= LIBRARY_MAX_PARAMS)
                return -E2BIG;
        colon = strstr(copy, ": ");
        if (!colon)
                return -EBADMSG;
        *colon = '\0';
        eq = strchr(copy, '=');
        if (eq)
                *eq = '\0';
        p = &e->params[e->n_params];
        p->name = strdup(copy);
        p->default_value = eq ? strdup(eq + 1) : NULL;
        p->description = strdup(colon + 2);
        if (!p->name || (eq && !p->default_value) || !p->description)
                return -ENOMEM;
        e->n_params++;
        return 0;
}

static int library_entry_load(const char *name, LibraryEntry **ret) {
        _cleanup_(library_entry_freep) LibraryEntry *e = NULL;
        size_t size;
        int r;

        if (!policy_check_name(name))
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e || !(e->name = strdup(name)) ||
            asprintf(&e->path, "%s/%s.yaml", library_dir(), name) < 0)
                return -ENOMEM;
        {
                _cleanup_close_ int fd = open(e->path, O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                r = read_full_fd(fd, 1024 * 1024, &e->text, &size);
                if (r < 0)
                        return r;
        }
        /* The header: the leading comment lines. */
        for (const char *line = e->text; *line == '#';) {
                const char *end = strchrnul(line, '\n'), *rest;

                if ((rest = startswith(line, "# summary: ")) && !e->summary) {
                        e->summary = strndup(rest, (size_t) (end - rest));
                        if (!e->summary)
                                return -ENOMEM;
                } else if ((rest = startswith(line, "# param "))) {
                        r = parse_param(e, rest, (size_t) (end - rest));
                        if (r < 0)
                                return r;
                }
                if (!*end)
                        break;
                line = end + 1;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

static int report_load_error(const char *name, int r) {
        if (r == -EINVAL)
                fprintf(stderr, "tetractl: invalid library policy name \"%s\".\n", name);
        else if (r == -ENOENT)
                fprintf(stderr,
                        "tetractl: no library policy %s in %s ('tetractl library list' shows "
                        "them).\n",
                        name, library_dir());
        else
                fprintf(stderr, "tetractl: failed to read library policy %s: %s\n", name,
                        r == -EBADMSG ? "a malformed '# param' line" : strerror(-r));
        return r == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int library_list(void) {
        _cleanup_(closedirp) DIR *d = opendir(library_dir());
        json_t *list = NULL;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        int status = EXIT_OK;

        if (!d) {
                fprintf(stderr, "tetractl: cannot open the library %s: %s\n", library_dir(),
                        strerror(errno));
                return EXIT_FAILED;
        }
        while ((de = readdir(d))) {
                const char *dot = strrchr(de->d_name, '.');
                char **grown;

                if (!dot || !streq(dot, ".yaml"))
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown)
                        break;
                names = grown;
                names[n] = strndup(de->d_name, (size_t) (dot - de->d_name));
                if (names[n])
                        n++;
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), compare_names);
        if (arg.output == OUTPUT_JSON)
                list = json_array();
        for (size_t i = 0; i < n; i++) {
                _cleanup_(library_entry_freep) LibraryEntry *e = NULL;
                int r = library_entry_load(names[i], &e);

                if (r < 0) {
                        status = report_load_error(names[i], r);
                        continue;
                }
                if (list) {
                        json_t *params = json_array();

                        for (size_t j = 0; j < e->n_params; j++)
                                json_array_append_new(
                                        params,
                                        json_pack("{s:s, s:s?, s:s}", "name", e->params[j].name,
                                                  "default", e->params[j].default_value,
                                                  "description", e->params[j].description));
                        json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:o}", "name",
                                                              e->name, "summary", e->summary,
                                                              "file", e->path, "params", params));
                } else {
                        printf("%-24s %s\n", e->name, e->summary ?: "");
                }
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        if (list)
                print_json(list);
        return status;
}

/* One flow-sequence body: "a", "b" from a,b, each item a double-quoted YAML string. */
static int append_items(FILE *out, const char *value) {
        bool first = true;

        for (const char *item = value;;) {
                const char *end = strchrnul(item, ',');

                if (end == item) /* an empty item: a stray comma */
                        return -EINVAL;
                fputs(first ? "\"" : ", \"", out);
                for (const char *c = item; c < end; c++) {
                        if (*c == '\n' || *c == '\r')
                                return -EINVAL;
                        if (*c == '"' || *c == '\\')
                                fputc('\\', out);
                        fputc(*c, out);
                }
                fputc('"', out);
                first = false;
                if (!*end)
                        return 0;
                item = end + 1;
        }
}

static LibraryParam *find_param(LibraryEntry *e, const char *name, size_t len) {
        for (size_t i = 0; i < e->n_params; i++)
                if (strlen(e->params[i].name) == len && strncmp(e->params[i].name, name, len) == 0)
                        return &e->params[i];
        return NULL;
}

/* The library text with every @PARAM@ replaced; the header's comments stay as they are. */
static int instantiate(LibraryEntry *e, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        const char *p = e->text;
        int r = 0;

        if (!out)
                return -ENOMEM;
        while (*p && r == 0) {
                const char *at = strchr(p, '@'), *close;
                LibraryParam *param;

                if (!at) {
                        fputs(p, out);
                        break;
                }
                fwrite(p, 1, (size_t) (at - p), out);
                close = strchr(at + 1, '@');
                param = close ? find_param(e, at + 1, (size_t) (close - at - 1)) : NULL;
                if (!param) {
                        fputc('@', out);
                        p = at + 1;
                        continue;
                }
                r = append_items(out, param->value ?: param->default_value);
                p = close + 1;
        }
        if (fclose(out) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* What validate says of the result: the library's own text is right, the values may not be. */
static int check_instance(const LibraryEntry *e, const char *text) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = {};
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        int r;

        r = policy_parse_buffer(e->path, text, strlen(text), &diags, &file);
        for (size_t i = 0; r >= 0 && file && i < file->n_policies; i++) {
                _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;

                (void) policy_compile(&file->policies[i], &diags, &c);
        }
        if (r == -ENOMEM)
                return r;
        for (size_t i = 0; i < diags.n_items; i++) {
                const Diagnostic *d = &diags.items[i];

                if (d->level == DIAGNOSTIC_ERROR)
                        fprintf(stderr, "%s (with the values given):%u:%u: error: %s\n", e->path,
                                d->line, d->column, d->message);
        }
        return diagnostic_list_has_errors(&diags) ? -EINVAL : 0;
}

static int library_enable(int argc, char *argv[], bool print, bool replace) {
        _cleanup_(library_entry_freep) LibraryEntry *e = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = library_entry_load(argv[0], &e);
        if (r < 0)
                return report_load_error(argv[0], r);
        for (int i = 1; i < argc; i++) {
                const char *eq = strchr(argv[i], '=');
                LibraryParam *param = eq ? find_param(e, argv[i], (size_t) (eq - argv[i])) : NULL;

                if (!param) {
                        fprintf(stderr,
                                "tetractl: %s is not a parameter of %s, as PARAM=VALUE "
                                "('tetractl library show %s' lists them).\n",
                                argv[i], e->name, e->name);
                        return EXIT_USAGE;
                }
                param->value = eq + 1;
        }
        for (size_t i = 0; i < e->n_params; i++)
                if (!e->params[i].value && !e->params[i].default_value) {
                        fprintf(stderr, "tetractl: %s needs %s=VALUE: %s.\n", e->name,
                                e->params[i].name, e->params[i].description);
                        return EXIT_USAGE;
                }
        r = instantiate(e, &text);
        if (r == -EINVAL) {
                fprintf(stderr, "tetractl: a value is empty, has an empty item or a line break.\n");
                return EXIT_USAGE;
        }
        if (r < 0)
                return bus_report_error(NULL, r);
        r = check_instance(e, text);
        if (r == -ENOMEM)
                return bus_report_error(NULL, r);
        if (r < 0)
                return EXIT_FAILED;
        if (print) {
                fputs(text, stdout);
                return EXIT_OK;
        }
        return policy_add_text(e->name, text, replace, e->path);
}

int verb_library(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "print", no_argument, NULL, 'p' },
                { "replace", no_argument, NULL, 'r' },
                {},
        };
        static const char usage[] =
                "library list [-o json] | show NAME | enable [--print] [--replace] NAME "
                "[PARAM=VALUE...]";
        _cleanup_(library_entry_freep) LibraryEntry *e = NULL;
        bool print = false, replace = false;
        const char *sub;
        int r, c;

        while ((c = getopt_long(argc, argv, "ho:pr", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: tetractl %s\n", usage);
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, argv[0], OUTPUT_TEXT_OR_JSON, &arg.output) < 0)
                                return EXIT_USAGE;
                        break;
                case 'p':
                        print = true;
                        break;
                case 'r':
                        replace = true;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        sub = optind < argc ? argv[optind] : "list";
        if (streq(sub, "list") && argc - optind <= 1)
                return library_list();
        if (streq(sub, "show") && argc - optind == 2) {
                r = library_entry_load(argv[optind + 1], &e);
                if (r < 0)
                        return report_load_error(argv[optind + 1], r);
                fputs(e->text, stdout);
                return EXIT_OK;
        }
        if (streq(sub, "enable") && argc - optind >= 2)
                return library_enable(argc - optind - 1, argv + optind + 1, print, replace);
        fprintf(stderr, "tetractl: wrong arguments for library. Usage: tetractl %s\n", usage);
        return EXIT_USAGE;
}
