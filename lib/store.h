/*
 * store.h - the index file: schema, opening and version checks, writing
 * articles.  One SQLite database holds an `articles` table (the stored,
 * cleaned text and metadata) and an external-content FTS5 table `fts` over
 * it, tokenised by the `morgue` tokenizer and kept in step by triggers.
 */
#ifndef MORGUE_STORE_H
#define MORGUE_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "article.h"
#include "util.h"

/* Bumped whenever the schema below changes. */
#define STORE_SCHEMA_VERSION 7

/* FTS5 column order, also the order of bm25() weights. */
enum store_col {
    STORE_COL_TITLE,
    STORE_COL_LEDE,
    STORE_COL_BODY,
    STORE_COL_CAPTIONS,
    STORE_COL_HIGHLIGHTS,
    STORE_COL_ENTITIES,
    STORE_NCOLS
};

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

/* Closes the index; takes NULL. */
void store_close(struct store *s);

/* The connection, borrowed, valid until store_close(). */
sqlite3 *store_db(struct store *s);

/* The path the store was opened with, borrowed. */
const char *store_path(struct store *s);

/* Transactions around batches of store_put(). */
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

enum store_put_result { STORE_ADDED, STORE_CHANGED, STORE_UNCHANGED };

/* Adds the article, or replaces the one with the same uid when its
 * content differs.  doc holds the keys of its indexed columns
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
 * articles.  Returns 0, or -1 with err. */
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

/* From now on, store_put() marks articles as read from this file (0:
 * from no file, as standard input). */
void store_set_file(struct store *s, int64_t file_id);

/* Deletes the articles read from file_id whose uid is not in keep (NULL:
 * all of them), adding their number to *removed. */
struct strmap;
int store_file_drop(struct store *s, int64_t file_id,
                    const struct strmap *keep, int64_t *removed,
                    struct mg_err *err);

/* Deletes the record of file_id (its articles first: store_file_drop). */
int store_file_forget(struct store *s, int64_t file_id, int64_t *removed,
                      struct mg_err *err);

/* Number of stored articles, or -1 on error. */
int64_t store_count(struct store *s);

/* Reads the article with the given uid into *a (cleared first).
 * Returns 1 when found, 0 when not, -1 on error. */
int store_get(struct store *s, const char *uid, struct article *a,
              struct mg_err *err);

#endif
