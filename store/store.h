/*
 * store.h - the index and its one owner: every statement that writes,
 * administers or reads the index is behind these calls (the files of store/),
 * but the search's FTS5 matches, which run in the one raw reader,
 * query/search_sql.c (store_raw_reader; docs/architecture.md).  One
 * SQLite database holds an `articles` table (the stored, cleaned text and
 * metadata) and an external-content FTS5 table `fts` over it, tokenised
 * by the `morgue` tokenizer, with the word statistics, the entity tables
 * and the files an index was built from (docs/index-format.md).
 *
 * Conventions: 0 (or a count, or 1/0 for yes/no) on success, -1 with err
 * naming the index and the reason; inputs are borrowed for the call;
 * strings a call lends are valid until the next call on the store (or as
 * the call says); a struct store is used by one thread at a time.
 */
#ifndef MORGUE_STORE_H
#define MORGUE_STORE_H

#include <stdint.h>

#include "article.h"
#include "termstats.h"
#include "util.h"

/* Bumped whenever the schema below changes. */
#define STORE_SCHEMA_VERSION 8

enum store_mode {
    STORE_READ,  /* read-only; the index must exist */
    STORE_WRITE, /* read-write; created when missing */
};

struct store;

/* The index path to use: explicit if not NULL, else $MORGUE_DB, else
 * "morgue.db".  The returned string is borrowed. */
const char *store_default_path(const char *explicit_path);

/* Opens (and in STORE_WRITE mode creates) the index at path, registers the
 * tokenizer, sets WAL mode, synchronous=NORMAL and a busy timeout, and
 * checks the schema and tokenizer versions.  On failure *out is NULL and
 * err names the file and the reason (missing, not an index, built by
 * another tokenizer version: rebuild). */
int store_open(const char *path, enum store_mode mode, struct store **out,
               struct mg_err *err);

/* Opens (STORE_WRITE: creates) the index at path with the engine named
 * engine: NULL for the one the index is (FTS5 when none is there yet),
 * "fts5" (store_open), or "xapian": path is then a directory holding one
 * Xapian database (shards 0) or shards Xapian databases path/shard-K
 * with a cluster file path/cluster (shards >= 1), and the indexer's own
 * records (files, claims, the takedown list, meta) in a SQLite side file
 * path/files.db (store/xapian.c; engine/xapian/NOTES-index.md).  An
 * article goes to shard mg_hash64(uid) % shards.  shards 0 opens an
 * existing index with the shards it was built with; another number than
 * those is refused (rebuild to change it).  Only the calls morgue-index
 * makes are implemented for the Xapian engine; the others answer "not
 * supported by the xapian engine".  Where Xapian was not built, a
 * Xapian index or engine "xapian" fails with "not built".  On failure
 * *out is NULL and err names the path and the reason. */
int store_open_as(const char *path, enum store_mode mode, const char *engine,
                  int shards, struct store **out, struct mg_err *err);

/* Whether this build has the engine named engine ("fts5", "xapian"):
 * 1 or 0.  Can't fail. */
int store_engine_built(const char *engine);

/* The Xapian database to search of s, opened with store_open_as (its
 * one database, or the shards of DIR/shard-K as one: the weights are
 * those of one database), into *out, borrowed until store_close: 1; 0
 * with *out NULL when s is not a Xapian index (or Xapian is not built);
 * -1 with err. */
struct mgx_db;
int store_xapian_db(struct store *s, struct mgx_db **out, struct mg_err *err);

/* Closes the index; takes NULL. */
void store_close(struct store *s);

/* The connection, for the index's one raw reader: query/search_sql.c,
 * which runs the statements of a search that match in FTS5, where the
 * ranking and snippet functions read position lists row by row inside
 * SQLite (docs/architecture.md).  Nobody else calls it.  Borrowed, valid
 * until store_close(). */
struct sqlite3 *store_raw_reader(struct store *s);

/* The path the store was opened with, borrowed. */
const char *store_path(struct store *s);

/* Transactions around batches of store_put().  An engine may group
 * batches (the Xapian engine: about 4,000 articles or 5 minutes a commit,
 * since each commit of a shard is one replication changeset): its
 * store_commit then keeps the batch open, and the next store_commit past
 * the group's size, or store_finish, commits the group.  A run that ends
 * without store_finish loses the open group, whole, and its files are
 * read again by the next run. */
