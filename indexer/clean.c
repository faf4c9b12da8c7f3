/*
 * clean.c - encoding repair, normalisation, paragraphs, repeats and
 * boilerplate.
 */
#include "clean.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <libxml/HTMLparser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "article.h"
#include "dates.h"
#include "sentence.h"
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
                long v = (r[2] == 'x' || r[2] == 'X') ? strtol(r + 3, &end, 16)
                                                      : strtol(r + 2, &end, 10);
                const char *digits = r + ((r[2] == 'x' || r[2] == 'X') ? 3 : 2);
                if (end == semi && end > digits && v > 0 && v <= 0x10FFFF &&
                    utf8proc_codepoint_valid((int32_t)v))
                    cp = (int32_t)v;
            } else if (semi - r > 1) {
                /* Every HTML 4 entity, from libxml2's table. */
                char name[16];
                size_t len = (size_t)(semi - r - 1);
                memcpy(name, r + 1, len);
                name[len] = 0;
                const htmlEntityDesc *e =
                    htmlEntityLookup((const xmlChar *)name);
                if (e && e->value > 0)
                    cp = (int32_t)e->value;
                else if (strcmp(name, "apos") == 0)
                    cp = '\'';
            }
        }
        if (cp < 0) {
            *w++ = *r++;
            continue;
        }
        char enc[4];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)enc);
        /* An encoding is never longer than the reference it replaces. */
        memcpy(w, enc, (size_t)n);
        w += n;
        r = semi + 1;
    }
    *w = 0;
}

/* The Windows-1252 byte for a code point, or -1. */
static int cp1252_byte(int32_t cp)
{
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
        return (int)cp;
    for (int i = 0; i < 32; i++)
        if (CP1252[i] == cp)
            return 0x80 + i;
    if (cp >= 0x80 && cp < 0xA0) /* C1 kept by the Latin-1 fallback */
        return (int)cp;
    return -1;
}

char *clean_mojibake(const char *s)
{
    struct buf b = {0}, run = {0};
    const char *p = s;
    while (*p) {
        if ((unsigned char)*p < 0x80) {
            buf_addc(&b, *p++);
            continue;
        }
        /* A run of non-ASCII characters: UTF-8 read as 1252 turns each
         * character into two or three of them ("’" -> "â€™"). */
        const char *start = p;
        buf_clear(&run);
        int ok = 1;
        while (*p && (unsigned char)*p >= 0x80) {
            int32_t cp;
            utf8proc_ssize_t k =
                utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
            if (k <= 0) {
                ok = 0;
                p++;
                continue;
            }
            int byte = cp1252_byte(cp);
            if (byte < 0)
                ok = 0;
            else
                buf_addc(&run, (char)byte);
            p += k;
        }
        size_t n = (size_t)(p - start);
        if (ok && run.len >= 2 && run.len < n) {
            int32_t cp;
            size_t i = 0;
            while (i < run.len) {
                utf8proc_ssize_t k =
                    utf8proc_iterate((const utf8proc_uint8_t *)run.s + i,
                                     (utf8proc_ssize_t)(run.len - i), &cp);
                if (k <= 1) /* not UTF-8, or a lone byte: no mojibake */
                    break;
                i += (size_t)k;
            }
            if (i == run.len) {
                buf_add(&b, run.s, run.len);
                continue;
            }
        }
        buf_add(&b, start, n);
    }
    buf_free(&run);
    return buf_take(&b);
}

/* Valid UTF-8 in NFKC with control and invisible format characters
 * removed, line breaks normalised to "\n".  Caller frees. */
