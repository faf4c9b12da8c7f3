/*
 * api.c - morgue-serve's answers: the JSON API and the page's files.
 */
#include "api.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "plan.h"
#include "search.h"
#include "search_json.h"
#include "store.h"

#define MAX_WEB_FILES 64
#define MAX_WEB_SIZE (4 << 20)

struct web_file {
    char *name;
    const char *type;
    char *data;
    size_t len;
};

#define MAX_ORIGINS 32

struct api {
    char *db;
    char *cluster; /* --cluster: searched instead of db */
    struct search_cluster_opts co;
    int timeout_ms;
    struct web_file files[MAX_WEB_FILES];
    int nfiles;
    char *origins[MAX_ORIGINS]; /* --cors, lower case */
    int norigins;
    int any_origin; /* --cors '*' */
};

struct api_worker {
    struct api *api;
    struct store *store;
    struct searcher *searcher;
    dev_t dev;
    ino_t ino;
    double used; /* mg_now() of its last request or keep-alive */
};

static const char JSON_TYPE[] = "application/json; charset=utf-8";

/* The Content-Type for a file name, by its extension. */
static const char *file_type(const char *name)
{
    static const char *const TYPES[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof *TYPES; i++)
        if (strcmp(dot, TYPES[i][0]) == 0)
            return TYPES[i][1];
    return "application/octet-stream";
}

/* A name the page may serve: [A-Za-z0-9._-]+, not starting with '.'. */
static int safe_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 100)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static int load_web(struct api *a, const char *dir, struct mg_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return mg_fail(err, "%s: cannot read the page's folder: %s", dir,
                       strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        if (!safe_name(e->d_name))
            continue;
        struct buf path = {0};
        buf_printf(&path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path.s, &st) == 0 && S_ISREG(st.st_mode)) {
            if (a->nfiles == MAX_WEB_FILES || st.st_size > MAX_WEB_SIZE) {
                rc = mg_fail(err,
                             "%s: more than %d files or a file over "
                             "%d bytes in the page's folder",
                             path.s, MAX_WEB_FILES, MAX_WEB_SIZE);
            } else {
                struct web_file *f = &a->files[a->nfiles];
                if (mg_read_file(path.s, &f->data, &f->len, err) < 0) {
                    rc = -1;
                } else {
                    f->name = mg_strdup(e->d_name);
                    f->type = file_type(e->d_name);
                    a->nfiles++;
                }
            }
        }
        buf_free(&path);
    }
    closedir(d);
    return rc;
}

/* Whether s (len bytes, lower case) is an origin as a browser sends it:
 * SCHEME://HOST[:PORT], HOST a name, an IPv4 or a [IPv6] address. */
static int valid_origin(const char *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '+' ||
                       s[i] == '-' || s[i] == '.'))
        i++;
    if (len - i < 4 || memcmp(s + i, "://", 3) != 0)
        return 0;
    i += 3;
    size_t host = i;
    if (s[i] == '[') {
        i++;
        while (i < len &&
               (isxdigit((unsigned char)s[i]) || s[i] == ':' || s[i] == '.'))
            i++;
        if (i == len || s[i] != ']')
            return 0;
        i++;
    } else {
        while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
                           s[i] == '.' || s[i] == '_'))
            i++;
    }
    if (i == host)
        return 0;
    if (i < len && s[i] == ':') {
        size_t port = ++i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == port || i - port > 5)
            return 0;
    }
    return i == len;
}

