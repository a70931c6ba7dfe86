/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/libbpf.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/utsname.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "event-format.h"
#include "event-json.h"
#include "export-file.h"
#include "log.h"
#include "manager.h"
#include "pinned-state.h"
#include "policy-dir.h"
#include "policy-engine.h"
#include "policy-registry.h"
#include "process-cache.h"
#include "process-monitor.h"
#include "sink-journal.h"
#include "tetragond-bus.h"

#define STATS_INTERVAL_USEC (60ULL * 1000 * 1000)
#define GC_INTERVAL_USEC (5ULL * 1000 * 1000)
/* How long records may wait in the ring buffer after it signals: under load
 * the daemon (and journald behind it) wake at most this often instead of once
 * per record, which is what costs the host most. Enforcement happens in the
 * kernel and does not wait for this. */
#define RINGBUF_COALESCE_USEC (5ULL * 1000)

struct Manager {
        ManagerConfig config;
        char node_name[65];
        uint64_t boot_time_ns;

        sd_event *event;
        sd_event_source *ringbuf_source;
        sd_event_source *ringbuf_drain_timer;
        sd_event_source *stats_timer;
        sd_event_source *gc_timer;

        PinnedState *pins;    /* NULL: nothing pinned (no --bpf-dir, or pinning failed) */
        bool release_on_free; /* remove this run's pinned state when freed */
        unsigned runs_replaced;
        char kernel_protection[ENGINE_DETAIL_MAX + 128];

        ProcessMonitor *process_monitor;
        KernelFacts *kernel_facts; /* what the engine and the bus plan and report with */
        PolicyEngine *engine;      /* NULL when it could not load: policies then fail to install */
        struct ring_buffer *ringbuf;
        ProcessCache *process_cache;
        ExportFile *export_file;

        /* The control plane: the policies, their folder, the D-Bus API. */
        PolicyRegistry *registry;
        PolicyDirWatch *policy_watch;
        TetragondBus *bus;

        ManagerStats stats;
        ManagerStats stats_logged; /* what the last periodic log line reported */
};

static uint64_t clock_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int manager_new_registry(Manager *m) {
        _cleanup_free_ char *state_file = NULL;
        PolicyBackend backend;
        int r;

        if (m->config.state_dir &&
            asprintf(&state_file, "%s/policy-state.json", m->config.state_dir) < 0)
                return log_error_errno(-ENOMEM, "Failed to set up the policy registry: %m");
        /* Without an engine (NULL backend) every policy fails with a sentence saying so. */
        if (m->engine)
                policy_engine_get_backend(m->engine, &backend);
        r = policy_registry_new(&m->registry, m->config.policy_dir, state_file, 0,
                                m->engine ? &backend : NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the policy registry: %m");
        return 0;
}

int manager_new(Manager **ret, const ManagerConfig *config) {
        _cleanup_(manager_freep) Manager *m = NULL;
        struct utsname u;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->config = *config;

        if (uname(&u) < 0)
                return log_error_errno(negative_errno(), "Failed to read the node name: %m");
        snprintf(m->node_name, sizeof(m->node_name), "%s", u.nodename);
        m->boot_time_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");

        r = process_cache_new(&m->process_cache, config->process_cache_max, m->node_name);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the process cache: %m");

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
        /* Policies leave the kernel before the engine they are installed in. */
        tetragond_bus_free(m->bus);
        policy_dir_watch_free(m->policy_watch);
        /* Kept: the registry's uninstalls and the engine's end leave the kernel alone. */
        if (m->engine && m->pins && !m->release_on_free)
                policy_engine_keep_pinned(m->engine);
        policy_registry_free(m->registry);
        ring_buffer__free(m->ringbuf);
        policy_engine_free(m->engine);
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
        export_file_free(m->export_file);
        sd_event_unref(m->event);
        return mfree(m);
}

static void manager_print_event(Manager *m, json_t *json, const char *compact) {
        switch (m->config.stdout_format) {
        case STDOUT_NONE:
                return;
        case STDOUT_COMPACT:
                if (compact)
                        puts(compact);
                break;
        case STDOUT_JSON:
                json_dumpf(json, stdout, JSON_COMPACT);
                putchar('\n');
                break;
        }
        fflush(stdout);
}

/* Stage 3: hand one enriched event to every sink. A failing sink is counted
 * and does not keep the others from seeing the event. */
static void manager_dispatch(Manager *m, const Event *e) {
        _cleanup_free_ char *compact = NULL;
        json_t *json = NULL;
        int r;

        r = event_to_json(e, m->node_name, m->boot_time_ns, &json);
        if (r < 0) {
                m->stats.sink_errors++;
                log_debug_errno(r, "Failed to build JSON for an event: %m");
                return;
        }

        r = event_format_compact(json, &compact);
        if (r < 0)
                log_debug_errno(r, "Failed to format an event: %m");

        m->stats.events++;
        if (journal_sink_write(e, json, compact) < 0)
                m->stats.sink_errors++;
        if (m->export_file && export_file_write(m->export_file, json) < 0)
                m->stats.sink_errors++;
        manager_print_event(m, json, compact);

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
        return 0; /* never stop consuming because of one record */
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
                (void) ring_buffer__consume(m->ringbuf);
                (void) sd_event_source_set_enabled(m->ringbuf_source, SD_EVENT_ON);
        }
        return 0;
}

