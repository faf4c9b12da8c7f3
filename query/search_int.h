/*
 * search_int.h - private to the search (search.c and its parts): the
 * searcher, a search's plan, and the calls the parts share.
 */
#ifndef MORGUE_SEARCH_INT_H
#define MORGUE_SEARCH_INT_H

#include <stdint.h>

#include "plan.h"
#include "qparse.h"
#include "rank.h"
#include "search.h"
#include "search_sql.h"
#include "snippet.h"
#include "tokenizer.h"

struct searcher {
    struct store *store;
    struct sq *sq; /* the raw reader's statements (search_sql.h) */
    struct tok *tok;
    double weights[SEARCH_NWEIGHTS];
    int custom_weights;  /* not SEARCH_WEIGHTS: no bounds */
    int64_t facet_exact; /* SEARCH_FACET_EXACT unless set */
    int no_date_order;   /* never use date_order (tests, experiments) */
    int public_ids;      /* searcher_use_public_ids */
    char **roots;        /* what ids are relative to (sr_read_roots) */
    int nroots;
    char *common;            /* an index without roots: the folder of all its
                              * files, found once ("" none) */
    struct xsearcher *x;     /* a Xapian index: the search is xsearch_run's
                              * (search_xapian.h); sq, tok unused */
    struct cluster *cluster; /* searcher_new_cluster: no store */
    size_t *missing;         /* the last search's missing shards */
    size_t nmissing;
};

/* Splits a morgue_snippet() text with SNIPPET_OPEN/SNIPPET_CLOSE
 * markers into h's plain snippet and its spans, counted in code points. */
void sr_split_snippet(const char *marked, struct search_hit *h);

/* The parse search_marks plans for query: as parsed into *q, or, with
 * words set, read as a list of its words and phrases into *w; *use the
 * one to plan (NULL: it has no words).  0 or SEARCH_EUSAGE with err. */
int sr_marks_parse(struct tok *t, const char *query, int words,
                   struct qparse_out *q, struct qparse_out *w,
                   struct qparse_out **use, struct mg_err *err);

/* A Xapian index's (s->x) marks of query in article a, as morgue_marks'
 * lines into *marks (caller frees; NULL when none), and the entities of
 * article uid into ents (search_xapian.h: xsearch_marks,
 * xsearch_entities_of); where Xapian is not built, none. */
int sr_x_marks(struct searcher *s, const char *query, const struct article *a,
               char **marks, struct mg_err *err);
int sr_x_article_entities(struct searcher *s, const char *uid,
                          struct search_result *ents, struct mg_err *err);

/* With --cluster (s->cluster): runs fn(s, ctx, err) with s->x on the
 * shards as one database, as a search runs (failover, timeout, policy:
 * the shards that did not answer in s->missing; fn may run again over
 * other replicas after a network error).  fn's result, or -1 with err. */
int sr_cluster_do(struct searcher *s,
                  int (*fn)(struct searcher *s, void *ctx, struct mg_err *err),
                  void *ctx, struct mg_err *err);
/* The stored article uid of a cluster into *a: 1, 0 when none, -1. */
int sr_x_get(struct searcher *s, const char *uid, struct article *a,
             struct mg_err *err);

/* -1 with err "PATH: CALL: not supported by the xapian engine" when s
 * searches a Xapian index (the calls that read the FTS5 schema), else 0. */
int sr_fts5_only(struct searcher *s, const char *call, struct mg_err *err);

/* at most this many ranked candidates (1,000 pages of 100 and their
 * near-duplicates) */
#define SEARCH_MAX_RANKED 200000

