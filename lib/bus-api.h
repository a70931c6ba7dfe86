/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Names of tetragond's D-Bus API, shared by the daemon and tetractl. The
 * interface is documented in doc/tetragond-api.txt and dbus/io.tetragond1.xml;
 * the "1" is its version: an incompatible change gets a new name.
 */

#define BUS_NAME "io.tetragond1"
#define BUS_MANAGER_PATH "/io/tetragond1"
#define BUS_MANAGER_INTERFACE "io.tetragond1.Manager"
#define BUS_POLICY_PATH_PREFIX "/io/tetragond1/policy"
#define BUS_POLICY_INTERFACE "io.tetragond1.Policy"

/* Errors of this API; refusals use the standard org.freedesktop.DBus.Error.AccessDenied and
 * InteractiveAuthorizationRequired, bad arguments org.freedesktop.DBus.Error.InvalidArgs. */
#define BUS_ERROR_NO_SUCH_POLICY "io.tetragond1.Error.NoSuchPolicy"
#define BUS_ERROR_POLICY_EXISTS "io.tetragond1.Error.PolicyExists"
#define BUS_ERROR_INVALID_POLICY "io.tetragond1.Error.InvalidPolicy"
#define BUS_ERROR_POLICY_FAILED "io.tetragond1.Error.PolicyFailed"
#define BUS_ERROR_IO "io.tetragond1.Error.IOError"
/* Refused by lockdown: what is in force may not be removed or weakened until reboot. */
#define BUS_ERROR_LOCKED "io.tetragond1.Error.Locked"

/* One polkit action per verb (dbus/io.tetragond1.policy). */
#define POLKIT_ACTION_RELOAD "io.tetragond1.reload"
#define POLKIT_ACTION_ADD_POLICY "io.tetragond1.add-policy"
#define POLKIT_ACTION_REMOVE_POLICY "io.tetragond1.remove-policy"
#define POLKIT_ACTION_ENABLE_POLICY "io.tetragond1.enable-policy"
#define POLKIT_ACTION_DISABLE_POLICY "io.tetragond1.disable-policy"
#define POLKIT_ACTION_SET_POLICY_MODE "io.tetragond1.set-policy-mode"
/* Reading what quotes a policy file (its source, its errors): root's files may be secrets. */
#define POLKIT_ACTION_READ_POLICY "io.tetragond1.read-policy"
#define POLKIT_ACTION_LOCKDOWN "io.tetragond1.lockdown"

/* Largest YAML text AddPolicy and Validate take (the same cap as a policy file). */
#define BUS_POLICY_TEXT_MAX (1024U * 1024U)
