// SPDX-License-Identifier: GPL-2.0
/*
 * The policy engine. Programs enter at attach points: one tp_btf program on
 * sys_enter serves every syscall hook where nothing better exists; a kprobe
 * or an fentry on a syscall's function, a kprobe, fentry, fmod_ret or BPF
 * LSM program on a kernel function serve the rest, each knowing its point.
 * The point leads to the hooks installed on it; each hook's selectors are
 * evaluated with Tetragon's semantics (filters AND, selectors OR, the first
 * matching selector's actions run), and only what matched reaches user space.
 * fmod_ret and LSM programs return what an Override action asked for.
 *
 * Cheap before thorough: a point with no hook costs one array lookup, and a
 * path filter compares the last component of the file's path first and walks
 * up only while it still matches, so a write to an unrelated file never
 * builds a path string.
 *
 * State of the evaluation of one event lives in a per-CPU map, not on the
 * stack: the bpf_loop() callbacks (hooks, selectors, filters, values, path
 * components) each look it up. The engine's programs do not nest on one CPU:
 * a program that fires while another runs on the CPU is skipped by the kernel
 * (bpf_prog_active / the trampoline's recursion check), so the state is never
 * shared by two evaluations. The one program that may sleep, the LSM program
 * loaded sleepable for a Post with imaHash, checks after the helper that slept
 * whether another took the state meanwhile (emit_ima).
 *
 * Calls are what costs (each helper and subprogram call pays the kernel's
 * return-thunk mitigations), so the hot path makes few: inlined array lookups
 * only, plain loads where the verifier allows them. The code that follows
 * pointers it read itself is in generic-eval.h, built twice: user space loads
 * the programs that use bpf_rdonly_cast() where the kernel has it (6.2+),
 * the *_probe_read ones elsewhere.
 */

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
/* libbpf's USDT support: its attach parses the probe's ELF note and writes each argument's
 * spec (register, memory, constant) into these maps; bpf_usdt_arg() reads them. Ours would
 * be a second note parser for no gain. */
#include <bpf/usdt.bpf.h>

#include "common.h"
#include "generic.h"
#include "lib-addr.h"
#include "lib-cred.h"
#include "lib-path.h"
#include "policy.h"
#include "process.h"

char LICENSE[] SEC("license") = "GPL"; /* bpf_probe_read_*, bpf_send_signal */

#define SIGKILL 9
#define TS_COMPAT 0x0002 /* x86 thread_info.status: a 32-bit syscall */

#define NAME_BUF_SIZE (TG_POLICY_STRING_MAX + TG_GENERIC_COMPARE_SLACK)
#define N_REGS 5 /* syscall arguments a hook reads, as Tetragon */

/* The host's user namespace, for matchCapabilities isNamespaceCapability. Set before load. */
const volatile __u32 host_user_ns_inum = 0;


/* fentry, fmod_ret and LSM programs are loaded once per function, in an object of their
 * own that shares this one's maps: which point each serves, and whether the function is a
 * syscall's (its one argument is the user's registers), is set before that load. */
const volatile __u32 function_point = 0;
const volatile __u8 function_is_syscall = 0;
/* A raw tracepoint's: how many arguments it has (the program reads no more). */
const volatile __u32 function_nargs = 0;
/* An LSM program loaded sleepable for Post with imaHash: what its hook's first argument
 * is (enum tg_policy_ima_arg). Elsewhere TG_POLICY_IMA_NONE, and the code that hashes
 * is dead at load: the verifier refuses bpf_ima_file_hash() in programs that cannot sleep. */
const volatile __u8 function_ima = TG_POLICY_IMA_NONE;

/* ---- Maps ---- */

/* What differs between two starts of one build with the same options, written by the daemon
 * that runs: a map, not rodata, so that a later daemon adopting these programs
 * (pinned-state.h) tells them its own pid. Key 0: the daemon's tgid, 0: none. Its hooks never
 * see it: the daemon's own writes (journal, export file) would otherwise feed a policy on
 * write(2) without end. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, __u32);
} gen_run SEC(".maps");

/* Per attach point: which of its two list slots is in force (1 or 2), or 0.
 * One byte, so the flip that switches a reload in cannot be seen half done,
 * and one inlined array lookup is all a syscall without hooks costs. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_POINTS);
        __type(key, __u32);
        __type(value, __u8);
} gen_point_active SEC(".maps");

/* Two list slots per point (2 * point, 2 * point + 1). Arrays, not a hash map:
 * their lookups are inlined, no call and no hashing on every syscall. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 2 * TG_GENERIC_MAX_POINTS);
        __type(key, __u32);
        __type(value, struct tg_generic_list);
} gen_point_lists SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_POLICIES);
        __type(key, __u32);
        __type(value, struct tg_generic_policy);
} gen_policies SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, TG_GENERIC_MAX_UNIT_NAMES);
        __type(key, struct tg_generic_unit_name);
        __type(value, __u8);
} gen_unit_names SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, TG_GENERIC_MAX_UNIT_CGROUPS);
        __type(key, struct tg_generic_unit_cgroup);
        __type(value, __u8);
} gen_unit_cgroups SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_HOOKS);
        __type(key, __u32);
        __type(value, struct tg_policy_hook);
} gen_hooks SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_SELECTORS);
        __type(key, __u32);
        __type(value, struct tg_policy_selector);
} gen_selectors SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_FILTERS);
        __type(key, __u32);
        __type(value, struct tg_policy_filter);
} gen_filters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_VALUES);
        __type(key, __u32);
        __type(value, struct tg_policy_value);
} gen_values SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_STRINGS);
        __type(key, __u32);
        __type(value, struct tg_generic_string);
} gen_strings SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_ACTIONS);
        __type(key, __u32);
        __type(value, struct tg_policy_action);
} gen_actions SEC(".maps");

/* Per tracepoint point: where its fields that hooks read are in its record, in the order
 * of the registers they are read into. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_POINTS);
        __type(key, __u32);
        __type(value, struct tg_generic_fields);
} gen_point_fields SEC(".maps");

/* Per selector slot, and per policy slot (hooks without selectors count there only). */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_SELECTORS);
        __type(key, __u32);
        __type(value, struct tg_generic_counters);
} gen_selector_counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_POLICIES);
        __type(key, __u32);
        __type(value, struct tg_generic_counters);
} gen_policy_counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _TG_COUNTER_MAX);
        __type(key, __u32);
        __type(value, __u64);
} gen_counters SEC(".maps");

/* When each (selector, scope, arguments) last posted, for rateLimit. */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 16384);
        __type(key, struct tg_generic_rate_key);
        __type(value, __u64);
} gen_rate SEC(".maps");

/* The numbers of a list of syscalls that an InMap value names, by the value's slot. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 1024);
        __type(key, __u32);
        __type(value, struct tg_generic_syscall_set);
} gen_syscall_sets SEC(".maps");

/* The calls of each policy's enforcer, by the policy's slot. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, TG_GENERIC_MAX_POLICIES);
        __type(key, __u32);
        __type(value, struct tg_generic_syscall_set);
} gen_enforcer_calls SEC(".maps");

/* Threads NotifyEnforcer marked, by thread id, until an enforced call returns. */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 16384);
        __type(key, __u32);
        __type(value, struct tg_generic_enforcer_mark);
} gen_enforcer_marks SEC(".maps");

/* Size set by user space before load. */
struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 4 * 1024 * 1024);
} gen_ringbuf SEC(".maps");

/* ---- Per-CPU evaluation state ---- */

enum {
        MEMO_UNKNOWN = 0,
        MEMO_OK = 1,
        MEMO_INVALID = 2,
};

/* A path walk from a leaf towards the root, comparing one value. */
struct walk {
        __u64 dentry;
        __u64 mnt;
        __u32 string; /* slot of the value in gen_strings */
        __u32 rem;    /* bytes of the value still to match, from its start */
        __u8 postfix; /* done as soon as the value is consumed */
        __u8 result;
        __u8 pad[6];
};

