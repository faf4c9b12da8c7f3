/*
 * test_xapian.c - the Xapian engine's shim (engine/xapian/shim.h): the
 * sample corpus indexed through the real indexer path (fmt_parse_file,
 * clean_article, fp_simhash, ent_extract) into an FTS5 store and a Xapian
 * database side by side; every article read back as it went in; words,
 * stem classes, phrases, proximity, fields and filters finding the same
 * articles as the FTS5 searcher; replacing, deleting, reopening; errors
 * that name the database.  Built only when the shim is (make XAPIAN=auto
 * with libxapian-dev).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
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
#include "search.h"
#include "shim.h"
#include "store.h"
#include "xapian_both.h"

#define CORPUS "../corpus/"

static char *dir;
static struct store *st;
static struct mgx_db *xdb;
static struct gazetteer *gaz;
static struct article *kept; /* what went in, by the order it went in */
static int nkept, capkept;

/* both.each: what went in, by the order it went in */
static void keep(const struct article *a)
{
    if (nkept == capkept)
        kept = mg_realloc(kept,
                          sizeof *kept *
                              (size_t)(capkept = capkept ? 2 * capkept : 256));
    sink_got_copy(&kept[nkept++], a);
}

static void setup(void)
{
    dir = mk_tmpdir();
    both_setup(dir, CORPUS, keep);
    st = both.st;
    xdb = both.xdb;
    gaz = both.gaz;
}

static void teardown(void)
{
    mgx_close(xdb);
    xdb = NULL;
    store_close(st);
    st = NULL;
    for (int i = 0; i < nkept; i++)
        article_clear(&kept[i]);
    free(kept);
    kept = NULL;
    nkept = capkept = 0;
    gaz_free(gaz);
    gaz = NULL;
    if (dir)
        rm_tree(dir);
    free(dir);
    dir = NULL;
    expect_no_leaks();
}

TestSuite(xapian, .init = setup, .fini = teardown);

#define EXPECT_FIELD(got, want, f, uid)                                        \
    cr_expect((!(got)->f && !(want)->f) ||                                     \
                  ((got)->f && (want)->f && !strcmp((got)->f, (want)->f)),     \
              "%s: " #f " read back as [%s], stored [%s]", (uid),              \
              (got)->f ? (got)->f : "(null)",                                  \
              (want)->f ? (want)->f : "(null)")

