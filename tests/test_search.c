/*
 * test_search.c - searching an index built from the sample corpus
 * (query/search.h): ranking, highlighted snippets, paging and refusals.
 * Each test builds its own index from ../corpus/ the way morgue-index
 * does (fmt_parse_file, clean_article, store_put) in a temporary folder.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "helpers.h"
#include "search.h"
#include "store.h"
#include "store_int.h"

#define CORPUS "../corpus/"
#define SEED_FILE "000_2637ad2161ccb637.txt"
#define SEED_TITLE                                                             \
    "North Korean leader Kim Jong-un has invited his South Korean "            \
    "counterpart Moon Jae-in for a summit in Pyongyang, officials say."

static char *dir;
static struct store *st;
static struct searcher *se;

static struct gazetteer *gaz;

static int put_article(void *ctx, struct article *a)
{
    struct mg_err err = {""};
    clean_article(a, NULL, NULL);
    struct ent_set es;
    if (!gaz)
        gaz = gaz_load();
    ent_extract(gaz, a, &es);
    free(a->entities);
    a->entities = ent_names(&es);
    int rc = store_put(ctx, a, NULL, &err);
    cr_assert_geq(rc, 0, "store_put: %s", err.msg);
    cr_assert_eq(store_put_entities(ctx, &es, &err), 0, "%s", err.msg);
    ent_set_free(&es);
    return 0;
}

static void no_warning(void *ctx, const char *msg)
{
    (void)ctx;
    cr_assert_fail("warning while indexing: %s", msg);
}

static int index_one(const char *path, const struct stat *sb, int type,
                     struct FTW *ftw)
{
    (void)sb;
    const char *name = path + ftw->base;
    size_t n = strlen(name);
    /* Passed over as morgue-index does: hidden files and notes. */
    if (type != FTW_F || name[0] == '.' ||
        strncasecmp(name, "README", 6) == 0 ||
        (n > 3 && strcasecmp(name + n - 3, ".md") == 0))
        return 0;
    struct fmt_sink sink = {put_article, no_warning, st};
    struct mg_err err = {""};
    cr_assert_geq(fmt_parse_file(path, path, &sink, &err), 0, "%s", err.msg);
    return 0;
}

static void setup(void)
{
    dir = mk_tmpdir();
    char *path = path_in(dir, "m.db");
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, STORE_WRITE, &st, &err), 0, "%s", err.msg);
    free(path);
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    cr_assert_eq(nftw(CORPUS, index_one, 16, FTW_PHYS), 0);
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_finish(st, &err), 0, "%s", err.msg);
    cr_assert_eq(searcher_new(st, &se, &err), 0, "%s", err.msg);
}

/* Safe to call twice: a test that skips itself calls it first, since
 * Criterion runs no .fini after cr_skip_test(). */
static void teardown(void)
{
    searcher_free(se);
    se = NULL;
    store_close(st);
    st = NULL;
    if (dir)
        rm_tree(dir);
    free(dir);
    dir = NULL;
    gaz_free(gaz);
    gaz = NULL;
    expect_no_leaks();
}

TestSuite(search, .init = setup, .fini = teardown);

/* Adds one article to the index (after the corpus), with its near-
 * duplicate fingerprint when fp is set. */
static void add_fp(const char *uid, const char *title, const char *body, int fp)
{
    struct article a = {0};
    a.uid = mg_strdup(uid);
    a.title = mg_strdup(title);
    a.body = mg_strdup(body);
    if (fp) {
        struct buf t = {0};
        buf_printf(&t, "%s\n%s", title, body);
        a.simhash = fp_simhash(t.s);
        buf_free(&t);
    }
    struct mg_err err = {""};
    cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    /* the word statistics, as at the end of an indexing run (a caller
     * that opened a transaction finishes after it) */
    if (sqlite3_get_autocommit(st_db(st)))
        cr_assert_eq(store_finish(st, &err), 0, "%s", err.msg);
    article_clear(&a);
}

static void add(const char *uid, const char *title, const char *body)
{
    add_fp(uid, title, body, 0);
}

static int run(const char *query, int limit, int offset,
               struct search_result *res, struct mg_err *err)
{
    struct search_opts o = {.query = query, .limit = limit, .offset = offset};
    return search_run(se, &o, res, err);
}

static void run_ok(const char *query, int limit, int offset,
                   struct search_result *res)
{
    struct mg_err err = {""};
    cr_assert_eq(run(query, limit, offset, res, &err), 0, "search [%s]: %s",
                 query, err.msg);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The text of a span, which counts code points; caller frees. */
static char *span_text(const char *snippet, struct search_span sp)
{
    const char *p = snippet;
    int cp = 0;
    while (*p && cp < sp.start)
        if (((unsigned char)*++p & 0xC0) != 0x80)
            cp++;
    const char *q = p;
    cp = 0;
    while (*q && cp < sp.length)
        if (((unsigned char)*++q & 0xC0) != 0x80)
            cp++;
    cr_assert_eq(cp, sp.length, "span %d+%d runs past the snippet [%s]",
                 sp.start, sp.length, snippet);
    return mg_strndup(p, (size_t)(q - p));
}

/* The highlighted words of a hit, "|"-separated, in order. */
static char *spans_of(const struct search_hit *h)
{
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < h->nspans; i++) {
        char *t = span_text(h->snippet, h->spans[i]);
        buf_printf(&b, "%s%s", i ? "|" : "", t);
        free(t);
    }
    return buf_take(&b);
}

/* True when "|"-separated list holds word. */
static int has_span(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == '|') && (p[n] == 0 || p[n] == '|'))
            return 1;
    return 0;
}

