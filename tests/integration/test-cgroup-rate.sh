#!/bin/bash
# Issue 12: --cgroup-rate. An exec storm in one cgroup (made by hand here; a unit
# under systemd) is throttled with process_throttle THROTTLE_START, while another
# cgroup's events still arrive; THROTTLE_STOP follows once the storm is over.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$cg2" ] || skip "no cgroup2 hierarchy mounted"
testenv_start_journald
export TETRAGOND_CONFIG_ROOT=$TESTENV_DIR/root # never the real /etc

tag=tg$$x$RANDOM
storm_cg=$cg2/$tag-storm
quiet_cg=$cg2/$tag-quiet
mkdir "$storm_cg" "$quiet_cg"
stop_storm() { # every process of the storm's cgroup, and wait until it is empty
        local pids
        while pids=$(cat "$storm_cg/cgroup.procs") && [ -n "$pids" ]; do
                kill $pids 2>/dev/null || true
                sleep 0.05
        done
}
cleanup_cgroups() {
        stop_storm 2>/dev/null
        rmdir "$storm_cg" "$quiet_cg" 2>/dev/null || true
        testenv_cleanup
}
trap cleanup_cgroups EXIT
cp /bin/true "$TESTENV_DIR/$tag-storm"
cp /bin/true "$TESTENV_DIR/$tag-quiet"
events=$TESTENV_DIR/events.json
mkdir -p "$TESTENV_DIR/policies"
testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --export-file "$events" \
        --cgroup-rate 20,1s

in_cgroup() { # CGROUP COMMAND...: run COMMAND inside CGROUP
        local cg=$1
        shift
        bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
throttle() { # TYPE: the process_throttle events of the storm's cgroup
        jq -c --arg t "$1" --arg c "/$tag-storm" \
                'select(.process_throttle.type == $t and .process_throttle.cgroup == $c)' "$events"
}
exported() { # BINARY: how many of its execs were exported
        jq -r '.process_exec.process.binary // empty' "$events" | grep -cFx -- "$1" || true
}

# The storm: far more than 20 execs a second, until killed.
bash -c 'echo $$ >"$0/cgroup.procs" && while :; do "$1"; done' "$storm_cg" "$TESTENV_DIR/$tag-storm" &
storm_pid=$!
started() { [ -n "$(throttle THROTTLE_START)" ]; }
wait_for 20 "THROTTLE_START for the storm's cgroup" started ||
        fail "no THROTTLE_START: $(jq -c 'select(.process_throttle)' "$events")"
echo "ok: THROTTLE_START for /$tag-storm"

# While it is throttled, another cgroup's events still arrive.
for i in 1 2 3; do in_cgroup "$quiet_cg" "$TESTENV_DIR/$tag-quiet"; done
quiet_arrived() { [ "$(exported "$TESTENV_DIR/$tag-quiet")" = 3 ]; }
wait_for 20 "the quiet cgroup's three execs" quiet_arrived ||
        fail "the quiet cgroup's events did not arrive: $(exported "$TESTENV_DIR/$tag-quiet") of 3"
echo "ok: another cgroup's events arrive during the storm"

# The storm ran thousands of execs; a throttled cgroup exports none after its start.
n_before=$(exported "$TESTENV_DIR/$tag-storm")
stop_storm
wait "$storm_pid" 2>/dev/null || true
[ "$n_before" -le 40 ] || fail "$n_before storm execs exported despite a limit of 20/s"
echo "ok: the storm exported $n_before execs, not thousands"

stopped() { [ -n "$(throttle THROTTLE_STOP)" ]; }
wait_for 20 "THROTTLE_STOP once the storm is over" stopped || fail "no THROTTLE_STOP"
echo "ok: THROTTLE_STOP after the storm"
# And its events flow again.
in_cgroup "$storm_cg" "$TESTENV_DIR/$tag-storm" after
flowing() { jq -r '.process_exec.process.arguments // empty' "$events" | grep -Fx after >/dev/null; }
wait_for 20 "an exec in the cgroup after the stop" flowing || fail "events of the cgroup do not flow again"
echo "ok: the cgroup's events flow again"
journal TETRAGON_EVENT=process_throttle -o cat | grep -F "throttle start /$tag-storm" >/dev/null ||
        fail "no process_throttle entry in the journal"
echo "ok: process_throttle in the journal"
