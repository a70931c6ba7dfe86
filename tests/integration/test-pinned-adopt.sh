#!/bin/bash
# Issue 11, adoption on start: policies A, B and C are installed (each kills writes to a file
# of its own; A and B share a tracepoint, C has one of its own), the daemon is SIGKILLed,
# B is edited and C deleted while it is down, and it starts again. Then A was adopted: its
# links (sys_enter and the shared tracepoint's) have the same ids as before and it enforced
# across the whole cycle (a writer loop: every attempt killed); B's new version is in force
# and its old one is not; C no longer enforces and its tracepoint's link is gone. The start
# says 1 adopted, 1 replaced, 1 removed, and tetractl status says the engine was adopted.
# vmtest-host-only: zz-persist.sh restarts and kills the daemon under systemd in the guest
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v bpftool >/dev/null || skip "bpftool is not installed"
command -v dbus-send >/dev/null || skip "dbus-send is not installed"
testenv_start_journald
bus_start

WRITER_PID=
restore() {
        touch "$TESTENV_DIR/stop" 2>/dev/null || true
        [ -z "$WRITER_PID" ] || wait "$WRITER_PID" 2>/dev/null || true
        testenv_cleanup
}
trap restore EXIT

root=/sys/fs/bpf/tetragond
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
daemon_args=(--policy-dir "$policies" --state-dir "$TESTENV_DIR/state")

# policy NAME FILE EVENT: kills writes to FILE, and hooks the tracepoint syscalls/EVENT.
policy() {
        cat >"$policies/$1.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "adopt-$1"
spec:
  kprobes:
  - call: "sys_write"
    syscall: true
    args:
    - index: 0
      type: "fd"
    selectors:
    - matchArgs:
      - index: 0
        operator: "Equal"
        values:
        - "$2"
      matchActions:
      - action: Sigkill
  tracepoints:
  - subsystem: syscalls
    event: "$3"
EOF
}
for f in a b b2 c; do : >"$TESTENV_DIR/$f"; done
policy a "$TESTENV_DIR/a" sys_enter_getppid
policy b "$TESTENV_DIR/b" sys_enter_getppid
policy c "$TESTENV_DIR/c" sys_enter_getpgid

runs() { find "$root" -mindepth 1 -maxdepth 1 -name 'run-*' | sort; }
one_run() { [ "$(runs | wc -l)" = 1 ]; }
link_id() { bpftool link show pinned "$1" --json | jq -r .id; }
# "NAME ID" of each link pinned in run folder $1.
run_links() {
        local f
        for f in "$1"/link-*; do
                echo "${f##*/link-} $(link_id "$f")"
        done
}
write_rc() { # write_rc FILE: the exit status of a shell writing FILE
        local rc
        { sh -c "echo x >> $1"; } 2>/dev/null && rc=0 || rc=$?
        echo "$rc"
}

t0=$(date +%s%N)
testenv_start_daemon "${daemon_args[@]}"
echo "ok: first start with 3 policies in $((($(date +%s%N) - t0) / 1000000)) ms"
one_run || fail "not one run pinned: $(runs)"
first=$(runs)
before=$(run_links "$first")
[ "$(write_rc "$TESTENV_DIR/a")" = 137 ] || fail "A does not kill writes to a"
[ "$(write_rc "$TESTENV_DIR/b")" = 137 ] || fail "B does not kill writes to b"
[ "$(write_rc "$TESTENV_DIR/c")" = 137 ] || fail "C does not kill writes to c"
[ "$(write_rc "$TESTENV_DIR/b2")" = 0 ] || fail "writes to b2 are killed before B names it"
sys_enter_id=$(awk '$1 == "sys_enter" {print $2}' <<<"$before")
[ -n "$sys_enter_id" ] || fail "no sys_enter link pinned: $before"
c_links=$(grep -c '^point-' <<<"$before" || true)
echo "ok: A, B and C enforce; run $first pins $(wc -l <<<"$before") links, $c_links of them points"
[ "$c_links" -ge 2 ] || fail "expected a point for getppid and one for getpgid: $before"

