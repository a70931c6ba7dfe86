#!/bin/bash
# Issue 5: the journal message catalog has an entry for every MESSAGE_ID the daemon uses
# (daemon/message-ids.h, daemon/policy-registry.h), and journalctl accepts it.
set -eu
: "${top_srcdir:?}"
catalog=$top_srcdir/systemd/tetragond.catalog

ids=$( {
        sed -n 's/.*SD_ID128_MAKE_STR(\(.*\)).*/\1/p' "$top_srcdir/daemon/message-ids.h" | tr -d ' ,'
        sed -n 's/^#define MESSAGE_ID_[A-Z_]* "\([0-9a-f]\{32\}\)"$/\1/p' "$top_srcdir/daemon/policy-registry.h"
} | sort -u)
[ "$(wc -l <<<"$ids")" -ge 12 ] || { echo "FAIL: found too few MESSAGE_IDs: $ids" >&2; exit 1; }
for id in $ids; do
        grep -q "^-- $id\$" "$catalog" || { echo "FAIL: $id has no entry in $catalog" >&2; exit 1; }
done
echo "ok: every MESSAGE_ID has a catalog entry"

command -v journalctl >/dev/null || { echo "SKIP (part): no journalctl"; exit 0; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/"
journalctl --root="$root" --update-catalog
listed=$(journalctl --root="$root" --list-catalog)
for id in $ids; do
        grep -q "^$id tetragond: " <<<"$listed" || { echo "FAIL: journalctl does not list $id" >&2; exit 1; }
done
echo "ok: journalctl --update-catalog takes it, every entry listed"
