/*
 * search_json.c - search results as JSON.
 */
#include "search_json.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

json_t *search_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* Not UTF-8: keep the valid sequences, replace the rest. */
    struct buf b = {0};
    int len = (int)strlen(s);
    for (int pos = 0; pos < len;) {
        int32_t cp;
        int n = mg_utf8_decode(s, len, pos, &cp);
        if (cp < 0)
            buf_adds(&b, "\xEF\xBF\xBD");
        else
            buf_add(&b, s + pos, (size_t)n);
        pos += n;
    }
    char *t = buf_take(&b);
    j = json_string(t);
    free(t);
    return j ? j : json_string("");
}

/* The names mentioned with a facet's entity as [{name, kind, count}]. */
static json_t *with_list(const struct search_facet *f)
{
    json_t *a = json_array();
    for (int i = 0; i < f->nwith; i++)
        json_array_append_new(a,
                              json_pack("{s:o s:s s:I}", "name",
                                        search_json_str(f->with[i].name),
                                        "kind", ent_kind_name(f->with[i].kind),
                                        "count", (json_int_t)f->with[i].count));
    return a;
}

/* The facets of one kind (kind < 0: all, sources) as [{name, count}],
 * entities' with [{name, kind, count}] (empty when none). */
static json_t *facet_list(const struct search_facet *f, int n, int kind)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        if (kind >= 0 && (int)f[i].kind != kind)
            continue;
        json_t *o = json_pack("{s:o s:I}", "name", search_json_str(f[i].name),
                              "count", (json_int_t)f[i].count);
        if (kind >= 0)
            json_object_set_new(o, "with", with_list(&f[i]));
        json_array_append_new(a, o);
    }
    return a;
}

/* One hit as a JSON object. */
static json_t *hit_json(const struct search_hit *h, int flags)
{
    json_t *spans = json_array();
    for (int k = 0; k < h->nspans; k++)
        json_array_append_new(
            spans, json_pack("[ii]", h->spans[k].start, h->spans[k].length));
    json_t *o = json_object();
    json_object_set_new(o, "id", search_json_str(h->id));
    json_object_set_new(o, "title", search_json_str(h->title));
    json_object_set_new(o, "date", search_json_str(h->date));
    json_object_set_new(o, "source", search_json_str(h->source));
    if (flags & SEARCH_JSON_PATH)
        json_object_set_new(o, "path", search_json_str(h->path));
    json_object_set_new(o, "url", search_json_str(h->url));
    json_object_set_new(o, "score", json_real(h->score));
    json_object_set_new(o, "snippet", search_json_str(h->snippet));
    json_object_set_new(o, "highlights", spans);
    json_object_set_new(o, "similar", json_integer(h->similar));
    return o;
}

/* Adds to doc how the query was read: the words a long query left out,
 * the prefixes cut to their most frequent words, operators taken as
 * words or ignored, and what the ranking read. */
static void add_reading(json_t *doc, const struct search_result *r)
{
    if (r->ndropped) { /* a long query: the words left out */
        json_t *d = json_array();
        for (int i = 0; i < r->ndropped; i++)
            json_array_append_new(d, search_json_str(r->dropped[i]));
        json_object_set_new(doc, "dropped_words", d);
    }
    if (r->nnarrowed) { /* prefixes cut to their most frequent words */
        json_t *a = json_array();
        for (int i = 0; i < r->nnarrowed; i++)
            json_array_append_new(
                a, json_pack("{s:o s:i s:i}", "prefix",
                             search_json_str(r->narrowed[i].prefix), "kept",
                             r->narrowed[i].kept, "of", r->narrowed[i].of));
        json_object_set_new(doc, "narrowed_prefixes", a);
    }
    if (r->caps)
        json_object_set_new(doc, "operators_as_words", json_true());
    /* what the ranking read: articles scored, blocks read and skipped */
    if (r->rank.statements)
        json_object_set_new(
            doc, "ranking",
            json_pack("{s:I s:i s:i s:i s:b}", "scored",
                      (json_int_t)r->rank.scored, "blocks_read", r->rank.blocks,
                      "blocks_skipped", r->rank.skipped, "passes",
                      r->rank.statements, "every_match", r->rank.exhaustive));
    if (r->flat)
        json_object_set_new(doc, "operators_ignored", json_true());
}

