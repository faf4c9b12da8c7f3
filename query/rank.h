/*
 * rank.h - the relevance of an article to a query, and the best k of
 * every match, found exactly without scoring them all (docs/ranking.md).
 *
 * The score of an article for a query of leaves l (plan.h) is
 *
 *   prior * prox * coord * sum over the leaves l it holds of
 *       idf(l) * ts_tf(f(l), len, avgdl)
 *
 * with f(l) the weighted count of l's occurrences (termstats.h:
 * TS_WEIGHTS), len the article's tokens weighted by TS_LEN_WEIGHTS;
 * prox rewards the query's content words standing close (1 to
 * 1 + prox_boost); coord, in a relaxed search only, the share of the
 * query's content units (weighted by idf) the article holds, to the power
 * coord_exp; prior scales down very short bodies (a price table).  Every
 * factor but the sum is at most 1 or has a known maximum, and the sum has
 * a bound per block of rowids (termstats.h), so that rank_top() can skip
 * the blocks whose bound is below the k-th score already found, and within
 * the blocks it reads, the articles that hold none of the units that can
 * still reach it.  The answer is the one scoring every match gives.
 */
#ifndef MORGUE_RANK_H
#define MORGUE_RANK_H

#include <stdint.h>

#include "plan.h"
#include "store.h"

struct sq_filter;

/* The figures of the score (docs/ranking.md); RANK_PARAMS_DEFAULT as
 * measured by make eval (docs/relevance.md).  Settable for experiments
 * (morgue-query --ranking NAME=VALUE,...; the names are the fields'). */
struct rank_params {
    double k1, b;      /* BM25's (others than TS_K1, TS_B cannot use the
                        * index's bounds: every match is scored) */
    double min_norm;   /* an article's length counts as at least this
                        * share of the mean (Xapian's min_normlen) */
    double qtf_k3;     /* > 0: a word the query holds n times weighs
                        * (k3 + 1) n / (k3 + n) times as much */
    double coord_exp;  /* a relaxed search: the power of the share of the
                        * words' idf an article holds (0: plain BM25
                        * over the OR of the words) */
    double typed_w;    /* a relaxed search: a word found as typed (not
                        * only another form of it) adds this share of
                        * its weight again */
    double prox_boost; /* the most the smallest window holding all the
                        * words found adds: 1 + this ... */
    double prox_scale; /* ... halved at this many tokens of slack */
    double pair_boost; /* the most pairs of words next to each other in
                        * the query and close in the article add: 1 +
                        * this ... */
    double pair_dist;  /* ... close: at most this many tokens apart ... */
    double pair_k;     /* ... a pair close n times counting n / (n + k) */
    double short_body; /* bodies shorter than this many tokens ... */
    double short_exp;  /* ... are scaled by ((tokens+1)/short_body)^exp;
                        * short_body <= 0 turns it off ... */
    double short_frac; /* ... short_body at most this share of the mean
                        * body in a relaxed search ... */
    double short_frac_strict; /* ... and this share in a strict one */
};
extern const struct rank_params RANK_PARAMS_DEFAULT;

/* Reads "name=value,..." (the fields of rank_params) over *p; -1 with a
 * message on a bad name or value. */
int rank_params_parse(const char *s, struct rank_params *p, struct mg_err *err);

/* Registers morgue_rank(fts, ctx) with the FTS5 of the index st
 * (search_sql.c). */
int rank_register(struct store *st, struct mg_err *err);

/* One ranked article. */
struct rank_hit {
    int64_t id;
    double score;
};

/* Whether a goes before b: the higher score, then the lower rowid. */
static inline int rank_before(double sa, int64_t ia, double sb, int64_t ib)
{
    return sa > sb || (sa == sb && ia < ib);
}

/* What a ranking reads the index with: every pass runs one statement,
 * made by search_sql.c from the filters,
 *   SELECT fts.rowid, morgue_rank(fts, :ctx) FROM fts ... WHERE fts MATCH
 *   :q AND fts.rowid >= :lo AND fts.rowid <= :hi <the search's filters>
 * (the ranker binds :q, :ctx, :lo, :hi). */
struct rank_query {
    struct store *store;
    const struct plan *plan;
    const struct sq_filter *filter; /* the search's filters (search_sql.h;
                                     * NULL: none) */
    void *pctx;                     /* date's */
    const double *weights; /* ART_NCOLS column weights (NULL: TS_WEIGHTS;
                            * others can't use the bounds) */
    struct rank_params params;
    int relaxed;    /* any content unit (else all units) */
    int exhaustive; /* score every match (no bounds) */
    /* with fresh > 0: score * (1 + 0.5^(age / fresh)), age in days from
     * newest; date(ctx, id, &julian) gives an article's date (0: none) */
    double fresh, newest;
    int (*date)(void *ctx, int64_t id, double *julian);
};

/* What a ranking did, for tests and the benchmark. */
struct rank_stats {
    int64_t scored;      /* articles scored */
    int64_t passed_over; /* articles read but not scored: their bounds
                          * could not reach the page */
    int blocks, skipped; /* blocks read, blocks skipped by their bound */
    int statements;      /* FTS5 passes */
    int exhaustive;      /* every match was scored */
    int64_t seeded;      /* of the scored, those a relaxed search scored
                          * first (its two rarest units together) */
};

/* The best k articles of the query (strict: every unit; relaxed: any
 * content unit), best first, into out (room for k), their number into *n.
 * Returns 0, or -1 with err (an index error, or the search's time ran
 * out: store_timed_out() then says so). */
int rank_top(const struct rank_query *rq, int k, struct rank_hit *out, int *n,
             struct rank_stats *stats, struct mg_err *err);

/* The widest gap of rowids worth stepping through in one pass rather
 * than making another pass, for an expression of nphrase phrases whose
 * first part matches about density of the articles (the cost model of
 * rank.c, also used to read a page's snippets). */
int64_t rank_pass_gap(int nphrase, double density);

/* Scores every article of expression e (plan_expr_*) in rowids lo..hi,
 * calling fn(ctx, id, score) for each, with the statement prepare makes;
 * the brute force of the tests and the facets' weighting use it.  Returns
 * 0 or -1 with err. */
int rank_each(const struct rank_query *rq, const struct plan_expr *e,
              int64_t lo, int64_t hi,
              void (*fn)(void *ctx, int64_t id, double score), void *ctx,
              struct mg_err *err);

#endif
