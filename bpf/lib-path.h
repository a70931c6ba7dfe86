/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Paths built in BPF, where bpf_d_path() is not allowed (tracepoints): walk
 * dentries up to the task's root, crossing mounts, or kernfs nodes up to the
 * cgroup root, and write the names from the end of a per-CPU buffer towards
 * its start. The walk is a bpf_loop() (5.17+), so its depth costs the
 * verifier nothing.
 *
 * Include after vmlinux.h, bpf_helpers.h and bpf_core_read.h.
 * A path that does not fit keeps its last components, still starting with
 * '/', and is flagged truncated. Deleted files get no " (deleted)" suffix.
 */

#include "process.h" /* TG_PATH_MAX, TG_PATH_MAX_DEPTH */

#define TG_NAME_MAX 255 /* a path component; kernfs and dentry names alike */

struct tg_path_walk {
        struct dentry *dentry;
        struct vfsmount *vfsmnt;
        struct dentry *root_dentry;
        struct vfsmount *root_vfsmnt;
        struct kernfs_node *kn;
        __u32 pos; /* first byte of the path built so far */
        __u32 truncated;
        __u32 done;
};

/* The walk's state lives in the map value, not on the stack: the verifier
 * tracks nothing it loads from there, so the bpf_loop() callbacks converge at
 * once instead of being explored for every value of pos (6.7+ verifiers). */
struct tg_path_scratch {
        struct tg_path_walk walk;
        /* A path ends at buf[TG_PATH_MAX - 1]; the slack keeps every masked
         * write of one component inside the buffer, as the verifier sees it. */
        char buf[TG_PATH_MAX + TG_NAME_MAX + 1];
        char name[TG_NAME_MAX + 1]; /* a kernfs name, to learn its length */
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct tg_path_scratch);
} tg_path_scratch_map SEC(".maps");

/* kernfs_node::parent became __parent in 6.15. */
struct kernfs_node___old {
        struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *tg_kernfs_parent(struct kernfs_node *kn) {
        struct kernfs_node___old *old = (void *) kn;

        if (bpf_core_field_exists(kn->__parent))
                return BPF_CORE_READ(kn, __parent);
        return BPF_CORE_READ(old, parent);
}

static __always_inline struct tg_path_scratch *tg_path_scratch(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&tg_path_scratch_map, &zero);
}

/* Prepend "/name" to the path; returns -1 (and flags truncation) when it does not fit. */
static __always_inline int tg_path_push(struct tg_path_scratch *s, const void *name, __u32 len) {
        struct tg_path_walk *w = &s->walk;
        __u32 start;

        if (len > TG_NAME_MAX || len + 1 > w->pos) {
                w->truncated = 1;
                return -1;
        }
        start = w->pos - len - 1;
        s->buf[start & (TG_PATH_MAX - 1)] = '/';
        bpf_probe_read_kernel(&s->buf[(start + 1) & (TG_PATH_MAX - 1)], len & TG_NAME_MAX, name);
        w->pos = start;
        return 0;
}

static long tg_dentry_step(__u32 index, void *unused) {
        struct tg_path_scratch *s = tg_path_scratch();
        struct dentry *dentry, *parent;
        struct vfsmount *vfsmnt;
        struct mount *mnt, *parent_mnt;
        const unsigned char *name;

        if (!s)
                return 1;
        /* Fields of s->walk are read into locals first: inside BPF_CORE_READ
         * they would become CO-RE relocations against struct tg_path_walk. */
        dentry = s->walk.dentry;
        vfsmnt = s->walk.vfsmnt;
        if (dentry == s->walk.root_dentry && vfsmnt == s->walk.root_vfsmnt) {
                s->walk.done = 1;
                return 1;
        }

        if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
                /* The root of a mount: go on from where it is mounted. */
                mnt = (void *) vfsmnt - bpf_core_field_offset(struct mount, mnt);
                parent_mnt = BPF_CORE_READ(mnt, mnt_parent);
                if (parent_mnt == mnt) { /* the namespace's root, or a detached mount */
                        s->walk.done = 1;
                        return 1;
                }
                s->walk.dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
                s->walk.vfsmnt = (void *) parent_mnt + bpf_core_field_offset(struct mount, mnt);
                return 0;
        }

        name = BPF_CORE_READ(dentry, d_name.name);
        if (tg_path_push(s, name, BPF_CORE_READ(dentry, d_name.len)) < 0)
                return 1;
        parent = BPF_CORE_READ(dentry, d_parent);
        if (parent == dentry) {
                /* Disconnected, or a pseudo file (memfd, pipe): its name is all there is. */
                s->walk.done = 1;
                return 1;
        }
        s->walk.dentry = parent;
        return 0;
}

