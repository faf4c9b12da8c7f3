/*
 * qparse.c - recursive-descent parser for the query language (qparse.h).
 *
 *   or   := and (("OR" | "|") and)*
 *   and  := ("AND"? unary)+
 *   unary:= ("-" | "NOT") prim | prim
 *   prim := "(" or ")" | field? ('"' phrase '"' ("~" N)? | word "*"?)
 */
#include "qparse.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

static const char *const FIELDS[] = {"title",    "lede",       "body",
                                     "captions", "highlights", NULL};

struct parser {
    struct tok *tok;
    struct qparse_out *out;
    const char *s; /* the query, control characters removed */
    size_t pos;
    int depth;
    int terms; /* words and phrases read */
    struct mg_err *err;
    int failed;
    int caps; /* AND, OR, NOT are words */
};

/* Words that count for little: a relaxed search never widens on them. */
static const char *const STOP[] = {
    "a",    "an",    "and",  "are",  "as",    "at",   "be",    "been", "but",
    "by",   "for",   "from", "had",  "has",   "have", "he",    "her",  "his",
    "i",    "in",    "into", "is",   "it",    "its",  "of",    "on",   "or",
    "our",  "she",   "that", "the",  "their", "them", "there", "they", "this",
    "to",   "was",   "we",   "were", "what",  "when", "which", "who",  "will",
    "with", "would", "you",  NULL};

static int is_stop(const char *w, size_t n)
{
    for (int i = 0; STOP[i]; i++)
        if (strlen(STOP[i]) == n && strncasecmp(STOP[i], w, n) == 0)
            return 1;
    return 0;
}

/* ---- nodes ------------------------------------------------------------ */

static struct qnode *node_new(enum qkind kind)
{
    struct qnode *n = mg_calloc(1, sizeof *n);
    n->kind = kind;
    n->leaf = -1;
    n->at = -1;
    return n;
}

static void node_add(struct qnode *n, struct qnode *kid)
{
    n->kid = mg_realloc(n->kid, sizeof(struct qnode *) * (size_t)(n->nkid + 1));
    n->kid[n->nkid++] = kid;
}

void qnode_free(struct qnode *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nkid; i++)
        qnode_free(n->kid[i]);
    free(n->kid);
    free(n->text);
    free(n);
}

/* Sets the field of every term and proximity group under n. */
static void set_field(struct qnode *n, const char *field)
{
    if (n->kind == QN_TERM || n->kind == QN_NEAR)
        n->field = field;
    for (int i = 0; i < n->nkid; i++)
        set_field(n->kid[i], field);
}

/* ---- lexing ----------------------------------------------------------- */

static void skip_space(struct parser *p)
{
    while (p->s[p->pos] && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* Length of the bare word at pos: up to space, quote or parenthesis. */
static size_t word_len(const struct parser *p)
{
    size_t n = 0;
    const char *s = p->s + p->pos;
    while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '"' &&
           s[n] != '(' && s[n] != ')' && s[n] != '|')
        n++;
    return n;
}

/* An operator word at pos (never in a query of capitals). */
static int is_op(const struct parser *p, const char *op)
{
    size_t n = strlen(op);
    return !p->caps && strncmp(p->s + p->pos, op, n) == 0 && word_len(p) == n;
}

/* Counts one more word or phrase; fails past the limit (the caller then
 * reads the query flat). */
static int count_term(struct parser *p)
{
    if (++p->terms > QPARSE_MAX_TERMS && !p->failed) {
        mg_fail(p->err, "query has too many words and phrases (at most %d)",
                QPARSE_MAX_TERMS);
        p->failed = 2; /* too many: read it flat */
    }
    return !p->failed;
}

/* A term node for text (n bytes), or NULL when it holds no token. */
static struct qnode *term(struct parser *p, const char *text, size_t n,
                          enum qmode mode, int stop)
{
    if (tok_count(p->tok, text, (int)n) == 0)
        return NULL;
    struct qnode *t = node_new(QN_TERM);
    t->text = mg_strndup(text, n);
    t->mode = mode;
    t->stop = stop;
    /* compared as addresses: text may be a buffer of its own */
    uintptr_t q = (uintptr_t)p->s, w = (uintptr_t)text;
    if (w >= q && w + n <= q + strlen(p->s))
        t->at = (int)(w - q);
    return t;
}

/* Whether c starts a letter (ASCII or not); digits and marks are not. */
static int has_letter(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int k = mg_utf8_decode(s, (int)n, (int)i, &cp);
        if (cp >= 0) {
            utf8proc_category_t c = utf8proc_category(cp);
            if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL ||
                c == UTF8PROC_CATEGORY_LT || c == UTF8PROC_CATEGORY_LM ||
                c == UTF8PROC_CATEGORY_LO)
                return 1;
        }
        i += (size_t)k;
    }
    return 0;
}

