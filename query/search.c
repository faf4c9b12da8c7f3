/*
 * search.c - one search: counted, ranked exactly (rank.c), near-duplicates
 * folded, the page read with snippets, facets and a timeline.
 */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fingerprint.h"
#include "plan.h"
#include "qparse.h"
#include "rank.h"
#include "search_sql.h"
#include "snippet.h"
#include "strmap.h"
#include "tokenizer.h"

struct searcher {
    struct store *store;
    struct sq *sq; /* the raw reader's statements (search_sql.h) */
    struct tok *tok;
    double weights[SEARCH_NWEIGHTS];
    int custom_weights;  /* not SEARCH_WEIGHTS: no bounds */
    int64_t facet_exact; /* SEARCH_FACET_EXACT unless set */
    int no_date_order;   /* never use date_order (tests, experiments) */
};

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
    s->sq = sq_new(st);
    if (rank_register(st, err) < 0) {
        searcher_free(s);
        return -1;
    }
    searcher_set_weights(s, NULL);
    s->facet_exact = SEARCH_FACET_EXACT;
    store_set_deadline(st, 0);
    *out = s;
    return 0;
}

void searcher_set_weights(struct searcher *s, const double *w)
{
    /* any other bits (even -0.0) count as other weights: scored in full */
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
    int other = w && memcmp(w, SEARCH_WEIGHTS, sizeof s->weights) != 0;
    s->custom_weights = other;
    memcpy(s->weights, w ? w : SEARCH_WEIGHTS, sizeof s->weights);
}

void searcher_set_facet_exact(struct searcher *s, int64_t n)
{
    s->facet_exact = n > 0 ? n : SEARCH_FACET_EXACT;
}

void searcher_use_date_order(struct searcher *s, int use)
{
    s->no_date_order = !use;
}

void searcher_set_deadline(struct searcher *s, double deadline)
{
    store_set_deadline(s->store, deadline);
    store_clear_timeout(s->store);
}

int searcher_timed_out(const struct searcher *s)
{
    return store_timed_out(s->store);
}

void searcher_free(struct searcher *s)
{
    if (!s)
        return;
    sq_free(s->sq);
    tok_free(s->tok);
    free(s);
}

static char *dup_or_null(const char *t)
{
    return t ? mg_strdup(t) : NULL;
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
                    h->spans = mg_realloc(
                        h->spans,
                        sizeof *h->spans * (size_t)(cap = cap ? cap * 2 : 8));
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

/* store_name_fn: a (kind, name, count) row into res->facets. */
static void add_name_row(void *ctx, const char *kind, const char *name,
                         int64_t count)
{
    struct search_result *res = ctx;
    res->facets = mg_realloc(res->facets,
                             sizeof *res->facets * (size_t)(res->nfacets + 1));
    struct search_facet *fc = &res->facets[res->nfacets++];
    const char *k = kind ? kind : "";
    fc->kind = strcmp(k, "person") == 0  ? ENT_PERSON
               : strcmp(k, "place") == 0 ? ENT_PLACE
                                         : ENT_ORG;
    fc->name = dup_or_null(name);
    fc->count = count;
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
    return u == SEARCH_UNIT_DAY     ? "day"
           : u == SEARCH_UNIT_MONTH ? "month"
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
            snprintf(k->date, sizeof k->date, "%04d-%02d", (int)(y0 + mm / 12),
                     (int)(mm % 12 + 1));
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

static void add_column(struct sq_where *w, const char *column, const char *v)
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
                      struct sq_where *w, struct mg_err *err)
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

static void where_free(struct sq_where *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->vals[i]);
    free(w->since);
    free(w->until);
    free(w->neg);
}

/* Appends a hit with this score; the caller gives it a snippet. */
static struct search_hit *add_hit(const struct store_hit_row *row,
                                  struct search_result *res, double score)
{
    res->hits =
        mg_realloc(res->hits, sizeof *res->hits * (size_t)(res->nhits + 1));
    struct search_hit *h = &res->hits[res->nhits++];
    memset(h, 0, sizeof *h);
    h->id = dup_or_null(row->uid);
    h->title = dup_or_null(row->title);
    h->date = dup_or_null(row->date);
    h->source = dup_or_null(row->source);
    h->path = dup_or_null(row->path);
    h->url = dup_or_null(row->url);
    h->score = score;
    return h;
}

/* store_hit_fn: a hit scored by its row's value, its lede for snippet. */
static void read_hit(void *ctx, const struct store_hit_row *row)
{
    struct search_result *res = ctx;
    struct search_hit *h = add_hit(row, res, row->value);
    split_snippet(row->lede ? row->lede : "", h);
}

