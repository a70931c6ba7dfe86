#!/bin/bash
# Issue 13, end to end: what the process object says beyond the basics. Set-ID and
# file-capability binaries, a binary from a memfd and from a deleted file, the
# ancestors of a 4-deep chain whose root ran before the daemon, namespaces after
# unshare, user names from the user database file, the environment, filtered.
set -euo pipefail
. "$top_srcdir/tests/lib/testenv.sh"
testenv_enter_namespace "$@"
command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
testenv_start_journald

work=$TESTENV_DIR/work
mkdir -p "$work"
chmod 755 "$TESTENV_DIR" "$work" # the test user runs binaries from here
tag=tg$$x$RANDOM
test_uid=4242
cp /bin/sh "$work/$tag-sh"
cp /bin/true "$work/$tag-leaf"
cp /usr/bin/id "$work/$tag-suid"
chmod u+s "$work/$tag-suid"
cp /bin/true "$work/$tag-cap"
setcap cap_net_raw+ep "$work/$tag-cap"
cp /bin/true "$work/$tag-deleted"
cp /bin/true "$work/$tag-env"

# The daemon reads the user database file itself: a test user only in our namespace.
cp /etc/passwd "$work/passwd"
echo "$tag-user:x:$test_uid:$test_uid::/nonexistent:/usr/sbin/nologin" >>"$work/passwd"
mount --bind "$work/passwd" /etc/passwd

# The root of the chain runs before the daemon, waiting for its go.
mkfifo "$work/go"
"$work/$tag-sh" -c "read x <'$work/go'; '$work/$tag-sh' -c \"'$work/$tag-sh' -c '$work/$tag-leaf; exit 0'; exit 0\"; exit 0" &
early_pid=$!

# Some of the flags from the configuration's files, as a Tetragon user would set them
# (never the real /etc): they are settings like the others.
export TETRAGOND_CONFIG_ROOT=$TESTENV_DIR/root
mkdir -p "$TETRAGOND_CONFIG_ROOT/etc/tetragon/tetragon.conf.d"
printf '%s\n' 'enable-process-ns: true' 'filter-environment-variables: TG_KEEP,HOME' \
        >"$TETRAGOND_CONFIG_ROOT/etc/tetragon/tetragon.yaml"
echo unix >"$TETRAGOND_CONFIG_ROOT/etc/tetragon/tetragon.conf.d/username-metadata"
testenv_start_daemon --export-file "$TESTENV_DIR/events.json" --export-file-max-size 0 --policy-dir "$work" \
        --enable-ancestors base --enable-process-cred --enable-process-environment-variables

echo go >"$work/go"
wait "$early_pid"
setpriv --reuid=$test_uid --regid=$test_uid --clear-groups "$work/$tag-suid" >/dev/null
setpriv --reuid=$test_uid --regid=$test_uid --clear-groups "$work/$tag-cap"
python3 -c '
import os, sys
data = open("/bin/true", "rb").read()
fd = os.memfd_create("tg-memfd")
os.write(fd, data)
os.execve(fd, ["tg-memfd", sys.argv[1]], {})' "$tag-memfd"
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.unlink(sys.argv[1])
os.execve(fd, [sys.argv[1]], {})' "$work/$tag-deleted"
unshare --pid --mount --uts --fork "$work/$tag-leaf" "$tag-in-ns"
TG_KEEP="kept value" TG_DROP=secret "$work/$tag-env"

# Every line that names this test's tag: with ancestors on, the whole host's events are big.
events() { grep -F -- "$tag" "$TESTENV_DIR/events.json" | jq -c "select(.process_exec and ($1))" 2>/dev/null; }
event() { # event DESCRIPTION JQ-CONDITION: the first process_exec matching, or fail
        local e
        wait_for 20 "$1" has_event "$2" || fail "no process_exec for $1"
        e=$(events "$2" | head -1)
        printf '%s\n' "$e"
}
has_event() { [ -n "$(events "$1")" ]; }
check() { # check DESCRIPTION JSON JQ-EXPRESSION EXPECTED
        local got
        got=$(jq -r "$3" <<<"$2")
        [ "$got" = "$4" ] || fail "$1: expected '$4', got '$got' in $2"
        echo "ok: $1 = $4"
}

