/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enrich-options.h"
#include "parse-util.h"

static const char *const option_names[_ENRICH_OPTION_MAX] = {
        [ENRICH_OPTION_ANCESTORS] = "enable-ancestors",
        [ENRICH_OPTION_PROCESS_NS] = "enable-process-ns",
        [ENRICH_OPTION_PROCESS_CRED] = "enable-process-cred",
        [ENRICH_OPTION_USERNAME_METADATA] = "username-metadata",
        [ENRICH_OPTION_ENV] = "enable-process-environment-variables",
        [ENRICH_OPTION_FILTER_ENV] = "filter-environment-variables",
        [ENRICH_OPTION_EXPOSE_STACK_ADDRESSES] = "expose-stack-addresses",
};

const char *enrich_option_to_string(EnrichOption o) {
        return o < _ENRICH_OPTION_MAX ? option_names[o] : NULL;
}

bool enrich_option_is_bool(EnrichOption o) {
        switch (o) {
        case ENRICH_OPTION_PROCESS_NS:
        case ENRICH_OPTION_PROCESS_CRED:
        case ENRICH_OPTION_ENV:
        case ENRICH_OPTION_EXPOSE_STACK_ADDRESSES:
                return true;
        case ENRICH_OPTION_ANCESTORS:
        case ENRICH_OPTION_USERNAME_METADATA:
        case ENRICH_OPTION_FILTER_ENV:
        case _ENRICH_OPTION_MAX:
                break;
        }
        return false;
}

const char *enrich_option_values(EnrichOption o) {
        switch (o) {
        case ENRICH_OPTION_ANCESTORS:
                return "a comma-separated list of base, kprobe, tracepoint, uprobe, lsm, usdt; "
                       "base is needed by the others";
        case ENRICH_OPTION_USERNAME_METADATA:
                return "unix or disabled";
        case ENRICH_OPTION_FILTER_ENV:
                return "a comma-separated list of variable names";
        case ENRICH_OPTION_PROCESS_NS:
        case ENRICH_OPTION_PROCESS_CRED:
        case ENRICH_OPTION_ENV:
        case ENRICH_OPTION_EXPOSE_STACK_ADDRESSES:
        case _ENRICH_OPTION_MAX:
                break;
        }
        return "true or false";
}

/* A flag given without a value ("--enable-process-ns") is true. */
static int parse_bool(const char *s, bool *ret) {
        int r = s ? parse_boolean(s) : 1;

        if (r < 0)
                return r;
        *ret = r;
        return 0;
}

/* Tetragon's names: "base" is process_exec and process_exit. */
static int parse_ancestors(const char *s, unsigned *ret) {
        static const struct {
                const char *name;
                unsigned mask;
        } names[] = {
                { "base", (1U << EVENT_PROCESS_EXEC) | (1U << EVENT_PROCESS_EXIT) },
                { "kprobe", 1U << EVENT_PROCESS_KPROBE },
                { "tracepoint", 1U << EVENT_PROCESS_TRACEPOINT },
                { "uprobe", 1U << EVENT_PROCESS_UPROBE },
                { "lsm", 1U << EVENT_PROCESS_LSM },
                { "usdt", 1U << EVENT_PROCESS_USDT },
        };
        unsigned mask = 0;

        for (const char *p = s; p && *p;) {
                size_t n = strcspn(p, ",");
                size_t i;

                for (i = 0; i < ELEMENTSOF(names); i++)
                        if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0)
                                break;
                if (i == ELEMENTSOF(names))
                        return -EINVAL;
                mask |= names[i].mask;
                p += n;
                p += *p == ',';
        }
        /* As Tetragon: the ancestors of a policy event come from the base events. */
        if (mask != 0 && !(mask & (1U << EVENT_PROCESS_EXEC)))
                return -EINVAL;
        *ret = mask;
        return 0;
}

static void env_filter_free(EnrichOptions *o) {
        for (size_t i = 0; i < o->n_env_filter; i++)
                free(o->env_filter[i]);
        o->env_filter = mfree(o->env_filter);
        o->n_env_filter = 0;
}

static int parse_env_filter(EnrichOptions *o, const char *s) {
        env_filter_free(o);
        for (const char *p = s; p && *p;) {
                size_t n = strcspn(p, ",");

                if (n > 0) {
                        char **bigger = realloc(o->env_filter,
                                                (o->n_env_filter + 1) * sizeof(*o->env_filter));

                        if (!bigger)
                                return -ENOMEM;
                        o->env_filter = bigger;
                        o->env_filter[o->n_env_filter] = strndup(p, n);
                        if (!o->env_filter[o->n_env_filter])
                                return -ENOMEM;
                        o->n_env_filter++;
                }
                p += n;
                p += *p == ',';
        }
        return 0;
}

int enrich_options_set(EnrichOptions *o, EnrichOption which, const char *value) {
        switch (which) {
        case ENRICH_OPTION_ANCESTORS:
                return parse_ancestors(value, &o->ancestors);
        case ENRICH_OPTION_PROCESS_NS:
                return parse_bool(value, &o->process_ns);
        case ENRICH_OPTION_PROCESS_CRED:
                return parse_bool(value, &o->process_cred);
        case ENRICH_OPTION_USERNAME_METADATA:
                if (streq_ptr(value, "unix"))
                        o->username_unix = true;
                else if (streq_ptr(value, "disabled") || streq_ptr(value, ""))
                        o->username_unix = false;
                else
                        return -EINVAL;
                return 0;
        case ENRICH_OPTION_ENV:
                return parse_bool(value, &o->env);
        case ENRICH_OPTION_FILTER_ENV:
                return parse_env_filter(o, value);
        case ENRICH_OPTION_EXPOSE_STACK_ADDRESSES:
                return parse_bool(value, &o->expose_stack_addresses);
        case _ENRICH_OPTION_MAX:
                break;
        }
        return -EINVAL;
}

bool enrich_options_env_kept(const EnrichOptions *o, const char *name, size_t name_len) {
        if (!o || o->n_env_filter == 0)
                return true;
        for (size_t i = 0; i < o->n_env_filter; i++)
                if (strlen(o->env_filter[i]) == name_len &&
                    memcmp(o->env_filter[i], name, name_len) == 0)
                        return true;
        return false;
}

void enrich_options_done(EnrichOptions *o) {
        if (o)
                env_filter_free(o);
}
