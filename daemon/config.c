/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-rate.h"
#include "config.h"
#include "event-filter.h"
#include "field-filter.h"
#include "file-util.h"
#include "log.h"
#include "parse-util.h"
#include "policy-plan.h"
#include "redaction.h"
#include "yaml-tree.h"

#define DEFAULT_STATE_DIR "/var/lib/tetragon" /* systemd's StateDirectory=tetragon */
#define DEFAULT_EXPORT_MAX_SIZE (10ULL * 1024 * 1024)
#define DEFAULT_EXPORT_MAX_BACKUPS 5
#define DEFAULT_PROCESS_CACHE_SIZE 65536
#define MB (1024ULL * 1024)
/* A setting's value in a file of a conf.d folder: enough for long filter lists. */
#define CONFIG_VALUE_MAX (256U * 1024U)

const ConfigOption config_options[] = {
        { "policy-dir", CONFIG_POLICY_DIR, "DIR",
          "Tracing policies to load (default: " POLICY_DIR ")" },
        { "tracing-policy-dir", CONFIG_POLICY_DIR, "DIR" },
        { "state-dir", CONFIG_STATE_DIR, "DIR",
          "Where policy enable/disable and mode choices persist (default: " DEFAULT_STATE_DIR ")" },
        { "export-file", CONFIG_EXPORT_FILE, "PATH", "Also write events as JSON lines to PATH" },
        { "export-filename", CONFIG_EXPORT_FILE, "PATH" },
        { "export-file-max-size", CONFIG_EXPORT_FILE_MAX_SIZE, "BYTES",
          "Rotate the export file at this size (default: 10 MiB, 0: never)" },
        { "export-file-max-size-mb", CONFIG_EXPORT_FILE_MAX_SIZE, "MB", NULL, MB },
        { "export-file-max-backups", CONFIG_EXPORT_FILE_MAX_BACKUPS, "N",
          "Rotated files to keep (default: 5)" },
        { "stdout", CONFIG_STDOUT, "FORMAT",
          "Also print events on stdout: compact, json or none (default: none)" },
        { "log-level", CONFIG_LOG_LEVEL, "LEVEL",
          "debug, info, notice, warning, err (default: info)" },
        { "disable-mechanism", CONFIG_DISABLE_MECHANISM, "LIST",
          "Hook mechanisms the policy engine may not use, comma-separated: fentry, kprobe, "
          "fmod_ret, sys_enter, tracepoint, raw_tracepoint, lsm, uprobe, usdt" },
        { "process-cache-size", CONFIG_PROCESS_CACHE_SIZE, "N",
          "Processes the cache keeps (default: 65536)" },
        { "procfs", CONFIG_PROCFS, "DIR", "Where to read running processes (default: /proc)" },
        { "export-allowlist", CONFIG_EXPORT_ALLOWLIST, "FILTERS",
          "JSON filter lines: only events that match one reach the sinks" },
        { "export-denylist", CONFIG_EXPORT_DENYLIST, "FILTERS",
          "JSON filter lines: events that match one do not reach the sinks" },
        { "redaction-filters", CONFIG_REDACTION_FILTERS, "FILTERS",
          "JSON lines: capture groups of their \"redact\" regexes become ***** in "
          "process arguments" },
        { "export-rate-limit", CONFIG_EXPORT_RATE_LIMIT, "N",
          "Events per minute that reach the sinks; beyond it they are counted and reported in "
          "rate_limit_info events (default: -1, no limit)" },
        { "cgroup-rate", CONFIG_CGROUP_RATE, "EVENTS,INTERVAL",
          "Throttle the process events of a cgroup (a unit) beyond EVENTS per INTERVAL, e.g. "
          "1000,1s, with process_throttle events (default: none)" },
        { "field-filters", CONFIG_FIELD_FILTERS, "FILTERS",
          "JSON lines: which fields of the export JSON to include or exclude, per event type" },
        { "rb-size-total", CONFIG_RB_SIZE, "BYTES",
          "Size of the ring buffer all CPUs share, K/M/G suffixes allowed, rounded up to a power "
          "of two (default: 8M)" },
        { "rb-size", CONFIG_RB_SIZE, "BYTES", NULL, CONFIG_SCALE_PER_CPU },
        { "metrics-server", CONFIG_METRICS_SERVER, "ADDR:PORT",
          "Serve Prometheus metrics on http://ADDR:PORT/metrics (\":2112\": every address; "
          "default: off)" },
        { "enable-ancestors", CONFIG_ENABLE_ANCESTORS, "LIST",
          "Add \"ancestors\" to these events: base (exec, exit; needed by the others), kprobe, "
          "tracepoint, uprobe, lsm, usdt (default: none)" },
        { "enable-process-ns", CONFIG_ENABLE_PROCESS_NS, "BOOL",
          "Add process.ns, every namespace and whether it is the host's (default: false)" },
        { "enable-process-cred", CONFIG_ENABLE_PROCESS_CRED, "BOOL",
          "Add process.process_credentials and process.cap (default: false)" },
        { "username-metadata", CONFIG_USERNAME_METADATA, "MODE",
          "unix: add process.user.name from /etc/passwd; disabled (default)" },
        { "enable-process-environment-variables", CONFIG_ENABLE_PROCESS_ENV, "BOOL",
          "Add process.environment_variables (default: false)" },
        { "filter-environment-variables", CONFIG_FILTER_ENV, "NAMES",
          "Only these environment variables, comma-separated (default: all)" },
        { "expose-stack-addresses", CONFIG_EXPOSE_STACK_ADDRESSES, "BOOL",
          "Add addresses to stack traces (default: false)" },
        { "bpf-dir", CONFIG_BPF_DIR, "DIR",
          "Where policies are pinned in bpffs, a path or a name under /sys/fs/bpf (default: "
          "tetragond); \"\" pins nothing" },
        { "keep-sensors-on-exit", CONFIG_KEEP_SENSORS_ON_EXIT, "BOOL",
          "Leave the policies in force when stopped (default: true)" },
        { "lockdown", CONFIG_LOCKDOWN, "BOOL",
          "Lock down at start, until reboot (default: false)" },
};
const size_t config_options_count = ELEMENTSOF(config_options);

