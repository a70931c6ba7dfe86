#!/bin/bash
# Issue 12: --export-rate-limit=60 under an exec storm. In every window at most
# 60 events reach the journal and the export file, and a rate_limit_info event
# ends each window that dropped some, with the number dropped.
#
# The window is a minute; TETRAGOND_TEST_RATE_WINDOW_MSEC (for tests only)
# shortens it to 10 s, so the storm spans several windows in half a minute.
# vmtest-host-only: user space only (the stream's export rate limit), the same on every kernel; make check runs it
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
export TETRAGOND_CONFIG_ROOT=$TESTENV_DIR/root # never the real /etc
export TETRAGOND_TEST_RATE_WINDOW_MSEC=10000

tag=tg$$x$RANDOM
storm=$TESTENV_DIR/$tag-true
cp /bin/true "$storm"
events=$TESTENV_DIR/events.json
mkdir -p "$TESTENV_DIR/policies"
testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --export-file "$events" \
        --export-rate-limit 60

infos() { jq -c 'select(.rate_limit_info)' "$events" 2>/dev/null | wc -l; }
three_infos() { [ "$(infos)" -ge 3 ]; }

# Two storms until three windows have dropped, bounded. Every window must drop, also in an
# emulated guest, where the daemon got through only about 11 events a second of the storm:
# hence windows of 10 s for a limit of 60.
storms=()
trap 'kill "${storms[@]}" 2>/dev/null || true; testenv_cleanup' EXIT
for _ in 1 2; do
        (while :; do "$storm"; done) &
        storms+=($!)
done
wait_for 150 "three rate_limit_info events" three_infos ||
        fail "only $(infos) rate_limit_info events in the export file after 150 s of storms"
kill "${storms[@]}"
wait "${storms[@]}" 2>/dev/null || true

# What reached a sink, in the order it was written: "I" for rate_limit_info, "E" for an event.
check_windows() { # SINK SEQUENCE
        local windows
        windows=$(tr -d '\n' <<<"$2" | sed 's/^E*I//; s/IE*$//' | tr 'I' '\n')
        # Between two rate_limit_info events: one whole window that reached the limit.
        [ -n "$windows" ] || fail "$1: no two rate_limit_info events in a row"
        while read -r w; do
                [ "${#w}" = 60 ] || fail "$1: a window exported ${#w} events, not 60"
        done <<<"$windows"
        echo "ok: $1: $(wc -l <<<"$windows") full windows of exactly 60 events each"
}
check_windows "export file" "$(jq -r 'if .rate_limit_info then "I" else "E" end' "$events")"
check_windows "journal" "$(journal -t tetragond -o json --output-fields=TETRAGON_EVENT |
        jq -r 'select(.TETRAGON_EVENT) | if .TETRAGON_EVENT == "rate_limit_info" then "I" else "E" end')"

info=$(jq -c 'select(.rate_limit_info)' "$events" | head -1)
dropped=$(jq -r '.rate_limit_info.number_of_dropped_process_events' <<<"$info")
[[ $dropped =~ ^[0-9]+$ ]] && [ "$dropped" -gt 0 ] || fail "rate_limit_info without a count: $info"
[ "$(jq -r '.node_name' <<<"$info")" = "$(uname -n)" ] || fail "rate_limit_info without node_name: $info"
echo "ok: rate_limit_info says how many were dropped ($dropped in the first window)"
msg=$(journal TETRAGON_EVENT=rate_limit_info -o json | head -1 | jq -r '.MESSAGE_ID')
[ "$msg" = 9cab2b3555804187a07dfc42206607c1 ] || fail "rate_limit_info's MESSAGE_ID is $msg"
echo "ok: rate_limit_info in the journal with its MESSAGE_ID"
