/*
 * rank.c - the score of an article (morgue_rank), and the exact best k
 * of a search by block bounds (rank.h, docs/ranking.md).
 */
#include "rank_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_sql.h"

const struct rank_params RANK_PARAMS_DEFAULT = {
    .k1 = TS_K1,
    .b = TS_B,
    .min_norm = 0.0,
    .qtf_k3 = 1.0,
    .coord_exp = 0.85,
    .typed_w = 0.33,
    .prox_boost = 0.35,
    .prox_scale = 24.0,
    .pair_boost = 1.0,
    .pair_dist = 12.0,
    .pair_k = 1.0,
    .short_body = 100.0,
    .short_exp = 0.5,
    .short_frac = 0.3,
    .short_frac_strict = 0.6,
};

/* The weight of leaf l: its idf, times its query frequency's share. */
static double leaf_weight(const struct rank_params *prm, const struct plan *p,
                          int l)
{
    double w = p->leaf[l].idf;
    if (p->leaf[l].as_typed)
        w *= prm->typed_w;
    if (prm->qtf_k3 > 0) {
        int n = 0;
        for (int u = 0; u < p->nunit; u++)
            for (int k = 0; k < p->unit[u].nleaf; k++)
                n += p->unit[u].leaf[k] == l;
        if (n > 1)
            w *= (prm->qtf_k3 + 1.0) * n / (prm->qtf_k3 + n);
    }
    return w;
}

/* The short-body length of a search: short_body, or at most short_frac
 * (a relaxed search) or short_frac_strict (one for all the words) of the
 * mean body. */
static double short_len(const struct rank_params *prm, const struct plan *p,
                        int relaxed)
{
    double len = prm->short_body;
    double mean = p->N > 0 ? (double)p->meta.body / p->N : 0;
    double frac = relaxed ? prm->short_frac : prm->short_frac_strict;
    if (frac > 0 && mean > 0 && frac * mean < len)
        len = frac * mean;
    return len;
}

/* The document prior of a search for an article whose body has body
 * tokens. */
double rank_prior(const struct rank_params *prm, double len, double body)
{
    if (len <= 0 || body >= len)
        return 1.0;
    return pow((body + 1.0) / len, prm->short_exp);
}

int rank_params_parse(const char *s, struct rank_params *p, struct mg_err *err)
{
    static const char *const NAMES[] = {
        "k1",         "b",          "min_norm",
        "qtf_k3",     "coord_exp",  "typed_w",
        "prox_boost", "prox_scale", "pair_boost",
        "pair_dist",  "pair_k",     "short_body",
        "short_exp",  "short_frac", "short_frac_strict",
        NULL};
    double *field[] = {&p->k1,         &p->b,          &p->min_norm,
                       &p->qtf_k3,     &p->coord_exp,  &p->typed_w,
                       &p->prox_boost, &p->prox_scale, &p->pair_boost,
                       &p->pair_dist,  &p->pair_k,     &p->short_body,
                       &p->short_exp,  &p->short_frac, &p->short_frac_strict};
    const char *c = s;
    while (*c) {
        const char *eq = strchr(c, '=');
        int k = -1;
        for (int i = 0; eq && NAMES[i]; i++)
            if (strlen(NAMES[i]) == (size_t)(eq - c) &&
                strncmp(NAMES[i], c, (size_t)(eq - c)) == 0)
                k = i;
        char *end = NULL;
        double v = k >= 0 ? strtod(eq + 1, &end) : 0;
        if (k < 0 || end == eq + 1 || !(v >= 0 && v <= 1e6) ||
            (*end && *end != ',')) {
            struct buf names = {0};
            for (int i = 0; NAMES[i]; i++)
                buf_printf(&names, "%s%s", i ? ", " : "", NAMES[i]);
            mg_fail(err,
                    "--ranking takes name=value,... with names %s and "
                    "values from 0, not \"%s\"",
                    names.s, s);
            buf_free(&names);
            return -1;
        }
        *field[k] = v;
        c = *end ? end + 1 : end;
    }
    if (p->prox_scale <= 0 || p->k1 <= 0)
        return mg_fail(err, "--ranking: prox_scale and k1 must be above 0");
    return 0;
}

/* ---- the score ---------------------------------------------------------- */

/* The pairs' part of the score: each pair of content units next to each
 * other in the query counts by how often its words stand at most
 * pair_dist apart in one column (instances in column, offset order). */
double rank_pairs(struct rank_ctx *c, int n, unsigned g)
{
    int nu = c->p->nunit < 64 ? c->p->nunit : 64;
    for (int u = 0; u < nu; u++)
        c->ptf[u] = 0;
    int dist = (int)c->prm.pair_dist;
    for (int i = 0; i < n; i++) {
        for (uint64_t m = c->iu[i]; m; m &= m - 1) {
            int u = __builtin_ctzll(m);
            int v = c->pprev[u];
            if (v >= 0 && c->lastg[v] == g && c->lastc[v] == c->ic[i] &&
                c->io[i] - c->lasto[v] <= dist)
                c->ptf[v]++;
            v = c->pnext[u];
            if (v >= 0 && c->lastg[v] == g && c->lastc[v] == c->ic[i] &&
                c->io[i] - c->lasto[v] <= dist)
                c->ptf[u]++;
            c->lastg[u] = g;
            c->lastc[u] = c->ic[i];
            c->lasto[u] = c->io[i];
        }
    }
    double sum = 0;
    for (int u = 0; u < nu; u++)
        if (c->ptf[u])
            sum += c->pw[u] * c->ptf[u] / (c->ptf[u] + c->prm.pair_k);
    return sum / c->pwsum;
}

/* The coordination of the content units in matched: the share of the
 * content units' weight (idf) they hold, to the power coord_exp. */
