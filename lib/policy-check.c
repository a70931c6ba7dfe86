/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy-check.h"

bool policy_check_name(const char *name) {
        size_t n;

        if (!name || !*name || name[0] == '.')
                return false;
        n = strlen(name);
        if (n > POLICY_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.'))
                        return false;
        }
        return true;
}

static const PolicyNameUse *name_use_find(const PolicyNameUse *uses, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(uses[i].name, name))
                        return &uses[i];
        return NULL;
}

int policy_check_unique_names(const PolicyFile *file, const PolicyNameUse *taken, size_t n_taken,
                              DiagnosticList *diags) {
        bool clash = false;

        for (size_t i = 0; file && i < file->n_policies; i++) {
                const Policy *p = &file->policies[i];
                const PolicyNameUse *u;
                int r;

                /* A nameless policy already has its own error from the parser. */
                if (!p->name)
                        continue;
                u = name_use_find(taken, n_taken, p->name);
                if (!u)
                        continue;
                if (u->line > 0)
                        r = diagnostic_list_add(diags, DIAGNOSTIC_ERROR, p->file, p->name_pos.line,
                                                p->name_pos.column, NULL,
                                                "policy name \"%s\" is already used by %s:%u:%u",
                                                p->name, u->file, u->line, u->column);
                else
                        r = diagnostic_list_add(diags, DIAGNOSTIC_ERROR, p->file, p->name_pos.line,
                                                p->name_pos.column, NULL,
                                                "policy name \"%s\" is already used by %s", p->name,
                                                u->file);
                if (r < 0)
                        return r;
                clash = true;
        }
        return clash ? -EINVAL : 0;
}

int policy_check_add_name_uses(const PolicyFile *file, PolicyNameUse **uses, size_t *n_uses) {
        PolicyNameUse *grown;

        if (!file || file->n_policies == 0)
                return 0;
        grown = reallocarray(*uses, *n_uses + file->n_policies, sizeof(PolicyNameUse));
        if (!grown)
                return -ENOMEM;
        *uses = grown;
        for (size_t i = 0; i < file->n_policies; i++) {
                const Policy *p = &file->policies[i];

                if (!p->name)
                        continue;
                grown[(*n_uses)++] = (PolicyNameUse){
                        .name = p->name,
                        .file = p->file,
                        .line = p->name_pos.line,
                        .column = p->name_pos.column,
                };
        }
        return 0;
}

int policy_check_format_errors(const DiagnosticList *diags, size_t max_lines, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0, shown = 0;
        FILE *f;

        if (!diagnostic_list_has_errors(diags)) {
                *ret = NULL;
                return 0;
        }
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < diags->n_items && shown < max_lines; i++) {
                _cleanup_free_ char *line = NULL;

                if (diags->items[i].level != DIAGNOSTIC_ERROR)
                        continue;
                if (diagnostic_format(&diags->items[i], &line) < 0) {
                        fclose(f);
                        return -ENOMEM;
                }
                fprintf(f, "%s%s", shown > 0 ? "\n" : "", line);
                shown++;
        }
        if (shown < diags->n_errors)
                fprintf(f, "%s(%zu more errors)", shown > 0 ? "\n" : "", diags->n_errors - shown);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
