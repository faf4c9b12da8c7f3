/*
 * search_facets.c - the facets of a search (people, places,
 * organisations, sources) and its timeline, counted over the matches or a
 * sample of them, or over the best relaxed hits (search.h).
 */
#include "search_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

int64_t sr_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of sr_days_from_civil(). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int sr_read_day(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = atoi(s);
    *m = atoi(s + 5);
    *d = atoi(s + 8);
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

const char *search_unit_name(enum search_unit u)
{
    return u == SEARCH_UNIT_DAY     ? "day"
           : u == SEARCH_UNIT_MONTH ? "month"
                                    : "year";
}

void sr_histogram(const int64_t *day, const int64_t *cnt, int n,
                  struct search_result *res)
{
    int y, m, d;
    if (n == 0)
        return;

    int y0, m0, d0, y1, m1, d1;
    civil_from_days(day[0], &y0, &m0, &d0);
    civil_from_days(day[n - 1], &y1, &m1, &d1);
    int64_t months = (int64_t)(y1 - y0) * 12 + (m1 - m0);
    int64_t nb;
    if (day[n - 1] - day[0] < SEARCH_HIST_SPAN) {
        res->unit = SEARCH_UNIT_DAY;
        nb = day[n - 1] - day[0] + 1;
    } else if (months < SEARCH_HIST_SPAN) {
        res->unit = SEARCH_UNIT_MONTH;
        nb = months + 1;
    } else {
        res->unit = SEARCH_UNIT_YEAR;
        nb = y1 - y0 + 1;
    }
    res->buckets = mg_calloc((size_t)nb, sizeof *res->buckets);
    res->nbuckets = (int)nb;
    for (int64_t b = 0; b < nb; b++) {
        struct search_bucket *k = &res->buckets[b];
        if (res->unit == SEARCH_UNIT_DAY) {
            civil_from_days(day[0] + b, &y, &m, &d);
            snprintf(k->date, sizeof k->date, "%04d-%02d-%02d", y, m, d);
        } else if (res->unit == SEARCH_UNIT_MONTH) {
            int64_t mm = (int64_t)m0 - 1 + b;
            snprintf(k->date, sizeof k->date, "%04d-%02d", (int)(y0 + mm / 12),
                     (int)(mm % 12 + 1));
        } else {
            snprintf(k->date, sizeof k->date, "%04d", (int)(y0 + b));
        }
    }
    for (int i = 0; i < n; i++) {
        civil_from_days(day[i], &y, &m, &d);
        int64_t b = res->unit == SEARCH_UNIT_DAY ? day[i] - day[0]
                    : res->unit == SEARCH_UNIT_MONTH
                        ? (int64_t)(y - y0) * 12 + (m - m0)
                        : y - y0;
        res->buckets[b].count += cnt[i];
    }
}

/* int64 -> weight and count, open addressing (keys > 0). */
struct counts {
    int64_t *key, *val, *cnt; /* val: weights summed; cnt: articles */
    size_t cap, n;
};

/* The slot of key k in c (empty when k is not in it). */
static size_t counts_slot(const struct counts *c, int64_t k)
{
    size_t j = (uint64_t)k * 0x9E3779B97F4A7C15u & (c->cap - 1);
    while (c->key[j] && c->key[j] != k)
        j = (j + 1) & (c->cap - 1);
    return j;
}

static void counts_free(struct counts *c)
{
    free(c->key);
    free(c->val);
    free(c->cnt);
}

/* c with twice the room (1024 slots at first). */
static void counts_grow(struct counts *c)
{
    struct counts g = {0};
    g.cap = c->cap ? c->cap * 2 : 1024;
    g.key = mg_calloc(g.cap, sizeof *g.key);
    g.val = mg_calloc(g.cap, sizeof *g.val);
    g.cnt = mg_calloc(g.cap, sizeof *g.cnt);
    for (size_t i = 0; i < c->cap; i++)
        if (c->key[i]) {
            size_t j = counts_slot(&g, c->key[i]);
            g.key[j] = c->key[i];
            g.val[j] = c->val[i];
            g.cnt[j] = c->cnt[i];
        }
    counts_free(c);
    c->key = g.key;
    c->val = g.val;
    c->cnt = g.cnt;
    c->cap = g.cap;
}

static void counts_add(struct counts *c, int64_t k, int64_t w)
{
    if (2 * (c->n + 1) > c->cap)
        counts_grow(c);
    size_t j = counts_slot(c, k);
    if (!c->key[j]) {
        c->key[j] = k;
        c->n++;
    }
    c->val[j] += w;
    c->cnt[j]++;
}

struct kc {
    int64_t key, count; /* count: what orders them (weights summed) */
    char *name;
    int kind;
    int64_t n; /* articles */
};

static int kc_by_count(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Most articles first, then by name (then by id, for equal names). */
static int kc_by_name(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->key > b->key) - (a->key < b->key);
}

/* By kind, then as kc_by_name. */
static int kc_by_kind(const void *x, const void *y)
{
    const struct kc *a = x, *b = y;
    return a->kind != b->kind ? a->kind - b->kind : kc_by_name(x, y);
}

static int64_t scaled(int64_t c, double scale)
{
    int64_t v = (int64_t)llround((double)c * scale);
    return v > 0 || c == 0 ? v : 1;
}

static void add_facet(struct search_facet **fs, int *n, int kind, char *name,
                      int64_t count)
{
    *fs = mg_realloc(*fs, sizeof **fs * (size_t)(*n + 1));
    (*fs)[(*n)++] =
        (struct search_facet){(enum ent_kind)kind, name, count, NULL, 0};
}

/* Entity ids and their facet kind (0 person, 1 place, 2 org; -1 for any
 * other kind or no such entity) and name, each read from the store once
 * per search. */
struct names {
    struct counts at; /* id -> 1 + its index in kind and name */
    int *kind;
    char **name;
    size_t n, cap;
};

/* Entity id's facet kind and name (borrowed from nm, valid until
 * names_free) into *kind and *name: 0, or -1 with err. */
static int name_of(struct searcher *s, struct names *nm, int64_t id, int *kind,
                   const char **name, struct mg_err *err)
{
    static const char *const KINDS[] = {"person", "place", "org"};
    if (nm->at.cap) {
        size_t j = counts_slot(&nm->at, id);
        if (nm->at.key[j]) {
            *kind = nm->kind[nm->at.val[j] - 1];
            *name = nm->name[nm->at.val[j] - 1];
            return 0;
        }
    }
    const char *kd = NULL, *nmx = NULL;
    int step = store_entity(s->store, id, &kd, &nmx, err);
    if (step < 0)
        return -1;
    int k = 0;
    while (step > 0 && k < 3 && strcmp(kd ? kd : "", KINDS[k]) != 0)
        k++;
    if (nm->n == nm->cap) {
        nm->cap = nm->cap ? 2 * nm->cap : 256;
        nm->kind = mg_realloc(nm->kind, sizeof *nm->kind * nm->cap);
        nm->name = mg_realloc(nm->name, sizeof *nm->name * nm->cap);
    }
    nm->kind[nm->n] = step > 0 && k < 3 ? k : -1;
    nm->name[nm->n] = mg_strdup(step > 0 && nmx ? nmx : "");
    counts_add(&nm->at, id, (int64_t)++nm->n);
    *kind = nm->kind[nm->n - 1];
    *name = nm->name[nm->n - 1];
    return 0;
}

static void names_free(struct names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->name[i]);
    free(nm->name);
    free(nm->kind);
    counts_free(&nm->at);
}

