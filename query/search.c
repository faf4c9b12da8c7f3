/*
 * search.c - FTS5 match, ranking and snippets.
 */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fingerprint.h"
#include "qparse.h"
#include "snippet.h"
#include "tokenizer.h"

/* bm25 weights per FTS5 column (title, lede, body, captions, highlights,
 * entities), chosen by measurement: docs/relevance.md. */
const double SEARCH_WEIGHTS[SEARCH_NWEIGHTS] = {2.0, 0.0, 1.0, 1.0, 1.0, 1.0};

struct searcher {
    struct store *store;
    struct tok *tok;
    char bm25[160]; /* the bm25(...) call with the weights */
};

/* morgue_hamming(a, b): the bits in which two fingerprints differ. */
static void hamming_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx,
                       fp_distance((uint64_t)sqlite3_value_int64(argv[0]),
                                   (uint64_t)sqlite3_value_int64(argv[1])));
}

int searcher_new(struct store *st, struct searcher **out, struct mg_err *err)
{
    *out = NULL;
    struct searcher *s = mg_calloc(1, sizeof *s);
    s->store = st;
    s->tok = tok_new();
    if (!s->tok) {
        free(s);
        return mg_fail(err, "cannot create the Snowball English stemmer");
    }
    sqlite3 *db = store_db(st);
    if (sqlite3_create_function(db, "morgue_hamming", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                hamming_fn, NULL, NULL) != SQLITE_OK) {
        mg_fail(err, "%s: %s", store_path(st), sqlite3_errmsg(db));
        searcher_free(s);
        return -1;
    }
    if (snippet_register(db, err) < 0) {
        searcher_free(s);
        return -1;
    }
    searcher_set_weights(s, NULL);
    *out = s;
    return 0;
}

void searcher_set_weights(struct searcher *s, const double *w)
{
    if (!w)
        w = SEARCH_WEIGHTS;
    snprintf(s->bm25, sizeof s->bm25, "bm25(fts, %g, %g, %g, %g, %g, %g)",
             w[0], w[1], w[2], w[3], w[4], w[5]);
}

void searcher_free(struct searcher *s)
{
    if (!s)
        return;
    tok_free(s->tok);
    free(s);
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? mg_strdup((const char *)t) : NULL;
}

/* Splits an FTS5 snippet with HL_OPEN/HL_CLOSE markers into plain text
 * and spans counted in code points. */
static void split_snippet(const char *marked, struct search_hit *h)
{
    struct buf b = {0};
    int cps = 0, start = -1, cap = 0;
    for (const char *p = marked; *p; p++) {
        if (*p == SNIPPET_OPEN) {
            start = cps;
            continue;
        }
        if (*p == SNIPPET_CLOSE) {
            if (start >= 0 && cps > start) {
                if (h->nspans == cap)
                    h->spans = mg_realloc(h->spans, sizeof *h->spans *
                                          (size_t)(cap = cap ? cap * 2 : 8));
                h->spans[h->nspans].start = start;
                h->spans[h->nspans].length = cps - start;
                h->nspans++;
            }
            start = -1;
            continue;
        }
        if (((unsigned char)*p & 0xC0) != 0x80)
            cps++;
        buf_addc(&b, *p);
    }
    h->snippet = buf_take(&b);
}

static int db_fail(struct searcher *s, struct mg_err *err)
{
    sqlite3 *db = store_db(s->store);
    return mg_fail(err, "%s: search failed: %s", store_path(s->store),
                   sqlite3_errmsg(db));
}

/* Reads (kind, name, count) rows into res->facets; returns the last
 * sqlite3_step() result (SQLITE_DONE when all went well). */
static int read_facets(sqlite3_stmt *st, struct search_result *res)
{
    int rc, cap = res->nfacets;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (res->nfacets == cap)
            res->facets = mg_realloc(res->facets, sizeof *res->facets *
                                     (size_t)(cap = cap ? cap * 2 : 32));
        struct search_facet *fc = &res->facets[res->nfacets++];
        const char *k = (const char *)sqlite3_column_text(st, 0);
        fc->kind = strcmp(k, "person") == 0  ? ENT_PERSON
                   : strcmp(k, "place") == 0 ? ENT_PLACE
                                             : ENT_ORG;
        fc->name = col(st, 1);
        fc->count = sqlite3_column_int64(st, 2);
    }
    return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil).  Can't fail. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads "YYYY-MM-DD..." into its parts; 0 when it is no such date. */
