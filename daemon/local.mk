# The daemon. Stages of the event path, in order: process-monitor (kernel),
# record-decode, process-cache (enrich), event-json + sinks.
sbin_PROGRAMS += tetragond

# Everything but main(), so unit tests link the same objects.
noinst_LIBRARIES += daemon/libtetragond-core.a
daemon_libtetragond_core_a_SOURCES = \
	daemon/log.c daemon/log.h \
	daemon/config.c daemon/config.h \
	daemon/json-lines.c daemon/json-lines.h \
	daemon/regex-list.c daemon/regex-list.h \
	daemon/event-filter.c daemon/event-filter.h \
	daemon/redaction.c daemon/redaction.h \
	daemon/cgroup-rate.c daemon/cgroup-rate.h \
	daemon/field-filter.c daemon/field-filter.h \
	daemon/system-setup.c daemon/system-setup.h \
	daemon/event.h \
	daemon/process.c \
	daemon/record-decode.c daemon/record-decode.h daemon/record-decode-generic.c \
	daemon/process-cache.c daemon/process-cache.h \
	daemon/canary.c daemon/canary.h \
	daemon/enrich-options.c daemon/enrich-options.h \
	daemon/user-names.c daemon/user-names.h \
	daemon/process-monitor.c daemon/process-monitor.h \
	daemon/loader-record.c daemon/loader-record.h \
	daemon/loader-sensor.c daemon/loader-sensor.h \
	daemon/pinned-state.c daemon/pinned-state.h \
	daemon/guard.c daemon/guard.h \
	daemon/event-json.c daemon/event-json.h \
	daemon/sink-journal.c daemon/sink-journal.h daemon/message-ids.h \
	daemon/export-file.c daemon/export-file.h \
	daemon/policy-dir.c daemon/policy-dir.h \
	daemon/policy-registry.c daemon/policy-registry.h daemon/policy-backend.h \
	daemon/policy-engine.c daemon/policy-engine.h daemon/policy-engine-internal.h \
	daemon/engine-tables.c daemon/engine-tables.h \
	daemon/engine-install.c daemon/engine-maps.c daemon/engine-attach.c daemon/engine-adopt.c \
	daemon/engine-units.c \
	daemon/enrich-policy.c daemon/stack-symbols.c daemon/stack-symbols.h \
	daemon/tetragond-bus.c daemon/tetragond-bus.h lib/bus-api.h \
	daemon/metrics.c daemon/metrics.h daemon/metrics-server.c daemon/metrics-server.h \
	daemon/manager.c daemon/manager.h
daemon_libtetragond_core_a_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(LIBSYSTEMD_CFLAGS) \
	$(JANSSON_CFLAGS) $(YAML_CFLAGS) $(MICROHTTPD_CFLAGS) $(PCRE2_CFLAGS) $(LIBCURL_CFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\"
# The skeletons are generated before anything includes them.
daemon/libtetragond_core_a-process-monitor.$(OBJEXT): bpf/process.skel.h
daemon/libtetragond_core_a-guard.$(OBJEXT): bpf/guard.skel.h
daemon/libtetragond_core_a-policy-engine.$(OBJEXT): bpf/generic.skel.h
daemon/libtetragond_core_a-engine-install.$(OBJEXT): bpf/generic.skel.h
daemon/libtetragond_core_a-engine-maps.$(OBJEXT): bpf/generic.skel.h
daemon/libtetragond_core_a-engine-attach.$(OBJEXT): bpf/generic.skel.h

TETRAGOND_LIBS = daemon/libtetragond-core.a lib/libtetragon-shared.a \
	$(LIBBPF_LIBS) $(LIBELF_LIBS) $(LIBSYSTEMD_LIBS) $(JANSSON_LIBS) $(YAML_LIBS) \
	$(MICROHTTPD_LIBS) $(PCRE2_LIBS) -lz -lresolv

tetragond_SOURCES = daemon/tetragond.c
tetragond_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JANSSON_CFLAGS)
tetragond_LDADD = $(TETRAGOND_LIBS)

# The daemon's manual pages: tetragond(8) and the policy format, tetragon-policy(5).
dist_man8_MANS = doc/tetragond.8
dist_man5_MANS = doc/tetragon-policy.5
dist_man7_MANS = doc/tetragond-library.7

# The socket-activated metrics service (systemd/tetragond-metrics.socket): serves what it
# asks the daemon for over D-Bus, as an unprivileged dynamic user.
pkglibexec_PROGRAMS = tetragond-metrics
tetragond_metrics_SOURCES = daemon/tetragond-metrics.c daemon/metrics-server.c \
	daemon/metrics-server.h daemon/log.c daemon/log.h lib/bus-api.h
tetragond_metrics_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(MICROHTTPD_CFLAGS)
tetragond_metrics_LDADD = $(LIBSYSTEMD_LIBS) $(MICROHTTPD_LIBS)
