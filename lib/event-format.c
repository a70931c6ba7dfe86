/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

#include "event-format.h"
#include "macro.h"
#include "utf8.h"

/* The words and emojis of `tetra getevents -o compact`, without its column
 * padding and node name: one host, and the journal adds the host itself.
 * Some emojis carry U+FE0F (emoji presentation) there, so here too. */
#define VS16 "\xef\xb8\x8f"
#define _sentinel_ __attribute__((sentinel))

typedef struct Line {
        char *buf;
        size_t len, size;
        bool oom;
} Line;

static void line_reserve(Line *l, size_t extra) {
        size_t want;
        char *p;

        if (l->oom)
                return;
        want = l->len + extra + 1;
        if (want <= l->size)
                return;

        want = MAX(want, MAX(l->size * 2, (size_t) 256));
        p = realloc(l->buf, want);
        if (!p) {
                l->oom = true;
                return;
        }
        l->buf = p;
        l->size = want;
}

static void line_append(Line *l, const char *s, size_t n) {
        line_reserve(l, n);
        if (l->oom)
                return;
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        l->buf[l->len] = '\0';
}

static void line_append_str(Line *l, const char *s) {
        line_append(l, s, strlen(s));
}

_printf_(2, 3) static void line_appendf(Line *l, const char *format, ...) {
        char buf[128];
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        if (n > 0)
                line_append(l, buf, MIN((size_t) n, sizeof(buf) - 1));
}

/* Code points that would break the line or fool the reader: C0 and C1
 * controls (ESC, CSI, NEL...), DEL, the Unicode line and paragraph
 * separators, and the bidirectional overrides and isolates. */
static bool codepoint_is_unsafe(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
               (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void line_append_hex(Line *l, const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                line_appendf(l, "\\x%02x", (unsigned char) s[i]);
}

/* Printable UTF-8 goes through as it is; every other byte becomes \xNN. */
static void line_append_escaped(Line *l, const char *s, size_t n) {
        uint32_t cp;

        while (n > 0) {
                size_t run = 0;

                /* Copy printable ASCII in runs, the common case. */
                while (run < n && (unsigned char) s[run] >= 0x20 && (unsigned char) s[run] < 0x7f)
                        run++;
                line_append(l, s, run);
                s += run;
                n -= run;
                if (n == 0)
                        break;

                size_t len = utf8_decode(s, n, &cp);
                if (len > 0 && !codepoint_is_unsafe(cp))
                        line_append(l, s, len);
                else {
                        len = MAX(len, (size_t) 1); /* not UTF-8: one byte at a time */
                        line_append_hex(l, s, len);
                }
                s += len;
                n -= len;
        }
}

/* A JSON string value, escaped; nothing for anything else. */
static void line_append_json(Line *l, json_t *value) {
        if (json_is_string(value))
                line_append_escaped(l, json_string_value(value), json_string_length(value));
}

/* " value", escaped; nothing for a missing or empty value. */
static void line_append_part(Line *l, json_t *value) {
        if (!json_is_string(value) || json_string_length(value) == 0)
                return;
        line_append(l, " ", 1);
        line_append_json(l, value);
}

static const char *const event_types[] = {
        "process_exec",   "process_exit", "process_kprobe", "process_tracepoint",
        "process_uprobe", "process_lsm",  "process_usdt",   "process_loader",
};

const char *event_json_type(json_t *event) {
        if (!json_is_object(event))
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(event_types); i++)
                if (json_is_object(json_object_get(event, event_types[i])))
                        return event_types[i];
        return NULL;
}

const char *event_type_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(event_types); i++)
                if (strcasecmp(name, event_types[i]) == 0)
                        return event_types[i];
        return NULL;
}

const char *event_type_list(void) {
        return "process_exec, process_exit, process_kprobe, process_tracepoint, process_uprobe, "
               "process_lsm, process_usdt, process_loader";
}

