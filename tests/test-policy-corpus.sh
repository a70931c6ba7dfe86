#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs "tetractl validate" over every policy of the real-world corpus
# (../shared/corpus next to the source tree: Tetragon's own example policies).
# Checks that every file gets a verdict (exit 0 or 1, never a signal or 2),
# that the legacy FollowFD policies are valid with a deprecation warning, and
# prints a table of verdicts. Skips (77) when the corpus is absent.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
corpus=$top_srcdir/../shared/corpus
tetractl=$top_builddir/tetractl

if [ ! -d "$corpus" ]; then
        echo "SKIP: no policy corpus at $corpus"
        exit 77
fi
if [ ! -x "$tetractl" ]; then
        echo "FAIL: $tetractl is not built"
        exit 1
fi

# Legacy policies that Tetragon removed with FollowFD, which must stay valid.
# match_capability_changes.yaml and match_namespace_changes.yaml are templates
# ("values: - {{.Pid}}"), not policies: Tetragon refuses them unrendered too.
legacy_valid="fd_memfd_kill.yaml names.yaml open_kill.yaml sys_write_follow_fd_etc_pwd.yaml
sys_write_follow_fd_prefix.yaml sys_write_sigkill.yaml"
legacy_templates="match_capability_changes.yaml match_namespace_changes.yaml"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
fail() {
        echo "FAIL: $*"
        failed=$((failed + 1))
}

mapfile -t files < <(cd "$corpus" && find . -type f \( -name '*.yaml' -o -name '*.yml' \) | sed 's|^\./||' | sort)
if [ "${#files[@]}" -eq 0 ]; then
        echo "FAIL: no policy files under $corpus"
        exit 1
fi

printf '%-78s %-8s %s\n' FILE VERDICT "FIRST MESSAGE"
n_valid=0
n_invalid=0
for f in "${files[@]}"; do
        "$tetractl" validate "$corpus/$f" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        first=$(head -n1 "$tmp/err" | sed "s|^$corpus/||" | cut -c1-150)
        case $rc in
        0)
                verdict=valid
                n_valid=$((n_valid + 1))
                ;;
        1)
                verdict=invalid
                n_invalid=$((n_invalid + 1))
                ;;
        *)
                verdict="rc=$rc"
                fail "$f: tetractl validate exited $rc (a crash or usage error, not a verdict)"
                ;;
        esac
        printf '%-78s %-8s %s\n' "$f" "$verdict" "$first"
        if [ "$rc" -le 1 ] && ! grep -q ": valid\|: invalid" "$tmp/out"; then
                fail "$f: no verdict line on stdout"
        elif [ "$rc" -le 1 ]; then
                passed=$((passed + 1))
        fi

        base=$(basename "$f")
        case $f in
        tetragon-examples-legacy/*)
                if [[ " $(echo $legacy_valid) " == *" $base "* ]]; then
                        [ "$rc" -eq 0 ] || fail "$f: legacy FollowFD policy must be valid"
                        grep -q 'warning: action "\(FollowFD\|UnfollowFD\|CopyFD\)" is deprecated' "$tmp/err" ||
                                fail "$f: no deprecation warning"
                elif [[ " $(echo $legacy_templates) " == *" $base "* ]]; then
                        [ "$rc" -eq 1 ] || fail "$f: an unrendered template must be refused"
                        grep -q 'template placeholder' "$tmp/err" || fail "$f: the refusal does not name the template"
                fi
                ;;
        tetragon-examples/*)
                [ "$rc" -eq 0 ] || fail "$f: Tetragon's own example must be valid"
                ;;
        esac
done

echo
echo "corpus: ${#files[@]} files, $n_valid valid, $n_invalid invalid"
[ -f "$corpus/tetragon-examples-legacy/sys_write_sigkill.yaml" ] || fail "sys_write_sigkill.yaml is missing from the corpus"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
