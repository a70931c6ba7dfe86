/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching: the function points (a kernel function, tracepoint, LSM hook or user-space
 * symbol with a program of its own), loading a per-function copy of the object for
 * fentry, fmod_ret, LSM and raw tracepoint programs, kprobes, uprobes (with the ELF reading
 * that turns an address into a file offset) and usdts, and detaching what nothing uses.
 */
#include "policy-engine-internal.h"

static void generic_bpf_destroyp(struct generic_bpf **obj) {
        generic_bpf__destroy(*obj); /* accepts NULL */
}

void engine_link_destroy(PolicyEngine *e, struct bpf_link *link) {
        /* An adopted link: this run's pin goes, the older run's stays until that run is
         * released (a start that fails leaves it whole). */
        for (size_t k = 0; link && k < e->n_adopted_links; k++) {
                if (e->adopted_links[k] != link)
                        continue;
                if (!e->keep_pinned)
                        (void) unlink(e->adopted_pins[k]);
                free(e->adopted_pins[k]);
                e->adopted_links[k] = e->adopted_links[--e->n_adopted_links];
                e->adopted_pins[k] = e->adopted_pins[e->n_adopted_links];
                bpf_link__destroy(link);
                return;
        }
        /* A pinned link outlives its fd: unpinned, it detaches with the fd. Kept (the
         * daemon exits and leaves enforcement on), it stays. */
        if (link && !e->keep_pinned && bpf_link__pin_path(link))
                (void) bpf_link__unpin(link);
        bpf_link__destroy(link); /* accepts NULL */
}

static int engine_pin_link(PolicyEngine *e, struct bpf_link *link, const char *name) {
        int k;

        if (!link || !e->pins || bpf_link__pin_path(link))
                return 0;
        k = pinned_state_pin_link(e->pins, link, name);
        /* Attachments the kernel has no link object for cannot be pinned: they end with
         * the daemon, as before. */
        return k == -EINVAL || k == -EOPNOTSUPP ? 0 : k;
}

int engine_pin_links(PolicyEngine *e) {
        static const char *const baseline_names[] = { "baseline_exec", "baseline_fork",
                                                      "baseline_exit", "unit_mkdir" };
        int k = 0;

        _Static_assert(ELEMENTSOF(baseline_names) == ELEMENTSOF(e->baseline_links), "names");
        if (!e->pins)
                return 0;
        k = engine_pin_link(e, e->link, "sys_enter");
        if (k >= 0)
                k = engine_pin_link(e, e->exit_link, "sys_exit");
        if (k >= 0)
                k = engine_pin_link(e, e->enforcer_link, "enforcer");
        for (size_t n = 0; k >= 0 && n < ELEMENTSOF(e->baseline_links); n++)
                k = engine_pin_link(e, e->baseline_links[n], baseline_names[n]);
        for (size_t n = 0; k >= 0 && n < ENGINE_FUNCTION_POINTS; n++) {
                char name[32];

                snprintf(name, sizeof(name), "point-%zu", n);
                k = engine_pin_link(e, e->functions[n].link, name);
                snprintf(name, sizeof(name), "point-%zu-return", n);
                if (k >= 0)
                        k = engine_pin_link(e, e->functions[n].return_link, name);
        }
        return k;
}

void function_point_release(PolicyEngine *e, FunctionPoint *fp) {
        engine_link_destroy(e, fp->return_link);
        engine_link_destroy(e, fp->link);
        free(fp->function);
        free(fp->path);
        *fp = (FunctionPoint){};
}

static bool mechanism_is_per_function(HookMechanism m) {
        return m == HOOK_MECHANISM_KPROBE || m == HOOK_MECHANISM_FENTRY ||
               m == HOOK_MECHANISM_FMOD_RET || m == HOOK_MECHANISM_LSM ||
               m == HOOK_MECHANISM_UPROBE || m == HOOK_MECHANISM_USDT ||
               m == HOOK_MECHANISM_TRACEPOINT || m == HOOK_MECHANISM_RAW_TRACEPOINT;
}

/* The point of (mechanism, function, path): the one already attached there, or a new one,
 * not attached yet. Points nothing lists are given back by engine_detach_if_idle(). */
