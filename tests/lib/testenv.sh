# Sourced by the integration tests: a private journal, a daemon under test,
# and waiting on conditions with a bound (never sleeping and hoping).
#
# The tests run as root with real BPF. Each one re-executes itself in its own
# mount namespace, with tmpfs over the journal's directories, so the private
# journald it starts never touches the machine's own journal.

EXIT_SKIP=77

: "${top_builddir:?top_builddir must be set (make check sets it)}"
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"

skip() {
        echo "SKIP: $*"
        exit $EXIT_SKIP
}

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# Enter a private mount namespace (once): re-executes the calling script.
testenv_enter_namespace() {
        [ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
        if [ -z "${TESTENV_IN_NAMESPACE:-}" ]; then
                export TESTENV_IN_NAMESPACE=1
                exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
        fi
        # A bpffs of our own (each mount is a new instance): what the daemon under test pins
        # is this test's alone, and leaves the kernel with the namespace.
        mountpoint -q /sys/fs/bpf/ || mkdir -p /sys/fs/bpf
        mount -t bpf bpf /sys/fs/bpf
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds.
wait_for() {
        local timeout=$1 what=$2 deadline
        shift 2
        deadline=$((SECONDS + timeout))
        until "$@"; do
                if [ $SECONDS -ge $deadline ]; then
                        echo "timed out after ${timeout}s waiting for: $what" >&2
                        return 1
                fi
                sleep 0.05
        done
}

TESTENV_DIR=
TESTENV_JOURNALD_PID=
TESTENV_DAEMON_PID=

# testenv_check_schema FILE...: the events in these export files have Tetragon's field names
# and types (tests/data/tetragon-schema.txt): the first and last 300 of each file, which
# with ancestors on can hold gigabytes. Prints the first violations and fails.
testenv_check_schema() {
        local f out
        for f in "$@"; do
                [ -s "$f" ] && head -1 "$f" | grep -q '"node_name":' || continue
                out=$({ head -n 300 "$f"; tail -n +301 "$f" | tail -n 300; } |
                        jq -r --rawfile table "$top_srcdir/tests/data/tetragon-schema.txt" \
                                -f "$top_srcdir/tests/lib/check-schema.jq" | head -20)
                [ -z "$out" ] || { echo "FAIL: events in $f that Tetragon's schema does not allow:" >&2; echo "$out" >&2; return 1; }
        done
}

testenv_cleanup() {
        local status=$? schema_ok=1
        [ -n "$TESTENV_DAEMON_PID" ] && kill "$TESTENV_DAEMON_PID" 2>/dev/null && wait "$TESTENV_DAEMON_PID" 2>/dev/null
        # The events the journal holds too (the last 300), for the schema check below.
        [ -n "$TESTENV_JOURNALD_PID" ] && [ -n "$TESTENV_DIR" ] &&
                journal -o json -t tetragond -n 300 2>/dev/null |
                jq -c 'select(.TETRAGON_JSON | type == "string") | .TETRAGON_JSON | fromjson' \
                        >"$TESTENV_DIR/journal-events.json" 2>/dev/null
        [ -n "$TESTENV_JOURNALD_PID" ] && kill "$TESTENV_JOURNALD_PID" 2>/dev/null
        # Every event a test made, whatever the test looked at.
        [ -n "$TESTENV_DIR" ] && ! testenv_check_schema "$TESTENV_DIR"/*.json && schema_ok=
        [ -n "$TESTENV_DIR" ] && [ -z "${TESTENV_KEEP:-}" ] && rm -rf "$TESTENV_DIR"
        [ -n "$schema_ok" ] || [ "$status" != 0 ] || exit 1
        return 0
}

# A private journald: tmpfs over its sockets and storage, in our namespace only.
testenv_start_journald() {
        TESTENV_DIR=$(mktemp -d /tmp/tetragond-test.XXXXXX)
        trap testenv_cleanup EXIT
        # Killed by a signal, bash skips the EXIT trap unless the signal has one of its own:
        # without these a killed test left its journald running.
        trap "exit 143" TERM
        trap "exit 130" INT
        local d
        for d in /run/systemd/journal /run/log/journal /var/log/journal; do
                mkdir -p "$d"
                mount -t tmpfs tmpfs "$d"
        done
        # Without a rate limit: a test's flood of events must not suppress the daemon's own lines.
        mkdir -p /run/systemd/journald.conf.d
        mount -t tmpfs tmpfs /run/systemd/journald.conf.d
        printf '[Journal]\nRateLimitIntervalSec=0\n' >/run/systemd/journald.conf.d/tetragond-test.conf
        /lib/systemd/systemd-journald >"$TESTENV_DIR/journald.log" 2>&1 &
        TESTENV_JOURNALD_PID=$!
        wait_for 10 "journald's socket" test -S /run/systemd/journal/socket ||
                fail "journald did not start: $(cat "$TESTENV_DIR/journald.log")"
}

journal() {
        journalctl --no-pager -q "$@"
}

# Start the daemon under test; returns once it is running, i.e. once its
# "is running" line is in the journal. Its own line: after a restart, the
# previous process's line is there already.
# Loading and verifying the BPF programs takes seconds, tens of them on a busy machine.
testenv_start_daemon() {
        "$top_builddir/tetragond" "$@" >"$TESTENV_DIR/daemon.out" 2>&1 &
        TESTENV_DAEMON_PID=$!
        # Loading BPF takes seconds of kernel time; on a shared, loaded machine much longer.
        wait_for "${TESTENV_START_TIMEOUT:-90}" "tetragond to start" daemon_is_running || {
                cat "$TESTENV_DIR/daemon.out" >&2
                journal -t tetragond >&2
                fail "tetragond did not start"
        }
}

daemon_is_running() {
        kill -0 "$TESTENV_DAEMON_PID" 2>/dev/null || fail "tetragond exited: $(cat "$TESTENV_DIR/daemon.out")"
        journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep 'is running' >/dev/null
}

# The export JSON of the journal entries matching FIELD=VALUE..., one per line.
journal_events() {
        journal -o json "$@" | jq -c '.TETRAGON_JSON | fromjson'
}