/* A bare word w (n bytes).  A hyphenated one, of 2 to QPARSE_MAX_HYPHEN
 * parts that each hold one token with a letter ("inter-Korean",
 * "shock-sound", not "F-16" or "1987-88"), matches the phrase of its
 * parts, the parts joined ("interkorean"), or the parts anywhere (which
 * score lower: they lack the phrase's own weight). */
static struct qnode *bare_word(struct parser *p, const char *w, size_t n)
{
    struct qnode *phrase = term(p, w, n, QT_STEM, is_stop(w, n));
    if (!phrase)
        return NULL;
    const char *part[QPARSE_MAX_HYPHEN + 1];
    size_t plen[QPARSE_MAX_HYPHEN + 1];
    int nparts = 0;
    for (size_t i = 0, start = 0; i <= n; i++) {
        if (i < n && w[i] != '-')
            continue;
        if (nparts == QPARSE_MAX_HYPHEN + 1)
            return phrase;
        part[nparts] = w + start;
        plen[nparts++] = i - start;
        start = i + 1;
    }
    if (nparts < 2 || nparts > QPARSE_MAX_HYPHEN)
        return phrase;
    struct buf joined = {0};
    for (int i = 0; i < nparts; i++) {
        if (tok_count(p->tok, part[i], (int)plen[i]) != 1 ||
            !has_letter(part[i], plen[i])) {
            buf_free(&joined);
            return phrase;
        }
        buf_add(&joined, part[i], plen[i]);
    }
    struct qnode *g = node_new(QN_OR);
    g->hyphen = 1;
    node_add(g, phrase);
    struct qnode *j = term(p, joined.s, joined.len, QT_STEM, 0);
    buf_free(&joined);
    struct qnode *apart = node_new(QN_AND);
    for (int i = 0; i < nparts; i++)
        node_add(apart,
                 term(p, part[i], plen[i], QT_STEM, is_stop(part[i], plen[i])));
    if (!j) { /* cannot happen: the parts hold tokens */
        qnode_free(g);
        qnode_free(apart);
        return term(p, w, n, QT_STEM, 0);
    }
    node_add(g, j);
    node_add(g, apart);
    return g;
}

static struct qnode *parse_or(struct parser *p);

/* NEAR of the words of text (each matched like a plain word, stems
 * included); one word is just that word. */
static struct qnode *near_group(struct parser *p, const char *text, size_t n,
                                long dist)
{
    struct qnode *g = node_new(QN_NEAR);
    g->dist = dist;
    for (size_t i = 0; i < n;) {
        while (i < n && isspace((unsigned char)text[i]))
            i++;
        size_t j = i;
        while (j < n && !isspace((unsigned char)text[j]))
            j++;
        if (j > i) {
            struct qnode *t = term(p, text + i, j - i, QT_STEM, 0);
            if (t)
                node_add(g, t);
        }
        i = j;
    }
    if (g->nkid <= 1) {
        struct qnode *one = g->nkid ? g->kid[0] : NULL;
        g->nkid = 0;
        qnode_free(g);
        return one;
    }
    return g;
}

static const char *const ENTITY_FIELDS[] = {"person", "place", "org", NULL};

/* Fields that filter on stored columns rather than match text. */
static const char *const COLUMN_FIELDS[] = {"source", "section", "byline",
                                            "date", NULL};

/* Checks one side of a date range, the n bytes at s: YYYY, YYYY-MM or
 * YYYY-MM-DD, a day that exists.  Returns 0, MG_DATE_FORM, or
 * MG_DATE_NONE with mg_date_check's message in why. */
static int check_date(const char *s, size_t n, struct mg_err *why)
{
    if (n > 10) /* no time of day */
        return MG_DATE_FORM;
    return mg_date_check(s, n, why);
}

