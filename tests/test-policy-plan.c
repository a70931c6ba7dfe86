/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The planning stage on its own (no root, no BPF): which mechanism each hook
 * gets and the exact sentence of each refusal, for this machine's kind of
 * kernel (tp_btf only), for a full distribution kernel, and with mechanisms
 * disabled by the daemon's option.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "policy-compile.h"
#include "policy-plan.h"
#include "syscall-table.h"

static const char *const header = "apiVersion: cilium.io/v1alpha1\n"
                                  "kind: TracingPolicy\n"
                                  "metadata:\n"
                                  "  name: plan\n"
                                  "spec:\n";

/* tp_btf, send_signal; no kprobes, fentry or BPF LSM: this machine. */
static EngineCapabilities caps_minimal(void) {
        EngineCapabilities c = { .send_signal = true };

        c.kernel[HOOK_MECHANISM_NONE] = true;
        c.kernel[HOOK_MECHANISM_SYS_ENTER] = true;
        c.kernel[HOOK_MECHANISM_TRACEPOINT] = true;
        c.kernel[HOOK_MECHANISM_RAW_TRACEPOINT] = true;
        c.kernel[HOOK_MECHANISM_UPROBE] = true;
        c.kernel[HOOK_MECHANISM_USDT] = true;
        snprintf(c.kernel_detail[HOOK_MECHANISM_FENTRY], ENGINE_DETAIL_MAX, "ftrace is blocked");
        snprintf(c.kernel_detail[HOOK_MECHANISM_KPROBE], ENGINE_DETAIL_MAX, "no kprobe PMU");
        snprintf(c.kernel_detail[HOOK_MECHANISM_LSM], ENGINE_DETAIL_MAX,
                 "bpf is not an active LSM");
        snprintf(c.kernel_detail[HOOK_MECHANISM_FMOD_RET], ENGINE_DETAIL_MAX, "ftrace is blocked");
        snprintf(c.fmod_ret_syscall_detail, ENGINE_DETAIL_MAX, "ftrace is blocked");
        return c;
}

static EngineCapabilities caps_full(void) {
        EngineCapabilities c = { .send_signal = true,
                                 .override_return = true,
                                 .fmod_ret_syscall = true };

        for (unsigned m = 0; m < _HOOK_MECHANISM_MAX; m++)
                c.kernel[m] = true;
        return c;
}

/* Debian 12's kernel: everything, but no function error injection, so neither
 * bpf_override_return() nor fmod_ret on syscalls. */
static EngineCapabilities caps_debian(void) {
        EngineCapabilities c = caps_full();

        c.override_return = false;
        c.fmod_ret_syscall = false;
        snprintf(c.fmod_ret_syscall_detail, ENGINE_DETAIL_MAX,
                 "fmod_ret on __x64_sys_getppid does not load: Invalid argument");
        return c;
}

/* Plan spec (below the header): 0 and the plan, or the refusal in *ret_error. */
static int plan(const char *spec, const EngineCapabilities *caps, PolicyPlan **ret,
                char **ret_error) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_free_ char *yaml = NULL;

        assert_true(asprintf(&yaml, "%s%s", header, spec) >= 0);
        assert_int_equal(policy_parse_buffer("plan.yaml", yaml, strlen(yaml), &diags, &file), 0);
        if (!file) {
                diagnostic_list_write(&diags, stderr);
                fail_msg("does not parse:\n%s", yaml);
        }
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        return policy_plan_build(compiled, caps, ret, ret_error);
}

static void assert_refused(const char *spec, const EngineCapabilities *caps, const char *expected) {
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(plan(spec, caps, &p, &error), -EOPNOTSUPP);
        assert_null(p);
        assert_non_null(error);
        assert_string_equal(error, expected);
}

static const char *const seed = "  kprobes:\n"
                                "  - call: fd_install\n"
                                "    syscall: false\n"
                                "    args:\n"
                                "    - index: 0\n"
                                "      type: int\n"
                                "    - index: 1\n"
                                "      type: file\n"
                                "    selectors:\n"
                                "    - matchArgs:\n"
                                "      - index: 1\n"
                                "        operator: Equal\n"
                                "        values: [\"/tmp/passwd\"]\n"
                                "      matchActions:\n"
                                "      - action: FollowFD\n"
                                "        argFd: 0\n"
                                "        argName: 1\n"
                                "  - call: sys_write\n"
                                "    args:\n"
                                "    - index: 0\n"
                                "      type: fd\n"
                                "    - index: 1\n"
                                "      type: char_buf\n"
                                "      sizeArgIndex: 3\n"
                                "    - index: 2\n"
                                "      type: size_t\n"
                                "    selectors:\n"
                                "    - matchArgs:\n"
                                "      - index: 0\n"
                                "        operator: Equal\n"
                                "        values: [\"/tmp/passwd\"]\n"
                                "      matchActions:\n"
                                "      - action: Sigkill\n";

/* No hooks: an empty plan, as Tetragon loads such a policy. */
static void test_no_hooks(void **state) {
        const EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(plan("  lists: []\n", &minimal, &p, &error), 0);
        assert_null(error);
        assert_int_equal(p->n_hooks, 0);
}

/* spec.loader alone: planned, with no hook; the engine starts the loader sensor (perf
 * events, no BPF program), so no kernel capability is needed for it. */
static void test_loader(void **state) {
        const EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(plan("  loader: true\n", &minimal, &p, &error), 0);
        assert_null(error);
        assert_int_equal(p->n_hooks, 0);
}

static void check_seed_plan(const EngineCapabilities *caps, HookMechanism syscall_mechanism,
                            const char *syscall_status) {
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL, *function = NULL;

        assert_int_equal(plan(seed, caps, &p, &error), 0);
        assert_int_equal(p->n_hooks, 2);
        assert_string_equal(p->hooks[0].name, "kprobes[0] fd_install");
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_NONE);
        assert_true(startswith(p->hooks[0].status, "none: its only actions track fds"));
        assert_string_equal(p->hooks[1].name, "kprobes[1] sys_write");
        assert_int_equal(p->hooks[1].mechanism, syscall_mechanism);
        assert_string_equal(p->hooks[1].status, syscall_status);
        assert_int_equal(p->hooks[1].syscall_nr, SYS_write);
        assert_true(asprintf(&function, "%ssys_write", syscall_function_prefix()) >= 0);
        assert_string_equal(p->hooks[1].function, function);
}

static void test_seed(void **state) {
        EngineCapabilities minimal = caps_minimal(), full = caps_full(), no_kprobes = caps_full();

        check_seed_plan(&minimal, HOOK_MECHANISM_SYS_ENTER, "tp_btf/sys_enter");
        /* Anything on the syscall's function is preferred to sys_enter, which runs for
         * every syscall. */
        check_seed_plan(&full, HOOK_MECHANISM_FENTRY, "fentry");
        full.disabled = 1U << HOOK_MECHANISM_FENTRY;
        check_seed_plan(&full, HOOK_MECHANISM_KPROBE, "kprobe");
        no_kprobes.disabled = (1U << HOOK_MECHANISM_KPROBE) | (1U << HOOK_MECHANISM_FENTRY);
        check_seed_plan(&no_kprobes, HOOK_MECHANISM_SYS_ENTER, "tp_btf/sys_enter");
}

static const char *const kernel_function = "  kprobes:\n"
                                           "  - call: security_file_open\n"
                                           "    syscall: false\n";

