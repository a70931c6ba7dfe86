#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# vmtest-timeout: 1500
#
# Issue 11 under systemd: with the seed policy (protect-tmp-passwd), a writer loop against
# /tmp/passwd runs while the service is restarted, SIGKILLed (systemd restarts it) and
# stopped: not one write gets through. With --keep-sensors-on-exit=false a stop removes the
# policy. Then lockdown: remove, disable, mode monitor, replace and --release-pinned-bpf are
# refused; the kernel guard (BPF LSM) makes rm of a pin, bpftool link detach and kill -9 or
# -TERM of the daemon from a root shell fail with EPERM, and the policy holds. PID 1 still
# may: after systemctl kill -s KILL, with nothing changed, the restarted daemon replaces the
# killed one's run (its manifests match) and holds the guard; systemctl stop works and
# leaves the policy in force.
# The kernel guard also refuses BPF_LINK_UPDATE, a writable fd of our maps, ptrace attach to
# the daemon and umount of the bpffs.
# Named to run last: the lockdown lasts until reboot. Then the guest powers off (exit 75, see
# guest-runner.sh; PID 1 shuts down past the guard) and boots again from the same disk, and
# the test runs again: what the first boot wrote is still there (the mode choice in
# /var/lib/tetragon, this test's mark of the first boot), and nothing is locked (the lock
# lives in bpffs).
# vmtest-reboot
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
target=/tmp/passwd
writes=/tmp/persist-writes
stop_file=/tmp/persist-stop

main_pid() { systemctl show --property=MainPID --value "$unit"; }
is_active() { [ "$(systemctl is-active "$unit")" = active ]; }
locked() { busctl --system get-property io.tetragond1 /io/tetragond1 io.tetragond1.Manager Locked; }

writer() {
        local rc
        while [ ! -e "$stop_file" ]; do
                sh -c "echo x >> $target" 2> /dev/null && rc=0 || rc=$?
                echo "$rc" >> "$writes"
                sleep 0.05
        done
}
attempts() { wc -l < "$writes"; }
misses() { grep -cvx 137 "$writes" || true; }

# bpf_call OP ARGS...: what bpftool cannot do; prints the errno name when refused.
#   link-update PIN PROG_ID  BPF_LINK_UPDATE of the pinned link to program PROG_ID
#   map-open-rw PIN          opens the pinned map for reading and writing
#   map-read PIN             opens the pinned map read-only, prints key 0's first 8 bytes
#   ptrace-attach PID        PTRACE_ATTACH (then detaches)
bpf_call() {
        python3 - "$@" << 'EOF'
import ctypes, errno, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF = 321  # x86_64
MAP_LOOKUP_ELEM, OBJ_GET, PROG_GET_FD_BY_ID, LINK_UPDATE = 1, 7, 13, 29
BPF_F_RDONLY = 1 << 3


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_BPF, cmd, buf, 128)
    if r < 0:
        print(errno.errorcode[ctypes.get_errno()])
        sys.exit(1)
    return r


def obj_get(path, flags):
    p = ctypes.create_string_buffer(path.encode())
    return bpf(OBJ_GET, struct.pack("QII", ctypes.addressof(p), 0, flags))


op = sys.argv[1]
if op == "link-update":
    link = obj_get(sys.argv[2], 0)
    prog = bpf(PROG_GET_FD_BY_ID, struct.pack("III", int(sys.argv[3]), 0, 0))
    bpf(LINK_UPDATE, struct.pack("IIII", link, prog, 0, 0))
elif op == "map-open-rw":
    obj_get(sys.argv[2], 0)
elif op == "map-read":
    fd = obj_get(sys.argv[2], BPF_F_RDONLY)
    key, value = ctypes.create_string_buffer(4), ctypes.create_string_buffer(64)
    bpf(MAP_LOOKUP_ELEM, struct.pack("IIQQQ", fd, 0, ctypes.addressof(key),
                                     ctypes.addressof(value), 0))
    print(struct.unpack("Q", value.raw[:8])[0])
    sys.exit(0)
elif op == "ptrace-attach":
    PTRACE_ATTACH, PTRACE_DETACH = 16, 17
    pid = int(sys.argv[2])
    if libc.ptrace(PTRACE_ATTACH, pid, 0, 0) < 0:
        print(errno.errorcode[ctypes.get_errno()])
        sys.exit(1)
    os.waitpid(pid, 0x40000000)  # __WALL
    libc.ptrace(PTRACE_DETACH, pid, 0, 0)
print("success")
EOF
}

