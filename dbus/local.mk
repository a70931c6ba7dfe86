# The D-Bus API (issue 5): who may own and call io.tetragond1, the polkit actions
# that allow changes to non-root callers, and the interfaces' introspection.
dist_dbuspolicy_DATA = dbus/io.tetragond1.conf

dist_polkitaction_DATA = dbus/io.tetragond1.policy

dist_dbusinterface_DATA = \
	dbus/io.tetragond1.Manager.xml \
	dbus/io.tetragond1.Policy.xml

# The interface, in words.
EXTRA_DIST += doc/tetragond-api.txt doc/tetragond-fleet.md
