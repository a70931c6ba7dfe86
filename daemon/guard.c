/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "guard-state.h"
#include "guard.h"
#include "guard.skel.h"
#include "macro.h"

#define GUARD_DIR "guard"

static void guard_bpf_destroyp(struct guard_bpf **skel) {
        guard_bpf__destroy(*skel);
}

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* The kernel's dev_t of a superblock (MKDEV: 20 bits of minor), as s_dev holds it. */
static uint32_t kernel_dev(dev_t dev) {
        return ((uint32_t) major(dev) << 20) | minor(dev);
}

static int guard_pin(struct guard_bpf *skel, const char *dir) {
        const struct bpf_object_skeleton *s = skel->skeleton;
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/state", dir) < 0)
                return -ENOMEM;
        if (bpf_map__pin(skel->maps.guard_state, path) < 0)
                return negative_errno();
        free(path);
        if (asprintf(&path, "%s/maps", dir) < 0)
                return -ENOMEM;
        if (bpf_map__pin(skel->maps.guard_maps, path) < 0)
                return negative_errno();
        for (int k = 0; k < s->prog_cnt; k++) {
                _cleanup_free_ char *link_path = NULL;

                if (asprintf(&link_path, "%s/link-%s", dir, s->progs[k].name) < 0)
                        return -ENOMEM;
                if (bpf_link__pin(*s->progs[k].link, link_path) < 0)
                        return negative_errno();
        }
        return 0;
}

/* What a failed install pinned: this process may still remove it (it holds the guard). */
static void guard_unpin_all(const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);

        for (struct dirent *de; d && (de = readdir(d));)
                (void) unlinkat(dirfd(d), de->d_name, 0);
        (void) rmdir(dir);
}

int guard_install(const char *root) {
        _cleanup_(guard_bpf_destroyp) struct guard_bpf *skel = NULL;
        _cleanup_free_ char *dir = NULL;
        struct guard_state state = { .daemon_tgid = (uint32_t) getpid() };
        uint32_t key = 0;
        struct stat st;
        int r;

        if (stat(root, &st) < 0)
                return negative_errno();
        state.root_ino = st.st_ino;
        state.dev = kernel_dev(st.st_dev);
        if (asprintf(&dir, "%s/" GUARD_DIR, root) < 0)
                return -ENOMEM;
        if (access(dir, F_OK) == 0)
                return -EEXIST;

        skel = guard_bpf__open_and_load();
        if (!skel)
                return negative_errno();
        /* Set before the programs attach: they never see a half-written state. */
        if (bpf_map__update_elem(skel->maps.guard_state, &key, sizeof(key), &state, sizeof(state),
                                 BPF_ANY) < 0)
                return negative_errno();
        r = guard_bpf__attach(skel);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0)
                return negative_errno();
        r = guard_pin(skel, dir);
        if (r < 0) {
                guard_unpin_all(dir);
                return r;
        }
        return 0;
}

int guard_claim(const char *root, uint32_t *ret_holder) {
        LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct guard_state state;
        uint32_t key = 0;

        if (asprintf(&path, "%s/" GUARD_DIR "/state", root) < 0)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0 && errno != EPERM)
                return negative_errno();
        if (fd < 0) {
                /* Refused a writable fd: another task group holds the guard. */
                fd = bpf_obj_get_opts(path, &ro);
                if (fd < 0)
                        return negative_errno();
                if (bpf_map_lookup_elem(fd, &key, &state) < 0)
                        return negative_errno();
                if (ret_holder)
                        *ret_holder = state.daemon_tgid;
                return -EBUSY;
        }
        if (bpf_map_lookup_elem(fd, &key, &state) < 0)
                return negative_errno();
        state.daemon_tgid = (uint32_t) getpid();
        if (bpf_map_update_elem(fd, &key, &state, BPF_ANY) < 0)
                return negative_errno();
        return 1;
}

typedef struct MapIds {
        uint32_t *ids;
        size_t n, allocated;
} MapIds;

static int map_ids_add(MapIds *set, uint32_t id) {
        if (set->n == set->allocated) {
                size_t allocated = set->allocated ? set->allocated * 2 : 64;
                uint32_t *ids = reallocarray(set->ids, allocated, sizeof(*ids));

                if (!ids)
                        return -ENOMEM;
                set->ids = ids;
                set->allocated = allocated;
        }
        set->ids[set->n++] = id;
        return 0;
}

