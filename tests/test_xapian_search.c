/*
 * test_xapian_search.c - the search over the Xapian engine
 * (query/search_xapian.c, engine/xapian/query.cc) beside the FTS5
 * searcher on the same articles: the sample corpus indexed through the
 * real indexer path into an FTS5 store and a Xapian database.  For words
 * of each frequency band, phrases, hyphenated words, fields, NEAR,
 * exclusions, prefixes and entity, source and date filters, the strict
 * match set (ids and total) is FTS5's; relaxed searches relax when
 * FTS5's do, over the same candidates; facets, sources and the timeline
 * count what FTS5 counts; newest/oldest and offsets page as they
 * should.  The overlap of the top 10 by relevance is measured and
 * printed, not required (the ranking is the shard's BM25, not morgue's).
 * Built only when the shim is.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "helpers.h"
#include "query.h"
#include "search.h"
#include "search_xapian.h"
#include "shim.h"
#include "store.h"
#include "xapian_both.h"

#define CORPUS "../corpus/"

static char *dir;
static struct store *st;
static struct mgx_db *xdb;
static struct gazetteer *gaz;
static struct searcher *fse;
static struct xsearcher *xse;
static struct buf uids; /* every uid indexed, one a line */

/* both.each: every uid, one a line */
static void note_uid(const struct article *a)
{
    buf_printf(&uids, "%s\n", a->uid);
}

static void setup(void)
{
    dir = mk_tmpdir();
    both_setup(dir, CORPUS, note_uid);
    st = both.st;
    xdb = both.xdb;
    gaz = both.gaz;
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(st, &fse, &err), 0, "%s", err.msg);
    cr_assert_eq(xsearcher_new(xdb, &xse, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    xsearcher_free(xse);
    xse = NULL;
    searcher_free(fse);
    fse = NULL;
    mgx_close(xdb);
    xdb = NULL;
    store_close(st);
    st = NULL;
    gaz_free(gaz);
    gaz = NULL;
    buf_free(&uids);
    if (dir)
        rm_tree(dir);
    free(dir);
    dir = NULL;
    expect_no_leaks();
}

TestSuite(xapian_search, .init = setup, .fini = teardown, .timeout = 120);

/* Both engines' answers to o. */
static void run_both(const struct search_opts *o, struct search_result *f,
                     struct search_result *x)
{
    struct mg_err err = {""};
    cr_assert_eq(search_run(fse, o, f, &err), 0, "FTS5 [%s]: %s", o->query,
                 err.msg);
    cr_assert_eq(xsearch_run(xse, o, x, &err), 0, "Xapian [%s]: %s", o->query,
                 err.msg);
}

/* The hits' ids, sorted, space-separated. */
static char *id_set(const struct search_result *r)
{
    char **v = mg_calloc((size_t)r->nhits + 1, sizeof *v);
    for (int i = 0; i < r->nhits; i++)
        v[i] = r->hits[i].id;
    qsort(v, (size_t)r->nhits, sizeof *v, corpus_path_cmp);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < r->nhits; i++)
        buf_printf(&b, "%s%s", i ? " " : "", v[i]);
    free(v);
    return buf_take(&b);
}

/* How many of a's first n ids are among b's first n. */
static int overlap(const struct search_result *a, const struct search_result *b,
                   int n)
{
    int got = 0;
    for (int i = 0; i < n && i < a->nhits; i++)
        for (int j = 0; j < n && j < b->nhits; j++)
            if (strcmp(a->hits[i].id, b->hits[j].id) == 0) {
                got++;
                break;
            }
    return got;
}

/* Queries of every kind, with the least number of articles FTS5 finds
 * for each (so that no comparison is of two empty sets by accident). */