int qdate_range(const char *text, char **lo, char **hi, struct mg_err *err)
{
    *lo = *hi = NULL;
    const char *dots = strstr(text, "..");
    size_t n = strlen(text);
    const char *a = text, *b = text;
    size_t an = n, bn = n;
    if (dots) {
        an = (size_t)(dots - text);
        b = dots + 2;
        bn = strlen(b);
    }
    struct mg_err why;
    int rca = an ? check_date(a, an, &why) : 0;
    int rcb = rca == 0 && bn ? check_date(b, bn, &why) : 0;
    if (rca == MG_DATE_FORM || rcb == MG_DATE_FORM || (!an && !bn))
        return mg_fail(err,
                       "bad date \"%s\": use YYYY, YYYY-MM or YYYY-MM-DD "
                       "(a real day), or a range FROM..TO (e.g. "
                       "2018-02-01..2018-02-10)",
                       text);
    /* Well written, but no such day: why says "1987-02-29: no such day
     * (1987 is not a leap year)", naming the date once. */
    if (rca || rcb)
        return mg_fail(err, "bad date \"%s\": %s", text,
                       dots ? why.msg : why.msg + n + 2);
    if (an)
        *lo = mg_strndup(a, an);
    if (bn) {
        *hi = mg_malloc(bn + 2);
        memcpy(*hi, b, bn);
        (*hi)[bn] = 0x7f;
        (*hi)[bn + 1] = 0;
    }
    if (*lo && *hi && strcmp(*lo, *hi) > 0) {
        mg_fail(err, "bad date range \"%s\": it ends before it starts", text);
        free(*lo);
        free(*hi);
        *lo = *hi = NULL;
        return -1;
    }
    return 0;
}

/* Narrows *since and *until to the range lo..hi as well (both kept: the
 * later start, the earlier end); takes lo and hi. */
static void narrow_dates(char **since, char **until, char *lo, char *hi)
{
    if (lo && (!*since || strcmp(lo, *since) > 0)) {
        free(*since);
        *since = lo;
    } else {
        free(lo);
    }
    if (hi && (!*until || strcmp(hi, *until) < 0)) {
        free(*until);
        *until = hi;
    } else {
        free(hi);
    }
}

/* The value after "field:" at pos: a "phrase" or a word; moves past it. */
static const char *field_value(struct parser *p, size_t *len)
{
    const char *v = p->s + p->pos;
    if (*v == '"') {
        const char *e = strchr(v + 1, '"');
        *len = e ? (size_t)(e - v - 1) : strlen(v + 1);
        p->pos += *len + 1 + (e ? 1 : 0);
        return v + 1;
    }
    *len = word_len(p);
    p->pos += *len;
    return v;
}

/* One of names followed by ':' at pos: its index, with pos moved past the
 * value, which goes to *v and *len; -1 (pos unchanged) when there is
 * none.  An empty value fails with an example. */
static int named_value(struct parser *p, const char *const *names,
                       const char *const *examples, const char **v, size_t *len)
{
    const char *s = p->s + p->pos;
    for (int k = 0; names[k]; k++) {
        size_t n = strlen(names[k]);
        if (strncasecmp(s, names[k], n) != 0 || s[n] != ':')
            continue;
        p->pos += n + 1;
        *v = field_value(p, len);
        if (*len == 0 && !p->failed) {
            mg_fail(p->err, "%s: needs a value after it (e.g. %s)", names[k],
                    examples[k]);
            p->failed = 1;
        }
        return k;
    }
    return -1;
}

/* A filter field at pos, tried in this order: person:NAME,
 * place:"Two Words", org:OPEC (entities), then source:, section:,
 * byline:, date: (stored columns).  Records the filter and returns 1; 0
 * when there is none here. */
static int parse_filter(struct parser *p)
{
    static const char *const ENTITY_EXAMPLES[] = {"person:\"Kim Yo-jong\"",
                                                  "place:Seoul", "org:OPEC"};
    static const char *const COLUMN_EXAMPLES[] = {
        "source:Reuters", "section:World", "byline:\"Jane Doe\"",
        "date:2018-02 or date:2018-02-01..2018-02-10"};
    const char *v;
    size_t len;
    int entity = 1;
    int k = named_value(p, ENTITY_FIELDS, ENTITY_EXAMPLES, &v, &len);
    if (k < 0) {
        entity = 0;
        k = named_value(p, COLUMN_FIELDS, COLUMN_EXAMPLES, &v, &len);
    }
    if (k < 0)
        return 0;
    if (p->failed)
        return 1;
    if (!entity && k == 3) { /* date: */
        char *text = mg_strndup(v, len), *lo, *hi;
        if (qdate_range(text, &lo, &hi, p->err) < 0)
            p->failed = 1;
        else
            narrow_dates(&p->out->since, &p->out->until, lo, hi);
        free(text);
        return 1;
    }
    int *n = entity ? &p->out->nfilters : &p->out->ncolumns;
    if (*n >= QPARSE_MAX_FILTERS) {
        mg_fail(p->err, "at most %d %s filters", QPARSE_MAX_FILTERS,
                entity ? "person:, place: and org:"
                       : "source:, section: and byline:");
        p->failed = 1;
        return 1;
    }
    if (entity) {
        struct qfilter *f = &p->out->filters[(*n)++];
        f->kind = k == 0 ? ENT_PERSON : k == 1 ? ENT_PLACE : ENT_ORG;
        f->name = mg_strndup(v, len);
    } else {
        struct qcolumn *c = &p->out->columns[(*n)++];
        c->column = COLUMN_FIELDS[k];
        c->value = mg_strndup(v, len);
    }
    return 1;
}

