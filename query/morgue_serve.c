/*
 * morgue_serve.c - the morgue-serve program: the JSON API and the search
 * page over HTTP (docs/http-api.md), on libmicrohttpd with a thread per
 * connection.  The answers come from api.c; this file is HTTP: listening,
 * parameters, headers, the access log, signals, and the lanes of workers
 * that answer.  Exit status: 0 stopped by SIGTERM or SIGINT, 2 usage error
 * or no index, 3 cannot listen.
 *
 * Why lanes: a search with prefixes ("sai* OR yea* OR com*") may take
 * most of a second over a large archive.  On libmicrohttpd's thread pool
 * each thread answers its connections one after another, so a /healthz
 * or a two-word search queued behind a flood of them for seconds.  Now
 * every connection has its thread, and the work that reads the index
 * takes a worker (a read-only connection) from its lane (api_lane()):
 * searches with a prefix from theirs, everything else from the main one,
 * each of --threads workers.  A flood of prefix searches fills its own
 * lane and shares the CPU; it never holds a place in the main lane.
 *
 * Why limits (guard.h): a thread per connection makes every connection
 * a place that one client can take.  Connections that have not sent
 * their headers are closed after --header-timeout, and give their place
 * to a new connection when all --max-connections are taken, so a crowd
 * of slow clients (slowloris) locks nobody out; one address may hold
 * --per-client connections and make --rate requests a second; the last
 * --healthz-slots places answer only /healthz.  Requests beyond the size
 * limits, and paths with control bytes, get a JSON error here, before
 * the API sees them.  docs/operations.md has the measurements.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "guard.h"
#include "store.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#ifndef MORGUE_DATADIR /* set by the Makefile: $(PREFIX)/share/morgue */
#define MORGUE_DATADIR "/usr/local/share/morgue"
#endif
#define MAX_THREADS 64
/* Requests beyond these get 414 or 431 (docs/http-api.md).  libmicrohttpd
 * needs room to read such a request to the end before we see it: its
 * memory per connection (MEMORY_PER_CONN, taken from the system only as
 * it is used) is a multiple of them, so that it is not libmicrohttpd that
 * answers, with its own HTML page or no answer at all. */
#define MAX_TARGET 16384 /* bytes of the request target */
#define MAX_HEADERS 64   /* header fields */
#define MAX_HEADER_BYTES 16384
#define MEMORY_PER_CONN ((size_t)1024 * 1024)