const char *config_key_to_string(ConfigKey key) {
        for (size_t i = 0; i < config_options_count; i++)
                if (config_options[i].key == key)
                        return config_options[i].name;
        return NULL;
}

bool config_key_reloadable(ConfigKey key) {
        switch (key) {
        case CONFIG_STDOUT:
        case CONFIG_LOG_LEVEL:
        case CONFIG_EXPORT_ALLOWLIST:
        case CONFIG_EXPORT_DENYLIST:
        case CONFIG_REDACTION_FILTERS: /* for processes that start after the reload */
        case CONFIG_EXPORT_RATE_LIMIT:
        case CONFIG_CGROUP_RATE:
        case CONFIG_FIELD_FILTERS:
                return true;
        /* The objects built from these live as long as the daemon. */
        case CONFIG_POLICY_DIR:
        case CONFIG_STATE_DIR:
        case CONFIG_EXPORT_FILE:
        case CONFIG_EXPORT_FILE_MAX_SIZE:
        case CONFIG_EXPORT_FILE_MAX_BACKUPS:
        case CONFIG_DISABLE_MECHANISM:
        case CONFIG_PROCESS_CACHE_SIZE:
        case CONFIG_PROCFS:
        case CONFIG_RB_SIZE:
        case CONFIG_METRICS_SERVER:
        /* Read when the BPF side loads (the environment) or the cache is built. */
        case CONFIG_ENABLE_ANCESTORS:
        case CONFIG_ENABLE_PROCESS_NS:
        case CONFIG_ENABLE_PROCESS_CRED:
        case CONFIG_USERNAME_METADATA:
        case CONFIG_ENABLE_PROCESS_ENV:
        case CONFIG_FILTER_ENV:
        case CONFIG_EXPOSE_STACK_ADDRESSES:
        case CONFIG_BPF_DIR:
        case CONFIG_KEEP_SENSORS_ON_EXIT:
        case CONFIG_LOCKDOWN:
                return false;
        case _CONFIG_KEY_MAX:
                break;
        }
        return false;
}

/* The enrichment rows, in enrich-options.c's terms; _ENRICH_OPTION_MAX for the others. */
static EnrichOption config_key_to_enrich_option(ConfigKey key) {
        switch (key) {
        case CONFIG_ENABLE_ANCESTORS:
                return ENRICH_OPTION_ANCESTORS;
        case CONFIG_ENABLE_PROCESS_NS:
                return ENRICH_OPTION_PROCESS_NS;
        case CONFIG_ENABLE_PROCESS_CRED:
                return ENRICH_OPTION_PROCESS_CRED;
        case CONFIG_USERNAME_METADATA:
                return ENRICH_OPTION_USERNAME_METADATA;
        case CONFIG_ENABLE_PROCESS_ENV:
                return ENRICH_OPTION_ENV;
        case CONFIG_FILTER_ENV:
                return ENRICH_OPTION_FILTER_ENV;
        case CONFIG_EXPOSE_STACK_ADDRESSES:
                return ENRICH_OPTION_EXPOSE_STACK_ADDRESSES;
        case CONFIG_POLICY_DIR:
        case CONFIG_STATE_DIR:
        case CONFIG_EXPORT_FILE:
        case CONFIG_EXPORT_FILE_MAX_SIZE:
        case CONFIG_EXPORT_FILE_MAX_BACKUPS:
        case CONFIG_STDOUT:
        case CONFIG_LOG_LEVEL:
        case CONFIG_DISABLE_MECHANISM:
        case CONFIG_PROCESS_CACHE_SIZE:
        case CONFIG_PROCFS:
        case CONFIG_EXPORT_ALLOWLIST:
        case CONFIG_EXPORT_DENYLIST:
        case CONFIG_REDACTION_FILTERS:
        case CONFIG_EXPORT_RATE_LIMIT:
        case CONFIG_CGROUP_RATE:
        case CONFIG_FIELD_FILTERS:
        case CONFIG_RB_SIZE:
        case CONFIG_METRICS_SERVER:
        case CONFIG_BPF_DIR:
        case CONFIG_KEEP_SENSORS_ON_EXIT:
        case CONFIG_LOCKDOWN:
        case _CONFIG_KEY_MAX:
                break;
        }
        return _ENRICH_OPTION_MAX;
}

bool config_key_is_switch(ConfigKey key) {
        EnrichOption o = config_key_to_enrich_option(key);

        if (key == CONFIG_KEEP_SENSORS_ON_EXIT || key == CONFIG_LOCKDOWN)
                return true;
        return o != _ENRICH_OPTION_MAX && enrich_option_is_bool(o);
}

/* Tetragon's boolean flags: true/false, and 1/0, yes/no beside them. */
static const ConfigOption *config_option_find(const char *name) {
        for (size_t i = 0; i < config_options_count; i++)
                if (streq(config_options[i].name, name))
                        return &config_options[i];
        return NULL;
}

int config_sources_add_arg(ConfigSources *s, const ConfigOption *option, const char *value) {
        typeof(s->args) args;
        char *v;

        /* --disable-mechanism=a --disable-mechanism=b disables both, as before files existed. */
        if (option->key == CONFIG_DISABLE_MECHANISM)
                for (size_t i = 0; i < s->n_args; i++)
                        if (s->args[i].option->key == CONFIG_DISABLE_MECHANISM) {
                                if (asprintf(&v, "%s,%s", s->args[i].value, value) < 0)
                                        return -ENOMEM;
                                free(s->args[i].value);
                                s->args[i].value = v;
                                return 0;
                        }

        v = strdup(value);
        if (!v)
                return -ENOMEM;
        args = reallocarray(s->args, s->n_args + 1, sizeof(*s->args));
        if (!args) {
                free(v);
                return -ENOMEM;
        }
        s->args = args;
        s->args[s->n_args].option = option;
        s->args[s->n_args++].value = v;
        return 0;
}

