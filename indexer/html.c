/*
 * html.c - one HTML news page to an article.
 *
 * The page is parsed with libxml2's HTML parser (recovering from broken
 * markup, never touching the network or the file system).  Metadata comes
 * from <title>, <meta>, <link rel=canonical>, <html lang> and JSON-LD.  The
 * body is found in three steps:
 *
 *   1. Every element under <body> gets a record (struct el) holding its
 *      text totals: all text, text inside links, commas, and "paragraph
 *      text" (text of blocks of at least PARA_MIN characters that are not
 *      mostly links).  Scripts, styles, forms' controls, embeds and the
 *      like are not looked into at all; page furniture (nav, aside,
 *      footer, header, form, hidden elements, cookie banners, comments,
 *      related links...) is dropped unless it holds most of the page's
 *      paragraph text (some sites wrap the whole page in a <form>).
 *   2. The article's container is chosen: readability-style scoring of
 *      containers by the paragraphs they hold, plus the siblings that
 *      belong with the best one; a semantic container (itemprop=
 *      articleBody, a well-known body class, <article>, <main>) holding
 *      most of the page's paragraph text wins over it unless the scored
 *      choice lies inside it and holds nearly all of its text.  Parts of
 *      a body split up elsewhere (same class as the best candidate) are
 *      added, and the choice is widened to an ancestor that only adds
 *      clean paragraphs (a lede or summary kept apart from the body).
 *   3. The container is written out as paragraphs, leaving out what inside
 *      it is not article text: captions (kept apart), share widgets,
 *      related-link lists, author boxes, link-heavy blocks, boilerplate
 *      lines ("Advertisement", "Read more: ...").
 *
 * Every walk over the tree is iterative, so deep nesting can't overflow
 * the stack.
 */
#include "html.h"

#include <ctype.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"

/* Paragraphs shorter than this (in characters) don't count as article
 * text when choosing the container. */
#define PARA_MIN 25

/* ---- tags ----------------------------------------------------------- */

enum tag_id {
    T_OTHER,
    T_A,
    T_ARTICLE,
    T_BODY,
    T_BR,
    T_DIV,
    T_FIGCAPTION,
    T_FIGURE,
    T_H1,
    T_HTML,
    T_IMG,
    T_INPUT,
    T_LI,
    T_MAIN,
    T_OL,
    T_P,
    T_SECTION,
    T_TABLE,
    T_TIME,
    T_UL,
    T_DL,
    T_TD,
    T_TR
};

enum {
    K_BLOCK = 1,  /* ends a paragraph */
    K_DROP = 2,   /* never article text: not looked into */
    K_SOFT = 4,   /* page furniture: dropped unless it holds the article */
    K_HEAD = 8,   /* h1-h6 */
    K_CELL = 16,  /* td, th: joined into their row's line */
    K_EMBED = 32, /* counted as an embed by the block cleaner */
    K_CLEAN = 64, /* a container the block cleaner may drop */
};

struct tag_info {
    const char *name;
    unsigned char id;
    unsigned char kind;
    signed char init; /* readability's starting score for the tag */
};

/* Sorted by name for bsearch. */
static const struct tag_info TAGS[] = {
    {"a", T_A, 0, 0},
    {"address", T_OTHER, K_BLOCK, -3},
    {"applet", T_OTHER, K_DROP | K_EMBED, 0},
    {"area", T_OTHER, K_DROP, 0},
    {"article", T_ARTICLE, K_BLOCK, 0},
    {"aside", T_OTHER, K_BLOCK | K_SOFT | K_CLEAN, 0},
    {"audio", T_OTHER, K_DROP | K_EMBED, 0},
    {"base", T_OTHER, K_DROP, 0},
    {"blockquote", T_OTHER, K_BLOCK, 3},
    {"body", T_BODY, K_BLOCK, 0},
    {"br", T_BR, 0, 0},
    {"button", T_OTHER, K_DROP, 0},
    {"canvas", T_OTHER, K_DROP, 0},
    {"caption", T_OTHER, K_BLOCK, 0},
    {"center", T_OTHER, K_BLOCK | K_CLEAN, 0},
    {"datalist", T_OTHER, K_DROP, 0},
    {"dd", T_OTHER, K_BLOCK, -3},
    {"details", T_OTHER, K_BLOCK | K_CLEAN, 0},
    {"dialog", T_OTHER, K_BLOCK | K_SOFT, 0},
    {"dir", T_OTHER, K_BLOCK, 0},
    {"div", T_DIV, K_BLOCK | K_CLEAN, 5},
    {"dl", T_DL, K_BLOCK | K_CLEAN, -3},
    {"dt", T_OTHER, K_BLOCK, -3},
    {"embed", T_OTHER, K_DROP | K_EMBED, 0},
    {"fieldset", T_OTHER, K_BLOCK | K_CLEAN, 0},
    {"figcaption", T_FIGCAPTION, K_BLOCK, 0},
    {"figure", T_FIGURE, K_BLOCK, 0},
    {"footer", T_OTHER, K_BLOCK | K_SOFT | K_CLEAN, 0},
    {"form", T_OTHER, K_BLOCK | K_SOFT | K_CLEAN, -3},
    {"frame", T_OTHER, K_DROP, 0},
    {"frameset", T_OTHER, K_DROP, 0},
    {"h1", T_H1, K_BLOCK | K_HEAD, -5},
    {"h2", T_OTHER, K_BLOCK | K_HEAD, -5},
    {"h3", T_OTHER, K_BLOCK | K_HEAD, -5},
    {"h4", T_OTHER, K_BLOCK | K_HEAD, -5},
    {"h5", T_OTHER, K_BLOCK | K_HEAD, -5},
    {"h6", T_OTHER, K_BLOCK | K_HEAD, -5},
    {"head", T_OTHER, K_DROP, 0},
    {"header", T_OTHER, K_BLOCK | K_SOFT | K_CLEAN, 0},
    {"hgroup", T_OTHER, K_BLOCK, 0},
    {"hr", T_OTHER, K_BLOCK, 0},
    {"html", T_HTML, K_BLOCK, 0},
    {"iframe", T_OTHER, K_DROP | K_EMBED, 0},
    {"img", T_IMG, 0, 0},
    {"input", T_INPUT, K_DROP, 0},
    {"legend", T_OTHER, K_BLOCK, 0},
    {"li", T_LI, K_BLOCK, -3},
    {"link", T_OTHER, K_DROP, 0},
    {"main", T_MAIN, K_BLOCK, 0},
    {"map", T_OTHER, K_DROP, 0},
    {"math", T_OTHER, K_DROP, 0},
    {"menu", T_OTHER, K_BLOCK | K_SOFT, 0},
    {"meta", T_OTHER, K_DROP, 0},
    {"nav", T_OTHER, K_BLOCK | K_SOFT | K_CLEAN, 0},
    {"noembed", T_OTHER, K_DROP, 0},
    {"noframes", T_OTHER, K_DROP, 0},
    {"noscript", T_OTHER, K_DROP, 0},
    {"object", T_OTHER, K_DROP | K_EMBED, 0},
    {"ol", T_OL, K_BLOCK | K_CLEAN, -3},
    {"optgroup", T_OTHER, K_DROP, 0},
    {"option", T_OTHER, K_DROP, 0},
    {"p", T_P, K_BLOCK, 0},
    {"param", T_OTHER, K_DROP, 0},
    {"pre", T_OTHER, K_BLOCK, 3},
    {"script", T_OTHER, K_DROP, 0},
    {"section", T_SECTION, K_BLOCK | K_CLEAN, 0},
    {"select", T_OTHER, K_DROP, 0},
    {"source", T_OTHER, K_DROP, 0},
    {"style", T_OTHER, K_DROP, 0},
    {"summary", T_OTHER, K_BLOCK, 0},
    {"svg", T_OTHER, K_DROP, 0},
    {"table", T_TABLE, K_BLOCK | K_CLEAN, 0},
    {"tbody", T_OTHER, K_BLOCK, 0},
    {"td", T_TD, K_BLOCK | K_CELL, 3},
    {"template", T_OTHER, K_DROP, 0},
    {"textarea", T_OTHER, K_DROP, 0},
    {"tfoot", T_OTHER, K_BLOCK, 0},
    {"th", T_TD, K_BLOCK | K_CELL, -5},
    {"thead", T_OTHER, K_BLOCK, 0},
    {"time", T_TIME, 0, 0},
    {"title", T_OTHER, K_DROP, 0},
    {"tr", T_TR, K_BLOCK, 0},
    {"track", T_OTHER, K_DROP, 0},
    {"ul", T_UL, K_BLOCK | K_CLEAN, -3},
    {"video", T_OTHER, K_DROP | K_EMBED, 0},
};

static const struct tag_info TAG_UNKNOWN = {"", T_OTHER, 0, 0};

static int tag_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct tag_info *)elem)->name);
}

/* The tag's entry; unknown tags read as inline elements. */
static const struct tag_info *tag_find(const xmlChar *name)
{
    const struct tag_info *t =
        bsearch(name, TAGS, sizeof TAGS / sizeof *TAGS, sizeof *TAGS, tag_cmp);
    return t ? t : &TAG_UNKNOWN;
}

/* ---- small helpers -------------------------------------------------- */

/* The value of attribute name on element n, borrowed from the tree (valid
 * while the document lives), or NULL. */
