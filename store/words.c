/*
 * words.c - reading the word statistics a search is planned with
 * (store.h: store_corpus, store_word, store_word_prefix,
 * store_word_next): statements prepared on first use and kept for the
 * life of the store.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

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
    sqlite3_stmt *st =
        st_kept(s, &s->word,
                "SELECT df, sdf, cdf, bounded FROM terms WHERE term = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        w->df = sqlite3_column_int64(st, 0);
        w->sdf = sqlite3_column_int64(st, 1);
        w->cdf = sqlite3_column_int64(st, 2);
        w->bounded = sqlite3_column_int(st, 3);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_read_fail(s, err);
    return rc == SQLITE_ROW;
}

int store_word_prefix(struct store *s, const char *prefix, int n, int want,
                      store_word_fn fn, void *ctx, int64_t *of,
                      struct mg_err *err)
{
    sqlite3_stmt *count = st_kept(s, &s->word_count,
                                  "SELECT count(*) FROM terms WHERE term >= ?1"
                                  " AND term < ?2 AND df > 0",
                                  err);
    sqlite3_stmt *top = st_kept(s, &s->word_prefix,
                                "SELECT term FROM terms WHERE term >= ?1 AND"
                                " term < ?2 AND df > 0 ORDER BY df DESC, term"
                                " LIMIT ?3",
                                err);
    if (!count || !top)
        return -1;
    /* the keys from prefix up to prefix + 0xff, a byte never in UTF-8:
     * after every key starting so */
    char *hi = mg_malloc((size_t)n + 2);
    memcpy(hi, prefix, (size_t)n);
    hi[n] = '\xff';
    hi[n + 1] = 0;
    int failed = 0;
    *of = 0;
    sqlite3_bind_text(count, 1, prefix, n, SQLITE_STATIC);
    sqlite3_bind_text(count, 2, hi, n + 1, SQLITE_STATIC);
    if (sqlite3_step(count) == SQLITE_ROW)
        *of = sqlite3_column_int64(count, 0);
    else
        failed = 1;
    sqlite3_reset(count);
    sqlite3_bind_text(top, 1, prefix, n, SQLITE_STATIC);
    sqlite3_bind_text(top, 2, hi, n + 1, SQLITE_STATIC);
    sqlite3_bind_int(top, 3, want > 0 ? want : 0);
    int rc = SQLITE_DONE;
    while (!failed && fn && (rc = sqlite3_step(top)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(top, 0),
           sqlite3_column_bytes(top, 0));
    if (!failed && rc != SQLITE_DONE)
        failed = 1;
    sqlite3_reset(top);
    free(hi);
    return failed ? st_read_fail(s, err) : 0;
}

int store_word_next(struct store *s, const char *from, int n, int after,
                    const char *hi, int hn, const char **key, int *len,
                    int64_t *df, struct mg_err *err)
{
    /* both bounds on the key, so that the seek is a range of the terms
     * table's key; no upper bound is 0xff, a byte never in UTF-8 */
    sqlite3_stmt *st =
        after ? st_kept(s, &s->word_after,
                        "SELECT term, df FROM terms WHERE term > ?1 AND"
                        " term < ?2 AND df > 0 ORDER BY term"
                        " LIMIT 1",
                        err)
              : st_kept(s, &s->word_next,
                        "SELECT term, df FROM terms WHERE term >= ?1 AND"
                        " term < ?2 AND df > 0 ORDER BY term"
                        " LIMIT 1",
                        err);
    if (!st)
        return -1;
    *key = NULL;
    *len = 0;
    *df = 0;
    sqlite3_bind_text(st, 1, from, n, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi ? hi : "\xff", hi ? hn : 1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *key = (const char *)sqlite3_column_text(st, 0);
        *len = sqlite3_column_bytes(st, 0);
        *df = sqlite3_column_int64(st, 1);
        return *key ? 1 : 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
}

int store_word_bounds(struct store *s, const char *key, uint8_t *q, int nblocks,
                      struct mg_err *err)
{
    sqlite3_stmt *st =
        st_kept(s, &s->word_bounds,
                "SELECT chunk, q FROM term_bounds WHERE term = ?1", err);
    if (!st)
        return -1;
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
    return rc == SQLITE_DONE ? 0 : st_read_fail(s, err);
}

int store_dirty_blocks(struct store *s, store_id_fn fn, void *ctx,
                       struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT block FROM stats_dirty", -1, &st,
                           NULL) != SQLITE_OK)
        return st_read_fail(s, err);
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return 0;
}
