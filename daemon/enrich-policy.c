/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event path's stage for policy records: a decoded TG_OP_GENERIC record, the process
 * from the process cache and the names of the policy's hook (policy_engine_lookup_hook())
 * into an event. Knows the engine only through policy-engine.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "event-format.h"
#include "policy-engine.h"
#include "policy-plan.h"

static EventArgType event_arg_type(uint8_t t) {
        switch (t) {
        case TG_ARG_INT:
        case TG_ARG_INT8:
        case TG_ARG_INT16:
        case TG_ARG_INT32:
                return EVENT_ARG_INT;
        case TG_ARG_UINT8:
        case TG_ARG_UINT16:
        case TG_ARG_UINT32:
                return EVENT_ARG_UINT;
        case TG_ARG_INT64:
        case TG_ARG_LONG:
                return EVENT_ARG_LONG;
        case TG_ARG_FD:
        case TG_ARG_FILE:
                return EVENT_ARG_FILE;
        case TG_ARG_PATH:
        case TG_ARG_DENTRY:
                return EVENT_ARG_PATH;
        case TG_ARG_LINUX_BINPRM:
                return EVENT_ARG_BINPRM;
        case TG_ARG_SYSCALL64:
                return EVENT_ARG_SYSCALL_ID;
        case TG_ARG_STRING:
                return EVENT_ARG_STRING;
        case TG_ARG_CHAR_BUF:
                return EVENT_ARG_BYTES;
        case TG_ARG_SOCKADDR:
                return EVENT_ARG_SOCKADDR;
        case TG_ARG_CHAR_IOVEC:
                return EVENT_ARG_BYTES;
        case TG_ARG_FILENAME:
                return EVENT_ARG_STRING;
        case TG_ARG_SOCK:
        case TG_ARG_SOCKET:
                return EVENT_ARG_SOCK;
        case TG_ARG_SKB:
                return EVENT_ARG_SKB;
        case TG_ARG_NET_DEVICE:
                return EVENT_ARG_NET_DEV;
        case TG_ARG_CRED:
                return EVENT_ARG_CRED;
        case TG_ARG_CAPABILITY:
                return EVENT_ARG_CAPABILITY;
        default: /* uint64, ulong, size_t */
                return EVENT_ARG_SIZE;
        }
}

