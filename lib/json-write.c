/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json-write.h"

typedef struct Writer {
        char *buf;
        size_t size;
        size_t len; /* of the whole text, also past size */
} Writer;

static void put(Writer *w, const char *s, size_t n) {
        if (w->len < w->size)
                memcpy(w->buf + w->len, s, n <= w->size - w->len ? n : w->size - w->len);
        w->len += n;
}

static void put_char(Writer *w, char c) {
        if (w->len < w->size)
                w->buf[w->len] = c;
        w->len++;
}

/* Jansson's escapes: the two-letter ones, \u00XX (upper-case hex) for other control
 * characters; the rest, UTF-8 included, as it is (jansson's strings are valid UTF-8). */
static void put_string(Writer *w, const char *s, size_t n) {
        static const char hex[] = "0123456789ABCDEF";
        size_t run = 0;

        put_char(w, '"');
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                char esc[6] = { '\\', 0 };
                size_t esc_len = 2;

                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                put(w, s + run, i - run);
                run = i + 1;
                switch (c) {
                case '"':
                case '\\':
                        esc[1] = (char) c;
                        break;
                case '\b':
                        esc[1] = 'b';
                        break;
                case '\f':
                        esc[1] = 'f';
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                default:
                        memcpy(esc + 1, "u00", 3);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 0xf];
                        esc_len = 6;
                }
                put(w, esc, esc_len);
        }
        put(w, s + run, n - run);
        put_char(w, '"');
}

static int put_value(Writer *w, const json_t *json, unsigned depth) {
        char num[32];
        const char *key;
        json_t *v;
        size_t i;
        int n, r;

        if (depth > JSON_WRITE_DEPTH_MAX)
                return -ELOOP;
        switch (json_typeof(json)) {
        case JSON_OBJECT:
                put_char(w, '{');
                i = 0;
                /* Not json_object_foreach(): it takes a non-const object. */
                for (void *it = json_object_iter((json_t *) json); it;
                     it = json_object_iter_next((json_t *) json, it)) {
                        key = json_object_iter_key(it);
                        if (i++ > 0)
                                put_char(w, ',');
                        put_string(w, key, json_object_iter_key_len(it));
                        put_char(w, ':');
                        r = put_value(w, json_object_iter_value(it), depth + 1);
                        if (r < 0)
                                return r;
                }
                put_char(w, '}');
                return 0;
        case JSON_ARRAY:
                put_char(w, '[');
                for (i = 0; i < json_array_size(json); i++) {
                        v = json_array_get(json, i);
                        if (i > 0)
                                put_char(w, ',');
                        r = put_value(w, v, depth + 1);
                        if (r < 0)
                                return r;
                }
                put_char(w, ']');
                return 0;
        case JSON_STRING:
                put_string(w, json_string_value(json), json_string_length(json));
                return 0;
        case JSON_INTEGER:
                n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(json));
                put(w, num, (size_t) n);
                return 0;
        case JSON_REAL:
                /* Rare in events: jansson's own formatting of reals, to stay byte for byte. */
                n = (int) json_dumpb(json, num, sizeof(num), JSON_ENCODE_ANY | JSON_COMPACT);
                if (n <= 0 || (size_t) n > sizeof(num))
                        return -EINVAL;
                put(w, num, (size_t) n);
                return 0;
        case JSON_TRUE:
                put(w, "true", 4);
                return 0;
        case JSON_FALSE:
                put(w, "false", 5);
                return 0;
        case JSON_NULL:
                put(w, "null", 4);
                return 0;
        }
        return -EINVAL;
}

size_t json_write_compact(const json_t *json, char *buf, size_t size) {
        Writer w = { .buf = buf, .size = size };

        if (!json || !(json_is_object(json) || json_is_array(json)))
                return 0; /* as json_dumpb() without JSON_ENCODE_ANY */
        if (put_value(&w, json, 0) < 0)
                return 0;
        return w.len;
}