/* Reads api_config.cors into the api's origins. */
static int parse_cors(struct api *a, const char *list, struct mg_err *err)
{
    for (const char *s = list; s && *s;) {
        s += strspn(s, " \t");
        size_t len = strcspn(s, ",");
        /* after a comma, another origin (maybe empty, refused) */
        const char *next = s[len] ? s + len + 1 : NULL;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        char *o = mg_strndup(s, len);
        for (char *c = o; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        int rc = 0;
        if (strcmp(o, "*") == 0) {
            a->any_origin = 1;
        } else if (a->norigins == MAX_ORIGINS) {
            rc = mg_fail(err, "--cors: at most %d origins", MAX_ORIGINS);
        } else if (strcmp(o, "null") != 0 && !valid_origin(o, len)) {
            rc = mg_fail(err,
                         "--cors: \"%.*s\" is not an origin: give "
                         "SCHEME://HOST[:PORT] as a browser sends it, without "
                         "a path or a trailing slash (https://news.example.org"
                         "), or *",
                         (int)(len < 200 ? len : 200), s);
        } else {
            a->origins[a->norigins++] = o;
            o = NULL;
        }
        free(o);
        if (rc < 0)
            return -1;
        s = next;
        if (s && !s[strspn(s, " \t")]) /* a trailing comma */
            return mg_fail(err, "--cors: \"%s\" ends with a comma", list);
    }
    return 0;
}

int api_new(const struct api_config *c, struct api **out, struct mg_err *err)
{
    *out = NULL;
    struct api *a = mg_calloc(1, sizeof *a);
    a->db = mg_strdup(c->cluster ? c->cluster : c->db);
    a->timeout_ms = c->timeout_ms;
    struct store *st = NULL;
    struct searcher *cs = NULL;
    if (c->cluster) {
        a->cluster = mg_strdup(c->cluster);
        a->co = c->co;
    }
    if (parse_cors(a, c->cors, err) < 0 ||
        (c->cluster
             ? searcher_new_cluster(c->cluster, &c->co, &cs, err) < 0
             : store_open_as(a->db, STORE_READ, NULL, 0, &st, err) < 0) ||
        (c->web_dir && load_web(a, c->web_dir, err) < 0)) {
        store_close(st);
        searcher_free(cs);
        api_free(a);
        return -1;
    }
    store_close(st);
    searcher_free(cs); /* the file checked; each worker opens its own */
    *out = a;
    return 0;
}

void api_free(struct api *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->nfiles; i++) {
        free(a->files[i].name);
        free(a->files[i].data);
    }
    for (int i = 0; i < a->norigins; i++)
        free(a->origins[i]);
    free(a->db);
    free(a->cluster);
    free(a);
}

struct api_worker *api_worker_new(struct api *a)
{
    if (!a)
        return NULL;
    struct api_worker *w = mg_calloc(1, sizeof *w);
    w->api = a;
    return w;
}

static void worker_close(struct api_worker *w)
{
    searcher_free(w->searcher);
    store_close(w->store);
    w->searcher = NULL;
    w->store = NULL;
}

double api_worker_idle(const struct api_worker *w)
{
    return w->used > 0 ? mg_now() - w->used : 1e9;
}

void api_worker_keep_alive(struct api_worker *w)
{
    w->used = mg_now();
    if (w->searcher)
        searcher_keep_alive(w->searcher);
}

void api_worker_free(struct api_worker *w)
{
    if (!w)
        return;
    worker_close(w);
    free(w);
}

/* Opens the worker's connection, or reopens it when the file at the
 * index's path is another file than the one open. */
static int worker_open(struct api_worker *w, struct mg_err *err)
{
    w->used = mg_now();
    if (w->api->cluster) /* its connections are kept, reopened and failed
                            over by the cluster client */
        return w->searcher ? 0
                           : searcher_new_cluster(w->api->cluster, &w->api->co,
                                                  &w->searcher, err);
    struct stat st;
    int seen = stat(w->api->db, &st) == 0;
    if (w->store) {
        /* A missing file is a replacement under way: keep the old one. */
        if (!seen || (st.st_dev == w->dev && st.st_ino == w->ino))
            return 0;
        worker_close(w);
    }
    if (store_open_as(w->api->db, STORE_READ, NULL, 0, &w->store, err) < 0 ||
        searcher_new(w->store, &w->searcher, err) < 0) {
        worker_close(w);
        return -1;
    }
    /* never a path of the server's disk */
    searcher_use_public_ids(w->searcher, 1);
    if (seen) {
        w->dev = st.st_dev;
        w->ino = st.st_ino;
    }
    return 0;
}

/* Sets out to the JSON document doc (taking it) with this status. */
static void reply_json(struct api_response *out, int status, json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                  JSON_REAL_PRECISION(10));
    json_decref(doc);
    out->status = status;
    out->type = JSON_TYPE;
    if (!s) { /* only when out of memory */
        out->status = 500;
        s = mg_strdup("{\"error\":\"cannot write JSON\",\"status\":500}");
    }
    out->body = s;
    out->len = strlen(s);
    out->owned = 1;
}

static void reply_error(struct api_response *out, int status, const char *fmt,
                        ...) __attribute__((format(printf, 3, 4)));

static void reply_error(struct api_response *out, int status, const char *fmt,
                        ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_json(out, status,
               json_pack("{s:o s:i}", "error", search_json_str(msg), "status",
                         status));
}

/* Sets out to the JSON document doc (taking it), with warnings (taken;
 * NULL or empty: none) as its "warnings", and status 200. */
static void reply_doc(struct api_response *out, json_t *doc, json_t *warnings)
{
    if (warnings && json_array_size(warnings) > 0)
        json_object_set(doc, "warnings", warnings);
    json_decref(warnings);
    reply_json(out, 200, doc);
}

