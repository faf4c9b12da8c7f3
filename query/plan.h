/*
 * plan.h - a parsed query resolved against the index: every word and
 * phrase (a leaf) as the index keys it matches (termstats.h), with its
 * document frequency and idf, prefixes expanded to the words they stand
 * for, and the FTS5 expressions a search runs, each with the map from
 * its FTS5 phrases to the leaves the ranking scores (query/rank.c).
 *
 * A query is an AND of units (qparse.h: a word, a phrase, a hyphenated
 * word, a group...) without its exclusions.  Leaves are the distinct
 * words and phrases under the units; a leaf is scored wherever it occurs
 * in an article, whichever operator holds it.
 */
#ifndef MORGUE_PLAN_H
#define MORGUE_PLAN_H

#include <stdint.h>

#include "qparse.h"
#include "store.h"
#include "termstats.h"
#include "tokenizer.h"

/* A plain query keeps at most this many words (those with the highest
 * idf); more are dropped and plan.dropped says which. */
#define PLAN_MAX_UNITS 32
/* A prefix stands for at most this many words, the most frequent first
 * (plan.narrowed says when it stood for more), and needs at least
 * PLAN_MIN_PREFIX characters before its '*'. */
#define PLAN_MAX_EXPANSION 64
#define PLAN_MIN_PREFIX 3
/* A query's prefixes stand for at most this many words together. */
#define PLAN_MAX_EXPANDED 256

/* One index key a position of a leaf matches. */
struct plan_alt {
    int key; /* into plan.keys */
    int cls; /* the key or a word stemmed to it (TOK_KEY_CLASS) */
};

struct plan_pos {
    struct plan_alt *alt;
    int nalt;
};

struct plan_leaf {
    char *fts; /* its FTS5 phrase (TOK_QUERY_KEYS form), field first */
    int col;   /* the one FTS5 column it is searched in, or -1 */
    struct plan_pos *pos;
    int npos;
    int unit;     /* the first unit holding it */
    int stop;     /* a stop word */
    int as_typed; /* from a qnode.as_typed */
    int64_t df;   /* the articles holding it (an estimate for phrases and
                   * prefixes: the least of its positions') */
    double idf;
    int bounded; /* all its keys have block bounds */
};

struct plan_key {
    char *key;
    int64_t df, sdf, cdf; /* termstats.h */
    int bounded;
};

struct plan_unit {
    const struct qnode *node; /* borrowed from the parse */
    int stop;    /* a lone stop word: never widens a relaxed search */
    int content; /* counts in the coordination (stop words do not,
                  * unless the query has nothing else) */
    int64_t df;  /* the articles it matches (an estimate) */
    double w;    /* its weight in the coordination: the idf of df */
    int *leaf;   /* the distinct leaves under it */
    int nleaf;
};

/* A narrowed prefix: it stood for more words than were kept. */
struct plan_narrow {
    char *prefix;
    int kept, of;
};

struct plan {
    struct plan_leaf *leaf;
    int nleaf;
    struct plan_leaf *xleaf; /* the excluded words and phrases (never
                              * scored); a qnode under an exclusion has
                              * its index here */
    int nxleaf;
    struct plan_unit *unit;
    int nunit;
    struct plan_key *key;
    int nkey;
    const struct qparse_out *q; /* borrowed */
    int ncontent;               /* content units */
    double wsum;                /* their weights' sum */
    double N;                   /* articles in the statistics (the idf's n) */
    double avgdl;               /* their mean length */
    struct ts_meta meta;
    int stats; /* the statistics can be used for bounds */
    struct plan_narrow *narrowed;
    int nnarrowed;
    char **dropped; /* words dropped from a long query, lowest idf first */
    int ndropped;
    int64_t expanded; /* words the prefixes stand for */
};

