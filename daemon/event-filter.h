/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Tetragon's export filters (--export-allowlist, --export-denylist): one JSON
 * object per line; an event matches a line when it matches every key of it,
 * and the list when it matches any line. Keys, as Tetragon names them:
 *
 *     event_set             ["PROCESS_EXEC", "PROCESS_EXIT", "PROCESS_KPROBE", ...]
 *     binary_regex          the process's binary
 *     parent_binary_regex   its parent's binary
 *     ancestor_binary_regex any of its ancestors' binary (the parent's parent
 *                           upward, as the event's "ancestors" lists them)
 *     arguments_regex       its arguments, joined as the export JSON shows them
 *     parent_arguments_regex
 *     pid                   the process's pid
 *     pid_set               the process or any descendant of it (children are
 *                           learnt from the events the filter sees)
 *     policy_names          the policy of a process_kprobe/lsm/uprobe/... event
 *     capabilities          {"effective": {"any": ["CAP_SYS_ADMIN"]}, ...}: per
 *                           set (permitted, effective, inheritable) one of any,
 *                           all, exactly, none; a process whose capabilities
 *                           are unknown matches no such line
 *
 * Regexes are PCRE2 (Tetragon uses Go's RE2): an unanchored search over the
 * raw bytes. Tetragon refuses ancestor_binary_regex and capabilities unless the
 * events carry ancestors and cap (--enable-ancestors, --enable-process-cred);
 * here they match on what the process cache knows, whatever the events show.
 * Keys for Kubernetes pods and containers are refused with a sentence rather
 * than never matching in silence.
 */

#include <stdbool.h>

#include "event.h"
#include "macro.h"

typedef struct EventFilter EventFilter;

/* Compiles text. On -EINVAL, *ret_error says which line and key are wrong. */
int event_filter_new(EventFilter **ret, const char *text, char **ret_error);
EventFilter *event_filter_free(EventFilter *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(EventFilter *, event_filter_free);

/* Does e match any line? Not const: pid_set learns descendants from the events it sees. */
bool event_filter_match(EventFilter *f, const Event *e);

/* "PROCESS_EXEC" for EVENT_PROCESS_EXEC: the names of event_set. */
const char *event_type_to_set_name(EventType t);
