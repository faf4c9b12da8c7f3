/*
 * search_json.h - search results as JSON: the one shape morgue-query
 * --json prints and morgue-serve's /api/search answers (docs/cli.md,
 * docs/http-api.md).
 */
#ifndef MORGUE_SEARCH_JSON_H
#define MORGUE_SEARCH_JSON_H

#include <jansson.h>

#include "article.h"
#include "search.h"

enum {
    SEARCH_JSON_PATH = 1,      /* give each hit's file path (not over HTTP) */
    SEARCH_JSON_HISTOGRAM = 2, /* give the histogram (also when empty) */
};

/* A JSON string of s, or null when s is NULL.  Bytes that are not UTF-8
 * become U+FFFD, so the result is never NULL. */
json_t *search_json_str(const char *s);

/* The result as {query, [suggestion,] total, relaxed, [relaxed_total,]
 * collapsed, hits, facets, [histogram]}: hits with id, title, date, source,
 * [path,] url, score, snippet, highlights ([start, length] in code points) and
 * similar; facets with person, place, org and source lists of {name,
 * count}, the people, places and organisations each with a list of the
 * names mentioned with them, with: [{name, kind, count}] (search.h,
 * struct search_facet); histogram (with SEARCH_JSON_HISTOGRAM) with unit,
 * buckets of {date, count} and undated.  Caller owns the reference. */
json_t *search_result_json(const char *query, const struct search_result *r,
                           int flags);

/* When the last search of s (a cluster searcher, policy partial) went
 * without some shards: "partial": true and "missing_shards": [{shard,
 * replicas}] added to doc (shard: its number in the cluster file from 0;
 * replicas: as the file lists them, blank-separated).  Else nothing. */
void search_missing_json(json_t *doc, const struct searcher *s);

/* Facets of entities (search_entities()) as [{kind, name, count}]. */
json_t *search_entities_json(const struct search_result *r);

/* A stored article as {id, title, date, source, url, byline, section,
 * dateline, language, lede, body, captions, highlights, [path]}: captions
 * and highlights as arrays of lines. */
json_t *search_article_json(const struct article *a, int flags);

/* The marks m of the article a (search_marks) as {title, lede, body,
 * captions, highlights}: [start, length] pairs in code points for the
 * first three, and for captions and highlights one list of pairs per
 * line that search_article_json lists.  Caller owns the reference. */
json_t *search_marks_json(const struct article *a,
                          const struct search_marks *m);

/* The article as one reads it (morgue-query --show, /api/article): its
 * search_article_json with entities, [{kind, name, mentions}] from ents
 * (search_article), and, when query is not NULL, the query and its marks
 * m.  Caller owns the reference. */
json_t *search_article_doc(const struct article *a,
                           const struct search_result *ents, const char *query,
                           const struct search_marks *m, int flags);

#endif
