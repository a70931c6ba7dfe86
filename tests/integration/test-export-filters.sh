#!/bin/bash
# Issue 12: --export-denylist and --export-allowlist keep events from every sink
# (journal, export file, stdout), count what they keep, and change at reload.
# vmtest-host-only: user space only (the stream's export filters), the same on every kernel; make check runs it
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
bus_start

export TETRAGOND_CONFIG_ROOT=$TESTENV_DIR/root # never the real /etc
dir=$TESTENV_DIR/config
policies=$TESTENV_DIR/policies
events=$TESTENV_DIR/events.json
mkdir -p "$dir" "$policies"
tag=tg$$x$RANDOM
keep=$TESTENV_DIR/$tag-keep
allowed=$TESTENV_DIR/$tag-allowed
cp /bin/true "$keep"
cp /bin/true "$allowed"

exported() { # BINARY: an exec of it is in the export file
        jq -r '.process_exec.process.binary // empty' "$events" | grep -Fx -- "$1" >/dev/null
}
journaled() { # BINARY: any event of it is in the journal
        [ -n "$(journal TETRAGON_BINARY="$1" -o cat)" ]
}
printed() { # BINARY: an exec of it was printed on stdout (--stdout=json)
        jq -r '.process_exec.process.binary // empty' "$TESTENV_DIR/daemon.out" 2>/dev/null |
                grep -Fx -- "$1" >/dev/null
}
filtered() { "$top_builddir/tetractl" status -o json | jq -r .events_filtered; }

# The denylist from Tetragon's documentation's shape: a regex on the binary.
echo '{"binary_regex": ["^/usr/bin/true$"]}' >"$dir/export-denylist"
testenv_start_daemon --config-dir "$dir" --policy-dir "$policies" --export-filename "$events" \
        --stdout json
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"

before=$(filtered)
/usr/bin/true
/usr/bin/true
"$keep"
wait_for 20 "the kept binary in the export file" exported "$keep" || fail "$keep was not exported"
wait_for 20 "the kept binary in the journal" journaled "$keep" || fail "$keep is not in the journal"
wait_for 20 "the kept binary on stdout" printed "$keep" || fail "$keep was not printed"
echo "ok: an event the denylist does not name reaches the journal, export file and stdout"
# One ring buffer keeps order: /usr/bin/true ran before $keep, so its events were dispatched.
! exported /usr/bin/true || fail "/usr/bin/true reached the export file"
! journaled /usr/bin/true || fail "/usr/bin/true reached the journal"
! printed /usr/bin/true || fail "/usr/bin/true reached stdout"
echo "ok: /usr/bin/true's events reach no sink"
after=$(filtered)
# Two execs and two exits at least (other processes may run /usr/bin/true too).
[ $((after - before)) -ge 4 ] || fail "EventsFiltered went from $before to $after, expected +4 or more"
echo "ok: EventsFiltered counted them ($before -> $after)"
status=$("$top_builddir/tetractl" status)
grep -E "Events: [0-9]+ sent to the sinks, [0-9]+ filtered out," <<<"$status" >/dev/null ||
        fail "tetractl status does not show the filtered count: $status"
echo "ok: tetractl status shows the filtered count"

# An allowlist is default-deny: only what it names is exported. At reload, no restart.
rm "$dir/export-denylist"
echo "{\"binary_regex\": [\"/$tag-allowed\$\"], \"event_set\": [\"PROCESS_EXEC\"]}" \
        >"$dir/export-allowlist"
kill -HUP "$TESTENV_DAEMON_PID"
allowlist_on() { journal -t tetragond -o cat | grep -F "Setting export-allowlist changed" >/dev/null; }
wait_for 20 "the allowlist to be applied" allowlist_on || fail "the allowlist was not applied"
"$keep" second-run
"$allowed"
wait_for 20 "the allowed binary's exec" exported "$allowed" || fail "$allowed was not exported"
n_keep=$(jq -r 'select(.process_exec.process.binary == $b) | .process_exec.process.arguments' \
        --arg b "$keep" "$events" | grep -c second-run || true)
[ "$n_keep" = 0 ] || fail "the allowlist let $keep through"
exit_of_allowed=$(jq -r 'select(.process_exit.process.binary == $b)' --arg b "$allowed" "$events")
[ -z "$exit_of_allowed" ] || fail "the allowlist's event_set let a process_exit through"
echo "ok: the allowlist exports only what it names (binary and event type)"

