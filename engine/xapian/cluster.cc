/*
 * cluster.cc - the fan-out client behind cluster.h: the cluster file, one
 * connection per replica kept between calls, a rotation over each shard's
 * replicas, failover within a call while its time lasts, and the policy for a
 * shard with no replica left.  No exception leaves this file: every entry
 * point catches them and fills a struct mg_err.
 *
 * Time.  Xapian bounds each network read by the timeout a connection was
 * opened with (Remote::open's timeout; its connect_timeout covers only the
 * TCP connect: the greeting of a server that accepts and never answers is
 * waited for with the timeout).  A call has a deadline of opts.timeout; a
 * connection opened in it waits at most WAIT_SHARE of the time left, so that
 * after a replica that never answers there is time left to ask another.
 */
#include "cluster.h"
#include "cluster_int.h"

#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "util.h"
}

/* The share of a call's remaining time one network wait may take. */
static const double WAIT_SHARE = 0.8;

namespace
{

struct replica {
    std::string text; /* as written in the file */
    bool remote = false;
    std::string host; /* remote */
    unsigned port = 0;
    std::string path; /* local */
    std::string
        context; /* Xapian's context of its errors: remote:tcp(host:port) */
    std::unique_ptr<Xapian::Database> db;
    double wait = 0;        /* the per-read timeout db was opened with (s) */
    double last_reopen = 0; /* mg_now() of db's last reopen */
    double down_until = 0;  /* left alone until then */
    unsigned fails = 0;     /* failures in a row: the pause doubles with each */
    bool hung = false;      /* its last failure was a wait that ran out */
    std::string last_err;
};

struct shard {
    int line = 0;
    std::vector<replica> reps;
    size_t next = 0; /* the rotation */
};

struct used_shard {
    size_t shard;
    replica *rep;
};

} // namespace

struct cluster {
    std::string name;
    cluster_opts o;
    std::vector<shard> shards;
};

static int fail(struct mg_err *err, const std::string &msg)
{
    return mg_fail(err, "%s", msg.c_str());
}

void cluster_opts_default(struct cluster_opts *o)
{
    o->connect_timeout = 1.0;
    o->timeout = 2.0;
    o->retry_after = 1.0;
    o->reopen_every = 1.0;
    o->policy = CLUSTER_FAIL;
    o->shard_key = nullptr;
}

/* Parses one replica word into r; returns "" or the reason it is bad. */
static std::string parse_replica(const std::string &w, replica &r)
{
    r.text = w;
    std::string host, port;
    if (w[0] == '[') {
        size_t e = w.find("]:");
        if (e == std::string::npos || e == 1)
            return "bad address '" + w + "' (want [v6addr]:port)";
        host = w.substr(1, e - 1);
        port = w.substr(e + 2);
    } else if (w.find('/') == std::string::npos) {
        size_t c = w.rfind(':');
        if (c != std::string::npos) {
            host = w.substr(0, c);
            port = w.substr(c + 1);
            if (host.empty())
                return "no host in '" + w + "'";
        }
    }
    if (host.empty()) { /* a local database */
        r.path = w;
        r.context = w;
        return "";
    }
    if (port.empty())
        return "bad port in '" + w + "'";
    char *end = nullptr;
    errno = 0;
    long p = strtol(port.c_str(), &end, 10);
    if (!end || *end || errno || p < 1 || p > 65535)
        return "bad port in '" + w + "'";
    r.remote = true;
    r.host = host;
    r.port = (unsigned)p;
    r.context = "remote:tcp(" + host + ":" + port + ")";
    return "";
}

