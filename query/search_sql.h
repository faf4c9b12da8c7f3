/*
 * search_sql.h - the one raw reader of the index (store.h:
 * store_raw_reader): the statements of a search that run an FTS5 MATCH,
 * where the ranking runs inside SQLite as the FTS5 auxiliary function
 * morgue_rank, reading position lists row by row, and snippets come from
 * the store's morgue_snippet in the same statement
 * (docs/architecture.md: why they stay raw).  Everything else a search
 * reads goes through store.h.  Errors: -1 with err naming the index
 * ("PATH: search failed: ...").
 */
#ifndef MORGUE_SEARCH_SQL_H
#define MORGUE_SEARCH_SQL_H

#include <stdint.h>

#include "qparse.h"
#include "store.h"
#include "util.h"

/* The stored-field and date filters of a search: columns equal to values
 * (byline: a LIKE pattern), a date range, and the query's exclusions as an
 * FTS5 expression (NULL: none). */
struct sq_where {
    struct qcolumn cols[2 * QPARSE_MAX_FILTERS];
    char *vals[2 * QPARSE_MAX_FILTERS];
    int n;
    char *since, *until;
    char *neg;
};

/* All the filters of a search: the entity filters f[0..nf) with their
 * keys (ent_key), and the stored-field ones; all borrowed. */
struct sq_filter {
    const struct sq_where *w;
    const struct qfilter *f;
    int nf;
    char *const *keys;
};

/* The reader of one searcher: its statements kept between searches. */
struct sq;
struct sq *sq_new(struct store *st);
void sq_free(struct sq *q); /* takes NULL */

/* The number of articles matching the FTS5 expression expr (an index
 * without word statistics yet counts its leaves so): 0 or -1. */
int sq_count_expr(struct store *st, const char *expr, int64_t *n,
                  struct mg_err *err);

/* The number of articles of fts (NULL: the filters alone) under the
 * filters, counting up to upto (0: all): 0 or -1. */
int sq_count(struct sq *q, const struct sq_filter *fl, const char *fts,
             int64_t upto, int64_t *n, struct mg_err *err);

/* The ids of the articles of fts (NULL: the filters alone) under the
 * filters, in rowid order, into *ids (caller frees), *n of them: 0 or -1. */
int sq_match_ids(struct sq *q, const struct sq_filter *fl, const char *fts,
                 int64_t **ids, int64_t *n, struct mg_err *err);

/* A page by date (oldest first, else newest).  With fts: the page's ids
 * into ids[0..*n) (limit at most), by rowid when ordered (the rowids are
 * in publication order: store_date_ordered), else by the articles' dates;
 * without fts (the filters alone): fn(ctx, row) for each article of the
 * page, with its lede.  0 or -1. */
int sq_date_page(struct sq *q, const struct sq_filter *fl, const char *fts,
                 int ordered, int oldest, int limit, int offset, int64_t *ids,
                 int *n, store_hit_fn fn, void *ctx, struct mg_err *err);

/* The snippets of the n articles sorted[] (ascending rowids) for the
 * expression fts: text[i] (caller frees; NULL when none) for sorted[i].
 * Articles at most gap rowids apart are read in one pass. */
int sq_snippets(struct sq *q, const char *fts, int64_t gap,
                const int64_t *sorted, int n, char **text, struct mg_err *err);

/* fn(ctx, rowid) for each article matching expr below rowid tail: 0 or
 * -1. */
int sq_rowids_below(struct store *st, const char *expr, int64_t tail,
                    store_id_fn fn, void *ctx, struct mg_err *err);

/* Every match of the FTS5 expression expr in the article with key uid,
 * as morgue_marks() gives them (snippet.h: "COL START END" lines), into
 * *marks (caller frees; NULL when the article does not match): 0 or -1. */
int sq_marks(struct store *st, const char *expr, const char *uid, char **marks,
             struct mg_err *err);

#endif