Test(xapian, every_article_reads_back_as_stored)
{
    struct mg_err err = {""};
    struct mgx_stats s;
    cr_assert_eq(mgx_stats(xdb, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.docs, store_count(st), "Xapian holds %lld, FTS5 %lld",
                 (long long)s.docs, (long long)store_count(st));
    cr_expect_eq(s.docs, 1119);
    /* the last version of each uid is what the database holds */
    for (int i = 0; i < nkept; i++) {
        const struct article *w = &kept[i];
        int later = 0;
        for (int j = i + 1; j < nkept && !later; j++)
            later = strcmp(kept[j].uid, w->uid) == 0;
        if (later)
            continue;
        struct article g = {0};
        cr_assert_eq(mgx_get(xdb, w->uid, &g, &err), 1, "%s: %s", w->uid,
                     err.msg);
        EXPECT_FIELD(&g, w, uid, w->uid);
        EXPECT_FIELD(&g, w, title, w->uid);
        EXPECT_FIELD(&g, w, lede, w->uid);
        EXPECT_FIELD(&g, w, body, w->uid);
        EXPECT_FIELD(&g, w, captions, w->uid);
        EXPECT_FIELD(&g, w, highlights, w->uid);
        EXPECT_FIELD(&g, w, entities, w->uid);
        EXPECT_FIELD(&g, w, date, w->uid);
        EXPECT_FIELD(&g, w, source, w->uid);
        EXPECT_FIELD(&g, w, url, w->uid);
        EXPECT_FIELD(&g, w, byline, w->uid);
        EXPECT_FIELD(&g, w, section, w->uid);
        EXPECT_FIELD(&g, w, dateline, w->uid);
        EXPECT_FIELD(&g, w, language, w->uid);
        EXPECT_FIELD(&g, w, description, w->uid);
        EXPECT_FIELD(&g, w, path, w->uid);
        cr_expect_eq(g.simhash, w->simhash, "%s: simhash", w->uid);
        cr_expect_eq(g.uid_kind, w->uid_kind, "%s: uid_kind", w->uid);
        article_clear(&g);
    }
    struct article g = {0};
    cr_expect_eq(mgx_get(xdb, "no/such/article", &g, &err), 0);
    /* the hit line's values need no document data */
    struct buf v = {0};
    cr_assert_eq(mgx_value(xdb, kept[0].uid, MGX_VAL_TITLE, &v, &err), 1);
    cr_expect_str_eq(v.s, kept[0].title ? kept[0].title : "");
    cr_assert_eq(mgx_value(xdb, kept[0].uid, MGX_VAL_UID, &v, &err), 1);
    cr_expect_str_eq(v.s, kept[0].uid);
    buf_free(&v);
}

/* ---- the same articles as the FTS5 searcher -------------------------- */

/* The ids FTS5's strict search finds for query, sorted, space-separated,
 * and its total into *total. */
static char *fts_ids(const char *query, int64_t *total)
{
    struct searcher *se = NULL;
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(st, &se, &err), 0, "%s", err.msg);
    struct search_opts o = {.query = query,
                            .limit = SEARCH_MAX_LIMIT,
                            .strict = 1,
                            .no_collapse = 1,
                            .exact_total = 1,
                            .budget = -1};
    struct search_result r;
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "[%s]: %s", query, err.msg);
    cr_assert_lt(r.total, SEARCH_MAX_LIMIT, "[%s]: pick a rarer query", query);
    char **v = mg_calloc((size_t)r.nhits + 1, sizeof *v);
    for (int i = 0; i < r.nhits; i++)
        v[i] = mg_strdup(r.hits[i].id);
    qsort(v, (size_t)r.nhits, sizeof *v, corpus_path_cmp);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < r.nhits; i++) {
        buf_printf(&b, "%s%s", i ? " " : "", v[i]);
        free(v[i]);
    }
    free(v);
    *total = r.total;
    search_result_free(&r);
    searcher_free(se);
    return buf_take(&b);
}

static char *mgx_ids(enum mgx_op op, int window, const struct mgx_key *k, int n,
                     int64_t *total)
{
    struct mgx_hit *h = NULL;
    int nh = 0;
    struct mg_err err = {""};
    cr_assert_eq(mgx_search(xdb, op, window, k, n, SEARCH_MAX_LIMIT, &h, &nh,
                            total, &err),
                 0, "%s", err.msg);
    char **v = mg_calloc((size_t)nh + 1, sizeof *v);
    for (int i = 0; i < nh; i++) {
        v[i] = h[i].uid;
        if (i)
            cr_expect_geq(h[i - 1].weight, h[i].weight, "best first");
        if (k[0].field < MGX_SOURCE) /* words, not filters alone */
            cr_expect_gt(h[i].weight, 0, "%s: a weight", h[i].uid);
    }
    qsort(v, (size_t)nh, sizeof *v, corpus_path_cmp);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < nh; i++)
        buf_printf(&b, "%s%s", i ? " " : "", v[i]);
    free(v);
    mgx_hits_free(h, nh);
    return buf_take(&b);
}

/* The stem class key of a word (TOK_MODE_STEM: the unmarked form). */
static int stem_cb(void *ctx, int flags, const char *token, int n, int s, int e)
{
    (void)flags, (void)s, (void)e;
    struct buf *b = ctx;
    if (token[0] != TOK_STEM_MARK && b->len == 0)
        buf_add(b, token, (size_t)n);
    return 0;
}

static char *stem_of(const char *word)
{
    struct tok *t = tok_new();
    struct buf b = {0};
    tok_run(t, TOK_MODE_STEM, word, (int)strlen(word), stem_cb, &b);
    tok_free(t);
    cr_assert_gt(b.len, 0, "no stem for %s", word);
    return buf_take(&b);
}

static void expect_same(const char *query, enum mgx_op op, int window,
                        const struct mgx_key *k, int n, int64_t at_least)
{
    int64_t ft = 0, xt = 0;
    char *f = fts_ids(query, &ft);
    char *x = mgx_ids(op, window, k, n, &xt);
    cr_expect_str_eq(x, f, "[%s]: Xapian found [%s], FTS5 [%s]", query, x, f);
    cr_expect_eq(xt, ft, "[%s]: totals %lld and %lld", query, (long long)xt,
                 (long long)ft);
    cr_expect_geq(ft, at_least, "[%s]: %lld matches: a test that can fail?",
                  query, (long long)ft);
    free(f);
    free(x);
}

