/*
 * test_search_json.c - search results as JSON (query/search_json.h): the
 * shape morgue-query --json prints and /api/search answers, read back
 * with jansson the way a client reads it.  Results are built by hand for
 * the shape and escaping, and by a search over a small index for the
 * highlights, which count code points of the snippet.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "helpers.h"
#include "search.h"
#include "search_json.h"

TestSuite(search_json, .fini = expect_no_leaks);

/* j as text and parsed back, as a client sees it; caller decrefs.  Fails
 * the test when the text is not valid JSON. */
static json_t *round_trip(json_t *j)
{
    cr_assert_not_null(j);
    char *text = json_dumps(j, JSON_COMPACT);
    cr_assert_not_null(text, "json_dumps failed");
    json_decref(j);
    json_error_t e;
    json_t *back = json_loads(text, 0, &e);
    cr_assert_not_null(back, "not valid JSON (%s): %s", e.text, text);
    free(text);
    return back;
}

/* The string member key of o ("(missing)" when it is not a string). */
static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(missing)";
}

static struct search_span spans1[] = {{4, 6}, {20, 9}};
static struct search_hit hits1[] = {
    {.id = "a1",
     .title = "Summit \"in\" Pyongyang\\",
     .date = "2018-02-10",
     .source = "Wire",
     .path = "corpus/a.json",
     .url = NULL,
     .score = 12.5,
     .snippet = "The summit opened in Pyongyang.",
     .spans = spans1,
     .nspans = 2,
     .similar = 3},
};
static struct search_facet with1[] = {
    {ENT_PLACE, "Pyongyang", 4, NULL, 0},
    {ENT_ORG, "United Nations", 1, NULL, 0},
};
static struct search_facet facets1[] = {
    {ENT_PERSON, "Kim Jong-un", 5, with1, 2},
    {ENT_PLACE, "Pyongyang", 4, NULL, 0},
    {ENT_PERSON, "Moon Jae-in", 2, NULL, 0},
    {ENT_ORG, "United Nations", 1, NULL, 0},
};
static struct search_facet sources1[] = {{ENT_ORG, "Wire", 6, NULL, 0},
                                         {ENT_ORG, "Daily", 1, NULL, 0}};
static struct search_bucket buckets1[] = {{"2018-02", 5}, {"2018-03", 0}};

static struct search_result result1(void)
{
    struct search_result r;
    memset(&r, 0, sizeof r);
    r.total = 7;
    r.total_exact = 1;
    r.collapsed = 1;
    r.hits = hits1;
    r.nhits = 1;
    r.facets = facets1;
    r.nfacets = 4;
    r.sources = sources1;
    r.nsources = 2;
    r.unit = SEARCH_UNIT_MONTH;
    r.buckets = buckets1;
    r.nbuckets = 2;
    r.undated = 2;
    return r;
}

Test(search_json, a_result_has_every_field)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_result_json("summit pyongyang", &r, 0));
    cr_expect_str_eq(str_of(j, "query"), "summit pyongyang");
    cr_expect_eq(json_integer_value(json_object_get(j, "total")), 7);
    cr_expect(json_is_false(json_object_get(j, "relaxed")));
    cr_expect_null(json_object_get(j, "relaxed_total"), "only when relaxed");
    cr_expect_eq(json_integer_value(json_object_get(j, "collapsed")), 1);
    json_t *hits = json_object_get(j, "hits");
    cr_assert(json_is_array(hits));
    cr_assert_eq(json_array_size(hits), 1);
    json_t *h = json_array_get(hits, 0);
    cr_expect_str_eq(str_of(h, "id"), "a1");
    cr_expect_str_eq(str_of(h, "title"), "Summit \"in\" Pyongyang\\");
    cr_expect_str_eq(str_of(h, "date"), "2018-02-10");
    cr_expect_str_eq(str_of(h, "source"), "Wire");
    cr_expect(json_is_null(json_object_get(h, "url")), "no url: null");
    cr_expect_null(json_object_get(h, "path"), "no path without the flag");
    cr_expect_float_eq(json_number_value(json_object_get(h, "score")), 12.5,
                       1e-9);
    cr_expect_str_eq(str_of(h, "snippet"), "The summit opened in Pyongyang.");
    cr_expect_eq(json_integer_value(json_object_get(h, "similar")), 3);
    json_t *hl = json_object_get(h, "highlights");
    cr_assert_eq(json_array_size(hl), 2);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(hl, 0), 0)),
                 4);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(hl, 0), 1)),
                 6);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(hl, 1), 0)),
                 20);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(hl, 1), 1)),
                 9);
    cr_expect_null(json_object_get(j, "histogram"), "only when asked");
    json_decref(j);
}

