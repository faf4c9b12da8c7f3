/*
 * shim.h - the Xapian engine's shim: one Xapian database (a directory)
 * written and read through a C interface.  The implementation,
 * engine/xapian/shim.cc, is the project's only C++; no exception crosses
 * this header: every Xapian error becomes a struct mg_err whose message
 * names the database's path and carries Xapian's own description.
 *
 * What a document holds (the term scheme, engine/xapian/TERMS.md):
 *  - the words of the six indexed columns (article.h: enum art_col), cut
 *    by the project's tokenizer (lib/tokenizer.h, TOK_MODE_DOCUMENT),
 *    each as an exact term and a class term (the word's stem class), both
 *    unprefixed (any field) and under the column's prefix, with positions
 *    for phrases and NEAR;
 *  - boolean terms for the uid, source, section, byline words, language
 *    and entities (kind + key), and the simhash bands that find near-
 *    duplicates;
 *  - values for what a hit line, a sort, a facet and the timeline need
 *    (MGX_VAL_*), and as document data the whole article (mgx_get).
 *
 * Conventions: 0 (or a count, or 1/0 for yes/no) on success, -1 with err
 * naming the database and the reason; inputs are borrowed for the call;
 * a struct mgx_db is used by one thread at a time.
 */
#ifndef MORGUE_XAPIAN_SHIM_H
#define MORGUE_XAPIAN_SHIM_H

#include <stdint.h>

#include "article.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the term scheme (TERMS.md) changes: a database built
 * under another one is refused ("rebuild"). */
#define MGX_SCHEME 5

/* Value slots (TERMS.md has the encodings). */
enum mgx_slot {
    MGX_VAL_UID = 0,      /* the article's uid */
    MGX_VAL_DATE = 1,     /* its date as stored (ISO 8601: sorts by time) */
    MGX_VAL_DAY = 2,      /* its first 10 bytes, YYYY-MM-DD (the timeline) */
    MGX_VAL_SOURCE = 3,   /* as stored (hit line, sources facet) */
    MGX_VAL_SECTION = 4,  /* as stored */
    MGX_VAL_TITLE = 5,    /* hit line */
    MGX_VAL_URL = 6,      /* hit line */
    MGX_VAL_PATH = 7,     /* hit line */
    MGX_VAL_SIMHASH = 8,  /* 8 bytes, big-endian; absent when 0 */
    MGX_VAL_DUPKEY = 9,   /* 8 bytes: the near-duplicate cluster, for
                           * Enquire::set_collapse_key */
    MGX_VAL_BODYLEN = 10, /* the body's tokens, sortable_serialise'd
                           * (the short-body prior) */
    MGX_VAL_DATEUID = 11, /* date (or "") + NUL + uid: newest/oldest
                           * order, unique, with no KeyMaker (refused by
                           * remote shards) */
    MGX_VAL_ENTSET = 12,  /* the article's entities as one set: the entity
                           * slots' values sorted, then the entities it
                           * holds a term of beyond them, each marked with
                           * a leading \1; NUL between (one spy counts
                           * the facets and the names named together) */
    MGX_VAL_ENT0 = 32,    /* the article's entities, most mentioned
                           * first, one a slot: kind letter + key */
};
#define MGX_MAX_ENT_SLOTS 24

/* Fields a key of mgx_search names beyond the text columns 0 ..
 * ART_NCOLS-1 (article.h). */
enum mgx_field {
    MGX_ANY = -1,     /* every text column (the unprefixed terms) */
    MGX_SOURCE = 16,  /* boolean: the whole source, any ASCII case */
    MGX_SECTION = 17, /* boolean: the whole section, any ASCII case */
    MGX_BYLINE = 18,  /* boolean: a word of the byline (exact token) */
    MGX_PERSON = 19,  /* boolean: an entity's key (ent_key) */
    MGX_PLACE = 20,
    MGX_ORG = 21,
    MGX_UID = 22, /* boolean: the uid */
};

enum mgx_mode {
    MGX_READ,  /* read-only; the database must exist */
    MGX_WRITE, /* read-write; created when missing; one writer at a time */
};

struct mgx_db;

/* Opens (in MGX_WRITE mode creating) the Xapian database directory at
 * path.  A database written under another term scheme or tokenizer
 * version is refused.  On failure *out is NULL and err names the path
 * and the reason (missing, not a Xapian database, locked by another
 * writer: Xapian's message). */