void config_sources_done(ConfigSources *s) {
        for (size_t i = 0; i < s->n_args; i++)
                free(s->args[i].value);
        s->args = mfree(s->args);
        s->n_args = 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->policy_dir);
        free(c->state_dir);
        free(c->export_file);
        free(c->procfs);
        free(c->export_allowlist);
        free(c->export_denylist);
        event_filter_free(c->allowlist);
        event_filter_free(c->denylist);
        free(c->redaction_filters);
        redaction_free(c->redaction);
        free(c->cgroup_rate_text);
        cgroup_rate_free(c->cgroup_rate);
        free(c->field_filters);
        field_filter_free(c->field_filter);
        free(c->metrics_server);
        enrich_options_done(&c->enrich);
        free(c->bpf_dir);
        for (size_t i = 0; i < _CONFIG_KEY_MAX; i++)
                free(c->origin[i]);
        return mfree(c);
}

static int config_new_default(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->policy_dir = strdup(POLICY_DIR);
        c->state_dir = strdup(DEFAULT_STATE_DIR);
        c->procfs = strdup("/proc");
        c->bpf_dir = strdup("tetragond");
        if (!c->policy_dir || !c->state_dir || !c->procfs || !c->bpf_dir)
                return -ENOMEM;
        /* Our default, where Tetragon's is false: whoever can stop the daemon must not be able
         * to turn enforcement off by that; removal is explicit. */
        c->keep_sensors_on_exit = true;
        c->export_file_max_size = DEFAULT_EXPORT_MAX_SIZE;
        c->export_file_max_backups = DEFAULT_EXPORT_MAX_BACKUPS;
        c->stdout_format = STDOUT_NONE;
        c->log_level = LOG_INFO;
        c->process_cache_size = DEFAULT_PROCESS_CACHE_SIZE;
        c->export_rate_limit = -1;
        *ret = TAKE_PTR(c);
        return 0;
}

static int parse_uint64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* "65k", "8M", "1G", "0" (the default): Tetragon's rb-size values, as a power of two of bytes.
 * A BPF ring buffer must be one, so a size in between is rounded up. */
static int parse_size(const char *value, uint64_t scale, uint32_t *ret) {
        static const char suffixes[] = "kKmMgG";
        uint64_t v, unit = 1;
        _cleanup_free_ char *digits = strdup(value);
        size_t n;

        if (!digits)
                return -ENOMEM;
        n = strlen(digits);
        if (n > 0 && strchr(suffixes, digits[n - 1])) {
                const char *s = strchr(suffixes, digits[n - 1]);

                unit = 1ULL << (10 * (1 + (s - suffixes) / 2));
                digits[n - 1] = 0;
        }
        if (parse_uint64(digits, &v) < 0 || v > (1ULL << 40))
                return -EINVAL;
        v *= unit;
        if (scale == CONFIG_SCALE_PER_CPU) {
                long cpus = sysconf(_SC_NPROCESSORS_CONF);

                v *= cpus > 0 ? (uint64_t) cpus : 1;
        }
        if (v == 0) {
                *ret = 0;
                return 0;
        }
        if (v < 4096 || v > (1ULL << 30))
                return -EINVAL;
        *ret = 4096;
        while (*ret < v)
                *ret <<= 1;
        return 0;
}

static int set_string(char **field, const char *value) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        free(*field);
        *field = v;
        return 0;
}

static int set_filter(char **text, EventFilter **filter, const char *value, char **ret_hint) {
        _cleanup_(event_filter_freep) EventFilter *f = NULL;
        int r;

        /* Empty: no filter, which is how a lower place's list is turned off. */
        if (*value) {
                r = event_filter_new(&f, value, ret_hint);
                if (r < 0)
                        return r;
        }
        r = set_string(text, value);
        if (r < 0)
                return r;
        event_filter_free(*filter);
        *filter = TAKE_PTR(f);
        return 0;
}

