/* SPDX-License-Identifier: Apache-2.0 */
#include "policy-compile.h"

CompiledPolicy *compiled_policy_free(CompiledPolicy *c) {
        if (!c)
                return NULL;
        arena_free(c->arena);
        free(c);
        return NULL;
}

uint8_t compiled_arg_type(PolicyArgType t) {
        switch (t) {
        case POLICY_ARG_AUTO:
                return TG_ARG_AUTO;
        case POLICY_ARG_INT:
                return TG_ARG_INT;
        case POLICY_ARG_INT8:
                return TG_ARG_INT8;
        case POLICY_ARG_UINT8:
                return TG_ARG_UINT8;
        case POLICY_ARG_INT16:
                return TG_ARG_INT16;
        case POLICY_ARG_UINT16:
                return TG_ARG_UINT16;
        case POLICY_ARG_INT32:
                return TG_ARG_INT32;
        case POLICY_ARG_UINT32:
                return TG_ARG_UINT32;
        case POLICY_ARG_INT64:
                return TG_ARG_INT64;
        case POLICY_ARG_UINT64:
                return TG_ARG_UINT64;
        case POLICY_ARG_LONG:
                return TG_ARG_LONG;
        case POLICY_ARG_ULONG:
                return TG_ARG_ULONG;
        case POLICY_ARG_SIZE_T:
                return TG_ARG_SIZE_T;
        case POLICY_ARG_SYSCALL64:
                return TG_ARG_SYSCALL64;
        case POLICY_ARG_CHAR_BUF:
                return TG_ARG_CHAR_BUF;
        case POLICY_ARG_CHAR_IOVEC:
                return TG_ARG_CHAR_IOVEC;
        case POLICY_ARG_CONST_BUF:
                return TG_ARG_CONST_BUF;
        case POLICY_ARG_STRING:
                return TG_ARG_STRING;
        case POLICY_ARG_DATA_LOC:
                return TG_ARG_DATA_LOC;
        case POLICY_ARG_FD:
                return TG_ARG_FD;
        case POLICY_ARG_FILE:
                return TG_ARG_FILE;
        case POLICY_ARG_FILENAME:
                return TG_ARG_FILENAME;
        case POLICY_ARG_PATH:
                return TG_ARG_PATH;
        case POLICY_ARG_DENTRY:
                return TG_ARG_DENTRY;
        case POLICY_ARG_LINUX_BINPRM:
                return TG_ARG_LINUX_BINPRM;
        case POLICY_ARG_SOCK:
                return TG_ARG_SOCK;
        case POLICY_ARG_SOCKET:
                return TG_ARG_SOCKET;
        case POLICY_ARG_SOCKADDR:
                return TG_ARG_SOCKADDR;
        case POLICY_ARG_SOCKADDR_UN:
                return TG_ARG_SOCKADDR_UN;
        case POLICY_ARG_SKB:
                return TG_ARG_SKB;
        case POLICY_ARG_NET_DEVICE:
                return TG_ARG_NET_DEVICE;
        case POLICY_ARG_NOP:
                return TG_ARG_NOP;
        case POLICY_ARG_BPF_ATTR:
                return TG_ARG_BPF_ATTR;
        case POLICY_ARG_BPF_CMD:
                return TG_ARG_BPF_CMD;
        case POLICY_ARG_BPF_MAP:
                return TG_ARG_BPF_MAP;
        case POLICY_ARG_BPF_PROG:
                return TG_ARG_BPF_PROG;
        case POLICY_ARG_PERF_EVENT:
                return TG_ARG_PERF_EVENT;
        case POLICY_ARG_USER_NAMESPACE:
                return TG_ARG_USER_NAMESPACE;
        case POLICY_ARG_CAPABILITY:
                return TG_ARG_CAPABILITY;
        case POLICY_ARG_KERNEL_CAP_T:
                return TG_ARG_KERNEL_CAP_T;
        case POLICY_ARG_CAP_INHERITABLE:
                return TG_ARG_CAP_INHERITABLE;
        case POLICY_ARG_CAP_PERMITTED:
                return TG_ARG_CAP_PERMITTED;
        case POLICY_ARG_CAP_EFFECTIVE:
                return TG_ARG_CAP_EFFECTIVE;
        case POLICY_ARG_CRED:
                return TG_ARG_CRED;
        case POLICY_ARG_KIOCB:
                return TG_ARG_KIOCB;
        case POLICY_ARG_IOV_ITER:
                return TG_ARG_IOV_ITER;
        case POLICY_ARG_LOAD_INFO:
                return TG_ARG_LOAD_INFO;
        case POLICY_ARG_MODULE:
                return TG_ARG_MODULE;
        case _POLICY_ARG_TYPE_MAX:
                break;
        }
        return TG_ARG_NONE;
}

