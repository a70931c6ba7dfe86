#!/bin/bash
# unitSelector (a tetragond extension) through the daemon: a kill policy scoped to a unit kills
# there and nowhere else, keeps doing so when the unit restarts (a new cgroup), covers a unit
# started after it loaded, and tetractl show lists the units' cgroups as they are now. The
# units are cgroups made by hand, named as systemd names them (systemd need not be PID 1).
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
testenv_start_journald
exec </dev/null

T=$top_builddir/tetractl
hierarchy=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
[ -n "$hierarchy" ] || fail "no cgroup2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup)"
root=$hierarchy/tetragond-test-$$
unit=tetragond-test-$$.service
late=tetragond-late-$$.service
target=$TESTENV_DIR/target
cleanup() {
        rmdir "$root/$unit/payload" "$root/$unit" "$root/$late" "$root/other" "$root" 2>/dev/null || :
        testenv_cleanup
}
trap cleanup EXIT
mkdir -p "$root/$unit/payload" "$root/other"

policies=$TESTENV_DIR/policies
mkdir -p "$policies"
sed -e "s|\${OPERATOR}|In|" -e "s|\${UNIT}|$unit|" -e "s|\${LATE_UNIT}|$late|" \
        -e "s|\${PATH}|$target|" "$top_srcdir/tests/data/engine/unit-scope.yaml" \
        >"$policies/unit-scope.yaml"

bus_start
testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"
loaded() { "$T" list 2>/dev/null | grep -E '^unit-scope +loaded' >/dev/null; }
wait_for 20 "the policy to load" loaded || fail "the policy did not load: $("$T" list 2>&1)"

# opens_in CGROUP: the exit status of a shell that joins CGROUP ("" stays) and opens the target.
opens_in() {
        local rc=0
        sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 10; exec cat "$2"' sh "$1" \
                "$target" >/dev/null 2>&1 || rc=$?
        echo "$rc"
}
: >"$target"
expect() { # expect DESCRIPTION CGROUP STATUS
        local got
        got=$(opens_in "$2")
        [ "$got" = "$3" ] || fail "$1: exit $got, not $3"
        echo "ok: $1"
}
expect "killed in the unit" "$root/$unit" 137
expect "killed in a cgroup below the unit" "$root/$unit/payload" 137
expect "not killed in another cgroup" "$root/other" 0
expect "not killed where the test runs" "" 0

out=$("$T" show unit-scope)
[[ "$out" == *"Units: In $unit: tetragond-test-$$/$unit"* ]] ||
        fail "show does not list the unit's cgroup: $out"
[[ "$out" == *"In $late: not running (no cgroup now)"* ]] ||
        fail "show does not say the late unit is not running: $out"
echo "ok: tetractl show lists the unit's cgroup and the unit not running"

rmdir "$root/$unit/payload" "$root/$unit"
mkdir "$root/$unit"
expect "killed in the unit after it restarted" "$root/$unit" 137
mkdir "$root/$late"
expect "killed in a unit started after the policy loaded" "$root/$late" 137

json=$("$T" show -o json unit-scope)
[ "$(jq -c '[.units[] | [.operator, .unit, .cgroup]]' <<<"$json")" = \
        "[[\"In\",\"$unit\",\"tetragond-test-$$/$unit\"],[\"In\",\"$late\",\"tetragond-test-$$/$late\"]]" ] ||
        fail "show -o json units: $json"
echo "ok: show -o json lists both units' cgroups now"