struct eval {
        __u64 args[N_REGS];
        /* Memo per register, shared by every hook of the event. */
        __u64 file[N_REGS];   /* struct file * of an fd argument */
        __u64 dentry[N_REGS]; /* its f_path */
        __u64 mnt[N_REGS];
        __u32 data_len[N_REGS]; /* user bytes read into gen_data[reg] */
        __u8 file_state[N_REGS];
        __u8 data_state[N_REGS];
        __u8 data_kind[N_REGS]; /* TG_ARG_STRING or TG_ARG_CHAR_BUF: how it was read */
        __u8 file_kind[N_REGS]; /* TG_ARG_FD, FILE, PATH or LINUX_BINPRM: how it was found */
        __u8 user_regs;    /* bit per register: it points into the caller's memory (syscalls) */
        __u8 has_override; /* an Override action ran: the function returns override_error */
        __s32 override_error;
        /* The task's file table, read once per event. */
        __u64 fds; /* fdtable.fd: an array of struct file * */
        __u64 max_fds;
        /* The task's root, read once when a walk needs it. */
        __u64 root_dentry;
        __u64 root_mnt;
        __u32 root_state;
        __u32 point;
        __u32 tgid;
        __u32 tid;
        /* The hook being evaluated. */
        __u32 hook_slot;
        __u32 policy_slot;
        __u32 policy_id;
        __u32 policy_flags;
        __u32 hook_first;
        __u32 selector_first;
        /* The selector, filter and value being evaluated. */
        __u32 selector_slot;
        __u32 filter_slot;
        __u32 matched_selector; /* position, or TG_GENERIC_NO_SELECTOR */
        __u32 match;
        __u32 value_first;
        __u32 any; /* some value matched */
        /* A path compared with many values: its leaf, and a built path. */
        __u64 path_dentry;
        __u64 path_mnt;
        __u32 leaf_len;           /* the length of its last component */
        __u32 leaf_is_mount_root; /* then that name is not part of the path */
        __u64 name_dentry;        /* whose name is in gen_name_buf */
        __u64 built_dentry;       /* whose path is in the lib-path scratch */
        __u64 built_mnt;
        __u32 built_pos;
        __u32 built_len; /* NUL excluded */
        __u32 data_reg;  /* register whose user data a string filter compares */
        __u32 path_op;
        struct walk walk;
        /* What the matched selector's actions decided (run_action). */
        __u32 act_first;      /* the selector's first action slot */
        __u32 act_limit_slot; /* the Post with a rateLimit, or TG_GENERIC_NO_ACTION */
        __u32 act_signal;
        __s32 act_override_error;
        __u8 act_post;
        __u8 act_type;   /* enum tg_policy_action_type: the strongest taken */
        __u8 act_flags;  /* enum tg_generic_record_flags */
        __u8 act_stacks; /* TG_ACTION_KERNEL_STACK_TRACE, _USER_STACK_TRACE of a Post */
        __u8 act_ima;    /* a Post with imaHash */
        __u8 compat;     /* the task is in a 32-bit (i386) syscall: syscall64 says so */
        __u8 pad1[2];
        /* Bumped by every program that takes this state: a sleepable program that sees it
         * changed after a helper slept knows the state is another's now. */
        __u32 seq;
        __u32 pad2;
        /* The event being built. */
        __u32 out_off;
        __u32 out_flags;
        __u64 digest;
};

#define TG_GENERIC_NO_ACTION 0xffffffffU

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct eval);
} gen_eval SEC(".maps");

/* User data (strings, buffers) of each register, read once per event. */
struct user_data {
        __u8 data[TG_GENERIC_STRING_MAX + TG_GENERIC_COMPARE_SLACK];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, N_REGS);
        __type(key, __u32);
        __type(value, struct user_data);
} gen_data SEC(".maps");

/* One dentry name, for comparisons. */
struct name_buf {
        __u8 data[NAME_BUF_SIZE];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct name_buf);
} gen_name_buf SEC(".maps");

struct event_scratch {
        __u8 data[TG_GENERIC_RECORD_MAX + TG_GENERIC_COMPARE_SLACK];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct event_scratch);
} gen_event SEC(".maps");

/* v & mask, where the verifier sees the mask: the barrier keeps the compiler
 * from dropping it after a comparison it knows about, or from indexing with an
 * unmasked copy. */
#define bounded(v, mask)                                                                           \
        ({                                                                                         \
                __u64 __v = (v);                                                                   \
                barrier_var(__v);                                                                  \
                (__v & (mask));                                                                    \
        })

static __always_inline struct eval *eval(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&gen_eval, &zero);
}

static __always_inline void counter_inc(__u32 counter) {
        __u64 *value = bpf_map_lookup_elem(&gen_counters, &counter);

        if (value)
                *value += 1;
}

/* ---- Comparisons ---- */

/* a[a_off..a_off+n) == b[b_off..b_off+n), 8 bytes at a time. Both buffers have
 * at least mask + 1 + TG_GENERIC_COMPARE_SLACK bytes, a_off + n and b_off + n
 * are at most mask + 1, and n at most TG_POLICY_STRING_MAX (callers check). */
static __always_inline bool bytes_equal(const __u8 *a, __u32 a_off, __u32 a_mask, const __u8 *b,
                                        __u32 b_off, __u32 n) {
        for (__u32 i = 0; i < TG_POLICY_STRING_MAX / 8; i++) {
                __u32 k = i * 8;
                __u64 x, y, diff;

                if (k >= n)
                        break;
                x = *(const __u64 *) (a + ((a_off + k) & a_mask));
                y = *(const __u64 *) (b + ((b_off + k) & (TG_POLICY_STRING_MAX - 1)));
                diff = x ^ y;
                if (n - k < 8) /* little endian: the bytes past the end are the high ones */
                        diff &= (1ULL << ((n - k) * 8)) - 1;
                if (diff)
                        return false;
        }
        return true;
}

static __always_inline bool op_is_negated(__u8 op) {
        return op == TG_POLICY_OP_NOT_EQUAL || op == TG_POLICY_OP_NOT_PREFIX ||
               op == TG_POLICY_OP_NOT_POSTFIX || op == TG_POLICY_OP_NOT_IN ||
               op == TG_POLICY_OP_NOT_IN_RANGE || op == TG_POLICY_OP_NOT_SAME_FILE;
}

/* ---- The task ---- */

struct unit_walk {
        struct tg_generic_unit_cgroup key;
        bool found;
};

/* Level i + 1 of the current task's cgroup: 1 to stop (found, or past the task's own). */
static long unit_level(__u32 i, struct unit_walk *w) {
        w->key.cgroup_id = bpf_get_current_ancestor_cgroup_id((int) i + 1);
        if (w->key.cgroup_id == 0)
                return 1;
        w->found = bpf_map_lookup_elem(&gen_unit_cgroups, &w->key) != NULL;
        return w->found;
}

/* Whether the current task's cgroup (on the unified hierarchy) is one of policy_id's units'
 * or below one. A loop of its own: the verifier sees it once. */
static __always_inline bool task_in_units(__u32 policy_id) {
        struct unit_walk w = { .key = { .policy_id = policy_id } };

        bpf_loop(TG_GENERIC_UNIT_LEVELS, unit_level, &w, 0);
        return w.found;
}

/* Whether a policy scoped with unitSelector leaves the current task out. A global function:
 * the verifier checks it once, not in every program's every path to it. */
__noinline int tg_unit_scope_excludes(__u32 flags, __u32 policy_id) {
        if (!(flags & TG_GENERIC_POLICY_UNITS))
                return 0;
        return task_in_units(policy_id) == !!(flags & TG_GENERIC_POLICY_UNITS_NOT_IN);
}

static __always_inline bool task_in_compat_syscall(struct task_struct *task) {
#if defined(__TARGET_ARCH_x86)
        return task->thread_info.status & TS_COMPAT;
#else
        return false; /* arm64: 32-bit tasks are not matched either, see the installer */
#endif
}

static __always_inline void load_root(struct eval *e) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct path root;

        if (e->root_state != MEMO_UNKNOWN)
                return;
        BPF_CORE_READ_INTO(&root, task, fs, root);
        e->root_dentry = (__u64) root.dentry;
        e->root_mnt = (__u64) root.mnt;
        e->root_state = MEMO_OK;
}

/* ---- Paths ---- */

/* The whole path, built once per (dentry, mnt) into the lib-path scratch. */
static __always_inline bool build_path(struct eval *e, __u64 dentry, __u64 mnt) {
        const char *path;
        bool truncated;
        __u32 len;

        if (e->built_dentry == dentry && e->built_mnt == mnt)
                return true;
        load_root(e);
        {
                struct path root = {
                        .dentry = (struct dentry *) e->root_dentry,
                        .mnt = (struct vfsmount *) e->root_mnt,
                };

                len = tg_path_from_dentry((struct dentry *) dentry, (struct vfsmount *) mnt, &root,
                                          &path, &truncated);
        }
        if (len < 2 || len > TG_PATH_MAX)
                return false;
        e->built_dentry = dentry;
        e->built_mnt = mnt;
        e->built_pos = TG_PATH_MAX - len;
        e->built_len = len - 1;
        return true;
}

static __always_inline bool path_has_prefix(struct eval *e, __u64 dentry, __u64 mnt, __u32 str,
                                            __u32 length) {
        struct tg_path_scratch *ps;
        struct tg_generic_string *s;

        if (!build_path(e, dentry, mnt))
                return false;
        s = bpf_map_lookup_elem(&gen_strings, &str);
        ps = tg_path_scratch();
        if (!s || !ps || length > e->built_len || length > TG_POLICY_STRING_MAX)
                return false;
        /* The built path ends at TG_PATH_MAX - 1, so built_pos + length stays inside. */
        return bytes_equal((const __u8 *) ps->buf, e->built_pos, TG_PATH_MAX - 1, s->data, 0,
                           length);
}