static int read_day(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = atoi(s);
    *m = atoi(s + 5);
    *d = atoi(s + 8);
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

const char *search_unit_name(enum search_unit u)
{
    return u == SEARCH_UNIT_DAY ? "day" : u == SEARCH_UNIT_MONTH ? "month"
                                                                  : "year";
}

/* Buckets for the (day, count) rows of st, in date order: the unit from
 * their span, every bucket from the first to the last.  Returns the last
 * sqlite3_step() result. */
static int read_histogram(sqlite3_stmt *st, struct search_result *res)
{
    int64_t *day = NULL, *cnt = NULL;
    int n = 0, cap = 0, rc, y, m, d;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        int64_t c = sqlite3_column_int64(st, 1);
        if (!read_day(t, &y, &m, &d)) {
            res->undated += c;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            day = mg_realloc(day, sizeof *day * (size_t)cap);
            cnt = mg_realloc(cnt, sizeof *cnt * (size_t)cap);
        }
        day[n] = days_from_civil(y, m, d);
        cnt[n++] = c;
    }
    if (rc != SQLITE_DONE || n == 0)
        goto out;
    int y0, m0, d0, y1, m1, d1;
    civil_from_days(day[0], &y0, &m0, &d0);
    civil_from_days(day[n - 1], &y1, &m1, &d1);
    int64_t months = (int64_t)(y1 - y0) * 12 + (m1 - m0);
    int64_t nb;
    if (day[n - 1] - day[0] < SEARCH_HIST_SPAN) {
        res->unit = SEARCH_UNIT_DAY;
        nb = day[n - 1] - day[0] + 1;
    } else if (months < SEARCH_HIST_SPAN) {
        res->unit = SEARCH_UNIT_MONTH;
        nb = months + 1;
    } else {
        res->unit = SEARCH_UNIT_YEAR;
        nb = y1 - y0 + 1;
    }
    res->buckets = mg_calloc((size_t)nb, sizeof *res->buckets);
    res->nbuckets = (int)nb;
    for (int64_t b = 0; b < nb; b++) {
        struct search_bucket *k = &res->buckets[b];
        if (res->unit == SEARCH_UNIT_DAY) {
            civil_from_days(day[0] + b, &y, &m, &d);
            snprintf(k->date, sizeof k->date, "%04d-%02d-%02d", y, m, d);
        } else if (res->unit == SEARCH_UNIT_MONTH) {
            int64_t mm = (int64_t)m0 - 1 + b;
            snprintf(k->date, sizeof k->date, "%04d-%02d",
                     (int)(y0 + mm / 12), (int)(mm % 12 + 1));
        } else {
            snprintf(k->date, sizeof k->date, "%04d", (int)(y0 + b));
        }
    }
    for (int i = 0; i < n; i++) {
        civil_from_days(day[i], &y, &m, &d);
        int64_t b = res->unit == SEARCH_UNIT_DAY ? day[i] - day[0]
                    : res->unit == SEARCH_UNIT_MONTH
                        ? (int64_t)(y - y0) * 12 + (m - m0)
                        : y - y0;
        res->buckets[b].count += cnt[i];
    }
out:
    free(day);
    free(cnt);
    return rc;
}

/* Appends the entity filters as "AND <idcol> IN (...)" with named
 * parameters :k<i>, :key<i>, :n<i>. */
static void add_filters(struct buf *b, const char *idcol, int n)
{
    for (int i = 0; i < n; i++)
        buf_printf(b,
                   " AND %s IN (SELECT ae.article_id FROM article_entities ae"
                   " JOIN entities e ON e.id = ae.entity_id WHERE"
                   " e.kind = :k%d AND (e.key = :key%d OR e.id IN (SELECT"
                   " entity_id FROM entity_aliases WHERE alias = :n%d)))",
                   idcol, i, i, i);
}

