/*
 * strmap.c - string -> int64 hash table.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* mg_hash64 mixed so that its low bits, which pick the slot, depend on
 * every bit of the key. */
static uint64_t hash(const char *k)
{
    uint64_t h = mg_hash64(k, strlen(k));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h | 1; /* 0 marks an empty slot */
}

static int64_t *slot(struct strmap *m, const char *k, uint64_t h, int insert)
{
    size_t i = (size_t)h & (m->cap - 1);
    /* the probe reads only the hashes: they settle most mismatches
     * without touching the keys */
    while (m->hashes[i]) {
        if (m->hashes[i] == h && strcmp(m->keys[i], k) == 0)
            return &m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    if (!insert)
        return NULL;
    m->keys[i] = mg_strdup(k);
    m->hashes[i] = h;
    m->n++;
    m->vals[i] = -1;
    return &m->vals[i];
}

int64_t *strmap_slot(struct strmap *m, const char *k, int insert)
{
    if (insert && (m->n + 1) * 2 > m->cap) {
        struct strmap old = *m;
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->keys = mg_calloc(m->cap, sizeof *m->keys);
        m->vals = mg_calloc(m->cap, sizeof *m->vals);
        m->hashes = mg_calloc(m->cap, sizeof *m->hashes);
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                *slot(m, old.keys[i], old.hashes[i], 1) = old.vals[i];
                free(old.keys[i]);
            }
        free(old.keys);
        free(old.vals);
        free(old.hashes);
    }
    if (!m->cap)
        return NULL;
    return slot(m, k, hash(k), insert);
}

int64_t strmap_get(const struct strmap *m, const char *k)
{
    int64_t *v = strmap_slot((struct strmap *)m, k, 0);
    return v ? *v : -1;
}

void strmap_free(struct strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    memset(m, 0, sizeof *m);
}
