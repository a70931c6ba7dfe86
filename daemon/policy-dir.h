/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The policy folder: which of its files are policies, whether they can be
 * trusted, and which of them changed. Nothing here knows about YAML or the
 * kernel, and nothing here logs: refusals come back as sentences.
 *
 * Trust works like sshd's StrictModes: the folder and every policy file must
 * be owned by root (the owner argument, so tests can run unprivileged) and not
 * writable by group or others. A symlink is followed only when its target and
 * the folder holding the target pass the same check.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* A policy file larger than this is refused; the YAML parser has the same cap. */
#define POLICY_FILE_MAX_SIZE (1024U * 1024U)

/* Changes are applied once the folder has been quiet this long... */
#define POLICY_DIR_DEBOUNCE_USEC (100ULL * 1000)
/* ...but never later than this after the first change of a burst... */
#define POLICY_DIR_DEBOUNCE_MAX_USEC (1000ULL * 1000)
/* ...except for a file still open for writing, which waits for its close this long. */
#define POLICY_DIR_WRITING_MAX_USEC (5000ULL * 1000)

/* "foo.yaml", "foo.yml": yes. Hidden files, "foo.yaml~", ".#foo.yaml", "foo.yaml.dpkg-new",
 * "foo.dpkg-old.yaml", anything else: no. */
bool policy_filename_is_policy(const char *filename);

/* "foo.yaml" -> "foo". -EINVAL when filename is not a policy file name. */
int policy_name_from_filename(const char *filename, char **ret);

/* 0 when the folder passes the trust check; -EPERM with a sentence in *ret_reason when it
 * does not; -ENOENT, -ENOTDIR, ... when it cannot be examined. */
int policy_dir_check_folder(const char *path, uid_t owner, char **ret_reason);

/* The policy files in the folder, in lexical (byte) order, as a NULL-terminated array of
 * file names. A missing folder is -ENOENT. */
int policy_dir_list(const char *path, char ***ret_filenames, size_t *ret_n);

/*
 * Reads one policy file after checking it: the object actually opened is examined (no race
 * between check and read), it must be a regular file of at most POLICY_FILE_MAX_SIZE bytes.
 * Returns 0 with the text (NUL-terminated) and its size; -ENOENT when the file is gone;
 * -EPERM (or -EFBIG, -EISDIR, ...) with a sentence in *ret_reason when it is refused.
 */
int policy_dir_read(const char *path, const char *filename, uid_t owner, char **ret_text,
                    size_t *ret_size, char **ret_reason);

char **policy_filenames_free(char **filenames);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, policy_filenames_free);

/*
 * Watching the folder with inotify: files created, written and closed, renamed in or out
 * (editors' atomic saves), deleted, their mode or owner changed; the folder itself removed,
 * replaced or created later. Changes are debounced (see above) and then reported once:
 * the file names that changed, or filenames == NULL when the whole folder must be re-read
 * (the folder was replaced, or the kernel's event queue overflowed).
 */
typedef struct PolicyDirWatch PolicyDirWatch;
typedef void (*PolicyDirChangedFn)(char *const *filenames, size_t n, void *userdata);

int policy_dir_watch_new(PolicyDirWatch **ret, sd_event *event, const char *path,
                         PolicyDirChangedFn callback, void *userdata);
PolicyDirWatch *policy_dir_watch_free(PolicyDirWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyDirWatch *, policy_dir_watch_free);

/* Whether the folder itself is watched (false while it does not exist). */
bool policy_dir_watch_is_watching(PolicyDirWatch *w);
