/*
 * cluster_int.h - what the fan-out client (cluster.cc) lends the engine's
 * other C++ files (cluster_db.cc): one replica of every shard, with the
 * client's failover, deadline and policy, to a function of the caller's.
 * C++ only, private to engine/xapian/.
 */
#ifndef MORGUE_CLUSTER_INT_H
#define MORGUE_CLUSTER_INT_H

#include <xapian.h>

#include <functional>
#include <string>
#include <vector>

#include "cluster.h"

/* Runs fn(parts, missing) over an open (reopened) replica of every shard
 * that answers: parts in shard order, missing the shards with no replica
 * left (only under CLUSTER_PARTIAL).  fn throws Xapian::NetworkError (its
 * context "remote:tcp(host:port)" names the replica) to fail over: the
 * call runs fn again over other replicas while opts.timeout allows.  Any
 * other exception of fn passes through.  0, or -1 with err (a shard with
 * no replica under CLUSTER_FAIL, the timeout). */
int cluster_with_dbs(
    struct cluster *c,
    const std::function<void(const std::vector<Xapian::Database> &,
                             const std::vector<size_t> &)> &fn,
    struct mg_err *err);

#endif
