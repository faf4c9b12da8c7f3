/*
 * search_sql.c - the one raw reader of the index (search_sql.h): the
 * statements of a search that match in FTS5, the morgue_rank function
 * that scores a row, and the passes the ranking runs.
 */
#include "search_sql.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank_int.h"
#include "snippet.h"

/* The statement of a runner. */
#define ST(r) ((sqlite3_stmt *)(r)->st)

/* Every article row goes through the articles_meta index (id, date,
 * simhash, source): the filters and the dates read it, not the table. */
#define META " INDEXED BY articles_meta"

struct sq {
    struct store *st;
    sqlite3 *db;
    sqlite3_stmt *page; /* the snippets of a page, kept */
};

static int sq_fail(sqlite3 *db, struct mg_err *err)
{
    return mg_fail(err, "%s: search failed: %s",
                   sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
}

struct sq *sq_new(struct store *st)
{
    struct sq *q = mg_calloc(1, sizeof *q);
    q->st = st;
    q->db = store_raw_reader(st);
    return q;
}

void sq_free(struct sq *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->page);
    free(q);
}

int sq_count_expr(struct store *st, const char *expr, int64_t *n,
                  struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(st);
    sqlite3_stmt *q = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_fail(db, err);
    sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 0 : sq_fail(db, err);
}

int sq_rowids_below(struct store *st, const char *expr, int64_t tail,
                    store_id_fn fn, void *ctx, struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT rowid FROM fts WHERE fts MATCH ?1 AND"
                           " rowid < ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_fail(db, err);
    sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, tail);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : sq_fail(db, err);
}

int sq_marks(struct store *st, const char *expr, const char *uid, char **marks,
             struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(st);
    sqlite3_stmt *q = NULL;
    *marks = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT morgue_marks(fts) FROM fts WHERE fts MATCH"
                           " ?1 AND rowid = (SELECT id FROM articles WHERE"
                           " uid = ?2)",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_fail(db, err);
    sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, uid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *marks = mg_strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(db, err);
}

/* ---- filters --------------------------------------------------------------
 */

/* Appends the entity filters as "AND <idcol> IN (...)" with named
 * parameters :k<i>, :key<i>, :n<i>.  Against the full-text index the
 * list is a filter on what FTS5 finds ("+": not a rowid to look up):
 * else SQLite looks each of the entity's articles up in FTS5, a search
 * of every word of the query each time (150 ms for `summit talks` in
 * Japan on Reuters, 2 ms so). */
static void add_filters(struct buf *b, const char *idcol, int n)
{
    int plus = strcmp(idcol, "fts.rowid") == 0;
    for (int i = 0; i < n; i++)
        buf_printf(b,
                   " AND %s%s IN (SELECT ae.article_id FROM article_entities ae"
                   " JOIN entities e ON e.id = ae.entity_id WHERE"
                   " e.kind = :k%d AND (e.key = :key%d OR e.id IN (SELECT"
                   " entity_id FROM entity_aliases WHERE alias = :n%d)))",
                   plus ? "+" : "", idcol, i, i, i);
}

static void bind_name(sqlite3_stmt *st, const char *fmt, int i, const char *v)
{
    char name[16];
    snprintf(name, sizeof name, fmt, i);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v, -1,
                      SQLITE_STATIC);
}

static void add_where(struct buf *b, const struct sq_where *w)
{
    for (int i = 0; i < w->n; i++) {
        if (strcmp(w->cols[i].column, "byline") == 0)
            buf_printf(b, " AND a.byline LIKE :c%d ESCAPE '\\'", i);
        else
            buf_printf(b, " AND a.%s = :c%d COLLATE NOCASE", w->cols[i].column,
                       i);
    }
    if (w->since)
        buf_adds(b, " AND a.date >= :since");
    if (w->until)
        buf_adds(b, " AND a.date <= :until");
}

/* Leaves out the articles the query's exclusions match. */
static void add_excluded(struct buf *b, const char *idcol,
                         const struct sq_where *w)
{
    if (w->neg)
        buf_printf(b,
                   " AND %s NOT IN (SELECT rowid FROM fts WHERE fts MATCH"
                   " :neg)",
                   idcol);
}

/* Appends the FROM and WHERE of a search for fts (NULL: the filters
 * alone) with its filters. */