/* ---- Strings and buffers: user memory for syscalls, kernel memory for functions ---- */

static __always_inline long read_str(void *dst, __u32 size, __u64 src, bool user) {
        return user ? bpf_probe_read_user_str(dst, size, (void *) src)
                    : bpf_probe_read_kernel_str(dst, size, (void *) src);
}

static __always_inline long read_bytes(void *dst, __u32 size, __u64 src, bool user) {
        return user ? bpf_probe_read_user(dst, size, (void *) src)
                    : bpf_probe_read_kernel(dst, size, (void *) src);
}

/* Read register reg's data once: a NUL-terminated string, or a buffer
 * whose size is in register size_reg. Returns the length, or -1. */
static __always_inline long read_user_data(struct eval *e, __u32 reg, __u8 kind, __u32 size_reg) {
        struct user_data *d;
        __u32 key = reg;
        long n;

        if (reg >= N_REGS)
                return -1;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == kind)
                return e->data_state[reg] == MEMO_OK ? (long) e->data_len[reg] : -1;
        /* Its own key: older verifiers lose the bounds of a 32-bit value kept on the stack. */
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return -1;
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return -1;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = kind;
        if (kind == TG_ARG_STRING) {
                n = read_str(d->data, TG_GENERIC_STRING_MAX, e->args[reg],
                             e->user_regs & (1U << reg));
                if (n <= 0)
                        return -1;
                n--; /* the NUL */
        } else {
                __u64 size;

                size_reg = bounded(size_reg, 7);
                if (size_reg >= N_REGS)
                        return -1;
                size = e->args[size_reg];
                n = size > TG_GENERIC_BUF_MAX ? TG_GENERIC_BUF_MAX : size;
                if (n > 0 && read_bytes(d->data, n, e->args[reg], e->user_regs & (1U << reg)) < 0)
                        return -1;
        }
        e->data_len[reg] = n;
        e->data_state[reg] = MEMO_OK;
        return n;
}

/* ---- Substrings ---- */

/* ASCII upper case letters of the 8 bytes in x, lowered. A byte is upper case when,
 * without its top bit, it is at least 'A' and not above 'Z', and its top bit is clear. */
static __always_inline __u64 ascii_lower8(__u64 x) {
        const __u64 high = 0x8080808080808080ULL;
        __u64 low7 = x & ~high;
        __u64 from_a = low7 + 0x3f3f3f3f3f3f3f3fULL; /* 0x80 - 'A': top bit from 'A' on */
        __u64 past_z = low7 + 0x2525252525252525ULL; /* 0x80 - 'Z' - 1: top bit past 'Z' */
        __u64 upper = from_a & ~past_z & ~x & high;

        return x | (upper >> 2); /* 0x80 >> 2 is 0x20, the case bit */
}

/* bytes_equal(), ASCII letters compared without case. */
static __always_inline bool bytes_equal_nocase(const __u8 *a, __u32 a_off, __u32 a_mask,
                                               const __u8 *b, __u32 b_off, __u32 n) {
        for (__u32 i = 0; i < TG_POLICY_STRING_MAX / 8; i++) {
                __u32 k = i * 8;
                __u64 x, y, diff;

                if (k >= n)
                        break;
                x = ascii_lower8(*(const __u64 *) (a + ((a_off + k) & a_mask)));
                y = ascii_lower8(*(const __u64 *) (b + ((b_off + k) & (TG_POLICY_STRING_MAX - 1))));
                diff = x ^ y;
                if (n - k < 8)
                        diff &= (1ULL << ((n - k) * 8)) - 1;
                if (diff)
                        return false;
        }
        return true;
}

/* The state of the loops below (substrings, socket addresses, InMap), in a map and not on
 * the stack: the verifier tracks what a loop callback changes on the stack, and each
 * change costs it one more pass over the callback. */
struct substring_ctx {
        __u32 str;  /* slot of the value in gen_strings */
        __u32 vlen; /* its length, at least 1 */
        __u32 len;  /* of the data */
        __u8 nocase;
        __u8 found;
        __u8 pad[2];
};

struct sockaddr_ctx {
        __u32 reg;
        __u32 value_first;
        __u8 op;
        __u8 any;
        __u8 pad[6];
};

struct int_map_ctx {
        __u64 v;
        __u32 value_first;
        __u8 is_signed;
        __u8 any;
        __u8 pad[2];
};

struct loop_state {
        struct substring_ctx substring;
        struct sockaddr_ctx sockaddr;
        struct int_map_ctx int_map;
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct loop_state);
} gen_loop_state SEC(".maps");

static __always_inline struct loop_state *loop_state(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&gen_loop_state, &zero);
}

/* Does the value start at byte i of the data? */
static long substring_at(__u32 i, void *unused) {
        struct loop_state *ls = loop_state();
        struct substring_ctx *c;
        struct tg_generic_string *s;
        struct user_data *d;
        struct eval *e = eval();
        __u32 key, str;

        if (!e || !ls)
                return 1;
        c = &ls->substring;
        str = c->str;
        if (i + c->vlen > c->len)
                return 1;
        key = e->data_reg;
        d = bpf_map_lookup_elem(&gen_data, &key);
        s = bpf_map_lookup_elem(&gen_strings, &str);
        if (!d || !s || c->vlen > TG_POLICY_STRING_MAX)
                return 1;
        if (c->nocase
                    ? bytes_equal_nocase(d->data, i, TG_GENERIC_STRING_MAX - 1, s->data, 0, c->vlen)
                    : bytes_equal(d->data, i, TG_GENERIC_STRING_MAX - 1, s->data, 0, c->vlen)) {
                c->found = 1;
                return 1;
        }
        return 0;
}

/* SubString, SubStringIgnoreCase: string slot str (vlen bytes) somewhere in the len bytes
 * of e->data_reg's data. An empty value is in every string. */
static __always_inline bool substring_found(__u32 str, __u32 vlen, __u32 len, bool nocase) {
        struct loop_state *ls = loop_state();

        if (vlen == 0)
                return true;
        if (vlen > len || !ls)
                return false;
        ls->substring =
                (struct substring_ctx){ .str = str, .vlen = vlen, .len = len, .nocase = nocase };
        bpf_loop(len - vlen + 1, substring_at, NULL, 0);
        return ls->substring.found;
}

static long string_value(__u32 i, void *unused) {
        struct eval *e = eval();
        struct tg_generic_string *s;
        struct tg_policy_value *v;
        struct user_data *d;
        __u32 slot, reg, key, str, len, vlen;
        bool hit = false;

        if (!e)
                return 1;
        slot = e->value_first + i;
        v = bpf_map_lookup_elem(&gen_values, &slot);
        if (!v || v->kind != TG_VALUE_STRING)
                return 1;
        key = e->data_reg;
        str = v->lo;
        d = bpf_map_lookup_elem(&gen_data, &key);
        s = bpf_map_lookup_elem(&gen_strings, &str);
        reg = bounded(e->data_reg, 7);
        if (!d || !s || reg >= N_REGS)
                return 1;
        len = e->data_len[reg];
        vlen = v->aux;
        if (vlen > TG_POLICY_STRING_MAX || len > TG_GENERIC_STRING_MAX)
                return 1;
        switch (e->path_op) {
        case TG_POLICY_OP_EQUAL:
        case TG_POLICY_OP_NOT_EQUAL:
                hit = len == vlen &&
                      bytes_equal(d->data, 0, TG_GENERIC_STRING_MAX - 1, s->data, 0, vlen);
                break;
        case TG_POLICY_OP_PREFIX:
        case TG_POLICY_OP_NOT_PREFIX:
                hit = len >= vlen &&
                      bytes_equal(d->data, 0, TG_GENERIC_STRING_MAX - 1, s->data, 0, vlen);
                break;
        case TG_POLICY_OP_POSTFIX:
        case TG_POLICY_OP_NOT_POSTFIX:
                hit = len >= vlen &&
                      bytes_equal(d->data, len - vlen, TG_GENERIC_STRING_MAX - 1, s->data, 0, vlen);
                break;
        case TG_POLICY_OP_SUBSTRING:
        case TG_POLICY_OP_SUBSTRING_IGNORE_CASE:
                hit = substring_found(str, vlen, len,
                                      e->path_op == TG_POLICY_OP_SUBSTRING_IGNORE_CASE);
                break;
        }
        if (hit) {
                e->any = 1;
                return 1;
        }
        return 0;
}

/* ---- Socket addresses ---- */

