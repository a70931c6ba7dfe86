#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# package-check.sh [--build-only | --boot-only] SRCDIR BUILDDIR: builds the Debian package
# twice from the source tree as it is (its files, committed or not, without build folders), the
# second time as a rebuild with a higher version, and runs tests/vm/guest/package.sh in a guest
# where nothing else of tetragond is installed: install, the seed demo, the metrics socket,
# upgrade, remove, purge. --build-only stops after the two packages, --boot-only boots the
# guest with the packages a --build-only run left: CI builds them while another guest runs.
# Each step logs its wall seconds.
# Environment as run.sh's (TETRAGOND_VM_CACHE, ...); DEB_BUILD_OPTIONS (default: nocheck and
# parallel=the number of CPUs).
set -euo pipefail

steps=all
case ${1:-} in
--build-only) steps=build; shift ;;
--boot-only) steps=boot; shift ;;
esac
srcdir=$1
builddir=$2
work=$builddir/tests/vm/package
here=$srcdir/tests/vm
# The test suite runs in CI beside this (make check, make check-vm), never inside the
# package build (debian/rules overrides dh_auto_test too).
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck parallel=$(nproc)}

log() { echo "vm-package: $*" >&2; }
timed() {
        local what=$1 start status=0

        shift
        start=$(date +%s)
        "$@" || status=$?
        log "$what: $(($(date +%s) - start)) s"
        return "$status"
}

if [ "$steps" = boot ]; then
        for d in old new; do
                compgen -G "$work/tree/debs/$d/tetragond_*.deb" > /dev/null || {
                        log "error: no $d package in $work/tree/debs: run --build-only first"
                        exit 1
                }
        done
        timed "guest image" bash "$here/build-image.sh"
        timed "guest boot with package.sh" \
                bash "$here/run.sh" --product "$work/product" --tree "$work/tree" package
        exit
fi
command -v dpkg-buildpackage >/dev/null || {
        log "dpkg-buildpackage is not installed (tools/bootstrap.sh deps)"
        exit 77
}

rm -rf "$work"
mkdir -p "$work/src" "$work/product" "$work/tree/debs/old" "$work/tree/debs/new"
# The tree's own files: what git tracks plus new files it does not ignore.
git -C "$srcdir" ls-files -z --cached --others --exclude-standard |
        (cd "$srcdir" && tar --null -T - -cf -) | tar -C "$work/src" -xf -

build() {
        (cd "$work/src" && dpkg-buildpackage -us -uc -b "$@") >>"$work/build.log" 2>&1 || {
                tail -n 30 "$work/build.log" >&2
                return 1
        }
}

log "building the package ($DEB_BUILD_OPTIONS)"
timed "package build" build
mv "$work"/tetragond_*.deb "$work/tree/debs/old/"

# The rebuild only repacks (-nc: no clean, so nothing is compiled again) under a higher
# version: what the upgrade exercises is the maintainer scripts and the daemon's restart.
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
(cd "$work/src" && DEBFULLNAME="tetragond tests" DEBEMAIL=tetragond-devel@example.org \
        dch -v "$version+vmtest1" -D unstable "Rebuilt for the upgrade test.")
timed "package rebuild" build -nc
mv "$work"/tetragond_*.deb "$work/tree/debs/new/"
[ "$steps" = all ] || exit 0

timed "guest image" bash "$here/build-image.sh"
timed "guest boot with package.sh" \
        bash "$here/run.sh" --product "$work/product" --tree "$work/tree" package
