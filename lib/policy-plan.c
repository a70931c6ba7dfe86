/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-compile.h"
#include "policy-plan.h"
#include "syscall-table.h"

typedef struct MechanismInfo {
        const char *name;    /* in a hook's status */
        const char *option;  /* in --disable-mechanism */
        const char *feature; /* KernelFeature.name that says whether the kernel has it */
        bool implemented;    /* by this engine */
} MechanismInfo;

static const MechanismInfo mechanisms[_HOOK_MECHANISM_MAX] = {
        [HOOK_MECHANISM_NONE] = { "none", NULL, NULL, true },
        [HOOK_MECHANISM_FENTRY] = { "fentry", "fentry", "fentry", true },
        [HOOK_MECHANISM_KPROBE] = { "kprobe", "kprobe", "kprobe", true },
        [HOOK_MECHANISM_SYS_ENTER] = { "tp_btf/sys_enter", "sys_enter", "tp_btf", true },
        [HOOK_MECHANISM_TRACEPOINT] = { "tracepoint", "tracepoint", "tracepoint", true },
        /* Raw tracepoints through BTF: typed arguments, like fentry's. */
        [HOOK_MECHANISM_RAW_TRACEPOINT] = { "tp_btf", "raw_tracepoint", "tp_btf", true },
        [HOOK_MECHANISM_LSM] = { "lsm", "lsm", "lsm", true },
        [HOOK_MECHANISM_UPROBE] = { "uprobe", "uprobe", "uprobe", true },
        [HOOK_MECHANISM_FMOD_RET] = { "fmod_ret", "fmod_ret", "fmod_ret", true },
        /* libbpf's USDT support: a uprobe whose program reads the note's argument specs. */
        [HOOK_MECHANISM_USDT] = { "usdt", "usdt", "uprobe", true },
};

typedef enum HookClass {
        HOOK_CLASS_SYSCALL,
        HOOK_CLASS_SYSCALL_TABLE, /* every syscall at once (generated_syscalls) */
        HOOK_CLASS_KERNEL_FUNCTION,
        HOOK_CLASS_FENTRY,
        HOOK_CLASS_TRACEPOINT,
        HOOK_CLASS_RAW_TRACEPOINT,
        HOOK_CLASS_LSM,
        HOOK_CLASS_UPROBE,
        HOOK_CLASS_USDT,
        _HOOK_CLASS_MAX,
} HookClass;

#define CANDIDATES_MAX 3

/* Best first. */
static const struct {
        size_t n;
        HookMechanism m[CANDIDATES_MAX];
} candidates[_HOOK_CLASS_MAX] = {
        [HOOK_CLASS_SYSCALL] = { 3,
                                 { HOOK_MECHANISM_FENTRY, HOOK_MECHANISM_KPROBE,
                                   HOOK_MECHANISM_SYS_ENTER } },
        /* One program serves every number, where fentry loads one per function: hundreds. */
        [HOOK_CLASS_SYSCALL_TABLE] = { 3,
                                       { HOOK_MECHANISM_SYS_ENTER, HOOK_MECHANISM_KPROBE,
                                         HOOK_MECHANISM_FENTRY } },
        [HOOK_CLASS_KERNEL_FUNCTION] = { 2, { HOOK_MECHANISM_FENTRY, HOOK_MECHANISM_KPROBE } },
        [HOOK_CLASS_FENTRY] = { 2, { HOOK_MECHANISM_FENTRY, HOOK_MECHANISM_KPROBE } },
        [HOOK_CLASS_TRACEPOINT] = { 1, { HOOK_MECHANISM_TRACEPOINT } },
        [HOOK_CLASS_RAW_TRACEPOINT] = { 1, { HOOK_MECHANISM_RAW_TRACEPOINT } },
        [HOOK_CLASS_LSM] = { 1, { HOOK_MECHANISM_LSM } },
        [HOOK_CLASS_UPROBE] = { 1, { HOOK_MECHANISM_UPROBE } },
        [HOOK_CLASS_USDT] = { 1, { HOOK_MECHANISM_USDT } },
};

const char *hook_mechanism_to_string(HookMechanism m) {
        if ((unsigned) m >= _HOOK_MECHANISM_MAX)
                return NULL;
        return mechanisms[m].name;
}

const char *hook_mechanism_option_name(HookMechanism m) {
        if ((unsigned) m >= _HOOK_MECHANISM_MAX)
                return NULL;
        return mechanisms[m].option;
}

int hook_mechanism_from_option_name(const char *s) {
        for (unsigned m = 0; m < _HOOK_MECHANISM_MAX; m++)
                if (mechanisms[m].option && streq(mechanisms[m].option, s))
                        return (int) m;
        return -EINVAL;
}

int hook_mechanisms_from_option(const char *list, unsigned *ret_mask, const char **ret_bad,
                                size_t *ret_bad_len) {
        unsigned mask = 0;
        const char *p = list;

        while (*p) {
                size_t n = strcspn(p, ",");
                char word[32];
                int m;

                if (n == 0 || n >= sizeof(word)) {
                        if (ret_bad) {
                                *ret_bad = p;
                                *ret_bad_len = n;
                        }
                        return -EINVAL;
                }
                memcpy(word, p, n);
                word[n] = '\0';
                m = hook_mechanism_from_option_name(word);
                if (m < 0) {
                        if (ret_bad) {
                                *ret_bad = p;
                                *ret_bad_len = n;
                        }
                        return -EINVAL;
                }
                mask |= 1U << m;
                p += n;
                if (*p == ',')
                        p++;
        }
        *ret_mask = mask;
        return 0;
}

void engine_capabilities_from_features(EngineCapabilities *ret, const KernelFeature *features,
                                       size_t n_features, unsigned disabled) {
        *ret = (EngineCapabilities){ .disabled = disabled };
        ret->kernel[HOOK_MECHANISM_NONE] = true;
        for (unsigned m = 1; m < _HOOK_MECHANISM_MAX; m++)
                snprintf(ret->kernel_detail[m], ENGINE_DETAIL_MAX, "not probed");
        for (size_t i = 0; i < n_features; i++) {
                const KernelFeature *f = &features[i];

                for (unsigned m = 1; m < _HOOK_MECHANISM_MAX; m++)
                        if (streq(mechanisms[m].feature, f->name)) {
                                ret->kernel[m] = f->available;
                                snprintf(ret->kernel_detail[m], ENGINE_DETAIL_MAX, "%s", f->detail);
                        }
                if (streq(f->name, "send_signal"))
                        ret->send_signal = f->available;
                else if (streq(f->name, "override_return"))
                        ret->override_return = f->available;
                else if (streq(f->name, "fmod_ret_syscall")) {
                        ret->fmod_ret_syscall = f->available;
                        snprintf(ret->fmod_ret_syscall_detail, ENGINE_DETAIL_MAX, "%s", f->detail);
                }
        }
}

/* ---- Names for messages ---- */

static const char *arg_type_name(uint8_t t) {
        for (unsigned i = 0; i < _POLICY_ARG_TYPE_MAX; i++)
                if (compiled_arg_type(i) == t)
                        return policy_arg_type_to_string(i);
        return "unknown";
}

static const char *operator_name(uint8_t op) {
        for (unsigned i = 1; i < _POLICY_OP_MAX; i++)
                if (compiled_operator(i) == op)
                        return policy_operator_to_string(i);
        return "unknown";
}

static const char *action_name(uint8_t a) {
        for (unsigned i = 0; i < _POLICY_ACTION_TYPE_MAX; i++)
                if (compiled_action_type(i) == a)
                        return policy_action_type_to_string(i);
        return "unknown";
}

static const char *filter_kind_name(uint8_t kind) {
        switch ((enum tg_policy_filter_kind) kind) {
        case TG_FILTER_ARG:
                return "matchArgs";
        case TG_FILTER_DATA:
                return "matchData";
        case TG_FILTER_RETURN_ARG:
                return "matchReturnArgs";
        case TG_FILTER_PID:
                return "matchPIDs";
        case TG_FILTER_BINARY:
                return "matchBinaries";
        case TG_FILTER_PARENT_BINARY:
                return "matchParentBinaries";
        case TG_FILTER_NAMESPACE:
                return "matchNamespaces";
        case TG_FILTER_NAMESPACE_CHANGE:
                return "matchNamespaceChanges";
        case TG_FILTER_CAPABILITY:
                return "matchCapabilities";
        case TG_FILTER_CAPABILITY_CHANGE:
                return "matchCapabilityChanges";
        }
        return "unknown selector";
}

static const char *section_name(PolicyHookKind k) {
        switch (k) {
        case POLICY_HOOK_KPROBE:
                return "kprobes";
        case POLICY_HOOK_FENTRY:
                return "fentries";
        case POLICY_HOOK_TRACEPOINT:
                return "tracepoints";
        case POLICY_HOOK_UPROBE:
                return "uprobes";
        case POLICY_HOOK_LSM:
                return "lsmhooks";
        case POLICY_HOOK_USDT:
                return "usdts";
        case _POLICY_HOOK_KIND_MAX:
                break;
        }
        return "hooks";
}

