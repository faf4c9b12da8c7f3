/*
 * tokenizer.h - the `morgue` tokenizer, shared by the indexer and the query
 * side so that both cut text into exactly the same tokens.
 *
 * Rules (docs/query-syntax.md has the user's view):
 *  - NFKC, Unicode case folding, diacritics removed from Latin letters
 *    (Zürich = zurich, Łódź = lodz); letters and digits of every script kept;
 *    Han, Hiragana and Katakana characters are one token each.
 *  - Curly apostrophes, non-breaking spaces and dashes act like their ASCII
 *    forms.  Hyphens separate (inter-Korean = inter, korean at consecutive
 *    positions).  A possessive 's is dropped (Kim's = kim); any other
 *    apostrophe inside a word joins (O'Brien = obrien).
 *  - Dotted acronyms (U.S., U.N., e.g.) are one token spelt with dots
 *    ("u.s."), so they never collide with words ("us").  Where the undotted
 *    form is not an English word it is indexed at the same position too
 *    (U.K. also as "uk").  "US" in mixed-case text counts as "U.S.".
 *  - Numbers keep decimal points and lose thousands separators
 *    (5.93, 155,221 = 155221).
 *  - Every ASCII word whose Snowball English (porter2) stem differs from it
 *    also gets the stem, marked with TOK_STEM_MARK, at the same position
 *    (FTS5_TOKEN_COLOCATED), so stems never collide with real words.
 *
 * Query text handed to the tokenizer by FTS5 is tokenised exactly (as the
 * words are written) unless it starts with TOK_QUERY_STEM, in which case
 * each word matches its stem: the tokenizer gives both "stem" and
 * TOK_STEM_MARK "stem" as alternatives.  Prefix queries are always exact.
 */
#ifndef MORGUE_TOKENIZER_H
#define MORGUE_TOKENIZER_H

#include <sqlite3.h>

#include "util.h"

/* Bumped whenever any rule above changes what tokens a text produces;
 * stored in the index, which must be rebuilt when it differs. */
#define TOK_VERSION 1

/* First byte of every stem token in the index. */
#define TOK_STEM_MARK '\x01'
/* First byte of an FTS5 query string that asks for stemmed matching. */
#define TOK_QUERY_STEM '\x01'

/* First byte of an FTS5 query string made of index keys, as the ranking
 * resolves them against the index's word statistics (termstats.h): no
 * folding or stemming, the tokens exactly as given.  The rest is a list
 * of items, each a kind byte and the key's bytes up to the next byte
 * below 0x06: TOK_KEY_EXACT (the token itself) or TOK_KEY_CLASS (the
 * token or a word stemmed to it: the token and TOK_STEM_MARK + token, as
 * alternatives).  Items follow one another at one position (alternatives)
 * until TOK_KEY_NEXT moves to the next position.  Query text typed by a
 * user never holds these bytes (qparse.c turns control characters into
 * spaces). */
#define TOK_QUERY_KEYS '\x02'
#define TOK_KEY_NEXT '\x03'
#define TOK_KEY_EXACT '\x04'
#define TOK_KEY_CLASS '\x05'

/* Longest token kept, in bytes; longer ones are cut at a character edge. */
#define TOK_MAX_BYTES 120

enum tok_mode {
    TOK_MODE_DOCUMENT = 0, /* exact tokens plus colocated stems */
    TOK_MODE_EXACT = 1,    /* exact tokens only (phrases, prefixes) */
    TOK_MODE_STEM = 2,     /* stem and marked stem, as alternatives */
    TOK_MODE_OFFSETS = 3,  /* the tokens' places only: exact tokens at the
                            * same positions and offsets, their text not
                            * folded when ASCII (snippets) */
};

/* Called for each token: flags is 0 or FTS5_TOKEN_COLOCATED; token bytes
 * are valid only during the call; start/end are byte offsets into the text.
 * A non-zero return stops tokenising and is passed back by tok_run(). */
typedef int (*tok_cb)(void *ctx, int flags, const char *token, int ntoken,
                      int start, int end);

struct tok;

/* A new tokenizer with its own stemmer (a stemmer is not thread-safe, so
 * each thread or FTS5 table uses its own).  NULL when the Snowball English
 * stemmer can't be created. */
struct tok *tok_new(void);
void tok_free(struct tok *t);

/* Tokenises len bytes of text (any bytes: invalid UTF-8 is a separator)
 * and calls cb for each token.  Returns 0, or the first non-zero value cb
 * returned. */
int tok_run(struct tok *t, enum tok_mode mode, const char *text, int len,
            tok_cb cb, void *ctx);

/* Counts the tokens (not counting colocated ones) text would give. */
int tok_count(struct tok *t, const char *text, int len);

/* The document tokens of one text, recorded ahead (on another thread)
 * for the FTS5 tokenizer to replay when it is given the same text: the
 * indexer's workers tokenise and stem, the one thread that writes the
 * index only copies.  Zero-initialise; tok_stream_free() releases. */
struct tok_rec {
    int flags, off, n, start, end; /* token bytes at off in bytes */
};
struct tok_stream {
    const char *text; /* the text recorded, by address */
    int len;
    struct tok_rec *recs;
    int nrecs, caprecs;
    struct buf bytes;
};

/* Records the TOK_MODE_DOCUMENT tokens of len bytes of text into s (any
 * earlier ones dropped).  Can't fail. */
void tok_record(struct tok *t, const char *text, int len, struct tok_stream *s);
void tok_stream_free(struct tok_stream *s);

/* Until the next call, this thread's morgue FTS5 tokenizer replays the
 * recorded tokens of streams[0..n) when it is asked for the document
 * tokens of the very text (same address and length) one was recorded
 * from, and tokenises anything else itself.  tok_replay(NULL, 0) stops. */
void tok_replay(const struct tok_stream *streams, int n);

/* The fts5_api of db, borrowed; NULL when SQLite has no FTS5. */
fts5_api *tok_fts5_api(sqlite3 *db);

/* Registers the tokenizer as "morgue" with the FTS5 of db.  Fails when
 * this SQLite has no FTS5. */
int tok_register(sqlite3 *db, struct mg_err *err);

#endif
