/*
 * shim.cc - the Xapian engine's shim (shim.h): the project's only C++.
 * Each extern "C" entry point runs its body through guarded(), which
 * catches every exception and turns it into the caller's struct mg_err
 * naming the database's path, with Xapian's own description.  The term
 * scheme is engine/xapian/TERMS.md.
 */
extern "C" {
#include "article.h"
#include "fingerprint.h"
#include "termstats.h"
#include "tokenizer.h"
#include "util.h"
}

#include "shim.h"
#include "shim_int.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <xapian.h>

namespace
{

/* ---- the term scheme (TERMS.md) ----------------------------------- */

/* The prefix of each text column's terms (enum art_col order). */
const char *const COL_PREFIX[ART_NCOLS] = {"S", "XL", "XB", "XC", "XH", "XE"};
/* After a column's prefix (or alone, for any column): a class term. */
const char CLASS_MARK = 'Z';
const char *const P_UID = "Q";
const char *const P_UID_HASHED = "XQ";
const char *const P_SOURCE = "XSRC";
const char *const P_SECTION = "XSEC";
const char *const P_BYLINE = "XA";
const char *const P_PERSON = "XP";
const char *const P_PLACE = "XW";
const char *const P_ORG = "XO";
const char *const P_BAND = "XF";
/* Entity names for autocompletion: kind letter + the name in ASCII lower
 * case + NUL + the entity's key (query.cc: mgxq_entities). */
const char *const P_ALIAS = "XV";
/* The canonical name an article gives an entity: kind letter + key + NUL +
 * the name as written (query.cc: an entity's display name is the form
 * most of its articles give, as the FTS5 store names it). */
const char *const P_FORM = "XN";
/* Positions left empty between two columns, so that no phrase or NEAR
 * spans a column's end. */
const Xapian::termpos FIELD_GAP = 100;
/* Xapian's glass backend takes terms of up to 245 bytes. */
const size_t MAX_TERM = 240;
/* Simhash bands: a first of 10 bits, then six of 9.  Two fingerprints
 * within FP_NEAR (6) bits differ in at most 6 of the 7 bands, so they
 * share one band's term. */
const int NBANDS = 7;
const int BAND_START[NBANDS + 1] = {0, 10, 19, 28, 37, 46, 55, 64};
const char *const META_SCHEME = "morgue.scheme";
const char *const META_ENGINE = "morgue.engine";
const char *const META_TOK = "morgue.tok_version";
/* Entity display names: META_ENT + kind letter + key -> canonical. */
const char *const META_ENT = "morgue.ent.";
const unsigned RECORD_VERSION = 1;

/* A term within Xapian's length limit: a longer one is cut and ends
 * with the hash of the whole, so different long terms stay apart. */
std::string fit(std::string t)
{
    if (t.size() <= MAX_TERM)
        return t;
    char h[20];
    std::snprintf(h, sizeof h, "#%016llx",
                  (unsigned long long)mg_hash64(t.data(), t.size()));
    t.resize(MAX_TERM - 17);
    return t + h;
}

std::string lower_ascii(const char *s)
{
    std::string r(s ? s : "");
    for (char &c : r)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
    return r;
}

std::string uid_term(const char *uid)
{
    std::string t = std::string(P_UID) + uid;
    if (t.size() <= MAX_TERM)
        return t;
    char h[20];
    std::snprintf(h, sizeof h, "%016llx",
                  (unsigned long long)mg_hash64(uid, std::strlen(uid)));
    return std::string(P_UID_HASHED) + h;
}

char ent_letter(enum ent_kind k)
{
    return k == ENT_PERSON ? 'p' : k == ENT_PLACE ? 'w' : 'o';
}

const char *ent_prefix(enum ent_kind k)
{
    return k == ENT_PERSON ? P_PERSON : k == ENT_PLACE ? P_PLACE : P_ORG;
}

std::string term_of(int field, const char *key, int cls)
{
    std::string t;
    if (field >= 0 && field < ART_NCOLS)
        t = COL_PREFIX[field];
    switch (field) {
    case MGX_SOURCE: return fit(std::string(P_SOURCE) + lower_ascii(key));
    case MGX_SECTION: return fit(std::string(P_SECTION) + lower_ascii(key));
    case MGX_BYLINE: return fit(std::string(P_BYLINE) + key);
    case MGX_PERSON: return fit(std::string(P_PERSON) + key);
    case MGX_PLACE: return fit(std::string(P_PLACE) + key);
    case MGX_ORG: return fit(std::string(P_ORG) + key);
    case MGX_UID: return uid_term(key);
    default: break;
    }
    if (cls)
        t += CLASS_MARK;
    return fit(t + key);
}

std::string u64_bytes(uint64_t v)
{
    std::string s(8, '\0');
    for (int i = 7; i >= 0; i--, v >>= 8)
        s[(size_t)i] = (char)(v & 0xff);
    return s;
}

uint64_t bytes_u64(const std::string &s)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8 && i < s.size(); i++)
        v = v << 8 | (unsigned char)s[i];
    return v;
}

std::string band_term(int band, uint64_t sh)
{
    int lo = BAND_START[band], n = BAND_START[band + 1] - lo;
    unsigned v = (unsigned)((sh >> lo) & ((1u << n) - 1));
    char b[24];
    std::snprintf(b, sizeof b, "%s%d%x", P_BAND, band, v);
    return b;
}

