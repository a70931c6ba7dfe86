/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* Reads fd to its end into a NUL-terminated buffer (the NUL not counted in
 * *ret_size). Does not trust st_size: tracefs and procfs report 0. -EFBIG when
 * there is more than max bytes. */
int read_full_fd(int fd, size_t max, char **ret_text, size_t *ret_size);
