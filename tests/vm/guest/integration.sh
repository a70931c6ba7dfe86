#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The project's own integration suite (tests/integration/*.sh, which `make check` runs on the
# development machine) on the distro kernel: the same assertions against the mechanisms this
# kernel offers (a syscall hook is a kprobe here, tp_btf/sys_enter there). The scripts, their
# inputs and the build's tetragond and tetractl come from the tree stage-tree.sh staged (run.sh
# --tree), laid out as top_srcdir and top_builddir; each runs as `make check` runs it, in its
# own mount namespace with its own journald and bus, beside the guest's idle system service.
# One line per script: PASS, FAIL or SKIP with its time; any failure fails this test, and so
# does a script that skips itself, unless expected_skip below names it with the reason;
# host_only names the scripts that run in make check only.
# vmtest-timeout: 1500
. "$VMTEST_SUITE/guest-lib.sh"

tree=$VMTEST_SUITE/tree
script_bound=400

# expected_skip SCRIPT: prints why SCRIPT cannot make sense in the guest; fails if it can.
expected_skip() {
        case $1 in
        test-metrics)
                echo "needs curl and ss (iproute2), which the guest image leaves out; make check runs it"
                ;;
        test-journal-upload)
                echo "needs systemd-journal-remote, which the guest image leaves out; make check runs it"
                ;;
        test-policy-canary)
                echo "needs curl, which the guest image leaves out (GetUrl and DnsLookup are user" \
                        "space's, the same on every kernel); make check runs it"
                ;;
        *) return 1 ;;
        esac
}

# host_only SCRIPT: prints why SCRIPT runs on the host only; fails if it runs here too.
host_only() {
        case $1 in
        test-pinned-restart)
                echo "ten SIGKILL cycles and 50 policies take over 6 minutes of emulated time;" \
                        "zz-persist.sh restarts and kills the daemon under systemd here"
                ;;
        test-policy-table-full)
                echo "the table's capacity is the registry's and the engine's on every kernel;" \
                        "1024 policies take 3 minutes of emulated time"
                ;;
        test-lockdown)
                echo "this kernel has the BPF LSM, whose guard refuses the signals the test stops" \
                        "its daemons with; zz-persist.sh locks down under systemd here"
                ;;
        *) return 1 ;;
        esac
}

[ -d "$tree/src/tests/integration" ] ||
        fail "no staged tree at $tree (run.sh --tree, from stage-tree.sh)"
export top_srcdir=$tree/src top_builddir=$tree/build
# The guest's own service must not act beside the daemons under test.
systemctl is-active --quiet tetragond.service &&
        fail "tetragond.service is active: a previous test left it running"

passed=0
failed=0
skipped=0
failures=()
for script in "$top_srcdir"/tests/integration/*.sh; do
        name=$(basename "$script" .sh)
        if why=$(host_only "$name"); then
                echo "SKIP: $name: $why"
                skipped=$((skipped + 1))
                continue
        fi
        out=$(mktemp)
        start=$(date +%s)
        status=0
        bounded "$script_bound" bash "$script" > "$out" 2>&1 < /dev/null || status=$?
        seconds=$(($(date +%s) - start))
        sed 's/^/  | /' "$out"
        case $status in
        0)
                echo "PASS: $name (${seconds}s)"
                passed=$((passed + 1))
                ;;
        77)
                reason=$(grep -m1 '^SKIP' "$out" || echo "(no reason given)")
                if why=$(expected_skip "$name"); then
                        echo "SKIP: $name: $why (${seconds}s)"
                        skipped=$((skipped + 1))
                else
                        echo "FAIL: $name skipped itself in the guest, which has what it" \
                                "needs: $reason"
                        failed=$((failed + 1))
                        failures+=("$name")
                fi
                ;;
        124 | 137)
                echo "FAIL: $name did not end within ${script_bound}s"
                failed=$((failed + 1))
                failures+=("$name")
                ;;
        *)
                echo "FAIL: $name (exit $status, ${seconds}s)"
                failed=$((failed + 1))
                failures+=("$name")
                ;;
        esac
        rm -f "$out"
done

echo "integration: $passed passed, $failed failed, $skipped skipped on $(uname -r)"
[ "$failed" -eq 0 ] || fail "integration scripts failed in the guest: ${failures[*]}"
