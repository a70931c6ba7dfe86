/* SPDX-License-Identifier: Apache-2.0 */
#define CURL_DISABLE_TYPECHECK 1

#include <arpa/nameser.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* <resolv.h> brings <sys/param.h>'s MIN and MAX: macro.h has its own. */
#undef MIN
#undef MAX

#include "canary.h"

/* Enough for a burst of matches; past it, requests are dropped rather than delayed. */
#define CANARY_QUEUE_MAX 64U
#define CANARY_HTTP_CONNECT_TIMEOUT_MS 2000L
#define CANARY_HTTP_TIMEOUT_MS 5000L
/* Per server and attempt: res_nquery() waits at most retrans seconds, retry times. */
#define CANARY_DNS_RETRANS_SEC 2
#define CANARY_DNS_RETRY 1

typedef struct CanaryRequest {
        CanaryKind kind;
        char *target;
} CanaryRequest;

/* libcurl's functions, from dlopen(). */
typedef struct CurlSymbols {
        void *dl;
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_perform)(CURL *curl);
        void (*easy_cleanup)(CURL *curl);
} CurlSymbols;

struct Canary {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool started;
        bool stop; /* under lock; the worker reads it unlocked only to abort a transfer */
        CanaryRequest queue[CANARY_QUEUE_MAX];
        size_t head, n;
        CanaryStats stats;
        /* The worker's own. */
        CurlSymbols curl;
        int curl_state; /* 0 not loaded yet, 1 loaded, -errno could not be */
};

const char *canary_kind_to_string(CanaryKind k) {
        switch (k) {
        case CANARY_GET_URL:
                return "GetUrl";
        case CANARY_DNS_LOOKUP:
                return "DnsLookup";
        case _CANARY_KIND_MAX:
                break;
        }
        return NULL;
}

int canary_new(Canary **ret) {
        Canary *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->wake, NULL);
        *ret = c;
        return 0;
}

Canary *canary_free(Canary *c) {
        if (!c)
                return NULL;
        if (c->started) {
                pthread_mutex_lock(&c->lock);
                __atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
                pthread_cond_signal(&c->wake);
                pthread_mutex_unlock(&c->lock);
                pthread_join(c->thread, NULL);
        }
        for (size_t k = 0; k < c->n; k++)
                free(c->queue[(c->head + k) % CANARY_QUEUE_MAX].target);
        if (c->curl.dl)
                dlclose(c->curl.dl);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        return mfree(c);
}

static int curl_load(CurlSymbols *s) {
        s->dl = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!s->dl)
                return -EOPNOTSUPP;
        s->global_init = dlsym(s->dl, "curl_global_init");
        s->easy_init = dlsym(s->dl, "curl_easy_init");
        s->easy_setopt = dlsym(s->dl, "curl_easy_setopt");
        s->easy_perform = dlsym(s->dl, "curl_easy_perform");
        s->easy_cleanup = dlsym(s->dl, "curl_easy_cleanup");
        if (!s->global_init || !s->easy_init || !s->easy_setopt || !s->easy_perform ||
            !s->easy_cleanup)
                return -EOPNOTSUPP;
        if (s->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -ENOMEM;
        return 0;
}

static size_t discard_body(char *data, size_t size, size_t n, void *userdata) {
        (void) data;
        (void) userdata;
        return size * n;
}

/* Non-zero aborts the transfer: the daemon is stopping. */
static int abort_on_stop(void *userdata, curl_off_t a, curl_off_t b, curl_off_t c_, curl_off_t d) {
        Canary *c = userdata;

        (void) a;
        (void) b;
        (void) c_;
        (void) d;
        return __atomic_load_n(&c->stop, __ATOMIC_RELAXED);
}

