#!/bin/bash
# Issue 12: the configuration, as Tetragon reads it. Every place sets every
# kind of setting, each place overrides the ones before it, Tetragon's names
# work as aliases, a bad value stops the start with one line naming the place
# and the setting, and a bad file at reload keeps the configuration in force.
# vmtest-host-only: user space only (the configuration's places and precedence), the same on every kernel; make check runs it
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
testenv_start_journald

d=$top_builddir/tetragond
root=$TESTENV_DIR/root
# Our extension: the default places are read under this folder, never the real /etc.
export TETRAGOND_CONFIG_ROOT=$root
vendor=$root/usr/lib/tetragon/tetragon.conf.d
local_vendor=$root/usr/local/lib/tetragon/tetragon.conf.d
yaml=$root/etc/tetragon/tetragon.yaml
etc_d=$root/etc/tetragon/tetragon.conf.d
dir=$TESTENV_DIR/config-dir
mkdir -p "$vendor" "$local_vendor" "$etc_d" "$dir"

# setting NAME: its "value  # origin" in --print-config with ARGS.
setting() {
        local name=$1
        shift
        "$d" --print-config "$@" 2>/dev/null | sed -n "s/^$name=//p"
}
expect_setting() { # DESCRIPTION NAME EXPECTED ARGS...
        local what=$1 name=$2 expected=$3 got
        shift 3
        got=$(setting "$name" "$@")
        [ "$got" = "$expected" ] || fail "$what: $name is '$got', expected '$expected'"
        echo "ok: $what"
}

# Nothing anywhere: the defaults.
expect_setting "default export file" export-file "  # default"
expect_setting "default log level" log-level "info  # default"

# Each place alone, with Tetragon's names and ours, for every kind of value.
echo /v/policies >"$vendor/tracing-policy-dir"
expect_setting "/usr/lib conf.d, Tetragon's name" policy-dir "/v/policies  # $vendor/tracing-policy-dir"
echo 16k >"$vendor/rb-size-total"
expect_setting "/usr/lib conf.d, a size with a suffix" rb-size-total "16384  # $vendor/rb-size-total"
printf '%s\n' 5000 >"$vendor/rb-size-total"
expect_setting "a ring buffer size is rounded up to a power of two" rb-size-total \
        "8192  # $vendor/rb-size-total"
rm "$vendor/rb-size-total"
echo 3 >"$local_vendor/export-file-max-size-mb"
expect_setting "/usr/local/lib conf.d, a size in MiB" export-file-max-size \
        "3145728  # $local_vendor/export-file-max-size-mb"
cat >"$yaml" <<'EOF'
# Tetragon's settings, as its packages write them
export-filename: /yaml/events.json
export-file-max-backups: 7
log-level: debug
enable-k8s-api: false
export-denylist: |
  {"event_set": ["PROCESS_EXIT"]}
  {"binary_regex": ["^/usr/bin/true$"]}
EOF
expect_setting "tetragon.yaml, a path" export-file "/yaml/events.json  # $yaml:2:18"
expect_setting "tetragon.yaml, a number" export-file-max-backups "7  # $yaml:3:26"
expect_setting "tetragon.yaml, a level" log-level "debug  # $yaml:4:12"
expect_setting "tetragon.yaml, filter lines" export-denylist \
        "{\"event_set\": [\"PROCESS_EXIT\"]} {\"binary_regex\": [\"^/usr/bin/true$\"]}  # $yaml:6:18"
# The enrichment flags (issue 13) are settings too: from a file, and as a switch alone.
echo base,kprobe >"$etc_d/enable-ancestors"
expect_setting "conf.d, --enable-ancestors" enable-ancestors "base,kprobe  # $etc_d/enable-ancestors"
rm "$etc_d/enable-ancestors"
echo unix >"$vendor/username-metadata"
expect_setting "conf.d, --username-metadata" username-metadata "unix  # $vendor/username-metadata"
rm "$vendor/username-metadata"
expect_setting "a boolean flag alone means true" enable-process-ns "true  # --enable-process-ns" \
        --enable-process-ns
expect_setting "a boolean flag with a value" enable-process-cred \
        "false  # --enable-process-cred" --enable-process-cred=false