/* One hook, planned with mechanism m on function. */
static void assert_planned(const char *spec, const EngineCapabilities *caps, HookMechanism m,
                           const char *function) {
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        if (plan(spec, caps, &p, &error) < 0)
                fail_msg("refused: %s", error);
        assert_int_equal(p->n_hooks, 1);
        assert_int_equal(p->hooks[0].mechanism, m);
        assert_string_equal(p->hooks[0].function, function);
        assert_string_equal(p->hooks[0].status, hook_mechanism_to_string(m));
}

/* Debian 6.1's BTF has no functions for syscalls without arguments. */
static bool btf_without_sync(HookMechanism m, const char *function, void *userdata) {
        return !endswith(function, "sys_sync");
}

static void test_function_not_in_btf(void **state) {
        EngineCapabilities debian = caps_debian();
        _cleanup_free_ char *function = NULL, *expected = NULL;

        debian.function_in_btf = btf_without_sync;
        assert_true(asprintf(&function, "%ssys_sync", syscall_function_prefix()) >= 0);
        /* fentry cannot, the kprobe on the same function can. */
        assert_planned("  kprobes:\n"
                       "  - call: sys_sync\n",
                       &debian, HOOK_MECHANISM_KPROBE, function);
        debian.disabled = (1U << HOOK_MECHANISM_KPROBE) | (1U << HOOK_MECHANISM_SYS_ENTER);
        assert_true(asprintf(&expected,
                             "kprobes[0] sys_sync: no mechanism can attach it: fentry: %s is not "
                             "in the kernel's BTF, or ftrace cannot trace it; kprobe: disabled by "
                             "--disable-mechanism; "
                             "tp_btf/sys_enter: disabled by --disable-mechanism",
                             function) >= 0);
        assert_refused("  kprobes:\n"
                       "  - call: sys_sync\n",
                       &debian, expected);
        /* Others are still on fentry. */
        debian.disabled = 0;
        assert_planned(kernel_function, &debian, HOOK_MECHANISM_FENTRY, "security_file_open");
}

static void test_kernel_function(void **state) {
        EngineCapabilities minimal = caps_minimal(), full = caps_full();

        assert_refused(kernel_function, &minimal,
                       "kprobes[0] security_file_open: no mechanism can attach it: fentry: not "
                       "available on this kernel (ftrace is blocked); kprobe: not available on "
                       "this kernel (no kprobe PMU)");
        assert_planned(kernel_function, &full, HOOK_MECHANISM_FENTRY, "security_file_open");
        full.disabled = 1U << HOOK_MECHANISM_FENTRY;
        assert_planned(kernel_function, &full, HOOK_MECHANISM_KPROBE, "security_file_open");
        assert_refused("  fentries:\n"
                       "  - call: security_file_open\n"
                       "    syscall: false\n",
                       &minimal,
                       "fentries[0] security_file_open: no mechanism can attach it: fentry: not "
                       "available on this kernel (ftrace is blocked); kprobe: not available on "
                       "this kernel (no kprobe PMU)");
}

static void test_disabled(void **state) {
        EngineCapabilities minimal = caps_minimal(), full = caps_full();

        minimal.disabled = 1U << HOOK_MECHANISM_SYS_ENTER;
        assert_refused("  kprobes:\n"
                       "  - call: sys_write\n",
                       &minimal,
                       "kprobes[0] sys_write: no mechanism can attach it: fentry: not available on "
                       "this kernel (ftrace is blocked); kprobe: not available on this kernel (no "
                       "kprobe PMU); tp_btf/sys_enter: disabled by --disable-mechanism");
        full.disabled = (1U << HOOK_MECHANISM_FENTRY) | (1U << HOOK_MECHANISM_KPROBE);
        assert_refused(kernel_function, &full,
                       "kprobes[0] security_file_open: no mechanism can attach it: fentry: "
                       "disabled by --disable-mechanism; kprobe: disabled by --disable-mechanism");
}

static const char *const override = "  kprobes:\n"
                                    "  - call: sys_openat\n"
                                    "    selectors:\n"
                                    "    - matchActions:\n"
                                    "      - action: Override\n"
                                    "        argError: -1\n";

static void assert_planned_on_sys_enter(const char *spec);

static void test_actions(void **state) {
        EngineCapabilities minimal = caps_minimal(), full = caps_full(), no_signal = caps_minimal(),
                           debian = caps_debian();

        assert_refused(override, &minimal,
                       "kprobes[0] sys_openat: action Override on a system call needs fmod_ret "
                       "on the syscall's function, which the kernel allows only with function "
                       "error injection (CONFIG_FUNCTION_ERROR_INJECTION): fmod_ret: not "
                       "available on this kernel (ftrace is blocked); nor is there "
                       "bpf_override_return(). Hook the LSM hook that guards the operation "
                       "instead (lsmhooks, e.g. file_permission or file_open)");
        assert_refused(override, &debian,
                       "kprobes[0] sys_openat: action Override on a system call needs fmod_ret "
                       "on the syscall's function, which the kernel allows only with function "
                       "error injection (CONFIG_FUNCTION_ERROR_INJECTION): fmod_ret on a "
                       "syscall: fmod_ret on __x64_sys_getppid does not load: Invalid argument; "
                       "nor is there bpf_override_return(). Hook the LSM hook that guards the "
                       "operation instead (lsmhooks, e.g. file_permission or file_open)");
        {
                _cleanup_free_ char *function = NULL;

                assert_true(asprintf(&function, "%ssys_openat", syscall_function_prefix()) >= 0);
                assert_planned(override, &full, HOOK_MECHANISM_FMOD_RET, function);
        }
        /* Kernel functions: fmod_ret (the kernel says at load whether the function allows
         * it); LSM hooks: the program's result. */
        assert_planned("  kprobes:\n"
                       "  - call: security_file_open\n"
                       "    syscall: false\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Override\n"
                       "        argError: -13\n",
                       &debian, HOOK_MECHANISM_FMOD_RET, "security_file_open");
        assert_planned("  lsmhooks:\n"
                       "  - hook: file_open\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Override\n"
                       "        argError: -1\n",
                       &debian, HOOK_MECHANISM_LSM, "file_open");
        assert_refused("  lsmhooks:\n"
                       "  - hook: file_open\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Override\n"
                       "        argError: 1\n",
                       &debian,
                       "lsmhooks[0] file_open: selector 0: action Override with argError 1: the "
                       "function returns it as an error, so it must be a negative errno (-1 is "
                       "EPERM)");
        debian.disabled = 1U << HOOK_MECHANISM_FMOD_RET;
        assert_refused("  fentries:\n"
                       "  - call: security_file_open\n"
                       "    syscall: false\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Override\n"
                       "        argError: -1\n",
                       &debian,
                       "fentries[0] security_file_open: action Override on a kernel function "
                       "needs fmod_ret: fmod_ret: disabled by --disable-mechanism");
        no_signal.send_signal = false;
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Sigkill\n",
                       &no_signal,
                       "kprobes[0] sys_openat: selector 0: action Sigkill needs bpf_send_signal(), "
                       "which this kernel refuses");
        /* GetUrl and DnsLookup are user space's (daemon/canary.c): any kernel serves them. */
        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_openat\n"
                                    "    selectors:\n"
                                    "    - matchActions:\n"
                                    "      - action: GetUrl\n"
                                    "        argUrl: http://example.com\n"
                                    "      - action: DnsLookup\n"
                                    "        argFqdn: example.com\n");
        /* Stacks are taken where the hook fires: not on one parked for its return. */
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    return: true\n"
                       "    returnArg:\n"
                       "      index: 0\n"
                       "      type: int\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Post\n"
                       "        kernelStackTrace: true\n",
                       &minimal,
                       "kprobes[0] sys_openat: selector 0: action Post: stack traces on a hook "
                       "that waits for its return (return: true, returnCopy) are not "
                       "implemented by this engine yet");
}

