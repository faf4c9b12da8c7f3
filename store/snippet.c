/*
 * snippet.c - the morgue_snippet() FTS5 auxiliary function, and the
 * others the search reads rows with (morgue_marks, morgue_window,
 * morgue_matched, morgue_length).
 */
#include "snippet.h"

#include <sqlite3.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "tokenizer.h"

struct toks {
    struct snip_span *v;
    int n, cap;
    int upto; /* stop after this many: no match lies beyond them */
};

/* Tokens as the snippet reads them. */
struct tview {
    const struct snip_span *v;
    int n;
};

static int collect(void *ctx, int flags, const char *t, int nt, int s, int e)
{
    (void)t, (void)nt;
    struct toks *k = ctx;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    if (k->n >= k->upto)
        return SQLITE_DONE; /* enough: the rest holds no match */
    if (k->n == k->cap)
        k->v = mg_realloc(
            k->v, sizeof *k->v * (size_t)(k->cap = k->cap ? k->cap * 2 : 256));
    k->v[k->n].start = s;
    k->v[k->n].end = e;
    k->n++;
    return SQLITE_OK;
}

/* A sentence: its bytes and its tokens [t0, t1). */
struct sentence {
    int start, end, t0, t1;
    uint64_t phrases; /* distinct query phrases in it (bit per phrase) */
    int hits;
};

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t';
}

/* Splits text into sentences: after . ! ? (and closing quotes) followed
 * by a space, and at blank lines. */
static struct sentence *sentences(const char *z, int n, const struct tview *k,
                                  int *count)
{
    struct sentence *v = NULL;
    int nv = 0, cap = 0, start = 0, i = 0;
    while (start < n && is_space(z[start]))
        start++;
    for (i = start; i <= n; i++) {
        int end = -1;
        if (i == n) {
            end = n;
        } else if (z[i] == '\n' && i + 1 < n && z[i + 1] == '\n') {
            end = i;
        } else if ((z[i] == '.' || z[i] == '!' || z[i] == '?') && i + 1 < n) {
            int j = i + 1;
            /* closing quotes: ' " ’ ” */
            while (j < n && (z[j] == '\'' || z[j] == '"'))
                j++;
            while (j + 2 < n && (unsigned char)z[j] == 0xE2 &&
                   (unsigned char)z[j + 1] == 0x80 &&
                   ((unsigned char)z[j + 2] == 0x99 ||
                    (unsigned char)z[j + 2] == 0x9D))
                j += 3;
            /* "U.S. officials": a dot inside an acronym ends nothing. */
            int acronym = i >= 2 && z[i - 2] == '.';
            if (j < n && is_space(z[j]) && !acronym)
                end = j;
        }
        if (end < 0)
            continue;
        if (end > start) {
            if (nv == cap)
                v = mg_realloc(v,
                               sizeof *v * (size_t)(cap = cap ? cap * 2 : 32));
            v[nv++] = (struct sentence){start, end, 0, 0, 0, 0};
        }
        if (i == n)
            break;
        start = end;
        while (start < n && is_space(z[start]))
            start++;
        i = start - 1;
    }
    /* Token ranges. */
    int t = 0;
    for (int s = 0; s < nv; s++) {
        while (t < k->n && k->v[t].start < v[s].start)
            t++;
        v[s].t0 = t;
        while (t < k->n && k->v[t].start < v[s].end)
            t++;
        v[s].t1 = t;
    }
    *count = nv;
    return v;
}

