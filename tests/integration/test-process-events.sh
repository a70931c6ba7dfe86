#!/bin/bash
# Issue 2, end to end: every exec and exit reaches the journal and the export
# file with the right fields, and processes that were running before the
# daemon started are known with their real parent.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

work=$TESTENV_DIR/work
mkdir -p "$work/cwd dir"
# Uniquely named copies, so the events we look for can only be ours.
tag=tg$$x$RANDOM
cp /bin/sh "$work/$tag-sh"
cp /bin/sleep "$work/$tag-sleep"

# Running before the daemon: must appear from /proc, with its real parent.
"$work/$tag-sleep" 600 &
early_pid=$!

testenv_start_daemon --export-file "$TESTENV_DIR/events.json" --policy-dir "$work"

# A uniquely named command with known arguments, cwd and exit code.
(cd "$work/cwd dir" && exec "$work/$tag-sh" -c 'exit 7' "$tag-arg one" two) && rc=0 || rc=$?
[ "$rc" = 7 ] || fail "the test command exited $rc, not 7"
kill "$early_pid"
wait "$early_pid" 2>/dev/null || true

exec_matches() { [ -n "$(journal_events TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-sh")" ]; }
exit_matches() { [ -n "$(journal_events TETRAGON_EVENT=process_exit TETRAGON_BINARY="$work/$tag-sh")" ]; }
early_exit_matches() { [ -n "$(journal_events TETRAGON_EVENT=process_exit TETRAGON_BINARY="$work/$tag-sleep")" ]; }
wait_for 20 "process_exec in the journal" exec_matches || fail "no process_exec event"
wait_for 20 "process_exit in the journal" exit_matches || fail "no process_exit event"
wait_for 20 "the early process's exit" early_exit_matches || fail "no process_exit for the early process"

exec_json=$(journal_events TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-sh")
exit_json=$(journal_events TETRAGON_EVENT=process_exit TETRAGON_BINARY="$work/$tag-sh")
early_json=$(journal_events TETRAGON_EVENT=process_exit TETRAGON_BINARY="$work/$tag-sleep")

check() { # check DESCRIPTION JSON JQ-EXPRESSION EXPECTED
        local got
        got=$(jq -r "$3" <<<"$2")
        [ "$got" = "$4" ] || fail "$1: expected '$4', got '$got' in $2"
        echo "ok: $1 = $4"
}

check "exec pid is a child of this shell" "$exec_json" '.process_exec.process.pid > 0' true
check "exec parent is this test's shell" "$exec_json" '.process_exec.parent.pid' "$$"
check "exec binary" "$exec_json" '.process_exec.process.binary' "$work/$tag-sh"
check "exec arguments" "$exec_json" '.process_exec.process.arguments' "-c \"exit 7\" \"$tag-arg one\" two"
check "exec cwd" "$exec_json" '.process_exec.process.cwd' "$work/cwd dir"
check "exec uid" "$exec_json" '.process_exec.process.uid' "$(id -u)"
check "exec has an exec_id" "$exec_json" '.process_exec.process.exec_id | length > 0' true
check "exec parent_exec_id is the parent's exec_id" "$exec_json" \
        '.process_exec.process.parent_exec_id == .process_exec.parent.exec_id' true
check "exec node_name" "$exec_json" '.node_name' "$(uname -n)"
pid=$(jq -r '.process_exec.process.pid' <<<"$exec_json")
exec_id=$(jq -r '.process_exec.process.exec_id' <<<"$exec_json")
check "exit pid" "$exit_json" '.process_exit.process.pid' "$pid"
check "exit exec_id matches the exec" "$exit_json" '.process_exit.process.exec_id' "$exec_id"
check "exit status" "$exit_json" '.process_exit.status' 7
check "early process is from /proc" "$early_json" '.process_exit.process.flags | test("procFS")' true
check "early process pid" "$early_json" '.process_exit.process.pid' "$early_pid"
check "early process parent is this shell" "$early_json" '.process_exit.parent.pid' "$$"
check "early process was killed by SIGTERM" "$early_json" '.process_exit.signal' SIGTERM

# The journal entry's own fields, for journalctl matching.
fields=$(journal -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-sh")
check "journal TETRAGON_PID" "$fields" '.TETRAGON_PID' "$pid"
check "journal TETRAGON_JSON's exec_id" "$fields" '.TETRAGON_JSON | fromjson | .process_exec.process.exec_id' "$exec_id"
# Copies of the JSON nobody matches on stay out of the entry (issue 12: half its size).
check "journal: no TETRAGON_EXEC_ID copy" "$fields" '[has("TETRAGON_EXEC_ID"), has("TETRAGON_ARGS"), has("TETRAGON_PPID")] | tostring' '[false,false,false]'
check "journal MESSAGE" "$fields" '.MESSAGE' "🚀 process $work/$tag-sh -c \"exit 7\" \"$tag-arg one\" two"
check "journal PRIORITY" "$fields" '.PRIORITY' 6

# The export file holds the same events.
check "export file has the exec" "$(grep -F "\"$exec_id\"" "$TESTENV_DIR/events.json" | grep process_exec | head -1)" \
        '.process_exec.process.binary' "$work/$tag-sh"
check "export file has the exit" "$(grep -F "\"$exec_id\"" "$TESTENV_DIR/events.json" | grep process_exit | head -1)" \
        '.process_exit.status' 7
mode=$(stat -c %a "$TESTENV_DIR/events.json")
[ "$mode" = 600 ] || fail "export file mode is $mode, not 600"
echo "ok: export file mode 600"

# Clean shutdown on SIGTERM.
kill -TERM "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" && rc=0 || rc=$?
TESTENV_DAEMON_PID=
[ "$rc" = 0 ] || fail "tetragond exited $rc on SIGTERM"
echo "ok: clean exit on SIGTERM"
