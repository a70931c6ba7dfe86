#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tetragond as a user runs it: `systemctl enable --now` reaches active once the daemon says
# READY=1 (Type=notify), an exec on the host shows up in `journalctl -u tetragond` as a
# process_exec event from tetragond.service, and reload, restart and stop behave.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service

show_unit_state() {
        echo "--- systemctl status $unit"
        systemctl --no-pager --full status "$unit" 2>&1 | head -n 30
}
trap 'status=$?; [ "$status" -eq 1 ] && show_unit_state; exit "$status"' EXIT

main_pid() {
        systemctl show --property=MainPID --value "$unit"
}

is_active() {
        [ "$(systemctl is-active "$unit")" = active ]
}

# exec_event_logged PATH: the journal has a process_exec event for PATH, written by the service.
exec_event_logged() {
        journalctl --no-pager -o export -u "$unit" TETRAGON_EVENT=process_exec |
                awk -v path="$1" 'BEGIN { RS = "" }
                        index($0, path) && index($0, "\n_SYSTEMD_UNIT=tetragond.service\n") { found = 1 }
                        END { exit !found }'
}

# Runs a program under a name of its own and waits for the daemon to report its exec.
check_exec_reported() {
        local program

        program=$(mktemp /tmp/tetragond-vm-exec.XXXXXX)
        cp /bin/true "$program"
        chmod 755 "$program"
        "$program" || fail "cannot run $program"
        if ! wait_until 60 exec_event_logged "$program"; then
                echo "--- process_exec events from $unit: $(journalctl --no-pager -o cat -u "$unit" \
                        TETRAGON_EVENT=process_exec | wc -l)"
                journalctl --no-pager -u "$unit" -n 20
                fail "no process_exec event for $program with _SYSTEMD_UNIT=$unit within 60s"
        fi
        echo "ok: process_exec of $program in journalctl -u tetragond"
}

systemctl cat "$unit" > /dev/null 2>&1 ||
        fail "$unit is not installed where systemd looks (make install)"
type=$(systemctl show --property=Type --value "$unit")
[ "$type" = notify ] || fail "$unit has Type=$type, expected notify"

# Type=notify: the start job, and so systemctl, ends when the daemon sends READY=1.
bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
[ "$(systemctl is-enabled "$unit")" = enabled ] || fail "$unit is not enabled"
is_active || fail "$unit is $(systemctl is-active "$unit") after enable --now"
pid=$(main_pid)
[ "$pid" -gt 0 ] || fail "$unit is active without a main process"
echo "ok: enable --now, active, main PID $pid"
check_exec_reported

# Reload keeps the process; it must still be there, and still reporting, afterwards.
bounded 60 systemctl reload "$unit" || fail "systemctl reload $unit failed"
check_exec_reported
is_active && [ "$(main_pid)" = "$pid" ] ||
        fail "after reload: $(systemctl is-active "$unit"), main PID $(main_pid), was $pid"
echo "ok: reload, same main PID"

bounded 150 systemctl restart "$unit" || fail "systemctl restart $unit failed"
is_active || fail "$unit is $(systemctl is-active "$unit") after restart"
new_pid=$(main_pid)
[ "$new_pid" -gt 0 ] && [ "$new_pid" != "$pid" ] ||
        fail "restart did not start a new process (main PID $pid, then $new_pid)"
echo "ok: restart, active, main PID $new_pid"
check_exec_reported

bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed"
state=$(systemctl is-active "$unit")
result=$(systemctl show --property=Result --value "$unit")
[ "$state" = inactive ] && [ "$result" = success ] ||
        fail "after stop: $state, result $result (expected inactive, success: a clean exit on SIGTERM)"
! kill -0 "$new_pid" 2> /dev/null || fail "process $new_pid still runs after stop"
echo "ok: stop, inactive, exited cleanly"
