/*
 * store.c - schema, opening, version checks and writes of the index.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strmap.h"
#include "termstats.h"
#include "tokenizer.h"

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *find; /* uid -> id, hash */
    sqlite3_stmt *insert;
    sqlite3_stmt *update;
    sqlite3_stmt *fts_insert; /* a new article's row in fts (no trigger:
                               * see store_put) */
    sqlite3_stmt *ent_clear, *ent_insert, *ent_find, *alias_insert,
        *link_insert, *lone_insert, *ent_dirty, *ent_unlink, *lone_clear;
    int64_t last_id;     /* the article store_put() last wrote */
    int last_new;        /* ... and it was added, so it has no entity links */
    int64_t file_id;     /* the file articles are being read from (0: none) */
    char *file_path;     /* ... and its path */
    sqlite3_stmt *claim; /* (uid, file_id) into claims */
    sqlite3_stmt *claimants;  /* the other files claiming a uid */
    sqlite3_stmt *others;     /* the ids of the other files claiming it */
    sqlite3_stmt *unclaim;    /* (uid, file_id) out of claims */
    sqlite3_stmt *remove;     /* an article by id (triggers do the rest) */
    struct store_ids *reread; /* where store_put() queues files to read
                               * again (store_set_reread) */
    sqlite3_stmt *suppressed; /* uid -> 1 when taken down */
    int64_t nsuppressed;      /* rows in suppressed when opened */
    store_journal_fn journal; /* told of each add, update and delete */
    void *journal_ctx;
    struct ts_run *stats; /* this session's changes to the word statistics */
    int wrote_most;       /* the last finished session wrote most of it */
    struct tok *tok;      /* for the keys of articles given without them */
    struct ts_doc doc;    /* scratch keys */
    sqlite3_stmt *old;    /* an article's indexed columns by id */
    /* Entities and aliases already in the index, so each is looked up in
     * SQLite once per run: "kind\tkey" -> id, and "id\talias" -> 1. */
    struct strmap ents, aliases;
};

/* The whole schema.  The articles columns named like the FTS5 columns are
 * the external content FTS5 reads back for snippets and highlights. */
/* Added in version 6: the source files an index was built from, for
 * incremental runs. */
#define FILES_SCHEMA                                                           \
    "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"    \
    " size INTEGER NOT NULL, mtime INTEGER NOT NULL, hash TEXT NOT NULL,"      \
    " articles INTEGER NOT NULL, indexed TEXT NOT NULL);"                      \
    "CREATE INDEX articles_file ON articles(file_id);"

/* The few columns a search reads for every matching article (date and
 * fingerprint for ranking, date and source for facets and the timeline),
 * in an index of their own: the articles rows hold whole bodies, so
 * reading a column stored after the body walks its overflow pages.
 * Searches read it with INDEXED BY; a writer adds it to an older index. */
#define META_INDEX                                                             \
    "CREATE INDEX IF NOT EXISTS articles_meta ON articles(id, date,"           \
    " simhash, source);"

/* Added in version 8: keys given by more than one file (the file whose
 * path sorts last owns the article; the others are read again when it
 * lets go), and the takedown list ingest honours. */
#define IDENTITY_SCHEMA                                                        \
    "CREATE TABLE claims(uid TEXT NOT NULL, file_id INTEGER NOT NULL,"         \
    " PRIMARY KEY(uid, file_id)) WITHOUT ROWID;"                               \
    "CREATE INDEX claims_file ON claims(file_id);"                             \
    "CREATE TABLE suppressed(uid TEXT PRIMARY KEY, path TEXT,"                 \
    " at TEXT NOT NULL) WITHOUT ROWID;"

/* Added in version 7: the word statistics ranking reads (termstats.h);
 * an index of another stats version recounts them (ts_run). */
#define STATS_SCHEMA                                                           \
    "CREATE TABLE terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL,"           \
    " sdf INTEGER NOT NULL, cdf INTEGER NOT NULL,"                             \
    " bounded INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"                      \
    "CREATE TABLE term_bounds(term TEXT NOT NULL, chunk INTEGER NOT NULL,"     \
    " q BLOB NOT NULL, PRIMARY KEY(term, chunk)) WITHOUT ROWID;"               \
    "CREATE TABLE stats_dirty(block INTEGER PRIMARY KEY);"

