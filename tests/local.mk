# The tests, one block per module in pipeline order: lib/ (the policy language, the planner,
# formats), the daemon's event path, its control plane, the engine, then the integration
# scripts (root, real BPF) and the whole-system runs (nspawn, qemu). tests/data/ holds their
# inputs, one folder per module.
AM_TESTS_ENVIRONMENT = \
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	export top_srcdir top_builddir;

TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	-DTEST_DATA_DIR=\"$(abs_top_srcdir)/tests/data\"
TEST_LIBS = $(CMOCKA_LIBS) $(TETRAGOND_LIBS)

EXTRA_DIST += tests/data

# lib/policy*.c, the policy language: parse, validate, compile (test-policy), the checks every
# front end shares (test-policy-check), the real-world corpus through tetractl validate
# (skips when ../shared/corpus is absent), and the parser's fuzz target.
if HAVE_CMOCKA
POLICY_TESTS = tests/test-policy
check_PROGRAMS += $(POLICY_TESTS)
TESTS += $(POLICY_TESTS)
endif
tests_test_policy_SOURCES = tests/test-policy.c
tests_test_policy_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) $(JANSSON_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/test-policy-check
TESTS += tests/test-policy-check
endif
tests_test_policy_check_SOURCES = tests/test-policy-check.c
tests_test_policy_check_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_check_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) \
	$(JANSSON_LIBS)
TESTS += tests/test-policy-corpus.sh
dist_noinst_SCRIPTS += tests/test-policy-corpus.sh tests/fuzz/run-fuzz.sh
$(addsuffix .log,tests/test-policy-corpus.sh): tetractl
# libFuzzer targets (configure --enable-fuzzing CC=clang); tests/fuzz/run-fuzz.sh runs them:
# the policy language, the ring buffer's records (daemon/record-decode*.c), the D-Bus
# handlers' arguments (the registry's checks behind them).
FUZZ_TARGETS = tests/fuzz/fuzz-policy tests/fuzz/fuzz-record-decode tests/fuzz/fuzz-bus-args
if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
FUZZ_COMPILE = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LINK = -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c lib/arena.c lib/diagnostic.c \
	lib/yaml-tree.c lib/policy.c lib/policy-parse.c lib/policy-compile.c \
	lib/policy-check.c
tests_fuzz_fuzz_policy_CFLAGS = $(FUZZ_COMPILE) $(YAML_CFLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_policy_LDADD = $(YAML_LIBS)
tests_fuzz_fuzz_record_decode_SOURCES = tests/fuzz/fuzz-record-decode.c daemon/record-decode.c \
	daemon/record-decode-generic.c
tests_fuzz_fuzz_record_decode_CFLAGS = $(FUZZ_COMPILE)
tests_fuzz_fuzz_record_decode_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_bus_args_SOURCES = tests/fuzz/fuzz-bus-args.c daemon/policy-registry.c \
	daemon/policy-dir.c daemon/log.c lib/arena.c lib/diagnostic.c lib/yaml-tree.c lib/policy.c \
	lib/policy-parse.c lib/policy-compile.c lib/policy-check.c lib/utf8.c lib/file-util.c
tests_fuzz_fuzz_bus_args_CFLAGS = $(FUZZ_COMPILE) $(YAML_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS)
tests_fuzz_fuzz_bus_args_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_bus_args_LDADD = $(YAML_LIBS) $(JANSSON_LIBS) $(LIBSYSTEMD_LIBS)

# `make fuzz`: every target for FUZZ_SECONDS each (default 60), in its own clang build
# (FUZZ_BUILD_DIR, default ../build-fuzz beside the source tree).
FUZZ_SECONDS ?= 60
fuzz:
	$(top_srcdir)/tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS)
.PHONY: fuzz

# lib/policy-plan.c, the planner: pure, which mechanism each hook gets from the kernel's facts.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-policy-plan
TESTS += tests/test-policy-plan
endif
tests_test_policy_plan_SOURCES = tests/test-policy-plan.c
tests_test_policy_plan_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_plan_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) \
	$(JANSSON_LIBS)

