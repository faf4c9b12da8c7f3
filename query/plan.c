/*
 * plan.c - a parsed query resolved against the index's word statistics
 * (plan.h).
 */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_sql.h"
#include "strmap.h"

static int field_col(const char *field)
{
    /* the columns a query may name: all but the entities */
    for (int i = 0; field && i < ART_ENTITIES; i++)
        if (strcmp(field, ART_COL_NAMES[i]) == 0)
            return i;
    return -1;
}

/* The planner's state while it resolves a query. */
struct planner {
    struct store *store; /* NULL when the statistics come from elsewhere */
    const struct plan_stats *src;
    struct tok *tok;
    struct plan *p;
    struct strmap keys;    /* key -> index in p->key */
    struct strmap leaves;  /* "col\tphrase" -> index in p->leaf */
    struct strmap xleaves; /* ... in p->xleaf */
    struct strmap shares;  /* prefix key -> the words it may stand for */
    struct mg_err *err;
    int failed; /* PLAN_ERROR, PLAN_USAGE (enum plan_result) */
};

/* The store failed: the first failure is the one err reports. */
static void store_failed(struct planner *pl, const struct mg_err *e)
{
    if (!pl->failed) {
        *pl->err = *e;
        pl->failed = PLAN_ERROR;
    }
}

/* The index of key k in the plan, looked up in the statistics when new. */
static int key_of(struct planner *pl, const char *k, int n)
{
    char *s = mg_strndup(k, (size_t)n);
    int64_t *slot = strmap_slot(&pl->keys, s, 1);
    if (*slot >= 0) {
        free(s);
        return (int)*slot;
    }
    struct plan *p = pl->p;
    p->key = mg_realloc(p->key, sizeof *p->key * (size_t)(p->nkey + 1));
    struct plan_key *key = &p->key[p->nkey];
    memset(key, 0, sizeof *key);
    key->key = s;
    struct store_word w;
    struct mg_err e;
    if (pl->src->word(pl->src->ctx, s, n, &w, &e) < 0)
        store_failed(pl, &e);
    key->df = w.df;
    key->sdf = w.sdf;
    key->cdf = w.cdf;
    key->bounded = w.bounded;
    *slot = p->nkey;
    return p->nkey++;
}

/* Tokens of a query text, by position. */
struct qtok {
    struct buf bytes;
    int *off, *len, *pos, *marked;
    int n, cap, npos;
};

static int qtok_cb(void *ctx, int flags, const char *t, int n, int s, int e)
{
    (void)s, (void)e;
    struct qtok *q = ctx;
    if (!(flags & FTS5_TOKEN_COLOCATED) || q->npos == 0)
        q->npos++;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->off = mg_realloc(q->off, sizeof *q->off * (size_t)q->cap);
        q->len = mg_realloc(q->len, sizeof *q->len * (size_t)q->cap);
        q->pos = mg_realloc(q->pos, sizeof *q->pos * (size_t)q->cap);
        q->marked = mg_realloc(q->marked, sizeof *q->marked * (size_t)q->cap);
    }
    int marked = n > 0 && t[0] == TOK_STEM_MARK;
    q->off[q->n] = (int)q->bytes.len;
    q->len[q->n] = n - marked;
    q->pos[q->n] = q->npos - 1;
    q->marked[q->n] = marked;
    buf_add(&q->bytes, t + marked, (size_t)(n - marked));
    q->n++;
    return 0;
}

static void qtok_free(struct qtok *q)
{
    buf_free(&q->bytes);
    free(q->off);
    free(q->len);
    free(q->pos);
    free(q->marked);
}

static void add_alt(struct plan_pos *ps, int key, int cls)
{
    for (int i = 0; i < ps->nalt; i++)
        if (ps->alt[i].key == key) {
            ps->alt[i].cls |= cls;
            return;
        }
    ps->alt = mg_realloc(ps->alt, sizeof *ps->alt * (size_t)(ps->nalt + 1));
    ps->alt[ps->nalt++] = (struct plan_alt){key, cls};
}

/* A word the prefix being expanded stands for (store_word_prefix). */
struct expansion {
    struct planner *pl;
    struct plan_pos *ps;
    int kept;
};

static void expand_one(void *ctx, const char *key, int len)
{
    struct expansion *x = ctx;
    add_alt(x->ps, key_of(x->pl, key, len), 0);
    x->kept++;
}

