#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# stage-product.sh SRCDIR BUILDDIR DESTDIR: builds the product the way a distribution package
# does (--prefix=/usr --sysconfdir=/etc --localstatedir=/var, so the unit, the D-Bus policy and
# the policy folder land where systemd and dbus look) and installs it with
# `make install DESTDIR=DESTDIR`. The build is a separate configuration under
# BUILDDIR/tests/vm/product-build, kept between runs, with the options BUILDDIR was configured
# with plus those paths. A source tree configured in place cannot host a second configuration;
# then BUILDDIR itself is installed, with whatever paths it was configured with.
set -euo pipefail

srcdir=$1
builddir=$2
destdir=$3
make=${MAKE:-make}

log() { echo "stage-product: $*" >&2; }

if [ -e "$srcdir/config.status" ]; then
        product=$builddir
        prefix=$(sed -n 's/^prefix = //p' "$product/Makefile")
        log "$srcdir is configured in place: installing that build as configured (prefix $prefix)"
        [ "$prefix" = /usr ] ||
                log "warning: dbus and systemd in the guest do not look under $prefix; configure out of tree"
else
        product=$builddir/tests/vm/product-build
        mkdir -p "$product"
        if [ ! -e "$product/Makefile" ] || [ "$srcdir/configure" -nt "$product/config.status" ]; then
                log "configuring the product with distribution paths in $product"
                options=()
                eval "options=($("$builddir/config.status" --config))"
                (cd "$product" && "$srcdir/configure" -q "${options[@]}" \
                        --prefix=/usr --sysconfdir=/etc --localstatedir=/var)
        fi
fi

$make -C "$product" all
rm -rf "$destdir"
$make -C "$product" install DESTDIR="$destdir" > /dev/null
log "installed into $destdir"