/* args[i].<kind>, or NULL. */
static json_t *json_arg(json_t *body, size_t i, const char *kind) {
        return json_object_get(json_array_get(json_object_get(body, "args"), i), kind);
}

static json_t *json_arg_field(json_t *body, size_t i, const char *kind, const char *field) {
        return json_object_get(json_arg(body, i, kind), field);
}

/* protojson writes 64-bit integers as strings, smaller ones as numbers. */
static bool json_get_u64(json_t *v, uint64_t *ret) {
        if (json_is_integer(v)) {
                *ret = (uint64_t) json_integer_value(v);
                return true;
        }
        if (json_is_string(v)) {
                const char *s = json_string_value(v);
                char *end;

                errno = 0;
                *ret = strtoull(s, &end, 10);
                return *s && !*end && errno == 0;
        }
        return false;
}

static int64_t json_get_int(json_t *v) {
        uint64_t u;

        return json_get_u64(v, &u) ? (int64_t) u : 0;
}

/* "EMOJI word BINARY", the start of every line about a process. */
static int line_begin(Line *l, const char *label, json_t *body) {
        json_t *process = json_object_get(body, "process");

        if (!json_is_object(process))
                return -EINVAL;
        line_append_str(l, label);
        line_append_part(l, json_object_get(process, "binary"));
        return 0;
}

static void line_append_sock(Line *l, json_t *sock) {
        if (!json_is_object(sock))
                return;
        line_append_str(l, " tcp ");
        line_append_json(l, json_object_get(sock, "saddr"));
        line_appendf(l, ":%" PRId64 " -> ", json_get_int(json_object_get(sock, "sport")));
        line_append_json(l, json_object_get(sock, "daddr"));
        line_appendf(l, ":%" PRId64, json_get_int(json_object_get(sock, "dport")));
}

/* sockaddr_arg: " ADDR:PORT" ("[ADDR]:PORT" for IPv6), or the family alone. */
static void line_append_sockaddr(Line *l, json_t *sa) {
        json_t *addr = json_object_get(sa, "addr"), *port = json_object_get(sa, "port");
        bool v6 = streq_ptr(json_string_value(json_object_get(sa, "family")), "AF_INET6");

        if (!json_is_object(sa))
                return;
        if (json_string_length(addr) == 0) {
                line_append_part(l, json_object_get(sa, "family"));
                return;
        }
        line_append_str(l, v6 ? " [" : " ");
        line_append_json(l, addr);
        if (v6)
                line_append_str(l, "]");
        if (port)
                line_appendf(l, ":%" PRId64, json_get_int(port));
}

/* The first argument of this kind ("sockaddr_arg"...), or NULL. */
static json_t *json_first_arg(json_t *body, const char *kind) {
        size_t i;
        json_t *a;

        json_array_foreach(json_object_get(body, "args"), i, a) {
                json_t *v = json_object_get(a, kind);
                if (v)
                        return v;
        }
        return NULL;
}

/* For hooks without a format of their own (our extension of tetra's lines): the
 * first argument a reader looks for, an address, a socket, a path or a string. */
static void line_append_telling_arg(Line *l, json_t *body) {
        size_t i;
        json_t *a, *v;

        json_array_foreach(json_object_get(body, "args"), i, a) {
                if ((v = json_object_get(a, "sockaddr_arg"))) {
                        line_append_sockaddr(l, v);
                        return;
                }
                if ((v = json_object_get(a, "sock_arg"))) {
                        line_append_sock(l, v);
                        return;
                }
                if ((v = json_object_get(a, "file_arg")) || (v = json_object_get(a, "path_arg")) ||
                    (v = json_object_get(a, "linux_binprm_arg"))) {
                        line_append_part(l, json_object_get(v, "path"));
                        return;
                }
                if ((v = json_object_get(a, "string_arg"))) {
                        line_append_part(l, v);
                        return;
                }
        }
}