Test(search_json, facets_are_split_by_kind_in_order)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_result_json("q", &r, 0));
    json_t *f = json_object_get(j, "facets");
    cr_assert(json_is_object(f));
    json_t *person = json_object_get(f, "person");
    cr_assert_eq(json_array_size(person), 2);
    cr_expect_str_eq(str_of(json_array_get(person, 0), "name"), "Kim Jong-un");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(person, 0), "count")),
        5);
    cr_expect_str_eq(str_of(json_array_get(person, 1), "name"), "Moon Jae-in");
    json_t *place = json_object_get(f, "place");
    cr_assert_eq(json_array_size(place), 1);
    cr_expect_str_eq(str_of(json_array_get(place, 0), "name"), "Pyongyang");
    json_t *org = json_object_get(f, "org");
    cr_assert_eq(json_array_size(org), 1);
    cr_expect_str_eq(str_of(json_array_get(org, 0), "name"), "United Nations");
    json_t *src = json_object_get(f, "source");
    cr_assert_eq(json_array_size(src), 2, "every source, whatever its kind");
    cr_expect_str_eq(str_of(json_array_get(src, 0), "name"), "Wire");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(src, 0), "count")),
        6);
    json_decref(j);
}

/* Each person, place and organisation has its with: the names mentioned
 * with it, each with its kind and count, in order; empty when none.
 * Sources have none. */
Test(search_json, entity_facets_list_the_names_mentioned_with_them)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_result_json("q", &r, 0));
    json_t *f = json_object_get(j, "facets");
    json_t *kim = json_array_get(json_object_get(f, "person"), 0);
    cr_expect_str_eq(str_of(kim, "name"), "Kim Jong-un");
    cr_expect_eq(json_integer_value(json_object_get(kim, "count")), 5,
                 "the facet's own fields stay as they were");
    json_t *w = json_object_get(kim, "with");
    cr_assert(json_is_array(w));
    cr_assert_eq(json_array_size(w), 2);
    cr_expect_str_eq(str_of(json_array_get(w, 0), "name"), "Pyongyang");
    cr_expect_str_eq(str_of(json_array_get(w, 0), "kind"), "place");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(w, 0), "count")), 4);
    cr_expect_str_eq(str_of(json_array_get(w, 1), "name"), "United Nations");
    cr_expect_str_eq(str_of(json_array_get(w, 1), "kind"), "org");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(w, 1), "count")), 1);
    json_t *moon = json_array_get(json_object_get(f, "person"), 1);
    json_t *none = json_object_get(moon, "with");
    cr_expect(json_is_array(none) && json_array_size(none) == 0,
              "no names mentioned with it: an empty list");
    json_t *src = json_array_get(json_object_get(f, "source"), 0);
    cr_expect_null(json_object_get(src, "with"), "sources have no with");
    json_decref(j);
}

Test(search_json, no_facets_are_empty_lists)
{
    struct search_result r;
    memset(&r, 0, sizeof r);
    json_t *j = round_trip(search_result_json("nothing", &r, 0));
    cr_expect_eq(json_integer_value(json_object_get(j, "total")), 0);
    cr_expect(json_is_array(json_object_get(j, "hits")));
    cr_expect_eq(json_array_size(json_object_get(j, "hits")), 0);
    json_t *f = json_object_get(j, "facets");
    const char *kinds[] = {"person", "place", "org", "source"};
    for (int i = 0; i < 4; i++) {
        json_t *l = json_object_get(f, kinds[i]);
        cr_expect(json_is_array(l) && json_array_size(l) == 0,
                  "facets.%s is an empty list", kinds[i]);
    }
    json_decref(j);
}

Test(search_json, path_only_with_the_flag)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_result_json("q", &r, SEARCH_JSON_PATH));
    json_t *h = json_array_get(json_object_get(j, "hits"), 0);
    cr_expect_str_eq(str_of(h, "path"), "corpus/a.json");
    json_decref(j);
}