/* An error of the server, not the request: the client gets status and
 * message, the operator's log the details (out->log, with the index's
 * path). */
static void reply_internal(struct api_response *out, int status,
                           const char *message, const char *details)
{
    reply_error(out, status, "%s", message);
    free(out->log);
    out->log = mg_strdup(details);
}

/* The parameters of one endpoint, checked: valid UTF-8, no NUL, within
 * the bounds, no key twice unless it is repeatable.  Keys the endpoint
 * does not know are ignored (a front end's cache buster "_=", a link's
 * "utm_source="), and named in the answer's warnings. */
struct spec {
    const char *const *keys;     /* accepted */
    const char *const *repeated; /* of those, the repeatable ones */
};

static int in_list(const char *const *l, const char *k)
{
    for (; l && *l; l++)
        if (strcmp(*l, k) == 0)
            return 1;
    return 0;
}

static int valid_utf8(const char *s, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        int32_t cp;
        int n = mg_utf8_decode(s, (int)len, (int)pos, &cp);
        if (cp < 0)
            return 0;
        pos += (size_t)n;
    }
    return 1;
}

/* A printable, shortened copy of a client's string, for messages. */
static void shown(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c >= 0x80) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    if (o + 5 >= cap && len)
        memcpy(out + (o < cap - 4 ? o : cap - 4), "...", 4);
    else
        out[o] = '\0';
}

/* Whether an unknown parameter goes without a warning: "_" (the cache
 * buster of jQuery and others) and "utm_..." (campaign tags of links). */
static int quietly_ignored(const char *key)
{
    return strcmp(key, "_") == 0 || strncmp(key, "utm_", 4) == 0;
}

/* The warning for an unknown parameter (k as shown). */
static json_t *unknown_warning(const struct spec *sp, const char *k)
{
    struct buf acc = {0};
    for (const char *const *l = sp->keys; *l; l++)
        buf_printf(&acc, "%s%s", l == sp->keys ? "" : ", ", *l);
    struct buf msg = {0};
    buf_printf(&msg, "unknown parameter \"%s\" ignored (%s%s)", k,
               acc.s ? "accepted: " : "this takes none", acc.s ? acc.s : "");
    json_t *j = search_json_str(msg.s);
    buf_free(&acc);
    buf_free(&msg);
    return j;
}

/* Checks the parameters; sets *warnings to the array of warnings (NULL
 * when none).  Returns 0, or -1 with an error reply in out (and
 * *warnings NULL). */
static int check_params(const struct spec *sp, const struct api_param *p, int n,
                        json_t **warnings, struct api_response *out)
{
    char k[80], v[80];
    *warnings = NULL;
    if (n > API_MAX_PARAMS) {
        reply_error(out, 400, "at most %d parameters", API_MAX_PARAMS);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        shown(k, sizeof k, p[i].key, strlen(p[i].key));
        if (!in_list(sp->keys, p[i].key)) {
            int seen = quietly_ignored(p[i].key);
            for (int j = 0; j < i && !seen; j++)
                seen = strcmp(p[j].key, p[i].key) == 0;
            if (!seen) {
                if (!*warnings)
                    *warnings = json_array();
                json_array_append_new(*warnings, unknown_warning(sp, k));
            }
            continue;
        }
        size_t max = strcmp(p[i].key, "q") == 0 ? API_MAX_QUERY : API_MAX_VALUE;
        if (p[i].len > max) {
            reply_error(out, 400, "%s is too long: %zu bytes (at most %zu)", k,
                        p[i].len, max);
            json_decref(*warnings);
            *warnings = NULL;
            return -1;
        }
        shown(v, sizeof v, p[i].value, p[i].len);
        if (memchr(p[i].value, '\0', p[i].len) ||
            !valid_utf8(p[i].value, p[i].len)) {
            reply_error(out, 400, "%s is not valid UTF-8 text: \"%s\"", k, v);
            json_decref(*warnings);
            *warnings = NULL;
            return -1;
        }
        if (in_list(sp->repeated, p[i].key))
            continue;
        for (int j = 0; j < i; j++)
            if (strcmp(p[j].key, p[i].key) == 0) {
                struct buf rep = {0};
                for (const char *const *l = sp->repeated; l && *l; l++)
                    buf_printf(&rep, "%s%s", l == sp->repeated ? "" : ", ", *l);
                reply_error(out, 400, "%s is given twice: give it once%s%s%s",
                            k, rep.s ? " (only " : "", rep.s ? rep.s : "",
                            rep.s ? " may be repeated)" : "");
                buf_free(&rep);
                json_decref(*warnings);
                *warnings = NULL;
                return -1;
            }
    }
    return 0;
}

