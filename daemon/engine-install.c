/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Installations: what one installed policy occupies (its table ranges, its hooks with their
 * names, labels and prefilters, taken from the compiled policy and its plan), found again by
 * id for its records, and dropped a while after it is uninstalled. No kernel here.
 */
#include "policy-engine-internal.h"

static void installed_hook_done(InstalledHook *h) {
        free(h->name);
        free(h->function);
        free(h->path);
        free(h->status);
        free(h->message);
        for (size_t i = 0; i < h->n_tags; i++)
                free(h->tags[i]);
        free(h->tags);
        for (size_t i = 0; i < TG_POLICY_MAX_ARGS; i++)
                free(h->labels[i]);
        for (size_t i = 0; i < h->n_canaries; i++)
                free(h->canaries[i].target);
        free(h->canaries);
}

PolicyInstallation *installation_free(PolicyInstallation *i) {
        if (!i)
                return NULL;
        for (size_t k = 0; k < i->n_hooks; k++)
                installed_hook_done(&i->hooks[k]);
        free(i->hooks);
        free(i->syscall_set_slots);
        for (size_t k = 0; k < i->n_file_ids; k++)
                free(i->file_ids[k].path);
        free(i->file_ids);
        free(i->policy_name);
        for (size_t u = 0; u < i->n_units; u++)
                free(i->units[u]);
        free(i->units);
        return mfree(i);
}

static char *strdup_or_null(const char *s, bool *oom) {
        char *copy;

        if (!s)
                return NULL;
        copy = strdup(s);
        if (!copy)
                *oom = true;
        return copy;
}

/* The length of a path's last component (what follows its last '/'). */
uint32_t last_component_length(const uint8_t *s, uint32_t length) {
        const uint8_t *slash = memrchr(s, '/', length);

        return slash ? length - (uint32_t) (slash - s) - 1 : length;
}

/* Does every selector of hook k require an fd's path Equal to some values? Then which
 * register, and the lengths of their last components. */
static void hook_prefilter(const CompiledPolicy *c, size_t k, InstalledHook *out) {
        const struct tg_policy_hook *h = &c->hooks[k];
        int reg = -1;

        out->prefilter_reg = -1;
        memset(out->leaf_lengths, 0, sizeof(out->leaf_lengths));
        if (h->n_selectors == 0)
                return;
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];
                bool found = false;

                for (uint32_t f = 0; f < sel->n_filters && !found; f++) {
                        const struct tg_policy_filter *flt = &c->filters[sel->filter_first + f];
                        int r;

                        if (flt->kind != TG_FILTER_ARG || flt->op != TG_POLICY_OP_EQUAL ||
                            flt->arg >= TG_POLICY_MAX_ARGS || h->arg_type[flt->arg] != TG_ARG_FD)
                                continue;
                        r = h->arg_index[flt->arg];
                        if (reg >= 0 && r != reg)
                                continue;
                        reg = r;
                        found = true;
                        for (uint32_t v = 0; v < flt->n_values; v++) {
                                const struct tg_policy_value *val =
                                        &c->values[flt->value_first + v];
                                const struct tg_policy_string *str;
                                uint32_t len;

                                if (val->kind != TG_VALUE_STRING || val->lo >= c->n_strings)
                                        return;
                                str = &c->strings[val->lo];
                                len = last_component_length(
                                        str->data,
                                        MIN(str->length, (uint32_t) TG_POLICY_STRING_MAX - 1));
                                out->leaf_lengths[len / 64] |= 1ULL << (len % 64);
                        }
                }
                if (!found) {
                        memset(out->leaf_lengths, 0, sizeof(out->leaf_lengths));
                        return;
                }
        }
        out->prefilter_reg = reg;
}

