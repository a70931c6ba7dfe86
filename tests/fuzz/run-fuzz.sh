#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the libFuzzer targets with clang (ASan, UBSan) in their own build directory and runs
# each for N seconds (default 60), one after the other, on a seed corpus. Fails on any crash,
# leak or sanitizer report.
#
#     tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]
#
# Targets: policy (the policy language), record-decode (ring-buffer records), bus-args (the
# D-Bus handlers' arguments); all by default. `make fuzz FUZZ_SECONDS=N` runs this.
# Environment: FUZZ_BUILD_DIR (default: ../build-fuzz next to the source tree).
set -eu

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(policy record-decode bus-args)
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top_srcdir/../build-fuzz}

command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }

mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
        "$top_srcdir/configure" -q --enable-fuzzing CC=clang CFLAGS="-g -O1"
fi
make -j"$(nproc)" "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null

# Seeds for each target, never modified in the source tree.
seed() { # seed TARGET CORPUS
        case $1 in
        policy)
                cp "$top_srcdir"/tests/data/policies/good/*.yaml \
                        "$top_srcdir"/tests/data/policies/bad/*.yaml "$2"/
                ;;
        record-decode)
                # A header (op, version, size) of each op and nothing else: the fuzzer grows
                # the bodies from there.
                local op
                for op in 1 2 3 4; do
                        printf "\\x0$op\\x00\\x01\\x00\\x10\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00" >"$2/op$op"
                done
                ;;
        bus-args)
                # selector 0: a mode; 1 and 2: a file name and a policy text.
                printf '\0kill-writes\0enforce' >"$2/mode"
                printf '\0bad\xff\xfe.yaml\0monitor' >"$2/mode-bad-name"
                local f i=0
                for f in "$top_srcdir"/tests/data/policies/good/*.yaml; do
                        { printf '\001%s\0' "$(basename "$f")"; cat "$f"; } >"$2/validate-$i"
                        i=$((i + 1))
                done
                ;;
        esac
}
# Words of the language help the policy and bus-args fuzzers past the key checks.
dict=$build/fuzz-policy.dict
sed -n 's/.*"\([A-Za-z][A-Za-z_]*\)".*/"\1"/p' "$top_srcdir"/lib/policy-parse.c "$top_srcdir"/lib/policy.c |
        sort -u >"$dict"

passed=0 failed=0
for t in "${targets[@]}"; do
        corpus=$build/fuzz-$t-corpus
        artifacts=$build/fuzz-$t-artifacts
        mkdir -p "$corpus" "$artifacts"
        seed "$t" "$corpus"
        dict_arg=()
        [ "$t" = record-decode ] || dict_arg=(-dict="$dict")
        echo "fuzzing $t for $seconds s in $build"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                ./tests/fuzz/fuzz-$t -max_total_time="$seconds" -max_len=65536 -timeout=10 \
                -rss_limit_mb=2048 "${dict_arg[@]}" -artifact_prefix="$artifacts/" \
                -print_final_stats=1 "$corpus" >"$build/fuzz-$t.log" 2>&1 && rc=0 || rc=$?
        # The fuzzer's progress lines go to the log; what counts is shown here.
        if [ "$rc" != 0 ]; then
                tail -n 60 "$build/fuzz-$t.log"
                echo "FAIL: the $t fuzzer found a problem (exit $rc); artifacts in $artifacts/"
                failed=$((failed + 1))
                continue
        fi
        grep -E '^stat::number_of_executed_units|^Done ' "$build/fuzz-$t.log" || true
        passed=$((passed + 1))
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