/* A field name followed by ':' at pos: returns the field and moves past
 * the colon; NULL (pos unchanged) when there is none.  An unknown name
 * with something after the colon is an error. */
static const char *parse_field(struct parser *p)
{
    const char *s = p->s + p->pos;
    size_t n = 0;
    while (isalpha((unsigned char)s[n]))
        n++;
    if (n == 0 || s[n] != ':')
        return NULL;
    for (int i = 0; FIELDS[i]; i++) {
        if (strlen(FIELDS[i]) == n && strncasecmp(s, FIELDS[i], n) == 0) {
            p->pos += n + 1;
            char next = p->s[p->pos];
            if (!next || isspace((unsigned char)next) || next == ')') {
                if (!p->failed)
                    mg_fail(p->err,
                            "%s: needs a word or \"phrase\" after it "
                            "(e.g. %s:summit)",
                            FIELDS[i], FIELDS[i]);
                p->failed = 1;
            }
            return FIELDS[i];
        }
    }
    char next = s[n + 1];
    if (next && !isspace((unsigned char)next)) {
        if (!p->failed)
            mg_fail(p->err,
                    "unknown field \"%.*s:\" (fields: title: lede: body: "
                    "captions: highlights: byline: source: section: date: "
                    "person: place: org:)",
                    (int)n, s);
        p->failed = 1;
    }
    return NULL;
}

/* prim: a node, or NULL when it holds nothing. */
static struct qnode *parse_prim(struct parser *p)
{
    skip_space(p);
    if (p->s[p->pos] == '(') {
        p->pos++;
        if (++p->depth > QPARSE_MAX_DEPTH) {
            if (!p->failed)
                mg_fail(p->err, "parentheses nested too deep (at most %d)",
                        QPARSE_MAX_DEPTH);
            p->failed = 1;
            return NULL;
        }
        struct qnode *e = parse_or(p);
        p->depth--;
        skip_space(p);
        if (p->s[p->pos] == ')')
            p->pos++; /* a missing ')' closes at the end */
        return e;
    }
    if (parse_filter(p))
        return NULL;
    const char *field = parse_field(p);
    if (p->failed)
        return NULL;
    if (field && p->s[p->pos] == '(') { /* title:(a OR b) */
        struct qnode *g = parse_prim(p);
        if (g)
            set_field(g, field);
        return g;
    }
    struct qnode *n = NULL;
    if (p->s[p->pos] == '"') {
        size_t start = ++p->pos;
        while (p->s[p->pos] && p->s[p->pos] != '"')
            p->pos++;
        size_t end = p->pos;
        if (p->s[p->pos] == '"')
            p->pos++; /* an unclosed quote runs to the end */
        if (p->s[p->pos] == '~' && isdigit((unsigned char)p->s[p->pos + 1])) {
            /* "summit Pyongyang"~5: the words within 5 of each other */
            p->pos++;
            long dist = 0;
            while (isdigit((unsigned char)p->s[p->pos]))
                dist = dist < 100000 ? dist * 10 + (p->s[p->pos++] - '0')
                                     : (p->pos++, dist);
            n = near_group(p, p->s + start, end - start, dist);
        } else {
            /* "oil pric*" or "oil pric"*: its last word a prefix */
            size_t in = end;
            while (in > start && isspace((unsigned char)p->s[in - 1]))
                in--;
            int prefix = p->s[p->pos] == '*';
            if (prefix)
                p->pos++;
            if (in > start + 1 && p->s[in - 1] == '*') {
                prefix = 1;
                end = in - 1;
            }
            n = term(p, p->s + start, end - start,
                     prefix ? QT_PREFIX : QT_EXACT, 0);
        }
    } else {
        size_t len = word_len(p);
        const char *w = p->s + p->pos;
        p->pos += len;
        int prefix = len > 1 && w[len - 1] == '*';
        n = prefix ? term(p, w, len - 1, QT_PREFIX, 0) : bare_word(p, w, len);
    }
    if (n && !count_term(p)) {
        qnode_free(n);
        return NULL;
    }
    if (n && field)
        set_field(n, field);
    return n;
}

