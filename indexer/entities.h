/*
 * entities.h - named entities (people, places, organisations) found in an
 * article at indexing time, merged within the article so that one real
 * name is one entity, with canonical names from the gazetteer in data/.
 */
#ifndef MORGUE_ENTITIES_H
#define MORGUE_ENTITIES_H

#include <stdio.h>

#include "article.h"
#include "util.h"

struct gazetteer;

/* Loads the gazetteer compiled into the program (the TSV files in data/). Can't
 * fail except on memory, which aborts. */
struct gazetteer *gaz_load(void);
void gaz_free(struct gazetteer *g);

/* Replaces the tagger's model (data/entity_model.tsv, compiled in) with
 * the one in the file at path (same format; scripts/entity_train.py
 * writes it).  -1 with err when the file can't be read or parsed. */
int gaz_set_model(struct gazetteer *g, const char *path, struct mg_err *err);

/* Makes every later extraction write its tagger candidates' features to
 * f, one line each (path, id, run, the rules' reading, the features), for
 * scripts/entity_train.py; NULL stops. */
void gaz_set_features(struct gazetteer *g, FILE *f);

/* Finds the entities of a cleaned article (title, dateline, body,
 * captions; a title in capitals only for known names and people before a
 * headline verb or after a title) into *out (cleared first; free with
 * ent_set_free).  Can't fail. */
void ent_extract(const struct gazetteer *g, const struct article *a,
                 struct ent_set *out);

struct store;

/* Across the whole index, links each person an article names only by a
 * family name ("Reagan", from "President Reagan said"; kept as the
 * article gave it in lone_names) to the one full name with that family
 * name ("Ronald Reagan"), when there is exactly one, or one has at least
 * 80% of the articles naming any of them in full; else to the family name
 * itself as a person, where the article names it (a guess from a headline
 * or "X said", 0 mentions, is left out).  It first undoes what the last
 * resolution added, so the links are a function of the articles now in
 * the index, whatever order they came in: an incremental run leaves what
 * a rebuild would.  Then the entities whose links changed are named by
 * the form most of their articles give, and deleted when none links them.
 * Run after indexing when store_entities_pending(), in a transaction;
 * returns the number of family names resolved to a full name, or -1 with
 * err. */
int ent_merge_surnames(struct store *st, struct mg_err *err);

/* The canonical names of s, one per line ("" when none), but for weak
 * ones (lone family names left to the merge): the text of the article's
 * FTS5 entities column.  Caller frees. */
char *ent_names(const struct ent_set *s);

#endif
