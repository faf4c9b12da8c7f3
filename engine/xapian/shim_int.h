/*
 * shim_int.h - what the shim (shim.cc) lends the engine's other C++
 * files (query.cc): the Xapian reader behind a struct mgx_db.  C++ only,
 * private to engine/xapian/.
 */
#ifndef MORGUE_XAPIAN_SHIM_INT_H
#define MORGUE_XAPIAN_SHIM_INT_H

#include <xapian.h>

#include <functional>
#include <string>
#include <vector>

#include "shim.h"

/* The reader of d (for a writer, its writable database), borrowed. */
Xapian::Database &mgx_reader(struct mgx_db *d);

/* The user metadata key of d; of a union (mgx_open_union), the first of
 * its databases that has it (Xapian reads only the first one's). */
std::string mgx_metadata(struct mgx_db *d, const std::string &key);

/* The last Xapian::NetworkError a shim entry point (shim.cc, query.cc)
 * turned into a struct mg_err on this thread: the cluster client
 * (cluster_db.cc) clears it, runs a search over remote shards and, when
 * the search failed with one, fails over to another replica.  A
 * DatabaseClosedError (a remote database whose connection broke) counts
 * as one. */
struct mgx_net_error {
    bool set = false;
    bool timeout = false; /* a NetworkTimeoutError */
    std::string msg, context;
};
extern thread_local mgx_net_error mgx_last_net;
void mgx_note_net(
    const Xapian::Error &e); /* NetworkError, DatabaseClosedError */

/* A read-only struct mgx_db over parts as one database (as mgx_open_union,
 * the parts already open: a cluster's remote shards); label names it in
 * errors.  Free with mgx_close, which leaves the parts open (they are
 * the caller's: Database::close() would close the connections a cluster
 * keeps between searches).  The parts are not checked. */
struct mgx_db *mgx_wrap(const std::string &label,
                        const std::vector<Xapian::Database> &parts);

/* Runs body as the shim's entry points do: any exception becomes err
 * ("PATH: what: message") and -1 (a network error noted, as above). */
int mgx_guarded(const char *path, const char *what, struct mg_err *err,
                const std::function<int()> &body);
/* The same naming d's path. */
int mgx_guard(struct mgx_db *d, const char *what, struct mg_err *err,
              const std::function<int()> &body);

/* The document of article uid in d (its uid term's), 0 when none; the
 * term of a key in a field (TERMS.md; as mgx_term). */
Xapian::docid mgx_docid(struct mgx_db *d, const char *uid);
std::string mgx_term_of(int field, const char *key, int cls);

/* The article of a document's data (TERMS.md: document data) into *a,
 * cleared when it cannot be read (false). */
bool mgx_record_read(const std::string &data, struct article *a);

/* Whether d was made by mgx_wrap (a cluster's shards, remote as a rule:
 * a document read carries the whole article over the network). */
bool mgx_wrapped(const struct mgx_db *d);

/* The boolean term of a near-duplicate cluster key (MGX_VAL_DUPKEY's 8
 * bytes): XK + 16 hex digits (TERMS.md), so that the matches of a page's
 * groups are found through their terms, not by scanning the slot. */
std::string mgx_dup_term(const std::string &key);

/* The values of doc's entity slots, from the first to the first empty;
 * the entity values of its entity terms (XP, XW, XO, in that order, each
 * in term order) that are not among slots. */
std::vector<std::string> mgx_ent_slots(const Xapian::Document &doc);
std::vector<std::string> mgx_ent_beyond(const Xapian::Document &doc,
                                        const std::vector<std::string> &slots);

#endif