static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name || strcmp((const char *)a->name, name) != 0)
            continue;
        const xmlNode *c = a->children;
        if (c && (c->type == XML_TEXT_NODE) && !c->next && c->content)
            return (const char *)c->content;
        return c && c->content ? (const char *)c->content : "";
    }
    return NULL;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* A copy of s with whitespace runs collapsed to one space and trimmed;
 * NULL when nothing is left. */
static char *squeeze(const char *s)
{
    if (!s)
        return NULL;
    struct buf b = {0};
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_space(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) {
            if (p[0] == 0xC2)
                p++;
            space = 1;
            continue;
        }
        if (space && b.len)
            buf_addc(&b, ' ');
        space = 0;
        buf_addc(&b, (char)*p);
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

/* Sets *slot to a squeezed copy of v unless it is already set. */
static void set_once(char **slot, const char *v)
{
    if (*slot || !v)
        return;
    *slot = squeeze(v);
}

static int starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int is_url(const char *s)
{
    return s && (starts_with_ci(s, "http://") ||
                 starts_with_ci(s, "https://") || starts_with_ci(s, "//"));
}

/* Lowercased ASCII letters and digits of s, other ASCII dropped and
 * non-ASCII bytes kept: the key two names are compared by. */
static char *fold_key(const char *s)
{
    struct buf b = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80 || isalnum(*p))
            buf_addc(&b, (char)tolower(*p));
    }
    return buf_take(&b);
}

static int same_name(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    char *ka = fold_key(a), *kb = fold_key(b);
    int eq = *ka && strcmp(ka, kb) == 0;
    free(ka);
    free(kb);
    return eq;
}

/* ---- class and id hints ---------------------------------------------- */

enum {
    H_UNLIKELY = 1 << 0, /* readability's unlikely candidates */
    H_MAYBE = 1 << 1,    /* ... and the words that save them */
    H_POS = 1 << 2,      /* a good sign for article text */
    H_NEG = 1 << 3,      /* a bad sign */
    H_BOILER = 1 << 4,   /* not article text, inside the article either */
    H_BYLINE = 1 << 5,   /* byline or date line (dropped when short) */
    H_CREDIT = 1 << 6,   /* image credit */
    H_CAPTION = 1 << 7,  /* a caption */
    H_HIDDEN = 1 << 8,   /* visually hidden */
    H_BODY = 1 << 9,     /* a well-known article-body container name */
};

struct hint_word {
    const char *w;
    unsigned bits;
    int token; /* must be a whole token (bounded by non-alphanumerics) */
};

static const struct hint_word HINTS[] = {
    {"-ad-", H_UNLIKELY | H_NEG, 0},
    {"ad", H_BOILER, 1},
    {"ad-break", H_UNLIKELY, 0},
    {"ads", H_BOILER, 1},
    {"adslot", H_BOILER, 0},
    {"ad-slot", H_BOILER, 0},
    {"advert", H_BOILER | H_NEG, 0},
    {"agegate", H_UNLIKELY, 0},
    {"ai2html", H_UNLIKELY, 0},
    {"also-read", H_BOILER, 0},
    {"and", H_MAYBE, 0},
    {"article", H_MAYBE | H_POS, 0},
    {"article-body", H_BODY, 0},
    {"article-content", H_BODY, 0},
    {"article-text", H_BODY, 0},
    {"article__body", H_BODY, 0},
    {"article__content", H_BODY, 0},
    {"article_body", H_BODY, 0},
    {"articlebody", H_BODY, 0},
    {"articlecontent", H_BODY, 0},
    {"articletext", H_BODY, 0},
    {"author-bio", H_BOILER, 0},
    {"author-box", H_BOILER, 0},
    {"author-card", H_BOILER, 0},
    {"author-info", H_BOILER, 0},
    {"authorbox", H_BOILER, 0},
    {"authorbio", H_BOILER, 0},
    {"about-author", H_BOILER, 0},
    {"about-the-author", H_BOILER, 0},
    {"author", H_BYLINE, 0},
    {"banner", H_UNLIKELY | H_NEG, 0},
    {"bio", H_BOILER, 1},
    {"blog", H_POS, 0},
    {"body", H_MAYBE | H_POS, 0},
    {"body-text", H_BODY, 0},
    {"bodytext", H_BODY, 0},
    {"breadcrumb", H_UNLIKELY | H_BOILER, 0},
    {"byline", H_BYLINE, 0},
    {"caption", H_CAPTION, 0},
    {"column", H_MAYBE, 0},
    {"com-", H_NEG, 0},
    {"combx", H_UNLIKELY | H_NEG, 0},
    {"comment", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"community", H_UNLIKELY, 0},
    {"consent", H_UNLIKELY | H_BOILER, 0},
    {"contact", H_NEG, 0},
    {"content", H_MAYBE | H_POS, 0},
    {"cookie", H_UNLIKELY | H_BOILER, 0},
    {"cover-wrap", H_UNLIKELY, 0},
    {"credit", H_CREDIT, 0},
    {"date", H_BYLINE, 1},
    {"dateline", H_BYLINE, 0},
    {"disqus", H_UNLIKELY | H_BOILER, 0},
    {"donate", H_BOILER, 0},
    {"element-invisible", H_HIDDEN, 0},
    {"entry", H_POS, 0},
    {"entry-content", H_BODY, 0},
    {"extra", H_UNLIKELY, 0},
    {"follow", H_BOILER, 0},
    {"footer", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"gdpr", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"h-entry", H_POS, 0},
    {"header", H_UNLIKELY, 0},
    {"hentry", H_POS, 0},
    {"hid", H_NEG, 1},
    {"hidden", H_NEG, 0},
    {"instagram-media", H_BOILER, 0},
    {"legends", H_UNLIKELY, 0},
    {"main", H_MAYBE | H_POS, 0},
    {"masthead", H_NEG, 0},
    {"media", H_NEG, 0},
    {"menu", H_UNLIKELY | H_BOILER, 0},
    {"meta", H_NEG | H_BYLINE, 1},
    {"metadata", H_NEG | H_BYLINE, 0},
    {"post-meta", H_BYLINE, 0},
    {"post-author", H_BYLINE, 0},
    {"postmeta", H_BYLINE, 0},
    {"entry-meta", H_BYLINE, 0},
    {"entry-utility", H_BYLINE, 0},
    {"posted-on", H_BYLINE, 0},
    {"more-stories", H_BOILER, 0},
    {"most-popular", H_BOILER, 0},
    {"most-read", H_BOILER, 0},
    {"mostpopular", H_BOILER, 0},
    {"mostread", H_BOILER, 0},
    {"nav", H_BOILER, 1},
    {"navigation", H_BOILER, 0},
    {"newsletter", H_UNLIKELY | H_BOILER, 0},
    {"outbrain", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"page", H_POS, 0},
    {"pager", H_UNLIKELY | H_BOILER, 0},
    {"pagination", H_UNLIKELY | H_POS, 0},
    {"popup", H_UNLIKELY | H_BOILER, 0},
    {"post", H_POS, 0},
    {"post-body", H_BODY, 0},
    {"post-content", H_BODY, 0},
    {"promo", H_NEG | H_BOILER, 0},
    {"published", H_BYLINE, 0},
    {"read-more", H_BOILER, 0},
    {"readmore", H_BOILER, 0},
    {"recommend", H_BOILER, 0},
    {"related", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"remark", H_UNLIKELY, 0},
    {"replies", H_UNLIKELY | H_BOILER, 0},
    {"rss", H_UNLIKELY, 0},
    {"screen-reader", H_HIDDEN, 0},
    {"scroll", H_NEG, 0},
    {"shadow", H_MAYBE, 0},
    {"share", H_NEG | H_BOILER, 0},
    {"sharing", H_BOILER, 0},
    {"shopping", H_NEG, 0},
    {"shoutbox", H_UNLIKELY | H_NEG, 0},
    {"sidebar", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"signup", H_BOILER, 0},
    {"sign-up", H_BOILER, 0},
    {"skyscraper", H_UNLIKELY | H_NEG, 0},
    {"social", H_UNLIKELY | H_BOILER, 0},
    {"sponsor", H_UNLIKELY | H_NEG | H_BOILER, 0},
    {"sr-only", H_HIDDEN, 0},
    {"story", H_POS, 0},
    {"story-body", H_BODY, 0},
    {"story-content", H_BODY, 0},
    {"story-text", H_BODY, 0},
    {"storybody", H_BODY, 0},
    {"subscri", H_BOILER, 0},
    {"supplemental", H_UNLIKELY, 0},
    {"taboola", H_UNLIKELY | H_BOILER, 0},
    {"tags", H_NEG | H_BOILER, 0},
    {"text", H_POS, 0},
    {"timestamp", H_BYLINE, 0},
    {"toolbar", H_BOILER, 0},
    {"trending", H_BOILER, 0},
    {"visually-hidden", H_HIDDEN, 0},
    {"visuallyhidden", H_HIDDEN, 0},
    {"widget", H_NEG, 0},
    {"yom-remote", H_UNLIKELY, 0},
};

/* HINTS indexed by first letter: hint_first[c] .. hint_first[c+1]. */
static int hint_order[sizeof HINTS / sizeof *HINTS];
static int hint_first[257];
static int hints_ready;

static int hint_by_letter(const void *a, const void *b)
{
    const struct hint_word *x = &HINTS[*(const int *)a];
    const struct hint_word *y = &HINTS[*(const int *)b];
    int c = (unsigned char)x->w[0] - (unsigned char)y->w[0];
    return c ? c : *(const int *)a - *(const int *)b;
}

/* Builds the first-letter index once; the table is constant, so a race
 * between threads writes the same values. */
