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
        /* a section for the a and b articles */
        if (arts[i][0][0] == 'a' || arts[i][0][0] == 'b')
            a.section = mg_strdup(arts[i][0][0] == 'a' ? "World" : "Farm");
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
        {"offset", "-1", "offset must be a number from 0 to 99900"},
        {"offset", "99901", "offset must be"},
        {"offset", "x", "offset must be"},
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
    d = get("/api/article/a1", 200, "x=1", NULL); /* ignored, with a warning */
    cr_expect_eq(json_array_size(json_object_get(d, "warnings")), 1);
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
    cr_expect_str_eq(r.allow, "GET, HEAD, OPTIONS");
    api_response_free(&r);
    api_handle(w, "POST", "/", NULL, 0, &r);
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

/* The "warnings" of an answer as one string ("" when it has none). */
static char *warnings_of(json_t *d)
{
    struct buf b = {0};
    buf_printf(&b, "%s", "");
    json_t *ws = json_object_get(d, "warnings");
    size_t i;
    json_t *v;
    json_array_foreach(ws, i, v) buf_printf(&b, "%s|", json_string_value(v));
    return buf_take(&b);
}

Test(api, unknown_parameters_are_ignored_and_named_in_warnings)
{
    /* the cache buster of front-end libraries and campaign tags: silent */
    json_t *d = get("/api/search", 200, "q=summit", "_=1690000000",
                    "utm_source=newsletter", "utm_medium=email", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 4);
    cr_expect_null(json_object_get(d, "warnings"));
    json_decref(d);
    /* a misspelt parameter: ignored (limit stays 10), named once */
    d = get("/api/search", 200, "q=summit", "lmit=2", "lmit=3", "colour=red",
            NULL);
    cr_expect_eq(json_array_size(json_object_get(d, "hits")), 4);
    cr_expect_eq(json_integer_value(json_object_get(d, "limit")), 10);
    char *ws = warnings_of(d);
    cr_expect_str_eq(ws, "unknown parameter \"lmit\" ignored (accepted: q, "
                         "person, place, org, source, section, since, until, "
                         "sort, page, offset, limit, strict, collapse)|"
                         "unknown parameter \"colour\" ignored (accepted: q, "
                         "person, place, org, source, section, since, until, "
                         "sort, page, offset, limit, strict, collapse)|");
    free(ws);
    json_decref(d);
    /* its value is not read: not UTF-8, a NUL, 10 KB */
    struct api_param p[] = {
        {"q", "summit", 6}, {"junk", "\xff\0", 2}, {"\x1b[31m", "x", 1}};
    struct api_response r;
    api_handle(w, "GET", "/api/search", p, 3, &r);
    cr_expect_eq(r.status, 200, "%.*s", (int)r.len, r.body);
    d = json_loadb(r.body, r.len, 0, NULL);
    cr_assert_not_null(d);
    ws = warnings_of(d);
    cr_expect(strstr(ws, "\"junk\"") && strstr(ws, "\"\\x1b[31m\""), "%s", ws);
    free(ws);
    json_decref(d);
    api_response_free(&r);
    /* every endpoint */
    d = get("/api/entities", 200, "prefix=pyo", "_=1", "kindd=place", NULL);
    ws = warnings_of(d);
    cr_expect_str_eq(ws, "unknown parameter \"kindd\" ignored (accepted: "
                         "prefix, kind, limit)|");
    free(ws);
    json_decref(d);
    d = get("/healthz", 200, "verbose=1", NULL);
    ws = warnings_of(d);
    cr_expect_str_eq(ws, "unknown parameter \"verbose\" ignored (this takes "
                         "none)|");
    free(ws);
    json_decref(d);
    /* the checks of known parameters stay errors */
    json_decref(get("/api/search", 400, "q=a", "q=b", "_=1", NULL));
    json_decref(get("/api/search", 400, "q=summit", "limit=0", "x=1", NULL));
    /* a parameter given twice that is not repeatable is still an error:
     * which one was meant is not known */
    d = get("/api/search", 400, "q=summit", "sort=newest", "sort=oldest", NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "error")),
                     "sort is given twice: give it once (only person, "
                     "place, org may be repeated)");
    json_decref(d);
}

