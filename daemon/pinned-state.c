/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "pinned-state.h"

#define RUN_PREFIX "run-"
/* How long the kernel gets to detach what a removed run pinned. */
#define PINNED_DETACH_WAIT_MS 10000

struct PinnedStamp {
        uint32_t layout;
        uint32_t pad;
        char build[56];
};
_Static_assert(sizeof(struct PinnedStamp) == 64, "the stamp's size is part of the layout");

#define POLICY_PREFIX "policy-"
#define MANIFEST_NAME_MAX 256

/* "policy-N": one policy of a run; the source (source_size bytes) follows. */
struct PinnedManifest {
        uint32_t layout;
        uint32_t source_size; /* 0: the version in force is not named */
        uint32_t mode;        /* PolicyMode */
        uint32_t pad;
        char name[MANIFEST_NAME_MAX];
};
_Static_assert(sizeof(struct PinnedManifest) == 272, "the manifest's size is part of the layout");

struct PinnedState {
        char *root;
        char *run_dir;
        /* What record_policies() pinned last, as "name\0source\0" pairs: unchanged lists
         * are not pinned again. */
        char *recorded;
        size_t recorded_size;
        unsigned n_recorded;
        /* What this run adopted from the older run adopted_from, while that run holds them
         * too: releasing either run leaves them alone (no wait for these programs to go, no
         * "lost" counted twice from these maps). */
        char *adopted_from;
        uint32_t *adopted_progs;
        size_t n_adopted_progs;
        uint32_t *adopted_maps;
        size_t n_adopted_maps;
};

int pinned_root_from_option(const char *option, char **ret) {
        char *s;

        if (!option || !*option)
                return -EINVAL;
        if (option[0] == '/')
                s = strdup(option);
        else if (asprintf(&s, "/sys/fs/bpf/%s", option) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static uint64_t clock_boottime_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int array_map_create(const char *name, uint32_t value_size, int *ret_fd) {
        int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t), value_size, 1, NULL);

        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

static int pinned_state_write_stamp(PinnedState *p) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        struct PinnedStamp stamp = { .layout = PINNED_LAYOUT_VERSION };
        uint32_t key = 0;
        int r;

        snprintf(stamp.build, sizeof(stamp.build), "tetragond %s", PACKAGE_VERSION);
        r = array_map_create("tg_stamp", sizeof(stamp), &fd);
        if (r < 0)
                return r;
        if (bpf_map_update_elem(fd, &key, &stamp, BPF_ANY) < 0 || bpf_map_freeze(fd) < 0)
                return negative_errno();
        if (asprintf(&path, "%s/stamp", p->run_dir) < 0)
                return -ENOMEM;
        if (bpf_obj_pin(fd, path) < 0)
                return negative_errno();
        return 0;
}

