/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "event.h"

Process *process_ref(Process *p) {
        if (p)
                p->n_ref++;
        return p;
}

Process *process_unref(Process *p) {
        /* A loop, not recursion: the last reference to a long chain of ancestors may go. */
        while (p && --p->n_ref == 0) {
                Process *parent = p->parent;

                free(p->exec_id);
                free(p->parent_exec_id);
                free(p->binary);
                free(p->args);
                free(p->cwd);
                free(p->cgroup_path);
                free(p->unit);
                free(p->user_name);
                free(p->env);
                free(p);
                p = parent;
        }
        return NULL;
}

const char *process_next_arg(const Process *p, const char *arg) {
        const char *end, *next;

        if (!p->args || !arg)
                return NULL;
        end = p->args + p->args_size;
        next = memchr(arg, '\0', end - arg);
        if (!next || next + 1 >= end)
                return NULL;
        return next + 1;
}