# lib/tracepoint-format.c: literal format files, and this machine's tracefs when mounted.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-tracepoint-format
TESTS += tests/test-tracepoint-format
endif
tests_test_tracepoint_format_SOURCES = tests/test-tracepoint-format.c
tests_test_tracepoint_format_CFLAGS = $(TEST_CFLAGS)
tests_test_tracepoint_format_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS)


# The event path's sinks: daemon/event-json.c, lib/event-format.c (compact lines),
# daemon/sink-journal.c, daemon/export-file.c. Only their own sources.
if HAVE_CMOCKA
SINK_TESTS = tests/test-event-json tests/test-event-format tests/test-sink-journal \
	tests/test-export-file
check_PROGRAMS += $(SINK_TESTS)
TESTS += $(SINK_TESTS)
endif
tests_test_event_json_SOURCES = tests/test-event-json.c daemon/event-json.c lib/utf8.c \
	lib/syscall-table.c lib/policy.c lib/arena.c daemon/enrich-options.c lib/parse-util.c
tests_test_event_json_CFLAGS = $(TEST_CFLAGS)
tests_test_event_json_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)
tests_test_event_format_SOURCES = tests/test-event-format.c lib/event-format.c lib/utf8.c
tests_test_event_format_CFLAGS = $(TEST_CFLAGS)
tests_test_event_format_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)
tests_test_sink_journal_SOURCES = tests/test-sink-journal.c daemon/sink-journal.c \
	daemon/event-json.c lib/utf8.c lib/syscall-table.c lib/policy.c lib/arena.c \
	daemon/enrich-options.c lib/parse-util.c lib/json-write.c
tests_test_sink_journal_CFLAGS = $(TEST_CFLAGS)
tests_test_sink_journal_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS) $(LIBSYSTEMD_LIBS)
tests_test_export_file_SOURCES = tests/test-export-file.c daemon/export-file.c
tests_test_export_file_CFLAGS = $(TEST_CFLAGS)
tests_test_export_file_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)

# The event stream's controls (daemon/event-filter.c, redaction.c, field-filter.c, cgroup-rate.c), pure: export and field filters, redaction, cgroup-rate.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-event-stream
TESTS += tests/test-event-stream
endif
tests_test_event_stream_SOURCES = tests/test-event-stream.c daemon/event-filter.c \
	daemon/json-lines.c daemon/regex-list.c daemon/redaction.c daemon/field-filter.c \
	daemon/cgroup-rate.c \
	daemon/event-json.c lib/utf8.c lib/syscall-table.c lib/policy.c lib/arena.c \
	daemon/enrich-options.c lib/parse-util.c
tests_test_event_stream_CFLAGS = $(TEST_CFLAGS) $(PCRE2_CFLAGS)
tests_test_event_stream_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS) $(PCRE2_LIBS)

# The event path's sources: daemon/record-decode*.c, daemon/process-cache.c, and the BPF
# process monitor (daemon/process-monitor.c; root and real BPF, exit 77 without root).
if HAVE_CMOCKA
PROCESS_TESTS = tests/test-record-decode tests/test-process-cache tests/test-process-monitor
check_PROGRAMS += $(PROCESS_TESTS)
TESTS += $(PROCESS_TESTS)
endif
tests_test_record_decode_SOURCES = tests/test-record-decode.c daemon/record-decode.c \
	daemon/record-decode-generic.c
# The loader sensor's perf records (daemon/loader-record.c), pure: no perf events opened.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-loader-record
TESTS += tests/test-loader-record
endif
tests_test_loader_record_SOURCES = tests/test-loader-record.c daemon/loader-record.c
tests_test_loader_record_CFLAGS = $(TEST_CFLAGS)
tests_test_loader_record_LDADD = $(CMOCKA_LIBS)
tests_test_record_decode_CFLAGS = $(TEST_CFLAGS)
tests_test_record_decode_LDADD = $(CMOCKA_LIBS)
tests_test_process_cache_SOURCES = tests/test-process-cache.c daemon/process-cache.c \
	daemon/process.c daemon/record-decode.c daemon/record-decode-generic.c \
	daemon/enrich-options.c lib/parse-util.c daemon/user-names.c
