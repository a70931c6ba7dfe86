/* SPDX-License-Identifier: Apache-2.0 */
/* The event stream's controls (issue 12), each module on its own: export filters, redaction,
 * field filters, per-cgroup throttling. Pure code: no daemon, no BPF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-rate.h"
#include "event-filter.h"
#include "event-json.h"
#include "field-filter.h"
#include "json-lines.h"
#include "macro.h"
#include "redaction.h"

/* cmocka needs the headers above first */
#include <cmocka.h>

/* A process with args as the cache keeps them: after argv[0], each NUL-terminated. */
static Process *process_new_args(const char *binary, const char *args, size_t size) {
        Process *p = calloc(1, sizeof(*p));

        assert_non_null(p);
        p->binary = strdup(binary);
        p->args = malloc(size);
        assert_non_null(p->args);
        memcpy(p->args, args, size);
        p->args_size = size;
        return p;
}
#define PROCESS(binary, args) process_new_args((binary), (args), sizeof(args) - 1)

static void process_free_test(Process *p) {
        free(p->binary);
        free(p->args);
        free(p->env);
        free(p);
}

/* The arguments as the export JSON joins them. */
static char *joined(const Process *p) {
        size_t n = event_join_arguments(p, NULL);
        char *s = malloc(n + 1);

        assert_non_null(s);
        event_join_arguments(p, s);
        s[n] = 0;
        return s;
}

static void test_redaction_password(void **state) {
        _cleanup_(redaction_freep) Redaction *r = NULL;
        _cleanup_free_ char *error = NULL, *s = NULL;
        Process *p = PROCESS("/usr/bin/mysql", "-u\0root\0--password\0hunter2\0db\0");

        assert_int_equal(redaction_new(&r,
                                       "{\"binary_regex\": [\"(?:^|/)mysql$\"], "
                                       "\"redact\": [\"--password(?:\\\\s+|=)(\\\\S+)\"]}",
                                       &error),
                         0);
        assert_int_equal(redaction_apply(r, p), 1);
        s = joined(p);
        /* Across two arguments, which stay two. */
        assert_string_equal(s, "-u root --password ***** db");
        process_free_test(p);
}

/* --enable-process-environment-variables: the same filters over NAME=VALUE entries, which
 * stay apart; the arguments are redacted on their own. */
static void test_redaction_environment(void **state) {
        static const char env[] = "HOME=/root\0DB_PASSWORD=hunter2\0TERM=xterm\0";
        _cleanup_(redaction_freep) Redaction *r = NULL;
        _cleanup_free_ char *error = NULL;
        Process *p = PROCESS("/usr/bin/mysql", "-u\0root\0");

        p->env = malloc(sizeof(env) - 1);
        assert_non_null(p->env);
        memcpy(p->env, env, sizeof(env) - 1);
        p->env_size = sizeof(env) - 1;
        assert_int_equal(redaction_new(&r, "{\"redact\": [\"PASSWORD=(\\\\S+)\"]}", &error), 0);
        assert_int_equal(redaction_apply(r, p), 1);
        assert_int_equal(p->env_size, sizeof("HOME=/root\0DB_PASSWORD=*****\0TERM=xterm\0") - 1);
        assert_memory_equal(p->env, "HOME=/root\0DB_PASSWORD=*****\0TERM=xterm\0", p->env_size);
        assert_int_equal(p->args_size, sizeof("-u\0root\0") - 1);
        process_free_test(p);
}

static void test_redaction_binary_regex_limits(void **state) {
        _cleanup_(redaction_freep) Redaction *r = NULL;
        _cleanup_free_ char *error = NULL, *s = NULL;
        Process *p = PROCESS("/usr/bin/psql", "--password=hunter2\0");

        assert_int_equal(redaction_new(&r,
                                       "{\"binary_regex\": [\"mysql$\"], \"redact\": "
                                       "[\"--password=(\\\\S+)\"]}",
                                       &error),
                         0);
        assert_int_equal(redaction_apply(r, p), 0);
        s = joined(p);
        assert_string_equal(s, "--password=hunter2");
        process_free_test(p);
}

static void test_redaction_every_match_and_group(void **state) {
        _cleanup_(redaction_freep) Redaction *r = NULL;
        _cleanup_free_ char *error = NULL, *s = NULL;
        Process *p = PROCESS("/bin/sh", "user=a\0pass=b\0user=c\0pass=dd\0");

        assert_int_equal(redaction_new(&r,
                                       "{\"redact\": [\"user=(\\\\w+) pass=(\\\\w+)\"]}\n"
                                       "\n",
                                       &error),
                         0);
        assert_int_equal(redaction_apply(r, p), 1);
        s = joined(p);
        assert_string_equal(s, "user=***** pass=***** user=***** pass=*****");
        process_free_test(p);
}

