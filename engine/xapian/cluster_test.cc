/*
 * cluster_test.cc - the test driver of the fan-out client (tests/cluster.sh).
 * A trivial term scheme of its own, so it tests cluster.cc alone:
 *
 *   cluster_test gen OUT NSHARDS NDOCS   OUT/all (everything) and OUT/s0..
 *                                        (split by FNV-1a of the key mod N)
 *   cluster_test parse FILE              the shards and replicas, or the error
 *   cluster_test compare FILE LOCALDB N [SEED]
 *                                        N random queries through FILE and
 *                                        through LOCALDB: same ids, weights
 *                                        (1e-12), totals, spies, group sizes
 *   cluster_test session FILE [fail|partial] [TIMEOUT]
 *                                        a handle kept open; each "q" line on
 *                                        stdin runs one query and prints
 *                                        "ok SECONDS missing=a,b failovers=N
 *                                        hits=N replicas=R0,R1,.. (- none)
 *                                        total=N" (exact)
 *                                        or "err SECONDS MESSAGE"
 *   cluster_test bench FILE N [fetch|page]
 *                                        median and p99 of N queries (ms) of
 *                                        w3 OR w17, top 10 (fetch: and their
 *                                        data; page: and 2 spies, exact groups)
 *
 * Documents: value 0 the key ("a000123"), 1 a date (YYYYMMDD), 2 the
 * near-duplicate key (10% of documents in 40 groups; also the term XD<key>),
 * 3 the source, 4 the
 * date and the key (a unique sort value: the id comes back in it); terms
 * wN with positions (N Zipf-like), XS<source>, Q<key>; data the first words.
 */
#include "cluster.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "util.h"
}

static uint64_t fnv(const std::string &s)
{
    return mg_hash64(s.data(), s.size());
}

