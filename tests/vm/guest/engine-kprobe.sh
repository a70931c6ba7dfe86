#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Syscall hooks by kprobe, the fallback where fentry is missing, forced by the daemon's
# --disable-mechanism=fentry on this kernel that has both: `tetractl show` reports the hook's
# mechanism as "kprobe", a kprobe sits on the syscall's function (bpftool perf) while the policy
# is loaded and is gone once it is disabled, and the Sigkill of a write to the watched file
# kills the writer before the data reaches it.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
policy=tetragond-vm-kprobe
policy_file=/etc/tetragon/policies.d/$policy.yaml
target=/tmp/tetragond-vm-kprobe
function=__x64_sys_write
[ "$(uname -m)" = aarch64 ] && function=__arm64_sys_write

finish() {
        local status=$1

        if [ "$status" -eq 1 ]; then
                echo "--- tetractl show $policy"
                bounded 10 tetractl show "$policy" 2>&1
                echo "--- bpftool perf"
                bounded 10 bpftool perf 2>&1
                journalctl --no-pager -u "$unit" -n 30
        fi
        [ "$seed_loaded" = true ] && bounded 20 tetractl enable "$seed" > /dev/null 2>&1
        rm -f "$policy_file" "$target"
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        disable_mechanisms ""
        exit "$status"
}
trap 'finish $?' EXIT

write_policy_text "$policy" "$target" Sigkill > "$policy_file"

kprobe_attached() {
        bounded 10 bpftool perf | grep -q "kprobe .*func $function"
}

disable_mechanisms fentry || fail "systemctl daemon-reload failed"
bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
wait_until 30 policy_state loaded "$policy" || fail "$policy is not loaded within 30s"
echo "ok: $policy loaded"

hooks=$(bounded 10 tetractl show "$policy" | sed -n 's/^ *Hooks: *//p')
[ "${hooks#*: }" = kprobe ] || fail "tetractl show reports the hook as '$hooks', expected kprobe"
echo "ok: hook $hooks"
kprobe_attached || fail "no kprobe on $function in bpftool perf"
echo "ok: a kprobe on $function"

expect_write_killed "$target"

bounded 20 tetractl disable "$policy" > /dev/null || fail "tetractl disable $policy failed"
wait_until 30 policy_state disabled "$policy" || fail "$policy is not disabled within 30s"
# The seed demo's policy, installed by make install, also hooks write: out of the way while
# the kprobe's absence is checked, and back for the tests after this one.
seed=protect-tmp-passwd
seed_loaded=false
if policy_state loaded "$seed" 2> /dev/null; then
        seed_loaded=true
        bounded 20 tetractl disable "$seed" > /dev/null || fail "tetractl disable $seed failed"
        wait_until 30 policy_state disabled "$seed" || fail "$seed is not disabled within 30s"
fi
kprobe_attached && fail "the kprobe on $function stays after the policies are disabled"
echo "ok: the kprobe on $function is gone with the policy"
if $seed_loaded; then
        bounded 20 tetractl enable "$seed" > /dev/null || fail "tetractl enable $seed failed"
        wait_until 30 policy_state loaded "$seed" || fail "$seed is not loaded again within 30s"
fi
sh -c "echo hello > $target" || fail "a write to $target fails after the policy is disabled"
echo "ok: writes to $target pass once the policy is disabled"
