/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration: the process monitor's BPF programs, loaded and attached for
 * real, against processes this test starts. Needs root (exit 77 otherwise).
 * Every record read from the ring buffer must decode; the ones of our own
 * children are checked field by field.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "process-monitor.h"
#include "record-decode.h"

#define DEADLINE_NS (10ULL * 1000 * 1000 * 1000)

typedef struct Seen {
        pid_t pid;        /* whose records to keep */
        pid_t marker_pid; /* its exit says everything before it was delivered */
        bool marker_exited;
        unsigned n_exec, n_exit, n_fork;
        uint32_t exit_tids[4]; /* which threads reported the exit, for a failure message */
        union {
                uint64_t align;
                unsigned char bytes[TG_EXEC_RECORD_MAX];
        } exec;
        size_t exec_size;
        struct tg_exit_record exit;
        struct tg_fork_record fork;
        unsigned long malformed;
        unsigned long records;
} Seen;

typedef struct Fixture {
        ProcessMonitor *monitor;
        struct ring_buffer *ringbuf;
        Seen seen;
        char tmpdir[PATH_MAX];
} Fixture;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_record(void *userdata, void *data, size_t size) {
        Seen *s = userdata;
        Record r;
        uint32_t pid;

        s->records++;
        if (record_decode(data, size, &r) < 0) {
                s->malformed++;
                return 0;
        }
        switch (r.op) {
        case TG_OP_EXEC:
                pid = r.exec.raw->pid;
                if (pid == (uint32_t) s->pid) {
                        s->n_exec++;
                        memcpy(s->exec.bytes, data, size);
                        s->exec_size = size;
                }
                break;
        case TG_OP_EXIT:
                pid = r.exit.raw->pid;
                if (pid == (uint32_t) s->pid) {
                        if (s->n_exit < ELEMENTSOF(s->exit_tids))
                                s->exit_tids[s->n_exit] = r.exit.raw->tid;
                        s->n_exit++;
                        s->exit = *r.exit.raw;
                }
                if (pid == (uint32_t) s->marker_pid)
                        s->marker_exited = true;
                break;
        case TG_OP_FORK:
                if (r.fork.raw->pid == (uint32_t) s->pid) {
                        s->n_fork++;
                        s->fork = *r.fork.raw;
                }
                break;
        case TG_OP_GENERIC:
                break;
        }
        return 0;
}

static void seen_reset(Seen *s, pid_t pid) {
        s->pid = pid;
        s->marker_pid = 0;
        s->marker_exited = false;
        s->n_exec = s->n_exit = s->n_fork = 0;
        s->exec_size = 0;
}

/* Poll until cond(s) holds; false when the deadline passed first. */
static bool poll_until(Fixture *f, bool (*cond)(const Seen *s)) {
        uint64_t deadline = now_ns() + DEADLINE_NS;

        while (!cond(&f->seen)) {
                if (now_ns() > deadline)
                        return false;
                assert_true(ring_buffer__poll(f->ringbuf, 100) >= 0);
        }
        return true;
}

static bool have_exit(const Seen *s) {
        return s->n_exit > 0;
}

static bool have_exec_and_exit(const Seen *s) {
        return s->n_exec > 0 && s->n_exit > 0;
}

static bool have_marker(const Seen *s) {
        return s->marker_exited;
}

/* Fork a child that exits at once, and wait until its exit record is read:
 * records reserved before it (all of an earlier, reaped child's) are read too. */
static void drain_through_marker(Fixture *f) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        f->seen.marker_pid = pid;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(poll_until(f, have_marker));
}

static int copy_file(const char *from, const char *to, mode_t mode) {
        char buf[65536];
        int in, out;
        ssize_t n;

        in = open(from, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -errno;
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (out < 0) {
                close(in);
                return -errno;
        }
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, n) != n) {
                        n = -1;
                        break;
                }
        close(in);
        close(out);
        return n < 0 ? -EIO : 0;
}

