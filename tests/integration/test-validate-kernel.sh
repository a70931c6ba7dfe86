#!/bin/bash
# tetractl validate --kernel: per hook, the mechanism this kernel would use,
# or why the policy cannot load here; exit 1 when any cannot.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
[ "$(id -u)" = 0 ] || skip "probing the kernel needs root"
T=$top_builddir/tetractl
p=$top_srcdir/conf/policies.d/protect-tmp-passwd.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$("$T" validate --kernel "$p") || fail "a loadable policy: exit $?: $out"
line=$(grep ': policy protect-tmp-passwd: kprobes\[0\] sys_write: ' <<<"$out") ||
        fail "no mechanism line for sys_write in: $out"
mechanism=${line##*: }
case "$mechanism" in
fentry | kprobe | tp_btf/sys_enter) echo "ok: sys_write would use $mechanism" ;;
*) fail "unexpected mechanism '$mechanism'" ;;
esac
# The kernel side agrees with what the daemon's probe says. tetractl probe asks a running
# daemon; without one, the kprobe PMU says whether this kernel has kprobes.
if probe=$("$T" probe 2>/dev/null); then
        if ! grep -E '^ *(fentry|kprobe) +yes' <<<"$probe" >/dev/null; then
                [ "$mechanism" = tp_btf/sys_enter ] || fail "no fentry/kprobe here, yet $mechanism chosen"
        fi
elif [ ! -e /sys/bus/event_source/devices/kprobe ]; then
        [ "$mechanism" != kprobe ] || fail "no kprobe PMU here, yet kprobe chosen"
fi

# An LSM hook: refused where the BPF LSM is missing, with the reason; planned otherwise.
cat >"$work/lsm.yaml" <<'YAML'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: lsm-open
spec:
  lsmhooks:
  - hook: "file_open"
    args:
    - index: 0
      type: "file"
YAML
out=$("$T" validate --kernel "$work/lsm.yaml") && rc=0 || rc=$?
# Whether the BPF LSM works here, told by a program of the test's own that loads one, attaches
# it and sees it deny an open (a kernel may list "bpf" among its LSMs and still refuse the
# load, as under lockdown here); where that program is not built, the securityfs list.
lsm_probe=$top_builddir/tests/vm/tetragond-vm-probe
if [ -x "$lsm_probe" ]; then
        "$lsm_probe" lsm >"$work/lsm-probe.out" 2>&1 && bpf_lsm=yes || bpf_lsm=no
else
        grep -qw bpf /sys/kernel/security/lsm 2>/dev/null && bpf_lsm=yes || bpf_lsm=no
fi
if [ "$bpf_lsm" = yes ]; then
        [ "$rc" = 0 ] || fail "an lsmhook policy where the BPF LSM is active: exit $rc: $out"
        grep -F "lsmhooks[0] file_open: lsm" <<<"$out" >/dev/null ||
                fail "the lsmhook is not planned on lsm: $out"
        echo "ok: the lsmhook is planned on the BPF LSM"
else
        [ "$rc" = 1 ] || fail "an lsmhook policy without the BPF LSM: exit $rc, expected 1: $out"
        grep -F "$work/lsm.yaml: policy lsm-open cannot load on this kernel: lsmhooks[0] file_open: no mechanism can attach it: lsm: " \
                <<<"$out" >/dev/null || fail "no reason for the lsmhook in: $out"
        echo "ok: the lsmhook is refused with its reason"
fi

# JSON: the same plan, machine-readable.
json=$("$T" validate --kernel -o json "$p")
[ "$(jq -r '.files[0].kernel[0].hooks[0].mechanism' <<<"$json")" = "$mechanism" ] ||
        fail "JSON plan differs: $json"
[ "$(jq -r '.files[0].kernel[0].loadable' <<<"$json")" = true ] || fail "JSON loadable: $json"
echo "ok: -o json carries the plan"

# Without --kernel nothing is probed and the verdict is the language's alone.
out=$("$T" validate "$work/lsm.yaml") || fail "validate without --kernel failed: $out"
grep -F 'cannot load' <<<"$out" >/dev/null && fail "validate without --kernel planned: $out"
echo "ok: plain validate does not plan"

# Unprivileged, nothing can be probed: validate says that the check needs root, exit 1,
# instead of a plan in which every mechanism looks missing.
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T" validate --kernel "$p" 2>&1) &&
        rc=0 || rc=$?
[ "$rc" = 1 ] || fail "validate --kernel as nobody: exit $rc, expected 1: $out"
grep -F 'validate --kernel needs root: it loads test programs' <<<"$out" >/dev/null ||
        fail "validate --kernel as nobody does not say it needs root: $out"
grep -F 'cannot load' <<<"$out" >/dev/null && fail "validate --kernel as nobody planned: $out"
echo "ok: validate --kernel as nobody says it needs root"