double rank_coordination(const struct plan *p, const struct rank_params *prm,
                         uint64_t matched)
{
    if (prm->coord_exp <= 0 || p->wsum <= 0)
        return 1.0;
    double w = 0;
    for (int u = 0; u < p->nunit && u < 64; u++)
        if ((matched >> u & 1) && p->unit[u].content)
            w += p->unit[u].w;
    return pow(w / p->wsum, prm->coord_exp);
}

/* The smallest window of one column holding an instance of every unit in
 * need; -1 when none.  Instances are in column, offset order. */
int rank_window(const int *col, const int *off, const uint64_t *units, int n,
                uint64_t need)
{
    int best = -1;
    int count[64];
    for (int a = 0; a < n;) {
        int end = a;
        while (end < n && col[end] == col[a])
            end++;
        memset(count, 0, sizeof count);
        uint64_t have = 0;
        for (int lo = a, hi = a; hi < end; hi++) {
            for (uint64_t m = units[hi] & need; m; m &= m - 1) {
                int u = __builtin_ctzll(m);
                if (count[u]++ == 0)
                    have |= (uint64_t)1 << u;
            }
            while (have == need && lo <= hi) {
                int span = off[hi] - off[lo] + 1;
                if (best < 0 || span < best)
                    best = span;
                for (uint64_t m = units[lo] & need; m; m &= m - 1) {
                    int u = __builtin_ctzll(m);
                    if (--count[u] == 0)
                        have &= ~((uint64_t)1 << u);
                }
                lo++;
            }
        }
        a = end;
    }
    return best;
}

/* The units matched by the leaves seen in row generation g. */
uint64_t rank_matched_units(const struct rank_ctx *c, unsigned g)
{
    uint64_t matched = 0;
    for (int u = 0; u < c->p->nunit && u < 64; u++) {
        int m = 0;
        for (int k = c->any0[u]; k < c->any0[u + 1] && !m; k++)
            m = c->gen[c->any[k]] == g;
        if (!m && c->all0[u + 1] > c->all0[u]) {
            m = 1;
            for (int k = c->all0[u]; k < c->all0[u + 1] && m; k++)
                m = c->gen[c->all[k]] == g;
        }
        if (m)
            matched |= (uint64_t)1 << u;
    }
    return matched;
}

int rank_score_row(struct rank_ctx *c, unsigned g, int ni, int sorted,
                   double len, int body, double *score)
{
    double base = 0;
    for (int l = 0; l < c->nleaf; l++)
        if (c->gen[l] == g)
            base += c->lw[l] * tf_part(&c->prm, c->f[l], len, c->avgdl);
    uint64_t matched = rank_matched_units(c, g);
    if (c->need_content && !(matched & c->content))
        return 0; /* stop words only: no match */
    *score = base;
    if (c->relaxed)
        *score *= rank_coordination(c->p, &c->prm, matched);
    uint64_t need = matched & c->content;
    if (__builtin_popcountll(need) >= 2 &&
        (c->prm.prox_boost > 0 || c->prm.pair_boost > 0)) {
        if (!sorted) { /* insertion sort: instances are few */
            for (int i = 1; i < ni; i++)
                for (int j = i; j > 0 && (c->ic[j] < c->ic[j - 1] ||
                                          (c->ic[j] == c->ic[j - 1] &&
                                           c->io[j] < c->io[j - 1]));
                     j--) {
                    int tc = c->ic[j], to = c->io[j];
                    uint64_t tu = c->iu[j];
                    c->ic[j] = c->ic[j - 1], c->io[j] = c->io[j - 1];
                    c->iu[j] = c->iu[j - 1];
                    c->ic[j - 1] = tc, c->io[j - 1] = to, c->iu[j - 1] = tu;
                }
        }
        if (c->prm.pair_boost > 0 && c->pwsum > 0)
            *score *= 1.0 + c->prm.pair_boost * rank_pairs(c, ni, g);
        int win = c->prm.prox_boost > 0
                      ? rank_window(c->ic, c->io, c->iu, ni, need)
                      : -1;
        if (win > 0) {
            int slack = win - __builtin_popcountll(need);
            *score *= 1.0 + c->prm.prox_boost / (1.0 + (slack > 0 ? slack : 0) /
                                                           c->prm.prox_scale);
        }
    }
    *score *= rank_prior(&c->prm, c->short_len, body);
    return 1;
}

/* The leaves whose presence matches unit u in a relaxed search (all its
 * leaves, but a hyphenated word's parts, which match it only together),
 * and the parts.  Walks the unit's node. */
static void unit_leaves(const struct qnode *n, int **any, int *nany, int **all,
                        int *nall, int in_parts)
{
    if (n->kind == QN_TERM) {
        if (n->leaf < 0)
            return;
        int **v = in_parts ? all : any;
        int *k = in_parts ? nall : nany;
        *v = mg_realloc(*v, sizeof **v * (size_t)(*k + 1));
        (*v)[(*k)++] = n->leaf;
        return;
    }
    int upto = n->kind == QN_NOT ? 1 : n->nkid;
    for (int i = 0; i < upto; i++)
        unit_leaves(n->kid[i], any, nany, all, nall,
                    in_parts || (n->kind == QN_OR && n->hyphen && i == 2));
}

