#!/bin/bash
# Issue 5: the watched policy folder, end to end, observed through the D-Bus state, the
# journal and the policies' own events: a new file takes effect; an editor's atomic rename
# over a file takes effect; a deletion removes the policy and its hooks; an invalid edit
# keeps the last valid version in force (it still fires) and reports FILE:LINE:COL; a file
# with bad ownership or mode is refused with the reason; the folder replaced is read again;
# SIGHUP reloads. Every policy hooks sync(2) of one trigger binary and posts an event, so
# "in force" is checked in the kernel, not only in the daemon's state.
set -eu
. "$top_srcdir/tests/lib/testenv.sh"
. "$top_srcdir/tests/lib/bus.sh"
testenv_enter_namespace "$@"
command -v jq >/dev/null || skip "jq is not installed"
testenv_start_journald
bus_start

MESSAGE_ID_POLICY_FAILED=7bdedb06384e4b3080d9ffa81ad3374b
MESSAGE_ID_POLICY_REFUSED=adfcba5aa4064138ad4f6c5404519791
MESSAGE_ID_POLICY_REMOVED=e4a9eb320de24b22a67afc64f323c879
MESSAGE_ID_POLICY_RELOAD=9b4b5c5116b944c1b827fe3a8de02c34
policies=$TESTENV_DIR/policies
mkdir -p "$policies"
chmod 0755 "$policies"
# Only this binary's sync(2) matches: nothing else on the machine makes our events.
trigger=$TESTENV_DIR/sync-trigger
cp /bin/sync "$trigger"