/* The value of key, or NULL. */
static const char *param(const struct api_param *p, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(p[i].key, key) == 0)
            return p[i].value;
    return NULL;
}

/* Reads the number value of key into *v (unchanged when absent or empty,
 * as a form's empty field sends it). */
static int int_param(const struct api_param *p, int n, const char *key, int lo,
                     int hi, int *v, struct api_response *out)
{
    const char *s = param(p, n, key);
    if (!s || !*s)
        return 0;
    char shown_v[80];
    long x = 0;
    int ok = *s != '\0' && strlen(s) <= 9;
    for (const char *c = s; ok && *c; c++)
        if (*c < '0' || *c > '9')
            ok = 0;
    if (ok)
        x = strtol(s, NULL, 10);
    if (!ok || x < lo || x > hi) {
        shown(shown_v, sizeof shown_v, s, strlen(s));
        reply_error(out, 400, "%s must be a number from %d to %d, not \"%s\"",
                    key, lo, hi, shown_v);
        return -1;
    }
    *v = (int)x;
    return 0;
}

/* Reads a 0/1 flag (unchanged when absent or empty). */
static int flag_param(const struct api_param *p, int n, const char *key, int *v,
                      struct api_response *out)
{
    const char *s = param(p, n, key);
    if (!s || !*s)
        return 0;
    if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0) {
        char sv[80];
        shown(sv, sizeof sv, s, strlen(s));
        reply_error(out, 400, "%s must be 0 or 1, not \"%s\"", key, sv);
        return -1;
    }
    *v = *s == '1';
    return 0;
}

/* A search or an index error as a response: 503 when the index is
 * unavailable or the search ran out of time, else 500. */
static void reply_failure(struct api_worker *w, struct api_response *out,
                          const struct mg_err *err)
{
    if (w->api->cluster)
        /* a shard with no replica (--on-shard-failure fail) or the
         * cluster's timeout: the message names the shard, no path */
        reply_error(out, 503, "%s", err->msg);
    else if (w->searcher && searcher_timed_out(w->searcher))
        reply_error(out, 503,
                    "the search took longer than %.1f s; "
                    "narrow it down",
                    w->api->timeout_ms / 1000.0);
    else
        reply_internal(out, 500,
                       "the index failed to answer (the server's log says "
                       "why); try again later",
                       err->msg);
}

static int open_or_reply(struct api_worker *w, struct api_response *out)
{
    struct mg_err err;
    if (worker_open(w, &err) < 0) {
        reply_internal(out, 503,
                       "the index is unavailable (the server's log says "
                       "why); try again later",
                       err.msg);
        return -1;
    }
    /* the request's time: search_run keeps its own (search_opts.budget) */
    searcher_set_deadline(
        w->searcher,
        w->api->timeout_ms > 0 ? mg_now() + w->api->timeout_ms / 1000.0 : 0);
    return 0;
}

/* The person=, place= and org= parameters as filters, written to
 * filters (QPARSE_MAX_FILTERS at most): how many, or -1 with an error
 * reply in out. */
static int search_filters(const struct api_param *p, int n,
                          struct qfilter *filters, struct api_response *out)
{
    int nf = 0;
    for (int i = 0; i < n; i++) {
        enum ent_kind kind;
        if (strcmp(p[i].key, "person") == 0)
            kind = ENT_PERSON;
        else if (strcmp(p[i].key, "place") == 0)
            kind = ENT_PLACE;
        else if (strcmp(p[i].key, "org") == 0)
            kind = ENT_ORG;
        else
            continue;
        if (nf == QPARSE_MAX_FILTERS) {
            reply_error(out, 400, "at most %d person, place and org filters",
                        QPARSE_MAX_FILTERS);
            return -1;
        }
        if (!*p[i].value) {
            reply_error(out, 400, "%s is empty", p[i].key);
            return -1;
        }
        filters[nf].kind = kind;
        filters[nf++].name = (char *)p[i].value; /* not written to */
    }
    return nf;
}

/* The sort= parameter into *sort (unchanged when absent or empty).
 * Returns 0, or -1 with an error reply in out. */
