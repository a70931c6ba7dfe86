/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics-server.h"

/* Prometheus scrapes now and then; a few clients at once are plenty, and a slow one is
 * dropped rather than kept. */
#define METRICS_CONNECTION_LIMIT 16
#define METRICS_CONNECTION_TIMEOUT_SEC 10
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct MetricsServer {
        struct MHD_Daemon *daemon;
        int listen_fd;
        sd_event_source *io;
        sd_event_source *timer;
        MetricsGetText get_text;
        void *userdata;
};

int metrics_listen(const char *address, int *ret_fd) {
        _cleanup_free_ char *host = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct addrinfo *ai = NULL;
        const char *colon, *port;
        int r, one = 1;

        colon = strrchr(address, ':');
        if (!colon || !colon[1])
                return -EINVAL;
        port = colon + 1;
        if (address[0] == '[') {
                if (colon == address || colon[-1] != ']')
                        return -EINVAL;
                host = strndup(address + 1, colon - address - 2);
        } else if (colon > address)
                host = strndup(address, colon - address);
        if (colon > address && !host)
                return -ENOMEM;

        r = getaddrinfo(host, port,
                        &(struct addrinfo){
                                .ai_family = host ? AF_UNSPEC : AF_INET6,
                                .ai_socktype = SOCK_STREAM,
                                .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                        },
                        &ai);
        if (r == EAI_MEMORY)
                return -ENOMEM;
        if (r != 0)
                return -EADDRNOTAVAIL;

        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                freeaddrinfo(ai);
                return -errno;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (!host) {
                int zero = 0;

                /* ":PORT": IPv4 too, through the IPv6 socket. */
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        r = bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0 ? -errno : 0;
        freeaddrinfo(ai);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, char *text,
                               const char *content_type) {
        struct MHD_Response *response;
        enum MHD_Result result;

        response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (!response) {
                free(text);
                return MHD_NO;
        }
        (void) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
                (void) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        result = MHD_queue_response(c, status, response);
        MHD_destroy_response(response);
        return result;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text) {
        char *copy = strdup(text);

        return copy ? respond(c, status, copy, "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
        MetricsServer *s = cls;
        char *text = NULL, message[128];
        int r;

        if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD))
                return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET and HEAD.\n");
        if (!streq(url, "/metrics"))
                return respond_text(c, MHD_HTTP_NOT_FOUND, "Metrics are at /metrics.\n");

        r = s->get_text(s->userdata, &text);
        if (r < 0) {
                snprintf(message, sizeof(message), "Failed to gather the metrics: %s\n",
                         strerror(-r));
                return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, message);
        }
        return respond(c, MHD_HTTP_OK, text, METRICS_CONTENT_TYPE);
}

/* After each run, wake again when libmicrohttpd has something due (a timeout, or data it
 * already read). */
static int metrics_server_arm(MetricsServer *s) {
        MHD_UNSIGNED_LONG_LONG ms;
        int r;

        if (MHD_get_timeout(s->daemon, &ms) != MHD_YES)
                return sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        r = sd_event_source_set_time_relative(s->timer, ms * 1000);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        MetricsServer *s = userdata;

        (void) MHD_run(s->daemon);
        return metrics_server_arm(s);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        MetricsServer *s = userdata;

        (void) MHD_run(s->daemon);
        return metrics_server_arm(s);
}

int metrics_server_new(MetricsServer **ret, sd_event *event, int listen_fd, MetricsGetText get_text,
                       void *userdata) {
        _cleanup_(metrics_server_freep) MetricsServer *s = NULL;
        const union MHD_DaemonInfo *info;
        int flags, r;

        s = calloc(1, sizeof(*s));
        if (!s) {
                close(listen_fd);
                return -ENOMEM;
        }
        s->listen_fd = listen_fd;
        s->get_text = get_text;
        /* A socket from systemd is blocking unless NonBlocking=yes: an accept() after a
         * client went away must not stall the loop. */
        flags = fcntl(listen_fd, F_GETFL);
        if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        s->userdata = userdata;

        /* MHD_USE_EPOLL without a thread: it runs only when we call MHD_run(). */
        s->daemon = MHD_start_daemon(
                MHD_USE_EPOLL, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
                (MHD_socket) listen_fd, MHD_OPTION_CONNECTION_LIMIT,
                (unsigned) METRICS_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
                (unsigned) METRICS_CONNECTION_TIMEOUT_SEC, MHD_OPTION_END);
        if (!s->daemon)
                return -EIO;
        s->listen_fd = -EBADF; /* MHD_stop_daemon() closes it */
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return -EIO;

        r = sd_event_add_io(event, &s->io, info->epoll_fd, EPOLLIN, on_io, s);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &s->timer, CLOCK_MONOTONIC, 0, 0, on_timer, s);
        if (r < 0)
                return r;
        r = metrics_server_arm(s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

MetricsServer *metrics_server_free(MetricsServer *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->timer);
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        if (s->listen_fd >= 0)
                close(s->listen_fd);
        return mfree(s);
}