/* Expands the prefix at the last position of a leaf (token k, n bytes)
 * to the most frequent words starting so. */
static void expand_prefix(struct planner *pl, struct plan_pos *ps,
                          const char *k, int n)
{
    struct plan *p = pl->p;
    char *lo = mg_strndup(k, (size_t)n);
    int want = (int)strmap_get(&pl->shares, lo);
    free(lo);
    if (want <= 0) /* (every prefix has its share) */
        want = PLAN_MAX_EXPANSION;
    struct expansion x = {pl, ps, 0};
    int64_t of64 = 0;
    struct mg_err e;
    if (pl->src->word_prefix(pl->src->ctx, k, n, want, expand_one, &x, &of64,
                             &e) < 0)
        store_failed(pl, &e);
    int of = (int)of64, kept = x.kept;
    p->expanded += kept;
    if (kept < of) {
        p->narrowed = mg_realloc(p->narrowed, sizeof *p->narrowed *
                                                  (size_t)(p->nnarrowed + 1));
        struct plan_narrow *w = &p->narrowed[p->nnarrowed++];
        w->prefix = mg_strndup(k, (size_t)n);
        w->kept = kept;
        w->of = of;
    }
    if (!ps->nalt) /* nothing starts so: a key no article has */
        add_alt(ps, key_of(pl, k, n), 0);
}

/* Appends the FTS5 phrase of positions ps[0..n) (TOK_QUERY_KEYS form). */
static void phrase_text(const struct plan *p, const struct plan_pos *ps, int n,
                        struct buf *b)
{
    buf_addc(b, '"');
    buf_addc(b, TOK_QUERY_KEYS);
    for (int i = 0; i < n; i++) {
        if (i)
            buf_addc(b, TOK_KEY_NEXT);
        for (int a = 0; a < ps[i].nalt; a++) {
            buf_addc(b, ps[i].alt[a].cls ? TOK_KEY_CLASS : TOK_KEY_EXACT);
            for (const char *c = p->key[ps[i].alt[a].key].key; *c; c++) {
                if (*c == '"')
                    buf_addc(b, '"');
                buf_addc(b, *c);
            }
        }
    }
    buf_addc(b, '"');
}

/* The articles a position matches: one key's count, or for several
 * alternatives (an acronym and its plain form, a prefix's words) the
 * largest (prefix: the sum, at most N). */
static double pos_df(const struct plan *p, const struct plan_pos *ps,
                     int prefix)
{
    double best = 0, sum = 0;
    for (int a = 0; a < ps->nalt; a++) {
        const struct plan_key *k = &p->key[ps->alt[a].key];
        double d = (double)(ps->alt[a].cls ? k->cdf : k->df);
        sum += d;
        if (d > best)
            best = d;
    }
    if (prefix)
        return sum < p->N ? sum : p->N;
    return best;
}

/* The leaf of term node t, added when new; -1 on failure. */
/* Term node t's tokens into q, as the index has them: 0, or -1 (q
 * freed) when it has none or (failing the plan) its prefix is shorter
 * than PLAN_MIN_PREFIX letters. */
static int term_tokens(struct planner *pl, const struct qnode *t,
                       struct qtok *q)
{
    const char *text = t->text;
    if ((t->mode == QT_STEM || t->as_typed) && strcmp(text, "US") == 0)
        text = "U.S."; /* a bare "US" in a query is the country */
    tok_run(pl->tok, t->mode == QT_STEM ? TOK_MODE_STEM : TOK_MODE_EXACT, text,
            (int)strlen(text), qtok_cb, q);
    if (q->npos == 0) {
        qtok_free(q);
        return -1;
    }
    if (t->mode != QT_PREFIX)
        return 0;
    /* the prefix is the last position's token */
    int last = q->n - 1, chars = 0;
    for (int i = 0; i < q->len[last]; i++)
        chars += ((unsigned char)q->bytes.s[q->off[last] + i] & 0xC0) != 0x80;
    if (chars < PLAN_MIN_PREFIX && !pl->failed) {
        mg_fail(pl->err,
                "prefix \"%s*\" too short: at least %d letters before "
                "the *",
                t->text, PLAN_MIN_PREFIX);
        pl->failed = PLAN_USAGE;
        qtok_free(q);
        return -1;
    }
    return 0;
}

