/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A format file reads:
 *
 *   name: sys_enter
 *   ID: 443
 *   format:
 *   <TAB>field:unsigned short common_type;<TAB>offset:0;<TAB>size:2;<TAB>signed:0;
 *   ...
 *
 *   print fmt: "NR %ld ...", REC->id, ...
 *
 * Only the field lines matter here. "print fmt" ends the part we read: its
 * text is C and may span several lines.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"
#include "tracepoint-format.h"

/* Format files of events with long "print fmt" lines run to a few KiB; this is far beyond. */
#define FORMAT_FILE_MAX (1024 * 1024)

static void field_done(TracepointField *f) {
        free(f->type);
        free(f->name);
}

TracepointFormat *tracepoint_format_free(TracepointFormat *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_fields; i++)
                field_done(&f->fields[i]);
        free(f->fields);
        return mfree(f);
}

static bool is_ident_char(char c) {
        return isalnum((unsigned char) c) || c == '_';
}

static const char *skip_blanks(const char *s, const char *end) {
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        return s;
}

static const char *trim_end(const char *start, const char *end) {
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        return end;
}

/* A decimal number filling [s, end) exactly. */
static int parse_u32(const char *s, const char *end, uint32_t *ret) {
        uint64_t v = 0;

        if (s == end)
                return -EBADMSG;
        for (; s < end; s++) {
                if (*s < '0' || *s > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -EBADMSG;
        }
        *ret = (uint32_t) v;
        return 0;
}

/*
 * "unsigned long args[6]", "const char * filename", "__data_loc char[] filename":
 * the name is the last identifier, after it at most one "[N]" (array).
 */
static int parse_declaration(const char *s, const char *end, TracepointField *f) {
        const char *name_start, *name_end, *dim = NULL, *dim_end = NULL;

        s = skip_blanks(s, end);
        end = trim_end(s, end);
        if (s == end)
                return -EBADMSG;

        name_end = end;
        if (end[-1] == ']') {
                dim_end = end - 1;
                dim = memrchr(s, '[', (size_t) (dim_end - s));
                if (!dim)
                        return -EBADMSG;
                dim++;
                name_end = trim_end(s, dim - 1);
        }

        name_start = name_end;
        while (name_start > s && is_ident_char(name_start[-1]))
                name_start--;
        if (name_start == name_end || isdigit((unsigned char) *name_start))
                return -EBADMSG;

        const char *type_end = trim_end(s, name_start);
        if (type_end == s)
                return -EBADMSG;
        size_t type_len = (size_t) (type_end - s);

        /* __rel_loc counts the data's offset from the field, not the record: another decoder. */
        if (startswith(s, "__rel_loc"))
                return -EBADMSG;

        if (startswith(s, "__data_loc"))
                f->kind = TRACEPOINT_FIELD_DATA_LOC;
        else if (dim)
                f->kind = TRACEPOINT_FIELD_ARRAY;
        else if (memchr(s, '*', type_len))
                f->kind = TRACEPOINT_FIELD_POINTER;
        else
                f->kind = TRACEPOINT_FIELD_INTEGER;

        if (dim) {
                /* Keep the dimension in the type, as "__data_loc char[]" keeps its brackets. */
                size_t dim_len = (size_t) (dim_end - dim);

                f->type = malloc(type_len + dim_len + 3);
                if (!f->type)
                        return -ENOMEM;
                memcpy(f->type, s, type_len);
                f->type[type_len] = '[';
                memcpy(f->type + type_len + 1, dim, dim_len);
                memcpy(f->type + type_len + 1 + dim_len, "]", 2);
        } else {
                f->type = strndup(s, type_len);
                if (!f->type)
                        return -ENOMEM;
        }

        f->name = strndup(name_start, (size_t) (name_end - name_start));
        if (!f->name)
                return -ENOMEM;
        return 0;
}

/* "field:DECL;<TAB>offset:N;<TAB>size:N;<TAB>signed:N;" with line_end excluded. */
static int parse_field_line(const char *s, const char *end, TracepointField *f) {
        bool have_offset = false, have_size = false;
        const char *semicolon;
        int r;

        s = startswith(s, "field:");
        if (!s)
                return -EBADMSG;
        semicolon = memchr(s, ';', (size_t) (end - s));
        if (!semicolon)
                return -EBADMSG;
        r = parse_declaration(s, semicolon, f);
        if (r < 0)
                return r;

        for (s = semicolon + 1;; s = semicolon + 1) {
                const char *key, *colon, *value;

                s = skip_blanks(s, end);
                if (s == end)
                        break;
                semicolon = memchr(s, ';', (size_t) (end - s));
                if (!semicolon)
                        return -EBADMSG;
                colon = memchr(s, ':', (size_t) (semicolon - s));
                if (!colon)
                        return -EBADMSG;
                key = s;
                value = skip_blanks(colon + 1, semicolon);

                uint32_t v;
                r = parse_u32(value, trim_end(value, semicolon), &v);
                if (r < 0)
                        return r;

                size_t key_len = (size_t) (colon - key);
                if (key_len == 6 && memcmp(key, "offset", 6) == 0) {
                        f->offset = v;
                        have_offset = true;
                } else if (key_len == 4 && memcmp(key, "size", 4) == 0) {
                        f->size = v;
                        have_size = true;
                } else if (key_len == 6 && memcmp(key, "signed", 6) == 0) {
                        if (v > 1)
                                return -EBADMSG;
                        f->is_signed = v;
                }
                /* Other numeric attributes a later kernel may add do not change the layout. */
        }

        if (!have_offset || !have_size)
                return -EBADMSG;
        return 0;
}

int tracepoint_format_parse(const char *text, TracepointFormat **ret) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *format = NULL;
        size_t allocated = 0;
        int r;

        if (!text || !ret)
                return -EINVAL;

        format = calloc(1, sizeof(*format));
        if (!format)
                return -ENOMEM;

        for (const char *line = text; *line;) {
                const char *line_end = strchrnul(line, '\n');
                const char *next = *line_end ? line_end + 1 : line_end;
                const char *s = skip_blanks(line, line_end);

                if (s == line_end || startswith(s, "name:") || startswith(s, "ID:") ||
                    startswith(s, "format:")) {
                        line = next;
                        continue;
                }
                if (startswith(s, "print fmt:"))
                        break;

                if (format->n_fields == allocated) {
                        size_t n = allocated ? allocated * 2 : 16;
                        TracepointField *fields = reallocarray(format->fields, n, sizeof(*fields));
                        if (!fields)
                                return -ENOMEM;
                        format->fields = fields;
                        allocated = n;
                }

                TracepointField *f = &format->fields[format->n_fields];
                *f = (TracepointField){};
                r = parse_field_line(s, line_end, f);
                if (r < 0) {
                        field_done(f);
                        return r;
                }
                format->n_fields++;
                line = next;
        }

        /* Every tracepoint has at least common_type: no field means this was no format file. */
        if (format->n_fields == 0)
                return -EBADMSG;

        *ret = TAKE_PTR(format);
        return 0;
}

static bool name_is_valid(const char *name) {
        return name && *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int tracepoint_format_read(const char *subsystem, const char *event, TracepointFormat **ret) {
        static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

        if (!name_is_valid(subsystem) || !name_is_valid(event) || !ret)
                return -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                char path[PATH_MAX];
                int n;

                n = snprintf(path, sizeof(path), "%s/events/%s/%s/format", roots[i], subsystem,
                             event);
                if (n < 0 || (size_t) n >= sizeof(path))
                        return -ENAMETOOLONG;

                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno != ENOENT)
                                return negative_errno();

                        /* A mounted tracefs without the event answers for the system. */
                        snprintf(path, sizeof(path), "%s/events", roots[i]);
                        if (access(path, F_OK) == 0)
                                return -ENOENT;
                        continue;
                }

                _cleanup_free_ char *text = NULL;
                /* tracefs reports st_size 0: read until the end. */
                int r = read_full_fd(fd, FORMAT_FILE_MAX, &text, NULL);
                if (r < 0)
                        return r;
                return tracepoint_format_parse(text, ret);
        }

        return -ENOENT;
}
