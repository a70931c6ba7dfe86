/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy language: every case of tests/data/policies/{good,bad} with its
 * exact expected diagnostics, the input limits on generated inputs, and the
 * compiler (a known policy -> exact arrays; determinism).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "diagnostic.h"
#include "macro.h"
#include "policy-compile.h"
#include "policy.h"
#include "yaml-tree.h"

#define POLICY_DATA TEST_DATA_DIR "/policies"

static char *read_file(const char *path, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0;

        f = fopen(path, "re");
        if (!f)
                return NULL;
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        size = (size_t) ftell(f);
        rewind(f);
        buf = malloc(size + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, size, f), size);
        buf[size] = '\0';
        if (ret_size)
                *ret_size = size;
        return buf;
}

/* All diagnostics, one formatted line each. */
static char *format_all(const DiagnosticList *l) {
        char *out = strdup("");

        assert_non_null(out);
        for (size_t i = 0; i < l->n_items; i++) {
                _cleanup_free_ char *line = NULL;
                char *joined;

                assert_int_equal(diagnostic_format(&l->items[i], &line), 0);
                assert_true(asprintf(&joined, "%s%s\n", out, line) >= 0);
                free(out);
                out = joined;
        }
        return out;
}

static int parse_case(const char *dir, const char *name, DiagnosticList *diags, PolicyFile **ret) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t size;

        assert_true(asprintf(&path, "%s/%s", dir, name) >= 0);
        data = read_file(path, &size);
        assert_non_null(data);
        /* Named as in the .expected files: the bare file name. */
        return policy_parse_buffer(name, data, size, diags, ret);
}

static char *expected_for(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        size_t stem = strlen(name) - strlen(".yaml");

        assert_true(asprintf(&path, "%s/%.*s.expected", dir, (int) stem, name) >= 0);
        return read_file(path, NULL);
}

static int yaml_filter(const struct dirent *d) {
        return endswith(d->d_name, ".yaml");
}

static void run_cases(const char *dir, bool good) {
        struct dirent **entries;
        int n;

        n = scandir(dir, &entries, yaml_filter, alphasort);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                const char *name = entries[i]->d_name;
                _cleanup_(policy_file_freep) PolicyFile *f = NULL;
                _cleanup_free_ char *got = NULL, *expected = NULL;
                DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

                assert_int_equal(parse_case(dir, name, &diags, &f), 0);
                got = format_all(&diags);
                expected = expected_for(dir, name);
                if (good) {
                        if (diagnostic_list_has_errors(&diags) || !f)
                                fail_msg("%s: expected valid, got:\n%s", name, got);
                        for (size_t j = 0; j < f->n_policies; j++) {
                                _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;

                                assert_int_equal(policy_compile(&f->policies[j], &diags, &c), 0);
                        }
                } else {
                        if (!diagnostic_list_has_errors(&diags) || f)
                                fail_msg("%s: expected invalid, got:\n%s", name, got);
                        if (!expected)
                                fail_msg("%s: no .expected file beside it; got:\n%s", name, got);
                }
                if (!streq(got, strempty(expected)))
                        fail_msg("%s: diagnostics differ.\nexpected:\n%sgot:\n%s", name,
                                 strempty(expected), got);
                diagnostic_list_clear(&diags);
                free(entries[i]);
        }
        free(entries);
}

static void test_good_cases(void **state) {
        run_cases(POLICY_DATA "/good", true);
}

static void test_bad_cases(void **state) {
        run_cases(POLICY_DATA "/bad", false);
}

/* Parses a generated buffer and checks the one error it must give. */
static void expect_single_error(const char *data, size_t size, const char *expected) {
        _cleanup_(policy_file_freep) PolicyFile *f = NULL;
        _cleanup_free_ char *got = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

        assert_int_equal(policy_parse_buffer("gen.yaml", data, size, &diags, &f), 0);
        assert_null(f);
        got = format_all(&diags);
        if (!streq(got, expected))
                fail_msg("expected:\n%sgot:\n%s", expected, got);
        diagnostic_list_clear(&diags);
}

