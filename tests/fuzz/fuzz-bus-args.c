/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for what the D-Bus handlers (daemon/tetragond-bus.c) do with a caller's
 * arguments before anything is authorized: policy names (AddPolicy, GetPolicy, ...), object
 * paths of policy objects, modes (SetPolicyMode), file names and policy text (Validate), and
 * the sentences that quote them. Driven without a bus: sd-bus builds no message without a
 * connection, and the bus daemon hands over strings only, which is what these take.
 *
 * Input: one selector byte, then two strings separated by the first NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-api.h"
#include "diagnostic.h"
#include "log.h"
#include "policy-check.h"
#include "policy-dir.h"
#include "policy-registry.h"
#include "policy.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        /* Validate's diagnostics are not logged; anything else would be noise. */
        log_set_max_level(LOG_CRIT);
        return 0;
}

/* A name from the bus goes into an object path and back: the same name, or a refusal. */
static void check_path_round_trip(const char *name) {
        _cleanup_free_ char *path = NULL, *back = NULL;

        if (sd_bus_path_encode(BUS_POLICY_PATH_PREFIX, name, &path) < 0)
                return;
        if (sd_bus_path_decode(path, BUS_POLICY_PATH_PREFIX, &back) <= 0 || !streq(back, name))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *input = NULL, *escaped = NULL, *decoded = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        const char *a, *b;
        uint8_t selector;

        if (size < 1)
                return 0;
        selector = data[0];
        /* Two NUL-terminated strings, whatever the input holds. */
        input = calloc(size + 2, 1);
        if (!input)
                return 0;
        memcpy(input, data + 1, size - 1);
        a = input;
        b = input + strlen(a) + 1;

        /* Every handler that takes a name. */
        if (policy_check_name(a) && !utf8_is_valid(a, strlen(a)))
                abort();
        if (policy_filename_escape(a, &escaped) == 0 && !utf8_is_valid(escaped, strlen(escaped)))
                abort(); /* the escaped name goes to the journal */
        if (policy_filename_is_printable(a))
                check_path_round_trip(a);
        /* The fallback vtable decodes any path a caller names. */
        (void) sd_bus_path_decode(a, BUS_POLICY_PATH_PREFIX, &decoded);

        switch (selector % 3) {
        case 0: {
                int mode = policy_mode_from_string(b);

                if (mode >= 0 && !streq(policy_mode_to_string(mode), b))
                        abort();
                break;
        }
        case 1:
        case 2:
                /* Validate and AddPolicy: the text under the bus's size cap, with a file
                 * name that is the caller's. */
                if (strlen(b) > BUS_POLICY_TEXT_MAX)
                        break;
                (void) policy_registry_validate(*a ? a : "<input>", b, strlen(b), &diags);
                for (size_t i = 0; i < diags.n_items; i++) {
                        char *line = NULL;

                        if (diagnostic_format(&diags.items[i], &line) == 0)
                                free(line);
                }
                break;
        }
        diagnostic_list_clear(&diags);
        return 0;
}
