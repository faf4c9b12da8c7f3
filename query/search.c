/*
 * search.c - FTS5 match, ranking and snippets.
 */
#include "search.h"

#include <stdio.h>
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

/* Reads (kind, name, count) rows into res->facets; returns the last
 * sqlite3_step() result (SQLITE_DONE when all went well). */
static int read_facets(sqlite3_stmt *st, struct search_result *res)
{
    int rc, cap = res->nfacets;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (res->nfacets == cap)
            res->facets = mg_realloc(res->facets, sizeof *res->facets *
                                     (size_t)(cap = cap ? cap * 2 : 32));
        struct search_facet *fc = &res->facets[res->nfacets++];
        const char *k = (const char *)sqlite3_column_text(st, 0);
        fc->kind = strcmp(k, "person") == 0  ? ENT_PERSON
                   : strcmp(k, "place") == 0 ? ENT_PLACE
                                             : ENT_ORG;
        fc->name = col(st, 1);
        fc->count = sqlite3_column_int64(st, 2);
    }
    return rc;
}

/* Appends the entity filters as "AND <idcol> IN (...)" with named
 * parameters :k<i>, :key<i>, :n<i>. */
static void add_filters(struct buf *b, const char *idcol, int n)
{
    for (int i = 0; i < n; i++)
        buf_printf(b,
                   " AND %s IN (SELECT ae.article_id FROM article_entities ae"
                   " JOIN entities e ON e.id = ae.entity_id WHERE"
                   " e.kind = :k%d AND (e.key = :key%d OR e.id IN (SELECT"
                   " entity_id FROM entity_aliases WHERE alias = :n%d)))",
                   idcol, i, i, i);
}

static void bind_filters(sqlite3_stmt *st, const struct qfilter *f, int n,
                         char **keys)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, ":k%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name),
                          ent_kind_name(f[i].kind), -1, SQLITE_STATIC);
        snprintf(name, sizeof name, ":key%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), keys[i],
                          -1, SQLITE_STATIC);
        snprintf(name, sizeof name, ":n%d", i);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name),
                          f[i].name, -1, SQLITE_STATIC);
    }
}

static int prepare_bound(struct searcher *s, struct buf *sql,
                         const char *fts, const struct qfilter *f, int n,
                         char **keys, sqlite3_stmt **st, struct mg_err *err)
{
    if (sqlite3_prepare_v2(store_db(s->store), sql->s, -1, st, NULL) !=
        SQLITE_OK)
        return db_fail(s, err);
    if (fts)
        sqlite3_bind_text(*st, sqlite3_bind_parameter_index(*st, ":q"), fts,
                          -1, SQLITE_STATIC);
    bind_filters(*st, f, n, keys);
    return 0;
}

