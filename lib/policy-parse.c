/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML tree -> policy document, with every check the language has.
 *
 * The walk keeps going after an error so that one run reports as many
 * problems as it can; each problem is a diagnostic positioned at the node a
 * user has to change. Running out of memory is the only thing that stops it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "policy.h"
#include "yaml-tree.h"

#define POLICY_API_VERSION "cilium.io/v1alpha1"

/* How much of a user's text a message quotes. */
#define QUOTE_MAX 64U

typedef struct Parser {
        const char *file;
        Arena *arena;
        DiagnosticList *diags;
        Policy *policy;
        /* Top-level YAML nodes of selectorsMacros, by PolicyMacro index. */
        const YamlNode **macro_nodes;
        size_t errors_at_document_start;
        bool oom;
} Parser;

/* What selectors of one hook are checked against. */
typedef struct HookContext {
        PolicyHook *hook;
        bool in_macro; /* parsing a macro body: no nested macros */
} HookContext;

static PolicyPosition node_pos(const YamlNode *n) {
        return (PolicyPosition){ .line = n->line, .column = n->column };
}

static void *p_alloc(Parser *p, size_t n, size_t size) {
        void *x;

        x = arena_alloc_array(p->arena, MAX(n, (size_t) 1), size);
        if (!x)
                p->oom = true;
        return x;
}

static char *p_strndup(Parser *p, const char *s, size_t n) {
        char *x;

        x = arena_strndup(p->arena, s, n);
        if (!x)
                p->oom = true;
        return x;
}

static void p_diag(Parser *p, DiagnosticLevel level, const YamlNode *n, const char *hint,
                   const char *format, va_list ap) _printf_(5, 0);
static void p_diag(Parser *p, DiagnosticLevel level, const YamlNode *n, const char *hint,
                   const char *format, va_list ap) {
        if (diagnostic_list_addv(p->diags, level, p->file, n ? n->line : 1, n ? n->column : 1, hint,
                                 format, ap) < 0)
                p->oom = true;
}

/* Always returns false, so checks can "return p_error(...)". */
static bool p_error(Parser *p, const YamlNode *n, const char *hint, const char *format, ...)
        _printf_(4, 5);
static bool p_error(Parser *p, const YamlNode *n, const char *hint, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        p_diag(p, DIAGNOSTIC_ERROR, n, hint, format, ap);
        va_end(ap);
        return false;
}

static void p_warning(Parser *p, const YamlNode *n, const char *hint, const char *format, ...)
        _printf_(4, 5);
static void p_warning(Parser *p, const YamlNode *n, const char *hint, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        p_diag(p, DIAGNOSTIC_WARNING, n, hint, format, ap);
        va_end(ap);
}

/* User text made safe to print: escaped, and shortened past QUOTE_MAX. */
static const char *q(Parser *p, const char *s, size_t length) {
        char buf[QUOTE_MAX * 4 + 8];
        size_t o = 0;
        char *x;

        for (size_t i = 0; i < length && i < QUOTE_MAX; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c == '"' || c == '\\') {
                        buf[o++] = '\\';
                        buf[o++] = (char) c;
                } else if (c < 0x20 || c == 0x7f)
                        o += (size_t) snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
                else
                        buf[o++] = (char) c;
        }
        if (length > QUOTE_MAX) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        x = arena_strndup(p->arena, buf, o);
        if (!x) {
                p->oom = true;
                return "";
        }
        return x;
}

static const char *qs(Parser *p, const char *s) {
        return q(p, s, strlen(s));
}

static const char *qn(Parser *p, const YamlNode *n) {
        return q(p, n->scalar.value, n->scalar.length);
}

/* Levenshtein distance, ASCII case folded, capped for long strings. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), row[65];

        if (la > 64 || lb > 64)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];

                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t cost = tolower((unsigned char) a[i - 1]) ==
                                                      tolower((unsigned char) b[j - 1])
                                              ? 0
                                              : 1;

                        row[j] = MIN(MIN(row[j - 1] + 1, up + 1), diag + cost);
                        diag = up;
                }
        }
        return row[lb];
}

/* "did you mean "x"?" for the closest of names, or NULL when none is close. */
static const char *did_you_mean(Parser *p, const char *s, const char *const *names) {
        size_t best = SIZE_MAX, len = strlen(s);
        const char *best_name = NULL;
        char *hint;

        /* Past the error limit nothing more is shown: skip the work. */
        if (p->diags->n_errors >= DIAGNOSTIC_MAX_ERRORS)
                return NULL;

        for (size_t i = 0; names[i]; i++) {
                size_t d = edit_distance(s, names[i]);

                if (d < best) {
                        best = d;
                        best_name = names[i];
                }
        }
        if (!best_name || best > MAX((size_t) 2, len / 3) || streq(best_name, s))
                return NULL;
        if (asprintf(&hint, "did you mean \"%s\"?", best_name) < 0) {
                p->oom = true;
                return NULL;
        }
        best_name = p_strndup(p, hint, strlen(hint));
        free(hint);
        return best_name;
}

static const char *describe_node(const YamlNode *n) {
        if (n->type == YAML_NODE_SCALAR) {
                if (n->scalar.null)
                        return "nothing (null)";
                return n->scalar.quoted ? "a string" : "a scalar";
        }
        return yaml_node_type_to_string(n->type);
}

static bool is_null(const YamlNode *n) {
        return !n || (n->type == YAML_NODE_SCALAR && n->scalar.null);
}

/* A Go template placeholder such as {{.Pid}} parses as a flow mapping whose
 * only key is another flow mapping: worth naming, since files with templates
 * get fed to validators unrendered. */
static const char *template_hint(Parser *p, const YamlNode *n) {
        const YamlNode *inner;
        char *hint;
        const char *r;

        if (n->type != YAML_NODE_MAPPING || !n->flow || n->mapping.n_pairs != 1)
                return NULL;
        inner = n->mapping.pairs[0].key;
        if (inner->type != YAML_NODE_MAPPING || !inner->flow || inner->mapping.n_pairs != 1 ||
            inner->mapping.pairs[0].key->type != YAML_NODE_SCALAR)
                return NULL;
        if (asprintf(&hint,
                     "this looks like the template placeholder \"{{%s}}\"; "
                     "render the template before loading it",
                     qn(p, inner->mapping.pairs[0].key)) < 0) {
                p->oom = true;
                return NULL;
        }
        r = p_strndup(p, hint, strlen(hint));
        free(hint);
        return r;
}

static bool expect_type(Parser *p, const YamlNode *n, YamlNodeType type, const char *what) {
        if (n->type == type)
                return true;
        return p_error(p, n, template_hint(p, n), "%s must be %s, not %s", what,
                       yaml_node_type_to_string(type), describe_node(n));
}

/* Checks a mapping's keys against the known ones: unknown keys (with the
 * closest known key as a hint), duplicates, keys that are not strings. */
static bool check_keys(Parser *p, const YamlNode *n, const char *what, const char *const *keys) {
        bool ok = true;

        for (size_t i = 0; i < n->mapping.n_pairs; i++) {
                const YamlNode *k = n->mapping.pairs[i].key;
                bool known = false;

                if (k->type != YAML_NODE_SCALAR || k->scalar.null) {
                        ok = p_error(p, k, template_hint(p, k), "keys in %s must be names, not %s",
                                     what, describe_node(k));
                        continue;
                }
                for (size_t j = 0; keys[j]; j++)
                        if (streq(keys[j], k->scalar.value)) {
                                known = true;
                                break;
                        }
                /* Tetragon decodes policies with Go's JSON decoder, which
                 * matches key names regardless of case. */
                for (size_t j = 0; !known && keys[j]; j++)
                        if (strcasecmp(keys[j], k->scalar.value) == 0) {
                                p_warning(p, k, NULL, "key \"%s\" is read as \"%s\"", qn(p, k),
                                          keys[j]);
                                known = true;
                        }
                if (!known) {
                        if (streq(k->scalar.value, "<<"))
                                ok = p_error(
                                        p, k,
                                        "write the keys out, or use an alias for a whole value",
                                        "YAML merge keys (<<) are not supported");
                        else
                                ok = p_error(p, k, did_you_mean(p, k->scalar.value, keys),
                                             "unknown key \"%s\" in %s", qn(p, k), what);
                        continue;
                }
                for (size_t j = 0; j < i; j++) {
                        const YamlNode *prev = n->mapping.pairs[j].key;

                        if (prev->type == YAML_NODE_SCALAR &&
                            strcasecmp(prev->scalar.value, k->scalar.value) == 0) {
                                ok = p_error(p, k, NULL, "duplicate key \"%s\" (first at %u:%u)",
                                             qn(p, k), prev->line, prev->column);
                                break;
                        }
                }
        }
        return ok;
}

/* The pair of key, spelt exactly or else in any case (check_keys refuses
 * two spellings of one key). */
static const YamlPair *find_pair(const YamlNode *mapping, const char *key) {
        const YamlPair *pair = yaml_mapping_find(mapping, key);

        if (pair || !mapping || mapping->type != YAML_NODE_MAPPING)
                return pair;
        for (size_t i = 0; i < mapping->mapping.n_pairs; i++) {
                const YamlNode *k = mapping->mapping.pairs[i].key;

                if (k->type == YAML_NODE_SCALAR && strcasecmp(k->scalar.value, key) == 0)
                        return &mapping->mapping.pairs[i];
        }
        return NULL;
}

/* The value of key, or NULL when absent or null. */
static const YamlNode *field(const YamlNode *mapping, const char *key) {
        const YamlPair *pair = find_pair(mapping, key);

        if (!pair || is_null(pair->value))
                return NULL;
        return pair->value;
}

static const YamlNode *field_key(const YamlNode *mapping, const char *key) {
        const YamlPair *pair = find_pair(mapping, key);

        return pair ? pair->key : NULL;
}

static bool require(Parser *p, const YamlNode *mapping, const YamlNode *value, const char *key,
                    const char *what) {
        if (value)
                return true;
        return p_error(p, field_key(mapping, key) ?: mapping, NULL, "%s needs \"%s\"", what, key);
}

/* A scalar, named by what it should be ("a number", "true or false"). */
static bool expect_scalar(Parser *p, const YamlNode *n, const char *what, const char *expected) {
        if (n->type == YAML_NODE_SCALAR)
                return true;
        return p_error(p, n, template_hint(p, n), "%s must be %s, not %s", what, expected,
                       describe_node(n));
}

/* A string without NUL bytes. */
static bool get_string(Parser *p, const YamlNode *n, const char *what, char **ret) {
        if (!expect_scalar(p, n, what, "a string"))
                return false;
        if (memchr(n->scalar.value, '\0', n->scalar.length))
                return p_error(p, n, NULL, "%s must not contain a NUL byte", what);
        *ret = p_strndup(p, n->scalar.value, n->scalar.length);
        return *ret != NULL;
}

static bool get_bool(Parser *p, const YamlNode *n, const char *what, bool *ret) {
        static const char *const yes[] = { "true", "True", "TRUE", NULL };
        static const char *const no[] = { "false", "False", "FALSE", NULL };

        if (!expect_scalar(p, n, what, "true or false"))
                return false;
        if (!n->scalar.quoted) {
                for (size_t i = 0; yes[i]; i++)
                        if (streq(n->scalar.value, yes[i])) {
                                *ret = true;
                                return true;
                        }
                for (size_t i = 0; no[i]; i++)
                        if (streq(n->scalar.value, no[i])) {
                                *ret = false;
                                return true;
                        }
        }
        if (n->scalar.quoted &&
            (strcasecmp(n->scalar.value, "true") == 0 || strcasecmp(n->scalar.value, "false") == 0))
                return p_error(p, n, "remove the quotes",
                               "%s must be true or false, not the string \"%s\"", what, qn(p, n));
        return p_error(p, n, NULL, "%s must be true or false, not \"%s\"", what, qn(p, n));
}

/* Integers as Go's strconv with base 0 reads them: decimal, 0x, 0o, 0b, and a
 * leading 0 for octal. Returns false on syntax errors and overflow. */
static bool parse_uint64(const char *s, uint64_t *ret) {
        unsigned base = 10;
        uint64_t v = 0;

        if (!*s)
                return false;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
                base = 8;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
                base = 2;
                s += 2;
        } else if (s[0] == '0' && s[1] != '\0') {
                base = 8;
                s += 1;
        }
        if (!*s)
                return false;
        for (; *s; s++) {
                unsigned d;

                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned) (*s - 'A' + 10);
                else
                        return false;
                if (d >= base)
                        return false;
                if (v > (UINT64_MAX - d) / base)
                        return false;
                v = v * base + d;
        }
        *ret = v;
        return true;
}

/* A signed or unsigned integer that fits bits. */
static bool parse_integer(const char *s, unsigned bits, bool is_signed, uint64_t *ret) {
        bool negative = false;
        uint64_t v;

        if (*s == '-' || *s == '+') {
                negative = *s == '-';
                s++;
        }
        if (!parse_uint64(s, &v))
                return false;
        if (is_signed) {
                uint64_t max_pos =
                        bits >= 64 ? (uint64_t) INT64_MAX : (UINT64_C(1) << (bits - 1)) - 1;

                if (negative) {
                        if (v > max_pos + 1)
                                return false;
                        *ret = (uint64_t) (-(int64_t) (v - 1) - 1);
                } else {
                        if (v > max_pos)
                                return false;
                        *ret = v;
                }
                return true;
        }
        if (negative && v != 0)
                return false;
        if (bits < 64 && v > (UINT64_C(1) << bits) - 1)
                return false;
        *ret = v;
        return true;
}

static bool get_integer(Parser *p, const YamlNode *n, const char *what, unsigned bits,
                        bool is_signed, uint64_t *ret) {
        if (!expect_scalar(p, n, what, "a number"))
                return false;
        if (n->scalar.quoted) {
                uint64_t v;

                if (parse_integer(n->scalar.value, bits, is_signed, &v))
                        return p_error(p, n, "remove the quotes",
                                       "%s must be a number, not the string \"%s\"", what,
                                       qn(p, n));
        }
        if (!n->scalar.quoted && parse_integer(n->scalar.value, bits, is_signed, ret))
                return true;
        if (!n->scalar.quoted && n->scalar.value[0] == '-' && !is_signed)
                return p_error(p, n, NULL, "%s must not be negative, not %s", what, qn(p, n));
        if (!n->scalar.quoted && parse_integer(n->scalar.value, 64, true, &(uint64_t){ 0 }))
                return p_error(p, n, NULL, "%s %s is out of range (%s%u-bit)", what, qn(p, n),
                               is_signed ? "signed " : "unsigned ", bits);
        return p_error(p, n, template_hint(p, n), "%s must be a number, not %s%s%s%s", what,
                       describe_node(n), n->type == YAML_NODE_SCALAR ? " \"" : "",
                       n->type == YAML_NODE_SCALAR ? qn(p, n) : "",
                       n->type == YAML_NODE_SCALAR ? "\"" : "");
}

static bool get_u32(Parser *p, const YamlNode *n, const char *what, uint32_t *ret) {
        uint64_t v;

        if (!get_integer(p, n, what, 32, false, &v))
                return false;
        *ret = (uint32_t) v;
        return true;
}

static bool get_i32(Parser *p, const YamlNode *n, const char *what, int32_t *ret) {
        uint64_t v;

        if (!get_integer(p, n, what, 32, true, &v))
                return false;
        *ret = (int32_t) (int64_t) v;
        return true;
}

/* A list; a null value is an empty list. */
static bool get_list(Parser *p, const YamlNode *n, const char *what, size_t max,
                     const char *limit_what, size_t *ret_n) {
        if (is_null(n)) {
                *ret_n = 0;
                return true;
        }
        if (!expect_type(p, n, YAML_NODE_SEQUENCE, what))
                return false;
        if (max > 0 && n->sequence.n_items > max)
                return p_error(p, n, NULL, "%s has %zu entries, more than the limit of %zu %s",
                               what, n->sequence.n_items, max, limit_what);
        *ret_n = n->sequence.n_items;
        return true;
}

/* A list of strings, each at most max_length bytes. */
static bool get_string_list(Parser *p, const YamlNode *n, const char *what, size_t max,
                            size_t max_length, char ***ret, size_t *ret_n) {
        size_t count;
        char **v;
        bool ok = true;

        *ret = NULL;
        *ret_n = 0;
        if (!get_list(p, n, what, max, "entries", &count))
                return false;
        if (count == 0)
                return true;
        v = p_alloc(p, count, sizeof(char *));
        if (!v)
                return false;
        for (size_t i = 0; i < count; i++) {
                const YamlNode *item = n->sequence.items[i];

                if (!get_string(p, item, what, &v[i])) {
                        ok = false;
                        continue;
                }
                if (max_length > 0 && item->scalar.length > max_length)
                        ok = p_error(p, item, NULL,
                                     "%s entry is %zu bytes, longer than the limit of %zu", what,
                                     item->scalar.length, max_length);
        }
        *ret = v;
        *ret_n = count;
        return ok;
}

/* ---- Kubernetes-only parts and metadata ---- */

static void add_kubernetes_part(Parser *p, const YamlNode *n, const char *what) {
        Policy *pol = p->policy;
        PolicyKubernetesPart *parts;

        parts = p_alloc(p, pol->n_kubernetes_parts + 1, sizeof(PolicyKubernetesPart));
        if (!parts)
                return;
        if (pol->n_kubernetes_parts > 0)
                memcpy(parts, pol->kubernetes_parts,
                       pol->n_kubernetes_parts * sizeof(PolicyKubernetesPart));
        parts[pol->n_kubernetes_parts++] = (PolicyKubernetesPart){
                .pos = node_pos(n),
                .what = what,
        };
        pol->kubernetes_parts = parts;
}