static void assert_planned_on_sys_enter(const char *spec);

/* An lsmhook on hook whose Post asks for imaHash, its first argument declared as type. */
static char *ima_policy(const char *hook, const char *type) {
        char *spec;

        assert_true(asprintf(&spec,
                             "  lsmhooks:\n"
                             "  - hook: %s\n"
                             "    args:\n"
                             "    - index: 0\n"
                             "      type: %s\n"
                             "    selectors:\n"
                             "    - matchActions:\n"
                             "      - action: Post\n"
                             "        imaHash: true\n",
                             hook, type) >= 0);
        return spec;
}

/* Post with imaHash: a sleepable LSM program, told what the hook's first argument is. */
static void test_ima_hash(void **state) {
        EngineCapabilities debian = caps_debian(), minimal = caps_minimal();
        _cleanup_free_ char *file = ima_policy("file_open", "file"),
                            *binprm = ima_policy("bprm_check_security", "linux_binprm"),
                            *other = ima_policy("file_open", "int");
        struct {
                const char *spec;
                uint8_t ima;
        } planned[] = {
                { file, TG_POLICY_IMA_FILE },
                { binprm, TG_POLICY_IMA_LINUX_BINPRM },
                { "  lsmhooks:\n"
                  "  - hook: file_open\n"
                  "    args:\n"
                  "    - index: 0\n"
                  "      type: file\n",
                  TG_POLICY_IMA_NONE },
                /* As the guest test has it (tests/vm/guest/engine-functions.sh). */
                { "  lsmhooks:\n"
                  "  - hook: bprm_check_security\n"
                  "    args:\n"
                  "    - index: 0\n"
                  "      type: linux_binprm\n"
                  "    selectors:\n"
                  "    - matchArgs:\n"
                  "      - index: 0\n"
                  "        operator: Equal\n"
                  "        values: [\"/tmp/tetragond-vm-ima\"]\n"
                  "      matchActions:\n"
                  "      - action: Post\n"
                  "        imaHash: true\n",
                  TG_POLICY_IMA_LINUX_BINPRM },
        };

        for (size_t i = 0; i < ELEMENTSOF(planned); i++) {
                _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
                _cleanup_free_ char *error = NULL;

                if (plan(planned[i].spec, &debian, &p, &error) < 0)
                        fail_msg("refused: %s", error);
                assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_LSM);
                assert_int_equal(p->hooks[0].ima, planned[i].ima);
        }
        /* This machine: no BPF LSM at all, and the refusal names imaHash. */
        assert_refused(file, &minimal,
                       "lsmhooks[0] file_open: action Post: imaHash needs bpf_ima_file_hash(), "
                       "which only a sleepable BPF LSM program may call, and lsm: not available "
                       "on this kernel (bpf is not an active LSM)");
        debian.disabled = 1U << HOOK_MECHANISM_LSM;
        assert_refused(file, &debian,
                       "lsmhooks[0] file_open: action Post: imaHash needs bpf_ima_file_hash(), "
                       "which only a sleepable BPF LSM program may call, and lsm: disabled by "
                       "--disable-mechanism");
        debian.disabled = 0;
        assert_refused(other, &debian,
                       "lsmhooks[0] file_open: action Post: imaHash hashes the hook's first "
                       "argument (index 0), which args must declare as type file or "
                       "linux_binprm");
        /* On a kprobe the parser warns and drops it: nothing to refuse. */
        assert_planned("  kprobes:\n"
                       "  - call: security_file_open\n"
                       "    syscall: false\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Post\n"
                       "        imaHash: true\n",
                       &debian, HOOK_MECHANISM_FENTRY, "security_file_open");
}

static void test_selectors(void **state) {
        EngineCapabilities minimal = caps_minimal();

        assert_refused("  kprobes:\n"
                       "  - call: sys_write\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: int\n"
                       "    data:\n"
                       "    - index: 0\n"
                       "      type: int\n"
                       "    selectors:\n"
                       "    - matchData:\n"
                       "      - index: 0\n"
                       "        operator: Equal\n"
                       "        values: [\"1\"]\n",
                       &minimal,
                       "kprobes[0] sys_write: data entries (hook data, source current_task "
                       "or pt_regs) are not implemented by this engine yet");
        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_write\n"
                                    "    selectors:\n"
                                    "    - matchNamespaceChanges:\n"
                                    "      - operator: In\n"
                                    "        values: [Mnt]\n"
                                    "      matchCapabilityChanges:\n"
                                    "      - type: Effective\n"
                                    "        operator: NotIn\n"
                                    "        values: [CAP_SYS_ADMIN]\n");
}

/* Planned on this machine's kind of kernel, on tp_btf/sys_enter. */
static void assert_planned_on_sys_enter(const char *spec) {
        EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        if (plan(spec, &minimal, &p, &error) < 0)
                fail_msg("refused: %s\n%s", strempty(error), spec);
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_SYS_ENTER);
}

static void test_parent_binaries(void **state) {
        static const char *const ops[] = { "In",        "NotIn",   "Prefix",
                                           "NotPrefix", "Postfix", "NotPostfix" };

        for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
                _cleanup_free_ char *spec = NULL;

                assert_true(asprintf(&spec,
                                     "  kprobes:\n"
                                     "  - call: sys_write\n"
                                     "    selectors:\n"
                                     "    - matchParentBinaries:\n"
                                     "      - operator: %s\n"
                                     "        values: [\"/usr/bin/sh\"]\n",
                                     ops[i]) >= 0);
                assert_planned_on_sys_enter(spec);
        }
}

static void test_follow_children(void **state) {
        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_write\n"
                                    "    selectors:\n"
                                    "    - matchBinaries:\n"
                                    "      - operator: In\n"
                                    "        followChildren: true\n"
                                    "        values: [\"/usr/bin/sh\"]\n"
                                    "    - matchBinaries:\n"
                                    "      - operator: NotIn\n"
                                    "        followChildren: true\n"
                                    "        values: [\"/usr/bin/bash\"]\n"
                                    "    - matchParentBinaries:\n"
                                    "      - operator: In\n"
                                    "        followChildren: true\n"
                                    "        values: [\"/usr/bin/sh\"]\n");
}