uint8_t compiled_operator(PolicyOperator op) {
        switch (op) {
        case POLICY_OP_EQUAL:
                return TG_POLICY_OP_EQUAL;
        case POLICY_OP_NOT_EQUAL:
                return TG_POLICY_OP_NOT_EQUAL;
        case POLICY_OP_PREFIX:
                return TG_POLICY_OP_PREFIX;
        case POLICY_OP_NOT_PREFIX:
                return TG_POLICY_OP_NOT_PREFIX;
        case POLICY_OP_POSTFIX:
                return TG_POLICY_OP_POSTFIX;
        case POLICY_OP_NOT_POSTFIX:
                return TG_POLICY_OP_NOT_POSTFIX;
        case POLICY_OP_GREATER_THAN:
                return TG_POLICY_OP_GREATER_THAN;
        case POLICY_OP_LESS_THAN:
                return TG_POLICY_OP_LESS_THAN;
        case POLICY_OP_MASK:
                return TG_POLICY_OP_MASK;
        case POLICY_OP_IN_RANGE:
                return TG_POLICY_OP_IN_RANGE;
        case POLICY_OP_NOT_IN_RANGE:
                return TG_POLICY_OP_NOT_IN_RANGE;
        case POLICY_OP_IN_MAP:
                return TG_POLICY_OP_IN_MAP;
        case POLICY_OP_NOT_IN_MAP:
                return TG_POLICY_OP_NOT_IN_MAP;
        case POLICY_OP_SPORT:
                return TG_POLICY_OP_SPORT;
        case POLICY_OP_NOT_SPORT:
                return TG_POLICY_OP_NOT_SPORT;
        case POLICY_OP_SPORT_PRIV:
                return TG_POLICY_OP_SPORT_PRIV;
        case POLICY_OP_NOT_SPORT_PRIV:
                return TG_POLICY_OP_NOT_SPORT_PRIV;
        case POLICY_OP_DPORT:
                return TG_POLICY_OP_DPORT;
        case POLICY_OP_NOT_DPORT:
                return TG_POLICY_OP_NOT_DPORT;
        case POLICY_OP_DPORT_PRIV:
                return TG_POLICY_OP_DPORT_PRIV;
        case POLICY_OP_NOT_DPORT_PRIV:
                return TG_POLICY_OP_NOT_DPORT_PRIV;
        case POLICY_OP_SADDR:
                return TG_POLICY_OP_SADDR;
        case POLICY_OP_NOT_SADDR:
                return TG_POLICY_OP_NOT_SADDR;
        case POLICY_OP_DADDR:
                return TG_POLICY_OP_DADDR;
        case POLICY_OP_NOT_DADDR:
                return TG_POLICY_OP_NOT_DADDR;
        case POLICY_OP_PROTOCOL:
                return TG_POLICY_OP_PROTOCOL;
        case POLICY_OP_FAMILY:
                return TG_POLICY_OP_FAMILY;
        case POLICY_OP_STATE:
                return TG_POLICY_OP_STATE;
        case POLICY_OP_CAPABILITIES_GAINED:
                return TG_POLICY_OP_CAPABILITIES_GAINED;
        case POLICY_OP_SUBSTRING:
                return TG_POLICY_OP_SUBSTRING;
        case POLICY_OP_SUBSTRING_IGNORE_CASE:
                return TG_POLICY_OP_SUBSTRING_IGNORE_CASE;
        case POLICY_OP_FILE_TYPE:
                return TG_POLICY_OP_FILE_TYPE;
        case POLICY_OP_NOT_FILE_TYPE:
                return TG_POLICY_OP_NOT_FILE_TYPE;
        case POLICY_OP_CEL_EXPR:
                return TG_POLICY_OP_CEL_EXPR;
        case POLICY_OP_IN:
                return TG_POLICY_OP_IN;
        case POLICY_OP_NOT_IN:
                return TG_POLICY_OP_NOT_IN;
        case POLICY_OP_SAME_FILE:
                return TG_POLICY_OP_SAME_FILE;
        case POLICY_OP_NOT_SAME_FILE:
                return TG_POLICY_OP_NOT_SAME_FILE;
        case POLICY_OP_INVALID:
        case _POLICY_OP_MAX:
                break;
        }
        return 0;
}