/* The hit whose id ends with suffix, or NULL. */
static const struct search_hit *find_hit(const struct search_result *r,
                                         const char *suffix)
{
    for (int i = 0; i < r->nhits; i++)
        if (ends_with(r->hits[i].id, suffix))
            return &r->hits[i];
    return NULL;
}

Test(search, the_corpus_is_indexed)
{
    cr_expect_eq(store_count(st), 1119);
}

Test(search, seed_article_ranks_first_with_highlights)
{
    struct search_result r;
    run_ok("inter-Korean summit Pyongyang", 10, 0, &r);
    cr_assert_geq(r.total, 1);
    cr_assert_geq(r.nhits, 1);
    const struct search_hit *h = &r.hits[0];
    cr_expect(ends_with(h->id, SEED_FILE), "top hit %s", h->id);
    cr_expect_str_eq(h->title, SEED_TITLE);
    cr_expect_str_eq(h->source, "DailyMail.co.uk");
    cr_expect(ends_with(h->path, "seed/" SEED_FILE), "path %s", h->path);
    cr_expect_gt(h->score, 0);
    cr_assert_not_null(r.fts);

    /* Spans count code points: the snippet holds curly apostrophes before
     * "Pyongyang", so byte offsets would land elsewhere. */
    char *spans = spans_of(h);
    cr_expect(has_span(spans, "inter-Korean"), "spans: %s", spans);
    cr_expect(has_span(spans, "summit"), "spans: %s", spans);
    cr_expect(has_span(spans, "Pyongyang"), "spans: %s", spans);
    for (int i = 0; i < h->nspans; i++) {
        char *t = span_text(h->snippet, h->spans[i]);
        cr_expect(strcasecmp(t, "inter-Korean") == 0 ||
                      strcasecmp(t, "summit") == 0 ||
                      strcasecmp(t, "Pyongyang") == 0,
                  "a highlight that is not a query word: [%s] in [%s]", t,
                  h->snippet);
        free(t);
    }
    free(spans);
    /* The plain snippet holds no markers. */
    cr_expect_null(strchr(h->snippet, '\x02'));
    cr_expect_null(strchr(h->snippet, '\x03'));
    search_result_free(&r);
}

Test(search, phrase_finds_the_hyphenated_name)
{
    struct search_result r;
    run_ok("\"Kim Jong Un\"", 10, 0, &r);
    const struct search_hit *h = find_hit(&r, SEED_FILE);
    cr_assert_not_null(h, "the seed (\"Kim Jong-un\") is found");
    char *spans = spans_of(h);
    cr_expect(has_span(spans, "Kim Jong-un"), "spans: %s", spans);
    free(spans);
    search_result_free(&r);

    /* As plain words too; and not as the words out of order. */
    run_ok("Kim Jong Un", 10, 0, &r);
    cr_expect_not_null(find_hit(&r, SEED_FILE));
    search_result_free(&r);
    run_ok("\"Un Jong Kim\"", 10, 0, &r);
    cr_expect_eq(r.total, 0);
    search_result_free(&r);
}

Test(search, stemmed_words_are_highlighted)
{
    add("extra-summits", "Leaders meet",
        "Two summits were held this year in Vienna.");
    struct search_result r;
    run_ok("summit", 1000, 0, &r);
    cr_expect_gt(r.total, 2, "the seed, Reuters' summits, the extra one");
    const struct search_hit *h = find_hit(&r, "extra-summits");
    cr_assert_not_null(h, "summit finds \"summits\"");
    char *spans = spans_of(h);
    cr_expect_str_eq(spans, "summits");
    cr_expect_not_null(strstr(h->snippet, "Two summits were held"), "%s",
                       h->snippet);
    free(spans);
    search_result_free(&r);

    /* Quoted, the word is matched as written. */
    run_ok("\"summit\"", 1000, 0, &r);
    cr_expect_null(find_hit(&r, "extra-summits"));
    search_result_free(&r);
}

Test(search, prefix_search)
{
    add("extra-univ", "Campus news", "Universities reopened in Vienna.");
    struct search_result r;
    run_ok("universit*", 1000, 0, &r);
    const struct search_hit *h = find_hit(&r, "extra-univ");
    cr_assert_not_null(h);
    char *spans = spans_of(h);
    cr_expect_str_eq(spans, "Universities");
    free(spans);
    search_result_free(&r);
}

Test(search, limit_and_offset)
{
    struct search_result all, page;
    run_ok("said", 10, 0, &all);
    cr_assert_gt(all.total, 20);
    cr_assert_eq(all.nhits, 10);
    for (int i = 1; i < all.nhits; i++)
        cr_expect_geq(all.hits[i - 1].score, all.hits[i].score,
                      "ranked best first");

    run_ok("said", 5, 0, &page);
    cr_expect_eq(page.nhits, 5);
    cr_expect_eq(page.total, all.total, "total counts every match");
    for (int i = 0; i < page.nhits; i++)
        cr_expect_str_eq(page.hits[i].id, all.hits[i].id);
    search_result_free(&page);

    run_ok("said", 5, 5, &page);
    cr_expect_eq(page.nhits, 5);
    for (int i = 0; i < page.nhits; i++)
        cr_expect_str_eq(page.hits[i].id, all.hits[5 + i].id);
    search_result_free(&page);

    /* Past the end: no hits, the same total. */
    run_ok("said", 10, (int)all.total, &page);
    cr_expect_eq(page.nhits, 0);
    cr_expect_eq(page.total, all.total);
    search_result_free(&page);

    /* 0 means the default; too many is capped. */
    run_ok("said", 0, 0, &page);
    cr_expect_eq(page.nhits, SEARCH_DEFAULT_LIMIT);
    search_result_free(&page);
    run_ok("said", 100000, 0, &page);
    cr_expect_eq(page.nhits, page.total);
    search_result_free(&page);
    search_result_free(&all);
}

