/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process-cache.h"
#include "user-names.h"

_Static_assert(PROCESS_NS_MAX == _TG_NS_MAX && PROCESS_NS_PID == TG_NS_PID,
               "namespace lists of event.h and bpf/process.h");

/* /proc/PID/ns/ names, in enum tg_ns order. */
static const char *const ns_names[PROCESS_NS_MAX] = {
        [TG_NS_UTS] = "uts",
        [TG_NS_IPC] = "ipc",
        [TG_NS_MNT] = "mnt",
        [TG_NS_PID] = "pid",
        [TG_NS_PID_FOR_CHILDREN] = "pid_for_children",
        [TG_NS_NET] = "net",
        [TG_NS_TIME] = "time",
        [TG_NS_TIME_FOR_CHILDREN] = "time_for_children",
        [TG_NS_CGROUP] = "cgroup",
        [TG_NS_USER] = "user",
};

/* Deepest ancestry walked (in_init_tree, cycle checks): deeper chains are not real. */
#define ANCESTRY_MAX 4096

/*
 * Entries live in a chained hash table keyed by pid, written here: glibc's
 * hsearch_r() cannot delete, tsearch() costs a tree node and a comparison
 * callback per lookup, and libsystemd exports no hash table. Two intrusive
 * lists give the orders the cache needs without a scan: all entries from the
 * least to the most recently used (eviction), and exited ones by exit time
 * (release after the grace period).
 */

#define PF_KTHREAD 0x00200000 /* /proc/PID/stat flags: a kernel thread */
#define HASH_BITS_MIN 8

typedef struct Entry Entry;

typedef struct Link {
        Entry *prev, *next;
} Link;

typedef struct List {
        Entry *head, *tail;
} List;

struct Entry {
        Process *process;
        Process *parent;     /* a reference: the parent as it was at exec or fork */
        uint64_t exit_ktime; /* when process->exited */
        Entry *hash_next;
        Link use;  /* in ProcessCache.by_use */
        Link exit; /* in ProcessCache.exited, once exited */
};

struct ProcessCache {
        Entry **buckets;
        unsigned hash_bits;
        size_t n_entries;
        size_t n_exited;
        size_t max_entries;
        char *node_name;

        List by_use; /* least recently used first */
        List exited; /* earliest exit first */

        uint64_t evicted;
        uint64_t misses;

        ProcessArgsHook args_hook;
        void *args_hook_userdata;
        const EnrichOptions *options;     /* borrowed; NULL: Tetragon's defaults */
        UserNames *user_names;            /* borrowed; NULL without --username-metadata unix */
        uint32_t host_ns[PROCESS_NS_MAX]; /* pid 1's namespaces; 0 when unknown */
};

void process_cache_set_args_hook(ProcessCache *c, ProcessArgsHook hook, void *userdata) {
        c->args_hook = hook;
        c->args_hook_userdata = userdata;
}

void process_cache_set_enrichment(ProcessCache *c, const EnrichOptions *options,
                                  UserNames *user_names) {
        c->options = options;
        c->user_names = user_names;
}

/* The hook (redaction) sees the arguments and environment before anything else can; when it
 * fails, the process has none rather than ones it could not vet. */
static void process_cache_vet_args(const ProcessCache *c, Process *p) {
        if (!c->args_hook || (!p->args && !p->env))
                return;
        if (c->args_hook(p, c->args_hook_userdata) < 0) {
                p->args = mfree(p->args);
                p->args_size = 0;
                p->args_truncated = true;
                p->env = mfree(p->env);
                p->env_size = 0;
                p->env_truncated = true;
        }
}

#define LIST_APPEND(list, e, field)                                                                \
        do {                                                                                       \
                (e)->field.prev = (list).tail;                                                     \
                (e)->field.next = NULL;                                                            \
                if ((list).tail)                                                                   \
                        (list).tail->field.next = (e);                                             \
                else                                                                               \
                        (list).head = (e);                                                         \
                (list).tail = (e);                                                                 \
        } while (0)

#define LIST_REMOVE(list, e, field)                                                                \
        do {                                                                                       \
                if ((e)->field.prev)                                                               \
                        (e)->field.prev->field.next = (e)->field.next;                             \
                else                                                                               \
                        (list).head = (e)->field.next;                                             \
                if ((e)->field.next)                                                               \
                        (e)->field.next->field.prev = (e)->field.prev;                             \
                else                                                                               \
                        (list).tail = (e)->field.prev;                                             \
                (e)->field.prev = (e)->field.next = NULL;                                          \
        } while (0)

static size_t bucket_of(const ProcessCache *c, uint32_t pid) {
        /* Fibonacci hashing: the top bits of pid * 2^32/phi. */
        return (uint32_t) (pid * 2654435769U) >> (32 - c->hash_bits);
}

static Entry *cache_find(const ProcessCache *c, uint32_t pid) {
        for (Entry *e = c->buckets[bucket_of(c, pid)]; e; e = e->hash_next)
                if (e->process->pid == pid)
                        return e;
        return NULL;
}

/* Find and mark used, so that processes still asked about are evicted last. */
static Entry *cache_use(ProcessCache *c, uint32_t pid) {
        Entry *e = cache_find(c, pid);

        if (e && c->by_use.tail != e) {
                LIST_REMOVE(c->by_use, e, use);
                LIST_APPEND(c->by_use, e, use);
        }
        return e;
}