/* Register reg's struct sockaddr (user memory for syscalls, a kernel copy for kernel
 * functions), read once per event into gen_data[reg]; NULL when unreadable. Only the bytes
 * its family has are read: a sockaddr_in at the end of a page is readable, 28 bytes from
 * its start may not be. */
static __always_inline struct tg_generic_sockaddr *read_sockaddr(struct eval *e, __u32 reg) {
        struct tg_generic_sockaddr *sa;
        struct user_data *d;
        __u8 raw[24]; /* family, port, then the address (AF_INET6: after flowinfo) */
        __u32 key = reg;
        const void *p;
        bool user;

        if (reg >= N_REGS)
                return NULL;
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return NULL;
        sa = (void *) d->data;
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return NULL;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == TG_ARG_SOCKADDR)
                return e->data_state[reg] == MEMO_OK ? sa : NULL;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = TG_ARG_SOCKADDR;
        p = (const void *) e->args[reg];
        user = e->user_regs & (1U << reg); /* a kernel function's: a kernel copy */
        if (read_bytes(raw, 2, (__u64) p, user) < 0)
                return NULL;
        __builtin_memset(sa, 0, sizeof(*sa));
        sa->family = raw[0] | (raw[1] << 8);
        switch (sa->family) {
        case TG_GENERIC_AF_INET:
                if (read_bytes(raw, 8, (__u64) p, user) < 0)
                        return NULL;
                __builtin_memcpy(sa->addr, raw + 4, 4);
                sa->port = (raw[2] << 8) | raw[3];
                break;
        case TG_GENERIC_AF_INET6:
                if (read_bytes(raw, 24, (__u64) p, user) < 0)
                        return NULL;
                __builtin_memcpy(sa->addr, raw + 8, 16);
                sa->port = (raw[2] << 8) | raw[3];
                break;
        }
        e->data_len[reg] = sizeof(*sa);
        e->data_state[reg] = MEMO_OK;
        return sa;
}

static long sockaddr_value(__u32 i, void *unused) {
        struct loop_state *ls = loop_state();
        struct sockaddr_ctx *c;
        struct tg_generic_sockaddr *sa;
        struct tg_policy_value *v;
        struct user_data *d;
        __u32 slot, key;
        bool hit = false;

        if (!ls)
                return 1;
        c = &ls->sockaddr;
        slot = c->value_first + i;
        key = c->reg;
        v = bpf_map_lookup_elem(&gen_values, &slot);
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!v || !d)
                return 1;
        sa = (void *) d->data;
        switch (c->op) {
        case TG_POLICY_OP_FAMILY:
                hit = v->lo == sa->family;
                break;
        case TG_POLICY_OP_SADDR:
        case TG_POLICY_OP_NOT_SADDR:
                hit = tg_addr_in_cidr(sa->family, sa->addr, v);
                break;
        case TG_POLICY_OP_SPORT:
        case TG_POLICY_OP_NOT_SPORT:
                hit = tg_port_in_range(sa->family, sa->port, v);
                break;
        }
        if (hit) {
                c->any = 1;
                return 1;
        }
        return 0;
}

static __always_inline bool sockaddr_op_negated(__u8 op) {
        return op == TG_POLICY_OP_NOT_SADDR || op == TG_POLICY_OP_NOT_SPORT ||
               op == TG_POLICY_OP_NOT_SPORT_PRIV;
}

/* Family, SAddr, SPort, SPortPriv and their Not forms, each the negation of the other:
 * an AF_UNIX address has no IP address and no port, so it is in no CIDR and no port
 * range, and NotSAddr or NotSPort match it. An unreadable address matches only Not*. */
static __always_inline bool sockaddr_filter(struct eval *e, struct tg_policy_filter *f, __u32 reg) {
        struct tg_generic_sockaddr *sa = read_sockaddr(e, reg);
        struct loop_state *ls = loop_state();
        bool hit;

        if (!sa || !ls)
                return sockaddr_op_negated(f->op);
        switch (f->op) {
        case TG_POLICY_OP_SPORT_PRIV:
        case TG_POLICY_OP_NOT_SPORT_PRIV:
                hit = tg_port_privileged(sa->family, sa->port);
                break;
        default:
                ls->sockaddr = (struct sockaddr_ctx){ .reg = reg,
                                                      .value_first = f->value_first,
                                                      .op = f->op };
                bpf_loop(f->n_values, sockaddr_value, NULL, 0);
                hit = ls->sockaddr.any;
        }
        return sockaddr_op_negated(f->op) ? !hit : hit;
}

/* ---- Sockets (struct sock *, struct socket *: kernel memory) ---- */

/* Register reg's socket, read once per event into gen_data[reg]; NULL when there is none.
 * A struct socket * leads to its struct sock. */
static __always_inline struct tg_generic_sock *read_sock(struct eval *e, __u32 reg, __u8 type) {
        struct tg_generic_sock *sk;
        struct user_data *d;
        struct sock *p;
        __u32 key = reg;

        if (reg >= N_REGS)
                return NULL;
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return NULL;
        sk = (void *) d->data;
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return NULL;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == type)
                return e->data_state[reg] == MEMO_OK ? sk : NULL;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = type;
        p = (struct sock *) e->args[reg];
        if (type == TG_ARG_SOCKET)
                p = BPF_CORE_READ((struct socket *) p, sk);
        if (!p)
                return NULL;
        __builtin_memset(sk, 0, sizeof(*sk));
        sk->family = BPF_CORE_READ(p, __sk_common.skc_family);
        sk->state = BPF_CORE_READ(p, __sk_common.skc_state);
        sk->type = BPF_CORE_READ(p, sk_type);
        sk->protocol = BPF_CORE_READ(p, sk_protocol);
        sk->mark = BPF_CORE_READ(p, sk_mark);
        sk->priority = BPF_CORE_READ(p, sk_priority);
        switch (sk->family) {
        case TG_GENERIC_AF_INET:
                BPF_CORE_READ_INTO((__u32 *) sk->saddr, p, __sk_common.skc_rcv_saddr);
                BPF_CORE_READ_INTO((__u32 *) sk->daddr, p, __sk_common.skc_daddr);
                break;
        case TG_GENERIC_AF_INET6:
                BPF_CORE_READ_INTO((struct in6_addr *) sk->saddr, p, __sk_common.skc_v6_rcv_saddr);
                BPF_CORE_READ_INTO((struct in6_addr *) sk->daddr, p, __sk_common.skc_v6_daddr);
                break;
        }
        if (sk->family == TG_GENERIC_AF_INET || sk->family == TG_GENERIC_AF_INET6) {
                sk->sport = BPF_CORE_READ(p, __sk_common.skc_num);
                sk->dport = __builtin_bswap16(BPF_CORE_READ(p, __sk_common.skc_dport));
        }
        e->data_len[reg] = sizeof(*sk);
        e->data_state[reg] = MEMO_OK;
        return sk;
}

/* Register reg's sk_buff, read once per event into gen_data[reg] as a struct tg_generic_sock
 * (family, protocol, addresses and ports: what the filters compare), its struct
 * tg_generic_skb right after. NULL when there is no skb. */
static __always_inline struct tg_generic_sock *read_skb(struct eval *e, __u32 reg) {
        struct tg_generic_sock *flow;
        struct tg_generic_skb *skb;
        struct user_data *d;
        struct sk_buff *p;
        __u8 ip[40];
        __u64 head, l4 = 0;
        __u32 key = reg;
        __u16 nh, ports[2];

        if (reg >= N_REGS)
                return NULL;
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return NULL;
        flow = (void *) d->data;
        skb = (void *) (d->data + sizeof(*flow));
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return NULL;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == TG_ARG_SKB)
                return e->data_state[reg] == MEMO_OK ? flow : NULL;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = TG_ARG_SKB;
        p = (struct sk_buff *) e->args[reg];
        if (!p)
                return NULL;
        __builtin_memset(flow, 0, sizeof(*flow));
        __builtin_memset(skb, 0, sizeof(*skb));
        skb->len = BPF_CORE_READ(p, len);
        skb->hash = BPF_CORE_READ(p, hash);
        skb->priority = BPF_CORE_READ(p, priority);
        skb->mark = BPF_CORE_READ(p, mark);
        head = (__u64) BPF_CORE_READ(p, head);
        nh = BPF_CORE_READ(p, network_header);
        /* No network header yet (0xffff), or not an IP one: length and marks only. */
        if (head && nh != 0xffff && bpf_probe_read_kernel(ip, 20, (void *) (head + nh)) == 0) {
                switch (ip[0] >> 4) {
                case 4:
                        skb->family = TG_GENERIC_AF_INET;
                        skb->protocol = ip[9];
                        __builtin_memcpy(skb->saddr, ip + 12, 4);
                        __builtin_memcpy(skb->daddr, ip + 16, 4);
                        l4 = head + nh + (ip[0] & 0xf) * 4;
                        break;
                case 6:
                        if (bpf_probe_read_kernel(ip, 40, (void *) (head + nh)) < 0)
                                break;
                        skb->family = TG_GENERIC_AF_INET6;
                        skb->protocol = ip[6]; /* extension headers are not followed */
                        __builtin_memcpy(skb->saddr, ip + 8, 16);
                        __builtin_memcpy(skb->daddr, ip + 24, 16);
                        l4 = head + nh + 40;
                        break;
                }
        }
        /* TCP, UDP, SCTP and UDP-Lite start with the two ports. */
        if (l4 &&
            (skb->protocol == 6 || skb->protocol == 17 || skb->protocol == 132 ||
             skb->protocol == 136) &&
            bpf_probe_read_kernel(ports, sizeof(ports), (void *) l4) == 0) {
                skb->sport = __builtin_bswap16(ports[0]);
                skb->dport = __builtin_bswap16(ports[1]);
        }
        flow->family = skb->family;
        flow->protocol = skb->protocol;
        flow->sport = skb->sport;
        flow->dport = skb->dport;
        flow->mark = skb->mark;
        flow->priority = skb->priority;
        __builtin_memcpy(flow->saddr, skb->saddr, 16);
        __builtin_memcpy(flow->daddr, skb->daddr, 16);
        e->data_len[reg] = sizeof(*flow) + sizeof(*skb);
        e->data_state[reg] = MEMO_OK;
        return flow;
}