static int engine_function_point(PolicyEngine *e, HookMechanism m, const char *function,
                                 const char *path, bool syscall, uint8_t ima) {
        size_t free_slot = ENGINE_FUNCTION_POINTS;

        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++) {
                FunctionPoint *fp = &e->functions[k];

                if (fp->mechanism == m && streq(fp->function, function) &&
                    streq_ptr(fp->path, path) && fp->ima == ima)
                        return (int) (TG_GENERIC_MAX_SYSCALLS + k);
                if (fp->mechanism == HOOK_MECHANISM_NONE && free_slot == ENGINE_FUNCTION_POINTS)
                        free_slot = k;
        }
        if (free_slot == ENGINE_FUNCTION_POINTS)
                return -ENOSPC;
        e->functions[free_slot] = (FunctionPoint){
                .mechanism = m,
                .function = strdup(function),
                .path = path ? strdup(path) : NULL,
                .syscall = syscall,
                .ima = ima,
        };
        if (!e->functions[free_slot].function || (path && !e->functions[free_slot].path)) {
                function_point_release(e, &e->functions[free_slot]);
                return -ENOMEM;
        }
        return (int) (TG_GENERIC_MAX_SYSCALLS + free_slot);
}

static struct bpf_program *function_program(struct generic_bpf *obj, HookMechanism m, bool cast) {
        switch (m) {
        case HOOK_MECHANISM_FENTRY:
                return cast ? obj->progs.tg_generic_fentry_cast
                            : obj->progs.tg_generic_fentry_probe_read;
        case HOOK_MECHANISM_FMOD_RET:
                return cast ? obj->progs.tg_generic_fmod_ret_cast
                            : obj->progs.tg_generic_fmod_ret_probe_read;
        case HOOK_MECHANISM_LSM:
                return cast ? obj->progs.tg_generic_lsm_cast : obj->progs.tg_generic_lsm_probe_read;
        case HOOK_MECHANISM_RAW_TRACEPOINT:
                return cast ? obj->progs.tg_generic_raw_tracepoint_cast
                            : obj->progs.tg_generic_raw_tracepoint_probe_read;
        case HOOK_MECHANISM_NONE:
        case HOOK_MECHANISM_KPROBE:
        case HOOK_MECHANISM_SYS_ENTER:
        case HOOK_MECHANISM_TRACEPOINT:
        case HOOK_MECHANISM_UPROBE:
        case HOOK_MECHANISM_USDT:
        case _HOOK_MECHANISM_MAX:
                break;
        }
        return NULL;
}

/* Every map of obj (but its own .rodata, .bss) becomes from's map in the same place: obj is
 * another instance of from's object, whose maps come in the same order. Not by name: a map
 * that reuses another's fd (the process monitor's ring buffer) takes that one's name. */
static int object_share_maps(struct bpf_object *obj, struct bpf_object *from) {
        struct bpf_map *map, *shared = NULL;

        bpf_object__for_each_map(map, obj) {
                int k;

                shared = bpf_object__next_map(from, shared);
                if (!shared)
                        return -ENOENT;
                if (bpf_map__is_internal(map))
                        continue;
                k = bpf_map__reuse_fd(map, bpf_map__fd(shared));
                if (k < 0)
                        return k;
        }
        return 0;
}

/* fentry, fmod_ret and LSM programs name their function at load: each point loads its
 * own copy of the one program it needs, from a second instance of the object whose maps
 * are the engine's, and keeps only the link. */