/* ---- Refusals ---- */

typedef struct Planner {
        const CompiledPolicy *policy;
        const EngineCapabilities *caps;
        PolicyPlan *plan;
        size_t hook;       /* the hook being planned */
        bool syscall;      /* its arguments are a syscall's: numbers and user pointers */
        bool user;         /* its arguments are a user-space function's, likewise */
        bool tracepoint;   /* its arguments are fields of a tracepoint's record */
        bool usdt;         /* its arguments are a USDT probe's, by their specs */
        const char *where; /* "kprobes[0] sys_write" */
        char *error;
        bool oom;

        /* What the hook names: its call, or the entry of the list it calls, and its class. */
        const char *call;
        HookClass class;
        size_t n_allocated; /* entries of plan->hooks */
} Planner;

_printf_(2, 3) static int refuse(Planner *p, const char *format, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&what, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (p->where)
                r = asprintf(&p->error, "%s: %s", p->where, what);
        else
                r = asprintf(&p->error, "%s", what);
        if (r < 0) {
                p->error = NULL;
                return -ENOMEM;
        }
        return -EOPNOTSUPP;
}

static bool mechanism_usable(const EngineCapabilities *caps, HookMechanism m) {
        return !(caps->disabled & (1U << m)) && caps->kernel[m] && mechanisms[m].implemented;
}

/* fentry, fmod_ret and LSM programs attach to the function's BTF: a function the kernel's
 * BTF lacks (e.g. syscalls without arguments on some kernels) needs another mechanism. */
static bool mechanism_needs_btf(HookMechanism m) {
        return m == HOOK_MECHANISM_FENTRY || m == HOOK_MECHANISM_FMOD_RET ||
               m == HOOK_MECHANISM_LSM || m == HOOK_MECHANISM_RAW_TRACEPOINT;
}

static bool function_usable(const EngineCapabilities *caps, HookMechanism m, const char *function) {
        return !mechanism_needs_btf(m) || !caps->function_in_btf ||
               caps->function_in_btf(m, function, caps->userdata);
}

/* "fentry: not available on this kernel (...)". */
static void mechanism_why_not(const EngineCapabilities *caps, HookMechanism m, char *buf,
                              size_t size) {
        if (caps->disabled & (1U << m))
                snprintf(buf, size, "%s: disabled by --disable-mechanism", mechanisms[m].name);
        else if (!caps->kernel[m])
                snprintf(buf, size, "%s: not available on this kernel (%s)", mechanisms[m].name,
                         caps->kernel_detail[m]);
        else
                snprintf(buf, size, "%s: not implemented by this engine yet", mechanisms[m].name);
}

/* Why fmod_ret cannot change a syscall's return here: the mechanism, or the syscall
 * functions (no function error injection). */
static void fmod_ret_syscall_why_not(const EngineCapabilities *caps, char *buf, size_t size) {
        if (!mechanism_usable(caps, HOOK_MECHANISM_FMOD_RET))
                mechanism_why_not(caps, HOOK_MECHANISM_FMOD_RET, buf, size);
        else
                snprintf(buf, size, "fmod_ret on a syscall: %s", caps->fmod_ret_syscall_detail);
}

static int choose_mechanism(Planner *p, HookClass class, const char *function, HookMechanism *ret) {
        char reasons[3 * (ENGINE_DETAIL_MAX + 64)] = "";
        size_t len = 0;

        for (size_t i = 0; i < candidates[class].n; i++) {
                HookMechanism m = candidates[class].m[i];
                char why[ENGINE_DETAIL_MAX + 64];

                if (mechanism_usable(p->caps, m) && function_usable(p->caps, m, function)) {
                        *ret = m;
                        return 0;
                }
                if (mechanism_usable(p->caps, m))
                        snprintf(why, sizeof(why),
                                 "%s: %s is not in the kernel's BTF, or ftrace cannot trace it",
                                 mechanisms[m].name, function);
                else
                        mechanism_why_not(p->caps, m, why, sizeof(why));
                len += snprintf(reasons + len, sizeof(reasons) - MIN(len, sizeof(reasons)), "%s%s",
                                i > 0 ? "; " : "", why);
                len = MIN(len, sizeof(reasons) - 1);
        }
        return refuse(p, "no mechanism can attach it: %s", reasons);
}

/* ---- What the engine implements ---- */

static bool arg_type_is_string(uint8_t t) {
        return t == TG_ARG_STRING || t == TG_ARG_CHAR_BUF;
}

/* Kernel pointers to something with a path: compared and shown as that path. */
static bool arg_type_is_kernel_file(uint8_t t) {
        return t == TG_ARG_FILE || t == TG_ARG_PATH || t == TG_ARG_DENTRY ||
               t == TG_ARG_LINUX_BINPRM;
}

/* Compared as a number: the integers, a syscall number (syscall64), a capability. */
static bool arg_type_is_number(uint8_t t) {
        return tg_arg_type_is_integer(t) || t == TG_ARG_SYSCALL64 || t == TG_ARG_CAPABILITY;
}

static bool arg_type_is_socket(uint8_t t) {
        return t == TG_ARG_SOCK || t == TG_ARG_SOCKET;
}

/* Kernel pointers read through CO-RE, which no system call or user function passes. */
static bool arg_type_is_kernel_pointer(uint8_t t) {
        return arg_type_is_kernel_file(t) || arg_type_is_socket(t) || t == TG_ARG_SKB ||
               t == TG_ARG_CRED || t == TG_ARG_FILENAME || t == TG_ARG_NET_DEVICE;
}

/* Types the engine records (and perhaps compares) beyond numbers, paths and strings. */
static bool arg_type_is_other_implemented(uint8_t t) {
        return t == TG_ARG_SOCKADDR || t == TG_ARG_CHAR_IOVEC || t == TG_ARG_FILENAME ||
               t == TG_ARG_CRED || t == TG_ARG_NOP || t == TG_ARG_SKB || t == TG_ARG_NET_DEVICE ||
               arg_type_is_socket(t);
}

static bool arg_type_is_path(uint8_t t) {
        return t == TG_ARG_FD || arg_type_is_kernel_file(t);
}

static int check_args(Planner *p, const struct tg_policy_hook *h, HookPlan *out) {
        const CompiledHookInfo *info = &p->policy->hook_info[p->hook];

        for (size_t i = 0; i < h->n_args && i < TG_POLICY_MAX_ARGS; i++) {
                uint8_t t = h->arg_type[i];

                /* The field's type decides: the installer reads the format. */
                if (t == TG_ARG_AUTO && p->tracepoint) {
                        out->auto_field[out->n_auto_fields++] = h->arg_index[i];
                        continue;
                }
                if (t == TG_ARG_AUTO)
                        return refuse(p,
                                      "argument %zu (index %u): type auto takes the type of a "
                                      "tracepoint's format field, and this hook is no tracepoint",
                                      i, h->arg_index[i]);
                if (p->tracepoint && !arg_type_is_number(t) && t != TG_ARG_STRING && t != TG_ARG_FD)
                        return refuse(p,
                                      "argument %zu (index %u): type %s is not implemented by "
                                      "this engine for tracepoints yet",
                                      i, h->arg_index[i], arg_type_name(t));
                if (!arg_type_is_number(t) && !arg_type_is_path(t) && !arg_type_is_string(t) &&
                    !arg_type_is_other_implemented(t))
                        return refuse(p,
                                      "argument %zu (index %u): type %s is not implemented by "
                                      "this engine yet",
                                      i, h->arg_index[i], arg_type_name(t));
                if ((p->syscall || p->user) && arg_type_is_kernel_pointer(t))
                        return refuse(p,
                                      "argument %zu (index %u): type %s is a kernel pointer, "
                                      "which the arguments of a %s never are",
                                      i, h->arg_index[i], arg_type_name(t),
                                      p->syscall ? "system call" : "user-space function");
                /* The engine has 5 registers, a usdt's argument i goes in register i. */
                if (h->arg_index[i] >= 5 && p->usdt)
                        return refuse(p,
                                      "argument %zu: index %u, but this engine reads a usdt's "
                                      "arguments 0 to 4",
                                      i, h->arg_index[i]);
                /* A tracepoint's index is a field's: the installer checks it. */
                if (h->arg_index[i] >= 5 && !p->tracepoint)
                        return refuse(p,
                                      "argument %zu: index %u, but this engine reads a "
                                      "function's arguments 0 to 4",
                                      i, h->arg_index[i]);
                if ((h->arg_flags[i] & TG_POLICY_ARG_RETURN_COPY) && t != TG_ARG_CHAR_BUF)
                        return refuse(p,
                                      "argument %zu: returnCopy of type %s is not implemented "
                                      "by this engine yet (char_buf only)",
                                      i, arg_type_name(t));
                /* maxData: char_buf's bytes read whole up to TG_GENERIC_BUF_MAX_DATA. */
                if ((h->arg_flags[i] & TG_POLICY_ARG_MAX_DATA) &&
                    (t != TG_ARG_CHAR_BUF || (h->arg_flags[i] & TG_POLICY_ARG_RETURN_COPY)))
                        return refuse(p,
                                      "argument %zu: maxData on %s is not implemented by this "
                                      "engine yet (char_buf read at entry only)",
                                      i,
                                      (h->arg_flags[i] & TG_POLICY_ARG_RETURN_COPY)
                                              ? "a returnCopy argument"
                                              : arg_type_name(t));
                /* returnCopy: the return value says how many bytes, sizeArgIndex at most;
                 * without either the event carries none (the parser warns). */
                if (t == TG_ARG_CHAR_BUF && h->arg_size_index[i] > 5)
                        return refuse(p,
                                      "argument %zu: char_buf's sizeArgIndex %u is past the 5 "
                                      "arguments this engine reads",
                                      i, h->arg_size_index[i]);
                if (t == TG_ARG_CHAR_IOVEC &&
                    (h->arg_size_index[i] < 1 || h->arg_size_index[i] > 5))
                        return refuse(p,
                                      "argument %zu: char_iovec needs sizeArgIndex (1 to 5), the "
                                      "argument that counts the vectors",
                                      i);
                if (info->arg_resolve && info->arg_resolve[i])
                        return refuse(p,
                                      "argument %zu: resolve is not implemented by this engine "
                                      "yet",
                                      i);
        }
        /* Refused rather than dropped: an event without the data a policy asked for. */
        if (info->n_data > 0)
                return refuse(p, "data entries (hook data, source current_task or pt_regs) are "
                                 "not implemented by this engine yet");
        return 0;
}

