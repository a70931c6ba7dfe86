/* SPDX-License-Identifier: Apache-2.0 */
#include <strings.h>

#include "policy.h"

PolicyFile *policy_file_free(PolicyFile *f) {
        if (!f)
                return NULL;
        arena_free(f->arena);
        free(f);
        return NULL;
}

static const char *const hook_kind_names[_POLICY_HOOK_KIND_MAX] = {
        [POLICY_HOOK_KPROBE] = "kprobe",
        [POLICY_HOOK_FENTRY] = "fentry",
        [POLICY_HOOK_TRACEPOINT] = "tracepoint",
        [POLICY_HOOK_UPROBE] = "uprobe",
        [POLICY_HOOK_LSM] = "lsm",
        [POLICY_HOOK_USDT] = "usdt",
};

const char *policy_hook_kind_to_string(PolicyHookKind k) {
        if ((unsigned) k >= _POLICY_HOOK_KIND_MAX)
                return NULL;
        return hook_kind_names[k];
}

typedef struct ArgTypeInfo {
        const char *name;
        PolicyArgClass class;
        unsigned bits;
} ArgTypeInfo;

static const ArgTypeInfo arg_types[_POLICY_ARG_TYPE_MAX] = {
        [POLICY_ARG_AUTO] = { "auto", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_INT] = { "int", POLICY_ARG_CLASS_SIGNED, 32 },
        [POLICY_ARG_INT8] = { "int8", POLICY_ARG_CLASS_SIGNED, 8 },
        [POLICY_ARG_UINT8] = { "uint8", POLICY_ARG_CLASS_UNSIGNED, 8 },
        [POLICY_ARG_INT16] = { "int16", POLICY_ARG_CLASS_SIGNED, 16 },
        [POLICY_ARG_UINT16] = { "uint16", POLICY_ARG_CLASS_UNSIGNED, 16 },
        [POLICY_ARG_INT32] = { "int32", POLICY_ARG_CLASS_SIGNED, 32 },
        [POLICY_ARG_UINT32] = { "uint32", POLICY_ARG_CLASS_UNSIGNED, 32 },
        [POLICY_ARG_INT64] = { "int64", POLICY_ARG_CLASS_SIGNED, 64 },
        [POLICY_ARG_UINT64] = { "uint64", POLICY_ARG_CLASS_UNSIGNED, 64 },
        [POLICY_ARG_LONG] = { "long", POLICY_ARG_CLASS_SIGNED, 64 },
        [POLICY_ARG_ULONG] = { "ulong", POLICY_ARG_CLASS_UNSIGNED, 64 },
        [POLICY_ARG_SIZE_T] = { "size_t", POLICY_ARG_CLASS_UNSIGNED, 64 },
        [POLICY_ARG_SYSCALL64] = { "syscall64", POLICY_ARG_CLASS_SIGNED, 64 },
        [POLICY_ARG_CHAR_BUF] = { "char_buf", POLICY_ARG_CLASS_STRING, 0 },
        [POLICY_ARG_CHAR_IOVEC] = { "char_iovec", POLICY_ARG_CLASS_STRING, 0 },
        [POLICY_ARG_CONST_BUF] = { "const_buf", POLICY_ARG_CLASS_STRING, 0 },
        [POLICY_ARG_STRING] = { "string", POLICY_ARG_CLASS_STRING, 0 },
        [POLICY_ARG_DATA_LOC] = { "data_loc", POLICY_ARG_CLASS_STRING, 0 },
        [POLICY_ARG_FD] = { "fd", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_FILE] = { "file", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_FILENAME] = { "filename", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_PATH] = { "path", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_DENTRY] = { "dentry", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_LINUX_BINPRM] = { "linux_binprm", POLICY_ARG_CLASS_FILE, 0 },
        [POLICY_ARG_SOCK] = { "sock", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_SOCKET] = { "socket", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_SOCKADDR] = { "sockaddr", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_SOCKADDR_UN] = { "sockaddr_un", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_SKB] = { "skb", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_NET_DEVICE] = { "net_device", POLICY_ARG_CLASS_NETWORK, 0 },
        [POLICY_ARG_NOP] = { "nop", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_BPF_ATTR] = { "bpf_attr", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_BPF_CMD] = { "bpf_cmd", POLICY_ARG_CLASS_SIGNED, 32 },
        [POLICY_ARG_BPF_MAP] = { "bpf_map", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_BPF_PROG] = { "bpf_prog", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_PERF_EVENT] = { "perf_event", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_USER_NAMESPACE] = { "user_namespace", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_CAPABILITY] = { "capability", POLICY_ARG_CLASS_SIGNED, 32 },
        [POLICY_ARG_KERNEL_CAP_T] = { "kernel_cap_t", POLICY_ARG_CLASS_CAPABILITY, 64 },
        [POLICY_ARG_CAP_INHERITABLE] = { "cap_inheritable", POLICY_ARG_CLASS_CAPABILITY, 64 },
        [POLICY_ARG_CAP_PERMITTED] = { "cap_permitted", POLICY_ARG_CLASS_CAPABILITY, 64 },
        [POLICY_ARG_CAP_EFFECTIVE] = { "cap_effective", POLICY_ARG_CLASS_CAPABILITY, 64 },
        [POLICY_ARG_CRED] = { "cred", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_KIOCB] = { "kiocb", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_IOV_ITER] = { "iov_iter", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_LOAD_INFO] = { "load_info", POLICY_ARG_CLASS_OPAQUE, 0 },
        [POLICY_ARG_MODULE] = { "module", POLICY_ARG_CLASS_OPAQUE, 0 },
};