/* ---- the document's data: the article, compactly -------------------- */

/* The fields, in the record's order. */
char *article::*const FIELDS[] = {
    &article::uid,      &article::title,    &article::lede,
    &article::body,     &article::captions, &article::highlights,
    &article::entities, &article::date,     &article::source,
    &article::url,      &article::byline,   &article::section,
    &article::dateline, &article::language, &article::description,
    &article::path,
};
const int NFIELDS = (int)(sizeof FIELDS / sizeof FIELDS[0]);

void put_varint(std::string &s, uint64_t v)
{
    while (v >= 0x80) {
        s += (char)(0x80 | (v & 0x7f));
        v >>= 7;
    }
    s += (char)v;
}

bool get_varint(const std::string &s, size_t &at, uint64_t &v)
{
    v = 0;
    for (int shift = 0; at < s.size() && shift < 64; shift += 7) {
        unsigned char c = (unsigned char)s[at++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return true;
    }
    return false;
}

/* Version, uid kind, simhash, then each field as its length + 1 (0 for
 * NULL) and its bytes. */
std::string record_of(const struct article *a)
{
    std::string s;
    put_varint(s, RECORD_VERSION);
    put_varint(s, (uint64_t)a->uid_kind);
    s += u64_bytes(a->simhash);
    for (int i = 0; i < NFIELDS; i++) {
        const char *f = a->*FIELDS[i];
        if (!f) {
            put_varint(s, 0);
            continue;
        }
        size_t n = std::strlen(f);
        put_varint(s, n + 1);
        s.append(f, n);
    }
    return s;
}

bool record_read(const std::string &s, struct article *a)
{
    size_t at = 0;
    uint64_t v;
    if (!get_varint(s, at, v) || v != RECORD_VERSION)
        return false;
    if (!get_varint(s, at, v))
        return false;
    a->uid_kind = (enum uid_kind)v;
    if (at + 8 > s.size())
        return false;
    a->simhash = bytes_u64(s.substr(at, 8));
    at += 8;
    for (int i = 0; i < NFIELDS; i++) {
        if (!get_varint(s, at, v) || v - (v > 0) > s.size() - at)
            return false;
        if (v == 0)
            continue;
        a->*FIELDS[i] = mg_strndup(s.data() + at, (size_t)(v - 1));
        at += (size_t)(v - 1);
    }
    return at == s.size();
}

/* ---- indexing text ---------------------------------------------------- */

/* The tokens of one column, a position at a time: tok_run's callback
 * gathers the tokens of a position (the first, then those colocated with
 * it) and writes them when the next position starts. */
struct indexer {
    Xapian::Document *doc;
    const char *prefix;
    Xapian::termcount w; /* TS_LEN_WEIGHTS of the column */
    Xapian::termpos pos; /* the current position */
    int ntokens;         /* positions of this column */
    std::vector<std::string> exact, stems;
};

void flush_position(indexer &x)
{
    if (x.exact.empty() && x.stems.empty())
        return;
    Xapian::Document &d = *x.doc;
    for (const std::string &e : x.exact) {
        d.add_posting(fit(e), x.pos, x.w);
        d.add_posting(fit(x.prefix + e), x.pos, x.w);
    }
    /* one class term per exact token carries the weight: the stem for
     * the first token when the word has one, else the token itself (the
     * colocated ones are undotted acronyms, their own stems); the other
     * classes the position belongs to are recorded without weight, so
     * that a position adds to the document's length once per token */
    std::string anyc(1, CLASS_MARK), colc = std::string(x.prefix) + CLASS_MARK;
    std::vector<std::string> weighted;
    for (size_t i = 0; i < x.exact.size(); i++)
        weighted.push_back(i == 0 && !x.stems.empty() ? x.stems[0]
                                                      : x.exact[i]);
    if (x.exact.empty()) /* a stem alone: cannot happen, but harmless */
        weighted.push_back(x.stems[0]);
    for (const std::string &k : weighted) {
        d.add_posting(fit(anyc + k), x.pos, x.w);
        d.add_posting(fit(colc + k), x.pos, x.w);
    }
    auto extra = [&](const std::string &k) {
        if (std::find(weighted.begin(), weighted.end(), k) != weighted.end())
            return;
        d.add_posting(fit(anyc + k), x.pos, 0);
        d.add_posting(fit(colc + k), x.pos, 0);
    };
    for (const std::string &e : x.exact)
        extra(e);
    for (const std::string &k : x.stems)
        extra(k);
    x.exact.clear();
    x.stems.clear();
}

extern "C" int index_token(void *ctx, int flags, const char *token, int ntoken,
                           int start, int end)
{
    (void)start, (void)end;
    indexer &x = *static_cast<indexer *>(ctx);
    if (ntoken <= 0)
        return 0;
    if (!(flags & FTS5_TOKEN_COLOCATED)) {
        flush_position(x);
        x.pos++;
        x.ntokens++;
    }
    if (token[0] == TOK_STEM_MARK)
        x.stems.emplace_back(token + 1, (size_t)(ntoken - 1));
    else
        x.exact.emplace_back(token, (size_t)ntoken);
    return 0;
}

extern "C" int byline_token(void *ctx, int flags, const char *token, int ntoken,
                            int start, int end)
{
    (void)flags, (void)start, (void)end;
    Xapian::Document &d = *static_cast<Xapian::Document *>(ctx);
    d.add_boolean_term(fit(P_BYLINE + std::string(token, (size_t)ntoken)));
    return 0;
}

/* ---- errors ------------------------------------------------------------ */

/* Runs body; any exception becomes err ("PATH: what: Xapian's message")
 * and -1. */
template <class F>
int guarded(const char *path, const char *what, struct mg_err *err, F body)
{
    try {
        return body();
    } catch (const Xapian::DatabaseLockError &e) {
        return mg_fail(err, "%s: %s: locked by another writer (%s)", path, what,
                       e.get_description().c_str());
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return mg_fail(err, "%s: %s: no Xapian database there (%s)", path, what,
                       e.get_description().c_str());
    } catch (const Xapian::DatabaseClosedError &e) {
        /* a remote shard whose connection broke earlier */
        mgx_note_net(e);
        return mg_fail(err, "%s: %s: %s", path, what,
                       e.get_description().c_str());
    } catch (const Xapian::NetworkError &e) {
        mgx_note_net(e);
        return mg_fail(err, "%s: %s: %s", path, what,
                       e.get_description().c_str());
    } catch (const Xapian::Error &e) {
        return mg_fail(err, "%s: %s: %s", path, what,
                       e.get_description().c_str());
    } catch (const std::bad_alloc &) {
        return mg_fail(err, "%s: %s: out of memory", path, what);
    } catch (const std::exception &e) {
        return mg_fail(err, "%s: %s: %s", path, what, e.what());
    } catch (...) {
        return mg_fail(err, "%s: %s: unknown exception", path, what);
    }
}

} // namespace

