/*
 * cluster.h - the fan-out client: a cluster file names the shards of a Xapian
 * archive and each shard's replicas; a query runs over one replica of every
 * shard as one Xapian::Database (global statistics, so the weights are those
 * of one database holding everything), with bounded network waits, failover
 * between replicas and an explicit policy for a shard with no replica left.
 *
 * The cluster file, one line per shard:
 *
 *     # shard 0: two replicas
 *     10.0.0.1:7000 10.0.0.2:7000
 *     # shard 1: a local database and a remote replica
 *     /srv/morgue/shard1  10.0.0.3:7001
 *
 * A replica is host:port (a xapian-tcpsrv; [v6addr]:port for IPv6) or a path
 * to a Xapian database directory (anything with a '/', or not host:port).
 * '#' starts a comment to the end of the line; blank lines are skipped.  The
 * shards are numbered from 0 in file order; their order fixes the merged
 * docids, never the results (hits carry the id value, not a docid).
 *
 * Independent of morgue's term scheme: the query comes in serialised
 * (Xapian::Query::serialise), the document layout is named by value slots.
 * Implemented in C++ (cluster.cc); every Xapian exception is caught here and
 * becomes a struct mg_err with Xapian's message and the shard it concerns.
 * Not thread-safe: one struct cluster per thread.
 */
#ifndef MORGUE_CLUSTER_H
#define MORGUE_CLUSTER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mg_err;

/* What a query does when every replica of some shard is down. */
enum cluster_policy {
    CLUSTER_FAIL = 0, /* the query fails, the error names the shard */
    CLUSTER_PARTIAL =
        1 /* the other shards answer; the result lists the missing */
};

struct cluster_opts {
    double connect_timeout; /* s, a TCP connect (default 1) */
    double timeout;     /* s, the whole query, failover included (default 2) */
    double retry_after; /* s a failed replica is left alone (default 1), doubled
                           for each failure in a row, up to 64 times */
    double reopen_every; /* s between reopens to see new revisions (default 1; 0
                            every query) */
    enum cluster_policy policy; /* default CLUSTER_FAIL */
    const char *shard_key;      /* a metadata key each replica of shard K of N
                                   must hold as "K/N" (a wrong or failed copy is
                                   refused, as a replica that is down); default
                                   NULL: no check */
};

/* Fills o with the defaults above.  Can't fail. */
void cluster_opts_default(struct cluster_opts *o);

struct cluster;

/* Reads the cluster file at path and returns a handle in *out.  Connects to
 * nothing yet (the first query does, so a program starts while a shard is
 * down).  opts NULL means the defaults.  Fails with -1, *out NULL and err
 * naming the file and line ("shards.txt:3: bad port in 'h:99999'") on an
 * unreadable file, a bad replica or a file with no shard. */
int cluster_open(const char *path, const struct cluster_opts *opts,
                 struct cluster **out, struct mg_err *err);

/* The same from the text of a cluster file; name is what errors call it. */
int cluster_open_text(const char *text, const char *name,
                      const struct cluster_opts *opts, struct cluster **out,
                      struct mg_err *err);

/* Closes every connection and frees c.  Takes NULL. */
void cluster_close(struct cluster *c);

/* The number of shards; can't fail. */
size_t cluster_shards(const struct cluster *c);

/* The number of replicas of shard i, and replica j's text as written in the
 * file (valid while c is open).  i, j in range or NULL / 0. */
size_t cluster_replicas(const struct cluster *c, size_t i);
const char *cluster_replica(const struct cluster *c, size_t i, size_t j);

/* A search.  query is a serialised Xapian::Query (query_len bytes, may hold
 * NULs).  Every document is expected to hold its unique id in id_slot. */
