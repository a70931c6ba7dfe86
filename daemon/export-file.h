/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The JSON file sink (--export-file): one export object per line, mode 0600,
 * rotated by size: PATH -> PATH.1 -> ... -> PATH.N, the oldest dropped.
 */

#include <jansson.h>
#include <stdint.h>

#include "macro.h"

typedef struct ExportFile ExportFile;

int export_file_new(ExportFile **ret, const char *path, uint64_t max_size, unsigned max_backups);
ExportFile *export_file_free(ExportFile *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(ExportFile *, export_file_free);

int export_file_write(ExportFile *f, json_t *json);
/* A line already formatted: the compact JSON and its newline (len bytes). Gathered with the
 * next ones until export_file_flush() or a batch's worth: one write() for many events. */
int export_file_write_line(ExportFile *f, const char *line, size_t len);
/* Writes what export_file_write_line() gathered. export_file_write() and _free() flush too. */
int export_file_flush(ExportFile *f);
