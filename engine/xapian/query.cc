/*
 * query.cc - a search described in C (query.h) turned into a
 * Xapian::Query built by our code and run over one database with
 * built-in weights only: BM25 with the parameters of TERMS.md, ties by
 * the uid value, newest/oldest by the date-and-uid value, near-duplicate
 * collapse on the dup key value (group sizes counted by a spy on it),
 * facets by ValueCountMatchSpy in an
 * unsorted pass of their own (all of which a remote shard can run:
 * NOTES-cluster.md).  No exception leaves this file.
 */
extern "C" {
#include "article.h"
#include "fingerprint.h"
#include "termstats.h"
#include "util.h"
}

#include "query.h"
#include "shim_int.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <xapian.h>

/* ---- building the tree (plain C data) ---------------------------------- */

static int add_node(struct mgxq *q, enum mgxq_kind kind)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 32;
        q->v =
            (struct mgxq_node *)mg_realloc(q->v, sizeof *q->v * (size_t)q->cap);
    }
    struct mgxq_node *n = &q->v[q->n];
    *n = mgxq_node();
    n->kind = kind;
    n->scale = 1;
    return q->n++;
}

static void set_kids(struct mgxq_node *n, const int *kids, int nk)
{
    n->kid = (int *)mg_malloc(sizeof *n->kid * (size_t)(nk > 0 ? nk : 1));
    if (nk > 0)
        std::memcpy(n->kid, kids, sizeof *kids * (size_t)nk);
    n->nkid = nk;
}

extern "C" int mgxq_term(struct mgxq *q, int field, const char *key, int cls)
{
    int i = add_node(q, MGXQ_TERM);
    q->v[i].field = field;
    q->v[i].key = mg_strdup(key);
    q->v[i].cls = cls;
    return i;
}

extern "C" int mgxq_op(struct mgxq *q, enum mgxq_kind kind, const int *kids,
                       int n)
{
    int i = add_node(q, kind);
    set_kids(&q->v[i], kids, n);
    return i;
}

extern "C" int mgxq_near(struct mgxq *q, const int *kids, int n, int window)
{
    int i = mgxq_op(q, MGXQ_NEAR, kids, n);
    q->v[i].window = window;
    return i;
}

extern "C" int mgxq_scale(struct mgxq *q, int kid, double scale)
{
    int i = mgxq_op(q, MGXQ_SCALE, &kid, 1);
    q->v[i].scale = scale;
    return i;
}

extern "C" int mgxq_range(struct mgxq *q, int slot, const char *lo,
                          const char *hi)
{
    int i = add_node(q, MGXQ_RANGE);
    q->v[i].slot = slot;
    q->v[i].lo = mg_strdup(lo);
    q->v[i].hi = mg_strdup(hi);
    return i;
}

extern "C" int mgxq_leaf(struct mgxq *q, enum mgxq_kind kind)
{
    return add_node(q, kind);
}