static void event_arg_fill_sock(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_sock)) {
                const struct tg_generic_sock *sk = (const void *) data;

                out->sock.family = sk->family;
                out->sock.type = sk->type;
                out->sock.protocol = sk->protocol;
                out->sock.state = sk->state;
                out->sock.sport = sk->sport;
                out->sock.dport = sk->dport;
                out->sock.mark = sk->mark;
                out->sock.priority = sk->priority;
                memcpy(out->sock.saddr, sk->saddr, sizeof(sk->saddr));
                memcpy(out->sock.daddr, sk->daddr, sizeof(sk->daddr));
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill_skb(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_skb)) {
                const struct tg_generic_skb *skb = (const void *) data;

                out->skb.hash = skb->hash;
                out->skb.len = skb->len;
                out->skb.priority = skb->priority;
                out->skb.mark = skb->mark;
                out->skb.family = skb->family;
                out->skb.protocol = skb->protocol;
                out->skb.sport = skb->sport;
                out->skb.dport = skb->dport;
                memcpy(out->skb.saddr, skb->saddr, sizeof(skb->saddr));
                memcpy(out->skb.daddr, skb->daddr, sizeof(skb->daddr));
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill_cred(EventArg *out, const char *data) {
        if (out->size == sizeof(struct tg_generic_cred)) {
                const struct tg_generic_cred *c = (const void *) data;

                out->cred.uid = c->uid;
                out->cred.gid = c->gid;
                out->cred.euid = c->euid;
                out->cred.egid = c->egid;
                out->cred.suid = c->suid;
                out->cred.sgid = c->sgid;
                out->cred.fsuid = c->fsuid;
                out->cred.fsgid = c->fsgid;
                out->cred.securebits = c->securebits;
                out->cred.cap_permitted = c->cap_permitted;
                out->cred.cap_effective = c->cap_effective;
                out->cred.cap_inheritable = c->cap_inheritable;
                out->cred.user_ns_level = c->user_ns_level;
                out->cred.user_ns_owner = c->user_ns_owner;
                out->cred.user_ns_group = c->user_ns_group;
                out->cred.user_ns_inum = c->user_ns_inum;
        }
        out->data = NULL;
        out->size = 0;
}

static void event_arg_fill(EventArg *out, const struct tg_generic_arg *raw, const char *data,
                           const char *label) {
        *out = (EventArg){
                .type = event_arg_type(raw->type),
                .label = label,
                .i = (int64_t) raw->value,
                .u = raw->value,
                .data = data,
                .size = raw->size,
                .truncated = raw->flags & TG_GENERIC_ARG_TRUNCATED,
                .unreadable = raw->flags & TG_GENERIC_ARG_UNREADABLE,
        };
        switch (out->type) {
        case EVENT_ARG_FILE:
        case EVENT_ARG_PATH:
        case EVENT_ARG_BINPRM:
        case EVENT_ARG_STRING:
        case EVENT_ARG_NET_DEV:
                if (out->size > 0)
                        out->size--; /* the NUL */
                else
                        out->data = "";
                break;
        case EVENT_ARG_BYTES:
                out->orig_size = raw->value;
                /* returnCopy: the room entry kept, of which the function filled value bytes. */
                if ((raw->flags & TG_GENERIC_ARG_RETURN_COPY) && raw->value < out->size)
                        out->size = raw->value;
                break;
        case EVENT_ARG_SOCKADDR:
                if (out->size == sizeof(struct tg_generic_sockaddr)) {
                        const struct tg_generic_sockaddr *sa = (const void *) data;

                        out->sockaddr.family = sa->family;
                        out->sockaddr.port = sa->port;
                        memcpy(out->sockaddr.addr, sa->addr, sizeof(sa->addr));
                }
                out->data = NULL;
                out->size = 0;
                break;
        case EVENT_ARG_SOCK:
                event_arg_fill_sock(out, data);
                break;
        case EVENT_ARG_SKB:
                event_arg_fill_skb(out, data);
                break;
        case EVENT_ARG_CRED:
                event_arg_fill_cred(out, data);
                break;
        case EVENT_ARG_CAPABILITY:
        case EVENT_ARG_INT:
        case EVENT_ARG_UINT:
        case EVENT_ARG_LONG:
        case EVENT_ARG_SIZE:
        case EVENT_ARG_SYSCALL_ID:
        case _EVENT_ARG_TYPE_MAX:
                out->data = NULL;
                out->size = 0;
                break;
        }
}

/* A process the cache does not know (yet): what the record says of it. */
static Process *process_from_record(const struct tg_generic_record *raw) {
        Process *p = calloc(1, sizeof(Process));

        if (!p)
                return NULL;
        p->n_ref = 1;
        p->pid = raw->pid;
        p->tid = raw->tid;
        p->auid = UINT32_MAX;
        return p;
}

/* kernelStackTrace / userStackTrace: the frames named. Without memory for the names,
 * an event without its stacks rather than none. */
static void event_stacks_fill(PolicyEngine *e, const Record *record, Event *ret) {
        const RecordStack *k = &record->generic.stacks[0], *u = &record->generic.stacks[1];
        StackSymbols *s;

        if (!k->present && !u->present)
                return;
        s = policy_engine_get_stack_symbols(e);
        if (!s)
                return;
        if (k->present) {
                ret->kprobe.kernel_stack = stack_symbols_kernel(s, k->frames, k->n_frames);
                ret->kprobe.n_kernel_stack = k->n_frames;
                ret->kprobe.has_kernel_stack = true;
        }
        if (u->present) {
                ret->kprobe.user_stack = stack_symbols_user(s, (pid_t) record->generic.raw->pid,
                                                            u->frames, u->n_frames);
                ret->kprobe.n_user_stack = u->n_frames;
                ret->kprobe.has_user_stack = true;
        }
}

/* The matched selector's GetUrl and DnsLookup, queued for the canary's thread: a full
 * queue drops them (counted there), the event goes on. */
static void event_queue_canaries(PolicyEngine *e, const struct tg_generic_record *raw,
                                 const PolicyHookNames *h) {
        Canary *c = policy_engine_get_canary(e);

        if (!c || raw->selector == TG_GENERIC_NO_SELECTOR)
                return;
        for (size_t k = 0; k < h->n_canaries; k++)
                if (h->canaries[k].selector == raw->selector)
                        (void) canary_push(c, h->canaries[k].kind, h->canaries[k].target);
}

int policy_engine_make_event(PolicyEngine *e, const Record *record, Event *ret) {
        const struct tg_generic_record *raw = record->generic.raw;
        ProcessCache *cache = policy_engine_get_process_cache(e);
        Process *process = NULL, *parent = NULL;
        PolicyHookNames names, *h = &names;

        if (policy_engine_lookup_hook(e, raw->policy_id, raw->hook, raw->point, &names) == 0)
                return 0;
        event_queue_canaries(e, raw, h);

        if (cache)
                process = process_cache_get(cache, raw->pid);
        if (process) {
                process_ref(process);
                parent = process_ref(process_cache_get(cache, process->ppid));
        } else {
                process = process_from_record(raw);
                if (!process)
                        return -ENOMEM;
        }

        *ret = (Event){
                .type = h->mechanism == HOOK_MECHANISM_LSM      ? EVENT_PROCESS_LSM
                        : h->mechanism == HOOK_MECHANISM_UPROBE ? EVENT_PROCESS_UPROBE
                        : h->mechanism == HOOK_MECHANISM_USDT   ? EVENT_PROCESS_USDT
                        : h->mechanism == HOOK_MECHANISM_TRACEPOINT ||
                                        h->mechanism == HOOK_MECHANISM_RAW_TRACEPOINT
                                ? EVENT_PROCESS_TRACEPOINT
                                : EVENT_PROCESS_KPROBE,
                .ktime = raw->header.ktime,
                .process = process,
                .parent = parent,
        };
        ret->kprobe.function_name = h->function;
        ret->kprobe.path = h->path;
        ret->kprobe.has_offset = h->has_offset;
        ret->kprobe.offset = h->offset;
        ret->kprobe.ref_ctr_offset = h->ref_ctr_offset;
        ret->kprobe.policy_name = h->policy_name;
        ret->kprobe.message = h->message;
        ret->kprobe.tags = h->tags;
        ret->kprobe.n_tags = h->n_tags;
        ret->kprobe.action = raw->action == TG_ACTION_SIGKILL    ? EVENT_ACTION_SIGKILL
                             : raw->action == TG_ACTION_OVERRIDE ? EVENT_ACTION_OVERRIDE
                             : raw->action == TG_ACTION_SIGNAL   ? EVENT_ACTION_SIGNAL
                                                                 : EVENT_ACTION_POST;
        ret->kprobe.signal = raw->signal;
        ret->kprobe.override_error = raw->override_error;
        ret->kprobe.monitor = raw->flags & TG_GENERIC_RECORD_MONITOR;
        ret->kprobe.action_failed = raw->flags & TG_GENERIC_RECORD_ACTION_FAILED;
        for (size_t a = 0; a < record->generic.n_args && a < EVENT_ARGS_MAX; a++) {
                if (record->generic.args[a].raw->type == TG_ARG_NOP)
                        continue; /* read for nothing: Tetragon shows no argument for it */
                event_arg_fill(&ret->kprobe.args[ret->kprobe.n_args++], record->generic.args[a].raw,
                               record->generic.args[a].data, h->labels[a]);
        }
        if (record->generic.ret) {
                event_arg_fill(&ret->kprobe.ret, record->generic.ret, NULL, NULL);
                ret->kprobe.has_return = true;
        }
        event_stacks_fill(e, record, ret);
        /* An error from IMA (no policy: it hashes nothing) leaves the field out. */
        if (record->generic.ima)
                (void) event_format_ima_hash(record->generic.ima->algo, record->generic.ima->digest,
                                             ret->kprobe.ima_hash);
        return 1;
}
