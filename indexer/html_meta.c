/*
 * html_meta.c - an HTML page's metadata: <title>, <meta>, <link
 * rel=canonical>, <html lang> and JSON-LD, read into an article's title,
 * date, byline, url, source, section, language and description.
 */
#include <ctype.h>
#include <jansson.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "html_int.h"
#include "util.h"

/* A copy of s with whitespace runs collapsed to one space and trimmed;
 * NULL when nothing is left. */
static char *squeeze(const char *s)
{
    if (!s)
        return NULL;
    struct buf b = {0};
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (html_is_space(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) {
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

static int is_url(const char *s)
{
    return s &&
           (html_starts_with_ci(s, "http://") ||
            html_starts_with_ci(s, "https://") || html_starts_with_ci(s, "//"));
}

static int same_name(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    char *ka = html_fold_key(a), *kb = html_fold_key(b);
    int eq = *ka && strcmp(ka, kb) == 0;
    free(ka);
    free(kb);
    return eq;
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
    const char *content = html_attr(n, "content");
    if (!content)
        return;
    const char *equiv = html_attr(n, "http-equiv");
    if (equiv && strcasecmp(equiv, "content-language") == 0)
        set_once(&m->content_lang, content);
    static const char *const ATTRS[] = {"property", "name", "itemprop"};
    for (size_t k = 0; k < sizeof ATTRS / sizeof *ATTRS; k++) {
        const char *p = html_attr(n, ATTRS[k]);
        while (p && *p) {
            while (html_is_space((unsigned char)*p))
                p++;
            size_t len = 0;
            while (p[len] && !html_is_space((unsigned char)p[len]))
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
    const char *lang = html_attr(root, "lang");
    if (!lang)
        lang = html_attr(root, "xml:lang");
    set_once(&m->lang, lang);
    xmlNode *n = root;
    while (n) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            descend = 1;
            if (strcmp(name, "meta") == 0) {
                meta_tag(m, n);
            } else if (strcmp(name, "link") == 0) {
                const char *rel = html_attr(n, "rel");
                if (rel && strcasecmp(rel, "canonical") == 0)
                    set_once(&m->canonical, html_attr(n, "href"));
            } else if (strcmp(name, "title") == 0) {
                if (!m->title &&
                    (parent_is(n, "head") || parent_is(n, "html"))) {
                    xmlChar *t = xmlNodeGetContent(n);
                    m->title = squeeze((const char *)t);
                    xmlFree(t);
                }
                descend = 0;
            } else if (strcmp(name, "script") == 0) {
                const char *type = html_attr(n, "type");
                if (type && html_starts_with_ci(type, "application/ld+json"))
                    ld_script(m, n);
                descend = 0;
            } else if (strcmp(name, "style") == 0 || strcmp(name, "svg") == 0) {
                descend = 0;
            } else {
                const char *ip = html_attr(n, "itemprop");
                if (ip && strcasecmp(ip, "datePublished") == 0) {
                    const char *v = html_attr(n, "datetime");
                    set_once(&m->dates[1], v ? v : html_attr(n, "content"));
                }
            }
        }
        n = html_walk_next(root, n, descend, NULL, NULL);
    }
}

/* ---- the page's fields ---------------------------------------------- */

/* The primary language subtag of a language tag ("pt-BR", "en_US"), or
 * NULL when it doesn't look like one. */
static char *primary_lang(const char *tag)
{
    if (!tag)
        return NULL;
    while (html_is_space((unsigned char)*tag))
        tag++;
    size_t n = 0;
    while (isalpha((unsigned char)tag[n]))
        n++;
    if (n < 2 || n > 3 ||
        (tag[n] && tag[n] != '-' && tag[n] != '_' &&
         !html_is_space((unsigned char)tag[n])))
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
    if (by && html_starts_with_ci(by, "by "))
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

char *html_meta_read(struct article *a, xmlNode *root)
{
    struct meta m = {0};
    meta_read(&m, root);
    fill_meta(a, &m);
    char *ld_body = m.ld_body;
    m.ld_body = NULL;
    meta_free(&m);
    return ld_body;
}