Test(search, limit_is_capped)
{
    struct mg_err err = {""};
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    for (int i = 0; i < SEARCH_MAX_LIMIT + 5; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "filler-%d", i);
        add(uid, "Filler", "A filler article.");
    }
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_finish(st, &err), 0, "%s", err.msg);
    struct search_result r;
    run_ok("filler", 100000, 0, &r);
    cr_expect_eq(r.total, SEARCH_MAX_LIMIT + 5);
    cr_expect_eq(r.nhits, SEARCH_MAX_LIMIT);
    search_result_free(&r);
}

Test(search, no_hits)
{
    struct search_result r;
    run_ok("zzyzxnotaword", 10, 0, &r);
    cr_expect_eq(r.total, 0);
    cr_expect_eq(r.nhits, 0);
    search_result_free(&r);
}

Test(search, bad_queries_fail_with_a_message)
{
    static const char *const BAD[][2] = {
        {"", "nothing to search for"},
        {"-summit", "not excluded"},
        {"foo:bar", "unknown field"},
        {"title:", "needs a word"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct search_result r;
        struct mg_err err = {""};
        cr_expect_eq(run(BAD[i][0], 10, 0, &r, &err), SEARCH_EUSAGE,
                     "query [%s]", BAD[i][0]);
        cr_expect_not_null(strstr(err.msg, BAD[i][1]), "query [%s]: %s",
                           BAD[i][0], err.msg);
        cr_expect_eq(r.nhits, 0);
        search_result_free(&r);
    }

    /* A NULL query is an empty one. */
    struct search_result r;
    struct mg_err err = {""};
    cr_expect_eq(run(NULL, 10, 0, &r, &err), SEARCH_EUSAGE);
    search_result_free(&r);

    /* Hostile queries run. */
    static const char *const ODD[] = {"NEAR(", "'; DROP TABLE articles; --",
                                      "\"unbalanced", "a)", "U.S."};
    for (size_t i = 0; i < sizeof ODD / sizeof *ODD; i++) {
        cr_expect_eq(run(ODD[i], 10, 0, &r, &err), 0, "query [%s]: %s", ODD[i],
                     err.msg);
        search_result_free(&r);
    }
    cr_expect_eq(store_count(st), 1119);
}

Test(search, possessive_not_highlighted)
{
    struct search_result r;
    run_ok("Kim predecessor", 10, 0, &r);
    const struct search_hit *h = find_hit(&r, SEED_FILE);
    cr_assert_not_null(h);
    char *spans = spans_of(h);
    cr_expect(has_span(spans, "Kim"), "spans: %s", spans);
    cr_expect(has_span(spans, "predecessor"), "spans: %s", spans);
    cr_expect_null(strstr(spans, "’s"), "spans: %s", spans);
    free(spans);
    search_result_free(&r);
}

Test(search, us_pasted_from_an_article_finds_it)
{
    add("us-officials", "Trade", "US officials said the talks would resume.");
    struct search_result r;
    /* Every hit counts: Reuters' own "U.S. officials" may rank above. */
    run_ok("US officials", 1000, 0, &r);
    cr_expect_not_null(find_hit(&r, "us-officials"),
                       "docs/query-syntax.md: whatever you paste from an "
                       "article matches it");
    search_result_free(&r);
}

Test(search, us_is_not_u_s)
{
    add("only-us", "Letters", "He told us that the club would open.");
    add("the-us", "Trade", "The U.S. trade deficit widened in January.");
    struct search_result r;
    run_ok("U.S. deficit", 1000, 0, &r);
    cr_expect_not_null(find_hit(&r, "the-us"));
    cr_expect_null(find_hit(&r, "only-us"));
    search_result_free(&r);
}

Test(search, entity_filters_and_facets)
{
    struct qfilter f = {ENT_PERSON, (char *)"Kim Jong Un"};
    struct search_opts o = {.query = "summit",
                            .limit = 10,
                            .filters = &f,
                            .nfilters = 1,
                            .facets = 1};
    struct search_result r;
    struct mg_err err = {""};
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "%s", err.msg);
    cr_expect_eq(r.total, 1, "only the seed names Kim Jong-un");
    cr_expect_not_null(find_hit(&r, SEED_FILE));
    int moon = 0;
    for (int i = 0; i < r.nfacets; i++)
        moon += r.facets[i].kind == ENT_PERSON &&
                strcmp(r.facets[i].name, "Moon Jae-in") == 0 &&
                r.facets[i].count == 1;
    cr_expect_eq(moon, 1, "Moon Jae-in is a person facet");
    search_result_free(&r);

    /* The same filter inside the query, any alias, any case. */
    run_ok("person:\"kim jong-un\" place:Pyongyang", 10, 0, &r);
    cr_expect_eq(r.total, 1);
    search_result_free(&r);

    /* Only a filter: the articles naming it. */
    run_ok("person:\"Kim Yo-jong\"", 10, 0, &r);
    cr_expect_eq(r.total, 1);
    search_result_free(&r);

    /* Nobody of that name: nothing. */
    run_ok("summit person:Nobody", 10, 0, &r);
    cr_expect_eq(r.total, 0);
    search_result_free(&r);
    cr_expect_eq(run("-person:Kim summit", 10, 0, &r, &err), SEARCH_EUSAGE);
    search_result_free(&r);
}

/* The number of articles SQL gives over the index. */
static int64_t sql_count(const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st), sql, -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static void run_opts(const struct search_opts *o, struct search_result *res)
{
    struct mg_err err = {""};
    cr_assert_eq(search_run(se, o, res, &err), 0, "search [%s]: %s",
                 o->query ? o->query : "", err.msg);
}

