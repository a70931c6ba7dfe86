/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The checks every front end applies the same way: the daemon's registry,
 * the bus's AddPolicy and Validate, and `tetractl validate` and `tetractl
 * policy add`. One rule for a policy's name in the folder, one for
 * metadata.name being unique, one way to turn diagnostics into the error
 * text a caller shows. Never logs; errors come back as diagnostics or text.
 */

#include <stdbool.h>
#include <stddef.h>

#include "diagnostic.h"
#include "policy.h"

/* Policy names are file names without their extension: short, and safe in a path.
 * A plain number, so that POLICY_NAME_RULE can spell it. */
#define POLICY_NAME_MAX 128

#define POLICY_CHECK_STRINGIFY_(x) #x
#define POLICY_CHECK_STRINGIFY(x) POLICY_CHECK_STRINGIFY_(x)

/* The rule below in words, for the errors that refuse a name. */
#define POLICY_NAME_RULE                                                                           \
        "use letters, digits, '-', '_' and '.', not starting with '.', at "                        \
        "most " POLICY_CHECK_STRINGIFY(POLICY_NAME_MAX) " bytes"

/* Letters, digits, '-', '_', '.', not starting with '.', at most POLICY_NAME_MAX bytes.
 * NULL is not valid. */
bool policy_check_name(const char *name);

/* A metadata.name already taken, and where: file with a position (line > 0),
 * or a whole file (line 0), e.g. another policy file of the folder. */
typedef struct PolicyNameUse {
        const char *name;
        const char *file;
        unsigned line, column;
} PolicyNameUse;

/* Adds an error at each policy of file whose metadata.name is in taken:
 * "policy name "X" is already used by FILE[:LINE:COL]". Returns -EINVAL when
 * it added one, 0 when every name is free, -ENOMEM. */
int policy_check_unique_names(const PolicyFile *file, const PolicyNameUse *taken, size_t n_taken,
                              DiagnosticList *diags);

/* The uses of file's named policies, appended to *uses (grown with realloc).
 * They point into file, which must outlive them. */
int policy_check_add_name_uses(const PolicyFile *file, PolicyNameUse **uses, size_t *n_uses);

/* The errors of a list as one text, one "FILE:LINE:COL: error: ..." line
 * each, at most max_lines of them and then "(N more errors)". Warnings are
 * left out: this is why something was refused. *ret is NULL when the list
 * has no errors. */
int policy_check_format_errors(const DiagnosticList *diags, size_t max_lines, char **ret);