static const char *namespace_name(int64_t clone_flag) {
        static const struct {
                int64_t flag;
                const char *name;
        } table[] = {
                { 0, "any" },          { 0x2000000, "cgroup" }, { 0x8000000, "ipc" },
                { 0x40000000, "net" }, { 0x20000, "mnt" },      { 0x20000000, "pid" },
                { 0x80, "time" },      { 0x10000000, "user" },  { 0x4000000, "uts" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].flag == clone_flag)
                        return table[i].name;
        return NULL;
}

static const char *function_cut_syscall_prefix(const char *fn) {
        static const char *const prefixes[] = { "__x64_", "__arm64_", "__ia32_" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                const char *rest = startswith(fn, prefixes[i]);
                if (rest)
                        return rest;
        }
        return fn;
}

static void format_kprobe_call(Line *l, json_t *body, const char *fn) {
        const char *sc = function_cut_syscall_prefix(fn);
        uint64_t u;

        if (streq(sc, "sys_write") || streq(sc, "sys_read")) {
                line_append_part(l, json_arg_field(body, 0, "file_arg", "path"));
                if (json_array_get(json_object_get(body, "args"), 2)) {
                        if (!json_get_u64(json_arg(body, 2, "size_arg"), &u))
                                u = 0;
                        line_appendf(l, " %" PRIu64 " bytes", u);
                }
        } else if (streq(sc, "fd_install"))
                line_append_part(l, json_arg_field(body, 1, "file_arg", "path"));
        else if (streq(sc, "sys_openat") || streq(sc, "sys_open"))
                line_append_part(l, json_arg(body, 1, "string_arg"));
        else if (streq(sc, "sys_close"))
                line_append_part(l, json_arg_field(body, 0, "file_arg", "path"));
        else if (streq(sc, "sys_mount") || streq(sc, "sys_pivot_root")) {
                line_append_part(l, json_arg(body, 0, "string_arg"));
                line_append_part(l, json_arg(body, 1, "string_arg"));
        } else if (streq(sc, "sys_setuid")) {
                if (json_arg(body, 0, "int_arg"))
                        line_appendf(l, " %" PRId64, json_get_int(json_arg(body, 0, "int_arg")));
        } else if (streq(sc, "sys_setns")) {
                const char *ns = namespace_name(json_get_int(json_arg(body, 1, "int_arg")));
                if (ns && json_arg(body, 1, "int_arg"))
                        line_appendf(l, " %s", ns);
        } else if (streq(sc, "tcp_connect") || streq(sc, "tcp_close"))
                line_append_sock(l, json_arg(body, 0, "sock_arg"));
        else if (streq(sc, "sys_connect") || streq(sc, "security_socket_connect") ||
                 streq(sc, "sys_bind") || streq(sc, "security_socket_bind"))
                line_append_sockaddr(l, json_first_arg(body, "sockaddr_arg"));
        else if (streq(sc, "tcp_sendmsg")) {
                line_append_sock(l, json_arg(body, 0, "sock_arg"));
                line_appendf(l, " bytes %" PRId64, json_get_int(json_arg(body, 1, "int_arg")));
        } else if (streq(sc, "bpf_check")) {
                json_t *a = json_arg(body, 0, "bpf_attr_arg");
                if (a) {
                        line_append_part(l, json_object_get(a, "ProgType"));
                        line_append_part(l, json_object_get(a, "ProgName"));
                        line_appendf(l, " instruction count %" PRId64,
                                     json_get_int(json_object_get(a, "InsnCnt")));
                }
        } else if (streq(sc, "security_perf_event_alloc")) {
                line_append_part(l, json_arg_field(body, 0, "perf_event_arg", "Type"));
                line_append_part(l, json_arg_field(body, 0, "perf_event_arg", "KprobeFunc"));
        } else if (streq(sc, "security_bpf_map_alloc")) {
                json_t *m = json_arg(body, 0, "bpf_map_arg");
                if (m) {
                        line_append_part(l, json_object_get(m, "MapType"));
                        line_append_part(l, json_object_get(m, "MapName"));
                        line_appendf(l,
                                     " key size %" PRId64 " value size %" PRId64
                                     " max entries %" PRId64,
                                     json_get_int(json_object_get(m, "KeySize")),
                                     json_get_int(json_object_get(m, "ValueSize")),
                                     json_get_int(json_object_get(m, "MaxEntries")));
                }
        } else if (streq(sc, "security_file_permission") || streq(sc, "security_mmap_file"))
                line_append_part(l, json_arg_field(body, 0, "file_arg", "path"));
        else if (streq(sc, "security_path_truncate"))
                line_append_part(l, json_arg_field(body, 0, "path_arg", "path"));
        else if (!streq(sc, "sys_clock_settime") && !streq(sc, "proc_exec_connector")) {
                line_append_part(l, json_object_get(body, "function_name"));
                line_append_telling_arg(l, body);
        }
}