/* Parses value into c. -EINVAL with *ret_hint (NULL, or a sentence to add) for a bad value. */
static int config_parse_value(Config *c, const ConfigOption *o, const char *value,
                              char **ret_hint) {
        uint64_t u;
        int r;

        *ret_hint = NULL;
        switch (o->key) {
        case CONFIG_POLICY_DIR:
        case CONFIG_STATE_DIR:
        case CONFIG_PROCFS:
                if (value[0] != '/')
                        return (*ret_hint = strdup("an absolute path")) ? -EINVAL : -ENOMEM;
                return set_string(o->key == CONFIG_POLICY_DIR  ? &c->policy_dir
                                  : o->key == CONFIG_STATE_DIR ? &c->state_dir
                                                               : &c->procfs,
                                  value);
        case CONFIG_EXPORT_FILE:
                if (!*value) { /* Tetragon's "disabled" */
                        c->export_file = mfree(c->export_file);
                        return 0;
                }
                return set_string(&c->export_file, value);
        case CONFIG_EXPORT_FILE_MAX_SIZE:
                if (parse_uint64(value, &u) < 0 || (o->scale && u > UINT64_MAX / o->scale))
                        return -EINVAL;
                c->export_file_max_size = u * (o->scale ?: 1);
                return 0;
        case CONFIG_EXPORT_FILE_MAX_BACKUPS:
                if (parse_uint64(value, &u) < 0 || u > 1000)
                        return (*ret_hint = strdup("0 to 1000")) ? -EINVAL : -ENOMEM;
                c->export_file_max_backups = (unsigned) u;
                return 0;
        case CONFIG_STDOUT:
                if (streq(value, "none"))
                        c->stdout_format = STDOUT_NONE;
                else if (streq(value, "compact"))
                        c->stdout_format = STDOUT_COMPACT;
                else if (streq(value, "json"))
                        c->stdout_format = STDOUT_JSON;
                else
                        return (*ret_hint = strdup("compact, json or none")) ? -EINVAL : -ENOMEM;
                return 0;
        case CONFIG_LOG_LEVEL:
                r = log_level_from_string(value);
                if (r < 0)
                        return -EINVAL;
                c->log_level = r;
                return 0;
        case CONFIG_DISABLE_MECHANISM: {
                const char *bad = NULL;
                size_t bad_len = 0;
                unsigned mask;

                r = hook_mechanisms_from_option(value, &mask, &bad, &bad_len);
                if (r < 0)
                        return asprintf(
                                       ret_hint,
                                       "\"%.*s\": fentry, kprobe, fmod_ret, sys_enter, tracepoint, "
                                       "raw_tracepoint, lsm, uprobe, usdt",
                                       (int) bad_len, strempty(bad)) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                c->disabled_mechanisms = mask;
                return 0;
        }
        case CONFIG_PROCESS_CACHE_SIZE:
                if (parse_uint64(value, &u) < 0 || u < 64 || u > 16777216)
                        return (*ret_hint = strdup("64 to 16777216")) ? -EINVAL : -ENOMEM;
                c->process_cache_size = (size_t) u;
                return 0;
        case CONFIG_EXPORT_ALLOWLIST:
                return set_filter(&c->export_allowlist, &c->allowlist, value, ret_hint);
        case CONFIG_EXPORT_DENYLIST:
                return set_filter(&c->export_denylist, &c->denylist, value, ret_hint);
        case CONFIG_EXPORT_RATE_LIMIT:
                if (streq(value, "-1")) {
                        c->export_rate_limit = -1;
                        return 0;
                }
                if (parse_uint64(value, &u) < 0 || u > INT64_MAX)
                        return (*ret_hint = strdup("events per minute, or -1 for no limit"))
                                       ? -EINVAL
                                       : -ENOMEM;
                c->export_rate_limit = (int64_t) u;
                return 0;
        case CONFIG_CGROUP_RATE: {
                _cleanup_(cgroup_rate_freep) CgroupRate *rate = NULL;
                uint64_t events, interval;

                if (*value) {
                        if (cgroup_rate_parse(value, &events, &interval) < 0)
                                return (*ret_hint = strdup("EVENTS,INTERVAL, e.g. 1000,1s"))
                                               ? -EINVAL
                                               : -ENOMEM;
                        r = cgroup_rate_new(&rate, events, interval);
                        if (r < 0)
                                return r;
                }
                if (*value) {
                        r = set_string(&c->cgroup_rate_text, value);
                        if (r < 0)
                                return r;
                } else
                        c->cgroup_rate_text = mfree(c->cgroup_rate_text);
                cgroup_rate_free(c->cgroup_rate);
                c->cgroup_rate = TAKE_PTR(rate);
                return 0;
        }
        case CONFIG_METRICS_SERVER:
                if (!*value) { /* Tetragon's default: off */
                        c->metrics_server = mfree(c->metrics_server);
                        return 0;
                }
                if (!strchr(value, ':'))
                        return (*ret_hint = strdup("HOST:PORT or :PORT")) ? -EINVAL : -ENOMEM;
                return set_string(&c->metrics_server, value);
        case CONFIG_BPF_DIR:
                if (!*value) {
                        c->bpf_dir = mfree(c->bpf_dir);
                        return 0;
                }
                return set_string(&c->bpf_dir, value);
        case CONFIG_KEEP_SENSORS_ON_EXIT:
        case CONFIG_LOCKDOWN:
                r = parse_boolean(value);
                if (r < 0)
                        return (*ret_hint = strdup("true or false")) ? -EINVAL : -ENOMEM;
                if (o->key == CONFIG_LOCKDOWN)
                        c->lockdown = r;
                else
                        c->keep_sensors_on_exit = r;
                return 0;
        case CONFIG_RB_SIZE:
                r = parse_size(value, o->scale, &c->rb_size);
                if (r == -EINVAL)
                        return (*ret_hint = strdup("4K to 1G, with K, M or G suffixes")) ? -EINVAL
                                                                                         : -ENOMEM;
                return r;
        case CONFIG_FIELD_FILTERS: {
                _cleanup_(field_filter_freep) FieldFilter *ff = NULL;

                if (*value) {
                        r = field_filter_new(&ff, value, ret_hint);
                        if (r < 0)
                                return r;
                }
                r = set_string(&c->field_filters, value);
                if (r < 0)
                        return r;
                field_filter_free(c->field_filter);
                c->field_filter = TAKE_PTR(ff);
                return 0;
        }
        case CONFIG_REDACTION_FILTERS: {
                _cleanup_(redaction_freep) Redaction *red = NULL;

                if (*value) {
                        r = redaction_new(&red, value, ret_hint);
                        if (r < 0)
                                return r;
                }
                r = set_string(&c->redaction_filters, value);
                if (r < 0)
                        return r;
                redaction_free(c->redaction);
                c->redaction = TAKE_PTR(red);
                return 0;
        }
        case CONFIG_ENABLE_ANCESTORS:
        case CONFIG_ENABLE_PROCESS_NS:
        case CONFIG_ENABLE_PROCESS_CRED:
        case CONFIG_USERNAME_METADATA:
        case CONFIG_ENABLE_PROCESS_ENV:
        case CONFIG_FILTER_ENV:
        case CONFIG_EXPOSE_STACK_ADDRESSES: {
                EnrichOption which = config_key_to_enrich_option(o->key);

                r = enrich_options_set(&c->enrich, which, value);
                if (r == -EINVAL)
                        return (*ret_hint = strdup(enrich_option_values(which))) ? -EINVAL
                                                                                 : -ENOMEM;
                return r;
        }
        case _CONFIG_KEY_MAX:
                break;
        }
        return -EINVAL;
}

