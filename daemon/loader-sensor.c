/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loader-sensor.h"

#define LOADER_RING_PAGES_DEFAULT 64U

typedef struct LoaderRing {
        LoaderSensor *sensor;
        int fd;
        void *base; /* the metadata page, then the data pages */
        sd_event_source *source;
} LoaderRing;

struct LoaderSensor {
        sd_event *event;
        unsigned ring_pages;
        size_t page_size;
        uint32_t excluded_pid;
        LoaderSensorHandler handler;
        LoaderSensorReady ready;
        void *userdata;

        unsigned n_holders;
        LoaderRing *rings; /* one per CPU that could be opened; NULL while stopped */
        size_t n_rings;
        uint64_t lost;
        /* A record that wraps around the ring's end, made whole (a header's size is 16 bits). */
        uint8_t copy[UINT16_MAX + 1];
};

static void ring_close(LoaderRing *r) {
        r->source = sd_event_source_disable_unref(r->source);
        if (r->base)
                munmap(r->base, (r->sensor->ring_pages + 1) * r->sensor->page_size);
        r->base = NULL;
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

static void sensor_stop(LoaderSensor *s) {
        for (size_t i = 0; i < s->n_rings; i++)
                ring_close(&s->rings[i]);
        s->rings = mfree(s->rings);
        s->n_rings = 0;
}

static int on_ring_ready(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        LoaderRing *r = userdata;
        LoaderSensor *s = r->sensor;

        /* Quiet until drained: the owner may wait a moment to drain all rings at once. */
        for (size_t i = 0; i < s->n_rings; i++)
                (void) sd_event_source_set_enabled(s->rings[i].source, SD_EVENT_OFF);
        if (s->ready)
                s->ready(s->userdata);
        else
                (void) loader_sensor_drain(s, UINT64_MAX);
        return 0;
}

static int ring_open(LoaderSensor *s, int cpu, LoaderRing *r) {
        struct perf_event_attr attr = {
                .type = PERF_TYPE_SOFTWARE,
                .size = sizeof(attr),
                .config = PERF_COUNT_SW_DUMMY,
                .sample_type = PERF_SAMPLE_TIME,
                .sample_id_all = 1,
                .mmap = 1,
                .mmap2 = 1,
                .build_id = 1,
                .use_clockid = 1,
                .clockid = CLOCK_BOOTTIME, /* the process events' clock */
                .watermark = 0,
                .wakeup_events = 1,
        };
        int fd, k;

        fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0)
                return -errno;
        r->fd = fd;
        r->base = mmap(NULL, (s->ring_pages + 1) * s->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                       fd, 0);
        if (r->base == MAP_FAILED) {
                r->base = NULL;
                return -errno;
        }
        k = sd_event_add_io(s->event, &r->source, fd, EPOLLIN, on_ring_ready, r);
        if (k < 0)
                return k;
        /* After the process events' ring (its priority is below the default): a loaded
         * object's process is then known. */
        return sd_event_source_set_priority(r->source, SD_EVENT_PRIORITY_NORMAL + 20);
}

static int sensor_start(LoaderSensor *s, char **ret_error) {
        long n_cpus = sysconf(_SC_NPROCESSORS_CONF);
        int k, skipped = 0;

        if (n_cpus <= 0)
                n_cpus = 1;
        s->rings = calloc(n_cpus, sizeof(LoaderRing));
        if (!s->rings)
                return -ENOMEM;
        for (long cpu = 0; cpu < n_cpus; cpu++) {
                LoaderRing *r = &s->rings[s->n_rings];

                *r = (LoaderRing){ .sensor = s, .fd = -1 };
                k = ring_open(s, cpu, r);
                if (k == -ENODEV || k == -EINVAL) {
                        /* An offline CPU: nothing runs there to report. On every CPU, the
                         * kernel lacks something (build ids: 5.12); said below. */
                        ring_close(r);
                        skipped = k;
                        continue;
                }
                if (k < 0) {
                        ring_close(r);
                        sensor_stop(s);
                        if (ret_error &&
                            asprintf(ret_error,
                                     "the loader sensor (spec.loader) could not open a perf "
                                     "event for mmap records on CPU %ld: %s",
                                     cpu, strerror(-k)) < 0)
                                *ret_error = NULL;
                        return k;
                }
                s->n_rings++;
        }
        if (s->n_rings == 0) {
                sensor_stop(s);
                if (ret_error &&
                    asprintf(ret_error,
                             "the loader sensor (spec.loader) could not open a perf event for "
                             "mmap records with build ids on any CPU (Linux 5.12 or later): %s",
                             strerror(-skipped)) < 0)
                        *ret_error = NULL;
                return skipped < 0 ? skipped : -ENODEV;
        }
        return 0;
}

