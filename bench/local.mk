# Benchmarks: the daemon's cost as ratios against the same machine without
# it, measured interleaved in one run. Not part of `make check`.
noinst_PROGRAMS += bench/loop
bench_loop_SOURCES = bench/loop.c
dist_noinst_SCRIPTS += bench/bench-exec.sh bench/bench-write.sh

bench: bench/loop tetragond
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(abs_top_srcdir)/bench/bench-exec.sh
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(abs_top_srcdir)/bench/bench-write.sh
.PHONY: bench