static int leaf_of(struct planner *pl, const struct qnode *t)
{
    struct plan *p = pl->p;
    struct qtok q = {0};
    if (term_tokens(pl, t, &q) < 0)
        return -1;
    struct plan_pos *ps = mg_calloc((size_t)q.npos, sizeof *ps);
    for (int i = 0; i < q.n; i++) {
        struct plan_pos *at = &ps[q.pos[i]];
        const char *k = q.bytes.s + q.off[i];
        if (t->mode == QT_PREFIX && q.pos[i] == q.npos - 1) {
            if (!at->nalt)
                expand_prefix(pl, at, k, q.len[i]);
            continue;
        }
        /* in stem mode a word gives its stem and the marked stem: one
         * class key */
        add_alt(at, key_of(pl, k, q.len[i]), q.marked[i]);
    }
    /* a class key no article holds in its marked form is just the word:
     * FTS5 then merges one doclist, not two */
    for (int i = 0; i < q.npos; i++)
        for (int a = 0; a < ps[i].nalt; a++)
            if (ps[i].alt[a].cls && p->key[ps[i].alt[a].key].sdf == 0 &&
                p->stats)
                ps[i].alt[a].cls = 0;
    qtok_free(&q);
    struct buf b = {0};
    int col = field_col(t->field);
    buf_printf(&b, "%d\t", col);
    phrase_text(p, ps, q.npos, &b);
    int64_t *slot = strmap_slot(&pl->leaves, b.s, 1);
    if (*slot >= 0) {
        for (int i = 0; i < q.npos; i++)
            free(ps[i].alt);
        free(ps);
        buf_free(&b);
        return (int)*slot;
    }
    p->leaf = mg_realloc(p->leaf, sizeof *p->leaf * (size_t)(p->nleaf + 1));
    struct plan_leaf *l = &p->leaf[p->nleaf];
    memset(l, 0, sizeof *l);
    l->fts = mg_strdup(strchr(b.s, '\t') + 1);
    buf_free(&b);
    l->col = col;
    l->pos = ps;
    l->npos = q.npos;
    l->unit = -1;
    l->stop = t->stop;
    l->as_typed = t->as_typed;
    l->bounded = p->stats;
    double df = p->N;
    for (int i = 0; i < l->npos; i++) {
        double d = pos_df(p, &ps[i], t->mode == QT_PREFIX && i == l->npos - 1);
        if (d < df)
            df = d;
        for (int a = 0; a < ps[i].nalt; a++)
            l->bounded &= p->key[ps[i].alt[a].key].bounded;
    }
    if (!p->stats && pl->store) {
        /* no statistics yet (an index being built): count it */
        int64_t n = 0;
        struct mg_err e;
        if (sq_count_expr(pl->store, l->fts, &n, &e) == 0)
            df = (double)n;
    }
    l->df = (int64_t)df;
    l->idf = ts_idf(df, p->N);
    *slot = p->nleaf;
    return p->nleaf++;
}

/* Adds leaf i to unit u's list (once). */
static void unit_leaf(struct plan_unit *u, int i)
{
    for (int k = 0; k < u->nleaf; k++)
        if (u->leaf[k] == i)
            return;
    u->leaf = mg_realloc(u->leaf, sizeof *u->leaf * (size_t)(u->nleaf + 1));
    u->leaf[u->nleaf++] = i;
}

/* Resolves the terms under n, an exclusion, into p->xleaf. */
static void resolve_excluded(struct planner *pl, const struct qnode *n)
{
    struct plan *p = pl->p;
    if (n->kind == QN_TERM) {
        /* leaf_of works on p->leaf: lend it the exclusions' array */
        struct plan_leaf *keep = p->leaf;
        int nkeep = p->nleaf;
        struct strmap seen = pl->leaves;
        p->leaf = p->xleaf;
        p->nleaf = p->nxleaf;
        pl->leaves = pl->xleaves;
        int i = leaf_of(pl, n);
        p->xleaf = p->leaf;
        p->nxleaf = p->nleaf;
        pl->xleaves = pl->leaves;
        p->leaf = keep;
        p->nleaf = nkeep;
        pl->leaves = seen;
        ((struct qnode *)n)->leaf = i;
        return;
    }
    for (int i = 0; i < n->nkid; i++)
        resolve_excluded(pl, n->kid[i]);
}

/* Resolves the terms under n into leaves of unit u; returns n's estimated
 * article count. */
