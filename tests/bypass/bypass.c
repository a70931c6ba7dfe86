/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bypass suite's attacker (issue 19): every way we know to change a file's content or
 * replace it, one function each. `bypass TECHNIQUE FILE` tries TECHNIQUE on FILE and exits 0
 * when every call it made succeeded, 1 when one failed (printing which), 2 on a usage error.
 * Whether the file changed is for the runner (tests/bypass/run.sh) to see, not for us to
 * claim. `bypass list` prints the techniques, one a line, with what each does.
 *
 * Each technique writes PAYLOAD somewhere into the file (or replaces, truncates or unlinks it),
 * so any success leaves a trace the runner can see.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAYLOAD "PWNED by the bypass suite\n"
#define PAYLOAD_LEN (sizeof(PAYLOAD) - 1)

static const char *target;

/* A failed call: say which, and fail the technique. */
#define CHECK(expr)                                                                                \
        do {                                                                                       \
                if ((expr) < 0) {                                                                  \
                        fprintf(stderr, "bypass: %s: %s\n", #expr, strerror(errno));               \
                        return 1;                                                                  \
                }                                                                                  \
        } while (0)

/* A file beside the target holding the payload: the source of copies and of replacements. */
static int make_source(char *path, size_t size) {
        int fd;

        snprintf(path, size, "%s.bypass-src", target);
        fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
                return -1;
        if (write(fd, PAYLOAD, PAYLOAD_LEN) != (ssize_t) PAYLOAD_LEN) {
                close(fd);
                return -1;
        }
        return close(fd);
}

static int run_tool(char *const argv[]) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        if (WIFSIGNALED(status)) {
                /* The tool was killed: so are we, as a process group would be. */
                fprintf(stderr, "bypass: %s killed by signal %d\n", argv[0], WTERMSIG(status));
                errno = EINTR;
                return -1;
        }
        if (WEXITSTATUS(status) != 0) {
                errno = EIO;
                return -1;
        }
        return 0;
}

static int open_target(int flags) {
        return open(target, flags | O_CLOEXEC);
}