/* A map of strings to strings (labels, annotations). */
static bool check_string_map(Parser *p, const YamlNode *n, const char *what) {
        bool ok = true;

        if (is_null(n))
                return true;
        if (!expect_type(p, n, YAML_NODE_MAPPING, what))
                return false;
        if (n->mapping.n_pairs > POLICY_MAX_LABELS)
                return p_error(p, n, NULL, "%s has %zu entries, more than the limit of %u", what,
                               n->mapping.n_pairs, POLICY_MAX_LABELS);
        for (size_t i = 0; i < n->mapping.n_pairs; i++) {
                const YamlNode *k = n->mapping.pairs[i].key, *v = n->mapping.pairs[i].value;
                char *s;

                if (k->type != YAML_NODE_SCALAR || k->scalar.null) {
                        ok = p_error(p, k, template_hint(p, k),
                                     "keys in %s must be strings, not %s", what, describe_node(k));
                        continue;
                }
                for (size_t j = 0; j < i; j++) {
                        const YamlNode *prev = n->mapping.pairs[j].key;

                        if (prev->type == YAML_NODE_SCALAR &&
                            streq(prev->scalar.value, k->scalar.value)) {
                                ok = p_error(p, k, NULL, "duplicate key \"%s\" (first at %u:%u)",
                                             qn(p, k), prev->line, prev->column);
                                break;
                        }
                }
                if (!is_null(v) && !get_string(p, v, "a value in metadata and label maps", &s))
                        ok = false;
        }
        return ok;
}

static bool parse_label_selector(Parser *p, const YamlNode *n, const char *what) {
        static const char *const keys[] = { "matchLabels", "matchExpressions", NULL };
        static const char *const expr_keys[] = { "key", "operator", "values", NULL };
        static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist", NULL };
        const YamlNode *exprs;
        size_t n_exprs;
        bool ok;

        if (is_null(n))
                return true;
        if (!expect_type(p, n, YAML_NODE_MAPPING, what))
                return false;
        ok = check_keys(p, n, what, keys);
        if (!check_string_map(p, field(n, "matchLabels"), "matchLabels"))
                ok = false;
        exprs = field(n, "matchExpressions");
        if (!get_list(p, exprs, "matchExpressions", POLICY_MAX_LABELS, "entries", &n_exprs))
                return false;
        for (size_t i = 0; i < n_exprs; i++) {
                const YamlNode *e = exprs->sequence.items[i], *op;
                char **values, *s;
                size_t n_values;
                bool known = false;

                if (!expect_type(p, e, YAML_NODE_MAPPING, "a matchExpressions entry")) {
                        ok = false;
                        continue;
                }
                if (!check_keys(p, e, "a matchExpressions entry", expr_keys))
                        ok = false;
                if (!require(p, e, field(e, "key"), "key", "a matchExpressions entry") ||
                    !get_string(p, field(e, "key"), "key", &s))
                        ok = false;
                op = field(e, "operator");
                if (!require(p, e, op, "operator", "a matchExpressions entry") ||
                    !get_string(p, op, "operator", &s)) {
                        ok = false;
                        continue;
                }
                for (size_t j = 0; ops[j]; j++)
                        known = known || streq(ops[j], s);
                if (!known)
                        ok = p_error(p, op, did_you_mean(p, s, ops),
                                     "unknown operator \"%s\" in matchExpressions", qs(p, s));
                if (!get_string_list(p, field(e, "values"), "values", POLICY_MAX_LABELS, 0, &values,
                                     &n_values))
                        ok = false;
        }
        return ok;
}

/* DNS-1123 subdomain, as Kubernetes requires of object names: dot-separated
 * labels of [a-z0-9-], each starting and ending with a letter or digit. */
static bool policy_name_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > POLICY_MAX_NAME_LENGTH)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                bool label_start = i == 0 || s[i - 1] == '.';
                bool label_end = i == len - 1 || s[i + 1] == '.';

                if (c == '.')
                        continue;
                if (!alnum && c != '-')
                        return false;
                if ((label_start || label_end) && !alnum)
                        return false;
                if (label_start && label_end && c == '.')
                        return false;
        }
        return s[0] != '.' && s[len - 1] != '.' && !strstr(s, "..");
}

static const char *policy_name_hint(Parser *p, const char *s) {
        _cleanup_free_ char *fixed = NULL;
        char *hint, *r;
        size_t len = strlen(s);

        if (len == 0 || len > POLICY_MAX_NAME_LENGTH)
                return NULL;
        fixed = strdup(s);
        if (!fixed) {
                p->oom = true;
                return NULL;
        }
        for (char *c = fixed; *c; c++) {
                if (*c >= 'A' && *c <= 'Z')
                        *c = (char) (*c - 'A' + 'a');
                else if (*c == '_' || *c == ' ')
                        *c = '-';
        }
        if (!policy_name_valid(fixed))
                return "use lowercase letters, digits, '-' and '.', starting and ending with a "
                       "letter or digit";
        if (asprintf(&hint, "did you mean \"%s\"?", fixed) < 0) {
                p->oom = true;
                return NULL;
        }
        r = p_strndup(p, hint, strlen(hint));
        free(hint);
        return r;
}

static bool parse_metadata(Parser *p, const YamlNode *n) {
        static const char *const keys[] = {
                "name",
                "namespace",
                "labels",
                "annotations",
                /* Written by "kubectl get -o yaml": harmless, ignored. */
                "uid",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "managedFields",
                "selfLink",
                "generateName",
                "finalizers",
                "ownerReferences",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                NULL,
        };
        Policy *pol = p->policy;
        const YamlNode *name, *ns;
        bool ok;

        if (!expect_type(p, n, YAML_NODE_MAPPING, "metadata"))
                return false;
        ok = check_keys(p, n, "metadata", keys);
        if (!check_string_map(p, field(n, "labels"), "labels") ||
            !check_string_map(p, field(n, "annotations"), "annotations"))
                ok = false;
        for (size_t i = 4; keys[i]; i++) {
                const YamlNode *k = field_key(n, keys[i]);

                if (k && field(n, keys[i]))
                        p_warning(p, k, NULL, "\"%s\" is Kubernetes bookkeeping, ignoring.",
                                  keys[i]);
        }

        name = field(n, "name");
        if (!require(p, n, name, "name", "metadata"))
                return false;
        if (!get_string(p, name, "metadata.name", &pol->name))
                return false;
        pol->name_pos = node_pos(name);
        if (!policy_name_valid(pol->name)) {
                if (strlen(pol->name) > POLICY_MAX_NAME_LENGTH)
                        ok = p_error(p, name, NULL,
                                     "policy name is %zu bytes, longer than the limit of %u",
                                     strlen(pol->name), POLICY_MAX_NAME_LENGTH);
                else
                        ok = p_error(p, name, policy_name_hint(p, pol->name),
                                     "policy name \"%s\" is not a valid name (DNS-1123: lowercase "
                                     "letters, digits, '-' and '.')",
                                     qs(p, pol->name));
        }

        ns = field(n, "namespace");
        if (ns) {
                if (!get_string(p, ns, "metadata.namespace", &pol->namespace))
                        ok = false;
                else if (pol->kind == POLICY_KIND_TRACING_POLICY)
                        p_warning(
                                p, ns, "use kind TracingPolicyNamespaced for a namespaced policy",
                                "metadata.namespace has no meaning for a TracingPolicy, ignoring.");
        } else if (pol->kind == POLICY_KIND_TRACING_POLICY_NAMESPACED)
                ok = p_error(p, n, NULL, "a TracingPolicyNamespaced needs metadata.namespace");
        return ok;
}

/* ---- lists, options, enforcers, macros ---- */

static int find_list(const Policy *pol, const char *name) {
        for (size_t i = 0; i < pol->n_lists; i++)
                if (pol->lists[i].name && streq(pol->lists[i].name, name))
                        return (int) i;
        return -1;
}

static bool identifier_valid(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '_' && *s != '-' && *s != '.')
                        return false;
        return true;
}

static bool parse_lists(Parser *p, const YamlNode *n) {
        static const char *const keys[] = {
                "name", "type", "values", "pattern", "validated", NULL
        };
        static const char *const types[] = { "syscalls", "generated_syscalls", "generated_ftrace",
                                             NULL };
        Policy *pol = p->policy;
        size_t count;
        bool ok = true;

        if (!get_list(p, n, "lists", POLICY_MAX_LISTS, "lists", &count))
                return false;
        if (count == 0)
                return true;
        pol->lists = p_alloc(p, count, sizeof(PolicyList));
        if (!pol->lists)
                return false;

        for (size_t i = 0; i < count; i++) {
                const YamlNode *e = n->sequence.items[i], *name, *type, *values, *pattern,
                               *validated;
                PolicyList *l = &pol->lists[pol->n_lists];
                bool list_ok = true;

                if (!expect_type(p, e, YAML_NODE_MAPPING, "a list")) {
                        ok = false;
                        continue;
                }
                l->pos = node_pos(e);
                if (!check_keys(p, e, "a list", keys))
                        list_ok = false;

                name = field(e, "name");
                if (!require(p, e, name, "name", "a list") ||
                    !get_string(p, name, "list name", &l->name))
                        list_ok = false;
                else if (!identifier_valid(l->name))
                        list_ok =
                                p_error(p, name, NULL,
                                        "list name \"%s\" must be letters, digits, '_', '-' or '.'",
                                        qs(p, l->name));
                else if (find_list(pol, l->name) >= 0)
                        list_ok = p_error(
                                p, name, NULL, "list \"%s\" is defined twice (first at %u:%u)",
                                qs(p, l->name), pol->lists[find_list(pol, l->name)].pos.line,
                                pol->lists[find_list(pol, l->name)].pos.column);

                type = field(e, "type");
                if (type) {
                        char *s;

                        if (!get_string(p, type, "list type", &s))
                                list_ok = false;
                        else if (streq(s, "syscalls"))
                                l->type = POLICY_LIST_SYSCALLS;
                        else if (streq(s, "generated_syscalls"))
                                l->type = POLICY_LIST_GENERATED_SYSCALLS;
                        else if (streq(s, "generated_ftrace"))
                                l->type = POLICY_LIST_GENERATED_FTRACE;
                        else
                                list_ok = p_error(p, type, did_you_mean(p, s, types),
                                                  "unknown list type \"%s\" (known: syscalls, "
                                                  "generated_syscalls, generated_ftrace)",
                                                  qs(p, s));
                }

                values = field(e, "values");
                if (!get_string_list(p, values, "list values", POLICY_MAX_LIST_VALUES, 0,
                                     &l->values, &l->n_values))
                        list_ok = false;
                pattern = field(e, "pattern");
                if (pattern && !get_string(p, pattern, "pattern", &l->pattern))
                        list_ok = false;
                validated = field(e, "validated");
                if (validated && !get_bool(p, validated, "validated", &l->validated))
                        list_ok = false;

                switch (l->type) {
                case POLICY_LIST_GENERATED_SYSCALLS:
                case POLICY_LIST_GENERATED_FTRACE:
                        if (!l->pattern && l->type == POLICY_LIST_GENERATED_FTRACE)
                                list_ok = p_error(p, e, NULL,
                                                  "a generated_ftrace list needs \"pattern\"");
                        if (values && l->n_values > 0)
                                list_ok = p_error(
                                        p, values, NULL,
                                        "a generated list takes no values: they are generated");
                        break;
                case POLICY_LIST_SYSCALLS:
                        for (size_t j = 0; j < l->n_values; j++)
                                if (l->values[j] && !identifier_valid(l->values[j]))
                                        list_ok = p_error(p, values->sequence.items[j], NULL,
                                                          "\"%s\" is not a system call name",
                                                          qs(p, l->values[j]));
                        __attribute__((fallthrough));
                case POLICY_LIST_PLAIN:
                        if (l->pattern)
                                list_ok = p_error(p, field_key(e, "pattern"), NULL,
                                                  "\"pattern\" is only for generated lists");
                        if (!values ||
                            (values->type == YAML_NODE_SEQUENCE && values->sequence.n_items == 0))
                                list_ok = p_error(p, values ?: e, NULL, "list \"%s\" has no values",
                                                  qs(p, strempty(l->name)));
                        break;
                }

                if (!list_ok)
                        ok = false;
                /* Kept even when wrong, so references to it do not add errors. */
                if (l->name)
                        pol->n_lists++;
        }
        return ok;
}

static bool parse_options(Parser *p, const YamlNode *n) {
        static const char *const keys[] = { "name", "value", NULL };
        static const char *const names[] = {
                "policy-mode", "disable-kprobe-multi", "disable-uprobe-multi", "override-method",
                NULL,
        };
        Policy *pol = p->policy;
        size_t count;
        bool ok = true;

        if (!get_list(p, n, "options", POLICY_MAX_OPTIONS, "options", &count))
                return false;
        for (size_t i = 0; i < count; i++) {
                const YamlNode *e = n->sequence.items[i], *name, *value;
                char *s, *v = NULL;

                if (!expect_type(p, e, YAML_NODE_MAPPING, "an option")) {
                        ok = false;
                        continue;
                }
                if (!check_keys(p, e, "an option", keys))
                        ok = false;
                name = field(e, "name");
                if (!require(p, e, name, "name", "an option") ||
                    !get_string(p, name, "option name", &s)) {
                        ok = false;
                        continue;
                }
                value = field(e, "value");
                if (value && !get_string(p, value, "option value", &v)) {
                        ok = false;
                        continue;
                }

                if (streq(s, "policy-mode")) {
                        if (v && streq(v, "enforce"))
                                pol->mode = POLICY_MODE_ENFORCE;
                        else if (v && streq(v, "monitor"))
                                pol->mode = POLICY_MODE_MONITOR;
                        else
                                ok = p_error(p, value ?: e, NULL,
                                             "option policy-mode must be \"enforce\" or "
                                             "\"monitor\", not \"%s\"",
                                             qs(p, strempty(v)));
                } else if (streq(s, "disable-kprobe-multi") || streq(s, "disable-uprobe-multi")) {
                        bool b;

                        if (v && (streq(v, "true") || streq(v, "1") || streq(v, "t") ||
                                  streq(v, "T") || streq(v, "TRUE") || streq(v, "True")))
                                b = true;
                        else if (v && (streq(v, "false") || streq(v, "0") || streq(v, "f") ||
                                       streq(v, "F") || streq(v, "FALSE") || streq(v, "False")))
                                b = false;
                        else {
                                ok = p_error(p, value ?: e, NULL,
                                             "option %s must be \"true\" or \"false\", not \"%s\"",
                                             s, qs(p, strempty(v)));
                                continue;
                        }
                        if (streq(s, "disable-kprobe-multi"))
                                pol->disable_kprobe_multi = b;
                        else
                                pol->disable_uprobe_multi = b;
                } else if (streq(s, "override-method")) {
                        if (v && streq(v, "override-return"))
                                pol->override_method = POLICY_OVERRIDE_RETURN;
                        else if (v && streq(v, "fmod-ret"))
                                pol->override_method = POLICY_OVERRIDE_FMOD_RET;
                        else
                                ok = p_error(p, value ?: e, NULL,
                                             "option override-method must be \"override-return\" "
                                             "or \"fmod-ret\", not \"%s\"",
                                             qs(p, strempty(v)));
                } else {
                        const char *hint = did_you_mean(p, s, names);

                        p_warning(p, name, NULL, "unknown option \"%s\"%s%s%s, ignoring.", qs(p, s),
                                  hint ? " (" : "", strempty(hint), hint ? ")" : "");
                }
        }
        return ok;
}

/* "list:NAME" references: the list must exist. Returns its index, or -1. */
static int resolve_list_ref(Parser *p, const YamlNode *n, const char *name, bool syscalls_only) {
        Policy *pol = p->policy;
        int idx;

        idx = find_list(pol, name);
        if (idx < 0) {
                const char *names[POLICY_MAX_LISTS + 1] = {};

                for (size_t i = 0; i < pol->n_lists; i++)
                        names[i] = pol->lists[i].name;
                p_error(p, n, did_you_mean(p, name, names), "no list named \"%s\" in spec.lists",
                        qs(p, name));
                return -1;
        }
        if (syscalls_only && pol->lists[idx].type != POLICY_LIST_SYSCALLS &&
            pol->lists[idx].type != POLICY_LIST_GENERATED_SYSCALLS) {
                p_error(p, n, NULL, "list \"%s\" is not a list of system calls (type syscalls)",
                        qs(p, name));
                return -1;
        }
        return idx;
}

static bool parse_enforcers(Parser *p, const YamlNode *n) {
        static const char *const keys[] = { "calls", NULL };
        Policy *pol = p->policy;
        size_t count;
        bool ok = true;

        if (!get_list(p, n, "enforcers", 1, "enforcer (Tetragon allows one)", &count))
                return false;
        if (count == 0)
                return true;
        pol->enforcers = p_alloc(p, count, sizeof(PolicyEnforcer));
        if (!pol->enforcers)
                return false;
        for (size_t i = 0; i < count; i++) {
                const YamlNode *e = n->sequence.items[i], *calls;
                PolicyEnforcer *enf = &pol->enforcers[pol->n_enforcers];

                if (!expect_type(p, e, YAML_NODE_MAPPING, "an enforcer")) {
                        ok = false;
                        continue;
                }
                enf->pos = node_pos(e);
                if (!check_keys(p, e, "an enforcer", keys))
                        ok = false;
                calls = field(e, "calls");
                if (!require(p, e, calls, "calls", "an enforcer") ||
                    !get_string_list(p, calls, "calls", POLICY_MAX_LIST_VALUES, 0, &enf->calls,
                                     &enf->n_calls)) {
                        ok = false;
                        continue;
                }
                if (enf->n_calls == 0)
                        ok = p_error(p, calls, NULL, "an enforcer needs at least one call");
                for (size_t j = 0; j < enf->n_calls; j++) {
                        const char *c = enf->calls[j], *ref;

                        if (!c)
                                continue;
                        ref = startswith(c, "list:");
                        if (ref) {
                                if (resolve_list_ref(p, calls->sequence.items[j], ref, true) < 0)
                                        ok = false;
                        } else if (!identifier_valid(c))
                                ok = p_error(p, calls->sequence.items[j], NULL,
                                             "\"%s\" is not a system call name", qs(p, c));
                }
                pol->n_enforcers++;
        }
        return ok;
}