extern "C" void mgxq_free(struct mgxq *q)
{
    for (int i = 0; i < q->n; i++) {
        free(q->v[i].key);
        free(q->v[i].lo);
        free(q->v[i].hi);
        free(q->v[i].kid);
    }
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

/* ---- the Xapian::Query ------------------------------------------------- */

namespace
{

std::string term_string(const struct mgxq_node &n)
{
    struct buf b = {};
    mgx_term(n.field, n.key ? n.key : "", n.cls, &b);
    std::string t(b.s ? b.s : "", b.len);
    buf_free(&b);
    return t;
}

Xapian::Query build(const struct mgxq *q, int i, int depth)
{
    if (i < 0 || i >= q->n || depth > 64)
        throw std::runtime_error("a malformed query tree");
    const struct mgxq_node &n = q->v[i];
    std::vector<Xapian::Query> kids;
    for (int k = 0; k < n.nkid; k++)
        kids.push_back(build(q, n.kid[k], depth + 1));
    Xapian::Query::op op;
    Xapian::termcount window = 0;
    switch (n.kind) {
    case MGXQ_TERM: return Xapian::Query(term_string(n));
    case MGXQ_ALL: return Xapian::Query::MatchAll;
    case MGXQ_NOTHING: return Xapian::Query::MatchNothing;
    case MGXQ_SCALE:
        if (kids.size() != 1)
            throw std::runtime_error("a scaled node needs one child");
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, kids[0], n.scale);
    case MGXQ_RANGE: {
        Xapian::valueno s = (Xapian::valueno)n.slot;
        if (n.lo && n.hi)
            return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, s, n.lo, n.hi);
        if (n.lo)
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, s, n.lo);
        if (n.hi)
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, s, n.hi);
        return Xapian::Query::MatchAll;
    }
    case MGXQ_AND: op = Xapian::Query::OP_AND; break;
    case MGXQ_OR: op = Xapian::Query::OP_OR; break;
    case MGXQ_PHRASE:
        op = Xapian::Query::OP_PHRASE;
        window = (Xapian::termcount)kids.size();
        break;
    case MGXQ_NEAR:
        op = Xapian::Query::OP_NEAR;
        window = (Xapian::termcount)n.window;
        break;
    case MGXQ_AND_NOT: op = Xapian::Query::OP_AND_NOT; break;
    case MGXQ_AND_MAYBE: op = Xapian::Query::OP_AND_MAYBE; break;
    case MGXQ_FILTER: op = Xapian::Query::OP_FILTER; break;
    default: throw std::runtime_error("an unknown query node");
    }
    if (kids.empty())
        return Xapian::Query::MatchNothing;
    if (kids.size() == 1 && op != Xapian::Query::OP_PHRASE &&
        op != Xapian::Query::OP_NEAR)
        return kids[0];
    return Xapian::Query(op, kids.begin(), kids.end(), window);
}

} // namespace

extern "C" int mgxq_describe(const struct mgxq *q, int root, struct buf *out,
                             struct mg_err *err)
{
    buf_clear(out);
    return mgx_guarded("query", "describing", err, [&]() {
        std::string d = build(q, root, 0).get_description();
        buf_add(out, d.data(), d.size());
        return 0;
    });
}

/* ---- running it -------------------------------------------------------- */

static void hit_clear(struct mgxq_hit *h)
{
    free(h->uid);
    free(h->title);
    free(h->date);
    free(h->source);
    free(h->url);
    free(h->path);
    if (h->doc)
        article_clear(h->doc);
    free(h->doc);
}

extern "C" void mgxq_result_free(struct mgxq_result *res)
{
    for (int i = 0; i < res->nhits; i++)
        hit_clear(&res->hits[i]);
    free(res->hits);
    for (int i = 0; i < res->ncounts; i++)
        free(res->counts[i].value);
    free(res->counts);
    for (int i = 0; i < res->nsets; i++)
        free(res->sets[i].value);
    free(res->sets);
    *res = mgxq_result{};
}

static char *value_or_null(const Xapian::Document &d, int slot)
{
    std::string v = d.get_value((Xapian::valueno)slot);
    return v.empty() ? NULL : mg_strndup(v.data(), v.size());
}

/* The hit line's fields of h from document d's values. */
static void hit_values(struct mgxq_hit *h, const Xapian::Document &d)
{
    h->uid = value_or_null(d, MGX_VAL_UID);
    h->title = value_or_null(d, MGX_VAL_TITLE);
    h->date = value_or_null(d, MGX_VAL_DATE);
    h->source = value_or_null(d, MGX_VAL_SOURCE);
    h->url = value_or_null(d, MGX_VAL_URL);
    h->path = value_or_null(d, MGX_VAL_PATH);
}

/* BM25's length normalisation: b, and the least normalised length (an
 * article shorter than this share of the mean counts as that long).
 * Chosen with make eval (NOTES-eval.md): b = 0.5 (Xapian's default) on
 * every set; in a strict search (every word held) min 1, so that short
 * articles (price tables, briefs) do not outrank full stories for being
 * short, as the FTS5 engine's short-body factor does; in a relaxed one
 * Xapian's 0.5, which the abstracts of the classic collections need. */
#define MGXQ_BM25_B 0.5
#define MGXQ_MIN_NORMLEN_STRICT 1.0
#define MGXQ_MIN_NORMLEN_RELAXED 0.5

