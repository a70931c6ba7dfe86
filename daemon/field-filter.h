/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Tetragon's field filters (--field-filters): one JSON object per line,
 *
 *     {"event_set": ["PROCESS_EXEC"], "fields": "process.arguments,parent", "action": "EXCLUDE"}
 *
 * "fields" are dotted paths into the event's body (process_exec's object);
 * INCLUDE keeps only them, EXCLUDE removes them. "event_set" (all events when
 * absent) chooses the events a line applies to; "invert_event_set": true
 * applies it to the others. Lines apply in order.
 *
 * They shape the export JSON: the export file, stdout, and the journal's
 * TETRAGON_JSON=. The journal's own fields (TETRAGON_BINARY=, MESSAGE=, ...)
 * stay, for journalctl matching: to keep a secret out, use redaction.
 */

#include <jansson.h>

#include "event.h"
#include "macro.h"

typedef struct FieldFilter FieldFilter;

/* Compiles text. On -EINVAL, *ret_error says which line and key are wrong. */
int field_filter_new(FieldFilter **ret, const char *text, char **ret_error);
FieldFilter *field_filter_free(FieldFilter *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(FieldFilter *, field_filter_free);

/* Applies every line that concerns type to json ({"process_exec": {...}, ...}). */
int field_filter_apply(const FieldFilter *f, EventType type, json_t *json);
