/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "process-cache.h"

#define NODE "node"

/* Records are 8-byte aligned, as the ring buffer hands them out. */
typedef union RecordBuffer {
        uint64_t align;
        unsigned char bytes[1024];
} RecordBuffer;

typedef struct Exec {
        uint32_t pid, ppid;
        uint64_t ktime;
        const char *binary;
        const char *args; /* argv, NUL-separated, ends with a NUL */
        size_t args_size;
        const char *cwd;
        const char *cgroup;
        uint32_t flags;
        /* The executable and the creds after the exec; 0: a root-owned 0755 file on disk, run
         * by uid 1000 with euid 1000. */
        uint32_t binary_mode, binary_uid, euid;
        bool deleted;
        uint64_t cap_permitted;
        const char *env; /* NUL-separated, ends with a NUL */
        size_t env_size;
} Exec;

static const Record *make_exec(RecordBuffer *b, const Exec *x) {
        static Record record;
        struct tg_exec_record *r = (struct tg_exec_record *) b->bytes;
        const char *binary = x->binary ?: "/usr/bin/true";
        const char *cwd = x->cwd ?: "/";
        const char *cgroup = x->cgroup ?: "/system.slice/test.service";
        char *p = (char *) b->bytes + sizeof(*r);

        memset(b, 0, sizeof(*b));
        r->header.op = TG_OP_EXEC;
        r->header.version = TG_RECORD_VERSION;
        r->header.ktime = x->ktime;
        r->pid = x->pid;
        r->tid = x->pid;
        r->ppid = x->ppid;
        r->uid = r->euid = r->suid = r->fsuid = 1000;
        r->gid = r->egid = r->sgid = r->fsgid = 100;
        r->auid = 1000;
        r->cgroup_id = 77;
        r->flags = x->flags;
        r->binary_len = strlen(binary) + 1;
        r->args_len = x->args ? x->args_size : 0;
        r->cwd_len = strlen(cwd) + 1;
        r->cgroup_len = strlen(cgroup) + 1;
        r->binary_mode = x->binary_mode ?: 0100755;
        r->binary_uid = x->binary_uid;
        r->binary_nlink = x->deleted ? 0 : 1;
        r->binary_ino = 4242;
        if (x->euid)
                r->euid = x->euid == UINT32_MAX ? 0 : x->euid;
        r->cap_permitted = x->cap_permitted;
        r->env_len = x->env ? x->env_size : 0;
        memcpy(p, binary, r->binary_len), p += r->binary_len;
        if (x->args)
                memcpy(p, x->args, x->args_size), p += x->args_size;
        memcpy(p, cwd, r->cwd_len), p += r->cwd_len;
        memcpy(p, cgroup, r->cgroup_len), p += r->cgroup_len;
        if (x->env)
                memcpy(p, x->env, x->env_size), p += x->env_size;
        r->header.size = p - (char *) b->bytes;

        assert_int_equal(record_decode(b->bytes, r->header.size, &record), 0);
        return &record;
}

static const Record *make_fork(RecordBuffer *b, uint32_t pid, uint32_t ppid, uint64_t ktime) {
        static Record record;
        struct tg_fork_record *r = (struct tg_fork_record *) b->bytes;

        memset(b, 0, sizeof(*b));
        r->header = (struct tg_record_header){ TG_OP_FORK, TG_RECORD_VERSION, sizeof(*r), ktime };
        r->pid = pid;
        r->ppid = ppid;
        r->creator_pid = ppid;
        assert_int_equal(record_decode(b->bytes, sizeof(*r), &record), 0);
        return &record;
}

static const Record *make_exit(RecordBuffer *b, uint32_t pid, uint32_t code, uint64_t ktime) {
        static Record record;
        struct tg_exit_record *r = (struct tg_exit_record *) b->bytes;

        memset(b, 0, sizeof(*b));
        r->header = (struct tg_record_header){ TG_OP_EXIT, TG_RECORD_VERSION, sizeof(*r), ktime };
        r->pid = pid;
        r->tid = pid;
        r->exit_code = code;
        assert_int_equal(record_decode(b->bytes, sizeof(*r), &record), 0);
        return &record;
}