struct rng {
    uint64_t s;
    uint64_t next()
    {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    unsigned below(unsigned n)
    {
        return (unsigned)(next() % n);
    }
    /* a word: wN with N ~ 1/u, so w1 is in most documents and w5000 in few */
    std::string word()
    {
        double u = (double)(next() % 1000000 + 1) / 1e6;
        int w = std::min(5000, (int)(1.0 / u));
        return "w" + std::to_string(w);
    }
};

static int gen(const std::string &out, int n, int nd)
{
    Xapian::WritableDatabase all(out + "/all", Xapian::DB_CREATE_OR_OVERWRITE);
    std::vector<Xapian::WritableDatabase> sh;
    for (int i = 0; i < n; i++)
        sh.emplace_back(out + "/s" + std::to_string(i),
                        Xapian::DB_CREATE_OR_OVERWRITE);
    rng r{12345};
    for (int d = 0; d < nd; d++) {
        Xapian::Document doc;
        char key[32], date[16];
        snprintf(key, sizeof key, "a%06d", d);
        int len = 20 + (int)r.below(80);
        std::string data;
        for (int p = 1; p <= len; p++) {
            std::string t = r.word();
            doc.add_posting(t, p);
            if (p < 10)
                data += t + " ";
        }
        int src = (int)r.below(7);
        int dup = d % 10 == 0 ? (d / 10) % 40 : 1000 + d;
        snprintf(date, sizeof date, "%04d%02d%02d", 1987 + (int)r.below(20),
                 1 + (int)r.below(12), 1 + (int)r.below(28));
        doc.add_boolean_term("XS" + std::to_string(src));
        doc.add_boolean_term(std::string("Q") + key);
        doc.add_boolean_term("XD" + std::to_string(dup));
        doc.add_value(0, key);
        doc.add_value(1, date);
        doc.add_value(2, std::to_string(dup));
        doc.add_value(3, "src" + std::to_string(src));
        doc.add_value(4, std::string(date) + key);
        doc.set_data(data);
        all.replace_document(std::string("Q") + key, doc);
        sh[fnv(key) % (uint64_t)n].replace_document(std::string("Q") + key,
                                                    doc);
    }
    all.commit();
    for (auto &s : sh)
        s.commit();
    return 0;
}

static int parse(const char *file)
{
    struct cluster *c;
    struct mg_err err;
    if (cluster_open(file, nullptr, &c, &err) < 0) {
        printf("error: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < cluster_shards(c); i++) {
        printf("shard %zu:", i);
        for (size_t j = 0; j < cluster_replicas(c, i); j++)
            printf(" [%s]", cluster_replica(c, i, j));
        printf("\n");
    }
    cluster_close(c);
    return 0;
}

/* One random query of the kinds the engine will send, and its options. */
struct rquery {
    std::string ser, desc;
    cluster_query q;
};

static const unsigned SPY_SLOTS[] = {3, 1};

/* The terms under prefix through c (at most 100), or throws a message. */
static std::vector<std::string> expand(struct cluster *c,
                                       const std::string &prefix)
{
    cluster_spy *t;
    struct mg_err err;
    if (cluster_terms(c, prefix.c_str(), 100, &t, &err) < 0)
        throw std::runtime_error(err.msg);
    std::vector<std::string> v;
    for (size_t i = 0; i < t->n && i < 100; i++)
        v.push_back(std::string(t->counts[i].value) + "/" +
                    std::to_string(t->counts[i].count));
    cluster_terms_free(t);
    return v;
}

static struct cluster *expand_c,
    *expand_l; /* the cluster and the local database */

static rquery random_query(rng &r)
{
    rquery rq;
    Xapian::Query x;
    switch (r.below(8)) {
    case 0: x = Xapian::Query(r.word()); break;
    case 1:
        x = Xapian::Query(Xapian::Query::OP_OR, Xapian::Query(r.word()),
                          Xapian::Query(r.word()));
        break;
    case 2:
        x = Xapian::Query(Xapian::Query::OP_AND, Xapian::Query(r.word()),
                          Xapian::Query(r.word()));
        break;
    case 3: {
        Xapian::Query ph[] = {Xapian::Query(r.word()), Xapian::Query(r.word())};
        x = Xapian::Query(Xapian::Query::OP_PHRASE, ph, ph + 2, 2);
        break;
    }
    case 4: { /* proximity as a bonus the shard evaluates */
        Xapian::Query a(r.word()), b(r.word());
        Xapian::Query nr[] = {a, b};
        x = Xapian::Query(Xapian::Query::OP_AND_MAYBE,
                          Xapian::Query(Xapian::Query::OP_OR, a, b),
                          Xapian::Query(Xapian::Query::OP_NEAR, nr, nr + 2, 8));
        break;
    }
    case 5:
        x = Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query(r.word()),
                          Xapian::Query(r.word()));
        break;
    case 6: { /* a prefix, expanded by the client (cluster_terms) */
        std::string p = "w1" + std::to_string(r.below(10));
        std::vector<std::string> a = expand(expand_c, p),
                                 b = expand(expand_l, p);
        if (a != b)
            throw std::runtime_error("cluster_terms " + p +
                                     ": not the terms of one database");
        std::vector<Xapian::Query> t;
        for (const std::string &w : a)
            t.emplace_back(w.substr(0, w.find('/')));
        /* OP_OR, not OP_SYNONYM: a synonym's frequency is estimated on each
         * shard (measured: weights differ by up to 1.4e-3) */
        x = Xapian::Query(Xapian::Query::OP_OR, t.begin(), t.end());
        break;
    }
    default:
        x = Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(r.word()),
                          Xapian::Query("XS" + std::to_string(r.below(7))));
    }
    if (r.below(4) == 0) {
        int y = 1987 + (int)r.below(15);
        x = Xapian::Query(Xapian::Query::OP_FILTER, x,
                          Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 1,
                                        std::to_string(y),
                                        std::to_string(y + 5)));
    }
    rq.ser = x.serialise();
    rq.desc = x.get_description();
    memset(&rq.q, 0, sizeof rq.q);
    rq.q.query = rq.ser.data();
    rq.q.query_len = rq.ser.size();
    rq.q.offset = 10 * r.below(3);
    rq.q.limit = 10;
    rq.q.id_slot = 0;
    unsigned s = r.below(4);
    rq.q.sort_slot = s < 2 ? -1 : 4;
    rq.q.sort_id_from = 8;
    rq.q.sort_descending = s == 3;
    rq.q.collapse_slot = r.below(3) == 0 ? 2 : -1;
    rq.q.collapse_term = r.below(2) ? "XD" : nullptr;
    rq.q.spy_slots = SPY_SLOTS;
    rq.q.n_spies = r.below(2) ? 2 : 0;
    rq.q.exact_total = 1;
    return rq;
}