static void bind_filters(sqlite3_stmt *st, const struct qfilter *f, int n,
                         char **keys)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, ":k%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name),
                          ent_kind_name(f[i].kind), -1, SQLITE_STATIC);
        snprintf(name, sizeof name, ":key%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), keys[i],
                          -1, SQLITE_STATIC);
        snprintf(name, sizeof name, ":n%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name),
                          f[i].name, -1, SQLITE_STATIC);
    }
}

static int prepare_bound(struct searcher *s, struct buf *sql,
                         const char *fts, const struct qfilter *f, int n,
                         char **keys, sqlite3_stmt **st, struct mg_err *err)
{
    if (sqlite3_prepare_v2(store_db(s->store), sql->s, -1, st, NULL) !=
        SQLITE_OK)
        return db_fail(s, err);
    if (fts)
        sqlite3_bind_text(*st, sqlite3_bind_parameter_index(*st, ":q"), fts,
                          -1, SQLITE_STATIC);
    bind_filters(*st, f, n, keys);
    return 0;
}

/* The stored-field and date filters, as SQL over the articles alias a,
 * with parameters :c<i>, :since, :until. */
struct where {
    struct qcolumn cols[2 * QPARSE_MAX_FILTERS];
    char *vals[2 * QPARSE_MAX_FILTERS]; /* bound: byline as a LIKE pattern */
    int n;
    char *since, *until;
};

static void add_where(struct buf *b, const struct where *w)
{
    for (int i = 0; i < w->n; i++) {
        if (strcmp(w->cols[i].column, "byline") == 0)
            buf_printf(b, " AND a.byline LIKE :c%d ESCAPE '\\'", i);
        else
            buf_printf(b, " AND a.%s = :c%d COLLATE NOCASE",
                       w->cols[i].column, i);
    }
    if (w->since)
        buf_adds(b, " AND a.date >= :since");
    if (w->until)
        buf_adds(b, " AND a.date <= :until");
}

static void bind_where(sqlite3_stmt *st, const struct where *w)
{
    for (int i = 0; i < w->n; i++) {
        char name[16];
        snprintf(name, sizeof name, ":c%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name),
                          w->vals[i], -1, SQLITE_STATIC);
    }
    if (w->since)
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":since"),
                          w->since, -1, SQLITE_STATIC);
    if (w->until)
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":until"),
                          w->until, -1, SQLITE_STATIC);
}

static void add_column(struct where *w, const char *column, const char *v)
{
    if (w->n >= 2 * QPARSE_MAX_FILTERS)
        return;
    w->cols[w->n].column = column;
    if (strcmp(column, "byline") == 0) { /* a name anywhere in it */
        struct buf b = {0};
        buf_addc(&b, '%');
        for (const char *p = v; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                buf_addc(&b, '\\');
            buf_addc(&b, *p);
        }
        buf_addc(&b, '%');
        w->vals[w->n] = buf_take(&b);
    } else {
        w->vals[w->n] = mg_strdup(v);
    }
    w->n++;
}

/* The filters of the query and of the options together; fails on a bad
 * --since/--until date. */
static int make_where(const struct qparse_out *q, const struct search_opts *o,
                      struct where *w, struct mg_err *err)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < q->ncolumns; i++)
        add_column(w, q->columns[i].column, q->columns[i].value);
    if (o->source)
        add_column(w, "source", o->source);
    if (o->section)
        add_column(w, "section", o->section);
    w->since = q->since ? mg_strdup(q->since) : NULL;
    w->until = q->until ? mg_strdup(q->until) : NULL;
    const char *opt[2] = {o->since, o->until};
    for (int k = 0; k < 2; k++) {
        if (!opt[k])
            continue;
        char *lo, *hi;
        if (qdate_range(opt[k], &lo, &hi, err) < 0)
            return -1;
        /* --since takes the start of its range, --until the end */
        if (k == 0) {
            free(hi);
            hi = NULL;
        } else {
            free(lo);
            lo = NULL;
        }
        if (lo && (!w->since || strcmp(lo, w->since) > 0)) {
            free(w->since);
            w->since = lo;
        } else {
            free(lo);
        }
        if (hi && (!w->until || strcmp(hi, w->until) < 0)) {
            free(w->until);
            w->until = hi;
        } else {
            free(hi);
        }
    }
    return 0;
}

