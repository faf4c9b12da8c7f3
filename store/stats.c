/*
 * stats.c - the word statistics in the index (termstats.h): the meta
 * values, a run's changes written at its end, the recount, and the
 * morgue_tsv() function the writer computes keys with.
 */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* ---- meta values ------------------------------------------------------ */

static int db_err(sqlite3 *db, struct mg_err *err, const char *what)
{
    return mg_fail(err, "%s: %s: %s", sqlite3_db_filename(db, "main"), what,
                   sqlite3_errmsg(db));
}

int ts_meta_read(sqlite3 *db, struct ts_meta *m, struct mg_err *err)
{
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT key, value FROM meta WHERE key IN"
                           " ('stats_version', 'stats_state', 'stats_docs',"
                           " 'stats_tokens', 'stats_body', 'stats_avgdl_ref',"
                           " 'stats_rowid_max')",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the word statistics");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(k, "stats_version") == 0)
            m->version = sqlite3_column_int64(st, 1);
        else if (strcmp(k, "stats_state") == 0)
            m->dirty =
                strcmp((const char *)sqlite3_column_text(st, 1), "ok") != 0;
        else if (strcmp(k, "stats_docs") == 0)
            m->docs = sqlite3_column_int64(st, 1);
        else if (strcmp(k, "stats_tokens") == 0)
            m->tokens = sqlite3_column_int64(st, 1);
        else if (strcmp(k, "stats_body") == 0)
            m->body = sqlite3_column_int64(st, 1);
        else if (strcmp(k, "stats_avgdl_ref") == 0)
            m->avgdl_ref = sqlite3_column_double(st, 1);
        else if (strcmp(k, "stats_rowid_max") == 0)
            m->rowid_max = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_err(db, err, "reading the word statistics");
    return 0;
}

/* ---- a run's changes -------------------------------------------------- */

/* A key touched by a run: its df changes and the bounds of the blocks it
 * raised, in the order met (mostly rising: articles are appended). */
struct run_key {
    int64_t ddf, dsdf, dcdf;
    uint32_t *blk;
    uint8_t *q;
    int nb, capb;
};

/* An article counted before the mean length to compute bounds with was
 * known (the first run of an index). */
struct held {
    int64_t rowid;
    struct ts_doc doc;
};

#define HOLD_DOCS 1024 /* articles that fix a new index's mean length */

struct ts_run {
    sqlite3 *db;
    struct ts_meta meta; /* as at the start of the run */
    int recount;         /* every statistic is recomputed at the end */
    int begun;
    struct strmap map; /* key -> index in k */
    struct run_key *k;
    int nk, capk;
    int64_t ddocs, dtokens, dbody, rowid_max;
    double avgdl; /* for the bounds (0 until known) */
    double amin;  /* the least avgdl any bound of the run used: the
                   * new reference (termstats.h, ts_meta) */
    int running;  /* a first run: avgdl follows the mean so far */
    struct held *held;
    int nheld;
};

struct ts_run *ts_run_new(sqlite3 *db)
{
    struct ts_run *r = mg_calloc(1, sizeof *r);
    r->db = db;
    struct mg_err err;
    if (ts_meta_read(db, &r->meta, &err) < 0 || r->meta.version != TS_VERSION ||
        r->meta.dirty)
        r->recount = 1;
    /* bounds are computed with the mean length of the index as it is;
     * the reference kept is the least mean any bound was computed with
     * (a bound made with a larger mean is larger: still a bound) */
    if (r->meta.docs > 0 && r->meta.tokens > 0)
        r->avgdl = (double)r->meta.tokens / (double)r->meta.docs;
    else
        r->running = 1;
    r->amin = r->avgdl;
    return r;
}

void ts_run_free(struct ts_run *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nk; i++) {
        free(r->k[i].blk);
        free(r->k[i].q);
    }
    free(r->k);
    strmap_free(&r->map);
    for (int i = 0; i < r->nheld; i++)
        ts_doc_free(&r->held[i].doc);
    free(r->held);
    free(r);
}

int ts_run_recounts(const struct ts_run *r)
{
    return r->recount;
}

int ts_run_begin(struct ts_run *r, struct mg_err *err)
{
    if (r->begun)
        return 0;
    char *msg = NULL;
    if (sqlite3_exec(r->db,
                     "INSERT OR REPLACE INTO meta(key, value)"
                     " VALUES('stats_state', 'dirty')",
                     NULL, NULL, &msg) != SQLITE_OK) {
        mg_fail(err, "%s: %s", sqlite3_db_filename(r->db, "main"),
                msg ? msg : sqlite3_errmsg(r->db));
        sqlite3_free(msg);
        return -1;
    }
    r->begun = 1;
    return 0;
}