/* The label of a kprobe line: which call, and for the LSM-style hooks, what
 * the mask argument says the access was. */
static void kprobe_label(json_t *body, const char *sc, char *buf, size_t size) {
        static const struct {
                const char *call, *label;
        } table[] = {
                { "sys_write", "📝 write" },
                { "sys_read", "📚 read" },
                { "fd_install", "📬 open" },
                { "sys_openat", "📬" VS16 " openat" },
                { "sys_open", "📬" VS16 " open" },
                { "sys_close", "📪 close" },
                { "sys_mount", "💾 mount" },
                { "sys_setuid", "🔑 setuid" },
                { "sys_clock_settime", "⏰ clock_settime" },
                { "sys_pivot_root", "💾 pivot_root" },
                { "proc_exec_connector", "🔧 proc_exec_connector" },
                { "sys_setns", "🔧 setns" },
                { "tcp_connect", "🔌 connect" },
                { "sys_connect", "🔌 connect" },
                { "security_socket_connect", "🔌 connect" },
                { "sys_bind", "🔌 bind" },
                { "security_socket_bind", "🔌 bind" },
                { "tcp_close", "🧹 close" },
                { "tcp_sendmsg", "📤 sendmsg" },
                { "bpf_check", "🐝 bpf_load" },
                { "security_perf_event_alloc", "🐝 perf_event_alloc" },
                { "security_bpf_map_alloc", "🗺 bpf_map_create" },
                { "security_path_truncate", "📝 truncate" },
        };

        if (streq(sc, "security_file_permission")) {
                int64_t mask = json_get_int(json_arg(body, 1, "int_arg"));
                snprintf(buf, size, "%s",
                         mask == 0x02   ? "📝 write"
                         : mask == 0x04 ? "📚 read"
                                        : "❓ security_file_permission");
                return;
        }
        if (streq(sc, "security_mmap_file")) {
                uint64_t prot = 0;

                if (!json_get_u64(json_arg(body, 1, "uint_arg"), &prot)) {
                        snprintf(buf, size, "❓ security_mmap_file");
                        return;
                }
                snprintf(buf, size, "📝 mmap-%s%s%s", prot & 0x1 ? "r" : "", prot & 0x2 ? "w" : "",
                         prot & 0x4 ? "x" : "");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(sc, table[i].call)) {
                        snprintf(buf, size, "%s", table[i].label);
                        return;
                }
        snprintf(buf, size, "❓ syscall");
}

/* An enforcing action is what a reader must not miss: " [SIGKILL]", or " [SIGKILL,
 * monitor only]" when the policy's monitor mode reported it instead of taking it. */
static void line_append_action(Line *l, json_t *body) {
        static const char *const shown[] = { "SIGKILL", "OVERRIDE", "SIGNAL", "NOTIFYENFORCER" };
        const char *action = json_string_value(json_object_get(body, "action"));
        bool monitor =
                streq_ptr(json_string_value(json_object_get(body, "policy_mode")), "monitor");
        const char *name;

        if (!action)
                return;
        name = startswith(action, "KPROBE_ACTION_");
        if (!name)
                return;
        for (size_t i = 0; i < ELEMENTSOF(shown); i++)
                if (streq(name, shown[i])) {
                        line_appendf(l, " [%s%s]", name, monitor ? ", monitor only" : "");
                        return;
                }
}

