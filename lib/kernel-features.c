/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "kernel-features.h"
#include "macro.h"
#include "syscall-table.h"

/* "return 0": enough for the verifier to say whether the kind of program is allowed. */
static const struct bpf_insn return_zero[] = {
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
};

_printf_(3, 4) static void set(KernelFeature *f, bool available, const char *format, ...) {
        va_list ap;

        f->available = available;
        va_start(ap, format);
        vsnprintf(f->detail, sizeof(f->detail), format, ap);
        va_end(ap);
}

static bool path_exists(const char *path) {
        struct stat st;

        return stat(path, &st) == 0;
}

static void probe_result(KernelFeature *f, int r, const char *what) {
        if (r > 0)
                set(f, true, "%s loads", what);
        else if (r == 0)
                set(f, false, "%s is refused by this kernel", what);
        else
                set(f, false, "probing %s failed: %s", what, strerror(-r));
}

/* Load a BTF-attached program (fentry, tp_btf, lsm) and, with attach, attach it for a
 * moment: on some kernels the load works and only the attach tells (ftrace blocked, LSM
 * not active). */
static void probe_btf_program(KernelFeature *f, struct btf *vmlinux, enum bpf_prog_type type,
                              enum bpf_attach_type attach, const char *target, int kind,
                              const char *what, bool do_attach) {
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
        int id, prog, link;

        if (!vmlinux) {
                set(f, false, "%s needs kernel BTF, which is missing", what);
                return;
        }
        id = btf__find_by_name_kind(vmlinux, target, kind);
        if (id < 0) {
                set(f, false, "%s: %s not found in the kernel's BTF", what, target);
                return;
        }
        opts.attach_btf_id = (unsigned) id;
        prog = bpf_prog_load(type, "tg_probe", "GPL", return_zero, ELEMENTSOF(return_zero), &opts);
        if (prog < 0) {
                set(f, false, "%s on %s does not load: %s", what, target, strerror(-prog));
                return;
        }
        if (!do_attach) {
                set(f, true, "%s on %s loads", what, target);
                close(prog);
                return;
        }
        link = bpf_raw_tracepoint_open(NULL, prog);
        if (link < 0)
                set(f, false, "%s on %s loads but does not attach: %s", what, target,
                    strerror(-link));
        else {
                set(f, true, "%s on %s loads and attaches", what, target);
                close(link);
        }
        close(prog);
}

static bool lsm_list_has_bpf(char *ret_list, size_t size) {
        FILE *f = fopen("/sys/kernel/security/lsm", "re");
        bool found = false;

        ret_list[0] = '\0';
        if (!f)
                return false;
        if (fgets(ret_list, (int) size, f)) {
                char copy[256], *save = NULL;

                snprintf(copy, sizeof(copy), "%s", ret_list);
                for (char *t = strtok_r(copy, ",\n", &save); t; t = strtok_r(NULL, ",\n", &save))
                        if (streq(t, "bpf"))
                                found = true;
        }
        fclose(f);
        ret_list[strcspn(ret_list, "\n")] = '\0';
        return found;
}

enum {
        F_BTF,
        F_RINGBUF,
        F_TRACEPOINT,
        F_RAW_TRACEPOINT,
        F_TP_BTF,
        F_KPROBE,
        F_FENTRY,
        F_UPROBE,
        F_LSM,
        F_SEND_SIGNAL,
        F_OVERRIDE_RETURN,
        F_FMOD_RET,
        F_FMOD_RET_SYSCALL,
        _F_MAX,
};

