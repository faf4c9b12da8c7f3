/*
 * html_int.h - what the parts of the HTML reader share: html.c (the
 * entry point, the tree walk and writing the text out), html_body.c (the
 * element records and choosing the article's container) and html_meta.c
 * (the page's metadata).  Not for use outside indexer/html*.c; the
 * public interface is html.h.
 */
#ifndef MORGUE_HTML_INT_H
#define MORGUE_HTML_INT_H

#include <libxml/tree.h>

#include "article.h"

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

/* ---- interface to html.c -------------------------------------------- */

/* The value of attribute name on element n, borrowed from the tree (valid
 * while the document lives), or NULL. */
const char *html_attr(const xmlNode *n, const char *name);

/* Whether c is ASCII whitespace. */
int html_is_space(unsigned char c);

/* Whether s starts with prefix, ASCII case ignored. */
int html_starts_with_ci(const char *s, const char *prefix);

/* Lowercased ASCII letters and digits of s, other ASCII dropped and
 * non-ASCII bytes kept: the key two names are compared by.  Caller frees;
 * never NULL. */
char *html_fold_key(const char *s);

/* The node after n in a walk of the subtree at root in document order:
 * n's first child when descend is set, else the next sibling of n or of
 * its nearest ancestor that has one, never leaving root's subtree; NULL
 * when the walk is over.  Each ancestor of n climbed back up to (its
 * subtree walked; root last, when the walk ends) is passed to climbed
 * (ctx, node) when climbed is not NULL.  Iterative: deep trees can't
 * overflow the stack. */
xmlNode *html_walk_next(xmlNode *root, xmlNode *n, int descend,
                        void (*climbed)(void *ctx, xmlNode *node), void *ctx);

/* ---- interface to html_body.c --------------------------------------- */

/* Builds the index of class and id hints once; the table is constant, so
 * a race between threads writes the same values.  Can't fail. */
void html_hints_init(void);

/* The record of element n, or -1 (not an element, or not recorded:
 * never looked into, or outside the records' tree). */
int html_el_index(const struct page *pg, const xmlNode *n);

/* Records every element under top (top included) and the text directly
 * inside each, in pg (zero-initialised; the caller frees pg->els).  Marks
 * each recorded node through its _private field. */
void html_collect(struct page *pg, xmlNode *top);

/* Computes every record's subtree totals bottom-up, leaving out records
 * marked F_DEAD. */
void html_totals(struct page *pg);

/* Chooses the article's container in pg: drops page furniture (unlikely:
 * also readability's unlikely candidates by class and id), scores what is
 * left and writes up to max records in document order to out; returns
 * how many (at least one: the top record when nothing scores).  Leaves
 * the totals and flags of that choice in pg. */
int html_choose(struct page *pg, int unlikely, int *out, int max);

/* The share of e's text inside links, 0 when it has none. */
double html_link_density(const struct el *e);

/* Whether record anc is record i or one of its ancestors. */
int html_is_ancestor(const struct page *pg, int anc, int i);

/* ---- interface to html_meta.c --------------------------------------- */

/* Reads the page's metadata from the whole tree at root into a's title,
 * date, byline, url, source, section, language and description (each
 * only where the page has it).  Returns the JSON-LD articleBody, raw
 * (caller frees), or NULL. */
char *html_meta_read(struct article *a, xmlNode *root);

#endif
