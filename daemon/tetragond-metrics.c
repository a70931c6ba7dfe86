/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tetragond-metrics: serves GET /metrics on the socket systemd hands it
 * (tetragond-metrics.socket), with the text it asks tetragond for over D-Bus
 * (GetMetrics, open to any caller). It runs as the unprivileged user tetragond-metrics,
 * reads nothing but that text and can change nothing: the daemon itself never listens on
 * the network unless --metrics-server says so.
 *
 * --listen=HOST:PORT instead of a socket from systemd: for tests and foreground use.
 */
#include <getopt.h>
#include <signal.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "bus-api.h"
#include "log.h"
#include "metrics-server.h"

/* A connection per scrape: the daemon or the bus may have restarted in between, and a
 * scrape every few seconds costs nothing. */
static int get_metrics(void *userdata, char **ret_text) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *text;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_warning_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_call_method(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "GetMetrics",
                               &error, &reply, NULL);
        /* dbus-daemon drops a caller whose uid it cannot resolve: a DynamicUser= without a
         * static user of its name. */
        if (r == -ENOTCONN)
                return log_warning_errno(r,
                                         "The system bus refused this user (uid %u): is it "
                                         "resolvable (systemd-sysusers tetragond.conf)?",
                                         (unsigned) getuid());
        if (r < 0)
                return log_warning_errno(r, "Failed to ask tetragond for its metrics: %s",
                                         error.message ?: strerror(-r));
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return log_warning_errno(r, "Failed to read tetragond's metrics: %m");
        *ret_text = strdup(text);
        return *ret_text ? 0 : -ENOMEM;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "listen", required_argument, NULL, 'l' },
                {},
        };
        _cleanup_(metrics_server_freep) MetricsServer *server = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        const char *listen = NULL;
        int c, fd, n, r;

        log_setup(LOG_TARGET_AUTO);
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: %s [--listen=HOST:PORT]\n\n"
                               "Serve tetragond's metrics on the socket systemd passes, or on "
                               "HOST:PORT.\n",
                               argv[0]);
                        return EXIT_SUCCESS;
                case 'l':
                        listen = optarg;
                        break;
                case '?':
                        return EXIT_FAILURE;
                default:
                        abort();
                }

        n = sd_listen_fds(true);
        if (n < 0) {
                log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
                return EXIT_FAILURE;
        }
        if (listen && n == 0) {
                r = metrics_listen(listen, &fd);
                if (r < 0) {
                        log_error_errno(r, "Failed to listen on %s: %m", listen);
                        return EXIT_FAILURE;
                }
        } else if (n == 1 && !listen)
                fd = SD_LISTEN_FDS_START;
        else {
                log_error("Expected one socket from systemd or --listen, not both or neither.");
                return EXIT_FAILURE;
        }

        r = sd_event_default(&event);
        if (r >= 0)
                r = metrics_server_new(&server, event, fd, get_metrics, NULL);
        if (r >= 0) {
                sigset_t mask;

                sigemptyset(&mask);
                sigaddset(&mask, SIGTERM);
                sigaddset(&mask, SIGINT);
                r = sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the metrics server: %m");
                return EXIT_FAILURE;
        }
        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(event);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
