#!/bin/bash
# Issue 18, item 5: a policy that sees the daemon's own work. A hook on every write(2) with
# no filter, under a flood of writes from another process: the daemon's own writes (its
# journal and export lines) produce no event, tetractl show says so, and SIGTERM is honoured
# while the flood runs: the daemon exits though the ring buffer never runs empty (about 0.3 s
# here, reported; a time is a benchmark's business, and an emulated guest is much slower).
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
bus_start

ok() { echo "ok: $*"; }
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"

testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state" \
        --export-file "$TESTENV_DIR/export.json"
daemon=$TESTENV_DAEMON_PID
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"
# Loaded once the daemon runs: journald's writes of our event lines are events too (it is
# another process, see tetragond(8)), a storm from the start would slow the start checks.
printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: every-write\nspec:\n  kprobes:\n  - call: sys_write\n    syscall: true\n' \
        >"$policies/every-write.yaml"
wait_for 20 "every-write to load" eval '[ "$(policy_get every-write State 2>/dev/null)" = "s \"loaded\"" ]' ||
        fail "every-write: $(policy_get every-write State) $(policy_get every-write Error)"


# A flood: one byte per write(2), from a process that is not the daemon, until killed.
dd if=/dev/zero of=/dev/null bs=1 2>/dev/null &
flood=$!
trap 'kill $flood 2>/dev/null || true; bus_cleanup' EXIT
own_events() { journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_PID=$daemon | grep -c . || true; }
flood_events() { [ "$(journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_PID=$flood | head -n 100 | grep -c .)" -ge 100 ]; }
wait_for 20 "events of the flood (pid $flood)" flood_events || fail "the flood's writes produce no events"
ok "the flood's writes are events"

# The daemon writes an event line to the journal for each of those: none of its writes is
# an event.
[ "$(own_events)" = 0 ] || fail "$(own_events) events from the daemon's own writes"
ok "the daemon's own writes produce no event"

"$top_builddir/tetractl" show every-write | grep -F "Events from tetragond itself: excluded" >/dev/null ||
        fail "tetractl show does not say the daemon's own events are excluded: $("$top_builddir/tetractl" show every-write)"
ok "tetractl show says the daemon's own events are excluded"

kill -0 $flood 2>/dev/null || fail "the flood ended before SIGTERM was sent"
# Honoured: the event loop ends and the kernel's queue is drained within its budget, the daemon
# says so ("Events: ..."; its send time taken by the kernel, _SOURCE_REALTIME_TIMESTAMP) and
# exits, all while the flood still runs. An unbounded drain would never end.
start_usec=$(($(date +%s%N) / 1000))
kill -TERM $daemon
daemon_gone() { ! kill -0 $daemon 2>/dev/null; }
wait_for 60 "tetragond to exit after SIGTERM" daemon_gone ||
        fail "tetragond still runs 60 s after SIGTERM, under the flood"
exit_msec=$((($(date +%s%N) / 1000 - start_usec) / 1000))
kill -0 $flood 2>/dev/null || fail "the flood ended before tetragond exited"
stopped_usec=$(journal -t tetragond _PID=$daemon -o json |
        jq -r 'select(.MESSAGE | startswith("Events: ")) | ._SOURCE_REALTIME_TIMESTAMP' | tail -n 1)
[ -n "$stopped_usec" ] || fail "tetragond exited without its \"Events: ...\" line"
ok "SIGTERM honoured under the flood: loop ended after $(((stopped_usec - start_usec) / 1000)) ms, exited after $exit_msec ms"
wait $daemon 2>/dev/null || true
TESTENV_DAEMON_PID=
