/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the policy language: the bytes of one file go through
 * the YAML tree, the parser and validator, and the compiler, as tetractl
 * validate and the daemon would take them.
 */
#include <stddef.h>
#include <stdint.h>

#include "diagnostic.h"
#include "policy-check.h"
#include "policy-compile.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        PolicyFile *f = NULL;
        PolicyNameUse *uses = NULL;
        size_t n_uses = 0;

        if (policy_parse_buffer("fuzz.yaml", data, size, &diags, &f) == 0 && f) {
                for (size_t i = 0; i < f->n_policies; i++) {
                        CompiledPolicy *c = NULL;

                        if (policy_compile(&f->policies[i], &diags, &c) == 0)
                                compiled_policy_free(c);
                }
                /* Against its own names: every named policy clashes with itself. */
                if (policy_check_add_name_uses(f, &uses, &n_uses) == 0)
                        (void) policy_check_unique_names(f, uses, n_uses, &diags);
        }
        /* Formatting every message exercises the quoting of user text. */
        for (size_t i = 0; i < diags.n_items; i++) {
                char *line = NULL;

                if (diagnostic_format(&diags.items[i], &line) == 0)
                        free(line);
        }
        free(uses);
        policy_file_free(f);
        diagnostic_list_clear(&diags);
        return 0;
}
