/*
 * query.h - a search over the Xapian engine, described in C and run by
 * the shim (engine/xapian/query.cc): the C side (query/search_xapian.c)
 * builds a tree of terms and operators from the planner's keys
 * (query/plan.h), and query.cc turns it into a Xapian::Query built by our
 * own code (never Xapian's QueryParser) and runs it with built-in
 * weights only, so that the same query can later run on remote shards
 * (DESIGN.md §1).  The term scheme is TERMS.md.
 *
 * A tree is a flat array of nodes (struct mgxq); a node names its
 * children by their index, so building one is a few appends and freeing
 * it one call.  Conventions as in shim.h: 0 or a count on success, -1
 * with err; no exception crosses this header.
 */
#ifndef MORGUE_XAPIAN_QUERY_H
#define MORGUE_XAPIAN_QUERY_H

#include <stdint.h>

#include "shim.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mgxq_kind {
    MGXQ_TERM,      /* one term: (field, key, cls) as mgx_term names it */
    MGXQ_AND,       /* every child */
    MGXQ_OR,        /* any child */
    MGXQ_PHRASE,    /* the children (terms or ORs of terms) at
                     * consecutive positions */
    MGXQ_NEAR,      /* the children within window positions, any order */
    MGXQ_AND_NOT,   /* child 0 without any of the others */
    MGXQ_AND_MAYBE, /* child 0, the others adding to its weight */
    MGXQ_FILTER,    /* child 0 restricted to every other child, which
                     * add no weight */
    MGXQ_SCALE,     /* child 0's weight times scale */
    MGXQ_RANGE,     /* value slot between lo and hi (NULL: open), bytes
                     * compared as strings */
    MGXQ_ALL,       /* every document (weight 0) */
    MGXQ_NOTHING,   /* no document */
};

struct mgxq_node {
    enum mgxq_kind kind;
    int field;     /* MGXQ_TERM: enum mgx_field or an enum art_col */
    char *key;     /* MGXQ_TERM: owned */
    int cls;       /* MGXQ_TERM: the class term (TOK_KEY_CLASS) */
    int window;    /* MGXQ_NEAR */
    double scale;  /* MGXQ_SCALE */
    int slot;      /* MGXQ_RANGE */
    char *lo, *hi; /* MGXQ_RANGE: owned, NULL when open */
    int *kid;      /* children's indexes, owned */
    int nkid;
};

struct mgxq {
    struct mgxq_node *v;
    int n, cap;
};

/* Appends a node and returns its index; can't fail (allocation aborts as
 * mg_malloc).  key, lo and hi are copied; kids (n of them) too. */
int mgxq_term(struct mgxq *q, int field, const char *key, int cls);
int mgxq_op(struct mgxq *q, enum mgxq_kind kind, const int *kids, int n);
int mgxq_near(struct mgxq *q, const int *kids, int n, int window);
int mgxq_scale(struct mgxq *q, int kid, double scale);
int mgxq_range(struct mgxq *q, int slot, const char *lo, const char *hi);
int mgxq_leaf(struct mgxq *q, enum mgxq_kind kind); /* ALL, NOTHING */
/* Frees the nodes; the tree is empty again.  Takes an empty tree. */
void mgxq_free(struct mgxq *q);
/* The Xapian::Query of node root, as Xapian describes it (for tests and
 * --explain), into out (cleared first).  Returns 0, or -1 with err. */
int mgxq_describe(const struct mgxq *q, int root, struct buf *out,
                  struct mg_err *err);

enum mgxq_sort {
    MGXQ_RELEVANCE, /* weight, ties by the uid (MGX_VAL_UID) */
    MGXQ_NEWEST,    /* by MGX_VAL_DATEUID descending */
    MGXQ_OLDEST,    /* ascending */
};

/* What to run: the tree's node root, the page, the sort; with collapse,
 * near-duplicates (MGX_VAL_DUPKEY) show as their best hit, and its
 * similar counts the others (exactly, by a second pass over the page's
 * keys); spy_slots: value slots counted over every match (a pass of
 * their own, unsorted, which also counts the total exactly). */
struct mgxq_run {
    int root;
    int offset, limit;
    enum mgxq_sort sort;
    int collapse;
    const int *spy_slots;
    int nspies;
    int64_t sample; /* > 0: over more matches than this, the spies count
                     * an even sample of about this many (the matches
                     * whose dup key, a hash, is below the share) */
    int docs;       /* read each hit's stored article too (mgxq_hit.doc):
                     * the page's documents are read anyway (their
                     * values), all asked for at once (MSet::fetch: over
                     * remote shards one round trip, not one a hit) */
    int relaxed;    /* the query is a relaxed search's (any of the words):
                     * shorter than average articles are then favoured
                     * as BM25 does; in a strict one they are not
                     * (query.cc's morgue_bm25) */
};

