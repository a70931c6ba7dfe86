/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-lines.h"
#include "redaction.h"
#include "regex-list.h"

#define REDACTED "*****"
/* Capture groups redacted in one process's arguments; past it, the rest are lost too. */
#define RANGES_MAX 256U

typedef struct RedactionLine {
        RegexList binary; /* empty: every process */
        RegexList redact;
} RedactionLine;

struct Redaction {
        RedactionLine *lines;
        size_t n_lines;
        pcre2_match_data *match_data;
};

typedef struct Range {
        size_t start, end;
} Range;

Redaction *redaction_free(Redaction *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_lines; i++) {
                regex_list_done(&r->lines[i].binary);
                regex_list_done(&r->lines[i].redact);
        }
        free(r->lines);
        pcre2_match_data_free(r->match_data);
        return mfree(r);
}

static int redaction_line_parse(RedactionLine *l, json_t *obj, unsigned line, char **ret_error) {
        const char *key;
        json_t *v;
        int r;

        json_object_foreach(obj, key, v) {
                if (streq(key, "binary_regex"))
                        r = regex_list_parse(&l->binary, v, line, key, ret_error);
                else if (streq(key, "redact"))
                        r = regex_list_parse(&l->redact, v, line, key, ret_error);
                else
                        r = json_lines_error(ret_error,
                                             "line %u: unknown key %s (binary_regex, redact)", line,
                                             key);
                if (r < 0)
                        return r;
        }
        if (l->redact.n == 0)
                return json_lines_error(ret_error,
                                        "line %u: no \"redact\" regex: nothing to redact", line);
        for (size_t i = 0; i < l->redact.n; i++) {
                uint32_t groups = 0;

                (void) pcre2_pattern_info(l->redact.codes[i], PCRE2_INFO_CAPTURECOUNT, &groups);
                if (groups == 0)
                        return json_lines_error(
                                ret_error,
                                "line %u: redact: regex %zu has no capture group: only "
                                "capture groups are redacted",
                                line, i + 1);
        }
        return 0;
}

static int redaction_add_line(json_t *obj, unsigned line, void *userdata, char **ret_error) {
        Redaction *red = userdata;
        RedactionLine *lines = reallocarray(red->lines, red->n_lines + 1, sizeof(*lines));

        if (!lines)
                return -ENOMEM;
        red->lines = lines;
        red->lines[red->n_lines++] = (RedactionLine){};
        return redaction_line_parse(&red->lines[red->n_lines - 1], obj, line, ret_error);
}

int redaction_new(Redaction **ret, const char *text, char **ret_error) {
        _cleanup_(redaction_freep) Redaction *red = NULL;
        int r;

        red = calloc(1, sizeof(*red));
        if (!red)
                return -ENOMEM;

        r = json_lines_parse(text, redaction_add_line, red, ret_error);
        if (r < 0)
                return r;

        /* Enough pairs for any pattern's groups. */
        red->match_data = pcre2_match_data_create(64, NULL);
        if (!red->match_data)
                return -ENOMEM;
        *ret = TAKE_PTR(red);
        return 0;
}

/* Every capture group of every match of code in s, added to ranges. */
static void collect_ranges(Redaction *red, pcre2_code *code, const char *s, size_t n, Range *ranges,
                           size_t *n_ranges) {
        size_t offset = 0;

        while (offset <= n && *n_ranges < RANGES_MAX) {
                PCRE2_SIZE *ov;
                int rc;

                rc = pcre2_match(code, (PCRE2_SPTR) s, n, offset, 0, red->match_data, NULL);
                if (rc <= 0)
                        break;
                ov = pcre2_get_ovector_pointer(red->match_data);
                for (int g = 1; g < rc && *n_ranges < RANGES_MAX; g++)
                        if (ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g])
                                ranges[(*n_ranges)++] = (Range){ ov[2 * g], ov[2 * g + 1] };
                /* An empty match would find itself again. */
                offset = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
        }
}

static int range_compare(const void *a, const void *b) {
        const Range *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

/* Redacts one NUL-separated list (arguments, or NAME=VALUE environment entries) in place. */
static int redact_list(Redaction *red, const char *binary, char **list, size_t *list_size) {
        Range ranges[RANGES_MAX];
        size_t n_ranges = 0, n, j, o;
        _cleanup_free_ char *joined = NULL;
        char *out;

        if (!*list || *list_size == 0)
                return 0;

        /* The list as one string, NUL separators as spaces: same offsets as *list. */
        n = *list_size;
        while (n > 0 && (*list)[n - 1] == '\0')
                n--;
        joined = malloc(n + 1);
        if (!joined)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                joined[i] = (*list)[i] ?: ' ';
        joined[n] = 0;

        for (size_t i = 0; i < red->n_lines; i++) {
                const RedactionLine *l = &red->lines[i];

                if (l->binary.n && !(binary && regex_list_match(&l->binary, binary, strlen(binary),
                                                                red->match_data)))
                        continue;
                for (size_t k = 0; k < l->redact.n; k++)
                        collect_ranges(red, l->redact.codes[k], joined, n, ranges, &n_ranges);
        }
        if (n_ranges == 0)
                return 0;
        qsort(ranges, n_ranges, sizeof(Range), range_compare);

        /* Each range becomes the marker; separators inside it stay, so arguments stay apart.
         * At most one marker per byte redacted, plus what is kept: n * 6 bounds it. */
        out = malloc(*list_size * (sizeof(REDACTED) - 1 + 1) + 1);
        if (!out)
                return -ENOMEM;
        for (o = 0, j = 0; j < *list_size;) {
                size_t k, end = 0;
                bool in_range = false;

                for (k = 0; k < n_ranges; k++)
                        if (ranges[k].start <= j && j < ranges[k].end) {
                                in_range = true;
                                end = MAX(end, ranges[k].end);
                        }
                if (!in_range) {
                        out[o++] = (*list)[j++];
                        continue;
                }
                /* Overlapping ranges merge into one marker per argument piece. */
                for (k = 0; k < n_ranges; k++)
                        if (ranges[k].start < end && ranges[k].end > end)
                                end = ranges[k].end;
                while (j < end) {
                        size_t piece = strnlen((*list) + j, end - j);

                        if (piece > 0) {
                                memcpy(out + o, REDACTED, sizeof(REDACTED) - 1);
                                o += sizeof(REDACTED) - 1;
                        }
                        j += piece;
                        if (j < end)
                                out[o++] = (*list)[j++]; /* the separator */
                }
        }
        free(*list);
        *list = out;
        *list_size = o;
        return 1;
}

int redaction_apply(Redaction *red, Process *p) {
        int r, k;

        r = redact_list(red, p->binary, &p->args, &p->args_size);
        if (r < 0)
                return r;
        k = redact_list(red, p->binary, &p->env, &p->env_size);
        if (k < 0)
                return k;
        return r || k;
}
