#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The corpus load table on the distro kernel: every policy of the real-world corpus through the
# engine (tests/test-policy-corpus-load, passed with --helper; the corpus staged by
# stage-tree.sh at $VMTEST_SUITE/tree/shared/corpus, where the binary finds it from
# top_srcdir), installed with the mechanisms this kernel offers or refused with the reason.
# Prints the table and the share that installs; fails when the binary fails, or when a policy
# of the corpus has no verdict in the table.
# 6.1 took under a minute; 6.12 over 200 s (measured with three guests on two cores).
# vmtest-timeout: 600
. "$VMTEST_SUITE/guest-lib.sh"

program=test-policy-corpus-load
tree=$VMTEST_SUITE/tree
corpus=$tree/shared/corpus

command -v "$program" > /dev/null ||
        skip "$program was not built (configure found no cmocka), nothing to run"
[ -d "$corpus" ] || skip "no policy corpus was staged (stage-tree.sh found none next to the source)"

table=$(mktemp)
messages=$(mktemp)
status=0
# Apart: libbpf's messages on stderr would otherwise land inside the table's rows.
top_srcdir=$tree/src bounded 540 "$program" > "$table" 2> "$messages" || status=$?
cat "$table"
echo "--- stderr of $program:"
cat "$messages"
case $status in
0 | 1) ;;
77) fail "$program skipped itself (exit 77): it runs as root here, with the corpus at $corpus" ;;
124 | 137) fail "$program did not finish within 540s" ;;
*) fail "$program ended with status $status" ;;
esac

# Every file has at least one row with a verdict.
files=0
missing=()
while read -r f; do
        files=$((files + 1))
        # The policy column is blank for a nameless policy: the verdict is then the second field.
        awk -v f="$f" '$1 == f && ($2 ~ verdict || $3 ~ verdict) { found = 1 }
                       END { exit !found }' verdict='^(installed|refused|invalid|FAILED)$' \
                "$table" || missing+=("$f")
done < <(cd "$corpus" && find . -type f \( -name '*.yaml' -o -name '*.yml' \) | sed 's|^\./||' |
        sort)
[ "$files" -gt 0 ] || fail "no policy files under $corpus"
[ ${#missing[@]} -eq 0 ] || fail "no verdict in the table for: ${missing[*]}"

# "14 installed, 63 refused with a reason, 2 invalid (parser), 0 failed"
read -r installed refused invalid failed < <(awk '$2 == "installed," && $4 == "refused" &&
        $9 == "invalid" && $12 == "failed" { print $1, $3, $8, $11 }' "$table")
[ -n "$failed" ] || fail "$program printed no summary line"
policies=$((installed + refused + invalid + failed))
echo "corpus on $(uname -r): $files files, $policies policies: $installed installed" \
        "($((installed * 100 / policies))%), $refused refused with a reason, $invalid invalid," \
        "$failed failed"
[ "$status" -eq 0 ] || fail "$program failed (exit $status): $failed failed, $installed installed"
echo "ok: every file of the corpus has a verdict on $(uname -r)"
