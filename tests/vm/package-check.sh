#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# package-check.sh SRCDIR BUILDDIR: builds the Debian package twice from the source tree as it
# is (its files, committed or not, without build folders), the second time as a rebuild with a
# higher version, and runs tests/vm/guest/package.sh in a guest where nothing else of tetragond
# is installed: install, the seed demo, the metrics socket, upgrade, remove, purge.
# Environment as run.sh's (TETRAGOND_VM_CACHE, ...).
set -euo pipefail

srcdir=$1
builddir=$2
work=$builddir/tests/vm/package
here=$srcdir/tests/vm

log() { echo "vm-package: $*" >&2; }
command -v dpkg-buildpackage >/dev/null || {
        log "dpkg-buildpackage is not installed (tools/bootstrap.sh deps)"
        exit 77
}

rm -rf "$work"
mkdir -p "$work/src" "$work/product" "$work/tree/debs/old" "$work/tree/debs/new"
# The tree's own files: what git tracks plus new files it does not ignore.
git -C "$srcdir" ls-files -z --cached --others --exclude-standard |
        (cd "$srcdir" && tar --null -T - -cf -) | tar -C "$work/src" -xf -

log "building the package (about a minute)"
(cd "$work/src" && dpkg-buildpackage -us -uc -b) >"$work/build-old.log" 2>&1 || {
        tail -n 30 "$work/build-old.log" >&2
        exit 1
}
mv "$work"/tetragond_*.deb "$work/tree/debs/old/"

log "rebuilding it with a higher version"
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
(cd "$work/src" &&
        DEBFULLNAME="tetragond tests" DEBEMAIL=tetragond-devel@example.org \
                dch -v "$version+vmtest1" -D unstable "Rebuilt for the upgrade test." &&
        dpkg-buildpackage -us -uc -b -nc) >"$work/build-new.log" 2>&1 || {
        tail -n 30 "$work/build-new.log" >&2
        exit 1
}
mv "$work"/tetragond_*.deb "$work/tree/debs/new/"

bash "$here/build-image.sh"
bash "$here/run.sh" --product "$work/product" --tree "$work/tree" package
