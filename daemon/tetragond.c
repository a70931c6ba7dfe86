/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <inttypes.h>

#include "log.h"
#include "manager.h"
#include "pinned-state.h"
#include "policy-plan.h"
#include "system-setup.h"

#define DEFAULT_EXPORT_MAX_SIZE (10ULL * 1024 * 1024)
#define DEFAULT_EXPORT_MAX_BACKUPS 5
#define DEFAULT_PROCESS_CACHE_MAX 65536
/* systemd's StateDirectory=tetragon. */
#define DEFAULT_STATE_DIR "/var/lib/tetragon"

static void help(void) {
        printf("Usage: tetragond [OPTIONS...]\n\n"
               "eBPF security observability and runtime enforcement for this host.\n\n"
               "  -h --help                       Show this help\n"
               "     --version                   Show the version\n"
               "     --policy-dir=DIR            Tracing policies to load (default: %s)\n"
               "     --state-dir=DIR             Where policy enable/disable and mode choices\n"
               "                                 persist (default: %s)\n"
               "     --export-file=PATH          Also write events as JSON lines to PATH\n"
               "     --export-file-max-size=BYTES  Rotate the export file at this size\n"
               "                                   (default: %llu, 0: never)\n"
               "     --export-file-max-backups=N Rotated files to keep (default: %u)\n"
               "     --stdout=FORMAT             Also print events on stdout: compact, json\n"
               "                                 or none (default: none)\n"
               "     --log-level=LEVEL           debug, info, notice, warning, err\n"
               "                                 (default: info)\n"
               "     --disable-mechanism=LIST    Hook mechanisms the policy engine may not use,\n"
               "                                 comma-separated: fentry, kprobe, sys_enter,\n"
               "                                 tracepoint, raw_tracepoint, lsm, uprobe, usdt\n"
               "     --bpf-dir=DIR               Where policies are pinned in bpffs, a path or a\n"
               "                                 name under /sys/fs/bpf (default: tetragond);\n"
               "                                 \"\" pins nothing\n"
               "     --keep-sensors-on-exit[=BOOL]  Leave the policies in force when stopped\n"
               "                                 (default: true)\n"
               "     --release-pinned-bpf        Remove every pinned policy from the kernel\n"
               "                                 and exit (refused while locked down)\n"
               "     --lockdown[=BOOL]           Lock down at start, until reboot\n",
               POLICY_DIR, DEFAULT_STATE_DIR, DEFAULT_EXPORT_MAX_SIZE, DEFAULT_EXPORT_MAX_BACKUPS);
}

static int parse_uint64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int stdout_format_from_string(const char *s) {
        if (streq(s, "none"))
                return STDOUT_NONE;
        if (streq(s, "compact"))
                return STDOUT_COMPACT;
        if (streq(s, "json"))
                return STDOUT_JSON;
        return -EINVAL;
}

/* Tetragon's boolean flags: --flag, --flag=true, --flag=false. */
static int parse_bool_option(const char *s) {
        if (!s || streq(s, "true") || streq(s, "1") || streq(s, "yes"))
                return 1;
        if (streq(s, "false") || streq(s, "0") || streq(s, "no"))
                return 0;
        return -EINVAL;
}

/* tetragond --release-pinned-bpf: every run pinned under the folder leaves the kernel. */
static int release_pinned(const char *bpf_dir) {
        _cleanup_free_ char *root = NULL;
        unsigned runs = 0;
        int r;

        if (!bpf_dir)
                return log_error_errno(-EINVAL, "--release-pinned-bpf needs a --bpf-dir.");
        r = pinned_root_from_option(bpf_dir, &root);
        if (r < 0)
                return log_error_errno(r, "Invalid --bpf-dir: %s", bpf_dir);
        r = pinned_release_all(root, &runs);
        if (r == -EPERM)
                return log_error_errno(r,
                                       "Refusing to release %s: the policies are locked down "
                                       "until reboot.",
                                       root);
        if (r < 0)
                return log_error_errno(r, "Failed to release %s: %m", root);
        log_info("Released %u pinned run(s) from %s.", runs, root);
        return 0;
}

