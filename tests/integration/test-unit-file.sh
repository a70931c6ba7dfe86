#!/bin/bash
# Issue 5: the service unit as built passes `systemd-analyze verify`, and its exposure as
# `systemd-analyze security` rates it stays "OK" (below 3.0) however it is edited.
set -eu
: "${top_builddir:?}"
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }

unit=$top_builddir/systemd/tetragond.service
[ -f "$unit" ] || { echo "FAIL: $unit was not built" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# verify checks that ExecStart= exists: point it at the daemon just built.
sed "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/tetragond|" "$unit" >"$dir/tetragond.service"

out=$(systemd-analyze verify --man=no "$dir/tetragond.service" 2>&1) || {
        echo "FAIL: systemd-analyze verify: $out" >&2
        exit 1
}
[ -z "$out" ] || { echo "FAIL: systemd-analyze verify is not silent: $out" >&2; exit 1; }
echo "ok: systemd-analyze verify is clean"

out=$(systemd-analyze security --offline=yes --threshold=30 "$dir/tetragond.service" 2>&1) || {
        echo "FAIL: exposure above 3.0:" >&2
        echo "$out" >&2
        exit 1
}
echo "ok: $(grep 'Overall exposure level' <<<"$out")"
for setting in Type=notify ExecReload= WatchdogSec= Restart=on-failure LogRateLimitIntervalSec=0 \
        NoNewPrivileges=yes ProtectSystem=strict ProtectHome= CapabilityBoundingSet= StateDirectory=tetragon; do
        grep -q "^$setting" "$unit" || { echo "FAIL: the unit lacks $setting" >&2; exit 1; }
done
echo "ok: the unit has what the issue asks for"
