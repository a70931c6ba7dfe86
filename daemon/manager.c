/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/libbpf.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/utsname.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "cgroup-rate.h"
#include "event-filter.h"
#include "event-format.h"
#include "event-json.h"
#include "export-file.h"
#include "field-filter.h"
#include "guard.h"
#include "loader-sensor.h"
#include "log.h"
#include "manager.h"
#include "message-ids.h"
#include "metrics-server.h"
#include "metrics.h"
#include "pinned-state.h"
#include "policy-dir.h"
#include "policy-engine.h"
#include "policy-registry.h"
#include "process-cache.h"
#include "process-monitor.h"
#include "redaction.h"
#include "sink-journal.h"
#include "tetragond-bus.h"

#define STATS_INTERVAL_USEC (60ULL * 1000 * 1000)
#define GC_INTERVAL_USEC (5ULL * 1000 * 1000)
/* How long records may wait in the ring buffer after it signals: under load
 * the daemon (and journald behind it) wake at most this often instead of once
 * per record, which is what costs the host most. Enforcement happens in the
 * kernel and does not wait for this. */
#define RINGBUF_COALESCE_USEC (5ULL * 1000)
/* --export-rate-limit counts per minute. Tests shorten the window through this variable, so
 * they need not wait minutes; it is not meant for anything else. */
#define RATE_WINDOW_USEC (60ULL * 1000 * 1000)
#define RATE_WINDOW_ENV "TETRAGOND_TEST_RATE_WINDOW_MSEC"
/* How often --cgroup-rate looks for cgroups to stop throttling. */
#define THROTTLE_SWEEP_USEC (1000ULL * 1000)
/* The most one drain may do before it yields to the event loop with records still queued:
 * under a flood that never lets the ring run empty, SIGTERM, D-Bus calls and the watchdog
 * are still served between two drains. */
#define RINGBUF_DRAIN_MAX_RECORDS 4096U
#define RINGBUF_DRAIN_MAX_USEC (50ULL * 1000)
/* Below the default priority: any signal, bus message or inotify event that is pending is
 * dispatched before the next drain. */
#define RINGBUF_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)

struct Manager {
        Config *config;
        const ConfigSources *config_sources;
        char node_name[65];
        uint64_t boot_time_ns;

        sd_event *event;
        sd_event_source *ringbuf_source;
        sd_event_source *ringbuf_drain_timer;
        sd_event_source *stats_timer;
        sd_event_source *gc_timer;
        sd_event_source *rate_timer;
        sd_event_source *throttle_timer;

        PinnedState *pins;    /* NULL: nothing pinned (no --bpf-dir, or pinning failed) */
        bool release_on_free; /* remove this run's pinned state when freed */
        unsigned runs_replaced;
        ManagerPinnedFound pinned; /* what the earlier runs held, found at start */
        char kernel_protection[ENGINE_DETAIL_MAX + 128];
        int guard; /* locked: 1 the kernel guard answers to us, else -errno; 0 unlocked */
        uint32_t guard_holder; /* guard == -EBUSY: the task group it answers to */
        int guarded_maps;      /* how many maps the guard keeps from writes by others */

        ProcessMonitor *process_monitor;
        /* spec.loader: runs while a policy holds it */
        LoaderSensor *loader_sensor;
        KernelFacts *kernel_facts; /* what the engine and the bus plan and report with */
        PolicyEngine *engine;      /* NULL when it could not load: policies then fail to install */
        Canary *canary;            /* GetUrl and DnsLookup, off the event path */
        struct ring_buffer *ringbuf;
        ProcessCache *process_cache;
        UserNames *user_names; /* --username-metadata unix */
        ExportFile *export_file;
        JsonLine json_line; /* each event's JSON, dumped once for every sink */

        /* The control plane: the policies, their folder, the D-Bus API. */
        PolicyRegistry *registry;
        PolicyDirWatch *policy_watch;
        TetragondBus *bus;
        MetricsServer *metrics_server; /* --metrics-server, NULL when off */

        /* --export-rate-limit: a fixed window, reset by rate_timer. */
        uint64_t rate_window_usec;
        uint64_t rate_count;   /* events that reached the sinks in this window */
        uint64_t rate_dropped; /* since the last rate_limit_info */

        ManagerStats stats;
        ManagerStats stats_logged; /* what the last periodic log line reported */

        /* The newest process record handled: the loader sensor's mappings wait for it. */
        uint64_t last_record_ktime;

        /* The drain under way: records handled, and when it must yield. */
        unsigned drain_records;
        uint64_t drain_deadline_usec;
};

