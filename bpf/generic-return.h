/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Return probes (return: true): one event per call, posted when the function returns,
 * with the arguments it was called with and what it returned. A hook with a returnCopy
 * argument is posted at return too (as Tetragon does), without the return value.
 *
 * Entry does everything it does for other hooks (selectors, actions: a Sigkill or an
 * Override happens before the call), and builds the record; instead of posting it, it
 * parks it in gen_pending under (thread, hook slot), with one more argument at its end
 * for the return value (return: true). The return program of the point (sys_exit, fexit, kretprobe
 * or uretprobe) takes it back: it checks the matched selector's matchReturnArgs against the return
 * value, runs its matchReturnActions (Sigkill, Signal, NoPost: in the returning thread), reads
 * the returnCopy buffers (a read(2) buffer is filled only now), fills the return value in,
 * posts, and deletes the entry.
 *
 * The key is the thread and the hook: a thread runs one call of a syscall at a time, and
 * a hook's slot is one function. A kernel function that recurses (or one a signal handler
 * or an interrupt re-enters in the same thread) parks its inner call over its outer one:
 * the inner call's return posts it, the outer call's finds nothing and posts no event.
 * Calls that never return (exit, a task killed in a sleep that is not interrupted)
 * leave an entry that the LRU map evicts, as it evicts the oldest entries when more
 * threads than it holds sleep in a hooked call: those calls post no event either.
 *
 * Included by generic.bpf.c, before generic-eval.h (whose entry side parks records).
 */

/* Threads in hooked calls at once, all hooks together. Each entry is a whole record. */
#define TG_GENERIC_PENDING_MAX 256

struct pending_key {
        __u64 pid_tgid;
        __u32 hook; /* slot in gen_hooks */
        __u32 pad;
};

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, TG_GENERIC_PENDING_MAX);
        __type(key, struct pending_key);
        __type(value, struct event_scratch);
} gen_pending SEC(".maps");

/* The return being handled, for the loop callbacks. */
struct return_state {
        __u64 raw; /* the return register */
        __u64 ret; /* as the hook's return type sees it */
        __u64 pid_tgid;
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct return_state);
} gen_return_state SEC(".maps");

static __always_inline struct return_state *return_state(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&gen_return_state, &zero);
}

/* Entry: the record built in out for e's hook, parked until the return. */
static __always_inline void return_park(struct eval *e, struct tg_policy_hook *hook,
                                        bool has_selector, struct event_scratch *out) {
        struct tg_generic_record *r = (void *) out->data;
        struct pending_key key = {
                .pid_tgid = bpf_get_current_pid_tgid(),
                .hook = e->hook_slot,
        };
        struct tg_generic_arg *ret;
        __u32 off = bounded(e->out_off, 0x7fff); /* in a register the check below bounds */

        /* emit_arg() leaves room for the largest argument: this always fits. */
        if (off > TG_GENERIC_RECORD_MAX - sizeof(*ret) || off < sizeof(*r))
                return;
        r->header.size = off;
        if (hook->flags & TG_POLICY_HOOK_RETURN) {
                ret = (void *) &out->data[off];
                ret->type = hook->return_type;
                ret->flags = 0;
                ret->pad = 0;
                ret->size = 0;
                ret->value = 0;
                r->flags |= TG_GENERIC_RECORD_RETURN;
                r->header.size = off + sizeof(*ret);
        }
        if (bpf_map_update_elem(&gen_pending, &key, out, BPF_ANY) < 0)
                counters_add(e, has_selector, C_LOST);
}

/* One filter of the matched selector: only matchReturnArgs are left to judge. */
static long return_filter(__u32 i, void *unused) {
        struct return_state *rs = return_state();
        struct tg_policy_filter *f;
        struct eval *e = eval();
        __u32 slot;

        if (!e || !rs)
                return 1;
        slot = e->filter_slot + i;
        f = bpf_map_lookup_elem(&gen_filters, &slot);
        if (!f) {
                e->match = 0;
                return 1;
        }
        if (f->kind != TG_FILTER_RETURN_ARG)
                return 0;
        if (!int_filter(e, f, rs->ret)) {
                e->match = 0;
                return 1;
        }
        return 0;
}

/* The returnCopy buffers of the parked record p: the bytes the function filled, as many
 * as it returned (at most the room entry left, which sizeArgIndex bounds). */
