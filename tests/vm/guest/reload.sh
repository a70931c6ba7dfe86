#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Editing the policy folder of the running service. The daemon watches the folder and applies
# a closed file on its own (checked here too), but defers a file still open for writing (up to
# 5 s after its last write): an edit made with the file held open is what `tetractl reload` or
# `systemctl reload` then applies and reports. A new file is reported as added, an edit as
# changed, a broken edit as failed (exit 1) with the previous version still in force.
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
policy=tetragond-vm-reload
policy_file=/etc/tetragon/policies.d/$policy.yaml

finish() {
        local status=$1

        exec 3>&-
        if [ "$status" -eq 1 ]; then
                echo "--- tetractl show $policy"
                bounded 10 tetractl show "$policy" 2>&1
                journalctl --no-pager -u "$unit" -n 30
        fi
        rm -f "$policy_file" "$policy_file.tmp"
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        exit "$status"
}
trap 'finish $?' EXIT

# policy_text MARKER [ACTION]: a policy posting (or ACTION on) writes to /tmp/MARKER.
policy_text() {
        write_policy_text "$policy" "/tmp/$1" "${2:-Post}"
}

# write_policy MARKER [ACTION]: replaces the file at once; the folder watch applies it.
write_policy() {
        policy_text "$@" > "$policy_file.tmp"
        mv "$policy_file.tmp" "$policy_file"
}

# write_policy_held MARKER: writes the file and keeps it open (fd 3) until release_policy, so
# the folder watch leaves it to an explicit reload.
write_policy_held() {
        exec 3> "$policy_file"
        policy_text "$1" >&3
}

release_policy() {
        exec 3>&-
}

# reload_expect STATUS PATTERN: `tetractl reload` exits STATUS and prints a line matching PATTERN.
reload_expect() {
        local output status=0

        output=$(bounded 60 tetractl reload 2>&1) || status=$?
        echo "$output" | sed 's/^/    /'
        [ "$status" -eq "$1" ] || fail "tetractl reload exited $status, expected $1"
        echo "$output" | grep -Eq "$2" || fail "tetractl reload did not print /$2/"
}

show() {
        bounded 10 tetractl show "$@" "$policy"
}

policy_gone() {
        ! show
}

state_is() {
        show | grep -Eq "^ *State: $1"
}

source_has() {
        show --source | grep -q "/tmp/$1\""
}

reload_summaries() {
        journalctl --no-pager -o cat -u "$unit" --grep "^Policies reloaded from"
}

more_summaries_than() {
        [ "$(reload_summaries | wc -l)" -gt "$1" ]
}

bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
echo "ok: $unit started"

write_policy_held vm-reload-a
reload_expect 0 "^Added: .* $policy( |\$)"
release_policy
state_is loaded || fail "$policy is not loaded after it was added"
source_has vm-reload-a || fail "tetractl show --source does not have the added version"
echo "ok: a new file: added, exit 0, loaded"

reload_expect 0 "0 added, 0 changed, 0 removed, [0-9]+ unchanged, 0 failed"
echo "ok: nothing edited: nothing added or changed, exit 0"

write_policy_held vm-reload-b
reload_expect 0 "^Changed: .* $policy( |\$)"
release_policy
state_is loaded && source_has vm-reload-b || fail "the changed version is not the one loaded"
echo "ok: an edit: changed, exit 0, the new version loaded"

# SIGHUP: systemctl returns once it is sent; the daemon logs a summary when it has re-read.
summaries_before=$(reload_summaries | wc -l)
write_policy_held vm-reload-c
bounded 60 systemctl reload "$unit" || fail "systemctl reload $unit failed"
wait_until 30 more_summaries_than "$summaries_before" ||
        fail "no \"Policies reloaded\" line in the journal within 30s of systemctl reload"
release_policy
summary=$(reload_summaries | tail -n 1)
echo "    $summary"
[[ "$summary" == *": 0 added, 1 changed"* ]] ||
        fail "systemctl reload did not report the edit as changed"
state_is loaded && source_has vm-reload-c || fail "systemctl reload did not load the edit"
echo "ok: systemctl reload re-read the folder, the edit changed"

write_policy vm-reload-d
wait_until 30 source_has vm-reload-d || fail "the folder watch did not apply an edit within 30s"
state_is loaded || fail "$policy is not loaded after the folder watch applied the edit"
echo "ok: a closed edit applies without a reload (folder watch)"

# A failed policy is retried on every reload: the failure is reported whoever read it first.
write_policy vm-reload-e NoSuchAction
reload_expect 1 "^Failed: +$policy: "
state_is "failed \(an older version stays in force\)" ||
        fail "after a broken edit: $(show | grep State:), expected failed, old version in force"
show -o json | grep -Eq '"installed": *true' || fail "tetractl show -o json: installed is not true"
echo "ok: a broken edit: failed, exit 1, the previous version stays in force"

rm -f "$policy_file"
wait_until 30 policy_gone || fail "tetractl show still finds $policy 30s after its file was removed"
reload_expect 0 " 0 failed\.$"
echo "ok: a removed file: gone, reload exit 0"
