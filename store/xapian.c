/*
 * xapian.c - the Xapian engine behind the store calls morgue-index makes
 * (store_open_as with engine "xapian"; docs/architecture.md section 4,
 * engine/xapian/NOTES-index.md).
 *
 * An index is a directory DIR:
 *  - one Xapian database, DIR itself (no --shards), or N of them,
 *    DIR/shard-0 .. DIR/shard-N-1 (--shards N), each an ordinary Xapian
 *    database written through the shim (engine/xapian/shim.h), with the
 *    cluster file DIR/cluster listing them (engine/xapian/cluster.h); an
 *    article goes to shard mg_hash64(uid) % N, recorded in the side
 *    file's meta (shards, route) and in each shard's metadata
 *    (morgue:shard = "K/N", morgue:route);
 *  - the side file DIR/files.db (ST_SIDE_FILE): the indexer's own records,
 *    with the FTS5 schema's tables meta, files, claims and suppressed and a
 *    slim articles table (uid, content hash, file, path), so that the file
 *    bookkeeping, the identity rule of store_put (which file owns a key),
 *    the takedown list and meta are the FTS5 store's own code on this file
 *    (files.c, takedown.c, admin.c, articles.c's find_owner); this file
 *    writes the articles into the shards.
 *
 * store_put hands the article over before store_put_entities gives its
 * entities, and mgx_put takes both: the article is held (copied) until
 * store_put_entities, the next put, a delete, a commit or the end.  The
 * writes of a batch (store_begin .. store_commit) are one Xapian
 * transaction per shard, committed before the side file's COMMIT: a
 * crash between the two leaves the batch's files unrecorded, so the next
 * run reads them again and writes the same articles (replace by uid).
 * All shards are written by the calling thread: mgx_set_peers lets each
 * shard's put see the others' near-duplicates (NOTES-index.md says why
 * not one thread per shard yet).
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef MG_XAPIAN
#include "shim.h"

/* The side file's schema: the FTS5 schema's bookkeeping tables and a slim
 * articles table with the columns find_owner, store_file_drop,
 * st_delete_article and store_take_down read. */
