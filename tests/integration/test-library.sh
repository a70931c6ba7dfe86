#!/bin/bash
# Issue 19: tetractl library list and show read the library (conf/library/ here, as
# TETRAGOND_LIBRARY_DIR points it there), enable --print fills parameters in, and the errors a
# user meets say what to do. No daemon: none of these asks it (enable without --print does,
# tests/vm/guest/library.sh runs it on the guest's service).
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
T=$top_builddir/tetractl
export TETRAGOND_LIBRARY_DIR=$top_srcdir/conf/library
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run EXPECTED-EXIT COMMAND...: stdout in $out, stderr in $err.
run() {
        local want=$1 rc=0
        shift
        "$@" >"$work/out" 2>"$work/err" || rc=$?
        out=$(cat "$work/out")
        err=$(cat "$work/err")
        [ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want; stdout: $out; stderr: $err"
}

run 0 "$T" library list
for f in "$TETRAGOND_LIBRARY_DIR"/*.yaml; do
        name=$(basename "$f" .yaml)
        summary=$(sed -n 's/^# summary: //p' "$f")
        grep -qxF "$(printf '%-24s %s' "$name" "$summary")" <<<"$out" ||
                fail "library list has no line '$name  $summary': $out"
done
[ "$(wc -l <<<"$out")" = "$(ls "$TETRAGOND_LIBRARY_DIR"/*.yaml | wc -l)" ] ||
        fail "library list has other lines than one per file: $out"
echo "ok: library list: one line per policy, its name and summary"

run 0 "$T" library list -o json
python3 - "$work/out" <<'PY' || fail "library list -o json: $out"
import json, sys
entries = {e["name"]: e for e in json.load(open(sys.argv[1]))}
params = {p["name"]: p for p in entries["protect-directory"]["params"]}
assert params["DIR"]["default"] is None, params
assert params["ALLOW"]["default"] == "/usr/bin/dpkg", params
assert entries["block-module-bpf-load"]["file"].endswith("/block-module-bpf-load.yaml")
PY
echo "ok: library list -o json: parameters with their defaults, required ones without"

run 0 "$T" library show audit-credentials
[ "$out" = "$(cat "$TETRAGOND_LIBRARY_DIR/audit-credentials.yaml")" ] ||
        fail "library show audit-credentials is not the library file"
echo "ok: library show prints the file, its guarantees and holes"

run 1 "$T" library show no-such-policy
[ "$err" = "tetractl: no library policy no-such-policy in $TETRAGOND_LIBRARY_DIR ('tetractl library list' shows them)." ] ||
        fail "library show of an unknown name: $err"
run 2 "$T" library show ../etc
[ "$err" = 'tetractl: invalid library policy name "../etc".' ] || fail "a path as a name: $err"
run 2 "$T" library enable --print protect-directory
[ "$err" = "tetractl: protect-directory needs DIR=VALUE: the absolute paths of the directories to protect, comma-separated." ] ||
        fail "a required parameter missing: $err"
run 2 "$T" library enable --print protect-directory DIR=/srv FOO=1
[ "$err" = "tetractl: FOO=1 is not a parameter of protect-directory, as PARAM=VALUE ('tetractl library show protect-directory' lists them)." ] ||
        fail "an unknown parameter: $err"
run 2 "$T" library enable --print protect-directory DIR=/srv,
[ "$err" = "tetractl: a value is empty, has an empty item or a line break." ] ||
        fail "an empty item: $err"
echo "ok: unknown names, missing, unknown and empty parameters: exit 1 or 2, with what to do"

run 0 "$T" library enable --print protect-directory DIR=/srv/a,/srv/b ALLOW=/usr/bin/apt
grep -qF 'values: ["/srv/a", "/srv/b"]' <<<"$out" || fail "DIR not filled in: $out"
grep -qF 'values: ["/usr/bin/apt"]' <<<"$out" || fail "ALLOW not filled in: $out"
! grep -q '@[A-Z_]*@' <<<"$out" || fail "a parameter left unfilled: $out"
echo "$out" >"$work/protect-directory.yaml"
run 0 "$T" validate "$work/protect-directory.yaml"
echo "ok: enable --print: the values as YAML strings, a policy validate accepts"

# Every policy with its defaults (and a value for the required ones) is valid.
for f in "$TETRAGOND_LIBRARY_DIR"/*.yaml; do
        name=$(basename "$f" .yaml)
        required=$(sed -n 's/^# param \([A-Z_]*\): .*/\1=\/srv\/x/p' "$f")
        # shellcheck disable=SC2086 # one word per required parameter
        run 0 "$T" library enable --print "$name" $required
done
echo "ok: every library policy instantiates and checks with its defaults"