/* Short spellings Tetragon's parser also takes. */
static const struct {
        const char *name;
        PolicyArgType type;
} arg_type_aliases[] = {
        { "s8", POLICY_ARG_INT8 },    { "u8", POLICY_ARG_UINT8 },   { "s16", POLICY_ARG_INT16 },
        { "u16", POLICY_ARG_UINT16 }, { "s32", POLICY_ARG_INT32 },  { "u32", POLICY_ARG_UINT32 },
        { "s64", POLICY_ARG_INT64 },  { "u64", POLICY_ARG_UINT64 },
};

const char *const policy_arg_type_names[] = {
        "auto",
        "int",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "long",
        "ulong",
        "size_t",
        "syscall64",
        "char_buf",
        "char_iovec",
        "const_buf",
        "string",
        "data_loc",
        "fd",
        "file",
        "filename",
        "path",
        "dentry",
        "linux_binprm",
        "sock",
        "socket",
        "sockaddr",
        "sockaddr_un",
        "skb",
        "net_device",
        "nop",
        "bpf_attr",
        "bpf_cmd",
        "bpf_map",
        "bpf_prog",
        "perf_event",
        "user_namespace",
        "capability",
        "kernel_cap_t",
        "cap_inheritable",
        "cap_permitted",
        "cap_effective",
        "cred",
        "kiocb",
        "iov_iter",
        "load_info",
        "module",
        "s8",
        "u8",
        "s16",
        "u16",
        "s32",
        "u32",
        "s64",
        "u64",
        NULL,
};

const char *policy_arg_type_to_string(PolicyArgType t) {
        if ((unsigned) t >= _POLICY_ARG_TYPE_MAX)
                return NULL;
        return arg_types[t].name;
}

int policy_arg_type_from_string(const char *s) {
        for (unsigned i = 0; i < _POLICY_ARG_TYPE_MAX; i++)
                if (streq(arg_types[i].name, s))
                        return (int) i;
        for (size_t i = 0; i < ELEMENTSOF(arg_type_aliases); i++)
                if (streq(arg_type_aliases[i].name, s))
                        return arg_type_aliases[i].type;
        return -EINVAL;
}

PolicyArgClass policy_arg_type_class(PolicyArgType t) {
        if ((unsigned) t >= _POLICY_ARG_TYPE_MAX)
                return POLICY_ARG_CLASS_OPAQUE;
        return arg_types[t].class;
}

unsigned policy_arg_type_bits(PolicyArgType t) {
        if ((unsigned) t >= _POLICY_ARG_TYPE_MAX)
                return 0;
        return arg_types[t].bits;
}

