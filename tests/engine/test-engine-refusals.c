/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy engine with real BPF: What the engine refuses, with the reason, and leaves nothing
 * attached: policies it cannot place, whole-policy refusals, disabled mechanisms.
 */
#include "fixture.h"

static void assert_refused(Fixture *f, const char *yaml, const char *expected_prefix) {
        _cleanup_free_ char *error = NULL;
        PolicyInstallation *i = NULL;
        int r;

        r = install(f, yaml, POLICY_MODE_ENFORCE, &i, &error);
        assert_int_equal(r, -EOPNOTSUPP);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, expected_prefix))
                fail_msg("refused with \"%s\", expected \"%s...\"", error, expected_prefix);
}

/* Refused at install, after planning (what the kernel has, the tracepoint's fields). */
static void assert_install_fails(Fixture *f, const char *yaml, const char *expected_prefix) {
        _cleanup_free_ char *error = NULL;
        PolicyInstallation *i = NULL;

        assert_true(install(f, yaml, POLICY_MODE_ENFORCE, &i, &error) < 0);
        assert_null(i);
        assert_non_null(error);
        if (!startswith(error, expected_prefix))
                fail_msg("refused with \"%s\", expected \"%s...\"", error, expected_prefix);
}

/* Policies the engine refuses (tests/data/engine/refused/), and the start of its reason. */
typedef struct RefusalCase {
        const char *file;
        const char *unless_kernel_has[2]; /* no refusal where the kernel has one of these */
        bool at_install; /* refused when installing, after planning: any error, not only
                          * -EOPNOTSUPP */
        const char *expected_prefix;
} RefusalCase;

static const RefusalCase refusal_cases[] = {
        {
                .file = "fd-install-no-mechanism.yaml",
                .unless_kernel_has = { "fentry", "kprobe" },
                .at_install = false,
                .expected_prefix = "kprobes[0] fd_install: no mechanism can attach it: fentry: ",
        },
        {
                .file = "match-data.yaml",
                .at_install = false,
                .expected_prefix = "kprobes[0] sys_openat: data entries (hook data, source "
                                   "current_task or pt_regs) are not implemented by this "
                                   "engine yet",
        },
        {
                .file = "data-pt-regs.yaml",
                .at_install = false,
                .expected_prefix = "uprobes[0] /bin/true: data entries (hook data, source "
                                   "current_task or pt_regs) are not implemented by this "
                                   "engine yet",
        },
        {
                .file = "node-selector.yaml",
                .at_install = false,
                .expected_prefix = "this host has no Kubernetes, and the policy only applies there "
                                   "(nodeSelector",
        },
        {
                .file = "syscall-override.yaml",
                .at_install = false,
                .expected_prefix =
                        "kprobes[0] sys_openat: action Override on a system call needs fmod_ret "
                        "on the syscall's function",
        },
        {
                .file = "lsm-no-mechanism.yaml",
                .unless_kernel_has = { "lsm" },
                .at_install = false,
                .expected_prefix = "lsmhooks[0] file_open: no mechanism can attach it: lsm: not "
                                   "available on this kernel",
        },
        {
                .file = "sockaddr-un.yaml",
                .at_install = false,
                .expected_prefix =
                        "kprobes[0] sys_connect: argument 0 (index 1): type sockaddr_un is not "
                        "implemented by this engine yet",
        },
        {
                .file = "no-such-syscall.yaml",
                .at_install = false,
                .expected_prefix =
                        "kprobes[0] sys_no_such_call: no system call named \"sys_no_such_call\"",
        },
        {
                .file = "no-such-tracepoint.yaml",
                .at_install = true,
                .expected_prefix =
                        "tracepoint syscalls/sys_enter_no_such_call: no such tracepoint on this "
                        "kernel",
        },
        {
                .file = "tracepoint-index.yaml",
                .at_install = true,
                .expected_prefix =
                        "tracepoint raw_syscalls/sys_enter has 6 fields: argument 0 reads index 40",
        },
        {
                .file = "tracepoint-auto-char.yaml",
                .at_install = true,
                .expected_prefix = "tracepoint syscalls/sys_enter_openat: argument of type auto: "
                                   "field \"filename\" (const char *) is a char pointer, which "
                                   "auto reads as char_buf",
        },
        {
                .file = "tracepoint-auto-match.yaml",
                .at_install = false,
                .expected_prefix = "tracepoints[0] syscalls/sys_enter_openat: selector 0: "
                                   "matchArgs on argument 0 of type auto: this engine compares "
                                   "an argument only when the policy gives its type",
        },
        {
                .file = "kprobe-auto.yaml",
                .at_install = false,
                .expected_prefix = "kprobes[0] sys_openat: argument 0 (index 1): type auto takes "
                                   "the type of a tracepoint's format field, and this hook is no "
                                   "tracepoint",
        },
        {
                .file = "pod-selector.yaml",
                .at_install = false,
                .expected_prefix = "this host has no Kubernetes, and the policy only applies there "
                                   "(podSelector",
        },
};