static void test_in_map(void **state) {
        EngineCapabilities minimal = caps_minimal();

        assert_planned_on_sys_enter(
                "  kprobes:\n"
                "  - call: sys_write\n"
                "    args:\n"
                "    - index: 2\n"
                "      type: size_t\n"
                "    selectors:\n"
                "    - matchArgs:\n"
                "      - index: 2\n"
                "        operator: InMap\n"
                "        values: [\"1\", \"3:5\", \"7\", \"9\", \"11\", \"13:20\"]\n"
                "    - matchArgs:\n"
                "      - index: 2\n"
                "        operator: NotInMap\n"
                "        values: [\"100:200\"]\n");
        /* A list of syscalls: its numbers. */
        assert_planned_on_sys_enter("  lists:\n"
                                    "  - name: dups\n"
                                    "    type: syscalls\n"
                                    "    values: [\"sys_dup\", \"dup2\"]\n"
                                    "  kprobes:\n"
                                    "  - call: sys_write\n"
                                    "    args:\n"
                                    "    - index: 0\n"
                                    "      type: syscall64\n"
                                    "    selectors:\n"
                                    "    - matchArgs:\n"
                                    "      - index: 0\n"
                                    "        operator: InMap\n"
                                    "        values: [\"list:dups\"]\n");
        /* A 32-bit (i386) entry: its bit is above x86_64's, syscall64 flags such calls. */
        assert_planned_on_sys_enter("  lists:\n"
                                    "  - name: dups\n"
                                    "    type: syscalls\n"
                                    "    values: [\"sys_dup\", \"__ia32_sys_dup\"]\n"
                                    "  kprobes:\n"
                                    "  - call: sys_write\n"
                                    "    args:\n"
                                    "    - index: 0\n"
                                    "      type: syscall64\n"
                                    "    selectors:\n"
                                    "    - matchArgs:\n"
                                    "      - index: 0\n"
                                    "        operator: NotInMap\n"
                                    "        values: [\"list:dups\"]\n");
        assert_refused("  lists:\n"
                       "  - name: dups\n"
                       "    type: syscalls\n"
                       "    values: [\"sys_dup\", \"__ia32_sys_nosuchcall\"]\n"
                       "  kprobes:\n"
                       "  - call: sys_write\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: syscall64\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: NotInMap\n"
                       "        values: [\"list:dups\"]\n",
                       &minimal,
                       "kprobes[0] sys_write: selector 0: matchArgs: list \"dups\": no 32-bit "
                       "(i386) system call named \"__ia32_sys_nosuchcall\" on this architecture");
}

static const char *const list_header = "  lists:\n"
                                       "  - name: dups\n"
                                       "    type: syscalls\n"
                                       "    values: [\"sys_dup\", \"__x64_sys_dup2\"]\n"
                                       "  - name: all\n"
                                       "    type: generated_syscalls\n"
                                       "  - name: ksys\n"
                                       "    type: generated_ftrace\n"
                                       "    pattern: \"^ksys_*\"\n";

static int plan_with_lists(const char *rest, const EngineCapabilities *caps, PolicyPlan **ret,
                           char **ret_error) {
        _cleanup_free_ char *spec = NULL;

        assert_true(asprintf(&spec, "%s%s", list_header, rest) >= 0);
        return plan(spec, caps, ret, ret_error);
}

static void test_call_list(void **state) {
        EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL, *all = NULL;
        _cleanup_free_ char *error = NULL, *function = NULL, *spec = NULL;
        size_t n_syscalls = 0;

        /* One hook per entry, each a syscall hook with its own mechanism; the hook after
         * the list's keeps its own position. */
        assert_int_equal(plan_with_lists("  kprobes:\n"
                                         "  - call: list:dups\n"
                                         "    args:\n"
                                         "    - index: 0\n"
                                         "      type: int\n"
                                         "  - call: sys_close\n",
                                         &minimal, &p, &error),
                         0);
        assert_int_equal(p->n_hooks, 3);
        assert_string_equal(p->hooks[0].name, "kprobes[0] list:dups sys_dup");
        assert_int_equal(p->hooks[0].hook, 0);
        assert_int_equal(p->hooks[0].syscall_nr, SYS_dup);
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_SYS_ENTER);
        assert_true(asprintf(&function, "%ssys_dup", syscall_function_prefix()) >= 0);
        assert_string_equal(p->hooks[0].function, function);
        assert_string_equal(p->hooks[1].name, "kprobes[0] list:dups __x64_sys_dup2");
        assert_int_equal(p->hooks[1].hook, 0);
        assert_int_equal(p->hooks[1].syscall_nr, SYS_dup2);
        assert_string_equal(p->hooks[2].name, "kprobes[1] sys_close");
        assert_int_equal(p->hooks[2].hook, 1);
        assert_false(p->has_enforcer);

        /* generated_syscalls: every syscall of the table. */
        assert_int_equal(plan_with_lists("  kprobes:\n"
                                         "  - call: list:all\n",
                                         &minimal, &all, &error),
                         0);
        for (unsigned nr = 0; nr < syscall_max(); nr++)
                n_syscalls += syscall_to_name(nr) != NULL;
        assert_int_equal(all->n_hooks, n_syscalls);
        assert_true(n_syscalls > 300);
        for (size_t i = 0; i < all->n_hooks; i++) {
                assert_int_equal(all->hooks[i].mechanism, HOOK_MECHANISM_SYS_ENTER);
                assert_string_equal(all->hooks[i].status, "tp_btf/sys_enter");
        }

        /* generated_ftrace: kernel functions, which only fentry and kprobes reach. */
        assert_true(asprintf(&spec, "%s%s", list_header,
                             "  kprobes:\n"
                             "  - call: list:ksys\n") >= 0);
        assert_refused(spec, &minimal,
                       "kprobes[0] list:ksys: no mechanism can attach it: fentry: not available "
                       "on this kernel (ftrace is blocked); kprobe: not available on this kernel "
                       "(no kprobe PMU)");
        free(spec);
        spec = NULL;
        /* An entry named twice is hooked once. */
        policy_plan_free(p);
        assert_int_equal(plan("  lists:\n"
                              "  - name: dups\n"
                              "    type: syscalls\n"
                              "    values: [\"sys_dup\", \"dup\", \"sys_dup2\", \"sys_dup\"]\n"
                              "  kprobes:\n"
                              "  - call: list:dups\n",
                              &minimal, &p, &error),
                         0);
        assert_int_equal(p->n_hooks, 2);
        assert_int_equal(p->hooks[0].syscall_nr, SYS_dup);
        assert_int_equal(p->hooks[1].syscall_nr, SYS_dup2);
        /* 32-bit entries. */
        assert_refused("  lists:\n"
                       "  - name: dups\n"
                       "    type: syscalls\n"
                       "    values: [\"sys_dup\", \"__ia32_sys_dup\"]\n"
                       "  kprobes:\n"
                       "  - call: list:dups\n",
                       &minimal,
                       "kprobes[0] list:dups: list \"dups\": hooking __ia32_sys_dup, a 32-bit "
                       "(i386) system call, is not implemented by this engine yet: its syscall "
                       "hooks see 64-bit calls; such lists serve InMap on a syscall64 argument "
                       "and enforcers");
}

/* A kernel whose traceable functions are ksys_read and ksys_write. */
static int fake_functions_matching(const char *pattern, size_t max, char ***ret, void *userdata) {
        char **v = calloc(3, sizeof(char *));

        assert_non_null(v);
        if (streq(pattern, "("))
                return free(v), -EINVAL;
        if (streq(pattern, "^ksys_*")) {
                v[0] = strdup("ksys_read");
                v[1] = strdup("ksys_write");
        }
        /* The kernel's syscalls, for generated_syscalls. */
        if (endswith(pattern, "sys_")) {
                /* A syscall without arguments is listed by what its function aliases. */
                v[0] = strdup("__do_sys_getppid");
                assert_true(asprintf(&v[1], "%ssys_read", syscall_function_prefix()) >= 0);
        }
        *ret = v;
        return 0;
}

static char *ftrace_spec(const char *pattern) {
        char *s;

        assert_true(asprintf(&s,
                             "  lists:\n"
                             "  - name: ksys\n"
                             "    type: generated_ftrace\n"
                             "    pattern: \"%s\"\n"
                             "  kprobes:\n"
                             "  - call: list:ksys\n"
                             "    args:\n"
                             "    - index: 0\n"
                             "      type: int\n",
                             pattern) >= 0);
        return s;
}