static bool parse_macros(Parser *p, const YamlNode *n) {
        Policy *pol = p->policy;
        bool ok = true;

        if (is_null(n))
                return true;
        if (!expect_type(p, n, YAML_NODE_MAPPING, "selectorsMacros"))
                return false;
        if (n->mapping.n_pairs > POLICY_MAX_MACROS)
                return p_error(p, n, NULL,
                               "selectorsMacros has %zu macros, more than the limit of %u",
                               n->mapping.n_pairs, POLICY_MAX_MACROS);
        pol->macros = p_alloc(p, n->mapping.n_pairs, sizeof(PolicyMacro));
        p->macro_nodes = p_alloc(p, n->mapping.n_pairs, sizeof(YamlNode *));
        if (!pol->macros || !p->macro_nodes)
                return false;
        for (size_t i = 0; i < n->mapping.n_pairs; i++) {
                const YamlNode *k = n->mapping.pairs[i].key, *v = n->mapping.pairs[i].value;
                bool dup = false;

                if (k->type != YAML_NODE_SCALAR || k->scalar.null || k->scalar.length == 0) {
                        ok = p_error(p, k, NULL, "macro names must be strings, not %s",
                                     describe_node(k));
                        continue;
                }
                for (size_t j = 0; j < pol->n_macros; j++)
                        if (streq(pol->macros[j].name, k->scalar.value)) {
                                ok = p_error(p, k, NULL,
                                             "macro \"%s\" is defined twice (first at %u:%u)",
                                             qn(p, k), pol->macros[j].pos.line,
                                             pol->macros[j].pos.column);
                                dup = true;
                        }
                if (dup)
                        continue;
                if (!is_null(v) && !expect_type(p, v, YAML_NODE_MAPPING, "a selector macro")) {
                        ok = false;
                        continue;
                }
                pol->macros[pol->n_macros] = (PolicyMacro){
                        .pos = node_pos(k),
                        .name = p_strndup(p, k->scalar.value, k->scalar.length),
                };
                p->macro_nodes[pol->n_macros++] = v;
        }
        return ok;
}

/* ---- filter values ---- */

typedef struct NamedNumber {
        const char *name;
        uint32_t value;
} NamedNumber;

static const NamedNumber protocols[] = {
        { "IPPROTO_IP", 0 },        { "IPPROTO_ICMP", 1 },    { "IPPROTO_IGMP", 2 },
        { "IPPROTO_IPIP", 4 },      { "IPPROTO_TCP", 6 },     { "IPPROTO_EGP", 8 },
        { "IPPROTO_PUP", 12 },      { "IPPROTO_UDP", 17 },    { "IPPROTO_IDP", 22 },
        { "IPPROTO_TP", 29 },       { "IPPROTO_DCCP", 33 },   { "IPPROTO_IPV6", 41 },
        { "IPPROTO_RSVP", 46 },     { "IPPROTO_GRE", 47 },    { "IPPROTO_ESP", 50 },
        { "IPPROTO_AH", 51 },       { "IPPROTO_ICMPV6", 58 }, { "IPPROTO_MTP", 92 },
        { "IPPROTO_BEETPH", 94 },   { "IPPROTO_ENCAP", 98 },  { "IPPROTO_PIM", 103 },
        { "IPPROTO_COMP", 108 },    { "IPPROTO_L2TP", 115 },  { "IPPROTO_SCTP", 132 },
        { "IPPROTO_UDPLITE", 136 }, { "IPPROTO_MPLS", 137 },  { "IPPROTO_ETHERNET", 143 },
        { "IPPROTO_RAW", 255 },     { "IPPROTO_MPTCP", 262 }, {},
};

static const NamedNumber families[] = {
        { "AF_UNSPEC", 0 },    { "AF_UNIX", 1 },        { "AF_LOCAL", 1 },
        { "AF_INET", 2 },      { "AF_AX25", 3 },        { "AF_IPX", 4 },
        { "AF_APPLETALK", 5 }, { "AF_NETROM", 6 },      { "AF_BRIDGE", 7 },
        { "AF_ATMPVC", 8 },    { "AF_X25", 9 },         { "AF_INET6", 10 },
        { "AF_ROSE", 11 },     { "AF_DECnet", 12 },     { "AF_NETBEUI", 13 },
        { "AF_SECURITY", 14 }, { "AF_KEY", 15 },        { "AF_NETLINK", 16 },
        { "AF_PACKET", 17 },   { "AF_ASH", 18 },        { "AF_ECONET", 19 },
        { "AF_ATMSVC", 20 },   { "AF_RDS", 21 },        { "AF_SNA", 22 },
        { "AF_IRDA", 23 },     { "AF_PPPOX", 24 },      { "AF_WANPIPE", 25 },
        { "AF_LLC", 26 },      { "AF_IB", 27 },         { "AF_MPLS", 28 },
        { "AF_CAN", 29 },      { "AF_TIPC", 30 },       { "AF_BLUETOOTH", 31 },
        { "AF_IUCV", 32 },     { "AF_RXRPC", 33 },      { "AF_ISDN", 34 },
        { "AF_PHONET", 35 },   { "AF_IEEE802154", 36 }, { "AF_CAIF", 37 },
        { "AF_ALG", 38 },      { "AF_NFC", 39 },        { "AF_VSOCK", 40 },
        { "AF_KCM", 41 },      { "AF_QIPCRTR", 42 },    { "AF_SMC", 43 },
        { "AF_XDP", 44 },      { "AF_MCTP", 45 },       {},
};

static const NamedNumber tcp_states[] = {
        { "TCP_ESTABLISHED", 1 },
        { "TCP_SYN_SENT", 2 },
        { "TCP_SYN_RECV", 3 },
        { "TCP_FIN_WAIT1", 4 },
        { "TCP_FIN_WAIT2", 5 },
        { "TCP_TIME_WAIT", 6 },
        { "TCP_CLOSE", 7 },
        { "TCP_CLOSE_WAIT", 8 },
        { "TCP_LAST_ACK", 9 },
        { "TCP_LISTEN", 10 },
        { "TCP_CLOSING", 11 },
        { "TCP_NEW_SYN_RECV", 12 },
        {},
};

/* Values of FileType: the S_IFMT kinds. */
static const NamedNumber file_types[] = {
        { "reg", S_IFREG }, { "dir", S_IFDIR }, { "lnk", S_IFLNK },  { "sock", S_IFSOCK },
        { "chr", S_IFCHR }, { "blk", S_IFBLK }, { "fifo", S_IFIFO }, {},
};

static bool named_number(const NamedNumber *table, const char *s, uint32_t *ret) {
        for (size_t i = 0; table[i].name; i++)
                if (streq(table[i].name, s)) {
                        *ret = table[i].value;
                        return true;
                }
        return false;
}

static const char *named_number_hint(Parser *p, const NamedNumber *table, const char *s) {
        const char *names[64] = {};
        size_t n = 0;

        for (size_t i = 0; table[i].name && n < ELEMENTSOF(names) - 1; i++)
                names[n++] = table[i].name;
        return did_you_mean(p, s, names);
}

static bool op_is_integer_class(PolicyArgClass c) {
        return c == POLICY_ARG_CLASS_SIGNED || c == POLICY_ARG_CLASS_UNSIGNED;
}

static bool type_is_socket(PolicyArgType t) {
        return t == POLICY_ARG_SOCK || t == POLICY_ARG_SOCKET || t == POLICY_ARG_SKB;
}

static bool op_applies(PolicyOperator op, PolicyArgType t) {
        PolicyArgClass c = policy_arg_type_class(t);
        bool integer = op_is_integer_class(c);

        /* The type comes from BTF at load time: checked then. */
        if (t == POLICY_ARG_AUTO)
                return op != POLICY_OP_IN && op != POLICY_OP_NOT_IN && op != POLICY_OP_INVALID;

        switch (op) {
        case POLICY_OP_EQUAL:
        case POLICY_OP_NOT_EQUAL:
                return integer || c == POLICY_ARG_CLASS_STRING || c == POLICY_ARG_CLASS_FILE ||
                       c == POLICY_ARG_CLASS_CAPABILITY || t == POLICY_ARG_NET_DEVICE ||
                       t == POLICY_ARG_SOCKADDR_UN;
        case POLICY_OP_PREFIX:
        case POLICY_OP_NOT_PREFIX:
                return c == POLICY_ARG_CLASS_STRING || c == POLICY_ARG_CLASS_FILE ||
                       t == POLICY_ARG_SOCKADDR_UN;
        case POLICY_OP_POSTFIX:
        case POLICY_OP_NOT_POSTFIX:
                return c == POLICY_ARG_CLASS_STRING || c == POLICY_ARG_CLASS_FILE;
        case POLICY_OP_GREATER_THAN:
        case POLICY_OP_LESS_THAN:
        case POLICY_OP_IN_RANGE:
        case POLICY_OP_NOT_IN_RANGE:
        case POLICY_OP_IN_MAP:
        case POLICY_OP_NOT_IN_MAP:
                return integer;
        case POLICY_OP_MASK:
                return integer || c == POLICY_ARG_CLASS_CAPABILITY;
        case POLICY_OP_SPORT:
        case POLICY_OP_NOT_SPORT:
        case POLICY_OP_SPORT_PRIV:
        case POLICY_OP_NOT_SPORT_PRIV:
        case POLICY_OP_SADDR:
        case POLICY_OP_NOT_SADDR:
                return type_is_socket(t) || t == POLICY_ARG_SOCKADDR;
        case POLICY_OP_FAMILY:
                return type_is_socket(t) || t == POLICY_ARG_SOCKADDR || t == POLICY_ARG_SOCKADDR_UN;
        case POLICY_OP_DPORT:
        case POLICY_OP_NOT_DPORT:
        case POLICY_OP_DPORT_PRIV:
        case POLICY_OP_NOT_DPORT_PRIV:
        case POLICY_OP_DADDR:
        case POLICY_OP_NOT_DADDR:
        case POLICY_OP_PROTOCOL:
        case POLICY_OP_STATE:
                return type_is_socket(t);
        case POLICY_OP_CAPABILITIES_GAINED:
                return c == POLICY_ARG_CLASS_CAPABILITY;
        case POLICY_OP_SUBSTRING:
        case POLICY_OP_SUBSTRING_IGNORE_CASE:
                return c == POLICY_ARG_CLASS_STRING;
        case POLICY_OP_FILE_TYPE:
        case POLICY_OP_NOT_FILE_TYPE:
                return t == POLICY_ARG_FILE || t == POLICY_ARG_PATH;
        case POLICY_OP_SAME_FILE:
        case POLICY_OP_NOT_SAME_FILE:
                return c == POLICY_ARG_CLASS_FILE && t != POLICY_ARG_FILENAME;
        case POLICY_OP_CEL_EXPR:
                return true;
        case POLICY_OP_IN:
        case POLICY_OP_NOT_IN:
        case POLICY_OP_INVALID:
        case _POLICY_OP_MAX:
                return false;
        }
        return false;
}

/* "operators for "int": Equal, NotEqual, ..." */
static const char *operators_for_hint(Parser *p, PolicyArgType t) {
        char buf[1024];
        size_t o;
        int n;

        n = snprintf(buf, sizeof(buf), "operators for \"%s\":", policy_arg_type_to_string(t));
        o = (size_t) MAX(n, 0);
        for (unsigned op = 1; op < _POLICY_OP_MAX && o < sizeof(buf); op++)
                if (op != POLICY_OP_CEL_EXPR && op_applies(op, t)) {
                        n = snprintf(buf + o, sizeof(buf) - o, "%s %s",
                                     o > 0 && buf[o - 1] != ':' ? "," : "",
                                     policy_operator_to_string(op));
                        o += (size_t) MAX(n, 0);
                }
        if (o < sizeof(buf) && buf[o - 1] == ':')
                return "no operator compares this type; only print it";
        return p_strndup(p, buf, MIN(o, sizeof(buf) - 1));
}

static bool value_text(Parser *p, const YamlNode *n, PolicyValue *v) {
        if (n->type != YAML_NODE_SCALAR || n->scalar.null)
                return p_error(p, n, template_hint(p, n),
                               "a value must be a string or a number, not %s", describe_node(n));
        v->pos = node_pos(n);
        v->text = n->scalar.value; /* lives in the tree's arena until copied below */
        v->text_length = n->scalar.length;
        return true;
}

static bool value_number(Parser *p, const YamlNode *n, PolicyArgType t, PolicyValue *v) {
        unsigned bits = policy_arg_type_bits(t);
        bool is_signed = policy_arg_type_class(t) == POLICY_ARG_CLASS_SIGNED;

        if (memchr(v->text, '\0', v->text_length) ||
            !parse_integer(v->text, bits ?: 64, is_signed, &v->number))
                return p_error(p, n, NULL, "value \"%s\" is not a valid %s (%s %u-bit integer)",
                               q(p, v->text, v->text_length), policy_arg_type_to_string(t),
                               is_signed ? "a signed" : "an unsigned", bits ?: 64);
        v->kind = POLICY_VALUE_NUMBER;
        return true;
}

static bool value_range(Parser *p, const YamlNode *n, PolicyArgType t, bool single_ok,
                        PolicyValue *v) {
        unsigned bits = policy_arg_type_bits(t) ?: 64;
        bool is_signed = policy_arg_type_class(t) == POLICY_ARG_CLASS_SIGNED;
        _cleanup_free_ char *lo = NULL;
        const char *colon;

        if (memchr(v->text, '\0', v->text_length))
                return p_error(p, n, NULL, "value must not contain a NUL byte");
        colon = strchr(v->text, ':');
        if (!colon) {
                if (!single_ok)
                        return p_error(p, n, "write it as \"min:max\"",
                                       "value \"%s\" is not a range",
                                       q(p, v->text, v->text_length));
                if (!value_number(p, n, t, v))
                        return false;
                v->kind = POLICY_VALUE_RANGE;
                v->number_end = v->number;
                return true;
        }
        lo = strndup(v->text, (size_t) (colon - v->text));
        if (!lo) {
                p->oom = true;
                return false;
        }
        if (!parse_integer(lo, bits, is_signed, &v->number) ||
            !parse_integer(colon + 1, bits, is_signed, &v->number_end))
                return p_error(p, n, NULL, "range \"%s\" needs two %u-bit integers as \"min:max\"",
                               q(p, v->text, v->text_length), bits);
        if (is_signed ? (int64_t) v->number > (int64_t) v->number_end : v->number > v->number_end)
                return p_error(p, n, NULL, "range \"%s\" is empty: min is greater than max",
                               q(p, v->text, v->text_length));
        v->kind = POLICY_VALUE_RANGE;
        return true;
}

static bool value_capabilities(Parser *p, const YamlNode *n, PolicyValue *v) {
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (parse_uint64(v->text, &v->number)) {
                v->kind = POLICY_VALUE_NUMBER;
                return true;
        }
        copy = strndup(v->text, v->text_length);
        if (!copy) {
                p->oom = true;
                return false;
        }
        v->number = 0;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                int cap;

                while (isspace((unsigned char) *tok))
                        tok++;
                for (size_t l = strlen(tok); l > 0 && isspace((unsigned char) tok[l - 1]); l--)
                        tok[l - 1] = '\0';
                cap = policy_capability_from_string(tok);
                if (cap < 0)
                        return p_error(p, n, NULL,
                                       "\"%s\" is not a capability (such as CAP_SYS_ADMIN)",
                                       qs(p, tok));
                v->number |= UINT64_C(1) << cap;
        }
        v->kind = POLICY_VALUE_NUMBER;
        return true;
}

static bool value_string(Parser *p, const YamlNode *n, PolicyArgType t, size_t max,
                         PolicyValue *v) {
        size_t len = v->text_length;

        /* Tetragon's examples end strings with "\0" for string arguments. */
        if (t == POLICY_ARG_STRING && len > 0 && v->text[len - 1] == '\0')
                len--;
        if (memchr(v->text, '\0', len))
                return p_error(p, n, NULL, "value must not contain a NUL byte");
        if (len > max)
                return p_error(p, n, NULL,
                               "value is %zu bytes, longer than the limit of %zu for this operator",
                               len, max);
        v->kind = POLICY_VALUE_STRING;
        v->text_length = len;
        return true;
}

static bool value_port(Parser *p, const YamlNode *n, PolicyValue *v) {
        const char *colon = memchr(v->text, ':', v->text_length);
        _cleanup_free_ char *lo = NULL;

        if (memchr(v->text, '\0', v->text_length))
                return p_error(p, n, NULL, "value must not contain a NUL byte");
        lo = strndup(v->text, colon ? (size_t) (colon - v->text) : v->text_length);
        if (!lo) {
                p->oom = true;
                return false;
        }
        if (!parse_integer(lo, 16, false, &v->number) ||
            (colon && !parse_integer(colon + 1, 16, false, &v->number_end)))
                return p_error(p, n, NULL,
                               "\"%s\" is not a port (0 to 65535) or a port range \"min:max\"",
                               q(p, v->text, v->text_length));
        if (!colon)
                v->number_end = v->number;
        if (v->number > v->number_end)
                return p_error(p, n, NULL, "port range \"%s\" is empty: min is greater than max",
                               q(p, v->text, v->text_length));
        v->kind = POLICY_VALUE_RANGE;
        return true;
}

static bool value_address(Parser *p, const YamlNode *n, PolicyValue *v) {
        char addr[INET6_ADDRSTRLEN + 8];
        const char *slash;
        size_t len;
        unsigned max_prefix;

        if (memchr(v->text, '\0', v->text_length) || v->text_length >= sizeof(addr))
                goto invalid;
        slash = strchr(v->text, '/');
        len = slash ? (size_t) (slash - v->text) : v->text_length;
        memcpy(addr, v->text, len);
        addr[len] = '\0';
        if (inet_pton(AF_INET, addr, v->address) == 1) {
                v->family = AF_INET;
                max_prefix = 32;
        } else if (inet_pton(AF_INET6, addr, v->address) == 1) {
                v->family = AF_INET6;
                max_prefix = 128;
        } else
                goto invalid;
        v->prefix_length = (uint8_t) max_prefix;
        if (slash) {
                uint64_t prefix;

                if (!slash[1] || !isdigit((unsigned char) slash[1]) ||
                    !parse_integer(slash + 1, 16, false, &prefix) || prefix > max_prefix)
                        return p_error(p, n, NULL, "\"%s\" has a bad prefix length (0 to %u)",
                                       q(p, v->text, v->text_length), max_prefix);
                v->prefix_length = (uint8_t) prefix;
        }
        v->kind = POLICY_VALUE_ADDRESS;
        return true;

invalid:
        return p_error(p, n, NULL,
                       "\"%s\" is not an IPv4 or IPv6 address or CIDR (such as 10.0.0.0/8)",
                       q(p, v->text, v->text_length));
}

static bool value_named(Parser *p, const YamlNode *n, const NamedNumber *table, const char *what,
                        PolicyValue *v) {
        uint32_t x;

        if (named_number(table, v->text, &x)) {
                v->number = x;
        } else if (!parse_integer(v->text, 32, false, &v->number))
                return p_error(p, n, named_number_hint(p, table, v->text),
                               "\"%s\" is not a %s name or number", q(p, v->text, v->text_length),
                               what);
        v->number_end = v->number;
        v->kind = POLICY_VALUE_NUMBER;
        return true;
}

