/*
 * test_suggest.c - "did you mean" (query/suggest.h): the edit distance,
 * the walk over the index's vocabulary (checked against a scan of every
 * word), and the corrected queries a search suggests, over an index built
 * from the sample corpus (../corpus/) in a temporary folder.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "search.h"
#include "search_json.h"
#include "store.h"
#include "store_int.h"
#include "suggest.h"

static char *dir;
static struct store *st;
static struct searcher *se;

static void setup(void)
{
    dir = mk_tmpdir();
    char *path = path_in(dir, "m.db");
    st = open_store(path, STORE_WRITE);
    free(path);
    int n;
    char **files = corpus_files("../corpus", 0, &n);
    struct corpus_feed f = {.st = st, .upto = INT64_MAX};
    corpus_feed_files(&f, files, n);
    corpus_files_free(files, n);
    finish(st);
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(st, &se, &err), 0, "%s", err.msg);
}

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
    expect_no_leaks();
}

/* Adds one article and writes the word statistics. */
static void add(const char *uid, const char *title, const char *body)
{
    struct article a = {0};
    a.uid = mg_strdup(uid);
    a.title = mg_strdup(title);
    a.body = mg_strdup(body);
    struct mg_err err = {""};
    cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    cr_assert_eq(store_finish(st, &err), 0, "%s", err.msg);
    article_clear(&a);
}

/* The suggestion a search for query gives (caller frees; NULL: none),
 * its total into *total (may be NULL). */
static char *suggestion(const char *query, int64_t *total)
{
    struct search_opts o = {.query = query, .limit = 10, .suggest = 1};
    struct search_result r;
    struct mg_err err = {""};
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "%s: %s", query, err.msg);
    char *s = r.suggestion ? mg_strdup(r.suggestion) : NULL;
    if (total)
        *total = r.total;
    search_result_free(&r);
    return s;
}

static void expect_suggestion(const char *query, const char *want)
{
    char *got = suggestion(query, NULL);
    if (want)
        cr_expect(got && strcmp(got, want) == 0,
                  "%s: suggested \"%s\", not \"%s\"", query,
                  got ? got : "(none)", want);
    else
        cr_expect_null(got, "%s: suggested \"%s\", none expected", query, got);
    free(got);
}

TestSuite(suggest, .init = setup, .fini = teardown);

Test(suggest, distance_counts_edits_and_swaps_in_code_points)
{
    static const struct {
        const char *a, *b;
        int want;
    } CASES[] = {
        {"gorbachov", "gorbachev", 1}, /* a substitution */
        {"pyongyng", "pyongyang", 1},  /* an insertion */
        {"eun", "un", 1},              /* a deletion, first letter */
        {"kuwiat", "kuwait", 1},       /* two neighbours swapped */
        {"gorbatchov", "gorbachev", 2},
        {"zurich", "zürich", 1}, /* one code point, two bytes */
        {"moscow", "moscow", 0},
        {"kitten", "sitting", 3}, /* more than 2: max + 1 */
        {"ab", "abcdef", 3},      /* lengths too far apart */
        {"", "abc", 3},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        int d = suggest_distance(CASES[i].a, (int)strlen(CASES[i].a),
                                 CASES[i].b, (int)strlen(CASES[i].b), 2);
        cr_expect_eq(d, CASES[i].want, "%s / %s: %d, not %d", CASES[i].a,
                     CASES[i].b, d, CASES[i].want);
    }
}

/* Every key an article holds within maxdist of word, by a scan of the
 * whole terms table, as "key:dist" lines in key order. */
static char *scan_near(const char *word, int maxdist, int anchor)
{
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st),
                                    "SELECT term FROM terms WHERE df > 0 ORDER"
                                    " BY term",
                                    -1, &q, NULL),
                 SQLITE_OK);
    struct buf b = {0};
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        int n = sqlite3_column_bytes(q, 0);
        if (anchor && t[0] != word[0])
            continue;
        int d = suggest_distance(word, (int)strlen(word), t, n, maxdist);
        if (d > 0 && d <= maxdist)
            buf_printf(&b, "%s:%d\n", t, d);
    }
    sqlite3_finalize(q);
    return b.s ? buf_take(&b) : mg_strdup("");
}