/* Adds the facets to doc, and what they were counted on. */
static void add_facets(json_t *doc, const struct search_result *r)
{
    json_t *facets = json_object();
    json_object_set_new(facets, "person",
                        facet_list(r->facets, r->nfacets, ENT_PERSON));
    json_object_set_new(facets, "place",
                        facet_list(r->facets, r->nfacets, ENT_PLACE));
    json_object_set_new(facets, "org",
                        facet_list(r->facets, r->nfacets, ENT_ORG));
    json_object_set_new(facets, "source",
                        facet_list(r->sources, r->nsources, -1));
    json_object_set_new(doc, "facets", facets);
    /* facets and histogram: of the articles with all the words, or (none
     * has them) of the best relaxed hits, weighted by rank */
    json_object_set_new(
        doc, "facets_basis",
        json_string(r->facets_relaxed ? "relaxed_top" : "all_words"));
    if (r->facets_relaxed)
        json_object_set_new(doc, "facets_hits", json_integer(r->facets_hits));
    /* over SEARCH_FACET_EXACT matches, facets and histogram are counted on
     * an even sample and scaled */
    json_object_set_new(doc, "facets_approximate", json_boolean(r->sample));
    if (r->sample)
        json_object_set_new(doc, "facets_sample",
                            json_integer((json_int_t)r->sample));
}

/* The histogram of the matches' dates. */
static json_t *histogram_json(const struct search_result *r)
{
    json_t *b = json_array();
    for (int i = 0; i < r->nbuckets; i++)
        json_array_append_new(b, json_pack("{s:s s:I}", "date",
                                           r->buckets[i].date, "count",
                                           (json_int_t)r->buckets[i].count));
    return json_pack("{s:s s:o s:I}", "unit",
                     r->nbuckets ? search_unit_name(r->unit) : "day", "buckets",
                     b, "undated", (json_int_t)r->undated);
}

json_t *search_result_json(const char *query, const struct search_result *r,
                           int flags)
{
    json_t *hits = json_array();
    for (int i = 0; i < r->nhits; i++)
        json_array_append_new(hits, hit_json(&r->hits[i], flags));
    json_t *doc = json_object();
    json_object_set_new(doc, "query", search_json_str(query));
    /* "did you mean": the query corrected, when there is one */
    if (r->suggestion)
        json_object_set_new(doc, "suggestion", search_json_str(r->suggestion));
    /* total: the articles with all the words; a relaxed search shows
     * those with most of them, relaxed_total of them */
    json_object_set_new(doc, "total", json_integer((json_int_t)r->total));
    /* false: at least total (counting stopped there) */
    json_object_set_new(doc, "total_exact", json_boolean(r->total_exact));
    json_object_set_new(doc, "relaxed", json_boolean(r->relaxed));
    if (r->relaxed) {
        json_object_set_new(doc, "relaxed_total",
                            json_integer((json_int_t)r->relaxed_total));
        json_object_set_new(doc, "relaxed_total_exact",
                            json_boolean(r->relaxed_total_exact));
    }
    json_object_set_new(doc, "collapsed", json_integer(r->collapsed));
    json_object_set_new(doc, "collapsed_exact",
                        json_boolean(r->collapsed_exact));
    add_reading(doc, r);
    json_object_set_new(doc, "hits", hits);
    add_facets(doc, r);
    if (flags & SEARCH_JSON_HISTOGRAM)
        json_object_set_new(doc, "histogram", histogram_json(r));
    return doc;
}

json_t *search_entities_json(const struct search_result *r)
{
    json_t *a = json_array();
    for (int i = 0; i < r->nfacets; i++)
        json_array_append_new(
            a,
            json_pack("{s:s s:o s:I}", "kind", ent_kind_name(r->facets[i].kind),
                      "name", search_json_str(r->facets[i].name), "count",
                      (json_int_t)r->facets[i].count));
    return a;
}

