/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The policy document: what a TracingPolicy file says, as typed structs, with
 * the source position of everything a later stage may need to point at.
 *
 * Stages: policy-parse.c builds it from YAML and validates it (every error is
 * a positioned diagnostic); policy-compile.c turns it into flat arrays for the
 * BPF side. Everything of one PolicyFile lives in its arena.
 *
 * The parser knows every name Tetragon knows (argument types, operators,
 * actions); which of them the engine implements is decided at install time.
 */

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diagnostic.h"

/* Limits of the language as this project implements it. Each one is checked
 * by the parser with an error that names the limit. */
#define POLICY_MAX_NAME_LENGTH 253U      /* metadata.name: a DNS-1123 subdomain */
#define POLICY_MAX_HOOKS 64U             /* kprobes + tracepoints + ... in one policy */
#define POLICY_MAX_ARGS 5U               /* args per hook (Tetragon reads 5) */
#define POLICY_MAX_FUNCTION_ARG_INDEX 4U /* kprobe/fentry/lsm/uprobe argument positions 0..4 */
#define POLICY_MAX_TRACEPOINT_FIELD 63U  /* tracepoint format field positions 0..63 */
#define POLICY_MAX_USDT_ARG_INDEX 11U    /* USDT notes carry up to 12 arguments */
#define POLICY_MAX_DATA 5U               /* data entries per kprobe */
#define POLICY_MAX_SELECTORS 5U          /* selectors per hook */
#define POLICY_MAX_ARG_FILTERS 5U        /* matchArgs + matchData per selector */
#define POLICY_MAX_PID_FILTERS 4U        /* matchPIDs entries per selector */
#define POLICY_MAX_PID_VALUES 4U         /* values per matchPIDs entry */
#define POLICY_MAX_NAMESPACE_FILTERS 10U /* matchNamespaces entries (one per namespace type) */
#define POLICY_MAX_NAMESPACE_VALUES 4U   /* values per matchNamespaces entry */
#define POLICY_MAX_CAPABILITY_FILTERS 4U /* matchCapabilities (or ...Changes) entries */
#define POLICY_MAX_NUMERIC_VALUES 4U     /* values of a numeric Equal/GT/Mask/InRange... filter */
#define POLICY_MAX_VALUES 64U           /* values of any other filter (strings, addresses, ports) */
#define POLICY_MAX_ACTIONS 3U           /* matchActions (or matchReturnActions) per selector */
#define POLICY_MAX_STRING_VALUE 255U    /* bytes of a string compared with Equal or Prefix */
#define POLICY_MAX_POSTFIX_VALUE 127U   /* bytes of a Postfix string (matched backwards) */
#define POLICY_MAX_SUBSTRING_VALUE 100U /* bytes of a SubString value */
#define POLICY_MAX_BINARY_PATH 255U     /* bytes of a matchBinaries path */
#define POLICY_MAX_MESSAGE 256U         /* bytes of a hook message */
#define POLICY_MAX_UNITS 16U            /* unitSelector values */
#define POLICY_MAX_UNIT_NAME 63U        /* bytes of a unit name (the kernel compares 64) */
#define POLICY_MAX_TAGS 16U             /* tags per hook */
#define POLICY_MAX_TAG_LENGTH 128U      /* bytes of one tag */
#define POLICY_MAX_LISTS 16U            /* spec.lists entries */
#define POLICY_MAX_LIST_VALUES 512U     /* values of one list */
#define POLICY_MAX_UPROBE_TARGETS 64U   /* symbols, offsets or addrs of one uprobe */
#define POLICY_MAX_MACROS 32U           /* spec.selectorsMacros entries */
#define POLICY_MAX_OPTIONS 16U          /* spec.options entries */
#define POLICY_MAX_LABELS 64U           /* entries of a label map (annotations, matchLabels) */
#define POLICY_MAX_RATE_LIMIT_MS UINT32_MAX /* rateLimit, stored in milliseconds (~49 days) */

typedef struct PolicyPosition {
        unsigned line, column;
} PolicyPosition;