static const struct {
    const char *q;
    int64_t at_least;
} STRICT[] = {
    /* words: rare, middling, common (a common one is compared by total) */
    {"cocoa", 2},
    {"coffee", 10},
    {"yen", 20},
    {"prices", 100},
    {"officials", 50},
    {"said", 800},
    {"summits", 1},
    {"exporting", 20},
    {"\"prices\"", 50},
    {"\"u.s.\"", 100},
    {"uk", 1},
    /* several words, OR, groups */
    {"oil prices", 50},
    {"coffee OR cocoa", 15},
    {"(wheat OR corn) exports", 10},
    {"dollar yen trade", 5},
    /* phrases, hyphenated words */
    {"\"oil prices\"", 10},
    {"\"crude oil\"", 15},
    {"\"central bank\"", 20},
    {"\"interest rates\"", 20},
    {"year-end", 5},
    {"short-term", 5},
    /* fields */
    {"title:oil", 20},
    {"title:\"central bank\"", 1},
    {"lede:dollar", 5},
    {"title:(oil OR gas)", 20},
    /* NEAR */
    {"\"oil prices\"~3", 10},
    {"\"prices oil\"~3", 10},
    {"\"bank rates\"~5", 5},
    /* exclusions */
    {"oil -opec", 20},
    {"dollar -yen", 20},
    {"bank NOT \"central bank\"", 20},
    /* prefixes */
    {"export*", 50},
    {"petro*", 20},
    {"universit*", 1},
    /* filters */
    {"officials source:reuters", 50},
    {"officials place:japan", 5},
    {"org:opec", 5},
    {"person:\"james baker\"", 2},
    {"oil date:1987-03", 10},
    {"prices date:1987-02-26..1987-03-05", 10},
};
#define NSTRICT ((int)(sizeof STRICT / sizeof STRICT[0]))

Test(xapian_search, strict_match_sets_are_those_of_fts5)
{
    int same = 0, compared = 0, ov = 0, ovn = 0;
    for (int i = 0; i < NSTRICT; i++) {
        struct search_opts o = {.query = STRICT[i].q,
                                .limit = SEARCH_MAX_LIMIT,
                                .strict = 1,
                                .no_collapse = 1,
                                .exact_total = 1,
                                .budget = -1};
        struct search_result f, x;
        run_both(&o, &f, &x);
        cr_expect_geq(f.total, STRICT[i].at_least,
                      "[%s]: FTS5 finds %lld: a test that can fail?",
                      STRICT[i].q, (long long)f.total);
        cr_expect_eq(x.total, f.total, "[%s]: totals: Xapian %lld, FTS5 %lld",
                     STRICT[i].q, (long long)x.total, (long long)f.total);
        cr_expect(x.total_exact);
        if (f.total <= SEARCH_MAX_LIMIT) {
            char *fs = id_set(&f), *xs = id_set(&x);
            compared++;
            same += strcmp(fs, xs) == 0;
            cr_expect_str_eq(xs, fs, "[%s]: Xapian [%.300s], FTS5 [%.300s]",
                             STRICT[i].q, xs, fs);
            free(fs);
            free(xs);
        }
        for (int h = 1; h < x.nhits; h++)
            cr_expect_geq(x.hits[h - 1].score, x.hits[h].score,
                          "[%s]: best first", STRICT[i].q);
        /* ranking: measured, not required */
        ov += overlap(&f, &x, 10);
        ovn += f.nhits < 10 ? f.nhits : 10;
        search_result_free(&f);
        search_result_free(&x);
    }
    fprintf(stderr,
            "xapian_search: %d/%d strict sets equal; overlap@10 with FTS5's "
            "ranking %d/%d (%.2f)\n",
            same, compared, ov, ovn, ovn ? (double)ov / ovn : 0.0);
}

