/*
 * html_body.c - finding an HTML page's article text: a record per element
 * with its text totals (steps 1 and 2 of html.c's outline), page furniture
 * dropped, readability-style scoring and the choice of the article's
 * container.
 */
#include <ctype.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"
#include "util.h"

/* ---- tags ----------------------------------------------------------- */

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

/* ---- class and id hints ---------------------------------------------- */

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
void html_hints_init(void)
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

/* ---- element records ------------------------------------------------ */

/* The record of element n, or -1 (not an element, or not recorded:
 * never looked into, or outside the records' tree). */
int html_el_index(const struct page *pg, const xmlNode *n)
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
        if (html_is_space(ch)) {
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
        if (!html_is_space((unsigned char)*p))
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
        while (html_is_space((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] && !html_is_space((unsigned char)p[n]))
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
    const char *cls = html_attr(n, "class"), *id = html_attr(n, "id");
    unsigned hc = hint_bits(cls), hi = hint_bits(id);
    e->hints = hc | hi;
    e->weight = ((hc & H_NEG) ? -25 : 0) + ((hc & H_POS) ? 25 : 0) +
                ((hi & H_NEG) ? -25 : 0) + ((hi & H_POS) ? 25 : 0);
    const char *ip = html_attr(n, "itemprop");
    if (ip && strcasecmp(ip, "articleBody") == 0)
        e->sem = 4;
    else if (e->hints & H_BODY)
        e->sem = 3;
    else if (t->id == T_ARTICLE)
        e->sem = 2;
    else if (t->id == T_MAIN)
        e->sem = 1;
    const char *role = html_attr(n, "role");
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
    const char *ah = html_attr(n, "aria-hidden"), *st = html_attr(n, "style");
    if (html_attr(n, "hidden") || (ah && strcasecmp(ah, "true") == 0) ||
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
void html_collect(struct page *pg, xmlNode *top)
{
    xmlNode *n = top;
    while (n) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            const struct tag_info *t = tag_find(n->name);
            int parent = n == top ? -1 : html_el_index(pg, n->parent);
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
            int p = html_el_index(pg, n->parent);
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
        n = html_walk_next(top, n, descend, NULL, NULL);
    }
    for (int i = pg->n - 1; i > 0; i--) {
        struct el *p = &pg->els[pg->els[i].parent];
        if (pg->els[i].last > p->last)
            p->last = pg->els[i].last;
    }
}

/* Computes every record's subtree totals bottom-up, leaving out records
 * marked F_DEAD. */
void html_totals(struct page *pg)
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
 * unlikely candidates by class and id.  Needs html_totals() of the undropped
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

double html_link_density(const struct el *e)
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
            pg->els[i].score *= 1.0 - html_link_density(&pg->els[i]);
}

/* Whether record anc is record i or one of its ancestors. */
int html_is_ancestor(const struct page *pg, int anc, int i)
{
    return anc >= 0 && i >= anc && i <= pg->els[anc].last;
}

/* Non-dropped element children of record i. */
static int live_children(const struct page *pg, int i, int *out, int max)
{
    int k = 0;
    for (xmlNode *c = pg->els[i].node->children; c; c = c->next) {
        int j = html_el_index(pg, c);
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
        while (n && html_is_space((unsigned char)s[n - 1]))
            n--;
        yes = (n && s[n - 1] == '.') || strstr(s, ". ") != NULL;
        xmlFree(t);
    }
    return yes;
}

/* How many candidates choose() weighs. */
enum { NTOP = 5 };

/* The best-scoring live records below the top one, best first, written
 * to top (NTOP at most); returns how many. */
static int top_candidates(const struct page *pg, int *top)
{
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
    return ntop;
}

/* The best candidate's record, moved up to the ancestor that holds
 * several near-best candidates, to a better-scoring parent, and from an
 * only child to its parent; 0 (the top record) when nothing scored. */
static int best_candidate(struct page *pg, const int *top, int ntop)
{
    int body = 0;
    int best = ntop ? top[0] : body;
    if (best == body)
        return best;
    /* Several near-best candidates under one ancestor: take it. */
    int alts[NTOP], nalt = 0;
    for (int k = 1; k < ntop; k++)
        if (pg->els[top[k]].score >= 0.75 * pg->els[best].score)
            alts[nalt++] = top[k];
    if (nalt >= 3) {
        for (int p = pg->els[best].parent; p > body; p = pg->els[p].parent) {
            int c = 0;
            for (int k = 0; k < nalt; k++)
                c += html_is_ancestor(pg, p, alts[k]);
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
    return best;
}

/* Record best (not the top one) and the siblings that belong with it,
 * in document order, written to out (max at most); returns how many. */
static int with_siblings(const struct page *pg, int best, int *out, int max)
{
    int nsel = 0;
    const struct el *b = &pg->els[best];
    double threshold = b->score * 0.2 > 10 ? b->score * 0.2 : 10;
    const char *bcls = html_attr(b->node, "class");
    for (xmlNode *c = pg->els[b->parent].node->children; c && nsel < max;
         c = c->next) {
        int j = html_el_index(pg, c);
        if (j < 0 || (pg->els[j].flags & F_DEAD))
            continue;
        const struct el *s = &pg->els[j];
        int take = j == best;
        if (!take) {
            double bonus = 0;
            const char *scls = html_attr(c, "class");
            if (bcls && *bcls && scls && strcmp(bcls, scls) == 0)
                bonus = b->score * 0.2;
            int is_p = s->tag->id == T_P;
            take = ((s->flags & F_SCORED) && s->score + bonus >= threshold) ||
                   (is_p && s->text > 80 && html_link_density(s) < 0.25) ||
                   (is_p && s->text < 80 && s->text > 0 && s->link == 0 &&
                    has_sentence_end(s));
        }
        if (take)
            out[nsel++] = j;
    }
    return nsel;
}

/* A semantic container holding most of the page's paragraph text wins
 * over the nsel records in out unless they lie inside it and hold nearly
 * all of its text: then out holds it alone.  Returns how many records
 * out holds; sets *took when the container replaced them. */
static int prefer_semantic(const struct page *pg, int *out, int nsel, int *took)
{
    long all = pg->els[0].ptext;
    int sem = -1;
    for (int i = 1; i < pg->n; i++) {
        const struct el *e = &pg->els[i];
        if (e->sem && !(e->flags & F_DEAD) && e->ptext * 10 >= all * 7 &&
            e->ptext > 0 && (sem < 0 || html_is_ancestor(pg, sem, i)))
            sem = i;
    }
    if (sem < 0)
        return nsel;
    int inside = 1;
    long sel = 0;
    for (int k = 0; k < nsel; k++) {
        inside &= html_is_ancestor(pg, sem, out[k]);
        sel += pg->els[out[k]].ptext;
    }
    if (!inside || sel * 100 < pg->els[sem].ptext * 85) {
        out[0] = sem;
        *took = 1;
        return 1;
    }
    return nsel;
}

/* Parts of a body split up by figures or ads elsewhere in the page:
 * elements with the class of record cand (the best-scoring
 * candidate) holding
 * paragraphs, added to the nsel records in out in document order (max at
 * most).  Returns how many records out holds. */
static int add_split_parts(const struct page *pg, int cand, int *out, int nsel,
                           int max)
{
    const char *ocls = html_attr(pg->els[cand].node, "class");
    if (!ocls || !*ocls)
        return nsel;
    int same = 0;
    for (int i = 1; i < pg->n; i++) {
        const char *c = html_attr(pg->els[i].node, "class");
        same += c && strcmp(c, ocls) == 0;
    }
    if (same > 6)
        return nsel;
    for (int i = 1; i < pg->n && nsel < max; i++) {
        const struct el *e = &pg->els[i];
        const char *c;
        if (i == cand || (e->flags & F_DEAD) || e->ptext < 200 ||
            html_link_density(e) > 0.3 || !(c = html_attr(e->node, "class")) ||
            strcmp(c, ocls) != 0)
            continue;
        int related = 0;
        for (int k = 0; k < nsel && !related; k++)
            related = html_is_ancestor(pg, out[k], i) ||
                      html_is_ancestor(pg, i, out[k]);
        if (related)
            continue;
        int k = nsel++;
        while (k > 0 && out[k - 1] > i) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = i;
    }
    return nsel;
}

/* Widens the nsel records in out to an ancestor that adds clean
 * paragraphs (a lede or a summary kept apart from the body's container)
 * and little else; returns how many records out holds. */
static int widen(const struct page *pg, int *out, int nsel)
{
    int a = nsel ? pg->els[out[0]].parent : 0;
    for (int level = 0; level < 4 && a > 0; level++, a = pg->els[a].parent) {
        long ptext = 0, text = 0;
        int inside = 1;
        for (int k = 0; k < nsel; k++) {
            inside &= html_is_ancestor(pg, a, out[k]);
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

/* The chosen container of a scored page: up to max records in document
 * order, written to out; returns how many. */
static int choose(struct page *pg, int *out, int max)
{
    int top[NTOP];
    int ntop = top_candidates(pg, top);
    int best = best_candidate(pg, top, ntop);
    int nsel = 0;
    if (best == 0)
        out[nsel++] = 0;
    else
        nsel = with_siblings(pg, best, out, max);
    int took_sem = 0;
    nsel = prefer_semantic(pg, out, nsel, &took_sem);
    if (ntop && !took_sem)
        nsel = add_split_parts(pg, top[0], out, nsel, max);
    return widen(pg, out, nsel);
}

int html_choose(struct page *pg, int unlikely, int *out, int max)
{
    for (int i = 0; i < pg->n; i++)
        pg->els[i].flags &= ~(unsigned)(F_DROP | F_DEAD);
    html_totals(pg);
    drop_furniture(pg, unlikely);
    html_totals(pg);
    score(pg);
    return choose(pg, out, max);
}