int store_begin(struct store *s, struct mg_err *err);
int store_commit(struct store *s, struct mg_err *err);

/* Whether the articles' rowids are in publication order: every article
 * has a date and none is older than the one stored before it (an
 * archive read in date order, as wire archives and the synthetic one
 * come).  Then newest-first is a descending rowid scan.  The flag is the
 * meta value date_order, each change in a transaction of its own.
 * store_date_order_clear() sets it to 0 before a run writes and gives
 * what it was in *was (1, 0, or -1 when never set).
 * store_date_order_end() sets it at the end of a run: back to 1 without
 * reading the articles when the run changed none (changed = 0) and it was
 * 1, else from the articles (a scan of the articles_meta index that stops
 * at the first article older than the one before it). */
int store_date_order_clear(struct store *s, int *was, struct mg_err *err);
int store_date_order_end(struct store *s, int was, int changed,
                         struct mg_err *err);

enum store_put_result {
    STORE_ADDED,
    STORE_CHANGED,
    STORE_UNCHANGED,
    STORE_SHADOWED,   /* another file that is still there gives the same
                       * key and its path sorts after this file's: it
                       * keeps the article (both claims are recorded) */
    STORE_SUPPRESSED, /* the key is on the takedown list: not stored */
};

/* Adds the article, or replaces the one with the same uid when its
 * content differs.  When the uid is held by another recorded file that
 * is still on the disk, the file whose path sorts last (byte order)
 * owns it, whatever order they are read in; a file that is gone gives
 * it up to the one reading it now (a moved file).  A key on the
 * takedown list is not stored.  doc holds the keys of its indexed columns
 * (termstats.h: ts_doc_build over title, lede, body, captions,
 * highlights, entities), computed ahead by the caller, or NULL for the
 * store to compute them.  Returns a store_put_result, or -1 with err
 * set. */
struct ts_doc;
int store_put(struct store *s, const struct article *a,
              const struct ts_doc *doc, struct mg_err *err);

/* Ends a writing session: writes the word statistics of everything
 * stored and deleted since the store was opened (or since the last
 * store_finish) in a transaction of its own (termstats.h: ts_run_finish).
 * Searches read the statistics of the last finished session, scoring
 * articles written since in full.  A session that ends without it
 * (killed) leaves a mark: the next one recounts the statistics from the
 * articles.  With an engine that groups batches, commits the group
 * first.  Returns 0, or -1 with err. */
int store_finish(struct store *s, struct mg_err *err);

/* Whether the last finished session wrote most of the index
 * (ts_run_wrote_most): its statistics were recounted, and the caller
 * may merge the full-text index into one segment (store_merge). */
int store_wrote_most(const struct store *s);

/* Merges the full-text index into one segment (FTS5's 'optimize'): a
 * search statement seeks each of its words in every segment.  Returns 0,
 * or -1 with err. */
int store_merge(struct store *s, struct mg_err *err);

/* Replaces the entities of the article store_put() last added or changed
 * with es: entities are found or created by (kind, key), their canonical
 * name and mentions recorded as aliases, and linked with their mention
 * count and first position.  Fails with err on a database error. */
int store_put_entities(struct store *s, const struct ent_set *es,
                       struct mg_err *err);

/* Whether articles were stored or deleted (their entities changed)
 * since the last ent_merge_surnames() emptied entities_dirty, also by a
 * run that was killed: 1 or 0, -1 with err. */
int store_entities_pending(struct store *s, struct mg_err *err);

/* Forgets the entity ids store_put_entities() cached: call after
 * entities were deleted or renumbered behind it. */
void store_forget_entities(struct store *s);

/* A source file as the index last read it. */
struct store_file {
    int64_t id;       /* 0 before it is first recorded */
    int64_t size;     /* bytes */
    int64_t mtime;    /* nanoseconds since the epoch */
    char hash[17];    /* of the whole file, 16 hex digits; "" when never
                       * read to the end */
    int64_t articles; /* articles it gave */
};

/* The record of the file at path (a real path) into *f: 1 when found, 0
 * when not (f zeroed), -1 on error. */
