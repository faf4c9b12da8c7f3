/*
 * test_rank.c - the exact best k (query/rank.h): block-max pruning never
 * changes the answer.  For random queries (1-8 words drawn across
 * frequency bands, phrases, hyphenated words, exclusions, date, source and
 * entity filters, strict and relaxed, pages at several offsets), the page
 * search_run gives, with the bounds and with .exhaustive, equals a brute
 * force kept here: every article of the query's match scored with the
 * product's morgue_rank (rank_each), filtered, sorted by (score desc,
 * rowid asc) and folded into near-duplicates by this file's own loop.
 * The same ids in the same order, the same scores (== on doubles), the
 * same folded counts, the same totals.
 *
 * The indexes are built the way morgue-index builds them, in two
 * sessions (bounds made across runs), and in a variant whose second
 * session never ends (articles written after the statistics).  All of
 * Reuters-21578 comes from the shared corpus (skipped when absent); the
 * always-run variant reads ../corpus/ eight times over.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "entities.h"
#include "fingerprint.h"
#include "helpers.h"
#include "plan.h"
#include "qparse.h"
#include "rank.h"
#include "search.h"
#include "store.h"
#include "store_int.h"
#include "strmap.h"

#define CORPUS "../corpus"

/* Queries per index.  The sanitized build (make SAN=1 unit, which make
 * test runs after the plain one) checks fewer: everything runs about
 * three times slower there, building the indexes included, and the plain
 * build has already checked every one of these and more.  Never fewer
 * than 500 on Reuters in the plain build. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RANK_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RANK_SANITIZED 1
#endif
#ifdef RANK_SANITIZED
#define REUTERS_QUERIES 120
#define REUTERS_UNFINISHED_QUERIES 60
#define CORPUS_QUERIES 60
#else
#define REUTERS_QUERIES 510
#define REUTERS_UNFINISHED_QUERIES 150
#define CORPUS_QUERIES 110
#endif
/* ../corpus/ read this many times over: enough articles (about 9,000) for
 * common words to be ranked with the bounds. */
#define COPIES 8

/* search.c's cap on the candidates it ranks (SEARCH_MAX_RANKED), which
 * the folding loop below copies; far above these indexes' sizes. */
#define MAX_RANKED 200000

static char *dir;
static struct gazetteer *gaz;

static void setup(void)
{
    dir = mk_tmpdir();
}

/* Safe to call twice: a test that skips itself calls it first, since
 * Criterion runs no .fini after cr_skip_test(). */
static void teardown(void)
{
    if (dir)
        rm_tree(dir);
    free(dir);
    dir = NULL;
    gaz_free(gaz);
    gaz = NULL;
    expect_no_leaks();
}

TestSuite(rank, .init = setup, .fini = teardown);

/* ---- a fixed-seed generator ------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int rng_int(struct rng *r, int n)
{
    return n > 0 ? (int)(rng_next(r) % (uint64_t)n) : 0;
}

static int rng_pct(struct rng *r, int pct)
{
    return rng_int(r, 100) < pct;
}

/* ---- building the indexes --------------------------------------------- */

/* The articles of a build: the corpus's articles numbered from 0, read
 * copies times over, those in [from, upto) stored, and those in change
 * stored again with a longer body.  Copy c > 0 of an article has its uid
 * prefixed "c<c>/" and its body without its c-th paragraph and followed
 * by the body of another article (bodies, per_copy of them), so that
 * copies are articles of their own: other lengths, other counts, other
 * fingerprints. */
struct build {
    int64_t per_copy; /* articles in one reading of the corpus */
    int copies;
    char **bodies; /* their bodies, as read */
    int64_t from, upto;
    const int64_t *change;
    int nchange;
};

static void drop_paragraph(struct article *a, int k)
{
    if (!a->body)
        return;
    struct buf b = {0};
    int par = 0, dropped = 0;
    const char *p = a->body;
    while (*p) {
        const char *e = strstr(p, "\n\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (par++ == k)
            dropped = 1;
        else {
            if (b.len)
                buf_adds(&b, "\n\n");
            buf_add(&b, p, n);
        }
        p += n;
        while (*p == '\n')
            p++;
    }
    if (!dropped || !b.len) { /* one paragraph: the title again instead */
        buf_free(&b);
        buf_printf(&b, "%s\n\n%s", a->body, a->title ? a->title : "");
    }
    free(a->body);
    a->body = buf_take(&b);
}

static int pick_build(void *ctx, int64_t i, struct article *a)
{
    const struct build *b = ctx;
    int copy = b->per_copy ? (int)(i / b->per_copy) : 0;
    if (copy > 0) {
        struct buf u = {0};
        buf_printf(&u, "c%d/%s", copy, a->uid);
        free(a->uid);
        a->uid = buf_take(&u);
        drop_paragraph(a, copy - 1);
        const char *other = b->bodies[(i * 31 + copy * 17) % b->per_copy];
        struct buf t = {0};
        buf_printf(&t, "%s\n\n%s", a->body ? a->body : "", other ? other : "");
        free(a->body);
        a->body = buf_take(&t);
    }
    for (int k = 0; k < b->nchange; k++)
        if (b->change[k] == i) {
            struct buf t = {0};
            buf_printf(&t,
                       "%s\n\nCorrection: the figures were revised. "
                       "Analysts said prices and trade would rise.",
                       a->body ? a->body : "");
            free(a->body);
            a->body = buf_take(&t);
            return 1;
        }
    return i >= b->from && i < b->upto;
}

/* Reads the files copies times over into st as b says, the first copy's
 * articles with their entities when g is set. */
static void feed(struct store *st, char **files, int nfiles, struct build *b,
                 struct gazetteer *g)
{
    struct corpus_feed f = {
        .st = st, .gaz = g, .pick = pick_build, .pick_ctx = b};
    for (int c = 0; c < b->copies; c++) {
        f.gaz = c == 0 ? g : NULL;
        corpus_feed_files(&f, files, nfiles);
    }
}

static int collect_body(void *ctx, struct article *a)
{
    struct build *b = ctx;
    b->bodies =
        mg_realloc(b->bodies, sizeof *b->bodies * (size_t)(b->per_copy + 1));
    b->bodies[b->per_copy++] = a->body ? mg_strdup(a->body) : NULL;
    return 0;
}

/* Counts the articles of the files into b->per_copy, keeping their
 * bodies in b->bodies (free with free_bodies). */
static void read_bodies(char **files, int nfiles, struct build *b)
{
    struct mg_err err = {""};
    b->per_copy = 0;
    for (int k = 0; k < nfiles; k++) {
        struct fmt_sink sink = {collect_body, corpus_feed_warning, b};
        cr_assert_geq(fmt_parse_file(files[k], files[k], &sink, &err), 0, "%s",
                      err.msg);
    }
}

static void free_bodies(struct build *b)
{
    for (int64_t i = 0; i < b->per_copy; i++)
        free(b->bodies[i]);
    free(b->bodies);
    b->bodies = NULL;
}

/* Deletes every article whose rowid is 5 modulo step (between lo and hi)
 * with store_file_drop, as a file that lost them would. */
static int64_t drop_some(struct store *st, int64_t lo, int64_t hi, int64_t step)
{
    sqlite3 *db = st_db(st);
    struct mg_err err = {""};
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT DISTINCT file_id FROM articles"
                                    " WHERE file_id IS NOT NULL",
                                    -1, &q, NULL),
                 SQLITE_OK);
    int64_t fids[64];
    int nf = 0;
    while (sqlite3_step(q) == SQLITE_ROW && nf < 64)
        fids[nf++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT uid FROM articles WHERE file_id"
                                    " = ?1 AND NOT (id % ?2 = 5 AND id"
                                    " BETWEEN ?3 AND ?4)",
                                    -1, &q, NULL),
                 SQLITE_OK);
    int64_t removed = 0;
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    for (int i = 0; i < nf; i++) {
        struct strmap keep = {0};
        sqlite3_bind_int64(q, 1, fids[i]);
        sqlite3_bind_int64(q, 2, step);
        sqlite3_bind_int64(q, 3, lo);
        sqlite3_bind_int64(q, 4, hi);
        while (sqlite3_step(q) == SQLITE_ROW)
            *strmap_slot(&keep, (const char *)sqlite3_column_text(q, 0), 1) = 1;
        sqlite3_reset(q);
        cr_assert_eq(store_file_drop(st, fids[i], &keep, &removed, NULL, &err),
                     0, "%s", err.msg);
        strmap_free(&keep);
    }
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    sqlite3_finalize(q);
    return removed;
}

