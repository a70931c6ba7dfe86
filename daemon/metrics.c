/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "event-json.h"
#include "metrics.h"

/* A policy's counters: Counters of io.tetragond1.Policy, one series per policy (and per
 * selector). matched..monitored are our own: Tetragon has no per-policy action counts. */
static const struct {
        const char *name;
        size_t offset;
        const char *help;
} counter_fields[] = {
        { "matched", offsetof(PolicyCounters, matched),
          "Calls a selector matched (or any call of a hook without selectors)" },
        { "actions", offsetof(PolicyCounters, actions), "Enforcement actions taken" },
        { "monitored", offsetof(PolicyCounters, monitored),
          "Enforcement actions not taken because the policy is in monitor mode" },
        { "rate_limited", offsetof(PolicyCounters, rate_limited),
          "Events not written because of rateLimit" },
        { "lost", offsetof(PolicyCounters, lost), "Events the ring buffer had no room for" },
};

static uint64_t counter_get(const PolicyCounters *c, size_t offset) {
        return *(const uint64_t *) ((const uint8_t *) c + offset);
}

static void header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped, as the format wants. */
static void label_value(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++)
                switch (*s) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(*s, f);
                }
        fputc('"', f);
}

static void sample_policy(FILE *f, const char *name, const char *policy, uint64_t v) {
        fprintf(f, "%s{policy=", name);
        label_value(f, policy);
        fprintf(f, "} %" PRIu64 "\n", v);
}

/* Tetragon's states: enabled, disabled, load_error (its "error" is a policy that failed
 * after loading, which ours never does). */
static const char *tracingpolicy_state(PolicyState s) {
        switch (s) {
        case POLICY_STATE_LOADED:
                return "enabled";
        case POLICY_STATE_DISABLED:
                return "disabled";
        case POLICY_STATE_FAILED:
                return "load_error";
        case _POLICY_STATE_MAX:
                break;
        }
        return NULL;
}

static void format_manager(FILE *f, Manager *m) {
        ManagerStats stats = {};
        ProcessCacheStats cache = {};
        size_t capacity = 0;

        if (m) {
                manager_get_stats(m, &stats);
                manager_get_process_cache_stats(m, &cache, &capacity);
        }

        header(f, "tetragon_events_total", "counter", "Events handed to the sinks, by type");
        for (EventType t = 0; t < _EVENT_TYPE_MAX; t++) {
                const char *name = event_type_to_string(t);

                /* Tetragon's label values are its event type names: PROCESS_EXEC, ... */
                fputs("tetragon_events_total{type=\"", f);
                for (const char *c = name; *c; c++)
                        fputc(toupper((unsigned char) *c), f);
                fprintf(f, "\"} %" PRIu64 "\n", stats.events_by_type[t]);
        }

        header(f, "tetragon_missed_events_total", "counter",
               "Events the kernel could not queue (ring buffer full)");
        fprintf(f, "tetragon_missed_events_total %" PRIu64 "\n", stats.lost);
        header(f, "tetragon_observer_ringbuf_events_received_total", "counter",
               "Records read from the ring buffers");
        fprintf(f, "tetragon_observer_ringbuf_events_received_total %" PRIu64 "\n", stats.received);
        header(f, "tetragon_observer_ringbuf_errors_total", "counter",
               "Records refused as malformed");
        fprintf(f, "tetragon_observer_ringbuf_errors_total %" PRIu64 "\n", stats.malformed);
        header(f, "tetragond_sink_errors_total", "counter",
               "Sink writes (journal, export file) that failed");
        fprintf(f, "tetragond_sink_errors_total %" PRIu64 "\n", stats.sink_errors);
        /* Ours: Tetragon counts none of its GetUrl and DnsLookup requests. */
        header(f, "tetragond_canary_requests_total", "counter",
               "GetUrl and DnsLookup requests, by action and result (done, failed, dropped)");
        for (CanaryKind k = 0; k < _CANARY_KIND_MAX; k++) {
                const char *a = canary_kind_to_string(k);

                fprintf(f,
                        "tetragond_canary_requests_total{action=\"%s\",result=\"done\"} %" PRIu64
                        "\n"
                        "tetragond_canary_requests_total{action=\"%s\",result=\"failed\"} %" PRIu64
                        "\n"
                        "tetragond_canary_requests_total{action=\"%s\",result=\"dropped\"} %" PRIu64
                        "\n",
                        a, stats.canary.done[k], a, stats.canary.failed[k], a,
                        stats.canary.dropped[k]);
        }

        header(f, "tetragon_process_cache_size", "gauge", "Entries in the process cache");
        fprintf(f, "tetragon_process_cache_size %" PRIu64 "\n", cache.total);
        header(f, "tetragon_process_cache_capacity", "gauge", "Entries the process cache may hold");
        fprintf(f, "tetragon_process_cache_capacity %zu\n", capacity);
        header(f, "tetragon_process_cache_evictions_total", "counter",
               "Process cache entries dropped because the cache was full");
        fprintf(f, "tetragon_process_cache_evictions_total %" PRIu64 "\n", cache.evicted);
        header(f, "tetragon_process_cache_misses_total", "counter",
               "Events whose process or parent was not in the cache");
        fprintf(f, "tetragon_process_cache_misses_total %" PRIu64 "\n", cache.misses);
}

