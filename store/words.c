/*
 * words.c - reading the word statistics a search is planned with
 * (store.h: store_corpus, store_word, store_word_prefix): statements
 * prepared on first use and kept for the life of the store.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static int words_fail(struct store *s, struct mg_err *err)
{
    return mg_fail(err, "%s: search failed: %s", s->path,
                   sqlite3_errmsg(s->db));
}

int store_corpus(struct store *s, struct store_corpus *c, struct mg_err *err)
{
    memset(c, 0, sizeof *c);
    if (ts_meta_read(s->db, &c->meta, err) < 0)
        return -1;
    c->stats = c->meta.version == TS_VERSION && c->meta.docs > 0;
    if (c->stats) {
        c->docs = c->meta.docs;
        c->tokens = c->meta.tokens;
        return 0;
    }
    return ts_lengths(s->db, &c->docs, &c->tokens, err);
}

int store_word(struct store *s, const char *key, int n, struct store_word *w,
               struct mg_err *err)
{
    memset(w, 0, sizeof *w);
    if (!s->word && st_prepare(s, &s->word,
                               "SELECT df, sdf, cdf, bounded FROM terms"
                               " WHERE term = ?1",
                               err) < 0)
        return -1;
    sqlite3_bind_text(s->word, 1, key, n, SQLITE_STATIC);
    int rc = sqlite3_step(s->word);
    if (rc == SQLITE_ROW) {
        w->df = sqlite3_column_int64(s->word, 0);
        w->sdf = sqlite3_column_int64(s->word, 1);
        w->cdf = sqlite3_column_int64(s->word, 2);
        w->bounded = sqlite3_column_int(s->word, 3);
    }
    sqlite3_reset(s->word);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return words_fail(s, err);
    return rc == SQLITE_ROW;
}

int store_word_prefix(struct store *s, const char *prefix, int n, int want,
                      store_word_fn fn, void *ctx, int64_t *of,
                      struct mg_err *err)
{
    if (!s->word_count &&
        st_prepare(s, &s->word_count,
                   "SELECT count(*) FROM terms WHERE term >= ?1 AND"
                   " term < ?2 AND df > 0",
                   err) < 0)
        return -1;
    if (!s->word_prefix &&
        st_prepare(s, &s->word_prefix,
                   "SELECT term FROM terms WHERE term >= ?1 AND term < ?2"
                   " AND df > 0 ORDER BY df DESC, term LIMIT ?3",
                   err) < 0)
        return -1;
    /* the keys from prefix up to prefix + 0xff, a byte never in UTF-8:
     * after every key starting so */
    char *hi = mg_malloc((size_t)n + 2);
    memcpy(hi, prefix, (size_t)n);
    hi[n] = '\xff';
    hi[n + 1] = 0;
    int failed = 0;
    *of = 0;
    sqlite3_bind_text(s->word_count, 1, prefix, n, SQLITE_STATIC);
    sqlite3_bind_text(s->word_count, 2, hi, n + 1, SQLITE_STATIC);
    if (sqlite3_step(s->word_count) == SQLITE_ROW)
        *of = sqlite3_column_int64(s->word_count, 0);
    else
        failed = 1;
    sqlite3_reset(s->word_count);
    sqlite3_bind_text(s->word_prefix, 1, prefix, n, SQLITE_STATIC);
    sqlite3_bind_text(s->word_prefix, 2, hi, n + 1, SQLITE_STATIC);
    sqlite3_bind_int(s->word_prefix, 3, want > 0 ? want : 0);
    int rc = SQLITE_DONE;
    while (!failed && fn && (rc = sqlite3_step(s->word_prefix)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(s->word_prefix, 0),
           sqlite3_column_bytes(s->word_prefix, 0));
    if (!failed && rc != SQLITE_DONE)
        failed = 1;
    sqlite3_reset(s->word_prefix);
    free(hi);
    return failed ? words_fail(s, err) : 0;
}

int store_word_bounds(struct store *s, const char *key, uint8_t *q, int nblocks,
                      struct mg_err *err)
{
    if (!s->word_bounds &&
        st_prepare(s, &s->word_bounds,
                   "SELECT chunk, q FROM term_bounds WHERE term = ?1", err) < 0)
        return -1;
    sqlite3_stmt *st = s->word_bounds;
    memset(q, 0, (size_t)nblocks);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t chunk = sqlite3_column_int64(st, 0);
        const uint8_t *b = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1);
        for (int i = 0; b && i < n && i < TS_CHUNK; i++) {
            int64_t blk = chunk * TS_CHUNK + i;
            if (blk < nblocks)
                q[blk] = b[i];
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : words_fail(s, err);
}

int store_dirty_blocks(struct store *s, store_id_fn fn, void *ctx,
                       struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT block FROM stats_dirty", -1, &st,
                           NULL) != SQLITE_OK)
        return words_fail(s, err);
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return 0;
}