/* A new context for expression e. */
struct rank_ctx *rank_ctx_new(const struct rank_query *rq,
                              const struct plan_expr *e)
{
    const struct plan *p = rq->plan;
    struct rank_ctx *c = mg_calloc(1, sizeof *c);
    c->p = p;
    c->nphrase = e->nphrase;
    c->leaf = e->leaf;
    c->primary = mg_calloc((size_t)(e->nphrase ? e->nphrase : 1), 1);
    c->nleaf = p->nleaf;
    unsigned char *seen = mg_calloc((size_t)(p->nleaf ? p->nleaf : 1), 1);
    for (int i = 0; i < e->nphrase; i++)
        if (e->leaf[i] >= 0 && !seen[e->leaf[i]])
            seen[e->leaf[i]] = c->primary[i] = 1;
    free(seen);
    for (int i = 0; i < ART_NCOLS; i++) {
        c->w[i] = rq->weights ? rq->weights[i] : TS_WEIGHTS[i];
        c->lenw[i] = rq->weights ? rq->weights[i] : TS_LEN_WEIGHTS[i];
    }
    c->wavg = !rq->weights; /* else the mean of the weighted lengths */
    c->prm = rq->params;
    c->relaxed = rq->relaxed;
    c->avgdl = p->avgdl > 0 ? p->avgdl : 1.0;
    c->short_len = short_len(&rq->params, p, rq->relaxed);
    size_t nl = (size_t)(p->nleaf ? p->nleaf : 1);
    c->lunits = mg_calloc(nl, sizeof *c->lunits);
    c->lw = mg_malloc(sizeof *c->lw * nl);
    for (int l = 0; l < p->nleaf; l++)
        c->lw[l] = leaf_weight(&rq->params, p, l);
    c->f = mg_calloc(nl, sizeof *c->f);
    c->gen = mg_calloc(nl, sizeof *c->gen);
    c->any0 = mg_calloc((size_t)p->nunit + 1, sizeof *c->any0);
    c->all0 = mg_calloc((size_t)p->nunit + 1, sizeof *c->all0);
    int nany = 0, nall = 0;
    for (int u = 0; u < p->nunit && u < 64; u++) {
        c->any0[u] = nany;
        c->all0[u] = nall;
        unit_leaves(p->unit[u].node, &c->any, &nany, &c->all, &nall, 0);
        if (p->unit[u].content) {
            c->content |= (uint64_t)1 << u;
            for (int k = 0; k < p->unit[u].nleaf; k++)
                c->lunits[p->unit[u].leaf[k]] |= (uint64_t)1 << u;
        }
    }
    c->any0[p->nunit] = nany;
    c->all0[p->nunit] = nall;
    size_t nu = (size_t)(p->nunit ? p->nunit : 1);
    c->pnext = mg_malloc(sizeof *c->pnext * nu);
    c->pprev = mg_malloc(sizeof *c->pprev * nu);
    c->pw = mg_calloc(nu, sizeof *c->pw);
    c->lastc = mg_calloc(nu, sizeof *c->lastc);
    c->lasto = mg_calloc(nu, sizeof *c->lasto);
    c->ptf = mg_calloc(nu, sizeof *c->ptf);
    c->lastg = mg_calloc(nu, sizeof *c->lastg);
    int prev = -1;
    for (int u = 0; u < p->nunit; u++) {
        c->pnext[u] = c->pprev[u] = -1;
        if (u >= 64 || !p->unit[u].content)
            continue;
        if (prev >= 0) {
            c->pnext[prev] = u;
            c->pprev[u] = prev;
            c->pw[prev] = (p->unit[prev].w + p->unit[u].w) / 2;
            c->pwsum += c->pw[prev];
        }
        prev = u;
    }
    return c;
}

void rank_ctx_free(struct rank_ctx *c)
{
    if (!c)
        return;
    free(c->primary);
    free(c->lunits);
    free(c->lw);
    free(c->f);
    free(c->gen);
    free(c->any0);
    free(c->any);
    free(c->all0);
    free(c->all);
    free(c->ic);
    free(c->io);
    free(c->iu);
    free(c->pnext);
    free(c->pprev);
    free(c->pw);
    free(c->lastc);
    free(c->lasto);
    free(c->ptf);
    free(c->lastg);
    free(c);
}

/* ---- passes ------------------------------------------------------------- */

int rank_each(const struct rank_query *rq, const struct plan_expr *e,
              int64_t lo, int64_t hi,
              void (*fn)(void *ctx, int64_t id, double score), void *ctx,
              struct mg_err *err)
{
    struct runner r;
    if (runner_open(&r, rq, NULL, err) < 0)
        return -1;
    struct plan_expr copy = {0};
    buf_adds(&copy.text, e->text.s ? e->text.s : "");
    for (int i = 0; i < e->nphrase; i++) {
        if (copy.nphrase == copy.cap) {
            copy.cap = copy.cap ? copy.cap * 2 : 16;
            copy.leaf =
                mg_realloc(copy.leaf, sizeof *copy.leaf * (size_t)copy.cap);
        }
        copy.leaf[copy.nphrase++] = e->leaf[i];
    }
    runner_expr(&r, &copy);
    int rc = runner_pass(&r, lo, hi, fn, ctx, err);
    runner_close(&r);
    return rc;
}

/* ---- the best k --------------------------------------------------------- */

/* A heap of the best k so far; the root is the worst kept. */
struct heap {
    struct rank_hit *h;
    int n, k;
    const struct rank_query *rq;
    double theta; /* the score to beat: the worst kept once k are, else
                   * -inf */
    int failed;
    /* articles scored already (sorted), and while seeding, the list
     * being made */
    int64_t *seen;
    int nseen, seeding, seencap;
};

/* heap_push, noting the article as scored. */
static void seed_push(void *ctx, int64_t id, double score);

