#!/bin/bash
# tetractl getevents like `tetra getevents` and journalctl (issue 17 items 4, 7, 8, 9 and
# issue 12's getevents item): tetra's flags, journalctl's -n/--until/--no-pager, validated
# values, the same filters on the journal and on export JSON lines from stdin.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
# getevents reads a pipe on stdin as tetra does: only where a test says so.
exec </dev/null

T=$top_builddir/tetractl
policies=$TESTENV_DIR/policies
work=$TESTENV_DIR/work
mkdir -p "$policies" "$work"
chmod 0755 "$policies"
trigger=$work/sync-trigger
cp /bin/sync "$trigger"
printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: alpha-policy\nspec:\n  kprobes:\n  - call: sys_sync\n    syscall: true\n    selectors:\n    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' "$trigger" >"$policies/alpha.yaml"
export_file=$TESTENV_DIR/export.json
# Every exec on this (busy) host goes to the export file: no rotation under the test's feet.
testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state" \
        --export-file "$export_file" --export-file-max-size=0

ok() { echo "ok: $*"; }
run() { # run EXPECTED-EXIT COMMAND...: stdout in $out, stderr in $err
        local want=$1 rc=0
        shift
        "$@" >"$TESTENV_DIR/out" 2>"$TESTENV_DIR/err" || rc=$?
        out=$(cat "$TESTENV_DIR/out")
        err=$(cat "$TESTENV_DIR/err")
        [ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want; stdout: $out; stderr: $err"
}
is() { [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"; ok "$1"; }
has() { [[ "$2" =~ $3 ]] || fail "$1: '$2' does not match '$3'"; ok "$1"; }

tag=tg$$x$RANDOM
cp /bin/true "$work/$tag"
"$work/$tag" one two
"$trigger"
seen() {
        [ -n "$("$T" getevents --binary "$work/$tag" -e process_exit)" ] &&
                [ -n "$("$T" getevents --binary "$trigger" -e process_kprobe)" ] &&
                grep -q "\"binary\":\"$work/$tag\".*\"process_exit\"\|\"process_exit\".*\"binary\":\"$work/$tag\"" "$export_file"
}
wait_for 30 "the events in the journal and the export file" seen || fail "no events of $work/$tag"

# Item 8: a binary without '/' is a base name; unknown event types are refused with the list.
run 0 "$T" getevents --binary "$tag" -e process_exec
is "--binary NAME matches the base name" "$out" "🚀 process $work/$tag one two"
run 0 "$T" getevents --binary "$tag" --event-types PROCESS_EXIT
is "--event-types in tetra's spelling" "$out" "💥 exit $work/$tag one two 0"
run 0 "$T" getevents --binary "$tag" --event-type process_exec,process_exit
is "a comma-separated list" "$(wc -l <<<"$out")" 2
run 2 "$T" getevents -e process_open
is "an unknown event type" "$err" "tetractl: unknown event type 'process_open'; known types: process_exec, process_exit, process_kprobe, process_tracepoint, process_uprobe, process_lsm, process_usdt, process_loader."
run 1 "$T" getevents --policy-names no-such-policy
is "a policy without events" "$err" "tetractl: no events of policy 'no-such-policy' in the journal; policies with events: alpha-policy."
run 0 "$T" getevents --policy-names alpha-policy -o json
is "--policy-names" "$(jq -r '.process_kprobe.policy_name' <<<"$out" | sort -u)" alpha-policy
run 0 "$T" getevents --policy alpha-policy --binary "$trigger" -o compact
has "--policy (ours) still works" "$out" "sys_sync"

# Item 9: tetra's --processes regex (and --process).
run 0 "$T" getevents --processes "/$tag\$" -o json
is "--processes REGEX" "$(jq -r '(.process_exec // .process_exit).process.binary' <<<"$out" | sort -u)" "$work/$tag"
run 0 "$T" getevents --process "^/nonexistent/"
is "--process, no match" "$out" ""
run 2 "$T" getevents --processes "(unclosed"
has "a bad regex" "$err" "^tetractl: invalid --processes regex '\(unclosed': "

# Item 7: -n, --until, --no-pager, --timestamps.
run 0 "$T" getevents --binary "$tag" -n 1 --no-pager
is "-n 1: the last event only" "$out" "💥 exit $work/$tag one two 0"
run 0 "$T" getevents --binary "$tag" --lines=0
is "-n 0" "$out" ""
run 0 "$T" getevents --binary "$tag" --until @1
is "--until before everything" "$out" ""
run 0 "$T" getevents --binary "$tag" --until "@$(($(date +%s) + 3600))"
is "--until after everything" "$(wc -l <<<"$out")" 2
run 0 "$T" getevents --binary "$tag" -e process_exec --timestamps
has "--timestamps" "$out" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 🚀 process $work/$tag one two$"

# --color.
run 0 "$T" getevents --binary "$tag" -e process_exec --color=always
is "--color=always" "$out" $'\e[32m'"🚀 process $work/$tag one two"$'\e[0m'
run 0 "$T" getevents --binary "$tag" -e process_exec --color never
is "--color=never" "$out" "🚀 process $work/$tag one two"
run 2 "$T" getevents --color=sometimes
is "a bad --color" "$err" "tetractl: invalid --color 'sometimes': auto, always or never."

# tetra's field masks: --include-fields and -F/--exclude-fields.
run 0 "$T" getevents -o json --binary "$tag" -e process_exec --include-fields process.binary,process.pid
is "--include-fields keeps only those" "$(jq -c '.process_exec | [keys, (.process | keys)]' <<<"$out")" \
        '[["process"],["binary","pid"]]'
is "--include-fields leaves the envelope" "$(jq -c 'has("time") and has("node_name")' <<<"$out")" true
run 0 "$T" getevents -o json --binary "$tag" -e process_exec -F parent,process.arguments
is "-F drops those" "$(jq -c '.process_exec | [has("parent"), (.process | has("arguments")), (.process.binary | length > 0)]' <<<"$out")" \
        '[false,false,true]'
run 2 "$T" getevents --exclude-fields 'process..pid'
has "a bad field path" "$err" "^tetractl: invalid field path 'process..pid'"
# -f is --follow: tetra's "-f process" must not be misread.
run 2 "$T" getevents -f process
is "tetra's -f LIST" "$err" "tetractl: getevents takes no arguments ('process'). -f is --follow here, as in journalctl; for tetra's -f use --include-fields=process."

# --stdin and a pipe: the export file, with the same filters. Its lines that name our binary
# (our exec and exit, and other tools' execs with it in their arguments), kept small.
grep -F "$tag" "$export_file" >"$TESTENV_DIR/export-part.json"
export_file=$TESTENV_DIR/export-part.json
run 0 "$T" getevents --stdin -o json --binary "$tag" <"$export_file"
is "--stdin: the export file's events" "$(jq -r 'keys[] | select(startswith("process_"))' <<<"$out" | tr '\n' ' ')" \
        "process_exec process_exit "
run 0 "$T" getevents -o json --binary "$tag" <"$export_file"
is "a file on stdin" "$(jq -r 'keys[] | select(startswith("process_"))' <<<"$out" | tr '\n' ' ')" \
        "process_exec process_exit "
run 0 bash -c "cat '$export_file' | '$T' getevents --binary '$tag' -e process_exec"
is "a pipe on stdin, compact" "$out" "🚀 process $work/$tag one two"
run 0 bash -c "cat '$export_file' | '$T' getevents --binary '$tag' -n 1"
is "a pipe with -n 1" "$out" "💥 exit $work/$tag one two 0"
run 0 bash -c "printf 'not json\n' | '$T' getevents"
is "a bad line on stdin" "$err" "tetractl: stdin:1: not a JSON object: '[' or '{' expected near 'not', ignoring."
run 2 "$T" getevents --stdin --since today
is "--since with --stdin" "$err" "tetractl: --since and --until use the journal's timestamps; they do not apply to --stdin."

# Item 4: a user who cannot read the system journal is told why (exit 4, access denied).
run 4 setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" getevents
is "no journal access" "$err" "tetractl: no events: tetragond's entries are in the system journal, which only root and members of the groups 'adm' and 'systemd-journal' can read."
