/*
 * search.c - FTS5 match, ranking and snippets.
 */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fingerprint.h"
#include "qparse.h"
#include "snippet.h"
#include "strmap.h"
#include "tokenizer.h"

/* bm25 weights per FTS5 column (title, lede, body, captions, highlights,
 * entities), chosen by measurement: docs/relevance.md. */
const double SEARCH_WEIGHTS[SEARCH_NWEIGHTS] = {2.0, 0.0, 1.0, 1.0, 1.0, 1.0};

struct searcher {
    struct store *store;
    struct tok *tok;
    char bm25[160]; /* the bm25(...) call with the weights */
    int64_t facet_exact; /* SEARCH_FACET_EXACT unless set */
    int64_t rank_cap;    /* SEARCH_RANK_CAP unless set */
    char meta[32];  /* " INDEXED BY articles_meta", or "" in an index
                     * made before it */
    /* statements prepared once, on first use */
    sqlite3_stmt *page, *newest, *meta_rank, *meta_facets, *entity_ids,
        *entity_name, *date_order;
    int no_date_order; /* never use date_order (tests, experiments) */
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
    s->facet_exact = SEARCH_FACET_EXACT;
    s->rank_cap = SEARCH_RANK_CAP;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'index'"
                           " AND name = 'articles_meta'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        snprintf(s->meta, sizeof s->meta, " INDEXED BY articles_meta");
    sqlite3_finalize(q);
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

void searcher_set_facet_exact(struct searcher *s, int64_t n)
{
    s->facet_exact = n > 0 ? n : SEARCH_FACET_EXACT;
}

void searcher_use_date_order(struct searcher *s, int use)
{
    s->no_date_order = !use;
}

void searcher_set_rank_cap(struct searcher *s, int64_t n)
{
    s->rank_cap = n > 0 ? n : SEARCH_RANK_CAP;
}

void searcher_free(struct searcher *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->page);
    sqlite3_finalize(s->newest);
    sqlite3_finalize(s->meta_rank);
    sqlite3_finalize(s->meta_facets);
    sqlite3_finalize(s->entity_ids);
    sqlite3_finalize(s->entity_name);
    sqlite3_finalize(s->date_order);
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

/* The histogram of n (day, count) pairs in date order (days since
 * 1970-01-01): the unit from their span, every bucket from the first to
 * the last. */
static void make_histogram(const int64_t *day, const int64_t *cnt, int n,
                           struct search_result *res)
{
    int y, m, d;
    if (n == 0)
        return;

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

/* All the articles one FTS5 match (or, without one, the filters) gives, in
 * rowid order, each with its relevance when ranked.  One pass: the total,
 * the ranking and the facets and timeline all come from it. */
struct matches {
    int64_t *ids;
    double *score; /* NULL unless ranked */
    int64_t n, cap;
    int capped;    /* ranked, and only the newest (highest rowids) were */
};

static void matches_free(struct matches *m)
{
    free(m->ids);
    free(m->score);
    memset(m, 0, sizeof *m);
}

static void matches_add(struct matches *m, int64_t id, double score,
                        int ranked)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->ids = mg_realloc(m->ids, sizeof *m->ids * (size_t)m->cap);
        if (ranked)
            m->score = mg_realloc(m->score, sizeof *m->score * (size_t)m->cap);
    }
    m->ids[m->n] = id;
    if (ranked)
        m->score[m->n] = score;
    m->n++;
}

/* The proximity boost: a score is multiplied by 1 + PROX_BOOST / (1 +
 * slack / PROX_SCALE), where slack is how many more tokens than the
 * query's words the smallest window holding all of them takes (0 when
 * they stand side by side). */
#define PROX_BOOST 0.5
#define PROX_SCALE 8.0
/* at least this many of the best are examined for near-duplicates */
#define RANK_TOP 200
/* at most this many ranked candidates (1,000 pages of 100) */
#define SEARCH_MAX_RANKED 200000

