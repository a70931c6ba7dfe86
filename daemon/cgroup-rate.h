/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Tetragon's --cgroup-rate=EVENTS,INTERVAL ("1000,1s"): process events
 * (exec, exit) of a cgroup beyond EVENTS per INTERVAL are throttled: none of
 * its process events reach the sinks until its rate has stayed under the limit
 * for CGROUP_RATE_STOP_AFTER_USEC. Throttling starts and stops are what the
 * caller reports (Tetragon's process_throttle THROTTLE_START / THROTTLE_STOP).
 * On a host a cgroup is a systemd unit (or a scope), so a fork bomb in one unit
 * cannot flood the journal with its events or hide other units' events.
 *
 * Pure: the caller passes the time (CLOCK_MONOTONIC usec) and does the I/O.
 * The kernel still sends every record: the process cache stays complete, and
 * throttling only decides what is exported.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define CGROUP_RATE_STOP_AFTER_USEC (5ULL * 1000 * 1000)
/* Cgroups followed at once; past it, new cgroups are not throttled until the sweep frees room. */
#define CGROUP_RATE_MAX_CGROUPS 4096U

typedef struct CgroupRate CgroupRate;

typedef enum CgroupRateVerdict {
        CGROUP_RATE_PASS,
        CGROUP_RATE_DROP,
        CGROUP_RATE_START, /* drop, and this event started the throttling */
} CgroupRateVerdict;

/* "1000,1s", "50,500ms", "10,1m" (units ms, s, m, h); -EINVAL otherwise. */
int cgroup_rate_parse(const char *s, uint64_t *ret_events, uint64_t *ret_interval_usec);

int cgroup_rate_new(CgroupRate **ret, uint64_t events, uint64_t interval_usec);
CgroupRate *cgroup_rate_free(CgroupRate *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupRate *, cgroup_rate_free);

/* One process event of cgroup_id (its path, kept for the STOP report) at now. */
CgroupRateVerdict cgroup_rate_account(CgroupRate *c, uint64_t cgroup_id, const char *cgroup_path,
                                      uint64_t now);

/* Call about once a second: ends the throttling of each cgroup that has been under the limit
 * long enough, calling stopped() for it, and forgets idle cgroups. */
void cgroup_rate_sweep(CgroupRate *c, uint64_t now,
                       void (*stopped)(uint64_t cgroup_id, const char *cgroup_path, void *userdata),
                       void *userdata);

/* Cgroups throttled now. */
unsigned cgroup_rate_throttled(const CgroupRate *c);