static int key_order(const void *x, const void *y)
{
    return strcmp(((const struct suggest_cand *)x)->key,
                  ((const struct suggest_cand *)y)->key);
}

Test(suggest, the_walk_finds_what_a_scan_of_every_word_finds)
{
    static const char *const WORDS[] = {
        "gorbachov", "pyongyng", "eun",   "kuwiat", "dollr",
        "summt",     "tokio",    "opek",  "reagn",  "petrolium",
        "zzzzzz",    "a",        "yeild", "corea",  "minstry"};
    int64_t keys = 0, most = 0;
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st),
                                    "SELECT count(*) FROM terms WHERE df > 0",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    keys = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
        for (int maxdist = 1; maxdist <= 2; maxdist++)
            for (int anchor = 0; anchor <= 1; anchor++) {
                const char *w = WORDS[i];
                struct suggest_cand c[2000];
                int n = 0;
                int64_t seeks = 0;
                struct mg_err err = {""};
                cr_assert_eq(suggest_near(st, w, (int)strlen(w), maxdist,
                                          anchor, c, 2000, &n, &seeks, &err),
                             0, "%s", err.msg);
                qsort(c, (size_t)n, sizeof c[0], key_order);
                struct buf got = {0};
                buf_adds(&got, "");
                for (int k = 0; k < n; k++)
                    buf_printf(&got, "%s:%d\n", c[k].key, c[k].dist);
                char *want = scan_near(w, maxdist, anchor);
                cr_expect_str_eq(got.s, want, "%s within %d%s", w, maxdist,
                                 anchor ? ", anchored" : "");
                free(want);
                buf_free(&got);
                suggest_cands_free(c, n);
                if (maxdist == 1 || anchor)
                    most = seeks > most ? seeks : most;
            }
    /* the walk skips the words too far away: the searches a suggestion
     * makes (1 edit anywhere, 2 from the first letter) seek a small part
     * of the vocabulary */
    cr_expect_lt(most * 5, keys, "%lld seeks for %lld keys", (long long)most,
                 (long long)keys);
}

/* The SUGGEST_CANDS best of the keys within 1 edit, or when there is none
 * within 2 keeping the first letter, by a scan of the whole terms table,
 * as lines. */
static char *scan_candidates(const char *word)
{
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st),
                                    "SELECT term, df FROM terms WHERE df > 0",
                                    -1, &q, NULL),
                 SQLITE_OK);
    struct suggest_cand c[4000];
    int n = 0, len = (int)strlen(word);
    int32_t cp;
    int first = mg_utf8_decode(word, len, 0, &cp);
    while (sqlite3_step(q) == SQLITE_ROW && n < 4000) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        int tn = sqlite3_column_bytes(q, 0);
        int d = suggest_distance(word, len, t, tn, 2);
        int anchored = tn >= first && memcmp(t, word, (size_t)first) == 0;
        int chars = 0;
        for (int i = 0; i < len; i++)
            chars += ((unsigned char)word[i] & 0xC0) != 0x80;
        if (d == 1 || (d == 2 && anchored && chars >= SUGGEST_LONG))
            c[n++] = (struct suggest_cand){mg_strdup(t), d,
                                           sqlite3_column_int64(q, 1)};
    }
    sqlite3_finalize(q);
    qsort(c, (size_t)n, sizeof c[0], suggest_cand_order);
    if (n > 0 && c[0].dist == 1) { /* 2 edits only when none is 1 away */
        int k = 0;
        while (k < n && c[k].dist == 1)
            k++;
        suggest_cands_free(c + k, n - k);
        n = k;
    }
    qsort(c, (size_t)n, sizeof c[0], suggest_cand_order);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < n && i < SUGGEST_CANDS; i++)
        buf_printf(&b, "%s:%d:%lld\n", c[i].key, c[i].dist, (long long)c[i].df);
    suggest_cands_free(c, n);
    return buf_take(&b);
}