static long sock_value(__u32 i, void *unused) {
        struct loop_state *ls = loop_state();
        struct tg_generic_sock *sk;
        struct sockaddr_ctx *c;
        struct tg_policy_value *v;
        struct user_data *d;
        __u32 slot, key;
        bool hit = false;

        if (!ls)
                return 1;
        c = &ls->sockaddr;
        slot = c->value_first + i;
        key = c->reg;
        v = bpf_map_lookup_elem(&gen_values, &slot);
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!v || !d)
                return 1;
        sk = (void *) d->data;
        switch (c->op) {
        case TG_POLICY_OP_FAMILY:
                hit = v->lo == sk->family;
                break;
        case TG_POLICY_OP_PROTOCOL:
                hit = v->lo == sk->protocol;
                break;
        case TG_POLICY_OP_STATE:
                hit = v->lo == sk->state;
                break;
        case TG_POLICY_OP_SADDR:
        case TG_POLICY_OP_NOT_SADDR:
                hit = tg_addr_in_cidr(sk->family, sk->saddr, v);
                break;
        case TG_POLICY_OP_DADDR:
        case TG_POLICY_OP_NOT_DADDR:
                hit = tg_addr_in_cidr(sk->family, sk->daddr, v);
                break;
        case TG_POLICY_OP_SPORT:
        case TG_POLICY_OP_NOT_SPORT:
                hit = tg_port_in_range(sk->family, sk->sport, v);
                break;
        case TG_POLICY_OP_DPORT:
        case TG_POLICY_OP_NOT_DPORT:
                hit = tg_port_in_range(sk->family, sk->dport, v);
                break;
        }
        if (hit) {
                c->any = 1;
                return 1;
        }
        return 0;
}

/* Family, Protocol, State, SAddr, DAddr, SPort, DPort, SPortPriv, DPortPriv and the Not
 * forms: as for sockaddr, a socket that is not AF_INET or AF_INET6 has no address and no
 * port, and only the Not forms match it; no socket at all matches only them too. An skb is
 * compared as the flow its headers name (a packet with ports only for TCP, UDP, SCTP). */
static __always_inline bool sock_filter(struct eval *e, struct tg_policy_filter *f, __u32 reg,
                                        __u8 type) {
        struct tg_generic_sock *sk =
                type == TG_ARG_SKB ? read_skb(e, reg) : read_sock(e, reg, type);
        struct loop_state *ls = loop_state();
        bool hit;

        if (!sk || !ls)
                return tg_addr_op_negated(f->op);
        switch (f->op) {
        case TG_POLICY_OP_SPORT_PRIV:
        case TG_POLICY_OP_NOT_SPORT_PRIV:
                hit = tg_port_privileged(sk->family, sk->sport);
                break;
        case TG_POLICY_OP_DPORT_PRIV:
        case TG_POLICY_OP_NOT_DPORT_PRIV:
                hit = tg_port_privileged(sk->family, sk->dport);
                break;
        default:
                ls->sockaddr = (struct sockaddr_ctx){ .reg = reg,
                                                      .value_first = f->value_first,
                                                      .op = f->op };
                bpf_loop(f->n_values, sock_value, NULL, 0);
                hit = ls->sockaddr.any;
        }
        return tg_addr_op_negated(f->op) ? !hit : hit;
}

/* ---- Credentials (struct cred *) ---- */

static __always_inline bool read_cred(struct tg_generic_cred *out, __u64 p) {
        const struct cred *c = (const struct cred *) p;
        struct user_namespace *ns;

        if (!c)
                return false;
        __builtin_memset(out, 0, sizeof(*out));
        TG_CRED_READ_IDS(out, c);
        out->securebits = BPF_CORE_READ(c, securebits);
        out->cap_permitted = tg_cred_caps(c, TG_CRED_CAPS_PERMITTED);
        out->cap_effective = tg_cred_caps(c, TG_CRED_CAPS_EFFECTIVE);
        out->cap_inheritable = tg_cred_caps(c, TG_CRED_CAPS_INHERITABLE);
        ns = BPF_CORE_READ(c, user_ns);
        if (ns) {
                out->user_ns_level = BPF_CORE_READ(ns, level);
                out->user_ns_owner = BPF_CORE_READ(ns, owner.val);
                out->user_ns_group = BPF_CORE_READ(ns, group.val);
                out->user_ns_inum = BPF_CORE_READ(ns, ns.inum);
        }
        return true;
}

/* ---- struct filename * (kernel memory): its name ---- */

static __always_inline __u64 filename_name(__u64 p) {
        return p ? (__u64) BPF_CORE_READ((struct filename *) p, name) : 0;
}

/* Register reg's file name, read once per event into gen_data[reg] as a string is. */
static __always_inline long read_filename(struct eval *e, __u32 reg) {
        struct user_data *d;
        __u32 key = reg;
        long n;

        if (reg >= N_REGS)
                return -1;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == TG_ARG_FILENAME)
                return e->data_state[reg] == MEMO_OK ? (long) e->data_len[reg] : -1;
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return -1;
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return -1;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = TG_ARG_FILENAME;
        n = bpf_probe_read_kernel_str(d->data, TG_GENERIC_STRING_MAX,
                                      (void *) filename_name(e->args[reg]));
        if (n <= 0)
                return -1;
        e->data_len[reg] = n - 1; /* the NUL */
        e->data_state[reg] = MEMO_OK;
        return n - 1;
}

/* ---- struct net_device * (kernel memory): its name ---- */

/* Register reg's device name, read once per event into gen_data[reg] as a string is. */
static __always_inline long read_net_device(struct eval *e, __u32 reg) {
        struct user_data *d;
        __u32 key = reg;
        long n;

        if (reg >= N_REGS)
                return -1;
        if (e->data_state[reg] != MEMO_UNKNOWN && e->data_kind[reg] == TG_ARG_NET_DEVICE)
                return e->data_state[reg] == MEMO_OK ? (long) e->data_len[reg] : -1;
        d = bpf_map_lookup_elem(&gen_data, &key);
        if (!d)
                return -1;
        reg = bounded(reg, 7);
        if (reg >= N_REGS)
                return -1;
        e->data_state[reg] = MEMO_INVALID;
        e->data_kind[reg] = TG_ARG_NET_DEVICE;
        if (!e->args[reg])
                return -1;
        n = bpf_probe_read_kernel_str(d->data, sizeof(((struct net_device *) 0)->name),
                                      (void *) e->args[reg] +
                                              bpf_core_field_offset(struct net_device, name));
        if (n <= 0)
                return -1;
        e->data_len[reg] = n - 1; /* the NUL */
        e->data_state[reg] = MEMO_OK;
        return n - 1;
}

/* ---- char_iovec: an array of struct iovec, its count in another register ---- */

/* The bytes of the vectors, one after the other. Twice the limit: the verifier cannot see
 * that a vector's bytes are cut to the room left. */
struct iovec_state {
        __u64 iov; /* the array */
        __u64 total;
        __u32 copied;
        __u8 user;
        __u8 unreadable;
        __u8 pad[2];
        __u8 data[2 * TG_GENERIC_BUF_MAX];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct iovec_state);
} gen_iovec SEC(".maps");

static __always_inline struct iovec_state *iovec_state(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&gen_iovec, &zero);
}