int cluster_open_text(const char *text, const char *name,
                      const struct cluster_opts *opts, struct cluster **out,
                      struct mg_err *err)
{
    *out = nullptr;
    try {
        std::unique_ptr<cluster> c(new cluster);
        c->name = name;
        if (opts)
            c->o = *opts;
        else
            cluster_opts_default(&c->o);
        if (!(c->o.timeout > 0) || !(c->o.connect_timeout > 0) ||
            c->o.retry_after < 0 || c->o.reopen_every < 0)
            return fail(err, c->name + ": timeouts must be positive");
        int line = 0;
        const char *p = text;
        while (*p) {
            const char *e = strchr(p, '\n');
            std::string l = e ? std::string(p, e) : std::string(p);
            p = e ? e + 1 : p + l.size();
            line++;
            size_t h = l.find('#');
            if (h != std::string::npos)
                l.resize(h);
            shard s;
            s.line = line;
            size_t i = 0;
            while (i < l.size()) {
                while (i < l.size() && isspace((unsigned char)l[i]))
                    i++;
                size_t j = i;
                while (j < l.size() && !isspace((unsigned char)l[j]))
                    j++;
                if (j == i)
                    break;
                replica r;
                std::string why = parse_replica(l.substr(i, j - i), r);
                if (!why.empty())
                    return fail(err, c->name + ":" + std::to_string(line) +
                                         ": " + why);
                bool dup = false;
                for (const replica &o : s.reps)
                    dup = dup || o.text == r.text;
                if (dup)
                    return fail(err, c->name + ":" + std::to_string(line) +
                                         ": '" + r.text +
                                         "' twice in one shard");
                s.reps.push_back(std::move(r));
                i = j;
            }
            if (!s.reps.empty())
                c->shards.push_back(std::move(s));
        }
        if (c->shards.empty())
            return fail(err, c->name +
                                 ": no shard (one line per shard, its replicas "
                                 "host:port or a path, separated by spaces)");
        *out = c.release();
        return 0;
    } catch (const std::exception &e) {
        return fail(err, std::string(name) + ": " + e.what());
    } catch (...) {
        return fail(err, std::string(name) + ": unknown error");
    }
}

int cluster_open(const char *path, const struct cluster_opts *opts,
                 struct cluster **out, struct mg_err *err)
{
    char *text = nullptr;
    size_t len = 0;
    *out = nullptr;
    if (mg_read_file(path, &text, &len, err) < 0)
        return -1;
    if (memchr(text, '\0', len)) {
        free(text);
        return mg_fail(err, "%s: a NUL byte: not a cluster file", path);
    }
    int rc = cluster_open_text(text, path, opts, out, err);
    free(text);
    return rc;
}

void cluster_close(struct cluster *c)
{
    delete c; /* the Databases close their connections */
}

size_t cluster_shards(const struct cluster *c)
{
    return c->shards.size();
}

size_t cluster_replicas(const struct cluster *c, size_t i)
{
    return i < c->shards.size() ? c->shards[i].reps.size() : 0;
}

const char *cluster_replica(const struct cluster *c, size_t i, size_t j)
{
    if (i >= c->shards.size() || j >= c->shards[i].reps.size())
        return nullptr;
    return c->shards[i].reps[j].text.c_str();
}

static std::string shard_name(const cluster *c, size_t i)
{
    return "shard " + std::to_string(i) + " (" + c->name + ":" +
           std::to_string(c->shards[i].line) + ")";
}

static void drop(replica &r)
{
    r.db.reset();
}

/* Whether e is this client's own wait running out: a NetworkTimeoutError
 * whose message does not come from the server.  xapian-tcpsrv, closing a
 * connection idle past its --idle-timeout (60 s by default), sends its own
 * NetworkTimeoutError first ("REMOTE:Timeout expired while trying to
 * read"), which the client reads on its next call: that replica is up and
 * is reconnected at once, not left alone as one that did not answer. */
static bool timed_out_here(const Xapian::Error &e)
{
    return strcmp(e.get_type(), "NetworkTimeoutError") == 0 &&
           e.get_msg().rfind("REMOTE:", 0) != 0;
}

/* Leaves r alone for retry_after, doubled for each failure in a row up to
 * 64 times: a replica that never answers costs a wait now and then, not on
 * every turn of the rotation. */
static void mark_down(const cluster *c, replica &r, const std::string &why,
                      bool hung)
{
    r.hung = hung;
    drop(r);
    r.down_until =
        mg_now() + c->o.retry_after * (double)(1u << std::min(r.fails, 6u));
    r.fails++;
    r.last_err = why;
}

/* Opens r, a replica of shard k, within the time left before deadline;
 * false (r marked down) on failure, or when it does not hold shard k of
 * the cluster by its shard_key metadata (an empty database left by a
 * failed first copy, a copy of another shard). */
