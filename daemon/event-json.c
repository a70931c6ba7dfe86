/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <time.h>

#include "event-json.h"
#include "macro.h"
#include "policy.h"
#include "syscall-table.h"
#include "utf8.h"

#include "../bpf/policy.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define TIME_STRING_MAX 40 /* "2024-01-18T15:37:19.566563222Z" and room for 5-digit years */
#define FLAGS_STRING_MAX 64
#define ARGS_STACK_SIZE 512 /* most command lines fit: no allocation for them */
#define ANCESTORS_MAX 1024  /* a longer chain is not a real one */

static int capabilities_to_json(uint64_t caps, json_t **ret);
static json_t *json_u64_string(uint64_t v);

const char *event_type_to_string(EventType t) {
        switch (t) {
        case EVENT_PROCESS_EXEC:
                return "process_exec";
        case EVENT_PROCESS_EXIT:
                return "process_exit";
        case EVENT_PROCESS_KPROBE:
                return "process_kprobe";
        case EVENT_PROCESS_LSM:
                return "process_lsm";
        case EVENT_PROCESS_UPROBE:
                return "process_uprobe";
        case EVENT_PROCESS_TRACEPOINT:
                return "process_tracepoint";
        case EVENT_PROCESS_USDT:
                return "process_usdt";
        case EVENT_PROCESS_LOADER:
                return "process_loader";
        case _EVENT_TYPE_MAX:
                break;
        }
        return NULL;
}

const char *event_action_to_string(EventAction a) {
        switch (a) {
        case EVENT_ACTION_POST:
                return "KPROBE_ACTION_POST";
        case EVENT_ACTION_SIGKILL:
                return "KPROBE_ACTION_SIGKILL";
        case EVENT_ACTION_SIGNAL:
                return "KPROBE_ACTION_SIGNAL";
        case EVENT_ACTION_OVERRIDE:
                return "KPROBE_ACTION_OVERRIDE";
        case _EVENT_ACTION_MAX:
                break;
        }
        return NULL;
}