typedef enum PolicyKind {
        POLICY_KIND_TRACING_POLICY,
        POLICY_KIND_TRACING_POLICY_NAMESPACED,
} PolicyKind;

typedef enum PolicyHookKind {
        POLICY_HOOK_KPROBE,
        POLICY_HOOK_FENTRY,
        POLICY_HOOK_TRACEPOINT,
        POLICY_HOOK_UPROBE,
        POLICY_HOOK_LSM,
        POLICY_HOOK_USDT,
        _POLICY_HOOK_KIND_MAX,
} PolicyHookKind;

/* Every argument type Tetragon's CRD names, plus the aliases its parser takes. */
typedef enum PolicyArgType {
        POLICY_ARG_AUTO,
        POLICY_ARG_INT,
        POLICY_ARG_INT8,
        POLICY_ARG_UINT8,
        POLICY_ARG_INT16,
        POLICY_ARG_UINT16,
        POLICY_ARG_INT32,
        POLICY_ARG_UINT32,
        POLICY_ARG_INT64,
        POLICY_ARG_UINT64,
        POLICY_ARG_LONG,
        POLICY_ARG_ULONG,
        POLICY_ARG_SIZE_T,
        POLICY_ARG_SYSCALL64,
        POLICY_ARG_CHAR_BUF,
        POLICY_ARG_CHAR_IOVEC,
        POLICY_ARG_CONST_BUF,
        POLICY_ARG_STRING,
        POLICY_ARG_DATA_LOC,
        POLICY_ARG_FD,
        POLICY_ARG_FILE,
        POLICY_ARG_FILENAME,
        POLICY_ARG_PATH,
        POLICY_ARG_DENTRY,
        POLICY_ARG_LINUX_BINPRM,
        POLICY_ARG_SOCK,
        POLICY_ARG_SOCKET,
        POLICY_ARG_SOCKADDR,
        POLICY_ARG_SOCKADDR_UN,
        POLICY_ARG_SKB,
        POLICY_ARG_NET_DEVICE,
        POLICY_ARG_NOP,
        POLICY_ARG_BPF_ATTR,
        POLICY_ARG_BPF_CMD,
        POLICY_ARG_BPF_MAP,
        POLICY_ARG_BPF_PROG,
        POLICY_ARG_PERF_EVENT,
        POLICY_ARG_USER_NAMESPACE,
        POLICY_ARG_CAPABILITY,
        POLICY_ARG_KERNEL_CAP_T,
        POLICY_ARG_CAP_INHERITABLE,
        POLICY_ARG_CAP_PERMITTED,
        POLICY_ARG_CAP_EFFECTIVE,
        POLICY_ARG_CRED,
        POLICY_ARG_KIOCB,
        POLICY_ARG_IOV_ITER,
        POLICY_ARG_LOAD_INFO,
        POLICY_ARG_MODULE,
        _POLICY_ARG_TYPE_MAX,
} PolicyArgType;

/* What kind of value an argument type carries, which decides the operators. */
typedef enum PolicyArgClass {
        POLICY_ARG_CLASS_SIGNED,     /* signed integers */
        POLICY_ARG_CLASS_UNSIGNED,   /* unsigned integers */
        POLICY_ARG_CLASS_STRING,     /* strings and buffers */
        POLICY_ARG_CLASS_FILE,       /* resolved to a path */
        POLICY_ARG_CLASS_NETWORK,    /* sockets, skbs, addresses */
        POLICY_ARG_CLASS_CAPABILITY, /* capability masks */
        POLICY_ARG_CLASS_OPAQUE,     /* printed, never compared */
} PolicyArgClass;

