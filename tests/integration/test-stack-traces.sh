#!/bin/bash
# Issue 13: Post with kernelStackTrace / userStackTrace. A write(2) of a test program
# carries the kernel's stack, named from /proc/kallsyms (the syscall's entry is on
# it), and the user's, whose innermost frame is libc's write; a uprobe on the
# program's own function carries a user stack naming that function in that binary,
# which tetractl getevents prints after the line. Addresses only with
# --expose-stack-addresses.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

work=$TESTENV_DIR/work
mkdir -p "$work/policies"
target=$work/stack-target
cp "$top_builddir/tests/helpers/stack-target" "$target"
sed "s|\${BINARY}|$target|g" "$top_srcdir/tests/data/engine/stack-traces.yaml" \
        >"$work/policies/stack-traces.yaml"

run_target() { # run_target: one run of the program; it waits on $work/go until told
        rm -f "$work/go"
        mkfifo "$work/go"
        "$target" <"$work/go" >"$work/out" &
        target_pid=$!
        exec 3>"$work/go"
}
release_target() {
        echo done >&3
        exec 3>&-
        wait "$target_pid" || fail "the test program failed"
}
events_of() { # events_of TYPE: the target's events of that type
        journal_events TETRAGON_EVENT="$1" TETRAGON_PID="$target_pid"
}
has_both() { [ -n "$(events_of process_kprobe)" ] && [ -n "$(events_of process_uprobe)" ]; }
check() { # check DESCRIPTION JSON JQ-EXPRESSION EXPECTED
        local got
        got=$(jq -r "$3" <<<"$2")
        [ "$got" = "$4" ] || fail "$1: expected '$4', got '$got' in $2"
        echo "ok: $1 = $4"
}
loaded() { journal -t tetragond -o cat | grep "Policy stack-traces loaded" >/dev/null; }

testenv_start_daemon --policy-dir "$work/policies"
wait_for 60 "the policy to load" loaded || {
        journal -t tetragond -o cat >&2
        fail "the policy did not load"
}
run_target
wait_for 20 "the write and the uprobe of the program" has_both ||
        fail "no events: $(journal -t tetragond -o cat | tail -n 5)"
kprobe=$(events_of process_kprobe | sed -n 1p)
uprobe=$(events_of process_uprobe | sed -n 1p)
release_target

check "kernel stack: the syscall's entry is on it" "$kprobe" \
        '[.process_kprobe.kernel_stack_trace[].symbol] | any(. == "do_syscall_64")' true
check "kernel stack: offsets from the symbols" "$kprobe" \
        '[.process_kprobe.kernel_stack_trace[] | has("offset")] | any' true
check "kernel stack: no addresses unless asked for" "$kprobe" \
        '[.process_kprobe.kernel_stack_trace[] | has("address")] | any' false
check "user stack of the write: libc's write first" "$kprobe" \
        '.process_kprobe.user_stack_trace[0].module | test("/libc\\.so\\.6$")' true
check "uprobe: the user stack's first frame is the program's function" "$uprobe" \
        '.process_uprobe.user_stack_trace[0].symbol' tg_stack_target
check "uprobe: in the program" "$uprobe" '.process_uprobe.user_stack_trace[0].module' "$target"
check "uprobe: no kernel stack was asked for" "$uprobe" '.process_uprobe | has("kernel_stack_trace")' false

# tetractl getevents prints the stacks after the compact line, as tetra does, unless told not to
# (stdin from /dev/null: getevents reads a pipe there as tetra does, and make -j2 gives one).
out=$("$top_builddir/tetractl" getevents -e process_uprobe --pid "$target_pid" </dev/null)
[ "$(sed -n 2p <<<"$out")" = "User:" ] || fail "no User: line after the uprobe's line: $out"
case "$(sed -n 3p <<<"$out")" in
"   tg_stack_target ($target+0x"*")") echo "ok: tetractl prints the user frame" ;;
*) fail "tetractl's user frame: $out" ;;
esac
out=$("$top_builddir/tetractl" getevents -e process_uprobe --pid "$target_pid" --stack-traces=false </dev/null)
[ "$(wc -l <<<"$out")" = 1 ] || fail "--stack-traces=false still prints stacks: $out"
echo "ok: --stack-traces=false prints the line alone"

# With --expose-stack-addresses, the addresses too: the uprobe's is the function's own.
kill "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
testenv_start_daemon --policy-dir "$work/policies" --expose-stack-addresses
run_target
wait_for 60 "the events with addresses" has_both || fail "no events with --expose-stack-addresses"
uprobe=$(events_of process_uprobe | sed -n 1p)
release_target
address=$(jq -r '.process_uprobe.user_stack_trace[0].address' <<<"$uprobe")
[[ "$address" =~ ^[0-9]+$ ]] || fail "no address with --expose-stack-addresses: $uprobe"
echo "ok: --expose-stack-addresses adds the address ($address)"
