# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the guest tests: how a test says its outcome, and bounded waits.
# Exit status of a test: 0 passed, 1 failed, 77 skipped; the first line that says why counts.

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
