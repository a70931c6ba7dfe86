# Benchmarks: the daemon's cost as ratios against the same machine without
# it, measured interleaved in one run. Not part of `make check`.
noinst_PROGRAMS += bench/loop
bench_loop_SOURCES = bench/loop.c

# The kernel's floor for syscall hooks on this machine: an empty program on
# tp_btf/sys_enter, attached while a workload runs. Built for `make bench` only.
EXTRA_PROGRAMS += bench/with-empty-sys-enter
bench_with_empty_sys_enter_SOURCES = bench/with-empty-sys-enter.c
bench_with_empty_sys_enter_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) -I$(top_builddir)/bench
bench_with_empty_sys_enter_LDADD = $(LIBBPF_LIBS) $(LIBELF_LIBS) -lz
bench/with_empty_sys_enter-with-empty-sys-enter.$(OBJEXT): bench/empty-sys-enter.skel.h
CLEANFILES += bench/with-empty-sys-enter bench/empty-sys-enter.bpf.o \
	bench/empty-sys-enter.skel.h
EXTRA_DIST += bench/empty-sys-enter.bpf.c

bench/empty-sys-enter.bpf.o: bench/empty-sys-enter.bpf.c bpf/vmlinux.h
	@$(MKDIR_P) bench
	$(AM_V_BPF)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

bench/empty-sys-enter.skel.h: bench/empty-sys-enter.bpf.o
	$(AM_V_SKEL)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@
dist_noinst_SCRIPTS += bench/bench-exec.sh bench/bench-write.sh bench/journal-flood.sh \
	bench/bench-enrich.sh

bench: bench/loop bench/with-empty-sys-enter tetragond
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(abs_top_srcdir)/bench/bench-exec.sh
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(abs_top_srcdir)/bench/bench-write.sh
.PHONY: bench

# What each enrichment option (issue 13) adds to an exec, against the daemon without them.
bench-enrich: bench/loop tetragond
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(abs_top_srcdir)/bench/bench-enrich.sh
.PHONY: bench-enrich
