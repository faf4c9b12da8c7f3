/*
 * takedown.c - taking articles down and putting them back: the
 * suppressed list that survives every run and --rebuild (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int store_suppressed(struct store *s, const char *uid, struct mg_err *err)
{
    if (!s->nsuppressed)
        return 0;
    sqlite3_bind_text(s->suppressed, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->suppressed);
    sqlite3_reset(s->suppressed);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return rc == SQLITE_ROW;
}

int store_take_down(struct store *s, const char *uid, int64_t *removed,
                    struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0, file_id = 0;
    char *from = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.id, a.file_id, ifnull(f.path, a.path)"
                           " FROM articles a LEFT JOIN files f ON"
                           " f.id = a.file_id WHERE a.uid=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        file_id = sqlite3_column_int64(st, 1);
        from = st_col_dup(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    /* its claims go too: no other file's copy comes back in its place */
    if (id && st_delete_article(s, id, uid, file_id, NULL, err) < 0) {
        free(from);
        return -1;
    }
    rc = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM claims WHERE uid=?1;", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc == SQLITE_DONE &&
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO suppressed(uid, path, at)"
                           " VALUES (?1, ?2,"
                           " strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
        if (from)
            sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    free(from);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: taking down %s: %s", s->path, uid,
                       sqlite3_errmsg(s->db));
    s->nsuppressed++;
    if (id)
        ++*removed;
    return id != 0;
}

int store_put_back(struct store *s, const char *uid, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    char *from = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT path FROM suppressed WHERE uid=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found)
        from = st_col_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    if (!found)
        return 0;
    /* the file it came from is read again by the next run (its hash
     * forgotten), which brings the article back */
    rc = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM suppressed WHERE uid=?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc == SQLITE_DONE && from &&
        sqlite3_prepare_v2(s->db, "UPDATE files SET hash='' WHERE path=?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    free(from);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: putting back %s: %s", s->path, uid,
                       sqlite3_errmsg(s->db));
    if (s->nsuppressed > 0)
        s->nsuppressed--;
    return 1;
}

int store_suppressed_each(struct store *s,
                          void (*fn)(void *ctx, const char *uid,
                                     const char *path, const char *at),
                          void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT uid, path, at FROM suppressed ORDER BY uid",
                           -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return n;
}

int store_copy_suppressed(struct store *s, const char *from, struct mg_err *err)
{
    if (access(from, F_OK) != 0)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS live", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: cannot read its takedown list: %s", from,
                       sqlite3_errmsg(s->db));
    char *msg = NULL;
    int has = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM live.sqlite_master WHERE"
                           " name='suppressed'",
                           -1, &st, NULL) == SQLITE_OK) {
        has = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    rc = has ? sqlite3_exec(s->db,
                            "INSERT OR REPLACE INTO main.suppressed SELECT"
                            " uid, path, at FROM live.suppressed",
                            NULL, NULL, &msg)
             : SQLITE_OK;
    sqlite3_exec(s->db, "DETACH DATABASE live", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        mg_fail(err, "%s: cannot copy its takedown list: %s", from,
                msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    st_count_suppressed(s);
    return 0;
}

void st_count_suppressed(struct store *s)
{
    sqlite3_stmt *n = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM suppressed", -1, &n,
                           NULL) == SQLITE_OK &&
        sqlite3_step(n) == SQLITE_ROW)
        s->nsuppressed = sqlite3_column_int64(n, 0);
    sqlite3_finalize(n);
}
