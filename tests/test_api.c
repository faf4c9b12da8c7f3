/*
 * test_api.c - morgue-serve's answers (query/api.c), without HTTP: every
 * endpoint, every kind of bad input, JSON escaping, the date histogram,
 * the page's files, and an index file replaced under a running worker.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "helpers.h"
#include "search.h"
#include "store.h"

static char *dir, *db, *web;
static struct api *api;
static struct api_worker *w;

/* Writes an index at path with these (uid, title, body, date) articles. */
static void make_index(const char *path, const char *const (*arts)[4], int n)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, STORE_WRITE, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        struct article a = {0};
        a.uid = mg_strdup(arts[i][0]);
        a.title = mg_strdup(arts[i][1]);
        a.body = mg_strdup(arts[i][2]);
        a.date = mg_strdup(arts[i][3]);
        a.source = mg_strdup(i % 2 ? "Wire" : "Daily");
        cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
        struct ent e = {.kind = ENT_PLACE,
                        .canonical = "Pyongyang",
                        .key = "pyongyang",
                        .count = 1};
        char *m = "Pyongyang";
        e.mentions = &m;
        e.nmentions = 1;
        struct ent_set es = {&e, strstr(a.body, "Pyongyang") ? 1 : 0};
        cr_assert_eq(store_put_entities(st, &es, &err), 0, "%s", err.msg);
        article_clear(&a);
    }
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    /* the word statistics, which prefixes are expanded from */
    cr_assert_eq(store_finish(st, &err), 0, "%s", err.msg);
    store_close(st);
}

static const char *const ARTS[][4] = {
    {"a1", "Summit in Pyongyang", "Leaders met at a summit in Pyongyang.",
     "2018-02-10"},
    {"a2", "Second summit", "Another summit, again in Pyongyang.",
     "2018-02-20"},
    {"a3", "Quote \"this\" \\ back\x01slash </script>",
     "Escapes test: tab\there, a summit too.", "2018-02-12"},
    {"b1", "Harvest report", "The wheat harvest was good.", "2016-05-01"},
    {"b2", "Harvest again", "The wheat harvest was poor.", "2017-09-01"},
    {"c1", "Old cocoa", "Cocoa prices fell.", "1975-01-01"},
    {"c2", "New cocoa", "Cocoa prices rose.", "2020-06-30"},
    {"d1", "Undated cocoa", "Cocoa without a date.", NULL},
    {"u1", "Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9",
     "Un caf\xc3\xa9 \xe2\x80\x94 "
     "summit na\xc3\xafve.",
     "2018-02-15"},
};

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

static void setup(void)
{
    dir = mk_tmpdir();
    db = path_in(dir, "m.db");
    make_index(db, ARTS, sizeof ARTS / sizeof *ARTS);
    web = path_in(dir, "web");
    mkdir(web, 0755);
    char *p = path_in(web, "index.html");
    write_text(p, "<!doctype html><title>morgue</title>");
    free(p);
    p = path_in(web, "app.js");
    write_text(p, "console.log(1);");
    free(p);
    p = path_in(web, ".secret");
    write_text(p, "hidden");
    free(p);
    p = path_in(web, "bad name.txt");
    write_text(p, "spaces");
    free(p);
    p = path_in(web, "sub");
    mkdir(p, 0755);
    free(p);
    p = path_in(dir, "outside.txt");
    write_text(p, "outside");
    free(p);
    struct api_config c = {.db = db, .web_dir = web, .timeout_ms = 10000};
    struct mg_err err = {""};
    cr_assert_eq(api_new(&c, &api, &err), 0, "%s", err.msg);
    w = api_worker_new(api);
}

static void teardown(void)
{
    api_worker_free(w);
    w = NULL;
    api_free(api);
    api = NULL;
    if (dir)
        rm_tree(dir);
    free(dir);
    free(db);
    free(web);
    dir = db = web = NULL;
    expect_no_leaks();
}

