/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdint.h>
#include <yaml.h>

#include "yaml-tree.h"

/* Anchors one document may define: aliases are looked up linearly. */
#define YAML_TREE_MAX_ANCHORS 1000U

typedef struct Frame {
        YamlNode *node;
        YamlNode **children; /* malloc'd while the collection is open */
        size_t n_children, allocated;
        size_t weight;
} Frame;

typedef struct Anchor {
        char *name;
        YamlNode *node;
} Anchor;

typedef struct Builder {
        const char *file;
        const unsigned char *data;
        size_t size;
        DiagnosticList *diags;
        YamlTree *tree;

        Frame frames[YAML_TREE_MAX_DEPTH];
        size_t depth;
        YamlNode *root;
        size_t n_nodes;
        size_t expanded; /* nodes once aliases are expanded, whole file */

        Anchor *anchors;
        size_t n_anchors;

        YamlNode **documents;
        size_t n_documents, allocated_documents;
} Builder;

const char *yaml_node_type_to_string(YamlNodeType type) {
        switch (type) {
        case YAML_NODE_SCALAR:
                return "a scalar";
        case YAML_NODE_SEQUENCE:
                return "a list";
        case YAML_NODE_MAPPING:
                return "a mapping";
        }
        return "a node";
}

YamlTree *yaml_tree_free(YamlTree *t) {
        if (!t)
                return NULL;
        arena_free(t->arena);
        free(t);
        return NULL;
}

const YamlPair *yaml_mapping_find(const YamlNode *mapping, const char *key) {
        if (!mapping || mapping->type != YAML_NODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < mapping->mapping.n_pairs; i++) {
                const YamlNode *k = mapping->mapping.pairs[i].key;

                if (k->type == YAML_NODE_SCALAR && streq(k->scalar.value, key))
                        return &mapping->mapping.pairs[i];
        }
        return NULL;
}

static int builder_error(Builder *b, unsigned line, unsigned column, const char *hint,
                         const char *format, ...) _printf_(5, 6);