# The writer against A: one attempt after the other, each exit status on a line.
writer() {
        while [ ! -e "$TESTENV_DIR/stop" ]; do
                write_rc "$TESTENV_DIR/a" >>"$TESTENV_DIR/writes"
                sleep 0.02
        done
}
writer &
WRITER_PID=$!
attempts() { wc -l <"$TESTENV_DIR/writes" 2>/dev/null || echo 0; }
wait_for 30 "the writer's first attempt" test -s "$TESTENV_DIR/writes" || fail "the writer made no attempt"

kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
policy b "$TESTENV_DIR/b2" sys_enter_getppid
rm "$policies/c.yaml"
n=$(attempts)
more_attempts() { [ "$(attempts)" -gt "$((n + 5))" ]; }
wait_for 30 "attempts while no daemon runs" more_attempts ||
        fail "the writer made no attempt while the daemon was down"

t0=$(date +%s%N)
testenv_start_daemon "${daemon_args[@]}"
adopted_line() {
        journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep '^Policy engine adopted from the earlier run'
}
adopted_seen() { adopted_line >/dev/null; }
wait_for 60 "the adoption's summary" adopted_seen || {
        journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | tail -30 >&2
        fail "the daemon did not say it adopted the policy engine"
}
us=$(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o json |
        jq -r 'select(.MESSAGE | strings | startswith("Policy engine adopted")) | .__REALTIME_TIMESTAMP' | tail -1)
echo "ok: restarted; start to \"adopted\": $(((us * 1000 - t0) / 1000000)) ms"
line=$(adopted_line)
[[ "$line" == *": 1 policies adopted (their links kept), 1 replaced, 1 removed." ]] ||
        fail "expected 1 adopted, 1 replaced, 1 removed; the daemon said: '$line'"
wait_for 60 "one run pinned" one_run || fail "$(runs | wc -l) runs pinned: $(runs)"
now=$(runs)
[ "$now" != "$first" ] || fail "the run folder did not change"
after=$(run_links "$now")

# Adopted, every link of the new run is one of the first run's (same name, same id): A's
# sys_enter and the getppid point it shares with B among them. One is missing: C's point.
[ "$(awk '$1 == "sys_enter" {print $2}' <<<"$after")" = "$sys_enter_id" ] ||
        fail "the sys_enter link changed: $sys_enter_id before, now: $after"
new_links=$(grep -vxF -f <(cat <<<"$before") <<<"$after" || true)
[ -z "$new_links" ] || fail "links not of the first run: $new_links (before: $before)"
missing=$(grep -vxF -f <(cat <<<"$after") <<<"$before" || true)
[ "$(wc -l <<<"$missing")" = 1 ] && [[ "$missing" == point-* ]] ||
        fail "expected one point link fewer; missing: '$missing'"
echo "ok: every link kept its id (sys_enter $sys_enter_id, the shared getppid point among them)"
c_id=${missing##* }
gone() { ! bpftool link show id "$c_id" >/dev/null 2>&1; }
wait_for 30 "C's link $c_id to leave the kernel" gone || fail "C's link $c_id is still in the kernel"
echo "ok: C's point (${missing% *}, link $c_id) is gone"

[ "$(write_rc "$TESTENV_DIR/b2")" = 137 ] || fail "B's new version does not kill writes to b2"
[ "$(write_rc "$TESTENV_DIR/b")" = 0 ] || fail "B's old version still kills writes to b"
[ "$(write_rc "$TESTENV_DIR/c")" = 0 ] || fail "C still kills writes to c"
echo "ok: B's new version is in force, its old one is not; C no longer enforces"

status=$("$top_builddir/tetractl" status)
grep -q '^  Policy engine: adopted from the earlier run' <<<"$status" ||
        fail "tetractl status does not say the engine was adopted: $status"
grep -q 'their policies: 1 unchanged (1 adopted), 1 changed, 1 deleted' <<<"$status" ||
        fail "tetractl status: $(grep 'Earlier runs' <<<"$status")"
echo "ok: tetractl status says the engine and 1 policy were adopted"

touch "$TESTENV_DIR/stop"
wait "$WRITER_PID" || true
WRITER_PID=
total=$(attempts)
misses=$(grep -cvx 137 "$TESTENV_DIR/writes" || true)
[ "$misses" = 0 ] || fail "$misses of $total writes to a were not killed: $(sort "$TESTENV_DIR/writes" | uniq -c)"
[ ! -s "$TESTENV_DIR/a" ] || fail "a was written"
echo "ok: A enforced across the cycle: $total attempts, all killed"