static void add_from(struct buf *sql, const char *fts,
                     const struct sq_filter *fl)
{
    const char *idcol = fts ? "fts.rowid" : "a.id";
    const struct sq_where *w = fl->w;
    if (!fts)
        buf_adds(sql, " FROM articles a WHERE 1");
    else if (fl->nf > 0 || w->n > 0 || w->since || w->until)
        /* the articles only when a filter needs them */
        buf_adds(sql, " FROM fts JOIN articles a" META " ON a.id = fts.rowid"
                      " WHERE fts MATCH :q");
    else
        buf_adds(sql, " FROM fts WHERE fts MATCH :q");
    add_filters(sql, idcol, fl->nf);
    add_where(sql, w);
    add_excluded(sql, idcol, w);
}

/* Prepares sql and binds the query (fts unless NULL), the entity and the
 * column filters. */
static int prepare_all(sqlite3 *db, const struct buf *sql, const char *fts,
                       const struct sq_filter *fl, sqlite3_stmt **st,
                       struct mg_err *err)
{
    if (sqlite3_prepare_v2(db, sql->s, -1, st, NULL) != SQLITE_OK)
        return sq_fail(db, err);
    if (fts)
        sqlite3_bind_text(*st, sqlite3_bind_parameter_index(*st, ":q"), fts, -1,
                          SQLITE_STATIC);
    for (int i = 0; i < fl->nf; i++) {
        bind_name(*st, ":k%d", i, ent_kind_name(fl->f[i].kind));
        bind_name(*st, ":key%d", i, fl->keys[i]);
        bind_name(*st, ":n%d", i, fl->f[i].name);
    }
    const struct sq_where *w = fl->w;
    for (int i = 0; i < w->n; i++)
        bind_name(*st, ":c%d", i, w->vals[i]);
    if (w->since)
        bind_name(*st, ":since", 0, w->since);
    if (w->until)
        bind_name(*st, ":until", 0, w->until);
    if (w->neg)
        bind_name(*st, ":neg", 0, w->neg);
    return 0;
}

/* ---- counting and listing --------------------------------------------------
 */

int sq_count(struct sq *q, const struct sq_filter *fl, const char *fts,
             int64_t upto, int64_t *n, struct mg_err *err)
{
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    if (upto > 0) {
        buf_adds(&sql, "SELECT count(*) FROM (SELECT 1");
        add_from(&sql, fts, fl);
        buf_printf(&sql, " LIMIT %lld)", (long long)upto);
    } else {
        buf_adds(&sql, "SELECT count(*)");
        add_from(&sql, fts, fl);
    }
    int rc = prepare_all(q->db, &sql, fts, fl, &st, err);
    if (rc == 0) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *n = sqlite3_column_int64(st, 0);
        else
            rc = sq_fail(q->db, err);
    }
    sqlite3_finalize(st);
    buf_free(&sql);
    return rc;
}

int sq_match_ids(struct sq *q, const struct sq_filter *fl, const char *fts,
                 int64_t **ids, int64_t *n, struct mg_err *err)
{
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    buf_adds(&sql, fts ? "SELECT fts.rowid" : "SELECT a.id");
    add_from(&sql, fts, fl);
    *ids = NULL;
    *n = 0;
    int64_t cap = 0;
    int rc = prepare_all(q->db, &sql, fts, fl, &st, err);
    if (rc == 0) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == cap)
                *ids = mg_realloc(
                    *ids, sizeof **ids * (size_t)(cap = cap ? cap * 2 : 1024));
            (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
        }
        if (step != SQLITE_DONE)
            rc = sq_fail(q->db, err);
    }
    sqlite3_finalize(st);
    buf_free(&sql);
    return rc;
}

/* The SQL of a page by date. */
static void date_sql(struct buf *sql, const struct sq_filter *fl,
                     const char *fts, int ordered, int oldest)
{
    /* When the rowids are in publication order (date_order), the same
     * order is FTS5's own rowid order and the scan stops after the page;
     * else the page is sorted by the dates in the articles_meta index. */
    if (fts && ordered) {
        buf_adds(sql, "SELECT fts.rowid, 0.0");
        add_from(sql, fts, fl);
        buf_printf(sql, " ORDER BY fts.rowid %s", oldest ? "ASC" : "DESC");
    } else {
        if (fts)
            buf_adds(sql, "SELECT a.id, 0.0 FROM fts JOIN articles a" META
                          " ON a.id = fts.rowid WHERE fts MATCH :q");
        else
            buf_adds(sql, "SELECT a.uid, a.title, a.date, a.source,"
                          " a.path, a.url, 0.0, a.lede FROM articles a"
                          " WHERE 1");
        add_filters(sql, "a.id", fl->nf);
        add_where(sql, fl->w);
        add_excluded(sql, "a.id", fl->w);
        if (oldest)
            buf_adds(sql, " ORDER BY a.date IS NULL, a.date ASC, a.id ASC");
        else
            buf_adds(sql, " ORDER BY a.date IS NULL, a.date DESC, a.id DESC");
    }
    buf_adds(sql, " LIMIT :limit OFFSET :offset");
}

