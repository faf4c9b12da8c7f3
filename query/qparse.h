/*
 * qparse.h - the user's query language, parsed by our own parser into a
 * safe FTS5 MATCH expression (docs/query-syntax.md):
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
 *
 * Anything a user types gives either an expression FTS5 accepts or a
 * clean error message: stray operators and unbalanced quotes or
 * parentheses are read leniently, characters FTS5 would treat as syntax
 * are only ever passed inside quoted strings.
 */
#ifndef MORGUE_QPARSE_H
#define MORGUE_QPARSE_H

#include "article.h"
#include "tokenizer.h"
#include "util.h"

#define QPARSE_MAX_BYTES 4096 /* longest query accepted */
#define QPARSE_MAX_TERMS 64   /* most words and phrases in one query */
#define QPARSE_MAX_DEPTH 8    /* deepest nesting of parentheses: FTS5's
                                * parser stack holds no more */
#define QPARSE_MAX_FILTERS 16 /* most person:/place:/org: filters */

/* An entity filter: articles linked to the entity of that kind whose
 * name, merge key or any alias is name (case-insensitive). */
struct qfilter {
    enum ent_kind kind;
    char *name;
};

/* A parsed query: the FTS5 expression (NULL when the query is only
 * filters) and its entity filters, which always apply (ANDed), wherever
 * they stand in the query. */
/* A filter on a stored field: source:, section: (the whole value, any
 * case) or byline: (a word or phrase inside it). */
struct qcolumn {
    const char *column; /* "source", "section" or "byline" */
    char *value;
};

struct qparse_out {
    char *fts;
    struct qfilter filters[QPARSE_MAX_FILTERS];
    int nfilters;
    struct qcolumn columns[QPARSE_MAX_FILTERS];
    int ncolumns;
    /* date: bounds as ISO 8601 prefixes, inclusive; NULL when open.  An
     * article's date d matches when since <= d and d <= until, comparing
     * strings, with until extended by "\x7f" so that "2018-02" takes in
     * every day and time of February. */
    char *since, *until;
    /* When the query is a plain AND of words and phrases (no OR, no
     * parentheses, no fields): those terms as FTS5 strings, for the
     * relaxed search (most of the words), and which are stop words. */
    char *terms[QPARSE_MAX_TERMS];
    int stop[QPARSE_MAX_TERMS];
    int nterms;
    char *negated; /* the query's " NOT ..." part, or NULL */
    int simple;    /* the query is such a plain AND */
};

/* Reads a date or a date range, as in date:, --since and --until: YYYY,
 * YYYY-MM, YYYY-MM-DD, or FROM..TO with either side left out.  Sets *lo
 * and *hi (caller frees; NULL for an open side) to inclusive ISO prefixes,
 * hi extended with "\x7f".  Returns 0, or -1 with a message naming the
 * text and what is accepted. */
int qdate_range(const char *text, char **lo, char **hi, struct mg_err *err);

/* Parses query into *out (zeroed first; free with qparse_out_free, also
 * after a failure).  Entity fields person:, place:, org: (a word or a
 * "phrase") become filters; a query of only filters is fine, and so is an
 * empty one when allow_empty is set (the caller has filters of its own). */
int qparse_full(struct tok *t, const char *query, int allow_empty,
                struct qparse_out *out, struct mg_err *err);
void qparse_out_free(struct qparse_out *out);

/* Parses query into *fts (an FTS5 expression for `fts MATCH ?`, caller
 * frees).  t is used to drop words that hold no token (such as "*" or
 * "--").  Returns 0, or -1 with a one-line message in err when the query
 * is empty, only exclusions, too long, or names an unknown field. */
int qparse(struct tok *t, const char *query, char **fts, struct mg_err *err);

#endif