static uint64_t clock_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* A time source is off once it fired (sd-event's ONESHOT): moving its time is not enough. */
static int timer_rearm(sd_event_source *s, uint64_t usec) {
        int r;

        r = sd_event_source_set_time_relative(s, usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int manager_new_registry(Manager *m) {
        _cleanup_free_ char *state_file = NULL;
        PolicyBackend backend;
        int r;

        if (m->config->state_dir &&
            asprintf(&state_file, "%s/policy-state.json", m->config->state_dir) < 0)
                return log_error_errno(-ENOMEM, "Failed to set up the policy registry: %m");
        /* Without an engine (NULL backend) every policy fails with a sentence saying so. */
        if (m->engine)
                policy_engine_get_backend(m->engine, &backend);
        r = policy_registry_new(&m->registry, m->config->policy_dir, state_file, 0,
                                m->engine ? &backend : NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the policy registry: %m");
        return 0;
}

/* --redaction-filters, with the filters in force when the process is learnt. */
static int manager_redact_args(Process *p, void *userdata) {
        Manager *m = userdata;

        return m->config->redaction ? redaction_apply(m->config->redaction, p) : 0;
}

int manager_new(Manager **ret, Config *config, const ConfigSources *sources) {
        _cleanup_(config_freep) Config *c = config;
        _cleanup_(manager_freep) Manager *m = NULL;
        struct utsname u;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->config = TAKE_PTR(c);
        m->config_sources = sources;
        config = m->config;
        m->rate_window_usec = RATE_WINDOW_USEC;
        if (getenv(RATE_WINDOW_ENV))
                m->rate_window_usec = strtoull(getenv(RATE_WINDOW_ENV), NULL, 10) * 1000 ?: 1000;

        if (uname(&u) < 0)
                return log_error_errno(negative_errno(), "Failed to read the node name: %m");
        snprintf(m->node_name, sizeof(m->node_name), "%s", u.nodename);
        m->boot_time_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");

        r = process_cache_new(&m->process_cache, config->process_cache_size, m->node_name);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the process cache: %m");
        r = canary_new(&m->canary);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the GetUrl/DnsLookup queue: %m");
        process_cache_set_args_hook(m->process_cache, manager_redact_args, m);
        if (config->enrich.username_unix) {
                r = user_names_new(&m->user_names, "/etc/passwd");
                if (r < 0)
                        return log_error_errno(r, "Failed to allocate the user name cache: %m");
        }
        /* Borrowed from the Config in force: a reload points the cache at its successor. */
        process_cache_set_enrichment(m->process_cache, &m->config->enrich, m->user_names);

        if (config->export_file) {
                r = export_file_new(&m->export_file, config->export_file,
                                    config->export_file_max_size, config->export_file_max_backups);
                if (r < 0)
                        return log_error_errno(r, "Failed to open export file %s: %m",
                                               config->export_file);
        }

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        sd_event_source_disable_unref(m->ringbuf_source);
        sd_event_source_disable_unref(m->ringbuf_drain_timer);
        sd_event_source_disable_unref(m->stats_timer);
        sd_event_source_disable_unref(m->gc_timer);
        metrics_server_free(m->metrics_server);
        sd_event_source_disable_unref(m->rate_timer);
        sd_event_source_disable_unref(m->throttle_timer);
        /* Policies leave the kernel before the engine they are installed in. */
        tetragond_bus_free(m->bus);
        policy_dir_watch_free(m->policy_watch);
        /* Kept: the registry's uninstalls and the engine's end leave the kernel alone. */
        if (m->engine && m->pins && !m->release_on_free)
                policy_engine_keep_pinned(m->engine);
        policy_registry_free(m->registry);
        ring_buffer__free(m->ringbuf);
        policy_engine_free(m->engine);
        loader_sensor_free(m->loader_sensor);
        canary_free(m->canary);
        kernel_facts_free(m->kernel_facts);
        process_monitor_free(m->process_monitor);
        if (m->pins && m->release_on_free) {
                int r = pinned_state_release_own(m->pins);

                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s: %m, ignoring.",
                                          pinned_state_run_dir(m->pins));
        }
        pinned_state_free(m->pins);
        process_cache_free(m->process_cache);
        user_names_free(m->user_names);
        export_file_free(m->export_file);
        json_line_done(&m->json_line);
        config_free(m->config);
        sd_event_unref(m->event);
        return mfree(m);
}

static void manager_print_event(Manager *m, json_t *json, const JsonLine *line,
                                const char *compact) {
        switch (m->config->stdout_format) {
        case STDOUT_NONE:
                return;
        case STDOUT_COMPACT:
                if (compact)
                        puts(compact);
                break;
        case STDOUT_JSON:
                if (line)
                        fwrite(json_line_text(line), 1, line->len + 1, stdout);
                else {
                        json_dumpf(json, stdout, JSON_COMPACT);
                        putchar('\n');
                }
                break;
        }
        fflush(stdout);
}

/* An event about the event stream (rate_limit_info, process_throttle) to every sink. It is
 * neither filtered nor rate limited: it is what says that events were. */
static void manager_dispatch_info(Manager *m, const char *type, json_t *body,
                                  const char *message_id, const char *message) {
        json_t *json = NULL;
        int r;

        r = event_info_to_json(type, body, m->node_name, clock_ns(CLOCK_REALTIME), &json);
        if (r < 0) {
                m->stats.sink_errors++;
                return;
        }
        if (journal_sink_write_info(type, message_id, message, json) < 0)
                m->stats.sink_errors++;
        if (m->export_file && export_file_write(m->export_file, json) < 0)
                m->stats.sink_errors++;
        manager_print_event(m, json, NULL, message);
        json_decref(json);
}

/* The end of a rate window: say how many events the limit dropped in it (Tetragon's
 * rate_limit_info; protojson writes the uint64 count as a string). */
static int on_rate_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->rate_dropped > 0) {
                _cleanup_free_ char *count = NULL, *message = NULL;

                if (asprintf(&count, "%" PRIu64, m->rate_dropped) >= 0 &&
                    asprintf(&message, "⚠️ rate limit: %s events not exported", count) >= 0)
                        manager_dispatch_info(
                                m, "rate_limit_info",
                                json_pack("{s:s}", "number_of_dropped_process_events", count),
                                TETRAGON_MESSAGE_RATE_LIMIT_INFO_STR, message);
                m->rate_dropped = 0;
        }
        m->rate_count = 0;
        return timer_rearm(s, m->rate_window_usec);
}

static void manager_report_throttle(Manager *m, const char *type, const char *cgroup_path) {
        _cleanup_free_ char *message = NULL;

        if (asprintf(&message, "⚠️ throttle %s %s",
                     streq(type, "THROTTLE_START") ? "start" : "stop", strempty(cgroup_path)) < 0)
                return;
        manager_dispatch_info(m, "process_throttle",
                              json_pack("{s:s,s:s}", "type", type, "cgroup", strempty(cgroup_path)),
                              TETRAGON_MESSAGE_PROCESS_THROTTLE_STR, message);
}

/* --cgroup-rate: true when the event is throttled (and counted). Only process events are:
 * what policies report is never throttled. */
static bool manager_throttle(Manager *m, const Event *e) {
        CgroupRateVerdict v;

        switch (e->type) {
        case EVENT_PROCESS_EXEC:
        case EVENT_PROCESS_EXIT:
                break;
        case EVENT_PROCESS_KPROBE:
        case EVENT_PROCESS_LSM:
        case EVENT_PROCESS_UPROBE:
        case EVENT_PROCESS_TRACEPOINT:
        case EVENT_PROCESS_USDT:
        case EVENT_PROCESS_LOADER:
        case _EVENT_TYPE_MAX:
                return false;
        }

        v = cgroup_rate_account(m->config->cgroup_rate, e->process->cgroup_id,
                                e->process->cgroup_path, clock_ns(CLOCK_MONOTONIC) / 1000);
        switch (v) {
        case CGROUP_RATE_PASS:
                return false;
        case CGROUP_RATE_START:
                manager_report_throttle(m, "THROTTLE_START", e->process->cgroup_path);
                break;
        case CGROUP_RATE_DROP:
                break;
        }
        m->stats.throttled++;
        return true;
}

static void on_throttle_stopped(uint64_t cgroup_id, const char *cgroup_path, void *userdata) {
        manager_report_throttle(userdata, "THROTTLE_STOP", cgroup_path);
}

static int on_throttle_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->config->cgroup_rate)
                cgroup_rate_sweep(m->config->cgroup_rate, clock_ns(CLOCK_MONOTONIC) / 1000,
                                  on_throttle_stopped, m);
        return timer_rearm(s, THROTTLE_SWEEP_USEC);
}