TestSuite(api, .init = setup, .fini = teardown);

/* GETs path with "key=value" parameters (NULL-terminated), checks the
 * status, and returns the parsed JSON body (caller decrefs). */
static json_t *get(const char *path, int status, ...)
{
    struct api_param p[40];
    int n = 0;
    va_list ap;
    va_start(ap, status);
    const char *kv;
    char *keys[40];
    while ((kv = va_arg(ap, const char *)) != NULL && n < 40) {
        const char *eq = strchr(kv, '=');
        keys[n] = mg_strndup(kv, (size_t)(eq - kv));
        p[n].key = keys[n];
        p[n].value = eq + 1;
        p[n].len = strlen(eq + 1);
        n++;
    }
    va_end(ap);
    struct api_response r;
    api_handle(w, "GET", path, p, n, &r);
    for (int i = 0; i < n; i++)
        free(keys[i]);
    cr_expect_eq(r.status, status, "%s: status %d, body %.*s", path, r.status,
                 (int)r.len, r.body);
    json_error_t je;
    json_t *doc = json_loadb(r.body, r.len, 0, &je);
    cr_assert_not_null(doc, "%s: not JSON (%s): %.*s", path, je.text,
                       (int)r.len, r.body);
    cr_expect_str_eq(r.type, "application/json; charset=utf-8");
    api_response_free(&r);
    return doc;
}

/* The error message of a 400 answer to /api/search with these params. */
static char *bad_search(const struct api_param *p, int n)
{
    struct api_response r;
    api_handle(w, "GET", "/api/search", p, n, &r);
    cr_expect_eq(r.status, 400, "%.*s", (int)r.len, r.body);
    json_t *doc = json_loadb(r.body, r.len, 0, NULL);
    cr_assert_not_null(doc, "%.*s", (int)r.len, r.body);
    cr_expect_eq(json_integer_value(json_object_get(doc, "status")), 400);
    char *msg = mg_strdup(json_string_value(json_object_get(doc, "error")));
    cr_assert_not_null(msg);
    json_decref(doc);
    api_response_free(&r);
    return msg;
}

Test(api, search_answers_hits_facets_histogram_and_paging)
{
    json_t *d = get("/api/search", 200, "q=summit", "limit=2", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 4);
    cr_expect_eq(json_integer_value(json_object_get(d, "page")), 1);
    cr_expect_eq(json_integer_value(json_object_get(d, "limit")), 2);
    cr_expect_eq(json_integer_value(json_object_get(d, "pages")), 2);
    cr_expect(json_is_real(json_object_get(d, "took_ms")));
    json_t *hits = json_object_get(d, "hits");
    cr_assert_eq(json_array_size(hits), 2);
    json_t *h = json_array_get(hits, 0);
    const char *snippet = json_string_value(json_object_get(h, "snippet"));
    json_t *hl = json_array_get(json_object_get(h, "highlights"), 0);
    cr_assert_not_null(hl);
    int start = (int)json_integer_value(json_array_get(hl, 0));
    int len = (int)json_integer_value(json_array_get(hl, 1));
    cr_expect_eq(len, 6);
    cr_expect(strncasecmp(snippet + start, "summit", 6) == 0 ||
                  strstr(snippet, "\xc3"), /* code points, not bytes */
              "%s [%d,%d]", snippet, start, len);
    cr_expect_null(json_object_get(h, "path"), "no server paths");
    json_t *place = json_object_get(json_object_get(d, "facets"), "place");
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(place, 0), "name")),
        "Pyongyang");
    json_t *src = json_object_get(json_object_get(d, "facets"), "source");
    cr_expect_eq(json_array_size(src), 2);
    json_t *hg = json_object_get(d, "histogram");
    cr_expect_str_eq(json_string_value(json_object_get(hg, "unit")), "day");
    json_t *b = json_object_get(hg, "buckets");
    /* 2018-02-10 to 2018-02-20, every day listed */
    cr_expect_eq(json_array_size(b), 11);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(b, 0), "date")),
        "2018-02-10");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(b, 1), "count")), 0);
    json_decref(d);

    d = get("/api/search", 200, "q=summit", "limit=2", "page=2", NULL);
    cr_expect_eq(json_array_size(json_object_get(d, "hits")), 2);
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "limit=2", "page=3", NULL);
    cr_expect_eq(json_array_size(json_object_get(d, "hits")), 0);
    json_decref(d);
}

