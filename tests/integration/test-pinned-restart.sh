#!/bin/bash
# Issue 11: enforcement outlives the daemon. A writer loop against the seed's policy runs
# while the daemon is SIGKILLed, stays dead 5 s and starts again, PINNED_CYCLES times (10):
# every write attempt is killed, the file stays empty, and nothing an earlier run pinned
# stays in the kernel (its links and their programs are gone, one run is pinned) but what
# each start adopts: the process monitor and the policy engine, whose link ids all stay the
# same, cycle after cycle; a process that ran while no daemon did is reported from the
# monitor's ring buffer. Then a policy edited while the daemon
# was down is replaced, one deleted while down is removed (each start says what its
# earlier run's manifests held: unchanged, changed, deleted), and the time from start to
# "running, earlier run replaced" is measured for 1 and 50 policies, with the times to
# "Process monitor adopted" and to "Policy engine adopted".
# vmtest-host-only: ten SIGKILL cycles and 50 policies take over 6 minutes of emulated time; zz-persist.sh restarts and kills the daemon under systemd there
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v bpftool >/dev/null || skip "bpftool is not installed"
testenv_start_journald

cycles=${PINNED_CYCLES:-10}
# The seed's policy on a file of this test's own instead of /tmp/passwd: tests running beside
# it (make -j2) kill writes to /tmp/passwd with their own daemons, which the edit below cannot
# undo.
target=$TESTENV_DIR/passwd
: >"$target"
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
sed "s|\"/tmp/passwd\"|\"$target\"|" "$top_srcdir/tests/data/engine/sys_write_sigkill.yaml" \
        >"$policies/sys_write_sigkill.yaml"
grep -qF "\"$target\"" "$policies/sys_write_sigkill.yaml" || fail "the seed's policy names no /tmp/passwd"
daemon_args=(--policy-dir "$policies" --state-dir "$TESTENV_DIR/state")

runs() { find "$root" -mindepth 1 -maxdepth 1 -name 'run-*' | sort; }
# The earlier run is removed once this one is installed, which may end after "running".
one_run() { [ "$(runs | wc -l)" = 1 ]; }
# "LINK-ID PROG-ID" of each link pinned by the run in folder $1.
run_links() {
        local f
        for f in "$1"/link-*; do
                bpftool link show pinned "$f" --json | jq -r '"\(.id) \(.prog_id)"'
        done
}

# start_replacing: starts the daemon and waits until its run has replaced the earlier one:
# make-before-break, the earlier run stays in force until this one's policies are installed
# (on a slow machine, after the daemon says it is running), and its links but the process
# monitor's (adopted) leave the kernel a moment after their pins (the kernel frees a link
# from a work queue).
start_replacing() {
        local earlier earlier_links
        earlier=$(runs)
        earlier_links=$(run_links "$earlier")
        testenv_start_daemon "${daemon_args[@]}"
        replaced() { [ "$(runs | wc -l)" = 1 ] && [ "$(runs)" != "$earlier" ]; }
        wait_for 120 "the earlier run ($earlier) to be replaced" replaced ||
                fail "the earlier run is still pinned beside the new one: $(runs)"
        # Those this run adopted stay.
        earlier_links=$(grep -vxF -f <(run_links "$(runs)") <<<"$earlier_links" | cut -d' ' -f1 || true)
        links_gone() {
                local id
                for id in $earlier_links; do
                        ! bpftool link show id "$id" >/dev/null 2>&1 || return 1
                done
        }
        wait_for 30 "the earlier run's links to leave the kernel" links_gone ||
                fail "links of the earlier run are still in the kernel: $earlier_links"
}

start_timed() { # start_timed VAR: the daemon's start to running, in ms, into VAR
        local t0 t1
        t0=$(date +%s%N)
        START_NS=$t0
        testenv_start_daemon "${daemon_args[@]}"
        t1=$(date +%s%N)
        printf -v "$1" '%s' $(((t1 - t0) / 1000000))
}
# The last start to its "Process monitor adopted" line, in ms, by the journal's clock.
adopted_ms() {
        local us
        us=$(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o json |
                jq -r 'select(.MESSAGE | strings | startswith("Process monitor adopted")) | .__REALTIME_TIMESTAMP' |
                tail -1)
        [ -n "$us" ] || fail "the daemon did not say it adopted the process monitor"
        echo $(((us * 1000 - START_NS) / 1000000))
}