int plan_tracepoint_auto_type(const char *tracepoint, const TracepointField *field,
                              uint8_t *ret_type, char **ret_error) {
        static const uint8_t integers[2][4] = {
                { TG_ARG_UINT8, TG_ARG_UINT16, TG_ARG_UINT32, TG_ARG_UINT64 },
                { TG_ARG_INT8, TG_ARG_INT16, TG_ARG_INT32, TG_ARG_INT64 },
        };
        const char *why = NULL;
        int width = -1;

        switch (field->kind) {
        case TRACEPOINT_FIELD_INTEGER:
                if (streq(field->type, "size_t")) {
                        *ret_type = TG_ARG_SIZE_T;
                        return 0;
                }
                for (int w = 0; w < 4; w++)
                        if (field->size == 1U << w)
                                width = w;
                if (width >= 0) {
                        *ret_type = integers[field->is_signed][width];
                        return 0;
                }
                why = "an integer of a size no argument type has";
                break;
        case TRACEPOINT_FIELD_POINTER:
                /* Tetragon reads char pointers as char_buf and derives nothing for others. */
                why = strstr(field->type, "char")
                              ? "a char pointer, which auto reads as char_buf, and this engine "
                                "does not read char_buf from tracepoints yet (type string reads "
                                "it as text)"
                              : "a pointer to something auto has no type for";
                break;
        case TRACEPOINT_FIELD_ARRAY:
        case TRACEPOINT_FIELD_DATA_LOC:
                why = "an array, which auto reads as const_buf, and this engine does not read "
                      "const_buf yet";
                break;
        case _TRACEPOINT_FIELD_KIND_MAX:
                why = "of no kind the format parser knows";
                break;
        }
        if (asprintf(ret_error, "tracepoint %s: argument of type auto: field \"%s\" (%s) is %s",
                     tracepoint, field->name, field->type, why) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EOPNOTSUPP;
}

/* return: true, returnArg, returnArgAction. The return programs pair with the entry's
 * mechanism (return_mechanism_name()): tracepoints have no return, and an LSM hook's
 * return is what Override sets. */
static int check_return(Planner *p, const struct tg_policy_hook *h, HookClass class) {
        const CompiledHookInfo *info = &p->policy->hook_info[p->hook];
        bool ret = h->flags & TG_POLICY_HOOK_RETURN;

        /* return: true, or a returnCopy argument (read at return with or without it). */
        if (!(h->flags & TG_POLICY_HOOK_AT_RETURN))
                return 0;
        switch (class) {
        case HOOK_CLASS_TRACEPOINT:
        case HOOK_CLASS_RAW_TRACEPOINT:
                return refuse(p,
                              "%s on a tracepoint: a tracepoint is a point, not a function, "
                              "and has no return",
                              ret ? "return: true" : "returnCopy");
        case HOOK_CLASS_LSM:
                if (!ret)
                        return refuse(p, "returnCopy on an LSM hook: it has no return probe");
                return refuse(p, "return: true on an LSM hook: its return value is the verdict "
                                 "an Override action sets, not something to probe");
        case HOOK_CLASS_USDT:
                return refuse(p,
                              "%s on a usdt: a usdt is a point in a function, not a "
                              "function, and has no return",
                              ret ? "return: true" : "returnCopy");
        case HOOK_CLASS_SYSCALL:
        case HOOK_CLASS_SYSCALL_TABLE:
        case HOOK_CLASS_KERNEL_FUNCTION:
        case HOOK_CLASS_FENTRY:
        case HOOK_CLASS_UPROBE:
        case _HOOK_CLASS_MAX:
                break;
        }
        /* The parser takes returnArg and returnArgAction only with return: true. */
        if (!ret)
                return 0;
        switch (info->return_arg_action) {
        case 0:
        case TG_ACTION_POST:
                break;
        case TG_ACTION_TRACK_SOCK:
        case TG_ACTION_UNTRACK_SOCK:
                return refuse(p,
                              "returnArgAction %s is not implemented by this engine: it has no "
                              "socket tracking",
                              action_name(info->return_arg_action));
        default:
                return refuse(p, "returnArgAction %s is not implemented by this engine yet",
                              action_name(info->return_arg_action));
        }
        if (!tg_arg_type_is_integer(h->return_type))
                return refuse(p,
                              "returnArg of type %s is not implemented by this engine yet "
                              "(integer types only)",
                              arg_type_name(h->return_type));
        return 0;
}

/* The return program beside the entry's: "fentry + fexit". */
static const char *return_mechanism_name(HookMechanism m) {
        switch (m) {
        case HOOK_MECHANISM_FENTRY:
        case HOOK_MECHANISM_FMOD_RET:
                return "fexit";
        case HOOK_MECHANISM_KPROBE:
                return "kretprobe";
        case HOOK_MECHANISM_SYS_ENTER:
                return "tp_btf/sys_exit";
        case HOOK_MECHANISM_UPROBE:
                return "uretprobe";
        case HOOK_MECHANISM_NONE:
        case HOOK_MECHANISM_TRACEPOINT:
        case HOOK_MECHANISM_RAW_TRACEPOINT:
        case HOOK_MECHANISM_LSM:
        case HOOK_MECHANISM_USDT:
        case _HOOK_MECHANISM_MAX:
                break;
        }
        return NULL;
}

static bool op_in(uint8_t op, const uint8_t *ops, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (ops[i] == op)
                        return true;
        return false;
}

static const uint8_t int_ops[] = {
        TG_POLICY_OP_EQUAL,        TG_POLICY_OP_NOT_EQUAL, TG_POLICY_OP_GREATER_THAN,
        TG_POLICY_OP_LESS_THAN,    TG_POLICY_OP_MASK,      TG_POLICY_OP_IN_RANGE,
        TG_POLICY_OP_NOT_IN_RANGE, TG_POLICY_OP_IN_MAP,    TG_POLICY_OP_NOT_IN_MAP,
};
static const uint8_t string_ops[] = {
        TG_POLICY_OP_EQUAL,      TG_POLICY_OP_NOT_EQUAL, TG_POLICY_OP_PREFIX,
        TG_POLICY_OP_NOT_PREFIX, TG_POLICY_OP_POSTFIX,   TG_POLICY_OP_NOT_POSTFIX,
};
/* On user strings and buffers only, not on paths. */
static const uint8_t substring_ops[] = {
        TG_POLICY_OP_SUBSTRING,
        TG_POLICY_OP_SUBSTRING_IGNORE_CASE,
};
static const uint8_t sockaddr_address_ops[] = { TG_POLICY_OP_SADDR, TG_POLICY_OP_NOT_SADDR };
static const uint8_t sockaddr_port_ops[] = { TG_POLICY_OP_SPORT, TG_POLICY_OP_NOT_SPORT };
static const uint8_t sockaddr_priv_ops[] = { TG_POLICY_OP_SPORT_PRIV, TG_POLICY_OP_NOT_SPORT_PRIV };
/* On struct sock and struct socket: the destination too, and the protocol and state. */
static const uint8_t sock_named_ops[] = { TG_POLICY_OP_FAMILY, TG_POLICY_OP_PROTOCOL,
                                          TG_POLICY_OP_STATE };
static const uint8_t sock_address_ops[] = { TG_POLICY_OP_SADDR, TG_POLICY_OP_NOT_SADDR,
                                            TG_POLICY_OP_DADDR, TG_POLICY_OP_NOT_DADDR };
static const uint8_t sock_port_ops[] = { TG_POLICY_OP_SPORT, TG_POLICY_OP_NOT_SPORT,
                                         TG_POLICY_OP_DPORT, TG_POLICY_OP_NOT_DPORT };
static const uint8_t sock_priv_ops[] = { TG_POLICY_OP_SPORT_PRIV, TG_POLICY_OP_NOT_SPORT_PRIV,
                                         TG_POLICY_OP_DPORT_PRIV, TG_POLICY_OP_NOT_DPORT_PRIV };
static const uint8_t binary_ops[] = {
        TG_POLICY_OP_IN,         TG_POLICY_OP_NOT_IN,  TG_POLICY_OP_PREFIX,
        TG_POLICY_OP_NOT_PREFIX, TG_POLICY_OP_POSTFIX, TG_POLICY_OP_NOT_POSTFIX,
};
static const uint8_t set_ops[] = { TG_POLICY_OP_IN, TG_POLICY_OP_NOT_IN };

static bool list_is_syscalls(const CompiledList *l) {
        return l->type == POLICY_LIST_SYSCALLS || l->type == POLICY_LIST_GENERATED_SYSCALLS;
}

/* A syscall set's bit for a list's entry: a 64-bit syscall's number ("sys_dup",
 * "__x64_sys_dup", "dup"), or an i386 one's above TG_COMPAT_SYSCALL_BASE ("__ia32_sys_dup"). */
static int list_entry_syscall(const char *entry) {
        int nr;

        if (startswith(entry, "__ia32_")) {
                nr = syscall_ia32_from_name(entry);
                return nr >= 0 && nr < PLAN_SYSCALL_WORDS * 64 - TG_COMPAT_SYSCALL_BASE
                               ? TG_COMPAT_SYSCALL_BASE + nr
                               : -ENOENT;
        }
        /* x32's and arm64's compat calls: tables this engine does not tell apart. */
        if (startswith(entry, "__x32_") || startswith(entry, "__arm64_compat_"))
                return -ENOENT;
        nr = syscall_from_name(entry);
        return nr >= 0 && nr < TG_COMPAT_SYSCALL_BASE ? nr : -ENOENT;
}

int policy_list_syscalls(const CompiledList *l, uint64_t *bits, const char **ret_bad) {
        memset(bits, 0, PLAN_SYSCALL_WORDS * sizeof(uint64_t));
        if (l->type == POLICY_LIST_GENERATED_SYSCALLS) {
                for (unsigned nr = 0; nr < MIN(syscall_max(), PLAN_SYSCALL_WORDS * 64U); nr++)
                        if (syscall_to_name(nr))
                                bits[nr / 64] |= 1ULL << (nr % 64);
                return 0;
        }
        for (size_t i = 0; i < l->n_values; i++) {
                int nr = list_entry_syscall(l->values[i]);

                if (nr < 0) {
                        if (ret_bad)
                                *ret_bad = l->values[i];
                        return -ENOENT;
                }
                bits[nr / 64] |= 1ULL << (nr % 64);
        }
        return 0;
}

/* The entry of list l this engine cannot hook, said as a refusal. */
static int refuse_list_entry(Planner *p, const char *where, const CompiledList *l,
                             const char *entry) {
        if (startswith(entry, "__ia32_"))
                return refuse(p,
                              "%slist \"%s\": no 32-bit (i386) system call named \"%s\" on "
                              "this architecture",
                              where, l->name, entry);
        if (startswith(entry, "__x32_") || startswith(entry, "__arm64_compat_"))
                return refuse(p,
                              "%slist \"%s\": %s is an x32 or arm64 compat system call, which "
                              "this engine does not tell apart yet (i386 ones, __ia32_sys_..., "
                              "it does)",
                              where, l->name, entry);
        return refuse(p, "%slist \"%s\": no system call named \"%s\" on this architecture", where,
                      l->name, entry);
}

/* "list:NAME" in InMap or NotInMap: the list's syscall numbers, which the installer
 * writes as a bitmap beside the value. */
static int check_list_value(Planner *p, const struct tg_policy_filter *f, const char *where,
                            const struct tg_policy_value *v) {
        const CompiledList *l;
        uint64_t bits[PLAN_SYSCALL_WORDS];
        const char *bad = NULL;
        char prefix[128];

        if (v->aux >= p->policy->n_lists)
                return refuse(p, "%s: a value names a list that is not there", where);
        l = &p->policy->lists[v->aux];
        if (f->kind != TG_FILTER_ARG ||
            (f->op != TG_POLICY_OP_IN_MAP && f->op != TG_POLICY_OP_NOT_IN_MAP) ||
            !list_is_syscalls(l))
                return refuse(p,
                              "%s: values from spec.lists are implemented by this engine only "
                              "as lists of system calls in InMap and NotInMap yet",
                              where);
        if (policy_list_syscalls(l, bits, &bad) < 0) {
                snprintf(prefix, sizeof(prefix), "%s: ", where);
                return refuse_list_entry(p, prefix, l, bad);
        }
        return 0;
}

/* Every value of f is of one of the kinds given. */
static int check_values(Planner *p, const struct tg_policy_filter *f, const char *where,
                        uint8_t kind1, uint8_t kind2) {
        for (uint32_t i = 0; i < f->n_values; i++) {
                const struct tg_policy_value *v = &p->policy->values[f->value_first + i];

                if (v->kind == TG_VALUE_LIST) {
                        int r = check_list_value(p, f, where, v);

                        if (r < 0)
                                return r;
                        continue;
                }
                if (v->kind != kind1 && v->kind != kind2)
                        return refuse(p, "%s: value %u is of a kind this operator does not take",
                                      where, i);
                if (v->kind == TG_VALUE_STRING && v->aux >= TG_POLICY_STRING_MAX)
                        return refuse(p, "%s: value %u is longer than %u bytes", where, i,
                                      TG_POLICY_STRING_MAX - 1);
        }
        return 0;
}

/* The followChildren walk compares paths for equality only (the parser takes no more). */
static bool follow_children_ok(const struct tg_policy_filter *f) {
        return !(f->flags & TG_FILTER_FOLLOW_CHILDREN) ||
               op_in(f->op, set_ops, ELEMENTSOF(set_ops));
}

static int check_sock_filter(Planner *p, const struct tg_policy_filter *f, uint8_t t,
                             const char *where) {
        if (t == TG_ARG_SKB && f->op == TG_POLICY_OP_STATE)
                return refuse(p,
                              "%s: operator State compares a socket's TCP state, which a packet "
                              "(skb) does not have",
                              where);
        if (op_in(f->op, sock_named_ops, ELEMENTSOF(sock_named_ops)))
                return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_NUMBER);
        if (op_in(f->op, sock_address_ops, ELEMENTSOF(sock_address_ops)))
                return check_values(p, f, where, TG_VALUE_ADDRESS, TG_VALUE_ADDRESS);
        if (op_in(f->op, sock_port_ops, ELEMENTSOF(sock_port_ops)))
                return check_values(p, f, where, TG_VALUE_RANGE, TG_VALUE_NUMBER);
        if (op_in(f->op, sock_priv_ops, ELEMENTSOF(sock_priv_ops)))
                return 0;
        return refuse(p, "%s: operator %s is not implemented by this engine yet", where,
                      operator_name(f->op));
}