static int t_write(void) {
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_append(void) {
        int fd;
        CHECK(fd = open_target(O_WRONLY | O_APPEND));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_writev(void) {
        struct iovec iov = { .iov_base = (void *) PAYLOAD, .iov_len = PAYLOAD_LEN };
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(writev(fd, &iov, 1));
        return 0;
}

static int t_pwrite64(void) {
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(pwrite(fd, PAYLOAD, PAYLOAD_LEN, 0));
        return 0;
}

static int t_pwritev(void) {
        struct iovec iov = { .iov_base = (void *) PAYLOAD, .iov_len = PAYLOAD_LEN };
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(pwritev(fd, &iov, 1, 0));
        return 0;
}

static int t_pwritev2(void) {
        struct iovec iov = { .iov_base = (void *) PAYLOAD, .iov_len = PAYLOAD_LEN };
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(pwritev2(fd, &iov, 1, 0, RWF_SYNC));
        return 0;
}

static int t_sendfile(void) {
        char src[4096];
        int in, out;
        CHECK(make_source(src, sizeof(src)));
        CHECK(in = open(src, O_RDONLY | O_CLOEXEC));
        CHECK(out = open_target(O_WRONLY));
        CHECK(sendfile(out, in, NULL, PAYLOAD_LEN));
        return 0;
}

static int t_splice(void) {
        int p[2], out;
        loff_t off = 0;
        CHECK(pipe(p));
        CHECK(write(p[1], PAYLOAD, PAYLOAD_LEN));
        CHECK(out = open_target(O_WRONLY));
        CHECK(splice(p[0], NULL, out, &off, PAYLOAD_LEN, 0));
        return 0;
}

static int t_vmsplice(void) {
        struct iovec iov = { .iov_base = (void *) PAYLOAD, .iov_len = PAYLOAD_LEN };
        int p[2], out;
        CHECK(pipe(p));
        CHECK(vmsplice(p[1], &iov, 1, 0));
        CHECK(out = open_target(O_WRONLY));
        CHECK(splice(p[0], NULL, out, NULL, PAYLOAD_LEN, 0));
        return 0;
}

static int t_copy_file_range(void) {
        char src[4096];
        int in, out;
        CHECK(make_source(src, sizeof(src)));
        CHECK(in = open(src, O_RDONLY | O_CLOEXEC));
        CHECK(out = open_target(O_WRONLY));
        CHECK(copy_file_range(in, NULL, out, NULL, PAYLOAD_LEN, 0));
        return 0;
}

static int t_cp(void) {
        char src[4096];
        CHECK(make_source(src, sizeof(src)));
        CHECK(run_tool((char *[]){ "cp", src, (char *) target, NULL }));
        return 0;
}

static int t_dd(void) {
        char src[4096], in[4200], of[4200];
        CHECK(make_source(src, sizeof(src)));
        snprintf(in, sizeof(in), "if=%s", src);
        snprintf(of, sizeof(of), "of=%s", target);
        CHECK(run_tool((char *[]){ "dd", in, of, "conv=notrunc", "status=none", NULL }));
        return 0;
}

static int t_shell_redirect(void) {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "echo PWNED >> '%s'", target);
        CHECK(run_tool((char *[]){ "sh", "-c", cmd, NULL }));
        return 0;
}

static int t_sed_inplace(void) {
        CHECK(run_tool((char *[]){ "sed", "-i", "1i PWNED", (char *) target, NULL }));
        return 0;
}

/* io_uring with raw system calls: one IORING_OP_WRITE (opcode), submitted and waited for. */
static int uring_write(uint8_t opcode) {
        struct io_uring_params params = { 0 };
        struct iovec iov = { .iov_base = (void *) PAYLOAD, .iov_len = PAYLOAD_LEN };
        struct io_uring_sqe *sqes;
        struct io_uring_cqe *cqes;
        uint32_t *sq_tail, *sq_array, *cq_head, *cq_tail, sq_mask;
        uint8_t *sq_ring, *cq_ring;
        int ring, fd;

        CHECK(fd = open_target(O_WRONLY));
        CHECK(ring = (int) syscall(__NR_io_uring_setup, 1, &params));
        sq_ring = mmap(NULL, params.sq_off.array + params.sq_entries * sizeof(uint32_t),
                       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
        cq_ring = mmap(NULL, params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe),
                       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
        sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
        if (sq_ring == MAP_FAILED || cq_ring == MAP_FAILED || sqes == MAP_FAILED) {
                perror("bypass: mmap of the io_uring rings");
                return 1;
        }
        sq_tail = (uint32_t *) (sq_ring + params.sq_off.tail);
        sq_mask = *(uint32_t *) (sq_ring + params.sq_off.ring_mask);
        sq_array = (uint32_t *) (sq_ring + params.sq_off.array);
        cq_head = (uint32_t *) (cq_ring + params.cq_off.head);
        cq_tail = (uint32_t *) (cq_ring + params.cq_off.tail);
        cqes = (struct io_uring_cqe *) (cq_ring + params.cq_off.cqes);

        memset(&sqes[0], 0, sizeof(sqes[0]));
        sqes[0].opcode = opcode;
        sqes[0].fd = fd;
        if (opcode == IORING_OP_WRITEV) {
                sqes[0].addr = (uintptr_t) &iov;
                sqes[0].len = 1;
        } else {
                sqes[0].addr = (uintptr_t) PAYLOAD;
                sqes[0].len = PAYLOAD_LEN;
        }
        sq_array[*sq_tail & sq_mask] = 0;
        __atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);

        CHECK(syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0));
        if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
                fprintf(stderr, "bypass: io_uring completed nothing\n");
                return 1;
        }
        if (cqes[0].res < 0) {
                errno = -cqes[0].res;
                perror("bypass: the io_uring write");
                return 1;
        }
        return 0;
}

static int t_io_uring_write(void) {
        return uring_write(IORING_OP_WRITE);
}

static int t_io_uring_writev(void) {
        return uring_write(IORING_OP_WRITEV);
}

/* Linux AIO with raw system calls: one IOCB_CMD_PWRITE, submitted and reaped. */
static int t_aio(void) {
        aio_context_t ctx = 0;
        struct iocb cb = { 0 }, *cbs[1] = { &cb };
        struct io_event ev;
        int fd;

        CHECK(fd = open_target(O_WRONLY));
        CHECK(syscall(__NR_io_setup, 1, &ctx));
        cb.aio_lio_opcode = IOCB_CMD_PWRITE;
        cb.aio_fildes = fd;
        cb.aio_buf = (uintptr_t) PAYLOAD;
        cb.aio_nbytes = PAYLOAD_LEN;
        CHECK(syscall(__NR_io_submit, ctx, 1, cbs));
        CHECK(syscall(__NR_io_getevents, ctx, 1, 1, &ev, NULL));
        if ((int64_t) ev.res < 0) {
                errno = (int) -(int64_t) ev.res;
                perror("bypass: the AIO write");
                return 1;
        }
        return 0;
}

