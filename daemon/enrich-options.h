/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What events carry beyond Tetragon's defaults, under Tetragon's flag names. Each
 * part costs something on the exec path or in every event's size, so each is off
 * unless its flag asks for it. Parsing only: pure, no I/O, no logging.
 */

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "macro.h"

typedef struct EnrichOptions {
        unsigned ancestors; /* --enable-ancestors: 1U << EventType that carry "ancestors" */
        bool process_ns;    /* --enable-process-ns: process.ns */
        bool process_cred;  /* --enable-process-cred: process_credentials and cap */
        bool username_unix; /* --username-metadata unix: process.user.name */
        bool env;           /* --enable-process-environment-variables */
        char **env_filter;  /* --filter-environment-variables: names kept; NULL: all */
        size_t n_env_filter;
        bool expose_stack_addresses; /* --expose-stack-addresses */
} EnrichOptions;

typedef enum EnrichOption {
        ENRICH_OPTION_ANCESTORS,
        ENRICH_OPTION_PROCESS_NS,
        ENRICH_OPTION_PROCESS_CRED,
        ENRICH_OPTION_USERNAME_METADATA,
        ENRICH_OPTION_ENV,
        ENRICH_OPTION_FILTER_ENV,
        ENRICH_OPTION_EXPOSE_STACK_ADDRESSES,
        _ENRICH_OPTION_MAX,
} EnrichOption;

/* "enable-ancestors", ...: the flag's name without the dashes. */
const char *enrich_option_to_string(EnrichOption o);
/* What the value may be, for the error message: "true or false", ... */
const char *enrich_option_values(EnrichOption o);
/* Boolean options take no value ("--enable-process-ns") or true/false. */
bool enrich_option_is_bool(EnrichOption o);

/* Set one option from its flag's value (NULL for a boolean without one). Returns 0, or
 * -EINVAL when the value is not one enrich_option_values() names, or -ENOMEM. */
int enrich_options_set(EnrichOptions *o, EnrichOption which, const char *value);

/* Whether an event of this type carries "ancestors". */
static inline bool enrich_options_ancestors(const EnrichOptions *o, EventType t) {
        return o && (o->ancestors & (1U << t));
}

/* Whether NAME=VALUE (name_len bytes of name) passes --filter-environment-variables. */
bool enrich_options_env_kept(const EnrichOptions *o, const char *name, size_t name_len);

void enrich_options_done(EnrichOptions *o);