static bool connect(const cluster *c, replica &r, size_t k, double deadline)
{
    double left = deadline - mg_now();
    if (left <= 0)
        return false;
    double wait = std::min(c->o.timeout, left) * WAIT_SHARE;
    try {
        if (r.remote) {
            double ct = std::min(c->o.connect_timeout, wait);
            r.db.reset(new Xapian::Database(
                Xapian::Remote::open(r.host, r.port, (unsigned)(wait * 1000),
                                     (unsigned)(ct * 1000))));
        } else {
            r.db.reset(new Xapian::Database(r.path));
        }
        if (c->o.shard_key) {
            std::string want =
                std::to_string(k) + "/" + std::to_string(c->shards.size());
            std::string have = r.db->get_metadata(c->o.shard_key);
            if (have != want) {
                mark_down(c, r,
                          r.text + ": holds " +
                              (have.empty() ? std::string("no shard")
                                            : "shard " + have) +
                              " (" + c->o.shard_key + "), not " + want +
                              ": a failed or wrong copy?",
                          false);
                return false;
            }
        }
        r.wait = wait;
        r.last_reopen = mg_now();
        r.last_err.clear();
        return true;
    } catch (const Xapian::Error &e) {
        mark_down(c, r, r.text + ": " + e.get_description(), timed_out_here(e));
    } catch (const std::exception &e) {
        mark_down(c, r, r.text + ": " + e.what(), false);
    }
    return false;
}

/* A replica of shard s to query, connected and reopened if due; nullptr when
 * none can be had before deadline.  Advances the rotation; counts each
 * replica given up in *failovers.  When no other can be had, a replica in
 * its pause after a refused or dropped connection is tried all the same
 * (a refusal costs nothing; the replica may have restarted), but not one
 * whose wait ran out (that would cost every query 0.8 T again). */
static replica *pick(cluster *c, shard &s, double deadline, bool first_try,
                     unsigned *failovers)
{
    size_t n = s.reps.size();
    if (n == 0) /* cluster_open refuses a shard without a replica */
        return nullptr;
    std::vector<size_t> paused; /* skipped for a pause after a refusal */
    for (size_t k = 0; k < n; k++) {
        size_t j = (s.next + k) % n;
        replica &r = s.reps[j];
        double now = mg_now();
        /* a connection opened short of time is opened again with the full wait
         */
        if (r.db && first_try && r.wait < c->o.timeout * WAIT_SHARE * 0.99)
            drop(r);
        /* on a retry, one whose wait would pass the deadline is opened
         * again with a shorter one */
        if (r.db && r.wait > (deadline - now) * WAIT_SHARE + 1e-3)
            drop(r);
        if (r.db && c->o.reopen_every >= 0 &&
            now - r.last_reopen >= c->o.reopen_every) {
            try {
                r.db->reopen();
                r.last_reopen = now;
            } catch (const Xapian::Error &e) {
                if (timed_out_here(e)) {
                    mark_down(c, r, r.text + ": " + e.get_description(), true);
                    ++*failovers;
                    continue;
                }
                drop(r); /* dropped (idle close?): connect again below */
            }
        }
        if (!r.db) {
            if (now < r.down_until) {
                if (!r.hung)
                    paused.push_back(j);
                continue;
            }
            if (!connect(c, r, (size_t)(&s - c->shards.data()), deadline)) {
                ++*failovers;
                continue;
            }
        }
        s.next = (j + 1) % n;
        r.fails = 0;
        return &r;
    }
    for (size_t j : paused) {
        replica &r = s.reps[j];
        if (connect(c, r, (size_t)(&s - c->shards.data()), deadline)) {
            s.next = (j + 1) % n;
            r.fails = 0;
            return &r;
        }
        ++*failovers;
    }
    return nullptr;
}

static std::string why_down(const shard &s)
{
    std::string w;
    for (const replica &r : s.reps) {
        if (!w.empty())
            w += "; ";
        w += r.last_err.empty() ? r.text + ": left alone after a failure"
                                : r.last_err;
    }
    return w;
}

