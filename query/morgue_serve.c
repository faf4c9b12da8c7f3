/*
 * morgue_serve.c - the morgue-serve program: the JSON API and the search
 * page over HTTP (docs/http-api.md), on libmicrohttpd's thread pool.  The
 * answers come from api.c; this file is HTTP: listening, parameters,
 * headers, the access log, signals.  Exit status: 0 stopped by SIGTERM or
 * SIGINT, 2 usage error or no index, 3 cannot listen.
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
#define MAX_THREADS 64

static const char CSP[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

static struct api *g_api;
static pthread_key_t g_worker_key;
static atomic_int g_inflight;
static atomic_int g_draining;
static int g_quiet;

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
          "  --listen ADDR:PORT where to listen (default " DEFAULT_LISTEN
          ",\n"
          "                     loopback only; [::1]:PORT for IPv6; port 0: "
          "any free\n"
          "                     port)\n"
          "  --threads N        worker threads, each with its own read-only\n"
          "                     connection (default: the number of cores)\n"
          "  --web DIR          the page's files (default $MORGUE_WEB, else\n"
          "                     query/web beside the program's folder, else\n"
          "                     /usr/local/share/morgue/web)\n"
          "  --timeout SECONDS  close idle connections and stop searches "
          "after\n"
          "                     this long (default 10)\n"
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

static int parse_int(const char *s, const char *what, int lo, int hi,
                     int *out)
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
    if (!*p || strlen(p) >= sizeof port || strspn(p, "0123456789") != strlen(p)
        || atol(p) > 65535)
        goto bad;
    snprintf(port, sizeof port, "%s", p);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    int rc = getaddrinfo(host, port, &hints, ai);
    if (rc != 0) {
        fprintf(stderr, "morgue-serve: --listen %s: %s\n", s,
                gai_strerror(rc));
        return -1;
    }
    return 0;
bad:
    fprintf(stderr, "morgue-serve: --listen must be ADDR:PORT, [IPV6]:PORT "
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
        /* bin/morgue-serve or build/san/bin/morgue-serve in a checkout */
        char *dir = dirname(exe);
        const char *up[] = {"/../query/web", "/../../../query/web"};
        for (size_t i = 0; i < sizeof up / sizeof *up; i++) {
            char path[PATH_MAX + 32];
            snprintf(path, sizeof path, "%s%s", dir, up[i]);
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                return realpath(path, NULL);
        }
    }
    if (stat("/usr/local/share/morgue/web", &st) == 0)
        return strdup("/usr/local/share/morgue/web");
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

static struct api_worker *thread_worker(void)
{
    struct api_worker *w = pthread_getspecific(g_worker_key);
    if (!w) {
        w = api_worker_new(g_api);
        pthread_setspecific(g_worker_key, w);
    }
    return w;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)upload_data;
    struct request *r = *con_cls;
    int reading = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
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
    api_handle(thread_worker(), method, url, ps.p, ps.n, &out);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        out.len, out.body,
        out.owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        api_response_free(&out);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", out.type);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control",
                            out.is_static ? "no-cache" : "no-store");
    if (out.allow)
        MHD_add_response_header(resp, "Allow", out.allow);
    if (atomic_load(&g_draining))
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result rc =
        MHD_queue_response(c, (unsigned int)out.status, resp);
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

static void free_worker(void *w)
{
    api_worker_free(w);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"web", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL, *listen_at = DEFAULT_LISTEN, *web = NULL;
    /* No global allocation statistics: they take one process-wide mutex
     * on every SQLite malloc and free, which the worker threads' facet
     * probes turned into lock contention (strace: 175 futex calls per
     * request, one thread of two busy). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS
                                                      : (int)cores;
    int timeout = 10, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': listen_at = optarg; break;
        case 't':
            if (parse_int(optarg, "--threads", 1, MAX_THREADS, &threads) < 0)
                return 2;
            break;
        case 'w': web = optarg; break;
        case 'T':
            if (parse_int(optarg, "--timeout", 1, 3600, &timeout) < 0)
                return 2;
            break;
        case 'q': g_quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("morgue-serve " MORGUE_VERSION); return 0;
        default: fputs("Try 'morgue-serve --help'.\n", stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "morgue-serve: unexpected argument \"%s\"\n"
                        "Try 'morgue-serve --help'.\n",
                argv[optind]);
        return 2;
    }
    struct addrinfo *ai = NULL;
    if (parse_listen(listen_at, &ai) < 0)
        return 2;
    char *web_dir = web ? strdup(web) : default_web();
    if (!web_dir)
        fprintf(stderr, "morgue-serve: no page's folder found (--web DIR); "
                        "serving the API only\n");
    struct api_config cfg = {.db = store_default_path(db),
                             .web_dir = web_dir,
                             .timeout_ms = timeout * 1000};
    struct mg_err err;
    if (api_new(&cfg, &g_api, &err) < 0) {
        fprintf(stderr, "morgue-serve: %s\n", err.msg);
        free(web_dir);
        freeaddrinfo(ai);
        return 2;
    }
    pthread_key_create(&g_worker_key, free_worker);

    /* The signals are taken by the main thread alone, in sigwait(). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                         MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    char host[128] = "";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0,
                NI_NUMERICHOST);
    int v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (!d) {
        fprintf(stderr, "morgue-serve: cannot listen on %s: %s\n", listen_at,
                errno ? strerror(errno) : "libmicrohttpd failed to start");
        api_free(g_api);
        free(web_dir);
        return 3;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "morgue-serve: listening on http://%s%s%s:%u/ "
                    "(%d threads, index %s%s%s)\n",
            v6 ? "[" : "", host, v6 ? "]" : "",
            info ? (unsigned)info->port : 0u, threads, cfg.db,
            web_dir ? ", page " : "", web_dir ? web_dir : "");

    int sig = 0;
    sigwait(&sigs, &sig);
    /* Stop accepting; answer what is under way (at most the timeout). */
    atomic_store(&g_draining, 1);
    fprintf(stderr, "morgue-serve: %s: finishing %d requests, then "
                    "stopping\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", atomic_load(&g_inflight));
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    for (int waited = 0; atomic_load(&g_inflight) > 0 &&
                         waited < (timeout + 1) * 100;
         waited++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    api_free(g_api);
    free(web_dir);
    pthread_key_delete(g_worker_key);
    fputs("morgue-serve: stopped\n", stderr);
    return 0;
}
