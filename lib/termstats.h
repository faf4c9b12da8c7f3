/*
 * termstats.h - the statistics of words that ranking reads, kept beside
 * the FTS5 index by the store: how many articles hold each word (its
 * document frequency, for the idf) and, for the words held by at least
 * TS_FREQ articles, an upper bound of what one article of each block of
 * TS_BLOCK rowids can take from the word in BM25 (its term-frequency part
 * times the article's prior, ts_prior).  A search skips the
 * blocks whose bounds cannot reach its page (query/rank.c,
 * docs/ranking.md); the index writer and the search share the formula and
 * its constants through this header, so both sides compute a word's part
 * of the score alike.
 *
 * Keys.  A key is a token as the `morgue` tokenizer writes it, without the
 * stem mark: "summit".  Per key the index keeps
 *   df   the articles holding the token "summit" itself (a quoted word, a
 *        prefix expansion match it),
 *   sdf  the articles holding the marked stem TOK_STEM_MARK "summit" (a
 *        word whose stem it is, such as "summits"),
 *   cdf  the articles holding either: what a plain query word whose stem
 *        is "summit" matches.
 * The bounds of a key count both forms (a position holding "summit" or a
 * word stemmed to it), so they hold for either kind of query.
 *
 * Tables (store/schema.c): terms(term, df, sdf, cdf, bounded),
 * term_bounds(term, chunk, q) with TS_CHUNK blocks' bounds a row (one
 * byte a block, 0 where no article of the block holds the key),
 * stats_dirty(block) for blocks whose articles changed after their bounds
 * were written, and the meta values stats_* (see ts_meta).
 */
#ifndef MORGUE_TERMSTATS_H
#define MORGUE_TERMSTATS_H

#include <math.h>
#include <stdint.h>

#include "article.h"
#include "tokenizer.h"
#include "util.h"

/* BM25's parameters (SQLite's bm25() has k1 1.2; 1.3 measured better
 * by make eval, docs/relevance.md). */
#define TS_K1 1.3
#define TS_B 0.75

/* The indexed columns (article.h: enum art_col) and their weights in a
 * word's frequency (termstats.c: the title 2.5, the lede 0.5, as it
 * repeats the body's opening, the entities 0.5).  Chosen by measurement
 * (docs/relevance.md). */
extern const double TS_WEIGHTS[ART_NCOLS];
/* An article's length counts each column's tokens by its weight: in
 * half tokens, TS_LEN_WEIGHTS[c] = 2 * TS_WEIGHTS[c] (whole numbers, so
 * that the sums kept across runs stay exact).  The lengths and means of
 * the statistics and of the ranking are all in these units. */
extern const int TS_LEN_WEIGHTS[ART_NCOLS];

/* Rowids per block (1 << TS_BLOCK_SHIFT), blocks per term_bounds row. */
#define TS_BLOCK_SHIFT 8
#define TS_BLOCK (1 << TS_BLOCK_SHIFT)
#define TS_CHUNK 64
/* Keys held by at least this many articles get block bounds; a search
 * reads every article of a rarer word. */
#define TS_FREQ 128
/* Bumped when the bound formula or the constants above change: an index
 * whose stats_version differs has its statistics recomputed by the next
 * morgue-index run, and searches score every match until then. */
#define TS_VERSION 3

/* BM25's term-frequency part of a word of weighted frequency f in an
 * article of length len (TS_LEN_WEIGHTS) when the mean is avgdl: at most
 * TS_K1 + 1.  Can't fail. */
static inline double ts_tf(double f, double len, double avgdl)
{
    if (f <= 0)
        return 0;
    return f * (TS_K1 + 1.0) / (f + TS_K1 * (1.0 - TS_B + TS_B * len / avgdl));
}

/* The most a search's document prior may keep of a short article's
 * score: bodies under TS_SHORT_BODY tokens are scaled by
 * ((tokens + 1) / TS_SHORT_BODY) ^ TS_SHORT_EXP (a price table, a one-line
 * brief).  The bounds include it; a search may scale short bodies down as
 * much or more (rank.h), never less. */
#define TS_SHORT_BODY 50.0
#define TS_SHORT_EXP 0.5
static inline double ts_prior(double body)
{
    return body < TS_SHORT_BODY
               ? pow((body + 1.0) / TS_SHORT_BODY, TS_SHORT_EXP)
               : 1.0;
}

/* The idf of a word held by df of n articles, as SQLite's bm25():
 * log((n - df + 0.5) / (df + 0.5)), at least 1e-6. */
double ts_idf(double df, double n);

/* A bound as stored: the least byte q with ts_bound(q) >= v (1 when v is
 * above 0 but tiny, 0 only for v <= 0), and back. */
uint8_t ts_quantize(double v);
double ts_bound(uint8_t q);

/* One key of an article: how often (weighted by TS_WEIGHTS) its
 * positions hold the key or a word stemmed to it, and which forms it
 * holds. */
#define TS_EXACT 1  /* the token itself */
#define TS_MARKED 2 /* a word stemmed to it */
struct ts_entry {
    int off, len; /* the key: bytes at off in ts_doc.keys */
    double f;
    unsigned flags; /* TS_EXACT, TS_MARKED */
};

/* The keys of one article and its length (TS_LEN_WEIGHTS over the tokens
 * as FTS5 counts them: colocated tokens do not count).  Zero-initialise; reuse
 * across articles; ts_doc_free() releases. */
struct ts_doc {
    struct ts_entry *e;
    int n, cap;
    struct buf keys;
    int64_t len;
    int64_t body; /* the body's tokens */
    /* scratch: key -> entry, open addressing */
    int *slots;
    int nslots;
};

/* Fills d from the ART_NCOLS column texts (NULL or "" for an empty
 * column), tokenised by t, or from recorded token streams when streams
 * is not NULL (a stream with text NULL is an empty column).  Can't fail
 * (out of memory aborts). */
void ts_doc_build(struct ts_doc *d, struct tok *t,
                  const char *const cols[ART_NCOLS],
                  const struct tok_stream *streams);
void ts_doc_free(struct ts_doc *d);

/* The statistics an index holds now (meta values; all 0 when it has
 * none). */
struct ts_meta {
    int64_t version;   /* TS_VERSION when they can be used; 0: none */
    int dirty;         /* a run is changing them, or died doing so */
    int64_t docs;      /* articles counted */
    int64_t tokens;    /* their lengths' sum (TS_LEN_WEIGHTS) */
    int64_t body;      /* their bodies' tokens */
    double avgdl_ref;  /* the mean length bounds were computed with */
    int64_t rowid_max; /* the bounds cover rowids up to this one; higher
                        * ones (added since) have none */
};

#endif
