/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy verbs: list, show, reload, add, remove, enable, disable, mode.
 * Each is one call to the daemon; what it answers is printed as a table (or
 * one JSON object with -o json), what it refuses is printed as it said it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <sys/stat.h>

#include "bus-api.h"
#include "bus.h"
#include "macro.h"
#include "pager.h"
#include "policy-check.h"
#include "table.h"

static int need_args(int argc, char *argv[], int n, const char *usage) {
        if (argc - optind != n) {
                fprintf(stderr, "tetractl: wrong number of arguments for %s. Usage: tetractl %s\n",
                        argv[0], usage);
                return EXIT_USAGE;
        }
        return -1;
}

/* list */

static const char *list_cell_color(size_t column, const char *cell) {
        if (column != 1)
                return NULL;
        if (streq(cell, "failed"))
                return "\x1b[1;31m";
        if (streq(cell, "disabled"))
                return "\x1b[2m";
        return NULL;
}

int verb_list(int argc, char *argv[]) {
        static const char *const headers[] = { "NAME", "STATE", "MODE", "INSTALLED", "ERROR" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *table = NULL;
        const char *name, *file, *state, *mode, *error, *path;
        json_t *list = NULL;
        int installed, r;
        size_t n = 0;

        r = verb_parse_common(argc, argv, "list [-o json]");
        if (r >= 0)
                return r;
        r = need_args(argc, argv, 0, "list [-o json]");
        if (r >= 0)
                return r;
        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "ListPolicies", &reply, NULL);
        if (r != 0)
                return r;

        if (arg.output == OUTPUT_JSON)
                list = json_array();
        else if (table_new(&table, ELEMENTSOF(headers), headers) < 0)
                return bus_report_error(NULL, -ENOMEM);
        if (table)
                table_set_cell_color(table, list_cell_color);
        r = sd_bus_message_enter_container(reply, 'a', "(ssssbso)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssbso)", &name, &file, &state, &mode,
                                                  &installed, &error, &path)) > 0) {
                char line[512];

                n++;
                if (list)
                        json_array_append_new(
                                list, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s*, s:s}", "name",
                                                name, "file", file, "state", state, "mode", mode,
                                                "installed", installed, "error",
                                                *error ? error : NULL, "object", path));
                else
                        r = table_add_row(
                                table,
                                (const char *const[]){
                                        name, state, mode, installed ? "yes" : "no",
                                        *error ? first_line(error, line, sizeof(line)) : "-" });
        }
        if (r < 0) {
                json_decref(list);
                return bus_report_error(NULL, r);
        }
        if (list) {
                print_json(list);
                return EXIT_OK;
        }
        (void) pager_open(arg.no_pager);
        table_print(table, !arg.no_legend);
        if (!arg.no_legend)
                printf("\n%zu %s listed.\n", n, n == 1 ? "policy" : "policies");
        pager_close();
        return EXIT_OK;
}

/* show */

/* An a{st} of counters into a JSON object. */
static int read_counters(sd_bus_message *m, json_t **ret) {
        json_t *counters = json_object();
        const char *s;
        uint64_t v;
        int r;

        if (!counters)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "{st}");
        while (r >= 0 && (r = sd_bus_message_read(m, "{st}", &s, &v)) > 0)
                json_object_set_new(counters, s, json_integer((json_int_t) v));
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                json_decref(counters);
                return r;
        }
        *ret = counters;
        return 0;
}

/* The policy object's KernelMemory. Returns 0, or the exit code after saying why. */
static int read_kernel_memory(sd_bus *bus, const char *name, uint64_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = sd_bus_path_encode(BUS_POLICY_PATH_PREFIX, name, &path);
        if (r < 0)
                return bus_report_error(NULL, r);
        r = sd_bus_get_property_trivial(bus, BUS_NAME, path, BUS_POLICY_INTERFACE, "KernelMemory",
                                        &error, 't', ret);
        return r < 0 ? bus_report_error(&error, r) : 0;
}

/* The policy object's Units (unitSelector, our extension) as an array of {operator, unit,
 * cgroup}, cgroup null for a unit without one now. Returns 0, or the exit code after saying
 * why. */