static const enum ent_kind EK[] = {ENT_PERSON, ENT_PLACE, ENT_ORG};

/* The top SEARCH_FACETS people, places and organisations among the
 * counted entities, counts scaled, appended to res->facets; their entity
 * ids into shown (room for 3 * SEARCH_FACETS), in the same order. */
static int top_entities(struct searcher *s, const struct counts *ec,
                        double scale, struct names *nm, int64_t *shown,
                        struct search_result *res, struct mg_err *err)
{
    struct kc *all = mg_malloc(sizeof *all * (ec->n ? ec->n : 1));
    size_t n = 0, kept_n = 0;
    for (size_t i = 0; i < ec->cap; i++)
        if (ec->key[i])
            all[n++] =
                (struct kc){ec->key[i], ec->val[i], NULL, -1, ec->cnt[i]};
    qsort(all, n, sizeof *all, kc_by_count);
    int have[3] = {0, 0, 0};
    int64_t floor_[3] = {0, 0, 0}; /* the SEARCH_FACETS-th count of a kind */
    int rc = 0;
    /* Walk down the counts until every kind has its SEARCH_FACETS and no
     * later entity can tie with them. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        int full = 1;
        for (int k = 0; k < 3; k++)
            full &= have[k] >= SEARCH_FACETS && all[i].count < floor_[k];
        if (full)
            break;
        int k;
        const char *name;
        if (name_of(s, nm, all[i].key, &k, &name, err) < 0) {
            rc = -1;
        } else if (k >= 0 &&
                   (have[k] < SEARCH_FACETS || all[i].count >= floor_[k])) {
            if (++have[k] == SEARCH_FACETS)
                floor_[k] = all[i].count;
            all[kept_n] = all[i];
            all[kept_n].kind = k;
            all[kept_n++].name = mg_strdup(name);
        }
    }
    qsort(all, kept_n, sizeof *all, kc_by_kind);
    int per[3] = {0, 0, 0}, m = 0;
    for (size_t i = 0; i < kept_n; i++) {
        if (rc == 0 && per[all[i].kind]++ < SEARCH_FACETS) {
            shown[m++] = all[i].key;
            add_facet(&res->facets, &res->nfacets, (int)EK[all[i].kind],
                      all[i].name, scaled(all[i].n, scale));
        } else {
            free(all[i].name);
        }
    }
    free(all);
    return rc;
}

/* The entity ids of each article counted, one after the other: article
 * i's are id[at[i]] up to id[at[i + 1]]. */
struct art_ids {
    int64_t *id, *at;
    size_t n, cap;
};

static void art_ids_add(struct art_ids *a, int64_t id)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 4096;
        a->id = mg_realloc(a->id, sizeof *a->id * a->cap);
    }
    a->id[a->n++] = id;
}