static bool same_spies(const cluster_result *a, const cluster_result *b)
{
    if (a->n_spies != b->n_spies)
        return false;
    for (size_t i = 0; i < a->n_spies; i++) {
        if (a->spies[i].n != b->spies[i].n)
            return false;
        for (size_t j = 0; j < a->spies[i].n; j++)
            if (strcmp(a->spies[i].counts[j].value,
                       b->spies[i].counts[j].value) != 0 ||
                a->spies[i].counts[j].count != b->spies[i].counts[j].count)
                return false;
    }
    return true;
}

static int compare(const char *file, const char *local, int n, unsigned seed)
{
    struct cluster *c, *l;
    struct mg_err err;
    std::string ltext = std::string(local) + "\n";
    if (cluster_open(file, nullptr, &c, &err) < 0 ||
        cluster_open_text(ltext.c_str(), "local", nullptr, &l, &err) < 0) {
        fprintf(stderr, "compare: %s\n", err.msg);
        return 1;
    }
    rng r{seed ? seed : 42};
    expand_c = c;
    expand_l = l;
    int bad = 0, hits = 0, groups = 0, grouped = 0;
    double maxd = 0;
    for (int k = 0; k < n && bad < 5; k++) {
        rquery rq = random_query(r);
        cluster_query lq = rq.q;
        lq.exact_collapse =
            0; /* one local database counts its groups exactly */
        rq.q.exact_collapse = 1;
        cluster_result *a = nullptr, *b = nullptr;
        if (cluster_search(c, &rq.q, &a, &err) < 0 ||
            cluster_search(l, &lq, &b, &err) < 0) {
            fprintf(stderr, "compare: query %d %s: %s\n", k, rq.desc.c_str(),
                    err.msg);
            cluster_result_free(a);
            return 1;
        }
        std::string why;
        bool coll = rq.q.collapse_slot >= 0;
        /* with a collapse key only the lower bound is exact in both */
        if (a->total_lower != b->total_lower ||
            (!coll && (a->total_upper != b->total_upper ||
                       a->total_est != b->total_est)))
            why = "totals " + std::to_string(a->total_lower) + "/" +
                  std::to_string(b->total_lower);
        else if (a->n_hits != b->n_hits)
            why = "hit count";
        else if (!same_spies(a, b))
            why = "spy counts";
        for (size_t i = 0; why.empty() && i < a->n_hits; i++) {
            double d = fabs(a->hits[i].weight - b->hits[i].weight);
            maxd = std::max(maxd, d);
            if (strcmp(a->hits[i].id, b->hits[i].id) != 0)
                why = "id at " + std::to_string(i) + ": " + a->hits[i].id +
                      " vs " + b->hits[i].id;
            else if (d > 1e-12)
                why = "weight at " + std::to_string(i);
            else if (coll && a->hits[i].similar != b->hits[i].similar)
                why = "group of " + std::string(a->hits[i].id) + ": +" +
                      std::to_string(a->hits[i].similar) + " vs +" +
                      std::to_string(b->hits[i].similar);
            if (coll && b->hits[i].similar) {
                groups++;
                grouped += (int)b->hits[i].similar;
            }
        }
        hits += (int)a->n_hits;
        if (!why.empty()) {
            printf("MISMATCH query %d %s offset %u sort %d%s collapse %d: %s\n",
                   k, rq.desc.c_str(), rq.q.offset, rq.q.sort_slot,
                   rq.q.sort_descending ? "d" : "", rq.q.collapse_slot,
                   why.c_str());
            bad++;
        }
        cluster_result_free(a);
        cluster_result_free(b);
    }
    printf("compare: %d queries, %d hits, %d groups (+%d similar), max weight "
           "difference %.3g, "
           "%d mismatches\n",
           n, hits, groups, grouped, maxd, bad);
    cluster_close(c);
    cluster_close(l);
    return bad ? 1 : 0;
}

static cluster_query fixed_query(const std::string &ser, int fetch)
{
    cluster_query q;
    memset(&q, 0, sizeof q);
    q.query = ser.data();
    q.query_len = ser.size();
    q.limit = 10;
    q.id_slot = 0;
    q.sort_slot = -1;
    q.collapse_slot = -1;
    q.fetch_data = fetch;
    return q;
}