static void where_free(struct where *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->vals[i]);
    free(w->since);
    free(w->until);
}

/* Prepares sql and binds the query, the entity and the column filters. */
static int prepare_all(struct searcher *s, struct buf *sql, const char *fts,
                       const struct qfilter *f, int nf, char **keys,
                       const struct where *w, sqlite3_stmt **st,
                       struct mg_err *err)
{
    if (prepare_bound(s, sql, fts, f, nf, keys, st, err) < 0)
        return -1;
    bind_where(*st, w);
    return 0;
}

/* The relaxed form of a plain AND query: its terms ORed (its exclusions
 * kept), and the mask of the terms that count (stop words do not, when
 * there are others). */
static char *relaxed_fts(const struct qparse_out *q, int64_t *mask)
{
    struct buf b = {0};
    int content = 0;
    for (int i = 0; i < q->nterms; i++)
        content += !q->stop[i];
    *mask = 0;
    buf_addc(&b, '(');
    for (int i = 0; i < q->nterms; i++) {
        if (i)
            buf_adds(&b, " OR ");
        buf_adds(&b, q->terms[i]);
        if (i < 63 && (!q->stop[i] || !content))
            *mask |= (int64_t)1 << i;
    }
    buf_addc(&b, ')');
    if (q->negated)
        buf_adds(&b, q->negated);
    return buf_take(&b);
}

/* The number of articles sql (a count query) gives. */
static int count_rows(struct searcher *s, struct buf *sql, const char *fts,
                      const struct qfilter *f, int nf, char **keys,
                      const struct where *w, int64_t *n, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (prepare_all(s, sql, fts, f, nf, keys, w, &st, err) < 0)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_fail(s, err);
}

/* The ids of the matching articles, as SQL. */
static void ids_sql(struct buf *ids, const char *fts, int nf,
                    const struct where *w)
{
    buf_clear(ids);
    if (fts)
        buf_adds(ids, "SELECT a.id FROM fts JOIN articles a ON a.id ="
                      " fts.rowid WHERE fts MATCH :q");
    else
        buf_adds(ids, "SELECT a.id FROM articles a WHERE 1");
    add_filters(ids, "a.id", nf);
    add_where(ids, w);
}

/* Appends the hit in the current row of st (uid, title, date, source,
 * path, url, -, snippet) with this score. */
static void read_hit(sqlite3_stmt *st, struct search_result *res,
                     double score)
{
    res->hits = mg_realloc(res->hits,
                           sizeof *res->hits * (size_t)(res->nhits + 1));
    struct search_hit *h = &res->hits[res->nhits++];
    memset(h, 0, sizeof *h);
    h->id = col(st, 0);
    h->title = col(st, 1);
    h->date = col(st, 2);
    h->source = col(st, 3);
    h->path = col(st, 4);
    h->url = col(st, 5);
    h->score = score;
    const unsigned char *sn = sqlite3_column_text(st, 7);
    split_snippet(sn ? (const char *)sn : "", h);
}

/* The proximity boost: a score is multiplied by 1 + PROX_BOOST / (1 +
 * slack / PROX_SCALE), where slack is how many more tokens than the
 * query's words the smallest window holding all of them takes (0 when
 * they stand side by side).  Only the best PROX_TOP by bm25 are
 * re-scored, so the cost stays bounded. */
#define PROX_TOP 200
/* at most this many ranked candidates (1,000 pages of 100) */
#define SEARCH_MAX_RANKED 200000
#define PROX_BOOST 0.5
#define PROX_SCALE 8.0

/* A short body (fewer than SHORT_BODY tokens: a price table, a one-line
 * brief) scales the score by ((tokens + 1) / SHORT_BODY) ^ SHORT_EXP:
 * bm25 favours short texts, and a page of "NY COFFEE 10:30" tables is not
 * what a search for coffee wants.  Measured in docs/relevance.md. */
#define SHORT_BODY 60.0
#define SHORT_EXP 0.5

