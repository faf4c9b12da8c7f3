/*
 * rank_int.h - private to the ranking: what rank.c (the score's
 * arithmetic, the exact best k) and search_sql.c (the morgue_rank FTS5
 * function that scores a row, the statement of the passes) share.
 */
#ifndef MORGUE_RANK_INT_H
#define MORGUE_RANK_INT_H

#include <stdint.h>

#include "rank.h"

/* BM25's term-frequency part with the search's k1 and b. */
static inline double tf_part(const struct rank_params *prm, double f,
                             double len, double avgdl)
{
    if (f <= 0)
        return 0;
    double norm = len / avgdl;
    if (norm < prm->min_norm)
        norm = prm->min_norm;
    return f * (prm->k1 + 1.0) / (f + prm->k1 * (1.0 - prm->b + prm->b * norm));
}

/* What morgue_rank needs for one FTS5 expression: the plan, the map from
 * the expression's phrases to leaves, and scratch for one row. */
struct rank_ctx {
    const struct plan *p;
    int nphrase;
    const int *leaf;        /* per phrase: its leaf, -1 when not scored */
    unsigned char *primary; /* per phrase: the first scoring its leaf */
    double w[ART_NCOLS];
    struct rank_params prm;
    int relaxed;
    int need_content; /* the expression also gives articles that
                       * match no content unit: pass over them */
    double avgdl;
    double short_len; /* bodies shorter are scaled down */
    int nleaf;
    double *lw;             /* per leaf: its weight (leaf_weight) */
    double lenw[ART_NCOLS]; /* the columns' weights in the length */
    int wavg;               /* avgdl is known (else: from FTS5's totals) */
    uint64_t *lunits;       /* per leaf: the content units it counts for in
                             * proximity */
    uint64_t content;       /* the content units */
    /* per unit: the leaves any of which match it, and (a hyphenated
     * word) the leaves all of which do */
    int *any0, *any; /* any[any0[u] .. any0[u+1]) */
    int *all0, *all;
    /* pruning (rank_top): per block, the bound of the whole block and of
     * each leaf (lb[leaf * nblocks + block]); blocks already read; the
     * score to beat, kept by the heap; the most the factors add */
    int nblocks;
    const double *blk_ub, *lb;
    const unsigned char *done, *dirty;
    const double *theta;
    double fmax;
    int64_t *skipped; /* articles passed over by their bound */
    /* scratch for a row */
    double *f;
    unsigned *gen; /* per leaf: the row generation it was seen */
    unsigned row;
    int *ic, *io; /* instances: column, offset */
    uint64_t *iu; /* and units */
    int icap;
    /* pairs: per content unit, the next and the previous content unit in
     * the query (-1: none), the weight of the pair it starts, their sum;
     * scratch: its last instance in the row and its pair's count */
    int *pnext, *pprev;
    double *pw, pwsum;
    int *lastc, *lasto, *ptf;
    unsigned *lastg;
};

/* The score's parts (rank.c, docs/ranking.md): the pairs' factor of a row
 * (instances in column, offset order), a relaxed search's coordination,
 * the smallest window holding the units need, the units a row matched,
 * the prior of an article's length. */
double rank_pairs(struct rank_ctx *c, int n, unsigned g);
double rank_coordination(const struct plan *p, const struct rank_params *prm,
                         uint64_t matched);
int rank_window(const int *col, const int *off, const uint64_t *units, int n,
                uint64_t need);
uint64_t rank_matched_units(const struct rank_ctx *c, unsigned g);
double rank_prior(const struct rank_params *prm, double len, double body);

/* The score of a row from what rank_fn read of it into c (generation g:
 * the leaves' weighted counts; ni instances of content units, sorted or
 * not; its weighted length and body's tokens): 1 and *score, or 0 when
 * it holds stop words only where content is needed. */
int rank_score_row(struct rank_ctx *c, unsigned g, int ni, int sorted,
                   double len, int body, double *score);

/* A context for expression e of rq's plan (rank_ctx_free frees it). */
struct rank_ctx *rank_ctx_new(const struct rank_query *rq,
                              const struct plan_expr *e);
void rank_ctx_free(struct rank_ctx *c);

/* One statement over the index, rebound for each pass. */
struct runner {
    const struct rank_query *rq;
    void *st; /* the statement (search_sql.c) */
    int iq, ictx, ilo, ihi;
    struct rank_ctx *ctx; /* of the bound expression */
    struct plan_expr expr;
    struct rank_stats *stats;
    /* when pruning: what each new context reads (rank_ctx) */
    int nblocks;
    const double *blk_ub, *lb;
    const unsigned char *done, *dirty;
    const double *theta;
    double fmax;
    int64_t skipped;
};

/* The passes (search_sql.c): open the statement of rq's filters; make e
 * (taken) the expression of the passes to come; score the articles of
 * the expression in rowids lo..hi, calling fn for each; close. */
int runner_open(struct runner *r, const struct rank_query *rq,
                struct rank_stats *stats, struct mg_err *err);
void runner_expr(struct runner *r, struct plan_expr *e);
int runner_pass(struct runner *r, int64_t lo, int64_t hi,
                void (*fn)(void *ctx, int64_t id, double score), void *fctx,
                struct mg_err *err);
void runner_close(struct runner *r);

#endif