static char *normalise(const char *s)
{
    char *u = clean_utf8(s, strlen(s));
    if (strchr(u, '&'))
        clean_entities(u);
    char *m = clean_mojibake(u);
    free(u);
    u = m;
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
        int indented =
            len >= 2 && (p[0] == '\t' || (p[0] == ' ' && p[1] == ' '));
        if ((blank || indented) && cur.len) {
            if (n == cap)
                out = mg_realloc(out, sizeof *out *
                                          (size_t)(cap = cap ? cap * 2 : 16));
            out[n++] = mg_trim(buf_take(&cur));
        }
        if (!blank) {
            if (cur.len)
                buf_addc(&cur, ' ');
            add_collapsed(&cur, p, len);
            if (len > 150 && cur.len) {
                if (n == cap)
                    out = mg_realloc(
                        out, sizeof *out * (size_t)(cap = cap ? cap * 2 : 16));
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

/* ---- boilerplate rules ------------------------------------------- */

/* Built-in boilerplate: fnmatch(3) patterns matched against a whole
 * paragraph's fold key (clean_fold_key: lowercase, ASCII quotes and
 * dashes, single spaces), for paragraphs of at most CLEAN_BOILERPLATE_MAX
 * bytes. */
static const char *const BUILTIN[] = {"read more at *",
                                      "read more: *",
                                      "read more",
                                      "read more here*",
                                      "share this article",
                                      "share this story",
                                      "share this:",
                                      "share or comment on this article*",
                                      "share on facebook*",
                                      "advertisement",
                                      "advertisement - *",
                                      "story continues below*",
                                      "scroll down for video*",
                                      "click here to *",
                                      "click here for *",
                                      "follow us on *",
                                      "follow * on twitter*",
                                      "follow * on facebook*",
                                      "sign up for * newsletter*",
                                      "subscribe to * newsletter*",
                                      "copyright *",
                                      "(c) *all rights reserved*",
                                      "\xc2\xa9 *",
                                      "*all rights reserved.",
                                      "all rights reserved*",
                                      "reuter",
                                      "reuters",
                                      "comments",
                                      "we use cookies*",
                                      "[0-9]*k shares*",
                                      "*shares share this story*",
                                      "related articles",
                                      "related stories",
                                      "most read*",
                                      "more from *:",
                                      "(reporting by *)",
                                      "(editing by *)",
                                      "(additional reporting by *)",
                                      "this story has been shared *",
                                      "watch the video*",
                                      "continue reading*",
                                      NULL};

struct clean_rules {
    char **patterns;
    int n, cap;
    enum date_order date_order; /* how numeric dates are read */
};

static void rules_add(struct clean_rules *r, const char *p)
{
    if (r->n == r->cap)
        r->patterns = mg_realloc(
            r->patterns,
            sizeof *r->patterns * (size_t)(r->cap = r->cap ? r->cap * 2 : 64));
    r->patterns[r->n++] = mg_strdup(p);
}

struct clean_rules *clean_rules_new(void)
{
    struct clean_rules *r = mg_calloc(1, sizeof *r);
    for (int i = 0; BUILTIN[i]; i++)
        rules_add(r, BUILTIN[i]);
    return r;
}

int clean_rules_load(struct clean_rules *r, const char *path,
                     struct mg_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return mg_fail(err, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *u = clean_utf8(line, (size_t)len);
        char *key = clean_fold_key(mg_trim(u));
        if (*key && *key != '#')
            rules_add(r, key);
        free(key);
        free(u);
    }
    free(line);
    fclose(f);
    return 0;
}

void clean_rules_set_date_order(struct clean_rules *r, enum date_order order)
{
    r->date_order = order;
}

void clean_rules_free(struct clean_rules *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        free(r->patterns[i]);
    free(r->patterns);
    free(r);
}

/* The pattern a paragraph's key matches, or NULL. */
static const char *boilerplate(const struct clean_rules *r, const char *key)
{
    if (strlen(key) > CLEAN_BOILERPLATE_MAX)
        return NULL;
    for (int i = 0; i < r->n; i++)
        if (fnmatch(r->patterns[i], key, 0) == 0)
            return r->patterns[i];
    return NULL;
}

/* ---- captions ------------------------------------------------------ */

/* Words of a parenthesis that places a person in a photo: "(left)",
 * "(front left)", "(pictured)", "(second from right)". */
static int photo_position(const char *p, size_t n)
{
    static const char *const WORDS[] = {
        "left",       "right",  "above",    "below", "top",       "bottom",
        "centre",     "center", "pictured", "inset", "front",     "back",
        "middle",     "second", "third",    "far",   "from",      "l",
        "r",          "l-r",    "r-l",      "main",  "clockwise", "foreground",
        "background", NULL};
    if (n == 0 || n > 32)
        return 0;
    size_t i = 0;
    int words = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == ','))
            i++;
        size_t w = i;
        while (i < n && p[i] != ' ' && p[i] != ',')
            i++;
        if (i == w)
            break;
        int known = 0;
        for (int k = 0; WORDS[k]; k++)
            if (strlen(WORDS[k]) == i - w &&
                strncasecmp(p + w, WORDS[k], i - w) == 0)
                known = 1;
        if (!known)
            return 0;
        words++;
    }
    return words > 0;
}