std::string mgx_dup_term(const std::string &key)
{
    static const char HEX[] = "0123456789abcdef";
    std::string t = "XK";
    for (unsigned char c : key) {
        t += HEX[c >> 4];
        t += HEX[c & 15];
    }
    return t;
}

struct mgx_db {
    std::string path;
    bool writable;
    Xapian::Database db; /* the reader (for a writer: wdb) */
    Xapian::WritableDatabase wdb;
    struct tok *tok;                     /* writers only */
    bool in_tx;                          /* mgx_begin opened a transaction */
    std::vector<Xapian::Database> parts; /* mgx_open_union's, in order */
    /* mgx_wrap's (a cluster's shards, remote as a rule): the parts are
     * the caller's, left open */
    bool borrowed = false;
};

/* ---- lifecycle ------------------------------------------------------- */

static int check_meta(struct mgx_db *d, struct mg_err *err)
{
    std::string scheme = d->db.get_metadata(META_SCHEME);
    std::string tokv = d->db.get_metadata(META_TOK);
    char want[16], wtok[16];
    std::snprintf(want, sizeof want, "%d", MGX_SCHEME);
    std::snprintf(wtok, sizeof wtok, "%d", TOK_VERSION);
    if (scheme.empty() && tokv.empty()) {
        if (d->db.get_doccount() > 0)
            return mg_fail(err,
                           "%s: a Xapian database, but not one "
                           "morgue wrote",
                           d->path.c_str());
        if (d->writable) {
            d->wdb.set_metadata(META_ENGINE, "xapian");
            d->wdb.set_metadata(META_SCHEME, want);
            d->wdb.set_metadata(META_TOK, wtok);
        }
        return 0;
    }
    if (scheme != want || tokv != wtok)
        return mg_fail(err,
                       "%s: built with term scheme %s and tokenizer %s, this "
                       "morgue uses %s and %s: rebuild it",
                       d->path.c_str(), scheme.c_str(), tokv.c_str(), want,
                       wtok);
    return 0;
}