int loader_sensor_new(LoaderSensor **ret, sd_event *event, unsigned ring_pages,
                      uint32_t excluded_pid, LoaderSensorHandler handler, LoaderSensorReady ready,
                      void *userdata) {
        LoaderSensor *s;

        if (ring_pages == 0)
                ring_pages = LOADER_RING_PAGES_DEFAULT;
        if (ring_pages & (ring_pages - 1))
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->ring_pages = ring_pages;
        s->page_size = sysconf(_SC_PAGESIZE);
        s->excluded_pid = excluded_pid;
        s->handler = handler;
        s->ready = ready;
        s->userdata = userdata;
        *ret = s;
        return 0;
}

LoaderSensor *loader_sensor_free(LoaderSensor *s) {
        if (!s)
                return NULL;
        sensor_stop(s);
        sd_event_unref(s->event);
        return mfree(s);
}

int loader_sensor_hold(LoaderSensor *s, char **ret_error) {
        int k;

        if (ret_error)
                *ret_error = NULL;
        if (s->n_holders == 0) {
                k = sensor_start(s, ret_error);
                if (k < 0)
                        return k;
        }
        s->n_holders++;
        return 0;
}

void loader_sensor_release(LoaderSensor *s) {
        if (!s || s->n_holders == 0)
                return;
        /* What is still queued goes with the rings: at most the last moments' mappings. */
        if (--s->n_holders == 0)
                sensor_stop(s);
}

bool loader_sensor_is_running(LoaderSensor *s) {
        return s && s->n_rings > 0;
}

uint64_t loader_sensor_lost(LoaderSensor *s) {
        return s ? s->lost : 0;
}

/* Every record ends with its time (sample_id_all with PERF_SAMPLE_TIME). */
static uint64_t record_time(const uint8_t *data, uint64_t ring_size, uint64_t at, uint16_t size) {
        uint8_t t[sizeof(uint64_t)];
        uint64_t v;

        for (size_t i = 0; i < sizeof(t); i++)
                t[i] = data[(at + size - sizeof(t) + i) % ring_size];
        memcpy(&v, t, sizeof(v));
        return v;
}

static bool ring_drain(LoaderSensor *s, LoaderRing *r, uint64_t until) {
        struct perf_event_mmap_page *meta = r->base;
        const uint8_t *data = (const uint8_t *) r->base + s->page_size;
        uint64_t ring_size = (uint64_t) s->ring_pages * s->page_size;
        uint64_t head, tail;

        bool held = false;

        head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
        tail = meta->data_tail;
        while (tail < head) {
                const struct perf_event_header *h;
                uint64_t at = tail % ring_size;
                const void *record;
                LoaderRecord rec;

                /* Records are 8-byte aligned and the ring's size a power of two: a header
                 * never wraps, its record may. */
                h = (const void *) (data + at);
                if (h->size < sizeof(*h) + sizeof(uint64_t) || h->size > head - tail) {
                        tail = head; /* cannot happen with a sane kernel: drop the rest */
                        break;
                }
                if (record_time(data, ring_size, at, h->size) > until) {
                        held = true;
                        break;
                }
                if (at + h->size <= ring_size)
                        record = h;
                else {
                        memcpy(s->copy, data + at, ring_size - at);
                        memcpy(s->copy + (ring_size - at), data, h->size - (ring_size - at));
                        record = s->copy;
                }
                if (loader_record_decode(record, h->size, &rec) >= 0) {
                        switch (rec.kind) {
                        case LOADER_RECORD_LOST:
                                s->lost += rec.lost;
                                break;
                        case LOADER_RECORD_MAPPING:
                                if (rec.pid != s->excluded_pid)
                                        s->handler(&rec, s->userdata);
                                break;
                        case LOADER_RECORD_SKIP:
                        case _LOADER_RECORD_KIND_MAX:
                                break;
                        }
                }
                tail += h->size;
        }
        __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
        return held;
}

bool loader_sensor_drain(LoaderSensor *s, uint64_t until) {
        bool held = false;

        for (size_t i = 0; i < s->n_rings; i++) {
                held |= ring_drain(s, &s->rings[i], until);
                (void) sd_event_source_set_enabled(s->rings[i].source, SD_EVENT_ON);
        }
        return held;
}