static int at_end_of_and(struct parser *p)
{
    skip_space(p);
    char c = p->s[p->pos];
    return !c || c == ')' || c == '|' || is_op(p, "OR");
}

/* Whether the query at pos excludes an entity filter (-person:Kim). */
static int excluded_entity(const struct parser *p)
{
    const char *q = p->s + p->pos;
    for (int k = 0; ENTITY_FIELDS[k]; k++) {
        size_t n = strlen(ENTITY_FIELDS[k]);
        if (strncasecmp(q, ENTITY_FIELDS[k], n) == 0 && q[n] == ':')
            return 1;
    }
    return 0;
}

/* An AND of its positive parts, NOT its exclusions: the node, or NULL
 * when it holds no positive part. */
static struct qnode *parse_and(struct parser *p)
{
    struct qnode *pos = node_new(QN_AND), *neg = node_new(QN_OR);
    while (!p->failed && !at_end_of_and(p)) {
        if (is_op(p, "AND")) {
            p->pos += 3;
            continue;
        }
        int negated = 0;
        if (is_op(p, "NOT")) {
            p->pos += 3;
            negated = 1;
        } else if (p->s[p->pos] == '-' && p->s[p->pos + 1] &&
                   !isspace((unsigned char)p->s[p->pos + 1])) {
            p->pos++;
            negated = 1;
        }
        if (negated && at_end_of_and(p))
            break;
        if (negated && excluded_entity(p)) {
            mg_fail(p->err, "person:, place: and org: filters can't be "
                            "excluded");
            p->failed = 1;
            break;
        }
        struct qnode *e = parse_prim(p);
        if (e)
            node_add(negated ? neg : pos, e);
    }
    if (!pos->nkid) {
        if (neg->nkid && !p->failed) {
            mg_fail(p->err, "nothing to search for: a query needs at least "
                            "one word that is not excluded");
            p->failed = 1;
        }
        qnode_free(pos);
        qnode_free(neg);
        return NULL;
    }
    struct qnode *r = pos;
    if (pos->nkid == 1) {
        r = pos->kid[0];
        pos->nkid = 0;
        qnode_free(pos);
    }
    if (!neg->nkid) {
        qnode_free(neg);
        return r;
    }
    struct qnode *n = node_new(QN_NOT);
    node_add(n, r);
    for (int i = 0; i < neg->nkid; i++)
        node_add(n, neg->kid[i]);
    neg->nkid = 0;
    qnode_free(neg);
    return n;
}

static struct qnode *parse_or(struct parser *p)
{
    struct qnode *alts = node_new(QN_OR);
    for (;;) {
        struct qnode *e = parse_and(p);
        if (e)
            node_add(alts, e);
        skip_space(p);
        if (p->failed || !p->s[p->pos] || p->s[p->pos] == ')')
            break;
        if (p->s[p->pos] == '|')
            p->pos++;
        else if (is_op(p, "OR"))
            p->pos += 2;
    }
    if (alts->nkid <= 1) {
        struct qnode *one = alts->nkid ? alts->kid[0] : NULL;
        alts->nkid = 0;
        qnode_free(alts);
        return one;
    }
    return alts;
}

/* The query read as a plain list (too many words for its operators to
 * matter): every word and "phrase" a unit; its filters (person:,
 * source:, date: ...) still apply. */
static void parse_flat(struct parser *p)
{
    struct qparse_out *o = p->out;
    while (p->s[p->pos] && !p->failed) {
        skip_space(p);
        if (parse_filter(p))
            continue;
        const char *s = p->s + p->pos;
        size_t n;
        struct qnode *t = NULL;
        if (*s == '"') {
            const char *e = strchr(s + 1, '"');
            n = e ? (size_t)(e - s - 1) : strlen(s + 1);
            t = term(p, s + 1, n, QT_EXACT, 0);
            p->pos += n + 1 + (e ? 1 : 0);
        } else if (*s) {
            n = 0;
            while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '"')
                n++;
            t = bare_word(p, s, n);
            p->pos += n;
        }
        if (t) {
            o->unit = mg_realloc(o->unit, sizeof(struct qnode *) *
                                              (size_t)(o->nunit + 1));
            o->unit[o->nunit++] = t;
        }
    }
}

static int all_capitals(const char *s);

static int count_terms(const struct qnode *n)
{
    int c = n->kind == QN_TERM;
    for (int i = 0; i < n->nkid; i++)
        c += count_terms(n->kid[i]);
    return c;
}