static const char CSP[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

static struct api *g_api;
static atomic_int g_inflight;
static atomic_int g_draining;
static int g_quiet;
static int g_timeout = 10; /* --timeout: seconds */
static struct guard *g_guard;
static struct guard_config g_lim = {.max_connections = 1000,
                                    .reserve = 8,
                                    .per_client = 64,
                                    .rate = 50,
                                    .burst = 100,
                                    .header_timeout = 5};

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One request, from its request line to its completion. */
struct request {
    char *target; /* as sent: path and query string */
    struct timespec start;
    char method[16];
    char version[16];
    int status;
    size_t bytes;
    int called;
    int answered;
    int refused;     /* the status of a refusal by screen(), else 0 */
    int retry_after; /* seconds, for the Retry-After of a 429 or 503 */
    char why[192];   /* the refusal's message */
};

static void usage(FILE *f)
{
    fputs("usage: morgue-serve [--db FILE] [--listen ADDR:PORT] "
          "[--threads N]\n"
          "Serves the search page and the JSON API (docs/http-api.md) of an\n"
          "index, read-only.\n"
          "\n"
          "  --db FILE          index file (default $MORGUE_DB, else "
          "./morgue.db)\n"
          "  --cluster FILE     search the Xapian shards a cluster file lists\n"
          "                     (docs/scale-out.md; /api/search, /healthz)\n"
          "  --on-shard-failure fail|partial\n"
          "                     a shard with no replica up: 503 naming it\n"
          "                     (default), or the other shards' hits, "
          "\"partial\"\n"
          "  --connect-timeout S, --query-timeout S  with --cluster (1, 2)\n"
          "  --keep-alive S     with --cluster: a keep-alive over the shard\n"
          "                     connections idle for S seconds (30; 0: off)\n"
          "  --listen ADDR:PORT where to listen (default " DEFAULT_LISTEN ",\n"
          "                     loopback only; [::1]:PORT for IPv6; port 0: "
          "any free\n"
          "                     port)\n"
          "  --threads N        requests that read the index at once, each "
          "on its\n"
          "                     own read-only connection, and as many "
          "searches\n"
          "                     with a prefix (word*) beside them (default: "
          "the\n"
          "                     number of cores)\n"
          "  --web DIR          the page's files (default $MORGUE_WEB, else\n"
          "                     query/web or share/morgue/web beside the "
          "program's\n"
          "                     folder, else " MORGUE_DATADIR "/web)\n"
          "  --timeout SECONDS  close idle connections, stop searches and "
          "give up\n"
          "                     waiting for a free worker after this long "
          "(503;\n"
          "                     default 10)\n"
          "  --cors ORIGIN      let pages of ORIGIN (https://news.example.org)"
          " call\n"
          "                     the API from a browser; repeatable or a "
          "comma list;\n"
          "                     * for any origin (default: none, same origin"
          " only)\n"
          "\n"
          "Limits (docs/operations.md); a 429 or 503 says Retry-After:\n"
          "  --max-connections N\n"
          "                     connections at once, all clients (default "
          "1000);\n"
          "                     when all are taken, the one that has waited "
          "longest\n"
          "                     for its headers is closed to make room\n"
          "  --healthz-slots N  of those, the last N answer only /healthz "
          "(503 for\n"
          "                     other requests; default 8)\n"
          "  --per-client N     connections at once from one address (503 "
          "past it,\n"
          "                     closed at twice it; default 64; 0: no "
          "limit)\n"
          "  --rate N           requests a second from one address (429 "
          "past it;\n"
          "                     default 50; 0: no limit)\n"
          "  --burst N          requests one address may make at once before "
          "--rate\n"
          "                     applies (default 100)\n"
          "  --header-timeout SECONDS\n"
          "                     close a connection that has not sent its "
          "request's\n"
          "                     headers this long after it opened or after "
          "its\n"
          "                     last answer (default 5)\n"
          "  --print-config     print every setting as \"key = value\" lines "
          "and exit\n"
          "\n"
          "  --quiet            no access log on standard error\n"
          "  -h, --help         this help\n"
          "  --version          the version\n"
          "\n"
          "SIGTERM or SIGINT: stop accepting, answer the requests under "
          "way, exit.\n"
          "Exit status: 0 stopped by a signal, 2 usage error or no index, "
          "3 cannot\n"
          "listen.\n",
          f);
}

static int parse_int(const char *s, const char *what, int lo, int hi, int *out)
{
    return mg_parse_int("morgue-serve", s, what, lo, hi, out);
}

/* Reads s as seconds from lo to 3600 (fractions allowed) into *out for
 * option what; -1 (said on stderr) when it is not. */
static int parse_seconds(const char *s, const char *what, double lo,
                         double *out)
{
    char *end;
    double sec = strtod(s, &end);
    if (end == s || *end || !(sec >= lo && sec <= 3600)) {
        fprintf(stderr,
                "morgue-serve: %s must be seconds from %g%s to 3600, "
                "not \"%s\"\n",
                what, lo, lo == 0 ? " (off)" : "", s);
        return -1;
    }
    *out = sec;
    return 0;
}

/* Splits "HOST:PORT", "[V6]:PORT" or "PORT" and resolves it into *ai
 * (caller frees with freeaddrinfo). */
static int parse_listen(const char *s, struct addrinfo **ai)
{
    char host[256] = "127.0.0.1", port[16];
    const char *colon = strrchr(s, ':');
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        colon = close + 1;
    } else if (colon) {
        if ((size_t)(colon - s) >= sizeof host || colon == s)
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    const char *p = colon ? colon + 1 : s;
    if (!*p || strlen(p) >= sizeof port ||
        strspn(p, "0123456789") != strlen(p) || atol(p) > 65535)
        goto bad;
    snprintf(port, sizeof port, "%s", p);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    int rc = getaddrinfo(host, port, &hints, ai);
    if (rc != 0) {
        fprintf(stderr, "morgue-serve: --listen %s: %s\n", s, gai_strerror(rc));
        return -1;
    }
    return 0;
bad:
    fprintf(stderr,
            "morgue-serve: --listen must be ADDR:PORT, [IPV6]:PORT "
            "or PORT, not \"%s\"\n",
            s);
    return -1;
}

/* The page's folder when --web is not given; NULL when none is found. */
static char *default_web(void)
{
    const char *env = getenv("MORGUE_WEB");
    if (env && *env)
        return strdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct stat st;
    if (n > 0) {
        exe[n] = '\0';
        /* bin/morgue-serve or build/san/bin/morgue-serve in a checkout;
         * PREFIX/bin/morgue-serve installed (make install, DESTDIR too) */
        char *dir = dirname(exe);
        const char *up[] = {"/../query/web", "/../../../query/web",
                            "/../share/morgue/web"};
        for (size_t i = 0; i < sizeof up / sizeof *up; i++) {
            char path[PATH_MAX + 32];
            snprintf(path, sizeof path, "%s%s", dir, up[i]);
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                return realpath(path, NULL);
        }
    }
    if (stat(MORGUE_DATADIR "/web", &st) == 0)
        return strdup(MORGUE_DATADIR "/web");
    return NULL;
}

/* The request target as the client sent it: the access log's, and the
 * start of the request's record. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->target = strdup(uri ? uri : "");
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    /* A target too long for us (414 in screen()) may hold more
     * parameters than libmicrohttpd has memory for, and then it closes
     * the connection without an answer.  It parses them after this call,
     * from the byte after the '?' it found before it, in its own
     * writable buffer (libmicrohttpd 0.9.x: parse_initial_message_line),
     * so an empty string there leaves it none to parse.  tests/limits.sh
     * ("40,000 parameters") fails should a new version stop doing so. */
    char *q = uri ? strchr(uri, '?') : NULL;
    if (q && strlen(uri) > MAX_TARGET)
        q[1] = '\0';
    atomic_fetch_add(&g_inflight, 1);
    return r;
}

