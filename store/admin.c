/*
 * admin.c - administering the index: merging FTS5's segments and
 * checkpointing the WAL (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_merge(struct store *s, struct mg_err *err)
{
    if (sqlite3_exec(s->db, "INSERT INTO fts(fts) VALUES('optimize')", NULL,
                     NULL, NULL) == SQLITE_OK)
        return 0;
    return mg_fail(err, "%s: optimize: %s", s->path, sqlite3_errmsg(s->db));
}

int store_checkpoint(struct store *s, struct mg_err *err)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                       NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    return mg_fail(err, "%s: checkpoint: %s", s->path, sqlite3_errmsg(s->db));
}
