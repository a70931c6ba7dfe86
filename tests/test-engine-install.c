/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's installations (daemon/engine-install.c) without a kernel: a compiled policy
 * and its plan into what the engine keeps of it (names, labels, message, tags, the point of
 * each syscall hook, the fd prefilter), found again by id and hook for its records' events
 * (policy_engine_lookup_hook()), and forgotten only once retired long enough.
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

#include "policy-engine-internal.h"

static const char *const header = "apiVersion: cilium.io/v1alpha1\n"
                                  "kind: TracingPolicy\n"
                                  "metadata:\n"
                                  "  name: install\n"
                                  "spec:\n";

/* A write hook on a syscall whose only selector requires the fd's path to be one of two
 * files, and a tracepoint without selectors. */
static const char *const spec = "  kprobes:\n"
                                "  - call: sys_write\n"
                                "    syscall: true\n"
                                "    message: \"a write\"\n"
                                "    tags: [\"files\", \"writes\"]\n"
                                "    args:\n"
                                "    - index: 0\n"
                                "      type: \"fd\"\n"
                                "      label: \"target\"\n"
                                "    selectors:\n"
                                "    - matchArgs:\n"
                                "      - index: 0\n"
                                "        operator: \"Equal\"\n"
                                "        values: [\"/etc/passwd\", \"/tmp/ab\"]\n"
                                "  tracepoints:\n"
                                "  - subsystem: \"sched\"\n"
                                "    event: \"sched_process_exit\"\n";

/* This machine's: syscalls on tp_btf/sys_enter, tracepoints. */
static EngineCapabilities caps_sys_enter(void) {
        EngineCapabilities c = { .send_signal = true };

        c.kernel[HOOK_MECHANISM_NONE] = true;
        c.kernel[HOOK_MECHANISM_SYS_ENTER] = true;
        c.kernel[HOOK_MECHANISM_TRACEPOINT] = true;
        snprintf(c.kernel_detail[HOOK_MECHANISM_FENTRY], ENGINE_DETAIL_MAX, "ftrace is blocked");
        snprintf(c.kernel_detail[HOOK_MECHANISM_KPROBE], ENGINE_DETAIL_MAX, "no kprobe PMU");
        return c;
}

static PolicyInstallation *install(void) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(policy_file_freep) PolicyFile *file = NULL;
        _cleanup_(compiled_policy_freep) CompiledPolicy *compiled = NULL;
        _cleanup_(policy_plan_freep) PolicyPlan *plan = NULL;
        _cleanup_free_ char *yaml = NULL, *error = NULL;
        EngineCapabilities caps = caps_sys_enter();
        PolicyInstallation *i = NULL;

        assert_true(asprintf(&yaml, "%s%s", header, spec) >= 0);
        assert_int_equal(policy_parse_buffer("install.yaml", yaml, strlen(yaml), &diags, &file), 0);
        if (!file) {
                diagnostic_list_write(&diags, stderr);
                fail_msg("does not parse:\n%s", yaml);
        }
        assert_int_equal(policy_compile(&file->policies[0], &diags, &compiled), 0);
        if (policy_plan_build(compiled, &caps, &plan, &error) < 0)
                fail_msg("not planned: %s", error);
        assert_int_equal(installation_new(compiled, plan, &i), 0);
        return i;
}