static void test_huge_file(void **state) {
        size_t size = YAML_TREE_MAX_INPUT_SIZE + 1;
        _cleanup_free_ char *data = malloc(size);

        assert_non_null(data);
        memset(data, '#', size);
        expect_single_error(data, size,
                            "gen.yaml: error: file is 1048577 bytes, more than the limit of "
                            "1048576 bytes (1024 KiB)\n");
}

static void test_too_many_nodes(void **state) {
        /* "[0,0,0,...]": more scalars than the node limit, well under the size limit. */
        size_t n = YAML_TREE_MAX_NODES + 10, size = 2 * n + 2;
        _cleanup_free_ char *data = malloc(size + 1);

        assert_non_null(data);
        data[0] = '[';
        for (size_t i = 0; i < n; i++) {
                data[1 + 2 * i] = '0';
                data[2 + 2 * i] = i + 1 < n ? ',' : ']';
        }
        data[size - 1] = '\n';
        expect_single_error(data, size,
                            "gen.yaml:1:200000: error: too many YAML nodes (limit 100000)\n");
}

static void test_long_scalar(void **state) {
        size_t n = YAML_TREE_MAX_SCALAR_LENGTH + 1;
        _cleanup_free_ char *data = malloc(n + 8);

        assert_non_null(data);
        memcpy(data, "a: ", 3);
        memset(data + 3, 'x', n);
        data[3 + n] = '\n';
        expect_single_error(
                data, n + 4,
                "gen.yaml:1:4: error: scalar of 16385 bytes is longer than the limit of 16384\n");
}

static void test_deep_nesting_generated(void **state) {
        char data[1024];
        size_t o = 0;

        for (unsigned i = 0; i < 200; i++)
                data[o++] = '[';
        for (unsigned i = 0; i < 200; i++)
                data[o++] = ']';
        data[o++] = '\n';
        expect_single_error(data, o,
                            "gen.yaml:1:65: error: YAML nested too deeply (limit 64 levels)\n");
}

static void test_recursive_alias(void **state) {
        const char *data = "a: &x [1, *x]\n";

        expect_single_error(data, strlen(data),
                            "gen.yaml:1:11: error: alias *x refers to a node that contains it\n");
}

static void test_garbage(void **state) {
        /* Every byte value, twice: must give a verdict, never crash. */
        unsigned char data[512];
        _cleanup_(policy_file_freep) PolicyFile *f = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (unsigned char) (i * 7 + 3);
        assert_int_equal(policy_parse_buffer("gen.yaml", data, sizeof(data), &diags, &f), 0);
        assert_null(f);
        assert_true(diagnostic_list_has_errors(&diags));
        diagnostic_list_clear(&diags);
}

static void test_too_many_errors(void **state) {
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

        for (unsigned i = 0; i < DIAGNOSTIC_MAX_ERRORS + 10; i++)
                assert_int_equal(diagnostic_list_add(&diags, DIAGNOSTIC_ERROR, "f", i + 1, 1, NULL,
                                                     "e%u", i),
                                 0);
        assert_int_equal(diags.n_items, DIAGNOSTIC_MAX_ERRORS + 1);
        assert_true(diags.truncated);
        assert_string_equal(diags.items[DIAGNOSTIC_MAX_ERRORS].message,
                            "too many errors (more than 50), stopping");
        diagnostic_list_clear(&diags);
}

static void test_parse_file_missing(void **state) {
        PolicyFile *f = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

        assert_int_equal(policy_parse_file(POLICY_DATA "/does-not-exist.yaml", &diags, &f),
                         -ENOENT);
        assert_int_equal(policy_parse_file(POLICY_DATA, &diags, &f), -EISDIR);
        assert_int_equal(diags.n_items, 0);
}

static PolicyFile *parse_good(const char *name) {
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        PolicyFile *f = NULL;

        assert_int_equal(parse_case(POLICY_DATA "/good", name, &diags, &f), 0);
        assert_non_null(f);
        diagnostic_list_clear(&diags);
        return f;
}

