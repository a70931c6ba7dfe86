#!/bin/bash
# fork+exec+wait of /bin/true, without and with tetragond (events to the
# journal and to a JSON file), interleaved round by round so that drift in
# the machine's speed hits both sides alike. Prints the per-round and median
# ratios, the events the daemon lost, and its peak RSS.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

rounds=${BENCH_ROUNDS:-5}
n=${BENCH_EXECS:-2000}
loop=$top_builddir/bench/loop
ratios=()

for ((i = 1; i <= rounds; i++)); do
        base=$("$loop" exec "$n" /bin/true)
        # BENCH_DAEMON_ARGS: e.g. "--enable-process-cred" to measure what one option costs.
        # shellcheck disable=SC2086
        testenv_start_daemon --export-file "$TESTENV_DIR/events.json" --policy-dir "$TESTENV_DIR" ${BENCH_DAEMON_ARGS:-}
        with=$("$loop" exec "$n" /bin/true)
        rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$TESTENV_DAEMON_PID/status")
        kill -TERM "$TESTENV_DAEMON_PID"
        wait "$TESTENV_DAEMON_PID" || true
        TESTENV_DAEMON_PID=
        ratio=$(awk -v a="$with" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
        ratios+=("$ratio")
        printf 'round %d: without %8.1f us  with %8.1f us  ratio %s  daemon peak RSS %d KiB\n' \
                "$i" "$(awk -v x="$base" 'BEGIN{print x/1000}')" \
                "$(awk -v x="$with" 'BEGIN{print x/1000}')" "$ratio" "$rss_kib"
done

median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
lost=$(journal -t tetragond -o cat | awk '/lost in the kernel/ { n = $0 } END { print n }')
echo "fork+exec+wait of /bin/true, $n per side per round, $rounds rounds"
echo "median ratio with/without tetragond: $median (target <= 1.10)"
echo "daemon's final counters: ${lost:-missing (did the daemon log its exit line?)}"