extern "C" int mgx_open(const char *path, enum mgx_mode mode,
                        struct mgx_db **out, struct mg_err *err)
{
    *out = NULL;
    struct mgx_db *d = NULL;
    int rc = guarded(path, "opening", err, [&]() {
        d = new mgx_db();
        d->path = path;
        d->writable = mode == MGX_WRITE;
        d->tok = NULL;
        d->in_tx = false;
        if (d->writable) {
            d->wdb = Xapian::WritableDatabase(
                path, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
            d->db = d->wdb;
            d->tok = tok_new();
            if (!d->tok)
                return mg_fail(err, "%s: cannot make the tokenizer's stemmer",
                               path);
        } else {
            d->db = Xapian::Database(path, Xapian::DB_OPEN);
        }
        return check_meta(d, err);
    });
    if (rc < 0) {
        mgx_close(d);
        return -1;
    }
    *out = d;
    return 0;
}

thread_local mgx_net_error mgx_last_net;

void mgx_note_net(const Xapian::Error &e)
{
    mgx_last_net.set = true;
    mgx_last_net.timeout = strcmp(e.get_type(), "NetworkTimeoutError") == 0;
    mgx_last_net.msg = e.get_msg();
    mgx_last_net.context = e.get_context();
}

struct mgx_db *mgx_wrap(const std::string &label,
                        const std::vector<Xapian::Database> &parts)
{
    struct mgx_db *d = new mgx_db();
    d->path = label;
    d->writable = false;
    d->tok = NULL;
    d->in_tx = false;
    d->borrowed = true;
    for (const Xapian::Database &p : parts) {
        d->db.add_database(p);
        d->parts.push_back(p);
    }
    return d;
}

bool mgx_wrapped(const struct mgx_db *d)
{
    return d->borrowed;
}

extern "C" int mgx_open_union(const char *label, const char *const *paths,
                              int n, struct mgx_db **out, struct mg_err *err)
{
    *out = NULL;
    struct mgx_db *d = NULL;
    int rc = guarded(label, "opening", err, [&]() {
        d = new mgx_db();
        d->path = label;
        d->writable = false;
        d->tok = NULL;
        d->in_tx = false;
        for (int k = 0; k < n; k++) {
            struct mgx_db one;
            one.path = paths[k];
            one.writable = false;
            one.tok = NULL;
            one.in_tx = false;
            one.db = Xapian::Database(paths[k], Xapian::DB_OPEN);
            if (check_meta(&one, err) < 0)
                return -1;
            d->db.add_database(one.db);
            d->parts.push_back(one.db);
        }
        return 0;
    });
    if (rc < 0) {
        mgx_close(d);
        return -1;
    }
    *out = d;
    return 0;
}

extern "C" void mgx_close(struct mgx_db *d)
{
    if (!d)
        return;
    struct mg_err ignored;
    /* close() would close the parts' shared internals too: a cluster's
     * kept connections (mgx_wrap) */
    if (!d->borrowed)
        guarded(d->path.c_str(), "closing", &ignored, [&]() {
            d->db.close();
            return 0;
        });
    tok_free(d->tok);
    delete d;
}

extern "C" const char *mgx_path(const struct mgx_db *d)
{
    return d->path.c_str();
}

extern "C" int mgx_commit(struct mgx_db *d, struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: committing: opened read-only",
                       d->path.c_str());
    return guarded(d->path.c_str(), "committing", err, [&]() {
        if (d->in_tx) {
            d->in_tx = false;
            d->wdb.commit_transaction();
        }
        d->wdb.commit();
        return 0;
    });
}

extern "C" int mgx_begin(struct mgx_db *d, struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: beginning: opened read-only", d->path.c_str());
    if (d->in_tx)
        return 0;
    return guarded(d->path.c_str(), "beginning a transaction", err, [&]() {
        d->wdb.begin_transaction(false);
        d->in_tx = true;
        return 0;
    });
}

extern "C" void mgx_cancel(struct mgx_db *d)
{
    if (!d || !d->in_tx)
        return;
    struct mg_err ignored;
    d->in_tx = false;
    guarded(d->path.c_str(), "cancelling", &ignored, [&]() {
        d->wdb.cancel_transaction();
        return 0;
    });
}

extern "C" int mgx_meta_get(struct mgx_db *d, const char *key, char **value,
                            struct mg_err *err)
{
    *value = NULL;
    return guarded(d->path.c_str(), key, err, [&]() {
        std::string v = d->db.get_metadata(key);
        if (v.empty())
            return 0;
        *value = mg_strndup(v.data(), v.size());
        return 1;
    });
}

extern "C" int mgx_meta_put(struct mgx_db *d, const char *key,
                            const char *value, struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: setting %s: opened read-only", d->path.c_str(),
                       key);
    return guarded(d->path.c_str(), key, err, [&]() {
        d->wdb.set_metadata(key, value ? value : "");
        return 0;
    });
}

extern "C" int mgx_reopen(struct mgx_db *d, struct mg_err *err)
{
    return guarded(d->path.c_str(), "reopening", err, [&]() {
        if (!d->writable)
            d->db.reopen();
        return 0;
    });
}

/* ---- writing ----------------------------------------------------------- */

/* The docid holding uid's term, or 0. */
static Xapian::docid docid_of(Xapian::Database &db, const std::string &uterm)
{
    Xapian::PostingIterator p = db.postlist_begin(uterm);
    return p == db.postlist_end(uterm) ? 0 : *p;
}

/* The near-duplicate cluster of a new version of article uid (its older
 * version, if any, left out) with fingerprint sh: the cluster of the closest
 * article within FP_NEAR bits (ties: the smallest cluster key), else own. */
static std::string dup_key(Xapian::Database &db, uint64_t sh, const char *uid)
{
    std::string own = u64_bytes(mg_mix64(mg_hash64(uid, std::strlen(uid))));
    if (!sh)
        return own;
    std::vector<Xapian::Query> bands;
    for (int b = 0; b < NBANDS; b++)
        bands.emplace_back(band_term(b, sh));
    Xapian::Enquire enq(db);
    enq.set_query(
        Xapian::Query(Xapian::Query::OP_OR, bands.begin(), bands.end()));
    enq.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::MSet m = enq.get_mset(0, 1000);
    int best = FP_NEAR + 1;
    std::string key = own;
    for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
        Xapian::Document doc = i.get_document();
        if (doc.get_value(MGX_VAL_UID) == uid)
            continue; /* its own older version */
        int dist = fp_distance(bytes_u64(doc.get_value(MGX_VAL_SIMHASH)), sh);
        if (dist > FP_NEAR)
            continue; /* shares a band, yet too far */
        std::string k = doc.get_value(MGX_VAL_DUPKEY);
        if (dist < best || (dist == best && k < key)) {
            best = dist;
            key = k;
        }
    }
    return key;
}

