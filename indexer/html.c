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
 * Every walk over the tree is iterative (html_walk_next), so deep nesting
 * can't overflow the stack.
 *
 * Metadata is read in html_meta.c, steps 1 and 2 are html_body.c's, step
 * 3 and the page as a whole are here; html_int.h is what they share.
 */
#include "html.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "html_int.h"

/* ---- small helpers -------------------------------------------------- */

/* The value of attribute name on element n, borrowed from the tree (valid
 * while the document lives), or NULL. */
const char *html_attr(const xmlNode *n, const char *name)
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

int html_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

int html_starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Lowercased ASCII letters and digits of s, other ASCII dropped and
 * non-ASCII bytes kept: the key two names are compared by. */
char *html_fold_key(const char *s)
{
    struct buf b = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80 || isalnum(*p))
            buf_addc(&b, (char)tolower(*p));
    }
    return buf_take(&b);
}

xmlNode *html_walk_next(xmlNode *root, xmlNode *n, int descend,
                        void (*climbed)(void *ctx, xmlNode *node), void *ctx)
{
    if (descend && n->children)
        return n->children;
    for (;;) {
        if (n == root)
            return NULL;
        if (n->next)
            return n->next;
        n = n->parent;
        if (climbed)
            climbed(ctx, n);
    }
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
        if (html_is_space(c)) {
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
        if (html_starts_with_ci(p, STARTS[i]))
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
    if (html_starts_with_ci(p, "by ") && words <= 6 && !memchr(p, '.', len))
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
        if (html_starts_with_ci(p, BOILER_STARTS[i]))
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
            char *k = html_fold_key(w->para.s);
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
    double ld = html_link_density(e);
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
    int i = html_el_index(bw->pg, n);
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
    int i = html_el_index(bw->pg, n);
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

/* An element whose subtree is written: the element was entered. */
static void body_climbed(void *bw, xmlNode *n)
{
    body_leave(bw, n, 1);
}

/* Writes the text of the subtree at record top into bw. */
static void write_region(struct body_walk *bw, int top)
{
    bw->top = top;
    xmlNode *root = bw->pg->els[top].node;
    for (xmlNode *n = root; n;) {
        int entered = body_enter(bw, n);
        if (!entered || !n->children)
            body_leave(bw, n, entered);
        n = html_walk_next(root, n, entered, body_climbed, bw);
    }
    w_flush(&bw->w);
}

struct caption_walk {
    struct page *pg;
    struct writer w;
};

/* The end of a block inside a caption is a space. */
static void caption_climbed(void *ctx, xmlNode *n)
{
    struct caption_walk *cw = ctx;
    int i = html_el_index(cw->pg, n);
    if (i >= 0 && (cw->pg->els[i].tag->kind & K_BLOCK))
        cw->w.space = 1;
}

/* The one-line text of a caption, credits left out; caller frees; NULL
 * when empty. */
static char *caption_text(struct page *pg, int top)
{
    struct caption_walk cw = {.pg = pg};
    struct writer *w = &cw.w;
    w->line = 1;
    xmlNode *root = pg->els[top].node, *n = root;
    while (n) {
        int entered = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                w_text(w, n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            int i = html_el_index(pg, n);
            if (i >= 0 && !(pg->els[i].flags & F_DEAD) &&
                (i == top || !(pg->els[i].hints & H_CREDIT))) {
                entered = 1;
                if (pg->els[i].tag->kind & K_BLOCK ||
                    pg->els[i].tag->id == T_BR)
                    w->space = 1;
            }
        }
        n = html_walk_next(root, n, entered, caption_climbed, &cw);
    }
    char *s = w->para.len ? mg_strndup(w->para.s, w->para.len) : NULL;
    w_free(w);
    return s;
}

/* Adds the captions found under record top to caps, each once. */
static void collect_captions(struct page *pg, int top, struct buf *caps)
{
    xmlNode *root = pg->els[top].node, *n = root;
    while (n) {
        int descend = 0;
        int i = html_el_index(pg, n);
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
        n = html_walk_next(root, n, descend, NULL, NULL);
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
            html_collect(&pg, r);
        if (pg.n) {
            html_totals(&pg);
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

/* The datetime of the first <time datetime> under record top, outside
 * navigation, asides, footers, forms, hidden parts and boilerplate (but
 * inside an article's <header>); borrowed from the tree, or NULL. */
static const char *find_time(const struct page *pg, int top)
{
    xmlNode *root = pg->els[top].node, *n = root;
    while (n) {
        int descend = 0;
        int i = html_el_index(pg, n);
        if (i >= 0) {
            const struct el *e = &pg->els[i];
            const char *name = (const char *)n->name;
            descend = !(e->hints & H_BOILER) && !(e->flags & F_HIDDEN) &&
                      strcmp(name, "nav") != 0 && strcmp(name, "aside") != 0 &&
                      strcmp(name, "footer") != 0 && strcmp(name, "form") != 0;
            if (descend && e->tag->id == T_TIME) {
                const char *dt = html_attr(n, "datetime");
                if (dt && *dt)
                    return dt;
            }
        }
        n = html_walk_next(root, n, descend, NULL, NULL);
    }
    return NULL;
}

/* Finds and writes the body.  Returns the body text (caller frees; NULL
 * when none), adds the captions to caps and sets *time to the first
 * <time datetime> of the article (owned). */
static char *extract_body(struct page *pg, const char *title, struct buf *caps,
                          char **time)
{
    char *title_key = title ? html_fold_key(title) : NULL;
    char *body = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        int sel[64];
        int nsel = html_choose(pg, attempt == 0, sel, 64);
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
                    if (html_is_ancestor(pg, p, scope))
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
    html_hints_init();
    htmlDocPtr doc = htmlReadMemory(
        data, (int)n, NULL, NULL,
        HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
            HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD | XML_PARSE_HUGE);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return mg_fail(err, "%s: not an HTML page (nothing to parse)", path);
    }
    char *ld_body = html_meta_read(a, root);

    xmlNode *body = root;
    for (xmlNode *c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, "body") == 0)
            body = c;
    struct page pg = {0};
    struct buf caps = {0};
    char *time = NULL;
    html_collect(&pg, body);
    if (pg.n)
        a->body = extract_body(&pg, a->title, &caps, &time);
    if (ld_body) {
        char *ld = ld_body_text(ld_body);
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
    free(ld_body);
    if (!a->body || !*a->body) {
        free(a->body);
        a->body = NULL;
        return mg_fail(err, "%s: no article text found in the page", path);
    }
    return 0;
}
