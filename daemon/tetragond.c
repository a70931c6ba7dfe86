/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/libbpf.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "manager.h"
#include "pinned-state.h"
#include "system-setup.h"

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

/* Where the default places are read: our extension, so tests never read the real /etc. */
#define CONFIG_ROOT_ENV "TETRAGOND_CONFIG_ROOT"

/* One option of --help: its text wrapped at 80 columns beside it. */
static void print_option(const char *left, const char *text) {
        const int indent = 33;
        int col;

        col = printf("     %s", left);
        while (*text) {
                size_t n = strlen(text);

                if (n > (size_t) (80 - indent)) {
                        n = 80 - indent;
                        while (n > 0 && text[n] != ' ')
                                n--;
                        if (n == 0)
                                n = strcspn(text, " ");
                }
                if (col >= indent) {
                        putchar('\n');
                        col = 0;
                }
                printf("%*s%.*s\n", indent - col, "", (int) n, text);
                col = 0;
                text += n;
                text += strspn(text, " ");
        }
}

static void help(void) {
        printf("Usage: tetragond [OPTIONS...]\n\n"
               "eBPF security observability and runtime enforcement for this host.\n"
               "Every setting can also be made in /etc/tetragon/tetragon.yaml or as a file\n"
               "in /etc/tetragon/tetragon.conf.d/; see tetragond(8).\n\n"
               "  -h --help                       Show this help\n"
               "     --version                   Show the version\n"
               "     --config-file=FILE          Read FILE instead of /etc/tetragon/tetragon.yaml\n"
               "     --config-dir=DIR            Also read settings from DIR, one file each\n"
               "     --print-config              Show the settings in force and where each was\n"
               "                                 set, then exit\n"
               "     --release-pinned-bpf        Remove every pinned policy from the kernel\n"
               "                                 and exit (refused while locked down)\n");
        for (size_t i = 0; i < config_options_count; i++) {
                const ConfigOption *o = &config_options[i];
                _cleanup_free_ char *left = NULL;

                if (asprintf(&left, "--%s%s%s%s", o->name,
                             config_key_is_switch(o->key) ? "[=" : "=", o->metavar ?: "VALUE",
                             config_key_is_switch(o->key) ? "]" : "") < 0)
                        return;
                if (o->help)
                        print_option(left, o->help);
                else {
                        _cleanup_free_ char *text = NULL;

                        if (asprintf(&text, "Tetragon's name of --%s%s",
                                     config_key_to_string(o->key),
                                     o->scale == CONFIG_SCALE_PER_CPU ? ", per CPU"
                                     : o->scale                       ? ", in MiB"
                                                                      : "") < 0)
                                return;
                        print_option(left, text);
                }
        }
}

static bool arg_print_config = false;
static bool arg_release_pinned_bpf = false;