Test(api, an_empty_value_is_the_default)
{
    /* what a form with empty fields sends */
    json_t *d =
        get("/api/search", 200, "q=summit",
            "limit=", "page=", "offset=", "sort=", "strict=", "collapse=",
            "source=", "section=", "since=", "until=", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 4);
    cr_expect_eq(json_integer_value(json_object_get(d, "limit")), 10);
    cr_expect_eq(json_integer_value(json_object_get(d, "page")), 1);
    cr_expect_eq(json_integer_value(json_object_get(d, "offset")), 0);
    cr_expect_null(json_object_get(d, "warnings"));
    json_decref(d);
    d = get("/api/entities", 200, "prefix=pyo", "kind=", "limit=", NULL);
    cr_expect_eq(json_array_size(json_object_get(d, "entities")), 1);
    json_decref(d);
    /* but not q alone: there is nothing to search for */
    json_decref(get("/api/search", 400, "q=", "limit=", NULL));
}

Test(api, section_filters_like_source)
{
    json_t *d = get("/api/search", 200, "q=summit", "section=world", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 3);
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "section=WORLD", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 3);
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "section=Farm", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 0);
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "section=Wor", NULL); /* whole */
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 0);
    json_decref(d);
    d = get("/api/search", 200, "q=summit", "section=", NULL); /* no filter */
    cr_expect_eq(json_integer_value(json_object_get(d, "total")), 4);
    json_decref(d);
    /* a filter alone: the newest articles of the section */
    d = get("/api/search", 200, "section=farm", NULL);
    json_t *hits = json_object_get(d, "hits");
    cr_expect_eq(json_array_size(hits), 2);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(hits, 0), "id")),
        "b2");
    json_decref(d);
}

/* The ids of the hits of a search of "cocoa OR harvest OR summit" sorted
 * oldest first, with these more parameters, joined with spaces. */
static char *ids_of(const char *a, const char *b)
{
    json_t *d = get("/api/search", 200, "q=cocoa OR harvest OR summit",
                    "sort=oldest", a, b, NULL);
    struct buf ids = {0};
    buf_printf(&ids, "%s", "");
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(d, "hits"), i, h)
        buf_printf(&ids, "%s ", json_string_value(json_object_get(h, "id")));
    json_decref(d);
    return buf_take(&ids);
}

Test(api, offset_skips_hits_and_adds_to_the_page)
{
    /* 9 articles, oldest first: c1 b1 b2 a1 a3 u1 a2 c2, d1 undated last */
    char *all = ids_of("limit=100", NULL);
    cr_expect_str_eq(all, "c1 b1 b2 a1 a3 u1 a2 c2 d1 ");
    free(all);
    char *s = ids_of("offset=3", "limit=2");
    cr_expect_str_eq(s, "a1 a3 ");
    free(s);
    json_t *d = get("/api/search", 200, "q=cocoa OR harvest OR summit",
                    "sort=oldest", "offset=3", "limit=2", "page=2", NULL);
    /* page 2 of 2 hits after 3: hits 6 and 7 */
    json_t *hits = json_object_get(d, "hits");
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(hits, 0), "id")),
        "u1");
    cr_expect_eq(json_integer_value(json_object_get(d, "offset")), 3);
    cr_expect_eq(json_integer_value(json_object_get(d, "page")), 2);
    /* 6 hits after the offset: 3 pages of 2 */
    cr_expect_eq(json_integer_value(json_object_get(d, "pages")), 3);
    json_decref(d);
    s = ids_of("offset=8", NULL);
    cr_expect_str_eq(s, "d1 ");
    free(s);
    s = ids_of("offset=9", NULL);
    cr_expect_str_eq(s, "");
    free(s);
    d = get("/api/search", 200, "q=summit", "offset=50", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "pages")), 0);
    cr_expect_eq(json_array_size(json_object_get(d, "hits")), 0);
    json_decref(d);
    /* by relevance too: offset 1 of limit 1 is the second of limit 2 */
    d = get("/api/search", 200, "q=summit", "limit=2", NULL);
    const char *second = json_string_value(
        json_object_get(json_array_get(json_object_get(d, "hits"), 1), "id"));
    json_t *d2 =
        get("/api/search", 200, "q=summit", "limit=1", "offset=1", NULL);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(d2, "hits"), 0), "id")),
                     second);
    json_decref(d2);
    json_decref(d);
    /* no offset: 0 */
    d = get("/api/search", 200, "q=summit", NULL);
    cr_expect_eq(json_integer_value(json_object_get(d, "offset")), 0);
    json_decref(d);
    /* together beyond the bound: 400 naming both */
    d = get("/api/search", 400, "q=summit", "offset=99900", "page=2", NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "error")),
                     "offset 99900 and page 2 of 10 hits skip 99910 hits: "
                     "at most 99900");
    json_decref(d);
    json_decref(get("/api/search", 200, "q=summit", "offset=99900", NULL));
}

