#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds what the qemu guest boots into a cache folder, reusing what is there:
#   kernel/     Debian's linux-image-amd64, unpacked (never installed on the host), depmod'ed
#   initrd.gz   busybox-static initramfs: loads the virtio, ext4 and 9p modules, mounts the root
#               image and the harness's 9p shares, copies the staged product in, starts systemd
#   root.img    ext4 image of a debootstrap minbase system with systemd, dbus and the runtime
#               libraries the product links
# Each artifact has a key file: what it was built from (package versions and the text of the
# function that builds it). A different key rebuilds that artifact and what depends on it.
#
# With --kernel NAME, Debian's linux-image-NAME-amd64 (e.g. 6.12) instead of linux-image-amd64:
# its kernel/, initrd.gz and kernel.version go to kernels/NAME/ in the cache, and it boots the
# same root.img. The default kernel's pieces stay at the top of the cache.
#
# Usage: build-image.sh [--kernel NAME]   (cache: $TETRAGOND_VM_CACHE, else ./tests/vm/cache)
# Environment: TETRAGOND_VM_CACHE, TETRAGOND_VM_MIRROR (default http://deb.debian.org/debian),
#              CI=true (a missing host tool is an error, never a skip).
# Exit status: 0 built or reused, 1 failed, 77 the host cannot build it (outside CI only).
set -euo pipefail