static const char SIDE_SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE articles(id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
    " hash TEXT NOT NULL, file_id INTEGER, path TEXT);" FILES_SCHEMA
        IDENTITY_SCHEMA;

struct xst {
    int n;              /* shards (0: the directory is the one database) */
    int nh;             /* handles: n, or 1 */
    struct mgx_db **sh; /* the databases, by shard */
    struct article held; /* the article store_put gave, not yet written */
    int has_held;
    sqlite3_stmt *ins, *upd; /* the slim row */
};

static struct xst *xs(struct store *s)
{
    return s->eng_state;
}

/* The shard of uid: mg_hash64(uid) % n (0 without shards). */
static int shard_of(const struct xst *x, const char *uid)
{
    return x->n > 1 ? (int)(mg_hash64(uid, strlen(uid)) % (uint64_t)x->n) : 0;
}

static void copy_article(struct article *to, const struct article *a)
{
    article_clear(to);
    article_set(&to->uid, a->uid);
    to->uid_kind = a->uid_kind;
    article_set(&to->title, a->title);
    article_set(&to->lede, a->lede);
    article_set(&to->body, a->body);
    article_set(&to->captions, a->captions);
    article_set(&to->highlights, a->highlights);
    article_set(&to->entities, a->entities);
    article_set(&to->date, a->date);
    article_set(&to->source, a->source);
    article_set(&to->url, a->url);
    article_set(&to->byline, a->byline);
    article_set(&to->section, a->section);
    article_set(&to->dateline, a->dateline);
    article_set(&to->language, a->language);
    article_set(&to->description, a->description);
    article_set(&to->path, a->path);
    to->simhash = a->simhash;
}

/* Writes the held article (with entities es, NULL: none) into its
 * shard.  0 or -1 with err. */
static int flush(struct xst *x, const struct ent_set *es, struct mg_err *err)
{
    if (!x->has_held)
        return 0;
    x->has_held = 0;
    int rc = mgx_put(x->sh[shard_of(x, x->held.uid)], &x->held, es, err);
    article_clear(&x->held);
    return rc < 0 ? -1 : 0;
}

static int xap_put(struct store *s, const struct article *a, int exists,
                   const char *hash, struct mg_err *err)
{
    struct xst *x = xs(s);
    if (flush(x, NULL, err) < 0)
        return -1;
    sqlite3_stmt *st = exists ? x->upd : x->ins;
    sqlite3_bind_text(st, 1, a->uid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    if (s->file_id > 0)
        sqlite3_bind_int64(st, 3, s->file_id);
    else
        sqlite3_bind_null(st, 3);
    st_bind_opt(st, 4, a->path);
    if (st_step_done(s, st, err) < 0)
        return -1;
    copy_article(&x->held, a);
    x->has_held = 1;
    return 0;
}

static int xap_put_entities(struct store *s, const struct ent_set *es,
                            struct mg_err *err)
{
    return flush(xs(s), es, err);
}

static int xap_del(struct store *s, const char *uid, struct mg_err *err)
{
    struct xst *x = xs(s);
    if (flush(x, NULL, err) < 0)
        return -1;
    return mgx_delete(x->sh[shard_of(x, uid)], uid, err) < 0 ? -1 : 0;
}

static int xap_begin(struct store *s, struct mg_err *err)
{
    struct xst *x = xs(s);
    for (int i = 0; i < x->nh; i++)
        if (mgx_begin(x->sh[i], err) < 0)
            return -1;
    return 0;
}

static int xap_commit(struct store *s, struct mg_err *err)
{
    struct xst *x = xs(s);
    if (flush(x, NULL, err) < 0)
        return -1;
    for (int i = 0; i < x->nh; i++)
        if (mgx_commit(x->sh[i], err) < 0)
            return -1;
    return 0;
}

static void xap_rollback(struct store *s)
{
    struct xst *x = xs(s);
    x->has_held = 0;
    article_clear(&x->held);
    for (int i = 0; i < x->nh; i++)
        mgx_cancel(x->sh[i]);
}

static int64_t xap_count(struct store *s)
{
    struct xst *x = xs(s);
    struct mg_err err;
    int64_t n = 0;
    if (flush(x, NULL, &err) < 0)
        return -1;
    for (int i = 0; i < x->nh; i++) {
        struct mgx_stats st;
        if (mgx_stats(x->sh[i], &st, &err) < 0)
            return -1;
        n += st.docs;
    }
    return n;
}

static int xap_get(struct store *s, const char *uid, struct article *a,
                   struct mg_err *err)
{
    struct xst *x = xs(s);
    if (flush(x, NULL, err) < 0)
        return -1;
    return mgx_get(x->sh[shard_of(x, uid)], uid, a, err);
}

/* One line of --stats from a query of the side file (one row, one text
 * column), "prefix value"; 1 when there was a row, 0, -1 with err. */
static int side_line(struct store *s, const char *prefix, const char *sql,
                     store_line_fn fn, void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int rc = sqlite3_step(st), got = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        struct buf b = {0};
        buf_printf(&b, "%s%s", prefix, (const char *)sqlite3_column_text(st, 0));
        fn(ctx, b.s);
        buf_free(&b);
        got = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return got;
}

static int xap_stats(struct store *s, store_line_fn fn, void *ctx,
                     struct mg_err *err)
{
    struct xst *x = xs(s);
    struct buf b = {0};
    int64_t all = 0;
    struct mgx_stats *st = mg_calloc((size_t)x->nh, sizeof *st);
    for (int i = 0; i < x->nh; i++) {
        if (mgx_stats(x->sh[i], &st[i], err) < 0) {
            free(st);
            return -1;
        }
        all += st[i].docs;
    }
    buf_printf(&b, "articles:  %lld (xapian engine, %d shard%s)",
               (long long)all, x->nh, x->nh == 1 ? "" : "s");
    fn(ctx, b.s);
    for (int i = 0; i < x->nh && x->n > 0; i++) {
        buf_clear(&b);
        buf_printf(&b, "  shard    %s: %lld", mgx_path(x->sh[i]),
                   (long long)st[i].docs);
        fn(ctx, b.s);
    }
    free(st);
    buf_free(&b);
    int rc = side_line(s, "files:     ",
                       "SELECT count(*) || ' (' || ifnull(sum(articles), 0) ||"
                       " ' articles; last read ' || ifnull(max(indexed), '-')"
                       " || ')' FROM files",
                       fn, ctx, err);
    if (rc >= 0)
        rc = side_line(s, "taken down: ", "SELECT count(*) FROM suppressed",
                       fn, ctx, err);
    if (rc >= 0)
        rc = side_line(s, "last run:  ",
                       "SELECT value FROM meta WHERE key = 'last_run'", fn,
                       ctx, err);
    if (rc == 0)
        fn(ctx, "last run:  (none recorded)");
    return rc < 0 ? -1 : 0;
}

static int xap_finish(struct store *s, struct mg_err *err)
{
    return xap_commit(s, err);
}

static void xap_close(struct store *s)
{
    struct xst *x = xs(s);
    if (!x)
        return;
    /* an open batch is dropped, as the side file's is */
    article_clear(&x->held);
    for (int i = 0; i < x->nh; i++) {
        mgx_cancel(x->sh[i]);
        mgx_close(x->sh[i]);
    }
    free(x->sh);
    sqlite3_finalize(x->ins);
    sqlite3_finalize(x->upd);
    free(x);
    s->eng_state = NULL;
}

static const struct store_engine XAPIAN_ENGINE = {
    .version = 1,
    .name = "xapian",
    .close = xap_close,
    .begin = xap_begin,
    .commit = xap_commit,
    .rollback = xap_rollback,
    .put = xap_put,
    .put_entities = xap_put_entities,
    .del = xap_del,
    .finish = xap_finish,
    .count = xap_count,
    .get = xap_get,
    .stats = xap_stats,
    .check = NULL, /* xapian-check DIR (or each DIR/shard-K) */
};

/* The side meta value of key as an integer, or dflt. */
static long side_int(struct store *s, const char *key, long dflt)
{
    long v = st_meta_int(s, key);
    return v < 0 ? dflt : v;
}

static int side_put(struct store *s, const char *key, const char *value,
                    struct mg_err *err)
{
    return store_meta_put(s, key, value, err);
}

/* Creates the side file's tables and records the engine, the shards and
 * the routing rule. */
static int side_create(struct store *s, int shards, struct mg_err *err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", shards);
    if (st_exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (st_exec(s, SIDE_SCHEMA, err) < 0 ||
        side_put(s, "engine", "xapian", err) < 0 ||
        side_put(s, "shards", n, err) < 0 ||
        side_put(s, "route", "mg_hash64(uid) % shards", err) < 0 ||
        st_exec(s, "COMMIT", err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Writes DIR/cluster: one line per shard, its path (absolute). */
static int write_cluster(const char *dir, int n, struct mg_err *err)
{
    char *real = realpath(dir, NULL);
    struct buf path = {0}, tmp = {0};
    buf_printf(&path, "%s/cluster", dir);
    buf_printf(&tmp, "%s/cluster.tmp", dir);
    FILE *f = fopen(tmp.s, "w");
    int rc = -1;
    if (f) {
        fprintf(f,
                "# the shards of this index (morgue-index --engine xapian "
                "--shards %d),\n# one line per shard: its replicas "
                "(host:port or a path), separated by spaces\n",
                n);
        for (int k = 0; k < n; k++)
            fprintf(f, "%s/shard-%d\n", real ? real : dir, k);
        rc = fclose(f) == 0 && rename(tmp.s, path.s) == 0 ? 0 : -1;
    }
    if (rc < 0)
        mg_fail(err, "%s: cannot write it: %s", path.s, strerror(errno));
    free(real);
    buf_free(&path);
    buf_free(&tmp);
    return rc;
}

/* Opens the databases: shards DIR/shard-K (n >= 1) or DIR, checking (and
 * on a new shard writing) its morgue:shard metadata. */
static int open_shards(struct store *s, struct xst *x, enum store_mode mode,
                       struct mg_err *err)
{
    x->nh = x->n > 0 ? x->n : 1;
    x->sh = mg_calloc((size_t)x->nh, sizeof *x->sh);
    for (int k = 0; k < x->nh; k++) {
        struct buf p = {0}, want = {0};
        if (x->n > 0)
            buf_printf(&p, "%s/shard-%d", s->path, k);
        else
            buf_printf(&p, "%s", s->path);
        buf_printf(&want, "%d/%d", k, x->n > 0 ? x->n : 1);
        char *have = NULL;
        int rc = mgx_open(p.s, mode == STORE_WRITE ? MGX_WRITE : MGX_READ,
                          &x->sh[k], err);
        if (rc == 0)
            rc = mgx_meta_get(x->sh[k], "morgue:shard", &have, err);
        if (rc > 0 && strcmp(have, want.s) != 0)
            rc = mg_fail(err,
                         "%s: holds shard %s, this index expects %s "
                         "there: rebuild it",
                         p.s, have, want.s);
        else if (rc == 0 && mode == STORE_WRITE)
            rc = mgx_meta_put(x->sh[k], "morgue:shard", want.s, err) < 0 ||
                         mgx_meta_put(x->sh[k], "morgue:route",
                                      "mg_hash64(uid) % N", err) < 0 ||
                         mgx_commit(x->sh[k], err) < 0
                     ? -1
                     : 0;
        free(have);
        buf_free(&p);
        buf_free(&want);
        if (rc < 0)
            return -1;
    }
    if (mode == STORE_WRITE && x->nh > 1)
        for (int k = 0; k < x->nh; k++)
            if (mgx_set_peers(x->sh[k], x->sh, x->nh, err) < 0)
                return -1;
    return 0;
}

static int open_xapian(const char *path, enum store_mode mode, int shards,
                       struct store **out, struct mg_err *err)
{
    struct stat sb;
    int exists = st_engine_of(path) != NULL; /* the side file at least */
    if (!exists && mode == STORE_READ)
        return mg_fail(err,
                       "%s: no index here (build one with morgue-index "
                       "--engine xapian --db %s PATH)",
                       path, path);
    if (!exists && stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return mg_fail(err, "%s: a file, not a Xapian index directory", path);
    if (!exists && mkdir(path, 0755) < 0 && errno != EEXIST)
        return mg_fail(err, "%s: cannot make the directory: %s", path,
                       strerror(errno));
    struct store *s = mg_calloc(1, sizeof *s);
    struct xst *x = mg_calloc(1, sizeof *x);
    s->path = mg_strdup(path);
    s->eng = &XAPIAN_ENGINE;
    s->eng_state = x;
    struct buf side = {0};
    buf_printf(&side, "%s/" ST_SIDE_FILE, path);
    int flags = mode == STORE_READ ? SQLITE_OPEN_READONLY
                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(side.s, &s->db, flags, NULL);
    buf_free(&side);
    if (rc != SQLITE_OK) {
        mg_fail(err, "%s: cannot open %s: %s", path, ST_SIDE_FILE,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    if (mode == STORE_WRITE &&
        st_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                err) < 0)
        goto fail;
    /* a side file without tables: made by the writer lock, or a first run
     * that stopped before its first commit */
    sqlite3_stmt *q = NULL;
    int made = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE name='meta'", -1,
                           &q, NULL) != SQLITE_OK) {
        mg_fail(err, "%s: %s: not a morgue side file (%s)", path, ST_SIDE_FILE,
                sqlite3_errmsg(s->db));
        goto fail;
    }
    made = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    if (!made && mode == STORE_READ) {
        mg_fail(err, "%s: no index here (an empty %s)", path, ST_SIDE_FILE);
        goto fail;
    }
    exists = made;
    if (!made && side_create(s, shards, err) < 0)
        goto fail;
    char *engine = NULL;
    if (store_meta_get(s, "engine", &engine, err) < 0)
        goto fail;
    int ours = engine && strcmp(engine, "xapian") == 0;
    free(engine);
    if (!ours) {
        mg_fail(err, "%s: %s is not a Xapian index's side file", path,
                ST_SIDE_FILE);
        goto fail;
    }
    x->n = (int)side_int(s, "shards", 0);
    if (exists && shards > 0 && shards != x->n) {
        if (x->n == 0)
            mg_fail(err,
                    "%s: built as one database (no --shards), not %d "
                    "shards: build a new index to change it",
                    path, shards);
        else
            mg_fail(err,
                    "%s: built with %d shard%s, not %d: build a new index "
                    "to change it",
                    path, x->n, x->n > 1 ? "s" : "", shards);
        goto fail;
    }
    if (open_shards(s, x, mode, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && x->n > 0 && write_cluster(path, x->n, err) < 0)
        goto fail;
    if (mode == STORE_WRITE) {
        if (st_prepare_identity(s, err) < 0 ||
            st_prepare(s, &x->ins,
                       "INSERT INTO articles(uid, hash, file_id, path)"
                       " VALUES (?1, ?2, ?3, ?4)",
                       err) < 0 ||
            st_prepare(s, &x->upd,
                       "UPDATE articles SET hash=?2, file_id=?3, path=?4"
                       " WHERE uid=?1",
                       err) < 0)
            goto fail;
        st_count_suppressed(s);
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return -1;
}

int store_engine_built(const char *engine)
{
    return strcmp(engine, "fts5") == 0 || strcmp(engine, "xapian") == 0;
}
#else
static int open_xapian(const char *path, enum store_mode mode, int shards,
                       struct store **out, struct mg_err *err)
{
    (void)mode, (void)shards, (void)out;
    return mg_fail(err,
                   "%s: the xapian engine is not built (apt-get install "
                   "libxapian-dev, then make)",
                   path);
}

int store_engine_built(const char *engine)
{
    return strcmp(engine, "fts5") == 0;
}
#endif

int store_open_as(const char *path, enum store_mode mode, const char *engine,
                  int shards, struct store **out, struct mg_err *err)
{
    *out = NULL;
    const char *is = st_engine_of(path);
    if (!engine)
        engine = is ? is : "fts5";
    if (strcmp(engine, "fts5") == 0) {
        if (is)
            return mg_fail(err, "%s: an index of the %s engine, not fts5",
                           path, is);
        if (shards > 0)
            return mg_fail(err, "%s: shards are for the xapian engine", path);
        return store_open(path, mode, out, err);
    }
    if (strcmp(engine, "xapian") != 0)
        return mg_fail(err, "%s: no engine named \"%s\" (fts5, xapian)", path,
                       engine);
    return open_xapian(path, mode, shards, out, err);
}