static __always_inline void return_copy(struct event_scratch *p, __u32 n_args, __u32 end, __s64 ret,
                                        bool user) {
        __u32 off = sizeof(struct tg_generic_record);

        for (__u32 i = 0; i < TG_POLICY_MAX_ARGS; i++) {
                struct tg_generic_arg *arg;
                __u32 size, n, at;
                __u64 buf;

                /* Masked and compared in 32 bits, where older verifiers (6.1) follow it. */
                off = bounded(off, 0x7fff);
                /* Fewer than n_args when entry ran out of room (ARGS_TRUNCATED). */
                if (i >= n_args || off + sizeof(*arg) > end ||
                    off > TG_GENERIC_RECORD_MAX - sizeof(*arg) - TG_PATH_MAX - 8)
                        break;
                arg = (void *) &p->data[off];
                size = arg->size;
                if (arg->type == TG_ARG_CHAR_BUF && (arg->flags & TG_GENERIC_ARG_RETURN_COPY)) {
                        buf = arg->value;
                        arg->value = ret < 0 ? 0 : ret;
                        if (ret < 0)
                                arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                        else if ((__u64) ret > size)
                                arg->flags |= TG_GENERIC_ARG_TRUNCATED;
                        n = ret < 0 ? 0 : (__u64) ret > size ? size : (__u32) ret;
                        n = bounded(n, 2 * TG_GENERIC_BUF_MAX - 1);
                        if (n > TG_GENERIC_BUF_MAX)
                                n = TG_GENERIC_BUF_MAX;
                        at = bounded(off + (__u32) sizeof(*arg), 0x7fff);
                        if (at > TG_GENERIC_RECORD_MAX - TG_GENERIC_BUF_MAX - 8)
                                break;
                        if (n > 0 && read_bytes(&p->data[at], n, buf, user) < 0) {
                                arg->flags |= TG_GENERIC_ARG_UNREADABLE;
                                arg->value = 0;
                        }
                }
                off += sizeof(*arg) + ((size + 7) & ~7U);
        }
}

/* Return action i of the matched selector (matchReturnActions, which the planner limits to
 * these): what it decides is kept in e, as run_action() keeps it at entry. */
static long return_action(__u32 i, void *unused) {
        struct tg_policy_action *a;
        struct eval *e = eval();
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
        case TG_ACTION_SIGKILL:
        case TG_ACTION_SIGNAL:
                signal_action(e, a->type, a->type == TG_ACTION_SIGKILL ? SIGKILL : a->arg_sig);
                break;
        default: /* Post; GetUrl and DnsLookup are user space's, when the record arrives */
                break;
        }
        return 0;
}

/* The matched selector's matchReturnActions, on the parked record r. false: NoPost. */
static __always_inline bool return_actions(struct eval *e, struct tg_generic_policy *policy,
                                           struct tg_policy_selector *sel,
                                           struct tg_generic_record *r) {
        if (sel->n_return_actions == 0)
                return true;
        e->policy_id = policy->id;
        e->policy_flags = policy->flags;
        e->act_first = sel->action_first + sel->n_actions;
        e->act_post = 1;
        e->act_type = r->action;
        e->act_signal = r->signal;
        e->act_flags = 0;
        bpf_loop(sel->n_return_actions, return_action, NULL, 0);
        r->action = e->act_type;
        r->signal = e->act_signal;
        r->flags |= e->act_flags;
        return e->act_post;
}

struct return_ctx {
        struct tg_generic_list *list;
};

