/*
 * search.h - running a search: query parsing, FTS5 match, bm25 ranking
 * with the title weighted above the body, and highlighted snippets.  The
 * one implementation behind morgue-query (and later the HTTP server).
 */
#ifndef MORGUE_SEARCH_H
#define MORGUE_SEARCH_H

#include <stdint.h>

#include "qparse.h"
#include "store.h"
#include "util.h"

#define SEARCH_DEFAULT_LIMIT 10
#define SEARCH_MAX_LIMIT 1000

#define SEARCH_FACETS 10 /* top entities of each kind in facets */

enum search_sort {
    SEARCH_SORT_DEFAULT, /* relevance, or newest for a query of filters */
    SEARCH_SORT_RELEVANCE,
    SEARCH_SORT_NEWEST,
    SEARCH_SORT_OLDEST,
};

struct search_opts {
    const char *query; /* the user's query (qparse.h syntax) */
    int limit;         /* hits per page, 1..SEARCH_MAX_LIMIT */
    int offset;        /* hits skipped, >= 0 */
    const struct qfilter *filters; /* more entity filters (--person...) */
    int nfilters;
    int facets;        /* count the top entities of the whole result set */
    const char *since, *until; /* dates as for date: (qdate_range), or NULL */
    const char *source, *section; /* whole value, any case, or NULL */
    enum search_sort sort;
    int count_only;    /* only the total: no hits, no facets */
    int strict;        /* never relax to "most of the words" */
    double fresh;      /* > 0: blend in recency, with this half-life in
                        * days, counted back from the newest article */
    int no_collapse;   /* show near-duplicates as hits of their own */
};

/* One facet value: an entity and the number of matching articles that
 * name it. */
struct search_facet {
    enum ent_kind kind;
    char *name;
    int64_t count;
};

/* A highlighted stretch of a snippet, in Unicode code points. */
struct search_span {
    int start, length;
};

struct search_hit {
    char *id, *title, *date, *source, *path, *url;
    double score;          /* higher is better */
    char *snippet;         /* plain text, about 30 words */
    struct search_span *spans;
    int nspans;
    int similar;           /* near-duplicates folded under this hit */
};

struct search_result {
    char *fts;             /* the FTS5 expression run */
    int64_t total;         /* all matching articles */
    int relaxed;           /* too few had all the words: these are the
                            * articles with most of them */
    int64_t strict_total;  /* with relaxed: how many had all the words */
    int collapsed;         /* near-duplicates folded under better hits,
                            * among the best examined by relevance */
    struct search_hit *hits;
    int nhits;
    struct search_facet *facets; /* by kind, most articles first */
    int nfacets;
};



struct searcher;

/* The bm25 weights of the FTS5 columns: title, lede, body, captions,
 * highlights, entities. */
#define SEARCH_NWEIGHTS 6
extern const double SEARCH_WEIGHTS[SEARCH_NWEIGHTS];

/* A searcher over an open store (borrowed; it must outlive the searcher).
 * Fails when the tokenizer can't be made. */
int searcher_new(struct store *st, struct searcher **out, struct mg_err *err);
void searcher_free(struct searcher *s);

/* Ranks with these SEARCH_NWEIGHTS bm25 weights from now on (NULL: the
 * defaults, SEARCH_WEIGHTS); for relevance experiments. */
void searcher_set_weights(struct searcher *s, const double *w);

/* Runs one search into *res (caller frees with search_result_free, also
 * after a failure).  Entity filters from the query (person:, place:,
 * org:) and from o->filters are ANDed.  A query of only filters lists the
 * matching articles newest first.  Fails with a usage message (bad query:
 * empty, only exclusions, too long, unknown field) or an index error. */
int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err);

/* Entities whose canonical name or an alias starts with prefix (case-
 * insensitive), of one kind (or any when kind < 0), most articles first,
 * at most limit, into *out (caller frees with search_result_free: only
 * facets is used). */
int search_entities(struct searcher *s, const char *prefix, int kind,
                    int limit, struct search_result *out, struct mg_err *err);

/* The near-duplicates of the article with this uid (bodies whose
 * fingerprints differ in at most FP_NEAR bits), closest first, as hits
 * whose snippet is the lede, at most limit.  Fails when there is no such
 * article. */
int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err);

void search_result_free(struct search_result *res);

#endif