static bool canary_get_url(Canary *c, const char *url) {
        CurlSymbols *s = &c->curl;
        CURLcode code;
        CURL *h;

        if (c->curl_state == 0)
                c->curl_state = curl_load(s) < 0 ? -EOPNOTSUPP : 1;
        if (c->curl_state < 0)
                return false;
        h = s->easy_init();
        if (!h)
                return false;
        /* http and https only, no redirect: the request goes to the URL's host, nowhere
         * else. No signals: this is a thread. */
        s->easy_setopt(h, CURLOPT_URL, url);
        s->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        s->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        s->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        s->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CANARY_HTTP_CONNECT_TIMEOUT_MS);
        s->easy_setopt(h, CURLOPT_TIMEOUT_MS, CANARY_HTTP_TIMEOUT_MS);
        s->easy_setopt(h, CURLOPT_USERAGENT, "tetragond");
        s->easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
        s->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
        s->easy_setopt(h, CURLOPT_XFERINFODATA, c);
        s->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        code = s->easy_perform(h);
        s->easy_cleanup(h);
        return code == CURLE_OK;
}

/* The resolver's own answer counts, a "no such name" too: the server was asked. */
static bool canary_dns_lookup(const char *name) {
        struct __res_state res = {};
        unsigned char answer[512];
        bool ok;
        int r;

        if (res_ninit(&res) < 0)
                return false;
        res.retrans = CANARY_DNS_RETRANS_SEC;
        res.retry = CANARY_DNS_RETRY;
        r = res_nquery(&res, name, ns_c_in, ns_t_a, answer, sizeof(answer));
        ok = r >= 0 || h_errno == HOST_NOT_FOUND || h_errno == NO_DATA;
        res_nclose(&res);
        return ok;
}

static void *canary_worker(void *userdata) {
        Canary *c = userdata;

        for (;;) {
                CanaryRequest q;
                bool ok = false;

                pthread_mutex_lock(&c->lock);
                while (c->n == 0 && !c->stop)
                        pthread_cond_wait(&c->wake, &c->lock);
                if (c->stop) {
                        pthread_mutex_unlock(&c->lock);
                        return NULL;
                }
                q = c->queue[c->head];
                c->head = (c->head + 1) % CANARY_QUEUE_MAX;
                c->n--;
                pthread_mutex_unlock(&c->lock);

                switch (q.kind) {
                case CANARY_GET_URL:
                        ok = canary_get_url(c, q.target);
                        break;
                case CANARY_DNS_LOOKUP:
                        ok = canary_dns_lookup(q.target);
                        break;
                case _CANARY_KIND_MAX:
                        break;
                }
                free(q.target);

                pthread_mutex_lock(&c->lock);
                if (ok)
                        c->stats.done[q.kind]++;
                else
                        c->stats.failed[q.kind]++;
                pthread_mutex_unlock(&c->lock);
        }
}

int canary_push(Canary *c, CanaryKind kind, const char *target) {
        char *copy;
        int r = 0;

        if (kind < 0 || kind >= _CANARY_KIND_MAX)
                return -EINVAL;
        copy = strdup(target);
        if (!copy)
                return -ENOMEM;
        pthread_mutex_lock(&c->lock);
        if (!c->started) {
                r = -pthread_create(&c->thread, NULL, canary_worker, c);
                c->started = r == 0;
        }
        if (r == 0 && c->n >= CANARY_QUEUE_MAX) {
                c->stats.dropped[kind]++;
                r = -ENOBUFS;
        }
        if (r == 0) {
                c->queue[(c->head + c->n) % CANARY_QUEUE_MAX] =
                        (CanaryRequest){ .kind = kind, .target = TAKE_PTR(copy) };
                c->n++;
                pthread_cond_signal(&c->wake);
        }
        pthread_mutex_unlock(&c->lock);
        free(copy);
        return r;
}

void canary_get_stats(Canary *c, CanaryStats *ret) {
        pthread_mutex_lock(&c->lock);
        *ret = c->stats;
        pthread_mutex_unlock(&c->lock);
}
