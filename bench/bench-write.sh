#!/bin/bash
# One-byte write() calls to /dev/null without tetragond and with it, the
# seed's policy loaded (tp_btf/sys_enter on this kernel), interleaved round by
# round so that drift in the machine's speed hits every side alike. Two more
# sides show the floors: an empty program on tp_btf/sys_enter (what the kernel
# charges any syscall hook there), and the daemon with a policy on another
# syscall only (its program on a syscall it does not hook). Then 1 against 50
# policies on the same hook. Prints per-round and median ratios.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

# Run-time statistics time every BPF program run: two clock reads that would be charged to
# the daemon's sides and the empty program's.
if [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ]; then
        echo "warning: kernel.bpf_stats_enabled is 1: the sides with BPF programs pay for it" >&2
fi

rounds=${BENCH_ROUNDS:-7}
n=${BENCH_WRITES:-2000000}
loop=$top_builddir/bench/loop
with_empty=$top_builddir/bench/with-empty-sys-enter
seed=$top_srcdir/tests/data/engine/sys_write_sigkill.yaml

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# policy_dir NAME FILE...: a folder holding these policies.
policy_dir() {
        local dir=$TESTENV_DIR/$1
        shift
        mkdir -p "$dir"
        cp "$@" "$dir/"
        echo "$dir"
}

# The seed's policy on another path, under another name, for the many-policies case.
seed_copy() { # seed_copy INDEX DIR
        sed -e "s|/tmp/passwd|/tmp/passwd-$1|g" -e "s|syswritefollowfdpsswd|syswrite-$1|" \
                "$seed" >"$2/seed-$1.yaml"
}

# with_daemon DIR: bench_result = writes per ns with the daemon running on that policy
# folder, once this daemon (its pid: the journal holds the earlier rounds too) has loaded
# all of them. Not in a subshell: the cleanup trap must see the daemon's pid.
with_daemon() {
        bench_dir=$1
        bench_count=$(ls "$1" | wc -l)
        testenv_start_daemon --policy-dir "$1" --state-dir "$TESTENV_DIR/state"
        loaded() {
                # Not grep -q: journalctl would die of SIGPIPE, a failure under pipefail.
                journal -o cat _PID="$TESTENV_DAEMON_PID" |
                        grep "^Policies reloaded from $bench_dir: $bench_count added, .* 0 failed" \
                                >/dev/null
        }
        wait_for 60 "$bench_count policies to load" loaded || {
                journal -o cat _PID="$TESTENV_DAEMON_PID" | grep -v '^[^A-Z]' >&2
                fail "policies of $1 did not load"
        }
        bench_result=$("$loop" write "$n" /dev/null)
        kill -TERM "$TESTENV_DAEMON_PID"
        wait "$TESTENV_DAEMON_PID" || true
        TESTENV_DAEMON_PID=
}

other=$TESTENV_DIR/other.yaml
cat >"$other" <<'POLICY'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: other-syscall
spec:
  kprobes:
  - call: sys_getpgid
    args:
    - index: 0
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["-12345"]
POLICY

seed_dir=$(policy_dir seed "$seed")
floor_dir=$(policy_dir floor "$other")
one_dir=$TESTENV_DIR/one
many_dir=$TESTENV_DIR/many
mkdir -p "$one_dir" "$many_dir"
seed_copy 1 "$one_dir"
for i in $(seq 1 50); do seed_copy "$i" "$many_dir"; done

seed_ratios=() floor_ratios=() empty_ratios=() many_ratios=()
for ((i = 1; i <= rounds; i++)); do
        base=$("$loop" write "$n" /dev/null)
        with_empty_program=$("$with_empty" "$loop" write "$n" /dev/null)
        with_daemon "$seed_dir"
        with_seed=$bench_result
        with_daemon "$floor_dir"
        with_floor=$bench_result
        with_daemon "$one_dir"
        with_one=$bench_result
        with_daemon "$many_dir"
        with_many=$bench_result
        seed_ratios+=("$(ratio "$with_seed" "$base")")
        floor_ratios+=("$(ratio "$with_floor" "$base")")
        empty_ratios+=("$(ratio "$with_empty_program" "$base")")
        many_ratios+=("$(ratio "$with_many" "$with_one")")
        printf 'round %d: without %6.1f ns  seed %6.1f ns (%s)  empty program %6.1f ns (%s)' \
                "$i" "$base" "$with_seed" "${seed_ratios[-1]}" "$with_empty_program" \
                "${empty_ratios[-1]}"
        printf '  floor %6.1f ns (%s)' "$with_floor" "${floor_ratios[-1]}"
        printf '  1 policy %6.1f ns  50 policies %6.1f ns (%s)\n' \
                "$with_one" "$with_many" "${many_ratios[-1]}"
done

echo "1-byte writes to /dev/null, $n per side per round, $rounds rounds"
echo "median ratio with the seed's policy / without tetragond:" \
        "$(printf '%s\n' "${seed_ratios[@]}" | median) (target <= 1.25)"
echo "median ratio with an empty program on tp_btf/sys_enter / without:" \
        "$(printf '%s\n' "${empty_ratios[@]}" | median) (the kernel's floor for syscall hooks here)"
echo "median ratio with a policy on another syscall only / without:" \
        "$(printf '%s\n' "${floor_ratios[@]}" | median) (the attached program's floor)"
echo "median ratio 50 policies / 1 policy on sys_write:" \
        "$(printf '%s\n' "${many_ratios[@]}" | median) (goal: flat)"
