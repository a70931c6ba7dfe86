/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The engine tests' shared fixture (fixture.c): the policy engine with real
 * BPF on this kernel, driven through its PolicyBackend with policies written
 * as YAML (parse -> compile -> install), against children the tests fork.
 * Needs root (exit 77 otherwise).
 *
 * Children wait on a pipe until the policy is in place (it can name their
 * pid), then do one thing and exit. A child's events are in the ring buffer
 * before it exits: after waitpid(), expected events are polled for with a
 * deadline, and "no event" is one consume of everything there is.
 */
#include <arpa/inet.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <link.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#if HAVE_SYS_SDT_H
#include <sys/sdt.h>
#endif

#include "event-json.h"
#include "kernel-features.h"
#include "policy-compile.h"
#include "policy-engine.h"
#include "policy-plan.h"
#include "record-decode.h"
#include "syscall-table.h"

#define DEADLINE_NS (5ULL * 1000 * 1000 * 1000)
#define EVENTS_MAX 256

typedef struct Fixture {
        PolicyEngine *engine;
        PolicyBackend backend;
        struct ring_buffer *ringbuf;
        json_t *events[EVENTS_MAX]; /* export JSON of every event seen */
        uint32_t event_pids[EVENTS_MAX];
        size_t n_events;
        unsigned long malformed;
        char dir[PATH_MAX];
        char self_exe[PATH_MAX];
        char function_write[64]; /* "__x64_sys_write" */
        bool probe_read_only;    /* the engine's variant, for engines a test makes */
        KernelFeature *features;
        size_t n_features;
} Fixture;

typedef void (*ChildFn)(const void *arg);

typedef struct Child {
        pid_t pid;
        int go; /* write end: one byte lets it run */
} Child;

typedef struct ConnectCase {
        int family; /* AF_INET, AF_INET6 or AF_UNIX; AF_UNSPEC: a NULL address */
        uint16_t port;
        const char *unix_path;
} ConnectCase;

/* A value for a policy template of tests/data/engine: ${KEY} in the file becomes it. */
typedef struct TemplateValue {
        const char *key;
        const char *text;
        long long number;
        bool is_number;
} TemplateValue;

#define TEXT_VALUE(k, v) ((TemplateValue){ .key = (k), .text = (v) })
#define NUMBER_VALUE(k, v) ((TemplateValue){ .key = (k), .number = (v), .is_number = true })

/* The policy tests/data/engine/NAME (under $top_srcdir when set, as in the guest), each
 * ${KEY} replaced by its value; a ${KEY} alone on its line takes the line with it when its
 * value is a piece of YAML (empty, or whole lines). Fails the test when the file lacks a key
 * it is given or has one it is not given. */
char *policy_from_file_values(const char *name, const TemplateValue *values, size_t n_values);
#define policy_from_file(name, ...)                                                                \
        policy_from_file_values((name), (const TemplateValue[]){ {}, __VA_ARGS__ },                \
                                ELEMENTSOF(((const TemplateValue[]){ {}, __VA_ARGS__ })))

/* Events: what the ring buffer brought, as export JSON, per pid (fixture.c says how each
 * waits). */
uint64_t now_ns(void);
void events_clear(Fixture *f);
json_t *event_wait(Fixture *f, pid_t pid);
size_t events_of(Fixture *f, pid_t pid);

/* Policies: parse, compile, install through the backend. */
_printf_(1, 2) char *format(const char *fmt, ...);
int install(Fixture *f, const char *yaml, PolicyMode mode, PolicyInstallation **ret,
            char **ret_error);
PolicyInstallation *install_ok(Fixture *f, const char *yaml, PolicyMode mode);
void uninstall(Fixture *f, PolicyInstallation *i);
const char *hook_mechanism(Fixture *f, PolicyInstallation *i, size_t hook);
char *seed_policy(const char *path, pid_t extra_pid);
char *write_policy_follow(pid_t pid, bool follow_forks, const char *filters, const char *actions);
char *write_policy(pid_t pid, const char *filters, const char *actions);
bool child_write_matches(Fixture *f, ChildFn fn, const void *arg, const char *filters);
bool write_matches(Fixture *f, const char *path, const char *filters);

/* Children and what they do once let go. */
Child child_spawn(ChildFn fn, const void *arg);
int child_run(Child *c);
void assert_killed(int status);
void assert_exited_ok(int status);
void assert_exit_status(int status, int expected);
off_t file_size(const char *path);
void write_or_die(int fd);
void child_write_path(const void *arg);
void child_connect(const void *arg);
void assert_sockaddr_json(json_t *arg, const char *family, const char *addr, int port);
void child_exec(const void *arg);
void child_getppid(const void *arg);
int tcp_listener(uint16_t *ret_port);
void child_tcp_connect(const void *arg);
/* A function of the test programs for the uprobe tests, and a child that calls it. */
int tg_uprobe_target(int number, const char *text);
void child_call_uprobe_target(const void *arg);

/* Setup: the group's engine, a test's own engine in its place, the kernel's features. */
int test_setup(void **state);
bool kernel_has(Fixture *f, const char *feature);
int setup_engine_disabling(void **state, unsigned disabled);
int setup_engine_without_fentry(void **state);
int teardown_engine_restore(void **state);
char *temp_path(Fixture *f, const char *name);

/* main() of a test-engine-* program: skips without root, honours TEST_FILTER, runs the tests
 * in the engine for this kernel (where it has bpf_rdonly_cast()) and in the probe-read
 * variant, as groups named name and "name, probe-read variant". ENGINE_TEST_VARIANTS=daemon
 * runs only the variant the daemon takes on this kernel. */
int fixture_run(int argc, char *argv[], const char *name, const struct CMUnitTest *tests,
                size_t n_tests);
