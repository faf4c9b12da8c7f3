/*
 * search_xapian.c - a search over the Xapian engine (search_xapian.h):
 * the parse and the plan as search.c makes them, mapped to a query tree
 * (engine/xapian/query.h):
 *
 *   leaf        per position the OR of its keys' terms (an exact key its
 *               token, a class key its class term: TERMS.md), in its
 *               field's terms when it has one; several positions are an
 *               OP_PHRASE of those ORs
 *   AND/OR/NOT  OP_AND, OP_OR, OP_AND_NOT
 *   NEAR        OP_NEAR over its words' positions, window = the words'
 *               positions + the distance (FTS5's NEAR counts the tokens
 *               between them)
 *   strict      OP_AND of the units;  relaxed: the OR of the content
 *               units, the other units adding XS_TYPED_W x their weight,
 *               never widening: words as typed and stop words under
 *               OP_AND_MAYBE, phrases as boosts (below)
 *   proximity   a boost of OP_NEAR(the content words, window): articles
 *               holding them close score more, on the shard
 *   boosts      OP_OR(main, OP_FILTER(boost, main)...), the phrases'
 *               and the proximity's (see boosted())
 *   exclusions  OP_AND_NOT (OR of them)
 *   filters     boolean terms (entities by key, source, section, byline
 *               words) and the date as OP_VALUE_RANGE, under OP_FILTER
 *
 * Weights are the shard's BM25 (query.cc), whose column weights are in
 * the terms' wdf (TERMS.md), so a leaf reads the unprefixed terms.
 */
#include "search_xapian.h"
#include "search_xents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "query.h"
#include "search_int.h"
#include "shim_doc.h"
#include "tokenizer.h"
#include "xsnippet.h"

/* The proximity subquery's window: the words' count plus this (the
 * ranking's half-weight slack, RANK_PARAMS_DEFAULT.prox_scale, rounded). */
#define XS_PROX_SLACK 8
/* Its weight relative to the words'. */
#define XS_PROX_SCALE 0.5
/* A relaxed search: the weight of the units that only add to the score
 * (words as typed, stop words, phrases) relative to the content words'.
 * At full weight a word found as typed counted twice (its exact and its
 * class term) and lost to plain Xapian BM25 on NPL (MAP 0.269 against
 * 0.289); 0.15 chosen with make eval (NOTES-eval.md). */
#define XS_TYPED_W 0.15

struct xsearcher {
    struct mgx_db *db;
    struct tok *tok;
    int64_t facet_exact; /* facets over more matches: on a sample */
};

int xsearcher_new(struct mgx_db *db, struct xsearcher **out, struct mg_err *err)
{
    *out = NULL;
    struct tok *t = tok_new();
    if (!t)
        return mg_fail(err, "%s: cannot make the tokenizer's stemmer",
                       db ? mgx_path(db) : "cluster");
    struct xsearcher *s = mg_calloc(1, sizeof *s);
    s->db = db;
    s->tok = t;
    s->facet_exact = SEARCH_FACET_EXACT;
    *out = s;
    return 0;
}

void xsearcher_set_db(struct xsearcher *s, struct mgx_db *db)
{
    s->db = db;
}

void xsearcher_set_facet_exact(struct xsearcher *s, int64_t n)
{
    s->facet_exact = n > 0 ? n : SEARCH_FACET_EXACT;
}

void xsearcher_free(struct xsearcher *s)
{
    if (!s)
        return;
    tok_free(s->tok);
    free(s);
}

/* ---- the planner's statistics, from the Xapian database --------------- */

/* Whether token k has a stem of its own (the tokenizer gives it a marked
 * stem beside it). */
static int own_stem(void *ctx, int flags, const char *t, int n, int s, int e)
{
    (void)ctx, (void)flags, (void)s, (void)e;
    return n > 0 && t[0] == TOK_STEM_MARK;
}

/* Whether some article holds a word stemmed to the class key k other
 * than k itself (the store's sdf > 0), there being no term for those
 * alone (TERMS.md): cdf > df says so; else the class term's occurrences
 * beyond the word's own (a word that is its own stem weighs in its
 * class at each of its places; one that is not, nothing). */
static int stemmed_to(struct xsearcher *s, const char *k, int64_t df,
                      int64_t cdf, struct mg_err *err)
{
    if (cdf > df || cdf == 0)
        return cdf > df;
    int64_t ccf = mgx_cf(s->db, MGX_ANY, k, 1, err);
    if (ccf < 0)
        return -1;
    int stems = tok_run(s->tok, TOK_MODE_DOCUMENT, k, (int)strlen(k), own_stem,
                        NULL) != 0;
    int64_t cf = stems ? 0 : mgx_cf(s->db, MGX_ANY, k, 0, err);
    return cf < 0 ? -1 : ccf > cf;
}