Test(search, dates_sources_and_sort)
{
    int64_t day = sql_count("SELECT count(*) FROM articles WHERE date LIKE "
                            "'1987-02-26%'");
    cr_assert_gt(day, 0);
    struct search_result r;
    struct search_opts o = {.query = "",
                            .since = "1987-02-26",
                            .until = "1987-02-26",
                            .count_only = 1};
    run_opts(&o, &r);
    cr_expect_eq(r.total, day);
    cr_expect_eq(r.nhits, 0, "--count gives no hits");
    search_result_free(&r);
    /* the same as a query field, with words */
    struct search_opts o2 = {.query = "date:1987-02-26 cocoa", .limit = 50};
    run_opts(&o2, &r);
    cr_expect_gt(r.total, 0);
    for (int i = 0; i < r.nhits; i++)
        cr_expect_eq(strncmp(r.hits[i].date, "1987-02-26", 10), 0, "%s",
                     r.hits[i].date);
    search_result_free(&r);
    /* newest first, oldest first */
    struct search_opts o3 = {
        .query = "source:reuters", .limit = 30, .sort = SEARCH_SORT_OLDEST};
    run_opts(&o3, &r);
    cr_expect_eq(r.total, sql_count("SELECT count(*) FROM articles WHERE "
                                    "source = 'Reuters'"));
    for (int i = 1; i < r.nhits; i++)
        cr_expect_leq(strcmp(r.hits[i - 1].date, r.hits[i].date), 0);
    search_result_free(&r);
    o3.sort = SEARCH_SORT_NEWEST;
    o3.query = "cocoa";
    run_opts(&o3, &r);
    for (int i = 1; i < r.nhits; i++)
        cr_expect_geq(strcmp(r.hits[i - 1].date, r.hits[i].date), 0);
    search_result_free(&r);
    /* a bad --since is refused with a message */
    struct search_opts bad = {.query = "cocoa", .since = "1987-02-31"};
    struct mg_err err = {""};
    cr_expect_eq(search_run(se, &bad, &r, &err), SEARCH_EUSAGE);
    cr_expect(strstr(err.msg, "1987-02-31") != NULL, "%s", err.msg);
    search_result_free(&r);
}

Test(search, too_few_with_all_the_words_relaxes)
{
    struct search_result r;
    /* no article has "zebra": the seed has the other three */
    struct search_opts o = {.query = "inter-Korean summit Pyongyang zebra"};
    run_opts(&o, &r);
    cr_expect(r.relaxed);
    cr_expect_eq(r.total, 0, "no article has all the words");
    cr_expect_gt(r.relaxed_total, 0);
    cr_assert_gt(r.nhits, 0);
    cr_expect(ends_with(r.hits[0].id, SEED_FILE), "first: %s", r.hits[0].id);
    search_result_free(&r);
    o.strict = 1;
    run_opts(&o, &r);
    cr_expect_not(r.relaxed);
    cr_expect_eq(r.total, 0);
    search_result_free(&r);
    /* enough with all the words: no relaxing */
    struct search_opts o2 = {.query = "cocoa prices", .limit = 1};
    run_opts(&o2, &r);
    cr_expect_not(r.relaxed);
    search_result_free(&r);
}

Test(search, words_close_together_rank_first)
{
    /* the same words, the same length: only their distance differs */
    const char *filler = "grain barley wheat oats rye maize sorghum millet "
                         "rice corn soy canola flax hemp jute cotton ";
    struct buf near = {0}, far = {0};
    buf_printf(&near, "Zanzibar quinoa talks. %s%s", filler, filler);
    buf_printf(&far, "Zanzibar %s%s quinoa talks.", filler, filler);
    add("far", "Report", far.s);
    add("near", "Report", near.s);
    buf_free(&near);
    buf_free(&far);
    struct search_result r;
    run_ok("Zanzibar quinoa", 10, 0, &r);
    cr_assert_eq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "near");
    cr_expect_gt(r.hits[0].score, r.hits[1].score);
    search_result_free(&r);
}

Test(search, fresh_prefers_the_newer_of_two_equal_articles)
{
    const char *dates[] = {"2019-01-01", "2019-06-01"};
    const char *uids[] = {"older", "newer"};
    for (int i = 0; i < 2; i++) {
        struct article a = {0};
        a.uid = mg_strdup(uids[i]);
        a.title = mg_strdup("Quokka census");
        a.body = mg_strdup("The quokka census counted quokkas on Rottnest.");
        a.date = mg_strdup(dates[i]);
        struct mg_err err = {""};
        cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
        article_clear(&a);
    }
    struct search_result r;
    struct search_opts o = {.query = "quokka census", .fresh = 30};
    run_opts(&o, &r);
    cr_assert_eq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "newer");
    cr_expect_gt(r.hits[0].score, r.hits[1].score * 1.5);
    search_result_free(&r);
}

