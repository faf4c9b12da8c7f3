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
#define STORE_SCHEMA_VERSION 5

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

enum store_put_result { STORE_ADDED, STORE_CHANGED, STORE_UNCHANGED };

/* Adds the article, or replaces the one with the same uid when its
 * content differs.  Returns a store_put_result, or -1 with err set. */
int store_put(struct store *s, const struct article *a, struct mg_err *err);

/* Replaces the entities of the article store_put() last added or changed
 * with es: entities are found or created by (kind, key), their canonical
 * name and mentions recorded as aliases, and linked with their mention
 * count and first position.  Fails with err on a database error. */
int store_put_entities(struct store *s, const struct ent_set *es,
                       struct mg_err *err);

/* Number of stored articles, or -1 on error. */
int64_t store_count(struct store *s);

/* Reads the article with the given uid into *a (cleared first).
 * Returns 1 when found, 0 when not, -1 on error. */
int store_get(struct store *s, const char *uid, struct article *a,
              struct mg_err *err);

#endif