static int sort_param(const struct api_param *p, int n, enum search_sort *sort,
                      struct api_response *out)
{
    const char *v = param(p, n, "sort");
    if (!v || !*v)
        return 0;
    *sort = strcmp(v, "relevance") == 0 ? SEARCH_SORT_RELEVANCE
            : strcmp(v, "newest") == 0  ? SEARCH_SORT_NEWEST
            : strcmp(v, "oldest") == 0  ? SEARCH_SORT_OLDEST
                                        : (enum search_sort) - 1;
    if ((int)*sort >= 0)
        return 0;
    char sv[80];
    shown(sv, sizeof sv, v, strlen(v));
    reply_error(out, 400,
                "sort must be relevance, newest or oldest, "
                "not \"%s\"",
                sv);
    return -1;
}

/* Where a page of hits starts: the page, and the hits skipped before the
 * first page (offset=). */
struct paging {
    int page, offset;
};

/* The search a /search request asks for, into *so (its filters in
 * filters, QPARSE_MAX_FILTERS at most) and *pg.  Returns 0, or -1 with an
 * error reply in out. */
static int search_request(const struct api_param *p, int n,
                          struct search_opts *so, struct qfilter *filters,
                          struct paging *pg, struct api_response *out)
{
    int nf = search_filters(p, n, filters, out), collapse = 1;
    if (nf < 0)
        return -1;
    so->filters = filters;
    so->nfilters = nf;
    so->query = param(p, n, "q");
    const char **text[] = {&so->source, &so->section, &so->since, &so->until};
    static const char *const TEXT[] = {"source", "section", "since", "until"};
    for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
        *text[i] = param(p, n, TEXT[i]);
        if (*text[i] && !**text[i]) /* an empty value is no filter */
            *text[i] = NULL;
    }
    if (sort_param(p, n, &so->sort, out) < 0 ||
        int_param(p, n, "limit", 1, API_MAX_LIMIT, &so->limit, out) < 0 ||
        int_param(p, n, "page", 1, API_MAX_PAGE, &pg->page, out) < 0 ||
        int_param(p, n, "offset", 0, API_MAX_OFFSET, &pg->offset, out) < 0 ||
        flag_param(p, n, "strict", &so->strict, out) < 0 ||
        flag_param(p, n, "collapse", &collapse, out) < 0)
        return -1;
    so->no_collapse = !collapse;
    /* page p of an offset o starts after o + (p - 1) * limit hits */
    so->offset = pg->offset + (pg->page - 1) * so->limit;
    if (so->offset > API_MAX_OFFSET) {
        reply_error(out, 400,
                    "offset %d and page %d of %d hits skip %d hits: at most "
                    "%d",
                    pg->offset, pg->page, so->limit, so->offset,
                    API_MAX_OFFSET);
        return -1;
    }
    int blank = 1;
    for (const char *c = so->query; c && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            blank = 0;
    if (blank && !nf && !so->source && !so->section && !so->since &&
        !so->until) {
        reply_error(out, 400,
                    "q is missing: give a query, or a person, place, org, "
                    "source, section, since or until filter");
        return -1;
    }
    return 0;
}

/* The search's result as the answer's document: its JSON with the page,
 * the offset, the limit, the number of pages and the time taken. */
static json_t *result_doc(const struct search_opts *so,
                          const struct search_result *res,
                          const struct paging *pg, double took)
{
    json_t *doc = search_result_json(so->query ? so->query : "", res,
                                     SEARCH_JSON_HISTOGRAM);
    /* folded near-duplicates take no place on a page (exact when
     * collapsed_exact, else an upper bound); a relaxed search shows
     * the articles with most of the words; pages count from the
     * offset */
    int64_t shown = (res->relaxed ? res->relaxed_total : res->total) -
                    res->collapsed - pg->offset;
    if (shown < 0)
        shown = 0;
    int64_t pages = shown / so->limit + (shown % so->limit != 0);
    json_object_set_new(doc, "page", json_integer(pg->page));
    json_object_set_new(doc, "offset", json_integer(pg->offset));
    json_object_set_new(doc, "limit", json_integer(so->limit));
    json_object_set_new(
        doc, "pages",
        json_integer(pages < API_MAX_PAGE ? pages : API_MAX_PAGE));
    json_object_set_new(doc, "took_ms",
                        json_real((double)(int64_t)(took * 1e4) / 10));
    return doc;
}

/* /api/search with its parameters checked: the answer's document, or
 * NULL with an error reply in out. */
