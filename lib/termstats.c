/*
 * termstats.c - document frequencies and block bounds of words, counted
 * when articles are written and read when they are ranked (termstats.h).
 */
#include "termstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

const double TS_WEIGHTS[ART_NCOLS] = {2.5, 0.5, 1.0, 1.0, 1.0, 0.5};
const int TS_LEN_WEIGHTS[ART_NCOLS] = {5, 1, 2, 2, 2, 1};

double ts_idf(double df, double n)
{
    double idf = log((n - df + 0.5) / (df + 0.5));
    return idf > 1e-6 ? idf : 1e-6;
}

uint8_t ts_quantize(double v)
{
    if (!(v > 0))
        return 0;
    /* rounded up, with a margin for the rounding of the product */
    double x = ceil(v * (255.0 / (TS_K1 + 1.0)) * (1.0 + 1e-9));
    return x >= 255.0 ? 255 : x < 1.0 ? 1 : (uint8_t)x;
}

double ts_bound(uint8_t q)
{
    return q * ((TS_K1 + 1.0) / 255.0);
}

/* ---- the keys of one article ---------------------------------------- */

/* The position a key was last counted at, per entry (scratch). */
struct doc_build {
    struct ts_doc *d;
    int64_t *last; /* per entry: col << 32 | position */
    int lastcap;
    int col;
    int64_t pos;  /* the current position in the column, -1 before */
    int64_t size; /* tokens of the column, as FTS5 counts them */
};

static uint64_t key_hash(const char *k, int n)
{
    uint64_t h = mg_hash64(k, (size_t)n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

static void grow_slots(struct ts_doc *d)
{
    int ns = d->nslots ? d->nslots * 2 : 512;
    free(d->slots);
    d->slots = mg_malloc(sizeof *d->slots * (size_t)ns);
    for (int i = 0; i < ns; i++)
        d->slots[i] = -1;
    d->nslots = ns;
    for (int e = 0; e < d->n; e++) {
        const char *k = d->keys.s + d->e[e].off;
        size_t i = (size_t)key_hash(k, d->e[e].len) & (size_t)(ns - 1);
        while (d->slots[i] >= 0)
            i = (i + 1) & (size_t)(ns - 1);
        d->slots[i] = e;
    }
}

/* The entry of key k (n bytes), added with f 0 when new. */
static int doc_entry(struct doc_build *b, const char *k, int n)
{
    struct ts_doc *d = b->d;
    if (!b->last) { /* a position for each entry, as entries have room */
        b->lastcap = d->cap > 0 ? d->cap : 256;
        b->last = mg_malloc(sizeof *b->last * (size_t)b->lastcap);
    }
    if ((d->n + 1) * 2 > d->nslots)
        grow_slots(d);
    size_t mask = (size_t)(d->nslots - 1);
    size_t i = (size_t)key_hash(k, n) & mask;
    while (d->slots[i] >= 0) {
        const struct ts_entry *e = &d->e[d->slots[i]];
        if (e->len == n && memcmp(d->keys.s + e->off, k, (size_t)n) == 0)
            return d->slots[i];
        i = (i + 1) & mask;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->e = mg_realloc(d->e, sizeof *d->e * (size_t)d->cap);
    }
    if (d->n >= b->lastcap) {
        b->lastcap = d->cap;
        b->last = mg_realloc(b->last, sizeof *b->last * (size_t)b->lastcap);
    }
    int e = d->n++;
    d->e[e] = (struct ts_entry){(int)d->keys.len, n, 0.0, 0};
    buf_add(&d->keys, k, (size_t)n);
    buf_addc(&d->keys, '\0'); /* keys are C strings too */
    b->last[e] = -1;
    d->slots[i] = e;
    return e;
}

/* One token of a column: FTS5's position and size rules (a colocated
 * token shares the position before it, unless it is the column's first). */
static int doc_token(void *ctx, int flags, const char *tok, int n, int s, int e)
{
    (void)s, (void)e;
    struct doc_build *b = ctx;
    if (!(flags & FTS5_TOKEN_COLOCATED) || b->size == 0) {
        b->pos++;
        b->size++;
    }
    unsigned form = TS_EXACT;
    if (n > 0 && tok[0] == TOK_STEM_MARK) {
        tok++, n--;
        form = TS_MARKED;
    }
    if (n <= 0)
        return 0;
    int i = doc_entry(b, tok, n);
    struct ts_entry *en = &b->d->e[i];
    en->flags |= form;
    int64_t at = (int64_t)b->col << 32 | b->pos;
    if (b->last[i] != at) { /* one count a position, whatever its forms */
        b->last[i] = at;
        en->f += TS_WEIGHTS[b->col];
    }
    return 0;
}

void ts_doc_build(struct ts_doc *d, struct tok *t,
                  const char *const cols[ART_NCOLS],
                  const struct tok_stream *streams)
{
    d->n = 0;
    d->len = 0;
    d->body = 0;
    buf_clear(&d->keys);
    for (int i = 0; i < d->nslots; i++)
        d->slots[i] = -1;
    struct doc_build b = {.d = d};
    for (int c = 0; c < ART_NCOLS; c++) {
        b.col = c;
        b.pos = -1;
        b.size = 0;
        if (streams) {
            const struct tok_stream *st = &streams[c];
            if (st->text && st->len > 0)
                for (int k = 0; k < st->nrecs; k++) {
                    const struct tok_rec *r = &st->recs[k];
                    doc_token(&b, r->flags, st->bytes.s + r->off, r->n,
                              r->start, r->end);
                }
        } else if (cols[c] && *cols[c]) {
            tok_run(t, TOK_MODE_DOCUMENT, cols[c], (int)strlen(cols[c]),
                    doc_token, &b);
        }
        d->len += TS_LEN_WEIGHTS[c] * b.size;
        if (c == 2)
            d->body = b.size;
    }
    free(b.last);
}

void ts_doc_free(struct ts_doc *d)
{
    if (!d)
        return;
    free(d->e);
    buf_free(&d->keys);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
