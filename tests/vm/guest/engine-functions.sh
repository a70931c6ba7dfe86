#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Kernel-function and LSM hooks through the service, each mechanism for real:
#   - a kprobes hook on security_file_permission (syscall: false) attaches by fentry, and its
#     Sigkill kills a writer of the watched file before the data reaches it; with
#     --disable-mechanism=fentry the same policy attaches by kprobe (bpftool perf shows it)
#     and kills the same way;
#   - an lsmhooks hook on file_open attaches by BPF LSM and its Override refuses the open
#     with EPERM, the file unchanged; the journal has the process_lsm entry;
#   - an lsmhooks hook on bprm_check_security whose Post has imaHash: true loads as a
#     sleepable LSM program, and its event carries the executed file's sha256 (as sha256sum
#     computes it) as TETRAGON_IMA_HASH and as ima_hash in the JSON, with no IMA policy;
#   - Override on a syscall hook is refused with the reason: Debian's kernel has no function
#     error injection, so neither fmod_ret on a syscall nor bpf_override_return() exists.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
dir=/etc/tetragon/policies.d
target=/tmp/tetragond-vm-function
secret=/tmp/tetragond-vm-secret
measured=/tmp/tetragond-vm-ima

finish() {
        local status=$1

        if [ "$status" -eq 1 ]; then
                for p in vm-function vm-lsm vm-ima vm-syscall-override; do
                        echo "--- tetractl show $p"
                        bounded 10 tetractl show "$p" 2>&1
                done
                echo "--- bpftool perf"
                bounded 10 bpftool perf 2>&1
                journalctl --no-pager -u "$unit" -n 30
        fi
        rm -f "$dir/vm-function.yaml" "$dir/vm-lsm.yaml" "$dir/vm-ima.yaml"
        rm -f "$dir/vm-syscall-override.yaml"
        rm -f "$target" "$secret" "$measured"
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        disable_mechanisms ""
        exit "$status"
}
trap 'finish $?' EXIT

cat > "$dir/vm-function.yaml" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vm-function
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - index: 0
      type: file
    - index: 1
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["$target"]
      - index: 1
        operator: Mask
        values: ["2"]
      matchActions:
      - action: Sigkill
EOT

# expect_function_hook MECHANISM: the policy is loaded by MECHANISM, a writer of the target is
# killed and the journal has the event of the kernel function, from this run of the service.
expect_function_hook() {
        local mechanism invocation

        invocation=$(systemctl show -P InvocationID "$unit")
        wait_until 30 policy_state loaded vm-function || fail "vm-function is not loaded within 30s"
        mechanism=$(hook_mechanism vm-function)
        [ "$mechanism" = "$1" ] ||
                fail "tetractl show reports the hook's mechanism as '$mechanism', expected $1"
        echo "ok: security_file_permission hooked by $mechanism"
        expect_write_killed "$target"
        wait_until 30 journal_has "$unit" TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=vm-function \
                TETRAGON_FUNCTION=security_file_permission TETRAGON_ACTION=SIGKILL \
                "_SYSTEMD_INVOCATION_ID=$invocation" ||
                fail "no process_kprobe entry of security_file_permission with SIGKILL in the journal"
        echo "ok: the journal has the security_file_permission event with SIGKILL"
}

bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
expect_function_hook fentry

# The fallback, forced off the better mechanism by the daemon's option.
bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed"
disable_mechanisms fentry,fmod_ret || fail "systemctl daemon-reload failed"
bounded 150 systemctl start "$unit" || fail "systemctl start $unit with --disable-mechanism failed"
expect_function_hook kprobe
bounded 10 bpftool perf | grep -q "kprobe .*func security_file_permission" ||
        fail "no kprobe on security_file_permission in bpftool perf"
echo "ok: bpftool perf shows the kprobe on security_file_permission"
rm -f "$dir/vm-function.yaml"
bounded 20 tetractl reload > /dev/null
wait_until 30 eval '! bounded 10 bpftool perf | grep -q "func security_file_permission"' ||
        fail "the kprobe on security_file_permission stays after its policy is removed"
echo "ok: the kprobe is gone with the policy"
sh -c "echo hello > $target" || fail "a write to $target fails after the policy is removed"

bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed"
disable_mechanisms "" || fail "systemctl daemon-reload failed"
bounded 150 systemctl start "$unit" || fail "systemctl start $unit failed"