static json_t *search_doc(struct api_worker *w, const char *id,
                          const struct api_param *p, int n,
                          struct api_response *out)
{
    (void)id;
    struct search_opts so = {.limit = SEARCH_DEFAULT_LIMIT,
                             .facets = 1,
                             .histogram = 1,
                             .suggest = 1};
    struct qfilter filters[QPARSE_MAX_FILTERS];
    struct paging pg = {1, 0};
    if (search_request(p, n, &so, filters, &pg, out) < 0)
        return NULL;
    so.budget = w->api->timeout_ms > 0 ? w->api->timeout_ms / 1000.0 : -1;
    if (open_or_reply(w, out) < 0)
        return NULL;
    struct search_result res;
    struct mg_err err;
    double t0 = mg_now();
    int rc = search_run(w->searcher, &so, &res, &err);
    double took = mg_now() - t0;
    searcher_set_deadline(w->searcher, 0);
    json_t *doc = NULL;
    if (rc == SEARCH_EUSAGE) {
        reply_error(out, 400, "%s", err.msg);
    } else if (rc == SEARCH_ETIME) {
        /* past its budget (so.budget): the message says so and how to
         * narrow it (searcher_timed_out() was reset with the deadline) */
        reply_error(out, 503, "%s", err.msg);
    } else if (rc < 0) {
        reply_failure(w, out, &err);
    } else {
        doc = result_doc(&so, &res, &pg, took);
        if (doc)
            search_missing_json(doc, w->searcher);
    }
    search_result_free(&res);
    return doc;
}

/* /api/entities with its parameters checked, as search_doc(). */
static json_t *entities_doc(struct api_worker *w, const char *id,
                            const struct api_param *p, int n,
                            struct api_response *out)
{
    (void)id;
    const char *prefix = param(p, n, "prefix");
    const char *kind_s = param(p, n, "kind");
    int kind = -1, limit = 10;
    if (!prefix || !*prefix) {
        reply_error(out, 400, "prefix is missing: the start of a name");
        return NULL;
    }
    if (kind_s && *kind_s) {
        kind = strcmp(kind_s, "person") == 0  ? ENT_PERSON
               : strcmp(kind_s, "place") == 0 ? ENT_PLACE
               : strcmp(kind_s, "org") == 0   ? ENT_ORG
                                              : -2;
        if (kind == -2) {
            char sv[80];
            shown(sv, sizeof sv, kind_s, strlen(kind_s));
            reply_error(out, 400,
                        "kind must be person, place or org, not "
                        "\"%s\"",
                        sv);
            return NULL;
        }
    }
    if (int_param(p, n, "limit", 1, API_MAX_LIMIT, &limit, out) < 0 ||
        open_or_reply(w, out) < 0)
        return NULL;
    struct search_result res;
    struct mg_err err;
    json_t *doc = NULL;
    if (search_entities(w->searcher, prefix, kind, limit, &res, &err) < 0) {
        reply_failure(w, out, &err);
    } else {
        doc = json_pack("{s:o s:o}", "prefix", search_json_str(prefix),
                        "entities", search_entities_json(&res));
        if (w->api->cluster) /* partial, missing_shards */
            search_missing_json(doc, w->searcher);
    }
    searcher_set_deadline(w->searcher, 0);
    search_result_free(&res);
    return doc;
}

/* /api/article/ID with its parameters checked, as search_doc(). */
static json_t *article_doc(struct api_worker *w, const char *id,
                           const struct api_param *p, int n,
                           struct api_response *out)
{
    const char *q = param(p, n, "q");
    char sv[80];
    shown(sv, sizeof sv, id, strlen(id));
    if (!*id || strlen(id) > 4096 || !valid_utf8(id, strlen(id))) {
        reply_error(out, 404, "no article \"%s\"", sv);
        return NULL;
    }
    if (open_or_reply(w, out) < 0)
        return NULL;
    struct article a = {0};
    struct search_result ents;
    struct mg_err err;
    struct search_marks marks = {0};
    json_t *doc = NULL;
    int found = search_article(w->searcher, id, &a, &ents, &err);
    int blank = !q || q[strspn(q, " \t\r\n")] == '\0';
    int mrc = found > 0 && !blank
                  ? search_marks(w->searcher, id, q, &a, &marks, &err)
                  : 0;
    searcher_set_deadline(w->searcher, 0);
    if (found < 0 || (mrc < 0 && mrc != SEARCH_EUSAGE)) {
        reply_failure(w, out, &err);
    } else if (found == 0) {
        reply_error(out, 404, "no article \"%s\"", sv);
    } else if (mrc == SEARCH_EUSAGE) {
        reply_error(out, 400, "%s", err.msg);
    } else {
        doc = search_article_doc(&a, &ents, blank ? NULL : q, &marks, 0);
    }
    article_clear(&a);
    search_result_free(&ents);
    search_marks_free(&marks);
    return doc;
}

/* /healthz with its parameters checked, as search_doc(); a 503 when the
 * index is unavailable. */
