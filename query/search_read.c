/*
 * search_read.c - reading a search's results: the page's hits with their
 * snippets, near-duplicates of an article, entities by prefix, one
 * article and its entities, and freeing a result (search.h).
 */
#include "search_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

char *sr_strdup0(const char *t)
{
    return t ? mg_strdup(t) : NULL;
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
                    h->spans = mg_realloc(
                        h->spans,
                        sizeof *h->spans * (size_t)(cap = cap ? cap * 2 : 8));
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

/* store_name_fn: a (kind, name, count) row into res->facets. */
static void add_name_row(void *ctx, const char *kind, const char *name,
                         int64_t count)
{
    struct search_result *res = ctx;
    res->facets = mg_realloc(res->facets,
                             sizeof *res->facets * (size_t)(res->nfacets + 1));
    struct search_facet *fc = &res->facets[res->nfacets++];
    *fc = (struct search_facet){0};
    const char *k = kind ? kind : "";
    fc->kind = strcmp(k, "person") == 0  ? ENT_PERSON
               : strcmp(k, "place") == 0 ? ENT_PLACE
                                         : ENT_ORG;
    fc->name = sr_strdup0(name);
    fc->count = count;
}

/* Appends a hit with this score; the caller gives it a snippet. */
static struct search_hit *add_hit(const struct store_hit_row *row,
                                  struct search_result *res, double score)
{
    res->hits =
        mg_realloc(res->hits, sizeof *res->hits * (size_t)(res->nhits + 1));
    struct search_hit *h = &res->hits[res->nhits++];
    memset(h, 0, sizeof *h);
    h->id = sr_strdup0(row->uid);
    h->title = sr_strdup0(row->title);
    h->date = sr_strdup0(row->date);
    h->source = sr_strdup0(row->source);
    h->path = sr_strdup0(row->path);
    h->url = sr_strdup0(row->url);
    h->score = score;
    return h;
}

/* store_hit_fn: a hit scored by its row's value, its lede for snippet. */
void sr_read_hit(void *ctx, const struct store_hit_row *row)
{
    struct search_result *res = ctx;
    struct search_hit *h = add_hit(row, res, row->value);
    split_snippet(row->lede ? row->lede : "", h);
}

/* ... scored by the negated value (a distance: the nearest first). */
static void read_near(void *ctx, const struct store_hit_row *row)
{
    struct search_result *res = ctx;
    struct search_hit *h = add_hit(row, res, 0.0 - row->value);
    split_snippet(row->lede ? row->lede : "", h);
}

int sr_cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* How far apart (rowids) two hits of a page may be and still be read in
 * one statement: a statement costs a seek per phrase (about 0.03 ms +
 * 0.008 ms a phrase), and each article between them that the expression
 * matches about 0.05 us a phrase (its snippet is not made; measured on
 * the 500,000-article bench index in one segment, as morgue-index leaves
 * a first run).  A relaxed search's expression holds its stop words,
 * which match nearly every article: its hits are read one by one. */
static int64_t page_gap(int nphrase, double density)
{
    double stmt_ms = 0.03 + 0.008 * nphrase;
    double row_ms = 0.00005 * (nphrase > 0 ? nphrase : 1) *
                    (density > 1e-6 ? density : 1e-6);
    return (int64_t)(stmt_ms / row_ms);
}

/* Appends the hits with these rowids (and scores, near-duplicate counts:
 * similar may be NULL), each with its snippet for the FTS5 expression fts
 * (of nphrase phrases, matching about density of the articles):
 * snippets are made for the page only, never for every match.  The page's
 * articles close together are read in one pass over their rowids
 * (page_gap), the others one by one. */
int sr_read_page(struct searcher *s, const char *fts, int nphrase,
                 double density, const int64_t *ids, const double *scores,
                 const int *similar, int n, struct search_result *res,
                 struct mg_err *err)
{
    if (n <= 0)
        return 0;
    int64_t *sorted = mg_malloc(sizeof *sorted * (size_t)n);
    memcpy(sorted, ids, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, sr_cmp_i64);
    char **text = mg_calloc((size_t)n, sizeof *text); /* by sorted */
    int rc = sq_snippets(s->sq, fts, page_gap(nphrase, density), sorted, n,
                         text, err);
    for (int i = 0; i < n && rc == 0; i++) {
        struct store_hit_row row;
        int found = store_article_hit(s->store, ids[i], &row, err);
        if (found > 0) {
            int64_t *at =
                bsearch(&ids[i], sorted, (size_t)n, sizeof *ids, sr_cmp_i64);
            struct search_hit *h = add_hit(&row, res, scores[i]);
            h->similar = similar ? similar[i] : 0;
            const char *t = at ? text[at - sorted] : NULL;
            split_snippet(t ? t : "", h);
        } else if (found < 0) {
            rc = -1;
        }
    }
    for (int i = 0; i < n; i++)
        free(text[i]);
    free(text);
    free(sorted);
    return rc;
}

/* Frees what a hit holds. */
void sr_hit_clear(struct search_hit *h)
{
    free(h->id);
    free(h->title);
    free(h->date);
    free(h->source);
    free(h->path);
    free(h->url);
    free(h->snippet);
    free(h->spans);
    memset(h, 0, sizeof *h);
}

/* Frees the result's notes on the plan. */
void sr_notes_free(struct search_result *res)
{
    for (int i = 0; i < res->ndropped; i++)
        free(res->dropped[i]);
    free(res->dropped);
    for (int i = 0; i < res->nnarrowed; i++)
        free(res->narrowed[i].prefix);
    free(res->narrowed);
}

int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    int rc = store_similar(s->store, uid, FP_NEAR,
                           limit > 0 ? limit : SEARCH_DEFAULT_LIMIT, read_near,
                           res, err);
    if (rc == 0)
        return mg_fail(err, "no article \"%s\" in %s", uid,
                       store_path(s->store));
    if (rc < 0)
        return -1;
    res->total = res->nhits;
    return 0;
}

int search_entities(struct searcher *s, const char *prefix, int kind, int limit,
                    struct search_result *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    return store_entities_find(
        s->store, prefix, kind >= 0 ? ent_kind_name((enum ent_kind)kind) : NULL,
        limit > 0 ? limit : 20, add_name_row, out, err);
}

int search_article(struct searcher *s, const char *uid, struct article *a,
                   struct search_result *ents, struct mg_err *err)
{
    memset(ents, 0, sizeof *ents);
    int found = store_get(s->store, uid, a, err);
    if (found <= 0)
        return found;
    return store_article_entities(s->store, uid, add_name_row, ents, err) < 0
               ? -1
               : 1;
}

void search_result_free(struct search_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nhits; i++)
        sr_hit_clear(&res->hits[i]);
    free(res->hits);
    for (int i = 0; i < res->nfacets; i++) {
        free(res->facets[i].name);
        for (int k = 0; k < res->facets[i].nwith; k++)
            free(res->facets[i].with[k].name);
        free(res->facets[i].with);
    }
    free(res->facets);
    for (int i = 0; i < res->nsources; i++)
        free(res->sources[i].name);
    free(res->sources);
    free(res->buckets);
    free(res->fts);
    free(res->suggestion);
    sr_notes_free(res);
    memset(res, 0, sizeof *res);
}