static Xapian::BM25Weight morgue_bm25(int relaxed)
{
    /* TERMS.md: k1 = 2 x TS_K1 (wdf counts half tokens) */
    return Xapian::BM25Weight(2 * TS_K1, 0, 1, MGXQ_BM25_B,
                              relaxed ? MGXQ_MIN_NORMLEN_RELAXED
                                      : MGXQ_MIN_NORMLEN_STRICT);
}

/* query, or over more than sample of its total matches an even sample of
 * about sample of them: the matches whose dup key (a hash) is below the
 * share, a serialisable value filter. */
static Xapian::Query sampled(const Xapian::Query &query, int64_t total,
                             int64_t sample)
{
    if (sample <= 0 || total <= sample)
        return query;
    double share = (double)sample / (double)total;
    /* share < 1: 32 bits of it are plenty */
    uint64_t below = (uint64_t)(share * 4294967296.0) << 32;
    std::string b(8, '\0');
    for (int k = 7; k >= 0; k--, below >>= 8)
        b[(size_t)k] = (char)(below & 0xff);
    return Xapian::Query(
        Xapian::Query::OP_FILTER, query,
        Xapian::Query(Xapian::Query::OP_VALUE_LE, MGX_VAL_DUPKEY, b));
}

extern "C" int mgxq_search(struct mgx_db *db, const struct mgxq *q,
                           const struct mgxq_run *r, struct mgxq_result *res,
                           struct mg_err *err)
{
    *res = mgxq_result{};
    int rc = mgx_guarded(mgx_path(db), "searching", err, [&]() {
        Xapian::Database &xdb = mgx_reader(db);
        Xapian::Query query = build(q, r->root, 0);
        Xapian::doccount all = xdb.get_doccount();
        double t = mg_now();

        /* the total: every match, unsorted, unweighted */
        std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
        std::vector<int> slots;
        auto is_ent = [](int s) {
            return s >= MGX_VAL_ENT0 && s < MGX_VAL_ENT0 + MGX_MAX_ENT_SLOTS;
        };
        for (int i = 0; i < r->nspies && !res->entsets; i++)
            if (is_ent(r->spy_slots[i]))
                res->entsets = xdb.get_value_freq(MGX_VAL_ENTSET) > 0;
        for (int i = 0; i < r->nspies; i++)
            if (!res->entsets || !is_ent(r->spy_slots[i]))
                slots.push_back(r->spy_slots[i]);
        if (res->entsets) /* one spy for the entity slots' */
            slots.push_back(MGX_VAL_ENTSET);
        for (int s : slots)
            spies.emplace_back(
                new Xapian::ValueCountMatchSpy((Xapian::valueno)s));
        {
            Xapian::Enquire count(xdb);
            count.set_query(query);
            count.set_weighting_scheme(Xapian::BoolWeight());
            count.set_docid_order(Xapian::Enquire::DONT_CARE);
            Xapian::MSet m = count.get_mset(0, 0, all);
            res->total = (int64_t)m.get_matches_estimated();
        }
        res->passes++;
        res->ms_count = (mg_now() - t) * 1e3;
        t = mg_now();
        /* the spies: every match, or an even sample of them */
        if (!spies.empty() && res->total > 0) {
            Xapian::Query sq = sampled(query, res->total, r->sample);
            Xapian::Enquire count(xdb);
            count.set_query(sq);
            count.set_weighting_scheme(Xapian::BoolWeight());
            count.set_docid_order(Xapian::Enquire::DONT_CARE);
            for (auto &s : spies)
                count.add_matchspy(s.get());
            Xapian::MSet m = count.get_mset(0, 0, all);
            if (r->sample > 0 && res->total > r->sample)
                res->sampled = (int64_t)m.get_matches_estimated();
            res->passes++;
        }
        std::vector<struct mgxq_count> counts, sets;
        std::map<std::string, int64_t> ents; /* from the sets */
        for (size_t i = 0; i < spies.size(); i++) {
            size_t first = counts.size();
            for (Xapian::TermIterator v = spies[i]->values_begin();
                 v != spies[i]->values_end(); ++v) {
                std::string s = *v;
                if (slots[i] == MGX_VAL_ENTSET) {
                    int64_t c = (int64_t)v.get_termfreq();
                    for (size_t at = 0; at <= s.size();) {
                        size_t end = s.find('\0', at);
                        if (end == std::string::npos)
                            end = s.size();
                        if (end > at && s[at] != '\1')
                            ents[s.substr(at, end - at)] += c;
                        at = end + 1;
                    }
                    std::replace(s.begin(), s.end(), '\0', '\n');
                    sets.push_back(
                        {MGX_VAL_ENTSET, mg_strndup(s.data(), s.size()), c});
                    continue;
                }
                counts.push_back({slots[i], mg_strndup(s.data(), s.size()),
                                  (int64_t)v.get_termfreq()});
            }
            if (slots[i] == MGX_VAL_ENTSET) {
                for (const auto &kv : ents)
                    counts.push_back(
                        {MGX_VAL_ENT0,
                         mg_strndup(kv.first.data(), kv.first.size()),
                         kv.second});
            }
            std::sort(
                counts.begin() + (long)first, counts.end(),
                [](const struct mgxq_count &a, const struct mgxq_count &b) {
                    if (a.count != b.count)
                        return a.count > b.count;
                    return std::strcmp(a.value, b.value) < 0;
                });
        }
        res->ncounts = (int)counts.size();
        res->counts = (struct mgxq_count *)mg_calloc(
            counts.empty() ? 1 : counts.size(), sizeof *res->counts);
        std::copy(counts.begin(), counts.end(), res->counts);
        res->nsets = (int)sets.size();
        res->sets = (struct mgxq_count *)mg_calloc(
            sets.empty() ? 1 : sets.size(), sizeof *res->sets);
        std::copy(sets.begin(), sets.end(), res->sets);
        res->ms_spies = (mg_now() - t) * 1e3;
        t = mg_now();

        /* the page */
        Xapian::Enquire enq(xdb);
        enq.set_query(query);
        enq.set_weighting_scheme(morgue_bm25(r->relaxed));
        if (r->sort == MGXQ_RELEVANCE)
            enq.set_sort_by_relevance_then_value(MGX_VAL_UID, false);
        else
            enq.set_sort_by_value(MGX_VAL_DATEUID, r->sort == MGXQ_NEWEST);
        if (r->collapse)
            enq.set_collapse_key(MGX_VAL_DUPKEY);
        Xapian::MSet m = enq.get_mset((Xapian::doccount)r->offset,
                                      (Xapian::doccount)r->limit);
        res->hits = (struct mgxq_hit *)mg_calloc(m.size() ? m.size() : 1,
                                                 sizeof *res->hits);
        std::vector<std::string> keys;
        m.fetch(m.begin(), m.end()); /* the page's documents at once */
        for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
            Xapian::Document d = i.get_document();
            struct mgxq_hit *h = &res->hits[res->nhits++];
            hit_values(h, d);
            h->weight = i.get_weight();
            keys.push_back(d.get_value(MGX_VAL_DUPKEY));
            if (r->docs) {
                h->doc = (struct article *)mg_calloc(1, sizeof *h->doc);
                if (!mgx_record_read(d.get_data(), h->doc))
                    throw std::runtime_error(
                        std::string("a stored record morgue cannot read: ") +
                        (h->uid ? h->uid : "?"));
            }
        }
        res->passes++;
        res->ms_page = (mg_now() - t) * 1e3;
        t = mg_now();
        if (!r->collapse || res->nhits == 0)
            return 0;
        /* "+N similar": the sizes of the page's groups (collapse_count is a
         * lower bound over remote shards), counted over the matches in
         * them only, so that a shard sends back a count per page group,
         * not one per group of every match */
        std::vector<Xapian::Query> groups;
        std::vector<std::string> distinct(keys);
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()),
                       distinct.end());
        /* scheme 5 on: each key is a term too (XK), so the groups' matches
         * come from their postings; before, each key's value range scans
         * the slot */
        bool terms = !distinct.empty() &&
                     xdb.get_termfreq(mgx_dup_term(distinct[0])) > 0;
        for (const std::string &k : distinct)
            if (terms)
                groups.emplace_back(mgx_dup_term(k));
            else
                groups.emplace_back(Xapian::Query::OP_VALUE_RANGE,
                                    MGX_VAL_DUPKEY, k, k);
        Xapian::ValueCountMatchSpy dup(MGX_VAL_DUPKEY);
        {
            Xapian::Enquire count(xdb);
            count.set_query(
                Xapian::Query(Xapian::Query::OP_FILTER, query,
                              Xapian::Query(Xapian::Query::OP_OR,
                                            groups.begin(), groups.end())));
            count.set_weighting_scheme(Xapian::BoolWeight());
            count.set_docid_order(Xapian::Enquire::DONT_CARE);
            count.add_matchspy(&dup);
            count.get_mset(0, 0, all);
        }
        std::map<std::string, int64_t> size;
        for (Xapian::TermIterator v = dup.values_begin(); v != dup.values_end();
             ++v)
            size[*v] = (int64_t)v.get_termfreq();
        for (int i = 0; i < res->nhits; i++) {
            int64_t s = size[keys[(size_t)i]];
            res->hits[i].similar = s > 1 ? (int)(s - 1) : 0;
            res->collapsed += res->hits[i].similar;
        }
        res->passes++;
        res->ms_groups = (mg_now() - t) * 1e3;
        return 0;
    });
    if (rc < 0)
        mgxq_result_free(res);
    return rc;
}