static void test_ftrace_list(void **state) {
        EngineCapabilities full = caps_full(), no_listing = caps_full();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL, *spec = ftrace_spec("^ksys_*"), *bad = ftrace_spec("("),
                            *none = ftrace_spec("^nothing$");

        full.functions_matching = fake_functions_matching;
        assert_int_equal(plan(spec, &full, &p, &error), 0);
        assert_int_equal(p->n_hooks, 2);
        assert_string_equal(p->hooks[0].name, "kprobes[0] list:ksys ksys_read");
        assert_string_equal(p->hooks[0].function, "ksys_read");
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_FENTRY);
        assert_int_equal(p->hooks[0].syscall_nr, -1);
        assert_string_equal(p->hooks[1].function, "ksys_write");
        assert_refused(bad, &full,
                       "kprobes[0] list:ksys: list \"ksys\": pattern \"(\" is not a valid regular "
                       "expression");
        assert_refused(none, &full,
                       "kprobes[0] list:ksys: list \"ksys\": no kernel function matches pattern "
                       "\"^nothing$\"");
        policy_plan_free(p);
        p = NULL;

        /* generated_syscalls: only those the kernel has, when it can say. */
        assert_int_equal(plan_with_lists("  kprobes:\n"
                                         "  - call: list:all\n",
                                         &full, &p, &error),
                         0);
        assert_int_equal(p->n_hooks, 2);
        assert_string_equal(p->hooks[0].name, "kprobes[0] list:all sys_read");
        /* The whole table: one program for all, not one fentry per function. */
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_SYS_ENTER);
        assert_string_equal(p->hooks[1].name, "kprobes[0] list:all sys_getppid");
        assert_refused(spec, &no_listing,
                       "kprobes[0] list:ksys: list \"ksys\": the kernel's functions cannot be "
                       "listed here, so a generated_ftrace list cannot be expanded");
}

static const char *const enforcer_spec = "  lists:\n"
                                         "  - name: dups\n"
                                         "    type: syscalls\n"
                                         "    values: [\"sys_dup\", \"sys_dup2\"]\n"
                                         "  enforcers:\n"
                                         "  - calls: [\"list:dups\", \"sys_close\"]\n"
                                         "  tracepoints:\n"
                                         "  - subsystem: raw_syscalls\n"
                                         "    event: sys_enter\n"
                                         "    args:\n"
                                         "    - index: 4\n"
                                         "      type: syscall64\n"
                                         "    selectors:\n"
                                         "    - matchArgs:\n"
                                         "      - index: 0\n"
                                         "        operator: InMap\n"
                                         "        values: [\"list:dups\"]\n"
                                         "      matchActions:\n"
                                         "      - action: NotifyEnforcer\n";

static void test_enforcer(void **state) {
        EngineCapabilities minimal = caps_minimal(), debian = caps_debian(), full = caps_full();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL, *spec = NULL;

        assert_true(asprintf(&spec, "%s%s", enforcer_spec, "        argSig: 9\n") >= 0);
        assert_int_equal(plan(spec, &minimal, &p, &error), 0);
        assert_true(p->has_enforcer);
        assert_true(p->enforced[SYS_dup / 64] & (1ULL << (SYS_dup % 64)));
        assert_true(p->enforced[SYS_dup2 / 64] & (1ULL << (SYS_dup2 % 64)));
        assert_true(p->enforced[SYS_close / 64] & (1ULL << (SYS_close % 64)));
        assert_false(p->enforced[SYS_write / 64] & (1ULL << (SYS_write % 64)));
        free(spec);

        /* argError: the call must fail, which needs error injection. */
        assert_true(asprintf(&spec, "%s%s", enforcer_spec,
                             "        argError: -1\n        argSig: 9\n") >= 0);
        assert_refused(spec, &minimal,
                       "tracepoints[0] raw_syscalls/sys_enter: selector 0: action NotifyEnforcer "
                       "with argError -1: making the enforced call fail needs fmod_ret on the "
                       "syscall's function, which the kernel allows only with function error "
                       "injection (CONFIG_FUNCTION_ERROR_INJECTION): fmod_ret: not available on "
                       "this kernel (ftrace is blocked); nor is there bpf_override_return(). "
                       "Without argError (argSig alone) the enforcer only sends the signal");
        assert_refused(spec, &debian,
                       "tracepoints[0] raw_syscalls/sys_enter: selector 0: action NotifyEnforcer "
                       "with argError -1: making the enforced call fail needs fmod_ret on the "
                       "syscall's function, which the kernel allows only with function error "
                       "injection (CONFIG_FUNCTION_ERROR_INJECTION): fmod_ret on a syscall: "
                       "fmod_ret on __x64_sys_getppid does not load: Invalid argument; nor is "
                       "there bpf_override_return(). Without argError (argSig alone) the "
                       "enforcer only sends the signal");
        assert_refused(spec, &full,
                       "tracepoints[0] raw_syscalls/sys_enter: selector 0: action NotifyEnforcer "
                       "with argError -1: enforcers that make the call fail are not implemented "
                       "by this engine yet (argSig alone is)");
        free(spec);
        spec = NULL;

        /* An enforced 32-bit (i386) call: its bit above x86_64's (i386's dup is 41). */
        {
                _cleanup_(policy_plan_freep) PolicyPlan *p32 = NULL;
                _cleanup_free_ char *error32 = NULL;
                unsigned bit = TG_COMPAT_SYSCALL_BASE + 41;

                assert_int_equal(plan("  lists:\n"
                                      "  - name: dups\n"
                                      "    type: syscalls\n"
                                      "    values: [\"sys_dup\", \"__ia32_sys_dup\"]\n"
                                      "  enforcers:\n"
                                      "  - calls: [\"list:dups\"]\n"
                                      "  kprobes:\n"
                                      "  - call: sys_dup\n"
                                      "    selectors:\n"
                                      "    - matchActions:\n"
                                      "      - action: NotifyEnforcer\n"
                                      "        argSig: 9\n",
                                      &minimal, &p32, &error32),
                                 0);
                assert_true(p32->enforced[bit / 64] & (1ULL << (bit % 64)));
                assert_true(p32->enforced[SYS_dup / 64] & (1ULL << (SYS_dup % 64)));
        }
}

static void test_substring(void **state) {
        static const char *const types[] = { "string", "char_buf\n      sizeArgIndex: 3" };

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                _cleanup_free_ char *spec = NULL;

                assert_true(asprintf(&spec,
                                     "  kprobes:\n"
                                     "  - call: sys_write\n"
                                     "    args:\n"
                                     "    - index: 1\n"
                                     "      type: %s\n"
                                     "    selectors:\n"
                                     "    - matchArgs:\n"
                                     "      - index: 1\n"
                                     "        operator: SubString\n"
                                     "        values: [\"etc\", \"passwd\"]\n"
                                     "    - matchArgs:\n"
                                     "      - index: 1\n"
                                     "        operator: SubStringIgnCase\n"
                                     "        values: [\"ETC\"]\n",
                                     types[i]) >= 0);
                assert_planned_on_sys_enter(spec);
        }
}

static void test_sockaddr(void **state) {
        EngineCapabilities minimal = caps_minimal();

        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_connect\n"
                                    "    args:\n"
                                    "    - index: 0\n"
                                    "      type: int\n"
                                    "    - index: 1\n"
                                    "      type: sockaddr\n"
                                    "    selectors:\n"
                                    "    - matchArgs:\n"
                                    "      - index: 1\n"
                                    "        operator: Family\n"
                                    "        values: [AF_INET, AF_INET6]\n"
                                    "      - index: 1\n"
                                    "        operator: SAddr\n"
                                    "        values: [\"127.0.0.0/8\", \"::1\"]\n"
                                    "      - index: 1\n"
                                    "        operator: NotSAddr\n"
                                    "        values: [\"10.0.0.0/8\", \"fd00::/8\"]\n"
                                    "      - index: 1\n"
                                    "        operator: SPort\n"
                                    "        values: [\"80\", \"8000:8999\"]\n"
                                    "      - index: 1\n"
                                    "        operator: NotSPort\n"
                                    "        values: [\"22\"]\n"
                                    "    - matchArgs:\n"
                                    "      - index: 1\n"
                                    "        operator: SPortPriv\n"
                                    "    - matchArgs:\n"
                                    "      - index: 1\n"
                                    "        operator: NotSPortPriv\n");
        assert_refused("  kprobes:\n"
                       "  - call: sys_connect\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: sockaddr_un\n",
                       &minimal,
                       "kprobes[0] sys_connect: argument 0 (index 1): type sockaddr_un is not "
                       "implemented by this engine yet");
}