static const char *const signal_names[] = {
        [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
        [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
        [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
        [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
        [SIGSTKFLT] = "SIGSTKFLT",
#endif
        [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
        [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
        [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
        [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
        [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",   [SIGSYS] = "SIGSYS",
};

const char *event_signal_name(uint32_t signal, char buf[static EVENT_SIGNAL_NAME_MAX]) {
        if (signal < ELEMENTSOF(signal_names) && signal_names[signal])
                return signal_names[signal];

        /* Named the way `kill -l` names them, relative to the C library's SIGRTMIN. */
        if (signal == (uint32_t) SIGRTMIN)
                return "SIGRTMIN";
        if (signal > (uint32_t) SIGRTMIN && signal <= (uint32_t) SIGRTMAX)
                snprintf(buf, EVENT_SIGNAL_NAME_MAX, "SIGRTMIN+%" PRIu32, signal - SIGRTMIN);
        else
                snprintf(buf, EVENT_SIGNAL_NAME_MAX, "SIG%" PRIu32, signal);
        return buf;
}

size_t event_join_arguments(const Process *p, char *buf) {
        const char *a, *end;
        size_t len = 0;

        if (!p->args)
                return 0;

        /* Trailing empty arguments vanish, as in Tetragon. */
        end = p->args + p->args_size;
        while (end > p->args && end[-1] == '\0')
                end--;

        for (a = p->args; a < end;) {
                const char *nul = memchr(a, '\0', end - a);
                size_t n = nul ? (size_t) (nul - a) : (size_t) (end - a);
                bool quote = memchr(a, ' ', n);

                if (len > 0) {
                        if (buf)
                                buf[len] = ' ';
                        len++;
                }
                if (buf) {
                        char *o = buf + len;
                        if (quote)
                                *o++ = '"';
                        memcpy(o, a, n);
                        if (quote)
                                o[n] = '"';
                }
                len += n + (quote ? 2 : 0);
                a += n + 1;
        }
        return len;
}

/* JSON strings must be UTF-8: each byte that is not part of a valid sequence
 * becomes U+FFFD, as Go's encoder does it for Tetragon. */
static json_t *json_string_lossy(const char *s, size_t n) {
        _cleanup_free_ char *fixed = NULL;
        size_t len = 0;
        uint32_t cp;

        if (utf8_is_valid(s, n))
                return json_stringn_nocheck(s, n);

        fixed = malloc(n * 3);
        if (!fixed)
                return NULL;
        while (n > 0) {
                size_t l = utf8_decode(s, n, &cp);

                if (l == 0) {
                        memcpy(fixed + len, "\xef\xbf\xbd", 3);
                        len += 3;
                        l = 1;
                } else {
                        memcpy(fixed + len, s, l);
                        len += l;
                }
                s += l;
                n -= l;
        }
        return json_stringn_nocheck(fixed, len);
}

static void format_time(uint64_t ns, char buf[static TIME_STRING_MAX]) {
        time_t sec = (time_t) (ns / NSEC_PER_SEC);
        struct tm tm;
        size_t n;

        if (!gmtime_r(&sec, &tm)) {
                /* Only for years past INT_MAX, which no clock here reaches. */
                snprintf(buf, TIME_STRING_MAX, "1970-01-01T00:00:00.000000000Z");
                return;
        }
        n = strftime(buf, TIME_STRING_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, TIME_STRING_MAX - n, ".%09" PRIu64 "Z", ns % NSEC_PER_SEC);
}

static json_t *json_time(uint64_t ns) {
        char buf[TIME_STRING_MAX];

        format_time(ns, buf);
        return json_string_nocheck(buf);
}

/* Tetragon's flag words, in its order; "clone" is left out because the process
 * model does not say whether the exec followed a clone. */
static void process_flags(const Process *p, char buf[static FLAGS_STRING_MAX]) {
        char *o = buf;

        o = stpcpy(o, p->procfs ? "procFS" : "execve");
        if (p->args_truncated)
                o = stpcpy(o, " truncArgs");
        if (streq_ptr(p->cwd, "/"))
                o = stpcpy(o, " rootcwd");
        if (p->cwd_truncated)
                o = stpcpy(o, " errorPathResolutionCwd");
}

static int json_set_string(json_t *o, const char *key, const char *value) {
        if (!value || !*value)
                return 0; /* protojson leaves empty strings out */
        return json_object_set_new_nocheck(o, key, json_string_lossy(value, strlen(value)));
}

static int json_set_u32(json_t *o, const char *key, uint32_t value) {
        return json_object_set_new_nocheck(o, key, json_integer((json_int_t) value));
}

static int process_arguments_to_json(const Process *p, json_t **ret) {
        _cleanup_free_ char *heap = NULL;
        char stack[ARGS_STACK_SIZE];
        char *buf = stack;
        size_t len;

        len = event_join_arguments(p, NULL);
        if (len == 0) {
                *ret = NULL;
                return 0;
        }
        if (len > sizeof(stack)) {
                heap = malloc(len);
                if (!heap)
                        return -ENOMEM;
                buf = heap;
        }
        event_join_arguments(p, buf);

        *ret = json_string_lossy(buf, len);
        return *ret ? 0 : -ENOMEM;
}

static int process_credentials_to_json(const Process *p, json_t **ret) {
        _cleanup_(json_decrefp) json_t *c = NULL;

        c = json_object();
        if (!c)
                return -ENOMEM;
        if (json_set_u32(c, "uid", p->uid) < 0 || json_set_u32(c, "gid", p->gid) < 0 ||
            json_set_u32(c, "euid", p->euid) < 0 || json_set_u32(c, "egid", p->egid) < 0 ||
            json_set_u32(c, "suid", p->suid) < 0 || json_set_u32(c, "sgid", p->sgid) < 0 ||
            json_set_u32(c, "fsuid", p->fsuid) < 0 || json_set_u32(c, "fsgid", p->fsgid) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}

/* Tetragon's Capabilities: the names of each set's bits; empty sets left out. */
static int process_caps_to_json(const Process *p, json_t **ret) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        const char *const names[] = { "permitted", "effective", "inheritable" };
        const uint64_t sets[] = { p->cap_permitted, p->cap_effective, p->cap_inheritable };

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                json_t *list;

                if (capabilities_to_json(sets[i], &list) < 0)
                        return -ENOMEM;
                if (list && json_object_set_new_nocheck(o, names[i], list) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* Tetragon's Namespaces: {"inum": N, "is_host": true} each (protojson leaves false out); a
 * namespace the kernel lacks (time before 5.6) is left out. */
static int process_ns_to_json(const Process *p, json_t **ret) {
        static const char *const names[PROCESS_NS_MAX] = {
                "uts",
                "ipc",
                "mnt",
                "pid",
                "pid_for_children",
                "net",
                "time",
                "time_for_children",
                "cgroup",
                "user",
        };
        _cleanup_(json_decrefp) json_t *o = json_object();

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < PROCESS_NS_MAX; i++) {
                json_t *ns;

                if (p->ns[i] == 0)
                        continue;
                ns = json_pack("{s:I}", "inum", (json_int_t) p->ns[i]);
                if (!ns ||
                    ((p->ns_host & (1U << i)) &&
                     json_object_set_new_nocheck(ns, "is_host", json_true()) < 0) ||
                    json_object_set_new_nocheck(o, names[i], ns) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static const char *const privileges_changed_names[] = {
        "PRIVILEGES_RAISED_EXEC_FILE_CAP",
        "PRIVILEGES_RAISED_EXEC_FILE_SETUID",
        "PRIVILEGES_RAISED_EXEC_FILE_SETGID",
};

/* Tetragon's BinaryProperties; NULL when the exec was an ordinary one. */
static int binary_properties_to_json(const Process *p, json_t **ret) {
        const BinaryProperties *b = &p->binary_properties;
        _cleanup_(json_decrefp) json_t *o = NULL;

        *ret = NULL;
        if (!b->has_setuid && !b->has_setgid && b->privileges_changed == 0 && !b->has_file)
                return 0;
        o = json_object();
        if (!o)
                return -ENOMEM;
        if ((b->has_setuid && json_set_u32(o, "setuid", b->setuid) < 0) ||
            (b->has_setgid && json_set_u32(o, "setgid", b->setgid) < 0))
                return -ENOMEM;
        if (b->privileges_changed != 0) {
                json_t *list = json_array();

                if (!list || json_object_set_new_nocheck(o, "privileges_changed", list) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < ELEMENTSOF(privileges_changed_names); i++)
                        if ((b->privileges_changed & (1U << i)) &&
                            json_array_append_new(
                                    list, json_string_nocheck(privileges_changed_names[i])) < 0)
                                return -ENOMEM;
        }
        if (b->has_file) {
                json_t *file =
                        json_pack("{s:{s:o, s:I}}", "inode", "number", json_u64_string(b->file_ino),
                                  "links", (json_int_t) b->file_nlink);

                if (!file || json_set_string(file, "path", p->binary) < 0 ||
                    json_object_set_new_nocheck(o, "file", file) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* Tetragon's EnvVar list: [{"Key": "HOME", "Value": "/root"}, ...]. */
static int process_env_to_json(const Process *p, json_t **ret) {
        _cleanup_(json_decrefp) json_t *list = json_array();
        const char *end = p->env + p->env_size;

        if (!list)
                return -ENOMEM;
        for (const char *e = p->env; e && e < end;) {
                size_t len = strnlen(e, end - e);
                const char *eq = memchr(e, '=', len);
                size_t key_len = eq ? (size_t) (eq - e) : len;
                json_t *var;

                var = json_object();
                if (!var || json_array_append_new(list, var) < 0 ||
                    json_object_set_new_nocheck(var, "Key", json_string_lossy(e, key_len)) < 0 ||
                    (eq && json_object_set_new_nocheck(
                                   var, "Value", json_string_lossy(eq + 1, len - key_len - 1)) < 0))
                        return -ENOMEM;
                e += len + 1;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

/* Keys in the order of Tetragon's Process message, then the host extras. exec: the process
 * of a process_exec event, the only one that carries binary_properties. */
static int process_to_json(const Process *p, uint64_t boot_time_ns, const EnrichOptions *opts,
                           bool exec, json_t **ret) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        json_t *args = NULL, *creds = NULL, *extra = NULL;
        char flags[FLAGS_STRING_MAX];
        int r;

        o = json_object();
        if (!o)
                return -ENOMEM;

        if (json_set_string(o, "exec_id", p->exec_id) < 0 || json_set_u32(o, "pid", p->pid) < 0 ||
            json_set_u32(o, "uid", p->euid) < 0 || json_set_string(o, "cwd", p->cwd) < 0 ||
            json_set_string(o, "binary", p->binary) < 0)
                return -ENOMEM;

        r = process_arguments_to_json(p, &args);
        if (r < 0)
                return r;
        if (args && json_object_set_new_nocheck(o, "arguments", args) < 0)
                return -ENOMEM;

        process_flags(p, flags);
        if (json_object_set_new_nocheck(o, "flags", json_string_nocheck(flags)) < 0 ||
            json_object_set_new_nocheck(o, "start_time", json_time(boot_time_ns + p->start_ktime)) <
                    0 ||
            json_set_u32(o, "auid", p->auid) < 0 ||
            json_set_string(o, "parent_exec_id", p->parent_exec_id) < 0)
                return -ENOMEM;

        if (opts && opts->process_cred && p->has_caps) {
                r = process_caps_to_json(p, &extra);
                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(o, "cap", extra) < 0)
                        return -ENOMEM;
        }
        if (opts && opts->process_ns) {
                r = process_ns_to_json(p, &extra);
                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(o, "ns", extra) < 0)
                        return -ENOMEM;
        }
        if (json_set_u32(o, "tid", p->tid) < 0)
                return -ENOMEM;

        if (opts && opts->process_cred) {
                r = process_credentials_to_json(p, &creds);
                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(o, "process_credentials", creds) < 0)
                        return -ENOMEM;
        }
        if (exec) {
                r = binary_properties_to_json(p, &extra);
                if (r < 0)
                        return r;
                if (extra && json_object_set_new_nocheck(o, "binary_properties", extra) < 0)
                        return -ENOMEM;
        }
        if (p->user_name &&
            json_object_set_new_nocheck(
                    o, "user",
                    json_pack("{s:o}", "name",
                              json_string_lossy(p->user_name, strlen(p->user_name)))) < 0)
                return -ENOMEM;
        /* Only said of containerized processes, for whom both answers mean something. */
        if (p->containerized &&
            json_object_set_new_nocheck(o, "in_init_tree", json_boolean(p->in_init_tree)) < 0)
                return -ENOMEM;
        if (p->env) {
                r = process_env_to_json(p, &extra);
                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(o, "environment_variables", extra) < 0)
                        return -ENOMEM;
        }

        if (p->cgroup_id != 0) {
                char id[21];

                snprintf(id, sizeof(id), "%" PRIu64, p->cgroup_id);
                if (json_object_set_new_nocheck(o, "cgroup_id", json_string_nocheck(id)) < 0)
                        return -ENOMEM;
        }
        if (json_set_string(o, "cgroup_path", p->cgroup_path) < 0 ||
            json_set_string(o, "systemd_unit", p->unit) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(o);
        return 0;
}

/* protojson's bytes: standard base64, padded. */
static json_t *json_base64(const char *data, size_t size) {
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        _cleanup_free_ char *out = NULL;
        const unsigned char *in = (const unsigned char *) data;
        size_t n = 0;

        out = malloc((size + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < size; i += 3) {
                uint32_t v = (uint32_t) in[i] << 16;

                if (i + 1 < size)
                        v |= (uint32_t) in[i + 1] << 8;
                if (i + 2 < size)
                        v |= in[i + 2];
                out[n++] = alphabet[(v >> 18) & 63];
                out[n++] = alphabet[(v >> 12) & 63];
                out[n++] = i + 1 < size ? alphabet[(v >> 6) & 63] : '=';
                out[n++] = i + 2 < size ? alphabet[v & 63] : '=';
        }
        return json_stringn_nocheck(out, n);
}

/* protojson writes 64-bit integers as strings. */
static json_t *json_u64_string(uint64_t v) {
        char buf[21];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return json_string_nocheck(buf);
}

static json_t *json_i64_string(int64_t v) {
        char buf[21];

        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return json_string_nocheck(buf);
}

static const char *address_family_name(uint16_t family, char *buf, size_t size) {
        switch (family) {
        case AF_UNSPEC:
                return "AF_UNSPEC";
        case AF_UNIX:
                return "AF_UNIX";
        case AF_INET:
                return "AF_INET";
        case AF_INET6:
                return "AF_INET6";
        case AF_NETLINK:
                return "AF_NETLINK";
        case AF_PACKET:
                return "AF_PACKET";
        }
        snprintf(buf, size, "%u", family);
        return buf;
}

/* KprobeSockaddr: family, then addr and port for AF_INET and AF_INET6 (protojson leaves
 * out what is empty or zero); {} when the kernel could not read it. */
static json_t *sockaddr_to_json(const EventArg *a) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        char family[8], addr[INET6_ADDRSTRLEN];
        uint16_t f = a->sockaddr.family;

        if (!o)
                return NULL;
        if (a->unreadable)
                return TAKE_PTR(o);
        if (json_object_set_new_nocheck(
                    o, "family",
                    json_string_nocheck(address_family_name(f, family, sizeof(family)))) < 0)
                return NULL;
        if (f != AF_INET && f != AF_INET6)
                return TAKE_PTR(o);
        if (!inet_ntop(f, a->sockaddr.addr, addr, sizeof(addr)) ||
            json_object_set_new_nocheck(o, "addr", json_string_nocheck(addr)) < 0)
                return NULL;
        if (a->sockaddr.port > 0 &&
            json_object_set_new_nocheck(o, "port", json_integer(a->sockaddr.port)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static const char *socket_type_name(uint16_t type, char *buf, size_t size) {
        switch (type) {
        case SOCK_STREAM:
                return "SOCK_STREAM";
        case SOCK_DGRAM:
                return "SOCK_DGRAM";
        case SOCK_RAW:
                return "SOCK_RAW";
        case SOCK_RDM:
                return "SOCK_RDM";
        case SOCK_SEQPACKET:
                return "SOCK_SEQPACKET";
        case SOCK_DCCP:
                return "SOCK_DCCP";
        case SOCK_PACKET:
                return "SOCK_PACKET";
        }
        snprintf(buf, size, "%u", type);
        return buf;
}

static const char *protocol_name(uint16_t protocol, char *buf, size_t size) {
        switch (protocol) {
        case IPPROTO_IP:
                return "IPPROTO_IP";
        case IPPROTO_ICMP:
                return "IPPROTO_ICMP";
        case IPPROTO_TCP:
                return "IPPROTO_TCP";
        case IPPROTO_UDP:
                return "IPPROTO_UDP";
        case IPPROTO_IPV6:
                return "IPPROTO_IPV6";
        case IPPROTO_ICMPV6:
                return "IPPROTO_ICMPV6";
        case IPPROTO_SCTP:
                return "IPPROTO_SCTP";
        case IPPROTO_UDPLITE:
                return "IPPROTO_UDPLITE";
        case IPPROTO_RAW:
                return "IPPROTO_RAW";
        case 262: /* IPPROTO_MPTCP, which older C libraries lack */
                return "IPPROTO_MPTCP";
        }
        snprintf(buf, size, "%u", protocol);
        return buf;
}

static const char *const tcp_state_names[] = {
        [1] = "TCP_ESTABLISHED", [2] = "TCP_SYN_SENT",   [3] = "TCP_SYN_RECV",
        [4] = "TCP_FIN_WAIT1",   [5] = "TCP_FIN_WAIT2",  [6] = "TCP_TIME_WAIT",
        [7] = "TCP_CLOSE",       [8] = "TCP_CLOSE_WAIT", [9] = "TCP_LAST_ACK",
        [10] = "TCP_LISTEN",     [11] = "TCP_CLOSING",   [12] = "TCP_NEW_SYN_RECV",
};

/* KprobeSock: names for family, type, protocol and state, addresses and ports for
 * AF_INET and AF_INET6 (protojson leaves out what is empty or zero); {} when the kernel
 * could not read it. */
static json_t *sock_to_json(const EventArg *a) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        char family[8], type[8], protocol[8], saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
        uint16_t f = a->sock.family;

        if (!o)
                return NULL;
        if (a->unreadable)
                return TAKE_PTR(o);
        if (json_set_string(o, "family", address_family_name(f, family, sizeof(family))) < 0 ||
            json_set_string(o, "type", socket_type_name(a->sock.type, type, sizeof(type))) < 0 ||
            json_set_string(o, "protocol",
                            protocol_name(a->sock.protocol, protocol, sizeof(protocol))) < 0)
                return NULL;
        if (a->sock.mark > 0 && json_set_u32(o, "mark", a->sock.mark) < 0)
                return NULL;
        if (a->sock.priority > 0 && json_set_u32(o, "priority", a->sock.priority) < 0)
                return NULL;
        if (f == AF_INET || f == AF_INET6) {
                if (!inet_ntop(f, a->sock.saddr, saddr, sizeof(saddr)) ||
                    !inet_ntop(f, a->sock.daddr, daddr, sizeof(daddr)) ||
                    json_set_string(o, "saddr", saddr) < 0 ||
                    json_set_string(o, "daddr", daddr) < 0)
                        return NULL;
                if (a->sock.sport > 0 && json_set_u32(o, "sport", a->sock.sport) < 0)
                        return NULL;
                if (a->sock.dport > 0 && json_set_u32(o, "dport", a->sock.dport) < 0)
                        return NULL;
        }
        if (a->sock.state < ELEMENTSOF(tcp_state_names) && tcp_state_names[a->sock.state] &&
            json_set_string(o, "state", tcp_state_names[a->sock.state]) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* KprobeSkb: what the packet's headers say; protojson leaves out what is empty or zero,
 * and {} when the kernel could not read it. */
static json_t *skb_to_json(const EventArg *a) {
        _cleanup_(json_decrefp) json_t *o = json_object();
        char family[8], protocol[8], saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
        uint16_t f = a->skb.family;
        const struct {
                const char *key;
                uint32_t value;
        } numbers[] = {
                { "hash", a->skb.hash },
                { "len", a->skb.len },
                { "priority", a->skb.priority },
                { "mark", a->skb.mark },
        };

        if (!o)
                return NULL;
        if (a->unreadable)
                return TAKE_PTR(o);
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
                if (numbers[i].value > 0 && json_set_u32(o, numbers[i].key, numbers[i].value) < 0)
                        return NULL;
        if (f != AF_INET && f != AF_INET6)
                return TAKE_PTR(o);
        if (!inet_ntop(f, a->skb.saddr, saddr, sizeof(saddr)) ||
            !inet_ntop(f, a->skb.daddr, daddr, sizeof(daddr)) ||
            json_set_string(o, "saddr", saddr) < 0 || json_set_string(o, "daddr", daddr) < 0)
                return NULL;
        if ((a->skb.sport > 0 && json_set_u32(o, "sport", a->skb.sport) < 0) ||
            (a->skb.dport > 0 && json_set_u32(o, "dport", a->skb.dport) < 0) ||
            (a->skb.protocol > 0 && json_set_u32(o, "proto", a->skb.protocol) < 0) ||
            json_set_string(o, "protocol",
                            protocol_name(a->skb.protocol, protocol, sizeof(protocol))) < 0 ||
            json_set_string(o, "family", address_family_name(f, family, sizeof(family))) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* Tetragon's CapabilitiesType names of the bits set; NULL when none (protojson leaves the
 * empty list out). */
static int capabilities_to_json(uint64_t caps, json_t **ret) {
        _cleanup_(json_decrefp) json_t *list = NULL;

        *ret = NULL;
        if (caps == 0)
                return 0;
        list = json_array();
        if (!list)
                return -ENOMEM;
        for (unsigned cap = 0; cap < 64; cap++) {
                const char *name = policy_capability_to_string(cap);

                if (!(caps & (UINT64_C(1) << cap)) || !name)
                        continue;
                if (json_array_append_new(list, json_string_nocheck(name)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static const char *const securebit_names[] = {
        "SecBitNoRoot",
        "SecBitNoRootLocked",
        "SecBitNoSetUidFixup",
        "SecBitNoSetUidFixupLocked",
        "SecBitKeepCaps",
        "SecBitKeepCapsLocked",
        "SecBitNoCapAmbientRaise",
        "SecBitNoCapAmbientRaiseLocked",
};

/* ProcessCredentials: the ids, securebits, caps and user_ns; {} when unreadable. The initial
 * user namespace is the only one at level 0: it is the host's. */
static json_t *cred_to_json(const EventArg *a) {
        _cleanup_(json_decrefp) json_t *o = json_object(), *caps = NULL, *bits = NULL,
                                       *user_ns = NULL;
        const char *const set_names[] = { "permitted", "effective", "inheritable" };
        const uint64_t sets[] = { a->cred.cap_permitted, a->cred.cap_effective,
                                  a->cred.cap_inheritable };

        if (!o)
                return NULL;
        if (a->unreadable)
                return TAKE_PTR(o);
        if (json_set_u32(o, "uid", a->cred.uid) < 0 || json_set_u32(o, "gid", a->cred.gid) < 0 ||
            json_set_u32(o, "euid", a->cred.euid) < 0 ||
            json_set_u32(o, "egid", a->cred.egid) < 0 ||
            json_set_u32(o, "suid", a->cred.suid) < 0 ||
            json_set_u32(o, "sgid", a->cred.sgid) < 0 ||
            json_set_u32(o, "fsuid", a->cred.fsuid) < 0 ||
            json_set_u32(o, "fsgid", a->cred.fsgid) < 0)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(securebit_names); i++) {
                if (!(a->cred.securebits & (1U << i)))
                        continue;
                if (!bits && !(bits = json_array()))
                        return NULL;
                if (json_array_append_new(bits, json_string_nocheck(securebit_names[i])) < 0)
                        return NULL;
        }
        if (bits && json_object_set_new_nocheck(o, "securebits", TAKE_PTR(bits)) < 0)
                return NULL;
        caps = json_object();
        if (!caps)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                json_t *list;

                if (capabilities_to_json(sets[i], &list) < 0)
                        return NULL;
                if (list && json_object_set_new_nocheck(caps, set_names[i], list) < 0)
                        return NULL;
        }
        if (json_object_set_new_nocheck(o, "caps", TAKE_PTR(caps)) < 0)
                return NULL;
        user_ns = json_pack(
                "{s:i, s:I, s:I, s:{s:I, s:b}}", "level", (int) a->cred.user_ns_level, "uid",
                (json_int_t) a->cred.user_ns_owner, "gid", (json_int_t) a->cred.user_ns_group, "ns",
                "inum", (json_int_t) a->cred.user_ns_inum, "is_host", a->cred.user_ns_level == 0);
        if (!user_ns || json_object_set_new_nocheck(o, "user_ns", TAKE_PTR(user_ns)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* KprobeCapability: the number, and its name when it has one. */
static json_t *capability_to_json(const EventArg *a) {
        const char *name = a->i >= 0 ? policy_capability_to_string((unsigned) a->i) : NULL;

        if (name)
                return json_pack("{s:I, s:s}", "value", (json_int_t) a->i, "name", name);
        return json_pack("{s:I}", "value", (json_int_t) a->i);
}

/* One KprobeArgument: {"<type>_arg": value, "label": "..."}. */
static int kprobe_arg_to_json(const EventArg *a, json_t **ret) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        json_t *v = NULL;
        const char *key = NULL;

        o = json_object();
        if (!o)
                return -ENOMEM;
        switch (a->type) {
        case EVENT_ARG_INT:
                key = "int_arg";
                v = json_integer((json_int_t) (int32_t) a->i);
                break;
        case EVENT_ARG_UINT:
                key = "uint_arg";
                v = json_integer((json_int_t) (uint32_t) a->u);
                break;
        case EVENT_ARG_LONG:
                key = "long_arg";
                v = json_i64_string(a->i);
                break;
        case EVENT_ARG_SIZE:
                key = "size_arg";
                v = json_u64_string(a->u);
                break;
        case EVENT_ARG_SYSCALL_ID:
                key = "syscall_id";
                /* An i386 call on x86_64: Tetragon's abi "i386" and the number in that table. */
                if (a->u & TG_SYSCALL64_IS32)
                        v = json_pack("{s:I, s:s}", "id", (json_int_t) (a->u & ~TG_SYSCALL64_IS32),
                                      "abi", "i386");
                else
                        v = json_pack("{s:I, s:s}", "id", (json_int_t) a->u, "abi",
                                      syscall_abi_name());
                break;
        case EVENT_ARG_STRING:
                key = "string_arg";
                v = json_string_lossy(a->data, a->size);
                break;
        case EVENT_ARG_BYTES:
                if (a->orig_size > a->size) {
                        key = "truncated_bytes_arg";
                        v = json_object();
                        if (v && (json_object_set_new_nocheck(v, "bytes_arg",
                                                              json_base64(a->data, a->size)) < 0 ||
                                  json_object_set_new_nocheck(v, "orig_size",
                                                              json_u64_string(a->orig_size)) < 0)) {
                                json_decref(v);
                                return -ENOMEM;
                        }
                } else {
                        key = "bytes_arg";
                        v = json_base64(a->data, a->size);
                }
                break;
        case EVENT_ARG_FILE:
        case EVENT_ARG_PATH:
        case EVENT_ARG_BINPRM:
                key = a->type == EVENT_ARG_FILE   ? "file_arg"
                      : a->type == EVENT_ARG_PATH ? "path_arg"
                                                  : "linux_binprm_arg";
                v = json_object();
                if (v && a->size > 0 &&
                    json_object_set_new_nocheck(v, "path", json_string_lossy(a->data, a->size)) <
                            0) {
                        json_decref(v);
                        return -ENOMEM;
                }
                break;
        case EVENT_ARG_SOCKADDR:
                key = "sockaddr_arg";
                v = sockaddr_to_json(a);
                break;
        case EVENT_ARG_SOCK:
                key = "sock_arg";
                v = sock_to_json(a);
                break;
        case EVENT_ARG_SKB:
                key = "skb_arg";
                v = skb_to_json(a);
                break;
        case EVENT_ARG_NET_DEV:
                key = "net_dev_arg"; /* KprobeNetDev: {} when unreadable */
                v = json_object();
                if (v && a->size > 0 &&
                    json_object_set_new_nocheck(v, "name", json_string_lossy(a->data, a->size)) <
                            0) {
                        json_decref(v);
                        return -ENOMEM;
                }
                break;
        case EVENT_ARG_CRED:
                key = "process_credentials_arg";
                v = cred_to_json(a);
                break;
        case EVENT_ARG_CAPABILITY:
                key = "capability_arg";
                v = capability_to_json(a);
                break;
        case _EVENT_ARG_TYPE_MAX:
                return -EINVAL;
        }
        if (!v || json_object_set_new_nocheck(o, key, v) < 0)
                return -ENOMEM;
        if (json_set_string(o, "label", a->label) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* ProcessKprobe's (and ProcessLsm's) keys after process and parent, in its order;
 * "policy_mode" and "override_error" are ours: "monitor" when the action was only
 * reported, not taken, and the errno an Override made the function return. */
static int kprobe_to_json(const Event *e, json_t *body) {
        const char *action = event_action_to_string(e->kprobe.action);
        json_t *args, *tags;

        /* ProcessUprobe names the binary and the symbol instead, ProcessTracepoint the
         * subsystem and the event. */
        if (e->type == EVENT_PROCESS_UPROBE) {
                if (json_set_string(body, "path", e->kprobe.path) < 0)
                        return -ENOMEM;
                /* An offset instead of a symbol (an address: the one written); uint64s are
                 * strings in protojson. */
                if (e->kprobe.has_offset
                            ? json_object_set_new_nocheck(body, "offset",
                                                          json_u64_string(e->kprobe.offset)) < 0
                            : json_set_string(body, "symbol", e->kprobe.function_name) < 0)
                        return -ENOMEM;
                if (e->kprobe.ref_ctr_offset != 0 &&
                    json_object_set_new_nocheck(body, "ref_ctr_offset",
                                                json_u64_string(e->kprobe.ref_ctr_offset)) < 0)
                        return -ENOMEM;
        } else if (e->type == EVENT_PROCESS_USDT) {
                /* ProcessUsdt: the binary, the provider and the probe's name. */
                const char *name = strempty(e->kprobe.function_name);
                const char *colon = strchr(name, ':');

                if (!colon || json_set_string(body, "path", e->kprobe.path) < 0 ||
                    json_object_set_new_nocheck(body, "provider",
                                                json_string_lossy(name, (size_t) (colon - name))) <
                            0 ||
                    json_object_set_new_nocheck(
                            body, "name", json_string_lossy(colon + 1, strlen(colon + 1))) < 0)
                        return -ENOMEM;
        } else if (e->type == EVENT_PROCESS_TRACEPOINT) {
                const char *name = strempty(e->kprobe.function_name);
                const char *slash = strchr(name, '/');

                if (!slash ||
                    json_object_set_new_nocheck(
                            body, "subsys", json_string_lossy(name, (size_t) (slash - name))) < 0 ||
                    json_object_set_new_nocheck(
                            body, "event", json_string_lossy(slash + 1, strlen(slash + 1))) < 0)
                        return -ENOMEM;
        } else if (json_set_string(body, "function_name", e->kprobe.function_name) < 0)
                return -ENOMEM;
        args = json_array();
        if (!args || json_object_set_new_nocheck(body, "args", args) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < e->kprobe.n_args; i++) {
                json_t *a = NULL;
                int r = kprobe_arg_to_json(&e->kprobe.args[i], &a);

                if (r < 0)
                        return r;
                if (json_array_append_new(args, a) < 0)
                        return -ENOMEM;
        }
        if (e->kprobe.has_return) {
                json_t *ret = NULL;
                int r = kprobe_arg_to_json(&e->kprobe.ret, &ret);

                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(body, "return", ret) < 0)
                        return -ENOMEM;
        }
        if (!action || json_object_set_new_nocheck(body, "action", json_string_nocheck(action)) < 0)
                return -ENOMEM;
        if (json_set_string(body, "policy_name", e->kprobe.policy_name) < 0 ||
            json_set_string(body, "message", e->kprobe.message) < 0)
                return -ENOMEM;
        if (e->kprobe.n_tags > 0) {
                tags = json_array();
                if (!tags || json_object_set_new_nocheck(body, "tags", tags) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < e->kprobe.n_tags; i++)
                        if (json_array_append_new(tags,
                                                  json_string_lossy(e->kprobe.tags[i],
                                                                    strlen(e->kprobe.tags[i]))) < 0)
                                return -ENOMEM;
        }
        if (e->kprobe.monitor &&
            json_object_set_new_nocheck(body, "policy_mode", json_string_nocheck("monitor")) < 0)
                return -ENOMEM;
        if (e->kprobe.action == EVENT_ACTION_OVERRIDE &&
            json_object_set_new_nocheck(body, "override_error",
                                        json_integer(e->kprobe.override_error)) < 0)
                return -ENOMEM;
        return 0;
}

static int stack_to_json(const EventStackFrame *frames, size_t n, const EnrichOptions *opts,
                         json_t *body, const char *key) {
        json_t *list = json_array();

        if (!list || json_object_set_new_nocheck(body, key, list) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const EventStackFrame *f = &frames[i];
                json_t *o = json_object();

                if (!o || json_array_append_new(list, o) < 0)
                        return -ENOMEM;
                /* Where the kernel and the libraries sit in memory helps an attacker past
                 * ASLR: only when asked for (Tetragon's flag). protojson leaves zeros out. */
                if (opts && opts->expose_stack_addresses && f->address != 0 &&
                    json_object_set_new_nocheck(o, "address", json_u64_string(f->address)) < 0)
                        return -ENOMEM;
                if (f->offset != 0 &&
                    json_object_set_new_nocheck(o, "offset", json_u64_string(f->offset)) < 0)
                        return -ENOMEM;
                if (json_set_string(o, "symbol", f->symbol) < 0 ||
                    json_set_string(o, "module", f->module) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* kernel_stack_trace, user_stack_trace: Tetragon has them on ProcessKprobe; on the
 * other policy events (tracepoints, uprobes, LSM hooks, USDTs) they are our extension. */
static int stacks_to_json(const Event *e, const EnrichOptions *opts, json_t *body) {
        int r;

        if (e->kprobe.has_kernel_stack) {
                r = stack_to_json(e->kprobe.kernel_stack, e->kprobe.n_kernel_stack, opts, body,
                                  "kernel_stack_trace");
                if (r < 0)
                        return r;
        }
        if (e->kprobe.has_user_stack) {
                r = stack_to_json(e->kprobe.user_stack, e->kprobe.n_user_stack, opts, body,
                                  "user_stack_trace");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The parent's parent upward, nearest first, as far as the cache knows them. */
static int ancestors_to_json(const Event *e, uint64_t boot_time_ns, const EnrichOptions *opts,
                             json_t *body) {
        json_t *list;
        size_t n = 0;

        if (!e->parent || !e->parent->parent)
                return 0;
        list = json_array();
        if (!list || json_object_set_new_nocheck(body, "ancestors", list) < 0)
                return -ENOMEM;
        for (const Process *a = e->parent->parent; a && n < ANCESTORS_MAX; a = a->parent, n++) {
                json_t *o = NULL;
                int r = process_to_json(a, boot_time_ns, opts, false, &o);

                if (r < 0)
                        return r;
                if (json_array_append_new(list, o) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int event_body_to_json(const Event *e, uint64_t boot_time_ns, const EnrichOptions *opts,
                              json_t **ret) {
        _cleanup_(json_decrefp) json_t *body = NULL;
        json_t *process = NULL, *parent = NULL;
        char buf[EVENT_SIGNAL_NAME_MAX];
        int r;

        body = json_object();
        if (!body)
                return -ENOMEM;

        r = process_to_json(e->process, boot_time_ns, opts, e->type == EVENT_PROCESS_EXEC,
                            &process);
        if (r < 0)
                return r;
        if (json_object_set_new_nocheck(body, "process", process) < 0)
                return -ENOMEM;

        if (e->parent) {
                r = process_to_json(e->parent, boot_time_ns, opts, false, &parent);
                if (r < 0)
                        return r;
                if (json_object_set_new_nocheck(body, "parent", parent) < 0)
                        return -ENOMEM;
        }

        switch (e->type) {
        case EVENT_PROCESS_EXEC:
                break;
        case EVENT_PROCESS_KPROBE:
        case EVENT_PROCESS_LSM:
        case EVENT_PROCESS_UPROBE:
        case EVENT_PROCESS_TRACEPOINT:
        case EVENT_PROCESS_USDT:
                r = kprobe_to_json(e, body);
                if (r < 0)
                        return r;
                r = stacks_to_json(e, opts, body);
                if (r < 0)
                        return r;
                /* ProcessLsm's ima_hash: only LSM hooks take it. */
                if (e->kprobe.ima_hash[0]) {
                        json_t *hash = json_string(e->kprobe.ima_hash);

                        if (json_object_set_new_nocheck(body, "ima_hash", hash) < 0)
                                return -ENOMEM;
                }
                break;
        case EVENT_PROCESS_LOADER:
                /* ProcessLoader: buildid is bytes, base64 as protojson writes them, and
                 * left out when the kernel read none. */
                if (json_set_string(body, "path", e->loader.path) < 0 ||
                    (e->loader.build_id_size > 0 &&
                     json_object_set_new_nocheck(body, "buildid",
                                                 json_base64((const char *) e->loader.build_id,
                                                             e->loader.build_id_size)) < 0))
                        return -ENOMEM;
                break;
        case EVENT_PROCESS_EXIT:
                /* One of the two, so a reader never sees a status that means nothing. */
                if (e->exit.signal != 0)
                        r = json_object_set_new_nocheck(
                                body, "signal",
                                json_string_nocheck(event_signal_name(e->exit.signal, buf)));
                else
                        r = json_set_u32(body, "status", e->exit.status);
                if (r < 0 || json_object_set_new_nocheck(body, "time",
                                                         json_time(boot_time_ns + e->ktime)) < 0)
                        return -ENOMEM;
                break;
        case _EVENT_TYPE_MAX:
                return -EINVAL;
        }
        if (enrich_options_ancestors(opts, e->type)) {
                r = ancestors_to_json(e, boot_time_ns, opts, body);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(body);
        return 0;
}

int event_to_json(const Event *e, const char *node_name, uint64_t boot_time_ns, json_t **ret) {
        return event_to_json_with_options(e, node_name, boot_time_ns, NULL, ret);
}

int event_to_json_with_options(const Event *e, const char *node_name, uint64_t boot_time_ns,
                               const EnrichOptions *opts, json_t **ret) {
        _cleanup_(json_decrefp) json_t *top = NULL;
        json_t *body = NULL;
        const char *type;
        int r;

        if (!e || !e->process || !ret)
                return -EINVAL;
        type = event_type_to_string(e->type);
        if (!type)
                return -EINVAL;

        top = json_object();
        if (!top)
                return -ENOMEM;

        r = event_body_to_json(e, boot_time_ns, opts, &body);
        if (r < 0)
                return r;
        if (json_object_set_new_nocheck(top, type, body) < 0 ||
            json_set_string(top, "node_name", node_name) < 0 ||
            json_object_set_new_nocheck(top, "time", json_time(boot_time_ns + e->ktime)) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(top);
        return 0;
}

int event_info_to_json(const char *type, json_t *body, const char *node_name, uint64_t time_ns,
                       json_t **ret) {
        _cleanup_(json_decrefp) json_t *top = NULL;

        top = json_object();
        if (!top) {
                json_decref(body);
                return -ENOMEM;
        }
        if (json_object_set_new(top, type, body) < 0 ||
            json_set_string(top, "node_name", node_name) < 0 ||
            json_object_set_new_nocheck(top, "time", json_time(time_ns)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(top);
        return 0;
}
