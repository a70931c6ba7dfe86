/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Arguments and paths from the kernel are arbitrary bytes; these
 * tell which of them can go into JSON or onto a terminal as they are.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes in the valid sequence that starts s (at most n bytes), or 0 when s
 * does not start one (or n is 0). The code point goes to *ret_cp. */
size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp);

bool utf8_is_valid(const char *s, size_t n);