cache=${TETRAGOND_VM_CACHE:-$PWD/tests/vm/cache}
kernel_name=
kernel_meta=linux-image-amd64
mirror=${TETRAGOND_VM_MIRROR:-http://deb.debian.org/debian}

# qemu-utils: run.sh's qemu-img, for the overlay each run boots from.
host_tools=(qemu-system-x86 qemu-utils debootstrap busybox-static e2fsprogs kmod cpio)
# What the product links (libbpf1, libelf1, libsystemd0, libyaml-0-2, libjansson4,
# libmicrohttpd12), what a systemd host has, libcmocka0 for the engine's test binaries
# (guest/engine.sh, guest/corpus-load.sh), what the integration suite calls beside the product (jq; xmllint from
# libxml2-utils; polkitd with pkaction, and libpam-systemd, the logind it depends on, which
# debootstrap does not resolve; setcap from libcap2-bin and python3 for memfd_create + fexecve
# in test-process-enrichment.sh; guest/integration.sh), and bpftool for looking around in a
# guest being debugged.
guest_packages=(systemd systemd-sysv dbus udev kmod procps libbpf1 libelf1 libsystemd0
                libyaml-0-2 libjansson4 libmicrohttpd12 zlib1g libcmocka0 jq libxml2-utils
                libpam-systemd polkitd libcap2-bin python3 bpftool)
# What the initramfs needs to reach the root image and the shares. crc32c-intel fails under
# TCG, so crc32c_generic is listed before ext4 pulls crc32c in.
initrd_modules=(virtio_pci virtio_blk 9pnet_virtio 9p crc32c_generic ext4)

log() { echo "build-image: $*" >&2; }

digest() { sha256sum | cut -d' ' -f1; }

skip_or_fail() {
        if [ "${CI:-}" = true ]; then
                log "error: $*"
                exit 1
        fi
        log "skipping: $*"
        exit 77
}

ensure_host_tools() {
        local missing=() p

        for p in "${host_tools[@]}"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        [ "$(id -u)" = 0 ] || skip_or_fail "missing ${missing[*]} and not root to install them"
        log "installing ${missing[*]}"
        apt-get update -qq >&2 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${missing[@]}" >&2 || skip_or_fail "cannot install ${missing[*]}"
}

# apt-cache answers from the local package lists; refresh them once if they do not know the kernel.
ensure_package_lists() {
        apt-cache show "$kernel_meta" >/dev/null 2>&1 && return 0
        apt-get update -qq >&2 || true
        apt-cache show "$kernel_meta" >/dev/null 2>&1 || skip_or_fail "apt does not know $kernel_meta"
}

kernel_package() {
        apt-cache depends "$kernel_meta" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

candidate_versions() {
        apt-cache policy "$@" | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p, $2 }'
}

# The artifact is current when its key file holds exactly this key.
is_current() {
        [ -e "$cache/$1" ] && [ -f "$cache/$1.key" ] && [ "$(cat "$cache/$1.key")" = "$2" ]
}

build_kernel() {
        local package=$1 tmp

        tmp=$(mktemp -d "$cache/kernel.tmp.XXXXXX")
        (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package" >&2)
        dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/tree"
        depmod -b "$tmp/tree" "$(ls "$tmp/tree/lib/modules")"
        rm -rf "$cache/kernel"
        mv "$tmp/tree" "$cache/kernel"
        rm -rf "$tmp"
}

# At every boot the initramfs copies the product's files (and the suite's units) into the
# root: a second boot of a run (a test's reboot, run.sh) overwrites only those. The product
# stages binaries, units and the seed policy; what a first boot wrote elsewhere (the state
# in /var/lib/tetragon, a test's own files, a policy a test added to /etc/tetragon) stays.
initrd_init() {
        cat <<'EOF'
#!/bin/busybox sh
# The harness's initramfs: root image on /dev/vda, product copied in from 9p, then systemd.
/bin/busybox --install -s /bin
export PATH=/bin
fail() {
        echo "tetragond-vm initramfs: $*"
        poweroff -f
}
mkdir -p /proc /sys /dev /newroot /product
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.list); do
        insmod "/modules/$m" 2>/dev/null || echo "tetragond-vm initramfs: insmod $m failed, ignored"
done
p9=trans=virtio,version=9p2000.L,msize=512000,cache=mmap
mount -t ext4 /dev/vda /newroot || fail "cannot mount the root image"
# The product as `make install DESTDIR=` staged it, merged-/usr folded on the host.
mount -t 9p -o $p9,ro product /product || fail "cannot mount the product share"
cp -a /product/. /newroot/ || fail "cannot copy the product into the root"
umount /product
mkdir -p /newroot/vmtest /newroot/usr/lib/modules
mount -t 9p -o $p9 vmtest /newroot/vmtest || fail "cannot mount the test share"
mount -t 9p -o $p9,ro modules /newroot/usr/lib/modules || fail "cannot mount the modules share"
for unit in /newroot/vmtest/suite/units/*; do
        [ -f "$unit" ] && cp "$unit" /newroot/etc/systemd/system/
done
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
EOF
}

build_initrd() {
        local kernel_version=$1 tree tmp ko

        tree=$(mktemp -d "$cache/initrd.tmp.XXXXXX")
        mkdir -p "$tree/bin" "$tree/modules"
        cp /bin/busybox "$tree/bin/"
        for m in "${initrd_modules[@]}"; do
                modprobe -d "$cache/kernel" -S "$kernel_version" --show-depends "$m"
        done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
                cp "$ko" "$tree/modules/"
                echo "${ko##*/}" >> "$tree/modules.list"
        done
        initrd_init > "$tree/init"
        chmod 755 "$tree/init"
        tmp=$cache/initrd.gz.tmp
        (cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -1 > "$tmp"
        mv "$tmp" "$cache/initrd.gz"
        rm -rf "$tree"
}

build_rootfs() {
        local suite=$1 packages tree tmp

        packages=$(IFS=,; echo "${guest_packages[*]}")
        tree=$(mktemp -d "$cache/rootfs.tmp.XXXXXX")
        log "debootstrap $suite (minbase + $packages), about a minute"
        if ! debootstrap --variant=minbase --include="$packages" "$suite" "$tree" "$mirror" \
                        > "$cache/debootstrap.log" 2>&1; then
                tail -n 20 "$cache/debootstrap.log" >&2
                rm -rf "$tree"
                return 1
        fi
        echo tetragond-vm > "$tree/etc/hostname"
        # The serial console carries the boot log; a getty there only adds noise.
        for unit in serial-getty@ttyS0.service getty@tty1.service console-getty.service; do
                ln -sf /dev/null "$tree/etc/systemd/system/$unit"
        done
        rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*
        tmp=$cache/root.img.tmp
        rm -f "$tmp"
        truncate -s 2G "$tmp"
        mkfs.ext4 -q -F -L tetragond-vm -d "$tree" "$tmp" >&2
        mv "$tmp" "$cache/root.img"
        rm -rf "$tree"
}

# The kernel and its initramfs, in the folder that $cache names while this runs: the top of the
# cache for the default kernel, kernels/NAME/ for another. build_kernel and build_initrd are
# the same for every kernel, so the default kernel's keys stay what they were.
build_kernel_pieces() {
        local package kernel_key kernel_version initrd_key

        mkdir -p "$cache"
        rm -rf "$cache"/*.tmp.* "$cache"/*.tmp     # left by an interrupted build
        package=$(kernel_package)
        [ -n "$package" ] || skip_or_fail "cannot tell which package $kernel_meta depends on"
        kernel_key="$(candidate_versions "$package") $(declare -f build_kernel | digest)"
        if ! is_current kernel "$kernel_key"; then
                log "unpacking $package"
                rm -f "$cache/kernel.key"
                build_kernel "$package"
                echo "$kernel_key" > "$cache/kernel.key"
        fi
        kernel_version=$(ls "$cache/kernel/lib/modules")

        initrd_key="$kernel_key ${initrd_modules[*]} $(declare -f build_initrd initrd_init | digest)"
        initrd_key="$initrd_key $(digest < /bin/busybox)"
        if ! is_current initrd.gz "$initrd_key"; then
                log "building the initramfs"
                rm -f "$cache/initrd.gz.key"
                build_initrd "$kernel_version"
                echo "$initrd_key" > "$cache/initrd.gz.key"
        fi
        echo "$kernel_version" > "$cache/kernel.version"
        log "kernel $kernel_version ready in $cache"
}

main() {
        local suite rootfs_key

        while [ $# -gt 0 ]; do
                case $1 in
                --kernel) kernel_name=$2; shift 2 ;;
                *) log "error: unknown argument $1"; exit 1 ;;
                esac
        done
        case $kernel_name in
        '') kernel_meta=linux-image-amd64 ;;
        *[!0-9.]*) log "error: --kernel takes a version like 6.12, not $kernel_name"; exit 1 ;;
        *) kernel_meta=linux-image-$kernel_name-amd64 ;;
        esac
        ensure_host_tools
        ensure_package_lists
        mkdir -p "$cache"
        exec 9> "$cache/.lock"
        flock 9         # one builder per cache; a second one reuses what the first built
        rm -rf "$cache"/*.tmp.* "$cache"/*.tmp     # left by an interrupted build

        if [ -n "$kernel_name" ]; then
                cache=$cache/kernels/$kernel_name build_kernel_pieces
        else
                build_kernel_pieces
        fi

        # The guest runs what the host built, so it is the host's release.
        suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        [ -n "$suite" ] || skip_or_fail "cannot tell this host's Debian release"
        rootfs_key="$suite $mirror $(candidate_versions "${guest_packages[@]}" | tr '\n' ' ')"
        rootfs_key="$rootfs_key $(declare -f build_rootfs | digest)"
        if ! is_current root.img "$rootfs_key"; then
                [ "$(id -u)" = 0 ] || skip_or_fail "debootstrap needs root"
                rm -f "$cache/root.img.key"
                build_rootfs "$suite"
                echo "$rootfs_key" > "$cache/root.img.key"
        fi

        log "ready in $cache"
}

main "$@"
