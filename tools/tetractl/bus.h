/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What every verb that talks to tetragond shares: the connection to the
 * system bus, the call, and turning a failure into the daemon's own sentence
 * on stderr plus a documented exit code.
 */

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "tetractl.h"

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS if set). On failure prints why and
 * returns an exit code (EXIT_NO_DAEMON); 0 on success. */
int bus_open(sd_bus **ret);

/* Calls a Manager method; on failure prints the daemon's message verbatim and returns the
 * exit code for it; 0 on success with *ret_reply set. */
int bus_call_manager(sd_bus *bus, const char *method, sd_bus_message **ret_reply, const char *types,
                     ...);

/* Exit code and message for a failed call or a bus library error. */
int bus_report_error(const sd_bus_error *error, int r);

/* Reads a Manager property of type "s", "b", "u" or "t" into a JSON value. */
int bus_get_manager_property(sd_bus *bus, const char *property, char type, json_t **ret);

/* Reads a Manager property of type "s" into a JSON string; a negative errno, and nothing
 * printed, on failure. */
int bus_get_manager_property_quiet(sd_bus *bus, const char *property, json_t **ret);

/* The verbs' common options: -o/--output and -h/--help. Returns -1 to go on (positional
 * arguments from optind), or the exit code to return (EXIT_USAGE, or EXIT_OK after --help). */
int verb_parse_common(int argc, char *argv[], const char *usage);

/* Output helpers. */
void print_json(json_t *j); /* one line (-o json) and frees j */
const char *first_line(const char *s, char *buf, size_t size);
