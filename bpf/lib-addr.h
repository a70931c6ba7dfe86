/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Matching an address and a port against a policy's values, shared by the
 * filters on a struct sockaddr (SAddr, SPort, ...) and on a socket or an skb
 * (SAddr, DAddr, SPort, DPort, ...). Addresses are 16 network-order bytes
 * (IPv4 in the first 4), ports in host order. A family without ports or IP
 * addresses (AF_UNIX) is in no CIDR and no port range: only the Not forms
 * match it.
 *
 * Include after vmlinux.h and bpf_helpers.h.
 */

#include "generic.h" /* TG_GENERIC_AF_*, and policy.h's struct tg_policy_value */

/* The first prefix_len bits of 8 network-order bytes loaded little endian. */
static __always_inline __u64 tg_addr_prefix_mask(__u32 prefix_len) {
        if (prefix_len == 0)
                return 0;
        if (prefix_len >= 64)
                return ~0ULL;
        return __builtin_bswap64(~0ULL << (64 - prefix_len));
}

/* Is the address addr of family in the CIDR v? */
static __always_inline bool tg_addr_in_cidr(__u16 family, const __u8 *addr,
                                            const struct tg_policy_value *v) {
        __u64 lo, hi;
        __u32 plen = v->prefix_len;

        if (v->kind != TG_VALUE_ADDRESS)
                return false;
        __builtin_memcpy(&lo, addr, 8);
        __builtin_memcpy(&hi, addr + 8, 8);
        if (v->family == TG_GENERIC_AF_INET && family == TG_GENERIC_AF_INET)
                return !((lo ^ v->lo) & tg_addr_prefix_mask(plen > 32 ? 32 : plen));
        if (v->family == TG_GENERIC_AF_INET6 && family == TG_GENERIC_AF_INET6)
                return !((lo ^ v->lo) & tg_addr_prefix_mask(plen)) &&
                       !((hi ^ v->hi) & tg_addr_prefix_mask(plen > 64 ? plen - 64 : 0));
        return false;
}

static __always_inline bool tg_addr_family_has_ports(__u16 family) {
        return family == TG_GENERIC_AF_INET || family == TG_GENERIC_AF_INET6;
}

/* A port range value: lo..hi, both included. */
static __always_inline bool tg_port_in_range(__u16 family, __u16 port,
                                             const struct tg_policy_value *v) {
        return tg_addr_family_has_ports(family) && port >= v->lo && port <= v->hi;
}

/* SPortPriv, DPortPriv: below 1024, where binding needs CAP_NET_BIND_SERVICE. */
static __always_inline bool tg_port_privileged(__u16 family, __u16 port) {
        return tg_addr_family_has_ports(family) && port < 1024;
}

/* The Not forms of the address and port operators, each the negation of its positive. */
static __always_inline bool tg_addr_op_negated(__u8 op) {
        return op == TG_POLICY_OP_NOT_SADDR || op == TG_POLICY_OP_NOT_DADDR ||
               op == TG_POLICY_OP_NOT_SPORT || op == TG_POLICY_OP_NOT_DPORT ||
               op == TG_POLICY_OP_NOT_SPORT_PRIV || op == TG_POLICY_OP_NOT_DPORT_PRIV;
}
