/*
 * sentence.c - sentence boundaries.
 */
#include "sentence.h"

#include <ctype.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Abbreviations after which a full stop does not end a sentence. */
static int abbreviation(const char *z, size_t dot)
{
    static const char *const ABBR[] = {"mr",   "mrs", "ms",  "dr",  "st", "sen",
                                       "gov",  "rep", "gen", "col", "lt", "sgt",
                                       "prof", "jr",  "sr",  "vs",  "no", "co",
                                       "corp", "inc", "ltd", NULL};
    size_t w = dot;
    while (w > 0 && isalpha((unsigned char)z[w - 1]))
        w--;
    size_t len = dot - w;
    if (len == 1 && isupper((unsigned char)z[w]))
        return 1; /* an initial: "J. Smith", "U.S." */
    if (w > 0 && z[w - 1] == '.')
        return 1; /* inside an acronym */
    for (int i = 0; ABBR[i]; i++)
        if (strlen(ABBR[i]) == len && strncasecmp(z + w, ABBR[i], len) == 0)
            return 1;
    return 0;
}

size_t sentence_skip_space(const char *z, size_t n, size_t i)
{
    while (i < n && is_space(z[i]))
        i++;
    return i;
}

size_t sentence_end(const char *z, size_t n, size_t start)
{
    for (size_t i = start; i < n; i++) {
        if (z[i] == '\n' && i + 1 < n && z[i + 1] == '\n')
            return i;
        if (z[i] != '.' && z[i] != '!' && z[i] != '?')
            continue;
        size_t j = i + 1;
        for (;;) { /* closing quotes and brackets: ' " ) ’ ” */
            if (j < n && (z[j] == '\'' || z[j] == '"' || z[j] == ')'))
                j++;
            else if (j + 2 < n && (unsigned char)z[j] == 0xE2 &&
                     (unsigned char)z[j + 1] == 0x80 &&
                     ((unsigned char)z[j + 2] == 0x99 ||
                      (unsigned char)z[j + 2] == 0x9D))
                j += 3;
            else
                break;
        }
        if (j >= n)
            return n;
        if (!is_space(z[j]))
            continue;
        if (z[i] == '.' && abbreviation(z, i)) {
            /* "the U.S. Treasury" goes on; "in the U.S. He said" ends only
             * when a capital follows and the acronym is not a title. */
            continue;
        }
        return j;
    }
    return n;
}