static int read_units(sd_bus *bus, const char *name, json_t **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *op, *unit, *cgroup;
        json_t *units;
        int r;

        r = sd_bus_path_encode(BUS_POLICY_PATH_PREFIX, name, &path);
        if (r < 0)
                return bus_report_error(NULL, r);
        r = sd_bus_get_property(bus, BUS_NAME, path, BUS_POLICY_INTERFACE, "Units", &error, &reply,
                                "a(sss)");
        if (r < 0)
                return bus_report_error(&error, r);
        units = json_array();
        if (!units)
                return bus_report_error(NULL, -ENOMEM);
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &op, &unit, &cgroup)) > 0)
                json_array_append_new(units, json_pack("{s:s, s:s, s:s*}", "operator", op, "unit",
                                                       unit, "cgroup", *cgroup ? cgroup : NULL));
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0) {
                json_decref(units);
                return bus_report_error(NULL, r);
        }
        *ret = units;
        return 0;
}

/* The policy object's SelectorCounters into the "selectors" array (one counters object per
 * selector, in order) of each element of hooks, which lists the hooks as the Hooks property
 * does. Returns 0, or the exit code after saying why. */
static int read_selector_counters(sd_bus *bus, const char *name, json_t *hooks) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *hook;
        uint32_t hook_index, selector_index;
        int r;

        r = sd_bus_path_encode(BUS_POLICY_PATH_PREFIX, name, &path);
        if (r < 0)
                return bus_report_error(NULL, r);
        r = sd_bus_get_property(bus, BUS_NAME, path, BUS_POLICY_INTERFACE, "SelectorCounters",
                                &error, &reply, "a(suua{st})");
        if (r < 0)
                return bus_report_error(&error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(suua{st})");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "suua{st}")) > 0) {
                json_t *h, *selectors, *counters = NULL;

                r = sd_bus_message_read(reply, "suu", &hook, &hook_index, &selector_index);
                if (r >= 0)
                        r = read_counters(reply, &counters);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                /* A reload between the two calls may have changed the hooks: only what
                 * still lines up is shown. */
                h = json_array_get(hooks, hook_index);
                if (!h || !streq(json_string_value(json_object_get(h, "hook")), hook)) {
                        json_decref(counters);
                        continue;
                }
                selectors = json_object_get(h, "selectors");
                if (json_array_size(selectors) != selector_index) {
                        json_decref(counters);
                        continue;
                }
                json_array_append_new(selectors, counters);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return bus_report_error(NULL, r);
        return 0;
}

static void print_counters(json_t *c) {
        printf("matched %" JSON_INTEGER_FORMAT ", posted %" JSON_INTEGER_FORMAT
               ", actions %" JSON_INTEGER_FORMAT ", rate-limited %" JSON_INTEGER_FORMAT
               ", lost %" JSON_INTEGER_FORMAT ", monitored %" JSON_INTEGER_FORMAT "\n",
               json_integer_value(json_object_get(c, "matched")),
               json_integer_value(json_object_get(c, "posted")),
               json_integer_value(json_object_get(c, "actions")),
               json_integer_value(json_object_get(c, "rate_limited")),
               json_integer_value(json_object_get(c, "lost")),
               json_integer_value(json_object_get(c, "monitored")));
}

/* Whether the daemon's hooks skip its own threads; false when it cannot say. */
static bool own_events_excluded(sd_bus *bus) {
        json_t *v = NULL;
        bool excluded;

        if (bus_get_manager_property(bus, "OwnEventsExcluded", 'b', &v) != 0)
                return false;
        excluded = json_is_true(v);
        json_decref(v);
        return excluded;
}

