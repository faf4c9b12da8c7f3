/*
 * article.c - the article model.
 */
#include "article.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>
#include <utf8proc.h>

#include "util.h"

const char *const ART_COL_NAMES[ART_NCOLS] = {
    "title", "lede", "body", "captions", "highlights", "entities"};

/* clang-format does not settle on one layout for this list */
/* clang-format off */
#define ARTICLE_FIELDS(X)                                                      \
    X(uid) X(title) X(lede) X(body) X(captions) X(highlights) X(entities)      \
    X(date) X(source) X(url) X(byline) X(section) X(dateline) X(language)      \
    X(description) X(path)
/* clang-format on */

void article_clear(struct article *a)
{
    if (!a)
        return;
#define FREE_FIELD(f) free(a->f);
    ARTICLE_FIELDS(FREE_FIELD)
#undef FREE_FIELD
    memset(a, 0, sizeof *a);
}

void article_set(char **field, const char *value)
{
    free(*field);
    *field = mg_strdup(value);
}

void article_hash(const struct article *a, char out[17])
{
    uint64_t h = 1469598103934665603ULL;
#define HASH_FIELD(f)                                                          \
    {                                                                          \
        const char *s = a->f ? a->f : "";                                      \
        h ^= mg_hash64(s, strlen(s) + 1);                                      \
        h *= 1099511628211ULL;                                                 \
        h ^= h >> 29;                                                          \
    }
    ARTICLE_FIELDS(HASH_FIELD)
#undef HASH_FIELD
    snprintf(out, 17, "%016" PRIx64, h);
}

const char *ent_kind_name(enum ent_kind k)
{
    return k == ENT_PERSON ? "person" : k == ENT_PLACE ? "place" : "org";
}

void ent_set_free(struct ent_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        free(s->v[i].canonical);
        free(s->v[i].key);
        for (int m = 0; m < s->v[i].nmentions; m++)
            free(s->v[i].mentions[m]);
        free(s->v[i].mentions);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

char *ent_key(const char *name)
{
    utf8proc_uint8_t *out = NULL;
    char *l;
    const char *p = name;
    while (*p && (unsigned char)*p < 0x80)
        p++;
    if (!*p)
        l = mg_lower_ascii(name);
    else if (utf8proc_map((const utf8proc_uint8_t *)name, 0, &out,
                          UTF8PROC_NULLTERM | UTF8PROC_CASEFOLD |
                              UTF8PROC_COMPOSE) < 0)
        l = mg_lower_ascii(name);
    else
        l = (char *)out;
    char *w = l;
    for (const char *r = l; *r; r++)
        if (isalnum((unsigned char)*r) || (unsigned char)*r >= 0x80)
            *w++ = *r;
    *w = 0;
    return l;
}

/* Whether key k lies under root (n bytes): the root itself, or below it
 * (a '/', '#' or ':' follows). */
static int under_root(const char *k, const char *root, size_t n)
{
    return strncmp(k, root, n) == 0 &&
           (k[n] == '\0' || k[n] == '/' || k[n] == '#' || k[n] == ':');
}

/* A root's own name: its last part. */
static const char *root_name(const char *root)
{
    const char *slash = strrchr(root, '/');
    return slash ? slash + 1 : root;
}

char *article_public_id(const char *key, char *const *roots, int nroots)
{
    int best = -1;
    size_t blen = 0;
    for (int i = 0; key[0] == '/' && i < nroots; i++) {
        size_t n = strlen(roots[i]);
        if (n > blen && *root_name(roots[i]) && under_root(key, roots[i], n))
            best = i, blen = n;
    }
    if (best < 0)
        return mg_strdup(key);
    struct buf b = {0};
    buf_printf(&b, "%s%s", root_name(roots[best]), key + blen);
    return buf_take(&b);
}

char *article_key_under(const char *id, const char *root)
{
    const char *name = root_name(root);
    size_t k = strlen(name);
    if (id[0] == '/' || !k || !under_root(id, name, k))
        return NULL;
    struct buf b = {0};
    buf_printf(&b, "%s%s", root, id + k);
    return buf_take(&b);
}
