#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The README's "Installing it as a service" steps on a Debian 12 with systemd as PID 1 and the
# distribution kernel: the steps up to `make install` ran on the host (the guest has no
# compiler), in the build that was configured with the README's own configure line; here its
# `make install` is done as make does it without DESTDIR (the files, then the catalog hook),
# and every step after it runs exactly as written. Then what a new user checks: the service
# runs the installed daemon, `tetractl status` reaches it, polkit knows the actions, and
# `journalctl -x` shows the catalog text.
#
# It replaces the staged product's unit with the README's (/usr/local): it runs last (zz-).
# vmtest-timeout: 300
. "$VMTEST_SUITE/guest-lib.sh"

readme=$VMTEST_SUITE/tree/readme
unit=tetragond.service
exec_message_id=4812ff676dcb4d7fa017a37a23b7d461

[ -f "$readme/readme-steps.sh" ] || fail "no README steps staged (stage-tree.sh)"
[ -d "$readme/root" ] || skip "the host's build was not configured by the README's line (stage-tree.sh said why)"

finish() {
        local status=$1

        [ "$status" -eq 1 ] && journalctl --no-pager -u "$unit" -n 30
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        exit "$status"
}
trap 'finish $?' EXIT

# A fresh machine: nothing running or enabled, and nothing of the staged product that the
# README's install must bring itself (so that what is checked below is its doing).
bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
rm -f /usr/sbin/tetragond /usr/bin/tetractl /usr/lib/systemd/system/$unit \
        /usr/share/dbus-1/system.d/io.tetragond1.conf /usr/share/polkit-1/actions/io.tetragond1.policy \
        /usr/lib/systemd/catalog/tetragond.catalog
bounded 60 systemctl daemon-reload
journalctl --update-catalog
! journalctl --list-catalog | grep -q "^$exec_message_id" || fail "the catalog still knows our entries"
! pkaction --action-id io.tetragond1.reload > /dev/null 2>&1 || fail "polkit still knows our actions"

after_install=$(sed -n '/^make install$/,$p' "$readme/readme-steps.sh" | tail -n +2)
echo "the README's steps; those before \"make install\" ran on the host:"
sed 's/^/    /' "$readme/readme-steps.sh"

# make install, without DESTDIR: the files (/lib is a link to /usr/lib here, kept), then
# install-catalog-hook.
tar -C "$readme/root" -cf - . | tar -C / -xf - --keep-directory-symlink ||
        fail "copying what make install installs failed"
journalctl --update-catalog || fail "journalctl --update-catalog failed"
echo "ok: make install"

output=$(cd /tmp && bounded 200 bash -e -c "$after_install" 2>&1) ||
        fail "the README's steps after make install failed: $output"
echo "$output" | sed 's/^/    /'
echo "ok: the steps after make install, as written"

exec_start=$(systemctl show -P ExecStart "$unit")
case $exec_start in
*"path=/usr/local/sbin/tetragond "*) ;;
*) fail "$unit runs \"$exec_start\", not the README's /usr/local/sbin/tetragond" ;;
esac
[ "$(systemctl is-enabled "$unit")" = enabled ] || fail "$unit is not enabled"
[ "$(systemctl is-active "$unit")" = active ] || fail "$unit is $(systemctl is-active "$unit")"
echo "ok: $unit is enabled and runs /usr/local/sbin/tetragond"

[ "$(command -v tetractl)" = /usr/local/bin/tetractl ] ||
        fail "tetractl on PATH is $(command -v tetractl), not /usr/local/bin/tetractl"
output=$(bounded 30 tetractl status 2>&1) || fail "tetractl status failed: $output"
echo "ok: tetractl status reaches the daemon"

pkaction --action-id io.tetragond1.reload > /dev/null || fail "polkit does not know io.tetragond1.reload"
echo "ok: polkit knows the actions"

# An entry of this daemon, not of the earlier tests' runs.
pid=$(systemctl show -P MainPID "$unit")
exec_logged() {
        journalctl -q _PID="$pid" MESSAGE_ID=$exec_message_id | grep -q .
}
/bin/true
wait_until 30 exec_logged || fail "no process_exec entry from $unit (PID $pid) within 30 s"
journalctl -x -n 1 _PID="$pid" MESSAGE_ID=$exec_message_id --no-pager | grep -q 'Subject: A process started' ||
        fail "journalctl -x shows no catalog text for a process_exec entry"
echo "ok: journalctl -x shows the catalog text"
