/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json-lines.h"

int json_lines_error(char **ret_error, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(ret_error, format, ap);
        va_end(ap);
        return r < 0 ? -ENOMEM : -EINVAL;
}

/* Past blanks, counting lines. */
static const char *skip_blanks(const char *p, unsigned *line) {
        for (; *p && strchr(" \t\r\n", *p); p++)
                *line += *p == '\n';
        return p;
}

int json_lines_parse(const char *text, JsonLinesParseFunc parse, void *userdata, char **ret_error) {
        unsigned line = 1, n = 0;
        const char *p = skip_blanks(text, &line);

        while (*p) {
                json_error_t error;
                json_t *obj;
                unsigned start = line;
                int r;

                /* EOF check off: the object ends where its brace closes, the next may follow. */
                obj = json_loadb(p, strlen(p), JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK,
                                 &error);
                if (!obj)
                        return json_lines_error(
                                ret_error, "line %u: %s",
                                start + (unsigned) (error.line > 1 ? error.line - 1 : 0),
                                error.text);
                for (int i = 0; i < error.position && p[i]; i++)
                        line += p[i] == '\n';
                p += error.position;
                if (json_is_object(obj))
                        r = parse(obj, start, userdata, ret_error);
                else
                        r = json_lines_error(ret_error, "line %u: expected a JSON object", start);
                json_decref(obj);
                if (r < 0)
                        return r;
                n++;

                p = skip_blanks(p, &line);
                if (*p == ',') {
                        p = skip_blanks(p + 1, &line);
                        if (!*p)
                                return json_lines_error(ret_error,
                                                        "line %u: expected a JSON object after ','",
                                                        line);
                }
        }
        if (n == 0)
                return json_lines_error(ret_error, "no filter: expected one JSON object per line");
        return 0;
}