Test(xapian_search, relaxed_searches_relax_as_fts5_does)
{
    /* fewer than a page hold all the words */
    const char *qs[] = {
        "cocoa coffee sugar rubber tin", "opec saudi quota yen bundesbank",
        "\"oil prices tumble sharply\"", "coffee quotas brazil colombia talks"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        struct search_opts o = {.query = qs[i],
                                .limit = 10,
                                .no_collapse = 1,
                                .exact_total = 1,
                                .budget = -1};
        struct search_result f, x;
        run_both(&o, &f, &x);
        cr_expect_eq(x.total, f.total, "[%s]: totals %lld, %lld", qs[i],
                     (long long)x.total, (long long)f.total);
        cr_expect(f.relaxed, "[%s]: FTS5 relaxes (a test that can fail?)",
                  qs[i]);
        cr_expect_eq(x.relaxed, f.relaxed, "[%s]: relaxed", qs[i]);
        cr_expect_eq(x.relaxed_total, f.relaxed_total,
                     "[%s]: relaxed totals: Xapian %lld, FTS5 %lld", qs[i],
                     (long long)x.relaxed_total, (long long)f.relaxed_total);
        cr_expect_eq(x.nhits, f.nhits, "[%s]: a page", qs[i]);
        fprintf(stderr, "xapian_search: relaxed [%s]: overlap@10 %d/%d\n",
                qs[i], overlap(&f, &x, 10), f.nhits < 10 ? f.nhits : 10);
        search_result_free(&f);
        search_result_free(&x);
    }
    /* every candidate a relaxed search can rank: the articles holding
     * any of its words, FTS5's strict OR of them */
    const char *any[] = {"cocoa OR coffee OR sugar OR rubber OR tin",
                         "opec OR saudi OR quota OR yen OR bundesbank",
                         "oil OR prices OR tumble OR sharply",
                         "coffee OR quotas OR brazil OR colombia OR talks"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        struct search_opts o = {.query = qs[i],
                                .limit = SEARCH_MAX_LIMIT,
                                .no_collapse = 1,
                                .exact_total = 1,
                                .budget = -1};
        struct search_opts s = o;
        s.query = any[i];
        s.strict = 1;
        struct search_result f, x;
        struct mg_err err = {""};
        cr_assert_eq(search_run(fse, &s, &f, &err), 0, "%s", err.msg);
        cr_assert_eq(xsearch_run(xse, &o, &x, &err), 0, "%s", err.msg);
        cr_expect(x.relaxed, "[%s] relaxed", qs[i]);
        cr_expect_eq(x.relaxed_total, f.total, "[%s]: %lld, FTS5 %lld", qs[i],
                     (long long)x.relaxed_total, (long long)f.total);
        if (f.total <= SEARCH_MAX_LIMIT) {
            char *fs = id_set(&f), *xs = id_set(&x);
            cr_expect_str_eq(xs, fs, "[%s]: relaxed candidates differ", qs[i]);
            free(fs);
            free(xs);
        }
        search_result_free(&f);
        search_result_free(&x);
    }
}

/* The count of facet (kind, key of name) in r's facets, or -1. */
static int64_t facet_count(const struct search_result *r, enum ent_kind kind,
                           const char *name)
{
    char *k = ent_key(name);
    int64_t n = -1;
    for (int i = 0; i < r->nfacets && n < 0; i++) {
        char *kk = ent_key(r->facets[i].name);
        if (r->facets[i].kind == kind && strcmp(kk, k) == 0)
            n = r->facets[i].count;
        free(kk);
    }
    free(k);
    return n;
}

