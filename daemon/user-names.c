/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user-names.h"

#define RECHECK_NS (1000ULL * 1000 * 1000)
#define PASSWD_MAX (64U * 1024 * 1024) /* a bigger passwd file is not one to trust */

typedef struct UserName {
        uint32_t uid;
        size_t line; /* order in the file: the first line of a uid wins, as getpwuid() */
        char *name;
} UserName;

struct UserNames {
        char *path;
        UserName *entries; /* sorted by uid, one per uid */
        size_t n_entries;
        bool loaded;
        uint64_t checked_ns;
        struct stat st; /* of the file the table was read from */
};

int user_names_new(UserNames **ret, const char *path) {
        _cleanup_(user_names_freep) UserNames *u = NULL;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->path = strdup(path);
        if (!u->path)
                return -ENOMEM;
        *ret = TAKE_PTR(u);
        return 0;
}

static void entries_free(UserName *entries, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(entries[i].name);
        free(entries);
}

UserNames *user_names_free(UserNames *u) {
        if (!u)
                return NULL;
        entries_free(u->entries, u->n_entries);
        free(u->path);
        return mfree(u);
}

static int entry_cmp(const void *a, const void *b) {
        const UserName *x = a, *y = b;

        return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int entry_line_cmp(const void *a, const void *b) {
        const UserName *x = a, *y = b;
        int c = entry_cmp(a, b);

        return c != 0 ? c : x->line < y->line ? -1 : x->line > y->line;
}

int user_names_load_text(UserNames *u, const char *text) {
        UserName *entries = NULL;
        size_t n = 0, allocated = 0, kept = 0;

        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n'), *colon1, *colon2;
                char *uid_end;
                unsigned long uid;

                colon1 = memchr(line, ':', end - line);
                colon2 = colon1 ? memchr(colon1 + 1, ':', end - colon1 - 1) : NULL;
                if (colon1 && colon2 && colon1 > line && colon2[1] >= '0' && colon2[1] <= '9') {
                        errno = 0;
                        uid = strtoul(colon2 + 1, &uid_end, 10);
                        if (errno == 0 && uid <= UINT32_MAX && uid_end < end && *uid_end == ':') {
                                if (n == allocated) {
                                        UserName *bigger;

                                        allocated = allocated ? allocated * 2 : 64;
                                        bigger = realloc(entries, allocated * sizeof(*entries));
                                        if (!bigger)
                                                goto oom;
                                        entries = bigger;
                                }
                                entries[n].uid = (uint32_t) uid;
                                entries[n].line = n;
                                entries[n].name = strndup(line, colon1 - line);
                                if (!entries[n].name)
                                        goto oom;
                                n++;
                        }
                }
                line = *end ? end + 1 : NULL;
        }

        if (n > 0)
                qsort(entries, n, sizeof(*entries), entry_line_cmp);
        for (size_t i = 0; i < n; i++) {
                if (kept > 0 && entries[kept - 1].uid == entries[i].uid) {
                        free(entries[i].name);
                        continue;
                }
                entries[kept++] = entries[i];
        }

        entries_free(u->entries, u->n_entries);
        u->entries = entries;
        u->n_entries = kept;
        u->loaded = true;
        return (int) kept;
oom:
        entries_free(entries, n);
        return -ENOMEM;
}

static bool stat_same(const struct stat *a, const struct stat *b) {
        return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Read the file again when it changed. Keeps the old table when it cannot. */
static void user_names_refresh(UserNames *u) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        struct stat st;
        size_t size = 0;

        fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PASSWD_MAX)
                return;
        if (u->loaded && stat_same(&st, &u->st))
                return;
        text = malloc((size_t) st.st_size + 1);
        if (!text)
                return;
        while (size < (size_t) st.st_size) {
                ssize_t n = read(fd, text + size, (size_t) st.st_size - size);

                if (n <= 0)
                        break;
                size += n;
        }
        text[size] = '\0';
        if (user_names_load_text(u, text) >= 0)
                u->st = st;
}

const char *user_names_lookup(UserNames *u, uint32_t uid, uint64_t now_ns) {
        UserName key = { .uid = uid }, *found;

        if (!u->loaded || now_ns >= u->checked_ns + RECHECK_NS) {
                u->checked_ns = now_ns;
                user_names_refresh(u);
        }
        if (u->n_entries == 0)
                return NULL;
        found = bsearch(&key, u->entries, u->n_entries, sizeof(*u->entries), entry_cmp);
        return found ? found->name : NULL;
}
