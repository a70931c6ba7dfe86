/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl getevents: the daemon's events, read back from the journal, so
 * history and following work alike and nothing depends on the daemon running.
 * Each event entry carries the whole export object in TETRAGON_JSON= and
 * TETRAGON_* fields to match on (see the journal sink). With --stdin (or a
 * pipe on stdin, as tetra does) it reads export JSON lines instead, e.g. an
 * --export-file. Filters are applied to the export object, so both sources
 * filter alike; the journal also gets matches, so it skips what cannot match.
 */
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <regex.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "event-format.h"
#include "macro.h"
#include "pager.h"
#include "tetractl.h"

#define MAX_VALUES 32

static int parse_relative(const char *s, uint64_t *ret_usec) {
        char *end;
        unsigned long long n;
        uint64_t unit;

        errno = 0;
        n = strtoull(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        if (streq(end, "s") || streq(end, "sec") || streq(end, "s ago") || streq(end, "sec ago"))
                unit = 1;
        else if (streq(end, "m") || streq(end, "min") || streq(end, "m ago") ||
                 streq(end, "min ago"))
                unit = 60;
        else if (streq(end, "h") || streq(end, "h ago"))
                unit = 3600;
        else if (streq(end, "d") || streq(end, "d ago"))
                unit = 86400;
        else
                return -EINVAL;
        *ret_usec = (uint64_t) n * unit * 1000000ULL;
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t midnight_usec(int days_back) {
        time_t t = time(NULL);
        struct tm tm;

        localtime_r(&t, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday -= days_back;
        tm.tm_isdst = -1;
        return (uint64_t) mktime(&tm) * 1000000ULL;
}

/*
 * The forms journalctl users know: "2024-05-01 10:00[:00]", "2024-05-01", "10:00[:00]"
 * (today), "today", "yesterday", "now", "-10m" / "10m ago" (s, m, h, d), "@EPOCH".
 */
static int parse_since(const char *s, uint64_t *ret_usec) {
        static const char *const formats[] = {
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d",
                "%Y-%m-%dT%H:%M:%S",
        };
        uint64_t delta;
        struct tm tm;
        char *end;

        if (streq(s, "now")) {
                *ret_usec = now_usec();
                return 0;
        }
        if (streq(s, "today") || streq(s, "yesterday")) {
                *ret_usec = midnight_usec(streq(s, "yesterday") ? 1 : 0);
                return 0;
        }
        if (s[0] == '@') {
                unsigned long long e;

                errno = 0;
                e = strtoull(s + 1, &end, 10);
                if (errno || *end || end == s + 1)
                        return -EINVAL;
                *ret_usec = (uint64_t) e * 1000000ULL;
                return 0;
        }
        if (s[0] == '-' && parse_relative(s + 1, &delta) == 0) {
                *ret_usec = now_usec() - MIN(delta, now_usec());
                return 0;
        }
        if (endswith(s, " ago") && parse_relative(s, &delta) == 0) {
                *ret_usec = now_usec() - MIN(delta, now_usec());
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                memset(&tm, 0, sizeof(tm));
                end = strptime(s, formats[i], &tm);
                if (end && *end == '\0') {
                        tm.tm_isdst = -1;
                        *ret_usec = (uint64_t) mktime(&tm) * 1000000ULL;
                        return 0;
                }
        }
        /* A time of day: today at that time. */
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%H:%M:%S", &tm);
        if (!end || *end) {
                memset(&tm, 0, sizeof(tm));
                end = strptime(s, "%H:%M", &tm);
        }
        if (end && *end == '\0') {
                *ret_usec =
                        midnight_usec(0) +
                        (uint64_t) (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * 1000000ULL;
                return 0;
        }
        return -EINVAL;
}

/* A field's value, without the "NAME=" the journal puts in front. */
static int get_field(sd_journal *j, const char *field, const char **ret, size_t *ret_size) {
        const void *data;
        size_t size, prefix = strlen(field) + 1;
        int r;

        r = sd_journal_get_data(j, field, &data, &size);
        if (r < 0)
                return r;
        if (size < prefix)
                return -EBADMSG;
        *ret = (const char *) data + prefix;
        *ret_size = size - prefix;
        return 0;
}

/* Values of one filter: any may match (OR); different filters must all match (AND). */
typedef struct ValueList {
        char *values[MAX_VALUES];
        size_t n;
} ValueList;

typedef struct EventFilter {
        ValueList types;    /* canonical event type names */
        ValueList policies; /* policy_name */
        ValueList binaries; /* process.binary, or its base name when the value has no '/' */
        ValueList pids;     /* process.pid, as text */
        ValueList units;    /* process.systemd_unit (our extension) */
        regex_t processes[MAX_VALUES]; /* tetra's --processes: process.binary regex */
        size_t n_processes;
} EventFilter;

typedef struct Options {
        OutputFormat format;
        bool follow, no_pager, timestamps, use_stdin, have_since, have_until;
        bool stack_traces;            /* --stack-traces: a policy event's stacks after its line */
        uint64_t since, until, lines; /* lines: UINT64_MAX for all */
        ValueList include_fields, exclude_fields;
} Options;

static void value_list_done(ValueList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->values[i]);
        l->n = 0;
}

static int value_list_add(ValueList *l, const char *v) {
        if (l->n >= MAX_VALUES)
                return -E2BIG;
        l->values[l->n] = strdup(v);
        if (!l->values[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

static bool value_list_contains(const ValueList *l, const char *v) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->values[i], v))
                        return true;
        return false;
}

static void event_filter_done(EventFilter *f) {
        value_list_done(&f->types);
        value_list_done(&f->policies);
        value_list_done(&f->binaries);
        value_list_done(&f->pids);
        value_list_done(&f->units);
        for (size_t i = 0; i < f->n_processes; i++)
                regfree(&f->processes[i]);
        f->n_processes = 0;
}

/* "a,b,c" (tetra's list flags) into the list, through check, which may rewrite
 * each value into buf. Returns 0 or the exit code after saying why. */
static int add_list(ValueList *l, const char *option, const char *list,
                    int (*check)(const char *v, char *buf, size_t size, const char **ret)) {
        _cleanup_free_ char *copy = strdup(list);
        char *state = NULL, buf[256];

        if (!copy)
                return EXIT_FAILED;
        for (char *v = strtok_r(copy, ",", &state); v; v = strtok_r(NULL, ",", &state)) {
                const char *value = v;

                if (check && check(v, buf, sizeof(buf), &value) < 0)
                        return EXIT_USAGE; /* check said why */
                if (value_list_add(l, value) < 0) {
                        fprintf(stderr, "tetractl: too many values for %s (at most %d).\n", option,
                                MAX_VALUES);
                        return EXIT_USAGE;
                }
        }
        if (l->n == 0) {
                fprintf(stderr, "tetractl: %s needs a value.\n", option);
                return EXIT_USAGE;
        }
        return 0;
}

static int check_event_type(const char *v, char *buf, size_t size, const char **ret) {
        const char *type = event_type_from_name(v);

        if (!type) {
                fprintf(stderr, "tetractl: unknown event type '%s'; known types: %s.\n", v,
                        event_type_list());
                return -EINVAL;
        }
        *ret = type;
        return 0;
}

static int check_pid(const char *v, char *buf, size_t size, const char **ret) {
        unsigned long n;
        char *end;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno || *end || end == v || n == 0 || n > INT32_MAX) {
                fprintf(stderr, "tetractl: invalid --pid '%s': a process id.\n", v);
                return -EINVAL;
        }
        return 0;
}

/* As journalctl -u does: "foo" means foo.service. */
static int check_unit(const char *v, char *buf, size_t size, const char **ret) {
        static const char *const suffixes[] = {
                ".service", ".socket", ".target", ".timer",  ".mount",     ".scope",
                ".slice",   ".path",   ".swap",   ".device", ".automount",
        };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(v, suffixes[i]))
                        return 0;
        snprintf(buf, size, "%s.service", v);
        *ret = buf;
        return 0;
}

static int check_field(const char *v, char *buf, size_t size, const char **ret) {
        if (!*v || v[0] == '.' || endswith(v, ".") || strstr(v, "..")) {
                fprintf(stderr,
                        "tetractl: invalid field path '%s': use names like process or "
                        "parent.binary.\n",
                        v);
                return -EINVAL;
        }
        return 0;
}

static int add_process_regex(EventFilter *f, const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        char *state = NULL;

        if (!copy)
                return EXIT_FAILED;
        for (char *v = strtok_r(copy, ",", &state); v; v = strtok_r(NULL, ",", &state)) {
                char message[256];
                int r;

                if (f->n_processes >= MAX_VALUES) {
                        fprintf(stderr, "tetractl: too many --processes (at most %d).\n",
                                MAX_VALUES);
                        return EXIT_USAGE;
                }
                r = regcomp(&f->processes[f->n_processes], v, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        regerror(r, &f->processes[f->n_processes], message, sizeof(message));
                        fprintf(stderr, "tetractl: invalid --processes regex '%s': %s.\n", v,
                                message);
                        return EXIT_USAGE;
                }
                f->n_processes++;
        }
        return 0;
}

/* The event's body (the object under its type key) and its process. */
static json_t *event_body(json_t *event, const char **ret_type) {
        const char *type = event_json_type(event);

        if (ret_type)
                *ret_type = type;
        return type ? json_object_get(event, type) : NULL;
}

static bool event_matches(const EventFilter *f, json_t *event) {
        const char *type, *binary, *s;
        json_t *body = event_body(event, &type), *process;
        char pid[32];

        if (!body)
                return false;
        process = json_object_get(body, "process");
        if (f->types.n > 0 && !value_list_contains(&f->types, type))
                return false;
        s = json_string_value(json_object_get(body, "policy_name"));
        if (f->policies.n > 0 && (!s || !value_list_contains(&f->policies, s)))
                return false;
        s = json_string_value(json_object_get(process, "systemd_unit"));
        if (f->units.n > 0 && (!s || !value_list_contains(&f->units, s)))
                return false;
        snprintf(pid, sizeof(pid), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(process, "pid")));
        if (f->pids.n > 0 && !value_list_contains(&f->pids, pid))
                return false;
        binary = json_string_value(json_object_get(process, "binary")) ?: "";
        if (f->binaries.n > 0) {
                const char *base = strrchr(binary, '/') ? strrchr(binary, '/') + 1 : binary;
                bool any = false;

                for (size_t i = 0; i < f->binaries.n && !any; i++)
                        any = streq(f->binaries.values[i],
                                    strchr(f->binaries.values[i], '/') ? binary : base);
                if (!any)
                        return false;
        }
        if (f->n_processes > 0) {
                bool any = false;

                for (size_t i = 0; i < f->n_processes && !any; i++)
                        any = regexec(&f->processes[i], binary, 0, NULL, 0) == 0;
                if (!any)
                        return false;
        }
        return true;
}