int store_file_get(struct store *s, const char *path, struct store_file *f,
                   struct mg_err *err);

/* Records the file at path with f's size, mtime, hash and articles (as
 * read now), creating the record when f->id is 0 (and setting it). */
int store_file_put(struct store *s, const char *path, struct store_file *f,
                   struct mg_err *err);

/* From now on, store_put() marks articles as read from this file,
 * recorded at path (copied) (0: from no file, as standard input without
 * --source). */
void store_set_file(struct store *s, int64_t file_id, const char *path);

/* What store_put() and the deletes do, told as they do it: action is
 * "add", "update" or "delete" (morgue-index --dry-run prints them). */
typedef void (*store_journal_fn)(void *ctx, const char *action,
                                 const char *uid);
void store_set_journal(struct store *s, store_journal_fn fn, void *ctx);

/* A set of file ids (files to read again); zero it; free with
 * store_ids_free(), which takes an empty set. */
struct store_ids {
    int64_t *v;
    size_t n, cap;
};
void store_ids_add(struct store_ids *l, int64_t id); /* once each */
void store_ids_free(struct store_ids *l);

/* Where store_put() adds the files to read again when a key's owner is
 * gone from the disk and another claimant still there outranks the file
 * being read (which then gets STORE_SHADOWED); NULL: nowhere.  The list
 * is borrowed until the next call. */
void store_set_reread(struct store *s, struct store_ids *reread);

/* Deletes the articles read from file_id whose uid is not in keep (NULL:
 * all of them), adding their number to *removed, and its claims on keys
 * other files own that are not in keep.  The other files that claim a
 * deleted article's key are added to reread (may be NULL): one of them
 * owns it now, and must be read again to store its copy. */
struct strmap;
int store_file_drop(struct store *s, int64_t file_id, const struct strmap *keep,
                    int64_t *removed, struct store_ids *reread,
                    struct mg_err *err);

/* Deletes the record of file_id (its articles first: store_file_drop). */
int store_file_forget(struct store *s, int64_t file_id, int64_t *removed,
                      struct store_ids *reread, struct mg_err *err);

/* The recorded path of file_id into *path (caller frees): 1 when found,
 * 0 when not, -1 on error. */
int store_file_path(struct store *s, int64_t file_id, char **path,
                    struct mg_err *err);

/* Number of stored articles, or -1 on error. */
int64_t store_count(struct store *s);

/* Reads the article with the given uid into *a (cleared first).
 * Returns 1 when found, 0 when not, -1 on error. */
int store_get(struct store *s, const char *uid, struct article *a,
              struct mg_err *err);

/* Takedowns.  store_take_down() deletes the article with key uid (if
 * any) and every file's claim on it, and puts uid on the takedown list
 * with the file it came from: store_put() never stores it again.
 * Returns 1 when an article was deleted (counted in *removed), 0 when
 * none had the key (it is on the list all the same), -1 on error.
 * store_put_back() takes uid off the list and has its file read again
 * by the next run: 1 when it was on the list, 0 when not, -1 on error.
 * store_suppressed() says whether uid is on it (1, 0, -1 on error).
 * store_suppressed_each() calls fn for each entry in uid order (path
 * may be NULL) and returns their number, or -1.  Call them inside a
 * transaction (store_begin) when writing. */
int store_take_down(struct store *s, const char *uid, int64_t *removed,
                    struct mg_err *err);
int store_put_back(struct store *s, const char *uid, struct mg_err *err);
int store_suppressed(struct store *s, const char *uid, struct mg_err *err);
int store_suppressed_each(struct store *s,
                          void (*fn)(void *ctx, const char *uid,
                                     const char *path, const char *at),
                          void *ctx, struct mg_err *err);

/* Copies the takedown list of the index at path from (if it exists and
 * has one) into this one: a --rebuild keeps it.  0 or -1 with err. */
int store_copy_suppressed(struct store *s, const char *from,
                          struct mg_err *err);

/* Moves the write-ahead log into the index and truncates it to nothing,
 * waiting (the busy timeout) for readers of older snapshots.  0, or -1
 * with err (readers kept it busy: it stays, and is used as before). */
int store_checkpoint(struct store *s, struct mg_err *err);

/* ---- administration (admin.c) ---------------------------------------- */

