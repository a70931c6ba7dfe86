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
#include "pager.h"
#include "table.h"

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
        { "PoliciesInstalled", 'u', "policies_installed" },
        { "PolicyCapacity", 'u', "policy_capacity" },
        { "OwnEventsExcluded", 'b', "own_events_excluded" },
        { "Events", 't', "events" },
        { "EventsReceived", 't', "events_received" },
        { "EventsDecoded", 't', "events_decoded" },
        { "EventsMalformed", 't', "events_malformed" },
        { "EventsLost", 't', "events_lost" },
        { "EventsFiltered", 't', "events_filtered" },
        { "EventsRateLimited", 't', "events_rate_limited" },
        { "EventsThrottled", 't', "events_throttled" },
        { "SinkErrors", 't', "sink_errors" },
        { "Pinned", 'b', "pinned" },
        { "PinnedRun", 's', "pinned_run" },
        { "RunsReplaced", 'u', "runs_replaced" },
        { "RunsKept", 'u', "runs_kept" },
        { "PinnedPoliciesUnchanged", 'u', "pinned_policies_unchanged" },
        { "PinnedPoliciesChanged", 'u', "pinned_policies_changed" },
        { "PinnedPoliciesDeleted", 'u', "pinned_policies_deleted" },
        { "PinnedPoliciesAdopted", 'u', "pinned_policies_adopted" },
        { "ProcessMonitorAdopted", 'b', "process_monitor_adopted" },
        { "PolicyEngineAdopted", 'b', "policy_engine_adopted" },
        { "Locked", 'b', "locked" },
        { "LockedSince", 't', "locked_since_usec" },
        { "KernelProtection", 's', "kernel_protection" },
};

static json_int_t get_int(json_t *o, const char *key) {
        return json_integer_value(json_object_get(o, key));
}

/* PolicyKernelMemory into status' "policy_kernel_memory": {policy: bytes}. Returns 0, or the
 * exit code after saying why. */
static int read_policy_kernel_memory(sd_bus *bus, json_t *status) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_t *memory;
        const char *name;
        uint64_t bytes;
        int r;

        r = sd_bus_get_property(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                "PolicyKernelMemory", &error, &reply, "a{st}");
        if (r < 0)
                return bus_report_error(&error, r);
        memory = json_object();
        if (!memory)
                return EXIT_FAILED;
        json_object_set_new(status, "policy_kernel_memory", memory);
        r = sd_bus_message_enter_container(reply, 'a', "{st}");
        while (r >= 0 && (r = sd_bus_message_read(reply, "{st}", &name, &bytes)) > 0)
                json_object_set_new(memory, name, json_integer((json_int_t) bytes));
        return r < 0 ? bus_report_error(NULL, r) : 0;
}

/* One line: the kernel memory each policy holds. */
static void print_policy_kernel_memory(json_t *memory) {
        const char *name;
        json_t *v;
        bool first = true;

        printf("  Kernel memory:");
        json_object_foreach(memory, name, v) {
                printf("%s %s %" JSON_INTEGER_FORMAT " bytes", first ? "" : ",", name,
                       json_integer_value(v));
                first = false;
        }
        printf("%s\n", first ? " no policies" : "");
}

