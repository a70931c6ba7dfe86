/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdbool.h>

#include "macro.h"
#include "tetractl.h"

/* Exit codes scripts can rely on (documented in tetractl(1)). */

TetractlArgs arg = {
        .output = OUTPUT_TEXT,
};

static int verb_version(int argc, char *argv[]) {
        printf("tetractl %s\n", PACKAGE_VERSION);
        return EXIT_OK;
}

static const Verb verbs[] = {
        { "version", 1, 1, verb_version, "Show the version" },
        { "validate", 2, 0, verb_validate, "Check policy files offline", "validate FILE..." },
        /* Verbs that talk to the daemon parse their own options: max_args 0. */
        { "status", 1, 0, verb_status, "Show the daemon's state and counters" },
        { "list", 1, 0, verb_list, "List the policies and their state" },
        { "show", 2, 0, verb_show, "Show one policy", "show [--source] NAME" },
        { "reload", 1, 0, verb_reload, "Re-read the policy folder, print a summary" },
        { "add", 2, 0, verb_add, "Add a policy file to the folder and load it",
          "add [--replace] FILE" },
        { "remove", 2, 0, verb_remove, "Delete a policy's file and unload it", "remove NAME" },
        { "enable", 2, 0, verb_enable, "Load a disabled policy again", "enable NAME" },
        { "disable", 2, 0, verb_disable, "Unload a policy, keep its file", "disable NAME" },
        { "mode", 3, 0, verb_mode, "Switch a policy's mode", "mode NAME enforce|monitor" },
        { "probe", 1, 0, verb_probe, "Show what this kernel offers the engine" },
        { "lockdown", 1, 1, verb_lockdown, "Lock the policies in force down until reboot" },
        { "getevents", 1, 0, verb_getevents, "Print events from the journal",
          "getevents [OPTIONS...]" },
};

static void help(void) {
        printf("Usage: tetractl [OPTIONS...] COMMAND ...\n\n"
               "Control and observe tetragond.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-28s %s\n", verbs[i].usage ?: verbs[i].name, verbs[i].help);
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "  -o --output=FORMAT     text (default), json, compact (getevents)\n");
}

static int parse_output(const char *s) {
        if (streq(s, "text"))
                return OUTPUT_TEXT;
        if (streq(s, "json"))
                return OUTPUT_JSON;
        if (streq(s, "compact"))
                return OUTPUT_COMPACT;
        return -EINVAL;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                {},
        };
        int c, r;

        /* "+": stop at the verb, so verbs parse their own options. */
        while ((c = getopt_long(argc, argv, "+ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case 'o':
                        r = parse_output(optarg);
                        if (r < 0) {
                                fprintf(stderr, "Unknown output format: %s\n", optarg);
                                return EXIT_USAGE;
                        }
                        arg.output = r;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }

        if (optind >= argc) {
                help();
                return EXIT_USAGE;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                const Verb *v = &verbs[i];
                int n = argc - optind;

                if (!streq(v->name, argv[optind]))
                        continue;
                if (n < v->min_args || (v->max_args > 0 && n > v->max_args)) {
                        fprintf(stderr, "Wrong number of arguments for '%s'. Usage: tetractl %s\n",
                                v->name, v->usage ?: v->name);
                        return EXIT_USAGE;
                }
                /* Verbs see their own name as argv[0]. */
                optind = 0;
                return v->run(n, argv + (argc - n));
        }

        fprintf(stderr, "Unknown command: %s. See 'tetractl --help'.\n", argv[optind]);
        return EXIT_USAGE;
}
