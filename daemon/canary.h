/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The actions GetUrl and DnsLookup: Tetragon's "canaries", an HTTP GET of a URL or a DNS
 * lookup of a name, made from user space when a selector with them matched. They run
 * on a worker thread of their own, off the event path: the ring-buffer reader only
 * queues them, into a bounded queue, and every request has a bounded time.
 *
 * HTTP is libcurl's, loaded (dlopen) on the first GetUrl: a host without libcurl
 * counts its GetUrl actions as failed. DNS is the resolver's (res_nquery(3): a query of
 * type A to the servers of /etc/resolv.conf, not the hosts file).
 */

#include <stdint.h>

#include "macro.h"

typedef enum CanaryKind {
        CANARY_GET_URL,
        CANARY_DNS_LOOKUP,
        _CANARY_KIND_MAX,
} CanaryKind;

typedef struct CanaryStats {
        uint64_t done[_CANARY_KIND_MAX];    /* answered (any HTTP status; any DNS answer) */
        uint64_t failed[_CANARY_KIND_MAX];  /* no answer in time, or no libcurl */
        uint64_t dropped[_CANARY_KIND_MAX]; /* the queue was full */
} CanaryStats;

typedef struct Canary Canary;

int canary_new(Canary **ret);
/* Waits for the request under way (aborted if it can be) and drops the queued ones. */
Canary *canary_free(Canary *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Canary *, canary_free);

/* Queues a request (target: the URL, or the name). -ENOBUFS: the queue is full (it is
 * counted as dropped). Starts the worker on the first call. */
int canary_push(Canary *c, CanaryKind kind, const char *target);
void canary_get_stats(Canary *c, CanaryStats *ret);
const char *canary_kind_to_string(CanaryKind k);