/* Sets one setting from one place; on a bad value, *ret_error says where and what. */
static int config_set(Config *c, const ConfigOption *o, const char *value, const char *origin,
                      bool command_line, char **ret_error) {
        _cleanup_free_ char *hint = NULL, *where = NULL;
        int r;

        r = config_parse_value(c, o, value, &hint);
        /* A filter's message says which of its lines is wrong: the text would only hide it. */
        if (r == -EINVAL &&
            (o->key == CONFIG_EXPORT_ALLOWLIST || o->key == CONFIG_EXPORT_DENYLIST ||
             o->key == CONFIG_REDACTION_FILTERS || o->key == CONFIG_FIELD_FILTERS)) {
                if (command_line)
                        r = asprintf(ret_error, "Invalid --%s: %s", o->name, strempty(hint));
                else
                        r = asprintf(ret_error, "%s: Invalid %s: %s", origin, o->name,
                                     strempty(hint));
                return r < 0 ? -ENOMEM : -EINVAL;
        }
        if (r == -EINVAL) {
                /* The command line's form is the one getopt users know: "Invalid --x: v". */
                if (command_line)
                        r = asprintf(ret_error, "Invalid --%s: %s%s%s%s", o->name, value,
                                     hint ? " (" : "", strempty(hint), hint ? ")" : "");
                else
                        r = asprintf(ret_error, "%s: Invalid %s: %s%s%s%s", origin, o->name, value,
                                     hint ? " (" : "", strempty(hint), hint ? ")" : "");
                return r < 0 ? -ENOMEM : -EINVAL;
        }
        if (r < 0)
                return r;

        if (command_line ? asprintf(&where, "--%s", o->name) < 0 : !(where = strdup(origin)))
                return -ENOMEM;
        free(c->origin[o->key]);
        c->origin[o->key] = TAKE_PTR(where);
        return 0;
}

static int add_warning(char **warnings, const char *format, ...) _printf_(2, 3);
static int add_warning(char **warnings, const char *format, ...) {
        _cleanup_free_ char *line = NULL;
        char *joined;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&line, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (asprintf(&joined, "%s%s%s", strempty(*warnings), *warnings ? "\n" : "", line) < 0)
                return -ENOMEM;
        free(*warnings);
        *warnings = joined;
        return 0;
}

/* A setting a file names: ours, Tetragon's, or one we do not have (a warning, not an error:
 * a Tetragon configuration carries settings for Kubernetes and gRPC). */
static int config_set_from_file(Config *c, const char *name, const char *value, const char *origin,
                                char **ret_error, char **warnings) {
        const ConfigOption *o;

        if (streq(name, "config-dir") || streq(name, "config-file"))
                return asprintf(ret_error, "%s: %s can only be given on the command line.", origin,
                                name) < 0
                               ? -ENOMEM
                               : -EINVAL;
        o = config_option_find(name);
        if (!o)
                return add_warning(warnings, "%s: Unknown setting %s, ignoring.", origin, name);
        return config_set(c, o, value, origin, false, ret_error);
}

static int read_file_at(int dirfd, const char *name, char **ret_text, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return read_full_fd(fd, CONFIG_VALUE_MAX, ret_text, ret_size);
}

static int filename_compare(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* A conf.d folder: one file per setting, its content the value (trailing white space cut).
 * A folder that does not exist is no error: every place is optional. */
static int config_read_dir(Config *c, const char *dir, char **ret_error, char **warnings) {
        _cleanup_close_ int dirfd = -EBADF;
        struct dirent **entries = NULL;
        int n, r = 0;

        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                if (errno == ENOENT)
                        return 0;
                r = negative_errno();
                return asprintf(ret_error, "%s: Failed to open: %s", dir, strerror(-r)) < 0
                               ? -ENOMEM
                               : -EINVAL;
        }
        n = scandirat(dirfd, ".", &entries, NULL, filename_compare);
        if (n < 0) {
                r = negative_errno();
                return asprintf(ret_error, "%s: Failed to read: %s", dir, strerror(-r)) < 0
                               ? -ENOMEM
                               : -EINVAL;
        }

        for (int i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *text = NULL, *path = NULL;
                const char *name = entries[i]->d_name;
                struct stat st;
                size_t size;

                /* Hidden files are editors' and package managers' leftovers. */
                if (name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(dirfd, name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                r = read_file_at(dirfd, name, &text, &size);
                if (r < 0) {
                        r = asprintf(ret_error, "%s: Failed to read: %s", path, strerror(-r)) < 0
                                    ? -ENOMEM
                                    : -EINVAL;
                        break;
                }
                while (size > 0 && strchr(" \t\r\n", text[size - 1]))
                        text[--size] = 0;
                if (strlen(text) != size) {
                        r = asprintf(ret_error, "%s: Invalid %s: the value contains a NUL byte",
                                     path, name) < 0
                                    ? -ENOMEM
                                    : -EINVAL;
                        break;
                }
                r = config_set_from_file(c, name, text, path, ret_error, warnings);
        }

        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        return r;
}

static int config_yaml_error(char **ret_error, const char *file, const YamlNode *n,
                             const char *format, ...) _printf_(4, 5);
static int config_yaml_error(char **ret_error, const char *file, const YamlNode *n,
                             const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return asprintf(ret_error, "%s:%u:%u: %s", file, n->line, n->column, message) < 0 ? -ENOMEM
                                                                                          : -EINVAL;
}

/* tetragon.yaml: one mapping of setting names to single values. */
static int config_read_yaml(Config *c, const char *file, bool must_exist, char **ret_error,
                            char **warnings) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(yaml_tree_freep) YamlTree *tree = NULL;
        _cleanup_free_ char *text = NULL;
        const YamlNode *root;
        size_t size;
        int r;

        r = read_file_at(AT_FDCWD, file, &text, &size);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r < 0)
                return asprintf(ret_error, "%s: Failed to read: %s", file, strerror(-r)) < 0
                               ? -ENOMEM
                               : -EINVAL;

        r = yaml_tree_parse(file, text, size, &diags, &tree);
        if (r == -EINVAL && diags.n_items > 0)
                return diagnostic_format(&diags.items[0], ret_error) < 0 ? -ENOMEM : -EINVAL;
        if (r < 0)
                return r;
        if (tree->n_documents == 0)
                return 0;
        if (tree->n_documents > 1)
                return config_yaml_error(ret_error, file, tree->documents[1], "%s",
                                         "Expected one document, found more.");
        root = tree->documents[0];
        if (root->type == YAML_NODE_SCALAR && root->scalar.null)
                return 0;
        if (root->type != YAML_NODE_MAPPING)
                return config_yaml_error(ret_error, file, root, "%s",
                                         "Expected a mapping of setting names to values.");

        for (size_t i = 0; i < root->mapping.n_pairs; i++) {
                const YamlNode *k = root->mapping.pairs[i].key, *v = root->mapping.pairs[i].value;
                _cleanup_free_ char *origin = NULL;

                if (k->type != YAML_NODE_SCALAR)
                        return config_yaml_error(ret_error, file, k, "%s",
                                                 "Expected a setting name.");
                if (v->type != YAML_NODE_SCALAR)
                        return config_yaml_error(ret_error, file, v,
                                                 "Invalid %s: expected a single value.",
                                                 k->scalar.value);
                if (strlen(v->scalar.value) != v->scalar.length)
                        return config_yaml_error(ret_error, file, v,
                                                 "Invalid %s: the value contains a NUL byte.",
                                                 k->scalar.value);
                if (asprintf(&origin, "%s:%u:%u", file, v->line, v->column) < 0)
                        return -ENOMEM;
                r = config_set_from_file(c, k->scalar.value, v->scalar.null ? "" : v->scalar.value,
                                         origin, ret_error, warnings);
                if (r < 0)
                        return r;
        }
        return 0;
}

