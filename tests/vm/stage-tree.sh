#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# stage-tree.sh SRCDIR BUILDDIR DEST: what the guest needs to run the project's own tests the
# way `make check` runs them on the host, laid out like the host's folders so that the tests'
# own paths hold unchanged:
#   DEST/src            top_srcdir: the integration scripts, their libraries and fixtures, and
#                       the shipped files they read (D-Bus and polkit policy, interface XML,
#                       unit, catalog, message ids, the example policy)
#   DEST/build          top_builddir: tetragond, tetractl, the built unit, config.log (whose
#                       PACKAGE_VERSION line test-daemon-basics compares --version with)
#   DEST/shared/corpus  the policy corpus, found by the tests at $top_srcdir/../shared/corpus,
#                       copied from SRCDIR/../shared/corpus when it is there
#   DEST/readme         the README's install steps (readme-steps.sh) and, when BUILDDIR was
#                       configured by the README's own configure line, what its `make install`
#                       installs (root/, by DESTDIR): guest/zz-readme.sh installs it as written
# run.sh --tree DEST puts it into the guest at $VMTEST_SUITE/tree.
set -euo pipefail

srcdir=$1
builddir=$2
dest=$3

log() { echo "stage-tree: $*" >&2; }

rm -rf "$dest"
mkdir -p "$dest/src/tests" "$dest/src/daemon" "$dest/build/systemd"
cp -r "$srcdir/tests/integration" "$srcdir/tests/lib" "$srcdir/tests/data" "$dest/src/tests/"
cp -r "$srcdir/dbus" "$srcdir/systemd" "$srcdir/conf" "$dest/src/"
cp "$srcdir"/daemon/*.h "$dest/src/daemon/"
cp "$builddir/tetragond" "$builddir/tetractl" "$builddir/config.log" "$dest/build/"
# The bypass suite (tests/vm/guest/bypass.sh): its scripts, tables and attacker.
cp -r "$srcdir/tests/bypass" "$dest/src/tests/"
mkdir -p "$dest/build/tests/bypass"
cp "$builddir/tests/bypass/bypass" "$dest/build/tests/bypass/"
# test-stack-traces.sh's program, when make check built it.
if [ -x "$builddir/tests/helpers/stack-target" ]; then
        mkdir -p "$dest/build/tests/helpers"
        cp "$builddir/tests/helpers/stack-target" "$dest/build/tests/helpers/"
fi
# test-process-loader.sh's program, its shared object and that one's build id, likewise.
if [ -x "$builddir/tests/helpers/loader-target" ]; then
        mkdir -p "$dest/build/tests/helpers"
        cp "$builddir"/tests/helpers/loader-{target,lib.so,lib.buildid} "$dest/build/tests/helpers/"
fi
cp "$builddir/systemd/tetragond.service" "$dest/build/systemd/"
if [ -d "$srcdir/../shared/corpus" ]; then
        mkdir -p "$dest/shared"
        cp -rL "$srcdir/../shared/corpus" "$dest/shared/"
else
        log "no policy corpus at $srcdir/../shared/corpus: the guest's corpus-load test skips"
fi

# The README's steps configure with exactly these options; another build is not what it installs.
mkdir -p "$dest/readme"
bash "$srcdir/tests/lib/readme-install-steps.sh" "$srcdir/README.md" > "$dest/readme/readme-steps.sh"
readme_options=$(sed -n 's|^\.\./configure *||p' "$dest/readme/readme-steps.sh")
build_options=$(eval "printf '%s ' $("$builddir/config.status" --config)")
if [ "${build_options% }" = "$readme_options" ]; then
        ${MAKE:-make} -s -C "$builddir" install DESTDIR="$dest/readme/root" > /dev/null
else
        log "$builddir was configured with \"${build_options% }\", the README with" \
                "\"$readme_options\": guest/zz-readme.sh skips"
fi
log "staged into $dest"