/* The value at a dotted path ("parent.pod") below o, or NULL. */
static json_t *json_path_get(json_t *o, const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        char *state = NULL;

        if (!copy)
                return NULL;
        for (char *k = strtok_r(copy, ".", &state); k && o; k = strtok_r(NULL, ".", &state))
                o = json_object_get(o, k);
        return o;
}

/* Sets value at a dotted path below o, making the objects on the way. */
static int json_path_set(json_t *o, const char *path, json_t *value) {
        _cleanup_free_ char *copy = strdup(path);
        char *k, *dot;

        if (!copy)
                return -ENOMEM;
        for (k = copy; (dot = strchr(k, '.')); k = dot + 1) {
                json_t *next;

                *dot = '\0';
                next = json_object_get(o, k);
                if (!json_is_object(next)) {
                        next = json_object();
                        if (!next || json_object_set_new(o, k, next) < 0)
                                return -ENOMEM;
                }
                o = next;
        }
        return json_object_set(o, k, value) < 0 ? -ENOMEM : 0;
}

static void json_path_del(json_t *o, const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        char *last;

        if (!copy)
                return;
        last = strrchr(copy, '.');
        if (last) {
                *last++ = '\0';
                o = json_path_get(o, copy);
        } else
                last = copy;
        if (json_is_object(o))
                (void) json_object_del(o, last);
}

