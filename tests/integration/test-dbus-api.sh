#!/bin/bash
# Issue 5: the D-Bus API against a private dbus-daemon that uses the shipped bus policy
# file, with the real daemon and its in-kernel engine. Fixtures: alpha, a syscall hook that
# loads on any kernel (tp_btf/sys_enter at worst) and only matches our own trigger binary;
# pods, valid but refused by the engine on every host (podSelector: no Kubernetes here);
# broken, invalid YAML. Every method and property as root; as nobody, every read works and
# every change is refused with a named error; with a real polkitd, its answer decides.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
command -v dbus-send >/dev/null || skip "dbus-send is not installed"
testenv_start_journald
bus_start /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf

policies=$TESTENV_DIR/policies
state=$TESTENV_DIR/state
mkdir -p "$policies"
chmod 0755 "$policies"
# The one program the policies match: sync(2) from a binary nobody else runs, so counters
# and events are ours even when other tests run beside this one.
trigger=$TESTENV_DIR/sync-trigger
cp /bin/sync "$trigger"

policy_text() { # policy_text METADATA-NAME [SYSCALL]
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  kprobes:\n  - call: %s\n    syscall: true\n    selectors:\n    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' "$1" "${2:-sys_sync}" "$trigger"
}
# Valid, and refused by the engine on any host: the sentence is the same everywhere.
pods_text() { # pods_text METADATA-NAME
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  kprobes:\n  - call: sys_sync\n    syscall: true\n' "$1"
}
pods_error() { # pods_error FILE
        echo "$1: this host has no Kubernetes, and the policy only applies there (podSelector at 6:3)"
}
policy_text alpha-policy >"$policies/alpha.yaml"
pods_text pods-policy >"$policies/pods.yaml"
printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: broken\nspec:\n  kprobes:\n  - call: sys_write\n    bogus: 1\n' >"$policies/broken.yaml"
PODS_ERROR=$(pods_error "$policies/pods.yaml")

