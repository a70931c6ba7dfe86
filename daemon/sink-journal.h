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

#define JOURNAL_FIELDS_MAX 28

typedef struct JournalFields {
        struct iovec iov[JOURNAL_FIELDS_MAX]; /* "NAME=value", exact lengths, any bytes */
        size_t n_iov;

        char *buf; /* the values that are not constants, back to back */
        size_t buf_size, buf_used;
        size_t offset[JOURNAL_FIELDS_MAX]; /* of each field in buf; SIZE_MAX for constants */
} JournalFields;

/* Fill f for one event (replacing what it held); compact may be NULL. The iovecs
 * stay valid until the next build or journal_fields_done(). */
int journal_fields_build(JournalFields *f, const Event *e, json_t *json, const char *compact);
void journal_fields_done(JournalFields *f);

int journal_sink_write(const Event *e, json_t *json, const char *compact);

/* An entry about the event stream (rate_limit_info, process_throttle): MESSAGE=, the given
 * MESSAGE_ID= (a string), PRIORITY=warning, TETRAGON_EVENT=type and TETRAGON_JSON=. */
int journal_sink_write_info(const char *type, const char *message_id, const char *message,
                            json_t *json);
