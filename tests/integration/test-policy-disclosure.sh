#!/bin/bash
# Issue 18, items 1-4: what the policy folder and the bus may reveal to a user who is not root.
# A root-owned 0640 file with a unique marker (our /etc/shadow) is linked into the folder: as
# `nobody`, no byte of it may show in any property, method reply, signal, tetractl output, and
# the journal may not quote it either. A link to /proc/self/environ is refused. A file name
# that is not UTF-8 is refused with one escaped journal line and breaks nothing on the bus.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
testenv_start_journald
bus_start

ok() { echo "ok: $*"; }
tetractl() { "$top_builddir/tetractl" "$@"; }
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"

marker="SECRET-$$-$RANDOM-not-for-nobody"
# Searched for with grep -f: a marker on grep's command line would be in the exec events.
printf '%s\n' "$marker" >"$TESTENV_DIR/marker"
has_marker() { grep -a -F -f "$TESTENV_DIR/marker" "$@"; }
secret=$TESTENV_DIR/shadow
printf 'root:%s:19000:0:99999:7:::\nbob:$y$j9T$%s:19000:0:99999:7:::\n' "$marker" "$marker" >"$secret"
chmod 0640 "$secret"
ln -s "$secret" "$policies/shadow.yaml"
ln -s /proc/self/environ "$policies/environ.yaml"
# A policy whose own words are the marker: its errors quote nothing while others may not read it.
printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: ok\nspec:\n  %s: 1\n' \
        "$marker" >"$policies/words.yaml"
chmod 0600 "$policies/words.yaml"
printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: "bad-name"\nspec:\n  lists: []\n' \
        >"$policies/$(printf 'bad\xff\xfe.yaml')"

# Every signal on the bus, as a subscriber that is `nobody` receives them.
as_nobody dbus-monitor --system "type='signal'" >"$TESTENV_DIR/signals" 2>&1 &
monitor=$!
trap 'kill $monitor 2>/dev/null || true; bus_cleanup' EXIT

testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"
wait_for 10 "shadow to fail" eval '[ "$(policy_get shadow State 2>/dev/null)" = "s \"failed\"" ]' ||
        fail "shadow.yaml: $(policy_get shadow State)"
# A second pass emits every change signal again.
kill -HUP "$TESTENV_DAEMON_PID"
wait_for 10 "the reload" eval '[ "$(journal -t tetragond -o cat | grep -c "^Policies reloaded from")" -ge 2 ]' ||
        fail "no second reload: $(journal -t tetragond -o cat)"

# 1. The environment link is refused, naming the pseudo filesystem.
[[ "$(policy_get environ Error)" =~ /proc\ is\ on\ procfs ]] || fail "environ.yaml: $(policy_get environ Error)"
ok "a link to /proc/self/environ is refused"

# 3. What nobody sees.
shadow=$(policy_path shadow)
out=$TESTENV_DIR/nobody
{
        as_nobody busctl --system get-property io.tetragond1 "$shadow" io.tetragond1.Policy Source 2>&1 || true
        as_nobody busctl --system get-property io.tetragond1 "$shadow" io.tetragond1.Policy Error 2>&1 || true
        as_nobody busctl --system introspect io.tetragond1 "$shadow" 2>&1 || true
        as_nobody busctl --system call io.tetragond1 /io/tetragond1 io.tetragond1.Manager GetPolicy s shadow 2>&1 || true
        as_nobody busctl --system call io.tetragond1 /io/tetragond1 io.tetragond1.Manager GetPolicy s words 2>&1 || true
        as_nobody busctl --system call io.tetragond1 /io/tetragond1 io.tetragond1.Manager ListPolicies 2>&1 || true
        as_nobody "$top_builddir/tetractl" list 2>&1 || true
        as_nobody "$top_builddir/tetractl" show shadow 2>&1 || true
        as_nobody "$top_builddir/tetractl" show words 2>&1 || true
        as_nobody "$top_builddir/tetractl" -o json show shadow 2>&1 || true
} >"$out"
if has_marker "$out"; then
        fail "nobody read the secret's marker (above)"
fi
# dbus-send prints the daemon's sentence (busctl only its errno).
as_nobody dbus-send --system --print-reply --dest=io.tetragond1 "$shadow" \
        org.freedesktop.DBus.Properties.Get string:io.tetragond1.Policy string:Source >"$out" 2>&1 &&
        fail "nobody read Source: $(cat "$out")"
grep -F "Permission denied: Source quotes the policy file and needs root" "$out" >/dev/null ||
        fail "nobody's Source refusal: $(cat "$out")"
rc=0
as_nobody "$top_builddir/tetractl" show --source shadow >"$out" 2>&1 || rc=$?
[ $rc = 4 ] || fail "tetractl show --source as nobody: exit $rc, $(cat "$out")"
grep -F "Permission denied: reading a policy's source and errors needs root" "$out" >/dev/null ||
        fail "tetractl show --source as nobody: $(cat "$out")"
ok "nobody reads names and states, never Source or Error"

# Root still reads everything it may.
tetractl show --source shadow | has_marker >/dev/null || fail "root cannot read the source"
tetractl show words | grep -F 'unknown key "…" in spec' >/dev/null ||
        fail "the error of a file others cannot read: $(tetractl show words)"
ok "root reads the source; errors of a private file quote no word of it"

# Signals and the journal carry no byte of the secret.
kill $monitor 2>/dev/null || cat "$TESTENV_DIR/signals"
if has_marker "$TESTENV_DIR/signals"; then
        fail "a signal carried the secret (above)"
fi
grep -a -F "PropertiesChanged" "$TESTENV_DIR/signals" >/dev/null || fail "the monitor saw no signal"
if journal -o export | has_marker; then
        fail "the journal quotes the secret (above)"
fi
ok "no signal and no journal line quotes the secret"

# 4. The name that is not UTF-8: one escaped line per reload, no raw byte, the bus unharmed.
journal -t tetragond -o cat | grep -F 'Policy file '"$policies"'/bad\xff\xfe.yaml ignored: its name is not printable UTF-8' >/dev/null ||
        fail "no escaped refusal: $(journal -t tetragond -o cat | grep -a bad)"
printf 'bad\xff\n' >"$TESTENV_DIR/raw"
if journal -o export | grep -a -F -f "$TESTENV_DIR/raw"; then
        fail "the journal carries the raw bytes"
fi
bus_call ListPolicies >/dev/null || fail "ListPolicies fails"
tetractl list >/dev/null || fail "tetractl list fails"
# Reload reports the failed policies (exit 1), never sd-bus's EINVAL on a bad string.
rc=0
tetractl reload >"$out" 2>&1 || rc=$?
[ $rc -le 1 ] && ! grep -F "Invalid argument" "$out" || fail "tetractl reload: exit $rc, $(cat "$out")"
ok "a file name that is not UTF-8 is refused and breaks nothing"
