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

/* ---- the core, shared by the engines -------------------------------------
 * What the functions above make, from a column's text, its tokens (the
 * `morgue` tokenizer's, colocated ones left out: token i is position i)
 * and the query's matches in the row: FTS5 gives them through its
 * auxiliary function API, the Xapian engine finds them itself
 * (query/xsnippet.c). */

/* A token's bytes in its text. */
struct snip_span {
    int start, end;
};

/* One match (an FTS5 "instance"): phrase p of the query (its leaf) in
 * column col (enum art_col) at token off, size tokens long.  A row's
 * matches come ordered by column, then offset, then phrase. */
struct snip_inst {
    int phrase, col, off, size;
};

/* Reads column col's text of the row into *z, *n bytes (n 0 when none). */
typedef void (*snip_text_fn)(void *ctx, int col, const char **z, int *n);

/* The column a row's snippet comes from, its text in *z, *n bytes (read
 * with text): the body, else the lede, highlights or captions, whichever
 * holds a match first; when only the title matched (or nothing), the
 * opening: the lede, else the body, else the title. */
int snippet_column(const struct snip_inst *in, int ninst, snip_text_fn text,
                   void *ctx, const char **z, int *n);

/* How many of col's tokens a snippet reads (a little past its last
 * match): give snippet_write at most so many, complete 0 when the text
 * has more. */
int snippet_upto(const struct snip_inst *in, int ninst, int col);

/* Appends to out the snippet of column col's text z (n bytes; tokens
 * tok[0..ntok), all of them when complete), its matches in[0..ninst):
 * morgue_snippet's result for the row. */
void snippet_write(struct buf *out, const char *z, int n,
                   const struct snip_span *tok, int ntok, int complete,
                   const struct snip_inst *in, int ninst, int col);

/* Appends to out column col's marks, as morgue_marks' lines "COL START
 * END", over all its tokens tok[0..ntok). */
void snippet_marks(struct buf *out, int col, const struct snip_span *tok,
                   int ntok, const struct snip_inst *in, int ninst);

#endif
