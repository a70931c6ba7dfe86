#!/bin/bash
# The bypass suite's runner (issue 19): loads one policy that protects a file, tries every
# technique of tests/bypass/bypass.c on that file, and prints one line per technique:
#
#   TECHNIQUE RESULT
#
# RESULT is `blocked` (the file is unchanged: the call failed or the process was killed),
# `detected` (the file changed, and the policy reported the process or its child),
# `passed` (the file changed, nothing reported) or `no-effect` (the file is unchanged although
# every call succeeded: a technique that did not work, to fix in the suite).
#
# usage: run.sh POLICY [TECHNIQUE...]
# POLICY is a library policy's name (conf/library/, instantiated by `tetractl library enable
# --print` with FILE= the target and ALLOW= the runner's restorer), or a policy file that names
# them @FILE@ and @ALLOW@ (replaced as they are). The table goes to stdout,
# the details to $BYPASS_LOG (default: stderr).
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

policy_src=${1:?usage: run.sh POLICY [TECHNIQUE...]}
shift
bypass=$top_builddir/tests/bypass/bypass
[ -x "$bypass" ] || fail "$bypass is not built (make check TESTS= builds it)"
exec 3>>"${BYPASS_LOG:-/dev/stderr}"

# A folder of our own that nobody else's test writes, searchable by everyone (the unprivileged
# techniques run as nobody), holding a file anyone may write: only the policy stands in the way.
dir=$(mktemp -d /tmp/tetragond-bypass.XXXXXX)
chmod 755 "$dir"
target=$dir/protected
# The restorer: the same program under another path, the one binary the policy exempts.
restorer=$TESTENV_DIR/restorer
cp "$bypass" "$restorer"
removed() { rm -rf "$dir" 2>/dev/null; }
cleanup() {
        local status=$?

        # The daemon first: the policy refuses to remove the file. Its pinned links keep the
        # policy in force after it stops, so our bpffs goes too, and with it the links.
        [ -z "$TESTENV_DAEMON_PID" ] || { kill "$TESTENV_DAEMON_PID" && wait "$TESTENV_DAEMON_PID"; } 2>/dev/null
        TESTENV_DAEMON_PID=
        # The kernel lets the links go from a work queue, a moment after the unmount.
        umount /sys/fs/bpf 2>/dev/null || true
        wait_for 10 "the policy to let $dir be removed" removed || true
        (exit "$status")
        testenv_cleanup
}
trap cleanup EXIT

original="original content of the protected file"
# The protected inode's second name, on the same file system, where no technique looks.
keeper=$dir/.keeper/protected
mkdir "$dir/.keeper"
restore() {
        "$restorer" restore "$target" "$keeper" "$original" >&3 2>&1 ||
                fail "the restorer could not reset $target"
}
state() {
        if [ -e "$target" ]; then
                echo "$(stat -c '%d:%i:%s' "$target") $(sha256sum <"$target" | cut -d' ' -f1)"
        else
                echo missing
        fi
}
restore
pristine_content=$(sha256sum <"$target" | cut -d' ' -f1)

mkdir -p "$TESTENV_DIR/policies"
if [ -f "$policy_src" ]; then
        name=$(sed -n 's/^  name: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$policy_src" | sed -n 1p)
        [ -n "$name" ] || fail "no metadata.name in $policy_src"
        sed -e "s|@FILE@|$target|g" -e "s|@ALLOW@|$restorer|g" "$policy_src" \
                >"$TESTENV_DIR/policies/$name.yaml"
else
        name=$policy_src
        TETRAGOND_LIBRARY_DIR=${TETRAGOND_LIBRARY_DIR:-$top_srcdir/conf/library} \
                "$top_builddir/tetractl" library enable --print "$name" FILE="$target" \
                ALLOW="$restorer" >"$TESTENV_DIR/policies/$name.yaml" ||
                fail "tetractl library enable --print $name failed"
fi

testenv_start_daemon --policy-dir "$TESTENV_DIR/policies" --state-dir "$TESTENV_DIR/state"
loaded() { journal -t tetragond -o cat | grep "Policy $name loaded" >/dev/null; }
wait_for "${TESTENV_START_TIMEOUT:-90}" "the policy to load" loaded || {
        journal -t tetragond -o cat >&2
        fail "the policy $name did not load"
}

# The events of the policy made by PID or by a process it started.
events_of() {
        journal -o json -t tetragond TETRAGON_POLICY="$name" |
                jq -c '.TETRAGON_JSON | fromjson | to_entries[] | .value | objects |
                        select(has("process")) |
                        select(.process.pid == '"$1"' or .parent.pid == '"$1"')' 2>/dev/null
}
has_events() { [ -n "$(events_of "$1")" ]; }

# No technique, no change: the restorer itself is not caught, and the state is stable.
before=$(state)
[ "$(state)" = "$before" ] || fail "the target changes by itself"

if [ $# = 0 ]; then
        set -- $("$bypass" list | cut -f1)
fi
for technique in "$@"; do
        restore
        rm -f "$target".bypass-*
        before=$(state)
        [ "${before#* }" = "$pristine_content" ] || fail "$target was not restored"
        "$bypass" "$technique" "$target" 2>&3 &
        pid=$!
        wait "$pid" && rc=0 || rc=$?
        after=$(state)
        if [ "$after" = "$before" ]; then
                if [ "$rc" = 0 ]; then result=no-effect; else result=blocked; fi
        elif wait_for 10 "an event of $technique ($pid)" has_events "$pid" 2>/dev/null; then
                result=detected
        else
                result=passed
        fi
        echo "$technique: exit $rc, $before -> $after: $result" >&3
        printf '%s %s\n' "$technique" "$result"
done
