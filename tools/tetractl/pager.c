/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "macro.h"
#include "pager.h"

static pid_t pager_pid;
static int color = -1; /* -1: decide from the terminal */

int pager_open(bool no_pager) {
        const char *pager;
        int fds[2];
        pid_t pid;

        if (no_pager || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return 0;
        pager = getenv("SYSTEMD_PAGER") ?: getenv("PAGER") ?: "less";
        if (!*pager || streq(pager, "cat"))
                return 0;
        /* Decided while stdout is still the terminal. */
        if (color < 0)
                color = color_enabled();

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                int r = negative_errno();

                close(fds[0]);
                close(fds[1]);
                return r;
        }
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                /* Quit at once when it all fits, keep colours, no bell. */
                (void) setenv("LESS", "FRSXMK", false);
                execlp("sh", "sh", "-c", pager, (char *) NULL);
                _exit(EXIT_FAILURE);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                int r = negative_errno();

                close(fds[0]);
                close(fds[1]);
                return r;
        }
        close(fds[0]);
        close(fds[1]);
        pager_pid = pid;
        return 0;
}

void pager_close(void) {
        int fd;

        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* EOF for the pager: stdout now goes nowhere. */
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void) dup2(fd, STDOUT_FILENO);
                close(fd);
        } else
                close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

int color_mode_parse(const char *s) {
        if (streq(s, "auto")) {
                color = -1;
                return 0;
        }
        if (streq(s, "always") || streq(s, "never")) {
                color = streq(s, "always");
                return 0;
        }
        return -EINVAL;
}

bool color_enabled(void) {
        const char *term = getenv("TERM");

        if (color >= 0)
                return color;
        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && !streq(term, "dumb");
}
