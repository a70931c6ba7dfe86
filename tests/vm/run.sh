#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh --product DIR [--helper FILE]... [--tree DIR] [--kernel NAME] [TEST]...
# Boots the guest that build-image.sh cached (Debian's kernel under qemu, systemd as PID 1;
# with --kernel NAME the one that `build-image.sh --kernel NAME` put in kernels/NAME/),
# with the product that `make install DESTDIR=DIR` staged copied into its root before systemd
# starts, runs the guest tests (tests/vm/guest/TEST.sh; all of them by default) as a transient
# unit that powers the guest off when done, and reports per test. The guest boots from a qcow2
# overlay in the run folder backed by the cached root image: its writes last across the run's
# boots and go with the run folder, so every run starts from the same system. --tree DIR (what
# stage-tree.sh staged: the project's own tests, their inputs, the build's binaries) is found
# in the guest at $VMTEST_SUITE/tree.
#
# A test runs for at most 240 s, unless its script says otherwise on a line of its own:
# "# vmtest-timeout: SECONDS"; the whole boot's bound grows by what such tests take beyond 240 s.
# A test with the line "# vmtest-reboot" may exit 75 to have the guest rebooted and itself run
# again after the boot (guest-runner.sh): the guest powers off, and when results/resume is there
# qemu starts again, a cold boot from the same overlay (a warm reboot under TCG took 150 to
# 380 s), once per such test; the whole boot's bound grows by 120 s per such test and covers
# every boot. qemu always runs with -no-reboot: any other reboot ends the run, and it fails.
#
# Environment: TETRAGOND_VM_CACHE (default ./tests/vm/cache), TETRAGOND_VM_TIMEOUT (seconds for
# the whole boot, 600 plus the longer tests' extra), TETRAGOND_VM_MEM (MiB, 2048), TETRAGOND_VM_SMP (2), TETRAGOND_VM_APPEND
# (more kernel arguments), TETRAGOND_VM_ACCEL (kvm or tcg; default: kvm only where the CPU
# offers vmx/svm), TETRAGOND_VM_VERBOSE=1 (stream the console to stderr),
# TETRAGOND_VM_KEEP=1 (keep the run folder after a success too).
# Exit status: 0 every test passed or skipped, 1 a test failed or the guest did not finish.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${TETRAGOND_VM_CACHE:-$PWD/tests/vm/cache}

log() { echo "vm: $*" >&2; }
die() {
        log "error: $*"
        exit 1
}

product=
tree=
kernel_name=
helpers=()
tests=()
while [ $# -gt 0 ]; do
        case $1 in
        --product) product=$2; shift 2 ;;
        --helper) helpers+=("$2"); shift 2 ;;
        --tree) tree=$2; shift 2 ;;
        --kernel) kernel_name=$2; shift 2 ;;
        -*) die "unknown option $1" ;;
        *) tests+=("$1"); shift ;;
        esac
done
[ -n "$product" ] && [ -d "$product" ] || die "--product DIR: the DESTDIR of make install"
# The kernel's pieces; the root image is the same for every kernel.
kernel_dir=$cache${kernel_name:+/kernels/$kernel_name}
for f in "$kernel_dir/kernel.version" "$kernel_dir/initrd.gz" "$cache/root.img"; do
        [ -e "$f" ] || die "$f is missing: run build-image.sh ${kernel_name:+--kernel $kernel_name }first"
