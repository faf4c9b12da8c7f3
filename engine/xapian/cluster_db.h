/*
 * cluster_db.h - a search of the Xapian engine (query/search_xapian.c)
 * over a cluster's shards: the fan-out client (cluster.h) hands one
 * replica of every shard, as one struct mgx_db with global statistics, to
 * a function of the caller's, and fails over to another replica when that
 * function failed with a network error.  Implemented in cluster_db.cc.
 */
#ifndef MORGUE_CLUSTER_DB_H
#define MORGUE_CLUSTER_DB_H

#include <stddef.h>

#include "cluster.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mgx_db;
struct mg_err;

/* 0 or -1 with err; db is valid during the call only. */
typedef int (*cluster_db_fn)(void *ctx, struct mgx_db *db, struct mg_err *err);

/* Runs fn over one replica of every shard that answers (the cluster's
 * failover, timeout and policy, cluster.h); fn may run more than once
 * (after a network error, over other replicas).  *missing (malloc'd, free
 * it; NULL when none) and *nmissing: the shards that did not answer (under
 * CLUSTER_PARTIAL).  0, or -1 with err: fn's own error when it failed for
 * another reason than the network, else the cluster's ("shard 1
 * (c.txt:2): no replica answered: ..."). */
int cluster_run_db(struct cluster *c, cluster_db_fn fn, void *ctx,
                   size_t **missing, size_t *nmissing, struct mg_err *err);

#ifdef __cplusplus
}
#endif

#endif
