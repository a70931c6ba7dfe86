#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The engine's own test programs (tests/engine/test-engine-*, passed with --helper) on the
# distro kernel: the same assertions as `make check` on the development machine, against the
# mechanisms this kernel offers. They fork their own children and need no running service;
# their policies are read from the staged tree's tests/data/engine (top_srcdir). Only the
# engine variant the daemon takes on this kernel runs (ENGINE_TEST_VARIANTS=daemon): the
# probe-read one on 6.1, the bpf_rdonly_cast() one on 6.12; the host runs both.
# vmtest-timeout: 1200
. "$VMTEST_SUITE/guest-lib.sh"

programs=()
for p in "$VMTEST_SUITE"/bin/test-engine-*; do
        [ -x "$p" ] && programs+=("$(basename "$p")")
done
[ ${#programs[@]} -gt 0 ] ||
        skip "no test-engine-* program was built (configure found no cmocka), nothing to run"
[ -d "$VMTEST_SUITE/tree/src/tests/data/engine" ] ||
        fail "no tests/data/engine in the staged tree (stage-tree.sh copies tests/data)"

# One bound for all of them.
deadline=$(($(date +%s) + 1160))
failed=()
for program in "${programs[@]}"; do
        left=$((deadline - $(date +%s)))
        [ "$left" -gt 0 ] || fail "no time left for $program and what follows it"
        status=0
        ENGINE_TEST_VARIANTS=daemon top_srcdir=$VMTEST_SUITE/tree/src bounded "$left" "$program" ||
                status=$?
        case $status in
        0) echo "ok: $program passed on $(uname -r)" ;;
        77) fail "$program skipped itself (exit 77): it runs as root here, it should not" ;;
        124 | 137) fail "$program did not finish within the test's bound" ;;
        *) echo "FAIL: $program (exit $status)"; failed+=("$program") ;;
        esac
done
[ ${#failed[@]} -eq 0 ] || fail "${failed[*]} failed"
echo "ok: ${#programs[@]} engine test programs passed on $(uname -r)"