static int on_ringbuf_drain(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        r = ring_buffer__consume(m->ringbuf);
        if (r < 0)
                log_warning_errno(r, "Failed to consume the ring buffer: %m, ignoring.");
        return sd_event_source_set_enabled(m->ringbuf_source, SD_EVENT_ON);
}

static void manager_update_lost(Manager *m) {
        uint64_t counters[_TG_COUNTER_MAX] = {};

        if (process_monitor_read_counters(m->process_monitor, counters) >= 0)
                m->stats.lost =
                        m->stats.lost_before_start + counters[TG_COUNTER_RINGBUF_RESERVE_FAILED];
        if (m->engine && policy_engine_read_counters(m->engine, counters) >= 0)
                m->stats.lost += counters[TG_COUNTER_RINGBUF_RESERVE_FAILED];
}

KernelFacts *manager_get_kernel_facts(Manager *m) {
        return m->kernel_facts;
}

void manager_get_stats(Manager *m, ManagerStats *ret) {
        manager_update_lost(m);
        *ret = m->stats;
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
        return sd_event_source_set_time_relative(s, STATS_INTERVAL_USEC);
}

static int on_gc_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        process_cache_gc(m->process_cache, clock_ns(CLOCK_BOOTTIME));
        return sd_event_source_set_time_relative(s, GC_INTERVAL_USEC);
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
        return sd_event_add_time_relative(m->event, &m->gc_timer, CLOCK_MONOTONIC, GC_INTERVAL_USEC,
                                          0, on_gc_timer, m);
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
                                  m->config.policy_dir);
}

static int manager_start_policies(Manager *m) {
        int r;

        /* Watch first: a change made while the folder is read is then applied after it. */
        r = policy_dir_watch_new(&m->policy_watch, m->event, m->config.policy_dir,
                                 on_policy_dir_changed, m);
        if (r < 0)
                log_warning_errno(r, "Failed to watch %s: %m; changes apply on reload only.",
                                  m->config.policy_dir);

        r = policy_registry_reload(m->registry, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to load the policies: %m");

        r = tetragond_bus_new(&m->bus, m->event, m, m->registry);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the D-Bus API: %m");
        return 0;
}

/* Everything of this run is in force: what earlier runs left pinned can go. Before this,
 * both enforce (a process may be killed twice, never not at all). */
static int manager_replace_older_runs(Manager *m) {
        uint64_t lost = 0;
        int r;

        if (!m->pins)
                return 0;
        if (policy_registry_is_locked(m->registry)) {
                /* Without a record of what an earlier run enforced, its policies may be
                 * ones deleted or disabled while no daemon ran: locked, nothing weakens,
                 * so they stay beside this run until reboot. */
                log_notice("Locked down: the runs pinned earlier in %s stay in force beside "
                           "this one until reboot.",
                           pinned_state_root(m->pins));
                return 0;
        }
        r = pinned_state_release_older(m->pins, &m->runs_replaced, &lost);
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to remove all earlier pinned state in %s: %m, "
                                  "ignoring.",
                                  pinned_state_root(m->pins));
        m->stats.lost_before_start = lost;
        if (m->runs_replaced > 0)
                log_full(lost > 0 ? LOG_WARNING : LOG_INFO,
                         "Replaced %u earlier run(s) pinned in %s; their programs could not "
                         "deliver %" PRIu64 " record(s).",
                         m->runs_replaced, pinned_state_root(m->pins), lost);
        log_info("Policies pinned in %s: they stay in force when the daemon stops.",
                 pinned_state_run_dir(m->pins));

        if (m->config.lockdown) {
                r = manager_lock(m);
                if (r < 0)
                        return log_error_errno(r, "Failed to lock down: %m");
        }
        return 0;
}