/* Stage 3: hand one enriched event to every sink. A failing sink is counted
 * and does not keep the others from seeing the event. */
static void manager_dispatch(Manager *m, const Event *e) {
        _cleanup_free_ char *compact = NULL;
        json_t *json = NULL;
        int r;

        if (m->config->cgroup_rate && manager_throttle(m, e))
                return;

        /* Before anything is built: a filtered event costs a match, not a JSON object. */
        if ((m->config->allowlist && !event_filter_match(m->config->allowlist, e)) ||
            (m->config->denylist && event_filter_match(m->config->denylist, e))) {
                m->stats.filtered++;
                return;
        }
        if (m->config->export_rate_limit >= 0 &&
            m->rate_count >= (uint64_t) m->config->export_rate_limit) {
                m->stats.rate_limited++;
                m->rate_dropped++;
                return;
        }
        m->rate_count++;

        r = event_to_json_with_options(e, m->node_name, m->boot_time_ns, &m->config->enrich, &json);
        if (r < 0) {
                m->stats.sink_errors++;
                log_debug_errno(r, "Failed to build JSON for an event: %m");
                return;
        }

        r = event_format_compact(json, &compact);
        if (r < 0)
                log_debug_errno(r, "Failed to format an event: %m");
        /* After the compact line: MESSAGE= stays whole, the JSON is what the filters shape. */
        if (m->config->field_filter) {
                r = field_filter_apply(m->config->field_filter, e->type, json);
                if (r < 0)
                        log_debug_errno(r, "Failed to apply the field filters: %m");
        }

        m->stats.events++;
        m->stats.events_by_type[e->type]++;
        /* Dumped once for the three sinks. */
        r = json_line_format(&m->json_line, json);
        if (r < 0) {
                m->stats.sink_errors++;
                log_debug_errno(r, "Failed to format an event's JSON: %m");
                json_decref(json);
                return;
        }
        if (journal_sink_write(e, json, &m->json_line, compact) < 0)
                m->stats.sink_errors++;
        if (m->export_file && export_file_write_line(m->export_file, json_line_text(&m->json_line),
                                                     m->json_line.len + 1) < 0)
                m->stats.sink_errors++;
        manager_print_event(m, json, &m->json_line, compact);

        json_decref(json);
}

static int on_ringbuf_record(void *userdata, void *data, size_t size) {
        Manager *m = userdata;
        Record record;
        Event event;
        int r;

        m->stats.received++;
        r = record_decode(data, size, &record);
        if (r < 0) {
                m->stats.malformed++;
                log_debug_errno(r, "Dropping a malformed record of %zu bytes: %m", size);
                return 0;
        }
        m->stats.decoded++;
        m->last_record_ktime = MAX(m->last_record_ktime, record.header->ktime);

        if (record.op == TG_OP_GENERIC)
                r = m->engine ? policy_engine_make_event(m->engine, &record, &event) : 0;
        else
                r = process_cache_apply(m->process_cache, &record, &event);
        if (r < 0) {
                log_debug_errno(r, "Failed to apply a record to the process cache: %m");
                return 0;
        }
        if (r > 0) {
                manager_dispatch(m, &event);
                event_release(&event);
        }
        /* Past the budget: the record is handled, and libbpf stops at a negative return. */
        if (++m->drain_records >= RINGBUF_DRAIN_MAX_RECORDS ||
            ((m->drain_records & 63) == 0 &&
             clock_ns(CLOCK_MONOTONIC) / 1000 >= m->drain_deadline_usec))
                return -EAGAIN;
        return 0; /* never stop consuming because of one record */
}

/* One bounded drain. 1: records are still queued, 0: the ring is empty. */
static int manager_drain(Manager *m) {
        int r;

        m->drain_records = 0;
        m->drain_deadline_usec = clock_ns(CLOCK_MONOTONIC) / 1000 + RINGBUF_DRAIN_MAX_USEC;
        r = ring_buffer__consume(m->ringbuf);
        /* The drain's lines in one write(). */
        if (m->export_file && export_file_flush(m->export_file) < 0)
                m->stats.sink_errors++;
        if (r == -EAGAIN)
                return 1;
        return r < 0 ? r : 0;
}

/* Data is there: stop listening, and drain a moment later in one go. */
static int on_ringbuf_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r;

        r = sd_event_source_set_enabled(m->ringbuf_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_source_set_time_relative(m->ringbuf_drain_timer,
                                                      RINGBUF_COALESCE_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->ringbuf_drain_timer, SD_EVENT_ONESHOT);
        if (r < 0) {
                /* Without the timer, drain now rather than risk never draining. */
                log_warning_errno(r, "Failed to arm the drain timer: %m, draining at once.");
                (void) manager_drain(m);
                (void) sd_event_source_set_enabled(m->ringbuf_source, SD_EVENT_ON);
        }
        return 0;
}