/* Clears out and returns a copy of query with its control characters
 * made spaces (caller frees), or NULL with a message when too long. */
static char *query_text(const char *query, struct qparse_out *out,
                        struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(query);
    if (n > QPARSE_MAX_BYTES) {
        mg_fail(err, "query too long (%zu bytes; at most %d)", n,
                QPARSE_MAX_BYTES);
        return NULL;
    }
    char *s = mg_malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        s[i] = i < n && (unsigned char)query[i] < 0x20 ? ' ' : query[i];
    return s;
}

/* Whether the k bytes at w are one of names (a list ending in NULL),
 * ASCII case ignored. */
static int one_of(const char *const *names, const char *w, size_t k)
{
    for (int f = 0; names[f]; f++)
        if (strlen(names[f]) == k && strncasecmp(w, names[f], k) == 0)
            return 1;
    return 0;
}

/* Adds node to out's units, or to its exclusions when neg. */
static void add_unit(struct qparse_out *out, struct qnode *node, int neg)
{
    struct qnode ***list = neg ? &out->neg : &out->unit;
    int *count = neg ? &out->nneg : &out->nunit;
    *list = mg_realloc(*list, sizeof(struct qnode *) * (size_t)(*count + 1));
    (*list)[(*count)++] = node;
}

int qparse_words(struct tok *t, const char *query, struct qparse_out *out,
                 struct mg_err *err)
{
    char *s = query_text(query, out, err);
    if (!s)
        return -1;
    struct parser p = {.tok = t, .out = out, .s = s, .err = err};
    p.caps = out->caps = all_capitals(s);
    int negate = 0;
    for (size_t i = 0; s[i];) {
        if (isspace((unsigned char)s[i]) || s[i] == '"' || s[i] == '(' ||
            s[i] == ')' || s[i] == '|') {
            i++;
            continue;
        }
        if (s[i] == '~' && i > 0 && s[i - 1] == '"') {
            /* a phrase's "~N": its distance, not a word */
            for (i++; isdigit((unsigned char)s[i]); i++)
                ;
            continue;
        }
        p.pos = i;
        size_t n = word_len(&p);
        const char *w = s + i;
        i += n;
        if (!p.caps && ((n == 2 && memcmp(w, "OR", 2) == 0) ||
                        (n == 3 && memcmp(w, "AND", 3) == 0)))
            continue;
        if (!p.caps && n == 3 && memcmp(w, "NOT", 3) == 0) {
            negate = 1;
            continue;
        }
        int neg = negate;
        negate = 0;
        if (w[0] == '-' && n > 1) {
            neg = 1;
            w++, n--;
        }
        /* field:value: a filter is left to the query's own parse (its
         * value too, quoted or not); a text field is just its word */
        size_t k = 0;
        while (k < n && isalpha((unsigned char)w[k]))
            k++;
        if (k > 0 && k < n && w[k] == ':') {
            if (one_of(ENTITY_FIELDS, w, k) || one_of(COLUMN_FIELDS, w, k)) {
                if (k + 1 == n && s[i] == '"') { /* a quoted value */
                    const char *e = strchr(s + i + 1, '"');
                    i = e ? (size_t)(e - s) + 1 : strlen(s);
                }
                continue;
            }
            if (one_of(FIELDS, w, k)) {
                w += k + 1;
                n -= k + 1;
            }
        }
        struct qnode *node = n > 1 && w[n - 1] == '*'
                                 ? term(&p, w, n - 1, QT_PREFIX, 0)
                                 : bare_word(&p, w, n);
        if (node)
            add_unit(out, node, neg);
    }
    free(s);
    for (int i = 0; i < out->nunit; i++)
        out->terms += count_terms(out->unit[i]);
    out->flat = 1;
    return 0;
}

static struct qnode *qnode_copy(const struct qnode *n)
{
    struct qnode *c = node_new(n->kind);
    c->text = mg_strdup(n->text);
    c->mode = n->mode;
    c->stop = n->stop;
    c->as_typed = n->as_typed;
    c->field = n->field;
    c->dist = n->dist;
    c->hyphen = n->hyphen;
    c->at = n->at;
    for (int i = 0; i < n->nkid; i++)
        node_add(c, qnode_copy(n->kid[i]));
    return c;
}

/* Appends to out a copy of n as a stop unit (adding to the score of the
 * articles holding it, never widening a relaxed search). */
