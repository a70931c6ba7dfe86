/* SPDX-License-Identifier: Apache-2.0 */
#include <asm/unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscall-table.h"

typedef struct SyscallName {
        const char *name;
        unsigned nr;
} SyscallName;

/* Sorted by name (syscall-list.h is), for bsearch. */
static const SyscallName syscall_names[] = {
#define SYSCALL(n) { #n, __NR_##n },
#include "syscall-list.h"
#undef SYSCALL
};

static int compare_name(const void *key, const void *element) {
        return strcmp(key, ((const SyscallName *) element)->name);
}

const char *syscall_function_prefix(void) {
#if defined(__x86_64__)
        return "__x64_";
#elif defined(__aarch64__)
        return "__arm64_";
#else
#error "unsupported architecture"
#endif
}

const char *syscall_abi_name(void) {
#if defined(__x86_64__)
        return "x86_64";
#elif defined(__aarch64__)
        return "arm64";
#else
#error "syscall_abi_name() does not know this architecture"
#endif
}

int syscall_from_name(const char *name) {
        const SyscallName *found;
        const char *s;

        if (!name)
                return -EINVAL;
        s = startswith(name, syscall_function_prefix());
        if (s)
                name = s;
        s = startswith(name, "sys_");
        if (s)
                name = s;
        found = bsearch(name, syscall_names, ELEMENTSOF(syscall_names), sizeof(SyscallName),
                        compare_name);
        return found ? (int) found->nr : -ENOENT;
}

const char *syscall_to_name(unsigned nr) {
        for (size_t i = 0; i < ELEMENTSOF(syscall_names); i++)
                if (syscall_names[i].nr == nr)
                        return syscall_names[i].name;
        return NULL;
}

unsigned syscall_max(void) {
        unsigned max = 0;

        for (size_t i = 0; i < ELEMENTSOF(syscall_names); i++)
                max = MAX(max, syscall_names[i].nr + 1);
        return max;
}