/* What plan_make returns. */
enum plan_result {
    PLAN_OK = 0,
    PLAN_ERROR = -1, /* an index error, said in err */
    PLAN_USAGE = -2, /* the query cannot be planned (a prefix too short),
                      * said in err: SEARCH_EUSAGE */
};

/* Resolves the parse q (borrowed: it must outlive the plan) against the
 * word statistics of the index st, tokenising with t.  A plain query of more
 * than PLAN_MAX_UNITS units keeps the ones with the highest idf (the parse is
 * changed: the others are dropped from q).  Returns an enum plan_result. */
int plan_make(struct store *st, struct tok *t, struct qparse_out *q,
              struct plan *p, struct mg_err *err);
void plan_free(struct plan *p);

/* Where plan_make_from reads the word statistics plan_make reads from an
 * FTS5 store (store_word, store_word_prefix, store_corpus, same
 * contracts), for another engine (query/search_xapian.c).  A source
 * whose corpus says stats 0 is not asked to count phrases. */
struct plan_stats {
    void *ctx;
    int (*word)(void *ctx, const char *key, int n, struct store_word *w,
                struct mg_err *err);
    int (*word_prefix)(void *ctx, const char *prefix, int n, int want,
                       store_word_fn fn, void *fctx, int64_t *of,
                       struct mg_err *err);
    int (*corpus)(void *ctx, struct store_corpus *c, struct mg_err *err);
};
int plan_make_from(const struct plan_stats *src, struct tok *t,
                   struct qparse_out *q, struct plan *p, struct mg_err *err);

/* An FTS5 expression under construction, with the leaf each of its
 * phrases is scored as (-1: not scored, e.g. an exclusion or a phrase
 * that only selects), in FTS5's phrase order. */
struct plan_expr {
    struct buf text;
    int *leaf;
    int nphrase, cap;
};

/* Appends the strict form of unit u (its operators as typed). */
void plan_expr_unit(const struct plan *p, int u, int scored,
                    struct plan_expr *e);

/* The query's FTS5 expressions, each scored whole (see rank.h):
 *  strict:  every unit (ANDed);
 *  relaxed: any content unit (a group's words each on its own, a
 *           proximity group's words anywhere);
 *  driver:  the articles holding any of units[0..n) (relaxed forms),
 *           scored as a relaxed search: the ranking narrows relaxed
 *           searches to the units that can still reach the page.
 * Each is either one whose own phrases give every leaf of a matching
 * article (an AND of ORs of plain phrases), or that ANDed with the OR of
 * every leaf, whose phrases are the ones scored. */
void plan_expr_strict(const struct plan *p, struct plan_expr *e);
void plan_expr_relaxed(const struct plan *p, struct plan_expr *e);
void plan_expr_driver(const struct plan *p, const int *units, int n,
                      struct plan_expr *e);
/* The articles holding every one of units[0..n) (relaxed forms), with
 * every leaf scored: a relaxed search scores them first, as a likely
 * good start for the score to beat. */
void plan_expr_seed(const struct plan *p, const int *units, int n,
                    struct plan_expr *e);
/* The OR of every leaf (snippets highlight them all). */
void plan_expr_leaves(const struct plan *p, struct plan_expr *e);
/* The OR of every leaf, scored: the articles a
 * relaxed search matches and those holding only stop words (the ranking
 * passes over these), for collections small enough that stepping through
 * every article costs less than an AND. */
void plan_expr_any(const struct plan *p, struct plan_expr *e);
/* The OR of the query's exclusions (empty when it has none): the
 * searches leave out the articles it matches ("rowid NOT IN"), never
 * NOT inside their own expressions, where SQLite 3.40's FTS5 loses the
 * positions of some phrases of rows it returns. */
void plan_expr_excluded(const struct plan *p, struct plan_expr *e);
void plan_expr_free(struct plan_expr *e);

/* Whether the query can be relaxed: more than one unit, or a unit of
 * more than one leaf. */
int plan_relaxable(const struct plan *p);

#endif
