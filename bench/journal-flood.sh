#!/bin/bash
# Issue 18: how many events per second reach the journal with no loss, under systemd as PID 1.
# Boots the installed service in systemd-nspawn (tests/nspawn/run.sh, NSPAWN_GUEST), where the
# unit's LogRateLimitIntervalSec=0 holds, and raises the rate of events step by step (a policy
# on getppid(2), called at a set rate): the highest rate with every event in the journal, the
# daemon's lost counter unchanged and no "Suppressed" message from journald, with the daemon's
# and journald's CPU at that rate. Not part of make check; run as root:
#
#     bench/journal-flood.sh SRCDIR BUILDDIR [RATE...]
set -eu
srcdir=$(cd "$1" && pwd)
builddir=$(cd "$2" && pwd)
shift 2
export FLOOD_RATES="${*:-2000 4000 6000 8000 10000 15000 20000 40000}"
guest=$(mktemp /tmp/journal-flood-guest.XXXXXX)
trap 'rm -f "$guest"' EXIT
{
        echo "FLOOD_RATES='$FLOOD_RATES'"
        sed -n '/^# ---- guest ----$/,$p' "$0"
} >"$guest"
NSPAWN_GUEST=$guest NSPAWN_TIMEOUT=1800 "$srcdir/tests/nspawn/run.sh" "$srcdir" "$builddir"
exit $?

# ---- guest ----
# Runs inside the container, systemd as PID 1, after multi-user.target.
set -u
seconds=5
systemctl enable --now tetragond.service || { echo "FAIL: tetragond does not start"; exit 1; }
[ "$(systemctl show -P LogRateLimitIntervalUSec tetragond)" = 0 ] ||
        echo "warning: LogRateLimitIntervalSec is $(systemctl show -P LogRateLimitIntervalUSec tetragond)"
cat >/etc/tetragon/policies.d/flood.yaml <<EOT
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: flood
spec:
  kprobes:
  - call: sys_getppid
    syscall: true
EOT
chmod 0644 /etc/tetragon/policies.d/flood.yaml
tetractl reload >/dev/null
for _ in $(seq 100); do tetractl list | grep -q '^flood .*loaded' && break; sleep 0.1; done
tetractl list | grep '^flood '

prop() { busctl get-property io.tetragond1 /io/tetragond1 io.tetragond1.Manager "$1" | cut -d' ' -f2; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
journaled() { journalctl -u tetragond -o cat TETRAGON_POLICY=flood | wc -l; }
suppressed() { journalctl -u systemd-journald -o cat | grep -c Suppressed || true; }
daemon=$(systemctl show -P MainPID tetragond)
journald=$(systemctl show -P MainPID systemd-journald)
hz=$(getconf CLK_TCK)
best=
printf '%9s %9s %9s %8s %10s %9s %9s\n' rate achieved journaled lost suppressed "daemon%" "journald%"
for rate in $FLOOD_RATES; do
        j0=$(journaled) l0=$(prop EventsLost) s0=$(suppressed)
        d0=$(cpu_ticks $daemon) k0=$(cpu_ticks $journald) t0=$(date +%s%N)
        # getppid() at the rate, in 10 ms slices; prints how many calls it made.
        calls=$(python3 -c '
import os, sys, time
rate, seconds = int(sys.argv[1]), int(sys.argv[2])
n, start = 0, time.monotonic()
while True:
    now = time.monotonic() - start
    if now >= seconds:
        break
    due = int(rate * min(now + 0.01, seconds))
    while n < due:
        os.getppid()
        n += 1
    time.sleep(max(0, (n / rate) - (time.monotonic() - start)))
print(n)' "$rate" "$seconds")
        t1=$(date +%s%N)
        # Everything queued reaches the journal: the daemon's event count stops moving.
        prev=-1
        for _ in $(seq 120); do
                cur=$(prop Events)
                [ "$cur" = "$prev" ] && break
                prev=$cur
                sleep 0.5
        done
        d1=$(cpu_ticks $daemon) k1=$(cpu_ticks $journald)
        j1=$(journaled) l1=$(prop EventsLost) s1=$(suppressed)
        elapsed_ms=$(((t1 - t0) / 1000000))
        journal=$((j1 - j0)) lost=$((l1 - l0)) supp=$((s1 - s0))
        dcpu=$(awk -v t=$((d1 - d0)) -v hz=$hz -v ms=$elapsed_ms 'BEGIN { printf "%.1f", 100 * t / hz / (ms / 1000) }')
        kcpu=$(awk -v t=$((k1 - k0)) -v hz=$hz -v ms=$elapsed_ms 'BEGIN { printf "%.1f", 100 * t / hz / (ms / 1000) }')
        achieved=$((calls * 1000 / elapsed_ms))
        printf '%9s %9s %9s %8s %10s %9s %9s\n' "$rate" "$achieved/s" "$journal" "$lost" "$supp" "$dcpu" "$kcpu"
        # Other processes may call getppid() too: at least every call of ours, nothing lost.
        if [ "$journal" -ge "$calls" ] && [ "$lost" = 0 ] && [ "$supp" = 0 ]; then
                best="$rate/s (achieved $achieved/s): daemon $dcpu %, journald $kcpu % of a core"
        else
                break
        fi
done
echo "highest rate with 0 loss: ${best:-none}"
echo "journald's Suppressed messages, if any:"
journalctl -u systemd-journald -o cat | grep Suppressed | tail -n 5
tetractl status