int pinned_state_new(PinnedState **ret, const char *root) {
        _cleanup_(pinned_state_freep) PinnedState *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = pinned_root_from_option(root, &p->root);
        if (r < 0)
                return r;
        if (mkdir(p->root, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        if (asprintf(&p->run_dir, "%s/" RUN_PREFIX "%" PRIu64, p->root, clock_boottime_ns()) < 0) {
                p->run_dir = NULL;
                return -ENOMEM;
        }
        if (mkdir(p->run_dir, 0700) < 0)
                return negative_errno();
        r = pinned_state_write_stamp(p);
        if (r < 0) {
                (void) pinned_state_release_own(p);
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

PinnedState *pinned_state_free(PinnedState *p) {
        if (!p)
                return NULL;
        free(p->root);
        free(p->run_dir);
        free(p->recorded);
        free(p->adopted_from);
        free(p->adopted_progs);
        free(p->adopted_maps);
        return mfree(p);
}

const char *pinned_state_root(PinnedState *p) {
        return p->root;
}

const char *pinned_state_run_dir(PinnedState *p) {
        return p->run_dir;
}

int pinned_state_pin_link(PinnedState *p, struct bpf_link *link, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (bpf_link__pin_path(link))
                return -EEXIST;
        if (asprintf(&path, "%s/link-%s", p->run_dir, name) < 0)
                return -ENOMEM;
        return bpf_link__pin(link, path);
}

int pinned_state_pin_map(PinnedState *p, struct bpf_map *map, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/map-%s", p->run_dir, name) < 0)
                return -ENOMEM;
        if (bpf_obj_pin(bpf_map__fd(map), path) < 0)
                return negative_errno();
        return 0;
}

/* "name\0source\0" for each policy ("" for a source not named). */
static int manifest_blob(const char *const *names, const char *const *sources,
                         const PolicyMode *modes, size_t n, char **ret, size_t *ret_size) {
        _cleanup_free_ char *blob = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&blob, &size);
        if (!f)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++) {
                fprintf(f, "%s%c%u", names[k], 0, (unsigned) modes[k]);
                fputs(sources[k] ?: "", f);
                fputc(sources[k] ? '\0' : '\1', f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(blob);
        *ret_size = size;
        return 0;
}

static int manifest_pin(PinnedState *p, unsigned number, const char *name, const char *source,
                        PolicyMode mode) {
        _cleanup_free_ struct PinnedManifest *value = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t source_size = source ? strlen(source) : 0;
        uint32_t key = 0;

        if (strlen(name) >= MANIFEST_NAME_MAX || source_size > UINT32_MAX - sizeof(*value))
                return -E2BIG;
        value = calloc(1, sizeof(*value) + source_size);
        if (!value)
                return -ENOMEM;
        value->layout = PINNED_LAYOUT_VERSION;
        value->source_size = source_size;
        value->mode = mode;
        memcpy(value->name, name, strlen(name));
        memcpy((char *) (value + 1), source ?: "", source_size);
        fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tg_manifest", sizeof(key),
                            sizeof(*value) + source_size, 1, NULL);
        if (fd < 0)
                return negative_errno();
        if (bpf_map_update_elem(fd, &key, value, BPF_ANY) < 0 || bpf_map_freeze(fd) < 0)
                return negative_errno();
        if (asprintf(&path, "%s/" POLICY_PREFIX "%u", p->run_dir, number) < 0)
                return -ENOMEM;
        if (bpf_obj_pin(fd, path) < 0)
                return negative_errno();
        return 0;
}

int pinned_state_record_policies(PinnedState *p, const char *const *names,
                                 const char *const *sources, const PolicyMode *modes, size_t n) {
        _cleanup_free_ char *blob = NULL;
        size_t size = 0;
        int r;

        r = manifest_blob(names, sources, modes, n, &blob, &size);
        if (r < 0)
                return r;
        if (p->recorded && size == p->recorded_size && memcmp(blob, p->recorded, size) == 0)
                return 0;
        /* Until all are written again the run has fewer manifests than policies: a run read
         * meanwhile counts as changed, never as unchanged. */
        for (unsigned k = 0; k < p->n_recorded; k++) {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/" POLICY_PREFIX "%u", p->run_dir, k);
                if (unlink(path) < 0 && errno != ENOENT)
                        return negative_errno();
        }
        p->recorded = mfree(p->recorded);
        p->n_recorded = 0;
        for (size_t k = 0; k < n; k++) {
                r = manifest_pin(p, k, names[k], sources[k], modes[k]);
                p->n_recorded = k + 1; /* a failed pin may have left its file */
                if (r < 0)
                        return r;
        }
        p->recorded = TAKE_PTR(blob);
        p->recorded_size = size;
        return 0;
}

static int manifest_read(int dir_fd, const char *file, PinnedPolicy *ret) {
        _cleanup_free_ struct PinnedManifest *value = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct bpf_map_info info = {};
        uint32_t info_size = sizeof(info), key = 0;
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, file);
        fd = bpf_obj_get(path);
        if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_size) < 0)
                return negative_errno();
        if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size < sizeof(*value))
                return -EBADMSG;
        value = calloc(1, info.value_size + 1);
        if (!value)
                return -ENOMEM;
        if (bpf_map_lookup_elem(fd, &key, value) < 0)
                return negative_errno();
        if (value->source_size != info.value_size - sizeof(*value))
                return -EBADMSG;
        value->name[MANIFEST_NAME_MAX - 1] = 0;
        *ret = (PinnedPolicy){ .name = strdup(value->name), .mode = value->mode };
        if (value->source_size > 0)
                ret->source = strndup((char *) (value + 1), value->source_size);
        if (!ret->name || (value->source_size > 0 && !ret->source)) {
                free(ret->name);
                free(ret->source);
                return -ENOMEM;
        }
        return 0;
}

