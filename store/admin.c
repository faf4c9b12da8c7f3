/*
 * admin.c - administering the index: merging FTS5's segments,
 * checkpointing the WAL, checking it, what it holds, its meta values,
 * transactions undone and a rebuilt index swapped in (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_merge(struct store *s, struct mg_err *err)
{
    if (s->eng) /* the engine merges its own segments */
        return 0;
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

int store_check(struct store *s, store_line_fn fn, void *ctx,
                struct mg_err *err)
{
    if (s->eng)
        return s->eng->check ? s->eng->check(s, fn, ctx, err)
                             : st_unsupported(s, "store_check", err);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL);
    int ok = 0, lines = 0;
    struct buf line = {0};
    while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        ok = lines++ == 0 && t && strcmp(t, "ok") == 0;
        if (!ok) {
            buf_clear(&line);
            buf_printf(&line, "integrity_check: %s", t ? t : "?");
            fn(ctx, line.s);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        buf_free(&line);
        return st_fail(s, err);
    }
    fn(ctx,
       ok ? "SQLite integrity_check: ok" : "SQLite integrity_check: FAILED");
    int damaged = !ok;
    /* the full-text index against its content (rank 1: the articles
     * table too) */
    char *msg = NULL;
    rc = sqlite3_exec(s->db,
                      "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)",
                      NULL, NULL, &msg);
    if (rc == SQLITE_OK) {
        fn(ctx, "FTS5 integrity-check: ok");
    } else if ((rc & 0xff) == SQLITE_CORRUPT) {
        buf_clear(&line);
        buf_printf(&line, "FTS5 integrity-check: FAILED (%s)",
                   msg ? msg : sqlite3_errmsg(s->db));
        fn(ctx, line.s);
        damaged = 1;
    } else {
        mg_fail(err, "%s: FTS5 integrity-check: %s", s->path,
                msg ? msg : sqlite3_errmsg(s->db));
        if (!damaged)
            damaged = -1;
    }
    sqlite3_free(msg);
    buf_free(&line);
    return damaged;
}

/* Runs sql, whose rows are single texts, telling fn each with prefix.
 * Returns the number of rows, -1 with err. */
static int stat_rows(struct store *s, const char *sql, const char *prefix,
                     store_line_fn fn, void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int n = 0, rc;
    struct buf line = {0};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        buf_clear(&line);
        buf_printf(&line, "%s%s", prefix, t ? (const char *)t : "");
        fn(ctx, line.s);
        n++;
    }
    buf_free(&line);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return n;
}