static const char *const operator_canonical[_POLICY_OP_MAX] = {
        [POLICY_OP_INVALID] = "invalid",
        [POLICY_OP_EQUAL] = "Equal",
        [POLICY_OP_NOT_EQUAL] = "NotEqual",
        [POLICY_OP_PREFIX] = "Prefix",
        [POLICY_OP_NOT_PREFIX] = "NotPrefix",
        [POLICY_OP_POSTFIX] = "Postfix",
        [POLICY_OP_NOT_POSTFIX] = "NotPostfix",
        [POLICY_OP_GREATER_THAN] = "GreaterThan",
        [POLICY_OP_LESS_THAN] = "LessThan",
        [POLICY_OP_MASK] = "Mask",
        [POLICY_OP_IN_RANGE] = "InRange",
        [POLICY_OP_NOT_IN_RANGE] = "NotInRange",
        [POLICY_OP_IN_MAP] = "InMap",
        [POLICY_OP_NOT_IN_MAP] = "NotInMap",
        [POLICY_OP_SPORT] = "SPort",
        [POLICY_OP_NOT_SPORT] = "NotSPort",
        [POLICY_OP_SPORT_PRIV] = "SPortPriv",
        [POLICY_OP_NOT_SPORT_PRIV] = "NotSPortPriv",
        [POLICY_OP_DPORT] = "DPort",
        [POLICY_OP_NOT_DPORT] = "NotDPort",
        [POLICY_OP_DPORT_PRIV] = "DPortPriv",
        [POLICY_OP_NOT_DPORT_PRIV] = "NotDPortPriv",
        [POLICY_OP_SADDR] = "SAddr",
        [POLICY_OP_NOT_SADDR] = "NotSAddr",
        [POLICY_OP_DADDR] = "DAddr",
        [POLICY_OP_NOT_DADDR] = "NotDAddr",
        [POLICY_OP_PROTOCOL] = "Protocol",
        [POLICY_OP_FAMILY] = "Family",
        [POLICY_OP_STATE] = "State",
        [POLICY_OP_CAPABILITIES_GAINED] = "CapabilitiesGained",
        [POLICY_OP_SUBSTRING] = "SubString",
        [POLICY_OP_SUBSTRING_IGNORE_CASE] = "SubStringIgnCase",
        [POLICY_OP_FILE_TYPE] = "FileType",
        [POLICY_OP_NOT_FILE_TYPE] = "NotFileType",
        [POLICY_OP_CEL_EXPR] = "CelExpr",
        [POLICY_OP_IN] = "In",
        [POLICY_OP_NOT_IN] = "NotIn",
        [POLICY_OP_SAME_FILE] = "SameFile",
        [POLICY_OP_NOT_SAME_FILE] = "NotSameFile",
};

static const struct {
        const char *name;
        PolicyOperator op;
} operator_aliases[] = {
        { "gt", POLICY_OP_GREATER_THAN },
        { "GT", POLICY_OP_GREATER_THAN },
        { "lt", POLICY_OP_LESS_THAN },
        { "LT", POLICY_OP_LESS_THAN },
        { "eq", POLICY_OP_EQUAL },
        { "neq", POLICY_OP_NOT_EQUAL },
        { "prefix", POLICY_OP_PREFIX },
        { "notprefix", POLICY_OP_NOT_PREFIX },
        { "postfix", POLICY_OP_POSTFIX },
        { "notpostfix", POLICY_OP_NOT_POSTFIX },
        { "mask", POLICY_OP_MASK },
        { "saddr", POLICY_OP_SADDR },
        { "Saddr", POLICY_OP_SADDR },
        { "daddr", POLICY_OP_DADDR },
        { "Daddr", POLICY_OP_DADDR },
        { "notsaddr", POLICY_OP_NOT_SADDR },
        { "NotSaddr", POLICY_OP_NOT_SADDR },
        { "notdaddr", POLICY_OP_NOT_DADDR },
        { "NotDaddr", POLICY_OP_NOT_DADDR },
        { "sport", POLICY_OP_SPORT },
        { "Sport", POLICY_OP_SPORT },
        { "dport", POLICY_OP_DPORT },
        { "Dport", POLICY_OP_DPORT },
        { "protocol", POLICY_OP_PROTOCOL },
        { "notsport", POLICY_OP_NOT_SPORT },
        { "NotSport", POLICY_OP_NOT_SPORT },
        { "notdport", POLICY_OP_NOT_DPORT },
        { "NotDport", POLICY_OP_NOT_DPORT },
        { "sportpriv", POLICY_OP_SPORT_PRIV },
        { "SportPriv", POLICY_OP_SPORT_PRIV },
        { "dportpriv", POLICY_OP_DPORT_PRIV },
        { "DportPriv", POLICY_OP_DPORT_PRIV },
        { "notsportpriv", POLICY_OP_NOT_SPORT_PRIV },
        { "NotSportPriv", POLICY_OP_NOT_SPORT_PRIV },
        { "notdportpriv", POLICY_OP_NOT_DPORT_PRIV },
        { "NotDportPriv", POLICY_OP_NOT_DPORT_PRIV },
        { "family", POLICY_OP_FAMILY },
        { "state", POLICY_OP_STATE },
};

const char *const policy_operator_names[] = {
        "Equal",
        "NotEqual",
        "Prefix",
        "NotPrefix",
        "Postfix",
        "NotPostfix",
        "GreaterThan",
        "LessThan",
        "GT",
        "LT",
        "Mask",
        "InRange",
        "NotInRange",
        "InMap",
        "NotInMap",
        "SPort",
        "NotSPort",
        "SPortPriv",
        "NotSPortPriv",
        "DPort",
        "NotDPort",
        "DPortPriv",
        "NotDPortPriv",
        "SAddr",
        "NotSAddr",
        "DAddr",
        "NotDAddr",
        "Protocol",
        "Family",
        "State",
        "CapabilitiesGained",
        "SubString",
        "SubStringIgnCase",
        "FileType",
        "NotFileType",
        "CelExpr",
        "In",
        "NotIn",
        "SameFile",
        "NotSameFile",
        NULL,
};