expect_setting "a boolean as Go spells it (Tetragon's files)" keep-sensors-on-exit \
        "true  # --keep-sensors-on-exit" --keep-sensors-on-exit=True
# A Tetragon setting we do not have: a warning that names it, not a refusal.
warning=$("$d" --print-config 2>&1 >/dev/null)
[ "$warning" = "$yaml:5:17: Unknown setting enable-k8s-api, ignoring." ] ||
        fail "unknown setting warning: '$warning'"
echo "ok: a Tetragon-only setting is ignored with a warning"

# Precedence: each later place overrides every earlier one.
echo /usr-lib.json >"$vendor/export-filename"
echo /usr-local-lib.json >"$local_vendor/export-file"
expect_setting "tetragon.yaml over both conf.d of /usr" export-file "/yaml/events.json  # $yaml:2:18"
printf '/etc-conf-d.json\n\n' >"$etc_d/export-filename"
expect_setting "/etc conf.d over tetragon.yaml (trailing white space cut)" export-file \
        "/etc-conf-d.json  # $etc_d/export-filename"
echo /config-dir.json >"$dir/export-file"
expect_setting "--config-dir over /etc conf.d" export-file "/config-dir.json  # $dir/export-file" \
        --config-dir "$dir"
expect_setting "the command line over everything" export-file "/cli.json  # --export-filename" \
        --config-dir "$dir" --export-filename=/cli.json
: >"$dir/export-file"
expect_setting "an empty value turns the export file off" export-file "  # $dir/export-file" \
        --config-dir "$dir"
expect_setting "--config-file replaces tetragon.yaml" export-file-max-backups "5  # default" \
        --config-file /dev/null
# A hidden file is an editor's leftover, not a setting.
echo json >"$etc_d/.stdout.swp"
expect_setting "hidden files are skipped" stdout "none  # default"

# Bad values: exit 1, one line with the place and the setting; nothing else set up.
expect_refusal() { # DESCRIPTION EXPECTED ARGS...
        local what=$1 expected=$2 out rc
        shift 2
        out=$("$d" "$@" 2>&1) && rc=0 || rc=$?
        [ "$rc" = 1 ] || fail "$what: exit $rc, expected 1; output: $out"
        [ "$out" = "$expected" ] || fail "$what: output '$out', expected '$expected'"
        echo "ok: $what"
}
mv "$yaml" "$yaml.good"
printf 'log-level: debug\nexport-file-max-backups: many\n' >"$yaml"
expect_refusal "a bad number in tetragon.yaml" \
        "$yaml:2:26: Invalid export-file-max-backups: many (0 to 1000)" --print-config
printf 'stdout: [json]\n' >"$yaml"
expect_refusal "a list where a value belongs" "$yaml:1:9: Invalid stdout: expected a single value." \
        --print-config
printf 'stdout: json\n  bad indent: 1\n' >"$yaml"
out=$("$d" --print-config 2>&1) && fail "a YAML syntax error was accepted: $out"
[[ $out == "$yaml:2:"* ]] || fail "a YAML syntax error does not name its line: $out"
echo "ok: a YAML syntax error names its line"
printf 'config-dir: /x\n' >"$yaml"
expect_refusal "config-dir in a file" "$yaml:1:13: config-dir can only be given on the command line." \
        --print-config
mv "$yaml.good" "$yaml"
echo loud >"$etc_d/log-level"
expect_refusal "a bad level in a conf.d file" "$etc_d/log-level: Invalid log-level: loud" --print-config
rm "$etc_d/log-level"
echo '{"pod_regex": ["^web"]}' >"$dir/export-allowlist"
expect_refusal "a Kubernetes-only filter key" \
        "$dir/export-allowlist: Invalid export-allowlist: line 1: pod_regex is not supported: it is about Kubernetes pods and containers, which a host daemon does not know" \
        --config-dir "$dir" --print-config