/* Appends the hits with these rowids (and scores, near-duplicate counts:
 * similar may be NULL), each with its snippet for the FTS5 expression fts:
 * snippets are made for the page only, never for every match. */
static int read_page(struct searcher *s, const char *fts, const int64_t *ids,
                     const double *scores, const int *similar, int n,
                     struct search_result *res, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store_db(s->store),
                           "SELECT a.uid, a.title, a.date, a.source, a.path,"
                           " a.url, 0, morgue_snippet(fts) FROM fts JOIN"
                           " articles a ON a.id = fts.rowid WHERE fts MATCH"
                           " ?1 AND fts.rowid = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ids[i]);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            read_hit(st, res, scores[i]);
            res->hits[res->nhits - 1].similar = similar ? similar[i] : 0;
        } else if (step != SQLITE_DONE) {
            db_fail(s, err);
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The page of hits by relevance: the best max(PROX_TOP, offset + limit)
 * by bm25 (most of the words first when relaxed), re-scored by
 * proximity and, with fresh > 0 (a half-life in days), by recency: an
 * article as new as the newest in the index counts twice, one fresh days
 * older 1.5 times; then each hit of the page read with its snippet. */
static int rank_hits(struct searcher *s, const char *fts,
                     const struct qparse_out *q, struct search_result *res,
                     int64_t mask, const struct qfilter *f, int nf,
                     char **keys, const struct where *w, int limit,
                     int offset, double fresh, int no_collapse,
                     struct mg_err *err)
{
    (void)q;
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    int top = offset + limit > PROX_TOP ? offset + limit : PROX_TOP;
    int rc = -1;
    /* Relaxed, an article's score is scaled by the share of the query's
     * words (stop words aside) it holds: bm25 alone lets a few rare words
     * outweigh most of the query, ordering by the share first lets common
     * words outweigh the rare ones (docs/relevance.md). */
    char share[64] = "1.0";
    int nmask = __builtin_popcountll((unsigned long long)mask);
    if (res->relaxed)
        snprintf(share, sizeof share, "(m / %d.0)", nmask > 0 ? nmask : 1);
    buf_printf(&sql,
               "SELECT id, b * (CASE WHEN win > 0 THEN 1.0 + %g / (1.0 +"
               " max(win - nph, 0) / %g) ELSE 1.0 END) * (CASE WHEN %g > 0"
               " AND d IS NOT NULL THEN 1.0 + pow(0.5, max(julianday(("
               "SELECT max(date) FROM articles)) - julianday(d), 0) / %g)"
               " ELSE 1.0 END) * (CASE WHEN len < %g THEN pow((len + 1.0) /"
               " %g, %g) ELSE 1.0 END) * %s AS s, sh FROM (SELECT"
               " morgue_length(fts, 2) AS len,"
               " fts.rowid AS id, a.date AS d, a.simhash AS sh, -%s AS b,"
               " morgue_window(fts) AS win,"
               " morgue_matched(fts, %lld) AS m, morgue_matched(fts, -1) AS"
               " nph FROM fts JOIN articles a ON a.id = fts.rowid WHERE fts"
               " MATCH :q",
               PROX_BOOST, PROX_SCALE, fresh, fresh > 0 ? fresh : 1.0,
               SHORT_BODY, SHORT_BODY, SHORT_EXP, share, s->bm25,
               (long long)mask);
    add_filters(&sql, "a.id", nf);
    add_where(&sql, w);
    buf_adds(&sql, " ORDER BY ");
    buf_printf(&sql, "%s * %s LIMIT :top) ORDER BY s DESC", s->bm25, share);
    if (prepare_all(s, &sql, fts, f, nf, keys, w, &st, err) < 0)
        goto out;
    /* The ranked candidates; a near-duplicate of a better one is folded
     * under it ("+3 similar") unless collapse is off.  When folding leaves
     * fewer than offset + limit of the best `top`, the best 2 * top are
     * taken, and so on. */
    struct cand {
        int64_t id;
        double score;
        uint64_t sh;
        int similar;
    } *c = NULL;
    int n, step, rows;
again:
    sqlite3_reset(st);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":top"), top);
    free(c);
    c = mg_malloc(sizeof *c * (size_t)top);
    n = rows = 0;
    res->collapsed = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < top) {
        rows++;
        struct cand x = {sqlite3_column_int64(st, 0),
                         sqlite3_column_double(st, 1),
                         (uint64_t)sqlite3_column_int64(st, 2), 0};
        int under = -1;
        for (int k = 0; k < n && !no_collapse && x.sh; k++)
            if (c[k].sh && fp_distance(c[k].sh, x.sh) <= FP_NEAR) {
                under = k;
                break;
            }
        if (under >= 0) {
            c[under].similar++;
            res->collapsed++;
        } else {
            c[n++] = x;
        }
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        free(c);
        db_fail(s, err);
        goto out;
    }
    if (n < offset + limit && rows == top && top < SEARCH_MAX_RANKED) {
        top = top * 2 < SEARCH_MAX_RANKED ? top * 2 : SEARCH_MAX_RANKED;
        goto again;
    }
    sqlite3_finalize(st);
    st = NULL;
    int64_t ids[SEARCH_MAX_LIMIT];
    double scores[SEARCH_MAX_LIMIT];
    int similar[SEARCH_MAX_LIMIT], npage = 0;
    for (int k = offset; k < n && npage < limit; k++) {
        ids[npage] = c[k].id;
        scores[npage] = c[k].score;
        similar[npage++] = c[k].similar;
    }
    free(c);
    n = npage;
    if (read_page(s, fts, ids, scores, similar, n, res, err) < 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    buf_free(&sql);
    return rc;
}

