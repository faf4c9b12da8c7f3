/*
 * tokenizer.c - the `morgue` FTS5 tokenizer: Unicode folding, hyphen and
 * apostrophe rules, dotted acronyms, and colocated Snowball stems.
 * The rules are listed in tokenizer.h.
 */
#include "tokenizer.h"

#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* The stems of recent words: a direct-mapped cache (a word's slot is
 * fixed by its hash, a newer word takes it), since a text repeats its
 * words and Snowball costs far more than a lookup.  Words longer than
 * STEM_WORD bytes are stemmed every time. */
#define STEM_SLOTS 4096
#define STEM_WORD 23
struct stem_slot {
    unsigned char wn, sn; /* word length (0: empty), stem length (0: the
                           * word has no stem of its own) */
    char word[STEM_WORD], stem[STEM_WORD];
};

struct tok {
    struct sb_stemmer *stemmer;
    struct stem_slot *stems; /* STEM_SLOTS of them */
    int32_t *u32;            /* scratch: decomposed code points of one word */
    size_t u32cap;
    struct buf word;               /* scratch: the bytes of one word as kept */
    char out[TOK_MAX_BYTES + 8];   /* the folded token */
    char stem[TOK_MAX_BYTES + 8];  /* TOK_STEM_MARK + stem */
    char plain[TOK_MAX_BYTES + 8]; /* an acronym without its dots */
};

enum cls { C_SEP, C_LETTER, C_DIGIT, C_MARK, C_IDEO, C_APOS, C_DOT, C_COMMA };

static int is_ideograph(int32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || /* Hiragana, Katakana */
           (cp >= 0x3400 && cp <= 0x4DBF) || /* CJK extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) || /* CJK unified */
           (cp >= 0xF900 && cp <= 0xFAFF) || /* CJK compatibility */
           (cp >= 0x20000 && cp <= 0x3FFFF); /* CJK extensions B.. */
}

static enum cls classify(int32_t cp)
{
    if (cp < 0)
        return C_SEP;
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            return C_LETTER;
        if (cp >= '0' && cp <= '9')
            return C_DIGIT;
        if (cp == '\'')
            return C_APOS;
        if (cp == '.')
            return C_DOT;
        if (cp == ',')
            return C_COMMA;
        return C_SEP;
    }
    if (cp == 0x2019 || cp == 0x02BC || cp == 0xFF07)
        return C_APOS;
    if (is_ideograph(cp))
        return C_IDEO;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return C_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return C_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return C_MARK;
    default: return C_SEP;
    }
}

/* classify() of the ASCII characters, ahead (most text is ASCII). */
static const unsigned char ASCII_CLASS[128] = {
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT,
    ['4'] = C_DIGIT, ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT,
    ['8'] = C_DIGIT, ['9'] = C_DIGIT, ['\''] = C_APOS, ['.'] = C_DOT,
    [','] = C_COMMA,
#define L(c) [(c)] = C_LETTER, [(c)-32] = C_LETTER
    L('a'),          L('b'),          L('c'),          L('d'),
    L('e'),          L('f'),          L('g'),          L('h'),
    L('i'),          L('j'),          L('k'),          L('l'),
    L('m'),          L('n'),          L('o'),          L('p'),
    L('q'),          L('r'),          L('s'),          L('t'),
    L('u'),          L('v'),          L('w'),          L('x'),
    L('y'),          L('z'),
#undef L
};

static inline enum cls class_at(const char *s, int len, int pos, int32_t *cp,
                                int *n)
{
    if (pos >= len) {
        *cp = -1;
        *n = 0;
        return C_SEP;
    }
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80) {
        *cp = c;
        *n = 1;
        return (enum cls)ASCII_CLASS[c];
    }
    *n = mg_utf8_decode(s, len, pos, cp);
    return classify(*cp);
}

/* Appends n bytes to the word being read (no terminating NUL: the word
 * is read by its length). */
static inline void word_add(struct buf *w, const char *p, int n)
{
    if (w->len + (size_t)n + 1 > w->cap)
        buf_reserve(w, (size_t)n);
    if (n == 1)
        w->s[w->len] = *p;
    else
        memcpy(w->s + w->len, p, (size_t)n);
    w->len += (size_t)n;
}

static int is_wordish(enum cls c)
{
    return c == C_LETTER || c == C_DIGIT || c == C_MARK;
}

static int is_latin(int32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
           (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2C60 && cp <= 0x2C7F) ||
           (cp >= 0xA720 && cp <= 0xA7FF);
}