static void hints_init(void)
{
    if (hints_ready)
        return;
    int n = (int)(sizeof HINTS / sizeof *HINTS);
    for (int i = 0; i < n; i++)
        hint_order[i] = i;
    qsort(hint_order, (size_t)n, sizeof *hint_order, hint_by_letter);
    int k = 0;
    for (int c = 0; c < 257; c++) {
        while (k < n && (unsigned char)HINTS[hint_order[k]].w[0] < c)
            k++;
        hint_first[c] = k;
    }
    hints_ready = 1;
}

/* The hint bits of one class or id value (matched case-insensitively). */
static unsigned hint_bits(const char *v)
{
    if (!v || !*v)
        return 0;
    char low[384];
    size_t n = 0;
    for (; n < sizeof low - 1 && v[n]; n++)
        low[n] = (char)tolower((unsigned char)v[n]);
    low[n] = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)low[i];
        for (int k = hint_first[c]; k < hint_first[c + 1]; k++) {
            const struct hint_word *h = &HINTS[hint_order[k]];
            size_t len = strlen(h->w);
            if (strncmp(low + i, h->w, len) != 0)
                continue;
            if (h->token && ((i > 0 && isalnum((unsigned char)low[i - 1])) ||
                             isalnum((unsigned char)low[i + len])))
                continue;
            bits |= h->bits;
        }
    }
    return bits;
}

/* ---- metadata ------------------------------------------------------- */

/* Meta names that give the publication date, best first. */
static const char *const DATE_NAMES[] = {
    "article:published_time",
    "datepublished",
    "article:published",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "og:published_time",
    "article.published",
    "published_time",
    "release_date",
};
#define N_DATES (sizeof DATE_NAMES / sizeof *DATE_NAMES)

struct meta {
    char *title, *og_title, *tw_title;
    char *og_url, *canonical, *og_site, *og_locale;
    char *og_desc, *desc, *tw_desc;
    char *section, *parsely_section;
    char *art_author, *author, *byl, *parsely_author;
    char *dates[N_DATES];
    char *lang, *content_lang;
    /* JSON-LD */
    char *ld_headline, *ld_date, *ld_author, *ld_publisher, *ld_org;
    char *ld_section, *ld_url, *ld_desc, *ld_body, *ld_lang;
};

static void meta_free(struct meta *m)
{
    char **f = (char **)m;
    for (size_t i = 0; i < sizeof *m / sizeof(char *); i++)
        free(f[i]);
    memset(m, 0, sizeof *m);
}

/* A squeezed copy of a JSON string value with HTML entities decoded, or
 * NULL. */
static char *ld_string(json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    char *s = squeeze(json_string_value(v));
    if (s)
        clean_entities(s);
    return s;
}

static void ld_set(char **slot, json_t *v)
{
    if (*slot)
        return;
    *slot = ld_string(v);
}

/* The name of a person or organisation given as a string, an object with
 * "name", or an array of either (names joined with ", "). */
static char *ld_names(json_t *v)
{
    if (json_is_string(v)) {
        char *s = ld_string(v);
        if (s && is_url(s)) {
            free(s);
            return NULL;
        }
        return s;
    }
    if (json_is_object(v))
        return ld_names(json_object_get(v, "name"));
    if (json_is_array(v)) {
        struct buf b = {0};
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            char *s = ld_names(e);
            if (s && !(b.len && strstr(b.s, s))) {
                if (b.len)
                    buf_adds(&b, ", ");
                buf_adds(&b, s);
            }
            free(s);
        }
        if (b.len)
            return buf_take(&b);
        buf_free(&b);
    }
    return NULL;
}

static int ld_type_is(json_t *o, int (*pred)(const char *))
{
    json_t *t = json_object_get(o, "@type");
    if (json_is_string(t))
        return pred(json_string_value(t));
    if (json_is_array(t)) {
        size_t i;
        json_t *e;
        json_array_foreach(t, i, e)
        {
            if (json_is_string(e) && pred(json_string_value(e)))
                return 1;
        }
    }
    return 0;
}

static int type_article(const char *t)
{
    return strstr(t, "Article") || strstr(t, "BlogPosting") ||
           strcmp(t, "Report") == 0 || strcmp(t, "SocialMediaPosting") == 0;
}

static int type_org(const char *t)
{
    return strstr(t, "Organization") || strcmp(t, "WebSite") == 0;
}

/* Takes the fields of one JSON-LD article object. */
static void ld_article(struct meta *m, json_t *o)
{
    ld_set(&m->ld_headline, json_object_get(o, "headline"));
    ld_set(&m->ld_headline, json_object_get(o, "name"));
    ld_set(&m->ld_date, json_object_get(o, "datePublished"));
    ld_set(&m->ld_date, json_object_get(o, "dateCreated"));
    if (!m->ld_author)
        m->ld_author = ld_names(json_object_get(o, "author"));
    if (!m->ld_author)
        m->ld_author = ld_names(json_object_get(o, "creator"));
    if (!m->ld_publisher) {
        json_t *p = json_object_get(o, "publisher");
        if (json_is_array(p))
            p = json_array_get(p, 0);
        m->ld_publisher = ld_names(p);
    }
    json_t *sec = json_object_get(o, "articleSection");
    if (json_is_array(sec))
        sec = json_array_get(sec, 0);
    ld_set(&m->ld_section, sec);
    ld_set(&m->ld_url, json_object_get(o, "url"));
    json_t *me = json_object_get(o, "mainEntityOfPage");
    if (json_is_object(me))
        me = json_object_get(me, "@id");
    ld_set(&m->ld_url, me);
    ld_set(&m->ld_desc, json_object_get(o, "description"));
    ld_set(&m->ld_lang, json_object_get(o, "inLanguage"));
    if (!m->ld_body) {
        json_t *b = json_object_get(o, "articleBody");
        if (json_is_string(b) && json_string_length(b) > 0)
            m->ld_body = mg_strdup(json_string_value(b));
    }
}

/* Visits a JSON-LD value: objects, arrays and "@graph" lists, a few
 * levels deep. */
static void ld_visit(struct meta *m, json_t *v, int depth)
{
    if (depth > 4)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            ld_visit(m, e, depth + 1);
        }
        return;
    }
    if (!json_is_object(v))
        return;
    if (ld_type_is(v, type_article))
        ld_article(m, v);
    else if (ld_type_is(v, type_org) && !m->ld_org)
        m->ld_org = ld_names(json_object_get(v, "name"));
    json_t *g = json_object_get(v, "@graph");
    if (g)
        ld_visit(m, g, depth + 1);
    json_t *me = json_object_get(v, "mainEntity");
    if (me)
        ld_visit(m, me, depth + 1);
}

/* Parses the text of one <script type="application/ld+json">, forgiving
 * HTML comment or CDATA wrappers, raw control characters in strings and
 * trailing junk. */
static void ld_script(struct meta *m, xmlNode *script)
{
    xmlChar *raw = xmlNodeGetContent(script);
    if (!raw)
        return;
    char *s = (char *)raw;
    char *open = strpbrk(s, "{[");
    if (open) {
        char *copy = mg_strdup(open);
        for (char *p = copy; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = ' ';
        json_error_t je;
        json_t *v = json_loads(copy, JSON_DISABLE_EOF_CHECK, &je);
        if (v) {
            ld_visit(m, v, 0);
            json_decref(v);
        }
        free(copy);
    }
    xmlFree(raw);
}

/* Stores content under one meta key (case-insensitive). */
static void meta_key(struct meta *m, const char *key, size_t klen,
                     const char *content)
{
    struct {
        const char *key;
        char **slot;
    } map[] = {
        {"og:title", &m->og_title},
        {"twitter:title", &m->tw_title},
        {"og:url", &m->og_url},
        {"og:site_name", &m->og_site},
        {"og:locale", &m->og_locale},
        {"og:description", &m->og_desc},
        {"description", &m->desc},
        {"twitter:description", &m->tw_desc},
        {"article:section", &m->section},
        {"parsely-section", &m->parsely_section},
        {"article:author", &m->art_author},
        {"author", &m->author},
        {"byl", &m->byl},
        {"parsely-author", &m->parsely_author},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strlen(map[i].key) == klen &&
            strncasecmp(key, map[i].key, klen) == 0)
            set_once(map[i].slot, content);
    for (size_t i = 0; i < N_DATES; i++)
        if (strlen(DATE_NAMES[i]) == klen &&
            strncasecmp(key, DATE_NAMES[i], klen) == 0)
            set_once(&m->dates[i], content);
}

/* One <meta> with content=: its property=, name= and itemprop= (each a
 * space-separated list of keys) and http-equiv=content-language. */
static void meta_tag(struct meta *m, xmlNode *n)
{
    const char *content = attr(n, "content");
    if (!content)
        return;
    const char *equiv = attr(n, "http-equiv");
    if (equiv && strcasecmp(equiv, "content-language") == 0)
        set_once(&m->content_lang, content);
    static const char *const ATTRS[] = {"property", "name", "itemprop"};
    for (size_t k = 0; k < sizeof ATTRS / sizeof *ATTRS; k++) {
        const char *p = attr(n, ATTRS[k]);
        while (p && *p) {
            while (is_space((unsigned char)*p))
                p++;
            size_t len = 0;
            while (p[len] && !is_space((unsigned char)p[len]))
                len++;
            if (len)
                meta_key(m, p, len, content);
            p += len;
        }
    }
}

static int parent_is(const xmlNode *n, const char *name)
{
    return n->parent && n->parent->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->parent->name, name) == 0;
}