static int t_mmap_write(void) {
        struct stat st;
        char *p;
        int fd;

        CHECK(fd = open_target(O_RDWR));
        CHECK(fstat(fd, &st));
        if (st.st_size < (off_t) PAYLOAD_LEN)
                CHECK(ftruncate(fd, PAYLOAD_LEN));
        p = mmap(NULL, PAYLOAD_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                perror("bypass: mmap");
                return 1;
        }
        memcpy(p, PAYLOAD, PAYLOAD_LEN);
        CHECK(msync(p, PAYLOAD_LEN, MS_SYNC));
        return 0;
}

static int t_mprotect_write(void) {
        char *p;
        int fd;

        /* Mapped read-only, made writable afterwards: no new mapping of the file. */
        CHECK(fd = open_target(O_RDWR));
        p = mmap(NULL, PAYLOAD_LEN, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                perror("bypass: mmap");
                return 1;
        }
        CHECK(mprotect(p, PAYLOAD_LEN, PROT_READ | PROT_WRITE));
        memcpy(p, PAYLOAD, PAYLOAD_LEN);
        CHECK(msync(p, PAYLOAD_LEN, MS_SYNC));
        return 0;
}

static int t_ftruncate(void) {
        int fd;
        CHECK(fd = open_target(O_WRONLY));
        CHECK(ftruncate(fd, 1));
        return 0;
}

static int t_fallocate(void) {
        int fd;
        /* Punching a hole zeroes content without a single write. */
        CHECK(fd = open_target(O_WRONLY));
        CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
        return 0;
}

static int t_truncate(void) {
        CHECK(truncate(target, 1));
        return 0;
}

static int t_open_trunc(void) {
        CHECK(open_target(O_WRONLY | O_TRUNC));
        return 0;
}

static int t_creat(void) {
        CHECK(creat(target, 0644));
        return 0;
}

static int t_mv(void) {
        char src[4096];
        CHECK(make_source(src, sizeof(src)));
        CHECK(run_tool((char *[]){ "mv", "-f", src, (char *) target, NULL }));
        return 0;
}

static int t_rename(void) {
        char src[4096];
        CHECK(make_source(src, sizeof(src)));
        CHECK(rename(src, target));
        return 0;
}

static int t_rename_exchange(void) {
        char src[4096];
        CHECK(make_source(src, sizeof(src)));
        CHECK(renameat2(AT_FDCWD, src, AT_FDCWD, target, RENAME_EXCHANGE));
        return 0;
}