/* Appends s to the log line, with control characters, quotes, backslashes
 * and non-ASCII bytes as \xNN so a line can't be forged. */
static void log_escaped(struct buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            buf_printf(b, "\\x%02x", c);
        else
            buf_addc(b, (char)c);
    }
}

/* The connection's slot in g_guard (NULL: not limited). */
static struct guard_conn *slot_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    guard_done(g_guard, slot_of(c), now_s());
    if (!g_quiet) {
        char addr[64] = "-";
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr)
            getnameinfo(ci->client_addr,
                        ci->client_addr->sa_family == AF_INET6
                            ? sizeof(struct sockaddr_in6)
                            : sizeof(struct sockaddr_in),
                        addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
        struct timespec end;
        clock_gettime(CLOCK_MONOTONIC, &end);
        double ms = (double)(end.tv_sec - r->start.tv_sec) * 1e3 +
                    (double)(end.tv_nsec - r->start.tv_nsec) / 1e6;
        time_t t = time(NULL);
        struct tm tm;
        char when[64];
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S %z", &tm);
        struct buf line = {0};
        buf_printf(&line, "%s - - [%s] \"", addr, when);
        log_escaped(&line, r->method[0] ? r->method : "-", 16);
        buf_addc(&line, ' ');
        log_escaped(&line, r->target, 2048);
        buf_addc(&line, ' ');
        log_escaped(&line, r->version[0] ? r->version : "-", 16);
        if (r->answered)
            buf_printf(&line, "\" %d %zu %.1f\n", r->status, r->bytes, ms);
        else
            buf_printf(&line, "\" - - %.1f\n", ms);
        fputs(line.s, stderr);
        buf_free(&line);
    }
    free(r->target);
    free(r);
    atomic_fetch_sub(&g_inflight, 1);
}

/* A lane: workers for one kind of request (api_lane()), each used by
 * one request at a time; a request waits for a free one. */
struct lane {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    struct api_worker *free[MAX_THREADS];
    int nfree;
};

static struct lane g_main, g_prefix;
static struct api_worker *g_static; /* for requests that read no index */

static void lane_init(struct lane *l, int n)
{
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->freed, &ca);
    pthread_condattr_destroy(&ca);
    for (int i = 0; i < n; i++)
        l->free[i] = api_worker_new(g_api);
    l->nfree = n;
}

/* Frees the lane's workers; every one must have been given back. */
static void lane_free(struct lane *l)
{
    for (int i = 0; i < l->nfree; i++)
        api_worker_free(l->free[i]);
    l->nfree = 0;
    pthread_cond_destroy(&l->freed);
    pthread_mutex_destroy(&l->mu);
}

/* A free worker of the lane, waiting up to wait seconds; NULL when none
 * came free in time. */
static struct api_worker *lane_take(struct lane *l, double wait)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)wait;
    until.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    struct api_worker *w = NULL;
    pthread_mutex_lock(&l->mu);
    while (l->nfree == 0 &&
           pthread_cond_timedwait(&l->freed, &l->mu, &until) != ETIMEDOUT)
        ;
    if (l->nfree > 0)
        w = l->free[--l->nfree];
    pthread_mutex_unlock(&l->mu);
    return w;
}

/* A free worker of the lane idle for idle seconds or more, taken out of
 * the lane; NULL when there is none (never waits). */
