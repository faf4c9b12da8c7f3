/*
 * articles.c - writing and reading articles: store_put with its
 * ownership rules, deleting, counting, reading one back (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void st_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void st_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

/* The tokenizer for articles whose keys the caller did not give. */
struct tok *st_tok(struct store *s, struct mg_err *err)
{
    if (!s->tok && !(s->tok = tok_new()))
        mg_fail(err, "cannot create the Snowball English stemmer");
    return s->tok;
}

/* Takes the stored article id out of the word statistics (before it is
 * replaced or deleted): its keys, from its stored columns. */
static int stats_remove(struct store *s, int64_t id, struct mg_err *err)
{
    if (ts_run_recounts(s->stats))
        return 0;
    if (!st_tok(s, err))
        return -1;
    if (!s->old && st_prepare(s, &s->old,
                              "SELECT title, lede, body, captions, highlights,"
                              " entities FROM articles WHERE id=?1",
                              err) < 0)
        return -1;
    sqlite3_bind_int64(s->old, 1, id);
    int rc = sqlite3_step(s->old);
    if (rc == SQLITE_ROW) {
        const char *cols[ART_NCOLS];
        for (int c = 0; c < ART_NCOLS; c++)
            cols[c] = (const char *)sqlite3_column_text(s->old, c);
        ts_doc_build(&s->doc, s->tok, cols, NULL);
        ts_run_add(s->stats, id, &s->doc, -1);
    }
    sqlite3_reset(s->old);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}

/* Counts the article just written as id in the word statistics: its keys
 * doc, or computed from a. */
static int stats_add(struct store *s, int64_t id, const struct article *a,
                     const struct ts_doc *doc, struct mg_err *err)
{
    if (ts_run_recounts(s->stats))
        return 0;
    if (!doc) {
        if (!st_tok(s, err))
            return -1;
        const char *cols[ART_NCOLS] = {a->title,    a->lede,       a->body,
                                       a->captions, a->highlights, a->entities};
        ts_doc_build(&s->doc, s->tok, cols, NULL);
        doc = &s->doc;
    }
    ts_run_add(s->stats, id, doc, 1);
    return 0;
}

int store_finish(struct store *s, struct mg_err *err)
{
    if (s->eng) {
        if (st_commit_held(s, err) < 0)
            return -1;
        return s->eng->finish ? s->eng->finish(s, err)
                              : st_unsupported(s, "store_finish", err);
    }
    if (!s->stats)
        return 0;
    if (!st_tok(s, err)) /* a recount may be decided at the end */
        return -1;
    int rc = ts_run_finish(s->stats, s->tok, err);
    s->wrote_most = rc == 0 && ts_run_wrote_most(s->stats);
    ts_run_free(s->stats);
    s->stats = ts_run_new(s->db);
    return rc;
}

int store_wrote_most(const struct store *s)
{
    return s->wrote_most;
}

/* Whether the file at path (another file's record) is still there: a
 * feed that is not a path ("stdin:NAME") always is. */
int st_file_present(const char *path)
{
    struct stat sb;
    return path && (path[0] != '/' || stat(path, &sb) == 0);
}

/* Records that file_id gives uid; 0 or -1 with err. */
static int claim(struct store *s, const char *uid, int64_t file_id,
                 struct mg_err *err)
{
    sqlite3_bind_text(s->claim, 1, uid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->claim, 2, file_id);
    int rc = sqlite3_step(s->claim);
    sqlite3_reset(s->claim);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}

/* The owner of uid (owner_id) is gone from the disk: the other claimant
 * still there whose path sorts last, if it sorts after this file's, into
 * *best (else 0).  0 or -1 with err. */
