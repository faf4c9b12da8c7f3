/*
 * search_sql.h - the one raw reader of the index (store.h:
 * store_raw_reader): the statements of a search that run an FTS5 MATCH,
 * where ranking and snippets run inside SQLite as FTS5 auxiliary functions
 * reading position lists row by row (docs/architecture.md: why they stay
 * raw).  Everything else a search reads goes through store.h.
 */
#ifndef MORGUE_SEARCH_SQL_H
#define MORGUE_SEARCH_SQL_H

#include <stdint.h>

#include "store.h"
#include "util.h"

/* The number of articles matching the FTS5 expression expr (an index
 * without word statistics yet counts its leaves so): 0 or -1 with err. */
int sq_count_expr(struct store *st, const char *expr, int64_t *n,
                  struct mg_err *err);

#endif