Test(xapian, words_stems_phrases_fields_match_fts5)
{
    char *s_prices = stem_of("prices"), *s_officials = stem_of("officials");
    cr_expect_str_eq(s_prices, "price");

    /* a plain word matches its stem class; so does another form */
    struct mgx_key k1[] = {{MGX_ANY, s_prices, 1}};
    expect_same("prices", MGX_AND, 0, k1, 1, 100);
    expect_same("price", MGX_AND, 0, k1, 1, 100);
    struct mgx_key k2[] = {{MGX_ANY, s_officials, 1}};
    expect_same("officials", MGX_AND, 0, k2, 1, 100);
    /* a quoted word is exact */
    struct mgx_key k3[] = {{MGX_ANY, "prices", 0}};
    expect_same("\"prices\"", MGX_AND, 0, k3, 1, 100);
    /* a dotted acronym, and the undotted form indexed beside it */
    struct mgx_key k3b[] = {{MGX_ANY, "u.s.", 0}};
    expect_same("\"u.s.\"", MGX_AND, 0, k3b, 1, 100);
    struct mgx_key k3c[] = {{MGX_ANY, "uk", 1}};
    expect_same("uk", MGX_AND, 0, k3c, 1, 10);
    /* two words, ANDed */
    struct mgx_key k4[] = {{MGX_ANY, "oil", 1}, {MGX_ANY, s_prices, 1}};
    expect_same("oil prices", MGX_AND, 0, k4, 2, 40);
    /* a phrase: exact words, consecutive */
    struct mgx_key k5[] = {{MGX_ANY, "oil", 0}, {MGX_ANY, "prices", 0}};
    expect_same("\"oil prices\"", MGX_PHRASE, 0, k5, 2, 20);
    struct mgx_key k5b[] = {{MGX_ANY, "crude", 0}, {MGX_ANY, "oil", 0}};
    expect_same("\"crude oil\"", MGX_PHRASE, 0, k5b, 2, 10);
    /* proximity: at most 3 words between, any order, stem classes */
    struct mgx_key k6[] = {{MGX_ANY, "oil", 1}, {MGX_ANY, s_prices, 1}};
    expect_same("\"oil prices\"~3", MGX_NEAR, 2 + 3, k6, 2, 30);
    expect_same("\"prices oil\"~3", MGX_NEAR, 2 + 3, k6, 2, 30);
    /* a field */
    struct mgx_key k7[] = {{ART_TITLE, "oil", 1}};
    expect_same("title:oil", MGX_AND, 0, k7, 1, 20);
    struct mgx_key k8[] = {{ART_TITLE, "central", 0}, {ART_TITLE, "bank", 0}};
    expect_same("title:\"central bank\"", MGX_PHRASE, 0, k8, 2, 2);
    /* filters: a source (the whole name, any case), entities */
    struct mgx_key k9[] = {{MGX_ANY, s_officials, 1},
                           {MGX_SOURCE, "REUTERS", 0}};
    expect_same("officials source:reuters", MGX_AND, 0, k9, 2, 100);
    struct mgx_key k10[] = {{MGX_ANY, s_officials, 1}, {MGX_PLACE, "japan", 0}};
    expect_same("officials place:japan", MGX_AND, 0, k10, 2, 40);
    struct mgx_key k11[] = {{MGX_ORG, "opec", 0}};
    expect_same("org:opec", MGX_AND, 0, k11, 1, 10);
    struct mgx_key k12[] = {{MGX_PERSON, "jamesbaker", 0}};
    expect_same("person:\"james baker\"", MGX_AND, 0, k12, 1, 10);
    struct mgx_key k14[] = {{MGX_PERSON, "ronaldreagan", 0}};
    expect_same("person:\"ronald reagan\"", MGX_AND, 0, k14, 1, 1);
    free(s_prices);
    free(s_officials);
}

