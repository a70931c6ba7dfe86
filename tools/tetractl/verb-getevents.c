/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl getevents: the daemon's events, read back from the journal, so
 * history and following work alike and nothing depends on the daemon running.
 * Each event entry carries the whole export object in TETRAGON_JSON= and
 * TETRAGON_* fields to match on (see the journal sink).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "event-format.h"
#include "macro.h"
#include "tetractl.h"

#define MAX_MATCHES 32

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

static void print_entry(sd_journal *j, OutputFormat format) {
        _cleanup_free_ char *compact = NULL;
        const char *value;
        json_error_t error;
        size_t size;
        json_t *event;

        if (get_field(j, "TETRAGON_JSON", &value, &size) < 0)
                return; /* a log line of the daemon, not an event */

        if (format == OUTPUT_JSON) {
                fwrite(value, 1, size, stdout);
                putchar('\n');
                return;
        }
        event = json_loadb(value, size, 0, &error);
        if (event && event_format_compact(event, &compact) >= 0)
                puts(compact);
        else if (get_field(j, "MESSAGE", &value, &size) >= 0)
                printf("%.*s\n", (int) size, value);
        json_decref(event);
}

static void help(void) {
        printf("Usage: tetractl getevents [OPTIONS...]\n\n"
               "Print tetragond's events from the journal.\n\n"
               "  -o --output=FORMAT     compact (default) or json: one export object per line\n"
               "  -f --follow            Keep printing new events as they come\n"
               "     --since=TIME        From TIME on: \"2024-05-01 10:00\", \"today\", "
               "\"-10m\"...\n"
               "     --event-type=TYPE   Only this type (process_exec, process_exit,\n"
               "                         process_kprobe, ...); may be repeated\n"
               "     --policy=NAME       Only events of this policy\n"
               "     --binary=PATH       Only events of this binary\n"
               "     --pid=PID           Only events of this process\n"
               "     --unit=UNIT         Only events of processes of this systemd unit\n");
}

int verb_getevents(int argc, char *argv[]) {
        enum {
                ARG_SINCE = 0x100,
                ARG_EVENT_TYPE,
                ARG_POLICY,
                ARG_BINARY,
                ARG_PID,
                ARG_UNIT,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "follow", no_argument, NULL, 'f' },
                { "since", required_argument, NULL, ARG_SINCE },
                { "event-type", required_argument, NULL, ARG_EVENT_TYPE },
                { "policy", required_argument, NULL, ARG_POLICY },
                { "binary", required_argument, NULL, ARG_BINARY },
                { "pid", required_argument, NULL, ARG_PID },
                { "unit", required_argument, NULL, ARG_UNIT },
                {},
        };
        char *matches[MAX_MATCHES];
        size_t n_matches = 0;
        OutputFormat format = arg.output == OUTPUT_JSON ? OUTPUT_JSON : OUTPUT_COMPACT;
        sd_journal *j = NULL;
        bool follow = false, have_since = false;
        uint64_t since = 0;
        int c, r, exit_code = EXIT_OK;

        while ((c = getopt_long(argc, argv, "ho:f", options, NULL)) >= 0) {
                const char *field = NULL;

                switch (c) {
                case 'h':
                        help();
                        exit_code = EXIT_OK;
                        goto finish_early;
                case 'o':
                        if (streq(optarg, "json"))
                                format = OUTPUT_JSON;
                        else if (streq(optarg, "compact") || streq(optarg, "text"))
                                format = OUTPUT_COMPACT;
                        else {
                                fprintf(stderr, "Unknown output format: %s (compact or json)\n",
                                        optarg);
                                exit_code = EXIT_USAGE;
                                goto finish_early;
                        }
                        break;
                case 'f':
                        follow = true;
                        break;
                case ARG_SINCE:
                        if (parse_since(optarg, &since) < 0) {
                                fprintf(stderr,
                                        "Cannot read --since=%s: use \"YYYY-MM-DD "
                                        "HH:MM[:SS]\", \"today\", \"-10m\", ...\n",
                                        optarg);
                                exit_code = EXIT_USAGE;
                                goto finish_early;
                        }
                        have_since = true;
                        break;
                case ARG_EVENT_TYPE:
                        field = "TETRAGON_EVENT";
                        break;
                case ARG_POLICY:
                        field = "TETRAGON_POLICY";
                        break;
                case ARG_BINARY:
                        field = "TETRAGON_BINARY";
                        break;
                case ARG_PID: {
                        char *end;

                        errno = 0;
                        (void) strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg) {
                                fprintf(stderr, "Invalid --pid: %s\n", optarg);
                                exit_code = EXIT_USAGE;
                                goto finish_early;
                        }
                        field = "TETRAGON_PID";
                        break;
                }
                case ARG_UNIT:
                        field = "TETRAGON_UNIT";
                        break;
                case '?':
                        exit_code = EXIT_USAGE;
                        goto finish_early;
                default:
                        abort();
                }
                if (field) {
                        if (n_matches >= MAX_MATCHES) {
                                fprintf(stderr, "Too many filters.\n");
                                exit_code = EXIT_USAGE;
                                goto finish_early;
                        }
                        if (asprintf(&matches[n_matches], "%s=%s", field, optarg) < 0) {
                                exit_code = EXIT_FAILED;
                                goto finish_early;
                        }
                        n_matches++;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "tetractl getevents takes no positional arguments.\n");
                exit_code = EXIT_USAGE;
                goto finish_early;
        }

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "Failed to open the journal: %s\n", strerror(-r));
                exit_code = EXIT_FAILED;
                goto finish_early;
        }
        (void) sd_journal_set_data_threshold(j, 0); /* whole TETRAGON_JSON values */

        /* The same field twice ORs, different fields AND: what journalctl does. */
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=tetragond", 0);
        for (size_t i = 0; r >= 0 && i < n_matches; i++)
                r = sd_journal_add_match(j, matches[i], 0);
        if (r >= 0) {
                if (have_since)
                        r = sd_journal_seek_realtime_usec(j, since);
                else if (follow) {
                        /* Only what comes from now on. */
                        r = sd_journal_seek_tail(j);
                        if (r >= 0)
                                r = sd_journal_previous(j);
                } else
                        r = sd_journal_seek_head(j);
        }
        if (r < 0) {
                fprintf(stderr, "Failed to read the journal: %s\n", strerror(-r));
                exit_code = EXIT_FAILED;
                goto finish;
        }

        for (;;) {
                r = sd_journal_next(j);
                if (r < 0) {
                        fprintf(stderr, "Failed to read the journal: %s\n", strerror(-r));
                        exit_code = EXIT_FAILED;
                        break;
                }
                if (r > 0) {
                        print_entry(j, format);
                        continue;
                }
                if (!follow)
                        break;
                fflush(stdout);
                r = sd_journal_wait(j, UINT64_MAX);
                if (r < 0) {
                        fprintf(stderr, "Failed to wait for the journal: %s\n", strerror(-r));
                        exit_code = EXIT_FAILED;
                        break;
                }
        }
finish:
        sd_journal_close(j);
finish_early:
        for (size_t i = 0; i < n_matches; i++)
                free(matches[i]);
        return exit_code;
}
