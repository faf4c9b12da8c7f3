/*
 * test_termstats.c - the word statistics the store keeps for ranking
 * (lib/termstats.h): every key's document frequencies against what FTS5
 * itself finds, the meta values against the articles and FTS5's lengths,
 * and every block bound against the value of every article it covers;
 * after one session, after incremental sessions that add, change and
 * delete articles, after a session killed before its end, and after a v6
 * index is migrated.  The indexes are built from ../corpus/ in a
 * temporary folder, the way morgue-index builds them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "store.h"
#include "store_int.h"
#include "strmap.h"
#include "termstats.h"

#define CORPUS "../corpus"

static char *dir, *db_path;
static char **files;
static int nfiles;

static void setup(void)
{
    dir = mk_tmpdir();
    db_path = path_in(dir, "m.db");
    files = corpus_files(CORPUS, 0, &nfiles);
    cr_assert_gt(nfiles, 0, "no files in %s", CORPUS);
}

static void teardown(void)
{
    corpus_files_free(files, nfiles);
    files = NULL;
    nfiles = 0;
    if (dir)
        rm_tree(dir);
    free(db_path);
    free(dir);
    dir = db_path = NULL;
    expect_no_leaks();
}

TestSuite(termstats, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------ */

/* Stores the corpus articles numbered from..upto-1 (all: 0, INT64_MAX). */
static int64_t feed_range(struct store *st, int64_t from, int64_t upto)
{
    struct corpus_feed f = {.st = st, .from = from, .upto = upto};
    corpus_feed_files(&f, files, nfiles);
    return f.stored;
}

/* The number of articles in the corpus. */
static int64_t corpus_size(void)
{
    /* counted, nothing stored (an empty range) */
    struct corpus_feed f = {.upto = 0};
    struct mg_err err = {""};
    for (int k = 0; k < nfiles; k++) {
        struct fmt_sink sink = {corpus_feed_article, corpus_feed_warning, &f};
        cr_assert_geq(fmt_parse_file(files[k], files[k], &sink, &err), 0, "%s",
                      err.msg);
    }
    return f.seen;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
}

/* The integer the one-row, one-column sql gives (bound to text arg when
 * not NULL). */
static int64_t int_of(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
                 "%s: %s", sql, sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql,
                 sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The meta value of key ("" when absent), as a new string. */
static char *meta_text(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1",
                                    -1, &st, NULL),
                 SQLITE_OK);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    char *v = mg_strdup(sqlite3_step(st) == SQLITE_ROW
                            ? (const char *)sqlite3_column_text(st, 0)
                            : "");
    sqlite3_finalize(st);
    return v;
}

static int64_t meta_int(sqlite3 *db, const char *key)
{
    char *v = meta_text(db, key);
    int64_t n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* An FTS5 phrase of one index key (tokenizer.h, TOK_QUERY_KEYS): kind
 * TOK_KEY_EXACT (the token) or TOK_KEY_CLASS (the token or its marked
 * stem).  Caller frees. */
static char *key_phrase(const char *key, char kind)
{
    struct buf b = {0};
    buf_addc(&b, '"');
    buf_addc(&b, TOK_QUERY_KEYS);
    buf_addc(&b, kind);
    for (const char *p = key; *p; p++) {
        if (*p == '"')
            buf_addc(&b, '"');
        buf_addc(&b, *p);
    }
    buf_addc(&b, '"');
    return buf_take(&b);
}

/* SQLite's varint, as FTS5 writes the lengths in fts_docsize. */
static uint64_t varint(const unsigned char *p, int n, int *i)
{
    uint64_t v = 0;
    for (int k = 0; *i < n; k++) {
        unsigned char c = p[(*i)++];
        if (k == 8)
            return v << 8 | c;
        v = v << 7 | (c & 0x7f);
        if (!(c & 0x80))
            break;
    }
    return v;
}

/* Articles in fts_docsize and the sums of their lengths: all columns,
 * each by its weight (TS_LEN_WEIGHTS), and the body's tokens. */
static void fts_lengths(sqlite3 *db, int64_t *docs, int64_t *tokens,
                        int64_t *body)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(db, "SELECT sz FROM fts_docsize", -1, &st, NULL),
        SQLITE_OK, "%s", sqlite3_errmsg(db));
    *docs = *tokens = *body = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        for (int i = 0, c = 0; p && i < n; c++) {
            uint64_t v = varint(p, n, &i);
            if (c < ART_NCOLS)
                *tokens += TS_LEN_WEIGHTS[c] * (int64_t)v;
            if (c == ART_BODY)
                *body += (int64_t)v;
        }
        ++*docs;
    }
    sqlite3_finalize(st);
}