static int xs_word(void *ctx, const char *key, int n, struct store_word *w,
                   struct mg_err *err)
{
    struct xsearcher *s = ctx;
    memset(w, 0, sizeof *w);
    char *k = mg_strndup(key, (size_t)n);
    int64_t df = mgx_df(s->db, MGX_ANY, k, 0, err);
    int64_t cdf = df < 0 ? -1 : mgx_df(s->db, MGX_ANY, k, 1, err);
    /* the planner asks only whether sdf is 0 (a class key then read as
     * exact, as FTS5's plan does, so that both plans have the same
     * leaves) */
    int sdf = cdf < 0 ? -1 : stemmed_to(s, k, df, cdf, err);
    free(k);
    if (df < 0 || cdf < 0 || sdf < 0)
        return -1;
    w->df = df;
    w->cdf = cdf;
    w->sdf = sdf ? (cdf > df ? cdf - df : 1) : 0;
    return df > 0 || cdf > 0;
}

struct pref_word {
    char *key;
    int len;
    int64_t df;
};

struct pref_list {
    struct pref_word *v;
    int n, cap;
};

static int pref_cb(void *ctx, const char *key, int len, int64_t df)
{
    struct pref_list *l = ctx;
    if (df <= 0)
        return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = mg_realloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = (struct pref_word){mg_strndup(key, (size_t)len), len, df};
    return 0;
}

