/*
 * search_xents.h - what search_xapian.c borrows from search_xents.c: the
 * entity facets' "with" over the Xapian engine (search.h's struct
 * search_facet).
 */
#ifndef MORGUE_SEARCH_XENTS_H
#define MORGUE_SEARCH_XENTS_H

#include <stdint.h>

#include "query.h"
#include "search.h"

/* An entity counted and named (facets and their with). */
struct xent_pick {
    char *name; /* owned */
    int64_t count;
    const char *value; /* kind letter + key, borrowed */
};
/* qsort's order of picks: most first, then by name, then by value. */
int xent_pick_cmp(const void *x, const void *y);

/* The with of the m entity facets fs, fs[i] the entity slot value
 * values[i] (kind letter + key): up to SEARCH_WITH other entities named in
 * most of the counted matches of node root of t that name it, then by
 * name, as search_run counts them: the matches res counted, or the same
 * even sample when res->sampled > 0, its counts scaled to res->total
 * (from res's entity sets when it has them, mgxq_with_sets; else a pass
 * per facet entity over a cluster, one over local databases:
 * mgxq_with).  Names are read for the candidates up to the
 * SEARCH_WITH-th count and its ties.  The passes it ran (--timing), or
 * -1 with err (fs then partly filled; freed with the result). */
int xsearch_with(struct mgx_db *db, const struct mgxq *t, int root,
                 const struct mgxq_result *res, int64_t sample,
                 const char *const *values, struct search_facet *fs, int m,
                 struct mg_err *err);

#endif
