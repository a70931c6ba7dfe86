/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The loader sensor (Tetragon's, for policies with spec.loader: true): the shared objects
 * (and binaries) mapped executable, with their build id. The kernel reports every
 * executable mapping to perf; one system-wide software event per CPU (mmap2 with build
 * ids, kernel >= 5.12) and its ring, read with libbpf's perf buffer, give them without
 * kprobes or BPF programs. It runs while at least one holder (an installed policy) wants it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "loader-record.h"
#include "macro.h"

typedef struct LoaderSensor LoaderSensor;

/* Called for each executable mapping of a file; record is valid during the call. */
typedef void (*LoaderSensorHandler)(const LoaderRecord *record, void *userdata);
/* Called when a ring has records: the owner drains (loader_sensor_drain()) when it suits
 * it, e.g. after the process events that came before. */
typedef void (*LoaderSensorReady)(void *userdata);

/* ring_pages: data pages of each CPU's ring (a power of two; 0: 64). excluded_pid: a
 * process whose mappings are not reported (the daemon), 0 for none. */
int loader_sensor_new(LoaderSensor **ret, sd_event *event, unsigned ring_pages,
                      uint32_t excluded_pid, LoaderSensorHandler handler, LoaderSensorReady ready,
                      void *userdata);
LoaderSensor *loader_sensor_free(LoaderSensor *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(LoaderSensor *, loader_sensor_free);

/* One more holder: opens the events when it is the first. On failure, nothing is held
 * and ret_error (when not NULL) says why, for the user. */
int loader_sensor_hold(LoaderSensor *s, char **ret_error);
/* One holder less: closes the events (and their rings) with the last. */
void loader_sensor_release(LoaderSensor *s);
bool loader_sensor_is_running(LoaderSensor *s);

/* Hands the queued mappings up to time until (CLOCK_BOOTTIME ns) to the handler and listens
 * again. Returns true when later ones were left queued for the next drain. */
bool loader_sensor_drain(LoaderSensor *s, uint64_t until);
/* Records the kernel dropped because a ring was full, since the daemon started. */
uint64_t loader_sensor_lost(LoaderSensor *s);