static int t_unlink_recreate(void) {
        int fd;
        CHECK(unlink(target));
        CHECK(fd = open_target(O_WRONLY | O_CREAT | O_EXCL));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_hardlink(void) {
        char link_path[4200];
        int fd;

        snprintf(link_path, sizeof(link_path), "%s.bypass-link", target);
        unlink(link_path);
        CHECK(link(target, link_path));
        CHECK(fd = open(link_path, O_WRONLY | O_CLOEXEC));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_symlink(void) {
        char link_path[4200];
        int fd;

        snprintf(link_path, sizeof(link_path), "%s.bypass-symlink", target);
        unlink(link_path);
        CHECK(symlink(target, link_path));
        CHECK(fd = open(link_path, O_WRONLY | O_CLOEXEC));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_proc_fd_reopen(void) {
        char path[64];
        int opath, fd;

        /* An O_PATH descriptor is no write; reopening it through /proc is a fresh open. */
        CHECK(opath = open_target(O_PATH));
        snprintf(path, sizeof(path), "/proc/self/fd/%d", opath);
        CHECK(fd = open(path, O_WRONLY | O_CLOEXEC));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int t_scm_rights(void) {
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov,
                              .msg_iovlen = 1,
                              .msg_control = cbuf,
                              .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        int sv[2], fd, got;

        /* The descriptor is opened by one process and written by another that never opened it. */
        CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
        CHECK(fd = open_target(O_WRONLY));
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        CHECK(sendmsg(sv[0], &msg, 0));
        close(fd);
        CHECK(recvmsg(sv[1], &msg, 0));
        memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
        CHECK(write(got, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static void *thread_write(void *arg) {
        int fd = *(int *) arg;
        return (void *) (intptr_t) (write(fd, PAYLOAD, PAYLOAD_LEN) < 0 ? errno : 0);
}

static int t_thread_write(void) {
        pthread_t thread;
        void *result;
        int fd;

        CHECK(fd = open_target(O_WRONLY));
        errno = pthread_create(&thread, NULL, thread_write, &fd);
        CHECK(errno ? -1 : 0);
        errno = pthread_join(thread, &result);
        CHECK(errno ? -1 : 0);
        errno = (int) (intptr_t) result;
        CHECK(errno ? -1 : 0);
        return 0;
}

/* The 32-bit system call entry (int $0x80) from a 64-bit process: other numbers, other table. */
static int t_compat_write(void) {
#if defined(__x86_64__)
        char *buf;
        long ret;
        int fd;

        CHECK(fd = open_target(O_WRONLY));
        buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
                   0);
        if (buf == MAP_FAILED) {
                perror("bypass: mmap below 4 GiB");
                return 1;
        }
        memcpy(buf, PAYLOAD, PAYLOAD_LEN);
        /* 4 is write in the i386 table. */
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(4L), "b"((long) fd), "c"((long) (uintptr_t) buf),
                           "d"((long) PAYLOAD_LEN)
                         : "memory", "r8", "r9", "r10", "r11");
        if (ret < 0) {
                errno = (int) -ret;
                perror("bypass: write through int $0x80");
                return 1;
        }
        return 0;
#else
        fprintf(stderr, "bypass: the compat entry is only tried on x86-64\n");
        errno = ENOSYS;
        return 1;
#endif
}

static int dir_and_base(char *dir, char *base, size_t size) {
        char copy[4096];

        snprintf(copy, sizeof(copy), "%s", target);
        snprintf(dir, size, "%s", dirname(copy));
        snprintf(copy, sizeof(copy), "%s", target);
        snprintf(base, size, "/%s", basename(copy));
        return 0;
}

static int t_bind_mount(void) {
        char dir[4096], base[4096], mnt[4200], path[8300];
        int fd, r = 0, saved;

        /* Another name for the same file, through a mount in a private mount namespace. The
         * mount point is in the target's folder, which the runner removes: a process killed
         * before its cleanup leaves nothing behind. */
        dir_and_base(dir, base, sizeof(dir));
        snprintf(mnt, sizeof(mnt), "%s/.bind.XXXXXX", dir);
        CHECK(unshare(CLONE_NEWNS));
        CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
        if (!mkdtemp(mnt)) {
                perror("bypass: mkdtemp");
                return 1;
        }
        CHECK(mount(dir, mnt, NULL, MS_BIND, NULL));
        snprintf(path, sizeof(path), "%s%s", mnt, base);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, PAYLOAD, PAYLOAD_LEN) < 0)
                r = -1;
        /* The cleanup's errors are not the technique's. */
        saved = errno;
        if (fd >= 0)
                close(fd);
        umount(mnt);
        rmdir(mnt);
        errno = saved;
        CHECK(r);
        return 0;
}

static int t_chroot(void) {
        char dir[4096], base[4096];
        int fd;

        dir_and_base(dir, base, sizeof(dir));
        CHECK(chroot(dir));
        CHECK(chdir("/"));
        CHECK(fd = open(base, O_WRONLY | O_CLOEXEC));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), r;

        if (fd < 0)
                return -1;
        r = write(fd, text, strlen(text)) < 0 ? -1 : 0;
        close(fd);
        return r;
}

/* What `setpriv --reuid=nobody unshare -Ur chroot DIR` does: no capability in the initial
 * namespace, root in a user namespace of its own, and a root directory where the path differs. */
static int t_userns_chroot(void) {
        char dir[4096], base[4096], map[64];
        int fd;

        dir_and_base(dir, base, sizeof(dir));
        CHECK(setgroups(0, NULL));
        CHECK(setgid(65534));
        CHECK(setuid(65534));
        /* Changing uid made us undumpable, which makes our /proc files root's. */
        CHECK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
        CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS));
        CHECK(write_file("/proc/self/setgroups", "deny"));
        snprintf(map, sizeof(map), "0 65534 1");
        CHECK(write_file("/proc/self/uid_map", map));
        CHECK(write_file("/proc/self/gid_map", map));
        CHECK(chroot(dir));
        CHECK(chdir("/"));
        CHECK(fd = open(base, O_WRONLY | O_CLOEXEC));
        CHECK(write(fd, PAYLOAD, PAYLOAD_LEN));
        return 0;
}

typedef struct Technique {
        const char *name;
        int (*run)(void);
        const char *what;
} Technique;

