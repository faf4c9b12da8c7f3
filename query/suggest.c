/*
 * suggest.c - "did you mean" from the index's own vocabulary
 * (suggest.h): candidates by walking the sorted vocabulary within an
 * edit distance, the corrected query chosen by counting.
 */
#include "suggest.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "search_int.h"

/* Longest candidate looked at: the longest word plus 2 edits. */
#define MAXC (SUGGEST_MAX_LEN + 3)

/* Decodes the UTF-8 of s (n bytes) into at most max code points of cp
 * (an invalid byte is one code point, -1), with off[i] the byte offset
 * where code point i starts and off[count] = the bytes decoded.  Returns
 * the count. */
static int decode(const char *s, int n, int32_t *cp, int *off, int max)
{
    int k = 0, pos = 0;
    while (pos < n && k < max) {
        off[k] = pos;
        pos += mg_utf8_decode(s, n, pos, &cp[k]);
        k++;
    }
    off[k] = pos;
    return k;
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Row i of the alignment of candidate c[0..i) against the word w[0..n)
 * into rows[i], from rows[i - 1] (and rows[i - 2] for a swap); returns
 * the row's least value. */
static int row(int (*rows)[MAXC + 1], const int32_t *c, int i, const int32_t *w,
               int n)
{
    int *r = rows[i], *p = rows[i - 1], least = i;
    r[0] = i;
    for (int j = 1; j <= n; j++) {
        int d = min3(p[j] + 1, r[j - 1] + 1, p[j - 1] + (c[i - 1] != w[j - 1]));
        if (i > 1 && j > 1 && c[i - 1] == w[j - 2] && c[i - 2] == w[j - 1] &&
            rows[i - 2][j - 2] + 1 < d)
            d = rows[i - 2][j - 2] + 1;
        r[j] = d;
        if (d < least)
            least = d;
    }
    return least;
}

int suggest_distance(const char *a, int na, const char *b, int nb, int max)
{
    int32_t wa[MAXC], wb[MAXC];
    int offa[MAXC + 1], offb[MAXC + 1];
    int la = decode(a, na, wa, offa, MAXC), lb = decode(b, nb, wb, offb, MAXC);
    if ((la == MAXC && offa[la] < na) || (lb == MAXC && offb[lb] < nb) ||
        abs(la - lb) > max)
        return max + 1; /* too long to count, or too far apart */
    int rows[MAXC + 1][MAXC + 1];
    for (int j = 0; j <= lb; j++)
        rows[0][j] = j;
    for (int i = 1; i <= la; i++)
        if (row(rows, wa, i, wb, lb) > max)
            return max + 1;
    return rows[la][lb] <= max ? rows[la][lb] : max + 1;
}

void suggest_cands_free(struct suggest_cand *c, int n)
{
    for (int i = 0; c && i < n; i++)
        free(c[i].key);
}

int suggest_cand_order(const void *x, const void *y)
{
    const struct suggest_cand *a = x, *b = y;
    if (a->dist != b->dist)
        return a->dist - b->dist;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* Keeps key (n bytes) in out[0..*nout) unless there already or worse
 * than the max kept. */
static void keep(struct suggest_cand *out, int max, int *nout, const char *key,
                 int n, int dist, int64_t df)
{
    for (int i = 0; i < *nout; i++)
        if ((int)strlen(out[i].key) == n && memcmp(out[i].key, key, n) == 0)
            return;
    struct suggest_cand c = {NULL, dist, df};
    char *copy = mg_strndup(key, (size_t)n);
    c.key = copy;
    if (*nout == max) {
        if (suggest_cand_order(&c, &out[max - 1]) >= 0) {
            free(copy);
            return;
        }
        free(out[max - 1].key);
        (*nout)--;
    }
    int at = *nout;
    while (at > 0 && suggest_cand_order(&c, &out[at - 1]) < 0) {
        out[at] = out[at - 1];
        at--;
    }
    out[at] = c;
    (*nout)++;
}

int suggest_near(struct store *st, const char *word, int n, int maxdist,
                 int anchor, struct suggest_cand *out, int max, int *nout,
                 int64_t *seeks, struct mg_err *err)
{
    int32_t w[MAXC], c[MAXC], t[MAXC];
    int woff[MAXC + 1], toff[MAXC + 1];
    int wn = decode(word, n, w, woff, MAXC);
    int64_t nseek = 0;
    *nout = 0;
    if (seeks)
        *seeks = 0;
    if (wn == 0 || wn > SUGGEST_MAX_LEN || woff[wn] < n || max <= 0 ||
        maxdist < 1 || maxdist > 2)
        return 0;
    /* rows[i]: the alignment of the key's first i code points (c) with
     * the word, for i up to depth */
    int rows[MAXC + 1][MAXC + 1];
    for (int j = 0; j <= wn; j++)
        rows[0][j] = j;
    /* the keys walked: from from, below hi when anchored on the first
     * code point (its bytes with the last one raised: past every key
     * starting so) */
    struct buf from = {0}, hi = {0};
    buf_add(&from, word, anchor ? (size_t)woff[1] : 0);
    if (anchor) {
        buf_add(&hi, word, (size_t)woff[1]);
        hi.s[hi.len - 1]++;
    }
    /* a key longer than this is too far: its prefix dies first */
    int cap = wn + maxdist + 1;
    int after = 0, depth = 0, rc = 0;
    int own_txn = store_read_begin(st);
    while (nseek < SUGGEST_MAX_SEEKS) {
        const char *key;
        int len;
        int64_t df;
        nseek++;
        int got = store_word_next(st, from.s ? from.s : "", (int)from.len,
                                  after, anchor ? hi.s : NULL, (int)hi.len,
                                  &key, &len, &df, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        int m = decode(key, len, t, toff, cap);
        /* the rows of the code points this key shares with the last */
        int i = 0;
        while (i < depth && i < m && c[i] == t[i])
            i++;
        depth = i;
        int dead = 0;
        for (i = depth + 1; i <= m; i++) {
            c[i - 1] = t[i - 1];
            depth = i;
            if (row(rows, c, i, w, wn) > maxdist) {
                dead = i;
                break;
            }
        }
        from.len = 0;
        if (dead) {
            /* no key starting with t[0..dead) is near: past them all */
            buf_add(&from, key, (size_t)toff[dead]);
            from.s[from.len - 1]++;
            depth = dead - 1;
            after = 0;
            continue;
        }
        int d = rows[m][wn];
        if (d > 0 && d <= maxdist)
            keep(out, max, nout, key, len, d, df);
        buf_add(&from, key, (size_t)len);
        after = 1;
    }
    store_read_end(st, own_txn);
    buf_free(&from);
    buf_free(&hi);
    if (seeks)
        *seeks = nseek;
    return rc < 0 ? -1 : 0;
}

/* Keeps the key of the n bytes at k when an article holds it (a point
 * lookup), as one edit from the word.  0 or -1 with err. */
static int keep_if_held(struct store *st, const char *k, int n,
                        struct suggest_cand *out, int *nout, int64_t *seeks,
                        struct mg_err *err)
{
    struct store_word sw;
    (*seeks)++;
    int got = store_word(st, k, n, &sw, err);
    if (got > 0 && sw.df > 0)
        keep(out, SUGGEST_CANDS, nout, k, n, 1, sw.df);
    return got < 0 ? -1 : 0;
}

/* The keys one edit from word (wn code points starting at woff[]) that
 * do not start with its first code point: the word without it, its first
 * two swapped, and for each first code point x of the vocabulary x and
 * the rest of the word, x and the word.  The first code points are
 * walked with one seek each, those of the word's side of U+3000 (the
 * scripts written in words below it; CJK characters, one token each,
 * from it), so this costs a few seeks per letter of the alphabet.  0 or
 * -1 with err. */
static int first_edits(struct store *st, const char *word, int n,
                       const int *woff, int wn, struct suggest_cand *out,
                       int *nout, int64_t *seeks, struct mg_err *err)
{
    static const char CJK[] = "\xE3\x80\x80"; /* U+3000 */
    int rc = 0;
    struct buf k = {0};
    if (wn > 1) /* without its first letter */
        rc = keep_if_held(st, word + woff[1], n - woff[1], out, nout, seeks,
                          err);
    if (rc == 0 && wn > 1 &&
        (woff[1] != woff[2] - woff[1] ||
         memcmp(word, word + woff[1], (size_t)woff[1]) != 0)) {
        buf_add(&k, word + woff[1], (size_t)(woff[2] - woff[1]));
        buf_add(&k, word, (size_t)woff[1]);
        buf_add(&k, word + woff[2], (size_t)(n - woff[2]));
        rc = keep_if_held(st, k.s, (int)k.len, out, nout, seeks, err);
    }
    int low = strcmp(word, CJK) < 0;
    struct buf from = {0};
    buf_adds(&from, low ? "" : CJK);
    while (rc == 0) {
        const char *key;
        int len;
        int64_t df;
        (*seeks)++;
        int got =
            store_word_next(st, from.s, (int)from.len, 0, low ? CJK : NULL,
                            low ? 3 : 0, &key, &len, &df, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        int32_t cp;
        int x = mg_utf8_decode(key, len, 0, &cp);
        from.len = 0;
        buf_add(&from, key, (size_t)x);
        if (x != woff[1] || memcmp(key, word, (size_t)x) != 0) {
            k.len = 0; /* x and the rest: the first letter replaced */
            buf_add(&k, from.s, from.len);
            buf_add(&k, word + woff[1], (size_t)(n - woff[1]));
            rc = keep_if_held(st, k.s, (int)k.len, out, nout, seeks, err);
            k.len = from.len; /* x and the word: a letter before it */
            buf_add(&k, word, (size_t)n);
            if (rc == 0)
                rc = keep_if_held(st, k.s, (int)k.len, out, nout, seeks, err);
        }
        from.s[from.len - 1]++; /* past every key starting with x */
    }
    buf_free(&from);
    buf_free(&k);
    return rc < 0 ? -1 : 0;
}

int suggest_candidates(struct store *st, const char *word, int n,
                       struct suggest_cand *out, int *nout, int64_t *seeks,
                       struct mg_err *err)
{
    int32_t cp[MAXC];
    int off[MAXC + 1];
    int len = decode(word, n, cp, off, MAXC);
    int64_t walked = 0, looked = 0;
    *nout = 0;
    if (len == 0 || len > SUGGEST_MAX_LEN || off[len] < n)
        return 0;
    /* 1 edit: the first letter kept, then edited */
    int rc =
        suggest_near(st, word, n, 1, 1, out, SUGGEST_CANDS, nout, &walked, err);
    int own_txn = store_read_begin(st);
    if (rc == 0)
        rc = first_edits(st, word, n, off, len, out, nout, &looked, err);
    store_read_end(st, own_txn);
    if (rc == 0 && *nout == 0 && len >= SUGGEST_LONG) {
        /* none: 2 edits, the first letter kept */
        int64_t more = 0;
        rc = suggest_near(st, word, n, 2, 1, out, SUGGEST_CANDS, nout, &more,
                          err);
        walked += more;
    }
    if (seeks)
        *seeks = walked + looked;
    return rc;
}

/* ---- the query ---------------------------------------------------------- */

/* A word of the query that may be corrected. */
struct sword {
    int start, end; /* its bytes in the query */
    char *key;      /* as the index has it (folded) */
    int exact;      /* quoted: the word itself, not its stem */
    int64_t freq;   /* the articles it matches */
    struct suggest_cand cand[SUGGEST_CANDS]; /* none when not doubtful */
    int ncand;
    int same;   /* an earlier word of the same key, whose candidates and
                 * choice it takes; -1 */
    int choice; /* -1: as typed; else a candidate */
};

struct words {
    struct sword *w;
    int n, cap;
    int at;    /* the term being read: where its text stands */
    int exact; /* ... and whether it is quoted */
};

/* Whether the n bytes at s are SUGGEST_MIN_LEN to SUGGEST_MAX_LEN
 * letters (no digit, dot or mark: numbers, acronyms). */
static int correctable(const char *s, int n)
{
    int k = 0;
    for (int pos = 0; pos < n; k++) {
        int32_t cp;
        pos += mg_utf8_decode(s, n, pos, &cp);
        if (cp < 0)
            return 0;
        utf8proc_category_t c = utf8proc_category(cp);
        if (c != UTF8PROC_CATEGORY_LU && c != UTF8PROC_CATEGORY_LL &&
            c != UTF8PROC_CATEGORY_LT && c != UTF8PROC_CATEGORY_LO)
            return 0;
    }
    return k >= SUGGEST_MIN_LEN && k <= SUGGEST_MAX_LEN;
}

/* tok_cb: one token of a term, a word of the query unless seen. */
static int word_cb(void *ctx, int flags, const char *token, int ntoken,
                   int start, int end)
{
    struct words *ws = ctx;
    if (flags & FTS5_TOKEN_COLOCATED || !correctable(token, ntoken))
        return 0;
    start += ws->at;
    end += ws->at;
    for (int i = 0; i < ws->n; i++)
        if (ws->w[i].start == start)
            return 0;
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? 2 * ws->cap : 8;
        ws->w = mg_realloc(ws->w, sizeof *ws->w * (size_t)ws->cap);
    }
    struct sword *w = &ws->w[ws->n++];
    memset(w, 0, sizeof *w);
    w->start = start;
    w->end = end;
    w->key = mg_strndup(token, (size_t)ntoken);
    w->exact = ws->exact;
    w->same = -1;
    w->choice = -1;
    return 0;
}

/* The words of the terms under n that a search matches (not what it
 * excludes, not prefixes, stop words or the joined form of a hyphenated
 * word), in ws. */
static void collect(struct tok *t, const struct qnode *n, struct words *ws)
{
    if (n->kind == QN_TERM) {
        if (n->at < 0 || n->mode == QT_PREFIX || n->stop || n->as_typed)
            return;
        ws->at = n->at;
        ws->exact = n->mode == QT_EXACT;
        tok_run(t, TOK_MODE_EXACT, n->text, (int)strlen(n->text), word_cb, ws);
        return;
    }
    /* QN_NOT: kid[0] without the others */
    int kids = n->kind == QN_NOT ? 1 : n->nkid;
    for (int i = 0; i < kids && i < n->nkid; i++)
        collect(t, n->kid[i], ws);
}

static int word_order(const void *x, const void *y)
{
    const struct sword *a = x, *b = y;
    return a->start - b->start;
}

/* tok_cb: the first unmarked token (a word's stem) into ctx's buffer. */
static int stem_cb(void *ctx, int flags, const char *token, int ntoken,
                   int start, int end)
{
    (void)flags, (void)start, (void)end;
    struct buf *b = ctx;
    if (b->len || (ntoken > 0 && token[0] == TOK_STEM_MARK))
        return 0;
    buf_add(b, token, (size_t)ntoken);
    return 0;
}

/* The articles w matches as the query has it: a quoted word itself, a
 * bare one its stem's class (termstats.h: cdf). */
static int word_freq(struct searcher *s, struct sword *w, struct mg_err *err)
{
    struct store_word sw;
    if (w->exact) {
        if (store_word(s->store, w->key, (int)strlen(w->key), &sw, err) < 0)
            return -1;
        w->freq = sw.df;
        return 0;
    }
    struct buf stem = {0};
    tok_run(s->tok, TOK_MODE_STEM, w->key, (int)strlen(w->key), stem_cb, &stem);
    int rc = stem.len
                 ? store_word(s->store, stem.s, (int)stem.len, &sw, err)
                 : store_word(s->store, w->key, (int)strlen(w->key), &sw, err);
    buf_free(&stem);
    if (rc < 0)
        return -1;
    w->freq = sw.cdf > sw.df ? sw.cdf : sw.df;
    return 0;
}

/* Appends cand to b in the case of typed (n bytes): all capitals when it
 * is (two letters or more), its first letter a capital when that is. */
static void add_cased(struct buf *b, const char *typed, int n, const char *cand)
{
    int upper = 0, lower = 0, first = -1;
    for (int pos = 0; pos < n;) {
        int32_t cp;
        pos += mg_utf8_decode(typed, n, pos, &cp);
        if (cp < 0)
            continue;
        int up = utf8proc_isupper(cp), low = utf8proc_islower(cp);
        if (first < 0 && (up || low))
            first = up;
        upper += up;
        lower += low;
    }
    int all = upper >= 2 && lower == 0;
    int len = (int)strlen(cand), k = 0;
    for (int pos = 0; pos < len; k++) {
        int32_t cp;
        int step = mg_utf8_decode(cand, len, pos, &cp);
        if (cp >= 0 && (all || (k == 0 && first == 1))) {
            utf8proc_uint8_t enc[4];
            utf8proc_ssize_t e =
                utf8proc_encode_char(utf8proc_toupper(cp), enc);
            buf_add(b, (const char *)enc, (size_t)e);
        } else {
            buf_add(b, cand + pos, (size_t)step);
        }
        pos += step;
    }
}

/* The query with each word of w[0..n) (in query order) replaced by its
 * chosen candidate; caller frees. */
static char *corrected(const char *query, const struct sword *w, int n)
{
    struct buf b = {0};
    int pos = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].choice < 0)
            continue;
        const struct sword *of = w[i].same >= 0 ? &w[w[i].same] : &w[i];
        buf_add(&b, query + pos, (size_t)(w[i].start - pos));
        add_cased(&b, query + w[i].start, w[i].end - w[i].start,
                  of->cand[w[i].choice].key);
        pos = w[i].end;
    }
    buf_adds(&b, query + pos);
    return buf_take(&b);
}