uint8_t compiled_action_type(PolicyActionType t) {
        switch (t) {
        case POLICY_ACTION_POST:
                return TG_ACTION_POST;
        case POLICY_ACTION_FOLLOW_FD:
                return TG_ACTION_FOLLOW_FD;
        case POLICY_ACTION_UNFOLLOW_FD:
                return TG_ACTION_UNFOLLOW_FD;
        case POLICY_ACTION_COPY_FD:
                return TG_ACTION_COPY_FD;
        case POLICY_ACTION_SIGKILL:
                return TG_ACTION_SIGKILL;
        case POLICY_ACTION_SIGNAL:
                return TG_ACTION_SIGNAL;
        case POLICY_ACTION_OVERRIDE:
                return TG_ACTION_OVERRIDE;
        case POLICY_ACTION_GET_URL:
                return TG_ACTION_GET_URL;
        case POLICY_ACTION_DNS_LOOKUP:
                return TG_ACTION_DNS_LOOKUP;
        case POLICY_ACTION_NO_POST:
                return TG_ACTION_NO_POST;
        case POLICY_ACTION_TRACK_SOCK:
                return TG_ACTION_TRACK_SOCK;
        case POLICY_ACTION_UNTRACK_SOCK:
                return TG_ACTION_UNTRACK_SOCK;
        case POLICY_ACTION_NOTIFY_ENFORCER:
                return TG_ACTION_NOTIFY_ENFORCER;
        case POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
                return TG_ACTION_CLEANUP_ENFORCER_NOTIFICATION;
        case POLICY_ACTION_SET:
                return TG_ACTION_SET;
        case _POLICY_ACTION_TYPE_MAX:
                break;
        }
        return 0;
}

static uint8_t compiled_hook_kind(PolicyHookKind k) {
        switch (k) {
        case POLICY_HOOK_KPROBE:
                return TG_POLICY_HOOK_KPROBE;
        case POLICY_HOOK_FENTRY:
                return TG_POLICY_HOOK_FENTRY;
        case POLICY_HOOK_TRACEPOINT:
                return TG_POLICY_HOOK_TRACEPOINT;
        case POLICY_HOOK_UPROBE:
                return TG_POLICY_HOOK_UPROBE;
        case POLICY_HOOK_LSM:
                return TG_POLICY_HOOK_LSM;
        case POLICY_HOOK_USDT:
                return TG_POLICY_HOOK_USDT;
        case _POLICY_HOOK_KIND_MAX:
                break;
        }
        return 0;
}

typedef struct Totals {
        size_t selectors, filters, values, strings, actions, action_strings;
} Totals;

static size_t selector_filters(const PolicySelector *s) {
        return s->n_match_args + s->n_match_data + s->n_match_return_args + s->n_match_pids +
               s->n_match_binaries + s->n_match_parent_binaries + s->n_match_namespaces +
               s->n_match_namespace_changes + s->n_match_capabilities +
               s->n_match_capability_changes;
}

static void count_arg_filters(const PolicyArgFilter *f, size_t n, Totals *t) {
        for (size_t i = 0; i < n; i++) {
                t->values += f[i].n_values;
                for (size_t j = 0; j < f[i].n_values; j++)
                        if (f[i].values[j].kind == POLICY_VALUE_STRING)
                                t->strings++;
        }
}

static void count_selector(const PolicySelector *s, Totals *t) {
        t->filters += selector_filters(s);
        count_arg_filters(s->match_args, s->n_match_args, t);
        count_arg_filters(s->match_data, s->n_match_data, t);
        count_arg_filters(s->match_return_args, s->n_match_return_args, t);
        for (size_t i = 0; i < s->n_match_pids; i++)
                t->values += s->match_pids[i].n_values;
        for (size_t i = 0; i < s->n_match_binaries; i++) {
                t->values += s->match_binaries[i].n_values;
                t->strings += s->match_binaries[i].n_values;
        }
        for (size_t i = 0; i < s->n_match_parent_binaries; i++) {
                t->values += s->match_parent_binaries[i].n_values;
                t->strings += s->match_parent_binaries[i].n_values;
        }
        for (size_t i = 0; i < s->n_match_namespaces; i++)
                t->values += s->match_namespaces[i].n_values;
        t->actions += s->n_match_actions + s->n_match_return_actions;
        for (size_t i = 0; i < s->n_match_actions; i++)
                if (s->match_actions[i].arg_url || s->match_actions[i].arg_fqdn)
                        t->action_strings++;
        for (size_t i = 0; i < s->n_match_return_actions; i++)
                if (s->match_return_actions[i].arg_url || s->match_return_actions[i].arg_fqdn)
                        t->action_strings++;
}