static int cache_grow(ProcessCache *c) {
        unsigned bits = c->hash_bits + 1;
        Entry **buckets;

        buckets = calloc((size_t) 1 << bits, sizeof(Entry *));
        if (!buckets)
                return -ENOMEM;
        for (size_t i = 0; i < (size_t) 1 << c->hash_bits; i++)
                for (Entry *e = c->buckets[i], *next; e; e = next) {
                        size_t b = (uint32_t) (e->process->pid * 2654435769U) >> (32 - bits);

                        next = e->hash_next;
                        e->hash_next = buckets[b];
                        buckets[b] = e;
                }
        free(c->buckets);
        c->buckets = buckets;
        c->hash_bits = bits;
        return 0;
}

static void entry_free(Entry *e) {
        process_unref(e->process);
        process_unref(e->parent);
        free(e);
}

static void cache_remove(ProcessCache *c, Entry *e) {
        Entry **p = &c->buckets[bucket_of(c, e->process->pid)];

        while (*p != e)
                p = &(*p)->hash_next;
        *p = e->hash_next;

        LIST_REMOVE(c->by_use, e, use);
        if (e->process->exited) {
                LIST_REMOVE(c->exited, e, exit);
                c->n_exited--;
        }
        c->n_entries--;
        entry_free(e);
}

/* Take process (and a reference to parent) into a new entry, replacing the
 * pid's entry if there is one, else making room under the cap. */
static int cache_insert(ProcessCache *c, Process *process, Process *parent) {
        Entry *e, *old;
        size_t b;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        /* Referenced before anything is removed: the parent may be the entry evicted. */
        e->process = process;
        e->parent = process_ref(parent);
        if (!process->parent)
                process->parent = process_ref(parent);

        old = cache_find(c, process->pid);
        if (old)
                cache_remove(c, old);
        else if (c->n_entries >= c->max_entries) {
                /* Exited entries first: they are only kept for late events. */
                cache_remove(c, c->exited.head ?: c->by_use.head);
                c->evicted++;
        }
        /* Keep chains short; if memory is short, they only grow longer. */
        if (c->n_entries >= ((size_t) 1 << c->hash_bits))
                (void) cache_grow(c);

        b = bucket_of(c, process->pid);
        e->hash_next = c->buckets[b];
        c->buckets[b] = e;
        LIST_APPEND(c->by_use, e, use);
        c->n_entries++;
        return 0;
}

int process_cache_new(ProcessCache **ret, size_t max_entries, const char *node_name) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;

        if (!ret || max_entries == 0 || !node_name)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->max_entries = max_entries;
        c->hash_bits = HASH_BITS_MIN;
        c->buckets = calloc((size_t) 1 << c->hash_bits, sizeof(Entry *));
        c->node_name = strdup(node_name);
        if (!c->buckets || !c->node_name)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}

ProcessCache *process_cache_free(ProcessCache *c) {
        if (!c)
                return NULL;
        if (c->buckets)
                for (Entry *e = c->by_use.head, *next; e; e = next) {
                        next = e->use.next;
                        entry_free(e);
                }
        free(c->buckets);
        free(c->node_name);
        return mfree(c);
}

