# Unit tests (cmocka), then integration tests that need root and real BPF.
# Each block belongs to one module; tests/data/ holds their inputs.
AM_TESTS_ENVIRONMENT = \
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	export top_srcdir top_builddir;

TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	-DTEST_DATA_DIR=\"$(abs_top_srcdir)/tests/data\"
TEST_LIBS = $(CMOCKA_LIBS) $(TETRAGOND_LIBS)

EXTRA_DIST += tests/data

# The sinks of the event path (issue 2): JSON, compact line, journal fields, export file.
# Only their own sources, so they build before the rest of the daemon exists.
if HAVE_CMOCKA
SINK_TESTS = tests/test-event-json tests/test-event-format tests/test-sink-journal \
	tests/test-export-file
check_PROGRAMS += $(SINK_TESTS)
TESTS += $(SINK_TESTS)
endif
tests_test_event_json_SOURCES = tests/test-event-json.c daemon/event-json.c lib/utf8.c \
	lib/syscall-table.c lib/policy.c lib/arena.c
tests_test_event_json_CFLAGS = $(TEST_CFLAGS)
tests_test_event_json_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)
tests_test_event_format_SOURCES = tests/test-event-format.c lib/event-format.c lib/utf8.c
tests_test_event_format_CFLAGS = $(TEST_CFLAGS)
tests_test_event_format_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)
tests_test_sink_journal_SOURCES = tests/test-sink-journal.c daemon/sink-journal.c \
	daemon/event-json.c lib/utf8.c lib/syscall-table.c lib/policy.c lib/arena.c
tests_test_sink_journal_CFLAGS = $(TEST_CFLAGS)
tests_test_sink_journal_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS) $(LIBSYSTEMD_LIBS)
tests_test_export_file_SOURCES = tests/test-export-file.c daemon/export-file.c
tests_test_export_file_CFLAGS = $(TEST_CFLAGS)
tests_test_export_file_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)

# The control plane (issue 5): the policy folder on a temporary directory, and the registry
# against a fake engine (written in the test; the product has none).
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

# The control plane end to end: the D-Bus API on a private dbus-daemon (tests/lib/bus.sh), the
# watched folder, tetractl, the no-gap reload (skips without an engine), the catalog, the unit.
CONTROL_INTEGRATION_TESTS = \
	tests/integration/test-dbus-api.sh \
	tests/integration/test-policy-folder.sh \
	tests/integration/test-tetractl.sh \
	tests/integration/test-reload-no-gap.sh \
	tests/integration/test-catalog.sh \
	tests/integration/test-unit-file.sh
TESTS += $(CONTROL_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(CONTROL_INTEGRATION_TESTS)
dist_noinst_DATA += tests/lib/bus.sh
$(CONTROL_INTEGRATION_TESTS:.sh=.log): tetragond tetractl systemd/tetragond.service

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

# Process visibility (issue 2): record decode, process cache, and the BPF process monitor
# (root and real BPF; exit 77 without root). Only their own sources.
if HAVE_CMOCKA
PROCESS_TESTS = tests/test-record-decode tests/test-process-cache tests/test-process-monitor
check_PROGRAMS += $(PROCESS_TESTS)
TESTS += $(PROCESS_TESTS)
endif
tests_test_record_decode_SOURCES = tests/test-record-decode.c daemon/record-decode.c \
	daemon/record-decode-generic.c
tests_test_record_decode_CFLAGS = $(TEST_CFLAGS)
tests_test_record_decode_LDADD = $(CMOCKA_LIBS)
tests_test_process_cache_SOURCES = tests/test-process-cache.c daemon/process-cache.c \
	daemon/process.c daemon/record-decode.c daemon/record-decode-generic.c
tests_test_process_cache_CFLAGS = $(TEST_CFLAGS)
tests_test_process_cache_LDADD = $(CMOCKA_LIBS)
tests_test_process_monitor_SOURCES = tests/test-process-monitor.c daemon/process-monitor.c daemon/pinned-state.c \
	daemon/record-decode.c daemon/record-decode-generic.c
tests_test_process_monitor_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_process_monitor_LDADD = $(CMOCKA_LIBS) $(LIBBPF_LIBS) $(LIBELF_LIBS) -lz -lpthread
daemon/tests_test_process_monitor-process-monitor.$(OBJEXT): bpf/process.skel.h

# The policy language (issue 3): parse, validate, compile; the real-world corpus through
# tetractl validate (skips when ../shared/corpus is absent).
if HAVE_CMOCKA
POLICY_TESTS = tests/test-policy
check_PROGRAMS += $(POLICY_TESTS)
TESTS += $(POLICY_TESTS)
endif
tests_test_policy_SOURCES = tests/test-policy.c
tests_test_policy_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) $(JANSSON_LIBS)
TESTS += tests/test-policy-corpus.sh
dist_noinst_SCRIPTS += tests/test-policy-corpus.sh tests/fuzz/run-fuzz.sh
tests/test-policy-corpus.log: tetractl
# libFuzzer target (configure --enable-fuzzing CC=clang); tests/fuzz/run-fuzz.sh runs it.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-policy
endif
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c lib/arena.c lib/diagnostic.c \
	lib/yaml-tree.c lib/policy.c lib/policy-parse.c lib/policy-compile.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
