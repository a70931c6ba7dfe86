#!/bin/bash
# Issue 5: no enforcement gap. While a kill policy is reloaded 100 times (each time a changed
# file, so each reload installs a new version beside the old one before removing it), a loop
# of children keeps writing to the watched path: every attempt must be killed, and the file
# must stay empty. Needs the in-kernel engine: skips (77) while the daemon has none.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
testenv_start_journald
bus_start

T=$top_builddir/tetractl
RELOADS=100
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
target=$TESTENV_DIR/watched-$$
: >"$target"
chmod 0666 "$target"

kill_policy() { # kill_policy GENERATION
        cat <<EOF
# generation $1
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: no-gap-kill
spec:
  kprobes:
  - call: sys_write
    syscall: true
    args:
    - index: 0
      type: fd
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values:
        - "$target"
      matchActions:
      - action: Sigkill
EOF
}
kill_policy 0 >"$policies/no-gap.yaml"

testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"
[ "$(bus_get EngineAvailable)" = "b true" ] || skip "needs the in-kernel policy engine (EngineAvailable is false)"
loaded() { "$T" show -o json no-gap | jq -e '.state == "loaded"' >/dev/null; }
wait_for 10 "the kill policy to load" loaded || fail "the kill policy did not load: $("$T" show no-gap)"

# The writers: each attempt a new process that opens the file and writes one byte.
"$BASH" -c '
        attempts=0 killed=0
        while [ ! -e "$1.stop" ]; do
                sh -c "printf x >>\"$1\"" 2>/dev/null && rc=0 || rc=$?
                attempts=$((attempts + 1))
                [ $rc = 137 ] && killed=$((killed + 1))
        done
        echo "$attempts $killed" >"$1.result"
' writers "$target" &
writers=$!

for ((i = 1; i <= RELOADS; i++)); do
        kill_policy "$i" >"$policies/.no-gap.yaml.tmp"
        chmod 0644 "$policies/.no-gap.yaml.tmp"
        mv -f "$policies/.no-gap.yaml.tmp" "$policies/no-gap.yaml"
        "$T" reload >/dev/null || fail "reload $i failed: $("$T" show no-gap)"
        loaded || fail "after reload $i the policy is not loaded: $("$T" show no-gap)"
done
touch "$target.stop"
wait "$writers"
read -r attempts killed <"$target.result"
echo "writers: $attempts attempts, $killed killed, during $RELOADS reloads"
[ "$attempts" -gt 0 ] || fail "the writers never ran"
[ -s "$target" ] && fail "$(wc -c <"$target") write(s) reached $target during the reloads"
[ "$killed" = "$attempts" ] || fail "only $killed of $attempts writers were killed"
echo "ok: every write was killed across $RELOADS reloads"