Test(xapian, word_statistics_and_prefixes)
{
    struct mg_err err = {""};
    struct store_word w;
    const char *words[] = {"summit", "korea", "said", "pyongyang", "offici"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        cr_assert_eq(store_word(st, words[i], (int)strlen(words[i]), &w, &err),
                     1, "%s: %s", words[i], err.msg);
        cr_expect_eq(mgx_df(xdb, MGX_ANY, words[i], 0, &err), w.df,
                     "%s: exact df", words[i]);
        cr_expect_eq(mgx_df(xdb, MGX_ANY, words[i], 1, &err), w.cdf,
                     "%s: class df", words[i]);
    }
    /* lengths: 4 terms a position, each weighted as its column */
    struct store_corpus c;
    struct mgx_stats s;
    cr_assert_eq(store_corpus(st, &c, &err), 0, "%s", err.msg);
    cr_assert_eq(mgx_stats(xdb, &s, &err), 0, "%s", err.msg);
    double ratio = (double)s.total_length / (4.0 * (double)c.tokens);
    cr_expect(ratio >= 1.0 && ratio < 1.01,
              "Xapian's length %lld is not 4 x FTS5's %lld (ratio %f)",
              (long long)s.total_length, (long long)c.tokens, ratio);
}

struct words {
    struct buf b;
    int n;
};

static int word_cb(void *ctx, const char *key, int len, int64_t df)
{
    struct words *w = ctx;
    cr_expect_gt(df, 0);
    buf_printf(&w->b, "%s%.*s", w->n++ ? " " : "", len, key);
    return 0;
}

static void store_word_cb(void *ctx, const char *key, int len)
{
    struct words *w = ctx;
    buf_printf(&w->b, "%s%.*s", w->n++ ? " " : "", len, key);
}

Test(xapian, prefix_words_are_those_of_fts5)
{
    struct mg_err err = {""};
    const char *prefixes[] = {"universit", "pyong", "summ"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        const char *p = prefixes[i];
        struct words x = {{0}, 0}, f = {{0}, 0};
        buf_adds(&x.b, "");
        buf_adds(&f.b, "");
        int n = mgx_allterms(xdb, MGX_ANY, p, 0, 0, word_cb, &x, &err);
        cr_assert_geq(n, 1, "%s: %s", p, err.msg);
        int64_t of = 0;
        cr_assert_eq(store_word_prefix(st, p, (int)strlen(p), 100000, NULL,
                                       NULL, &of, &err),
                     0, "%s", err.msg);
        cr_expect_eq(n, of, "%s*: %d words in Xapian, %lld in FTS5", p, n,
                     (long long)of);
        /* the set, sorted by the store's key order too */
        cr_assert_eq(store_word_prefix(st, p, (int)strlen(p), (int)of,
                                       store_word_cb, &f, &of, &err),
                     0, "%s", err.msg);
        char **a = mg_calloc((size_t)f.n + 1, sizeof *a);
        int na = 0;
        for (char *t = strtok(f.b.s, " "); t; t = strtok(NULL, " "))
            a[na++] = t;
        qsort(a, (size_t)na, sizeof *a, corpus_path_cmp);
        struct buf sorted = {0};
        buf_adds(&sorted, "");
        for (int j = 0; j < na; j++)
            buf_printf(&sorted, "%s%s", j ? " " : "", a[j]);
        cr_expect_str_eq(x.b.s, sorted.s, "%s*", p);
        free(a);
        buf_free(&sorted);
        buf_free(&x.b);
        buf_free(&f.b);
    }
    /* an entity's key, for autocompletion */
    struct words e = {{0}, 0};
    buf_adds(&e.b, "");
    cr_expect_geq(
        mgx_allterms(xdb, MGX_PERSON, "kimjong", 0, 10, word_cb, &e, &err), 1,
        "persons kimjong*: %s", err.msg);
    cr_expect_not_null(strstr(e.b.s, "kimjongun"), "persons: %s", e.b.s);
    buf_free(&e.b);
}

static int64_t count_of(enum mgx_op op, const struct mgx_key *k, int n)
{
    struct mgx_hit *h = NULL;
    int nh = 0;
    int64_t total = 0;
    struct mg_err err = {""};
    cr_assert_eq(mgx_search(xdb, op, 0, k, n, 10, &h, &nh, &total, &err), 0,
                 "%s", err.msg);
    mgx_hits_free(h, nh);
    return total;
}