tests_test_process_cache_CFLAGS = $(TEST_CFLAGS)
tests_test_process_cache_LDADD = $(CMOCKA_LIBS)
tests_test_process_monitor_SOURCES = tests/test-process-monitor.c daemon/process-monitor.c daemon/pinned-state.c \
	daemon/record-decode.c daemon/record-decode-generic.c
tests_test_process_monitor_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_process_monitor_LDADD = $(CMOCKA_LIBS) $(LIBBPF_LIBS) $(LIBELF_LIBS) -lz -lpthread
daemon/tests_test_process_monitor-process-monitor.$(OBJEXT): bpf/process.skel.h

# The control plane: daemon/policy-dir.c on a temporary directory, and
# daemon/policy-registry.c against a fake engine (written in the test; the product has none).
if HAVE_CMOCKA
CONTROL_TESTS = tests/test-policy-dir tests/test-policy-registry
check_PROGRAMS += $(CONTROL_TESTS)
TESTS += $(CONTROL_TESTS)
endif
tests_test_policy_dir_SOURCES = tests/test-policy-dir.c daemon/policy-dir.c
tests_test_policy_dir_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_dir_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(LIBSYSTEMD_LIBS)
tests_test_policy_registry_SOURCES = tests/test-policy-registry.c daemon/policy-registry.c \
	daemon/policy-dir.c daemon/log.c
tests_test_policy_registry_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_registry_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(LIBSYSTEMD_LIBS) \
	$(JANSSON_LIBS) $(YAML_LIBS)

# daemon/engine-tables.c and daemon/engine-install.c: the engine's slot tables and
# installations, pure, without a kernel.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-engine-tables tests/test-engine-install
TESTS += tests/test-engine-tables tests/test-engine-install
endif
tests_test_engine_tables_SOURCES = tests/test-engine-tables.c daemon/engine-tables.c
tests_test_engine_tables_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_tables_LDADD = $(CMOCKA_LIBS)
tests_test_engine_install_SOURCES = tests/test-engine-install.c daemon/engine-install.c \
	daemon/engine-tables.c
tests_test_engine_install_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_engine_install_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) \
	$(JANSSON_LIBS)
tests/test_engine_install-test-engine-install.$(OBJEXT): bpf/generic.skel.h
tests/test_engine_install-engine-install.$(OBJEXT): bpf/generic.skel.h

# daemon/policy-engine*.c, the engine with real BPF: one program per feature over one fixture
# (tests/engine/fixture.c), their policies in tests/data/engine/; then every corpus policy
# installed or refused with its reason (test-policy-corpus-load). Root (exit 77 otherwise);
# the guest runs them too (tests/vm/guest/engine.sh, corpus-load.sh).
ENGINE_TESTS = tests/engine/test-engine-seed tests/engine/test-engine-args \
	tests/engine/test-engine-selectors tests/engine/test-engine-kernel-functions \
	tests/engine/test-engine-uprobes tests/engine/test-engine-tracepoints \
	tests/engine/test-engine-returns tests/engine/test-engine-refusals \
	tests/engine/test-engine-lists tests/engine/test-engine-units
