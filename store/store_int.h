/*
 * store_int.h - private to store/: the connection, the statements the
 * writer keeps prepared, and the helpers the store's files share.  Nothing
 * outside store/ includes this header but the store's own tests
 * (scripts/check_layers.sh refuses it elsewhere); everyone else goes
 * through store.h.
 */
#ifndef MORGUE_STORE_INT_H
#define MORGUE_STORE_INT_H

#include <sqlite3.h>

#include "snippet.h"
#include "store.h"
#include "strmap.h"
#include "termstats.h"
#include "tokenizer.h"

/* An engine other than FTS5 (docs/architecture.md section 4; the Xapian
 * one is store/xapian.c).  Its index keeps the indexer's own records in
 * a SQLite side file, s->db, with the FTS5 schema's tables meta, files,
 * claims and suppressed and a slim articles table (id, uid, hash,
 * file_id, path): the calls that only read or write those (files,
 * takedown list, meta, the identity rule of store_put) are today's code
 * on that file; the calls that touch the articles' text go through this
 * table.  A NULL slot answers "not supported" naming the engine and the
 * call (st_unsupported).  Each slot has the contract of the store call
 * it stands for (store.h), but for:
 *  - put: called by store_put after the identity rule settled that the
 *    article is to be written (the slim row is written by the slot);
 *    exists: it replaces one; hash: article_hash of a;
 *  - del: the article uid is being deleted (its slim row goes with the
 *    caller's DELETE);
 *  - begin/commit/rollback: around the side file's own transaction
 *    (commit: before the side file's COMMIT, so a crash between the two
 *    leaves the files to be read again, which rewrites the same
 *    articles). */
struct store_engine {
    int version; /* 2 */
    const char *name;
    void (*close)(struct store *s);
    int (*begin)(struct store *s, struct mg_err *err);
    int (*commit)(struct store *s, struct mg_err *err);
    void (*rollback)(struct store *s);
    int (*put)(struct store *s, const struct article *a, int exists,
               const char *hash, struct mg_err *err);
    int (*put_entities)(struct store *s, const struct ent_set *es,
                        struct mg_err *err);
    int (*del)(struct store *s, const char *uid, struct mg_err *err);
    int (*finish)(struct store *s, struct mg_err *err);
    int64_t (*count)(struct store *s);
    int (*get)(struct store *s, const char *uid, struct article *a,
               struct mg_err *err);
    int (*stats)(struct store *s, store_line_fn fn, void *ctx,
                 struct mg_err *err);
    int (*check)(struct store *s, store_line_fn fn, void *ctx,
                 struct mg_err *err);
    /* after store_meta_put wrote the side file: the engine's own copy
     * (NULL: none) */
    int (*meta_put)(struct store *s, const char *key, const char *value,
                    struct mg_err *err);
    /* at store_commit: 1 to keep the batch open and group it with the
     * next ones (store_begin then opens nothing, and store_finish or a
     * later store_commit commits them together), 0 to commit now; NULL:
     * always now */
    int (*hold)(struct store *s);
    /* version 2: store_entities_pending and store_names_resolve (NULL:
     * 0, nothing to resolve) */
    int (*entities_pending)(struct store *s, struct mg_err *err);
    int (*names_resolve)(struct store *s, store_person_fn person,
                         store_pick_fn pick, void *ctx, struct mg_err *err);
};

/* Commits the batches an engine's hold kept open (none: 0). */
int st_commit_held(struct store *s, struct mg_err *err);

/* -1 with err "PATH: CALL: not supported by the ENGINE engine". */
int st_unsupported(struct store *s, const char *call, struct mg_err *err);

/* Tables of the schema (schema.c) that an engine's side file has too. */
/* Added in version 6: the source files an index was built from, for
 * incremental runs. */
#define FILES_SCHEMA                                                           \
    "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"    \
    " size INTEGER NOT NULL, mtime INTEGER NOT NULL, hash TEXT NOT NULL,"      \
    " articles INTEGER NOT NULL, indexed TEXT NOT NULL);"                      \
    "CREATE INDEX articles_file ON articles(file_id);"

