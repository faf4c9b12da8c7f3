/*
 * search_xents.c - search_entities and search_similar (search.h) over the
 * Xapian engine, one database (--db DIR: one or its shards) or a
 * cluster's remote shards (--cluster FILE), with the FTS5 engine's output
 * and order (engine/xapian/NOTES-ents.md says where they differ).
 *
 * Entities by prefix: those with a name (canonical or a mention) starting
 * with the prefix, ASCII case ignored (mgxq_entities: the XV name terms,
 * TERMS.md), with the articles naming them (their XP/XW/XO term's
 * frequency, over every shard), most articles first, then by display name
 * (user metadata "morgue.ent." + kind letter + key), as
 * store_entities_find orders them.
 *
 * Near-duplicates: mgxq_similar (engine/xapian/query.h), the articles
 * within FP_NEAR bits of the article's fingerprint, each hit's snippet its
 * lede (one document read a hit), as store_similar gives them.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

#include "cluster_db.h"
#include "fingerprint.h"
#include "query.h"
#include "search_xents.h"
#include "shim.h"
#include "store.h"

/* Runs fn over the searcher's Xapian database: a cluster's shards (its
 * failover, timeout and policy: the missing shards noted as search_run
 * notes them), else the store's database at its latest revision. */
static int on_xapian(struct searcher *s, cluster_db_fn fn, void *ctx,
                     struct mg_err *err)
{
    if (s->cluster) {
        free(s->missing);
        s->missing = NULL;
        s->nmissing = 0;
        return cluster_run_db(s->cluster, fn, ctx, &s->missing, &s->nmissing,
                              err);
    }
    struct mgx_db *db = NULL;
    if (store_xapian_db(s->store, &db, err) < 0 || !db ||
        mgx_reopen(db, err) < 0)
        return -1;
    return fn(ctx, db, err);
}

/* ---- entities by prefix ------------------------------------------------ */

struct ent_row {
    enum ent_kind kind;
    char *key;
    int64_t count;
    char *name; /* read for the rows that can make the list */
};

struct ent_call {
    const char *prefix;
    int kind, limit;
    struct search_result *out;
    struct ent_row *v;
    int n, cap;
};

/* mgxq_entity_fn: an entity into c->v. */
static int add_ent(void *ctx, int kind, const char *key, int64_t articles)
{
    struct ent_call *c = ctx;
    if (c->n == c->cap)
        c->v =
            mg_realloc(c->v, sizeof *c->v * (size_t)(c->cap = c->cap * 2 + 16));
    c->v[c->n++] =
        (struct ent_row){(enum ent_kind)kind, mg_strdup(key), articles, NULL};
    return 0;
}

static int by_count(const void *x, const void *y)
{
    const struct ent_row *a = x, *b = y;
    return a->count != b->count ? (a->count < b->count ? 1 : -1) : 0;
}

/* The collation of store_entities_find's ORDER BY e.canonical (SQLite's
 * BINARY), then kind and key so that the order is total. */
static int by_count_name(const void *x, const void *y)
{
    const struct ent_row *a = x, *b = y;
    int c = by_count(x, y);
    if (!c)
        c = strcmp(a->name, b->name);
    if (!c)
        c = (int)a->kind - (int)b->kind;
    return c ? c : strcmp(a->key, b->key);
}

static void ent_call_clear(struct ent_call *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].name);
    }
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

static int entities_fn(void *ctx, struct mgx_db *db, struct mg_err *err)
{
    struct ent_call *c = ctx;
    search_result_free(c->out);
    ent_call_clear(c);
    if (mgxq_entities(db, c->prefix, c->kind, add_ent, c, err) < 0)
        return -1;
    if (c->n == 0)
        return 0;
    /* the names of the rows up to the limit's count and its ties: one
     * read of their XN terms each (a round trip per shard when remote) */
    qsort(c->v, (size_t)c->n, sizeof *c->v, by_count);
    int upto = c->n < c->limit ? c->n : c->limit;
    while (upto > 0 && upto < c->n && c->v[upto].count == c->v[upto - 1].count)
        upto++;
    struct buf b = {0};
    int rc = 0;
    for (int i = 0; i < upto && rc == 0; i++) {
        char kv[2] = {"pwo"[c->v[i].kind], '\0'};
        buf_clear(&b);
        buf_adds(&b, kv);
        buf_adds(&b, c->v[i].key);
        struct buf name = {0};
        rc = mgxq_entity_name(db, b.s, &name, err);
        c->v[i].name = name.s ? buf_take(&name) : mg_strdup("");
    }
    buf_free(&b);
    if (rc < 0)
        return -1;
    qsort(c->v, (size_t)upto, sizeof *c->v, by_count_name);
    struct search_result *out = c->out;
    out->facets = mg_calloc((size_t)(c->limit < upto ? c->limit : upto) + 1,
                            sizeof *out->facets);
    for (int i = 0; i < upto && i < c->limit; i++) {
        struct search_facet *f = &out->facets[out->nfacets++];
        f->kind = c->v[i].kind;
        f->name = c->v[i].name;
        c->v[i].name = NULL;
        f->count = c->v[i].count;
    }
    return 0;
}

