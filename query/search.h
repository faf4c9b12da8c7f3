/*
 * search.h - running a search: the query parsed (qparse.h) and resolved
 * against the index (plan.h), counted, ranked exactly over every match
 * (rank.h), near-duplicates folded, the page read with highlighted
 * snippets, facets and a timeline.  The one implementation behind
 * morgue-query and morgue-serve.
 */
#ifndef MORGUE_SEARCH_H
#define MORGUE_SEARCH_H

#include <stdint.h>

#include "qparse.h"
#include "rank.h"
#include "store.h"
#include "util.h"

#define SEARCH_DEFAULT_LIMIT 10
#define SEARCH_MAX_LIMIT 1000

#define SEARCH_FACETS 10 /* top entities of each kind in facets */
#define SEARCH_WITH 3    /* names mentioned with each entity facet */
/* Facets and the date histogram are counted over every matching article
 * up to this many; over more, on an even sample of this many, with the
 * counts scaled to the whole and search_result.sample set. */
#define SEARCH_FACET_EXACT 2000
/* Past this many matches a search's total says "at least so many"
 * (search_result.total_exact 0) unless search_opts.exact_total asks for
 * every match to be counted (--count always does). */
#define SEARCH_TOTAL_EXACT 10000
/* When no article holds all the words, facets and the timeline describe
 * the best this many of the relaxed hits (or the page, when deeper). */
#define SEARCH_FACET_RELAXED 100
/* A search that can match at most this many articles folds every one of
 * them into near-duplicates: its collapsed and similar counts are exact
 * (search_result.collapsed_exact). */
#define SEARCH_FOLD_ALL 2000
/* A search stops after this many seconds unless told otherwise
 * (search_opts.budget), with SEARCH_ETIME. */
#define SEARCH_BUDGET 10.0

enum search_sort {
    SEARCH_SORT_DEFAULT, /* relevance, or newest for a query of filters */
    SEARCH_SORT_RELEVANCE,
    SEARCH_SORT_NEWEST,
    SEARCH_SORT_OLDEST,
};

struct search_opts {
    const char *query;             /* the user's query (qparse.h syntax) */
    int limit;                     /* hits per page, 1..SEARCH_MAX_LIMIT */
    int offset;                    /* hits skipped, >= 0 */
    const struct qfilter *filters; /* more entity filters (--person...) */
    int nfilters;
    int facets; /* count the top entities of the whole result set */
    const char *since, *until; /* dates as for date: (qdate_range), or NULL */
    const char *source, *section; /* whole value, any case, or NULL */
    enum search_sort sort;
    int count_only;  /* only the total: no hits, no facets */
    int strict;      /* never relax to "most of the words" */
    double fresh;    /* > 0: blend in recency, with this half-life in
                      * days, counted back from the newest article */
    int no_collapse; /* show near-duplicates as hits of their own */
    int histogram;   /* count the matching articles by date */
    double budget;   /* seconds the search may take (0: SEARCH_BUDGET;
                      * < 0: no limit) */
    const struct rank_params *params; /* NULL: RANK_PARAMS_DEFAULT */
    int exhaustive;  /* score every match (for tests and benchmarks:
                      * the same answer, without the bounds) */
    int exact_total; /* count every match, however many */
    int suggest;     /* "did you mean": a corrected query when words are
                      * missing or rare (suggest.h; not with count_only) */
};

/* One facet value: an entity and the number of matching articles that
 * name it.  A person, place or organisation facet of a search also has
 * with: up to SEARCH_WITH other entities (of any of the three kinds)
 * named in most of the articles counted that name this one, each with
 * the number of those articles (scaled as count is), most articles
 * first, then by name; none for sources and outside search_run. */
struct search_facet {
    enum ent_kind kind;
    char *name;
    int64_t count;
    struct search_facet *with; /* nwith of them; their own with unused */
    int nwith;
};

/* The unit of a date histogram's buckets, chosen from the span of the
 * matching articles' dates: days up to SEARCH_HIST_SPAN days, months up
 * to SEARCH_HIST_SPAN months, else years. */
enum search_unit { SEARCH_UNIT_DAY, SEARCH_UNIT_MONTH, SEARCH_UNIT_YEAR };
#define SEARCH_HIST_SPAN 370

/* One bucket of a date histogram: "YYYY-MM-DD", "YYYY-MM" or "YYYY". */
struct search_bucket {
    char date[11];
    int64_t count;
};

/* "day", "month" or "year". */
const char *search_unit_name(enum search_unit u);