/* Told a line of text (borrowed for the call) for the caller to show. */
typedef void (*store_line_fn)(void *ctx, const char *line);

/* Checks the index: SQLite's integrity check of the whole file, then
 * FTS5's of the full-text index against the articles.  Each finding is a
 * line to fn: "integrity_check: TEXT" for each line of SQLite's report
 * when it is not a lone "ok", then "SQLite integrity_check: ok" (or
 * FAILED), then "FTS5 integrity-check: ok" (or "FAILED (WHY)").  Needs a
 * store opened with STORE_WRITE (FTS5's check is an INSERT).  Returns 0
 * when both pass, 1 when one found damage, -1 with err when a check could
 * not run and none found damage before it; when FTS5's cannot run after
 * SQLite's found damage, 1 with err naming why. */
int store_check(struct store *s, store_line_fn fn, void *ctx,
                struct mg_err *err);

/* What the index holds, as lines to fn (morgue-index --stats):
 * "articles:  N (S sources; dated FIRST to LAST)", up to ten
 * "  source   NAME: N", "entities:  ...", "files:     ..." and
 * "last run:  ..." (the meta value last_run, "(none recorded)" without
 * one).  0, or -1 with err (the lines told so far stay told). */
int store_stats(struct store *s, store_line_fn fn, void *ctx,
                struct mg_err *err);

/* The meta value of key (a text) into *value (caller frees): 1 when
 * there is one, 0 when not (*value NULL), -1 with err. */
int store_meta_get(struct store *s, const char *key, char **value,
                   struct mg_err *err);

/* Sets the meta value of key to value (both copied), in the caller's
 * transaction if one is open.  0, or -1 with err. */
int store_meta_put(struct store *s, const char *key, const char *value,
                   struct mg_err *err);

/* The roots morgue-index was given (real paths, escaped as keys are:
 * docs/operations.md#article-identity), which public ids are relative
 * to (article_public_id).  store_roots_add() adds those of roots[0..n)
 * not yet recorded, in the caller's transaction if one is open;
 * store_roots() lists them into *roots (caller frees each and the list),
 * *n of them: none for an index made before they were recorded.  0, or
 * -1 with err. */
int store_roots_add(struct store *s, char *const *roots, int n,
                    struct mg_err *err);
int store_roots(struct store *s, char ***roots, int *n, struct mg_err *err);

/* What morgue-serve's /health reports: the number of articles, the meta
 * value last_run (caller frees; NULL when none) and the schema version
 * the index was built with (0 when unknown).  Free last_run with free().
 * Returns 0, or -1 with err ("PATH: cannot read: WHY") when the articles
 * cannot be counted; the meta values are best effort (NULL, 0 when
 * unreadable). */
struct store_health {
    int64_t articles;
    char *last_run;
    int schema;
};
int store_health(struct store *s, struct store_health *h, struct mg_err *err);

/* Undoes the open transaction (store_begin), if any.  Can't fail: an
 * error (no transaction open) is ignored. */
void store_rollback(struct store *s);

/* Copies the index built at built (closed) over the live one at live,
 * with SQLite's online backup in one write transaction of the live file,
 * so that a search sees the old index or the new one, never a mix, and
 * no file is renamed under a reader's -wal and -shm; then empties the
 * live index's write-ahead log, as big as the index, waiting a while for
 * the searches reading older snapshots.  Returns 0; 1 when the copy is
 * done but the log could not be emptied (err says so; the next run
 * empties it); -1 with err when the copy failed (the live index is
 * unchanged, the built one is still at built). */
int store_swap_in(const char *built, const char *live, struct mg_err *err);

/* Process-wide, before the first store_open() of a program whose threads
 * each open a store (morgue-serve): turns off SQLite's global allocation
 * statistics, which take one process-wide mutex on every allocation. */
void store_threads_init(void);

/* ---- walking the recorded files (files.c) ---------------------------- */

/* Told one recorded file: its path and record, both borrowed for the
 * call. */
typedef void (*store_file_fn)(void *ctx, const char *path,
                              const struct store_file *f);

/* Calls fn for every recorded source file (store_file_put), in no
 * particular order.  fn must not write to the store.  0, or -1 with
 * err. */
int store_files_each(struct store *s, store_file_fn fn, void *ctx,
                     struct mg_err *err);

