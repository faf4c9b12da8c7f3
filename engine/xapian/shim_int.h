/*
 * shim_int.h - what the shim (shim.cc) lends the engine's other C++
 * files (query.cc): the Xapian reader behind a struct mgx_db.  C++ only,
 * private to engine/xapian/.
 */
#ifndef MORGUE_XAPIAN_SHIM_INT_H
#define MORGUE_XAPIAN_SHIM_INT_H

#include <xapian.h>

#include "shim.h"

/* The reader of d (for a writer, its writable database), borrowed. */
Xapian::Database &mgx_reader(struct mgx_db *d);

/* The user metadata key of d; of a union (mgx_open_union), the first of
 * its databases that has it (Xapian reads only the first one's). */
std::string mgx_metadata(struct mgx_db *d, const std::string &key);

#endif