static bool value_list_ref(Parser *p, const YamlNode *n, PolicyArgType t, PolicyValue *v) {
        const char *name = startswith(v->text, "list:");
        int idx;

        idx = resolve_list_ref(p, n, name, t == POLICY_ARG_SYSCALL64);
        if (idx < 0)
                return false;
        v->list = (uint32_t) idx;
        v->kind = POLICY_VALUE_LIST;
        return true;
}

/* Parses the values of one matchArgs/matchData/matchReturnArgs entry, whose
 * operator and argument type are known. */
static bool parse_filter_values(Parser *p, const YamlNode *entry, const YamlNode *values,
                                PolicyArgFilter *f) {
        PolicyArgClass c = policy_arg_type_class(f->type);
        size_t count, max = POLICY_MAX_VALUES;
        bool ok = true, takes_values = true;

        takes_values = f->op != POLICY_OP_SPORT_PRIV && f->op != POLICY_OP_NOT_SPORT_PRIV &&
                       f->op != POLICY_OP_DPORT_PRIV && f->op != POLICY_OP_NOT_DPORT_PRIV &&
                       f->op != POLICY_OP_CAPABILITIES_GAINED;
        /* Numbers compared one by one in the kernel: few of them. */
        if ((f->op == POLICY_OP_EQUAL || f->op == POLICY_OP_NOT_EQUAL ||
             f->op == POLICY_OP_GREATER_THAN || f->op == POLICY_OP_LESS_THAN ||
             f->op == POLICY_OP_MASK || f->op == POLICY_OP_IN_RANGE ||
             f->op == POLICY_OP_NOT_IN_RANGE) &&
            (op_is_integer_class(c) || c == POLICY_ARG_CLASS_CAPABILITY))
                max = POLICY_MAX_NUMERIC_VALUES;
        if (f->op == POLICY_OP_SAME_FILE || f->op == POLICY_OP_NOT_SAME_FILE) {
                /* Compared one by one in the kernel, like numbers. */
                max = POLICY_MAX_NUMERIC_VALUES;
                p_warning(p, entry,
                          "Tetragon refuses this policy; tetragond matches the files' "
                          "device and inode, taken when the policy is installed",
                          "operator \"%s\" is a tetragond extension",
                          policy_operator_to_string(f->op));
        }

        if (!takes_values) {
                if (values && !is_null(values) &&
                    (values->type != YAML_NODE_SEQUENCE || values->sequence.n_items > 0))
                        p_warning(p, values, NULL, "operator \"%s\" takes no values, ignoring.",
                                  policy_operator_to_string(f->op));
                return true;
        }
        if (!values)
                return p_error(p, entry, NULL, "operator \"%s\" needs \"values\"",
                               policy_operator_to_string(f->op));
        if (!get_list(p, values, "values", 0, NULL, &count))
                return false;
        if (count == 0)
                return p_error(p, values, NULL, "operator \"%s\" needs at least one value",
                               policy_operator_to_string(f->op));
        if (count > max)
                return p_error(
                        p, values,
                        max == POLICY_MAX_NUMERIC_VALUES
                                ? "for more numbers, use the InMap operator"
                                : NULL,
                        "%zu values, more than the limit of %zu for operator \"%s\" on type \"%s\"",
                        count, max, policy_operator_to_string(f->op),
                        policy_arg_type_to_string(f->type));

        f->values = p_alloc(p, count, sizeof(PolicyValue));
        if (!f->values)
                return false;
        f->n_values = count;

        for (size_t i = 0; i < count; i++) {
                const YamlNode *n = values->sequence.items[i];
                PolicyValue *v = &f->values[i];
                bool value_ok = false;

                if (!value_text(p, n, v)) {
                        ok = false;
                        continue;
                }

                switch (f->op) {
                case POLICY_OP_EQUAL:
                case POLICY_OP_NOT_EQUAL:
                        if (op_is_integer_class(c))
                                value_ok = value_number(p, n, f->type, v);
                        else if (c == POLICY_ARG_CLASS_CAPABILITY)
                                value_ok = value_capabilities(p, n, v);
                        else
                                value_ok = value_string(p, n, f->type, POLICY_MAX_STRING_VALUE, v);
                        break;
                case POLICY_OP_GREATER_THAN:
                case POLICY_OP_LESS_THAN:
                        value_ok = f->type == POLICY_ARG_AUTO
                                           ? value_string(p, n, f->type, POLICY_MAX_STRING_VALUE, v)
                                           : value_number(p, n, f->type, v);
                        break;
                case POLICY_OP_MASK:
                        if (c == POLICY_ARG_CLASS_CAPABILITY)
                                value_ok = value_capabilities(p, n, v);
                        else if (f->type == POLICY_ARG_AUTO)
                                value_ok = value_string(p, n, f->type, POLICY_MAX_STRING_VALUE, v);
                        else
                                value_ok = value_number(p, n, f->type, v);
                        break;
                case POLICY_OP_IN_RANGE:
                case POLICY_OP_NOT_IN_RANGE:
                        value_ok = value_range(p, n, f->type, false, v);
                        break;
                case POLICY_OP_IN_MAP:
                case POLICY_OP_NOT_IN_MAP:
                        if (startswith(v->text, "list:"))
                                value_ok = value_list_ref(p, n, f->type, v);
                        else
                                value_ok = value_range(p, n, f->type, true, v);
                        break;
                case POLICY_OP_PREFIX:
                case POLICY_OP_NOT_PREFIX:
                        value_ok = value_string(p, n, f->type, POLICY_MAX_STRING_VALUE, v);
                        break;
                case POLICY_OP_POSTFIX:
                case POLICY_OP_NOT_POSTFIX:
                        value_ok = value_string(p, n, f->type, POLICY_MAX_POSTFIX_VALUE, v);
                        break;
                case POLICY_OP_SUBSTRING:
                case POLICY_OP_SUBSTRING_IGNORE_CASE:
                        value_ok = value_string(p, n, f->type, POLICY_MAX_SUBSTRING_VALUE, v);
                        break;
                case POLICY_OP_SPORT:
                case POLICY_OP_NOT_SPORT:
                case POLICY_OP_DPORT:
                case POLICY_OP_NOT_DPORT:
                        value_ok = value_port(p, n, v);
                        break;
                case POLICY_OP_SADDR:
                case POLICY_OP_NOT_SADDR:
                case POLICY_OP_DADDR:
                case POLICY_OP_NOT_DADDR:
                        value_ok = value_address(p, n, v);
                        break;
                case POLICY_OP_PROTOCOL:
                        value_ok = value_named(p, n, protocols, "protocol (IPPROTO_*)", v);
                        break;
                case POLICY_OP_FAMILY:
                        value_ok = value_named(p, n, families, "address family (AF_*)", v);
                        break;
                case POLICY_OP_STATE:
                        value_ok = value_named(p, n, tcp_states, "TCP state (TCP_*)", v);
                        break;
                case POLICY_OP_FILE_TYPE:
                case POLICY_OP_NOT_FILE_TYPE: {
                        uint32_t x;

                        value_ok = named_number(file_types, v->text, &x);
                        if (value_ok) {
                                v->kind = POLICY_VALUE_NUMBER;
                                v->number = x;
                        } else
                                p_error(p, n, named_number_hint(p, file_types, v->text),
                                        "\"%s\" is not a file type (reg, dir, lnk, sock, chr, blk, "
                                        "fifo)",
                                        q(p, v->text, v->text_length));
                        break;
                }
                case POLICY_OP_CEL_EXPR:
                        value_ok = value_string(p, n, POLICY_ARG_CHAR_BUF,
                                                YAML_TREE_MAX_SCALAR_LENGTH, v);
                        break;
                case POLICY_OP_SAME_FILE:
                case POLICY_OP_NOT_SAME_FILE:
                        value_ok = value_string(p, n, f->type, POLICY_MAX_STRING_VALUE, v);
                        if (value_ok && v->text[0] != '/')
                                value_ok = p_error(p, n, NULL,
                                                   "\"%s\" is not an absolute path: operator "
                                                   "\"%s\" names files by their absolute path",
                                                   q(p, v->text, v->text_length),
                                                   policy_operator_to_string(f->op));
                        break;
                case POLICY_OP_SPORT_PRIV:
                case POLICY_OP_NOT_SPORT_PRIV:
                case POLICY_OP_DPORT_PRIV:
                case POLICY_OP_NOT_DPORT_PRIV:
                case POLICY_OP_CAPABILITIES_GAINED:
                case POLICY_OP_IN:
                case POLICY_OP_NOT_IN:
                case POLICY_OP_INVALID:
                case _POLICY_OP_MAX:
                        value_ok = false; /* refused before values are read */
                        break;
                }
                if (!value_ok) {
                        ok = false;
                        continue;
                }
                /* Own the text: the YAML tree goes away after parsing. */
                v->text = p_strndup(p, v->text, v->text_length);
                if (!v->text)
                        return false;
        }
        return ok;
}

/* ---- arguments ---- */

static uint32_t max_arg_index(PolicyHookKind kind) {
        switch (kind) {
        case POLICY_HOOK_KPROBE:
        case POLICY_HOOK_FENTRY:
        case POLICY_HOOK_LSM:
        case POLICY_HOOK_UPROBE:
                return POLICY_MAX_FUNCTION_ARG_INDEX;
        case POLICY_HOOK_TRACEPOINT:
                return POLICY_MAX_TRACEPOINT_FIELD;
        case POLICY_HOOK_USDT:
                return POLICY_MAX_USDT_ARG_INDEX;
        case _POLICY_HOOK_KIND_MAX:
                break;
        }
        return 0;
}

typedef enum ArgRole {
        ARG_ROLE_ARG,
        ARG_ROLE_DATA,
        ARG_ROLE_RETURN,
} ArgRole;

static bool parse_arg(Parser *p, const YamlNode *e, PolicyHookKind kind, ArgRole role,
                      PolicyArg *a) {
        static const char *const keys[] = {
                "index",        "type",    "label",         "maxData", "resolve", "returnCopy",
                "sizeArgIndex", "btfType", "btfTypeModule", "source",  NULL,
        };
        const char *what = role == ARG_ROLE_RETURN ? "returnArg"
                           : role == ARG_ROLE_DATA ? "a data entry"
                                                   : "an argument";
        const YamlNode *index, *type, *x;
        bool ok;

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        a->pos = node_pos(e);
        ok = check_keys(p, e, what, keys);

        index = field(e, "index");
        if (!require(p, e, index, "index", what) || !get_u32(p, index, "index", &a->index))
                ok = false;
        else if (role == ARG_ROLE_ARG && a->index > max_arg_index(kind))
                ok = p_error(p, index, NULL,
                             "argument index %" PRIu32
                             " is out of range: %s arguments go from 0 to %" PRIu32,
                             a->index, policy_hook_kind_to_string(kind), max_arg_index(kind));

        a->type = POLICY_ARG_AUTO;
        type = field(e, "type");
        if (type) {
                char *s;
                int t;

                if (!get_string(p, type, "type", &s))
                        ok = false;
                else if ((t = policy_arg_type_from_string(s)) < 0)
                        ok = p_error(p, type, did_you_mean(p, s, policy_arg_type_names),
                                     "unknown argument type \"%s\"", qs(p, s));
                else
                        a->type = (PolicyArgType) t;
                a->type_pos = node_pos(type);
        } else
                a->type_pos = a->pos;

        if ((x = field(e, "label")) && !get_string(p, x, "label", &a->label))
                ok = false;
        if ((x = field(e, "resolve")) && !get_string(p, x, "resolve", &a->resolve))
                ok = false;
        if ((x = field(e, "btfType")) && !get_string(p, x, "btfType", &a->btf_type))
                ok = false;
        if ((x = field(e, "btfTypeModule")) &&
            !get_string(p, x, "btfTypeModule", &a->btf_type_module))
                ok = false;
        if ((x = field(e, "source"))) {
                if (!get_string(p, x, "source", &a->source))
                        ok = false;
                else if (role != ARG_ROLE_DATA)
                        ok = p_error(p, field_key(e, "source"), NULL,
                                     "\"source\" is only for data entries");
                else if (!streq(a->source, "current_task") && !streq(a->source, "pt_regs"))
                        ok = p_error(p, x, NULL,
                                     "unknown data source \"%s\" (known: current_task, pt_regs)",
                                     qs(p, a->source));
        }
        if (a->resolve) {
                /* field.field[N].field */
                for (const char *c = a->resolve; *c; c++)
                        if (!isalnum((unsigned char) *c) && !strchr("_.[]", *c)) {
                                ok = p_error(p, field(e, "resolve"), NULL,
                                             "resolve path \"%s\" may only hold field names, '.' "
                                             "and [index]",
                                             qs(p, a->resolve));
                                break;
                        }
        }

        if ((x = field(e, "returnCopy")) && !get_bool(p, x, "returnCopy", &a->return_copy))
                ok = false;
        if ((x = field(e, "maxData")) && !get_bool(p, x, "maxData", &a->max_data))
                ok = false;
        if (a->return_copy && a->type != POLICY_ARG_CHAR_BUF && a->type != POLICY_ARG_CHAR_IOVEC &&
            a->type != POLICY_ARG_IOV_ITER)
                p_warning(p, field_key(e, "returnCopy"), NULL,
                          "returnCopy only applies to char_buf, char_iovec and iov_iter arguments, "
                          "ignoring.");
        if (a->max_data && a->type != POLICY_ARG_CHAR_BUF && a->type != POLICY_ARG_CHAR_IOVEC &&
            a->type != POLICY_ARG_IOV_ITER)
                p_warning(p, field_key(e, "maxData"), NULL,
                          "maxData only applies to char_buf, char_iovec and iov_iter arguments, "
                          "ignoring.");

        if (a->type == POLICY_ARG_CHAR_BUF && !a->return_copy && !field(e, "sizeArgIndex"))
                p_warning(p, type, "add sizeArgIndex (the size argument's index + 1) or returnCopy",
                          "a char_buf without sizeArgIndex or returnCopy is read as no bytes, as "
                          "Tetragon reads it");
        if ((x = field(e, "sizeArgIndex"))) {
                if (!get_u32(p, x, "sizeArgIndex", &a->size_arg_index))
                        ok = false;
                else if (a->type != POLICY_ARG_CHAR_BUF && a->type != POLICY_ARG_CHAR_IOVEC) {
                        p_warning(p, field_key(e, "sizeArgIndex"), NULL,
                                  "sizeArgIndex only applies to char_buf and char_iovec arguments, "
                                  "ignoring.");
                        a->size_arg_index = 0;
                } else if (a->size_arg_index == 0)
                        p_warning(p, x,
                                  "it counts from 1: the argument at index 2 is sizeArgIndex 3",
                                  "sizeArgIndex 0 means no size argument, ignoring.");
        }
        return ok;
}

/* sizeArgIndex points at another argument of the same call (1-based). */
static bool check_size_arg(Parser *p, const YamlNode *e, const PolicyHook *h, PolicyArg *a) {
        const YamlNode *x = field(e, "sizeArgIndex");
        uint32_t target, max = max_arg_index(h->kind);

        if (a->size_arg_index == 0)
                return true;
        target = a->size_arg_index - 1;
        if (target > max)
                return p_error(p, x, "it counts from 1: the argument at index 2 is sizeArgIndex 3",
                               "sizeArgIndex %" PRIu32
                               " points nowhere: %s arguments are numbered 1 to %" PRIu32 " here",
                               a->size_arg_index, policy_hook_kind_to_string(h->kind), max + 1);
        if (target == a->index) {
                /* Tetragon loads it and reads the buffer's address as its size. */
                p_warning(p, x, NULL,
                          "sizeArgIndex %" PRIu32
                          " points at this argument itself (it counts from 1: the argument at "
                          "index 2 is sizeArgIndex 3), ignoring.",
                          a->size_arg_index);
                a->size_arg_index = 0;
                return true;
        }
        for (size_t i = 0; i < h->n_args; i++) {
                const PolicyArg *s = &h->args[i];

                if (s->index != target)
                        continue;
                if (!op_is_integer_class(policy_arg_type_class(s->type)) &&
                    s->type != POLICY_ARG_AUTO)
                        return p_error(p, x, NULL,
                                       "sizeArgIndex %" PRIu32
                                       " points at the argument with index %" PRIu32
                                       ", of type \"%s\", which is not a size",
                                       a->size_arg_index, target,
                                       policy_arg_type_to_string(s->type));
                break;
        }
        return true;
}

static bool parse_args(Parser *p, const YamlNode *n, PolicyHook *h, ArgRole role, PolicyArg **ret,
                       size_t *ret_n) {
        const char *what = role == ARG_ROLE_DATA ? "data" : "args";
        size_t count, max = role == ARG_ROLE_DATA ? POLICY_MAX_DATA : POLICY_MAX_ARGS;
        PolicyArg *args;
        bool ok = true;

        *ret = NULL;
        *ret_n = 0;
        if (!get_list(p, n, what, max, "arguments", &count))
                return false;
        if (count == 0)
                return true;
        args = p_alloc(p, count, sizeof(PolicyArg));
        if (!args)
                return false;
        for (size_t i = 0; i < count; i++)
                if (!parse_arg(p, n->sequence.items[i], h->kind, role, &args[i]))
                        ok = false;
        *ret = args;
        *ret_n = count;
        return ok;
}

static const char *arg_indexes_hint(Parser *p, const PolicyHook *h, bool positions) {
        char buf[256];
        size_t o = 0;
        int r;

        if (h->n_args == 0)
                return positions ? "the hook declares no args" : "the hook declares no args";
        if (h->n_args == 1) {
                if (positions)
                        return "its only argument is at position 0";
                snprintf(buf, sizeof(buf), "its only argument has index %" PRIu32,
                         h->args[0].index);
                return p_strndup(p, buf, strlen(buf));
        }
        r = snprintf(buf, sizeof(buf),
                     positions ? "its args are positions 0 to %zu" : "its args have index",
                     h->n_args - 1);
        o = (size_t) MAX(r, 0);
        for (size_t i = 0; !positions && i < h->n_args && o < sizeof(buf); i++) {
                r = snprintf(buf + o, sizeof(buf) - o, "%s %" PRIu32, i > 0 ? "," : "",
                             h->args[i].index);
                o += (size_t) MAX(r, 0);
        }
        return p_strndup(p, buf, MIN(o, sizeof(buf) - 1));
}