Test(xapian_search, facets_sources_and_timeline_count_as_fts5)
{
    const char *qs[] = {"oil", "japan trade", "coffee OR cocoa", "bank"};
    int checked = 0, exact = 0;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        struct search_opts o = {.query = qs[i],
                                .limit = 10,
                                .strict = 1,
                                .facets = 1,
                                .histogram = 1,
                                .exact_total = 1,
                                .budget = -1};
        struct search_result f, x;
        run_both(&o, &f, &x);
        cr_assert_eq(f.sample, 0, "[%s]: FTS5 sampled: a rarer query", qs[i]);
        cr_expect_eq(x.total, f.total);
        cr_expect_gt(f.nfacets, 0, "[%s]: facets (a test that can fail?)",
                     qs[i]);
        /* FTS5's facets that Xapian lists have its counts, but for the
         * articles naming more entities than the slots hold
         * (MGX_MAX_ENT_SLOTS: their least mentioned are not counted; on
         * corpus/ two articles, reuters-18299 and reuters-419, at most one
         * a facet); its top one of each kind is listed */
        for (int k = 0; k < f.nfacets; k++) {
            int64_t n = facet_count(&x, f.facets[k].kind, f.facets[k].name);
            if (n >= 0) {
                checked++;
                exact += n == f.facets[k].count;
                cr_expect(n <= f.facets[k].count && n >= f.facets[k].count - 1,
                          "[%s]: %s %s: %lld, %lld", qs[i],
                          ent_kind_name(f.facets[k].kind), f.facets[k].name,
                          (long long)n, (long long)f.facets[k].count);
            } else {
                cr_expect(k > 0 && f.facets[k - 1].kind == f.facets[k].kind,
                          "[%s]: FTS5's top %s %s missing", qs[i],
                          ent_kind_name(f.facets[k].kind), f.facets[k].name);
            }
        }
        cr_expect_eq(x.nsources, f.nsources, "[%s]: sources", qs[i]);
        for (int k = 0; k < f.nsources && k < x.nsources; k++) {
            cr_expect_str_eq(x.sources[k].name, f.sources[k].name);
            cr_expect_eq(x.sources[k].count, f.sources[k].count);
        }
        cr_expect_eq(x.unit, f.unit, "[%s]: histogram unit", qs[i]);
        cr_expect_eq(x.nbuckets, f.nbuckets, "[%s]: buckets", qs[i]);
        cr_expect_eq(x.undated, f.undated, "[%s]: undated", qs[i]);
        for (int k = 0; k < f.nbuckets && k < x.nbuckets; k++) {
            cr_expect_str_eq(x.buckets[k].date, f.buckets[k].date);
            cr_expect_eq(x.buckets[k].count, f.buckets[k].count, "[%s] %s",
                         qs[i], f.buckets[k].date);
        }
        search_result_free(&f);
        search_result_free(&x);
    }
    cr_expect_geq(checked, 20, "facets compared: %d", checked);
    cr_expect_geq(exact, checked - 3, "facets equal: %d of %d", exact, checked);
    fprintf(stderr, "xapian_search: facets equal to FTS5's: %d of %d\n", exact,
            checked);
}

Test(xapian_search, newest_oldest_and_offsets_page_in_order)
{
    const char *qs[] = {"oil", "officials place:japan", "source:reuters"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        for (int sort = SEARCH_SORT_NEWEST; sort <= SEARCH_SORT_OLDEST;
             sort++) {
            struct search_opts o = {.query = qs[i],
                                    .limit = 30,
                                    .strict = 1,
                                    .no_collapse = 1,
                                    .sort = (enum search_sort)sort,
                                    .exact_total = 1,
                                    .budget = -1};
            struct search_result f, x, x2;
            run_both(&o, &f, &x);
            cr_expect_eq(x.total, f.total);
            cr_expect_eq(x.nhits, f.nhits);
            /* the same dates in the same order (ties may differ) */
            for (int h = 0; h < x.nhits && h < f.nhits; h++)
                cr_expect_str_eq(x.hits[h].date ? x.hits[h].date : "",
                                 f.hits[h].date ? f.hits[h].date : "",
                                 "[%s] sort %d hit %d", qs[i], sort, h);
            /* an offset continues the same order */
            struct search_opts o2 = o;
            o2.offset = 10;
            o2.limit = 10;
            struct mg_err err = {""};
            cr_assert_eq(xsearch_run(xse, &o2, &x2, &err), 0, "%s", err.msg);
            cr_assert_eq(x2.nhits, 10);
            for (int h = 0; h < 10; h++)
                cr_expect_str_eq(x2.hits[h].id, x.hits[h + 10].id);
            search_result_free(&x2);
            search_result_free(&f);
            search_result_free(&x);
        }
    }
    /* by relevance too */
    struct search_opts o = {.query = "oil prices",
                            .limit = 30,
                            .strict = 1,
                            .no_collapse = 1,
                            .budget = -1};
    struct search_result a, b;
    struct mg_err err = {""};
    cr_assert_eq(xsearch_run(xse, &o, &a, &err), 0, "%s", err.msg);
    o.offset = 20;
    o.limit = 10;
    cr_assert_eq(xsearch_run(xse, &o, &b, &err), 0, "%s", err.msg);
    cr_assert_eq(b.nhits, 10);
    for (int h = 0; h < 10; h++)
        cr_expect_str_eq(b.hits[h].id, a.hits[h + 20].id);
    search_result_free(&a);
    search_result_free(&b);
}

