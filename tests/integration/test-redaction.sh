#!/bin/bash
# Issue 12: --redaction-filters. A password on a command line, or in an environment variable
# (--enable-process-environment-variables, issue 13), reaches no sink (journal, export file,
# stdout), neither for a new process nor for one that ran before the daemon; "*****" stands
# where it was.
# vmtest-host-only: user space only (the stream's redaction), the same on every kernel; make check runs it
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
export TETRAGOND_CONFIG_ROOT=$TESTENV_DIR/root # never the real /etc

# The secret is never written whole in this script's own command lines (they are events too):
# "hunte[r]2" finds it without being it.
secret_re='hunte[r]2'
tag=tg$$x$RANDOM
sh_copy=$TESTENV_DIR/$tag-sh
cp /bin/sh "$sh_copy"
policies=$TESTENV_DIR/policies
events=$TESTENV_DIR/events.json
mkdir -p "$policies"

# Already running when the daemon starts: its arguments come from /proc.
"$sh_copy" -c 'read -r _' early "--password=hunter$((1 + 1))" < <(sleep 600) &
early=$!

filters='{"binary_regex": ["(^|/)(sh|dash|tg[0-9x]+-sh)$"], "redact": ["--password(?:\\s+|=)(\\S+)"]}'
filters+=$'\n{"redact": ["token=(\\\\w+)"]}'
filters+=$'\n{"redact": ["SECRET_PASSWORD=(\\\\S+)"]}'
testenv_start_daemon --policy-dir "$policies" --export-file "$events" --stdout json \
        --redaction-filters "$filters" --enable-process-environment-variables

# A new process, with the password in its arguments and in an environment variable.
SECRET_PASSWORD="hunter$((1 + 1))" "$sh_copy" -c "echo --password=hunter$((1 + 1)) >/dev/null" x
"$sh_copy" -c ': token=hunter2x' # the second line, without binary_regex
kill "$early"
wait "$early" 2>/dev/null || true

exported_args() { # BINARY EVENT: the arguments of its events in the export file
        jq -r --arg b "$1" "select(.$2.process.binary == \$b) | .$2.process.arguments" "$events"
}
have_all() {
        [ "$(exported_args "$sh_copy" process_exec | wc -l)" -ge 2 ] &&
                [ "$(exported_args "$sh_copy" process_exit | wc -l)" -ge 3 ]
}
wait_for 20 "the shells' events" have_all || fail "events missing: $(cat "$events" | tail -3)"

check_args() { # DESCRIPTION EVENT EXPECTED
        exported_args "$sh_copy" "$2" | grep -Fx -- "$3" >/dev/null ||
                fail "$1: no $2 with arguments '$3' in: $(exported_args "$sh_copy" "$2")"
        echo "ok: $1"
}
check_args "a new process's password" process_exec '-c "echo --password=***** >/dev/null" x'
check_args "the second filter, for any binary" process_exec '-c ": token=*****"'
check_args "a process read from /proc" process_exit '-c "read -r _" early --password=*****'
check_args "an exit event carries the redacted arguments" process_exit \
        '-c "echo --password=***** >/dev/null" x'
secret_env=$(jq -r --arg b "$sh_copy" 'select(.process_exec.process.binary == $b) |
        .process_exec.process.environment_variables // [] | .[] |
        select(.Key == "SECRET_PASSWORD") | .Value' "$events")
[ "$secret_env" = "*****" ] || fail "SECRET_PASSWORD in the exec event: '$secret_env'"
echo "ok: an environment variable is redacted by the same filters"

# Nowhere whole: not in the export file, the journal (every field), or stdout.
! grep -E -- "$secret_re" "$events" >/dev/null || fail "the secret is in the export file"
! journal -o export | grep -aE -- "$secret_re" >/dev/null || fail "the secret is in the journal"
! grep -E -- "$secret_re" "$TESTENV_DIR/daemon.out" >/dev/null || fail "the secret is on stdout"
grep -F -- '--password=*****' "$TESTENV_DIR/daemon.out" >/dev/null || fail "stdout shows no *****"
[ -n "$(journal TETRAGON_BINARY="$sh_copy" -o export | grep -aF -- '--password=*****')" ] ||
        fail "the journal shows no *****"
echo "ok: the secret reaches no sink, ***** does"

# A filter without a capture group would redact nothing: refused with a sentence.
out=$("$top_builddir/tetragond" --print-config --redaction-filters '{"redact": ["--password=\\S+"]}' 2>&1) &&
        fail "a redact regex without a group was accepted"
[ "$out" = "Invalid --redaction-filters: line 1: redact: regex 1 has no capture group: only capture groups are redacted" ] ||
        fail "unexpected refusal: $out"
echo "ok: a redact regex without a capture group is refused"