/* A short body (fewer than SHORT_BODY tokens: a price table, a one-line
 * brief) scales the score by ((tokens + 1) / SHORT_BODY) ^ SHORT_EXP:
 * bm25 favours short texts, and a page of "NY COFFEE 10:30" tables is not
 * what a search for coffee wants.  Measured in docs/relevance.md. */
#define SHORT_BODY 60.0
#define SHORT_EXP 0.5

/* The relevance of the current row of a match pass: bm25, the proximity
 * boost, the short-body factor and, relaxed, the share of the query's
 * words (stop words aside) the article holds: bm25 alone lets a few rare
 * words outweigh most of the query, ordering by the share first lets
 * common words outweigh the rare ones (docs/relevance.md). */
static double row_score(sqlite3_stmt *st, int nmask)
{
    double b = sqlite3_column_double(st, 1);
    int win = sqlite3_column_int(st, 2), nph = sqlite3_column_int(st, 3);
    double len = sqlite3_column_double(st, 4);
    double sc = b;
    if (win > 0)
        sc *= 1.0 + PROX_BOOST / (1.0 + (win > nph ? win - nph : 0) /
                                            PROX_SCALE);
    if (len < SHORT_BODY)
        sc *= pow((len + 1.0) / SHORT_BODY, SHORT_EXP);
    if (nmask > 0)
        sc *= sqlite3_column_double(st, 5) / nmask;
    return sc;
}

/* Appends the FROM and WHERE of a search for fts (NULL: the filters
 * alone) with its filters; returns the column of the article ids. */
static const char *add_from(struct searcher *s, struct buf *sql,
                            const char *fts, int nf, const struct where *w)
{
    const char *idcol = fts ? "fts.rowid" : "a.id";
    if (!fts)
        buf_adds(sql, " FROM articles a WHERE 1");
    else if (nf > 0 || w->n > 0 || w->since || w->until)
        /* the articles only when a filter needs them */
        buf_printf(sql,
                   " FROM fts JOIN articles a%s ON a.id = fts.rowid"
                   " WHERE fts MATCH :q",
                   s->meta);
    else
        buf_adds(sql, " FROM fts WHERE fts MATCH :q");
    add_filters(sql, idcol, nf);
    add_where(sql, w);
    return idcol;
}

/* The number of articles a search for fts (NULL: the filters alone)
 * matches, without reading or scoring them. */
static int count_all(struct searcher *s, const char *fts,
                     const struct qfilter *f, int nf, char **keys,
                     const struct where *w, int64_t *n, struct mg_err *err)
{
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    buf_adds(&sql, "SELECT count(*)");
    add_from(s, &sql, fts, nf, w);
    int rc = prepare_all(s, &sql, fts, f, nf, keys, w, &st, err);
    if (rc == 0) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *n = sqlite3_column_int64(st, 0);
        else
            rc = db_fail(s, err);
    }
    sqlite3_finalize(st);
    buf_free(&sql);
    return rc;
}

/* Runs one match pass of fts (NULL: the filters alone) into m, the ids
 * in rowid order; ranked, each article's relevance too (relaxed: with the
 * share of the words of mask), and with cap > 0 only the newest cap are
 * read and scored (m->capped says when there were more). */
