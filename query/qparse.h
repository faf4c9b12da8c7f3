/*
 * qparse.h - the user's query language, parsed by our own parser into a
 * tree of words, phrases and operators (docs/query-syntax.md):
 *
 *   summit Pyongyang        both words (stemmed: "summits" matches)
 *   "Kim Jong Un"           the words as written, in this order
 *   summit OR talks         either (also "|")
 *   -word, -"a phrase"      without it (also NOT word)
 *   ( ... )                 grouping
 *   universit*              any word starting so (unstemmed)
 *   "summit Pyongyang"~5    the words at most 5 words apart, any order
 *   title:summit            in the title only (fields: title lede body
 *                           captions highlights)
 *   source:Reuters          stored fields: source: section: byline:
 *   date:2018-02            a day, month or year, or FROM..TO
 *   inter-Korean            the phrase "inter Korean", the joined word
 *                           "interkorean", or (ranked lower) both words
 *
 * When every letter of a query is a capital (a pasted headline or wire
 * slug), AND, OR and NOT are words, not operators.  A query with more
 * words and phrases than QPARSE_MAX_TERMS (a pasted paragraph) is read as
 * a plain list of its words and phrases, operators, fields and groups
 * ignored (qparse_out.flat says so).
 *
 * Anything a user types gives either a tree whose FTS5 forms SQLite
 * accepts (qparse_fts, and the planner's in plan.c) or a clean error
 * message: stray operators and unbalanced quotes or parentheses are read
 * leniently, and user text only ever reaches FTS5 inside quoted strings.
 */
#ifndef MORGUE_QPARSE_H
#define MORGUE_QPARSE_H

#include "article.h"
#include "tokenizer.h"
#include "util.h"

#define QPARSE_MAX_BYTES 4096 /* longest query accepted */
#define QPARSE_MAX_TERMS                                                       \
    64 /* most words and phrases read with their                               \
        * operators; more make a flat query */
#define QPARSE_MAX_DEPTH                                                       \
    8                         /* deepest nesting of parentheses: FTS5's        \
                               * parser stack holds no more */
#define QPARSE_MAX_FILTERS 16 /* most person:/place:/org: filters */
#define QPARSE_MAX_HYPHEN                                                      \
    4 /* most parts of a hyphenated word that is                               \
       * also matched as its parts apart */

/* An entity filter: articles linked to the entity of that kind whose
 * name, merge key or any alias is name (case-insensitive). */
struct qfilter {
    enum ent_kind kind;
    char *name;
};

/* A filter on a stored field: source:, section: (the whole value, any
 * case) or byline: (a word or phrase inside it). */
struct qcolumn {
    const char *column; /* "source", "section" or "byline" */
    char *value;
};

enum qkind {
    QN_TERM, /* a word or a phrase */
    QN_AND,  /* all of kid[] */
    QN_OR,   /* any of kid[] */
    QN_NOT,  /* kid[0] without any of kid[1..] */
    QN_NEAR, /* the QN_TERMs kid[] within dist words of each other */
};

enum qmode {
    QT_STEM,   /* a bare word: matches its stem's other forms too */
    QT_EXACT,  /* a quoted word or phrase: as written */
    QT_PREFIX, /* word*: any word starting so, as written */
};

struct qnode {
    enum qkind kind;
    struct qnode **kid;
    int nkid;
    char *text;        /* QN_TERM: the user's text (one word, or a phrase) */
    enum qmode mode;   /* QN_TERM */
    int stop;          /* QN_TERM: a bare stop word ("the", "of") */
    const char *field; /* QN_TERM, QN_NEAR: only this FTS5 column, or NULL */
    long dist;         /* QN_NEAR */
    int as_typed;      /* QN_TERM: a relaxed search's copy of a word, as
                        * typed, adding to the articles that hold that
                        * form (qparse_add_phrases) */
    int hyphen;        /* QN_OR made of a hyphenated word: kid[0] the
                        * phrase, kid[1] the joined word, kid[2] the AND
                        * of the parts */
    int leaf;          /* QN_TERM: set by the planner (plan.h), the leaf
                        * it resolved to; -1 before */
    int at;            /* QN_TERM: where text stands in the query, in
                        * bytes; -1 when it is not the query's own (the
                        * joined form of a hyphenated word) */
};

/* A parsed query: its words as a tree, the top-level parts it ANDs
 * (units: a word, a phrase, a group...) and excludes, and its filters,
 * which always apply (ANDed), wherever they stand in the query. */
