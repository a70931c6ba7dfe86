/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A JSON list of PCRE2 regexes, as Tetragon's filter keys (binary_regex, redact,
 * ...) hold them: compiled once, matched as unanchored searches over raw bytes
 * (no UTF-8 check: paths and arguments need not be text).
 */

#define PCRE2_CODE_UNIT_WIDTH 8

#include <jansson.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct RegexList {
        pcre2_code **codes;
        size_t n;
} RegexList;

/* v must be a list of strings. On -EINVAL, *ret_error reads "line LINE: KEY: ...". */
int regex_list_parse(RegexList *l, json_t *v, unsigned line, const char *key, char **ret_error);
void regex_list_done(RegexList *l);

/* Does any regex match s (n bytes)? match_data: at least one pair. */
bool regex_list_match(const RegexList *l, const char *s, size_t n, pcre2_match_data *match_data);
