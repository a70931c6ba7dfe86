#!/bin/bash
# Issue 14: the actions GetUrl and DnsLookup. A write to a file the policy names makes the
# daemon GET the URL and look the name up, from user space; a write elsewhere makes
# neither; a GetUrl nothing answers is counted as failed. The test runs in a network
# namespace of its own with only lo up: the requests can reach 127.0.0.1 and nothing else,
# where the test's server (tests/lib/canary-server.py) notes them, its DNS responder the
# only nameserver of this mount namespace's /etc/resolv.conf.
# vmtest-host-only: GetUrl and DnsLookup are made in user space, the same on every kernel (and the guest image has no curl)
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v curl >/dev/null || skip "curl is not installed"
if [ -z "${CANARY_IN_NETNS:-}" ]; then
        export CANARY_IN_NETNS=1
        exec unshare --net -- "$BASH" "$0" "$@"
fi
testenv_enter_namespace "$@"
ip link set lo up
testenv_start_journald

ok() { echo "ok: $*"; }
log=$TESTENV_DIR/requests.log
: >"$log"
printf 'nameserver 127.0.0.1\n' >"$TESTENV_DIR/resolv.conf"
mount --bind "$TESTENV_DIR/resolv.conf" /etc/resolv.conf

python3 "$top_srcdir/tests/lib/canary-server.py" "$log" "$TESTENV_DIR/port" \
        >"$TESTENV_DIR/server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; testenv_cleanup' EXIT
wait_for 20 "the test's server" test -s "$TESTENV_DIR/port" ||
        fail "the server did not start: $(cat "$TESTENV_DIR/server.out")"
port=$(cat "$TESTENV_DIR/port")

trigger=$TESTENV_DIR/canary-trigger
refused=$TESTENV_DIR/canary-refused
mkdir -p "$TESTENV_DIR/policies"
cat >"$TESTENV_DIR/policies/canary.yaml" <<YAML
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: canary
spec:
  kprobes:
  - call: sys_write
    syscall: true
    args:
    - index: 0
      type: fd
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values:
        - "$trigger"
      matchActions:
      - action: GetUrl
        argUrl: "http://127.0.0.1:$port/canary/written"
      - action: DnsLookup
        argFqdn: "written.canary.test"
    - matchArgs:
      - index: 0
        operator: Equal
        values:
        - "$refused"
      matchActions:
      - action: GetUrl
        argUrl: "http://127.0.0.1:1/nothing-listens"
YAML

testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --state-dir "$TESTENV_DIR/state" \
        --metrics-server 127.0.0.1:2112
loaded() { journal -t tetragond -o cat | grep "Policy canary loaded" >/dev/null; }
wait_for 30 "the policy to load" loaded || fail "the policy did not load: $(journal -t tetragond -o cat | tail -5)"

# A write elsewhere first: requests are made in order, so one it caused would come first.
echo x >"$TESTENV_DIR/other"
echo x >"$trigger"
requested() { grep -Fx "GET /canary/written" "$log" >/dev/null && grep -Fx "DNS written.canary.test" "$log" >/dev/null; }
wait_for 20 "the GET and the DNS query" requested ||
        fail "the server saw: $(cat "$log"); tetragond: $(journal -t tetragond -o cat | tail -5)"
[ "$(wc -l <"$log")" = 2 ] || fail "more requests than the one write's: $(cat "$log")"
ok "a write to $trigger made the GET of /canary/written and the lookup of written.canary.test, nothing else"

metric() { curl -s http://127.0.0.1:2112/metrics | grep -F "tetragond_canary_requests_total{action=\"$1\",result=\"$2\"} " | cut -d' ' -f2; }
[ "$(metric GetUrl done)" = 1 ] && [ "$(metric DnsLookup done)" = 1 ] ||
        fail "the metrics do not count the requests: $(curl -s http://127.0.0.1:2112/metrics | grep canary)"
echo x >"$refused"
failed() { [ "$(metric GetUrl failed)" = 1 ]; }
wait_for 20 "the failed GetUrl to be counted" failed ||
        fail "a GetUrl nothing answers is not counted as failed: $(curl -s http://127.0.0.1:2112/metrics | grep canary)"
ok "a GetUrl nothing answers is counted: tetragond_canary_requests_total{action=\"GetUrl\",result=\"failed\"} 1"

events() { journal_events TETRAGON_EVENT=process_kprobe | jq -r '.process_kprobe.args[0].file_arg.path' | grep -c "^$TESTENV_DIR/canary-" || true; }
[ "$(events)" = 2 ] || fail "the writes' events: $(events), not 2"
ok "the writes' events are posted as well"