int sq_date_page(struct sq *q, const struct sq_filter *fl, const char *fts,
                 int ordered, int oldest, int limit, int offset, int64_t *ids,
                 int *n, store_hit_fn fn, void *ctx, struct mg_err *err)
{
    struct buf sql = {0};
    sqlite3_stmt *st = NULL;
    date_sql(&sql, fl, fts, ordered, oldest);
    int rc = prepare_all(q->db, &sql, fts, fl, &st, err);
    buf_free(&sql);
    if (rc < 0)
        return -1;
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":offset"), offset);
    int step;
    if (fts) { /* the page's rowids by date */
        *n = 0;
        while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit)
            ids[(*n)++] = sqlite3_column_int64(st, 0);
        rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
    } else {
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_hit_row h = {(const char *)sqlite3_column_text(st, 0),
                                      (const char *)sqlite3_column_text(st, 1),
                                      (const char *)sqlite3_column_text(st, 2),
                                      (const char *)sqlite3_column_text(st, 3),
                                      (const char *)sqlite3_column_text(st, 4),
                                      (const char *)sqlite3_column_text(st, 5),
                                      sqlite3_column_double(st, 6),
                                      (const char *)sqlite3_column_text(st, 7)};
            fn(ctx, &h);
        }
        rc = step == SQLITE_DONE ? 0 : -1;
    }
    if (rc < 0)
        sq_fail(q->db, err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- snippets --------------------------------------------------------------
 */

int sq_snippets(struct sq *q, const char *fts, int64_t gap,
                const int64_t *sorted, int n, char **text, struct mg_err *err)
{
    if (!q->page &&
        sqlite3_prepare_v3(q->db,
                           "SELECT fts.rowid, morgue_snippet(fts, ?4) FROM"
                           " fts WHERE fts MATCH ?1 AND fts.rowid >= ?2"
                           " AND fts.rowid <= ?3",
                           -1, SQLITE_PREPARE_PERSISTENT, &q->page,
                           NULL) != SQLITE_OK)
        return sq_fail(q->db, err);
    sqlite3_stmt *snip = q->page;
    sqlite3_reset(snip);
    sqlite3_clear_bindings(snip);
    struct page_set set = {(int64_t *)sorted, n};
    int rc = 0;
    for (int a = 0; a < n && rc == 0;) {
        int z = a + 1;
        while (z < n && sorted[z] - sorted[z - 1] <= gap)
            z++;
        sqlite3_bind_text(snip, 1, fts, -1, SQLITE_STATIC);
        sqlite3_bind_int64(snip, 2, sorted[a]);
        sqlite3_bind_int64(snip, 3, sorted[z - 1]);
        sqlite3_bind_pointer(snip, 4, &set, "morgue_page", NULL);
        int step;
        while ((step = sqlite3_step(snip)) == SQLITE_ROW) {
            if (sqlite3_column_type(snip, 1) == SQLITE_NULL)
                continue;
            int64_t id = sqlite3_column_int64(snip, 0);
            /* binary search: sorted is ascending */
            int lo = a, hi = z;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (sorted[mid] < id)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < z && sorted[lo] == id && !text[lo])
                text[lo] =
                    mg_strdup((const char *)sqlite3_column_text(snip, 1));
        }
        if (step != SQLITE_DONE)
            rc = sq_fail(q->db, err);
        sqlite3_reset(snip);
        a = z;
    }
    sqlite3_clear_bindings(snip);
    return rc;
}

/* ---- ranking ------------------------------------------------------------ */

/* Whether the current row is passed over without being scored: its
 * block is read already, or its block's bound, or its own words' bounds
 * in the block, cannot reach the score to beat (c->theta). */
static int passed_over(const Fts5ExtensionApi *api, Fts5Context *fts,
                       struct rank_ctx *c)
{
    int64_t blk = api->xRowid(fts) >> TS_BLOCK_SHIFT;
    if (blk >= c->nblocks)
        return 0;
    if (c->done[blk]) /* a changed block read */
        return 1;
    if (c->dirty[blk])
        return 0;
    double theta = *c->theta;
    if (c->blk_ub[blk] < theta)
        return 1;
    if (theta == -HUGE_VAL)
        return 0;
    unsigned g = ++c->row;
    double sum = 0;
    for (int ph = 0; ph < c->nphrase; ph++) {
        int l = c->leaf[ph];
        if (l < 0 || !c->primary[ph])
            continue;
        Fts5PhraseIter it;
        int col = -1, off = 0;
        if (api->xPhraseFirst(fts, ph, &it, &col, &off) == SQLITE_OK &&
            col >= 0) {
            c->gen[l] = g;
            sum += c->lb[(size_t)l * (size_t)c->nblocks + blk];
        }
    }
    double ub = c->fmax * sum;
    if (c->relaxed)
        ub *= rank_coordination(c->p, &c->prm, rank_matched_units(c, g));
    return ub < theta;
}

