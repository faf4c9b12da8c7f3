/*
 * xsnippet.h - snippets and marks for the Xapian engine, as the FTS5
 * engine makes them: the query's leaves (plan.h: its words and phrases,
 * exclusions aside) found in an article's fields by the `morgue`
 * tokenizer and matched key by key as the query mapping matches them
 * (an exact key its token, a class key the token or a word stemmed to
 * it, a phrase's positions in a row, a field's leaf in its field only),
 * then the snippet or the marks of store/snippet.h's core, whose
 * sentence choice, window and marking are FTS5's.
 */
#ifndef MORGUE_XSNIPPET_H
#define MORGUE_XSNIPPET_H

#include "article.h"
#include "plan.h"
#include "search.h"
#include "tokenizer.h"

/* Appends to out the morgue_snippet() text (SNIPPET_OPEN/CLOSE around
 * the marks) of article a for the leaves of p (NULL or none: its lede as
 * it is, as an FTS5 search of filters alone shows it). */
void xsnip_text(struct tok *t, const struct plan *p, const struct article *a,
                struct buf *out);

/* Appends to out the marks of p's leaves in a's shown fields, as
 * morgue_marks() gives them ("COL START END" lines, field order, then
 * by place). */
void xsnip_marks(struct tok *t, const struct plan *p, const struct article *a,
                 struct buf *out);

#endif
