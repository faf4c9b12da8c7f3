/*
 * fingerprint.c - SimHash of a story's words (fingerprint.h).
 */
#include "fingerprint.h"

#include <string.h>
#include <strings.h>

#include "util.h"

/* splitmix64's finaliser: spreads every input bit over the result. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* A word character: an ASCII letter or digit, or any byte of a UTF-8
 * sequence (so other scripts' words count too). */
static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

/* Words too common to tell two stories apart: left out, so that what the
 * stories are about decides the print. */
static const char *const COMMON[] = {
    "the", "a", "an", "of", "to", "in", "and", "said", "for", "on", "is",
    "it", "that", "by", "at", "with", "from", "as", "was", "be", "will",
    "its", "has", "have", "are", "this", "would", "which", "were", "or",
    "not", "he", "but", "had", "been", "they", "their", "also", "says",
    "s", NULL};

static int common(const unsigned char *w, size_t n)
{
    for (int i = 0; COMMON[i]; i++)
        if (strlen(COMMON[i]) == n && strncasecmp(COMMON[i], (const char *)w, n) == 0)
            return 1;
    return 0;
}

/* The hash of the next word at *p (case-folded for ASCII) that is not a
 * common word, moving *p past it; 0 at the end of the text. */
static uint64_t next_word(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    for (;;) {
        while (*s && !word_byte(*s))
            s++;
        if (!*s) {
            *p = (const char *)s;
            return 0;
        }
        const unsigned char *w = s;
        uint64_t h = 1469598103934665603ULL;
        for (; *s && word_byte(*s); s++) {
            unsigned char c =
                *s >= 'A' && *s <= 'Z' ? (unsigned char)(*s + 32) : *s;
            h = (h ^ c) * 1099511628211ULL;
        }
        if (common(w, (size_t)(s - w)) && (size_t)(s - w) < 7)
            continue;
        *p = (const char *)s;
        return mix(h) | 1;
    }
}

uint64_t fp_simhash(const char *text)
{
    int v[64] = {0};
    const char *p = text ? text : "";
    uint64_t h;
    int nwords = 0;
    while ((h = next_word(&p)) != 0) {
        for (int b = 0; b < 64; b++)
            v[b] += (h >> b) & 1 ? 1 : -1;
        nwords++;
    }
    if (!nwords)
        return 0;
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            out |= (uint64_t)1 << b;
    return out;
}

int fp_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll((unsigned long long)(a ^ b));
}
