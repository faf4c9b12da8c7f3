/*
 * nitf.c - NITF XML documents to articles: libxml2 builds the tree (with
 * nothing external loaded), then fields are picked from it by local name.
 * Text is gathered by our own walk, never xmlNodeGetContent()/xmlGetProp(),
 * so that entity references are expanded within a budget.
 */
#include "nitf.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "article.h"

/* No network, no messages on stderr, CDATA as text.  Deliberately
 * without XML_PARSE_NOENT, XML_PARSE_DTDLOAD and XML_PARSE_DTDATTR:
 * external entities and DTDs are then never loaded. */
#define NITF_XML_OPTIONS                                                       \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |               \
     XML_PARSE_NOCDATA)

/* Entity expansion allowed per document: bytes plus references, and
 * nesting. */
#define ENTITY_BUDGET ((size_t)1 << 20)
#define ENTITY_DEPTH 8

struct nitf {
    xmlDoc *doc;
    size_t budget; /* entity expansion left */
};

/* ---- the tree ------------------------------------------------------ */

static int is_el(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

/* The first element named name among from and its next siblings. */
static xmlNode *sibling_el(xmlNode *from, const char *name)
{
    for (xmlNode *n = from; n; n = n->next)
        if (is_el(n, name))
            return n;
    return NULL;
}

/* The first child element of p named name; NULL when p is NULL. */
static xmlNode *child_el(const xmlNode *p, const char *name)
{
    return p ? sibling_el(p->children, name) : NULL;
}

static void add_list(struct nitf *x, struct buf *b, const xmlNode *n, int depth,
                     const char *skip);

/* Appends the text of node n to b: text and CDATA, elements' text (but
 * not of elements named skip; <br/> as a space), internal entities
 * expanded while the budget lasts; external entities give nothing. */
static void add_node(struct nitf *x, struct buf *b, const xmlNode *n, int depth,
                     const char *skip)
{
    switch (n->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE: {
        if (!n->content)
            break;
        size_t k = strlen((const char *)n->content);
        if (depth > 0) { /* inside an entity: charged */
            if (k > x->budget)
                k = x->budget;
            x->budget -= k;
        }
        buf_add(b, (const char *)n->content, k);
        break;
    }
    case XML_ENTITY_REF_NODE: {
        if (x->budget == 0 || depth >= ENTITY_DEPTH)
            break;
        x->budget--;
        xmlEntity *e = xmlGetDocEntity(x->doc, n->name);
        if (!e)
            break;
        if (e->etype == XML_INTERNAL_GENERAL_ENTITY)
            add_list(x, b, e->children, depth + 1, skip);
        else if (e->etype == XML_INTERNAL_PREDEFINED_ENTITY && e->content)
            buf_adds(b, (const char *)e->content);
        break;
    }
    case XML_ELEMENT_NODE:
        if (is_el(n, "br"))
            buf_addc(b, ' ');
        else if (!skip || strcmp((const char *)n->name, skip) != 0)
            add_list(x, b, n->children, depth, skip);
        break;
    default: break;
    }
}

static void add_list(struct nitf *x, struct buf *b, const xmlNode *n, int depth,
                     const char *skip)
{
    for (; n; n = n->next)
        add_node(x, b, n, depth, skip);
}

/* Collapses runs of ASCII whitespace in b to one space and trims it. */
static void collapse(struct buf *b)
{
    if (!b->s)
        return;
    size_t w = 0;
    int space = 0;
    for (size_t r = 0; r < b->len; r++) {
        char c = b->s[r];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            space = w > 0;
            continue;
        }
        if (space)
            b->s[w++] = ' ';
        space = 0;
        b->s[w++] = c;
    }
    b->len = w;
    b->s[w] = 0;
}

/* b's text collapsed, as a new string, and b emptied; NULL when blank. */
static char *take_text(struct buf *b)
{
    collapse(b);
    if (b->len)
        return buf_take(b);
    buf_free(b);
    return NULL;
}

/* The text of element el (collapsed), leaving out elements named skip;
 * NULL when el is NULL or its text is blank. */
static char *el_text(struct nitf *x, const xmlNode *el, const char *skip)
{
    if (!el)
        return NULL;
    struct buf b = {0};
    add_list(x, &b, el->children, 0, skip);
    return take_text(&b);
}

/* The value of el's attribute with local name name (collapsed); NULL when
 * el is NULL or the attribute is absent or blank. */