static void test_installation_from_plan(void **state) {
        _cleanup_(installation_freep) PolicyInstallation *i = install();
        InstalledHook *w, *f;

        assert_string_equal(i->policy_name, "install");
        assert_int_equal(i->n_hooks, 2);
        w = &i->hooks[0];
        f = &i->hooks[1];

        assert_int_equal(w->compiled, 0);
        assert_int_equal(w->mechanism, HOOK_MECHANISM_SYS_ENTER);
        assert_int_equal(w->point, SYS_write); /* sys_enter's lists are keyed by number */
        assert_string_equal(w->name, "kprobes[0] sys_write");
        assert_string_equal(w->message, "a write");
        assert_int_equal(w->n_tags, 2);
        assert_string_equal(w->tags[0], "files");
        assert_string_equal(w->tags[1], "writes");
        assert_string_equal(w->labels[0], "target");

        assert_int_equal(f->compiled, 1);
        assert_int_equal(f->mechanism, HOOK_MECHANISM_TRACEPOINT);
        assert_int_equal(f->point, -1); /* a function point, assigned at install */
        assert_string_equal(f->name, "tracepoints[0] sched/sched_process_exit");
        assert_string_equal(f->function, "sched/sched_process_exit");
        assert_null(f->message);
        assert_int_equal(f->n_tags, 0);

        assert_ptr_equal(installation_hook(i, 1), f);
        assert_null(installation_hook(i, 2));
}

/* Every selector of the write hook compares the fd's path with Equal: the kernel may skip
 * a call whose file's last component is neither 6 ("passwd") nor 2 ("ab") bytes long. */
static void test_prefilter(void **state) {
        _cleanup_(installation_freep) PolicyInstallation *i = install();
        const InstalledHook *w = &i->hooks[0], *f = &i->hooks[1];

        assert_int_equal(w->prefilter_reg, 0);
        assert_int_equal(w->leaf_lengths[0], (1ULL << 6) | (1ULL << 2));
        assert_int_equal(w->leaf_lengths[1] | w->leaf_lengths[2] | w->leaf_lengths[3], 0);
        /* No selector, nothing to require. */
        assert_int_equal(f->prefilter_reg, -1);

        assert_int_equal(last_component_length((const uint8_t *) "/etc/passwd", 11), 6);
        assert_int_equal(last_component_length((const uint8_t *) "passwd", 6), 6);
        assert_int_equal(last_component_length((const uint8_t *) "/etc/", 5), 0);
}

/* Records name an installation by id and a hook by number and point; a retired one stays
 * for its late records, then goes. */
static void test_lookup_and_retire(void **state) {
        PolicyEngine *e = calloc(1, sizeof(PolicyEngine));
        PolicyHookNames names;
        PolicyInstallation *i;

        assert_non_null(e);
        e->installations = calloc(1, sizeof(PolicyInstallation *));
        assert_non_null(e->installations);
        i = e->installations[e->n_installations++] = install();
        i->id = 7;
        i->installed = true;
        i->hooks[1].point = TG_GENERIC_MAX_SYSCALLS + 3;

        assert_int_equal(policy_engine_lookup_hook(e, 7, 0, SYS_write, &names), 1);
        assert_string_equal(names.policy_name, "install");
        assert_string_equal(names.message, "a write");
        assert_string_equal(names.labels[0], "target");
        assert_int_equal(names.mechanism, HOOK_MECHANISM_SYS_ENTER);
        assert_int_equal(policy_engine_lookup_hook(e, 7, 1, TG_GENERIC_MAX_SYSCALLS + 3, &names),
                         1);
        assert_string_equal(names.function, "sched/sched_process_exit");
        assert_int_equal(policy_engine_lookup_hook(e, 8, 0, SYS_write, &names), 0);
        assert_int_equal(policy_engine_lookup_hook(e, 7, 5, SYS_write, &names), 0);

        /* Uninstalled at 1 s: kept through the grace period, gone after it. */
        i->installed = false;
        i->retired_ns = 1000000000ULL;
        engine_gc(e, i->retired_ns + ENGINE_RETIRED_KEEP_NS - 1);
        assert_int_equal(e->n_installations, 1);
        assert_int_equal(policy_engine_lookup_hook(e, 7, 0, SYS_write, &names), 1);
        engine_gc(e, i->retired_ns + ENGINE_RETIRED_KEEP_NS);
        assert_int_equal(e->n_installations, 0);
        assert_int_equal(policy_engine_lookup_hook(e, 7, 0, SYS_write, &names), 0);

        free(e->installations);
        free(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_installation_from_plan),
                cmocka_unit_test(test_prefilter),
                cmocka_unit_test(test_lookup_and_retire),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