start_timed ms
[ "$(runs | wc -l)" = 1 ] || fail "not one run pinned after the first start: $(runs)"
first_all=$(run_links "$(runs)")
first_links=$(run_links "$(runs)" | wc -l)
[ "$first_links" -ge 5 ] || fail "only $first_links links pinned in $(runs)"
echo "ok: the first start pinned $first_links links in $(runs) (start to running: $ms ms)"
# The process monitor's "LINK-ID PROG-ID" lines: the same in every run, adopted.
monitor_links() {
        local f
        for f in "$1"/link-process_*; do
                bpftool link show pinned "$f" --json | jq -r '"\(.id) \(.prog_id)"'
        done
}
first_monitor=$(monitor_links "$(runs)")
[ "$(wc -l <<<"$first_monitor")" = 3 ] || fail "not 3 process monitor links pinned: $first_monitor"
adopted() { journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep "^Process monitor adopted from $root/run-" >/dev/null; }
engine_adopted() { journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep "^Policy engine adopted from the earlier run: 1 policies adopted" >/dev/null; }
# The last start to its "Policy engine adopted" line, in ms, by the journal's clock.
engine_adopted_ms() {
        local us
        us=$(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o json |
                jq -r 'select(.MESSAGE | strings | startswith("Policy engine adopted")) | .__REALTIME_TIMESTAMP' |
                tail -1)
        [ -n "$us" ] || fail "the daemon did not say it adopted the policy engine"
        echo $(((us * 1000 - START_NS) / 1000000))
}
# A process that runs and exits while no daemon runs: only the ring buffer knows of it.
marker=$TESTENV_DIR/adopt-marker
cp /bin/true "$marker"
marker_exec() { [ -n "$(journal_events TETRAGON_EVENT=process_exec TETRAGON_BINARY="$marker")" ]; }

# The writer: one attempt after the other, each exit status on a line.
writer() {
        local rc
        while [ ! -e "$TESTENV_DIR/stop" ]; do
                sh -c "echo x >> $target" && rc=0 || rc=$?
                echo "$rc" >>"$TESTENV_DIR/writes"
                # Paced: a start under a tight fork loop takes far longer on 2 cores.
                sleep 0.02
        done
}
writer 2>/dev/null &
WRITER_PID=$!

attempts() { wc -l <"$TESTENV_DIR/writes" 2>/dev/null || echo 0; }
# found UNCHANGED CHANGED DELETED: what the running daemon says of the run it replaced.
found() {
        local line
        line=$(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep '^Earlier runs pinned in ' | tail -1)
        [[ "$line" == *": 1 replaced, 0 kept; their policies: $1 unchanged, $2 changed, $3 deleted;"* ]] ||
                fail "expected $1 unchanged, $2 changed, $3 deleted; the daemon said: '$line'"
}
old_links=$TESTENV_DIR/old-links
: >"$old_links"
for cycle in $(seq 1 "$cycles"); do
        run_links "$(runs)" >>"$old_links"
        kill -KILL "$TESTENV_DAEMON_PID"
        wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
        before=$(attempts)
        [ "$cycle" != 1 ] || "$marker"
        # Dead for 5 s, by the clock: the writer goes on meanwhile.
        sleep 5
        dead=$(($(attempts) - before))
        [ "$dead" -gt 0 ] || fail "cycle $cycle: the writer made no attempt while the daemon was down"
        start_timed ms
        wait_for 120 "one run pinned" one_run || fail "cycle $cycle: $(runs | wc -l) runs pinned: $(runs)"
        n=$(run_links "$(runs)" | wc -l)
        [ "$n" = "$first_links" ] || fail "cycle $cycle: $n links pinned, not $first_links"
        [ "$cycle" != 1 ] || found 1 0 0
        adopted || fail "cycle $cycle: the process monitor was not adopted: $(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep 'Process monitor')"
        [ "$(monitor_links "$(runs)")" = "$first_monitor" ] ||
                fail "cycle $cycle: the process monitor's links changed: $(monitor_links "$(runs)"), not $first_monitor"
        engine_adopted || fail "cycle $cycle: the policy engine was not adopted: $(journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep 'Policy engine')"
        # Adopted whole: every link, the policy's and the engine's, is the first run's.
        [ "$(run_links "$(runs)")" = "$first_all" ] ||
                fail "cycle $cycle: the links changed: $(run_links "$(runs)"); first run: $first_all"
        if [ "$cycle" = 1 ]; then
                wait_for 30 "the exec of $marker while no daemon ran" marker_exec ||
                        fail "no process_exec for $marker, run while the daemon was down"
                echo "ok: a process run while the daemon was down is reported from the adopted ring buffer"
        fi
        echo "ok: cycle $cycle: $dead attempts while down, restarted in $ms ms (process monitor adopted after $(adopted_ms) ms, policy engine after $(engine_adopted_ms) ms), one run of the same $n links"
done
touch "$TESTENV_DIR/stop"
wait "$WRITER_PID" || true
WRITER_PID=