static struct api_worker *lane_take_idle(struct lane *l, double idle)
{
    struct api_worker *w = NULL;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->nfree && !w; i++)
        if (api_worker_idle(l->free[i]) >= idle) {
            w = l->free[i];
            l->free[i] = l->free[--l->nfree];
        }
    pthread_mutex_unlock(&l->mu);
    return w;
}

static void lane_give(struct lane *l, struct api_worker *w)
{
    pthread_mutex_lock(&l->mu);
    l->free[l->nfree++] = w;
    pthread_cond_signal(&l->freed);
    pthread_mutex_unlock(&l->mu);
}

struct params {
    struct api_param p[API_MAX_PARAMS + 1];
    int n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind,
                               const char *key, size_t key_size,
                               const char *value, size_t value_size)
{
    (void)kind;
    (void)key_size;
    struct params *ps = cls;
    if (ps->n == API_MAX_PARAMS + 1)
        return MHD_NO; /* too many: api_handle refuses the request */
    ps->p[ps->n].key = key;
    ps->p[ps->n].value = value ? value : "";
    ps->p[ps->n].len = value ? value_size : 0;
    ps->n++;
    return MHD_YES;
}

static int hex(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The first control byte of the target's path, raw or percent-encoded
 * (libmicrohttpd decodes "%00" and cuts the path there); -1 when none.
 * Raw control bytes in the query string count too. */
static int control_byte(const char *target)
{
    int in_path = 1;
    for (const unsigned char *p = (const unsigned char *)target; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return *p;
        if (*p == '?')
            in_path = 0;
        if (in_path && *p == '%' && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
            int b = hex(p[1]) * 16 + hex(p[2]);
            if (b < 0x20 || b == 0x7f)
                return b;
        }
    }
    return -1;
}

struct header_size {
    int n;
    size_t bytes;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
                                    const char *key, size_t key_size,
                                    const char *value, size_t value_size)
{
    (void)kind;
    (void)key;
    (void)value;
    struct header_size *h = cls;
    h->n++;
    h->bytes += key_size + value_size + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* Whether the request announces a body.  The API takes none, and a
 * connection busy with a request is never closed by the limits, so a
 * body sent a byte at a time would hold its place for good. */
static int has_body(struct MHD_Connection *c)
{
    const char *len =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                       "Transfer-Encoding") != NULL ||
           (len && strspn(len, "0 \t") != strlen(len));
}

/* Decides, once the request's headers are in, whether it is refused: a
 * control byte in the path or a body (400), a target or headers beyond
 * the limits (414, 431), or a limit of guard.h (429, 503); sets
 * r->refused, r->why and r->retry_after.  Marks the connection busy. */
static void screen(struct MHD_Connection *c, struct request *r, const char *url,
                   int reading)
{
    int ctl = control_byte(r->target);
    size_t tlen = strlen(r->target);
    struct header_size h = {0, 0};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, count_header, &h);
    int retry = 0;
    enum guard_verdict v = guard_request(
        g_guard, slot_of(c), strcmp(url, "/healthz") == 0, now_s(), &retry);
    if (ctl >= 0) {
        r->refused = 400;
        snprintf(r->why, sizeof r->why,
                 "the request's path holds a control character (0x%02x)", ctl);
    } else if (reading && has_body(c)) {
        r->refused = 400;
        snprintf(r->why, sizeof r->why,
                 "a GET or HEAD request has no body here");
    } else if (tlen > MAX_TARGET) {
        r->refused = 414;
        snprintf(r->why, sizeof r->why,
                 "the request's address is too long: %zu bytes (at most %d)",
                 tlen, MAX_TARGET);
    } else if (h.n > MAX_HEADERS) {
        r->refused = 431;
        snprintf(r->why, sizeof r->why,
                 "too many header fields: %d (at most %d)", h.n, MAX_HEADERS);
    } else if (h.bytes > MAX_HEADER_BYTES) {
        r->refused = 431;
        snprintf(r->why, sizeof r->why,
                 "the header fields are too large: %zu bytes (at most %d)",
                 h.bytes, MAX_HEADER_BYTES);
    } else if (v == GUARD_RATE) {
        r->refused = 429;
        snprintf(r->why, sizeof r->why,
                 "too many requests from your address (at most %g a second, "
                 "%d at once); try again in %d s",
                 g_lim.rate, g_lim.burst, retry);
    } else if (v == GUARD_CLIENT) {
        r->refused = 503;
        snprintf(r->why, sizeof r->why,
                 "too many connections from your address (at most %d at "
                 "once); try again in %d s",
                 g_lim.per_client, retry);
    } else if (v == GUARD_FULL) {
        r->refused = 503;
        snprintf(r->why, sizeof r->why,
                 "the server is at its connection limit; try again in %d s",
                 retry);
    }
    r->retry_after = retry;
}