static double resolve(struct planner *pl, const struct qnode *n, int u)
{
    struct plan *p = pl->p;
    switch (n->kind) {
    case QN_TERM: {
        int i = leaf_of(pl, n);
        ((struct qnode *)n)->leaf = i;
        if (i < 0)
            return 0;
        if (p->leaf[i].unit < 0)
            p->leaf[i].unit = u;
        unit_leaf(&p->unit[u], i);
        return (double)p->leaf[i].df;
    }
    case QN_AND:
    case QN_NEAR: {
        double d = p->N;
        for (int i = 0; i < n->nkid; i++) {
            double k = resolve(pl, n->kid[i], u);
            if (k < d)
                d = k;
        }
        return d;
    }
    case QN_OR: {
        double d = 0;
        for (int i = 0; i < n->nkid; i++)
            d += resolve(pl, n->kid[i], u);
        return d < p->N ? d : p->N;
    }
    case QN_NOT:
        /* the exclusions are not scored: not leaves */
        for (int i = 1; i < n->nkid; i++)
            resolve_excluded(pl, n->kid[i]);
        return n->nkid ? resolve(pl, n->kid[0], u) : 0;
    }
    return 0;
}

/* Reads N and the mean length: from the statistics, or (none yet) from
 * FTS5's lengths. */
static int totals(struct planner *pl)
{
    struct plan *p = pl->p;
    struct store_corpus c;
    if (pl->src->corpus(pl->src->ctx, &c, pl->err) < 0) {
        pl->failed = PLAN_ERROR;
        return -1;
    }
    p->meta = c.meta;
    p->stats = c.stats;
    int64_t docs = c.docs, tokens = c.tokens;
    if (p->stats) {
        p->N = (double)docs;
        p->avgdl = (double)tokens / p->N;
        return 0;
    }
    p->N = docs > 0 ? (double)docs : 1.0;
    p->avgdl = docs > 0 && tokens > 0 ? (double)tokens / (double)docs : 1.0;
    return 0;
}

static void free_leaves(struct plan_leaf *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].fts);
        for (int k = 0; k < v[i].npos; k++)
            free(v[i].pos[k].alt);
        free(v[i].pos);
    }
    free(v);
}

static void plan_clear_leaves(struct plan *p)
{
    free_leaves(p->leaf, p->nleaf);
    p->leaf = NULL;
    p->nleaf = 0;
    free_leaves(p->xleaf, p->nxleaf);
    p->xleaf = NULL;
    p->nxleaf = 0;
    for (int i = 0; i < p->nunit; i++)
        free(p->unit[i].leaf);
    free(p->unit);
    p->unit = NULL;
    p->nunit = 0;
}

/* A prefix of the query and the number of words starting so. */
struct share {
    char *key;
    int of, give;
};

/* Collects the prefixes under n into *sh (each key once). */
static void find_prefixes(struct planner *pl, const struct qnode *n,
                          struct share **sh, int *nsh)
{
    for (int i = 0; i < n->nkid; i++)
        find_prefixes(pl, n->kid[i], sh, nsh);
    if (n->kind != QN_TERM || n->mode != QT_PREFIX)
        return;
    struct qtok q = {0};
    tok_run(pl->tok, TOK_MODE_EXACT, n->text, (int)strlen(n->text), qtok_cb,
            &q);
    if (q.n > 0) {
        const char *k = q.bytes.s + q.off[q.n - 1];
        int len = q.len[q.n - 1];
        int dup = 0;
        for (int i = 0; i < *nsh && !dup; i++)
            dup = strlen((*sh)[i].key) == (size_t)len &&
                  memcmp((*sh)[i].key, k, (size_t)len) == 0;
        if (!dup) {
            int64_t of = 0;
            struct mg_err e;
            if (pl->src->word_prefix(pl->src->ctx, k, len, 0, NULL, NULL, &of,
                                     &e) < 0)
                store_failed(pl, &e);
            char *lo = mg_strndup(k, (size_t)len);
            *sh = mg_realloc(*sh, sizeof **sh * (size_t)(*nsh + 1));
            (*sh)[(*nsh)++] = (struct share){lo, (int)of, 0};
        }
    }
    qtok_free(&q);
}

static int by_of(const void *x, const void *y)
{
    const struct share *a = x, *b = y;
    return (a->of > b->of) - (a->of < b->of);
}