static json_t *health_doc(struct api_worker *w, const char *id,
                          const struct api_param *p, int n,
                          struct api_response *out)
{
    (void)id;
    (void)p;
    (void)n;
    struct mg_err err;
    struct store_health h = {0};
    if (w->api->cluster)
        /* the server is up; the shards answer for themselves (a search
         * says which did not) */
        return json_pack("{s:s s:s s:s}", "status", "ok", "engine",
                         "xapian-cluster", "version", MORGUE_VERSION);
    if (worker_open(w, &err) < 0 || store_health(w->store, &h, &err) < 0) {
        reply_json(out, 503,
                   json_pack("{s:s s:s}", "status", "unavailable", "error",
                             "the index is unavailable (the server's log "
                             "says why)"));
        out->log = mg_strdup(err.msg);
        return NULL;
    }
    json_t *last = json_null();
    if (h.last_run) {
        /* "TIME SUMMARY": the time */
        h.last_run[strcspn(h.last_run, " ")] = 0;
        last = search_json_str(h.last_run);
        free(h.last_run);
    }
    return json_pack("{s:s s:I s:o s:i s:s}", "status", "ok", "articles",
                     (json_int_t)h.articles, "last_reindex", last, "schema",
                     h.schema, "version", MORGUE_VERSION);
}

/* An endpoint of the JSON API: the parameters it takes (the others are
 * ignored, with a warning) and what answers it once they are checked. */
struct endpoint {
    const char *const *keys;     /* accepted */
    const char *const *repeated; /* of those, the repeatable ones */
    /* id: the rest of the path after the endpoint's (an article's id) */
    json_t *(*doc)(struct api_worker *w, const char *id,
                   const struct api_param *p, int n, struct api_response *out);
};

/* Answers with endpoint e: checks the parameters, and sends e's document
 * with the warnings about them. */
static void answer(struct api_worker *w, const struct endpoint *e,
                   const char *id, const struct api_param *p, int n,
                   struct api_response *out)
{
    json_t *warn;
    struct spec sp = {e->keys, e->repeated};
    if (check_params(&sp, p, n, &warn, out) < 0)
        return;
    json_t *doc = e->doc(w, id, p, n, out);
    if (doc)
        reply_doc(out, doc, warn);
    else
        json_decref(warn);
}

static void do_static(struct api *a, const char *path, struct api_response *out)
{
    const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
    for (int i = 0; safe_name(name) && i < a->nfiles; i++)
        if (strcmp(a->files[i].name, name) == 0) {
            out->status = 200;
            out->type = a->files[i].type;
            out->body = a->files[i].data;
            out->len = a->files[i].len;
            out->is_static = 1;
            return;
        }
    reply_error(out, 404, "not found");
}

/* Whether the query holds a prefix long enough to be expanded: a '*'
 * after at least PLAN_MIN_PREFIX letters or digits (counted as code
 * points; any byte outside ASCII counts as a letter).  Shorter prefixes
 * are refused by the search at once, so they need no lane of their own. */
static int has_prefix(const char *q, size_t len)
{
    int run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)q[i];
        if (c == '*') {
            if (run >= PLAN_MIN_PREFIX)
                return 1;
            run = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c >= 0xC0) {
            run++;
        } else if (c < 0x80) {
            run = 0;
        }
    }
    return 0;
}

/* Routes as api_handle() does: whatever api_lane() calls API_LANE_NONE,
 * api_handle() answers without the worker's connection. */
enum api_lane api_lane(const char *method, const char *path,
                       const struct api_param *params, int nparams)
{
    static const char ARTICLE[] = "/api/article/";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return API_LANE_NONE;
    if (strcmp(path, "/api/search") == 0) {
        for (int i = 0; i < nparams; i++)
            if (strcmp(params[i].key, "q") == 0 &&
                has_prefix(params[i].value, params[i].len))
                return API_LANE_PREFIX;
        return API_LANE_MAIN;
    }
    if (strcmp(path, "/api/entities") == 0 || strcmp(path, "/healthz") == 0 ||
        strncmp(path, ARTICLE, sizeof ARTICLE - 1) == 0)
        return API_LANE_MAIN;
    return API_LANE_NONE;
}

void api_busy(struct api_response *out, enum api_lane lane, double waited)
{
    memset(out, 0, sizeof *out);
    reply_error(out, 503,
                "the server is busy: no %s was free for %.1f s; try again "
                "in a moment",
                lane == API_LANE_PREFIX ? "worker for searches with a prefix"
                                        : "worker",
                waited);
}