/* The integer the one-row, one-column sql gives. */
static int64_t int_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
                 "%s: %s", sql, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql,
                 sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- the index under test ---------------------------------------------- */

#define NBANDS 4
static const char *const BAND_NAMES[NBANDS] = {
    "very common (>10%)", "common (1-10%)", "middling (0.1-1%)",
    "rare (<0.1%)"};

struct ix {
    struct store *st;
    struct searcher *se;
    struct tok *tok;
    sqlite3 *db;
    int64_t max_id, docs;
    /* by rowid (NULL where none) */
    char **uid, **date, **source;
    uint64_t *sh;
    /* the query vocabulary, by frequency band */
    char **band[NBANDS];
    int nband[NBANDS];
    /* the most frequent words (those whose searches the bounds help
     * most), and quoted two-word phrases and hyphenated words from
     * article texts */
    char **top;
    int ntop;
    char **phrase, **hyphen;
    int nphrase, nhyphen;
    struct strmap rowid; /* uid -> rowid */
    /* entities of at least 3 articles: kind and canonical name */
    int *ent_kind;
    char **ent_name;
    int nent;
};

static void push_str(char ***v, int *n, const char *s)
{
    *v = mg_realloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = mg_strdup(s);
}

static void free_strs(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A word a user could type: ASCII letters and digits, a letter first. */
static int plain_word(const char *t)
{
    if (!((t[0] >= 'a' && t[0] <= 'z')))
        return 0;
    for (const char *p = t; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

static int is_alpha_word(const char *p, size_t n)
{
    if (n < 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
            return 0;
    return 1;
}

/* Phrases and hyphenated words from the bodies of some articles. */
static void texts_of(struct ix *x, struct rng *r)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT body FROM articles WHERE id = ?1",
                                    -1, &q, NULL),
                 SQLITE_OK);
    for (int tries = 0; tries < 600; tries++) {
        sqlite3_bind_int64(q, 1, 1 + rng_int(r, (int)x->max_id));
        if (sqlite3_step(q) == SQLITE_ROW) {
            const char *b = (const char *)sqlite3_column_text(q, 0);
            /* words split at spaces; a pair of plain words, once */
            const char *w[400];
            size_t wl[400];
            int nw = 0;
            for (const char *p = b; *p && nw < 400;) {
                while (*p == ' ' || *p == '\n')
                    p++;
                const char *s = p;
                while (*p && *p != ' ' && *p != '\n')
                    p++;
                if (p > s) {
                    w[nw] = s;
                    wl[nw++] = (size_t)(p - s);
                }
            }
            int start = nw > 1 ? rng_int(r, nw - 1) : 0;
            for (int k = start; k + 1 < nw; k++)
                if (is_alpha_word(w[k], wl[k]) &&
                    is_alpha_word(w[k + 1], wl[k + 1]) &&
                    w[k] + wl[k] + 1 == w[k + 1]) {
                    char s[128];
                    snprintf(s, sizeof s, "\"%.*s %.*s\"", (int)wl[k], w[k],
                             (int)wl[k + 1], w[k + 1]);
                    push_str(&x->phrase, &x->nphrase, s);
                    break;
                }
            for (int k = 0; k < nw; k++) {
                const char *h = memchr(w[k], '-', wl[k]);
                if (!h || h == w[k])
                    continue;
                size_t a = (size_t)(h - w[k]), rest = wl[k] - a - 1;
                while (rest > 0 && !((h[rest] >= 'a' && h[rest] <= 'z') ||
                                     (h[rest] >= 'A' && h[rest] <= 'Z')))
                    rest--; /* trailing punctuation */
                if (is_alpha_word(w[k], a) && rest >= 2 &&
                    is_alpha_word(h + 1, rest) && a + rest < 60) {
                    char s[64];
                    snprintf(s, sizeof s, "%.*s-%.*s", (int)a, w[k], (int)rest,
                             h + 1);
                    push_str(&x->hyphen, &x->nhyphen, s);
                    break;
                }
            }
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
}

/* Opens path for searching and reads what the queries and the brute
 * force need. */
static void ix_open(struct ix *x, const char *path, uint64_t seed)
{
    memset(x, 0, sizeof *x);
    x->st = open_store(path, STORE_READ);
    x->db = st_db(x->st);
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(x->st, &x->se, &err), 0, "%s", err.msg);
    x->tok = tok_new();
    cr_assert_not_null(x->tok);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT max(id), count(*) FROM articles",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    x->max_id = sqlite3_column_int64(q, 0);
    x->docs = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    size_t n = (size_t)x->max_id + 1;
    x->uid = mg_calloc(n, sizeof *x->uid);
    x->date = mg_calloc(n, sizeof *x->date);
    x->source = mg_calloc(n, sizeof *x->source);
    x->sh = mg_calloc(n, sizeof *x->sh);
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT id, uid, date, source, simhash"
                                    " FROM articles",
                                    -1, &q, NULL),
                 SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        const char *d = (const char *)sqlite3_column_text(q, 2);
        const char *s = (const char *)sqlite3_column_text(q, 3);
        x->uid[id] = mg_strdup((const char *)sqlite3_column_text(q, 1));
        x->date[id] = d ? mg_strdup(d) : NULL;
        x->source[id] = s ? mg_strdup(s) : NULL;
        x->sh[id] = (uint64_t)sqlite3_column_int64(q, 4);
        *strmap_slot(&x->rowid, x->uid[id], 1) = id;
    }
    sqlite3_finalize(q);
    /* the vocabulary: words typed as such (df > 0), banded by the
     * articles their class matches */
    double N = (double)x->docs;
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT term, cdf FROM terms WHERE df > 0"
                                    " ORDER BY cdf DESC, term",
                                    -1, &q, NULL),
                 SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        double cdf = (double)sqlite3_column_int64(q, 1);
        if (!plain_word(t))
            continue;
        if (x->ntop < 40)
            push_str(&x->top, &x->ntop, t);
        int b = cdf > 0.10 * N    ? 0
                : cdf > 0.01 * N  ? 1
                : cdf > 0.001 * N ? 2
                                  : 3;
        push_str(&x->band[b], &x->nband[b], t);
    }
    sqlite3_finalize(q);
    for (int b = 0; b < NBANDS; b++)
        cr_assert_gt(x->nband[b], 0, "no %s words", BAND_NAMES[b]);
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT e.kind, e.canonical FROM entities"
                                    " e WHERE (SELECT count(*) FROM"
                                    " article_entities ae WHERE"
                                    " ae.entity_id = e.id) >= 3 ORDER BY e.id",
                                    -1, &q, NULL),
                 SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        int kind = -1;
        for (int i = ENT_PERSON; i <= ENT_ORG && kind < 0; i++)
            if (strcmp(ent_kind_name((enum ent_kind)i), k) == 0)
                kind = i;
        if (kind < 0)
            continue;
        x->ent_kind = mg_realloc(x->ent_kind,
                                 sizeof *x->ent_kind * (size_t)(x->nent + 1));
        x->ent_kind[x->nent] = kind;
        push_str(&x->ent_name, &x->nent,
                 (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    struct rng r = {seed ^ 0x5eed};
    texts_of(x, &r);
    cr_assert_gt(x->nphrase, 50, "%d phrases", x->nphrase);
    cr_assert_gt(x->nhyphen, 5, "%d hyphenated words", x->nhyphen);
}

static void ix_close(struct ix *x)
{
    for (int64_t i = 0; i <= x->max_id && x->uid; i++) {
        free(x->uid[i]);
        free(x->date[i]);
        free(x->source[i]);
    }
    free(x->uid);
    free(x->date);
    free(x->source);
    free(x->sh);
    strmap_free(&x->rowid);
    for (int b = 0; b < NBANDS; b++)
        free_strs(x->band[b], x->nband[b]);
    free_strs(x->top, x->ntop);
    free_strs(x->phrase, x->nphrase);
    free_strs(x->hyphen, x->nhyphen);
    free_strs(x->ent_name, x->nent);
    free(x->ent_kind);
    searcher_free(x->se);
    tok_free(x->tok);
    store_close(x->st);
    memset(x, 0, sizeof *x);
}

/* ---- queries ------------------------------------------------------------ */

struct qcase {
    char query[1024];
    int limit, offset, strict, no_collapse;
    char since[16], until[16], source[64];
    struct qfilter ent;
    int has_ent;
};

static const char *word_of(const struct ix *x, struct rng *r, int band)
{
    return x->band[band][rng_int(r, x->nband[band])];
}

/* A band: very common 20%, common 30%, middling 30%, rare 20%. */
static int any_band(struct rng *r)
{
    int v = rng_int(r, 100);
    return v < 20 ? 0 : v < 50 ? 1 : v < 80 ? 2 : 3;
}

static void add_part(char *q, size_t cap, const char *part)
{
    size_t n = strlen(q);
    snprintf(q + n, cap - n, "%s%s", n ? " " : "", part);
}

/* A date filter's bound: an article's date cut to its month or day. */
static void random_date(const struct ix *x, struct rng *r, char *out,
                        size_t cap)
{
    const char *d = NULL;
    for (int tries = 0; !d && tries < 100; tries++)
        d = x->date[1 + rng_int(r, (int)x->max_id)];
    snprintf(out, cap, "%.*s", rng_pct(r, 50) ? 7 : 10, d ? d : "1987-03");
}

static void gen_query(const struct ix *x, struct rng *r, struct qcase *c)
{
    memset(c, 0, sizeof *c);
    char *q = c->query;
    size_t cap = sizeof c->query;
    int shape = rng_int(r, 100), words;
    if (shape < 25) { /* common words only: the bounds at work */
        words = 1 + rng_int(r, 3);
        for (int i = 0; i < words; i++)
            add_part(q, cap,
                     rng_pct(r, 50) ? x->top[rng_int(r, x->ntop)]
                                    : word_of(x, r, rng_pct(r, 80) ? 0 : 1));
    } else if (shape < 60) { /* any bands */
        words = 1 + rng_int(r, 8);
        for (int i = 0; i < words; i++)
            add_part(q, cap, word_of(x, r, any_band(r)));
    } else if (shape < 85) { /* a few rare words among common ones: few
                              * articles hold them all (relaxed) */
        words = 3 + rng_int(r, 6);
        for (int i = 0; i < words; i++)
            add_part(q, cap,
                     word_of(x, r, i < 2 ? 2 + rng_int(r, 2) : rng_int(r, 3)));
    } else { /* rare words */
        words = 1 + rng_int(r, 2);
        for (int i = 0; i < words; i++)
            add_part(q, cap, word_of(x, r, 2 + rng_int(r, 2)));
    }
    if (rng_pct(r, 20))
        add_part(q, cap, x->phrase[rng_int(r, x->nphrase)]);
    if (rng_pct(r, 12)) {
        if (rng_pct(r, 60)) {
            add_part(q, cap, x->hyphen[rng_int(r, x->nhyphen)]);
        } else {
            char h[128];
            snprintf(h, sizeof h, "%s-%s", word_of(x, r, rng_int(r, 3)),
                     word_of(x, r, rng_int(r, 3)));
            add_part(q, cap, h);
        }
    }
    if (rng_pct(r, 6)) {
        char g[160];
        snprintf(g, sizeof g, "(%s OR %s)", word_of(x, r, 1 + rng_int(r, 3)),
                 word_of(x, r, rng_int(r, 4)));
        add_part(q, cap, g);
    }
    if (rng_pct(r, 5)) {
        const char *w = word_of(x, r, 1 + rng_int(r, 2));
        if (strlen(w) >= 5) {
            char p[16];
            snprintf(p, sizeof p, "%.*s*", 3 + rng_int(r, 2), w);
            add_part(q, cap, p);
        }
    }
    if (rng_pct(r, 5)) {
        char t[96];
        snprintf(t, sizeof t, "title:%s", word_of(x, r, rng_int(r, 3)));
        add_part(q, cap, t);
    }
    if (rng_pct(r, 3)) {
        char n[160];
        snprintf(n, sizeof n, "\"%s %s\"~8", word_of(x, r, rng_int(r, 2)),
                 word_of(x, r, 1 + rng_int(r, 2)));
        add_part(q, cap, n);
    }
    if (rng_pct(r, 12)) {
        char e[96];
        snprintf(e, sizeof e, "-%s", word_of(x, r, 1 + rng_int(r, 2)));
        add_part(q, cap, e);
    }
    if (rng_pct(r, 25)) {
        int k = rng_int(r, 3); /* since, until, or both */
        if (k != 1)
            random_date(x, r, c->since, sizeof c->since);
        if (k != 0)
            random_date(x, r, c->until, sizeof c->until);
        if (k == 2 && strcmp(c->since, c->until) > 0) {
            char t[16];
            memcpy(t, c->since, sizeof t);
            memcpy(c->since, c->until, sizeof t);
            memcpy(c->until, t, sizeof t);
        }
    }
    if (rng_pct(r, 10)) { /* a source as often as articles have it */
        int k = rng_int(r, 6);
        const char *s = NULL;
        for (int tries = 0; !s && tries < 100; tries++)
            s = x->source[1 + rng_int(r, (int)x->max_id)];
        snprintf(c->source, sizeof c->source, "%s", k == 5 || !s ? "AP" : s);
        for (char *p = c->source; k == 1 && *p; p++) /* another case */
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    }
    if (x->nent && rng_pct(r, 7)) {
        int e = rng_int(r, x->nent);
        c->ent.kind = (enum ent_kind)x->ent_kind[e];
        c->ent.name = x->ent_name[e];
        c->has_ent = 1;
    }
    c->limit = rng_pct(r, 50) ? 10 : 50;
    static const int OFFSETS[] = {0, 10, 37};
    c->offset = OFFSETS[rng_int(r, 3)];
    c->strict = rng_pct(r, shape < 25 ? 50 : 15);
    c->no_collapse = rng_pct(r, 10);
}

/* The case as a line: the query and its options. */
static void describe(const struct qcase *c, struct buf *b)
{
    buf_printf(b, "[%s] limit %d offset %d%s%s", c->query, c->limit, c->offset,
               c->strict ? " strict" : "",
               c->no_collapse ? " no_collapse" : "");
    if (*c->since)
        buf_printf(b, " since %s", c->since);
    if (*c->until)
        buf_printf(b, " until %s", c->until);
    if (*c->source)
        buf_printf(b, " source %s", c->source);
    if (c->has_ent)
        buf_printf(b, " %s:%s", ent_kind_name(c->ent.kind), c->ent.name);
}

/* ---- the brute force ---------------------------------------------------- */

struct scored {
    int64_t id;
    double score;
};

struct list {
    struct scored *v;
    int64_t n, cap;
};

static void collect(void *ctx, int64_t id, double score)
{
    struct list *l = ctx;
    if (l->n == l->cap)
        l->v = mg_realloc(
            l->v, sizeof *l->v * (size_t)(l->cap = l->cap ? l->cap * 2 : 256));
    l->v[l->n++] = (struct scored){id, score};
}

/* The filters of a case, applied to articles by the test itself. */
struct filt {
    char lo[16], hi[20]; /* "" when open; hi ends with \x7f */
    const char *source;
    unsigned char *ent; /* by rowid: linked to the entity; NULL: no filter */
    unsigned char *neg; /* by rowid: holds an exclusion; NULL: none */
};

static void filt_make(const struct ix *x, const struct qcase *c,
                      const struct qparse_out *qp, struct filt *f)
{
    memset(f, 0, sizeof *f);
    /* the articles holding an exclusion, each read in the plain form the
     * parser gives it (no word statistics involved) */
    for (int i = 0; i < qp->nneg; i++) {
        struct buf fts = {0};
        qnode_fts(qp->neg[i], qterm_plain, NULL, &fts);
        if (!f->neg)
            f->neg = mg_calloc((size_t)x->max_id + 1, 1);
        sqlite3_stmt *q = NULL;
        cr_assert_eq(sqlite3_prepare_v2(x->db,
                                        "SELECT rowid FROM fts WHERE fts"
                                        " MATCH ?1",
                                        -1, &q, NULL),
                     SQLITE_OK);
        sqlite3_bind_text(q, 1, fts.s, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(q, 0);
            if (id >= 0 && id <= x->max_id)
                f->neg[id] = 1;
        }
        sqlite3_finalize(q);
        buf_free(&fts);
    }
    snprintf(f->lo, sizeof f->lo, "%s", c->since);
    if (*c->until)
        snprintf(f->hi, sizeof f->hi, "%s\x7f", c->until);
    f->source = *c->source ? c->source : NULL;
    if (!c->has_ent)
        return;
    /* the articles linked to an entity of that kind whose merge key is
     * the name's or which has the name as an alias */
    f->ent = mg_calloc((size_t)x->max_id + 1, 1);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(x->db,
                                    "SELECT ae.article_id FROM"
                                    " article_entities ae JOIN entities e ON"
                                    " e.id = ae.entity_id WHERE e.kind = ?1"
                                    " AND (e.key = ?2 OR e.id IN (SELECT"
                                    " entity_id FROM entity_aliases WHERE"
                                    " alias = ?3))",
                                    -1, &q, NULL),
                 SQLITE_OK);
    char *key = ent_key(c->ent.name);
    sqlite3_bind_text(q, 1, ent_kind_name(c->ent.kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->ent.name, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id >= 0 && id <= x->max_id)
            f->ent[id] = 1;
    }
    sqlite3_finalize(q);
    free(key);
}