typedef struct Compiler {
        CompiledPolicy *c;
        bool oom;
} Compiler;

static uint32_t add_string(Compiler *k, const char *text, size_t length) {
        struct tg_policy_string *s = &k->c->strings[k->c->n_strings];

        s->length = (uint32_t) length;
        memcpy(s->data, text, MIN(length, (size_t) TG_POLICY_STRING_MAX - 1));
        return (uint32_t) k->c->n_strings++;
}

static void add_value(Compiler *k, const PolicyValue *v) {
        struct tg_policy_value *out = &k->c->values[k->c->n_values++];

        switch (v->kind) {
        case POLICY_VALUE_STRING:
                out->kind = TG_VALUE_STRING;
                out->aux = (uint32_t) v->text_length;
                out->lo = add_string(k, v->text, v->text_length);
                break;
        case POLICY_VALUE_NUMBER:
                out->kind = TG_VALUE_NUMBER;
                out->lo = out->hi = v->number;
                break;
        case POLICY_VALUE_RANGE:
                out->kind = TG_VALUE_RANGE;
                out->lo = v->number;
                out->hi = v->number_end;
                break;
        case POLICY_VALUE_ADDRESS:
                out->kind = TG_VALUE_ADDRESS;
                out->family = v->family;
                out->prefix_len = v->prefix_length;
                memcpy(&out->lo, v->address, 8);
                memcpy(&out->hi, v->address + 8, 8);
                break;
        case POLICY_VALUE_LIST:
                out->kind = TG_VALUE_LIST;
                out->aux = v->list;
                break;
        }
}

static void add_number(Compiler *k, uint64_t n, uint8_t flags) {
        struct tg_policy_value *out = &k->c->values[k->c->n_values++];

        out->kind = TG_VALUE_NUMBER;
        out->flags = flags;
        out->lo = out->hi = n;
}

static struct tg_policy_filter *new_filter(Compiler *k, uint8_t kind, PolicyOperator op) {
        struct tg_policy_filter *f = &k->c->filters[k->c->n_filters++];

        f->kind = kind;
        f->op = compiled_operator(op);
        f->value_first = (uint32_t) k->c->n_values;
        return f;
}

static void add_arg_filters(Compiler *k, const PolicyArgFilter *in, size_t n, uint8_t kind) {
        for (size_t i = 0; i < n; i++) {
                struct tg_policy_filter *f = new_filter(k, kind, in[i].op);

                f->arg = (uint8_t) in[i].arg;
                f->arg2 = (uint8_t) in[i].arg2;
                f->arg_type = compiled_arg_type(in[i].type);
                f->n_values = (uint32_t) in[i].n_values;
                for (size_t j = 0; j < in[i].n_values; j++) {
                        add_value(k, &in[i].values[j]);
                        /* The file is looked up when the policy is installed, not here. */
                        if (in[i].op == POLICY_OP_SAME_FILE || in[i].op == POLICY_OP_NOT_SAME_FILE)
                                k->c->values[k->c->n_values - 1].flags |= TG_VALUE_RESOLVE_FILE;
                }
        }
}

static void add_binary_filters(Compiler *k, const PolicyBinaryFilter *in, size_t n, uint8_t kind) {
        for (size_t i = 0; i < n; i++) {
                struct tg_policy_filter *f = new_filter(k, kind, in[i].op);

                f->flags = in[i].follow_children ? TG_FILTER_FOLLOW_CHILDREN : 0;
                f->n_values = (uint32_t) in[i].n_values;
                for (size_t j = 0; j < in[i].n_values; j++)
                        add_value(k, &in[i].values[j]);
        }
}

static void add_capability_filters(Compiler *k, const PolicyCapabilityFilter *in, size_t n,
                                   uint8_t kind) {
        for (size_t i = 0; i < n; i++) {
                struct tg_policy_filter *f = new_filter(k, kind, in[i].op);

                f->subtype = (uint8_t) in[i].set;
                f->flags = in[i].is_namespace_capability ? TG_FILTER_NAMESPACE_CAPABILITY : 0;
                f->mask = in[i].capabilities;
        }
}

