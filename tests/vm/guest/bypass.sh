#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Issue 19 on the distro kernel: the library's protect-file policy, with the BPF LSM there,
# against every technique of the bypass suite, held to tests/bypass/expected-lsm.txt
# (tests/bypass/test-protect-file.sh, run from the staged tree as make check runs it).
# vmtest-timeout: 540
. "$VMTEST_SUITE/guest-lib.sh"

tree=$VMTEST_SUITE/tree
[ -x "$tree/build/tests/bypass/bypass" ] ||
        fail "no staged bypass suite at $tree (run.sh --tree, from stage-tree.sh)"
export top_srcdir=$tree/src top_builddir=$tree/build
# Loading the policy's programs under qemu's emulation takes a minute, not seconds; the
# whole suite took 263 s with another guest sharing the host's two cores.
export TESTENV_START_TIMEOUT=300
bounded 500 bash "$top_srcdir/tests/bypass/test-protect-file.sh" < /dev/null ||
        fail "the bypass suite against protect-file failed"
echo "ok: protect-file holds its table on this kernel"
