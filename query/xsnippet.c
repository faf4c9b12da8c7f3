/*
 * xsnippet.c - snippets and marks from an article's text and a plan
 * (xsnippet.h), for the Xapian engine, whose index is not read: FTS5's
 * instances of the leaves expression (plan_expr_leaves: leaf i is phrase
 * i, a field's leaf restricted to its column) are found again over the
 * tokens the `morgue` tokenizer gives the field, position by position.
 */
#include "xsnippet.h"

#include <stdlib.h>
#include <string.h>

#include "snippet.h"

/* A field's tokens: position i holds the tokens first[i] to first[i+1]
 * (the exact token, then its colocated stem and undotted form), each
 * tok[j] bytes at bytes.s + off[j]; span[i] the position's bytes. */
struct xfield {
    struct snip_span *span;
    int npos, cappos;
    int *first;
    int *off, *len;
    int ntok, captok;
    struct buf bytes;
};

static int field_token(void *ctx, int flags, const char *t, int nt, int s,
                       int e)
{
    struct xfield *f = ctx;
    if (!(flags & FTS5_TOKEN_COLOCATED) || f->npos == 0) {
        if (f->npos + 1 >= f->cappos) {
            f->cappos = f->cappos ? 2 * f->cappos : 256;
            f->span = mg_realloc(f->span, sizeof *f->span * (size_t)f->cappos);
            f->first =
                mg_realloc(f->first, sizeof *f->first * (size_t)f->cappos);
        }
        f->span[f->npos] = (struct snip_span){s, e};
        f->first[f->npos++] = f->ntok;
    }
    if (f->ntok == f->captok) {
        f->captok = f->captok ? 2 * f->captok : 512;
        f->off = mg_realloc(f->off, sizeof *f->off * (size_t)f->captok);
        f->len = mg_realloc(f->len, sizeof *f->len * (size_t)f->captok);
    }
    f->off[f->ntok] = (int)f->bytes.len;
    f->len[f->ntok++] = nt;
    buf_add(&f->bytes, t, (size_t)nt);
    f->first[f->npos] = f->ntok;
    return 0;
}

static void field_read(struct tok *t, const char *z, struct xfield *f)
{
    memset(f, 0, sizeof *f);
    if (z && *z)
        tok_run(t, TOK_MODE_DOCUMENT, z, (int)strlen(z), field_token, f);
}

static void field_free(struct xfield *f)
{
    free(f->span);
    free(f->first);
    free(f->off);
    free(f->len);
    buf_free(&f->bytes);
}

/* Whether a token at position q of f is the key k (exact), or also the
 * word stemmed to it (cls: TOK_STEM_MARK + k). */
static int pos_has(const struct xfield *f, int q, const char *k, int cls)
{
    size_t n = strlen(k);
    for (int j = f->first[q]; j < f->first[q + 1]; j++) {
        const char *t = f->bytes.s + f->off[j];
        size_t tl = (size_t)f->len[j];
        if (tl == n && memcmp(t, k, n) == 0)
            return 1;
        if (cls && tl == n + 1 && t[0] == TOK_STEM_MARK &&
            memcmp(t + 1, k, n) == 0)
            return 1;
    }
    return 0;
}

/* Whether leaf l's positions hold at f's positions from q on. */
static int leaf_at(const struct plan *p, const struct plan_leaf *l,
                   const struct xfield *f, int q)
{
    if (q + l->npos > f->npos)
        return 0;
    for (int i = 0; i < l->npos; i++) {
        const struct plan_pos *ps = &l->pos[i];
        int any = 0;
        for (int a = 0; a < ps->nalt && !any; a++)
            any = pos_has(f, q + i, p->key[ps->alt[a].key].key, ps->alt[a].cls);
        if (!any)
            return 0;
    }
    return 1;
}

struct insts {
    struct snip_inst *v;
    int n, cap;
};

/* The instances of p's leaves in field col (tokens f), in FTS5's order
 * (by offset, then phrase), appended to in. */
static void field_insts(const struct plan *p, int col, const struct xfield *f,
                        struct insts *in)
{
    for (int q = 0; p && q < f->npos; q++)
        for (int i = 0; i < p->nleaf; i++) {
            const struct plan_leaf *l = &p->leaf[i];
            if (l->npos == 0 || (l->col >= 0 && l->col != col) ||
                !leaf_at(p, l, f, q))
                continue;
            if (in->n == in->cap)
                in->v =
                    mg_realloc(in->v, sizeof *in->v *
                                          (size_t)(in->cap = in->cap * 2 + 16));
            in->v[in->n++] = (struct snip_inst){i, col, q, l->npos};
        }
}

/* The shown fields (all but the entities text, which neither the
 * snippet nor the marks use), tokenised, and their instances. */
struct xdoc {
    const char *text[ART_ENTITIES];
    struct xfield f[ART_ENTITIES];
    struct insts in;
};

static void doc_read(struct tok *t, const struct plan *p,
                     const struct article *a, struct xdoc *d)
{
    const char *text[ART_ENTITIES] = {a->title, a->lede, a->body, a->captions,
                                      a->highlights};
    memset(d, 0, sizeof *d);
    for (int c = 0; c < ART_ENTITIES; c++) {
        d->text[c] = text[c];
        field_read(t, text[c], &d->f[c]);
        field_insts(p, c, &d->f[c], &d->in);
    }
}

static void doc_free(struct xdoc *d)
{
    for (int c = 0; c < ART_ENTITIES; c++)
        field_free(&d->f[c]);
    free(d->in.v);
}

static void doc_text(void *ctx, int col, const char **z, int *n)
{
    const struct xdoc *d = ctx;
    *z = col >= 0 && col < ART_ENTITIES ? d->text[col] : NULL;
    *n = *z ? (int)strlen(*z) : 0;
}

void xsnip_text(struct tok *t, const struct plan *p, const struct article *a,
                struct buf *out)
{
    if (!p || p->nleaf == 0) {
        buf_adds(out, a->lede ? a->lede : "");
        return;
    }
    struct xdoc d;
    doc_read(t, p, a, &d);
    const char *z;
    int n;
    int col = snippet_column(d.in.v, d.in.n, doc_text, &d, &z, &n);
    if (z && n > 0) {
        /* the tokens FTS5's snippet reads: up to a little past the last
         * match */
        int ntok = d.f[col].npos, upto = snippet_upto(d.in.v, d.in.n, col);
        int complete = ntok <= upto;
        snippet_write(out, z, n, d.f[col].span, complete ? ntok : upto,
                      complete, d.in.v, d.in.n, col);
    }
    doc_free(&d);
}

void xsnip_marks(struct tok *t, const struct plan *p, const struct article *a,
                 struct buf *out)
{
    if (!p || p->nleaf == 0)
        return;
    struct xdoc d;
    doc_read(t, p, a, &d);
    for (int c = 0; c < ART_ENTITIES; c++)
        if (d.text[c] && *d.text[c])
            snippet_marks(out, c, d.f[c].span, d.f[c].npos, d.in.v, d.in.n);
    doc_free(&d);
}