static int check_filter(Planner *p, const struct tg_policy_hook *h, size_t selector,
                        const struct tg_policy_filter *f) {
        char where[96];

        snprintf(where, sizeof(where), "selector %zu: %s", selector, filter_kind_name(f->kind));
        switch ((enum tg_policy_filter_kind) f->kind) {
        case TG_FILTER_ARG: {
                uint8_t t = f->arg < TG_POLICY_MAX_ARGS ? h->arg_type[f->arg] : TG_ARG_NONE;

                if (arg_type_is_number(t)) {
                        if (!op_in(f->op, int_ops, ELEMENTSOF(int_ops)))
                                break;
                        return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_RANGE);
                }
                if (arg_type_is_path(t) &&
                    (f->op == TG_POLICY_OP_SAME_FILE || f->op == TG_POLICY_OP_NOT_SAME_FILE))
                        return check_values(p, f, where, TG_VALUE_STRING, TG_VALUE_STRING);
                if (arg_type_is_path(t) || arg_type_is_string(t) || t == TG_ARG_FILENAME ||
                    t == TG_ARG_NET_DEVICE) {
                        if (!op_in(f->op, string_ops, ELEMENTSOF(string_ops)) &&
                            !(arg_type_is_string(t) &&
                              op_in(f->op, substring_ops, ELEMENTSOF(substring_ops))))
                                break;
                        return check_values(p, f, where, TG_VALUE_STRING, TG_VALUE_STRING);
                }
                if (t == TG_ARG_SOCKADDR) {
                        if (f->op == TG_POLICY_OP_FAMILY)
                                return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_NUMBER);
                        if (op_in(f->op, sockaddr_address_ops, ELEMENTSOF(sockaddr_address_ops)))
                                return check_values(p, f, where, TG_VALUE_ADDRESS,
                                                    TG_VALUE_ADDRESS);
                        if (op_in(f->op, sockaddr_port_ops, ELEMENTSOF(sockaddr_port_ops)))
                                return check_values(p, f, where, TG_VALUE_RANGE, TG_VALUE_NUMBER);
                        if (op_in(f->op, sockaddr_priv_ops, ELEMENTSOF(sockaddr_priv_ops)))
                                return 0;
                        break;
                }
                if (arg_type_is_socket(t) || t == TG_ARG_SKB)
                        return check_sock_filter(p, f, t, where);
                if (t == TG_ARG_AUTO)
                        return refuse(p,
                                      "%s on argument %u of type auto: this engine compares an "
                                      "argument only when the policy gives its type",
                                      where, f->arg);
                return refuse(p,
                              "%s on argument %u of type %s is not implemented by this "
                              "engine yet",
                              where, f->arg, arg_type_name(t));
        }
        case TG_FILTER_PID:
                if (!op_in(f->op, set_ops, ELEMENTSOF(set_ops)))
                        break;
                return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_NUMBER);
        case TG_FILTER_PARENT_BINARY:
        case TG_FILTER_BINARY:
                if (!follow_children_ok(f))
                        return refuse(p,
                                      "%s: followChildren with operator %s is not implemented "
                                      "by this engine yet",
                                      where, operator_name(f->op));
                if (!op_in(f->op, binary_ops, ELEMENTSOF(binary_ops)))
                        break;
                return check_values(p, f, where, TG_VALUE_STRING, TG_VALUE_STRING);
        case TG_FILTER_NAMESPACE:
                if (!op_in(f->op, set_ops, ELEMENTSOF(set_ops)))
                        break;
                return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_NUMBER);
        case TG_FILTER_CAPABILITY:
        case TG_FILTER_CAPABILITY_CHANGE:
        case TG_FILTER_NAMESPACE_CHANGE:
                if (!op_in(f->op, set_ops, ELEMENTSOF(set_ops)))
                        break;
                return 0;
        case TG_FILTER_RETURN_ARG:
                if (!(h->flags & TG_POLICY_HOOK_RETURN))
                        return refuse(p, "%s needs return: true", where);
                /* check_return() took only integer return types. */
                if (!op_in(f->op, int_ops, ELEMENTSOF(int_ops)))
                        break;
                return check_values(p, f, where, TG_VALUE_NUMBER, TG_VALUE_RANGE);
        case TG_FILTER_DATA:
                return refuse(p, "%s is not implemented by this engine yet", where);
        }
        return refuse(p, "%s: operator %s is not implemented by this engine yet", where,
                      operator_name(f->op));
}

