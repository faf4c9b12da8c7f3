/*
 * search_xapian.h - search_run's counterpart over the Xapian engine: the
 * same parse (qparse.h) and plan (plan.h, its word statistics read from
 * the Xapian database), mapped to a query tree (engine/xapian/query.h)
 * that the shim runs with Xapian's built-in weights, so that remote
 * shards can run it too (engine/xapian/DESIGN.md).  One database for
 * now; the cluster client comes next.
 *
 * What it fills of a struct search_result: hits (id, title, date,
 * source, path, url, score, similar; the snippet and its highlights as
 * FTS5's, from the page's documents read with the page: xsnippet.h), total
 * (always exact), relaxed and relaxed_total (the same rule as search_run: fewer
 * than a page hold all the words), collapsed, facets and sources (every
 * match up to SEARCH_FACET_EXACT, else an even sample of about so many,
 * the counts scaled, sample set; entity facets from the entity slots:
 * exact for articles naming at most MGX_MAX_ENT_SLOTS entities; no
 * "with"), the date histogram (every match), dropped and narrowed.
 */
#ifndef MORGUE_SEARCH_XAPIAN_H
#define MORGUE_SEARCH_XAPIAN_H

#include "search.h"
#include "shim.h"

struct xsearcher;

/* A searcher over the open Xapian database db (borrowed: it must outlive
 * the searcher).  Fails when the tokenizer can't be made. */
int xsearcher_new(struct mgx_db *db, struct xsearcher **out,
                  struct mg_err *err);
void xsearcher_free(struct xsearcher *s);

/* Over how many matches facets and the histogram are counted on a sample
 * (n <= 0: SEARCH_FACET_EXACT), as searcher_set_facet_exact. */
/* The database the next searches run over (a cluster's, per search). */
void xsearcher_set_db(struct xsearcher *s, struct mgx_db *db);
void xsearcher_set_facet_exact(struct xsearcher *s, int64_t n);

/* As search_run (search.h), over the Xapian database: the options it
 * honours are query, limit, offset, filters, facets, since, until,
 * source, section, sort, count_only, strict, no_collapse, histogram
 * (fresh, budget, params, exhaustive and suggest are not used; every
 * total is exact).  Returns 0, SEARCH_EUSAGE with a usage message, or -1
 * with an engine error. */
int xsearch_run(struct xsearcher *s, const struct search_opts *o,
                struct search_result *res, struct mg_err *err);

/* The Xapian query that o's query (strict form, filters included) maps
 * to, as Xapian describes it, into out: for tests and --explain.
 * Returns as xsearch_run. */
int xsearch_describe(struct xsearcher *s, const struct search_opts *o,
                     struct buf *out, struct mg_err *err);

/* The marks of query in article a (as search_article read it from the
 * database), as morgue_marks() lines into out: its words and phrases as
 * parsed, else, when a holds none of them, its words one by one (as
 * search_marks finds them on an FTS5 index).  Returns 0, SEARCH_EUSAGE
 * with a usage message, or -1. */
int xsearch_marks(struct xsearcher *s, const char *query,
                  const struct article *a, struct buf *out, struct mg_err *err);

/* The stored article uid into *a (search.h: store_get's contract): 1,
 * 0 when there is none, -1 with err. */
int xsearch_get(struct xsearcher *s, const char *uid, struct article *a,
                struct mg_err *err);

/* The entities of article uid as ents->facets (kind, name; count -1:
 * the Xapian index keeps no mention counts), people, places, then
 * organisations, each most mentioned first.  0 or -1 with err. */
int xsearch_entities_of(struct xsearcher *s, const char *uid,
                        struct search_result *ents, struct mg_err *err);

#endif
