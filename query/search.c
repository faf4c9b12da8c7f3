/*
 * search.c - one search: the query parsed and planned (struct
 * search_plan: its words resolved, its filters), counted, relaxed when too
 * few articles hold all its words, ranked or sorted by date, its page read
 * and its facets counted (search_rank.c, search_read.c, search_facets.c).
 */
#include "search_int.h"
#include "suggest.h"
#ifdef MG_XAPIAN
#include "cluster_db.h"
#include "search_xapian.h"
#endif

#include <stdlib.h>
#include <string.h>

int searcher_new(struct store *st, struct searcher **out, struct mg_err *err)
{
    *out = NULL;
    struct searcher *s = mg_calloc(1, sizeof *s);
    s->store = st;
    s->facet_exact = SEARCH_FACET_EXACT;
    struct mgx_db *xdb = NULL;
    int xap = store_xapian_db(st, &xdb, err);
    if (xap < 0) {
        free(s);
        return -1;
    }
    if (xap > 0) {
#ifdef MG_XAPIAN
        if (xsearcher_new(xdb, &s->x, err) < 0) {
            free(s);
            return -1;
        }
        searcher_set_weights(s, NULL);
        *out = s;
        return 0;
#else
        free(s); /* store_xapian_db answers 0 where Xapian is not built */
        return mg_fail(err, "%s: the xapian engine is not built",
                       store_path(st));
#endif
    }
    s->tok = tok_new();
    if (!s->tok) {
        free(s);
        return mg_fail(err, "cannot create the Snowball English stemmer");
    }
    s->sq = sq_new(st);
    if (rank_register(st, err) < 0) {
        searcher_free(s);
        return -1;
    }
    searcher_set_weights(s, NULL);
    s->facet_exact = SEARCH_FACET_EXACT;
    store_set_deadline(st, 0);
    *out = s;
    return 0;
}

int searcher_new_cluster(const char *path, const struct search_cluster_opts *co,
                         struct searcher **out, struct mg_err *err)
{
    *out = NULL;
#ifdef MG_XAPIAN
    struct cluster_opts opts;
    cluster_opts_default(&opts);
    if (co->connect_timeout > 0)
        opts.connect_timeout = co->connect_timeout;
    if (co->timeout > 0)
        opts.timeout = co->timeout;
    opts.policy = co->partial ? CLUSTER_PARTIAL : CLUSTER_FAIL;
    opts.shard_key = "morgue:shard"; /* as morgue-index writes it */
    struct cluster *c = NULL;
    if (cluster_open(path, &opts, &c, err) < 0)
        return -1;
    struct searcher *s = mg_calloc(1, sizeof *s);
    s->cluster = c;
    s->facet_exact = SEARCH_FACET_EXACT;
    if (xsearcher_new(NULL, &s->x, err) < 0) {
        cluster_close(c);
        free(s);
        return -1;
    }
    searcher_set_weights(s, NULL);
    *out = s;
    return 0;
#else
    (void)path;
    (void)co;
    return mg_fail(err, "--cluster: the xapian engine is not built "
                        "(apt-get install libxapian-dev, then make)");
#endif
}

int searcher_nmissing(const struct searcher *s)
{
    return (int)s->nmissing;
}

void searcher_missing(const struct searcher *s, int i, size_t *num,
                      struct buf *out)
{
    out->len = 0;
    if (out->s)
        out->s[0] = '\0';
    *num = s->missing[i];
#ifdef MG_XAPIAN
    for (size_t j = 0; j < cluster_replicas(s->cluster, *num); j++) {
        if (j)
            buf_addc(out, ' ');
        buf_adds(out, cluster_replica(s->cluster, *num, j));
    }
#endif
}

void searcher_keep_alive(struct searcher *s)
{
#ifdef MG_XAPIAN
    if (s->cluster)
        cluster_keep_alive(s->cluster);
#else
    (void)s;
#endif
}