int ts_run_dirty(struct ts_run *r, int64_t rowid, struct mg_err *err)
{
    if (r->recount)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db,
                                "INSERT OR IGNORE INTO stats_dirty(block)"
                                " VALUES (?1)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, rowid >> TS_BLOCK_SHIFT);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_err(r->db, err, "marking changed articles");
    return 0;
}

int ts_run_covers(const struct ts_run *r, int64_t rowid)
{
    return rowid <= r->meta.rowid_max;
}

static struct run_key *run_key(struct ts_run *r, const char *key)
{
    int64_t *v = strmap_slot(&r->map, key, 1);
    if (*v < 0) {
        if (r->nk == r->capk) {
            r->capk = r->capk ? r->capk * 2 : 4096;
            r->k = mg_realloc(r->k, sizeof *r->k * (size_t)r->capk);
        }
        memset(&r->k[r->nk], 0, sizeof *r->k);
        *v = r->nk++;
    }
    return &r->k[*v];
}

/* Raises the bound of key k in block blk to at least q. */
static void raise_bound(struct run_key *k, uint32_t blk, uint8_t q)
{
    if (k->nb > 0 && k->blk[k->nb - 1] == blk) {
        if (k->q[k->nb - 1] < q)
            k->q[k->nb - 1] = q;
        return;
    }
    if (k->nb == k->capb) {
        k->capb = k->capb ? k->capb * 2 : 4;
        k->blk = mg_realloc(k->blk, sizeof *k->blk * (size_t)k->capb);
        k->q = mg_realloc(k->q, (size_t)k->capb);
    }
    k->blk[k->nb] = blk;
    k->q[k->nb++] = q;
}

/* The bound of one entry of an article of length len: at least 1 when
 * the article holds the key at all (a word only in the lede, of weight
 * 0, still makes the article match). */
static uint8_t entry_bound(const struct ts_entry *e, int64_t len, int64_t body,
                           double avgdl)
{
    uint8_t q =
        ts_quantize(ts_tf(e->f, (double)len, avgdl) * ts_prior((double)body));
    return q ? q : 1;
}

static void count_doc(struct ts_run *r, int64_t rowid, const struct ts_doc *d,
                      int sign)
{
    uint32_t blk = (uint32_t)(rowid >> TS_BLOCK_SHIFT);
    for (int i = 0; i < d->n; i++) {
        const struct ts_entry *e = &d->e[i];
        struct run_key *k = run_key(r, d->keys.s + e->off);
        if (e->flags & TS_EXACT)
            k->ddf += sign;
        if (e->flags & TS_MARKED)
            k->dsdf += sign;
        k->dcdf += sign;
        if (sign > 0)
            raise_bound(k, blk, entry_bound(e, d->len, d->body, r->avgdl));
    }
    if (sign > 0 && (r->amin <= 0 || r->avgdl < r->amin))
        r->amin = r->avgdl;
    r->ddocs += sign;
    r->dtokens += sign * d->len;
    if (r->running && r->meta.docs + r->ddocs > 0)
        r->avgdl = (double)(r->meta.tokens + r->dtokens) /
                   (double)(r->meta.docs + r->ddocs);
    r->dbody += sign * d->body;
    if (sign > 0 && rowid > r->rowid_max)
        r->rowid_max = rowid;
}

/* Fixes the mean length from the articles held and counts them. */
static void release_held(struct ts_run *r)
{
    if (r->avgdl <= 0) {
        int64_t tokens = 0;
        for (int i = 0; i < r->nheld; i++)
            tokens += r->held[i].doc.len;
        r->avgdl = r->nheld && tokens ? (double)tokens / r->nheld : 1.0;
    }
    int running = r->running; /* the held ones all with their mean */
    r->running = 0;
    for (int i = 0; i < r->nheld; i++) {
        count_doc(r, r->held[i].rowid, &r->held[i].doc, 1);
        ts_doc_free(&r->held[i].doc);
    }
    r->running = running;
    free(r->held);
    r->held = NULL;
    r->nheld = 0;
}