/* Whether path is the JSON API's (which CORS and OPTIONS are for). */
static int api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
           strcmp(path, "/healthz") == 0;
}

void api_refuse(struct api_response *out, int status, const char *msg)
{
    memset(out, 0, sizeof *out);
    reply_error(out, status, "%s", msg);
}

void api_handle(struct api_worker *w, const char *method, const char *path,
                const struct api_param *params, int nparams,
                struct api_response *out)
{
    static const char *const SEARCH_KEYS[] = {
        "q",       "person", "place",  "org",      "source",
        "section", "since",  "until",  "sort",     "page",
        "offset",  "limit",  "strict", "collapse", NULL};
    static const char *const SEARCH_REPEATED[] = {"person", "place", "org",
                                                  NULL};
    static const char *const ENTITY_KEYS[] = {"prefix", "kind", "limit", NULL};
    static const char *const ARTICLE_KEYS[] = {"q", NULL};
    static const char *const NO_KEYS[] = {NULL};
    static const struct endpoint SEARCH = {SEARCH_KEYS, SEARCH_REPEATED,
                                           search_doc};
    static const struct endpoint ENTITIES = {ENTITY_KEYS, NULL, entities_doc};
    static const struct endpoint ARTICLE = {ARTICLE_KEYS, NULL, article_doc};
    static const struct endpoint HEALTH = {NO_KEYS, NULL, health_doc};
    static const char ARTICLE_PATH[] = "/api/article/";
    memset(out, 0, sizeof *out);
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!get && api_path(path) && strcmp(method, "OPTIONS") == 0) {
        /* a CORS preflight (api_cors() adds its headers) */
        out->status = 204;
        out->allow = "GET, HEAD, OPTIONS";
        return;
    }
    if (!get) {
        reply_error(out, 405, "only GET and HEAD%s are accepted",
                    api_path(path) ? " (and OPTIONS)" : "");
        out->allow = api_path(path) ? "GET, HEAD, OPTIONS" : "GET, HEAD";
        return;
    }
    if (strcmp(path, "/api/search") == 0)
        answer(w, &SEARCH, NULL, params, nparams, out);
    else if (strcmp(path, "/api/entities") == 0)
        answer(w, &ENTITIES, NULL, params, nparams, out);
    else if (strncmp(path, ARTICLE_PATH, sizeof ARTICLE_PATH - 1) == 0)
        answer(w, &ARTICLE, path + sizeof ARTICLE_PATH - 1, params, nparams,
               out);
    else if (strcmp(path, "/healthz") == 0)
        answer(w, &HEALTH, NULL, params, nparams, out);
    else if (api_path(path))
        reply_error(out, 404,
                    "no such endpoint: the API has /api/search, "
                    "/api/article/ID, /api/entities and /healthz");
    else
        do_static(w->api, path, out);
}

void api_response_free(struct api_response *r)
{
    if (!r)
        return;
    if (r->owned)
        free(r->body);
    free(r->log);
    memset(r, 0, sizeof *r);
}

static void add_header(struct api_response *out, const char *name,
                       const char *value)
{
    if (out->nheaders < API_MAX_HEADERS)
        out->headers[out->nheaders++] = (struct api_header){name, value};
}

/* Whether s is a list of header names ("X-Requested-With, Content-Type")
 * that may be sent back as it is. */
static int header_names(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isalnum((unsigned char)s[n]) && !strchr("-_, ", s[n]))
            return 0;
    return n > 0 && n <= 256;
}

void api_cors(const struct api *a, const char *method, const char *path,
              const char *origin, const char *request_headers,
              struct api_response *out)
{
    if (!a || (!a->any_origin && !a->norigins) || !api_path(path))
        return;
    const char *allowed = a->any_origin ? "*" : NULL;
    if (!allowed) {
        /* the answer differs by Origin: caches must keep them apart */
        add_header(out, "Vary", "Origin");
        for (int i = 0; origin && i < a->norigins; i++)
            if (strcasecmp(origin, a->origins[i]) == 0)
                allowed = origin;
    }
    if (!allowed)
        return;
    add_header(out, "Access-Control-Allow-Origin", allowed);
    if (strcmp(method, "OPTIONS") == 0 && out->status == 204) {
        add_header(out, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        add_header(out, "Access-Control-Max-Age", "7200");
        if (request_headers && header_names(request_headers))
            add_header(out, "Access-Control-Allow-Headers", request_headers);
    } else {
        /* the wait a 429 or 503 asks for, readable by the page */
        add_header(out, "Access-Control-Expose-Headers", "Retry-After");
    }
}
