/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"

int read_full_fd(int fd, size_t max, char **ret_text, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                ssize_t k;

                if (allocated - size < 4096) {
                        size_t grown_size = allocated ? allocated * 2 : 8192;
                        char *grown;

                        /* Room for max bytes, the NUL, and the read that finds the end. */
                        if (allocated > max + 1)
                                return -EFBIG;
                        grown = realloc(buf, grown_size);
                        if (!grown)
                                return -ENOMEM;
                        buf = grown;
                        allocated = grown_size;
                }
                k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max)
                        return -EFBIG;
        }
        buf[size] = '\0';
        *ret_text = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}