struct mgxq_hit {
    char *uid, *title, *date, *source, *url, *path; /* from values */
    double weight;
    int similar;         /* with collapse: other matches with its dup key */
    struct article *doc; /* with mgxq_run.docs: as mgx_get reads it */
};

/* One value counted by a spy: (slot, value) and the matches holding it. */
struct mgxq_count {
    int slot;
    char *value;
    int64_t count;
};

struct mgxq_result {
    struct mgxq_hit *hits;
    int nhits;
    int64_t total;     /* every match (exact), before collapse */
    int64_t collapsed; /* with collapse: matches folded under hits of the
                        * page (sum of their similar) */
    struct mgxq_count *counts; /* by slot, then most first */
    int ncounts;
    int64_t sampled; /* 0: counts over every match; else the matches of
                      * the sample they were counted on */
    /* the passes' wall time in ms (--timing): the total, the spies, the
     * page, the page's groups ("+N similar"); passes: how many ran, each
     * a round trip to every shard of a cluster */
    double ms_count, ms_spies, ms_page, ms_groups;
    int passes;
    /* entsets: the entity slots' spies were one spy on MGX_VAL_ENTSET (a
     * database of scheme 5 on): counts holds the entities summed from it
     * (slot MGX_VAL_ENT0), sets the sets it counted (NUL between their
     * entities turned into '\n'), for mgxq_with_sets */
    int entsets;
    struct mgxq_count *sets;
    int nsets;
};

/* Runs r over db into *res (zeroed first; free with mgxq_result_free,
 * also after a failure).  Returns 0, or -1 with err naming the
 * database. */
int mgxq_search(struct mgx_db *db, const struct mgxq *q,
                const struct mgxq_run *r, struct mgxq_result *res,
                struct mg_err *err);
void mgxq_result_free(struct mgxq_result *res);

/* For each of the n entities values[i] (an entity slot's value: kind
 * letter + key), the other entities named with it in the matches of node
 * root of q that name it, counted over the entity slots into
 * with[i].counts (slot MGX_VAL_ENT0, value, articles; most first, then by
 * value); total and sample as mgxq_search had them (total matches over
 * sample: the same even sample its spies counted).  Over a cluster's
 * shards (mgx_wrap) one pass per entity with a ValueCountMatchSpy per
 * slot (serialisable, no document read); over local databases one pass
 * reading the matches' slots (far less work).  0, or -1 with err; free
 * each with mgxq_result_free either way. */
int mgxq_with(struct mgx_db *db, const struct mgxq *q, int root, int64_t total,
              int64_t sample, const char *const *values, int n,
              struct mgxq_result *with, struct mg_err *err);
/* (with[0].passes: the passes mgxq_with ran.)  mgxq_with_sets: the same
 * from the entity sets mgxq_search counted (m->entsets), with no pass:
 * for each facet entity, the sets naming it (in a slot or beyond), their
 * entities in slots counted, as the spies do. */
void mgxq_with_sets(const struct mgxq_result *m, const char *const *values,
                    int n, struct mgxq_result *with);

/* The near-duplicates of the article with this uid: the articles whose
 * fingerprints (MGX_VAL_SIMHASH) differ from its own in at most maxdist
 * bits (maxdist <= FP_NEAR: found through the simhash band terms,
 * TERMS.md), nearest first, then by date, then uid, at most limit of them,
 * into res->hits (weight: minus the distance; res->total: how many there
 * are).  Serialisable features only (band terms, a ValueCountMatchSpy on
 * the fingerprint, value ranges), so it runs over remote shards.  1, 0 when
 * there is no article uid, -1 with err; free res with mgxq_result_free
 * either way. */
int mgxq_similar(struct mgx_db *db, const char *uid, int maxdist, int limit,
                 struct mgxq_result *res, struct mg_err *err);

/* The entities of kind (enum ent_kind; < 0: any) with a name, canonical
 * or as an article mentions it, starting with prefix (ASCII case ignored,
 * as the FTS5 store's aliases): fn(ctx, kind, key, articles) once for
 * each, articles the number of articles naming it (its entity term's
 * frequency over every shard), by kind then key; fn returning non-zero
 * stops.  Serialisable reads only (all terms, term frequencies).  Returns
 * how many were given, or -1 with err. */
typedef int (*mgxq_entity_fn)(void *ctx, int kind, const char *key,
                              int64_t articles);
int mgxq_entities(struct mgx_db *db, const char *prefix, int kind,
                  mgxq_entity_fn fn, void *ctx, struct mg_err *err);

/* The display name of an entity slot's value (MGX_VAL_ENT0 + i: kind
 * letter + key) into out (cleared first): the canonical name most of the
 * articles naming it give (then the longest, then the first in byte
 * order: the FTS5 store's rule; TERMS.md's XN terms, counted over every
 * shard), else the name the metadata holds, else the key itself.  0 or
 * -1 with err. */
int mgxq_entity_name(struct mgx_db *db, const char *value, struct buf *out,
                     struct mg_err *err);

#ifdef __cplusplus
}
#endif

#endif