/* True when a paragraph reads like a photo caption: a photo position in
 * parentheses after a capitalised name, or a photo credit line. */
static int caption_like(const char *para, const char *key)
{
    static const char *const CREDIT[] = {
        "photo: *",    "photograph: *", "photos: *", "image: *", "picture: *",
        "pictured: *", "caption: *",    "(photo *)", NULL};
    for (int i = 0; CREDIT[i]; i++)
        if (fnmatch(CREDIT[i], key, 0) == 0 && strlen(key) < 300)
            return 1;
    size_t n = strlen(para);
    if (n > 600)
        return 0;
    for (const char *o = strchr(para, '('); o; o = strchr(o + 1, '(')) {
        const char *c = strchr(o, ')');
        if (!c)
            break;
        if (!photo_position(o + 1, (size_t)(c - o - 1)))
            continue;
        /* A capitalised word shortly before: "Kim Yo-jong (left)". */
        for (const char *q = o - 1; q >= para && o - q < 48; q--)
            if (isupper((unsigned char)*q) && (q == para || q[-1] == ' '))
                return 1;
    }
    return 0;
}

/* ---- the body ------------------------------------------------------ */

static void note(struct clean_info *info, const char *what, const char *text)
{
    if (info->nnotes % 16 == 0)
        info->notes = mg_realloc(info->notes, sizeof *info->notes *
                                                  (size_t)(info->nnotes + 16));
    info->notes[info->nnotes].what = mg_strdup(what);
    info->notes[info->nnotes].text = mg_strdup(text);
    info->nnotes++;
}

void clean_info_free(struct clean_info *info)
{
    if (!info)
        return;
    free(info->source);
    free(info->captions);
    for (int i = 0; i < info->nnotes; i++) {
        free(info->notes[i].what);
        free(info->notes[i].text);
    }
    free(info->notes);
    free(info->date_warning);
    memset(info, 0, sizeof *info);
}

/* X of a "read more at X" footer, from the original paragraph. */
static char *footer_source(const char *para, const char *key)
{
    if (strncmp(key, "read more at ", 13) != 0)
        return NULL;
    const char *p = para;
    for (int spaces = 0; *p && spaces < 3; p++)
        if (*p == ' ')
            spaces++;
    char *src = mg_strdup(p);
    mg_trim(src);
    size_t n = strlen(src);
    while (n && (src[n - 1] == '.' || src[n - 1] == ':'))
        src[--n] = 0;
    if (!n || strchr(src, ' ')) {
        free(src);
        return NULL;
    }
    return src;
}

/* A small open-addressing set of 64-bit paragraph hashes. */
struct hset {
    uint64_t *v;
    int *count;
    size_t cap;
};

static int *hset_slot(struct hset *h, uint64_t k)
{
    size_t i = (size_t)(k | 1) & (h->cap - 1);
    while (h->v[i] && h->v[i] != (k | 1))
        i = (i + 1) & (h->cap - 1);
    h->v[i] = k | 1;
    return &h->count[i];
}

/* Adds sep and s to b, or s alone when b is empty. */
static void add_joined(struct buf *b, const char *sep, const char *s)
{
    if (b->len)
        buf_adds(b, sep);
    buf_adds(b, s);
}

/* Puts paragraph para (key its folded key; *count the copies of it in the
 * body, set to -1 once one is taken) into body, into caps, or nowhere,
 * and notes in info what was done and why. */
