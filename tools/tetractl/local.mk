# The command-line client.
bin_PROGRAMS += tetractl
tetractl_SOURCES = \
	tools/tetractl/tetractl.c tools/tetractl/tetractl.h \
	tools/tetractl/verb-validate.c \
	tools/tetractl/bus.c tools/tetractl/bus.h \
	tools/tetractl/verb-status.c \
	tools/tetractl/verb-lockdown.c \
	tools/tetractl/verb-policy.c \
	tools/tetractl/verb-getevents.c \
	tools/tetractl/pager.c tools/tetractl/pager.h \
	tools/tetractl/table.c tools/tetractl/table.h \
	tools/tetractl/verb-metrics.c \
	tools/tetractl/verb-library.c
tetractl_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	-DLIBRARY_DIR=\"$(datadir)/tetragond/library\"
tetractl_LDADD = lib/libtetragon-shared.a $(LIBSYSTEMD_LIBS) $(JANSSON_LIBS) $(YAML_LIBS) \
	$(LIBBPF_LIBS) $(LIBELF_LIBS) -lz

dist_man1_MANS = doc/tetractl.1
dist_bashcompletion_DATA = tools/tetractl/bash-completion/tetractl