typedef enum PolicyOperator {
        POLICY_OP_INVALID,
        POLICY_OP_EQUAL,
        POLICY_OP_NOT_EQUAL,
        POLICY_OP_PREFIX,
        POLICY_OP_NOT_PREFIX,
        POLICY_OP_POSTFIX,
        POLICY_OP_NOT_POSTFIX,
        POLICY_OP_GREATER_THAN,
        POLICY_OP_LESS_THAN,
        POLICY_OP_MASK,
        POLICY_OP_IN_RANGE,
        POLICY_OP_NOT_IN_RANGE,
        POLICY_OP_IN_MAP,
        POLICY_OP_NOT_IN_MAP,
        POLICY_OP_SPORT,
        POLICY_OP_NOT_SPORT,
        POLICY_OP_SPORT_PRIV,
        POLICY_OP_NOT_SPORT_PRIV,
        POLICY_OP_DPORT,
        POLICY_OP_NOT_DPORT,
        POLICY_OP_DPORT_PRIV,
        POLICY_OP_NOT_DPORT_PRIV,
        POLICY_OP_SADDR,
        POLICY_OP_NOT_SADDR,
        POLICY_OP_DADDR,
        POLICY_OP_NOT_DADDR,
        POLICY_OP_PROTOCOL,
        POLICY_OP_FAMILY,
        POLICY_OP_STATE,
        POLICY_OP_CAPABILITIES_GAINED,
        POLICY_OP_SUBSTRING,
        POLICY_OP_SUBSTRING_IGNORE_CASE,
        POLICY_OP_FILE_TYPE,
        POLICY_OP_NOT_FILE_TYPE,
        POLICY_OP_CEL_EXPR,
        POLICY_OP_IN, /* matchPIDs, matchBinaries, matchNamespaces, ... */
        POLICY_OP_NOT_IN,
        POLICY_OP_SAME_FILE, /* tetragond extension */
        POLICY_OP_NOT_SAME_FILE,
        _POLICY_OP_MAX,
} PolicyOperator;

typedef enum PolicyActionType {
        POLICY_ACTION_POST,
        POLICY_ACTION_FOLLOW_FD,
        POLICY_ACTION_UNFOLLOW_FD,
        POLICY_ACTION_COPY_FD,
        POLICY_ACTION_SIGKILL,
        POLICY_ACTION_SIGNAL,
        POLICY_ACTION_OVERRIDE,
        POLICY_ACTION_GET_URL,
        POLICY_ACTION_DNS_LOOKUP,
        POLICY_ACTION_NO_POST,
        POLICY_ACTION_TRACK_SOCK,
        POLICY_ACTION_UNTRACK_SOCK,
        POLICY_ACTION_NOTIFY_ENFORCER,
        POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION,
        POLICY_ACTION_SET,
        _POLICY_ACTION_TYPE_MAX,
} PolicyActionType;

typedef enum PolicyRateLimitScope {
        POLICY_RATE_LIMIT_THREAD,
        POLICY_RATE_LIMIT_PROCESS,
        POLICY_RATE_LIMIT_GLOBAL,
} PolicyRateLimitScope;

typedef enum PolicyNamespaceType {
        POLICY_NS_UTS,
        POLICY_NS_IPC,
        POLICY_NS_MNT,
        POLICY_NS_PID,
        POLICY_NS_PID_FOR_CHILDREN,
        POLICY_NS_NET,
        POLICY_NS_TIME,
        POLICY_NS_TIME_FOR_CHILDREN,
        POLICY_NS_CGROUP,
        POLICY_NS_USER,
        _POLICY_NS_MAX,
} PolicyNamespaceType;

typedef enum PolicyCapabilitySet {
        POLICY_CAPS_EFFECTIVE,
        POLICY_CAPS_INHERITABLE,
        POLICY_CAPS_PERMITTED,
} PolicyCapabilitySet;

typedef enum PolicyListType {
        POLICY_LIST_PLAIN, /* no type: values used as they are */
        POLICY_LIST_SYSCALLS,
        POLICY_LIST_GENERATED_SYSCALLS,
        POLICY_LIST_GENERATED_FTRACE,
} PolicyListType;

typedef enum PolicyMode {
        POLICY_MODE_DEFAULT, /* not set: the daemon's default */
        POLICY_MODE_ENFORCE,
        POLICY_MODE_MONITOR,
} PolicyMode;

