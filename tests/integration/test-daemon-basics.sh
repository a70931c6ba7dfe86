#!/bin/bash
# The daemon's command line and its refusals: one clear line and a non-zero
# exit, before anything is set up.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
# No journal socket in this namespace: the daemon's messages come to stderr.
mount -t tmpfs tmpfs /run/systemd/journal 2>/dev/null || mkdir -p /run/systemd/journal
d=$top_builddir/tetragond

expect_exit() { # expect_exit DESCRIPTION CODE EXPECTED-OUTPUT COMMAND...
        local what=$1 code=$2 expected=$3 out rc
        shift 3
        out=$("$@" 2>&1) && rc=0 || rc=$?
        [ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code; output: $out"
        [ "$out" = "$expected" ] || fail "$what: output '$out', expected '$expected'"
        echo "ok: $what"
}

expect_exit "--version" 0 "tetragond $(sed -n 's/^PACKAGE_VERSION=.\(.*\).$/\1/p' "$top_builddir/config.log")" "$d" --version
"$d" --help | grep -- '--policy-dir=DIR' >/dev/null || fail "--help does not list --policy-dir"
echo "ok: --help"
expect_exit "an unknown option" 1 "$d: unrecognized option '--no-such-option'" "$d" --no-such-option
expect_exit "a bad --log-level" 1 "Invalid --log-level: loud" "$d" --log-level=loud
expect_exit "a bad --stdout" 1 "Invalid --stdout: yaml (compact, json or none)" "$d" --stdout=yaml
expect_exit "a positional argument" 1 "tetragond takes no positional arguments." "$d" extra
# Without root: one line that says what is missing, before touching anything.
expect_exit "an unprivileged user" 1 \
        "tetragond needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to load BPF programs." \
        setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$d" --state-dir=/nonexistent
