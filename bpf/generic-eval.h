/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of bpf/generic.bpf.c that reads kernel memory through pointers it
 * found itself (a struct file from the fd table, dentries, mounts), compiled
 * twice: with TG_EVAL_CAST 1, bpf_rdonly_cast() (6.2+) makes those plain
 * loads; with 0, each is a bpf_probe_read_kernel() call, for older kernels.
 * The two variants share no subprogram, so on a kernel without the kfunc the
 * one that calls it is simply not loaded. V(name) names each variant's copy.
 *
 * Included by generic.bpf.c only, after everything both variants share.
 */

#if TG_EVAL_CAST
/* An untrusted BTF pointer to the object at p: plain loads, faults read as 0. */
#define KPTR(type, p) ((type *) bpf_rdonly_cast((void *) (p), bpf_core_type_id_kernel(type)))
#define KREAD(type, p, field) (KPTR(type, p)->field)
#else
/* p into a local first: inside BPF_CORE_READ, a field of ours would become a CO-RE
 * relocation against a struct the kernel does not have. */
#define KREAD(type, p, field)                                                                      \
        ({                                                                                         \
                type *__kread_p = (type *) (p);                                                    \
                BPF_CORE_READ(__kread_p, field);                                                   \
        })
#endif

/* The struct file * at address slot of a file table. */
static __always_inline __u64 V(fd_table_entry)(__u64 slot) {
        __u64 file = 0;

#if TG_EVAL_CAST
        /* bpf_rdonly_cast() only takes a struct, and fdtable.fd is an array of pointers: read
         * the slot as a kiocb, whose first member is a struct file *. A plain load where
         * bpf_probe_read_kernel() is a call, which costs this path, run on every write with
         * the seed's policy, about 30 ns. */
        if (bpf_core_field_offset(struct kiocb, ki_filp) == 0)
                return (__u64) KREAD(struct kiocb, slot, ki_filp);
#endif
        if (bpf_probe_read_kernel(&file, sizeof(file), (void *) slot) < 0)
                return 0;
        return file;
}

/* The file an argument names, as (dentry, mnt) for path filters and paths: an fd through
 * the task's file table, a struct file *, a struct path * or a struct linux_binprm *. */
static __always_inline bool V(resolve_file)(struct eval *e, __u32 reg, __u8 type) {
        __u64 file = 0, p;

        if (reg >= N_REGS)
                return false;
        if (e->file_state[reg] != MEMO_UNKNOWN && e->file_kind[reg] == type)
                return e->file_state[reg] == MEMO_OK;
        e->file_state[reg] = MEMO_INVALID;
        e->file_kind[reg] = type;
        p = e->args[reg];

        switch (type) {
        case TG_ARG_FD: {
                __u64 fd = p & 0xffffffff; /* an int */

                if (fd >= e->max_fds)
                        return false;
                file = V(fd_table_entry)(e->fds + fd * 8);
                break;
        }
        case TG_ARG_FILE:
                file = p;
                break;
        case TG_ARG_LINUX_BINPRM:
                if (!p)
                        return false;
                file = (__u64) KREAD(struct linux_binprm, p, file);
                break;
        case TG_ARG_PATH:
                if (!p)
                        return false;
                e->dentry[reg] = (__u64) KREAD(struct path, p, dentry);
                e->mnt[reg] = (__u64) KREAD(struct path, p, mnt);
                break;
        case TG_ARG_DENTRY:
                /* No mount to go with it: walked up to the caller's root as if on the root's
                 * mount, so a file on the root file system has its path whatever mount (a
                 * bind mount) the caller reached it through; on another file system, the
                 * path below that file system's root. */
                if (!p)
                        return false;
                load_root(e);
                e->dentry[reg] = p;
                e->mnt[reg] = e->root_mnt;
                break;
        default:
                return false;
        }
        if (type != TG_ARG_PATH && type != TG_ARG_DENTRY) {
                if (!file)
                        return false;
                e->dentry[reg] = (__u64) KREAD(struct file, file, f_path.dentry);
                e->mnt[reg] = (__u64) KREAD(struct file, file, f_path.mnt);
        }
        if (!e->dentry[reg] || !e->mnt[reg])
                return false;
        e->file_state[reg] = MEMO_OK;
        return true;
}

/* One step of a walk from the leaf: match the value's end against "/name" of
 * the current dentry, then go to its parent (crossing mounts). */
static long V(walk_step)(__u32 index, void *unused) {
        struct eval *e = eval();
        struct tg_generic_string *s;
        struct name_buf *nb;
        __u64 dentry, mnt, parent, m, parent_m;
        const unsigned char *name;
        __u32 zero = 0, len, rem, str;

        if (!e)
                return 1;
        dentry = e->walk.dentry;
        mnt = e->walk.mnt;
        rem = e->walk.rem;
        if (e->walk.postfix && rem == 0) {
                e->walk.result = 1;
                return 1;
        }
        if (index > 0) {
                load_root(e);
                if (dentry == e->root_dentry && mnt == e->root_mnt) {
                        e->walk.result = rem == 0;
                        return 1;
                }
        }
        /* The root of a mount: its name is not part of the path, the mount point's is. */
        if (dentry == (__u64) KREAD(struct vfsmount, mnt, mnt_root)) {
                m = mnt - bpf_core_field_offset(struct mount, mnt);
                parent_m = (__u64) KREAD(struct mount, m, mnt_parent);
                if (parent_m == m) { /* the namespace's root, or a detached mount */
                        e->walk.result = rem == 0;
                        return 1;
                }
                e->walk.dentry = (__u64) KREAD(struct mount, m, mnt_mountpoint);
                e->walk.mnt = parent_m + bpf_core_field_offset(struct mount, mnt);
                return 0;
        }
        len = KREAD(struct dentry, dentry, d_name.len);
        /* The length decides most mismatches before a byte is read. */
        if (len > TG_NAME_MAX || (rem < len + 1 && !e->walk.postfix)) {
                e->walk.result = 0;
                return 1;
        }

        str = e->walk.string;
        s = bpf_map_lookup_elem(&gen_strings, &str);
        nb = bpf_map_lookup_elem(&gen_name_buf, &zero);
        if (!s || !nb) {
                e->walk.result = 0;
                return 1;
        }
        if (e->name_dentry != dentry) {
                name = KREAD(struct dentry, dentry, d_name.name);
                if (bpf_probe_read_kernel(nb->data, len & TG_NAME_MAX, name) < 0) {
                        e->walk.result = 0;
                        return 1;
                }
                e->name_dentry = dentry;
        }

        if (rem >= len + 1) {
                __u32 at = rem - len; /* where the name starts in the value */

                if (at < 1 || at > TG_POLICY_STRING_MAX - 1 ||
                    s->data[(at - 1) & (TG_POLICY_STRING_MAX - 1)] != '/' ||
                    !bytes_equal(nb->data, 0, TG_POLICY_STRING_MAX - 1, s->data, at, len)) {
                        e->walk.result = 0;
                        return 1;
                }
                rem = at - 1;
        } else {
                /* Postfix: the value's start falls inside "/name". */
                e->walk.result =
                        rem <= len &&
                        bytes_equal(nb->data, len - rem, TG_POLICY_STRING_MAX - 1, s->data, 0, rem);
                return 1;
        }
        e->walk.rem = rem;

        parent = (__u64) KREAD(struct dentry, dentry, d_parent);
        if (parent == dentry) { /* disconnected, or a pseudo file: its name is all there is */
                e->walk.result = rem == 0;
                return 1;
        }
        e->walk.dentry = parent;
        return 0;
}