if HAVE_CMOCKA
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS)
endif
ENGINE_TEST_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS) -I$(top_srcdir)/tests/engine
ENGINE_TEST_LIBS = tests/engine/libengine-fixture.a $(TEST_LIBS)
if HAVE_CMOCKA
check_LIBRARIES = tests/engine/libengine-fixture.a
endif
tests_engine_libengine_fixture_a_SOURCES = tests/engine/fixture.c tests/engine/fixture.h
tests_engine_libengine_fixture_a_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_seed_SOURCES = tests/engine/test-engine-seed.c
tests_engine_test_engine_seed_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_seed_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_args_SOURCES = tests/engine/test-engine-args.c
tests_engine_test_engine_args_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_args_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_selectors_SOURCES = tests/engine/test-engine-selectors.c
tests_engine_test_engine_selectors_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_selectors_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_kernel_functions_SOURCES = tests/engine/test-engine-kernel-functions.c
tests_engine_test_engine_kernel_functions_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_kernel_functions_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_uprobes_SOURCES = tests/engine/test-engine-uprobes.c
tests_engine_test_engine_uprobes_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_uprobes_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_tracepoints_SOURCES = tests/engine/test-engine-tracepoints.c
tests_engine_test_engine_tracepoints_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_tracepoints_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_returns_SOURCES = tests/engine/test-engine-returns.c
tests_engine_test_engine_returns_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_returns_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_refusals_SOURCES = tests/engine/test-engine-refusals.c
tests_engine_test_engine_refusals_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_refusals_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_lists_SOURCES = tests/engine/test-engine-lists.c
tests_engine_test_engine_lists_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_lists_LDADD = $(ENGINE_TEST_LIBS)
tests_engine_test_engine_units_SOURCES = tests/engine/test-engine-units.c
tests_engine_test_engine_units_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_engine_test_engine_units_LDADD = $(ENGINE_TEST_LIBS)
if HAVE_CMOCKA
TESTS += tests/test-policy-corpus-load
check_PROGRAMS += tests/test-policy-corpus-load
endif
tests_test_policy_corpus_load_SOURCES = tests/test-policy-corpus-load.c
tests_test_policy_corpus_load_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_policy_corpus_load_LDADD = $(TETRAGOND_LIBS)

# tetractl validate --kernel gives the daemon's verdict: the corpus planned both ways, compared
# file by file (root, exit 77 otherwise).
if HAVE_CMOCKA
TESTS += tests/test-validate-agrees.sh
endif
dist_noinst_SCRIPTS += tests/test-validate-agrees.sh
dist_noinst_DATA += tests/lib/validate-agrees.sh
$(addsuffix .log,tests/test-validate-agrees.sh): tetractl tests/test-policy-corpus-load$(EXEEXT)

# Post with imaHash on a kernel without the BPF LSM: tetractl validate --kernel's refusal, word
# for word (root; 77 where the kernel has the BPF LSM). tetractl is built by make check.
TESTS += tests/test-ima-hash-refused.sh
dist_noinst_SCRIPTS += tests/test-ima-hash-refused.sh

# Integration, the daemon end to end (root, real BPF, private journald): process events, the
# kill policy, the daemon's basics, tetractl validate --kernel against the daemon.
INTEGRATION_TESTS = \
	tests/integration/test-process-events.sh \
	tests/integration/test-process-enrichment.sh \
	tests/integration/test-stack-traces.sh \
	tests/integration/test-policy-kill.sh \
	tests/integration/test-daemon-basics.sh \
	tests/integration/test-validate-kernel.sh \
	tests/integration/test-library.sh \
	tests/integration/test-self-tracing.sh \
	tests/integration/test-policy-table-full.sh