int mgx_open(const char *path, enum mgx_mode mode, struct mgx_db **out,
             struct mg_err *err);

/* Opens the n read-only databases at paths as one (Xapian's
 * add_database: the statistics, and so the weights, are those of one
 * database holding all their documents), named label in errors.  Each
 * is checked as mgx_open checks it.  On failure *out is NULL. */
int mgx_open_union(const char *label, const char *const *paths, int n,
                   struct mgx_db **out, struct mg_err *err);

/* Closes db, committing what a writer has not (as Xapian does); takes
 * NULL.  A failure there is lost: call mgx_commit first to see it. */
void mgx_close(struct mgx_db *db);

/* The path db was opened with, borrowed. */
const char *mgx_path(const struct mgx_db *db);

/* What mgx_put did. */
enum mgx_put_result { MGX_ADDED = 0, MGX_REPLACED = 1 };

/* Adds article a (a->uid required) with its entities es (NULL: none), or
 * replaces the document with the same uid.  Its near-duplicate cluster
 * (MGX_VAL_DUPKEY) is that of the closest article of this database whose
 * simhash is within FP_NEAR bits (fingerprint.h), else its own.  Visible
 * to this handle at once, to other readers after mgx_commit.  Returns an
 * mgx_put_result, or -1 with err. */
int mgx_put(struct mgx_db *db, const struct article *a,
            const struct ent_set *es, struct mg_err *err);

/* mgx_put with the near-duplicate cluster given (MGX_VAL_DUPKEY =
 * dupkey, 8 bytes big-endian) instead of looked up: for a writer that
 * chooses it itself (store/xapian.c: across shards written by several
 * threads).  The same returns. */
int mgx_put_keyed(struct mgx_db *db, const struct article *a,
                  const struct ent_set *es, uint64_t dupkey,
                  struct mg_err *err);

/* Deletes the article with this uid: 1 when there was one, 0 when not,
 * -1 with err. */
int mgx_delete(struct mgx_db *db, const char *uid, struct mg_err *err);

/* A person that an article names by its family name alone, joined to it
 * by the index-wide resolution of family names (store/xapian.c,
 * store_names_resolve): what mgx_link_add gives the article, and
 * mgx_link_drop takes back.  The strings are borrowed for the call. */
struct mgx_link {
    const char *key;   /* the person's key: its XP term, slot value p+key */
    const char *alias; /* a name to find it by (an XV term), or NULL */
    const char *form;  /* the name the article gives it, counted for its
                        * display name (an XN term), or NULL */
    const char *lone;  /* the family name's key: mgx_put gave a family
                        * name with a mention the entity slot its mentions
                        * rank it to (value p+lone), which the person takes */
    unsigned added;    /* MGX_LINK_* bits: what mgx_link_add added (the
                        * article held the rest), what mgx_link_drop takes */
};
enum {
    MGX_LINK_TERM = 1,  /* the XP term */
    MGX_LINK_ALIAS = 2, /* the XV term */
    MGX_LINK_FORM = 4,  /* the XN term */
    MGX_LINK_SLOT = 8,  /* the first free entity slot (none free: left out) */
    MGX_LINK_SWAP = 16, /* the family name's slot (p+lone) made the person's */
    MGX_LINK_UNSLOT = 32, /* the family name's slot removed: the person had
                           * one */
};

/* Gives the stored article uid the terms and entity slot of person l
 * (TERMS.md), those it lacks only, and sets l->added to what it added.
 * 1 when done, 0 when there is no such article (l->added 0), -1 with
 * err. */
int mgx_link_add(struct mgx_db *db, const char *uid, struct mgx_link *l,
                 struct mg_err *err);

/* Takes from the stored article uid what l->added says mgx_link_add gave
 * it (a slot's value removed, the later slots moved down one; a swapped
 * slot the family name's again; a removed one put back last).  1 when
 * done, 0 when there is no such article, -1 with err. */
int mgx_link_drop(struct mgx_db *db, const char *uid, const struct mgx_link *l,
                  struct mg_err *err);

/* Makes the changes so far durable and visible to new readers (ending
 * the transaction mgx_begin opened, if any). */
int mgx_commit(struct mgx_db *db, struct mg_err *err);

/* Opens a transaction on a writer (a no-op when one is open): the puts
 * and deletes until mgx_commit are applied together, or not at all after
 * mgx_cancel (or mgx_close).  0, or -1 with err. */
