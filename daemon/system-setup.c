/* SPDX-License-Identifier: Apache-2.0 */
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "log.h"
#include "system-setup.h"

#define KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

static int have_capability(int cap) {
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &header, data) < 0)
                return negative_errno();
        return !!(data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}

static int ensure_mounted(const char *path, const char *fstype, unsigned long magic) {
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return log_error_errno(negative_errno(), "Cannot access %s: %m", path);
        if ((unsigned long) sfs.f_type == magic)
                return 0;
        if (mount(fstype, path, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to mount %s on %s: %m", fstype,
                                       path);
        log_info("Mounted %s on %s.", fstype, path);
        return 0;
}

int system_setup_check(void) {
        int r;

        /* CAP_BPF alone does not allow tracing programs; CAP_PERFMON is needed too,
         * and CAP_SYS_ADMIN covers both on kernels that predate them. */
        if (have_capability(CAP_SYS_ADMIN) <= 0 &&
            (have_capability(CAP_BPF) <= 0 || have_capability(CAP_PERFMON) <= 0))
                return log_error_errno(-EPERM, "tetragond needs root (CAP_BPF and CAP_PERFMON, or "
                                               "CAP_SYS_ADMIN) to load BPF programs.");

        if (access(KERNEL_BTF_PATH, R_OK) < 0)
                return log_error_errno(-ENOTSUP,
                                       "This kernel has no BTF (%s is missing): "
                                       "tetragond needs CONFIG_DEBUG_INFO_BTF=y.",
                                       KERNEL_BTF_PATH);

        r = ensure_mounted("/sys/fs/bpf", "bpf", BPF_FS_MAGIC);
        if (r < 0)
                return r;
        return ensure_mounted("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC);
}