done
if [ ${#tests[@]} -eq 0 ]; then
        for f in "$here"/guest/*.sh; do
                # package.sh wants a guest without the product: make check-vm-package.
                [ "$(basename "$f")" != package.sh ] || continue
                tests+=("$(basename "$f" .sh)")
        done
fi
for t in "${tests[@]}"; do
        [ -f "$here/guest/$t.sh" ] || die "no guest test $t in $here/guest"
done
[ -z "$tree" ] || [ -d "$tree" ] || die "--tree $tree: not a folder (stage-tree.sh makes it)"

# The bound of one test: 240 s, or what its "# vmtest-timeout: SECONDS" line says.
# guest-runner.sh reads the same line.
test_bound() {
        local seconds

        seconds=$(sed -n 's/^# vmtest-timeout: *\([0-9][0-9]*\)$/\1/p' "$here/guest/$1.sh" |
                head -n 1)
        echo "${seconds:-240}"
}

test_reboots() {
        grep -qx '# vmtest-reboot' "$here/guest/$1.sh"
}

default_timeout() {
        local t bound total=600

        for t in "${tests[@]}"; do
                bound=$(test_bound "$t")
                [ "$bound" -le 240 ] || total=$((total + bound - 240))
                ! test_reboots "$t" || total=$((total + 120))
        done
        echo "$total"
}
timeout=${TETRAGOND_VM_TIMEOUT:-$(default_timeout)}
# PASS: vm/NAME on the default kernel, PASS: vm-6.12/NAME on another.
label=vm${kernel_name:+-$kernel_name}
kernel_version=$(cat "$kernel_dir/kernel.version")

# The product as installed, with /bin, /sbin and /lib folded into /usr: the guest's root is
# merged-/usr and its /lib is a symbolic link that a copied directory must not replace.
stage_product() {
        local dest=$1 d

        cp -a "$product/." "$dest/"
        for d in bin sbin lib lib32 lib64; do
                [ -d "$dest/$d" ] && [ ! -L "$dest/$d" ] || continue
                mkdir -p "$dest/usr/$d"
                cp -a "$dest/$d/." "$dest/usr/$d/"
                rm -rf "${dest:?}/$d"
        done
}

stage_suite() {
        local dest=$1 f

        mkdir -p "$dest/guest" "$dest/bin" "$dest/units"
        cp "$here/guest-runner.sh" "$here/guest-lib.sh" "$dest/"
        cp "$here/tetragond-vm-suite.service" "$dest/units/"
        for t in "${tests[@]}"; do
                cp "$here/guest/$t.sh" "$dest/guest/"
                echo "$t" >> "$dest/tests.list"
        done
        for f in "${helpers[@]}"; do
                cp "$f" "$dest/bin/"
        done
        [ -z "$tree" ] || cp -a "$tree" "$dest/tree"
}

# KVM only where the CPU offers virtualisation to this machine: here /dev/kvm exists but a
# KVM guest never runs (no nested virtualisation), so its mere presence decides nothing.
accelerator() {
        if [ -n "${TETRAGOND_VM_ACCEL:-}" ]; then
                echo "$TETRAGOND_VM_ACCEL"
        elif [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
                echo kvm
        else
                echo tcg
        fi
}

# boot SECONDS: one boot of the guest, bounded; its console goes on at the end of console.log.
boot() {
        local bound=$1 append accel cpu=()

        append="console=ttyS0 panic=-1 systemd.firstboot=off systemd.wants=tetragond-vm-suite.service"
        append+=" ${TETRAGOND_VM_APPEND:-}"
        accel=$(accelerator)
        [ "$accel" = kvm ] && cpu=(-cpu host)
        log "booting $kernel_version under qemu ($accel, bound ${bound}s), tests: ${tests[*]}"
        timeout --kill-after=10 "$bound" qemu-system-x86_64 \
                -accel "$accel" "${cpu[@]}" -smp "${TETRAGOND_VM_SMP:-2}" -m "${TETRAGOND_VM_MEM:-2048}" \
                -nodefaults -display none -monitor none -serial stdio -no-reboot -nic none \
                -kernel "$kernel_dir/kernel/boot/vmlinuz-$kernel_version" -initrd "$kernel_dir/initrd.gz" \
                -append "$append" \
                -drive "file=$run/root.qcow2,format=qcow2,if=virtio" \
                -virtfs "local,path=$run/product,mount_tag=product,security_model=none,readonly=on" \
                -virtfs "local,path=$run/share,mount_tag=vmtest,security_model=none" \
                -virtfs "local,path=$kernel_dir/kernel/lib/modules,mount_tag=modules,security_model=none,readonly=on" \
                < /dev/null 2>&1 | tee -a "$run/console.log" >&3
        return "${PIPESTATUS[0]}"
}

print_failure_context() {
        log "console, last 40 lines ($run/console.log):"
        tail -n 40 "$run/console.log" | sed 's/^/  | /' >&2
        if [ -f "$results/tetragond.journal" ]; then
                log "journalctl -u tetragond in the guest, last 60 lines:"
                tail -n 60 "$results/tetragond.journal" | sed 's/^/  | /' >&2
        fi
        log "the whole run is kept in $run (results/journal.txt: the guest's journal)"
}

report() {
        local t rc seconds passed=0 failed=0 skipped=0

        for t in "${tests[@]}"; do
                if [ ! -f "$results/$t.rc" ]; then
                        echo "FAIL: $label/$t (did not run to its end)"
                        failed=$((failed + 1))
                        continue
                fi
                read -r rc seconds < "$results/$t.rc"
                case $rc in
                0) echo "PASS: $label/$t (${seconds}s)"; passed=$((passed + 1)) ;;
                77) echo "SKIP: $label/$t: $(grep -m1 '^SKIP' "$results/$t.log" || true)"
                    skipped=$((skipped + 1)) ;;
                *) echo "FAIL: $label/$t (exit $rc, ${seconds}s)"
                   sed 's/^/  | /' "$results/$t.log"
                   failed=$((failed + 1)) ;;
                esac
        done
        echo "$label: $passed passed, $failed failed, $skipped skipped"
        [ "$failed" -eq 0 ]
}

mkdir -p "$cache"
# Failed runs are kept for a look; an hour later they go.
find "$cache" -maxdepth 1 -name 'run.*' -mmin +60 -exec rm -rf {} +
run=$(mktemp -d "$cache/run.XXXXXX")
ln -sfn "$(basename "$run")" "$cache/last-run"
results=$run/share/results
mkdir -p "$run/product" "$results"
stage_product "$run/product"
stage_suite "$run/share/suite"
# Only what the guest writes lands in the overlay; qemu opens root.img read-only, so runs
# started at once share it.
qemu-img create -q -f qcow2 -b "$(realpath "$cache/root.img")" -F raw "$run/root.qcow2" ||
        die "cannot create the overlay $run/root.qcow2 (qemu-img is in qemu-utils)"

if [ "${TETRAGOND_VM_VERBOSE:-0}" = 1 ]; then
        exec 3>&2
else
        exec 3> /dev/null
fi
# A boot per test that asks for a reboot, at most; each bound by what is left of the whole.
max_boots=1
for t in "${tests[@]}"; do
        ! test_reboots "$t" || max_boots=$((max_boots + 1))
done
start=$(date +%s)
boots=0
while :; do
        boots=$((boots + 1))
        boot_start=$(date +%s)
        left=$((timeout - (boot_start - start)))
        if [ "$left" -le 0 ]; then
                qemu_status=124
                break
        fi
        qemu_status=0
        boot "$left" || qemu_status=$?
        log "boot $boots: qemu exit $qemu_status after $(($(date +%s) - boot_start))s"
        [ ! -f "$results/done" ] && [ "$qemu_status" = 0 ] && [ -f "$results/resume" ] &&
                [ "$boots" -lt "$max_boots" ] || break
        log "$(cut -d' ' -f1 "$results/resume") asked for a reboot: booting the guest again"
done
elapsed=$(($(date +%s) - start))

if [ ! -f "$results/done" ]; then
        if [ "$qemu_status" = 124 ]; then
                log "the guest did not finish within ${timeout}s"
        elif [ -f "$results/resume" ]; then
                log "the guest asked for one reboot more than its tests may: $(cat "$results/resume")"
        else
                log "the guest stopped before the suite finished (qemu exit $qemu_status)"
        fi
        report || true
        print_failure_context
        exit 1
fi
log "guest ran the suite at uptime $(cat "$results/suite-started")s, whole run ${elapsed}s, $boots boot(s)"
if ! report; then
        print_failure_context
        exit 1
fi
[ "${TETRAGOND_VM_KEEP:-0}" = 1 ] || rm -rf "$run"
