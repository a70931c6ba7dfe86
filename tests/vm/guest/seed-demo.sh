#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The seed demo on the distro kernel, with the example policy `make install` puts in
# /etc/tetragon/policies.d: a write to /tmp/passwd is killed before it reaches the file, the
# journal has the process_kprobe entry from tetragond.service, and `tetractl getevents` prints
# it. `tetractl show` says which mechanism the engine chose for the syscall hook.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
policy=protect-tmp-passwd
policy_file=/etc/tetragon/policies.d/$policy.yaml
target=/tmp/passwd

finish() {
        local status=$1

        if [ "$status" -eq 1 ]; then
                echo "--- tetractl show $policy"
                bounded 10 tetractl show "$policy" 2>&1
                journalctl --no-pager -u "$unit" -n 30
        fi
        rm -f "$target"
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        exit "$status"
}
trap 'finish $?' EXIT

policy_loaded() {
        bounded 10 tetractl show "$policy" | grep -q '^ *State: loaded'
}

# kprobe_event_logged: the journal has the demo's event, with its policy and action, written
# by the service.
kprobe_event_logged() {
        journalctl --no-pager -o export -u "$unit" TETRAGON_EVENT=process_kprobe |
                awk -v policy="$policy" 'BEGIN { RS = "" }
                        index($0, "\nTETRAGON_POLICY=" policy "\n") &&
                        index($0, "\nTETRAGON_ACTION=SIGKILL\n") &&
                        index($0, "\n_SYSTEMD_UNIT=tetragond.service\n") { found = 1 }
                        END { exit !found }'
}

# Matched as bytes: the guest may have no UTF-8 locale.
compact_line_printed() {
        bounded 20 tetractl getevents -o compact --policy "$policy" |
                LC_ALL=C grep -q "write .* $target 6 bytes \[SIGKILL\]"
}

[ -f "$policy_file" ] || fail "$policy_file is not installed (make install)"
bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
wait_until 30 policy_loaded || fail "$policy is not loaded within 30s"
echo "ok: $policy loaded"

# The best this kernel offers for a syscall: fentry on its function.
mechanism=$(hook_mechanism "$policy")
[ "$mechanism" = fentry ] ||
        fail "tetractl show reports the syscall hook's mechanism as '$mechanism', expected fentry"
echo "ok: sys_write hooked by $mechanism"

rm -f "$target"
expect_write_killed "$target"

wait_until 30 kprobe_event_logged ||
        fail "no process_kprobe entry with TETRAGON_POLICY=$policy, TETRAGON_ACTION=SIGKILL and" \
                "_SYSTEMD_UNIT=$unit within 30s"
echo "ok: process_kprobe entry in journalctl -u tetragond"

wait_until 30 compact_line_printed || {
        echo "--- tetractl getevents -o compact --policy $policy"
        bounded 20 tetractl getevents -o compact --policy "$policy" 2>&1 | tail -n 10
        fail "tetractl getevents does not print the write of $target with [SIGKILL]"
}
bounded 20 tetractl getevents -o compact --policy "$policy" | LC_ALL=C grep "$target" |
        sed 's/^/    /'
echo "ok: tetractl getevents -o compact --policy $policy"