int mgx_begin(struct mgx_db *db, struct mg_err *err);

/* Drops the changes of the open transaction, if any.  Can't fail (an
 * error is ignored: the transaction is gone either way). */
void mgx_cancel(struct mgx_db *db);

/* User metadata (Xapian's get_metadata / set_metadata): the value of key
 * into *value (caller frees): 1 when set, 0 when not (or empty, which
 * Xapian does not tell apart; *value NULL), -1 with err.  mgx_meta_put
 * sets it on a writer (NULL or "" removes it), committed with the next
 * mgx_commit.  0 or -1 with err. */
int mgx_meta_get(struct mgx_db *db, const char *key, char **value,
                 struct mg_err *err);
int mgx_meta_put(struct mgx_db *db, const char *key, const char *value,
                 struct mg_err *err);

/* A reader sees the latest committed revision from now on (a no-op for a
 * writer, which sees its own changes). */
int mgx_reopen(struct mgx_db *db, struct mg_err *err);

/* The stored article with this uid into *a (cleared first; caller frees
 * with article_clear), every field as mgx_put was given it.  1 when
 * found, 0 when not, -1 with err. */
int mgx_get(struct mgx_db *db, const char *uid, struct article *a,
            struct mg_err *err);

/* Value slot (enum mgx_slot) of the article with this uid into out
 * (cleared first; the bytes as stored, NUL-terminated).  1 when the
 * article is there (the value maybe empty), 0 when not, -1 with err. */
int mgx_value(struct mgx_db *db, const char *uid, int slot, struct buf *out,
              struct mg_err *err);

/* The database's totals: articles, the sum and mean of their lengths in
 * Xapian's units (TERMS.md: 4 x the TS_LEN_WEIGHTS length). */
struct mgx_stats {
    int64_t docs;
    int64_t total_length;
    double avg_length;
    int64_t last_docid;
};
int mgx_stats(struct mgx_db *db, struct mgx_stats *st, struct mg_err *err);

/* The term of a key into out (cleared first): field (enum mgx_field, or
 * an enum art_col), the key's bytes (a token as the tokenizer writes it,
 * without TOK_STEM_MARK; for boolean fields the value), and whether it
 * is the class term (TOK_KEY_CLASS: the token or any word stemmed to
 * it) or the exact one.  Can't fail. */
void mgx_term(int field, const char *key, int cls, struct buf *out);

/* How many articles hold the key (its term's document frequency): 0 or
 * more, or -1 with err. */
int64_t mgx_df(struct mgx_db *db, int field, const char *key, int cls,
               struct mg_err *err);

/* Calls cb for each term of the database starting with the term of
 * (field, prefix, cls), in byte order, with the key (the term without
 * its prefix) and its document frequency, at most limit of them (<= 0:
 * all); cb returning non-zero stops.  For prefix queries and entity
 * autocompletion.  Returns the number given to cb, or -1 with err. */
typedef int (*mgx_term_cb)(void *ctx, const char *key, int len, int64_t df);
int mgx_allterms(struct mgx_db *db, int field, const char *prefix, int cls,
                 int limit, mgx_term_cb cb, void *ctx, struct mg_err *err);

/* A minimal search, to prove the term scheme (the query mapping proper
 * is the next step): the text keys (fields MGX_ANY or a column)
 * combined by op, filtered by every boolean key (the other fields),
 * scored by BM25 (TERMS.md: k1 2 x TS_K1, b TS_B), best first, ties by
 * uid. */
enum mgx_op {
    MGX_AND,    /* every key */
    MGX_OR,     /* any key */
    MGX_PHRASE, /* the keys at consecutive positions */
    MGX_NEAR,   /* the keys within window positions, any order */
};
struct mgx_key {
    int field;
    const char *key;
    int cls;
};
struct mgx_hit {
    char *uid;
    double weight;
};
/* Runs the search into *hits (caller frees with mgx_hits_free), at most
 * limit of them, *nhits of them; *total gets the number of matches
 * (exact).  Returns 0, or -1 with err. */
int mgx_search(struct mgx_db *db, enum mgx_op op, int window,
               const struct mgx_key *keys, int nkeys, int limit,
               struct mgx_hit **hits, int *nhits, int64_t *total,
               struct mg_err *err);
void mgx_hits_free(struct mgx_hit *hits, int n);

#ifdef __cplusplus
}
#endif

#endif