static void place_paragraph(const struct clean_rules *rules,
                            struct clean_info *info, const char *para,
                            const char *key, int *count, struct buf *body,
                            struct buf *caps)
{
    const char *pat;
    if ((pat = boilerplate(rules, key))) {
        char *src = footer_source(para, key);
        if (src && !info->source)
            info->source = src;
        else
            free(src);
        char what[300];
        snprintf(what, sizeof what, "boilerplate (pattern \"%s\")", pat);
        note(info, what, para);
        info->boilerplate++;
    } else if (*count < 0) {
        ; /* a later copy of a paragraph already taken */
    } else if (*count > 1 && strlen(key) >= 20) {
        note(info,
             "repeated paragraph: a photo caption, moved to "
             "captions",
             para);
        add_joined(caps, "\n", para);
        info->repeats += *count - 1;
        info->ncaptions++;
        *count = -1;
    } else if (*count > 1) { /* a short repeated line: kept once */
        add_joined(body, "\n\n", para);
        info->repeats += *count - 1;
        *count = -1;
    } else if (caption_like(para, key)) {
        note(info, "reads like a photo caption, moved to captions", para);
        add_joined(caps, "\n", para);
        info->ncaptions++;
    } else {
        add_joined(body, "\n\n", para);
    }
}

char *clean_body(const char *s, const struct clean_rules *rules,
                 struct clean_info *info)
{
    struct clean_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    struct clean_rules *own = NULL;
    if (!rules)
        rules = own = clean_rules_new();
    char *norm = normalise(s ? s : "");
    int n;
    char **paras = paragraphs(norm, &n);
    free(norm);
    char **keys = mg_calloc((size_t)n + 1, sizeof *keys);
    struct hset h = {0};
    h.cap = 16;
    while (h.cap < (size_t)n * 2 + 2)
        h.cap *= 2;
    h.v = mg_calloc(h.cap, sizeof *h.v);
    h.count = mg_calloc(h.cap, sizeof *h.count);
    uint64_t *hash = mg_calloc((size_t)n + 1, sizeof *hash);
    for (int i = 0; i < n; i++) {
        keys[i] = clean_fold_key(paras[i]);
        hash[i] = mg_hash64(keys[i], strlen(keys[i]));
        (*hset_slot(&h, hash[i]))++;
    }
    struct buf caps = {0}, body = {0};
    for (int i = 0; i < n; i++)
        place_paragraph(rules, info, paras[i], keys[i], hset_slot(&h, hash[i]),
                        &body, &caps);
    for (int i = 0; i < n; i++) {
        free(paras[i]);
        free(keys[i]);
    }
    free(paras);
    free(keys);
    free(hash);
    free(h.v);
    free(h.count);
    clean_rules_free(own);
    info->captions = caps.len ? buf_take(&caps) : NULL;
    buf_free(&caps);
    if (info == &dummy)
        clean_info_free(&dummy);
    return buf_take(&body);
}