/* NotifyEnforcer marks the task; the enforcer sends argSig at the next enforced call. An
 * argError would make that call fail: only fmod_ret on the syscall's function (function
 * error injection) or bpf_override_return() can, and the engine uses neither for it. */
static int check_notify_enforcer(Planner *p, const char *where, const struct tg_policy_action *a) {
        const EngineCapabilities *c = p->caps;
        char why[ENGINE_DETAIL_MAX + 64];

        if (a->flags & TG_ACTION_HAS_ARG_ERROR) {
                if (mechanism_usable(c, HOOK_MECHANISM_FMOD_RET) && c->fmod_ret_syscall)
                        return refuse(p,
                                      "%s: action NotifyEnforcer with argError %d: enforcers "
                                      "that make the call fail are not implemented by this "
                                      "engine yet (argSig alone is)",
                                      where, a->arg_error);
                fmod_ret_syscall_why_not(c, why, sizeof(why));
                return refuse(p,
                              "%s: action NotifyEnforcer with argError %d: making the enforced "
                              "call fail needs fmod_ret on the syscall's function, which the "
                              "kernel allows only with function error injection "
                              "(CONFIG_FUNCTION_ERROR_INJECTION): %s; %s. Without argError "
                              "(argSig alone) the enforcer only sends the signal",
                              where, a->arg_error, why,
                              c->override_return ? "bpf_override_return() is not used by this "
                                                   "engine yet"
                                                 : "nor is there bpf_override_return()");
        }
        if (!(a->flags & TG_ACTION_HAS_ARG_SIG) || a->arg_sig == 0)
                return refuse(p, "%s: action NotifyEnforcer without argSig: nothing to enforce",
                              where);
        if (!c->send_signal)
                return refuse(p,
                              "%s: action NotifyEnforcer needs bpf_send_signal(), which this "
                              "kernel refuses",
                              where);
        return 0;
}

/* matchReturnActions run where the parked record is posted, once the call returned and
 * matchReturnArgs matched (bpf/generic-return.h): 1 when the common checks decide, 0 when
 * the action is fine there, or the refusal. */
static int check_return_action(Planner *p, const char *where, const struct tg_policy_action *a) {
        switch ((enum tg_policy_action_type) a->type) {
        case TG_ACTION_POST:
                if (a->rate_limit_ms)
                        return refuse(p,
                                      "%s: matchReturnActions: Post with rateLimit is not "
                                      "implemented by this engine yet (on matchActions it is)",
                                      where);
                return 1;
        case TG_ACTION_NO_POST:
        case TG_ACTION_SIGKILL:
        case TG_ACTION_SIGNAL:
        case TG_ACTION_GET_URL:
        case TG_ACTION_DNS_LOOKUP:
        case TG_ACTION_FOLLOW_FD:
        case TG_ACTION_UNFOLLOW_FD:
        case TG_ACTION_COPY_FD:
                return 1;
        case TG_ACTION_OVERRIDE:
                return refuse(p,
                              "%s: matchReturnActions: Override cannot act once the function "
                              "has returned (use it in matchActions)",
                              where);
        case TG_ACTION_NOTIFY_ENFORCER:
        case TG_ACTION_TRACK_SOCK:
        case TG_ACTION_UNTRACK_SOCK:
        case TG_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
        case TG_ACTION_SET:
                break;
        }
        return refuse(p, "%s: matchReturnActions: action %s is not implemented by this engine yet",
                      where, action_name(a->type));
}

static int check_action(Planner *p, const struct tg_policy_hook *h, size_t selector,
                        const struct tg_policy_action *a) {
        char where[64];
        int r;

        snprintf(where, sizeof(where), "selector %zu", selector);
        if (a->flags & TG_ACTION_RETURN) {
                r = check_return_action(p, where, a);
                if (r <= 0)
                        return r;
        }
        /* The engine takes stacks where the hook fires; a record parked for the return
         * keeps its arguments right after its header. */
        if ((a->flags & (TG_ACTION_KERNEL_STACK_TRACE | TG_ACTION_USER_STACK_TRACE)) &&
            a->type == TG_ACTION_POST && (h->flags & TG_POLICY_HOOK_AT_RETURN))
                return refuse(p,
                              "%s: action Post: stack traces on a hook that waits for its "
                              "return (return: true, returnCopy) are not implemented by this "
                              "engine yet",
                              where);
        switch ((enum tg_policy_action_type) a->type) {
        case TG_ACTION_POST:
        case TG_ACTION_NO_POST:
        case TG_ACTION_FOLLOW_FD:
        case TG_ACTION_UNFOLLOW_FD:
        case TG_ACTION_COPY_FD:
        case TG_ACTION_GET_URL:    /* in user space, when the event arrives */
        case TG_ACTION_DNS_LOOKUP: /* likewise */
                return 0;
        case TG_ACTION_SIGKILL:
        case TG_ACTION_SIGNAL:
                if (!p->caps->send_signal)
                        return refuse(p,
                                      "%s: action %s needs bpf_send_signal(), which this "
                                      "kernel refuses",
                                      where, action_name(a->type));
                return 0;
        case TG_ACTION_OVERRIDE:
                /* The mechanism was chosen for it (choose_override_mechanism). */
                if (a->arg_error >= 0)
                        return refuse(p,
                                      "%s: action Override with argError %d: the function "
                                      "returns it as an error, so it must be a negative errno "
                                      "(-1 is EPERM)",
                                      where, a->arg_error);
                return 0;
        case TG_ACTION_NOTIFY_ENFORCER:
                return check_notify_enforcer(p, where, a);
        case TG_ACTION_TRACK_SOCK:
        case TG_ACTION_UNTRACK_SOCK:
        case TG_ACTION_CLEANUP_ENFORCER_NOTIFICATION:
                break;
        case TG_ACTION_SET:
                return refuse(p,
                              "%s: action Set (writing argValue into the probed process's "
                              "argument argIndex) is not implemented by this engine yet",
                              where);
        }
        return refuse(p, "%s: action %s is not implemented by this engine yet", where,
                      action_name(a->type));
}