/* Answers a request the limits let through into *out, from the lane it
 * needs; returns the seconds of a Retry-After (a 503 for no free worker),
 * else 0. */
static int answer(struct MHD_Connection *c, const char *method, const char *url,
                  struct api_response *out)
{
    struct params ps = {.n = 0};
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &ps);
    enum api_lane kind = api_lane(method, url, ps.p, ps.n);
    if (kind == API_LANE_NONE) {
        api_handle(g_static, method, url, ps.p, ps.n, out);
        return 0;
    }
    struct lane *l = kind == API_LANE_PREFIX ? &g_prefix : &g_main;
    struct api_worker *w = lane_take(l, g_timeout);
    if (!w) {
        api_busy(out, kind, g_timeout);
        return 1;
    }
    api_handle(w, method, url, ps.p, ps.n, out);
    lane_give(l, w);
    return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)upload_data;
    struct request *r = *con_cls;
    int reading = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
                  strcmp(method, "OPTIONS") == 0;
    if (r && !r->called) {
        /* The headers are in: refused at once, or answered once the
         * request is all read (an answer now would close a keep-alive
         * connection). */
        r->called = 1;
        screen(c, r, url, reading);
        if (reading && !r->refused)
            return MHD_YES;
    }
    if (r && (r->answered || *upload_data_size)) {
        /* a body we don't want: drop it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct api_response out;
    int retry_after = 0, close_it = atomic_load(&g_draining);
    if (r && r->refused) {
        api_refuse(&out, r->refused, r->why);
        retry_after = r->retry_after;
        close_it = 1;
    } else {
        retry_after = answer(c, method, url, &out);
    }
    if (out.log) { /* an index error: the client was told neutrally */
        fprintf(stderr, "morgue-serve: %s\n", out.log);
        free(out.log);
        out.log = NULL;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        out.len, out.body,
        out.owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        api_response_free(&out);
        return MHD_NO;
    }
    if (out.type)
        MHD_add_response_header(resp, "Content-Type", out.type);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control",
                            out.is_static ? "no-cache" : "no-store");
    if (out.allow)
        MHD_add_response_header(resp, "Allow", out.allow);
    api_cors(g_api, method, url,
             MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
             MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         "Access-Control-Request-Headers"),
             &out);
    for (int i = 0; i < out.nheaders; i++)
        MHD_add_response_header(resp, out.headers[i].name,
                                out.headers[i].value);
    if (retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    if (close_it)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned int)out.status, resp);
    MHD_destroy_response(resp);
    if (r) {
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->version, sizeof r->version, "%s", version);
        r->status = out.status;
        r->bytes = strcmp(method, "HEAD") == 0 ? 0 : out.len;
        r->answered = 1;
    }
    return rc;
}

/* Whether a new connection may come in (guard_admit). */
static enum MHD_Result admit(void *cls, const struct sockaddr *addr,
                             socklen_t len)
{
    (void)cls;
    return guard_admit(g_guard, addr, len, now_s()) == 0 ? MHD_YES : MHD_NO;
}

/* A connection opens or closes: its slot in g_guard, kept in its
 * socket context. */
static void notify_connection(void *cls, struct MHD_Connection *c,
                              void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        guard_close(g_guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const struct sockaddr *addr = ai ? ai->client_addr : NULL;
    socklen_t len = !addr                         ? 0
                    : addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                  : sizeof(struct sockaddr_in);
    *socket_context =
        guard_open(g_guard, addr, len, fi ? fi->connect_fd : -1, now_s());
}

static atomic_int g_reaper_stop;

/* --keep-alive S with --cluster: every S seconds, each worker idle for
 * S / 2 seconds or more (so none idles 1.5 S) is taken from its lane in
 * turn (a request then takes another free worker, or waits for this one:
 * one keep-alive round trip per shard connection, at most the
 * connection's timeout) and sends a keep-alive over its shard
 * connections (api_worker_keep_alive); a worker used meanwhile needs
 * none. */
static double g_keep_alive = 30;
static atomic_int g_keeper_stop;

static void keep_lane_alive(struct lane *l)
{
    struct api_worker *w;
    while (!atomic_load(&g_keeper_stop) &&
           (w = lane_take_idle(l, g_keep_alive / 2)) != NULL) {
        api_worker_keep_alive(w);
        lane_give(l, w);
    }
}

static void *keeper(void *arg)
{
    (void)arg;
    double next = now_s() + g_keep_alive;
    while (!atomic_load(&g_keeper_stop)) {
        struct timespec ts = {0, 100L * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (now_s() < next)
            continue;
        keep_lane_alive(&g_main);
        keep_lane_alive(&g_prefix);
        next = now_s() + g_keep_alive;
    }
    return NULL;
}

/* Closes the connections late with their headers, five times a second. */
static void *reaper(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_reaper_stop)) {
        struct timespec ts = {0, 200L * 1000 * 1000};
        nanosleep(&ts, NULL);
        guard_reap(g_guard, now_s());
    }
    return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    fprintf(stderr, "morgue-serve: %s\n", msg);
}