typedef enum PolicyOverrideMethod {
        POLICY_OVERRIDE_DEFAULT,
        POLICY_OVERRIDE_RETURN,
        POLICY_OVERRIDE_FMOD_RET,
} PolicyOverrideMethod;

/* What a parsed value is; the parser fills the matching fields. */
typedef enum PolicyValueKind {
        POLICY_VALUE_STRING,  /* text, text_length */
        POLICY_VALUE_NUMBER,  /* number (as the bits of an int64 or uint64) */
        POLICY_VALUE_RANGE,   /* number .. number_end, inclusive */
        POLICY_VALUE_ADDRESS, /* address, prefix_length, family */
        POLICY_VALUE_LIST,    /* "list:NAME": list is an index into Policy.lists */
} PolicyValueKind;

typedef struct PolicyValue {
        PolicyPosition pos;
        PolicyValueKind kind;
        char *text; /* as written (after YAML unquoting); may contain a NUL byte */
        size_t text_length;
        uint64_t number, number_end;
        uint8_t address[16]; /* network byte order */
        uint8_t prefix_length;
        uint8_t family; /* AF_INET or AF_INET6 */
        uint32_t list;
} PolicyValue;

typedef struct PolicyArg {
        PolicyPosition pos;
        uint32_t index; /* function argument / tracepoint field / USDT argument */
        PolicyArgType type;
        PolicyPosition type_pos;
        uint32_t size_arg_index; /* 1-based; 0: none */
        bool return_copy;
        bool max_data;
        char *label;
        char *resolve;
        char *btf_type;
        char *btf_type_module;
        char *source;
} PolicyArg;

/* matchArgs, matchData and matchReturnArgs entries. */
typedef struct PolicyArgFilter {
        PolicyPosition pos;
        PolicyPosition operator_pos;
        PolicyOperator op;
        uint32_t index; /* as written */
        uint32_t *args; /* "args:" positions in the hook's args list, as written */
        size_t n_args;
        uint32_t arg;       /* resolved: position in the hook's args (or data) list */
        uint32_t arg2;      /* resolved second position (CapabilitiesGained) */
        PolicyArgType type; /* resolved: type of that argument */
        PolicyValue *values;
        size_t n_values;
} PolicyArgFilter;

typedef struct PolicyPIDFilter {
        PolicyPosition pos;
        PolicyOperator op;
        bool follow_forks;
        bool is_namespace_pid;
        uint32_t *values;
        size_t n_values;
} PolicyPIDFilter;

/* matchBinaries and matchParentBinaries entries. */
typedef struct PolicyBinaryFilter {
        PolicyPosition pos;
        PolicyOperator op;
        bool follow_children;
        PolicyValue *values;
        size_t n_values;
} PolicyBinaryFilter;

typedef struct PolicyNamespaceFilter {
        PolicyPosition pos;
        PolicyNamespaceType namespace;
        PolicyOperator op;
        uint32_t *values;
        bool *host_ns; /* per value: "host_ns", resolved when the policy is installed */
        size_t n_values;
} PolicyNamespaceFilter;

typedef struct PolicyNamespaceChangeFilter {
        PolicyPosition pos;
        PolicyOperator op;
        uint32_t namespaces; /* bit (1 << PolicyNamespaceType) per value */
} PolicyNamespaceChangeFilter;

/* matchCapabilities and matchCapabilityChanges entries. */
typedef struct PolicyCapabilityFilter {
        PolicyPosition pos;
        PolicyCapabilitySet set;
        PolicyOperator op;
        bool is_namespace_capability;
        uint64_t capabilities; /* bit (1 << CAP_*) per value */
} PolicyCapabilityFilter;