void searcher_set_weights(struct searcher *s, const double *w)
{
    /* any other bits (even -0.0) count as other weights: scored in full */
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
    int other = w && memcmp(w, SEARCH_WEIGHTS, sizeof s->weights) != 0;
    s->custom_weights = other;
    memcpy(s->weights, w ? w : SEARCH_WEIGHTS, sizeof s->weights);
}

void searcher_set_facet_exact(struct searcher *s, int64_t n)
{
    s->facet_exact = n > 0 ? n : SEARCH_FACET_EXACT;
#ifdef MG_XAPIAN
    if (s->x)
        xsearcher_set_facet_exact(s->x, n);
#endif
}

#ifdef MG_XAPIAN
/* One search over a cluster's replicas (cluster_run_db may run it again
 * over others after a network error): the result is made afresh. */
struct cluster_call {
    struct searcher *s;
    const struct search_opts *o;
    struct search_result *res;
};

static int cluster_search_fn(void *ctx, struct mgx_db *db, struct mg_err *err)
{
    struct cluster_call *c = ctx;
    search_result_free(c->res);
    memset(c->res, 0, sizeof *c->res);
    xsearcher_set_db(c->s->x, db);
    int rc = xsearch_run(c->s->x, c->o, c->res, err);
    xsearcher_set_db(c->s->x, NULL);
    return rc;
}
#endif

#ifdef MG_XAPIAN
struct cluster_do {
    struct searcher *s;
    int (*fn)(struct searcher *s, void *ctx, struct mg_err *err);
    void *ctx;
    int rc;
};

static int cluster_do_fn(void *ctx, struct mgx_db *db, struct mg_err *err)
{
    struct cluster_do *c = ctx;
    xsearcher_set_db(c->s->x, db);
    c->rc = c->fn(c->s, c->ctx, err);
    xsearcher_set_db(c->s->x, NULL);
    return c->rc < 0 ? -1 : 0;
}
#endif

int sr_cluster_do(struct searcher *s,
                  int (*fn)(struct searcher *s, void *ctx, struct mg_err *err),
                  void *ctx, struct mg_err *err)
{
#ifdef MG_XAPIAN
    struct cluster_do c = {s, fn, ctx, 0};
    free(s->missing);
    s->missing = NULL;
    s->nmissing = 0;
    if (cluster_run_db(s->cluster, cluster_do_fn, &c, &s->missing, &s->nmissing,
                       err) < 0)
        return -1;
    return c.rc;
#else
    (void)s, (void)fn, (void)ctx;
    return mg_fail(err, "--cluster: the xapian engine is not built");
#endif
}

int sr_x_get(struct searcher *s, const char *uid, struct article *a,
             struct mg_err *err)
{
#ifdef MG_XAPIAN
    return xsearch_get(s->x, uid, a, err);
#else
    (void)s, (void)uid, (void)a;
    return mg_fail(err, "the xapian engine is not built");
#endif
}

int sr_fts5_only(struct searcher *s, const char *call, struct mg_err *err)
{
    if (s->cluster)
        return mg_fail(err, "%s: not supported with --cluster", call);
    if (!s->x)
        return 0;
    return mg_fail(err, "%s: %s: not supported by the xapian engine",
                   store_path(s->store), call);
}

void searcher_use_date_order(struct searcher *s, int use)
{
    s->no_date_order = !use;
}

void searcher_use_public_ids(struct searcher *s, int use)
{
    s->public_ids = use;
}

void searcher_set_deadline(struct searcher *s, double deadline)
{
    if (!s->store)
        return; /* a cluster: its own timeout */
    store_set_deadline(s->store, deadline);
    store_clear_timeout(s->store);
}

int searcher_timed_out(const struct searcher *s)
{
    if (!s->store)
        return 0;
    return store_timed_out(s->store);
}

void searcher_free(struct searcher *s)
{
    if (!s)
        return;
#ifdef MG_XAPIAN
    xsearcher_free(s->x);
#endif
    free(s->missing);
#ifdef MG_XAPIAN
    cluster_close(s->cluster);
#endif
    sq_free(s->sq);
    tok_free(s->tok);
    for (int i = 0; i < s->nroots; i++)
        free(s->roots[i]);
    free(s->roots);
    free(s->common);
    free(s);
}