static int on_ringbuf_drain(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        bool loader_held = false;
        int r;

        r = manager_drain(m);
        /* The mappings up to the process events handled: a binary and its interpreter are
         * mapped just before the exec's record is written, which must be learnt first. With
         * the process ring drained, what is older than a drain's delay; else, up to its
         * newest record handled. Later mappings wait for the next drain. */
        if (m->loader_sensor) {
                uint64_t until = clock_ns(CLOCK_BOOTTIME) - RINGBUF_COALESCE_USEC * 1000;

                if (r > 0)
                        until = MIN(until, m->last_record_ktime);
                loader_held = loader_sensor_drain(m->loader_sensor, until);
                if (m->export_file && export_file_flush(m->export_file) < 0)
                        m->stats.sink_errors++;
        }
        if (r < 0)
                log_warning_errno(r, "Failed to consume the ring buffer: %m, ignoring.");
        if (r > 0) {
                /* More is queued: the kernel will not wake us for it (it only does when we
                 * caught up), so come back right after whatever else is pending. */
                r = sd_event_source_set_time_relative(m->ringbuf_drain_timer, 0);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->ringbuf_drain_timer, SD_EVENT_ONESHOT);
                if (r >= 0)
                        return 0;
        }
        r = sd_event_source_set_enabled(m->ringbuf_source, SD_EVENT_ON);
        /* Mappings wait for their age: come back after a drain's delay. */
        if (r >= 0 && loader_held)
                r = sd_event_source_set_time_relative(m->ringbuf_drain_timer,
                                                      RINGBUF_COALESCE_USEC);
        if (r >= 0 && loader_held)
                r = sd_event_source_set_enabled(m->ringbuf_drain_timer, SD_EVENT_ONESHOT);
        return r;
}

static void manager_update_lost(Manager *m) {
        uint64_t counters[_TG_COUNTER_MAX] = {};

        if (process_monitor_read_counters(m->process_monitor, counters) >= 0)
                m->stats.lost =
                        m->stats.lost_before_start + counters[TG_COUNTER_RINGBUF_RESERVE_FAILED];
        if (m->engine && policy_engine_read_counters(m->engine, counters) >= 0)
                m->stats.lost += counters[TG_COUNTER_RINGBUF_RESERVE_FAILED] +
                                 counters[TG_COUNTER_IMA_HASH_INTERRUPTED];
        m->stats.lost += loader_sensor_lost(m->loader_sensor);
}

/* A mapping the loader sensor saw: its process from the cache, as Tetragon's sensor takes
 * it from its execve map, even when its exit was read first (a short-lived process); one
 * the cache does not know is dropped, as there. */
static void on_loader_record(const LoaderRecord *record, void *userdata) {
        Manager *m = userdata;
        Process *process;
        Event event;

        process = process_cache_get_recent(m->process_cache, record->pid);
        if (!process)
                return;
        event = (Event){
                .type = EVENT_PROCESS_LOADER,
                .ktime = record->time,
                .process = process_ref(process),
                .parent = process_ref(process_cache_get(m->process_cache, process->ppid)),
                .loader = { .path = record->path,
                            .build_id = record->build_id,
                            .build_id_size = record->build_id_size },
        };
        manager_dispatch(m, &event);
        event_release(&event);
}

/* Its rings have records: drained with the process events' ring, after it. */
static void on_loader_ready(void *userdata) {
        Manager *m = userdata;

        if (sd_event_source_get_enabled(m->ringbuf_drain_timer, NULL) > 0)
                return; /* a drain is due anyway */
        if (sd_event_source_set_time_relative(m->ringbuf_drain_timer, RINGBUF_COALESCE_USEC) < 0 ||
            sd_event_source_set_enabled(m->ringbuf_drain_timer, SD_EVENT_ONESHOT) < 0)
                (void) loader_sensor_drain(m->loader_sensor, UINT64_MAX);
}

KernelFacts *manager_get_kernel_facts(Manager *m) {
        return m->kernel_facts;
}

void manager_get_stats(Manager *m, ManagerStats *ret) {
        manager_update_lost(m);
        *ret = m->stats;
        canary_get_stats(m->canary, &ret->canary);
}

void manager_get_process_cache_stats(Manager *m, ProcessCacheStats *ret, size_t *ret_capacity) {
        process_cache_get_stats(m->process_cache, ret);
        *ret_capacity = m->config->process_cache_size;
}

static void manager_log_stats(Manager *m, int level) {
        log_full(level,
                 "Events: %" PRIu64 " received, %" PRIu64 " decoded, %" PRIu64
                 " malformed, %" PRIu64 " lost in the kernel, %" PRIu64 " sink errors.",
                 m->stats.received, m->stats.decoded, m->stats.malformed, m->stats.lost,
                 m->stats.sink_errors);
}

static int on_stats_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        ManagerStats *last = &m->stats_logged;

        manager_update_lost(m);
        /* Quiet while all is well; say so as soon as something was lost or refused. */
        if (m->stats.lost != last->lost || m->stats.malformed != last->malformed ||
            m->stats.sink_errors != last->sink_errors)
                manager_log_stats(m, LOG_WARNING);
        *last = m->stats;
        return timer_rearm(s, STATS_INTERVAL_USEC);
}

static void manager_record_policies(Manager *m);
static void manager_guard_sync(Manager *m);

static int on_gc_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        process_cache_gc(m->process_cache, clock_ns(CLOCK_BOOTTIME));
        /* Changes by D-Bus or the folder reach the manifests within one period; a start
         * that reads them meanwhile counts the policy as changed, never as unchanged. */
        manager_record_policies(m);
        manager_guard_sync(m);
        return timer_rearm(s, GC_INTERVAL_USEC);
}

