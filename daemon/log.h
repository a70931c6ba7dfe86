/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The daemon's own log lines. They go to the journal when its socket exists
 * (with CODE_* fields and, for errors, ERRNO=) and to stderr otherwise.
 * Every log_*_errno() returns the negative errno it was given, so callers can
 * write `return log_error_errno(r, "...: %m");`.
 */

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_STDERR,
} LogTarget;

void log_setup(LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);
/* "debug", "info", "notice", "warning", "err"/"error", ... or a number; -EINVAL otherwise. */
int log_level_from_string(const char *s);

/* extra_fields: NULL, or up to LOG_EXTRA_FIELDS_MAX "FIELD=value" strings ending in NULL,
 * added to the journal entry (stderr shows the message alone). */
#define LOG_EXTRA_FIELDS_MAX 4
int log_internal(int level, int error, const char *message_id, const char *const *extra_fields,
                 const char *file, int line, const char *func, const char *format, ...)
        _printf_(8, 9);

#define log_full_errno(level, error, ...)                                                          \
        log_internal((level), (error), NULL, NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* A log line with a catalogued MESSAGE_ID (see systemd/tetragond.catalog). */
#define log_message_id(level, id, error, ...)                                                      \
        log_internal((level), (error), (id), NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
/* The same, with extra journal fields (e.g. TETRAGON_POLICY=) for matching. */
#define log_message_id_fields(level, id, fields, ...)                                              \
        log_internal((level), 0, (id), (fields), __FILE__, __LINE__, __func__, __VA_ARGS__)