static int format_kprobe(Line *l, json_t *body) {
        const char *fn = json_string_value(json_object_get(body, "function_name"));
        char label[64];
        int r;

        fn = strempty(fn);
        kprobe_label(body, function_cut_syscall_prefix(fn), label, sizeof(label));
        r = line_begin(l, label, body);
        if (r < 0)
                return r;
        format_kprobe_call(l, body, fn);
        return 0;
}

static int format_tracepoint(Line *l, json_t *body) {
        json_t *subsys = json_object_get(body, "subsys"), *event = json_object_get(body, "event");
        int r;

        if (streq_ptr(json_string_value(subsys), "raw_syscalls") &&
            streq_ptr(json_string_value(event), "sys_enter")) {
                json_t *id = json_arg_field(body, 0, "syscall_id", "id");
                uint64_t nr;

                r = line_begin(l, "☎ syscall", body);
                if (r < 0)
                        return r;
                /* No syscall table here: the number, which is what the name stands for. */
                if (!id)
                        id = json_arg(body, 0, "long_arg");
                if (json_get_u64(id, &nr)) {
                        json_t *abi = json_arg_field(body, 0, "syscall_id", "abi");

                        line_append(l, " ", 1);
                        if (json_string_length(abi) > 0) {
                                line_append_json(l, abi);
                                line_append(l, "/", 1);
                        }
                        line_appendf(l, "%" PRIu64, nr);
                } else
                        line_append_str(l, " unknown");
        } else {
                r = line_begin(l, "⁉" VS16 " tracepoint", body);
                if (r < 0)
                        return r;
                line_append_part(l, subsys);
                line_append_part(l, event);
        }
        return 0;
}

static int format_exit(Line *l, json_t *body) {
        json_t *process = json_object_get(body, "process"),
               *signal = json_object_get(body, "signal");
        int r;

        r = line_begin(l, "💥 exit", body);
        if (r < 0)
                return r;
        line_append_part(l, json_object_get(process, "arguments"));
        /* The signal when it died of one, else the exit code. */
        if (json_string_length(signal) > 0)
                line_append_part(l, signal);
        else {
                uint64_t status;

                if (!json_get_u64(json_object_get(body, "status"), &status))
                        status = 0; /* protojson leaves a zero status out */
                line_appendf(l, " %" PRIu64, status);
        }
        return 0;
}

/* "EMOJI word BINARY" and then the given keys of the body, in order;
 * "process.arguments" reaches into the process object. */
_sentinel_ static int format_with_parts(Line *l, const char *label, json_t *body, ...) {
        const char *key;
        va_list ap;
        int r;

        r = line_begin(l, label, body);
        if (r < 0)
                return r;

        va_start(ap, body);
        while ((key = va_arg(ap, const char *))) {
                const char *sub = startswith(key, "process.");

                if (sub)
                        line_append_part(l, json_object_get(json_object_get(body, "process"), sub));
                else
                        line_append_part(l, json_object_get(body, key));
        }
        va_end(ap);
        return 0;
}

/* Tetragon's trailer for a process that holds CAP_SYS_ADMIN in its effective set
 * (present with --enable-process-cred): " 🛑 CAP_SYS_ADMIN", without its padding. */
static void line_append_caps(Line *l, json_t *process) {
        size_t i;
        json_t *c;

        json_array_foreach(json_object_get(json_object_get(process, "cap"), "effective"), i,
                           c) if (streq_ptr(json_string_value(c), "CAP_SYS_ADMIN")) {
                line_append_str(l, " 🛑 CAP_SYS_ADMIN");
                return;
        }
}

