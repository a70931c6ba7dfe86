/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks every front end shares (lib/policy-check.c): the policy name
 * rule, metadata.name uniqueness across files and against the folder, and
 * the error text of a refused policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diagnostic.h"
#include "macro.h"
#include "policy-check.h"
#include "policy.h"

static const char named_dup[] =
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: dup\nspec:\n"
        "  kprobes:\n  - call: sys_write\n";

static const char two_documents[] =
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: other\nspec:\n"
        "  kprobes:\n  - call: sys_read\n---\n"
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: dup\nspec:\n"
        "  kprobes:\n  - call: sys_write\n";

static PolicyFile *parse(const char *path, const char *text) {
        DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        PolicyFile *f = NULL;

        assert_int_equal(policy_parse_buffer(path, text, strlen(text), &diags, &f), 0);
        assert_non_null(f);
        assert_false(diagnostic_list_has_errors(&diags));
        diagnostic_list_clear(&diags);
        return f;
}

static char *format_one(const DiagnosticList *l, size_t i) {
        char *line = NULL;

        assert_true(i < l->n_items);
        assert_int_equal(diagnostic_format(&l->items[i], &line), 0);
        return line;
}

static void test_name_rule(void **state) {
        char longname[POLICY_NAME_MAX + 2];

        assert_true(policy_check_name("kill-writes_2.v1"));
        assert_true(policy_check_name("Upper.Case"));
        assert_false(policy_check_name(NULL));
        assert_false(policy_check_name(""));
        assert_false(policy_check_name(".hidden"));
        assert_false(policy_check_name("../etc/passwd"));
        assert_false(policy_check_name("a/b"));
        assert_false(policy_check_name("a b"));
        assert_false(policy_check_name("caf\xc3\xa9"));
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        assert_false(policy_check_name(longname));
        longname[POLICY_NAME_MAX] = '\0';
        assert_true(policy_check_name(longname));
        /* The words say the same limit as the rule. */
        assert_non_null(strstr(POLICY_NAME_RULE, "at most 128 bytes"));
}

/* tetractl validate a.yaml b.yaml: the later file is the one in the wrong. */
static void test_unique_across_files(void **state) {
        _cleanup_(policy_file_freep) PolicyFile *a = NULL, *b = NULL;
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_free_ PolicyNameUse *taken = NULL;
        _cleanup_free_ char *line = NULL;
        size_t n_taken = 0;

        a = parse("a.yaml", named_dup);
        b = parse("b.yaml", two_documents);
        assert_int_equal(policy_check_unique_names(a, taken, n_taken, &diags), 0);
        assert_int_equal(policy_check_add_name_uses(a, &taken, &n_taken), 0);
        assert_int_equal(n_taken, 1);
        assert_int_equal(policy_check_unique_names(b, taken, n_taken, &diags), -EINVAL);
        assert_int_equal(diags.n_errors, 1);
        line = format_one(&diags, 0);
        assert_string_equal(
                line, "b.yaml:12:9: error: policy name \"dup\" is already used by a.yaml:4:9");
        assert_int_equal(policy_check_add_name_uses(b, &taken, &n_taken), 0);
        assert_int_equal(n_taken, 3);
        assert_string_equal(taken[1].name, "other");
        assert_string_equal(taken[2].file, "b.yaml");
}

/* The registry: names that other files of the folder hold, known by path only. */
static void test_unique_against_folder(void **state) {
        _cleanup_(policy_file_freep) PolicyFile *f = NULL;
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_free_ char *first = NULL, *second = NULL;
        const PolicyNameUse folder[] = {
                { .name = "other", .file = "/etc/tetragon/policies.d/x.yaml" },
                { .name = "dup", .file = "/etc/tetragon/policies.d/y.yaml" },
        };
        const PolicyNameUse unrelated[] = {
                { .name = "else", .file = "/etc/tetragon/policies.d/z.yaml" },
        };

        f = parse("new.yaml", two_documents);
        assert_int_equal(policy_check_unique_names(f, unrelated, ELEMENTSOF(unrelated), &diags), 0);
        assert_int_equal(policy_check_unique_names(f, NULL, 0, &diags), 0);
        assert_int_equal(diags.n_items, 0);
        assert_int_equal(policy_check_unique_names(f, folder, ELEMENTSOF(folder), &diags), -EINVAL);
        assert_int_equal(diags.n_errors, 2);
        first = format_one(&diags, 0);
        second = format_one(&diags, 1);
        assert_string_equal(first, "new.yaml:4:9: error: policy name \"other\" is already used by "
                                   "/etc/tetragon/policies.d/x.yaml");
        assert_string_equal(second, "new.yaml:12:9: error: policy name \"dup\" is already used by "
                                    "/etc/tetragon/policies.d/y.yaml");
}

static void test_format_errors(void **state) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        char *text = NULL;

        /* No errors: no text, the caller says what it says then. */
        assert_int_equal(policy_check_format_errors(&diags, 10, &text), 0);
        assert_null(text);
        assert_int_equal(diagnostic_list_add(&diags, DIAGNOSTIC_WARNING, "p.yaml", 2, 3, NULL,
                                             "only a warning"),
                         0);
        assert_int_equal(policy_check_format_errors(&diags, 10, &text), 0);
        assert_null(text);

        /* Errors only, in order, with their hints; warnings left out. */
        assert_int_equal(
                diagnostic_list_add(&diags, DIAGNOSTIC_ERROR, "p.yaml", 5, 7, "try this", "first"),
                0);
        assert_int_equal(
                diagnostic_list_add(&diags, DIAGNOSTIC_ERROR, "p.yaml", 9, 1, NULL, "second"), 0);
        assert_int_equal(policy_check_format_errors(&diags, 10, &text), 0);
        assert_string_equal(text, "p.yaml:5:7: error: first; try this\n"
                                  "p.yaml:9:1: error: second");
        free(text);

        /* Past the bound: how many were left out. */
        assert_int_equal(
                diagnostic_list_add(&diags, DIAGNOSTIC_ERROR, "p.yaml", 11, 1, NULL, "third"), 0);
        assert_int_equal(policy_check_format_errors(&diags, 2, &text), 0);
        assert_string_equal(text, "p.yaml:5:7: error: first; try this\n"
                                  "p.yaml:9:1: error: second\n"
                                  "(1 more errors)");
        free(text);
        assert_int_equal(policy_check_format_errors(&diags, 0, &text), 0);
        assert_string_equal(text, "(3 more errors)");
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_rule),
                cmocka_unit_test(test_unique_across_files),
                cmocka_unit_test(test_unique_against_folder),
                cmocka_unit_test(test_format_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
