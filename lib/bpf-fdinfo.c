/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf-fdinfo.h"
#include "file-util.h"
#include "macro.h"

/* fdinfo of a map is a dozen short lines; a program's a few more. */
#define FDINFO_MAX 4096

int bpf_fd_memlock(int fd, uint64_t *ret_bytes) {
        _cleanup_close_ int info_fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        char path[64];
        const char *p;
        size_t size;
        int r;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
        info_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (info_fd < 0)
                return -errno;
        r = read_full_fd(info_fd, FDINFO_MAX, &text, &size);
        if (r < 0)
                return r;
        for (p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (sscanf(p, "memlock: %" SCNu64, ret_bytes) == 1)
                        return 0;
        return -ENODATA;
}
