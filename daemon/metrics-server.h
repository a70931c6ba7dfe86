/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The metrics over HTTP: GET /metrics answers with the Prometheus text that get_text()
 * gives. libmicrohttpd does the HTTP, driven by the caller's sd-event loop (its epoll fd
 * is one source there), so get_text() runs in the loop's thread and may read the daemon's
 * state without locks. Used by tetragond's --metrics-server and by the socket-activated
 * tetragond-metrics service.
 */

#include <systemd/sd-event.h>

#include "macro.h"

/* Returns the text (malloc'ed) or a negative errno, answered with 503. */
typedef int (*MetricsGetText)(void *userdata, char **ret_text);

typedef struct MetricsServer MetricsServer;

/* A listening TCP socket on ADDRESS: Tetragon's --metrics-server syntax, "HOST:PORT",
 * ":PORT" (every address), "[IPV6]:PORT". -EINVAL when ADDRESS is not of that form. */
int metrics_listen(const char *address, int *ret_fd);

/* Takes over listen_fd (closed by metrics_server_free(), also on failure). */
int metrics_server_new(MetricsServer **ret, sd_event *event, int listen_fd, MetricsGetText get_text,
                       void *userdata);
MetricsServer *metrics_server_free(MetricsServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(MetricsServer *, metrics_server_free);
