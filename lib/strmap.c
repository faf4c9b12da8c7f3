/*
 * strmap.c - string -> int64 hash table.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int64_t *strmap_slot(struct strmap *m, const char *k, int insert)
{
    if (insert && (m->n + 1) * 2 > m->cap) {
        struct strmap old = *m;
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->keys = mg_calloc(m->cap, sizeof *m->keys);
        m->vals = mg_calloc(m->cap, sizeof *m->vals);
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                *strmap_slot(m, old.keys[i], 1) = old.vals[i];
                free(old.keys[i]);
            }
        free(old.keys);
        free(old.vals);
    }
    if (!m->cap)
        return NULL;
    size_t i = (size_t)mg_hash64(k, strlen(k)) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], k) == 0)
            return &m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    if (!insert)
        return NULL;
    m->keys[i] = mg_strdup(k);
    m->n++;
    m->vals[i] = -1;
    return &m->vals[i];
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
    memset(m, 0, sizeof *m);
}