/* Mismatches found by a check: how many, and the first few described. */
struct fails {
    int n;
    int all; /* keep every line, not only the first ten */
    struct buf first;
};

static void fail_note(struct fails *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail_note(struct fails *f, const char *fmt, ...)
{
    if (f->n++ >= 10 && !f->all)
        return;
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_printf(&f->first, "  %s\n", line);
}

/* What check_stats looked at. */
struct checked {
    int64_t keys;    /* keys of the terms table */
    int64_t bounded; /* ... with block bounds */
    int64_t pairs;   /* (bounded key, article holding it) pairs */
    int64_t docs, rowid_max, max_id;
};

/* The whole check, on the index at path: the statistics are exact and
 * their bounds hold.  Every mismatch goes to *f; the sizes of what was
 * checked to *out when not NULL. */
static void check_into(const char *path, struct fails *f, struct checked *out)
{
    struct store *st = open_store(path, STORE_READ);
    sqlite3 *db = st_db(st);
    struct checked c = {0};

    /* the meta values */
    char *state = meta_text(db, "stats_state");
    if (strcmp(state, "ok") != 0)
        fail_note(f, "stats_state '%s', not 'ok'", state);
    free(state);
    if (meta_int(db, "stats_version") != TS_VERSION)
        fail_note(f, "stats_version %lld, not TS_VERSION (%d)",
                  (long long)meta_int(db, "stats_version"), TS_VERSION);
    int64_t docs, tokens, body;
    fts_lengths(db, &docs, &tokens, &body);
    c.docs = int_of(db, "SELECT count(*) FROM articles", NULL);
    if (docs != c.docs)
        fail_note(f, "fts_docsize has %lld rows, articles %lld",
                  (long long)docs, (long long)c.docs);
    const char *name[3] = {"stats_docs", "stats_tokens", "stats_body"};
    const int64_t want[3] = {c.docs, tokens, body};
    for (int i = 0; i < 3; i++)
        if (meta_int(db, name[i]) != want[i])
            fail_note(f, "%s %lld, the articles and FTS5's lengths give %lld",
                      name[i], (long long)meta_int(db, name[i]),
                      (long long)want[i]);
    c.max_id = int_of(db, "SELECT coalesce(max(id), 0) FROM articles", NULL);
    c.rowid_max = meta_int(db, "stats_rowid_max");
    if (c.rowid_max < c.max_id)
        fail_note(f, "stats_rowid_max %lld below the last article %lld",
                  (long long)c.rowid_max, (long long)c.max_id);
    int64_t dirty = int_of(db, "SELECT count(*) FROM stats_dirty", NULL);
    if (dirty)
        fail_note(f, "%lld blocks left in stats_dirty", (long long)dirty);
    char *ref_s = meta_text(db, "stats_avgdl_ref");
    double ref = strtod(ref_s, NULL);
    free(ref_s);
    if (c.docs > 0 && !(ref > 0))
        fail_note(f, "stats_avgdl_ref %g", ref);

    /* every token FTS5 holds, with the articles holding it: exact ones
     * and (first byte TOK_STEM_MARK) marked stems */
    exec_ok(db, "CREATE VIRTUAL TABLE temp.vocab USING"
                " fts5vocab(main, fts, row)");
    struct strmap exact = {0}, marked = {0};
    sqlite3_stmt *vs = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT term, doc FROM temp.vocab", -1,
                                    &vs, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    while (sqlite3_step(vs) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(vs, 0);
        int64_t n = sqlite3_column_int64(vs, 1);
        if (n <= 0)
            continue;
        if (t[0] == TOK_STEM_MARK)
            *strmap_slot(&marked, t + 1, 1) = n;
        else
            *strmap_slot(&exact, t, 1) = n;
    }
    sqlite3_finalize(vs);

    /* every key: df, sdf, cdf as FTS5 counts them */
    sqlite3_stmt *ts = NULL, *cnt = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT term, df, sdf, cdf, bounded"
                                    " FROM terms",
                                    -1, &ts, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT count(*) FROM fts WHERE fts"
                                    " MATCH ?1",
                                    -1, &cnt, NULL),
                 SQLITE_OK);
    struct strmap bounded = {0};
    while (sqlite3_step(ts) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(ts, 0);
        int64_t df = sqlite3_column_int64(ts, 1);
        int64_t sdf = sqlite3_column_int64(ts, 2);
        int64_t cdf = sqlite3_column_int64(ts, 3);
        int is_bounded = sqlite3_column_int(ts, 4);
        c.keys++;
        int64_t found[2];
        const char kinds[2] = {TOK_KEY_EXACT, TOK_KEY_CLASS};
        for (int k = 0; k < 2; k++) {
            char *ph = key_phrase(key, kinds[k]);
            sqlite3_bind_text(cnt, 1, ph, -1, SQLITE_TRANSIENT);
            int rc = sqlite3_step(cnt);
            cr_assert_eq(rc, SQLITE_ROW, "MATCH the key [%s]: %s", key,
                         sqlite3_errmsg(db));
            found[k] = sqlite3_column_int64(cnt, 0);
            sqlite3_reset(cnt);
            free(ph);
        }
        int64_t *ex = strmap_slot(&exact, key, 0);
        int64_t *mk = strmap_slot(&marked, key, 0);
        int64_t vdf = ex ? *ex : 0, vsdf = mk ? *mk : 0;
        if (df != found[0] || df != vdf)
            fail_note(f, "[%s] df %lld, FTS5 finds %lld (fts5vocab %lld)", key,
                      (long long)df, (long long)found[0], (long long)vdf);
        if (sdf != vsdf)
            fail_note(f,
                      "[%s] sdf %lld, fts5vocab has the marked stem in "
                      "%lld",
                      key, (long long)sdf, (long long)vsdf);
        if (cdf != found[1])
            fail_note(f, "[%s] cdf %lld, FTS5 finds the class in %lld", key,
                      (long long)cdf, (long long)found[1]);
        if (cdf >= TS_FREQ && !is_bounded)
            fail_note(f, "[%s] in %lld articles (>= TS_FREQ) has no bounds",
                      key, (long long)cdf);
        if (ex)
            *ex = -1; /* seen */
        if (mk)
            *mk = -1;
        if (is_bounded) {
            c.bounded++;
            *strmap_slot(&bounded, key, 1) = 1;
        }
    }
    sqlite3_finalize(ts);
    /* and no token without its key */
    for (int m = 0; m < 2; m++) {
        struct strmap *map = m ? &marked : &exact;
        for (size_t i = 0; i < map->cap; i++)
            if (map->keys && map->keys[i] && map->vals[i] >= 0)
                fail_note(f, "%s token [%s] in %lld articles has no key",
                          m ? "marked" : "exact", map->keys[i],
                          (long long)map->vals[i]);
    }
    strmap_free(&exact);
    strmap_free(&marked);

    /* every bounded key's bounds hold for every article holding it */
    sqlite3_stmt *bs = NULL, *vals = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT chunk, q FROM term_bounds"
                                    " WHERE term = ?1",
                                    -1, &bs, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT rowid, morgue_tsv(fts, ?2) FROM"
                                    " fts WHERE fts MATCH ?1",
                                    -1, &vals, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    int64_t nblocks = (c.rowid_max >> TS_BLOCK_SHIFT) + 1;
    uint8_t *q = mg_malloc((size_t)nblocks);
    for (size_t i = 0; i < bounded.cap; i++) {
        if (!bounded.keys || !bounded.keys[i])
            continue;
        const char *key = bounded.keys[i];
        memset(q, 0, (size_t)nblocks);
        sqlite3_bind_text(bs, 1, key, -1, SQLITE_STATIC);
        while (sqlite3_step(bs) == SQLITE_ROW) {
            int64_t chunk = sqlite3_column_int64(bs, 0);
            const uint8_t *b = sqlite3_column_blob(bs, 1);
            int n = sqlite3_column_bytes(bs, 1);
            if (n != TS_CHUNK)
                fail_note(f, "[%s] chunk %lld has %d bytes, not TS_CHUNK", key,
                          (long long)chunk, n);
            for (int k = 0; b && k < n && k < TS_CHUNK; k++)
                if (chunk * TS_CHUNK + k < nblocks)
                    q[chunk * TS_CHUNK + k] = b[k];
        }
        sqlite3_reset(bs);
        char *ph = key_phrase(key, TOK_KEY_CLASS);
        sqlite3_bind_text(vals, 1, ph, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(vals, 2, ref);
        int rc;
        int64_t unbound = -1; /* a block without a bound, noted once */
        while ((rc = sqlite3_step(vals)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(vals, 0);
            double v = sqlite3_column_double(vals, 1);
            int64_t blk = id >> TS_BLOCK_SHIFT;
            uint8_t qb = blk < nblocks ? q[blk] : 0;
            c.pairs++;
            if (qb == 0 && blk == unbound)
                continue; /* the block was noted */
            if (qb == 0 && (unbound = blk) >= 0)
                fail_note(f,
                          "[%s] article %lld holds it, its block %lld "
                          "has no bound",
                          key, (long long)id, (long long)blk);
            else if (v > ts_bound(qb))
                fail_note(f,
                          "[%s] article %lld: value %.17g above its "
                          "block %lld's bound %.17g (q %d)",
                          key, (long long)id, v, (long long)blk, ts_bound(qb),
                          qb);
        }
        cr_assert_eq(rc, SQLITE_DONE, "values of [%s]: %s", key,
                     sqlite3_errmsg(db));
        sqlite3_reset(vals);
        free(ph);
    }
    free(q);
    sqlite3_finalize(bs);
    sqlite3_finalize(vals);
    sqlite3_finalize(cnt);
    strmap_free(&bounded);
    store_close(st);
    if (out)
        *out = c;
}

/* check_into(), every mismatch failing the test; when names the moment
 * in the message. */
static void check_stats(const char *path, const char *when, struct checked *out)
{
    struct fails f = {0};
    check_into(path, &f, out);
    cr_expect_eq(f.n, 0, "%s: %d of the word statistics wrong, first:\n%s",
                 when, f.n, f.first.s ? f.first.s : "");
    buf_free(&f.first);
}

/* ---- the bound's arithmetic -------------------------------------------- */

Test(termstats, a_quantized_bound_is_never_below_its_value)
{
    cr_expect_eq(ts_quantize(0.0), 0);
    cr_expect_eq(ts_quantize(-1.0), 0);
    cr_expect_eq(ts_quantize(1e-12), 1, "a tiny value keeps a bound");
    cr_expect_eq(ts_quantize(TS_K1 + 1.0), 255);
    uint8_t last = 0;
    for (int i = 0; i <= 100000; i++) {
        double v = (TS_K1 + 1.0) * i / 100000.0;
        uint8_t q = ts_quantize(v);
        cr_assert_geq(ts_bound(q), v, "ts_bound(ts_quantize(%.17g)) = %.17g", v,
                      ts_bound(q));
        cr_assert_geq(q, last, "ts_quantize is not monotonic at %.17g", v);
        last = q;
        /* and not much more: the least such byte, or (a margin for
         * rounding, where v is a byte's bound) the next */
        cr_assert(q < 2 || ts_bound((uint8_t)(q - 2)) < v,
                  "ts_quantize(%.17g) = %d, %d would do", v, q, q - 2);
    }
    /* the formula's top: the term-frequency part never reaches k1 + 1 */
    cr_expect_lt(ts_tf(1e9, 1.0, 100.0), TS_K1 + 1.0);
    cr_expect_eq(ts_tf(0.0, 10.0, 100.0), 0.0);
    cr_expect_eq(ts_prior(TS_SHORT_BODY), 1.0);
    cr_expect_lt(ts_prior(0.0), 1.0);
}

/* ---- one session -------------------------------------------------------- */

Test(termstats, one_session_counts_every_key_and_bounds_every_block)
{
    struct store *st = open_store(db_path, STORE_WRITE);
    int64_t n = feed_range(st, 0, INT64_MAX);
    finish(st);
    store_close(st);
    struct checked c;
    check_stats(db_path, "one session", &c);
    cr_expect_eq(c.docs, n);
    cr_expect_eq(c.rowid_max, c.max_id, "stats_rowid_max %lld, max(id) %lld",
                 (long long)c.rowid_max, (long long)c.max_id);
    /* the check looked at something: keys, bounds, articles */
    cr_expect_gt(c.keys, 10000, "%lld keys", (long long)c.keys);
    cr_expect_gt(c.bounded, 50, "%lld bounded keys", (long long)c.bounded);
    cr_expect_gt(c.pairs, 10000, "%lld (key, article) bounds checked",
                 (long long)c.pairs);
    cr_log_info("termstats: %lld articles, %lld keys, %lld bounded, %lld "
                "bounds checked against their articles",
                (long long)c.docs, (long long)c.keys, (long long)c.bounded,
                (long long)c.pairs);
}

/* The check above has teeth: a count one off, a bound too low, a block
 * without its bound and a wrong total are each caught. */
Test(termstats, the_check_finds_a_wrong_count_and_a_low_bound)
{
    struct store *st = open_store(db_path, STORE_WRITE);
    feed_range(st, 0, INT64_MAX);
    finish(st);
    sqlite3 *db = st_db(st);
    exec_ok(db, "UPDATE terms SET df = df + 1 WHERE term = 'summit'");
    exec_ok(db, "UPDATE terms SET sdf = sdf - 1 WHERE term = 'compani'");
    exec_ok(db, "UPDATE meta SET value = value + 1 WHERE key ="
                " 'stats_tokens'");
    /* a common word's highest bound lowered, so the article that made it
     * is above it, and another of its blocks left without a bound */
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT term, chunk, q FROM term_bounds"
                                    " WHERE term = 'price'",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "'price' has bounds");
    uint8_t row[TS_CHUNK];
    cr_assert_eq(sqlite3_column_bytes(q, 2), TS_CHUNK);
    memcpy(row, sqlite3_column_blob(q, 2), TS_CHUNK);
    int64_t chunk = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    int top = 0, other = -1;
    for (int i = 0; i < TS_CHUNK; i++)
        if (row[i] > row[top])
            top = i;
    for (int i = 0; i < TS_CHUNK && other < 0; i++)
        if (row[i] && i != top)
            other = i;
    cr_assert_geq(other, 0, "'price' in two blocks");
    row[top] = 1; /* far below what its articles take */
    row[other] = 0;
    sqlite3_stmt *up = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "UPDATE term_bounds SET q = ?1 WHERE"
                                    " term = 'price' AND chunk = ?2",
                                    -1, &up, NULL),
                 SQLITE_OK);
    sqlite3_bind_blob(up, 1, row, TS_CHUNK, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, chunk);
    cr_assert_eq(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
    store_close(st);
    struct fails f = {.all = 1};
    check_into(db_path, &f, NULL);
    const char *s = f.first.s ? f.first.s : "";
    cr_expect_not_null(strstr(s, "[summit] df"), "%s", s);
    cr_expect_not_null(strstr(s, "[compani] sdf"), "%s", s);
    cr_expect_not_null(strstr(s, "stats_tokens"), "%s", s);
    cr_expect_not_null(strstr(s, "above its block"), "%s", s);
    cr_expect_not_null(strstr(s, "has no bound"), "%s", s);
    buf_free(&f.first);
}

