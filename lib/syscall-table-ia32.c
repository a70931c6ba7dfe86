/* SPDX-License-Identifier: Apache-2.0 */
/* Apart from syscall-table.c: <asm/unistd_32.h> defines the same __NR_ names, other numbers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscall-table.h"

#if defined(__x86_64__)
#include <asm/unistd_32.h>

typedef struct SyscallName {
        const char *name;
        unsigned nr;
} SyscallName;

/* Sorted by name (syscall-list-ia32.h is), for bsearch. */
static const SyscallName ia32_names[] = {
#define SYSCALL(n) { #n, __NR_##n },
#include "syscall-list-ia32.h"
#undef SYSCALL
};

static int compare_name(const void *key, const void *element) {
        return strcmp(key, ((const SyscallName *) element)->name);
}

int syscall_ia32_from_name(const char *name) {
        const SyscallName *found;
        const char *s = name ? startswith(name, "__ia32_sys_") : NULL;

        if (!s)
                return -EINVAL;
        found = bsearch(s, ia32_names, ELEMENTSOF(ia32_names), sizeof(SyscallName), compare_name);
        return found ? (int) found->nr : -ENOENT;
}

const char *syscall_ia32_to_name(unsigned nr) {
        for (size_t i = 0; i < ELEMENTSOF(ia32_names); i++)
                if (ia32_names[i].nr == nr)
                        return ia32_names[i].name;
        return NULL;
}
#else
int syscall_ia32_from_name(_unused_ const char *name) {
        return -EOPNOTSUPP;
}

const char *syscall_ia32_to_name(_unused_ unsigned nr) {
        return NULL;
}
#endif