int verb_show(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "source", no_argument, NULL, 's' },
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *source_reply = NULL;
        const char *name, *file, *source, *state, *mode, *error, *s, *t;
        int overridden, installed, r, c;
        bool show_source = false;
        json_t *names, *hooks, *counters = NULL, *units = NULL, *j;
        uint64_t memory = 0;

        while ((c = getopt_long(argc, argv, "ho:s", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: tetractl show [--source] [-o json] NAME\n");
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, argv[0], OUTPUT_TEXT_OR_JSON, &arg.output) < 0)
                                return EXIT_USAGE;
                        break;
                case 's':
                        show_source = true;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        r = need_args(argc, argv, 1, "show [--source] [-o json] NAME");
        if (r >= 0)
                return r;

        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "GetPolicy", &reply, "s", argv[optind]);
        if (r != 0)
                return r;

        r = sd_bus_message_read(reply, "sssssbbs", &name, &file, &source, &state, &mode,
                                &overridden, &installed, &error);
        if (r < 0)
                return bus_report_error(NULL, r);
        if (show_source) {
                /* Root's files may be secrets: the daemon asks polkit, and a refusal is
                 * printed as the daemon wrote it. */
                r = bus_call_manager(bus, "GetPolicySource", &source_reply, "s", name);
                if (r != 0)
                        return r;
                r = sd_bus_message_read(source_reply, "ss", &source, &error);
                if (r < 0)
                        return bus_report_error(NULL, r);
        }
        names = json_array();
        hooks = json_array();
        if (!names || !hooks) {
                json_decref(names);
                json_decref(hooks);
                return EXIT_FAILED;
        }
        r = sd_bus_message_enter_container(reply, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &s)) > 0)
                json_array_append_new(names, json_string(s));
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &s, &t)) > 0)
                json_array_append_new(hooks, json_pack("{s:s, s:s, s:[]}", "hook", s, "mechanism",
                                                       t, "selectors"));
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = read_counters(reply, &counters);
        if (r < 0) {
                json_decref(names);
                json_decref(hooks);
                return bus_report_error(NULL, r);
        }
        r = read_selector_counters(bus, name, hooks);
        if (r == 0)
                r = read_kernel_memory(bus, name, &memory);
        if (r == 0)
                r = read_units(bus, name, &units);
        if (r != 0) {
                json_decref(names);
                json_decref(hooks);
                json_decref(counters);
                return r;
        }

        j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s*, s:o, s:o, s:o, s:o, s:I, s:s}", "name",
                      name, "file", file, "state", state, "mode", mode, "mode_overridden",
                      overridden, "installed", installed, "error", *error ? error : NULL,
                      "policies", names, "hooks", hooks, "units", units, "counters", counters,
                      "kernel_memory", (json_int_t) memory, "source", source);
        if (arg.output == OUTPUT_JSON) {
                print_json(j);
                return EXIT_OK;
        }

        printf("%s (%s)\n", name, file);
        printf("     State: %s%s\n", state,
               streq(state, "failed")
                       ? (installed ? " (an older version stays in force)" : " (nothing installed)")
                       : "");
        printf("      Mode: %s%s\n", mode, overridden ? " (set with tetractl mode)" : "");
        printf("  Policies:");
        for (size_t i = 0; i < json_array_size(names); i++)
                printf(" %s", json_string_value(json_array_get(names, i)));
        printf("%s\n", json_array_size(names) == 0 ? " -" : "");
        if (own_events_excluded(bus))
                printf("            Events from tetragond itself: excluded\n");
        if (!*error && streq(state, "failed") && geteuid() != 0)
                printf("     Error: (not shown: it may quote the file; tetractl show --source "
                       "asks for it)\n");
        if (*error) {
                /* Multi-line errors (several diagnostics) stay aligned. */
                printf("     Error: ");
                for (const char *p = error; *p; p++) {
                        putchar(*p);
                        if (*p == '\n')
                                printf("            ");
                }
                putchar('\n');
        }
        printf("    Memory: %" PRIu64 " bytes of kernel memory\n", memory);
        for (size_t i = 0; i < json_array_size(hooks); i++) {
                json_t *h = json_array_get(hooks, i), *selectors = json_object_get(h, "selectors");

                printf("%s %s: %s\n", i == 0 ? "     Hooks:" : "           ",
                       json_string_value(json_object_get(h, "hook")),
                       json_string_value(json_object_get(h, "mechanism")));
                for (size_t k = 0; k < json_array_size(selectors); k++) {
                        printf("             selector %zu: ", k);
                        print_counters(json_array_get(selectors, k));
                }
        }
        /* unitSelector (our extension): where the policy applies, as the cgroups are now. */
        for (size_t i = 0; i < json_array_size(units); i++) {
                json_t *u = json_array_get(units, i);
                const char *cgroup = json_string_value(json_object_get(u, "cgroup"));

                printf("%s %s %s: %s\n", i == 0 ? "     Units:" : "           ",
                       json_string_value(json_object_get(u, "operator")),
                       json_string_value(json_object_get(u, "unit")),
                       cgroup ? cgroup : "not running (no cgroup now)");
        }
        printf("  Counters: ");
        print_counters(counters);
        if (show_source)
                printf("\n%s", source);
        json_decref(j);
        return EXIT_OK;
}

