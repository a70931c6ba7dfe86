#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Post with imaHash where the kernel refuses BPF LSM programs (this project's CI machines):
# `tetractl validate --kernel` refuses the policy with the sentence that names imaHash and
# why, the kernel's own reason after it. Where the kernel has the BPF LSM there is nothing to
# refuse (77; the qemu guest's tests/vm/guest/engine-functions.sh loads such a policy). Needs
# root to probe the kernel (77 otherwise).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
policy() {
        cat > "$work/$1.yaml" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $1
spec:
  lsmhooks:
  - hook: file_open
    args:
    - index: 0
      type: file
    selectors:
    - matchActions:
      - action: Post
        imaHash: $2
EOT
}
policy ima true
policy plain false

if "$top_builddir/tetractl" validate --kernel "$work/plain.yaml" > /dev/null 2>&1; then
        skip "this kernel loads BPF LSM programs: imaHash is not refused here"
fi
out=$("$top_builddir/tetractl" validate --kernel "$work/ima.yaml" 2>&1)
status=$?
[ "$status" -eq 1 ] || fail "tetractl validate --kernel exited $status, expected 1: $out"
expected="$work/ima.yaml: policy ima cannot load on this kernel: lsmhooks[0] file_open: action Post: imaHash needs bpf_ima_file_hash(), which only a sleepable BPF LSM program may call, and lsm: not available on this kernel ("
case "$out" in
*"$expected"*) echo "ok: $(grep -F 'imaHash needs' <<< "$out")" ;;
*) fail "tetractl validate --kernel says '$out', expected it to contain '$expected'" ;;
esac