static int filt_pass(const struct ix *x, const struct filt *f, int64_t id)
{
    if (id < 0 || id > x->max_id || !x->uid[id])
        return 0;
    const char *d = x->date[id];
    if (*f->lo && (!d || strcmp(d, f->lo) < 0))
        return 0;
    if (*f->hi && (!d || strcmp(d, f->hi) > 0))
        return 0;
    if (f->source &&
        (!x->source[id] || strcasecmp(x->source[id], f->source) != 0))
        return 0;
    if (f->ent && !f->ent[id])
        return 0;
    if (f->neg && f->neg[id])
        return 0;
    return 1;
}

/* Every article of expression e scored (relaxed or not) and filtered,
 * into l. */
static void score_all(const struct ix *x, const struct plan *p,
                      const struct plan_expr *e, int relaxed,
                      const struct filt *f, struct list *l)
{
    struct rank_query rq = {.store = x->st,
                            .plan = p,
                            .params = RANK_PARAMS_DEFAULT,
                            .relaxed = relaxed,
                            .exhaustive = 1};
    struct list all = {0};
    struct mg_err err = {""};
    cr_assert_eq(rank_each(&rq, e, 0, INT64_MAX, collect, &all, &err), 0,
                 "rank_each: %s", err.msg);
    l->n = 0;
    for (int64_t i = 0; i < all.n; i++)
        if (filt_pass(x, f, all.v[i].id))
            collect(l, all.v[i].id, all.v[i].score);
    free(all.v);
}

