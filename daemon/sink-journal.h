/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The journal sink: one entry per event, MESSAGE= the compact line,
 * MESSAGE_ID= fixed per event type (message-ids.h), PRIORITY=, TETRAGON_*
 * fields for matching (journalctl TETRAGON_BINARY=/usr/bin/curl), and the
 * whole export object in TETRAGON_JSON=.
 *
 * The fields are built apart from the sending, by a pure function, into a
 * buffer that is reused from event to event: once it has grown to the size of
 * the largest event, the hot path allocates nothing.
 */

#include <jansson.h>
#include <stddef.h>
#include <sys/uio.h>

#include "event.h"
#include "macro.h"

#define JOURNAL_FIELDS_MAX 28

typedef struct JournalFields {
        struct iovec iov[JOURNAL_FIELDS_MAX]; /* "NAME=value", exact lengths, any bytes */
        size_t n_iov;

        char *buf; /* the values that are not constants, back to back */
        size_t buf_size, buf_used;
        size_t offset[JOURNAL_FIELDS_MAX]; /* of each field in buf; SIZE_MAX for constants */
} JournalFields;

/* The export object dumped once for every sink: "TETRAGON_JSON=", the compact JSON, "\n".
 * The journal sends it without the newline, the export file and stdout write it without
 * the prefix. Reused from event to event, like JournalFields' buffer. */
typedef struct JsonLine {
        char *buf;
        size_t size;
        size_t len; /* of the JSON alone */
} JsonLine;

#define JSON_LINE_PREFIX "TETRAGON_JSON="
#define JSON_LINE_PREFIX_LEN (sizeof(JSON_LINE_PREFIX) - 1)

int json_line_format(JsonLine *l, json_t *json);
void json_line_done(JsonLine *l);
static inline const char *json_line_text(const JsonLine *l) { /* the JSON and its newline */
        return l->buf + JSON_LINE_PREFIX_LEN;
}

/* Fill f for one event (replacing what it held); compact may be NULL; line: json already
 * formatted, or NULL to format it here. The iovecs stay valid until the next build or
 * journal_fields_done(), and point into line. */
int journal_fields_build(JournalFields *f, const Event *e, json_t *json, const JsonLine *line,
                         const char *compact);
void journal_fields_done(JournalFields *f);

int journal_sink_write(const Event *e, json_t *json, const JsonLine *line, const char *compact);

/* An entry about the event stream (rate_limit_info, process_throttle): MESSAGE=, the given
 * MESSAGE_ID= (a string), PRIORITY=warning, TETRAGON_EVENT=type and TETRAGON_JSON=. */
int journal_sink_write_info(const char *type, const char *message_id, const char *message,
                            json_t *json);