Test(xapian_search, near_duplicates_collapse_with_exact_counts)
{
    /* collapsed: every match either a hit or counted under one */
    struct search_opts o = {.query = "oil",
                            .limit = SEARCH_MAX_LIMIT,
                            .strict = 1,
                            .exact_total = 1,
                            .budget = -1};
    struct search_result x;
    struct mg_err err = {""};
    cr_assert_eq(xsearch_run(xse, &o, &x, &err), 0, "%s", err.msg);
    cr_assert_lt(x.total, SEARCH_MAX_LIMIT);
    int64_t sum = x.nhits;
    for (int i = 0; i < x.nhits; i++)
        sum += x.hits[i].similar;
    cr_expect_eq(sum, x.total, "hits %d + similar = %lld, total %lld", x.nhits,
                 (long long)sum, (long long)x.total);
    cr_expect_lt(x.nhits, x.total, "near-duplicates folded (can fail?)");
    search_result_free(&x);
}

Test(xapian_search, bad_queries_are_usage_errors)
{
    struct search_result x;
    struct mg_err err = {""};
    struct search_opts o = {.query = "ab*", .budget = -1};
    cr_expect_eq(xsearch_run(xse, &o, &x, &err), SEARCH_EUSAGE);
    search_result_free(&x);
    o.query = "";
    cr_expect_eq(xsearch_run(xse, &o, &x, &err), SEARCH_EUSAGE);
    search_result_free(&x);
    o.query = "oil date:1987-02-30";
    cr_expect_eq(xsearch_run(xse, &o, &x, &err), SEARCH_EUSAGE);
    search_result_free(&x);
}

Test(xapian_search, facets_of_many_matches_are_counted_on_a_sample)
{
    struct search_opts o = {.query = "said",
                            .limit = 10,
                            .strict = 1,
                            .facets = 1,
                            .histogram = 1,
                            .budget = -1};
    struct search_result x;
    struct mg_err err = {""};
    xsearcher_set_facet_exact(xse, 200);
    cr_assert_eq(xsearch_run(xse, &o, &x, &err), 0, "%s", err.msg);
    cr_assert_gt(x.total, 600, "a common word");
    cr_expect(x.sample > 100 && x.sample < 300, "a sample of %lld",
              (long long)x.sample);
    int64_t sum = x.undated;
    for (int i = 0; i < x.nbuckets; i++)
        sum += x.buckets[i].count;
    cr_expect(sum > x.total * 9 / 10 && sum < x.total * 11 / 10,
              "the timeline sums to %lld of %lld", (long long)sum,
              (long long)x.total);
    cr_expect_gt(x.nfacets, 0);
    search_result_free(&x);
    /* under the bound: every match */
    xsearcher_set_facet_exact(xse, 0);
    cr_assert_eq(xsearch_run(xse, &o, &x, &err), 0, "%s", err.msg);
    cr_expect_eq(x.sample, 0, "every match counted");
    search_result_free(&x);
}

/* ---- the same search on the database served by xapian-tcpsrv -------- */

/* Everything a search answers, as text: totals, relaxed, hits in order
 * with weights to 12 digits and similar, sample, facets, sources,
 * buckets. */
static char *answer(struct xsearcher *s, const struct search_opts *o)
{
    struct search_result r;
    struct mg_err err = {""};
    cr_assert_eq(xsearch_run(s, o, &r, &err), 0, "[%s]: %s", o->query, err.msg);
    struct buf b = {0};
    buf_printf(&b, "total %lld relaxed %d/%lld collapsed %d sample %lld:",
               (long long)r.total, r.relaxed, (long long)r.relaxed_total,
               r.collapsed, (long long)r.sample);
    for (int i = 0; i < r.nhits; i++)
        buf_printf(&b, " %s=%.12g+%d", r.hits[i].id, r.hits[i].score,
                   r.hits[i].similar);
    for (int i = 0; i < r.nfacets; i++)
        buf_printf(&b, " [%d %s %lld]", r.facets[i].kind, r.facets[i].name,
                   (long long)r.facets[i].count);
    for (int i = 0; i < r.nsources; i++)
        buf_printf(&b, " [%s %lld]", r.sources[i].name,
                   (long long)r.sources[i].count);
    for (int i = 0; i < r.nbuckets; i++)
        buf_printf(&b, " %s:%lld", r.buckets[i].date,
                   (long long)r.buckets[i].count);
    search_result_free(&r);
    return buf_take(&b);
}