/* tetra's loader line: "🧬 loader  <process> <build id in hex> <path>"; the JSON carries the
 * build id as protojson's base64. Nothing of a build id that is not valid base64. */
static void line_append_build_id(Line *l, json_t *value) {
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *s = json_string_value(value);
        char hex[2 * 64 + 1];
        size_t n = 0, bits = 0;
        uint32_t acc = 0;

        if (!s || !*s)
                return;
        for (; *s && *s != '='; s++) {
                const char *c = strchr(alphabet, *s);

                if (!c || n + 2 >= sizeof(hex))
                        return;
                acc = (acc << 6) | (uint32_t) (c - alphabet);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        snprintf(hex + n, 3, "%02x", (acc >> bits) & 0xff);
                        n += 2;
                }
        }
        if (n == 0)
                return;
        line_append(l, " ", 1);
        line_append(l, hex, n);
}

/* The last path component of a binary, for the short ancestor chain. */
static void line_append_basename(Line *l, json_t *binary) {
        const char *s = json_string_value(binary), *slash;

        if (!s || !*s) {
                line_append_str(l, "?");
                return;
        }
        slash = strrchr(s, '/');
        if (slash && slash[1])
                s = slash + 1;
        line_append_escaped(l, s, strlen(s));
}

/* Our extension of tetra's line: who ran it and from where, with what the daemon
 * was asked to add: " (user alice, ancestors bash < sshd < systemd)". Each part only
 * when its field is in the event (process.user.name with --username-metadata, the chain
 * with --enable-ancestors: parent first). Nothing when none is there. Not the unit: every
 * process of a systemd host has one, and the line would differ from tetra's everywhere. */
static void line_append_context(Line *l, json_t *body) {
        json_t *process = json_object_get(body, "process"),
               *name = json_object_get(json_object_get(process, "user"), "name"),
               *ancestors = json_object_get(body, "ancestors");
        const char *sep = " (";
        size_t i;
        json_t *a;

        if (json_string_length(name) > 0) {
                line_append_str(l, sep);
                line_append_str(l, "user ");
                line_append_json(l, name);
                sep = ", ";
        }
        if (json_is_array(ancestors)) {
                line_append_str(l, sep);
                line_append_str(l, "ancestors ");
                line_append_basename(l, json_object_get(json_object_get(body, "parent"), "binary"));
                json_array_foreach(ancestors, i, a) {
                        line_append_str(l, " < ");
                        line_append_basename(l, json_object_get(a, "binary"));
                }
                sep = ", ";
        }
        if (!streq(sep, " ("))
                line_append_str(l, ")");
}

/* An export object's one member, its event's body: {"process_exec": BODY, ...}. */
static json_t *event_body(json_t *event, const char **ret_type) {
        const char *type = event_json_type(event);

        if (!type)
                return NULL;
        if (ret_type)
                *ret_type = type;
        return json_object_get(event, type);
}

