/*
 * strmap.h - a string -> int64 hash table (open addressing, grows as it
 * fills), for the gazetteer's name lookups and the store's id caches.
 */
#ifndef MORGUE_STRMAP_H
#define MORGUE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialise to start; strmap_free() releases. */
struct strmap {
    char **keys;
    int64_t *vals;
    uint64_t *hashes; /* of each key, to skip most string compares */
    size_t cap, n;
};

/* The value slot of key k.  With insert, a missing key is added (copied)
 * with the value -1; without, a missing key gives NULL.  The pointer is
 * valid until the next insert.  Aborts only when memory runs out. */
int64_t *strmap_slot(struct strmap *m, const char *k, int insert);

/* The value of k, or -1 when absent. */
int64_t strmap_get(const struct strmap *m, const char *k);

/* Frees the keys and the table and zeroes m; takes an empty map. */
void strmap_free(struct strmap *m);

#endif