/* ---- selectors ---- */

typedef enum FilterRole {
        FILTER_ARGS,
        FILTER_DATA,
        FILTER_RETURN,
} FilterRole;

static const char *filter_role_name(FilterRole role) {
        return role == FILTER_ARGS   ? "matchArgs"
               : role == FILTER_DATA ? "matchData"
                                     : "matchReturnArgs";
}

static bool resolve_filter_arg(Parser *p, const YamlNode *e, const HookContext *ctx,
                               FilterRole role, PolicyArgFilter *f, bool has_index) {
        const PolicyHook *h = ctx->hook;
        const char *what = filter_role_name(role);
        const YamlNode *index = field(e, "index");

        if (role == FILTER_RETURN) {
                if (!h->has_return_arg)
                        return p_error(p, e, "add \"return: true\" and a returnArg to the hook",
                                       "matchReturnArgs needs the hook's returnArg");
                if (has_index && f->index != h->return_arg.index)
                        return p_error(p, index, NULL,
                                       "matchReturnArgs index %" PRIu32
                                       " is not the returnArg's index %" PRIu32,
                                       f->index, h->return_arg.index);
                f->arg = 0;
                f->type = h->return_arg.type;
                return true;
        }

        if (role == FILTER_DATA) {
                if (f->n_args > 0)
                        f->index = f->args[0];
                if (f->index >= h->n_data)
                        return p_error(p, index ?: e, NULL,
                                       "matchData index %" PRIu32
                                       " names no data entry (the hook has %zu)",
                                       f->index, h->n_data);
                f->arg = f->index;
                f->type = h->data[f->index].type;
                return true;
        }

        if (f->n_args > 0) {
                const YamlNode *args = field(e, "args");

                for (size_t i = 0; i < f->n_args; i++)
                        if (f->args[i] >= h->n_args)
                                return p_error(p, args->sequence.items[i],
                                               arg_indexes_hint(p, h, true),
                                               "%s args entry %" PRIu32
                                               " is not a position in the hook's args",
                                               what, f->args[i]);
                f->arg = f->args[0];
                f->arg2 = f->n_args > 1 ? f->args[1] : f->args[0];
                f->type = h->args[f->arg].type;
                return true;
        }
        /* Tetragon's CRD requires only the operator: a missing index is 0. */
        if (!has_index)
                f->index = 0;

        /* Tracepoint selectors name a format field as args do (Tetragon remaps
         * it to the position in args), or else count positions in args. */
        if (h->kind == POLICY_HOOK_TRACEPOINT) {
                for (size_t i = 0; i < h->n_args; i++)
                        if (h->args[i].index == f->index) {
                                f->arg = (uint32_t) i;
                                f->type = h->args[i].type;
                                return true;
                        }
                if (f->index >= h->n_args)
                        return p_error(p, index ?: e, arg_indexes_hint(p, h, true),
                                       "%s index %" PRIu32
                                       " names no argument of tracepoint \"%s\", neither as a "
                                       "format field nor as a position in args",
                                       what, f->index, qs(p, strempty(h->name)));
                f->arg = f->index;
                f->type = h->args[f->index].type;
                return true;
        }
        for (size_t i = 0; i < h->n_args; i++)
                if (h->args[i].index == f->index) {
                        f->arg = (uint32_t) i;
                        f->type = h->args[i].type;
                        return true;
                }
        return p_error(p, index ?: e, arg_indexes_hint(p, h, false),
                       "%s index %" PRIu32 "%s names no argument of %s \"%s\"", what, f->index,
                       has_index ? "" : " (no index given)", policy_hook_kind_to_string(h->kind),
                       qs(p, strempty(h->name)));
}

static bool parse_arg_filter(Parser *p, const YamlNode *e, const HookContext *ctx, FilterRole role,
                             PolicyArgFilter *f) {
        static const char *const keys[] = { "index", "args", "operator", "values", NULL };
        const char *what = role == FILTER_ARGS   ? "a matchArgs entry"
                           : role == FILTER_DATA ? "a matchData entry"
                                                 : "a matchReturnArgs entry";
        const YamlNode *index, *args, *op;
        bool ok, has_index = false;
        char *s;
        int o;

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, what, keys);

        index = field(e, "index");
        if (index) {
                if (!get_u32(p, index, "index", &f->index))
                        return false;
                has_index = true;
        }
        args = field(e, "args");
        if (args) {
                size_t count;

                if (!get_list(p, args, "args", 2, "positions", &count))
                        return false;
                f->args = p_alloc(p, count, sizeof(uint32_t));
                if (!f->args)
                        return false;
                for (size_t i = 0; i < count; i++)
                        if (!get_u32(p, args->sequence.items[i], "an args entry", &f->args[i]))
                                return false;
                f->n_args = count;
        }

        op = field(e, "operator");
        if (!require(p, e, op, "operator", what) || !get_string(p, op, "operator", &s))
                return false;
        f->operator_pos = node_pos(op);
        o = policy_operator_from_string(s);
        if (o < 0)
                return p_error(p, op, did_you_mean(p, s, policy_operator_names),
                               "unknown operator \"%s\"", qs(p, s));
        f->op = (PolicyOperator) o;
        if (f->op == POLICY_OP_IN || f->op == POLICY_OP_NOT_IN)
                return p_error(
                        p, op, f->op == POLICY_OP_IN ? "use \"Equal\"" : "use \"NotEqual\"",
                        "operator \"%s\" is for matchPIDs, matchBinaries and the like, not %s", s,
                        filter_role_name(role));

        if (!resolve_filter_arg(p, e, ctx, role, f, has_index))
                return false;

        if (!op_applies(f->op, f->type)) {
                if (f->op == POLICY_OP_CAPABILITIES_GAINED && f->n_args != 2)
                        return p_error(
                                p, op, "list the new and the old capability arguments in \"args\"",
                                "operator \"CapabilitiesGained\" needs two capability arguments");
                return p_error(
                        p, op, operators_for_hint(p, f->type),
                        "operator \"%s\" does not apply to argument %" PRIu32 " of type \"%s\"", s,
                        f->n_args > 0 ? f->args[0] : f->index, policy_arg_type_to_string(f->type));
        }
        if (f->op == POLICY_OP_CAPABILITIES_GAINED) {
                if (f->n_args != 2)
                        return p_error(
                                p, op, "list the new and the old capability arguments in \"args\"",
                                "operator \"CapabilitiesGained\" needs two capability arguments");
                if (!op_applies(f->op, ctx->hook->args[f->arg2].type))
                        return p_error(p, args->sequence.items[1], NULL,
                                       "operator \"CapabilitiesGained\" needs capability "
                                       "arguments, not \"%s\"",
                                       policy_arg_type_to_string(ctx->hook->args[f->arg2].type));
        } else if (f->n_args > 1)
                p_warning(p, args->sequence.items[1], NULL,
                          "operator \"%s\" uses one argument; the second args entry is ignored.",
                          s);

        /* Port and address operators on sockaddr: it only has one end. */
        if (f->type == POLICY_ARG_SOCKADDR &&
            (f->op == POLICY_OP_DPORT || f->op == POLICY_OP_NOT_DPORT || f->op == POLICY_OP_DADDR ||
             f->op == POLICY_OP_NOT_DADDR))
                return p_error(p, op, "a sockaddr is one address: use SAddr, SPort and Family",
                               "operator \"%s\" does not apply to a sockaddr", s);

        if (!parse_filter_values(p, e, field(e, "values"), f))
                ok = false;
        return ok;
}

static bool parse_in_operator(Parser *p, const YamlNode *e, const char *what,
                              const char *const *allowed, PolicyOperator *ret) {
        const YamlNode *op = field(e, "operator");
        char *s;
        int o;

        if (!require(p, e, op, "operator", what) || !get_string(p, op, "operator", &s))
                return false;
        o = policy_operator_from_string(s);
        for (size_t i = 0; o >= 0 && allowed[i]; i++)
                if (streq(policy_operator_to_string(o), allowed[i])) {
                        *ret = (PolicyOperator) o;
                        return true;
                }
        return p_error(p, op, did_you_mean(p, s, allowed), "operator \"%s\" does not apply to %s",
                       qs(p, s), what);
}

static const char *const in_not_in[] = { "In", "NotIn", NULL };

static bool parse_pid_filter(Parser *p, const YamlNode *e, PolicyPIDFilter *f) {
        static const char *const keys[] = { "operator", "values", "followForks", "isNamespacePID",
                                            NULL };
        const YamlNode *values, *x;
        size_t count;
        bool ok;

        if (!expect_type(p, e, YAML_NODE_MAPPING, "a matchPIDs entry"))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, "a matchPIDs entry", keys);
        if (!parse_in_operator(p, e, "matchPIDs", in_not_in, &f->op))
                ok = false;
        if ((x = field(e, "followForks")) && !get_bool(p, x, "followForks", &f->follow_forks))
                ok = false;
        if ((x = field(e, "isNamespacePID")) &&
            !get_bool(p, x, "isNamespacePID", &f->is_namespace_pid))
                ok = false;
        values = field(e, "values");
        if (!require(p, e, values, "values", "a matchPIDs entry") ||
            !get_list(p, values, "matchPIDs values", POLICY_MAX_PID_VALUES, "PIDs", &count))
                return false;
        if (count == 0)
                return p_error(p, values, NULL, "matchPIDs needs at least one PID");
        f->values = p_alloc(p, count, sizeof(uint32_t));
        if (!f->values)
                return false;
        f->n_values = count;
        for (size_t i = 0; i < count; i++)
                if (!get_u32(p, values->sequence.items[i], "a PID", &f->values[i]))
                        ok = false;
        return ok;
}

static bool parse_binary_filter(Parser *p, const YamlNode *e, const char *what,
                                PolicyBinaryFilter *f) {
        static const char *const keys[] = { "operator", "values", "followChildren", NULL };
        static const char *const ops[] = { "In",      "NotIn",      "Prefix", "NotPrefix",
                                           "Postfix", "NotPostfix", NULL };
        const YamlNode *values, *x;
        size_t count;
        bool ok;

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, what, keys);
        if (!parse_in_operator(p, e, what, ops, &f->op))
                return false;
        x = field(e, "followChildren");
        if (x && !get_bool(p, x, "followChildren", &f->follow_children))
                ok = false;
        if (f->follow_children && f->op != POLICY_OP_IN && f->op != POLICY_OP_NOT_IN)
                ok = p_error(p, x, NULL, "followChildren only works with operators In and NotIn");

        values = field(e, "values");
        if (!require(p, e, values, "values", what) ||
            !get_list(p, values, "values", POLICY_MAX_VALUES, "paths", &count))
                return false;
        if (count == 0) {
                p_warning(p, values, NULL, "%s without values matches nothing, ignoring.", what);
                return ok;
        }
        f->values = p_alloc(p, count, sizeof(PolicyValue));
        if (!f->values)
                return false;
        f->n_values = count;
        for (size_t i = 0; i < count; i++) {
                const YamlNode *n = values->sequence.items[i];
                PolicyValue *v = &f->values[i];
                size_t max = f->op == POLICY_OP_POSTFIX || f->op == POLICY_OP_NOT_POSTFIX
                                     ? POLICY_MAX_POSTFIX_VALUE
                                     : POLICY_MAX_BINARY_PATH;

                if (!value_text(p, n, v) || !value_string(p, n, POLICY_ARG_CHAR_BUF, max, v)) {
                        ok = false;
                        continue;
                }
                v->text = p_strndup(p, v->text, v->text_length);
                if (!v->text)
                        return false;
        }
        return ok;
}

static bool parse_namespace_filter(Parser *p, const YamlNode *e, PolicyNamespaceFilter *f) {
        static const char *const keys[] = { "namespace", "operator", "values", NULL };
        static const char *const names[] = {
                "Uts",    "Ipc",  "Mnt", "Pid", "PidForChildren", "Net", "Time", "TimeForChildren",
                "Cgroup", "User", NULL,
        };
        const YamlNode *ns, *values;
        size_t count;
        bool ok;
        char *s;
        int t;

        if (!expect_type(p, e, YAML_NODE_MAPPING, "a matchNamespaces entry"))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, "a matchNamespaces entry", keys);
        ns = field(e, "namespace");
        if (!require(p, e, ns, "namespace", "a matchNamespaces entry") ||
            !get_string(p, ns, "namespace", &s))
                ok = false;
        else if ((t = policy_namespace_type_from_string(s)) < 0)
                ok = p_error(p, ns, did_you_mean(p, s, names),
                             "unknown namespace \"%s\" (known: Uts, Ipc, Mnt, Pid, PidForChildren, "
                             "Net, Time, TimeForChildren, Cgroup, User)",
                             qs(p, s));
        else
                f->namespace = (PolicyNamespaceType) t;
        if (!parse_in_operator(p, e, "matchNamespaces", in_not_in, &f->op))
                ok = false;

        values = field(e, "values");
        if (!require(p, e, values, "values", "a matchNamespaces entry") ||
            !get_list(p, values, "matchNamespaces values", POLICY_MAX_NAMESPACE_VALUES,
                      "namespaces", &count))
                return false;
        if (count == 0)
                return p_error(p, values, NULL, "matchNamespaces needs at least one value");
        f->values = p_alloc(p, count, sizeof(uint32_t));
        f->host_ns = p_alloc(p, count, sizeof(bool));
        if (!f->values || !f->host_ns)
                return false;
        f->n_values = count;
        for (size_t i = 0; i < count; i++) {
                const YamlNode *n = values->sequence.items[i];
                uint64_t v;

                if (n->type == YAML_NODE_SCALAR && streq(n->scalar.value, "host_ns")) {
                        f->host_ns[i] = true;
                        continue;
                }
                if (n->type != YAML_NODE_SCALAR || n->scalar.null ||
                    !parse_integer(n->scalar.value, 32, false, &v)) {
                        ok = p_error(
                                p, n, template_hint(p, n),
                                "a namespace value is an inode number or \"host_ns\", not %s%s%s%s",
                                n->type == YAML_NODE_SCALAR ? "\"" : describe_node(n),
                                n->type == YAML_NODE_SCALAR ? qn(p, n) : "",
                                n->type == YAML_NODE_SCALAR ? "\"" : "", "");
                        continue;
                }
                f->values[i] = (uint32_t) v;
        }
        return ok;
}

static bool parse_namespace_change_filter(Parser *p, const YamlNode *e,
                                          PolicyNamespaceChangeFilter *f) {
        static const char *const keys[] = { "operator", "values", NULL };
        char **values;
        size_t count;
        bool ok;

        if (!expect_type(p, e, YAML_NODE_MAPPING, "a matchNamespaceChanges entry"))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, "a matchNamespaceChanges entry", keys);
        if (!parse_in_operator(p, e, "matchNamespaceChanges", in_not_in, &f->op))
                ok = false;
        if (!require(p, e, field(e, "values"), "values", "a matchNamespaceChanges entry") ||
            !get_string_list(p, field(e, "values"), "matchNamespaceChanges values", _POLICY_NS_MAX,
                             0, &values, &count))
                return false;
        if (count == 0)
                return p_error(p, field(e, "values"), NULL,
                               "matchNamespaceChanges needs at least one namespace");
        for (size_t i = 0; i < count; i++) {
                int t = policy_namespace_type_from_string(values[i]);

                if (t < 0)
                        ok = p_error(p, field(e, "values")->sequence.items[i], NULL,
                                     "unknown namespace \"%s\"", qs(p, values[i]));
                else
                        f->namespaces |= 1U << t;
        }
        return ok;
}

static bool parse_capability_filter(Parser *p, const YamlNode *e, const char *what,
                                    PolicyCapabilityFilter *f) {
        static const char *const keys[] = { "type", "operator", "values", "isNamespaceCapability",
                                            NULL };
        static const char *const sets[] = { "Effective", "Inheritable", "Permitted", NULL };
        const YamlNode *type, *x;
        char **values;
        size_t count;
        bool ok;

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        f->pos = node_pos(e);
        ok = check_keys(p, e, what, keys);
        f->set = POLICY_CAPS_EFFECTIVE;
        type = field(e, "type");
        if (type) {
                char *s;

                if (!get_string(p, type, "type", &s))
                        ok = false;
                else if (strcasecmp(s, "Effective") == 0)
                        f->set = POLICY_CAPS_EFFECTIVE;
                else if (strcasecmp(s, "Inheritable") == 0)
                        f->set = POLICY_CAPS_INHERITABLE;
                else if (strcasecmp(s, "Permitted") == 0)
                        f->set = POLICY_CAPS_PERMITTED;
                else
                        ok = p_error(p, type, did_you_mean(p, s, sets),
                                     "unknown capability set \"%s\" (known: Effective, "
                                     "Inheritable, Permitted)",
                                     qs(p, s));
        }
        if (!parse_in_operator(p, e, what, in_not_in, &f->op))
                ok = false;
        if ((x = field(e, "isNamespaceCapability")) &&
            !get_bool(p, x, "isNamespaceCapability", &f->is_namespace_capability))
                ok = false;
        if (!require(p, e, field(e, "values"), "values", what) ||
            !get_string_list(p, field(e, "values"), "capabilities", 64, 0, &values, &count))
                return false;
        if (count == 0)
                return p_error(p, field(e, "values"), NULL, "%s needs at least one capability",
                               what);
        for (size_t i = 0; i < count; i++) {
                const YamlNode *n = field(e, "values")->sequence.items[i];
                _cleanup_free_ char *trimmed = NULL;
                char *t;
                int cap;

                if (!values[i])
                        continue;
                trimmed = strdup(values[i]);
                if (!trimmed) {
                        p->oom = true;
                        return false;
                }
                t = trimmed;
                while (isspace((unsigned char) *t))
                        t++;
                for (size_t l = strlen(t); l > 0 && isspace((unsigned char) t[l - 1]); l--)
                        t[l - 1] = '\0';
                cap = policy_capability_from_string(t);
                if (cap < 0) {
                        const char *names[64] = {};

                        for (unsigned c = 0;
                             c <= policy_capability_max() && c < ELEMENTSOF(names) - 1; c++)
                                names[c] = policy_capability_to_string(c);
                        ok = p_error(p, n, did_you_mean(p, t, names),
                                     "\"%s\" is not a capability (such as CAP_SYS_ADMIN)",
                                     qs(p, values[i]));
                } else
                        f->capabilities |= UINT64_C(1) << cap;
        }
        return ok;
}

/* ---- actions ---- */