int verb_status(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        json_t *status;
        int r;

        r = verb_parse_common(argc, argv, "status [-o json]");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl: status takes no arguments.\n");
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

        r = read_policy_kernel_memory(bus, status);
        if (r != 0) {
                json_decref(status);
                return r;
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
        printf("   Policy table: %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " installed\n",
               get_int(status, "policies_installed"), get_int(status, "policy_capacity"));
        printf("    Own events: events from tetragond itself: %s\n",
               json_is_true(json_object_get(status, "own_events_excluded")) ? "excluded"
                                                                            : "included");
        printf("         Events: %" JSON_INTEGER_FORMAT " sent to the sinks, %" JSON_INTEGER_FORMAT
               " filtered out, %" JSON_INTEGER_FORMAT " over the rate limit, %" JSON_INTEGER_FORMAT
               " throttled, %" JSON_INTEGER_FORMAT " lost in the kernel\n",
               get_int(status, "events"), get_int(status, "events_filtered"),
               get_int(status, "events_rate_limited"), get_int(status, "events_throttled"),
               get_int(status, "events_lost"));
        printf("        Records: %" JSON_INTEGER_FORMAT " received, %" JSON_INTEGER_FORMAT
               " decoded, %" JSON_INTEGER_FORMAT " malformed; %" JSON_INTEGER_FORMAT
               " sink errors\n",
               get_int(status, "events_received"), get_int(status, "events_decoded"),
               get_int(status, "events_malformed"), get_int(status, "sink_errors"));
        print_policy_kernel_memory(json_object_get(status, "policy_kernel_memory"));
        if (json_is_true(json_object_get(status, "pinned"))) {
                printf("         Pinned: %s (outlives the daemon)\n",
                       json_string_value(json_object_get(status, "pinned_run")));
                printf("   Earlier runs: %" JSON_INTEGER_FORMAT " replaced, %" JSON_INTEGER_FORMAT
                       " kept under lockdown; their policies: %" JSON_INTEGER_FORMAT
                       " unchanged (%" JSON_INTEGER_FORMAT " adopted), %" JSON_INTEGER_FORMAT
                       " changed, %" JSON_INTEGER_FORMAT " deleted\n",
                       get_int(status, "runs_replaced"), get_int(status, "runs_kept"),
                       get_int(status, "pinned_policies_unchanged"),
                       get_int(status, "pinned_policies_adopted"),
                       get_int(status, "pinned_policies_changed"),
                       get_int(status, "pinned_policies_deleted"));
                printf("Process monitor: %s\n",
                       json_is_true(json_object_get(status, "process_monitor_adopted"))
                               ? "adopted from the earlier run (its links and ring buffer)"
                               : "loaded by this run");
                printf("  Policy engine: %s\n",
                       json_is_true(json_object_get(status, "policy_engine_adopted"))
                               ? "adopted from the earlier run (its maps and links; unchanged "
                                 "policies kept attached)"
                               : "loaded by this run");
        } else
                printf("         Pinned: no (policies end with the daemon)\n");
        if (json_is_true(json_object_get(status, "locked"))) {
                time_t since = (time_t) (get_int(status, "locked_since_usec") / 1000000);
                char when[64] = "?";

                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&since));
                printf("         Locked: yes, since %s, until reboot\n", when);
        } else
                printf("         Locked: no\n");
        printf("Kernel protection: %s\n",
               json_string_value(json_object_get(status, "kernel_protection")));
        json_decref(status);
        return EXIT_OK;
}

int verb_probe(int argc, char *argv[]) {
        static const char *const headers[] = { "FEATURE", "AVAILABLE", "DETAIL" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *table = NULL;
        const char *name, *detail;
        json_t *features = NULL;
        int available, r;

        r = verb_parse_common(argc, argv, "probe [-o json]");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl: probe takes no arguments.\n");
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
        else if (table_new(&table, ELEMENTSOF(headers), headers) < 0)
                return bus_report_error(NULL, -ENOMEM);
        r = sd_bus_message_enter_container(reply, 'a', "(sbs)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(sbs)", &name, &available, &detail)) > 0) {
                if (features)
                        json_array_append_new(features,
                                              json_pack("{s:s, s:b, s:s}", "feature", name,
                                                        "available", available, "detail", detail));
                else
                        r = table_add_row(table, (const char *const[]){
                                                         name, available ? "yes" : "no", detail });
        }
        if (r < 0) {
                json_decref(features);
                return bus_report_error(NULL, r);
        }
        if (features) {
                print_json(features);
                return EXIT_OK;
        }
        (void) pager_open(arg.no_pager);
        table_print(table, !arg.no_legend);
        pager_close();
        return EXIT_OK;
}