static const char *manager_kernel_protection(Manager *m) {
        EngineCapabilities caps;

        if (!m->kernel_facts)
                return "unavailable: the kernel's features are not known yet";
        kernel_facts_capabilities(m->kernel_facts, 0, &caps);
        if (!caps.kernel[HOOK_MECHANISM_LSM]) {
                snprintf(m->kernel_protection, sizeof(m->kernel_protection),
                         "unavailable: this kernel has no BPF LSM (%s); lockdown holds at the "
                         "API only",
                         caps.kernel_detail[HOOK_MECHANISM_LSM]);
                return m->kernel_protection;
        }
        return "unavailable: this build has no BPF LSM guard yet; lockdown holds at the API "
               "only";
}

void manager_get_pinned_info(Manager *m, ManagerPinnedInfo *ret) {
        *ret = (ManagerPinnedInfo){
                .runs_replaced = m->runs_replaced,
                .kernel_protection = manager_kernel_protection(m),
        };
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
        return 0;
}

int manager_start(Manager *m) {
        int r;

        r = process_monitor_new(&m->process_monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to load the process monitor: %m");

        /* Until manager_run() ends well, this run's pins go with it: a start that fails
         * leaves the earlier run in force, untouched. */
        m->release_on_free = true;
        if (m->config.bpf_dir) {
                r = pinned_state_new(&m->pins, m->config.bpf_dir);
                if (r < 0)
                        log_warning_errno(r,
                                          "Failed to set up pinned state in %s: %m; "
                                          "policies will end with the daemon.",
                                          m->config.bpf_dir);
        }

        /* Read once, for the engine and for GetKernelFeatures: they must not disagree. */
        r = kernel_facts_new(&m->kernel_facts);
        if (r < 0)
                return log_error_errno(r, "Failed to read what the kernel offers: %m");

        r = policy_engine_new(&m->engine,
                              &(PolicyEngineConfig){
                                      .disabled_mechanisms = m->config.disabled_mechanisms,
                                      .kernel_facts = m->kernel_facts,
                                      .process_cache = m->process_cache,
                                      /* One ring: a process's exec, policy events
                                       * and exit arrive in the order they happened. */
                                      .ringbuf_fd = process_monitor_ringbuf_fd(m->process_monitor),
                                      .pins = m->pins,
                              });
        if (r < 0)
                log_warning_errno(r, "Failed to load the policy engine: %m; policies will not be "
                                     "installed.");
        else
                log_info("Policy engine loaded: %s.", policy_engine_describe(m->engine));

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

        r = process_cache_scan_procfs(m->process_cache, m->config.proc_root);
        if (r < 0)
                return log_error_errno(r, "Failed to read running processes from %s: %m",
                                       m->config.proc_root);
        log_info("Read %i running processes from %s.", r, m->config.proc_root);

        r = manager_new_registry(m);
        if (r < 0)
                return r;
        /* Locked by an earlier run: the lock outlives it (until reboot). */
        if (m->pins && pinned_lock_get(pinned_state_root(m->pins), NULL) > 0)
                policy_registry_set_locked(m->registry, true);

        r = manager_start_policies(m);
        if (r < 0)
                return r;

        r = manager_replace_older_runs(m);
        if (r < 0)
                return r;

        return manager_setup_timers(m);
}

static int on_signal_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading policies.");
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
        m->release_on_free = !m->config.keep_sensors_on_exit && !info.locked;
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

        (void) sd_notify(false, "READY=1\nSTATUS=Watching processes.");
        log_info("tetragond " PACKAGE_VERSION " is running.");

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        /* What the kernel queued before we were told to stop still reaches the sinks. */
        (void) ring_buffer__consume(m->ringbuf);
        manager_decide_exit(m);
        manager_update_lost(m);
        manager_log_stats(m, LOG_INFO);
        return r;
}