/* tetra's -f/-F field masks, on the event's body: keep only, or drop, these paths. */
static int event_apply_fields(json_t *event, const Options *o) {
        const char *type;
        json_t *body = event_body(event, &type);

        if (!body)
                return 0;
        if (o->include_fields.n > 0) {
                json_t *kept = json_object();

                if (!kept)
                        return -ENOMEM;
                for (size_t i = 0; i < o->include_fields.n; i++) {
                        json_t *v = json_path_get(body, o->include_fields.values[i]);

                        if (v && json_path_set(kept, o->include_fields.values[i], v) < 0) {
                                json_decref(kept);
                                return -ENOMEM;
                        }
                }
                if (json_object_set_new(event, type, kept) < 0)
                        return -ENOMEM;
                body = kept;
        }
        for (size_t i = 0; i < o->exclude_fields.n; i++)
                json_path_del(body, o->exclude_fields.values[i]);
        return 0;
}

/* Colours of a compact line: what was enforced stands out most. */
static const char *event_color(json_t *event) {
        const char *type, *action;
        json_t *body = event_body(event, &type);

        action = json_string_value(json_object_get(body, "action"));
        if (action &&
            (streq(action, "KPROBE_ACTION_SIGKILL") || streq(action, "KPROBE_ACTION_OVERRIDE") ||
             streq(action, "KPROBE_ACTION_SIGNAL") ||
             streq(action, "KPROBE_ACTION_NOTIFYENFORCER")))
                return "\x1b[1;31m";
        if (streq(type, "process_exec"))
                return "\x1b[32m";
        if (streq(type, "process_exit"))
                return "\x1b[2m";
        return "\x1b[33m";
}