static uint32_t run_read_layout(int dir_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct PinnedStamp stamp = {};
        uint32_t key = 0;
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "/proc/self/fd/%d/stamp", dir_fd);
        fd = bpf_obj_get(path);
        if (fd < 0 || bpf_map_lookup_elem(fd, &key, &stamp) < 0)
                return 0;
        return stamp.layout;
}

void pinned_runs_free(PinnedRun *runs, size_t n) {
        for (size_t k = 0; k < n; k++) {
                for (size_t i = 0; i < runs[k].n_policies; i++) {
                        free(runs[k].policies[i].name);
                        free(runs[k].policies[i].source);
                }
                free(runs[k].policies);
                free(runs[k].name);
        }
        free(runs);
}

static int run_read(int root_fd, const char *name, PinnedRun *run) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent *de;
        DIR *d;
        int r = 0;

        *run = (PinnedRun){ .name = strdup(name) };
        if (!run->name)
                return -ENOMEM;
        fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        run->layout = run_read_layout(fd);
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF; /* the DIR owns it */
        while ((de = readdir(d)) && r >= 0) {
                PinnedPolicy *grown;

                if (strncmp(de->d_name, POLICY_PREFIX, strlen(POLICY_PREFIX)) != 0)
                        continue;
                run->has_manifests = true;
                grown = reallocarray(run->policies, run->n_policies + 1, sizeof(*grown));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                run->policies = grown;
                r = manifest_read(dirfd(d), de->d_name, &run->policies[run->n_policies]);
                if (r >= 0)
                        run->n_policies++;
                else if (r != -ENOMEM) {
                        /* Unreadable: the run cannot be known to be unchanged. */
                        run->layout = 0;
                        r = 0;
                }
        }
        closedir(d);
        return r;
}

static int run_name_compare(const void *a, const void *b) {
        const PinnedRun *x = a, *y = b;
        size_t lx = strlen(x->name), ly = strlen(y->name);

        /* run-BOOTTIME: a shorter number is an earlier one. */
        return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

int pinned_state_read_older(PinnedState *p, PinnedRun **ret, size_t *ret_n) {
        _cleanup_close_ int root_fd = -EBADF;
        const char *own = strrchr(p->run_dir, '/') + 1;
        PinnedRun *runs = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        root_fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        d = opendir(p->root);
        if (!d)
                return negative_errno();
        while ((de = readdir(d)) && r >= 0) {
                PinnedRun *grown;

                if (strncmp(de->d_name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0 ||
                    streq(de->d_name, own))
                        continue;
                grown = reallocarray(runs, n + 1, sizeof(*grown));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                runs = grown;
                r = run_read(root_fd, de->d_name, &runs[n]);
                n++;
        }
        closedir(d);
        if (r < 0) {
                pinned_runs_free(runs, n);
                return r;
        }
        qsort(runs, n, sizeof(*runs), run_name_compare);
        *ret = runs;
        *ret_n = n;
        return 0;
}

static bool id_listed(const uint32_t *ids, size_t n, uint32_t id) {
        for (size_t k = 0; k < n; k++)
                if (ids[k] == id)
                        return true;
        return false;
}

static uint32_t map_id(int fd) {
        struct bpf_map_info info = {};
        uint32_t size = sizeof(info);

        if (bpf_obj_get_info_by_fd(fd, &info, &size) < 0)
                return 0;
        return info.id;
}

/* The records a run's programs could not deliver: TG_COUNTER_RINGBUF_RESERVE_FAILED of
 * each of its pinned per-CPU counter maps, but those adopted by keep (counted live). */
static uint64_t run_read_lost(int dir_fd, const PinnedState *keep) {
        _cleanup_free_ uint64_t *values = NULL;
        const char *names[] = { "map-process_counters", "map-gen_counters" };
        uint32_t key = TG_COUNTER_RINGBUF_RESERVE_FAILED;
        int n_cpus = libbpf_num_possible_cpus();
        uint64_t lost = 0;

        if (n_cpus <= 0)
                return 0;
        values = calloc(n_cpus, sizeof(uint64_t));
        if (!values)
                return 0;
        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                _cleanup_close_ int fd = -EBADF;
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, names[k]);
                fd = bpf_obj_get(path);
                if (fd < 0 ||
                    (keep && id_listed(keep->adopted_maps, keep->n_adopted_maps, map_id(fd))))
                        continue;
                if (bpf_map_lookup_elem(fd, &key, values) < 0)
                        continue;
                for (int cpu = 0; cpu < n_cpus; cpu++)
                        lost += values[cpu];
        }
        return lost;
}

