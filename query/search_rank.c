/*
 * search_rank.c - matching and ranking a search: counting and listing
 * the matches, the best k by rank.c with near-duplicates folded, and the
 * page by date (search.h; the FTS5 statements in search_sql.c).
 */
#include "search_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

/* Whether the index says its rowids are in publication order
 * (store_date_order_end), read in the search's transaction: a nightly
 * run clears it while it writes. */
static int date_ordered(struct searcher *s)
{
    return !s->no_date_order && store_date_ordered(s->store);
}

/* rank_query.date: an article's date as a Julian day (0: none). */
static int rank_date(void *ctx, int64_t id, double *jd)
{
    struct search_plan *r = ctx;
    struct mg_err err;
    return store_article_julian(r->s->store, id, jd, &err);
}

static void rank_query_init(struct search_plan *r, int relaxed,
                            struct rank_query *rq)
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
static int64_t match_bound(const struct search_plan *r, int relaxed,
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

/* The ranked candidates and their folds (sr_rank_page). */
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
static int rank_cands(struct search_plan *r, const struct rank_query *rq,
                      int64_t k, struct search_result *res, struct cands *x,
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
static int page_of_cands(struct search_plan *r, const struct cands *x,
                         int limit, int offset, const struct plan_expr *snip,
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
    int rc =
        sr_read_page(r->s, snip->text.s, snip->nphrase, leaf_density(r->cur),
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
int sr_rank_page(struct search_plan *r, int relaxed, int limit, int offset,
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
int sr_match_ids(struct search_plan *r, const char *fts, int64_t **ids,
                 int64_t *n, struct mg_err *err)
{
    return sq_match_ids(r->s->sq, &r->fl, fts, ids, n, err);
}

/* Counts the articles of fts with the search's filters into *n: all of
 * them (exact set), or up to SEARCH_TOTAL_EXACT, past which *n is that
 * and *exact 0 (at least so many). */
int sr_count_matches(struct search_plan *r, const char *fts, int all,
                     int64_t *n, int *exact, struct mg_err *err)
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
int sr_count_strict(struct search_plan *r, const char *fts, int64_t *n,
                    int *exact, struct mg_err *err)
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
    return sr_count_matches(r, fts, r->o->count_only || r->o->exact_total, n,
                            exact, err);
}

/* The page sorted by date: newest or oldest first. */
int sr_date_page(struct search_plan *r, const char *fts,
                 const struct plan_expr *snip, enum search_sort sort, int limit,
                 int offset, struct search_result *res, struct mg_err *err)
{
    struct searcher *s = r->s;
    int64_t ids[SEARCH_MAX_LIMIT];
    double scores[SEARCH_MAX_LIMIT] = {0};
    int n = 0;
    if (sq_date_page(s->sq, &r->fl, fts, fts && date_ordered(s),
                     sort == SEARCH_SORT_OLDEST, limit, offset, ids, &n,
                     sr_read_hit, res, err) < 0)
        return -1;
    if (!fts) /* the filters alone: the page is read */
        return 0;
    return sr_read_page(s, snip->text.s, snip->nphrase, leaf_density(r->cur),
                        ids, scores, NULL, n, res, err);
}