/* Latin letters with strokes and ligatures that have no decomposition. */
static const char *latin_extra(int32_t cp)
{
    switch (cp) {
    case 0xF8: return "o";   /* ø */
    case 0x142: return "l";  /* ł */
    case 0x111: return "d";  /* đ */
    case 0x127: return "h";  /* ħ */
    case 0x131: return "i";  /* ı */
    case 0x167: return "t";  /* ŧ */
    case 0xE6: return "ae";  /* æ */
    case 0x153: return "oe"; /* œ */
    default: return NULL;
    }
}

/* Appends s (n bytes) to out (used bytes *o) unless it would pass the
 * token limit; returns 0 when it did not fit. */
static int out_add(char *out, int *o, const char *s, int n)
{
    if (*o + n > TOK_MAX_BYTES)
        return 0;
    memcpy(out + *o, s, (size_t)n);
    *o += n;
    return 1;
}

/* Folds the bytes in t->word into t->out; returns the token length
 * (0 when nothing is left). */
static int fold_word(struct tok *t)
{
    const char *w = t->word.s;
    int n = (int)t->word.len;
    int ascii = 1;
    for (int i = 0; i < n; i++)
        if ((unsigned char)w[i] >= 0x80) {
            ascii = 0;
            break;
        }
    if (ascii) {
        if (n > TOK_MAX_BYTES)
            n = TOK_MAX_BYTES;
        for (int i = 0; i < n; i++) {
            char c = w[i];
            t->out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        return n;
    }
    const utf8proc_option_t opt =
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD;
    utf8proc_ssize_t m;
    for (;;) {
        m = utf8proc_decompose((const utf8proc_uint8_t *)w, n, t->u32,
                               (utf8proc_ssize_t)t->u32cap, opt);
        if (m < 0)
            return 0;
        if ((size_t)m <= t->u32cap)
            break;
        t->u32cap = (size_t)m * 2;
        t->u32 = mg_realloc(t->u32, t->u32cap * sizeof *t->u32);
    }
    /* Drop combining marks that follow a Latin base letter. */
    utf8proc_ssize_t k = 0;
    int latin = 0, other = 0;
    for (utf8proc_ssize_t i = 0; i < m; i++) {
        int32_t cp = t->u32[i];
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_MN && latin)
            continue;
        if (utf8proc_category(cp) != UTF8PROC_CATEGORY_MN)
            latin = is_latin(cp);
        if (cp >= 0x80)
            other = 1;
        t->u32[k++] = cp;
    }
    if (other)
        k = utf8proc_normalize_utf32(t->u32, k, UTF8PROC_COMPOSE);
    int o = 0;
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        const char *x = latin_extra(t->u32[i]);
        char enc[4];
        int len;
        if (x) {
            len = (int)strlen(x);
        } else {
            len = (int)utf8proc_encode_char(t->u32[i], (utf8proc_uint8_t *)enc);
            x = enc;
        }
        if (!out_add(t->out, &o, x, len))
            break;
    }
    return o;
}

/* Stems t->out (n bytes) into t->stem (with the mark); returns the stem
 * length without the mark, or 0 when the word is not stemmable. */
static int stem_word(struct tok *t, int n)
{
    if (n < 3 || n > 40)
        return 0;
    for (int i = 0; i < n; i++)
        if (t->out[i] < 'a' || t->out[i] > 'z')
            return 0;
    struct stem_slot *slot = NULL;
    t->stem[0] = TOK_STEM_MARK;
    if (n <= STEM_WORD) {
        slot = &t->stems[mg_hash64(t->out, (size_t)n) & (STEM_SLOTS - 1)];
        if (slot->wn == n && memcmp(slot->word, t->out, (size_t)n) == 0) {
            memcpy(t->stem + 1, slot->stem, slot->sn);
            return slot->sn;
        }
    }
    const sb_symbol *s =
        sb_stemmer_stem(t->stemmer, (const sb_symbol *)t->out, n);
    int sn = s ? sb_stemmer_length(t->stemmer) : 0;
    if (sn <= 0 || sn > TOK_MAX_BYTES)
        sn = 0;
    if (sn)
        memcpy(t->stem + 1, s, (size_t)sn);
    if (slot && sn <= STEM_WORD) {
        slot->wn = (unsigned char)n;
        slot->sn = (unsigned char)sn;
        memcpy(slot->word, t->out, (size_t)n);
        memcpy(slot->stem, t->stem + 1, (size_t)sn);
    }
    return sn;
}