# Set-user-ID root, run by the test user.
e=$(event "the setuid binary" ".process_exec.process.binary == \"$work/$tag-suid\"")
check "setuid: binary_properties.setuid" "$e" '.process_exec.process.binary_properties.setuid' 0
check "setuid: privileges_changed" "$e" '.process_exec.process.binary_properties.privileges_changed | join(",")' \
        PRIVILEGES_RAISED_EXEC_FILE_SETUID
check "setuid: real uid" "$e" '.process_exec.process.process_credentials.uid' $test_uid
check "setuid: effective uid" "$e" '.process_exec.process.process_credentials.euid' 0
check "setuid: user name of the effective uid" "$e" '.process_exec.process.user.name' root

# A file capability, run by the test user.
e=$(event "the setcap binary" ".process_exec.process.binary == \"$work/$tag-cap\"")
check "file cap: privileges_changed" "$e" '.process_exec.process.binary_properties.privileges_changed | join(",")' \
        PRIVILEGES_RAISED_EXEC_FILE_CAP
check "file cap: no setuid" "$e" '.process_exec.process.binary_properties | has("setuid")' false
check "file cap: permitted" "$e" '.process_exec.process.cap.permitted | join(",")' CAP_NET_RAW
check "file cap: effective" "$e" '.process_exec.process.cap.effective | join(",")' CAP_NET_RAW
check "file cap: user name of the test user" "$e" '.process_exec.process.user.name' "$tag-user"
check "file cap: uid" "$e" '.process_exec.process.uid' $test_uid

# From a memfd and from a deleted file: no path on disk, links 0.
e=$(event "the memfd binary" ".process_exec.process.arguments == \"$tag-memfd\"")
check "memfd: file links" "$e" '.process_exec.process.binary_properties.file.inode.links' 0
check "memfd: file inode" "$e" '.process_exec.process.binary_properties.file.inode.number | tonumber > 0' true
check "memfd: binary names the memfd" "$e" '.process_exec.process.binary | test("memfd:tg-memfd")' true
e=$(event "the deleted binary" ".process_exec.process.binary | startswith(\"$work/$tag-deleted\")")
check "deleted: file links" "$e" '.process_exec.process.binary_properties.file.inode.links' 0
check "deleted: file path" "$e" '.process_exec.process.binary_properties.file.path | startswith("'"$work/$tag-deleted"'")' true
e=$(event "an ordinary binary" ".process_exec.process.binary == \"$work/$tag-env\"")
check "ordinary: no binary_properties" "$e" '.process_exec.process | has("binary_properties")' false

# The 4-deep chain: leaf <- sh <- sh <- the early sh (from /proc) <- this shell.
e=$(event "the leaf of the chain" ".process_exec.process.binary == \"$work/$tag-leaf\" and (.process_exec.process.arguments // \"\") == \"\"")
check "chain: parent is a shell" "$e" '.process_exec.parent.binary' "$work/$tag-sh"
check "chain: first ancestor is a shell" "$e" '.process_exec.ancestors[0].binary' "$work/$tag-sh"
check "chain: first ancestor is the parent's parent" "$e" \
        '.process_exec.ancestors[0].exec_id == .process_exec.parent.parent_exec_id' true
check "chain: second ancestor is the early root" "$e" '.process_exec.ancestors[1].pid' "$early_pid"
check "chain: the early root came from /proc" "$e" '.process_exec.ancestors[1].flags | test("procFS")' true
check "chain: then this shell" "$e" '.process_exec.ancestors[2].pid' "$$"
check "chain: each ancestor's parent is the next" "$e" \
        '[.process_exec.ancestors as $a | range(0; ($a | length) - 1) | $a[.].parent_exec_id == $a[. + 1].exec_id] | all' true

# Namespaces: the host's, and new ones after unshare.
check "host: pid namespace is the host's" "$e" '.process_exec.process.ns.pid.is_host' true
check "host: mnt namespace inode" "$e" '.process_exec.process.ns.mnt.inum > 0' true
check "host: no in_init_tree" "$e" '.process_exec.process | has("in_init_tree")' false
e=$(event "the binary in new namespaces" ".process_exec.process.arguments == \"$tag-in-ns\"")
host_pidns=$(readlink /proc/self/ns/pid | tr -dc 0-9)
check "unshare: pid namespace is not the host's" "$e" '.process_exec.process.ns.pid | has("is_host")' false
check "unshare: pid namespace inode differs" "$e" ".process_exec.process.ns.pid.inum != $host_pidns" true
check "unshare: uts namespace is not the host's" "$e" '.process_exec.process.ns.uts | has("is_host")' false
check "unshare: net namespace is the host's" "$e" '.process_exec.process.ns.net.is_host' true
check "unshare: pid 1 of its namespace is in its init tree" "$e" '.process_exec.process.in_init_tree' true