const char *policy_operator_to_string(PolicyOperator op) {
        if ((unsigned) op >= _POLICY_OP_MAX)
                return NULL;
        return operator_canonical[op];
}

int policy_operator_from_string(const char *s) {
        for (unsigned i = 1; i < _POLICY_OP_MAX; i++)
                if (streq(operator_canonical[i], s))
                        return (int) i;
        for (size_t i = 0; i < ELEMENTSOF(operator_aliases); i++)
                if (streq(operator_aliases[i].name, s))
                        return operator_aliases[i].op;
        return -EINVAL;
}

static const char *const action_names[_POLICY_ACTION_TYPE_MAX] = {
        [POLICY_ACTION_POST] = "Post",
        [POLICY_ACTION_FOLLOW_FD] = "FollowFD",
        [POLICY_ACTION_UNFOLLOW_FD] = "UnfollowFD",
        [POLICY_ACTION_COPY_FD] = "CopyFD",
        [POLICY_ACTION_SIGKILL] = "Sigkill",
        [POLICY_ACTION_SIGNAL] = "Signal",
        [POLICY_ACTION_OVERRIDE] = "Override",
        [POLICY_ACTION_GET_URL] = "GetUrl",
        [POLICY_ACTION_DNS_LOOKUP] = "DnsLookup",
        [POLICY_ACTION_NO_POST] = "NoPost",
        [POLICY_ACTION_TRACK_SOCK] = "TrackSock",
        [POLICY_ACTION_UNTRACK_SOCK] = "UntrackSock",
        [POLICY_ACTION_NOTIFY_ENFORCER] = "NotifyEnforcer",
        [POLICY_ACTION_CLEANUP_ENFORCER_NOTIFICATION] = "CleanupEnforcerNotification",
        [POLICY_ACTION_SET] = "Set",
};

const char *const policy_action_names[] = {
        "Post",
        "FollowFD",
        "UnfollowFD",
        "CopyFD",
        "Sigkill",
        "Signal",
        "Override",
        "GetUrl",
        "DnsLookup",
        "NoPost",
        "TrackSock",
        "UntrackSock",
        "NotifyEnforcer",
        "CleanupEnforcerNotification",
        "Set",
        NULL,
};

const char *policy_action_type_to_string(PolicyActionType t) {
        if ((unsigned) t >= _POLICY_ACTION_TYPE_MAX)
                return NULL;
        return action_names[t];
}

int policy_action_type_from_string(const char *s) {
        for (unsigned i = 0; i < _POLICY_ACTION_TYPE_MAX; i++)
                if (strcasecmp(action_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

bool policy_action_type_is_deprecated(PolicyActionType t) {
        return t == POLICY_ACTION_FOLLOW_FD || t == POLICY_ACTION_UNFOLLOW_FD ||
               t == POLICY_ACTION_COPY_FD;
}

static const char *const namespace_names[_POLICY_NS_MAX] = {
        [POLICY_NS_UTS] = "Uts",
        [POLICY_NS_IPC] = "Ipc",
        [POLICY_NS_MNT] = "Mnt",
        [POLICY_NS_PID] = "Pid",
        [POLICY_NS_PID_FOR_CHILDREN] = "PidForChildren",
        [POLICY_NS_NET] = "Net",
        [POLICY_NS_TIME] = "Time",
        [POLICY_NS_TIME_FOR_CHILDREN] = "TimeForChildren",
        [POLICY_NS_CGROUP] = "Cgroup",
        [POLICY_NS_USER] = "User",
};

const char *policy_namespace_type_to_string(PolicyNamespaceType t) {
        if ((unsigned) t >= _POLICY_NS_MAX)
                return NULL;
        return namespace_names[t];
}

int policy_namespace_type_from_string(const char *s) {
        for (unsigned i = 0; i < _POLICY_NS_MAX; i++)
                if (strcasecmp(namespace_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

/* Numbered as in linux/capability.h. */
static const char *const capability_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

const char *policy_capability_to_string(unsigned cap) {
        if (cap >= ELEMENTSOF(capability_names))
                return NULL;
        return capability_names[cap];
}

int policy_capability_from_string(const char *s) {
        for (unsigned i = 0; i < ELEMENTSOF(capability_names); i++)
                if (strcasecmp(capability_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

unsigned policy_capability_max(void) {
        return ELEMENTSOF(capability_names) - 1;
}
