/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For tests/integration/test-stack-traces.sh: calls tg_stack_target(), a function of
 * its own that the test's uprobe names, which writes one byte to stdout; then waits
 * for a line on stdin, so its mappings are still there when the daemon names the
 * frames of its user stack.
 */
#include <stdio.h>
#include <unistd.h>

int tg_stack_target(int fd);

__attribute__((noinline)) int tg_stack_target(int fd) {
        return (int) write(fd, "x", 1);
}

int main(void) {
        char line[16];

        if (tg_stack_target(STDOUT_FILENO) != 1)
                return 1;
        return fgets(line, sizeof(line), stdin) ? 0 : 1;
}