static void add_column(struct sq_where *w, const char *column, const char *v)
{
    if (w->n >= 2 * QPARSE_MAX_FILTERS)
        return;
    w->cols[w->n].column = column;
    if (strcmp(column, "byline") == 0) { /* a name anywhere in it */
        struct buf b = {0};
        buf_addc(&b, '%');
        for (const char *p = v; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                buf_addc(&b, '\\');
            buf_addc(&b, *p);
        }
        buf_addc(&b, '%');
        w->vals[w->n] = buf_take(&b);
    } else {
        w->vals[w->n] = mg_strdup(v);
    }
    w->n++;
}

/* The filters of the query and of the options together; fails on a bad
 * --since/--until date. */
static int make_where(const struct qparse_out *q, const struct search_opts *o,
                      struct sq_where *w, struct mg_err *err)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < q->ncolumns; i++)
        add_column(w, q->columns[i].column, q->columns[i].value);
    if (o->source)
        add_column(w, "source", o->source);
    if (o->section)
        add_column(w, "section", o->section);
    w->since = q->since ? mg_strdup(q->since) : NULL;
    w->until = q->until ? mg_strdup(q->until) : NULL;
    const char *opt[2] = {o->since, o->until};
    for (int k = 0; k < 2; k++) {
        if (!opt[k])
            continue;
        char *lo, *hi;
        if (qdate_range(opt[k], &lo, &hi, err) < 0)
            return -1;
        /* --since takes the start of its range, --until the end */
        if (k == 0) {
            free(hi);
            hi = NULL;
        } else {
            free(lo);
            lo = NULL;
        }
        if (lo && (!w->since || strcmp(lo, w->since) > 0)) {
            free(w->since);
            w->since = lo;
        } else {
            free(lo);
        }
        if (hi && (!w->until || strcmp(hi, w->until) < 0)) {
            free(w->until);
            w->until = hi;
        } else {
            free(hi);
        }
    }
    return 0;
}

static void where_free(struct sq_where *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->vals[i]);
    free(w->since);
    free(w->until);
    free(w->neg);
}

/* Copies what the plan in use says of the query into the result. */
static void note_plan(const struct search_plan *r, struct search_result *res)
{
    sr_notes_copy(r->cur, res);
    res->flat = r->q.flat;
    res->caps = r->q.caps;
}

static void run_free(struct search_plan *r)
{
    for (int i = 0; i < r->nf; i++)
        free(r->keys[i]);
    where_free(&r->w);
    plan_free(&r->plan);
    plan_free(&r->wplan);
    qparse_out_free(&r->q);
    qparse_out_free(&r->wq);
}

/* The expressions of a search: all the words (strict), the query read
 * as a list of its words (relaxed), and the leaves, which snippets mark;
 * ids: the articles with all the words when the facets need them. */
struct exprs {
    struct plan_expr strict, relaxed, leaves;
    int64_t *ids, nids, *top;
    int ntop;
};

/* The articles with all the words (fts; NULL: the filters alone): listed
 * for the facets, or counted. */
static int count_phase(struct search_plan *r, const char *fts, struct exprs *x,
                       struct search_result *res, struct mg_err *err)
{
    const struct search_opts *o = r->o;
    int exact = 1;
    if ((o->facets || o->histogram) && !o->count_only) {
        if (sr_match_ids(r, fts, &x->ids, &x->nids, err) < 0)
            return -1;
        res->total = x->nids;
    } else if (fts) {
        if (sr_count_strict(r, fts, &res->total, &exact, err) < 0)
            return -1;
    } else if (sr_count_matches(r, NULL, o->count_only || o->exact_total,
                                &res->total, &exact, err) < 0) {
        return -1;
    }
    res->total_exact = exact;
    res->fts = mg_strdup(fts);
    return 0;
}

