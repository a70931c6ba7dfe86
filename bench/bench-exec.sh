#!/bin/bash
# fork+exec+wait of /bin/true, without and with tetragond (events to the
# journal and to a JSON file), interleaved round by round so that drift in
# the machine's speed hits both sides alike. Prints the per-round ratios, their
# median and spread, where the CPU goes (the daemon's and journald's, per
# 10,000 execs), the bytes of one exec entry in journal export format and what an
# entry adds to the journal files on disk, the events the daemon lost, and its peak RSS.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

rounds=${BENCH_ROUNDS:-11}
n=${BENCH_EXECS:-2000}
loop=$top_builddir/bench/loop
ratios=()
daemon_ns=0
journald_ns=0

cpu_ticks() { # PID: user + system clock ticks of the whole process so far
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
# PID: nanoseconds on a CPU so far, all its threads: the ticks' 10 ms steps are too coarse for
# one round (a round's daemon spends some 100 ms).
cpu_ns() {
        cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%.0f\n", n }'
}
# The daemon has caught up once its CPU time stays put for a quarter second.
daemon_idle() {
        local t
        t=$(cpu_ticks "$TESTENV_DAEMON_PID")
        sleep 0.25
        [ "$t" = "$(cpu_ticks "$TESTENV_DAEMON_PID")" ]
}

# Bytes in use and entries of the journal files: each file header's tail_object_offset
# (at byte 136) and n_entries (at byte 152), summed. A file grows in 8 MiB steps, so its
# size would say nothing about one entry.
journal_usage() {
        local f off n used=0 entries=0
        for f in /var/log/journal/*/*.journal /run/log/journal/*/*.journal; do
                [ -f "$f" ] || continue
                read -r off < <(od -An -t u8 -j 136 -N 8 "$f")
                read -r n < <(od -An -t u8 -j 152 -N 8 "$f")
                used=$((used + off))
                entries=$((entries + n))
        done
        echo "$used $entries"
}
disk_bytes=0
disk_entries=0

# Each round measures "with" as soon as the daemon has settled, then "without" as soon as it
# has stopped: the two sides seconds apart, not a daemon start (tens of seconds of BPF
# loading on a loaded machine) apart, so that the load of a shared machine hits both alike.
for ((i = 1; i <= rounds; i++)); do
        # BENCH_DAEMON_ARGS: e.g. "--enable-process-cred" to measure what one option costs.
        # Without --keep-sensors-on-exit=false the stopped daemon's programs stay attached
        # (pinned), and the "without" side is not without them.
        # shellcheck disable=SC2086
        testenv_start_daemon --export-file "$TESTENV_DIR/events.json" --policy-dir "$TESTENV_DIR" \
                --keep-sensors-on-exit=false ${BENCH_DAEMON_ARGS:-}
        wait_for 30 "the daemon to settle after its start" daemon_idle || true
        read -r u0 e0 < <(journal_usage)
        d0=$(cpu_ns "$TESTENV_DAEMON_PID")
        j0=$(cpu_ns "$TESTENV_JOURNALD_PID")
        with=$("$loop" exec "$n" /bin/true)
        wait_for 60 "the daemon to catch up" daemon_idle || true
        d1=$(cpu_ns "$TESTENV_DAEMON_PID")
        j1=$(cpu_ns "$TESTENV_JOURNALD_PID")
        read -r u1 e1 < <(journal_usage)
        disk_bytes=$((disk_bytes + u1 - u0))
        disk_entries=$((disk_entries + e1 - e0))
        daemon_ns=$((daemon_ns + d1 - d0))
        journald_ns=$((journald_ns + j1 - j0))
        rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$TESTENV_DAEMON_PID/status")
        kill -TERM "$TESTENV_DAEMON_PID"
        wait "$TESTENV_DAEMON_PID" || true
        TESTENV_DAEMON_PID=
        base=$("$loop" exec "$n" /bin/true)
        ratio=$(awk -v a="$with" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
        ratios+=("$ratio")
        printf 'round %d: without %8.1f us  with %8.1f us  ratio %s  daemon %d ms  journald %d ms  peak RSS %d KiB\n' \
                "$i" "$(awk -v x="$base" 'BEGIN{print x/1000}')" \
                "$(awk -v x="$with" 'BEGIN{print x/1000}')" "$ratio" $(((d1 - d0) / 1000000)) \
                $(((j1 - j0) / 1000000)) "$rss_kib"
done

spread=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END {
        q1 = a[int((NR + 3) / 4)]; q3 = a[NR + 1 - int((NR + 3) / 4)]
        printf "median %s, quartiles %s-%s, range %s-%s", a[int((NR + 1) / 2)], q1, q3, a[1], a[NR] }')
lost=$(journal -t tetragond -o cat | awk '/lost in the kernel/ { n = $0 } END { print n }')
entries=$(journal TETRAGON_EVENT=process_exec -o export | grep -c '^__CURSOR=' || true)
bytes=$(journal TETRAGON_EVENT=process_exec -o export | wc -c)
execs=$((n * rounds))
echo "fork+exec+wait of /bin/true, $n per side per round, $rounds rounds"
echo "ratio with/without tetragond: $spread (target <= 1.05)"
# Per event: over the entries written while measuring, which on a shared machine include
# the events of others' processes, which the daemon sees too.
awk -v d="$daemon_ns" -v j="$journald_ns" -v n="$execs" -v e="$disk_entries" 'BEGIN {
        printf "CPU per 10,000 execs (exec+exit events): daemon %.2f s, journald %.2f s\n", d / 1e9 * 10000 / n, j / 1e9 * 10000 / n
        if (e > 0)
                printf "CPU per journal entry: daemon %.1f us (target <= 30), journald %.1f us (%d entries)\n", d / 1e3 / e, j / 1e3 / e, e }'
echo "one exec entry in journal export format: $((bytes / (entries > 0 ? entries : 1))) bytes ($entries entries)"
echo "journal files on disk: $((disk_bytes / (disk_entries > 0 ? disk_entries : 1))) bytes per entry ($disk_entries entries, exec and exit)"
echo "daemon's final counters: ${lost:-missing (did the daemon log its exit line?)}"