static char *attr(struct nitf *x, const xmlNode *el, const char *name)
{
    if (!el)
        return NULL;
    for (const xmlAttr *a = el->properties; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0) {
            struct buf b = {0};
            add_list(x, &b, a->children, 0, NULL);
            return take_text(&b);
        }
    return NULL;
}

/* The attribute name of the first element named el under p that has
 * it. */
static char *first_attr(struct nitf *x, const xmlNode *p, const char *el,
                        const char *name)
{
    for (xmlNode *n = child_el(p, el); n; n = sibling_el(n->next, el)) {
        char *v = attr(x, n, name);
        if (v)
            return v;
    }
    return NULL;
}

/* ---- fields -------------------------------------------------------- */

/* Byline: the first non-blank byline's text without its byttl (title)
 * and without a leading "By ". */
static char *byline(struct nitf *x, const xmlNode *bhead)
{
    for (xmlNode *n = child_el(bhead, "byline"); n;
         n = sibling_el(n->next, "byline")) {
        char *s = el_text(x, n, "byttl");
        if (s && strncasecmp(s, "by ", 3) == 0) {
            memmove(s, s + 3, strlen(s + 3) + 1);
            mg_trim(s);
        }
        if (s && *s)
            return s;
        free(s);
    }
    return NULL;
}

/* Dateline place: the location child (its parts joined with ", ") or
 * the text before the first comma, without trailing dashes. */
static char *dateline(struct nitf *x, const xmlNode *dl)
{
    const xmlNode *loc = child_el(dl, "location");
    char *s = NULL;
    if (loc) {
        struct buf b = {0};
        int parts = 0;
        for (const xmlNode *n = loc->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            parts++;
            char *t = el_text(x, n, NULL);
            if (t)
                buf_printf(&b, "%s%s", b.len ? ", " : "", t);
            free(t);
        }
        if (parts)
            s = take_text(&b);
        else
            buf_free(&b);
        if (!parts)
            s = el_text(x, loc, NULL);
    } else {
        s = el_text(x, dl, "story.date");
        if (s) {
            char *comma = strchr(s, ',');
            if (comma)
                *comma = 0;
        }
    }
    if (!s)
        return NULL;
    /* "SEOUL --", "SEOUL \xE2\x80\x94" (an em dash; or an en dash) */
    size_t len = strlen(s);
    for (;;) {
        if (len && (s[len - 1] == '-' || s[len - 1] == ' '))
            len--;
        else if (len >= 3 && memcmp(s + len - 3, "\xE2\x80", 2) == 0 &&
                 (s[len - 1] == '\x93' || s[len - 1] == '\x94'))
            len -= 3;
        else
            break;
    }
    s[len] = 0;
    mg_trim(s);
    if (!*s) {
        free(s);
        return NULL;
    }
    return s;
}

/* Section: <meta name="section" content="..."/>, else the first
 * tobject.subject's type (or matter). */
static char *section(struct nitf *x, const xmlNode *head)
{
    for (xmlNode *m = child_el(head, "meta"); m;
         m = sibling_el(m->next, "meta")) {
        char *name = attr(x, m, "name");
        int is_section = name && strcasecmp(name, "section") == 0;
        free(name);
        if (is_section) {
            char *v = attr(x, m, "content");
            if (v)
                return v;
        }
    }
    const xmlNode *subj =
        child_el(child_el(head, "tobject"), "tobject.subject");
    char *v = attr(x, subj, "tobject.subject.type");
    return v ? v : attr(x, subj, "tobject.subject.matter");
}

/* ---- the body ------------------------------------------------------ */

struct body {
    struct nitf *x;
    struct buf text;     /* paragraphs so far, "\n\n" between */
    struct buf captions; /* one per line */
    struct buf loose;    /* inline content not yet in a paragraph */
};

/* Elements that are a paragraph each. */
static const char *const PARAGRAPHS[] = {"p",   "hl1", "hl2", "hl3",    "li",
                                         "pre", "dt",  "dd",  "credit", NULL};
/* Elements holding paragraphs. */
static const char *const CONTAINERS[] = {"block", "bq", "ul",   "ol",
                                         "dl",    "fn", "note", NULL};
/* Elements whose text is not body text. */
static const char *const SKIPPED[] = {"table",         "nitf-table", "media",
                                      "media-caption", "hr",         NULL};

static int named(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (is_el(n, *names))
            return 1;
    return 0;
}

/* True when n is a block-level element (or holds one). */
static int block_level(const xmlNode *n)
{
    if (named(n, PARAGRAPHS) || named(n, CONTAINERS) || named(n, SKIPPED))
        return 1;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && block_level(c))
            return 1;
    return 0;
}