/* Does the path of (dentry, mnt) equal (or, postfix, end with) string slot str? */
static __always_inline bool V(path_matches_end)(struct eval *e, __u64 dentry, __u64 mnt, __u32 str,
                                                __u32 length, bool postfix) {
        e->walk.dentry = dentry;
        e->walk.mnt = mnt;
        e->walk.string = str;
        e->walk.rem = length;
        e->walk.postfix = postfix;
        e->walk.result = 0;
        if (length == 1 && !postfix) {
                /* "/": the root itself, whose name is "/" and not a component. */
                load_root(e);
                return dentry == e->root_dentry && mnt == e->root_mnt;
        }
        bpf_loop(TG_PATH_MAX_DEPTH, V(walk_step), NULL, 0);
        return e->walk.result;
}

/* One value of a path filter (fd argument, matchBinaries). */
static long V(path_value)(__u32 i, void *unused) {
        struct eval *e = eval();
        struct tg_generic_string *s;
        struct tg_policy_value *v;
        __u32 slot, str;
        bool hit;

        if (!e)
                return 1;
        slot = e->value_first + i;
        v = bpf_map_lookup_elem(&gen_values, &slot);
        if (!v || v->kind != TG_VALUE_STRING)
                return 1;
        str = v->lo;
        switch (e->path_op) {
        case TG_POLICY_OP_EQUAL:
        case TG_POLICY_OP_NOT_EQUAL:
        case TG_POLICY_OP_IN:
        case TG_POLICY_OP_NOT_IN:
                /* A different last component: no walk at all. */
                s = bpf_map_lookup_elem(&gen_strings, &str);
                if (!s || (!e->leaf_is_mount_root && s->last_len != e->leaf_len)) {
                        hit = false;
                        break;
                }
                hit = V(path_matches_end)(e, e->path_dentry, e->path_mnt, str, v->aux, false);
                break;
        case TG_POLICY_OP_POSTFIX:
        case TG_POLICY_OP_NOT_POSTFIX:
                hit = V(path_matches_end)(e, e->path_dentry, e->path_mnt, str, v->aux, true);
                break;
        case TG_POLICY_OP_PREFIX:
        case TG_POLICY_OP_NOT_PREFIX:
                hit = path_has_prefix(e, e->path_dentry, e->path_mnt, str, v->aux);
                break;
        default:
                hit = false;
        }
        if (hit) {
                e->any = 1;
                return 1;
        }
        return 0;
}

static __always_inline bool V(path_filter)(struct eval *e, struct tg_policy_filter *f, __u64 dentry,
                                           __u64 mnt) {
        e->path_dentry = dentry;
        e->path_mnt = mnt;
        e->path_op = f->op;
        e->value_first = f->value_first;
        e->any = 0;
        /* What most mismatches are decided by: the leaf's name length. A mount's root
         * (a bind-mounted file) is named by its mount point, so it always walks. */
        e->leaf_len = KREAD(struct dentry, dentry, d_name.len);
        e->leaf_is_mount_root = dentry == (__u64) KREAD(struct vfsmount, mnt, mnt_root);
        bpf_loop(f->n_values, V(path_value), NULL, 0);
        return op_is_negated(f->op) ? !e->any : e->any;
}

/* SameFile, NotSameFile (a tetragond extension): the dentry's inode number and its file
 * system's device against the identities the installer took from the values' paths. The
 * name, the mount and the caller's root do not matter: hard links, bind mounts and chroots
 * reach the same inode. At most POLICY_MAX_NUMERIC_VALUES (4) values. */
static __always_inline bool V(file_id_filter)(struct tg_policy_filter *f, __u64 dentry) {
        __u64 inode = (__u64) KREAD(struct dentry, dentry, d_inode), sb, ino;
        struct tg_policy_value *v;
        bool any = false;
        __u32 dev, slot;

        if (inode) {
                ino = KREAD(struct inode, inode, i_ino);
                sb = (__u64) KREAD(struct inode, inode, i_sb);
                dev = KREAD(struct super_block, sb, s_dev);
                for (__u32 i = 0; i < 4; i++) {
                        if (i >= f->n_values)
                                break;
                        slot = f->value_first + i;
                        v = bpf_map_lookup_elem(&gen_values, &slot);
                        /* Inode 0: a file that was missing at install, which matches nothing. */
                        if (v && v->kind == TG_VALUE_FILE_ID && v->lo && v->lo == ino &&
                            v->hi == dev) {
                                any = true;
                                break;
                        }
                }
        }
        return f->op == TG_POLICY_OP_NOT_SAME_FILE ? !any : any;
}

/* Step i of a followChildren walk: value i % n_values against task i / n_values, which is
 * the first task's ancestor at that distance. Values and tasks in one loop, and equality
 * only (In, NotIn: all followChildren takes), keep what the verifier explores small. */