/* Apply an exec and check that it made an event; returns the process (owned by the cache). */
static Process *apply_exec(ProcessCache *c, const Exec *x, Process **ret_parent) {
        RecordBuffer b;
        Event e;
        Process *p;

        assert_int_equal(process_cache_apply(c, make_exec(&b, x), &e), 1);
        assert_int_equal(e.type, EVENT_PROCESS_EXEC);
        assert_int_equal(e.ktime, x->ktime);
        p = e.process;
        assert_non_null(p);
        if (ret_parent)
                *ret_parent = e.parent;
        event_release(&e);
        assert_ptr_equal(process_cache_get(c, x->pid), p);
        return p;
}

static void test_exec_links_to_parent(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        static const char args[] = "/bin/echo\0hello world\0\xe9t\xe9";
        ProcessCacheStats stats;
        Process *init, *p, *parent;
        const char *a;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);

        init = apply_exec(c,
                          &(Exec){ .pid = 1,
                                   .ppid = 0,
                                   .ktime = 1000,
                                   .binary = "/sbin/init",
                                   .cgroup = "/init.scope" },
                          &parent);
        assert_null(parent); /* pid 1 has none, and that is no miss */
        assert_string_equal(init->exec_id, "bm9kZToxMDAwOjE="); /* base64("node:1000:1") */
        assert_null(init->parent_exec_id);
        assert_string_equal(init->unit, "init.scope");
        assert_null(init->args);

        p = apply_exec(c,
                       &(Exec){ .pid = 100,
                                .ppid = 1,
                                .ktime = 2000,
                                .binary = "/bin/echo",
                                .args = args,
                                .args_size = sizeof(args),
                                .cwd = "/tmp" },
                       &parent);
        assert_ptr_equal(parent, init);
        assert_string_equal(p->parent_exec_id, init->exec_id);
        assert_int_equal(p->pid, 100);
        assert_int_equal(p->ppid, 1);
        assert_int_equal(p->start_ktime, 2000);
        assert_int_equal(p->uid, 1000);
        assert_int_equal(p->auid, 1000);
        assert_int_equal(p->cgroup_id, 77);
        assert_string_equal(p->binary, "/bin/echo");
        assert_string_equal(p->cwd, "/tmp");
        assert_string_equal(p->cgroup_path, "/system.slice/test.service");
        assert_string_equal(p->unit, "test.service");
        assert_false(p->procfs);
        assert_false(p->args_truncated);

        /* argv[0] is left out: it is the binary as the caller spelled it. */
        a = p->args;
        assert_string_equal(a, "hello world");
        a = process_next_arg(p, a);
        assert_string_equal(a, "\xe9t\xe9");
        assert_null(process_next_arg(p, a));

        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.misses, 0);
        assert_int_equal(stats.live, 2);
}

static void test_fork_then_exec(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        static const char args[] = "bash\0-c\0x\0";
        RecordBuffer b;
        Process *bash, *forked, *child, *parent;
        Event e;
        char *fork_exec_id;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        apply_exec(c, &(Exec){ .pid = 1, .ktime = 10 }, NULL);
        bash = apply_exec(c,
                          &(Exec){ .pid = 50,
                                   .ppid = 1,
                                   .ktime = 20,
                                   .binary = "/bin/bash",
                                   .args = args,
                                   .args_size = sizeof(args),
                                   .cwd = "/home" },
                          NULL);

        /* The forked child: its own entry, with its creator's image. */
        assert_int_equal(process_cache_apply(c, make_fork(&b, 60, 50, 30), &e), 0);
        forked = process_cache_get(c, 60);
        assert_non_null(forked);
        assert_ptr_not_equal(forked, bash);
        assert_string_not_equal(forked->exec_id, bash->exec_id);
        assert_string_equal(forked->parent_exec_id, bash->exec_id);
        assert_string_equal(forked->binary, "/bin/bash");
        assert_string_equal(forked->cwd, "/home");
        assert_int_equal(forked->args_size, sizeof(args) - 5);
        assert_memory_equal(forked->args, "-c\0x\0", sizeof(args) - 5);
        assert_int_equal(forked->start_ktime, 30);
        fork_exec_id = strdup(forked->exec_id);

        /* A grandchild that execs before its parent does links to the fork's entry. */
        assert_int_equal(process_cache_apply(c, make_fork(&b, 70, 60, 40), &e), 0);
        child = apply_exec(c, &(Exec){ .pid = 70, .ppid = 60, .ktime = 50 }, &parent);
        assert_ptr_equal(parent, forked);
        assert_string_equal(child->parent_exec_id, fork_exec_id);

        /* The exec of the fork replaces its entry: a new exec id, the same parent. */
        child = apply_exec(c, &(Exec){ .pid = 60, .ppid = 50, .ktime = 60 }, &parent);
        assert_ptr_equal(parent, bash);
        assert_string_not_equal(child->exec_id, fork_exec_id);
        free(fork_exec_id);
}