static bool action_tracks_fds(uint8_t type) {
        return type == TG_ACTION_FOLLOW_FD || type == TG_ACTION_UNFOLLOW_FD ||
               type == TG_ACTION_COPY_FD;
}

/* Every selector acts, and only with FollowFD, UnfollowFD or CopyFD: the legacy fd
 * tracking that resolving fds in the kernel makes unnecessary. */
static bool hook_only_tracks_fds(const CompiledPolicy *c, const struct tg_policy_hook *h) {
        if (h->n_selectors == 0)
                return false;
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];

                if (sel->n_actions == 0 || sel->n_return_actions > 0)
                        return false;
                for (uint32_t a = 0; a < sel->n_actions; a++)
                        if (!action_tracks_fds(c->actions[sel->action_first + a].type))
                                return false;
        }
        return true;
}

static bool hook_overrides(const CompiledPolicy *c, const struct tg_policy_hook *h) {
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];

                for (uint32_t a = 0; a < (uint32_t) sel->n_actions + sel->n_return_actions; a++)
                        if (c->actions[sel->action_first + a].type == TG_ACTION_OVERRIDE)
                                return true;
        }
        return false;
}

/* A hook that overrides needs a mechanism whose program's result is the function's. */
static int choose_override_mechanism(Planner *p, HookClass class, const char *function,
                                     HookMechanism *ret) {
        const EngineCapabilities *c = p->caps;
        char why[ENGINE_DETAIL_MAX + 64];

        switch (class) {
        case HOOK_CLASS_LSM:
                return choose_mechanism(p, class, function, ret);
        case HOOK_CLASS_SYSCALL:
        case HOOK_CLASS_SYSCALL_TABLE:
                if (mechanism_usable(c, HOOK_MECHANISM_FMOD_RET) && c->fmod_ret_syscall &&
                    function_usable(c, HOOK_MECHANISM_FMOD_RET, function)) {
                        *ret = HOOK_MECHANISM_FMOD_RET;
                        return 0;
                }
                fmod_ret_syscall_why_not(c, why, sizeof(why));
                return refuse(p,
                              "action Override on a system call needs fmod_ret on the "
                              "syscall's function, which the kernel allows only with function "
                              "error injection (CONFIG_FUNCTION_ERROR_INJECTION): %s; %s. Hook "
                              "the LSM hook that guards the operation instead (lsmhooks, "
                              "e.g. file_permission or file_open)",
                              why,
                              c->override_return ? "bpf_override_return() is not used by this "
                                                   "engine yet"
                                                 : "nor is there bpf_override_return()");
        case HOOK_CLASS_KERNEL_FUNCTION:
        case HOOK_CLASS_FENTRY:
                /* Whether the function allows it only the load can tell (security_*
                 * functions do; others need error injection): the attach reports it. */
                if (mechanism_usable(c, HOOK_MECHANISM_FMOD_RET) &&
                    function_usable(c, HOOK_MECHANISM_FMOD_RET, function)) {
                        *ret = HOOK_MECHANISM_FMOD_RET;
                        return 0;
                }
                if (mechanism_usable(c, HOOK_MECHANISM_FMOD_RET))
                        snprintf(why, sizeof(why),
                                 "%s is not in the kernel's BTF, or ftrace cannot trace it",
                                 function);
                else
                        mechanism_why_not(c, HOOK_MECHANISM_FMOD_RET, why, sizeof(why));
                return refuse(p, "action Override on a kernel function needs fmod_ret: %s%s", why,
                              c->override_return ? "; bpf_override_return() is not used by "
                                                   "this engine yet"
                                                 : "");
        case HOOK_CLASS_TRACEPOINT:
        case HOOK_CLASS_RAW_TRACEPOINT:
        case HOOK_CLASS_UPROBE:
        case HOOK_CLASS_USDT:
        case _HOOK_CLASS_MAX:
                break;
        }
        return refuse(p, "action Override: a %s has no return value BPF can change",
                      class == HOOK_CLASS_UPROBE ? "uprobe"
                      : class == HOOK_CLASS_USDT ? "usdt"
                                                 : "tracepoint");
}

static HookClass hook_class(const struct tg_policy_hook *h) {
        switch ((enum tg_policy_hook_kind) h->kind) {
        case TG_POLICY_HOOK_KPROBE:
                return h->flags & TG_POLICY_HOOK_SYSCALL ? HOOK_CLASS_SYSCALL
                                                         : HOOK_CLASS_KERNEL_FUNCTION;
        case TG_POLICY_HOOK_FENTRY:
                return h->flags & TG_POLICY_HOOK_SYSCALL ? HOOK_CLASS_SYSCALL : HOOK_CLASS_FENTRY;
        case TG_POLICY_HOOK_TRACEPOINT:
                return h->flags & TG_POLICY_HOOK_RAW ? HOOK_CLASS_RAW_TRACEPOINT
                                                     : HOOK_CLASS_TRACEPOINT;
        case TG_POLICY_HOOK_LSM:
                return HOOK_CLASS_LSM;
        case TG_POLICY_HOOK_UPROBE:
                return HOOK_CLASS_UPROBE;
        case TG_POLICY_HOOK_USDT:
                return HOOK_CLASS_USDT;
        }
        return HOOK_CLASS_UPROBE;
}

/* One attach point of a binary: the hook's symbol, offset or address number
 * info->target (the compiler made one hook of each). */
static int plan_uprobe(Planner *p, const CompiledHookInfo *info, HookPlan *out) {
        size_t t = info->target;
        int r;

        if (!info->path || info->path[0] != '/')
                return refuse(p, "the uprobe's path must be absolute");
        if (t < info->n_ref_ctr_offsets)
                out->ref_ctr_offset = info->ref_ctr_offsets[t];
        if (t < info->n_symbols)
                out->function = strdup(info->symbols[t]);
        else if (t - info->n_symbols < info->n_offsets) {
                out->has_offset = true;
                out->offset = info->offsets[t - info->n_symbols];
                r = asprintf(&out->function, "0x%" PRIx64, out->offset);
                if (r < 0)
                        out->function = NULL;
        } else if (t - info->n_symbols - info->n_offsets < info->n_addrs) {
                out->has_offset = true;
                out->offset_is_address = true;
                out->offset = info->addrs[t - info->n_symbols - info->n_offsets];
                r = asprintf(&out->function, "@0x%" PRIx64, out->offset);
                if (r < 0)
                        out->function = NULL;
        } else
                return refuse(p, "a uprobe needs symbols, offsets or addrs");
        /* The uretprobe is attached by symbol. */
        if (out->has_offset && (p->policy->hooks[p->hook].flags & TG_POLICY_HOOK_AT_RETURN))
                return refuse(p, "a return probe on a uprobe's offset or address is not "
                                 "implemented by this engine yet: name the function in symbols");
        out->path = strdup(info->path);
        return out->function && out->path ? 0 : -ENOMEM;
}

/* A USDT probe of a binary, found by libbpf in the binary's notes at attach. */
static int plan_usdt(Planner *p, const CompiledHookInfo *info, HookPlan *out) {
        if (!info->path || info->path[0] != '/')
                return refuse(p, "the usdt's path must be absolute");
        if (!info->provider || !info->usdt_name || strchr(info->provider, ':'))
                return refuse(p, "a usdt needs a provider and a name");
        if (asprintf(&out->function, "%s:%s", info->provider, info->usdt_name) < 0) {
                out->function = NULL;
                return -ENOMEM;
        }
        out->path = strdup(info->path);
        return out->path ? 0 : -ENOMEM;
}

/* Whether a Post of h asks for imaHash (the compiler keeps it only on lsmhooks). */
static bool hook_wants_ima_hash(const CompiledPolicy *c, const struct tg_policy_hook *h) {
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];

                for (uint32_t a = 0; a < sel->n_actions; a++) {
                        const struct tg_policy_action *act = &c->actions[sel->action_first + a];

                        if (act->type == TG_ACTION_POST && (act->flags & TG_ACTION_IMA_HASH))
                                return true;
                }
        }
        return false;
}

/* imaHash hashes the hook's first argument, as Tetragon's: what the policy declares it is. */
static uint8_t hook_ima_arg(const struct tg_policy_hook *h) {
        for (uint32_t i = 0; i < h->n_args && i < ELEMENTSOF(h->arg_type); i++) {
                if (h->arg_index[i] != 0)
                        continue;
                if (h->arg_type[i] == TG_ARG_FILE)
                        return TG_POLICY_IMA_FILE;
                if (h->arg_type[i] == TG_ARG_LINUX_BINPRM)
                        return TG_POLICY_IMA_LINUX_BINPRM;
        }
        return TG_POLICY_IMA_NONE;
}