/* Fewer than a page have all the words (a pasted headline, a question):
 * the articles with most of them, the query read as a list of its words
 * (quotes, groups and operators aside; its exclusions and filters kept:
 * the exclusions are r->w.neg).  Sets res->relaxed when it is. */
static int relax(struct search_plan *r, struct exprs *x,
                 struct search_result *res, struct mg_err *err)
{
    int rc2 =
        qparse_words(r->s->tok, r->o->query ? r->o->query : "", &r->wq, err);
    if (rc2 != 0 || r->wq.nunit == 0)
        return 0;
    /* its phrases add to the score of the articles holding them (as stop
     * words do: they never widen the search) */
    qparse_add_phrases(&r->wq, &r->q);
    rc2 = plan_make(r->s->store, r->s->tok, &r->wq, &r->wplan, err);
    if (rc2 == PLAN_USAGE) {
        /* a prefix the query as typed does not have (a '*' inside its
         * quotes, read as a word's end): no relaxation */
        plan_free(&r->wplan);
        if (err)
            err->msg[0] = '\0';
    } else if (rc2 < 0) {
        return -1;
    }
    if (r->wplan.nunit > 0) {
        r->cur = &r->wplan;
        plan_expr_relaxed(r->cur, &x->relaxed);
        plan_expr_free(&x->leaves);
        plan_expr_leaves(r->cur, &x->leaves);
        res->relaxed = 1;
        free(res->fts);
        res->fts = mg_strdup(x->relaxed.text.s);
        note_plan(r, res);
    }
    return 0;
}

/* The page: by relevance or by date; with ranked_facets, the best
 * relaxed hits' ids too (x->top). */
static int page_phase(struct search_plan *r, const char *run,
                      enum search_sort sort, int limit, int offset,
                      int ranked_facets, struct exprs *x,
                      struct search_result *res, struct mg_err *err)
{
    if (sort == SEARCH_SORT_RELEVANCE)
        return sr_rank_page(r, res->relaxed, limit, offset, &x->leaves, res,
                            ranked_facets ? &x->top : NULL, &x->ntop, err);
    res->collapsed_exact = 1; /* by date: nothing folded */
    if (sr_date_page(r, run, &x->leaves, sort, limit, offset, res, err) < 0)
        return -1;
    if (ranked_facets &&
        sr_rank_page(r, 1, 0, 0, &x->leaves, &(struct search_result){0},
                     &x->top, &x->ntop, err) < 0)
        return -1;
    return 0;
}

/* A relaxed search: how many articles it matches; when they are the same
 * as with all the words, the search for all the words instead (its page
 * again).  *ranked_facets is cleared then. */
static int unrelax(struct search_plan *r, const char *fts,
                   enum search_sort sort, int limit, int offset,
                   int *ranked_facets, struct exprs *x,
                   struct search_result *res, struct mg_err *err)
{
    const struct search_opts *o = r->o;
    if (sort == SEARCH_SORT_RELEVANCE && res->rank.exhaustive) {
        res->relaxed_total = res->rank.scored;
        res->relaxed_total_exact = 1;
    } else if (sr_count_matches(r, x->relaxed.text.s, o->exact_total,
                                &res->relaxed_total, &res->relaxed_total_exact,
                                err) < 0) {
        return -1;
    }
    if (res->relaxed_total > res->total || !res->relaxed_total_exact)
        return 0;
    res->relaxed = 0;
    if (res->total == 0) /* nothing matches either way */
        return 0;
    /* the same articles as with all the words: those, as a search for all
     * the words ranks them */
    free(res->fts);
    res->fts = mg_strdup(fts);
    r->cur = &r->plan;
    note_plan(r, res);
    plan_expr_free(&x->leaves);
    plan_expr_leaves(r->cur, &x->leaves);
    for (int i = 0; i < res->nhits; i++)
        sr_hit_clear(&res->hits[i]);
    res->nhits = 0;
    free(x->top);
    x->top = NULL;
    x->ntop = offset + limit > SEARCH_FACET_RELAXED ? offset + limit
                                                    : SEARCH_FACET_RELAXED;
    *ranked_facets = 0;
    return sort == SEARCH_SORT_RELEVANCE
               ? sr_rank_page(r, 0, limit, offset, &x->leaves, res, NULL,
                              &x->ntop, err)
               : sr_date_page(r, fts, &x->leaves, sort, limit, offset, res,
                              err);
}