Test(search, near_duplicates_fold_under_the_best_hit)
{
#define WOMBATS                                                                \
    " joeys counted at the Launceston sanctuary, officials said. Keepers "     \
    "credited a mild winter, new burrows dug by volunteers and a grant from "  \
    "the state government that paid for fencing against foxes. Visitors "      \
    "numbers also rose, and the sanctuary plans a second enclosure near "      \
    "Devonport next spring if donations keep coming in."
    static const char *const BODY[] = {
        "Wombat breeders in Tasmania reported a record season, with "
        "412" WOMBATS,
        "Wombat breeders in Tasmania reported a record season, with "
        "421" WOMBATS,
        "Wombat tourism fell in Victoria after floods closed the parks, "
        "and rangers moved the animals to higher ground for the winter. "
        "Operators in Gippsland said bookings halved, hotels cut staff and "
        "councils asked Canberra for help to repair roads and bridges "
        "before the summer holidays brought families back to the region."};
    static const char *const UID[] = {"w1", "w2", "w3"};
    for (int i = 0; i < 3; i++) {
        struct article a = {0};
        a.uid = mg_strdup(UID[i]);
        a.title = mg_strdup(i < 2 ? "Wombat season" : "Wombat parks shut");
        a.body = mg_strdup(BODY[i]);
        struct buf t = {0};
        buf_printf(&t, "%s\n%s", a.title, a.body);
        a.simhash = fp_simhash(t.s);
        buf_free(&t);
        struct mg_err err = {""};
        cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
        article_clear(&a);
    }
    struct search_result r;
    struct search_opts o = {.query = "wombat"};
    run_opts(&o, &r);
    cr_expect_eq(r.nhits, 2, "the republished copy is folded");
    cr_expect_eq(r.collapsed, 1);
    int similar = 0;
    for (int i = 0; i < r.nhits; i++)
        similar += r.hits[i].similar;
    cr_expect_eq(similar, 1);
    search_result_free(&r);
    o.no_collapse = 1;
    run_opts(&o, &r);
    cr_expect_eq(r.nhits, 3);
    search_result_free(&r);
    struct mg_err err = {""};
    cr_assert_eq(search_similar(se, "w1", 10, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.nhits, 1);
    cr_expect_str_eq(r.hits[0].id, "w2");
    search_result_free(&r);
    cr_expect_eq(search_similar(se, "nope", 10, &r, &err), -1);
    search_result_free(&r);
}

/* A long text of filler words, for bodies that are not short. */
static void filler(struct buf *b, int words)
{
    static const char *const W[] = {"grain", "barley", "wheat",   "oats",
                                    "rye",   "maize",  "sorghum", "millet"};
    for (int i = 0; i < words; i++)
        buf_printf(b, "%s%s", i ? " " : "", W[i % 8]);
    buf_adds(b, ".");
}

Test(search, snippet_is_the_lede_when_only_the_title_matches)
{
    struct article a = {0};
    a.uid = mg_strdup("title-only");
    a.title = mg_strdup("Quokka census opens");
    a.lede = mg_strdup("Rangers began counting on Monday.");
    a.body = mg_strdup("Rangers began counting on Monday. The count takes "
                       "three weeks and covers the whole island.");
    struct mg_err err = {""};
    cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    article_clear(&a);
    struct search_result r;
    run_ok("quokka", 10, 0, &r);
    cr_assert_eq(r.nhits, 1);
    cr_expect_str_eq(r.hits[0].snippet, "Rangers began counting on Monday.");
    cr_expect_eq(r.hits[0].nspans, 0);
    search_result_free(&r);
}

Test(search, a_short_table_ranks_below_a_story)
{
    struct buf story = {0};
    buf_adds(&story, "Wombat futures rose on Tuesday. ");
    filler(&story, 120);
    add("table", "Wombat futures", "Wombat 12 13 14 15 close 16.");
    add("story", "Wombat futures rise", story.s);
    buf_free(&story);
    struct search_result r;
    run_ok("wombat", 10, 0, &r);
    cr_assert_eq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "story");
    search_result_free(&r);
}

Test(search, relaxed_prefers_more_of_the_words_to_one_rare_word)
{
    struct buf b = {0};
    /* most of the words, each common in this set */
    for (int i = 0; i < 6; i++) {
        char uid[16];
        snprintf(uid, sizeof uid, "common-%d", i);
        buf_clear(&b);
        buf_printf(&b, "%s. ", i == 0 ? "Otter kelp tide harbour" : "Otter");
        filler(&b, 80);
        add(uid, "Coast", b.s);
    }
    /* one rare word only */
    buf_clear(&b);
    buf_adds(&b, "A zyzzyva was seen. ");
    filler(&b, 80);
    add("rare", "Coast", b.s);
    buf_free(&b);
    struct search_result r;
    run_ok("otter kelp tide harbour zyzzyva", 10, 0, &r);
    cr_expect(r.relaxed);
    cr_assert_geq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "common-0");
    search_result_free(&r);
}

Test(search, title_weighs_more_than_body_and_weights_can_change)
{
    struct buf body = {0};
    buf_adds(&body, "Traders said the ibex index rose. ");
    filler(&body, 80);
    add("in-body", "Market report", body.s);
    buf_clear(&body);
    buf_adds(&body, "Traders said prices were steady. ");
    filler(&body, 80);
    add("in-title", "Ibex index rises", body.s);
    buf_free(&body);
    struct search_result r;
    run_ok("ibex", 10, 0, &r);
    cr_assert_eq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "in-title");
    search_result_free(&r);
    /* the title not counted at all: the body match wins */
    const double body_only[SEARCH_NWEIGHTS] = {0, 0, 1, 0, 0, 0};
    searcher_set_weights(se, body_only);
    run_ok("ibex", 10, 0, &r);
    cr_assert_eq(r.nhits, 2);
    cr_expect_str_eq(r.hits[0].id, "in-body");
    search_result_free(&r);
    searcher_set_weights(se, NULL);
}