int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    struct qparse_out q;
    if (qparse_full(s->tok, o->query ? o->query : "", o->nfilters > 0, &q,
                    err) < 0) {
        qparse_out_free(&q);
        return -1;
    }
    /* The query's filters and the options' together. */
    struct qfilter f[2 * QPARSE_MAX_FILTERS];
    char *keys[2 * QPARSE_MAX_FILTERS];
    int nf = 0;
    for (int i = 0; i < q.nfilters; i++)
        f[nf++] = q.filters[i];
    for (int i = 0; i < o->nfilters && nf < 2 * QPARSE_MAX_FILTERS; i++)
        f[nf++] = o->filters[i];
    for (int i = 0; i < nf; i++)
        keys[i] = ent_key(f[i].name);
    res->fts = q.fts;
    q.fts = NULL;
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;
    const char *fts = res->fts;
    int rc = 0;
    sqlite3_stmt *st = NULL;

    /* The matching articles' ids, for counting and facets. */
    struct buf ids = {0};
    if (fts)
        buf_adds(&ids, "SELECT rowid FROM fts WHERE fts MATCH :q");
    else
        buf_adds(&ids, "SELECT id FROM articles WHERE 1");
    add_filters(&ids, fts ? "rowid" : "id", nf);

    struct buf sql = {0};
    buf_printf(&sql, "SELECT count(*) FROM (%s)", ids.s);
    if (prepare_bound(s, &sql, fts, f, nf, keys, &st, err) < 0)
        goto fail;
    if (sqlite3_step(st) == SQLITE_ROW)
        res->total = sqlite3_column_int64(st, 0);
    else
        goto dbfail;
    sqlite3_finalize(st);
    st = NULL;

    buf_clear(&sql);
    if (fts)
        buf_adds(&sql, "SELECT a.uid, a.title, a.date, a.source, a.path,"
                       " a.url, -" BM25 ", morgue_snippet(fts)"
                       " FROM fts JOIN articles a ON a.id = fts.rowid"
                       " WHERE fts MATCH :q");
    else
        buf_adds(&sql, "SELECT a.uid, a.title, a.date, a.source, a.path,"
                       " a.url, 0.0, a.lede FROM articles a WHERE 1");
    add_filters(&sql, "a.id", nf);
    buf_adds(&sql, fts ? " ORDER BY " BM25
                       : " ORDER BY a.date IS NULL, a.date DESC, a.id DESC");
    buf_adds(&sql, " LIMIT :limit OFFSET :offset");
    if (prepare_bound(s, &sql, fts, f, nf, keys, &st, err) < 0)
        goto fail;
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":offset"), offset);
    int cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (res->nhits == cap)
            res->hits = mg_realloc(res->hits, sizeof *res->hits *
                                   (size_t)(cap = cap ? cap * 2 : 16));
        struct search_hit *h = &res->hits[res->nhits++];
        memset(h, 0, sizeof *h);
        h->id = col(st, 0);
        h->title = col(st, 1);
        h->date = col(st, 2);
        h->source = col(st, 3);
        h->path = col(st, 4);
        h->url = col(st, 5);
        h->score = sqlite3_column_double(st, 6);
        const unsigned char *sn = sqlite3_column_text(st, 7);
        split_snippet(sn ? (const char *)sn : "", h);
    }
    if (rc != SQLITE_DONE)
        goto dbfail;
    sqlite3_finalize(st);
    st = NULL;

    if (o->facets) {
        buf_clear(&sql);
        buf_printf(&sql,
                   "SELECT kind, canonical, c FROM (SELECT e.kind,"
                   " e.canonical, count(*) AS c, row_number() OVER"
                   " (PARTITION BY e.kind ORDER BY count(*) DESC,"
                   " e.canonical) AS r FROM article_entities ae JOIN"
                   " entities e ON e.id = ae.entity_id WHERE"
                   " ae.article_id IN (%s) GROUP BY e.id) WHERE r <= %d"
                   " ORDER BY kind = 'person' DESC, kind = 'place' DESC,"
                   " c DESC, canonical",
                   ids.s, SEARCH_FACETS);
        if (prepare_bound(s, &sql, fts, f, nf, keys, &st, err) < 0)
            goto fail;
        if (read_facets(st, res) != SQLITE_DONE)
            goto dbfail;
        sqlite3_finalize(st);
        st = NULL;
    }
    rc = 0;
    goto done;
dbfail:
    db_fail(s, err);
fail:
    rc = -1;
done:
    sqlite3_finalize(st);
    buf_free(&sql);
    buf_free(&ids);
    for (int i = 0; i < nf; i++)
        free(keys[i]);
    qparse_out_free(&q);
    return rc;
}

int search_entities(struct searcher *s, const char *prefix, int kind,
                    int limit, struct search_result *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            store_db(s->store),
            "SELECT e.kind, e.canonical, (SELECT count(*) FROM"
            " article_entities ae WHERE ae.entity_id = e.id) AS c"
            " FROM entities e WHERE (?2 IS NULL OR e.kind = ?2) AND e.id IN"
            " (SELECT entity_id FROM entity_aliases WHERE alias >= ?1"
            " AND alias < ?1 || x'f48fbfbf') ORDER BY c DESC, e.canonical"
            " LIMIT ?3",
            -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err);
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    if (kind >= 0)
        sqlite3_bind_text(st, 2, ent_kind_name((enum ent_kind)kind), -1,
                          SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : 20);
    int rc = read_facets(st, out);
    sqlite3_finalize(st);
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
    for (int i = 0; i < res->nfacets; i++)
        free(res->facets[i].name);
    free(res->facets);
    free(res->fts);
    memset(res, 0, sizeof *res);
}
