/*
 * clean.c - encoding repair, normalisation, paragraphs, repeats and
 * boilerplate.
 */
#include "clean.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "article.h"
#include "dates.h"
#include "util.h"

/* Windows-1252 0x80..0x9F; 0 where 1252 has no character (C1 control). */
static const uint16_t CP1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static void add_cp(struct buf *b, int32_t cp)
{
    char enc[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)enc);
    buf_add(b, enc, (size_t)n);
}

char *clean_utf8(const char *s, size_t n)
{
    struct buf b = {0};
    buf_reserve(&b, n);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_addc(&b, (char)c);
            i++;
            continue;
        }
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (k > 0) {
            buf_add(&b, s + i, (size_t)k);
            i += (size_t)k;
            continue;
        }
        if (c >= 0x80 && c < 0xA0)
            cp = CP1252[c - 0x80] ? CP1252[c - 0x80] : c;
        else
            cp = c;
        add_cp(&b, cp);
        i++;
    }
    return buf_take(&b);
}

static const struct {
    const char *name;
    int32_t cp;
} ENTITIES[] = {
    {"amp", '&'},     {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},   {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"hellip", 0x2026}, {"copy", 0xA9},  {"reg", 0xAE},     {"pound", 0xA3},
    {"euro", 0x20AC}, {"eacute", 0xE9},  {"egrave", 0xE8},  {"uuml", 0xFC},
    {"ouml", 0xF6},   {"auml", 0xE4},    {"szlig", 0xDF},   {"ccedil", 0xE7},
};

void clean_entities(char *s)
{
    char *w = s;
    const char *r = s;
    while (*r) {
        if (*r != '&') {
            *w++ = *r++;
            continue;
        }
        const char *semi = strchr(r, ';');
        int32_t cp = -1;
        if (semi && semi - r <= 10) {
            if (r[1] == '#') {
                char *end;
                long v = (r[2] == 'x' || r[2] == 'X')
                             ? strtol(r + 3, &end, 16)
                             : strtol(r + 2, &end, 10);
                const char *digits = r + ((r[2] == 'x' || r[2] == 'X') ? 3 : 2);
                if (end == semi && end > digits && v > 0 && v <= 0x10FFFF &&
                    utf8proc_codepoint_valid((int32_t)v))
                    cp = (int32_t)v;
            } else {
                size_t len = (size_t)(semi - r - 1);
                for (size_t i = 0; i < sizeof ENTITIES / sizeof *ENTITIES;
                     i++)
                    if (strlen(ENTITIES[i].name) == len &&
                        memcmp(ENTITIES[i].name, r + 1, len) == 0)
                        cp = ENTITIES[i].cp;
            }
        }
        if (cp < 0) {
            *w++ = *r++;
            continue;
        }
        char enc[4];
        utf8proc_ssize_t n =
            utf8proc_encode_char(cp, (utf8proc_uint8_t *)enc);
        /* An encoding is never longer than the reference it replaces. */
        memcpy(w, enc, (size_t)n);
        w += n;
        r = semi + 1;
    }
    *w = 0;
}

/* Valid UTF-8 in NFKC with control and invisible format characters
 * removed, line breaks normalised to "\n".  Caller frees. */
static char *normalise(const char *s)
{
    char *u = clean_utf8(s, strlen(s));
    utf8proc_uint8_t *nf = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)u, 0, &nf,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE |
                                          UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    if (n < 0) { /* can't happen on valid UTF-8; keep the repaired text */
        nf = (utf8proc_uint8_t *)u;
        u = NULL;
    }
    free(u);
    struct buf b = {0};
    const char *p = (const char *)nf;
    while (*p) {
        int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (k <= 0) {
            p++;
            continue;
        }
        if (cp == '\r') {
            if (p[1] != '\n')
                buf_addc(&b, '\n');
        } else if (cp == '\n' || cp == '\t') {
            buf_addc(&b, (char)cp);
        } else if (cp == 0x2028 || cp == 0x2029) {
            buf_adds(&b, "\n\n");
        } else {
            utf8proc_category_t cat = utf8proc_category(cp);
            /* Controls and invisible format characters (soft hyphen,
             * zero-width space, BOM) are dropped. */
            if (cat != UTF8PROC_CATEGORY_CC && cat != UTF8PROC_CATEGORY_CF)
                buf_add(&b, p, (size_t)k);
        }
        p += k;
    }
    free(nf);
    return buf_take(&b);
}