int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    struct qparse_out q;
    int outside = o->nfilters > 0 || o->since || o->until || o->source ||
                  o->section;
    if (qparse_full(s->tok, o->query ? o->query : "", outside, &q, err) <
        0) {
        qparse_out_free(&q);
        return SEARCH_EUSAGE;
    }
    struct where w;
    if (make_where(&q, o, &w, err) < 0) {
        where_free(&w);
        qparse_out_free(&q);
        return SEARCH_EUSAGE;
    }
    /* The query's filters and the options' together. */
    struct qfilter f[2 * QPARSE_MAX_FILTERS];
    char *keys[2 * QPARSE_MAX_FILTERS];
    int nf = 0;
    for (int i = 0; i < q.nfilters; i++)
        f[nf++] = q.filters[i];
    for (int i = 0; i < o->nfilters && nf < 2 * QPARSE_MAX_FILTERS; i++)
        f[nf++] = o->filters[i];
    for (int i = 0; i < nf; i++)
        keys[i] = ent_key(f[i].name);
    res->fts = q.fts;
    q.fts = NULL;
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;
    int rc = 0;
    sqlite3_stmt *st = NULL;
    struct buf ids = {0}, sql = {0};
    int64_t mask = -1;

    ids_sql(&ids, res->fts, nf, &w);
    buf_printf(&sql, "SELECT count(*) FROM (%s)", ids.s);
    if (count_rows(s, &sql, res->fts, f, nf, keys, &w, &res->total, err) < 0)
        goto fail;
    /* Too few articles have all the words of a plain query (a pasted
     * headline, a question): take those with most of them instead. */
    if (res->fts && q.simple && !o->strict && res->total < limit) {
        char *relaxed = relaxed_fts(&q, &mask);
        int64_t n = 0;
        ids_sql(&ids, relaxed, nf, &w);
        buf_clear(&sql);
        buf_printf(&sql, "SELECT count(*) FROM (%s)", ids.s);
        if (count_rows(s, &sql, relaxed, f, nf, keys, &w, &n, err) < 0) {
            free(relaxed);
            goto fail;
        }
        if (n > res->total) {
            res->relaxed = 1;
            res->strict_total = res->total;
            res->total = n;
            free(res->fts);
            res->fts = relaxed;
        } else {
            free(relaxed);
            mask = -1;
            ids_sql(&ids, res->fts, nf, &w);
        }
    }
    const char *fts = res->fts;
    if (o->count_only)
        goto done_ok;

    enum search_sort sort = o->sort;
    if (sort == SEARCH_SORT_DEFAULT)
        sort = fts ? SEARCH_SORT_RELEVANCE : SEARCH_SORT_NEWEST;
    if (!fts && sort == SEARCH_SORT_RELEVANCE)
        sort = SEARCH_SORT_NEWEST;
    if (fts && sort == SEARCH_SORT_RELEVANCE) {
        if (rank_hits(s, fts, &q, res, mask, f, nf, keys, &w, limit, offset,
                      o->fresh, o->no_collapse, err) < 0)
            goto fail;
        rc = SQLITE_DONE;
    } else {
        buf_clear(&sql);
        if (fts)
            buf_printf(&sql, "SELECT a.id, -%s"
                             " FROM fts JOIN articles a ON a.id = fts.rowid"
                             " WHERE fts MATCH :q",
                       s->bm25);
        else
            buf_adds(&sql, "SELECT a.uid, a.title, a.date, a.source,"
                           " a.path, a.url, 0.0, a.lede FROM articles a"
                           " WHERE 1");
        add_filters(&sql, "a.id", nf);
        add_where(&sql, &w);
        if (sort == SEARCH_SORT_OLDEST)
            buf_adds(&sql, " ORDER BY a.date IS NULL, a.date ASC, a.id ASC");
        else
            buf_adds(&sql,
                     " ORDER BY a.date IS NULL, a.date DESC, a.id DESC");
        buf_adds(&sql, " LIMIT :limit OFFSET :offset");
        if (prepare_all(s, &sql, fts, f, nf, keys, &w, &st, err) < 0)
            goto fail;
        sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"),
                         limit);
        sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":offset"),
                         offset);
        if (fts) { /* the page's rowids by date, then their snippets */
            int64_t ids[SEARCH_MAX_LIMIT];
            double scores[SEARCH_MAX_LIMIT];
            int n = 0;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
                ids[n] = sqlite3_column_int64(st, 0);
                scores[n++] = sqlite3_column_double(st, 1);
            }
            if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
                sqlite3_finalize(st);
                st = NULL;
                if (read_page(s, fts, ids, scores, NULL, n, res, err) < 0)
                    goto fail;
                rc = SQLITE_DONE;
            }
        } else {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                read_hit(st, res, sqlite3_column_double(st, 6));
        }
    }
    if (rc != SQLITE_DONE)
        goto dbfail;
    sqlite3_finalize(st);
    st = NULL;

    if (o->facets) {
        buf_clear(&sql);
        buf_printf(&sql,
                   "SELECT kind, canonical, c FROM (SELECT e.kind,"
                   " e.canonical, count(*) AS c, row_number() OVER"
                   " (PARTITION BY e.kind ORDER BY count(*) DESC,"
                   " e.canonical) AS r FROM article_entities ae JOIN"
                   " entities e ON e.id = ae.entity_id WHERE"
                   " ae.article_id IN (%s) GROUP BY e.id) WHERE r <= %d"
                   " ORDER BY kind = 'person' DESC, kind = 'place' DESC,"
                   " c DESC, canonical",
                   ids.s, SEARCH_FACETS);
        if (prepare_all(s, &sql, fts, f, nf, keys, &w, &st, err) < 0)
            goto fail;
        if (read_facets(st, res) != SQLITE_DONE)
            goto dbfail;
        sqlite3_finalize(st);
        st = NULL;
        /* The sources, as facets of their own kind. */
        buf_clear(&sql);
        buf_printf(&sql,
                   "SELECT '', source, count(*) AS c FROM articles WHERE"
                   " id IN (%s) AND source IS NOT NULL AND source != ''"
                   " GROUP BY source ORDER BY c DESC, source LIMIT %d",
                   ids.s, SEARCH_FACETS);
        if (prepare_all(s, &sql, fts, f, nf, keys, &w, &st, err) < 0)
            goto fail;
        struct search_result src = {0};
        rc = read_facets(st, &src);
        res->sources = src.facets;
        res->nsources = src.nfacets;
        if (rc != SQLITE_DONE)
            goto dbfail;
        sqlite3_finalize(st);
        st = NULL;
    }
    if (o->histogram) {
        buf_clear(&sql);
        buf_printf(&sql,
                   "SELECT substr(date, 1, 10) AS d, count(*) FROM articles"
                   " WHERE id IN (%s) GROUP BY d ORDER BY d",
                   ids.s);
        if (prepare_all(s, &sql, fts, f, nf, keys, &w, &st, err) < 0)
            goto fail;
        if (read_histogram(st, res) != SQLITE_DONE)
            goto dbfail;
        sqlite3_finalize(st);
        st = NULL;
    }