/* Prints one export object (consumes it). Returns 1 if it was printed, 0 if filtered
 * out, or a negative errno. */
static int print_event(json_t *event, const EventFilter *f, const Options *o) {
        _cleanup_free_ char *compact = NULL;
        int r;

        if (!event_matches(f, event)) {
                json_decref(event);
                return 0;
        }
        r = event_apply_fields(event, o);
        if (r < 0) {
                json_decref(event);
                return r;
        }
        if (o->format == OUTPUT_JSON) {
                r = json_dumpf(event, stdout, JSON_COMPACT) < 0 ? -EIO : 0;
                putchar('\n');
        } else if (event_format_compact(event, &compact) >= 0) {
                const char *time = json_string_value(json_object_get(event, "time"));
                bool color = color_enabled();

                if (o->timestamps)
                        printf("%s ", time ?: "-");
                printf("%s%s%s\n", color ? event_color(event) : "", compact,
                       color ? "\x1b[0m" : "");
                if (o->stack_traces) {
                        _cleanup_free_ char *stacks = NULL;

                        if (event_format_stack_traces(event, &stacks) >= 0)
                                fputs(stacks, stdout);
                }
        } else
                r = 0; /* not an event we know how to print: as tetra, skip it */
        json_decref(event);
        return r < 0 ? r : 1;
}

/* The journal entry's event, or NULL for the daemon's own messages. */
static json_t *entry_event(sd_journal *j) {
        const char *value;
        size_t size;

        if (get_field(j, "TETRAGON_JSON", &value, &size) < 0)
                return NULL;
        return json_loadb(value, size, 0, NULL);
}

/* journalctl's hint: without adm or systemd-journal the journal shows a user only their own
 * entries, and tetragond's are the system's. */
static bool can_read_system_journal(void) {
        static const char *const groups[] = { "adm", "systemd-journal", "wheel" };
        gid_t list[256];
        int n;

        if (geteuid() == 0)
                return true;
        n = getgroups(ELEMENTSOF(list), list);
        for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                struct group *gr = getgrnam(groups[g]);

                if (!gr)
                        continue;
                if (getegid() == gr->gr_gid)
                        return true;
                for (int i = 0; i < n; i++)
                        if (list[i] == gr->gr_gid)
                                return true;
        }
        return false;
}

/* Whether an event entry names this policy (the daemon's own messages about a policy file
 * carry TETRAGON_POLICY= too). Leaves no match behind. */
