#!/bin/bash
# What each enrichment option costs on the exec path, journald in the loop: fork+exec+wait
# of /bin/true with the daemon as it starts by default, and with one option on, for each
# option, and with a spec.loader policy (the loader sensor: a perf record per executable
# mapping); the configurations take turns round by round, so drift in the machine's speed
# hits them alike. Prints each option's median ratio against the daemon without options, and
# the daemon without options against no daemon.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

rounds=${BENCH_ROUNDS:-3}
n=${BENCH_EXECS:-1500}
loop=$top_builddir/bench/loop
mkdir -p "$TESTENV_DIR/loader"
printf '%s\n' 'apiVersion: cilium.io/v1alpha1' 'kind: TracingPolicy' 'metadata:' '  name: loader' \
        'spec:' '  loader: true' >"$TESTENV_DIR/loader/loader.yaml"
configs=(
        ""
        "--enable-process-cred"
        "--enable-process-ns"
        "--username-metadata unix"
        "--enable-process-environment-variables"
        "--enable-ancestors base"
        "--enable-process-cred --enable-process-ns --username-metadata unix --enable-process-environment-variables --enable-ancestors base"
        "--policy-dir $TESTENV_DIR/loader"
)
labels=("${configs[@]}")
labels[${#configs[@]} - 1]="spec.loader: true (the loader sensor)"
declare -A times

run_with() { # run_with ARGS: microseconds per exec with the daemon started with ARGS
        # shellcheck disable=SC2086
        testenv_start_daemon --export-file "$TESTENV_DIR/events.json" --policy-dir "$TESTENV_DIR" $1
        "$loop" exec "$n" /bin/true
        kill -TERM "$TESTENV_DAEMON_PID"
        wait "$TESTENV_DAEMON_PID" || true
        TESTENV_DAEMON_PID=
        rm -f "$TESTENV_DIR/events.json"
}

for ((i = 1; i <= rounds; i++)); do
        times[none,$i]=$("$loop" exec "$n" /bin/true)
        for c in "${!configs[@]}"; do
                times[$c,$i]=$(run_with "${configs[$c]}")
        done
        echo "round $i done" >&2
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratios() { # ratios A B: per round, time of A over time of B
        for ((i = 1; i <= rounds; i++)); do
                awk -v a="${times[$1,$i]}" -v b="${times[$2,$i]}" 'BEGIN { printf "%.3f\n", a / b }'
        done
}
echo "fork+exec+wait of /bin/true, $n per configuration per round, $rounds rounds"
printf '%-60s %s\n' "daemon without options vs no daemon" "$(ratios 0 none | median)"
for ((c = 1; c < ${#configs[@]}; c++)); do
        printf '%-60s %s\n' "${labels[$c]:0:60}" "$(ratios "$c" 0 | median)"
done