static void test_redaction_refusals(void **state) {
        Redaction *r = NULL;
        char *error = NULL;

        assert_int_equal(redaction_new(&r, "{\"redact\": [\"secret\"]}", &error), -EINVAL);
        assert_string_equal(error, "line 1: redact: regex 1 has no capture group: only capture "
                                   "groups are redacted");
        error = mfree(error);
        assert_int_equal(redaction_new(&r, "{\"binary_regex\": [\"x\"]}", &error), -EINVAL);
        assert_string_equal(error, "line 1: no \"redact\" regex: nothing to redact");
        error = mfree(error);
        assert_int_equal(redaction_new(&r, "\n{\"redact\": [\"(\"]}", &error), -EINVAL);
        assert_string_equal(error,
                            "line 2: redact: \"(\": missing closing parenthesis at offset 1");
        free(error);
}

static Event exec_event(Process *p, Process *parent) {
        return (Event){ .type = EVENT_PROCESS_EXEC, .process = p, .parent = parent };
}

static void test_filter_keys(void **state) {
        _cleanup_(event_filter_freep) EventFilter *f = NULL;
        _cleanup_free_ char *error = NULL;
        Process *sh = PROCESS("/bin/sh", "-c\0true\0");
        Process *tr = PROCESS("/usr/bin/true", "");
        Event e;

        sh->pid = 10;
        tr->pid = 11;
        /* Lines are ORed, keys within a line ANDed. */
        assert_int_equal(event_filter_new(&f,
                                          "{\"binary_regex\": [\"^/usr/bin/true$\"], "
                                          "\"parent_binary_regex\": [\"sh$\"]}\n"
                                          "{\"event_set\": [\"PROCESS_EXIT\"], \"pid\": [10]}\n"
                                          "{\"arguments_regex\": [\"^-c tr\"]}",
                                          &error),
                         0);
        e = exec_event(tr, sh);
        assert_true(event_filter_match(f, &e));
        e = exec_event(tr, NULL); /* no parent: parent_binary_regex cannot match */
        assert_false(event_filter_match(f, &e));
        e = exec_event(sh, NULL);
        assert_true(event_filter_match(f, &e)); /* its arguments */
        e = (Event){ .type = EVENT_PROCESS_EXIT, .process = sh };
        assert_true(event_filter_match(f, &e));
        e = (Event){ .type = EVENT_PROCESS_EXIT, .process = tr };
        assert_false(event_filter_match(f, &e));
        process_free_test(sh);
        process_free_test(tr);
}

static void test_filter_pid_set_learns_descendants(void **state) {
        _cleanup_(event_filter_freep) EventFilter *f = NULL;
        _cleanup_free_ char *error = NULL;
        Process *root = PROCESS("/bin/sh", ""), *child = PROCESS("/bin/a", ""),
                *grandchild = PROCESS("/bin/b", ""), *other = PROCESS("/bin/c", "");
        Event e;

        root->pid = 100;
        child->pid = 101;
        grandchild->pid = 102;
        other->pid = 200;
        assert_int_equal(event_filter_new(&f, "{\"pid_set\": [100]}", &error), 0);
        e = exec_event(child, root);
        assert_true(event_filter_match(f, &e));
        e = exec_event(grandchild, child);
        assert_true(event_filter_match(f, &e));
        e = exec_event(other, NULL);
        assert_false(event_filter_match(f, &e));
        process_free_test(root);
        process_free_test(child);
        process_free_test(grandchild);
        process_free_test(other);
}

static void test_filter_ancestors(void **state) {
        _cleanup_(event_filter_freep) EventFilter *f = NULL;
        _cleanup_free_ char *error = NULL;
        Process *systemd = PROCESS("/usr/lib/systemd/systemd", ""),
                *sshd = PROCESS("/usr/sbin/sshd", ""), *sh = PROCESS("/bin/sh", ""),
                *tr = PROCESS("/usr/bin/true", "");
        Event e;

        sshd->parent = systemd;
        sh->parent = sshd;
        tr->parent = sh;
        assert_int_equal(event_filter_new(&f, "{\"ancestor_binary_regex\": [\"sshd$\"]}", &error),
                         0);
        e = exec_event(tr, sh); /* sshd is sh's parent: an ancestor of true */
        assert_true(event_filter_match(f, &e));
        e = exec_event(sh, sshd); /* sshd is the parent, not an ancestor */
        assert_false(event_filter_match(f, &e));
        e = exec_event(tr, NULL);
        assert_false(event_filter_match(f, &e));
        f = event_filter_free(f);
        /* Any ancestor, not only the nearest. */
        assert_int_equal(
                event_filter_new(&f, "{\"ancestor_binary_regex\": [\"nomatch\", \"systemd$\"]}",
                                 &error),
                0);
        e = exec_event(tr, sh);
        assert_true(event_filter_match(f, &e));
        process_free_test(systemd);
        process_free_test(sshd);
        process_free_test(sh);
        process_free_test(tr);
}