static const Technique techniques[] = {
        { "write", t_write, "write(2) on a descriptor opened for writing" },
        { "append", t_append, "write(2) on an O_APPEND descriptor" },
        { "writev", t_writev, "writev(2)" },
        { "pwrite64", t_pwrite64, "pwrite64(2)" },
        { "pwritev", t_pwritev, "pwritev(2)" },
        { "pwritev2", t_pwritev2, "pwritev2(2) with RWF_SYNC" },
        { "sendfile", t_sendfile, "sendfile(2) from another file" },
        { "splice", t_splice, "splice(2) from a pipe" },
        { "vmsplice", t_vmsplice, "vmsplice(2) into a pipe, spliced into the file" },
        { "copy_file_range", t_copy_file_range, "copy_file_range(2) from another file" },
        { "cp", t_cp, "cp(1) over the file (coreutils uses copy_file_range)" },
        { "dd", t_dd, "dd(1) conv=notrunc" },
        { "shell-redirect", t_shell_redirect, "sh -c 'echo >> FILE'" },
        { "sed-inplace", t_sed_inplace, "sed -i (a new file renamed into place)" },
        { "io_uring-write", t_io_uring_write, "io_uring IORING_OP_WRITE" },
        { "io_uring-writev", t_io_uring_writev, "io_uring IORING_OP_WRITEV" },
        { "aio", t_aio, "Linux AIO io_submit(2) IOCB_CMD_PWRITE" },
        { "mmap-write", t_mmap_write, "a store into a shared writable mapping, msync(2)" },
        { "mprotect-write", t_mprotect_write,
          "a shared read-only mapping made writable by mprotect(2)" },
        { "ftruncate", t_ftruncate, "ftruncate(2)" },
        { "fallocate", t_fallocate, "fallocate(2) punching a hole" },
        { "truncate", t_truncate, "truncate(2) by path" },
        { "open-trunc", t_open_trunc, "open(2) with O_TRUNC, nothing written" },
        { "creat", t_creat, "creat(2)" },
        { "mv", t_mv, "mv(1) another file over it" },
        { "rename", t_rename, "rename(2) another file into place" },
        { "rename-exchange", t_rename_exchange, "renameat2(2) RENAME_EXCHANGE" },
        { "unlink-recreate", t_unlink_recreate, "unlink(2), then a new file by the same name" },
        { "hardlink", t_hardlink, "link(2) to another name, write through it" },
        { "symlink", t_symlink, "a symbolic link to it, write through the link" },
        { "proc-fd-reopen", t_proc_fd_reopen, "O_PATH descriptor reopened for writing via /proc" },
        { "scm-rights", t_scm_rights,
          "a descriptor passed over a UNIX socket, written by the receiver" },
        { "thread-write", t_thread_write, "write(2) from a thread other than the leader" },
        { "compat-write", t_compat_write, "write through the 32-bit entry, int $0x80" },
        { "bind-mount", t_bind_mount, "write through a bind mount of its folder" },
        { "chroot", t_chroot, "write from a chroot into its folder" },
        { "userns-chroot", t_userns_chroot,
          "as nobody, what unshare -Ur chroot does: a user namespace, chroot, write" },
};

/* The runner's reset, run from a copy the policy exempts: FILE is the inode KEEPER names (a
 * hard link the runner keeps beside it), holding TEXT and a newline, mode 0666. One inode for
 * the whole run, so a policy that matches the file by identity keeps matching it; a technique
 * that replaced or removed the name gets the original inode back under it. */
static int restore(const char *path, const char *keeper, const char *text) {
        struct stat kst, st;
        char tmp[4200];
        int fd;

        CHECK(fd = open(keeper, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0666));
        CHECK(fchmod(fd, 0666));
        CHECK(write(fd, text, strlen(text)));
        CHECK(write(fd, "\n", 1));
        CHECK(fstat(fd, &kst));
        CHECK(close(fd));
        if (stat(path, &st) == 0 && st.st_dev == kst.st_dev && st.st_ino == kst.st_ino)
                return 0;
        snprintf(tmp, sizeof(tmp), "%s.restore", path);
        unlink(tmp);
        CHECK(link(keeper, tmp));
        CHECK(rename(tmp, path));
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc == 2 && strcmp(argv[1], "list") == 0) {
                for (size_t i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++)
                        printf("%s\t%s\n", techniques[i].name, techniques[i].what);
                return 0;
        }
        if (argc == 5 && strcmp(argv[1], "restore") == 0)
                return restore(argv[2], argv[3], argv[4]) == 0 ? 0 : 1;
        if (argc != 3) {
                fprintf(stderr, "usage: bypass list | bypass TECHNIQUE FILE | bypass restore FILE "
                                "KEEPER TEXT\n");
                return 2;
        }
        target = argv[2];
        for (size_t i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++)
                if (strcmp(argv[1], techniques[i].name) == 0)
                        return techniques[i].run() == 0 ? 0 : 1;
        fprintf(stderr, "bypass: unknown technique %s\n", argv[1]);
        return 2;
}