/* The value of header name in r, or NULL. */
static const char *header(const struct api_response *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* An api over the test's index with this api_config.cors. */
static struct api *cors_api(const char *cors)
{
    struct api *a = NULL;
    struct api_config c = {.db = db, .cors = cors};
    struct mg_err err = {""};
    cr_assert_eq(api_new(&c, &a, &err), 0, "%s: %s", cors, err.msg);
    return a;
}

Test(api, cors_only_for_the_origins_given)
{
    struct api *a = cors_api("https://News.example.org, http://localhost:3000");
    struct api_worker *w2 = api_worker_new(a);
    struct api_param q = {"q", "summit", 6};
    struct api_response r;
    api_handle(w2, "GET", "/api/search", &q, 1, &r);
    cr_expect_eq(r.status, 200);
    api_cors(a, "GET", "/api/search", "https://news.example.org", NULL, &r);
    cr_expect_str_eq(header(&r, "Access-Control-Allow-Origin"),
                     "https://news.example.org");
    cr_expect_str_eq(header(&r, "Vary"), "Origin");
    cr_expect_str_eq(header(&r, "Access-Control-Expose-Headers"),
                     "Retry-After");
    cr_expect_null(header(&r, "Access-Control-Allow-Methods"));
    api_response_free(&r);
    /* another origin, or none: no Allow-Origin, but Vary all the same */
    static const char *const NO[] = {"https://evil.example",
                                     "http://news.example.org",
                                     "https://news.example.org:8443",
                                     "null",
                                     "https://news.example.org.evil.example",
                                     NULL};
    for (size_t i = 0; i < sizeof NO / sizeof *NO; i++) {
        api_handle(w2, "GET", "/healthz", NULL, 0, &r);
        api_cors(a, "GET", "/healthz", NO[i], NULL, &r);
        cr_expect_null(header(&r, "Access-Control-Allow-Origin"), "%s",
                       NO[i] ? NO[i] : "(none)");
        cr_expect_str_eq(header(&r, "Vary"), "Origin");
        api_response_free(&r);
    }
    /* errors get it too (the page must read them), the page's files not */
    api_handle(w2, "GET", "/api/nothing", NULL, 0, &r);
    cr_expect_eq(r.status, 404);
    api_cors(a, "GET", "/api/nothing", "http://localhost:3000", NULL, &r);
    cr_expect_str_eq(header(&r, "Access-Control-Allow-Origin"),
                     "http://localhost:3000");
    api_response_free(&r);
    api_handle(w2, "GET", "/", NULL, 0, &r);
    api_cors(a, "GET", "/", "http://localhost:3000", NULL, &r);
    cr_expect_eq(r.nheaders, 0);
    api_response_free(&r);
    api_worker_free(w2);
    api_free(a);
}

Test(api, cors_preflight_is_204_with_methods_and_max_age)
{
    struct api *a = cors_api("http://localhost:3000");
    struct api_worker *w2 = api_worker_new(a);
    struct api_response r;
    static const char *const PATHS[] = {"/api/search", "/api/article/a1",
                                        "/api/entities", "/healthz"};
    for (size_t i = 0; i < sizeof PATHS / sizeof *PATHS; i++) {
        api_handle(w2, "OPTIONS", PATHS[i], NULL, 0, &r);
        cr_expect_eq(r.status, 204, "%s", PATHS[i]);
        cr_expect_eq(r.len, 0);
        cr_expect_null(r.type);
        cr_expect_str_eq(r.allow, "GET, HEAD, OPTIONS");
        api_cors(a, "OPTIONS", PATHS[i], "http://localhost:3000",
                 "X-Requested-With, content-type", &r);
        cr_expect_str_eq(header(&r, "Access-Control-Allow-Origin"),
                         "http://localhost:3000");
        cr_expect_str_eq(header(&r, "Access-Control-Allow-Methods"),
                         "GET, HEAD, OPTIONS");
        cr_expect_str_eq(header(&r, "Access-Control-Max-Age"), "7200");
        cr_expect_str_eq(header(&r, "Access-Control-Allow-Headers"),
                         "X-Requested-With, content-type");
        api_response_free(&r);
    }
    /* header names only are sent back */
    api_handle(w2, "OPTIONS", "/api/search", NULL, 0, &r);
    api_cors(a, "OPTIONS", "/api/search", "http://localhost:3000",
             "x\r\nSet-Cookie: a=b", &r);
    cr_expect_null(header(&r, "Access-Control-Allow-Headers"));
    api_response_free(&r);
    /* OPTIONS on a file of the page is a 405 as before */
    api_handle(w2, "OPTIONS", "/", NULL, 0, &r);
    cr_expect_eq(r.status, 405);
    api_response_free(&r);
    api_worker_free(w2);
    api_free(a);

    /* "*": any origin, no Vary */
    a = cors_api("*");
    w2 = api_worker_new(a);
    api_handle(w2, "GET", "/healthz", NULL, 0, &r);
    api_cors(a, "GET", "/healthz", "https://anyone.example", NULL, &r);
    cr_expect_str_eq(header(&r, "Access-Control-Allow-Origin"), "*");
    cr_expect_null(header(&r, "Vary"));
    api_response_free(&r);
    api_worker_free(w2);
    api_free(a);

    /* without cors: no CORS header at all (same origin only) */
    api_handle(w, "OPTIONS", "/api/search", NULL, 0, &r);
    cr_expect_eq(r.status, 204);
    api_cors(api, "OPTIONS", "/api/search", "http://localhost:3000",
             "x-requested-with", &r);
    cr_expect_eq(r.nheaders, 0);
    api_response_free(&r);
}

Test(api, cors_origins_are_checked_at_start)
{
    static const char *const BAD[] = {"https://news.example.org/",
                                      "news.example.org",
                                      "https://news.example.org/search",
                                      "http://",
                                      "https://a.example:",
                                      "https://a.example:123456",
                                      "https://a.example,",
                                      ",",
                                      "http://[::1",
                                      "https://a b.example"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct api *a = NULL;
        struct api_config c = {.db = db, .cors = BAD[i]};
        struct mg_err err = {""};
        cr_expect_eq(api_new(&c, &a, &err), -1, "%s", BAD[i]);
        cr_expect(strstr(err.msg, "--cors") &&
                      (strstr(err.msg, "not an origin") ||
                       strstr(err.msg, "ends with a comma")),
                  "%s: %s", BAD[i], err.msg);
        cr_expect_null(a);
    }
    static const char *const GOOD[] = {
        "http://[::1]:8080", "null", "*, https://a.example",
        "  https://a.example  ,http://127.0.0.1:8080", ""};
    for (size_t i = 0; i < sizeof GOOD / sizeof *GOOD; i++)
        api_free(cors_api(GOOD[i]));
}

Test(api, errors_speak_to_a_web_client)
{
    /* no command line, option or server path in any error of the API */
    static const char *const Q[] = {
        "!!!",     "-summit", "title:", "ec*", "date:2020-13-01",
        "person:", "((((("};
    for (size_t i = 0; i < sizeof Q / sizeof *Q; i++) {
        struct api_param p = {"q", Q[i], strlen(Q[i])};
        char *msg = bad_search(&p, 1);
        cr_expect(!strstr(msg, "morgue-") && !strstr(msg, "--") &&
                      !strstr(msg, dir),
                  "%s: %s", Q[i], msg);
        free(msg);
    }
    json_t *d = get("/api/search", 400, "q=...", NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "error")),
                     "nothing to search for: the query has no words "
                     "(e.g. summit Pyongyang)");
    json_decref(d);
    d = get("/api/nothing", 404, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(d, "error")),
                     "no such endpoint: the API has /api/search, "
                     "/api/article/ID, /api/entities and /healthz");
    json_decref(d);
    /* an index gone: 503 without its path; the path is for the log (a
     * new worker: an open one keeps reading the file it has open) */
    cr_assert_eq(unlink(db), 0);
    api_worker_free(w);
    w = api_worker_new(api);
    static const char *const PATHS[] = {"/api/search", "/api/article/a1",
                                        "/api/entities", "/healthz"};
    struct api_param p[] = {{"q", "summit", 6}, {"prefix", "pyo", 3}};
    for (size_t i = 0; i < sizeof PATHS / sizeof *PATHS; i++) {
        struct api_response r;
        api_handle(w, "GET", PATHS[i], i == 2 ? p + 1 : p, i == 2 ? 1 : !i, &r);
        cr_expect_eq(r.status, 503, "%s %.*s", PATHS[i], (int)r.len, r.body);
        d = json_loadb(r.body, r.len, 0, NULL);
        cr_assert_not_null(d);
        const char *e = json_string_value(json_object_get(d, "error"));
        cr_expect(e && strstr(e, "unavailable") && !strstr(e, dir) &&
                      !strstr(e, "m.db") && !strstr(e, "morgue-"),
                  "%s: %s", PATHS[i], e ? e : "(none)");
        cr_expect(r.log && strstr(r.log, db), "%s: log %s", PATHS[i],
                  r.log ? r.log : "(none)");
        json_decref(d);
        api_response_free(&r);
    }
}
