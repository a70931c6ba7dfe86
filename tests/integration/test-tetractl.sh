#!/bin/bash
# Issue 5: tetractl against the real daemon on a private bus: every verb's output (text and
# -o json), the daemon's messages printed verbatim, and the documented exit codes:
# 0 ok, 1 failed, 2 usage, 3 no daemon, 4 refused. With the real engine: alpha loads on any
# kernel (a syscall hook, tp_btf/sys_enter at worst, matching only our trigger binary), pods is
# valid but refused by the engine on every host (podSelector), broken is invalid YAML.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
# getevents reads a pipe on stdin as tetra does: the tests give it none.
exec </dev/null

T=$top_builddir/tetractl
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
# The only binary whose sync(2) the policies match.
trigger=$TESTENV_DIR/sync-trigger
cp /bin/sync "$trigger"
policy_text() { # policy_text METADATA-NAME
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  kprobes:\n  - call: sys_sync\n    syscall: true\n    selectors:\n    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' "$1" "$trigger"
}
# Valid, and refused by the engine on any host, with the same sentence everywhere.
pods_text() { # pods_text METADATA-NAME
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  kprobes:\n  - call: sys_sync\n    syscall: true\n' "$1"
}
pods_error() { # pods_error FILE
        echo "$1: this host has no Kubernetes, and the policy only applies there (podSelector at 6:3)"
}
PODS_ERROR=$(pods_error "$policies/pods.yaml")

