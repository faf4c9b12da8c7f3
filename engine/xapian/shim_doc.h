/*
 * shim_doc.h - what the Xapian engine's snippets and article page read
 * from the database beside a document's text (extern "C"; shim_doc.cc):
 * a key's collection frequency, which tells whether a word stems to a
 * class key (the planner's sdf), and an article's entities.
 */
#ifndef MORGUE_XAPIAN_SHIM_DOC_H
#define MORGUE_XAPIAN_SHIM_DOC_H

#include <stdint.h>

#include "shim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The occurrences of key's term in field (MGX_ANY, a column; cls: its
 * class term), summed over the articles as their wdf (TERMS.md: each
 * occurrence adds its column's TS_LEN_WEIGHTS; a class term only where it
 * is the position's weighted class).  -1 with err. */
int64_t mgx_cf(struct mgx_db *db, int field, const char *key, int cls,
               struct mg_err *err);

/* Called for each entity of an article: kind ENT_PERSON, ENT_PLACE or
 * ENT_ORG, its display name (valid during the call). */
typedef void (*mgx_ent_fn)(void *ctx, int kind, const char *name);

/* The entities linked to article uid (its XP/XW/XO terms, TERMS.md),
 * people, then places, then organisations, each most mentioned first
 * (the order of its entity slots; those past MGX_MAX_ENT_SLOTS after,
 * by key), with the names of the metadata (the key when none).  1 when
 * the article is there, 0 when not, -1 with err. */
int mgx_doc_entities(struct mgx_db *db, const char *uid, mgx_ent_fn fn,
                     void *ctx, struct mg_err *err);

#ifdef __cplusplus
}
#endif

#endif