static long V(ancestor_value)(__u32 i, void *unused) {
        struct tg_generic_string *s;
        struct tg_policy_value *v;
        struct ancestors *a;
        struct eval *e = eval();
        __u32 zero = 0, at, slot, str;

        a = bpf_map_lookup_elem(&gen_ancestors, &zero);
        if (!e || !a || a->n_values == 0)
                return 1;
        at = i % a->n_values;
        if (at == 0) { /* the next task: its binary's path, where path_value's are */
                __u64 mm, exe = 0, dentry, mnt;

                if (i > 0) {
                        __u64 parent = (__u64) KREAD(struct task_struct, a->task, real_parent);

                        if (!parent || parent == a->task)
                                return 1;
                        a->task = parent;
                }
                mm = (__u64) KREAD(struct task_struct, a->task, mm);
                if (mm)
                        exe = (__u64) KREAD(struct mm_struct, mm, exe_file);
                a->has_exe = exe != 0;
                if (!exe)
                        return 0;
                dentry = (__u64) KREAD(struct file, exe, f_path.dentry);
                mnt = (__u64) KREAD(struct file, exe, f_path.mnt);
                e->path_dentry = dentry;
                e->path_mnt = mnt;
                e->leaf_len = KREAD(struct dentry, dentry, d_name.len);
                e->leaf_is_mount_root = dentry == (__u64) KREAD(struct vfsmount, mnt, mnt_root);
        }
        if (!a->has_exe)
                return 0; /* a kernel thread: on to its parent */
        slot = a->value_first + at;
        v = bpf_map_lookup_elem(&gen_values, &slot);
        if (!v || v->kind != TG_VALUE_STRING)
                return 1;
        str = v->lo;
        s = bpf_map_lookup_elem(&gen_strings, &str);
        if (!s || (!e->leaf_is_mount_root && s->last_len != e->leaf_len))
                return 0;
        if (V(path_matches_end)(e, e->path_dentry, e->path_mnt, str, v->aux, false)) {
                a->found = 1;
                return 1;
        }
        return 0;
}

/* followChildren (In, NotIn): the current task (or its real parent) or one of their
 * ancestors, FOLLOW_FORKS_DEPTH tasks in all (as matchPIDs followForks), runs a binary of
 * the values; NotIn: none of them does. Each task's binary is its binary now, not at its
 * fork, and an orphan's ancestors are its reaper's.
 *
 * A global function, of scalars only: the verifier checks it once, not at each call. */
__noinline int V(binary_filter_follow)(__u32 from_parent, __u32 value_first, __u32 n_values,
                                       __u32 op) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct ancestors *a;
        __u32 zero = 0;

        if (from_parent)
                task = task->real_parent; /* BTF loads: faults read as 0 */
        a = bpf_map_lookup_elem(&gen_ancestors, &zero);
        if (!a || !task || n_values == 0 || n_values > FOLLOW_CHILDREN_VALUES_MAX)
                return op_is_negated(op);
        *a = (struct ancestors){ .task = (__u64) task,
                                 .value_first = value_first,
                                 .n_values = n_values };
        bpf_loop(FOLLOW_FORKS_DEPTH * n_values, V(ancestor_value), NULL, 0);
        return op_is_negated(op) ? !a->found : a->found;
}

static __always_inline bool V(binary_filter)(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct file *exe = task->mm->exe_file; /* trusted task: plain loads, both variants */

        if (f->flags & TG_FILTER_FOLLOW_CHILDREN)
                return V(binary_filter_follow)(0, f->value_first, f->n_values, f->op);

        if (!exe)
                return op_is_negated(f->op); /* kernel threads run no binary */
        return V(path_filter)(e, f, (__u64) exe->f_path.dentry, (__u64) exe->f_path.mnt);
}

/* matchParentBinaries: the binary of the real parent (its mm's exe_file). */
static __always_inline bool V(parent_binary_filter)(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct task_struct *parent = task->real_parent; /* BTF loads: faults read as 0 */
        struct mm_struct *mm = parent ? parent->mm : NULL;
        struct file *exe = mm ? mm->exe_file : NULL;

        if (f->flags & TG_FILTER_FOLLOW_CHILDREN)
                return V(binary_filter_follow)(1, f->value_first, f->n_values, f->op);
        if (!exe)
                return op_is_negated(f->op); /* a kernel thread's child: no binary */
        return V(path_filter)(e, f, (__u64) exe->f_path.dentry, (__u64) exe->f_path.mnt);
}

static __always_inline bool V(arg_filter)(struct eval *e, struct tg_policy_filter *f) {
        struct tg_policy_hook *hook;
        __u32 pos = f->arg, reg, slot = e->hook_slot;
        __u8 type;

        hook = bpf_map_lookup_elem(&gen_hooks, &slot);
        if (!hook || pos >= TG_POLICY_MAX_ARGS)
                return false;
        reg = hook->arg_index[bounded(pos, 7)];
        type = hook->arg_type[bounded(pos, 7)];
        if (reg >= N_REGS)
                return false;

        switch (type) {
        case TG_ARG_FD:
        case TG_ARG_FILE:
        case TG_ARG_PATH:
        case TG_ARG_DENTRY:
        case TG_ARG_LINUX_BINPRM:
                if (!V(resolve_file)(e, reg, type))
                        return op_is_negated(f->op); /* no file: no path equals anything */
                if (f->op == TG_POLICY_OP_SAME_FILE || f->op == TG_POLICY_OP_NOT_SAME_FILE)
                        return V(file_id_filter)(f, e->dentry[reg]);
                return V(path_filter)(e, f, e->dentry[reg], e->mnt[reg]);
        case TG_ARG_STRING:
        case TG_ARG_CHAR_BUF: {
                /* 1-based; 0 (none) wraps to an index read_user_data() refuses. */
                __u32 size_reg = bounded(hook->arg_size_index[bounded(pos, 7)] - 1, 7);

                if (read_user_data(e, reg, type, size_reg) < 0)
                        return op_is_negated(f->op);
                e->data_reg = reg;
                e->path_op = f->op;
                e->value_first = f->value_first;
                e->any = 0;
                bpf_loop(f->n_values, string_value, NULL, 0);
                return op_is_negated(f->op) ? !e->any : e->any;
        }
        case TG_ARG_SOCKADDR:
                return sockaddr_filter(e, f, reg);
        case TG_ARG_SOCK:
        case TG_ARG_SOCKET:
        case TG_ARG_SKB:
                return sock_filter(e, f, reg, type);
        case TG_ARG_FILENAME:
        case TG_ARG_NET_DEVICE:
                if ((type == TG_ARG_FILENAME ? read_filename(e, reg) : read_net_device(e, reg)) < 0)
                        return op_is_negated(f->op);
                e->data_reg = reg;
                e->path_op = f->op;
                e->value_first = f->value_first;
                e->any = 0;
                bpf_loop(f->n_values, string_value, NULL, 0);
                return op_is_negated(f->op) ? !e->any : e->any;
        case TG_ARG_SYSCALL64:
                return int_filter(e, f, syscall64_value(e, e->args[reg]));
        default:
                return int_filter(e, f, int_value(type, e->args[reg]));
        }
}

