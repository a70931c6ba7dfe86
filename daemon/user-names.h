/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * uid -> user name for --username-metadata unix, as Tetragon does it: from the
 * traditional user database file (/etc/passwd) only, never through NSS, so a
 * slow LDAP or sssd can never stall the event path. The file is parsed once
 * into a sorted table; a lookup is a binary search, and the file is read again
 * only when its mtime, size or inode changed (checked at most once a second).
 */

#include <stdint.h>

#include "macro.h"

typedef struct UserNames UserNames;

/* path: "/etc/passwd" outside tests. Nothing is read until the first lookup. */
int user_names_new(UserNames **ret, const char *path);
UserNames *user_names_free(UserNames *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(UserNames *, user_names_free);

/* The name of uid, or NULL when the file has none (or cannot be read: then the
 * names known before stay in use). now_ns: CLOCK_BOOTTIME, for the re-check. The
 * string lives until the next lookup that reloads the table: copy it. */
const char *user_names_lookup(UserNames *u, uint32_t uid, uint64_t now_ns);

/* Parse passwd-format text into the table (for tests and the reload). Lines that are
 * not "name:x:uid:..." are skipped. Returns the number of entries or -ENOMEM. */
int user_names_load_text(UserNames *u, const char *text);
