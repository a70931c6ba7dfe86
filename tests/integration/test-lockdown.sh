#!/bin/bash
# Issue 11, lockdown at the API level (this machine has no BPF LSM): an unprivileged caller
# cannot lock; root locks through tetractl; then removing, disabling, switching to monitor
# and replacing a policy in force are refused with io.tetragond1.Error.Locked, a folder
# edit or deletion keeps the running version (the refusal logged with its reason), adding
# still works, tetragond --release-pinned-bpf is refused, SIGTERM leaves enforcement on
# even with --keep-sensors-on-exit=false, and a restarted daemon is still locked. Locked,
# a start keeps an earlier run that enforces a policy it does not (here: deleted while
# down), and removes one whose every policy it enforces in the same version (manifests).
# vmtest-host-only: the guest's kernel has the BPF LSM, whose guard refuses the signals the test stops its daemons with; zz-persist.sh locks down under systemd there
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
command -v dbus-send >/dev/null || skip "dbus-send is not installed"
testenv_start_journald
bus_start

target=$TESTENV_DIR/guarded
: >"$target"
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
kill_text() { # kill_text METADATA-NAME PATH
        printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  kprobes:\n  - call: sys_write\n    syscall: true\n    args:\n    - index: 0\n      type: fd\n    selectors:\n    - matchArgs:\n      - index: 0\n        operator: Equal\n        values:\n        - "%s"\n      matchActions:\n      - action: Sigkill\n' "$1" "$2"
}
kill_text guard "$target" >"$policies/guard.yaml"
tetractl=$top_builddir/tetractl

ok() { echo "ok: $*"; }
expect_match() { # expect_match DESCRIPTION ACTUAL REGEX
        [[ "$2" =~ $3 ]] || fail "$1: '$2' does not match '$3'"
        ok "$1"
}
enforced() { # enforced PATH: a write to PATH is killed
        local rc
        sh -c "echo x >> $1" 2>/dev/null && rc=0 || rc=$?
        [ "$rc" = 137 ]
}

daemon_args=(--policy-dir "$policies" --state-dir "$TESTENV_DIR/state" --keep-sensors-on-exit=false)
testenv_start_daemon "${daemon_args[@]}"
enforced "$target" || fail "the guard policy is not in force"
[ "$(bus_get Locked)" = "b false" ] || fail "locked before anyone locked: $(bus_get Locked)"

# Unprivileged: refused, and nothing is locked.
out=$(bus_send --as-nobody Lockdown || true)
expect_match "nobody: Lockdown refused" "$out" \
        '^Error org.freedesktop.DBus.Error.AccessDenied: Permission denied: locking the policies down needs root'
rc=0
as_nobody "$tetractl" lockdown >/dev/null 2>&1 || rc=$?
[ "$rc" = 4 ] || fail "tetractl lockdown as nobody exited $rc, not 4 (denied)"
[ "$(bus_get Locked)" = "b false" ] || fail "nobody's Lockdown locked"
ok "tetractl lockdown as nobody exits 4 and nothing is locked"

"$tetractl" lockdown >/dev/null || fail "tetractl lockdown as root failed"
[ "$(bus_get Locked)" = "b true" ] || fail "not locked after tetractl lockdown"
status=$("$tetractl" status)
expect_match "tetractl status says locked" "$status" 'Locked: yes, since [0-9-]+ '
# This machine's kernel refuses BPF LSM: the status says so, and why.
expect_match "tetractl status says why the kernel does not guard" "$status" \
        'Kernel protection: unavailable \(this kernel has no BPF LSM: .+\); lockdown holds at the API only'
[ ! -e /sys/fs/bpf/tetragond/guard ] || fail "a guard is pinned where the kernel has no BPF LSM"
# The lock lives in bpffs only, which no reboot keeps: not in the state folder, nowhere
# on a disk file system.
[ "$(stat -f -c %T /sys/fs/bpf/tetragond/lockdown)" = bpf_fs ] ||
        fail "the lock is not on bpffs: $(stat -f -c %T /sys/fs/bpf/tetragond/lockdown)"
! grep -rqi lock "$TESTENV_DIR/state" 2>/dev/null || fail "the state folder records the lock: $(grep -ril lock "$TESTENV_DIR/state")"
ok "the lock is a bpffs object only, not in the state folder"

locked_re='^Error io.tetragond1.Error.Locked: Refused: the policies are locked down until reboot; '
expect_match "RemovePolicy refused" "$(bus_send RemovePolicy string:guard || true)" \
        "${locked_re}removing policy guard is not allowed."
expect_match "DisablePolicy refused" "$(bus_send DisablePolicy string:guard || true)" \
        "${locked_re}disabling policy guard is not allowed."
expect_match "SetPolicyMode monitor refused" \
        "$(bus_send SetPolicyMode string:guard string:monitor || true)" \
        "${locked_re}switching to monitor mode policy guard is not allowed."