static long tg_kernfs_step(__u32 index, void *unused) {
        struct tg_path_scratch *s = tg_path_scratch();
        struct kernfs_node *kn, *parent;
        long len;

        if (!s)
                return 1;
        kn = s->walk.kn;
        parent = tg_kernfs_parent(kn);
        if (!parent) { /* the root's own name is not part of the path */
                s->walk.done = 1;
                return 1;
        }
        len = bpf_probe_read_kernel_str(s->name, sizeof(s->name), BPF_CORE_READ(kn, name));
        if (len <= 0 || tg_path_push(s, s->name, len - 1) < 0) {
                s->walk.truncated = 1;
                return 1;
        }
        s->walk.kn = parent;
        return 0;
}

static __always_inline struct tg_path_scratch *tg_path_walk_init(void) {
        struct tg_path_scratch *s = tg_path_scratch();

        if (!s)
                return NULL;
        __builtin_memset(&s->walk, 0, sizeof(s->walk));
        s->walk.pos = TG_PATH_MAX - 1;
        s->buf[TG_PATH_MAX - 1] = '\0';
        return s;
}

/* The path built; returns its length, NUL included (2..TG_PATH_MAX). */
static __always_inline __u32 tg_path_walk_finish(struct tg_path_scratch *s, const char **ret_path,
                                                 bool *ret_truncated) {
        __u32 pos = s->walk.pos;

        if (!s->walk.done)
                s->walk.truncated = 1; /* deeper than TG_PATH_MAX_DEPTH */
        if (pos >= TG_PATH_MAX - 1) {  /* nothing above the root */
                pos = TG_PATH_MAX - 2;
                s->buf[pos] = '/';
        }
        pos &= TG_PATH_MAX - 1;
        *ret_path = &s->buf[pos];
        *ret_truncated = s->walk.truncated;
        return TG_PATH_MAX - pos;
}

/* Path of (dentry, vfsmnt) as seen from root. Returns 0 when there is no scratch. */
static __always_inline __u32 tg_path_from_dentry(struct dentry *dentry, struct vfsmount *vfsmnt,
                                                 const struct path *root, const char **ret_path,
                                                 bool *ret_truncated) {
        struct tg_path_scratch *s = tg_path_walk_init();

        *ret_truncated = false;
        if (!s)
                return 0;
        s->walk.dentry = dentry;
        s->walk.vfsmnt = vfsmnt;
        s->walk.root_dentry = root->dentry;
        s->walk.root_vfsmnt = root->mnt;
        bpf_loop(TG_PATH_MAX_DEPTH, tg_dentry_step, NULL, 0);
        return tg_path_walk_finish(s, ret_path, ret_truncated);
}

/* Path of a kernfs node below its root: a cgroup's path in its hierarchy. */
static __always_inline __u32 tg_path_from_kernfs(struct kernfs_node *kn, const char **ret_path,
                                                 bool *ret_truncated) {
        struct tg_path_scratch *s = tg_path_walk_init();

        *ret_truncated = false;
        if (!s)
                return 0;
        s->walk.kn = kn;
        bpf_loop(TG_PATH_MAX_DEPTH, tg_kernfs_step, NULL, 0);
        return tg_path_walk_finish(s, ret_path, ret_truncated);
}