/* --print-config: "name=value  # where", our names, one line each (sshd -T's idea). */
static int print_config(const Config *c) {
        for (ConfigKey k = 0; k < _CONFIG_KEY_MAX; k++) {
                _cleanup_free_ char *value = NULL;
                int r;

                r = config_format_value(c, k, &value);
                if (r < 0)
                        return log_error_errno(r, "Failed to format %s: %m",
                                               config_key_to_string(k));
                /* Filters span lines: one line per setting keeps the output greppable. */
                for (size_t n = strlen(value); n > 0 && value[n - 1] == '\n';)
                        value[--n] = 0;
                for (char *p = value; (p = strchr(p, '\n'));)
                        *p = ' ';
                printf("%s=%s  # %s\n", config_key_to_string(k), value, c->origin[k] ?: "default");
        }
        return 0;
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

static int parse_argv(int argc, char *argv[], ConfigSources *sources) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CONFIG_FILE,
                ARG_CONFIG_DIR,
                ARG_PRINT_CONFIG,
                ARG_RELEASE_PINNED_BPF,
                ARG_SETTING, /* ARG_SETTING + i: config_options[i] */
        };
        _cleanup_free_ struct option *options = NULL;
        size_t n = 0;
        int c, r;

        options = calloc(config_options_count + 7, sizeof(*options));
        if (!options)
                return log_oom();
        options[n++] = (struct option){ "help", no_argument, NULL, 'h' };
        options[n++] = (struct option){ "version", no_argument, NULL, ARG_VERSION };
        options[n++] = (struct option){ "config-file", required_argument, NULL, ARG_CONFIG_FILE };
        options[n++] = (struct option){ "config-dir", required_argument, NULL, ARG_CONFIG_DIR };
        options[n++] = (struct option){ "print-config", no_argument, NULL, ARG_PRINT_CONFIG };
        options[n++] = (struct option){ "release-pinned-bpf", optional_argument, NULL,
                                        ARG_RELEASE_PINNED_BPF };
        /* Tetragon's boolean flags: --flag alone, --flag=true, --flag=false. */
        for (size_t i = 0; i < config_options_count; i++)
                options[n++] = (struct option){ config_options[i].name,
                                                config_key_is_switch(config_options[i].key)
                                                        ? optional_argument
                                                        : required_argument,
                                                NULL, ARG_SETTING + (int) i };

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("tetragond %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_CONFIG_FILE:
                        sources->config_file = optarg;
                        break;
                case ARG_CONFIG_DIR:
                        sources->config_dir = optarg;
                        break;
                case ARG_PRINT_CONFIG:
                        arg_print_config = true;
                        break;
                case ARG_RELEASE_PINNED_BPF:
                        if (optarg && !streq(optarg, "true") && !streq(optarg, "false"))
                                return log_error_errno(-EINVAL,
                                                       "Invalid --release-pinned-bpf: %s "
                                                       "(true or false)",
                                                       optarg);
                        arg_release_pinned_bpf = !optarg || streq(optarg, "true");
                        break;
                case '?':
                        return -EINVAL;
                default:
                        if (c < ARG_SETTING || c >= ARG_SETTING + (int) config_options_count)
                                abort();
                        /* A switch alone ("--enable-process-ns") is Tetragon's "true". */
                        r = config_sources_add_arg(sources, &config_options[c - ARG_SETTING],
                                                   optarg ?: "true");
                        if (r < 0)
                                return log_oom();
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "tetragond takes no positional arguments.");
        return 1;
}

/* libbpf's messages (a program the verifier refused, a symbol not found) go where ours go, at
 * their level, so --log-level applies to them and the journal knows their priority; a
 * verifier log becomes one line each, as it reads on a terminal. */
static int print_libbpf(enum libbpf_print_level level, const char *format, va_list ap) {
        int priority = level == LIBBPF_WARN   ? LOG_WARNING
                       : level == LIBBPF_INFO ? LOG_INFO
                                              : LOG_DEBUG;
        _cleanup_free_ char *text = NULL;
        int n;

        if (priority > log_get_max_level())
                return 0;
        n = vasprintf(&text, format, ap);
        if (n < 0)
                return -ENOMEM;
        for (char *line = text, *end; *line; line = end) {
                end = line + strcspn(line, "\n");
                if (*end)
                        *end++ = '\0';
                if (*line)
                        log_full(priority, "%s", line);
        }
        return n;
}

int main(int argc, char *argv[]) {
        _cleanup_(config_sources_done) ConfigSources sources = {
                .root = getenv(CONFIG_ROOT_ENV),
        };
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *error = NULL, *warnings = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO);

        r = parse_argv(argc, argv, &sources);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* A command run by hand: its messages belong beside its output. */
        if (arg_print_config)
                log_setup(LOG_TARGET_STDERR);

        r = config_load(&sources, &config, &error, &warnings);
        if (r == -EINVAL) {
                log_error("%s", error);
                return EXIT_FAILURE;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to read the configuration: %m");
                return EXIT_FAILURE;
        }
        log_set_max_level(config->log_level);
        libbpf_set_print(print_libbpf);
        if (warnings)
                log_warning("%s", warnings);
        if (arg_print_config)
                return print_config(config) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (arg_release_pinned_bpf)
                return release_pinned(config->bpf_dir) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Privileges and BTF first: without them nothing else is worth setting up. */
        r = system_setup_check();
        if (r < 0)
                return EXIT_FAILURE; /* it said what is missing */

        r = manager_new(&m, TAKE_PTR(config), &sources);
        if (r < 0)
                return EXIT_FAILURE; /* manager_new() said what failed */

        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE; /* manager_start() said what failed */

        r = manager_run(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