static long iovec_part(__u32 i, void *unused) {
        struct iovec_state *s = iovec_state();
        __u64 vec[2], n; /* iov_base, iov_len */
        __u32 copied;

        if (!s)
                return 1;
        if (read_bytes(vec, sizeof(vec), s->iov + (__u64) i * sizeof(vec), s->user) < 0) {
                s->unreadable = 1;
                return 1;
        }
        s->total += vec[1];
        copied = s->copied;
        if (copied >= TG_GENERIC_BUF_MAX)
                return 0; /* full: only counting */
        n = vec[1];
        if (n > TG_GENERIC_BUF_MAX - copied)
                n = TG_GENERIC_BUF_MAX - copied;
        n = bounded(n, 2 * TG_GENERIC_BUF_MAX - 1);
        if (n == 0 || n > TG_GENERIC_BUF_MAX)
                return 0;
        if (read_bytes(&s->data[bounded(copied, TG_GENERIC_BUF_MAX - 1)], n, vec[0], s->user) < 0) {
                s->unreadable = 1;
                return 1;
        }
        s->copied = copied + n;
        return 0;
}

/* Read register reg's vectors (count in register count_reg) into gen_iovec. */
static __always_inline struct iovec_state *read_iovec(struct eval *e, __u32 reg, __u32 count_reg) {
        struct iovec_state *s = iovec_state();
        __u64 count;

        if (!s || reg >= N_REGS || count_reg >= N_REGS)
                return NULL;
        count = e->args[bounded(count_reg, 7)];
        s->iov = e->args[bounded(reg, 7)];
        s->user = !!(e->user_regs & (1U << reg));
        s->total = 0;
        s->copied = 0;
        s->unreadable = 0;
        bpf_loop(count > TG_GENERIC_IOVEC_MAX ? TG_GENERIC_IOVEC_MAX : count, iovec_part, NULL, 0);
        return s;
}

/* ---- Integers ---- */

static __always_inline bool type_is_signed(__u8 type) {
        return type == TG_ARG_INT || type == TG_ARG_INT8 || type == TG_ARG_INT16 ||
               type == TG_ARG_INT32 || type == TG_ARG_INT64 || type == TG_ARG_LONG;
}

/* The register as the argument's C type sees it (signed ones sign-extended). */
static __always_inline __u64 int_value(__u8 type, __u64 v) {
        switch (type) {
        case TG_ARG_INT:
        case TG_ARG_INT32:
        case TG_ARG_FD:
        case TG_ARG_CAPABILITY:
                return (__u64) (__s64) (__s32) v;
        case TG_ARG_INT8:
                return (__u64) (__s64) (__s8) v;
        case TG_ARG_INT16:
                return (__u64) (__s64) (__s16) v;
        case TG_ARG_UINT8:
                return (__u8) v;
        case TG_ARG_UINT16:
                return (__u16) v;
        case TG_ARG_UINT32:
                return (__u32) v;
        default:
                return v;
        }
}

static __always_inline bool int_value_matches(__u8 op, bool is_signed, __u64 v,
                                              struct tg_policy_value *val) {
        switch (op) {
        case TG_POLICY_OP_EQUAL:
        case TG_POLICY_OP_NOT_EQUAL:
                return v == val->lo;
        case TG_POLICY_OP_GREATER_THAN:
                return is_signed ? (__s64) v > (__s64) val->lo : v > val->lo;
        case TG_POLICY_OP_LESS_THAN:
                return is_signed ? (__s64) v < (__s64) val->lo : v < val->lo;
        case TG_POLICY_OP_MASK:
                return (v & val->lo) != 0;
        case TG_POLICY_OP_IN_RANGE:
        case TG_POLICY_OP_NOT_IN_RANGE:
                if (val->kind == TG_VALUE_RANGE)
                        return is_signed ? (__s64) v >= (__s64) val->lo &&
                                                   (__s64) v <= (__s64) val->hi
                                         : v >= val->lo && v <= val->hi;
                return v == val->lo;
        }
        return false;
}

/* A syscall64 argument: an i386 call's number flagged as Tetragon flags it. */
static __always_inline __u64 syscall64_value(struct eval *e, __u64 v) {
        return e->compat ? (v & 0xffffffffULL) | TG_SYSCALL64_IS32 : v;
}

static __always_inline bool syscall_set_has(struct tg_generic_syscall_set *set, __u64 nr) {
        /* A syscall64 value of an i386 call: its bit is above x86_64's. */
        if (nr & TG_SYSCALL64_IS32)
                nr = TG_COMPAT_SYSCALL_BASE + (nr & ~(__u64) TG_SYSCALL64_IS32);
        if (!set || nr >= TG_GENERIC_MAX_SYSCALLS)
                return false;
        return set->bits[(nr / 64) & (TG_GENERIC_MAX_SYSCALLS / 64 - 1)] & (1ULL << (nr % 64));
}

static long int_map_value(__u32 i, void *unused) {
        struct loop_state *ls = loop_state();
        struct int_map_ctx *c;
        struct tg_policy_value *val;
        __u32 slot;

        if (!ls)
                return 1;
        c = &ls->int_map;
        slot = c->value_first + i;
        val = bpf_map_lookup_elem(&gen_values, &slot);
        if (!val)
                return 1;
        if (val->kind == TG_VALUE_LIST) {
                if (syscall_set_has(bpf_map_lookup_elem(&gen_syscall_sets, &slot), c->v)) {
                        c->any = 1;
                        return 1;
                }
                return 0;
        }
        if (int_value_matches(TG_POLICY_OP_IN_RANGE, c->is_signed, c->v, val)) {
                c->any = 1;
                return 1;
        }
        return 0;
}

/* InMap, NotInMap: numbers and ranges, as many as the parser allows (POLICY_MAX_VALUES),
 * in a loop bounded by the filter's count. */
static __always_inline bool int_map_filter(struct tg_policy_filter *f, bool is_signed, __u64 v) {
        struct loop_state *ls = loop_state();

        if (!ls)
                return f->op == TG_POLICY_OP_NOT_IN_MAP;
        ls->int_map = (struct int_map_ctx){ .v = v,
                                            .value_first = f->value_first,
                                            .is_signed = is_signed };
        bpf_loop(f->n_values, int_map_value, NULL, 0);
        return f->op == TG_POLICY_OP_NOT_IN_MAP ? !ls->int_map.any : ls->int_map.any;
}

/* Other integer filters have at most POLICY_MAX_NUMERIC_VALUES (4) values. */
#define INT_VALUES_MAX 4

static __always_inline bool int_filter(struct eval *e, struct tg_policy_filter *f, __u64 v) {
        bool is_signed = type_is_signed(f->arg_type), any = false;

        if (f->op == TG_POLICY_OP_IN_MAP || f->op == TG_POLICY_OP_NOT_IN_MAP)
                return int_map_filter(f, is_signed, v);

        for (__u32 i = 0; i < INT_VALUES_MAX; i++) {
                struct tg_policy_value *val;
                __u32 slot = f->value_first + i;

                if (i >= f->n_values)
                        break;
                val = bpf_map_lookup_elem(&gen_values, &slot);
                if (val && int_value_matches(f->op, is_signed, v, val)) {
                        any = true;
                        break;
                }
        }
        return op_is_negated(f->op) ? !any : any;
}

/* ---- Process filters ---- */

/* The thread group id as task's own pid namespace numbers it. */
/* The innermost of pid's numbers: as its own namespace sees it. */
static __always_inline struct upid pid_innermost(struct pid *pid) {
        unsigned int level = BPF_CORE_READ(pid, level);
        struct upid upid = {};

        bpf_probe_read_kernel(&upid, sizeof(upid),
                              (void *) pid + bpf_core_field_offset(struct pid, numbers) +
                                      (level & 31) * sizeof(struct upid));
        return upid;
}

static __always_inline __u32 task_ns_tgid(struct task_struct *task) {
        return pid_innermost(BPF_CORE_READ(task, group_leader, thread_pid)).nr;
}

#define PID_VALUES_MAX 4      /* POLICY_MAX_PID_VALUES */
#define FOLLOW_FORKS_DEPTH 10 /* ancestors followForks looks at, as Tetragon */

/* followChildren (generic-eval.h): a walk up real_parent, comparing each task's binary.
 * Its state is in a map, not on the stack: the verifier tracks what a loop callback
 * changes on the stack, and each change is one more pass over the whole walk. */
struct ancestors {
        __u64 task; /* the task whose binary is in e->path_dentry, e->path_mnt */
        __u32 value_first;
        __u32 n_values;
        __u8 has_exe;
        __u8 found;
        __u8 pad[6];
};

#define FOLLOW_CHILDREN_VALUES_MAX 64 /* POLICY_MAX_VALUES */

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct ancestors);
} gen_ancestors SEC(".maps");

