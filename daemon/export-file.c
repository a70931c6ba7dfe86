/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "export-file.h"

#define EXPORT_FILE_MODE 0600
#define LINE_SIZE_GUESS 2048
/* Lines gathered before one write(): a drain of the ring buffer flushes sooner. */
#define BATCH_SIZE_MAX (64U * 1024)

struct ExportFile {
        char *path;
        int fd;
        bool regular;  /* only a regular file has a size to rotate by */
        uint64_t size; /* bytes in the file as far as we wrote them */
        uint64_t max_size;
        unsigned max_backups;

        char *line; /* reused from line to line: grows to the longest, never shrinks */
        size_t line_size;

        char *batch; /* whole lines not written yet */
        size_t batch_len, batch_size;
};

/* Open (or create) PATH for appending. Events are private: an existing file
 * that others could read is made 0600 too. */
static int export_file_open(ExportFile *f) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, EXPORT_FILE_MODE);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();

        if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX | 0077)) != 0 &&
            fchmod(fd, EXPORT_FILE_MODE) < 0)
                return negative_errno();

        if (f->fd >= 0)
                close(f->fd);
        f->fd = TAKE_FD(fd);
        f->regular = S_ISREG(st.st_mode);
        f->size = f->regular ? (uint64_t) st.st_size : 0;
        return 0;
}

int export_file_new(ExportFile **ret, const char *path, uint64_t max_size, unsigned max_backups) {
        _cleanup_(export_file_freep) ExportFile *f = NULL;
        int r;

        if (!ret || !path || !*path)
                return -EINVAL;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->fd = -EBADF;
        f->max_size = max_size;
        f->max_backups = max_backups;
        f->path = strdup(path);
        if (!f->path)
                return -ENOMEM;

        r = export_file_open(f);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(f);
        return 0;
}

ExportFile *export_file_free(ExportFile *f) {
        if (!f)
                return NULL;
        (void) export_file_flush(f);
        if (f->fd >= 0)
                close(f->fd);
        free(f->path);
        free(f->line);
        free(f->batch);
        return mfree(f);
}

static int backup_path(const ExportFile *f, unsigned n, char **ret) {
        if (n == 0)
                *ret = strdup(f->path);
        else if (asprintf(ret, "%s.%u", f->path, n) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

/* PATH.N-1 -> PATH.N ... PATH -> PATH.1, the oldest dropped; with no backups
 * to keep, the file starts over instead. */
static int export_file_rotate(ExportFile *f) {
        int r;

        if (f->max_backups == 0) {
                if (ftruncate(f->fd, 0) < 0)
                        return negative_errno();
                f->size = 0;
                return 0;
        }

        for (unsigned n = f->max_backups; n > 0; n--) {
                _cleanup_free_ char *from = NULL, *to = NULL;

                r = backup_path(f, n - 1, &from);
                if (r < 0)
                        return r;
                r = backup_path(f, n, &to);
                if (r < 0)
                        return r;
                /* rename() replaces PATH.N, which drops the oldest. */
                if (rename(from, to) < 0 && errno != ENOENT)
                        return negative_errno();
        }

        /* Until this succeeds, lines keep going to the old file, now PATH.1. */
        return export_file_open(f);
}

/* Whether the next len bytes would take the file past its limit. The file may
 * have been truncated behind our back (logrotate's copytruncate): ask the
 * kernel before rotating for nothing. */
static bool export_file_full(ExportFile *f, size_t len) {
        struct stat st;

        if (f->max_size == 0 || !f->regular || f->size + len <= f->max_size)
                return false;
        if (fstat(f->fd, &st) >= 0)
                f->size = (uint64_t) st.st_size;
        /* A line longer than the limit still goes into a fresh file whole. */
        return f->size > 0 && f->size + len > f->max_size;
}

/* The object and its newline in f->line, so that one write() appends both. */
static int export_file_format(ExportFile *f, json_t *json, size_t *ret_len) {
        size_t need;

        if (!f->line) {
                f->line = malloc(LINE_SIZE_GUESS);
                if (!f->line)
                        return -ENOMEM;
                f->line_size = LINE_SIZE_GUESS;
        }

        need = json_dumpb(json, f->line, f->line_size - 1, JSON_COMPACT);
        if (need == 0)
                return -EINVAL;
        if (need > f->line_size - 1) {
                char *p = realloc(f->line, need + 1);

                if (!p)
                        return -ENOMEM;
                f->line = p;
                f->line_size = need + 1;
                if (json_dumpb(json, f->line, need, JSON_COMPACT) != need)
                        return -EINVAL;
        }
        f->line[need] = '\n';
        *ret_len = need + 1;
        return 0;
}

/* One write() for many lines, so readers and other appenders never see half of one; the
 * loop only runs again after a short write (disk full, signal). */
static int write_all(ExportFile *f, const char *buf, size_t len) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(f->fd, buf + done, len - done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                done += (size_t) n;
                f->size += (uint64_t) n;
        }
        return 0;
}

int export_file_flush(ExportFile *f) {
        size_t len;

        if (!f || f->batch_len == 0)
                return 0;
        /* Written or not, the batch is done with: a failing disk must not grow it forever. */
        len = f->batch_len;
        f->batch_len = 0;
        return write_all(f, f->batch, len);
}

int export_file_write(ExportFile *f, json_t *json) {
        size_t len;
        int r;

        if (!f || !json)
                return -EINVAL;

        r = export_file_format(f, json, &len);
        if (r < 0)
                return r;
        r = export_file_write_line(f, f->line, len);
        if (r < 0)
                return r;
        return export_file_flush(f);
}

int export_file_write_line(ExportFile *f, const char *line, size_t len) {
        int r = 0;

        if (!f || !line || len == 0 || line[len - 1] != '\n')
                return -EINVAL;

        if (f->batch_len > 0 && f->batch_len + len > BATCH_SIZE_MAX)
                r = export_file_flush(f);
        if (export_file_full(f, f->batch_len + len)) {
                int k = export_file_flush(f);

                if (k < 0 && r >= 0)
                        r = k;
                k = export_file_rotate(f);
                if (k < 0)
                        return k;
        }
        if (len > BATCH_SIZE_MAX) { /* a giant line goes on its own, without a copy */
                int k = write_all(f, line, len);

                return k < 0 ? k : r;
        }
        if (f->batch_len + len > f->batch_size) {
                char *b = realloc(f->batch, BATCH_SIZE_MAX);

                if (!b)
                        return -ENOMEM;
                f->batch = b;
                f->batch_size = BATCH_SIZE_MAX;
        }
        memcpy(f->batch + f->batch_len, line, len);
        f->batch_len += len;
        return r;
}