/* The exit statuses (usage, docs/http-api.md). */
enum serve_status {
    SERVE_STOPPED = 0, /* stopped by a signal (or --help, --version) */
    SERVE_USAGE = 2,   /* a usage error, or the index cannot be opened */
    SERVE_LISTEN = 3,  /* cannot listen */
};

/* What the command line asks for. */
struct serve_opts {
    const char *db, *listen_at, *web, *cluster;
    struct search_cluster_opts co;
    int threads;
    struct buf cors;  /* --cors, comma-separated */
    int print_config; /* --print-config: print the settings, exit */
};

/* Reads the command line into *o: -1 to go on, else the status to exit
 * with (help, version, a usage error: said on stderr). */
static int parse_options(int argc, char **argv, struct serve_opts *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"web", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},
        {"cors", required_argument, NULL, 'C'},
        {"max-connections", required_argument, NULL, 'M'},
        {"healthz-slots", required_argument, NULL, 'H'},
        {"per-client", required_argument, NULL, 'P'},
        {"rate", required_argument, NULL, 'R'},
        {"burst", required_argument, NULL, 'B'},
        {"header-timeout", required_argument, NULL, 'E'},
        {"print-config", no_argument, NULL, 'G'},
        {"cluster", required_argument, NULL, 1001},
        {"on-shard-failure", required_argument, NULL, 1002},
        {"connect-timeout", required_argument, NULL, 1003},
        {"query-timeout", required_argument, NULL, 1004},
        {"keep-alive", required_argument, NULL, 1005},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (struct serve_opts){.listen_at = DEFAULT_LISTEN,
                             .threads = cores < 1             ? 1
                                        : cores > MAX_THREADS ? MAX_THREADS
                                                              : (int)cores};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 1001: o->cluster = optarg; break;
        case 1002:
            if (strcmp(optarg, "fail") != 0 && strcmp(optarg, "partial") != 0) {
                fprintf(stderr,
                        "morgue-serve: --on-shard-failure must be "
                        "fail or partial, not \"%s\"\n",
                        optarg);
                return SERVE_USAGE;
            }
            o->co.partial = strcmp(optarg, "partial") == 0;
            break;
        case 1003:
            if (parse_seconds(optarg, "--connect-timeout", 0.001,
                              &o->co.connect_timeout) < 0)
                return SERVE_USAGE;
            break;
        case 1004:
            if (parse_seconds(optarg, "--query-timeout", 0.001,
                              &o->co.timeout) < 0)
                return SERVE_USAGE;
            break;
        case 1005:
            if (parse_seconds(optarg, "--keep-alive", 0, &g_keep_alive) < 0)
                return SERVE_USAGE;
            break;
        case 'l': o->listen_at = optarg; break;
        case 't':
            if (parse_int(optarg, "--threads", 1, MAX_THREADS, &o->threads) < 0)
                return SERVE_USAGE;
            break;
        case 'w': o->web = optarg; break;
        case 'T':
            if (parse_int(optarg, "--timeout", 1, 3600, &g_timeout) < 0)
                return SERVE_USAGE;
            break;
        case 'q': g_quiet = 1; break;
        case 'C':
            buf_printf(&o->cors, "%s%s", o->cors.s ? "," : "", optarg);
            break;
        case 'M':
            if (parse_int(optarg, "--max-connections", 1, 20000,
                          &g_lim.max_connections) < 0)
                return SERVE_USAGE;
            break;
        case 'H':
            if (parse_int(optarg, "--healthz-slots", 0, 20000, &g_lim.reserve) <
                0)
                return SERVE_USAGE;
            break;
        case 'P':
            if (parse_int(optarg, "--per-client", 0, 20000, &g_lim.per_client) <
                0)
                return SERVE_USAGE;
            break;
        case 'R': {
            int rate;
            if (parse_int(optarg, "--rate", 0, 1000000, &rate) < 0)
                return SERVE_USAGE;
            g_lim.rate = rate;
            break;
        }
        case 'B':
            if (parse_int(optarg, "--burst", 1, 1000000, &g_lim.burst) < 0)
                return SERVE_USAGE;
            break;
        case 'E': {
            int secs;
            if (parse_int(optarg, "--header-timeout", 1, 3600, &secs) < 0)
                return SERVE_USAGE;
            g_lim.header_timeout = secs;
            break;
        }
        case 'G': o->print_config = 1; break;
        case 'h': usage(stdout); return SERVE_STOPPED;
        case 'V': puts("morgue-serve " MORGUE_VERSION); return SERVE_STOPPED;
        default:
            fputs("Try 'morgue-serve --help'.\n", stderr);
            return SERVE_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "morgue-serve: unexpected argument \"%s\"\n"
                "Try 'morgue-serve --help'.\n",
                argv[optind]);
        return SERVE_USAGE;
    }
    if (g_lim.reserve >= g_lim.max_connections) {
        fprintf(stderr,
                "morgue-serve: --healthz-slots must be less than "
                "--max-connections (%d), not %d\n",
                g_lim.max_connections, g_lim.reserve);
        return SERVE_USAGE;
    }
    return -1;
}