static void test_pid_reuse(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        RecordBuffer b;
        Process *first, *second;
        Event e;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        apply_exec(c, &(Exec){ .pid = 1, .ktime = 1 }, NULL);
        apply_exec(c, &(Exec){ .pid = 300, .ppid = 1, .ktime = 10 }, NULL);

        assert_int_equal(process_cache_apply(c, make_exit(&b, 300, 0, 15), &e), 1);
        first = e.process; /* the event's reference keeps it */

        second = apply_exec(c, &(Exec){ .pid = 300, .ppid = 1, .ktime = 20 }, NULL);
        assert_ptr_not_equal(first, second);
        assert_string_not_equal(first->exec_id, second->exec_id);
        assert_true(first->exited);
        assert_false(second->exited);
        event_release(&e);
}

static void test_reparent_to_reaper(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        RecordBuffer b;
        Process *init, *parent_400, *parent;
        Event e;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        init = apply_exec(c, &(Exec){ .pid = 1, .ktime = 1 }, NULL);
        parent_400 = apply_exec(c, &(Exec){ .pid = 400, .ppid = 1, .ktime = 2 }, NULL);
        assert_int_equal(process_cache_apply(c, make_fork(&b, 402, 400, 3), &e), 0);

        assert_int_equal(process_cache_apply(c, make_exit(&b, 400, 0, 4), &e), 1);
        assert_ptr_equal(e.process, parent_400);
        assert_ptr_equal(e.parent, init);
        event_release(&e);

        /* 402 was reparented: its exec names the reaper. */
        apply_exec(c, &(Exec){ .pid = 402, .ppid = 1, .ktime = 5 }, &parent);
        assert_ptr_equal(parent, init);
        assert_string_equal(process_cache_get(c, 402)->parent_exec_id, init->exec_id);

        /* Its exit reports the parent it had at exec. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 402, 9, 6), &e), 1);
        assert_ptr_equal(e.parent, init);
        event_release(&e);
}

static void test_exit_grace_period(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        const uint64_t t = 1000000000ULL;
        ProcessCacheStats stats;
        RecordBuffer b;
        Process *p, *parent;
        Event e;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        apply_exec(c, &(Exec){ .pid = 1, .ktime = 1 }, NULL);
        p = apply_exec(c, &(Exec){ .pid = 500, .ppid = 1, .ktime = 2 }, NULL);

        assert_int_equal(process_cache_apply(c, make_exit(&b, 500, 7 << 8, t), &e), 1);
        assert_int_equal(e.type, EVENT_PROCESS_EXIT);
        assert_int_equal(e.ktime, t);
        assert_ptr_equal(e.process, p);
        assert_int_equal(e.exit.status, 7);
        assert_int_equal(e.exit.signal, 0);
        assert_true(p->exited);
        event_release(&e);

        /* A second report of the same exit is no event. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 500, 7 << 8, t + 1), &e), 0);

        /* Gone for lookups, kept for late events of its children. */
        assert_null(process_cache_get(c, 500));
        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.live, 1);
        assert_int_equal(stats.total, 2);
        apply_exec(c, &(Exec){ .pid = 501, .ppid = 500, .ktime = t + 2 }, &parent);
        assert_ptr_equal(parent, p);

        process_cache_gc(c, t + PROCESS_CACHE_EXIT_GRACE_NS - 1);
        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.total, 3);

        process_cache_gc(c, t + PROCESS_CACHE_EXIT_GRACE_NS);
        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.total, 2);
        assert_int_equal(stats.live, 2);
        assert_int_equal(stats.misses, 0);

        /* The child still holds its parent. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 501, 9, t + 3), &e), 1);
        assert_int_equal(e.exit.signal, 9);
        assert_int_equal(e.exit.status, 0);
        assert_ptr_equal(e.parent, p);
        assert_int_equal(e.parent->pid, 500);
        event_release(&e);
}

static void test_cap_evicts(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        ProcessCacheStats stats;
        RecordBuffer b;
        Event e;

        assert_int_equal(process_cache_new(&c, 3, NODE), 0);
        for (uint32_t pid = 1; pid <= 3; pid++)
                apply_exec(c, &(Exec){ .pid = pid, .ktime = pid }, NULL);

        /* Exited entries go first. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 2, 0, 10), &e), 1);
        event_release(&e);
        apply_exec(c, &(Exec){ .pid = 4, .ktime = 11 }, NULL);
        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.total, 3);
        assert_int_equal(stats.evicted, 1);
        assert_non_null(process_cache_get(c, 1));

        /* Then the least recently used: 1 is asked for as a parent, 3 is not. */
        apply_exec(c, &(Exec){ .pid = 5, .ppid = 1, .ktime = 12 }, NULL);
        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.evicted, 2);
        assert_int_equal(stats.total, 3);
        assert_null(process_cache_get(c, 3));
        assert_non_null(process_cache_get(c, 1));
}