/* Reads the page's metadata from the whole tree. */
static void meta_read(struct meta *m, xmlNode *root)
{
    const char *lang = attr(root, "lang");
    if (!lang)
        lang = attr(root, "xml:lang");
    set_once(&m->lang, lang);
    xmlNode *n = root;
    for (;;) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            descend = 1;
            if (strcmp(name, "meta") == 0) {
                meta_tag(m, n);
            } else if (strcmp(name, "link") == 0) {
                const char *rel = attr(n, "rel");
                if (rel && strcasecmp(rel, "canonical") == 0)
                    set_once(&m->canonical, attr(n, "href"));
            } else if (strcmp(name, "title") == 0) {
                if (!m->title &&
                    (parent_is(n, "head") || parent_is(n, "html"))) {
                    xmlChar *t = xmlNodeGetContent(n);
                    m->title = squeeze((const char *)t);
                    xmlFree(t);
                }
                descend = 0;
            } else if (strcmp(name, "script") == 0) {
                const char *type = attr(n, "type");
                if (type && starts_with_ci(type, "application/ld+json"))
                    ld_script(m, n);
                descend = 0;
            } else if (strcmp(name, "style") == 0 || strcmp(name, "svg") == 0) {
                descend = 0;
            } else {
                const char *ip = attr(n, "itemprop");
                if (ip && strcasecmp(ip, "datePublished") == 0) {
                    const char *v = attr(n, "datetime");
                    set_once(&m->dates[1], v ? v : attr(n, "content"));
                }
            }
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n == root)
                return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

/* ---- element records ------------------------------------------------ */

enum {
    F_LINK = 1 << 0,    /* <a> or inside one */
    F_DROP = 1 << 1,    /* dropped itself */
    F_DEAD = 1 << 2,    /* dropped or inside a dropped element */
    F_SCORED = 1 << 3,  /* has a readability score */
    F_MIXED = 1 << 4,   /* has block children */
    F_CAPTION = 1 << 5, /* a caption (figcaption or class) */
    F_INCAP = 1 << 6,   /* a caption or inside one, or inside a figure */
    F_HIDDEN = 1 << 7,  /* hidden by attribute or style */
    F_FURN = 1 << 8,    /* page furniture by tag or ARIA role */
    F_TABLE = 1 << 9,   /* inside a <table> */
    F_HASSEM = 1 << 10, /* holds an itemprop=articleBody or body class */
};

struct el {
    xmlNode *node;
    const struct tag_info *tag;
    int parent; /* record index, -1 for the top */
    int last;   /* the last record of its subtree (records are in
                 * document order, so a subtree is a range) */
    unsigned flags;
    unsigned hints; /* H_* of class and id together */
    int weight;     /* readability's class weight */
    int sem; /* 4 itemprop=articleBody, 3 body class, 2 article, 1 main */
    /* Character counts are long: products of them must not overflow. */
    /* text directly inside */
    long dtext, dlink, dcommas;
    /* the element's subtree, dropped parts left out */
    long text, link, commas, ptext, headtext, litext;
    int np, nimg, ninput, nembed;
    int dinput, dembed; /* inputs and embeds directly inside */
    /* inline text: the element's own paragraph when it is a block */
    long itext, ilink, icommas;
    double score;
};

struct page {
    struct el *els;
    int n, cap;
};

/* The record of element n, or -1 (not an element, or not recorded:
 * never looked into, or outside the records' tree). */
static int el_index(const struct page *pg, const xmlNode *n)
{
    if (!n || n->type != XML_ELEMENT_NODE || !n->_private || !pg->els)
        return -1;
    intptr_t i = (intptr_t)n->_private - 1;
    return i >= 0 && i < pg->n && pg->els[i].node == n ? (int)i : -1;
}

/* Visible length of s (code points, whitespace runs as one) and commas
 * (ASCII, fullwidth, ideographic and Arabic), added to *len and *commas. */
static void measure(const unsigned char *s, long *len, long *commas)
{
    long n = 0, c = 0;
    int sp = 1;
    for (; *s; s++) {
        unsigned char ch = *s;
        if (is_space(ch)) {
            if (!sp)
                n++;
            sp = 1;
            continue;
        }
        if ((ch & 0xC0) == 0x80)
            continue;
        sp = 0;
        n++;
        if (ch == ',' || (ch == 0xEF && s[1] == 0xBC && s[2] == 0x8C) ||
            (ch == 0xE3 && s[1] == 0x80 && s[2] == 0x81) ||
            (ch == 0xD8 && s[1] == 0x8C))
            c++;
    }
    *len += n;
    *commas += c;
}

static int style_hidden(const char *style)
{
    char buf[256];
    size_t k = 0;
    for (const char *p = style; *p && k < sizeof buf - 1; p++)
        if (!is_space((unsigned char)*p))
            buf[k++] = (char)tolower((unsigned char)*p);
    buf[k] = 0;
    return strstr(buf, "display:none") || strstr(buf, "visibility:hidden");
}

/* Whether one of the class names is a CSS framework's "display: none"
 * (and no responsive class shows it again). */
static int class_hidden(const char *cls)
{
    static const char *const HIDDEN[] = {
        "hidden",    "hide",      "dn",
        "d-none",    "is-hidden", "u-hidden",
        "js-hidden", "invisible", "screen-reader-text",
        "offscreen",
    };
    if (!cls)
        return 0;
    int hidden = 0;
    for (const char *p = cls; *p;) {
        while (is_space((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] && !is_space((unsigned char)p[n]))
            n++;
        for (size_t i = 0; i < sizeof HIDDEN / sizeof *HIDDEN; i++)
            if (n == strlen(HIDDEN[i]) && strncasecmp(p, HIDDEN[i], n) == 0)
                hidden = 1;
        /* "d-none d-md-block": shown on wider screens */
        if (n > 6 && (memmem(p, n, "-block", 6) || memmem(p, n, "-flex", 5) ||
                      memmem(p, n, "-inline", 7)))
            return 0;
        p += n;
    }
    return hidden;
}

static const char *const FURNITURE_ROLES[] = {
    "navigation", "complementary", "banner",  "contentinfo",
    "dialog",     "alertdialog",   "menu",    "menubar",
    "search",     "alert",         "toolbar",
};

/* Adds the record of element n under record parent. */
static int el_add(struct page *pg, xmlNode *n, int parent,
                  const struct tag_info *t)
{
    if (pg->n == pg->cap) {
        pg->cap = pg->cap ? pg->cap * 2 : 1024;
        pg->els = mg_realloc(pg->els, (size_t)pg->cap * sizeof *pg->els);
    }
    int i = pg->n++;
    struct el *e = &pg->els[i];
    memset(e, 0, sizeof *e);
    e->node = n;
    e->tag = t;
    e->parent = parent;
    e->last = i;
    const struct el *p = parent >= 0 ? &pg->els[parent] : NULL;
    if (p) {
        e->flags |= p->flags & (F_LINK | F_INCAP | F_TABLE);
        if (t->kind & K_BLOCK)
            pg->els[parent].flags |= F_MIXED;
    }
    if (t->id == T_A)
        e->flags |= F_LINK;
    if (t->id == T_TABLE)
        e->flags |= F_TABLE;
    const char *cls = attr(n, "class"), *id = attr(n, "id");
    unsigned hc = hint_bits(cls), hi = hint_bits(id);
    e->hints = hc | hi;
    e->weight = ((hc & H_NEG) ? -25 : 0) + ((hc & H_POS) ? 25 : 0) +
                ((hi & H_NEG) ? -25 : 0) + ((hi & H_POS) ? 25 : 0);
    const char *ip = attr(n, "itemprop");
    if (ip && strcasecmp(ip, "articleBody") == 0)
        e->sem = 4;
    else if (e->hints & H_BODY)
        e->sem = 3;
    else if (t->id == T_ARTICLE)
        e->sem = 2;
    else if (t->id == T_MAIN)
        e->sem = 1;
    const char *role = attr(n, "role");
    if (role) {
        if (strcasecmp(role, "main") == 0 && !e->sem)
            e->sem = 1;
        for (size_t k = 0; k < sizeof FURNITURE_ROLES / sizeof *FURNITURE_ROLES;
             k++)
            if (strcasecmp(role, FURNITURE_ROLES[k]) == 0)
                e->flags |= F_FURN;
    }
    if (t->kind & K_SOFT)
        e->flags |= F_FURN;
    const char *ah = attr(n, "aria-hidden"), *st = attr(n, "style");
    if (attr(n, "hidden") || (ah && strcasecmp(ah, "true") == 0) ||
        (st && style_hidden(st)) || (e->hints & H_HIDDEN) || class_hidden(cls))
        e->flags |= F_HIDDEN;
    if (t->id == T_FIGCAPTION ||
        ((e->hints & H_CAPTION) && !(t->kind & K_HEAD)))
        e->flags |= F_CAPTION | F_INCAP;
    if (t->id == T_FIGURE)
        e->flags |= F_INCAP;
    return i;
}

/* Records every element under top (top included) and the text directly
 * inside each. */
static void collect(struct page *pg, xmlNode *top)
{
    xmlNode *n = top;
    for (;;) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            const struct tag_info *t = tag_find(n->name);
            int parent = n == top ? -1 : el_index(pg, n->parent);
            if (t->kind & K_DROP) {
                n->_private = NULL;
                if (parent >= 0 && (t->kind & K_EMBED))
                    pg->els[parent].dembed++;
                if (parent >= 0 && t->id == T_INPUT)
                    pg->els[parent].dinput++;
            } else {
                int i = el_add(pg, n, parent, t);
                n->_private = (void *)(intptr_t)(i + 1);
                descend = 1;
            }
        } else if (n->type == XML_TEXT_NODE ||
                   n->type == XML_CDATA_SECTION_NODE) {
            int p = el_index(pg, n->parent);
            if (p >= 0 && n->content) {
                struct el *e = &pg->els[p];
                long len = 0, commas = 0;
                measure(n->content, &len, &commas);
                e->dtext += len;
                e->dcommas += commas;
                if (e->flags & F_LINK)
                    e->dlink += len;
            }
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n == top)
                goto done;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
done:
    for (int i = pg->n - 1; i > 0; i--) {
        struct el *p = &pg->els[pg->els[i].parent];
        if (pg->els[i].last > p->last)
            p->last = pg->els[i].last;
    }
}