/* Post with imaHash: bpf_ima_file_hash() may sleep, so only a sleepable BPF LSM program may
 * call it. Checked before the mechanism, so that the refusal names imaHash. */
static int check_ima_hash(Planner *p, const struct tg_policy_hook *h, HookClass class,
                          HookPlan *out) {
        char why[ENGINE_DETAIL_MAX + 64];

        if (!hook_wants_ima_hash(p->policy, h))
                return 0;
        if (class != HOOK_CLASS_LSM)
                return refuse(p, "action Post: imaHash works only on lsmhooks");
        if (!p->caps->kernel[HOOK_MECHANISM_LSM] ||
            (p->caps->disabled & (1U << HOOK_MECHANISM_LSM))) {
                mechanism_why_not(p->caps, HOOK_MECHANISM_LSM, why, sizeof(why));
                return refuse(p,
                              "action Post: imaHash needs bpf_ima_file_hash(), which only a "
                              "sleepable BPF LSM program may call, and %s",
                              why);
        }
        out->ima = hook_ima_arg(h);
        if (out->ima == TG_POLICY_IMA_NONE)
                return refuse(p, "action Post: imaHash hashes the hook's first argument (index 0), "
                                 "which args must declare as type file or linux_binprm");
        return 0;
}

static int plan_hook(Planner *p, HookPlan *out) {
        const CompiledPolicy *c = p->policy;
        const struct tg_policy_hook *h = &c->hooks[p->hook];
        const CompiledHookInfo *info = &c->hook_info[p->hook];
        HookClass class = p->class;
        HookMechanism m = HOOK_MECHANISM_NONE;
        int r;

        out->hook = p->hook;
        out->syscall_nr = -1;
        if ((class == HOOK_CLASS_SYSCALL || class == HOOK_CLASS_SYSCALL_TABLE ||
             class == HOOK_CLASS_KERNEL_FUNCTION || class == HOOK_CLASS_FENTRY) &&
            hook_only_tracks_fds(c, h)) {
                out->mechanism = HOOK_MECHANISM_NONE;
                out->function = strdup(strempty(p->call));
                out->status = strdup("none: its only actions track fds (FollowFD/UnfollowFD/"
                                     "CopyFD), and fd arguments are resolved from the task's "
                                     "file table in the kernel");
                return out->function && out->status ? 0 : -ENOMEM;
        }
        r = check_return(p, h, class);
        if (r < 0)
                return r;

        p->syscall = class == HOOK_CLASS_SYSCALL || class == HOOK_CLASS_SYSCALL_TABLE;
        p->user = class == HOOK_CLASS_UPROBE || class == HOOK_CLASS_USDT;
        p->usdt = class == HOOK_CLASS_USDT;
        p->tracepoint = class == HOOK_CLASS_TRACEPOINT;
        if (p->tracepoint || class == HOOK_CLASS_RAW_TRACEPOINT) {
                if (asprintf(&out->function, "%s/%s", strempty(info->subsystem),
                             strempty(info->event)) < 0) {
                        out->function = NULL;
                        return -ENOMEM;
                }
        } else if (p->user) {
                r = p->usdt ? plan_usdt(p, info, out) : plan_uprobe(p, info, out);
                if (r < 0)
                        return r;
        } else if (p->syscall) {
                int nr = syscall_from_name(p->call);

                if (nr < 0 || nr >= 1024)
                        return refuse(p, "no system call named \"%s\" on this architecture",
                                      strempty(p->call));
                out->syscall_nr = nr;
                if (asprintf(&out->function, "%ssys_%s", syscall_function_prefix(),
                             syscall_to_name((unsigned) nr)) < 0) {
                        out->function = NULL;
                        return -ENOMEM;
                }
        } else {
                out->function = strdup(strempty(class == HOOK_CLASS_LSM ? info->hook : p->call));
                if (!out->function)
                        return -ENOMEM;
        }

        r = check_ima_hash(p, h, class, out);
        if (r < 0)
                return r;
        if (hook_overrides(c, h))
                r = choose_override_mechanism(p, class, out->function, &m);
        else
                r = choose_mechanism(p, class, out->function, &m);
        if (r < 0)
                return r;
        out->mechanism = m;

        r = check_args(p, h, out);
        if (r < 0)
                return r;
        for (uint32_t s = 0; s < h->n_selectors; s++) {
                const struct tg_policy_selector *sel = &c->selectors[h->selector_first + s];

                for (uint32_t f = 0; f < sel->n_filters; f++) {
                        r = check_filter(p, h, s, &c->filters[sel->filter_first + f]);
                        if (r < 0)
                                return r;
                }
                for (uint32_t a = 0; a < (uint32_t) sel->n_actions + sel->n_return_actions; a++) {
                        r = check_action(p, h, s, &c->actions[sel->action_first + a]);
                        if (r < 0)
                                return r;
                }
        }

        if ((h->flags & TG_POLICY_HOOK_AT_RETURN) && return_mechanism_name(m)) {
                if (asprintf(&out->status, "%s + %s", mechanisms[m].name,
                             return_mechanism_name(m)) < 0)
                        out->status = NULL;
        } else
                out->status = strdup(mechanisms[m].name);
        return out->status ? 0 : -ENOMEM;
}

/* A new entry at the end of the plan. */
static int plan_append(Planner *p, HookPlan **ret) {
        PolicyPlan *plan = p->plan;

        if (plan->n_hooks == p->n_allocated) {
                size_t n = p->n_allocated * 2;
                HookPlan *grown = reallocarray(plan->hooks, n, sizeof(HookPlan));

                if (!grown)
                        return -ENOMEM;
                memset(grown + p->n_allocated, 0, (n - p->n_allocated) * sizeof(HookPlan));
                plan->hooks = grown;
                p->n_allocated = n;
        }
        *ret = &plan->hooks[plan->n_hooks++];
        return 0;
}

/* One entry of a call list: a hook of its own, with the list's hook's args and selectors. */
static int plan_list_entry(Planner *p, const char *list_hook_name, const char *entry,
                           HookClass class) {
        HookPlan *out;
        int r;

        r = plan_append(p, &out);
        if (r < 0)
                return r;
        if (asprintf(&out->name, "%s %s", list_hook_name, entry) < 0) {
                out->name = NULL;
                return -ENOMEM;
        }
        p->where = out->name;
        p->call = entry;
        p->class = class;
        r = plan_hook(p, out);
        if (r < 0)
                return r;
        /* An entry named twice ("sys_dup", "dup") is hooked once. */
        for (size_t i = 0; i + 1 < p->plan->n_hooks; i++) {
                HookPlan *h = &p->plan->hooks[i];

                if (h->hook == out->hook && streq(strempty(h->function), strempty(out->function))) {
                        free(out->name);
                        free(out->function);
                        free(out->path);
                        free(out->status);
                        *out = (HookPlan){};
                        p->plan->n_hooks--;
                        break;
                }
        }
        return 0;
}

static char **strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);