static const struct {
        const char *key;
        unsigned flag;
} action_fields[] = {
        { "argFd", POLICY_ACTION_HAS_ARG_FD },
        { "argName", POLICY_ACTION_HAS_ARG_NAME },
        { "argError", POLICY_ACTION_HAS_ARG_ERROR },
        { "argSig", POLICY_ACTION_HAS_ARG_SIG },
        { "argSock", POLICY_ACTION_HAS_ARG_SOCK },
        { "argUrl", POLICY_ACTION_HAS_ARG_URL },
        { "argFqdn", POLICY_ACTION_HAS_ARG_FQDN },
        { "rateLimit", POLICY_ACTION_HAS_RATE_LIMIT },
        { "rateLimitScope", POLICY_ACTION_HAS_RATE_LIMIT_SCOPE },
        { "kernelStackTrace", POLICY_ACTION_HAS_KERNEL_STACK_TRACE },
        { "userStackTrace", POLICY_ACTION_HAS_USER_STACK_TRACE },
        { "imaHash", POLICY_ACTION_HAS_IMA_HASH },
        { "argIndex", POLICY_ACTION_HAS_ARG_INDEX },
        { "argValue", POLICY_ACTION_HAS_ARG_VALUE },
        { "argRegs", POLICY_ACTION_HAS_ARG_REGS },
};

/* Fields each action reads; "required" ones must be written. */
static void action_fields_of(PolicyActionType t, PolicyHookKind kind, unsigned *ret_used,
                             unsigned *ret_required) {
        unsigned used = 0, required = 0;

        switch (t) {
        case POLICY_ACTION_POST:
                used = POLICY_ACTION_HAS_RATE_LIMIT | POLICY_ACTION_HAS_RATE_LIMIT_SCOPE |
                       POLICY_ACTION_HAS_KERNEL_STACK_TRACE | POLICY_ACTION_HAS_USER_STACK_TRACE |
                       POLICY_ACTION_HAS_IMA_HASH;
                break;
        case POLICY_ACTION_FOLLOW_FD:
        case POLICY_ACTION_COPY_FD:
        case POLICY_ACTION_UNFOLLOW_FD:
                /* Positions default to 0, as in Tetragon (a warning says so). */
                used = POLICY_ACTION_HAS_ARG_FD | POLICY_ACTION_HAS_ARG_NAME;
                break;
        case POLICY_ACTION_SIGKILL:
        case POLICY_ACTION_NO_POST:
        case POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
                break;
        case POLICY_ACTION_SIGNAL:
                used = required = POLICY_ACTION_HAS_ARG_SIG;
                break;
        case POLICY_ACTION_OVERRIDE:
                if (kind == POLICY_HOOK_UPROBE) {
                        used = POLICY_ACTION_HAS_ARG_ERROR | POLICY_ACTION_HAS_ARG_REGS;
                        required = 0; /* one of them, checked by the caller */
                } else
                        used = required = POLICY_ACTION_HAS_ARG_ERROR;
                break;
        case POLICY_ACTION_GET_URL:
                used = required = POLICY_ACTION_HAS_ARG_URL;
                break;
        case POLICY_ACTION_DNS_LOOKUP:
                used = required = POLICY_ACTION_HAS_ARG_FQDN;
                break;
        case POLICY_ACTION_TRACK_SOCK:
        case POLICY_ACTION_UNTRACK_SOCK:
                used = POLICY_ACTION_HAS_ARG_SOCK;
                break;
        case POLICY_ACTION_NOTIFY_ENFORCER:
                used = POLICY_ACTION_HAS_ARG_ERROR | POLICY_ACTION_HAS_ARG_SIG;
                break;
        case POLICY_ACTION_SET:
                used = required = POLICY_ACTION_HAS_ARG_INDEX | POLICY_ACTION_HAS_ARG_VALUE;
                break;
        case _POLICY_ACTION_TYPE_MAX:
                break;
        }
        *ret_used = used;
        *ret_required = required;
}

/* rateLimit: N, Ns, Nm or Nh; stored in milliseconds. */
static bool parse_rate_limit(Parser *p, const YamlNode *n, uint32_t *ret) {
        _cleanup_free_ char *digits = NULL;
        uint64_t v, multiplier = 1000;
        size_t len;

        if (!expect_scalar(p, n, "rateLimit", "a duration"))
                return false;
        len = n->scalar.length;
        if (len > 0 && strchr("sSmMhH", n->scalar.value[len - 1])) {
                char unit = (char) tolower((unsigned char) n->scalar.value[len - 1]);

                multiplier = unit == 's' ? 1000 : unit == 'm' ? 60 * 1000 : 3600 * 1000;
                len--;
        }
        digits = strndup(n->scalar.value, len);
        if (!digits) {
                p->oom = true;
                return false;
        }
        if (len == 0 || !isdigit((unsigned char) digits[0]) ||
            !parse_integer(digits, 32, false, &v) || strlen(digits) != len)
                return p_error(p, n,
                               "write a number of seconds, optionally followed by s, m or h: "
                               "\"30s\", \"5m\", \"1h\"",
                               "rateLimit \"%s\" is not a duration", qn(p, n));
        if (v > POLICY_MAX_RATE_LIMIT_MS / multiplier)
                return p_error(p, n, NULL,
                               "rateLimit \"%s\" is longer than the limit of %u ms (about 49 days)",
                               qn(p, n), POLICY_MAX_RATE_LIMIT_MS);
        if (v == 0)
                p_warning(p, n, NULL, "rateLimit 0 limits nothing, ignoring.");
        *ret = (uint32_t) (v * multiplier);
        return true;
}

/* argFd, argName and argSock are positions in the hook's args. */
static bool check_action_arg(Parser *p, const YamlNode *e, const YamlNode *action, const char *key,
                             uint32_t pos, const PolicyHook *h, bool (*type_ok)(PolicyArgType),
                             const char *expected) {
        const YamlNode *n = field(e, key) ?: action;

        if (pos >= h->n_args)
                return p_error(p, n, arg_indexes_hint(p, h, true),
                               "%s %" PRIu32 " is not a position in the hook's args", key, pos);
        if (type_ok && !type_ok(h->args[pos].type) && h->args[pos].type != POLICY_ARG_AUTO)
                return p_error(p, n, NULL,
                               "%s %" PRIu32 " points at an argument of type \"%s\", not %s", key,
                               pos, policy_arg_type_to_string(h->args[pos].type), expected);
        return true;
}

static bool type_is_fd_like(PolicyArgType t) {
        return op_is_integer_class(policy_arg_type_class(t)) || t == POLICY_ARG_FD;
}

static bool type_is_name_like(PolicyArgType t) {
        PolicyArgClass c = policy_arg_type_class(t);

        return c == POLICY_ARG_CLASS_FILE || c == POLICY_ARG_CLASS_STRING;
}

static bool type_is_sock(PolicyArgType t) {
        return t == POLICY_ARG_SOCK;
}

static bool parse_action(Parser *p, const YamlNode *e, const HookContext *ctx, bool is_return,
                         PolicyAction *a) {
        static const char *const keys[] = {
                "action",   "argFd",     "argName",        "argUrl",           "argFqdn",
                "argError", "argSig",    "argSock",        "argIndex",         "argValue",
                "argRegs",  "rateLimit", "rateLimitScope", "kernelStackTrace", "userStackTrace",
                "imaHash",  NULL,
        };
        const PolicyHook *h = ctx->hook;
        const char *what = is_return ? "a matchReturnActions entry" : "a matchActions entry";
        const YamlNode *action, *x;
        unsigned used, required;
        const char *name;
        bool ok;
        char *s;
        int t;

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        a->pos = node_pos(e);
        ok = check_keys(p, e, what, keys);

        action = field(e, "action");
        if (!require(p, e, action, "action", what) || !get_string(p, action, "action", &s))
                return false;
        t = policy_action_type_from_string(s);
        if (t < 0)
                return p_error(p, action, did_you_mean(p, s, policy_action_names),
                               "unknown action \"%s\"", qs(p, s));
        a->type = (PolicyActionType) t;
        name = policy_action_type_to_string(a->type);

        if (policy_action_type_is_deprecated(a->type))
                p_warning(p, action, NULL,
                          "action \"%s\" is deprecated (removed in Tetragon 1.5); the fd is "
                          "resolved in the kernel instead",
                          name);

        /* Which fields were written. */
        for (size_t i = 0; i < ELEMENTSOF(action_fields); i++)
                if (field(e, action_fields[i].key))
                        a->present |= action_fields[i].flag;

        if ((x = field(e, "argFd")) && !get_u32(p, x, "argFd", &a->arg_fd))
                ok = false;
        if ((x = field(e, "argName")) && !get_u32(p, x, "argName", &a->arg_name))
                ok = false;
        if ((x = field(e, "argSock")) && !get_u32(p, x, "argSock", &a->arg_sock))
                ok = false;
        if ((x = field(e, "argIndex")) && !get_u32(p, x, "argIndex", &a->arg_index))
                ok = false;
        if ((x = field(e, "argValue")) && !get_u32(p, x, "argValue", &a->arg_value))
                ok = false;
        if ((x = field(e, "argError")) && !get_i32(p, x, "argError", &a->arg_error))
                ok = false;
        if ((x = field(e, "argSig"))) {
                if (!get_u32(p, x, "argSig", &a->arg_sig))
                        ok = false;
                else if (a->arg_sig < 1 || a->arg_sig > 64)
                        ok = p_error(p, x, "SIGKILL is 9, SIGTERM 15",
                                     "argSig %" PRIu32 " is not a signal number (1 to 64)",
                                     a->arg_sig);
        }
        if ((x = field(e, "argUrl"))) {
                if (!get_string(p, x, "argUrl", &a->arg_url))
                        ok = false;
                else if (!startswith(a->arg_url, "http://") && !startswith(a->arg_url, "https://"))
                        ok = p_error(p, x, NULL, "argUrl \"%s\" is not an http:// or https:// URL",
                                     qs(p, a->arg_url));
        }
        if ((x = field(e, "argFqdn"))) {
                if (!get_string(p, x, "argFqdn", &a->arg_fqdn))
                        ok = false;
                else {
                        bool valid = *a->arg_fqdn && strlen(a->arg_fqdn) <= 253;

                        for (const char *c = a->arg_fqdn; valid && *c; c++)
                                valid = isalnum((unsigned char) *c) || *c == '-' || *c == '.' ||
                                        *c == '_';
                        if (!valid)
                                ok = p_error(p, x, NULL, "argFqdn \"%s\" is not a domain name",
                                             qs(p, a->arg_fqdn));
                }
        }
        if ((x = field(e, "argRegs")) &&
            !get_string_list(p, x, "argRegs", 16, 64, &a->arg_regs, &a->n_arg_regs))
                ok = false;
        if ((x = field(e, "rateLimit")) && !parse_rate_limit(p, x, &a->rate_limit_ms))
                ok = false;
        if ((x = field(e, "rateLimitScope"))) {
                if (!get_string(p, x, "rateLimitScope", &s))
                        ok = false;
                else if (streq(s, "thread"))
                        a->rate_limit_scope = POLICY_RATE_LIMIT_THREAD;
                else if (streq(s, "process"))
                        a->rate_limit_scope = POLICY_RATE_LIMIT_PROCESS;
                else if (streq(s, "global"))
                        a->rate_limit_scope = POLICY_RATE_LIMIT_GLOBAL;
                else
                        ok = p_error(p, x, NULL,
                                     "rateLimitScope must be \"thread\", \"process\" or "
                                     "\"global\", not \"%s\"",
                                     qs(p, s));
        }
        if ((x = field(e, "kernelStackTrace")) &&
            !get_bool(p, x, "kernelStackTrace", &a->kernel_stack_trace))
                ok = false;
        if ((x = field(e, "userStackTrace")) &&
            !get_bool(p, x, "userStackTrace", &a->user_stack_trace))
                ok = false;
        if ((x = field(e, "imaHash")) && !get_bool(p, x, "imaHash", &a->ima_hash))
                ok = false;

        action_fields_of(a->type, h->kind, &used, &required);

        /* Tetragon refuses this one rather than ignoring it. */
        if ((a->present & POLICY_ACTION_HAS_RATE_LIMIT) && a->type != POLICY_ACTION_POST) {
                ok = p_error(p, field_key(e, "rateLimit"), NULL,
                             "rateLimit only applies to action \"Post\", not \"%s\"", name);
                a->present &= ~POLICY_ACTION_HAS_RATE_LIMIT;
        }
        for (size_t i = 0; i < ELEMENTSOF(action_fields); i++) {
                unsigned flag = action_fields[i].flag;

                if ((required & flag) && !(a->present & flag))
                        ok = p_error(p, action, NULL, "action \"%s\" needs \"%s\"", name,
                                     action_fields[i].key);
                else if ((a->present & flag) && !(used & flag))
                        p_warning(p, field_key(e, action_fields[i].key), NULL,
                                  "%s has no effect on action \"%s\", ignoring.",
                                  action_fields[i].key, name);
        }
        if ((a->present & POLICY_ACTION_HAS_RATE_LIMIT_SCOPE) &&
            !(a->present & POLICY_ACTION_HAS_RATE_LIMIT) && a->type == POLICY_ACTION_POST)
                p_warning(p, field_key(e, "rateLimitScope"), NULL,
                          "rateLimitScope without rateLimit has no effect, ignoring.");
        if (a->ima_hash && h->kind != POLICY_HOOK_LSM && a->type == POLICY_ACTION_POST) {
                p_warning(p, field_key(e, "imaHash"), NULL,
                          "imaHash only works on lsmhooks, ignoring.");
                a->ima_hash = false;
        }

        /* Where each action can run. */
        switch (a->type) {
        case POLICY_ACTION_OVERRIDE:
                if (h->kind == POLICY_HOOK_TRACEPOINT || h->kind == POLICY_HOOK_USDT)
                        ok = p_error(p, action, NULL, "action \"Override\" is not available on %ss",
                                     policy_hook_kind_to_string(h->kind));
                if (h->kind == POLICY_HOOK_UPROBE &&
                    !(a->present & (POLICY_ACTION_HAS_ARG_ERROR | POLICY_ACTION_HAS_ARG_REGS)))
                        ok = p_error(p, action, NULL,
                                     "action \"Override\" needs \"argError\" or \"argRegs\"");
                break;
        case POLICY_ACTION_SET:
                if (h->kind != POLICY_HOOK_USDT)
                        ok = p_error(p, action, NULL, "action \"Set\" is only available on usdts");
                break;
        case POLICY_ACTION_GET_URL:
        case POLICY_ACTION_DNS_LOOKUP:
                if (h->kind == POLICY_HOOK_UPROBE || h->kind == POLICY_HOOK_USDT)
                        ok = p_error(p, action, NULL, "action \"%s\" is not available on %ss", name,
                                     policy_hook_kind_to_string(h->kind));
                break;
        case POLICY_ACTION_NOTIFY_ENFORCER:
                if (p->policy->n_enforcers == 0)
                        ok = p_error(
                                p, action, "add spec.enforcers with the calls to enforce on",
                                "action \"NotifyEnforcer\" needs an enforcer in spec.enforcers");
                if (!(a->present & (POLICY_ACTION_HAS_ARG_ERROR | POLICY_ACTION_HAS_ARG_SIG)))
                        ok = p_error(p, action, NULL,
                                     "action \"NotifyEnforcer\" needs \"argError\" or \"argSig\"");
                break;
        case POLICY_ACTION_FOLLOW_FD:
        case POLICY_ACTION_COPY_FD:
        case POLICY_ACTION_UNFOLLOW_FD:
                if (!(a->present & POLICY_ACTION_HAS_ARG_FD))
                        p_warning(p, action, "write \"argFd: 0\" to say so",
                                  "action \"%s\" without argFd uses the argument at position 0",
                                  name);
                if (!check_action_arg(p, e, action, "argFd", a->arg_fd, h, type_is_fd_like,
                                      "a file descriptor"))
                        ok = false;
                if (a->type != POLICY_ACTION_UNFOLLOW_FD &&
                    !(a->present & POLICY_ACTION_HAS_ARG_NAME))
                        p_warning(p, action, "write \"argName: 0\" to say so",
                                  "action \"%s\" without argName uses the argument at position 0",
                                  name);
                if (a->type == POLICY_ACTION_FOLLOW_FD &&
                    !check_action_arg(p, e, action, "argName", a->arg_name, h, type_is_name_like,
                                      "a file or a name"))
                        ok = false;
                if (a->type != POLICY_ACTION_FOLLOW_FD &&
                    (a->present & POLICY_ACTION_HAS_ARG_NAME) &&
                    !check_action_arg(p, e, action, "argName", a->arg_name, h, NULL, NULL))
                        ok = false;
                break;
        case POLICY_ACTION_TRACK_SOCK:
        case POLICY_ACTION_UNTRACK_SOCK:
                if (!(a->present & POLICY_ACTION_HAS_ARG_SOCK))
                        p_warning(p, action, "write \"argSock: 0\" to say so",
                                  "action \"%s\" without argSock uses the argument at position 0",
                                  name);
                if (!check_action_arg(p, e, action, "argSock", a->arg_sock, h, type_is_sock,
                                      "a sock"))
                        ok = false;
                break;
        case POLICY_ACTION_POST:
        case POLICY_ACTION_SIGKILL:
        case POLICY_ACTION_SIGNAL:
        case POLICY_ACTION_NO_POST:
        case POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
        case _POLICY_ACTION_TYPE_MAX:
                break;
        }
        return ok;
}

/* ---- selectors ---- */

typedef bool (*ItemParser)(Parser *p, const YamlNode *e, const HookContext *ctx, int extra,
                           void *item);

static bool item_arg_filter(Parser *p, const YamlNode *e, const HookContext *ctx, int role,
                            void *item) {
        return parse_arg_filter(p, e, ctx, (FilterRole) role, item);
}

static bool item_pid(Parser *p, const YamlNode *e, const HookContext *ctx, int extra, void *item) {
        return parse_pid_filter(p, e, item);
}

static bool item_binary(Parser *p, const YamlNode *e, const HookContext *ctx, int parent,
                        void *item) {
        return parse_binary_filter(
                p, e, parent ? "a matchParentBinaries entry" : "a matchBinaries entry", item);
}

static bool item_namespace(Parser *p, const YamlNode *e, const HookContext *ctx, int extra,
                           void *item) {
        return parse_namespace_filter(p, e, item);
}