ok() { echo "ok: $*"; }
# run EXPECTED-EXIT COMMAND...: run, keep stdout in $out and stderr in $err, check the exit.
run() {
        local want=$1 rc=0
        shift
        "$@" >"$TESTENV_DIR/out" 2>"$TESTENV_DIR/err" || rc=$?
        out=$(cat "$TESTENV_DIR/out")
        err=$(cat "$TESTENV_DIR/err")
        [ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want; stdout: $out; stderr: $err"
}
has() { # has DESCRIPTION TEXT REGEX
        [[ "$2" =~ $3 ]] || fail "$1: '$2' does not match '$3'"
        ok "$1"
}
is() { # is DESCRIPTION ACTUAL EXPECTED
        [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
        ok "$1"
}
# TEXT as a regular expression that matches only itself.
re_literal() { sed 's/[][\\.|$(){}?+*^]/\\&/g' <<<"$1"; }

# No bus at all, then a bus without the daemon: 3.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TESTENV_DIR/nonexistent
run 3 "$T" status
has "no bus: exit 3" "$err" '^tetractl: failed to connect to the system bus'
bus_start
run 3 "$T" list
has "no daemon: exit 3, says so" "$err" '^tetractl: tetragond is not running \(nobody owns io.tetragond1 on the system bus\).$'

# Usage: 2.
# Without a command: list, as systemctl lists units (here: no daemon).
run 3 "$T"
has "no command: list" "$err" '^tetractl: tetragond is not running'
run 2 "$T" frobnicate
is "unknown verb: exit 2" "$err" "tetractl: unknown command 'frobnicate'. See 'tetractl --help'."
run 2 "$T" show
is "the usage line of an error" "$err" "tetractl: wrong number of arguments for show. Usage: tetractl show [--source] [-o json] NAME"
run 0 "$T" show --help
is "... is the verb's --help" "$out" "Usage: tetractl show [--source] [-o json] NAME"
run 0 "$T" mode --help
is "mode --help" "$out" "Usage: tetractl mode NAME enforce|monitor"
run 0 "$T" version --help
is "version --help" "$out" "Usage: tetractl version [-o json]"
run 0 "$T" --version
has "--version" "$out" '^tetractl [0-9]+\.[0-9]+\.[0-9]+$'
run 0 "$T" -o json version
jq -e '.version | test("^[0-9.]+$")' <<<"$out" >/dev/null || fail "-o json version: $out"
ok "-o json version: an object"
# validate -o json: one line, a verdict per file even when valid, every key there.
printf 'kind: [\n' >"$TESTENV_DIR/invalid.yaml"
policy_text valid-policy >"$TESTENV_DIR/valid.yaml"
run 1 "$T" validate -o json "$TESTENV_DIR/invalid.yaml" "$TESTENV_DIR/valid.yaml"
is "validate -o json: one line" "$(wc -l <<<"$out")" 1
is "validate -o json: per-file verdicts" \
        "$(jq -c '[.valid, [.files[] | [.valid, .errors, .warnings, (.diagnostics | length), .kernel]]]' <<<"$out")" \
        '[false,[[false,1,0,1,null],[true,0,0,0,null]]]'
is "validate -o json: a diagnostic's keys" "$(jq -c '.files[0].diagnostics[0] | keys' <<<"$out")" \
        '["column","file","hint","line","message","severity"]'
run 2 "$T" mode x
run 2 "$T" mode x sideways
is "unknown mode: exit 2" "$err" 'tetractl: unknown mode sideways: enforce or monitor.'
run 2 "$T" status extra
run 2 "$T" -o yaml status
is "an unknown -o: which are allowed" "$err" "tetractl: unknown output format 'yaml': text, json, compact."
run 2 "$T" show -o yaml x
is "... for a verb: its own" "$err" "tetractl: unknown output format 'yaml' for show: text, json."
run 2 "$T" getevents -o text-ish </dev/null
is "... for getevents" "$err" "tetractl: unknown output format 'text-ish' for getevents: json, compact."
run 2 "$T" getevents --since yesterday-ish
run 2 "$T" getevents --pid abc
run 2 "$T" add --name ../x /dev/null
ok "usage errors exit 2"

policy_text alpha-policy >"$policies/alpha.yaml"
pods_text pods-policy >"$policies/pods.yaml"
printf 'kind: TracingPolicy\nspec: [\n' >"$policies/broken.yaml"
testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"

run 0 "$T" version
has "version" "$out" '^tetractl [0-9]'

run 0 "$T" status
has "status names the daemon" "$out" '^tetragond [0-9.]+, on the system bus as io.tetragond1'
has "status says the engine is available" "$out" $'\n *Engine: available\n'
has "status: degraded while policies fail" "$out" 'State: degraded'
has "status counts policies" "$out" 'Policies: 1 loaded, 2 failed, 0 disabled'
run 0 "$T" status -o json
is "status -o json" \
        "$(jq -r '.policies_loaded, .policies_failed, .engine_available, .policy_directory' <<<"$out" | tr '\n' ' ')" \
        "1 2 true $policies "
run 0 "$T" -o json status
jq -e .version <<<"$out" >/dev/null || fail "-o json before the verb"

run 0 "$T" list
has "list: header" "$out" '^NAME +STATE +MODE +INSTALLED +ERROR'
has "list: alpha, loaded, no error" "$out" $'\nalpha +loaded +enforce +yes +-\n'
has "list: broken with its position" "$out" "broken +failed +enforce +no +$policies/broken.yaml:[0-9]+:[0-9]+: error:"
# The error column is cut to fit: the sentence's beginning.
has "list: pods with the engine's sentence" "$out" \
        "pods +failed +enforce +no +$(re_literal "${PODS_ERROR:0:60}")"
has "list: count" "$out" '3 policies listed\.$'
run 0 "$T" --no-legend list
has "--no-legend: rows only" "$out" $'^alpha +loaded +enforce +yes +-\n'
[[ "$out" =~ NAME|listed ]] && fail "--no-legend printed a legend: $out"
ok "--no-legend: no header, no count"
run 0 env COLUMNS=70 "$T" list
has "a cell cut to fit the terminal ends with an ellipsis" "$out" $'\npods +failed +enforce +no +[^\n]*…\n'
while IFS= read -r line; do
        [ "${#line}" -le 70 ] || fail "a line wider than COLUMNS=70: '$line'"
done <<<"$out"
ok "COLUMNS=70: every line fits"
run 0 "$T" list -o json
is "list -o json: alpha" "$(jq -c '.[0] | [.name, .state, .installed, .error, .object]' <<<"$out")" \
        '["alpha","loaded",true,null,"/io/tetragond1/policy/alpha"]'
is "list -o json: pods" "$(jq -c '.[2] | [.name, .state, .installed, .error]' <<<"$out")" \
        "$(jq -cn --arg e "$PODS_ERROR" '["pods", "failed", false, $e]')"

run 0 "$T" show alpha
has "show: file" "$out" "^alpha \($policies/alpha.yaml\)"
has "show: state" "$out" $'\n *State: loaded\n'
has "show: policy names" "$out" 'Policies: alpha-policy'
has "show: the hook and the mechanism the engine chose" "$out" \
        $'\n *Hooks: kprobes\\[0\\] sys_sync: (fentry|kprobe|tp_btf/sys_enter)\n'
has "show: the hook's selector and its counters" "$out" \
        $'\n *Hooks: kprobes\\[0\\] sys_sync: [^\n]*\n +selector 0: matched 0, posted 0, actions 0, rate-limited 0, lost 0, monitored 0\n'
has "show: counters" "$out" $'\n *Counters: matched 0, posted 0, actions 0, rate-limited 0, lost 0, monitored 0$'
[[ "$out" =~ Error: ]] && fail "show of a loaded policy shows an error: $out"
run 0 "$T" show pods
has "show of a refused policy: state" "$out" 'State: failed \(nothing installed\)'
has "show of a refused policy: the engine's sentence" "$out" $'\n *Error: '"$(re_literal "$PODS_ERROR")"$'\n'
run 0 "$T" show --source alpha-policy
has "show --source, by metadata.name" "$out" 'call: sys_sync'
"$trigger"
run 0 "$T" show -o json alpha
is "show -o json" \
        "$(jq -c '[.state, .installed, .policies[0], .hooks[0].hook, .counters.matched, .counters.posted]' <<<"$out")" \
        '["loaded",true,"alpha-policy","kprobes[0] sys_sync",1,1]'
is "show -o json: the selector's counters" "$(jq -c '.hooks[0].selectors' <<<"$out")" \
        '[{"matched":1,"posted":1,"actions":0,"rate_limited":0,"lost":0,"monitored":0}]'
run 1 "$T" show nope
has "show of an unknown policy: exit 1, the daemon's words" "$err" '^No policy named "nope".$'

# Per selector: of two, only the second matches pair_trigger; pair_other matches neither.
pair_trigger=$TESTENV_DIR/sync-pair
pair_other=$TESTENV_DIR/sync-other
cp /bin/sync "$pair_trigger"
cp /bin/sync "$pair_other"
policy_text pair-policy | sed "s|$trigger|$TESTENV_DIR/never-runs|" >"$TESTENV_DIR/pair.yaml"
printf '    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' \
        "$pair_trigger" >>"$TESTENV_DIR/pair.yaml"
run 0 "$T" add "$TESTENV_DIR/pair.yaml"
is "add: the policy of two selectors" "$out" "Policy pair added, loaded."
for _ in 1 2; do
        "$pair_trigger"
        "$pair_other"
done
pair_matched() { [ "$("$T" show -o json pair | jq -c '[.hooks[0].selectors[].matched]')" = '[0,2]' ]; }
wait_for 10 "the second selector to count 2 calls" pair_matched ||
        fail "selector counters: $("$T" show -o json pair)"
run 0 "$T" show pair
has "show: each selector's counters" "$out" \
        $'\n *Hooks: kprobes\\[0\\] sys_sync: [^\n]*\n +selector 0: matched 0, posted 0, actions 0, rate-limited 0, lost 0, monitored 0\n +selector 1: matched 2, posted 2, actions 0, rate-limited 0, lost 0, monitored 0\n *Counters: matched 2, posted 2, actions 0, rate-limited 0, lost 0, monitored 0$'
run 0 "$T" show -o json pair
is "show -o json: each selector's counters" "$(jq -c '[.hooks[0].selectors[] | [.matched, .posted]], .counters.matched' <<<"$out" | tr '\n' ' ')" \
        '[[0,0],[2,2]] 2 '
run 0 "$T" remove pair

run 1 "$T" reload
has "reload: summary" "$out" '^Reloaded: 0 added, 0 changed, 0 removed, 1 unchanged, 2 failed.'
has "reload: each failure with its reason" "$out" "Failed: +pods: $(re_literal "$PODS_ERROR")"$'(\n|$)'
has "reload: the invalid file with its position" "$out" "Failed: +broken: $policies/broken.yaml:[0-9]+:[0-9]+: error:"
run 1 "$T" reload -o json
is "reload exits 1 when anything failed, -o json" \
        "$(jq -c '[.unchanged, [.failed[].name]]' <<<"$out")" '[["alpha"],["broken","pods"]]'

printf 'kind: [\n' >"$TESTENV_DIR/bad.yaml"
run 1 "$T" add "$TESTENV_DIR/bad.yaml"
# Positions in the file that was given, not in the one that was never written.
has "add of an invalid file: exit 1, the diagnostics" "$err" "^$TESTENV_DIR/bad.yaml:[0-9]+:[0-9]+: error: "
[ -e "$policies/bad.yaml" ] && fail "an invalid add wrote a file"
policy_text gamma-policy >"$TESTENV_DIR/gamma.yml"
run 0 "$T" add "$TESTENV_DIR/gamma.yml"
is "add: named after the file, loaded" "$out" "Policy gamma added, loaded."
[ -e "$policies/gamma.yaml" ] || fail "add did not write gamma.yaml"
run 1 "$T" add "$TESTENV_DIR/gamma.yml"
is "add of a taken name, with what to do" "$err" 'A policy named "gamma" exists already.
tetractl: hint: '"'tetractl add --replace' replaces policy gamma, '--name NAME' adds the file under another name."
run 0 "$T" add --replace "$TESTENV_DIR/gamma.yml"
is "add --replace says replaced" "$out" "Policy gamma replaced, loaded."
run 0 "$T" add --replace --name gamma -o json "$TESTENV_DIR/gamma.yml"
is "add --replace --name -o json" "$(jq -c '[.name, .state, .replaced]' <<<"$out")" '["gamma","loaded",true]'
# The same metadata.name under another file name: refused before anything is written.
run 1 "$T" add --name gammacopy "$TESTENV_DIR/gamma.yml"
has "add of a metadata.name another file uses" "$err" \
        "^$TESTENV_DIR/gamma.yml:4:9: error: policy name \"gamma-policy\" is already used by $policies/gamma.yaml"$'\n'"tetractl: hint: a policy's metadata.name must be unique on this host: change metadata.name in the file, or replace the policy that uses it with 'tetractl add --replace --name'.$"
[ -e "$policies/gammacopy.yaml" ] && fail "an add with a taken metadata.name wrote a file"
pods_text pods2-policy >"$TESTENV_DIR/pods2.yaml"
run 1 "$T" add "$TESTENV_DIR/pods2.yaml"
is "add of a policy the engine refuses: exit 1, and why" "$out" \
        "Policy pods2 added, failed: $(pods_error "$policies/pods2.yaml")
Its file stays in the policy folder and the daemon reports itself degraded: fix the file and run 'tetractl reload', or 'tetractl remove pods2'."
[ -e "$policies/pods2.yaml" ] || fail "add of a policy the engine refused did not keep its file"
run 1 "$T" add "$TESTENV_DIR/missing.yaml"
has "add of a missing file" "$err" "^tetractl: failed to read $TESTENV_DIR/missing.yaml: No such file or directory$"
run 2 "$T" add "$TESTENV_DIR"
is "add of a folder" "$err" "tetractl: $TESTENV_DIR is a folder; add takes one policy file. To load a folder's policies, copy them into the policy folder and run 'tetractl reload'."

run 0 "$T" mode gamma monitor
run 0 "$T" show gamma
has "mode" "$out" 'Mode: monitor \(set with tetractl mode\)'
has "mode: still loaded" "$out" $'\n *State: loaded\n'
run 0 "$T" disable gamma
run 0 "$T" list
has "disable" "$out" $'\ngamma +disabled +monitor +no +-\n'
run 0 "$T" enable gamma
run 0 "$T" list
has "enable: loaded and installed again" "$out" $'\ngamma +loaded +monitor +yes +-\n'
run 1 "$T" enable pods
is "enable: exit 1, the engine's sentence verbatim" "$err" "$PODS_ERROR"
run 1 "$T" disable nope
has "disable of an unknown policy" "$err" '^No policy named "nope".$'

# Refused for nobody: 4, with the daemon's sentence.
for verb in "reload" "remove gamma" "enable gamma" "disable gamma" "mode gamma enforce"; do
        run 4 as_nobody "$T" $verb
        has "nobody: tetractl $verb: exit 4" "$err" '^Permission denied: .* needs root'
done
run 4 as_nobody "$T" add --name evil "$TESTENV_DIR/gamma.yml"
[ -e "$policies/evil.yaml" ] && fail "a refused add wrote its file"
run 0 as_nobody "$T" list
has "nothing changed for nobody" "$out" $'\ngamma +loaded +monitor +yes +-\n'
run 0 as_nobody "$T" status
ok "nobody may read"
# The kernel probe needs root: say so, not "Operation not permitted" for every mechanism.
run 1 as_nobody "$T" validate --kernel "$policies/alpha.yaml"
is "validate --kernel as nobody" "$err" "tetractl: validate --kernel needs root: it loads test programs to learn what this kernel offers. Run it as root, or without --kernel to check the files only."

run 0 "$T" remove gamma
[ -e "$policies/gamma.yaml" ] && fail "remove left the file"
run 1 "$T" show gamma
ok "remove"
run 0 "$T" remove pods2
run 0 "$T" remove broken
run 0 "$T" remove pods
run 0 "$T" reload
is "reload with nothing failing: exit 0" "$out" 'Reloaded: 0 added, 0 changed, 0 removed, 1 unchanged, 0 failed.'
run 0 "$T" status
has "status: running once nothing fails" "$out" $'\n *State: running\n'
has "status counts policies" "$out" 'Policies: 1 loaded, 0 failed, 0 disabled'

run 0 "$T" probe
has "probe: table" "$out" '^FEATURE +AVAILABLE +DETAIL'
has "probe: tracepoints" "$out" $'\ntracepoint +yes +'
has "probe: tp_btf, which syscall hooks need at least" "$out" $'\ntp_btf +yes +'
for feature in btf ringbuf raw_tracepoint kprobe fentry uprobe lsm send_signal override_return; do
        has "probe: a line for $feature" "$out" $'\n'"$feature +(yes|no) +[^ ]"
done
probe_text=$out
run 0 "$T" probe -o json
is "probe -o json: btf" "$(jq -r '.[] | select(.feature == "btf") | .available' <<<"$out")" true
is "probe -o json: the same features as the table" "$(jq -r '.[].feature' <<<"$out" | sort | tr '\n' ' ')" \
        "$(sed 1d <<<"$probe_text" | awk '{print $1}' | sort | tr '\n' ' ')"
# What the probe says decides the mechanism: without fentry and kprobes only tp_btf/sys_enter.
if [ "$(jq -r '.[] | select(.feature == "fentry" or .feature == "kprobe") | .available' <<<"$out" | sort -u)" = false ]; then
        run 0 "$T" show alpha
        has "show: without fentry and kprobes, the syscall hook is on tp_btf/sys_enter" "$out" \
                $'\n *Hooks: kprobes\\[0\\] sys_sync: tp_btf/sys_enter\n'
else
        echo "SKIP (part): this kernel has fentry or kprobes"
fi

# getevents: from the journal, filtered, followed.
work=$TESTENV_DIR/work
mkdir -p "$work"
tag=tg$$x$RANDOM
cp /bin/true "$work/$tag"
since=$(date '+%Y-%m-%d %H:%M:%S')
"$work/$tag" one two
seen() { [ -n "$("$T" getevents --binary "$work/$tag" --event-type process_exit)" ]; }
wait_for 20 "the events in the journal" seen || fail "no events of $work/$tag"
run 0 "$T" getevents --binary "$work/$tag"
has "getevents: compact lines" "$out" "^🚀 process $work/$tag one two"
has "getevents: the exit too" "$out" "💥 exit $work/$tag one two 0"
run 0 "$T" getevents -o json --binary "$work/$tag" --event-type process_exec
[ "$(wc -l <<<"$out")" = 1 ] || fail "--event-type: $out"
pid=$(jq -r '.process_exec.process.pid' <<<"$out")
[ "$(jq -r '.process_exec.process.binary' <<<"$out")" = "$work/$tag" ] || fail "getevents -o json: $out"
ok "getevents -o json: one Tetragon object per line"
run 0 "$T" getevents -o json --pid "$pid"
[ "$(jq -r '(.process_exec // .process_exit).process.pid' <<<"$out" | sort -u)" = "$pid" ] ||
        fail "--pid: $out"
[ "$(wc -l <<<"$out")" = 2 ] || fail "--pid: exec and exit expected: $out"
ok "getevents --pid"
run 0 "$T" getevents --since "$since" --binary "$work/$tag"
[ "$(wc -l <<<"$out")" = 2 ] || fail "--since: $out"
run 0 "$T" getevents --since "@$(($(date +%s) + 3600))" --binary "$work/$tag"
[ -z "$out" ] || fail "--since in the future: $out"
ok "getevents --since"

"$T" getevents -f --binary "$work/$tag" >"$TESTENV_DIR/follow" 2>&1 &
follow_pid=$!
followed() { grep "💥 exit $work/$tag again" "$TESTENV_DIR/follow" >/dev/null; }
# Run it until the follower, started in the background, has seen a run.
wait_for 20 "getevents -f to show a new event" eval '"$work/$tag" again; followed' ||
        fail "getevents -f showed nothing: $(cat "$TESTENV_DIR/follow")"
grep "one two" "$TESTENV_DIR/follow" >/dev/null && fail "getevents -f repeated old events"
kill "$follow_pid"
ok "getevents -f follows, from now on"

# The policy's own events: alpha posted one when the trigger ran.
kprobe_seen() { [ -n "$("$T" getevents --binary "$trigger" --event-type process_kprobe)" ]; }
wait_for 20 "alpha's event in the journal" kprobe_seen || fail "no process_kprobe event of $trigger"
run 0 "$T" getevents --binary "$trigger" --event-type process_kprobe
has "getevents: a policy's event, compact" "$out" "^❓ syscall $trigger [a-z0-9_]*sys_sync$"
run 0 "$T" getevents -o json --binary "$trigger" --event-type process_kprobe
is "getevents -o json: a policy's event" \
        "$(jq -c '.process_kprobe | [.policy_name, .action, (.function_name | endswith("sys_sync"))]' <<<"$out")" \
        '["alpha-policy","KPROBE_ACTION_POST",true]'
