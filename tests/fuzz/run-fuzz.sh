#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the policy fuzz target with clang (libFuzzer, ASan, UBSan) in its own
# build directory and runs it for N seconds (default 60) on a seed corpus made
# from tests/data/policies. Fails on any crash, leak or sanitizer report.
#
#     tests/fuzz/run-fuzz.sh [SECONDS]
#
# Environment: FUZZ_BUILD_DIR (default: ../build-fuzz next to the source tree).
set -eu

seconds=${1:-60}
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top_srcdir/../build-fuzz}

command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }

mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
        "$top_srcdir/configure" -q --enable-fuzzing CC=clang CFLAGS="-g -O1"
fi
make -j"$(nproc)" tests/fuzz/fuzz-policy >/dev/null

corpus=$build/fuzz-policy-corpus
mkdir -p "$corpus" "$build/fuzz-policy-artifacts"
# Seeds: every test policy (good and bad), never modified in the source tree.
cp "$top_srcdir"/tests/data/policies/good/*.yaml "$top_srcdir"/tests/data/policies/bad/*.yaml "$corpus"/

# Dictionary of the language's words helps the fuzzer past the key checks.
dict=$build/fuzz-policy.dict
sed -n 's/.*"\([A-Za-z][A-Za-z_]*\)".*/"\1"/p' "$top_srcdir"/lib/policy-parse.c "$top_srcdir"/lib/policy.c |
        sort -u >"$dict"

echo "fuzzing the policy parser for $seconds s in $build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ./tests/fuzz/fuzz-policy -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -dict="$dict" -artifact_prefix="$build/fuzz-policy-artifacts/" -print_final_stats=1 "$corpus" \
        >"$build/fuzz-policy.log" 2>&1 && rc=0 || rc=$?
# The fuzzer's progress lines go to the log; what counts is shown here.
if [ "$rc" != 0 ]; then
        tail -n 60 "$build/fuzz-policy.log"
        echo "FAIL: the policy fuzzer found a problem (exit $rc); artifacts in $build/fuzz-policy-artifacts/"
        exit 1
fi
grep -E '^stat::number_of_executed_units|^Done ' "$build/fuzz-policy.log" || true
echo "fuzz: 1 passed, 0 failed"
