/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Event -> Tetragon's export JSON (the schema of `tetra getevents -o json`):
 * {"process_exec":{"process":{...},"parent":{...}},"node_name":"...","time":"..."}
 * Pure: no I/O. Boot-time stamps become RFC 3339 wall-clock times through
 * boot_time_ns, the CLOCK_REALTIME ns at which CLOCK_BOOTTIME was zero.
 *
 * Keys of the process object that Tetragon does not have (host facts):
 * "cgroup_id" (decimal string, as protojson writes 64-bit numbers),
 * "cgroup_path" and "systemd_unit"; of process_kprobe: "policy_mode":
 * "monitor" when the policy only reported its action instead of taking it. binary_properties
 * and in_init_tree are written whenever they apply (Tetragon: only with process credentials). Bytes
 * that are not UTF-8 (JSON cannot carry them) become U+FFFD; the journal fields keep the raw bytes.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "enrich-options.h"
#include "event.h"

/* With Tetragon's defaults: none of the optional parts. */
int event_to_json(const Event *e, const char *node_name, uint64_t boot_time_ns, json_t **ret);
/* With the parts opts turns on (NULL: the defaults): ancestors, process.ns, process.cap and
 * process_credentials. What the process cache filled in (user, environment_variables,
 * binary_properties on process_exec, in_init_tree for containerized processes) is always
 * written when there. */
int event_to_json_with_options(const Event *e, const char *node_name, uint64_t boot_time_ns,
                               const EnrichOptions *opts, json_t **ret);

/* An event about the event stream itself (Tetragon's rate_limit_info, process_throttle):
 * {TYPE: body, "node_name": ..., "time": ...}, time_ns on CLOCK_REALTIME. Takes body. */
int event_info_to_json(const char *type, json_t *body, const char *node_name, uint64_t time_ns,
                       json_t **ret);

/* "process_exec", "process_exit": the key of the event in the export object. */
const char *event_type_to_string(EventType t);
/* "KPROBE_ACTION_SIGKILL", ...: the "action" of a process_kprobe event. */
const char *event_action_to_string(EventAction a);

/* "SIGKILL" for 9, "SIGRTMIN+1" for 35, "SIG99" for what has no name. */
#define EVENT_SIGNAL_NAME_MAX 16
const char *event_signal_name(uint32_t signal, char buf[static EVENT_SIGNAL_NAME_MAX]);

/* The arguments as Tetragon renders them: separated by one space, an argument
 * that contains a space wrapped in double quotes. Raw bytes, unchecked.
 * Writes to buf (when not NULL) without a terminating NUL and returns the
 * length, so a first call with NULL sizes the buffer. */
size_t event_join_arguments(const Process *p, char *buf);
