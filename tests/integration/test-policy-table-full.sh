#!/bin/bash
# Issue 18, item 6: a full policy table. 1,024 small policies (the capacity) are loaded in the
# real engine; an edit of one of them lands (its new version is installed beside the old
# one), a 1,025th policy is refused with a sentence, and tetractl status says how full the
# table is.
# vmtest-host-only: the table's capacity is the registry's and the engine's on every kernel; 1024 policies take 3 minutes of emulated time
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
bus_start

ok() { echo "ok: $*"; }
tetractl() { "$top_builddir/tetractl" "$@"; }
capacity=1024
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
# One hook each (the engine refuses a policy without one), on syscalls nothing here calls,
# 64 per syscall: a point holds at most 128 hooks.
syscalls=(sys_sync sys_syncfs sys_acct sys_swapon sys_swapoff sys_pivot_root sys_chroot
        sys_sethostname sys_setdomainname sys_iopl sys_ioperm sys_init_module sys_delete_module
        sys_quotactl sys_vhangup sys_reboot)
policy_text() { # policy_text NUMBER [COMMENT]
        printf '# %s\napiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: p%s\nspec:\n  kprobes:\n  - call: %s\n    syscall: true\n' \
                "${2:-}" "$1" "${syscalls[$((10#$1 % 16))]}"
}
for i in $(seq -w 1 $capacity); do
        policy_text "$i" >"$policies/p$i.yaml"
done

# The daemon loads every policy before it says it runs.
TESTENV_START_TIMEOUT=300 testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 180 "io.tetragond1 on the bus (after loading every policy)" daemon_on_bus ||
        fail "the daemon did not take its bus name"
wait_for 120 "$capacity policies loaded" eval '[ "$(bus_get PoliciesLoaded)" = "u $capacity" ]' ||
        fail "loaded: $(bus_get PoliciesLoaded), failed: $(bus_get PoliciesFailed)"
ok "$capacity policies loaded"

# The edit at the limit lands.
policy_text 0500 edited >"$policies/.p0500.yaml.swp"
chmod 0644 "$policies/.p0500.yaml.swp"
mv -f "$policies/.p0500.yaml.swp" "$policies/p0500.yaml"
edited() { policy_get p0500 Source | grep -F "# edited" >/dev/null; }
wait_for 20 "the edit of p0500" edited || fail "the edit did not land: $(policy_get p0500 State) $(policy_get p0500 Error)"
[ "$(policy_get p0500 State)" = 's "loaded"' ] || fail "p0500 after the edit: $(policy_get p0500 State) $(policy_get p0500 Error)"
ok "an edit at the limit lands"
[ "$(bus_get PoliciesInstalled)" = "u $capacity" ] || fail "PoliciesInstalled: $(bus_get PoliciesInstalled)"
[ "$(bus_get PolicyCapacity)" = "u $capacity" ] || fail "PolicyCapacity: $(bus_get PolicyCapacity)"
tetractl status | grep -F "Policy table: $capacity of $capacity installed" >/dev/null ||
        fail "tetractl status: $(tetractl status)"
ok "the bus and tetractl status say the table is full"

# One more is refused, with the reason; what is loaded stays.
policy_text 1025 >"$policies/extra.yaml"
wait_for 20 "extra to fail" eval '[ "$(policy_get extra State 2>/dev/null)" = "s \"failed\"" ]' ||
        fail "extra: $(policy_get extra State)"
[[ "$(policy_get extra Error)" =~ the\ policy\ table\ is\ full\ \(1024\ of\ 1024\ policies\ installed\)\;\ remove\ a\ policy\ first ]] ||
        fail "extra's error: $(policy_get extra Error)"
[ "$(bus_get PoliciesLoaded)" = "u $capacity" ] || fail "loaded after extra: $(bus_get PoliciesLoaded)"
ok "a policy past the capacity is refused with the reason"
