/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * System call names and numbers of the architecture this is built for, as
 * the raw syscall tracepoints number them. Pure lookups.
 */

#include <stddef.h>

/* The name a hook names a syscall by: "sys_write", "__x64_sys_write",
 * "__arm64_sys_write" or "write". Returns the number, or -ENOENT. */
int syscall_from_name(const char *name);
/* "write" for its number, or NULL. */
const char *syscall_to_name(unsigned nr);
/* The kernel function of the syscall, as Tetragon reports it: "__x64_sys_write". */
const char *syscall_function_prefix(void);
/* The syscall ABI of this build's architecture as Tetragon names it: "x86_64", "arm64". */
const char *syscall_abi_name(void);
/* Highest number known, plus one. */
unsigned syscall_max(void);

/* x86_64's 32-bit compat table (i386): the number of "__ia32_sys_dup" (-EINVAL without that
 * prefix, -ENOENT for no such call, -EOPNOTSUPP on other architectures). */
int syscall_ia32_from_name(const char *name);
/* "dup" for its i386 number, or NULL. */
const char *syscall_ia32_to_name(unsigned nr);