Test(suggest, candidates_are_the_best_of_a_scan_of_every_word)
{
    static const char *const WORDS[] = {
        "gorbachov", "pyongyng", "eun",     "kuwiat",    "dollr", "summt",
        "tokio",     "opek",     "reagn",   "petrolium", "yeild", "corea",
        "minstry",   "ollar",    "xdollar", "odllar",    "zürich"};
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++) {
        const char *w = WORDS[i];
        struct suggest_cand c[SUGGEST_CANDS];
        int n = 0;
        struct mg_err err = {""};
        cr_assert_eq(
            suggest_candidates(st, w, (int)strlen(w), c, &n, NULL, &err), 0,
            "%s", err.msg);
        struct buf got = {0};
        buf_adds(&got, "");
        for (int k = 0; k < n; k++)
            buf_printf(&got, "%s:%d:%lld\n", c[k].key, c[k].dist,
                       (long long)c[k].df);
        char *want = scan_candidates(w);
        cr_expect_str_eq(got.s, want, "%s", w);
        free(want);
        buf_free(&got);
        suggest_cands_free(c, n);
    }
}

Test(suggest, candidates_nearest_then_most_frequent)
{
    struct suggest_cand c[SUGGEST_CANDS];
    int n = 0;
    struct mg_err err = {""};
    cr_assert_eq(suggest_candidates(st, "gorbachov", 9, c, &n, NULL, &err), 0,
                 "%s", err.msg);
    cr_assert_geq(n, 1);
    cr_expect_str_eq(c[0].key, "gorbachev");
    cr_expect_eq(c[0].dist, 1);
    cr_expect_eq(c[0].df, 5);
    for (int i = 1; i < n; i++)
        cr_expect(c[i - 1].dist < c[i].dist ||
                      (c[i - 1].dist == c[i].dist && c[i - 1].df >= c[i].df),
                  "%s before %s", c[i - 1].key, c[i].key);
    suggest_cands_free(c, n);
    /* a short word: 1 edit only */
    cr_assert_eq(suggest_candidates(st, "eun", 3, c, &n, NULL, &err), 0);
    for (int i = 0; i < n; i++)
        cr_expect_eq(c[i].dist, 1, "%s", c[i].key);
    suggest_cands_free(c, n);
}

Test(suggest, misspelt_names_are_corrected)
{
    expect_suggestion("Gorbachov", "Gorbachev");
    expect_suggestion("Pyongyng", "Pyongyang");
    expect_suggestion("gorbatchov", "gorbachev"); /* two edits */
    expect_suggestion("Kuwiat", "Kuwait");
}

Test(suggest, each_word_corrected_then_the_whole_query_counted)
{
    /* "eun" is near many words ("sun", "run", "gun"...): "un" is the
     * one with which the query finds the story */
    expect_suggestion("Kim Jong Eun", "Kim Jong Un");
    expect_suggestion("Kim Jong Eun summit", "Kim Jong Un summit");
    expect_suggestion("Gorbachov Reagn", "Gorbachev Reagan");
}

Test(suggest, the_query_syntax_is_kept_only_the_words_change)
{
    expect_suggestion("\"Kim Jong Eun\"", "\"Kim Jong Un\"");
    expect_suggestion("title:Pyongyng -oil", "title:Pyongyang -oil");
    expect_suggestion("(Gorbachov OR Yeltsinn) date:1987",
                      "(Gorbachev OR Yeltsinn) date:1987");
    expect_suggestion("GORBACHOV", "GORBACHEV");
    expect_suggestion("Kim-Jong-Eun", "Kim-Jong-Un");
    /* a word given twice is corrected alike, each time */
    expect_suggestion("\"Pyongyng\" OR Pyongyng", "\"Pyongyang\" OR Pyongyang");
    /* excluded words, prefixes, filters' values and numbers are left */
    expect_suggestion("oil -Gorbachov", NULL);
    expect_suggestion("summi* Pyongyng", "summi* Pyongyang");
    expect_suggestion("person:Gorbachov", NULL);
}