/* Kernel pointers are arguments of kernel functions and LSM hooks, never of syscalls. */
static void test_kernel_arguments(void **state) {
        EngineCapabilities debian = caps_debian();

        assert_planned("  lsmhooks:\n"
                       "  - hook: bprm_check_security\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: linux_binprm\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: Postfix\n"
                       "        values: [\"/true\"]\n",
                       &debian, HOOK_MECHANISM_LSM, "bprm_check_security");
        assert_planned("  kprobes:\n"
                       "  - call: security_path_truncate\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: path\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: Prefix\n"
                       "        values: [\"/etc/\"]\n",
                       &debian, HOOK_MECHANISM_FENTRY, "security_path_truncate");
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: file\n",
                       &debian,
                       "kprobes[0] sys_openat: argument 0 (index 1): type file is a kernel "
                       "pointer, which the arguments of a system call never are");
}

/* char_iovec, sock, socket, cred, capability, filename: what is planned and what is not. */
static void test_argument_types(void **state) {
        EngineCapabilities debian = caps_debian(), minimal = caps_minimal();

        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_writev\n"
                                    "    args:\n"
                                    "    - index: 0\n"
                                    "      type: fd\n"
                                    "    - index: 1\n"
                                    "      type: char_iovec\n"
                                    "      sizeArgIndex: 3\n");
        /* maxData: char_buf's (tests/engine/test-engine-args.c reads 16 KiB). */
        assert_planned_on_sys_enter("  kprobes:\n"
                                    "  - call: sys_write\n"
                                    "    args:\n"
                                    "    - index: 1\n"
                                    "      type: char_buf\n"
                                    "      sizeArgIndex: 3\n"
                                    "      maxData: true\n");
        assert_refused("  kprobes:\n"
                       "  - call: sys_writev\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: char_iovec\n"
                       "      sizeArgIndex: 3\n"
                       "      maxData: true\n",
                       &minimal,
                       "kprobes[0] sys_writev: argument 0: maxData on char_iovec is not "
                       "implemented by this engine yet (char_buf read at entry only)");
        assert_refused("  kprobes:\n"
                       "  - call: sys_writev\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: char_iovec\n",
                       &minimal,
                       "kprobes[0] sys_writev: argument 0: char_iovec needs sizeArgIndex (1 to "
                       "5), the argument that counts the vectors");
        assert_refused("  kprobes:\n"
                       "  - call: sys_writev\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: char_iovec\n"
                       "      sizeArgIndex: 3\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 1\n"
                       "        operator: Equal\n"
                       "        values: [\"x\"]\n",
                       &minimal,
                       "kprobes[0] sys_writev: selector 0: matchArgs on argument 0 of type "
                       "char_iovec is not implemented by this engine yet");

        assert_planned("  kprobes:\n"
                       "  - call: tcp_connect\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: sock\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: Family\n"
                       "        values: [AF_INET]\n"
                       "      - index: 0\n"
                       "        operator: Protocol\n"
                       "        values: [IPPROTO_TCP]\n"
                       "      - index: 0\n"
                       "        operator: State\n"
                       "        values: [TCP_SYN_SENT]\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: DAddr\n"
                       "        values: [\"127.0.0.0/8\"]\n"
                       "      - index: 0\n"
                       "        operator: NotSAddr\n"
                       "        values: [\"10.0.0.0/8\"]\n"
                       "      - index: 0\n"
                       "        operator: DPort\n"
                       "        values: [\"80\", \"8000:8999\"]\n"
                       "      - index: 0\n"
                       "        operator: NotSPort\n"
                       "        values: [\"22\"]\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: DPortPriv\n"
                       "      - index: 0\n"
                       "        operator: NotSPortPriv\n",
                       &debian, HOOK_MECHANISM_FENTRY, "tcp_connect");
        assert_planned("  kprobes:\n"
                       "  - call: security_socket_connect\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: socket\n"
                       "    - index: 1\n"
                       "      type: sockaddr\n",
                       &debian, HOOK_MECHANISM_FENTRY, "security_socket_connect");
        assert_refused("  kprobes:\n"
                       "  - call: sys_connect\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: sock\n",
                       &debian,
                       "kprobes[0] sys_connect: argument 0 (index 0): type sock is a kernel "
                       "pointer, which the arguments of a system call never are");
        assert_refused("  tracepoints:\n"
                       "  - subsystem: sock\n"
                       "    event: inet_sock_set_state\n"
                       "    args:\n"
                       "    - index: 5\n"
                       "      type: sock\n",
                       &minimal,
                       "tracepoints[0] sock/inet_sock_set_state: argument 0 (index 5): type "
                       "sock is not implemented by this engine for tracepoints yet");

        assert_planned("  kprobes:\n"
                       "  - call: commit_creds\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: cred\n",
                       &debian, HOOK_MECHANISM_FENTRY, "commit_creds");
        assert_planned("  kprobes:\n"
                       "  - call: cap_capable\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 2\n"
                       "      type: capability\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 2\n"
                       "        operator: Equal\n"
                       "        values: [\"21\"]\n",
                       &debian, HOOK_MECHANISM_FENTRY, "cap_capable");
        assert_planned("  kprobes:\n"
                       "  - call: do_filp_open\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: filename\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 1\n"
                       "        operator: Prefix\n"
                       "        values: [\"/etc/\"]\n",
                       &debian, HOOK_MECHANISM_FENTRY, "do_filp_open");
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: filename\n",
                       &debian,
                       "kprobes[0] sys_openat: argument 0 (index 1): type filename is a kernel "
                       "pointer, which the arguments of a system call never are");
        /* nop: read for nothing, so that a hook can have no argument shown. */
        assert_planned("  kprobes:\n"
                       "  - call: create_user_ns\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: nop\n",
                       &debian, HOOK_MECHANISM_FENTRY, "create_user_ns");
        assert_planned("  kprobes:\n"
                       "  - call: dev_queue_xmit\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: skb\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: DAddr\n"
                       "        values: [\"127.0.0.1\"]\n"
                       "      - index: 0\n"
                       "        operator: Protocol\n"
                       "        values: [IPPROTO_UDP]\n"
                       "      - index: 0\n"
                       "        operator: NotDPortPriv\n",
                       &debian, HOOK_MECHANISM_FENTRY, "dev_queue_xmit");
        assert_refused("  kprobes:\n"
                       "  - call: dev_queue_xmit\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: skb\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: State\n"
                       "        values: [TCP_SYN_SENT]\n",
                       &debian,
                       "kprobes[0] dev_queue_xmit: selector 0: matchArgs: operator State compares "
                       "a socket's TCP state, which a packet (skb) does not have");
        assert_planned("  kprobes:\n"
                       "  - call: dev_hard_start_xmit\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 1\n"
                       "      type: net_device\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 1\n"
                       "        operator: Equal\n"
                       "        values: [\"lo\"]\n",
                       &debian, HOOK_MECHANISM_FENTRY, "dev_hard_start_xmit");
        /* A dentry is read as a path (issue 19's protect-file needs inode_rename's). */
        assert_planned("  kprobes:\n"
                       "  - call: security_inode_follow_link\n"
                       "    syscall: false\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: dentry\n"
                       "    selectors:\n"
                       "    - matchArgs:\n"
                       "      - index: 0\n"
                       "        operator: Equal\n"
                       "        values: [\"/etc/passwd\"]\n",
                       &debian, HOOK_MECHANISM_FENTRY, "security_inode_follow_link");
}

