/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Tetragon's redaction filters (--redaction-filters): one JSON object per line,
 *
 *     {"binary_regex": ["(?:^|/)mysql$"], "redact": ["--password(?:\\s+|=)(\\S+)"]}
 *
 * Every capture group of every match of a "redact" regex becomes "*****" in
 * the process's arguments and environment variables; "binary_regex"
 * (optional) limits a line to the processes whose binary matches. The regexes
 * run over the arguments (and, separately, the environment) joined by single
 * spaces (Tetragon's own rendering also quotes arguments that hold a
 * space; here they are not), with PCRE2 instead of Go's RE2.
 *
 * The process cache applies it where a process gets its arguments and
 * environment (exec, and /proc at start), so no event, sink or D-Bus reply ever holds the secret.
 */

#include "event.h"
#include "macro.h"

typedef struct Redaction Redaction;

/* Compiles text. On -EINVAL, *ret_error says which line and key are wrong. */
int redaction_new(Redaction **ret, const char *text, char **ret_error);
Redaction *redaction_free(Redaction *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Redaction *, redaction_free);

/* Rewrites p->args, then p->env (--enable-process-environment-variables: its
 * NAME=VALUE entries joined the same way), in place of what the filters match.
 * Returns 1 when it redacted something, 0 when not, -ENOMEM (the caller must
 * not let the secret through). */
int redaction_apply(Redaction *r, Process *p);