Test(api, histogram_unit_follows_the_span)
{
    json_t *d = get("/api/search", 200, "q=harvest", NULL);
    json_t *hg = json_object_get(d, "histogram");
    cr_expect_str_eq(json_string_value(json_object_get(hg, "unit")), "month");
    json_t *b = json_object_get(hg, "buckets");
    cr_expect_eq(json_array_size(b), 17); /* 2016-05 .. 2017-09 */
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(b, 16), "date")),
        "2017-09");
    json_decref(d);
    d = get("/api/search", 200, "q=cocoa", NULL);
    hg = json_object_get(d, "histogram");
    cr_expect_str_eq(json_string_value(json_object_get(hg, "unit")), "year");
    cr_expect_eq(json_array_size(json_object_get(hg, "buckets")), 46);
    cr_expect_eq(json_integer_value(json_object_get(hg, "undated")), 1);
    json_decref(d);
}

Test(api, filters_sort_and_dates)
{
    json_t *d = get("/api/search", 200, "q=summit", "place=Pyongyang",
                    "sort=oldest", NULL);
    json_t *hits = json_object_get(d, "hits");
    cr_expect_eq(json_array_size(hits), 2);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(hits, 0), "id")),
        "a1");
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "since=2018-02-12",
            "until=2018-02-15", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 2);
    json_decref(d);
    d = get("/api/search", 200, "source=wire", NULL); /* filters only */
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 4);
    json_decref(d);
}

Test(api, bad_parameters_are_400_with_a_message)
{
    static const struct {
        const char *k, *v, *says;
    } BAD[] = {
        {"limit", "-1", "limit must be a number from 1 to 100"},
        {"limit", "101", "limit"},
        {"limit", "1e3", "limit"},
        {"page", "abc", "page must be a number from 1 to 1000"},
        {"page", "0", "page"},
        {"page", "1001", "page"},
        {"sort", "best", "sort must be relevance, newest or oldest"},
        {"strict", "yes", "strict must be 0 or 1"},
        {"since", "1987-02-31", "1987-02-31"},
        {"since", "1987-02-29",
         "\"1987-02-29\": no such day (1987 is not a "
         "leap year)"},
        {"until", "1999-02-30", "\"1999-02-30\": no such day"},
        {"q", "summit date:1987-02-29", "\"1987-02-29\": no such day"},
        {"q", "date:2020-13-01", "no such month"},
        {"foo", "1", "unknown parameter \"foo\""},
        {"q", "title:", "needs a word"},
        {"q", "-summit", "not excluded"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct api_param p[2] = {{"q", "summit", 6},
                                 {BAD[i].k, BAD[i].v, strlen(BAD[i].v)}};
        int one = strcmp(BAD[i].k, "q") == 0;
        char *msg = bad_search(one ? p + 1 : p, one ? 1 : 2);
        cr_expect(strstr(msg, BAD[i].says) != NULL, "%s=%s: %s", BAD[i].k,
                  BAD[i].v, msg);
        free(msg);
    }
    /* q missing, q of 10 KB, invalid UTF-8, a NUL, a key twice */
    char *msg = bad_search(NULL, 0);
    cr_expect(strstr(msg, "q is missing") != NULL, "%s", msg);
    free(msg);
    char *big = mg_malloc(10241);
    memset(big, 'a', 10240);
    big[10240] = '\0';
    struct api_param p = {"q", big, 10240};
    msg = bad_search(&p, 1);
    cr_expect(strstr(msg, "q is too long: 10240 bytes") != NULL, "%s", msg);
    free(msg);
    free(big);
    struct api_param inv = {"q", "caf\xc3(", 5};
    msg = bad_search(&inv, 1);
    cr_expect(strstr(msg, "not valid UTF-8") != NULL, "%s", msg);
    json_t *j = json_string(msg); /* the message itself is valid UTF-8 */
    cr_expect_not_null(j);
    json_decref(j);
    free(msg);
    struct api_param nul = {"q", "a\0b", 3};
    msg = bad_search(&nul, 1);
    cr_expect(strstr(msg, "not valid UTF-8") != NULL, "%s", msg);
    free(msg);
    struct api_param twice[2] = {{"q", "a", 1}, {"q", "b", 1}};
    msg = bad_search(twice, 2);
    cr_expect(strstr(msg, "q is given twice") != NULL, "%s", msg);
    free(msg);
    struct api_param many[API_MAX_PARAMS + 1];
    for (int i = 0; i <= API_MAX_PARAMS; i++)
        many[i] = (struct api_param){"person", "x", 1};
    msg = bad_search(many, API_MAX_PARAMS + 1);
    cr_expect(strstr(msg, "at most") != NULL, "%s", msg);
    free(msg);
}

Test(api, archive_text_is_escaped_as_json)
{
    json_t *d = get("/api/article/a3", 200, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "title")),
                     "Quote \"this\" \\ back\x01slash </script>");
    json_decref(d);
    d = get("/api/article/u1", 200, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "title")),
                     "Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9");
    json_decref(d);
    /* highlights count code points: "summit" after "Un café — " */
    d = get("/api/search", 200, "q=naïve", NULL);
    json_t *h = json_array_get(json_object_get(d, "hits"), 0);
    json_t *hl = json_array_get(json_object_get(h, "highlights"), 0);
    cr_expect_eq(json_integer_value(json_array_get(hl, 0)), 17);
    cr_expect_eq(json_integer_value(json_array_get(hl, 1)), 5);
    json_decref(d);
}