static void test_cap_keeps_evicted_parent(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        ProcessCacheStats stats;
        RecordBuffer b;
        Event e;

        /* Room for one: the child's entry evicts its parent's, which the event still holds. */
        assert_int_equal(process_cache_new(&c, 1, NODE), 0);
        apply_exec(c, &(Exec){ .pid = 1, .ktime = 1, .binary = "/sbin/init" }, NULL);
        assert_int_equal(process_cache_apply(
                                 c, make_exec(&b, &(Exec){ .pid = 2, .ppid = 1, .ktime = 2 }), &e),
                         1);
        assert_non_null(e.parent);
        assert_string_equal(e.parent->binary, "/sbin/init");
        assert_string_equal(e.process->parent_exec_id, e.parent->exec_id);
        event_release(&e);

        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.total, 1);
        assert_int_equal(stats.evicted, 1);
}

static void test_misses(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        ProcessCacheStats stats;
        RecordBuffer b;
        Process *parent;
        Event e;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        /* An exit of a process never seen: no event, a miss. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 77, 0, 1), &e), 0);
        /* An exec whose parent is unknown: an event without parent, a miss. */
        apply_exec(c, &(Exec){ .pid = 78, .ppid = 76, .ktime = 2 }, &parent);
        assert_null(parent);
        assert_null(process_cache_get(c, 78)->parent_exec_id);
        /* A fork of an unknown process: an entry all the same, so its exec links. */
        assert_int_equal(process_cache_apply(c, make_fork(&b, 80, 79, 3), &e), 0);
        assert_string_equal(process_cache_get(c, 80)->binary, "");

        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.misses, 3);
}

static void test_unit_from_cgroup(void **state) {
        static const struct {
                const char *path;
                const char *unit;
        } cases[] = {
                { "/system.slice/foo.service/sub", "foo.service" },
                { "/system.slice/foo.service", "foo.service" },
                { "/system.slice/foo.service/", "foo.service" },
                { "/user.slice/user-1000.slice/user@1000.service/app.slice/bar.service",
                  "bar.service" },
                { "/user.slice/user-1000.slice/user@1000.service/init.scope", "init.scope" },
                { "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
                { "/system.slice/getty@tty1.service", "getty@tty1.service" },
                { "/system.slice/_cpu.service", "cpu.service" },
                { "/system.slice/dbus.socket", "dbus.socket" },
                { "/system.slice/a/b/c", NULL },
                { "/init.scope", "init.scope" },
                { "/system.slice", NULL },
                { "/user.slice/user-1000.slice", NULL },
                { "/", NULL },
                { "", NULL },
                { "/foo/.service", NULL },
                { "/docker/0123abcd", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *unit = NULL;
                int r = process_cache_unit_from_cgroup(cases[i].path, &unit);

                if (cases[i].unit) {
                        assert_int_equal(r, 1);
                        assert_string_equal(unit, cases[i].unit);
                } else {
                        assert_int_equal(r, 0);
                        assert_null(unit);
                }
        }
}

/* ---- A fake /proc ---- */

static void write_file(const char *dir, const char *name, const void *data, size_t size) {
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t) size);
        close(fd);
}

static void write_string(const char *dir, const char *name, const char *s) {
        write_file(dir, name, s, strlen(s));
}