/* Hook i of the point: its parked record, if this thread's call parked one. */
static long return_hook(__u32 i, void *data) {
        struct return_ctx *ctx = data;
        struct return_state *rs = return_state();
        struct tg_generic_policy *policy;
        struct tg_generic_record *r;
        struct tg_generic_arg *ret;
        struct tg_policy_hook *hook;
        struct event_scratch *p;
        struct pending_key key = {};
        struct eval *e = eval();
        bool has_selector;
        __u32 hslot, pslot, size, off;

        if (!e || !rs)
                return 1;
        hslot = ctx->list->refs[bounded(i, TG_GENERIC_MAX_HOOKS_PER_POINT - 1)].hook;
        pslot = ctx->list->refs[bounded(i, TG_GENERIC_MAX_HOOKS_PER_POINT - 1)].policy;
        hook = bpf_map_lookup_elem(&gen_hooks, &hslot);
        policy = bpf_map_lookup_elem(&gen_policies, &pslot);
        if (!hook || !policy || !(hook->flags & TG_POLICY_HOOK_AT_RETURN))
                return 0;
        key.pid_tgid = rs->pid_tgid;
        key.hook = hslot;
        p = bpf_map_lookup_elem(&gen_pending, &key);
        if (!p)
                return 0;
        r = (void *) p->data;
        size = r->header.size;
        has_selector = r->selector != TG_GENERIC_NO_SELECTOR;
        e->hook_slot = hslot;
        e->policy_slot = pslot;
        e->selector_slot = hook->selector_first + r->selector;
        /* A reload may have put another policy's hook in the slot since the entry. */
        if (r->policy_id != policy->id || size > TG_GENERIC_RECORD_MAX || size < sizeof(*r))
                goto done;
        rs->ret = int_value(hook->return_type, rs->raw);

        if (has_selector) {
                __u32 slot = e->selector_slot;
                struct tg_policy_selector *sel = bpf_map_lookup_elem(&gen_selectors, &slot);

                if (!sel)
                        goto done;
                e->match = 1;
                e->filter_slot = sel->filter_first;
                bpf_loop(sel->n_filters, return_filter, NULL, 0);
                if (!e->match)
                        goto done;
                if (!return_actions(e, policy, sel, r))
                        goto done;
        }

        if (r->flags & TG_GENERIC_RECORD_RETURN) {
                off = bounded(size - (__u32) sizeof(*ret), 0x7fff);
                if (off < sizeof(*r) || off > TG_GENERIC_RECORD_MAX - sizeof(*ret))
                        goto done;
                ret = (void *) &p->data[off];
                ret->value = rs->ret;
        }
        return_copy(p, r->n_args, r->flags & TG_GENERIC_RECORD_RETURN ? size - sizeof(*ret) : size,
                    (__s64) rs->ret,
                    hook->kind == TG_POLICY_HOOK_UPROBE || (hook->flags & TG_POLICY_HOOK_SYSCALL));

        /* Two checks the compiler may not merge into one the verifier cannot follow. */
        if (size > TG_GENERIC_RECORD_MAX)
                goto done;
        barrier_var(size);
        if (size < sizeof(*r))
                goto done;
        if (bpf_ringbuf_output(&gen_ringbuf, p->data, size, 0) < 0) {
                counter_inc(TG_COUNTER_RINGBUF_RESERVE_FAILED);
                counters_add(e, has_selector, C_LOST);
        } else {
                counters_add(e, has_selector, C_POSTED);
        }
done:
        /* After the output: a deleted LRU entry may be reused at once. */
        bpf_map_delete_elem(&gen_pending, &key);
        return 0;
}

/* Every return program: point's hooks with return: true, for this thread's return. */
static __always_inline void return_point(__u32 point, __u64 raw) {
        struct tg_generic_list *list;
        struct return_state *rs;
        struct eval *e;
        struct return_ctx ctx;
        __u32 slot;
        __u8 *active;

        active = bpf_map_lookup_elem(&gen_point_active, &point);
        if (!active || !*active)
                return;
        slot = point * 2 + (*active == 2);
        list = bpf_map_lookup_elem(&gen_point_lists, &slot);
        if (!list || !list->has_return)
                return;
        rs = return_state();
        e = eval();
        if (!rs || !e)
                return;
        e->seq++; /* it evaluates in e too (emit_ima) */
        rs->raw = raw;
        rs->pid_tgid = bpf_get_current_pid_tgid();
        ctx.list = list;
        bpf_loop(list->n, return_hook, &ctx, 0);
}

/* Every syscall's return, for hooks sys_enter serves: the number is the registers'. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tg_generic_sys_exit, struct pt_regs *regs, long ret) {
        __u64 nr;

        if (task_in_compat_syscall(bpf_get_current_task_btf()))
                return 0;
#if defined(__TARGET_ARCH_x86)
        nr = regs->orig_ax;
#else
        nr = TG_GENERIC_MAX_SYSCALLS; /* arm64 (regs->syscallno): not done, nothing posts */
#endif
        if (nr >= TG_GENERIC_MAX_SYSCALLS)
                return 0;
        return_point((__u32) nr, (__u64) ret);
        return 0;
}

/* A kretprobe or uretprobe, its point as the attach cookie. */
SEC("kretprobe")
int tg_generic_kretprobe(struct pt_regs *ctx) {
        return_point((__u32) bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx));
        return 0;
}

/* fexit, loaded per function like fentry: function_point's. */
SEC("fexit")
int tg_generic_fexit(void *ctx) {
        __u64 ret = 0;

        bpf_get_func_ret(ctx, &ret);
        return_point(function_point, ret);
        return 0;
}