static void test_compile_known_policy(void **state) {
        _cleanup_(policy_file_freep) PolicyFile *f = parse_good("kprobe-sys-write.yaml");
        _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        const struct tg_policy_hook hook = {
                .kind = TG_POLICY_HOOK_KPROBE,
                .flags = TG_POLICY_HOOK_SYSCALL,
                .n_args = 3,
                .n_selectors = 1,
                .selector_first = 0,
                .syscall_nr = TG_POLICY_NO_SYSCALL,
                .arg_type = { TG_ARG_FD, TG_ARG_CHAR_BUF, TG_ARG_SIZE_T },
                .arg_index = { 0, 1, 2 },
                .arg_size_index = { 0, 3, 0 },
        };
        const struct tg_policy_selector selector = {
                .filter_first = 0,
                .n_filters = 2,
                .action_first = 0,
                .n_actions = 1,
        };
        const struct tg_policy_filter filters[] = {
                { .kind = TG_FILTER_ARG,
                  .op = TG_POLICY_OP_EQUAL,
                  .arg = 0,
                  .arg_type = TG_ARG_FD,
                  .value_first = 0,
                  .n_values = 1 },
                { .kind = TG_FILTER_PID,
                  .op = TG_POLICY_OP_NOT_IN,
                  .flags = TG_FILTER_FOLLOW_FORKS | TG_FILTER_NAMESPACE_PID,
                  .value_first = 1,
                  .n_values = 2 },
        };
        const struct tg_policy_value values[] = {
                { .kind = TG_VALUE_STRING, .aux = 11, .lo = 0 },
                { .kind = TG_VALUE_NUMBER, .lo = 0, .hi = 0 },
                { .kind = TG_VALUE_NUMBER, .lo = 1, .hi = 1 },
        };
        struct tg_policy_string string = { .length = 11 };
        const struct tg_policy_action action = { .type = TG_ACTION_SIGKILL };

        memcpy(string.data, "/etc/passwd", 11);
        assert_int_equal(policy_compile(&f->policies[0], &diags, &c), 0);
        assert_int_equal(diags.n_items, 0);
        assert_string_equal(c->name, "sys-write-etc-passwd");
        assert_int_equal(c->n_hooks, 1);
        assert_memory_equal(&c->hooks[0], &hook, sizeof(hook));
        assert_int_equal(c->n_selectors, 1);
        assert_memory_equal(&c->selectors[0], &selector, sizeof(selector));
        assert_int_equal(c->n_filters, 2);
        assert_memory_equal(c->filters, filters, sizeof(filters));
        assert_int_equal(c->n_values, 3);
        assert_memory_equal(c->values, values, sizeof(values));
        assert_int_equal(c->n_strings, 1);
        assert_memory_equal(&c->strings[0], &string, sizeof(string));
        assert_int_equal(c->n_actions, 1);
        assert_memory_equal(&c->actions[0], &action, sizeof(action));
        assert_string_equal(c->hook_info[0].call, "sys_write");
        assert_false(c->kubernetes_only);
}

static void test_compile_values(void **state) {
        _cleanup_(policy_file_freep) PolicyFile *f = parse_good("network.yaml");
        _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        const uint8_t net10[8] = { 10, 0, 0, 0 };

        assert_int_equal(policy_compile(&f->policies[0], &diags, &c), 0);
        /* NotDAddr 10.0.0.0/8 is the second value of the first filter. */
        assert_int_equal(c->filters[0].op, TG_POLICY_OP_NOT_DADDR);
        assert_int_equal(c->values[1].kind, TG_VALUE_ADDRESS);
        assert_int_equal(c->values[1].family, AF_INET);
        assert_int_equal(c->values[1].prefix_len, 8);
        assert_memory_equal(&c->values[1].lo, net10, 8);
        /* DPort 8000:8999 */
        assert_int_equal(c->filters[1].op, TG_POLICY_OP_DPORT);
        assert_int_equal(c->values[c->filters[1].value_first + 1].kind, TG_VALUE_RANGE);
        assert_int_equal(c->values[c->filters[1].value_first + 1].lo, 8000);
        assert_int_equal(c->values[c->filters[1].value_first + 1].hi, 8999);
        /* Protocol IPPROTO_TCP and 17 */
        assert_int_equal(c->values[c->filters[2].value_first].lo, 6);
        assert_int_equal(c->values[c->filters[2].value_first + 1].lo, 17);
        /* SPortPriv takes no values */
        assert_int_equal(c->filters[4].n_values, 0);
}