/* Whether hit i is worse than hit j. */
static int worse(const struct rank_hit *h, int i, int j)
{
    return rank_before(h[j].score, h[j].id, h[i].score, h[i].id);
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void heap_push(void *ctx, int64_t id, double score)
{
    struct heap *hp = ctx;
    const struct rank_query *rq = hp->rq;
    if (hp->nseen && !hp->seeding &&
        bsearch(&id, hp->seen, (size_t)hp->nseen, sizeof id, cmp_id))
        return; /* scored already (the seed) */
    if (rq->fresh > 0 && rq->date) {
        /* a fresh article counts up to twice: look its date up only when
         * that could bring it in */
        if (hp->n == hp->k &&
            !rank_before(2 * score, id, hp->h[0].score, hp->h[0].id))
            return;
        double jd = 0;
        if (rq->date(rq->pctx, id, &jd) < 0) {
            hp->failed = 1;
            return;
        }
        if (jd > 0 && rq->newest > 0) {
            double age = rq->newest - jd;
            score *= 1.0 + pow(0.5, (age > 0 ? age : 0) / rq->fresh);
        }
    }
    struct rank_hit *h = hp->h;
    int i;
    if (hp->n < hp->k) {
        h[i = hp->n++] = (struct rank_hit){id, score};
        while (i > 0 && worse(h, i, (i - 1) / 2)) {
            struct rank_hit t = h[i];
            h[i] = h[(i - 1) / 2];
            h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        if (hp->n == hp->k)
            hp->theta = h[0].score;
        return;
    }
    if (hp->k == 0 || !rank_before(score, id, h[0].score, h[0].id))
        return;
    h[i = 0] = (struct rank_hit){id, score};
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        if (l < hp->n && worse(h, l, w))
            w = l;
        if (r < hp->n && worse(h, r, w))
            w = r;
        if (w == i)
            break;
        struct rank_hit t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
    hp->theta = h[0].score;
}

static void seed_push(void *ctx, int64_t id, double score)
{
    struct heap *hp = ctx;
    heap_push(hp, id, score);
    if (hp->nseen == hp->seencap) {
        hp->seencap = hp->seencap ? hp->seencap * 2 : 256;
        hp->seen = mg_realloc(hp->seen, sizeof *hp->seen * (size_t)hp->seencap);
    }
    hp->seen[hp->nseen++] = id;
}

/* The score an unseen article must beat (-inf until k are kept). */
static double threshold(const struct heap *hp)
{
    return hp->theta;
}

static int by_hit(const void *x, const void *y)
{
    const struct rank_hit *a = x, *b = y;
    return rank_before(a->score, a->id, b->score, b->id)   ? -1
           : rank_before(b->score, b->id, a->score, a->id) ? 1
                                                           : 0;
}

/* Articles a search may score every one of without harm. */
#define EXHAUSTIVE_DF 3000
/* A leaf without block bounds has its blocks found by reading its
 * articles' rowids, when it has at most this many. */
#define SCAN_MAX 50000

/* The bounds of a search: per leaf and block, the most the leaf can add
 * to an article of the block (0: no article of the block holds it). */
struct bounds {
    int nblocks;
    double *lb;           /* nleaf * nblocks */
    double *lmax;         /* per leaf: the most over all blocks */
    unsigned char *dirty; /* per block: changed since its bounds */
};

static void bounds_free(struct bounds *b)
{
    free(b->lb);
    free(b->lmax);
    free(b->dirty);
}

/* store_dirty_blocks: a block changed since its bounds were written. */
static void dirty_block(void *ctx, int64_t blk)
{
    struct bounds *b = ctx;
    if (blk >= 0 && blk < b->nblocks)
        b->dirty[blk] = 1;
}

/* A rare leaf's articles: each one's block gets the leaf's most. */
struct leaf_rows {
    double *out, v;
};

static void leaf_row(void *ctx, int64_t id)
{
    struct leaf_rows *lr = ctx;
    lr->out[id >> TS_BLOCK_SHIFT] = lr->v;
}

/* Fills the bounds of every leaf over the blocks below the tail: from the
 * stored bounds of its keys, or (a word too rare to have them) from the
 * rowids of its articles.  Returns 0, 1 when the search had better score
 * everything (a leaf without bounds in too many articles), -1 on error. */
static int load_bounds(const struct rank_query *rq, int64_t tail,
                       struct bounds *b, struct mg_err *err)
{
    const struct plan *p = rq->plan;
    b->nblocks = (int)(tail >> TS_BLOCK_SHIFT);
    size_t nb = (size_t)(b->nblocks ? b->nblocks : 1);
    b->lb = mg_calloc((size_t)(p->nleaf ? p->nleaf : 1) * nb, sizeof *b->lb);
    b->lmax = mg_calloc((size_t)(p->nleaf ? p->nleaf : 1), sizeof *b->lmax);
    b->dirty = mg_calloc(nb, 1);
    /* avgdl grew since the bounds were made: they grow at most as much */
    double c = p->meta.avgdl_ref > 0 && p->avgdl > p->meta.avgdl_ref
                   ? p->avgdl / p->meta.avgdl_ref
                   : 1.0;
    int rc = -1;
    if (store_dirty_blocks(rq->store, dirty_block, b, err) < 0)
        return -1;
    uint8_t **kq = mg_calloc((size_t)(p->nkey ? p->nkey : 1), sizeof *kq);
    for (int l = 0; l < p->nleaf; l++) {
        const struct plan_leaf *lf = &p->leaf[l];
        double *out = b->lb + (size_t)l * nb;
        if (!lf->bounded) {
            if (lf->df > SCAN_MAX) {
                rc = 1;
                goto freekq;
            }
            double v = leaf_weight(&rq->params, p, l) * (TS_K1 + 1.0);
            struct buf q = {0};
            if (lf->col >= 0)
                buf_printf(&q, "%s : ", ART_COL_NAMES[lf->col]);
            buf_adds(&q, lf->fts);
            struct leaf_rows lr = {out, v};
            int step =
                sq_rowids_below(rq->store, q.s, tail, leaf_row, &lr, err);
            buf_free(&q);
            if (step < 0)
                goto freekq;
            b->lmax[l] = v;
            continue;
        }
        double lw = leaf_weight(&rq->params, p, l);
        for (int i = 0; i < lf->npos; i++)
            for (int a = 0; a < lf->pos[i].nalt; a++) {
                int k = lf->pos[i].alt[a].key;
                if (kq[k])
                    continue;
                kq[k] = mg_malloc(nb);
                if (store_word_bounds(rq->store, p->key[k].key, kq[k],
                                      b->nblocks, err) < 0)
                    goto freekq;
            }
        for (int blk = 0; blk < b->nblocks; blk++) {
            double leaf = TS_K1 + 1.0;
            for (int i = 0; i < lf->npos && leaf > 0; i++) {
                double sum = 0;
                for (int a = 0; a < lf->pos[i].nalt; a++)
                    sum += ts_bound(kq[lf->pos[i].alt[a].key][blk]);
                if (sum < leaf)
                    leaf = sum;
            }
            if (leaf > 0) {
                out[blk] = lw * leaf * c;
                if (out[blk] > b->lmax[l])
                    b->lmax[l] = out[blk];
            }
        }
    }
    rc = 0;
freekq:
    for (int k = 0; k < p->nkey; k++)
        free(kq[k]);
    free(kq);
    return rc;
}

/* Whether node n can match an article of block blk, by its leaves'
 * bounds (strict: its operators; relaxed: any of its words). */
static int present(const struct qnode *n, const struct bounds *b, int nb,
                   int blk, int relaxed)
{
    switch (n->kind) {
    case QN_TERM:
        return n->leaf >= 0 && b->lb[(size_t)n->leaf * (size_t)nb + blk] > 0;
    case QN_NOT: return present(n->kid[0], b, nb, blk, relaxed);
    case QN_AND:
    case QN_NEAR:
        for (int i = 0; i < n->nkid; i++) {
            int m = present(n->kid[i], b, nb, blk, relaxed);
            if (relaxed && m)
                return 1;
            if (!relaxed && !m)
                return 0;
        }
        return !relaxed;
    case QN_OR:
        if (n->hyphen) /* the phrase, the joined word, or all parts */
            return present(n->kid[0], b, nb, blk, 0) ||
                   present(n->kid[1], b, nb, blk, 0) ||
                   present(n->kid[2], b, nb, blk, 0);
        for (int i = 0; i < n->nkid; i++)
            if (present(n->kid[i], b, nb, blk, relaxed))
                return 1;
        return 0;
    }
    return 0;
}

/* A block to read and its bound. */
struct blk {
    int b;
    double ub;
};

static int by_ub(const void *x, const void *y)
{
    const struct blk *a = x, *b = y;
    return a->ub > b->ub ? -1 : a->ub < b->ub ? 1 : a->b - b->b;
}

static int by_block(const void *x, const void *y)
{
    const struct blk *a = x, *b = y;
    return a->b - b->b;
}

/* The most proximity can multiply by (and freshness: twice), and how
 * much more of a short article the search's prior keeps than the one the
 * bounds hold (ts_prior): 1 when it is the same or harsher. */
static double factor_max(const struct rank_query *rq)
{
    const struct plan *p = rq->plan;
    int content = 0;
    for (int u = 0; u < p->nunit; u++)
        content += p->unit[u].content;
    double f = content >= 2 ? (1.0 + rq->params.prox_boost) *
                                  (1.0 + rq->params.pair_boost)
                            : 1.0;
    if (rq->fresh > 0)
        f *= 2.0;
    double len = short_len(&rq->params, p, rq->relaxed), worst = 1.0;
    double upto = len > TS_SHORT_BODY ? len : TS_SHORT_BODY;
    /* b counts whole words, exact in a double */
    // NOLINTNEXTLINE(clang-analyzer-security.FloatLoopCounter)
    for (double b = 0; b <= upto; b++) {
        double r = rank_prior(&rq->params, len, b) / ts_prior(b);
        if (r > worst)
            worst = r;
    }
    return f * worst * (1.0 + 1e-9); /* and a margin for rounding */
}

/* The units of a relaxed search that can still bring an article above
 * theta (MaxScore): the others, with every leaf that does not make an
 * article match a unit of those kept, cannot together.  Fills keep
 * (indexes of units) and returns their number. */
static int essential(const struct rank_query *rq, const struct bounds *b,
                     double theta, double fmax, int *keep)
{
    const struct plan *p = rq->plan;
    int n = 0, *order = mg_malloc(sizeof *order * (size_t)(p->nunit + 1));
    double *ub = mg_calloc((size_t)p->nunit + 1, sizeof *ub);
    for (int u = 0; u < p->nunit; u++) {
        if (!p->unit[u].content)
            continue;
        for (int k = 0; k < p->unit[u].nleaf; k++)
            ub[u] += b->lmax[p->unit[u].leaf[k]];
        order[n++] = u;
    }
    /* least first */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && ub[order[j]] < ub[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    /* every leaf's most: a doc matching only the dropped units holds no
     * leaf that matches a kept unit; but a leaf of a kept unit that does
     * not match it alone (a hyphenated word's part) or a stop word may
     * still be there */
    double free_leaves = 0;
    unsigned char *free_l = mg_calloc((size_t)(p->nleaf ? p->nleaf : 1), 1);
    for (int l = 0; l < p->nleaf; l++)
        free_l[l] = 1;
    for (int u = 0; u < p->nunit; u++)
        if (p->unit[u].content)
            for (int k = 0; k < p->unit[u].nleaf; k++)
                free_l[p->unit[u].leaf[k]] = 0;
    /* hyphen parts match nothing alone: always counted */
    for (int u = 0; u < p->nunit; u++) {
        int *any = NULL, *all = NULL, nany = 0, nall = 0;
        unit_leaves(p->unit[u].node, &any, &nany, &all, &nall, 0);
        for (int k = 0; k < nall; k++)
            free_l[all[k]] = 1;
        free(any);
        free(all);
    }
    for (int l = 0; l < p->nleaf; l++)
        if (free_l[l])
            free_leaves += b->lmax[l];
    free(free_l);
    uint64_t dropped = 0;
    double sum = free_leaves;
    int d = 0;
    for (; d < n; d++) {
        int u = order[d];
        double s = sum + ub[u];
        if (fmax *
                rank_coordination(p, &rq->params, dropped | (uint64_t)1 << u) *
                s >=
            theta)
            break;
        dropped |= (uint64_t)1 << u;
        sum = s;
    }
    int k = 0;
    for (int i = d; i < n; i++)
        keep[k++] = order[i];
    free(order);
    free(ub);
    return k;
}

/* The cost model that joins candidate blocks into one pass: a pass over
 * a rowid range costs a seek per phrase and index segment (about PASS_MS
 * + PHRASE_MS a phrase), stepping through the articles of the pass's
 * first part costs about POSTING_MS each (what the bounds rule out is
 * passed over, article by article, without being scored).  Measured on a
 * 500,000-article index of 11 segments (docs/performance.md). */
#define PASS_MS 0.03
#define PHRASE_MS 0.13
#define POSTING_MS 0.00015

int64_t rank_pass_gap(int nphrase, double density)
{
    double pass_ms = PASS_MS + PHRASE_MS * nphrase;
    return (int64_t)(pass_ms /
                     (POSTING_MS * (density > 1e-6 ? density : 1e-6)));
}

/* A relaxed search's likely best articles first: those holding its two
 * rarest content units (when that is a short list), scored in full, so
 * that the score to beat is high from the first block on and fewer
 * units drive the passes (MaxScore).  They are not scored again. */
#define SEED_MAX_DF 50000
static int seed(const struct rank_query *rq, struct runner *r, struct heap *hp,
                int64_t tail, struct mg_err *err)
{
    const struct plan *p = rq->plan;
    int units[2], n = 0;
    for (int u = 0; u < p->nunit; u++) {
        if (!p->unit[u].content)
            continue;
        if (n < 2) {
            units[n++] = u;
        } else if (p->unit[u].df < p->unit[units[1]].df) {
            units[1] = u;
        }
        if (n == 2 && p->unit[units[1]].df < p->unit[units[0]].df) {
            int t = units[0];
            units[0] = units[1];
            units[1] = t;
        }
    }
    if (n < 2 || p->unit[units[1]].df > SEED_MAX_DF)
        return 0;
    struct plan_expr e = {0};
    plan_expr_seed(p, units, n, &e);
    runner_expr(r, &e);
    hp->seeding = 1;
    int rc = runner_pass(r, 0, tail - 1, seed_push, hp, err);
    hp->seeding = 0;
    if (rc < 0 || hp->failed)
        return -1;
    if (hp->nseen)
        qsort(hp->seen, (size_t)hp->nseen, sizeof *hp->seen, cmp_id);
    r->stats->seeded = hp->nseen;
    /* the passes to come run the driver's expression */
    struct plan_expr d = {0};
    plan_expr_relaxed(p, &d);
    runner_expr(r, &d);
    return 0;
}

/* A ranking under way (rank_top). */
struct top {
    const struct rank_query *rq;
    const struct plan *p;
    struct rank_stats *stats;
    struct heap hp;
    struct runner r;
    struct bounds b;
    int64_t tail;   /* rowids from here on have no bounds */
    double fmax;    /* the most the factors add (factor_max) */
    struct blk *bl; /* the blocks that can hold a match, by bound */
    int nbl;
    double *blk_ub;      /* per block: its bound (HUGE_VAL: changed) */
    unsigned char *done; /* per block: read or ruled out */
    int *keep;           /* the essential units (relaxed) */
};

/* Whether every match is scored: the bounds cannot help (other weights
 * or figures, no statistics, few matches) or are not there.  -1 on an
 * error. */
static int score_all(struct top *t, struct mg_err *err)
{
    const struct rank_query *rq = t->rq;
    const struct plan *p = t->p;
    /* other weights: any other bits, even -0.0, count as other weights */
    const double *w = rq->weights;
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
    int other = w && memcmp(w, TS_WEIGHTS, sizeof TS_WEIGHTS) != 0;
    int all = rq->exhaustive || !p->stats || p->meta.rowid_max <= 0 || other ||
              rq->params.k1 != TS_K1 || rq->params.b != TS_B ||
              rq->params.min_norm > 0;
    double est = 0;
    if (!all) {
        if (rq->relaxed) {
            for (int u = 0; u < p->nunit; u++)
                if (p->unit[u].content)
                    est += (double)p->unit[u].df;
        } else {
            est = p->N;
            for (int u = 0; u < p->nunit; u++)
                if ((double)p->unit[u].df < est)
                    est = (double)p->unit[u].df;
        }
        all = est <= EXHAUSTIVE_DF;
    }
    if (!all) {
        int got = load_bounds(rq, t->tail, &t->b, err);
        if (got < 0)
            return -1;
        all = got == 1;
    }
    return all;
}

/* Scores every match of e (taken): a relaxed search's OR of every word
 * (any) scores only the articles with a content word. */
static int top_all(struct top *t, struct plan_expr *e, int any,
                   struct mg_err *err)
{
    runner_expr(&t->r, e);
    t->r.ctx->need_content = any;
    t->stats->exhaustive = 1;
    if (runner_pass(&t->r, 0, INT64_MAX, heap_push, &t->hp, err) < 0 ||
        t->hp.failed)
        return -1;
    return 0;
}

/* The bound of every block that can hold a match into t->bl (sorted by
 * bound later) and t->blk_ub; the others are done. */
static void block_bounds(struct top *t)
{
    const struct rank_query *rq = t->rq;
    const struct plan *p = t->p;
    const struct bounds *b = &t->b;
    int nb = b->nblocks;
    t->fmax = factor_max(rq);
    t->bl = mg_malloc(sizeof *t->bl * (size_t)(nb ? nb : 1));
    t->blk_ub = mg_malloc(sizeof *t->blk_ub * (size_t)(nb ? nb : 1));
    t->done = mg_calloc((size_t)(nb ? nb : 1), 1);
    for (int blk = 0; blk < nb; blk++) {
        t->blk_ub[blk] = HUGE_VAL;
        if (b->dirty[blk])
            continue;
        uint64_t units = 0;
        int ok = !rq->relaxed;
        for (int u = 0; u < p->nunit; u++) {
            int m = present(p->unit[u].node, b, nb, blk, rq->relaxed);
            if (m)
                units |= (uint64_t)1 << u;
            if (rq->relaxed && m && p->unit[u].content)
                ok = 1;
            if (!rq->relaxed && !m)
                ok = 0;
        }
        if (!ok) {
            t->done[blk] = 1; /* nothing there can match */
            t->stats->skipped++;
            continue;
        }
        double sum = 0;
        for (int l = 0; l < p->nleaf; l++)
            sum += b->lb[(size_t)l * (size_t)nb + blk];
        double ub = t->fmax * sum;
        if (rq->relaxed)
            ub *= rank_coordination(p, &rq->params, units);
        t->blk_ub[blk] = ub;
        t->bl[t->nbl++] = (struct blk){blk, ub};
    }
}

/* The articles added since the bounds, and the blocks changed since, read
 * whole (adjacent changed blocks in one pass). */
static int read_unbounded(struct top *t, struct mg_err *err)
{
    if (runner_pass(&t->r, t->tail, INT64_MAX, heap_push, &t->hp, err) < 0)
        return -1;
    int nb = t->b.nblocks;
    for (int blk = 0; blk < nb; blk++) {
        if (!t->b.dirty[blk])
            continue;
        int hi = blk;
        while (hi + 1 < nb && t->b.dirty[hi + 1])
            hi++;
        if (runner_pass(&t->r, (int64_t)blk << TS_BLOCK_SHIFT,
                        ((int64_t)(hi + 1) << TS_BLOCK_SHIFT) - 1, heap_push,
                        &t->hp, err) < 0)
            return -1;
        for (; blk <= hi; blk++)
            t->done[blk] = 1;
        blk = hi;
    }
    return 0;
}

/* A strict search whose bounds rule out few of the blocks left from i:
 * one pass over them all costs less than a pass per few blocks (what is
 * read already, or below the score to beat, is passed over article by
 * article).  1 when it made that pass, 0 when not worth it, -1. */
static int pass_over_rest(struct top *t, int i, double theta,
                          struct mg_err *err)
{
    int live = 0, left = 0;
    for (int q = i; q < t->nbl; q++)
        if (!t->done[t->bl[q].b]) {
            left++;
            live += t->bl[q].ub >= theta;
        }
    if (left < 8 || live * 4 < left * 3)
        return 0;
    if (runner_pass(&t->r, 0, t->tail - 1, heap_push, &t->hp, err) < 0 ||
        t->hp.failed)
        return -1;
    for (int q = i; q < t->nbl; q++)
        if (!t->done[t->bl[q].b]) {
            t->stats->blocks++;
            t->done[t->bl[q].b] = 1;
        }
    return 1;
}

/* The articles a relaxed pass steps through: the OR of the units that
 * can still reach the page (nkeep of t->keep; < 0: every content unit),
 * at most N. */
static double relaxed_driver(const struct top *t, int nkeep)
{
    const struct plan *p = t->p;
    double driver = 0;
    if (nkeep < 0) {
        for (int u = 0; u < p->nunit; u++)
            if (p->unit[u].content)
                driver += (double)p->unit[u].df;
    } else {
        for (int q = 0; q < nkeep; q++)
            driver += (double)p->unit[t->keep[q]].df;
    }
    return driver > p->N ? p->N : driver;
}

/* Reads the next batch blocks by bound from i (those not done, with a
 * bound reaching theta), in rowid order, blocks at most gap apart in one
 * pass (the ones between read too); *next gets where the next batch
 * starts.  0 or -1. */
static int read_batch(struct top *t, int i, int batch, double theta,
                      int64_t gap, int *next, struct mg_err *err)
{
    int j = i, m = 0;
    struct blk *take = mg_malloc(sizeof *take * (size_t)batch);
    for (; j < t->nbl && m < batch && t->bl[j].ub >= theta; j++)
        if (!t->done[t->bl[j].b])
            take[m++] = t->bl[j];
    qsort(take, (size_t)m, sizeof *take, by_block);
    int rc = 0;
    for (int a = 0; a < m && rc == 0;) {
        int z = a + 1;
        while (z < m && take[z].b - take[z - 1].b - 1 <= gap)
            z++;
        int lo = take[a].b, hi = take[z - 1].b;
        if (runner_pass(&t->r, (int64_t)lo << TS_BLOCK_SHIFT,
                        ((int64_t)hi + 1) * TS_BLOCK - 1, heap_push, &t->hp,
                        err) < 0 ||
            t->hp.failed) {
            rc = -1;
            break;
        }
        for (int q = lo; q <= hi; q++) {
            t->stats->blocks += !t->done[q];
            t->done[q] = 1;
        }
        a = z;
    }
    free(take);
    *next = j;
    return rc;
}

/* The blocks by bound, best first, until no block left can reach the
 * page: a few at a time (doubling up to 64), a relaxed search driven by
 * its essential units only. */
static int walk_blocks(struct top *t, struct mg_err *err)
{
    const struct rank_query *rq = t->rq;
    const struct plan *p = t->p;
    t->keep = mg_malloc(sizeof *t->keep * (size_t)(p->nunit + 1));
    int nkeep = -1, batch = 2;
    /* the articles a pass over everything would step through: the AND's
     * rarest unit, or the OR of the units that can still reach the page */
    double driver = 0;
    if (!rq->relaxed) {
        driver = p->N;
        for (int u = 0; u < p->nunit; u++)
            if ((double)p->unit[u].df < driver)
                driver = (double)p->unit[u].df;
    }
    for (int i = 0; i < t->nbl;) {
        while (i < t->nbl && t->done[t->bl[i].b])
            i++;
        if (i >= t->nbl)
            break;
        double theta = threshold(&t->hp);
        if (t->bl[i].ub < theta)
            break; /* no block left can reach the page */
        if (!rq->relaxed && batch >= 64 && theta > -HUGE_VAL) {
            int all = pass_over_rest(t, i, theta, err);
            if (all < 0)
                return -1;
            if (all)
                break;
        }
        if (rq->relaxed && theta > -HUGE_VAL) {
            int m = essential(rq, &t->b, theta, t->fmax, t->keep);
            if (m != nkeep) { /* fewer units can still reach it */
                struct plan_expr d = {0};
                plan_expr_driver(p, t->keep, m, &d);
                runner_expr(&t->r, &d);
                nkeep = m;
            }
            if (m == 0)
                break;
        }
        if (rq->relaxed)
            driver = relaxed_driver(t, nkeep);
        /* a pass costs a seek per phrase and segment; stepping through
         * articles costs little: blocks close enough go in one pass */
        int64_t gap =
            rank_pass_gap(t->r.expr.nphrase, driver / p->N) / TS_BLOCK;
        if (read_batch(t, i, batch, theta, gap, &i, err) < 0)
            return -1;
        if (batch < 64)
            batch *= 2;
    }
    for (int blk = 0; blk < t->b.nblocks; blk++)
        t->stats->skipped += !t->done[blk];
    return 0;
}

/* The expression every match is scored with: a relaxed search scoring
 * everything reads one OR of all the words (*any) when the stop words'
 * articles are not many more than the others' (cheaper than an AND). */
static void first_expr(const struct top *t, int all, struct plan_expr *e,
                       int *any)
{
    const struct plan *p = t->p;
    *any = 0;
    if (t->rq->relaxed && all) {
        double content = 0, every = 0;
        for (int u = 0; u < p->nunit; u++)
            if (p->unit[u].content)
                content += (double)p->unit[u].df;
        for (int l = 0; l < p->nleaf; l++)
            every += (double)p->leaf[l].df;
        *any = every <= 3 * content;
    }
    if (*any)
        plan_expr_any(p, e);
    else if (t->rq->relaxed)
        plan_expr_relaxed(p, e);
    else
        plan_expr_strict(p, e);
}

/* Scores what it must of a search whose bounds can help: the blocks by
 * bound, each article passed over by its block's bound and by its own
 * words' bounds in it (the runner's context reads them). */
static int top_pruned(struct top *t, struct plan_expr *e, struct mg_err *err)
{
    block_bounds(t);
    struct runner *r = &t->r;
    r->nblocks = t->b.nblocks;
    r->blk_ub = t->blk_ub;
    r->lb = t->b.lb;
    r->done = t->done;
    r->dirty = t->b.dirty;
    r->theta = &t->hp.theta;
    r->fmax = t->fmax;
    runner_expr(r, e);
    if (read_unbounded(t, err) < 0)
        return -1;
    qsort(t->bl, (size_t)t->nbl, sizeof *t->bl, by_ub);
    if (t->rq->relaxed && seed(t->rq, r, &t->hp, t->tail, err) < 0)
        return -1;
    return walk_blocks(t, err);
}

int rank_top(const struct rank_query *rq, int k, struct rank_hit *out, int *n,
             struct rank_stats *stats, struct mg_err *err)
{
    const struct plan *p = rq->plan;
    struct rank_stats dummy = {0};
    struct top t = {.rq = rq, .p = p, .stats = stats ? stats : &dummy};
    memset(t.stats, 0, sizeof *t.stats);
    *n = 0;
    t.hp =
        (struct heap){.h = mg_malloc(sizeof *t.hp.h * (size_t)(k > 0 ? k : 1)),
                      .k = k > 0 ? k : 0,
                      .rq = rq,
                      .theta = -HUGE_VAL};
    if (runner_open(&t.r, rq, t.stats, err) < 0) {
        free(t.hp.h);
        return -1;
    }
    t.tail = (p->meta.rowid_max >> TS_BLOCK_SHIFT) << TS_BLOCK_SHIFT;
    int rc = -1, all = score_all(&t, err);
    if (all >= 0) {
        struct plan_expr e = {0};
        int any;
        first_expr(&t, all, &e, &any);
        rc = all ? top_all(&t, &e, any, err) : top_pruned(&t, &e, err);
    }
    t.stats->passed_over = t.r.skipped;
    if (rc == 0) {
        qsort(t.hp.h, (size_t)t.hp.n, sizeof *t.hp.h, by_hit);
        memcpy(out, t.hp.h, sizeof *out * (size_t)t.hp.n);
        *n = t.hp.n;
    }
    if (t.hp.failed && rc == 0)
        rc = -1;
    free(t.hp.h);
    free(t.hp.seen);
    free(t.bl);
    free(t.blk_ub);
    free(t.done);
    free(t.keep);
    bounds_free(&t.b);
    runner_close(&t.r);
    return rc;
}