static bool policy_has_events(sd_journal *j, const char *name) {
        _cleanup_free_ char *m = NULL;
        bool found = false;
        const void *data;
        size_t size;

        if (asprintf(&m, "TETRAGON_POLICY=%s", name) < 0)
                return false;
        if (sd_journal_add_match(j, m, 0) >= 0 && sd_journal_seek_head(j) >= 0)
                while (!found && sd_journal_next(j) > 0)
                        found = sd_journal_get_data(j, "TETRAGON_EVENT", &data, &size) >= 0;
        sd_journal_flush_matches(j);
        return found;
}

/* Policies asked for that never posted an event in this journal: say which ones did. */
static int check_policies(sd_journal *j, const EventFilter *f, bool follow) {
        ValueList known = {};
        const void *data;
        size_t size;
        bool all_known = true;
        int r;

        if (f->policies.n == 0)
                return 0;
        r = sd_journal_query_unique(j, "TETRAGON_POLICY");
        if (r < 0)
                return 0; /* only a hint */
        SD_JOURNAL_FOREACH_UNIQUE(j, data, size) {
                _cleanup_free_ char *v = strndup((const char *) data + strlen("TETRAGON_POLICY="),
                                                 size - strlen("TETRAGON_POLICY="));

                if (v && !value_list_contains(&known, v))
                        (void) value_list_add(&known, v);
        }
        for (size_t i = 0; i < known.n;)
                if (policy_has_events(j, known.values[i]))
                        i++;
                else {
                        free(known.values[i]);
                        known.values[i] = known.values[--known.n];
                }
        for (size_t i = 0; i < f->policies.n; i++) {
                if (value_list_contains(&known, f->policies.values[i]))
                        continue;
                all_known = false;
                fprintf(stderr, "tetractl: no events of policy '%s' in the journal%s; ",
                        f->policies.values[i], follow ? " yet" : "");
                if (known.n == 0)
                        fprintf(stderr, "no policy has posted events.\n");
                else {
                        fprintf(stderr, "policies with events:");
                        for (size_t k = 0; k < known.n; k++)
                                fprintf(stderr, "%s %s", k ? "," : "", known.values[k]);
                        fprintf(stderr, ".\n");
                }
        }
        value_list_done(&known);
        return all_known || follow ? 0 : EXIT_FAILED;
}

static int add_journal_matches(sd_journal *j, const char *field, const ValueList *l) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < l->n; i++) {
                _cleanup_free_ char *m = NULL;

                if (asprintf(&m, "%s=%s", field, l->values[i]) < 0)
                        return -ENOMEM;
                r = sd_journal_add_match(j, m, 0);
        }
        return r;
}

/* Steps back over the last n matching entries, so that the next sd_journal_next() returns the
 * first of them. */
static int journal_seek_last(sd_journal *j, const EventFilter *f, uint64_t n) {
        uint64_t found = 0;
        int r;

        r = sd_journal_seek_tail(j);
        if (r < 0)
                return r;
        while (found < n) {
                json_t *event;

                r = sd_journal_previous(j);
                if (r < 0)
                        return r;
                if (r == 0) /* fewer than n: all of them */
                        return sd_journal_seek_head(j);
                event = entry_event(j);
                if (event && event_matches(f, event))
                        found++;
                json_decref(event);
        }
        /* One more step back, so that sd_journal_next() returns the first of them (for n = 0:
         * only what comes after the last entry). */
        r = sd_journal_previous(j);
        if (r == 0)
                return sd_journal_seek_head(j);
        return r < 0 ? r : 0;
}