/* reload */

static int read_names(sd_bus_message *m, json_t **ret) {
        const char *s;
        json_t *a = json_array();
        int r;

        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(m, "s", &s)) > 0)
                json_array_append_new(a, json_string(s));
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                json_decref(a);
                return r;
        }
        *ret = a;
        return 0;
}

static void print_names(const char *label, json_t *names) {
        if (json_array_size(names) == 0)
                return;
        printf("%-10s", label);
        for (size_t i = 0; i < json_array_size(names); i++)
                printf(" %s", json_string_value(json_array_get(names, i)));
        putchar('\n');
}

int verb_reload(int argc, char *argv[]) {
        static const char *const keys[] = { "added", "changed", "removed", "unchanged" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_t *summary, *failed;
        const char *name, *error;
        size_t n_failed;
        int r;

        r = verb_parse_common(argc, argv, "reload [-o json]");
        if (r >= 0)
                return r;
        r = need_args(argc, argv, 0, "reload [-o json]");
        if (r >= 0)
                return r;
        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "Reload", &reply, NULL);
        if (r != 0)
                return r;

        summary = json_object();
        failed = json_array();
        if (!summary || !failed)
                return EXIT_FAILED;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_t *names = NULL;

                r = read_names(reply, &names);
                if (r < 0)
                        return bus_report_error(NULL, r);
                json_object_set_new(summary, keys[i], names);
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &name, &error)) > 0)
                json_array_append_new(failed,
                                      json_pack("{s:s, s:s}", "name", name, "error", error));
        if (r < 0)
                return bus_report_error(NULL, r);
        json_object_set_new(summary, "failed", failed);
        n_failed = json_array_size(failed);

        if (arg.output == OUTPUT_JSON)
                print_json(summary);
        else {
                printf("Reloaded: %zu added, %zu changed, %zu removed, %zu unchanged, %zu "
                       "failed.\n",
                       json_array_size(json_object_get(summary, "added")),
                       json_array_size(json_object_get(summary, "changed")),
                       json_array_size(json_object_get(summary, "removed")),
                       json_array_size(json_object_get(summary, "unchanged")), n_failed);
                print_names("Added:", json_object_get(summary, "added"));
                print_names("Changed:", json_object_get(summary, "changed"));
                print_names("Removed:", json_object_get(summary, "removed"));
                for (size_t i = 0; i < n_failed; i++) {
                        json_t *f = json_array_get(failed, i);

                        printf("Failed:    %s: %s\n", json_string_value(json_object_get(f, "name")),
                               json_string_value(json_object_get(f, "error")));
                }
                json_decref(summary);
        }
        return n_failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/* add */

