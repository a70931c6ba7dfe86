/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "bus.h"
#include "macro.h"
#include "tetractl.h"

/* Exit codes scripts can rely on (documented in tetractl(1)). */

TetractlArgs arg = {
        .output = OUTPUT_TEXT,
};

static int verb_version(int argc, char *argv[]) {
        int r;

        r = verb_parse_common(argc, argv, "version [-o json]");
        if (r >= 0)
                return r;
        if (optind < argc) {
                fprintf(stderr, "tetractl: version takes no arguments. Usage: tetractl version "
                                "[-o json]\n");
                return EXIT_USAGE;
        }
        if (arg.output == OUTPUT_JSON)
                print_json(json_pack("{s:s}", "version", PACKAGE_VERSION));
        else
                printf("tetractl %s\n", PACKAGE_VERSION);
        return EXIT_OK;
}

/* The usage strings are the verbs' own: their --help and their errors print the same. */
static const Verb verbs[] = {
        { "list", 1, 0, verb_list, "List the policies and their state (default)",
          "list [-o json]" },
        { "status", 1, 0, verb_status, "Show the daemon's state and counters", "status [-o json]" },
        { "show", 2, 0, verb_show, "Show one policy", "show [--source] [-o json] NAME" },
        { "reload", 1, 0, verb_reload, "Re-read the policy folder, print a summary",
          "reload [-o json]" },
        { "add", 2, 0, verb_add, "Add a policy file to the folder and load it",
          "add [--name NAME] [--replace] [-o json] FILE" },
        { "remove", 2, 0, verb_remove, "Delete a policy's file and unload it", "remove NAME" },
        { "enable", 2, 0, verb_enable, "Load a disabled policy again", "enable NAME" },
        { "disable", 2, 0, verb_disable, "Unload a policy, keep its file", "disable NAME" },
        { "mode", 3, 0, verb_mode, "Switch a policy's mode", "mode NAME enforce|monitor" },
        { "probe", 1, 0, verb_probe, "What this kernel offers (asks the daemon)",
          "probe [-o json]" },
        { "metrics", 1, 0, verb_metrics, "Print the metrics in Prometheus text format", "metrics" },
        { "lockdown", 1, 1, verb_lockdown, "Lock the policies in force down until reboot",
          "lockdown" },
        { "getevents", 1, 0, verb_getevents, "Print events from the journal or stdin",
          "getevents [OPTIONS...]" },
        { "validate", 2, 0, verb_validate, "Check policy files offline",
          "validate [-o json] [--kernel] FILE..." },
        { "library", 1, 0, verb_library, "List, show or enable the policy library's policies",
          "library list|show NAME|enable [--print] NAME [PARAM=VALUE...]" },
        { "version", 1, 0, verb_version, "Show the version", "version [-o json]" },
};

static void help(void) {
        size_t width = 0;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                width = MAX(width, strlen(verbs[i].usage));
        printf("Usage: tetractl [OPTIONS...] [COMMAND] ...\n\n"
               "Control and observe tetragond. Without a command: list.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-*s  %s\n", (int) width, verbs[i].usage, verbs[i].help);
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "  -o --output=FORMAT     text (default) or json; compact for getevents\n"
               "     --no-pager          Do not pipe long output into a pager\n"
               "     --no-legend         Tables without the header and the footer\n"
               "\nSee tetractl(1); 'tetractl COMMAND --help' for a command's options.\n");
}

static const char *const output_names[] = {
        [OUTPUT_TEXT] = "text",
        [OUTPUT_JSON] = "json",
        [OUTPUT_COMPACT] = "compact",
};

int output_parse(const char *s, const char *verb, unsigned allowed, OutputFormat *ret) {
        char list[64] = "";

        for (size_t k = 0; k < ELEMENTSOF(output_names); k++) {
                if (!(allowed & OUTPUT_MASK(k)) || !streq(s, output_names[k]))
                        continue;
                *ret = k;
                return 0;
        }
        /* A verb whose text is its compact line (getevents) takes "text" for it. */
        if (streq(s, "text") && (allowed & OUTPUT_MASK(OUTPUT_COMPACT))) {
                *ret = OUTPUT_COMPACT;
                return 0;
        }
        for (size_t k = 0; k < ELEMENTSOF(output_names); k++)
                if (allowed & OUTPUT_MASK(k)) {
                        if (list[0])
                                strcat(list, ", ");
                        strcat(list, output_names[k]);
                }
        fprintf(stderr, "tetractl: unknown output format '%s'%s%s: %s.\n", s, verb ? " for " : "",
                verb ?: "", list);
        return -EINVAL;
}

/* "--help" or "-h" among a verb's arguments: the verb prints its help, whatever the count. */
static bool wants_help(int argc, char *argv[]) {
        for (int i = 0; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return false;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
        }
        return false;
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_NO_PAGER,
                ARG_NO_LEGEND,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "output", required_argument, NULL, 'o' },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                {},
        };
        static char *default_verb[] = { (char *) "list", NULL };
        int c;

        /* "+": stop at the verb, so verbs parse their own options. */
        while ((c = getopt_long(argc, argv, "+ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("tetractl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case 'o':
                        if (output_parse(optarg, NULL, OUTPUT_ANY, &arg.output) < 0)
                                return EXIT_USAGE;
                        break;
                case ARG_NO_PAGER:
                        arg.no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        arg.no_legend = true;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        abort();
                }

        /* As systemctl lists units. */
        if (optind >= argc) {
                argc = 1;
                argv = default_verb;
                optind = 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                const Verb *v = &verbs[i];
                int n = argc - optind;

                if (!streq(v->name, argv[optind]))
                        continue;
                if (!wants_help(n, argv + optind) &&
                    (n < v->min_args || (v->max_args > 0 && n > v->max_args))) {
                        fprintf(stderr,
                                "tetractl: wrong number of arguments for %s. Usage: "
                                "tetractl %s\n",
                                v->name, v->usage);
                        return EXIT_USAGE;
                }
                /* Verbs see their own name as argv[0]. */
                optind = 0;
                return v->run(n, argv + (argc - n));
        }

        fprintf(stderr, "tetractl: unknown command '%s'. See 'tetractl --help'.\n", argv[optind]);
        return EXIT_USAGE;
}