/* Which action fields were written, so nothing written is silently dropped. */
enum {
        POLICY_ACTION_HAS_ARG_FD = 1U << 0,
        POLICY_ACTION_HAS_ARG_NAME = 1U << 1,
        POLICY_ACTION_HAS_ARG_ERROR = 1U << 2,
        POLICY_ACTION_HAS_ARG_SIG = 1U << 3,
        POLICY_ACTION_HAS_ARG_SOCK = 1U << 4,
        POLICY_ACTION_HAS_ARG_URL = 1U << 5,
        POLICY_ACTION_HAS_ARG_FQDN = 1U << 6,
        POLICY_ACTION_HAS_RATE_LIMIT = 1U << 7,
        POLICY_ACTION_HAS_RATE_LIMIT_SCOPE = 1U << 8,
        POLICY_ACTION_HAS_KERNEL_STACK_TRACE = 1U << 9,
        POLICY_ACTION_HAS_USER_STACK_TRACE = 1U << 10,
        POLICY_ACTION_HAS_IMA_HASH = 1U << 11,
        POLICY_ACTION_HAS_ARG_INDEX = 1U << 12,
        POLICY_ACTION_HAS_ARG_VALUE = 1U << 13,
        POLICY_ACTION_HAS_ARG_REGS = 1U << 14,
};

typedef struct PolicyAction {
        PolicyPosition pos;
        PolicyActionType type;
        unsigned present; /* POLICY_ACTION_HAS_* */
        uint32_t arg_fd, arg_name, arg_sock, arg_sig, arg_index, arg_value;
        int32_t arg_error;
        char *arg_url;
        char *arg_fqdn;
        char **arg_regs;
        size_t n_arg_regs;
        uint32_t rate_limit_ms;
        PolicyRateLimitScope rate_limit_scope;
        bool kernel_stack_trace;
        bool user_stack_trace;
        bool ima_hash;
} PolicyAction;

typedef struct PolicySelector {
        PolicyPosition pos;
        PolicyArgFilter *match_args;
        size_t n_match_args;
        PolicyArgFilter *match_data;
        size_t n_match_data;
        PolicyArgFilter *match_return_args;
        size_t n_match_return_args;
        PolicyPIDFilter *match_pids;
        size_t n_match_pids;
        PolicyBinaryFilter *match_binaries;
        size_t n_match_binaries;
        PolicyBinaryFilter *match_parent_binaries;
        size_t n_match_parent_binaries;
        PolicyNamespaceFilter *match_namespaces;
        size_t n_match_namespaces;
        PolicyNamespaceChangeFilter *match_namespace_changes;
        size_t n_match_namespace_changes;
        PolicyCapabilityFilter *match_capabilities;
        size_t n_match_capabilities;
        PolicyCapabilityFilter *match_capability_changes;
        size_t n_match_capability_changes;
        PolicyAction *match_actions;
        size_t n_match_actions;
        PolicyAction *match_return_actions;
        size_t n_match_return_actions;
        uint32_t *macros; /* indexes into Policy.macros, in the order written */
        size_t n_macros;
} PolicySelector;

typedef struct PolicyHook {
        PolicyHookKind kind;
        PolicyPosition pos;
        char *name; /* what to show: call, hook, "subsystem/event", path... */

        /* kprobes and fentries */
        char *call;
        bool syscall; /* Tetragon's default: true */
        bool ret;
        bool ignore_call_not_found;
        int32_t call_list; /* "call: list:NAME": index into Policy.lists, else -1 */
        PolicyArg return_arg;
        bool has_return_arg;
        bool has_return_arg_action;
        PolicyActionType return_arg_action; /* TrackSock or UntrackSock */
        PolicyArg *data;
        size_t n_data;

        /* tracepoints */
        char *subsystem;
        char *event;
        bool raw;

        /* lsmhooks */
        char *hook;

        /* uprobes and usdts */
        char *path;
        char **symbols;
        size_t n_symbols;
        uint64_t *offsets;
        size_t n_offsets;
        uint64_t *addrs;
        size_t n_addrs;
        uint64_t *ref_ctr_offsets;
        size_t n_ref_ctr_offsets;
        char *btf_path;
        bool resolve_path_in_container; /* Kubernetes only */
        char *provider;
        char *usdt_name;

        char *message;
        char **tags;
        size_t n_tags;
        PolicyArg *args;
        size_t n_args;
        PolicySelector *selectors;
        size_t n_selectors;
} PolicyHook;

