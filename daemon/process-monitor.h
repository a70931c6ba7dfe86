/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The kernel side of process visibility: loads and attaches the process
 * skeleton (exec, fork, exit tracepoints) and exposes its ring buffer map.
 * The only module of the process path that makes BPF syscalls.
 */

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "macro.h"
#include "pinned-state.h"

typedef struct ProcessMonitor ProcessMonitor;

/* ringbuf_size: bytes of the ring buffer every event goes through (a power of two, at least a
 * page); 0 for the default, 8 MiB. capture_env: exec records carry the environment (costs a
 * copy of up to TG_ENV_MAX bytes per exec); off, the BPF side never reads it.
 * pins, adopt_run (both or neither): an older run (its folder's name) whose monitor is taken
 * over when it is the same build with the same options (pinned-state.h); else, or when that
 * fails, a new monitor is loaded. */
int process_monitor_new(ProcessMonitor **ret, uint32_t ringbuf_size, bool capture_env,
                        PinnedState *pins, const char *adopt_run);
ProcessMonitor *process_monitor_free(ProcessMonitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProcessMonitor *, process_monitor_free);

/* Attach the programs; events flow from here on. Adopted: they are attached already. */
int process_monitor_attach(ProcessMonitor *m);
/* Whether the monitor is an older run's, adopted. */
bool process_monitor_is_adopted(ProcessMonitor *m);
/* When an older run's monitor matched but could not be taken over (a pin unreadable, its
 * load refused ...): that negative errno; 0 otherwise. */
int process_monitor_adopt_error(ProcessMonitor *m);
/* Pins the links, the counters, the ring buffer and what it was built with in this run's
 * folder: the monitor then keeps counting lost records after the daemon is gone, and a
 * later run can adopt it. */
int process_monitor_pin(ProcessMonitor *m, PinnedState *pins);
/* The fd of the ring buffer map, to register with a struct ring_buffer. */
int process_monitor_ringbuf_fd(ProcessMonitor *m);
/* Sum of the per-CPU counters (enum tg_counter), into ret[_TG_COUNTER_MAX]. */
int process_monitor_read_counters(ProcessMonitor *m, uint64_t ret[_TG_COUNTER_MAX]);
/* Which mechanism each program uses, e.g. "tp_btf/sched_process_exec". */
const char *process_monitor_describe(ProcessMonitor *m);