/* Shares PLAN_MAX_EXPANDED words among the query's prefixes, whatever
 * their order: each at most PLAN_MAX_EXPANSION, a prefix of few words
 * all of them, the others equal parts of the rest (at least one). */
static void share_prefixes(struct planner *pl, const struct qparse_out *q)
{
    strmap_free(&pl->shares);
    struct share *sh = NULL;
    int n = 0;
    for (int i = 0; i < q->nunit; i++)
        find_prefixes(pl, q->unit[i], &sh, &n);
    for (int i = 0; i < q->nneg; i++)
        find_prefixes(pl, q->neg[i], &sh, &n);
    if (n > 1)
        qsort(sh, (size_t)n, sizeof *sh, by_of);
    int room = PLAN_MAX_EXPANDED;
    for (int i = 0; i < n; i++) {
        int part = room / (n - i);
        int give = sh[i].of < part ? sh[i].of : part;
        if (give > PLAN_MAX_EXPANSION)
            give = PLAN_MAX_EXPANSION;
        if (give < 1 && sh[i].of > 0)
            give = 1;
        room -= give;
        *strmap_slot(&pl->shares, sh[i].key, 1) = give;
    }
    for (int i = 0; i < n; i++)
        free(sh[i].key);
    free(sh);
}

/* Resolves every unit of q into p's leaves and units. */
static void resolve_units(struct planner *pl, const struct qparse_out *q)
{
    struct plan *p = pl->p;
    strmap_free(&pl->leaves);
    strmap_free(&pl->xleaves);
    share_prefixes(pl, q);
    for (int i = 0; i < q->nneg; i++)
        resolve_excluded(pl, q->neg[i]);
    p->unit = mg_calloc((size_t)(q->nunit ? q->nunit : 1), sizeof *p->unit);
    p->nunit = q->nunit;
    for (int u = 0; u < q->nunit && !pl->failed; u++) {
        struct plan_unit *un = &p->unit[u];
        un->node = q->unit[u];
        un->stop = q->unit[u]->kind == QN_TERM && q->unit[u]->stop;
        double df = resolve(pl, q->unit[u], u);
        un->df = (int64_t)df;
        un->w = ts_idf(df, p->N);
    }
}

static int by_weight(const void *x, const void *y, void *ctx)
{
    const struct plan *p = ctx;
    const int a = *(const int *)x, b = *(const int *)y;
    /* a word no article holds (a typo, a made-up name) can match
     * nothing: below the stop words */
    double wa = p->unit[a].df == 0 ? -2 : p->unit[a].stop ? -1 : p->unit[a].w;
    double wb = p->unit[b].df == 0 ? -2 : p->unit[b].stop ? -1 : p->unit[b].w;
    if (wa != wb)
        return wa > wb ? -1 : 1;
    return a - b;
}

/* The user's words of unit n (not the FTS5 form; caller frees). */
static char *unit_words(const struct qnode *n)
{
    struct buf b = {0};
    qnode_fts(n, qterm_plain, NULL, &b);
    struct buf w = {0};
    for (const char *c = b.s; c && *c; c++)
        if ((unsigned char)*c >= 0x20 && *c != '"')
            buf_addc(&w, *c);
    buf_free(&b);
    return buf_take(&w);
}

/* A long query keeps its PLAN_MAX_UNITS units of the highest weight
 * (stop words, then words no article holds, last), in their order; the
 * others are dropped from q and listed once each in p->dropped unless a
 * unit kept says the same. */
static void keep_informative(struct plan *p, struct qparse_out *q)
{
    if (q->nunit <= PLAN_MAX_UNITS)
        return;
    int *order = mg_malloc(sizeof *order * (size_t)q->nunit);
    for (int i = 0; i < q->nunit; i++)
        order[i] = i;
    qsort_r(order, (size_t)q->nunit, sizeof *order, by_weight, p);
    char *keep = mg_calloc((size_t)q->nunit, 1);
    for (int i = 0; i < PLAN_MAX_UNITS; i++)
        keep[order[i]] = 1;
    /* the dropped ones, least informative first */
    struct strmap said = {0};
    for (int i = 0; i < PLAN_MAX_UNITS; i++) {
        char *w = unit_words(q->unit[order[i]]);
        *strmap_slot(&said, w, 1) = 1;
        free(w);
    }
    for (int i = q->nunit - 1; i >= PLAN_MAX_UNITS; i--) {
        char *w = unit_words(q->unit[order[i]]);
        if (*strmap_slot(&said, w, 1) >= 0) {
            free(w);
            continue;
        }
        *strmap_slot(&said, w, 1) = 1;
        p->dropped = mg_realloc(p->dropped,
                                sizeof *p->dropped * (size_t)(p->ndropped + 1));
        p->dropped[p->ndropped++] = w;
    }
    strmap_free(&said);
    int n = 0;
    for (int i = 0; i < q->nunit; i++) {
        if (keep[i]) {
            q->unit[n++] = q->unit[i];
        } else {
            qnode_free(q->unit[i]);
        }
    }
    q->nunit = n;
    free(keep);
    free(order);
}

