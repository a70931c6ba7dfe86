/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The D-Bus API on the system bus (lib/bus-api.h, doc/tetragond-api.txt):
 * it only translates between D-Bus and the registry and manager.
 *
 * Every method handler runs validate -> authorize -> act -> reply. Reading is
 * open to anyone; changing needs uid 0 or polkit's authorization for the
 * verb's action (where polkit is installed). The polkit question is asked asynchronously; when the
 * answer arrives the method call is queued again and its handler runs anew,
 * this time finding the answer.
 *
 * The daemon works without a bus: the connection waits for the bus socket to
 * appear (early boot) and is made again when the bus restarts.
 */

#include <systemd/sd-event.h>

#include "macro.h"
#include "manager.h"
#include "policy-registry.h"

typedef struct TetragondBus TetragondBus;

/* Also registers itself for the registry's change callbacks, to emit signals. */
int tetragond_bus_new(TetragondBus **ret, sd_event *event, Manager *manager,
                      PolicyRegistry *registry);
TetragondBus *tetragond_bus_free(TetragondBus *b);

/* READY=1 for the service manager once the bus name is ours (or refused), so that a client
 * started right after `systemctl start` finds the daemon; at once when there is no bus (early
 * boot, b NULL), and after a few seconds at the latest. */
void tetragond_bus_notify_ready(TetragondBus *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(TetragondBus *, tetragond_bus_free);