/* The articles holding all the words of query q, with o's filters, in
 * *total; the search stops at until (mg_now() seconds).  0, or what
 * search_run gives. */
static int count_of(struct searcher *s, const struct search_opts *o,
                    const char *q, double until, int64_t *total,
                    struct mg_err *err)
{
    double left = until - mg_now();
    if (left < 0.001)
        return mg_fail(err, "out of time");
    struct search_opts c = *o;
    c.query = q;
    c.count_only = 1;
    c.facets = c.histogram = c.suggest = c.exact_total = 0;
    c.offset = 0;
    c.budget = left;
    struct search_result r;
    int rc = search_run(s, &c, &r, err);
    *total = r.total;
    search_result_free(&r);
    return rc;
}

/* Finds the candidates of the doubtful words of w[0..n) (at most
 * SUGGEST_WORDS; the others, and those repeating an earlier word, get
 * none) and counts them in *kept.  0 or -1 with err. */
static int doubtful(struct searcher *s, const struct search_result *res,
                    struct sword *w, int n, int *kept, struct mg_err *err)
{
    struct store_corpus corpus;
    if (store_corpus(s->store, &corpus, err) < 0)
        return -1;
    *kept = 0;
    int64_t rare = corpus.docs / SUGGEST_RARE_SHARE > SUGGEST_RARE
                       ? corpus.docs / SUGGEST_RARE_SHARE
                       : SUGGEST_RARE;
    for (int i = 0; i < n; i++) {
        struct sword *x = &w[i];
        int want = *kept < SUGGEST_WORDS && x->same < 0;
        if (want && word_freq(s, x, err) < 0)
            return -1;
        /* a word the index holds: only a rare one in a search that found
         * few, and only when another could be held by SUGGEST_RATIO times
         * as many */
        if (want && x->freq > 0)
            want = res->total < SUGGEST_FEW && x->freq <= rare &&
                   x->freq * SUGGEST_RATIO <= corpus.docs;
        if (want && suggest_candidates(s->store, x->key, (int)strlen(x->key),
                                       x->cand, &x->ncand, NULL, err) < 0)
            return -1;
        if (want && x->freq > 0) { /* only the much more frequent */
            int k = 0;
            for (int j = 0; j < x->ncand; j++) {
                if (x->cand[j].df >= SUGGEST_RATIO * x->freq)
                    x->cand[k++] = x->cand[j];
                else
                    free(x->cand[j].key);
            }
            x->ncand = k;
        }
        if (want && x->ncand > 0)
            (*kept)++;
    }
    return 0;
}

