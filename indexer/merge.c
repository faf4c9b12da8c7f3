/*
 * merge.c - across the whole index, the family names articles give alone
 * joined to the full names they belong to (entities.h:
 * ent_merge_surnames): the choice of the person is made here, the links
 * are written by the store (store_names_resolve).
 */
#include <stdlib.h>
#include <string.h>

#include "entities.h"
#include "entities_int.h"
#include "store.h"

struct person_row {
    int64_t id;
    char *surname_key; /* of a full name; NULL for a lone name */
    char *key;
    int links;
};

/* The full names store_names_resolve() tells, sorted by family name on
 * the first pick, so each lone name finds its candidates by binary
 * search. */
struct people {
    struct person_row *v;
    int n, cap, sorted;
};

static int by_surname(const void *a, const void *b)
{
    const struct person_row *x = a, *y = b;
    if (!x->surname_key || !y->surname_key)
        return !x->surname_key - !y->surname_key;
    return strcmp(x->surname_key, y->surname_key);
}

static void note_person(void *ctx, const struct store_person *p)
{
    struct people *pp = ctx;
    if (pp->n == pp->cap)
        pp->v = mg_realloc(pp->v,
                           sizeof *pp->v *
                               (size_t)(pp->cap = pp->cap ? pp->cap * 2 : 256));
    struct person_row *r = &pp->v[pp->n++];
    r->id = p->id;
    r->key = mg_strdup(p->key);
    r->links = p->links;
    char *sn = ent_surname(p->canonical);
    r->surname_key = ent_key(sn);
    free(sn);
}

/* Each family name met alone: to the one full name with that family
 * name, or the one with at least 80% of their articles; else (0) to
 * itself. */
static int64_t pick_person(void *ctx, const char *key)
{
    struct people *pp = ctx;
    struct person_row *v = pp->v;
    int n = pp->n;
    if (!pp->sorted && n > 0)
        qsort(v, (size_t)n, sizeof *v, by_surname);
    pp->sorted = 1;
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (strcmp(v[mid].surname_key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int best = -1, total = 0, count = 0;
    for (int k = lo; k < n && strcmp(v[k].surname_key, key) == 0; k++) {
        count++;
        total += v[k].links;
        if (best < 0 || v[k].links > v[best].links ||
            (v[k].links == v[best].links && strcmp(v[k].key, v[best].key) < 0))
            best = k;
    }
    if (best >= 0 && count > 1 && v[best].links * 10 < total * 8)
        best = -1;
    return best >= 0 ? v[best].id : 0;
}

int ent_merge_surnames(struct store *st, struct mg_err *err)
{
    struct people pp = {0};
    int merged = store_names_resolve(st, note_person, pick_person, &pp, err);
    for (int i = 0; i < pp.n; i++) {
        free(pp.v[i].key);
        free(pp.v[i].surname_key);
    }
    free(pp.v);
    return merged;
}