struct qparse_out {
    struct qnode **unit; /* the top-level AND (NULL, 0: only filters) */
    int nunit;
    struct qnode **neg; /* the top-level exclusions */
    int nneg;
    struct qfilter filters[QPARSE_MAX_FILTERS];
    int nfilters;
    struct qcolumn columns[QPARSE_MAX_FILTERS];
    int ncolumns;
    /* date: bounds as ISO 8601 prefixes, inclusive; NULL when open.  An
     * article's date d matches when since <= d and d <= until, comparing
     * strings, with until extended by "\x7f" so that "2018-02" takes in
     * every day and time of February. */
    char *since, *until;
    int caps;  /* every letter a capital: AND, OR, NOT were read as words */
    int flat;  /* more than QPARSE_MAX_TERMS words: read as a plain list */
    int terms; /* words and phrases (QN_TERMs) in the tree */
};

/* Reads a date or a date range, as in date:, --since and --until: YYYY,
 * YYYY-MM, YYYY-MM-DD, or FROM..TO with either side left out.  Sets *lo
 * and *hi (caller frees; NULL for an open side) to inclusive ISO prefixes,
 * hi extended with "\x7f".  Returns 0, or -1 with a message naming the
 * text and what is accepted, or, for a day or month that does not exist
 * (2018-02-30, 1987-02-29, 2018-13), why not (mg_date_check). */
int qdate_range(const char *text, char **lo, char **hi, struct mg_err *err);

/* Parses query into *out (zeroed first; free with qparse_out_free, also
 * after a failure).  t is used to drop words that hold no token (such as
 * "*" or "--").  Entity fields person:, place:, org: (a word or a
 * "phrase") become filters; a query of only filters is fine, and so is an
 * empty one when allow_empty is set (the caller has filters of its own).
 * Returns 0, or -1 with a one-line message in err when the query is
 * empty, only exclusions, too long, nested too deep, names an unknown
 * field or holds a bad date. */
int qparse_full(struct tok *t, const char *query, int allow_empty,
                struct qparse_out *out, struct mg_err *err);
void qparse_out_free(struct qparse_out *out);

/* The query read as a plain list of its words, for the relaxed search
 * ("most of the words"): every word a unit, stemmed, whether it stood in
 * quotes, a group or a field (a hyphenated word and a prefix as
 * usual); operators ignored; exclusions kept (-word, NOT word); filters
 * (person:, date:...) left out (the query's own parse has them).  The
 * parse is out->flat.  Fails only on a query too long. */
int qparse_words(struct tok *t, const char *query, struct qparse_out *out,
                 struct mg_err *err);

/* Adds to words (a qparse_words parse) the quoted phrases of q, and an
 * exact copy of each of its words (qnode.as_typed), each as a unit marked
 * stop: in a relaxed search they add to the score of the articles holding
 * them and never widen it. */
void qparse_add_phrases(struct qparse_out *words, const struct qparse_out *q);

/* Frees one node and everything under it; takes NULL. */
void qnode_free(struct qnode *n);

/* Whether n, as a child of an operator of kind parent, needs
 * parentheses in FTS5 (NOT binds tighter than AND, AND than OR). */
int qnode_needs_parens(const struct qnode *n, enum qkind parent);

/* Appends to out the FTS5 form of one QN_TERM (a quoted string, with its
 * field and a trailing " *" for a prefix). */
typedef void (*qterm_fn)(void *ctx, const struct qnode *term, struct buf *out);

/* Appends to out the FTS5 expression of node n, each QN_TERM written by
 * term (parentheses only where FTS5's precedence needs them). */
void qnode_fts(const struct qnode *n, qterm_fn term, void *ctx,
               struct buf *out);

/* The FTS5 expression of the whole query (its units ANDed, its
 * exclusions NOTed), each QN_TERM written by term; NULL when the query
 * has no words (only filters).  Caller frees. */
char *qparse_fts(const struct qparse_out *q, qterm_fn term, void *ctx);

/* The plain QN_TERM form: the user's text quoted, stemmed words marked
 * TOK_QUERY_STEM, so the `morgue` tokenizer reads them (no statistics
 * needed; the planner writes resolved keys instead). */
void qterm_plain(void *ctx, const struct qnode *term, struct buf *out);

/* Parses query into *fts (the plain FTS5 expression: qparse_fts with
 * qterm_plain; caller frees).  Returns 0, or -1 with a one-line message in
 * err when the query is empty, only exclusions, too long, or names an
 * unknown field. */
int qparse(struct tok *t, const char *query, char **fts, struct mg_err *err);

#endif