static long V(eval_filter)(__u32 i, void *unused) {
        struct eval *e = eval();
        struct tg_policy_filter *f;
        __u32 slot;
        bool ok;

        if (!e)
                return 1;
        slot = e->filter_slot + i;
        f = bpf_map_lookup_elem(&gen_filters, &slot);
        if (!f) {
                e->match = 0;
                return 1;
        }
        switch (f->kind) {
        case TG_FILTER_ARG:
                ok = V(arg_filter)(e, f);
                break;
        case TG_FILTER_PID:
                ok = pid_filter(e, f);
                break;
        case TG_FILTER_BINARY:
                ok = V(binary_filter)(e, f);
                break;
        case TG_FILTER_PARENT_BINARY:
                ok = V(parent_binary_filter)(e, f);
                break;
        case TG_FILTER_CAPABILITY:
                ok = capability_filter(e, f);
                break;
        case TG_FILTER_NAMESPACE:
                ok = namespace_filter(e, f);
                break;
        case TG_FILTER_CAPABILITY_CHANGE:
                ok = capability_change_filter(e, f);
                break;
        case TG_FILTER_NAMESPACE_CHANGE:
                ok = namespace_change_filter(e, f);
                break;
        case TG_FILTER_RETURN_ARG: /* judged at return (return_hook()) */
                ok = true;
                break;
        default: /* the installer refuses what is not here */
                ok = false;
        }
        if (!ok) {
                e->match = 0; /* filters AND: the first that fails decides */
                return 1;
        }
        return 0;
}

static long V(eval_selector)(__u32 i, void *unused) {
        struct eval *e = eval();
        struct tg_policy_selector *sel;
        __u32 slot;

        if (!e)
                return 1;
        slot = e->selector_first + i;
        sel = bpf_map_lookup_elem(&gen_selectors, &slot);
        if (!sel)
                return 1;
        e->match = 1;
        e->filter_slot = sel->filter_first;
        bpf_loop(sel->n_filters, V(eval_filter), NULL, 0);
        if (e->match) { /* selectors OR: the first that matches decides */
                e->matched_selector = i;
                e->selector_slot = slot;
                return 1;
        }
        return 0;
}

