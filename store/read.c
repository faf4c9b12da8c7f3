/*
 * read.c - what a search reads besides the full-text match (store.h):
 * an article's facts, its page row and entities, entities by id and by
 * prefix, near-duplicates, the newest date and the flags the ranking
 * trusts, one snapshot for a whole search and its deadline.  Each
 * statement is prepared on first use and kept for the life of the store
 * (one store per thread).
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

/* ---- one snapshot, a deadline ------------------------------------------ */

static int progress(void *arg)
{
    struct store *s = arg;
    if (s->deadline > 0 && mg_now() > s->deadline) {
        s->timed_out = 1;
        return 1;
    }
    return 0;
}

int store_read_begin(struct store *s)
{
    return sqlite3_get_autocommit(s->db) &&
           sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void store_read_end(struct store *s, int began)
{
    /* the statements whose rows were lent out let go of the snapshot */
    sqlite3_reset(s->rd_facts);
    sqlite3_reset(s->rd_hit);
    sqlite3_reset(s->rd_entity);
    sqlite3_reset(s->word_next);
    sqlite3_reset(s->word_after);
    if (began)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

void store_set_deadline(struct store *s, double when)
{
    if (!s->progress) {
        sqlite3_progress_handler(s->db, 1000, progress, s);
        s->progress = 1;
    }
    s->deadline = when;
}

void store_clear_timeout(struct store *s)
{
    s->timed_out = 0;
}

double store_deadline(const struct store *s)
{
    return s->deadline;
}

int store_timed_out(const struct store *s)
{
    return s->timed_out;
}

/* ---- one article ------------------------------------------------------- */

/* Steps the kept statement sql (in slot) for id: 1 with *st on its row
 * (lent until the next call), 0 when there is none, -1 with err. */
static int row_by_id(struct store *s, sqlite3_stmt **slot, const char *sql,
                     int64_t id, sqlite3_stmt **st, struct mg_err *err)
{
    if (!(*st = st_kept(s, slot, sql, err)))
        return -1;
    sqlite3_bind_int64(*st, 1, id);
    int rc = sqlite3_step(*st);
    if (rc == SQLITE_ROW)
        return 1;
    sqlite3_reset(*st);
    return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
}

/* The two text columns of id's row, lent (NULL when there is none). */
static int texts_by_id(struct store *s, sqlite3_stmt **slot, const char *sql,
                       int64_t id, const char **a, const char **b,
                       struct mg_err *err)
{
    sqlite3_stmt *st;
    int rc = row_by_id(s, slot, sql, id, &st, err);
    *a = rc > 0 ? (const char *)sqlite3_column_text(st, 0) : NULL;
    *b = rc > 0 ? (const char *)sqlite3_column_text(st, 1) : NULL;
    return rc;
}

int store_article_facts(struct store *s, int64_t id, const char **date,
                        const char **source, struct mg_err *err)
{
    return texts_by_id(s, &s->rd_facts,
                       "SELECT date, source FROM articles INDEXED BY"
                       " articles_meta WHERE id = ?1",
                       id, date, source, err);
}

int store_article_simhash(struct store *s, int64_t id, uint64_t *sh,
                          struct mg_err *err)
{
    sqlite3_stmt *st;
    int rc = row_by_id(s, &s->rd_simhash,
                       "SELECT simhash FROM articles INDEXED BY"
                       " articles_meta WHERE id = ?1",
                       id, &st, err);
    *sh = rc > 0 ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    if (rc > 0)
        sqlite3_reset(st);
    return rc < 0 ? -1 : 0;
}

int store_article_julian(struct store *s, int64_t id, double *jd,
                         struct mg_err *err)
{
    sqlite3_stmt *st;
    int rc = row_by_id(s, &s->rd_julian,
                       "SELECT julianday(date) FROM articles INDEXED BY"
                       " articles_meta WHERE id = ?1",
                       id, &st, err);
    *jd = rc > 0 && sqlite3_column_type(st, 0) != SQLITE_NULL
              ? sqlite3_column_double(st, 0)
              : 0;
    if (rc > 0)
        sqlite3_reset(st);
    return rc < 0 ? -1 : 0;
}

static void hit_row(sqlite3_stmt *st, struct store_hit_row *h)
{
    memset(h, 0, sizeof *h);
    h->uid = (const char *)sqlite3_column_text(st, 0);
    h->title = (const char *)sqlite3_column_text(st, 1);
    h->date = (const char *)sqlite3_column_text(st, 2);
    h->source = (const char *)sqlite3_column_text(st, 3);
    h->path = (const char *)sqlite3_column_text(st, 4);
    h->url = (const char *)sqlite3_column_text(st, 5);
}

int store_article_hit(struct store *s, int64_t id, struct store_hit_row *h,
                      struct mg_err *err)
{
    sqlite3_stmt *st;
    int rc = row_by_id(s, &s->rd_hit,
                       "SELECT uid, title, date, source, path, url FROM"
                       " articles WHERE id = ?1",
                       id, &st, err);
    if (rc > 0)
        hit_row(st, h);
    else
        memset(h, 0, sizeof *h);
    return rc;
}

int store_article_entity_ids(struct store *s, int64_t id, store_id_fn fn,
                             void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st = st_kept(s, &s->rd_entity_ids,
                               "SELECT entity_id FROM article_entities"
                               " WHERE article_id = ?1",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
}

int store_entity(struct store *s, int64_t id, const char **kind,
                 const char **name, struct mg_err *err)
{
    return texts_by_id(s, &s->rd_entity,
                       "SELECT kind, canonical FROM entities WHERE id = ?1", id,
                       kind, name, err);
}

/* ---- the whole index --------------------------------------------------- */

int store_newest(struct store *s, double *jd, struct mg_err *err)
{
    sqlite3_stmt *st = st_kept(
        s, &s->rd_newest, "SELECT julianday(max(date)) FROM articles", err);
    if (!st)
        return -1;
    *jd = 0;
    if (sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) != SQLITE_NULL)
        *jd = sqlite3_column_double(st, 0);
    sqlite3_reset(st);
    return 0;
}

int store_date_ordered(struct store *s)
{
    struct mg_err err = {""};
    sqlite3_stmt *st =
        st_kept(s, &s->rd_date_order,
                "SELECT value FROM meta WHERE key = 'date_order'", &err);
    int yes = st && sqlite3_step(st) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(st, 0), "1") == 0;
    if (st)
        sqlite3_reset(st);
    return yes;
}

int store_stats_cover(struct store *s, int64_t rowid_max, struct mg_err *err)
{
    sqlite3_stmt *st = st_kept(s, &s->rd_cover,
                               "SELECT (SELECT max(id) FROM articles),"
                               " EXISTS (SELECT 1 FROM stats_dirty)",
                               err);
    if (!st)
        return -1;
    int use = sqlite3_step(st) == SQLITE_ROW &&
              sqlite3_column_int64(st, 0) <= rowid_max &&
              !sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    return use;
}

/* Calls fn for each (kind, name, count) row of st; 0 or -1 with err. */
static int name_rows(struct store *s, sqlite3_stmt *st, store_name_fn fn,
                     void *ctx, struct mg_err *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
}

int store_similar(struct store *s, const char *uid, int maxdist, int limit,
                  store_hit_fn fn, void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st =
        st_kept(s, &s->rd_simhash_uid,
                "SELECT simhash FROM articles WHERE uid = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    uint64_t sh = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
    if (sh == 0) /* an empty body is like no other */
        return 1;
    /* A full scan of one integer column: milliseconds for 100,000
     * articles. */
    st = st_kept(s, &s->rd_similar,
                 "SELECT a.uid, a.title, a.date, a.source, a.path, a.url,"
                 " morgue_hamming(a.simhash, ?1) AS d, a.lede FROM articles a"
                 " WHERE a.simhash != 0 AND a.uid != ?2 AND d <= ?3"
                 " ORDER BY d, a.date, a.id LIMIT ?4",
                 err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)sh);
    sqlite3_bind_text(st, 2, uid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, maxdist);
    sqlite3_bind_int(st, 4, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_hit_row h;
        hit_row(st, &h);
        h.value = sqlite3_column_double(st, 6);
        h.lede = (const char *)sqlite3_column_text(st, 7);
        fn(ctx, &h);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 1 : st_read_fail(s, err);
}

int store_entities_find(struct store *s, const char *prefix, const char *kind,
                        int limit, store_name_fn fn, void *ctx,
                        struct mg_err *err)
{
    sqlite3_stmt *st =
        st_kept(s, &s->rd_entities_find,
                "SELECT e.kind, e.canonical, (SELECT count(*) FROM"
                " article_entities ae WHERE ae.entity_id = e.id) AS c"
                " FROM entities e WHERE (?2 IS NULL OR e.kind = ?2) AND e.id IN"
                " (SELECT entity_id FROM entity_aliases WHERE alias >= ?1"
                " AND alias < ?1 || x'f48fbfbf') ORDER BY c DESC, e.canonical"
                " LIMIT ?3",
                err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit);
    return name_rows(s, st, fn, ctx, err);
}

int store_article_entities(struct store *s, const char *uid, store_name_fn fn,
                           void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st =
        st_kept(s, &s->rd_article_entities,
                "SELECT e.kind, e.canonical, ae.mentions FROM articles a"
                " JOIN article_entities ae ON ae.article_id = a.id"
                " JOIN entities e ON e.id = ae.entity_id WHERE a.uid = ?1"
                " ORDER BY e.kind = 'person' DESC, e.kind = 'place' DESC,"
                " ae.mentions DESC, ae.first_pos, e.canonical",
                err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    return name_rows(s, st, fn, ctx, err);
}

/* morgue_hamming(a, b): the bits in which two fingerprints differ. */
static void hamming_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx,
                       fp_distance((uint64_t)sqlite3_value_int64(argv[0]),
                                   (uint64_t)sqlite3_value_int64(argv[1])));
}

int st_register_read(struct store *s, struct mg_err *err)
{
    if (sqlite3_create_function(s->db, "morgue_hamming", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                hamming_fn, NULL, NULL) != SQLITE_OK)
        return st_fail(s, err);
    return snippet_register(s->db, err);
}