static struct qnode *add_bonus(struct qparse_out *out, const struct qnode *n)
{
    struct qnode *c = qnode_copy(n);
    c->stop = 1;
    c->field = NULL;
    out->unit = mg_realloc(out->unit,
                           sizeof(struct qnode *) * (size_t)(out->nunit + 1));
    out->unit[out->nunit++] = c;
    out->terms++;
    return c;
}

/* Adds to out copies of the quoted phrases (of two words or more) under
 * n, as stop units. */
static void add_phrases(struct qparse_out *out, const struct qnode *n)
{
    if (n->kind == QN_TERM && n->mode == QT_EXACT && n->text &&
        strchr(n->text, ' ')) {
        add_bonus(out, n);
        return;
    }
    int upto = n->kind == QN_NOT ? 1 : n->nkid;
    for (int i = 0; i < upto; i++)
        add_phrases(out, n->kid[i]);
}

void qparse_add_phrases(struct qparse_out *words, const struct qparse_out *q)
{
    for (int i = 0; i < q->nunit; i++)
        add_phrases(words, q->unit[i]);
    /* each word again as typed: an exact copy, adding to the articles
     * that hold that form (not only another form of the word) */
    int n = words->nunit;
    for (int i = 0; i < n; i++) {
        const struct qnode *w = words->unit[i];
        if (w->kind != QN_TERM || w->mode != QT_STEM || w->stop || !w->text)
            continue;
        struct qnode *c = add_bonus(words, w);
        c->mode = QT_EXACT;
        c->as_typed = 1;
    }
}

/* Whether the query has letters and all of them are capitals. */
static int all_capitals(const char *s)
{
    int upper = 0;
    int len = (int)strlen(s);
    for (int i = 0; i < len;) {
        int32_t cp;
        i += mg_utf8_decode(s, len, i, &cp);
        if (cp < 0)
            continue;
        utf8proc_category_t c = utf8proc_category(cp);
        if (c == UTF8PROC_CATEGORY_LL)
            return 0;
        upper += c == UTF8PROC_CATEGORY_LU;
    }
    return upper > 0;
}

/* Splits the parsed tree into the top-level units and exclusions. */
static void take_units(struct qparse_out *o, struct qnode *e)
{
    if (!e)
        return;
    struct qnode *pos = e;
    if (e->kind == QN_NOT) {
        pos = e->kid[0];
        o->neg = mg_malloc(sizeof(struct qnode *) * (size_t)(e->nkid - 1));
        for (int i = 1; i < e->nkid; i++)
            o->neg[o->nneg++] = e->kid[i];
        e->nkid = 0;
        qnode_free(e);
    }
    if (pos->kind == QN_AND) {
        o->unit = mg_malloc(sizeof(struct qnode *) * (size_t)pos->nkid);
        for (int i = 0; i < pos->nkid; i++)
            o->unit[o->nunit++] = pos->kid[i];
        pos->nkid = 0;
        qnode_free(pos);
    } else {
        o->unit = mg_malloc(sizeof(struct qnode *));
        o->unit[o->nunit++] = pos;
    }
}

int qparse_full(struct tok *t, const char *query, int allow_empty,
                struct qparse_out *out, struct mg_err *err)
{
    char *clean = query_text(query, out, err);
    if (!clean)
        return -1;
    struct parser p = {.tok = t, .out = out, .s = clean, .err = err};
    p.caps = out->caps = all_capitals(clean);
    struct qnode *e = NULL;
    while (!p.failed && p.s[p.pos]) {
        struct qnode *part = parse_or(&p);
        if (part) { /* a stray ')' ends parse_or early: AND the rest on */
            if (e) {
                if (e->kind != QN_AND) {
                    struct qnode *a = node_new(QN_AND);
                    node_add(a, e);
                    e = a;
                }
                node_add(e, part);
            } else {
                e = part;
            }
        }
        skip_space(&p);
        if (p.s[p.pos] == ')')
            p.pos++;
    }
    if (p.failed == 2) { /* too many words for their operators: flat */
        qnode_free(e);
        e = NULL;
        int caps = out->caps;
        qparse_out_free(out);
        out->caps = caps;
        out->flat = 1;
        err->msg[0] = 0;
        p = (struct parser){.tok = t, .out = out, .s = clean, .err = err};
        parse_flat(&p);
    }
    free(clean);
    if (p.failed) {
        qnode_free(e);
        return -1;
    }
    take_units(out, e);
    for (int i = 0; i < out->nunit; i++)
        out->terms += count_terms(out->unit[i]);
    int filters = out->nfilters || out->ncolumns || out->since || out->until;
    if (!out->nunit && !filters && !allow_empty)
        return mg_fail(err, "nothing to search for: the query has no words "
                            "(e.g. summit Pyongyang)");
    return 0;
}