expect_match "AddPolicy replacing refused" \
        "$(bus_send AddPolicy string:guard "string:$(kill_text guard /nowhere)" boolean:true || true)" \
        "${locked_re}replacing policy guard is not allowed"
rc=0
"$tetractl" remove guard 2>"$TESTENV_DIR/err" || rc=$?
[ "$rc" = 4 ] || fail "tetractl remove while locked exited $rc, not 4"
expect_match "tetractl remove prints the refusal" "$(cat "$TESTENV_DIR/err")" \
        'Refused: the policies are locked down until reboot'
enforced "$target" || fail "the guard policy is no longer in force after the refusals"
ok "after the refusals the guard policy is in force"

# Adding works.
second=$TESTENV_DIR/second
: >"$second"
out=$(bus_send AddPolicy string:second "string:$(kill_text second "$second")" boolean:false)
expect_match "AddPolicy of a new policy works" "$out" 'string "loaded"'
enforced "$second" || fail "the added policy is not in force"

# Folder: an edit and a deletion keep the running version, and say why.
kill_text guard /nowhere >"$policies/guard.yaml"
refused() { journal -t tetragond -o cat | grep -F "Policy guard failed: its file changed, but the policies are locked down until reboot; the previous version stays in force." >/dev/null; }
wait_for 20 "the edit's refusal" refused || fail "no refusal logged for the edit"
enforced "$target" || fail "an edit of the file weakened the guard policy"
ok "a folder edit keeps the running version, refusal logged"
rm "$policies/guard.yaml"
gone() { journal -t tetragond -o cat | grep -F "Policy guard failed: its file is gone, but the policies are locked down" >/dev/null; }
wait_for 20 "the deletion's refusal" gone || fail "no refusal logged for the deletion"
enforced "$target" || fail "deleting the file removed the guard policy"
ok "a folder deletion keeps the running version, refusal logged"

# Release refused.
rc=0
"$top_builddir/tetragond" --release-pinned-bpf >"$TESTENV_DIR/release.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "--release-pinned-bpf while locked exited $rc"
# It logs where the daemon logs: the journal, here.
release_refused() { journal -t tetragond -o cat | grep -F 'Refusing to release /sys/fs/bpf/tetragond: the policies are locked down until reboot.' >/dev/null; }
wait_for 20 "the release's refusal" release_refused || fail "--release-pinned-bpf did not say why"
[ -n "$(find /sys/fs/bpf/tetragond -name 'link-*')" ] || fail "--release-pinned-bpf removed pins"
ok "--release-pinned-bpf refused, exit 1, pins in place"

# Stop (SIGTERM) with --keep-sensors-on-exit=false: locked, everything stays.
kill -TERM "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" || fail "the daemon's stop failed"
TESTENV_DAEMON_PID=
enforced "$target" || fail "the guard policy left with the stopped daemon"
enforced "$second" || fail "the added policy left with the stopped daemon"
ok "stopped while locked, with --keep-sensors-on-exit=false: both policies stay in force"

# A new daemon, with the guard's file gone: still locked, and the guard still in force.
testenv_start_daemon "${daemon_args[@]}"
[ "$(bus_get Locked)" = "b true" ] || fail "the restarted daemon is not locked"
enforced "$target" || fail "the guard policy left when the daemon restarted without its file"
expect_match "the restarted daemon refuses RemovePolicy" \
        "$(bus_send RemovePolicy string:second || true)" "${locked_re}removing policy second"
ok "a restarted daemon is still locked, and what was enforced stays"

runs() { find /sys/fs/bpf/tetragond -mindepth 1 -maxdepth 1 -name 'run-*' | wc -l; }
status=$("$tetractl" status)
expect_match "status: the first run is kept, second unchanged, guard deleted" "$status" \
        'Earlier runs: 0 replaced, 1 kept under lockdown; their policies: 1 unchanged \(0 adopted\), 0 changed, 1 deleted'
# Locked, the earlier runs may have to stay whole: the engine is loaded anew, not adopted.
expect_match "status: locked, the policy engine is not adopted" "$status" 'Policy engine: loaded by this run'
[ "$(runs)" = 2 ] || fail "$(runs) runs pinned, not 2"

# Once more, nothing changed: the run before is covered by this one and goes; the first,
# which alone enforces the guard, stays.
kill -TERM "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" || fail "the daemon's stop failed"
TESTENV_DAEMON_PID=
testenv_start_daemon "${daemon_args[@]}"
status=$("$tetractl" status)
expect_match "status: one run replaced, the guard's kept" "$status" \
        'Earlier runs: 1 replaced, 1 kept under lockdown; their policies: 2 unchanged \(0 adopted\), 0 changed, 1 deleted'
[ "$(runs)" = 2 ] || fail "$(runs) runs pinned after a start with nothing changed, not 2"
enforced "$target" || fail "the guard policy left when its covered run was removed"
enforced "$second" || fail "the added policy left when its covered run was removed"
ok "locked: a run whose policies the new run enforces unchanged is removed, the others stay"
