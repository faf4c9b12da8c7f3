/*
 * search_sql.c - the one raw reader of the index (search_sql.h).
 */
#include "search_sql.h"

#include <sqlite3.h>

static int sq_fail(sqlite3 *db, struct mg_err *err)
{
    return mg_fail(err, "%s: search failed: %s",
                   sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
}

int sq_count_expr(struct store *st, const char *expr, int64_t *n,
                  struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(st);
    sqlite3_stmt *q = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_fail(db, err);
    sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 0 : sq_fail(db, err);
}