void qparse_out_free(struct qparse_out *out)
{
    if (!out)
        return;
    for (int i = 0; i < out->nunit; i++)
        qnode_free(out->unit[i]);
    free(out->unit);
    for (int i = 0; i < out->nneg; i++)
        qnode_free(out->neg[i]);
    free(out->neg);
    for (int i = 0; i < out->nfilters; i++)
        free(out->filters[i].name);
    for (int i = 0; i < out->ncolumns; i++)
        free(out->columns[i].value);
    free(out->since);
    free(out->until);
    memset(out, 0, sizeof *out);
}

/* ---- FTS5 forms --------------------------------------------------------- */

int qnode_needs_parens(const struct qnode *n, enum qkind parent)
{
    if (n->kind == QN_TERM || n->kind == QN_NEAR)
        return 0;
    if (parent == QN_OR)
        return n->kind == QN_OR;
    return 1;
}

void qnode_fts(const struct qnode *n, qterm_fn term_fn, void *ctx,
               struct buf *out)
{
    switch (n->kind) {
    case QN_TERM: term_fn(ctx, n, out); return;
    case QN_NEAR:
        if (n->field)
            buf_printf(out, "%s : ", n->field);
        buf_adds(out, "NEAR(");
        for (int i = 0; i < n->nkid; i++) {
            if (i)
                buf_addc(out, ' ');
            /* the members are plain phrases: the group has the field */
            struct qnode m = *n->kid[i];
            m.field = NULL;
            term_fn(ctx, &m, out);
        }
        buf_printf(out, ", %ld)", n->dist);
        return;
    default: break;
    }
    static const char *const OP[] = {"", " AND ", " OR ", " NOT ", ""};
    for (int i = 0; i < n->nkid; i++) {
        if (i)
            buf_adds(out, OP[n->kind]);
        int par = qnode_needs_parens(n->kid[i], n->kind);
        if (par)
            buf_addc(out, '(');
        qnode_fts(n->kid[i], term_fn, ctx, out);
        if (par)
            buf_addc(out, ')');
    }
}

char *qparse_fts(const struct qparse_out *q, qterm_fn term_fn, void *ctx)
{
    if (!q->nunit)
        return NULL;
    struct buf b = {0};
    int par = q->nneg > 0 && (q->nunit > 1 || q->unit[0]->kind != QN_TERM);
    if (par)
        buf_addc(&b, '(');
    for (int i = 0; i < q->nunit; i++) {
        if (i)
            buf_adds(&b, " AND ");
        int p = qnode_needs_parens(q->unit[i], QN_AND);
        if (p)
            buf_addc(&b, '(');
        qnode_fts(q->unit[i], term_fn, ctx, &b);
        if (p)
            buf_addc(&b, ')');
    }
    if (par)
        buf_addc(&b, ')');
    for (int i = 0; i < q->nneg; i++) {
        buf_adds(&b, " NOT ");
        int p = qnode_needs_parens(q->neg[i], QN_NOT);
        if (p)
            buf_addc(&b, '(');
        qnode_fts(q->neg[i], term_fn, ctx, &b);
        if (p)
            buf_addc(&b, ')');
    }
    return buf_take(&b);
}

void qterm_plain(void *ctx, const struct qnode *t, struct buf *out)
{
    (void)ctx;
    if (t->field)
        buf_printf(out, "%s : ", t->field);
    buf_addc(out, '"');
    if (t->mode == QT_STEM)
        buf_addc(out, TOK_QUERY_STEM);
    const char *text = t->text;
    size_t n = strlen(text);
    /* A bare "US" has no mixed-case text around it to tell the tokenizer
     * it is the country; in a query it always is ("us" is the pronoun). */
    if (t->mode == QT_STEM && strcmp(text, "US") == 0) {
        text = "U.S.";
        n = 4;
    }
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"')
            buf_addc(out, '"');
        buf_addc(out, text[i]);
    }
    buf_addc(out, '"');
    if (t->mode == QT_PREFIX)
        buf_adds(out, " *");
}

int qparse(struct tok *t, const char *query, char **fts, struct mg_err *err)
{
    struct qparse_out out;
    int rc = qparse_full(t, query, 0, &out, err);
    *fts = NULL;
    if (rc == 0 && !out.nunit)
        rc = mg_fail(err, "nothing to search for: the query has only "
                          "filters");
    if (rc == 0)
        *fts = qparse_fts(&out, qterm_plain, NULL);
    qparse_out_free(&out);
    return rc;
}