static const char SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE articles("
    " id INTEGER PRIMARY KEY,"
    " uid TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL DEFAULT '',"
    " lede TEXT NOT NULL DEFAULT '',"
    " body TEXT NOT NULL DEFAULT '',"
    " captions TEXT NOT NULL DEFAULT '',"
    " highlights TEXT NOT NULL DEFAULT '',"
    " entities TEXT NOT NULL DEFAULT '',"
    " date TEXT, source TEXT, url TEXT, byline TEXT, section TEXT,"
    " dateline TEXT, language TEXT, description TEXT, path TEXT,"
    " hash TEXT NOT NULL, simhash INTEGER NOT NULL DEFAULT 0,"
    " file_id INTEGER);"
    "CREATE INDEX articles_date ON articles(date);"
    "CREATE INDEX articles_source ON articles(source);"
    "CREATE INDEX articles_section ON articles(section);" META_INDEX
    "CREATE TABLE entities(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " canonical TEXT NOT NULL, key TEXT NOT NULL, UNIQUE(kind, key));"
    "CREATE TABLE entity_aliases(alias TEXT NOT NULL COLLATE NOCASE,"
    " entity_id INTEGER NOT NULL, PRIMARY KEY(alias, entity_id))"
    " WITHOUT ROWID;"
    "CREATE INDEX entity_aliases_entity ON entity_aliases(entity_id);"
    "CREATE TABLE article_entities(article_id INTEGER NOT NULL,"
    " entity_id INTEGER NOT NULL, mentions INTEGER NOT NULL,"
    " first_pos INTEGER NOT NULL, own INTEGER, form TEXT,"
    " PRIMARY KEY(article_id, entity_id)) WITHOUT ROWID;"
    "CREATE INDEX article_entities_entity ON article_entities(entity_id,"
    " article_id);"
    "CREATE INDEX article_entities_resolved ON article_entities(entity_id)"
    " WHERE mentions IS NOT own;"
    "CREATE TABLE lone_names(article_id INTEGER NOT NULL, key TEXT NOT NULL,"
    " form TEXT NOT NULL, mentions INTEGER NOT NULL,"
    " first_pos INTEGER NOT NULL, PRIMARY KEY(article_id, key))"
    " WITHOUT ROWID;"
    "CREATE INDEX lone_names_key ON lone_names(key);"
    "CREATE TABLE entities_dirty(entity_id INTEGER PRIMARY KEY);"
    "CREATE TRIGGER articles_ad_entities AFTER DELETE ON articles BEGIN"
    " INSERT OR IGNORE INTO entities_dirty SELECT entity_id FROM"
    " article_entities WHERE article_id = old.id;"
    " DELETE FROM article_entities WHERE article_id = old.id;"
    " DELETE FROM lone_names WHERE article_id = old.id;"
    " INSERT OR IGNORE INTO entities_dirty VALUES (0); END;"
    "CREATE VIRTUAL TABLE fts USING fts5("
    " title, lede, body, captions, highlights, entities,"
    " content='articles', content_rowid='id', tokenize='morgue');"
    "CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN"
    " INSERT INTO fts(fts, rowid, title, lede, body, captions, highlights,"
    " entities) VALUES ('delete', old.id, old.title, old.lede, old.body,"
    " old.captions, old.highlights, old.entities); END;"
    "CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN"
    " INSERT INTO fts(fts, rowid, title, lede, body, captions, highlights,"
    " entities) VALUES ('delete', old.id, old.title, old.lede, old.body,"
    " old.captions, old.highlights, old.entities);"
    " INSERT INTO fts(rowid, title, lede, body, captions, highlights,"
    " entities) VALUES (new.id, new.title, new.lede, new.body,"
    " new.captions, new.highlights, new.entities); END;" FILES_SCHEMA
        STATS_SCHEMA IDENTITY_SCHEMA;

const char *store_default_path(const char *explicit_path)
{
    if (explicit_path && *explicit_path)
        return explicit_path;
    const char *env = getenv("MORGUE_DB");
    return env && *env ? env : "morgue.db";
}

