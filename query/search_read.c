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

void sr_split_snippet(const char *marked, struct search_hit *h)
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
    sr_split_snippet(row->lede ? row->lede : "", h);
}

/* ... scored by the negated value (a distance: the nearest first). */
static void read_near(void *ctx, const struct store_hit_row *row)
{
    struct search_result *res = ctx;
    struct search_hit *h = add_hit(row, res, 0.0 - row->value);
    sr_split_snippet(row->lede ? row->lede : "", h);
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
            sr_split_snippet(t ? t : "", h);
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

/* Plan p's notes in place of the result's. */
void sr_notes_copy(const struct plan *p, struct search_result *res)
{
    sr_notes_free(res);
    res->dropped = NULL;
    res->narrowed = NULL;
    res->ndropped = res->nnarrowed = 0;
    if (p->ndropped) {
        res->dropped = mg_malloc(sizeof *res->dropped * (size_t)p->ndropped);
        for (int i = 0; i < p->ndropped; i++)
            res->dropped[i] = mg_strdup(p->dropped[i]);
        res->ndropped = p->ndropped;
    }
    if (p->nnarrowed) {
        res->narrowed = mg_malloc(sizeof *res->narrowed * (size_t)p->nnarrowed);
        for (int i = 0; i < p->nnarrowed; i++)
            res->narrowed[i] = (struct search_narrowed){
                mg_strdup(p->narrowed[i].prefix), p->narrowed[i].kept,
                p->narrowed[i].of};
        res->nnarrowed = p->nnarrowed;
    }
}

/* ---- public ids ---------------------------------------------------------- */

/* store_file_fn: narrows ctx (a struct buf) to the deepest folder
 * holding path too. */
static void common_folder(void *ctx, const char *path,
                          const struct store_file *f)
{
    (void)f;
    struct buf *b = ctx;
    if (!path || path[0] != '/')
        return;
    if (!b->s) {
        const char *slash = strrchr(path, '/');
        buf_add(b, path, (size_t)(slash - path));
        return;
    }
    size_t n = 0;
    while (n < b->len && path[n] == b->s[n])
        n++;
    if (n < b->len || (path[n] != '/' && path[n] != '\0')) {
        /* back to the last '/' both share */
        while (n > 0 && b->s[--n] != '/')
            ;
        b->len = n;
        b->s[n] = '\0';
    }
}

/* Reads the roots ids are relative to into s->roots: the index's record
 * (store_roots), else the deepest folder of every recorded file (an
 * index made before it kept its roots), found once.  Read for each call,
 * so a server sees the roots a nightly run adds. */
static void read_roots(struct searcher *s)
{
    for (int i = 0; i < s->nroots; i++)
        free(s->roots[i]);
    free(s->roots);
    s->roots = NULL;
    s->nroots = 0;
    struct mg_err err;
    if (store_roots(s->store, &s->roots, &s->nroots, &err) < 0 || s->nroots > 0)
        return;
    if (!s->common) {
        struct buf b = {0};
        if (store_files_each(s->store, common_folder, &b, &err) < 0)
            b.len = 0;
        s->common = mg_strndup(b.s ? b.s : "", b.len);
        buf_free(&b);
    }
    if (s->common[0] == '/') {
        s->roots = mg_calloc(1, sizeof *s->roots);
        s->roots[s->nroots++] = mg_strdup(s->common);
    }
}

void sr_publish_ids(struct searcher *s, struct search_result *res)
{
    if (!s->public_ids || res->nhits == 0)
        return;
    read_roots(s);
    for (int i = 0; i < res->nhits; i++) {
        char *id = article_public_id(res->hits[i].id ? res->hits[i].id : "",
                                     s->roots, s->nroots);
        free(res->hits[i].id);
        res->hits[i].id = id;
        free(res->hits[i].path);
        res->hits[i].path = NULL;
    }
}

/* The keys id may stand for, in order, into *keys (caller frees each and
 * the list): id itself, then, read as a public id, the key under each
 * root whose name starts it. */
static int candidate_keys(struct searcher *s, const char *id, char ***keys)
{
    int n = 0;
    *keys = mg_calloc((size_t)1, sizeof **keys);
    (*keys)[n++] = mg_strdup(id);
    if (id[0] == '/')
        return n;
    read_roots(s);
    for (int i = 0; i < s->nroots; i++) {
        char *key = article_key_under(id, s->roots[i]);
        if (!key)
            continue;
        *keys = mg_realloc(*keys, sizeof **keys * (size_t)(n + 1));
        (*keys)[n++] = key;
    }
    return n;
}

static void free_keys(char **keys, int n)
{
    for (int i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err)
{
    memset(res, 0, sizeof *res);
    char **keys;
    int nkeys = 1, rc = 0;
    if (s->cluster) { /* ids are the uids (no roots to read) */
        keys = mg_calloc(1, sizeof *keys);
        keys[0] = mg_strdup(uid);
    } else {
        nkeys = candidate_keys(s, uid, &keys);
    }
    int lim = limit > 0 ? limit : SEARCH_DEFAULT_LIMIT;
    for (int i = 0; i < nkeys && rc == 0; i++)
#ifdef MG_XAPIAN
        if (s->x)
            rc = sr_x_similar(s, keys[i], lim, res, err);
        else
#endif
            rc = store_similar(s->store, keys[i], FP_NEAR, lim, read_near, res,
                               err);
    free_keys(keys, nkeys);
    if (rc == 0)
        return mg_fail(err, "no article \"%s\" in %s", uid,
                       s->store ? store_path(s->store) : "the cluster");
    if (rc < 0)
        return -1;
    res->total = res->nhits;
    if (!s->cluster)
        sr_publish_ids(s, res);
    return 0;
}

int search_entities(struct searcher *s, const char *prefix, int kind, int limit,
                    struct search_result *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    int lim = limit > 0 ? limit : 20;
#ifdef MG_XAPIAN
    if (s->x)
        return sr_x_entities(s, prefix, kind, lim, out, err);
#endif
    return store_entities_find(
        s->store, prefix, kind >= 0 ? ent_kind_name((enum ent_kind)kind) : NULL,
        lim, add_name_row, out, err);
}

/* The stored article id stands for (search.h: public ids) into *a:
 * 1 found, 0 not, -1 with err. */
static int read_article(struct searcher *s, const char *id, struct article *a,
                        struct mg_err *err)
{
    char **keys;
    int nkeys = candidate_keys(s, id, &keys), found = 0;
    for (int i = 0; i < nkeys && found == 0; i++)
        found = store_get(s->store, keys[i], a, err);
    free_keys(keys, nkeys);
    return found;
}

/* A cluster's article and its entities (sr_cluster_do's fn: made afresh
 * on each run). */
struct cluster_article {
    const char *uid;
    struct article *a;
    struct search_result *ents;
};

static int cluster_article_fn(struct searcher *s, void *ctx, struct mg_err *err)
{
    struct cluster_article *c = ctx;
    search_result_free(c->ents);
    memset(c->ents, 0, sizeof *c->ents);
    int found = sr_x_get(s, c->uid, c->a, err);
    if (found > 0 && sr_x_article_entities(s, c->uid, c->ents, err) < 0)
        return -1;
    return found;
}

/* With --cluster: ids are the uids (no roots to read); an article not
 * found while a shard did not answer may be in that shard. */
static int cluster_article(struct searcher *s, const char *uid,
                           struct article *a, struct search_result *ents,
                           struct mg_err *err)
{
    struct cluster_article c = {uid, a, ents};
    int found = sr_cluster_do(s, cluster_article_fn, &c, err);
    if (found == 0 && s->nmissing > 0)
        return mg_fail(err,
                       "no article \"%s\" in the shards that answered (%zu "
                       "did not: it may be in one of them)",
                       uid, s->nmissing);
    return found;
}

int search_article(struct searcher *s, const char *uid, struct article *a,
                   struct search_result *ents, struct mg_err *err)
{
    memset(ents, 0, sizeof *ents);
    if (s->cluster)
        return cluster_article(s, uid, a, ents, err);
    int found = read_article(s, uid, a, err);
    if (found <= 0)
        return found;
    /* a Xapian index: the article and its entities from its shard */
    if (s->x ? sr_x_article_entities(s, a->uid, ents, err) < 0
             : store_article_entities(s->store, a->uid, add_name_row, ents,
                                      err) < 0)
        return -1;
    if (s->public_ids) {
        read_roots(s);
        char *id = article_public_id(a->uid, s->roots, s->nroots);
        free(a->uid);
        a->uid = id;
        free(a->path);
        a->path = NULL;
    }
    return 1;
}

/* The code points in z[0, n). */
static int cps_in(const char *z, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += ((unsigned char)z[i] & 0xC0) != 0x80;
    return c;
}

/* Adds the byte range [b0, b1) of field col (text z, len bytes) to m in
 * code points; in captions and highlights, cut at line breaks, each piece
 * counted from its line's start, with the line's number among the
 * non-empty lines. */
static void add_mark(struct search_marks *m, int *cap, int col, const char *z,
                     int len, int b0, int b1)
{
    if (b1 > len)
        b1 = len;
    int lines = col == ART_CAPTIONS || col == ART_HIGHLIGHTS;
    while (b0 < b1) {
        int ls = 0, line = 0, end = b1;
        if (lines) {
            /* the line holding b0, and how many non-empty lines precede it */
            for (int i = 0; i < b0; i++)
                if (z[i] == '\n') {
                    line += i > ls;
                    ls = i + 1;
                }
            const char *nl = memchr(z + b0, '\n', (size_t)(b1 - b0));
            if (nl)
                end = (int)(nl - z);
        }
        if (end > b0) {
            if (m->n == *cap)
                m->v = mg_realloc(
                    m->v, sizeof *m->v * (size_t)(*cap = *cap ? *cap * 2 : 16));
            m->v[m->n++] = (struct search_mark){
                col, line, cps_in(z + ls, b0 - ls), cps_in(z + b0, end - b0)};
        }
        b0 = end + 1;
    }
}

/* The FTS5 expression of the leaves of query (its words and phrases,
 * exclusions aside) into *x, x->text.s NULL when it has none: as parsed
 * (a phrase a phrase), or with words set, read as a list of its words and
 * phrases (what a relaxed search matches). */
int sr_marks_parse(struct tok *t, const char *query, int words,
                   struct qparse_out *q, struct qparse_out *w,
                   struct qparse_out **use, struct mg_err *err)
{
    *use = NULL;
    if (qparse_full(t, query, 1, q, err) < 0)
        return SEARCH_EUSAGE;
    if (q->nunit == 0)
        return 0;
    *use = q;
    if (words && qparse_words(t, query, w, err) == 0 && w->nunit > 0) {
        qparse_add_phrases(w, q);
        *use = w;
    }
    return 0;
}

static int marks_expr(struct searcher *s, const char *query, int words,
                      struct plan_expr *x, struct mg_err *err)
{
    struct qparse_out q = {0}, w = {0}, *use;
    struct plan p = {0};
    int rc = sr_marks_parse(s->tok, query, words, &q, &w, &use, err);
    if (rc == 0 && use) {
        rc = plan_make(s->store, s->tok, use, &p, err);
        if (rc == PLAN_USAGE)
            rc = SEARCH_EUSAGE;
        if (rc == 0 && p.nleaf > 0)
            plan_expr_leaves(&p, x);
        plan_free(&p);
    }
    qparse_out_free(&w);
    qparse_out_free(&q);
    return rc;
}

/* The marks of query in the article of one of keys[0..nkeys) into
 * *marks (morgue_marks' lines; NULL when none): the query's words and
 * phrases as parsed, else, when the article holds none of them (a relaxed
 * search's hit: a phrase's words apart), its words one by one. */
static int find_marks(struct searcher *s, const char *query, char **keys,
                      int nkeys, char **marks, struct mg_err *err)
{
    int rc = 0;
    *marks = NULL;
    for (int words = 0; words < 2 && rc == 0 && !*marks; words++) {
        struct plan_expr x = {0};
        rc = marks_expr(s, query, words, &x, err);
        for (int i = 0; rc == 0 && x.text.s && !*marks && i < nkeys; i++)
            rc = sq_marks(s->store, x.text.s, keys[i], marks, err);
        if (*marks && !**marks) {
            free(*marks);
            *marks = NULL;
        }
        plan_expr_free(&x);
    }
    return rc;
}

struct cluster_marks {
    const char *query;
    const struct article *a;
    char **marks;
};

static int cluster_marks_fn(struct searcher *s, void *ctx, struct mg_err *err)
{
    struct cluster_marks *c = ctx;
    free(*c->marks);
    *c->marks = NULL;
    return sr_x_marks(s, c->query, c->a, c->marks, err);
}

int search_marks(struct searcher *s, const char *uid, const char *query,
                 const struct article *a, struct search_marks *m,
                 struct mg_err *err)
{
    memset(m, 0, sizeof *m);
    char *marks = NULL;
    int rc;
    if (s->cluster) { /* planned with the shards' statistics */
        struct cluster_marks c = {query ? query : "", a, &marks};
        rc = sr_cluster_do(s, cluster_marks_fn, &c, err);
    } else if (s->x) { /* a Xapian index: found in the article's text */
        rc = sr_x_marks(s, query ? query : "", a, &marks, err);
    } else {
        char **keys;
        int nkeys = candidate_keys(s, uid, &keys);
        int own_txn = store_read_begin(s->store);
        rc = find_marks(s, query ? query : "", keys, nkeys, &marks, err);
        store_read_end(s->store, own_txn);
        free_keys(keys, nkeys);
    }
    const char *field[ART_NCOLS] = {a->title,    a->lede,       a->body,
                                    a->captions, a->highlights, NULL};
    int cap = 0;
    for (const char *p = marks; rc == 0 && p && *p;) {
        int col, b0, b1, used = 0;
        if (sscanf(p, "%d %d %d%n", &col, &b0, &b1, &used) != 3 || col < 0 ||
            col >= ART_ENTITIES || b0 < 0 || b1 <= b0)
            break;
        if (field[col])
            add_mark(m, &cap, col, field[col], (int)strlen(field[col]), b0, b1);
        p += used;
        p += *p == '\n';
    }
    free(marks);
    return rc;
}

void search_marks_free(struct search_marks *m)
{
    if (!m)
        return;
    free(m->v);
    memset(m, 0, sizeof *m);
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
