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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "store.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#ifndef MORGUE_DATADIR /* set by the Makefile: $(PREFIX)/share/morgue */
#define MORGUE_DATADIR "/usr/local/share/morgue"
#endif
#define MAX_THREADS 64

static const char CSP[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

static struct api *g_api;
static atomic_int g_inflight;
static atomic_int g_draining;
static int g_quiet;
static int g_timeout = 10; /* --timeout: seconds */

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

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
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
    if (r && reading && !r->called) {
        /* The headers are in: answer once the request is all read (an
         * answer now would close a keep-alive connection). */
        r->called = 1;
        return MHD_YES;
    }
    if (r && (r->answered || *upload_data_size)) {
        /* a body we don't want: drop it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct params ps = {.n = 0};
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &ps);
    struct api_response out;
    enum api_lane kind = api_lane(method, url, ps.p, ps.n);
    if (kind == API_LANE_NONE) {
        api_handle(g_static, method, url, ps.p, ps.n, &out);
    } else {
        struct lane *l = kind == API_LANE_PREFIX ? &g_prefix : &g_main;
        struct api_worker *w = lane_take(l, g_timeout);
        if (w) {
            api_handle(w, method, url, ps.p, ps.n, &out);
            lane_give(l, w);
        } else {
            api_busy(&out, kind, g_timeout);
        }
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
    if (atomic_load(&g_draining))
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
    const char *db, *listen_at, *web;
    int threads;
    struct buf cors; /* --cors, comma-separated */
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
    return -1;
}

/* Starts the daemon on address ai: a thread per connection, so that a
 * request that waits for a worker, or runs a long search, holds up no
 * other connection.  NULL when it cannot listen. */
static struct MHD_Daemon *start(const struct addrinfo *ai)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                         MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)g_timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)1000, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
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

/* Frees what main made. */
static void finish(char *web_dir)
{
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
    if (!web_dir)
        fprintf(stderr, "morgue-serve: no page's folder found (--web DIR); "
                        "serving the API only\n");
    struct api_config cfg = {.db = store_default_path(o.db),
                             .web_dir = web_dir,
                             .timeout_ms = g_timeout * 1000,
                             .cors = o.cors.s};
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

    /* The signals are taken by the main thread alone, in sigwait(). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = start(ai);
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

    int sig = 0;
    sigwait(&sigs, &sig);
    drain(d, sig);
    finish(web_dir);
    fputs("morgue-serve: stopped\n", stderr);
    return SERVE_STOPPED;
}
