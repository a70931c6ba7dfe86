#!/bin/bash
# make check-nspawn: tetragond as a real systemd service, with systemd as PID 1.
#
# Boots this machine's own / in systemd-nspawn (an overlay: every write is discarded), on
# this machine's kernel. Inside, once multi-user.target is reached, a copy of the source tree
# is built and installed by the README's "Installing it as a service" steps, run exactly as
# written (default prefix /usr/local), then tests/nspawn/guest-test.sh checks the result:
# the daemon owns its bus name, polkit knows the actions, journalctl -x shows the catalog,
# tetractl over the real system bus, journalctl -u, systemctl reload and stop. Its output and
# exit code come back through a bound folder.
#
# Usage: run.sh SRCDIR BUILDDIR. Exit 77 when this machine cannot run it. NSPAWN_GUEST: another
# script to run inside instead of guest-test.sh (bench/journal-flood.sh uses it).
set -eu
srcdir=$(cd "$1" && pwd)
builddir=$(cd "$2" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed"
[ -d /run/systemd/system ] && skip "systemd is PID 1 here: this harness boots the host's / as a container"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "no overlayfs"

work=$builddir/tests/nspawn
machine=$work/machine
out=$work/out
mkdir -p "$out"

# 1. The README's install steps, as a script.
bash "$srcdir/tests/lib/readme-install-steps.sh" "$srcdir/README.md" >"$out/readme-steps.sh"

# 2. The container's root: / with an overlay on top.
cleanup() {
        umount "$machine/merged" 2>/dev/null || true
        rm -rf "$machine"
}
trap cleanup EXIT
cleanup
mkdir -p "$machine/upper" "$machine/work" "$machine/merged"
mount -t overlay overlay -o "lowerdir=/,upperdir=$machine/upper,workdir=$machine/work" "$machine/merged"
root=$machine/merged
rm -f "$root/.dockerenv"                      # else systemd believes it runs in docker
systemd-id128 new >"$root/etc/machine-id"     # nspawn refuses the host's id
# Units that never finish in a container; and /tmp is the host's: tmpfiles must not clean it.
for unit in postgresql.service postgresql@.service auditd.service console-getty.service \
        systemd-tmpfiles-clean.timer; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
mkdir -p "$root/etc/tmpfiles.d"
ln -sf /dev/null "$root/etc/tmpfiles.d/tmp.conf"

# 3. The source tree, as a user would have it: without any build.
mkdir -p "$root/var/tmp/tetragond-src"
tar -C "$srcdir" --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . |
        tar -C "$root/var/tmp/tetragond-src" -xf -

# 4. Run the test once the system is up, then power off.
rm -f "$out/output" "$out/rc"
cp "${NSPAWN_GUEST:-$srcdir/tests/nspawn/guest-test.sh}" "$out/guest-test.sh"
cat >"$root/etc/systemd/system/tetragond-nspawn-test.service" <<EOT
[Unit]
Description=tetragond test inside the container
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/bin/systemd-run --no-block --unit=tetragond-nspawn-run \
        -p SuccessAction=poweroff-force -p FailureAction=poweroff-force \
        /bin/bash -c 'bash $out/guest-test.sh $out /var/tmp/tetragond-src >$out/output 2>&1; echo \$? >$out/rc'
EOT
ln -sf ../tetragond-nspawn-test.service \
        "$root/etc/systemd/system/multi-user.target.wants/tetragond-nspawn-test.service"

# BPF needs these: all capabilities, and bpf()/perf_event_open() through nspawn's filter.
timeout "${NSPAWN_TIMEOUT:-1200}" systemd-nspawn -q -D "$root" -b --register=no --keep-unit --machine=tetragond-test \
        --console=pipe --bind="$out" --capability=all --system-call-filter='bpf perf_event_open' \
        </dev/null >"$out/console.log" 2>&1 || true

cat "$out/output" 2>/dev/null || { echo "no output from the container; its console:"; tail -50 "$out/console.log"; }
rc=$(cat "$out/rc" 2>/dev/null || echo 1)
exit "$rc"