int engine_attach_btf_function(PolicyEngine *e, uint32_t point, FunctionPoint *fp, bool at_return,
                               char **ret_error) {
        _cleanup_(generic_bpf_destroyp) struct generic_bpf *obj = NULL;
        struct bpf_program *prog = NULL, *p;
        const char *step, *target = fp->function;
        int k;

        step = "opening";
        obj = generic_bpf__open();
        if (!obj) {
                k = negative_errno();
                goto fail;
        }
        step = "sharing the engine's maps with";
        k = object_share_maps(obj->obj, e->skel->obj);
        if (k < 0)
                goto fail;
        obj->rodata->host_user_ns_inum = e->host_ns[POLICY_NS_USER];
        obj->rodata->function_point = point;
        obj->rodata->function_is_syscall = fp->syscall;
        obj->rodata->function_ima = at_return ? TG_POLICY_IMA_NONE : fp->ima;
        if (fp->mechanism == HOOK_MECHANISM_RAW_TRACEPOINT) {
                /* "subsystem/event": libbpf finds btf_trace_EVENT. */
                obj->rodata->function_nargs = (uint32_t) MAX(
                        kernel_facts_raw_tracepoint_nargs(e->facts, fp->function), 0);
                if (strchr(fp->function, '/'))
                        target = strchr(fp->function, '/') + 1;
        }
        /* fexit, for fentry and fmod_ret: the same in both variants. */
        prog = at_return ? obj->progs.tg_generic_fexit
                         : function_program(obj, fp->mechanism, e->cast);
        bpf_object__for_each_program(p, obj->obj)
                bpf_program__set_autoload(p, p == prog);

        step = "finding";
        k = prog ? bpf_program__set_attach_target(prog, 0, target) : -EINVAL;
        if (k < 0)
                goto fail;
        /* bpf_ima_file_hash() may sleep: the kernel lets only sleepable programs call it. */
        if (!at_return && fp->ima != TG_POLICY_IMA_NONE) {
                k = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_SLEEPABLE);
                if (k < 0)
                        goto fail;
        }
        step = "loading";
        k = generic_bpf__load(obj);
        if (k < 0)
                goto fail;
        step = "attaching";
        *(at_return ? &fp->return_link : &fp->link) = bpf_program__attach(prog);
        if (!*(at_return ? &fp->return_link : &fp->link)) {
                k = negative_errno();
                goto fail;
        }
        return 0;

fail:
        /* fmod_ret is refused with EINVAL on functions that do not allow it. */
        if (asprintf(ret_error, "%s %s on %s failed: %s%s", step,
                     at_return ? "fexit"
                     : fp->ima ? "sleepable lsm (for imaHash)"
                               : hook_mechanism_to_string(fp->mechanism),
                     fp->function, strerror(-k),
                     fp->mechanism == HOOK_MECHANISM_FMOD_RET && k == -EINVAL
                             ? " (the kernel allows fmod_ret only on security_* functions, and "
                               "on others only with function error injection)"
                             : "") < 0)
                *ret_error = NULL;
        return k;
}

/* The file offset of address in the 64-bit ELF binary at path: inside the loaded segment
 * that holds it. -ENXIO: in none. The program headers are all it takes: no libelf. */
static int elf_address_to_offset(const char *path, uint64_t address, uint64_t *ret) {
        _cleanup_close_ int fd = -EBADF;
        Elf64_Ehdr eh;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t) sizeof(eh) ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr))
                return -ENOEXEC;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;

                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + i * sizeof(ph))) !=
                    (ssize_t) sizeof(ph))
                        return -ENOEXEC;
                if (ph.p_type == PT_LOAD && address >= ph.p_vaddr &&
                    address - ph.p_vaddr < ph.p_filesz) {
                        *ret = address - ph.p_vaddr + ph.p_offset;
                        return 0;
                }
        }
        return -ENXIO;
}

/* A uprobe on hook h's symbol, offset or address, or a usdt, in every process that runs
 * the binary (pid -1). The hook's point comes as the attach cookie, a usdt's as the USDT
 * cookie (libbpf keeps the attach cookie for the probe's argument specs). */
