/*
 * entities_int.h - what the parts of the entity extraction share:
 * gazetteer.c (the gazetteer and the word lists), classify.c (the text
 * read into names), entities.c (an article's names merged into its
 * entities) and merge.c (the family names merged across the index).  Not
 * for use outside indexer/; the public interface is entities.h.
 */
#ifndef MORGUE_ENTITIES_INT_H
#define MORGUE_ENTITIES_INT_H

#include "entities.h"
#include "strmap.h"

/* ---- interface to gazetteer.c ---------------------------------------- */

#define KEYMAX 256 /* longest name key looked up, in bytes */

struct place {
    char *canonical;
    char country[3];
    int kind; /* 0 country, 1 subdivision, 2 city */
    long population;
};

struct gazetteer {
    struct place *places;
    int nplaces;
    struct strmap place_by_name;   /* lower-case name -> best place */
    struct strmap country_by_code; /* "US" -> place */
    struct strmap demonyms;        /* lower-case adjective -> place */
    struct strmap first_names;     /* lower-case -> 1 */
    struct strmap orgs;            /* lower-case name -> index in org_names */
    char **org_names;
    int norgs;
    struct strmap titles; /* lower-case word or phrase -> 1 title, 2 role */
    struct strmap title_first; /* first words of the titles */
    /* The word lists of gazetteer.c (ORG_HEADS...), as sets of lower-case
     * words. */
    struct strmap common, heads, weak_heads, forms, not_names, not_orgs, asian,
        speech, joiners, generic, not_surnames, headline_verbs;
    struct strmap nonentities; /* names that are no entity ("Brent") */
    struct strmap lex;         /* lower-case word -> P_* bits */
    struct strmap lex_small;   /* the same for the words of the short lists
                                * only: all a lower-case word can be */
    struct strmap multi_first; /* first words of the names of places,
                                * organisations and non-entities that
                                * have more than one word */
};

/* What the lexicon knows of a word (bits of struct word's props). */
enum {
    P_COMMON = 1 << 0,
    P_HEAD = 1 << 1,
    P_WEAK_HEAD = 1 << 2,
    P_NOT_NAME = 1 << 3,
    P_NOT_ORG = 1 << 4,
    P_ASIAN = 1 << 5,
    P_SPEECH = 1 << 6,
    P_JOINER = 1 << 7,
    P_GENERIC = 1 << 8,
    P_NOT_SURNAME = 1 << 9,
    P_HL_VERB = 1 << 10,
    P_FIRST = 1 << 11,
    P_TITLE_FIRST = 1 << 12,
    P_MULTI_FIRST = 1 << 13,
    P_PLACE = 1 << 14,   /* a one-word place name */
    P_REGION = 1 << 15,  /* ... of a country or subdivision, or a
                          * nationality */
    P_ORG = 1 << 16,     /* a one-word organisation name */
    P_DEMONYM = 1 << 17, /* a one-word nationality */
    P_NONENT = 1 << 18,  /* a one-word non-entity */
};

/* NULL-ended lists of lower-case words: the company-form words ("GTE
 * Corp" and "GTE" are one organisation) and the East Asian family names
 * that start three-syllable names. */
extern const char *const GAZ_FORMS[];
extern const char *const GAZ_ASIAN_SURNAMES[];

/* True when w is one of the words of list (NULL-ended, lower case), in
 * any case.  Can't fail. */
int gaz_in_list(const char *const *list, const char *w);

/* Lower-cases UTF-8 (case folding) into a new string (caller frees). */
char *gaz_lower(const char *s);

/* The value of the case-folded name k in m ("U.S" is also looked up as
 * "U.S."), or -1. */
int gaz_lookup_l(const struct strmap *m, const char *k);

/* The value of name in m, in any case, or -1. */
int gaz_lookup(const struct strmap *m, const char *name);

/* ---- interface to classify.c ----------------------------------------- */

struct found {
    enum ent_kind kind;
    char *name; /* canonical or surface */
    char *surface;
    char *alt; /* the whole run when a word was cut from its start
                * ("First Boston" read as "Boston"), else NULL */
    int pos;
    int pending; /* 0 a name; 1 a lone word kept only when it joins a
                  * full name; 2 a lone name kept anyway; 3 a city's
                  * country; 4 an acronym kept when seen twice; 5 a lone
                  * family name left to the index-wide merge */
};

struct abbr {
    char *acronym; /* "MGE" */
    char *name;    /* "Minneapolis Grain Exchange" */
};

/* One article's extraction: the names found so far, in text order. */
struct extraction {
    const struct gazetteer *g;
    struct found *v;
    int n, cap;
    const char *alt;   /* the current run's alt (see struct found) */
    struct abbr *abbr; /* "Minneapolis Grain Exchange (MGE)" */
    int nabbr;
    const struct article *art;
};

/* Adds the names of c->art's title, dateline, body and captions to c
 * (c->g and c->art set, the rest zero at the first call).  Can't fail
 * except on memory, which aborts. */
void ent_find(struct extraction *c);

/* An organisation's name without its company-form words ("GTE Corp" and
 * "GTE" are one), as a key (ent_key; caller frees). */
char *ent_org_key(const char *name);

/* True when the article also writes word in lower case, as a common
 * word ("the drug", "in time"): then the capitalised word is no family
 * name. */
int ent_written_lower(const struct article *a, const char *word);

/* ---- interface to entities.c ----------------------------------------- */

/* The family name of a full person name (caller frees): the first word
 * of an East Asian three-part name ("Moon Jae-in"), else the last word;
 * a name of one word is its own. */
char *ent_surname(const char *full);

#endif
