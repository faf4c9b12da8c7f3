/*
 * schema.c - the index file: its schema and version, opening, checking the
 * versions, transactions and the date-order flag (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole schema.  The articles columns named like the FTS5 columns are
 * the external content FTS5 reads back for snippets and highlights. */
/* The few columns a search reads for every matching article (date and
 * fingerprint for ranking, date and source for facets and the timeline),
 * in an index of their own: the articles rows hold whole bodies, so
 * reading a column stored after the body walks its overflow pages.
 * Searches read it with INDEXED BY; a writer adds it to an older index. */
#define META_INDEX                                                             \
    "CREATE INDEX IF NOT EXISTS articles_meta ON articles(id, date,"           \
    " simhash, source);"

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

int st_exec(struct store *s, const char *sql, struct mg_err *err)
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
long st_meta_int(struct store *s, const char *key)
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
    if (st_exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    /* Another writer may have created it while we waited for the lock. */
    if (has_table(s, "meta"))
        return st_exec(s, "COMMIT", err);
    if (st_exec(s, SCHEMA, err) < 0 || st_exec(s, sql, err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return st_exec(s, "COMMIT", err);
}

static int check_versions(struct store *s, struct mg_err *err)
{
    long schema = st_meta_int(s, "schema_version");
    long tokv = st_meta_int(s, "tokenizer_version");
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

int st_prepare(struct store *s, sqlite3_stmt **st, const char *sql,
               struct mg_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                           NULL) != SQLITE_OK)
        return st_fail(s, err);
    return 0;
}

sqlite3_stmt *st_kept(struct store *s, sqlite3_stmt **slot, const char *sql,
                      struct mg_err *err)
{
    if (!*slot && st_prepare(s, slot, sql, err) < 0)
        return NULL;
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

int st_unsupported(struct store *s, const char *call, struct mg_err *err)
{
    return mg_fail(err, "%s: %s: not supported by the %s engine", s->path, call,
                   s->eng ? s->eng->name : "fts5");
}

const char *st_engine_of(const char *path)
{
    struct stat sb;
    struct buf side = {0};
    buf_printf(&side, "%s/" ST_SIDE_FILE, path);
    int xapian =
        stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && stat(side.s, &sb) == 0;
    buf_free(&side);
    return xapian ? "xapian" : NULL;
}

int st_xapian_bare(const char *path)
{
    struct stat sb;
    struct buf b = {0};
    int yes = 0;
    const char *names[] = {"iamglass", "iamchert", "XAPIANDB"};
    for (int i = 0; i < 3 && !yes; i++) {
        buf_clear(&b);
        buf_printf(&b, "%s/%s", path, names[i]);
        yes = stat(b.s, &sb) == 0;
    }
    buf_free(&b);
    return yes;
}

int st_fail(struct store *s, struct mg_err *err)
{
    return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
}

int st_read_fail(struct store *s, struct mg_err *err)
{
    return mg_fail(err, "%s: search failed: %s", s->path,
                   sqlite3_errmsg(s->db));
}

int st_prepare_identity(struct store *s, struct mg_err *err)
{
    if (st_prepare(s, &s->find,
                   "SELECT a.id, a.hash, a.file_id, f.path FROM articles a"
                   " LEFT JOIN files f ON f.id = a.file_id WHERE a.uid=?1",
                   err) < 0 ||
        st_prepare(s, &s->claim,
                   "INSERT OR IGNORE INTO claims(uid, file_id) VALUES (?1, ?2)",
                   err) < 0 ||
        st_prepare(s, &s->others,
                   "SELECT file_id FROM claims WHERE uid=?1 AND file_id<>?2",
                   err) < 0 ||
        st_prepare(s, &s->unclaim,
                   "DELETE FROM claims WHERE uid=?1 AND file_id=?2", err) < 0 ||
        st_prepare(s, &s->remove, "DELETE FROM articles WHERE id=?1", err) <
            0 ||
        st_prepare(s, &s->claimants,
                   "SELECT c.file_id, f.path FROM claims c JOIN files f ON"
                   " f.id = c.file_id WHERE c.uid=?1 AND c.file_id NOT IN"
                   " (?2, ?3)",
                   err) < 0 ||
        st_prepare(s, &s->suppressed, "SELECT 1 FROM suppressed WHERE uid=?1",
                   err) < 0)
        return -1;
    return 0;
}

static int prepare_writes(struct store *s, struct mg_err *err)
{
    if (st_prepare_identity(s, err) < 0 ||
        st_prepare(s, &s->insert,
                   "INSERT INTO articles(uid, " STORE_FIELDS ", simhash,"
                   " file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                   " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                   err) < 0 ||
        st_prepare(s, &s->update,
                   "UPDATE articles SET title=?2, lede=?3, body=?4,"
                   " captions=?5, highlights=?6, entities=?7, date=?8,"
                   " source=?9, url=?10, byline=?11, section=?12, dateline=?13,"
                   " language=?14, description=?15, path=?16, hash=?17,"
                   " simhash=?18, file_id=?19 WHERE uid=?1",
                   err) < 0 ||
        st_prepare(s, &s->fts_insert,
                   "INSERT INTO fts(rowid, title, lede, body, captions,"
                   " highlights, entities) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   err) < 0 ||
        st_prepare(s, &s->ent_clear,
                   "DELETE FROM article_entities WHERE article_id=?1",
                   err) < 0 ||
        st_prepare(s, &s->ent_insert,
                   "INSERT OR IGNORE INTO entities(kind, canonical, key)"
                   " VALUES (?1, ?2, ?3)",
                   err) < 0 ||
        st_prepare(s, &s->ent_find,
                   "SELECT id FROM entities WHERE kind=?1 AND key=?2",
                   err) < 0 ||
        st_prepare(s, &s->alias_insert,
                   "INSERT OR IGNORE INTO entity_aliases(alias, entity_id)"
                   " VALUES (?1, ?2)",
                   err) < 0 ||
        st_prepare(s, &s->link_insert,
                   "INSERT INTO article_entities(article_id, entity_id,"
                   " mentions, first_pos, own, form) VALUES (?1, ?2, ?3, ?4,"
                   " ?3, ?5)",
                   err) < 0 ||
        st_prepare(s, &s->lone_insert,
                   "INSERT OR REPLACE INTO lone_names(article_id, key, form,"
                   " mentions, first_pos) VALUES (?1, ?2, ?3, ?4, ?5)",
                   err) < 0 ||
        st_prepare(
            s, &s->ent_dirty,
            "INSERT OR IGNORE INTO entities_dirty(entity_id) VALUES (?1)",
            err) < 0 ||
        st_prepare(s, &s->ent_unlink,
                   "INSERT OR IGNORE INTO entities_dirty SELECT entity_id FROM"
                   " article_entities WHERE article_id=?1",
                   err) < 0 ||
        st_prepare(s, &s->lone_clear,
                   "DELETE FROM lone_names WHERE article_id=?1", err) < 0)
        return -1;
    return 0;
}

int store_open(const char *path, enum store_mode mode, struct store **out,
               struct mg_err *err)
{
    *out = NULL;
    if (st_engine_of(path)) /* store_open_as opens it */
        return mg_fail(err,
                       "%s: an index of the %s engine: not supported by "
                       "this program",
                       path, st_engine_of(path));
    if (mode == STORE_READ && access(path, F_OK) != 0)
        return mg_fail(err,
                       "%s: no index here (build one with morgue-index "
                       "--db %s PATH)",
                       path, path);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return mg_fail(err, "%s: a folder, not an index%s", path,
                       st_xapian_bare(path)
                           ? " of morgue's (a Xapian database without "
                             "morgue's " ST_SIDE_FILE
                             ": a shard or a replica? search it with "
                             "--cluster FILE naming it, docs/scale-out.md)"
                           : "");
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
    if (st_exec(s, "PRAGMA schema_version", NULL) < 0) {
        mg_fail(err, "%s: not a morgue index (%s)", path,
                sqlite3_errmsg(s->db));
        goto fail;
    }
    /* Reads through a memory map: no read() per page (a search over a
     * common word touches thousands), and pages shared by all threads. */
    if (mode == STORE_READ &&
        st_exec(s, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;",
                err) < 0)
        goto fail;
    if (mode == STORE_WRITE) {
        if (st_exec(s,
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
    if (st_register_read(s, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && st_exec(s, META_INDEX, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && prepare_writes(s, err) < 0)
        goto fail;
    if (mode == STORE_WRITE) {
        s->stats = ts_run_new(s->db);
        st_count_suppressed(s);
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
    if (s->eng)
        s->eng->close(s);
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
    sqlite3_finalize(s->word);
    sqlite3_finalize(s->word_prefix);
    sqlite3_finalize(s->word_count);
    sqlite3_finalize(s->word_bounds);
    sqlite3_finalize(s->word_next);
    sqlite3_finalize(s->word_after);
    sqlite3_finalize(s->rd_facts);
    sqlite3_finalize(s->rd_simhash);
    sqlite3_finalize(s->rd_julian);
    sqlite3_finalize(s->rd_hit);
    sqlite3_finalize(s->rd_entity_ids);
    sqlite3_finalize(s->rd_entity);
    sqlite3_finalize(s->rd_newest);
    sqlite3_finalize(s->rd_date_order);
    sqlite3_finalize(s->rd_cover);
    sqlite3_finalize(s->rd_simhash_uid);
    sqlite3_finalize(s->rd_similar);
    sqlite3_finalize(s->rd_entities_find);
    sqlite3_finalize(s->rd_article_entities);
    ts_run_free(s->stats);
    ts_doc_free(&s->doc);
    tok_free(s->tok);
    strmap_free(&s->ents);
    strmap_free(&s->aliases);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

struct sqlite3 *store_raw_reader(struct store *s)
{
    return s->db;
}

const char *store_path(struct store *s)
{
    return s->path;
}

int store_begin(struct store *s, struct mg_err *err)
{
    if (s->held) /* the batch goes on in the held one */
        return 0;
    if (s->eng && s->eng->begin && s->eng->begin(s, err) < 0)
        return -1;
    return st_exec(s, "BEGIN IMMEDIATE", err);
}

/* Runs set (an INSERT of meta.date_order) in a transaction of its own. */
static int set_date_order(struct store *s, const char *set, struct mg_err *err)
{
    if (st_exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (st_exec(s, set, err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return st_exec(s, "COMMIT", err);
}

#define SET_DATE_ORDER "INSERT OR REPLACE INTO meta(key, value) "

int store_date_order_clear(struct store *s, int *was, struct mg_err *err)
{
    if (s->eng) { /* no rowid order to keep: never in date order */
        *was = -1;
        return 0;
    }
    *was = (int)st_meta_int(s, "date_order");
    return set_date_order(s, SET_DATE_ORDER "VALUES('date_order', '0')", err);
}

int store_date_order_end(struct store *s, int was, int changed,
                         struct mg_err *err)
{
    if (s->eng)
        return 0;
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
    if (s->eng && s->eng->hold && s->eng->hold(s)) {
        s->held = 1;
        return 0;
    }
    s->held = 0;
    if (s->eng && s->eng->commit && s->eng->commit(s, err) < 0)
        return -1;
    return st_exec(s, "COMMIT", err);
}

int st_commit_held(struct store *s, struct mg_err *err)
{
    if (!s->held)
        return 0;
    s->held = 0;
    if (s->eng->commit && s->eng->commit(s, err) < 0)
        return -1;
    return st_exec(s, "COMMIT", err);
}
