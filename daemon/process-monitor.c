/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>

#include "process-monitor.h"
#include "process.skel.h"

/* Room for bursts: a typical exec record is a few hundred bytes, the largest
 * TG_EXEC_RECORD_MAX (about 28 KiB). A power of two, as the kernel requires. */
#define PROCESS_MONITOR_RINGBUF_SIZE (8U * 1024 * 1024)

struct ProcessMonitor {
        struct process_bpf *skel;
        char description[256];
};

int process_monitor_new(ProcessMonitor **ret, uint32_t ringbuf_size, bool capture_env) {
        _cleanup_(process_monitor_freep) ProcessMonitor *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;

        /* libbpf >= 1.0: NULL or a negative errno, and errno set. */
        m->skel = process_bpf__open();
        if (!m->skel)
                return negative_errno();

        m->skel->rodata->tg_capture_env = capture_env;
        r = libbpf_num_possible_cpus();
        if (r < 0)
                return r;
        r = bpf_map__set_max_entries(m->skel->maps.exec_scratch, (uint32_t) r);
        if (r < 0)
                return r;
        r = bpf_map__set_max_entries(m->skel->maps.process_ringbuf,
                                     ringbuf_size ?: PROCESS_MONITOR_RINGBUF_SIZE);
        if (r < 0)
                return r;

        r = process_bpf__load(m->skel);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

ProcessMonitor *process_monitor_free(ProcessMonitor *m) {
        if (!m)
                return NULL;
        process_bpf__destroy(m->skel);
        return mfree(m);
}

int process_monitor_attach(ProcessMonitor *m) {
        return process_bpf__attach(m->skel);
}

int process_monitor_pin(ProcessMonitor *m, PinnedState *pins) {
        const struct {
                struct bpf_link *link;
                const char *name;
        } links[] = {
                { m->skel->links.tg_exec, "process_exec" },
                { m->skel->links.tg_fork, "process_fork" },
                { m->skel->links.tg_exit, "process_exit" },
        };
        int r;

        r = pinned_state_pin_map(pins, m->skel->maps.process_counters, "process_counters");
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(links); k++)
                r = pinned_state_pin_link(pins, links[k].link, links[k].name);
        return r;
}

int process_monitor_ringbuf_fd(ProcessMonitor *m) {
        return bpf_map__fd(m->skel->maps.process_ringbuf);
}

int process_monitor_read_counters(ProcessMonitor *m, uint64_t ret[_TG_COUNTER_MAX]) {
        _cleanup_free_ uint64_t *values = NULL;
        int n_cpus, fd, r;

        n_cpus = libbpf_num_possible_cpus();
        if (n_cpus < 0)
                return n_cpus;
        values = calloc(n_cpus, sizeof(uint64_t));
        if (!values)
                return -ENOMEM;

        fd = bpf_map__fd(m->skel->maps.process_counters);
        for (uint32_t i = 0; i < _TG_COUNTER_MAX; i++) {
                /* A per-CPU map hands back one value per possible CPU. */
                r = bpf_map_lookup_elem(fd, &i, values);
                if (r < 0)
                        return r;
                ret[i] = 0;
                for (int cpu = 0; cpu < n_cpus; cpu++)
                        ret[i] += values[cpu];
        }
        return 0;
}

const char *process_monitor_describe(ProcessMonitor *m) {
        struct bpf_program *prog;
        size_t n = 0;

        if (m->description[0])
                return m->description;

        bpf_object__for_each_program(prog, m->skel->obj) {
                int k = snprintf(m->description + n, sizeof(m->description) - n, "%s%s",
                                 n > 0 ? ", " : "", bpf_program__section_name(prog));
                if (k < 0 || (size_t) k >= sizeof(m->description) - n)
                        break;
                n += k;
        }
        return m->description;
}
