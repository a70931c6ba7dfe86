#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs in the guest, as the transient unit tetragond-vm-tests.service: each test named in
# suite/tests.list, one after the other, with a bound on each (240 s, or what the test's
# "# vmtest-timeout: SECONDS" line says; run.sh reads the same line). Per test it leaves NAME.log
# (what the test printed) and NAME.rc ("STATUS SECONDS") in the results share, then the
# journals the host prints on failure, then `done`. The unit powers the guest off when this ends.
suite=/vmtest/suite
results=/vmtest/results
default_timeout=240

uptime_seconds() {
        cut -d' ' -f1 /proc/uptime
}

uptime_seconds > "$results/suite-started"
export VMTEST_SUITE=$suite VMTEST_RESULTS=$results PATH=$suite/bin:$PATH

while read -r name; do
        [ -n "$name" ] || continue
        echo "tetragond-vm: running $name" > /dev/kmsg
        test_timeout=$(sed -n 's/^# vmtest-timeout: *\([0-9][0-9]*\)$/\1/p' \
                "$suite/guest/$name.sh" | head -n 1)
        test_timeout=${test_timeout:-$default_timeout}
        start=$(date +%s)
        # timeout signals its whole process group: background jobs of the test end too.
        timeout --kill-after=10 "$test_timeout" \
                bash "$suite/guest/$name.sh" > "$results/$name.log" 2>&1 < /dev/null
        rc=$?
        [ "$rc" = 124 ] && echo "tetragond-vm: $name did not end within ${test_timeout}s" >> "$results/$name.log"
        echo "$rc $(($(date +%s) - start))" > "$results/$name.rc"
        echo "tetragond-vm: $name exited $rc" > /dev/kmsg
done < "$suite/tests.list"

journalctl --no-pager -o short-precise -u tetragond.service > "$results/tetragond.journal" 2>&1
journalctl --no-pager -o short-precise -b > "$results/journal.txt" 2>&1
systemctl --no-pager --failed > "$results/failed-units.txt" 2>&1
sync
echo finished > "$results/done"
sync