policy_text() { # policy_text METADATA-NAME [COMMENT]
        printf '# %s\napiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n  kprobes:\n  - call: sys_sync\n    syscall: true\n    selectors:\n    - matchBinaries:\n      - operator: In\n        values:\n        - "%s"\n      matchActions:\n      - action: Post\n' "${2:-}" "$1" "$trigger"
}
# Like an editor: write beside, then rename over.
atomic_write() { # atomic_write FILE TEXT
        printf '%s' "$2" >"$policies/.$1.swp"
        chmod 0644 "$policies/.$1.swp"
        mv -f "$policies/.$1.swp" "$policies/$1"
}
ok() { echo "ok: $*"; }
state_is() { [ "$(policy_get "$1" State 2>/dev/null)" = "s \"$2\"" ]; }
# In force: loaded, and its hook installed.
loaded() {
        state_is "$1" loaded &&
                [ "$(policy_get "$1" Installed 2>/dev/null)" = 'b true' ] &&
                [[ "$(policy_get "$1" Hooks 2>/dev/null)" =~ ^a\(ss\)\ 1\ \"kprobes\[0\]\ sys_sync\"\ \"[a-z] ]]
}
error_matches() { [[ "$(policy_get "$1" Error 2>/dev/null)" =~ $2 ]]; }
source_has() { policy_get "$1" Source 2>/dev/null | grep -F -- "$2" >/dev/null; }
gone() { [ -z "$(policy_path "$1")" ]; }
journal_has() { [ -n "$(journal -o cat "$@")" ]; }
# The metadata names of the policies that posted an event for process PID, sorted.
fired_policies() { # fired_policies PID
        journal -o json TETRAGON_EVENT=process_kprobe TETRAGON_PID=$1 | jq -r .TETRAGON_POLICY | sort
}
fired_all() { # fired_all PID METADATA-NAMES...
        local pid=$1 name
        shift
        for name in "$@"; do
                fired_policies $pid | grep -x -- "$name" >/dev/null || return 1
        done
}
# fired METADATA-NAMES...: run the trigger, then once more as a barrier; wait until every
# named policy's event of the second run is in the journal; print the names of the policies
# that fired on the first run, sorted. Events reach the journal in the order the kernel queued
# them, so by then every event of the first run is in: one that is missing did not fire.
fired() {
        local pid barrier
        "$trigger" &
        pid=$!
        wait $pid
        "$trigger" &
        barrier=$!
        wait $barrier
        wait_for 10 "the events of $* (pid $barrier)" fired_all $barrier "$@" || true
        fired_policies $pid | tr '\n' ' '
}

policy_text one v1 >"$policies/one.yaml"
testenv_start_daemon --policy-dir "$policies" --state-dir "$TESTENV_DIR/state"
wait_for 10 "io.tetragond1 on the bus" daemon_on_bus || fail "the daemon did not take its bus name"
loaded one || fail "one.yaml was not loaded at start: $(policy_get one State) $(policy_get one Error)"
[ "$(fired one)" = "one " ] || fail "one.yaml's hook did not fire"
ok "a policy present at start is loaded, and fires"

# A new file.
policy_text two v1 >"$policies/two.yaml"
wait_for 5 "two.yaml to be loaded" loaded two || fail "a new file was not picked up: $(policy_get two Error)"
[ "$(fired one two)" = "one two " ] || fail "two.yaml's hook did not fire"
ok "a new file takes effect"

# Editor leftovers do nothing.
policy_text ghost >"$policies/two.yaml~"
policy_text ghost >"$policies/.two.yaml.swp"
policy_text ghost >"$policies/#two.yaml#"
policy_text ghost >"$policies/two.yaml.dpkg-new"

# An atomic rename over an existing file.
atomic_write one.yaml "$(policy_text one v2-renamed)"
wait_for 5 "one.yaml v2" source_has one v2-renamed || fail "an atomic rename over a file was not picked up"
loaded one || fail "one.yaml v2 is not in force: $(policy_get one State) $(policy_get one Error)"
ok "an atomic rename over a file takes effect"

# An invalid edit: the last valid version stays in force, the error says where.
atomic_write one.yaml "$(printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: one\nspec:\n  tracepoints:\n  - subsystem: syscalls\n    evnt: sys_enter_write\n')"
wait_for 5 "the invalid edit to be reported" error_matches one "^s \"$policies/one.yaml:8:5: error: " ||
        fail "an invalid edit was not reported with its position: $(policy_get one Error)"
[ "$(policy_get one State)" = 's "failed"' ] || fail "an invalid edit did not fail"
[ "$(policy_get one PolicyNames)" = 'as 1 "one"' ] || fail "the last valid version's names were lost"
[ "$(policy_get one Installed)" = 'b true' ] || fail "an invalid edit took the last valid version out"
[[ "$(policy_get one Hooks)" =~ ^a\(ss\)\ 1\ \"kprobes\[0\]\ sys_sync\" ]] ||
        fail "the last valid version's hooks are not reported: $(policy_get one Hooks)"
wait_for 5 "the journal entry" journal_has MESSAGE_ID=$MESSAGE_ID_POLICY_FAILED TETRAGON_POLICY=one \
        --grep "one.yaml:8:5: error: " || fail "no journal entry for the invalid edit"
journal_has MESSAGE_ID=$MESSAGE_ID_POLICY_FAILED TETRAGON_POLICY=one \
        --grep "the previous version stays in force\.$" ||
        fail "the journal does not say the previous version stays: $(journal -o cat TETRAGON_POLICY=one)"
[ "$(fired one two)" = "one two " ] || fail "the last valid version of one.yaml no longer fires"
ok "an invalid edit is reported as FILE:LINE:COL, in the state and the journal, and the last valid version still fires"
[ "$(busctl --system --json=short call io.tetragond1 /io/tetragond1 io.tetragond1.Manager \
        ListPolicies | jq -c '[.data[0][][0]]')" = '["one","two"]' ] || fail "editor leftovers became policies"
ok "editor leftovers are ignored"

# Fixed again.
atomic_write one.yaml "$(policy_text one v3-fixed)"
wait_for 5 "one.yaml fixed" loaded one || fail "the fix was not picked up: $(policy_get one Error)"
source_has one v3-fixed || fail "the fixed version is not the one in force"
[ "$(policy_get one Error)" = 's ""' ] || fail "the fix did not clear the error"
ok "a fixed file is loaded again"

# Bad mode, then bad ownership: refused with the reason; what was in force stays.
chmod 0666 "$policies/two.yaml"
wait_for 5 "two.yaml refused" error_matches two "is writable by group and others \(mode 0666\)" ||
        fail "a world-writable file was not refused: $(policy_get two Error)"
wait_for 5 "the refusal in the journal" journal_has MESSAGE_ID=$MESSAGE_ID_POLICY_REFUSED TETRAGON_POLICY=two ||
        fail "no journal entry for the refusal"
[ "$(policy_get two State) $(policy_get two Installed)" = 's "failed" b true' ] ||
        fail "a refused file took the version in force out: $(policy_get two State) $(policy_get two Installed)"
ok "a file writable by others is refused, with the reason; its last trusted version stays"
chmod 0644 "$policies/two.yaml"
wait_for 5 "two.yaml accepted again" loaded two || fail "the mode fix was not picked up: $(policy_get two Error)"
chown nobody "$policies/two.yaml"
wait_for 5 "two.yaml refused" error_matches two "is owned by uid 65534, not root" ||
        fail "a file owned by nobody was not refused: $(policy_get two Error)"
ok "a file not owned by root is refused, with the reason"
chown root "$policies/two.yaml"
wait_for 5 "two.yaml accepted again" loaded two || fail "the owner fix was not picked up: $(policy_get two Error)"

# A symlink to a file outside: followed when trusted, refused when not.
mkdir -p "$TESTENV_DIR/store"
chmod 0755 "$TESTENV_DIR/store"
policy_text linked >"$TESTENV_DIR/store/linked.yaml"
ln -s "$TESTENV_DIR/store/linked.yaml" "$policies/linked.yaml"
wait_for 5 "linked.yaml" loaded linked || fail "a trusted symlink was not followed: $(policy_get linked Error)"
ok "a symlink to a trusted file is followed"
chmod 0777 "$TESTENV_DIR/store"
# The watch does not see the target's folder: a reload reads everything again.
busctl --system call io.tetragond1 /io/tetragond1 io.tetragond1.Manager Reload >/dev/null
error_matches linked "/store is writable by group and others \(mode 0777\)" || fail "a symlink into an open folder was not refused: $(policy_get linked Error)"
state_is linked failed || fail "a symlink into an open folder did not fail"
ok "a symlink into a folder others may write is refused"
rm "$policies/linked.yaml"
wait_for 5 "linked to go" gone linked || fail "a deleted symlink's policy stayed"

# A deletion: the policy goes, and so do its hooks.
rm "$policies/two.yaml"
wait_for 5 "two to go" gone two || fail "a deleted file's policy stayed"
wait_for 5 "the removal in the journal" journal_has MESSAGE_ID=$MESSAGE_ID_POLICY_REMOVED TETRAGON_POLICY=two ||
        fail "no journal entry for the removal"
fired=$(fired one)
[ "$fired" = "one " ] || fail "after two.yaml was deleted, these policies fired: $fired"
ok "a deletion removes the policy and its hooks"

# Renamed away (e.g. to .disabled): removed too.
mv "$policies/one.yaml" "$policies/one.yaml.disabled"
wait_for 5 "one to go" gone one || fail "a file renamed away kept its policy"
ok "a file renamed out of the policy names removes the policy"

# The folder replaced by another one.
mkdir "$TESTENV_DIR/policies.new"
chmod 0755 "$TESTENV_DIR/policies.new"
policy_text three >"$TESTENV_DIR/policies.new/three.yaml"
mv "$policies" "$TESTENV_DIR/policies.old"
mv "$TESTENV_DIR/policies.new" "$policies"
wait_for 5 "three from the new folder" loaded three || fail "a replaced folder was not read"
ok "a replaced folder is read again"
policy_text four >"$policies/four.yaml"
wait_for 5 "four in the new folder" loaded four || fail "the new folder is not watched"
[ "$(fired three four)" = "four three " ] || fail "the new folder's policies do not fire"
ok "the replacement folder is watched"

# The folder made writable by others: nothing new is trusted, what is there stays.
chmod 0777 "$policies"
wait_for 5 "the folder refused" error_matches four "writable by group and others \(mode 0777\)" ||
        fail "an open folder was not refused: $(policy_get four Error)"
[ "$(policy_get four Installed)" = 'b true' ] || fail "an open folder took its policies out"
# A negative: wait until the watch handled the new file (the folder refused once more).
refusals() { journal -o cat MESSAGE_ID=$MESSAGE_ID_POLICY_REFUSED --grep "Policy folder refused" | wc -l; }
before=$(refusals)
policy_text five >"$policies/five.yaml"
more_refusals() { [ "$(refusals)" -gt "$before" ]; }
wait_for 5 "the watch to handle five.yaml" more_refusals || fail "the new file was not handled"
[ -z "$(policy_path five)" ] || fail "a file of an open folder was loaded"
[ "$(fired three four)" = "four three " ] || fail "a file of an open folder fired"
ok "a folder writable by others is refused, with the reason; what was in force stays"
chmod 0755 "$policies"
wait_for 5 "five once the folder is fixed" loaded five ||
        fail "five.yaml was not loaded once the folder was fixed"
[ "$(fired five four three)" = "five four three " ] || fail "five.yaml does not fire"
ok "the folder fixed, its files are loaded"

# SIGHUP reloads the whole folder.
before=$(journal -o cat MESSAGE_ID=$MESSAGE_ID_POLICY_RELOAD | wc -l)
kill -HUP "$TESTENV_DAEMON_PID"
reloaded() { [ "$(journal -o cat MESSAGE_ID=$MESSAGE_ID_POLICY_RELOAD | wc -l)" -gt "$before" ]; }
wait_for 5 "the reload after SIGHUP" reloaded || fail "SIGHUP did not reload"
kill -0 "$TESTENV_DAEMON_PID" || fail "SIGHUP killed the daemon"
last_reload=$(journal -o cat MESSAGE_ID=$MESSAGE_ID_POLICY_RELOAD | tail -n 1)
[[ "$last_reload" =~ ": 0 added, 0 changed, 0 removed, 3 unchanged, 0 failed."$ ]] ||
        fail "SIGHUP's reload did not leave the three policies as they were: $last_reload"
for name in three four five; do
        loaded $name || fail "$name is not in force after SIGHUP"
done
ok "SIGHUP reloads"