# BPF LSM: Override refuses the open.
echo "the secret" > "$secret"
cat > "$dir/vm-lsm.yaml" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vm-lsm
spec:
  lsmhooks:
  - hook: file_open
    args:
    - index: 0
      type: file
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["$secret"]
      matchActions:
      - action: Override
        argError: -1
EOT
bounded 20 tetractl reload > /dev/null
wait_until 30 policy_state loaded vm-lsm || fail "vm-lsm is not loaded within 30s"
mechanism=$(hook_mechanism vm-lsm)
[ "$mechanism" = lsm ] || fail "tetractl show reports the LSM hook as '$mechanism', expected lsm"
echo "ok: file_open hooked by lsm"
out=$(cat "$secret" 2>&1) && fail "cat $secret succeeded under the Override: '$out'"
case "$out" in
*"Operation not permitted"*) echo "ok: cat $secret: $out" ;;
*) fail "cat $secret failed with '$out', expected Operation not permitted (EPERM)" ;;
esac
sh -c "echo changed > $secret" 2> /dev/null && fail "writing $secret succeeded under the Override"
bounded 20 tetractl disable vm-lsm > /dev/null || fail "tetractl disable vm-lsm failed"
wait_until 30 policy_state disabled vm-lsm || fail "vm-lsm is not disabled within 30s"
[ "$(cat "$secret")" = "the secret" ] || fail "$secret changed under the Override: $(cat "$secret")"
echo "ok: $secret unchanged, readable again once the policy is disabled"
wait_until 30 journal_has "$unit" TETRAGON_EVENT=process_lsm TETRAGON_POLICY=vm-lsm \
        TETRAGON_FUNCTION=file_open TETRAGON_ACTION=OVERRIDE ||
        fail "no process_lsm entry of file_open with OVERRIDE in the journal"
echo "ok: the journal has the process_lsm event with OVERRIDE"

# Post with imaHash: the hash IMA computes for the executed file, the same as sha256sum's.
# On bprm_check_security the file is open for reading, so IMA hashes it without a policy of
# its own (on file_open it is not yet readable: only a file IMA measured before has one).
started=$SECONDS
cp /usr/bin/true "$measured"
hash=$(sha256sum "$measured" | cut -d' ' -f1)
cat > "$dir/vm-ima.yaml" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vm-ima
spec:
  lsmhooks:
  - hook: bprm_check_security
    args:
    - index: 0
      type: linux_binprm
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["$measured"]
      matchActions:
      - action: Post
        imaHash: true
EOT
bounded 20 tetractl reload > /dev/null
wait_until 30 policy_state loaded vm-ima || fail "vm-ima is not loaded within 30s"
"$measured" || fail "$measured failed under a Post"
wait_until 30 journal_has "$unit" TETRAGON_EVENT=process_lsm TETRAGON_POLICY=vm-ima \
        TETRAGON_FUNCTION=bprm_check_security "TETRAGON_IMA_HASH=sha256:$hash" ||
        fail "no process_lsm entry of bprm_check_security with TETRAGON_IMA_HASH=sha256:$hash"
journalctl --no-pager -o export -u "$unit" TETRAGON_POLICY=vm-ima |
        grep -q "^TETRAGON_JSON=.*\"ima_hash\": *\"sha256:$hash\"" ||
        fail "the JSON of the vm-ima event has no ima_hash sha256:$hash"
echo "ok: the exec of $measured has ima_hash sha256:$hash, as sha256sum ($((SECONDS - started)) s)"
rm -f "$dir/vm-ima.yaml"
bounded 20 tetractl reload > /dev/null

# Override on a syscall: refused, with the reason, and nothing else is disturbed.
cat > "$dir/vm-syscall-override.yaml" << EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vm-syscall-override
spec:
  kprobes:
  - call: sys_write
    args:
    - index: 0
      type: fd
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["$target"]
      matchActions:
      - action: Override
        argError: -1
EOT
status=0
bounded 20 tetractl reload > /dev/null 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "tetractl reload exited $status with a refused policy, expected 1"
wait_until 30 policy_state failed vm-syscall-override ||
        fail "vm-syscall-override is not reported failed within 30s"
bounded 10 tetractl show vm-syscall-override |
        grep -q "action Override on a system call needs fmod_ret on the syscall's function" ||
        fail "tetractl show does not give the reason the syscall Override is refused"
bounded 10 tetractl show vm-syscall-override | grep "Error:" | sed 's/^/    /'
echo "ok: Override on a syscall is refused with its reason on this kernel"