/* Most articles first, then in byte order (store_word_prefix's order). */
static int by_df(const void *x, const void *y)
{
    const struct pref_word *a = x, *b = y;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    int c = memcmp(a->key, b->key, (size_t)(a->len < b->len ? a->len : b->len));
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int xs_word_prefix(void *ctx, const char *prefix, int n, int want,
                          store_word_fn fn, void *fctx, int64_t *of,
                          struct mg_err *err)
{
    struct mgx_db *db = ((struct xsearcher *)ctx)->db;
    struct pref_list l = {0};
    char *p = mg_strndup(prefix, (size_t)n);
    int rc = mgx_allterms(db, MGX_ANY, p, 0, 0, pref_cb, &l, err);
    free(p);
    *of = rc < 0 ? 0 : l.n;
    if (rc >= 0 && fn) {
        qsort(l.v, (size_t)l.n, sizeof *l.v, by_df);
        for (int i = 0; i < l.n && i < want; i++)
            fn(fctx, l.v[i].key, l.v[i].len);
    }
    for (int i = 0; i < l.n; i++)
        free(l.v[i].key);
    free(l.v);
    return rc < 0 ? -1 : 0;
}

static int xs_corpus(void *ctx, struct store_corpus *c, struct mg_err *err)
{
    struct mgx_stats st;
    memset(c, 0, sizeof *c);
    if (mgx_stats(((struct xsearcher *)ctx)->db, &st, err) < 0)
        return -1;
    c->stats = 1;
    c->docs = st.docs;
    c->tokens = st.total_length / 4; /* TERMS.md: 4 x the store's */
    c->meta.docs = c->docs;
    c->meta.tokens = c->tokens;
    return 0;
}

static int xplan(struct xsearcher *s, struct qparse_out *q, struct plan *p,
                 struct mg_err *err)
{
    struct plan_stats src = {s, xs_word, xs_word_prefix, xs_corpus};
    return plan_make_from(&src, s->tok, q, p, err);
}

/* ---- the query tree --------------------------------------------------- */

static int pos_q(struct mgxq *t, const struct plan *p,
                 const struct plan_pos *ps, int field)
{
    if (ps->nalt == 1)
        return mgxq_term(t, field, p->key[ps->alt[0].key].key, ps->alt[0].cls);
    int *k = mg_malloc(sizeof *k * (size_t)ps->nalt);
    for (int a = 0; a < ps->nalt; a++)
        k[a] = mgxq_term(t, field, p->key[ps->alt[a].key].key, ps->alt[a].cls);
    int r = mgxq_op(t, MGXQ_OR, k, ps->nalt);
    free(k);
    return r;
}

static int leaf_q(struct mgxq *t, const struct plan *p,
                  const struct plan_leaf *l)
{
    int field = l->col >= 0 ? l->col : MGX_ANY;
    if (l->npos == 0)
        return mgxq_leaf(t, MGXQ_NOTHING);
    if (l->npos == 1)
        return pos_q(t, p, &l->pos[0], field);
    int *k = mg_malloc(sizeof *k * (size_t)l->npos);
    for (int i = 0; i < l->npos; i++)
        k[i] = pos_q(t, p, &l->pos[i], field);
    int r = mgxq_op(t, MGXQ_PHRASE, k, l->npos);
    free(k);
    return r;
}

static const struct plan_leaf *leaf_of(const struct plan *p,
                                       const struct qnode *n, int neg)
{
    if (n->leaf < 0)
        return NULL;
    if (neg)
        return n->leaf < p->nxleaf ? &p->xleaf[n->leaf] : NULL;
    return n->leaf < p->nleaf ? &p->leaf[n->leaf] : NULL;
}

static int node_q(struct mgxq *t, const struct plan *p, const struct qnode *n,
                  int neg)
{
    if (n->kind == QN_TERM) {
        const struct plan_leaf *l = leaf_of(p, n, neg);
        return l ? leaf_q(t, p, l) : mgxq_leaf(t, MGXQ_NOTHING);
    }
    int *k = mg_malloc(sizeof *k * (size_t)(n->nkid ? n->nkid : 1));
    int r;
    if (n->kind == QN_NEAR) {
        /* every position of its words within the window; the words that
         * are phrases must also hold as phrases */
        int npos = 0, nphr = 0, cap = 0;
        int *pos = NULL;
        for (int i = 0; i < n->nkid; i++) {
            const struct plan_leaf *l = leaf_of(p, n->kid[i], neg);
            if (!l)
                continue;
            int field = l->col >= 0 ? l->col : MGX_ANY;
            for (int j = 0; j < l->npos; j++) {
                if (npos == cap)
                    pos = mg_realloc(pos,
                                     sizeof *pos * (size_t)(cap = cap * 2 + 8));
                pos[npos++] = pos_q(t, p, &l->pos[j], field);
            }
            if (l->npos > 1)
                k[nphr++] = leaf_q(t, p, l);
        }
        int near = mgxq_near(t, pos, npos, npos + (int)n->dist);
        free(pos);
        if (nphr) {
            k[nphr++] = near;
            r = mgxq_op(t, MGXQ_AND, k, nphr);
        } else {
            r = near;
        }
        free(k);
        return r;
    }
    for (int i = 0; i < n->nkid; i++)
        k[i] = node_q(t, p, n->kid[i], neg);
    enum mgxq_kind op = n->kind == QN_AND  ? MGXQ_AND
                        : n->kind == QN_OR ? MGXQ_OR
                                           : MGXQ_AND_NOT;
    r = mgxq_op(t, op, k, n->nkid);
    free(k);
    return r;
}

/* The content words (single-position leaves, no field), for the
 * proximity subquery; -1 when fewer than two. */
static int prox_q(struct mgxq *t, const struct plan *p)
{
    int *k = mg_malloc(sizeof *k * (size_t)(p->nleaf ? p->nleaf : 1));
    int n = 0;
    for (int i = 0; i < p->nleaf; i++) {
        const struct plan_leaf *l = &p->leaf[i];
        if (l->stop || l->as_typed || l->npos != 1 || l->col >= 0)
            continue;
        k[n++] = pos_q(t, p, &l->pos[0], MGX_ANY);
    }
    int r = -1;
    if (n >= 2)
        r = mgxq_scale(t, mgxq_near(t, k, n, n + XS_PROX_SLACK), XS_PROX_SCALE);
    free(k);
    return r;
}

/* Whether node i holds a phrase or NEAR (a positional subquery). */
static int positional(const struct mgxq *t, int i)
{
    const struct mgxq_node *n = &t->v[i];
    if (n->kind == MGXQ_PHRASE || n->kind == MGXQ_NEAR)
        return 1;
    for (int k = 0; k < n->nkid; k++)
        if (positional(t, n->kid[k]))
            return 1;
    return 0;
}

/* main with the positional boosts added to its weight, and the same
 * matches: OP_OR(main, OP_FILTER(boost, main)...) (a phrase may hold
 * stop words main lacks; main may hold the proximity's words only within
 * a narrower NEAR).  Never OP_AND_MAYBE(main, positional)
 * nested in another OP_AND_MAYBE, an OP_OR of positional subqueries on
 * its right, or OP_FILTER(OP_OR(main, positional), main): Xapian 1.4.22
 * adds such a positional subquery's weight to articles it does not match
 * (their words present, their positions not checked), and differently
 * over one database and over shards (engine/xapian/NOTES-parity.md).
 * Checked equal over one database and 3 shards, and to the plain OR's
 * weights. */
static int boosted(struct mgxq *t, int main, const int *phrase, int nph,
                   int prox)
{
    if (nph == 0 && prox < 0)
        return main;
    int *k = mg_malloc(sizeof *k * (size_t)(nph + 2));
    int n = 0;
    k[n++] = main;
    for (int i = 0; i < nph; i++) {
        int f[2] = {phrase[i], main};
        k[n++] = mgxq_op(t, MGXQ_FILTER, f, 2);
    }
    if (prox >= 0) {
        int f[2] = {prox, main};
        k[n++] = mgxq_op(t, MGXQ_FILTER, f, 2);
    }
    int r = mgxq_op(t, MGXQ_OR, k, n);
    free(k);
    return r;
}

/* The words of the plan: strict (every unit) or relaxed (any content
 * unit, the others adding weight: the words as typed under
 * OP_AND_MAYBE, the phrases as boosts), the proximity boost on top, its
 * exclusions taken out.  -1 when the plan has no unit. */
static int text_q(struct mgxq *t, const struct plan *p, int relaxed)
{
    const struct qparse_out *q = p->q;
    if (p->nunit == 0)
        return -1;
    int *k = mg_malloc(sizeof *k * (size_t)p->nunit);
    int *x = mg_malloc(sizeof *x * (size_t)p->nunit);
    int *bo = mg_malloc(sizeof *bo * (size_t)p->nunit);
    int r, nb = 0;
    if (!relaxed) {
        for (int u = 0; u < p->nunit; u++)
            k[u] = node_q(t, p, p->unit[u].node, 0);
        r = mgxq_op(t, MGXQ_AND, k, p->nunit);
    } else {
        int nk = 0, nx = 0;
        for (int u = 0; u < p->nunit; u++) {
            int one = node_q(t, p, p->unit[u].node, 0);
            if (p->unit[u].content || p->ncontent == 0)
                k[nk++] = one;
            else if (positional(t, one))
                bo[nb++] = mgxq_scale(t, one, XS_TYPED_W);
            else
                x[nx++] = one;
        }
        r = mgxq_op(t, MGXQ_OR, k, nk);
        if (nx) {
            int m[2] = {r,
                        mgxq_scale(t, mgxq_op(t, MGXQ_OR, x, nx), XS_TYPED_W)};
            r = mgxq_op(t, MGXQ_AND_MAYBE, m, 2);
        }
    }
    r = boosted(t, r, bo, nb, prox_q(t, p));
    free(bo);
    free(x);
    free(k);
    if (q->nneg) {
        int *n = mg_malloc(sizeof *n * (size_t)(q->nneg + 1));
        n[0] = r;
        for (int i = 0; i < q->nneg; i++)
            n[i + 1] = node_q(t, p, q->neg[i], 1);
        r = mgxq_op(t, MGXQ_AND_NOT, n, q->nneg + 1);
        free(n);
    }
    return r;
}

/* ---- filters ----------------------------------------------------------- */

struct words_ctx {
    struct mgxq *t;
    int *k;
    int n, cap;
};

static int byline_cb(void *ctx, int flags, const char *tok, int n, int s, int e)
{
    (void)s, (void)e;
    struct words_ctx *w = ctx;
    if ((flags & FTS5_TOKEN_COLOCATED) || n <= 0 || tok[0] == TOK_STEM_MARK)
        return 0;
    if (w->n == w->cap)
        w->k =
            mg_realloc(w->k, sizeof *w->k * (size_t)(w->cap = w->cap * 2 + 8));
    char *key = mg_strndup(tok, (size_t)n);
    w->k[w->n++] = mgxq_term(w->t, MGX_BYLINE, key, 0);
    free(key);
    return 0;
}

/* The filters of the query and of the options, as search.c's make_where
 * takes them: the boolean subqueries into f (count returned). */
struct xfilters {
    int *k;
    int n, cap;
};

static void xf_add(struct xfilters *f, int node)
{
    if (f->n == f->cap)
        f->k =
            mg_realloc(f->k, sizeof *f->k * (size_t)(f->cap = f->cap * 2 + 8));
    f->k[f->n++] = node;
}

static int ent_field(enum ent_kind k)
{
    return k == ENT_PERSON ? MGX_PERSON : k == ENT_PLACE ? MGX_PLACE : MGX_ORG;
}

static void column_filter(struct xsearcher *s, struct mgxq *t,
                          struct xfilters *f, const char *col, const char *v)
{
    if (strcmp(col, "source") == 0) {
        xf_add(f, mgxq_term(t, MGX_SOURCE, v, 0));
    } else if (strcmp(col, "section") == 0) {
        xf_add(f, mgxq_term(t, MGX_SECTION, v, 0));
    } else {
        /* byline: its words (FTS5 matches the text anywhere in it) */
        struct words_ctx w = {t, NULL, 0, 0};
        tok_run(s->tok, TOK_MODE_EXACT, v, (int)strlen(v), byline_cb, &w);
        xf_add(f, w.n ? mgxq_op(t, MGXQ_AND, w.k, w.n)
                      : mgxq_leaf(t, MGXQ_NOTHING));
        free(w.k);
    }
}

/* The date bounds of q and o (o's since the start of its range, its until
 * the end; the narrower wins), as search.c takes them. */
static int date_filter(const struct qparse_out *q, const struct search_opts *o,
                       struct mgxq *t, struct xfilters *f, struct mg_err *err)
{
    char *since = q->since ? mg_strdup(q->since) : NULL;
    char *until = q->until ? mg_strdup(q->until) : NULL;
    const char *opt[2] = {o->since, o->until};
    for (int k = 0; k < 2; k++) {
        if (!opt[k])
            continue;
        char *lo, *hi;
        if (qdate_range(opt[k], &lo, &hi, err) < 0) {
            free(since);
            free(until);
            return -1;
        }
        if (k == 0 && lo && (!since || strcmp(lo, since) > 0)) {
            free(since);
            since = lo;
            lo = NULL;
        }
        if (k == 1 && hi && (!until || strcmp(hi, until) < 0)) {
            free(until);
            until = hi;
            hi = NULL;
        }
        free(lo);
        free(hi);
    }
    if (since || until)
        xf_add(f, mgxq_range(t, MGX_VAL_DATE, since, until));
    free(since);
    free(until);
    return 0;
}

static int filters_q(struct xsearcher *s, const struct qparse_out *q,
                     const struct search_opts *o, struct mgxq *t,
                     struct xfilters *f, struct mg_err *err)
{
    for (int i = 0; i < q->nfilters + o->nfilters; i++) {
        const struct qfilter *e =
            i < q->nfilters ? &q->filters[i] : &o->filters[i - q->nfilters];
        char *key = ent_key(e->name);
        xf_add(f, mgxq_term(t, ent_field(e->kind), key ? key : "", 0));
        free(key);
    }
    for (int i = 0; i < q->ncolumns; i++)
        column_filter(s, t, f, q->columns[i].column, q->columns[i].value);
    if (o->source)
        column_filter(s, t, f, "source", o->source);
    if (o->section)
        column_filter(s, t, f, "section", o->section);
    return date_filter(q, o, t, f, err);
}

/* text (or every article when < 0) under the filters. */
static int filtered(struct mgxq *t, int text, const struct xfilters *f)
{
    if (text < 0)
        text = mgxq_leaf(t, MGXQ_ALL);
    if (!f->n)
        return text;
    int *k = mg_malloc(sizeof *k * (size_t)(f->n + 1));
    k[0] = text;
    memcpy(k + 1, f->k, sizeof *k * (size_t)f->n);
    int r = mgxq_op(t, MGXQ_FILTER, k, f->n + 1);
    free(k);
    return r;
}

/* ---- running it --------------------------------------------------------- */

struct daycount {
    int64_t day, n;
};

static int by_day(const void *x, const void *y)
{
    const struct daycount *a = x, *b = y;
    return (a->day > b->day) - (a->day < b->day);
}

/* The histogram from the day slot's counts (search_facets.c's rule). */
static void histogram(const struct mgxq_result *m, struct search_result *res)
{
    struct daycount *v = mg_malloc(sizeof *v * (size_t)(m->ncounts + 1));
    int n = 0;
    int64_t dated = 0;
    for (int i = 0; i < m->ncounts; i++) {
        int y, mo, d;
        if (m->counts[i].slot != MGX_VAL_DAY ||
            !sr_read_day(m->counts[i].value, &y, &mo, &d))
            continue;
        v[n++] =
            (struct daycount){sr_days_from_civil(y, mo, d), m->counts[i].count};
        dated += m->counts[i].count;
    }
    res->undated = m->total - dated;
    if (n == 0) {
        free(v);
        return;
    }
    qsort(v, (size_t)n, sizeof *v, by_day);
    int64_t *day = mg_malloc(sizeof *day * (size_t)n * 2), *cnt = day + n;
    for (int i = 0; i < n; i++) {
        day[i] = v[i].day;
        cnt[i] = v[i].n;
    }
    sr_histogram(day, cnt, n, res);
    free(day);
    free(v);
}

struct facet_sum {
    char *value; /* kind letter + key */
    int64_t count;
};

static int by_count(const void *x, const void *y)
{
    const struct facet_sum *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

static int by_value(const void *x, const void *y)
{
    return strcmp(((const struct facet_sum *)x)->value,
                  ((const struct facet_sum *)y)->value);
}

/* Entity facets: the entity slots' counts summed per value (an entity is
 * in one slot of an article at most), the top SEARCH_FACETS of each kind
 * (ties at the last by name, as search_run), their values into shown (borrowed
 * from m; room for 3 * SEARCH_FACETS) in the order of the facets appended;
 * sources: the source slot's. */
static int facets(struct xsearcher *s, const struct mgxq_result *m,
                  const char **shown, struct search_result *res,
                  struct mg_err *err)
{
    struct facet_sum *v = mg_malloc(sizeof *v * (size_t)(m->ncounts + 1));
    int n = 0, rc = 0;
    for (int i = 0; i < m->ncounts; i++) {
        const struct mgxq_count *c = &m->counts[i];
        if (c->slot == MGX_VAL_SOURCE) {
            if (res->nsources < SEARCH_FACETS && c->value[0]) {
                res->sources =
                    mg_realloc(res->sources, sizeof *res->sources *
                                                 (size_t)(res->nsources + 1));
                res->sources[res->nsources++] = (struct search_facet){
                    ENT_ORG, mg_strdup(c->value), c->count, NULL, 0};
            }
            continue;
        }
        if (c->slot >= MGX_VAL_ENT0)
            v[n++] = (struct facet_sum){c->value, c->count};
    }
    /* the same entity from several slots: summed */
    qsort(v, (size_t)n, sizeof *v, by_value);
    int w = 0;
    for (int j = 0; j < n; j++) {
        if (w > 0 && strcmp(v[w - 1].value, v[j].value) == 0)
            v[w - 1].count += v[j].count;
        else
            v[w++] = v[j];
    }
    n = w;
    qsort(v, (size_t)n, sizeof *v, by_count);
    const char letters[3] = {'p', 'w', 'o'};
    struct buf name = {0};
    int first = res->nfacets;
    struct xent_pick *pk = mg_calloc((size_t)n + 1, sizeof *pk);
    for (int kind = 0; kind < 3 && rc == 0; kind++) {
        /* the SEARCH_FACETS most named and their ties, then by name, as
         * search_run picks them */
        int got = 0;
        for (int j = 0; j < n && rc == 0; j++) {
            if (v[j].value[0] != letters[kind])
                continue;
            if (got >= SEARCH_FACETS &&
                v[j].count < pk[SEARCH_FACETS - 1].count)
                break;
            rc = mgxq_entity_name(s->db, v[j].value, &name, err);
            pk[got++] = (struct xent_pick){mg_strdup(name.s ? name.s : ""),
                                           v[j].count, v[j].value};
        }
        qsort(pk, (size_t)got, sizeof *pk, xent_pick_cmp);
        for (int j = 0; j < got; j++) {
            if (rc == 0 && j < SEARCH_FACETS) {
                res->facets =
                    mg_realloc(res->facets, sizeof *res->facets *
                                                (size_t)(res->nfacets + 1));
                shown[res->nfacets - first] = pk[j].value;
                res->facets[res->nfacets++] = (struct search_facet){
                    (enum ent_kind)kind, pk[j].name, pk[j].count, NULL, 0};
            } else {
                free(pk[j].name);
            }
        }
    }
    free(pk);
    buf_free(&name);
    free(v);
    return rc;
}

/* The state of one search. */
struct xrun {
    struct qparse_out q, wq;
    struct plan plan, wplan;
    int planned, wplanned;
    struct mgxq t;
    struct xfilters f;
};

static void xrun_free(struct xrun *r)
{
    if (r->planned)
        plan_free(&r->plan);
    if (r->wplanned)
        plan_free(&r->wplan);
    qparse_out_free(&r->q);
    qparse_out_free(&r->wq);
    mgxq_free(&r->t);
    free(r->f.k);
}

/* Parses, plans and builds the strict query of o into r; *root gets its
 * node.  Returns 0, SEARCH_EUSAGE or -1. */
static int prepare(struct xsearcher *s, const struct search_opts *o,
                   struct xrun *r, int *root, struct mg_err *err)
{
    int outside =
        o->nfilters > 0 || o->since || o->until || o->source || o->section;
    if (qparse_full(s->tok, o->query ? o->query : "", outside, &r->q, err) < 0)
        return SEARCH_EUSAGE;
    if (filters_q(s, &r->q, o, &r->t, &r->f, err) < 0)
        return SEARCH_EUSAGE;
    int text = -1;
    if (r->q.nunit) {
        int rc = xplan(s, &r->q, &r->plan, err);
        r->planned = 1;
        if (rc == PLAN_USAGE)
            return SEARCH_EUSAGE;
        if (rc < 0)
            return -1;
        text = text_q(&r->t, &r->plan, 0);
    }
    *root = filtered(&r->t, text, &r->f);
    return 0;
}

static void take_hits(const struct mgxq_result *m, struct search_result *res)
{
    res->hits = mg_calloc((size_t)(m->nhits ? m->nhits : 1), sizeof *res->hits);
    for (int i = 0; i < m->nhits; i++) {
        struct search_hit *h = &res->hits[i];
        const struct mgxq_hit *x = &m->hits[i];
        h->id = mg_strdup(x->uid);
        h->title = mg_strdup(x->title);
        h->date = mg_strdup(x->date);
        h->source = mg_strdup(x->source);
        h->path = mg_strdup(x->path);
        h->url = mg_strdup(x->url);
        h->score = x->weight;
        h->similar = x->similar;
    }
    res->nhits = m->nhits;
    res->collapsed = (int)m->collapsed;
}

/* The page's snippets, as FTS5's (xsnippet.h): each hit's article (read
 * with the page: m's docs) and the leaves of p (the plan the hits
 * matched; NULL: filters alone) found in its fields. */
static void page_snippets(struct xsearcher *s, const struct plan *p,
                          const struct mgxq_result *m,
                          struct search_result *res)
{
    struct buf b = {0};
    for (int i = 0; i < res->nhits && i < m->nhits; i++) {
        struct search_hit *h = &res->hits[i];
        buf_clear(&b);
        if (m->hits[i].doc)
            xsnip_text(s->tok, p, m->hits[i].doc, &b);
        free(h->snippet);
        free(h->spans);
        h->snippet = NULL;
        h->spans = NULL;
        h->nspans = 0;
        sr_split_snippet(b.s ? b.s : "", h);
    }
    buf_free(&b);
}

int xsearch_run(struct xsearcher *s, const struct search_opts *o,
                struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    struct xrun r = {0};
    int root = -1;
    double t0 = mg_now();
    int rc = prepare(s, o, &r, &root, err);
    if (rc != 0)
        goto out;
    res->ms_plan = (mg_now() - t0) * 1e3;
    res->flat = r.q.flat;
    res->caps = r.q.caps;
    if (r.planned)
        sr_notes_copy(&r.plan, res);
    int limit = o->limit > 0 ? o->limit : SEARCH_DEFAULT_LIMIT;
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    int offset = o->offset > 0 ? o->offset : 0;
    int words = r.q.nunit > 0;
    enum search_sort sort = o->sort;
    if (sort == SEARCH_SORT_DEFAULT)
        sort = words ? SEARCH_SORT_RELEVANCE : SEARCH_SORT_NEWEST;
    if (!words && sort == SEARCH_SORT_RELEVANCE)
        sort = SEARCH_SORT_NEWEST;
    int spies[2 + MGX_MAX_ENT_SLOTS], nspies = 0;
    if (o->histogram)
        spies[nspies++] = MGX_VAL_DAY;
    if (o->facets) {
        spies[nspies++] = MGX_VAL_SOURCE;
        for (int i = 0; i < MGX_MAX_ENT_SLOTS; i++)
            spies[nspies++] = MGX_VAL_ENT0 + i;
    }
    struct mgxq_run run = {
        .root = root,
        .offset = offset,
        .limit = o->count_only ? 0 : limit,
        .sort = sort == SEARCH_SORT_NEWEST   ? MGXQ_NEWEST
                : sort == SEARCH_SORT_OLDEST ? MGXQ_OLDEST
                                             : MGXQ_RELEVANCE,
        /* by date nothing is folded, as search_run does */
        .collapse = !o->no_collapse && sort == SEARCH_SORT_RELEVANCE,
        .spy_slots = o->count_only ? NULL : spies,
        .nspies = o->count_only ? 0 : nspies,
        .sample = s->facet_exact,
        .docs = !o->count_only, /* the snippets' text */
    };
    struct mgxq_result m;
    int mroot = root; /* the query m answers */
    t0 = mg_now();
    if (mgxq_search(s->db, &r.t, &run, &m, err) < 0) {
        rc = -1;
        goto out;
    }
    res->total = m.total;
    res->total_exact = 1;
    res->collapsed_exact = 1;
    /* --timing: the passes' times, summed with the relaxed search's */
    double ms_count = m.ms_count, ms_spies = m.ms_spies;
    res->xpasses = m.passes;
    /* fewer than a page hold all the words: the query as a list of its
     * words (search.c's rule) */
    if (words && !o->strict && !o->count_only && m.total < limit &&
        (plan_relaxable(&r.plan) ||
         (r.plan.nunit == 1 && r.plan.nleaf == 1 && r.plan.leaf[0].npos > 1)) &&
        qparse_words(s->tok, o->query ? o->query : "", &r.wq, err) == 0 &&
        r.wq.nunit > 0) {
        qparse_add_phrases(&r.wq, &r.q);
        int prc = xplan(s, &r.wq, &r.wplan, err);
        r.wplanned = 1;
        if (prc < 0 && prc != PLAN_USAGE) {
            mgxq_result_free(&m);
            rc = -1;
            goto out;
        }
        err->msg[0] = '\0';
        if (prc == 0 && r.wplan.nunit > 0) {
            int wroot = filtered(&r.t, text_q(&r.t, &r.wplan, 1), &r.f);
            struct mgxq_result w;
            run.root = wroot;
            run.relaxed = 1;
            if (mgxq_search(s->db, &r.t, &run, &w, err) < 0) {
                mgxq_result_free(&m);
                rc = -1;
                goto out;
            }
            ms_count += w.ms_count;
            ms_spies += w.ms_spies;
            res->xpasses += w.passes;
            if (w.total > m.total) {
                mroot = wroot;
                res->relaxed = 1;
                res->relaxed_total = w.total;
                res->relaxed_total_exact = 1;
                sr_notes_copy(&r.wplan, res);
                mgxq_result_free(&m);
                m = w;
            } else {
                mgxq_result_free(&w);
            }
        }
    }
    /* rank: the page and its groups' passes (and the client's work) */
    res->ms_count = ms_count;
    res->ms_rank = (mg_now() - t0) * 1e3 - ms_count - ms_spies;
    take_hits(&m, res);
    t0 = mg_now(); /* the page's snippets: --timing's "page" */
    if (!o->count_only)
        page_snippets(s,
                      !words         ? NULL
                      : res->relaxed ? &r.wplan
                                     : &r.plan,
                      &m, res);
    res->ms_page = (mg_now() - t0) * 1e3;
    if (m.sampled > 0) {
        /* counted on a sample: scaled to every match, as search_run's */
        for (int i = 0; i < m.ncounts; i++)
            m.counts[i].count =
                (m.counts[i].count * m.total + m.sampled / 2) / m.sampled;
        res->sample = m.sampled;
    }
    if (o->histogram && !o->count_only)
        histogram(&m, res);
    const char *shown[3 * SEARCH_FACETS];
    int first = res->nfacets;
    t0 = mg_now(); /* facets: the spies' pass and the names' ("with") */
    if (o->facets && !o->count_only) {
        int wp = -1;
        if (facets(s, &m, shown, res, err) < 0 ||
            (wp = xsearch_with(s->db, &r.t, mroot, &m, s->facet_exact, shown,
                               res->facets + first, res->nfacets - first,
                               err)) < 0)
            rc = -1;
        else
            res->xpasses += wp;
    }
    res->ms_facets = ms_spies + (mg_now() - t0) * 1e3;
    mgxq_result_free(&m);
out:
    xrun_free(&r);
    return rc;
}

int xsearch_describe(struct xsearcher *s, const struct search_opts *o,
                     struct buf *out, struct mg_err *err)
{
    struct xrun r = {0};
    int root = -1;
    int rc = prepare(s, o, &r, &root, err);
    if (rc == 0 && mgxq_describe(&r.t, root, out, err) < 0)
        rc = -1;
    xrun_free(&r);
    return rc;
}

/* ---- one article: its marks and entities -------------------------------- */

/* The marks of query's leaves in a into out: as parsed, or with words
 * set, read as a list of its words and phrases. */
static int marks_of(struct xsearcher *s, const char *query, int words,
                    const struct article *a, struct buf *out,
                    struct mg_err *err)
{
    struct qparse_out q = {0}, w = {0}, *use;
    struct plan p = {0};
    int rc = sr_marks_parse(s->tok, query, words, &q, &w, &use, err);
    if (rc == 0 && use) {
        rc = xplan(s, use, &p, err);
        if (rc == PLAN_USAGE)
            rc = SEARCH_EUSAGE;
        if (rc == 0)
            xsnip_marks(s->tok, &p, a, out);
        plan_free(&p);
    }
    qparse_out_free(&w);
    qparse_out_free(&q);
    return rc;
}

int xsearch_marks(struct xsearcher *s, const char *query,
                  const struct article *a, struct buf *out, struct mg_err *err)
{
    int rc = 0;
    for (int words = 0; words < 2 && rc == 0 && out->len == 0; words++)
        rc = marks_of(s, query, words, a, out, err);
    return rc;
}

static void add_entity(void *ctx, int kind, const char *name)
{
    struct search_result *ents = ctx;
    ents->facets = mg_realloc(ents->facets, sizeof *ents->facets *
                                                (size_t)(ents->nfacets + 1));
    ents->facets[ents->nfacets++] = (struct search_facet){
        (enum ent_kind)kind, mg_strdup(name), -1, NULL, 0};
}

int xsearch_get(struct xsearcher *s, const char *uid, struct article *a,
                struct mg_err *err)
{
    return mgx_get(s->db, uid, a, err);
}

int xsearch_entities_of(struct xsearcher *s, const char *uid,
                        struct search_result *ents, struct mg_err *err)
{
    return mgx_doc_entities(s->db, uid, add_entity, ents, err) < 0 ? -1 : 0;
}