static void add_actions(Compiler *k, const PolicyAction *in, size_t n, bool is_return) {
        for (size_t i = 0; i < n; i++) {
                const PolicyAction *a = &in[i];
                struct tg_policy_action *out = &k->c->actions[k->c->n_actions++];

                out->type = compiled_action_type(a->type);
                out->flags =
                        (a->kernel_stack_trace ? TG_ACTION_KERNEL_STACK_TRACE : 0) |
                        (a->user_stack_trace ? TG_ACTION_USER_STACK_TRACE : 0) |
                        (a->ima_hash ? TG_ACTION_IMA_HASH : 0) |
                        (is_return ? TG_ACTION_RETURN : 0) |
                        ((a->present & POLICY_ACTION_HAS_ARG_ERROR) ? TG_ACTION_HAS_ARG_ERROR : 0) |
                        ((a->present & POLICY_ACTION_HAS_ARG_SIG) ? TG_ACTION_HAS_ARG_SIG : 0);
                out->rate_limit_scope = (uint8_t) a->rate_limit_scope;
                out->arg_error = a->arg_error;
                out->arg_sig = a->arg_sig;
                out->rate_limit_ms = a->rate_limit_ms;
                switch (a->type) {
                case POLICY_ACTION_TRACK_SOCK:
                case POLICY_ACTION_UNTRACK_SOCK:
                        out->arg0 = a->arg_sock;
                        break;
                case POLICY_ACTION_SET:
                        out->arg0 = a->arg_index;
                        out->arg1 = a->arg_value;
                        break;
                case POLICY_ACTION_GET_URL:
                case POLICY_ACTION_DNS_LOOKUP: {
                        const char *s = a->type == POLICY_ACTION_GET_URL ? a->arg_url : a->arg_fqdn;

                        out->aux = (uint32_t) k->c->n_action_strings;
                        k->c->action_strings[k->c->n_action_strings] =
                                arena_strdup(k->c->arena, strempty(s));
                        if (!k->c->action_strings[k->c->n_action_strings++])
                                k->oom = true;
                        break;
                }
                case POLICY_ACTION_POST:
                case POLICY_ACTION_FOLLOW_FD:
                case POLICY_ACTION_UNFOLLOW_FD:
                case POLICY_ACTION_COPY_FD:
                case POLICY_ACTION_SIGKILL:
                case POLICY_ACTION_SIGNAL:
                case POLICY_ACTION_OVERRIDE:
                case POLICY_ACTION_NO_POST:
                case POLICY_ACTION_NOTIFY_ENFORCER:
                case POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
                case _POLICY_ACTION_TYPE_MAX:
                        out->arg0 = a->arg_fd;
                        out->arg1 = a->arg_name;
                        break;
                }
        }
}

static void add_selector(Compiler *k, const PolicySelector *s) {
        struct tg_policy_selector *out = &k->c->selectors[k->c->n_selectors++];

        out->filter_first = (uint32_t) k->c->n_filters;
        out->n_filters = (uint16_t) selector_filters(s);

        add_arg_filters(k, s->match_args, s->n_match_args, TG_FILTER_ARG);
        add_arg_filters(k, s->match_data, s->n_match_data, TG_FILTER_DATA);
        add_arg_filters(k, s->match_return_args, s->n_match_return_args, TG_FILTER_RETURN_ARG);
        for (size_t i = 0; i < s->n_match_pids; i++) {
                const PolicyPIDFilter *in = &s->match_pids[i];
                struct tg_policy_filter *f = new_filter(k, TG_FILTER_PID, in->op);

                f->flags = (in->follow_forks ? TG_FILTER_FOLLOW_FORKS : 0) |
                           (in->is_namespace_pid ? TG_FILTER_NAMESPACE_PID : 0);
                f->n_values = (uint32_t) in->n_values;
                for (size_t j = 0; j < in->n_values; j++)
                        add_number(k, in->values[j], 0);
        }
        add_binary_filters(k, s->match_binaries, s->n_match_binaries, TG_FILTER_BINARY);
        add_binary_filters(k, s->match_parent_binaries, s->n_match_parent_binaries,
                           TG_FILTER_PARENT_BINARY);
        for (size_t i = 0; i < s->n_match_namespaces; i++) {
                const PolicyNamespaceFilter *in = &s->match_namespaces[i];
                struct tg_policy_filter *f = new_filter(k, TG_FILTER_NAMESPACE, in->op);

                f->subtype = (uint8_t) in->namespace;
                f->n_values = (uint32_t) in->n_values;
                for (size_t j = 0; j < in->n_values; j++)
                        add_number(k, in->values[j], in->host_ns[j] ? TG_VALUE_HOST_NS : 0);
        }
        for (size_t i = 0; i < s->n_match_namespace_changes; i++) {
                struct tg_policy_filter *f =
                        new_filter(k, TG_FILTER_NAMESPACE_CHANGE, s->match_namespace_changes[i].op);

                f->mask = s->match_namespace_changes[i].namespaces;
        }
        add_capability_filters(k, s->match_capabilities, s->n_match_capabilities,
                               TG_FILTER_CAPABILITY);
        add_capability_filters(k, s->match_capability_changes, s->n_match_capability_changes,
                               TG_FILTER_CAPABILITY_CHANGE);

        out->action_first = (uint32_t) k->c->n_actions;
        out->n_actions = (uint8_t) s->n_match_actions;
        out->n_return_actions = (uint8_t) s->n_match_return_actions;
        add_actions(k, s->match_actions, s->n_match_actions, false);
        add_actions(k, s->match_return_actions, s->n_match_return_actions, true);
}