static int manager_setup_ringbuf(Manager *m) {
        int r;

        m->ringbuf = ring_buffer__new(process_monitor_ringbuf_fd(m->process_monitor),
                                      on_ringbuf_record, m, NULL);
        if (!m->ringbuf)
                return log_error_errno(negative_errno(), "Failed to create the ring buffer: %m");

        r = sd_event_add_io(m->event, &m->ringbuf_source, ring_buffer__epoll_fd(m->ringbuf),
                            EPOLLIN, on_ringbuf_ready, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the ring buffer: %m");
        /* An explicit accuracy: 0 would mean sd-event's default of 250 ms. */
        r = sd_event_add_time_relative(m->event, &m->ringbuf_drain_timer, CLOCK_MONOTONIC,
                                       RINGBUF_COALESCE_USEC, RINGBUF_COALESCE_USEC / 5,
                                       on_ringbuf_drain, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->ringbuf_drain_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_source_set_priority(m->ringbuf_drain_timer, RINGBUF_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_priority(m->ringbuf_source, RINGBUF_PRIORITY);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the ring buffer's drain timer: %m");
        return 0;
}

static int manager_setup_timers(Manager *m) {
        int r;

        r = sd_event_add_time_relative(m->event, &m->stats_timer, CLOCK_MONOTONIC,
                                       STATS_INTERVAL_USEC, 0, on_stats_timer, m);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->gc_timer, CLOCK_MONOTONIC, GC_INTERVAL_USEC, 0,
                                       on_gc_timer, m);
        if (r < 0)
                return r;
        /* Accurate to a hundredth: the window is what the limit is counted in. */
        r = sd_event_add_time_relative(m->event, &m->rate_timer, CLOCK_MONOTONIC,
                                       m->rate_window_usec, m->rate_window_usec / 100,
                                       on_rate_timer, m);
        if (r < 0)
                return r;
        return sd_event_add_time_relative(m->event, &m->throttle_timer, CLOCK_MONOTONIC,
                                          THROTTLE_SWEEP_USEC, 0, on_throttle_timer, m);
}

static void on_policy_dir_changed(char *const *filenames, size_t n, void *userdata) {
        Manager *m = userdata;
        int r;

        if (filenames)
                r = policy_registry_reload_files(m->registry, filenames, n, NULL);
        else
                r = policy_registry_reload(m->registry, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to apply changes of %s: %m, ignoring.",
                                  m->config->policy_dir);
        manager_guard_sync(m);
}

static int manager_start_policies(Manager *m) {
        int r;

        /* Watch first: a change made while the folder is read is then applied after it. */
        r = policy_dir_watch_new(&m->policy_watch, m->event, m->config->policy_dir,
                                 on_policy_dir_changed, m);
        if (r < 0)
                log_warning_errno(r, "Failed to watch %s: %m; changes apply on reload only.",
                                  m->config->policy_dir);

        r = policy_registry_reload(m->registry, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to load the policies: %m");

        r = tetragond_bus_new(&m->bus, m->event, m, m->registry);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the D-Bus API: %m");
        return 0;
}

static int manager_get_metrics(void *userdata, char **ret_text) {
        Manager *m = userdata;

        return metrics_format(m, m->registry, ret_text);
}

/* Without metrics the daemon still observes and enforces: a port that is taken is
 * reported, not fatal. */
static void manager_setup_metrics_server(Manager *m) {
        int fd, r;

        if (!m->config->metrics_server)
                return;
        r = metrics_listen(m->config->metrics_server, &fd);
        if (r >= 0)
                r = metrics_server_new(&m->metrics_server, m->event, fd, manager_get_metrics, m);
        if (r < 0)
                log_error_errno(r, "Failed to serve metrics on %s: %m, continuing without.",
                                m->config->metrics_server);
        else
                log_info("Serving metrics on http://%s/metrics.", m->config->metrics_server);
}

/* The manifests of this run (pinned-state.h): each installed policy, with the source it was
 * installed from, or none when the version in force is an older one than the file's. */
static void manager_record_policies(Manager *m) {
        _cleanup_free_ const char **names = NULL, **sources = NULL;
        _cleanup_free_ PolicyMode *modes = NULL;
        PolicyEntry *const *entries;
        size_t n_entries = 0, n = 0;
        int r;

        if (!m->pins || !m->registry)
                return;
        entries = policy_registry_entries(m->registry, &n_entries);
        names = calloc(n_entries + 1, sizeof(*names));
        sources = calloc(n_entries + 1, sizeof(*sources));
        modes = calloc(n_entries + 1, sizeof(*modes));
        if (!names || !sources || !modes) {
                log_warning_errno(-ENOMEM, "Failed to record the pinned policies: %m, ignoring.");
                return;
        }
        for (size_t k = 0; k < n_entries; k++) {
                PolicyEntryInfo info;

                policy_entry_get_info(entries[k], &info);
                if (!info.installed)
                        continue;
                names[n] = info.name;
                sources[n] = info.state == POLICY_STATE_LOADED ? info.source : NULL;
                modes[n] = info.mode;
                n++;
        }
        r = pinned_state_record_policies(m->pins, names, sources, modes, n);
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to record the policies pinned in %s: %m; a later start "
                                  "will see them as changed, ignoring.",
                                  pinned_state_run_dir(m->pins));
}

/* What an older run's policy became in this run's folder. */
static PinnedOutcome manager_compare_pinned(Manager *m, const PinnedPolicy *old) {
        PolicyEntry *e = policy_registry_find(m->registry, old->name);
        PolicyEntryInfo info;

        if (!e || !streq(policy_entry_name(e), old->name))
                return PINNED_OUTCOME_DELETED;
        policy_entry_get_info(e, &info);
        if (!info.installed)
                return PINNED_OUTCOME_DELETED; /* disabled, or failing in every version */
        if (!old->source || info.state != POLICY_STATE_LOADED ||
            !streq_ptr(info.source, old->source))
                return PINNED_OUTCOME_CHANGED;
        /* Monitor where the older run enforced is weaker: not the same policy. */
        if (old->mode == POLICY_MODE_ENFORCE && info.mode != POLICY_MODE_ENFORCE)
                return PINNED_OUTCOME_CHANGED;
        return PINNED_OUTCOME_UNCHANGED;
}

/* Whether an older run can go: unlocked, always (make before break: this run is in force).
 * Locked, only when this run enforces every policy of it in the same version, so that
 * nothing weakens; an older run without manifests, or of another layout, stays until
 * reboot. Counts each policy's outcome. */
static bool manager_judge_run(Manager *m, const PinnedRun *run, bool locked) {
        bool same = run->has_manifests && run->layout == PINNED_LAYOUT_VERSION;

        if (run->layout != PINNED_LAYOUT_VERSION)
                m->pinned.runs_incompatible++;
        for (size_t k = 0; k < run->n_policies; k++) {
                PinnedOutcome o = manager_compare_pinned(m, &run->policies[k]);

                m->pinned.policies[o]++;
                if (o != PINNED_OUTCOME_UNCHANGED)
                        same = false;
        }
        return !locked || same;
}

/* Everything of this run is in force: what earlier runs left pinned can go. Before this,
 * both enforce (a process may be killed twice, never not at all). */
static int manager_replace_older_runs(Manager *m) {
        PinnedRun *runs = NULL;
        size_t n_runs = 0;
        bool locked;
        int r;

        if (!m->pins)
                return 0;
        manager_record_policies(m);
        locked = policy_registry_is_locked(m->registry);
        r = pinned_state_read_older(m->pins, &runs, &n_runs);
        if (r < 0)
                log_warning_errno(r, "Failed to read the earlier runs pinned in %s: %m, ignoring.",
                                  pinned_state_root(m->pins));
        for (size_t k = 0; k < n_runs; k++) {
                uint64_t lost = 0;

                if (!manager_judge_run(m, &runs[k], locked)) {
                        m->pinned.runs_kept++;
                        continue;
                }
                r = pinned_state_release_run(m->pins, runs[k].name, &lost);
                if (r < 0) {
                        log_warning_errno(r,
                                          "Failed to remove the earlier run %s/%s: %m, ignoring.",
                                          pinned_state_root(m->pins), runs[k].name);
                        continue;
                }
                m->runs_replaced++;
                m->stats.lost_before_start += lost;
        }
        pinned_runs_free(runs, n_runs);
        if (n_runs > 0)
                log_full(m->stats.lost_before_start > 0 ? LOG_WARNING : LOG_INFO,
                         "Earlier runs pinned in %s: %u replaced, %u kept; their policies: %u "
                         "unchanged, %u changed, %u deleted; their programs could not deliver "
                         "%" PRIu64 " record(s).",
                         pinned_state_root(m->pins), m->runs_replaced, m->pinned.runs_kept,
                         m->pinned.policies[PINNED_OUTCOME_UNCHANGED],
                         m->pinned.policies[PINNED_OUTCOME_CHANGED],
                         m->pinned.policies[PINNED_OUTCOME_DELETED], m->stats.lost_before_start);
        if (m->pinned.runs_kept > 0)
                /* Locked: they may hold versions deleted, disabled or weakened while no
                 * daemon ran; nothing weakens, so they stay beside this run. */
                log_notice("Locked down: %u earlier run(s) pinned in %s enforce policies this "
                           "run does not enforce in the same version; they stay in force until "
                           "reboot.",
                           m->pinned.runs_kept, pinned_state_root(m->pins));
        log_info("Policies pinned in %s: they stay in force when the daemon stops.",
                 pinned_state_run_dir(m->pins));

        if (m->config->lockdown) {
                r = manager_lock(m);
                if (r < 0)
                        return log_error_errno(r, "Failed to lock down: %m");
        }
        return 0;
}

static bool manager_has_lsm(Manager *m, EngineCapabilities *caps) {
        if (!m->kernel_facts)
                return false;
        kernel_facts_capabilities(m->kernel_facts, 0, caps);
        return caps->kernel[HOOK_MECHANISM_LSM];
}

static const char *manager_kernel_protection(Manager *m) {
        EngineCapabilities caps;

        if (!m->kernel_facts)
                return "unavailable (the kernel's features are not known yet)";
        if (!manager_has_lsm(m, &caps)) {
                snprintf(m->kernel_protection, sizeof(m->kernel_protection),
                         "unavailable (this kernel has no BPF LSM: %s); lockdown holds at the "
                         "API only",
                         caps.kernel_detail[HOOK_MECHANISM_LSM]);
                return m->kernel_protection;
        }
        if (m->guard == 0)
                return "available (BPF LSM): it starts with the lockdown";
        if (m->guard > 0)
                return "active (BPF LSM)";
        if (m->guard == -EBUSY)
                snprintf(m->kernel_protection, sizeof(m->kernel_protection),
                         "degraded (BPF LSM): the guard answers to PID %" PRIu32
                         ", not to this daemon",
                         m->guard_holder);
        else
                snprintf(m->kernel_protection, sizeof(m->kernel_protection),
                         "unavailable (the BPF LSM guard failed: %s); lockdown holds at the API "
                         "only",
                         strerror(-m->guard));
        return m->kernel_protection;
}

/* Locked: the kernel guard that keeps root from undoing the pinned state, claimed by this
 * daemon (an earlier run's) or loaded now. */
static void manager_guard(Manager *m) {
        EngineCapabilities caps;
        const char *root;
        int r;

        if (!m->pins || !manager_has_lsm(m, &caps))
                return;
        root = pinned_state_root(m->pins);
        r = guard_claim(root, &m->guard_holder);
        if (r == 0) {
                r = guard_install(root);
                if (r >= 0)
                        r = 1;
        }
        m->guard = r;
        if (r > 0)
                log_info("Kernel protection active (BPF LSM): the pinned state in %s answers to "
                         "this daemon only.",
                         root);
        else
                log_warning("Kernel protection: %s.", manager_kernel_protection(m));
}

/* Before this daemon opens an earlier run's maps for writing (the guard refuses that to
 * anyone but its holder): a guard pinned by an earlier run is claimed first. */
static void manager_claim_guard(Manager *m) {
        int r;

        if (!m->pins)
                return;
        r = guard_claim(pinned_state_root(m->pins), &m->guard_holder);
        if (r != 0)
                m->guard = r;
}

/* The maps of the policies in force, guarded against writes by others: as policies come
 * and go, within one GC period (D-Bus changes) or at once (folder changes). */
static void manager_guard_sync(Manager *m) {
        int r;

        if (m->guard <= 0)
                return;
        r = guard_sync(pinned_state_root(m->pins));
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to guard the maps pinned in %s: %m; root may "
                                  "write them.",
                                  pinned_state_root(m->pins));
        else if (r != m->guarded_maps)
                log_debug("Kernel protection: %i maps guarded.", r);
        if (r >= 0)
                m->guarded_maps = r;
}

void manager_get_pinned_info(Manager *m, ManagerPinnedInfo *ret) {
        *ret = (ManagerPinnedInfo){
                .runs_replaced = m->runs_replaced,
                .found = m->pinned,
                .kernel_protection = manager_kernel_protection(m),
                .process_monitor_adopted =
                        m->process_monitor && process_monitor_is_adopted(m->process_monitor),
        };
        if (m->engine) {
                PolicyEngineAdoption a;

                policy_engine_get_adoption(m->engine, &a);
                ret->engine_adopted = a.adopted_engine;
                ret->policies_adopted = a.policies_adopted;
                ret->policies_replaced = a.policies_replaced;
                ret->policies_removed = a.policies_removed;
        }
        if (!m->pins)
                return;
        ret->run_dir = pinned_state_run_dir(m->pins);
        ret->locked = pinned_lock_get(pinned_state_root(m->pins), &ret->locked_since_usec) > 0;
}

int manager_lock(Manager *m) {
        int r;

        if (!m->pins)
                return -EOPNOTSUPP;
        r = pinned_lock_set(pinned_state_root(m->pins), clock_ns(CLOCK_REALTIME) / 1000);
        if (r < 0)
                return r;
        policy_registry_set_locked(m->registry, true);
        log_notice("Locked down until reboot: policies can be added, not removed, disabled or "
                   "weakened, and they stay in force when the daemon stops.");
        manager_guard(m);
        manager_guard_sync(m);
        return 0;
}

/* After the folder is installed: what the adopted engine held and no policy took over. */
static void manager_drop_orphans(Manager *m) {
        PolicyEngineAdoption a;
        int r;

        if (!m->engine)
                return;
        policy_engine_get_adoption(m->engine, &a);
        if (!a.adopted_engine)
                return;
        r = policy_engine_drop_orphans(m->engine);
        if (r < 0)
                log_warning_errno(r, "Failed to remove what the earlier run enforced and this one "
                                     "does not: %m; it stays in force.");
        policy_engine_get_adoption(m->engine, &a);
        log_info("Policy engine adopted from the earlier run: %u policies adopted (their links "
                 "kept), %u replaced, %u removed.",
                 a.policies_adopted, a.policies_replaced, a.policies_removed);
}

/* The newest older run of this layout: the one whose process monitor may be adopted. */
static void manager_find_adoptable_run(Manager *m, char **ret) {
        PinnedRun *runs = NULL;
        size_t n_runs = 0;
        int r;

        r = pinned_state_read_older(m->pins, &runs, &n_runs);
        if (r < 0) {
                log_warning_errno(r,
                                  "Failed to read the earlier runs pinned in %s: %m; "
                                  "adopting nothing.",
                                  pinned_state_root(m->pins));
                return;
        }
        for (size_t k = n_runs; k > 0 && !*ret; k--)
                if (runs[k - 1].layout == PINNED_LAYOUT_VERSION)
                        *ret = TAKE_PTR(runs[k - 1].name);
        pinned_runs_free(runs, n_runs);
}

int manager_start(Manager *m) {
        _cleanup_free_ char *adopt_run = NULL;
        bool adopt_engine;
        int r;

        /* Until manager_run() ends well, this run's pins go with it: a start that fails
         * leaves the earlier run in force, untouched. */
        m->release_on_free = true;
        if (m->config->bpf_dir) {
                r = pinned_state_new(&m->pins, m->config->bpf_dir);
                if (r < 0)
                        log_warning_errno(r,
                                          "Failed to set up pinned state in %s: %m; "
                                          "policies will end with the daemon.",
                                          m->config->bpf_dir);
        }
        /* Before anything pinned is opened for writing: the guard refuses that to all but
         * its holder, the earlier run's process monitor included. */
        manager_claim_guard(m);
        if (m->pins)
                manager_find_adoptable_run(m, &adopt_run);

        r = process_monitor_new(&m->process_monitor, m->config->rb_size, m->config->enrich.env,
                                adopt_run ? m->pins : NULL, adopt_run);
        if (r < 0)
                return log_error_errno(r, "Failed to load the process monitor: %m");
        if (adopt_run && process_monitor_is_adopted(m->process_monitor))
                log_info("Process monitor adopted from %s/%s: its links and ring buffer.",
                         pinned_state_root(m->pins), adopt_run);
        else if (adopt_run && process_monitor_adopt_error(m->process_monitor) < 0)
                log_warning_errno(process_monitor_adopt_error(m->process_monitor),
                                  "Process monitor loaded anew beside %s/%s's, which could not "
                                  "be adopted: %m",
                                  pinned_state_root(m->pins), adopt_run);
        else if (adopt_run)
                log_info("Process monitor loaded anew beside %s/%s's: another build, other "
                         "options or a pin missing.",
                         pinned_state_root(m->pins), adopt_run);

        /* Read once, for the engine and for GetKernelFeatures: they must not disagree. */
        /* The engine only with the monitor (they share its ring), and not locked down: a
         * locked run's older runs may have to stay whole, beside it. */
        adopt_engine = adopt_run && process_monitor_is_adopted(m->process_monitor) &&
                       pinned_lock_get(pinned_state_root(m->pins), NULL) == 0;
        r = kernel_facts_new(&m->kernel_facts);
        if (r < 0)
                return log_error_errno(r, "Failed to read what the kernel offers: %m");

        r = loader_sensor_new(&m->loader_sensor, m->event, 0, getpid(), on_loader_record,
                              on_loader_ready, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the loader sensor: %m");

        r = policy_engine_new(&m->engine,
                              &(PolicyEngineConfig){
                                      .disabled_mechanisms = m->config->disabled_mechanisms,
                                      .kernel_facts = m->kernel_facts,
                                      .process_cache = m->process_cache,
                                      /* One ring: a process's exec, policy events
                                       * and exit arrive in the order they happened. */
                                      .ringbuf_fd = process_monitor_ringbuf_fd(m->process_monitor),
                                      /* Our own work (journal and export writes) never
                                       * feeds our policies: a documented default. */
                                      .excluded_tgid = getpid(),
                                      .pins = m->pins,
                                      .event = m->event,
                                      .loader_sensor = m->loader_sensor,
                                      .adopt_run = adopt_engine ? adopt_run : NULL,
                              });
        if (r < 0)
                log_warning_errno(r, "Failed to load the policy engine: %m; policies will not be "
                                     "installed.");
        else {
                log_info("Policy engine loaded: %s.", policy_engine_describe(m->engine));
                policy_engine_set_canary(m->engine, m->canary);
        }

        r = manager_setup_ringbuf(m);
        if (r < 0)
                return r;

        /* Attach before reading /proc: a process that starts in between is then
         * seen twice (harmless) instead of not at all. */
        r = process_monitor_attach(m->process_monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the process monitor: %m");
        log_info("Process monitor attached: %s.", process_monitor_describe(m->process_monitor));
        if (m->pins) {
                r = process_monitor_pin(m->process_monitor, m->pins);
                if (r < 0)
                        return log_error_errno(r, "Failed to pin the process monitor in %s: %m",
                                               pinned_state_run_dir(m->pins));
        }

        r = process_cache_scan_procfs(m->process_cache, m->config->procfs);
        if (r < 0)
                return log_error_errno(r, "Failed to read running processes from %s: %m",
                                       m->config->procfs);
        log_info("Read %i running processes from %s.", r, m->config->procfs);

        r = manager_new_registry(m);
        if (r < 0)
                return r;
        /* Locked by an earlier run: the lock outlives it (until reboot). A lock that is
         * there but cannot be read counts as one: failing open would unlock. */
        r = m->pins ? pinned_lock_get(pinned_state_root(m->pins), NULL) : 0;
        if (r < 0)
                log_warning_errno(r, "Failed to read the lock in %s: %m; acting as locked down.",
                                  pinned_state_root(m->pins));
        if (r != 0) {
                policy_registry_set_locked(m->registry, true);
                manager_guard(m);
        }

        r = manager_start_policies(m);
        if (r < 0)
                return r;
        manager_drop_orphans(m);

        manager_setup_metrics_server(m);

        r = manager_replace_older_runs(m);
        if (r < 0)
                return r;
        manager_guard_sync(m);
        return manager_setup_timers(m);
}

/* Reads the configuration again beside the one in force, and switches to it only when
 * all of it is good. What a running daemon cannot change keeps its old value. */
static void manager_reload_config(Manager *m) {
        _cleanup_(config_freep) Config *new = NULL;
        _cleanup_free_ char *error = NULL, *warnings = NULL;
        bool changed[_CONFIG_KEY_MAX];
        int r;

        r = config_load(m->config_sources, &new, &error, &warnings);
        if (r == -EINVAL) {
                log_error("%s; keeping the configuration in force.", error);
                return;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to read the configuration: %m; keeping the one in "
                                   "force.");
                return;
        }
        if (warnings)
                log_warning("%s", warnings);

        config_diff(m->config, new, changed);
        for (ConfigKey k = 0; k < _CONFIG_KEY_MAX; k++) {
                if (!changed[k]) {
                        /* The same value: keep its state (throttled cgroups, pid_set's
                         * descendants), with the place it is set now. */
                        char *origin = TAKE_PTR(new->origin[k]);

                        config_swap_setting(new, m->config, k);
                        free(new->origin[k]);
                        new->origin[k] = origin;
                        continue;
                }
                if (config_key_reloadable(k)) {
                        log_info("Setting %s changed (%s).", config_key_to_string(k),
                                 new->origin[k] ?: "default");
                        continue;
                }
                log_notice("Setting %s changed (%s); it takes effect when tetragond restarts.",
                           config_key_to_string(k), new->origin[k] ?: "default");
                config_swap_setting(new, m->config, k);
        }

        log_set_max_level(new->log_level);
        config_free(m->config);
        m->config = TAKE_PTR(new);
        /* The enrichment settings need a restart: the same values, now in the new Config. */
        process_cache_set_enrichment(m->process_cache, &m->config->enrich, m->user_names);
}

static int on_signal_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration and policies.");
        manager_reload_config(m);
        r = policy_registry_reload(m->registry, NULL);
        if (r < 0)
                log_error_errno(r, "Failed to reload the policies: %m");
        (void) sd_notify(false, "READY=1\nSTATUS=Watching processes.");
        return 0;
}

static int on_signal_exit(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

/* Under systemd, whether the job stopping us is the stop half of a restart (systemctl
 * restart, try-restart, reload-or-restart; a package upgrade's restart): the unit's job is
 * then of type "restart" until the stop is done. 1, 0, or a negative errno when it cannot
 * be told (not a systemd service, no bus). */
static int manager_stopping_for_restart(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *unit = NULL, *job = NULL, *type = NULL;
        const char *path;
        uint32_t job_id;
        int r;

        if (!getenv("INVOCATION_ID"))
                return -ENOENT;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "GetUnitByPID", &error,
                                       &reply, "u", (uint32_t) getpid());
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0 && !(unit = strdup(path)))
                r = -ENOMEM;
        reply = sd_bus_message_unref(reply);
        if (r >= 0)
                r = sd_bus_get_property(bus, "org.freedesktop.systemd1", unit,
                                        "org.freedesktop.systemd1.Unit", "Job", &error, &reply,
                                        "(uo)");
        if (r >= 0)
                r = sd_bus_message_read(reply, "(uo)", &job_id, &path);
        if (r < 0 || job_id == 0)
                return r < 0 ? r : 0;
        if (!(job = strdup(path)))
                return -ENOMEM;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job,
                                       "org.freedesktop.systemd1.Job", "JobType", &error, &type);
        if (r < 0)
                return r;
        return streq(type, "restart") || streq(type, "try-restart") ||
               streq(type, "reload-or-restart");
}

