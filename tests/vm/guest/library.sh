#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Issue 19 on the distro kernel: the library's policies beyond protect-file (bypass.sh has that
# one), each enabled on the running service with `tetractl library enable NAME PARAM=...` as an
# administrator would, loaded and installed, triggered, its outcome checked as a user sees it
# (EPERM, an entry in journalctl -u tetragond), then removed with `tetractl remove`. Every
# policy is tried even when an earlier one failed; the first FAIL line says what went wrong.
# vmtest-timeout: 600
. "$VMTEST_SUITE/guest-lib.sh"

unit=tetragond.service
work=/var/tmp/tetragond-library
current=  # the library policy in force, removed on the way out
failures=0

finish() {
        local status=$1

        [ "$failures" -gt 0 ] && status=1
        if [ "$status" -eq 1 ]; then
                journalctl --no-pager -u "$unit" -n 30 -o short-monotonic
        fi
        [ -n "$current" ] && bounded 60 tetractl remove "$current" > /dev/null 2>&1
        bounded 60 systemctl disable --now "$unit" > /dev/null 2>&1
        rm -rf "$work"
        exit "$status"
}
trap 'finish $?' EXIT

problem() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

# installed NAME: tetractl show says loaded, and a version of the policy is in the kernel.
installed() {
        bounded 10 tetractl show -o json "$1" | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(not (d["state"] == "loaded" and d["installed"]))'
}

# enable NAME PARAM=VALUE...: the library policy, through the daemon, loaded and installed.
enable() {
        local name=$1 output

        shift
        output=$(bounded 240 tetractl library enable "$name" "$@" 2>&1) || {
                problem "tetractl library enable $name $* failed: $output"
                return 1
        }
        current=$name
        if ! wait_until 240 installed "$name"; then
                problem "$name is not loaded and installed within 240s"
                bounded 10 tetractl show "$name" 2>&1 | sed 's/^/    /'
                return 1
        fi
        echo "ok: tetractl library enable $name: loaded, installed"
        bounded 10 tetractl show "$name" | sed -n '/Hooks:/,$p' | grep -v selector | sed 's/^/    /'
}

gone() {
        ! bounded 10 tetractl show "$1"
}

# remove NAME: its file deleted, the daemon no longer knows it.
remove() {
        local output

        output=$(bounded 120 tetractl remove "$1" 2>&1) || problem "tetractl remove $1 failed: $output"
        wait_until 60 gone "$1" || problem "tetractl show still finds $1 60s after tetractl remove"
        [ ! -e "/etc/tetragon/policies.d/$1.yaml" ] ||
                problem "/etc/tetragon/policies.d/$1.yaml is still there after tetractl remove"
        current=
        echo "ok: tetractl remove $1"
}

# refused DESCRIPTION COMMAND...: COMMAND fails and says "Operation not permitted" (EPERM).
refused() {
        local what=$1 output status=0

        shift
        output=$("$@" 2>&1) || status=$?
        if [ "$status" -eq 0 ] || [[ "$output" != *"Operation not permitted"* ]]; then
                problem "$what: '$*' exited $status, expected EPERM: $output"
                return 1
        fi
        echo "ok: $what: refused ($output)"
}

# logged UNIT-ENTRY-TEXT FIELD=VALUE...: an entry of tetragond.service has every field given,
# and TEXT somewhere (a path in TETRAGON_JSON).
logged() {
        local text=$1

        shift
        journalctl --no-pager -o export -u "$unit" "$1" |
                awk -v want="$(printf '%s\n' "$@")" -v text="$text" '
                        BEGIN { RS = ""; n = split(want, w, "\n") }
                        { ok = text == "" || index($0, text) > 0
                          for (i = 1; i <= n; i++) if (!index($0, "\n" w[i] "\n")) ok = 0
                          if (ok) found = 1 }
                        END { exit !found }'
}

# expect_logged TEXT FIELD=VALUE...: within 60 s.
expect_logged() {
        if wait_until 60 logged "$@"; then
                echo "ok: journalctl -u tetragond has $* "
        else
                problem "no entry in journalctl -u tetragond with $* within 60s"
                journalctl --no-pager -o export -u "$unit" "$2" | grep -E '^TETRAGON_(FUNCTION|BINARY|POLICY)=' |
                        sort | uniq -c | head -n 20 | sed 's/^/    /'
        fi
}