static void test_compile_kubernetes(void **state) {
        _cleanup_(policy_file_freep) PolicyFile *f = parse_good("kubernetes-parts.yaml");
        _cleanup_(compiled_policy_freep) CompiledPolicy *c = NULL;
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

        assert_int_equal(policy_compile(&f->policies[0], &diags, &c), 0);
        assert_true(c->kubernetes_only);
        assert_string_equal(c->kubernetes_reason, "TracingPolicyNamespaced at 2:7");
}

static bool compiled_equal(const CompiledPolicy *a, const CompiledPolicy *b) {
#define SAME(field)                                                                                \
        (a->n_##field == b->n_##field &&                                                           \
         memcmp(a->field, b->field, a->n_##field * sizeof(*a->field)) == 0)
        return SAME(hooks) && SAME(selectors) && SAME(filters) && SAME(values) && SAME(strings) &&
               SAME(actions);
#undef SAME
}

static void test_compile_deterministic(void **state) {
        struct dirent **entries;
        int n;

        n = scandir(POLICY_DATA "/good", &entries, yaml_filter, alphasort);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                _cleanup_(policy_file_freep) PolicyFile *f1 = parse_good(entries[i]->d_name);
                _cleanup_(policy_file_freep) PolicyFile *f2 = parse_good(entries[i]->d_name);
                DiagnosticList diags = DIAGNOSTIC_LIST_INIT;

                assert_int_equal(f1->n_policies, f2->n_policies);
                for (size_t j = 0; j < f1->n_policies; j++) {
                        _cleanup_(compiled_policy_freep) CompiledPolicy *a = NULL, *b = NULL;

                        assert_int_equal(policy_compile(&f1->policies[j], &diags, &a), 0);
                        assert_int_equal(policy_compile(&f2->policies[j], &diags, &b), 0);
                        if (!compiled_equal(a, b))
                                fail_msg("%s: two compilations differ", entries[i]->d_name);
                }
                diagnostic_list_clear(&diags);
                free(entries[i]);
        }
        free(entries);
}

static void test_names(void **state) {
        assert_int_equal(policy_operator_from_string("GT"), POLICY_OP_GREATER_THAN);
        assert_int_equal(policy_operator_from_string("NotSportPriv"), POLICY_OP_NOT_SPORT_PRIV);
        assert_int_equal(policy_operator_from_string("Equals"), -EINVAL);
        assert_int_equal(policy_action_type_from_string("sigkill"), POLICY_ACTION_SIGKILL);
        assert_true(policy_action_type_is_deprecated(POLICY_ACTION_FOLLOW_FD));
        assert_int_equal(policy_arg_type_from_string("u64"), POLICY_ARG_UINT64);
        assert_int_equal(policy_capability_from_string("cap_bpf"), 39);
        assert_string_equal(policy_capability_to_string(policy_capability_max()),
                            "CAP_CHECKPOINT_RESTORE");
        for (unsigned t = 0; t < _POLICY_ARG_TYPE_MAX; t++) {
                assert_non_null(policy_arg_type_to_string(t));
                assert_int_not_equal(compiled_arg_type(t), TG_ARG_NONE);
        }
        for (unsigned op = 1; op < _POLICY_OP_MAX; op++)
                assert_int_not_equal(compiled_operator(op), 0);
        for (unsigned a = 0; a < _POLICY_ACTION_TYPE_MAX; a++)
                assert_int_not_equal(compiled_action_type(a), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_cases),
                cmocka_unit_test(test_bad_cases),
                cmocka_unit_test(test_huge_file),
                cmocka_unit_test(test_too_many_nodes),
                cmocka_unit_test(test_long_scalar),
                cmocka_unit_test(test_deep_nesting_generated),
                cmocka_unit_test(test_recursive_alias),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_too_many_errors),
                cmocka_unit_test(test_parse_file_missing),
                cmocka_unit_test(test_compile_known_policy),
                cmocka_unit_test(test_compile_values),
                cmocka_unit_test(test_compile_kubernetes),
                cmocka_unit_test(test_compile_deterministic),
                cmocka_unit_test(test_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
