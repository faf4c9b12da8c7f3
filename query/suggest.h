/*
 * suggest.h - "did you mean": a query whose words are missing from the
 * index, or much rarer there than a word a letter or two away, corrected
 * from the index's own vocabulary (docs/query-syntax.md).
 *
 * Each doubtful word of the query gets candidates: the words of the
 * index (keys an article holds, store_word_next) within a small edit
 * distance (optimal string alignment over code points: insertions,
 * deletions, substitutions and swaps of neighbours): those 1 edit away,
 * or when there is none and the word has SUGGEST_LONG letters or more,
 * those 2 edits away that keep its first letter; the most frequent
 * first.  Those keeping the first letter are found by walking the sorted
 * vocabulary with seeks, skipping every key whose prefix is already too
 * far from the word (a Levenshtein automaton over the terms table's
 * key), the others by a point lookup per first letter the vocabulary
 * has, so a word costs hundreds to thousands of index seeks, not a scan
 * of the vocabulary (docs/query-syntax.md has the figures).  The corrected
 * query keeps the user's text, operators, phrases, fields and filters,
 * only the doubtful words replaced (in the case they were typed); the
 * candidates are chosen by counting the articles each corrected query
 * matches, and it is suggested only when it matches more than the query
 * as typed.  The suggestion is a hint: the search's own results are
 * never changed by it.
 */
#ifndef MORGUE_SUGGEST_H
#define MORGUE_SUGGEST_H

#include <stdint.h>

#include "search.h"
#include "store.h"
#include "util.h"

#define SUGGEST_MIN_LEN 3  /* shorter words are never corrected */
#define SUGGEST_MAX_LEN 40 /* nor longer ones (code points) */
#define SUGGEST_LONG 6     /* from this length, 2 edits (first letter kept) */
#define SUGGEST_CANDS 8    /* candidates tried per word */
#define SUGGEST_WORDS 4    /* doubtful words corrected in one query */
/* A word the index holds is doubtful only when the query found fewer
 * than SUGGEST_FEW articles, the word is rare (held by at most
 * SUGGEST_RARE articles, or one in SUGGEST_RARE_SHARE of a bigger index:
 * a misspelling the archive has too, not a word of its own such as
 * "zinc" beside "inc") and a word within reach is held by at least
 * SUGGEST_RATIO times as many articles; the corrected query must then
 * find at least SUGGEST_GAIN times as many articles as the query as
 * typed. */
#define SUGGEST_RARE 3
#define SUGGEST_RARE_SHARE 50000
#define SUGGEST_RATIO 20
#define SUGGEST_GAIN 10
#define SUGGEST_FEW 10           /* "fewer than a page": a default page */
#define SUGGEST_BUDGET 0.5       /* seconds a suggestion may take */
#define SUGGEST_MAX_SEEKS 100000 /* seeks one word's walk may take */

/* A candidate word: a key of the index (owned), its edit distance from
 * the word and the articles holding it. */
struct suggest_cand {
    char *key;
    int dist;
    int64_t df;
};

/* The order candidates are kept in, for qsort(): nearest first, then
 * most frequent, then in key order. */
int suggest_cand_order(const void *x, const void *y);

/* The optimal string alignment distance between the UTF-8 strings a
 * (na bytes) and b (nb bytes), counted in code points (an invalid byte
 * is one), or max + 1 when it is more than max.  Can't fail. */
int suggest_distance(const char *a, int na, const char *b, int nb, int max);

/* The words of st's vocabulary within maxdist edits of word (n bytes, a
 * key as the tokenizer writes it: folded), other than word itself, into
 * out[0..*nout) (at most max, nearest first, then most frequent, then
 * in key order; free with suggest_cands_free).  With anchor, only the
 * words starting with word's first code point are looked at.  *seeks
 * (may be NULL) gets the seeks the walk took.  Returns 0, or -1 with err
 * (a store error; what was found is kept). */
int suggest_near(struct store *st, const char *word, int n, int maxdist,
                 int anchor, struct suggest_cand *out, int max, int *nout,
                 int64_t *seeks, struct mg_err *err);

/* The candidates of a word for a query: within 1 edit; when there is
 * none and the word has SUGGEST_LONG code points or more, within 2 that
 * start with its first letter; at most SUGGEST_CANDS, ordered as
 * suggest_near's.  The ones keeping the first letter by an anchored walk
 * (suggest_near), the others by point lookups (the first letter deleted,
 * swapped, replaced or preceded by each first letter the vocabulary
 * has).  *seeks (may be NULL) gets the seeks and lookups taken.  0 or -1
 * with err. */
int suggest_candidates(struct store *st, const char *word, int n,
                       struct suggest_cand *out, int *nout, int64_t *seeks,
                       struct mg_err *err);

/* Frees out[0..n) (suggest_near); takes NULL. */
void suggest_cands_free(struct suggest_cand *c, int n);

/* "Did you mean" for the search o that gave res (search_run): the
 * corrected query (caller frees) into *out, or NULL when there is none
 * (no doubtful word, no candidate, no corrected query finding more, the
 * query not parsed, out of time: SUGGEST_BUDGET).  The corrected query's
 * counts are searches of the searcher (the filters and dates of o
 * applied).  Returns 0, or -1 with err on an index error (*out NULL). */
int suggest_query(struct searcher *s, const struct search_opts *o,
                  const struct search_result *res, char **out,
                  struct mg_err *err);

#endif
