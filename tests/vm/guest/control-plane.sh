#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The control plane over the real system bus: the running service owns io.tetragond1 (its D-Bus
# policy was installed where dbus looks), and `tetractl status` and `tetractl reload` answer.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
bus_name=io.tetragond1

# Whatever happened, the next test finds the service as a fresh system has it: not running.
finish() {
        local status=$1

        [ "$status" -eq 1 ] && journalctl --no-pager -u "$unit" -n 20
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        exit "$status"
}
trap 'finish $?' EXIT

name_owned() {
        busctl --system status "$bus_name"
}

command -v tetractl > /dev/null || fail "tetractl is not installed on PATH (make install)"
bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
wait_until 30 name_owned ||
        fail "$unit does not own $bus_name on the system bus within 30s (D-Bus policy installed?)"
echo "ok: $unit owns $bus_name"

output=$(bounded 30 tetractl status 2>&1) || fail "tetractl status failed: $output"
echo "ok: tetractl status"
echo "$output" | sed 's/^/    /'

output=$(bounded 60 tetractl reload 2>&1) || fail "tetractl reload failed: $output"
echo "ok: tetractl reload"
echo "$output" | sed 's/^/    /'
