/*
 * search.c - FTS5 match, ranking and snippets.
 */
#include "search.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "qparse.h"
#include "snippet.h"
#include "tokenizer.h"

/* bm25 weights per FTS5 column: title, lede, body, captions, highlights,
 * entities. */
#define BM25 "bm25(fts, 10.0, 3.0, 1.0, 0.5, 2.0, 2.0)"

struct searcher {
    struct store *store;
    struct tok *tok;
    sqlite3_stmt *hits;
    sqlite3_stmt *count;
};

int searcher_new(struct store *st, struct searcher **out, struct mg_err *err)
{
    *out = NULL;
    struct searcher *s = mg_calloc(1, sizeof *s);
    s->store = st;
    s->tok = tok_new();
    if (!s->tok) {
        free(s);
        return mg_fail(err, "cannot create the Snowball English stemmer");
    }
    sqlite3 *db = store_db(st);
    if (snippet_register(db, err) < 0) {
        searcher_free(s);
        return -1;
    }
    if (sqlite3_prepare_v3(
            db,
            "SELECT a.uid, a.title, a.date, a.source, a.path, a.url,"
            " -" BM25 ", morgue_snippet(fts)"
            " FROM fts JOIN articles a ON a.id = fts.rowid"
            " WHERE fts MATCH ?1 ORDER BY " BM25 " LIMIT ?2 OFFSET ?3",
            -1, SQLITE_PREPARE_PERSISTENT, &s->hits, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->count,
                           NULL) != SQLITE_OK) {
        mg_fail(err, "%s: %s", store_path(st), sqlite3_errmsg(db));
        searcher_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void searcher_free(struct searcher *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->hits);
    sqlite3_finalize(s->count);
    tok_free(s->tok);
    free(s);
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? mg_strdup((const char *)t) : NULL;
}

/* Splits an FTS5 snippet with HL_OPEN/HL_CLOSE markers into plain text
 * and spans counted in code points. */
static void split_snippet(const char *marked, struct search_hit *h)
{
    struct buf b = {0};
    int cps = 0, start = -1, cap = 0;
    for (const char *p = marked; *p; p++) {
        if (*p == SNIPPET_OPEN) {
            start = cps;
            continue;
        }
        if (*p == SNIPPET_CLOSE) {
            if (start >= 0 && cps > start) {
                if (h->nspans == cap)
                    h->spans = mg_realloc(h->spans, sizeof *h->spans *
                                          (size_t)(cap = cap ? cap * 2 : 8));
                h->spans[h->nspans].start = start;
                h->spans[h->nspans].length = cps - start;
                h->nspans++;
            }
            start = -1;
            continue;
        }
        if (((unsigned char)*p & 0xC0) != 0x80)
            cps++;
        buf_addc(&b, *p);
    }
    h->snippet = buf_take(&b);
}

static int db_fail(struct searcher *s, struct mg_err *err)
{
    sqlite3 *db = store_db(s->store);
    return mg_fail(err, "%s: search failed: %s", store_path(s->store),
                   sqlite3_errmsg(db));
}

int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    if (qparse(s->tok, o->query ? o->query : "", &res->fts, err) < 0)
        return -1;
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;

    sqlite3_bind_text(s->count, 1, res->fts, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->count);
    if (rc == SQLITE_ROW)
        res->total = sqlite3_column_int64(s->count, 0);
    sqlite3_reset(s->count);
    if (rc != SQLITE_ROW)
        return db_fail(s, err);

    sqlite3_bind_text(s->hits, 1, res->fts, -1, SQLITE_STATIC);
    sqlite3_bind_int(s->hits, 2, limit);
    sqlite3_bind_int(s->hits, 3, offset);
    int cap = 0;
    while ((rc = sqlite3_step(s->hits)) == SQLITE_ROW) {
        if (res->nhits == cap)
            res->hits = mg_realloc(res->hits, sizeof *res->hits *
                                   (size_t)(cap = cap ? cap * 2 : 16));
        struct search_hit *h = &res->hits[res->nhits++];
        memset(h, 0, sizeof *h);
        h->id = col(s->hits, 0);
        h->title = col(s->hits, 1);
        h->date = col(s->hits, 2);
        h->source = col(s->hits, 3);
        h->path = col(s->hits, 4);
        h->url = col(s->hits, 5);
        h->score = sqlite3_column_double(s->hits, 6);
        const unsigned char *sn = sqlite3_column_text(s->hits, 7);
        split_snippet(sn ? (const char *)sn : "", h);
    }
    sqlite3_reset(s->hits);
    if (rc != SQLITE_DONE)
        return db_fail(s, err);
    return 0;
}

void search_result_free(struct search_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nhits; i++) {
        struct search_hit *h = &res->hits[i];
        free(h->id);
        free(h->title);
        free(h->date);
        free(h->source);
        free(h->path);
        free(h->url);
        free(h->snippet);
        free(h->spans);
    }
    free(res->hits);
    free(res->fts);
    memset(res, 0, sizeof *res);
}
