#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The engine's own test binary (tests/test-policy-engine, passed with --helper) on the distro
# kernel: the same assertions as `make check` on the development machine, against the
# mechanisms this kernel offers. It forks its own children and needs no running service.
# vmtest-timeout: 1200
. "$VMTEST_SUITE/guest-lib.sh"

program=test-policy-engine

command -v "$program" > /dev/null ||
        skip "$program was not built (configure found no cmocka), nothing to run"
status=0
bounded 1160 "$program" || status=$?
case $status in
0) echo "ok: $program passed on $(uname -r)" ;;
77) fail "$program skipped itself (exit 77): it runs as root here, it should not" ;;
124 | 137) fail "$program did not finish within 1160s" ;;
*) fail "$program failed (exit $status)" ;;
esac
