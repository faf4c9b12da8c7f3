/*
 * api.c - morgue-serve's answers: the JSON API and the page's files.
 */
#include "api.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct api {
    char *db;
    int timeout_ms;
    struct web_file files[MAX_WEB_FILES];
    int nfiles;
};

struct api_worker {
    struct api *api;
    struct store *store;
    struct searcher *searcher;
    dev_t dev;
    ino_t ino;
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

int api_new(const struct api_config *c, struct api **out, struct mg_err *err)
{
    *out = NULL;
    struct api *a = mg_calloc(1, sizeof *a);
    a->db = mg_strdup(c->db);
    a->timeout_ms = c->timeout_ms;
    struct store *st = NULL;
    if (store_open(a->db, STORE_READ, &st, err) < 0 ||
        (c->web_dir && load_web(a, c->web_dir, err) < 0)) {
        store_close(st);
        api_free(a);
        return -1;
    }
    store_close(st);
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
    free(a->db);
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
    struct stat st;
    int seen = stat(w->api->db, &st) == 0;
    if (w->store) {
        /* A missing file is a replacement under way: keep the old one. */
        if (!seen || (st.st_dev == w->dev && st.st_ino == w->ino))
            return 0;
        worker_close(w);
    }
    if (store_open(w->api->db, STORE_READ, &w->store, err) < 0 ||
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

/* The parameters of one endpoint, checked: known keys, valid UTF-8, no
 * NUL, within the bounds, no key twice unless it is repeatable. */
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

static int check_params(const struct spec *sp, const struct api_param *p, int n,
                        struct api_response *out)
{
    char k[80], v[80];
    if (n > API_MAX_PARAMS) {
        reply_error(out, 400, "at most %d parameters", API_MAX_PARAMS);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        shown(k, sizeof k, p[i].key, strlen(p[i].key));
        if (!in_list(sp->keys, p[i].key)) {
            struct buf acc = {0};
            for (const char *const *l = sp->keys; *l; l++)
                buf_printf(&acc, "%s%s", l == sp->keys ? "" : ", ", *l);
            reply_error(out, 400, "unknown parameter \"%s\" (accepted: %s)", k,
                        acc.s ? acc.s : "none");
            buf_free(&acc);
            return -1;
        }
        size_t max = strcmp(p[i].key, "q") == 0 ? API_MAX_QUERY : API_MAX_VALUE;
        if (p[i].len > max) {
            reply_error(out, 400, "%s is too long: %zu bytes (at most %zu)", k,
                        p[i].len, max);
            return -1;
        }
        shown(v, sizeof v, p[i].value, p[i].len);
        if (memchr(p[i].value, '\0', p[i].len) ||
            !valid_utf8(p[i].value, p[i].len)) {
            reply_error(out, 400, "%s is not valid UTF-8 text: \"%s\"", k, v);
            return -1;
        }
        if (in_list(sp->repeated, p[i].key))
            continue;
        for (int j = 0; j < i; j++)
            if (strcmp(p[j].key, p[i].key) == 0) {
                reply_error(out, 400, "%s is given twice", k);
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

/* Reads the number value of key into *v (unchanged when absent). */
static int int_param(const struct api_param *p, int n, const char *key, int lo,
                     int hi, int *v, struct api_response *out)
{
    const char *s = param(p, n, key);
    if (!s)
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

/* Reads a 0/1 flag. */
static int flag_param(const struct api_param *p, int n, const char *key, int *v,
                      struct api_response *out)
{
    const char *s = param(p, n, key);
    if (!s)
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
    if (w->searcher && searcher_timed_out(w->searcher))
        reply_error(out, 503,
                    "the search took longer than %.1f s; "
                    "narrow it down",
                    w->api->timeout_ms / 1000.0);
    else
        reply_error(out, 500, "%s", err->msg);
}

static int open_or_reply(struct api_worker *w, struct api_response *out)
{
    struct mg_err err;
    if (worker_open(w, &err) < 0) {
        reply_error(out, 503, "the index is unavailable: %s", err.msg);
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

/* The search a /search request asks for, into *so (its filters in
 * filters, QPARSE_MAX_FILTERS at most) and *page.  Returns 0, or -1 with
 * an error reply in out. */
static int search_request(const struct api_param *p, int n,
                          struct search_opts *so, struct qfilter *filters,
                          int *page, struct api_response *out)
{
    int nf = search_filters(p, n, filters, out), collapse = 1;
    if (nf < 0)
        return -1;
    so->filters = filters;
    so->nfilters = nf;
    so->query = param(p, n, "q");
    so->source = param(p, n, "source");
    so->since = param(p, n, "since");
    so->until = param(p, n, "until");
    /* An empty value is no filter. */
    if (so->source && !*so->source)
        so->source = NULL;
    if (so->since && !*so->since)
        so->since = NULL;
    if (so->until && !*so->until)
        so->until = NULL;
    if (sort_param(p, n, &so->sort, out) < 0 ||
        int_param(p, n, "limit", 1, API_MAX_LIMIT, &so->limit, out) < 0 ||
        int_param(p, n, "page", 1, API_MAX_PAGE, page, out) < 0 ||
        flag_param(p, n, "strict", &so->strict, out) < 0 ||
        flag_param(p, n, "collapse", &collapse, out) < 0)
        return -1;
    so->no_collapse = !collapse;
    so->offset = (*page - 1) * so->limit;
    int blank = 1;
    for (const char *c = so->query; c && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            blank = 0;
    if (blank && !nf && !so->source && !so->since && !so->until) {
        reply_error(out, 400,
                    "q is missing: give a query, or a person, "
                    "place, org, source, since or until filter");
        return -1;
    }
    return 0;
}

/* The search's result as the reply: its JSON with the page, the limit,
 * the number of pages and the time taken. */
static void reply_result(const struct search_opts *so,
                         const struct search_result *res, int page, double took,
                         struct api_response *out)
{
    json_t *doc = search_result_json(so->query ? so->query : "", res,
                                     SEARCH_JSON_HISTOGRAM);
    /* folded near-duplicates take no place on a page (exact when
     * collapsed_exact, else an upper bound); a relaxed search shows
     * the articles with most of the words */
    int64_t shown =
        (res->relaxed ? res->relaxed_total : res->total) - res->collapsed;
    int64_t pages = (shown > 0 ? shown : 0) / so->limit +
                    ((shown > 0 ? shown : 0) % so->limit != 0);
    json_object_set_new(doc, "page", json_integer(page));
    json_object_set_new(doc, "limit", json_integer(so->limit));
    json_object_set_new(
        doc, "pages",
        json_integer(pages < API_MAX_PAGE ? pages : API_MAX_PAGE));
    json_object_set_new(doc, "took_ms",
                        json_real((double)(int64_t)(took * 1e4) / 10));
    reply_json(out, 200, doc);
}

static void do_search(struct api_worker *w, const struct api_param *p, int n,
                      struct api_response *out)
{
    static const char *const KEYS[] = {
        "q",    "person", "place", "org",    "source",   "since", "until",
        "sort", "page",   "limit", "strict", "collapse", NULL};
    static const char *const REPEATED[] = {"person", "place", "org", NULL};
    static const struct spec SPEC = {KEYS, REPEATED};
    if (check_params(&SPEC, p, n, out) < 0)
        return;
    struct search_opts so = {
        .limit = SEARCH_DEFAULT_LIMIT, .facets = 1, .histogram = 1};
    struct qfilter filters[QPARSE_MAX_FILTERS];
    int page = 1;
    if (search_request(p, n, &so, filters, &page, out) < 0)
        return;
    so.budget = w->api->timeout_ms > 0 ? w->api->timeout_ms / 1000.0 : -1;
    if (open_or_reply(w, out) < 0)
        return;
    struct search_result res;
    struct mg_err err;
    double t0 = mg_now();
    int rc = search_run(w->searcher, &so, &res, &err);
    double took = mg_now() - t0;
    searcher_set_deadline(w->searcher, 0);
    if (rc == SEARCH_EUSAGE) {
        reply_error(out, 400, "%s", err.msg);
    } else if (rc == SEARCH_ETIME) {
        /* past its budget (so.budget): the message says so and how to
         * narrow it (searcher_timed_out() was reset with the deadline) */
        reply_error(out, 503, "%s", err.msg);
    } else if (rc < 0) {
        reply_failure(w, out, &err);
    } else {
        reply_result(&so, &res, page, took, out);
    }
    search_result_free(&res);
}

static void do_entities(struct api_worker *w, const struct api_param *p, int n,
                        struct api_response *out)
{
    static const char *const KEYS[] = {"prefix", "kind", "limit", NULL};
    static const struct spec SPEC = {KEYS, NULL};
    if (check_params(&SPEC, p, n, out) < 0)
        return;
    const char *prefix = param(p, n, "prefix");
    const char *kind_s = param(p, n, "kind");
    int kind = -1, limit = 10;
    if (!prefix || !*prefix) {
        reply_error(out, 400, "prefix is missing: the start of a name");
        return;
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
            return;
        }
    }
    if (int_param(p, n, "limit", 1, API_MAX_LIMIT, &limit, out) < 0)
        return;
    if (open_or_reply(w, out) < 0)
        return;
    struct search_result res;
    struct mg_err err;
    if (search_entities(w->searcher, prefix, kind, limit, &res, &err) < 0)
        reply_failure(w, out, &err);
    else
        reply_json(out, 200,
                   json_pack("{s:o s:o}", "prefix", search_json_str(prefix),
                             "entities", search_entities_json(&res)));
    searcher_set_deadline(w->searcher, 0);
    search_result_free(&res);
}

static void do_article(struct api_worker *w, const char *id,
                       const struct api_param *p, int n,
                       struct api_response *out)
{
    static const char *const KEYS[] = {"q", NULL};
    static const struct spec SPEC = {KEYS, NULL};
    if (check_params(&SPEC, p, n, out) < 0)
        return;
    const char *q = param(p, n, "q");
    char sv[80];
    shown(sv, sizeof sv, id, strlen(id));
    if (!*id || strlen(id) > 4096 || !valid_utf8(id, strlen(id))) {
        reply_error(out, 404, "no article \"%s\"", sv);
        return;
    }
    if (open_or_reply(w, out) < 0)
        return;
    struct article a = {0};
    struct search_result ents;
    struct mg_err err;
    struct search_marks marks = {0};
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
        json_t *doc =
            search_article_doc(&a, &ents, blank ? NULL : q, &marks, 0);
        reply_json(out, 200, doc);
    }
    article_clear(&a);
    search_result_free(&ents);
    search_marks_free(&marks);
}

static void do_health(struct api_worker *w, const struct api_param *p, int n,
                      struct api_response *out)
{
    static const char *const KEYS[] = {NULL};
    static const struct spec SPEC = {KEYS, NULL};
    if (check_params(&SPEC, p, n, out) < 0)
        return;
    struct mg_err err;
    struct store_health h = {0};
    if (worker_open(w, &err) < 0 || store_health(w->store, &h, &err) < 0) {
        reply_json(out, 503,
                   json_pack("{s:s s:o}", "status", "unavailable", "error",
                             search_json_str(err.msg)));
        return;
    }
    json_t *last = json_null();
    if (h.last_run) {
        /* "TIME SUMMARY": the time */
        h.last_run[strcspn(h.last_run, " ")] = 0;
        last = search_json_str(h.last_run);
        free(h.last_run);
    }
    reply_json(out, 200,
               json_pack("{s:s s:I s:o s:i s:s}", "status", "ok", "articles",
                         (json_int_t)h.articles, "last_reindex", last, "schema",
                         h.schema, "version", MORGUE_VERSION));
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

void api_handle(struct api_worker *w, const char *method, const char *path,
                const struct api_param *params, int nparams,
                struct api_response *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        reply_error(out, 405, "only GET and HEAD are accepted");
        out->allow = "GET, HEAD";
        return;
    }
    static const char ARTICLE[] = "/api/article/";
    if (strcmp(path, "/api/search") == 0)
        do_search(w, params, nparams, out);
    else if (strcmp(path, "/api/entities") == 0)
        do_entities(w, params, nparams, out);
    else if (strncmp(path, ARTICLE, sizeof ARTICLE - 1) == 0)
        do_article(w, path + sizeof ARTICLE - 1, params, nparams, out);
    else if (strcmp(path, "/healthz") == 0)
        do_health(w, params, nparams, out);
    else if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
        reply_error(out, 404, "no such endpoint (see docs/http-api.md)");
    else
        do_static(w->api, path, out);
}

void api_response_free(struct api_response *r)
{
    if (!r)
        return;
    if (r->owned)
        free(r->body);
    memset(r, 0, sizeof *r);
}
