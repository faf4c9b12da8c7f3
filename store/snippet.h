/*
 * snippet.h - sentence-aware snippets: an FTS5 auxiliary function that
 * picks the sentence (or two) holding the most distinct query terms and
 * marks every match, stemmed, prefix and whole phrases included.
 */
#ifndef MORGUE_SNIPPET_H
#define MORGUE_SNIPPET_H

#include <stdint.h>

#include "util.h"

/* Markers around highlighted text in the function's result. */
#define SNIPPET_OPEN '\x02'
#define SNIPPET_CLOSE '\x03'

/* Longest snippet, in tokens (about words). */
#define SNIPPET_TOKENS 36

/* The rowids a pass makes snippets for (a search's page), ascending. */
struct page_set {
    int64_t *ids;
    int n;
};

/* Registers morgue_snippet(fts [, page]) with the FTS5 of db (store_open
 * does).  With page (a pointer of type "morgue_page" to a struct
 * page_set), rows not in it give NULL.  For the current
 * row it returns, from the body (else the lede, highlights or captions;
 * the lede when only the title matched), the best sentence and, when
 * short or missing terms, a second one joined with " … ", at most about
 * SNIPPET_TOKENS words, never cut inside a word; matches are wrapped in
 * SNIPPET_OPEN / SNIPPET_CLOSE and line breaks become spaces. */
struct sqlite3;
/* It registers morgue_marks(fts) too: every match of the row in the
 * shown columns (all but entities), as lines "COL START END" (byte
 * offsets into the column's text), for an article read whole. */
int snippet_register(struct sqlite3 *db, struct mg_err *err);

#endif
