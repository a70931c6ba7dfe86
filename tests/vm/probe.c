/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetragond-vm-probe MECHANISM: loads the one program of probe.bpf.c for MECHANISM
 * (tracepoint, kprobe, fentry, lsm), attaches it, makes it fire, and says whether it did.
 * bpftool's feature probe is wrong about tracing and LSM programs on the kernels met here;
 * only a real load, attach and hit tells.
 * Exit status: 0 the mechanism works, 1 it does not (the message says at which step), 2 usage.
 */
#include <bpf/libbpf.h>
#include <fcntl.h>

#include "macro.h"
#include "probe.skel.h"

/* The skeleton's destructors return void; a cleanup function hands back what is left. */
static struct probe_bpf *probe_skel_free(struct probe_bpf *skel) {
        probe_bpf__destroy(skel);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct probe_bpf *, probe_skel_free);

static struct bpf_link *link_free(struct bpf_link *link) {
        bpf_link__destroy(link);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct bpf_link *, link_free);

static const char *const mechanisms[] = {
        "tracepoint",
        "kprobe",
        "fentry",
        "lsm",
};

/* A file every system has; opening it runs vfs_open and the file_open LSM hook. */
#define PROBE_FILE "/etc/hostname"

static int open_probe_file(void) {
        int fd;

        fd = open(PROBE_FILE, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        close(fd);
        return 0;
}

static struct bpf_program *program_for(struct probe_bpf *skel, const char *mechanism) {
        if (streq(mechanism, "tracepoint"))
                return skel->progs.probe_tracepoint;
        if (streq(mechanism, "kprobe"))
                return skel->progs.probe_kprobe;
        if (streq(mechanism, "fentry"))
                return skel->progs.probe_fentry;
        if (streq(mechanism, "lsm"))
                return skel->progs.probe_lsm;
        return NULL;
}

static int check_hits(struct probe_bpf *skel, const char *mechanism) {
        volatile __u64 *hits;
        int r;

        r = open_probe_file();
        if (r < 0) {
                fprintf(stderr, "%s: opening %s: %s\n", mechanism, PROBE_FILE, strerror(-r));
                return r;
        }
        if (streq(mechanism, "tracepoint"))
                hits = &skel->bss->tracepoint_hits;
        else if (streq(mechanism, "kprobe"))
                hits = &skel->bss->kprobe_hits;
        else
                hits = &skel->bss->fentry_hits;
        if (*hits == 0) {
                fprintf(stderr, "%s: attached, but did not fire on open(%s)\n", mechanism,
                        PROBE_FILE);
                return -ENODATA;
        }
        return 0;
}

static int check_denial(struct probe_bpf *skel) {
        int r;

        skel->bss->deny_opens = 1;
        r = open_probe_file();
        skel->bss->deny_opens = 0;
        if (r != -EPERM) {
                fprintf(stderr, "lsm: open(%s) with the hook denying: %s, expected %s\n",
                        PROBE_FILE, r < 0 ? strerror(-r) : "success", strerror(EPERM));
                return -ENODATA;
        }
        r = open_probe_file();
        if (r < 0) {
                fprintf(stderr, "lsm: open(%s) with the hook allowing: %s\n", PROBE_FILE,
                        strerror(-r));
                return r;
        }
        if (skel->bss->lsm_denials != 1) {
                fprintf(stderr, "lsm: %llu denials counted, expected 1\n",
                        (unsigned long long) skel->bss->lsm_denials);
                return -ENODATA;
        }
        return 0;
}

static int probe(const char *mechanism) {
        _cleanup_(probe_skel_freep) struct probe_bpf *skel = NULL;
        _cleanup_(link_freep) struct bpf_link *link = NULL;
        struct bpf_program *chosen, *p;
        int r;

        skel = probe_bpf__open();
        if (!skel) {
                r = negative_errno();
                fprintf(stderr, "%s: opening the BPF object: %s\n", mechanism, strerror(-r));
                return r;
        }
        chosen = program_for(skel, mechanism);
        bpf_object__for_each_program(p, skel->obj)
                bpf_program__set_autoload(p, p == chosen);
        skel->rodata->target_tgid = getpid();

        r = probe_bpf__load(skel);
        if (r < 0) {
                fprintf(stderr, "%s: load refused: %s\n", mechanism, strerror(-r));
                return r;
        }
        link = bpf_program__attach(chosen);
        if (!link) {
                r = negative_errno();
                fprintf(stderr, "%s: attach refused: %s\n", mechanism, strerror(-r));
                return r;
        }
        if (streq(mechanism, "lsm"))
                return check_denial(skel);
        return check_hits(skel, mechanism);
}

int main(int argc, char *argv[]) {
        bool known = false;

        for (size_t i = 0; argc == 2 && i < ELEMENTSOF(mechanisms); i++)
                known = known || streq(argv[1], mechanisms[i]);
        if (!known) {
                fprintf(stderr, "Usage: %s tracepoint|kprobe|fentry|lsm\n",
                        program_invocation_short_name);
                return 2;
        }
        if (probe(argv[1]) < 0)
                return 1;
        printf("%s: loaded, attached and %s\n", argv[1],
               streq(argv[1], "lsm") ? "denied an open with EPERM" : "fired");
        return 0;
}