/* The mapping runs on a remote database as on the local one (built-in
 * weights, values, spies, collapse: all serialisable): the same answer
 * to every query of the strict set, relaxed, sorted, paged and with
 * facets. */
Test(xapian_search, a_remote_database_answers_as_the_local_one)
{
    if (access("/usr/bin/xapian-tcpsrv", X_OK) != 0) {
        teardown();
        cr_skip_test("xapian-tcpsrv not installed (apt-get install "
                     "xapian-tools)");
    }
    char *xpath = path_in(dir, "x"), *stub = path_in(dir, "remote.stub");
    pid_t pid = both_serve(xpath, stub);

    struct mgx_db *r = NULL;
    struct xsearcher *rs = NULL;
    struct mg_err err = {""};
    int rc = mgx_open(stub, MGX_READ, &r, &err);
    if (rc == 0 && xsearcher_new(r, &rs, &err) == 0) {
        int n = 0;
        for (int i = 0; i < NSTRICT + 4; i++) {
            struct search_opts o = {
                .query = i < NSTRICT ? STRICT[i].q : "oil prices",
                .limit = 20,
                .offset = i % 3 == 2 ? 10 : 0,
                .facets = i % 2,
                .histogram = i % 2,
                .sort = i >= NSTRICT ? (enum search_sort)(i - NSTRICT)
                                     : SEARCH_SORT_DEFAULT,
                .budget = -1};
            char *a = answer(xse, &o), *b = answer(rs, &o);
            cr_expect_str_eq(b, a, "[%s] remote [%.400s] local [%.400s]",
                             o.query, b, a);
            n += strcmp(a, b) == 0;
            free(a);
            free(b);
        }
        fprintf(stderr, "xapian_search: remote = local for %d of %d\n", n,
                NSTRICT + 4);
    }
    xsearcher_free(rs);
    mgx_close(r);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    cr_assert_eq(rc, 0, "%s", err.msg);
    free(stub);
    free(xpath);
}

/* ---- snippets and marks (query/xsnippet.c) ------------------------------ */

/* A hit's snippet with its spans marked [..], for messages. */
static char *marked(const struct search_hit *h)
{
    struct buf b = {0};
    buf_adds(&b, "");
    int cp = 0, k = 0;
    for (const char *p = h->snippet ? h->snippet : ""; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (k < h->nspans && cp == h->spans[k].start + h->spans[k].length) {
                buf_addc(&b, ']');
                k++;
            }
            if (k < h->nspans && cp == h->spans[k].start)
                buf_addc(&b, '[');
            cp++;
        }
        buf_addc(&b, *p);
    }
    if (k < h->nspans)
        buf_addc(&b, ']');
    return buf_take(&b);
}

/* Queries of every kind the snippets mark, strict and relaxed. */
static const char *const SNIP[] = {
    "cocoa",
    "summits",
    "exporting",
    "\"u.s.\"",
    "uk",
    "oil prices",
    "coffee OR cocoa",
    "(wheat OR corn) exports",
    "\"crude oil\"",
    "\"central bank\"",
    "year-end",
    "short-term",
    "title:oil",
    "lede:dollar",
    "title:(oil OR gas)",
    "body:\"interest rates\"",
    "\"oil prices\"~3",
    "NEAR(dollar yen)",
    "NEAR(oil prices, 3)",
    "oil -opec",
    "dollar -yen",
    "bank NOT \"central bank\"",
    "wheat -title:wheat",
    "export*",
    "petro*",
    "officials place:japan",
    "oil date:1987-03",
    "cocoa coffee sugar rubber tin",
    "opec saudi quota yen bundesbank",
    "\"oil prices tumble sharply\"",
    "saudi arabia oil minister production quota"};
#define NSNIP ((int)(sizeof SNIP / sizeof SNIP[0]))