/* The program of the link pinned at dir_fd/name; 0 when none can be read. */
static uint32_t pinned_link_prog_id(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct bpf_link_info info = {};
        uint32_t size = sizeof(info);
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, name);
        fd = bpf_obj_get(path);
        if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &size) < 0)
                return 0;
        return info.prog_id;
}

/* The kernel detaches an unpinned link in a deferred work item: wait (bounded) until the
 * programs are gone, so that "removed" means no longer running. */
static int progs_wait_gone(const uint32_t *ids, size_t n) {
        struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

        for (unsigned tries = 0; tries < PINNED_DETACH_WAIT_MS / 10; tries++) {
                size_t alive = 0;

                for (size_t k = 0; k < n; k++) {
                        int fd = ids[k] ? bpf_prog_get_fd_by_id(ids[k]) : -1;

                        if (fd >= 0) {
                                close(fd);
                                alive++;
                        }
                }
                if (alive == 0)
                        return 0;
                nanosleep(&pause, NULL);
        }
        return -ETIMEDOUT;
}

/* Unpins everything in one run's folder, then the folder, and waits until its programs are
 * gone, but those keep adopted (pinned in keep's run, they stay). */
static int run_remove(int root_fd, const char *name, const PinnedState *keep) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint32_t *progs = NULL;
        size_t n_progs = 0, size_progs = 0;
        DIR *d;
        struct dirent *de;
        int r = 0, k;

        fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF; /* the DIR owns it */
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (strncmp(de->d_name, "link-", 5) == 0) {
                        if (n_progs == size_progs) {
                                uint32_t *grown;

                                size_progs = MAX(size_progs * 2, (size_t) 16);
                                grown = reallocarray(progs, size_progs, sizeof(*progs));
                                if (!grown) {
                                        closedir(d);
                                        return -ENOMEM;
                                }
                                progs = grown;
                        }
                        progs[n_progs] = pinned_link_prog_id(dirfd(d), de->d_name);
                        if (!keep ||
                            !id_listed(keep->adopted_progs, keep->n_adopted_progs, progs[n_progs]))
                                n_progs++;
                }
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0)
                        r = negative_errno();
        }
        closedir(d);
        if (unlinkat(root_fd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = negative_errno();
        k = progs_wait_gone(progs, n_progs);
        return r < 0 ? r : k;
}

/* Removes every run folder under root but keep (NULL: all of them). */
static int runs_remove(const char *root, const char *keep, unsigned *ret_runs, uint64_t *ret_lost) {
        _cleanup_close_ int root_fd = -EBADF;
        unsigned runs = 0;
        uint64_t lost = 0;
        DIR *d;
        struct dirent *de;
        int r = 0, k;

        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        d = opendir(root);
        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                _cleanup_close_ int run_fd = -EBADF;

                if (strncmp(de->d_name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0 ||
                    streq_ptr(de->d_name, keep))
                        continue;
                run_fd = openat(root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (run_fd >= 0)
                        lost += run_read_lost(run_fd, NULL);
                k = run_remove(root_fd, de->d_name, NULL);
                if (k < 0 && r == 0)
                        r = k;
                if (k >= 0)
                        runs++;
        }
        closedir(d);
        if (ret_runs)
                *ret_runs = runs;
        if (ret_lost)
                *ret_lost = lost;
        return r;
}

int pinned_state_release_run(PinnedState *p, const char *name, uint64_t *ret_lost) {
        _cleanup_close_ int root_fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int run_fd = -EBADF;
        int r;

        if (root_fd < 0)
                return negative_errno();
        if (strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0 || strchr(name, '/') ||
            streq(name, strrchr(p->run_dir, '/') + 1))
                return -EINVAL;
        run_fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (run_fd < 0)
                return negative_errno();
        if (ret_lost)
                *ret_lost = run_read_lost(run_fd, p);
        r = run_remove(root_fd, name, p);
        if (streq_ptr(name, p->adopted_from)) {
                /* Held by this run alone now: its removal waits for them. */
                p->n_adopted_progs = p->n_adopted_maps = 0;
                p->adopted_from = mfree(p->adopted_from);
        }
        return r;
}

int pinned_state_release_own(PinnedState *p) {
        _cleanup_close_ int root_fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (root_fd < 0)
                return negative_errno();
        /* What it adopted from a run still pinned stays with that run. */
        return run_remove(root_fd, strrchr(p->run_dir, '/') + 1, p);
}

int pinned_release_all(const char *root, unsigned *ret_runs) {
        int r = pinned_lock_get(root, NULL);

        if (r < 0)
                return r;
        if (r > 0)
                return -EPERM;
        return runs_remove(root, NULL, ret_runs, NULL);
}

/* An older run's file: a path that cannot leave the root. */
static int older_path(PinnedState *p, const char *run, const char *file, char **ret) {
        if (strncmp(run, RUN_PREFIX, strlen(RUN_PREFIX)) != 0 || strchr(run, '/') ||
            strchr(file, '/') || streq(run, strrchr(p->run_dir, '/') + 1))
                return -EINVAL;
        return asprintf(ret, "%s/%s/%s", p->root, run, file) < 0 ? -ENOMEM : 0;
}

int pinned_state_pin_record(PinnedState *p, const char *name, const void *data, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        uint32_t key = 0;
        int r;

        if (size == 0 || size > UINT32_MAX)
                return -EINVAL;
        r = array_map_create("tg_record", (uint32_t) size, &fd);
        if (r < 0)
                return r;
        if (bpf_map_update_elem(fd, &key, data, BPF_ANY) < 0 || bpf_map_freeze(fd) < 0)
                return negative_errno();
        if (asprintf(&path, "%s/record-%s", p->run_dir, name) < 0)
                return -ENOMEM;
        if (bpf_obj_pin(fd, path) < 0)
                return negative_errno();
        return 0;
}

/* An older run's "record-NAME", opened: an array map, whose value size *ret_size gives. */
static int open_older_record(PinnedState *p, const char *run, const char *name, int *ret_fd,
                             uint32_t *ret_size) {
        _cleanup_free_ char *file = NULL, *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct bpf_map_info info = {};
        uint32_t info_size = sizeof(info);
        int r;

        if (asprintf(&file, "record-%s", name) < 0)
                return -ENOMEM;
        r = older_path(p, run, file, &path);
        if (r < 0)
                return r;
        fd = bpf_obj_get(path);
        if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_size) < 0)
                return negative_errno();
        if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size == 0)
                return -EBADMSG;
        *ret_fd = TAKE_FD(fd);
        *ret_size = info.value_size;
        return 0;
}