/* ---- resolving family names across the index (entities.c) ----------- */

/* A person with a full name, as store_names_resolve() tells it: its id,
 * canonical name and key, and the number of articles that name it in
 * full; the strings borrowed for the call. */
struct store_person {
    int64_t id;
    const char *canonical;
    const char *key;
    int links;
};
typedef void (*store_person_fn)(void *ctx, const struct store_person *p);

/* Which person the family name with key belongs to: the id of a person
 * told to store_person_fn, or 0 for none (the family name is a person of
 * its own where an article names it). */
typedef int64_t (*store_pick_fn)(void *ctx, const char *key);

/* Links the family names articles give alone (kept by
 * store_put_entities) across the whole index.  First undoes what the
 * last resolution added (links that exist only by it, mentions it added
 * to an article's own) and names the entities whose links changed; then
 * tells person(ctx, ...) each person with a full name that at least one
 * article names in full; then, for each family name met alone, asks
 * pick(ctx, key) whose it is and links each article naming it so to that
 * person (its form an alias of it), or, for 0, to a person of that
 * family name (made when missing) where the article names it with a
 * mention (a guess from a headline, 0 mentions, is left out).  Last, the
 * entities whose links changed are deleted when none links them, else
 * named by the form most of their articles give (then the longest, then
 * the first in byte order), and the marks of store_entities_pending()
 * are cleared.  Run in a transaction.  Returns the number of family
 * names pick() gave a person, or -1 with err. */
int store_names_resolve(struct store *s, store_person_fn person,
                        store_pick_fn pick, void *ctx, struct mg_err *err);

/* ---- reading the word statistics (words.c) --------------------------- */

/* The totals a search is planned with: the statistics' meta values
 * (termstats.h), whether they can be used (stats: of TS_VERSION and
 * counting articles), and the articles and their weighted lengths' sum,
 * from the statistics or, when there are none yet (an index being built),
 * from FTS5's own lengths.  0 or -1 with err. */
struct store_corpus {
    struct ts_meta meta;
    int stats;
    int64_t docs, tokens;
};
int store_corpus(struct store *s, struct store_corpus *c, struct mg_err *err);

/* The statistics of key (n bytes; termstats.h): 1 and *w filled when the
 * index has them, 0 and *w zero when not, -1 with err. */
struct store_word {
    int64_t df, sdf, cdf;
    int bounded; /* the key has block bounds */
};
int store_word(struct store *s, const char *key, int n, struct store_word *w,
               struct mg_err *err);

/* The keys starting with prefix (n bytes) that an article holds: *of
 * counts them all, and fn(ctx, key, len) is called for the want most
 * frequent (then in key order; the key borrowed for the call; fn NULL:
 * only the count).  0 or -1 with err. */
typedef void (*store_word_fn)(void *ctx, const char *key, int len);
int store_word_prefix(struct store *s, const char *prefix, int n, int want,
                      store_word_fn fn, void *ctx, int64_t *of,
                      struct mg_err *err);

/* The vocabulary in key order, for walking it: the first key that an
 * article holds (df > 0) at or after from (n bytes; after: strictly
 * after), and below hi (hn bytes; hi NULL: no bound).  1 with *key (its
 * bytes, borrowed until the next call or store_read_end(): use it between
 * store_read_begin() and store_read_end(), which lets go of the row's
 * snapshot), *len and *df set; 0 when there is none; -1 with err.  One
 * seek in the terms table (query/suggest.c walks the vocabulary with
 * it). */
int store_word_next(struct store *s, const char *from, int n, int after,
                    const char *hi, int hn, const char **key, int *len,
                    int64_t *df, struct mg_err *err);

/* The block bounds of key (termstats.h) into q[0..nblocks): 0 where the
 * index has none.  0 or -1 with err. */
int store_word_bounds(struct store *s, const char *key, uint8_t *q, int nblocks,
                      struct mg_err *err);

/* fn(ctx, block) for each block whose articles changed since their bounds
 * were written (stats_dirty).  0 or -1 with err. */
typedef void (*store_id_fn)(void *ctx, int64_t id);
int store_dirty_blocks(struct store *s, store_id_fn fn, void *ctx,
                       struct mg_err *err);