static int best_claimant(struct store *s, const char *uid, int64_t owner_id,
                         int64_t *best, struct mg_err *err)
{
    *best = 0;
    char *best_path = NULL;
    const char *mine = s->file_path ? s->file_path : "";
    sqlite3_bind_text(s->claimants, 1, uid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->claimants, 2, owner_id);
    sqlite3_bind_int64(s->claimants, 3, s->file_id);
    int rc;
    while ((rc = sqlite3_step(s->claimants)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(s->claimants, 1);
        if (!path || strcmp(path, best_path ? best_path : mine) <= 0 ||
            !st_file_present(path))
            continue;
        free(best_path);
        best_path = mg_strdup(path);
        *best = sqlite3_column_int64(s->claimants, 0);
    }
    sqlite3_reset(s->claimants);
    free(best_path);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}

void store_set_reread(struct store *s, struct store_ids *reread)
{
    s->reread = reread;
}

/* What the index holds under an article's key (store_put). */
struct held {
    int exists, same; /* stored, with the same hash */
    int64_t file_id;  /* the file that owns it (0: none) */
};

/* Looks up key uid (hash: the new version's) into *h and s->last_id, and
 * settles whose it is when another file gives the same key: 1 when
 * another file owns it (shadowed: this one only claims it), 0, or -1. */
static int find_owner(struct store *s, const char *uid, const char *hash,
                      struct held *h, struct mg_err *err)
{
    sqlite3_bind_text(s->find, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->find);
    h->exists = rc == SQLITE_ROW;
    if (h->exists)
        s->last_id = sqlite3_column_int64(s->find, 0);
    h->same = h->exists &&
              strcmp((const char *)sqlite3_column_text(s->find, 1), hash) == 0;
    h->file_id = h->exists ? sqlite3_column_int64(s->find, 2) : 0;
    const char *owner =
        h->exists ? (const char *)sqlite3_column_text(s->find, 3) : NULL;
    int other = h->exists && s->file_id > 0 && h->file_id > 0 &&
                h->file_id != s->file_id;
    int shadowed = 0, failed = 0;
    if (other && owner && st_file_present(owner)) {
        /* Another file that is still there gives the same key: both claim
         * it, and the one whose path sorts last owns it, in whatever
         * order they are read. */
        failed = claim(s, uid, h->file_id, err) < 0 ||
                 claim(s, uid, s->file_id, err) < 0;
        shadowed = strcmp(owner, s->file_path ? s->file_path : "") > 0;
    } else if (other) {
        /* its owner is gone (moved, deleted): the file to take it is the
         * claimant still there whose path sorts last, maybe not this
         * one; that one is read again to store its copy */
        int64_t best = 0;
        failed = best_claimant(s, uid, h->file_id, &best, err) < 0 ||
                 (best && claim(s, uid, s->file_id, err) < 0);
        if (!failed && best && s->reread)
            store_ids_add(s->reread, best);
        shadowed = best != 0;
    }
    sqlite3_reset(s->find);
    if (failed)
        return -1;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return shadowed;
}

/* The same article, now read from another file: it moves to that file. */
static int move_to_file(struct store *s, struct mg_err *err)
{
    sqlite3_stmt *mv = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE articles SET file_id=?1 WHERE id=?2",
                           -1, &mv, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_int64(mv, 1, s->file_id);
    sqlite3_bind_int64(mv, 2, s->last_id);
    int rc = sqlite3_step(mv);
    sqlite3_finalize(mv);
    if (rc != SQLITE_DONE)
        return st_fail(s, err);
    return 0;
}

/* Writes a's row (st: the insert or the update) with its hash. */
static int write_row(struct store *s, sqlite3_stmt *st, const struct article *a,
                     const char *hash, struct mg_err *err)
{
    st_bind_text(st, 1, a->uid);
    st_bind_text(st, 2, a->title);
    st_bind_text(st, 3, a->lede);
    st_bind_text(st, 4, a->body);
    st_bind_text(st, 5, a->captions);
    st_bind_text(st, 6, a->highlights);
    st_bind_text(st, 7, a->entities);
    st_bind_opt(st, 8, a->date);
    st_bind_opt(st, 9, a->source);
    st_bind_opt(st, 10, a->url);
    st_bind_opt(st, 11, a->byline);
    st_bind_opt(st, 12, a->section);
    st_bind_opt(st, 13, a->dateline);
    st_bind_opt(st, 14, a->language);
    st_bind_opt(st, 15, a->description);
    st_bind_opt(st, 16, a->path);
    sqlite3_bind_text(st, 17, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 18, (sqlite3_int64)a->simhash);
    if (s->file_id > 0)
        sqlite3_bind_int64(st, 19, s->file_id);
    else
        sqlite3_bind_null(st, 19);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: storing %s: %s", s->path, a->uid,
                       sqlite3_errmsg(s->db));
    return 0;
}

/* A new article (s->last_id) into fts by its own statement, not by an
 * AFTER INSERT trigger: a statement with a trigger opens a statement
 * transaction, and FTS5 writes its pending terms to disk at every one,
 * one small segment per article. */
static int index_new(struct store *s, const struct article *a,
                     struct mg_err *err)
{
    /* a rowid given again (the last ones were deleted): its block's
     * bounds do not know it yet */
    if (ts_run_covers(s->stats, s->last_id) &&
        ts_run_dirty(s->stats, s->last_id, err) < 0)
        return -1;
    sqlite3_stmt *f = s->fts_insert;
    sqlite3_bind_int64(f, 1, s->last_id);
    st_bind_text(f, 2, a->title);
    st_bind_text(f, 3, a->lede);
    st_bind_text(f, 4, a->body);
    st_bind_text(f, 5, a->captions);
    st_bind_text(f, 6, a->highlights);
    st_bind_text(f, 7, a->entities);
    int rc = sqlite3_step(f);
    sqlite3_reset(f);
    sqlite3_clear_bindings(f);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: indexing %s: %s", s->path, a->uid,
                       sqlite3_errmsg(s->db));
    return 0;
}