int kernel_features_probe(KernelFeature **ret, size_t *ret_n) {
        static const char *const names[_F_MAX] = {
                [F_BTF] = "btf",
                [F_RINGBUF] = "ringbuf",
                [F_TRACEPOINT] = "tracepoint",
                [F_RAW_TRACEPOINT] = "raw_tracepoint",
                [F_TP_BTF] = "tp_btf",
                [F_KPROBE] = "kprobe",
                [F_FENTRY] = "fentry",
                [F_UPROBE] = "uprobe",
                [F_LSM] = "lsm",
                [F_SEND_SIGNAL] = "send_signal",
                [F_OVERRIDE_RETURN] = "override_return",
                [F_FMOD_RET] = "fmod_ret",
                [F_FMOD_RET_SYSCALL] = "fmod_ret_syscall",
        };
        char syscall_function[64];
        KernelFeature *f;
        struct btf *vmlinux;
        char lsms[256];
        int r;

        f = calloc(_F_MAX, sizeof(KernelFeature));
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < _F_MAX; i++)
                f[i].name = names[i];

        vmlinux = btf__load_vmlinux_btf();
        if (vmlinux)
                set(&f[F_BTF], true, "/sys/kernel/btf/vmlinux");
        else
                set(&f[F_BTF], false, "no kernel BTF: CONFIG_DEBUG_INFO_BTF is off");

        probe_result(&f[F_RINGBUF], libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL),
                     "a ring buffer map");
        probe_result(&f[F_TRACEPOINT], libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL),
                     "a tracepoint program");
        probe_result(&f[F_RAW_TRACEPOINT],
                     libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL),
                     "a raw tracepoint program");
        probe_btf_program(&f[F_TP_BTF], vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
                          "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF, "tp_btf", true);

        if (!path_exists("/sys/bus/event_source/devices/kprobe"))
                set(&f[F_KPROBE], false, "no kprobe PMU: CONFIG_KPROBES is off");
        else
                probe_result(&f[F_KPROBE], libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL),
                             "a kprobe program");
        probe_btf_program(&f[F_FENTRY], vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
                          "vfs_read", BTF_KIND_FUNC, "fentry", true);
        if (path_exists("/sys/bus/event_source/devices/uprobe"))
                set(&f[F_UPROBE], true, "uprobe PMU present");
        else
                set(&f[F_UPROBE], false, "no uprobe PMU: CONFIG_UPROBES is off");

        /* Without securityfs the list is unknown, and the load itself has to tell. */
        if (!lsm_list_has_bpf(lsms, sizeof(lsms)) && lsms[0])
                set(&f[F_LSM], false, "the bpf LSM is not active (lsm=%s)", lsms);
        else
                probe_btf_program(&f[F_LSM], vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC,
                                  "bpf_lsm_file_open", BTF_KIND_FUNC, "BPF LSM", true);

        r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, NULL);
        probe_result(&f[F_SEND_SIGNAL], r, "bpf_send_signal() from a tracepoint");
        if (!f[F_KPROBE].available)
                set(&f[F_OVERRIDE_RETURN], false, "needs kprobes");
        else
                probe_result(&f[F_OVERRIDE_RETURN],
                             libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return,
                                                     NULL),
                             "bpf_override_return() from a kprobe");

        /* fmod_ret: security_* functions always allow it, others only with function error
         * injection, which the load checks. No attach: trampolines are what fentry's probe
         * tried, and patching a function every open goes through at every start is a risk
         * (a Debian 6.1 guest under TCG locked up in it). */
        if (!f[F_FENTRY].available)
                set(&f[F_FMOD_RET], false, "needs fentry's trampolines: %s", f[F_FENTRY].detail);
        else
                probe_btf_program(&f[F_FMOD_RET], vmlinux, BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN,
                                  "security_file_open", BTF_KIND_FUNC, "fmod_ret", false);
        snprintf(syscall_function, sizeof(syscall_function), "%ssys_getppid",
                 syscall_function_prefix());
        if (!f[F_FENTRY].available)
                set(&f[F_FMOD_RET_SYSCALL], false, "needs fentry's trampolines: %s",
                    f[F_FENTRY].detail);
        else
                probe_btf_program(&f[F_FMOD_RET_SYSCALL], vmlinux, BPF_PROG_TYPE_TRACING,
                                  BPF_MODIFY_RETURN, syscall_function, BTF_KIND_FUNC, "fmod_ret",
                                  false);

        btf__free(vmlinux);
        *ret = f;
        *ret_n = _F_MAX;
        return 0;
}