int store_stats(struct store *s, store_line_fn fn, void *ctx,
                struct mg_err *err)
{
    if (s->eng)
        return s->eng->stats ? s->eng->stats(s, fn, ctx, err)
                             : st_unsupported(s, "store_stats", err);
    static const char *const SQL[][2] = {
        {"articles:  ",
         "SELECT count(*) || ' (' || count(DISTINCT source) ||"
         " ' sources; dated ' || ifnull(min(substr(date, 1, 10)),"
         " '-') || ' to ' || ifnull(max(substr(date, 1, 10)),"
         " '-') || ')' FROM articles"},
        {"  source   ", "SELECT ifnull(source, '(none)') || ': ' || count(*)"
                        " FROM articles GROUP BY source ORDER BY count(*) DESC"
                        " LIMIT 10"},
        {"entities:  ", "SELECT ifnull(sum(kind = 'person'), 0) || ' people, '"
                        " || ifnull(sum(kind = 'place'), 0) || ' places, ' ||"
                        " ifnull(sum(kind = 'org'), 0) || ' organisations'"
                        " FROM entities"},
        {"files:     ", "SELECT count(*) || ' (' || ifnull(sum(articles), 0) ||"
                        " ' articles; last read ' || ifnull(max(indexed), '-')"
                        " || ')' FROM files"},
        {"last run:  ", "SELECT value FROM meta WHERE key = 'last_run'"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof SQL / sizeof *SQL && rc >= 0; i++)
        rc = stat_rows(s, SQL[i][1], SQL[i][0], fn, ctx, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        fn(ctx, "last run:  (none recorded)");
    return 0;
}

int store_meta_get(struct store *s, const char *key, char **value,
                   struct mg_err *err)
{
    *value = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = st_col_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return *value != NULL;
}

int store_meta_put(struct store *s, const char *key, const char *value,
                   struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES(?1, ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    if (s->eng && s->eng->meta_put)
        return s->eng->meta_put(s, key, value, err);
    return 0;
}

/* The meta value holding the roots: one per line. */
#define ROOTS_KEY "roots"

int store_roots(struct store *s, char ***roots, int *n, struct mg_err *err)
{
    char *v = NULL;
    *roots = NULL;
    *n = 0;
    if (store_meta_get(s, ROOTS_KEY, &v, err) < 0)
        return -1;
    int cap = 0;
    for (const char *p = v; p && *p;) {
        const char *line;
        size_t len = mg_next_line(&p, &line);
        if (!len)
            continue;
        if (*n == cap)
            *roots = mg_realloc(*roots, sizeof **roots *
                                            (size_t)(cap = cap ? 2 * cap : 4));
        (*roots)[(*n)++] = mg_strndup(line, len);
    }
    free(v);
    return 0;
}

int store_roots_add(struct store *s, char *const *roots, int n,
                    struct mg_err *err)
{
    char **had;
    int nhad, added = 0;
    if (store_roots(s, &had, &nhad, err) < 0)
        return -1;
    struct buf all = {0};
    for (int i = 0; i < nhad; i++)
        buf_printf(&all, "%s%s", i ? "\n" : "", had[i]);
    for (int i = 0; i < n; i++) {
        int known = strchr(roots[i], '\n') != NULL || !*roots[i];
        for (int k = 0; k < nhad && !known; k++)
            known = strcmp(had[k], roots[i]) == 0;
        for (int k = 0; k < i && !known; k++)
            known = strcmp(roots[k], roots[i]) == 0;
        if (!known) {
            buf_printf(&all, "%s%s", all.len ? "\n" : "", roots[i]);
            added = 1;
        }
    }
    int rc = added ? store_meta_put(s, ROOTS_KEY, all.s, err) : 0;
    for (int i = 0; i < nhad; i++)
        free(had[i]);
    free(had);
    buf_free(&all);
    return rc;
}

int store_health(struct store *s, struct store_health *h, struct mg_err *err)
{
    h->last_run = NULL;
    h->schema = 0;
    h->articles = store_count(s);
    if (h->articles < 0)
        return mg_fail(err, "%s: cannot read: %s", s->path,
                       sqlite3_errmsg(s->db));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT key, value FROM meta WHERE key IN"
                           " ('last_run', 'schema_version')",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(st, 0);
            const char *v = (const char *)sqlite3_column_text(st, 1);
            if (!k || !v)
                continue;
            if (strcmp(k, "schema_version") == 0) {
                h->schema = atoi(v);
            } else {
                free(h->last_run);
                h->last_run = mg_strdup(v);
            }
        }
    }
    sqlite3_finalize(st);
    return 0;
}

void store_rollback(struct store *s)
{
    s->held = 0;
    if (s->eng && s->eng->rollback)
        s->eng->rollback(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Copies src over dst in one backup step, waiting out readers. */
static int backup(sqlite3 *src, sqlite3 *dst)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return sqlite3_errcode(dst);
    int rc;
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(100);
    } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    int frc = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? frc : rc;
}

int store_swap_in(const char *built, const char *live, struct mg_err *err)
{
    if (st_engine_of(built) || st_engine_of(live))
        return mg_fail(err,
                       "%s: store_swap_in: not supported by the %s engine "
                       "(build the new index in a directory of its own "
                       "and move it in place)",
                       live,
                       st_engine_of(built) ? st_engine_of(built)
                                           : st_engine_of(live));
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(built, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(live, &dst,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(dst, 60000);
        sqlite3_exec(dst, "PRAGMA journal_size_limit=16777216", NULL, NULL,
                     NULL);
        sqlite3_exec(dst, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        rc = backup(src, dst);
    }
    int status = 0;
    /* The copy went through the live index's write-ahead log, as big as
     * the index: moved into the index and truncated once the searches
     * reading older snapshots are done (the busy timeout), else it
     * stays, used as before, until a later checkpoint. */
    if (rc == SQLITE_OK &&
        sqlite3_wal_checkpoint_v2(dst, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL) != SQLITE_OK) {
        mg_fail(err,
                "%s: the write-ahead log could not be emptied (%s): "
                "searches kept it busy; the next run empties it",
                live, sqlite3_errmsg(dst));
        status = 1;
    }
    if (rc != SQLITE_OK)
        status = mg_fail(err,
                         "%s: cannot swap in the rebuilt index (%s); the old "
                         "index is unchanged, the new one is in %s",
                         live, sqlite3_errmsg(dst ? dst : src), built);
    sqlite3_close(src);
    sqlite3_close(dst);
    return status;
}

void store_threads_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