Test(xapian_search, snippets_are_those_of_fts5)
{
    int compared = 0;
    for (int i = 0; i < NSNIP; i++)
        for (int v = 0; v < 3; v++) {
            /* relevance (relaxed where too few hold every word), strict,
             * newest first */
            struct search_opts o = {.query = SNIP[i],
                                    .limit = 50,
                                    .strict = v == 1,
                                    .sort = v == 2 ? SEARCH_SORT_NEWEST
                                                   : SEARCH_SORT_DEFAULT,
                                    .budget = -1};
            struct search_result f, x;
            run_both(&o, &f, &x);
            cr_expect_eq(x.relaxed, f.relaxed, "[%s] relaxed", SNIP[i]);
            for (int a = 0; a < f.nhits; a++)
                for (int b = 0; b < x.nhits; b++) {
                    if (strcmp(f.hits[a].id, x.hits[b].id) != 0)
                        continue;
                    char *fm = marked(&f.hits[a]), *xm = marked(&x.hits[b]);
                    cr_expect_str_eq(xm, fm, "[%s] %s: Xapian, FTS5", SNIP[i],
                                     f.hits[a].id);
                    free(fm);
                    free(xm);
                    compared++;
                }
            search_result_free(&f);
            search_result_free(&x);
        }
    cr_expect_gt(compared, 1000, "only %d snippets compared", compared);
    fprintf(stderr, "xapian_search: %d snippets compared with FTS5's\n",
            compared);
}

/* The code points in z[0, n). */
static int cps(const char *z, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += ((unsigned char)z[i] & 0xC0) != 0x80;
    return c;
}

/* xsearch_marks' lines for a as search_marks' marks (title, lede, body:
 * one line each), "col:start+len ..." */
static char *xmarks(const char *query, const struct article *a)
{
    struct mg_err err = {""};
    struct buf m = {0}, out = {0};
    buf_adds(&out, "");
    cr_assert_eq(xsearch_marks(xse, query, a, &m, &err), 0, "%s", err.msg);
    const char *field[3] = {a->title, a->lede, a->body};
    for (const char *p = m.s; p && *p;) {
        int col, b0, b1, used = 0;
        cr_assert_eq(sscanf(p, "%d %d %d%n", &col, &b0, &b1, &used), 3);
        if (col < 3)
            buf_printf(&out, "%d:%d+%d ", col, cps(field[col], b0),
                       cps(field[col] + b0, b1 - b0));
        p += used + (p[used] == '\n');
    }
    buf_free(&m);
    return buf_take(&out);
}