ok() { echo "ok: $*"; }
expect() { # expect DESCRIPTION ACTUAL EXPECTED
        [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
        ok "$1"
}
expect_match() { # expect_match DESCRIPTION ACTUAL REGEX
        [[ "$2" =~ $3 ]] || fail "$1: '$2' does not match '$3'"
        ok "$1"
}
# TEXT as a regular expression that matches only itself.
re_literal() { sed 's/[][\\.|$(){}?+*^]/\\&/g' <<<"$1"; }

# Signals, from the start.
dbus-monitor --system "type='signal',sender='io.tetragond1'" >"$TESTENV_DIR/signals" 2>&1 &
monitor_pid=$!
trap 'kill $monitor_pid 2>/dev/null; bus_cleanup' EXIT

testenv_start_daemon --policy-dir "$policies" --state-dir "$state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"

# What a syscall hook is attached with: on a kernel without fentry and kprobes (this
# machine's), only tp_btf/sys_enter can do it; elsewhere the engine may choose better.
features=$(bus_call GetKernelFeatures)
feature() { jq -r --arg f "$1" '.data[0][] | select(.[0] == $f) | .[1]' <<<"$features"; }
feature_detail() { jq -r --arg f "$1" '.data[0][] | select(.[0] == $f) | .[2]' <<<"$features"; }
if [ "$(feature fentry)" = false ] && [ "$(feature kprobe)" = false ]; then
        SYSCALL_MECHANISM='tp_btf/sys_enter'
else
        SYSCALL_MECHANISM='(fentry|kprobe|tp_btf/sys_enter)'
fi

# --- Introspection matches the shipped XML.
for iface in Manager Policy; do
        path=/io/tetragond1
        [ $iface = Policy ] && path=$(policy_path alpha)
        live=$(busctl --system introspect --xml-interface io.tetragond1 "$path" |
                sed -n "/<interface name=\"io.tetragond1.$iface\">/,/<\/interface>/p")
        shipped=$(sed -n "/<interface name=\"io.tetragond1.$iface\">/,/<\/interface>/p" \
                "$top_srcdir/dbus/io.tetragond1.$iface.xml")
        [ -n "$live" ] && [ "$live" = "$shipped" ] ||
                fail "io.tetragond1.$iface: introspection differs from dbus/io.tetragond1.$iface.xml:
$(diff <(echo "$shipped") <(echo "$live"))"
        ok "introspection of io.tetragond1.$iface matches the shipped XML"
done
expect "policy objects are enumerated" \
        "$(busctl --system tree --list io.tetragond1 | grep -c '^/io/tetragond1/policy/')" 3

# --- Properties, as root and as nobody.
version=$("$top_builddir/tetragond" --version | awk '{print $2}')
for who in root nobody; do
        run=()
        [ $who = nobody ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
        get() { "${run[@]}" busctl --system get-property io.tetragond1 /io/tetragond1 io.tetragond1.Manager "$1"; }
        expect "$who reads Version" "$(get Version)" "s \"$version\""
        expect "$who reads State" "$(get State)" 's "degraded"'
        expect "$who reads PolicyDirectory" "$(get PolicyDirectory)" "s \"$policies\""
        expect "$who reads EngineAvailable" "$(get EngineAvailable)" "b true"
        expect "$who reads PoliciesLoaded" "$(get PoliciesLoaded)" "u 1"
        expect "$who reads PoliciesFailed" "$(get PoliciesFailed)" "u 2"
        expect "$who reads PoliciesDisabled" "$(get PoliciesDisabled)" "u 0"
        for counter in Events EventsReceived EventsDecoded EventsMalformed EventsLost EventsFiltered EventsRateLimited EventsThrottled SinkErrors; do
                expect_match "$who reads $counter" "$(get $counter)" '^t [0-9]+$'
        done
        path=$(policy_path alpha)
        pget() { "${run[@]}" busctl --system get-property io.tetragond1 "$path" io.tetragond1.Policy "$1"; }
        expect "$who reads Policy.Name" "$(pget Name)" 's "alpha"'
        expect "$who reads Policy.File" "$(pget File)" "s \"$policies/alpha.yaml\""
        expect "$who reads Policy.State" "$(pget State)" 's "loaded"'
        expect "$who reads Policy.Mode" "$(pget Mode)" 's "enforce"'
        expect "$who reads Policy.ModeOverridden" "$(pget ModeOverridden)" 'b false'
        expect "$who reads Policy.Installed" "$(pget Installed)" 'b true'
        expect "$who reads Policy.PolicyNames" "$(pget PolicyNames)" 'as 1 "alpha-policy"'
        if [ $who = root ]; then
                expect "$who reads Policy.Error" "$(pget Error)" 's ""'
                expect_match "$who reads Policy.Source" "$(pget Source)" 'name: alpha-policy'
        else
                # Issue 18: what quotes the file is root's (or polkit's read-policy).
                expect "$who cannot read Policy.Error" "$(pget Error 2>&1)" \
                        'Failed to get property Error on interface io.tetragond1.Policy: Access denied'
                expect "$who cannot read Policy.Source" "$(pget Source 2>&1)" \
                        'Failed to get property Source on interface io.tetragond1.Policy: Access denied'
        fi
        expect_match "$who reads Policy.Hooks: the hook and its mechanism" "$(pget Hooks)" \
                "^a\(ss\) 1 \"kprobes\[0\] sys_sync\" \"$SYSCALL_MECHANISM\"$"
        expect "$who reads Policy.Counters" "$(pget Counters)" \
                'a{st} 6 "matched" 0 "posted" 0 "actions" 0 "rate_limited" 0 "lost" 0 "monitored" 0'
        expect "$who reads Policy.SelectorCounters" "$(pget SelectorCounters)" \
                'a(suua{st}) 1 "kprobes[0] sys_sync" 0 0 6 "matched" 0 "posted" 0 "actions" 0 "rate_limited" 0 "lost" 0 "monitored" 0'
        path=$(policy_path pods)
        expect "$who reads a refused policy's State" "$(pget State)" 's "failed"'
        expect "$who reads a refused policy's Installed" "$(pget Installed)" 'b false'
        [ $who = root ] &&
                expect "$who reads a refused policy's Error: the engine's sentence" "$(pget Error)" \
                        "s \"$PODS_ERROR\""
        expect "$who reads a refused policy's Hooks" "$(pget Hooks)" 'a(ss) 0'
        expect "$who reads a refused policy's SelectorCounters" "$(pget SelectorCounters)" \
                'a(suua{st}) 0'
done
expect_match "an invalid file's error has file:line:col" "$(policy_get broken Error)" \
        "^s \"$policies/broken.yaml:[0-9]+:[0-9]+: error: "
expect "an invalid file installs nothing" "$(policy_get broken Installed)" 'b false'

# --- Counters: the engine's, per policy, read through the bus.
"$trigger"
expect "Counters after the trigger ran once" "$(policy_get alpha Counters)" \
        'a{st} 6 "matched" 1 "posted" 1 "actions" 0 "rate_limited" 0 "lost" 0 "monitored" 0'
expect "GetPolicy's counters" \
        "$(bus_call GetPolicy s alpha | jq -c '.data[10] | [.matched, .posted, .monitored]')" '[1,1,0]'
expect "SelectorCounters after the trigger ran once" "$(policy_get alpha SelectorCounters)" \
        'a(suua{st}) 1 "kprobes[0] sys_sync" 0 0 6 "matched" 1 "posted" 1 "actions" 0 "rate_limited" 0 "lost" 0 "monitored" 0'

# --- Per-selector counters. Two documents in one file, each with a hook named
# "kprobes[0] sys_sync": the hook position tells them apart. Only the second selector of the
# second document matches (the binary sel_trigger); sel_other matches no selector. Its Sigkill
# counts as monitored in monitor mode, as an action in enforce mode.
sel_trigger=$TESTENV_DIR/sync-selector
sel_other=$TESTENV_DIR/sync-other
cp /bin/sync "$sel_trigger"
cp /bin/sync "$sel_other"
sync_doc() { # sync_doc METADATA-NAME: a sys_sync hook; its selectors follow
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  kprobes:\n  - call: sys_sync\n    syscall: true\n    selectors:\n' "$1"
}
binary_selector() { # binary_selector BINARY ACTION
        printf '    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: %s\n' "$1" "$2"
}
selectors_text=$(sync_doc selectors-first
        binary_selector "$TESTENV_DIR/never-runs" Post
        echo ---
        sync_doc selectors-second
        binary_selector "$TESTENV_DIR/never-runs" Post
        binary_selector "$sel_trigger" Sigkill)
out=$(bus_send AddPolicy string:selectors "string:$selectors_text" boolean:false)
expect_match "AddPolicy of the two documents: loaded" "$out" 'string "loaded"[[:space:]]+string ""'
bus_send SetPolicyMode string:selectors string:monitor >/dev/null
# [hook, hook position, selector position, matched, posted, actions, monitored] per selector.
selector_counters() {
        busctl --system --json=short get-property io.tetragond1 "$(policy_path selectors)" \
                io.tetragond1.Policy SelectorCounters |
                jq -c '[.data[] | [.[0], .[1], .[2], .[3].matched, .[3].posted, .[3].actions, .[3].monitored]]'
}
selector_matched() { # selector_matched HOOK-POSITION SELECTOR-POSITION N
        [ "$(selector_counters | jq --argjson h "$1" --argjson s "$2" \
                '.[] | select(.[1] == $h and .[2] == $s) | .[3]')" = "$3" ]
}
expect "SelectorCounters before any call" "$(selector_counters)" \
        '[["kprobes[0] sys_sync",0,0,0,0,0,0],["kprobes[0] sys_sync",1,0,0,0,0,0],["kprobes[0] sys_sync",1,1,0,0,0,0]]'
for _ in 1 2 3; do
        "$sel_trigger" || fail "monitor mode killed $sel_trigger"
        "$sel_other"
done
wait_for 10 "selector 1 of hook 1 to count 3 calls" selector_matched 1 1 3 ||
        fail "SelectorCounters: $(selector_counters)"
expect "SelectorCounters after 3 matching and 3 other calls, in monitor mode" "$(selector_counters)" \
        '[["kprobes[0] sys_sync",0,0,0,0,0,0],["kprobes[0] sys_sync",1,0,0,0,0,0],["kprobes[0] sys_sync",1,1,3,3,0,3]]'
expect "Counters: the sum of the selectors'" "$(policy_get selectors Counters)" \
        'a{st} 6 "matched" 3 "posted" 3 "actions" 0 "rate_limited" 0 "lost" 0 "monitored" 3'
bus_send SetPolicyMode string:selectors string:enforce >/dev/null
"$sel_trigger" && rc=0 || rc=$?
[ "$rc" = 137 ] || fail "$sel_trigger exited $rc in enforce mode, not 137 (SIGKILL)"
"$sel_other"
wait_for 10 "selector 1 of hook 1 to count 4 calls" selector_matched 1 1 4 ||
        fail "SelectorCounters: $(selector_counters)"
expect "SelectorCounters after one more call, in enforce mode: the action is taken" \
        "$(selector_counters)" \
        '[["kprobes[0] sys_sync",0,0,0,0,0,0],["kprobes[0] sys_sync",1,0,0,0,0,0],["kprobes[0] sys_sync",1,1,4,4,1,3]]'
expect "Hooks: the two hooks the positions count" "$(policy_get selectors Hooks | cut -d' ' -f1-2)" \
        'a(ss) 2'
bus_send RemovePolicy string:selectors >/dev/null

# --- Reading methods, as root and as nobody.
for who in root nobody; do
        as=()
        [ $who = nobody ] && as=(--as-nobody)
        out=$(bus_send "${as[@]}" ListPolicies)
        expect_match "$who: ListPolicies lists alpha, loaded and installed" "$out" \
                'string "alpha"[^}]*string "loaded"[^}]*boolean true'
        expect_match "$who: ListPolicies lists broken" "$out" 'string "broken"'
        if [ $who = root ]; then
                expect_match "$who: ListPolicies lists pods, failed, with the engine's sentence" "$out" \
                        "string \"pods\"[^}]*string \"failed\"[^}]*boolean false[^}]*string \"$(re_literal "$PODS_ERROR")\""
        else
                expect_match "$who: ListPolicies lists pods, failed, without the error" "$out" \
                        'string "pods"[^}]*string "failed"[^}]*boolean false[[:space:]]+string ""'
        fi
        out=$(bus_send "${as[@]}" GetPolicy string:alpha)
        if [ $who = root ]; then
                expect_match "$who: GetPolicy returns the source" "$out" 'name: alpha-policy'
        elif [[ "$out" =~ name:\ alpha-policy ]]; then
                fail "$who: GetPolicy returns the source"
        fi
        expect_match "$who: GetPolicy returns the state" "$out" 'string "loaded"'
        expect_match "$who: GetPolicy returns each hook's mechanism" "$out" \
                "string \"kprobes\[0\] sys_sync\"[[:space:]]+string \"$SYSCALL_MECHANISM\""
        out=$(bus_send "${as[@]}" GetPolicy string:alpha-policy)
        expect_match "$who: GetPolicy finds a policy by metadata.name" "$out" 'string "alpha"'
        out=$(bus_send "${as[@]}" GetPolicy string:nope) || true
        expect_match "$who: GetPolicy of an unknown name" "$out" \
                '^Error io.tetragond1.Error.NoSuchPolicy: No policy named "nope".'
        out=$(bus_send "${as[@]}" Validate string:mine.yaml "string:$(policy_text v)")
        expect_match "$who: Validate a valid policy" "$out" 'boolean true'
        out=$(bus_send "${as[@]}" Validate string:mine.yaml 'string:kind: [')
        expect_match "$who: Validate an invalid policy" "$out" 'boolean false'
        expect_match "$who: Validate says where" "$out" 'string "mine.yaml:[0-9]+:[0-9]+: error: '
        out=$(bus_send "${as[@]}" Validate string:mine.yaml "string:$(pods_text v)")
        expect_match "$who: Validate a policy only Kubernetes can load: valid, with a warning" \
                "$out" 'boolean true.*string "mine.yaml:6:3: warning: podSelector '
        out=$(bus_send "${as[@]}" GetKernelFeatures)
        expect_match "$who: GetKernelFeatures" "$out" 'string "tracepoint"'
done

# --- Changing methods, as nobody: refused (no polkit on this bus), named error.
refusal='^Error org.freedesktop.DBus.Error.AccessDenied: Permission denied: .* needs root \(polkit is not available to authorize io.tetragond1.[a-z-]+\).'
expect_match "nobody: Reload refused" "$(bus_send --as-nobody Reload || true)" "$refusal"
expect_match "nobody: AddPolicy refused" \
        "$(bus_send --as-nobody AddPolicy string:evil "string:$(policy_text evil)" boolean:false || true)" "$refusal"
for method in RemovePolicy EnablePolicy DisablePolicy; do
        expect_match "nobody: $method refused" "$(bus_send --as-nobody $method string:alpha || true)" "$refusal"
done
expect_match "nobody: SetPolicyMode refused" \
        "$(bus_send --as-nobody SetPolicyMode string:alpha string:monitor || true)" "$refusal"
[ -e "$policies/evil.yaml" ] && fail "a refused AddPolicy wrote its file"
expect "nothing changed for nobody" \
        "$(policy_get alpha State) $(policy_get alpha ModeOverridden) $(policy_get alpha Installed)" \
        's "loaded" b false b true'
expect "nobody's AddPolicy created no policy" "$(policy_path evil)" ""

# --- Changing methods, as root.
out=$(bus_call Reload)
expect "Reload: alpha, in force and unchanged, is left alone" "$(jq -c '.data[3]' <<<"$out")" '["alpha"]'
expect "Reload: nothing added, changed or removed" "$(jq -c '.data[0:3]' <<<"$out")" '[[],[],[]]'
expect "Reload: the failed policies are tried again" "$(jq -c '[.data[4][][0]]' <<<"$out")" \
        '["broken","pods"]'
expect "Reload: pods fails with the engine's sentence" \
        "$(jq -r '.data[4][] | select(.[0] == "pods") | .[1]' <<<"$out")" "$PODS_ERROR"
expect_match "Reload: broken fails with file:line:col" \
        "$(jq -r '.data[4][] | select(.[0] == "broken") | .[1]' <<<"$out")" \
        "^$policies/broken.yaml:[0-9]+:[0-9]+: error: "
expect "alpha is still in force after the reload" \
        "$(policy_get alpha State) $(policy_get alpha Installed)" 's "loaded" b true'

out=$(bus_send AddPolicy string:gamma "string:$(policy_text gamma-policy)" boolean:false)
expect_match "AddPolicy returns the object" "$out" 'object path "/io/tetragond1/policy/gamma"'
expect_match "AddPolicy returns the state, loaded, and no error" "$out" 'string "loaded"[[:space:]]+string ""'
expect "AddPolicy wrote the file root-owned, 0644" "$(stat -c '%U %a' "$policies/gamma.yaml")" "root 644"
expect "AddPolicy wrote the text" "$(cat "$policies/gamma.yaml")" "$(policy_text gamma-policy)"
expect_match "AddPolicy installed the hooks" "$(policy_get gamma Hooks)" \
        "^a\(ss\) 1 \"kprobes\[0\] sys_sync\" \"$SYSCALL_MECHANISM\"$"
out=$(bus_send AddPolicy string:gamma "string:$(policy_text gamma-policy)" boolean:false || true)
expect_match "AddPolicy refuses a taken name" "$out" '^Error io.tetragond1.Error.PolicyExists: '
out=$(bus_send AddPolicy string:gamma "string:$(policy_text gamma-policy sys_syncfs)" boolean:true)
expect_match "AddPolicy replaces with replace=true" "$out" 'string "loaded"'
expect_match "the replaced text is in force" "$(policy_get gamma Source)" 'call: sys_syncfs'
expect_match "the replaced version's hooks are installed" "$(policy_get gamma Hooks)" \
        "^a\(ss\) 1 \"kprobes\[0\] sys_syncfs\" \"$SYSCALL_MECHANISM\"$"
out=$(bus_send AddPolicy string:delta 'string:kind: [' boolean:false || true)
expect_match "AddPolicy refuses invalid text with its diagnostics" "$out" \
        "^Error io.tetragond1.Error.InvalidPolicy: $policies/delta.yaml:[0-9]+:[0-9]+: error: "
[ -e "$policies/delta.yaml" ] && fail "an invalid AddPolicy wrote its file"
out=$(bus_send AddPolicy string:../etc/x "string:$(policy_text x)" boolean:false || true)
expect_match "AddPolicy refuses a name that is not a file name" "$out" \
        '^Error org.freedesktop.DBus.Error.InvalidArgs: Invalid policy name'
out=$(bus_send AddPolicy string:pods2 "string:$(pods_text pods2-policy)" boolean:false)
expect_match "AddPolicy of a policy the engine refuses: failed, with its sentence" "$out" \
        "string \"failed\"[[:space:]]+string \"$(re_literal "$(pods_error "$policies/pods2.yaml")")\""
[ -e "$policies/pods2.yaml" ] || fail "a valid policy the engine refused was not kept as a file"
ok "the file of a valid policy the engine refused stays"

# A kernel function (not a syscall): on this machine's kernel neither fentry nor kprobes
# exist, and the engine says so with what the probe found; elsewhere it attaches.
kfunc_text=$(printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: kfunc-policy\nspec:\n  kprobes:\n  - call: security_settime64\n    syscall: false\n    selectors:\n    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' "$trigger")
out=$(bus_call AddPolicy ssb kfunc "$kfunc_text" false)
removed_failed=pods2 # the failed policies removed below
if [ "$(feature fentry)" = false ] && [ "$(feature kprobe)" = false ]; then
        removed_failed="pods2 kfunc"
        expect "AddPolicy of a kernel function hook this kernel cannot attach" \
                "$(jq -c '.data[1:]' <<<"$out")" \
                "$(jq -cn --arg e "$policies/kfunc.yaml: kprobes[0] security_settime64: no mechanism can attach it: fentry: not available on this kernel ($(feature_detail fentry)); kprobe: not available on this kernel ($(feature_detail kprobe))" '["failed", $e]')"
else
        expect "AddPolicy of a kernel function hook: attached by fentry or kprobe" \
                "$(jq -c '.data[1:]' <<<"$out")" '["loaded",""]'
        bus_send RemovePolicy string:kfunc >/dev/null # the counts below are of the others
fi

out=$(bus_send SetPolicyMode string:alpha string:sideways || true)
expect_match "SetPolicyMode refuses an unknown mode" "$out" \
        '^Error org.freedesktop.DBus.Error.InvalidArgs: Invalid mode "sideways"'
bus_send SetPolicyMode string:alpha string:monitor >/dev/null
expect "SetPolicyMode: Mode" "$(policy_get alpha Mode)" 's "monitor"'
expect "SetPolicyMode: ModeOverridden" "$(policy_get alpha ModeOverridden)" 'b true'
expect "SetPolicyMode: still loaded and installed" \
        "$(policy_get alpha State) $(policy_get alpha Installed)" 's "loaded" b true'
expect "SetPolicyMode persists" "$(jq -r '.policies.alpha.mode' "$state/policy-state.json")" monitor

bus_send DisablePolicy string:alpha >/dev/null
expect "DisablePolicy: State" "$(policy_get alpha State)" 's "disabled"'
expect "DisablePolicy: Error cleared" "$(policy_get alpha Error)" 's ""'
expect "DisablePolicy: nothing installed" "$(policy_get alpha Installed) $(policy_get alpha Hooks)" \
        'b false a(ss) 0'
expect "DisablePolicy persists" "$(jq -r '.policies.alpha.enabled' "$state/policy-state.json")" false
expect "PoliciesDisabled" "$(bus_get PoliciesDisabled)" "u 1"
expect "PoliciesLoaded: gamma, not the disabled alpha" "$(bus_get PoliciesLoaded)" "u 1"
out=$(bus_send EnablePolicy string:alpha)
expect_match "EnablePolicy succeeds" "$out" '^method return'
expect "EnablePolicy: State" "$(policy_get alpha State)" 's "loaded"'
expect_match "EnablePolicy: installed again" "$(policy_get alpha Installed) $(policy_get alpha Hooks)" \
        "^b true a\(ss\) 1 \"kprobes\[0\] sys_sync\" \"$SYSCALL_MECHANISM\"$"
expect "EnablePolicy keeps the chosen mode" "$(policy_get alpha Mode)" 's "monitor"'
expect "EnablePolicy persists" "$(jq -r '.policies.alpha.enabled' "$state/policy-state.json")" null
expect "PoliciesLoaded: gamma and alpha" "$(bus_get PoliciesLoaded)" "u 2"

bus_send DisablePolicy string:pods >/dev/null
expect "DisablePolicy of a refused policy: State" "$(policy_get pods State)" 's "disabled"'
out=$(bus_send EnablePolicy string:pods || true)
expect "EnablePolicy fails with the engine's sentence" "$out" \
        "Error io.tetragond1.Error.PolicyFailed: $PODS_ERROR"
expect "EnablePolicy: State" "$(policy_get pods State)" 's "failed"'
expect "EnablePolicy persists, even when it fails" \
        "$(jq -r '.policies.pods.enabled' "$state/policy-state.json")" null

bus_send RemovePolicy string:gamma >/dev/null
[ -e "$policies/gamma.yaml" ] && fail "RemovePolicy left the file"
expect "RemovePolicy: the policy is gone" "$(bus_send GetPolicy string:gamma || true)" \
        'Error io.tetragond1.Error.NoSuchPolicy: No policy named "gamma".'
expect "RemovePolicy: its object is gone" "$(policy_path gamma)" ""
for name in $removed_failed; do
        bus_send RemovePolicy string:$name >/dev/null
        [ -e "$policies/$name.yaml" ] && fail "RemovePolicy left $name.yaml"
        expect "RemovePolicy of the failed policy $name" "$(policy_path $name)" ""
done
expect "PoliciesLoaded, PoliciesFailed after the removals" \
        "$(bus_get PoliciesLoaded) $(bus_get PoliciesFailed)" "u 1 u 2"

# --- Signals seen along the way.
signals_seen() {
        grep 'member=ReloadFinished' "$TESTENV_DIR/signals" >/dev/null &&
                grep 'member=PolicyStateChanged' "$TESTENV_DIR/signals" >/dev/null &&
                grep 'member=PropertiesChanged' "$TESTENV_DIR/signals" >/dev/null
}
wait_for 10 "signals" signals_seen || fail "missing signals: $(cat "$TESTENV_DIR/signals")"
for s in loaded disabled failed removed; do
        grep -A6 'member=PolicyStateChanged' "$TESTENV_DIR/signals" | grep "string \"$s\"" >/dev/null ||
                fail "no PolicyStateChanged with state $s"
done
ok "ReloadFinished, PolicyStateChanged (loaded, disabled, failed, removed), PropertiesChanged emitted"

# --- The restart keeps what was chosen.
kill "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" || true
testenv_start_daemon --policy-dir "$policies" --state-dir "$state"
wait_for 10 "io.tetragond1 on the bus again" daemon_on_bus || fail "the daemon did not come back"
expect "the mode chosen persists across a restart" "$(policy_get alpha Mode)" 's "monitor"'
expect "alpha is loaded again after a restart" \
        "$(policy_get alpha State) $(policy_get alpha Installed)" 's "loaded" b true'

# --- polkit: a real polkitd on the private bus decides for non-root callers.
xmllint --noout --dtdvalid /usr/share/polkit-1/policyconfig-1.dtd "$top_srcdir/dbus/io.tetragond1.policy" ||
        fail "dbus/io.tetragond1.policy is not a valid polkit policy file"
ok "the polkit actions file is valid"
cat >"$TESTENV_DIR/test.rules" <<'EOF'
polkit.addRule(function(action, subject) {
        if ((action.id == "io.tetragond1.reload" || action.id == "io.tetragond1.read-policy") &&
            subject.user == "nobody")
                return polkit.Result.YES;
});
EOF
if why=$(polkit_start "$TESTENV_DIR/test.rules"); then
        for action in reload add-policy remove-policy enable-policy disable-policy set-policy-mode \
                read-policy; do
                pkaction --action-id "io.tetragond1.$action" --verbose | grep 'implicit any: *auth_admin_keep' >/dev/null ||
                        fail "polkitd does not know io.tetragond1.$action with auth_admin_keep"
        done
        ok "polkitd loaded all seven actions, auth_admin_keep"
        out=$(bus_send --as-nobody GetPolicySource string:alpha)
        expect_match "polkit lets nobody read a source (a rule says yes)" "$out" 'name: alpha-policy'
        out=$(bus_send --as-nobody Reload)
        expect_match "polkit authorizes nobody's Reload (a rule says yes)" "$out" '^method return'
        out=$(bus_send --as-nobody DisablePolicy string:alpha || true)
        expect_match "polkit refuses nobody's DisablePolicy (admin authentication needed)" "$out" \
                '^Error org.freedesktop.DBus.Error.InteractiveAuthorizationRequired: Permission denied: disabling a policy needs authentication as an administrator \(polkit action io.tetragond1.disable-policy\).'
        expect "still enabled and installed" "$(policy_get alpha State) $(policy_get alpha Installed)" \
                's "loaded" b true'
        bus_send DisablePolicy string:alpha >/dev/null
        expect "root needs no polkit" "$(policy_get alpha State)" 's "disabled"'
else
        echo "SKIP (part): polkit: $why"
fi