static __always_inline bool pid_in_values(struct tg_policy_filter *f, __u32 pid) {
        for (__u32 i = 0; i < PID_VALUES_MAX; i++) {
                struct tg_policy_value *val;
                __u32 slot = f->value_first + i;

                if (i >= f->n_values)
                        break;
                val = bpf_map_lookup_elem(&gen_values, &slot);
                if (val && val->lo == pid)
                        return true;
        }
        return false;
}

static __always_inline bool pid_filter(struct eval *e, struct tg_policy_filter *f) {
        bool ns = f->flags & TG_FILTER_NAMESPACE_PID, found = false;

        if (!(f->flags & (TG_FILTER_FOLLOW_FORKS | TG_FILTER_NAMESPACE_PID)))
                found = pid_in_values(f, e->tgid);
        else if (!(f->flags & TG_FILTER_FOLLOW_FORKS))
                found = pid_in_values(f, task_ns_tgid(bpf_get_current_task_btf()));
        else {
                /* The process or one of its ancestors. */
                struct task_struct *t = bpf_get_current_task_btf();

                for (__u32 depth = 0; depth < FOLLOW_FORKS_DEPTH; depth++) {
                        __u32 pid = ns ? task_ns_tgid(t) : BPF_CORE_READ(t, tgid);
                        struct task_struct *parent;

                        if (pid_in_values(f, pid)) {
                                found = true;
                                break;
                        }
                        parent = BPF_CORE_READ(t, real_parent);
                        if (!parent || parent == t)
                                break;
                        t = parent;
                }
        }
        return f->op == TG_POLICY_OP_NOT_IN ? !found : found;
}

/* isNamespaceCapability: only outside the host's user namespace. */
static __always_inline bool capability_scope_ok(struct tg_policy_filter *f,
                                                const struct cred *cred) {
        return !(f->flags & TG_FILTER_NAMESPACE_CAPABILITY) ||
               BPF_CORE_READ(cred, user_ns, ns.inum) != host_user_ns_inum;
}

static __always_inline bool capability_filter(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        const struct cred *cred = BPF_CORE_READ(task, cred);
        __u64 caps;

        if (!capability_scope_ok(f, cred) || f->subtype > 2)
                return false;
        caps = tg_cred_caps(cred, f->subtype);
        return f->op == TG_POLICY_OP_NOT_IN ? !(caps & f->mask) : !!(caps & f->mask);
}

/* The inode number of the task's namespace of type subtype (PolicyNamespaceType). */
static __always_inline __u32 namespace_inum(struct task_struct *task, __u8 type) {
        struct nsproxy *ns = BPF_CORE_READ(task, nsproxy);

        switch (type) {
        case 0: /* Uts */
                return BPF_CORE_READ(ns, uts_ns, ns.inum);
        case 1: /* Ipc */
                return BPF_CORE_READ(ns, ipc_ns, ns.inum);
        case 2: /* Mnt */
                return BPF_CORE_READ(ns, mnt_ns, ns.inum);
        case 3: { /* Pid: the one the task lives in */
                struct upid upid = pid_innermost(BPF_CORE_READ(task, thread_pid));

                return BPF_CORE_READ(upid.ns, ns.inum);
        }
        case 4: /* PidForChildren */
                return BPF_CORE_READ(ns, pid_ns_for_children, ns.inum);
        case 5: /* Net */
                return BPF_CORE_READ(ns, net_ns, ns.inum);
        case 6: /* Time */
                return BPF_CORE_READ(ns, time_ns, ns.inum);
        case 7: /* TimeForChildren */
                return BPF_CORE_READ(ns, time_ns_for_children, ns.inum);
        case 8: /* Cgroup */
                return BPF_CORE_READ(ns, cgroup_ns, ns.inum);
        case 9: /* User */
                return BPF_CORE_READ(task, cred, user_ns, ns.inum);
        }
        return 0;
}

static __always_inline bool namespace_filter(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        __u32 inum = namespace_inum(task, f->subtype);

        return f->op == TG_POLICY_OP_NOT_IN ? !pid_in_values(f, inum) : pid_in_values(f, inum);
}

/* ---- Changes since exec: matchCapabilityChanges, matchNamespaceChanges ---- */

#define NAMESPACE_TYPES 10 /* PolicyNamespaceType, as namespace_inum() takes them */

/* A process's capabilities and namespaces when it last executed a program: what its
 * current ones are compared with. Kept from exec to the leader's exit, inherited by a
 * child process at fork. For a process already running when the engine starts: what it
 * had then. */
struct exec_baseline {
        __u64 caps[4]; /* by PolicyCapabilitySet (3); the fourth keeps a masked index in */
        __u32 namespaces[NAMESPACE_TYPES];
};

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 32768);
        __type(key, __u32); /* tgid */
        __type(value, struct exec_baseline);
} gen_exec_baselines SEC(".maps");

static __always_inline void baseline_record(struct task_struct *task) {
        const struct cred *cred = BPF_CORE_READ(task, cred);
        struct exec_baseline b = {};
        __u32 tgid = BPF_CORE_READ(task, tgid);

        for (__u8 set = 0; set < 3; set++)
                b.caps[set] = tg_cred_caps(cred, set);
        for (__u8 type = 0; type < NAMESPACE_TYPES; type++)
                b.namespaces[type] = namespace_inum(task, type);
        bpf_map_update_elem(&gen_exec_baselines, &tgid, &b, BPF_ANY);
}

/* Processes already running when the engine starts: their baseline is what they have
 * then, so a change from that moment on is seen. Run once, by reading the iterator. */
SEC("iter/task")
int tg_generic_baseline_existing(struct bpf_iter__task *ctx) {
        struct task_struct *task = ctx->task;
        __u32 tgid;

        if (!task || task->pid != task->tgid)
                return 0;
        tgid = task->tgid;
        if (!bpf_map_lookup_elem(&gen_exec_baselines, &tgid))
                baseline_record(task);
        return 0;
}

/* After the new program's credentials are committed. */
/* ---- unitSelector: cgroups made after the policy ---- */

struct unit_mkdir_ctx {
        char name[TG_GENERIC_UNIT_NAME_MAX];
        __u64 id;
};

static long unit_name_compare(struct bpf_map *map, struct tg_generic_unit_name *key, __u8 *value,
                              struct unit_mkdir_ctx *ctx) {
        struct tg_generic_unit_cgroup cg = { .policy_id = key->policy_id, .cgroup_id = ctx->id };
        __u8 one = 1;

        for (int i = 0; i < TG_GENERIC_UNIT_NAME_MAX; i++) {
                if (key->name[i] != ctx->name[i])
                        return 0;
                if (!key->name[i])
                        break;
        }
        bpf_map_update_elem(&gen_unit_cgroups, &cg, &one, BPF_ANY);
        return 0;
}

/* A unit's cgroup made after its policy loaded (the unit started, or restarted with a new
 * cgroup): in scope before any task can join it, as mkdir has not returned yet. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(tg_generic_unit_mkdir, struct cgroup *cgrp, const char *path) {
        struct unit_mkdir_ctx m = {};

        /* The unified hierarchy's is 0; a v1 hierarchy's ids are another numbering. */
        if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
                return 0;
        if (bpf_probe_read_kernel_str(m.name, sizeof(m.name), BPF_CORE_READ(cgrp, kn, name)) < 0)
                return 0;
        m.id = BPF_CORE_READ(cgrp, kn, id);
        bpf_for_each_map_elem(&gen_unit_names, unit_name_compare, &m, 0);
        return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tg_generic_baseline_exec, struct task_struct *task, pid_t old_pid,
             struct linux_binprm *bprm) {
        baseline_record(task);
        return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tg_generic_baseline_fork, struct task_struct *parent, struct task_struct *child) {
        __u32 parent_tgid = BPF_CORE_READ(parent, tgid), child_tgid = BPF_CORE_READ(child, tgid);
        struct exec_baseline *b;

        if (child_tgid == parent_tgid) /* a thread: its process's baseline is already there */
                return 0;
        b = bpf_map_lookup_elem(&gen_exec_baselines, &parent_tgid);
        if (b)
                bpf_map_update_elem(&gen_exec_baselines, &child_tgid, b, BPF_ANY);
        return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tg_generic_baseline_exit, struct task_struct *task) {
        __u32 tgid = BPF_CORE_READ(task, tgid);

        if (BPF_CORE_READ(task, pid) == tgid)
                bpf_map_delete_elem(&gen_exec_baselines, &tgid);
        return 0;
}

