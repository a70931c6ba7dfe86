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