static void test_filter_capabilities(void **state) {
        static const struct {
                const char *text;
                bool root, user; /* matches a process with CAP_SYS_ADMIN and CAP_CHOWN, with none */
        } cases[] = {
                { "{\"capabilities\": {\"effective\": {\"any\": [\"CAP_SYS_ADMIN\", "
                  "\"CAP_BPF\"]}}}",
                  true, false },
                { "{\"capabilities\": {\"effective\": {\"all\": [\"CAP_SYS_ADMIN\", "
                  "\"CAP_BPF\"]}}}",
                  false, false },
                { "{\"capabilities\": {\"effective\": {\"all\": [\"CAP_SYS_ADMIN\"]}}}", true,
                  false },
                { "{\"capabilities\": {\"effective\": {\"exactly\": [\"CAP_SYS_ADMIN\", "
                  "\"CAP_CHOWN\"]}}}",
                  true, false },
                { "{\"capabilities\": {\"effective\": {\"exactly\": [\"CAP_SYS_ADMIN\"]}}}", false,
                  false },
                { "{\"capabilities\": {\"effective\": {\"none\": [\"CAP_SYS_ADMIN\"]}}}", false,
                  true },
                /* Tetragon's enum spells it without the prefix. */
                { "{\"capabilities\": {\"permitted\": {\"any\": [\"CHOWN\"]}}}", true, false },
                /* Sets are ANDed. */
                { "{\"capabilities\": {\"effective\": {\"any\": [\"CAP_CHOWN\"]}, "
                  "\"inheritable\": {\"any\": [\"CAP_CHOWN\"]}}}",
                  false, false },
        };
        Process *root = PROCESS("/bin/sh", ""), *user = PROCESS("/bin/sh", ""),
                *unknown = PROCESS("/bin/sh", "");

        root->has_caps = user->has_caps = true;
        root->cap_effective = root->cap_permitted = (UINT64_C(1) << 21) | (UINT64_C(1) << 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(event_filter_freep) EventFilter *f = NULL;
                _cleanup_free_ char *error = NULL;
                Event e;

                assert_int_equal(event_filter_new(&f, cases[i].text, &error), 0);
                e = exec_event(root, NULL);
                assert_int_equal(event_filter_match(f, &e), cases[i].root);
                e = exec_event(user, NULL);
                assert_int_equal(event_filter_match(f, &e), cases[i].user);
                e = exec_event(unknown, NULL); /* capabilities unknown: no match, even for none */
                assert_false(event_filter_match(f, &e));
        }
        process_free_test(root);
        process_free_test(user);
        process_free_test(unknown);
}

static int collect_line(json_t *obj, unsigned line, void *userdata, char **ret_error) {
        char *lines = userdata;
        char buf[16];

        snprintf(buf, sizeof(buf), "%u:%zu ", line, json_object_size(obj));
        strcat(lines, buf);
        return 0;
}

