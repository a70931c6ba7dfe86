/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loader-sensor.h"

#define LOADER_RING_PAGES_DEFAULT 64U

struct LoaderSensor {
        sd_event *event;
        unsigned ring_pages;
        uint32_t excluded_pid;
        LoaderSensorHandler handler;
        LoaderSensorReady ready;
        void *userdata;

        unsigned n_holders;
        int map_fd;                 /* the perf event array libbpf keeps the CPUs' events in */
        struct perf_buffer *buffer; /* NULL while stopped */
        sd_event_source *source;
        /* Per ring: the first record newer than the drain's bound. libbpf consumes the record
         * its callback stops at, so it waits here for the next drain. */
        void **pending;
        size_t n_pending;
        size_t draining; /* the ring being drained, and its bound */
        uint64_t until;
        uint64_t lost;
};

static void sensor_stop(LoaderSensor *s) {
        s->source = sd_event_source_disable_unref(s->source);
        perf_buffer__free(s->buffer);
        s->buffer = NULL;
        if (s->map_fd >= 0)
                close(s->map_fd);
        s->map_fd = -1;
        for (size_t i = 0; i < s->n_pending; i++)
                free(s->pending[i]);
        s->pending = mfree(s->pending);
        s->n_pending = 0;
}

static void sensor_handle(LoaderSensor *s, const struct perf_event_header *h) {
        LoaderRecord rec;

        if (loader_record_decode(h, h->size, &rec) < 0)
                return;
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

/* Every record ends with its time (sample_id_all with PERF_SAMPLE_TIME). */
static uint64_t record_time(const struct perf_event_header *h) {
        uint64_t t;

        if (h->size < sizeof(*h) + sizeof(t))
                return 0; /* not ours to hold: the decoder refuses it */
        memcpy(&t, (const uint8_t *) h + h->size - sizeof(t), sizeof(t));
        return t;
}

static enum bpf_perf_event_ret on_record(void *userdata, int cpu, struct perf_event_header *h) {
        LoaderSensor *s = userdata;
        void *copy;

        if (record_time(h) > s->until) {
                copy = malloc(h->size);
                if (copy) {
                        s->pending[s->draining] = memcpy(copy, h, h->size);
                        return LIBBPF_PERF_EVENT_DONE;
                }
                /* Out of memory: handled early rather than not at all. */
        }
        sensor_handle(s, h);
        return LIBBPF_PERF_EVENT_CONT;
}

static int on_ready(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        LoaderSensor *s = userdata;

        /* Quiet until drained: the owner may wait a moment to drain all rings at once. */
        (void) sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        if (s->ready)
                s->ready(s->userdata);
        else
                (void) loader_sensor_drain(s, UINT64_MAX);
        return 0;
}

static int sensor_start(LoaderSensor *s, char **ret_error) {
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
                .wakeup_events = 1,
        };
        const char *what = "create the perf event array";
        int n_cpus, k;

        n_cpus = libbpf_num_possible_cpus();
        if (n_cpus < 0) {
                k = n_cpus;
                what = "count the CPUs";
                goto fail;
        }
        s->map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "loader_rings", sizeof(int),
                                   sizeof(int), n_cpus, NULL);
        if (s->map_fd < 0) {
                k = -errno;
                goto fail;
        }
        /* One event per online CPU; an offline one runs nothing to report. */
        s->buffer = perf_buffer__new_raw(s->map_fd, s->ring_pages, &attr, on_record, s, NULL);
        if (!s->buffer) {
                k = -errno;
                what = "open its perf events, one per CPU, for mmap records with build ids "
                       "(Linux 5.12 or later)";
                goto fail;
        }
        s->n_pending = perf_buffer__buffer_cnt(s->buffer);
        s->pending = calloc(s->n_pending, sizeof(void *));
        if (!s->pending) {
                sensor_stop(s);
                return -ENOMEM;
        }
        k = sd_event_add_io(s->event, &s->source, perf_buffer__epoll_fd(s->buffer), EPOLLIN,
                            on_ready, s);
        /* After the process events' ring (its priority is below the default): a loaded
         * object's process is then known. */
        if (k >= 0)
                k = sd_event_source_set_priority(s->source, SD_EVENT_PRIORITY_NORMAL + 20);
        if (k >= 0)
                return 0;
        what = "watch its perf events";
fail:
        sensor_stop(s);
        if (ret_error && asprintf(ret_error, "the loader sensor (spec.loader) could not %s: %s",
                                  what, strerror(-k)) < 0)
                *ret_error = NULL;
        return k;
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
        s->excluded_pid = excluded_pid;
        s->handler = handler;
        s->ready = ready;
        s->userdata = userdata;
        s->map_fd = -1;
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
        return s && s->buffer;
}

uint64_t loader_sensor_lost(LoaderSensor *s) {
        return s ? s->lost : 0;
}

bool loader_sensor_drain(LoaderSensor *s, uint64_t until) {
        bool held = false;

        s->until = until;
        for (size_t i = 0; i < s->n_pending; i++) {
                if (s->pending[i]) {
                        if (record_time(s->pending[i]) > until) {
                                held = true;
                                continue;
                        }
                        sensor_handle(s, s->pending[i]);
                        s->pending[i] = mfree(s->pending[i]);
                }
                s->draining = i;
                (void) perf_buffer__consume_buffer(s->buffer, i);
                held |= s->pending[i] != NULL;
        }
        if (s->source)
                (void) sd_event_source_set_enabled(s->source, SD_EVENT_ON);
        return held;
}