total=$(attempts)
misses=$(grep -cvx 137 "$TESTENV_DIR/writes" || true)
[ "$total" -gt "$cycles" ] || fail "only $total write attempts"
[ "$misses" = 0 ] || fail "$misses of $total write attempts were not killed: $(sort "$TESTENV_DIR/writes" | uniq -c)"
[ ! -s "$target" ] || fail "$target was written: $(head -c 100 "$target")"
echo "ok: $total write attempts over $cycles SIGKILL cycles, all killed, $target empty"

# Nothing of an earlier run is left but what was adopted: here, everything was.
current=$(run_links "$(runs)")
while read -r link prog; do
        grep -qx "$link $prog" <<<"$current" && continue # adopted, checked above
        ! bpftool link show id "$link" >/dev/null 2>&1 || fail "link $link of an earlier run is still there"
        grep -q " $prog\$" <<<"$current" && continue # the same program held by this run: impossible
        ! bpftool prog show id "$prog" >/dev/null 2>&1 || fail "program $prog of an earlier run is still loaded"
done <"$old_links"
echo "ok: the links of earlier runs are this run's, adopted ($(sort -u "$old_links" | wc -l) distinct over $cycles cycles)"

lost() { journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep -o 'could not deliver [0-9]* record' | tail -1; }
echo "note: the last start says its earlier run $(lost || echo "left no lost count")"

# Edited while the daemon was down: the new version replaces the old.
edited=$TESTENV_DIR/edited
: >"$edited"
kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
sed -i "s|\"$target\"|\"$edited\"|" "$policies/sys_write_sigkill.yaml"
start_replacing
sh -c "echo x >> $target" && rc=0 || rc=$?
[ "$rc" = 0 ] || {
        journal -t tetragond -o cat | tail -30 >&2
        find "$root" >&2
        fail "after the edit, writing $target exited $rc: the old version is still in force"
}
sh -c "echo x >> $edited" && rc=0 || rc=$?
[ "$rc" = 137 ] || fail "after the edit, writing $edited exited $rc, not 137"
[ "$(runs | wc -l)" = 1 ] || fail "after the edit: $(runs | wc -l) runs pinned"
found 0 1 0
echo "ok: a policy edited while the daemon was down is replaced"
: >"$target"

# Deleted while down: removed, nothing of it left attached. This start's ring buffer has
# another size: the process monitor cannot be adopted, it is loaded anew and the earlier
# one leaves the kernel.
kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
rm "$policies/sys_write_sigkill.yaml"
daemon_args+=(--rb-size-total 16M)
start_replacing
unset 'daemon_args[-1]' 'daemon_args[-1]'
journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep "^Process monitor loaded anew beside $root/run-" >/dev/null ||
        fail "with another ring size, the daemon did not say it loaded the process monitor anew"
! adopted || fail "with another ring size, the daemon says it adopted the process monitor"
monitor_gone() {
        local link prog
        while read -r link prog; do
                ! bpftool link show id "$link" >/dev/null 2>&1 || return 1
        done <<<"$first_monitor"
}
wait_for 30 "the earlier process monitor's links to leave the kernel" monitor_gone ||
        fail "the earlier process monitor's links are still in the kernel: $first_monitor"
echo "ok: with another ring size the process monitor is loaded anew, the earlier one is gone"
sh -c "echo x >> $edited" && rc=0 || rc=$?
[ "$rc" = 0 ] || fail "after the deletion, writing $edited exited $rc: the policy is still in force"
[ ! -e "$(runs)/link-sys_enter" ] || fail "sys_enter is still pinned with no policy"
found 0 0 1
echo "ok: a policy deleted while the daemon was down is removed"

# Start to running (earlier run replaced) with 50 policies.
kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
for i in $(seq 1 50); do
        cat >"$policies/p$i.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "pinned-$i"
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
        - "$TESTENV_DIR/p$i"
      matchActions:
      - action: Sigkill
EOF
done
start_timed ms_first
engine_adopted_50() { journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep "^Policy engine adopted from the earlier run: 50 policies adopted" >/dev/null; }
wait_for 120 "one run pinned" one_run || fail "with 50 policies: $(runs | wc -l) runs pinned"
kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
start_timed ms_again
ms_adopted=$(adopted_ms)
wait_for 120 "the policy engine adopted" engine_adopted_50 || fail "with 50 policies the engine was not adopted"
ms_engine=$(engine_adopted_ms)
: >"$TESTENV_DIR/p50"
sh -c "echo x >> $TESTENV_DIR/p50" && rc=0 || rc=$?
[ "$rc" = 137 ] || fail "with 50 policies, writing p50 exited $rc, not 137"
wait_for 120 "one run pinned" one_run || fail "with 50 policies: $(runs | wc -l) runs pinned"
echo "ok: 50 policies: start to running $ms_first ms, after SIGKILL (adopting the run) $ms_again ms, of which to the process monitor adopted $ms_adopted ms, to the policy engine adopted (50 policies) $ms_engine ms"
