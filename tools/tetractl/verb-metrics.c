/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl metrics: the daemon's metrics in Prometheus text format, the very text that
 * --metrics-server and the tetragond-metrics service serve (the bus's GetMetrics).
 */
#include <getopt.h>

#include "bus.h"
#include "macro.h"

int verb_metrics(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = verb_parse_common(argc, argv, "metrics");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl metrics takes no arguments.\n");
                return EXIT_USAGE;
        }
        if (arg.output == OUTPUT_JSON) {
                fprintf(stderr, "tetractl metrics prints Prometheus text only.\n");
                return EXIT_USAGE;
        }
        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "GetMetrics", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return bus_report_error(NULL, r);
        fputs(text, stdout);
        return EXIT_OK;
}
