#!/bin/bash
# Runs inside the container of tests/nspawn/run.sh, as root, systemd as PID 1, after
# multi-user.target: installs tetragond by the README's steps, then checks the service.
# Usage: guest-test.sh OUT-DIR SOURCE-DIR (OUT-DIR holds readme-steps.sh).
set -u
out=$1
src=$2
step() { echo "== $*"; }
fail() { echo "FAIL: $*"; journalctl -u tetragond --no-pager | tail -40; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND...
wait_for() {
        local deadline=$((SECONDS + $1)) what=$2
        shift 2
        until "$@"; do
                [ $SECONDS -ge $deadline ] && { echo "timed out after ${1}s: $what"; return 1; }
                sleep 0.1
        done
}

step "PID 1 is systemd"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm)"

step "the README's install steps, exactly as written"
sed 's/^/    /' "$out/readme-steps.sh"
(cd "$src" && MAKEFLAGS=-j2 bash -e "$out/readme-steps.sh") || fail "the README's steps failed (exit $?)"

step "installed where the system looks"
for f in /usr/local/sbin/tetragond /usr/local/bin/tetractl /lib/systemd/system/tetragond.service \
        /usr/share/dbus-1/system.d/io.tetragond1.conf /usr/share/polkit-1/actions/io.tetragond1.policy \
        /usr/lib/systemd/catalog/tetragond.catalog /usr/local/share/man/man8/tetragond.8 \
        /usr/share/bash-completion/completions/tetractl /etc/tetragon/policies.d; do
        [ -e "$f" ] || fail "$f is not installed"
done
systemctl is-active -q tetragond || fail "tetragond is not active"
[ "$(systemctl show -P Type tetragond)" = notify ] || fail "not Type=notify"
busctl status io.tetragond1 >/dev/null 2>&1 || fail "the daemon does not own io.tetragond1"
pkaction --action-id io.tetragond1.reload >/dev/null || fail "polkit does not know io.tetragond1.reload"
echo "polkit knows the actions: ok"
# The catalog, without running journalctl --update-catalog here: make install did.
# (Any exec event: its entry has the process_exec MESSAGE_ID.)
wait_for 10 "an exec event" sh -c 'journalctl -u tetragond -q MESSAGE_ID=4812ff676dcb4d7fa017a37a23b7d461 | grep -q .' ||
        fail "no exec event in the journal"
journalctl -u tetragond -x -n 1 MESSAGE_ID=4812ff676dcb4d7fa017a37a23b7d461 --no-pager |
        grep -q 'Subject: A process started' || fail "journalctl -x shows no catalog text for an exec"
echo "journalctl -x shows the catalog: ok"
tab=$(bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader tetractl; complete -p tetractl' 2>/dev/null)
[ -n "$tab" ] || fail "bash has no completion for tetractl"
echo "bash completion: ok"

step "tetractl status over the real system bus"
wait_for 10 "io.tetragond1 on the bus" busctl status io.tetragond1 >/dev/null 2>&1 || fail "no io.tetragond1"
tetractl status || fail "tetractl status exited $?"
# systemctl status tells the same state as tetractl status (STATUS=).
state=$(tetractl -o json status | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')
status_text=$(systemctl show -P StatusText tetragond)
case "$state:$status_text" in
running:"Running; policies: "*" loaded, 0 failed, "*" disabled.") ;;
degraded:"Degraded; policies: "*" loaded, "*" failed, "*" disabled.") ;;
*) fail "systemctl status says '$status_text' while tetractl status says $state" ;;
esac
echo "STATUS= agrees with tetractl status ($status_text): ok"

step "a policy, tetractl reload"
trigger=/tmp/tetragond-nspawn-$$-sync
cp /bin/sync "$trigger"
cat >/etc/tetragon/policies.d/nspawn-test.yaml <<EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: nspawn-test
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
      - action: Post
EOT
chmod 0644 /etc/tetragon/policies.d/nspawn-test.yaml
tetractl reload || fail "tetractl reload exited $?"
tetractl list | grep '^nspawn-test .*loaded' >/dev/null || fail "tetractl list does not show the policy loaded"
tetractl show nspawn-test
posted() {
        "$trigger"
        [ -n "$(journalctl -u tetragond -o cat TETRAGON_POLICY=nspawn-test TETRAGON_BINARY="$trigger")" ]
}
wait_for 20 "the policy's event under -u tetragond" posted || fail "no event from the reloaded policy"
echo "the reloaded policy posts: ok"

step "journalctl -u tetragond shows a process event"
tag=/tmp/tetragond-nspawn-$$-true
cp /bin/true "$tag"
has_event() {
        "$tag"
        journalctl -u tetragond -o cat TETRAGON_EVENT=process_exec TETRAGON_BINARY="$tag" | grep -q .
}
wait_for 20 "a process_exec event of $tag under -u tetragond" has_event ||
        fail "no process event in journalctl -u tetragond (the process event path: issue 2)"
journalctl -u tetragond -o cat TETRAGON_BINARY="$tag" | head -2
# With systemd as PID 1 processes have a unit: this script runs in tetragond-nspawn-run.service.
unit=$(tetractl getevents -o json --binary "$tag" --event-type process_exec | head -1 |
        sed -n 's/.*"systemd_unit":"\([^"]*\)".*/\1/p')
# "--unit NAME" means NAME.service, as in journalctl -u.
[ -n "$(tetractl getevents --binary "$tag" --unit tetragond-nspawn-run)" ] ||
        fail "tetractl getevents --unit finds nothing (the event's unit: '$unit')"
echo "tetractl getevents --unit tetragond-nspawn-run: ok"
rm -f "$tag"

step "systemctl reload"
reloads() { journalctl -u tetragond -o cat MESSAGE_ID=9b4b5c5116b944c1b827fe3a8de02c34 | wc -l; }
before=$(reloads)
systemctl reload tetragond || fail "systemctl reload failed"
more() { [ "$(reloads)" -gt "$before" ]; }
wait_for 10 "the reload in the journal" more || fail "systemctl reload did not reload the policies"
systemctl is-active -q tetragond || fail "tetragond is not active after reload"

step "systemctl stop"
systemctl stop tetragond || fail "systemctl stop failed"
systemctl is-active -q tetragond && fail "tetragond still active"
[ "$(systemctl show -P Result tetragond)" = success ] || fail "stopped with result $(systemctl show -P Result tetragond)"
busctl status io.tetragond1 >/dev/null 2>&1 && fail "io.tetragond1 still on the bus"
tetractl status
[ $? = 3 ] || fail "tetractl status does not exit 3 without the daemon"

echo "ALL OK"