/* Of the n candidates c, most articles first, keeps at the front those
 * that are people, places or organisations (with kind and name, borrowed
 * from nm) as far down as SEARCH_WITH of them and their ties: how many,
 * or -1 with err. */
static int keep_named(struct searcher *s, struct names *nm, struct kc *c,
                      size_t n, struct mg_err *err)
{
    qsort(c, n, sizeof *c, kc_by_count);
    int64_t floor_ = 0; /* the SEARCH_WITH-th count */
    int kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept >= SEARCH_WITH && c[i].count < floor_)
            break;
        int k;
        const char *name;
        if (name_of(s, nm, c[i].key, &k, &name, err) < 0)
            return -1;
        if (k >= 0) {
            c[kept] = c[i];
            c[kept].kind = k;
            c[kept].name = (char *)name;
            if (++kept == SEARCH_WITH)
                floor_ = c[i].count;
        }
    }
    return kept;
}

/* f->with: of the nt entities touched (their slots in ec), each named
 * with f's entity in cnt[slot] articles, the SEARCH_WITH in most, then
 * by name, counts scaled.  Names are read for those with at least the
 * SEARCH_WITH-th count, for all only when too few of those qualify. */
static int pick_with(struct searcher *s, const struct counts *ec,
                     const int *cnt, const int *touched, int nt, double scale,
                     struct names *nm, struct search_facet *f,
                     struct mg_err *err)
{
    int least[SEARCH_WITH] = {0}; /* the largest counts, descending */
    for (int t = 0; t < nt; t++) {
        int v = cnt[touched[t]], i = SEARCH_WITH - 1;
        if (v <= least[i])
            continue;
        for (; i > 0 && least[i - 1] < v; i--)
            least[i] = least[i - 1];
        least[i] = v;
    }
    struct kc *c = mg_malloc(sizeof *c * (size_t)(nt ? nt : 1));
    int kept = 0;
    for (int pass = 0; pass < 2 && kept >= 0 && kept < SEARCH_WITH; pass++) {
        int floor_ = pass ? 0 : least[SEARCH_WITH - 1];
        size_t n = 0;
        for (int t = 0; t < nt; t++)
            if (cnt[touched[t]] >= floor_)
                c[n++] = (struct kc){ec->key[touched[t]], cnt[touched[t]], NULL,
                                     -1, cnt[touched[t]]};
        kept = keep_named(s, nm, c, n, err);
        if (n == (size_t)nt)
            break;
    }
    if (kept > 0)
        qsort(c, (size_t)kept, sizeof *c, kc_by_name);
    for (int i = 0; i < kept && i < SEARCH_WITH; i++)
        add_facet(&f->with, &f->nwith, (int)EK[c[i].kind], mg_strdup(c[i].name),
                  scaled(c[i].n, scale));
    free(c);
    return kept < 0 ? -1 : 0;
}

