#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# unitSelector (a tetragond extension) with real systemd units: a kill policy scoped to units
# kills in a unit that ran before it loaded, in one started after, again after a restart (a
# new cgroup), in a unit under a scoped slice, and nowhere else; tetractl show lists them.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
policy=unit-scope
policy_file=/etc/tetragon/policies.d/$policy.yaml
target=/tmp/unit-scope-target
fifo=/tmp/unit-scope-go

finish() {
        local status=$1

        if [ "$status" -eq 1 ]; then
                bounded 10 tetractl show "$policy" 2>&1
                journalctl --no-pager -u "$unit" -n 30
        fi
        rm -f "$policy_file" "$target" "$fifo"
        bounded 30 systemctl stop tg-early.service tg-victim.service tg-other.service \
                > /dev/null 2>&1
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        exit "$status"
}
trap 'finish $?' EXIT

cat > "$policy_file" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $policy
spec:
  unitSelector:
    operator: In
    values: [tg-early.service, tg-victim.service, tg-slice.slice]
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["$target"]
      matchActions:
      - action: Sigkill
EOT
: > "$target"
rm -f "$fifo"
mkfifo "$fifo"

# A unit that runs before the policy loads: it opens the target once told to.
bounded 30 systemd-run --quiet --unit=tg-early --service-type=exec \
        /bin/sh -c "read x < $fifo; exec cat $target" || fail "systemd-run tg-early failed"

bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
wait_until 30 policy_state loaded "$policy" || fail "$policy is not loaded within 30s"
echo "ok: $policy loaded"

# result UNIT: how its main process ended, as systemd saw it.
result() {
        systemctl show -p ExecMainCode -p ExecMainStatus --value "$1" 2>/dev/null | tr '\n' ' '
}
early_done() { [ "$(systemctl show -p ActiveState --value tg-early.service)" != active ]; }
echo go > "$fifo"
wait_until 20 early_done || fail "tg-early did not finish"
# A unit whose process was killed: code 2 (CLD_KILLED), status 9; it stays loaded, failed.
[ "$(result tg-early.service)" = "2 9 " ] ||
        fail "tg-early (running before the policy loaded) ended with '$(result tg-early.service)'"
echo "ok: a unit running before the policy loaded is killed there"

# run_unit NAME [systemd-run options]: runs cat on the target as a new unit, waits, and prints
# how it ended ("2 9" for SIGKILL, "1 0" for exit 0).
run_unit() {
        local name=$1

        shift
        bounded 30 systemctl reset-failed "$name" > /dev/null 2>&1
        bounded 30 systemd-run --quiet --unit="$name" --wait -p RemainAfterExit=yes "$@" \
                /bin/cat "$target" > /dev/null 2>&1
        result "$name"
        bounded 30 systemctl stop "$name" > /dev/null 2>&1
}
got=$(run_unit tg-victim.service)
[ "$got" = "2 9 " ] || fail "tg-victim (started after the policy loaded) ended with '$got'"
echo "ok: a unit started after the policy loaded is killed"
got=$(run_unit tg-victim.service)
[ "$got" = "2 9 " ] || fail "tg-victim, run again (a new cgroup), ended with '$got'"
echo "ok: the unit restarted (a new cgroup) is killed again"
got=$(run_unit tg-other.service)
[ "$got" = "1 0 " ] || fail "tg-other (no scoped unit) ended with '$got', not exit 0"
echo "ok: another unit is not killed"
got=$(run_unit tg-in-slice.service --slice=tg-slice.slice)
[ "$got" = "2 9 " ] || fail "a unit in the scoped slice ended with '$got'"
echo "ok: a unit below a scoped slice is killed"
cat "$target" > /dev/null || fail "the test's own cat was not allowed to run"
echo "ok: outside the units nothing is killed"

show=$(bounded 10 tetractl show "$policy")
# The killed units' cgroups are gone; the slice (tg-slice.slice nests in tg.slice) stays.
grep -q "In tg-slice.slice: tg.slice/tg-slice.slice" <<< "$show" ||
        fail "tetractl show does not list tg-slice.slice's cgroup: $show"
grep -q "In tg-victim.service: not running" <<< "$show" ||
        fail "tetractl show does not say tg-victim is not running: $show"
echo "ok: tetractl show lists the units and their cgroups now"