Test(search, pages_go_on_past_folded_near_duplicates)
{
    /* 250 copies of one wire story rank first; 30 other stories after */
    for (int i = 0; i < 250; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "copy-%d", i);
        add_fp(uid, "Zebra crossing zebra zebra",
               "The zebra crossing on the high street was repainted by the "
               "council on Monday after complaints from parents and drivers.",
               1);
    }
    static const char *const WORDS[] = {
        "apple",  "brick",   "cloud",    "drum",    "eagle",  "fern",
        "grape",  "harbour", "island",   "jacket",  "kettle", "lemon",
        "marble", "needle",  "orchard",  "pepper",  "quarry", "river",
        "saddle", "timber",  "umbrella", "valley",  "walnut", "yacht",
        "anchor", "basket",  "candle",   "dolphin", "engine", "feather"};
    for (int i = 0; i < 30; i++) {
        char uid[32], body[200];
        snprintf(uid, sizeof uid, "other-%d", i);
        snprintf(body, sizeof body,
                 "A story about the %s and the %s, with a zebra somewhere in "
                 "a %s near the %s.",
                 WORDS[i], WORDS[(i + 7) % 30], WORDS[(i + 13) % 30],
                 WORDS[(i + 21) % 30]);
        add_fp(uid, WORDS[i], body, 1);
    }
    struct search_result r;
    run_ok("zebra", 10, 20, &r);
    cr_expect_eq(r.total, 280);
    cr_expect_eq(r.nhits, 10, "page 3 is full: %d hits", r.nhits);
    cr_expect_eq(r.collapsed, 249, "collapsed %d, hits %d", r.collapsed,
                 r.nhits);
    search_result_free(&r);
    run_ok("zebra", 10, 30, &r);
    cr_expect_eq(r.nhits, 1, "the 31st distinct story ends page 4: %d",
                 r.nhits);
    search_result_free(&r);
}

/* facet's with as "A (3), B (2)". */
static char *with_text(const struct search_facet *f)
{
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < f->nwith; i++)
        buf_printf(&b, "%s%s (%lld)", i ? ", " : "", f->with[i].name,
                   (long long)f->with[i].count);
    return buf_take(&b);
}

/* What facet's with should be, as SQL finds it over the articles of the
 * temporary table hit(uid): the SEARCH_WITH other people, places and
 * organisations named in most of those that name it, then by name. */
static char *with_by_sql(const struct search_facet *f)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(
            st_db(st),
            "WITH m AS (SELECT id FROM articles WHERE uid IN"
            "   (SELECT uid FROM temp.hit)),"
            " e AS (SELECT id FROM entities WHERE kind = ?1 AND"
            "   canonical = ?2),"
            " both_ AS (SELECT article_id FROM article_entities WHERE"
            "   entity_id IN e AND article_id IN m)"
            " SELECT x.canonical, count(*) AS c FROM article_entities a"
            " JOIN entities x ON x.id = a.entity_id"
            " WHERE a.article_id IN both_ AND a.entity_id NOT IN e"
            "  AND x.kind IN ('person', 'place', 'org')"
            " GROUP BY x.id ORDER BY c DESC, x.canonical LIMIT ?3",
            -1, &q, NULL),
        SQLITE_OK, "%s", sqlite3_errmsg(st_db(st)));
    sqlite3_bind_text(q, 1, ent_kind_name(f->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, SEARCH_WITH);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; sqlite3_step(q) == SQLITE_ROW; i++)
        buf_printf(&b, "%s%s (%lld)", i ? ", " : "",
                   (const char *)sqlite3_column_text(q, 0),
                   (long long)sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    return buf_take(&b);
}

/* Each entity facet lists the (up to 3) others named in most of the
 * matching articles that name it, with how many, most first, then by
 * name: as SQL counts them over every match. */