tests_fuzz_fuzz_policy_LDFLAGS = -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_policy_LDADD = $(YAML_LIBS)

# Integration (root, real BPF, private journald): the daemon end to end.
INTEGRATION_TESTS = \
	tests/integration/test-process-events.sh \
	tests/integration/test-policy-kill.sh \
	tests/integration/test-daemon-basics.sh \
	tests/integration/test-validate-kernel.sh
TESTS += $(INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
dist_noinst_DATA += tests/lib/testenv.sh
# They run the built daemon.
$(INTEGRATION_TESTS:.sh=.log): tetragond tetractl

# Whole-system tests in a qemu guest with Debian's kernel and systemd as PID 1 (issue 6):
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
	tests/vm/guest/corpus-load.sh tests/vm/guest/validate-agrees.sh
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
VM_ENGINE_TEST = tests/test-policy-engine$(EXEEXT) tests/test-policy-corpus-load$(EXEEXT)
VM_ENGINE_HELPER = --helper $(abs_top_builddir)/tests/test-policy-engine$(EXEEXT) \
	--helper $(abs_top_builddir)/tests/test-policy-corpus-load$(EXEEXT)
endif
check-vm: tests/vm/tetragond-vm-probe $(VM_ENGINE_TEST) tetragond tetractl systemd/tetragond.service
	$(AM_V_at)MAKE="$(MAKE)" bash $(abs_top_srcdir)/tests/vm/stage-product.sh \
		$(abs_top_srcdir) $(abs_top_builddir) $(abs_top_builddir)/tests/vm/product-root
	$(AM_V_at)bash $(abs_top_srcdir)/tests/vm/stage-tree.sh \
		$(abs_top_srcdir) $(abs_top_builddir) $(abs_top_builddir)/tests/vm/tree
	$(AM_V_at)$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/build-image.sh; status=$$?; \
	if [ $$status -eq 77 ]; then echo "SKIP: vm (this host cannot build the guest)"; exit 0; fi; \
	[ $$status -eq 0 ] || exit $$status; \
	$(VM_ENV) bash $(abs_top_srcdir)/tests/vm/run.sh \
		--product $(abs_top_builddir)/tests/vm/product-root \
		--tree $(abs_top_builddir)/tests/vm/tree \
		--helper $(abs_top_builddir)/tests/vm/tetragond-vm-probe $(VM_ENGINE_HELPER)
.PHONY: check-vm

# The policy engine (issue 4): planning (pure), then the engine with real BPF (root; exit 77
# otherwise), and every corpus policy installed or refused with its reason.
if HAVE_CMOCKA
ENGINE_TESTS = tests/test-policy-plan tests/test-policy-engine
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS)
endif
# The engine's slot tables and installations, without a kernel (issue 16).
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
tests_test_policy_plan_SOURCES = tests/test-policy-plan.c
tests_test_policy_plan_CFLAGS = $(TEST_CFLAGS)
tests_test_policy_plan_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS) $(YAML_LIBS) \
	$(JANSSON_LIBS)
tests_test_policy_engine_SOURCES = tests/test-policy-engine.c
tests_test_policy_engine_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_policy_engine_LDADD = $(TEST_LIBS)
if HAVE_CMOCKA
TESTS += tests/test-policy-corpus-load
check_PROGRAMS += tests/test-policy-corpus-load
endif
# tetractl validate --kernel gives the daemon's verdict: the corpus planned both ways, compared
# file by file (issue 16; root, exit 77 otherwise).
if HAVE_CMOCKA
TESTS += tests/test-validate-agrees.sh
endif
dist_noinst_SCRIPTS += tests/test-validate-agrees.sh
dist_noinst_DATA += tests/lib/validate-agrees.sh
tests/test-validate-agrees.log: tetractl tests/test-policy-corpus-load$(EXEEXT)
tests_test_policy_corpus_load_SOURCES = tests/test-policy-corpus-load.c
tests_test_policy_corpus_load_CFLAGS = $(TEST_CFLAGS) $(LIBBPF_CFLAGS)
tests_test_policy_corpus_load_LDADD = $(TETRAGOND_LIBS)

# The tracepoint format parser: literal format files, and this machine's tracefs when mounted.
if HAVE_CMOCKA
check_PROGRAMS += tests/test-tracepoint-format
TESTS += tests/test-tracepoint-format
endif
tests_test_tracepoint_format_SOURCES = tests/test-tracepoint-format.c
tests_test_tracepoint_format_CFLAGS = $(TEST_CFLAGS)
tests_test_tracepoint_format_LDADD = lib/libtetragon-shared.a $(CMOCKA_LIBS)

# Pinned state (issue 11): enforcement across SIGKILL and restart, a writer loop with no
# miss, nothing of an earlier run left; lockdown over D-Bus and tetractl.
PERSIST_INTEGRATION_TESTS = \
	tests/integration/test-pinned-restart.sh \
	tests/integration/test-lockdown.sh
TESTS += $(PERSIST_INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(PERSIST_INTEGRATION_TESTS)
$(PERSIST_INTEGRATION_TESTS:.sh=.log): tetragond tetractl