/* Where the unified hierarchy is mounted, from our mountinfo. */
static bool find_cgroup2(char *ret, size_t size) {
        char line[4096], root[256], point[PATH_MAX];
        FILE *f = fopen("/proc/self/mountinfo", "re");
        bool found = false;

        if (!f)
                return false;
        while (!found && fgets(line, sizeof(line), f)) {
                const char *sep = strstr(line, " - ");

                if (sep && strncmp(sep, " - cgroup2 ", 11) == 0 &&
                    sscanf(line, "%*s %*s %*s %255s %4095s", root, point) == 2 &&
                    strcmp(root, "/") == 0) {
                        snprintf(ret, size, "%s", point);
                        found = true;
                }
        }
        fclose(f);
        return found;
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(Fixture));
        int r;

        assert_non_null(f);
        r = process_monitor_new(&f->monitor, 0, false, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "Failed to load the process monitor: %s\n", strerror(-r));
                return -1;
        }
        r = process_monitor_attach(f->monitor);
        if (r < 0) {
                fprintf(stderr, "Failed to attach the process monitor: %s\n", strerror(-r));
                return -1;
        }
        f->ringbuf =
                ring_buffer__new(process_monitor_ringbuf_fd(f->monitor), on_record, &f->seen, NULL);
        assert_non_null(f->ringbuf);

        snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/test-process-monitor.XXXXXX");
        assert_non_null(mkdtemp(f->tmpdir));
        assert_int_equal(chmod(f->tmpdir, 0755), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        char path[PATH_MAX];

        if (!f)
                return 0;
        snprintf(path, sizeof(path), "%s/tgtest-sh", f->tmpdir);
        (void) unlink(path);
        (void) rmdir(f->tmpdir);
        ring_buffer__free(f->ringbuf);
        process_monitor_free(f->monitor);
        /* Whatever came from the kernel decoded. */
        if (f->seen.malformed > 0) {
                fprintf(stderr, "%lu of %lu records were malformed\n", f->seen.malformed,
                        f->seen.records);
                free(f);
                return -1;
        }
        free(f);
        return 0;
}

static void test_describe(void **state) {
        Fixture *f = *state;
        const char *d = process_monitor_describe(f->monitor);

        assert_non_null(strstr(d, "tp_btf/sched_process_exec"));
        assert_non_null(strstr(d, "tp_btf/sched_process_fork"));
        assert_non_null(strstr(d, "tp_btf/sched_process_exit"));
}

static void test_exec_and_exit_code(void **state) {
        static const char args[] = "tgtest-sh\0-c\0exit 7\0a b\0\xe9t\xe9";
        Fixture *f = *state;
        char binary[PATH_MAX], real_tmp[PATH_MAX], cgroup2[PATH_MAX], cgroup[PATH_MAX + 64];
        char procs[PATH_MAX + 128], expected[PATH_MAX], pidbuf[32];
        const struct tg_exec_record *raw;
        bool have_cgroup;
        struct stat st;
        int go[2], status, fd;
        Record r;
        pid_t pid;

        assert_non_null(realpath(f->tmpdir, real_tmp));
        snprintf(binary, sizeof(binary), "%s/tgtest-sh", real_tmp);
        assert_non_null(realpath("/bin/sh", expected));
        assert_int_equal(copy_file(expected, binary, 0755), 0);

        /* A cgroup of our own, so the kernfs walk has a path to build. */
        have_cgroup = find_cgroup2(cgroup2, sizeof(cgroup2));
        if (have_cgroup) {
                snprintf(cgroup, sizeof(cgroup), "%s/tgtest-%d", cgroup2, getpid());
                have_cgroup = mkdir(cgroup, 0755) == 0;
        }

        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;
                char *const argv[] = { "tgtest-sh", "-c", "exit 7", "a b", "\xe9t\xe9", NULL };
                char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

                if (read(go[0], &c, 1) != 1)
                        _exit(126);
                if (chdir(real_tmp) < 0 || setresgid(2001, 2002, 2003) < 0 ||
                    setresuid(1001, 1002, 1003) < 0)
                        _exit(125);
                execve(binary, argv, envp);
                _exit(127);
        }
        seen_reset(&f->seen, pid);
        close(go[0]);
        if (have_cgroup) {
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
                assert_int_equal(write(fd, pidbuf, strlen(pidbuf)), (ssize_t) strlen(pidbuf));
                close(fd);
        }
        assert_int_equal(write(go[1], "x", 1), 1);
        close(go[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 7);

        assert_true(poll_until(f, have_exec_and_exit));
        assert_int_equal(f->seen.n_exec, 1);
        assert_int_equal(f->seen.n_exit, 1);
        assert_int_equal(f->seen.n_fork, 1);
        assert_int_equal(f->seen.fork.ppid, getpid());
        assert_int_equal(f->seen.fork.creator_pid, getpid());

        assert_int_equal(record_decode(f->seen.exec.bytes, f->seen.exec_size, &r), 0);
        raw = r.exec.raw;
        assert_int_equal(raw->pid, pid);
        assert_int_equal(raw->tid, pid);
        assert_int_equal(raw->ppid, getpid());
        assert_int_equal(raw->uid, 1001);
        assert_int_equal(raw->euid, 1002);
        assert_int_equal(raw->suid, 1002); /* exec saves the effective ids */
        assert_int_equal(raw->fsuid, 1002);
        assert_int_equal(raw->gid, 2001);
        assert_int_equal(raw->egid, 2002);
        assert_int_equal(raw->sgid, 2002);
        assert_int_equal(raw->fsgid, 2002);
        assert_false(raw->flags & (TG_EXEC_ARGS_TRUNCATED | TG_EXEC_BINARY_TRUNCATED |
                                   TG_EXEC_CWD_TRUNCATED | TG_EXEC_CGROUP_TRUNCATED));
        assert_string_equal(r.exec.binary, binary);
        assert_int_equal(r.exec.args_size, sizeof(args));
        assert_memory_equal(r.exec.args, args, sizeof(args));
        assert_string_equal(r.exec.cwd, real_tmp);
        assert_true(r.exec.raw->header.ktime > 0);

        if (have_cgroup) {
                assert_int_equal(stat(cgroup, &st), 0);
                snprintf(expected, sizeof(expected), "/tgtest-%d", getpid());
                assert_string_equal(r.exec.cgroup, expected);
                assert_int_equal(raw->cgroup_id, st.st_ino);
                assert_int_equal(rmdir(cgroup), 0);
        } else
                assert_true(r.exec.cgroup[0] == '/');

        /* exit(7): the wait(2) status word. */
        assert_int_equal(f->seen.exit.exit_code, 7 << 8);
        assert_int_equal(f->seen.exit.tid, pid);
        assert_true(f->seen.exit.header.ktime >= raw->header.ktime);
        assert_int_equal(unlink(binary), 0);
}