Test(api, article_entities_and_not_found)
{
    json_t *d = get("/api/article/a1", 200, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "body")),
                     "Leaders met at a summit in Pyongyang.");
    json_t *e = json_array_get(json_object_get(d, "entities"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "name")),
                     "Pyongyang");
    cr_expect_str_eq(json_string_value(json_object_get(e, "kind")), "place");
    json_decref(d);
    d = get("/api/article/nope", 404, NULL);
    cr_expect_not_null(strstr(json_string_value(json_object_get(d, "error")),
                              "no article \"nope\""));
    json_decref(d);
    d = get("/api/article/", 404, NULL);
    json_decref(d);
    d = get("/api/article/a1", 400, "x=1", NULL);
    json_decref(d);
}

Test(api, entities_for_autocomplete)
{
    json_t *d = get("/api/entities", 200, "prefix=pyo", "kind=place", NULL);
    json_t *e = json_array_get(json_object_get(d, "entities"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "name")),
                     "Pyongyang");
    cr_expect_eq(json_integer_value(json_object_get(e, "count")), 2);
    json_decref(d);
    d = get("/api/entities", 200, "prefix=pyo", "kind=person", NULL);
    cr_expect_eq(json_array_size(json_object_get(d, "entities")), 0);
    json_decref(d);
    json_decref(get("/api/entities", 400, NULL));
    json_decref(get("/api/entities", 400, "prefix=p", "kind=thing", NULL));
    json_decref(get("/api/entities", 400, "prefix=p", "limit=0", NULL));
}

Test(api, health_and_unknown_paths)
{
    json_t *d = get("/healthz", 200, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "status")), "ok");
    cr_expect_eq(json_integer_value(json_object_get(d, "articles")), 9);
    cr_expect(json_is_null(json_object_get(d, "last_reindex")));
    json_decref(d);
    json_decref(get("/api/nothing", 404, NULL));
    json_decref(get("/api", 404, NULL));
}

