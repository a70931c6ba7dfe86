/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-filter.h"
#include "event-json.h"
#include "field-filter.h"
#include "json-lines.h"

#define PATH_DEPTH_MAX 8U

typedef struct FieldLine {
        unsigned event_types; /* 1U << EventType the line applies to */
        bool include;
        char **paths; /* dotted */
        size_t n_paths;
} FieldLine;

struct FieldFilter {
        FieldLine *lines;
        size_t n_lines;
};

FieldFilter *field_filter_free(FieldFilter *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_lines; i++) {
                for (size_t j = 0; j < f->lines[i].n_paths; j++)
                        free(f->lines[i].paths[j]);
                free(f->lines[i].paths);
        }
        free(f->lines);
        return mfree(f);
}

static int parse_fields(FieldLine *l, const char *fields, unsigned line, char **ret_error) {
        for (const char *p = fields; *p;) {
                size_t n = strcspn(p, ",");
                char **paths;

                while (n > 0 && p[0] == ' ')
                        p++, n--;
                if (n == 0 || p[n - 1] == '.' || p[0] == '.' || memmem(p, n, "..", 2))
                        return json_lines_error(ret_error,
                                                "line %u: fields: \"%s\": expected dotted paths "
                                                "separated by commas, e.g. process.arguments",
                                                line, fields);
                paths = reallocarray(l->paths, l->n_paths + 1, sizeof(char *));
                if (!paths)
                        return -ENOMEM;
                l->paths = paths;
                l->paths[l->n_paths] = strndup(p, n);
                if (!l->paths[l->n_paths])
                        return -ENOMEM;
                l->n_paths++;
                p += n;
                p += *p == ',';
        }
        if (l->n_paths == 0)
                return json_lines_error(ret_error, "line %u: fields: no field named", line);
        return 0;
}

static int field_line_parse(FieldLine *l, json_t *obj, unsigned line, char **ret_error) {
        bool invert = false, has_action = false;
        const char *key;
        json_t *v;
        int r = 0;

        json_object_foreach(obj, key, v) {
                if (streq(key, "event_set")) {
                        size_t i;
                        json_t *item;

                        if (!json_is_array(v))
                                return json_lines_error(
                                        ret_error, "line %u: event_set: expected a list", line);
                        json_array_foreach(v, i, item) {
                                EventType t;

                                for (t = 0; t < _EVENT_TYPE_MAX; t++)
                                        if (json_is_string(item) &&
                                            streq(json_string_value(item),
                                                  event_type_to_set_name(t)))
                                                break;
                                if (t == _EVENT_TYPE_MAX)
                                        return json_lines_error(
                                                ret_error,
                                                "line %u: event_set: unknown event type %s", line,
                                                json_string_value(item) ?: "(not a string)");
                                l->event_types |= 1U << t;
                        }
                } else if (streq(key, "fields")) {
                        if (!json_is_string(v))
                                return json_lines_error(
                                        ret_error, "line %u: fields: expected a string of paths",
                                        line);
                        r = parse_fields(l, json_string_value(v), line, ret_error);
                } else if (streq(key, "action")) {
                        const char *a = json_string_value(v);

                        if (!a || (!streq(a, "INCLUDE") && !streq(a, "EXCLUDE")))
                                return json_lines_error(
                                        ret_error, "line %u: action: expected INCLUDE or EXCLUDE",
                                        line);
                        l->include = streq(a, "INCLUDE");
                        has_action = true;
                } else if (streq(key, "invert_event_set")) {
                        if (!json_is_boolean(v))
                                return json_lines_error(
                                        ret_error,
                                        "line %u: invert_event_set: expected true or false", line);
                        invert = json_is_true(v);
                } else
                        return json_lines_error(
                                ret_error,
                                "line %u: unknown key %s (event_set, fields, action, "
                                "invert_event_set)",
                                line, key);
                if (r < 0)
                        return r;
        }
        if (!has_action)
                return json_lines_error(ret_error, "line %u: no action (INCLUDE or EXCLUDE)", line);
        if (l->n_paths == 0)
                return json_lines_error(ret_error, "line %u: no fields", line);
        if (l->event_types == 0)
                l->event_types = (1U << _EVENT_TYPE_MAX) - 1;
        if (invert)
                l->event_types = ~l->event_types & ((1U << _EVENT_TYPE_MAX) - 1);
        return 0;
}

