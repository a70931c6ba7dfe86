#!/bin/bash
# Issue 19: the library's protect-file policy against the bypass suite. On a kernel with the
# BPF LSM the LSM variant (conf/library/protect-file.yaml) is held to expected-lsm.txt, else
# the system call fallback (protect-file-syscalls.yaml) to expected-fallback.txt. Fails when a
# technique does worse than the table says (blocked -> detected or passed, detected -> passed),
# or when the suite has a technique the table does not list; says so when one does better, so
# the table can be raised.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"

here=$top_srcdir/tests/bypass
export TETRAGOND_LIBRARY_DIR=$top_srcdir/conf/library
probe=$(mktemp /tmp/tetragond-bypass-probe.XXXXXX.yaml)
trap 'rm -f "$probe" "${table:-}" "${log:-}"' EXIT
"$top_builddir/tetractl" library enable --print protect-file FILE=/nonexistent/protected >"$probe" ||
        fail "tetractl library enable --print protect-file failed"
# The daemon's own verdict on this kernel, as a user would ask for it.
if verdict=$("$top_builddir/tetractl" validate --kernel "$probe" 2>&1); then
        policy=protect-file expected=$here/expected-lsm.txt
else
        # Its last line is the reason; the lines before it, the extension's warnings.
        echo "protect-file cannot load here, so the fallback: ${verdict##*$'\n'}"
        policy=protect-file-syscalls expected=$here/expected-fallback.txt
fi
echo "policy: $policy, held to $expected"

table=$(mktemp /tmp/tetragond-bypass-table.XXXXXX)
log=$(mktemp /tmp/tetragond-bypass-log.XXXXXX)
BYPASS_LOG=$log bash "$here/run.sh" "$policy" >"$table" || { cat "$log"; fail "the runner failed"; }
cat "$log" "$table"
[ -s "$table" ] || fail "the runner printed no table"
[ -f "$expected" ] || fail "no $(basename "$expected") to hold this table to"

rank() {
        case $1 in
        blocked) echo 2 ;;
        detected) echo 1 ;;
        passed) echo 0 ;;
        *) echo -1 ;;
        esac
}
failures=0
while read -r technique result; do
        case $technique in "#"* | "") continue ;; esac
        want=$(awk -v t="$technique" '$1 == t { print $2 }' "$expected")
        if [ -z "$want" ]; then
                echo "FAIL: $technique is not in $(basename "$expected")"
                failures=$((failures + 1))
        elif [ "$result" = no-effect ]; then
                echo "FAIL: $technique changed nothing although every call succeeded: fix the suite"
                failures=$((failures + 1))
        elif [ "$(rank "$result")" -lt "$(rank "$want")" ]; then
                echo "FAIL: $technique was $want, now $result"
                failures=$((failures + 1))
        elif [ "$(rank "$result")" -gt "$(rank "$want")" ]; then
                echo "note: $technique is $result, better than the table's $want: raise it"
        fi
done <"$table"
[ "$failures" = 0 ] || fail "$failures technique(s) worse than $(basename "$expected")"
echo "ok: every technique at least as stopped as $(basename "$expected") says"