static void index_text(struct mgx_db *d, Xapian::Document &doc,
                       const struct article *a, int *body_tokens)
{
    const char *cols[ART_NCOLS] = {a->title,    a->lede,       a->body,
                                   a->captions, a->highlights, a->entities};
    indexer x;
    x.doc = &doc;
    x.pos = 0;
    for (int c = 0; c < ART_NCOLS; c++) {
        x.prefix = COL_PREFIX[c];
        x.w = (Xapian::termcount)TS_LEN_WEIGHTS[c];
        x.ntokens = 0;
        if (cols[c] && *cols[c])
            tok_run(d->tok, TOK_MODE_DOCUMENT, cols[c],
                    (int)std::strlen(cols[c]), index_token, &x);
        flush_position(x);
        if (c == ART_BODY)
            *body_tokens = x.ntokens;
        x.pos += FIELD_GAP;
    }
}

static void index_entities(struct mgx_db *d, Xapian::Document &doc,
                           const struct ent_set *es)
{
    if (!es)
        return;
    std::vector<const struct ent *> kept;
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        if (e->low || e->weak || !e->canonical)
            continue; /* in the entities text only, as the FTS5 store */
        kept.push_back(e);
    }
    std::stable_sort(kept.begin(), kept.end(),
                     [](const struct ent *x, const struct ent *y) {
                         return x->count > y->count;
                     });
    int slot = 0;
    for (const struct ent *e : kept) {
        char *k = e->key && *e->key ? NULL : ent_key(e->canonical);
        std::string key = k ? k : e->key;
        free(k);
        if (key.empty())
            continue;
        std::string v = std::string(1, ent_letter(e->kind)) + key;
        if (e->kind == ENT_PERSON && !std::strchr(e->canonical, ' ')) {
            /* a family name alone: no term (the index-wide resolution
             * links it, mgx_link_add, as the FTS5 store's), but the slot
             * its mentions rank it to, for the person it turns out to be */
            if (slot < MGX_MAX_ENT_SLOTS)
                doc.add_value((Xapian::valueno)(MGX_VAL_ENT0 + slot++), v);
            continue;
        }
        doc.add_boolean_term(fit(ent_prefix(e->kind) + key));
        std::string form = P_FORM + v + '\0' + e->canonical;
        if (form.size() <= MAX_TERM)
            doc.add_boolean_term(form);
        for (int m = -1; m < e->nmentions; m++) {
            /* the canonical name and each mention, as the FTS5 store's
             * entity_aliases (too long a name: none) */
            std::string at =
                P_ALIAS + std::string(1, ent_letter(e->kind)) +
                lower_ascii(m < 0 ? e->canonical : e->mentions[m]) + '\0' + key;
            if (at.size() <= MAX_TERM)
                doc.add_boolean_term(at);
        }
        if (slot < MGX_MAX_ENT_SLOTS)
            doc.add_value((Xapian::valueno)(MGX_VAL_ENT0 + slot++), v);
        std::string mk = META_ENT + v;
        if (mk.size() <= MAX_TERM && d->wdb.get_metadata(mk) != e->canonical)
            d->wdb.set_metadata(mk, e->canonical);
    }
}

static int put(struct mgx_db *d, const struct article *a,
               const struct ent_set *es, const uint64_t *dupkey,
               struct mg_err *err);
static void set_ent_set(Xapian::Document &doc);

extern "C" int mgx_put(struct mgx_db *d, const struct article *a,
                       const struct ent_set *es, struct mg_err *err)
{
    return put(d, a, es, NULL, err);
}

extern "C" int mgx_put_keyed(struct mgx_db *d, const struct article *a,
                             const struct ent_set *es, uint64_t dupkey,
                             struct mg_err *err)
{
    return put(d, a, es, &dupkey, err);
}

static int put(struct mgx_db *d, const struct article *a,
               const struct ent_set *es, const uint64_t *dupkey,
               struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: storing: opened read-only", d->path.c_str());
    if (!a->uid || !*a->uid)
        return mg_fail(err, "%s: storing: an article without a uid",
                       d->path.c_str());
    return guarded(d->path.c_str(), a->uid, err, [&]() {
        std::string uterm = uid_term(a->uid);
        Xapian::docid old = docid_of(d->db, uterm);
        Xapian::Document doc;
        doc.add_boolean_term(uterm);
        int body_tokens = 0;
        index_text(d, doc, a, &body_tokens);
        if (a->source && *a->source)
            doc.add_boolean_term(term_of(MGX_SOURCE, a->source, 0));
        if (a->section && *a->section)
            doc.add_boolean_term(term_of(MGX_SECTION, a->section, 0));
        if (a->byline && *a->byline)
            tok_run(d->tok, TOK_MODE_EXACT, a->byline,
                    (int)std::strlen(a->byline), byline_token, &doc);
        index_entities(d, doc, es);
        if (a->simhash)
            for (int b = 0; b < NBANDS; b++)
                doc.add_boolean_term(band_term(b, a->simhash));
        set_ent_set(doc);

        doc.add_value(MGX_VAL_UID, a->uid);
        doc.add_value(MGX_VAL_DATEUID, std::string(a->date ? a->date : "") +
                                           std::string(1, '\0') + a->uid);
        if (a->date && *a->date) {
            doc.add_value(MGX_VAL_DATE, a->date);
            doc.add_value(MGX_VAL_DAY, std::string(a->date).substr(0, 10));
        }
        if (a->source)
            doc.add_value(MGX_VAL_SOURCE, a->source);
        if (a->section)
            doc.add_value(MGX_VAL_SECTION, a->section);
        if (a->title)
            doc.add_value(MGX_VAL_TITLE, a->title);
        if (a->url)
            doc.add_value(MGX_VAL_URL, a->url);
        if (a->path)
            doc.add_value(MGX_VAL_PATH, a->path);
        if (a->simhash)
            doc.add_value(MGX_VAL_SIMHASH, u64_bytes(a->simhash));
        std::string dk =
            dupkey ? u64_bytes(*dupkey) : dup_key(d->db, a->simhash, a->uid);
        doc.add_value(MGX_VAL_DUPKEY, dk);
        doc.add_boolean_term(mgx_dup_term(dk));
        doc.add_value(MGX_VAL_BODYLEN, Xapian::sortable_serialise(body_tokens));
        doc.set_data(record_of(a));
        d->wdb.replace_document(uterm, doc);
        return old ? (int)MGX_REPLACED : (int)MGX_ADDED;
    });
}