Test(xapian_search, marks_and_entities_of_an_article_are_those_of_fts5)
{
    int compared = 0, marked_any = 0, nents = 0, nfound = 0;
    for (int i = 0; i < NSNIP; i++) {
        struct search_opts o = {.query = SNIP[i], .limit = 5, .budget = -1};
        struct search_result f;
        struct mg_err err = {""};
        cr_assert_eq(search_run(fse, &o, &f, &err), 0, "%s", err.msg);
        for (int h = 0; h < f.nhits; h++) {
            struct article a = {0};
            struct search_result ents, xents = {0};
            cr_assert_eq(search_article(fse, f.hits[h].id, &a, &ents, &err), 1,
                         "%s", err.msg);
            struct search_marks m;
            cr_assert_eq(search_marks(fse, a.uid, SNIP[i], &a, &m, &err), 0,
                         "%s", err.msg);
            struct buf fm = {0};
            buf_adds(&fm, "");
            for (int k = 0; k < m.n; k++)
                if (m.v[k].col < 3)
                    buf_printf(&fm, "%d:%d+%d ", m.v[k].col, m.v[k].start,
                               m.v[k].len);
            char *xm = xmarks(SNIP[i], &a);
            cr_expect_str_eq(xm, fm.s, "[%s] %s: marks: Xapian, FTS5", SNIP[i],
                             a.uid);
            marked_any += m.n > 0;
            compared++;
            /* FTS5's entities, nearly each of the same kind and name (as the
             * last article naming it wrote it: "Lloyds Bank PLC" for
             * "Lloyds Bank Plc", "Sony Corp" for "Sony": the same key
             * or one's key the start of the other's); no mention
             * counts (-1).
             * The Xapian index may list more: the names the FTS5 store
             * merges index-wide (a lone "Reagan"), which mgx_put links
             * as the article's extraction gave them (TERMS.md) */
            cr_assert_eq(xsearch_entities_of(xse, a.uid, &xents, &err), 0, "%s",
                         err.msg);
            cr_expect_geq(xents.nfacets, ents.nfacets, "%s: entities", a.uid);
            for (int k = 0; k < ents.nfacets; k++) {
                char *fk = ent_key(ents.facets[k].name);
                int found = 0;
                for (int j = 0; j < xents.nfacets && !found; j++) {
                    char *xk = ent_key(xents.facets[j].name);
                    size_t n =
                        strlen(xk) < strlen(fk) ? strlen(xk) : strlen(fk);
                    found = xents.facets[j].kind == ents.facets[k].kind &&
                            strncmp(xk, fk, n) == 0 &&
                            xents.facets[j].count == -1;
                    free(xk);
                }
                if (!found)
                    fprintf(stderr, "xapian_search: %s: %s listed otherwise\n",
                            a.uid, ents.facets[k].name);
                nents++;
                nfound += found;
                free(fk);
            }
            free(xm);
            buf_free(&fm);
            search_marks_free(&m);
            search_result_free(&ents);
            search_result_free(&xents);
            article_clear(&a);
        }
        search_result_free(&f);
    }
    cr_expect_gt(marked_any, 50, "only %d articles marked", marked_any);
    /* a name the store resolves index-wide otherwise ("British and
     * Commonwealth Shipping Co Plc" / "... Shipping Plc") is rare */
    cr_expect_geq(nfound * 100, nents * 98, "entities: %d of %d listed alike",
                  nfound, nents);
    fprintf(stderr,
            "xapian_search: marks of %d articles compared; entities: %d of %d "
            "listed alike\n",
            compared, nfound, nents);
}

/* store_hit_fn: "uid:distance " onto a buf. */
static void near_line(void *ctx, const struct store_hit_row *h)
{
    buf_printf(ctx, "%s:%g ", h->uid, h->value);
}

Test(xapian_search, near_duplicates_of_every_article_are_those_of_fts5)
{
    /* mgxq_similar (band terms, a spy on the fingerprints, value ranges)
     * against store_similar (a scan of every fingerprint): the same
     * articles, distances and order for each article of corpus/ */
    struct mg_err err = {""};
    int n = 0, with = 0;
    const char *p = uids.s;
    cr_assert_not_null(p);
    while (*p) {
        const char *nl = strchr(p, '\n');
        char *uid = mg_strndup(p, (size_t)(nl - p));
        p = nl + 1;
        struct buf f = {0}, x = {0};
        cr_assert_eq(store_similar(st, uid, FP_NEAR, 50, near_line, &f, &err),
                     1, "%s: %s", uid, err.msg);
        struct mgxq_result r;
        cr_assert_eq(mgxq_similar(xdb, uid, FP_NEAR, 50, &r, &err), 1, "%s: %s",
                     uid, err.msg);
        for (int i = 0; i < r.nhits; i++)
            buf_printf(&x, "%s:%g ", r.hits[i].uid, 0.0 - r.hits[i].weight);
        cr_expect_eq(r.total, r.nhits, "%s: under the limit, all", uid);
        cr_expect_str_eq(x.s ? x.s : "", f.s ? f.s : "", "%s", uid);
        with += r.nhits > 0;
        n++;
        mgxq_result_free(&r);
        buf_free(&f);
        buf_free(&x);
        free(uid);
    }
    cr_expect_geq(n, 1000, "corpus/ has %d articles", n);
    cr_expect_geq(with, 20, "only %d articles have near-duplicates", with);
    struct mgxq_result r;
    cr_expect_eq(mgxq_similar(xdb, "no such uid", FP_NEAR, 10, &r, &err), 0);
    cr_expect_eq(r.nhits, 0);
    mgxq_result_free(&r);
    fprintf(stderr,
            "xapian_search: near-duplicates of %d articles equal, "
            "%d of them with some\n",
            n, with);
}