static int read_journal(const EventFilter *f, const Options *o) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        uint64_t printed = 0;
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to open the journal: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        (void) sd_journal_set_data_threshold(j, 0); /* whole TETRAGON_JSON values */

        r = check_policies(j, f, o->follow);
        if (r != 0)
                return r;

        /* Journal matches skip what cannot match: the same field twice ORs, different fields
         * AND, as in journalctl. A binary's base name only the export object can match. */
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=tetragond", 0);
        if (r >= 0)
                r = add_journal_matches(j, "TETRAGON_EVENT", &f->types);
        if (r >= 0)
                r = add_journal_matches(j, "TETRAGON_POLICY", &f->policies);
        if (r >= 0)
                r = add_journal_matches(j, "TETRAGON_PID", &f->pids);
        if (r >= 0)
                r = add_journal_matches(j, "TETRAGON_UNIT", &f->units);
        if (r >= 0) {
                if (o->lines != UINT64_MAX)
                        r = journal_seek_last(j, f, o->lines);
                else if (o->have_since)
                        r = sd_journal_seek_realtime_usec(j, o->since);
                else if (o->follow)
                        r = journal_seek_last(j, f, 0);
                else
                        r = sd_journal_seek_head(j);
        }
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to read the journal: %s\n", strerror(-r));
                return EXIT_FAILED;
        }

        for (;;) {
                uint64_t usec;
                json_t *event;

                r = sd_journal_next(j);
                if (r < 0) {
                        fprintf(stderr, "tetractl: failed to read the journal: %s\n", strerror(-r));
                        return EXIT_FAILED;
                }
                if (r == 0) {
                        if (!o->follow)
                                break;
                        fflush(stdout);
                        r = sd_journal_wait(j, UINT64_MAX);
                        if (r < 0) {
                                fprintf(stderr, "tetractl: failed to wait for the journal: %s\n",
                                        strerror(-r));
                                return EXIT_FAILED;
                        }
                        continue;
                }
                if (sd_journal_get_realtime_usec(j, &usec) >= 0) {
                        if (o->have_since && usec < o->since)
                                continue;
                        if (o->have_until && usec > o->until)
                                break;
                }
                event = entry_event(j);
                if (!event)
                        continue; /* a message of the daemon's own */
                r = print_event(event, f, o);
                if (r < 0) {
                        fprintf(stderr, "tetractl: failed to print an event: %s\n", strerror(-r));
                        return EXIT_FAILED;
                }
                printed += r;
        }

        if (printed == 0 && !can_read_system_journal()) {
                fprintf(stderr,
                        "tetractl: no events: tetragond's entries are in the system journal, "
                        "which only root and members of the groups 'adm' and 'systemd-journal' "
                        "can read.\n");
                return EXIT_DENIED;
        }
        return EXIT_OK;
}

/* Export JSON lines (tetragond --export-file, tetra's JSON) from stdin. */
static int read_stdin(const EventFilter *f, const Options *o) {
        _cleanup_free_ char *line = NULL;
        json_t **last = NULL; /* -n: the last matching events, a ring */
        size_t size = 0, n_last = 0, next = 0, lineno = 0;
        ssize_t n;
        int r = 0, exit_code = EXIT_OK;

        if (o->lines != UINT64_MAX && o->lines > 0) {
                if (o->lines > 1000000) {
                        fprintf(stderr, "tetractl: --lines with --stdin: at most 1000000.\n");
                        return EXIT_USAGE;
                }
                last = calloc(o->lines, sizeof(json_t *));
                if (!last)
                        return EXIT_FAILED;
        }
        while ((n = getline(&line, &size, stdin)) >= 0) {
                json_error_t error;
                json_t *event;

                lineno++;
                if (strspn(line, " \t\r\n") == (size_t) n)
                        continue;
                event = json_loadb(line, n, 0, &error);
                if (!event) {
                        fprintf(stderr, "tetractl: stdin:%zu: not a JSON object: %s, ignoring.\n",
                                lineno, error.text);
                        continue;
                }
                if (o->lines == 0) {
                        json_decref(event);
                        continue;
                }
                if (last) {
                        if (!event_matches(f, event)) {
                                json_decref(event);
                                continue;
                        }
                        json_decref(last[next]);
                        last[next] = event;
                        next = (next + 1) % o->lines;
                        n_last = MIN(n_last + 1, (size_t) o->lines);
                        continue;
                }
                r = print_event(event, f, o);
                if (r < 0)
                        break;
                if (o->follow)
                        fflush(stdout);
        }
        for (size_t i = 0; last && i < o->lines; i++) {
                size_t k = (next + o->lines - n_last + i) % o->lines;

                if (i < n_last && r >= 0)
                        r = print_event(TAKE_PTR(last[k]), f, o);
                json_decref(last[k]);
        }
        free(last);
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to print an event: %s\n", strerror(-r));
                exit_code = EXIT_FAILED;
        }
        return exit_code;
}

