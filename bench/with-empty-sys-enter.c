/* SPDX-License-Identifier: Apache-2.0 */
/*
 * with-empty-sys-enter COMMAND [ARG]...: runs COMMAND while an empty program is
 * attached to tp_btf/sys_enter, the floor of every syscall hook on a kernel
 * without kprobes and fentry. Exits with COMMAND's status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "empty-sys-enter.skel.h"
#include "macro.h"

static void empty_sys_enter_bpf__destroyp(struct empty_sys_enter_bpf **p) {
        empty_sys_enter_bpf__destroy(*p); /* accepts NULL */
}

int main(int argc, char *argv[]) {
        _cleanup_(empty_sys_enter_bpf__destroyp) struct empty_sys_enter_bpf *skel = NULL;
        int status;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s COMMAND [ARG]...\n", argv[0]);
                return 2;
        }
        skel = empty_sys_enter_bpf__open_and_load();
        if (!skel || empty_sys_enter_bpf__attach(skel) < 0) {
                fprintf(stderr, "the empty program on tp_btf/sys_enter: %s\n", strerror(errno));
                return 1;
        }
        pid = fork();
        if (pid < 0)
                return perror("fork"), 1;
        if (pid == 0) {
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return perror("waitpid"), 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
