#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The Debian package on a guest where nothing of tetragond is installed (make
# check-vm-package stages no product, and two builds of the package: "old" and a rebuild
# with a higher version, "new"). Install enables and starts the service and the seed demo
# works; the metrics socket stays off until enabled, then serves as the unprivileged
# tetragond-metrics, read-only (GET and HEAD only, and its user cannot change the daemon); an
# upgrade restarts the daemon once, with no write of a writer loop let through meanwhile, and
# the demo still works; remove stops it, removes the pinned policies and keeps /etc/tetragon;
# purge deletes it.
# vmtest-timeout: 420
. "$VMTEST_SUITE/guest-lib.sh"

debs=$VMTEST_SUITE/tree/debs
unit=tetragond.service
policy=protect-tmp-passwd
target=/tmp/passwd

[ -d "$debs" ] || skip "no packages staged: run make check-vm-package"
old=$(echo "$debs"/old/tetragond_*.deb)
new=$(echo "$debs"/new/tetragond_*.deb)
[ -f "$old" ] && [ -f "$new" ] || fail "expected one old and one new package in $debs"
[ ! -e /usr/sbin/tetragond ] || fail "tetragond is installed already: this test needs a bare guest"

service_active() { [ "$(systemctl is-active "$unit")" = active ]; }
policy_loaded() { bounded 10 tetractl show "$policy" | grep -q '^ *State: loaded'; }
main_pid() { systemctl show -P MainPID "$unit"; }
# Each step says when it ended (seconds since the test began): what the CI budget is spent on.
ok() { echo "ok [${SECONDS}s]: $*"; }

bounded 120 dpkg -i "$old" || fail "dpkg -i $old failed"
ok "installed $(dpkg-query -W -f '${Version}' tetragond)"
[ "$(systemctl is-enabled "$unit")" = enabled ] || fail "$unit is not enabled after install"
wait_until 90 service_active || fail "$unit is not running after install"
ok "$unit enabled and running"
[ -f /etc/tetragon/policies.d/$policy.yaml ] || fail "the example policy is not installed"
grep -qx /etc/tetragon/policies.d/$policy.yaml /var/lib/dpkg/info/tetragond.conffiles ||
        fail "the example policy is not a conffile"
wait_until 60 policy_loaded || fail "$policy is not loaded"
rm -f "$target"
expect_write_killed "$target"
ok "the seed demo works from the package"

# The metrics: nothing listens until the admin enables the socket.
[ "$(systemctl is-enabled tetragond-metrics.socket)" = disabled ] ||
        fail "tetragond-metrics.socket is enabled after install"
[ "$(systemctl is-active tetragond-metrics.socket)" = inactive ] ||
        fail "tetragond-metrics.socket listens after install"
(exec 3<>/dev/tcp/127.0.0.1/2112) 2>/dev/null && fail "something listens on 2112 after install"
ok "nothing listens on 2112 after install"
bounded 60 systemctl enable --now tetragond-metrics.socket || fail "enabling the socket failed"
# scrape [METHOD]: the answer to METHOD (GET) /metrics on 2112, headers and body.
scrape() {
        exec 3<>/dev/tcp/127.0.0.1/2112 || return 1
        printf '%s /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' "${1:-GET}" >&3
        timeout 20 cat <&3
        exec 3<&-
}
text=$(scrape) || fail "no answer on 2112"
grep -q '^HTTP/1\.[01] 200' <<<"$text" || fail "the scrape answered: $(head -n 5 <<<"$text")"
grep -qx "tetragon_tracingpolicy_loaded{state=\"enabled\"} 1" <<<"$text" ||
        fail "the scrape has no loaded policy: $(grep tracingpolicy <<<"$text")"
grep -q "^tetragond_policy_actions_total{policy=\"$policy\"} [1-9]" <<<"$text" ||
        fail "the scrape does not count the demo's kill: $(grep actions_total <<<"$text")"