int config_load(const ConfigSources *s, Config **ret, char **ret_error, char **ret_warnings) {
        static const char *const vendor_dirs[] = {
                "/usr/lib/tetragon/tetragon.conf.d",
                "/usr/local/lib/tetragon/tetragon.conf.d",
        };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *warnings = NULL, *error = NULL, *path = NULL;
        const char *root = strempty(s->root);
        int r;

        r = config_new_default(&c);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(vendor_dirs); i++) {
                path = mfree(path);
                if (asprintf(&path, "%s%s", root, vendor_dirs[i]) < 0)
                        return -ENOMEM;
                r = config_read_dir(c, path, &error, &warnings);
                if (r < 0)
                        goto fail;
        }

        if (s->config_file)
                r = config_read_yaml(c, s->config_file, true, &error, &warnings);
        else {
                path = mfree(path);
                if (asprintf(&path, "%s%s/tetragon/tetragon.yaml", root, SYSCONFDIR) < 0)
                        return -ENOMEM;
                r = config_read_yaml(c, path, false, &error, &warnings);
        }
        if (r < 0)
                goto fail;

        path = mfree(path);
        if (asprintf(&path, "%s%s/tetragon/tetragon.conf.d", root, SYSCONFDIR) < 0)
                return -ENOMEM;
        r = config_read_dir(c, path, &error, &warnings);
        if (r < 0)
                goto fail;

        if (s->config_dir) {
                r = config_read_dir(c, s->config_dir, &error, &warnings);
                if (r < 0)
                        goto fail;
        }

        for (size_t i = 0; i < s->n_args; i++) {
                r = config_set(c, s->args[i].option, s->args[i].value, NULL, true, &error);
                if (r < 0)
                        goto fail;
        }

        *ret = TAKE_PTR(c);
        if (ret_warnings)
                *ret_warnings = TAKE_PTR(warnings);
        return 0;

fail:
        if (r == -EINVAL && ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}

void config_diff(const Config *a, const Config *b, bool ret_changed[static _CONFIG_KEY_MAX]) {
        for (ConfigKey k = 0; k < _CONFIG_KEY_MAX; k++) {
                bool changed = false;

                switch (k) {
                case CONFIG_POLICY_DIR:
                        changed = !streq(a->policy_dir, b->policy_dir);
                        break;
                case CONFIG_STATE_DIR:
                        changed = !streq(a->state_dir, b->state_dir);
                        break;
                case CONFIG_EXPORT_FILE:
                        changed = !streq_ptr(a->export_file, b->export_file);
                        break;
                case CONFIG_EXPORT_FILE_MAX_SIZE:
                        changed = a->export_file_max_size != b->export_file_max_size;
                        break;
                case CONFIG_EXPORT_FILE_MAX_BACKUPS:
                        changed = a->export_file_max_backups != b->export_file_max_backups;
                        break;
                case CONFIG_STDOUT:
                        changed = a->stdout_format != b->stdout_format;
                        break;
                case CONFIG_LOG_LEVEL:
                        changed = a->log_level != b->log_level;
                        break;
                case CONFIG_DISABLE_MECHANISM:
                        changed = a->disabled_mechanisms != b->disabled_mechanisms;
                        break;
                case CONFIG_PROCESS_CACHE_SIZE:
                        changed = a->process_cache_size != b->process_cache_size;
                        break;
                case CONFIG_PROCFS:
                        changed = !streq(a->procfs, b->procfs);
                        break;
                case CONFIG_EXPORT_ALLOWLIST:
                        changed = !streq_ptr(a->export_allowlist, b->export_allowlist);
                        break;
                case CONFIG_EXPORT_DENYLIST:
                        changed = !streq_ptr(a->export_denylist, b->export_denylist);
                        break;
                case CONFIG_REDACTION_FILTERS:
                        changed = !streq_ptr(a->redaction_filters, b->redaction_filters);
                        break;
                case CONFIG_EXPORT_RATE_LIMIT:
                        changed = a->export_rate_limit != b->export_rate_limit;
                        break;
                case CONFIG_CGROUP_RATE:
                        changed = !streq_ptr(a->cgroup_rate_text, b->cgroup_rate_text);
                        break;
                case CONFIG_FIELD_FILTERS:
                        changed = !streq_ptr(a->field_filters, b->field_filters);
                        break;
                case CONFIG_RB_SIZE:
                        changed = a->rb_size != b->rb_size;
                        break;
                case CONFIG_METRICS_SERVER:
                        changed = !streq_ptr(a->metrics_server, b->metrics_server);
                        break;
                case CONFIG_ENABLE_ANCESTORS:
                        changed = a->enrich.ancestors != b->enrich.ancestors;
                        break;
                case CONFIG_ENABLE_PROCESS_NS:
                        changed = a->enrich.process_ns != b->enrich.process_ns;
                        break;
                case CONFIG_ENABLE_PROCESS_CRED:
                        changed = a->enrich.process_cred != b->enrich.process_cred;
                        break;
                case CONFIG_USERNAME_METADATA:
                        changed = a->enrich.username_unix != b->enrich.username_unix;
                        break;
                case CONFIG_ENABLE_PROCESS_ENV:
                        changed = a->enrich.env != b->enrich.env;
                        break;
                case CONFIG_FILTER_ENV:
                        changed = a->enrich.n_env_filter != b->enrich.n_env_filter;
                        for (size_t i = 0; !changed && i < a->enrich.n_env_filter; i++)
                                changed = !streq(a->enrich.env_filter[i], b->enrich.env_filter[i]);
                        break;
                case CONFIG_EXPOSE_STACK_ADDRESSES:
                        changed = a->enrich.expose_stack_addresses !=
                                  b->enrich.expose_stack_addresses;
                        break;
                case CONFIG_BPF_DIR:
                        changed = !streq_ptr(a->bpf_dir, b->bpf_dir);
                        break;
                case CONFIG_KEEP_SENSORS_ON_EXIT:
                        changed = a->keep_sensors_on_exit != b->keep_sensors_on_exit;
                        break;
                case CONFIG_LOCKDOWN:
                        changed = a->lockdown != b->lockdown;
                        break;
                case _CONFIG_KEY_MAX:
                        break;
                }
                ret_changed[k] = changed;
        }
}

