/* SPDX-License-Identifier: Apache-2.0 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel-facts.h"
#include "tracepoint-format.h"

/* Names kept in one block of memory: offsets into it, and an order over them. */
typedef struct NameSet {
        char *text;
        size_t size, allocated;
        uint32_t *offsets; /* in insertion order */
        size_t n, n_allocated;
        uint32_t *sorted; /* indexes into offsets, by name; built by name_set_seal() */
} NameSet;

typedef struct RawTracepoint {
        char *event;
        uint32_t nargs;
} RawTracepoint;

struct KernelFacts {
        KernelFeature *features;
        size_t n_features;
        bool btf;
        NameSet btf_functions;
        RawTracepoint *raw_tracepoints; /* sorted by event */
        size_t n_raw_tracepoints;
        /* available_filter_functions, read at the first question; traceable_ok false when
         * tracefs could not be read (then nothing can be said). */
        NameSet traceable;
        bool traceable_read, traceable_ok;
        char **kprobe_refused;
        size_t n_kprobe_refused;
};

static const char *const filter_function_paths[] = {
        "/sys/kernel/tracing/available_filter_functions",
        "/sys/kernel/debug/tracing/available_filter_functions",
};

static void name_set_clear(NameSet *s) {
        free(s->text);
        free(s->offsets);
        free(s->sorted);
        *s = (NameSet){};
}

static int name_set_add(NameSet *s, const char *name, size_t len) {
        if (s->size + len + 1 > s->allocated) {
                size_t grown_n = MAX(s->allocated * 2, s->size + len + 1 + 65536);
                char *grown = realloc(s->text, grown_n);

                if (!grown)
                        return -ENOMEM;
                s->text = grown;
                s->allocated = grown_n;
        }
        if (s->n == s->n_allocated) {
                size_t grown_n = MAX(s->n_allocated * 2, (size_t) 4096);
                uint32_t *grown = reallocarray(s->offsets, grown_n, sizeof(uint32_t));

                if (!grown)
                        return -ENOMEM;
                s->offsets = grown;
                s->n_allocated = grown_n;
        }
        memcpy(s->text + s->size, name, len);
        s->text[s->size + len] = '\0';
        s->offsets[s->n++] = (uint32_t) s->size;
        s->size += len + 1;
        return 0;
}

static const char *name_set_get(const NameSet *s, size_t i) {
        return s->text + s->offsets[i];
}

static int compare_indexes(const void *a, const void *b, void *userdata) {
        const NameSet *s = userdata;

        return strcmp(name_set_get(s, *(const uint32_t *) a),
                      name_set_get(s, *(const uint32_t *) b));
}

static int name_set_seal(NameSet *s) {
        s->sorted = calloc(MAX(s->n, (size_t) 1), sizeof(uint32_t));
        if (!s->sorted)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++)
                s->sorted[i] = (uint32_t) i;
        qsort_r(s->sorted, s->n, sizeof(uint32_t), compare_indexes, s);
        return 0;
}

static bool name_set_contains(const NameSet *s, const char *name) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(name, name_set_get(s, s->sorted[mid]));

                if (c == 0)
                        return true;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return false;
}

static int compare_raw_tracepoints(const void *a, const void *b) {
        return strcmp(((const RawTracepoint *) a)->event, ((const RawTracepoint *) b)->event);
}

/* A raw tracepoint's arguments: its btf_trace_ typedef is a pointer to a prototype whose
 * first parameter is the tracepoint's private data. */
static uint32_t raw_tracepoint_nargs(const struct btf *vmlinux, const struct btf_type *typedef_) {
        const struct btf_type *t = btf__type_by_id(vmlinux, typedef_->type); /* the pointer */

        t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
        if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
                return 0;
        return btf_vlen(t) - 1;
}

