/*
 * shim_doc.cc - shim_doc.h: collection frequencies and an article's
 * entities, read through the shim's reader (shim_int.h).  No exception
 * leaves this file.
 */
extern "C" {
#include "article.h"
#include "util.h"
}

#include "shim_doc.h"
#include "shim_int.h"

#include <algorithm>
#include <string>
#include <vector>

#include <xapian.h>

extern "C" int64_t mgx_cf(struct mgx_db *db, int field, const char *key,
                          int cls, struct mg_err *err)
{
    int64_t cf = 0;
    if (mgx_guard(db, key, err, [&]() {
            cf = (int64_t)mgx_reader(db).get_collection_freq(
                mgx_term_of(field, key, cls));
            return 0;
        }) < 0)
        return -1;
    return cf;
}

namespace
{

/* An entity as kind letter + key (an entity slot's value). */
int kind_rank(char letter)
{
    return letter == 'p' ? 0 : letter == 'w' ? 1 : 2;
}

/* The entity values of doc: its slots' (most mentioned first), then its
 * entity terms not in them (by term order), people first. */
std::vector<std::string> doc_entities(const Xapian::Document &doc)
{
    std::vector<std::string> v = mgx_ent_slots(doc);
    std::vector<std::string> more = mgx_ent_beyond(doc, v);
    v.insert(v.end(), more.begin(), more.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const std::string &a, const std::string &b) {
                         return kind_rank(a[0]) < kind_rank(b[0]);
                     });
    return v;
}

} // namespace

std::vector<std::string> mgx_ent_slots(const Xapian::Document &doc)
{
    std::vector<std::string> v;
    for (int i = 0; i < MGX_MAX_ENT_SLOTS; i++) {
        std::string s = doc.get_value((Xapian::valueno)(MGX_VAL_ENT0 + i));
        if (s.empty())
            break;
        v.push_back(s);
    }
    return v;
}

std::vector<std::string> mgx_ent_beyond(const Xapian::Document &doc,
                                        const std::vector<std::string> &slots)
{
    static const char *const PREFIX[3] = {"XP", "XW", "XO"};
    static const char LETTER[3] = {'p', 'w', 'o'};
    std::vector<std::string> v;
    for (int k = 0; k < 3; k++) {
        Xapian::TermIterator t = doc.termlist_begin();
        for (t.skip_to(PREFIX[k]); t != doc.termlist_end(); ++t) {
            const std::string &term = *t;
            if (term.compare(0, 2, PREFIX[k]) != 0)
                break;
            std::string s = LETTER[k] + term.substr(2);
            if (std::find(slots.begin(), slots.end(), s) == slots.end() &&
                std::find(v.begin(), v.end(), s) == v.end())
                v.push_back(s);
        }
    }
    return v;
}

extern "C" int mgx_doc_entities(struct mgx_db *db, const char *uid,
                                mgx_ent_fn fn, void *ctx, struct mg_err *err)
{
    return mgx_guard(db, uid, err, [&]() {
        Xapian::docid id = mgx_docid(db, uid);
        if (!id)
            return 0;
        Xapian::Document doc = mgx_reader(db).get_document(id);
        if (doc.get_value(MGX_VAL_UID) != uid)
            return 0;
        for (const std::string &v : doc_entities(doc)) {
            /* TERMS.md: user metadata "morgue.ent." + kind letter + key */
            std::string name = mgx_metadata(db, "morgue.ent." + v);
            if (name.empty())
                name = v.substr(1);
            int kind = v[0] == 'p'   ? ENT_PERSON
                       : v[0] == 'w' ? ENT_PLACE
                                     : ENT_ORG;
            fn(ctx, kind, name.c_str());
        }
        return 1;
    });
}
