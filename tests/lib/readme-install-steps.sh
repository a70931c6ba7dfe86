#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# readme-install-steps.sh README.md: prints the README's install steps (the first sh block of
# its "Installing it as a service" section), which tests/nspawn and tests/vm/guest/zz-readme.sh
# run as written. Exits 1 when the block is missing or installs nothing.
set -euo pipefail

steps=$(awk '/^## Installing it as a service/ { section = 1; next }
             section && /^```sh$/ { block = 1; next }
             block && /^```$/ { exit }
             block { print }' "$1")
grep -qx 'make install' <<< "$steps" || {
        echo "readme-install-steps: no \"make install\" line in the install steps of $1" >&2
        exit 1
}
printf '%s\n' "$steps"