/* Whether the policies leave the kernel with the daemon. */
static void manager_decide_exit(Manager *m) {
        ManagerPinnedInfo info;

        if (!m->pins)
                return;
        manager_get_pinned_info(m, &info);
        manager_record_policies(m);
        m->release_on_free = !m->config->keep_sensors_on_exit && !info.locked;
        if (m->release_on_free && manager_stopping_for_restart() > 0) {
                m->release_on_free = false;
                log_info("Restarting: leaving the policies in force for the next start.");
                return;
        }
        if (m->release_on_free)
                log_info("Removing the policies from the kernel (--keep-sensors-on-exit=false).");
        else
                log_info("Leaving the policies in force, pinned in %s%s.", info.run_dir,
                         info.locked ? " (locked down)" : "");
}

int manager_run(Manager *m) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        r = sigprocmask(SIG_BLOCK, &mask, NULL);
        if (r < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");

        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal_exit, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal_exit, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal_reload, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        /* WATCHDOG=1 pings, when the service manager asked for them. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog: %m, ignoring.");

        (void) sd_notify(false, "STATUS=Watching processes.");
        tetragond_bus_notify_ready(m->bus);
        log_info("tetragond " PACKAGE_VERSION " is running.");

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        /* What the kernel queued before we were told to stop still reaches the sinks, within
         * one drain's budget: under a flood, stopping comes first. */
        (void) manager_drain(m);
        manager_decide_exit(m);
        manager_update_lost(m);
        manager_log_stats(m, LOG_INFO);
        return r;
}
