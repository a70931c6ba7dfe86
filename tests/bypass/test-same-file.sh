#!/bin/bash
# Issue 19: SameFile matches the file, not its path. A write through a bind mount or a hard
# link of the protected file is killed; when the file is replaced by a rename the policy
# follows the new file (and lets the old inode go); a file missing when the policy loads is
# covered once it is created.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

dir=$(mktemp -d /tmp/tetragond-same-file.XXXXXX)
cleanup() {
        local status=$?

        umount "$dir/bind" 2>/dev/null || true
        rm -rf "$dir"
        (exit "$status")
        testenv_cleanup
}
trap cleanup EXIT
target=$dir/protected
later=$dir/later
echo original >"$target"

mkdir -p "$TESTENV_DIR/policies"
cat >"$TESTENV_DIR/policies/same-file.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: same-file
spec:
  kprobes:
  - call: sys_write
    syscall: true
    args:
    - index: 0
      type: fd
    selectors:
    - matchArgs:
      - index: 0
        operator: SameFile
        values: ["$target", "$later"]
      matchActions:
      - action: Sigkill
EOF
testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --state-dir "$TESTENV_DIR/state"
loaded() { journal -t tetragond -o cat | grep "Policy same-file loaded" >/dev/null; }
wait_for 60 "the policy to load" loaded || fail "the policy did not load"

# expect_killed FILE: a write to FILE is killed and leaves it as it was.
expect_killed() {
        local before rc

        before=$(cat "$1")
        sh -c "echo changed >> '$1'" && rc=0 || rc=$?
        [ "$rc" = 137 ] || fail "a write to $1 exited $rc, not 137 (SIGKILL)"
        [ "$(cat "$1")" = "$before" ] || fail "$1 changed: $(cat "$1")"
        echo "ok: a write to $1 was killed"
}
expect_written() {
        sh -c "echo changed >> '$1'" || fail "a write to $1 failed"
        grep -q changed "$1" || fail "$1 was not written"
        echo "ok: $1 was written"
}
followed() { journal -t tetragond -o cat | grep "Policy same-file: $1 is now inode $2, followed." >/dev/null; }

expect_killed "$target"
mkdir "$dir/bind"
mount --bind "$dir" "$dir/bind"
expect_killed "$dir/bind/protected"
ln "$target" "$dir/link"
expect_killed "$dir/link"

# Replaced by a rename: the new file is protected, the old inode (still linked) is not.
echo replacement >"$dir/new"
mv "$dir/new" "$target"
wait_for 20 "the policy to follow the new $target" followed "$target" "$(stat -c %i "$target")" ||
        fail "no 'followed' line for the new $target: $(journal -t tetragond -o cat | tail -5)"
expect_killed "$target"
expect_killed "$dir/bind/protected"
expect_written "$dir/link"

# Missing when the policy loaded: covered once created (from the moment it is: written in
# place, this shell's own write would be killed), so made elsewhere and renamed there.
echo created >"$dir/made"
mv "$dir/made" "$later"
wait_for 20 "the policy to follow $later" followed "$later" "$(stat -c %i "$later")" ||
        fail "no 'followed' line for $later"
expect_killed "$later"