/* Append argument i of the hook to the record in gen_event. */
static long V(emit_arg)(__u32 i, void *unused) {
        struct eval *e = eval();
        struct event_scratch *out;
        struct tg_policy_hook *hook;
        struct tg_generic_arg *arg;
        __u32 zero = 0, slot, reg, off, size = 0;
        __u64 v, first = 0;
        __u8 type;

        if (!e)
                return 1;
        slot = e->hook_slot;
        hook = bpf_map_lookup_elem(&gen_hooks, &slot);
        out = bpf_map_lookup_elem(&gen_event, &zero);
        if (!hook || !out || i >= TG_POLICY_MAX_ARGS)
                return 1;
        off = e->out_off;
        /* Room for the largest argument, or the record ends here. */
        if (off > TG_GENERIC_RECORD_MAX - sizeof(*arg) - TG_PATH_MAX - 8) {
                e->out_flags |= TG_GENERIC_RECORD_ARGS_TRUNCATED;
                return 1;
        }
        arg = (void *) &out->data[off];
        type = hook->arg_type[bounded(i, 7)];
        reg = hook->arg_index[bounded(i, 7)];
        if (reg >= N_REGS)
                return 1;
        v = e->args[reg];
        arg->type = type;
        arg->flags = 0;
        arg->pad = 0;
        arg->value = type == TG_ARG_SYSCALL64 ? syscall64_value(e, v) : int_value(type, v);

        switch (type) {
        case TG_ARG_FILE:
        case TG_ARG_PATH:
        case TG_ARG_DENTRY:
        case TG_ARG_LINUX_BINPRM:
                arg->value = 0; /* a kernel address says nothing to anyone */
                /* fall through */
        case TG_ARG_FD:
                if (!V(resolve_file)(e, reg, type) || !build_path(e, e->dentry[reg], e->mnt[reg])) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                {
                        struct tg_path_scratch *ps = tg_path_scratch();
                        __u32 len = bounded(e->built_len, TG_PATH_MAX - 1);
                        __u32 pos = bounded(e->built_pos, TG_PATH_MAX - 1);

                        if (!ps) {
                                arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                                break;
                        }
                        /* The path without its NUL (at most TG_PATH_MAX - 1 bytes), then the NUL.
                         */
                        bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], len, &ps->buf[pos]);
                        out->data[(off + sizeof(*arg) + len) & (TG_GENERIC_RECORD_MAX * 2 - 1)] = 0;
                        if (ps->walk.truncated)
                                arg->flags |= TG_GENERIC_ARG_TRUNCATED;
                        size = len + 1;
                }
                break;
        case TG_ARG_STRING: {
                long n = read_str(&out->data[off + sizeof(*arg)], TG_GENERIC_STRING_MAX, v,
                                  e->user_regs & (1U << reg));

                arg->value = 0; /* an address says nothing to anyone */
                if (n <= 0)
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                else
                        size = n;
                break;
        }
        case TG_ARG_CHAR_BUF: {
                /* sizeArgIndex is 1-based; 0 (none) wraps to an index the check refuses. */
                __u32 size_reg = bounded(hook->arg_size_index[bounded(i, 7)] - 1, 7);
                __u64 want;

                /* returnCopy: room for the bytes, which the return reads (return_copy()). */
                if (hook->arg_flags[bounded(i, 7)] & TG_POLICY_ARG_RETURN_COPY) {
                        want = size_reg < N_REGS ? e->args[size_reg] : TG_GENERIC_BUF_MAX;
                        size = want > TG_GENERIC_BUF_MAX ? TG_GENERIC_BUF_MAX : want;
                        arg->flags = TG_GENERIC_ARG_RETURN_COPY;
                        arg->value = v; /* the buffer, until the return puts its size here */
                        break;
                }
                /* No sizeArgIndex: no bytes, as Tetragon reads none. */
                if (hook->arg_size_index[bounded(i, 7)] == 0) {
                        arg->value = 0;
                        size = 0;
                        break;
                }
                if (size_reg >= N_REGS) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                want = e->args[size_reg];
                arg->value = want;
                if ((hook->arg_flags[bounded(i, 7)] & TG_POLICY_ARG_MAX_DATA) &&
                    want > TG_GENERIC_BUF_MAX && off <= TG_GENERIC_MAX_DATA_OFF) {
                        /* Its own read, where the verifier sees the smaller offset. */
                        __u32 at = bounded(off, 0x1fff);

                        if (at > TG_GENERIC_MAX_DATA_OFF)
                                break;
                        size = want > TG_GENERIC_BUF_MAX_DATA ? TG_GENERIC_BUF_MAX_DATA : want;
                        size = bounded(size, 2 * TG_GENERIC_BUF_MAX_DATA - 1);
                        if (size > TG_GENERIC_BUF_MAX_DATA)
                                size = TG_GENERIC_BUF_MAX_DATA;
                        if (want > size)
                                arg->flags |= TG_GENERIC_ARG_TRUNCATED;
                        if (read_bytes(&out->data[at + sizeof(*arg)], size, v,
                                       e->user_regs & (1U << reg)) < 0) {
                                arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                                size = 0;
                        }
                        break;
                }
                size = want > TG_GENERIC_BUF_MAX ? TG_GENERIC_BUF_MAX : want;
                if (want > TG_GENERIC_BUF_MAX)
                        arg->flags |= TG_GENERIC_ARG_TRUNCATED;
                if (size > 0 && read_bytes(&out->data[off + sizeof(*arg)], size, v,
                                           e->user_regs & (1U << reg)) < 0) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        size = 0;
                }
                break;
        }
        case TG_ARG_SOCKADDR: {
                struct tg_generic_sockaddr *sa = read_sockaddr(e, reg);
                __u64 lo, hi;

                arg->value = 0; /* not the user pointer, which says nothing to anyone */
                if (!sa) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], sizeof(*sa), sa);
                size = sizeof(*sa);
                /* The digest sees the first 8 bytes of the data: family and port only. */
                __builtin_memcpy(&lo, sa->addr, 8);
                __builtin_memcpy(&hi, sa->addr + 8, 8);
                arg->value = lo ^ hi;
                break;
        }
        case TG_ARG_CHAR_IOVEC: {
                __u32 count_reg = bounded(hook->arg_size_index[bounded(i, 7)] - 1, 7);
                struct iovec_state *s = read_iovec(e, reg, count_reg);

                arg->value = 0;
                if (!s || s->unreadable) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                arg->value = s->total;
                size = bounded(s->copied, 2 * TG_GENERIC_BUF_MAX - 1);
                if (size > TG_GENERIC_BUF_MAX)
                        size = TG_GENERIC_BUF_MAX;
                if (s->total > size || e->args[count_reg] > TG_GENERIC_IOVEC_MAX)
                        arg->flags |= TG_GENERIC_ARG_TRUNCATED;
                if (size > 0)
                        bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], size, s->data);
                break;
        }
        case TG_ARG_FILENAME: {
                long n =
                        bpf_probe_read_kernel_str(&out->data[off + sizeof(*arg)],
                                                  TG_GENERIC_STRING_MAX, (void *) filename_name(v));

                arg->value = 0;
                if (n <= 0)
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                else
                        size = n;
                break;
        }
        case TG_ARG_SOCK:
        case TG_ARG_SOCKET: {
                struct tg_generic_sock *sk = read_sock(e, reg, type);
                __u64 s_lo, d_lo;

                arg->value = 0; /* a kernel address says nothing to anyone */
                if (!sk) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], sizeof(*sk), sk);
                size = sizeof(*sk);
                /* The digest sees only the first 8 bytes of the data (family, type, protocol,
                 * state): the value brings in the ports and addresses. */
                __builtin_memcpy(&s_lo, sk->saddr, 8);
                __builtin_memcpy(&d_lo, sk->daddr, 8);
                arg->value = s_lo ^ (d_lo << 1) ^ ((__u64) sk->sport << 32) ^ sk->dport;
                break;
        }
        case TG_ARG_NOP:
                arg->value = 0; /* recorded as nothing, shown as nothing */
                break;
        case TG_ARG_NET_DEVICE: {
                long n = read_net_device(e, reg);
                __u32 key = reg;
                struct user_data *d = bpf_map_lookup_elem(&gen_data, &key);

                arg->value = 0;
                if (n < 0 || !d) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                size = bounded(n, 15) + 1; /* IFNAMSIZ, NUL included */
                bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], size, d->data);
                break;
        }
        case TG_ARG_SKB: {
                struct tg_generic_sock *flow = read_skb(e, reg);
                struct tg_generic_skb *skb = (void *) (flow + 1);

                arg->value = 0;
                if (!flow) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                bpf_probe_read_kernel(&out->data[off + sizeof(*arg)], sizeof(*skb), skb);
                size = sizeof(*skb);
                /* The data's first 8 bytes are hash and length: the value brings in the flow. */
                {
                        __u64 s_lo, d_lo;

                        __builtin_memcpy(&s_lo, skb->saddr, 8);
                        __builtin_memcpy(&d_lo, skb->daddr, 8);
                        arg->value = s_lo ^ (d_lo << 1) ^ ((__u64) skb->sport << 32) ^ skb->dport;
                }
                break;
        }
        case TG_ARG_CRED: {
                arg->value = 0;
                if (!read_cred((void *) &out->data[off + sizeof(*arg)], v)) {
                        arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        break;
                }
                size = sizeof(struct tg_generic_cred);
                break;
        }
        default:
                break;
        }
        /* Only the argument's own bytes: the rest of the scratch is an older event's. */
        if (size > 0) {
                first = *(__u64 *) &out->data[off + sizeof(*arg)];
                if (size < 8)
                        first &= (1ULL << (size * 8)) - 1;
        }
        arg->size = size;
        e->digest = digest_mix(digest_mix(digest_mix(e->digest, arg->value), size), first);
        e->out_off = off + sizeof(*arg) + ((size + 7) & ~7U);
        return 0;
}

/* Action i of the matched selector. A callback of its own, with what it decides kept in e
 * (map memory): the verifier checks it once, not once per combination of the actions
 * before it, which older verifiers (6.1) cannot afford. */