static const char *stdout_format_to_string(StdoutFormat f) {
        switch (f) {
        case STDOUT_NONE:
                return "none";
        case STDOUT_COMPACT:
                return "compact";
        case STDOUT_JSON:
                return "json";
        }
        return NULL;
}

static int format_mechanisms(unsigned mask, char **ret) {
        _cleanup_free_ char *s = strdup("");

        for (HookMechanism m = 0; s && m < _HOOK_MECHANISM_MAX; m++) {
                char *t;

                if (!(mask & (1U << m)))
                        continue;
                if (asprintf(&t, "%s%s%s", s, *s ? "," : "", hook_mechanism_option_name(m)) < 0)
                        return -ENOMEM;
                free(s);
                s = t;
        }
        if (!s)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

/* The inverse of enrich-options.c's parse_ancestors(): Tetragon's names, "base" first. */
static int format_ancestors(unsigned mask, char **ret) {
        static const struct {
                const char *name;
                EventType type;
        } names[] = {
                { "base", EVENT_PROCESS_EXEC },
                { "kprobe", EVENT_PROCESS_KPROBE },
                { "tracepoint", EVENT_PROCESS_TRACEPOINT },
                { "uprobe", EVENT_PROCESS_UPROBE },
                { "lsm", EVENT_PROCESS_LSM },
                { "usdt", EVENT_PROCESS_USDT },
        };
        _cleanup_free_ char *s = strdup("");

        for (size_t i = 0; s && i < ELEMENTSOF(names); i++) {
                char *t;

                if (!(mask & (1U << names[i].type)))
                        continue;
                if (asprintf(&t, "%s%s%s", s, *s ? "," : "", names[i].name) < 0)
                        return -ENOMEM;
                free(s);
                s = t;
        }
        if (!s)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

static int format_names(char *const *names, size_t n, char **ret) {
        _cleanup_free_ char *s = strdup("");

        for (size_t i = 0; s && i < n; i++) {
                char *t;

                if (asprintf(&t, "%s%s%s", s, *s ? "," : "", names[i]) < 0)
                        return -ENOMEM;
                free(s);
                s = t;
        }
        if (!s)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

static const char *bool_to_string(bool b) {
        return b ? "true" : "false";
}

int config_format_value(const Config *c, ConfigKey key, char **ret) {
        const char *s = NULL;
        int r = 0;

        switch (key) {
        case CONFIG_POLICY_DIR:
                s = c->policy_dir;
                break;
        case CONFIG_STATE_DIR:
                s = c->state_dir;
                break;
        case CONFIG_EXPORT_FILE:
                s = strempty(c->export_file);
                break;
        case CONFIG_EXPORT_FILE_MAX_SIZE:
                r = asprintf(ret, "%" PRIu64, c->export_file_max_size);
                break;
        case CONFIG_EXPORT_FILE_MAX_BACKUPS:
                r = asprintf(ret, "%u", c->export_file_max_backups);
                break;
        case CONFIG_STDOUT:
                s = stdout_format_to_string(c->stdout_format);
                break;
        case CONFIG_LOG_LEVEL: {
                static const char *const names[] = { "emerg",   "alert",  "crit", "err",
                                                     "warning", "notice", "info", "debug" };

                if (c->log_level >= 0 && (size_t) c->log_level < ELEMENTSOF(names))
                        s = names[c->log_level];
                else
                        r = asprintf(ret, "%i", c->log_level);
                break;
        }
        case CONFIG_DISABLE_MECHANISM:
                return format_mechanisms(c->disabled_mechanisms, ret);
        case CONFIG_PROCESS_CACHE_SIZE:
                r = asprintf(ret, "%zu", c->process_cache_size);
                break;
        case CONFIG_PROCFS:
                s = c->procfs;
                break;
        case CONFIG_EXPORT_ALLOWLIST:
                s = strempty(c->export_allowlist);
                break;
        case CONFIG_EXPORT_DENYLIST:
                s = strempty(c->export_denylist);
                break;
        case CONFIG_REDACTION_FILTERS:
                s = strempty(c->redaction_filters);
                break;
        case CONFIG_EXPORT_RATE_LIMIT:
                r = asprintf(ret, "%" PRIi64, c->export_rate_limit);
                break;
        case CONFIG_CGROUP_RATE:
                s = strempty(c->cgroup_rate_text);
                break;
        case CONFIG_FIELD_FILTERS:
                s = strempty(c->field_filters);
                break;
        case CONFIG_RB_SIZE:
                r = asprintf(ret, "%" PRIu32, c->rb_size);
                break;
        case CONFIG_METRICS_SERVER:
                s = strempty(c->metrics_server);
                break;
        case CONFIG_ENABLE_ANCESTORS:
                return format_ancestors(c->enrich.ancestors, ret);
        case CONFIG_ENABLE_PROCESS_NS:
                s = bool_to_string(c->enrich.process_ns);
                break;
        case CONFIG_ENABLE_PROCESS_CRED:
                s = bool_to_string(c->enrich.process_cred);
                break;
        case CONFIG_USERNAME_METADATA:
                s = c->enrich.username_unix ? "unix" : "disabled";
                break;
        case CONFIG_ENABLE_PROCESS_ENV:
                s = bool_to_string(c->enrich.env);
                break;
        case CONFIG_FILTER_ENV:
                return format_names(c->enrich.env_filter, c->enrich.n_env_filter, ret);
        case CONFIG_EXPOSE_STACK_ADDRESSES:
                s = bool_to_string(c->enrich.expose_stack_addresses);
                break;
        case CONFIG_BPF_DIR:
                s = strempty(c->bpf_dir);
                break;
        case CONFIG_KEEP_SENSORS_ON_EXIT:
                s = c->keep_sensors_on_exit ? "true" : "false";
                break;
        case CONFIG_LOCKDOWN:
                s = c->lockdown ? "true" : "false";
                break;
        case _CONFIG_KEY_MAX:
                return -EINVAL;
        }
        if (r < 0)
                return -ENOMEM;
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

#define SWAP(a, b)                                                                                 \
        do {                                                                                       \
                typeof(a) _t = (a);                                                                \
                (a) = (b);                                                                         \
                (b) = _t;                                                                          \
        } while (0)

void config_swap_setting(Config *to, Config *from, ConfigKey key) {
        switch (key) {
        case CONFIG_POLICY_DIR:
                SWAP(to->policy_dir, from->policy_dir);
                break;
        case CONFIG_STATE_DIR:
                SWAP(to->state_dir, from->state_dir);
                break;
        case CONFIG_EXPORT_FILE:
                SWAP(to->export_file, from->export_file);
                break;
        case CONFIG_EXPORT_FILE_MAX_SIZE:
                SWAP(to->export_file_max_size, from->export_file_max_size);
                break;
        case CONFIG_EXPORT_FILE_MAX_BACKUPS:
                SWAP(to->export_file_max_backups, from->export_file_max_backups);
                break;
        case CONFIG_STDOUT:
                SWAP(to->stdout_format, from->stdout_format);
                break;
        case CONFIG_LOG_LEVEL:
                SWAP(to->log_level, from->log_level);
                break;
        case CONFIG_DISABLE_MECHANISM:
                SWAP(to->disabled_mechanisms, from->disabled_mechanisms);
                break;
        case CONFIG_PROCESS_CACHE_SIZE:
                SWAP(to->process_cache_size, from->process_cache_size);
                break;
        case CONFIG_PROCFS:
                SWAP(to->procfs, from->procfs);
                break;
        case CONFIG_EXPORT_ALLOWLIST:
                SWAP(to->export_allowlist, from->export_allowlist);
                SWAP(to->allowlist, from->allowlist);
                break;
        case CONFIG_EXPORT_DENYLIST:
                SWAP(to->export_denylist, from->export_denylist);
                SWAP(to->denylist, from->denylist);
                break;
        case CONFIG_REDACTION_FILTERS:
                SWAP(to->redaction_filters, from->redaction_filters);
                SWAP(to->redaction, from->redaction);
                break;
        case CONFIG_EXPORT_RATE_LIMIT:
                SWAP(to->export_rate_limit, from->export_rate_limit);
                break;
        case CONFIG_CGROUP_RATE:
                SWAP(to->cgroup_rate_text, from->cgroup_rate_text);
                SWAP(to->cgroup_rate, from->cgroup_rate);
                break;
        case CONFIG_FIELD_FILTERS:
                SWAP(to->field_filters, from->field_filters);
                SWAP(to->field_filter, from->field_filter);
                break;
        case CONFIG_RB_SIZE:
                SWAP(to->rb_size, from->rb_size);
                break;
        case CONFIG_METRICS_SERVER:
                SWAP(to->metrics_server, from->metrics_server);
                break;
        case CONFIG_ENABLE_ANCESTORS:
                SWAP(to->enrich.ancestors, from->enrich.ancestors);
                break;
        case CONFIG_ENABLE_PROCESS_NS:
                SWAP(to->enrich.process_ns, from->enrich.process_ns);
                break;
        case CONFIG_ENABLE_PROCESS_CRED:
                SWAP(to->enrich.process_cred, from->enrich.process_cred);
                break;
        case CONFIG_USERNAME_METADATA:
                SWAP(to->enrich.username_unix, from->enrich.username_unix);
                break;
        case CONFIG_ENABLE_PROCESS_ENV:
                SWAP(to->enrich.env, from->enrich.env);
                break;
        case CONFIG_FILTER_ENV:
                SWAP(to->enrich.env_filter, from->enrich.env_filter);
                SWAP(to->enrich.n_env_filter, from->enrich.n_env_filter);
                break;
        case CONFIG_EXPOSE_STACK_ADDRESSES:
                SWAP(to->enrich.expose_stack_addresses, from->enrich.expose_stack_addresses);
                break;
        case CONFIG_BPF_DIR:
                SWAP(to->bpf_dir, from->bpf_dir);
                break;
        case CONFIG_KEEP_SENSORS_ON_EXIT:
                SWAP(to->keep_sensors_on_exit, from->keep_sensors_on_exit);
                break;
        case CONFIG_LOCKDOWN:
                SWAP(to->lockdown, from->lockdown);
                break;
        case _CONFIG_KEY_MAX:
                return;
        }
        SWAP(to->origin[key], from->origin[key]);
}