rm -f "$writes" "$stop_file"
: > "$target"
# A start under TCG on a loaded host can take minutes: more than systemd's default 90 s.
# With pinned state a slow start leaves no gap, which is what this test checks.
timeout_dropin=/run/systemd/system/tetragond.service.d/zz-persist-timeout.conf
mkdir -p "${timeout_dropin%/*}"
printf '[Service]\nTimeoutStartSec=400\n' > "$timeout_dropin"
trap 'rm -f "$timeout_dropin"; systemctl daemon-reload' EXIT
bounded 60 systemctl daemon-reload
bounded 450 systemctl start "$unit" || fail "systemctl start $unit failed"
# The first boot's id, on the root disk: after the reboot it proves the disk was kept.
boot_mark=/var/lib/tetragond-vm-zz-persist.boot
state_file=/var/lib/tetragon/policy-state.json
if [ "${VMTEST_REBOOTED:-0}" = 1 ]; then
        [ -f "$boot_mark" ] || fail "after the reboot $boot_mark is gone: the disk was not kept"
        [ "$(cat "$boot_mark")" != "$(cat /proc/sys/kernel/random/boot_id)" ] ||
                fail "after the reboot: still the boot $(cat "$boot_mark")"
        echo "ok: a new boot, on the disk the first one wrote ($boot_mark)"
        mode=$(jq -r '.policies["protect-tmp-passwd"].mode' "$state_file" 2>&1) || true
        [ "$mode" = enforce ] || fail "after the reboot the first boot's choice is gone: $state_file: $mode"
        expect_write_killed "$target"
        echo "ok: after the reboot the first boot's choice is in $state_file, and the policy holds"
        [ "$(locked)" = "b false" ] || fail "after the reboot: locked: $(locked)"
        [ ! -e /sys/fs/bpf/tetragond/lockdown ] || fail "after the reboot the lock is pinned"
        [ ! -e /sys/fs/bpf/tetragond/guard ] || fail "after the reboot the guard is pinned"
        [[ "$(tetractl status)" == *"Kernel protection: available"* ]] ||
                fail "after the reboot: $(tetractl status | grep 'Kernel protection:')"
        echo "ok: after the reboot nothing is locked: $(tetractl status | grep 'Kernel protection:')"
        exit 0
fi
[ "$(locked)" = "b false" ] || fail "a fresh boot is locked: $(locked)"
echo "ok: this boot starts unlocked"
expect_write_killed "$target"
: > "$target"

writer 2> /dev/null &
writer_pid=$!
trap 'touch "$stop_file"; wait "$writer_pid" 2> /dev/null; rm -f "$timeout_dropin"' EXIT

pid=$(main_pid)
bounded 450 systemctl restart "$unit" || fail "systemctl restart $unit failed"
is_active && [ "$(main_pid)" != "$pid" ] || fail "restart did not start a new process"
# The new run compared the old one's manifests with the folder: nothing changed.
earlier=$(tetractl status | grep 'Earlier runs:') || fail "tetractl status has no Earlier runs line"
[[ "$earlier" =~ Earlier\ runs:\ 1\ replaced,\ 0\ kept.*\ ([1-9][0-9]*)\ unchanged\ \(([0-9]+)\ adopted\),\ 0\ changed,\ 0\ deleted ]] ||
        fail "after the restart: $earlier"