extern "C" int mgx_delete(struct mgx_db *d, const char *uid, struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: deleting: opened read-only", d->path.c_str());
    return guarded(d->path.c_str(), uid, err, [&]() {
        std::string uterm = uid_term(uid);
        if (!docid_of(d->db, uterm))
            return 0;
        d->wdb.delete_document(uterm);
        return 1;
    });
}

/* ---- family names resolved across the index ------------------------- */

/* Whether doc holds term t. */
static bool has_term(Xapian::Document &doc, const std::string &t)
{
    Xapian::TermIterator i = doc.termlist_begin();
    i.skip_to(t);
    return i != doc.termlist_end() && *i == t;
}

/* Sets doc's entity slots to v (filled from the first, TERMS.md). */
static void set_ent_slots(Xapian::Document &doc,
                          const std::vector<std::string> &v)
{
    for (int i = 0; i < MGX_MAX_ENT_SLOTS; i++) {
        Xapian::valueno slot = (Xapian::valueno)(MGX_VAL_ENT0 + i);
        if ((size_t)i < v.size())
            doc.add_value(slot, v[(size_t)i]);
        else if (!doc.get_value(slot).empty())
            doc.remove_value(slot);
    }
}

/* Sets doc's entity set (MGX_VAL_ENTSET, TERMS.md) from its entity slots
 * and its entity terms (XP, XW, XO: those beyond the slots, marked).  Run
 * after the slots and terms are final. */
static void set_ent_set(Xapian::Document &doc)
{
    std::vector<std::string> in = mgx_ent_slots(doc);
    std::vector<std::string> out = mgx_ent_beyond(doc, in);
    std::sort(in.begin(), in.end());
    std::sort(out.begin(), out.end());
    std::string set;
    for (const std::string &v : in)
        set += (set.empty() ? "" : std::string(1, '\0')) + v;
    for (const std::string &v : out)
        set += (set.empty() ? "" : std::string(1, '\0')) +
               std::string(1, '\1') + v;
    if (!set.empty())
        doc.add_value(MGX_VAL_ENTSET, set);
    else if (!doc.get_value(MGX_VAL_ENTSET).empty())
        doc.remove_value(MGX_VAL_ENTSET);
}

/* The terms of link l (those too long for Xapian: empty). */
static void link_terms(const struct mgx_link *l, std::string t[3])
{
    std::string v = std::string(1, 'p') + l->key;
    t[0] = fit(P_PERSON + std::string(l->key));
    t[1] = l->alias ? P_ALIAS + std::string(1, 'p') + lower_ascii(l->alias) +
                          '\0' + l->key
                    : "";
    t[2] = l->form ? P_FORM + v + '\0' + l->form : "";
    for (int k = 1; k < 3; k++)
        if (t[k].size() > MAX_TERM)
            t[k].clear();
}

/* The stored document of uid into doc and its id into *id (0: none). */
static void doc_by_uid(struct mgx_db *d, const char *uid, Xapian::docid *id,
                       Xapian::Document &doc)
{
    *id = docid_of(d->db, uid_term(uid));
    if (!*id)
        return;
    doc = d->db.get_document(*id);
    if (doc.get_value(MGX_VAL_UID) != uid)
        *id = 0; /* a long uid's hashed term, held by another */
}