/* The display name of entity value (kind letter + key): the form most of
 * its articles give (its XN terms' frequencies over every shard), then the
 * longest, then the first in byte order, as the FTS5 store names an
 * entity; a database without XN terms: the metadata's name; else "". */
static std::string entity_name(struct mgx_db *db, const std::string &value)
{
    Xapian::Database &xdb = mgx_reader(db);
    std::string start = "XN" + value + std::string(1, '\0'), best;
    Xapian::doccount most = 0;
    for (Xapian::TermIterator t = xdb.allterms_begin(start);
         t != xdb.allterms_end(start); ++t) {
        std::string form = (*t).substr(start.size());
        Xapian::doccount n = t.get_termfreq();
        if (n > most ||
            (n == most && (form.size() > best.size() ||
                           (form.size() == best.size() && form < best)))) {
            most = n;
            best = form;
        }
    }
    return most ? best : mgx_metadata(db, "morgue.ent." + value);
}

extern "C" int mgxq_entity_name(struct mgx_db *db, const char *value,
                                struct buf *out, struct mg_err *err)
{
    buf_clear(out);
    return mgx_guarded(mgx_path(db), value, err, [&]() {
        std::string name = entity_name(db, value);
        if (name.empty())
            name = value[0] ? value + 1 : value;
        buf_add(out, name.data(), name.size());
        return 0;
    });
}