/* The sort a search uses: relevance for words, else newest first. */
static enum search_sort sort_of(const struct search_opts *o, int words)
{
    enum search_sort sort = o->sort;
    if (sort == SEARCH_SORT_DEFAULT)
        sort = words ? SEARCH_SORT_RELEVANCE : SEARCH_SORT_NEWEST;
    if (!words && sort == SEARCH_SORT_RELEVANCE)
        sort = SEARCH_SORT_NEWEST;
    return sort;
}

/* The body of search_run, in its read transaction. */
static int run_search(struct search_plan *r, struct search_result *res,
                      struct mg_err *err)
{
    const struct search_opts *o = r->o;
    const struct plan *p = &r->plan;
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;
    int words = r->q.nunit > 0;
    enum search_sort sort = sort_of(o, words);
    int need_ids = o->facets || o->histogram;
    struct exprs x = {0};
    int rc = -1;
    if (words) {
        plan_expr_strict(p, &x.strict);
        plan_expr_leaves(p, &x.leaves);
    }
    const char *fts = words ? x.strict.text.s : NULL;
    double t = mg_now();
    if (count_phase(r, fts, &x, res, err) < 0)
        goto out;
    res->ms_count = (mg_now() - t) * 1e3;
    if (o->count_only) {
        rc = 0;
        goto out;
    }
    if (words && !o->strict && res->total < limit &&
        (plan_relaxable(p) ||
         (p->nunit == 1 && p->nleaf == 1 && p->leaf[0].npos > 1)) &&
        relax(r, &x, res, err) < 0)
        goto out;
    const char *run = res->relaxed ? x.relaxed.text.s : fts;
    res->ms_count = (mg_now() - t) * 1e3;
    t = mg_now();
    /* facets of the relaxed hits when no article has all the words */
    int ranked_facets = res->relaxed && res->total == 0 && need_ids;
    x.ntop = offset + limit > SEARCH_FACET_RELAXED ? offset + limit
                                                   : SEARCH_FACET_RELAXED;
    if (page_phase(r, run, sort, limit, offset, ranked_facets, &x, res, err) <
        0)
        goto out;
    if (res->relaxed &&
        unrelax(r, fts, sort, limit, offset, &ranked_facets, &x, res, err) < 0)
        goto out;
    res->ms_rank = (mg_now() - t) * 1e3 - res->ms_page;
    t = mg_now();
    if (need_ids) {
        if (ranked_facets) {
            if (sr_facets_ranked(r, x.top, x.ntop, res, err) < 0)
                goto out;
        } else if (sr_facets_of(r, x.ids, x.nids, res, err) < 0) {
            goto out;
        }
    }
    res->ms_facets = (mg_now() - t) * 1e3;
    rc = 0;
out:
    free(x.ids);
    free(x.top);
    plan_expr_free(&x.strict);
    plan_expr_free(&x.relaxed);
    plan_expr_free(&x.leaves);
    return rc;
}

int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
#ifdef MG_XAPIAN
    if (s->cluster) {
        free(s->missing);
        s->missing = NULL;
        s->nmissing = 0;
        struct cluster_call call = {s, o, res};
        return cluster_run_db(s->cluster, cluster_search_fn, &call, &s->missing,
                              &s->nmissing, err);
    }
    if (s->x) {
        /* the latest committed revision (a nightly run, a replica's new
         * changeset): Xapian switches revisions whole */
        struct mgx_db *xdb = NULL;
        if (store_xapian_db(s->store, &xdb, err) < 0 ||
            mgx_reopen(xdb, err) < 0)
            return -1;
        int rc = xsearch_run(s->x, o, res, err);
        if (rc == 0 && s->public_ids)
            sr_publish_ids(s, res);
        return rc;
    }