done_ok:
    rc = 0;
    goto done;
dbfail:
    db_fail(s, err);
fail:
    rc = -1;
done:
    sqlite3_finalize(st);
    buf_free(&sql);
    buf_free(&ids);
    for (int i = 0; i < nf; i++)
        free(keys[i]);
    where_free(&w);
    qparse_out_free(&q);
    return rc;
}

int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    sqlite3 *db = store_db(s->store);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT simhash FROM articles WHERE uid = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    uint64_t sh = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE
                   ? mg_fail(err, "no article \"%s\" in %s", uid,
                             store_path(s->store))
                   : db_fail(s, err);
    if (sh == 0) /* an empty body is like no other */
        return 0;
    /* A full scan of one integer column: milliseconds for 100,000 articles. */
    if (sqlite3_prepare_v2(
            db,
            "SELECT a.uid, a.title, a.date, a.source, a.path, a.url,"
            " morgue_hamming(a.simhash, ?1) AS d, a.lede FROM articles a"
            " WHERE a.simhash != 0 AND a.uid != ?2 AND d <= ?3"
            " ORDER BY d, a.date, a.id LIMIT ?4",
            -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)sh);
    sqlite3_bind_text(st, 2, uid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, FP_NEAR);
    sqlite3_bind_int(st, 4, limit > 0 ? limit : SEARCH_DEFAULT_LIMIT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_hit(st, res, 0.0 - sqlite3_column_double(st, 6));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err);
    res->total = res->nhits;
    return 0;
}