/* Computes every record's subtree totals bottom-up, leaving out records
 * marked F_DEAD. */
static void totals(struct page *pg)
{
    for (int i = 0; i < pg->n; i++) {
        struct el *e = &pg->els[i];
        e->text = e->itext = e->dtext;
        e->link = e->ilink = e->dlink;
        e->commas = e->icommas = e->dcommas;
        e->ptext = e->headtext = e->litext = 0;
        e->np = e->nimg = 0;
        e->ninput = e->dinput;
        e->nembed = e->dembed;
        e->flags &= ~(unsigned)F_HASSEM;
        if (e->sem >= 3)
            e->flags |= F_HASSEM;
    }
    for (int i = pg->n - 1; i >= 0; i--) {
        struct el *e = &pg->els[i];
        const struct tag_info *t = e->tag;
        if (t->id == T_P)
            e->np++;
        if (t->id == T_IMG)
            e->nimg++;
        if (t->kind & K_HEAD)
            e->headtext = e->text;
        if (t->id == T_LI)
            e->litext = e->text;
        /* The element's own paragraph. */
        if ((t->kind & K_BLOCK) && !(e->flags & F_INCAP) &&
            e->itext >= PARA_MIN && e->ilink * 2 < e->itext)
            e->ptext += e->itext - e->ilink;
        if (e->parent < 0 || (e->flags & F_DEAD))
            continue;
        struct el *p = &pg->els[e->parent];
        p->text += e->text;
        p->link += e->link;
        p->commas += e->commas;
        p->ptext += e->ptext;
        p->headtext += e->headtext;
        p->litext += e->litext;
        p->np += e->np;
        p->nimg += e->nimg;
        p->ninput += e->ninput;
        p->nembed += e->nembed;
        p->flags |= e->flags & F_HASSEM;
        if (!(t->kind & K_BLOCK)) {
            p->itext += e->itext;
            p->ilink += e->ilink;
            p->icommas += e->icommas;
        }
    }
}

/* Marks page furniture dropped.  unlikely also drops readability's
 * unlikely candidates by class and id.  Needs totals() of the undropped
 * page; leaves the totals stale. */
static void drop_furniture(struct page *pg, int unlikely)
{
    long all = pg->n ? pg->els[0].ptext : 0;
    for (int i = 0; i < pg->n; i++) {
        struct el *e = &pg->els[i];
        e->flags &= ~(unsigned)(F_DROP | F_DEAD);
        if (e->parent >= 0 && (pg->els[e->parent].flags & F_DEAD)) {
            e->flags |= F_DEAD;
            continue;
        }
        if (e->parent < 0)
            continue;
        int drop = 0;
        /* Furniture and hidden parts, unless they hold the article. */
        if ((e->flags & (F_FURN | F_HIDDEN)) && e->ptext * 2 <= all)
            drop = 1;
        if (unlikely && (e->hints & H_UNLIKELY) && !(e->hints & H_MAYBE) &&
            !(e->flags & (F_TABLE | F_HASSEM)) && e->tag->id != T_A &&
            e->tag->id != T_BODY && e->sem < 1)
            drop = 1;
        if (drop)
            e->flags |= F_DROP | F_DEAD;
    }
}

/* ---- choosing the article's container ------------------------------ */

static double link_density(const struct el *e)
{
    return e->text ? (double)e->link / e->text : 0.0;
}

static void score_init(struct el *e)
{
    if (e->flags & F_SCORED)
        return;
    e->flags |= F_SCORED;
    e->score = e->tag->init + e->weight;
}

/* Readability's scoring: every paragraph gives points to its container
 * and, fading, to four more ancestors. */
static void score(struct page *pg)
{
    for (int i = 0; i < pg->n; i++) {
        pg->els[i].flags &= ~(unsigned)F_SCORED;
        pg->els[i].score = 0;
    }
    for (int i = 0; i < pg->n; i++) {
        struct el *e = &pg->els[i];
        if ((e->flags & (F_DEAD | F_INCAP)) || !(e->tag->kind & K_BLOCK) ||
            e->itext < PARA_MIN || e->ilink * 2 >= e->itext)
            continue;
        double pts = 1.0 + (double)e->icommas +
                     (double)(e->itext / 100 > 3 ? 3 : e->itext / 100);
        pts *= 1.0 - (double)e->ilink / e->itext;
        int a = (e->flags & F_MIXED) ? i : e->parent;
        for (int level = 0; a >= 0 && level < 5; level++) {
            struct el *anc = &pg->els[a];
            score_init(anc);
            double div = level == 0 ? 1 : level == 1 ? 2 : level * 3;
            anc->score += pts / div;
            a = anc->parent;
        }
    }
    for (int i = 0; i < pg->n; i++)
        if (pg->els[i].flags & F_SCORED)
            pg->els[i].score *= 1.0 - link_density(&pg->els[i]);
}

/* Whether record anc is record i or one of its ancestors. */
static int is_ancestor(const struct page *pg, int anc, int i)
{
    return anc >= 0 && i >= anc && i <= pg->els[anc].last;
}

/* Non-dropped element children of record i. */
static int live_children(const struct page *pg, int i, int *out, int max)
{
    int k = 0;
    for (xmlNode *c = pg->els[i].node->children; c; c = c->next) {
        int j = el_index(pg, c);
        if (j < 0 || (pg->els[j].flags & F_DEAD))
            continue;
        if (out && k < max)
            out[k] = j;
        k++;
    }
    return k;
}

/* A text snippet of e's first sentence-ending, for readability's sibling
 * test: does e's text hold ". " or end with "."? */
static int has_sentence_end(const struct el *e)
{
    xmlChar *t = xmlNodeGetContent(e->node);
    int yes = 0;
    if (t) {
        char *s = (char *)t;
        size_t n = strlen(s);
        while (n && is_space((unsigned char)s[n - 1]))
            n--;
        yes = (n && s[n - 1] == '.') || strstr(s, ". ") != NULL;
        xmlFree(t);
    }
    return yes;
}

/* The chosen container: up to max records in document order, written to
 * out; returns how many. */