/* Sets word i's choice to c, and that of the words repeating it. */
static void set_choice(struct sword *w, int n, int i, int c)
{
    w[i].choice = c;
    for (int k = i + 1; k < n; k++)
        if (w[k].same == i)
            w[k].choice = c;
}

/* Chooses each doubtful word's candidate in turn, the others as chosen so
 * far (at first: a word the index holds as typed, the others their first
 * candidate), by the articles the corrected query holds (ties: as typed,
 * then the more frequent candidate): *best gets the corrected query's
 * count.  0, or -1 with err (out of time). */
static int choose(struct searcher *s, const struct search_opts *o,
                  struct sword *w, int n, double until, int64_t *best,
                  struct mg_err *err)
{
    for (int i = 0; i < n; i++)
        if (w[i].ncand)
            set_choice(w, n, i, w[i].freq > 0 ? -1 : 0);
    *best = -1;
    for (int i = 0; i < n; i++) {
        if (!w[i].ncand)
            continue;
        int pick = w[i].choice;
        int64_t most = -1;
        for (int c = w[i].freq > 0 ? -1 : 0; c < w[i].ncand; c++) {
            set_choice(w, n, i, c);
            char *q = corrected(o->query, w, n);
            int64_t total = 0;
            int rc = count_of(s, o, q, until, &total, err);
            free(q);
            if (rc < 0)
                return -1;
            if (total > most) {
                most = total;
                pick = c;
            }
        }
        set_choice(w, n, i, pick);
        *best = most;
    }
    return 0;
}