TESTS += $(INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
dist_noinst_DATA += tests/lib/testenv.sh
# Tetragon's export schema, checked against every integration test's events (issue 13).
dist_noinst_DATA += tests/data/tetragon-schema.txt tests/lib/check-schema.jq
dist_noinst_SCRIPTS += tests/lib/readme-install-steps.sh
# They run the built daemon.
$(INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl
# test-validate-kernel.sh's own word on the BPF LSM: a program that loads one.
$(addsuffix .log,tests/integration/test-validate-kernel.sh): tests/vm/tetragond-vm-probe
# test-stack-traces.sh's program: a function of its own for the uprobe to name.
check_PROGRAMS += tests/helpers/stack-target
tests_helpers_stack_target_SOURCES = tests/helpers/stack-target.c
$(addsuffix .log,tests/integration/test-stack-traces.sh): tests/helpers/stack-target$(EXEEXT)
# Issue 14: GetUrl and DnsLookup against the test's own HTTP and DNS server, in a network
# namespace of its own.
INTEGRATION_TESTS += tests/integration/test-policy-canary.sh
dist_noinst_SCRIPTS += tests/lib/canary-server.py

# spec.loader's process_loader events (issue 13): a program that dlopen()s a shared object
# built here with a build id, which the test reads back with readelf -n.
LOADER_INTEGRATION_TESTS = tests/integration/test-process-loader.sh
TESTS += $(LOADER_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(LOADER_INTEGRATION_TESTS)
check_PROGRAMS += tests/helpers/loader-target
tests_helpers_loader_target_SOURCES = tests/helpers/loader-target.c
tests_helpers_loader_target_LDADD = -ldl
EXTRA_DIST += tests/helpers/loader-lib.c
CLEANFILES += tests/helpers/loader-lib.so tests/helpers/loader-lib.buildid
# Its build id as readelf -n reads it, beside it: the guest has no binutils.
tests/helpers/loader-lib.so: tests/helpers/loader-lib.c
	$(AM_V_CC)$(MKDIR_P) tests/helpers && \
		$(CC) $(CFLAGS) -shared -fPIC -Wl,--build-id=sha1 -o $@ $(srcdir)/tests/helpers/loader-lib.c && \
		readelf -n $@ | sed -n 's/^ *Build ID: \([0-9a-f]*\)$$/\1/p' >tests/helpers/loader-lib.buildid
# (Automake names each log X.sh.log: no TEST_EXTENSIONS are set.)
$(addsuffix .log,tests/integration/test-process-loader.sh): \
	tetragond tetractl \
	tests/helpers/loader-target$(EXEEXT) tests/helpers/loader-lib.so

# Integration, the control plane end to end: the D-Bus API (daemon/tetragond-bus.c) on a
# private dbus-daemon (tests/lib/bus.sh), the watched folder, tetractl, the no-gap reload
# (skips without an engine), the catalog, the unit.
CONTROL_INTEGRATION_TESTS = \
	tests/integration/test-dbus-api.sh \
	tests/integration/test-policy-folder.sh \
	tests/integration/test-tetractl.sh \
	tests/integration/test-unit-scope.sh \
	tests/integration/test-reload-no-gap.sh \
	tests/integration/test-catalog.sh \
	tests/integration/test-unit-file.sh \
	tests/integration/test-policy-disclosure.sh
TESTS += $(CONTROL_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(CONTROL_INTEGRATION_TESTS)
dist_noinst_DATA += tests/lib/bus.sh
$(CONTROL_INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl systemd/tetragond.service

# Integration, pinned state (daemon/pinned-state.c): enforcement across SIGKILL and restart, a
# writer loop with no miss, nothing of an earlier run left; lockdown over D-Bus and tetractl.
PERSIST_INTEGRATION_TESTS = \
	tests/integration/test-pinned-restart.sh \
	tests/integration/test-pinned-adopt.sh \
	tests/integration/test-lockdown.sh
TESTS += $(PERSIST_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(PERSIST_INTEGRATION_TESTS)
$(PERSIST_INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl

# tetractl as a user meets it: the bus name, the CLI's verbs and getevents.
NEWCOMER_INTEGRATION_TESTS = \
	tests/integration/test-bus-name.sh \
	tests/integration/test-getevents.sh
TESTS += $(NEWCOMER_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(NEWCOMER_INTEGRATION_TESTS)
$(NEWCOMER_INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl

# The configuration and the event stream's controls (daemon/config.c and the controls): every place and precedence,
# export filters, redaction, rate limits.
CONFIG_INTEGRATION_TESTS = \
	tests/integration/test-config.sh \
	tests/integration/test-export-filters.sh \
	tests/integration/test-redaction.sh \
	tests/integration/test-rate-limit.sh \
	tests/integration/test-cgroup-rate.sh
TESTS += $(CONFIG_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(CONFIG_INTEGRATION_TESTS)
$(CONFIG_INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl

# Metrics (daemon/metrics*.c): --metrics-server off by default and on, scraped during an exec
# storm and a policy firing against tetractl status/show; tetractl metrics; tetragond-metrics as
# nobody. The fleet: a policy event through systemd-journal-upload to systemd-journal-remote.
METRICS_INTEGRATION_TESTS = tests/integration/test-metrics.sh \
	tests/integration/test-journal-upload.sh
TESTS += $(METRICS_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(METRICS_INTEGRATION_TESTS)
$(METRICS_INTEGRATION_TESTS:.sh=.sh.log): tetragond tetractl tetragond-metrics

# tetragond as a systemd service, systemd as PID 1 in systemd-nspawn on this machine:
# `make check-nspawn` (builds for /usr in tests/nspawn/build, make install into an overlay of
# /, boots it). Not part of `make check`: it boots a container. Exit 77: cannot run here, a
# skip outside CI and a failure in CI.
dist_noinst_SCRIPTS += tests/nspawn/run.sh tests/nspawn/guest-test.sh
check-nspawn:
	$(AM_V_at)bash $(abs_top_srcdir)/tests/nspawn/run.sh $(abs_top_srcdir) $(abs_top_builddir); \
	status=$$?; if [ $$status -eq 77 ] && [ "$${CI:-}" != true ]; then \
		echo "SKIP: nspawn"; exit 0; fi; exit $$status
.PHONY: check-nspawn

# Whole-system tests in a qemu guest with Debian's kernels and systemd as PID 1:
# `make check-vm`, see tests/vm/README.md. Not part of `make check`: it boots a machine.
EXTRA_PROGRAMS = tests/vm/tetragond-vm-probe
tests_vm_tetragond_vm_probe_SOURCES = tests/vm/probe.c
tests_vm_tetragond_vm_probe_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) -I$(top_builddir)/tests/vm
tests_vm_tetragond_vm_probe_LDADD = $(LIBBPF_LIBS) $(LIBELF_LIBS) -lz
tests/vm/tetragond_vm_probe-probe.$(OBJEXT): tests/vm/probe.skel.h
CLEANFILES += tests/vm/tetragond-vm-probe tests/vm/probe.bpf.o tests/vm/probe.skel.h

tests/vm/probe.bpf.o: tests/vm/probe.bpf.c $(BPF_INCLUDES)
	@$(MKDIR_P) tests/vm
	$(AM_V_BPF)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

tests/vm/probe.skel.h: tests/vm/probe.bpf.o
	$(AM_V_SKEL)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

VM_HARNESS = tests/vm/build-image.sh tests/vm/run.sh tests/vm/stage-product.sh \
	tests/vm/stage-tree.sh tests/vm/guest-runner.sh tests/vm/guest/kernel-features.sh \
	tests/vm/guest/service.sh tests/vm/guest/control-plane.sh tests/vm/guest/reload.sh \
	tests/vm/guest/seed-demo.sh tests/vm/guest/engine-kprobe.sh tests/vm/guest/engine.sh \
	tests/vm/guest/engine-functions.sh tests/vm/guest/integration.sh \
	tests/vm/guest/corpus-load.sh tests/vm/guest/validate-agrees.sh tests/vm/guest/bypass.sh \
	tests/vm/guest/units.sh tests/vm/guest/zz-persist.sh tests/vm/guest/zz-readme.sh \
	tests/vm/guest/library.sh
dist_noinst_SCRIPTS += $(VM_HARNESS)
dist_noinst_DATA += tests/vm/README.md tests/vm/guest-lib.sh tests/vm/tetragond-vm-suite.service
EXTRA_DIST += tests/vm/probe.bpf.c

# Cached between runs: the image (tests/vm/cache, or $TETRAGOND_VM_CACHE) and the product's
# distribution-path build (tests/vm/product-build). Exit 77 from build-image.sh: this host
# cannot build the guest, a skip outside CI (build-image.sh fails instead under CI=true).
VM_ENV = TETRAGOND_VM_CACHE="$${TETRAGOND_VM_CACHE:-$(abs_top_builddir)/tests/vm/cache}"
# The engine's own test binaries run in the guest too (guest/engine.sh, guest/corpus-load.sh),
# where cmocka was found; so does the integration suite (guest/integration.sh), with the build's
# daemon and tetractl, staged with its inputs and the corpus by stage-tree.sh.
if HAVE_CMOCKA
VM_ENGINE_TEST = $(ENGINE_TESTS:=$(EXEEXT)) tests/test-policy-corpus-load$(EXEEXT)
VM_ENGINE_HELPER = $(patsubst %,--helper $(abs_top_builddir)/%,$(VM_ENGINE_TEST))
endif
VM_RUN_ARGS = --product $(abs_top_builddir)/tests/vm/product-root \
	--tree $(abs_top_builddir)/tests/vm/tree \
	--helper $(abs_top_builddir)/tests/vm/tetragond-vm-probe $(VM_ENGINE_HELPER)
# The whole suite boots Debian's default kernel (linux-image-amd64, 6.1); a second kernel
# (linux-image-$(VM_SECOND_KERNEL)-amd64) boots the same root image for the tests that prove
# CO-RE and the verifier on a newer kernel: the probes, the corpus table, the engine's programs,
# the seed demo, and validate-agrees (validate and the daemon plan alike).
# `make check-vm VM_SECOND_KERNEL=` boots only the first.
VM_SECOND_KERNEL = 6.12
VM_SECOND_KERNEL_TESTS = kernel-features corpus-load engine seed-demo validate-agrees
check-vm: tests/vm/tetragond-vm-probe $(VM_ENGINE_TEST) tests/bypass/bypass$(EXEEXT) tetragond tetractl systemd/tetragond.service
	$(AM_V_at)MAKE="$(MAKE)" bash $(abs_top_srcdir)/tests/vm/stage-product.sh \
		$(abs_top_srcdir) $(abs_top_builddir) $(abs_top_builddir)/tests/vm/product-root
	$(AM_V_at)bash $(abs_top_srcdir)/tests/vm/stage-tree.sh \
		$(abs_top_srcdir) $(abs_top_builddir) $(abs_top_builddir)/tests/vm/tree
	$(AM_V_at)$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/build-image.sh; status=$$?; \
	if [ $$status -eq 77 ]; then echo "SKIP: vm (this host cannot build the guest)"; exit 0; fi; \
	[ $$status -eq 0 ] || exit $$status; \
	$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/run.sh $(VM_RUN_ARGS) || status=1; \
	if [ -n "$(VM_SECOND_KERNEL)" ]; then \
		$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/build-image.sh \
			--kernel $(VM_SECOND_KERNEL) && \
		$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/run.sh $(VM_RUN_ARGS) \
			--kernel $(VM_SECOND_KERNEL) $(VM_SECOND_KERNEL_TESTS) || status=1; \
	fi; \
	exit $$status
.PHONY: check-vm

# The Debian package in the qemu guest (debian/): built twice from this tree, installed on a
# guest without the product, upgraded, removed, purged (tests/vm/guest/package.sh). Not part
# of `make check`; CI (tools/bootstrap.sh) builds the packages while `make check-vm` runs
# (package-check.sh --build-only), then boots with VM_PACKAGE_STEP=--boot-only.
# Exit 77: cannot run here, a failure under CI=true.
dist_noinst_SCRIPTS += tests/vm/package-check.sh tests/vm/guest/package.sh
VM_PACKAGE_STEP =
check-vm-package:
	$(AM_V_at)$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/package-check.sh $(VM_PACKAGE_STEP) \
		$(abs_top_srcdir) $(abs_top_builddir); \
	status=$$?; if [ $$status -eq 77 ] && [ "$${CI:-}" != true ]; then \
		echo "SKIP: vm-package"; exit 0; fi; exit $$status
.PHONY: check-vm-package

# The bypass suite (issue 19): tests/bypass/bypass.c tries every way we know to change a file,
# tests/bypass/run.sh loads a policy and tabulates blocked / detected / passed per technique,
# and the test holds the library's protect-file policy to the committed table.
check_PROGRAMS += tests/bypass/bypass
tests_bypass_bypass_SOURCES = tests/bypass/bypass.c
tests_bypass_bypass_CFLAGS = $(AM_CFLAGS) -pthread
tests_bypass_bypass_LDADD = -lpthread
dist_noinst_SCRIPTS += tests/bypass/run.sh
BYPASS_TESTS = tests/bypass/test-protect-file.sh tests/bypass/test-same-file.sh
TESTS += $(BYPASS_TESTS)
dist_noinst_SCRIPTS += $(BYPASS_TESTS)
dist_noinst_DATA += tests/bypass/expected-fallback.txt tests/bypass/expected-lsm.txt \
	tests/bypass/policies/seed.yaml
$(BYPASS_TESTS:.sh=.sh.log): tetragond tetractl tests/bypass/bypass$(EXEEXT)
