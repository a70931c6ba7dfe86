/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workloads the benchmarks time: N fork+exec+wait of a program, or N
 * one-byte write() calls to a file. Prints nanoseconds per operation.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int run_exec(long n, const char *program) {
        for (long i = 0; i < n; i++) {
                int status;
                pid_t pid = fork();

                if (pid < 0)
                        return perror("fork"), -1;
                if (pid == 0) {
                        execl(program, program, (char *) NULL);
                        _exit(127);
                }
                if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
                        return fprintf(stderr, "%s failed\n", program), -1;
        }
        return 0;
}

static int run_write(long n, const char *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return perror(path), -1;
        for (long i = 0; i < n; i++)
                if (write(fd, "x", 1) != 1)
                        return perror("write"), close(fd), -1;
        close(fd);
        return 0;
}

int main(int argc, char *argv[]) {
        uint64_t start;
        long n;
        int r;

        if (argc != 4 || (strcmp(argv[1], "exec") && strcmp(argv[1], "write"))) {
                fprintf(stderr, "Usage: %s exec N PROGRAM | write N FILE\n", argv[0]);
                return 2;
        }
        n = strtol(argv[2], NULL, 10);
        if (n <= 0)
                return 2;

        start = now_ns();
        r = strcmp(argv[1], "exec") == 0 ? run_exec(n, argv[3]) : run_write(n, argv[3]);
        if (r < 0)
                return 1;
        printf("%.1f\n", (double) (now_ns() - start) / (double) n);
        return 0;
}
