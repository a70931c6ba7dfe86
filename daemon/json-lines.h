/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The text of Tetragon's filter lists (--export-allowlist, --field-filters,
 * --redaction-filters, ...): JSON objects one after the other, as Go's
 * json.Decoder reads them. One per line is the usual shape; an object may
 * span lines, and objects may also be separated by commas. Pure: no I/O.
 */

#include <jansson.h>

#include "macro.h"

/* Called for each object, with the line it starts on. Returns 0 or a negative errno; on
 * -EINVAL, *ret_error holds the message. */
typedef int (*JsonLinesParseFunc)(json_t *object, unsigned line, void *userdata, char **ret_error);

/* Calls parse for each object of text, in order. -EINVAL with *ret_error ("line N: ...")
 * when text is not such a list or holds no object; else parse's error, or 0. */
int json_lines_parse(const char *text, JsonLinesParseFunc parse, void *userdata, char **ret_error);

/* Formats *ret_error and returns -EINVAL (-ENOMEM when it cannot). */
int json_lines_error(char **ret_error, const char *format, ...) _printf_(2, 3);