/* --print-config: every setting, one "key = value" line each, the key
 * the option's name (docs/operations.md).  A new option adds its line
 * here, in --help's order (an API option such as --cors after "web"). */
static void print_config(const struct serve_opts *o, const char *db,
                         const char *web)
{
    printf("# morgue-serve %s: its settings, as given or by default\n",
           MORGUE_VERSION);
    printf("db = %s\n", db);
    printf("listen = %s\n", o->listen_at);
    printf("threads = %d\n", o->threads);
    printf("web = %s\n", web ? web : "(none: the API only)");
    printf("cors = %s\n", o->cors.s ? o->cors.s : "(none: same origin only)");
    printf("timeout = %d\n", g_timeout);
    printf("max-connections = %d\n", g_lim.max_connections);
    printf("healthz-slots = %d\n", g_lim.reserve);
    printf("per-client = %d\n", g_lim.per_client);
    printf("rate = %g\n", g_lim.rate);
    printf("burst = %d\n", g_lim.burst);
    printf("header-timeout = %g\n", g_lim.header_timeout);
    printf("quiet = %s\n", g_quiet ? "yes" : "no");
    /* fixed limits (docs/http-api.md) */
    printf("max-target-bytes = %d\n", MAX_TARGET);
    printf("max-headers = %d\n", MAX_HEADERS);
    printf("max-header-bytes = %d\n", MAX_HEADER_BYTES);
    printf("max-parameters = %d\n", API_MAX_PARAMS);
}

/* Starts the daemon on address ai: a thread per connection, so that a
 * request that waits for a worker, or runs a long search, holds up no
 * other connection.  NULL when it cannot listen. */
static struct MHD_Daemon *start(const struct addrinfo *ai, int slots)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                         MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(
        flags, 0, admit, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)g_timeout,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)slots,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_PER_CONN,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL,
        MHD_OPTION_END);
}

/* After SIGTERM or SIGINT (sig): stop accepting and answer what is under
 * way (at most the timeout waiting for a worker, then the timeout
 * searching), then stop the daemon. */
static void drain(struct MHD_Daemon *d, int sig)
{
    atomic_store(&g_draining, 1);
    fprintf(stderr,
            "morgue-serve: %s: finishing %d requests, then "
            "stopping\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", atomic_load(&g_inflight));
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    for (int waited = 0;
         atomic_load(&g_inflight) > 0 && waited < (2 * g_timeout + 1) * 100;
         waited++) {
        struct timespec ts = {0, 10L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
}

/* How many connections libmicrohttpd may hold: --max-connections, and
 * room for those closed to make room that have not gone yet.  Raises the
 * limit on open files to fit them (and the index's files for threads
 * workers a lane); when the system's hard limit is lower, lowers
 * --max-connections to fit it and says so. */
static int room_for_connections(int threads)
{
    int extra = g_lim.max_connections / 2 + 16;
    rlim_t index_files = (rlim_t)(2 * threads + 1) * 3 + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)(g_lim.max_connections + extra) + index_files;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
                              ? want
                              : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < want) {
            rlim_t room = rl.rlim_cur > index_files + 48
                              ? (rl.rlim_cur - index_files) * 2 / 3
                              : 32;
            fprintf(stderr,
                    "morgue-serve: only %llu files may be open (ulimit -n): "
                    "--max-connections lowered from %d to %llu\n",
                    (unsigned long long)rl.rlim_cur, g_lim.max_connections,
                    (unsigned long long)room);
            g_lim.max_connections = (int)room;
            if (g_lim.reserve >= g_lim.max_connections)
                g_lim.reserve = g_lim.max_connections / 4;
            extra = g_lim.max_connections / 2 + 16;
        }
    }
    return g_lim.max_connections + extra;
}