static void help(void) {
        printf("Usage: tetractl getevents [OPTIONS...]\n\n"
               "Print tetragond's events from the journal, or export JSON lines from stdin.\n\n"
               "  -o --output=FORMAT         compact (default) or json: one export object per "
               "line\n"
               "  -f --follow                Keep printing new events as they come (as "
               "journalctl)\n"
               "  -n --lines=N               Only the last N events\n"
               "     --since=TIME            From TIME on: \"2024-05-01 10:00\", \"today\", "
               "\"-10m\"...\n"
               "     --until=TIME            Up to TIME\n"
               "     --no-pager              Do not page the output on a terminal\n"
               "     --stdin                 Read export JSON lines from stdin (also when stdin\n"
               "                             is a pipe or a file), not the journal\n"
               "Filters (a list is comma-separated; any value of one filter, all filters):\n"
               "  -e --event-types=LIST      process_exec, process_exit, process_kprobe, ...\n"
               "                             (also PROCESS_EXEC...; --event-type too)\n"
               "     --processes=REGEX,...   Binaries matching an extended regex (--process too)\n"
               "     --policy-names=LIST     Events of these policies (--policy too)\n"
               "     --binary=PATH           This binary; a name without '/' matches its base "
               "name\n"
               "     --pid=PID               This process\n"
               "     --unit=UNIT             Processes of this systemd unit (\"foo\": "
               "foo.service)\n"
               "Output:\n"
               "     --include-fields=LIST   JSON: keep only these fields of the event\n"
               "                             (process,parent.binary; tetra's -f)\n"
               "  -F --exclude-fields=LIST   JSON: drop these fields of the event\n"
               "     --timestamps            Compact lines start with the event's time\n"
               "     --stack-traces=BOOL     Compact: a policy event's stack traces after its\n"
               "                             line (default true)\n"
               "     --color=WHEN            Colour compact lines: auto (default), always, never\n"
               "\n-f is --follow here, as in journalctl; tetra's -f is --include-fields.\n");
}