/* The FTS5 store as a source of statistics. */
static int st_word(void *ctx, const char *key, int n, struct store_word *w,
                   struct mg_err *err)
{
    return store_word(ctx, key, n, w, err);
}

static int st_word_prefix(void *ctx, const char *prefix, int n, int want,
                          store_word_fn fn, void *fctx, int64_t *of,
                          struct mg_err *err)
{
    return store_word_prefix(ctx, prefix, n, want, fn, fctx, of, err);
}

static int st_corpus(void *ctx, struct store_corpus *c, struct mg_err *err)
{
    return store_corpus(ctx, c, err);
}

static int plan_run(struct store *st, const struct plan_stats *src,
                    struct tok *t, struct qparse_out *q, struct plan *p,
                    struct mg_err *err);

int plan_make(struct store *st, struct tok *t, struct qparse_out *q,
              struct plan *p, struct mg_err *err)
{
    struct plan_stats src = {st, st_word, st_word_prefix, st_corpus};
    return plan_run(st, &src, t, q, p, err);
}

int plan_make_from(const struct plan_stats *src, struct tok *t,
                   struct qparse_out *q, struct plan *p, struct mg_err *err)
{
    return plan_run(NULL, src, t, q, p, err);
}

static int plan_run(struct store *st, const struct plan_stats *src,
                    struct tok *t, struct qparse_out *q, struct plan *p,
                    struct mg_err *err)
{
    memset(p, 0, sizeof *p);
    p->q = q;
    struct planner pl = {.store = st, .src = src, .tok = t, .p = p, .err = err};
    if (totals(&pl) < 0)
        goto done;
    resolve_units(&pl, q);
    if (!pl.failed && q->nunit > PLAN_MAX_UNITS) {
        keep_informative(p, q);
        plan_clear_leaves(p);
        p->expanded = 0;
        for (int i = 0; i < p->nnarrowed; i++)
            free(p->narrowed[i].prefix);
        free(p->narrowed);
        p->narrowed = NULL;
        p->nnarrowed = 0;
        resolve_units(&pl, q);
    }
    /* stop words count in the coordination only when nothing else does */
    for (int u = 0; u < p->nunit; u++)
        p->ncontent += !p->unit[u].stop;
    for (int u = 0; u < p->nunit; u++) {
        p->unit[u].content = !p->unit[u].stop || !p->ncontent;
        if (p->unit[u].content)
            p->wsum += p->unit[u].w;
    }
    if (!p->ncontent)
        p->ncontent = p->nunit;
done:
    strmap_free(&pl.keys);
    strmap_free(&pl.leaves);
    strmap_free(&pl.xleaves);
    strmap_free(&pl.shares);
    return pl.failed == PLAN_USAGE ? PLAN_USAGE
           : pl.failed             ? PLAN_ERROR
                                   : PLAN_OK;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    plan_clear_leaves(p);
    for (int i = 0; i < p->nkey; i++)
        free(p->key[i].key);
    free(p->key);
    for (int i = 0; i < p->nnarrowed; i++)
        free(p->narrowed[i].prefix);
    free(p->narrowed);
    for (int i = 0; i < p->ndropped; i++)
        free(p->dropped[i]);
    free(p->dropped);
    memset(p, 0, sizeof *p);
}

/* ---- expressions -------------------------------------------------------- */

static void expr_phrase(struct plan_expr *e, int leaf)
{
    if (e->nphrase == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->leaf = mg_realloc(e->leaf, sizeof *e->leaf * (size_t)e->cap);
    }
    e->leaf[e->nphrase++] = leaf;
}