static void copy_doc(struct ts_doc *to, const struct ts_doc *from)
{
    memset(to, 0, sizeof *to);
    to->n = to->cap = from->n;
    to->e = mg_malloc(sizeof *to->e * (size_t)(from->n ? from->n : 1));
    memcpy(to->e, from->e, sizeof *to->e * (size_t)from->n);
    buf_add(&to->keys, from->keys.s ? from->keys.s : "", from->keys.len);
    to->len = from->len;
    to->body = from->body;
}

void ts_run_add(struct ts_run *r, int64_t rowid, const struct ts_doc *d,
                int sign)
{
    if (r->recount)
        return;
    if (sign > 0 && r->avgdl <= 0) {
        r->held = mg_realloc(r->held, sizeof *r->held * (size_t)(r->nheld + 1));
        r->held[r->nheld].rowid = rowid;
        copy_doc(&r->held[r->nheld++].doc, d);
        if (r->nheld >= HOLD_DOCS)
            release_held(r);
        return;
    }
    count_doc(r, rowid, d, sign);
}

/* ---- writing ---------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql, struct mg_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mg_fail(err, "%s: %s", sqlite3_db_filename(db, "main"),
                msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int set_meta(sqlite3 *db, const char *key, const char *value,
                    struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT OR REPLACE INTO meta(key, value)"
                                " VALUES (?1, ?2)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_err(db, err, "writing meta");
}

static int set_meta_values(sqlite3 *db, int64_t docs, int64_t tokens,
                           int64_t body, double avgdl_ref, int64_t rowid_max,
                           struct mg_err *err)
{
    char v[6][64];
    snprintf(v[0], sizeof v[0], "%d", TS_VERSION);
    snprintf(v[1], sizeof v[1], "%lld", (long long)docs);
    snprintf(v[2], sizeof v[2], "%lld", (long long)tokens);
    snprintf(v[3], sizeof v[3], "%.17g", avgdl_ref);
    snprintf(v[4], sizeof v[4], "%lld", (long long)rowid_max);
    snprintf(v[5], sizeof v[5], "%lld", (long long)body);
    if (set_meta(db, "stats_version", v[0], err) < 0 ||
        set_meta(db, "stats_docs", v[1], err) < 0 ||
        set_meta(db, "stats_tokens", v[2], err) < 0 ||
        set_meta(db, "stats_avgdl_ref", v[3], err) < 0 ||
        set_meta(db, "stats_rowid_max", v[4], err) < 0 ||
        set_meta(db, "stats_body", v[5], err) < 0 ||
        set_meta(db, "stats_state", "ok", err) < 0)
        return -1;
    return 0;
}

static int cmp_blk(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    return *a < *b ? -1 : *a > *b;
}

/* Sorts a key's blocks and merges repeats (the highest bound kept). */
static void sort_blocks(struct run_key *k)
{
    int sorted = 1;
    for (int i = 1; i < k->nb && sorted; i++)
        sorted = k->blk[i - 1] < k->blk[i];
    if (sorted)
        return;
    uint64_t *v = mg_malloc(sizeof *v * (size_t)k->nb);
    for (int i = 0; i < k->nb; i++)
        v[i] = (uint64_t)k->blk[i] << 8 | k->q[i];
    qsort(v, (size_t)k->nb, sizeof *v, cmp_blk);
    int n = 0;
    for (int i = 0; i < k->nb; i++) {
        uint32_t b = (uint32_t)(v[i] >> 8);
        uint8_t q = (uint8_t)(v[i] & 0xff);
        if (n > 0 && k->blk[n - 1] == b) {
            if (k->q[n - 1] < q)
                k->q[n - 1] = q;
        } else {
            k->blk[n] = b;
            k->q[n++] = q;
        }
    }
    k->nb = n;
    free(v);
}

/* The statements of a write of bounds. */
struct bounds_io {
    sqlite3_stmt *get, *put;
};

/* Raises the stored bounds of key to those of blocks blk[0..n) (sorted),
 * chunk by chunk. */
