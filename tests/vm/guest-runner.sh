#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs in the guest, as the transient unit tetragond-vm-tests.service: each test named in
# suite/tests.list, one after the other, with a bound on each (240 s, or what the test's
# "# vmtest-timeout: SECONDS" line says; run.sh reads the same line). Per test it leaves NAME.log
# (what the test printed) and NAME.rc ("STATUS SECONDS") in the results share, then the
# journals the host prints on failure, then `done`. The unit powers the guest off when this ends.
# A test's log is appended to: a test that asks for a reboot (exit 75) writes it in two boots.
suite=/vmtest/suite
results=/vmtest/results
default_timeout=240

uptime_seconds() {
        cut -d' ' -f1 /proc/uptime
}

# A test that exits 75 asks for a reboot: its name and the seconds it has run go to "resume"
# in the results share (on the host, it outlives the boot) and the guest powers off; run.sh then
# boots it again from the same disk, and this runs that test again with VMTEST_REBOOTED=1, then
# the tests after it. 75 from a test run after a reboot is a failure. A boot with results but no
# resume (run.sh booting again unasked) powers off at once: the host sees no `done`.
resume_name='' resume_seconds=0
if [ -f "$results/resume" ]; then
        read -r resume_name resume_seconds < "$results/resume"
        rm -f "$results/resume"
        sync
        echo "tetragond-vm: rebooted for $resume_name" > /dev/kmsg
elif [ -f "$results/suite-started" ]; then
        echo "tetragond-vm: the guest booted again though no test asked for it" > /dev/kmsg
        systemctl poweroff --force
        exit 1
else
        uptime_seconds > "$results/suite-started"
fi
export VMTEST_SUITE=$suite VMTEST_RESULTS=$results PATH=$suite/bin:$PATH

while read -r name; do
        [ -n "$name" ] || continue
        rebooted=0 elapsed=0
        if [ -n "$resume_name" ]; then
                [ "$name" = "$resume_name" ] || continue
                resume_name='' rebooted=1 elapsed=$resume_seconds
        fi
        echo "tetragond-vm: running $name" > /dev/kmsg
        test_timeout=$(sed -n 's/^# vmtest-timeout: *\([0-9][0-9]*\)$/\1/p' \
                "$suite/guest/$name.sh" | head -n 1)
        test_timeout=${test_timeout:-$default_timeout}
        start=$(date +%s)
        # timeout signals its whole process group: background jobs of the test end too.
        VMTEST_REBOOTED=$rebooted timeout --kill-after=10 "$test_timeout" \
                bash "$suite/guest/$name.sh" >> "$results/$name.log" 2>&1 < /dev/null
        rc=$?
        [ "$rc" = 124 ] && echo "tetragond-vm: $name did not end within ${test_timeout}s" >> "$results/$name.log"
        elapsed=$((elapsed + $(date +%s) - start))
        if [ "$rc" = 75 ] && [ "$rebooted" = 0 ]; then
                echo "$name $elapsed" > "$results/resume"
                echo "tetragond-vm: $name asks for a reboot: powering off" > /dev/kmsg
                sync
                # This unit's SuccessAction=poweroff-force: no unit is stopped, every process
                # is killed and the root is unmounted or made read-only before qemu exits.
                exit 0
        fi
        echo "$rc $elapsed" > "$results/$name.rc"
        echo "tetragond-vm: $name exited $rc" > /dev/kmsg
done < "$suite/tests.list"

journalctl --no-pager -o short-precise -u tetragond.service > "$results/tetragond.journal" 2>&1
journalctl --no-pager -o short-precise -b > "$results/journal.txt" 2>&1
systemctl --no-pager --failed > "$results/failed-units.txt" 2>&1
sync
echo finished > "$results/done"
sync
