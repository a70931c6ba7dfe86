#!/bin/bash
# Set up a fresh Debian 12 machine for tetragond and build it, then either run
# the daemon in the foreground on the shipped example policies ("run") or run
# the whole test suite ("check"). Run as root from the source tree.
set -euo pipefail

mode=${1:-}
case "$mode" in
run | check | deps) ;;
*)
        echo "Usage: $0 run|check|deps" >&2
        exit 2
        ;;
esac

[ "$(id -u)" = 0 ] || { echo "$0: run as root (it installs packages and loads BPF)." >&2; exit 2; }
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$srcdir/build}

# Build and test dependencies, all from Debian bookworm.
packages=(
        autoconf automake pkg-config make gcc clang llvm bpftool
        libbpf-dev libelf-dev zlib1g-dev libsystemd-dev libyaml-dev libjansson-dev libpcre2-dev libcmocka-dev
        libclang-rt-14-dev systemd systemd-container dbus policykit-1 util-linux jq valgrind
        systemtap-sdt-dev
        # configure asks their pkg-config files where dbus-daemon and bash read our files.
        libdbus-1-dev bash-completion
        libmicrohttpd-dev libcurl4-openssl-dev curl iproute2 systemd-journal-remote
        debhelper devscripts lintian fakeroot dpkg-dev
        libcap2-bin python3 # setcap and memfd_create + fexecve in test-process-enrichment.sh
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ "$mode" = deps ] && exit 0

cd "$srcdir"
[ -x configure ] || autoreconf -fi
# Someone ran ./configure in the source folder (an in-tree build): automake refuses a second,
# out-of-tree one, so use that build.
if [ -f "$srcdir/config.status" ] && [ -z "${BUILDDIR:-}" ]; then
        echo "$srcdir is configured in-tree; building there."
        builddir=$srcdir
fi
mkdir -p "$builddir"
cd "$builddir"
[ -f Makefile ] || "$srcdir/configure" --sysconfdir=/etc --localstatedir=/var
make -j"$(nproc)"

case "$mode" in
run)
        echo "Running tetragond on $srcdir/conf/policies.d; events are printed below and"
        echo "written to the journal (journalctl -t tetragond -f). Ctrl-C stops it."
        exec ./tetragond --policy-dir "$srcdir/conf/policies.d" --stdout=compact
        ;;
check)
        # Unit and integration tests on this machine's kernel.
        make -j"$(nproc)" check || { cat test-suite.log; exit 1; }
        # The fuzz targets (policy, records, bus arguments) under libFuzzer, 40 s each to keep
        # CI within its hour (its own clang/ASan build; `make fuzz FUZZ_SECONDS=N` runs longer).
        FUZZ_BUILD_DIR="$srcdir/build-fuzz" "$srcdir/tests/fuzz/run-fuzz.sh" "${FUZZ_SECONDS:-40}"
        # The service under systemd as PID 1 on this kernel (systemd-nspawn).
        make check-nspawn
        # The whole system on Debian's distro kernel with systemd as PID 1 (qemu). The Debian
        # package is built twice meanwhile, at the lowest priority so that the emulated guest
        # keeps its CPU (the two builds take about 30 s of CPU together).
        nice -n 19 bash "$srcdir/tests/vm/package-check.sh" --build-only "$srcdir" "$builddir" \
                > package-build.log 2>&1 &
        package_build=$!
        vm_status=0
        make check-vm || vm_status=$?
        package_status=0
        wait "$package_build" || package_status=$?
        cat package-build.log
        [ "$vm_status" = 0 ] || exit "$vm_status"
        [ "$package_status" = 0 ] || exit "$package_status"
        # The package in a guest where nothing else of tetragond is: install, the seed demo,
        # the metrics socket, an upgrade with no enforcement gap, remove, purge.
        make check-vm-package VM_PACKAGE_STEP=--boot-only
        ;;
esac
