/*
 * fingerprint.c - SimHash of word 3-shingles (fingerprint.h).
 *
 * One pass over the text: each word is hashed as it is folded, the last
 * three word hashes make the shingle, and the shingle's 64 bits are
 * counted into per-bit tallies.  Nothing is copied or allocated.
 */
#include "fingerprint.h"

#include <string.h>
#include <utf8proc.h>

#include "util.h"

/* FNV-1a's offset basis and prime, as mg_hash64 uses them: words are
 * hashed byte by byte as they are folded instead of copied first. */
#define FNV_BASIS 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

/* Folds code point cp (not ASCII) into the word hash *h.  Returns 1 when
 * cp belongs to a word; *hashed is set when it added to the hash (an
 * accent does not).  Compatibility decomposition and case folding make
 * "ﬁ", "FI" and "fi" one word; dropping nonspacing marks makes "café",
 * "cafe\u0301" and "cafe" one word, as wire feeds often strip accents. */
static int fold_into(int32_t cp, uint64_t *h, int *hashed)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: break;
    default: return 0;
    }
    /* The longest decomposition in Unicode (U+FDFA) is 18 code points. */
    int32_t d[32];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, d, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD,
        &last);
    if (n < 0 || n > 32) { /* can't happen for a valid code point */
        d[0] = cp;
        n = 1;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_category_t c = utf8proc_category(d[i]);
        if (c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME)
            continue;
        unsigned char enc[4];
        utf8proc_ssize_t k = utf8proc_encode_char(d[i], enc);
        for (utf8proc_ssize_t j = 0; j < k; j++)
            *h = fnv_byte(*h, enc[j]);
        *hashed = 1;
    }
    return 1;
}

/* ASCII_FOLD[c] is the lower-case letter or digit an ASCII byte c stands
 * for in a word, 0 for a separator; bytes from 0x80 are decoded instead.
 * A table, because a chain of range tests per byte costs branches. */
#define AF_DIGITS                                                              \
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',           \
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9'
#define AF_LETTER(c) [(c)] = (c), [(c)-32] = (c)
static const unsigned char ASCII_FOLD[128] = {
    AF_DIGITS,      AF_LETTER('a'), AF_LETTER('b'), AF_LETTER('c'),
    AF_LETTER('d'), AF_LETTER('e'), AF_LETTER('f'), AF_LETTER('g'),
    AF_LETTER('h'), AF_LETTER('i'), AF_LETTER('j'), AF_LETTER('k'),
    AF_LETTER('l'), AF_LETTER('m'), AF_LETTER('n'), AF_LETTER('o'),
    AF_LETTER('p'), AF_LETTER('q'), AF_LETTER('r'), AF_LETTER('s'),
    AF_LETTER('t'), AF_LETTER('u'), AF_LETTER('v'), AF_LETTER('w'),
    AF_LETTER('x'), AF_LETTER('y'), AF_LETTER('z')};

/* A word scanner over text[0..len). */
struct words {
    const unsigned char *s;
    size_t len, pos;
};

/* Reads the character at w->pos into the word hash *h (see fold_into)
 * and moves past it.  Returns 1 when it belongs to a word. */
static int step(struct words *w, uint64_t *h, int *hashed)
{
    unsigned char c = w->s[w->pos];
    if (c < 0x80) {
        w->pos++;
        if (!ASCII_FOLD[c])
            return 0;
        *h = fnv_byte(*h, ASCII_FOLD[c]);
        *hashed = 1;
        return 1;
    }
    int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(
        w->s + w->pos, (utf8proc_ssize_t)(w->len - w->pos), &cp);
    if (n <= 0) { /* an invalid byte separates words */
        w->pos++;
        return 0;
    }
    w->pos += (size_t)n;
    return fold_into(cp, h, hashed);
}

/* The hash of the next word, or 0 when there is none left.  Characters
 * that are accents only ("\u0301" alone) make no word. */