/* Plan spec with hook 0 turned into a return probe after compiling: what YAML cannot say
 * (the parser takes return: true on kprobes and fentries only). */
static int plan_as_return(const char *spec, const EngineCapabilities *caps, PolicyPlan **ret,
                          char **ret_error) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_free_ char *yaml = NULL;

        assert_true(asprintf(&yaml, "%s%s", header, spec) >= 0);
        assert_int_equal(policy_parse_buffer("plan.yaml", yaml, strlen(yaml), &diags, &file), 0);
        assert_non_null(file);
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        compiled->hooks[0].flags |= TG_POLICY_HOOK_RETURN | TG_POLICY_HOOK_AT_RETURN;
        return policy_plan_build(compiled, caps, ret, ret_error);
}

static void assert_return_status(const char *spec, const EngineCapabilities *caps,
                                 const char *status) {
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        if (plan(spec, caps, &p, &error) < 0)
                fail_msg("refused: %s", error);
        assert_string_equal(p->hooks[0].status, status);
}

static const char *const openat_return = "  kprobes:\n"
                                         "  - call: sys_openat\n"
                                         "    return: true\n"
                                         "    args:\n"
                                         "    - index: 1\n"
                                         "      type: string\n"
                                         "    returnArg:\n"
                                         "      index: 0\n"
                                         "      type: int\n"
                                         "    selectors:\n"
                                         "    - matchReturnArgs:\n"
                                         "      - index: 0\n"
                                         "        operator: LessThan\n"
                                         "        values: [\"0\"]\n";

static void test_return(void **state) {
        EngineCapabilities minimal = caps_minimal(), debian = caps_debian(), full = caps_full();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        /* The return program pairs with the entry's. */
        assert_return_status(openat_return, &minimal, "tp_btf/sys_enter + tp_btf/sys_exit");
        assert_return_status(openat_return, &debian, "fentry + fexit");
        debian.disabled = 1U << HOOK_MECHANISM_FENTRY;
        assert_return_status(openat_return, &debian, "kprobe + kretprobe");
        assert_return_status("  kprobes:\n"
                             "  - call: sys_read\n"
                             "    return: true\n"
                             "    args:\n"
                             "    - index: 1\n"
                             "      type: char_buf\n"
                             "      returnCopy: true\n",
                             &minimal, "tp_btf/sys_enter + tp_btf/sys_exit");

        assert_refused("  kprobes:\n"
                       "  - call: sk_alloc\n"
                       "    syscall: false\n"
                       "    return: true\n"
                       "    returnArg:\n"
                       "      index: 0\n"
                       "      type: sock\n"
                       "    returnArgAction: TrackSock\n",
                       &debian,
                       "kprobes[0] sk_alloc: returnArgAction TrackSock is not implemented by this "
                       "engine: it has no socket tracking");
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    return: true\n"
                       "    returnArg:\n"
                       "      index: 0\n"
                       "      type: string\n",
                       &minimal,
                       "kprobes[0] sys_openat: returnArg of type string is not implemented by "
                       "this engine yet (integer types only)");
        /* returnCopy alone: posted at return too, as Tetragon does. */
        assert_return_status("  kprobes:\n"
                             "  - call: sys_read\n"
                             "    args:\n"
                             "    - index: 1\n"
                             "      type: char_buf\n"
                             "      returnCopy: true\n"
                             "      sizeArgIndex: 3\n",
                             &minimal, "tp_btf/sys_enter + tp_btf/sys_exit");
        /* matchReturnActions: what can act once the call returned. */
        assert_return_status("  kprobes:\n"
                             "  - call: sys_openat\n"
                             "    return: true\n"
                             "    selectors:\n"
                             "    - matchReturnActions:\n"
                             "      - action: Sigkill\n"
                             "      - action: GetUrl\n"
                             "        argUrl: http://127.0.0.1/\n",
                             &minimal, "tp_btf/sys_enter + tp_btf/sys_exit");
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    return: true\n"
                       "    selectors:\n"
                       "    - matchReturnActions:\n"
                       "      - action: Override\n"
                       "        argError: -1\n",
                       &full,
                       "kprobes[0] sys_openat: selector 0: matchReturnActions: Override cannot "
                       "act once the function has returned (use it in matchActions)");
        assert_refused("  kprobes:\n"
                       "  - call: sys_openat\n"
                       "    return: true\n"
                       "    selectors:\n"
                       "    - matchReturnActions:\n"
                       "      - action: Post\n"
                       "        rateLimit: 1m\n",
                       &minimal,
                       "kprobes[0] sys_openat: selector 0: matchReturnActions: Post with "
                       "rateLimit is not implemented by this engine yet (on matchActions it is)");

        /* Tracepoints and LSM hooks have no return to probe. */
        assert_int_equal(plan_as_return("  tracepoints:\n"
                                        "  - subsystem: syscalls\n"
                                        "    event: sys_enter_openat\n",
                                        &minimal, &p, &error),
                         -EOPNOTSUPP);
        assert_string_equal(error,
                            "tracepoints[0] syscalls/sys_enter_openat: return: true on a "
                            "tracepoint: a tracepoint is a point, not a function, and has no "
                            "return");
        error = mfree(error);
        assert_int_equal(plan_as_return("  lsmhooks:\n"
                                        "  - hook: file_open\n",
                                        &debian, &p, &error),
                         -EOPNOTSUPP);
        assert_string_equal(error, "lsmhooks[0] file_open: return: true on an LSM hook: its return "
                                   "value is the verdict an Override action sets, not something "
                                   "to probe");
}

static void test_hook_kinds(void **state) {
        EngineCapabilities minimal = caps_minimal();

        assert_refused("  kprobes:\n"
                       "  - call: sys_nonexistent\n",
                       &minimal,
                       "kprobes[0] sys_nonexistent: no system call named \"sys_nonexistent\" on "
                       "this architecture");
        assert_refused("  lsmhooks:\n"
                       "  - hook: file_open\n",
                       &minimal,
                       "lsmhooks[0] file_open: no mechanism can attach it: lsm: not available on "
                       "this kernel (bpf is not an active LSM)");
        assert_planned("  uprobes:\n"
                       "  - path: /bin/bash\n"
                       "    symbols: [readline]\n",
                       &minimal, HOOK_MECHANISM_UPROBE, "readline");
        assert_refused("  uprobes:\n"
                       "  - path: /bin/bash\n"
                       "    symbols: [readline]\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: file\n",
                       &minimal,
                       "uprobes[0] /bin/bash: argument 0 (index 0): type file is a kernel "
                       "pointer, which the arguments of a user-space function never are");
        /* Tracepoints: index names a field of the record, which the installer checks. */
        assert_planned("  tracepoints:\n"
                       "  - subsystem: syscalls\n"
                       "    event: sys_enter_openat\n"
                       "    args:\n"
                       "    - index: 6\n"
                       "      type: string\n",
                       &minimal, HOOK_MECHANISM_TRACEPOINT, "syscalls/sys_enter_openat");
        assert_refused("  tracepoints:\n"
                       "  - subsystem: sched\n"
                       "    event: sched_process_exec\n"
                       "    args:\n"
                       "    - index: 4\n"
                       "      type: linux_binprm\n",
                       &minimal,
                       "tracepoints[0] sched/sched_process_exec: argument 0 (index 4): type "
                       "linux_binprm is not implemented by this engine for tracepoints yet");
        minimal.disabled = 1U << HOOK_MECHANISM_UPROBE;
        assert_refused("  uprobes:\n"
                       "  - path: /bin/bash\n"
                       "    symbols: [readline]\n",
                       &minimal,
                       "uprobes[0] /bin/bash: no mechanism can attach it: uprobe: disabled by "
                       "--disable-mechanism");
}