/* ---- incremental sessions ----------------------------------------------- */

/* What the sessions of the incremental test store: article i of the
 * corpus in [from, upto), and the changed versions of those in change. */
struct session {
    int64_t from, upto;
    const int64_t *change;
    int nchange;
    const char *extra; /* appended to a changed article's body */
};

static int pick_session(void *ctx, int64_t i, struct article *a)
{
    const struct session *s = ctx;
    for (int k = 0; k < s->nchange; k++)
        if (s->change[k] == i) {
            /* a new version: other words, another length */
            struct buf b = {0};
            buf_printf(&b, "%s\n\n%s", a->body ? a->body : "", s->extra);
            free(a->body);
            a->body = buf_take(&b);
            return 1;
        }
    return i >= s->from && i < s->upto;
}

static void run_session(struct store *st, const struct session *s)
{
    struct corpus_feed f = {
        .st = st, .pick = pick_session, .pick_ctx = (void *)s};
    corpus_feed_files(&f, files, nfiles);
}

/* The keys with bounds, as a map. */
static void bounded_keys(const char *path, struct strmap *out)
{
    struct store *st = open_store(path, STORE_READ);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st),
                                    "SELECT term FROM terms WHERE bounded", -1,
                                    &q, NULL),
                 SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW)
        *strmap_slot(out, (const char *)sqlite3_column_text(q, 0), 1) = 1;
    sqlite3_finalize(q);
    store_close(st);
}

