#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# `tetractl validate --kernel` gives the daemon's verdict: every policy of the real-world
# corpus (../shared/corpus next to the source tree) planned by tetractl and installed by the
# daemon's engine (tests/test-policy-corpus-load --as-validate) on this kernel, compared file
# by file (tests/lib/validate-agrees.sh), in a mount namespace of its own with tracefs mounted.
# Needs root to load BPF (77 otherwise) and the corpus (77 when absent). tests/vm/guest/validate-agrees.sh runs the same on the guest's kernel.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
corpus=$top_srcdir/../shared/corpus

if [ ! -d "$corpus" ]; then
        echo "SKIP: no policy corpus at $corpus"
        exit 77
fi
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
# Both ways must see the same tracefs: ours, whatever other tests mount or unmount meanwhile.
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing ||
        fail "cannot mount tracefs"
. "$top_srcdir/tests/lib/validate-agrees.sh"
validate_agrees "$top_builddir/tests/test-policy-corpus-load" "$top_builddir/tetractl" "$corpus"