int search_entities(struct searcher *s, const char *prefix, int kind,
                    int limit, struct search_result *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            store_db(s->store),
            "SELECT e.kind, e.canonical, (SELECT count(*) FROM"
            " article_entities ae WHERE ae.entity_id = e.id) AS c"
            " FROM entities e WHERE (?2 IS NULL OR e.kind = ?2) AND e.id IN"
            " (SELECT entity_id FROM entity_aliases WHERE alias >= ?1"
            " AND alias < ?1 || x'f48fbfbf') ORDER BY c DESC, e.canonical"
            " LIMIT ?3",
            -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    if (kind >= 0)
        sqlite3_bind_text(st, 2, ent_kind_name((enum ent_kind)kind), -1,
                          SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : 20);
    int rc = read_facets(st, out);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err);
    return 0;
}

int search_article(struct searcher *s, const char *uid, struct article *a,
                   struct search_result *ents, struct mg_err *err)
{
    memset(ents, 0, sizeof *ents);
    int found = store_get(s->store, uid, a, err);
    if (found <= 0)
        return found;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            store_db(s->store),
            "SELECT e.kind, e.canonical, ae.mentions FROM articles a"
            " JOIN article_entities ae ON ae.article_id = a.id"
            " JOIN entities e ON e.id = ae.entity_id WHERE a.uid = ?1"
            " ORDER BY e.kind = 'person' DESC, e.kind = 'place' DESC,"
            " ae.mentions DESC, ae.first_pos, e.canonical",
            -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = read_facets(st, ents);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 1 : db_fail(s, err);
}

void search_result_free(struct search_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nhits; i++) {
        struct search_hit *h = &res->hits[i];
        free(h->id);
        free(h->title);
        free(h->date);
        free(h->source);
        free(h->path);
        free(h->url);
        free(h->snippet);
        free(h->spans);
    }
    free(res->hits);
    for (int i = 0; i < res->nfacets; i++)
        free(res->facets[i].name);
    free(res->facets);
    for (int i = 0; i < res->nsources; i++)
        free(res->sources[i].name);
    free(res->sources);
    free(res->buckets);
    free(res->fts);
    memset(res, 0, sizeof *res);
}