Test(search_json, histogram_with_the_flag)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_result_json("q", &r, SEARCH_JSON_HISTOGRAM));
    json_t *hist = json_object_get(j, "histogram");
    cr_assert(json_is_object(hist));
    cr_expect_str_eq(str_of(hist, "unit"), "month");
    cr_expect_eq(json_integer_value(json_object_get(hist, "undated")), 2);
    json_t *b = json_object_get(hist, "buckets");
    cr_assert_eq(json_array_size(b), 2);
    cr_expect_str_eq(str_of(json_array_get(b, 0), "date"), "2018-02");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(b, 0), "count")), 5);
    cr_expect_str_eq(str_of(json_array_get(b, 1), "date"), "2018-03");
    cr_expect_eq(
        json_integer_value(json_object_get(json_array_get(b, 1), "count")), 0);
    json_decref(j);

    /* asked for and empty: still there */
    memset(&r, 0, sizeof r);
    j = round_trip(search_result_json("q", &r, SEARCH_JSON_HISTOGRAM));
    hist = json_object_get(j, "histogram");
    cr_assert(json_is_object(hist), "an empty histogram is given too");
    cr_expect_eq(json_array_size(json_object_get(hist, "buckets")), 0);
    cr_expect_str_eq(str_of(hist, "unit"), "day");
    json_decref(j);
}

Test(search_json, relaxed_results_say_how_many_have_some_words)
{
    struct search_result r = result1();
    r.relaxed = 1;
    r.total = 0;
    r.relaxed_total = 40;
    r.relaxed_total_exact = 1;
    json_t *j = round_trip(search_result_json("q", &r, 0));
    cr_expect(json_is_true(json_object_get(j, "relaxed")));
    cr_expect_eq(json_integer_value(json_object_get(j, "relaxed_total")), 40);
    cr_expect_eq(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
}

Test(search_json, strings_are_escaped_and_made_utf8)
{
    json_t *s = search_json_str("tab\there \"q\" back\\slash \x01 </script>");
    char *text = json_dumps(s, JSON_ENCODE_ANY);
    cr_assert_not_null(text);
    cr_expect_str_eq(
        text, "\"tab\\there \\\"q\\\" back\\\\slash \\u0001 </script>\"");
    free(text);
    json_decref(s);

    s = search_json_str("caf\xe9 ok \xc3\xa9");
    cr_assert(json_is_string(s), "invalid UTF-8 still gives a string");
    cr_expect_str_eq(json_string_value(s), "caf\xef\xbf\xbd ok \xc3\xa9");
    json_decref(s);

    s = search_json_str(NULL);
    cr_expect(json_is_null(s));
    json_decref(s);

    /* a hit's title that is not UTF-8 does not lose the result */
    struct search_result r = result1();
    struct search_hit h = hits1[0];
    h.title = "bad \xff title";
    r.hits = &h;
    json_t *j = round_trip(search_result_json("q\xfe", &r, 0));
    cr_expect_str_eq(str_of(j, "query"), "q\xef\xbf\xbd");
    cr_expect_str_eq(
        str_of(json_array_get(json_object_get(j, "hits"), 0), "title"),
        "bad \xef\xbf\xbd title");
    json_decref(j);
}

Test(search_json, entities_as_kind_name_count)
{
    struct search_result r = result1();
    json_t *j = round_trip(search_entities_json(&r));
    cr_assert_eq(json_array_size(j), 4);
    const char *want[][2] = {{"person", "Kim Jong-un"},
                             {"place", "Pyongyang"},
                             {"person", "Moon Jae-in"},
                             {"org", "United Nations"}};
    for (int i = 0; i < 4; i++) {
        json_t *e = json_array_get(j, (size_t)i);
        cr_expect_str_eq(str_of(e, "kind"), want[i][0]);
        cr_expect_str_eq(str_of(e, "name"), want[i][1]);
        cr_expect_eq(json_integer_value(json_object_get(e, "count")),
                     facets1[i].count);
    }
    json_decref(j);
}

Test(search_json, an_article_with_lines_as_arrays)
{
    struct article a = {0};
    a.uid = "a1";
    a.title = "Summit";
    a.date = "2018-02-10";
    a.source = "Wire";
    a.byline = "Ann Lee";
    a.language = "en";
    a.lede = "Leaders met.";
    a.body = "Leaders met.\n\nThey talked.";
    a.captions = "First photo\n\nSecond photo\n";
    a.highlights = NULL;
    a.path = "corpus/a.json";
    json_t *j = round_trip(search_article_json(&a, 0));
    cr_expect_str_eq(str_of(j, "id"), "a1");
    cr_expect_str_eq(str_of(j, "title"), "Summit");
    cr_expect_str_eq(str_of(j, "byline"), "Ann Lee");
    cr_expect_str_eq(str_of(j, "language"), "en");
    cr_expect_str_eq(str_of(j, "body"), "Leaders met.\n\nThey talked.");
    cr_expect(json_is_null(json_object_get(j, "url")));
    cr_expect(json_is_null(json_object_get(j, "section")));
    cr_expect(json_is_null(json_object_get(j, "dateline")));
    json_t *c = json_object_get(j, "captions");
    cr_assert_eq(json_array_size(c), 2, "blank lines are no captions");
    cr_expect_str_eq(json_string_value(json_array_get(c, 0)), "First photo");
    cr_expect_str_eq(json_string_value(json_array_get(c, 1)), "Second photo");
    json_t *hl = json_object_get(j, "highlights");
    cr_expect(json_is_array(hl) && json_array_size(hl) == 0);
    cr_expect_null(json_object_get(j, "path"));
    json_decref(j);
    j = round_trip(search_article_json(&a, SEARCH_JSON_PATH));
    cr_expect_str_eq(str_of(j, "path"), "corpus/a.json");
    json_decref(j);
}

/* ---- a real search ------------------------------------------------- */

/* The code points [start, start + length) of s, as a new string. */
static char *cp_slice(const char *s, int start, int length)
{
    int cp = 0;
    const char *a = NULL, *p = s;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        if (cp == start)
            a = p;
        if (cp == start + length)
            break;
        cp++;
    }
    cr_assert_not_null(a, "span %d+%d starts past [%s]", start, length, s);
    cr_assert_eq(cp, start + length, "span %d+%d runs past [%s]", start, length,
                 s);
    return mg_strndup(a, (size_t)(p - a));
}