extern "C" int mgx_link_add(struct mgx_db *d, const char *uid,
                            struct mgx_link *l, struct mg_err *err)
{
    l->added = 0;
    if (!d->writable)
        return mg_fail(err, "%s: linking: opened read-only", d->path.c_str());
    return guarded(d->path.c_str(), uid, err, [&]() {
        Xapian::docid id;
        Xapian::Document doc;
        doc_by_uid(d, uid, &id, doc);
        if (!id)
            return 0;
        std::string t[3];
        link_terms(l, t);
        static const unsigned BIT[3] = {MGX_LINK_TERM, MGX_LINK_ALIAS,
                                        MGX_LINK_FORM};
        for (int k = 0; k < 3; k++)
            if (!t[k].empty() && !has_term(doc, t[k])) {
                doc.add_boolean_term(t[k]);
                l->added |= BIT[k];
            }
        std::vector<std::string> slots = mgx_ent_slots(doc);
        std::string v = std::string(1, 'p') + l->key;
        std::string lv = l->lone && std::strcmp(l->lone, l->key) != 0
                             ? std::string(1, 'p') + l->lone
                             : std::string();
        auto has = [&](const std::string &x) {
            return !x.empty() &&
                   std::find(slots.begin(), slots.end(), x) != slots.end();
        };
        if (has(v) && has(lv)) {
            slots.erase(std::find(slots.begin(), slots.end(), lv));
            l->added |= MGX_LINK_UNSLOT;
        } else if (has(lv)) {
            *std::find(slots.begin(), slots.end(), lv) = v;
            l->added |= MGX_LINK_SWAP;
        } else if (!has(v) && slots.size() < (size_t)MGX_MAX_ENT_SLOTS) {
            slots.push_back(v);
            l->added |= MGX_LINK_SLOT;
        }
        set_ent_slots(doc, slots);
        set_ent_set(doc);
        std::string mk = META_ENT + v; /* the name --show gives, as put's */
        if (l->form && mk.size() <= MAX_TERM && d->wdb.get_metadata(mk).empty())
            d->wdb.set_metadata(mk, l->form);
        if (l->added)
            d->wdb.replace_document(id, doc);
        return 1;
    });
}

extern "C" int mgx_link_drop(struct mgx_db *d, const char *uid,
                             const struct mgx_link *l, struct mg_err *err)
{
    if (!d->writable)
        return mg_fail(err, "%s: linking: opened read-only", d->path.c_str());
    return guarded(d->path.c_str(), uid, err, [&]() {
        Xapian::docid id;
        Xapian::Document doc;
        doc_by_uid(d, uid, &id, doc);
        if (!id)
            return 0;
        if (!l->added)
            return 1;
        std::string t[3];
        link_terms(l, t);
        static const unsigned BIT[3] = {MGX_LINK_TERM, MGX_LINK_ALIAS,
                                        MGX_LINK_FORM};
        for (int k = 0; k < 3; k++)
            if ((l->added & BIT[k]) && !t[k].empty() && has_term(doc, t[k]))
                doc.remove_term(t[k]);
        std::vector<std::string> slots = mgx_ent_slots(doc);
        std::string v = std::string(1, 'p') + l->key;
        auto at = std::find(slots.begin(), slots.end(), v);
        if ((l->added & MGX_LINK_SLOT) && at != slots.end())
            slots.erase(at);
        else if ((l->added & MGX_LINK_SWAP) && at != slots.end() && l->lone)
            *at = std::string(1, 'p') + l->lone;
        else if ((l->added & MGX_LINK_UNSLOT) && l->lone &&
                 slots.size() < (size_t)MGX_MAX_ENT_SLOTS)
            slots.push_back(std::string(1, 'p') + l->lone);
        set_ent_slots(doc, slots);
        set_ent_set(doc);
        d->wdb.replace_document(id, doc);
        return 1;
    });
}

/* ---- reading ----------------------------------------------------------- */

extern "C" int mgx_get(struct mgx_db *d, const char *uid, struct article *a,
                       struct mg_err *err)
{
    article_clear(a);
    return guarded(d->path.c_str(), uid, err, [&]() {
        Xapian::docid id = docid_of(d->db, uid_term(uid));
        if (!id)
            return 0;
        std::string data = d->db.get_document(id).get_data();
        if (!record_read(data, a)) {
            article_clear(a);
            return mg_fail(err, "%s: %s: a stored record morgue cannot read",
                           d->path.c_str(), uid);
        }
        if (!a->uid || std::strcmp(a->uid, uid) != 0) {
            article_clear(a);
            return 0; /* a long uid's hashed term, held by another */
        }
        return 1;
    });
}

extern "C" int mgx_value(struct mgx_db *d, const char *uid, int slot,
                         struct buf *out, struct mg_err *err)
{
    buf_clear(out);
    buf_adds(out, "");
    return guarded(d->path.c_str(), uid, err, [&]() {
        Xapian::docid id = docid_of(d->db, uid_term(uid));
        if (!id)
            return 0;
        Xapian::Document doc = d->db.get_document(id);
        if (doc.get_value(MGX_VAL_UID) != uid)
            return 0;
        std::string v = doc.get_value((Xapian::valueno)slot);
        buf_add(out, v.data(), v.size());
        return 1;
    });
}

extern "C" int mgx_stats(struct mgx_db *d, struct mgx_stats *st,
                         struct mg_err *err)
{
    return guarded(d->path.c_str(), "statistics", err, [&]() {
        st->docs = (int64_t)d->db.get_doccount();
        st->total_length = (int64_t)d->db.get_total_length();
        st->avg_length = d->db.get_average_length();
        st->last_docid = (int64_t)d->db.get_lastdocid();
        return 0;
    });
}

extern "C" void mgx_term(int field, const char *key, int cls, struct buf *out)
{
    buf_clear(out);
    std::string t;
    try {
        t = term_of(field, key, cls);
    } catch (...) {
        abort(); /* out of memory: as mg_malloc */
    }
    buf_add(out, t.data(), t.size());
}