/* A wire story sent twice with one word changed (fingerprint.h: a few
 * bits apart). */
#define CLOVES                                                                 \
    "The clove harvest in Zanzibar was the largest in a decade, growers "      \
    "and the island's trading corporation said on "
#define CLOVES_END                                                             \
    ", as world prices for the spice rose for a third month running. "         \
    "Exporters expect shipments to Indonesia, the biggest buyer, to reach "    \
    "a record, while farmers on Pemba complained that the state still "        \
    "pays them less than a third of the export price. The corporation "        \
    "said it would raise the price it pays growers next season, and that "     \
    "new drying yards would cut the losses that have hurt the crop's "         \
    "quality in recent years, officials said."

Test(xapian, replace_delete_and_near_duplicates)
{
    struct mg_err err = {""};
    struct mgx_stats s0, s;
    cr_assert_eq(mgx_stats(xdb, &s0, &err), 0);
    struct article a = {0};
    a.uid = mg_strdup("test/one");
    a.title = mg_strdup("Zanzibar clove harvest");
    a.body = mg_strdup(CLOVES "Monday" CLOVES_END);
    a.source = mg_strdup("Test Wire");
    a.date = mg_strdup("2019-03-04");
    a.simhash = fp_simhash(a.body);
    cr_expect_eq(mgx_put(xdb, &a, NULL, &err), MGX_ADDED, "%s", err.msg);
    struct mgx_key zan[] = {{MGX_ANY, "zanzibar", 1}};
    struct mgx_key clov[] = {{ART_TITLE, "clove", 1}};
    struct mgx_key nutm[] = {{ART_TITLE, "nutmeg", 1}};
    int64_t before = count_of(MGX_AND, zan, 1);
    cr_expect_geq(before, 1);
    cr_expect_eq(count_of(MGX_AND, clov, 1), 1);

    /* a near-duplicate copy shares the cluster; an unrelated one not */
    struct article b = {0};
    b.uid = mg_strdup("test/two");
    b.body = mg_strdup(CLOVES "Tuesday" CLOVES_END);
    b.simhash = fp_simhash(b.body);
    cr_assert_leq(fp_distance(a.simhash, b.simhash), FP_NEAR);
    cr_expect_eq(mgx_put(xdb, &b, NULL, &err), MGX_ADDED, "%s", err.msg);
    struct buf ka = {0}, kb = {0}, kc = {0};
    cr_assert_eq(mgx_value(xdb, "test/one", MGX_VAL_DUPKEY, &ka, &err), 1);
    cr_assert_eq(mgx_value(xdb, "test/two", MGX_VAL_DUPKEY, &kb, &err), 1);
    cr_assert_eq(mgx_value(xdb, kept[0].uid, MGX_VAL_DUPKEY, &kc, &err), 1);
    cr_expect_eq(ka.len, 8);
    cr_expect(ka.len == kb.len && !memcmp(ka.s, kb.s, ka.len),
              "copies in one cluster");
    cr_expect(ka.len != kc.len || memcmp(ka.s, kc.s, ka.len),
              "an unrelated article in another");
    buf_free(&ka);
    buf_free(&kb);
    buf_free(&kc);

    /* replaced: the new words in, the old ones out, no new document */
    free(a.title);
    a.title = mg_strdup("Zanzibar nutmeg harvest");
    cr_expect_eq(mgx_put(xdb, &a, NULL, &err), MGX_REPLACED, "%s", err.msg);
    cr_expect_eq(count_of(MGX_AND, clov, 1), 0);
    cr_expect_eq(count_of(MGX_AND, nutm, 1), 1);
    cr_assert_eq(mgx_stats(xdb, &s, &err), 0);
    cr_expect_eq(s.docs, s0.docs + 2);
    struct article g = {0};
    cr_assert_eq(mgx_get(xdb, "test/one", &g, &err), 1);
    cr_expect_str_eq(g.title, "Zanzibar nutmeg harvest");
    article_clear(&g);

    /* a reader sees it after the commit and a reopen */
    cr_assert_eq(mgx_commit(xdb, &err), 0, "%s", err.msg);
    char *xpath = path_in(dir, "x");
    struct mgx_db *r = NULL;
    cr_assert_eq(mgx_open(xpath, MGX_READ, &r, &err), 0, "%s", err.msg);
    cr_expect_eq(mgx_get(r, "test/one", &g, &err), 1);
    article_clear(&g);

    /* deleted: gone, and a second delete finds nothing */
    cr_expect_eq(mgx_delete(xdb, "test/one", &err), 1, "%s", err.msg);
    cr_expect_eq(mgx_delete(xdb, "test/one", &err), 0, "%s", err.msg);
    cr_expect_eq(mgx_get(xdb, "test/one", &g, &err), 0);
    cr_expect_eq(count_of(MGX_AND, nutm, 1), 0);
    cr_expect_eq(count_of(MGX_AND, zan, 1), before);
    cr_assert_eq(mgx_commit(xdb, &err), 0, "%s", err.msg);
    cr_expect_eq(mgx_get(r, "test/one", &g, &err), 1, "the old revision");
    article_clear(&g);
    cr_assert_eq(mgx_reopen(r, &err), 0, "%s", err.msg);
    cr_expect_eq(mgx_get(r, "test/one", &g, &err), 0, "the new one");
    mgx_close(r);
    free(xpath);
    article_clear(&a);
    article_clear(&b);
}