user=$(stat -c %U "/proc/$(systemctl show -P MainPID tetragond-metrics.service)")
[ "$user" = tetragond-metrics ] || fail "tetragond-metrics.service runs as '$user'"
ok "the socket-activated scrape works, served by the unprivileged user $user"
text=$(scrape POST) || fail "no answer to a POST on 2112"
grep -q '^HTTP/1\.[01] 405' <<<"$text" || fail "a POST was answered: $(head -n 1 <<<"$text")"
refusal=$(bounded 30 setpriv --reuid="$user" --regid="$user" --clear-groups -- \
        tetractl disable "$policy" 2>&1) && fail "$user could disable $policy: $refusal"
grep -q 'Permission denied: ' <<<"$refusal" || fail "$user's tetractl disable said: $refusal"
policy_loaded || fail "$policy is not loaded after $user's refused disable"
ok "read-only: a POST gets 405, and $user's tetractl disable is refused: $refusal"

# Upgrade: the daemon is restarted once, after the files were replaced, and never stopped
# before (debhelper's restart-after-upgrade): with the policies pinned, a writer loop
# running across the whole upgrade has every attempt killed.
writes=/tmp/package-writes
stop_file=/tmp/package-writes-stop
rm -f "$writes" "$stop_file"
: > "$target"
writer() {
        local rc
        while [ ! -e "$stop_file" ]; do
                sh -c "echo x >> $target" 2> /dev/null && rc=0 || rc=$?
                echo "$rc" >> "$writes"
                sleep 0.05
        done
}
writer 2> /dev/null &
writer_pid=$!
trap 'touch "$stop_file"; wait "$writer_pid" 2> /dev/null' EXIT
before=$(main_pid)
bounded 120 dpkg -i "$new" || fail "dpkg -i $new failed"
ok "upgraded to $(dpkg-query -W -f '${Version}' tetragond)"
wait_until 90 service_active || fail "$unit is not running after the upgrade"
after=$(main_pid)
[ "$after" != "$before" ] || fail "$unit was not restarted by the upgrade (MainPID $before)"
ok "the upgrade restarted $unit (MainPID $before -> $after)"
wait_until 60 policy_loaded || fail "$policy is not loaded after the upgrade"
touch "$stop_file"
wait "$writer_pid" || true
trap - EXIT
attempts=$(wc -l < "$writes")
misses=$(grep -cvx 137 "$writes" || true)
[ "$attempts" -gt 10 ] || fail "only $attempts write attempts across the upgrade"
[ "$misses" = 0 ] || fail "$misses of $attempts writes across the upgrade were not killed: $(sort "$writes" | uniq -c)"
[ ! -s "$target" ] || fail "$target was written during the upgrade: $(head -c 100 "$target")"
ok "$attempts write attempts across the upgrade, all killed, $target empty"
rm -f "$target"
expect_write_killed "$target"

# Remove: stopped, configuration kept.
bounded 120 dpkg -r tetragond || fail "dpkg -r failed"
! service_active || fail "$unit still runs after remove"
[ ! -e /usr/sbin/tetragond ] || fail "the daemon's binary stays after remove"
[ -f /etc/tetragon/policies.d/$policy.yaml ] || fail "remove deleted /etc/tetragon"
[ "$(systemctl is-active tetragond-metrics.socket)" != active ] ||
        fail "tetragond-metrics.socket still listens after remove"
! pgrep -x tetragond >/dev/null || fail "a tetragond process is left after remove"
[ -z "$(find /sys/fs/bpf/tetragond -name 'link-*' 2> /dev/null)" ] ||
        fail "remove left pinned links: $(find /sys/fs/bpf/tetragond -name 'link-*')"
ok "remove stopped $unit and the metrics socket, removed the pinned policies, and kept /etc/tetragon"
rm -f "$target"
sh -c "echo hello > $target" || fail "a write to $target failed with nothing installed"
ok "nothing is enforced any more"

# Purge: configuration gone.
bounded 120 dpkg -P tetragond || fail "dpkg -P failed"
[ ! -e /etc/tetragon ] || fail "purge left /etc/tetragon: $(ls -R /etc/tetragon)"
[ ! -e /var/lib/tetragon ] || fail "purge left /var/lib/tetragon"
ok "purge removed /etc/tetragon and /var/lib/tetragon"
rm -f "$target"
