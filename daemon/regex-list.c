/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "regex-list.h"

void regex_list_done(RegexList *l) {
        for (size_t i = 0; i < l->n; i++)
                pcre2_code_free(l->codes[i]);
        l->codes = mfree(l->codes);
        l->n = 0;
}

int regex_list_parse(RegexList *l, json_t *v, unsigned line, const char *key, char **ret_error) {
        size_t i;
        json_t *item;

        if (!json_is_array(v))
                return asprintf(ret_error, "line %u: %s: expected a list of regular expressions",
                                line, key) < 0
                               ? -ENOMEM
                               : -EINVAL;
        l->codes = calloc(json_array_size(v) ?: 1, sizeof(*l->codes));
        if (!l->codes)
                return -ENOMEM;
        json_array_foreach(v, i, item) {
                PCRE2_UCHAR message[256];
                PCRE2_SIZE offset;
                int error;

                if (!json_is_string(item))
                        return asprintf(ret_error, "line %u: %s: expected a list of strings", line,
                                        key) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                l->codes[l->n] = pcre2_compile((PCRE2_SPTR) json_string_value(item),
                                               json_string_length(item), 0, &error, &offset, NULL);
                if (!l->codes[l->n]) {
                        pcre2_get_error_message(error, message, sizeof(message));
                        return asprintf(ret_error, "line %u: %s: \"%s\": %s at offset %zu", line,
                                        key, json_string_value(item), (const char *) message,
                                        (size_t) offset) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                }
                /* JIT only makes it faster: without executable memory, matching still works. */
                (void) pcre2_jit_compile(l->codes[l->n], PCRE2_JIT_COMPLETE);
                l->n++;
        }
        return 0;
}

bool regex_list_match(const RegexList *l, const char *s, size_t n, pcre2_match_data *match_data) {
        for (size_t i = 0; i < l->n; i++)
                if (pcre2_match(l->codes[i], (PCRE2_SPTR) s, n, 0, 0, match_data, NULL) >= 0)
                        return true;
        return false;
}
