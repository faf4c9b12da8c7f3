/*
 * files.c - the source files an index was built from, for incremental
 * runs: their records, the claims on keys, dropping a file's articles
 * (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The record in st's row, whose first columns are FILE_COLS. */
#define FILE_COLS "id, size, mtime, hash, articles"
static void file_row(sqlite3_stmt *st, struct store_file *f)
{
    f->id = sqlite3_column_int64(st, 0);
    f->size = sqlite3_column_int64(st, 1);
    f->mtime = sqlite3_column_int64(st, 2);
    const unsigned char *h = sqlite3_column_text(st, 3);
    snprintf(f->hash, sizeof f->hash, "%s", h ? (const char *)h : "");
    f->articles = sqlite3_column_int64(st, 4);
}

int store_file_get(struct store *s, const char *path, struct store_file *f,
                   struct mg_err *err)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " FILE_COLS " FROM files WHERE path=?1", -1,
                           &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found)
        file_row(st, f);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return found;
}

int store_file_put(struct store *s, const char *path, struct store_file *f,
                   struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql =
        f->id ? "UPDATE files SET size=?2, mtime=?3, hash=?4, articles=?5,"
                " indexed=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?6"
              : "INSERT INTO files(path, size, mtime, hash, articles,"
                " indexed) VALUES (?1, ?2, ?3, ?4, ?5,"
                " strftime('%Y-%m-%dT%H:%M:%SZ','now'))";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    if (!f->id)
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->size);
    sqlite3_bind_int64(st, 3, f->mtime);
    sqlite3_bind_text(st, 4, f->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->articles);
    if (f->id)
        sqlite3_bind_int64(st, 6, f->id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: recording %s: %s", s->path, path,
                       sqlite3_errmsg(s->db));
    if (!f->id)
        f->id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

void store_set_file(struct store *s, int64_t file_id, const char *path)
{
    s->file_id = file_id;
    free(s->file_path);
    s->file_path = file_id && path ? mg_strdup(path) : NULL;
}

void store_set_journal(struct store *s, store_journal_fn fn, void *ctx)
{
    s->journal = fn;
    s->journal_ctx = ctx;
}

void store_ids_add(struct store_ids *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == id)
            return;
    if (l->n == l->cap)
        l->v = mg_realloc(l->v,
                          sizeof *l->v * (l->cap = l->cap ? 2 * l->cap : 16));
    l->v[l->n++] = id;
}

void store_ids_free(struct store_ids *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int store_file_drop(struct store *s, int64_t file_id, const struct strmap *keep,
                    int64_t *removed, struct store_ids *reread,
                    struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    struct {
        int64_t id;
        char *uid;
    } *gone = NULL;
    size_t n = 0, cap = 0;
    /* the articles it owns that it no longer gives, and its claims on
     * keys another file owns (id 0) that it no longer gives */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, uid FROM articles WHERE file_id=?1"
                           " UNION ALL SELECT 0, uid FROM claims WHERE"
                           " file_id=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_int64(st, 1, file_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(st, 1);
        if (!uid || (keep && strmap_get(keep, uid) >= 0))
            continue;
        if (n == cap)
            gone = mg_realloc(gone, sizeof *gone * (cap = cap ? 2 * cap : 64));
        gone[n].id = sqlite3_column_int64(st, 0);
        gone[n++].uid = mg_strdup(uid);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        st_fail(s, err);
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc != SQLITE_DONE)
            ;
        else if (gone[i].id) {
            /* the delete triggers take it out of fts, its entity links
             * with it */
            if (st_delete_article(s, gone[i].id, gone[i].uid, file_id, reread,
                                  err) < 0)
                rc = -1;
            else
                count++;
        } else {
            sqlite3_bind_text(s->unclaim, 1, gone[i].uid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s->unclaim, 2, file_id);
            if (sqlite3_step(s->unclaim) != SQLITE_DONE)
                rc = st_fail(s, err);
            sqlite3_reset(s->unclaim);
        }
        free(gone[i].uid);
    }
    free(gone);
    *removed += count;
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_file_forget(struct store *s, int64_t file_id, int64_t *removed,
                      struct store_ids *reread, struct mg_err *err)
{
    if (store_file_drop(s, file_id, NULL, removed, reread, err) < 0)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM files WHERE id=?1", -1, &st,
                           NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}

int store_file_path(struct store *s, int64_t file_id, char **path,
                    struct mg_err *err)
{
    *path = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT path FROM files WHERE id=?1", -1, &st,
                           NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *path = st_col_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return *path != NULL;
}

int store_files_each(struct store *s, store_file_fn fn, void *ctx,
                     struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " FILE_COLS ", path FROM files", -1,
                           &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_file f;
        file_row(st, &f);
        fn(ctx, (const char *)sqlite3_column_text(st, 5), &f);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}
