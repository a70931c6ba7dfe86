/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Names for the addresses of a stack trace (Post with kernelStackTrace / userStackTrace),
 * as Tetragon gives them: a kernel address by /proc/kallsyms (read once, when the first
 * kernel stack arrives), a user address by the executable mapping of the process that
 * holds it (/proc/PID/maps, read while the event is handled) and that file's ELF symbols
 * (.symtab, else .dynsym; cached per file). Only tetragond's event path uses it: the
 * strings it hands out are valid until its next call.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

typedef struct StackSymbols StackSymbols;

int stack_symbols_new(StackSymbols **ret);
StackSymbols *stack_symbols_free(StackSymbols *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(StackSymbols *, stack_symbols_free);

/* Frames for n addresses (read unaligned from addrs) of the kernel's stack. An address
 * kallsyms does not cover keeps only its address. Returns the frames, in s. */
const EventStackFrame *stack_symbols_kernel(StackSymbols *s, const void *addrs, size_t n);

/* Likewise for the user stack of process pid: module is the mapped file, offset the
 * address's offset in it; symbol when its ELF names the function. */
const EventStackFrame *stack_symbols_user(StackSymbols *s, pid_t pid, const void *addrs, size_t n);