int suggest_query(struct searcher *s, const struct search_opts *o,
                  const struct search_result *res, char **out,
                  struct mg_err *err)
{
    *out = NULL;
    if (!o->query || !*o->query || !res->total_exact)
        return 0;
    struct qparse_out q;
    struct mg_err perr;
    int outside =
        o->nfilters > 0 || o->since || o->until || o->source || o->section;
    if (qparse_full(s->tok, o->query, outside, &q, &perr) < 0) {
        qparse_out_free(&q);
        return 0;
    }
    struct words ws = {0};
    for (int i = 0; i < q.nunit; i++)
        collect(s->tok, q.unit[i], &ws);
    qparse_out_free(&q);
    if (ws.n == 0)
        return 0;
    qsort(ws.w, (size_t)ws.n, sizeof *ws.w, word_order);
    for (int i = 0; i < ws.n; i++) /* a word repeated: corrected alike */
        for (int k = 0; k < i && ws.w[i].same < 0; k++)
            if (ws.w[k].same < 0 && ws.w[k].exact == ws.w[i].exact &&
                strcmp(ws.w[k].key, ws.w[i].key) == 0)
                ws.w[i].same = k;
    double until = mg_now() + SUGGEST_BUDGET, was = store_deadline(s->store);
    store_set_deadline(s->store, until);
    int own_txn = store_read_begin(s->store);
    int kept = 0;
    int rc = doubtful(s, res, ws.w, ws.n, &kept, err);
    int64_t best = -1;
    if (rc == 0 && kept > 0 &&
        choose(s, o, ws.w, ws.n, until, &best, err) < 0) {
        /* out of time: no suggestion, and no error */
        rc = store_timed_out(s->store) || mg_now() >= until ? 0 : -1;
        best = -1;
    }
    store_read_end(s->store, own_txn);
    if (store_timed_out(s->store))
        store_clear_timeout(s->store);
    store_set_deadline(s->store, was);
    if (rc == 0 && kept > 0 && best > res->total &&
        (res->total == 0 || best >= SUGGEST_GAIN * res->total)) {
        char *fixed = corrected(o->query, ws.w, ws.n);
        if (strcmp(fixed, o->query) != 0)
            *out = fixed;
        else
            free(fixed);
    }
    for (int i = 0; i < ws.n; i++) {
        suggest_cands_free(ws.w[i].cand, ws.w[i].ncand);
        free(ws.w[i].key);
    }
    free(ws.w);
    return rc;
}
