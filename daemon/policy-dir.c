/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "file-util.h"
#include "policy-dir.h"

#define FOLDER_EVENTS                                                                              \
        (IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |        \
         IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define PARENT_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)

#define TIMER_ACCURACY_USEC 1000ULL

static int strdup_printf(char **ret, const char *format, ...) _printf_(2, 3);
static int strdup_printf(char **ret, const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(ret, format, ap);
        va_end(ap);
        if (n < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

bool policy_filename_is_policy(const char *filename) {
        if (!filename || filename[0] == '.' || filename[0] == '#')
                return false;
        /* Package managers' leftovers keep their marker anywhere in the name. */
        if (strstr(filename, ".dpkg-") || strstr(filename, ".ucf-") ||
            strstr(filename, ".rpmnew") || strstr(filename, ".rpmsave"))
                return false;
        if (strchr(filename, '/'))
                return false;
        if (endswith(filename, ".yaml"))
                return strlen(filename) > strlen(".yaml");
        if (endswith(filename, ".yml"))
                return strlen(filename) > strlen(".yml");
        return false;
}

int policy_name_from_filename(const char *filename, char **ret) {
        size_t n;
        char *name;

        if (!policy_filename_is_policy(filename))
                return -EINVAL;
        n = strlen(filename) - (endswith(filename, ".yaml") ? strlen(".yaml") : strlen(".yml"));
        name = strndup(filename, n);
        if (!name)
                return -ENOMEM;
        *ret = name;
        return 0;
}

static const char *owner_name(uid_t owner, char *buf, size_t size) {
        if (owner == 0)
                return "root";
        snprintf(buf, size, "uid %u", (unsigned) owner);
        return buf;
}

/* The trust check on one stat result; what names the object in the sentence. */
static int check_trusted(const char *what, const char *path, const struct stat *st, uid_t owner,
                         char **ret_reason) {
        char want[32], have[32];
        const char *writable = NULL;

        if (st->st_uid != owner)
                return strdup_printf(ret_reason,
                                     "%s %s is owned by %s, not %s; policy files and their folder "
                                     "must be owned by %s and not writable by group or others",
                                     what, path, owner_name(st->st_uid, have, sizeof(have)),
                                     owner_name(owner, want, sizeof(want)),
                                     owner_name(owner, want, sizeof(want)))
                               ?: -EPERM;

        if ((st->st_mode & S_IWGRP) && (st->st_mode & S_IWOTH))
                writable = "group and others";
        else if (st->st_mode & S_IWGRP)
                writable = "group";
        else if (st->st_mode & S_IWOTH)
                writable = "others";
        if (writable)
                return strdup_printf(
                               ret_reason,
                               "%s %s is writable by %s (mode %04o); policy files and their "
                               "folder must be owned by %s and not writable by group or others",
                               what, path, writable, (unsigned) (st->st_mode & 07777),
                               owner_name(owner, want, sizeof(want)))
                               ?: -EPERM;
        return 0;
}

int policy_dir_check_folder(const char *path, uid_t owner, char **ret_reason) {
        struct stat st;

        if (stat(path, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return check_trusted("folder", path, &st, owner, ret_reason);
}

char **policy_filenames_free(char **filenames) {
        if (!filenames)
                return NULL;
        for (char **f = filenames; *f; f++)
                free(*f);
        return mfree(filenames);
}

static int compare_filenames(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int policy_dir_list(const char *path, char ***ret_filenames, size_t *ret_n) {
        _cleanup_(policy_filenames_freep) char **names = NULL;
        DIR *d;
        struct dirent *de;
        size_t n = 0, allocated = 0;
        int r = 0;

        d = opendir(path);
        if (!d)
                return negative_errno();

        names = calloc(1, sizeof(char *));
        if (!names) {
                closedir(d);
                return -ENOMEM;
        }
        allocated = 1;

        errno = 0;
        while ((de = readdir(d))) {
                char **grown;

                if (!policy_filename_is_policy(de->d_name))
                        continue;
                if (n + 2 > allocated) {
                        grown = realloc(names, allocated * 2 * sizeof(char *));
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        names = grown;
                        allocated *= 2;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                names[++n] = NULL;
                errno = 0;
        }
        if (r == 0 && errno != 0)
                r = negative_errno();
        closedir(d);
        if (r < 0)
                return r;

        qsort(names, n, sizeof(char *), compare_filenames);
        *ret_filenames = TAKE_PTR(names);
        if (ret_n)
                *ret_n = n;
        return 0;
}

/* A symlink is trusted only if the folder holding its target is too: whoever can write
 * there can replace the target. */
static int check_symlink_target(int fd, uid_t owner, char **ret_reason) {
        char proc[64], target[PATH_MAX], folder[PATH_MAX];
        struct stat st;
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%i", fd);
        n = readlink(proc, target, sizeof(target) - 1);
        if (n < 0)
                return negative_errno();
        target[n] = '\0';

        snprintf(folder, sizeof(folder), "%s", target);
        if (stat(dirname(folder), &st) < 0)
                return negative_errno();
        return check_trusted("folder", folder, &st, owner, ret_reason);
}

int policy_dir_read(const char *path, const char *filename, uid_t owner, char **ret_text,
                    size_t *ret_size, char **ret_reason) {
        _cleanup_free_ char *file = NULL, *reason = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        bool is_symlink = false;
        struct stat st;
        size_t size;
        int r;

        *ret_reason = NULL;
        r = strdup_printf(&file, "%s/%s", path, filename);
        if (r < 0)
                return r;

        /* O_NONBLOCK: a FIFO planted in the folder must not hang the daemon. */
        fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0 && errno == ELOOP) {
                is_symlink = true;
                fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0 && errno == ENOENT) {
                        /* Refused, not removed: a dangling link is more likely a mistake
                         * than a way to ask for the policy to go. */
                        r = strdup_printf(ret_reason, "%s is a symlink to nowhere", file);
                        return r < 0 ? r : -EPERM;
                }
        }
        if (fd < 0) {
                r = negative_errno();
                if (r != -ENOENT)
                        (void) strdup_printf(ret_reason, "%s cannot be opened: %s", file,
                                             strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0)
                return negative_errno();

        if (!S_ISREG(st.st_mode)) {
                r = strdup_printf(ret_reason, "%s is not a regular file", file);
                return r < 0 ? r : (S_ISDIR(st.st_mode) ? -EISDIR : -EPERM);
        }
        r = check_trusted(is_symlink ? "symlink target of" : "file", file, &st, owner, &reason);
        if (r < 0 && reason) {
                *ret_reason = TAKE_PTR(reason);
                return -EPERM;
        }
        if (r < 0)
                return r;
        if (is_symlink) {
                r = check_symlink_target(fd, owner, &reason);
                if (r == -EPERM) {
                        r = strdup_printf(ret_reason,
                                          "%s is a symlink into an untrusted folder: %s", file,
                                          reason);
                        return r < 0 ? r : -EPERM;
                }
                if (r < 0)
                        return r;
        }
        if ((uint64_t) st.st_size > POLICY_FILE_MAX_SIZE) {
                r = strdup_printf(ret_reason, "%s is larger than %u bytes", file,
                                  POLICY_FILE_MAX_SIZE);
                return r < 0 ? r : -EFBIG;
        }

        r = read_full_fd(fd, POLICY_FILE_MAX_SIZE, &text, &size);
        if (r == -EFBIG) {
                r = strdup_printf(ret_reason, "%s is larger than %u bytes", file,
                                  POLICY_FILE_MAX_SIZE);
                return r < 0 ? r : -EFBIG;
        }
        if (r < 0)
                return r;

        *ret_text = TAKE_PTR(text);
        *ret_size = size;
        return 0;
}

/* The watch. */

typedef struct PendingFile {
        char *filename;
        bool writing;       /* opened for writing and not closed yet */
        uint64_t last_usec; /* CLOCK_MONOTONIC of its last event */
} PendingFile;

struct PolicyDirWatch {
        sd_event *event;
        char *path;
        char *parent;
        char *basename;

        int inotify_fd;
        int folder_wd;
        int parent_wd;
        sd_event_source *io_source;
        sd_event_source *timer_source;

        PendingFile *pending;
        size_t n_pending;
        bool rescan;
        uint64_t first_usec; /* first event of the current burst, 0: none pending */
        uint64_t last_usec;

        PolicyDirChangedFn callback;
        void *userdata;
};

static void pending_clear(PolicyDirWatch *w) {
        for (size_t i = 0; i < w->n_pending; i++)
                free(w->pending[i].filename);
        w->pending = mfree(w->pending);
        w->n_pending = 0;
}

PolicyDirWatch *policy_dir_watch_free(PolicyDirWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->io_source);
        sd_event_source_disable_unref(w->timer_source);
        if (w->inotify_fd >= 0)
                close(w->inotify_fd);
        pending_clear(w);
        sd_event_unref(w->event);
        free(w->path);
        free(w->parent);
        free(w->basename);
        return mfree(w);
}

bool policy_dir_watch_is_watching(PolicyDirWatch *w) {
        return w && w->folder_wd >= 0;
}

/* (Re)watch the folder at its path: after it was replaced, the old watch follows the old
 * directory, which is no longer the policy folder. */
static void watch_folder(PolicyDirWatch *w) {
        if (w->folder_wd >= 0)
                (void) inotify_rm_watch(w->inotify_fd, w->folder_wd);
        w->folder_wd = inotify_add_watch(w->inotify_fd, w->path, FOLDER_EVENTS);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int pending_add(PolicyDirWatch *w, const char *filename, uint32_t mask, uint64_t now) {
        PendingFile *p = NULL;

        for (size_t i = 0; i < w->n_pending; i++)
                if (streq(w->pending[i].filename, filename)) {
                        p = &w->pending[i];
                        break;
                }
        if (!p) {
                PendingFile *grown = realloc(w->pending, (w->n_pending + 1) * sizeof(PendingFile));

                if (!grown)
                        return -ENOMEM;
                w->pending = grown;
                p = &w->pending[w->n_pending];
                *p = (PendingFile){ .filename = strdup(filename) };
                if (!p->filename)
                        return -ENOMEM;
                w->n_pending++;
        }

        /* A file being written is read once it is closed, not half way through. */
        if (mask & IN_MODIFY)
                p->writing = true;
        if (mask & IN_CREATE) {
                struct stat st;
                char file[PATH_MAX];

                snprintf(file, sizeof(file), "%s/%s", w->path, filename);
                p->writing = lstat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
                             st.st_nlink == 1;
        }
        if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
                p->writing = false;
        p->last_usec = now;
        return 0;
}

static bool pending_is_ready(const PendingFile *p, uint64_t now) {
        return !p->writing || now >= p->last_usec + POLICY_DIR_WRITING_MAX_USEC;
}

static int watch_schedule(PolicyDirWatch *w);

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PolicyDirWatch *w = userdata;
        _cleanup_free_ char **ready = NULL;
        uint64_t now = now_usec();
        size_t n_ready = 0, kept = 0;

        if (w->rescan) {
                w->rescan = false;
                pending_clear(w);
                w->first_usec = 0;
                w->callback(NULL, 0, w->userdata);
                return 0;
        }

        ready = calloc(w->n_pending + 1, sizeof(char *));
        if (!ready)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_pending; i++)
                if (pending_is_ready(&w->pending[i], now))
                        ready[n_ready++] = w->pending[i].filename;

        if (n_ready > 0)
                w->callback(ready, n_ready, w->userdata);

        for (size_t i = 0; i < w->n_pending; i++) {
                if (pending_is_ready(&w->pending[i], now))
                        free(w->pending[i].filename);
                else
                        w->pending[kept++] = w->pending[i];
        }
        w->n_pending = kept;
        w->first_usec = 0;
        if (kept > 0)
                return watch_schedule(w);
        return 0;
}

/* When the next batch is due: quiet for the debounce time, or the burst is too old; a file
 * still being written holds back only itself. */
static int watch_schedule(PolicyDirWatch *w) {
        uint64_t due = UINT64_MAX, now = now_usec();
        bool any_ready = w->rescan;
        int r;

        if (w->first_usec == 0)
                w->first_usec = now;
        for (size_t i = 0; i < w->n_pending; i++) {
                if (w->pending[i].writing)
                        due = MIN(due, w->pending[i].last_usec + POLICY_DIR_WRITING_MAX_USEC);
                else
                        any_ready = true;
        }
        if (any_ready)
                due = MIN(due, MIN(w->last_usec + POLICY_DIR_DEBOUNCE_USEC,
                                   w->first_usec + POLICY_DIR_DEBOUNCE_MAX_USEC));
        if (due == UINT64_MAX)
                return sd_event_source_set_enabled(w->timer_source, SD_EVENT_OFF);

        if (!w->timer_source)
                return sd_event_add_time(w->event, &w->timer_source, CLOCK_MONOTONIC, due,
                                         TIMER_ACCURACY_USEC, on_timer, w);
        r = sd_event_source_set_time(w->timer_source, due);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(w->timer_source, SD_EVENT_ONESHOT);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PolicyDirWatch *w = userdata;
        union {
                struct inotify_event ev;
                char raw[64 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
        } buf;
        uint64_t now = now_usec();
        bool changed = false;
        ssize_t n;
        int r;

        n = read(fd, &buf, sizeof(buf));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();

        for (char *p = buf.raw; p < buf.raw + n;) {
                struct inotify_event *e = (struct inotify_event *) p;

                p += sizeof(struct inotify_event) + e->len;

                if (e->mask & IN_Q_OVERFLOW) {
                        w->rescan = changed = true;
                        continue;
                }
                if (e->wd == w->parent_wd) {
                        /* The folder itself was created, replaced, removed or renamed. */
                        if (e->len > 0 && streq(e->name, w->basename)) {
                                watch_folder(w);
                                w->rescan = changed = true;
                        }
                        continue;
                }
                if (e->wd != w->folder_wd)
                        continue;
                if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                        watch_folder(w);
                        w->rescan = changed = true;
                        continue;
                }
                if (e->mask & IN_IGNORED) {
                        w->folder_wd = -1;
                        continue;
                }
                if (e->len == 0 && (e->mask & IN_ATTRIB)) {
                        /* The folder's own owner or mode: its trust covers every file. */
                        w->rescan = changed = true;
                        continue;
                }
                if (e->len == 0 || !policy_filename_is_policy(e->name))
                        continue;
                r = pending_add(w, e->name, e->mask, now);
                if (r < 0)
                        return r;
                changed = true;
        }

        if (!changed)
                return 0;
        w->last_usec = now;
        return watch_schedule(w);
}

int policy_dir_watch_new(PolicyDirWatch **ret, sd_event *event, const char *path,
                         PolicyDirChangedFn callback, void *userdata) {
        _cleanup_(policy_dir_watch_freep) PolicyDirWatch *w = NULL;
        _cleanup_free_ char *copy1 = NULL, *copy2 = NULL;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->inotify_fd = -EBADF;
        w->folder_wd = w->parent_wd = -1;
        w->event = sd_event_ref(event);
        w->callback = callback;
        w->userdata = userdata;

        w->path = strdup(path);
        copy1 = strdup(path);
        copy2 = strdup(path);
        if (!w->path || !copy1 || !copy2)
                return -ENOMEM;
        w->parent = strdup(dirname(copy1));
        w->basename = strdup(basename(copy2));
        if (!w->parent || !w->basename)
                return -ENOMEM;

        w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->inotify_fd < 0)
                return negative_errno();

        /* The parent tells when the folder appears or is replaced; without it we still watch
         * the folder, just not its replacement. */
        w->parent_wd = inotify_add_watch(w->inotify_fd, w->parent, PARENT_EVENTS);
        watch_folder(w);
        if (w->folder_wd < 0 && w->parent_wd < 0)
                return negative_errno();

        r = sd_event_add_io(event, &w->io_source, w->inotify_fd, EPOLLIN, on_inotify, w);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(w);
        return 0;
}
