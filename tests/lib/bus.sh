# Sourced by integration tests after testenv.sh: a private system bus.
#
# dbus-daemon runs with a test configuration whose default policy is the system
# bus's (deny by default) and which includes the installed-style policy file
# dbus/io.tetragond1.conf, so the tests exercise the very file that ships.
# DBUS_SYSTEM_BUS_ADDRESS points tetragond, tetractl and busctl at it.
#
# The socket lives in a folder an unprivileged caller can reach, so the tests
# can call as nobody (setpriv --reuid=nobody --regid=nogroup --clear-groups).

BUS_PID=
BUS_DIR=
POLKIT_PID=

bus_cleanup() {
        [ -n "$POLKIT_PID" ] && kill "$POLKIT_PID" 2>/dev/null
        [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null
        testenv_cleanup
}

# bus_start [EXTRA-INCLUDE...]: extra policy files to include (e.g. polkit's).
bus_start() {
        local include
        command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
        BUS_DIR=$TESTENV_DIR/bus
        mkdir -p "$BUS_DIR"
        chmod 0711 "$TESTENV_DIR"
        chmod 0755 "$BUS_DIR"
        {
                cat <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BUS_DIR/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
EOF
                # BUS_WITHOUT_POLICY=1: the daemon's policy is read from $BUS_DIR, where
                # the test puts it later (then: kill -HUP "$BUS_PID").
                if [ -n "${BUS_WITHOUT_POLICY:-}" ]; then
                        echo "  <include ignore_missing=\"yes\">$BUS_DIR/io.tetragond1.conf</include>"
                else
                        echo "  <include>$top_srcdir/dbus/io.tetragond1.conf</include>"
                fi
                for include in "$@"; do
                        echo "  <include>$include</include>"
                done
                echo "</busconfig>"
        } >"$BUS_DIR/bus.conf"
        dbus-daemon --config-file="$BUS_DIR/bus.conf" --nofork --nopidfile \
                >"$BUS_DIR/dbus-daemon.log" 2>&1 &
        BUS_PID=$!
        trap bus_cleanup EXIT
        wait_for 10 "the private bus's socket" test -S "$BUS_DIR/system_bus_socket" ||
                fail "dbus-daemon did not start: $(cat "$BUS_DIR/dbus-daemon.log")"
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/system_bus_socket"
}

# A real polkitd on the private bus, reading only tetragond's actions file and the
# given rules file. Returns 1 (after saying why) when polkitd cannot run here.
polkit_start() {
        local rules=$1 polkitd=/usr/lib/polkit-1/polkitd
        [ -x "$polkitd" ] || { echo "polkitd is not installed"; return 1; }
        getent passwd polkitd >/dev/null || { echo "no polkitd user"; return 1; }
        mount -t tmpfs -o mode=0755 tmpfs /usr/share/polkit-1/actions
        cp "$top_srcdir/dbus/io.tetragond1.policy" /usr/share/polkit-1/actions/
        mkdir -p /etc/polkit-1/rules.d
        mount -t tmpfs -o mode=0755 tmpfs /etc/polkit-1/rules.d
        cp "$rules" /etc/polkit-1/rules.d/50-tetragond-test.rules
        chmod 0644 /etc/polkit-1/rules.d/50-tetragond-test.rules
        "$polkitd" --no-debug >"$BUS_DIR/polkitd.log" 2>&1 &
        POLKIT_PID=$!
        wait_for 20 "polkitd on the bus" busctl --system status org.freedesktop.PolicyKit1 \
                >/dev/null 2>&1 || {
                echo "polkitd did not come up: $(cat "$BUS_DIR/polkitd.log")"
                return 1
        }
}

# Run a command as an unprivileged user.
as_nobody() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# The D-Bus API, through busctl: bus_call METHOD SIGNATURE ARGS...
bus_call() {
        busctl --system --json=short call io.tetragond1 /io/tetragond1 io.tetragond1.Manager "$@"
}

bus_get() {
        busctl --system get-property io.tetragond1 /io/tetragond1 io.tetragond1.Manager "$@"
}

daemon_on_bus() {
        busctl --system status io.tetragond1 >/dev/null 2>&1
}

# bus_send [--as-nobody] METHOD [dbus-send ARGS...]: a Manager method through dbus-send,
# which prints errors as "Error NAME: MESSAGE" (busctl hides the name).
bus_send() {
        local prefix=()
        if [ "$1" = --as-nobody ]; then
                prefix=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
                shift
        fi
        local method=$1
        shift
        "${prefix[@]}" dbus-send --system --print-reply --dest=io.tetragond1 /io/tetragond1 \
                "io.tetragond1.Manager.$method" "$@" 2>&1
}

# The object path of a policy, from ListPolicies.
policy_path() {
        busctl --system --json=short call io.tetragond1 /io/tetragond1 io.tetragond1.Manager \
                ListPolicies | jq -r --arg n "$1" '.data[0][] | select(.[0] == $n) | .[6]'
}

# A policy object's property, as busctl prints it ("s \"loaded\"", "b true"...).
policy_get() {
        local path
        path=$(policy_path "$1")
        [ -n "$path" ] || return 1
        busctl --system get-property io.tetragond1 "$path" io.tetragond1.Policy "$2"
}