Test(suggest, no_suggestion_for_words_the_index_holds)
{
    expect_suggestion("Gorbachev", NULL);
    expect_suggestion("oil prices", NULL);
    expect_suggestion("Kim Jong Un", NULL);
    expect_suggestion("Xqzvvw", NULL); /* nothing near */
    expect_suggestion("1987", NULL);
}

Test(suggest, a_rare_word_near_a_frequent_one)
{
    /* one article misspells "dollar": the query finds it, and the word
     * held by 20 times as many articles finds 10 times as many */
    add("typo", "Dollr falls", "The dollr fell against the yen.");
    int64_t total = 0;
    char *s = suggestion("dollr", &total);
    cr_expect_eq(total, 1);
    cr_expect(s && strcmp(s, "dollar") == 0, "suggested %s", s ? s : "none");
    free(s);
    /* a rare word whose neighbours are not much more frequent stays */
    add("rare", "Pyongyan", "Pyongyan visit");
    expect_suggestion("Pyongyan", NULL);
}

Test(suggest, the_suggestion_changes_no_result)
{
    static const char *const QUERIES[] = {"Kim Jong Eun", "Gorbachov",
                                          "dollr yen", "oil prices"};
    for (size_t i = 0; i < sizeof QUERIES / sizeof QUERIES[0]; i++) {
        struct search_opts o = {.query = QUERIES[i], .limit = 10};
        struct search_result a, b;
        struct mg_err err = {""};
        cr_assert_eq(search_run(se, &o, &a, &err), 0, "%s", err.msg);
        o.suggest = 1;
        cr_assert_eq(search_run(se, &o, &b, &err), 0, "%s", err.msg);
        cr_expect_eq(a.total, b.total, "%s", QUERIES[i]);
        cr_expect_eq(a.relaxed, b.relaxed, "%s", QUERIES[i]);
        cr_assert_eq(a.nhits, b.nhits, "%s", QUERIES[i]);
        for (int k = 0; k < a.nhits; k++) {
            cr_expect_str_eq(a.hits[k].id, b.hits[k].id, "%s", QUERIES[i]);
            cr_expect_eq(a.hits[k].score, b.hits[k].score, "%s", QUERIES[i]);
        }
        cr_expect_null(a.suggestion);
        search_result_free(&a);
        search_result_free(&b);
    }
}

Test(suggest, json_has_the_suggestion_only_when_there_is_one)
{
    struct search_opts o = {.query = "Pyongyng", .limit = 10, .suggest = 1};
    struct search_result r;
    struct mg_err err = {""};
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "%s", err.msg);
    json_t *j = search_result_json(o.query, &r, 0);
    cr_expect_str_eq(json_string_value(json_object_get(j, "suggestion")),
                     "Pyongyang");
    json_decref(j);
    search_result_free(&r);
    o.query = "Pyongyang";
    cr_assert_eq(search_run(se, &o, &r, &err), 0, "%s", err.msg);
    j = search_result_json(o.query, &r, 0);
    cr_expect_null(json_object_get(j, "suggestion"));
    json_decref(j);
    search_result_free(&r);
}

Test(suggest, a_suggestion_holds_no_snapshot_of_the_index)
{
    /* the walk's rows are let go: a search after a suggestion sees what
     * another writer added since (morgue-serve under a reindex) */
    free(suggestion("zanzibar summit", NULL));
    char *path = path_in(dir, "m.db");
    struct store *w = open_store(path, STORE_WRITE);
    free(path);
    struct article a = {0};
    a.uid = mg_strdup("new-1");
    a.title = mg_strdup("Zanzibar clove harvest");
    a.body = mg_strdup("The Zanzibar clove harvest doubled.");
    struct mg_err err = {""};
    cr_assert_eq(store_begin(w, &err), 0, "%s", err.msg);
    cr_assert_eq(store_put(w, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    cr_assert_eq(store_commit(w, &err), 0, "%s", err.msg);
    finish(w);
    store_close(w);
    article_clear(&a);
    int64_t total = -1;
    free(suggestion("zanzibar clove", &total));
    cr_expect_eq(total, 1);
}