int store_put(struct store *s, const struct article *a,
              const struct ts_doc *doc, struct mg_err *err)
{
    int down = store_suppressed(s, a->uid, err);
    if (down)
        return down < 0 ? -1 : STORE_SUPPRESSED;
    char hash[17];
    article_hash(a, hash);
    struct held h;
    int shadowed = find_owner(s, a->uid, hash, &h, err);
    if (shadowed)
        return shadowed < 0 ? -1 : STORE_SHADOWED;
    if (h.same && s->file_id > 0 && h.file_id != s->file_id &&
        move_to_file(s, err) < 0)
        return -1;
    if (h.same)
        return STORE_UNCHANGED;
    if (s->eng) {
        if (s->eng->put(s, a, h.exists, hash, err) < 0)
            return -1;
        if (s->journal)
            s->journal(s->journal_ctx, h.exists ? "update" : "add", a->uid);
        return h.exists ? STORE_CHANGED : STORE_ADDED;
    }
    if (ts_run_begin(s->stats, err) < 0)
        return -1;
    /* a changed article: its old words out of the statistics, and its
     * block marked, its bounds maybe too low until the run ends */
    if (h.exists && (stats_remove(s, s->last_id, err) < 0 ||
                     ts_run_dirty(s->stats, s->last_id, err) < 0))
        return -1;
    if (write_row(s, h.exists ? s->update : s->insert, a, hash, err) < 0)
        return -1;
    if (!h.exists) {
        s->last_id = sqlite3_last_insert_rowid(s->db);
        if (index_new(s, a, err) < 0)
            return -1;
    }
    s->last_new = !h.exists;
    if (stats_add(s, s->last_id, a, doc, err) < 0)
        return -1;
    if (s->journal)
        s->journal(s->journal_ctx, h.exists ? "update" : "add", a->uid);
    return h.exists ? STORE_CHANGED : STORE_ADDED;
}

/* Deletes article id (uid) with its words, entity links (trigger) and
 * claims, queueing in reread the other files that claim its key;
 * 0 or -1 with err. */
int st_delete_article(struct store *s, int64_t id, const char *uid,
                      int64_t file_id, struct store_ids *reread,
                      struct mg_err *err)
{
    int rc;
    if (s->eng
            ? s->eng->del(s, uid, err) < 0
            : ts_run_begin(s->stats, err) < 0 || stats_remove(s, id, err) < 0)
        return -1;
    sqlite3_bind_text(s->others, 1, uid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->others, 2, file_id);
    while ((rc = sqlite3_step(s->others)) == SQLITE_ROW)
        if (reread)
            store_ids_add(reread, sqlite3_column_int64(s->others, 0));
    sqlite3_reset(s->others);
    if (rc == SQLITE_DONE) {
        sqlite3_bind_text(s->unclaim, 1, uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->unclaim, 2, file_id);
        rc = sqlite3_step(s->unclaim);
        sqlite3_reset(s->unclaim);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_bind_int64(s->remove, 1, id);
        rc = sqlite3_step(s->remove);
        sqlite3_reset(s->remove);
    }
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: removing %s: %s", s->path, uid,
                       sqlite3_errmsg(s->db));
    if (s->journal)
        s->journal(s->journal_ctx, "delete", uid);
    return 0;
}

int64_t store_count(struct store *s)
{
    if (s->eng)
        return s->eng->count ? s->eng->count(s) : -1;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM articles", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

char *st_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? mg_strdup((const char *)t) : NULL;
}

int store_get(struct store *s, const char *uid, struct article *a,
              struct mg_err *err)
{
    article_clear(a);
    if (s->eng)
        return s->eng->get ? s->eng->get(s, uid, a, err)
                           : st_unsupported(s, "store_get", err);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db, "SELECT uid, " STORE_FIELDS " FROM articles WHERE uid=?1",
            -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char **f[] = {
            &a->uid,      &a->title,      &a->lede,        &a->body,
            &a->captions, &a->highlights, &a->entities,    &a->date,
            &a->source,   &a->url,        &a->byline,      &a->section,
            &a->dateline, &a->language,   &a->description, &a->path};
        for (int i = 0; i < (int)(sizeof f / sizeof *f); i++)
            *f[i] = st_col_dup(st, i);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return st_fail(s, err);
}