static bool item_namespace_change(Parser *p, const YamlNode *e, const HookContext *ctx, int extra,
                                  void *item) {
        return parse_namespace_change_filter(p, e, item);
}

static bool item_capability(Parser *p, const YamlNode *e, const HookContext *ctx, int changes,
                            void *item) {
        return parse_capability_filter(
                p, e, changes ? "a matchCapabilityChanges entry" : "a matchCapabilities entry",
                item);
}

static bool item_action(Parser *p, const YamlNode *e, const HookContext *ctx, int is_return,
                        void *item) {
        return parse_action(p, e, ctx, is_return, item);
}

static bool parse_items(Parser *p, const YamlNode *sel, const char *key, const HookContext *ctx,
                        ItemParser fn, int extra, size_t item_size, void **ret, size_t *ret_n) {
        const YamlNode *n = field(sel, key);
        size_t count;
        char *items;
        bool ok = true;

        *ret = NULL;
        *ret_n = 0;
        if (!get_list(p, n, key, 0, NULL, &count))
                return false;
        if (count == 0)
                return true;
        items = p_alloc(p, count, item_size);
        if (!items)
                return false;
        for (size_t i = 0; i < count; i++)
                if (!fn(p, n->sequence.items[i], ctx, extra, items + i * item_size))
                        ok = false;
        *ret = items;
        *ret_n = count;
        return ok;
}

static bool append_items(Parser *p, void **items, size_t *n, const void *more, size_t n_more,
                         size_t size) {
        char *merged;

        if (n_more == 0)
                return true;
        merged = p_alloc(p, *n + n_more, size);
        if (!merged)
                return false;
        if (*n > 0)
                memcpy(merged, *items, *n * size);
        memcpy(merged + *n * size, more, n_more * size);
        *items = merged;
        *n += n_more;
        return true;
}

#define APPEND(p, s, m, field)                                                                     \
        append_items(p, (void **) &(s)->field, &(s)->n_##field, (m)->field, (m)->n_##field,        \
                     sizeof(*(s)->field))

static bool parse_selector(Parser *p, const YamlNode *n, const HookContext *ctx, PolicySelector *s);

static bool merge_macros(Parser *p, const YamlNode *n, const HookContext *ctx, PolicySelector *s) {
        Policy *pol = p->policy;
        const YamlNode *macros = field(n, "macros");
        size_t count;
        bool ok = true;

        if (!macros)
                return true;
        if (ctx->in_macro)
                return p_error(p, field_key(n, "macros"), NULL,
                               "a selector macro cannot use other macros");
        if (!get_list(p, macros, "macros", POLICY_MAX_MACROS, "macros", &count))
                return false;
        s->macros = p_alloc(p, count, sizeof(uint32_t));
        if (!s->macros)
                return false;

        for (size_t i = 0; i < count; i++) {
                const YamlNode *m = macros->sequence.items[i];
                HookContext macro_ctx = { .hook = ctx->hook, .in_macro = true };
                PolicySelector body = {};
                size_t idx = SIZE_MAX;
                char *name;

                if (!get_string(p, m, "a macro name", &name)) {
                        ok = false;
                        continue;
                }
                for (size_t j = 0; j < pol->n_macros; j++)
                        if (streq(pol->macros[j].name, name))
                                idx = j;
                if (idx == SIZE_MAX) {
                        const char *names[POLICY_MAX_MACROS + 1] = {};

                        for (size_t j = 0; j < pol->n_macros; j++)
                                names[j] = pol->macros[j].name;
                        ok = p_error(p, m, did_you_mean(p, name, names),
                                     "no selector macro named \"%s\" in spec.selectorsMacros",
                                     qs(p, name));
                        continue;
                }
                pol->macros[idx].used = true;
                s->macros[s->n_macros++] = (uint32_t) idx;
                if (is_null(p->macro_nodes[idx]))
                        continue;
                if (!parse_selector(p, p->macro_nodes[idx], &macro_ctx, &body)) {
                        ok = p_error(p, m, NULL,
                                     "selector macro \"%s\" does not fit %s \"%s\" (see above)",
                                     qs(p, name), policy_hook_kind_to_string(ctx->hook->kind),
                                     qs(p, strempty(ctx->hook->name)));
                        continue;
                }
                if (!APPEND(p, s, &body, match_args) || !APPEND(p, s, &body, match_data) ||
                    !APPEND(p, s, &body, match_return_args) || !APPEND(p, s, &body, match_pids) ||
                    !APPEND(p, s, &body, match_binaries) ||
                    !APPEND(p, s, &body, match_parent_binaries) ||
                    !APPEND(p, s, &body, match_namespaces) ||
                    !APPEND(p, s, &body, match_namespace_changes) ||
                    !APPEND(p, s, &body, match_capabilities) ||
                    !APPEND(p, s, &body, match_capability_changes) ||
                    !APPEND(p, s, &body, match_actions) ||
                    !APPEND(p, s, &body, match_return_actions))
                        return false;
        }
        return ok;
}

static bool check_count(Parser *p, const YamlNode *n, size_t count, size_t max, const char *what) {
        if (count <= max)
                return true;
        return p_error(p, n, NULL, "selector has %zu %s, more than the limit of %zu", count, what,
                       max);
}