/* RFC 4648 base64, padded. */
static char *base64_encode(const char *s, size_t n) {
        static const char table[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *in = (const unsigned char *) s;
        char *out, *o;

        out = o = malloc((n + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) in[i] << 16;

                if (i + 1 < n)
                        v |= (uint32_t) in[i + 1] << 8;
                if (i + 2 < n)
                        v |= in[i + 2];
                *o++ = table[(v >> 18) & 63];
                *o++ = table[(v >> 12) & 63];
                *o++ = i + 1 < n ? table[(v >> 6) & 63] : '=';
                *o++ = i + 2 < n ? table[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

/* As Tetragon: base64("node:start_ktime:pid"). The start time tells apart the
 * processes that reuse a pid, and the exec from the fork before it. */
static char *exec_id_new(const ProcessCache *c, uint64_t start_ktime, uint32_t pid) {
        _cleanup_free_ char *raw = NULL;
        int n;

        n = asprintf(&raw, "%s:%" PRIu64 ":%" PRIu32, c->node_name, start_ktime, pid);
        if (n < 0)
                return NULL;
        return base64_encode(raw, n);
}

static bool unit_suffix(const char *name, size_t len) {
        static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount",
                                                ".swap" };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t l = strlen(suffixes[i]);

                if (len > l && memcmp(name + len - l, suffixes[i], l) == 0)
                        return true;
        }
        return false;
}

int process_cache_unit_from_cgroup(const char *cgroup_path, char **ret_unit) {
        const char *end;

        *ret_unit = NULL;
        if (!cgroup_path)
                return 0;

        end = cgroup_path + strlen(cgroup_path);
        while (end > cgroup_path) {
                const char *start = end;

                while (start > cgroup_path && start[-1] != '/')
                        start--;
                /* systemd prefixes a cgroup name with '_' when it could clash with a
                 * kernel file name ("_cpu.service"); a unit name never starts with one. */
                if (end > start && *start == '_')
                        start++;
                if (end > start && unit_suffix(start, end - start)) {
                        *ret_unit = strndup(start, end - start);
                        return *ret_unit ? 1 : -ENOMEM;
                }
                end = start;
                while (end > cgroup_path && end[-1] == '/')
                        end--;
        }
        return 0;
}

static Process *process_new(void) {
        Process *p = calloc(1, sizeof(*p));

        if (p)
                p->n_ref = 1;
        return p;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Process *, process_unref);

/* The arguments after argv[0] of a NUL-separated list, or NULL when none. */
static int args_copy(const char *args, size_t size, char **ret, size_t *ret_size) {
        const char *nul = memchr(args, '\0', size);
        size_t skip = nul ? (size_t) (nul - args) + 1 : size;

        *ret = NULL;
        *ret_size = 0;
        if (skip >= size)
                return 0;
        *ret = malloc(size - skip);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, args + skip, size - skip);
        *ret_size = size - skip;
        return 0;
}

static int process_set_cgroup(Process *p, const char *cgroup_path) {
        p->cgroup_path = strdup(cgroup_path);
        if (!p->cgroup_path)
                return -ENOMEM;
        return process_cache_unit_from_cgroup(cgroup_path, &p->unit) < 0 ? -ENOMEM : 0;
}

static int process_link_parent(Process *p, const Process *parent) {
        free(p->parent_exec_id);
        p->parent_exec_id = NULL;
        if (!parent)
                return 0;
        p->parent_exec_id = strdup(parent->exec_id);
        return p->parent_exec_id ? 0 : -ENOMEM;
}

static void event_init(Event *ev, EventType type, uint64_t ktime, Process *p, Process *parent) {
        *ev = (Event){
                .type = type,
                .ktime = ktime,
                .process = process_ref(p),
                .parent = process_ref(parent),
        };
}

static Entry *cache_find_parent(ProcessCache *c, uint32_t ppid) {
        Entry *e;

        if (ppid == 0) /* pid 1 and kthreadd: the idle task is no process */
                return NULL;
        e = cache_use(c, ppid);
        if (!e)
                c->misses++;
        return e;
}

static void process_set_ns_host(const ProcessCache *c, Process *p) {
        p->ns_host = 0;
        for (size_t i = 0; i < PROCESS_NS_MAX; i++)
                if (p->ns[i] != 0 && p->ns[i] == c->host_ns[i])
                        p->ns_host |= 1U << i;
}

static bool process_containerized(const ProcessCache *c, const Process *p) {
        return c->host_ns[TG_NS_PID] != 0 && p->ns[TG_NS_PID] != 0 &&
               p->ns[TG_NS_PID] != c->host_ns[TG_NS_PID];
}

/* Tetragon's in_init_tree: in a pid namespace of its own, and descended from that
 * namespace's pid 1 without leaving it (nsenter and the like join from outside). */
static bool process_in_init_tree(const ProcessCache *c, const Process *p) {
        if (!process_containerized(c, p))
                return false;
        for (size_t depth = 0; p && depth < ANCESTRY_MAX; p = p->parent, depth++) {
                if (p->nspid == 1)
                        return true;
                if (!p->parent || p->parent->ns[TG_NS_PID] != p->ns[TG_NS_PID])
                        return false;
        }
        return false;
}

/* From the user database file only (never NSS), for processes of the host's user namespace. */
static int process_set_user_name(const ProcessCache *c, Process *p, uint64_t now) {
        const char *name;

        p->user_name = mfree(p->user_name);
        if (!c->user_names || p->euid == UINT32_MAX)
                return 0;
        if (c->host_ns[TG_NS_USER] != 0 && p->ns[TG_NS_USER] != c->host_ns[TG_NS_USER])
                return 0;
        name = user_names_lookup(c->user_names, p->euid, now);
        if (!name)
                return 0;
        p->user_name = strdup(name);
        return p->user_name ? 0 : -ENOMEM;
}

/* Keep the NAME=VALUE entries that --filter-environment-variables lets through. */
static int process_set_env(const ProcessCache *c, Process *p, const char *env, size_t size) {
        const char *end = env + size;
        size_t n = 0;

        p->env = mfree(p->env);
        p->env_size = 0;
        if (!c->options || !c->options->env || size == 0)
                return 0;
        p->env = malloc(size);
        if (!p->env)
                return -ENOMEM;
        for (const char *e = env; e < end;) {
                const char *nul = memchr(e, '\0', end - e);
                size_t len = nul ? (size_t) (nul - e) : (size_t) (end - e);
                const char *eq = memchr(e, '=', len);

                if (len > 0 &&
                    enrich_options_env_kept(c->options, e, eq ? (size_t) (eq - e) : len)) {
                        memcpy(p->env + n, e, len);
                        p->env[n + len] = '\0';
                        n += len + 1;
                }
                e += len + 1;
        }
        if (n == 0)
                p->env = mfree(p->env);
        p->env_size = n;
        return 0;
}

/* What the executed file did. The real ids survive an exec unchanged, so an effective id that
 * differs from its real one and is the file's owner came from the set-ID bit (the kernel's own
 * test for AT_SECURE); a secure exec that no set-ID explains, by a non-root user, is the file
 * capabilities'. */
static void binary_properties_make(BinaryProperties *b, const struct tg_exec_record *raw) {
        *b = (BinaryProperties){};
        if (raw->binary_nlink == 0) { /* memfd, shm or deleted: no path to find it by */
                b->has_file = true;
                b->file_ino = raw->binary_ino;
                b->file_nlink = raw->binary_nlink;
        }
        if ((raw->binary_mode & S_ISUID) && raw->euid == raw->binary_uid && raw->euid != raw->uid) {
                b->has_setuid = true;
                b->setuid = raw->binary_uid;
                if (raw->euid == 0)
                        b->privileges_changed |= PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETUID;
        }
        /* Without group execute, S_ISGID means mandatory locking, not set-group-ID. */
        if ((raw->binary_mode & S_ISGID) && (raw->binary_mode & S_IXGRP) &&
            raw->egid == raw->binary_gid && raw->egid != raw->gid) {
                b->has_setgid = true;
                b->setgid = raw->binary_gid;
                if (raw->egid == 0)
                        b->privileges_changed |= PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETGID;
        }
        if ((raw->flags & TG_EXEC_SECUREEXEC) && !b->has_setuid && !b->has_setgid &&
            raw->uid != 0 && raw->cap_permitted != 0)
                b->privileges_changed |= PROCESS_PRIVILEGES_RAISED_EXEC_FILE_CAP;
}

static int cache_apply_exec(ProcessCache *c, const Record *record, Event *ret_event) {
        const struct tg_exec_record *raw = record->exec.raw;
        _cleanup_(process_unrefp) Process *p = NULL;
        Process *parent;
        Entry *parent_entry;
        int r;

        p = process_new();
        if (!p)
                return -ENOMEM;
        p->pid = raw->pid;
        p->tid = raw->tid;
        p->ppid = raw->ppid;
        p->uid = raw->uid;
        p->euid = raw->euid;
        p->suid = raw->suid;
        p->fsuid = raw->fsuid;
        p->gid = raw->gid;
        p->egid = raw->egid;
        p->sgid = raw->sgid;
        p->fsgid = raw->fsgid;
        p->auid = raw->auid;
        p->start_ktime = raw->header.ktime;
        p->cgroup_id = raw->cgroup_id;
        p->args_truncated = raw->flags & TG_EXEC_ARGS_TRUNCATED;
        p->cwd_truncated = raw->flags & TG_EXEC_CWD_TRUNCATED;
        p->env_truncated = raw->flags & TG_EXEC_ENV_TRUNCATED;
        p->cap_permitted = raw->cap_permitted;
        p->cap_effective = raw->cap_effective;
        p->cap_inheritable = raw->cap_inheritable;
        p->has_caps = true;
        memcpy(p->ns, raw->ns, sizeof(p->ns));
        p->nspid = raw->nspid;
        process_set_ns_host(c, p);
        binary_properties_make(&p->binary_properties, raw);

        p->exec_id = exec_id_new(c, p->start_ktime, p->pid);
        p->binary = strdup(record->exec.binary);
        p->cwd = strdup(record->exec.cwd);
        if (!p->exec_id || !p->binary || !p->cwd)
                return -ENOMEM;
        r = args_copy(record->exec.args, record->exec.args_size, &p->args, &p->args_size);
        if (r < 0)
                return r;
        r = process_set_cgroup(p, record->exec.cgroup);
        if (r < 0)
                return r;
        r = process_set_env(c, p, record->exec.env, record->exec.env_size);
        if (r < 0)
                return r;
        process_cache_vet_args(c, p);
        r = process_set_user_name(c, p, raw->header.ktime);
        if (r < 0)
                return r;

        parent_entry = cache_find_parent(c, p->ppid);
        parent = parent_entry ? parent_entry->process : NULL;
        r = process_link_parent(p, parent);
        if (r < 0)
                return r;
        p->parent = process_ref(parent);
        p->containerized = process_containerized(c, p);
        p->in_init_tree = process_in_init_tree(c, p);

        r = cache_insert(c, p, parent);
        if (r < 0)
                return r;
        event_init(ret_event, EVENT_PROCESS_EXEC, raw->header.ktime, TAKE_PTR(p), parent);
        return 1;
}

/* Copy what a forked child shares with the process that called clone(). */
static int process_copy_image(Process *p, const Process *creator) {
        p->uid = creator->uid;
        p->euid = creator->euid;
        p->suid = creator->suid;
        p->fsuid = creator->fsuid;
        p->gid = creator->gid;
        p->egid = creator->egid;
        p->sgid = creator->sgid;
        p->fsgid = creator->fsgid;
        p->auid = creator->auid;
        p->args_truncated = creator->args_truncated;
        p->cwd_truncated = creator->cwd_truncated;
        p->cap_permitted = creator->cap_permitted;
        p->cap_effective = creator->cap_effective;
        p->cap_inheritable = creator->cap_inheritable;
        p->has_caps = creator->has_caps;
        memcpy(p->ns, creator->ns, sizeof(p->ns));
        /* A child lives in the pid namespace its creator made for children. */
        p->ns[TG_NS_PID] = creator->ns[TG_NS_PID_FOR_CHILDREN];
        p->ns_host = creator->ns_host & ~(1U << TG_NS_PID);
        if (creator->ns_host & (1U << TG_NS_PID_FOR_CHILDREN))
                p->ns_host |= 1U << TG_NS_PID;
        p->in_init_tree = creator->in_init_tree; /* nspid is unknown until its exec */
        p->binary_properties = creator->binary_properties;
        p->env_truncated = creator->env_truncated;
        if (creator->user_name && !(p->user_name = strdup(creator->user_name)))
                return -ENOMEM;
        if (creator->env) {
                p->env = malloc(creator->env_size);
                if (!p->env)
                        return -ENOMEM;
                memcpy(p->env, creator->env, creator->env_size);
                p->env_size = creator->env_size;
        }
        p->cgroup_id = creator->cgroup_id;

        p->binary = strdup(creator->binary);
        p->cwd = strdup(creator->cwd);
        p->cgroup_path = strdup(creator->cgroup_path);
        if (!p->binary || !p->cwd || !p->cgroup_path)
                return -ENOMEM;
        if (creator->unit) {
                p->unit = strdup(creator->unit);
                if (!p->unit)
                        return -ENOMEM;
        }
        if (creator->args) {
                p->args = malloc(creator->args_size);
                if (!p->args)
                        return -ENOMEM;
                memcpy(p->args, creator->args, creator->args_size);
                p->args_size = creator->args_size;
        }
        return 0;
}

static int cache_apply_fork(ProcessCache *c, const Record *record) {
        const struct tg_fork_record *raw = record->fork.raw;
        _cleanup_(process_unrefp) Process *p = NULL;
        Entry *parent_entry, *creator;
        int r;

        p = process_new();
        if (!p)
                return -ENOMEM;
        p->pid = p->tid = raw->pid;
        p->ppid = raw->ppid;
        p->start_ktime = raw->header.ktime;
        p->exec_id = exec_id_new(c, p->start_ktime, p->pid);
        if (!p->exec_id)
                return -ENOMEM;

        parent_entry = cache_find_parent(c, raw->ppid);
        creator = raw->creator_pid == raw->ppid ? parent_entry : cache_use(c, raw->creator_pid);
        if (creator)
                r = process_copy_image(p, creator->process);
        else {
                /* Nothing known of the image; a later exec fills it in. */
                p->uid = p->euid = p->suid = p->fsuid = UINT32_MAX;
                p->gid = p->egid = p->sgid = p->fsgid = UINT32_MAX;
                p->auid = UINT32_MAX;
                p->binary = strdup("");
                p->cwd = strdup("");
                p->cgroup_path = strdup("");
                r = p->binary && p->cwd && p->cgroup_path ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        r = process_link_parent(p, parent_entry ? parent_entry->process : NULL);
        if (r < 0)
                return r;
        p->containerized = process_containerized(c, p);

        r = cache_insert(c, p, parent_entry ? parent_entry->process : NULL);
        if (r < 0)
                return r;
        TAKE_PTR(p);
        return 0;
}

static int cache_apply_exit(ProcessCache *c, const Record *record, Event *ret_event) {
        const struct tg_exit_record *raw = record->exit.raw;
        Entry *e;

        e = cache_find(c, raw->pid);
        if (!e) {
                c->misses++;
                return 0;
        }
        if (e->process->exited)
                return 0; /* reported already */

        e->process->exited = true;
        e->exit_ktime = raw->header.ktime;
        LIST_APPEND(c->exited, e, exit);
        c->n_exited++;

        event_init(ret_event, EVENT_PROCESS_EXIT, raw->header.ktime, e->process, e->parent);
        /* The wait(2) status word: signal in the low 7 bits, else the code above them. */
        ret_event->exit.signal = raw->exit_code & 0x7f;
        ret_event->exit.status = ret_event->exit.signal == 0 ? (raw->exit_code >> 8) & 0xff : 0;
        return 1;
}

int process_cache_apply(ProcessCache *c, const Record *record, Event *ret_event) {
        switch (record->op) {
        case TG_OP_EXEC:
                return cache_apply_exec(c, record, ret_event);
        case TG_OP_FORK:
                return cache_apply_fork(c, record);
        case TG_OP_EXIT:
                return cache_apply_exit(c, record, ret_event);
        case TG_OP_GENERIC:
                break;
        }
        return -EOPNOTSUPP;
}

void process_cache_gc(ProcessCache *c, uint64_t now) {
        while (c->exited.head && c->exited.head->exit_ktime + PROCESS_CACHE_EXIT_GRACE_NS <= now)
                cache_remove(c, c->exited.head);
}

Process *process_cache_get(ProcessCache *c, uint32_t pid) {
        Entry *e = cache_find(c, pid);

        return e && !e->process->exited ? e->process : NULL;
}

Process *process_cache_get_recent(ProcessCache *c, uint32_t pid) {
        Entry *e = cache_find(c, pid);

        return e ? e->process : NULL;
}

void process_cache_get_stats(const ProcessCache *c, ProcessCacheStats *ret) {
        *ret = (ProcessCacheStats){
                .live = c->n_entries - c->n_exited,
                .total = c->n_entries,
                .evicted = c->evicted,
                .misses = c->misses,
        };
}

void event_release(Event *e) {
        if (!e)
                return;
        process_unref(e->process);
        process_unref(e->parent);
        e->process = e->parent = NULL;
}

/* ---- Processes that already run: /proc ---- */

static bool errno_vanished(int r) {
        return r == -ENOENT || r == -ESRCH;
}

/* Read up to max bytes of a small file; *ret is NUL-terminated beyond *ret_size. */
static int read_file_at(int dfd, const char *path, size_t max, char **ret, size_t *ret_size,
                        bool *ret_truncated) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        ssize_t n;

        fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        while (size < max) {
                n = read(fd, buf + size, max - size);
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        break;
                size += n;
        }
        if (ret_truncated) {
                char c;

                n = size == max ? read(fd, &c, 1) : 0;
                *ret_truncated = n > 0;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

static int readlink_at(int dfd, const char *path, char **ret) {
        char buf[TG_PATH_MAX];
        ssize_t n;

        n = readlinkat(dfd, path, buf, sizeof(buf) - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

typedef struct ProcStat {
        char comm[64];
        char state;
        uint32_t ppid;
        uint64_t flags;
        uint64_t starttime; /* clock ticks since boot */
} ProcStat;

/* /proc/PID/stat: "pid (comm) state ppid ... flags ... starttime ...". comm may
 * hold spaces and parentheses: the fields start after the last ')'. */
static int parse_stat(const char *s, ProcStat *ret) {
        const char *open = strchr(s, '('), *close = strrchr(s, ')');
        unsigned long long field[20];
        unsigned ppid;
        size_t n;

        if (!open || !close || close < open)
                return -EBADMSG;
        n = MIN((size_t) (close - open - 1), sizeof(ret->comm) - 1);
        memcpy(ret->comm, open + 1, n);
        ret->comm[n] = '\0';

        /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
         * utime stime cutime cstime priority nice num_threads itrealvalue starttime */
        if (sscanf(close + 1,
                   " %c %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                   "%llu %llu %llu %llu",
                   &ret->state, &ppid, &field[0], &field[1], &field[2], &field[3], &field[4],
                   &field[5], &field[6], &field[7], &field[8], &field[9], &field[10], &field[11],
                   &field[12], &field[13], &field[14], &field[15], &field[16], &field[17]) != 20)
                return -EBADMSG;
        ret->ppid = ppid;
        ret->flags = field[4];
        ret->starttime = field[17];
        return 0;
}

/* "Uid:\tr\te\ts\tfs" and "Gid:..." of /proc/PID/status. */
static int parse_status_ids(const char *s, const char *key, uint32_t ret[4]) {
        const char *line;

        for (line = s; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                const char *v = startswith(line, key);

                if (v && sscanf(v, " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32, &ret[0],
                                &ret[1], &ret[2], &ret[3]) == 4)
                        return 0;
        }
        return -EBADMSG;
}

/* "CapPrm:\t000001ffffffffff" of /proc/PID/status. */
static int parse_status_hex(const char *s, const char *key, uint64_t *ret) {
        for (const char *line = s; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                const char *v = startswith(line, key);

                if (v && sscanf(v, " %" SCNx64, ret) == 1)
                        return 0;
        }
        return -EBADMSG;
}

/* The last number of "NSpid:\t123\t1": the pid in the process's own namespace. */
static uint32_t parse_status_nspid(const char *s) {
        for (const char *line = s; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                const char *v = startswith(line, "NSpid:");
                const char *end, *last;

                if (!v)
                        continue;
                end = strchrnul(v, '\n');
                last = end;
                while (last > v && last[-1] >= '0' && last[-1] <= '9')
                        last--;
                return last < end ? (uint32_t) strtoul(last, NULL, 10) : 0;
        }
        return 0;
}

/* /proc/PID/ns/NAME -> "type:[inode]"; 0 when unreadable or absent (no time namespaces). */
static uint32_t read_ns_inode(int proc_fd, const char *pid, const char *name) {
        char path[64], target[64];
        unsigned long inode;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/ns/%s", pid, name);
        n = readlinkat(proc_fd, path, target, sizeof(target) - 1);
        if (n < 0)
                return 0;
        target[n] = '\0';
        if (sscanf(target, "%*[^:]:[%lu]", &inode) != 1 || inode > UINT32_MAX)
                return 0;
        return (uint32_t) inode;
}

static void read_namespaces_at(int proc_fd, const char *pid, uint32_t ret[PROCESS_NS_MAX]) {
        for (size_t i = 0; i < PROCESS_NS_MAX; i++)
                ret[i] = read_ns_inode(proc_fd, pid, ns_names[i]);
}

/* The "0::/path" line of /proc/PID/cgroup: the unified hierarchy. */
static int parse_cgroup_v2(char *s, const char **ret) {
        for (char *line = s, *next; line && *line; line = next) {
                const char *path;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                path = startswith(line, "0::");
                if (path) {
                        *ret = path;
                        return 0;
                }
        }
        return -ENOENT;
}

/* Where the cgroup2 file system is mounted (as proc_root's self sees it), to
 * learn cgroup ids from directory inodes. NULL when not found. */
static char *find_cgroup2_mount(int proc_fd) {
        _cleanup_free_ char *mountinfo = NULL;

        if (read_file_at(proc_fd, "self/mountinfo", 1024 * 1024, &mountinfo, NULL, NULL) < 0)
                return NULL;
        for (char *line = mountinfo, *next; line && *line; line = next) {
                char root[256], point[TG_PATH_MAX];
                const char *sep;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                /* "id parent major:minor root mount-point options [optional...] - type ..." */
                sep = strstr(line, " - ");
                if (!sep || !startswith(sep, " - cgroup2 "))
                        continue;
                if (sscanf(line, "%*s %*s %*s %255s %4095s", root, point) != 2)
                        continue;
                if (streq(root, "/") && !strchr(point, '\\')) /* no octal escapes to undo */
                        return strdup(point);
        }
        return NULL;
}

static uint64_t cgroup_id_of(const char *cgroup2_mount, const char *cgroup_path) {
        _cleanup_free_ char *dir = NULL;
        struct stat st;

        /* A cgroup2 directory's inode number is the cgroup id on 64-bit kernels. */
        if (!cgroup2_mount || asprintf(&dir, "%s%s", cgroup2_mount, cgroup_path) < 0)
                return 0;
        if (stat(dir, &st) < 0)
                return 0;
        return st.st_ino;
}

/* Read one process from proc_fd/PID. Returns 0 and the process, -ESRCH when it
 * is gone (or a zombie: its exit is behind it), or another negative errno. */
static int procfs_read_process(const ProcessCache *c, int proc_fd, uint32_t pid,
                               const char *cgroup2_mount, Process **ret) {
        _cleanup_(process_unrefp) Process *p = NULL;
        _cleanup_free_ char *stat_buf = NULL, *status = NULL, *loginuid = NULL, *cmdline = NULL,
                            *cgroup = NULL;
        char path[64];
        uint32_t ids[4];
        ProcStat st = {};
        size_t cmdline_size;
        bool truncated;
        const char *cgroup_path;
        long ticks;
        int r;

        p = process_new();
        if (!p)
                return -ENOMEM;
        p->pid = p->tid = pid;
        p->procfs = true;

        snprintf(path, sizeof(path), "%" PRIu32 "/stat", pid);
        r = read_file_at(proc_fd, path, 4096, &stat_buf, NULL, NULL);
        if (r < 0)
                return errno_vanished(r) ? -ESRCH : r;
        if (parse_stat(stat_buf, &st) < 0 || st.state == 'Z' || st.state == 'X')
                return -ESRCH;
        p->ppid = st.ppid;
        ticks = sysconf(_SC_CLK_TCK);
        p->start_ktime = st.starttime * (1000000000ULL / (uint64_t) (ticks > 0 ? ticks : 100));

        snprintf(path, sizeof(path), "%" PRIu32 "/status", pid);
        r = read_file_at(proc_fd, path, 16384, &status, NULL, NULL);
        if (r < 0)
                return errno_vanished(r) ? -ESRCH : r;
        if (parse_status_ids(status, "Uid:", ids) < 0)
                return -ESRCH;
        p->uid = ids[0], p->euid = ids[1], p->suid = ids[2], p->fsuid = ids[3];
        if (parse_status_ids(status, "Gid:", ids) < 0)
                return -ESRCH;
        p->gid = ids[0], p->egid = ids[1], p->sgid = ids[2], p->fsgid = ids[3];
        p->has_caps = parse_status_hex(status, "CapPrm:", &p->cap_permitted) >= 0 &&
                      parse_status_hex(status, "CapEff:", &p->cap_effective) >= 0 &&
                      parse_status_hex(status, "CapInh:", &p->cap_inheritable) >= 0;
        p->nspid = parse_status_nspid(status);
        snprintf(path, sizeof(path), "%" PRIu32, pid);
        read_namespaces_at(proc_fd, path, p->ns);
        process_set_ns_host(c, p);

        /* Without CONFIG_AUDIT there is no loginuid: unset, as for a daemon. */
        snprintf(path, sizeof(path), "%" PRIu32 "/loginuid", pid);
        p->auid = UINT32_MAX;
        if (read_file_at(proc_fd, path, 32, &loginuid, NULL, NULL) >= 0)
                (void) sscanf(loginuid, "%" SCNu32, &p->auid);

        if (st.flags & PF_KTHREAD) {
                /* Kernel threads have no executable, arguments or cwd of their own:
                 * named as ps shows them, so that the user processes they start
                 * (usermode helpers) have a parent to point at. */
                if (asprintf(&p->binary, "[%s]", st.comm) < 0)
                        p->binary = NULL;
                p->cwd = strdup("/");
                if (!p->binary || !p->cwd)
                        return -ENOMEM;
        } else {
                snprintf(path, sizeof(path), "%" PRIu32 "/exe", pid);
                r = readlink_at(proc_fd, path, &p->binary);
                if (errno_vanished(r))
                        return -ESRCH;
                if (r < 0 && r != -EACCES && r != -EPERM)
                        return r;

                snprintf(path, sizeof(path), "%" PRIu32 "/cwd", pid);
                r = readlink_at(proc_fd, path, &p->cwd);
                if (errno_vanished(r))
                        return -ESRCH;
                if (r < 0 && r != -EACCES && r != -EPERM)
                        return r;

                snprintf(path, sizeof(path), "%" PRIu32 "/cmdline", pid);
                r = read_file_at(proc_fd, path, TG_ARGS_MAX, &cmdline, &cmdline_size, &truncated);
                if (r < 0)
                        return errno_vanished(r) ? -ESRCH : r;
                /* The terminator of the last argument, when cut or rewritten without. */
                if (cmdline_size > 0 && cmdline[cmdline_size - 1] != '\0')
                        cmdline_size++; /* read_file_at() left a NUL there */
                r = args_copy(cmdline, cmdline_size, &p->args, &p->args_size);
                if (r < 0)
                        return r;
                p->args_truncated = truncated;

                if (c->options && c->options->env) {
                        _cleanup_free_ char *environ = NULL;
                        size_t environ_size;

                        snprintf(path, sizeof(path), "%" PRIu32 "/environ", pid);
                        if (read_file_at(proc_fd, path, TG_ENV_MAX, &environ, &environ_size,
                                         &truncated) >= 0) {
                                r = process_set_env(c, p, environ, environ_size);
                                if (r < 0)
                                        return r;
                                p->env_truncated = truncated;
                        }
                }
                process_cache_vet_args(c, p);
        }
        /* Unreadable (not root): known to exist, nothing more. */
        if (!p->binary && !(p->binary = strdup("")))
                return -ENOMEM;
        if (!p->cwd && !(p->cwd = strdup("")))
                return -ENOMEM;

        snprintf(path, sizeof(path), "%" PRIu32 "/cgroup", pid);
        cgroup_path = "";
        if (read_file_at(proc_fd, path, 65536, &cgroup, NULL, NULL) >= 0)
                (void) parse_cgroup_v2(cgroup, &cgroup_path);
        r = process_set_cgroup(p, cgroup_path);
        if (r < 0)
                return r;
        p->cgroup_id = *cgroup_path ? cgroup_id_of(cgroup2_mount, cgroup_path) : 0;

        p->exec_id = exec_id_new(c, p->start_ktime, pid);
        if (!p->exec_id)
                return -ENOMEM;
        r = process_set_user_name(c, p, p->start_ktime);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 0;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* Whether p is ancestor or ancestor's ancestor: pids reused while /proc was read could
 * otherwise make a loop of parents. */
static bool process_is_ancestor(const Process *p, const Process *ancestor) {
        for (size_t depth = 0; ancestor && depth < ANCESTRY_MAX; depth++) {
                if (ancestor == p)
                        return true;
                ancestor = ancestor->parent;
        }
        return ancestor != NULL; /* too deep to tell: refuse the link */
}

int process_cache_scan_procfs(ProcessCache *c, const char *proc_root) {
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_free_ char *cgroup2_mount = NULL;
        struct dirent *de;
        int n = 0, r;

        dir = opendir(proc_root);
        if (!dir)
                return negative_errno();
        cgroup2_mount = find_cgroup2_mount(dirfd(dir));
        /* pid 1's namespaces are the host's: what is_host compares with. Where pid 1's are
         * unreadable (it holds capabilities the daemon lacks, as in some sandboxes), the
         * daemon's own stand in: it runs in the host's namespaces. */
        read_namespaces_at(dirfd(dir), "1", c->host_ns);
        for (size_t i = 0; i < PROCESS_NS_MAX; i++)
                if (c->host_ns[i] == 0)
                        c->host_ns[i] = read_ns_inode(dirfd(dir), "self", ns_names[i]);

        while ((errno = 0, de = readdir(dir))) {
                Process *p;
                char *end;
                unsigned long pid;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                pid = strtoul(de->d_name, &end, 10);
                if (*end || pid > UINT32_MAX)
                        continue;
                /* Seen through BPF meanwhile (attached before this scan): fresher. */
                if (cache_find(c, pid))
                        continue;

                r = procfs_read_process(c, dirfd(dir), pid, cgroup2_mount, &p);
                if (r == -ESRCH)
                        continue; /* exited while we looked */
                if (r < 0)
                        return r;
                r = cache_insert(c, p, NULL);
                if (r < 0) {
                        process_unref(p);
                        return r;
                }
                n++;
        }
        if (errno != 0)
                return negative_errno();

        /* Now that every process is in, link each to its parent. */
        for (Entry *e = c->by_use.head; e; e = e->use.next) {
                Entry *parent;

                if (!e->process->procfs || e->parent || e->process->ppid == 0)
                        continue;
                parent = cache_find(c, e->process->ppid);
                if (!parent)
                        continue; /* exited during the scan: reparented since */
                e->parent = process_ref(parent->process);
                r = process_link_parent(e->process, parent->process);
                if (r < 0)
                        return r;
                if (!e->process->parent && !process_is_ancestor(e->process, parent->process))
                        e->process->parent = process_ref(parent->process);
        }
        /* Once every link is made: in_init_tree walks them. */
        for (Entry *e = c->by_use.head; e; e = e->use.next)
                if (e->process->procfs) {
                        e->process->containerized = process_containerized(c, e->process);
                        e->process->in_init_tree = process_in_init_tree(c, e->process);
                }
        return n;
}