static int session(const char *file, const char *policy, double timeout)
{
    struct cluster *c;
    struct mg_err err;
    cluster_opts o;
    cluster_opts_default(&o);
    o.policy = strcmp(policy, "partial") ? CLUSTER_FAIL : CLUSTER_PARTIAL;
    o.timeout = timeout;
    o.retry_after = 0.5;
    if (cluster_open(file, &o, &c, &err) < 0) {
        printf("err 0 %s\n", err.msg);
        return 1;
    }
    std::string ser = Xapian::Query(Xapian::Query::OP_OR, Xapian::Query("w3"),
                                    Xapian::Query("w17"))
                          .serialise();
    cluster_query q = fixed_query(ser, 1);
    q.exact_total = 1;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line != "q")
            continue;
        cluster_result *r;
        double t = mg_now();
        if (cluster_search(c, &q, &r, &err) < 0) {
            printf("err %.4f %s\n", mg_now() - t, err.msg);
        } else {
            std::string m;
            for (size_t i = 0; i < r->n_missing; i++)
                m += (i ? "," : "") + std::to_string(r->missing[i]);
            std::string u;
            for (size_t i = 0; i < r->n_shards; i++)
                u += (i ? "," : "") + (r->replica[i] == (size_t)-1
                                           ? std::string("-")
                                           : std::to_string(r->replica[i]));
            printf("ok %.4f missing=%s failovers=%u hits=%zu replicas=%s "
                   "total=%u\n",
                   r->seconds, m.c_str(), r->failovers, r->n_hits, u.c_str(),
                   r->total_lower);
            cluster_result_free(r);
        }
        fflush(stdout);
    }
    cluster_close(c);
    return 0;
}

static int bench(const char *file, int n, const std::string &mode)
{
    int fetch = mode == "fetch" || mode == "page";
    struct cluster *c;
    struct mg_err err;
    if (cluster_open(file, nullptr, &c, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    std::string ser = Xapian::Query(Xapian::Query::OP_OR, Xapian::Query("w3"),
                                    Xapian::Query("w17"))
                          .serialise();
    cluster_query q = fixed_query(ser, fetch);
    if (mode == "page") { /* what a result page asks: facets, groups, data */
        q.spy_slots = SPY_SLOTS;
        const char *spies = getenv("BENCH_SPIES");
        q.n_spies = spies ? (size_t)atoi(spies) : 2;
        q.collapse_slot = getenv("BENCH_NO_COLLAPSE") ? -1 : 2;
        q.exact_collapse = !getenv("BENCH_NO_GROUPS");
        q.collapse_term = getenv("BENCH_GROUP_TERMS") ? "XD" : nullptr;
        q.exact_total = !getenv("BENCH_NO_TOTAL");
    }
    std::vector<double> t;
    for (int i = 0; i < n + 20; i++) {
        cluster_result *r;
        if (cluster_search(c, &q, &r, &err) < 0) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        if (i >= 20) /* after warm-up */
            t.push_back(r->seconds * 1000);
        cluster_result_free(r);
    }
    std::sort(t.begin(), t.end());
    printf("bench: %d queries%s: median %.3f ms, p99 %.3f ms\n", n,
           mode == "page" ? " with 2 spies, exact groups and 10 documents"
           : fetch        ? " fetching 10 documents"
                          : "",
           t[t.size() / 2],
           t[std::min(t.size() - 1, (size_t)(t.size() * 0.99))]);
    cluster_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    try {
        std::string cmd = argc > 1 ? argv[1] : "";
        if (cmd == "gen" && argc == 5)
            return gen(argv[2], atoi(argv[3]), atoi(argv[4]));
        if (cmd == "parse" && argc == 3)
            return parse(argv[2]);
        if (cmd == "compare" && (argc == 5 || argc == 6))
            return compare(argv[2], argv[3], atoi(argv[4]),
                           argc == 6 ? (unsigned)atoi(argv[5]) : 0);
        if (cmd == "session" && argc >= 3)
            return session(argv[2], argc > 3 ? argv[3] : "fail",
                           argc > 4 ? atof(argv[4]) : 2.0);
        if (cmd == "bench" && argc >= 4)
            return bench(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : "");
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "cluster_test: %s\n", e.get_description().c_str());
        return 1;
    } catch (const std::exception &e) {
        fprintf(stderr, "cluster_test: %s\n", e.what());
        return 1;
    }
    fprintf(
        stderr,
        "usage: see the comment at the top of engine/xapian/cluster_test.cc\n");
    return 2;
}