static void add_paragraph(struct buf *text, struct buf *p)
{
    collapse(p);
    if (p->len) {
        if (text->len)
            buf_adds(text, "\n\n");
        buf_add(text, p->s, p->len);
    }
    buf_clear(p);
}

static void add_caption(struct body *w, const xmlNode *n)
{
    char *c = el_text(w->x, n, NULL);
    if (c)
        buf_printf(&w->captions, "%s%s", w->captions.len ? "\n" : "", c);
    free(c);
}

/* True when a sibling after n is a block class="full_text". */
static int full_text_follows(struct nitf *x, const xmlNode *n)
{
    for (xmlNode *s = sibling_el(n->next, "block"); s;
         s = sibling_el(s->next, "block")) {
        char *cls = attr(x, s, "class");
        int yes = cls && strcmp(cls, "full_text") == 0;
        free(cls);
        if (yes)
            return 1;
    }
    return 0;
}

static void walk(struct body *w, const xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !block_level(n)) {
            add_node(w->x, &w->loose, n, 0, NULL);
            continue;
        }
        add_paragraph(&w->text, &w->loose);
        if (is_el(n, "media")) {
            for (xmlNode *c = child_el(n, "media-caption"); c;
                 c = sibling_el(c->next, "media-caption"))
                add_caption(w, c);
        } else if (is_el(n, "media-caption")) {
            add_caption(w, n);
        } else if (named(n, PARAGRAPHS)) {
            add_list(w->x, &w->loose, n->children, 0, NULL);
            add_paragraph(&w->text, &w->loose);
        } else if (named(n, SKIPPED)) {
            continue;
        } else {
            if (is_el(n, "block")) {
                char *cls = attr(w->x, n, "class");
                int lead = cls && strcmp(cls, "lead_paragraph") == 0;
                free(cls);
                if (lead && full_text_follows(w->x, n))
                    continue;
            }
            walk(w, n->children);
            add_paragraph(&w->text, &w->loose);
        }
    }
}

/* ---- the document -------------------------------------------------- */

/* b's string, or NULL when empty; b is emptied. */
static char *take_or_null(struct buf *b)
{
    if (b->len)
        return buf_take(b);
    buf_free(b);
    return NULL;
}

/* Fills a from the document under root; returns 0, -1 when there is no
 * body text. */
static int read_nitf(struct nitf *x, const xmlNode *root, struct article *a)
{
    xmlNode *head = child_el(root, "head");
    xmlNode *body = child_el(root, "body");
    xmlNode *bhead = child_el(body, "body.head");
    xmlNode *content = child_el(body, "body.content");
    xmlNode *docdata = child_el(head, "docdata");
    xmlNode *hedline = child_el(bhead, "hedline");
    xmlNode *dl = child_el(bhead, "dateline");

    struct body w = {.x = x};
    if (content)
        walk(&w, content->children);
    add_paragraph(&w.text, &w.loose);
    buf_free(&w.loose);
    a->body = take_or_null(&w.text);
    a->captions = take_or_null(&w.captions);
    if (!a->body)
        return -1;

    a->title = el_text(x, child_el(head, "title"), NULL);
    if (!a->title)
        a->title = el_text(x, child_el(hedline, "hl1"), NULL);
    a->description = el_text(x, child_el(hedline, "hl2"), NULL);
    if (!a->description)
        a->description = el_text(x, child_el(bhead, "abstract"), NULL);
    a->byline = byline(x, bhead);
    a->dateline = dl ? dateline(x, dl) : NULL;

    a->date = attr(x, child_el(docdata, "date.issue"), "norm");
    if (!a->date)
        a->date = first_attr(x, head, "pubdata", "date.publication");
    if (!a->date)
        a->date = attr(x, child_el(docdata, "date.release"), "norm");
    if (!a->date)
        a->date = attr(x, child_el(dl, "story.date"), "norm");

    a->uid = attr(x, child_el(docdata, "doc-id"), "id-string");
    a->source = first_attr(x, head, "pubdata", "name");
    if (!a->source)
        a->source = attr(x, child_el(docdata, "doc.copyright"), "holder");
    char *url = first_attr(x, head, "pubdata", "ex-ref");
    if (url && (strncasecmp(url, "http://", 7) == 0 ||
                strncasecmp(url, "https://", 8) == 0))
        a->url = url;
    else
        free(url);
    a->section = section(x, head);
    a->language = attr(x, root, "lang");
    if (!a->language)
        a->language = attr(x, head, "lang");
    if (!a->language)
        a->language = attr(x, body, "lang");
    return 0;
}

