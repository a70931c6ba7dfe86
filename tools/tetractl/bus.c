/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdarg.h>

#include "bus-api.h"
#include "bus.h"
#include "macro.h"

int bus_open(sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "tetractl: failed to connect to the system bus: %s\n",
                        strerror(-r));
                return EXIT_NO_DAEMON;
        }
        /* Let a polkit agent, if the user runs one, ask for a password. */
        (void) sd_bus_set_allow_interactive_authorization(bus, isatty(STDIN_FILENO));
        *ret = bus;
        return 0;
}

int bus_report_error(const sd_bus_error *error, int r) {
        if (error && sd_bus_error_is_set(error)) {
                if (sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                           SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        fprintf(stderr,
                                "tetractl: tetragond is not running (nobody owns %s on the system "
                                "bus).\n",
                                BUS_NAME);
                        return EXIT_NO_DAEMON;
                }
                if (sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED,
                                           SD_BUS_ERROR_TIMEOUT)) {
                        fprintf(stderr, "tetractl: tetragond did not answer: %s\n",
                                error->message ?: error->name);
                        return EXIT_NO_DAEMON;
                }
                /* The daemon's own sentence, as it wrote it. */
                fprintf(stderr, "%s\n", error->message ?: error->name);
                if (sd_bus_error_has_names(error, SD_BUS_ERROR_ACCESS_DENIED,
                                           SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                           BUS_ERROR_LOCKED))
                        return EXIT_DENIED;
                return EXIT_FAILED;
        }
        fprintf(stderr, "tetractl: failed to talk to tetragond: %s\n", strerror(-r));
        return EXIT_FAILED;
}

int bus_call_manager(sd_bus *bus, const char *method, sd_bus_message **ret_reply, const char *types,
                     ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, BUS_NAME, BUS_MANAGER_PATH,
                                           BUS_MANAGER_INTERFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return bus_report_error(NULL, r);

        /* Reload and AddPolicy may load many policies; polkit may ask a person. */
        r = sd_bus_call(bus, call, 120ULL * 1000 * 1000, &error, ret_reply);
        if (r < 0)
                return bus_report_error(&error, r);
        return 0;
}

int bus_get_manager_property(sd_bus *bus, const char *property, char type, json_t **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char signature[2] = { type, '\0' };
        int r;

        r = sd_bus_get_property(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, property,
                                &error, &reply, signature);
        if (r < 0)
                return bus_report_error(&error, r);
        switch (type) {
        case 's': {
                const char *s;

                r = sd_bus_message_read(reply, "s", &s);
                *ret = r >= 0 ? json_string(s) : NULL;
                break;
        }
        case 'b': {
                int b;

                r = sd_bus_message_read(reply, "b", &b);
                *ret = r >= 0 ? json_boolean(b) : NULL;
                break;
        }
        case 'u': {
                uint32_t u;

                r = sd_bus_message_read(reply, "u", &u);
                *ret = r >= 0 ? json_integer(u) : NULL;
                break;
        }
        case 't': {
                uint64_t t;

                r = sd_bus_message_read(reply, "t", &t);
                *ret = r >= 0 ? json_integer((json_int_t) t) : NULL;
                break;
        }
        default:
                return bus_report_error(NULL, -EINVAL);
        }
        if (r < 0 || !*ret)
                return bus_report_error(NULL, r < 0 ? r : -ENOMEM);
        return 0;
}

int bus_get_manager_property_quiet(sd_bus *bus, const char *property, json_t **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *s = NULL;
        int r;

        r = sd_bus_get_property_string(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                       property, &error, &s);
        if (r < 0)
                return r;
        *ret = json_string(s);
        return *ret ? 0 : -ENOMEM;
}

int verb_parse_common(int argc, char *argv[], const char *usage) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: tetractl %s\n", usage);
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, argv[0], OUTPUT_TEXT_OR_JSON, &arg.output) < 0)
                                return EXIT_USAGE;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }
        return -1; /* go on */
}

void print_json(json_t *j) {
        if (!j) {
                fprintf(stderr, "tetractl: out of memory.\n");
                return;
        }
        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(j);
}

const char *first_line(const char *s, char *buf, size_t size) {
        size_t n = strcspn(s, "\n");

        snprintf(buf, size, "%.*s%s", (int) MIN(n, size - 4), s, s[n] ? "..." : "");
        return buf;
}