static const char *copy(Compiler *k, const char *s) {
        char *x;

        if (!s)
                return NULL;
        x = arena_strdup(k->c->arena, s);
        if (!x)
                k->oom = true;
        return x;
}

static const char *const *copy_strv(Compiler *k, char *const *v, size_t n) {
        const char **x;

        if (n == 0)
                return NULL;
        x = arena_alloc_array(k->c->arena, n, sizeof(char *));
        if (!x) {
                k->oom = true;
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                x[i] = copy(k, v[i]);
        return x;
}

static void add_hook(Compiler *k, const PolicyHook *h) {
        struct tg_policy_hook *out = &k->c->hooks[k->c->n_hooks];
        CompiledHookInfo *info = &k->c->hook_info[k->c->n_hooks++];
        const char **labels, **resolve;
        size_t filter_first;

        out->kind = compiled_hook_kind(h->kind);
        out->flags = (h->syscall && (h->kind == POLICY_HOOK_KPROBE || h->kind == POLICY_HOOK_FENTRY)
                              ? TG_POLICY_HOOK_SYSCALL
                              : 0) |
                     (h->ret ? TG_POLICY_HOOK_RETURN : 0) | (h->raw ? TG_POLICY_HOOK_RAW : 0) |
                     (h->call_list >= 0 ? TG_POLICY_HOOK_CALL_LIST : 0) |
                     (h->ignore_call_not_found ? TG_POLICY_HOOK_IGNORE_MISSING : 0);
        out->n_args = (uint8_t) h->n_args;
        out->n_selectors = (uint8_t) h->n_selectors;
        out->selector_first = (uint32_t) k->c->n_selectors;
        out->syscall_nr = TG_POLICY_NO_SYSCALL;

        labels = arena_alloc_array(k->c->arena, MAX(h->n_args, (size_t) 1), sizeof(char *));
        resolve = arena_alloc_array(k->c->arena, MAX(h->n_args, (size_t) 1), sizeof(char *));
        if (!labels || !resolve) {
                k->oom = true;
                return;
        }
        for (size_t i = 0; i < h->n_args && i < TG_POLICY_MAX_ARGS; i++) {
                const PolicyArg *a = &h->args[i];

                out->arg_type[i] = compiled_arg_type(a->type);
                out->arg_index[i] = (uint8_t) a->index;
                out->arg_flags[i] = (a->return_copy ? TG_POLICY_ARG_RETURN_COPY : 0) |
                                    (a->max_data ? TG_POLICY_ARG_MAX_DATA : 0);
                out->arg_size_index[i] = (uint8_t) a->size_arg_index;
                labels[i] = copy(k, a->label);
                resolve[i] = copy(k, a->resolve);
                /* Tetragon reads a returnCopy buffer at return, return: true or not. */
                if (a->return_copy)
                        out->flags |= TG_POLICY_HOOK_AT_RETURN;
        }
        if (h->ret)
                out->flags |= TG_POLICY_HOOK_AT_RETURN;
        /* What the return programs see the return as: an int, Tetragon's default. */
        if (out->flags & TG_POLICY_HOOK_AT_RETURN)
                out->return_type =
                        h->has_return_arg ? compiled_arg_type(h->return_arg.type) : TG_ARG_INT;

        *info = (CompiledHookInfo){
                .kind = h->kind,
                .pos = h->pos,
                .name = copy(k, h->name),
                .call = copy(k, h->call),
                .call_list = h->call_list,
                .subsystem = copy(k, h->subsystem),
                .event = copy(k, h->event),
                .hook = copy(k, h->hook),
                .path = copy(k, h->path),
                .symbols = copy_strv(k, h->symbols, h->n_symbols),
                .n_symbols = h->n_symbols,
                .offsets = h->offsets,
                .n_offsets = h->n_offsets,
                .addrs = h->addrs,
                .n_addrs = h->n_addrs,
                .provider = copy(k, h->provider),
                .usdt_name = copy(k, h->usdt_name),
                .message = copy(k, h->message),
                .tags = copy_strv(k, h->tags, h->n_tags),
                .n_tags = h->n_tags,
                .arg_labels = labels,
                .arg_resolve = resolve,
                .n_data = h->n_data,
                .return_arg = h->has_return_arg,
                .return_arg_type = h->has_return_arg ? compiled_arg_type(h->return_arg.type) : 0,
                .return_arg_action =
                        h->has_return_arg_action ? compiled_action_type(h->return_arg_action) : 0,
        };
        /* Numbers are copied: the document's arena may go first. */
        if (h->n_offsets > 0) {
                uint64_t *o = arena_alloc_array(k->c->arena, h->n_offsets, sizeof(uint64_t));

                if (!o)
                        k->oom = true;
                else
                        memcpy(o, h->offsets, h->n_offsets * sizeof(uint64_t));
                info->offsets = o;
        }
        if (h->n_ref_ctr_offsets > 0) {
                uint64_t *o =
                        arena_alloc_array(k->c->arena, h->n_ref_ctr_offsets, sizeof(uint64_t));

                if (!o)
                        k->oom = true;
                else
                        memcpy(o, h->ref_ctr_offsets, h->n_ref_ctr_offsets * sizeof(uint64_t));
                info->ref_ctr_offsets = o;
                info->n_ref_ctr_offsets = h->n_ref_ctr_offsets;
        }
        if (h->n_addrs > 0) {
                uint64_t *o = arena_alloc_array(k->c->arena, h->n_addrs, sizeof(uint64_t));

                if (!o)
                        k->oom = true;
                else
                        memcpy(o, h->addrs, h->n_addrs * sizeof(uint64_t));
                info->addrs = o;
        }

        filter_first = k->c->n_filters;
        for (size_t i = 0; i < h->n_selectors; i++)
                add_selector(k, &h->selectors[i]);
        /* matchReturnArgs compare the return value, as returnArg types it. */
        for (size_t f = filter_first; f < k->c->n_filters; f++)
                if (k->c->filters[f].kind == TG_FILTER_RETURN_ARG)
                        k->c->filters[f].arg_type = out->return_type;
}

/* The attach points of a hook: a uprobe's symbols, offsets and addresses, else one. */
static size_t hook_targets(const PolicyHook *h) {
        if (h->kind != POLICY_HOOK_UPROBE)
                return 1;
        return MAX(h->n_symbols + h->n_offsets + h->n_addrs, (size_t) 1);
}

/* A uprobe on N targets becomes N hooks, the first compiled and the others its copies:
 * same arguments, same selectors (their counters count every target's calls). */
static void add_hook_targets(Compiler *k, const PolicyHook *h) {
        size_t first = k->c->n_hooks, n = hook_targets(h);

        add_hook(k, h);
        if (k->oom)
                return;
        for (size_t t = 1; t < n; t++) {
                k->c->hooks[k->c->n_hooks] = k->c->hooks[first];
                k->c->hook_info[k->c->n_hooks] = k->c->hook_info[first];
                k->c->hook_info[k->c->n_hooks].target = t;
                k->c->n_hooks++;
        }
}

static int too_big(DiagnosticList *diags, const Policy *pol, const char *what, size_t n,
                   size_t max) {
        int r;

        r = diagnostic_list_add(diags, DIAGNOSTIC_ERROR, pol->file, pol->pos.line, pol->pos.column,
                                NULL, "policy \"%s\" needs %zu %s, more than the limit of %zu",
                                strempty(pol->name), n, what, max);
        return r < 0 ? r : -E2BIG;
}

int policy_compile(const Policy *pol, DiagnosticList *diags, CompiledPolicy **ret) {
        _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;
        Compiler k = {};
        Totals t = {};
        size_t n_hooks = 0;
        int r;

        for (size_t i = 0; i < pol->n_hooks; i++) {
                t.selectors += pol->hooks[i].n_selectors;
                for (size_t j = 0; j < pol->hooks[i].n_selectors; j++) {
                        const PolicySelector *s = &pol->hooks[i].selectors[j];

                        if (selector_filters(s) > TG_POLICY_MAX_FILTERS_PER_SELECTOR)
                                return too_big(diags, pol, "filters in one selector",
                                               selector_filters(s),
                                               TG_POLICY_MAX_FILTERS_PER_SELECTOR);
                        if (s->n_match_actions + s->n_match_return_actions >
                            TG_POLICY_MAX_ACTIONS_PER_SELECTOR)
                                return too_big(diags, pol, "actions in one selector",
                                               s->n_match_actions + s->n_match_return_actions,
                                               TG_POLICY_MAX_ACTIONS_PER_SELECTOR);
                        count_selector(s, &t);
                }
        }
        for (size_t i = 0; i < pol->n_hooks; i++)
                n_hooks += hook_targets(&pol->hooks[i]);
        if (n_hooks > TG_POLICY_MAX_HOOKS)
                return too_big(diags, pol,
                               "hooks (a uprobe's symbols, offsets and addresses "
                               "count one each)",
                               n_hooks, TG_POLICY_MAX_HOOKS);
        if (t.selectors > TG_POLICY_MAX_SELECTORS)
                return too_big(diags, pol, "selectors", t.selectors, TG_POLICY_MAX_SELECTORS);
        if (t.filters > TG_POLICY_MAX_FILTERS)
                return too_big(diags, pol, "filters", t.filters, TG_POLICY_MAX_FILTERS);
        if (t.values > TG_POLICY_MAX_VALUES)
                return too_big(diags, pol, "values", t.values, TG_POLICY_MAX_VALUES);
        if (t.strings > TG_POLICY_MAX_STRINGS)
                return too_big(diags, pol, "strings", t.strings, TG_POLICY_MAX_STRINGS);
        if (t.actions > TG_POLICY_MAX_ACTIONS)
                return too_big(diags, pol, "actions", t.actions, TG_POLICY_MAX_ACTIONS);

        c = calloc(1, sizeof(CompiledPolicy));
        if (!c)
                return -ENOMEM;
        r = arena_new(&c->arena);
        if (r < 0)
                return r;
        k.c = c;

        /* One extra slot each, so nothing is a zero-size allocation. */
        c->hooks = arena_alloc_array(c->arena, n_hooks + 1, sizeof(*c->hooks));
        c->hook_info = arena_alloc_array(c->arena, n_hooks + 1, sizeof(*c->hook_info));
        c->selectors = arena_alloc_array(c->arena, t.selectors + 1, sizeof(*c->selectors));
        c->filters = arena_alloc_array(c->arena, t.filters + 1, sizeof(*c->filters));
        c->values = arena_alloc_array(c->arena, t.values + 1, sizeof(*c->values));
        c->strings = arena_alloc_array(c->arena, t.strings + 1, sizeof(*c->strings));
        c->actions = arena_alloc_array(c->arena, t.actions + 1, sizeof(*c->actions));
        c->action_strings = arena_alloc_array(c->arena, t.action_strings + 1, sizeof(char *));
        c->lists = arena_alloc_array(c->arena, pol->n_lists + 1, sizeof(*c->lists));
        if (!c->hooks || !c->hook_info || !c->selectors || !c->filters || !c->values ||
            !c->strings || !c->actions || !c->action_strings || !c->lists)
                return -ENOMEM;

        c->name = copy(&k, pol->name);
        c->mode = pol->mode;
        c->override_method = pol->override_method;
        c->disable_kprobe_multi = pol->disable_kprobe_multi;
        c->disable_uprobe_multi = pol->disable_uprobe_multi;
        c->loader = pol->loader;
        if (pol->has_units) {
                c->has_units = true;
                c->units_not_in = pol->units_not_in;
                c->units = copy_strv(&k, pol->units, pol->n_units);
                c->n_units = pol->n_units;
        }
        if (pol->n_kubernetes_parts > 0) {
                char *reason;

                c->kubernetes_only = true;
                if (asprintf(&reason, "%s at %u:%u", pol->kubernetes_parts[0].what,
                             pol->kubernetes_parts[0].pos.line,
                             pol->kubernetes_parts[0].pos.column) < 0)
                        return -ENOMEM;
                c->kubernetes_reason = copy(&k, reason);
                free(reason);
        }

        for (size_t i = 0; i < pol->n_lists; i++)
                c->lists[c->n_lists++] = (CompiledList){
                        .name = copy(&k, pol->lists[i].name),
                        .type = pol->lists[i].type,
                        .values = copy_strv(&k, pol->lists[i].values, pol->lists[i].n_values),
                        .n_values = pol->lists[i].n_values,
                        .pattern = copy(&k, pol->lists[i].pattern),
                };
        if (pol->n_enforcers > 0) {
                c->enforcer_calls =
                        copy_strv(&k, pol->enforcers[0].calls, pol->enforcers[0].n_calls);
                c->n_enforcer_calls = pol->enforcers[0].n_calls;
        }

        for (size_t i = 0; i < pol->n_hooks; i++)
                add_hook_targets(&k, &pol->hooks[i]);
        if (k.oom)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}
