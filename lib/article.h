/*
 * article.h - the article model: one news story as the indexer produces
 * it and the store keeps it.  All fields are owned UTF-8 strings or NULL.
 */
#ifndef MORGUE_ARTICLE_H
#define MORGUE_ARTICLE_H

#include <stdint.h>

/* Where an article's uid came from, for the indexer's identity rule
 * (docs/operations.md#article-identity). */
enum uid_kind {
    UID_FILE,      /* made from the file's name (and the position in it):
                    * unique by itself */
    UID_RECORD,    /* the record's own id ("id", "guid", NITF doc-id):
                    * unique only within its source */
    UID_QUALIFIED, /* an id the format makes unique for the whole
                    * collection (Reuters-21578: reuters-NEWID; a SMART
                    * collection: time-17) */
};

/* The columns of an article the index searches, in the index's order
 * (its FTS5 columns), which is also the order of their weights
 * (termstats.h: TS_WEIGHTS).  The one list of them: the store's schema,
 * the word statistics, the ranking, the snippets and the query's field
 * names (title: ... highlights:) all go by it. */
enum art_col {
    ART_TITLE,
    ART_LEDE,
    ART_BODY,
    ART_CAPTIONS,
    ART_HIGHLIGHTS,
    ART_ENTITIES,
    ART_NCOLS
};

/* Their names: "title", "lede", "body", "captions", "highlights",
 * "entities". */
extern const char *const ART_COL_NAMES[ART_NCOLS];

struct article {
    char *uid; /* stable id: the input's own id, or path#position;
                * the indexer turns it into the article's key */
    enum uid_kind uid_kind;
    char *title;
    char *lede;       /* first sentences of the body */
    char *body;       /* cleaned text, paragraphs separated by "\n\n" */
    char *captions;   /* photo captions, one per line */
    char *highlights; /* summary points, one per line */
    char *entities;   /* entity names, one per line */
    char *date;       /* ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z] */
    char *source;     /* publication or wire service */
    char *url;
    char *byline;
    char *section;
    char *dateline;    /* place of the dateline, e.g. "SALVADOR" */
    char *language;    /* BCP 47 code, "und" when unknown */
    char *description; /* the page's own summary (HTML meta), if any */
    char *path;        /* the file it came from */
    uint64_t simhash;  /* near-duplicate fingerprint of the body (0: none) */
};

enum ent_kind { ENT_PERSON, ENT_PLACE, ENT_ORG };

/* "person", "place" or "org". */
const char *ent_kind_name(enum ent_kind k);

/* One entity of an article. */
struct ent {
    enum ent_kind kind;
    char *canonical; /* the name shown in facets */
    char *key;       /* the merge key: lower case letters and digits */
    char **mentions; /* the surface strings found, each once */
    int nmentions;
    int count;        /* mentions in the article (0 when implied) */
    int implied;      /* not named: the country of a city that is */
    int weak;         /* a lone family name ("REAGAN SAYS") the article does
                       * not resolve: stored with 0 mentions for the
                       * index-wide merge to resolve or drop */
    int first;        /* byte offset of the first mention */
    float confidence; /* how sure the extraction is of the name's kind:
                       * the tagger's margin (indexer/tagger.c) */
    int low;          /* confidence under the model's threshold: in the
                       * article's text for search, in no facet */
};

struct ent_set {
    struct ent *v;
    int n;
};

/* The merge key of a name: lower-case letters and digits only, so "Kim
 * Jong-un", "Kim Jong Un" and "KIM JONG-UN" share one.  Caller frees. */
char *ent_key(const char *name);

/* Frees the set's entities and zeroes it; takes NULL. */
void ent_set_free(struct ent_set *s);

/* Frees every field and zeroes the struct; takes NULL. */
void article_clear(struct article *a);

/* Public ids (docs/operations.md#article-identity): the key of an
 * article keyed by its file (an absolute path, maybe with "#N" or ":ID")
 * named by its path below the longest of roots[0..nroots) it lies under,
 * that root's own name first ("corpus/seed/x.txt" for key
 * "/srv/corpus/seed/x.txt" under root "/srv/corpus").  article_public_id
 * returns that (a copy of key when no root holds it); article_key_under
 * the key a public id stands for under root, or NULL when id does not
 * start with the root's name.  Caller frees; can't fail. */
char *article_public_id(const char *key, char *const *roots, int nroots);
char *article_key_under(const char *id, const char *root);

/* Replaces *field with a copy of value (NULL clears it). */
void article_set(char **field, const char *value);

/* A hash of every stored field, as 16 hex digits into out[17]: equal
 * hashes mean an unchanged article.  Can't fail. */
void article_hash(const struct article *a, char out[17]);

#endif