rm "$dir/export-allowlist"
expect_refusal "a bad regex on the command line" \
        "Invalid --export-denylist: line 2: binary_regex: \"(\": missing closing parenthesis at offset 1" \
        --export-denylist="$(printf '{"pid": [1]}\n{"binary_regex": ["("]}')" --print-config
expect_refusal "an unknown capability" \
        "Invalid --export-denylist: line 1: capabilities: effective: any: unknown capability CAP_FLY" \
        --export-denylist='{"capabilities": {"effective": {"any": ["CAP_FLY"]}}}' --print-config
# The real start refuses the same way, before loading anything; its line goes to the journal.
echo 12 >"$etc_d/process-cache-size"
"$d" >"$TESTENV_DIR/refused.out" 2>&1 && fail "tetragond started with a bad value"
refused_logged() {
        journal -t tetragond -o cat | grep -Fx \
                "$etc_d/process-cache-size: Invalid process-cache-size: 12 (64 to 16777216)" >/dev/null
}
wait_for 10 "the refusal in the journal" refused_logged ||
        fail "no refusal line: $(journal -t tetragond -o cat | tail -3)"
echo "ok: a bad value stops the start with one line"
rm "$etc_d/process-cache-size"

# Reload: what can change at run time changes, what cannot says so, a bad file changes nothing.
rm -f "$vendor"/* "$local_vendor"/* "$etc_d"/* "$dir"/* "$yaml"
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
testenv_start_daemon --config-dir "$dir" --policy-dir "$policies" \
        --export-file "$TESTENV_DIR/events.json" --rb-size-total 1M
log_has() { journal -t tetragond _PID="$TESTENV_DAEMON_PID" -o cat | grep -F -- "$1" >/dev/null; }
reload() { kill -HUP "$TESTENV_DAEMON_PID"; }

echo debug >"$dir/log-level"
echo /elsewhere >"$dir/procfs"
echo true >"$dir/enable-process-environment-variables"
reload
wait_for 20 "the reload's log-level line" log_has "Setting log-level changed ($dir/log-level)." ||
        fail "no log-level change logged: $(journal -t tetragond -o cat | tail)"
wait_for 5 "the restart notice" \
        log_has "Setting procfs changed ($dir/procfs); it takes effect when tetragond restarts." ||
        fail "no restart notice for procfs"
wait_for 5 "the restart notice of an enrichment flag" \
        log_has "Setting enable-process-environment-variables changed ($dir/enable-process-environment-variables); it takes effect when tetragond restarts." ||
        fail "no restart notice for enable-process-environment-variables"
echo "ok: reload applies log-level and says procfs and the enrichment flags need a restart"

# A denylist set at reload drops what it names from then on.
tag=tg$$x$RANDOM
cp /bin/true "$TESTENV_DIR/$tag-deny"
cp /bin/true "$TESTENV_DIR/$tag-keep"
echo "{\"binary_regex\": [\"/$tag-deny\$\"]}" >"$dir/export-denylist"
reload
wait_for 20 "the denylist to change" log_has "Setting export-denylist changed ($dir/export-denylist)." ||
        fail "the denylist was not applied at reload"

echo '{"binary_regex": [' >"$dir/export-denylist"
reload
wait_for 20 "the refusal at reload" \
        log_has "$dir/export-denylist: Invalid export-denylist: line 1: '[' or '{' expected near end of file; keeping the configuration in force." ||
        fail "bad filter at reload not refused: $(journal -t tetragond -o cat | tail)"
kill -0 "$TESTENV_DAEMON_PID" || fail "tetragond died on a bad configuration at reload"

# The previous denylist is still in force. One ring buffer keeps order: once the later exec
# is exported, the earlier one would have been too.
"$TESTENV_DIR/$tag-deny"
"$TESTENV_DIR/$tag-keep"
in_export() { # BINARY: an exec of it was exported
        jq -r '.process_exec.process.binary // empty' "$TESTENV_DIR/events.json" | grep -Fx -- "$1" >/dev/null
}
wait_for 20 "the kept binary's exec" in_export "$TESTENV_DIR/$tag-keep" ||
        fail "no event after a refused reload"
! in_export "$TESTENV_DIR/$tag-deny" || fail "the denylist in force before the bad reload was lost"
echo "ok: a bad file at reload is refused, the configuration in force stays whole"
