/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the host must offer before any BPF is loaded: privileges, kernel BTF
 * (for CO-RE), and the bpf and tracefs file systems (mounted when missing).
 * Logs one clear line for whatever is missing.
 */

int system_setup_check(void);