static long V(run_action)(__u32 i, void *unused) {
        struct eval *e = eval();
        struct tg_policy_action *a;
        __u32 slot;

        if (!e)
                return 1;
        slot = e->act_first + i;
        a = bpf_map_lookup_elem(&gen_actions, &slot);
        if (!a)
                return 0;
        switch (a->type) {
        case TG_ACTION_NO_POST:
                e->act_post = 0;
                break;
        case TG_ACTION_POST:
                if (a->rate_limit_ms)
                        e->act_limit_slot = slot;
                e->act_stacks |=
                        a->flags & (TG_ACTION_KERNEL_STACK_TRACE | TG_ACTION_USER_STACK_TRACE);
                if (a->flags & TG_ACTION_IMA_HASH)
                        e->act_ima = 1;
                break;
        case TG_ACTION_SIGKILL:
        case TG_ACTION_SIGNAL:
                signal_action(e, a->type, a->type == TG_ACTION_SIGKILL ? SIGKILL : a->arg_sig);
                break;
        case TG_ACTION_OVERRIDE:
                if (e->act_type != TG_ACTION_SIGKILL)
                        e->act_type = TG_ACTION_OVERRIDE;
                e->act_override_error = a->arg_error;
                e->act_flags |= TG_GENERIC_RECORD_OVERRIDE;
                if (e->policy_flags & TG_GENERIC_POLICY_MONITOR) {
                        e->act_flags |= TG_GENERIC_RECORD_MONITOR;
                        counters_add(e, true, C_MONITORED);
                } else if (!e->has_override) {
                        /* The first hook that overrides decides the return. */
                        e->has_override = 1;
                        e->override_error = a->arg_error;
                        counters_add(e, true, C_ACTIONS);
                }
                break;
        case TG_ACTION_NOTIFY_ENFORCER: {
                /* The enforcer acts when the thread returns from an enforced call. */
                struct tg_generic_enforcer_mark mark = {
                        .policy_slot = e->policy_slot,
                        .policy_id = e->policy_id,
                        .signal = a->arg_sig,
                        .error = a->arg_error,
                };
                __u32 tid = e->tid;

                if (e->policy_flags & TG_GENERIC_POLICY_MONITOR) {
                        e->act_flags |= TG_GENERIC_RECORD_MONITOR;
                        counters_add(e, true, C_MONITORED);
                } else {
                        bpf_map_update_elem(&gen_enforcer_marks, &tid, &mark, BPF_ANY);
                }
                break;
        }
        default: /* FollowFD, UnfollowFD, CopyFD: fds are resolved in the kernel */
                break;
        }
        return 0;
}

/* The matched selector's actions (or Post, for a hook without selectors). */
static __always_inline void V(run_actions)(struct eval *e, struct tg_policy_hook *hook, void *ctx) {
        struct tg_policy_action *limit = NULL;
        struct tg_generic_record *r;
        struct event_scratch *out;
        bool has_selector = e->matched_selector != TG_GENERIC_NO_SELECTOR;
        __u32 zero = 0, slot = e->selector_slot;

        counters_add(e, has_selector, C_MATCHED);
        e->act_post = 1;
        e->act_type = TG_ACTION_POST;
        e->act_signal = 0;
        e->act_flags = 0;
        e->act_stacks = 0;
        e->act_ima = 0;
        e->act_override_error = 0;
        e->act_limit_slot = TG_GENERIC_NO_ACTION;
        if (has_selector) {
                struct tg_policy_selector *sel = bpf_map_lookup_elem(&gen_selectors, &slot);

                if (!sel)
                        return;
                e->act_first = sel->action_first;
                bpf_loop(sel->n_actions, V(run_action), NULL, 0);
        }
        if (!e->act_post)
                return;
        if (e->act_limit_slot != TG_GENERIC_NO_ACTION) {
                slot = e->act_limit_slot;
                limit = bpf_map_lookup_elem(&gen_actions, &slot);
        }

        out = bpf_map_lookup_elem(&gen_event, &zero);
        if (!out)
                return;
        /* First, as it may sleep: the record is written after it. */
        e->out_off = sizeof(*r);
        e->out_flags = 0;
        if (function_ima != TG_POLICY_IMA_NONE && e->act_ima) {
                __u32 off = emit_ima(e, out, sizeof(*r), ctx);

                if (!off)
                        return;
                e->out_off = off;
                e->out_flags = TG_GENERIC_RECORD_IMA_HASH;
        }
        r = (void *) out->data;
        r->header.op = TG_OP_GENERIC;
        r->header.version = TG_RECORD_VERSION;
        r->header.ktime = bpf_ktime_get_boot_ns();
        r->pid = e->tgid;
        r->tid = e->tid;
        r->policy_id = e->policy_id;
        r->hook = e->hook_slot - e->hook_first;
        r->selector = has_selector ? e->matched_selector : TG_GENERIC_NO_SELECTOR;
        r->n_args = hook->n_args > TG_POLICY_MAX_ARGS ? TG_POLICY_MAX_ARGS : hook->n_args;
        r->action = e->act_type;
        r->pad = 0;
        r->signal = e->act_signal;
        r->point = e->point;
        r->override_error = e->act_override_error;

        /* Where the hook fires, not at its return: a parked record keeps its arguments
         * right after the header (the planner refuses stacks on those hooks). */
        if (!(hook->flags & TG_POLICY_HOOK_AT_RETURN)) {
                if (e->act_stacks & TG_ACTION_KERNEL_STACK_TRACE) {
                        e->out_off = emit_stack(out, e->out_off, ctx, 0);
                        e->out_flags |= TG_GENERIC_RECORD_KERNEL_STACK;
                }
                if (e->act_stacks & TG_ACTION_USER_STACK_TRACE) {
                        e->out_off = emit_stack(out, e->out_off, ctx, BPF_F_USER_STACK);
                        e->out_flags |= TG_GENERIC_RECORD_USER_STACK;
                }
        }
        e->digest = 0xcbf29ce484222325ULL;
        bpf_loop(r->n_args, V(emit_arg), NULL, 0);
        r->flags = e->act_flags | e->out_flags;

        if (limit && rate_limited(e, limit)) {
                counters_add(e, has_selector, C_RATE_LIMITED);
                return;
        }
        if (hook->flags & TG_POLICY_HOOK_AT_RETURN) {
                return_park(e, hook, has_selector, out);
                return;
        }
        {
                __u32 size = e->out_off;

                /* Two checks the compiler may not merge into one the verifier cannot follow. */
                if (size > TG_GENERIC_RECORD_MAX)
                        return;
                barrier_var(size);
                if (size < sizeof(*r))
                        return;
                r->header.size = size;
                if (bpf_ringbuf_output(&gen_ringbuf, out->data, size, 0) < 0) {
                        counter_inc(TG_COUNTER_RINGBUF_RESERVE_FAILED);
                        counters_add(e, has_selector, C_LOST);
                } else {
                        counters_add(e, has_selector, C_POSTED);
                }
        }
}