static char *dup_str(const std::string &s)
{
    char *p = (char *)mg_malloc(s.size() + 1);
    memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

static void fill_spy(cluster_spy &out, unsigned slot,
                     const Xapian::ValueCountMatchSpy &spy)
{
    std::vector<std::pair<std::string, unsigned>> v;
    for (auto i = spy.values_begin(); i != spy.values_end(); ++i)
        v.emplace_back(*i, i.get_termfreq());
    std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    out.slot = slot;
    out.n = v.size();
    out.counts =
        (cluster_count *)mg_calloc(v.size() ? v.size() : 1, sizeof *out.counts);
    for (size_t i = 0; i < v.size(); i++) {
        out.counts[i].value = dup_str(v[i].first);
        out.counts[i].count = v[i].second;
    }
}

/* One run of q over the shards in used; throws Xapian's errors. */
static void run(const cluster_query *q, const Xapian::Query &query,
                const std::vector<used_shard> &used, cluster_result *res)
{
    Xapian::Database all;
    for (const used_shard &u : used)
        all.add_database(*u.rep->db);
    Xapian::Enquire e(all);
    e.set_query(query);
    /* the sort key gives the id back without a document fetch; a KeyMaker
     * would be neater but the remote backend of 1.4 refuses one */
    if (q->sort_slot < 0)
        e.set_sort_by_relevance_then_value(q->id_slot, false);
    else
        e.set_sort_by_value((Xapian::valueno)q->sort_slot,
                            q->sort_descending != 0);
    if (q->collapse_slot >= 0)
        e.set_collapse_key((Xapian::valueno)q->collapse_slot);
    /* an exact total needs every match seen; the spies' pass sees them all
     * anyway, and without collapse its count is the total */
    bool total_from_spies = q->n_spies && q->collapse_slot < 0;
    Xapian::doccount atleast = q->offset + q->limit;
    if (q->exact_total && !total_from_spies)
        atleast = std::max(atleast, all.get_doccount());
    Xapian::MSet m = e.get_mset(q->offset, q->limit, atleast);

    /* the spies in a pass of their own: Xapian 1.4's remote shards count
     * some documents twice when the match sorts by anything but relevance
     * alone (measured: over by about offset + limit), never in this pass */
    std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
    if (q->n_spies) {
        Xapian::Enquire es(all);
        es.set_query(query);
        es.set_weighting_scheme(Xapian::BoolWeight());
        for (size_t i = 0; i < q->n_spies; i++) {
            spies.emplace_back(new Xapian::ValueCountMatchSpy(q->spy_slots[i]));
            es.add_matchspy(spies.back().get());
        }
        Xapian::MSet ms = es.get_mset(0, 0, all.get_doccount());
        if (total_from_spies) {
            res->total_lower = res->total_est = res->total_upper =
                ms.get_matches_lower_bound();
        }
    }

    /* the exact size of each page hit's group: the query limited to the
     * page's keys, counted by key on the shards */
    std::map<std::string, unsigned> group;
    if (q->collapse_slot >= 0 && q->exact_collapse && !m.empty()) {
        std::vector<Xapian::Query> keys;
        for (auto it = m.begin(); it != m.end(); ++it) {
            std::string k = it.get_collapse_key();
            if (!k.empty() && !group.count(k)) {
                group[k] = 0;
                if (q->collapse_term)
                    keys.emplace_back(q->collapse_term + k);
                else
                    keys.emplace_back(Xapian::Query::OP_VALUE_RANGE,
                                      (Xapian::valueno)q->collapse_slot, k, k);
            }
        }
        if (!keys.empty()) {
            Xapian::Enquire e2(all);
            e2.set_query(Xapian::Query(
                Xapian::Query::OP_FILTER, query,
                Xapian::Query(Xapian::Query::OP_OR, keys.begin(), keys.end())));
            e2.set_weighting_scheme(Xapian::BoolWeight());
            Xapian::ValueCountMatchSpy gs((Xapian::valueno)q->collapse_slot);
            e2.add_matchspy(&gs);
            e2.get_mset(0, 0, all.get_doccount());
            for (auto i = gs.values_begin(); i != gs.values_end(); ++i)
                group[*i] = i.get_termfreq();
        }
    }
    if (q->fetch_data)
        m.fetch();

    size_t n = used.size();
    if (!total_from_spies) {
        res->total_lower = m.get_matches_lower_bound();
        res->total_est = m.get_matches_estimated();
        res->total_upper = m.get_matches_upper_bound();
    }
    res->hits =
        (cluster_hit *)mg_calloc(m.size() ? m.size() : 1, sizeof *res->hits);
    for (auto it = m.begin(); it != m.end(); ++it) {
        cluster_hit &h = res->hits[res->n_hits];
        Xapian::docid did = *it;
        h.weight = it.get_weight();
        h.shard = used[(did - 1) % n].shard;
        h.docid = (did - 1) / (Xapian::docid)n + 1;
        std::string key = it.get_sort_key();
        h.id =
            dup_str(q->sort_slot < 0               ? key
                    : key.size() > q->sort_id_from ? key.substr(q->sort_id_from)
                                                   : std::string());
        if (q->collapse_slot >= 0) {
            std::string ck = it.get_collapse_key();
            h.collapse_key = dup_str(ck);
            auto g = group.find(ck);
            h.similar = g != group.end() && g->second > 0
                            ? g->second - 1
                            : it.get_collapse_count();
        }
        if (q->fetch_data) {
            std::string d = it.get_document().get_data();
            h.data = dup_str(d);
            h.data_len = d.size();
        }
        res->n_hits++;
    }
    res->spies = (cluster_spy *)mg_calloc(spies.size() ? spies.size() : 1,
                                          sizeof *res->spies);
    for (size_t i = 0; i < spies.size(); i++)
        fill_spy(res->spies[i], q->spy_slots[i], *spies[i]);
    res->n_spies = spies.size();
}

static void cluster_spy_clear(cluster_spy *s)
{
    for (size_t j = 0; j < s->n; j++)
        free(s->counts[j].value);
    free(s->counts);
    s->counts = nullptr;
    s->n = 0;
}

static void clear_result(cluster_result *r)
{
    for (size_t i = 0; i < r->n_hits; i++) {
        free(r->hits[i].id);
        free(r->hits[i].collapse_key);
        free(r->hits[i].data);
    }
    free(r->hits);
    for (size_t i = 0; i < r->n_spies; i++)
        cluster_spy_clear(&r->spies[i]);
    free(r->spies);
    free(r->missing);
    free(r->replica);
    *r = cluster_result();
}

void cluster_result_free(struct cluster_result *r)
{
    if (!r)
        return;
    clear_result(r);
    free(r);
}

/* The replica among used whose connection raised e, or nullptr. */
static replica *culprit(const std::vector<used_shard> &used,
                        const Xapian::Error &e)
{
    std::string ctx = e.get_context();
    for (const used_shard &u : used)
        if (!ctx.empty() && u.rep->context == ctx)
            return u.rep;
    return nullptr;
}

/* Runs fn over one replica of every shard, with failover, the deadline of
 * opts.timeout from t0 and the policy: fn(used, missing) fills its result
 * or throws Xapian's errors; *failovers counts the replicas given up.
 * 0 once fn returned, else -1 and err. */
template <typename F>
static int with_shards(cluster *c, double t0, unsigned *failovers, F fn,
                       struct mg_err *err)
{
    double deadline = t0 + c->o.timeout;
    size_t nreps = 0;
    for (const shard &s : c->shards)
        nreps += s.reps.size();
    std::string last; /* the last failure, for the error */
    for (size_t attempt = 0; attempt <= nreps; attempt++) {
        std::vector<used_shard> used;
        std::vector<size_t> missing;
        for (size_t i = 0; i < c->shards.size(); i++) {
            replica *r =
                pick(c, c->shards[i], deadline, attempt == 0, failovers);
            if (r)
                used.push_back({i, r});
            else
                missing.push_back(i);
        }
        if (!missing.empty() && (c->o.policy == CLUSTER_FAIL || used.empty())) {
            size_t i = missing[0];
            std::string msg = shard_name(c, i) + ": no replica answered";
            if (mg_now() >= deadline)
                msg += " within " + std::to_string(c->o.timeout).substr(0, 4) +
                       " s";
            msg += ": " + why_down(c->shards[i]);
            if (missing.size() > 1)
                msg += " (and " + std::to_string(missing.size() - 1) +
                       " more shards)";
            return fail(err, msg);
        }
        try {
            fn(used, missing);
            return 0;
        } catch (const Xapian::NetworkError &e) {
            /* dropped, refused or timed out.  A replica that timed out is
             * left alone; one that dropped the connection is tried again
             * (xapian-tcpsrv closes idle ones).  Every connection of the
             * failed run is closed: the others may have replies of it not
             * yet read, which the next query would take for its own
             * (measured: "failovers=1" on the next query otherwise). */
            ++*failovers;
            last = e.get_description();
            replica *r = culprit(used, e);
            bool timed_out = timed_out_here(e);
            if (r && timed_out)
                mark_down(c, *r, r->text + ": " + last, true);
            else if (r)
                r->last_err = r->text + ": " + last;
            for (used_shard &u : used)
                drop(*u.rep);
        } catch (const Xapian::DatabaseModifiedError &e) {
            /* a local shard moved on under us: reopen and run again */
            last = e.get_description();
            for (used_shard &u : used)
                u.rep->last_reopen = 0;
        }
        if (mg_now() >= deadline)
            break;
    }
    return fail(err, c->name + ": query failed within " +
                         std::to_string(c->o.timeout).substr(0, 4) +
                         " s: " + last);
}

/* The entry points' catch-all: every exception becomes err. */
template <typename F>
static int guarded(const cluster *c, F fn, struct mg_err *err)
{
    try {
        return fn();
    } catch (const Xapian::Error &e) {
        return fail(err, c->name + ": " + e.get_description());
    } catch (const std::exception &e) {
        return fail(err, c->name + ": " + e.what());
    } catch (...) {
        return fail(err, c->name + ": unknown error");
    }
}

int cluster_search(struct cluster *c, const struct cluster_query *q,
                   struct cluster_result **out, struct mg_err *err)
{
    *out = nullptr;
    double t0 = mg_now();
    cluster_result *res = (cluster_result *)mg_calloc(1, sizeof *res);
    int rc = guarded(
        c,
        [&]() {
            Xapian::Query query;
            try {
                query = Xapian::Query::unserialise(
                    std::string(q->query, q->query_len));
            } catch (const Xapian::Error &e) {
                return fail(err,
                            c->name + ": bad query: " + e.get_description());
            }
            unsigned failovers = 0;
            int rc = with_shards(
                c, t0, &failovers,
                [&](const std::vector<used_shard> &used,
                    const std::vector<size_t> &missing) {
                    clear_result(res);
                    run(q, query, used, res);
                    res->n_shards = c->shards.size();
                    res->replica = (size_t *)mg_malloc(res->n_shards *
                                                       sizeof *res->replica);
                    std::fill(res->replica, res->replica + res->n_shards,
                              (size_t)-1);
                    for (const used_shard &u : used)
                        res->replica[u.shard] =
                            (size_t)(u.rep - c->shards[u.shard].reps.data());
                    res->n_missing = missing.size();
                    res->missing =
                        (size_t *)mg_calloc(missing.size() ? missing.size() : 1,
                                            sizeof *res->missing);
                    std::copy(missing.begin(), missing.end(), res->missing);
                },
                err);
            res->failovers = failovers;
            return rc;
        },
        err);
    if (rc < 0) {
        cluster_result_free(res);
        return -1;
    }
    res->seconds = mg_now() - t0;
    *out = res;
    return 0;
}

int cluster_terms(struct cluster *c, const char *prefix, size_t max,
                  struct cluster_spy **out, struct mg_err *err)
{
    *out = nullptr;
    double t0 = mg_now();
    cluster_spy *res = (cluster_spy *)mg_calloc(1, sizeof *res);
    unsigned failovers = 0;
    int rc = guarded(
        c,
        [&]() {
            return with_shards(
                c, t0, &failovers,
                [&](const std::vector<used_shard> &used,
                    const std::vector<size_t> &) {
                    Xapian::Database all;
                    for (const used_shard &u : used)
                        all.add_database(*u.rep->db);
                    std::vector<std::pair<std::string, unsigned>> v;
                    for (auto t = all.allterms_begin(prefix);
                         t != all.allterms_end(prefix) && v.size() <= max; ++t)
                        v.emplace_back(*t, t.get_termfreq());
                    cluster_spy_clear(res);
                    res->n = v.size();
                    res->counts = (cluster_count *)mg_calloc(
                        v.size() ? v.size() : 1, sizeof *res->counts);
                    for (size_t i = 0; i < v.size(); i++) {
                        res->counts[i].value = dup_str(v[i].first);
                        res->counts[i].count = v[i].second;
                    }
                },
                err);
        },
        err);
    if (rc < 0) {
        cluster_terms_free(res);
        return -1;
    }
    *out = res;
    return 0;
}

void cluster_terms_free(struct cluster_spy *t)
{
    if (!t)
        return;
    cluster_spy_clear(t);
    free(t);
}

int cluster_keep_alive(struct cluster *c)
{
    int dropped = 0;
    for (shard &s : c->shards)
        for (replica &r : s.reps) {
            if (!r.db || !r.remote)
                continue;
            try {
                r.db->keep_alive();
            } catch (...) {
                drop(r);
                dropped++;
            }
        }
    return dropped;
}

void cluster_disconnect(struct cluster *c)
{
    for (shard &s : c->shards)
        for (replica &r : s.reps)
            drop(r);
}

int cluster_with_dbs(
    struct cluster *c,
    const std::function<void(const std::vector<Xapian::Database> &,
                             const std::vector<size_t> &)> &fn,
    struct mg_err *err)
{
    unsigned failovers = 0;
    return with_shards(
        c, mg_now(), &failovers,
        [&](const std::vector<used_shard> &used,
            const std::vector<size_t> &missing) {
            std::vector<Xapian::Database> parts;
            for (const used_shard &u : used)
                parts.push_back(*u.rep->db);
            fn(parts, missing);
        },
        err);
}