# Environment: only the variables the filter names.
e=$(event "the env binary" ".process_exec.process.binary == \"$work/$tag-env\"")
check "env: the kept variable" "$e" \
        '.process_exec.process.environment_variables | map(select(.Key == "TG_KEEP")) | .[0].Value' "kept value"
check "env: the filtered one is left out" "$e" \
        '.process_exec.process.environment_variables | map(select(.Key == "TG_DROP")) | length' 0
check "env: root's name" "$e" '.process_exec.process.user.name' root

# The journal entry's own fields: what `journalctl -o verbose` shows without the JSON.
fields=$(journal -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-cap" | sed -n 1p)
check "journal TETRAGON_USER" "$fields" '.TETRAGON_USER' "$tag-user"
check "journal TETRAGON_PRIVILEGES_CHANGED" "$fields" '.TETRAGON_PRIVILEGES_CHANGED' \
        PRIVILEGES_RAISED_EXEC_FILE_CAP
# The leaf without arguments (not the one in a namespace). Its ancestors only in the JSON:
# a field of their pids, unique to each exec, would cost journald a data object each.
fields=$(journal --all -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-leaf" | jq -c 'select((.TETRAGON_JSON | fromjson | .process_exec.process.arguments // "") == "")' | sed -n 1p)
check "journal TETRAGON_JSON ancestors: the early root, then this shell" "$fields" \
        '.TETRAGON_JSON | fromjson | .process_exec.ancestors | map(.pid) | .[1:3] | map(tostring) | join(" ")' "$early_pid $$"
check "journal: no TETRAGON_ANCESTOR_PIDS copy" "$fields" 'has("TETRAGON_ANCESTOR_PIDS")' false

# The compact line of the journal's MESSAGE and of tetractl: Tetragon's trailer for
# CAP_SYS_ADMIN, then ours: the user name and the ancestor chain, parent first.
compact_prefix() { # compact_prefix DESCRIPTION LINE PREFIX
        case "$2" in
        "$3"*) echo "ok: $1" ;;
        *) fail "$1: '$2' does not start with '$3'" ;;
        esac
}
fields=$(journal -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-suid" | sed -n 1p)
compact_prefix "MESSAGE: setuid root holds CAP_SYS_ADMIN, runs as root" "$(jq -r .MESSAGE <<<"$fields")" \
        "🚀 process $work/$tag-suid 🛑 CAP_SYS_ADMIN (user root, ancestors "
fields=$(journal -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-cap" | sed -n 1p)
compact_prefix "MESSAGE: a file capability is no CAP_SYS_ADMIN; the test user" \
        "$(jq -r .MESSAGE <<<"$fields")" "🚀 process $work/$tag-cap (user $tag-user, ancestors "
fields=$(journal --all -o json TETRAGON_EVENT=process_exec TETRAGON_BINARY="$work/$tag-leaf" | jq -c 'select((.TETRAGON_JSON | fromjson | .process_exec.process.arguments // "") == "")' | sed -n 1p)
compact_prefix "MESSAGE: the chain's leaf names its ancestors" "$(jq -r .MESSAGE <<<"$fields")" \
        "🚀 process $work/$tag-leaf 🛑 CAP_SYS_ADMIN (user root, ancestors $tag-sh < $tag-sh < $tag-sh < $(basename "$(readlink /proc/$$/exe)")"
# stdin from /dev/null: getevents reads a pipe on stdin as tetra does, and under make -j2 a
# test's stdin is a pipe.
line=$("$top_builddir/tetractl" getevents -o compact -e process_exec --binary "$work/$tag-cap" </dev/null |
        sed -n 1p)
compact_prefix "tetractl getevents -o compact: the same line" "$line" \
        "🚀 process $work/$tag-cap (user $tag-user, ancestors "

# With ancestors and credentials on, every event of a busy host is tens of KiB, and a daemon
# run under `nice` may be far behind: this test has what it needs, so it does not wait for the
# daemon to drain its backlog before it stops.
kill -KILL "$TESTENV_DAEMON_PID"
wait "$TESTENV_DAEMON_PID" 2>/dev/null || true
TESTENV_DAEMON_PID=
