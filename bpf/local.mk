# BPF programs: x.bpf.c --clang--> x.bpf.o --bpftool--> x.skel.h, one
# skeleton per hook family. CO-RE against the committed vmlinux.h, so the
# build does not depend on the build machine's kernel.
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_TARGET_ARCH) \
	-I$(top_srcdir)/bpf -I$(top_builddir)/bpf $(BPF_SYS_INCLUDES) \
	-Wall -Wno-unused-function -Wno-compare-distinct-pointer-types

BPF_INCLUDES = \
	bpf/vmlinux.h \
	bpf/common.h \
	bpf/process.h \
	bpf/lib-path.h \
	bpf/lib-cred.h \
	bpf/lib-addr.h \
	bpf/policy.h \
	bpf/generic.h \
	bpf/generic-eval.h \
	bpf/generic-return.h \
	bpf/guard-state.h

BPF_PROGRAM_FILES = \
	bpf/process.bpf.c \
	bpf/generic.bpf.c \
	bpf/guard.bpf.c

BPF_OBJECTS = $(BPF_PROGRAM_FILES:.bpf.c=.bpf.o)
BPF_SKELETONS = $(BPF_PROGRAM_FILES:.bpf.c=.skel.h)
BUILT_SOURCES += $(BPF_SKELETONS)
CLEANFILES += $(BPF_OBJECTS) $(BPF_SKELETONS) $(BPF_OBJECTS:.o=.d)
EXTRA_DIST += $(BPF_PROGRAM_FILES) $(BPF_INCLUDES)

AM_V_BPF = $(am__v_BPF_@AM_V@)
am__v_BPF_ = $(am__v_BPF_@AM_DEFAULT_V@)
am__v_BPF_0 = @echo "  BPF     " $@;
am__v_BPF_1 =
AM_V_SKEL = $(am__v_SKEL_@AM_V@)
am__v_SKEL_ = $(am__v_SKEL_@AM_DEFAULT_V@)
am__v_SKEL_0 = @echo "  SKEL    " $@;
am__v_SKEL_1 =

# clang's own list of the headers each object read (bpf/x.bpf.d): a header left out of
# BPF_INCLUDES still rebuilds what includes it.
bpf/%.bpf.o: bpf/%.bpf.c $(BPF_INCLUDES)
	@$(MKDIR_P) bpf
	$(AM_V_BPF)$(BPF_CLANG) $(BPF_CFLAGS) -MD -MP -MF bpf/$*.bpf.d -c $< -o $@
-include $(BPF_OBJECTS:.o=.d)

bpf/%.skel.h: bpf/%.bpf.o
	$(AM_V_SKEL)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@