static int popcount64(uint64_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* Appends z[a, b) to out with line breaks as single spaces and the tokens
 * marked in mark[] (instance id + 1, 0 for none) wrapped in markers. */
static void emit(struct buf *out, const char *z, int a, int b,
                 const struct tview *k, const int *mark)
{
    int t = 0;
    while (t < k->n && k->v[t].end <= a)
        t++;
    buf_reserve(out, (size_t)(b - a) + (size_t)2 * SNIPPET_TOKENS + 8);
    int i = a;
    while (i < b) {
        if (t < k->n && k->v[t].start == i && mark[t]) {
            int g = mark[t], u = t;
            while (u + 1 < k->n && mark[u + 1] == g && k->v[u + 1].end <= b)
                u++;
            buf_addc(out, SNIPPET_OPEN);
            for (int j = i; j < k->v[u].end; j++)
                buf_addc(out, is_space(z[j]) ? ' ' : z[j]);
            buf_addc(out, SNIPPET_CLOSE);
            i = k->v[u].end;
            t = u + 1;
            continue;
        }
        if (t < k->n && k->v[t].end <= i + 1 && k->v[t].start <= i)
            t++;
        if (is_space(z[i])) {
            if (out->len && out->s[out->len - 1] != ' ')
                buf_addc(out, ' ');
        } else {
            buf_addc(out, z[i]);
        }
        i++;
        while (t < k->n && k->v[t].start < i)
            t++;
    }
}

/* Best window of at most max tokens inside [t0, t1) by marked tokens. */
static void best_window(const int *mark, int t0, int t1, int max, int *w0,
                        int *w1)
{
    int best = -1, bestat = t0;
    for (int s = t0; s < t1; s++) {
        if (!mark[s] && s != t0)
            continue;
        int e = s + max < t1 ? s + max : t1, c = 0;
        for (int j = s; j < e; j++)
            c += mark[j] != 0;
        if (c > best) {
            best = c;
            bestat = s;
        }
    }
    /* Start a few tokens before the first match for context, unless that
     * would push the window's last match out. */
    int last = bestat;
    for (int j = bestat; j < t1 && j < bestat + max; j++)
        if (mark[j])
            last = j;
    int s = bestat - 4;
    if (s < last + 1 - max)
        s = last + 1 - max;
    if (s < t0)
        s = t0;
    *w0 = s;
    *w1 = s + max < t1 ? s + max : t1;
}

static int in_set(const struct page_set *set, int64_t id)
{
    int lo = 0, hi = set->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (set->ids[mid] == id)
            return 1;
        if (set->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

/* Sets the function's result to the text of out (taking it). */
static void result_buf(sqlite3_context *ctx, struct buf *out)
{
    sqlite3_result_text(ctx, out->s ? out->s : "", (int)out->len, free);
    if (!out->s)
        buf_free(out);
}

/* The instances (ninst of them) in each column, into per_col. */
static void count_per_col(const struct snip_inst *in, int ninst,
                          int per_col[ART_NCOLS])
{
    memset(per_col, 0, sizeof(int) * ART_NCOLS);
    for (int i = 0; i < ninst; i++)
        if (in[i].col >= 0 && in[i].col < ART_NCOLS)
            per_col[in[i].col]++;
}

int snippet_column(const struct snip_inst *in, int ninst, snip_text_fn text,
                   void *ctx, const char **z, int *n)
{
    int per_col[ART_NCOLS];
    count_per_col(in, ninst, per_col);
    static const int ORDER[] = {ART_BODY, ART_LEDE, ART_HIGHLIGHTS,
                                ART_CAPTIONS};
    int col = -1;
    for (size_t i = 0; i < sizeof ORDER / sizeof *ORDER && col < 0; i++)
        if (per_col[ORDER[i]])
            col = ORDER[i];
    *z = NULL;
    *n = 0;
    if (col < 0) {
        static const int FALLBACK[] = {ART_LEDE, ART_BODY, ART_TITLE};
        for (size_t i = 0; i < 3 && *n == 0; i++) {
            col = FALLBACK[i];
            text(ctx, col, z, n);
        }
    } else {
        text(ctx, col, z, n);
    }
    return col;
}

/* Marks the instances in column col over ntok tokens: mark[t] the
 * instance (+1) highlighting token t, a phrase's tokens one highlight (a
 * shorter instance inside it, a hyphenated word's part also searched
 * apart, leaves it whole); phr[t] the phrases holding t (bits). */
static void mark_instances(const struct snip_inst *in, int ninst, int col,
                           int ntok, int *mark, uint64_t *phr)
{
    int *size_at = mg_calloc((size_t)ntok + 1, sizeof *size_at);
    for (int i = 0; i < ninst; i++) {
        if (in[i].col != col)
            continue;
        int size = in[i].size, off = in[i].off;
        for (int j = off; j < off + size && j < ntok; j++) {
            if (j >= 0) {
                if (size > size_at[j]) {
                    mark[j] = i + 1;
                    size_at[j] = size;
                }
                phr[j] |= 1ULL << (in[i].phrase & 63);
            }
        }
    }
    free(size_at);
}

/* Writes the snippet of z (n bytes; tokens k, marks mark) from its
 * sentences s[0..ns) (known of them of known length) into out: the best
 * sentence (most distinct phrases, then most hits, then the earliest),
 * cut to SNIPPET_TOKENS around its marks when long, else with a second
 * sentence when there is room: the one adding most phrases not yet
 * shown, else the next one. */
static void write_snippet(struct buf *out, const char *z, int n,
                          const struct tview *k, const int *mark,
                          const struct sentence *s, int ns, int known)
{
    if (ns == 0) {
        emit(out, z, 0, n, k, mark);
        return;
    }
    int best = 0;
    for (int i = 1; i < ns; i++) {
        int a = popcount64(s[i].phrases), b = popcount64(s[best].phrases);
        if (a > b || (a == b && s[i].hits > s[best].hits))
            best = i;
    }
    const struct sentence *b = &s[best];
    int len = b->t1 - b->t0;
    if (len > SNIPPET_TOKENS + 8) {
        int w0, w1;
        best_window(mark, b->t0, b->t1, SNIPPET_TOKENS, &w0, &w1);
        int from = w0 == b->t0 ? b->start : k->v[w0].start;
        int to = w1 == b->t1 ? b->end : k->v[w1 - 1].end;
        if (w0 != b->t0)
            buf_adds(out, "… ");
        emit(out, z, from, to, k, mark);
        if (w1 != b->t1)
            buf_adds(out, " …");
        return;
    }
    emit(out, z, b->start, b->end, k, mark);
    int second = -1, gain = 0;
    for (int i = 0; i < known; i++) {
        if (i == best)
            continue;
        int g = popcount64(s[i].phrases & ~b->phrases);
        if (g > gain && s[i].t1 - s[i].t0 + len <= SNIPPET_TOKENS + 8) {
            gain = g;
            second = i;
        }
    }
    if (second < 0 && len < SNIPPET_TOKENS / 2 && best + 1 < known &&
        s[best + 1].t1 - s[best + 1].t0 + len <= SNIPPET_TOKENS + 8)
        second = best + 1;
    if (second >= 0) {
        buf_adds(out, second == best + 1 ? " " : " … ");
        emit(out, z, s[second].start, s[second].end, k, mark);
    }
}

int snippet_upto(const struct snip_inst *in, int ninst, int col)
{
    int last = 0;
    for (int i = 0; i < ninst; i++)
        if (in[i].col == col && in[i].off + in[i].size > last)
            last = in[i].off + in[i].size;
    return last + 2 * (SNIPPET_TOKENS + 8);
}

void snippet_write(struct buf *out, const char *z, int n,
                   const struct snip_span *tok, int ntok, int complete,
                   const struct snip_inst *in, int ninst, int col)
{
    struct tview k = {tok, ntok};
    int *mark = mg_calloc((size_t)k.n + 1, sizeof *mark);
    uint64_t *phr = mg_calloc((size_t)k.n + 1, sizeof *phr);
    mark_instances(in, ninst, col, k.n, mark, phr);
    int ns = 0;
    struct sentence *s = sentences(z, n, &k, &ns);
    /* sentences past the tokens read are not candidates for the second
     * one: their length is not known */
    int known = ns;
    if (!complete && k.n > 0)
        for (known = 0; known < ns && s[known].end <= k.v[k.n - 1].end;)
            known++;
    for (int i = 0; i < ns; i++)
        for (int t = s[i].t0; t < s[i].t1; t++) {
            s[i].phrases |= phr[t];
            s[i].hits += mark[t] != 0;
        }
    write_snippet(out, z, n, &k, mark, s, ns, known);
    free(s);
    free(mark);
    free(phr);
}

void snippet_marks(struct buf *out, int col, const struct snip_span *tok,
                   int ntok, const struct snip_inst *in, int ninst)
{
    int *mark = mg_calloc((size_t)ntok + 1, sizeof *mark);
    uint64_t *phr = mg_calloc((size_t)ntok + 1, sizeof *phr);
    mark_instances(in, ninst, col, ntok, mark, phr);
    for (int t = 0; t < ntok; t++) {
        if (!mark[t])
            continue;
        int u = t;
        while (u + 1 < ntok && mark[u + 1] == mark[t])
            u++;
        buf_printf(out, "%d %d %d\n", col, tok[t].start, tok[u].end);
        t = u;
    }
    free(mark);
    free(phr);
}

/* The row's instances (*ninst of them), in xInst's order. */
static struct snip_inst *row_instances(const Fts5ExtensionApi *api,
                                       Fts5Context *fts, int *ninst)
{
    int n = 0;
    if (api->xInstCount(fts, &n) != SQLITE_OK)
        n = 0;
    struct snip_inst *in = mg_malloc(sizeof *in * (size_t)(n + 1));
    int got = 0;
    for (int i = 0; i < n; i++) {
        int ph, c, off;
        if (api->xInst(fts, i, &ph, &c, &off) == SQLITE_OK)
            in[got++] =
                (struct snip_inst){ph, c, off, api->xPhraseSize(fts, ph)};
    }
    *ninst = got;
    return in;
}

struct fts_row {
    const Fts5ExtensionApi *api;
    Fts5Context *fts;
};

static void fts_text(void *ctx, int col, const char **z, int *n)
{
    const struct fts_row *r = ctx;
    if (r->api->xColumnText(r->fts, col, z, n) != SQLITE_OK)
        *n = 0;
}

static void snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                       sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct page_set *set =
        argc > 0 ? sqlite3_value_pointer(argv[0], "morgue_page") : NULL;
    if (set && !in_set(set, api->xRowid(fts))) {
        sqlite3_result_null(ctx); /* not on the page */
        return;
    }
    int ninst = 0;
    struct snip_inst *in = row_instances(api, fts, &ninst);
    const char *z;
    int n;
    struct fts_row row = {api, fts};
    int col = snippet_column(in, ninst, fts_text, &row, &z, &n);
    if (n <= 0 || !z) {
        free(in);
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    /* the text's tokens up to a little past its last match (a snippet is
     * at most two sentences of about SNIPPET_TOKENS): enough to place
     * every match and the sentences after the last */
    struct toks k = {.upto = snippet_upto(in, ninst, col)};
    int rc = api->xTokenize(fts, z, n, &k, collect);
    int complete = rc == SQLITE_OK;
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK) {
        free(k.v);
        free(in);
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    struct buf out = {0};
    snippet_write(&out, z, n, k.v, k.n, complete, in, ninst, col);
    free(k.v);
    free(in);
    result_buf(ctx, &out);
}

/* morgue_window(fts): the fewest tokens, in one column, that hold at
 * least one instance of every phrase the row matches (at most 63
 * phrases), or -1 when no column holds them all or the query has fewer
 * than two phrases.  The proximity boost of search.c uses it: "summit
 * Pyongyang" in one sentence beats the two words pages apart. */
static void window_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                      sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    (void)nval, (void)val;
    int ninst = 0, nph = api->xPhraseCount(fts);
    if (nph < 2 || nph > 63 || api->xInstCount(fts, &ninst) != SQLITE_OK ||
        ninst < 2) {
        sqlite3_result_int(ctx, -1);
        return;
    }
    /* the phrases this row matches at all */
    sqlite3_int64 need = 0;
    int *ph = sqlite3_malloc64(sizeof(int) * 3 * (sqlite3_uint64)ninst);
    if (!ph) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int *col = ph + ninst, *off = col + ninst, n = 0;
    for (int i = 0; i < ninst; i++)
        if (api->xInst(fts, i, &ph[n], &col[n], &off[n]) == SQLITE_OK &&
            ph[n] >= 0 && ph[n] < 63) {
            need |= (sqlite3_int64)1 << ph[n];
            n++;
        }
    /* instances come in column, then offset order: slide a window over
     * each column's run of them */
    int best = -1, count[63] = {0};
    for (int a = 0; a < n;) {
        int end = a;
        while (end < n && col[end] == col[a])
            end++;
        sqlite3_int64 have = 0;
        memset(count, 0, sizeof count);
        for (int lo = a, hi = a; hi < end; hi++) {
            if (count[ph[hi]]++ == 0)
                have |= (sqlite3_int64)1 << ph[hi];
            while (have == need) {
                int span = off[hi] - off[lo] + 1;
                if (best < 0 || span < best)
                    best = span;
                if (--count[ph[lo]] == 0)
                    have &= ~((sqlite3_int64)1 << ph[lo]);
                lo++;
            }
        }
        a = end;
    }
    sqlite3_free(ph);
    /* a window over one phrase only says nothing */
    sqlite3_result_int(
        ctx, __builtin_popcountll((unsigned long long)need) >= 2 ? best : -1);
}

/* morgue_matched(fts, mask): how many of the query's phrases whose bit is
 * set in mask (phrase i, bit i; the first 63) occur in the row.  Ranks the
 * relaxed search, where the words are ORed, by how many of them an
 * article holds. */
static void matched_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                       sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    sqlite3_int64 mask = nval > 0 ? sqlite3_value_int64(val[0]) : -1;
    sqlite3_int64 seen = 0;
    int ninst = 0;
    if (api->xInstCount(fts, &ninst) != SQLITE_OK) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    for (int i = 0; i < ninst; i++) {
        int ph, c, off;
        if (api->xInst(fts, i, &ph, &c, &off) == SQLITE_OK && ph >= 0 &&
            ph < 63)
            seen |= (sqlite3_int64)1 << ph;
    }
    seen &= mask;
    int n = 0;
    for (; seen; seen &= seen - 1)
        n++;
    sqlite3_result_int(ctx, n);
}

/* morgue_marks(fts): every match in the row's shown columns (title,
 * lede, body, captions, highlights) as "COL START END" byte ranges, one
 * per line, in column order and then by place; a phrase's tokens, and the
 * words a longer instance covers, are one range (as the snippets mark
 * them).  Empty when nothing matches in those columns. */
static void marks_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                     sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    (void)nval, (void)val;
    int ninst = 0;
    struct snip_inst *in = row_instances(api, fts, &ninst);
    int per_col[ART_NCOLS];
    count_per_col(in, ninst, per_col);
    struct buf out = {0};
    for (int col = 0; col < ART_ENTITIES; col++) {
        const char *z;
        int n;
        if (!per_col[col] || api->xColumnText(fts, col, &z, &n) != SQLITE_OK ||
            !z || n <= 0)
            continue;
        struct toks k = {.upto = INT32_MAX};
        int rc = api->xTokenize(fts, z, n, &k, collect);
        if (rc != SQLITE_OK) {
            free(k.v);
            free(in);
            buf_free(&out);
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        snippet_marks(&out, col, k.v, k.n, in, ninst);
        free(k.v);
    }
    free(in);
    result_buf(ctx, &out);
}

/* morgue_length(fts, col): the tokens in column col of the row. */
static void length_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                      sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    int n = 0;
    if (nval < 1 ||
        api->xColumnSize(fts, sqlite3_value_int(val[0]), &n) != SQLITE_OK)
        n = 0;
    sqlite3_result_int(ctx, n);
}

int snippet_register(sqlite3 *db, struct mg_err *err)
{
    fts5_api *api = tok_fts5_api(db);
    if (!api)
        return mg_fail(err, "this SQLite library has no FTS5");
    if (api->xCreateFunction(api, "morgue_snippet", NULL, snippet_fn, NULL) !=
            SQLITE_OK ||
        api->xCreateFunction(api, "morgue_matched", NULL, matched_fn, NULL) !=
            SQLITE_OK ||
        api->xCreateFunction(api, "morgue_length", NULL, length_fn, NULL) !=
            SQLITE_OK ||
        api->xCreateFunction(api, "morgue_window", NULL, window_fn, NULL) !=
            SQLITE_OK ||
        api->xCreateFunction(api, "morgue_marks", NULL, marks_fn, NULL) !=
            SQLITE_OK)
        return mg_fail(err, "cannot register morgue_snippet: %s",
                       sqlite3_errmsg(db));
    return 0;
}