# A raw system call from python3, a binary no allow-list names: prints OK or the errno's name.
syscall_py=$work/syscall.py
write_syscall_py() {
        cat > "$syscall_py" << 'EOF'
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    return 0 if libc.syscall(ctypes.c_long(nr), *args) >= 0 else ctypes.get_errno()
if sys.argv[1] == "bpf":
    # BPF_PROG_LOAD of a socket filter: r0 = 0; exit.
    insns = ctypes.create_string_buffer(bytes.fromhex("b700000000000000" "9500000000000000"), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = ctypes.create_string_buffer(
        struct.pack("=IIQQ", 1, 2, ctypes.addressof(insns), ctypes.addressof(lic)), 128)
    err = call(321, ctypes.c_int(5), attr, ctypes.c_uint(128))
elif sys.argv[1] == "finit_module":
    fd = os.open(sys.argv[2], os.O_RDONLY)
    err = call(313, ctypes.c_int(fd), ctypes.c_char_p(b""), ctypes.c_int(0))
elif sys.argv[1] == "init_module":
    data = open(sys.argv[2], "rb").read()
    err = call(175, ctypes.c_char_p(data), ctypes.c_ulong(len(data)), ctypes.c_char_p(b""))
elif sys.argv[1] == "setuid":
    err = call(105, ctypes.c_uint(0))
print(errno.errorcode[err] if err else "OK")
EOF
}

python=$(readlink -f "$(command -v python3)")
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

command -v tetractl > /dev/null || fail "tetractl is not installed on PATH (make install)"
[ -n "$python" ] || fail "python3 is not in the guest image (tests/vm/build-image.sh)"
rm -rf "$work"
mkdir -p "$work"
chmod 0755 "$work"
write_syscall_py

listed=$(bounded 10 tetractl library list 2>&1) || fail "tetractl library list failed: $listed"
for name in protect-directory audit-credentials block-module-bpf-load privilege-escalation; do
        [[ "$listed" == *"$name "* ]] || fail "tetractl library list does not list $name: $listed"
done
echo "ok: tetractl library list lists the four"

bounded 150 systemctl enable --now "$unit" || fail "systemctl enable --now $unit failed"
wait_until 60 bounded 10 tetractl status || fail "tetractl status does not answer within 60s"

echo "--- protect-directory"
tree=$work/tree
mkdir -p "$tree/sub"
echo kept > "$tree/kept"
echo outside > "$work/outside"
if enable protect-directory DIR="$tree"; then
        refused "a new file in the tree" touch "$tree/new"
        [ ! -e "$tree/new" ] || problem "$tree/new exists after the refused touch"
        refused "a new file below it" touch "$tree/sub/new"
        refused "a new directory" mkdir "$tree/newdir"
        refused "a rename out of the tree" mv "$tree/kept" "$work/moved"
        if [ ! -e "$tree/kept" ] || [ -e "$work/moved" ]; then
                problem "$tree/kept was moved out despite the refusal"
        fi
        refused "a rename into the tree" mv "$work/outside" "$tree/inside"
        refused "a write to a file of the tree" bash -c "echo changed >> $tree/kept"
        [ "$(cat "$tree/kept")" = kept ] || problem "$tree/kept was changed: $(cat "$tree/kept")"
        remove protect-directory
        touch "$tree/new" || problem "touch $tree/new fails once protect-directory is removed"
        echo "ok: the tree takes new files again once the policy is removed"
fi

echo "--- audit-credentials"
if enable audit-credentials; then
        cat /etc/shadow > /dev/null || problem "cat /etc/shadow failed under an observing policy"
        expect_logged /etc/shadow TETRAGON_EVENT=process_lsm TETRAGON_POLICY=audit-credentials \
                TETRAGON_FUNCTION=file_open TETRAGON_BINARY="$(readlink -f /usr/bin/cat)"
        remove audit-credentials
fi

echo "--- block-module-bpf-load"
bogus=$work/bogus.ko
# Longer than an ELF header: init_module refuses shorter ones before asking the LSM.
{
        echo "not a kernel module"
        head -c 4096 /dev/zero
} > "$bogus"
# The same calls without the policy: a program loads, a bogus module is not one.
bpf_before=$(python3 "$syscall_py" bpf 2>&1)
finit_before=$(python3 "$syscall_py" finit_module "$bogus" 2>&1)
init_before=$(python3 "$syscall_py" init_module "$bogus" 2>&1)
[ "$bpf_before" = OK ] || problem "python3's BPF_PROG_LOAD fails without the policy: $bpf_before"
[ "$finit_before" != EPERM ] || problem "finit_module is refused without the policy"
[ "$init_before" != EPERM ] || problem "init_module is refused without the policy"
echo "ok: without the policy: BPF_PROG_LOAD $bpf_before, finit_module and init_module of a" \
        "bogus file $finit_before, $init_before"
module=
for m in dummy veth tun nlmon; do
        file=$(modinfo -F filename "$m" 2> /dev/null) || continue
        [[ "$file" == *.ko* ]] || continue
        grep -q "^$m " /proc/modules && continue
        module=$m
        break
done
[ -n "$module" ] || problem "none of dummy, veth, tun, nlmon is a loadable module not loaded yet"
kmod=$(readlink -f "$(command -v modprobe)")
tetragond=$(readlink -f "$(command -v tetragond)")
if enable block-module-bpf-load MODULE_LOADERS="$kmod" BPF_LOADERS="$tetragond,/usr/lib/systemd/systemd"; then
        for call in finit_module init_module bpf; do
                result=$(python3 "$syscall_py" "$call" "$bogus" 2>&1)
                if [ "$result" = EPERM ]; then
                        echo "ok: $call by $python: EPERM"
                else
                        problem "$call by $python (not allowed) gave $result, expected EPERM"
                fi
        done
        output=$(insmod "$bogus" 2>&1) && problem "insmod of a bogus file succeeded"
        if [[ "$output" == *"Operation not permitted"* ]]; then
                problem "insmod ($kmod, allowed) was refused: $output"
        else
                echo "ok: insmod ($kmod, allowed) reaches the kernel's checks: $output"
        fi
        if [ -n "$module" ]; then
                if ! output=$(modprobe "$module" 2>&1); then
                        problem "modprobe $module ($kmod, allowed) failed: $output"
                elif ! grep -q "^$module " /proc/modules; then
                        problem "$module is not in /proc/modules after modprobe"
                else
                        echo "ok: modprobe $module by $kmod (allowed) loads it"
                fi
                modprobe -r "$module" || true
        fi
        expect_logged "" TETRAGON_EVENT=process_lsm TETRAGON_POLICY=block-module-bpf-load \
                TETRAGON_FUNCTION=kernel_read_file TETRAGON_ACTION=OVERRIDE TETRAGON_BINARY="$python"
        expect_logged "" TETRAGON_EVENT=process_lsm TETRAGON_POLICY=block-module-bpf-load \
                TETRAGON_FUNCTION=kernel_load_data TETRAGON_ACTION=OVERRIDE TETRAGON_BINARY="$python"
        expect_logged "" TETRAGON_EVENT=process_lsm TETRAGON_POLICY=block-module-bpf-load \
                TETRAGON_FUNCTION=bpf TETRAGON_ACTION=OVERRIDE TETRAGON_BINARY="$python"
        remove block-module-bpf-load
        result=$(python3 "$syscall_py" bpf 2>&1)
        [ "$result" = OK ] || problem "BPF_PROG_LOAD gives $result once the policy is removed"
        echo "ok: python3 loads its program again once the policy is removed"
fi

echo "--- privilege-escalation"
suid=$work/suid-id
cp /usr/bin/id "$suid"
chmod 4755 "$suid"
if enable privilege-escalation; then
        result=$("${as_nobody[@]}" python3 "$syscall_py" setuid 2>&1)
        [ "$result" = EPERM ] || problem "setuid(0) by nobody gave $result, expected EPERM"
        expect_logged "" TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=privilege-escalation \
                TETRAGON_BINARY="$python"
        euid=$("${as_nobody[@]}" "$suid" -u 2>&1)
        [ "$euid" = 0 ] || problem "a setuid-root copy of id run by nobody says euid $euid, not 0"
        expect_logged "" TETRAGON_EVENT=process_kprobe TETRAGON_POLICY=privilege-escalation \
                TETRAGON_FUNCTION=commit_creds
        remove privilege-escalation
fi

[ "$failures" -eq 0 ] || exit 1
echo "ok: the library's policies 2-5 do what tetragond-library(7) says on this kernel"