static long V(eval_hook)(__u32 i, void *data) {
        struct hooks_ctx *ctx = data;
        struct tg_generic_policy *policy;
        struct tg_policy_hook *hook;
        struct eval *e = eval();
        __u32 hslot, pslot;

        if (!e)
                return 1;
        hslot = ctx->list->refs[bounded(i, TG_GENERIC_MAX_HOOKS_PER_POINT - 1)].hook;
        pslot = ctx->list->refs[bounded(i, TG_GENERIC_MAX_HOOKS_PER_POINT - 1)].policy;
        hook = bpf_map_lookup_elem(&gen_hooks, &hslot);
        policy = bpf_map_lookup_elem(&gen_policies, &pslot);
        if (!hook || !policy)
                return 0;
        if (tg_unit_scope_excludes(policy->flags, policy->id))
                return 0;

        e->hook_slot = hslot;
        e->policy_slot = pslot;
        e->policy_id = policy->id;
        e->policy_flags = policy->flags;
        e->hook_first = policy->hook_first;
        e->selector_first = hook->selector_first;
        e->matched_selector = TG_GENERIC_NO_SELECTOR;

        if (hook->n_selectors == 0) {
                V(run_actions)(e, hook, ctx->ctx); /* no selector: every call is posted */
                return 0;
        }
        bpf_loop(hook->n_selectors, V(eval_selector), NULL, 0);
        if (e->matched_selector != TG_GENERIC_NO_SELECTOR)
                V(run_actions)(e, hook, ctx->ctx);
        return 0;
}

/* BPF_PROG pastes its name: V() must be expanded before it gets there. */
#define GENERIC_PROG(name, args...) BPF_PROG(name, args)

/* Every entry: the hook list of point, and e set up for it (arguments still to set). */
static __always_inline struct tg_generic_list *V(enter_list)(__u32 point, struct eval **ret_e) {
        struct tg_generic_list *list;
        struct task_struct *task;
        struct fdtable *fdt;
        struct eval *e;
        __u32 slot, run_key = 0, *excluded;
        __u8 *active;

        active = bpf_map_lookup_elem(&gen_point_active, &point);
        if (!active || !*active)
                return NULL;
        slot = point * 2 + (*active == 2);
        task = bpf_get_current_task_btf();
        excluded = bpf_map_lookup_elem(&gen_run, &run_key);
        if (excluded && *excluded && task->tgid == *excluded)
                return NULL;
        /* A 32-bit task's syscall numbers are another table's. */
        if (point < TG_GENERIC_MAX_SYSCALLS && task_in_compat_syscall(task))
                return NULL;
        list = bpf_map_lookup_elem(&gen_point_lists, &slot);
        e = eval();
        if (!list || !e)
                return NULL;

        /* Plain loads through the task: no helper calls. */
        e->tgid = task->tgid;
        e->tid = task->pid;
        fdt = task->files->fdt;
        e->fds = (__u64) fdt->fd;
        e->max_fds = fdt->max_fds;
        e->point = point;
        e->seq++;
        e->user_regs = (1U << N_REGS) - 1;
        e->has_override = 0;
        e->override_error = 0;
        e->compat = task_in_compat_syscall(task);
        *ret_e = e;
        return list;
}

static __always_inline void V(enter_hooks)(struct eval *e, struct tg_generic_list *list,
                                           void *ctx) {
        struct hooks_ctx hooks = { .list = list, .ctx = ctx };

        __builtin_memset(e->file_state, 0, sizeof(e->file_state));
        __builtin_memset(e->data_state, 0, sizeof(e->data_state));
        e->root_state = MEMO_UNKNOWN;
        e->name_dentry = 0;
        e->built_dentry = 0;
        e->built_mnt = 0;

        /* No hook can match a file whose last component has none of the lengths: stop
         * here, without a call. A mount's root is named by its mount point: evaluate. */
        if (hooks.list->prefilter_reg < N_REGS) {
                __u32 reg = bounded(hooks.list->prefilter_reg, 7), len;
                __u64 dentry;

                if (reg >= N_REGS || !V(resolve_file)(e, reg, TG_ARG_FD))
                        return; /* no file, no path equals anything */
                dentry = e->dentry[reg];
                len = KREAD(struct dentry, dentry, d_name.len);
                if (dentry != (__u64) KREAD(struct vfsmount, e->mnt[reg], mnt_root) &&
                    (len > TG_NAME_MAX ||
                     !(hooks.list->leaf_lengths[bounded(len >> 6, 3)] & (1ULL << (len & 63)))))
                        return;
        }

        bpf_loop(hooks.list->n, V(eval_hook), &hooks, 0);
}

/* The syscall's arguments, from the user's registers the syscall function was given. */
static __always_inline void V(args_from_user_regs)(struct eval *e, struct pt_regs *regs) {
        e->args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
        e->args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
        e->args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
        e->args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
        e->args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
}

SEC("tp_btf/sys_enter")
int GENERIC_PROG(V(tg_generic_sys_enter), struct pt_regs *regs, long id) {
        struct tg_generic_list *list;
        struct eval *e = NULL;

        list = V(enter_list)((__u32) id, &e);
        if (!list || !e)
                return 0;
        /* regs is a trusted pointer here: plain loads, no probe reads. */
        e->args[0] = PT_REGS_PARM1_SYSCALL(regs);
        e->args[1] = PT_REGS_PARM2_SYSCALL(regs);
        e->args[2] = PT_REGS_PARM3_SYSCALL(regs);
        e->args[3] = PT_REGS_PARM4_SYSCALL(regs);
        e->args[4] = PT_REGS_PARM5_SYSCALL(regs);
        V(enter_hooks)(e, list, ctx);
        return 0;
}

/* Attached to __<arch>_sys_<name> of each syscall with hooks, its number as the attach
 * cookie. The wrapper's only argument is the user's registers, read with probe reads. */
SEC("kprobe")
int V(tg_generic_kprobe)(struct pt_regs *ctx) {
        struct tg_generic_list *list;
        struct eval *e = NULL;

        list = V(enter_list)((__u32) bpf_get_attach_cookie(ctx), &e);
        if (!list || !e)
                return 0;
        V(args_from_user_regs)(e, (struct pt_regs *) PT_REGS_PARM1(ctx));
        V(enter_hooks)(e, list, ctx);
        return 0;
}

/* A kprobe or uprobe on a function, its point as the attach cookie: the function's own
 * arguments, from its registers; user_regs says which point into the caller's memory. */
static __always_inline int V(enter_probed_function)(struct pt_regs *ctx, __u8 user_regs) {
        struct tg_generic_list *list;
        struct eval *e = NULL;

        list = V(enter_list)((__u32) bpf_get_attach_cookie(ctx), &e);
        if (!list || !e)
                return 0;
        e->user_regs = user_regs;
        e->args[0] = PT_REGS_PARM1(ctx);
        e->args[1] = PT_REGS_PARM2(ctx);
        e->args[2] = PT_REGS_PARM3(ctx);
        e->args[3] = PT_REGS_PARM4(ctx);
        e->args[4] = PT_REGS_PARM5(ctx);
        V(enter_hooks)(e, list, ctx);
        return 0;
}