Test(search, facets_list_the_names_mentioned_with_each)
{
    struct search_opts o = {
        .query = "summit", .limit = 1000, .facets = 1, .no_collapse = 1};
    struct search_result r;
    run_opts(&o, &r);
    cr_assert_eq(r.nhits, r.total, "every match is a hit: %d of %lld", r.nhits,
                 (long long)r.total);
    cr_assert_gt(r.total, 100);
    cr_assert_eq(r.sample, 0);
    sqlite3 *db = st_db(st);
    cr_assert_eq(
        sqlite3_exec(db, "CREATE TEMP TABLE hit(uid TEXT)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *ins = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "INSERT INTO temp.hit VALUES (?1)", -1,
                                    &ins, NULL),
                 SQLITE_OK);
    for (int i = 0; i < r.nhits; i++) {
        sqlite3_bind_text(ins, 1, r.hits[i].id, -1, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    int listed = 0;
    for (int i = 0; i < r.nfacets; i++) {
        const struct search_facet *f = &r.facets[i];
        char *got = with_text(f), *want = with_by_sql(f);
        cr_expect_str_eq(got, want, "%s %s", ent_kind_name(f->kind), f->name);
        listed += f->nwith == SEARCH_WITH;
        for (int k = 0; k < f->nwith; k++)
            cr_expect(f->with[k].count <= f->count,
                      "%s: %s in more articles than it", f->name,
                      f->with[k].name);
        free(got);
        free(want);
    }
    cr_expect_gt(listed, 20, "most of the %d facets have 3: %d", r.nfacets,
                 listed);
    for (int i = 0; i < r.nsources; i++)
        cr_expect_eq(r.sources[i].nwith, 0, "sources have none");
    search_result_free(&r);

    /* One article: each name once, the first three by name. */
    o.query = "summit person:\"Kim Jong Un\"";
    run_opts(&o, &r);
    cr_assert_eq(r.total, 1);
    const struct search_facet *moon = NULL;
    for (int i = 0; i < r.nfacets; i++)
        if (strcmp(r.facets[i].name, "Moon Jae-in") == 0)
            moon = &r.facets[i];
    cr_assert_not_null(moon);
    cr_assert_eq(moon->nwith, SEARCH_WITH);
    for (int k = 0; k < moon->nwith; k++) {
        cr_expect_eq(moon->with[k].count, 1);
        cr_expect_str_neq(moon->with[k].name, "Moon Jae-in");
        if (k)
            cr_expect_lt(strcmp(moon->with[k - 1].name, moon->with[k].name), 0,
                         "by name: %s, %s", moon->with[k - 1].name,
                         moon->with[k].name);
    }
    search_result_free(&r);
}

/* "said" with facets and histogram, as is into *plain and with the
 * searcher set to n by set into *tuned (then set back). */
static void said_both(struct search_result *plain, struct search_result *tuned,
                      void (*set)(struct searcher *, int64_t), int64_t n)
{
    struct search_opts o = {
        .query = "said", .limit = 10, .facets = 1, .histogram = 1};
    run_opts(&o, plain);
    set(se, n);
    run_opts(&o, tuned);
    set(se, 0);
}

/* Over the threshold, facets and the histogram are counted on an even
 * sample and scaled: the total stays exact, the counts come close to the
 * exact ones and the result says it is approximate. */
Test(search, facets_over_many_matches_are_sampled_and_marked)
{
    struct search_result ex, ap;
    said_both(&ex, &ap, searcher_set_facet_exact, 100);
    cr_assert_gt(ex.total, 400, "enough matches to sample: %lld",
                 (long long)ex.total);
    cr_expect_eq(ex.sample, 0, "exact under the threshold");
    cr_expect_eq(ap.sample, 100);
    cr_expect_eq(ap.total, ex.total, "the total is always exact");
    cr_expect_eq(ap.nhits, ex.nhits);
    for (int i = 0; i < ap.nhits && i < ex.nhits; i++)
        cr_expect_str_eq(ap.hits[i].id, ex.hits[i].id,
                         "the hits do not change");
    /* the most named place, within 30% */
    cr_assert_gt(ex.nfacets, 0);
    const struct search_facet *top = NULL;
    for (int i = 0; i < ex.nfacets && !top; i++)
        if (ex.facets[i].kind == ENT_PLACE)
            top = &ex.facets[i];
    cr_assert_not_null(top);
    int64_t got = -1;
    for (int i = 0; i < ap.nfacets; i++)
        if (ap.facets[i].kind == ENT_PLACE &&
            strcmp(ap.facets[i].name, top->name) == 0)
            got = ap.facets[i].count;
    cr_expect(got > top->count * 0.7 && got < top->count * 1.3,
              "%s: %lld sampled, %lld exact", top->name, (long long)got,
              (long long)top->count);
    /* the names mentioned with each are counted on the same sample and
     * scaled alike: never more than the facet's own count */
    for (int i = 0; i < ap.nfacets; i++) {
        cr_expect_gt(ap.facets[i].nwith, 0, "%s", ap.facets[i].name);
        for (int k = 0; k < ap.facets[i].nwith; k++)
            cr_expect(ap.facets[i].with[k].count > 0 &&
                          ap.facets[i].with[k].count <= ap.facets[i].count,
                      "%s with %s: %lld of %lld", ap.facets[i].name,
                      ap.facets[i].with[k].name,
                      (long long)ap.facets[i].with[k].count,
                      (long long)ap.facets[i].count);
    }
    /* the histogram adds up to about the total */
    int64_t sum = ap.undated;
    for (int i = 0; i < ap.nbuckets; i++)
        sum += ap.buckets[i].count;
    cr_expect(sum > ex.total * 0.9 && sum < ex.total * 1.1,
              "histogram sum %lld, total %lld", (long long)sum,
              (long long)ex.total);
    search_result_free(&ex);
    search_result_free(&ap);
}

/* Every match of a very common word is a candidate: the page by bounds
 * is the page scoring every match gives, deep pages too, and the facets
 * count every match. */
Test(search, a_very_common_word_ranks_every_match)
{
    struct search_opts o = {
        .query = "said", .limit = 10, .facets = 1, .histogram = 1};
    for (int off = 0; off <= 200; off += 40) {
        struct search_result pruned, all;
        o.offset = off;
        o.exhaustive = 0;
        run_opts(&o, &pruned);
        o.exhaustive = 1;
        run_opts(&o, &all);
        cr_assert_gt(all.total, 200);
        cr_expect(all.total_exact);
        cr_expect_eq(pruned.total, all.total);
        cr_assert_eq(pruned.nhits, all.nhits, "offset %d", off);
        for (int i = 0; i < all.nhits; i++) {
            cr_expect_str_eq(pruned.hits[i].id, all.hits[i].id,
                             "offset %d, hit %d", off, i);
            cr_expect_eq(pruned.hits[i].score, all.hits[i].score);
        }
        cr_expect_eq(pruned.nfacets, all.nfacets);
        for (int i = 0; i < pruned.nfacets && i < all.nfacets; i++)
            cr_expect_eq(pruned.facets[i].count, all.facets[i].count);
        search_result_free(&pruned);
        search_result_free(&all);
    }
}

/* The marked texts of field col (line line) of m in text, "|"-separated,
 * in order (caller frees). */
static char *marked(const char *text, const struct search_marks *m, int col,
                    int line)
{
    struct buf b = {0};
    buf_adds(&b, "");
    int first = 1;
    for (int i = 0; i < m->n; i++) {
        if (m->v[i].col != col || m->v[i].line != line)
            continue;
        struct search_span sp = {m->v[i].start, m->v[i].len};
        char *t = span_text(text, sp);
        buf_printf(&b, "%s%s", first ? "" : "|", t);
        first = 0;
        free(t);
    }
    return buf_take(&b);
}

/* The n-th non-empty line of text (caller frees). */
static char *nth_line(const char *text, int n)
{
    for (const char *s = text; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len && n-- == 0)
            return mg_strndup(s, len);
        s += len + (nl != NULL);
    }
    return NULL;
}

Test(search, marks_place_the_query_words_in_the_whole_article)
{
    add("marks-1", "Summits and a summit",
        "The summits met. Café talks in Zürich, then a summit.\n\n"
        "Kim Jong-un spoke; Kim left. Trump stayed.");
    struct article a = {0};
    struct search_result ents;
    struct search_marks m;
    struct mg_err err = {""};
    cr_assert_eq(search_article(se, "marks-1", &a, &ents, &err), 1, "%s",
                 err.msg);
    /* stems, diacritics folded, a phrase one mark, exclusions unmarked */
    cr_assert_eq(search_marks(se, "marks-1",
                              "summit cafe zurich \"Kim Jong-un\" -trump", &a,
                              &m, &err),
                 0, "%s", err.msg);
    char *t = marked(a.title, &m, ART_TITLE, 0);
    cr_expect_str_eq(t, "Summits|summit");
    free(t);
    t = marked(a.body, &m, ART_BODY, 0);
    cr_expect_str_eq(t, "summits|Café|Zürich|summit|Kim Jong-un");
    free(t);
    search_marks_free(&m);
    /* an article holding none of a phrase: its words one by one */
    cr_assert_eq(search_marks(se, "marks-1", "\"Kim stayed\"", &a, &m, &err), 0,
                 "%s", err.msg);
    t = marked(a.body, &m, ART_BODY, 0);
    cr_expect_str_eq(t, "Kim|Kim|stayed");
    free(t);
    search_marks_free(&m);
    /* no words, no marks; a bad query is a usage error */
    cr_expect_eq(search_marks(se, "marks-1", "", &a, &m, &err), 0);
    cr_expect_eq(m.n, 0);
    search_marks_free(&m);
    cr_expect_eq(search_marks(se, "marks-1", "nosuchfield:x", &a, &m, &err),
                 SEARCH_EUSAGE);
    search_marks_free(&m);
    article_clear(&a);
    search_result_free(&ents);
}

Test(search, marks_in_captions_count_from_their_line)
{
    struct search_result r;
    run_ok("\"Kim Yo-jong\" invitation", 1, 0, &r);
    cr_assert_eq(r.nhits, 1);
    char *id = mg_strdup(r.hits[0].id);
    search_result_free(&r);
    struct article a = {0};
    struct search_result ents;
    struct search_marks m;
    struct mg_err err = {""};
    cr_assert_eq(search_article(se, id, &a, &ents, &err), 1, "%s", err.msg);
    cr_assert_eq(search_marks(se, id, "invitation", &a, &m, &err), 0, "%s",
                 err.msg);
    int lines = 0;
    for (int i = 0; i < m.n; i++)
        if (m.v[i].col == ART_CAPTIONS) {
            char *line = nth_line(a.captions, m.v[i].line);
            cr_assert_not_null(line);
            char *t = marked(line, &m, ART_CAPTIONS, m.v[i].line);
            cr_expect(strstr(t, "invitation") == t, "caption %d: [%s] in [%s]",
                      m.v[i].line, t, line);
            free(t);
            free(line);
            lines++;
        }
    cr_expect_geq(lines, 2, "the seed's captions name the invitation twice");
    search_marks_free(&m);
    article_clear(&a);
    search_result_free(&ents);
    free(id);
}

Test(search, public_ids_are_relative_to_the_indexed_root)
{
    struct mg_err err = {""};
    add("/srv/archive/2018/summit.txt", "Summit", "A zanzibarian summit.");
    add("/srv/archive/dump.jsonl#3", "Summit too", "Another zanzibarian one.");
    add("/elsewhere/x.txt", "Summit three", "A third zanzibarian one.");
    cr_assert_eq(store_meta_put(st, "roots", "/srv/other\n/srv/archive", &err),
                 0, "%s", err.msg);
    struct search_result r;
    run_ok("zanzibarian", 10, 0, &r);
    cr_assert_eq(r.nhits, 3);
    cr_expect_not_null(find_hit(&r, "/srv/archive/2018/summit.txt"),
                       "off by default: the keys themselves");
    search_result_free(&r);
    searcher_use_public_ids(se, 1);
    run_ok("zanzibarian", 10, 0, &r);
    const char *want[] = {"archive/2018/summit.txt", "archive/dump.jsonl#3",
                          "/elsewhere/x.txt"};
    for (int i = 0; i < 3; i++) {
        const struct search_hit *h = find_hit(&r, want[i]);
        cr_expect(h && strcmp(h->id, want[i]) == 0, "%s", want[i]);
        cr_expect(!h || !h->path, "no path with public ids");
    }
    search_result_free(&r);
    /* either kind of id opens the article; it comes back public */
    struct article a = {0};
    struct search_result ents;
    cr_assert_eq(search_article(se, "archive/dump.jsonl#3", &a, &ents, &err), 1,
                 "%s", err.msg);
    cr_expect_str_eq(a.uid, "archive/dump.jsonl#3");
    cr_expect_null(a.path);
    article_clear(&a);
    search_result_free(&ents);
    cr_assert_eq(
        search_article(se, "/srv/archive/2018/summit.txt", &a, &ents, &err), 1);
    cr_expect_str_eq(a.uid, "archive/2018/summit.txt");
    struct search_marks m;
    cr_assert_eq(search_marks(se, "archive/2018/summit.txt", "zanzibarian", &a,
                              &m, &err),
                 0, "%s", err.msg);
    cr_expect_eq(m.n, 1, "marks found through the public id");
    search_marks_free(&m);
    article_clear(&a);
    search_result_free(&ents);
    cr_expect_eq(search_article(se, "archive/none.txt", &a, &ents, &err), 0);
    article_clear(&a);
    search_result_free(&ents);
}