/* Added in version 8: keys given by more than one file (the file whose
 * path sorts last owns the article; the others are read again when it
 * lets go), and the takedown list ingest honours. */
#define IDENTITY_SCHEMA                                                        \
    "CREATE TABLE claims(uid TEXT NOT NULL, file_id INTEGER NOT NULL,"         \
    " PRIMARY KEY(uid, file_id)) WITHOUT ROWID;"                               \
    "CREATE INDEX claims_file ON claims(file_id);"                             \
    "CREATE TABLE suppressed(uid TEXT PRIMARY KEY, path TEXT,"                 \
    " at TEXT NOT NULL) WITHOUT ROWID;"

/* The side file of an engine's index directory (see struct store_engine). */
#define ST_SIDE_FILE "files.db"

/* The engine of the index at path when it is not FTS5's ("xapian": a
 * directory holding ST_SIDE_FILE), else NULL.  Can't fail. */
const char *st_engine_of(const char *path);
/* Whether path is a Xapian database folder (or a replica's stub) without
 * an engine's side file. */
int st_xapian_bare(const char *path);

/* Prepares the statements of the identity rule and the takedown list
 * (find, claim, others, unclaim, remove, claimants, suppressed) on s->db,
 * the FTS5 index or an engine's side file.  0 or -1 with err. */
int st_prepare_identity(struct store *s, struct mg_err *err);

struct store {
    sqlite3 *db;
    const struct store_engine *eng; /* NULL: the FTS5 engine */
    void *eng_state;                /* the engine's own */
    int held; /* an engine's batches kept open by its hold */
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
    /* readers' statements, prepared on first use (words.c) */
    sqlite3_stmt *word, *word_prefix, *word_count, *word_bounds, *word_next,
        *word_after;
    /* ... (read.c) */
    sqlite3_stmt *rd_facts, *rd_simhash, *rd_julian, *rd_hit, *rd_entity_ids,
        *rd_entity, *rd_newest, *rd_date_order, *rd_cover, *rd_simhash_uid,
        *rd_similar, *rd_entities_find, *rd_article_entities;
    double deadline; /* monotonic seconds after which statements stop (0:
                      * none; store_set_deadline) */
    int timed_out;   /* one did */
    int progress;    /* the progress handler is installed */
};

#define STORE_FIELDS                                                           \
    "title, lede, body, captions, highlights, entities, date, source, url,"    \
    " byline, section, dateline, language, description, path, hash"

/* The connection, for the store's files and the store's own tests. */
static inline sqlite3 *st_db(struct store *s)
{
    return s->db;
}

/* Runs sql (no rows) on the connection; -1 with err naming the index. */
int st_exec(struct store *s, const char *sql, struct mg_err *err);
/* Reads meta.value for key as an integer; -1 when absent. */
long st_meta_int(struct store *s, const char *key);
/* Prepares a statement kept for the life of the store. */
int st_prepare(struct store *s, sqlite3_stmt **st, const char *sql,
               struct mg_err *err);
/* The statement kept in slot (prepared from sql on first use), reset and
 * its bindings cleared: the readers' statements.  NULL with err. */
sqlite3_stmt *st_kept(struct store *s, sqlite3_stmt **slot, const char *sql,
                      struct mg_err *err);
/* A statement failed: -1 with err "PATH: why" (st_fail), or "PATH:
 * search failed: why" for a read (st_read_fail). */
int st_fail(struct store *s, struct mg_err *err);
int st_read_fail(struct store *s, struct mg_err *err);
/* Binds v, or NULL for a NULL v (st_bind_opt), or "" (st_bind_text). */
void st_bind_opt(sqlite3_stmt *st, int i, const char *v);
void st_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Column i as a new string, or NULL for NULL. */
char *st_col_dup(sqlite3_stmt *st, int i);
/* Steps st once to its end and resets it; -1 with err on an error. */
int st_step_done(struct store *s, sqlite3_stmt *st, struct mg_err *err);
/* The tokenizer for articles given without their keys (made on first
 * use). */
struct tok *st_tok(struct store *s, struct mg_err *err);
/* Registers the functions readers use: morgue_hamming() and the
 * snippet functions (snippet.h). */