char *clean_first_sentence(const char *text)
{
    size_t n = strlen(text);
    size_t end = sentence_end(text, n, 0);
    if (end > 200) {
        end = 200;
        while (end > 0 && text[end] != ' ')
            end--;
        if (end == 0)
            end = 200;
        while (end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--;
        /* "..." as NFKC spells "…", so both paths give one title. */
        char *s = mg_malloc(end + 4);
        memcpy(s, text, end);
        memcpy(s + end, "...", 4);
        return s;
    }
    return mg_strndup(text, end);
}

char *clean_lede(const char *body)
{
    if (!body || !*body)
        return mg_strdup("");
    size_t n = strlen(body);
    const char *para_end = strstr(body, "\n\n");
    size_t pn = para_end ? (size_t)(para_end - body) : n;
    /* The first sentence, and the second when the first is short. */
    size_t e1 = sentence_end(body, pn, 0);
    size_t end = e1;
    int words = 0;
    for (size_t i = 0; i < e1; i++)
        words += body[i] == ' ';
    if (words < 25 && e1 < pn) {
        size_t s2 = sentence_skip_space(body, pn, e1);
        if (s2 < pn)
            end = sentence_end(body, pn, s2);
    }
    return mg_strndup(body, end);
}

/* A wire dateline opening the body: "SEOUL, Feb 9 (Reuters) - " or
 * "(CNN) -- ".  Returns the length of the prefix to drop (0 when there is
 * none) and sets *agency / *place to new strings (or NULL). */
static size_t wire_dateline(const char *body, char **agency, char **place)
{
    *agency = *place = NULL;
    const char *o = strchr(body, '(');
    if (!o || o - body > 60 || memchr(body, '\n', (size_t)(o - body)))
        return 0;
    const char *c = strchr(o, ')');
    if (!c || c - o < 3 || c - o > 14)
        return 0;
    for (const char *q = o + 1; q < c; q++)
        if (!isalpha((unsigned char)*q) && *q != ' ' && *q != '-')
            return 0;
    const char *d = c + 1;
    /* "(CNN)Share, and ...": the text follows the agency directly. */
    int glued = isupper((unsigned char)*d) && o == body;
    while (*d == ' ')
        d++;
    size_t dash = 0;
    if (strncmp(d, "--", 2) == 0)
        dash = 2;
    else if (*d == '-')
        dash = 1;
    else if (strncmp(d, "\xE2\x80\x94", 3) == 0 ||
             strncmp(d, "\xE2\x80\x93", 3) == 0)
        dash = 3;
    if (!dash && !glued)
        return 0;
    d += dash;
    while (*d == ' ')
        d++;
    /* Before the agency: nothing, or a place whose first word is in
     * capitals ("SEOUL, Feb 9", "LONDON, England"). */
    if (o > body) {
        size_t w = 0;
        while (body + w < o && isupper((unsigned char)body[w]))
            w++;
        if (w < 2 || (body + w < o && body[w] != ' ' && body[w] != ','))
            return 0;
    }
    *agency = mg_strndup(o + 1, (size_t)(c - o - 1));
    if (o > body) {
        size_t n = (size_t)(o - body);
        const char *comma = memchr(body, ',', n);
        *place = mg_strndup(body, comma ? (size_t)(comma - body) : n);
        mg_trim(*place);
        if (!**place) {
            free(*place);
            *place = NULL;
        }
    }
    return (size_t)(d - body);
}

static void clean_field(char **f)
{
    if (!*f)
        return;
    char *c = clean_line(*f);
    free(*f);
    *f = *c ? c : (free(c), NULL);
}

/* Cleans a "\n"-separated list (captions, highlights): each line with
 * clean_line(), empty and repeated lines dropped. */
static void clean_list(char **f)
{
    if (!*f)
        return;
    struct buf b = {0};
    char *save = NULL;
    for (char *line = strtok_r(*f, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *c = clean_line(line);
        char *k = clean_fold_key(c);
        int dup = 0;
        /* Lists are short: a linear look for an earlier copy is fine. */
        if (b.len) {
            char *copy = mg_strdup(b.s), *s2 = NULL;
            for (char *l = strtok_r(copy, "\n", &s2); l && !dup;
                 l = strtok_r(NULL, "\n", &s2)) {
                char *k2 = clean_fold_key(l);
                dup = strcmp(k, k2) == 0;
                free(k2);
            }
            free(copy);
        }
        if (*c && !dup) {
            if (b.len)
                buf_addc(&b, '\n');
            buf_adds(&b, c);
        }
        free(k);
        free(c);
    }
    free(*f);
    *f = b.len ? buf_take(&b) : NULL;
    buf_free(&b);
}

/* Records in info that the date raw (read as the day iso, which does
 * not exist) was dropped: info->date_warning and a note.  order: the
 * order it was read in, when it reads only in the other one
 * (DATE_OTHER_ORDER); else DATE_ORDER_AUTO. */
static void refuse_date(struct clean_info *info, const char *raw,
                        const char *iso, enum date_order order)
{
    struct mg_err why;
    size_t n = strlen(iso);
    if (mg_date_check(iso, n, &why) != MG_DATE_NONE) /* can't happen */
        snprintf(why.msg, sizeof why.msg, "%s: no such day", iso);
    const char *reason = why.msg + n + 2; /* "no such day (...)" */
    /* "month 13 when read day first (--date-order dmy)" */
    if (order != DATE_ORDER_AUTO) {
        snprintf(why.msg, sizeof why.msg,
                 "month %.2s when read %s first (--date-order %s)", iso + 5,
                 order == DATE_ORDER_MDY ? "month" : "day",
                 date_order_name(order));
        reason = why.msg;
    }
    struct buf b = {0};
    buf_printf(&b, "date \"%s\": %s, kept without a date", raw, reason);
    free(info->date_warning);
    info->date_warning = buf_take(&b);
    note(info, reason, raw);
}

/* The article's date as YYYY-MM-DD, numeric dates read in order, or
 * NULL when it reads as none (a day that does not exist, or a date that
 * reads only in the other order, is noted in info). */
static void clean_date(struct article *a, enum date_order order,
                       struct clean_info *info)
{
    if (!a->date)
        return;
    char iso[32];
    char *d = clean_line(a->date);
    free(a->date);
    int rc = date_parse_order(d, order, iso);
    a->date = rc == 0 ? mg_strdup(iso) : NULL;
    if (rc == DATE_NO_SUCH_DAY || rc == DATE_OTHER_ORDER)
        refuse_date(info, d, iso,
                    rc == DATE_OTHER_ORDER ? order : DATE_ORDER_AUTO);
    free(d);
}

/* A wire dateline opening the body ("SEOUL, Feb 9 (Reuters) - ") is cut
 * from it (and from a title starting the same way) and kept as the
 * source and dateline where the article names none. */
static void take_wire_dateline(struct article *a, struct clean_info *info)
{
    char *agency, *place;
    size_t cut = a->body ? wire_dateline(a->body, &agency, &place) : 0;
    if (!cut)
        return;
    char *prefix = mg_strndup(a->body, cut);
    note(info, "wire dateline, kept as the source and dateline", prefix);
    /* A title taken from the first sentence starts the same way. */
    if (a->title && strncmp(a->title, prefix, cut) == 0)
        memmove(a->title, a->title + cut, strlen(a->title + cut) + 1);
    free(prefix);
    memmove(a->body, a->body + cut, strlen(a->body + cut) + 1);
    if (!a->source)
        a->source = agency, agency = NULL;
    if (!a->dateline)
        a->dateline = place, place = NULL;
    free(agency);
    free(place);
}

void clean_article(struct article *a, const struct clean_rules *rules,
                   struct clean_info *info)
{
    struct clean_info local;
    if (!info)
        info = &local;
    char *body = clean_body(a->body, rules, info);
    free(a->body);
    a->body = body;
    if (info->captions) {
        struct buf b = {0};
        if (a->captions) {
            buf_adds(&b, a->captions);
            buf_addc(&b, '\n');
        }
        buf_adds(&b, info->captions);
        free(a->captions);
        a->captions = buf_take(&b);
    }
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
    clean_field(&a->description);
    if (!a->source && info->source) {
        a->source = info->source;
        info->source = NULL;
    }
    if (!a->source)
        a->source = mg_url_host(a->url);
    clean_list(&a->captions);
    clean_list(&a->highlights);
    clean_date(a, rules ? rules->date_order : DATE_ORDER_AUTO, info);
    if (!a->language)
        a->language = mg_strdup("und");
    take_wire_dateline(a, info);
    /* "By Ann Lee" is a byline of "Ann Lee". */
    if (a->byline && strncasecmp(a->byline, "by ", 3) == 0)
        memmove(a->byline, a->byline + 3, strlen(a->byline + 3) + 1);
    free(a->lede);
    a->lede = clean_lede(a->body);
    /* No title (a CSV of bodies and highlights): the first sentence. */
    if ((!a->title || !*a->title) && a->body && *a->body) {
        free(a->title);
        a->title = clean_first_sentence(a->body);
    }
    if (info == &local)
        clean_info_free(&local);
}
