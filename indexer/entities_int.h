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
#include <stdio.h>

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
    struct strmap sport;       /* words of sports reports ("scored") */
    unsigned sport_first;      /* their first letters, a bit each */
    struct strmap word_case;   /* lower-case word -> how often written
                                * capitalised, 0-3 (data/word_case.tsv) */
    struct ent_model *model;   /* the tagger's (tagger.c) */
    FILE *features;            /* where the tagger writes its candidates'
                                * features for training, or NULL */
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

/* One word of a text as classify.c cuts it (and tagger.c reads it). */
struct word {
    int start, end; /* bytes in the text */
    char *s;        /* the word, possessive removed */
    char *l;        /* s case-folded */
    int cap;        /* starts with a capital letter */
    int allcaps;    /* two or more letters, all capitals */
    int lower;      /* starts with a lower-case letter */
    int sent;       /* first word of a sentence */
    int poss;       /* ended in 's / ’s */
    int gap;        /* punctuation (not just space) before it */
    char punct;     /* the last punctuation mark before it ('?' when not
                     * ASCII), 0 when none */
    int props;      /* P_* bits of l in the lexicon; -1 until looked up */
    int amp;        /* joined to the word before by " & " in a name */
};

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
                  * family name left to the index-wide merge; -1 dropped */
    float conf;  /* the tagger's margin for the name's kind (tagger.c);
                  * TAG_SURE when no candidate of the tagger gave it */
};

/* A run of capitalised words the tagger scored (tagger.c). */
struct cand {
    int f0, f1; /* the founds the rules gave it: v[f0..f1-1] */
    int pos;
    char *name;   /* the run as written */
    char *key;    /* ... case-folded */
    uint64_t kh;  /* a hash of key */
    size_t klen;  /* its length */
    float s[4];   /* scores: none, person, place, organisation */
    char rule[4]; /* the rules' reading (tagger.c: rule_reading) */
    char *line;   /* its features so far, when they are written */
    int one_word;
    int place;        /* the gazetteer's place of that name, or -1 */
    int org, demonym; /* the gazetteer has it as an organisation, as a
                       * nationality */
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
    struct cand *cand; /* the tagger's candidates, in text order */
    int ncand, capcand;
    int sport;  /* the article reads as a sports report (tagger.c) */
    char field; /* 't' title, 'b' body, 'c' captions: the text scanned */
    int rank;   /* the word where a rank that is part of the next name
                 * starts ("Lord" of "Lord Falconer"), or -1 */
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

/* The same for a word already case-folded. */
int ent_written_lower_l(const struct article *a, const char *l);

/* The P_* bits of a word, looked up once. */
int ent_word_props(const struct gazetteer *g, struct word *w);

/* Adds a found name to c (pending as in struct found; conf TAG_SURE). */
void ent_found_add(struct extraction *c, enum ent_kind k, const char *name,
                   const char *surface, int pos, int pending);

/* Adds the place places[p] of the gazetteer as found (and, for a city,
 * its country, implied). */
void ent_found_place(struct extraction *c, int p, const char *surface, int pos);

/* The words a..b-1 joined with spaces (" & " where the text has it; a
 * possessive inside kept): a new string. */
char *ent_words_name(struct word *w, int a, int b);

/* The words a..b-1 case-folded and joined with spaces into buf (KEYMAX
 * bytes); "" when too long. */
const char *ent_words_key(struct word *w, int a, int b, char *buf);

/* ---- interface to tagger.c ------------------------------------------- */

#define TAG_SURE 1e9f /* the confidence of a name no candidate gave */
/* The confidence of a name the rules read and the model overruled: kept
 * for search, in no facet. */
#define TAG_DOUBT (-1000.0f)

/* The model of data/entity_model.tsv (or of a file of that format):
 * text is its text, name says where it came from in err.  NULL with err
 * when a line is not "feature<TAB>4 weights". */
struct ent_model *tag_model_parse(const char *text, const char *name,
                                  struct mg_err *err);
void tag_model_free(struct ent_model *m);

/* The confidence below which an entity is kept for search but shown in no
 * facet (the model file's "# threshold" line). */
float tag_threshold(const struct ent_model *m);

/* Reads what the tagger needs of the whole article (c->art) before the
 * scan: is it a sports report. */
void tag_begin(struct extraction *c);

/* Notes the run a..b-1 of the n words w (after a title or role word when
 * after_title) as a candidate, scored by the model, with the founds the
 * rules gave it from v[f0]; writes its features when g->features. */
void tag_note(struct extraction *c, struct word *w, int a, int b, int n,
              int after_title, int f0);

/* Gives each name of the article one kind: the scores of its mentions
 * added up; the founds of its candidates changed, dropped or added to
 * match, with the winning margin as their confidence. */
void tag_decide(struct extraction *c);

/* Frees the candidates. */
void tag_free(struct extraction *c);

/* ---- interface to entities.c ----------------------------------------- */

/* The family name of a full person name (caller frees): the first word
 * of an East Asian three-part name ("Moon Jae-in"), else the last word;
 * a name of one word is its own. */
char *ent_surname(const char *full);

#endif