static int format_policies(FILE *f, PolicyRegistry *registry) {
        PolicyEntry *const *entries;
        unsigned counts[_POLICY_STATE_MAX];
        size_t n;
        int r;

        policy_registry_count(registry, counts);
        header(f, "tetragon_tracingpolicy_loaded", "gauge", "Policies by state");
        for (PolicyState s = 0; s < _POLICY_STATE_MAX; s++)
                fprintf(f, "tetragon_tracingpolicy_loaded{state=\"%s\"} %u\n",
                        tracingpolicy_state(s), counts[s]);

        entries = policy_registry_entries(registry, &n);

        header(f, "tetragon_tracingpolicy_kernel_memory_bytes", "gauge",
               "Kernel memory (memlock) held by the policy's share of the engine's BPF maps");
        for (size_t i = 0; i < n; i++) {
                uint64_t bytes;

                r = policy_entry_get_kernel_memory(entries[i], &bytes);
                if (r < 0)
                        return r;
                sample_policy(f, "tetragon_tracingpolicy_kernel_memory_bytes",
                              policy_entry_name(entries[i]), bytes);
        }

        header(f, "tetragon_policy_events_total", "counter", "Policy events written");
        for (size_t i = 0; i < n; i++) {
                PolicyCounters c;

                r = policy_entry_get_counters(entries[i], &c);
                if (r < 0)
                        return r;
                sample_policy(f, "tetragon_policy_events_total", policy_entry_name(entries[i]),
                              c.posted);
        }

        for (size_t k = 0; k < ELEMENTSOF(counter_fields); k++) {
                char name[64];

                snprintf(name, sizeof(name), "tetragond_policy_%s_total", counter_fields[k].name);
                header(f, name, "counter", counter_fields[k].help);
                for (size_t i = 0; i < n; i++) {
                        PolicyCounters c;

                        r = policy_entry_get_counters(entries[i], &c);
                        if (r < 0)
                                return r;
                        sample_policy(f, name, policy_entry_name(entries[i]),
                                      counter_get(&c, counter_fields[k].offset));
                }
        }
        return 0;
}

/* Per selector: tetragond_selector_<counter>_total{policy, hook, hook_index, selector}. */
static int format_selectors(FILE *f, PolicyRegistry *registry) {
        PolicyEntry *const *entries;
        size_t n;
        int r = 0;

        entries = policy_registry_entries(registry, &n);
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(counter_fields) + 1; k++) {
                const char *field = k == 0 ? "posted" : counter_fields[k - 1].name;
                size_t offset =
                        k == 0 ? offsetof(PolicyCounters, posted) : counter_fields[k - 1].offset;
                char name[64];

                snprintf(name, sizeof(name), "tetragond_selector_%s_total", field);
                header(f, name, "counter",
                       k == 0 ? "Events written, per selector" : counter_fields[k - 1].help);
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        PolicySelectorCounters *sel = NULL;
                        size_t n_sel = 0;

                        r = policy_entry_get_selector_counters(entries[i], &sel, &n_sel);
                        for (size_t j = 0; r >= 0 && j < n_sel; j++) {
                                fprintf(f, "%s{policy=", name);
                                label_value(f, policy_entry_name(entries[i]));
                                fputs(",hook=", f);
                                label_value(f, sel[j].hook);
                                fprintf(f,
                                        ",hook_index=\"%" PRIu32 "\",selector=\"%" PRIu32
                                        "\"} %" PRIu64 "\n",
                                        sel[j].hook_index, sel[j].selector_index,
                                        counter_get(&sel[j].counters, offset));
                        }
                        policy_selector_counters_free_many(sel, n_sel);
                }
        }
        return r;
}

int metrics_format(Manager *m, PolicyRegistry *registry, char **ret_text) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;

        header(f, "tetragon_build_info", "gauge", "The running daemon's version");
        fprintf(f, "tetragon_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
        format_manager(f, m);
        r = format_policies(f, registry);
        if (r >= 0)
                r = format_selectors(f, registry);

        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(text);
        return 0;
}