/* The GetUrl and DnsLookup actions of hook k's selectors. */
static int hook_canaries(const CompiledPolicy *c, size_t k, InstalledHook *out) {
        const struct tg_policy_hook *h = &c->hooks[k];

        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];

                /* matchReturnActions too: the record is posted once they ran. */
                for (uint32_t n = 0; n < (uint32_t) sel->n_actions + sel->n_return_actions; n++) {
                        const struct tg_policy_action *a = &c->actions[sel->action_first + n];
                        PolicyCanary *grown;

                        if (a->type != TG_ACTION_GET_URL && a->type != TG_ACTION_DNS_LOOKUP)
                                continue;
                        if (a->aux >= c->n_action_strings)
                                return -EINVAL;
                        grown = reallocarray(out->canaries, out->n_canaries + 1,
                                             sizeof(*out->canaries));
                        if (!grown)
                                return -ENOMEM;
                        out->canaries = grown;
                        grown[out->n_canaries] = (PolicyCanary){
                                .selector = s,
                                .kind = a->type == TG_ACTION_GET_URL ? CANARY_GET_URL
                                                                     : CANARY_DNS_LOOKUP,
                                .target = strdup(c->action_strings[a->aux]),
                        };
                        if (!grown[out->n_canaries++].target)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* What events need once the compiled policy is gone. */
int installation_new(const CompiledPolicy *c, PolicyPlan *plan, PolicyInstallation **ret) {
        _cleanup_(installation_freep) PolicyInstallation *i = NULL;
        bool oom = false;
        int r;

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->hooks = calloc(MAX(plan->n_hooks, (size_t) 1), sizeof(InstalledHook));
        if (!i->hooks)
                return -ENOMEM;
        i->policy_name = strdup_or_null(strempty(c->name), &oom);
        i->has_enforcer = plan->has_enforcer;
        for (size_t n = 0; n < plan->n_hooks; n++) {
                HookPlan *p = &plan->hooks[n];
                size_t k = p->hook;
                const CompiledHookInfo *info = &c->hook_info[k];
                InstalledHook *h = &i->hooks[n];

                i->n_hooks++;
                h->compiled = (uint32_t) k;
                h->mechanism = p->mechanism;
                h->ret = c->hooks[k].flags & TG_POLICY_HOOK_AT_RETURN;
                h->point = p->mechanism == HOOK_MECHANISM_SYS_ENTER ? p->syscall_nr : -1;
                h->name = TAKE_PTR(p->name);
                h->function = TAKE_PTR(p->function);
                h->path = TAKE_PTR(p->path);
                h->status = TAKE_PTR(p->status);
                h->has_offset = p->has_offset;
                h->offset_is_address = p->offset_is_address;
                h->offset = p->offset;
                h->ref_ctr_offset = p->ref_ctr_offset;
                h->selector_first = c->hooks[k].selector_first;
                h->n_selectors = c->hooks[k].n_selectors;
                hook_prefilter(c, k, h);
                r = hook_canaries(c, k, h);
                if (r < 0)
                        return r;
                if (h->mechanism == HOOK_MECHANISM_TRACEPOINT)
                        h->prefilter_reg = -1; /* its registers are not its indexes */
                h->message = strdup_or_null(info->message, &oom);
                if (info->n_tags > 0) {
                        h->tags = calloc(info->n_tags, sizeof(char *));
                        if (!h->tags)
                                return -ENOMEM;
                        for (size_t t = 0; t < info->n_tags; t++)
                                h->tags[h->n_tags++] = strdup_or_null(info->tags[t], &oom);
                }
                for (size_t a = 0; a < c->hooks[k].n_args && a < TG_POLICY_MAX_ARGS; a++)
                        if (info->arg_labels)
                                h->labels[a] = strdup_or_null(info->arg_labels[a], &oom);
        }
        if (oom)
                return -ENOMEM;
        *ret = TAKE_PTR(i);
        return 0;
}

/* The first installed hook of compiled hook k (the only one, unless it calls a list). */
InstalledHook *installation_hook(PolicyInstallation *i, uint32_t k) {
        if (k < i->n_hooks && i->hooks[k].compiled == k)
                return &i->hooks[k];
        for (size_t n = 0; n < i->n_hooks; n++)
                if (i->hooks[n].compiled == k)
                        return &i->hooks[n];
        return NULL;
}

/* The installed hook of compiled hook k on point: a call list's entry by its point. */
InstalledHook *installation_hook_on(PolicyInstallation *i, uint32_t k, uint32_t point) {
        InstalledHook *h = installation_hook(i, k);

        if (!h)
                return NULL;
        for (InstalledHook *end = i->hooks + i->n_hooks; h < end && h->compiled == k; h++)
                if (h->point >= 0 && (uint32_t) h->point == point)
                        return h;
        return installation_hook(i, k);
}

PolicyInstallation *engine_find(PolicyEngine *e, uint32_t id) {
        for (size_t k = 0; k < e->n_installations; k++)
                if (e->installations[k]->id == id)
                        return e->installations[k];
        return NULL;
}

/* Forget retired installations whose late records had time to arrive. */
void engine_gc(PolicyEngine *e, uint64_t now) {
        size_t n = 0;

        for (size_t k = 0; k < e->n_installations; k++) {
                PolicyInstallation *i = e->installations[k];

                if (!i->installed && now - i->retired_ns >= ENGINE_RETIRED_KEEP_NS)
                        installation_free(i);
                else
                        e->installations[n++] = i;
        }
        e->n_installations = n;
}

int policy_engine_lookup_hook(PolicyEngine *e, uint32_t policy_id, uint32_t hook, uint32_t point,
                              PolicyHookNames *ret) {
        PolicyInstallation *i = engine_find(e, policy_id);
        InstalledHook *h = i ? installation_hook_on(i, hook, point) : NULL;

        if (!h)
                return 0;
        *ret = (PolicyHookNames){
                .policy_name = i->policy_name,
                .mechanism = h->mechanism,
                .function = h->function,
                .path = h->path,
                .message = h->message,
                .tags = (const char *const *) h->tags,
                .n_tags = h->n_tags,
                .labels = (const char *const *) h->labels,
                .has_offset = h->has_offset,
                .offset = h->offset,
                .ref_ctr_offset = h->ref_ctr_offset,
                .canaries = h->canaries,
                .n_canaries = h->n_canaries,
        };
        return 1;
}

ProcessCache *policy_engine_get_process_cache(PolicyEngine *e) {
        return e->process_cache;
}