/* The current row's instances of the leaves into c (row generation g):
 * each leaf's weighted count, and the content units' instances in
 * c->ic/io/iu (*ni of them; *sorted when in column, offset order). */
static int read_instances(const Fts5ExtensionApi *api, Fts5Context *fts,
                          struct rank_ctx *c, unsigned g, int *ni, int *sorted)
{
    int ninst = 0, rc = api->xInstCount(fts, &ninst);
    if (rc != SQLITE_OK)
        return rc;
    if (ninst > c->icap) {
        c->icap = ninst * 2;
        c->ic = mg_realloc(c->ic, sizeof *c->ic * (size_t)c->icap);
        c->io = mg_realloc(c->io, sizeof *c->io * (size_t)c->icap);
        c->iu = mg_realloc(c->iu, sizeof *c->iu * (size_t)c->icap);
    }
    int n = 0, in_order = 1; /* locals: the stores below cannot alias them */
    int *ic = c->ic, *io = c->io;
    uint64_t *iu = c->iu;
    for (int i = 0; i < ninst; i++) {
        int ph, col, off;
        if (api->xInst(fts, i, &ph, &col, &off) != SQLITE_OK || ph < 0 ||
            ph >= c->nphrase || col < 0 || col >= ART_NCOLS)
            continue;
        int l = c->leaf[ph];
        if (l < 0 || !c->primary[ph])
            continue;
        if (c->gen[l] != g) {
            c->gen[l] = g;
            c->f[l] = 0;
        }
        c->f[l] += c->w[col];
        if (c->lunits[l]) {
            if (n && (col < ic[n - 1] || (col == ic[n - 1] && off < io[n - 1])))
                in_order = 0;
            ic[n] = col;
            io[n] = off;
            iu[n++] = c->lunits[l];
        }
    }
    *ni = n;
    *sorted = in_order;
    return SQLITE_OK;
}

/* The current row's length, the columns' tokens by their weights
 * (termstats.h), and its body's tokens; with custom weights the mean
 * length too, from FTS5's totals, on the first row. */
static int row_length(const Fts5ExtensionApi *api, Fts5Context *fts,
                      struct rank_ctx *c, double *len, int *body)
{
    int rc = api->xColumnSize(fts, 2, body);
    if (rc != SQLITE_OK)
        return rc;
    *len = 0;
    for (int col = 0; col < ART_NCOLS; col++) {
        int n = 0;
        api->xColumnSize(fts, col, &n);
        *len += c->lenw[col] * n;
    }
    if (!c->wavg) {
        sqlite3_int64 rows = 0, tot = 0;
        double wt = 0;
        api->xRowCount(fts, &rows);
        for (int col = 0; col < ART_NCOLS; col++) {
            api->xColumnTotalSize(fts, col, &tot);
            wt += c->lenw[col] * (double)tot;
        }
        c->avgdl = rows > 0 && wt > 0 ? wt / (double)rows : 1.0;
        c->wavg = 1;
    }
    return SQLITE_OK;
}