Test(api, only_get_and_head)
{
    struct api_response r;
    api_handle(w, "POST", "/api/search", NULL, 0, &r);
    cr_expect_eq(r.status, 405);
    cr_expect_str_eq(r.allow, "GET, HEAD");
    api_response_free(&r);
    api_handle(w, "HEAD", "/healthz", NULL, 0, &r);
    cr_expect_eq(r.status, 200);
    api_response_free(&r);
}

Test(api, static_files_only_from_the_folder)
{
    struct api_response r;
    api_handle(w, "GET", "/", NULL, 0, &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.type, "text/html; charset=utf-8");
    cr_expect(r.len > 10 && memcmp(r.body, "<!doctype", 9) == 0);
    api_response_free(&r);
    api_handle(w, "GET", "/app.js", NULL, 0, &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.type, "text/javascript; charset=utf-8");
    api_response_free(&r);
    static const char *const NO[] = {
        "/../outside.txt",     "/..",          "/.secret",
        "/bad name.txt",       "/sub",         "/sub/",
        "//etc/passwd",        "/index.html/", "/%2e%2e/outside.txt",
        "/web/../outside.txt", "/outside.txt", "/nothing.html"};
    for (size_t i = 0; i < sizeof NO / sizeof *NO; i++) {
        api_handle(w, "GET", NO[i], NULL, 0, &r);
        cr_expect_eq(r.status, 404, "%s: %d", NO[i], r.status);
        api_response_free(&r);
    }
}

Test(api, a_replaced_index_file_is_reopened)
{
    json_t *d = get("/healthz", 200, NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "articles")), 9);
    json_decref(d);
    /* a new index built beside it, then moved over it */
    char *other = path_in(dir, "new.db");
    make_index(other, ARTS, 2);
    cr_assert_eq(rename(other, db), 0);
    free(other);
    d = get("/healthz", 200, NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "articles")), 2);
    json_decref(d);
    d = get("/api/search", 200, "q=cocoa", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 0);
    json_decref(d);
}

Test(api, a_missing_index_is_503_or_refused_at_start)
{
    struct api *a2 = NULL;
    char *none = path_in(dir, "none.db");
    struct api_config c = {.db = none};
    struct mg_err err = {""};
    cr_expect_eq(api_new(&c, &a2, &err), -1);
    cr_expect(strstr(err.msg, "none.db") != NULL, "%s", err.msg);
    free(none);
    /* a worker whose file went away before its first request */
    cr_assert_eq(unlink(db), 0);
    json_t *d = get("/healthz", 503, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "status")),
                     "unavailable");
    json_decref(d);
    json_decref(get("/api/search", 503, "q=summit", NULL));
}

/* An index of n articles whose bodies hold 40 of 200 words "grainNNN",
 * for searches that take some milliseconds. */
static void make_grain_index(const char *path, int n)
{
    const char *(*arts)[4] = mg_calloc((size_t)n, sizeof *arts);
    for (int i = 0; i < n; i++) {
        struct buf body = {0};
        for (int k = 0; k < 40; k++)
            buf_printf(&body, "grain%03d ", (i * 7 + k * 13) % 200);
        char uid[32], title[64], date[16];
        snprintf(uid, sizeof uid, "g%d", i);
        snprintf(title, sizeof title, "Grain report %d", i);
        snprintf(date, sizeof date, "19%02d-%02d-01", 70 + i % 30, 1 + i % 12);
        arts[i][0] = mg_strdup(uid);
        arts[i][1] = mg_strdup(title);
        arts[i][2] = buf_take(&body);
        arts[i][3] = mg_strdup(date);
    }
    make_index(path, (const char *const(*)[4])arts, n);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            free((char *)arts[i][k]);
    free(arts);
}