/* Undotted acronyms that are English words, so never indexed as such. */
static int plain_collides(const char *w, int n)
{
    static const char *const words[] = {
        "us",  "am",  "an",  "as",  "at",  "be",  "by",  "do",  "go",
        "he",  "if",  "in",  "is",  "it",  "me",  "my",  "no",  "of",
        "oh",  "on",  "or",  "so",  "to",  "up",  "we",  "ad",  "ah",
        "the", "and", "for", "are", "but", "not", "you", "all", "can",
        "her", "was", "one", "our", "out", "who", "why", "how", "its",
        "him", "his", "has", "had", "may", "new", "now", "old", "see",
        "two", "way", "did", "get", "let", "put", "say", "she", "too",
        "use", "man", "day", "any", "few", "own", "war", "law", "art",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if ((int)strlen(words[i]) == n && memcmp(words[i], w, (size_t)n) == 0)
            return 1;
    return 0;
}

/* Tries to read a dotted acronym (U.S., e.g., U.S without its last dot)
 * at pos.  On success fills t->word with the letters and dots and returns
 * the end offset; else returns -1. */
static int scan_acronym(struct tok *t, const char *s, int len, int pos)
{
    int j = pos, letters = 0, end = -1;
    buf_clear(&t->word);
    for (;;) {
        int32_t cp;
        int n;
        if (class_at(s, len, j, &cp, &n) != C_LETTER)
            break;
        int32_t cp2;
        int n2;
        enum cls after = class_at(s, len, j + n, &cp2, &n2);
        if (after == C_DOT) {
            buf_add(&t->word, s + j, (size_t)n);
            buf_addc(&t->word, '.');
            letters++;
            j += n + 1;
            end = j;
            continue;
        }
        if (!is_wordish(after) && after != C_APOS && letters >= 1) {
            buf_add(&t->word, s + j, (size_t)n);
            buf_addc(&t->word, '.');
            letters++;
            end = j + n;
        }
        break;
    }
    if (letters < 2)
        return -1;
    /* "U.S.A" followed by letters ("U.S.Army") ends after the last dot,
     * which end already says. */
    return end;
}

/* True when a lowercase ASCII letter stands within 24 bytes of [a, b):
 * the text around is mixed case, so "US" there is the country. */
static int mixed_case_near(const char *s, int len, int a, int b)
{
    int lo = a > 24 ? a - 24 : 0, hi = b + 24 < len ? b + 24 : len;
    for (int i = lo; i < hi; i++)
        if ((i < a || i >= b) && s[i] >= 'a' && s[i] <= 'z')
            return 1;
    return 0;
}

static int emit_word(struct tok *t, enum tok_mode mode, int start, int end,
                     tok_cb cb, void *ctx)
{
    if (mode == TOK_MODE_OFFSETS) {
        /* the token's place, not its form: ASCII needs no folding (it
         * never folds to nothing) */
        const char *w = t->word.s;
        int k = (int)t->word.len, ascii = 1;
        for (int i = 0; i < k && ascii; i++)
            ascii = (unsigned char)w[i] < 0x80;
        if (ascii && k > 0)
            return cb(ctx, 0, w, k < TOK_MAX_BYTES ? k : TOK_MAX_BYTES, start,
                      end);
        mode = TOK_MODE_EXACT;
    }
    int n = fold_word(t);
    if (n <= 0)
        return 0;
    if (mode == TOK_MODE_EXACT)
        return cb(ctx, 0, t->out, n, start, end);
    int sn = stem_word(t, n);
    if (mode == TOK_MODE_STEM) {
        if (!sn)
            return cb(ctx, 0, t->out, n, start, end);
        int rc = cb(ctx, 0, t->stem + 1, sn, start, end);
        return rc ? rc
                  : cb(ctx, FTS5_TOKEN_COLOCATED, t->stem, sn + 1, start, end);
    }
    int rc = cb(ctx, 0, t->out, n, start, end);
    if (!rc && sn && (sn != n || memcmp(t->stem + 1, t->out, (size_t)n) != 0))
        rc = cb(ctx, FTS5_TOKEN_COLOCATED, t->stem, sn + 1, start, end);
    return rc;
}

static int emit_acronym(struct tok *t, int start, int end, tok_cb cb, void *ctx)
{
    int n = fold_word(t);
    if (n <= 0)
        return 0;
    int rc = cb(ctx, 0, t->out, n, start, end);
    int p = 0;
    for (int i = 0; i < n; i++)
        if (t->out[i] != '.')
            t->plain[p++] = t->out[i];
    if (!rc && p > 0 && !plain_collides(t->plain, p))
        rc = cb(ctx, FTS5_TOKEN_COLOCATED, t->plain, p, start, end);
    return rc;
}

/* The tokenizer's one loop over the text (tokenizer.h), kept whole: each
 * case of a character class moves the same position on. */
int tok_run(struct tok *t, enum tok_mode mode, const char *s, int len,
            tok_cb cb, void *ctx)
{
    int pos = 0;
    while (pos < len) {
        int32_t cp;
        int n;
        enum cls c = class_at(s, len, pos, &cp, &n);
        if (c == C_IDEO) {
            buf_clear(&t->word);
            buf_add(&t->word, s + pos, (size_t)n);
            int rc = emit_word(t, TOK_MODE_EXACT, pos, pos + n, cb, ctx);
            if (rc)
                return rc;
            pos += n;
            continue;
        }
        if (c != C_LETTER && c != C_DIGIT) {
            pos += n;
            continue;
        }
        if (c == C_LETTER) {
            int end = scan_acronym(t, s, len, pos);
            if (end > 0) {
                int rc = emit_acronym(t, pos, end, cb, ctx);
                if (rc)
                    return rc;
                pos = end;
                continue;
            }
        }
        /* An ordinary word. */
        buf_clear(&t->word);
        int start = pos, end = -1;
        enum cls last = C_SEP;
        while (pos < len) {
            c = class_at(s, len, pos, &cp, &n);
            if (is_wordish(c)) {
                word_add(&t->word, s + pos, n);
                last = c;
                pos += n;
                continue;
            }
            int32_t cp2, cp3;
            int n2, n3;
            enum cls c2 = class_at(s, len, pos + n, &cp2, &n2);
            if (c == C_APOS && c2 == C_LETTER && last != C_SEP) {
                enum cls c3 = class_at(s, len, pos + n + n2, &cp3, &n3);
                if ((cp2 == 's' || cp2 == 'S') && !is_wordish(c3)) {
                    end = pos; /* possessive: the 's is not in the token */
                    pos += n + n2;
                    break;
                }
                pos += n; /* O'Brien: the apostrophe joins */
                continue;
            }
            if ((c == C_DOT || c == C_COMMA) && last == C_DIGIT &&
                c2 == C_DIGIT) {
                if (c == C_DOT)
                    word_add(&t->word, ".", 1);
                pos += n;
                continue;
            }
            break;
        }
        if (end < 0)
            end = pos;
        if (t->word.len == 2 && memcmp(t->word.s, "US", 2) == 0 &&
            mixed_case_near(s, len, start, end)) {
            buf_clear(&t->word);
            buf_adds(&t->word, "U.S.");
            int rc = emit_acronym(t, start, end, cb, ctx);
            if (rc)
                return rc;
            continue;
        }
        int rc = emit_word(t, mode, start, end, cb, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

static int count_cb(void *ctx, int flags, const char *tok, int n, int s, int e)
{
    (void)tok, (void)n, (void)s, (void)e;
    if (!(flags & FTS5_TOKEN_COLOCATED))
        (*(int *)ctx)++;
    return 0;
}

int tok_count(struct tok *t, const char *text, int len)
{
    int n = 0;
    tok_run(t, TOK_MODE_EXACT, text, len, count_cb, &n);
    return n;
}

struct tok *tok_new(void)
{
    struct sb_stemmer *st = sb_stemmer_new("english", "UTF_8");
    if (!st)
        return NULL;
    struct tok *t = mg_calloc(1, sizeof *t);
    t->stemmer = st;
    t->stems = mg_calloc(STEM_SLOTS, sizeof *t->stems);
    t->u32cap = 64;
    t->u32 = mg_malloc(t->u32cap * sizeof *t->u32);
    return t;
}

void tok_free(struct tok *t)
{
    if (!t)
        return;
    sb_stemmer_delete(t->stemmer);
    free(t->stems);
    free(t->u32);
    buf_free(&t->word);
    free(t);
}

/* ---- FTS5 glue ---------------------------------------------------- */

static int fts_create(void *ud, const char **argv, int argc,
                      Fts5Tokenizer **out)
{
    (void)ud, (void)argv;
    *out = NULL;
    if (argc > 0)
        return SQLITE_ERROR; /* the morgue tokenizer takes no options */
    struct tok *t = tok_new();
    if (!t)
        return SQLITE_NOMEM;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *p)
{
    tok_free((struct tok *)p);
}

typedef int (*fts_token_fn)(void *, int, const char *, int, int, int);

static int record_cb(void *ctx, int flags, const char *tok, int n, int s, int e)
{
    struct tok_stream *st = ctx;
    if (st->nrecs == st->caprecs) {
        st->caprecs = st->caprecs ? st->caprecs * 2 : 256;
        st->recs = mg_realloc(st->recs, sizeof *st->recs * (size_t)st->caprecs);
    }
    st->recs[st->nrecs++] =
        (struct tok_rec){flags, (int)st->bytes.len, n, s, e};
    buf_add(&st->bytes, tok, (size_t)n);
    return 0;
}

void tok_record(struct tok *t, const char *text, int len, struct tok_stream *s)
{
    s->text = text;
    s->len = len;
    s->nrecs = 0;
    buf_clear(&s->bytes);
    tok_run(t, TOK_MODE_DOCUMENT, text, len, record_cb, s);
}

void tok_stream_free(struct tok_stream *s)
{
    free(s->recs);
    buf_free(&s->bytes);
    memset(s, 0, sizeof *s);
}

static __thread const struct tok_stream *replay;
static __thread int nreplay;

void tok_replay(const struct tok_stream *streams, int n)
{
    replay = streams;
    nreplay = streams ? n : 0;
}

/* A TOK_QUERY_KEYS string (after its first byte): its keys as tokens. */
static int keys_run(struct tok *t, const char *s, int len, fts_token_fn cb,
                    void *ctx)
{
    int first = 1; /* the next token starts a position */
    for (int i = 0; i < len;) {
        char kind = s[i];
        if (kind == TOK_KEY_NEXT) {
            first = 1;
            i++;
            continue;
        }
        int j = i + 1;
        while (j < len && (unsigned char)s[j] > TOK_KEY_CLASS)
            j++;
        int n = j - (i + 1);
        if ((kind == TOK_KEY_EXACT || kind == TOK_KEY_CLASS) && n > 0 &&
            n <= TOK_MAX_BYTES) {
            int rc =
                cb(ctx, first ? 0 : FTS5_TOKEN_COLOCATED, s + i + 1, n, i, j);
            first = 0;
            if (rc)
                return rc;
            if (kind == TOK_KEY_CLASS) {
                t->stem[0] = TOK_STEM_MARK;
                memcpy(t->stem + 1, s + i + 1, (size_t)n);
                rc = cb(ctx, FTS5_TOKEN_COLOCATED, t->stem, n + 1, i, j);
                if (rc)
                    return rc;
            }
        }
        i = j;
    }
    return SQLITE_OK;
}

static int fts_tokenize(Fts5Tokenizer *p, void *ctx, int flags,
                        const char *text, int len, fts_token_fn xtoken)
{
    struct tok *t = (struct tok *)p;
    if ((flags & FTS5_TOKENIZE_DOCUMENT) && nreplay)
        for (int i = 0; i < nreplay; i++) {
            const struct tok_stream *st = &replay[i];
            if (st->text != text || st->len != len)
                continue;
            for (int k = 0; k < st->nrecs; k++) {
                const struct tok_rec *rc = &st->recs[k];
                int r = xtoken(ctx, rc->flags, st->bytes.s + rc->off, rc->n,
                               rc->start, rc->end);
                if (r)
                    return r;
            }
            return SQLITE_OK;
        }
    enum tok_mode mode = TOK_MODE_DOCUMENT;
    /* an auxiliary function (snippets) needs the positions and offsets of
     * the words, not their stems: the same tokens at the same positions */
    if (flags & FTS5_TOKENIZE_AUX)
        mode = TOK_MODE_OFFSETS;
    if ((flags & FTS5_TOKENIZE_QUERY) && len > 0 && text[0] == TOK_QUERY_KEYS)
        return keys_run(t, text + 1, len - 1, xtoken, ctx);
    if (flags & FTS5_TOKENIZE_QUERY) {
        mode = TOK_MODE_EXACT;
        if (len > 0 && text[0] == TOK_QUERY_STEM) {
            text++, len--;
            if (!(flags & FTS5_TOKENIZE_PREFIX))
                mode = TOK_MODE_STEM;
        }
    }
    return tok_run(t, mode, text, len, xtoken, ctx);
}

fts5_api *tok_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

int tok_register(sqlite3 *db, struct mg_err *err)
{
    fts5_api *api = tok_fts5_api(db);
    if (!api)
        return mg_fail(err, "this SQLite library has no FTS5");
    static fts5_tokenizer tk = {fts_create, fts_delete, fts_tokenize};
    if (api->xCreateTokenizer(api, "morgue", NULL, &tk, NULL) != SQLITE_OK)
        return mg_fail(err, "cannot register the morgue tokenizer: %s",
                       sqlite3_errmsg(db));
    return 0;
}