/* morgue_rank(fts, ctx): the score of the current row (rank.c's
 * rank_score_row over what FTS5 gives of it), or NULL when it is passed
 * over or (stop words only) does not match. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    struct rank_ctx *c =
        nval > 0 ? sqlite3_value_pointer(val[0], "morgue_rank") : NULL;
    if (!c || api->xPhraseCount(fts) != c->nphrase) {
        sqlite3_result_error(ctx,
                             "morgue_rank: no ranking context for this "
                             "expression",
                             -1);
        return;
    }
    if (c->theta && passed_over(api, fts, c)) {
        ++*c->skipped;
        sqlite3_result_null(ctx);
        return;
    }
    unsigned g = ++c->row;
    int ni = 0, sorted = 1, body = 0;
    double len = 0, score;
    int rc = read_instances(api, fts, c, g, &ni, &sorted);
    if (rc == SQLITE_OK)
        rc = row_length(api, fts, c, &len, &body);
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else if (rank_score_row(c, g, ni, sorted, len, body, &score))
        sqlite3_result_double(ctx, score);
    else
        sqlite3_result_null(ctx);
}

int rank_register(struct store *st, struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(st);
    fts5_api *api = tok_fts5_api(db);
    if (!api)
        return mg_fail(err, "this SQLite library has no FTS5");
    if (api->xCreateFunction(api, "morgue_rank", NULL, rank_fn, NULL) !=
        SQLITE_OK)
        return mg_fail(err, "cannot register morgue_rank: %s",
                       sqlite3_errmsg(db));
    return 0;
}

/* The statement of the passes: the filters bound. */
static int rank_statement(const struct rank_query *rq, sqlite3_stmt **st,
                          struct mg_err *err)
{
    sqlite3 *db = store_raw_reader(rq->store);
    if (!rq->filter) {
        if (sqlite3_prepare_v2(db,
                               "SELECT fts.rowid, morgue_rank(fts, :ctx) FROM"
                               " fts WHERE fts MATCH :q AND fts.rowid >= :lo"
                               " AND fts.rowid <= :hi",
                               -1, st, NULL) != SQLITE_OK)
            return sq_fail(db, err);
        return 0;
    }
    struct buf sql = {0};
    buf_adds(&sql, "SELECT fts.rowid, morgue_rank(fts, :ctx)");
    add_from(&sql, "", rq->filter);
    buf_adds(&sql, " AND fts.rowid >= :lo AND fts.rowid <= :hi");
    int rc = prepare_all(db, &sql, NULL, rq->filter, st, err);
    buf_free(&sql);
    return rc;
}

int runner_open(struct runner *r, const struct rank_query *rq,
                struct rank_stats *stats, struct mg_err *err)
{
    memset(r, 0, sizeof *r);
    r->rq = rq;
    r->stats = stats;
    sqlite3_stmt *st = NULL;
    if (rank_statement(rq, &st, err) < 0)
        return -1;
    r->st = st;
    r->iq = sqlite3_bind_parameter_index(st, ":q");
    r->ictx = sqlite3_bind_parameter_index(st, ":ctx");
    r->ilo = sqlite3_bind_parameter_index(st, ":lo");
    r->ihi = sqlite3_bind_parameter_index(st, ":hi");
    return 0;
}

/* Makes e (taken) the expression of the passes to come. */
void runner_expr(struct runner *r, struct plan_expr *e)
{
    rank_ctx_free(r->ctx);
    plan_expr_free(&r->expr);
    r->expr = *e;
    memset(e, 0, sizeof *e);
    r->ctx = rank_ctx_new(r->rq, &r->expr);
    if (r->theta) {
        r->ctx->nblocks = r->nblocks;
        r->ctx->blk_ub = r->blk_ub;
        r->ctx->lb = r->lb;
        r->ctx->done = r->done;
        r->ctx->dirty = r->dirty;
        r->ctx->theta = r->theta;
        r->ctx->fmax = r->fmax;
        r->ctx->skipped = &r->skipped;
    }
    sqlite3_reset(ST(r));
    sqlite3_bind_text(ST(r), r->iq, r->expr.text.s, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(ST(r), r->ictx, r->ctx, "morgue_rank", NULL);
}

void runner_close(struct runner *r)
{
    sqlite3_finalize(ST(r));
    rank_ctx_free(r->ctx);
    plan_expr_free(&r->expr);
}

static int run_fail(const struct rank_query *rq, struct mg_err *err)
{
    return sq_fail(store_raw_reader(rq->store), err);
}

/* Scores the articles of the current expression in rowids lo..hi and
 * calls fn for each. */
int runner_pass(struct runner *r, int64_t lo, int64_t hi,
                void (*fn)(void *ctx, int64_t id, double score), void *fctx,
                struct mg_err *err)
{
    sqlite3_reset(ST(r));
    sqlite3_bind_int64(ST(r), r->ilo, lo);
    sqlite3_bind_int64(ST(r), r->ihi, hi);
    if (r->stats)
        r->stats->statements++;
    int rc;
    while ((rc = sqlite3_step(ST(r))) == SQLITE_ROW) {
        if (sqlite3_column_type(ST(r), 1) == SQLITE_NULL)
            continue; /* passed over by its bound */
        if (r->stats)
            r->stats->scored++;
        fn(fctx, sqlite3_column_int64(ST(r), 0),
           sqlite3_column_double(ST(r), 1));
    }
    sqlite3_reset(ST(r));
    return rc == SQLITE_DONE ? 0 : run_fail(r->rq, err);
}