static void test_json_lines(void **state) {
        static const struct {
                const char *text, *lines, *error; /* lines: "LINE:KEYS " per object */
        } cases[] = {
                { "{\"a\": 1}\n\n  {\"a\": 1, \"b\": 2}\n", "1:1 3:2 ", NULL },
                /* Comma-separated, and objects that span lines. */
                { "{\"a\": 1}, {\"b\": 2},\n{\n\"c\": 3,\n\"d\": 4}\n{}", "1:1 1:1 2:2 5:0 ",
                  NULL },
                { "{\"a\": 1} {\"b\": 2}", "1:1 1:1 ", NULL },
                { "{\"pid\": [1]} trailing", NULL, "line 1: '[' or '{' expected near 'trailing'" },
                { "{\"a\": 1}\n{\"a\":\n 1,\n", NULL,
                  "line 4: string or '}' expected near end of file" },
                { "{\"a\": 1},", NULL, "line 1: expected a JSON object after ','" },
                { "\n[{\"a\": 1}]", NULL, "line 2: expected a JSON object" },
                { "{\"a\": 1, \"a\": 2}", NULL, "line 1: duplicate object key near '\"a\"'" },
                { " \n\t\n", NULL, "no filter: expected one JSON object per line" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *error = NULL;
                char lines[256] = "";
                int r = json_lines_parse(cases[i].text, collect_line, lines, &error);

                if (cases[i].lines) {
                        assert_int_equal(r, 0);
                        assert_string_equal(lines, cases[i].lines);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_string_equal(error, cases[i].error);
                }
        }
}

static void test_filter_refusals(void **state) {
        static const struct {
                const char *text, *error;
        } cases[] = {
                { "{\"namespace\": [\"kube-system\"]}",
                  "line 1: namespace is not supported: it is about Kubernetes pods and "
                  "containers, which a host daemon does not know" },
                { "{\"capabilities\": {}}",
                  "line 1: capabilities: expected an object with permitted, effective or "
                  "inheritable" },
                { "{\"capabilities\": {\"effective\": {\"any\": [\"CAP_SYS_ADMIN\"], \"none\": "
                  "[\"CAP_BPF\"]}}}",
                  "line 1: capabilities: effective: expected one of any, all, exactly, none" },
                { "{\"capabilities\": {\"effective\": {\"some\": [\"CAP_BPF\"]}}}",
                  "line 1: capabilities: effective: unknown key some (any, all, exactly, none)" },
                { "{\"capabilities\": {\"effective\": {\"any\": [\"CAP_FLY\"]}}}",
                  "line 1: capabilities: effective: any: unknown capability CAP_FLY" },
                { "{\"capabilities\": {\"bounding\": {\"any\": [\"CAP_BPF\"]}}}",
                  "line 1: capabilities: unknown key bounding (permitted, effective, "
                  "inheritable)" },
                { "{\"event_set\": [\"PROCESS_OPEN\"]}",
                  "line 1: event_set: unknown event type PROCESS_OPEN (PROCESS_EXEC, "
                  "PROCESS_EXIT, PROCESS_KPROBE, PROCESS_TRACEPOINT, PROCESS_UPROBE, PROCESS_LSM, "
                  "PROCESS_USDT, PROCESS_LOADER)" },
                { "{\"pid\": [\"1\"]}", "line 1: pid: expected a list of pids" },
                { "{\"bogus\": 1}", "line 1: unknown key bogus" },
                { "{\"pid\": [1]} trailing", "line 1: '[' or '{' expected near 'trailing'" },
                { "  \n\n", "no filter: expected one JSON object per line" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                EventFilter *f = NULL;
                _cleanup_free_ char *error = NULL;

                assert_int_equal(event_filter_new(&f, cases[i].text, &error), -EINVAL);
                assert_string_equal(error, cases[i].error);
                assert_null(f);
        }
}

static void test_field_filter_include_exclude(void **state) {
        _cleanup_(field_filter_freep) FieldFilter *f = NULL;
        _cleanup_free_ char *error = NULL, *exec = NULL, *exit = NULL;
        json_t *e1, *e2;

        assert_int_equal(
                field_filter_new(&f,
                                 "{\"event_set\": [\"PROCESS_EXEC\"], \"fields\": "
                                 "\"process.arguments, parent\", \"action\": \"EXCLUDE\"}\n"
                                 "{\"event_set\": [\"PROCESS_EXEC\"], \"invert_event_set\": "
                                 "true, \"fields\": \"process.binary,status\", "
                                 "\"action\": \"INCLUDE\"}",
                                 &error),
                0);
        e1 = json_loads("{\"process_exec\": {\"process\": {\"binary\": \"/x\", \"arguments\": "
                        "\"a\", \"pid\": 1}, \"parent\": {\"pid\": 2}}, \"node_name\": \"n\"}",
                        0, NULL);
        e2 = json_loads("{\"process_exit\": {\"process\": {\"binary\": \"/x\", \"pid\": 1}, "
                        "\"parent\": {\"pid\": 2}, \"status\": 3}, \"node_name\": \"n\"}",
                        0, NULL);
        assert_int_equal(field_filter_apply(f, EVENT_PROCESS_EXEC, e1), 0);
        assert_int_equal(field_filter_apply(f, EVENT_PROCESS_EXIT, e2), 0);
        exec = json_dumps(e1, JSON_COMPACT | JSON_SORT_KEYS);
        exit = json_dumps(e2, JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(exec, "{\"node_name\":\"n\",\"process_exec\":{\"process\":{\"binary\":"
                                  "\"/x\",\"pid\":1}}}");
        assert_string_equal(exit, "{\"node_name\":\"n\",\"process_exit\":{\"process\":{\"binary\":"
                                  "\"/x\"},\"status\":3}}");
        json_decref(e1);
        json_decref(e2);
}

static void test_field_filter_refusals(void **state) {
        FieldFilter *f = NULL;
        char *error = NULL;

        assert_int_equal(field_filter_new(&f, "{\"fields\": \"process.pid\"}", &error), -EINVAL);
        assert_string_equal(error, "line 1: no action (INCLUDE or EXCLUDE)");
        error = mfree(error);
        assert_int_equal(field_filter_new(&f,
                                          "{\"fields\": \"process..pid\", \"action\": \"INCLUDE\"}",
                                          &error),
                         -EINVAL);
        assert_string_equal(error, "line 1: fields: \"process..pid\": expected dotted paths "
                                   "separated by commas, e.g. process.arguments");
        free(error);
}

#define SEC (1000ULL * 1000)

static unsigned n_stopped;
static void on_stopped(uint64_t id, const char *path, void *userdata) {
        assert_int_equal(id, 7);
        assert_string_equal(path, "/system.slice/bomb.service");
        n_stopped++;
}

static void test_cgroup_rate(void **state) {
        _cleanup_(cgroup_rate_freep) CgroupRate *c = NULL;
        const char *bomb = "/system.slice/bomb.service";
        uint64_t events, interval, t = 1000 * SEC;

        assert_int_equal(cgroup_rate_parse("1000,1s", &events, &interval), 0);
        assert_int_equal(events, 1000);
        assert_int_equal(interval, SEC);
        assert_int_equal(cgroup_rate_parse("5,250ms", &events, &interval), 0);
        assert_int_equal(interval, 250 * 1000);
        assert_int_equal(cgroup_rate_parse("5", &events, &interval), -EINVAL);
        assert_int_equal(cgroup_rate_parse("0,1s", &events, &interval), -EINVAL);
        assert_int_equal(cgroup_rate_parse("5,1y", &events, &interval), -EINVAL);

        assert_int_equal(cgroup_rate_new(&c, 3, SEC), 0);
        for (int i = 0; i < 3; i++)
                assert_int_equal(cgroup_rate_account(c, 7, bomb, t), CGROUP_RATE_PASS);
        assert_int_equal(cgroup_rate_account(c, 7, bomb, t), CGROUP_RATE_START);
        assert_int_equal(cgroup_rate_account(c, 7, bomb, t), CGROUP_RATE_DROP);
        /* Another cgroup is not affected. */
        assert_int_equal(cgroup_rate_account(c, 8, "/user.slice", t), CGROUP_RATE_PASS);
        assert_int_equal(cgroup_rate_throttled(c), 1);

        /* Under the limit in the next windows: still throttled until 5 s have passed. */
        t += SEC;
        assert_int_equal(cgroup_rate_account(c, 7, bomb, t), CGROUP_RATE_DROP);
        cgroup_rate_sweep(c, t + 3 * SEC, on_stopped, NULL);
        assert_int_equal(n_stopped, 0);
        cgroup_rate_sweep(c, t + 5 * SEC, on_stopped, NULL);
        assert_int_equal(n_stopped, 1);
        assert_int_equal(cgroup_rate_throttled(c), 0);
        assert_int_equal(cgroup_rate_account(c, 7, bomb, t + 6 * SEC), CGROUP_RATE_PASS);

        /* Idle cgroups are forgotten; the table keeps working past its size over time. */
        for (uint64_t id = 100; id < 100 + 3 * CGROUP_RATE_MAX_CGROUPS; id++) {
                t += 3 * SEC;
                (void) cgroup_rate_account(c, id, "/x", t);
                cgroup_rate_sweep(c, t, NULL, NULL);
        }
        assert_int_equal(cgroup_rate_account(c, 7, bomb, t), CGROUP_RATE_PASS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_redaction_password),
                cmocka_unit_test(test_redaction_binary_regex_limits),
                cmocka_unit_test(test_redaction_environment),
                cmocka_unit_test(test_redaction_every_match_and_group),
                cmocka_unit_test(test_redaction_refusals),
                cmocka_unit_test(test_filter_keys),
                cmocka_unit_test(test_filter_pid_set_learns_descendants),
                cmocka_unit_test(test_filter_ancestors),
                cmocka_unit_test(test_filter_capabilities),
                cmocka_unit_test(test_json_lines),
                cmocka_unit_test(test_filter_refusals),
                cmocka_unit_test(test_field_filter_include_exclude),
                cmocka_unit_test(test_field_filter_refusals),
                cmocka_unit_test(test_cgroup_rate),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