static int engine_attach_user(PolicyEngine *e, InstalledHook *h, FunctionPoint *fp,
                              char **ret_error) {
        const char *what = fp->mechanism == HOOK_MECHANISM_USDT ? "usdt" : "uprobe";
        uint64_t offset = h->offset;
        int r;

        if ((fp->mechanism == HOOK_MECHANISM_USDT ? e->usdt_prog : e->uprobe_prog) == NULL)
                return -EOPNOTSUPP;
        if (access(fp->path, R_OK) < 0) {
                r = negative_errno();
                if ((r == -ENOENT ? asprintf(ret_error, "%s on %s: no file %s", what, fp->function,
                                             fp->path)
                                  : asprintf(ret_error, "%s on %s: cannot read %s: %s", what,
                                             fp->function, fp->path, strerror(-r))) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (fp->mechanism == HOOK_MECHANISM_USDT) {
                LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = (uint64_t) h->point);
                _cleanup_free_ char *provider = strdup(fp->function);
                char *name = provider ? strchr(provider, ':') : NULL;

                if (!name)
                        return -ENOMEM;
                *name++ = '\0';
                fp->link =
                        bpf_program__attach_usdt(e->usdt_prog, -1, fp->path, provider, name, &opts);
                if (!fp->link) {
                        r = negative_errno();
                        if (asprintf(ret_error, "usdt: %s in %s: %s", fp->function, fp->path,
                                     r == -ENOENT ? "no such USDT probe in the binary's notes"
                                                  : strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
                return 0;
        }
        if (h->offset_is_address) {
                r = elf_address_to_offset(fp->path, h->offset, &offset);
                if (r < 0) {
                        if (asprintf(ret_error, "uprobe on address 0x%" PRIx64 " in %s: %s",
                                     h->offset, fp->path,
                                     r == -ENXIO ? "in no loaded segment of the binary"
                                                 : strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
        }
        {
                LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = h->has_offset ? NULL : fp->function,
                            .ref_ctr_offset = h->ref_ctr_offset, .bpf_cookie = (uint64_t) h->point);

                fp->link = bpf_program__attach_uprobe_opts(e->uprobe_prog, -1, fp->path,
                                                           h->has_offset ? offset : 0, &opts);
        }
        if (!fp->link) {
                r = negative_errno();
                /* libbpf says ENOENT for a symbol the binary does not have. */
                if (r == -ENOENT && !h->has_offset
                            ? asprintf(ret_error, "uprobe: no symbol \"%s\" in %s", fp->function,
                                       fp->path) < 0
                            : asprintf(ret_error, "attaching a uprobe to %s in %s failed: %s",
                                       fp->function, fp->path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return 0;
}

/* The return program of a point with return: true hooks, beside its entry program: it finds
 * nothing parked until the entry program parks something. */
static int engine_attach_return(PolicyEngine *e, uint32_t point, FunctionPoint *fp,
                                char **ret_error) {
        LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = point, .retprobe = true);
        LIBBPF_OPTS(bpf_uprobe_opts, uopts, .func_name = fp->function, .bpf_cookie = point,
                    .retprobe = true);
        int r;

        switch (fp->mechanism) {
        case HOOK_MECHANISM_FENTRY:
        case HOOK_MECHANISM_FMOD_RET:
                return engine_attach_btf_function(e, point, fp, true, ret_error);
        case HOOK_MECHANISM_KPROBE:
                if (!e->kretprobe_prog)
                        return -EOPNOTSUPP;
                fp->return_link =
                        bpf_program__attach_kprobe_opts(e->kretprobe_prog, fp->function, &kopts);
                break;
        case HOOK_MECHANISM_UPROBE:
                if (!e->kretprobe_prog)
                        return -EOPNOTSUPP;
                fp->return_link =
                        bpf_program__attach_uprobe_opts(e->kretprobe_prog, -1, fp->path, 0, &uopts);
                break;
        case HOOK_MECHANISM_NONE:
        case HOOK_MECHANISM_SYS_ENTER:
        case HOOK_MECHANISM_TRACEPOINT:
        case HOOK_MECHANISM_RAW_TRACEPOINT:
        case HOOK_MECHANISM_LSM:
        case HOOK_MECHANISM_USDT:
        case _HOOK_MECHANISM_MAX:
                return -EOPNOTSUPP; /* the planner refuses return: true there */
        }
        if (!fp->return_link) {
                r = negative_errno();
                if (asprintf(ret_error, "attaching a %s to %s failed: %s",
                             fp->mechanism == HOOK_MECHANISM_UPROBE ? "uretprobe" : "kretprobe",
                             fp->function, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return 0;
}

/* Before the switch: a program on each function i's hooks name that has none yet, which
 * finds nothing until the switch lists the hooks on its point. */
int engine_attach_functions(PolicyEngine *e, PolicyInstallation *i, char **ret_error) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                FunctionPoint *fp;
                int r;

                if (h->point < TG_GENERIC_MAX_SYSCALLS)
                        continue;
                fp = &e->functions[h->point - TG_GENERIC_MAX_SYSCALLS];
                if (h->ret && !fp->return_link) {
                        r = engine_attach_return(e, (uint32_t) h->point, fp, ret_error);
                        if (r < 0)
                                return r;
                }
                if (fp->link)
                        continue;
                if (fp->mechanism == HOOK_MECHANISM_KPROBE) {
                        LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = (uint64_t) h->point);
                        struct bpf_program *prog =
                                fp->syscall ? e->kprobe_prog : e->kprobe_function_prog;

                        if (!prog)
                                return -EOPNOTSUPP;
                        fp->link = bpf_program__attach_kprobe_opts(prog, fp->function, &opts);
                        if (!fp->link) {
                                r = negative_errno();
                                /* The kernel's own verdict on the address (its kprobe blacklist,
                                 * noinstr code), which nothing before the attach can ask: 6.1
                                 * says EINVAL, 6.12 ENOENT for a notrace function that planning
                                 * found in the kernel's symbols. */
                                if (r == -EINVAL || r == -ENOENT) {
                                        /* Learnt: the next plan refuses it without trying. */
                                        r = kernel_facts_learn_kprobe_refusal(e->facts,
                                                                              fp->function);
                                        if (r < 0)
                                                return r;
                                        r = kernel_facts_kprobe_refusal_message(fp->function,
                                                                                ret_error);
                                        return r < 0 ? r : -EOPNOTSUPP;
                                }
                                if (asprintf(ret_error, "attaching a kprobe to %s failed: %s",
                                             fp->function, strerror(-r)) < 0)
                                        *ret_error = NULL;
                                return r;
                        }
                        continue;
                }
                if (fp->mechanism == HOOK_MECHANISM_TRACEPOINT) {
                        LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = (uint64_t) h->point);
                        _cleanup_free_ char *subsystem = strdup(fp->function);
                        char *event = subsystem ? strchr(subsystem, '/') : NULL;

                        if (!e->tracepoint_prog)
                                return -EOPNOTSUPP;
                        if (!event)
                                return -ENOMEM;
                        *event++ = '\0';
                        fp->link = bpf_program__attach_tracepoint_opts(e->tracepoint_prog,
                                                                       subsystem, event, &opts);
                        if (!fp->link) {
                                r = negative_errno();
                                if (asprintf(ret_error, "attaching to tracepoint %s failed: %s",
                                             fp->function, strerror(-r)) < 0)
                                        *ret_error = NULL;
                                return r;
                        }
                        continue;
                }
                if (fp->mechanism == HOOK_MECHANISM_UPROBE ||
                    fp->mechanism == HOOK_MECHANISM_USDT) {
                        r = engine_attach_user(e, h, fp, ret_error);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = engine_attach_btf_function(e, (uint32_t) h->point, fp, false, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The registers hook k of c reads its tracepoint's fields into: the point's, with the fields
 * it needs and no register has yet added, written to the kernel at once (a register in use
 * never changes, so programs running meanwhile see nothing move). */
static int engine_tracepoint_fields(PolicyEngine *e, uint32_t point, const CompiledPolicy *c,
                                    size_t k, InstalledHook *h, char **ret_error) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *format = NULL;
        FunctionPoint *fp = &e->functions[point - TG_GENERIC_MAX_SYSCALLS];
        const struct tg_policy_hook *hook = &c->hooks[k];
        _cleanup_free_ char *subsystem = strdup(fp->function);
        char *event = subsystem ? strchr(subsystem, '/') : NULL;
        int r;

        if (!subsystem)
                return -ENOMEM;
        if (!event)
                return -EINVAL;
        *event++ = '\0';
        r = tracepoint_format_read(subsystem, event, &format);
        if (r < 0) {
                if (asprintf(ret_error, "tracepoint %s: %s", fp->function,
                             r == -ENOENT ? "no such tracepoint on this kernel (or no tracefs)"
                                          : strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        for (size_t a = 0; a < hook->n_args && a < TG_POLICY_MAX_ARGS; a++) {
                uint32_t index = hook->arg_index[a];
                const TracepointField *field;
                size_t slot;

                if (index >= format->n_fields) {
                        if (asprintf(ret_error,
                                     "tracepoint %s has %zu fields: argument %zu reads index %u",
                                     fp->function, format->n_fields, a, index) < 0)
                                *ret_error = NULL;
                        return -EINVAL;
                }
                if (hook->arg_type[a] == TG_ARG_AUTO) {
                        r = plan_tracepoint_auto_type(fp->function, &format->fields[index],
                                                      &h->arg_type[a], ret_error);
                        if (r < 0)
                                return r;
                }
                for (slot = 0; slot < fp->n_fields && fp->field_index[slot] != index; slot++)
                        ;
                if (slot == fp->n_fields) {
                        if (slot >= TG_POLICY_MAX_ARGS) {
                                if (asprintf(ret_error,
                                             "tracepoint %s: the policies on it read more than "
                                             "%u different fields",
                                             fp->function, TG_POLICY_MAX_ARGS) < 0)
                                        *ret_error = NULL;
                                return -E2BIG;
                        }
                        field = &format->fields[index];
                        fp->field_index[slot] = index;
                        fp->fields.offset[slot] = (uint16_t) field->offset;
                        fp->fields.size[slot] = (uint8_t) MIN(field->size, 255U);
                        fp->fields.is_signed[slot] = field->is_signed;
                        switch (field->kind) {
                        case TRACEPOINT_FIELD_INTEGER:
                                fp->fields.kind[slot] = TG_FIELD_INTEGER;
                                break;
                        case TRACEPOINT_FIELD_POINTER:
                                fp->fields.kind[slot] = TG_FIELD_POINTER;
                                /* The syscalls' tracepoints have the caller's pointers. */
                                if (streq(subsystem, "syscalls"))
                                        fp->fields.user_regs |= 1U << slot;
                                break;
                        case TRACEPOINT_FIELD_ARRAY:
                                fp->fields.kind[slot] = TG_FIELD_ARRAY;
                                break;
                        case TRACEPOINT_FIELD_DATA_LOC:
                                fp->fields.kind[slot] = TG_FIELD_DATA_LOC;
                                break;
                        case _TRACEPOINT_FIELD_KIND_MAX:
                                return -EINVAL;
                        }
                        fp->n_fields++;
                        r = map_write(e->skel->maps.gen_point_fields, point, &fp->fields);
                        if (r < 0)
                                return r;
                }
                h->arg_slot[a] = (uint8_t) slot;
        }
        return 0;
}

/* Points of i's hooks that run through a program of their own. */
int engine_assign_points(PolicyEngine *e, PolicyInstallation *i, const CompiledPolicy *c,
                         const PolicyPlan *plan, char **ret_error) {
        for (size_t k = 0; k < i->n_hooks; k++) {
                InstalledHook *h = &i->hooks[k];
                int point;

                if (!mechanism_is_per_function(h->mechanism))
                        continue;
                point = engine_function_point(e, h->mechanism, h->function, h->path,
                                              plan->hooks[k].syscall_nr >= 0, plan->hooks[k].ima);
                if (point < 0) {
                        if (point == -ENOSPC &&
                            asprintf(ret_error, "more than %u functions hooked at once",
                                     ENGINE_FUNCTION_POINTS) < 0)
                                *ret_error = NULL;
                        return point;
                }
                h->point = point;
                if (h->mechanism == HOOK_MECHANISM_TRACEPOINT) {
                        int r = engine_tracepoint_fields(e, (uint32_t) point, c, h->compiled, h,
                                                         ret_error);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

void engine_detach_if_idle(PolicyEngine *e) {
        if (e->n_sys_enter_hooks == 0 && e->link) {
                engine_link_destroy(e, e->link);
                e->link = NULL;
        }
        if (e->n_sys_enter_hooks == 0 && e->exit_link) {
                engine_link_destroy(e, e->exit_link);
                e->exit_link = NULL;
        }
        if (e->n_enforcers == 0 && e->enforcer_link) {
                engine_link_destroy(e, e->enforcer_link);
                e->enforcer_link = NULL;
        }
        /* After the switch: a point turned off reaches no hook through its program. */
        for (size_t k = 0; k < ENGINE_FUNCTION_POINTS; k++)
                if (e->functions[k].mechanism != HOOK_MECHANISM_NONE &&
                    !e->lists[TG_GENERIC_MAX_SYSCALLS + k])
                        function_point_release(e, &e->functions[k]);
}
