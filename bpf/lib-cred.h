/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Reading a struct cred (kernel memory) with CO-RE: its ids, for the process
 * monitor's exec records and the engine's cred arguments, and its capability
 * sets, for the engine's capability filters and baselines.
 *
 * Include after vmlinux.h and bpf_core_read.h.
 */

/* The capability sets, numbered as PolicyCapabilitySet (lib/policy.h) numbers them. */
enum {
        TG_CRED_CAPS_EFFECTIVE = 0,
        TG_CRED_CAPS_INHERITABLE = 1,
        TG_CRED_CAPS_PERMITTED = 2,
};

/* The eight ids into the fields of the same names of *dst (struct tg_exec_record,
 * struct tg_generic_cred): a macro, so that each is written in place, with no copy on
 * the stack of programs that are already near its limit. */
#define TG_CRED_READ_IDS(dst, cred)                                                                \
        do {                                                                                       \
                (dst)->uid = BPF_CORE_READ((cred), uid.val);                                       \
                (dst)->gid = BPF_CORE_READ((cred), gid.val);                                       \
                (dst)->euid = BPF_CORE_READ((cred), euid.val);                                     \
                (dst)->egid = BPF_CORE_READ((cred), egid.val);                                     \
                (dst)->suid = BPF_CORE_READ((cred), suid.val);                                     \
                (dst)->sgid = BPF_CORE_READ((cred), sgid.val);                                     \
                (dst)->fsuid = BPF_CORE_READ((cred), fsuid.val);                                   \
                (dst)->fsgid = BPF_CORE_READ((cred), fsgid.val);                                   \
        } while (0)

/* One capability set of cred; 0 for a set number it does not know. kernel_cap_t is 64 bits
 * either way: two __u32 before 6.3, one u64 since. */
static __always_inline __u64 tg_cred_caps(const struct cred *cred, __u8 set) {
        __u64 caps = 0;

        switch (set) {
        case TG_CRED_CAPS_EFFECTIVE:
                bpf_core_read(&caps, sizeof(caps), &cred->cap_effective);
                break;
        case TG_CRED_CAPS_INHERITABLE:
                bpf_core_read(&caps, sizeof(caps), &cred->cap_inheritable);
                break;
        case TG_CRED_CAPS_PERMITTED:
                bpf_core_read(&caps, sizeof(caps), &cred->cap_permitted);
                break;
        }
        return caps;
}