static int read_text_file(const char *path, char **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n;
        struct stat st;

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        if (fstat(fileno(f), &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        buf = malloc(BUS_POLICY_TEXT_MAX + 2);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, BUS_POLICY_TEXT_MAX + 1, f);
        if (ferror(f))
                return -EIO;
        if (n > BUS_POLICY_TEXT_MAX)
                return -EFBIG;
        if (memchr(buf, '\0', n))
                return -EBADMSG; /* D-Bus strings cannot hold it; YAML would refuse it anyway */
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* "dir/kill-writes.yaml" -> "kill-writes". */
static int name_from_path(const char *path, char **ret) {
        _cleanup_free_ char *copy = strdup(path);
        char *base, *dot;

        if (!copy)
                return -ENOMEM;
        base = basename(copy);
        dot = strrchr(base, '.');
        if (dot && (streq(dot, ".yaml") || streq(dot, ".yml")))
                *dot = '\0';
        *ret = strdup(base);
        return *ret ? 0 : -ENOMEM;
}

/* s with every "from" replaced by "to". */
static char *replace_all(const char *s, const char *from, const char *to) {
        size_t n_from = strlen(from), n_to = strlen(to), n = 0;
        char *out, *p;

        for (const char *q = s; (q = strstr(q, from)); q += n_from)
                n++;
        out = malloc(strlen(s) + n * n_to + 1);
        if (!out)
                return NULL;
        for (p = out; *s;) {
                const char *q = strstr(s, from);

                if (!q) {
                        strcpy(p, s);
                        return out;
                }
                memcpy(p, s, q - s);
                p += q - s;
                memcpy(p, to, n_to);
                p += n_to;
                s = q + n_from;
        }
        *p = '\0';
        return out;
}

/* The daemon checks the text as the file it would write, DIR/NAME.yaml, which does not exist
 * when it refuses: its positions belong to the file the user gave. */
static char *message_for_source(sd_bus *bus, const char *message, const char *name,
                                const char *source) {
        _cleanup_free_ char *target = NULL;
        json_t *dir = NULL;
        char *s = NULL;

        if (bus_get_manager_property_quiet(bus, "PolicyDirectory", &dir) >= 0 &&
            asprintf(&target, "%s/%s.yaml:", json_string_value(dir), name) >= 0) {
                _cleanup_free_ char *to = NULL;

                if (asprintf(&to, "%s:", source) >= 0)
                        s = replace_all(message, target, to);
        }
        json_decref(dir);
        return s ?: strdup(message);
}

/* What to do next, after the daemon's sentence. */
static void print_add_hint(const char *message, const char *name, bool replace) {
        if (strstr(message, "exists already") && !replace)
                fprintf(stderr,
                        "tetractl: hint: 'tetractl add --replace' replaces policy %s, "
                        "'--name NAME' adds the file under another name.\n",
                        name);
        else if (strstr(message, "is already used by"))
                fprintf(stderr, "tetractl: hint: a policy's metadata.name must be unique on "
                                "this host: change metadata.name in the file, or replace the "
                                "policy that uses it with 'tetractl add --replace --name'.\n");
}

/* AddPolicy: TEXT into the policy folder as NAME, through the daemon (its checks, its
 * authorization); SOURCE names where TEXT came from in messages. Shared with library enable. */
int policy_add_text(const char *name, const char *text, bool replace, const char *source) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        const char *path, *state, *error, *verb;
        int r;

        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "AddPolicy",
                               &bus_error, &reply, "ssb", name, text, replace);
        if (r < 0) {
                _cleanup_free_ char *message = NULL;

                if (!sd_bus_error_is_set(&bus_error) || !bus_error.message ||
                    sd_bus_error_has_names(&bus_error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                           SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_NO_REPLY,
                                           SD_BUS_ERROR_ACCESS_DENIED,
                                           SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                        return bus_report_error(&bus_error, r);
                message = message_for_source(bus, bus_error.message, name, source);
                fprintf(stderr, "%s\n", message ?: bus_error.message);
                print_add_hint(bus_error.message, name, replace);
                return EXIT_FAILED;
        }
        r = sd_bus_message_read(reply, "oss", &path, &state, &error);
        if (r < 0)
                return bus_report_error(NULL, r);

        verb = replace ? "replaced" : "added";
        if (arg.output == OUTPUT_JSON)
                print_json(json_pack("{s:s, s:s, s:s*, s:s, s:b}", "name", name, "state", state,
                                     "error", *error ? error : NULL, "object", path, "replaced",
                                     replace));
        else if (*error) {
                printf("Policy %s %s, %s: %s\n", name, verb, state, error);
                if (streq(state, "failed"))
                        printf("Its file stays in the policy folder and the daemon reports "
                               "itself degraded: fix the file and run 'tetractl reload', or "
                               "'tetractl remove %s'.\n",
                               name);
                /* As root, EPERM from bpf() is the kernel refusing the program, not a
                 * permission the caller lacks. */
                if (geteuid() == 0 && strstr(error, "Operation not permitted"))
                        printf("(\"Operation not permitted\" here is the kernel refusing a BPF "
                               "program or attachment: 'tetractl probe' shows which mechanisms "
                               "this kernel offers.)\n");
        } else
                printf("Policy %s %s, %s.\n", name, verb, state);
        return streq(state, "failed") ? EXIT_FAILED : EXIT_OK;
}

int verb_add(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "name", required_argument, NULL, 'n' },
                { "replace", no_argument, NULL, 'r' },
                {},
        };
        static const char usage[] = "add [--name NAME] [--replace] [-o json] FILE";
        _cleanup_free_ char *text = NULL, *derived = NULL;
        const char *name = NULL;
        bool replace = false;
        int r, c;

        while ((c = getopt_long(argc, argv, "ho:n:r", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: tetractl %s\n", usage);
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, argv[0], OUTPUT_TEXT_OR_JSON, &arg.output) < 0)
                                return EXIT_USAGE;
                        break;
                case 'n':
                        name = optarg;
                        break;
                case 'r':
                        replace = true;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        r = need_args(argc, argv, 1, usage);
        if (r >= 0)
                return r;
        if (!name) {
                if (name_from_path(argv[optind], &derived) < 0)
                        return EXIT_FAILED;
                name = derived;
        }
        if (!policy_check_name(name)) {
                fprintf(stderr,
                        "tetractl: invalid policy name \"%s\": " POLICY_NAME_RULE
                        " (see --name).\n",
                        name);
                return EXIT_USAGE;
        }
        r = read_text_file(argv[optind], &text);
        if (r == -EISDIR) {
                fprintf(stderr,
                        "tetractl: %s is a folder; add takes one policy file. To load a folder's "
                        "policies, copy them into the policy folder and run 'tetractl "
                        "reload'.\n",
                        argv[optind]);
                return EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to read %s: %s\n", argv[optind],
                        r == -EFBIG     ? "larger than the daemon accepts"
                        : r == -EBADMSG ? "it contains a NUL byte"
                                        : strerror(-r));
                return EXIT_FAILED;
        }

        return policy_add_text(name, text, replace, argv[optind]);
}