static uint64_t next_word(struct words *w)
{
    while (w->pos < w->len) {
        uint64_t h = FNV_BASIS;
        int hashed = 0;
        /* Separators, then a word: the ASCII bytes of both are the
         * common case and take one table look-up each. */
        while (w->pos < w->len && w->s[w->pos] < 0x80 &&
               !ASCII_FOLD[w->s[w->pos]])
            w->pos++;
        while (w->pos < w->len && step(w, &h, &hashed))
            ;
        if (hashed)
            return mg_mix64(h) | 1; /* | 1: never 0, which marks the end */
    }
    return 0;
}

/* Per-bit tallies of the features added so far.  Each feature's 64 bits
 * are added as eight bytes of eight 8-bit lanes (SPREAD puts bit i of a
 * byte into lane i), which is 8 additions instead of 64; the lanes are
 * emptied into `ones` before any can pass 255. */
struct tally {
    uint64_t lanes[8];
    uint32_t ones[64];
    uint32_t pending, total;
};

#define SPREAD(b)                                                              \
    (((uint64_t)((b) >> 0 & 1) << 0) | ((uint64_t)((b) >> 1 & 1) << 8) |       \
     ((uint64_t)((b) >> 2 & 1) << 16) | ((uint64_t)((b) >> 3 & 1) << 24) |     \
     ((uint64_t)((b) >> 4 & 1) << 32) | ((uint64_t)((b) >> 5 & 1) << 40) |     \
     ((uint64_t)((b) >> 6 & 1) << 48) | ((uint64_t)((b) >> 7 & 1) << 56))
#define SPREAD4(b) SPREAD(b), SPREAD((b) + 1), SPREAD((b) + 2), SPREAD((b) + 3)
#define SPREAD16(b)                                                            \
    SPREAD4(b), SPREAD4((b) + 4), SPREAD4((b) + 8), SPREAD4((b) + 12)
#define SPREAD64(b)                                                            \
    SPREAD16(b), SPREAD16((b) + 16), SPREAD16((b) + 32), SPREAD16((b) + 48)

static const uint64_t LANES_OF[256] = {SPREAD64(0), SPREAD64(64), SPREAD64(128),
                                       SPREAD64(192)};

static void tally_flush(struct tally *t)
{
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < 8; i++)
            t->ones[8 * k + i] += (uint32_t)(t->lanes[k] >> (8 * i) & 0xff);
        t->lanes[k] = 0;
    }
    t->pending = 0;
}

static void tally_add(struct tally *t, uint64_t f)
{
    for (int k = 0; k < 8; k++)
        t->lanes[k] += LANES_OF[f >> (8 * k) & 0xff];
    t->total++;
    if (++t->pending == 255)
        tally_flush(t);
}

/* Bit b is set when more than half the features have it set. */
static uint64_t tally_majority(struct tally *t)
{
    tally_flush(t);
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (2 * (uint64_t)t->ones[b] > t->total)
            out |= (uint64_t)1 << b;
    return out;
}

uint64_t fp_simhash(const char *text)
{
    if (!text)
        return 0;
    struct words w = {(const unsigned char *)text, strlen(text), 0};
    struct tally t;
    memset(&t, 0, sizeof t);
    uint64_t a = 0, b = 0, c; /* the last three words, c the newest */
    int nwords = 0;
    while ((c = next_word(&w)) != 0) {
        if (++nwords >= 3) /* an ordered hash of (a, b, c) */
            tally_add(&t, mg_mix64(mg_mix64(mg_mix64(a) ^ b) ^ c));
        a = b;
        b = c;
    }
    if (nwords == 0)
        return 0;
    if (nwords < 3) { /* too short to shingle: the words themselves */
        tally_add(&t, b);
        if (nwords == 2)
            tally_add(&t, a);
    }
    uint64_t h = tally_majority(&t);
    /* 0 means "no words"; a text with words keeps a fingerprint (two
     * words whose hashes share no set bit would otherwise give 0). */
    return h ? h : 1;
}

int fp_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}