/* The lines of s as an array (none for NULL or ""). */
static json_t *lines(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *at;
        size_t n = mg_next_line(&s, &at);
        if (n) {
            char *line = mg_strndup(at, n);
            json_array_append_new(a, search_json_str(line));
            free(line);
        }
    }
    return a;
}

json_t *search_article_json(const struct article *a, int flags)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", search_json_str(a->uid));
    json_object_set_new(o, "title", search_json_str(a->title));
    json_object_set_new(o, "date", search_json_str(a->date));
    json_object_set_new(o, "source", search_json_str(a->source));
    json_object_set_new(o, "url", search_json_str(a->url));
    json_object_set_new(o, "byline", search_json_str(a->byline));
    json_object_set_new(o, "section", search_json_str(a->section));
    json_object_set_new(o, "dateline", search_json_str(a->dateline));
    json_object_set_new(o, "language", search_json_str(a->language));
    json_object_set_new(o, "lede", search_json_str(a->lede));
    json_object_set_new(o, "body", search_json_str(a->body));
    json_object_set_new(o, "captions", lines(a->captions));
    json_object_set_new(o, "highlights", lines(a->highlights));
    if (flags & SEARCH_JSON_PATH)
        json_object_set_new(o, "path", search_json_str(a->path));
    return o;
}

/* The non-empty lines of s (as lines() lists them). */
static int nlines(const char *s)
{
    int n = 0;
    const char *line;
    while (s && *s)
        n += mg_next_line(&s, &line) > 0;
    return n;
}

json_t *search_marks_json(const struct article *a, const struct search_marks *m)
{
    json_t *o = json_object();
    json_t *col[ART_ENTITIES];
    const char *lined[ART_ENTITIES] = {NULL, NULL, NULL, a->captions,
                                       a->highlights};
    for (int c = 0; c < ART_ENTITIES; c++) {
        col[c] = json_array();
        for (int i = c >= ART_CAPTIONS ? nlines(lined[c]) : 0; i > 0; i--)
            json_array_append_new(col[c], json_array());
        json_object_set_new(o, ART_COL_NAMES[c], col[c]);
    }
    for (int i = 0; i < m->n; i++) {
        const struct search_mark *k = &m->v[i];
        if (k->col < 0 || k->col >= ART_ENTITIES)
            continue;
        json_t *into = col[k->col];
        if (k->col >= ART_CAPTIONS)
            into = json_array_get(col[k->col], (size_t)k->line);
        if (into)
            json_array_append_new(into, json_pack("[i i]", k->start, k->len));
    }
    return o;
}

json_t *search_article_doc(const struct article *a,
                           const struct search_result *ents, const char *query,
                           const struct search_marks *m, int flags)
{
    json_t *doc = search_article_json(a, flags);
    json_t *list = json_array();
    for (int i = 0; i < ents->nfacets; i++)
        json_array_append_new(
            list,
            json_pack("{s:s s:o s:o}", "kind",
                      ent_kind_name(ents->facets[i].kind), "name",
                      search_json_str(ents->facets[i].name), "mentions",
                      ents->facets[i].count < 0 /* not known: Xapian */
                          ? json_null()
                          : json_integer((json_int_t)ents->facets[i].count)));
    json_object_set_new(doc, "entities", list);
    if (query) {
        json_object_set_new(doc, "query", search_json_str(query));
        json_object_set_new(doc, "marks", search_marks_json(a, m));
    }
    return doc;
}

void search_missing_json(json_t *doc, const struct searcher *s)
{
    int n = searcher_nmissing(s);
    if (n == 0)
        return;
    json_t *a = json_array();
    struct buf b = {0};
    for (int i = 0; i < n; i++) {
        size_t num;
        searcher_missing(s, i, &num, &b);
        json_t *o = json_object();
        json_object_set_new(o, "shard", json_integer((json_int_t)num));
        json_object_set_new(o, "replicas", search_json_str(b.s ? b.s : ""));
        json_array_append_new(a, o);
    }
    buf_free(&b);
    json_object_set_new(doc, "partial", json_true());
    json_object_set_new(doc, "missing_shards", a);
}