# Unlocked, same build and options: the engine and every unchanged policy are adopted.
[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || fail "after the restart, not every unchanged policy adopted: $earlier"
[[ "$(tetractl status)" == *"Policy engine: adopted"* ]] ||
        fail "after the restart: $(tetractl status | grep 'Policy engine:')"
echo "ok: after the restart: $earlier; the policy engine adopted"
echo "ok: restart under the writer loop: $(attempts) attempts so far, $(misses) not killed"

pid=$(main_pid)
bounded 30 systemctl kill -s KILL "$unit" || fail "systemctl kill -s KILL failed"
new_active() { is_active && [ "$(main_pid)" != "$pid" ] && [ "$(main_pid)" != 0 ]; }
wait_until 450 new_active || fail "systemd did not restart $unit after SIGKILL"
# Running again means it replaced the earlier run: wait for it to say so.
wait_until 450 tetractl status || fail "tetractl status fails after the restart"
echo "ok: SIGKILL, restarted by systemd: $(attempts) attempts so far, $(misses) not killed"

bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed"
before=$(attempts)
more_attempts() { [ "$(attempts)" -gt "$1" ]; }
wait_until 30 more_attempts $((before + 5)) || fail "the writer stalled"
echo "ok: stopped (default --keep-sensors-on-exit=true): $(($(attempts) - before)) attempts while stopped"

touch "$stop_file"
wait "$writer_pid" || true
trap 'rm -f "$timeout_dropin"; systemctl daemon-reload' EXIT
[ "$(attempts)" -gt 10 ] || fail "only $(attempts) write attempts"
[ "$(misses)" = 0 ] || fail "$(misses) of $(attempts) writes were not killed: $(sort "$writes" | uniq -c)"
[ ! -s "$target" ] || fail "$target was written: $(head -c 100 "$target")"
echo "ok: $(attempts) write attempts across restart, SIGKILL and stop, all killed, $target empty"

# --keep-sensors-on-exit=false: a stop removes the policy.
dropin=/run/systemd/system/tetragond.service.d/keep.conf
mkdir -p "${dropin%/*}"
printf '[Service]\nExecStart=\nExecStart=%s --keep-sensors-on-exit=false\n' \
        "$(command -v tetragond)" > "$dropin"
bounded 60 systemctl daemon-reload
bounded 450 systemctl start "$unit" || fail "start with --keep-sensors-on-exit=false failed"
expect_write_killed "$target"
bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed"
sh -c "echo x >> $target" && rc=0 || rc=$?
[ "$rc" = 0 ] || fail "after stop with --keep-sensors-on-exit=false a write exited $rc"
[ -z "$(find /sys/fs/bpf/tetragond -name 'link-*' 2> /dev/null)" ] ||
        fail "links still pinned: $(find /sys/fs/bpf/tetragond -name 'link-*')"
echo "ok: stop with --keep-sensors-on-exit=false removes the policy and its pins"
rm -f "$dropin"
bounded 60 systemctl daemon-reload
: > "$target"

# Lockdown.
bounded 450 systemctl start "$unit" || fail "systemctl start $unit failed"
expect_write_killed "$target"
# A choice the daemon keeps on disk: after the reboot it is still there, and the lock is not.
bounded 30 tetractl mode protect-tmp-passwd enforce || fail "tetractl mode enforce failed"
[ -s "$state_file" ] || fail "tetractl mode enforce left no $state_file"
bounded 30 tetractl lockdown || fail "tetractl lockdown failed"
[ "$(locked)" = "b true" ] || fail "not locked after tetractl lockdown"
status=$(tetractl status)
echo "$status" | sed -n '/Locked:/p;/Kernel protection:/p'
[[ "$status" == *"Kernel protection: active (BPF LSM)"* ]] || fail "the kernel guard is not active"
refused() { # refused DESCRIPTION COMMAND...: exits 4 (refused)
        local rc=0
        "${@:2}" > /dev/null 2>&1 || rc=$?
        [ "$rc" = 4 ] || fail "$1: exit $rc, not 4"
        echo "ok: locked: $1 refused"
}
refused "tetractl remove" tetractl remove protect-tmp-passwd
refused "tetractl disable" tetractl disable protect-tmp-passwd
refused "tetractl mode monitor" tetractl mode protect-tmp-passwd monitor
rc=0
tetragond --release-pinned-bpf > /dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "tetragond --release-pinned-bpf while locked exited $rc"
[ -n "$(find /sys/fs/bpf/tetragond -name 'link-*')" ] || fail "the release removed pins"
echo "ok: locked: --release-pinned-bpf refused"
expect_write_killed "$target"

# The kernel guard (BPF LSM): a root shell can neither unpin, detach nor kill.
eperm() { # eperm DESCRIPTION COMMAND...: fails with "Operation not permitted"
        local out rc=0
        out=$("${@:2}" 2>&1) || rc=$?
        [ "$rc" != 0 ] || fail "locked: $1 succeeded"
        [[ "$out" == *"Operation not permitted"* ]] || fail "locked: $1 failed, but not EPERM: $out"
        echo "ok: locked: $1 refused (EPERM)"
}
pin=$(find /sys/fs/bpf/tetragond -path '*/run-*/link-*' | head -n 1)
[ -n "$pin" ] || fail "no pinned link to try"
eperm "rm of a pin" rm -f "$pin"
[ -e "$pin" ] || fail "rm removed $pin"
eperm "rm -r of the pinned folder" rm -rf /sys/fs/bpf/tetragond
link_id=$(bpftool link show pinned "$pin" | sed -n '1s/^\([0-9][0-9]*\):.*/\1/p')
[ -n "$link_id" ] || fail "no link id for $pin: $(bpftool link show pinned "$pin" 2>&1)"
eperm "bpftool link detach id $link_id" bpftool link detach id "$link_id"
bpftool link show id "$link_id" > /dev/null || fail "link $link_id is gone"
prog_id=$(bpftool link show pinned "$pin" | sed -n '1s/.* prog \([0-9][0-9]*\).*/\1/p')
[ -n "$prog_id" ] || fail "no program id for $pin: $(bpftool link show pinned "$pin" 2>&1)"
# BPF_LINK_UPDATE (bpftool has no command for it): without the guard the kernel answers
# EINVAL for our link types; the guard refuses before that.
out=$(bpf_call link-update "$pin" "$prog_id") || true
[ "$out" = EPERM ] || fail "locked: BPF_LINK_UPDATE of $pin answered ${out:-nothing}, not EPERM"
echo "ok: locked: BPF_LINK_UPDATE refused (EPERM)"
# Our maps: no writable fd for a root shell. The lock (frozen: its writes fail anyway, but a
# writable fd is refused first), then a map of a policy's program (its filters: bpftool checks
# the key's size only after the open); read-only opens still work.
out=$(bpf_call map-open-rw /sys/fs/bpf/tetragond/lockdown) || true
[ "$out" = EPERM ] || fail "locked: a writable open of the lock answered ${out:-nothing}, not EPERM"
echo "ok: locked: a writable open of the lock refused (EPERM)"
map_id=$(bpftool prog show id "$prog_id" | sed -n 's/.*map_ids \([0-9][0-9]*\).*/\1/p')
[ -n "$map_id" ] || fail "program $prog_id uses no map: $(bpftool prog show id "$prog_id")"
eperm "bpftool map update id $map_id" bpftool map update id "$map_id" key hex 00 value hex 00
out=$(bpf_call map-read /sys/fs/bpf/tetragond/lockdown) || fail "a read-only open of the lock: $out"
[ "$out" != 0 ] || fail "the lock reads 0 while locked"
echo "ok: locked: the lock still opens read-only (locked since $out)"
pid=$(main_pid)
# ptrace of the daemon (gdb, /proc/PID/mem, process_vm_writev): refused; read-only views stay.
out=$(bpf_call ptrace-attach "$pid") || true
[ "$out" = EPERM ] || fail "locked: PTRACE_ATTACH to the daemon answered ${out:-nothing}, not EPERM"
echo "ok: locked: ptrace attach to the daemon refused (EPERM)"
(exec 3> "/proc/$pid/mem") 2> /dev/null && fail "locked: /proc/$pid/mem opened for writing"
echo "ok: locked: /proc/$pid/mem refused"
readlink "/proc/$pid/exe" > /dev/null || fail "locked: /proc/$pid/exe unreadable"
# Unmounting the bpffs would drop every pin, the guard's too.
for how in "" -l; do
        rc=0
        umount $how /sys/fs/bpf 2> /dev/null || rc=$?
        [ "$rc" != 0 ] && mountpoint -q /sys/fs/bpf && [ -e "$pin" ] ||
                fail "locked: umount $how /sys/fs/bpf worked"
done
echo "ok: locked: umount (and umount -l) of /sys/fs/bpf refused"
eperm "kill -9 of the daemon" kill -9 "$pid"
eperm "kill -TERM of the daemon" kill -TERM "$pid"
[ "$(main_pid)" = "$pid" ] && is_active || fail "the daemon died"
expect_write_killed "$target"
echo "ok: locked: the policy holds after the refused attempts"

# PID 1 may: systemd stops and kills the daemon (shutdown must work); the pins stay.
bounded 30 systemctl kill -s KILL "$unit" || fail "systemctl kill -s KILL failed"
expect_write_killed "$target"
echo "ok: locked: systemctl kill -s KILL (from PID 1) works, and it is harmless"
wait_until 450 new_active || fail "systemd did not restart $unit after systemctl kill"
wait_until 450 tetractl status || fail "tetractl status fails after the restart"
[ "$(locked)" = "b true" ] || fail "the restarted daemon is not locked"
# Locked, and nothing changed: the killed daemon's run is covered by the new one and goes;
# nothing piles up.
runs=$(find /sys/fs/bpf/tetragond -mindepth 1 -maxdepth 1 -name 'run-*' | wc -l)
[ "$runs" = 1 ] || fail "locked restart with nothing changed: $runs runs pinned, not 1"
echo "ok: locked: the restart replaced the covered run ($(tetractl status | grep 'Earlier runs:'))"
expect_write_killed "$target"
echo "ok: locked: the restarted daemon is still locked, and the policy holds"
# The new daemon claimed the guard: it answers to it, and a root shell still cannot kill it.
[[ "$(tetractl status)" == *"Kernel protection: active (BPF LSM)"* ]] ||
        fail "after the restart: $(tetractl status | grep 'Kernel protection:')"
eperm "kill -9 of the restarted daemon" kill -9 "$(main_pid)"
echo "ok: locked: the restarted daemon holds the guard"
bounded 60 systemctl stop "$unit" || fail "systemctl stop $unit failed while locked"
expect_write_killed "$target"
[ -e "$pin" ] || [ -n "$(find /sys/fs/bpf/tetragond -path '*/run-*/link-*')" ] || fail "stop removed the pins"
echo "ok: locked: systemctl stop works (PID 1), the policy stays in force"
cat /proc/sys/kernel/random/boot_id > "$boot_mark"
echo "ok: locked: rebooting (the test runs again after the boot)"
exit 75