struct cluster_query {
    const char *query;
    size_t query_len;
    unsigned offset, limit; /* the page */
    unsigned id_slot;       /* the unique key: the tie-break and the hits' id */
    int sort_slot; /* -1: by relevance, ties by id; else by this value, which
                      must be unique (the id after a prefix: "19870312a000123")
                    */
    unsigned sort_id_from; /* with sort_slot: the byte of its value where the id
                              starts */
    int sort_descending; /* with sort_slot: newest first when it holds a date */
    int collapse_slot;  /* -1: none; else one hit per value (near-duplicates) */
    int exact_collapse; /* with collapse_slot: count each page hit's group
                           exactly */
    const char *collapse_term; /* with exact_collapse: when every document
                                  also has the boolean term collapse_term +
                                  its key, the groups are counted with those
                                  terms (fast) instead of value ranges */
    const unsigned *spy_slots; /* ValueCountMatchSpy per slot, over every match
                                  (before collapse), in a pass of its own */
    size_t n_spies;
    int exact_total; /* count every match (check_at_least = doccount) */
    int fetch_data;  /* fetch the page's document data (one round trip per hit)
                      */
};

struct cluster_hit {
    char *id; /* the id_slot value, NUL-terminated */
    double weight;
    size_t shard;       /* which shard holds it */
    unsigned docid;     /* its docid in that shard */
    char *collapse_key; /* NULL without collapse_slot */
    unsigned
        similar; /* other members of its group: exact with exact_collapse,
                    else Xapian's collapse_count (a lower bound over shards) */
    char *data;  /* document data with fetch_data, else NULL */
    size_t data_len;
};

struct cluster_count {
    char *value;
    unsigned count;
};

struct cluster_spy {
    unsigned slot;
    size_t n; /* values, most frequent first */
    struct cluster_count *counts;
};

struct cluster_result {
    unsigned total_lower, total_est, total_upper; /* matches (after collapse) */
    size_t n_hits;
    struct cluster_hit *hits;
    size_t n_spies;
    struct cluster_spy *spies;
    size_t n_missing; /* shards that did not answer (policy partial) */
    size_t *missing;
    size_t n_shards;
    size_t
        *replica; /* per shard, the replica that answered ((size_t)-1: none) */
    double seconds;     /* wall time of the call */
    unsigned failovers; /* replicas given up during the call */
};

/* Runs q over every shard and returns the page in *out (free it with
 * cluster_result_free).  Keeps connections open for the next call and
 * reopens them at most every reopen_every seconds (new revisions).  Each
 * call takes the next replica of each shard in turn.  A replica that fails
 * (refused, dropped, timed out, unopenable) is left alone for retry_after
 * seconds (doubling) and the shard's next replica is asked within the same
 * call while time remains; every network wait is bounded by 0.8 of the
 * time left, so the call ends within opts.timeout (measured in
 * tests/cluster.sh; two hangs in one call could pass it: see
 * NOTES-cluster.md).  Up to three passes over the shards: the page; the
 * spies with the exact total (n_spies > 0); the groups' sizes
 * (exact_collapse).  Fails with -1, *out NULL and err: a bad query, a shard
 * with no replica left under CLUSTER_FAIL ("shard 2 (c.txt:5): no replica
 * answered: 10.0.0.3:7002: NetworkError: ..."), or the timeout. */
int cluster_search(struct cluster *c, const struct cluster_query *q,
                   struct cluster_result **out, struct mg_err *err);

/* Frees r; takes NULL. */
void cluster_result_free(struct cluster_result *r);

/* The terms that begin with prefix over every shard, in byte order, each
 * with its document count over all shards, in *out (value, count; free with
 * cluster_terms_free).  At most max + 1 are listed, so the caller sees
 * that there were more than max.  For prefix queries: Xapian's
 * OP_WILDCARD, expanded on each remote shard, weights with that shard's
 * statistics (measured: weights differ from one database), so the caller
 * expands the prefix here and sends the terms.  Same failover, timeout and
 * policy as cluster_search; fails with -1, *out NULL and err. */
int cluster_terms(struct cluster *c, const char *prefix, size_t max,
                  struct cluster_spy **out, struct mg_err *err);

/* Frees t; takes NULL. */
void cluster_terms_free(struct cluster_spy *t);

/* Sends a keep-alive to every open remote connection (xapian-tcpsrv drops
 * one idle for 60 s); a connection that fails is closed and reopened by the
 * next search.  Returns the number of connections dropped; can't fail. */
int cluster_keep_alive(struct cluster *c);

/* Closes every connection (the next search reconnects).  Can't fail. */
void cluster_disconnect(struct cluster *c);

#ifdef __cplusplus
}
#endif

#endif