/* ---- reading for a search (read.c) ------------------------------------ */

/* One snapshot for the reads of a whole search, and no lock taken and
 * dropped per statement: store_read_begin() opens a read transaction
 * unless one is open already and returns 1 when it did; pass that to
 * store_read_end(), which also ends what the calls below lent (their rows
 * hold the snapshot until then).  The calls lending rows are for use
 * between the two. */
int store_read_begin(struct store *s);
void store_read_end(struct store *s, int began);

/* After when (mg_now() seconds; 0: never) every statement stops with an
 * error, and store_timed_out() says one did until store_clear_timeout();
 * store_deadline() gives the one set. */
void store_set_deadline(struct store *s, double when);
double store_deadline(const struct store *s);
int store_timed_out(const struct store *s);
void store_clear_timeout(struct store *s);

/* Article id's date and source (borrowed until the next call or
 * store_read_end(); NULL when it has none): 1, 0 when there is no such article,
 * -1 with err. */
int store_article_facts(struct store *s, int64_t id, const char **date,
                        const char **source, struct mg_err *err);

/* Article id's fingerprint (fingerprint.h; 0 when none or no such
 * article): 0 or -1 with err. */
int store_article_simhash(struct store *s, int64_t id, uint64_t *sh,
                          struct mg_err *err);

/* Article id's date as a Julian day (0: none): 0 or -1 with err. */
int store_article_julian(struct store *s, int64_t id, double *jd,
                         struct mg_err *err);

/* What a result shows of an article; the strings are borrowed until the
 * next call on the store (NULL when empty); value is what the call says. */
struct store_hit_row {
    const char *uid, *title, *date, *source, *path, *url;
    double value;
    const char *lede; /* where the call says so */
};
typedef void (*store_hit_fn)(void *ctx, const struct store_hit_row *h);

/* Article id's row (no lede; borrowed until the next call or
 * store_read_end()): 1, 0 when there is none, -1 with err. */
int store_article_hit(struct store *s, int64_t id, struct store_hit_row *h,
                      struct mg_err *err);

/* fn(ctx, entity id) for each entity of article id: 0 or -1 with err. */
int store_article_entity_ids(struct store *s, int64_t id, store_id_fn fn,
                             void *ctx, struct mg_err *err);

/* Entity id's kind ("person", "place", "org") and canonical name,
 * borrowed until the next call or store_read_end(): 1, 0 when there is none, -1
 * with err. */
int store_entity(struct store *s, int64_t id, const char **kind,
                 const char **name, struct mg_err *err);

/* The newest article's date as a Julian day (0: none): 0 or -1. */
int store_newest(struct store *s, double *jd, struct mg_err *err);

/* Whether the rowids are in publication order (store_date_order_end),
 * read in the caller's snapshot: 1 or 0 (also on an error). */
int store_date_ordered(struct store *s);

/* Whether the word statistics describe every article: none was added past
 * rowid_max (ts_meta) and no block changed since they were written.  1, 0,
 * or -1 with err. */
int store_stats_cover(struct store *s, int64_t rowid_max, struct mg_err *err);

/* The articles whose fingerprints differ from article uid's in at most
 * maxdist bits, nearest first (then oldest), at most limit of them:
 * fn(ctx, row) for each, value the distance.  1, 0 when there is no
 * article uid, -1 with err.  A full scan of one integer column. */
int store_similar(struct store *s, const char *uid, int maxdist, int limit,
                  store_hit_fn fn, void *ctx, struct mg_err *err);

/* fn(ctx, kind, name, count) for each row (borrowed for the call). */
typedef void (*store_name_fn)(void *ctx, const char *kind, const char *name,
                              int64_t count);

/* The entities, of kind (NULL: any), with a name or alias starting with
 * prefix, by the number of their articles (count), at most limit of
 * them: 0 or -1 with err. */
int store_entities_find(struct store *s, const char *prefix, const char *kind,
                        int limit, store_name_fn fn, void *ctx,
                        struct mg_err *err);

/* The entities of article uid with their mentions (count): people, then
 * places, then organisations, each by mentions, first mention and name.
 * 0 or -1 with err. */
int store_article_entities(struct store *s, const char *uid, store_name_fn fn,
                           void *ctx, struct mg_err *err);

#endif
