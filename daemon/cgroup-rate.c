/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-rate.h"

/* Open addressing at most half full: probes stay short. */
#define SLOTS (2 * CGROUP_RATE_MAX_CGROUPS)

typedef struct Entry {
        uint64_t cgroup_id; /* 0: a free slot (no cgroup has inode 0) */
        uint64_t window_start;
        uint64_t count;     /* events in the window */
        uint64_t last_over; /* when the count last went over the limit */
        bool throttled;
        char *path;
} Entry;

struct CgroupRate {
        uint64_t events, interval;
        Entry *slots;
        unsigned n, n_throttled;
};

static int parse_duration(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "ms", 1000ULL },
                { "s", 1000000ULL },
                { "m", 60000000ULL },
                { "h", 3600000000ULL },
        };
        char *end;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || v == 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        if (v > UINT64_MAX / units[i].usec)
                                return -EINVAL;
                        *ret = v * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

int cgroup_rate_parse(const char *s, uint64_t *ret_events, uint64_t *ret_interval_usec) {
        const char *comma = strchr(s, ',');
        char *end;
        unsigned long long events;

        if (!comma || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        events = strtoull(s, &end, 10);
        if (errno || end != comma || events == 0)
                return -EINVAL;
        if (parse_duration(comma + 1, ret_interval_usec) < 0)
                return -EINVAL;
        *ret_events = events;
        return 0;
}

int cgroup_rate_new(CgroupRate **ret, uint64_t events, uint64_t interval_usec) {
        CgroupRate *c;

        if (events == 0 || interval_usec == 0)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->slots = calloc(SLOTS, sizeof(Entry));
        if (!c->slots) {
                free(c);
                return -ENOMEM;
        }
        c->events = events;
        c->interval = interval_usec;
        *ret = c;
        return 0;
}

CgroupRate *cgroup_rate_free(CgroupRate *c) {
        if (!c)
                return NULL;
        for (unsigned i = 0; i < SLOTS; i++)
                free(c->slots[i].path);
        free(c->slots);
        return mfree(c);
}

static unsigned slot_of(uint64_t id) {
        /* Cgroup ids are inode numbers, handed out in sequence: spread them. */
        return (unsigned) ((id * 0x9E3779B97F4A7C15ULL) >> 40) % SLOTS;
}

static Entry *entry_find(CgroupRate *c, uint64_t id, bool create) {
        for (unsigned i = slot_of(id), probes = 0; probes < SLOTS; i = (i + 1) % SLOTS, probes++) {
                Entry *e = &c->slots[i];

                if (e->cgroup_id == id)
                        return e;
                if (e->cgroup_id == 0) {
                        if (!create || c->n >= CGROUP_RATE_MAX_CGROUPS)
                                return NULL;
                        e->cgroup_id = id;
                        c->n++;
                        return e;
                }
        }
        return NULL;
}

/* A new window when the last one is over; a window over the limit is remembered. */
static void entry_roll(CgroupRate *c, Entry *e, uint64_t now) {
        if (now - e->window_start < c->interval)
                return;
        e->window_start = now;
        e->count = 0;
}

CgroupRateVerdict cgroup_rate_account(CgroupRate *c, uint64_t cgroup_id, const char *cgroup_path,
                                      uint64_t now) {
        Entry *e;

        if (cgroup_id == 0)
                return CGROUP_RATE_PASS;
        e = entry_find(c, cgroup_id, true);
        if (!e)
                return CGROUP_RATE_PASS; /* too many cgroups: not followed, not dropped */
        if (e->window_start == 0)
                e->window_start = now;
        entry_roll(c, e, now);

        e->count++;
        if (e->count <= c->events)
                return e->throttled ? CGROUP_RATE_DROP : CGROUP_RATE_PASS;
        e->last_over = now;
        if (e->throttled)
                return CGROUP_RATE_DROP;
        e->throttled = true;
        c->n_throttled++;
        free(e->path);
        e->path = cgroup_path ? strdup(cgroup_path) : NULL;
        return CGROUP_RATE_START;
}

void cgroup_rate_sweep(CgroupRate *c, uint64_t now,
                       void (*stopped)(uint64_t cgroup_id, const char *cgroup_path, void *userdata),
                       void *userdata) {
        Entry *old = c->slots, *fresh;
        bool rebuild = false;

        for (unsigned i = 0; i < SLOTS; i++) {
                Entry *e = &old[i];

                if (e->cgroup_id == 0)
                        continue;
                entry_roll(c, e, now);
                if (e->throttled && now - e->last_over >= CGROUP_RATE_STOP_AFTER_USEC) {
                        e->throttled = false;
                        c->n_throttled--;
                        if (stopped)
                                stopped(e->cgroup_id, e->path, userdata);
                        e->path = mfree(e->path);
                }
                /* Idle for two windows: forgotten, which frees its slot. */
                if (!e->throttled && now - e->window_start >= 2 * c->interval)
                        rebuild = true;
        }
        if (!rebuild)
                return;

        /* Open addressing cannot just empty a slot: move the live entries to a new table. */
        fresh = calloc(SLOTS, sizeof(Entry));
        if (!fresh)
                return; /* next time */
        c->slots = fresh;
        c->n = 0;
        for (unsigned i = 0; i < SLOTS; i++) {
                Entry *e = &old[i], *n;

                if (e->cgroup_id == 0)
                        continue;
                if (!e->throttled && now - e->window_start >= 2 * c->interval) {
                        free(e->path);
                        continue;
                }
                n = entry_find(c, e->cgroup_id, true);
                *n = *e;
        }
        free(old);
}

unsigned cgroup_rate_throttled(const CgroupRate *c) {
        return c->n_throttled;
}