int pinned_state_read_record(PinnedState *p, const char *run, const char *name, void *data,
                             size_t size) {
        _cleanup_close_ int fd = -EBADF;
        uint32_t value_size, key = 0;
        int r;

        r = open_older_record(p, run, name, &fd, &value_size);
        if (r < 0)
                return r;
        /* Another size: another meaning, and the kernel would copy all of it. */
        if (value_size != size)
                return -EBADMSG;
        if (bpf_map_lookup_elem(fd, &key, data) < 0)
                return negative_errno();
        return 0;
}

static int id_append(uint32_t **ids, size_t *n, uint32_t id) {
        uint32_t *grown = reallocarray(*ids, *n + 1, sizeof(**ids));

        if (!grown)
                return -ENOMEM;
        grown[(*n)++] = id;
        *ids = grown;
        return 0;
}

/* One run to adopt from: the open_*() calls name it. */
static int adopting_from(PinnedState *p, const char *run) {
        if (p->adopted_from)
                return streq(p->adopted_from, run) ? 0 : -EBUSY;
        p->adopted_from = strdup(run);
        return p->adopted_from ? 0 : -ENOMEM;
}

/* The path of run's pin KIND-NAME ("map-process_ringbuf"), which this start adopts from. */
static int adopted_pin_path(PinnedState *p, const char *run, const char *kind, const char *name,
                            char **ret) {
        _cleanup_free_ char *file = NULL;
        int r;

        if (asprintf(&file, "%s-%s", kind, name) < 0)
                return -ENOMEM;
        r = older_path(p, run, file, ret);
        if (r < 0)
                return r;
        return adopting_from(p, run);
}