Test(api, a_search_past_its_time_budget_is_503)
{
    char *big = path_in(dir, "grain.db");
    make_grain_index(big, 3000);
    struct api_param q[] = {{"q", "grain0* OR grain1*", 18}};
    struct mg_err err = {""};
    struct api_response r;
    /* the server's --timeout, here in milliseconds: first ample, then
     * 1 ms, which the same search cannot keep to */
    for (int ms = 10000; ms >= 1; ms = ms == 10000 ? 1 : 0) {
        struct api *a2 = NULL;
        struct api_config c = {.db = big, .timeout_ms = ms};
        cr_assert_eq(api_new(&c, &a2, &err), 0, "%s", err.msg);
        struct api_worker *w2 = api_worker_new(a2);
        api_handle(w2, "GET", "/api/search", q, 1, &r);
        json_t *d = json_loadb(r.body, r.len, 0, NULL);
        cr_assert_not_null(d, "%.*s", (int)r.len, r.body);
        if (ms > 1) {
            cr_expect_eq(r.status, 200, "%.*s", (int)r.len, r.body);
            cr_expect_eq(json_integer_value(json_object_get(d, "total")), 3000);
        } else {
            cr_expect_eq(r.status, 503, "%.*s", (int)r.len, r.body);
            const char *e = json_string_value(json_object_get(d, "error"));
            cr_expect(e && strstr(e, "took longer than") &&
                          strstr(e, "narrow it"),
                      "%s", e ? e : "(no error)");
            cr_expect_eq(json_integer_value(json_object_get(d, "status")), 503);
        }
        json_decref(d);
        api_response_free(&r);
        /* the worker still answers once the deadline is gone */
        api_handle(w2, "GET", "/healthz", NULL, 0, &r);
        cr_expect_eq(r.status, 200, "%.*s", (int)r.len, r.body);
        api_response_free(&r);
        api_worker_free(w2);
        api_free(a2);
    }
    free(big);
}

Test(api, lanes_keep_prefix_searches_apart)
{
    static const struct {
        const char *method, *path, *q;
        enum api_lane lane;
    } L[] = {
        {"GET", "/api/search", "econ*", API_LANE_PREFIX},
        {"GET", "/api/search", "oil OR title:pric*", API_LANE_PREFIX},
        {"GET", "/api/search", "\"caf\xc3\xa9s*\"", API_LANE_PREFIX},
        {"HEAD", "/api/search", "sai* OR yea*", API_LANE_PREFIX},
        {"GET", "/api/search", "oil prices", API_LANE_MAIN},
        {"GET", "/api/search", "ec* OR a*", API_LANE_MAIN}, /* refused */
        {"GET", "/api/search", "*** 5 * 3", API_LANE_MAIN},
        {"GET", "/api/search", NULL, API_LANE_MAIN},
        {"GET", "/healthz", NULL, API_LANE_MAIN},
        {"GET", "/api/entities", "econ*", API_LANE_MAIN},
        {"GET", "/api/article/x", NULL, API_LANE_MAIN},
        {"GET", "/", NULL, API_LANE_NONE},
        {"GET", "/app.js", NULL, API_LANE_NONE},
        {"GET", "/api/nothing", NULL, API_LANE_NONE},
        {"POST", "/api/search", "econ*", API_LANE_NONE},
    };
    for (size_t i = 0; i < sizeof L / sizeof *L; i++) {
        struct api_param p = {"q", L[i].q, L[i].q ? strlen(L[i].q) : 0};
        cr_expect_eq(api_lane(L[i].method, L[i].path, &p, L[i].q ? 1 : 0),
                     L[i].lane, "%s %s q=%s", L[i].method, L[i].path,
                     L[i].q ? L[i].q : "");
    }
    struct api_response r;
    api_busy(&r, API_LANE_PREFIX, 10);
    cr_expect_eq(r.status, 503);
    json_t *d = json_loadb(r.body, r.len, 0, NULL);
    cr_assert_not_null(d);
    cr_expect(strstr(json_string_value(json_object_get(d, "error")), "busy") !=
              NULL);
    json_decref(d);
    api_response_free(&r);
}