static int choose(struct page *pg, int *out, int max)
{
    enum { NTOP = 5 };
    int top[NTOP];
    int ntop = 0;
    for (int i = 1; i < pg->n; i++) {
        const struct el *e = &pg->els[i];
        if (!(e->flags & F_SCORED) || (e->flags & F_DEAD))
            continue;
        if (ntop < NTOP)
            ntop++;
        else if (pg->els[top[NTOP - 1]].score >= e->score)
            continue;
        int k = ntop - 1;
        top[k] = i;
        while (k > 0 && pg->els[top[k - 1]].score < pg->els[top[k]].score) {
            int t = top[k - 1];
            top[k - 1] = top[k];
            top[k] = t;
            k--;
        }
    }
    int body = 0;
    int best = ntop ? top[0] : body;
    int nsel = 0;
    if (best != body) {
        /* Several near-best candidates under one ancestor: take it. */
        int alts[NTOP], nalt = 0;
        for (int k = 1; k < ntop; k++)
            if (pg->els[top[k]].score >= 0.75 * pg->els[best].score)
                alts[nalt++] = top[k];
        if (nalt >= 3) {
            for (int p = pg->els[best].parent; p > body;
                 p = pg->els[p].parent) {
                int c = 0;
                for (int k = 0; k < nalt; k++)
                    c += is_ancestor(pg, p, alts[k]);
                if (c >= 3) {
                    best = p;
                    break;
                }
            }
        }
        score_init(&pg->els[best]);
        /* Climb while the parent scores better. */
        double last = pg->els[best].score, floor_ = last / 3;
        for (int p = pg->els[best].parent; p > body; p = pg->els[p].parent) {
            const struct el *pe = &pg->els[p];
            if (!(pe->flags & F_SCORED))
                continue;
            if (pe->score < floor_)
                break;
            if (pe->score > last) {
                best = p;
                break;
            }
            last = pe->score;
        }
        /* An only child stands for its parent. */
        while (pg->els[best].parent > body &&
               live_children(pg, pg->els[best].parent, NULL, 0) == 1)
            best = pg->els[best].parent;
    }
    if (best == body) {
        out[nsel++] = body;
    } else {
        /* Siblings that belong with it. */
        const struct el *b = &pg->els[best];
        double threshold = b->score * 0.2 > 10 ? b->score * 0.2 : 10;
        const char *bcls = attr(b->node, "class");
        for (xmlNode *c = pg->els[b->parent].node->children; c && nsel < max;
             c = c->next) {
            int j = el_index(pg, c);
            if (j < 0 || (pg->els[j].flags & F_DEAD))
                continue;
            const struct el *s = &pg->els[j];
            int take = j == best;
            if (!take) {
                double bonus = 0;
                const char *scls = attr(c, "class");
                if (bcls && *bcls && scls && strcmp(bcls, scls) == 0)
                    bonus = b->score * 0.2;
                int is_p = s->tag->id == T_P;
                take =
                    ((s->flags & F_SCORED) && s->score + bonus >= threshold) ||
                    (is_p && s->text > 80 && link_density(s) < 0.25) ||
                    (is_p && s->text < 80 && s->text > 0 && s->link == 0 &&
                     has_sentence_end(s));
            }
            if (take)
                out[nsel++] = j;
        }
    }
    /* A semantic container holding most of the page's paragraph text
     * wins unless the choice lies inside it and holds nearly all of it. */
    long all = pg->els[0].ptext;
    int sem = -1, took_sem = 0;
    for (int i = 1; i < pg->n; i++) {
        const struct el *e = &pg->els[i];
        if (e->sem && !(e->flags & F_DEAD) && e->ptext * 10 >= all * 7 &&
            e->ptext > 0 && (sem < 0 || is_ancestor(pg, sem, i)))
            sem = i;
    }
    if (sem >= 0) {
        int inside = 1;
        long sel = 0;
        for (int k = 0; k < nsel; k++) {
            inside &= is_ancestor(pg, sem, out[k]);
            sel += pg->els[out[k]].ptext;
        }
        if (!inside || sel * 100 < pg->els[sem].ptext * 85) {
            out[0] = sem;
            nsel = 1;
            took_sem = 1;
        }
    }
    /* Parts of a body split up by figures or ads elsewhere in the page:
     * elements with the best candidate's class holding paragraphs. */
    const char *ocls =
        ntop && !took_sem ? attr(pg->els[top[0]].node, "class") : NULL;
    int same = 0;
    for (int i = 1; ocls && *ocls && i < pg->n; i++) {
        const char *c = attr(pg->els[i].node, "class");
        same += c && strcmp(c, ocls) == 0;
    }
    if (ocls && *ocls && same <= 6) {
        for (int i = 1; i < pg->n && nsel < max; i++) {
            const struct el *e = &pg->els[i];
            const char *c;
            if (i == top[0] || (e->flags & F_DEAD) || e->ptext < 200 ||
                link_density(e) > 0.3 || !(c = attr(e->node, "class")) ||
                strcmp(c, ocls) != 0)
                continue;
            int related = 0;
            for (int k = 0; k < nsel && !related; k++)
                related =
                    is_ancestor(pg, out[k], i) || is_ancestor(pg, i, out[k]);
            if (related)
                continue;
            int k = nsel++;
            while (k > 0 && out[k - 1] > i) {
                out[k] = out[k - 1];
                k--;
            }
            out[k] = i;
        }
    }
    /* Widen to an ancestor that adds clean paragraphs (a lede or a
     * summary kept apart from the body's container) and little else. */
    int a = nsel ? pg->els[out[0]].parent : 0;
    for (int level = 0; level < 4 && a > 0; level++, a = pg->els[a].parent) {
        long ptext = 0, text = 0;
        int inside = 1;
        for (int k = 0; k < nsel; k++) {
            inside &= is_ancestor(pg, a, out[k]);
            ptext += pg->els[out[k]].ptext;
            text += pg->els[out[k]].text;
        }
        if (!inside)
            break;
        const struct el *ae = &pg->els[a];
        long gain = ae->ptext - ptext, junk = ae->text - text - gain;
        if (gain >= 50 && gain * 5 <= ptext * 2 && junk * 2 <= gain) {
            out[0] = a;
            nsel = 1;
        } else if (gain > 0 || junk > ptext) {
            break;
        }
    }
    return nsel;
}

/* ---- writing the text out ------------------------------------------- */

struct writer {
    struct buf out;    /* finished paragraphs */
    struct buf para;   /* the paragraph being written */
    long chars, links; /* code points in para, and of them inside links */
    int space;         /* a space is due before the next character */
    int brs;           /* <br>s since the last text */
    int in_link;
    int heading;           /* para is a heading */
    int line;              /* one line: blocks become spaces (captions) */
    const char *title_key; /* folded title, to drop headings repeating it */
};

static void w_text(struct writer *w, const unsigned char *s)
{
    while (*s) {
        unsigned char c = *s;
        if (is_space(c)) {
            w->space = 1;
            s++;
            continue;
        }
        if (c == 0xC2 && s[1] == 0xA0) { /* no-break space */
            w->space = 1;
            s += 2;
            continue;
        }
        if (c == 0xE2 && s[1] == 0x80 &&
            (s[2] == 0x8B || s[2] == 0xA8 || s[2] == 0xA9)) {
            /* zero-width space: nothing; line/paragraph separator: space */
            w->space |= s[2] != 0x8B;
            s += 3;
            continue;
        }
        if (c == 0xEF && s[1] == 0xBB && s[2] == 0xBF) { /* BOM */
            s += 3;
            continue;
        }
        if (w->space && w->para.len) {
            buf_addc(&w->para, ' ');
            w->chars++;
        }
        w->space = 0;
        w->brs = 0;
        size_t k = 1;
        while (s[k] && (s[k] & 0xC0) == 0x80 && k < 4)
            k++;
        buf_add(&w->para, (const char *)s, k);
        w->chars++;
        if (w->in_link)
            w->links++;
        s += k;
    }
}

/* Short lines that are page furniture, not article text: the whole
 * paragraph (ASCII case and final punctuation ignored). */
static const char *const BOILER_LINES[] = {
    "advertisement",
    "advertising",
    "ad",
    "sponsored",
    "related",
    "related articles",
    "related stories",
    "related content",
    "related coverage",
    "related links",
    "read more",
    "more",
    "share",
    "share this",
    "share this article",
    "share this story",
    "comments",
    "loading",
    "continue reading",
    "story continues below",
    "story continues below advertisement",
    "scroll to continue",
    "skip advertisement",
    "recommended",
    "most read",
    "trending",
    "getty images",
    "print",
    "email",
    "facebook",
    "twitter",
    "leia também",
    "leia mais",
    "veja também",
    "baca juga",
    "lesen sie auch",
    "leggi anche",
    "читайте также",
    "реклама",
    "광고",
    "関連記事",
};

/* Beginnings of short paragraphs that are page furniture. */
static const char *const BOILER_STARTS[] = {
    "read more:",
    "related:",
    "read also:",
    "also read:",
    "see also:",
    "more:",
    "also:",
    "sign up for",
    "subscribe to",
    "follow us",
    "follow me on",
    "click here to",
    "image:",
    "photo:",
    "image credit",
    "photo credit",
    "photograph:",
    "(photo",
    "(image",
    "main image",
    "copyright",
    "©",
    "all rights reserved",
    "this article originally appeared",
    "this story originally appeared",
    "don't miss",
    "like us on",
    "you might also like",
    "you may also like",
    "we recommend",
    "recommended:",
    "related video",
    "have a news tip",
    "send us a tip",
    "leia também:",
    "leia mais:",
    "veja também:",
    "baca juga:",
    "lesen sie auch:",
    "leggi anche:",
    "читайте также:",
};

static const char *const MONTHS[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december",
};

/* Whether the letters at p (a word of n letters) name an English month,
 * in full or cut to three letters or more ("Nov", "Sept"). */
static int month_word(const char *p, size_t n)
{
    for (size_t m = 0; m < 12; m++)
        if (n >= 3 && n <= strlen(MONTHS[m]) &&
            strncasecmp(p, MONTHS[m], n) == 0)
            return 1;
    return 0;
}

/* A short line that is only a date stamp or a byline: "Published Nov. 19,
 * 2019, 9:28 AM", "Updated: 2019-11-19", "By Jane Doe -". */
static int stamp_para(const char *p, size_t len)
{
    static const char *const STARTS[] = {
        "published",    "updated",       "posted", "first published",
        "last updated", "last modified", "date:",
    };
    if (len > 90)
        return 0;
    for (size_t i = 0; i < sizeof STARTS / sizeof *STARTS; i++)
        if (starts_with_ci(p, STARTS[i]))
            return 1;
    int words = 1, digits = 0, year = 0, month = 0, clock = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        words += c == ' ';
        digits += isdigit(c) != 0;
        if ((c == '1' || c == '2') && i + 4 <= len &&
            isdigit((unsigned char)p[i + 1]) &&
            isdigit((unsigned char)p[i + 2]) &&
            isdigit((unsigned char)p[i + 3]) &&
            (i + 4 == len || !isdigit((unsigned char)p[i + 4])) &&
            (i == 0 || !isdigit((unsigned char)p[i - 1])))
            year = 1;
        if (c == ':' && i > 0 && isdigit((unsigned char)p[i - 1]) &&
            i + 1 < len && isdigit((unsigned char)p[i + 1]))
            clock = 1;
        if (isalpha(c) && (i == 0 || !isalpha((unsigned char)p[i - 1]))) {
            size_t n = 0;
            while (i + n < len && isalpha((unsigned char)p[i + n]))
                n++;
            month |= month_word(p + i, n);
        }
    }
    if (year && (month || clock) && words <= 8 && digits >= 5)
        return 1;
    if (starts_with_ci(p, "by ") && words <= 6 && !memchr(p, '.', len))
        return 1;
    return 0;
}