/* Frees what main made. */
static void finish(char *web_dir)
{
    guard_free(g_guard);
    g_guard = NULL;
    lane_free(&g_main);
    lane_free(&g_prefix);
    api_worker_free(g_static);
    api_free(g_api);
    free(web_dir);
}

int main(int argc, char **argv)
{
    /* No global allocation statistics: they take one process-wide mutex
     * on every SQLite malloc and free, which the worker threads' facet
     * probes turned into lock contention (strace: 175 futex calls per
     * request, one thread of two busy). */
    store_threads_init();
    struct serve_opts o;
    int st = parse_options(argc, argv, &o);
    struct addrinfo *ai = NULL;
    if (st < 0 && parse_listen(o.listen_at, &ai) < 0)
        st = SERVE_USAGE;
    if (st >= 0) {
        buf_free(&o.cors);
        return st;
    }
    char *web_dir = o.web ? strdup(o.web) : default_web();
    if (o.print_config) {
        print_config(&o, store_default_path(o.db), web_dir);
        buf_free(&o.cors);
        free(web_dir);
        freeaddrinfo(ai);
        return SERVE_STOPPED;
    }
    int slots = room_for_connections(o.threads);
    if (!web_dir)
        fprintf(stderr, "morgue-serve: no page's folder found (--web DIR); "
                        "serving the API only\n");
    struct api_config cfg = {.db = store_default_path(o.db),
                             .web_dir = web_dir,
                             .timeout_ms = g_timeout * 1000,
                             .cors = o.cors.s,
                             .cluster = o.cluster,
                             .co = o.co};
    struct mg_err err;
    int made = api_new(&cfg, &g_api, &err);
    buf_free(&o.cors); /* the api has its origins */
    if (made < 0) {
        fprintf(stderr, "morgue-serve: %s\n", err.msg);
        free(web_dir);
        freeaddrinfo(ai);
        return SERVE_USAGE;
    }
    lane_init(&g_main, o.threads);
    lane_init(&g_prefix, o.threads);
    g_static = api_worker_new(g_api);
    g_guard = guard_new(&g_lim, slots);

    /* The signals are taken by the main thread alone, in sigwait(). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = start(ai, slots);
    char host[128] = "";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0,
                NI_NUMERICHOST);
    int v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (!d) {
        fprintf(stderr, "morgue-serve: cannot listen on %s: %s\n", o.listen_at,
                errno ? strerror(errno) : "libmicrohttpd failed to start");
        finish(web_dir);
        return SERVE_LISTEN;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr,
            "morgue-serve: listening on http://%s%s%s:%u/ "
            "(%d workers, %d more for prefix searches, index %s%s%s)\n",
            v6 ? "[" : "", host, v6 ? "]" : "",
            info ? (unsigned)info->port : 0u, o.threads, o.threads, cfg.db,
            web_dir ? ", page " : "", web_dir ? web_dir : "");

    pthread_t reaper_thread;
    int reaping = pthread_create(&reaper_thread, NULL, reaper, NULL) == 0;
    if (!reaping)
        fputs("morgue-serve: cannot start the thread that closes slow "
              "connections: --header-timeout is not applied\n",
              stderr);

    pthread_t keeper_thread;
    int keeping = o.cluster && g_keep_alive > 0 &&
                  pthread_create(&keeper_thread, NULL, keeper, NULL) == 0;
    if (o.cluster && g_keep_alive > 0 && !keeping)
        fputs("morgue-serve: cannot start the thread that keeps the shard "
              "connections open: --keep-alive is not applied\n",
              stderr);

    int sig = 0;
    sigwait(&sigs, &sig);
    atomic_store(&g_keeper_stop, 1);
    if (keeping)
        pthread_join(keeper_thread, NULL);
    drain(d, sig);
    atomic_store(&g_reaper_stop, 1);
    if (reaping)
        pthread_join(reaper_thread, NULL);
    finish(web_dir);
    fputs("morgue-serve: stopped\n", stderr);
    return SERVE_STOPPED;
}