/* ---- near-duplicates of one article (mgxq_similar) ------------------- */

static uint64_t simhash_of(const std::string &v)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8 && i < v.size(); i++)
        h = h << 8 | (unsigned char)v[i];
    return h;
}

extern "C" int mgxq_similar(struct mgx_db *db, const char *uid, int maxdist,
                            int limit, struct mgxq_result *res,
                            struct mg_err *err)
{
    *res = mgxq_result{};
    int rc = mgx_guarded(mgx_path(db), uid, err, [&]() {
        Xapian::Database &xdb = mgx_reader(db);
        struct buf b = {};
        mgx_term(MGX_UID, uid, 0, &b);
        std::string uterm(b.s ? b.s : "", b.len);
        buf_free(&b);
        Xapian::Document self;
        bool found = false;
        for (Xapian::PostingIterator p = xdb.postlist_begin(uterm);
             p != xdb.postlist_end(uterm) && !found; ++p) {
            self = xdb.get_document(*p);
            found = self.get_value(MGX_VAL_UID) == uid; /* a hashed term */
        }
        if (!found)
            return 0;
        uint64_t sh = simhash_of(self.get_value(MGX_VAL_SIMHASH));
        if (!sh)
            return 1; /* an empty body is like no other (as FTS5) */
        /* TERMS.md: within FP_NEAR bits, two fingerprints share a band's
         * term; the article's own band terms are in its term list */
        std::vector<Xapian::Query> bands;
        Xapian::TermIterator t = self.termlist_begin();
        for (t.skip_to("XF"); t != self.termlist_end(); ++t) {
            std::string term = *t;
            if (term.compare(0, 2, "XF") != 0)
                break;
            bands.emplace_back(term);
        }
        Xapian::Query cand(
            Xapian::Query::OP_AND_NOT,
            Xapian::Query(Xapian::Query::OP_OR, bands.begin(), bands.end()),
            Xapian::Query(uterm));
        /* the fingerprints the candidates hold, counted on the shards (no
         * document read), and those near enough */
        Xapian::Enquire enq(xdb);
        enq.set_weighting_scheme(Xapian::BoolWeight());
        enq.set_query(cand);
        Xapian::ValueCountMatchSpy spy(MGX_VAL_SIMHASH);
        enq.add_matchspy(&spy);
        enq.get_mset(0, 0, xdb.get_doccount());
        std::vector<Xapian::Query> near;
        for (Xapian::TermIterator v = spy.values_begin(); v != spy.values_end();
             ++v) {
            uint64_t o = simhash_of(*v);
            if (o && fp_distance(o, sh) <= maxdist)
                near.emplace_back(Xapian::Query::OP_VALUE_RANGE,
                                  MGX_VAL_SIMHASH, *v, *v);
        }
        if (near.empty())
            return 1;
        enq.clear_matchspies();
        enq.set_query(Xapian::Query(
            Xapian::Query::OP_FILTER, cand,
            Xapian::Query(Xapian::Query::OP_OR, near.begin(), near.end())));
        Xapian::MSet m = enq.get_mset(0, xdb.get_doccount());
        struct row {
            int dist;
            std::string date, uid;
            Xapian::Document doc;
        };
        std::vector<row> rows;
        for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
            Xapian::Document d = i.get_document();
            rows.push_back(
                {fp_distance(simhash_of(d.get_value(MGX_VAL_SIMHASH)), sh),
                 d.get_value(MGX_VAL_DATE), d.get_value(MGX_VAL_UID), d});
        }
        /* nearest first, then oldest (FTS5: then by rowid; here the uid) */
        std::sort(rows.begin(), rows.end(), [](const row &x, const row &y) {
            if (x.dist != y.dist)
                return x.dist < y.dist;
            return x.date != y.date ? x.date < y.date : x.uid < y.uid;
        });
        size_t n = std::min(rows.size(), (size_t)(limit > 0 ? limit : 0));
        res->hits = (struct mgxq_hit *)mg_calloc(n ? n : 1, sizeof *res->hits);
        for (size_t i = 0; i < n; i++) {
            const Xapian::Document &d = rows[i].doc;
            struct mgxq_hit *h = &res->hits[res->nhits++];
            hit_values(h, d);
            h->weight = rows[i].dist ? -(double)rows[i].dist : 0.0;
        }
        res->total = (int64_t)rows.size();
        return 1;
    });
    if (rc < 0)
        mgxq_result_free(res);
    return rc;
}