/* The line's text, handed over; freed when building it failed. */
static int line_finish(Line *l, int r, char **ret) {
        _cleanup_free_ char *buf = l->buf;

        if (r < 0)
                return r;
        if (l->oom)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int event_format_compact(json_t *event, char **ret) {
        const char *type;
        json_t *body;
        Line l = {};
        int r;

        body = event_body(event, &type);
        if (!ret || !body)
                return -EINVAL;

        if (streq(type, "process_exec"))
                r = format_with_parts(&l, "🚀 process", body, "process.arguments", NULL);
        else if (streq(type, "process_exit"))
                r = format_exit(&l, body);
        else if (streq(type, "process_kprobe"))
                r = format_kprobe(&l, body);
        else if (streq(type, "process_tracepoint"))
                r = format_tracepoint(&l, body);
        else if (streq(type, "process_uprobe")) {
                r = format_with_parts(&l, "🕵" VS16 " uprobe", body, "path", "symbol", "offset",
                                      NULL);
        } else if (streq(type, "process_lsm")) {
                r = format_with_parts(&l, "🔒 LSM", body, "function_name", NULL);
                line_append_telling_arg(&l, body);
        } else if (streq(type, "process_usdt")) {
                r = format_with_parts(&l, "🕵" VS16 " usdt", body, "path", "provider", "name",
                                      NULL);
        } else if (streq(type, "process_loader")) {
                r = format_with_parts(&l, "🧬 loader", body, NULL);
                line_append_build_id(&l, json_object_get(body, "buildid"));
                line_append_part(&l, json_object_get(body, "path"));
        } else
                r = -EINVAL;

        if (r >= 0) {
                line_append_caps(&l, json_object_get(body, "process"));
                line_append_context(&l, body);
                line_append_action(&l, body);
        }

        return line_finish(&l, r, ret);
}

/* "   0xADDRESS:" when the daemon exposed it (--expose-stack-addresses), else "  ". */
static void line_append_frame_address(Line *l, json_t *frame) {
        uint64_t address;

        if (json_get_u64(json_object_get(frame, "address"), &address))
                line_appendf(l, "   0x%" PRIx64 ":", address);
        else
                line_append_str(l, "  ");
}

int event_format_stack_traces(json_t *event, char **ret) {
        json_t *body, *kernel, *user, *frame;
        Line l = {};
        size_t i;

        body = event_body(event, NULL);
        if (!ret || !body)
                return -EINVAL;
        kernel = json_object_get(body, "kernel_stack_trace");
        user = json_object_get(body, "user_stack_trace");
        line_append(&l, "", 0); /* "" when there are no stacks */

        if (json_array_size(kernel) > 0) {
                line_append_str(&l, "Kernel:\n");
                json_array_foreach(kernel, i, frame) {
                        uint64_t offset = 0;

                        (void) json_get_u64(json_object_get(frame, "offset"), &offset);
                        line_append_frame_address(&l, frame);
                        line_append_part(&l, json_object_get(frame, "symbol"));
                        line_appendf(&l, "+0x%" PRIx64, offset);
                        if (json_string_length(json_object_get(frame, "module")) > 0) {
                                line_append_str(&l, " [");
                                line_append_json(&l, json_object_get(frame, "module"));
                                line_append_str(&l, "]");
                        }
                        line_append_str(&l, "\n");
                }
        }
        if (json_array_size(user) > 0) {
                line_append_str(&l, "User:\n");
                json_array_foreach(user, i, frame) {
                        uint64_t offset = 0;

                        (void) json_get_u64(json_object_get(frame, "offset"), &offset);
                        line_append_frame_address(&l, frame);
                        line_append_part(&l, json_object_get(frame, "symbol"));
                        line_append_str(&l, " (");
                        line_append_json(&l, json_object_get(frame, "module"));
                        line_appendf(&l, "+0x%" PRIx64 ")\n", offset);
                }
        }

        return line_finish(&l, 0, ret);
}

int event_format_ima_hash(int32_t algo, const uint8_t *digest, char ret[EVENT_IMA_HASH_MAX]) {
        /* crypto/hash_info.c: hash_algo_name[] and hash_digest_size[] */
        static const struct {
                const char *name;
                size_t size;
        } algos[] = {
                [1] = { "md5", 16 },    [2] = { "sha1", 20 },         [4] = { "sha256", 32 },
                [5] = { "sha384", 48 }, [6] = { "sha512", 64 },       [7] = { "sha224", 28 },
                [17] = { "sm3", 32 },   [18] = { "streebog256", 32 }, [19] = { "streebog512", 64 },
        };
        char *p = ret;

        ret[0] = '\0';
        if (algo < 0 || (size_t) algo >= ELEMENTSOF(algos) || !algos[algo].name)
                return -EINVAL;
        p += sprintf(p, "%s:", algos[algo].name);
        for (size_t i = 0; i < algos[algo].size; i++)
                p += sprintf(p, "%02x", digest[i]);
        return 0;
}