static bool kernel_has_any(Fixture *f, const char *const features[2]) {
        for (size_t i = 0; i < 2; i++)
                if (features[i] && kernel_has(f, features[i]))
                        return true;
        return false;
}

static void test_refused(void **state) {
        Fixture *f = *state;

        for (size_t c = 0; c < ELEMENTSOF(refusal_cases); c++) {
                const RefusalCase *rc = &refusal_cases[c];
                _cleanup_free_ char *path = format("refused/%s", rc->file), *yaml = NULL;

                if (kernel_has_any(f, rc->unless_kernel_has))
                        continue;
                yaml = policy_from_file(path);
                if (rc->at_install)
                        assert_install_fails(f, yaml, rc->expected_prefix);
                else
                        assert_refused(f, yaml, rc->expected_prefix);
        }
}

/* A policy attaches whole or not at all: a good hook beside a refused one does nothing. */
static void test_refused_whole(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = temp_path(f, "whole");
        _cleanup_free_ char *yaml = NULL;
        Child child;

        yaml = policy_from_file("refused/whole.yaml", TEXT_VALUE("PATH", path));
        assert_refused(f, yaml, "kprobes[1] sys_no_such_call: no system call named");
        assert_false(policy_engine_is_attached(f->engine));
        child = child_spawn(child_write_path, path);
        assert_exited_ok(child_run(&child));
        assert_int_equal(file_size(path), 1);
}

/* A policy without hooks loads, as Tetragon loads it, and attaches nothing. */
static void test_no_hooks_loads(void **state) {
        Fixture *f = *state;
        PolicyInstallation *i;

        i = install_ok(f,
                       "apiVersion: cilium.io/v1alpha1\n"
                       "kind: TracingPolicy\n"
                       "metadata:\n"
                       "  name: no-hooks\n"
                       "spec: {}\n",
                       POLICY_MODE_ENFORCE);
        assert_non_null(i);
        assert_false(policy_engine_is_attached(f->engine));
        uninstall(f, i);
}

/* --disable-mechanism: with fentry, kprobes and sys_enter disabled nothing can attach
 * syscall hooks. */
static void test_disabled_mechanism(void **state) {
        _cleanup_(policy_engine_freep) PolicyEngine *e = NULL;
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_free_ char *yaml = seed_policy("/tmp/passwd", 0), *error = NULL;
        PolicyInstallation *i = NULL;
        PolicyBackend b;

        assert_int_equal(
                policy_engine_new(&e,
                                  &(PolicyEngineConfig){
                                          .disabled_mechanisms = (1U << HOOK_MECHANISM_SYS_ENTER) |
                                                                 (1U << HOOK_MECHANISM_KPROBE) |
                                                                 (1U << HOOK_MECHANISM_FENTRY),
                                  }),
                0);
        policy_engine_get_backend(e, &b);
        assert_int_equal(policy_parse_buffer("t.yaml", yaml, strlen(yaml), &diags, &file), 0);
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        assert_int_equal(b.install(b.userdata, compiled, POLICY_MODE_ENFORCE, &i, &error),
                         -EOPNOTSUPP);
        assert_non_null(strstr(error, "kprobes[3] sys_write: no mechanism can attach it: "));
        assert_non_null(strstr(error, "tp_btf/sys_enter: disabled by --disable-mechanism"));
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_refused, test_setup),
                cmocka_unit_test_setup(test_refused_whole, test_setup),
                cmocka_unit_test_setup(test_no_hooks_loads, test_setup),
                cmocka_unit_test_setup(test_disabled_mechanism, test_setup),
        };

        return fixture_run(argc, argv, "engine refusals", tests, ELEMENTSOF(tests));
}
