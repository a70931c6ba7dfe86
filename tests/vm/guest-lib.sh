# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the guest tests: how a test says its outcome, and bounded waits.
# Exit status of a test: 0 passed, 1 failed, 77 skipped; the first line that says why counts.
# 75: reboot the guest (a cold boot from the same disk) and run me again (VMTEST_REBOOTED=1),
# for tests with a "# vmtest-reboot" line (run.sh, guest-runner.sh).

fail() {
        echo "FAIL: $*"
        exit 1
}

skip() {
        echo "SKIP: $*"
        exit 77
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; returns 1 if it
# has not by the deadline. `wait_until 30 cond || fail "why"`.
wait_until() {
        local deadline=$(($(date +%s) + $1))

        shift
        until "$@" > /dev/null 2>&1; do
                [ "$(date +%s)" -lt "$deadline" ] || return 1
                sleep 0.2
        done
}

# Runs a command that could block (systemctl start of a unit that never becomes ready)
# with a bound, so that a test fails instead of hanging.
bounded() {
        local seconds=$1

        shift
        timeout --kill-after=5 "$seconds" "$@"
}

# write_policy_text NAME PATH ACTION: a policy whose selector matches write(2) to PATH (the fd
# resolved to its path in the kernel) and takes ACTION.
write_policy_text() {
        cat << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $1
spec:
  kprobes:
  - call: "sys_write"
    syscall: true
    args:
    - index: 0
      type: "fd"
    selectors:
    - matchArgs:
      - index: 0
        operator: "Equal"
        values:
        - "$2"
      matchActions:
      - action: $3
EOT
}

# expect_write_killed PATH: a shell writing to PATH dies by SIGKILL and PATH stays empty.
expect_write_killed() {
        local status=0 size

        : > "$1"
        sh -c "echo hello > $1" 2> /dev/null || status=$?
        [ "$status" -eq 137 ] || fail "sh -c 'echo hello > $1' exited $status, expected 137 (SIGKILL)"
        size=$(stat -c %s "$1")
        [ "$size" -eq 0 ] || fail "$1 has $size bytes after the killed write, expected 0"
        echo "ok: the writer was killed (exit 137), $1 stays empty"
}

# disable_mechanisms LIST: the unit runs tetragond --disable-mechanism=LIST from its next start
# (a drop-in, as an administrator would write one); no LIST: the shipped command line again.
disable_mechanisms() {
        local dropin=/run/systemd/system/tetragond.service.d/mechanisms.conf

        if [ -n "$1" ]; then
                mkdir -p "${dropin%/*}"
                printf '[Service]\nExecStart=\nExecStart=%s --disable-mechanism=%s\n' \
                        "$(command -v tetragond)" "$1" > "$dropin"
        else
                rm -f "$dropin"
        fi
        bounded 60 systemctl daemon-reload
}

# policy_state STATE NAME: tetractl show says the policy is in STATE.
policy_state() {
        bounded 10 tetractl show "$2" | grep -q "^ *State: $1"
}

# hook_mechanism NAME: what tetractl show reports for the policy's (first) hook.
hook_mechanism() {
        local hooks

        hooks=$(bounded 10 tetractl show "$1" | sed -n 's/^ *Hooks: *//p' | head -n 1)
        echo "${hooks#*: }"
}

# journal_has UNIT FIELD=VALUE...: an entry of UNIT has every field given.
journal_has() {
        local unit=$1

        shift
        journalctl --no-pager -o export -u "$unit" "$1" |
                awk -v want="$(printf '%s\n' "$@")" 'BEGIN { RS = ""; n = split(want, w, "\n") }
                        { ok = 1; for (i = 1; i <= n; i++) if (!index($0, "\n" w[i] "\n")) ok = 0;
                          if (ok) found = 1 }
                        END { exit !found }'
}