/* ---- entities by name (mgxq_entities) -------------------------------- */

extern "C" int mgxq_entities(struct mgx_db *db, const char *prefix, int kind,
                             mgxq_entity_fn fn, void *ctx, struct mg_err *err)
{
    return mgx_guarded(mgx_path(db), prefix, err, [&]() {
        Xapian::Database &xdb = mgx_reader(db);
        std::string low(prefix);
        for (char &c : low)
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
        int n = 0;
        for (int k = ENT_PERSON; k <= ENT_ORG; k++) {
            if (kind >= 0 && kind != k)
                continue;
            /* TERMS.md: XV + kind letter + name in lower case + NUL + key */
            std::string start = std::string("XV") + "pwo"[k] + low;
            std::vector<std::string> keys;
            for (Xapian::TermIterator t = xdb.allterms_begin(start);
                 t != xdb.allterms_end(start); ++t) {
                std::string term = *t;
                size_t nul = term.find('\0', start.size());
                if (nul != std::string::npos)
                    keys.push_back(term.substr(nul + 1));
            }
            std::sort(keys.begin(), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
            struct buf b = {};
            for (const std::string &key : keys) {
                mgx_term(MGX_PERSON + k, key.c_str(), 0, &b);
                Xapian::doccount df =
                    xdb.get_termfreq(std::string(b.s ? b.s : "", b.len));
                if (df > 0 && fn(ctx, k, key.c_str(), (int64_t)df) != 0)
                    break;
                n += df > 0;
            }
            buf_free(&b);
        }
        return n;
    });
}

/* ---- the entities named with an entity (mgxq_with) ------------------- */

/* The entity term (XP/XW/XO + key) of an entity slot's value (TERMS.md:
 * kind letter + key), "" for another value. */
static std::string entity_term(const char *v)
{
    const char *kinds = "pwo", *at = v[0] ? std::strchr(kinds, v[0]) : NULL;
    if (!at)
        return std::string();
    struct buf b = {};
    mgx_term(MGX_PERSON + (int)(at - kinds), v + 1, 0, &b);
    std::string t(b.s ? b.s : "", b.len);
    buf_free(&b);
    return t;
}

/* mgxq_with's counts by spies: per facet entity one pass over the
 * counted matches that name it, a ValueCountMatchSpy per entity slot,
 * summed per value (no document read: for remote shards). */
static int with_by_spies(Xapian::Database &xdb, const Xapian::Query &sq,
                         const char *const *values, int n,
                         std::vector<std::map<std::string, int64_t>> &sum)
{
    int passes = 0;
    for (int i = 0; i < n; i++) {
        const char *v = values[i];
        std::string term = entity_term(v);
        if (term.empty())
            continue;
        Xapian::Enquire e(xdb);
        e.set_query(
            Xapian::Query(Xapian::Query::OP_FILTER, sq, Xapian::Query(term)));
        e.set_weighting_scheme(Xapian::BoolWeight());
        e.set_docid_order(Xapian::Enquire::DONT_CARE);
        std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
        for (int k = 0; k < MGX_MAX_ENT_SLOTS; k++) {
            spies.emplace_back(new Xapian::ValueCountMatchSpy(
                (Xapian::valueno)(MGX_VAL_ENT0 + k)));
            e.add_matchspy(spies.back().get());
        }
        e.get_mset(0, 0, xdb.get_doccount());
        passes++;
        for (auto &spy : spies)
            for (Xapian::TermIterator t = spy->values_begin();
                 t != spy->values_end(); ++t)
                if (*t != v)
                    sum[(size_t)i][*t] += (int64_t)t.get_termfreq();
    }
    return passes;
}

/* ... by documents: one pass over the counted matches, each one's entity
 * slots (filled from slot 0 on, TERMS.md) read, every pair of a facet
 * entity and another counted (for local databases: 10 to 20 times less
 * work than the spies). */
static int with_by_documents(Xapian::Database &xdb, const Xapian::Query &sq,
                             const char *const *values, int n,
                             std::vector<std::map<std::string, int64_t>> &sum)
{
    std::map<std::string, int> facet; /* value -> its index */
    std::vector<std::string> terms;   /* its entity term */
    for (int i = 0; i < n; i++) {
        facet.emplace(values[i], i);
        terms.push_back(entity_term(values[i]));
    }
    Xapian::Enquire e(xdb);
    e.set_query(sq);
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::DONT_CARE);
    Xapian::MSet m = e.get_mset(0, xdb.get_doccount());
    std::vector<std::string> ents;
    std::vector<std::pair<Xapian::docid, std::vector<std::string>>> full;
    for (Xapian::MSetIterator d = m.begin(); d != m.end(); ++d) {
        Xapian::Document doc = d.get_document();
        ents.clear();
        for (int k = 0; k < MGX_MAX_ENT_SLOTS; k++) {
            std::string v = doc.get_value((Xapian::valueno)(MGX_VAL_ENT0 + k));
            if (v.empty())
                break;
            ents.push_back(v);
        }
        for (const std::string &v : ents) {
            auto f = facet.find(v);
            if (f != facet.end())
                for (const std::string &o : ents)
                    if (o != v)
                        sum[(size_t)f->second][o]++;
        }
        if (ents.size() == (size_t)MGX_MAX_ENT_SLOTS)
            full.emplace_back(*d, ents);
    }
    /* every slot taken: a facet entity may be among the article's terms
     * only (as the spies' filter by its term counts it) */
    std::sort(full.begin(), full.end());
    for (int i = 0; i < n && !full.empty(); i++) {
        const std::string &t = terms[(size_t)i];
        if (t.empty())
            continue;
        Xapian::PostingIterator p = xdb.postlist_begin(t);
        for (const auto &f : full) {
            if (std::find(f.second.begin(), f.second.end(), values[i]) !=
                f.second.end())
                continue; /* counted from its slot */
            p.skip_to(f.first);
            if (p == xdb.postlist_end(t))
                break;
            if (*p == f.first)
                for (const std::string &o : f.second)
                    sum[(size_t)i][o]++;
        }
    }
    return 1;
}