static void test_killed_by_sigkill(void **state) {
        Fixture *f = *state;
        int status;
        pid_t pid;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (;;)
                        pause();
        }
        seen_reset(&f->seen, pid);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        assert_true(poll_until(f, have_exit));
        assert_int_equal(f->seen.exit.exit_code & 0x7f, SIGKILL);
        assert_int_equal(f->seen.n_exec, 0);
        assert_int_equal(f->seen.n_fork, 1);
}

static void *thread_wait(void *arg) {
        pthread_barrier_t *barrier = arg;

        pthread_barrier_wait(barrier);
        for (;;)
                pause();
        return NULL;
}

/* A child with 3 threads that all die together: one exit record, whichever
 * thread goes last. Repeated, since threads race through do_exit(). */
static void test_threads_one_exit(void **state) {
        Fixture *f = *state;

        for (int round = 0; round < 20; round++) {
                int status;
                pid_t pid = fork();

                assert_true(pid >= 0);
                if (pid == 0) {
                        pthread_barrier_t barrier;
                        pthread_t t[2];

                        pthread_barrier_init(&barrier, NULL, 3);
                        for (int i = 0; i < 2; i++)
                                if (pthread_create(&t[i], NULL, thread_wait, &barrier) != 0)
                                        _exit(126);
                        pthread_barrier_wait(&barrier);
                        exit(round % 2 ? 5 : 6); /* exit_group(): every thread dies */
                }
                seen_reset(&f->seen, pid);
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_int_equal(WEXITSTATUS(status), round % 2 ? 5 : 6);

                drain_through_marker(f);
                if (f->seen.n_exit != 1)
                        fail_msg("round %d: %u exit records for pid %d, from threads %u %u %u",
                                 round, f->seen.n_exit, pid, f->seen.exit_tids[0],
                                 f->seen.exit_tids[1], f->seen.exit_tids[2]);
                assert_int_equal(f->seen.exit.exit_code, (round % 2 ? 5 : 6) << 8);
        }
}

/* The same, but the leader leaves first and the last thread ends the group. */
static void *thread_exit_later(void *arg) {
        pthread_barrier_t *barrier = arg;

        pthread_barrier_wait(barrier);
        pthread_barrier_wait(barrier);
        return NULL;
}

