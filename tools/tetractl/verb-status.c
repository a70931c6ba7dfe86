/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl status: the daemon's version, policy counts and event counters.
 * tetractl probe: what this kernel offers the engine, as the daemon found out.
 */
#include <getopt.h>
#include <time.h>

#include "bus-api.h"
#include "bus.h"
#include "macro.h"

static const struct {
        const char *property;
        char type;
        const char *key; /* in -o json */
} status_properties[] = {
        { "Version", 's', "version" },
        { "State", 's', "state" },
        { "PolicyDirectory", 's', "policy_directory" },
        { "EngineAvailable", 'b', "engine_available" },
        { "PoliciesLoaded", 'u', "policies_loaded" },
        { "PoliciesFailed", 'u', "policies_failed" },
        { "PoliciesDisabled", 'u', "policies_disabled" },
        { "Events", 't', "events" },
        { "EventsReceived", 't', "events_received" },
        { "EventsDecoded", 't', "events_decoded" },
        { "EventsMalformed", 't', "events_malformed" },
        { "EventsLost", 't', "events_lost" },
        { "SinkErrors", 't', "sink_errors" },
        { "Pinned", 'b', "pinned" },
        { "PinnedRun", 's', "pinned_run" },
        { "RunsReplaced", 'u', "runs_replaced" },
        { "Locked", 'b', "locked" },
        { "LockedSince", 't', "locked_since_usec" },
        { "KernelProtection", 's', "kernel_protection" },
};

static json_int_t get_int(json_t *o, const char *key) {
        return json_integer_value(json_object_get(o, key));
}

int verb_status(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        json_t *status;
        int r;

        r = verb_parse_common(argc, argv, "status [-o json]");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl status takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = bus_open(&bus);
        if (r != 0)
                return r;

        status = json_object();
        if (!status)
                return EXIT_FAILED;
        for (size_t i = 0; i < ELEMENTSOF(status_properties); i++) {
                json_t *v = NULL;

                r = bus_get_manager_property(bus, status_properties[i].property,
                                             status_properties[i].type, &v);
                if (r != 0) {
                        json_decref(status);
                        return r;
                }
                json_object_set_new(status, status_properties[i].key, v);
        }

        if (arg.output == OUTPUT_JSON) {
                print_json(status);
                return EXIT_OK;
        }

        printf("tetragond %s, on the system bus as %s\n",
               json_string_value(json_object_get(status, "version")), BUS_NAME);
        printf("          State: %s\n", json_string_value(json_object_get(status, "state")));
        printf("  Policy folder: %s\n",
               json_string_value(json_object_get(status, "policy_directory")));
        printf("         Engine: %s\n",
               json_is_true(json_object_get(status, "engine_available"))
                       ? "available"
                       : "not available in this build (policies cannot be enforced)");
        printf("       Policies: %" JSON_INTEGER_FORMAT " loaded, %" JSON_INTEGER_FORMAT
               " failed, %" JSON_INTEGER_FORMAT " disabled\n",
               get_int(status, "policies_loaded"), get_int(status, "policies_failed"),
               get_int(status, "policies_disabled"));
        printf("         Events: %" JSON_INTEGER_FORMAT " sent to the sinks, %" JSON_INTEGER_FORMAT
               " lost in the kernel\n",
               get_int(status, "events"), get_int(status, "events_lost"));
        printf("        Records: %" JSON_INTEGER_FORMAT " received, %" JSON_INTEGER_FORMAT
               " decoded, %" JSON_INTEGER_FORMAT " malformed; %" JSON_INTEGER_FORMAT
               " sink errors\n",
               get_int(status, "events_received"), get_int(status, "events_decoded"),
               get_int(status, "events_malformed"), get_int(status, "sink_errors"));
        if (json_is_true(json_object_get(status, "pinned")))
                printf("         Pinned: %s (outlives the daemon); replaced %" JSON_INTEGER_FORMAT
                       " earlier run(s) at start\n",
                       json_string_value(json_object_get(status, "pinned_run")),
                       get_int(status, "runs_replaced"));
        else
                printf("         Pinned: no (policies end with the daemon)\n");
        if (json_is_true(json_object_get(status, "locked"))) {
                time_t since = (time_t) (get_int(status, "locked_since_usec") / 1000000);
                char when[64] = "?";

                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&since));
                printf("         Locked: yes, since %s, until reboot\n", when);
        } else
                printf("         Locked: no\n");
        printf("Kernel guarding: %s\n",
               json_string_value(json_object_get(status, "kernel_protection")));
        json_decref(status);
        return EXIT_OK;
}

int verb_probe(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *detail;
        json_t *features = NULL;
        int available, r;

        r = verb_parse_common(argc, argv, "probe [-o json]");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl probe takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "GetKernelFeatures", &reply, NULL);
        if (r != 0)
                return r;

        if (arg.output == OUTPUT_JSON)
                features = json_array();
        else
                printf("%-16s %-9s %s\n", "FEATURE", "AVAILABLE", "DETAIL");
        r = sd_bus_message_enter_container(reply, 'a', "(sbs)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(sbs)", &name, &available, &detail)) > 0) {
                if (features)
                        json_array_append_new(features,
                                              json_pack("{s:s, s:b, s:s}", "feature", name,
                                                        "available", available, "detail", detail));
                else
                        printf("%-16s %-9s %s\n", name, available ? "yes" : "no", detail);
        }
        if (r < 0) {
                json_decref(features);
                return bus_report_error(NULL, r);
        }
        if (features)
                print_json(features);
        return EXIT_OK;
}