static int builder_error(Builder *b, unsigned line, unsigned column, const char *hint,
                         const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = diagnostic_list_addv(b->diags, DIAGNOSTIC_ERROR, b->file, line, column, hint, format,
                                 ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

/* libyaml marks are 0-based. */
static unsigned mark_line(const yaml_mark_t *m) {
        return m->line >= UINT32_MAX ? UINT32_MAX : (unsigned) m->line + 1;
}

static unsigned mark_column(const yaml_mark_t *m) {
        return m->column >= UINT32_MAX ? UINT32_MAX : (unsigned) m->column + 1;
}

static void offset_to_position(const Builder *b, size_t offset, unsigned *ret_line,
                               unsigned *ret_column) {
        unsigned line = 1, column = 1;

        for (size_t i = 0; i < offset && i < b->size; i++) {
                if (b->data[i] == '\n') {
                        line++;
                        column = 1;
                } else
                        column++;
        }
        *ret_line = line;
        *ret_column = column;
}

static int builder_parser_error(Builder *b, const yaml_parser_t *p) {
        unsigned line, column;

        switch (p->error) {
        case YAML_MEMORY_ERROR:
                return -ENOMEM;
        case YAML_READER_ERROR:
                /* Bad encoding: libyaml knows the byte offset, not the line. */
                offset_to_position(b, p->problem_offset, &line, &column);
                if (p->problem_value >= 0)
                        return builder_error(b, line, column,
                                             "policies are UTF-8 text; is this a binary file?",
                                             "cannot read YAML: %s (byte 0x%02x)",
                                             strempty(p->problem), (unsigned) p->problem_value);
                return builder_error(b, line, column,
                                     "policies are UTF-8 text; is this a binary file?",
                                     "cannot read YAML: %s", strempty(p->problem));
        default:
                break;
        }

        if (p->context)
                return builder_error(b, mark_line(&p->problem_mark), mark_column(&p->problem_mark),
                                     NULL, "YAML syntax error: %s (%s started at %u:%u)",
                                     strempty(p->problem), p->context, mark_line(&p->context_mark),
                                     mark_column(&p->context_mark));
        return builder_error(b, mark_line(&p->problem_mark), mark_column(&p->problem_mark), NULL,
                             "YAML syntax error: %s", strempty(p->problem));
}

static YamlNode *builder_new_node(Builder *b, YamlNodeType type, const yaml_mark_t *start) {
        YamlNode *n;

        n = arena_alloc(b->tree->arena, sizeof(YamlNode));
        if (!n)
                return NULL;
        n->type = type;
        n->line = mark_line(start);
        n->column = mark_column(start);
        return n;
}

static int builder_count_node(Builder *b, const yaml_mark_t *start) {
        if (++b->n_nodes > YAML_TREE_MAX_NODES)
                return builder_error(b, mark_line(start), mark_column(start), NULL,
                                     "too many YAML nodes (limit %u)", YAML_TREE_MAX_NODES);
        return 0;
}

/* Hands a finished node to its parent collection, or makes it the root. */
static int builder_add(Builder *b, YamlNode *n, const yaml_mark_t *start) {
        Frame *f;

        /* Invariant: b->expanded and every f->weight stay <= the limit. */
        if (b->depth == 0) {
                if (n->weight > YAML_TREE_MAX_EXPANDED_NODES - b->expanded)
                        goto too_big;
                b->root = n;
                b->expanded += n->weight;
                return 0;
        }

        f = &b->frames[b->depth - 1];
        if (n->weight > YAML_TREE_MAX_EXPANDED_NODES - f->weight)
                goto too_big;
        f->weight += n->weight;

        if (f->n_children == f->allocated) {
                size_t size = MAX(f->allocated * 2, (size_t) 8);
                YamlNode **c;

                c = reallocarray(f->children, size, sizeof(YamlNode *));
                if (!c)
                        return -ENOMEM;
                f->children = c;
                f->allocated = size;
        }
        f->children[f->n_children++] = n;
        return 0;

too_big:
        return builder_error(
                b, mark_line(start), mark_column(start),
                "YAML aliases that expand to huge trees (a \"billion laughs\" bomb) are refused",
                "document too large once aliases are expanded (limit %u nodes)",
                YAML_TREE_MAX_EXPANDED_NODES);
}

static int builder_anchor(Builder *b, const yaml_char_t *name, YamlNode *n,
                          const yaml_mark_t *start) {
        Anchor *a;

        if (!name)
                return 0;
        if (b->n_anchors >= YAML_TREE_MAX_ANCHORS)
                return builder_error(b, mark_line(start), mark_column(start), NULL,
                                     "too many YAML anchors (limit %u)", YAML_TREE_MAX_ANCHORS);
        if (!b->anchors) {
                b->anchors = calloc(YAML_TREE_MAX_ANCHORS, sizeof(Anchor));
                if (!b->anchors)
                        return -ENOMEM;
        }
        a = &b->anchors[b->n_anchors++];
        a->name = arena_strdup(b->tree->arena, (const char *) name);
        if (!a->name)
                return -ENOMEM;
        a->node = n;
        return 0;
}

static int builder_alias(Builder *b, const yaml_event_t *e) {
        const char *name = (const char *) e->data.alias.anchor;
        YamlNode *target = NULL;

        /* The latest definition of a name wins, as in YAML. */
        for (size_t i = b->n_anchors; i > 0; i--)
                if (streq(b->anchors[i - 1].name, name)) {
                        target = b->anchors[i - 1].node;
                        break;
                }
        if (!target)
                return builder_error(b, mark_line(&e->start_mark), mark_column(&e->start_mark),
                                     NULL, "alias *%s refers to no anchor &%s before it", name,
                                     name);
        /* A collection gets its weight when it closes: zero means the alias sits
         * inside the very node it names, which would make the tree infinite. */
        if (target->weight == 0)
                return builder_error(b, mark_line(&e->start_mark), mark_column(&e->start_mark),
                                     NULL, "alias *%s refers to a node that contains it", name);
        return builder_add(b, target, &e->start_mark);
}

static int builder_scalar(Builder *b, const yaml_event_t *e) {
        const char *value = (const char *) e->data.scalar.value;
        size_t length = e->data.scalar.length;
        YamlNode *n;
        int r;

        r = builder_count_node(b, &e->start_mark);
        if (r < 0)
                return r;
        if (length > YAML_TREE_MAX_SCALAR_LENGTH)
                return builder_error(b, mark_line(&e->start_mark), mark_column(&e->start_mark),
                                     NULL, "scalar of %zu bytes is longer than the limit of %u",
                                     length, YAML_TREE_MAX_SCALAR_LENGTH);

        n = builder_new_node(b, YAML_NODE_SCALAR, &e->start_mark);
        if (!n)
                return -ENOMEM;
        n->weight = 1;
        n->scalar.value = arena_strndup(b->tree->arena, value, length);
        if (!n->scalar.value)
                return -ENOMEM;
        n->scalar.length = length;

        if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                const char *tag = (const char *) e->data.scalar.tag;

                n->scalar.quoted = tag && streq(tag, YAML_STR_TAG);
                n->scalar.null = !n->scalar.quoted &&
                                 (length == 0 || streq(n->scalar.value, "~") ||
                                  streq(n->scalar.value, "null") ||
                                  streq(n->scalar.value, "Null") || streq(n->scalar.value, "NULL"));
        } else
                n->scalar.quoted = true;

        r = builder_anchor(b, e->data.scalar.anchor, n, &e->start_mark);
        if (r < 0)
                return r;
        return builder_add(b, n, &e->start_mark);
}

static int builder_open(Builder *b, const yaml_event_t *e, YamlNodeType type) {
        const yaml_char_t *anchor;
        YamlNode *n;
        int r;

        r = builder_count_node(b, &e->start_mark);
        if (r < 0)
                return r;
        if (b->depth >= YAML_TREE_MAX_DEPTH)
                return builder_error(b, mark_line(&e->start_mark), mark_column(&e->start_mark),
                                     NULL, "YAML nested too deeply (limit %u levels)",
                                     YAML_TREE_MAX_DEPTH);

        n = builder_new_node(b, type, &e->start_mark);
        if (!n)
                return -ENOMEM;
        if (type == YAML_NODE_SEQUENCE) {
                n->flow = e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
                anchor = e->data.sequence_start.anchor;
        } else {
                n->flow = e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
                anchor = e->data.mapping_start.anchor;
        }

        r = builder_anchor(b, anchor, n, &e->start_mark);
        if (r < 0)
                return r;

        b->frames[b->depth++] = (Frame){
                .node = n,
                .weight = 1,
        };
        return 0;
}

static int builder_close(Builder *b, const yaml_event_t *e) {
        Frame *f = &b->frames[b->depth - 1];
        YamlNode *n = f->node;
        yaml_mark_t start = {
                .line = n->line - 1,
                .column = n->column - 1,
        };

        if (n->type == YAML_NODE_SEQUENCE) {
                n->sequence.items = arena_alloc_array(
                        b->tree->arena, MAX(f->n_children, (size_t) 1), sizeof(YamlNode *));
                if (!n->sequence.items)
                        return -ENOMEM;
                if (f->n_children > 0)
                        memcpy(n->sequence.items, f->children, f->n_children * sizeof(YamlNode *));
                n->sequence.n_items = f->n_children;
        } else {
                size_t n_pairs = f->n_children / 2;

                n->mapping.pairs = arena_alloc_array(b->tree->arena, MAX(n_pairs, (size_t) 1),
                                                     sizeof(YamlPair));
                if (!n->mapping.pairs)
                        return -ENOMEM;
                for (size_t i = 0; i < n_pairs; i++) {
                        n->mapping.pairs[i].key = f->children[2 * i];
                        n->mapping.pairs[i].value = f->children[2 * i + 1];
                }
                n->mapping.n_pairs = n_pairs;
        }
        n->weight = f->weight;

        free(f->children);
        *f = (Frame){};
        b->depth--;
        return builder_add(b, n, &start);
}

static int builder_document_end(Builder *b, const yaml_event_t *e) {
        if (b->n_documents >= YAML_TREE_MAX_DOCUMENTS)
                return builder_error(b, mark_line(&e->start_mark), mark_column(&e->start_mark),
                                     NULL, "too many YAML documents in one file (limit %u)",
                                     YAML_TREE_MAX_DOCUMENTS);
        if (b->n_documents == b->allocated_documents) {
                size_t size = MAX(b->allocated_documents * 2, (size_t) 4);
                YamlNode **d;

                d = reallocarray(b->documents, size, sizeof(YamlNode *));
                if (!d)
                        return -ENOMEM;
                b->documents = d;
                b->allocated_documents = size;
        }
        b->documents[b->n_documents++] = b->root;
        b->root = NULL;
        /* Anchors do not carry over to the next document. */
        b->n_anchors = 0;
        return 0;
}

static int builder_handle(Builder *b, const yaml_event_t *e) {
        switch (e->type) {
        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_START_EVENT:
                return 0;
        case YAML_DOCUMENT_END_EVENT:
                return builder_document_end(b, e);
        case YAML_ALIAS_EVENT:
                return builder_alias(b, e);
        case YAML_SCALAR_EVENT:
                return builder_scalar(b, e);
        case YAML_SEQUENCE_START_EVENT:
                return builder_open(b, e, YAML_NODE_SEQUENCE);
        case YAML_MAPPING_START_EVENT:
                return builder_open(b, e, YAML_NODE_MAPPING);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                return builder_close(b, e);
        }
        return 0;
}

static void builder_done(Builder *b) {
        for (size_t i = 0; i < b->depth; i++)
                free(b->frames[i].children);
        free(b->anchors);
        free(b->documents);
        yaml_tree_free(b->tree);
}

int yaml_tree_parse(const char *file, const void *data, size_t size, DiagnosticList *diags,
                    YamlTree **ret) {
        Builder b = {
                .file = file,
                .data = data,
                .size = size,
                .diags = diags,
        };
        yaml_parser_t parser;
        bool done = false;
        int r;

        if (size > YAML_TREE_MAX_INPUT_SIZE) {
                r = diagnostic_list_add(
                        diags, DIAGNOSTIC_ERROR, file, 0, 0, NULL,
                        "file is %zu bytes, more than the limit of %u bytes (%u KiB)", size,
                        YAML_TREE_MAX_INPUT_SIZE, YAML_TREE_MAX_INPUT_SIZE / 1024);
                return r < 0 ? r : -EINVAL;
        }

        b.tree = calloc(1, sizeof(YamlTree));
        if (!b.tree)
                return -ENOMEM;
        r = arena_new(&b.tree->arena);
        if (r < 0) {
                free(b.tree);
                return r;
        }

        if (!yaml_parser_initialize(&parser)) {
                builder_done(&b);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&parser, data, size);

        while (!done) {
                yaml_event_t e;

                if (!yaml_parser_parse(&parser, &e)) {
                        r = builder_parser_error(&b, &parser);
                        goto finish;
                }
                done = e.type == YAML_STREAM_END_EVENT;
                r = builder_handle(&b, &e);
                yaml_event_delete(&e);
                if (r < 0)
                        goto finish;
        }

        b.tree->documents = arena_alloc_array(b.tree->arena, MAX(b.n_documents, (size_t) 1),
                                              sizeof(YamlNode *));
        if (!b.tree->documents) {
                r = -ENOMEM;
                goto finish;
        }
        if (b.n_documents > 0)
                memcpy(b.tree->documents, b.documents, b.n_documents * sizeof(YamlNode *));
        b.tree->n_documents = b.n_documents;
        *ret = TAKE_PTR(b.tree);
        r = 0;

finish:
        yaml_parser_delete(&parser);
        builder_done(&b);
        return r;
}
