/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* We send CODE_FILE/LINE/FUNC of the caller ourselves; sd_journal_sendv() would add its own. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "log.h"

static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_STDERR;

void log_setup(LogTarget target) {
        struct stat st;

        if (target == LOG_TARGET_AUTO) {
                /* A terminal gets the messages where the user looks; otherwise the
                 * journal, when its socket exists (sd_journal_send() would fail quietly
                 * without it). */
                if (isatty(STDERR_FILENO) && !getenv("JOURNAL_STREAM"))
                        target = LOG_TARGET_STDERR;
                else
                        target = stat("/run/systemd/journal/socket", &st) == 0 ? LOG_TARGET_JOURNAL
                                                                               : LOG_TARGET_STDERR;
        }
        log_target = target;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

int log_level_from_string(const char *s) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
                [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
        };
        char *end;
        long n;

        if (!s || !*s)
                return -EINVAL;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "warn") == 0)
                return LOG_WARNING;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        n = strtol(s, &end, 10);
        if (*end || n < LOG_EMERG || n > LOG_DEBUG)
                return -EINVAL;
        return (int) n;
}

_printf_(4, 5) static void field_printf(struct iovec *iov, char *buf, size_t size,
                                        const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, size, format, ap);
        va_end(ap);
        /* vsnprintf() reports the untruncated length: never point past the buffer. */
        *iov = (struct iovec){ .iov_base = buf, .iov_len = n < 0 ? 0 : MIN((size_t) n, size - 1) };
}

int log_internal(int level, int error, const char *message_id, const char *const *extra_fields,
                 const char *file, int line, const char *func, const char *format, ...) {
        char message[2048];
        va_list ap;

        error = abs(error);
        if (level > log_max_level)
                return -error;

        /* Make %m print the error we were given, not whatever errno holds now. */
        errno = error;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_JOURNAL) {
                char f_message[sizeof(message) + 16], f_priority[32], f_file[256], f_line[32],
                        f_func[128], f_id[64], f_errno[32];
                struct iovec iov[10 + LOG_EXTRA_FIELDS_MAX];
                size_t n = 0;

                iov[n++] = (struct iovec){ .iov_base = (char *) "SYSLOG_IDENTIFIER=tetragond",
                                           .iov_len = strlen("SYSLOG_IDENTIFIER=tetragond") };
                /* The daemon's own messages, apart from events (which have no facility):
                 * journalctl -u tetragond --facility=daemon. */
                iov[n++] = (struct iovec){ .iov_base = (char *) "SYSLOG_FACILITY=3",
                                           .iov_len = strlen("SYSLOG_FACILITY=3") };
                field_printf(&iov[n++], f_message, sizeof(f_message), "MESSAGE=%s", message);
                field_printf(&iov[n++], f_priority, sizeof(f_priority), "PRIORITY=%i", level);
                field_printf(&iov[n++], f_file, sizeof(f_file), "CODE_FILE=%s", file);
                field_printf(&iov[n++], f_line, sizeof(f_line), "CODE_LINE=%i", line);
                field_printf(&iov[n++], f_func, sizeof(f_func), "CODE_FUNC=%s", func);
                if (message_id)
                        field_printf(&iov[n++], f_id, sizeof(f_id), "MESSAGE_ID=%s", message_id);
                if (error)
                        field_printf(&iov[n++], f_errno, sizeof(f_errno), "ERRNO=%i", error);
                for (size_t i = 0; extra_fields && extra_fields[i] && i < LOG_EXTRA_FIELDS_MAX; i++)
                        iov[n++] = (struct iovec){ .iov_base = (char *) extra_fields[i],
                                                   .iov_len = strlen(extra_fields[i]) };
                if (sd_journal_sendv(iov, (int) n) >= 0)
                        return -error;
        }
        fprintf(stderr, "%s\n", message);

        return -error;
}