/* Appends leaf i (its field first unless bare), scored or not. */
static void emit_leaf(struct plan_expr *e, const struct plan *p, int i,
                      int scored, int bare, int neg)
{
    const struct plan_leaf *l = neg ? &p->xleaf[i] : &p->leaf[i];
    scored = scored && !neg;
    if (l->col >= 0 && !bare)
        buf_printf(&e->text, "%s : ", ART_COL_NAMES[l->col]);
    buf_adds(&e->text, l->fts);
    expr_phrase(e, scored ? i : -1);
}

/* A phrase that matches nothing, for a term that resolved to no leaf
 * (cannot happen after a successful plan_make; kept for safety). */
static void emit_nothing(struct plan_expr *e)
{
    buf_addc(&e->text, '"');
    buf_addc(&e->text, TOK_QUERY_KEYS);
    buf_addc(&e->text, TOK_KEY_EXACT);
    buf_adds(&e->text, "\x7f\"");
    expr_phrase(e, -1);
}

/* Appends node n as typed; its exclusions never scored. */
static void emit_node(struct plan_expr *e, const struct plan *p,
                      const struct qnode *n, int scored, int neg)
{
    if (n->kind == QN_TERM) {
        if (n->leaf >= 0)
            emit_leaf(e, p, n->leaf, scored, 0, neg);
        else
            emit_nothing(e);
        return;
    }
    if (n->kind == QN_NEAR) {
        if (n->field)
            buf_printf(&e->text, "%s : ", n->field);
        buf_adds(&e->text, "NEAR(");
        for (int i = 0; i < n->nkid; i++) {
            if (i)
                buf_addc(&e->text, ' ');
            if (n->kid[i]->leaf >= 0)
                emit_leaf(e, p, n->kid[i]->leaf, scored, 1, neg);
            else
                emit_nothing(e);
        }
        buf_printf(&e->text, ", %ld)", n->dist);
        return;
    }
    static const char *const OP[] = {"", " AND ", " OR ", " NOT ", ""};
    for (int i = 0; i < n->nkid; i++) {
        if (i)
            buf_adds(&e->text, OP[n->kind]);
        int par = qnode_needs_parens(n->kid[i], n->kind);
        if (par)
            buf_addc(&e->text, '(');
        emit_node(e, p, n->kid[i], scored && !(n->kind == QN_NOT && i > 0),
                  neg || (n->kind == QN_NOT && i > 0));
        if (par)
            buf_addc(&e->text, ')');
    }
}

/* Appends the relaxed form of node n: any of its words (a hyphenated word
 * stays as it is: its parts apart need each other). */
static void emit_relaxed(struct plan_expr *e, const struct plan *p,
                         const struct qnode *n, int scored, int *first)
{
    if (n->kind == QN_TERM || (n->kind == QN_OR && n->hyphen)) {
        if (!*first)
            buf_adds(&e->text, " OR ");
        *first = 0;
        int par = n->kind != QN_TERM;
        if (par)
            buf_addc(&e->text, '(');
        emit_node(e, p, n, scored, 0);
        if (par)
            buf_addc(&e->text, ')');
        return;
    }
    int upto = n->kind == QN_NOT ? 1 : n->nkid;
    for (int i = 0; i < upto; i++) {
        const struct qnode *k = n->kid[i];
        emit_relaxed(e, p, k, scored, first); /* NEAR's words have its
                                               * field */
    }
}

/* Whether unit node n gives every leaf under it at a matching article by
 * its own phrases: a plain phrase, or an OR of plain phrases. */
static int self_scoring(const struct qnode *n)
{
    if (n->kind == QN_TERM)
        return 1;
    if (n->kind != QN_OR || n->hyphen)
        return 0;
    for (int i = 0; i < n->nkid; i++)
        if (n->kid[i]->kind != QN_TERM)
            return 0;
    return 1;
}

/* An expression that selects the articles by its own phrases: with self,
 * they are the ones scored; without, it is ANDed with the OR of every
 * leaf, scored.  expr_open, the selecting part, then expr_close. */
static void expr_open(struct plan_expr *e, int self)
{
    buf_adds(&e->text, self ? "(" : "((");
}

static void expr_close(struct plan_expr *e, const struct plan *p, int self)
{
    if (!self) {
        buf_adds(&e->text, ") AND (");
        plan_expr_leaves(p, e);
        buf_addc(&e->text, ')');
    }
    buf_addc(&e->text, ')');
}