/* Appends text with whitespace runs collapsed to one space. */
static void add_collapsed(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c)) {
            if (b->len && b->s[b->len - 1] != ' ')
                buf_addc(b, ' ');
        } else {
            buf_addc(b, (char)c);
        }
    }
}

char *clean_line(const char *s)
{
    char *n = normalise(s ? s : "");
    struct buf b = {0};
    add_collapsed(&b, n, strlen(n));
    free(n);
    char *r = buf_take(&b);
    return mg_trim(r);
}

char *clean_fold_key(const char *s)
{
    struct buf b = {0};
    const char *p = s;
    while (*p) {
        int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (k <= 0) {
            p++;
            continue;
        }
        p += k;
        if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x2032 ||
            cp == 0x0060 || cp == 0x00B4)
            cp = '\'';
        else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x2033)
            cp = '"';
        else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
            cp = '-';
        else if (cp == 0xA0 || cp == '\t' || cp == '\n' ||
                 (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F)
            cp = ' ';
        if (cp == ' ' && (b.len == 0 || b.s[b.len - 1] == ' '))
            continue;
        /* Spacing around dashes varies between copies ("U.S. - Vice"). */
        if (cp == '-' && b.len && b.s[b.len - 1] == ' ')
            b.len--;
        if (cp == ' ' && b.len && b.s[b.len - 1] == '-')
            continue;
        if (cp < 0x80)
            buf_addc(&b, (char)tolower(cp));
        else
            add_cp(&b, cp);
    }
    while (b.len && b.s[b.len - 1] == ' ')
        b.s[--b.len] = 0;
    return buf_take(&b);
}

/* Boilerplate paragraphs removed from the end of a body.  A pattern ending
 * in '*' matches any paragraph that starts with it; otherwise the whole
 * paragraph must match (case-insensitive, ASCII-folded). */
static const char *const TRAILING_BOILERPLATE[] = {
    "read more at *",     "read more:*",      "read more",
    "share this article", "share or comment on this article*",
    "advertisement",      "scroll down for video",
    "click here to *",    "follow us on *",   "reuter",
    "reuters",            "(reporting by *",  "comments",
};