int st_register_read(struct store *s, struct mg_err *err);
/* Counts the takedown list into s->nsuppressed (0 when it cannot). */
void st_count_suppressed(struct store *s);
/* Whether path exists. */
int st_file_present(const char *path);
/* Deletes article id (uid) with its words, entity links (trigger) and
 * claims, queueing in reread the other files that claim its key; 0 or -1
 * with err (store_file_drop, store_take_down). */
int st_delete_article(struct store *s, int64_t id, const char *uid,
                      int64_t file_id, struct store_ids *reread,
                      struct mg_err *err);

/* ---- the word statistics (stats.c, termstats.h) ---------------------- */

/* Reads the meta values of db into *m; a missing value leaves its field
 * 0.  Returns 0, or -1 on a database error. */
int ts_meta_read(sqlite3 *db, struct ts_meta *m, struct mg_err *err);

/* The changes a run of the indexer makes to the statistics, gathered in
 * memory and written by ts_run_finish() in one transaction at its end,
 * so that searches during the run read the statistics of the last run
 * (with the articles added since scored in full: see ts_meta.rowid_max
 * and stats_dirty). */
struct ts_run;

/* A new run over db (borrowed; open for writing). */
struct ts_run *ts_run_new(sqlite3 *db);
void ts_run_free(struct ts_run *r);

/* Before the first write of a run: marks the statistics as being changed
 * (meta stats_state 'dirty', in the caller's transaction), so that a run
 * killed before ts_run_finish() leaves a mark the next run sees (it then
 * recounts them from the articles).  Idempotent within a run. */
int ts_run_begin(struct ts_run *r, struct mg_err *err);

/* Counts article rowid, with keys d, as added (sign +1: its df counted,
 * its bounds raised) or removed (sign -1: the df of an old version or a
 * deleted article taken back; bounds stay, still upper bounds). */
void ts_run_add(struct ts_run *r, int64_t rowid, const struct ts_doc *d,
                int sign);

/* Whether this run will recount everything anyway (the statistics are
 * missing, of another version, or a run died while changing them): then
 * the caller need not compute the keys of what it writes. */
int ts_run_recounts(const struct ts_run *r);

/* Marks the block of rowid as changed in place (its bounds may be too
 * low until the run finishes), in the caller's transaction.  For an
 * article changed in place, and for one added on a rowid the bounds
 * already cover (SQLite gives a deleted last rowid again). */
int ts_run_dirty(struct ts_run *r, int64_t rowid, struct mg_err *err);

/* Whether the statistics' bounds cover rowid (up to stats_rowid_max). */
int ts_run_covers(const struct ts_run *r, int64_t rowid);

/* Writes the run's changes in one transaction of its own: document
 * frequencies, bounds of the blocks written (and of the whole range for
 * keys that became common in this run), the meta values, stats_state
 * 'ok'.  When the statistics must be recounted (ts_run_recounts), when
 * the mean length has grown past twice the one the bounds were computed
 * with, or when the run wrote most of the index (the first run, a
 * rebuild: bounds made as it went are looser), it recomputes them from
 * every article instead, tokenising with t.  Returns 0, or -1 with err. */
int ts_run_finish(struct ts_run *r, struct tok *t, struct mg_err *err);

/* Whether the run wrote most of the index: the articles it added, net,
 * are at least half of those the index holds after it (the first run of
 * an index, a rebuild). */
int ts_run_wrote_most(const struct ts_run *r);

/* Registers morgue_tsv(fts, avgdl), which the writer uses to compute the
 * bounds of a word that became common, with the FTS5 of db. */
int ts_register(sqlite3 *db, struct mg_err *err);

/* The number of articles of db's FTS5 index and their lengths' sum
 * (TS_LEN_WEIGHTS), from the lengths FTS5 keeps (fts_docsize).  Returns 0 or -1
 * with err. */
int ts_lengths(sqlite3 *db, int64_t *docs, int64_t *tokens, struct mg_err *err);

/* Recomputes every statistic from the articles of db, tokenising with t,
 * in the caller's transaction (ts_run_finish uses it; also the
 * migration of an index made before the statistics). */
int ts_recount(sqlite3 *db, struct tok *t, struct mg_err *err);

#endif