/* The statistics of path against those ts_recount() makes from the same
 * articles (on a copy): the same keys and counts, the same totals. */
static void same_as_recount(const char *path)
{
    char *copy = path_in(dir, "recount.db");
    struct store *st = open_store(path, STORE_READ);
    sqlite3_stmt *v = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st), "VACUUM INTO ?1", -1, &v, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(st_db(st)));
    sqlite3_bind_text(v, 1, copy, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(v), SQLITE_DONE, "VACUUM INTO: %s",
                 sqlite3_errmsg(st_db(st)));
    sqlite3_finalize(v);
    store_close(st);
    struct store *cs = open_store(copy, STORE_WRITE);
    sqlite3 *db = st_db(cs);
    struct tok *t = tok_new();
    struct mg_err err = {""};
    exec_ok(db, "BEGIN IMMEDIATE");
    cr_assert_eq(ts_recount(db, t, &err), 0, "ts_recount: %s", err.msg);
    exec_ok(db, "COMMIT");
    tok_free(t);
    exec_bound(db, "ATTACH ?1 AS o", path, NULL);
    cr_expect_eq(int_of(db,
                        "SELECT count(*) FROM (SELECT term, df, sdf, cdf"
                        " FROM main.terms EXCEPT SELECT term, df, sdf, cdf"
                        " FROM o.terms)",
                        NULL),
                 0, "keys a recount has and the incremental sessions lack");
    cr_expect_eq(int_of(db,
                        "SELECT count(*) FROM (SELECT term, df, sdf, cdf"
                        " FROM o.terms EXCEPT SELECT term, df, sdf, cdf"
                        " FROM main.terms)",
                        NULL),
                 0, "keys the incremental sessions have and a recount lacks");
    const char *same[] = {"stats_docs", "stats_tokens", "stats_body"};
    for (int i = 0; i < 3; i++) {
        struct buf sql = {0};
        buf_printf(&sql,
                   "SELECT (SELECT value FROM main.meta WHERE key = '%s') ="
                   " (SELECT value FROM o.meta WHERE key = '%s')",
                   same[i], same[i]);
        cr_expect_eq(int_of(db, sql.s, NULL), 1, "%s differs from a recount",
                     same[i]);
        buf_free(&sql);
    }
    store_close(cs);
    free(copy);
}