/* p is the paragraph, NUL-terminated, len bytes. */
static int boiler_para(const char *p, size_t len)
{
    if (len > 200)
        return 0;
    if (stamp_para(p, len))
        return 1;
    /* p is NUL-terminated */
    if (strcasestr(p, "affiliate commission") ||
        strcasestr(p, "affiliate link") ||
        strcasestr(p, "affiliate and/or referral"))
        return 1;
    if (strcasestr(p, "newsletter") &&
        (strcasestr(p, "sign up") || strcasestr(p, "subscrib") ||
         strcasestr(p, "inbox")))
        return 1;
    /* A short copyright line, wherever the sign stands. */
    if (len < 160 && (memmem(p, len, "\xC2\xA9", 2) ||    /* © */
                      memmem(p, len, "\xE2\x93\x92", 3))) /* ⓒ */
        return 1;
    while (len && strchr(".:!>»|·•", p[len - 1]))
        len--;
    for (size_t i = 0; i < sizeof BOILER_LINES / sizeof *BOILER_LINES; i++) {
        size_t k = strlen(BOILER_LINES[i]);
        if (k == len && strncasecmp(p, BOILER_LINES[i], k) == 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof BOILER_STARTS / sizeof *BOILER_STARTS; i++)
        if (starts_with_ci(p, BOILER_STARTS[i]))
            return 1;
    return 0;
}

/* Ends the paragraph: keeps it unless it is mostly links, a boilerplate
 * line or a heading repeating the title. */
static void w_flush(struct writer *w)
{
    if (w->line) {
        w->space = 1;
        return;
    }
    if (w->para.len) {
        int keep =
            w->links * 2 < w->chars && !boiler_para(w->para.s, w->para.len);
        if (keep && w->heading && w->title_key) {
            char *k = fold_key(w->para.s);
            if (*k && (strstr(w->title_key, k) || strstr(k, w->title_key)))
                keep = 0;
            free(k);
        }
        if (keep) {
            if (w->out.len)
                buf_add(&w->out, "\n\n", 2);
            buf_add(&w->out, w->para.s, w->para.len);
        }
    }
    buf_clear(&w->para);
    w->chars = w->links = w->space = w->brs = w->heading = 0;
}

static void w_br(struct writer *w)
{
    if (!w->line && ++w->brs >= 2)
        w_flush(w);
    else
        w->space = 1;
}

static void w_free(struct writer *w)
{
    buf_free(&w->out);
    buf_free(&w->para);
}

/* Whether the block cleaner drops element e inside a container whose
 * paragraph text is region (readability's conditional cleaning, with
 * the lists' link density added). */
static int junk_block(const struct el *e, long region)
{
    if (!(e->tag->kind & K_CLEAN) || e->commas >= 10)
        return 0;
    if (region > 0 && e->ptext * 10 >= region * 3)
        return 0;
    if (e->weight < 0)
        return 1;
    double ld = link_density(e);
    int list = e->tag->id == T_UL || e->tag->id == T_OL ||
               (e->text && e->litext * 10 > e->text * 9);
    if (e->nimg > 1 && e->np * 2 < e->nimg && !(e->flags & F_INCAP))
        return 1;
    if (e->ninput > e->np / 3)
        return 1;
    if (!list && e->headtext * 10 < e->text * 9 && e->text < PARA_MIN &&
        (e->nimg == 0 || e->nimg > 2))
        return 1;
    if (!list && e->weight < 25 && ld > 0.2)
        return 1;
    if (e->weight >= 25 && ld > 0.5)
        return 1;
    if (list && ld > 0.5)
        return 1;
    if ((e->nembed == 1 && e->text < 75) || e->nembed > 1)
        return 1;
    return 0;
}

struct body_walk {
    struct page *pg;
    struct writer w;
    int top;     /* record of the region's root being written */
    long region; /* paragraph text of the whole region */
};

/* Whether record i, inside the region, is left out of the body. */
static int skip_in_body(struct body_walk *bw, int i)
{
    const struct el *e = &bw->pg->els[i];
    if (e->flags & F_DEAD)
        return 1;
    if (i == bw->top && e->ptext * 2 >= bw->region)
        return 0;
    if (e->flags & F_CAPTION)
        return 1;
    if (e->tag->id == T_FIGURE && e->ptext * 2 < bw->region)
        return 1;
    if (e->hints & H_CREDIT)
        return 1;
    if ((e->hints & H_BOILER) && e->ptext * 2 < bw->region)
        return 1;
    /* Bylines and dates; long ones are author boxes. */
    if ((e->hints & H_BYLINE) && e->ptext * 4 < bw->region)
        return 1;
    return junk_block(e, bw->region);
}

static int body_enter(struct body_walk *bw, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            w_text(&bw->w, n->content);
        return 0;
    }
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    int i = el_index(bw->pg, n);
    if (i < 0 || skip_in_body(bw, i))
        return 0;
    const struct el *e = &bw->pg->els[i];
    const struct tag_info *t = e->tag;
    if (t->id == T_BR) {
        w_br(&bw->w);
    } else if (t->kind & K_CELL) {
        bw->w.space = 1;
    } else if (t->kind & K_BLOCK) {
        w_flush(&bw->w);
        if (t->kind & K_HEAD)
            bw->w.heading = 1;
    }
    if (t->id == T_A)
        bw->w.in_link++;
    return 1;
}

static void body_leave(struct body_walk *bw, xmlNode *n, int entered)
{
    if (!entered || n->type != XML_ELEMENT_NODE)
        return;
    int i = el_index(bw->pg, n);
    if (i < 0)
        return;
    const struct tag_info *t = bw->pg->els[i].tag;
    if (t->kind & K_CELL)
        bw->w.space = 1;
    else if (t->kind & K_BLOCK)
        w_flush(&bw->w);
    if (t->id == T_A && bw->w.in_link > 0)
        bw->w.in_link--;
}

