/*
 * cluster_db.cc - cluster_run_db (cluster_db.h): the fan-out client's
 * replicas as a struct mgx_db for the engine's search.
 */
extern "C" {
#include "util.h"
}

#include "cluster_db.h"
#include "cluster_int.h"
#include "shim_int.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace
{
/* fn failed for another reason than the network: err holds why */
struct fn_failed {
};
} // namespace

extern "C" int cluster_run_db(struct cluster *c, cluster_db_fn fn, void *ctx,
                              size_t **missing, size_t *nmissing,
                              struct mg_err *err)
{
    *missing = NULL;
    *nmissing = 0;
    struct mg_err fn_err = {};
    std::vector<size_t> miss;
    try {
        int rc = cluster_with_dbs(
            c,
            [&](const std::vector<Xapian::Database> &parts,
                const std::vector<size_t> &m) {
                struct mgx_db *db = mgx_wrap("cluster", parts);
                mgx_last_net = mgx_net_error();
                int r = fn(ctx, db, &fn_err);
                mgx_close(db);
                if (r < 0 && mgx_last_net.set) {
                    mgx_net_error n = mgx_last_net;
                    mgx_last_net = mgx_net_error();
                    if (n.timeout)
                        throw Xapian::NetworkTimeoutError(n.msg, n.context);
                    throw Xapian::NetworkError(n.msg, n.context);
                }
                if (r < 0)
                    throw fn_failed();
                miss = m;
            },
            err);
        if (rc < 0)
            return -1;
    } catch (const fn_failed &) {
        *err = fn_err;
        return -1;
    } catch (const Xapian::Error &e) {
        return mg_fail(err, "cluster: %s", e.get_description().c_str());
    } catch (const std::exception &e) {
        return mg_fail(err, "cluster: %s", e.what());
    } catch (...) {
        return mg_fail(err, "cluster: unknown error");
    }
    if (!miss.empty()) {
        *missing = (size_t *)mg_malloc(miss.size() * sizeof **missing);
        std::copy(miss.begin(), miss.end(), *missing);
        *nmissing = miss.size();
    }
    return 0;
}