/* A search under way: its parse, plan and filters. */
struct search_plan {
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

/* ---- search_read.c ---------------------------------------------------- */

/* With public ids (searcher_use_public_ids), each hit's id made public:
 * relative to its root.  Can't fail. */
void sr_publish_ids(struct searcher *s, struct search_result *res);

/* A copy of t, or NULL for NULL. */
char *sr_strdup0(const char *t);
/* Sorts int64_t ascending (qsort). */
int sr_cmp_i64(const void *x, const void *y);
/* store_hit_fn: a hit scored by its row's value, its lede for snippet. */
void sr_read_hit(void *ctx, const struct store_hit_row *row);
/* Appends the hits with these rowids (and scores, near-duplicate counts:
 * similar may be NULL), each with its snippet for the FTS5 expression fts
 * (of nphrase phrases, matching about density of the articles). */
int sr_read_page(struct searcher *s, const char *fts, int nphrase,
                 double density, const int64_t *ids, const double *scores,
                 const int *similar, int n, struct search_result *res,
                 struct mg_err *err);
/* Frees what a hit holds; frees the result's notes on the plan; puts
 * plan p's notes (words dropped, prefixes narrowed) in place of the
 * result's. */
void sr_hit_clear(struct search_hit *h);
void sr_notes_free(struct search_result *res);
void sr_notes_copy(const struct plan *p, struct search_result *res);

/* ---- search_xents.c (only where the Xapian engine is built) ----------- */

/* search_entities over s's Xapian database or cluster (limit > 0). */
int sr_x_entities(struct searcher *s, const char *prefix, int kind, int limit,
                  struct search_result *out, struct mg_err *err);
/* The near-duplicates of article uid into res as store_similar gives
 * them: 1, 0 when there is no such article, -1 with err. */
int sr_x_similar(struct searcher *s, const char *uid, int limit,
                 struct search_result *res, struct mg_err *err);

/* ---- search_facets.c -------------------------------------------------- */

/* The facets and timeline of the n articles all (an even sample of
 * facet_exact of them when more, scaled; res->sample says so). */
int sr_facets_of(struct search_plan *r, const int64_t *all, int64_t n,
                 struct search_result *res, struct mg_err *err);
/* The facets and timeline of the best n relaxed hits, the entities
 * ordered by their hits' rank. */
int sr_facets_ranked(struct search_plan *r, const int64_t *ids, int n,
                     struct search_result *res, struct mg_err *err);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil).  Can't fail. */
int64_t sr_days_from_civil(int y, int m, int d);
/* Reads "YYYY-MM-DD..." into its parts; 0 when it is no such date. */
int sr_read_day(const char *s, int *y, int *m, int *d);
/* res's histogram (unit, buckets) of n (day, count) pairs in date order
 * (days since 1970-01-01): the unit from their span, every bucket from
 * the first to the last.  Both engines' timeline. */
void sr_histogram(const int64_t *day, const int64_t *cnt, int n,
                  struct search_result *res);

/* ---- search_rank.c ---------------------------------------------------- */

/* All the article ids of fts with the filters, in rowid order. */
int sr_match_ids(struct search_plan *r, const char *fts, int64_t **ids,
                 int64_t *n, struct mg_err *err);
/* Counts the articles of fts with the filters: all of them (all), or up
 * to SEARCH_TOTAL_EXACT, past which *exact is 0. */
int sr_count_matches(struct search_plan *r, const char *fts, int all,
                     int64_t *n, int *exact, struct mg_err *err);
/* The number of articles holding all the words (from the word statistics
 * when they can say, else counted). */
int sr_count_strict(struct search_plan *r, const char *fts, int64_t *n,
                    int *exact, struct mg_err *err);
/* The page by relevance, near-duplicates folded; with top, the best *ntop
 * kept ids too (caller frees). */
int sr_rank_page(struct search_plan *r, int relaxed, int limit, int offset,
                 const struct plan_expr *snip, struct search_result *res,
                 int64_t **top, int *ntop, struct mg_err *err);
/* The page sorted by date: newest or oldest first. */
int sr_date_page(struct search_plan *r, const char *fts,
                 const struct plan_expr *snip, enum search_sort sort, int limit,
                 int offset, struct search_result *res, struct mg_err *err);

#endif