/* In: one of the capabilities in f->mask was gained or lost since exec; NotIn: none. */
static __always_inline bool capability_change_filter(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        const struct cred *cred = BPF_CORE_READ(task, cred);
        __u32 tgid = e->tgid;
        struct exec_baseline *b;
        __u64 changed;

        b = bpf_map_lookup_elem(&gen_exec_baselines, &tgid);
        if (!b || !capability_scope_ok(f, cred) || f->subtype > 2)
                return false;
        changed = (tg_cred_caps(cred, f->subtype) ^ b->caps[f->subtype & 3]) & f->mask;
        return f->op == TG_POLICY_OP_NOT_IN ? !changed : !!changed;
}

/* In: one of the namespace types in f->mask is another one than at exec; NotIn: none. */
static __always_inline bool namespace_change_filter(struct eval *e, struct tg_policy_filter *f) {
        struct task_struct *task = bpf_get_current_task_btf();
        __u32 tgid = e->tgid;
        struct exec_baseline *b;
        bool changed = false;

        b = bpf_map_lookup_elem(&gen_exec_baselines, &tgid);
        if (!b)
                return false;
        for (__u8 type = 0; type < NAMESPACE_TYPES; type++)
                if ((f->mask & (1U << type)) && namespace_inum(task, type) != b->namespaces[type])
                        changed = true;
        return f->op == TG_POLICY_OP_NOT_IN ? !changed : changed;
}

/* ---- Events ---- */

static __always_inline __u64 digest_mix(__u64 h, __u64 v) {
        return (h ^ v) * 0x100000001b3ULL;
}

/* rateLimit: true when an event of this (selector, scope, arguments) was
 * posted less than rate_limit_ms ago; otherwise remember now. */
static __always_inline bool rate_limited(struct eval *e, struct tg_policy_action *a) {
        struct tg_generic_rate_key key = {
                .selector = e->selector_slot,
                .digest = e->digest,
        };
        __u64 now = bpf_ktime_get_boot_ns(), *last;

        switch (a->rate_limit_scope) {
        case 0: /* thread */
                key.scope = e->tid;
                break;
        case 1: /* process */
                key.scope = e->tgid;
                break;
        default: /* global */
                key.scope = 0;
        }
        last = bpf_map_lookup_elem(&gen_rate, &key);
        if (last && now - *last < (__u64) a->rate_limit_ms * 1000000ULL)
                return true;
        bpf_map_update_elem(&gen_rate, &key, &now, BPF_ANY);
        return false;
}

enum { C_MATCHED, C_POSTED, C_ACTIONS, C_RATE_LIMITED, C_LOST, C_MONITORED };

static __always_inline void counter_add(struct tg_generic_counters *c, __u32 which) {
        if (!c)
                return;
        switch (which) {
        case C_MATCHED:
                c->matched++;
                break;
        case C_POSTED:
                c->posted++;
                break;
        case C_ACTIONS:
                c->actions++;
                break;
        case C_RATE_LIMITED:
                c->rate_limited++;
                break;
        case C_LOST:
                c->lost++;
                break;
        case C_MONITORED:
                c->monitored++;
                break;
        }
}

/* Per-CPU: no other writer. */
static __always_inline void counters_add(struct eval *e, bool has_selector, __u32 which) {
        __u32 slot = e->selector_slot, pslot = e->policy_slot;

        counter_add(bpf_map_lookup_elem(&gen_policy_counters, &pslot), which);
        if (has_selector)
                counter_add(bpf_map_lookup_elem(&gen_selector_counters, &slot), which);
}

struct hooks_ctx {
        struct tg_generic_list *list;
        void *ctx; /* the program's context, which bpf_get_stack() takes */
};

/* Post with imaHash, in the LSM program loaded sleepable for it: the IMA hash of the hook's
 * first argument at out->data[off]. bpf_ima_file_hash() may sleep (it takes the inode's
 * IMA lock, and hashes the file if IMA has not yet), and meanwhile another program may run
 * on this CPU and take e and out: then the event is dropped, and counted. Returns the
 * offset after it, or 0 for that. */
static __always_inline __u32 emit_ima(struct eval *e, struct event_scratch *out, __u32 off,
                                      void *ctx) {
        struct tg_generic_ima *ima;
        struct file *file;
        __u32 seq = e->seq;
        long algo;

        if (function_ima == TG_POLICY_IMA_LINUX_BINPRM)
                file = ((struct linux_binprm *) (void *) ((__u64 *) ctx)[0])->file;
        else
                file = (void *) ((__u64 *) ctx)[0];
        off = bounded(off, 0x3ff);
        ima = (void *) &out->data[off];
        algo = bpf_ima_file_hash(file, ima->digest, sizeof(ima->digest));
        if (e->seq != seq) {
                counter_inc(TG_COUNTER_IMA_HASH_INTERRUPTED);
                return 0;
        }
        ima->algo = (__s32) algo;
        ima->pad = 0;
        return off + sizeof(*ima);
}

/* A stack trace at out->data[off]: bpf_get_stack() with flags (BPF_F_USER_STACK or 0).
 * Returns the offset after it. */
static __always_inline __u32 emit_stack(struct event_scratch *out, __u32 off, void *ctx,
                                        __u64 flags) {
        struct tg_generic_stack *s;
        long n;

        off = bounded(off, 0x3ff); /* at most the record, an IMA hash and one stack before it */
        s = (void *) &out->data[off];
        n = bpf_get_stack(ctx, &out->data[off + sizeof(*s)], TG_GENERIC_STACK_DEPTH * 8, flags);
        s->n_frames = n > 0 ? (__u32) n / 8 : 0;
        s->error = n < 0 ? (__s32) n : 0;
        return off + sizeof(*s) + s->n_frames * 8;
}

/* A Sigkill or Signal action, at entry or at the return: sent (or, in monitor mode, only
 * counted), and named by the event when nothing stronger was (a kill, then an override). */
static __always_inline void signal_action(struct eval *e, __u32 type, __u32 sig) {
        if (e->act_type != TG_ACTION_SIGKILL &&
            (type == TG_ACTION_SIGKILL || e->act_type != TG_ACTION_OVERRIDE)) {
                e->act_type = type;
                e->act_signal = sig;
        }
        if (e->policy_flags & TG_GENERIC_POLICY_MONITOR) {
                e->act_flags |= TG_GENERIC_RECORD_MONITOR;
                counters_add(e, true, C_MONITORED);
        } else if (bpf_send_signal(sig) < 0) {
                e->act_flags |= TG_GENERIC_RECORD_ACTION_FAILED;
        } else {
                counters_add(e, true, C_ACTIONS);
        }
}

/* 6.2+; where it is missing, the program that calls it is not loaded. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

#include "generic-return.h"

#define TG_EVAL_CAST 1
#define V(name) name##_cast
#include "generic-eval.h"
#undef V
#undef TG_EVAL_CAST

#define TG_EVAL_CAST 0
#define V(name) name##_probe_read
#include "generic-eval.h"
#undef V
#undef TG_EVAL_CAST

/* ---- Enforcers ---- */

/* When a syscall returns: a thread that NotifyEnforcer marked, returning from one of its
 * policy's enforcer calls, gets the signal. At the return, every hook of the call has run
 * (sys_enter programs, tracepoints, kernel functions), so a notifier on the same call
 * always comes first. The call itself is not changed: argError is refused at load. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tg_generic_enforcer, struct pt_regs *regs, long ret) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct tg_generic_enforcer_mark *mark;
        struct tg_generic_counters *counters;
        struct tg_generic_policy *policy;
        __u32 tid = task->pid, slot, signal;
        __u64 nr;

        mark = bpf_map_lookup_elem(&gen_enforcer_marks, &tid);
        if (!mark)
                return 0;
        slot = mark->policy_slot;
        policy = bpf_map_lookup_elem(&gen_policies, &slot);
        if (!policy || policy->id != mark->policy_id) {
                bpf_map_delete_elem(&gen_enforcer_marks, &tid);
                return 0;
        }
#if defined(__TARGET_ARCH_arm64)
        nr = regs->syscallno;
#else
        nr = regs->orig_ax;
#endif
        /* An i386 call's bit is above x86_64's (lists of __ia32_sys_... entries). */
        if (task_in_compat_syscall(task))
                nr = nr < TG_COMPAT_SYSCALL_BASE ? TG_COMPAT_SYSCALL_BASE + nr
                                                 : TG_GENERIC_MAX_SYSCALLS;
        if (!syscall_set_has(bpf_map_lookup_elem(&gen_enforcer_calls, &slot), nr))
                return 0;
        signal = mark->signal;
        bpf_map_delete_elem(&gen_enforcer_marks, &tid);
        counters = bpf_map_lookup_elem(&gen_policy_counters, &slot);
        if (policy->flags & TG_GENERIC_POLICY_MONITOR) {
                if (counters)
                        counters->monitored++;
                return 0;
        }
        if (signal && bpf_send_signal(signal) == 0 && counters)
                counters->actions++;
        return 0;
}