static int is_boilerplate(const char *key)
{
    for (size_t i = 0;
         i < sizeof TRAILING_BOILERPLATE / sizeof *TRAILING_BOILERPLATE; i++) {
        const char *p = TRAILING_BOILERPLATE[i];
        size_t n = strlen(p);
        if (p[n - 1] == '*') {
            if (strncmp(key, p, n - 1) == 0)
                return 1;
        } else if (strcmp(key, p) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Splits text into paragraphs: a blank line, a line starting with
 * indentation (wire copy), or the end of a long line (text with one
 * paragraph per line) ends one.  Returns an array of owned strings with
 * whitespace collapsed; *count gets its length. */
static char **paragraphs(const char *text, int *count)
{
    char **out = NULL;
    int n = 0, cap = 0;
    struct buf cur = {0};
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        int blank = 1;
        for (size_t i = 0; i < len; i++)
            if (!isspace((unsigned char)p[i]))
                blank = 0;
        int indented = len >= 2 && (p[0] == '\t' || (p[0] == ' ' && p[1] == ' '));
        if ((blank || indented) && cur.len) {
            if (n == cap)
                out = mg_realloc(out, sizeof *out * (size_t)(cap = cap ? cap * 2 : 16));
            out[n++] = mg_trim(buf_take(&cur));
        }
        if (!blank) {
            if (cur.len)
                buf_addc(&cur, ' ');
            add_collapsed(&cur, p, len);
            if (len > 150 && cur.len) {
                if (n == cap)
                    out = mg_realloc(out, sizeof *out * (size_t)(cap = cap ? cap * 2 : 16));
                out[n++] = mg_trim(buf_take(&cur));
            }
        }
        p = eol ? eol + 1 : p + len;
    }
    if (cur.len) {
        if (n == cap)
            out = mg_realloc(out, sizeof *out * (size_t)(cap + 1));
        out[n++] = mg_trim(buf_take(&cur));
    }
    buf_free(&cur);
    *count = n;
    return out;
}

/* Returns X when key is "read more at X" (X from the original paragraph). */
static char *footer_source(const char *para, const char *key)
{
    if (strncmp(key, "read more at ", 13) != 0)
        return NULL;
    char *src = mg_strdup(para + 13);
    mg_trim(src);
    size_t n = strlen(src);
    while (n && (src[n - 1] == '.' || src[n - 1] == ':'))
        src[--n] = 0;
    if (!n) {
        free(src);
        return NULL;
    }
    return src;
}

char *clean_body(const char *s, struct clean_info *info)
{
    struct clean_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    char *norm = normalise(s ? s : "");
    int n;
    char **paras = paragraphs(norm, &n);
    free(norm);
    char **keys = mg_calloc((size_t)n + 1, sizeof *keys);
    uint64_t *seen = mg_calloc((size_t)n + 1, sizeof *seen);
    int nseen = 0;
    for (int i = 0; i < n; i++) {
        keys[i] = clean_fold_key(paras[i]);
        uint64_t h = mg_hash64(keys[i], strlen(keys[i]));
        int dup = 0;
        for (int j = 0; j < nseen; j++)
            if (seen[j] == h)
                dup = 1;
        if (dup) {
            free(paras[i]);
            paras[i] = NULL;
            info->repeats++;
        } else {
            seen[nseen++] = h;
        }
    }
    /* Trailing boilerplate. */
    for (int i = n - 1; i >= 0; i--) {
        if (!paras[i])
            continue;
        if (!is_boilerplate(keys[i]))
            break;
        char *src = footer_source(paras[i], keys[i]);
        if (src && !info->source)
            info->source = src;
        else
            free(src);
        free(paras[i]);
        paras[i] = NULL;
        info->boilerplate++;
    }
    struct buf b = {0};
    for (int i = 0; i < n; i++) {
        if (paras[i]) {
            if (b.len)
                buf_adds(&b, "\n\n");
            buf_adds(&b, paras[i]);
        }
        free(paras[i]);
        free(keys[i]);
    }
    free(paras);
    free(keys);
    free(seen);
    if (info == &dummy)
        free(dummy.source);
    return buf_take(&b);
}

static void clean_field(char **f)
{
    if (!*f)
        return;
    char *c = clean_line(*f);
    free(*f);
    *f = *c ? c : (free(c), NULL);
}

void clean_article(struct article *a, struct clean_info *info)
{
    struct clean_info local;
    if (!info)
        info = &local;
    char *body = clean_body(a->body, info);
    free(a->body);
    a->body = body;
    if (a->title) {
        char *t = clean_line(a->title);
        free(a->title);
        a->title = t;
    }
    clean_field(&a->byline);
    clean_field(&a->source);
    clean_field(&a->url);
    clean_field(&a->section);
    clean_field(&a->dateline);
    clean_field(&a->language);
    if (!a->source && info->source) {
        a->source = info->source;
        info->source = NULL;
    }
    if (info == &local)
        free(local.source);
    if (a->highlights) {
        struct buf b = {0};
        char *save = NULL;
        for (char *line = strtok_r(a->highlights, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *c = clean_line(line);
            if (*c) {
                if (b.len)
                    buf_addc(&b, '\n');
                buf_adds(&b, c);
            }
            free(c);
        }
        free(a->highlights);
        a->highlights = b.len ? buf_take(&b) : NULL;
        buf_free(&b);
    }
    if (a->date) {
        char iso[32];
        char *d = clean_line(a->date);
        free(a->date);
        a->date = date_parse(d, iso) == 0 ? mg_strdup(iso) : NULL;
        free(d);
    }
    if (!a->language)
        a->language = mg_strdup("und");
}