int sr_x_entities(struct searcher *s, const char *prefix, int kind, int limit,
                  struct search_result *out, struct mg_err *err)
{
    struct ent_call c = {.prefix = prefix ? prefix : "",
                         .kind = kind,
                         .limit = limit,
                         .out = out};
    int rc = on_xapian(s, entities_fn, &c, err);
    ent_call_clear(&c);
    return rc;
}

/* ---- near-duplicates --------------------------------------------------- */

struct similar_call {
    const char *uid;
    int limit;
    struct search_result *res;
    int found;
};

static int similar_fn(void *ctx, struct mgx_db *db, struct mg_err *err)
{
    struct similar_call *c = ctx;
    search_result_free(c->res);
    struct mgxq_result r;
    c->found = mgxq_similar(db, c->uid, FP_NEAR, c->limit, &r, err);
    struct search_result *res = c->res;
    if (c->found > 0 && r.nhits > 0)
        res->hits = mg_calloc((size_t)r.nhits, sizeof *res->hits);
    for (int i = 0; c->found > 0 && i < r.nhits; i++) {
        struct mgxq_hit *x = &r.hits[i];
        struct article a = {0};
        int got = mgx_get(db, x->uid ? x->uid : "", &a, err);
        if (got < 0) {
            c->found = -1;
            break;
        }
        struct search_hit *h = &res->hits[res->nhits++];
        *h = (struct search_hit){.id = x->uid,
                                 .title = x->title,
                                 .date = x->date,
                                 .source = x->source,
                                 .path = x->path,
                                 .url = x->url,
                                 .score = x->weight,
                                 .snippet = mg_strdup(a.lede ? a.lede : "")};
        *x = (struct mgxq_hit){0}; /* its strings are the hit's now */
        article_clear(&a);
    }
    res->total = res->nhits;
    mgxq_result_free(&r);
    return c->found < 0 ? -1 : 0;
}

int sr_x_similar(struct searcher *s, const char *uid, int limit,
                 struct search_result *res, struct mg_err *err)
{
    struct similar_call c = {uid, limit, res, 0};
    if (on_xapian(s, similar_fn, &c, err) < 0)
        return -1;
    return c.found;
}

/* ---- the entities named with each entity facet ----------------------- */

int xent_pick_cmp(const void *x, const void *y)
{
    const struct xent_pick *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->value, b->value);
}

/* fs->with from the counts of w (most first): the SEARCH_WITH most, then
 * by name; counts scaled to total when sampled. */
static int pick_with(struct mgx_db *db, const struct mgxq_result *w,
                     int64_t total, int64_t sampled, struct search_facet *f,
                     struct mg_err *err)
{
    int n = w->ncounts < SEARCH_WITH ? w->ncounts : SEARCH_WITH;
    while (n > 0 && n < w->ncounts &&
           w->counts[n].count == w->counts[n - 1].count)
        n++;
    struct xent_pick *v = mg_calloc((size_t)n + 1, sizeof *v);
    struct buf name = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        v[i].value = w->counts[i].value;
        v[i].count = w->counts[i].count;
        rc = mgxq_entity_name(db, v[i].value, &name, err);
        v[i].name = mg_strdup(name.s ? name.s : "");
    }
    buf_free(&name);
    if (rc == 0) {
        qsort(v, (size_t)n, sizeof *v, xent_pick_cmp);
        int k = n < SEARCH_WITH ? n : SEARCH_WITH;
        f->with = mg_calloc((size_t)k + 1, sizeof *f->with);
        for (int i = 0; i < k; i++) {
            int64_t c = v[i].count;
            if (sampled > 0) /* as xsearch_run scales the facets */
                c = (c * total + sampled / 2) / sampled;
            char kl = v[i].value[0];
            f->with[f->nwith++] = (struct search_facet){kl == 'p'   ? ENT_PERSON
                                                        : kl == 'w' ? ENT_PLACE
                                                                    : ENT_ORG,
                                                        v[i].name, c, NULL, 0};
            v[i].name = NULL;
        }
    }
    for (int i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return rc;
}

int xsearch_with(struct mgx_db *db, const struct mgxq *t, int root,
                 const struct mgxq_result *res, int64_t sample,
                 const char *const *values, struct search_facet *fs, int m,
                 struct mg_err *err)
{
    if (m <= 0)
        return 0;
    int64_t total = res->total, sampled = res->sampled;
    struct mgxq_result *w = mg_calloc((size_t)m, sizeof *w);
    int rc = 0;
    if (res->entsets) /* from the sets the search counted: no pass */
        mgxq_with_sets(res, values, m, w);
    else
        rc = mgxq_with(db, t, root, total, sample, values, m, w, err);
    int passes = rc == 0 ? w[0].passes : 0;
    for (int i = 0; i < m && rc == 0; i++)
        rc = pick_with(db, &w[i], total, sampled, &fs[i], err);
    for (int i = 0; i < m; i++)
        mgxq_result_free(&w[i]);
    free(w);
    return rc < 0 ? -1 : passes;
}