extern "C" int64_t mgx_df(struct mgx_db *d, int field, const char *key, int cls,
                          struct mg_err *err)
{
    int64_t df = 0;
    if (guarded(d->path.c_str(), key, err, [&]() {
            df = (int64_t)d->db.get_termfreq(term_of(field, key, cls));
            return 0;
        }) < 0)
        return -1;
    return df;
}

extern "C" int mgx_allterms(struct mgx_db *d, int field, const char *prefix,
                            int cls, int limit, mgx_term_cb cb, void *ctx,
                            struct mg_err *err)
{
    return guarded(d->path.c_str(), prefix, err, [&]() {
        std::string full = term_of(field, prefix, cls);
        size_t plen = full.size() - std::strlen(prefix);
        int n = 0;
        for (Xapian::TermIterator t = d->db.allterms_begin(full);
             t != d->db.allterms_end(full); ++t) {
            if (limit > 0 && n >= limit)
                break;
            std::string term = *t;
            n++;
            if (cb(ctx, term.data() + plen, (int)(term.size() - plen),
                   (int64_t)t.get_termfreq()))
                break;
        }
        return n;
    });
}

extern "C" int mgx_search(struct mgx_db *d, enum mgx_op op, int window,
                          const struct mgx_key *keys, int nkeys, int limit,
                          struct mgx_hit **hits, int *nhits, int64_t *total,
                          struct mg_err *err)
{
    *hits = NULL;
    *nhits = 0;
    *total = 0;
    int rc = guarded(d->path.c_str(), "searching", err, [&]() {
        std::vector<Xapian::Query> text, filters;
        for (int i = 0; i < nkeys; i++) {
            std::string t = term_of(keys[i].field, keys[i].key, keys[i].cls);
            if (keys[i].field >= MGX_ANY && keys[i].field < ART_NCOLS)
                text.emplace_back(t, 1, (Xapian::termpos)(i + 1));
            else
                filters.emplace_back(t);
        }
        Xapian::Query::op xop = op == MGX_OR       ? Xapian::Query::OP_OR
                                : op == MGX_PHRASE ? Xapian::Query::OP_PHRASE
                                : op == MGX_NEAR   ? Xapian::Query::OP_NEAR
                                                   : Xapian::Query::OP_AND;
        Xapian::termcount win = op == MGX_NEAR ? (Xapian::termcount)window : 0;
        Xapian::Query q(xop, text.begin(), text.end(), win);
        if (!filters.empty()) {
            Xapian::Query f(Xapian::Query::OP_AND, filters.begin(),
                            filters.end());
            q = text.empty()
                    ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, f, 0.0)
                    : Xapian::Query(Xapian::Query::OP_FILTER, q, f);
        }
        Xapian::Enquire enq(d->db);
        enq.set_query(q);
        enq.set_weighting_scheme(
            Xapian::BM25Weight(2 * TS_K1, 0, 1, TS_B, 0.5));
        enq.set_sort_by_relevance_then_value(MGX_VAL_UID, false);
        Xapian::doccount n = d->db.get_doccount();
        Xapian::MSet m =
            enq.get_mset(0, (Xapian::doccount)(limit > 0 ? limit : 0), n);
        *total = (int64_t)m.get_matches_estimated();
        *hits =
            (struct mgx_hit *)mg_calloc(m.size() ? m.size() : 1, sizeof **hits);
        for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
            struct mgx_hit *h = &(*hits)[(*nhits)++];
            h->uid = mg_strdup(i.get_document().get_value(MGX_VAL_UID).c_str());
            h->weight = i.get_weight();
        }
        return 0;
    });
    if (rc < 0) {
        mgx_hits_free(*hits, *nhits);
        *hits = NULL;
        *nhits = 0;
    }
    return rc;
}

extern "C" void mgx_hits_free(struct mgx_hit *hits, int n)
{
    if (!hits)
        return;
    for (int i = 0; i < n; i++)
        free(hits[i].uid);
    free(hits);
}

/* For the search side (query.cc, shim_int.h): the handle's reader. */
Xapian::Database &mgx_reader(struct mgx_db *d)
{
    return d->db;
}

std::string mgx_metadata(struct mgx_db *d, const std::string &key)
{
    if (d->parts.empty())
        return d->db.get_metadata(key);
    for (auto &p : d->parts) {
        std::string v = p.get_metadata(key);
        if (!v.empty())
            return v;
    }
    return std::string();
}

int mgx_guarded(const char *path, const char *what, struct mg_err *err,
                const std::function<int()> &body)
{
    return guarded(path, what, err, body);
}

int mgx_guard(struct mgx_db *d, const char *what, struct mg_err *err,
              const std::function<int()> &body)
{
    return guarded(d->path.c_str(), what, err, body);
}

Xapian::docid mgx_docid(struct mgx_db *d, const char *uid)
{
    return docid_of(d->db, uid_term(uid));
}

std::string mgx_term_of(int field, const char *key, int cls)
{
    return term_of(field, key, cls);
}

bool mgx_record_read(const std::string &data, struct article *a)
{
    bool ok = record_read(data, a);
    if (!ok)
        article_clear(a);
    return ok;
}