typedef struct PolicyList {
        PolicyPosition pos;
        char *name;
        PolicyListType type;
        char **values;
        size_t n_values;
        char *pattern;
        bool validated;
} PolicyList;

typedef struct PolicyEnforcer {
        PolicyPosition pos;
        char **calls; /* syscall names, or "list:NAME" */
        size_t n_calls;
} PolicyEnforcer;

/* spec.selectorsMacros entries. Selectors that name a macro get its filters
 * and actions merged in by the parser, checked against each hook's args. */
typedef struct PolicyMacro {
        PolicyPosition pos;
        char *name;
        bool used;
} PolicyMacro;

/* Parts that mean something only on Kubernetes. They parse, and the loader
 * refuses them on a host with the reason held here. */
typedef struct PolicyKubernetesPart {
        PolicyPosition pos;
        const char *what; /* "podSelector", "containerSelector", "matchWorkloads", ... */
} PolicyKubernetesPart;

typedef struct Policy {
        const char *file;
        PolicyPosition pos;
        PolicyKind kind;
        char *name;
        PolicyPosition name_pos;
        char *namespace; /* TracingPolicyNamespaced */

        PolicyHook *hooks;
        size_t n_hooks;
        PolicyList *lists;
        size_t n_lists;
        PolicyEnforcer *enforcers;
        size_t n_enforcers;
        PolicyMacro *macros;
        size_t n_macros;

        PolicyMode mode;
        bool disable_kprobe_multi;
        bool disable_uprobe_multi;
        PolicyOverrideMethod override_method;
        bool loader;
        bool host_selector; /* hostSelector: {} (all hosts) was written */
        /* unitSelector (our extension): the policy applies to the processes of these systemd
         * units (their cgroups and every cgroup below), or with units_not_in to all others. */
        bool has_units;
        bool units_not_in;
        char **units;
        size_t n_units;

        PolicyKubernetesPart *kubernetes_parts;
        size_t n_kubernetes_parts;
} Policy;

/* One file: one or more documents, each a policy. */
typedef struct PolicyFile {
        Arena *arena;
        char *path;
        Policy *policies;
        size_t n_policies;
} PolicyFile;

PolicyFile *policy_file_free(PolicyFile *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyFile *, policy_file_free);

/*
 * Parse and validate. Problems with the input go to diags (errors and
 * warnings, positioned). Returns 0 when the input was read; *ret is set only
 * when there were no errors. Negative errno on I/O errors or out of memory.
 */
int policy_parse_buffer(const char *path, const void *data, size_t size, DiagnosticList *diags,
                        PolicyFile **ret);
int policy_parse_file(const char *path, DiagnosticList *diags, PolicyFile **ret);

/* Name tables, for the parser, the compiler and messages. */
const char *policy_hook_kind_to_string(PolicyHookKind k);
const char *policy_arg_type_to_string(PolicyArgType t);
int policy_arg_type_from_string(const char *s); /* PolicyArgType, or -EINVAL */
PolicyArgClass policy_arg_type_class(PolicyArgType t);
unsigned policy_arg_type_bits(PolicyArgType t); /* integer width, 0 for non-integers */
const char *policy_operator_to_string(PolicyOperator op);
int policy_operator_from_string(const char *s); /* accepts Tetragon's aliases ("GT", "eq") */
const char *policy_action_type_to_string(PolicyActionType t);
int policy_action_type_from_string(const char *s); /* case-insensitive, as Tetragon */
bool policy_action_type_is_deprecated(PolicyActionType t);
const char *policy_namespace_type_to_string(PolicyNamespaceType t);
int policy_namespace_type_from_string(const char *s); /* case-insensitive */
const char *policy_capability_to_string(unsigned cap);
int policy_capability_from_string(const char *s); /* "CAP_SYS_ADMIN", case-insensitive */
unsigned policy_capability_max(void);

/* Every known name of a table, for "did you mean" hints. NULL-terminated. */
extern const char *const policy_arg_type_names[];
extern const char *const policy_operator_names[];
extern const char *const policy_action_names[];