/* The with of each of the m entity facets fs (their entity ids shown):
 * the entities named with it in the na articles of a, counted in memory
 * over their slots in ec (the entities counted, a dense index; a's ids
 * become those slots).  No reads but the names. */
static int add_with(struct searcher *s, const struct counts *ec,
                    struct art_ids *a, int64_t na, const int64_t *shown,
                    struct search_facet *fs, int m, double scale,
                    struct names *nm, struct mg_err *err)
{
    if (m <= 0)
        return 0;
    for (size_t k = 0; k < a->n; k++)
        a->id[k] = (int64_t)counts_slot(ec, a->id[k]);
    int *mark = mg_calloc(ec->cap, sizeof *mark); /* slot -> 1 + facet */
    int *cnt = mg_calloc(ec->cap, sizeof *cnt);
    int *touched = mg_malloc(sizeof *touched * (ec->n ? ec->n : 1));
    int64_t *start = mg_calloc((size_t)m + 1, sizeof *start);
    for (int j = 0; j < m; j++)
        mark[counts_slot(ec, shown[j])] = j + 1;
    /* the articles of each facet's entity, one facet after the other */
    for (size_t k = 0; k < a->n; k++)
        if (mark[a->id[k]])
            start[mark[a->id[k]]]++;
    for (int j = 0; j < m; j++)
        start[j + 1] += start[j];
    int64_t *arts = mg_malloc(sizeof *arts * (size_t)(start[m] ? start[m] : 1));
    int64_t *fill = mg_malloc(sizeof *fill * (size_t)m);
    memcpy(fill, start, sizeof *fill * (size_t)m);
    for (int64_t i = 0; i < na; i++)
        for (int64_t k = a->at[i]; k < a->at[i + 1]; k++)
            if (mark[a->id[k]])
                arts[fill[mark[a->id[k]] - 1]++] = i;
    int rc = 0;
    for (int j = 0; j < m && rc == 0; j++) {
        int nt = 0;
        int64_t self = (int64_t)counts_slot(ec, shown[j]);
        for (int64_t x = start[j]; x < start[j + 1]; x++)
            for (int64_t k = a->at[arts[x]]; k < a->at[arts[x] + 1]; k++)
                if (a->id[k] != self && cnt[a->id[k]]++ == 0)
                    touched[nt++] = (int)a->id[k];
        rc = pick_with(s, ec, cnt, touched, nt, scale, nm, &fs[j], err);
        for (int t = 0; t < nt; t++)
            cnt[touched[t]] = 0;
    }
    free(fill);
    free(arts);
    free(start);
    free(touched);
    free(cnt);
    free(mark);
    return rc;
}

/* store_id_fn: one entity of an article counted with its weight, and
 * kept in the article's list. */
struct count_one {
    struct counts *c;
    int64_t w;
    struct art_ids *a;
};

static void count_entity(void *ctx, int64_t id)
{
    struct count_one *o = ctx;
    counts_add(o->c, id, o->w);
    art_ids_add(o->a, id);
}

/* The facets (entities and sources) and the date histogram of the n
 * articles ids, in one pass, each count multiplied by scale (the
 * articles each one stands for); then each entity facet's with, from the
 * entity ids that pass kept.  With wt, the entities are ordered by the
 * sum of their articles' weights wt[i] (counts stay counts). */