/* A uprobe on N symbols, offsets and addresses: N hooks with one name, in that order. */
static void test_uprobe_targets(void **state) {
        EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;
        static const char *const functions[] = { "readline", "main", "0x1f0", "@0x401000" };

        assert_int_equal(plan("  uprobes:\n"
                              "  - path: /bin/bash\n"
                              "    symbols: [readline, main]\n"
                              "    offsets: [0x1f0]\n"
                              "    refCtrOffsets: [0, 0, 0x4010]\n"
                              "    addrs: [0x401000]\n"
                              "    args:\n"
                              "    - index: 0\n"
                              "      type: int\n"
                              "  - path: /bin/true\n"
                              "    symbols: [main]\n",
                              &minimal, &p, &error),
                         0);
        assert_int_equal(p->n_hooks, 5);
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(p->hooks[i].mechanism, HOOK_MECHANISM_UPROBE);
                assert_string_equal(p->hooks[i].name, "uprobes[0] /bin/bash");
                assert_string_equal(p->hooks[i].function, functions[i]);
                assert_string_equal(p->hooks[i].path, "/bin/bash");
                assert_int_equal(p->hooks[i].has_offset, i >= 2);
        }
        assert_int_equal(p->hooks[2].offset, 0x1f0);
        assert_int_equal(p->hooks[2].ref_ctr_offset, 0x4010);
        assert_false(p->hooks[2].offset_is_address);
        assert_true(p->hooks[3].offset_is_address);
        assert_int_equal(p->hooks[3].offset, 0x401000);
        assert_string_equal(p->hooks[4].name, "uprobes[1] /bin/true");
}

static void test_usdt(void **state) {
        EngineCapabilities minimal = caps_minimal();
        _cleanup_(policy_plan_freep) PolicyPlan *p = NULL;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(plan("  usdts:\n"
                              "  - path: /usr/bin/app\n"
                              "    provider: test\n"
                              "    name: usdt3\n"
                              "    args:\n"
                              "    - index: 0\n"
                              "      type: int32\n"
                              "    - index: 1\n"
                              "      type: string\n"
                              "    selectors:\n"
                              "    - matchArgs:\n"
                              "      - index: 1\n"
                              "        operator: Prefix\n"
                              "        values: [\"/tmp/\"]\n"
                              "      matchActions:\n"
                              "      - action: Sigkill\n",
                              &minimal, &p, &error),
                         0);
        assert_int_equal(p->n_hooks, 1);
        assert_int_equal(p->hooks[0].mechanism, HOOK_MECHANISM_USDT);
        assert_string_equal(p->hooks[0].function, "test:usdt3");
        assert_string_equal(p->hooks[0].path, "/usr/bin/app");
        assert_string_equal(p->hooks[0].status, "usdt");

        assert_refused("  usdts:\n"
                       "  - path: /usr/bin/app\n"
                       "    provider: test\n"
                       "    name: usdt3\n"
                       "    args:\n"
                       "    - index: 5\n"
                       "      type: int64\n",
                       &minimal,
                       "usdts[0] /usr/bin/app: argument 0: index 5, but this engine reads a "
                       "usdt's arguments 0 to 4");
        assert_refused("  usdts:\n"
                       "  - path: /usr/bin/app\n"
                       "    provider: tetragon\n"
                       "    name: test_4B\n"
                       "    args:\n"
                       "    - index: 0\n"
                       "      type: int32\n"
                       "    selectors:\n"
                       "    - matchActions:\n"
                       "      - action: Set\n"
                       "        argIndex: 0\n"
                       "        argValue: 32\n",
                       &minimal,
                       "usdts[0] /usr/bin/app: selector 0: action Set (writing argValue into the "
                       "probed process's argument argIndex) is not implemented by this engine "
                       "yet");
        minimal.disabled = 1U << HOOK_MECHANISM_USDT;
        assert_refused("  usdts:\n"
                       "  - path: /usr/bin/app\n"
                       "    provider: test\n"
                       "    name: usdt3\n",
                       &minimal,
                       "usdts[0] /usr/bin/app: no mechanism can attach it: usdt: disabled by "
                       "--disable-mechanism");
}

static void test_option(void **state) {
        const char *bad = NULL;
        size_t bad_len = 0;
        unsigned mask = 0;

        assert_int_equal(hook_mechanisms_from_option("fentry,kprobe", &mask, &bad, &bad_len), 0);
        assert_int_equal(mask, (1U << HOOK_MECHANISM_FENTRY) | (1U << HOOK_MECHANISM_KPROBE));
        assert_int_equal(hook_mechanisms_from_option("sys_enter", &mask, &bad, &bad_len), 0);
        assert_int_equal(mask, 1U << HOOK_MECHANISM_SYS_ENTER);
        assert_int_equal(hook_mechanisms_from_option("fentry,bogus,lsm", &mask, &bad, &bad_len),
                         -EINVAL);
        assert_int_equal(bad_len, 5);
        assert_memory_equal(bad, "bogus", 5);
        assert_int_equal(hook_mechanisms_from_option("fentry,,lsm", &mask, &bad, &bad_len),
                         -EINVAL);
}

static void test_syscall_table(void **state) {
        char name[64];

        assert_int_equal(syscall_from_name("sys_write"), SYS_write);
        assert_int_equal(syscall_from_name("write"), SYS_write);
        snprintf(name, sizeof(name), "%ssys_openat", syscall_function_prefix());
        assert_int_equal(syscall_from_name(name), SYS_openat);
        assert_string_equal(syscall_to_name(SYS_close), "close");
        assert_int_equal(syscall_from_name("sys_no_such_thing"), -ENOENT);
        assert_true(syscall_max() > SYS_openat);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seed),
                cmocka_unit_test(test_no_hooks),
                cmocka_unit_test(test_loader),
                cmocka_unit_test(test_kernel_function),
                cmocka_unit_test(test_disabled),
                cmocka_unit_test(test_actions),
                cmocka_unit_test(test_ima_hash),
                cmocka_unit_test(test_selectors),
                cmocka_unit_test(test_hook_kinds),
                cmocka_unit_test(test_return),
                cmocka_unit_test(test_uprobe_targets),
                cmocka_unit_test(test_usdt),
                cmocka_unit_test(test_option),
                cmocka_unit_test(test_syscall_table),
                cmocka_unit_test(test_kernel_arguments),
                cmocka_unit_test(test_function_not_in_btf),
                cmocka_unit_test(test_parent_binaries),
                cmocka_unit_test(test_in_map),
                cmocka_unit_test(test_substring),
                cmocka_unit_test(test_sockaddr),
                cmocka_unit_test(test_follow_children),
                cmocka_unit_test(test_argument_types),
                cmocka_unit_test(test_call_list),
                cmocka_unit_test(test_enforcer),
                cmocka_unit_test(test_ftrace_list),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