static int by_rank(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    return rank_before(x->score, x->id, y->score, y->id)   ? -1
           : rank_before(y->score, y->id, x->score, x->id) ? 1
                                                           : 0;
}

/* A kept hit and the near-duplicates folded under it. */
struct kept {
    int64_t id;
    double score;
    uint64_t sh;
    int similar;
};

/* The page of sorted list l as search folds it: each candidate folded
 * under the first kept one within FP_NEAR bits, the best k candidates
 * examined (k = want + half, at least 10 more, doubled while fewer than
 * want are kept and more candidates exist), or all of them (all: the
 * search says it folded every match); then offset, limit.  The folds
 * among the candidates examined are counted: in the hits' similar and in
 * *collapsed. */
static int page_of(const struct ix *x, const struct list *l,
                   const struct qcase *c, int all, struct kept *page,
                   int *collapsed)
{
    int64_t want = (int64_t)c->offset + c->limit;
    int64_t k = want + (want > 10 ? want / 2 : 10);
    if (all)
        k = l->n;
    struct kept *kept = mg_malloc(sizeof *kept * (size_t)(l->n ? l->n : 1));
    int64_t n = 0;
    for (;;) {
        if (k > MAX_RANKED)
            k = MAX_RANKED;
        int64_t got = l->n < k ? l->n : k;
        n = 0;
        *collapsed = 0;
        for (int64_t i = 0; i < got; i++) {
            uint64_t sh = c->no_collapse ? 0 : x->sh[l->v[i].id];
            int64_t under = -1;
            for (int64_t j = 0; j < n && sh; j++)
                if (kept[j].sh && fp_distance(kept[j].sh, sh) <= FP_NEAR) {
                    under = j;
                    break;
                }
            if (under >= 0) {
                kept[under].similar++;
                ++*collapsed;
            } else {
                kept[n++] = (struct kept){l->v[i].id, l->v[i].score, sh, 0};
            }
        }
        if (n >= want || got >= l->n || k >= MAX_RANKED)
            break;
        k *= 2;
    }
    int np = 0;
    for (int64_t i = c->offset; i < n && np < c->limit; i++)
        page[np++] = kept[i];
    free(kept);
    return np;
}