/* A kernel function: pointers into kernel memory. */
SEC("kprobe")
int V(tg_generic_kprobe_function)(struct pt_regs *ctx) {
        return V(enter_probed_function)(ctx, 0);
}

/* A function of a binary: values and pointers of the process that called it. */
SEC("uprobe")
int V(tg_generic_uprobe)(struct pt_regs *ctx) {
        return V(enter_probed_function)(ctx, (1U << N_REGS) - 1);
}

/* A USDT probe: argument i of the probe in register i, as the probe's spec (libbpf's
 * bpf_usdt_arg()) says where it is; values and pointers of the process. libbpf takes the
 * attach cookie for the spec: the point comes as the USDT cookie. */
SEC("usdt")
int V(tg_generic_usdt)(struct pt_regs *ctx) {
        struct tg_generic_list *list;
        struct eval *e = NULL;
        int n;

        list = V(enter_list)((__u32) bpf_usdt_cookie(ctx), &e);
        if (!list || !e)
                return 0;
        n = bpf_usdt_arg_cnt(ctx);
        for (__u32 i = 0; i < N_REGS; i++) {
                long v = 0;

                if ((int) i < n)
                        bpf_usdt_arg(ctx, i, &v);
                e->args[i] = (__u64) v;
        }
        V(enter_hooks)(e, list, ctx);
        return 0;
}

/* Field reg of a tracepoint's record, as its hooks read it. */
static __always_inline void V(tracepoint_field)(struct eval *e, __u64 record,
                                                struct tg_generic_fields *fields, __u32 reg) {
        __u64 v = 0;
        __u32 loc = 0, size = fields->size[reg];
        __u64 at = record + fields->offset[reg];

        switch (fields->kind[reg]) {
        case TG_FIELD_INTEGER:
                bpf_probe_read_kernel(&v, size > 8 ? 8 : size, (void *) at);
                if (fields->is_signed[reg] && size > 0 && size < 8)
                        v = (__u64) ((__s64) (v << (64 - size * 8)) >> (64 - size * 8));
                break;
        case TG_FIELD_POINTER:
                bpf_probe_read_kernel(&v, sizeof(v), (void *) at);
                break;
        case TG_FIELD_ARRAY:
                v = at;
                break;
        case TG_FIELD_DATA_LOC:
                bpf_probe_read_kernel(&loc, sizeof(loc), (void *) at);
                v = record + (loc & 0xffff);
                break;
        }
        e->args[reg] = v;
}

/* Attached to a tracepoint, its point as the attach cookie: the fields its hooks read. */
SEC("tracepoint")
int V(tg_generic_tracepoint)(void *ctx) {
        struct tg_generic_fields *fields;
        struct tg_generic_list *list;
        struct eval *e = NULL;
        __u32 point = (__u32) bpf_get_attach_cookie(ctx);
        __u64 record;

        list = V(enter_list)(point, &e);
        fields = bpf_map_lookup_elem(&gen_point_fields, &point);
        if (!list || !e || !fields)
                return 0;
        /* An address, not a pointer the verifier would keep from helpers. */
        bpf_probe_read_kernel(&record, sizeof(record), &ctx);
        e->user_regs = fields->user_regs;
        for (__u32 reg = 0; reg < N_REGS; reg++)
                V(tracepoint_field)(e, record, fields, reg);
        V(enter_hooks)(e, list, ctx);
        return 0;
}

/* fentry, fmod_ret and LSM programs: function_point's hooks, with the function's arguments
 * (past its last, zeros). Returns what an Override asked for, or 0. */
static __always_inline int V(enter_function)(void *ctx) {
        struct tg_generic_list *list;
        struct eval *e = NULL;
        __u64 first = 0;

        list = V(enter_list)(function_point, &e);
        if (!list || !e)
                return 0;
        bpf_get_func_arg(ctx, 0, &first);
        if (function_is_syscall) {
                V(args_from_user_regs)(e, (struct pt_regs *) first);
        } else {
                e->user_regs = 0;
                e->args[0] = first;
                for (__u32 i = 1; i < N_REGS; i++) {
                        __u64 v = 0;

                        bpf_get_func_arg(ctx, i, &v);
                        e->args[i] = v;
                }
        }
        V(enter_hooks)(e, list, ctx);
        if (e->has_override) {
                /* The parser takes only negative errnos as argError; the bounds are for the
                 * verifier, which (6.12) wants an LSM program's return proven in [-4095, 0].
                 * The barriers keep clang from folding the two tests into a range check on a
                 * copy, which would leave the register returned unbounded. */
                __s64 error = (__s32) e->override_error;

                barrier_var(error);
                if (error < -4095)
                        return 0;
                barrier_var(error);
                if (error > 0)
                        return 0;
                return error;
        }
        return 0;
}

/* A raw tracepoint (tp_btf), loaded per tracepoint like fentry: its arguments. The reads
 * past function_nargs are known dead at load, so the verifier never checks them. */
SEC("tp_btf")
int V(tg_generic_raw_tracepoint)(__u64 *ctx) {
        struct tg_generic_list *list;
        struct eval *e = NULL;

        list = V(enter_list)(function_point, &e);
        if (!list || !e)
                return 0;
        e->user_regs = 0;
        e->args[0] = function_nargs > 0 ? ctx[0] : 0;
        e->args[1] = function_nargs > 1 ? ctx[1] : 0;
        e->args[2] = function_nargs > 2 ? ctx[2] : 0;
        e->args[3] = function_nargs > 3 ? ctx[3] : 0;
        e->args[4] = function_nargs > 4 ? ctx[4] : 0;
        V(enter_hooks)(e, list, ctx);
        return 0;
}

SEC("fentry")
int V(tg_generic_fentry)(void *ctx) {
        V(enter_function)(ctx);
        return 0;
}

/* Override on a function the kernel lets BPF change the return of (security_* and those
 * marked for error injection): a non-zero return skips the function and is its result. */
SEC("fmod_ret")
int V(tg_generic_fmod_ret)(void *ctx) {
        return V(enter_function)(ctx);
}

/* A BPF LSM hook: its result is the program's (0: allowed). */
SEC("lsm")
int V(tg_generic_lsm)(void *ctx) {
        return V(enter_function)(ctx);
}

#undef GENERIC_PROG
#undef KREAD
#undef KPTR