typedef struct FakeProc {
        uint32_t pid;
        const char *stat; /* after "PID " */
        const char *uid, *gid;
        const char *loginuid;
        const char *exe, *cwd;
        const char *cmdline;
        size_t cmdline_size;
        const char *cgroup;
} FakeProc;

static void fake_proc_add(const char *root, const FakeProc *f) {
        char dir[2048], buf[4096], path[4096];

        snprintf(dir, sizeof(dir), "%s/%" PRIu32, root, f->pid);
        assert_int_equal(mkdir(dir, 0755), 0);
        snprintf(buf, sizeof(buf), "%" PRIu32 " %s\n", f->pid, f->stat);
        write_string(dir, "stat", buf);
        if (!f->uid)
                return; /* vanished before its status could be read */
        snprintf(buf, sizeof(buf), "Name:\tx\nState:\tS (sleeping)\nUid:\t%s\nGid:\t%s\n", f->uid,
                 f->gid);
        write_string(dir, "status", buf);
        if (f->loginuid)
                write_string(dir, "loginuid", f->loginuid);
        if (f->exe) {
                snprintf(path, sizeof(path), "%s/exe", dir);
                assert_int_equal(symlink(f->exe, path), 0);
        }
        if (f->cwd) {
                snprintf(path, sizeof(path), "%s/cwd", dir);
                assert_int_equal(symlink(f->cwd, path), 0);
        }
        write_file(dir, "cmdline", f->cmdline ?: "", f->cmdline ? f->cmdline_size : 0);
        write_string(dir, "cgroup", f->cgroup);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* stat fields after the pid: "(comm) state ppid pgrp session tty tpgid flags minflt
 * cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal START ..." */
#define STAT(comm, state, ppid, flags, start)                                                      \
        "(" comm ") " state " " ppid " 1 1 0 -1 " flags " 0 0 0 0 0 0 0 0 20 0 1 0 " start         \
        " 0 0 0 0"

static void test_scan_procfs(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        char root[] = "/tmp/test-process-cache.XXXXXX", dir[4096], buf[8192];
        static const char init_cmdline[] = "/sbin/init\0splash\0";
        static const char foo_cmdline[] = "foo\0--x\0y z\0";
        static const char bar_cmdline[] = "bar\0baz"; /* rewritten, without a last NUL */
        /* (each written without the NUL the compiler adds to a literal) */
        Process *init, *kthreadd, *kworker, *foo, *bar, *child, *parent;
        ProcessCacheStats stats;
        struct stat st;
        long ticks = sysconf(_SC_CLK_TCK);
        const char *a;

        assert_non_null(mkdtemp(root));

        /* A cgroup2 mount for cgroup ids: a directory, named in self/mountinfo. */
        snprintf(dir, sizeof(dir), "%s/cg", root);
        assert_int_equal(mkdir(dir, 0755), 0);
        snprintf(dir, sizeof(dir), "%s/cg/system.slice", root);
        assert_int_equal(mkdir(dir, 0755), 0);
        snprintf(dir, sizeof(dir), "%s/cg/system.slice/foo.service", root);
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_int_equal(stat(dir, &st), 0);
        snprintf(dir, sizeof(dir), "%s/self", root);
        assert_int_equal(mkdir(dir, 0755), 0);
        snprintf(buf, sizeof(buf),
                 "25 1 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
                 "30 25 0:26 / %s/cg rw,nosuid shared:9 - cgroup2 cgroup2 rw\n",
                 root);
        write_string(dir, "mountinfo", buf);

        fake_proc_add(root, &(FakeProc){ .pid = 1,
                                         .stat = STAT("systemd", "S", "0", "4194560", "5"),
                                         .uid = "0\t0\t0\t0",
                                         .gid = "0\t0\t0\t0",
                                         .loginuid = "4294967295",
                                         .exe = "/usr/lib/systemd/systemd",
                                         .cwd = "/",
                                         .cmdline = init_cmdline,
                                         .cmdline_size = sizeof(init_cmdline) - 1,
                                         .cgroup = "0::/init.scope\n" });
        fake_proc_add(root, &(FakeProc){ .pid = 2,
                                         .stat = STAT("kthreadd", "S", "0", "2129984", "6"),
                                         .uid = "0\t0\t0\t0",
                                         .gid = "0\t0\t0\t0",
                                         .loginuid = "4294967295",
                                         .cwd = "/",
                                         .cgroup = "0::/\n" });
        fake_proc_add(root,
                      &(FakeProc){ .pid = 50,
                                   .stat = STAT("kworker/0:1-events", "I", "2", "69238880", "7"),
                                   .uid = "0\t0\t0\t0",
                                   .gid = "0\t0\t0\t0",
                                   .cwd = "/",
                                   .cgroup = "0::/\n" });
        fake_proc_add(root,
                      &(FakeProc){ .pid = 100,
                                   .stat = STAT("a (b) c", "S", "1", "4194304", "500"),
                                   .uid = "1000\t1001\t1002\t1003",
                                   .gid = "100\t101\t102\t103",
                                   .loginuid = "1000",
                                   .exe = "/usr/bin/foo",
                                   .cwd = "/home/u",
                                   .cmdline = foo_cmdline,
                                   .cmdline_size = sizeof(foo_cmdline) - 1,
                                   .cgroup = "1:name=systemd:/\n0::/system.slice/foo.service\n" });
        fake_proc_add(root, &(FakeProc){ .pid = 101,
                                         .stat = STAT("bar", "R", "100", "4194304", "600"),
                                         .uid = "1000\t1000\t1000\t1000",
                                         .gid = "100\t100\t100\t100",
                                         .exe = "/usr/bin/bar",
                                         .cwd = "/home/u",
                                         .cmdline = bar_cmdline,
                                         .cmdline_size = sizeof(bar_cmdline) - 1,
                                         .cgroup = "0::/system.slice/foo.service\n" });
        /* Gone between readdir() and reading its status. */
        fake_proc_add(root, &(FakeProc){ .pid = 102, .stat = STAT("gone", "S", "1", "0", "700") });
        /* A zombie: its exit is behind it. */
        fake_proc_add(root, &(FakeProc){ .pid = 103,
                                         .stat = STAT("zombie", "Z", "100", "4194308", "800"),
                                         .uid = "0\t0\t0\t0",
                                         .gid = "0\t0\t0\t0",
                                         .cgroup = "0::/\n" });
        /* Not processes. */
        snprintf(dir, sizeof(dir), "%s/sys", root);
        assert_int_equal(mkdir(dir, 0755), 0);
        write_string(root, "uptime", "1.0 1.0\n");

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        assert_int_equal(process_cache_scan_procfs(c, root), 5);

        init = process_cache_get(c, 1);
        assert_non_null(init);
        assert_true(init->procfs);
        assert_int_equal(init->ppid, 0);
        assert_null(init->parent_exec_id);
        assert_int_equal(init->start_ktime, 5 * (1000000000ULL / ticks));
        assert_string_equal(init->binary, "/usr/lib/systemd/systemd");
        assert_int_equal(init->args_size, sizeof("splash"));
        assert_string_equal(init->args, "splash");
        assert_int_equal(init->auid, UINT32_MAX);
        assert_string_equal(init->unit, "init.scope");

        /* Kernel threads: named as ps names them, linked to kthreadd. */
        kthreadd = process_cache_get(c, 2);
        assert_non_null(kthreadd);
        assert_string_equal(kthreadd->binary, "[kthreadd]");
        assert_null(kthreadd->args);
        assert_null(kthreadd->parent_exec_id);
        kworker = process_cache_get(c, 50);
        assert_non_null(kworker);
        assert_string_equal(kworker->binary, "[kworker/0:1-events]");
        assert_string_equal(kworker->parent_exec_id, kthreadd->exec_id);

        foo = process_cache_get(c, 100);
        assert_non_null(foo);
        assert_string_equal(foo->parent_exec_id, init->exec_id);
        assert_int_equal(foo->uid, 1000);
        assert_int_equal(foo->euid, 1001);
        assert_int_equal(foo->suid, 1002);
        assert_int_equal(foo->fsuid, 1003);
        assert_int_equal(foo->gid, 100);
        assert_int_equal(foo->fsgid, 103);
        assert_int_equal(foo->auid, 1000);
        assert_string_equal(foo->binary, "/usr/bin/foo");
        assert_string_equal(foo->cwd, "/home/u");
        assert_string_equal(foo->cgroup_path, "/system.slice/foo.service");
        assert_string_equal(foo->unit, "foo.service");
        assert_int_equal(foo->cgroup_id, st.st_ino);
        assert_false(foo->args_truncated);
        a = foo->args;
        assert_string_equal(a, "--x");
        a = process_next_arg(foo, a);
        assert_string_equal(a, "y z");
        assert_null(process_next_arg(foo, a));

        bar = process_cache_get(c, 101);
        assert_non_null(bar);
        assert_string_equal(bar->parent_exec_id, foo->exec_id);
        assert_int_equal(bar->args_size, sizeof("baz"));
        assert_string_equal(bar->args, "baz");

        assert_null(process_cache_get(c, 102));
        assert_null(process_cache_get(c, 103));

        /* What runs now links to what was read. */
        child = apply_exec(c, &(Exec){ .pid = 104, .ppid = 100, .ktime = 10000000000ULL }, &parent);
        assert_ptr_equal(parent, foo);
        assert_false(child->procfs);

        process_cache_get_stats(c, &stats);
        assert_int_equal(stats.total, 6);
        assert_int_equal(stats.misses, 0);

        assert_int_equal(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_scan_procfs_missing_root(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        assert_int_equal(process_cache_scan_procfs(c, "/nonexistent-proc"), -ENOENT);
}

static void test_scan_real_procfs(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        Process *self;

        assert_int_equal(process_cache_new(&c, 100000, NODE), 0);
        assert_true(process_cache_scan_procfs(c, "/proc") > 1);
        self = process_cache_get(c, getpid());
        assert_non_null(self);
        assert_true(self->procfs);
        assert_true(self->binary[0] == '/'); /* under valgrind: valgrind's */
        assert_true(self->args_size > 0 || !self->args);
        assert_non_null(self->parent_exec_id);
}

static void test_new_invalid(void **state) {
        ProcessCache *c = NULL;

        assert_int_equal(process_cache_new(&c, 0, NODE), -EINVAL);
        assert_null(process_cache_free(NULL));
}

/* binary_properties from the exec record: uid 1000 ran each binary. */
static void test_binary_properties(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        Process *p;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);

        /* A set-user-ID root file: euid 0 (UINT32_MAX here) while the real uid stays 1000. */
        p = apply_exec(c,
                       &(Exec){ .pid = 10, .ktime = 1, .binary_mode = 0104755, .euid = UINT32_MAX },
                       NULL);
        assert_true(p->binary_properties.has_setuid);
        assert_int_equal(p->binary_properties.setuid, 0);
        assert_int_equal(p->binary_properties.privileges_changed,
                         PROCESS_PRIVILEGES_RAISED_EXEC_FILE_SETUID);
        assert_false(p->binary_properties.has_file);

        /* The set-user-ID bit of a file the caller owns changes nothing. */
        p = apply_exec(c,
                       &(Exec){ .pid = 11, .ktime = 2, .binary_mode = 0104755, .binary_uid = 1000 },
                       NULL);
        assert_false(p->binary_properties.has_setuid);
        assert_int_equal(p->binary_properties.privileges_changed, 0);

        /* A secure exec no set-ID explains: the file's capabilities. */
        p = apply_exec(c,
                       &(Exec){ .pid = 12,
                                .ktime = 3,
                                .flags = TG_EXEC_SECUREEXEC,
                                .cap_permitted = 1ULL << 13 },
                       NULL);
        assert_false(p->binary_properties.has_setuid);
        assert_int_equal(p->binary_properties.privileges_changed,
                         PROCESS_PRIVILEGES_RAISED_EXEC_FILE_CAP);

        /* No link left: a memfd or a deleted file. */
        p = apply_exec(c, &(Exec){ .pid = 13, .ktime = 4, .deleted = true }, NULL);
        assert_true(p->binary_properties.has_file);
        assert_int_equal(p->binary_properties.file_ino, 4242);
        assert_int_equal(p->binary_properties.file_nlink, 0);
}

/* Each process keeps its parent, so the chain survives the parents' entries. */
static void test_ancestry_outlives_entries(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        RecordBuffer b;
        Event e;
        Process *leaf;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        apply_exec(c, &(Exec){ .pid = 1, .ktime = 1, .binary = "/sbin/init" }, NULL);
        apply_exec(c, &(Exec){ .pid = 20, .ppid = 1, .ktime = 2, .binary = "/bin/sh" }, NULL);
        apply_exec(c, &(Exec){ .pid = 30, .ppid = 20, .ktime = 3, .binary = "/bin/bash" }, NULL);
        leaf = apply_exec(c, &(Exec){ .pid = 40, .ppid = 30, .ktime = 4 }, NULL);

        /* The middle ones exit and are released. */
        assert_int_equal(process_cache_apply(c, make_exit(&b, 20, 0, 5), &e), 1);
        event_release(&e);
        assert_int_equal(process_cache_apply(c, make_exit(&b, 30, 0, 6), &e), 1);
        event_release(&e);
        process_cache_gc(c, 6 + PROCESS_CACHE_EXIT_GRACE_NS);
        assert_null(process_cache_get(c, 30));

        assert_non_null(leaf->parent);
        assert_string_equal(leaf->parent->binary, "/bin/bash");
        assert_string_equal(leaf->parent->parent->binary, "/bin/sh");
        assert_string_equal(leaf->parent->parent->parent->binary, "/sbin/init");
        assert_null(leaf->parent->parent->parent->parent);
}

/* --filter-environment-variables: only the names listed. */
static void test_environment_filter(void **state) {
        _cleanup_(process_cache_freep) ProcessCache *c = NULL;
        static const char env[] = "HOME=/root\0SECRET=x\0PATH=/bin\0";
        EnrichOptions opts = { .env = true };
        Process *p;

        assert_int_equal(process_cache_new(&c, 100, NODE), 0);
        process_cache_set_enrichment(c, &opts, NULL);
        p = apply_exec(c, &(Exec){ .pid = 5, .ktime = 1, .env = env, .env_size = sizeof(env) - 1 },
                       NULL);
        assert_int_equal(p->env_size, sizeof(env) - 1);

        assert_int_equal(enrich_options_set(&opts, ENRICH_OPTION_FILTER_ENV, "PATH,HOME"), 0);
        p = apply_exec(c, &(Exec){ .pid = 6, .ktime = 2, .env = env, .env_size = sizeof(env) - 1 },
                       NULL);
        assert_int_equal(p->env_size, sizeof("HOME=/root\0PATH=/bin\0") - 1);
        assert_memory_equal(p->env, "HOME=/root\0PATH=/bin\0", p->env_size);

        /* Without the option, none: the BPF side would not have read it either. */
        opts.env = false;
        p = apply_exec(c, &(Exec){ .pid = 7, .ktime = 3, .env = env, .env_size = sizeof(env) - 1 },
                       NULL);
        assert_null(p->env);
        enrich_options_done(&opts);
}

/* --username-metadata unix: the file's first line of a uid wins; malformed lines are skipped. */
static void test_user_names(void **state) {
        _cleanup_(user_names_freep) UserNames *u = NULL;

        assert_int_equal(user_names_new(&u, "/nonexistent/passwd"), 0);
        assert_int_equal(user_names_load_text(u, "root:x:0:0:root:/root:/bin/bash\n"
                                                 "broken line\n"
                                                 ":x:5:5::/:/bin/sh\n"
                                                 "dan:x:1000:1000::/home/dan:/bin/sh\n"
                                                 "alias:x:1000:1000::/:/bin/sh\n"
                                                 "big:x:99999999999:1::/:/bin/sh"),
                         2);
        /* The file does not exist: the table loaded stays in use. */
        assert_string_equal(user_names_lookup(u, 0, 5000000000ULL), "root");
        assert_string_equal(user_names_lookup(u, 1000, 0), "dan");
        assert_null(user_names_lookup(u, 5, 0));
        assert_null(user_names_lookup(u, 4242, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_links_to_parent),
                cmocka_unit_test(test_fork_then_exec),
                cmocka_unit_test(test_pid_reuse),
                cmocka_unit_test(test_reparent_to_reaper),
                cmocka_unit_test(test_exit_grace_period),
                cmocka_unit_test(test_cap_evicts),
                cmocka_unit_test(test_cap_keeps_evicted_parent),
                cmocka_unit_test(test_misses),
                cmocka_unit_test(test_unit_from_cgroup),
                cmocka_unit_test(test_scan_procfs),
                cmocka_unit_test(test_scan_procfs_missing_root),
                cmocka_unit_test(test_scan_real_procfs),
                cmocka_unit_test(test_new_invalid),
                cmocka_unit_test(test_binary_properties),
                cmocka_unit_test(test_ancestry_outlives_entries),
                cmocka_unit_test(test_environment_filter),
                cmocka_unit_test(test_user_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