/* A highlighted stretch of a snippet, in Unicode code points. */
struct search_span {
    int start, length;
};

struct search_hit {
    char *id, *title, *date, *source, *path, *url;
    double score;  /* higher is better */
    char *snippet; /* plain text, about 30 words */
    struct search_span *spans;
    int nspans;
    int similar; /* near-duplicates folded under this hit */
};

/* A prefix that stood for more words than a search takes. */
struct search_narrowed {
    char *prefix;
    int kept, of;
};

struct search_result {
    char *fts;             /* the FTS5 expression run */
    int64_t total;         /* the articles holding all the words (every
                            * unit of the query) */
    int total_exact;       /* 0: total is SEARCH_TOTAL_EXACT and more hold
                            * them (at least so many) */
    int relaxed;           /* fewer than a page held all the words: the
                            * hits are the articles with most of them */
    int64_t relaxed_total; /* with relaxed: the articles holding any of
                            * the query's content words */
    int relaxed_total_exact;
    int collapsed;       /* near-duplicates folded under better hits,
                          * among the best examined by relevance */
    int collapsed_exact; /* collapsed counts every match's (so do the
                          * hits' similar) */
    struct search_hit *hits;
    int nhits;
    struct search_facet *facets; /* by kind, most articles first */
    int nfacets;
    struct search_facet *sources; /* with facets: the top sources, most
                                   * articles first (kind unused) */
    int nsources;
    /* with histogram: every bucket from the first matching article's date
     * to the last, empty ones included */
    enum search_unit unit;
    struct search_bucket *buckets;
    int nbuckets;
    int64_t undated;    /* matching articles without a date */
    int64_t sample;     /* 0: facets and histogram counted exactly;
                         * else the articles they were counted on, the
                         * counts scaled to the total (approximate) */
    int facets_relaxed; /* no article holds all the words: facets and
                         * histogram describe the best facets_hits of
                         * the relaxed hits, facets weighted by rank */
    int facets_hits;
    char **dropped; /* words of a long query left out (the least
                     * informative), and how many */
    int ndropped;
    struct search_narrowed *narrowed; /* prefixes cut to their most
                                       * frequent words */
    int nnarrowed;
    int flat;               /* too many words: operators were ignored */
    int caps;               /* all capitals: AND, OR, NOT were words */
    struct rank_stats rank; /* what the ranking did */
    char *suggestion;       /* with search_opts.suggest: the query corrected
                             * ("did you mean"), or NULL (suggest.h) */
    /* milliseconds each part of the search took */
    double ms_plan, ms_count, ms_rank, ms_page, ms_facets, ms_suggest;
    int xpasses; /* the Xapian engine: the passes (Enquire runs) it took,
                  * each a round trip to every shard over a cluster; 0
                  * for FTS5 */
};

struct searcher;

/* The bm25 weights of the FTS5 columns: title, lede, body, captions,
 * highlights, entities. */
#define SEARCH_NWEIGHTS ART_NCOLS
#define SEARCH_WEIGHTS TS_WEIGHTS

/* A searcher over an open store (borrowed; it must outlive the searcher).
 * Fails when the tokenizer can't be made. */
int searcher_new(struct store *st, struct searcher **out, struct mg_err *err);
void searcher_free(struct searcher *s);

/* A searcher over a cluster of Xapian shards (the cluster file at path,
 * engine/xapian/cluster.h): each search runs over one replica of every
 * shard as one database (global statistics), with the cluster's failover,
 * the timeouts here and the policy for a shard with no replica left.
 * Only search_run; the calls that read one store (similar, entities,
 * show) fail.  Fails on a bad cluster file, or with "the xapian engine is
 * not built" where it is not.  Connects to nothing yet. */
struct search_cluster_opts {
    double connect_timeout; /* s, <= 0: the default (1) */
    double timeout;         /* s, a whole search, <= 0: the default (2) */
    int partial;            /* 1: answer without a shard that is down */
};
int searcher_new_cluster(const char *path, const struct search_cluster_opts *co,
                         struct searcher **out, struct mg_err *err);

/* The shards the last search_run of a cluster searcher went without
 * (policy partial): their count; shard i's number in the cluster file's
 * order in *num, its replicas as the file lists them (blank-separated)
 * into out (cleared first). */
int searcher_nmissing(const struct searcher *s);
void searcher_missing(const struct searcher *s, int i, size_t *num,
                      struct buf *out);

/* Keeps a cluster searcher's idle connections open (a no-op for others);
 * call every ~30 s.  Can't fail. */
void searcher_keep_alive(struct searcher *s);