/* with[i] from the counted sets (the counts' shape mgxq_with gives). */
static void with_fill(const std::vector<std::map<std::string, int64_t>> &sum,
                      int n, struct mgxq_result *with)
{
    for (int i = 0; i < n; i++) {
        struct mgxq_result *w = &with[i];
        const auto &s = sum[(size_t)i];
        w->counts = (struct mgxq_count *)mg_calloc(s.empty() ? 1 : s.size(),
                                                   sizeof *w->counts);
        for (const auto &kv : s)
            w->counts[w->ncounts++] = {
                MGX_VAL_ENT0, mg_strndup(kv.first.data(), kv.first.size()),
                kv.second};
        std::sort(w->counts, w->counts + w->ncounts,
                  [](const struct mgxq_count &a, const struct mgxq_count &c) {
                      if (a.count != c.count)
                          return a.count > c.count;
                      return std::strcmp(a.value, c.value) < 0;
                  });
    }
}

extern "C" void mgxq_with_sets(const struct mgxq_result *m,
                               const char *const *values, int n,
                               struct mgxq_result *with)
{
    for (int i = 0; i < n; i++)
        with[i] = mgxq_result{};
    std::map<std::string, int> facet; /* value -> its index */
    for (int i = 0; i < n; i++)
        facet.emplace(values[i], i);
    std::vector<std::map<std::string, int64_t>> sum((size_t)n);
    std::vector<std::string> in; /* a set's entities in slots */
    std::vector<int> named;      /* the facet entities it names */
    for (int k = 0; k < m->nsets; k++) {
        in.clear();
        named.clear();
        const char *s = m->sets[k].value;
        while (*s) {
            const char *e = std::strchr(s, '\n');
            size_t len = e ? (size_t)(e - s) : std::strlen(s);
            bool beyond = *s == '\1';
            std::string v(s + beyond, len - beyond);
            auto f = facet.find(v);
            if (f != facet.end())
                named.push_back(f->second);
            if (!beyond)
                in.push_back(v);
            s += len + (e != NULL);
        }
        for (int i : named)
            for (const std::string &o : in)
                if (o != values[i])
                    sum[(size_t)i][o] += m->sets[k].count;
    }
    with_fill(sum, n, with);
}

extern "C" int mgxq_with(struct mgx_db *db, const struct mgxq *q, int root,
                         int64_t total, int64_t sample,
                         const char *const *values, int n,
                         struct mgxq_result *with, struct mg_err *err)
{
    for (int i = 0; i < n; i++)
        with[i] = mgxq_result{};
    int rc = mgx_guarded(mgx_path(db), "counting names", err, [&]() {
        Xapian::Database &xdb = mgx_reader(db);
        Xapian::Query sq = sampled(build(q, root, 0), total, sample);
        std::vector<std::map<std::string, int64_t>> sum((size_t)n);
        int passes = mgx_wrapped(db)
                         ? with_by_spies(xdb, sq, values, n, sum)
                         : with_by_documents(xdb, sq, values, n, sum);
        with_fill(sum, n, with);
        with[0].passes = passes;
        return 0;
    });
    if (rc < 0)
        for (int i = 0; i < n; i++)
            mgxq_result_free(&with[i]);
    return rc;
}