#endif
    struct search_plan r = {.s = s, .o = o};
    r.cur = &r.plan;
    r.prm = o->params ? *o->params : RANK_PARAMS_DEFAULT;
    int outside =
        o->nfilters > 0 || o->since || o->until || o->source || o->section;
    if (qparse_full(s->tok, o->query ? o->query : "", outside, &r.q, err) < 0) {
        run_free(&r);
        return SEARCH_EUSAGE;
    }
    if (make_where(&r.q, o, &r.w, err) < 0) {
        run_free(&r);
        return SEARCH_EUSAGE;
    }
    /* The query's filters and the options' together. */
    for (int i = 0; i < r.q.nfilters; i++)
        r.f[r.nf++] = r.q.filters[i];
    for (int i = 0; i < o->nfilters && r.nf < 2 * QPARSE_MAX_FILTERS; i++)
        r.f[r.nf++] = o->filters[i];
    for (int i = 0; i < r.nf; i++)
        r.keys[i] = ent_key(r.f[i].name);
    r.fl = (struct sq_filter){&r.w, r.f, r.nf, r.keys};
    double was = store_deadline(s->store);
    double budget = o->budget > 0 ? o->budget : SEARCH_BUDGET;
    store_clear_timeout(s->store);
    if (o->budget >= 0)
        store_set_deadline(s->store, mg_now() + budget);
    /* One read transaction for the whole search: one snapshot of an index
     * being rewritten, and no lock taken and dropped per statement. */
    int own_txn = store_read_begin(s->store);
    int rc = 0;
    double t0 = mg_now();
    if (r.q.nunit) {
        rc = plan_make(s->store, s->tok, &r.q, &r.plan, err);
        if (rc == PLAN_USAGE)
            rc = SEARCH_EUSAGE;
        if (rc == 0 && r.q.nneg) {
            struct plan_expr x = {0};
            plan_expr_excluded(&r.plan, &x);
            r.w.neg = buf_take(&x.text);
            plan_expr_free(&x);
        }
    }
    if (rc == 0) {
        res->ms_plan = (mg_now() - t0) * 1e3;
        note_plan(&r, res);
        rc = run_search(&r, res, err);
    }
    store_read_end(s->store, own_txn);
    if (rc < 0 && rc != SEARCH_EUSAGE && store_timed_out(s->store)) {
        mg_fail(err,
                "the search took longer than its %g s: narrow it with more "
                "words, a longer prefix, a date or a filter",
                budget);
        rc = SEARCH_ETIME;
    }
    store_set_deadline(s->store, was);
    run_free(&r);
    if (rc == 0 && o->suggest && !o->count_only) {
        /* a hint: when it cannot be made, there is none */
        struct mg_err serr;
        t0 = mg_now();
        if (suggest_query(s, o, res, &res->suggestion, &serr) < 0)
            res->suggestion = NULL;
        res->ms_suggest = (mg_now() - t0) * 1e3;
    }
    if (rc == 0)
        sr_publish_ids(s, res);
    return rc;
}

int sr_x_marks(struct searcher *s, const char *query, const struct article *a,
               char **marks, struct mg_err *err)
{
    *marks = NULL;
#ifdef MG_XAPIAN
    struct buf b = {0};
    int rc = xsearch_marks(s->x, query, a, &b, err);
    *marks = b.s;
    return rc;
#else
    (void)s, (void)query, (void)a, (void)err;
    return 0;
#endif
}

int sr_x_article_entities(struct searcher *s, const char *uid,
                          struct search_result *ents, struct mg_err *err)
{
#ifdef MG_XAPIAN
    return xsearch_entities_of(s->x, uid, ents, err);
#else
    (void)s, (void)uid, (void)ents, (void)err;
    return 0;
#endif
}
