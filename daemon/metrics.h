/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The daemon's metrics as Prometheus text (exposition format 0.0.4), built in this one
 * place from the numbers the D-Bus API exposes, so that the three ways of reading them
 * agree: the bus's GetMetrics (what `tetractl metrics` and the socket-activated
 * tetragond-metrics service print) and the daemon's own --metrics-server.
 *
 * Names and labels are Tetragon's where the concept is the same (tetragon_*); what only
 * tetragond has is named tetragond_* (doc/tetragond-metrics.md lists them all).
 */

#include "manager.h"
#include "policy-registry.h"

/* m may be NULL (no manager: only the policies' numbers are real). Returns the text,
 * NUL-terminated, to be freed by the caller. */
int metrics_format(Manager *m, PolicyRegistry *registry, char **ret_text);
