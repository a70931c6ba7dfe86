# The service units, with the install paths substituted; the metrics socket (off until
# enabled) and its service.
systemdsystemunit_DATA = systemd/tetragond.service systemd/tetragond-metrics.service
dist_systemdsystemunit_DATA = systemd/tetragond-metrics.socket
CLEANFILES += systemd/tetragond.service systemd/tetragond-metrics.service
EXTRA_DIST += systemd/tetragond.service.in systemd/tetragond-metrics.service.in

# The metrics service's user, created by systemd-sysusers (packages call it after install).
sysusersdir = $(prefix)/lib/sysusers.d
dist_sysusers_DATA = systemd/sysusers.d/tetragond.conf

systemd/tetragond-metrics.service: systemd/tetragond-metrics.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' $< > $@

systemd/tetragond.service: systemd/tetragond.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' $< > $@

# The journal message catalog (journalctl -x), for the MESSAGE_IDs of
# daemon/message-ids.h and daemon/policy-registry.h. journalctl reads only its compiled
# database: `make install` updates it when it installed where journalctl reads catalogs, in
# the running system (packages do the same in their postinst; DESTDIR leaves it to them).
dist_catalog_DATA = systemd/tetragond.catalog

install-data-hook: install-catalog-hook
install-catalog-hook:
	$(AM_V_at)case "$(DESTDIR)$(catalogdir)" in \
	/usr/lib/systemd/catalog | /lib/systemd/catalog | /etc/systemd/catalog) \
		if command -v journalctl >/dev/null; then journalctl --update-catalog || \
			echo "journalctl --update-catalog failed, ignoring."; fi ;; \
	esac
.PHONY: install-catalog-hook