static int parse_options(int argc, char *argv[], EventFilter *f, Options *o) {
        enum {
                ARG_SINCE = 0x100,
                ARG_UNTIL,
                ARG_NO_PAGER,
                ARG_STDIN,
                ARG_POLICY,
                ARG_BINARY,
                ARG_PID,
                ARG_UNIT,
                ARG_PROCESSES,
                ARG_INCLUDE_FIELDS,
                ARG_TIMESTAMPS,
                ARG_STACK_TRACES,
                ARG_COLOR,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                { "since", required_argument, NULL, ARG_SINCE },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "stdin", no_argument, NULL, ARG_STDIN },
                { "event-types", required_argument, NULL, 'e' },
                { "event-type", required_argument, NULL, 'e' },
                { "policy-names", required_argument, NULL, ARG_POLICY },
                { "policy", required_argument, NULL, ARG_POLICY },
                { "binary", required_argument, NULL, ARG_BINARY },
                { "pid", required_argument, NULL, ARG_PID },
                { "unit", required_argument, NULL, ARG_UNIT },
                { "processes", required_argument, NULL, ARG_PROCESSES },
                { "process", required_argument, NULL, ARG_PROCESSES },
                { "include-fields", required_argument, NULL, ARG_INCLUDE_FIELDS },
                { "exclude-fields", required_argument, NULL, 'F' },
                { "timestamps", no_argument, NULL, ARG_TIMESTAMPS },
                { "stack-traces", optional_argument, NULL, ARG_STACK_TRACES },
                { "color", required_argument, NULL, ARG_COLOR },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "ho:fn:e:F:", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, "getevents",
                                         OUTPUT_MASK(OUTPUT_COMPACT) | OUTPUT_MASK(OUTPUT_JSON),
                                         &o->format) < 0)
                                return EXIT_USAGE;
                        break;
                case 'f':
                        o->follow = true;
                        break;
                case 'n': {
                        char *end;

                        errno = 0;
                        o->lines = strtoull(optarg, &end, 10);
                        if (errno || *end || end == optarg || optarg[0] == '-') {
                                fprintf(stderr, "tetractl: invalid --lines '%s': a number.\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                }
                case ARG_SINCE:
                case ARG_UNTIL: {
                        uint64_t *t = c == ARG_SINCE ? &o->since : &o->until;

                        if (parse_since(optarg, t) < 0) {
                                fprintf(stderr,
                                        "tetractl: cannot read --%s=%s: use \"YYYY-MM-DD "
                                        "HH:MM[:SS]\", \"today\", \"-10m\", ...\n",
                                        c == ARG_SINCE ? "since" : "until", optarg);
                                return EXIT_USAGE;
                        }
                        if (c == ARG_SINCE)
                                o->have_since = true;
                        else
                                o->have_until = true;
                        break;
                }
                case ARG_NO_PAGER:
                        o->no_pager = true;
                        break;
                case ARG_STDIN:
                        o->use_stdin = true;
                        break;
                case 'e':
                        r = add_list(&f->types, "--event-types", optarg, check_event_type);
                        break;
                case ARG_POLICY:
                        r = add_list(&f->policies, "--policy-names", optarg, NULL);
                        break;
                case ARG_BINARY:
                        r = add_list(&f->binaries, "--binary", optarg, NULL);
                        break;
                case ARG_PID:
                        r = add_list(&f->pids, "--pid", optarg, check_pid);
                        break;
                case ARG_UNIT:
                        r = add_list(&f->units, "--unit", optarg, check_unit);
                        break;
                case ARG_PROCESSES:
                        r = add_process_regex(f, optarg);
                        break;
                case ARG_INCLUDE_FIELDS:
                        r = add_list(&o->include_fields, "--include-fields", optarg, check_field);
                        break;
                case 'F':
                        r = add_list(&o->exclude_fields, "--exclude-fields", optarg, check_field);
                        break;
                case ARG_TIMESTAMPS:
                        o->timestamps = true;
                        break;
                case ARG_STACK_TRACES:
                        if (!optarg || streq(optarg, "true"))
                                o->stack_traces = true;
                        else if (streq(optarg, "false"))
                                o->stack_traces = false;
                        else {
                                fprintf(stderr,
                                        "tetractl: invalid --stack-traces '%s': true or "
                                        "false.\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_COLOR:
                        if (color_mode_parse(optarg) < 0) {
                                fprintf(stderr,
                                        "tetractl: invalid --color '%s': auto, always or "
                                        "never.\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
                if (r != 0)
                        return r;
        }
        if (optind < argc) {
                /* tetra's "-f process": here -f is --follow, and the list a stray argument. */
                if (o->follow)
                        fprintf(stderr,
                                "tetractl: getevents takes no arguments ('%s'). -f is --follow "
                                "here, as in journalctl; for tetra's -f use "
                                "--include-fields=%s.\n",
                                argv[optind], argv[optind]);
                else
                        fprintf(stderr, "tetractl: getevents takes no arguments ('%s').\n",
                                argv[optind]);
                return EXIT_USAGE;
        }
        if (o->use_stdin && (o->have_since || o->have_until)) {
                fprintf(stderr, "tetractl: --since and --until use the journal's timestamps; "
                                "they do not apply to --stdin.\n");
                return EXIT_USAGE;
        }
        return -1;
}

int verb_getevents(int argc, char *argv[]) {
        EventFilter filter = {};
        Options o = {
                .format = arg.output == OUTPUT_JSON ? OUTPUT_JSON : OUTPUT_COMPACT,
                .lines = UINT64_MAX,
                .stack_traces = true, /* as tetra */
        };
        struct stat st;
        int r;

        r = parse_options(argc, argv, &filter, &o);
        if (r < 0) {
                /* As tetra: a pipe on stdin is an event stream; so is a file ("< export.json"). */
                if (!o.use_stdin && fstat(STDIN_FILENO, &st) == 0 &&
                    (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode)))
                        o.use_stdin = true;
                if (!o.follow)
                        (void) pager_open(o.no_pager);
                r = o.use_stdin ? read_stdin(&filter, &o) : read_journal(&filter, &o);
                pager_close();
        }
        event_filter_done(&filter);
        value_list_done(&o.include_fields);
        value_list_done(&o.exclude_fields);
        return r;
}
