#!/bin/bash
# Issue 4, end to end: with the seed's policy in the policy folder, a process
# writing to /tmp/passwd is killed before the write happens (also through a
# descriptor opened before the daemon started), its process_kprobe event
# reaches the journal with the policy, function, arguments and action, and
# writes to other files go on.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

target=/tmp/passwd
saved=
if [ -e "$target" ]; then
        saved=$TESTENV_DIR/passwd.saved
        cp -a "$target" "$saved"
fi
restore() {
        rm -f "$target"
        [ -z "$saved" ] || cp -a "$saved" "$target"
        testenv_cleanup
}
trap restore EXIT
rm -f "$target"
: >"$target"

mkdir -p "$TESTENV_DIR/policies"
cp "$top_srcdir/tests/data/engine/sys_write_sigkill.yaml" "$TESTENV_DIR/policies/"

# Opened before the daemon starts; writes once told to, through the fifo.
mkfifo "$TESTENV_DIR/go"
(exec 3>>"$target"; read -r _ <"$TESTENV_DIR/go"; printf early >&3) &
early_pid=$!

testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --state-dir "$TESTENV_DIR/state"
# Not grep -q: journalctl would die of SIGPIPE, a failure under pipefail.
loaded() { journal -t tetragond -o cat | grep "Policy sys_write_sigkill loaded" >/dev/null; }
wait_for 20 "the policy to load" loaded || {
        journal -t tetragond -o cat >&2
        fail "the policy did not load"
}

# The demo: a shell writes to the file.
sh -c "echo hello > $target" && rc=0 || rc=$?
[ "$rc" = 137 ] || fail "the writer exited $rc, not 137 (SIGKILL)"
[ ! -s "$target" ] || fail "$target was written: $(cat "$target")"
echo "ok: the writer was killed and $target is empty"

echo go >"$TESTENV_DIR/go"
wait "$early_pid" && rc=0 || rc=$?
[ "$rc" = 137 ] || fail "the early writer exited $rc, not 137 (SIGKILL)"
[ ! -s "$target" ] || fail "$target was written by the early writer"
echo "ok: the writer through a descriptor opened before the daemon was killed"

# Other files are untouched.
other=$TESTENV_DIR/other
sh -c "echo hello > $other" || fail "a write to another file failed"
[ "$(cat "$other")" = hello ] || fail "another file was not written"
echo "ok: writes to other files go on"

kprobe_events() {
        journal_events TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=syswritefollowfdpsswd
}
two_events() { [ "$(kprobe_events | wc -l)" -ge 2 ]; }
wait_for 20 "two process_kprobe events in the journal" two_events || fail "no process_kprobe events"

shell=$(readlink -f /bin/sh)
# sed -n 1p, not head: it reads everything, so no SIGPIPE fails the pipeline (pipefail).
json=$(kprobe_events | jq -c "select(.process_kprobe.process.binary == \"$shell\")" | sed -n 1p)
[ -n "$json" ] || fail "no event of $shell among: $(kprobe_events)"
check() { # check DESCRIPTION JQ-EXPRESSION EXPECTED
        local got
        got=$(jq -r "$2" <<<"$json")
        [ "$got" = "$3" ] || fail "$1: expected '$3', got '$got' in $json"
        echo "ok: $1 = $3"
}
check "policy_name" '.process_kprobe.policy_name' syswritefollowfdpsswd
check "function_name ends in sys_write" \
        '.process_kprobe.function_name | endswith("_sys_write")' true
check "the path resolved from the fd" '.process_kprobe.args[0].file_arg.path' "$target"
check "the buffer" '.process_kprobe.args[1].bytes_arg' "$(printf 'hello\n' | base64)"
check "the size" '.process_kprobe.args[2].size_arg' 6
check "the action" '.process_kprobe.action' KPROBE_ACTION_SIGKILL
check "no monitor mode" '.process_kprobe.policy_mode' null

fields=$(journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_BINARY="$shell" | sed -n 1p)
field() { # field NAME EXPECTED
        local got
        got=$(jq -r ".$1" <<<"$fields")
        [ "$got" = "$2" ] || fail "journal field $1: expected '$2', got '$got'"
        echo "ok: journal $1 = $2"
}
field TETRAGON_POLICY syswritefollowfdpsswd
field TETRAGON_ACTION SIGKILL
field PRIORITY 4
field MESSAGE "📝 write $shell $target 6 bytes [SIGKILL]"
[[ "$(jq -r .TETRAGON_FUNCTION <<<"$fields")" == *_sys_write ]] || fail "journal TETRAGON_FUNCTION"
echo "ok: journal TETRAGON_FUNCTION"

# The kill shows in the writer's exit.
pid=$(jq -r '.process_kprobe.process.pid' <<<"$json")
exit_json() { journal_events TETRAGON_EVENT=process_exit TETRAGON_PID="$pid"; }
has_exit() { [ -n "$(exit_json)" ]; }
wait_for 20 "the writer's process_exit" has_exit || fail "no process_exit for $pid"
[ "$(exit_json | jq -r .process_exit.signal)" = SIGKILL ] ||
        fail "exit without SIGKILL: $(exit_json)"
echo "ok: the writer's exit says SIGKILL"