static int id_compare(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

/* The maps of the program a pinned link runs. */
static int link_add_map_ids(int link_fd, MapIds *set) {
        _cleanup_free_ uint32_t *ids = NULL;
        _cleanup_close_ int prog_fd = -EBADF;
        struct bpf_link_info link = {};
        struct bpf_prog_info prog = {};
        uint32_t size = sizeof(link), n;
        int r;

        if (bpf_obj_get_info_by_fd(link_fd, &link, &size) < 0)
                return negative_errno();
        prog_fd = bpf_prog_get_fd_by_id(link.prog_id);
        if (prog_fd < 0)
                return negative_errno();
        size = sizeof(prog);
        if (bpf_obj_get_info_by_fd(prog_fd, &prog, &size) < 0)
                return negative_errno();
        n = prog.nr_map_ids;
        if (n == 0)
                return 0;
        ids = calloc(n, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        prog = (struct bpf_prog_info){ .nr_map_ids = n, .map_ids = (uintptr_t) ids };
        size = sizeof(prog);
        if (bpf_obj_get_info_by_fd(prog_fd, &prog, &size) < 0)
                return negative_errno();
        for (uint32_t k = 0; k < n && k < prog.nr_map_ids; k++) {
                r = map_ids_add(set, ids[k]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Each pin in dir (a link: its program's maps; a map: itself), and in its folders down to
 * depth levels, the guard's own folder left out (its maps are guarded by what they are). */
static int pins_add_map_ids(int dir_fd, unsigned depth, MapIds *set) {
        _cleanup_(closedirp) DIR *d = fdopendir(dir_fd);
        struct dirent *de;

        if (!d) {
                close(dir_fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int fd = -EBADF;
                struct bpf_map_info map = {};
                uint32_t size = sizeof(map);
                char path[PATH_MAX];
                int r;

                if (de->d_name[0] == '.' || streq(de->d_name, GUARD_DIR))
                        continue;
                if (de->d_type == DT_DIR) {
                        if (depth == 0)
                                continue;
                        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0)
                                return negative_errno();
                        r = pins_add_map_ids(TAKE_FD(fd), depth - 1, set);
                        if (r < 0)
                                return r;
                        continue;
                }
                snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd(d), de->d_name);
                fd = bpf_obj_get(path);
                if (fd < 0)
                        continue; /* not a BPF object, or gone meanwhile */
                if (startswith(de->d_name, "link-"))
                        r = link_add_map_ids(fd, set);
                else if (bpf_obj_get_info_by_fd(fd, &map, &size) < 0)
                        r = negative_errno();
                else
                        r = map_ids_add(set, map.id);
                /* A link or map that went meanwhile (a policy removed): nothing to guard. */
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int guard_sync(const char *root) {
        _cleanup_free_ uint32_t *stale = NULL, *ids = NULL;
        _cleanup_close_ int fd = -EBADF, root_fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        MapIds set = {};
        size_t n_stale = 0;
        uint32_t key, next;
        uint8_t one = 1;
        int r;

        if (asprintf(&path, "%s/" GUARD_DIR "/maps", root) < 0)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return negative_errno();
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        r = pins_add_map_ids(TAKE_FD(root_fd), 1, &set);
        ids = set.ids;
        if (r < 0)
                return r;
        qsort(ids, set.n, sizeof(*ids), id_compare);

        /* Maps of removed policies first: they make room for new ones. */
        stale = calloc(GUARD_MAPS_MAX, sizeof(*stale));
        if (!stale)
                return -ENOMEM;
        for (uint32_t *prev = NULL;
             n_stale < GUARD_MAPS_MAX && bpf_map_get_next_key(fd, prev, &next) == 0; prev = &key) {
                key = next;
                if (!bsearch(&key, ids, set.n, sizeof(*ids), id_compare))
                        stale[n_stale++] = key;
        }
        for (size_t k = 0; k < n_stale; k++)
                (void) bpf_map_delete_elem(fd, &stale[k]);
        for (size_t k = 0; k < set.n; k++)
                if (bpf_map_update_elem(fd, &ids[k], &one, BPF_ANY) < 0)
                        return negative_errno();
        return (int) set.n;
}
