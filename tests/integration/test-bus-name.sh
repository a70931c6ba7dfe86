#!/bin/bash
# Issue 17, item 3: when dbus-daemon refuses io.tetragond1 (its policy file is missing), the
# daemon says why once, keeps enforcing, says so in STATUS=, and owns the name as soon as the
# policy is installed and dbus-daemon reloads, without a restart.
# vmtest-host-only: user space only (the bus name when dbus-daemon refuses it), the same on every kernel; make check runs it
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
testenv_start_journald
BUS_WITHOUT_POLICY=1 bus_start

testenv_start_daemon --policy-dir "$TESTENV_DIR" --state-dir "$TESTENV_DIR/state"
refused() {
        journal -t tetragond -o cat --facility=daemon _PID="$TESTENV_DAEMON_PID" |
                grep -F 'Failed to acquire the bus name io.tetragond1:' >/dev/null
}
wait_for 10 "the refusal in the journal" refused || fail "no message about the refused name"
journal -t tetragond -o cat --facility=daemon _PID="$TESTENV_DAEMON_PID" | grep -F 'Failed to acquire' |
        grep -F 'is the D-Bus policy io.tetragond1.conf installed where dbus-daemon reads it?' >/dev/null ||
        fail "the refusal does not name the missing policy file"
daemon_on_bus && fail "io.tetragond1 is owned without a policy that allows it"
echo "ok: refused, and says why"

cp "$top_srcdir/dbus/io.tetragond1.conf" "$BUS_DIR/io.tetragond1.conf"
kill -HUP "$BUS_PID"
wait_for 20 "io.tetragond1 after dbus-daemon reloaded" daemon_on_bus ||
        fail "the daemon did not ask for its name again"
kill -0 "$TESTENV_DAEMON_PID" || fail "the daemon exited"
[ "$(bus_get State)" = 's "running"' ] || fail "State is $(bus_get State)"
# (--facility=daemon: the daemon's own messages, not the exec events of our grep.)
n=$(journal -t tetragond -o cat --facility=daemon _PID="$TESTENV_DAEMON_PID" |
        grep -c 'Failed to acquire the bus name' || true)
[ "$n" = 1 ] || fail "the refusal was logged $n times, not once"
echo "ok: owns io.tetragond1 once allowed, said so once"

# Our own log entries carry the caller's location once, not twice (item 15), and the
# daemon facility, which tells them apart from events (item 6).
fields=$(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o json -n 1 --facility=daemon)
[ -n "$fields" ] || fail "no entry with --facility=daemon"
jq -e '(.CODE_FILE | type) == "string" and (.CODE_LINE | type) == "string"' <<<"$fields" >/dev/null ||
        fail "CODE_FILE/CODE_LINE are not single values: $fields"
echo "ok: one CODE_FILE per entry, SYSLOG_FACILITY=3"