Test(termstats, incremental_sessions_keep_them_exact, .timeout = 120)
{
    int64_t n = corpus_size();
    int64_t half = n / 2;
    /* session 1: the first half, one article stored twice (changed
     * within the session) */
    static const int64_t change1[] = {3};
    struct session s1 = {0, 0, change1, 1, "A first correction."};
    struct store *st = open_store(db_path, STORE_WRITE);
    run_session(st, &(struct session){0, half, NULL, 0, NULL});
    run_session(st, &s1);
    finish(st);
    store_close(st);
    struct checked c1;
    check_stats(db_path, "after session 1", &c1);
    cr_expect_eq(c1.docs, half);
    struct strmap before = {0};
    bounded_keys(db_path, &before);

    /* session 2: the rest, and a few of the first half changed (their
     * bodies longer, with common words and a new one) */
    static const int64_t change2[] = {0, 7, 100, 257, 300, 411};
    struct session s2 = {half, n, change2, 6,
                         "The summit talks ended in agreement on oil and "
                         "grain prices, the government said on Tuesday. "
                         "Zyxwvutsrq quarterly dividend bank shares."};
    st = open_store(db_path, STORE_WRITE);
    run_session(st, &s2);
    /* deletions: some articles of the first file, then the whole of the
     * last file (the newest articles) */
    struct mg_err err = {""};
    struct strmap keep = {0};
    sqlite3 *db = st_db(st);
    int64_t first_file = int_of(db, "SELECT min(file_id) FROM articles", NULL);
    int64_t last_file = int_of(db, "SELECT max(file_id) FROM articles", NULL);
    int64_t max_before = int_of(db, "SELECT max(id) FROM articles", NULL);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT uid FROM articles WHERE file_id"
                                    " = ?1 AND id % 37 != 5",
                                    -1, &q, NULL),
                 SQLITE_OK);
    sqlite3_bind_int64(q, 1, first_file);
    while (sqlite3_step(q) == SQLITE_ROW)
        *strmap_slot(&keep, (const char *)sqlite3_column_text(q, 0), 1) = 1;
    sqlite3_finalize(q);
    int64_t removed = 0;
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_file_drop(st, first_file, &keep, &removed, NULL, &err),
                 0, "%s", err.msg);
    cr_assert_gt(removed, 10, "%lld removed", (long long)removed);
    cr_assert_eq(store_file_forget(st, last_file, &removed, NULL, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    strmap_free(&keep);
    finish(st);
    store_close(st);

    struct checked c2;
    check_stats(db_path, "after session 2", &c2);
    cr_expect_eq(c2.docs, n - removed, "%lld articles, %lld - %lld expected",
                 (long long)c2.docs, (long long)n, (long long)removed);
    cr_expect_eq(c2.rowid_max, max_before,
                 "the bounds cover up to the newest article written");
    same_as_recount(db_path);
    /* keys that became common in session 2 got bounds over session 1's
     * blocks too (checked above): there were some */
    struct strmap after = {0};
    bounded_keys(db_path, &after);
    int grew = 0;
    for (size_t i = 0; i < after.cap; i++)
        if (after.keys && after.keys[i] &&
            strmap_get(&before, after.keys[i]) < 0)
            grew++;
    cr_expect_gt(grew, 10, "%d keys became common in session 2", grew);
    strmap_free(&before);
    strmap_free(&after);
}

/* ---- a session that does not end ---------------------------------------- */

Test(termstats, changed_articles_mark_their_blocks_until_the_session_ends)
{
    struct store *st = open_store(db_path, STORE_WRITE);
    feed_range(st, 0, INT64_MAX);
    finish(st);
    static const int64_t change[] = {2, 600, 900};
    run_session(st, &(struct session){0, 0, change, 3, "Changed."});
    sqlite3 *db = st_db(st);
    char *state = meta_text(db, "stats_state");
    cr_expect_str_eq(state, "dirty", "a session under way");
    free(state);
    /* each changed article's block (article i has rowid i + 1), and no
     * other */
    cr_expect_eq(int_of(db, "SELECT count(*) FROM stats_dirty", NULL), 3);
    cr_expect_eq(int_of(db,
                        "SELECT count(*) FROM stats_dirty WHERE block IN"
                        " (3 >> 8, 601 >> 8, 901 >> 8)",
                        NULL),
                 3);
    finish(st);
    cr_expect_eq(int_of(db, "SELECT count(*) FROM stats_dirty", NULL), 0);
    store_close(st);
    check_stats(db_path, "after the session ended", NULL);
}

Test(termstats, a_killed_session_leaves_them_dirty_and_the_next_recounts)
{
    int64_t n = corpus_size();
    struct store *st = open_store(db_path, STORE_WRITE);
    feed_range(st, 0, n - 150);
    finish(st);
    store_close(st);
    /* written and committed, never finished: killed */
    st = open_store(db_path, STORE_WRITE);
    static const int64_t change[] = {1, 50};
    run_session(st,
                &(struct session){n - 150, n, change, 2, "Killed mid-run."});
    store_close(st);
    st = open_store(db_path, STORE_READ);
    sqlite3 *db = st_db(st);
    char *state = meta_text(db, "stats_state");
    cr_expect_str_eq(state, "dirty", "the mark a killed session leaves");
    free(state);
    cr_expect_eq(meta_int(db, "stats_docs"), n - 150,
                 "the statistics of the last finished session");
    cr_expect_eq(int_of(db, "SELECT count(*) FROM articles", NULL), n);
    store_close(st);
    /* the next session writes nothing and ends: a recount */
    st = open_store(db_path, STORE_WRITE);
    finish(st);
    store_close(st);
    struct checked c;
    check_stats(db_path, "after the next session", &c);
    cr_expect_eq(c.docs, n);
}

/* ---- migration ---------------------------------------------------------- */