/* ---- one case ----------------------------------------------------------- */

/* Kinds of difference, each counted and reported apart. */
enum fail_kind {
    F_PRUNED,     /* the search with bounds differs from the brute force */
    F_EXHAUSTIVE, /* ... the search without them */
    F_EXCLUDED,   /* a hit holds a word the query excludes */
    F_ZERO,       /* a matching article scores 0: no instance of any of
                   * the query's phrases reached the score */
    F_ERROR,      /* the search failed */
    F_KINDS
};
static const char *const FAIL_NAMES[F_KINDS] = {
    "pruned search differs from the brute force",
    "exhaustive search differs from the brute force",
    "a hit holds an excluded word", "a matching article scores 0",
    "search_run failed"};

/* What the cases of a run showed. */
struct tally {
    int checked, relaxed, strict;
    int pruned_strict, pruned_relaxed; /* ranked with the bounds */
    int skipping;                      /* ... passing over blocks or articles */
    int64_t scored, scored_all;        /* articles scored, with and without */
    int folded;                        /* pages with near-duplicates folded */
    int filtered, excluding, empty;
    int failed[F_KINDS], failed_cases;
    struct buf fails[F_KINDS];
};

static void fail_case(struct tally *t, enum fail_kind k, const struct qcase *c,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_case(struct tally *t, enum fail_kind k, const struct qcase *c,
                      const char *fmt, ...)
{
    if (t->failed[k]++ >= 6)
        return;
    struct buf *b = &t->fails[k];
    buf_adds(b, "    ");
    describe(c, b);
    buf_adds(b, ": ");
    va_list ap;
    va_start(ap, fmt);
    char line[700];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_adds(b, line);
    buf_addc(b, '\n');
}

/* Compares one result (kind F_PRUNED or F_EXHAUSTIVE) with the brute
 * force's page; returns 0 when the same, else notes the first
 * difference. */
static int same_page(struct tally *t, enum fail_kind k, const struct qcase *c,
                     const struct ix *x, const struct search_result *res,
                     const struct kept *page, int np, int collapsed)
{
    for (int i = 0; i < res->nhits || i < np; i++) {
        const char *got = i < res->nhits ? res->hits[i].id : "(none)";
        const char *want = i < np ? x->uid[page[i].id] : "(none)";
        double gs = i < res->nhits ? res->hits[i].score : 0;
        double ws = i < np ? page[i].score : 0;
        int gsim = i < res->nhits ? res->hits[i].similar : 0;
        int wsim = i < np ? page[i].similar : 0;
        if (strcmp(got, want) != 0 || gs != ws || gsim != wsim) {
            fail_case(t, k, c,
                      "hit %d (%d on the page) is %s, score %.17g, %d "
                      "folded; the brute force's is %s, score %.17g, %d "
                      "folded",
                      c->offset + i + 1, res->nhits, got, gs, gsim, want, ws,
                      wsim);
            return 1;
        }
    }
    if (res->collapsed != collapsed) {
        fail_case(t, k, c,
                  "%d near-duplicates folded, the brute force folds %d",
                  res->collapsed, collapsed);
        return 1;
    }
    return 0;
}

/* The hits of res that hold one of the query's exclusions (f->neg). */
static void check_exclusions(const struct ix *x, const struct qcase *c,
                             const struct filt *f,
                             const struct search_result *res, struct tally *t)
{
    for (int h = 0; h < res->nhits && f->neg; h++) {
        int64_t id = strmap_get(&x->rowid, res->hits[h].id);
        if (id > 0 && id <= x->max_id && f->neg[id]) {
            fail_case(t, F_EXCLUDED, c, "hit %d, %s, holds an exclusion",
                      c->offset + h + 1, res->hits[h].id);
            return;
        }
    }
}

/* Matching articles that score 0 in list l of expression e. */
static void check_scores(const struct ix *x, const struct qcase *c,
                         const struct list *l, const char *which,
                         struct tally *t)
{
    int64_t zero = 0, first = 0;
    for (int64_t i = 0; i < l->n; i++)
        if (!(l->v[i].score > 0) && zero++ == 0)
            first = l->v[i].id;
    if (zero)
        fail_case(t, F_ZERO, c,
                  "%lld of the %lld articles of the %s expression score 0, "
                  "the first %s",
                  (long long)zero, (long long)l->n, which, x->uid[first]);
}

static void check_case(const struct ix *x, const struct qcase *c,
                       struct tally *t)
{
    struct search_opts o = {.query = c->query,
                            .limit = c->limit,
                            .offset = c->offset,
                            .strict = c->strict,
                            .no_collapse = c->no_collapse,
                            .since = *c->since ? c->since : NULL,
                            .until = *c->until ? c->until : NULL,
                            .source = *c->source ? c->source : NULL,
                            .filters = c->has_ent ? &c->ent : NULL,
                            .nfilters = c->has_ent,
                            .budget = -1};
    struct search_result rn, rx;
    struct mg_err err = {""};
    int rc = search_run(x->se, &o, &rn, &err);
    o.exhaustive = 1;
    struct mg_err errx = {""};
    int rcx = search_run(x->se, &o, &rx, &errx);
    if (rc != 0 || rcx != 0) {
        fail_case(t, F_ERROR, c, "%d: %s; exhaustive %d: %s", rc, err.msg, rcx,
                  errx.msg);
        search_result_free(&rn);
        search_result_free(&rx);
        return;
    }
    t->checked++;
    t->relaxed += rn.relaxed;
    t->strict += !rn.relaxed;
    t->filtered += *c->since || *c->until || *c->source || c->has_ent;
    if (!rn.rank.exhaustive) {
        t->pruned_strict += !rn.relaxed;
        t->pruned_relaxed += rn.relaxed;
        t->skipping += rn.rank.skipped > 0 || rn.rank.passed_over > 0;
    }
    t->scored += rn.rank.scored;
    t->scored_all += rx.rank.scored;
    if (!rx.rank.exhaustive)
        fail_case(t, F_EXHAUSTIVE, c, ".exhaustive ranked with the bounds");

    /* the brute force, from a parse and plan of its own */
    struct qparse_out q;
    struct plan p;
    memset(&p, 0, sizeof p);
    int outside = *c->since || *c->until || *c->source || c->has_ent;
    cr_assert_eq(qparse_full(x->tok, c->query, outside, &q, &err), 0,
                 "qparse_full [%s]: %s", c->query, err.msg);
    cr_assert_eq(plan_make(x->st, x->tok, &q, &p, &err), 0,
                 "plan_make [%s]: %s", c->query, err.msg);
    t->excluding += q.nneg > 0;
    struct filt f;
    filt_make(x, c, &q, &f);
    struct plan_expr es = {0}, er = {0};
    plan_expr_strict(&p, &es);
    struct list strict = {0}, relaxed = {0};
    score_all(x, &p, &es, 0, &f, &strict);
    check_scores(x, c, &strict, "strict", t);
    int64_t total = strict.n;
    /* relaxed exactly when fewer than a page hold all the words and more
     * hold some of them: the query read as a list of its words, its
     * quoted phrases adding to the score, its exclusions kept */
    int relax = !c->strict && total < c->limit &&
                (plan_relaxable(&p) ||
                 (p.nunit == 1 && p.nleaf == 1 && p.leaf[0].npos > 1));
    struct qparse_out wq;
    struct plan wp;
    memset(&wq, 0, sizeof wq);
    memset(&wp, 0, sizeof wp);
    if (relax) {
        cr_assert_eq(qparse_words(x->tok, c->query, &wq, &err), 0,
                     "qparse_words [%s]: %s", c->query, err.msg);
        relax = wq.nunit > 0;
    }
    if (relax) {
        qparse_add_phrases(&wq, &q);
        cr_assert_eq(plan_make(x->st, x->tok, &wq, &wp, &err), 0,
                     "plan_make (words) [%s]: %s", c->query, err.msg);
        relax = wp.nunit > 0;
    }
    if (relax) {
        plan_expr_relaxed(&wp, &er);
        score_all(x, &wp, &er, 1, &f, &relaxed);
        check_scores(x, c, &relaxed, "relaxed", t);
        relax = relaxed.n > total;
    }
    struct list *l = relax ? &relaxed : &strict;
    if (l->n > 1)
        qsort(l->v, (size_t)l->n, sizeof *l->v, by_rank);
    struct kept page[SEARCH_MAX_LIMIT];
    int collapsed = 0;
    /* every match folded when the search says so (it must when fewer
     * than the candidates it examines match) */
    int64_t want = (int64_t)c->offset + c->limit;
    if (l->n < want + (want > 10 ? want / 2 : 10) && !rn.collapsed_exact)
        fail_case(t, F_PRUNED, c, "%lld matches, collapsed_exact 0",
                  (long long)l->n);
    if (rx.collapsed_exact != rn.collapsed_exact)
        fail_case(t, F_EXHAUSTIVE, c, "collapsed_exact %d, pruned %d",
                  rx.collapsed_exact, rn.collapsed_exact);
    int np = page_of(x, l, c, rn.collapsed_exact, page, &collapsed);
    t->empty += np == 0;
    t->folded += collapsed > 0;
    const struct search_result *res[2] = {&rn, &rx};
    const enum fail_kind kind[2] = {F_PRUNED, F_EXHAUSTIVE};
    for (int k = 0; k < 2; k++) {
        const struct search_result *r = res[k];
        if (r->relaxed != relax) {
            fail_case(t, kind[k], c,
                      "relaxed %d, the brute force's %d (%lld with all the "
                      "words, %lld with some)",
                      r->relaxed, relax, (long long)total,
                      (long long)relaxed.n);
            continue;
        }
        if (r->total_exact ? r->total != total
                           : !(r->total == SEARCH_TOTAL_EXACT &&
                               total > SEARCH_TOTAL_EXACT)) {
            fail_case(t, kind[k], c,
                      "total %lld%s, the brute force counts %lld",
                      (long long)r->total, r->total_exact ? "" : " (at least)",
                      (long long)total);
            continue;
        }
        if (relax && (r->relaxed_total_exact
                          ? r->relaxed_total != relaxed.n
                          : !(r->relaxed_total == SEARCH_TOTAL_EXACT &&
                              relaxed.n > SEARCH_TOTAL_EXACT))) {
            fail_case(t, kind[k], c,
                      "relaxed_total %lld, the brute force counts %lld",
                      (long long)r->relaxed_total, (long long)relaxed.n);
            continue;
        }
        same_page(t, kind[k], c, x, r, page, np, collapsed);
    }
    check_exclusions(x, c, &f, &rn, t);
    free(strict.v);
    free(relaxed.v);
    free(f.ent);
    free(f.neg);
    plan_expr_free(&es);
    plan_expr_free(&er);
    plan_free(&wp);
    qparse_out_free(&wq);
    plan_free(&p);
    qparse_out_free(&q);
    search_result_free(&rn);
    search_result_free(&rx);
}

/* Runs n random cases on the index at path, logs what they showed and
 * fails the test on any difference, kind by kind, naming the first few
 * cases of each; name labels the messages. */
static void check_queries(const char *path, const char *name, int n,
                          uint64_t seed, struct tally *t)
{
    struct ix x;
    ix_open(&x, path, seed);
    struct rng r = {seed};
    memset(t, 0, sizeof *t);
    double t0 = mg_now();
    for (int i = 0; i < n; i++) {
        struct qcase c;
        gen_query(&x, &r, &c);
        int before = 0;
        for (int k = 0; k < F_KINDS; k++)
            before += t->failed[k];
        check_case(&x, &c, t);
        int after = 0;
        for (int k = 0; k < F_KINDS; k++)
            after += t->failed[k];
        t->failed_cases += after > before;
    }
    cr_log_info("rank %s: %d queries checked in %.1f s (seed %llu; "
                "MORGUE_RANK_SEED replays another): %d strict, %d relaxed; "
                "%d with filters, %d with exclusions, %d empty pages; "
                "ranked with the bounds: %d strict, %d relaxed (%d passing "
                "over blocks or articles), %lld articles scored against "
                "%lld without the bounds; %d pages with near-duplicates "
                "folded; %d queries failed",
                name, t->checked, mg_now() - t0, (unsigned long long)seed,
                t->strict, t->relaxed, t->filtered, t->excluding, t->empty,
                t->pruned_strict, t->pruned_relaxed, t->skipping,
                (long long)t->scored, (long long)t->scored_all, t->folded,
                t->failed_cases);
    ix_close(&x);
    for (int k = 0; k < F_KINDS; k++) {
        cr_expect_eq(t->failed[k], 0, "rank %s: %s in %d of %d queries:\n%s",
                     name, FAIL_NAMES[k], t->failed[k], n,
                     t->fails[k].s ? t->fails[k].s : "");
        buf_free(&t->fails[k]);
    }
}

/* The seed of the random queries: MORGUE_RANK_SEED replays another. */
static uint64_t seed_of(uint64_t fixed)
{
    const char *s = getenv("MORGUE_RANK_SEED");
    return s && *s ? strtoull(s, NULL, 10) : fixed;
}

/* ---- the corpus in the repository, read COPIES times -------------------- */

/* The corpus read COPIES times over, for sessions of writes. */
struct corpus_src {
    char **files;
    int nfiles;
    struct build b;
    int64_t all; /* articles */
};

static void corpus_src_open(struct corpus_src *s)
{
    memset(s, 0, sizeof *s);
    s->files = corpus_files(CORPUS, 0, &s->nfiles);
    s->b.copies = COPIES;
    read_bodies(s->files, s->nfiles, &s->b);
    s->all = s->b.per_copy * COPIES;
    gaz = gaz_load();
}

static void corpus_src_close(struct corpus_src *s)
{
    free_bodies(&s->b);
    corpus_files_free(s->files, s->nfiles);
}

/* A session over the index at path: the articles in [from, upto) and
 * those in change stored, with rowid % step == 5 deleted up to drop_hi
 * (0: none), ended with store_finish or not. */
static void corpus_session(struct corpus_src *s, const char *path, int64_t from,
                           int64_t upto, const int64_t *change, int nchange,
                           int64_t drop_hi, int64_t step, int finished)
{
    struct store *st = open_store(path, STORE_WRITE);
    s->b.from = from;
    s->b.upto = upto;
    s->b.change = change;
    s->b.nchange = nchange;
    feed(st, s->files, s->nfiles, &s->b, gaz);
    if (drop_hi > 0)
        drop_some(st, 1, drop_hi, step);
    if (finished)
        finish(st);
    store_close(st);
}

Test(rank, corpus_pruned_equals_brute_force, .timeout = 300)
{
    char *path = path_in(dir, "corpus.db");
    struct corpus_src src;
    double t0 = mg_now();
    corpus_src_open(&src);
    /* 60%; then the rest, a few of the first session's changed, some
     * deleted */
    static const int64_t change[] = {5, 77, 301, 700, 1500, 2222, 2500};
    int64_t cut = src.all * 6 / 10;
    corpus_session(&src, path, 0, cut, NULL, 0, 0, 0, 1);
    corpus_session(&src, path, cut, src.all, change, 7, cut, 97, 1);
    cr_log_info("rank: corpus x%d indexed in two sessions, %lld articles, "
                "%.1f s",
                COPIES, (long long)src.all, mg_now() - t0);
    struct tally t;
    check_queries(path, "corpus, two sessions", CORPUS_QUERIES,
                  seed_of(20240611), &t);
#ifndef RANK_SANITIZED
    cr_expect_geq(t.checked, 100, "%d queries checked", t.checked);
#endif
    /* the test saw what it is for: bounds used, relaxed pages, folds */
    cr_expect_geq(t.pruned_strict + t.pruned_relaxed, t.checked / 12,
                  "%d queries ranked with the bounds",
                  t.pruned_strict + t.pruned_relaxed);
    cr_expect_geq(t.relaxed, t.checked / 12, "%d relaxed", t.relaxed);
    cr_expect_geq(t.folded, t.checked / 12, "%d with folds", t.folded);
    /* a third session under way: articles changed all over the index
     * (their blocks are read whole until it ends), some deleted */
    int64_t spread[12];
    for (int i = 0; i < 12; i++)
        spread[i] = (src.all - 1) * i / 11;
    corpus_session(&src, path, 0, 0, spread, 12, src.all, 89, 0);
    check_queries(path, "corpus, third session unfinished", CORPUS_QUERIES / 2,
                  seed_of(20240612), &t);
    cr_expect_geq(t.pruned_strict + t.pruned_relaxed, t.checked / 12,
                  "%d queries ranked with the bounds",
                  t.pruned_strict + t.pruned_relaxed);
    corpus_src_close(&src);
    free(path);
}

/* ---- all of Reuters-21578 ------------------------------------------------ */

/* The Reuters files of the shared corpus, or a skip. */
static char **reuters_files(int *n)
{
    const char *shared = getenv("MORGUE_SHARED");
    struct buf p = {0};
    buf_printf(&p, "%s/reuters21578",
               shared && *shared ? shared : "../../shared/corpus");
    char **files = corpus_files(p.s, 1, n);
    if (!files || *n < 22) {
        corpus_files_free(files, *n);
        buf_free(&p);
        teardown();
        cr_skip_test("shared corpus not here: no Reuters-21578 under "
                     "../../shared/corpus/reuters21578 (set MORGUE_SHARED)");
    }
    buf_free(&p);
    return files;
}

/* Reuters in two sessions (60%, then the rest with some changed and
 * some deleted), the second ended or not. */
static void reuters_index(const char *path, int finished, int64_t *docs)
{
    int nfiles = 0;
    char **files = reuters_files(&nfiles);
    int64_t all = 21578;
    struct build b = {.per_copy = 0, .copies = 1, .upto = all * 6 / 10};
    struct store *st = open_store(path, STORE_WRITE);
    feed(st, files, nfiles, &b, NULL);
    finish(st);
    static const int64_t change[] = {3,    250,  1000, 2048,  4000,
                                     5555, 7000, 9999, 12000, 12900};
    b = (struct build){.copies = 1,
                       .from = b.upto,
                       .upto = INT64_MAX,
                       .change = change,
                       .nchange = 10};
    feed(st, files, nfiles, &b, NULL);
    drop_some(st, 1, all * 6 / 10, 211);
    if (finished)
        finish(st);
    *docs = store_count(st);
    store_close(st);
    corpus_files_free(files, nfiles);
}

Test(rank, reuters_two_sessions_pruned_equals_brute_force, .timeout = 600)
{
    char *path = path_in(dir, "reuters.db");
    int64_t docs;
    double t0 = mg_now();
    reuters_index(path, 1, &docs);
    cr_log_info("rank: Reuters indexed in two sessions, %lld articles, "
                "%.1f s",
                (long long)docs, mg_now() - t0);
    cr_assert_gt(docs, 21000);
    struct tally t;
    check_queries(path, "Reuters, two sessions", REUTERS_QUERIES, seed_of(1987),
                  &t);
#ifndef RANK_SANITIZED
    cr_expect_geq(t.checked, 500, "%d queries checked", t.checked);
#endif
    cr_expect_geq(t.pruned_strict, t.checked / 20,
                  "%d of %d strict pages ranked with the bounds",
                  t.pruned_strict, t.checked);
    cr_expect_geq(t.pruned_relaxed, t.checked / 10,
                  "%d of %d relaxed pages ranked with the bounds",
                  t.pruned_relaxed, t.checked);
    cr_expect_geq(t.relaxed, t.checked / 10, "%d relaxed", t.relaxed);
    cr_expect_geq(t.folded, t.checked / 10, "%d with folds", t.folded);
    free(path);
}

Test(rank, reuters_unfinished_session_pruned_equals_brute_force, .timeout = 600)
{
    char *path = path_in(dir, "reuters.db");
    int64_t docs;
    double t0 = mg_now();
    reuters_index(path, 0, &docs);
    cr_log_info("rank: Reuters indexed, the second session unfinished, "
                "%lld articles, %.1f s",
                (long long)docs, mg_now() - t0);
    cr_assert_gt(docs, 21000);
    struct tally t;
    check_queries(path, "Reuters, second session unfinished",
                  REUTERS_UNFINISHED_QUERIES, seed_of(1988), &t);
    cr_expect_geq(t.pruned_strict + t.pruned_relaxed, t.checked / 5,
                  "%d of %d ranked with the bounds",
                  t.pruned_strict + t.pruned_relaxed, t.checked);
    free(path);
}

/* ---- rowids used again ----------------------------------------------------
 */

/* A synthetic article: title, then a body of filler words with word at
 * every every-th place (none when every is 0). */
static void put_synthetic(struct store *st, struct rng *r, const char *uid,
                          const char *title, const char *word, int every,
                          int nwords)
{
    struct buf body = {0};
    for (int i = 0; i < nwords; i++) {
        if (every && i % every == 0)
            buf_printf(&body, "%s%s", i ? " " : "", word);
        else
            buf_printf(&body, "%sfill%d", i ? " " : "", rng_int(r, 400));
        if (i % 12 == 11)
            buf_adds(&body, ".");
    }
    struct article a = {0};
    a.uid = mg_strdup(uid);
    a.title = mg_strdup(title);
    a.body = buf_take(&body);
    a.date = mg_strdup("1987-03-01");
    struct mg_err err = {""};
    cr_assert_eq(store_put(st, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    article_clear(&a);
}

static int64_t synthetic_file(struct store *st, const char *name)
{
    struct store_file f = {0};
    struct mg_err err = {""};
    cr_assert_eq(store_file_put(st, name, &f, &err), 0, "%s", err.msg);
    store_set_file(st, f.id, name);
    return f.id;
}

/* A session that deletes the newest articles and then adds others gives
 * the new ones rowids at or below the last statistics' stats_rowid_max,
 * in blocks whose bounds were made for the deleted articles.  Until the
 * session ends (or for good, when it is killed), searches must still
 * score them: store.h promises that articles written since the last
 * finished session are scored in full. */
Test(rank, an_unfinished_session_scores_articles_on_reused_rowids)
{
    char *path = path_in(dir, "reuse.db");
    struct store *st = open_store(path, STORE_WRITE);
    struct mg_err err = {""};
    struct rng r = {42};
    char uid[32], title[64];
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    /* 3,583 articles (rowids 1 to 3,583: blocks 0 to 13) that each say
     * "market" once in a long body */
    synthetic_file(st, "a.jsonl");
    for (int i = 0; i < 3583; i++) {
        snprintf(uid, sizeof uid, "a%d", i);
        snprintf(title, sizeof title, "Report %d", i);
        put_synthetic(st, &r, uid, title, "market", 150, 150);
    }
    /* then 800 that never do: blocks 14 to 17, no bound for it */
    int64_t fb = synthetic_file(st, "b.jsonl");
    for (int i = 0; i < 800; i++) {
        snprintf(uid, sizeof uid, "b%d", i);
        snprintf(title, sizeof title, "Notice %d", i);
        put_synthetic(st, &r, uid, title, NULL, 0, 150);
    }
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    finish(st);
    /* the next session: the newest 800 go, 300 articles about markets
     * come, and the session has not ended */
    int64_t removed = 0;
    cr_assert_eq(store_begin(st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_file_forget(st, fb, &removed, NULL, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(removed, 800);
    synthetic_file(st, "c.jsonl");
    for (int i = 0; i < 300; i++) {
        snprintf(uid, sizeof uid, "c%d", i);
        put_synthetic(st, &r, uid, "Market report: market prices", "market", 4,
                      80);
    }
    cr_assert_eq(store_commit(st, &err), 0, "%s", err.msg);
    /* a search while it runs */
    struct store *rd = open_store(path, STORE_READ);
    struct searcher *se = NULL;
    cr_assert_eq(searcher_new(rd, &se, &err), 0, "%s", err.msg);
    cr_assert_eq(
        int_of(st_db(rd), "SELECT min(id) FROM articles WHERE uid LIKE 'c%'"),
        3584, "the new articles took the deleted ones' rowids");
    struct search_result rn, rx;
    struct search_opts o = {.query = "market", .limit = 10, .budget = -1};
    cr_assert_eq(search_run(se, &o, &rn, &err), 0, "%s", err.msg);
    o.exhaustive = 1;
    cr_assert_eq(search_run(se, &o, &rx, &err), 0, "%s", err.msg);
    cr_expect_eq(rn.rank.exhaustive, 0, "the bounds were used");
    cr_assert_eq(rx.nhits, 10);
    cr_expect_eq(strncmp(rx.hits[0].id, "c", 1), 0,
                 "the articles about markets are the best");
    int same = rn.nhits == rx.nhits;
    for (int i = 0; same && i < rn.nhits; i++)
        same = strcmp(rn.hits[i].id, rx.hits[i].id) == 0 &&
               rn.hits[i].score == rx.hits[i].score;
    struct buf got = {0}, want = {0};
    for (int i = 0; i < rn.nhits; i++)
        buf_printf(&got, " %s", rn.hits[i].id);
    for (int i = 0; i < rx.nhits; i++)
        buf_printf(&want, " %s", rx.hits[i].id);
    cr_expect(same,
              "[market] limit 10 during a session that deleted the newest "
              "articles and added others: with the bounds%s; scoring "
              "every match%s",
              got.s ? got.s : " (none)", want.s ? want.s : " (none)");
    buf_free(&got);
    buf_free(&want);
    search_result_free(&rn);
    search_result_free(&rx);
    searcher_free(se);
    store_close(rd);
    store_close(st);
    free(path);
}

/* ---- what the score reads ------------------------------------------------ */

/* Every article a query's expressions match holds one of its words in a
 * column that counts, so it scores above 0 (the lede, weight 0, repeats
 * the body).  Exclusions must not change that: with an exclusion, an
 * expression whose two sides hold a phrase (a quoted phrase, a
 * hyphenated word) is still scored from its phrases' positions. */
Test(rank, every_match_scores_above_zero_with_an_exclusion)
{
    char *path = path_in(dir, "corpus.db");
    int nfiles = 0;
    char **files = corpus_files(CORPUS, 0, &nfiles);
    struct store *st = open_store(path, STORE_WRITE);
    struct build b = {.copies = 1, .upto = INT64_MAX};
    feed(st, files, nfiles, &b, NULL);
    finish(st);
    store_close(st);
    corpus_files_free(files, nfiles);
    struct store *rd = open_store(path, STORE_READ);
    struct searcher *se = NULL;
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(rd, &se, &err), 0, "%s", err.msg);
    struct tok *t = tok_new();
    static const char *const QUERIES[] = {
        "trade \"oil prices\" the",
        "trade \"oil prices\" the -opec",
        "\"crude oil\" prices said",
        "\"crude oil\" prices said -opec",
        "(grain OR wheat) \"oil prices\"",
        "(grain OR wheat) \"oil prices\" -corn",
    };
    struct buf bad = {0};
    for (size_t i = 0; i < sizeof QUERIES / sizeof *QUERIES; i++) {
        struct qparse_out q;
        struct plan p;
        cr_assert_eq(qparse_full(t, QUERIES[i], 0, &q, &err), 0, "%s", err.msg);
        cr_assert_eq(plan_make(rd, t, &q, &p, &err), 0, "%s", err.msg);
        for (int relaxed = 0; relaxed < 2; relaxed++) {
            struct plan_expr e = {0};
            if (relaxed)
                plan_expr_relaxed(&p, &e);
            else
                plan_expr_strict(&p, &e);
            struct rank_query rq = {.store = rd,
                                    .plan = &p,
                                    .params = RANK_PARAMS_DEFAULT,
                                    .relaxed = relaxed,
                                    .exhaustive = 1};
            struct list l = {0};
            cr_assert_eq(rank_each(&rq, &e, 0, INT64_MAX, collect, &l, &err), 0,
                         "%s", err.msg);
            int64_t zero = 0;
            for (int64_t k = 0; k < l.n; k++)
                zero += !(l.v[k].score > 0);
            if (zero)
                buf_printf(&bad, "\n  [%s] %s: %lld of %lld matches score 0",
                           QUERIES[i], relaxed ? "relaxed" : "strict",
                           (long long)zero, (long long)l.n);
            cr_expect_gt(l.n, 0, "[%s] %s matches nothing", QUERIES[i],
                         relaxed ? "relaxed" : "strict");
            free(l.v);
            plan_expr_free(&e);
        }
        plan_free(&p);
        qparse_out_free(&q);
    }
    cr_expect_null(bad.s, "matches scored 0:%s", bad.s ? bad.s : "");
    buf_free(&bad);
    tok_free(t);
    searcher_free(se);
    store_close(rd);
    free(path);
}