Test(xapian, a_long_uid_is_kept_apart)
{
    struct mg_err err = {""};
    char u1[400], u2[400];
    memset(u1, 'a', sizeof u1 - 1);
    u1[sizeof u1 - 1] = 0;
    memcpy(u2, u1, sizeof u2);
    u2[350] = 'b';
    struct article a = {0};
    a.uid = u1;
    a.title = "first long";
    cr_expect_eq(mgx_put(xdb, &a, NULL, &err), MGX_ADDED, "%s", err.msg);
    a.uid = u2;
    a.title = "second long";
    cr_expect_eq(mgx_put(xdb, &a, NULL, &err), MGX_ADDED, "%s", err.msg);
    struct article g = {0};
    cr_assert_eq(mgx_get(xdb, u1, &g, &err), 1, "%s", err.msg);
    cr_expect_str_eq(g.title, "first long");
    article_clear(&g);
    cr_assert_eq(mgx_get(xdb, u2, &g, &err), 1, "%s", err.msg);
    cr_expect_str_eq(g.title, "second long");
    article_clear(&g);
}

/* ---- the same database served by xapian-tcpsrv ----------------------- */

/* The search's uids and weights, "uid=weight ..." with the weights to
 * 12 significant digits. */
static char *ranked(struct mgx_db *db, enum mgx_op op, int window,
                    const struct mgx_key *k, int n)
{
    struct mgx_hit *h = NULL;
    int nh = 0;
    int64_t total = 0;
    struct mg_err err = {""};
    cr_assert_eq(mgx_search(db, op, window, k, n, 50, &h, &nh, &total, &err), 0,
                 "%s", err.msg);
    struct buf b = {0};
    buf_printf(&b, "total %lld:", (long long)total);
    for (int i = 0; i < nh; i++)
        buf_printf(&b, " %s=%.12g", h[i].uid, h[i].weight);
    mgx_hits_free(h, nh);
    return buf_take(&b);
}

/* The values, the BM25 parameters, the filter and the tie-break by uid
 * all travel to a remote database: a stub naming the database served by
 * xapian-tcpsrv ranks exactly as the directory does. */