static int count_facets(struct searcher *s, const int64_t *ids, int64_t n,
                        const int64_t *wt, double scale, int facets,
                        int histogram, struct search_result *res,
                        struct mg_err *err)
{
    struct counts ec = {0};
    struct art_ids arts = {0};
    struct names nm = {0};
    struct strmap sc = {0};
    int64_t *days = NULL, nd = 0, undated = 0;
    if (histogram)
        days = mg_malloc(sizeof *days * (size_t)(n ? n : 1));
    if (facets)
        arts.at = mg_malloc(sizeof *arts.at * (size_t)(n + 1));
    int rc = 0, step;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        const char *date, *src;
        if ((step = store_article_facts(s->store, ids[i], &date, &src, err)) >
            0) {
            int y, mo, d;
            if (histogram && date && sr_read_day(date, &y, &mo, &d))
                days[nd++] = sr_days_from_civil(y, mo, d);
            else if (histogram)
                undated++;
            if (facets && src && *src)
                ++*strmap_slot(&sc, src, 1);
        } else if (step < 0) {
            rc = -1;
        }
        if (!facets || rc < 0)
            continue;
        struct count_one one = {&ec, wt ? wt[i] : 1, &arts};
        arts.at[i] = (int64_t)arts.n;
        if (store_article_entity_ids(s->store, ids[i], count_entity, &one,
                                     err) < 0)
            rc = -1;
        arts.at[i + 1] = (int64_t)arts.n;
    }
    if (rc == 0 && facets) {
        int64_t shown[3 * SEARCH_FACETS] = {0};
        int first = res->nfacets;
        rc = top_entities(s, &ec, scale, &nm, shown, res, err);
        if (rc == 0)
            rc = add_with(s, &ec, &arts, n, shown,
                          res->facets ? res->facets + first : NULL,
                          res->nfacets - first, scale, &nm, err);
        struct kc *src = mg_malloc(sizeof *src * (sc.n ? sc.n : 1));
        size_t k = 0;
        for (size_t i = 0; i < sc.cap; i++)
            if (sc.keys && sc.keys[i])
                /* strmap values start at -1 */
                src[k++] = (struct kc){0, sc.vals[i] + 1, sc.keys[i], 0,
                                       sc.vals[i] + 1};
        qsort(src, k, sizeof *src, kc_by_name);
        for (size_t i = 0; i < k && i < SEARCH_FACETS; i++)
            add_facet(&res->sources, &res->nsources, 0, mg_strdup(src[i].name),
                      scaled(src[i].count, scale));
        free(src);
    }
    if (rc == 0 && histogram) {
        qsort(days, (size_t)nd, sizeof *days, sr_cmp_i64);
        int64_t *cnt = mg_malloc(sizeof *cnt * (size_t)(nd ? nd : 1));
        int64_t nu = 0; /* days in place become the distinct days */
        for (int64_t i = 0; i < nd; i++) {
            if (nu > 0 && days[nu - 1] == days[i]) {
                cnt[nu - 1]++;
            } else {
                days[nu] = days[i];
                cnt[nu++] = 1;
            }
        }
        for (int64_t i = 0; i < nu; i++)
            cnt[i] = scaled(cnt[i], scale);
        res->undated = scaled(undated, scale);
        sr_histogram(days, cnt, (int)nu, res);
        free(cnt);
    }
    free(days);
    free(arts.id);
    free(arts.at);
    names_free(&nm);
    counts_free(&ec);
    strmap_free(&sc);
    return rc;
}

/* The facets and timeline of the n articles ids (an even sample of
 * facet_exact of them when more, scaled; res->sample says so). */
int sr_facets_of(struct search_plan *r, const int64_t *all, int64_t n,
                 struct search_result *res, struct mg_err *err)
{
    struct searcher *s = r->s;
    int64_t ns = n > s->facet_exact ? s->facet_exact : n;
    int64_t *ids = mg_malloc(sizeof *ids * (size_t)(ns ? ns : 1));
    double step = ns ? (double)n / (double)ns : 1.0;
    for (int64_t i = 0; i < ns; i++)
        ids[i] = all[ns < n ? (int64_t)((double)i * step) : i];
    if (ns < n)
        res->sample = ns;
    int rc = count_facets(s, ids, ns, NULL, step, r->o->facets, r->o->histogram,
                          res, err);
    free(ids);
    return rc;
}

/* The facets and timeline of the best n relaxed hits, the entities
 * ordered by their hits' rank (a hit at rank i weighs 1/log2(i + 1)). */
int sr_facets_ranked(struct search_plan *r, const int64_t *ids, int n,
                     struct search_result *res, struct mg_err *err)
{
    int64_t *wt = mg_malloc(sizeof *wt * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        wt[i] = (int64_t)llround(1e6 / log2(i + 2.0));
    res->facets_relaxed = 1;
    res->facets_hits = n;
    int rc = count_facets(r->s, ids, n, wt, 1.0, r->o->facets, r->o->histogram,
                          res, err);
    free(wt);
    return rc;
}
