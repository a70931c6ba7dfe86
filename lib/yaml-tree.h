/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * libyaml events turned into a small tree whose every node knows where it
 * came from (1-based line and column), so later stages can point at the exact
 * character a user has to change.
 *
 * The input is untrusted: every dimension is capped by a named limit, and
 * aliases are followed only while the expanded tree stays under a node budget,
 * so "billion laughs" documents fail with an error instead of eating memory.
 */

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "diagnostic.h"

#define YAML_TREE_MAX_INPUT_SIZE (1024U * 1024U) /* bytes in one file */
#define YAML_TREE_MAX_DEPTH 64U                  /* nested collections */
#define YAML_TREE_MAX_NODES 100000U              /* nodes as written */
#define YAML_TREE_MAX_EXPANDED_NODES 100000U     /* nodes once aliases are expanded */
#define YAML_TREE_MAX_SCALAR_LENGTH 16384U       /* bytes in one scalar */
#define YAML_TREE_MAX_DOCUMENTS 64U              /* "---" separated documents */

typedef enum YamlNodeType {
        YAML_NODE_SCALAR,
        YAML_NODE_SEQUENCE,
        YAML_NODE_MAPPING,
} YamlNodeType;

typedef struct YamlNode YamlNode;

typedef struct YamlPair {
        YamlNode *key;
        YamlNode *value;
} YamlPair;

struct YamlNode {
        YamlNodeType type;
        unsigned line, column;
        bool flow;     /* written in flow style: [a, b] or {a: b} */
        size_t weight; /* this node plus everything below it, aliases expanded */
        union {
                struct {
                        char *value; /* NUL-terminated; may also contain NUL bytes */
                        size_t length;
                        bool quoted; /* quoted, block literal or tagged !!str: never a number or
                                        bool */
                        bool null;   /* plain "", "~", "null", "Null" or "NULL" */
                } scalar;
                struct {
                        YamlNode **items;
                        size_t n_items;
                } sequence;
                struct {
                        YamlPair *pairs;
                        size_t n_pairs;
                } mapping;
        };
};

typedef struct YamlTree {
        Arena *arena; /* owns every node */
        YamlNode **documents;
        size_t n_documents;
} YamlTree;

/*
 * Parses data (size bytes, need not be NUL-terminated). Problems with the
 * input are reported to diags against the name file and make this return
 * -EINVAL; -ENOMEM when memory ran out. On success *ret holds the tree, which
 * may have zero documents (an empty file).
 */
int yaml_tree_parse(const char *file, const void *data, size_t size, DiagnosticList *diags,
                    YamlTree **ret);

YamlTree *yaml_tree_free(YamlTree *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(YamlTree *, yaml_tree_free);

const char *yaml_node_type_to_string(YamlNodeType type);

/* The value of key in a mapping, or NULL. */
const YamlPair *yaml_mapping_find(const YamlNode *mapping, const char *key);