static bool parse_selector(Parser *p, const YamlNode *n, const HookContext *ctx,
                           PolicySelector *s) {
        static const char *const keys[] = {
                "matchArgs",
                "matchData",
                "matchReturnArgs",
                "matchPIDs",
                "matchBinaries",
                "matchParentBinaries",
                "matchNamespaces",
                "matchNamespaceChanges",
                "matchCapabilities",
                "matchCapabilityChanges",
                "matchActions",
                "matchReturnActions",
                "macros",
                "matchWorkloads",
                NULL,
        };
        const PolicyHook *h = ctx->hook;
        const YamlNode *x;
        bool ok;

        s->pos = node_pos(n);
        if (is_null(n))
                return true;
        if (!expect_type(p, n, YAML_NODE_MAPPING, "a selector"))
                return false;
        ok = check_keys(p, n, ctx->in_macro ? "a selector macro" : "selector", keys);

#define ITEMS(key, fn, extra, field)                                                               \
        if (!parse_items(p, n, key, ctx, fn, extra, sizeof(*s->field), (void **) &s->field,        \
                         &s->n_##field))                                                           \
                ok = false;
        ITEMS("matchArgs", item_arg_filter, FILTER_ARGS, match_args);
        ITEMS("matchData", item_arg_filter, FILTER_DATA, match_data);
        ITEMS("matchReturnArgs", item_arg_filter, FILTER_RETURN, match_return_args);
        ITEMS("matchPIDs", item_pid, 0, match_pids);
        ITEMS("matchBinaries", item_binary, 0, match_binaries);
        ITEMS("matchParentBinaries", item_binary, 1, match_parent_binaries);
        ITEMS("matchNamespaces", item_namespace, 0, match_namespaces);
        ITEMS("matchNamespaceChanges", item_namespace_change, 0, match_namespace_changes);
        ITEMS("matchCapabilities", item_capability, 0, match_capabilities);
        ITEMS("matchCapabilityChanges", item_capability, 1, match_capability_changes);
        ITEMS("matchActions", item_action, 0, match_actions);
        ITEMS("matchReturnActions", item_action, 1, match_return_actions);
#undef ITEMS

        if ((x = field(n, "matchWorkloads"))) {
                add_kubernetes_part(p, field_key(n, "matchWorkloads"), "matchWorkloads");
                p_warning(p, field_key(n, "matchWorkloads"), NULL,
                          "matchWorkloads selects Kubernetes workloads; tetragond refuses it on a "
                          "host");
        }
        if ((x = field(n, "matchReturnActions")) && !h->ret)
                ok = p_error(p, field_key(n, "matchReturnActions"),
                             "add \"return: true\" to the hook",
                             "matchReturnActions needs a hook with \"return: true\"");

        if (!merge_macros(p, n, ctx, s))
                ok = false;

        if (ctx->in_macro)
                return ok;
        if (!check_count(p, n, s->n_match_args + s->n_match_data, POLICY_MAX_ARG_FILTERS,
                         "matchArgs and matchData entries") ||
            !check_count(p, n, s->n_match_return_args, POLICY_MAX_ARG_FILTERS,
                         "matchReturnArgs entries") ||
            !check_count(p, n, s->n_match_pids, POLICY_MAX_PID_FILTERS, "matchPIDs entries") ||
            !check_count(p, n, s->n_match_binaries, 1, "matchBinaries entries") ||
            !check_count(p, n, s->n_match_parent_binaries, 1, "matchParentBinaries entries") ||
            !check_count(p, n, s->n_match_namespaces, POLICY_MAX_NAMESPACE_FILTERS,
                         "matchNamespaces entries") ||
            !check_count(p, n, s->n_match_namespace_changes, 1, "matchNamespaceChanges entries") ||
            !check_count(p, n, s->n_match_capabilities, POLICY_MAX_CAPABILITY_FILTERS,
                         "matchCapabilities entries") ||
            !check_count(p, n, s->n_match_capability_changes, POLICY_MAX_CAPABILITY_FILTERS,
                         "matchCapabilityChanges entries") ||
            !check_count(p, n, s->n_match_actions, POLICY_MAX_ACTIONS, "matchActions entries") ||
            !check_count(p, n, s->n_match_return_actions, POLICY_MAX_ACTIONS,
                         "matchReturnActions entries"))
                ok = false;
        return ok;
}

/* ---- hooks ---- */

static bool looks_like_syscall(const char *call) {
        return startswith(call, "sys_") || startswith(call, "__x64_sys_") ||
               startswith(call, "__arm64_sys_") || startswith(call, "__ia32_sys_") ||
               startswith(call, "__se_sys_") || startswith(call, "ksys_") ||
               startswith(call, "list:");
}

static bool parse_tags(Parser *p, const YamlNode *e, PolicyHook *h) {
        return get_string_list(p, field(e, "tags"), "tags", POLICY_MAX_TAGS, POLICY_MAX_TAG_LENGTH,
                               &h->tags, &h->n_tags);
}

static bool parse_message(Parser *p, const YamlNode *e, PolicyHook *h) {
        const YamlNode *m = field(e, "message");

        if (!m)
                return true;
        if (!get_string(p, m, "message", &h->message))
                return false;
        if (strlen(h->message) > POLICY_MAX_MESSAGE)
                return p_error(p, m, NULL, "message is %zu bytes, longer than the limit of %u",
                               strlen(h->message), POLICY_MAX_MESSAGE);
        return true;
}

static bool parse_u64_list(Parser *p, const YamlNode *n, const char *what, uint64_t **ret,
                           size_t *ret_n) {
        size_t count;
        bool ok = true;

        *ret = NULL;
        *ret_n = 0;
        if (!get_list(p, n, what, POLICY_MAX_UPROBE_TARGETS, "entries", &count))
                return false;
        if (count == 0)
                return true;
        *ret = p_alloc(p, count, sizeof(uint64_t));
        if (!*ret)
                return false;
        for (size_t i = 0; i < count; i++)
                if (!get_integer(p, n->sequence.items[i], what, 64, false, &(*ret)[i]))
                        ok = false;
        *ret_n = count;
        return ok;
}

static const char *const kprobe_keys[] = {
        "call",      "syscall",         "return",    "message", "args",   "data",
        "returnArg", "returnArgAction", "selectors", "tags",    "ignore", NULL,
};
static const char *const tracepoint_keys[] = {
        "subsystem", "event", "raw", "message", "args", "selectors", "tags", NULL,
};
static const char *const uprobe_keys[] = {
        "path",
        "symbols",
        "offsets",
        "refCtrOffsets",
        "addrs",
        "btfPath",
        "resolvePathInContainer",
        "return",
        "returnArg",
        "data",
        "message",
        "args",
        "selectors",
        "tags",
        NULL,
};
static const char *const lsm_keys[] = { "hook", "message", "args", "selectors", "tags", NULL };
static const char *const usdt_keys[] = { "path", "provider",  "name", "message",
                                         "args", "selectors", "tags", NULL };

/* return, returnArg and returnArgAction: kprobes, fentries and uprobes. */
static bool parse_return_fields(Parser *p, const YamlNode *e, PolicyHook *h) {
        const YamlNode *x;
        bool ok = true;

        if ((x = field(e, "return")) && !get_bool(p, x, "return", &h->ret))
                ok = false;
        if (h->ret && !field(e, "returnArg"))
                p_warning(p, field_key(e, "return"), NULL,
                          "\"return: true\" without a returnArg: the return event carries no "
                          "return value (Tetragon's CRD refuses this in Kubernetes)");
        if ((x = field(e, "returnArg"))) {
                if (!parse_arg(p, x, h->kind, ARG_ROLE_RETURN, &h->return_arg))
                        ok = false;
                else if (!h->ret)
                        p_warning(p, field_key(e, "returnArg"), NULL,
                                  "returnArg has no effect without \"return: true\", ignoring.");
                else
                        h->has_return_arg = true;
        }
        if (h->kind != POLICY_HOOK_UPROBE && (x = field(e, "returnArgAction"))) {
                char *s;
                int t;

                if (!get_string(p, x, "returnArgAction", &s))
                        ok = false;
                else if ((t = policy_action_type_from_string(s)) == POLICY_ACTION_POST)
                        p_warning(p, x, NULL,
                                  "returnArgAction \"Post\" is what happens anyway (Tetragon 1.7.1 "
                                  "refuses it), ignoring.");
                else if (t != POLICY_ACTION_TRACK_SOCK && t != POLICY_ACTION_UNTRACK_SOCK)
                        ok = p_error(p, x, NULL,
                                     "returnArgAction must be \"TrackSock\" or \"UntrackSock\", "
                                     "not \"%s\"",
                                     qs(p, s));
                else if (!h->has_return_arg || h->return_arg.type != POLICY_ARG_SOCK)
                        ok = p_error(p, x, NULL,
                                     "returnArgAction \"%s\" needs \"return: true\" and a "
                                     "returnArg of type sock",
                                     policy_action_type_to_string(t));
                else {
                        h->has_return_arg_action = true;
                        h->return_arg_action = (PolicyActionType) t;
                }
        }
        return ok;
}

static bool parse_kprobe_fields(Parser *p, const YamlNode *e, PolicyHook *h) {
        const char *what = h->kind == POLICY_HOOK_FENTRY ? "an fentry" : "a kprobe";
        const YamlNode *call, *x;
        bool ok = true;

        call = field(e, "call");
        if (!require(p, e, call, "call", what) || !get_string(p, call, "call", &h->call))
                return false;
        h->name = h->call;
        if (!*h->call)
                ok = p_error(p, call, NULL, "call must not be empty");
        else if (startswith(h->call, "list:")) {
                int idx = resolve_list_ref(p, call, h->call + 5, false);

                if (idx < 0)
                        ok = false;
                h->call_list = idx;
        } else if (!identifier_valid(h->call))
                ok = p_error(p, call, NULL, "\"%s\" is not a function name", qs(p, h->call));

        h->syscall = true; /* Tetragon's default */
        x = field(e, "syscall");
        if (x && !get_bool(p, x, "syscall", &h->syscall))
                ok = false;
        if (!x && *h->call && !looks_like_syscall(h->call))
                p_warning(p, call, "add \"syscall: false\" if it is a kernel function",
                          "\"%s\" is not a system call, but \"syscall\" is not set and defaults to "
                          "true",
                          qs(p, h->call));
        if ((x = field(e, "ignore"))) {
                static const char *const keys[] = { "callNotFound", NULL };
                const YamlNode *c;

                if (!expect_type(p, x, YAML_NODE_MAPPING, "ignore"))
                        ok = false;
                else {
                        if (!check_keys(p, x, "ignore", keys))
                                ok = false;
                        if ((c = field(x, "callNotFound")) &&
                            !get_bool(p, c, "callNotFound", &h->ignore_call_not_found))
                                ok = false;
                }
        }

        if (!parse_return_fields(p, e, h))
                ok = false;
        if (!parse_args(p, field(e, "data"), h, ARG_ROLE_DATA, &h->data, &h->n_data))
                ok = false;
        return ok;
}

static bool parse_hook(Parser *p, const YamlNode *e, PolicyHookKind kind, PolicyHook *h) {
        const char *const *keys = NULL;
        const char *what = NULL;
        const YamlNode *x, *sels;
        HookContext ctx = { .hook = h };
        size_t n_sels;
        bool ok = true;

        switch (kind) {
        case POLICY_HOOK_KPROBE:
                keys = kprobe_keys, what = "a kprobe";
                break;
        case POLICY_HOOK_FENTRY:
                keys = kprobe_keys, what = "an fentry";
                break;
        case POLICY_HOOK_TRACEPOINT:
                keys = tracepoint_keys, what = "a tracepoint";
                break;
        case POLICY_HOOK_UPROBE:
                keys = uprobe_keys, what = "a uprobe";
                break;
        case POLICY_HOOK_LSM:
                keys = lsm_keys, what = "an lsmhook";
                break;
        case POLICY_HOOK_USDT:
                keys = usdt_keys, what = "a usdt";
                break;
        case _POLICY_HOOK_KIND_MAX:
                return false;
        }

        if (!expect_type(p, e, YAML_NODE_MAPPING, what))
                return false;
        h->kind = kind;
        h->pos = node_pos(e);
        h->call_list = -1;
        if (!check_keys(p, e, what, keys))
                ok = false;

        switch (kind) {
        case POLICY_HOOK_KPROBE:
        case POLICY_HOOK_FENTRY:
                if (!parse_kprobe_fields(p, e, h))
                        ok = false;
                if (!h->call)
                        return false;
                break;
        case POLICY_HOOK_TRACEPOINT: {
                const YamlNode *sub = field(e, "subsystem"), *ev = field(e, "event");

                if (!require(p, e, sub, "subsystem", what) ||
                    !get_string(p, sub, "subsystem", &h->subsystem) ||
                    !require(p, e, ev, "event", what) || !get_string(p, ev, "event", &h->event))
                        return false;
                if (!identifier_valid(h->subsystem))
                        ok = p_error(p, sub, NULL, "\"%s\" is not a tracepoint subsystem name",
                                     qs(p, h->subsystem));
                if (!identifier_valid(h->event))
                        ok = p_error(p, ev, NULL, "\"%s\" is not a tracepoint event name",
                                     qs(p, h->event));
                if (asprintf(&h->name, "%s/%s", h->subsystem, h->event) < 0) {
                        p->oom = true;
                        return false;
                }
                {
                        char *name = p_strndup(p, h->name, strlen(h->name));

                        free(h->name);
                        h->name = name;
                }
                if ((x = field(e, "raw")) && !get_bool(p, x, "raw", &h->raw))
                        ok = false;
                break;
        }
        case POLICY_HOOK_UPROBE:
        case POLICY_HOOK_USDT: {
                const YamlNode *path = field(e, "path");

                if (!require(p, e, path, "path", what) || !get_string(p, path, "path", &h->path))
                        return false;
                if (h->path[0] != '/') {
                        /* Tetragon makes it absolute against its working directory, which is
                         * / for a service. */
                        size_t n = strlen(h->path);
                        char *abs = p_alloc(p, n + 2, 1);

                        if (!abs)
                                return false;
                        abs[0] = '/';
                        memcpy(abs + 1, h->path, n + 1);
                        p_warning(p, path, NULL, "path \"%s\" is relative, read as \"%s\"",
                                  qs(p, h->path), qs(p, abs));
                        h->path = abs;
                }
                h->name = h->path;
                if (kind == POLICY_HOOK_USDT) {
                        const YamlNode *prov = field(e, "provider"), *nm = field(e, "name");

                        if (!require(p, e, prov, "provider", what) ||
                            !get_string(p, prov, "provider", &h->provider) ||
                            !require(p, e, nm, "name", what) ||
                            !get_string(p, nm, "name", &h->usdt_name))
                                ok = false;
                        break;
                }
                if (!get_string_list(p, field(e, "symbols"), "symbols", POLICY_MAX_UPROBE_TARGETS,
                                     0, &h->symbols, &h->n_symbols) ||
                    !parse_u64_list(p, field(e, "offsets"), "offsets", &h->offsets,
                                    &h->n_offsets) ||
                    !parse_u64_list(p, field(e, "addrs"), "addrs", &h->addrs, &h->n_addrs) ||
                    !parse_u64_list(p, field(e, "refCtrOffsets"), "refCtrOffsets",
                                    &h->ref_ctr_offsets, &h->n_ref_ctr_offsets))
                        ok = false;
                else if (h->n_symbols + h->n_offsets + h->n_addrs == 0)
                        ok = p_error(p, e, NULL,
                                     "a uprobe needs \"symbols\", \"offsets\" or \"addrs\"");
                if (h->n_ref_ctr_offsets > 0 && h->n_ref_ctr_offsets != h->n_symbols + h->n_offsets)
                        ok = p_error(
                                p, field(e, "refCtrOffsets"), NULL,
                                "refCtrOffsets needs one entry per symbol or offset (%zu), not %zu",
                                h->n_symbols + h->n_offsets, h->n_ref_ctr_offsets);
                if ((x = field(e, "btfPath")) && !get_string(p, x, "btfPath", &h->btf_path))
                        ok = false;
                if ((x = field(e, "resolvePathInContainer")) &&
                    !get_bool(p, x, "resolvePathInContainer", &h->resolve_path_in_container))
                        ok = false;
                if (h->resolve_path_in_container)
                        add_kubernetes_part(p, x, "resolvePathInContainer");
                if (!parse_return_fields(p, e, h) ||
                    !parse_args(p, field(e, "data"), h, ARG_ROLE_DATA, &h->data, &h->n_data))
                        ok = false;
                break;
        }
        case POLICY_HOOK_LSM: {
                const YamlNode *hook = field(e, "hook");
                const char *bare;

                if (!require(p, e, hook, "hook", what) || !get_string(p, hook, "hook", &h->hook))
                        return false;
                h->name = h->hook;
                bare = startswith(h->hook, "security_");
                if (bare) {
                        char hint[128];

                        snprintf(hint, sizeof(hint), "did you mean \"%s\"?", bare);
                        ok = p_error(p, hook, p_strndup(p, hint, strlen(hint)),
                                     "LSM hook names come without the \"security_\" prefix");
                } else if (!identifier_valid(h->hook))
                        ok = p_error(p, hook, NULL, "\"%s\" is not an LSM hook name",
                                     qs(p, h->hook));
                break;
        }
        case _POLICY_HOOK_KIND_MAX:
                break;
        }

        if (!parse_message(p, e, h) || !parse_tags(p, e, h))
                ok = false;
        if (!parse_args(p, field(e, "args"), h, ARG_ROLE_ARG, &h->args, &h->n_args))
                return false;
        for (size_t i = 0; i < h->n_args; i++)
                if (!check_size_arg(p, field(e, "args")->sequence.items[i], h, &h->args[i]))
                        ok = false;

        sels = field(e, "selectors");
        if (!get_list(p, sels, "selectors", POLICY_MAX_SELECTORS, "selectors", &n_sels))
                return false;
        if (n_sels > 0) {
                h->selectors = p_alloc(p, n_sels, sizeof(PolicySelector));
                if (!h->selectors)
                        return false;
                h->n_selectors = n_sels;
                for (size_t i = 0; i < n_sels; i++)
                        if (!parse_selector(p, sels->sequence.items[i], &ctx, &h->selectors[i]))
                                ok = false;
        }
        return ok;
}

/* ---- documents ---- */

static bool parse_hooks(Parser *p, const YamlNode *spec, const char *key, PolicyHookKind kind) {
        Policy *pol = p->policy;
        const YamlNode *n = field(spec, key);
        size_t count;
        bool ok = true;

        if (!get_list(p, n, key, POLICY_MAX_HOOKS, "hooks", &count))
                return false;
        if (count == 0)
                return true;
        if (pol->n_hooks + count > POLICY_MAX_HOOKS)
                return p_error(p, n, NULL, "the policy has more than the limit of %u hooks",
                               POLICY_MAX_HOOKS);
        for (size_t i = 0; i < count; i++) {
                PolicyHook *h = &pol->hooks[pol->n_hooks];

                if (!parse_hook(p, n->sequence.items[i], kind, h)) {
                        ok = false;
                        continue;
                }
                pol->n_hooks++;
        }
        return ok;
}

/* A systemd unit that has a cgroup of its own, named as its cgroup folder is. */
static bool unit_name_valid(const char *s) {
        static const char *const suffixes[] = { ".service", ".scope", ".slice", NULL };
        const char *dot = strrchr(s, '.');
        bool suffix_ok = false;

        if (!dot || dot == s)
                return false;
        for (size_t i = 0; suffixes[i]; i++)
                suffix_ok = suffix_ok || streq(dot, suffixes[i]);
        return suffix_ok && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789:-_.\\@") == strlen(s);
}

/* unitSelector: {operator: In | NotIn, values: [UNIT...]}, a tetragond extension. */
static bool parse_unit_selector(Parser *p, const YamlNode *spec) {
        static const char *const keys[] = { "operator", "values", NULL };
        const YamlNode *n = field(spec, "unitSelector"), *values;
        Policy *pol = p->policy;
        PolicyOperator op;
        bool ok;

        p_warning(p, field_key(spec, "unitSelector"), NULL,
                  "unitSelector is a tetragond extension: Tetragon refuses a policy with it");
        if (!expect_type(p, n, YAML_NODE_MAPPING, "unitSelector"))
                return false;
        ok = check_keys(p, n, "unitSelector", keys);
        if (!parse_in_operator(p, n, "unitSelector", in_not_in, &op))
                ok = false;
        values = field(n, "values");
        if (!require(p, n, values, "values", "unitSelector") ||
            !get_string_list(p, values, "unitSelector values", POLICY_MAX_UNITS,
                             POLICY_MAX_UNIT_NAME, &pol->units, &pol->n_units))
                return false;
        if (pol->n_units == 0)
                return p_error(p, values, NULL,
                               "unitSelector values is empty: name the units (nginx.service, "
                               "user.slice, ...)");
        for (size_t i = 0; i < pol->n_units; i++)
                if (!unit_name_valid(pol->units[i]))
                        ok = p_error(p, values->sequence.items[i], NULL,
                                     "\"%s\" is not the name of a unit with a cgroup: a "
                                     ".service, .scope or .slice",
                                     qs(p, pol->units[i]));
        pol->has_units = ok;
        pol->units_not_in = op == POLICY_OP_NOT_IN;
        return ok;
}

static bool parse_spec(Parser *p, const YamlNode *spec) {
        static const char *const keys[] = {
                "kprobes",
                "fentries",
                "tracepoints",
                "uprobes",
                "lsmhooks",
                "usdts",
                "lists",
                "enforcers",
                "options",
                "selectorsMacros",
                "loader",
                "podSelector",
                "containerSelector",
                "hostSelector",
                "nodeSelector",
                "unitSelector",
                NULL,
        };
        Policy *pol = p->policy;
        const YamlNode *x;
        bool ok;

        if (!expect_type(p, spec, YAML_NODE_MAPPING, "spec"))
                return false;
        ok = check_keys(p, spec, "spec", keys);

        /* Lists, enforcers and macros first: hooks refer to them. */
        if (!parse_lists(p, field(spec, "lists")) || !parse_options(p, field(spec, "options")) ||
            !parse_enforcers(p, field(spec, "enforcers")) ||
            !parse_macros(p, field(spec, "selectorsMacros")))
                ok = false;
        if ((x = field(spec, "loader")) && !get_bool(p, x, "loader", &pol->loader))
                ok = false;

        if ((x = field(spec, "podSelector"))) {
                if (!parse_label_selector(p, x, "podSelector"))
                        ok = false;
                add_kubernetes_part(p, field_key(spec, "podSelector"), "podSelector");
                p_warning(p, field_key(spec, "podSelector"), NULL,
                          "podSelector selects Kubernetes pods; tetragond refuses it on a host");
        }
        if ((x = field(spec, "containerSelector"))) {
                if (!parse_label_selector(p, x, "containerSelector"))
                        ok = false;
                add_kubernetes_part(p, field_key(spec, "containerSelector"), "containerSelector");
                p_warning(p, field_key(spec, "containerSelector"), NULL,
                          "containerSelector selects Kubernetes containers; tetragond refuses it "
                          "on a host");
        }
        if ((x = field(spec, "hostSelector"))) {
                if (!expect_type(p, x, YAML_NODE_MAPPING, "hostSelector"))
                        ok = false;
                else if (x->mapping.n_pairs > 0)
                        ok = p_error(p, x, NULL,
                                     "hostSelector can only be {} (all hosts) or null (none)");
                else if (pol->kind == POLICY_KIND_TRACING_POLICY_NAMESPACED)
                        ok = p_error(p, x, NULL,
                                     "a TracingPolicyNamespaced cannot have a hostSelector");
                else
                        pol->host_selector = true;
        }

        if ((x = field(spec, "nodeSelector"))) {
                /* A host has no node labels: {} selects it, anything more selects nothing. */
                if (!parse_label_selector(p, x, "nodeSelector"))
                        ok = false;
                else if ((field(x, "matchLabels") &&
                          field(x, "matchLabels")->mapping.n_pairs > 0) ||
                         (field(x, "matchExpressions") &&
                          field(x, "matchExpressions")->sequence.n_items > 0)) {
                        add_kubernetes_part(p, field_key(spec, "nodeSelector"), "nodeSelector");
                        p_warning(p, field_key(spec, "nodeSelector"), NULL,
                                  "nodeSelector selects Kubernetes nodes by label; tetragond "
                                  "refuses it on a host unless it is {}");
                }
        }

        if (field(spec, "unitSelector") && !parse_unit_selector(p, spec))
                ok = false;

        pol->hooks = p_alloc(p, POLICY_MAX_HOOKS, sizeof(PolicyHook));
        if (!pol->hooks)
                return false;
        if (!parse_hooks(p, spec, "kprobes", POLICY_HOOK_KPROBE) ||
            !parse_hooks(p, spec, "fentries", POLICY_HOOK_FENTRY) ||
            !parse_hooks(p, spec, "tracepoints", POLICY_HOOK_TRACEPOINT) ||
            !parse_hooks(p, spec, "uprobes", POLICY_HOOK_UPROBE) ||
            !parse_hooks(p, spec, "lsmhooks", POLICY_HOOK_LSM) ||
            !parse_hooks(p, spec, "usdts", POLICY_HOOK_USDT))
                ok = false;

        if (pol->n_hooks == 0 && !pol->loader && p->diags->n_errors == p->errors_at_document_start)
                p_warning(p, spec, NULL,
                          "the policy has no hooks (kprobes, tracepoints, ...): it does nothing");

        for (size_t i = 0; i < pol->n_macros; i++)
                if (!pol->macros[i].used) {
                        const YamlPair *pair = yaml_mapping_find(field(spec, "selectorsMacros"),
                                                                 pol->macros[i].name);

                        p_warning(p, pair ? pair->key : spec, NULL,
                                  "selector macro \"%s\" is never used, ignoring.",
                                  qs(p, pol->macros[i].name));
                }
        return ok;
}

static bool parse_document(Parser *p, const YamlNode *root) {
        static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec", NULL };
        static const char *const kinds[] = { "TracingPolicy", "TracingPolicyNamespaced", NULL };
        Policy *pol = p->policy;
        const YamlNode *api, *kind, *metadata, *spec;
        bool ok;
        char *s;

        if (root->type != YAML_NODE_MAPPING)
                return p_error(
                        p, root, template_hint(p, root),
                        "a policy document is a mapping (apiVersion, kind, metadata, spec), not %s",
                        describe_node(root));
        pol->pos = node_pos(root);
        ok = check_keys(p, root, "the document", keys);

        api = field(root, "apiVersion");
        if (!require(p, root, api, "apiVersion", "a policy document"))
                ok = false;
        else if (!get_string(p, api, "apiVersion", &s))
                ok = false;
        else if (!streq(s, POLICY_API_VERSION))
                ok = p_error(p, api, "write \"apiVersion: " POLICY_API_VERSION "\"",
                             "unsupported apiVersion \"%s\"", qs(p, s));

        kind = field(root, "kind");
        if (!require(p, root, kind, "kind", "a policy document") ||
            !get_string(p, kind, "kind", &s))
                return false;
        if (streq(s, "TracingPolicy"))
                pol->kind = POLICY_KIND_TRACING_POLICY;
        else if (streq(s, "TracingPolicyNamespaced")) {
                pol->kind = POLICY_KIND_TRACING_POLICY_NAMESPACED;
                add_kubernetes_part(p, kind, "TracingPolicyNamespaced");
                p_warning(p, kind, NULL,
                          "a TracingPolicyNamespaced applies to one Kubernetes namespace; "
                          "tetragond refuses it on a host");
        } else
                return p_error(
                        p, kind, did_you_mean(p, s, kinds),
                        "unknown kind \"%s\" (known: TracingPolicy, TracingPolicyNamespaced)",
                        qs(p, s));

        metadata = field(root, "metadata");
        if (!require(p, root, metadata, "metadata", "a policy document") ||
            !parse_metadata(p, metadata))
                ok = false;
        spec = field(root, "spec");
        if (!require(p, root, spec, "spec", "a policy document") || !parse_spec(p, spec))
                ok = false;
        return ok;
}

int policy_parse_buffer(const char *path, const void *data, size_t size, DiagnosticList *diags,
                        PolicyFile **ret) {
        _cleanup_(yaml_tree_freep) YamlTree *tree = NULL;
        _cleanup_(policy_file_freep) PolicyFile *f = NULL;
        size_t errors_before = diags->n_errors, n_docs = 0;
        Parser p = {
                .file = path,
                .diags = diags,
        };
        int r;

        *ret = NULL;
        r = yaml_tree_parse(path, data, size, diags, &tree);
        if (r == -EINVAL)
                return 0; /* reported */
        if (r < 0)
                return r;

        f = calloc(1, sizeof(PolicyFile));
        if (!f)
                return -ENOMEM;
        r = arena_new(&f->arena);
        if (r < 0)
                return r;
        p.arena = f->arena;
        f->path = arena_strdup(f->arena, path);
        f->policies =
                arena_alloc_array(f->arena, MAX(tree->n_documents, (size_t) 1), sizeof(Policy));
        if (!f->path || !f->policies)
                return -ENOMEM;

        for (size_t i = 0; i < tree->n_documents && !p.oom; i++) {
                const YamlNode *root = tree->documents[i];
                Policy *pol = &f->policies[f->n_policies];

                /* Empty documents (a trailing "---") hold nothing: skipped, as kubectl does. */
                if (is_null(root))
                        continue;
                n_docs++;
                *pol = (Policy){ .file = f->path };
                p.policy = pol;
                p.macro_nodes = NULL;
                p.errors_at_document_start = diags->n_errors;
                if (!parse_document(&p, root))
                        continue;
                f->n_policies++;
        }
        if (p.oom)
                return -ENOMEM;
        if (n_docs == 0) {
                r = diagnostic_list_add(diags, DIAGNOSTIC_ERROR, path, 1, 1, NULL,
                                        "no policy in this file (it holds no YAML document)");
                return r < 0 ? r : 0;
        }

        /* The same name twice in one file. */
        for (size_t i = 0; i < f->n_policies; i++)
                for (size_t j = 0; j < i; j++)
                        if (f->policies[i].name && f->policies[j].name &&
                            streq(f->policies[i].name, f->policies[j].name)) {
                                r = diagnostic_list_add(
                                        diags, DIAGNOSTIC_ERROR, path, f->policies[i].name_pos.line,
                                        f->policies[i].name_pos.column, NULL,
                                        "policy name \"%s\" is already used at %u:%u",
                                        f->policies[i].name, f->policies[j].name_pos.line,
                                        f->policies[j].name_pos.column);
                                if (r < 0)
                                        return r;
                                break;
                        }

        if (diags->n_errors > errors_before)
                return 0;
        *ret = TAKE_PTR(f);
        return 0;
}

int policy_parse_file(const char *path, DiagnosticList *diags, PolicyFile **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0, allocated = 0;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;

        /* Read at most one byte past the limit: enough to know it is too big. */
        for (;;) {
                ssize_t n;

                if (size == allocated) {
                        size_t want = allocated == 0 ? 64 * 1024 : allocated * 2;
                        char *b;

                        want = MIN(want, (size_t) YAML_TREE_MAX_INPUT_SIZE + 1);
                        if (want <= allocated) {
                                /* Over the limit: report the size without reading it all. */
                                size = S_ISREG(st.st_mode) && (size_t) st.st_size > size
                                               ? (size_t) st.st_size
                                               : size;
                                break;
                        }
                        b = realloc(buf, want);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        allocated = want;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }

        r = policy_parse_buffer(path, buf ?: "", size, diags, ret);
        return r;
}
