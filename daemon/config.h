/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The daemon's settings, from the places Tetragon reads them, each overriding
 * the ones before it:
 *
 *     /usr/lib/tetragon/tetragon.conf.d/<setting>        (file name = setting, content = value)
 *     /usr/local/lib/tetragon/tetragon.conf.d/<setting>
 *     /etc/tetragon/tetragon.yaml                        (--config-file replaces it)
 *     /etc/tetragon/tetragon.conf.d/<setting>
 *     --config-dir=DIR/<setting>
 *     the command line
 *
 * One table names every setting, with Tetragon's names as aliases of ours
 * where they differ. config_load() reads every place into a new Config, or
 * fails with one line that names the place (FILE:LINE:COL, or --option) and
 * the setting; it is run again at reload, beside the Config in force, so a
 * bad file never replaces a good configuration.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enrich-options.h"
#include "macro.h"

typedef struct EventFilter EventFilter;
typedef struct Redaction Redaction;
typedef struct CgroupRate CgroupRate;
typedef struct FieldFilter FieldFilter;

typedef enum StdoutFormat {
        STDOUT_NONE,    /* events only go to the journal and the export file */
        STDOUT_COMPACT, /* also one compact line per event on stdout (foreground use) */
        STDOUT_JSON,    /* also one export JSON object per line on stdout */
} StdoutFormat;

typedef enum ConfigKey {
        CONFIG_POLICY_DIR,
        CONFIG_STATE_DIR,
        CONFIG_EXPORT_FILE,
        CONFIG_EXPORT_FILE_MAX_SIZE,
        CONFIG_EXPORT_FILE_MAX_BACKUPS,
        CONFIG_STDOUT,
        CONFIG_LOG_LEVEL,
        CONFIG_DISABLE_MECHANISM,
        CONFIG_PROCESS_CACHE_SIZE,
        CONFIG_PROCFS,
        CONFIG_EXPORT_ALLOWLIST,
        CONFIG_EXPORT_DENYLIST,
        CONFIG_REDACTION_FILTERS,
        CONFIG_EXPORT_RATE_LIMIT,
        CONFIG_CGROUP_RATE,
        CONFIG_FIELD_FILTERS,
        CONFIG_RB_SIZE,
        CONFIG_METRICS_SERVER,
        /* What events carry beyond Tetragon's defaults (enrich-options.h). */
        CONFIG_ENABLE_ANCESTORS,
        CONFIG_ENABLE_PROCESS_NS,
        CONFIG_ENABLE_PROCESS_CRED,
        CONFIG_USERNAME_METADATA,
        CONFIG_ENABLE_PROCESS_ENV,
        CONFIG_FILTER_ENV,
        CONFIG_EXPOSE_STACK_ADDRESSES,
        CONFIG_BPF_DIR,
        CONFIG_KEEP_SENSORS_ON_EXIT,
        CONFIG_LOCKDOWN,
        _CONFIG_KEY_MAX,
} ConfigKey;

typedef struct Config {
        char *policy_dir;
        char *state_dir; /* what persists across restarts: policy-state.json */
        char *export_file;
        uint64_t export_file_max_size;
        unsigned export_file_max_backups;
        StdoutFormat stdout_format;
        int log_level;
        unsigned disabled_mechanisms; /* 1U << HookMechanism the policy engine may not use */
        size_t process_cache_size;
        char *procfs;
        /* The filters' text, as given, and what it compiled to (NULL: none). */
        char *export_allowlist, *export_denylist;
        EventFilter *allowlist, *denylist;
        char *redaction_filters;
        Redaction *redaction;
        int64_t export_rate_limit; /* events per minute to the sinks; -1: no limit */
        char *cgroup_rate_text;    /* "EVENTS,INTERVAL", or NULL */
        CgroupRate *cgroup_rate;   /* its state: which cgroups are throttled */
        char *field_filters;
        FieldFilter *field_filter;
        uint32_t rb_size;     /* bytes of the ring buffer; 0: the default */
        char *metrics_server; /* "HOST:PORT" to serve /metrics on, NULL: off */
        EnrichOptions enrich; /* the rows CONFIG_ENABLE_ANCESTORS to _EXPOSE_STACK_ADDRESSES */
        /* Where attachments are pinned so that they outlive the daemon (pinned-state.h), a
         * path or a name under /sys/fs/bpf; NULL: nothing is pinned. */
        char *bpf_dir;
        /* On SIGTERM/SIGINT leave every policy in force (Tetragon's --keep-sensors-on-exit).
         * Kept regardless while locked. */
        bool keep_sensors_on_exit;
        bool lockdown; /* lock at start (tetractl lockdown does the same later) */

        /* Where each setting was last set ("FILE:LINE:COL", "--name"); NULL: the default. */
        char *origin[_CONFIG_KEY_MAX];
} Config;

/* One row per name a setting answers to. */
typedef struct ConfigOption {
        const char *name;
        ConfigKey key;
        const char *metavar; /* in --help */
        const char *help;    /* NULL: an alias, listed as "alias of" the row before */
        uint64_t scale;      /* numbers are multiplied by it (the -mb names); 0 for 1;
                                CONFIG_SCALE_PER_CPU: by the number of possible CPUs */
} ConfigOption;

#define CONFIG_SCALE_PER_CPU UINT64_MAX

extern const ConfigOption config_options[];
extern const size_t config_options_count;

const char *config_key_to_string(ConfigKey key); /* our name of the setting */
/* Can a reload change it, or does it wait for the next start? */
bool config_key_reloadable(ConfigKey key);
/* A switch: "--name" alone means true (Tetragon's boolean flags); files give true or false. */
bool config_key_is_switch(ConfigKey key);

/* What the command line gave, kept for every reload (it always wins). */
typedef struct ConfigSources {
        const char *root;        /* the default places are read under it; "" for / */
        const char *config_file; /* --config-file, or NULL for ROOT/etc/tetragon/tetragon.yaml */
        const char *config_dir;  /* --config-dir, or NULL */
        struct {
                const ConfigOption *option;
                char *value;
        } * args;
        size_t n_args;
} ConfigSources;

/* Adds a command-line setting; a repeated --disable-mechanism adds to the list. */
int config_sources_add_arg(ConfigSources *s, const ConfigOption *option, const char *value);
void config_sources_done(ConfigSources *s);

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* Reads every place into a new Config. On -EINVAL (a bad value or file),
 * *ret_error is the one line to show; other errors are the system's. Settings
 * a file names that we do not have are reported in *ret_warnings (one line
 * each, NULL when none): Tetragon's configuration may carry them. */
int config_load(const ConfigSources *s, Config **ret, char **ret_error, char **ret_warnings);

/* The value in force, as a file would set it. */
int config_format_value(const Config *c, ConfigKey key, char **ret);

/* Which settings differ between two configurations. */
void config_diff(const Config *a, const Config *b, bool ret_changed[static _CONFIG_KEY_MAX]);
/* Moves setting key (and its origin) from *from into *to, swapping: a reload
 * keeps what needs a restart. */
void config_swap_setting(Config *to, Config *from, ConfigKey key);
