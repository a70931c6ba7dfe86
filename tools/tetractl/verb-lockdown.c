/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetractl lockdown: from now until reboot, policies in force cannot be removed, disabled,
 * switched to monitor or edited, and stay in force when the daemon stops (our extension:
 * Tetragon has no lockdown).
 */
#include <getopt.h>

#include "bus-api.h"
#include "bus.h"
#include "macro.h"

int verb_lockdown(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = verb_parse_common(argc, argv, "lockdown");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl lockdown takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = bus_open(&bus);
        if (r != 0)
                return r;
        r = bus_call_manager(bus, "Lockdown", NULL, NULL);
        if (r != 0)
                return r;
        printf("Locked down until reboot: policies can be added, not removed, disabled, "
               "switched to monitor or edited.\n");
        return EXIT_OK;
}