/* ... scored by the negated value (a distance: the nearest first). */
static void read_near(void *ctx, const struct store_hit_row *row)
{
    struct search_result *res = ctx;
    struct search_hit *h = add_hit(row, res, 0.0 - row->value);
    split_snippet(row->lede ? row->lede : "", h);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* How far apart (rowids) two hits of a page may be and still be read in
 * one statement: a statement costs a seek per phrase (about 0.03 ms +
 * 0.008 ms a phrase), and each article between them that the expression
 * matches about 0.05 us a phrase (its snippet is not made; measured on
 * the 500,000-article bench index in one segment, as morgue-index leaves
 * a first run).  A relaxed search's expression holds its stop words,
 * which match nearly every article: its hits are read one by one. */
static int64_t page_gap(int nphrase, double density)
{
    double stmt_ms = 0.03 + 0.008 * nphrase;
    double row_ms = 0.00005 * (nphrase > 0 ? nphrase : 1) *
                    (density > 1e-6 ? density : 1e-6);
    return (int64_t)(stmt_ms / row_ms);
}

/* Appends the hits with these rowids (and scores, near-duplicate counts:
 * similar may be NULL), each with its snippet for the FTS5 expression fts
 * (of nphrase phrases, matching about density of the articles):
 * snippets are made for the page only, never for every match.  The page's
 * articles close together are read in one pass over their rowids
 * (page_gap), the others one by one. */
static int read_page(struct searcher *s, const char *fts, int nphrase,
                     double density, const int64_t *ids, const double *scores,
                     const int *similar, int n, struct search_result *res,
                     struct mg_err *err)
{
    if (n <= 0)
        return 0;
    int64_t *sorted = mg_malloc(sizeof *sorted * (size_t)n);
    memcpy(sorted, ids, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_i64);
    char **text = mg_calloc((size_t)n, sizeof *text); /* by sorted */
    int rc = sq_snippets(s->sq, fts, page_gap(nphrase, density), sorted, n,
                         text, err);
    for (int i = 0; i < n && rc == 0; i++) {
        struct store_hit_row row;
        int found = store_article_hit(s->store, ids[i], &row, err);
        if (found > 0) {
            int64_t *at =
                bsearch(&ids[i], sorted, (size_t)n, sizeof *ids, cmp_i64);
            struct search_hit *h = add_hit(&row, res, scores[i]);
            h->similar = similar ? similar[i] : 0;
            const char *t = at ? text[at - sorted] : NULL;
            split_snippet(t ? t : "", h);
        } else if (found < 0) {
            rc = -1;
        }
    }
    for (int i = 0; i < n; i++)
        free(text[i]);
    free(text);
    free(sorted);
    return rc;
}

/* int64 -> weight and count, open addressing (keys > 0). */
struct counts {
    int64_t *key, *val, *cnt; /* val: weights summed; cnt: articles */
    size_t cap, n;
};

/* The slot of key k in c (empty when k is not in it). */
static size_t counts_slot(const struct counts *c, int64_t k)
{
    size_t j = (uint64_t)k * 0x9E3779B97F4A7C15u & (c->cap - 1);
    while (c->key[j] && c->key[j] != k)
        j = (j + 1) & (c->cap - 1);
    return j;
}

/* c with twice the room (1024 slots at first). */
static void counts_grow(struct counts *c)
{
    struct counts g = {0};
    g.cap = c->cap ? c->cap * 2 : 1024;
    g.key = mg_calloc(g.cap, sizeof *g.key);
    g.val = mg_calloc(g.cap, sizeof *g.val);
    g.cnt = mg_calloc(g.cap, sizeof *g.cnt);
    for (size_t i = 0; i < c->cap; i++)
        if (c->key[i]) {
            size_t j = counts_slot(&g, c->key[i]);
            g.key[j] = c->key[i];
            g.val[j] = c->val[i];
            g.cnt[j] = c->cnt[i];
        }
    free(c->key);
    free(c->val);
    free(c->cnt);
    c->key = g.key;
    c->val = g.val;
    c->cnt = g.cnt;
    c->cap = g.cap;
}

static void counts_add(struct counts *c, int64_t k, int64_t w)
{
    if (2 * (c->n + 1) > c->cap)
        counts_grow(c);
    size_t j = counts_slot(c, k);
    if (!c->key[j]) {
        c->key[j] = k;
        c->n++;
    }
    c->val[j] += w;
    c->cnt[j]++;
}

struct kc {
    int64_t key, count; /* count: what orders them (weights summed) */
    char *name;
    int kind;
    int64_t n; /* articles */
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
            all[n++] =
                (struct kc){ec->key[i], ec->val[i], NULL, -1, ec->cnt[i]};
    qsort(all, n, sizeof *all, kc_by_count);
    int have[3] = {0, 0, 0};
    int64_t floor_[3] = {0, 0, 0}; /* the SEARCH_FACETS-th count of a kind */
    int rc = 0;
    /* Walk down the counts until every kind has its SEARCH_FACETS and no
     * later entity can tie with them. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        int full = 1;
        for (int k = 0; k < 3; k++)
            full &= have[k] >= SEARCH_FACETS && all[i].count < floor_[k];
        if (full)
            break;
        const char *kind, *name;
        int step = store_entity(s->store, all[i].key, &kind, &name, err);
        if (step > 0) {
            int k = 0;
            while (k < 3 && strcmp(kind ? kind : "", KINDS[k]) != 0)
                k++;
            if (k < 3 &&
                (have[k] < SEARCH_FACETS || all[i].count >= floor_[k])) {
                if (++have[k] == SEARCH_FACETS)
                    floor_[k] = all[i].count;
                all[kept_n] = all[i];
                all[kept_n].kind = k;
                all[kept_n++].name = dup_or_null(name);
            }
        } else if (step < 0) {
            rc = -1;
        }
    }
    qsort(all, kept_n, sizeof *all, kc_by_kind);
    int per[3] = {0, 0, 0};
    for (size_t i = 0; i < kept_n; i++) {
        static const enum ent_kind EK[] = {ENT_PERSON, ENT_PLACE, ENT_ORG};
        if (rc == 0 && per[all[i].kind]++ < SEARCH_FACETS)
            add_facet(&res->facets, &res->nfacets, (int)EK[all[i].kind],
                      all[i].name, scaled(all[i].n, scale));
        else
            free(all[i].name);
    }
    free(all);
    return rc;
}

/* store_id_fn: one entity of an article counted with its weight. */
struct count_one {
    struct counts *c;
    int64_t w;
};

static void count_entity(void *ctx, int64_t id)
{
    struct count_one *o = ctx;
    counts_add(o->c, id, o->w);
}

/* The facets (entities and sources) and the date histogram of the n
 * articles ids, in one pass, each count multiplied by scale (the
 * articles each one stands for).  With wt, the entities are ordered by
 * the sum of their articles' weights wt[i] (counts stay counts). */
static int count_facets(struct searcher *s, const int64_t *ids, int64_t n,
                        const int64_t *wt, double scale, int facets,
                        int histogram, struct search_result *res,
                        struct mg_err *err)
{
    struct counts ec = {0};
    struct strmap sc = {0};
    int64_t *days = NULL, nd = 0, undated = 0;
    if (histogram)
        days = mg_malloc(sizeof *days * (size_t)(n ? n : 1));
    int rc = 0, step;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        const char *date, *src;
        if ((step = store_article_facts(s->store, ids[i], &date, &src, err)) >
            0) {
            int y, mo, d;
            if (histogram && date && read_day(date, &y, &mo, &d))
                days[nd++] = days_from_civil(y, mo, d);
            else if (histogram)
                undated++;
            if (facets && src && *src)
                ++*strmap_slot(&sc, src, 1);
        } else if (step < 0) {
            rc = -1;
        }
        if (!facets || rc < 0)
            continue;
        struct count_one one = {&ec, wt ? wt[i] : 1};
        if (store_article_entity_ids(s->store, ids[i], count_entity, &one,
                                     err) < 0)
            rc = -1;
    }
    if (rc == 0 && facets) {
        rc = top_entities(s, &ec, scale, res, err);
        struct kc *src = mg_malloc(sizeof *src * (sc.n ? sc.n : 1));
        size_t k = 0;
        for (size_t i = 0; i < sc.cap; i++)
            if (sc.keys && sc.keys[i])
                /* strmap values start at -1 */
                src[k++] = (struct kc){0, sc.vals[i] + 1, sc.keys[i], 0,
                                       sc.vals[i] + 1};
        qsort(src, k, sizeof *src, kc_by_name);
        for (size_t i = 0; i < k && i < SEARCH_FACETS; i++)
            add_facet(&res->sources, &res->nsources, 0, mg_strdup(src[i].name),
                      scaled(src[i].count, scale));
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
    free(ec.cnt);
    strmap_free(&sc);
    return rc;
}

/* Whether the index says its rowids are in publication order
 * (store_date_order_end), read in the search's transaction: a nightly
 * run clears it while it writes. */
static int date_ordered(struct searcher *s)
{
    return !s->no_date_order && store_date_ordered(s->store);
}

/* Frees what a hit holds. */
static void search_hit_clear(struct search_hit *h)
{
    free(h->id);
    free(h->title);
    free(h->date);
    free(h->source);
    free(h->path);
    free(h->url);
    free(h->snippet);
    free(h->spans);
    memset(h, 0, sizeof *h);
}

/* ---- one search ---------------------------------------------------------- */

/* at most this many ranked candidates (1,000 pages of 100 and their
 * near-duplicates) */
#define SEARCH_MAX_RANKED 200000

/* A search under way: its parse, plan and filters. */
struct run {
    struct searcher *s;
    const struct search_opts *o;
    struct qparse_out q;
    struct plan plan;
    struct qparse_out wq; /* the query as a list of words (relaxed) */
    struct plan wplan;    /* ... resolved */
    struct plan *cur;     /* the plan ranked: plan, or wplan relaxed */
    struct sq_where w;
    struct qfilter f[2 * QPARSE_MAX_FILTERS];
    char *keys[2 * QPARSE_MAX_FILTERS];
    int nf;
    struct sq_filter fl; /* w, f, keys, for search_sql.h */
    struct rank_params prm;
};

/* rank_query.date: an article's date as a Julian day (0: none). */
static int rank_date(void *ctx, int64_t id, double *jd)
{
    struct run *r = ctx;
    struct mg_err err;
    return store_article_julian(r->s->store, id, jd, &err);
}

static void rank_query_init(struct run *r, int relaxed, struct rank_query *rq)
{
    struct searcher *s = r->s;
    memset(rq, 0, sizeof *rq);
    rq->store = s->store;
    rq->plan = r->cur;
    rq->filter = &r->fl;
    rq->pctx = r;
    rq->weights = s->custom_weights ? s->weights : NULL;
    rq->params = r->prm;
    rq->relaxed = relaxed;
    rq->exhaustive = r->o->exhaustive;
    rq->fresh = r->o->fresh;
    rq->date = rank_date;
}

/* The newest article's date as a Julian day (0: none). */
static int newest_date(struct searcher *s, double *jd, struct mg_err *err)
{
    return store_newest(s->store, jd, err);
}

/* The share of the articles holding any leaf of the plan (at most 1). */
static double leaf_density(const struct plan *p)
{
    double d = 0;
    for (int i = 0; i < p->nleaf; i++)
        d += (double)p->leaf[i].df;
    d = p->N > 0 ? d / p->N : 1;
    return d < 1 ? d : 1;
}

/* A ranked candidate and what folding needs. */
struct cand {
    int64_t id;
    double score;
    uint64_t sh;
    int similar;     /* folded under it among the first kb candidates */
    int similar_all; /* ... among all the candidates */
};

/* At most how many articles the strict (the count, when exact) or the
 * relaxed search (the leaves' counts added up) can match; -1: unknown. */
static int64_t match_bound(const struct run *r, int relaxed,
                           const struct search_result *res)
{
    if (!relaxed)
        return res->total_exact ? res->total : -1;
    const struct plan *p = r->cur;
    int64_t sum = 0;
    for (int u = 0; u < p->nunit; u++)
        for (int i = 0; p->unit[u].content && i < p->unit[u].nleaf; i++)
            sum += p->leaf[p->unit[u].leaf[i]].df;
    return sum;
}

/* The ranked candidates and their folds (rank_page). */
struct cands {
    struct cand *c;
    int *kix; /* the kept candidates, best first */
    int got, n, folded, folded_all;
};

static void cands_free(struct cands *x)
{
    free(x->c);
    free(x->kix);
}

/* The best k of rq into x->c (each with its fingerprint unless the
 * search does not fold): 0 or -1. */
static int rank_cands(struct run *r, const struct rank_query *rq, int64_t k,
                      struct search_result *res, struct cands *x,
                      struct mg_err *err)
{
    struct rank_hit *h = mg_malloc(sizeof *h * (size_t)k);
    x->got = 0;
    if (rank_top(rq, (int)k, h, &x->got, &res->rank, err) < 0) {
        free(h);
        return -1;
    }
    cands_free(x);
    x->c = mg_calloc((size_t)(x->got ? x->got : 1), sizeof *x->c);
    x->kix = mg_malloc(sizeof *x->kix * (size_t)(x->got ? x->got : 1));
    for (int i = 0; i < x->got; i++)
        x->c[i] = (struct cand){h[i].id, h[i].score, 0, 0, 0};
    free(h);
    if (r->o->no_collapse)
        return 0;
    for (int i = 0; i < x->got; i++)
        if (store_article_simhash(r->s->store, x->c[i].id, &x->c[i].sh, err) <
            0)
            return -1;
    return 0;
}

/* Folds each candidate under the first better one within FP_NEAR bits
 * (which are kept does not depend on how many candidates there are),
 * counting the folds among the first *kb and among all; *kb doubles
 * while the first *kb keep fewer than want.  Returns how many of the
 * first *kb are kept. */
static int fold_cands(struct cands *x, int64_t *kb, int64_t want,
                      int no_collapse)
{
    /* locals, not x's fields: the stores into c[] could alias those, and
     * the inner loop runs got x kept times */
    struct cand *c = x->c;
    int *kix = x->kix, got = x->got;
    int64_t k = *kb;
    for (;;) {
        int nb = 0, n = 0, folded = 0, folded_all = 0;
        for (int i = 0; i < got; i++) {
            c[i].similar = c[i].similar_all = 0;
            int under = -1;
            uint64_t sh = no_collapse ? 0 : c[i].sh;
            for (int j = 0; j < n && sh; j++) {
                uint64_t kept = c[kix[j]].sh;
                if (kept && fp_distance(kept, sh) <= FP_NEAR) {
                    under = kix[j];
                    break;
                }
            }
            if (under < 0) {
                kix[n++] = i;
                nb += i < k;
                continue;
            }
            c[under].similar_all++;
            folded_all++;
            if (i < k) {
                c[under].similar++;
                folded++;
            }
        }
        if (nb >= want || k >= got || k >= SEARCH_MAX_RANKED) {
            x->n = n;
            x->folded = folded;
            x->folded_all = folded_all;
            *kb = k;
            return nb;
        }
        k *= 2; /* the first kb keep too few */
    }
}

/* Reads the page (limit from offset) of the kept candidates with their
 * snippets; with top, the best *ntop kept ids too (caller frees). */
static int page_of_cands(struct run *r, const struct cands *x, int limit,
                         int offset, const struct plan_expr *snip,
                         struct search_result *res, int64_t **top, int *ntop,
                         struct mg_err *err)
{
    if (top) {
        int m = x->n < *ntop ? x->n : *ntop;
        *top = mg_malloc(sizeof **top * (size_t)(m ? m : 1));
        for (int i = 0; i < m; i++)
            (*top)[i] = x->c[x->kix[i]].id;
        *ntop = m;
    }
    int64_t ids[SEARCH_MAX_LIMIT];
    double scores[SEARCH_MAX_LIMIT];
    int similar[SEARCH_MAX_LIMIT], npage = 0;
    for (int64_t i = offset; i < x->n && npage < limit; i++) {
        const struct cand *h = &x->c[x->kix[i]];
        ids[npage] = h->id;
        scores[npage] = h->score;
        similar[npage++] = res->collapsed_exact ? h->similar_all : h->similar;
    }
    double t = mg_now();
    int rc = read_page(r->s, snip->text.s, snip->nphrase, leaf_density(r->cur),
                       ids, scores, similar, npage, res, err);
    res->ms_page += (mg_now() - t) * 1e3;
    return rc;
}

/* The page of hits by relevance: the best want = offset + limit articles
 * that are not near-duplicates of a better one (each folded under the
 * first better one within FP_NEAR bits, unless no_collapse), found by
 * ranking the best k and, when folding leaves fewer than want, twice as
 * many, and so on.  Then the page's hits are read with their snippets.
 * With top, the best *ntop (at least the asked *ntop, when there are as
 * many) unfolded candidates' ids also go to *top (caller frees), for the
 * facets of a relaxed search. */
static int rank_page(struct run *r, int relaxed, int limit, int offset,
                     const struct plan_expr *snip, struct search_result *res,
                     int64_t **top, int *ntop, struct mg_err *err)
{
    struct rank_query rq;
    rank_query_init(r, relaxed, &rq);
    if (r->o->fresh > 0 && newest_date(r->s, &rq.newest, err) < 0)
        return -1;
    int64_t want = (int64_t)offset + limit;
    /* The best kb candidates are examined: half as many again as the page
     * needs (at least 10 more), doubled while the folds leave too few.
     * When at most SEARCH_FOLD_ALL articles can match, all of them are
     * asked for, and when all came the counts of folds are exact. */
    int64_t kb = want + (want > 10 ? want / 2 : 10);
    int64_t most = match_bound(r, relaxed, res);
    struct cands x = {0};
    int64_t k = 0;
    for (;;) {
        if (kb > SEARCH_MAX_RANKED)
            kb = SEARCH_MAX_RANKED;
        k = kb;
        if (most >= 0 && most <= SEARCH_FOLD_ALL && k <= most)
            k = most + 1;
        if (top && k < *ntop)
            k = *ntop; /* the facets' too */
        if (rank_cands(r, &rq, k, res, &x, err) < 0) {
            cands_free(&x);
            return -1;
        }
        int nb = fold_cands(&x, &kb, want, r->o->no_collapse);
        if (nb >= want || x.got < k || k >= SEARCH_MAX_RANKED)
            break;
        if (kb <= x.got)
            kb *= 2;
    }
    /* every match came: every fold counted */
    res->collapsed_exact = x.got < k;
    res->collapsed = res->collapsed_exact ? x.folded_all : x.folded;
    int rc = page_of_cands(r, &x, limit, offset, snip, res, top, ntop, err);
    cands_free(&x);
    return rc;
}

/* All the article ids of fts with the filters, in rowid order, into
 * *ids (caller frees) and their number into *n. */
static int match_ids(struct run *r, const char *fts, int64_t **ids, int64_t *n,
                     struct mg_err *err)
{
    return sq_match_ids(r->s->sq, &r->fl, fts, ids, n, err);
}

/* Counts the articles of fts with the search's filters into *n: all of
 * them (exact set), or up to SEARCH_TOTAL_EXACT, past which *n is that
 * and *exact 0 (at least so many). */
static int count_matches(struct run *r, const char *fts, int all, int64_t *n,
                         int *exact, struct mg_err *err)
{
    int64_t upto = all ? 0 : SEARCH_TOTAL_EXACT + 1;
    if (sq_count(r->s->sq, &r->fl, fts, upto, n, err) < 0)
        return -1;
    *exact = !upto || *n < upto;
    if (!*exact)
        *n = SEARCH_TOTAL_EXACT;
    return 0;
}

/* The number of articles holding all the words: a one-word query with no
 * filter reads it from the word statistics when they describe every
 * article (no run in progress or killed since), else FTS5 counts. */
static int count_strict(struct run *r, const char *fts, int64_t *n, int *exact,
                        struct mg_err *err)
{
    *exact = 1;
    const struct plan *p = &r->plan;
    if (p->stats && !p->meta.dirty && p->nunit == 1 && p->nleaf == 1 &&
        p->unit[0].node->kind == QN_TERM && p->leaf[0].npos == 1 &&
        p->leaf[0].pos[0].nalt == 1 && p->leaf[0].col < 0 && !r->q.nneg &&
        r->nf == 0 && r->w.n == 0 && !r->w.since && !r->w.until) {
        int use = store_stats_cover(r->s->store, p->meta.rowid_max, err);
        if (use < 0)
            return -1;
        if (use) {
            const struct plan_alt *a = &p->leaf[0].pos[0].alt[0];
            const struct plan_key *k = &p->key[a->key];
            *n = a->cls ? k->cdf : k->df;
            return 0;
        }
    }
    return count_matches(r, fts, r->o->count_only || r->o->exact_total, n,
                         exact, err);
}

/* The facets and timeline of the n articles ids (an even sample of
 * facet_exact of them when more, scaled; res->sample says so). */
static int facets_of(struct run *r, const int64_t *all, int64_t n,
                     struct search_result *res, struct mg_err *err)
{
    struct searcher *s = r->s;
    int64_t ns = n > s->facet_exact ? s->facet_exact : n;
    int64_t *ids = mg_malloc(sizeof *ids * (size_t)(ns ? ns : 1));
    double step = ns ? (double)n / (double)ns : 1.0;
    for (int64_t i = 0; i < ns; i++)
        ids[i] = all[ns < n ? (int64_t)((double)i * step) : i];
    if (ns < n)
        res->sample = ns;
    int rc = count_facets(s, ids, ns, NULL, step, r->o->facets, r->o->histogram,
                          res, err);
    free(ids);
    return rc;
}

/* The facets and timeline of the best n relaxed hits, the entities
 * ordered by their hits' rank (a hit at rank i weighs 1/log2(i + 1)). */
static int facets_ranked(struct run *r, const int64_t *ids, int n,
                         struct search_result *res, struct mg_err *err)
{
    int64_t *wt = mg_malloc(sizeof *wt * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        wt[i] = (int64_t)llround(1e6 / log2(i + 2.0));
    res->facets_relaxed = 1;
    res->facets_hits = n;
    int rc = count_facets(r->s, ids, n, wt, 1.0, r->o->facets, r->o->histogram,
                          res, err);
    free(wt);
    return rc;
}

/* The page sorted by date: newest or oldest first. */
static int date_page(struct run *r, const char *fts,
                     const struct plan_expr *snip, enum search_sort sort,
                     int limit, int offset, struct search_result *res,
                     struct mg_err *err)
{
    struct searcher *s = r->s;
    int64_t ids[SEARCH_MAX_LIMIT];
    double scores[SEARCH_MAX_LIMIT] = {0};
    int n = 0;
    if (sq_date_page(s->sq, &r->fl, fts, fts && date_ordered(s),
                     sort == SEARCH_SORT_OLDEST, limit, offset, ids, &n,
                     read_hit, res, err) < 0)
        return -1;
    if (!fts) /* the filters alone: the page is read */
        return 0;
    return read_page(s, snip->text.s, snip->nphrase, leaf_density(r->cur), ids,
                     scores, NULL, n, res, err);
}

/* Frees the result's notes on the plan. */
static void plan_notes_free(struct search_result *res)
{
    for (int i = 0; i < res->ndropped; i++)
        free(res->dropped[i]);
    free(res->dropped);
    for (int i = 0; i < res->nnarrowed; i++)
        free(res->narrowed[i].prefix);
    free(res->narrowed);
}

/* Copies what the plan in use says of the query into the result. */
static void note_plan(const struct run *r, struct search_result *res)
{
    const struct plan *p = r->cur;
    plan_notes_free(res);
    res->dropped = NULL;
    res->narrowed = NULL;
    res->ndropped = res->nnarrowed = 0;
    res->flat = r->q.flat;
    res->caps = r->q.caps;
    if (p->ndropped) {
        res->dropped = mg_malloc(sizeof *res->dropped * (size_t)p->ndropped);
        for (int i = 0; i < p->ndropped; i++)
            res->dropped[i] = mg_strdup(p->dropped[i]);
        res->ndropped = p->ndropped;
    }
    if (p->nnarrowed) {
        res->narrowed = mg_malloc(sizeof *res->narrowed * (size_t)p->nnarrowed);
        for (int i = 0; i < p->nnarrowed; i++)
            res->narrowed[i] = (struct search_narrowed){
                mg_strdup(p->narrowed[i].prefix), p->narrowed[i].kept,
                p->narrowed[i].of};
        res->nnarrowed = p->nnarrowed;
    }
}

static void run_free(struct run *r)
{
    for (int i = 0; i < r->nf; i++)
        free(r->keys[i]);
    where_free(&r->w);
    plan_free(&r->plan);
    plan_free(&r->wplan);
    qparse_out_free(&r->q);
    qparse_out_free(&r->wq);
}

/* The expressions of a search: all the words (strict), the query read
 * as a list of its words (relaxed), and the leaves, which snippets mark;
 * ids: the articles with all the words when the facets need them. */
struct exprs {
    struct plan_expr strict, relaxed, leaves;
    int64_t *ids, nids, *top;
    int ntop;
};

/* The articles with all the words (fts; NULL: the filters alone): listed
 * for the facets, or counted. */
static int count_phase(struct run *r, const char *fts, struct exprs *x,
                       struct search_result *res, struct mg_err *err)
{
    const struct search_opts *o = r->o;
    int exact = 1;
    if ((o->facets || o->histogram) && !o->count_only) {
        if (match_ids(r, fts, &x->ids, &x->nids, err) < 0)
            return -1;
        res->total = x->nids;
    } else if (fts) {
        if (count_strict(r, fts, &res->total, &exact, err) < 0)
            return -1;
    } else if (count_matches(r, NULL, o->count_only || o->exact_total,
                             &res->total, &exact, err) < 0) {
        return -1;
    }
    res->total_exact = exact;
    res->fts = mg_strdup(fts);
    return 0;
}

/* Fewer than a page have all the words (a pasted headline, a question):
 * the articles with most of them, the query read as a list of its words
 * (quotes, groups and operators aside; its exclusions and filters kept:
 * the exclusions are r->w.neg).  Sets res->relaxed when it is. */
static int relax(struct run *r, struct exprs *x, struct search_result *res,
                 struct mg_err *err)
{
    int rc2 =
        qparse_words(r->s->tok, r->o->query ? r->o->query : "", &r->wq, err);
    if (rc2 != 0 || r->wq.nunit == 0)
        return 0;
    /* its phrases add to the score of the articles holding them (as stop
     * words do: they never widen the search) */
    qparse_add_phrases(&r->wq, &r->q);
    rc2 = plan_make(r->s->store, r->s->tok, &r->wq, &r->wplan, err);
    if (rc2 == PLAN_USAGE) {
        /* a prefix the query as typed does not have (a '*' inside its
         * quotes, read as a word's end): no relaxation */
        plan_free(&r->wplan);
        if (err)
            err->msg[0] = '\0';
    } else if (rc2 < 0) {
        return -1;
    }
    if (r->wplan.nunit > 0) {
        r->cur = &r->wplan;
        plan_expr_relaxed(r->cur, &x->relaxed);
        plan_expr_free(&x->leaves);
        plan_expr_leaves(r->cur, &x->leaves);
        res->relaxed = 1;
        free(res->fts);
        res->fts = mg_strdup(x->relaxed.text.s);
        note_plan(r, res);
    }
    return 0;
}

/* The page: by relevance or by date; with ranked_facets, the best
 * relaxed hits' ids too (x->top). */
static int page_phase(struct run *r, const char *run, enum search_sort sort,
                      int limit, int offset, int ranked_facets, struct exprs *x,
                      struct search_result *res, struct mg_err *err)
{
    if (sort == SEARCH_SORT_RELEVANCE)
        return rank_page(r, res->relaxed, limit, offset, &x->leaves, res,
                         ranked_facets ? &x->top : NULL, &x->ntop, err);
    res->collapsed_exact = 1; /* by date: nothing folded */
    if (date_page(r, run, &x->leaves, sort, limit, offset, res, err) < 0)
        return -1;
    if (ranked_facets &&
        rank_page(r, 1, 0, 0, &x->leaves, &(struct search_result){0}, &x->top,
                  &x->ntop, err) < 0)
        return -1;
    return 0;
}

/* A relaxed search: how many articles it matches; when they are the same
 * as with all the words, the search for all the words instead (its page
 * again).  *ranked_facets is cleared then. */
static int unrelax(struct run *r, const char *fts, enum search_sort sort,
                   int limit, int offset, int *ranked_facets, struct exprs *x,
                   struct search_result *res, struct mg_err *err)
{
    const struct search_opts *o = r->o;
    if (sort == SEARCH_SORT_RELEVANCE && res->rank.exhaustive) {
        res->relaxed_total = res->rank.scored;
        res->relaxed_total_exact = 1;
    } else if (count_matches(r, x->relaxed.text.s, o->exact_total,
                             &res->relaxed_total, &res->relaxed_total_exact,
                             err) < 0) {
        return -1;
    }
    if (res->relaxed_total > res->total || !res->relaxed_total_exact)
        return 0;
    res->relaxed = 0;
    if (res->total == 0) /* nothing matches either way */
        return 0;
    /* the same articles as with all the words: those, as a search for all
     * the words ranks them */
    free(res->fts);
    res->fts = mg_strdup(fts);
    r->cur = &r->plan;
    note_plan(r, res);
    plan_expr_free(&x->leaves);
    plan_expr_leaves(r->cur, &x->leaves);
    for (int i = 0; i < res->nhits; i++)
        search_hit_clear(&res->hits[i]);
    res->nhits = 0;
    free(x->top);
    x->top = NULL;
    x->ntop = offset + limit > SEARCH_FACET_RELAXED ? offset + limit
                                                    : SEARCH_FACET_RELAXED;
    *ranked_facets = 0;
    return sort == SEARCH_SORT_RELEVANCE
               ? rank_page(r, 0, limit, offset, &x->leaves, res, NULL, &x->ntop,
                           err)
               : date_page(r, fts, &x->leaves, sort, limit, offset, res, err);
}

/* The sort a search uses: relevance for words, else newest first. */
static enum search_sort sort_of(const struct search_opts *o, int words)
{
    enum search_sort sort = o->sort;
    if (sort == SEARCH_SORT_DEFAULT)
        sort = words ? SEARCH_SORT_RELEVANCE : SEARCH_SORT_NEWEST;
    if (!words && sort == SEARCH_SORT_RELEVANCE)
        sort = SEARCH_SORT_NEWEST;
    return sort;
}

/* The body of search_run, in its read transaction. */
static int run_search(struct run *r, struct search_result *res,
                      struct mg_err *err)
{
    const struct search_opts *o = r->o;
    const struct plan *p = &r->plan;
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;
    int words = r->q.nunit > 0;
    enum search_sort sort = sort_of(o, words);
    int need_ids = o->facets || o->histogram;
    struct exprs x = {0};
    int rc = -1;
    if (words) {
        plan_expr_strict(p, &x.strict);
        plan_expr_leaves(p, &x.leaves);
    }
    const char *fts = words ? x.strict.text.s : NULL;
    double t = mg_now();
    if (count_phase(r, fts, &x, res, err) < 0)
        goto out;
    res->ms_count = (mg_now() - t) * 1e3;
    if (o->count_only) {
        rc = 0;
        goto out;
    }
    if (words && !o->strict && res->total < limit &&
        (plan_relaxable(p) ||
         (p->nunit == 1 && p->nleaf == 1 && p->leaf[0].npos > 1)) &&
        relax(r, &x, res, err) < 0)
        goto out;
    const char *run = res->relaxed ? x.relaxed.text.s : fts;
    res->ms_count = (mg_now() - t) * 1e3;
    t = mg_now();
    /* facets of the relaxed hits when no article has all the words */
    int ranked_facets = res->relaxed && res->total == 0 && need_ids;
    x.ntop = offset + limit > SEARCH_FACET_RELAXED ? offset + limit
                                                   : SEARCH_FACET_RELAXED;
    if (page_phase(r, run, sort, limit, offset, ranked_facets, &x, res, err) <
        0)
        goto out;
    if (res->relaxed &&
        unrelax(r, fts, sort, limit, offset, &ranked_facets, &x, res, err) < 0)
        goto out;
    res->ms_rank = (mg_now() - t) * 1e3 - res->ms_page;
    t = mg_now();
    if (need_ids) {
        if (ranked_facets) {
            if (facets_ranked(r, x.top, x.ntop, res, err) < 0)
                goto out;
        } else if (facets_of(r, x.ids, x.nids, res, err) < 0) {
            goto out;
        }
    }
    res->ms_facets = (mg_now() - t) * 1e3;
    rc = 0;
out:
    free(x.ids);
    free(x.top);
    plan_expr_free(&x.strict);
    plan_expr_free(&x.relaxed);
    plan_expr_free(&x.leaves);
    return rc;
}

int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    struct run r = {.s = s, .o = o};
    r.cur = &r.plan;
    r.prm = o->params ? *o->params : RANK_PARAMS_DEFAULT;
    int outside =
        o->nfilters > 0 || o->since || o->until || o->source || o->section;
    if (qparse_full(s->tok, o->query ? o->query : "", outside, &r.q, err) < 0) {
        run_free(&r);
        return SEARCH_EUSAGE;
    }
    if (make_where(&r.q, o, &r.w, err) < 0) {
        run_free(&r);
        return SEARCH_EUSAGE;
    }
    /* The query's filters and the options' together. */
    for (int i = 0; i < r.q.nfilters; i++)
        r.f[r.nf++] = r.q.filters[i];
    for (int i = 0; i < o->nfilters && r.nf < 2 * QPARSE_MAX_FILTERS; i++)
        r.f[r.nf++] = o->filters[i];
    for (int i = 0; i < r.nf; i++)
        r.keys[i] = ent_key(r.f[i].name);
    r.fl = (struct sq_filter){&r.w, r.f, r.nf, r.keys};
    double was = store_deadline(s->store);
    double budget = o->budget > 0 ? o->budget : SEARCH_BUDGET;
    store_clear_timeout(s->store);
    if (o->budget >= 0)
        store_set_deadline(s->store, mg_now() + budget);
    /* One read transaction for the whole search: one snapshot of an index
     * being rewritten, and no lock taken and dropped per statement. */
    int own_txn = store_read_begin(s->store);
    int rc = 0;
    double t0 = mg_now();
    if (r.q.nunit) {
        rc = plan_make(s->store, s->tok, &r.q, &r.plan, err);
        if (rc == PLAN_USAGE)
            rc = SEARCH_EUSAGE;
        if (rc == 0 && r.q.nneg) {
            struct plan_expr x = {0};
            plan_expr_excluded(&r.plan, &x);
            r.w.neg = buf_take(&x.text);
            plan_expr_free(&x);
        }
    }
    if (rc == 0) {
        res->ms_plan = (mg_now() - t0) * 1e3;
        note_plan(&r, res);
        rc = run_search(&r, res, err);
    }
    store_read_end(s->store, own_txn);
    if (rc < 0 && rc != SEARCH_EUSAGE && store_timed_out(s->store)) {
        mg_fail(err,
                "the search took longer than its %g s: narrow it with more "
                "words, a longer prefix, a date or a filter",
                budget);
        rc = SEARCH_ETIME;
    }
    store_set_deadline(s->store, was);
    run_free(&r);
    return rc;
}

int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    int rc = store_similar(s->store, uid, FP_NEAR,
                           limit > 0 ? limit : SEARCH_DEFAULT_LIMIT, read_near,
                           res, err);
    if (rc == 0)
        return mg_fail(err, "no article \"%s\" in %s", uid,
                       store_path(s->store));
    if (rc < 0)
        return -1;
    res->total = res->nhits;
    return 0;
}

int search_entities(struct searcher *s, const char *prefix, int kind, int limit,
                    struct search_result *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    return store_entities_find(
        s->store, prefix, kind >= 0 ? ent_kind_name((enum ent_kind)kind) : NULL,
        limit > 0 ? limit : 20, add_name_row, out, err);
}

int search_article(struct searcher *s, const char *uid, struct article *a,
                   struct search_result *ents, struct mg_err *err)
{
    memset(ents, 0, sizeof *ents);
    int found = store_get(s->store, uid, a, err);
    if (found <= 0)
        return found;
    return store_article_entities(s->store, uid, add_name_row, ents, err) < 0
               ? -1
               : 1;
}

void search_result_free(struct search_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nhits; i++)
        search_hit_clear(&res->hits[i]);
    free(res->hits);
    for (int i = 0; i < res->nfacets; i++)
        free(res->facets[i].name);
    free(res->facets);
    for (int i = 0; i < res->nsources; i++)
        free(res->sources[i].name);
    free(res->sources);
    free(res->buckets);
    free(res->fts);
    plan_notes_free(res);
    memset(res, 0, sizeof *res);
}