static int write_bounds(sqlite3 *db, struct bounds_io *io, const char *key,
                        const uint32_t *blk, const uint8_t *q, int n,
                        struct mg_err *err)
{
    for (int i = 0; i < n;) {
        int64_t chunk = blk[i] / TS_CHUNK;
        uint8_t row[TS_CHUNK] = {0};
        sqlite3_bind_text(io->get, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(io->get, 2, chunk);
        int rc = sqlite3_step(io->get);
        if (rc == SQLITE_ROW) {
            int len = sqlite3_column_bytes(io->get, 0);
            const void *p = sqlite3_column_blob(io->get, 0);
            if (p && len == TS_CHUNK)
                memcpy(row, p, TS_CHUNK);
        }
        sqlite3_reset(io->get);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_err(db, err, "reading word bounds");
        for (; i < n && blk[i] / TS_CHUNK == (uint32_t)chunk; i++) {
            uint8_t *b = &row[blk[i] % TS_CHUNK];
            if (*b < q[i])
                *b = q[i];
        }
        sqlite3_bind_text(io->put, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(io->put, 2, chunk);
        sqlite3_bind_blob(io->put, 3, row, TS_CHUNK, SQLITE_STATIC);
        rc = sqlite3_step(io->put);
        sqlite3_reset(io->put);
        if (rc != SQLITE_DONE)
            return db_err(db, err, "writing word bounds");
    }
    return 0;
}

/* morgue_tsv(fts, avgdl): the bound value (ts_tf times ts_prior) of the
 * query's one phrase in the current row; the writer uses it to fill in
 * the bounds of a key that became common. */
static void tsv_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                   sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    double avgdl = nval > 0 ? sqlite3_value_double(val[0]) : 1.0;
    int ninst = 0, body = 0;
    int64_t len = 0;
    double f = 0;
    if (api->xInstCount(fts, &ninst) == SQLITE_OK)
        for (int i = 0; i < ninst; i++) {
            int ph, c, off;
            if (api->xInst(fts, i, &ph, &c, &off) == SQLITE_OK && c >= 0 &&
                c < ART_NCOLS)
                f += TS_WEIGHTS[c];
        }
    for (int c = 0; c < ART_NCOLS; c++) {
        int n = 0;
        if (api->xColumnSize(fts, c, &n) == SQLITE_OK)
            len += TS_LEN_WEIGHTS[c] * (int64_t)n;
    }
    if (api->xColumnSize(fts, 2, &body) != SQLITE_OK)
        body = 0;
    sqlite3_result_double(ctx, ts_tf(f, (double)len, avgdl > 0 ? avgdl : 1.0) *
                                   ts_prior(body));
}

/* Computes the bounds of key over the articles up to rowid max from the
 * index itself (a key that just became common: it has few articles
 * there). */
static int backfill(sqlite3 *db, sqlite3_stmt *st, struct bounds_io *io,
                    const char *key, int64_t max, double avgdl,
                    struct mg_err *err)
{
    struct buf q = {0};
    /* a phrase of the key in either form (tokenizer.h) */
    buf_addc(&q, '"');
    buf_addc(&q, TOK_QUERY_KEYS);
    buf_addc(&q, TOK_KEY_CLASS);
    for (const char *p = key; *p; p++) {
        if (*p == '"')
            buf_addc(&q, '"');
        buf_addc(&q, *p);
    }
    buf_addc(&q, '"');
    sqlite3_bind_text(st, 1, q.s, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, max);
    sqlite3_bind_double(st, 3, avgdl);
    uint32_t *blk = NULL;
    uint8_t *qs = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t b = (uint32_t)(sqlite3_column_int64(st, 0) >> TS_BLOCK_SHIFT);
        uint8_t v = ts_quantize(sqlite3_column_double(st, 1));
        if (!v)
            v = 1;
        if (n > 0 && blk[n - 1] == b) {
            if (qs[n - 1] < v)
                qs[n - 1] = v;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            blk = mg_realloc(blk, sizeof *blk * (size_t)cap);
            qs = mg_realloc(qs, (size_t)cap);
        }
        blk[n] = b;
        qs[n++] = v;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    buf_free(&q);
    int ret = rc == SQLITE_DONE ? write_bounds(db, io, key, blk, qs, n, err)
                                : db_err(db, err, "reading a word's articles");
    free(blk);
    free(qs);
    return ret;
}

int ts_register(sqlite3 *db, struct mg_err *err)
{
    fts5_api *api = tok_fts5_api(db);
    if (!api)
        return mg_fail(err, "this SQLite library has no FTS5");
    if (api->xCreateFunction(api, "morgue_tsv", NULL, tsv_fn, NULL) !=
        SQLITE_OK)
        return mg_fail(err, "cannot register morgue_tsv: %s",
                       sqlite3_errmsg(db));
    return 0;
}

/* The statements of a merge. */
struct merger {
    sqlite3_stmt *up, *del, *fill, *mark;
    struct bounds_io io;
};

static int merger_open(sqlite3 *db, struct merger *m, struct mg_err *err)
{
    memset(m, 0, sizeof *m);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO terms(term, df, sdf, cdf, bounded)"
                           " VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT(term)"
                           " DO UPDATE SET df = df + ?2, sdf = sdf + ?3,"
                           " cdf = cdf + ?4"
                           " RETURNING df, sdf, cdf, bounded",
                           -1, &m->up, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM terms WHERE term = ?1", -1, &m->del,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE terms SET bounded = 1 WHERE term = ?1",
                           -1, &m->mark, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT q FROM term_bounds WHERE term = ?1 AND"
                           " chunk = ?2",
                           -1, &m->io.get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO term_bounds(term, chunk, q)"
                           " VALUES (?1, ?2, ?3)",
                           -1, &m->io.put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT rowid, morgue_tsv(fts, ?3) FROM fts WHERE"
                           " fts MATCH ?1 AND rowid <= ?2 ORDER BY rowid",
                           -1, &m->fill, NULL) != SQLITE_OK)
        return db_err(db, err, "writing word statistics");
    return 0;
}