static int exec(struct store *s, const char *sql, struct mg_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mg_fail(err, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Reads meta.value for key as an integer; -1 when absent. */
static long meta_int(struct store *s, const char *key)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int has_table(struct store *s, const char *name)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE type='table'"
                           " AND name=?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

static int create_schema(struct store *s, struct mg_err *err)
{
    char sql[512];
    /* an empty index has its statistics, all zero */
    snprintf(sql, sizeof sql,
             "INSERT INTO meta VALUES('schema_version','%d'),"
             "('tokenizer_version','%d'),('stats_version','%d'),"
             "('stats_state','ok'),('stats_docs','0'),('stats_tokens','0'),"
             "('stats_body','0'),"
             "('stats_avgdl_ref','0'),('stats_rowid_max','0');",
             STORE_SCHEMA_VERSION, TOK_VERSION, TS_VERSION);
    if (exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    /* Another writer may have created it while we waited for the lock. */
    if (has_table(s, "meta"))
        return exec(s, "COMMIT", err);
    if (exec(s, SCHEMA, err) < 0 || exec(s, sql, err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(s, "COMMIT", err);
}

static int check_versions(struct store *s, struct mg_err *err)
{
    long schema = meta_int(s, "schema_version");
    long tokv = meta_int(s, "tokenizer_version");
    if (schema >= 5 && schema < 8)
        return mg_fail(err,
                       "%s: index made by an older morgue (schema version "
                       "%ld): articles are keyed by their source since "
                       "version 8, so it must be rebuilt: morgue-index --db "
                       "%s --rebuild PATH...",
                       s->path, schema, s->path);
    if (schema != STORE_SCHEMA_VERSION)
        return mg_fail(err,
                       "%s: index schema version %ld, this morgue reads "
                       "version %d: rebuild the index (morgue-index --rebuild "
                       "PATH...)",
                       s->path, schema, STORE_SCHEMA_VERSION);
    if (tokv != TOK_VERSION)
        return mg_fail(err,
                       "%s: index built with tokenizer version %ld, this "
                       "morgue tokenizes with version %d: rebuild the index "
                       "(morgue-index --rebuild PATH...)",
                       s->path, tokv, TOK_VERSION);
    return 0;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql,
                   struct mg_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                           NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return 0;
}

#define STORE_FIELDS                                                           \
    "title, lede, body, captions, highlights, entities, date, source, url,"    \
    " byline, section, dateline, language, description, path, hash"

static int prepare_writes(struct store *s, struct mg_err *err)
{
    if (prepare(s, &s->find,
                "SELECT a.id, a.hash, a.file_id, f.path FROM articles a"
                " LEFT JOIN files f ON f.id = a.file_id WHERE a.uid=?1",
                err) < 0 ||
        prepare(s, &s->claim,
                "INSERT OR IGNORE INTO claims(uid, file_id) VALUES (?1, ?2)",
                err) < 0 ||
        prepare(s, &s->others,
                "SELECT file_id FROM claims WHERE uid=?1 AND file_id<>?2",
                err) < 0 ||
        prepare(s, &s->unclaim,
                "DELETE FROM claims WHERE uid=?1 AND file_id=?2", err) < 0 ||
        prepare(s, &s->remove, "DELETE FROM articles WHERE id=?1", err) < 0 ||
        prepare(s, &s->claimants,
                "SELECT c.file_id, f.path FROM claims c JOIN files f ON"
                " f.id = c.file_id WHERE c.uid=?1 AND c.file_id NOT IN"
                " (?2, ?3)",
                err) < 0 ||
        prepare(s, &s->suppressed, "SELECT 1 FROM suppressed WHERE uid=?1",
                err) < 0 ||
        prepare(s, &s->insert,
                "INSERT INTO articles(uid, " STORE_FIELDS ", simhash,"
                " file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                err) < 0 ||
        prepare(s, &s->update,
                "UPDATE articles SET title=?2, lede=?3, body=?4,"
                " captions=?5, highlights=?6, entities=?7, date=?8,"
                " source=?9, url=?10, byline=?11, section=?12, dateline=?13,"
                " language=?14, description=?15, path=?16, hash=?17,"
                " simhash=?18, file_id=?19 WHERE uid=?1",
                err) < 0 ||
        prepare(s, &s->fts_insert,
                "INSERT INTO fts(rowid, title, lede, body, captions,"
                " highlights, entities) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                err) < 0 ||
        prepare(s, &s->ent_clear,
                "DELETE FROM article_entities WHERE article_id=?1", err) < 0 ||
        prepare(s, &s->ent_insert,
                "INSERT OR IGNORE INTO entities(kind, canonical, key)"
                " VALUES (?1, ?2, ?3)",
                err) < 0 ||
        prepare(s, &s->ent_find,
                "SELECT id FROM entities WHERE kind=?1 AND key=?2", err) < 0 ||
        prepare(s, &s->alias_insert,
                "INSERT OR IGNORE INTO entity_aliases(alias, entity_id)"
                " VALUES (?1, ?2)",
                err) < 0 ||
        prepare(s, &s->link_insert,
                "INSERT INTO article_entities(article_id, entity_id,"
                " mentions, first_pos, own, form) VALUES (?1, ?2, ?3, ?4,"
                " ?3, ?5)",
                err) < 0 ||
        prepare(s, &s->lone_insert,
                "INSERT OR REPLACE INTO lone_names(article_id, key, form,"
                " mentions, first_pos) VALUES (?1, ?2, ?3, ?4, ?5)",
                err) < 0 ||
        prepare(s, &s->ent_dirty,
                "INSERT OR IGNORE INTO entities_dirty(entity_id) VALUES (?1)",
                err) < 0 ||
        prepare(s, &s->ent_unlink,
                "INSERT OR IGNORE INTO entities_dirty SELECT entity_id FROM"
                " article_entities WHERE article_id=?1",
                err) < 0 ||
        prepare(s, &s->lone_clear, "DELETE FROM lone_names WHERE article_id=?1",
                err) < 0)
        return -1;
    return 0;
}

int store_open(const char *path, enum store_mode mode, struct store **out,
               struct mg_err *err)
{
    *out = NULL;
    if (mode == STORE_READ && access(path, F_OK) != 0)
        return mg_fail(err,
                       "%s: no index here (build one with morgue-index "
                       "--db %s PATH)",
                       path, path);
    struct store *s = mg_calloc(1, sizeof *s);
    s->path = mg_strdup(path);
    int flags = mode == STORE_READ ? SQLITE_OPEN_READONLY
                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        mg_fail(err, "%s: cannot open: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return -1;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    if (tok_register(s->db, err) < 0 || ts_register(s->db, err) < 0)
        goto fail;
    /* Reading the header tells a non-database file at once. */
    if (exec(s, "PRAGMA schema_version", NULL) < 0) {
        mg_fail(err, "%s: not a morgue index (%s)", path,
                sqlite3_errmsg(s->db));
        goto fail;
    }
    /* Reads through a memory map: no read() per page (a search over a
     * common word touches thousands), and pages shared by all threads. */
    if (mode == STORE_READ &&
        exec(s, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;", err) <
            0)
        goto fail;
    if (mode == STORE_WRITE) {
        if (exec(s,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 " PRAGMA cache_size=-65536; PRAGMA secure_delete=OFF;"
                 " PRAGMA journal_size_limit=16777216;",
                 err) < 0)
            goto fail;
        if (!has_table(s, "meta") && create_schema(s, err) < 0)
            goto fail;
    }
    if (!has_table(s, "meta") || !has_table(s, "articles")) {
        mg_fail(err, "%s: not a morgue index (no morgue schema in it)", path);
        goto fail;
    }
    if (check_versions(s, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && exec(s, META_INDEX, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && prepare_writes(s, err) < 0)
        goto fail;
    if (mode == STORE_WRITE) {
        s->stats = ts_run_new(s->db);
        sqlite3_stmt *n = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM suppressed", -1, &n,
                               NULL) == SQLITE_OK &&
            sqlite3_step(n) == SQLITE_ROW)
            s->nsuppressed = sqlite3_column_int64(n, 0);
        sqlite3_finalize(n);
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return -1;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->find);
    sqlite3_finalize(s->claim);
    sqlite3_finalize(s->claimants);
    sqlite3_finalize(s->others);
    sqlite3_finalize(s->unclaim);
    sqlite3_finalize(s->remove);
    sqlite3_finalize(s->suppressed);
    free(s->file_path);
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->update);
    sqlite3_finalize(s->fts_insert);
    sqlite3_finalize(s->ent_clear);
    sqlite3_finalize(s->ent_insert);
    sqlite3_finalize(s->ent_find);
    sqlite3_finalize(s->alias_insert);
    sqlite3_finalize(s->link_insert);
    sqlite3_finalize(s->lone_insert);
    sqlite3_finalize(s->ent_dirty);
    sqlite3_finalize(s->ent_unlink);
    sqlite3_finalize(s->lone_clear);
    sqlite3_finalize(s->old);
    ts_run_free(s->stats);
    ts_doc_free(&s->doc);
    tok_free(s->tok);
    strmap_free(&s->ents);
    strmap_free(&s->aliases);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

const char *store_path(struct store *s)
{
    return s->path;
}

int store_begin(struct store *s, struct mg_err *err)
{
    return exec(s, "BEGIN IMMEDIATE", err);
}

/* Runs set (an INSERT of meta.date_order) in a transaction of its own. */
static int set_date_order(struct store *s, const char *set, struct mg_err *err)
{
    if (exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (exec(s, set, err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(s, "COMMIT", err);
}

#define SET_DATE_ORDER "INSERT OR REPLACE INTO meta(key, value) "

int store_date_order_clear(struct store *s, int *was, struct mg_err *err)
{
    *was = (int)meta_int(s, "date_order");
    return set_date_order(s, SET_DATE_ORDER "VALUES('date_order', '0')", err);
}

int store_date_order_end(struct store *s, int was, int changed,
                         struct mg_err *err)
{
    if (!changed && was == 1)
        return set_date_order(s, SET_DATE_ORDER "VALUES('date_order', '1')",
                              err);
    return set_date_order(s,
                          SET_DATE_ORDER
                          "SELECT 'date_order', CASE WHEN EXISTS (SELECT 1"
                          " FROM (SELECT date, lag(date) OVER (ORDER BY id) AS"
                          " prev FROM articles INDEXED BY articles_meta) WHERE"
                          " date IS NULL OR date < prev) THEN '0' ELSE '1' END",
                          err);
}

int store_commit(struct store *s, struct mg_err *err)
{
    return exec(s, "COMMIT", err);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

/* The tokenizer for articles whose keys the caller did not give. */
static struct tok *store_tok(struct store *s, struct mg_err *err)
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
    if (!store_tok(s, err))
        return -1;
    if (!s->old && prepare(s, &s->old,
                           "SELECT title, lede, body, captions, highlights,"
                           " entities FROM articles WHERE id=?1",
                           err) < 0)
        return -1;
    sqlite3_bind_int64(s->old, 1, id);
    int rc = sqlite3_step(s->old);
    if (rc == SQLITE_ROW) {
        const char *cols[TS_NCOLS];
        for (int c = 0; c < TS_NCOLS; c++)
            cols[c] = (const char *)sqlite3_column_text(s->old, c);
        ts_doc_build(&s->doc, s->tok, cols, NULL);
        ts_run_add(s->stats, id, &s->doc, -1);
    }
    sqlite3_reset(s->old);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
        if (!store_tok(s, err))
            return -1;
        const char *cols[TS_NCOLS] = {a->title,    a->lede,       a->body,
                                      a->captions, a->highlights, a->entities};
        ts_doc_build(&s->doc, s->tok, cols, NULL);
        doc = &s->doc;
    }
    ts_run_add(s->stats, id, doc, 1);
    return 0;
}

int store_finish(struct store *s, struct mg_err *err)
{
    if (!s->stats)
        return 0;
    if (!store_tok(s, err)) /* a recount may be decided at the end */
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

int store_merge(struct store *s, struct mg_err *err)
{
    if (sqlite3_exec(s->db, "INSERT INTO fts(fts) VALUES('optimize')", NULL,
                     NULL, NULL) == SQLITE_OK)
        return 0;
    return mg_fail(err, "%s: optimize: %s", s->path, sqlite3_errmsg(s->db));
}

/* Whether the file at path (another file's record) is still there: a
 * feed that is not a path ("stdin:NAME") always is. */
static int file_present(const char *path)
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
            !file_present(path))
            continue;
        free(best_path);
        best_path = mg_strdup(path);
        *best = sqlite3_column_int64(s->claimants, 0);
    }
    sqlite3_reset(s->claimants);
    free(best_path);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return 0;
}

void store_set_reread(struct store *s, struct store_ids *reread)
{
    s->reread = reread;
}

int store_suppressed(struct store *s, const char *uid, struct mg_err *err)
{
    if (!s->nsuppressed)
        return 0;
    sqlite3_bind_text(s->suppressed, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->suppressed);
    sqlite3_reset(s->suppressed);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return rc == SQLITE_ROW;
}

int store_put(struct store *s, const struct article *a,
              const struct ts_doc *doc, struct mg_err *err)
{
    int down = store_suppressed(s, a->uid, err);
    if (down)
        return down < 0 ? -1 : STORE_SUPPRESSED;
    char hash[17];
    article_hash(a, hash);
    sqlite3_bind_text(s->find, 1, a->uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->find);
    int exists = rc == SQLITE_ROW;
    if (exists)
        s->last_id = sqlite3_column_int64(s->find, 0);
    int same = exists &&
               strcmp((const char *)sqlite3_column_text(s->find, 1), hash) == 0;
    int64_t file_id = exists ? sqlite3_column_int64(s->find, 2) : 0;
    const char *owner =
        exists ? (const char *)sqlite3_column_text(s->find, 3) : NULL;
    /* Another file that is still there gives the same key: both claim
     * it, and the one whose path sorts last owns it, in whatever order
     * they are read. */
    int shadowed = 0;
    if (exists && s->file_id > 0 && file_id > 0 && file_id != s->file_id &&
        owner && file_present(owner)) {
        if (claim(s, a->uid, file_id, err) < 0 ||
            claim(s, a->uid, s->file_id, err) < 0) {
            sqlite3_reset(s->find);
            return -1;
        }
        shadowed = strcmp(owner, s->file_path ? s->file_path : "") > 0;
    } else if (exists && s->file_id > 0 && file_id > 0 &&
               file_id != s->file_id) {
        /* its owner is gone (moved, deleted): the file to take it is the
         * claimant still there whose path sorts last, maybe not this
         * one; that one is read again to store its copy */
        int64_t best = 0;
        if (best_claimant(s, a->uid, file_id, &best, err) < 0 ||
            (best && claim(s, a->uid, s->file_id, err) < 0)) {
            sqlite3_reset(s->find);
            return -1;
        }
        if (best && s->reread)
            store_ids_add(s->reread, best);
        shadowed = best != 0;
    }
    sqlite3_reset(s->find);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    if (shadowed)
        return STORE_SHADOWED;
    if (same && s->file_id > 0 && file_id != s->file_id) {
        /* the same article, now read from another file */
        sqlite3_stmt *mv = NULL;
        if (sqlite3_prepare_v2(s->db,
                               "UPDATE articles SET file_id=?1 WHERE id=?2", -1,
                               &mv, NULL) != SQLITE_OK)
            return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
        sqlite3_bind_int64(mv, 1, s->file_id);
        sqlite3_bind_int64(mv, 2, s->last_id);
        rc = sqlite3_step(mv);
        sqlite3_finalize(mv);
        if (rc != SQLITE_DONE)
            return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    }
    if (same)
        return STORE_UNCHANGED;
    if (ts_run_begin(s->stats, err) < 0)
        return -1;
    /* a changed article: its old words out of the statistics, and its
     * block marked, its bounds maybe too low until the run ends */
    if (exists && (stats_remove(s, s->last_id, err) < 0 ||
                   ts_run_dirty(s->stats, s->last_id, err) < 0))
        return -1;
    sqlite3_stmt *st = exists ? s->update : s->insert;
    bind_text(st, 1, a->uid);
    bind_text(st, 2, a->title);
    bind_text(st, 3, a->lede);
    bind_text(st, 4, a->body);
    bind_text(st, 5, a->captions);
    bind_text(st, 6, a->highlights);
    bind_text(st, 7, a->entities);
    bind_opt(st, 8, a->date);
    bind_opt(st, 9, a->source);
    bind_opt(st, 10, a->url);
    bind_opt(st, 11, a->byline);
    bind_opt(st, 12, a->section);
    bind_opt(st, 13, a->dateline);
    bind_opt(st, 14, a->language);
    bind_opt(st, 15, a->description);
    bind_opt(st, 16, a->path);
    sqlite3_bind_text(st, 17, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 18, (sqlite3_int64)a->simhash);
    if (s->file_id > 0)
        sqlite3_bind_int64(st, 19, s->file_id);
    else
        sqlite3_bind_null(st, 19);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: storing %s: %s", s->path, a->uid,
                       sqlite3_errmsg(s->db));
    if (!exists) {
        /* A new article goes into fts by its own statement, not by an
         * AFTER INSERT trigger: a statement with a trigger opens a
         * statement transaction, and FTS5 writes its pending terms to
         * disk at every one, one small segment per article. */
        s->last_id = sqlite3_last_insert_rowid(s->db);
        /* a rowid given again (the last ones were deleted): its block's
         * bounds do not know it yet */
        if (ts_run_covers(s->stats, s->last_id) &&
            ts_run_dirty(s->stats, s->last_id, err) < 0)
            return -1;
        sqlite3_stmt *f = s->fts_insert;
        sqlite3_bind_int64(f, 1, s->last_id);
        bind_text(f, 2, a->title);
        bind_text(f, 3, a->lede);
        bind_text(f, 4, a->body);
        bind_text(f, 5, a->captions);
        bind_text(f, 6, a->highlights);
        bind_text(f, 7, a->entities);
        rc = sqlite3_step(f);
        sqlite3_reset(f);
        sqlite3_clear_bindings(f);
        if (rc != SQLITE_DONE)
            return mg_fail(err, "%s: indexing %s: %s", s->path, a->uid,
                           sqlite3_errmsg(s->db));
    }
    s->last_new = !exists;
    if (stats_add(s, s->last_id, a, doc, err) < 0)
        return -1;
    if (s->journal)
        s->journal(s->journal_ctx, exists ? "update" : "add", a->uid);
    return exists ? STORE_CHANGED : STORE_ADDED;
}

int store_file_get(struct store *s, const char *path, struct store_file *f,
                   struct mg_err *err)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, size, mtime, hash, articles FROM files"
                           " WHERE path=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found) {
        f->id = sqlite3_column_int64(st, 0);
        f->size = sqlite3_column_int64(st, 1);
        f->mtime = sqlite3_column_int64(st, 2);
        const unsigned char *h = sqlite3_column_text(st, 3);
        snprintf(f->hash, sizeof f->hash, "%s", h ? (const char *)h : "");
        f->articles = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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

/* Deletes article id (uid) with its words, entity links (trigger) and
 * claims, queueing in reread the other files that claim its key;
 * 0 or -1 with err. */
static int delete_article(struct store *s, int64_t id, const char *uid,
                          int64_t file_id, struct store_ids *reread,
                          struct mg_err *err)
{
    int rc;
    if (ts_run_begin(s->stats, err) < 0 || stats_remove(s, id, err) < 0)
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
        mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc != SQLITE_DONE)
            ;
        else if (gone[i].id) {
            /* the delete triggers take it out of fts, its entity links
             * with it */
            if (delete_article(s, gone[i].id, gone[i].uid, file_id, reread,
                               err) < 0)
                rc = -1;
            else
                count++;
        } else {
            sqlite3_bind_text(s->unclaim, 1, gone[i].uid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s->unclaim, 2, file_id);
            if (sqlite3_step(s->unclaim) != SQLITE_DONE)
                rc = mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return 0;
}

int64_t store_count(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM articles", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? mg_strdup((const char *)t) : NULL;
}

int store_get(struct store *s, const char *uid, struct article *a,
              struct mg_err *err)
{
    article_clear(a);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db, "SELECT uid, " STORE_FIELDS " FROM articles WHERE uid=?1",
            -1, &st, NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char **f[] = {
            &a->uid,      &a->title,      &a->lede,        &a->body,
            &a->captions, &a->highlights, &a->entities,    &a->date,
            &a->source,   &a->url,        &a->byline,      &a->section,
            &a->dateline, &a->language,   &a->description, &a->path};
        for (int i = 0; i < (int)(sizeof f / sizeof *f); i++)
            *f[i] = col_dup(st, i);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
}

int store_entities_pending(struct store *s, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT EXISTS (SELECT 1 FROM entities_dirty)", -1,
                           &st, NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    int rc = sqlite3_step(st);
    int pending = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return pending;
}

void store_forget_entities(struct store *s)
{
    strmap_free(&s->ents);
    strmap_free(&s->aliases);
}

/* Runs a reset-after-step statement; 0 or -1 with err. */
static int step_done(struct store *s, sqlite3_stmt *st, struct mg_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return mg_fail(err, "%s: storing entities: %s", s->path,
                       sqlite3_errmsg(s->db));
    return 0;
}

int store_put_entities(struct store *s, const struct ent_set *es,
                       struct mg_err *err)
{
    /* 0: the family names must be resolved again (ent_merge_surnames) */
    sqlite3_bind_int64(s->ent_dirty, 1, 0);
    if (step_done(s, s->ent_dirty, err) < 0)
        return -1;
    if (!s->last_new) {
        /* its old links' entities may need another name, or none */
        sqlite3_bind_int64(s->ent_unlink, 1, s->last_id);
        sqlite3_bind_int64(s->ent_clear, 1, s->last_id);
        sqlite3_bind_int64(s->lone_clear, 1, s->last_id);
        if (step_done(s, s->ent_unlink, err) < 0 ||
            step_done(s, s->ent_clear, err) < 0 ||
            step_done(s, s->lone_clear, err) < 0)
            return -1;
    }
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        const char *kind = ent_kind_name(e->kind);
        if (e->kind == ENT_PERSON && !strchr(e->canonical, ' ')) {
            /* a family name alone: kept as the article gave it, for the
             * index-wide resolution (ent_merge_surnames) to link */
            sqlite3_bind_int64(s->lone_insert, 1, s->last_id);
            sqlite3_bind_text(s->lone_insert, 2, e->key, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->lone_insert, 3, e->canonical, -1,
                              SQLITE_STATIC);
            sqlite3_bind_int(s->lone_insert, 4, e->weak ? 0 : e->count);
            sqlite3_bind_int(s->lone_insert, 5, e->first);
            if (step_done(s, s->lone_insert, err) < 0)
                return -1;
            continue;
        }
        char kbuf[256];
        struct buf ck = {0};
        const char *ckey = kbuf;
        if (snprintf(kbuf, sizeof kbuf, "%s\t%s", kind, e->key) >=
            (int)sizeof kbuf) {
            buf_adds(&ck, kind);
            buf_addc(&ck, '\t');
            buf_adds(&ck, e->key);
            ckey = ck.s;
        }
        int64_t *cached = strmap_slot(&s->ents, ckey, 1);
        buf_free(&ck);
        int64_t id = *cached;
        if (id >= 0)
            goto link;
        sqlite3_bind_text(s->ent_insert, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_insert, 2, e->canonical, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_insert, 3, e->key, -1, SQLITE_STATIC);
        if (step_done(s, s->ent_insert, err) < 0)
            return -1;
        sqlite3_bind_text(s->ent_find, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_find, 2, e->key, -1, SQLITE_STATIC);
        if (sqlite3_step(s->ent_find) == SQLITE_ROW)
            id = sqlite3_column_int64(s->ent_find, 0);
        sqlite3_reset(s->ent_find);
        if (id < 0)
            return mg_fail(err, "%s: entity %s not stored", s->path,
                           e->canonical);
        *cached = id;
    link:
        for (int k = -1; k < e->nmentions; k++) {
            const char *alias = k < 0 ? e->canonical : e->mentions[k];
            char abuf[256];
            struct buf ak = {0};
            const char *akey = abuf;
            if (snprintf(abuf, sizeof abuf, "%lld\t%s", (long long)id, alias) >=
                (int)sizeof abuf) {
                buf_printf(&ak, "%lld\t%s", (long long)id, alias);
                akey = ak.s;
            }
            int64_t *seen = strmap_slot(&s->aliases, akey, 1);
            buf_free(&ak);
            if (*seen >= 0)
                continue;
            *seen = 1;
            sqlite3_bind_text(s->alias_insert, 1, alias, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s->alias_insert, 2, id);
            if (step_done(s, s->alias_insert, err) < 0)
                return -1;
        }
        sqlite3_bind_int64(s->link_insert, 1, s->last_id);
        sqlite3_bind_int64(s->link_insert, 2, id);
        sqlite3_bind_int(s->link_insert, 3, e->weak ? 0 : e->count);
        sqlite3_bind_int(s->link_insert, 4, e->first);
        sqlite3_bind_text(s->link_insert, 5, e->canonical, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->ent_dirty, 1, id);
        if (step_done(s, s->link_insert, err) < 0 ||
            step_done(s, s->ent_dirty, err) < 0)
            return -1;
    }
    return 0;
}

int store_file_path(struct store *s, int64_t file_id, char **path,
                    struct mg_err *err)
{
    *path = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT path FROM files WHERE id=?1", -1, &st,
                           NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *path = col_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return *path != NULL;
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        file_id = sqlite3_column_int64(st, 1);
        from = col_dup(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    /* its claims go too: no other file's copy comes back in its place */
    if (id && delete_article(s, id, uid, file_id, NULL, err) < 0) {
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found)
        from = col_dup(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
    sqlite3_stmt *n = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM suppressed", -1, &n,
                           NULL) == SQLITE_OK &&
        sqlite3_step(n) == SQLITE_ROW)
        s->nsuppressed = sqlite3_column_int64(n, 0);
    sqlite3_finalize(n);
    return 0;
}

int store_checkpoint(struct store *s, struct mg_err *err)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                       NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    return mg_fail(err, "%s: checkpoint: %s", s->path, sqlite3_errmsg(s->db));
}