/* remove, enable, disable, mode */

static int simple_call(int argc, char *argv[], const char *usage, const char *method) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = verb_parse_common(argc, argv, usage);
        if (r >= 0)
                return r;
        r = need_args(argc, argv, 1, usage);
        if (r >= 0)
                return r;
        r = bus_open(&bus);
        if (r != 0)
                return r;
        return bus_call_manager(bus, method, NULL, "s", argv[optind]);
}

int verb_remove(int argc, char *argv[]) {
        return simple_call(argc, argv, "remove NAME", "RemovePolicy");
}

int verb_enable(int argc, char *argv[]) {
        return simple_call(argc, argv, "enable NAME", "EnablePolicy");
}

int verb_disable(int argc, char *argv[]) {
        return simple_call(argc, argv, "disable NAME", "DisablePolicy");
}

int verb_mode(int argc, char *argv[]) {
        static const char usage[] = "mode NAME enforce|monitor";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = verb_parse_common(argc, argv, usage);
        if (r >= 0)
                return r;
        r = need_args(argc, argv, 2, usage);
        if (r >= 0)
                return r;
        if (!streq(argv[optind + 1], "enforce") && !streq(argv[optind + 1], "monitor")) {
                fprintf(stderr, "tetractl: unknown mode %s: enforce or monitor.\n",
                        argv[optind + 1]);
                return EXIT_USAGE;
        }
        r = bus_open(&bus);
        if (r != 0)
                return r;
        return bus_call_manager(bus, "SetPolicyMode", NULL, "ss", argv[optind], argv[optind + 1]);
}