/* Writes the text of the subtree at record top into bw. */
static void write_region(struct body_walk *bw, int top)
{
    bw->top = top;
    xmlNode *root = bw->pg->els[top].node, *n = root;
    for (;;) {
        int entered = body_enter(bw, n);
        if (entered && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            body_leave(bw, n, entered);
            if (n == root) {
                w_flush(&bw->w);
                return;
            }
            entered = 1;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

/* The one-line text of a caption, credits left out; caller frees; NULL
 * when empty. */
static char *caption_text(struct page *pg, int top)
{
    struct writer w = {0};
    w.line = 1;
    xmlNode *root = pg->els[top].node, *n = root;
    for (;;) {
        int entered = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                w_text(&w, n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            int i = el_index(pg, n);
            if (i >= 0 && !(pg->els[i].flags & F_DEAD) &&
                (i == top || !(pg->els[i].hints & H_CREDIT))) {
                entered = 1;
                if (pg->els[i].tag->kind & K_BLOCK ||
                    pg->els[i].tag->id == T_BR)
                    w.space = 1;
            }
        }
        if (entered && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n == root)
                goto done;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (el_index(pg, n) >= 0 &&
                (pg->els[el_index(pg, n)].tag->kind & K_BLOCK))
                w.space = 1;
        }
    }
done:;
    char *s = w.para.len ? mg_strndup(w.para.s, w.para.len) : NULL;
    w_free(&w);
    return s;
}

/* Adds the captions found under record top to caps, each once. */
static void collect_captions(struct page *pg, int top, struct buf *caps)
{
    xmlNode *root = pg->els[top].node, *n = root;
    for (;;) {
        int descend = 0;
        int i = el_index(pg, n);
        if (i >= 0 && !(pg->els[i].flags & F_DEAD)) {
            descend = 1;
            if (pg->els[i].flags & F_CAPTION) {
                descend = 0;
                char *c = caption_text(pg, i);
                if (c && boiler_para(c, strlen(c))) {
                    free(c);
                    c = NULL;
                }
                if (c) {
                    /* once: compare whole lines */
                    int seen = 0;
                    size_t cl = strlen(c);
                    for (const char *p = caps->s; p && *p;) {
                        const char *eol = strchr(p, '\n');
                        size_t l = eol ? (size_t)(eol - p) : strlen(p);
                        if (l == cl && memcmp(p, c, l) == 0)
                            seen = 1;
                        p += l + (eol ? 1 : 0);
                    }
                    if (!seen) {
                        if (caps->len)
                            buf_addc(caps, '\n');
                        buf_add(caps, c, cl);
                    }
                    free(c);
                }
            }
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n == root)
                return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

/* ---- JSON-LD articleBody fallback ----------------------------------- */

/* The JSON-LD articleBody as paragraphs (markup inside it parsed away);
 * caller frees; NULL when empty. */
static char *ld_body_text(const char *s)
{
    struct buf b = {0};
    if (strchr(s, '<')) {
        htmlDocPtr d = htmlReadMemory(
            s, (int)strnlen(s, INT_MAX / 2), NULL, "UTF-8",
            HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
        xmlNode *r = d ? xmlDocGetRootElement(d) : NULL;
        struct page pg = {0};
        if (r)
            collect(&pg, r);
        if (pg.n) {
            totals(&pg);
            struct body_walk bw = {0};
            bw.pg = &pg;
            bw.region = pg.els[0].ptext;
            write_region(&bw, 0);
            buf_adds(&b, bw.w.out.s ? bw.w.out.s : "");
            w_free(&bw.w);
        }
        free(pg.els);
        xmlFreeDoc(d);
    } else {
        /* Lines become paragraphs. */
        struct writer w = {0};
        for (const char *p = s; *p;) {
            size_t l = strcspn(p, "\n");
            char *line = mg_strndup(p, l);
            clean_entities(line);
            w_text(&w, (const unsigned char *)line);
            w_flush(&w);
            free(line);
            p += l + (p[l] ? 1 : 0);
        }
        if (w.out.len)
            buf_add(&b, w.out.s, w.out.len);
        w_free(&w);
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

/* ---- the page -------------------------------------------------------- */

/* The primary language subtag of a language tag ("pt-BR", "en_US"), or
 * NULL when it doesn't look like one. */
static char *primary_lang(const char *tag)
{
    if (!tag)
        return NULL;
    while (is_space((unsigned char)*tag))
        tag++;
    size_t n = 0;
    while (isalpha((unsigned char)tag[n]))
        n++;
    if (n < 2 || n > 3 ||
        (tag[n] && tag[n] != '-' && tag[n] != '_' &&
         !is_space((unsigned char)tag[n])))
        return NULL;
    char *s = mg_strndup(tag, n);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

/* The title without a leading or trailing part naming the site. */
static char *strip_site(const char *title, const char *site, const char *host)
{
    static const char *const SEPS[] = {
        " | ", " - ", " – ", " — ", " :: ", " · ", " » ", " : ", " // "};
    char *hostname = NULL;
    if (host) { /* "cnbc.com" also matches "CNBC" */
        size_t dot = strcspn(host, ".");
        hostname = mg_strndup(host, dot);
    }
    char *res = NULL;
    for (size_t i = 0; i < sizeof SEPS / sizeof *SEPS && !res; i++) {
        size_t sl = strlen(SEPS[i]);
        const char *last = NULL;
        for (const char *p = strstr(title, SEPS[i]); p;
             p = strstr(p + 1, SEPS[i]))
            last = p;
        if (last && last != title) {
            const char *tail = last + sl;
            if (same_name(tail, site) || same_name(tail, host) ||
                same_name(tail, hostname))
                res = mg_strndup(title, (size_t)(last - title));
        }
        const char *first = strstr(title, SEPS[i]);
        if (!res && first && first != title) {
            char *head = mg_strndup(title, (size_t)(first - title));
            if (same_name(head, site) || same_name(head, host) ||
                same_name(head, hostname))
                res = mg_strdup(first + sl);
            free(head);
        }
    }
    free(hostname);
    if (res && !*res) {
        free(res);
        res = NULL;
    }
    return res ? res : mg_strdup(title);
}

/* Fills the article's metadata fields from m. */
static void fill_meta(struct article *a, struct meta *m)
{
    /* url: the first absolute one, else a relative canonical link */
    const char *const urls[] = {m->canonical, m->og_url, m->ld_url};
    for (size_t i = 0; i < sizeof urls / sizeof *urls && !a->url; i++)
        if (is_url(urls[i]))
            a->url = mg_strdup(urls[i]);
    if (!a->url && m->canonical)
        a->url = mg_strdup(m->canonical);
    char *host = mg_url_host(a->url);
    /* source */
    if (m->og_site && is_url(m->og_site))
        a->source = mg_url_host(m->og_site);
    else if (m->og_site)
        a->source = mg_strdup(m->og_site);
    else if (m->ld_publisher)
        a->source = mg_strdup(m->ld_publisher);
    else if (m->ld_org)
        a->source = mg_strdup(m->ld_org);
    else if (host)
        a->source = mg_strdup(host);
    /* title */
    const char *t = m->og_title      ? m->og_title
                    : m->ld_headline ? m->ld_headline
                    : m->tw_title    ? m->tw_title
                                     : m->title;
    if (t)
        a->title = strip_site(t, a->source, host);
    /* date */
    for (size_t i = 0; i < N_DATES && !a->date; i++) {
        if (i == 1 && m->ld_date)
            a->date = mg_strdup(m->ld_date);
        else if (m->dates[i])
            a->date = mg_strdup(m->dates[i]);
    }
    if (!a->date && m->ld_date)
        a->date = mg_strdup(m->ld_date);
    /* byline */
    const char *by = m->ld_author;
    if (!by && m->author && !is_url(m->author) &&
        !same_name(m->author, a->source))
        by = m->author;
    if (!by && m->byl)
        by = m->byl;
    if (!by && m->art_author && !is_url(m->art_author))
        by = m->art_author;
    if (!by && m->parsely_author)
        by = m->parsely_author;
    if (by && starts_with_ci(by, "by "))
        by += 3;
    if (by && *by)
        a->byline = mg_strdup(by);
    /* section */
    const char *sec = m->section      ? m->section
                      : m->ld_section ? m->ld_section
                                      : m->parsely_section;
    if (sec)
        a->section = mg_strdup(sec);
    /* language */
    a->language = primary_lang(m->lang);
    if (!a->language)
        a->language = primary_lang(m->content_lang);
    if (!a->language)
        a->language = primary_lang(m->ld_lang);
    if (!a->language)
        a->language = primary_lang(m->og_locale);
    /* description */
    const char *d = m->og_desc   ? m->og_desc
                    : m->desc    ? m->desc
                    : m->ld_desc ? m->ld_desc
                                 : m->tw_desc;
    if (d)
        a->description = mg_strdup(d);
    free(host);
}

/* The datetime of the first <time datetime> under record top, outside
 * navigation, asides, footers, forms, hidden parts and boilerplate (but
 * inside an article's <header>); borrowed from the tree, or NULL. */
static const char *find_time(const struct page *pg, int top)
{
    xmlNode *root = pg->els[top].node, *n = root;
    for (;;) {
        int descend = 0;
        int i = el_index(pg, n);
        if (i >= 0) {
            const struct el *e = &pg->els[i];
            const char *name = (const char *)n->name;
            descend = !(e->hints & H_BOILER) && !(e->flags & F_HIDDEN) &&
                      strcmp(name, "nav") != 0 && strcmp(name, "aside") != 0 &&
                      strcmp(name, "footer") != 0 && strcmp(name, "form") != 0;
            if (descend && e->tag->id == T_TIME) {
                const char *dt = attr(n, "datetime");
                if (dt && *dt)
                    return dt;
            }
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n == root)
                return NULL;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

/* Finds and writes the body.  Returns the body text (caller frees; NULL
 * when none), adds the captions to caps and sets *time to the first
 * <time datetime> of the article (owned). */
static char *extract_body(struct page *pg, const char *title, struct buf *caps,
                          char **time)
{
    char *title_key = title ? fold_key(title) : NULL;
    char *body = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        for (int i = 0; i < pg->n; i++)
            pg->els[i].flags &= ~(unsigned)(F_DROP | F_DEAD);
        totals(pg);
        drop_furniture(pg, attempt == 0);
        totals(pg);
        score(pg);
        int sel[64];
        int nsel = choose(pg, sel, 64);
        struct body_walk bw = {0};
        bw.pg = pg;
        bw.w.title_key = title_key && *title_key ? title_key : NULL;
        for (int k = 0; k < nsel; k++)
            bw.region += pg->els[sel[k]].ptext;
        for (int k = 0; k < nsel; k++)
            write_region(&bw, sel[k]);
        size_t len = bw.w.out.len;
        if (len && (!body || len > strlen(body))) {
            free(body);
            body = buf_take(&bw.w.out);
            /* Captions and date: from the <article> (or the like)
             * holding the text, else from the container. */
            int scope = nsel > 1 ? pg->els[sel[0]].parent : sel[0];
            for (int p = sel[0]; p > 0; p = pg->els[p].parent)
                if (pg->els[p].sem >= 1) {
                    if (is_ancestor(pg, p, scope))
                        scope = p;
                    break;
                }
            buf_clear(caps);
            collect_captions(pg, scope, caps);
            free(*time);
            *time = mg_strdup(find_time(pg, scope));
        }
        w_free(&bw.w);
        /* Too little text: try again without dropping by class names. */
        if (body && (strlen(body) >= 250 || pg->els[0].ptext < 500))
            break;
    }
    free(title_key);
    return body;
}

int html_parse(const char *path, const char *data, size_t n, struct article *a,
               struct mg_err *err)
{
    if (!path)
        path = "(html)";
    if (!data || n == 0)
        return mg_fail(err, "%s: empty page", path);
    if (n > INT_MAX)
        return mg_fail(err, "%s: page too large to parse (%zu bytes)", path, n);
    hints_init();
    htmlDocPtr doc = htmlReadMemory(
        data, (int)n, NULL, NULL,
        HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
            HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD | XML_PARSE_HUGE);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return mg_fail(err, "%s: not an HTML page (nothing to parse)", path);
    }
    struct meta m = {0};
    meta_read(&m, root);
    fill_meta(a, &m);

    xmlNode *body = root;
    for (xmlNode *c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, "body") == 0)
            body = c;
    struct page pg = {0};
    struct buf caps = {0};
    char *time = NULL;
    collect(&pg, body);
    if (pg.n)
        a->body = extract_body(&pg, a->title, &caps, &time);
    if (m.ld_body) {
        char *ld = ld_body_text(m.ld_body);
        /* The JSON-LD text when the page's own gave next to nothing. */
        if (ld && (!a->body || strlen(a->body) * 3 < strlen(ld))) {
            free(a->body);
            a->body = ld;
            ld = NULL;
        }
        free(ld);
    }
    if (caps.len)
        a->captions = buf_take(&caps);
    buf_free(&caps);
    if (!a->date && time)
        a->date = time;
    else
        free(time);
    free(pg.els);
    xmlFreeDoc(doc);
    meta_free(&m);
    if (!a->body || !*a->body) {
        free(a->body);
        a->body = NULL;
        return mg_fail(err, "%s: no article text found in the page", path);
    }
    return 0;
}