static int parse_argv(int argc, char *argv[], ManagerConfig *config, bool *ret_release) {
        enum {
                ARG_VERSION = 0x100,
                ARG_POLICY_DIR,
                ARG_STATE_DIR,
                ARG_EXPORT_FILE,
                ARG_EXPORT_FILE_MAX_SIZE,
                ARG_EXPORT_FILE_MAX_BACKUPS,
                ARG_LOG_LEVEL,
                ARG_STDOUT,
                ARG_DISABLE_MECHANISM,
                ARG_BPF_DIR,
                ARG_KEEP_SENSORS_ON_EXIT,
                ARG_RELEASE_PINNED_BPF,
                ARG_LOCKDOWN,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "policy-dir", required_argument, NULL, ARG_POLICY_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "export-file", required_argument, NULL, ARG_EXPORT_FILE },
                { "export-file-max-size", required_argument, NULL, ARG_EXPORT_FILE_MAX_SIZE },
                { "export-file-max-backups", required_argument, NULL, ARG_EXPORT_FILE_MAX_BACKUPS },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "stdout", required_argument, NULL, ARG_STDOUT },
                { "disable-mechanism", required_argument, NULL, ARG_DISABLE_MECHANISM },
                { "bpf-dir", required_argument, NULL, ARG_BPF_DIR },
                { "keep-sensors-on-exit", optional_argument, NULL, ARG_KEEP_SENSORS_ON_EXIT },
                { "release-pinned-bpf", optional_argument, NULL, ARG_RELEASE_PINNED_BPF },
                { "lockdown", optional_argument, NULL, ARG_LOCKDOWN },
                {},
        };
        uint64_t u;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("tetragond %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_POLICY_DIR:
                        config->policy_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        config->state_dir = optarg;
                        break;
                case ARG_EXPORT_FILE:
                        config->export_file = optarg;
                        break;
                case ARG_EXPORT_FILE_MAX_SIZE:
                        if (parse_uint64(optarg, &config->export_file_max_size) < 0)
                                return log_error_errno(
                                        -EINVAL, "Invalid --export-file-max-size: %s", optarg);
                        break;
                case ARG_EXPORT_FILE_MAX_BACKUPS:
                        if (parse_uint64(optarg, &u) < 0 || u > 1000)
                                return log_error_errno(-EINVAL,
                                                       "Invalid --export-file-max-backups: %s "
                                                       "(0 to 1000)",
                                                       optarg);
                        config->export_file_max_backups = (unsigned) u;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_level_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --log-level: %s", optarg);
                        log_set_max_level(r);
                        break;
                case ARG_STDOUT:
                        r = stdout_format_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(r,
                                                       "Invalid --stdout: %s (compact, json "
                                                       "or none)",
                                                       optarg);
                        config->stdout_format = r;
                        break;
                case ARG_DISABLE_MECHANISM: {
                        const char *bad = NULL;
                        size_t bad_len = 0;
                        unsigned mask;

                        r = hook_mechanisms_from_option(optarg, &mask, &bad, &bad_len);
                        if (r < 0)
                                return log_error_errno(r,
                                                       "Invalid --disable-mechanism: \"%.*s\" "
                                                       "(fentry, kprobe, sys_enter, tracepoint, "
                                                       "raw_tracepoint, lsm, uprobe, usdt)",
                                                       (int) bad_len, strempty(bad));
                        config->disabled_mechanisms |= mask;
                        break;
                }
                case ARG_BPF_DIR:
                        config->bpf_dir = *optarg ? optarg : NULL;
                        break;
                case ARG_KEEP_SENSORS_ON_EXIT:
                        r = parse_bool_option(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --keep-sensors-on-exit: %s",
                                                       optarg);
                        config->keep_sensors_on_exit = r;
                        break;
                case ARG_RELEASE_PINNED_BPF:
                        r = parse_bool_option(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --release-pinned-bpf: %s",
                                                       optarg);
                        *ret_release = r;
                        break;
                case ARG_LOCKDOWN:
                        r = parse_bool_option(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --lockdown: %s", optarg);
                        config->lockdown = r;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "tetragond takes no positional arguments.");
        return 1;
}

int main(int argc, char *argv[]) {
        ManagerConfig config = {
                .policy_dir = POLICY_DIR,
                .state_dir = DEFAULT_STATE_DIR,
                .export_file_max_size = DEFAULT_EXPORT_MAX_SIZE,
                .export_file_max_backups = DEFAULT_EXPORT_MAX_BACKUPS,
                .proc_root = "/proc",
                .process_cache_max = DEFAULT_PROCESS_CACHE_MAX,
                .bpf_dir = "tetragond",
                /* Our default, where Tetragon's is false: whoever can stop the daemon must
                 * not be able to turn enforcement off by that; removal is explicit. */
                .keep_sensors_on_exit = true,
        };
        bool release = false;
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO);

        r = parse_argv(argc, argv, &config, &release);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (release)
                return release_pinned(config.bpf_dir) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Privileges and BTF first: without them nothing else is worth setting up. */
        r = system_setup_check();
        if (r < 0)
                return EXIT_FAILURE; /* it said what is missing */

        r = manager_new(&m, &config);
        if (r < 0)
                return EXIT_FAILURE; /* manager_new() said what failed */

        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE; /* manager_start() said what failed */

        r = manager_run(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