Test(search_json, highlights_count_code_points_of_the_snippet)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "m.db");
    struct store *st = open_store(path, STORE_WRITE);
    struct mg_err err = {""};
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    struct article a = {0};
    a.uid = mg_strdup("u1");
    a.title = mg_strdup("Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9");
    a.body = mg_strdup("Un caf\xc3\xa9 \xe2\x80\x94 le sommet na\xc3\xafve "
                       "\xc3\xa0 Pyongyang, summit r\xc3\xa9sum\xc3\xa9.");
    a.date = mg_strdup("2018-02-15");
    a.source = mg_strdup("Wire");
    cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    article_clear(&a);
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    finish(st);

    struct searcher *se = NULL;
    cr_assert_eq(searcher_new(st, &se, &err), 0, "%s", err.msg);
    struct search_opts o = {.query = "pyongyang summit", .limit = 10};
    struct search_result r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "%s", err.msg);
    json_t *j = round_trip(search_result_json(o.query, &r, 0));
    search_result_free(&r);
    searcher_free(se);
    store_close(st);
    rm_tree(dir);
    free(dir);
    free(path);

    cr_expect_eq(json_integer_value(json_object_get(j, "total")), 1);
    json_t *h = json_array_get(json_object_get(j, "hits"), 0);
    cr_assert_not_null(h);
    cr_expect_str_eq(str_of(h, "id"), "u1");
    cr_expect_str_eq(str_of(h, "title"), "Caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9");
    const char *snippet = str_of(h, "snippet");
    cr_expect_null(strchr(snippet, 0x02), "%s", snippet);
    json_t *hl = json_object_get(h, "highlights");
    cr_assert_eq(json_array_size(hl), 2, "%s", snippet);
    const char *want[] = {"Pyongyang", "summit"};
    for (size_t i = 0; i < 2; i++) {
        json_t *sp = json_array_get(hl, i);
        char *t =
            cp_slice(snippet, (int)json_integer_value(json_array_get(sp, 0)),
                     (int)json_integer_value(json_array_get(sp, 1)));
        cr_expect_str_eq(t, want[i], "highlight %zu of [%s]", i, snippet);
        free(t);
    }
    json_decref(j);
}
