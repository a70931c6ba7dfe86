#!/bin/bash
# Issue 15: the metrics. Nothing listens unless --metrics-server asks; then a scrape
# during an exec storm and a policy that kills agrees with `tetractl status` and
# `tetractl show`, in Tetragon's metric names; `tetractl metrics` prints the same series;
# tetragond-metrics (what the socket unit runs) serves them as nobody, who can change
# nothing; bad requests and a bad address get clear answers.
# vmtest-expected-skip: needs curl and ss (iproute2), which the guest image leaves out; make check runs it
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
command -v curl >/dev/null || skip "curl is not installed"
command -v ss >/dev/null || skip "ss (iproute2) is not installed"
testenv_start_journald
bus_start

T=$top_builddir/tetractl
ok() { echo "ok: $*"; }
is() { [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"; ok "$1 = $3"; }
# A port nobody listens on now (the kernel's choice).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# metric TEXT SERIES: the value of one series ("name" or "name{labels}").
metric() { awk -v s="$2 " 'index($0, s) == 1 { print $NF }' <<<"$1"; }
listening() { ss -Htlnp | grep "pid=$1," || true; }

# As testenv_start_daemon, with more time: loading BPF takes seconds of kernel time, many
# times that while other daemons load theirs on the same cores.
start_daemon() {
        "$top_builddir/tetragond" "$@" >"$TESTENV_DIR/daemon.out" 2>&1 &
        TESTENV_DAEMON_PID=$!
        wait_for 120 "tetragond to start" daemon_is_running ||
                fail "tetragond did not start: $(journal -t tetragond -o cat | tail -5)"
}

policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
# Only this copy of sync(1) is killed, so no other process on the machine counts.
trigger=$TESTENV_DIR/sync-killed
cp /bin/sync "$trigger"
cat >"$policies/kill-sync.yaml" <<POLICY
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: kill-sync
spec:
  kprobes:
  - call: sys_sync
    syscall: true
    selectors:
    - matchBinaries:
      - operator: In
        values:
        - "$trigger"
      matchActions:
      - action: Sigkill
POLICY

# Off by default: the daemon has no listening socket.
start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 30 "tetragond on the bus" daemon_on_bus || fail "tetragond is not on the bus"
[ -z "$(listening "$TESTENV_DAEMON_PID")" ] ||
        fail "tetragond listens without --metrics-server: $(listening "$TESTENV_DAEMON_PID")"
ok "no --metrics-server: nothing listens"
kill "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" || true

# A bad address is refused at the start, with the reason.
"$top_builddir/tetragond" --metrics-server 2112 && fail "--metrics-server 2112 was accepted"
bad_address() { journal -t tetragond -o cat | grep -Fx "Invalid --metrics-server: 2112 (HOST:PORT or :PORT)" >/dev/null; }
wait_for 10 "the error in the journal" bad_address ||
        fail "no clear error for a bad --metrics-server: $(journal -t tetragond -o cat | tail -3)"
ok "a bad --metrics-server is refused with the reason"

port=$(free_port)
url=http://127.0.0.1:$port/metrics
start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state" \
        --metrics-server "127.0.0.1:$port"
wait_for 30 "tetragond on the bus" daemon_on_bus || fail "tetragond is not on the bus"
state() { [ "$(bus_get State)" = 's "running"' ]; }
wait_for 30 "the policy to load" state || fail "the policy did not load: $("$T" list)"
[ -n "$(listening "$TESTENV_DAEMON_PID")" ] || fail "tetragond does not listen on $port"

# The storm, and the policy firing three times.
for _ in $(seq 200); do /bin/true; done
for _ in 1 2 3; do
        rc=0
        "$trigger" || rc=$?
        [ "$rc" = 137 ] || fail "the trigger exited $rc, not 137 (SIGKILL)"
done
ok "the exec storm ran and the trigger was killed three times"
posted() { [ "$("$T" -o json show kill-sync | jq '.counters.actions')" = 3 ]; }
wait_for 10 "the policy's counters" posted || fail "actions: $("$T" -o json show kill-sync)"

before=$("$T" -o json status)
scrape=$(curl -sS --fail -D "$TESTENV_DIR/headers" "$url")
after=$("$T" -o json status)
grep -qi '^Content-Type: text/plain; version=0.0.4' "$TESTENV_DIR/headers" ||
        fail "not Prometheus text: $(cat "$TESTENV_DIR/headers")"
ok "GET /metrics answers 200 with Prometheus text"

# Counters that other processes move: between the status read before and after.
between() { # between DESCRIPTION VALUE JSON-KEY
        local lo hi
        lo=$(jq ".$3" <<<"$before")
        hi=$(jq ".$3" <<<"$after")
        [ -n "$2" ] && [ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ] ||
                fail "$1: $2 is not within tetractl status' $lo..$hi"
        ok "$1 agrees with tetractl status ($lo <= $2 <= $hi)"
}
events_sum=$(awk '/^tetragon_events_total\{/ { s += $NF } END { print s }' <<<"$scrape")
between "tetragon_events_total (sum over types)" "$events_sum" events
between "tetragon_observer_ringbuf_events_received_total" \
        "$(metric "$scrape" tetragon_observer_ringbuf_events_received_total)" events_received
between "tetragon_missed_events_total" "$(metric "$scrape" tetragon_missed_events_total)" \
        events_lost
execs=$(metric "$scrape" 'tetragon_events_total{type="PROCESS_EXEC"}')
[ "$execs" -ge 203 ] || fail "PROCESS_EXEC events: $execs, the storm alone made 203"
ok "PROCESS_EXEC counts the storm ($execs)"

show=$("$T" -o json show kill-sync)
is "tetragon_policy_events_total{policy=\"kill-sync\"}" \
        "$(metric "$scrape" 'tetragon_policy_events_total{policy="kill-sync"}')" \
        "$(jq .counters.posted <<<"$show")"
is "tetragond_policy_actions_total{policy=\"kill-sync\"}" \
        "$(metric "$scrape" 'tetragond_policy_actions_total{policy="kill-sync"}')" 3
is "tetragond_policy_matched_total{policy=\"kill-sync\"}" \
        "$(metric "$scrape" 'tetragond_policy_matched_total{policy="kill-sync"}')" \
        "$(jq .counters.matched <<<"$show")"
selector='tetragond_selector_actions_total{policy="kill-sync",hook="kprobes[0] sys_sync",hook_index="0",selector="0"}'
is "$selector" "$(metric "$scrape" "$selector")" 3
is 'tetragon_tracingpolicy_loaded{state="enabled"}' \
        "$(metric "$scrape" 'tetragon_tracingpolicy_loaded{state="enabled"}')" \
        "$(jq .policies_loaded <<<"$after")"
memory=$(metric "$scrape" 'tetragon_tracingpolicy_kernel_memory_bytes{policy="kill-sync"}')
[ -n "$memory" ] && [ "$memory" -gt 0 ] || fail "kernel memory of kill-sync: '$memory'"
ok "tetragon_tracingpolicy_kernel_memory_bytes{policy=\"kill-sync\"} = $memory"
is "tetractl show: kernel_memory" "$("$T" -o json show kill-sync | jq .kernel_memory)" "$memory"
is "tetractl status: policy_kernel_memory" \
        "$(jq '.policy_kernel_memory["kill-sync"]' <<<"$after")" "$memory"
has_line() { grep -Fx -- "$2" <<<"$1" >/dev/null || fail "no line '$2' in: $1"; ok "line: $2"; }
has_line "$("$T" status)" "  Kernel memory: kill-sync $memory bytes"
has_line "$("$T" show kill-sync)" "    Memory: $memory bytes of kernel memory"
size=$(metric "$scrape" tetragon_process_cache_size)
[ "$size" -gt 0 ] || fail "tetragon_process_cache_size: '$size'"
ok "tetragon_process_cache_size = $size"

# tetractl metrics: the same series, in the same order.
series() { grep -v '^#' | sed 's/ [^ ]*$//'; }
diff <(series <<<"$scrape") <("$T" metrics | series) >"$TESTENV_DIR/diff" ||
        fail "tetractl metrics has other series: $(cat "$TESTENV_DIR/diff")"
ok "tetractl metrics prints the same series"

# Only GET /metrics.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
is "GET / status" "$code" 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
is "POST /metrics status" "$code" 405

# What tetragond-metrics.socket runs, as an unprivileged user: it serves the same text.
helper_port=$(free_port)
# setpriv itself in the background, not as_nobody: $! of a function run with & is a subshell,
# and killing that left tetragond-metrics running after the test.
setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
        "$top_builddir/tetragond-metrics" --listen "127.0.0.1:$helper_port" \
        >"$TESTENV_DIR/helper.out" 2>&1 &
helper=$!
trap 'kill $helper 2>/dev/null || true; bus_cleanup' EXIT
wait_for 10 "tetragond-metrics to listen" curl -sf -o /dev/null "http://127.0.0.1:$helper_port/metrics" ||
        fail "tetragond-metrics does not answer: $(cat "$TESTENV_DIR/helper.out")"
helper_scrape=$(curl -sS --fail "http://127.0.0.1:$helper_port/metrics")
is "tetragond-metrics: actions of kill-sync" \
        "$(metric "$helper_scrape" 'tetragond_policy_actions_total{policy="kill-sync"}')" 3
diff <(series <<<"$scrape") <(series <<<"$helper_scrape") >"$TESTENV_DIR/diff" ||
        fail "tetragond-metrics has other series: $(cat "$TESTENV_DIR/diff")"
ok "tetragond-metrics, as nobody, serves the same series"
# Read-only: the user it runs as cannot change anything.
out=$(bus_send --as-nobody Reload) && fail "nobody could reload: $out"
[[ "$out" == *org.freedesktop.DBus.Error.AccessDenied* ]] || fail "nobody's Reload: $out"
ok "nobody, as the metrics service runs, cannot reload"

# Without the daemon it says so, with 503, and keeps serving.
kill "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" || true
TESTENV_DAEMON_PID=
code=$(curl -s -o "$TESTENV_DIR/body" -w '%{http_code}' "http://127.0.0.1:$helper_port/metrics")
is "tetragond-metrics without the daemon: status" "$code" 503
grep -q '^Failed to gather the metrics: ' "$TESTENV_DIR/body" || fail "503 body: $(cat "$TESTENV_DIR/body")"
kill -0 "$helper" || fail "tetragond-metrics died"
ok "tetragond-metrics answers 503 without the daemon and keeps running"

# It ends on SIGTERM, as systemd stops it.
kill "$helper"
helper_gone() { [ ! -e "/proc/$helper" ] || grep -q '^State:.*Z' "/proc/$helper/status"; }
wait_for 10 "tetragond-metrics to exit" helper_gone || fail "tetragond-metrics ignores SIGTERM"
ok "tetragond-metrics exits on SIGTERM"
