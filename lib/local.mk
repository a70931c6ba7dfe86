# Code shared by the daemon and tetractl. Library-like: never logs, returns
# negative errno and positioned diagnostics for the caller to report.
noinst_LIBRARIES += lib/libtetragon-shared.a

lib_libtetragon_shared_a_SOURCES = \
	lib/macro.h \
	lib/arena.c lib/arena.h \
	lib/diagnostic.c lib/diagnostic.h \
	lib/yaml-tree.c lib/yaml-tree.h \
	lib/policy.c lib/policy.h lib/policy-parse.c \
	lib/policy-compile.c lib/policy-compile.h bpf/policy.h \
	lib/event-format.c lib/event-format.h \
	lib/json-write.c lib/json-write.h \
	lib/utf8.c lib/utf8.h \
	lib/syscall-table.c lib/syscall-table.h lib/syscall-list.h \
	lib/syscall-table-ia32.c lib/syscall-list-ia32.h \
	lib/policy-plan.c lib/policy-plan.h \
	lib/kernel-features.c lib/kernel-features.h \
	lib/kernel-facts.c lib/kernel-facts.h \
	lib/tracepoint-format.c lib/tracepoint-format.h \
	lib/file-util.c lib/file-util.h \
	lib/policy-check.c lib/policy-check.h \
	lib/bpf-fdinfo.c lib/bpf-fdinfo.h \
	lib/unit-cgroup.c lib/unit-cgroup.h \
	lib/parse-util.c lib/parse-util.h

lib_libtetragon_shared_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(LIBBPF_CFLAGS)
