#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tetractl validate --kernel agrees with the daemon's engine on the distro kernel: every policy
# of the corpus planned both ways and compared file by file (tests/lib/validate-agrees.sh, as
# tests/test-validate-agrees.sh does on the host), with the engine's corpus binary passed with
# --helper and the corpus staged by stage-tree.sh.
# vmtest-timeout: 600
. "$VMTEST_SUITE/guest-lib.sh"

program=test-policy-corpus-load
tree=$VMTEST_SUITE/tree
corpus=$tree/shared/corpus

command -v "$program" > /dev/null ||
        skip "$program was not built (configure found no cmocka), nothing to run"
[ -d "$corpus" ] || skip "no policy corpus was staged (stage-tree.sh found none next to the source)"
. "$tree/src/tests/lib/validate-agrees.sh"

export top_srcdir=$tree/src
bounded 580 bash -c '. "$1"; validate_agrees "$2" "$3" "$4"' _ \
        "$tree/src/tests/lib/validate-agrees.sh" "$(command -v "$program")" \
        "$(command -v tetractl)" "$corpus" ||
        fail "tetractl validate --kernel and the daemon disagree on $(uname -r) (above)"
echo "ok: tetractl validate --kernel gives the daemon's verdict on every corpus file on $(uname -r)"