static void merger_close(struct merger *m)
{
    sqlite3_finalize(m->up);
    sqlite3_finalize(m->del);
    sqlite3_finalize(m->mark);
    sqlite3_finalize(m->fill);
    sqlite3_finalize(m->io.get);
    sqlite3_finalize(m->io.put);
}

/* Steps st (no rows) and resets it: 0, or -1 with err. */
static int merge_step(sqlite3 *db, sqlite3_stmt *st, struct mg_err *err)
{
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : db_err(db, err, "writing word statistics");
}

/* Adds the run's changes of key k: its frequencies, and its bounds when
 * it is common (TS_FREQ) or was (the blocks before the run too when it
 * has just become so); a key no article holds any more goes. */
static int merge_key(struct ts_run *r, struct merger *m, const char *key,
                     struct run_key *k, struct mg_err *err)
{
    sqlite3 *db = r->db;
    sqlite3_bind_text(m->up, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(m->up, 2, k->ddf);
    sqlite3_bind_int64(m->up, 3, k->dsdf);
    sqlite3_bind_int64(m->up, 4, k->dcdf);
    int step = sqlite3_step(m->up);
    int64_t df = 0, sdf = 0, cdf = 0;
    int bounded = 0;
    if (step == SQLITE_ROW) {
        df = sqlite3_column_int64(m->up, 0);
        sdf = sqlite3_column_int64(m->up, 1);
        cdf = sqlite3_column_int64(m->up, 2);
        bounded = sqlite3_column_int(m->up, 3);
        step = sqlite3_step(m->up);
    }
    sqlite3_reset(m->up);
    if (step != SQLITE_DONE)
        return db_err(db, err, "writing word statistics");
    if (cdf <= 0 && df <= 0 && sdf <= 0) {
        /* no article holds it any more; its bounds are left (upper
         * bounds still), dropped by the next recount */
        sqlite3_bind_text(m->del, 1, key, -1, SQLITE_STATIC);
        return merge_step(db, m->del, err);
    }
    if (!bounded && cdf < TS_FREQ)
        return 0;
    sort_blocks(k);
    if (write_bounds(db, &m->io, key, k->blk, k->q, k->nb, err) < 0)
        return -1;
    if (bounded)
        return 0;
    /* common now: the blocks before this run too */
    if (r->meta.rowid_max > 0 && backfill(db, m->fill, &m->io, key,
                                          r->meta.rowid_max, r->avgdl, err) < 0)
        return -1;
    sqlite3_bind_text(m->mark, 1, key, -1, SQLITE_STATIC);
    return merge_step(db, m->mark, err);
}

/* Adds the run's changes to the statistics (the caller's transaction). */
static int merge(struct ts_run *r, struct mg_err *err)
{
    sqlite3 *db = r->db;
    struct merger m;
    int rc = merger_open(db, &m, err);
    for (int i = 0; rc == 0 && i < (int)r->map.cap; i++) {
        if (!r->map.keys || !r->map.keys[i])
            continue;
        struct run_key *k = &r->k[r->map.vals[i]];
        if (!k->ddf && !k->dsdf && !k->dcdf && !k->nb)
            continue;
        rc = merge_key(r, &m, r->map.keys[i], k, err);
    }
    merger_close(&m);
    if (rc < 0)
        return -1;
    int64_t rowid_max =
        r->rowid_max > r->meta.rowid_max ? r->rowid_max : r->meta.rowid_max;
    double ref = r->amin > 0 ? r->amin : r->avgdl;
    if (r->meta.avgdl_ref > 0 && r->meta.avgdl_ref < ref)
        ref = r->meta.avgdl_ref;
    if (exec(db, "DELETE FROM stats_dirty", err) < 0 ||
        set_meta_values(db, r->meta.docs + r->ddocs,
                        r->meta.tokens + r->dtokens, r->meta.body + r->dbody,
                        ref, rowid_max, err) < 0)
        return -1;
    return 0;
}

int ts_run_wrote_most(const struct ts_run *r)
{
    int64_t docs = r->meta.docs + r->ddocs;
    return docs > 0 && r->ddocs * 2 >= docs;
}

int ts_run_finish(struct ts_run *r, struct tok *t, struct mg_err *err)
{
    if (!r->begun && !r->recount)
        return 0; /* nothing written */
    if (r->nheld)
        release_held(r);
    int recount = r->recount;
    if (!recount) {
        int64_t docs = r->meta.docs + r->ddocs;
        double mean =
            docs > 0 ? (double)(r->meta.tokens + r->dtokens) / docs : 0;
        double ref = r->amin > 0 ? r->amin : r->avgdl;
        if (r->meta.avgdl_ref > 0 && r->meta.avgdl_ref < ref)
            ref = r->meta.avgdl_ref;
        /* a search scales the bounds by mean / reference when the mean
         * grew past it: past twice, they are made again */
        if (docs > 0 && ref > 0 && mean > 2.0 * ref)
            recount = 1;
        /* a run that wrote most of the index (the first, a rebuild)
         * made its bounds as it went, with the statistics of the
         * articles read so far: made again from them all they are
         * tighter (at 500,000 articles, `said` scores 12,201 articles
         * instead of 27,892), for a tenth more of the run's time */
        if (ts_run_wrote_most(r))
            recount = 1;
    }
    if (exec(r->db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int rc = recount ? ts_recount(r->db, t, err) : merge(r, err);
    if (rc < 0) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(r->db, "COMMIT", err);
}

int ts_lengths(sqlite3 *db, int64_t *docs, int64_t *tokens, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    *docs = *tokens = 0;
    if (sqlite3_prepare_v2(db, "SELECT sz FROM fts_docsize", -1, &st, NULL) !=
        SQLITE_OK)
        return db_err(db, err, "reading article lengths");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        /* SQLite varints: 7 bits a byte, the most significant first;
         * one a column */
        for (int i = 0, col = 0; p && i < n; col++) {
            uint64_t v = 0;
            for (int k = 0; i < n; k++) {
                unsigned char c = p[i++];
                if (k == 8) {
                    v = v << 8 | c;
                    break;
                }
                v = v << 7 | (c & 0x7f);
                if (!(c & 0x80))
                    break;
            }
            if (col < ART_NCOLS)
                *tokens += TS_LEN_WEIGHTS[col] * (int64_t)v;
        }
        ++*docs;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_err(db, err, "reading article lengths");
}

int ts_recount(sqlite3 *db, struct tok *t, struct mg_err *err)
{
    if (exec(db,
             "DELETE FROM terms; DELETE FROM term_bounds;"
             " DELETE FROM stats_dirty;",
             err) < 0)
        return -1;
    /* The mean length first, from the lengths FTS5 keeps, so that every
     * bound uses the final mean. */
    int64_t docs = 0, tokens = 0;
    if (ts_lengths(db, &docs, &tokens, err) < 0)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc;
    struct ts_run *r = mg_calloc(1, sizeof *r);
    r->db = db;
    r->avgdl = docs && tokens ? (double)tokens / (double)docs : 1.0;
    r->amin = r->avgdl;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, title, lede, body, captions,"
                           " highlights, entities FROM articles ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        ts_run_free(r);
        return db_err(db, err, "reading articles");
    }
    struct ts_doc d = {0};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cols[ART_NCOLS];
        for (int c = 0; c < ART_NCOLS; c++)
            cols[c] = (const char *)sqlite3_column_text(st, c + 1);
        ts_doc_build(&d, t, cols, NULL);
        count_doc(r, sqlite3_column_int64(st, 0), &d, 1);
    }
    sqlite3_finalize(st);
    ts_doc_free(&d);
    if (rc != SQLITE_DONE) {
        ts_run_free(r);
        return db_err(db, err, "reading articles");
    }
    /* every key is new: the merge writes them all, bounds for the common
     * ones (no backfill: meta.rowid_max is 0) */
    int ret = merge(r, err);
    ts_run_free(r);
    return ret;
}