Test(xapian, a_remote_database_ranks_as_the_local_one)
{
    if (access("/usr/bin/xapian-tcpsrv", X_OK) != 0) {
        teardown();
        cr_skip_test("xapian-tcpsrv not installed (apt-get install "
                     "xapian-tools)");
    }
    char *xpath = path_in(dir, "x"), *stub = path_in(dir, "remote.stub");
    pid_t pid = both_serve(xpath, stub);

    struct mgx_db *r = NULL;
    struct mg_err err = {""};
    int rc = mgx_open(stub, MGX_READ, &r, &err);
    if (rc == 0) {
        struct mgx_key k1[] = {{MGX_ANY, "oil", 1}, {MGX_ANY, "price", 1}};
        struct mgx_key k2[] = {{MGX_ANY, "crude", 0}, {MGX_ANY, "oil", 0}};
        struct mgx_key k3[] = {{MGX_ANY, "offici", 1}, {MGX_PLACE, "japan", 0}};
        struct mgx_key k4[] = {{ART_TITLE, "bank", 1}, {MGX_ANY, "rate", 1}};
        struct {
            enum mgx_op op;
            int window;
            const struct mgx_key *k;
            int n;
        } q[] = {{MGX_AND, 0, k1, 2},    {MGX_OR, 0, k1, 2},
                 {MGX_PHRASE, 0, k2, 2}, {MGX_NEAR, 5, k1, 2},
                 {MGX_AND, 0, k3, 2},    {MGX_OR, 0, k4, 2}};
        for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
            char *local = ranked(xdb, q[i].op, q[i].window, q[i].k, q[i].n);
            char *remote = ranked(r, q[i].op, q[i].window, q[i].k, q[i].n);
            cr_expect_str_eq(remote, local, "query %zu", i);
            cr_expect(strncmp(local, "total 0:", 8) != 0,
                      "query %zu matches nothing: a test that can fail?", i);
            free(local);
            free(remote);
        }
        struct mgx_stats a, b;
        cr_expect_eq(mgx_stats(xdb, &a, &err), 0);
        cr_expect_eq(mgx_stats(r, &b, &err), 0);
        cr_expect_eq(a.docs, b.docs);
        cr_expect_eq(a.total_length, b.total_length);
        mgx_close(r);
    }
    /* stopped by its own id, whatever happened above */
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    cr_assert_eq(rc, 0, "%s", err.msg);

    /* no server: the error names the stub */
    r = NULL;
    cr_expect_eq(mgx_open(stub, MGX_READ, &r, &err), -1);
    cr_expect_not_null(strstr(err.msg, stub), "%s", err.msg);
    free(stub);
    free(xpath);
}

/* ---- errors ------------------------------------------------------------ */

Test(xapian_errors, messages_name_the_database)
{
    char *d = mk_tmpdir();
    char *missing = path_in(d, "none");
    struct mg_err err = {""};
    struct mgx_db *x = NULL;
    cr_expect_eq(mgx_open(missing, MGX_READ, &x, &err), -1);
    cr_expect_null(x);
    cr_expect_not_null(strstr(err.msg, missing), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, "no Xapian database"), "%s", err.msg);

    /* a second writer: Xapian's lock */
    char *path = path_in(d, "x");
    struct mgx_db *w = NULL;
    cr_assert_eq(mgx_open(path, MGX_WRITE, &w, &err), 0, "%s", err.msg);
    err.msg[0] = 0;
    cr_expect_eq(mgx_open(path, MGX_WRITE, &x, &err), -1);
    cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, "locked"), "%s", err.msg);

    /* a reader cannot write */
    struct mgx_db *r = NULL;
    cr_assert_eq(mgx_open(path, MGX_READ, &r, &err), 0, "%s", err.msg);
    struct article a = {0};
    a.uid = "u";
    cr_expect_eq(mgx_put(r, &a, NULL, &err), -1);
    cr_expect_not_null(strstr(err.msg, "read-only"), "%s", err.msg);
    a.uid = NULL;
    cr_expect_eq(mgx_put(w, &a, NULL, &err), -1);
    cr_expect_not_null(strstr(err.msg, "without a uid"), "%s", err.msg);
    mgx_close(r);
    /* closing a writer commits what it wrote */
    a.uid = "closed/one";
    a.title = "written, never committed";
    cr_expect_eq(mgx_put(w, &a, NULL, &err), MGX_ADDED, "%s", err.msg);
    mgx_close(w);
    cr_assert_eq(mgx_open(path, MGX_READ, &r, &err), 0, "%s", err.msg);
    struct article g = {0};
    cr_expect_eq(mgx_get(r, "closed/one", &g, &err), 1, "%s", err.msg);
    cr_expect_str_eq(g.title ? g.title : "", "written, never committed");
    article_clear(&g);
    mgx_close(r);

    /* a file where a database should be */
    char *file = path_in(d, "plain");
    write_file(file, "not a database\n", 15);
    cr_expect_eq(mgx_open(file, MGX_WRITE, &x, &err), -1);
    cr_expect_not_null(strstr(err.msg, file), "%s", err.msg);

    mgx_close(NULL);
    free(file);
    free(path);
    free(missing);
    rm_tree(d);
    free(d);
    expect_no_leaks();
}