static bool strv_contains(char **v, const char *s) {
        for (size_t i = 0; v && v[i]; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

/* The names of the syscalls the kernel has ("getppid"), from the functions ftrace lists:
 * __x64_sys_X, or what it is an alias of (__do_sys_X for syscalls without arguments),
 * or __se_sys_X. NULL when it cannot say. */
static char **kernel_syscalls(Planner *p) {
        const size_t max = 8 * PLAN_SYSCALL_WORDS * 64;
        char **ret = NULL;
        size_t n = 0;

        if (!p->caps->functions_matching ||
            p->caps->functions_matching("^(__[a-z0-9]+_)?sys_", max, &ret, p->caps->userdata) < 0)
                return NULL;
        for (; ret[n]; n++) {
                const char *name = strstr(ret[n], "sys_") + strlen("sys_");

                memmove(ret[n], name, strlen(name) + 1);
        }
        /* Nothing listed, or maybe not everything: no help. */
        if (n == 0 || n >= max)
                ret = strv_free(ret);
        return ret;
}

/* generated_ftrace: the kernel's traceable functions matching the list's pattern, each a
 * kernel-function hook. */
static int plan_ftrace_list(Planner *p, const char *name, const CompiledList *l) {
        _cleanup_(strv_freep) char **functions = NULL;
        HookMechanism m;
        size_t n = 0;
        int r;

        /* Kernel functions: only fentry and kprobes reach them. */
        r = choose_mechanism(p, HOOK_CLASS_KERNEL_FUNCTION, strempty(l->pattern), &m);
        if (r < 0)
                return r;
        if (!p->caps->functions_matching)
                return refuse(p,
                              "list \"%s\": the kernel's functions cannot be listed here, so a "
                              "generated_ftrace list cannot be expanded",
                              l->name);
        r = p->caps->functions_matching(strempty(l->pattern), PLAN_FTRACE_FUNCTIONS_MAX + 1,
                                        &functions, p->caps->userdata);
        if (r == -EINVAL)
                return refuse(p, "list \"%s\": pattern \"%s\" is not a valid regular expression",
                              l->name, strempty(l->pattern));
        if (r < 0)
                return refuse(p, "list \"%s\": reading the kernel's functions failed: %s", l->name,
                              strerror(-r));
        while (functions[n])
                n++;
        if (n == 0)
                return refuse(p, "list \"%s\": no kernel function matches pattern \"%s\"", l->name,
                              strempty(l->pattern));
        if (n > PLAN_FTRACE_FUNCTIONS_MAX)
                return refuse(p,
                              "list \"%s\": pattern \"%s\" matches %zu kernel functions, more "
                              "than the %u this engine hooks from one list",
                              l->name, strempty(l->pattern), n, PLAN_FTRACE_FUNCTIONS_MAX);
        for (size_t i = 0; i < n; i++) {
                r = plan_list_entry(p, name, functions[i], HOOK_CLASS_KERNEL_FUNCTION);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "call: list:NAME": one hook per entry of the list, each with its own mechanism. A list
 * of syscalls gives syscall hooks (on this kind of machine, one sys_enter point per number);
 * generated_syscalls is every syscall of the architecture's table. Any other list names
 * kernel functions. */
static int plan_call_list(Planner *p, const char *name) {
        const CompiledPolicy *c = p->policy;
        const CompiledHookInfo *info = &c->hook_info[p->hook];
        const CompiledList *l;
        char entry[64];
        int r;

        if (info->call_list < 0 || (size_t) info->call_list >= c->n_lists)
                return refuse(p, "the hook's call names a list that is not there");
        l = &c->lists[info->call_list];
        switch (l->type) {
        case POLICY_LIST_GENERATED_SYSCALLS: {
                _cleanup_(strv_freep) char **present = kernel_syscalls(p);

                for (unsigned nr = 0; nr < MIN(syscall_max(), PLAN_SYSCALL_WORDS * 64U); nr++) {
                        const char *s = syscall_to_name(nr);

                        if (!s)
                                continue;
                        /* The table may know syscalls newer than the kernel. */
                        if (present && !strv_contains(present, s))
                                continue;
                        snprintf(entry, sizeof(entry), "sys_%s", s);
                        r = plan_list_entry(p, name, entry, HOOK_CLASS_SYSCALL_TABLE);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        case POLICY_LIST_SYSCALLS:
                for (size_t i = 0; i < l->n_values; i++) {
                        if (list_entry_syscall(l->values[i]) < 0) {
                                p->where = name;
                                return refuse_list_entry(p, "", l, l->values[i]);
                        }
                        if (startswith(l->values[i], "__ia32_")) {
                                p->where = name;
                                return refuse(p,
                                              "list \"%s\": hooking %s, a 32-bit (i386) "
                                              "system call, is not implemented by this engine "
                                              "yet: its syscall hooks see 64-bit calls; such "
                                              "lists serve InMap on a syscall64 argument and "
                                              "enforcers",
                                              l->name, l->values[i]);
                        }
                        r = plan_list_entry(p, name, l->values[i], HOOK_CLASS_SYSCALL);
                        if (r < 0)
                                return r;
                }
                return 0;
        case POLICY_LIST_PLAIN:
                for (size_t i = 0; i < l->n_values; i++) {
                        r = plan_list_entry(p, name, l->values[i], p->class);
                        if (r < 0)
                                return r;
                }
                return 0;
        case POLICY_LIST_GENERATED_FTRACE:
                return plan_ftrace_list(p, name, l);
        }
        return refuse(p, "list \"%s\" is of a type this engine does not know", l->name);
}

/* spec.enforcers: the syscalls where a task marked by NotifyEnforcer gets its signal. The
 * enforcer runs when the syscall returns (tp_btf/sys_exit): after every hook of the call,
 * whichever program serves them, so a notifier on the same syscall always comes first. */
static int plan_enforcer(Planner *p) {
        const CompiledPolicy *c = p->policy;
        uint64_t bits[PLAN_SYSCALL_WORDS];

        /* The enforcer's program is a tp_btf one, like tp_btf/sys_enter's. */
        if (!p->caps->kernel[HOOK_MECHANISM_SYS_ENTER])
                return refuse(p,
                              "enforcers need a tp_btf program where syscalls return "
                              "(tp_btf/sys_exit): not available on this kernel (%s)",
                              p->caps->kernel_detail[HOOK_MECHANISM_SYS_ENTER]);
        if (!p->caps->send_signal)
                return refuse(p, "enforcers need bpf_send_signal(), which this kernel refuses");
        for (size_t i = 0; i < c->n_enforcer_calls; i++) {
                const char *call = c->enforcer_calls[i], *ref = startswith(call, "list:");
                const CompiledList *l = NULL;
                const char *bad = NULL;
                int nr;

                if (ref)
                        for (size_t j = 0; j < c->n_lists; j++)
                                if (streq(c->lists[j].name, ref))
                                        l = &c->lists[j];
                if (ref && (!l || !list_is_syscalls(l)))
                        return refuse(p, "enforcer: %s is not a list of system calls", call);
                if (l) {
                        if (policy_list_syscalls(l, bits, &bad) < 0)
                                return refuse_list_entry(p, "enforcer: ", l, bad);
                        for (size_t w = 0; w < PLAN_SYSCALL_WORDS; w++)
                                p->plan->enforced[w] |= bits[w];
                        continue;
                }
                nr = list_entry_syscall(call);
                if (nr < 0)
                        return refuse(p,
                                      "enforcer: no 64-bit system call named \"%s\" on this "
                                      "architecture",
                                      call);
                p->plan->enforced[nr / 64] |= 1ULL << (nr % 64);
        }
        p->plan->has_enforcer = true;
        return 0;
}

PolicyPlan *policy_plan_free(PolicyPlan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_hooks; i++) {
                free(p->hooks[i].name);
                free(p->hooks[i].function);
                free(p->hooks[i].path);
                free(p->hooks[i].status);
        }
        free(p->hooks);
        return mfree(p);
}

int policy_plan_build(const CompiledPolicy *policy, const EngineCapabilities *caps,
                      PolicyPlan **ret, char **ret_error) {
        _cleanup_(policy_plan_freep) PolicyPlan *plan = NULL;
        size_t per_kind[_POLICY_HOOK_KIND_MAX] = {};
        Planner p = { .policy = policy, .caps = caps };
        int r;

        *ret_error = NULL;
        plan = calloc(1, sizeof(PolicyPlan));
        if (!plan)
                return -ENOMEM;
        plan->hooks = calloc(MAX(policy->n_hooks, (size_t) 1), sizeof(HookPlan));
        if (!plan->hooks)
                return -ENOMEM;
        p.plan = plan;
        p.n_allocated = MAX(policy->n_hooks, (size_t) 1);

        if (policy->kubernetes_only)
                r = refuse(&p,
                           "this host has no Kubernetes, and the policy only applies there "
                           "(%s)",
                           strempty(policy->kubernetes_reason));
        else if (policy->has_units && !caps->kernel[HOOK_MECHANISM_RAW_TRACEPOINT])
                r = refuse(&p,
                           "unitSelector follows the units' cgroups with tp_btf/cgroup_mkdir, "
                           "which this kernel does not offer: %s",
                           caps->kernel_detail[HOOK_MECHANISM_RAW_TRACEPOINT]);
        else
                r = 0;
        if (r < 0)
                goto fail;

        for (size_t i = 0; i < policy->n_hooks; i++) {
                const CompiledHookInfo *info = &policy->hook_info[i];
                PolicyHookKind kind =
                        info->kind < _POLICY_HOOK_KIND_MAX ? info->kind : POLICY_HOOK_KPROBE;
                _cleanup_free_ char *name = NULL;
                HookPlan *out;

                /* The copies of a uprobe on several targets keep its number. */
                if (info->target == 0)
                        per_kind[kind]++;
                if (asprintf(&name, "%s[%zu] %s", section_name(kind),
                             per_kind[kind] > 0 ? per_kind[kind] - 1 : 0, strempty(info->name)) < 0)
                        return -ENOMEM;
                p.hook = i;
                p.call = info->call;
                p.class = hook_class(&policy->hooks[i]);
                if (policy->hooks[i].flags & TG_POLICY_HOOK_CALL_LIST) {
                        p.where = name;
                        r = plan_call_list(&p, name);
                } else {
                        r = plan_append(&p, &out);
                        if (r < 0)
                                return r;
                        out->name = TAKE_PTR(name);
                        p.where = out->name;
                        r = plan_hook(&p, out);
                }
                if (r < 0)
                        goto fail;
        }
        p.where = NULL;
        if (policy->n_enforcer_calls > 0) {
                r = plan_enforcer(&p);
                if (r < 0)
                        goto fail;
        }

        *ret = TAKE_PTR(plan);
        return 0;

fail:
        if (r == -EOPNOTSUPP) {
                *ret_error = TAKE_PTR(p.error);
                return r;
        }
        free(p.error);
        return r;
}
