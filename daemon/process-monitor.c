/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "process-monitor.h"
#include "process.skel.h"

/* Room for bursts: a typical exec record is a few hundred bytes, the largest
 * TG_EXEC_RECORD_MAX (about 28 KiB). A power of two, as the kernel requires. */
#define PROCESS_MONITOR_RINGBUF_SIZE (8U * 1024 * 1024)

static const char *const link_names[] = { "process_exec", "process_fork", "process_exit" };

struct ProcessMonitor {
        struct process_bpf *skel;
        /* An older run's links, adopted: attached already, the skeleton's programs unused. */
        struct bpf_link *adopted[ELEMENTSOF(link_names)];
        bool is_adopted;
        /* Why the older run's monitor was not adopted though it matched (a negative errno),
         * or 0. */
        int adopt_error;
        char description[256];
};

/* What a later run compares before adopting the monitor: the programs as built in, and
 * the options that change them or the ring. */
typedef struct ProcessMonitorRecord {
        uint64_t object_hash; /* FNV-1a of process.bpf.o */
        uint32_t ringbuf_size;
        uint32_t capture_env;
        char version[48];
} ProcessMonitorRecord;
_Static_assert(sizeof(ProcessMonitorRecord) == 64, "the record's size is part of the layout");

static void monitor_record(uint32_t ringbuf_size, bool capture_env, ProcessMonitorRecord *ret) {
        size_t size = 0;
        const uint8_t *object = process_bpf__elf_bytes(&size);
        uint64_t hash = 0xcbf29ce484222325ULL;

        /* Tells builds apart, no more: nobody but root writes the pinned record. */
        for (size_t k = 0; k < size; k++)
                hash = (hash ^ object[k]) * 0x100000001b3ULL;
        *ret = (ProcessMonitorRecord){
                .object_hash = hash,
                .ringbuf_size = ringbuf_size,
                .capture_env = capture_env,
        };
        snprintf(ret->version, sizeof(ret->version), "%s", PACKAGE_VERSION);
}

static void monitor_drop_adopted(ProcessMonitor *m) {
        for (size_t k = 0; k < ELEMENTSOF(m->adopted); k++) {
                bpf_link__destroy(m->adopted[k]); /* closes the fd: the pins hold the link */
                m->adopted[k] = NULL;
        }
        m->is_adopted = false;
}

/* Takes over run's monitor when it is the same build with the same options: its ring and
 * counters are reused, its links held. 1: adopted, 0: not the same, or a negative errno. */
static int monitor_adopt(ProcessMonitor *m, PinnedState *pins, const char *run,
                         const ProcessMonitorRecord *own) {
        ProcessMonitorRecord old;
        _cleanup_close_ int ring_fd = -EBADF, counters_fd = -EBADF;
        struct bpf_program *prog;
        int r;

        r = pinned_state_read_record(pins, run, "process", &old, sizeof(old));
        if (r == -ENOENT || r == -EBADMSG)
                return 0;
        if (r < 0)
                return r;
        if (memcmp(&old, own, sizeof(old)) != 0)
                return 0;
        r = pinned_state_open_map(pins, run, "process_ringbuf", &ring_fd);
        if (r >= 0)
                r = pinned_state_open_map(pins, run, "process_counters", &counters_fd);
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(link_names); k++)
                r = pinned_state_open_link(pins, run, link_names[k], &m->adopted[k]);
        if (r >= 0)
                r = bpf_map__reuse_fd(m->skel->maps.process_ringbuf, ring_fd);
        if (r >= 0)
                r = bpf_map__reuse_fd(m->skel->maps.process_counters, counters_fd);
        if (r < 0) {
                monitor_drop_adopted(m);
                return r == -ENOENT ? 0 : r;
        }
        bpf_object__for_each_program(prog, m->skel->obj)
                bpf_program__set_autoload(prog, false);
        m->is_adopted = true;
        return 1;
}

static int monitor_load(ProcessMonitor *m, uint32_t ringbuf_size, bool capture_env,
                        PinnedState *pins, const char *adopt_run) {
        ProcessMonitorRecord own;
        int r;

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
        r = bpf_map__set_max_entries(m->skel->maps.process_ringbuf, ringbuf_size);
        if (r < 0)
                return r;
        if (pins && adopt_run) {
                monitor_record(ringbuf_size, capture_env, &own);
                r = monitor_adopt(m, pins, adopt_run, &own);
                if (r < 0)
                        return r;
        }
        return process_bpf__load(m->skel);
}

int process_monitor_new(ProcessMonitor **ret, uint32_t ringbuf_size, bool capture_env,
                        PinnedState *pins, const char *adopt_run) {
        _cleanup_(process_monitor_freep) ProcessMonitor *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        ringbuf_size = ringbuf_size ?: PROCESS_MONITOR_RINGBUF_SIZE;
        r = monitor_load(m, ringbuf_size, capture_env, pins, adopt_run);
        if (r < 0 && (pins && adopt_run)) {
                /* Whatever kept the older monitor from being adopted, a new one will do. */
                m->adopt_error = r;
                monitor_drop_adopted(m);
                process_bpf__destroy(TAKE_PTR(m->skel));
                r = monitor_load(m, ringbuf_size, capture_env, NULL, NULL);
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

ProcessMonitor *process_monitor_free(ProcessMonitor *m) {
        if (!m)
                return NULL;
        monitor_drop_adopted(m);
        process_bpf__destroy(m->skel);
        return mfree(m);
}

int process_monitor_attach(ProcessMonitor *m) {
        if (m->is_adopted)
                return 0; /* attached since the older run */
        return process_bpf__attach(m->skel);
}

bool process_monitor_is_adopted(ProcessMonitor *m) {
        return m->is_adopted;
}

int process_monitor_adopt_error(ProcessMonitor *m) {
        return m->adopt_error;
}

int process_monitor_pin(ProcessMonitor *m, PinnedState *pins) {
        struct bpf_link *links[] = {
                m->skel->links.tg_exec,
                m->skel->links.tg_fork,
                m->skel->links.tg_exit,
        };
        ProcessMonitorRecord own;
        int r;

        _Static_assert(ELEMENTSOF(links) == ELEMENTSOF(link_names), "one name per link");
        monitor_record(bpf_map__max_entries(m->skel->maps.process_ringbuf),
                       m->skel->rodata->tg_capture_env, &own);
        r = pinned_state_pin_record(pins, "process", &own, sizeof(own));
        if (r >= 0)
                r = pinned_state_pin_map(pins, m->skel->maps.process_counters, "process_counters");
        if (r >= 0)
                r = pinned_state_pin_map(pins, m->skel->maps.process_ringbuf, "process_ringbuf");
        if (r >= 0 && m->is_adopted)
                r = pinned_state_adopt_map(pins, bpf_map__fd(m->skel->maps.process_counters));
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(links); k++)
                r = m->is_adopted ? pinned_state_adopt_link(pins, m->adopted[k], link_names[k])
                                  : pinned_state_pin_link(pins, links[k], link_names[k]);
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