/* Over how many matches facets and the histogram are counted on a sample
 * (n <= 0: SEARCH_FACET_EXACT).  For tests and experiments. */
void searcher_set_facet_exact(struct searcher *s, int64_t n);

/* Whether newest- and oldest-first may scan rowids when the index says
 * they are in publication order (the default: yes).  For tests. */
void searcher_use_date_order(struct searcher *s, int use);

/* Public ids (morgue-serve's): an article keyed by its file (an absolute
 * path, docs/operations.md#article-identity) is named by its path below
 * the folder or file given to morgue-index, that root's own name first
 * ("corpus/seed/summit.txt" for /srv/corpus/seed/summit.txt indexed as
 * /srv/corpus), so that no server path shows; other keys are their own.
 * Hits, articles and near-duplicates then carry public ids.  Every call
 * taking an id takes either kind, whether this is on or off (the
 * default). */
void searcher_use_public_ids(struct searcher *s, int use);

/* Statements of the searcher's connection stop once the monotonic clock
 * (mg_now) passes deadline (0: never), searcher_timed_out() then says so;
 * search_run sets its own from search_opts.budget for its duration.  For
 * the server's other requests. */
void searcher_set_deadline(struct searcher *s, double deadline);
int searcher_timed_out(const struct searcher *s);

/* Ranks with these SEARCH_NWEIGHTS column weights from now on (NULL:
 * the defaults, SEARCH_WEIGHTS, termstats.h); for relevance experiments:
 * other weights cannot use the index's bounds, so every match is
 * scored. */
void searcher_set_weights(struct searcher *s, const double *w);

/* Runs one search into *res (caller frees with search_result_free, also
 * after a failure).  Entity filters from the query (person:, place:,
 * org:) and from o->filters are ANDed.  A query of only filters lists the
 * matching articles newest first.  Returns 0, or SEARCH_EUSAGE with a
 * usage message in err (bad query: empty, only exclusions, too long,
 * unknown field, bad date, a prefix too short), SEARCH_ETIME when the
 * search ran out of its time (o->budget), or -1 with an index error. */
#define SEARCH_EUSAGE (-2)
#define SEARCH_ETIME (-3)
int search_run(struct searcher *s, const struct search_opts *o,
               struct search_result *res, struct mg_err *err);

/* Entities whose canonical name or an alias starts with prefix (case-
 * insensitive), of one kind (or any when kind < 0), most articles first,
 * at most limit, into *out (caller frees with search_result_free: only
 * facets is used). */
int search_entities(struct searcher *s, const char *prefix, int kind, int limit,
                    struct search_result *out, struct mg_err *err);

/* The near-duplicates of the article with this uid (bodies whose
 * fingerprints differ in at most FP_NEAR bits), closest first, as hits
 * whose snippet is the lede, at most limit.  Fails when there is no such
 * article. */
int search_similar(struct searcher *s, const char *uid, int limit,
                   struct search_result *res, struct mg_err *err);

/* The stored article with this uid into *a (cleared first) and its
 * entities into ents->facets, most mentioned first within each kind, with
 * count the number of mentions (-1 where the index does not keep it: a
 * Xapian index) (caller frees with article_clear and
 * search_result_free).  Returns 1 when found, 0 when not, -1 on error. */
int search_article(struct searcher *s, const char *uid, struct article *a,
                   struct search_result *ents, struct mg_err *err);

/* A place of a query's words in a stored article (search_marks). */
struct search_mark {
    int col;        /* enum art_col: ART_TITLE to ART_HIGHLIGHTS */
    int line;       /* captions and highlights: which of the field's
                     * non-empty lines (as search_article_json lists
                     * them); else 0 */
    int start, len; /* Unicode code points into the field or line */
};

struct search_marks {
    struct search_mark *v;
    int n;
};

/* Every place of the words of query in the stored article with this uid
 * (or public id), whose fields a holds (as search_article read them), into *m
 * (caller frees with search_marks_free, also after a failure), in field order
 * and then by place: each word wherever it occurs, matched as a search
 * matches it (stems, prefixes, the words of a hyphenated word), a quoted
 * phrase as one mark; the exclusions and filters mark nothing.  None for
 * a query of no words or an article holding none of them.  Returns 0,
 * SEARCH_EUSAGE with a usage message in err (a query search_run refuses),
 * or -1 with an index error. */
int search_marks(struct searcher *s, const char *uid, const char *query,
                 const struct article *a, struct search_marks *m,
                 struct mg_err *err);
void search_marks_free(struct search_marks *m);

void search_result_free(struct search_result *res);

#endif