static int match_pass(struct searcher *s, const char *fts, int ranked,
                      int relaxed, int64_t mask, int64_t cap,
                      const struct qfilter *f, int nf, char **keys,
                      const struct where *w, struct matches *m,
                      struct mg_err *err)
{
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    int nmask = relaxed ? __builtin_popcountll((unsigned long long)mask) : 0;
    if (relaxed && nmask == 0)
        nmask = 1;
    ranked = ranked && fts;
    memset(m, 0, sizeof *m);
    buf_adds(&sql, fts ? "SELECT fts.rowid" : "SELECT a.id");
    if (ranked)
        buf_printf(&sql,
                   ", -%s, morgue_window(fts), morgue_matched(fts, -1),"
                   " morgue_length(fts, 2)",
                   s->bm25);
    if (ranked && relaxed)
        buf_printf(&sql, ", morgue_matched(fts, %lld)", (long long)mask);
    add_from(s, &sql, fts, nf, w);
    if (ranked && cap > 0)
        buf_printf(&sql, " ORDER BY fts.rowid DESC LIMIT %lld",
                   (long long)cap);
    int rc = -1, step;
    if (prepare_all(s, &sql, fts, f, nf, keys, w, &st, err) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        matches_add(m, sqlite3_column_int64(st, 0),
                    ranked ? row_score(st, nmask) : 0.0, ranked);
    if (step != SQLITE_DONE) {
        db_fail(s, err);
        goto out;
    }
    m->capped = ranked && cap > 0 && m->n >= cap;
    rc = 0;
out:
    sqlite3_finalize(st);
    buf_free(&sql);
    if (rc < 0)
        matches_free(m);
    return rc;
}

/* A ranked candidate. */
struct cand {
    int64_t id;
    double score;
    uint64_t sh;
    int similar;
};

/* Whether candidate a goes before b: the higher score, then the lower
 * rowid (the order of the archive). */
static int cand_before(double sa, int64_t ia, double sb, int64_t ib)
{
    return sa > sb || (sa == sb && ia < ib);
}

static int cand_cmp(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    return cand_before(a->score, a->id, b->score, b->id)   ? -1
           : cand_before(b->score, b->id, a->score, a->id) ? 1
                                                           : 0;
}

/* The best k of m by score, best first, into c (room for k): a heap of
 * the k best so far, one pass over m.  Returns how many (min(k, n)). */
static int best_k(const struct matches *m, int k, struct cand *c)
{
    if (k <= 0)
        return 0;
    int64_t *h = mg_malloc(sizeof *h * (size_t)k); /* indexes into m */
    int n = 0;
#define WORSE(i, j)                                                          \
    cand_before(m->score[h[j]], m->ids[h[j]], m->score[h[i]], m->ids[h[i]])
    for (int64_t x = 0; x < m->n; x++) {
        int i;
        if (n < k) { /* sift up: the root is the worst kept */
            h[i = n++] = x;
            while (i > 0 && WORSE(i, (i - 1) / 2)) {
                int64_t t = h[i];
                h[i] = h[(i - 1) / 2];
                h[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
            continue;
        }
        if (!cand_before(m->score[x], m->ids[x], m->score[h[0]],
                         m->ids[h[0]]))
            continue;
        h[i = 0] = x; /* replace the worst and sift down */
        for (;;) {
            int l = 2 * i + 1, r = l + 1, w = i;
            if (l < n && WORSE(l, w))
                w = l;
            if (r < n && WORSE(r, w))
                w = r;
            if (w == i)
                break;
            int64_t t = h[i];
            h[i] = h[w];
            h[w] = t;
            i = w;
        }
    }
#undef WORSE
    for (int i = 0; i < n; i++)
        c[i] = (struct cand){m->ids[h[i]], m->score[h[i]], 0, 0};
    free(h);
    qsort(c, (size_t)n, sizeof *c, cand_cmp);
    return n;
}

/* Prepares a statement kept for the searcher's life (NULL until first
 * used), reset and with its bindings cleared. */
static sqlite3_stmt *kept(struct searcher *s, sqlite3_stmt **slot,
                          const char *sql, struct mg_err *err)
{
    if (!*slot && sqlite3_prepare_v3(store_db(s->store), sql, -1,
                                     SQLITE_PREPARE_PERSISTENT, slot,
                                     NULL) != SQLITE_OK) {
        db_fail(s, err);
        return NULL;
    }
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

/* kept() for "SELECT cols FROM articles WHERE id = ?1", through the
 * articles_meta index where the index has it. */
static sqlite3_stmt *kept_meta(struct searcher *s, sqlite3_stmt **slot,
                               const char *cols, struct mg_err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM articles%s WHERE id = ?1",
             cols, s->meta);
    return kept(s, slot, sql, err);
}

/* Appends the hits with these rowids (and scores, near-duplicate counts:
 * similar may be NULL), each with its snippet for the FTS5 expression fts:
 * snippets are made for the page only, never for every match. */
static int read_page(struct searcher *s, const char *fts, const int64_t *ids,
                     const double *scores, const int *similar, int n,
                     struct search_result *res, struct mg_err *err)
{
    sqlite3_stmt *st = kept(s, &s->page,
                            "SELECT a.uid, a.title, a.date, a.source, a.path,"
                            " a.url, 0, morgue_snippet(fts) FROM fts JOIN"
                            " articles a ON a.id = fts.rowid WHERE fts MATCH"
                            " ?1 AND fts.rowid = ?2",
                            err);
    if (!st)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ids[i]);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            read_hit(st, res, scores[i]);
            res->hits[res->nhits - 1].similar = similar ? similar[i] : 0;
        } else if (step != SQLITE_DONE) {
            rc = db_fail(s, err);
        }
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    return rc;
}

/* The page of hits by relevance from the ranked matches m.  The best
 * max(RANK_TOP, offset + limit) are read with their dates and
 * fingerprints; with fresh > 0 (a half-life in days) re-scored by
 * recency: an article as new as the newest in the index counts twice, one
 * fresh days older 1.5 times.  A near-duplicate of a better one is folded
 * under it ("+3 similar") unless collapse is off; when folding leaves
 * fewer than offset + limit, the best twice as many are taken, and so on.
 * Then each hit of the page is read with its snippet. */
static int rank_hits(struct searcher *s, const char *fts,
                     const struct matches *m, struct search_result *res,
                     int limit, int offset, double fresh, int no_collapse,
                     struct mg_err *err)
{
    int64_t want = (int64_t)offset + limit;
    int top = want > RANK_TOP ? (int)want : RANK_TOP;
    double newest = 0;
    if (fresh > 0) {
        sqlite3_stmt *st = kept(s, &s->newest,
                                "SELECT julianday(max(date)) FROM articles",
                                err);
        if (!st)
            return -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            newest = sqlite3_column_double(st, 0);
        sqlite3_reset(st);
    }
    struct cand *c = NULL;
    int n;
    for (;;) {
        if (top > m->n)
            top = (int)m->n;
        free(c);
        c = mg_malloc(sizeof *c * (size_t)(top > 0 ? top : 1));
        int got = best_k(m, top, c);
        if (fresh > 0 || !no_collapse) {
            sqlite3_stmt *st = kept_meta(s, &s->meta_rank,
                                         "simhash, julianday(date)", err);
            if (!st) {
                free(c);
                return -1;
            }
            for (int i = 0; i < got; i++) {
                sqlite3_bind_int64(st, 1, c[i].id);
                if (sqlite3_step(st) == SQLITE_ROW) {
                    c[i].sh = (uint64_t)sqlite3_column_int64(st, 0);
                    if (fresh > 0 && newest > 0 &&
                        sqlite3_column_type(st, 1) != SQLITE_NULL) {
                        double age = newest - sqlite3_column_double(st, 1);
                        c[i].score *= 1.0 + pow(0.5, (age > 0 ? age : 0) /
                                                         fresh);
                    }
                }
                sqlite3_reset(st);
            }
            if (fresh > 0)
                qsort(c, (size_t)got, sizeof *c, cand_cmp);
        }
        n = 0;
        res->collapsed = 0;
        for (int i = 0; i < got; i++) {
            int under = -1;
            for (int k = 0; k < n && !no_collapse && c[i].sh; k++)
                if (c[k].sh && fp_distance(c[k].sh, c[i].sh) <= FP_NEAR) {
                    under = k;
                    break;
                }
            if (under >= 0) {
                c[under].similar++;
                res->collapsed++;
            } else {
                c[n++] = c[i];
            }
        }
        if (n >= want || got == m->n || top >= SEARCH_MAX_RANKED)
            break;
        top = top * 2 < SEARCH_MAX_RANKED ? top * 2 : SEARCH_MAX_RANKED;
    }
    int64_t ids[SEARCH_MAX_LIMIT];
    double scores[SEARCH_MAX_LIMIT];
    int similar[SEARCH_MAX_LIMIT], npage = 0;
    for (int k = offset; k < n && npage < limit; k++) {
        ids[npage] = c[k].id;
        scores[npage] = c[k].score;
        similar[npage++] = c[k].similar;
    }
    free(c);
    return read_page(s, fts, ids, scores, similar, npage, res, err);
}

/* int64 -> count, open addressing (keys > 0). */
struct counts {
    int64_t *key, *val;
    size_t cap, n;
};

static void counts_add(struct counts *c, int64_t k)
{
    if (2 * (c->n + 1) > c->cap) {
        struct counts g = {0};
        g.cap = c->cap ? c->cap * 2 : 1024;
        g.key = mg_calloc(g.cap, sizeof *g.key);
        g.val = mg_calloc(g.cap, sizeof *g.val);
        for (size_t i = 0; i < c->cap; i++)
            if (c->key[i]) {
                size_t j = (uint64_t)c->key[i] * 0x9E3779B97F4A7C15u &
                           (g.cap - 1);
                while (g.key[j])
                    j = (j + 1) & (g.cap - 1);
                g.key[j] = c->key[i];
                g.val[j] = c->val[i];
            }
        g.n = c->n;
        free(c->key);
        free(c->val);
        *c = g;
    }
    size_t j = (uint64_t)k * 0x9E3779B97F4A7C15u & (c->cap - 1);
    while (c->key[j] && c->key[j] != k)
        j = (j + 1) & (c->cap - 1);
    if (!c->key[j]) {
        c->key[j] = k;
        c->n++;
    }
    c->val[j]++;
}

struct kc {
    int64_t key, count;
    char *name;
    int kind;
};

static int kc_by_count(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Most articles first, then by name. */
static int kc_by_name(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* By kind, then as kc_by_name. */
static int kc_by_kind(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    return a->kind != b->kind ? a->kind - b->kind : kc_by_name(x, y);
}

static int64_t scaled(int64_t c, double scale)
{
    int64_t v = (int64_t)llround((double)c * scale);
    return v > 0 || c == 0 ? v : 1;
}

static void add_facet(struct search_facet **fs, int *n, int kind, char *name,
                      int64_t count)
{
    *fs = mg_realloc(*fs, sizeof **fs * (size_t)(*n + 1));
    (*fs)[(*n)++] = (struct search_facet){(enum ent_kind)kind, name, count};
}

/* The top SEARCH_FACETS people, places and organisations among the
 * counted entities, counts scaled. */
static int top_entities(struct searcher *s, const struct counts *ec,
                        double scale, struct search_result *res,
                        struct mg_err *err)
{
    static const char *const KINDS[] = {"person", "place", "org"};
    struct kc *all = mg_malloc(sizeof *all * (ec->n ? ec->n : 1));
    size_t n = 0, kept_n = 0;
    for (size_t i = 0; i < ec->cap; i++)
        if (ec->key[i])
            all[n++] = (struct kc){ec->key[i], ec->val[i], NULL, -1};
    qsort(all, n, sizeof *all, kc_by_count);
    sqlite3_stmt *st = kept(s, &s->entity_name,
                            "SELECT kind, canonical FROM entities"
                            " WHERE id = ?1",
                            err);
    int have[3] = {0, 0, 0};
    int64_t floor_[3] = {0, 0, 0}; /* the SEARCH_FACETS-th count of a kind */
    int rc = st ? 0 : -1;
    /* Walk down the counts until every kind has its SEARCH_FACETS and no
     * later entity can tie with them. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        int full = 1;
        for (int k = 0; k < 3; k++)
            full &= have[k] >= SEARCH_FACETS && all[i].count < floor_[k];
        if (full)
            break;
        sqlite3_bind_int64(st, 1, all[i].key);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            const char *kind = (const char *)sqlite3_column_text(st, 0);
            int k = 0;
            while (k < 3 && strcmp(kind ? kind : "", KINDS[k]) != 0)
                k++;
            if (k < 3 && (have[k] < SEARCH_FACETS ||
                          all[i].count >= floor_[k])) {
                if (++have[k] == SEARCH_FACETS)
                    floor_[k] = all[i].count;
                all[kept_n] = all[i];
                all[kept_n].kind = k;
                all[kept_n++].name = col(st, 1);
            }
        } else if (step != SQLITE_DONE) {
            rc = db_fail(s, err);
        }
        sqlite3_reset(st);
    }
    qsort(all, kept_n, sizeof *all, kc_by_kind);
    int per[3] = {0, 0, 0};
    for (size_t i = 0; i < kept_n; i++) {
        static const enum ent_kind EK[] = {ENT_PERSON, ENT_PLACE, ENT_ORG};
        if (rc == 0 && per[all[i].kind]++ < SEARCH_FACETS)
            add_facet(&res->facets, &res->nfacets, (int)EK[all[i].kind],
                      all[i].name, scaled(all[i].count, scale));
        else
            free(all[i].name);
    }
    free(all);
    return rc;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* The facets (entities and sources) and the date histogram of the n
 * articles ids, in one pass, each count multiplied by scale (the
 * articles each one stands for). */
static int count_facets(struct searcher *s, const int64_t *ids, int64_t n,
                        double scale, int facets, int histogram,
                        struct search_result *res, struct mg_err *err)
{
    sqlite3_stmt *meta = kept_meta(s, &s->meta_facets, "date, source", err);
    sqlite3_stmt *ents =
        facets ? kept(s, &s->entity_ids,
                      "SELECT entity_id FROM article_entities"
                      " WHERE article_id = ?1",
                      err)
               : NULL;
    if (!meta || (facets && !ents))
        return -1;
    struct counts ec = {0};
    struct strmap sc = {0};
    int64_t *days = NULL, nd = 0, undated = 0;
    if (histogram)
        days = mg_malloc(sizeof *days * (size_t)(n ? n : 1));
    int rc = 0, step;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_int64(meta, 1, ids[i]);
        if ((step = sqlite3_step(meta)) == SQLITE_ROW) {
            int y, mo, d;
            const char *date = (const char *)sqlite3_column_text(meta, 0);
            if (histogram && date && read_day(date, &y, &mo, &d))
                days[nd++] = days_from_civil(y, mo, d);
            else if (histogram)
                undated++;
            const char *src = (const char *)sqlite3_column_text(meta, 1);
            if (facets && src && *src)
                ++*strmap_slot(&sc, src, 1);
        } else if (step != SQLITE_DONE) {
            rc = db_fail(s, err);
        }
        sqlite3_reset(meta);
        if (!facets || rc < 0)
            continue;
        sqlite3_bind_int64(ents, 1, ids[i]);
        while ((step = sqlite3_step(ents)) == SQLITE_ROW)
            counts_add(&ec, sqlite3_column_int64(ents, 0));
        if (step != SQLITE_DONE)
            rc = db_fail(s, err);
        sqlite3_reset(ents);
    }
    if (rc == 0 && facets) {
        rc = top_entities(s, &ec, scale, res, err);
        struct kc *src = mg_malloc(sizeof *src * (sc.n ? sc.n : 1));
        size_t k = 0;
        for (size_t i = 0; i < sc.cap; i++)
            if (sc.keys && sc.keys[i])
                /* strmap values start at -1 */
                src[k++] = (struct kc){0, sc.vals[i] + 1, sc.keys[i], 0};
        qsort(src, k, sizeof *src, kc_by_name);
        for (size_t i = 0; i < k && i < SEARCH_FACETS; i++)
            add_facet(&res->sources, &res->nsources, 0,
                      mg_strdup(src[i].name), scaled(src[i].count, scale));
        free(src);
    }
    if (rc == 0 && histogram) {
        qsort(days, (size_t)nd, sizeof *days, cmp_i64);
        int64_t *cnt = mg_malloc(sizeof *cnt * (size_t)(nd ? nd : 1));
        int64_t nu = 0; /* days in place become the distinct days */
        for (int64_t i = 0; i < nd; i++) {
            if (nu > 0 && days[nu - 1] == days[i]) {
                cnt[nu - 1]++;
            } else {
                days[nu] = days[i];
                cnt[nu++] = 1;
            }
        }
        for (int64_t i = 0; i < nu; i++)
            cnt[i] = scaled(cnt[i], scale);
        res->undated = scaled(undated, scale);
        make_histogram(days, cnt, (int)nu, res);
        free(cnt);
    }
    free(days);
    free(ec.key);
    free(ec.val);
    strmap_free(&sc);
    return rc;
}

/* Whether the index says its rowids are in publication order
 * (store_date_order_check), read in the search's transaction: a nightly
 * run clears it while it writes. */
static int date_ordered(struct searcher *s)
{
    if (s->no_date_order)
        return 0;
    struct mg_err err = {""};
    sqlite3_stmt *st = kept(s, &s->date_order,
                            "SELECT value FROM meta WHERE key = 'date_order'",
                            &err);
    int yes = st && sqlite3_step(st) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(st, 0), "1") == 0;
    if (st)
        sqlite3_reset(st);
    return yes;
}

/* The facets and the timeline of a search's matches m (when m holds only
 * the newest, every id is read first): over all of them up to
 * facet_exact, else over an even sample of that many (every
 * n/facet_exact-th in rowid order, the order of the archive), each
 * standing for n/facet_exact articles; res->sample says so. */
static int search_facets(struct searcher *s, const char *fts,
                         const struct qfilter *f, int nf, char **keys,
                         const struct where *w, const struct matches *m,
                         int facets, int histogram, struct search_result *res,
                         struct mg_err *err)
{
    struct matches all = {0};
    if (m->capped) {
        if (match_pass(s, fts, 0, 0, -1, 0, f, nf, keys, w, &all, err) < 0)
            return -1;
        m = &all;
    }
    int64_t n = m->n, ns = n > s->facet_exact ? s->facet_exact : n;
    int64_t *ids = mg_malloc(sizeof *ids * (size_t)(ns ? ns : 1));
    double step = ns ? (double)n / (double)ns : 1.0;
    for (int64_t i = 0; i < ns; i++)
        ids[i] = m->ids[ns < n ? (int64_t)((double)i * step) : i];
    if (ns < n)
        res->sample = ns;
    int rc = count_facets(s, ids, ns, step, facets, histogram, res, err);
    free(ids);
    matches_free(&all);
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
    int rc = -1;
    sqlite3_stmt *st = NULL;
    struct buf sql = {0};
    struct matches m = {0};

    enum search_sort sort = o->sort;
    if (sort == SEARCH_SORT_DEFAULT)
        sort = res->fts ? SEARCH_SORT_RELEVANCE : SEARCH_SORT_NEWEST;
    if (!res->fts && sort == SEARCH_SORT_RELEVANCE)
        sort = SEARCH_SORT_NEWEST;
    int ranked = res->fts && sort == SEARCH_SORT_RELEVANCE && !o->count_only;
    /* One read transaction for the whole search: one snapshot of an index
     * being rewritten, and no lock taken and dropped per statement (the
     * facets read thousands of rows one statement at a time). */
    sqlite3 *db = store_db(s->store);
    int own_txn = sqlite3_get_autocommit(db) &&
                  sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    /* The total alone reads no article.  A ranked search scores the
     * newest rank_cap matches at most (the rest are counted), and facets
     * and the timeline need every matching id. */
    int64_t cap = ranked ? s->rank_cap : 0;
    int need_ids = ranked || o->facets || o->histogram;
    if (o->count_only || !need_ids) {
        if (count_all(s, res->fts, f, nf, keys, &w, &res->total, err) < 0)
            goto done;
    } else {
        if (match_pass(s, res->fts, ranked, 0, -1, cap, f, nf, keys, &w, &m,
                       err) < 0)
            goto done;
        res->total = m.n;
        if (m.capped &&
            count_all(s, res->fts, f, nf, keys, &w, &res->total, err) < 0)
            goto done;
    }
    /* Too few articles have all the words of a plain query (a pasted
     * headline, a question): take those with most of them instead. */
    if (res->fts && q.simple && !o->strict && res->total < limit) {
        int64_t mask = -1, n = 0;
        char *relaxed = relaxed_fts(&q, &mask);
        struct matches r = {0};
        int bad = 0;
        if (o->count_only || !need_ids) {
            bad = count_all(s, relaxed, f, nf, keys, &w, &n, err) < 0;
        } else {
            bad = match_pass(s, relaxed, ranked, 1, mask, cap, f, nf, keys,
                             &w, &r, err) < 0;
            n = r.n;
            if (!bad && r.capped)
                bad = count_all(s, relaxed, f, nf, keys, &w, &n, err) < 0;
        }
        if (bad) {
            free(relaxed);
            matches_free(&r);
            goto done;
        }
        if (n > res->total) {
            res->relaxed = 1;
            res->strict_total = res->total;
            res->total = n;
            free(res->fts);
            res->fts = relaxed;
            matches_free(&m);
            m = r;
        } else {
            free(relaxed);
            matches_free(&r);
        }
    }
    const char *fts = res->fts;
    if (o->count_only) {
        rc = 0;
        goto done;
    }
    if (m.capped)
        res->ranked = m.n;

    if (ranked) {
        if (rank_hits(s, fts, &m, res, limit, offset, o->fresh,
                      o->no_collapse, err) < 0)
            goto done;
    } else {
        /* Newest or oldest first.  When the rowids are in publication
         * order (date_order), the same order is FTS5's own rowid order
         * and the scan stops after the page; else the page is sorted by
         * the dates in the articles_meta index. */
        if (fts && date_ordered(s)) {
            buf_printf(&sql, "SELECT fts.rowid, -%s", s->bm25);
            add_from(s, &sql, fts, nf, &w);
            buf_printf(&sql, " ORDER BY fts.rowid %s",
                       sort == SEARCH_SORT_OLDEST ? "ASC" : "DESC");
        } else {
            if (fts)
                buf_printf(&sql,
                           "SELECT a.id, -%s FROM fts JOIN articles a%s"
                           " ON a.id = fts.rowid WHERE fts MATCH :q",
                           s->bm25, s->meta);
            else
                buf_adds(&sql, "SELECT a.uid, a.title, a.date, a.source,"
                               " a.path, a.url, 0.0, a.lede FROM articles a"
                               " WHERE 1");
            add_filters(&sql, "a.id", nf);
            add_where(&sql, &w);
            if (sort == SEARCH_SORT_OLDEST)
                buf_adds(&sql,
                         " ORDER BY a.date IS NULL, a.date ASC, a.id ASC");
            else
                buf_adds(&sql,
                         " ORDER BY a.date IS NULL, a.date DESC, a.id DESC");
        }
        buf_adds(&sql, " LIMIT :limit OFFSET :offset");
        if (prepare_all(s, &sql, fts, f, nf, keys, &w, &st, err) < 0)
            goto done;
        sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"),
                         limit);
        sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":offset"),
                         offset);
        int step;
        if (fts) { /* the page's rowids by date, then their snippets */
            int64_t ids[SEARCH_MAX_LIMIT];
            double scores[SEARCH_MAX_LIMIT];
            int n = 0;
            while ((step = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
                ids[n] = sqlite3_column_int64(st, 0);
                scores[n++] = sqlite3_column_double(st, 1);
            }
            if (step != SQLITE_ROW && step != SQLITE_DONE) {
                db_fail(s, err);
                goto done;
            }
            sqlite3_finalize(st);
            st = NULL;
            if (read_page(s, fts, ids, scores, NULL, n, res, err) < 0)
                goto done;
        } else {
            while ((step = sqlite3_step(st)) == SQLITE_ROW)
                read_hit(st, res, sqlite3_column_double(st, 6));
            if (step != SQLITE_DONE) {
                db_fail(s, err);
                goto done;
            }
        }
    }
    if ((o->facets || o->histogram) &&
        search_facets(s, fts, f, nf, keys, &w, &m, o->facets, o->histogram,
                      res, err) < 0)
        goto done;
    rc = 0;
done:
    sqlite3_finalize(st);
    if (own_txn)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    buf_free(&sql);
    matches_free(&m);
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