static int facts_read_btf(KernelFacts *f, const struct btf *vmlinux) {
        size_t allocated = 0;
        int r;

        for (uint32_t id = 1; id < btf__type_cnt(vmlinux); id++) {
                const struct btf_type *t = btf__type_by_id(vmlinux, id);
                const char *name = btf__name_by_offset(vmlinux, t->name_off), *event;

                if (!name || !*name)
                        continue;
                if (btf_is_func(t)) {
                        r = name_set_add(&f->btf_functions, name, strlen(name));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!btf_is_typedef(t) || !(event = startswith(name, "btf_trace_")))
                        continue;
                if (f->n_raw_tracepoints == allocated) {
                        size_t grown_n = MAX(allocated * 2, (size_t) 256);
                        RawTracepoint *grown =
                                reallocarray(f->raw_tracepoints, grown_n, sizeof(RawTracepoint));

                        if (!grown)
                                return -ENOMEM;
                        f->raw_tracepoints = grown;
                        allocated = grown_n;
                }
                f->raw_tracepoints[f->n_raw_tracepoints] = (RawTracepoint){
                        .event = strdup(event),
                        .nargs = raw_tracepoint_nargs(vmlinux, t),
                };
                if (!f->raw_tracepoints[f->n_raw_tracepoints].event)
                        return -ENOMEM;
                f->n_raw_tracepoints++;
        }
        qsort(f->raw_tracepoints, f->n_raw_tracepoints, sizeof(RawTracepoint),
              compare_raw_tracepoints);
        return name_set_seal(&f->btf_functions);
}

