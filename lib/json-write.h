/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * json_dumpb(json, buf, size, JSON_COMPACT), byte for byte, at a fraction of its cost:
 * jansson 2.14 formats each object's and array's address with snprintf("%p") and keeps it
 * in a hash table to detect cycles, which was a fifth of the daemon's CPU per event (issue
 * 12). Event objects are trees the daemon built, so there is nothing to detect.
 *
 * The same contract as json_dumpb(): writes at most size bytes, no NUL, and returns the
 * length of the whole text, which may exceed size (call again with a larger buffer); 0 on
 * an error (a NaN or infinite real, a nesting deeper than JSON_WRITE_DEPTH_MAX).
 */

#include <jansson.h>
#include <stddef.h>

#define JSON_WRITE_DEPTH_MAX 64

size_t json_write_compact(const json_t *json, char *buf, size_t size);