void plan_expr_excluded(const struct plan *p, struct plan_expr *e)
{
    for (int i = 0; i < p->q->nneg; i++) {
        if (i)
            buf_adds(&e->text, " OR ");
        buf_addc(&e->text, '(');
        emit_node(e, p, p->q->neg[i], 0, 1);
        buf_addc(&e->text, ')');
    }
}

void plan_expr_unit(const struct plan *p, int u, int scored,
                    struct plan_expr *e)
{
    emit_node(e, p, p->unit[u].node, scored, 0);
}

void plan_expr_strict(const struct plan *p, struct plan_expr *e)
{
    int self = 1;
    for (int u = 0; u < p->nunit; u++)
        self &= self_scoring(p->unit[u].node);
    /* the rarest unit first: FTS5 steps through an AND's first part and
     * seeks the others to it */
    int *order = mg_malloc(sizeof *order * (size_t)(p->nunit ? p->nunit : 1));
    for (int u = 0; u < p->nunit; u++) {
        int i = u;
        while (i > 0 && p->unit[order[i - 1]].df > p->unit[u].df) {
            order[i] = order[i - 1];
            i--;
        }
        order[i] = u;
    }
    expr_open(e, self);
    for (int i = 0; i < p->nunit; i++) {
        if (i)
            buf_adds(&e->text, " AND ");
        buf_addc(&e->text, '(');
        emit_node(e, p, p->unit[order[i]].node, self, 0);
        buf_addc(&e->text, ')');
    }
    free(order);
    expr_close(e, p, self);
}

void plan_expr_driver(const struct plan *p, const int *units, int n,
                      struct plan_expr *e)
{
    /* scored by its own phrases when it holds every leaf as a plain
     * phrase: all the units, each a plain term, none a stop word left
     * out */
    int self = n == p->nunit;
    for (int i = 0; i < n && self; i++)
        self = p->unit[units[i]].node->kind == QN_TERM;
    expr_open(e, self);
    int first = 1;
    for (int i = 0; i < n; i++)
        emit_relaxed(e, p, p->unit[units[i]].node, self, &first);
    if (first) /* no unit: nothing matches */
        emit_nothing(e);
    expr_close(e, p, self);
}

void plan_expr_seed(const struct plan *p, const int *units, int n,
                    struct plan_expr *e)
{
    expr_open(e, 0);
    for (int i = 0; i < n; i++) {
        int first = 1;
        if (i)
            buf_adds(&e->text, " AND ");
        buf_addc(&e->text, '(');
        emit_relaxed(e, p, p->unit[units[i]].node, 0, &first);
        if (first)
            emit_nothing(e);
        buf_addc(&e->text, ')');
    }
    expr_close(e, p, 0);
}

void plan_expr_relaxed(const struct plan *p, struct plan_expr *e)
{
    int *units = mg_malloc(sizeof *units * (size_t)(p->nunit ? p->nunit : 1));
    int n = 0;
    for (int u = 0; u < p->nunit; u++)
        if (p->unit[u].content)
            units[n++] = u;
    plan_expr_driver(p, units, n, e);
    free(units);
}

void plan_expr_leaves(const struct plan *p, struct plan_expr *e)
{
    for (int i = 0; i < p->nleaf; i++) {
        if (i)
            buf_adds(&e->text, " OR ");
        emit_leaf(e, p, i, 1, 0, 0);
    }
}

void plan_expr_any(const struct plan *p, struct plan_expr *e)
{
    buf_addc(&e->text, '(');
    plan_expr_leaves(p, e);
    buf_addc(&e->text, ')');
}

void plan_expr_free(struct plan_expr *e)
{
    buf_free(&e->text);
    free(e->leaf);
    memset(e, 0, sizeof *e);
}

/* Whether node n (a unit) matches fewer articles than its relaxed form. */
static int narrower_relaxed(const struct qnode *n)
{
    if (n->kind == QN_TERM || (n->kind == QN_OR && n->hyphen))
        return 0;
    if (n->kind == QN_AND || n->kind == QN_NEAR || n->kind == QN_NOT)
        return 1;
    for (int i = 0; i < n->nkid; i++)
        if (narrower_relaxed(n->kid[i]))
            return 1;
    return 0;
}

int plan_relaxable(const struct plan *p)
{
    if (p->nunit > 1)
        return 1;
    return p->nunit == 1 && narrower_relaxed(p->unit[0].node);
}