/* The first fatal error of a parse (the last one is often only "Premature
 * end of data"), kept by on_xml_error() through ctxt->_private. */
struct first_error {
    int line;
    char msg[300];
};

static void on_xml_error(void *data, xmlError *e)
{
    xmlParserCtxt *ctxt = data;
    struct first_error *f = ctxt ? ctxt->_private : NULL;
    if (f && !f->msg[0] && e && e->level == XML_ERR_FATAL && e->message) {
        f->line = e->line;
        snprintf(f->msg, sizeof f->msg, "%s", e->message);
        mg_trim(f->msg);
    }
}

int nitf_parse(const char *path, const char *uid_base, const char *data,
               size_t n, struct fmt_sink *sink, struct mg_err *err)
{
    if (n > INT_MAX)
        return mg_fail(err, "%s: too large for XML (%zu MB)", path, n >> 20);
    xmlInitParser();
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return mg_fail(err, "%s: out of memory", path);
    /* Whatever libxml2's global defaults say (xmlSubstituteEntitiesDefault,
     * xmlLoadExtDtdDefaultValue, xmlDoValidityCheckingDefaultValue: the
     * context starts from them and the options below only add), this
     * parse substitutes, validates and loads nothing. */
    ctxt->options &= ~(XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR |
                       XML_PARSE_DTDVALID);
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    struct first_error first = {0, ""};
    ctxt->_private = &first;
    ctxt->sax->serror = on_xml_error;
    xmlDoc *doc =
        xmlCtxtReadMemory(ctxt, data, (int)n, NULL, NULL, NITF_XML_OPTIONS);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (!first.msg[0] && e && e->message) {
            first.line = e->line;
            snprintf(first.msg, sizeof first.msg, "%s", e->message);
            mg_trim(first.msg);
        }
        int rc =
            mg_fail(err, "%s: not well-formed XML: line %d: %s", path,
                    first.line, first.msg[0] ? first.msg : "unknown error");
        xmlFreeParserCtxt(ctxt);
        return rc;
    }
    int rc = 1;
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct nitf x = {doc, ENTITY_BUDGET};
    struct article a = {0};
    if (!is_el(root, "nitf")) {
        rc = mg_fail(err, "%s: not NITF: no <nitf> root", path);
    } else if (read_nitf(&x, root, &a) < 0) {
        rc = mg_fail(err, "%s: no body text", path);
    } else {
        if (!a.uid)
            a.uid = mg_strdup(uid_base);
        else
            a.uid_kind = UID_RECORD;
        a.path = mg_strdup(path);
        sink->article(sink->ctx, &a);
    }
    article_clear(&a);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* ---- detection ----------------------------------------------------- */

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* True when the name at s (n bytes) is nitf, with or without a prefix. */
static int nitf_name(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (colon) {
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    return n == 4 && memcmp(s, "nitf", 4) == 0;
}

static size_t name_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && !isspace((unsigned char)s[k]) && s[k] != '>' &&
           s[k] != '/' && s[k] != '[')
        k++;
    return k;
}

int nitf_sniff(const char *head, size_t n)
{
    size_t i = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (;;) {
        while (i < n && isspace((unsigned char)head[i]))
            i++;
        if (i >= n || head[i] != '<')
            return 0;
        const char *s = head + i;
        size_t left = n - i;
        if (starts(s, left, "<?") || starts(s, left, "<!--")) {
            const char *end = starts(s, left, "<?") ? "?>" : "-->";
            const char *e = memmem(s + 2, left - 2, end, strlen(end));
            if (!e)
                return 0;
            i = (size_t)(e - head) + strlen(end);
            continue;
        }
        if (starts(s, left, "<!DOCTYPE")) {
            size_t j = 9;
            while (j < left && isspace((unsigned char)s[j]))
                j++;
            int named_nitf = nitf_name(s + j, name_len(s + j, left - j));
            /* To its end: '>' outside quotes and the internal subset. */
            char quote = 0;
            int subset = 0;
            for (; j < left; j++) {
                char c = s[j];
                if (quote) {
                    if (c == quote)
                        quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '[') {
                    subset = 1;
                } else if (c == ']') {
                    subset = 0;
                } else if (c == '>' && !subset) {
                    break;
                }
            }
            if (j >= left) /* the root is beyond the head */
                return named_nitf;
            i += j + 1;
            continue;
        }
        size_t k = name_len(s + 1, left - 1);
        return k > 0 && k < left - 1 && nitf_name(s + 1, k);
    }
}