static void test_threads_leader_first(void **state) {
        Fixture *f = *state;
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                static pthread_barrier_t barrier;
                pthread_t t[2];

                pthread_barrier_init(&barrier, NULL, 2);
                for (int i = 0; i < 2; i++)
                        if (pthread_create(&t[i], NULL, thread_exit_later, &barrier) != 0)
                                _exit(126);
                /* The leader exits alone; the threads follow one after the other. */
                pthread_exit(NULL);
        }
        seen_reset(&f->seen, pid);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));

        drain_through_marker(f);
        assert_int_equal(f->seen.n_exit, 1);
        assert_int_equal(f->seen.exit.exit_code, 0);
}

static pid_t spawn_true_with_arg(const char *arg) {
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                char *const argv[] = { "true", (char *) arg, NULL };

                execve("/bin/true", argv, (char *const[]){ NULL });
                _exit(127);
        }
        return pid;
}

static void test_args_truncated(void **state) {
        Fixture *f = *state;
        uint64_t before[_TG_COUNTER_MAX] = {}, after[_TG_COUNTER_MAX] = {};
        char *big = malloc(TG_ARGS_MAX + 4096);
        Record r;
        int status;
        pid_t pid;

        assert_non_null(big);
        memset(big, 'a', TG_ARGS_MAX + 4095);
        big[TG_ARGS_MAX + 4095] = '\0';
        assert_int_equal(process_monitor_read_counters(f->monitor, before), 0);

        pid = spawn_true_with_arg(big);
        seen_reset(&f->seen, pid);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(poll_until(f, have_exec_and_exit));

        assert_int_equal(record_decode(f->seen.exec.bytes, f->seen.exec_size, &r), 0);
        assert_true(r.exec.raw->flags & TG_EXEC_ARGS_TRUNCATED);
        assert_int_equal(r.exec.args_size, TG_ARGS_MAX);
        assert_string_equal(r.exec.args, "true");
        assert_int_equal(r.exec.args[TG_ARGS_MAX - 1], '\0');

        assert_int_equal(process_monitor_read_counters(f->monitor, after), 0);
        assert_true(after[TG_COUNTER_ARGS_TRUNCATED] > before[TG_COUNTER_ARGS_TRUNCATED]);
        free(big);
}

/* Fill the ring buffer without reading it: large exec records until the
 * kernel has to drop one, which the counter must show. */
static void test_reserve_failed_counter(void **state) {
        Fixture *f = *state;
        uint64_t before[_TG_COUNTER_MAX] = {}, after[_TG_COUNTER_MAX] = {};
        char *big = malloc(TG_ARGS_MAX);
        int status;

        assert_non_null(big);
        memset(big, 'b', TG_ARGS_MAX - 1);
        big[TG_ARGS_MAX - 1] = '\0';
        assert_int_equal(process_monitor_read_counters(f->monitor, before), 0);

        /* 8 MiB of ring in records of ~20 KiB: a few hundred execs; bounded anyway. */
        for (int i = 0; i < 4000; i++) {
                pid_t pid = spawn_true_with_arg(big);

                assert_int_equal(waitpid(pid, &status, 0), pid);
                if (i % 50 == 49) {
                        assert_int_equal(process_monitor_read_counters(f->monitor, after), 0);
                        if (after[TG_COUNTER_RINGBUF_RESERVE_FAILED] >
                            before[TG_COUNTER_RINGBUF_RESERVE_FAILED])
                                break;
                }
        }
        assert_int_equal(process_monitor_read_counters(f->monitor, after), 0);
        assert_true(after[TG_COUNTER_RINGBUF_RESERVE_FAILED] >
                    before[TG_COUNTER_RINGBUF_RESERVE_FAILED]);

        /* Drained, everything still decodes. */
        seen_reset(&f->seen, 0);
        assert_true(ring_buffer__consume(f->ringbuf) >= 0);
        free(big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_describe),
                cmocka_unit_test(test_exec_and_exit_code),
                cmocka_unit_test(test_killed_by_sigkill),
                cmocka_unit_test(test_threads_one_exit),
                cmocka_unit_test(test_threads_leader_first),
                cmocka_unit_test(test_args_truncated),
                cmocka_unit_test(test_reserve_failed_counter), /* last: it floods the ring */
        };

        if (geteuid() != 0) {
                printf("SKIP: loading BPF programs needs root\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
