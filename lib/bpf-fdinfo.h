/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/* The kernel memory a BPF map or program holds, as the kernel charges it ("memlock:" in
 * /proc/self/fdinfo/FD, in bytes). -ENODATA when the fd is not a BPF object. */
int bpf_fd_memlock(int fd, uint64_t *ret_bytes);