int kernel_facts_new(KernelFacts **ret) {
        _cleanup_(kernel_facts_freep) KernelFacts *f = NULL;
        struct btf *vmlinux;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        r = kernel_features_probe(&f->features, &f->n_features);
        if (r < 0)
                return r;
        vmlinux = btf__load_vmlinux_btf();
        if (vmlinux) {
                f->btf = true;
                r = facts_read_btf(f, vmlinux);
                btf__free(vmlinux);
                if (r < 0)
                        return r;
        } else {
                r = name_set_seal(&f->btf_functions);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(f);
        return 0;
}

KernelFacts *kernel_facts_free(KernelFacts *f) {
        if (!f)
                return NULL;
        free(f->features);
        name_set_clear(&f->btf_functions);
        for (size_t i = 0; i < f->n_raw_tracepoints; i++)
                free(f->raw_tracepoints[i].event);
        free(f->raw_tracepoints);
        name_set_clear(&f->traceable);
        for (size_t i = 0; i < f->n_kprobe_refused; i++)
                free(f->kprobe_refused[i]);
        free(f->kprobe_refused);
        return mfree(f);
}

const KernelFeature *kernel_facts_features(const KernelFacts *f, size_t *ret_n) {
        *ret_n = f->n_features;
        return f->features;
}

bool kernel_facts_has_btf(const KernelFacts *f) {
        return f->btf;
}

bool kernel_facts_btf_has_function(const KernelFacts *f, const char *name) {
        return name_set_contains(&f->btf_functions, name);
}

int kernel_facts_raw_tracepoint_nargs(const KernelFacts *f, const char *event) {
        const char *slash = strchr(event, '/');
        RawTracepoint key = { .event = (char *) (slash ? slash + 1 : event) }, *found;

        found = bsearch(&key, f->raw_tracepoints, f->n_raw_tracepoints, sizeof(RawTracepoint),
                        compare_raw_tracepoints);
        return found ? (int) found->nargs : -ENOENT;
}

bool kernel_facts_has_rdonly_cast(const KernelFacts *f) {
        return kernel_facts_btf_has_function(f, "bpf_rdonly_cast");
}

/* ftrace's list ("name" or "name [module]" per line), in its order. Read once: when
 * tracefs cannot be read, nothing is known and the load has to tell. */
static void facts_read_traceable(KernelFacts *f) {
        _cleanup_fclose_ FILE *file = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        f->traceable_read = true;
        for (size_t i = 0; i < ELEMENTSOF(filter_function_paths) && !file; i++)
                file = fopen(filter_function_paths[i], "re");
        if (!file)
                return;
        while (getline(&line, &size, file) > 0) {
                size_t len = strcspn(line, " \t\n");

                if (len > 0 && name_set_add(&f->traceable, line, len) < 0) {
                        name_set_clear(&f->traceable);
                        return;
                }
        }
        if (name_set_seal(&f->traceable) < 0) {
                name_set_clear(&f->traceable);
                return;
        }
        f->traceable_ok = true;
}

/* A trampoline (fentry, fmod_ret) patches the function's ftrace call site. BTF can name a
 * function that has none: Debian 6.1's dev_queue_xmit is a static copy of an inline function
 * built without one, and attaching there fails with EBUSY. A kprobe works there. */
bool kernel_facts_function_traceable(KernelFacts *f, const char *name) {
        if (!f->traceable_read)
                facts_read_traceable(f);
        if (!f->traceable_ok || f->traceable.n == 0)
                return true; /* the load will say */
        return name_set_contains(&f->traceable, name);
}

static bool strv_contains(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int kernel_facts_functions_matching(KernelFacts *f, const char *pattern, size_t max, char ***ret) {
        size_t n = 0, allocated = 0;
        char **names = NULL;
        regex_t re;
        int r = 0;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return -EINVAL;
        if (!f->traceable_read)
                facts_read_traceable(f);
        if (!f->traceable_ok) {
                regfree(&re);
                return -ENOENT;
        }
        for (size_t i = 0; i < f->traceable.n && n < max; i++) {
                const char *name = name_set_get(&f->traceable, i);

                if (regexec(&re, name, 0, NULL, 0) != 0 || strv_contains(names, n, name))
                        continue;
                if (n + 2 > allocated) {
                        size_t grown_n = MAX(allocated * 2, (size_t) 16);
                        char **grown = reallocarray(names, grown_n, sizeof(char *));

                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        names = grown;
                        allocated = grown_n;
                }
                names[n] = strdup(name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                names[++n] = NULL;
        }
        regfree(&re);
        if (r >= 0 && !names && !(names = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                strv_free_n(names, n);
                return r;
        }
        *ret = names;
        return 0;
}

int kernel_facts_learn_kprobe_refusal(KernelFacts *f, const char *function) {
        char **grown;

        if (kernel_facts_kprobe_refused(f, function))
                return 0;
        grown = reallocarray(f->kprobe_refused, f->n_kprobe_refused + 1, sizeof(char *));
        if (!grown)
                return -ENOMEM;
        f->kprobe_refused = grown;
        f->kprobe_refused[f->n_kprobe_refused] = strdup(function);
        if (!f->kprobe_refused[f->n_kprobe_refused])
                return -ENOMEM;
        f->n_kprobe_refused++;
        return 0;
}

bool kernel_facts_kprobe_refused(const KernelFacts *f, const char *function) {
        return strv_contains(f->kprobe_refused, f->n_kprobe_refused, function);
}

int kernel_facts_kprobe_refusal_message(const char *function, char **ret) {
        /* No errno: 6.1 says EINVAL, 6.12 ENOENT, and a learnt refusal remembers neither. */
        return asprintf(ret,
                        "the kernel refuses a kprobe on %s: it does not let kprobes "
                        "instrument that code",
                        function) < 0
                       ? -ENOMEM
                       : 0;
}

/* The name in the kernel's BTF a program of mechanism m attaches to for function: an LSM
 * program to the hook's bpf_lsm_ stub, a raw tracepoint to btf_trace_EVENT. */
static bool facts_function_in_btf(HookMechanism m, const char *function, void *userdata) {
        KernelFacts *f = userdata;
        char name[160];

        if (!f->btf)
                return true; /* the load will say */
        if (m == HOOK_MECHANISM_RAW_TRACEPOINT)
                return kernel_facts_raw_tracepoint_nargs(f, function) >= 0;
        snprintf(name, sizeof(name), "%s%s", m == HOOK_MECHANISM_LSM ? "bpf_lsm_" : "", function);
        if (!kernel_facts_btf_has_function(f, name))
                return false;
        return (m != HOOK_MECHANISM_FENTRY && m != HOOK_MECHANISM_FMOD_RET) ||
               kernel_facts_function_traceable(f, name);
}

static int facts_functions_matching(const char *pattern, size_t max, char ***ret, void *userdata) {
        return kernel_facts_functions_matching(userdata, pattern, max, ret);
}

void kernel_facts_capabilities(KernelFacts *f, unsigned disabled, EngineCapabilities *ret) {
        engine_capabilities_from_features(ret, f->features, f->n_features, disabled);
        ret->function_in_btf = facts_function_in_btf;
        ret->functions_matching = facts_functions_matching;
        ret->userdata = f;
}

static int check_tracepoint(const HookPlan *h, char **ret_error) {
        _cleanup_(tracepoint_format_freep) TracepointFormat *format = NULL;
        _cleanup_free_ char *subsystem = strdup(h->function);
        char *event = subsystem ? strchr(subsystem, '/') : NULL;
        int r;

        if (!subsystem)
                return -ENOMEM;
        if (!event)
                return 0; /* the planner's to say */
        *event++ = '\0';
        r = tracepoint_format_read(subsystem, event, &format);
        if (r >= 0) {
                /* The installer's check, that validate --kernel says the same. */
                for (size_t i = 0; i < h->n_auto_fields; i++) {
                        uint8_t type;

                        if (h->auto_field[i] >= format->n_fields)
                                continue; /* the installer says so, not validate */
                        r = plan_tracepoint_auto_type(
                                h->function, &format->fields[h->auto_field[i]], &type, ret_error);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (asprintf(ret_error, "tracepoint %s: %s", h->function,
                     r == -ENOENT ? "no such tracepoint on this kernel (or no tracefs)"
                                  : strerror(-r)) < 0)
                return -ENOMEM;
        return r;
}

static int check_binary(const HookPlan *h, char **ret_error) {
        const char *what = h->mechanism == HOOK_MECHANISM_USDT ? "usdt" : "uprobe";
        int r;

        if (!h->path || access(h->path, R_OK) >= 0)
                return 0;
        r = negative_errno();
        if ((r == -ENOENT ? asprintf(ret_error, "%s on %s: no file %s", what, h->function, h->path)
                          : asprintf(ret_error, "%s on %s: cannot read %s: %s", what, h->function,
                                     h->path, strerror(-r))) < 0)
                return -ENOMEM;
        return r;
}

int kernel_facts_check_plan(KernelFacts *f, const PolicyPlan *plan, char **ret_error) {
        int r;

        *ret_error = NULL;
        for (size_t k = 0; k < plan->n_hooks; k++) {
                const HookPlan *h = &plan->hooks[k];

                switch (h->mechanism) {
                case HOOK_MECHANISM_TRACEPOINT:
                        r = check_tracepoint(h, ret_error);
                        break;
                case HOOK_MECHANISM_UPROBE:
                case HOOK_MECHANISM_USDT:
                        r = check_binary(h, ret_error);
                        break;
                case HOOK_MECHANISM_KPROBE:
                        r = 0;
                        if (kernel_facts_kprobe_refused(f, h->function)) {
                                r = kernel_facts_kprobe_refusal_message(h->function, ret_error);
                                if (r >= 0)
                                        r = -EOPNOTSUPP;
                        }
                        break;
                case HOOK_MECHANISM_NONE:
                case HOOK_MECHANISM_FENTRY:
                case HOOK_MECHANISM_SYS_ENTER:
                case HOOK_MECHANISM_RAW_TRACEPOINT:
                case HOOK_MECHANISM_LSM:
                case HOOK_MECHANISM_FMOD_RET:
                case _HOOK_MECHANISM_MAX:
                        r = 0;
                        break;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}