# The denylist is gone: /usr/bin/true is no longer filtered, but the allowlist keeps it out.
/usr/bin/true
"$allowed"
n_allowed() { [ "$(jq -r 'select(.process_exec.process.binary == $b) | 1' --arg b "$allowed" "$events" | wc -l)" -ge 2 ]; }
wait_for 20 "the second allowed exec" n_allowed || fail "the second $allowed exec was not exported"
! exported /usr/bin/true || fail "/usr/bin/true passed an allowlist that does not name it"
echo "ok: default-deny holds for everything else"

# Field filters shape the export JSON, at reload too: no arguments and no parent in execs.
echo '{"event_set": ["PROCESS_EXEC"], "fields": "process.arguments,parent", "action": "EXCLUDE"}' \
        >"$dir/field-filters"
kill -HUP "$TESTENV_DAEMON_PID"
fields_on() { journal -t tetragond -o cat | grep -F "Setting field-filters changed" >/dev/null; }
wait_for 20 "the field filters to be applied" fields_on || fail "the field filters were not applied"
"$allowed" field-test
n_allowed3() { [ "$(jq -r 'select(.process_exec.process.binary == $b) | 1' --arg b "$allowed" "$events" | wc -l)" -ge 3 ]; }
wait_for 20 "the third allowed exec" n_allowed3 || fail "the third $allowed exec was not exported"
last=$(jq -c 'select(.process_exec.process.binary == $b)' --arg b "$allowed" "$events" | tail -1)
[ "$(jq -c '[(.process_exec.process | has("arguments")), (.process_exec | has("parent")), (.process_exec.process.pid > 0)]' <<<"$last")" = "[false,false,true]" ] ||
        fail "field filters did not shape the exec: $last"
in_journal=$(journal TETRAGON_BINARY="$allowed" TETRAGON_EVENT=process_exec -o json | tail -1)
[ "$(jq -r '.TETRAGON_JSON | fromjson | .process_exec | has("parent")' <<<"$in_journal")" = false ] ||
        fail "TETRAGON_JSON still has the parent"
[ "$(jq -r '.MESSAGE' <<<"$in_journal")" = "🚀 process $allowed field-test" ] ||
        fail "the journal's MESSAGE= should keep the arguments: $(jq -r .MESSAGE <<<"$in_journal")"
echo "ok: field filters remove arguments and parent from the JSON, the journal's MESSAGE keeps them"

# ancestor_binary_regex and capabilities (issue 12): the denylist drops the execs below a
# binary (not of its children, which have it as parent) and those without CAP_SYS_ADMIN.
anc=$TESTENV_DIR/$tag-anc
capbin=$TESTENV_DIR/$tag-cap
cp /bin/sh "$anc"
cp /bin/true "$capbin"
rm "$dir/export-allowlist" "$dir/field-filters"
{
        echo "{\"ancestor_binary_regex\": [\"/$tag-anc\$\"]}"
        echo "{\"binary_regex\": [\"/$tag-cap\$\"], \"capabilities\": {\"effective\": {\"none\": [\"CAP_SYS_ADMIN\"]}}}"
} >"$dir/export-denylist"
kill -HUP "$TESTENV_DAEMON_PID"
denylist_twice() { [ "$(journal -t tetragond -o cat | grep -cF "Setting export-denylist changed")" -ge 2 ]; }
wait_for 20 "the new denylist to be applied" denylist_twice || fail "the new denylist was not applied"
# $anc forks sh, which forks $keep: $anc is $keep's grandparent, sh's parent.
"$anc" -c "/bin/sh -c '\"$keep\" anc-test; true'; true"
"$capbin" full-caps
setpriv --bounding-set=-sys_admin "$capbin" no-sys-admin
"$keep" marker
args_of() { # BINARY: the arguments of its execs in the export file
        jq -r 'select(.process_exec.process.binary == $b) | .process_exec.process.arguments' \
                --arg b "$1" "$events"
}
marker_exported() { args_of "$keep" | grep -Fx marker >/dev/null; }
wait_for 20 "the marker exec" marker_exported || fail "the marker exec was not exported"
! args_of "$keep" | grep -F anc-test >/dev/null || fail "the exec below $anc was exported"
jq -r 'select(.process_exec.parent.binary == $b) | .process_exec.process.arguments' \
        --arg b "$anc" "$events" | grep -F anc-test >/dev/null ||
        fail "the sh whose parent (not ancestor) is $anc was not exported"
echo "ok: ancestor_binary_regex drops the execs below a binary, not its children's"
args_of "$capbin" | grep -Fx full-caps >/dev/null || fail "$capbin with CAP_SYS_ADMIN was not exported"
! args_of "$capbin" | grep -F no-sys-admin >/dev/null ||
        fail "$capbin without CAP_SYS_ADMIN was exported"
echo "ok: capabilities {effective: {none: [CAP_SYS_ADMIN]}} drops the exec without it"
