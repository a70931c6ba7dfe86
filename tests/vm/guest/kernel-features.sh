#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The guest is what the other tests need: systemd as PID 1 with the system bus and the journal,
# and a kernel on which every hook mechanism loads, attaches and fires (kprobe, fentry, BPF LSM),
# unlike the development machine's.
. "$VMTEST_SUITE/guest-lib.sh"

failures=0
check() {
        local what=$1

        shift
        if "$@"; then
                echo "ok: $what"
        else
                echo "FAIL: $what"
                failures=$((failures + 1))
        fi
}

pid1_is_systemd() {
        [ "$(cat /proc/1/comm)" = systemd ]
}

system_bus_answers() {
        bounded 30 busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus ListNames | grep -q '"org.freedesktop.systemd1"'
}

journal_has() {
        journalctl --no-pager -o cat _SYSTEMD_UNIT=tetragond-vm-tests.service \
                SYSLOG_IDENTIFIER=tetragond-vm-probe | grep -qF "$1"
}

# A line sent to journald comes back, attributed to the unit it came from. journald reads the
# sender's unit from /proc when the line arrives, so the sender stays alive until it is seen.
journald_works() {
        local marker=journal-marker-$$-$RANDOM writer status=0

        exec {writer}> >(systemd-cat -t tetragond-vm-probe)
        echo "$marker" >&"$writer"
        wait_until 30 journal_has "$marker" || status=1
        exec {writer}>&-
        return "$status"
}

bpf_lsm_enabled() {
        grep -qw bpf /sys/kernel/security/lsm
}

mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
echo "kernel $(uname -r)"
check "PID 1 is systemd" pid1_is_systemd
check "the system bus answers (busctl)" system_bus_answers
check "journald records a line with _SYSTEMD_UNIT of its unit" journald_works
check "bpf is among the active LSMs ($(cat /sys/kernel/security/lsm 2>/dev/null))" bpf_lsm_enabled
for mechanism in tracepoint kprobe fentry lsm; do
        check "$mechanism program loads, attaches and takes effect" tetragond-vm-probe "$mechanism"
done
echo "system state: $(systemctl is-system-running 2>&1)"
[ "$failures" -eq 0 ] || fail "$failures of the checks above"
