/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
        _cleanup_free_ char *state = NULL;
        const char *names[] = { "guard_bpf",         "guard_bpf_map",      "guard_inode_unlink",
                                "guard_inode_rmdir", "guard_inode_rename", "guard_task_kill",
                                "guard_exit" };

        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/link-%s", dir, names[k]) >= 0)
                        (void) unlink(path);
        }
        if (asprintf(&state, "%s/state", dir) >= 0)
                (void) unlink(state);
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