static int field_filter_add_line(json_t *obj, unsigned line, void *userdata, char **ret_error) {
        FieldFilter *f = userdata;
        FieldLine *lines = reallocarray(f->lines, f->n_lines + 1, sizeof(*lines));

        if (!lines)
                return -ENOMEM;
        f->lines = lines;
        f->lines[f->n_lines++] = (FieldLine){};
        return field_line_parse(&f->lines[f->n_lines - 1], obj, line, ret_error);
}

int field_filter_new(FieldFilter **ret, const char *text, char **ret_error) {
        _cleanup_(field_filter_freep) FieldFilter *f = NULL;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        r = json_lines_parse(text, field_filter_add_line, f, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

/* Splits a dotted path in place; returns the number of parts, 0 when too deep. */
static size_t path_split(char *path, char *parts[static PATH_DEPTH_MAX]) {
        size_t n = 0;

        for (char *s = path, *dot;; s = dot + 1) {
                if (n == PATH_DEPTH_MAX)
                        return 0;
                parts[n++] = s;
                dot = strchr(s, '.');
                if (!dot)
                        return n;
                *dot = 0;
        }
}

static void path_remove(json_t *body, const char *path) {
        char copy[256], *parts[PATH_DEPTH_MAX];
        size_t n;

        if (strlen(path) >= sizeof(copy))
                return;
        strcpy(copy, path);
        n = path_split(copy, parts);
        for (size_t i = 0; i + 1 < n && body; i++)
                body = json_object_get(body, parts[i]);
        if (n > 0 && json_is_object(body))
                json_object_del(body, parts[n - 1]);
}

/* Copies what path names in from into to, creating the objects on the way. */
static int path_copy(json_t *to, json_t *from, const char *path) {
        char copy[256], *parts[PATH_DEPTH_MAX];
        size_t n;

        if (strlen(path) >= sizeof(copy))
                return 0;
        strcpy(copy, path);
        n = path_split(copy, parts);
        for (size_t i = 0; i < n; i++) {
                json_t *v = json_object_get(from, parts[i]), *next;

                if (!v)
                        return 0;
                if (i + 1 == n)
                        return json_object_set(to, parts[i], v) < 0 ? -ENOMEM : 0;
                if (!json_is_object(v))
                        return 0;
                next = json_object_get(to, parts[i]);
                if (!next) {
                        next = json_object();
                        if (!next || json_object_set_new(to, parts[i], next) < 0)
                                return -ENOMEM;
                }
                to = next;
                from = v;
        }
        return 0;
}

int field_filter_apply(const FieldFilter *f, EventType type, json_t *json) {
        json_t *body = json_object_get(json, event_type_to_string(type));

        if (!json_is_object(body))
                return 0;
        for (size_t i = 0; i < f->n_lines; i++) {
                const FieldLine *l = &f->lines[i];

                if (!(l->event_types & (1U << type)))
                        continue;
                if (!l->include) {
                        for (size_t j = 0; j < l->n_paths; j++)
                                path_remove(body, l->paths[j]);
                        continue;
                }

                json_t *kept = json_object();
                int r = 0;

                if (!kept)
                        return -ENOMEM;
                for (size_t j = 0; j < l->n_paths && r >= 0; j++)
                        r = path_copy(kept, body, l->paths[j]);
                if (r >= 0 && (json_object_clear(body) < 0 || json_object_update(body, kept) < 0))
                        r = -ENOMEM;
                json_decref(kept);
                if (r < 0)
                        return r;
        }
        return 0;
}
