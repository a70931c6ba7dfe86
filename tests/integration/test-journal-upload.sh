#!/bin/bash
# Issue 15, the fleet: a policy event travels from this host's journal through
# systemd-journal-upload to systemd-journal-remote on 127.0.0.1 with every TETRAGON_*
# field as it was written, and doc/tetragond-fleet.md's query for every SIGKILL on any
# host today finds it in the collector's files.
# vmtest-expected-skip: needs systemd-journal-remote, which the guest image leaves out; make check runs it
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
command -v ss >/dev/null || skip "ss (iproute2) is not installed"
remote=/lib/systemd/systemd-journal-remote
upload=/lib/systemd/systemd-journal-upload
[ -x "$remote" ] && [ -x "$upload" ] || skip "systemd-journal-remote is not installed"
testenv_start_journald

ok() { echo "ok: $*"; }
REMOTE_PID=
cleanup() {
        [ -z "$REMOTE_PID" ] || kill "$REMOTE_PID" 2>/dev/null || true
        testenv_cleanup
}
trap cleanup EXIT

policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
trigger=$TESTENV_DIR/sync-killed
cp /bin/sync "$trigger"
cat >"$policies/kill-sync.yaml" <<POLICY
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: kill-sync
spec:
  kprobes:
  - call: sys_sync
    syscall: true
    selectors:
    - matchBinaries:
      - operator: In
        values:
        - "$trigger"
      matchActions:
      - action: Sigkill
POLICY

# As testenv_start_daemon, with more time for loading BPF on a busy machine.
"$top_builddir/tetragond" --policy-dir "$policies" --state-dir "$TESTENV_DIR/state" \
        >"$TESTENV_DIR/daemon.out" 2>&1 &
TESTENV_DAEMON_PID=$!
wait_for 120 "tetragond to start" daemon_is_running ||
        fail "tetragond did not start: $(journal -t tetragond -o cat | tail -5)"
loaded() { journal -t tetragond -o cat | grep "Policy kill-sync loaded" >/dev/null; }
wait_for 30 "the policy to load" loaded || fail "kill-sync did not load"

rc=0
"$trigger" || rc=$?
[ "$rc" = 137 ] || fail "the trigger exited $rc, not 137 (SIGKILL)"
local_event() { [ -n "$(journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=kill-sync)" ]; }
wait_for 20 "the policy event in the local journal" local_event || fail "no local event"
ok "the policy killed the trigger, its event is in the local journal"

# The collector, and the upload of everything this journal holds.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
collected=$TESTENV_DIR/remote
mkdir -p "$collected"
"$remote" --listen-http="127.0.0.1:$port" --output="$collected/" \
        >"$TESTENV_DIR/remote.log" 2>&1 &
REMOTE_PID=$!
listening() { [ -n "$(ss -Htln "sport = :$port")" ]; }
wait_for 10 "journal-remote to listen" listening ||
        fail "journal-remote did not listen: $(cat "$TESTENV_DIR/remote.log")"
"$upload" --url="http://127.0.0.1:$port" --follow=no \
        --save-state="$TESTENV_DIR/upload.state" >"$TESTENV_DIR/upload.log" 2>&1 ||
        fail "journal-upload failed: $(cat "$TESTENV_DIR/upload.log")"
remote_event() { [ -n "$(journal --directory="$collected" -o json TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=kill-sync)" ]; }
wait_for 20 "the event at the collector" remote_event ||
        fail "the event did not arrive: $(cat "$TESTENV_DIR/remote.log")"
ok "the event arrived at systemd-journal-remote on 127.0.0.1"

# The same entry, field by field: every TETRAGON_* field, the message and its id.
fields='with_entries(select((.key | startswith("TETRAGON_")) or .key == "MESSAGE" or .key == "MESSAGE_ID" or .key == "PRIORITY"))'
sent=$(journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=kill-sync | head -1 | jq -S "$fields")
got=$(journal --directory="$collected" -o json TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=kill-sync | head -1 | jq -S "$fields")
[ "$sent" = "$got" ] || fail "the fields differ: sent $sent, got $got"
n=$(jq 'keys | map(select(startswith("TETRAGON_"))) | length' <<<"$got")
for f in TETRAGON_EVENT TETRAGON_POLICY TETRAGON_ACTION TETRAGON_BINARY TETRAGON_PID TETRAGON_JSON; do
        [ "$(jq "has(\"$f\")" <<<"$got")" = true ] || fail "$f is missing at the collector: $got"
done
[ "$(jq -r .TETRAGON_ACTION <<<"$got")" = SIGKILL ] || fail "TETRAGON_ACTION: $got"
[ "$(jq -r '.TETRAGON_JSON | fromjson | .process_kprobe.policy_name' <<<"$got")" = kill-sync ] ||
        fail "TETRAGON_JSON does not hold the process_kprobe event: $got"
ok "all $n TETRAGON_* fields, MESSAGE, MESSAGE_ID and PRIORITY arrived unchanged"

# doc/tetragond-fleet.md: every SIGKILL on any host today, from the collector's files.
files=("$collected"/*.journal)
kills=$(journalctl --no-pager -q "${files[@]/#/--file=}" --since today \
        TETRAGON_ACTION=SIGKILL -o json | jq -r '[._HOSTNAME, .TETRAGON_BINARY, .TETRAGON_POLICY] | @tsv')
[[ "$kills" == *"$(hostname)"$'\t'"$trigger"$'\t'kill-sync* ]] || fail "the fleet query found: $kills"
ok "the fleet query lists the kill: $kills"