int pinned_state_open_map(PinnedState *p, const char *run, const char *name, int *ret_fd) {
        _cleanup_free_ char *path = NULL;
        int fd, r;

        r = adopted_pin_path(p, run, "map", name, &path);
        if (r < 0)
                return r;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

int pinned_state_adopt_map(PinnedState *p, int fd) {
        uint32_t id = map_id(fd);

        return id == 0 ? -EBADF : id_append(&p->adopted_maps, &p->n_adopted_maps, id);
}

int pinned_state_open_link(PinnedState *p, const char *run, const char *name,
                           struct bpf_link **ret) {
        _cleanup_free_ char *path = NULL;
        struct bpf_link *link;
        int r;

        r = adopted_pin_path(p, run, "link", name, &path);
        if (r < 0)
                return r;
        link = bpf_link__open(path);
        if (!link)
                return negative_errno();
        *ret = link;
        return 0;
}

int pinned_state_adopt_link(PinnedState *p, struct bpf_link *link, const char *name) {
        _cleanup_free_ char *path = NULL;
        struct bpf_link_info info = {};
        uint32_t size = sizeof(info);
        int r;

        if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &size) < 0)
                return negative_errno();
        /* A second pin of the same link: the older run's can go, this one holds it. */
        if (asprintf(&path, "%s/link-%s", p->run_dir, name) < 0)
                return -ENOMEM;
        if (bpf_obj_pin(bpf_link__fd(link), path) < 0)
                return negative_errno();
        r = id_append(&p->adopted_progs, &p->n_adopted_progs, info.prog_id);
        if (r < 0)
                (void) unlink(path);
        return r;
}

static int lock_path(const char *root, char **ret) {
        return asprintf(ret, "%s/lockdown", root) < 0 ? -ENOMEM : 0;
}

int pinned_lock_get(const char *root, uint64_t *ret_since_usec) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t since = 0;
        uint32_t key = 0;
        int r;

        r = lock_path(root, &path);
        if (r < 0)
                return r;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (bpf_map_lookup_elem(fd, &key, &since) < 0)
                return negative_errno();
        if (ret_since_usec)
                *ret_since_usec = since;
        return since > 0;
}

int pinned_lock_set(const char *root, uint64_t since_usec) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint32_t key = 0;
        int r;

        r = pinned_lock_get(root, NULL);
        if (r != 0)
                return r < 0 ? r : 0;
        r = lock_path(root, &path);
        if (r < 0)
                return r;
        if (mkdir(root, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        r = array_map_create("tg_lockdown", sizeof(uint64_t), &fd);
        if (r < 0)
                return r;
        /* Written before it is pinned: nobody sees a lock without its time. */
        if (bpf_map_update_elem(fd, &key, &since_usec, BPF_ANY) < 0)
                return negative_errno();
        /* Frozen: no bpf() call writes it again, so root cannot unlock it by a map update. */
        if (bpf_map_freeze(fd) < 0)
                return negative_errno();
        if (bpf_obj_pin(fd, path) < 0)
                return errno == EEXIST ? 0 : negative_errno();
        return 0;
}

int pinned_state_replace_record(PinnedState *p, const char *name, const void *data, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint32_t key = 0;
        int r;

        if (size == 0 || size > UINT32_MAX)
                return -EINVAL;
        r = array_map_create("tg_record", (uint32_t) size, &fd);
        if (r < 0)
                return r;
        if (bpf_map_update_elem(fd, &key, data, BPF_ANY) < 0 || bpf_map_freeze(fd) < 0)
                return negative_errno();
        if (asprintf(&path, "%s/record-%s", p->run_dir, name) < 0)
                return -ENOMEM;
        /* bpffs has no rename(): a daemon killed between these two leaves no record, and
         * the next start then adopts nothing, which is safe. */
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        if (bpf_obj_pin(fd, path) < 0)
                return negative_errno();
        return 0;
}

int pinned_state_read_blob(PinnedState *p, const char *run, const char *name, void **ret,
                           size_t *ret_size) {
        _cleanup_free_ void *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint32_t value_size, key = 0;
        int r;

        r = open_older_record(p, run, name, &fd, &value_size);
        if (r < 0)
                return r;
        data = malloc(value_size);
        if (!data)
                return -ENOMEM;
        if (bpf_map_lookup_elem(fd, &key, data) < 0)
                return negative_errno();
        *ret = TAKE_PTR(data);
        *ret_size = value_size;
        return 0;
}
