/*
 * qparse.c - recursive-descent parser for the query language (qparse.h).
 *
 *   or   := and (("OR" | "|") and)*
 *   and  := ("AND"? unary)+
 *   unary:= ("-" | "NOT") prim | prim
 *   prim := "(" or ")" | field? ('"' phrase '"' | word "*"?)
 */
#include "qparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const FIELDS[] = {"title", "lede", "body", "captions",
                                     "highlights", NULL};

struct parser {
    struct tok *tok;
    struct qparse_out *out;
    const char *s; /* the query, control characters removed */
    size_t pos;
    int depth;
    int terms;
    struct mg_err *err;
    int failed;
    int complex;   /* a group, a field or a proximity: no relaxing */
    int last_stop; /* the last prim was a stop word */
    int alts;      /* alternatives (ORed) in the last parse_or */
};

/* Words that count for little when a long query is relaxed. */
static const char *const STOP[] = {
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for",
    "from", "had", "has", "have", "he", "her", "his", "i", "in", "into",
    "is", "it", "its", "of", "on", "or", "our", "she", "that", "the",
    "their", "them", "there", "they", "this", "to", "was", "we", "were",
    "what", "when", "which", "who", "will", "with", "would", "you", NULL};

static int is_stop(const char *w, size_t n)
{
    for (int i = 0; STOP[i]; i++)
        if (strlen(STOP[i]) == n && strncasecmp(STOP[i], w, n) == 0)
            return 1;
    return 0;
}

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

static int is_op(const struct parser *p, const char *op)
{
    size_t n = strlen(op);
    return strncmp(p->s + p->pos, op, n) == 0 && word_len(p) == n;
}

/* Appends an FTS5 string for text (n bytes) to b: quoted, stem sigil
 * when stemmed, " *" for a prefix.  Returns 0 when text holds no token. */
static int add_term(struct parser *p, struct buf *b, const char *field,
                    const char *text, size_t n, int exact, int prefix)
{
    if (tok_count(p->tok, text, (int)n) == 0)
        return 0;
    if (++p->terms > QPARSE_MAX_TERMS) {
        if (!p->failed)
            mg_fail(p->err,
                    "query has too many words and phrases (at most %d)",
                    QPARSE_MAX_TERMS);
        p->failed = 1;
        return 0;
    }
    if (field)
        buf_printf(b, "%s : ", field);
    buf_addc(b, '"');
    if (!exact && !prefix)
        buf_addc(b, TOK_QUERY_STEM);
    /* A bare "US" has no mixed-case text around it to tell the tokenizer
     * it is the country; in a query it always is ("us" is the pronoun). */
    if (!exact && n == 2 && memcmp(text, "US", 2) == 0) {
        text = "U.S.";
        n = 4;
    }
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"')
            buf_addc(b, '"');
        buf_addc(b, text[i]);
    }
    buf_addc(b, '"');
    if (prefix)
        buf_adds(b, " *");
    return 1;
}

static char *parse_or(struct parser *p);

/* NEAR("w1" "w2" ..., dist) for the words of text (each matched like a
 * plain word, stems included), optionally in one field.  One word is
 * just that word. */
static void near_group(struct parser *p, struct buf *b, const char *field,
                       const char *text, size_t n, long dist)
{
    struct buf in = {0};
    int words = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && isspace((unsigned char)text[i]))
            i++;
        size_t j = i;
        while (j < n && !isspace((unsigned char)text[j]))
            j++;
        if (j > i) {
            struct buf one = {0};
            if (add_term(p, &one, NULL, text + i, j - i, 0, 0)) {
                if (in.len)
                    buf_addc(&in, ' ');
                buf_adds(&in, one.s);
                words++;
            }
            buf_free(&one);
        }
        i = j;
    }
    if (words == 0) {
        buf_free(&in);
        return;
    }
    if (field)
        buf_printf(b, "%s : ", field);
    if (words == 1)
        buf_adds(b, in.s);
    else
        buf_printf(b, "NEAR(%s, %ld)", in.s, dist);
    buf_free(&in);
}

static const char *const ENTITY_FIELDS[] = {"person", "place", "org", NULL};

/* Fields that filter on stored columns rather than match text. */
static const char *const COLUMN_FIELDS[] = {"source", "section", "byline",
                                            "date", NULL};

static int valid_date(const char *s, size_t n)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD, with a real month and day */
    if (n != 4 && n != 7 && n != 10)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    if (n >= 7) {
        int m = (s[5] - '0') * 10 + (s[6] - '0');
        if (m < 1 || m > 12)
            return 0;
        if (n == 10) {
            static const int DAYS[] = {31, 29, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
            int d = (s[8] - '0') * 10 + (s[9] - '0');
            if (d < 1 || d > DAYS[m - 1])
                return 0;
        }
    }
    return 1;
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
    if ((an && !valid_date(a, an)) || (bn && !valid_date(b, bn)) ||
        (!an && !bn))
        return mg_fail(err,
                       "bad date \"%s\": use YYYY, YYYY-MM or YYYY-MM-DD "
                       "(a real day), or a range FROM..TO (e.g. "
                       "2018-02-01..2018-02-10)",
                       text);
    if (an)
        *lo = mg_strndup(a, an);
    if (bn) {
        *hi = mg_malloc(bn + 2);
        memcpy(*hi, b, bn);
        (*hi)[bn] = 0x7f;
        (*hi)[bn + 1] = 0;
    }
    if (*lo && *hi && strcmp(*lo, *hi) > 0) {
        mg_fail(err, "bad date range \"%s\": it ends before it starts",
                text);
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

/* source:, section:, byline:, date: at pos: records the filter and
 * returns 1; 0 when there is none here. */
static int parse_column(struct parser *p)
{
    const char *s = p->s + p->pos;
    for (int k = 0; COLUMN_FIELDS[k]; k++) {
        size_t n = strlen(COLUMN_FIELDS[k]);
        if (strncasecmp(s, COLUMN_FIELDS[k], n) != 0 || s[n] != ':')
            continue;
        p->pos += n + 1;
        size_t len;
        const char *v = field_value(p, &len);
        if (len == 0) {
            if (!p->failed)
                mg_fail(p->err, "%s: needs a value after it (e.g. %s)",
                        COLUMN_FIELDS[k],
                        k == 0   ? "source:Reuters"
                        : k == 1 ? "section:World"
                        : k == 2 ? "byline:\"Jane Doe\""
                                 : "date:2018-02 or date:2018-02-01..2018-02-10");
            p->failed = 1;
            return 1;
        }
        if (!p->out) {
            p->failed = 1;
            return 1;
        }
        if (k == 3) {
            char *text = mg_strndup(v, len), *lo, *hi;
            if (qdate_range(text, &lo, &hi, p->err) < 0)
                p->failed = 1;
            else
                narrow_dates(&p->out->since, &p->out->until, lo, hi);
            free(text);
            return 1;
        }
        if (p->out->ncolumns >= QPARSE_MAX_FILTERS) {
            if (!p->failed)
                mg_fail(p->err, "at most %d source:, section: and byline: "
                                "filters",
                        QPARSE_MAX_FILTERS);
            p->failed = 1;
            return 1;
        }
        struct qcolumn *c = &p->out->columns[p->out->ncolumns++];
        c->column = COLUMN_FIELDS[k];
        c->value = mg_strndup(v, len);
        return 1;
    }
    return 0;
}

/* person:NAME, place:"Two Words", org:OPEC at pos: records the filter
 * and returns 1; 0 when there is no entity field here. */
static int parse_entity(struct parser *p)
{
    const char *s = p->s + p->pos;
    for (int k = 0; ENTITY_FIELDS[k]; k++) {
        size_t n = strlen(ENTITY_FIELDS[k]);
        if (strncasecmp(s, ENTITY_FIELDS[k], n) != 0 || s[n] != ':')
            continue;
        p->pos += n + 1;
        size_t len;
        const char *v = field_value(p, &len);
        if (len == 0) {
            if (!p->failed)
                mg_fail(p->err, "%s: needs a name after it (e.g. "
                                "%s:\"Kim Yo-jong\")",
                        ENTITY_FIELDS[k], ENTITY_FIELDS[k]);
            p->failed = 1;
            return 1;
        }
        if (!p->out || p->out->nfilters >= QPARSE_MAX_FILTERS) {
            if (!p->failed)
                mg_fail(p->err, "at most %d person:, place: and org: "
                                "filters",
                        QPARSE_MAX_FILTERS);
            p->failed = 1;
            return 1;
        }
        struct qfilter *f = &p->out->filters[p->out->nfilters++];
        f->kind = k == 0 ? ENT_PERSON : k == 1 ? ENT_PLACE : ENT_ORG;
        f->name = mg_strndup(v, len);
        return 1;
    }
    return 0;
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

/* prim: returns an FTS5 expression, or NULL when it holds nothing. */
static char *parse_prim(struct parser *p)
{
    skip_space(p);
    char c = p->s[p->pos];
    if (c == '(') {
        /* a group of one word, "(USA)", is just that word: the query
         * stays plain (relaxable) */
        int was_complex = p->complex, terms = p->terms;
        p->pos++;
        if (++p->depth > QPARSE_MAX_DEPTH) {
            if (!p->failed)
                mg_fail(p->err, "parentheses nested too deep (at most %d)",
                        QPARSE_MAX_DEPTH);
            p->failed = 1;
            return NULL;
        }
        char *e = parse_or(p);
        p->depth--;
        skip_space(p);
        if (p->s[p->pos] == ')')
            p->pos++; /* a missing ')' closes at the end */
        if (!e)
            return NULL;
        if (p->terms != terms + 1 || p->complex != was_complex)
            p->complex = 1;
        if (p->alts == 1) /* parse_or's "(...)" is the group already */
            return e;
        struct buf b = {0};
        buf_printf(&b, "(%s)", e);
        free(e);
        return buf_take(&b);
    }
    p->last_stop = 0;
    if (parse_entity(p) || parse_column(p))
        return NULL;
    const char *field = parse_field(p);
    if (p->failed)
        return NULL;
    if (field)
        p->complex = 1;
    if (field && p->s[p->pos] == '(') { /* title:(a OR b) */
        char *g = parse_prim(p);
        if (!g)
            return NULL;
        struct buf fb = {0};
        buf_printf(&fb, "%s : %s", field, g);
        free(g);
        return buf_take(&fb);
    }
    struct buf b = {0};
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
            near_group(p, &b, field, p->s + start, end - start, dist);
            p->complex = 1;
        } else {
            int prefix = p->s[p->pos] == '*';
            if (prefix)
                p->pos++;
            add_term(p, &b, field, p->s + start, end - start, 1, prefix);
        }
    } else {
        size_t n = word_len(p);
        const char *w = p->s + p->pos;
        p->pos += n;
        int prefix = n > 1 && w[n - 1] == '*';
        p->last_stop = !prefix && is_stop(w, n);
        add_term(p, &b, field, w, prefix ? n - 1 : n, 0, prefix);
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

static int at_end_of_and(struct parser *p)
{
    skip_space(p);
    char c = p->s[p->pos];
    return !c || c == ')' || c == '|' || is_op(p, "OR");
}

/* Keeps a top-level term (an FTS5 string) for the relaxed search. */
static void note_term(struct parser *p, const char *e, int negated)
{
    struct qparse_out *o = p->out;
    if (negated) {
        struct buf b = {0};
        buf_printf(&b, "%s NOT %s", o->negated ? o->negated : "", e);
        free(o->negated);
        o->negated = buf_take(&b);
    } else if (o->nterms < QPARSE_MAX_TERMS) {
        o->stop[o->nterms] = p->last_stop;
        o->terms[o->nterms++] = mg_strdup(e);
    }
}

static char *parse_and(struct parser *p)
{
    struct buf pos = {0}, neg = {0};
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
        if (negated) {
            const char *q = p->s + p->pos;
            for (int k = 0; ENTITY_FIELDS[k]; k++) {
                size_t n = strlen(ENTITY_FIELDS[k]);
                if (strncasecmp(q, ENTITY_FIELDS[k], n) == 0 && q[n] == ':') {
                    if (!p->failed)
                        mg_fail(p->err, "person:, place: and org: filters "
                                        "can't be excluded");
                    p->failed = 1;
                }
            }
            if (p->failed)
                break;
        }
        char *e = parse_prim(p);
        if (!e)
            continue;
        if (p->depth == 0 && p->out)
            note_term(p, e, negated);
        struct buf *b = negated ? &neg : &pos;
        if (negated)
            buf_adds(b, " NOT ");
        else if (b->len)
            buf_adds(b, " AND ");
        buf_adds(b, e);
        free(e);
    }
    if (!pos.len) {
        if (neg.len && !p->failed) {
            mg_fail(p->err, "nothing to search for: a query needs at least "
                            "one word that is not excluded");
            p->failed = 1;
        }
        buf_free(&pos);
        buf_free(&neg);
        return NULL;
    }
    if (neg.len) {
        struct buf b = {0};
        buf_printf(&b, "(%s)%s", pos.s, neg.s);
        buf_free(&pos);
        buf_free(&neg);
        return buf_take(&b);
    }
    buf_free(&neg);
    return buf_take(&pos);
}

static char *parse_or(struct parser *p)
{
    struct buf b = {0};
    int alts = 0;
    for (;;) {
        char *e = parse_and(p);
        if (e) {
            alts++;
            if (b.len)
                buf_adds(&b, " OR ");
            buf_printf(&b, "(%s)", e);
            free(e);
        }
        skip_space(p);
        if (p->failed || !p->s[p->pos] || p->s[p->pos] == ')')
            break;
        p->complex = 1; /* an OR */
        if (p->s[p->pos] == '|')
            p->pos++;
        else if (is_op(p, "OR"))
            p->pos += 2;
    }
    p->alts = alts;
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

int qparse(struct tok *t, const char *query, char **fts, struct mg_err *err)
{
    struct qparse_out out;
    int rc = qparse_full(t, query, 0, &out, err);
    if (rc == 0 && !out.fts)
        rc = mg_fail(err, "nothing to search for: the query has only "
                          "filters");
    *fts = rc == 0 ? out.fts : NULL;
    if (rc == 0)
        out.fts = NULL;
    qparse_out_free(&out);
    return rc;
}

void qparse_out_free(struct qparse_out *out)
{
    if (!out)
        return;
    free(out->fts);
    for (int i = 0; i < out->nfilters; i++)
        free(out->filters[i].name);
    for (int i = 0; i < out->ncolumns; i++)
        free(out->columns[i].value);
    free(out->since);
    free(out->until);
    for (int i = 0; i < out->nterms; i++)
        free(out->terms[i]);
    free(out->negated);
    memset(out, 0, sizeof *out);
}

int qparse_full(struct tok *t, const char *query, int allow_empty,
                struct qparse_out *out, struct mg_err *err)
{
    memset(out, 0, sizeof *out);
    char **fts = &out->fts;
    size_t n = strlen(query);
    if (n > QPARSE_MAX_BYTES)
        return mg_fail(err, "query too long (%zu bytes; at most %d)", n,
                       QPARSE_MAX_BYTES);
    char *clean = mg_malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        clean[k++] = (unsigned char)query[i] < 0x20 ? ' ' : query[i];
    clean[k] = 0;
    struct parser p = {.tok = t, .out = out, .s = clean, .err = err};
    char *e = NULL;
    while (!p.failed && p.s[p.pos]) {
        char *part = parse_or(&p);
        if (part) { /* a stray ')' ends parse_or early: AND the rest on */
            if (e) {
                p.complex = 1;
                struct buf both = {0};
                buf_printf(&both, "%s AND %s", e, part);
                free(e);
                free(part);
                e = buf_take(&both);
            } else {
                e = part;
            }
        }
        skip_space(&p);
        if (p.s[p.pos] == ')')
            p.pos++;
    }
    free(clean);
    if (p.failed) {
        free(e);
        return -1;
    }
    int filters = out->nfilters || out->ncolumns || out->since || out->until;
    if (!e && !filters && !allow_empty)
        return mg_fail(err, "nothing to search for: the query has no words "
                            "(try: morgue-query summit Pyongyang)");
    *fts = e;
    out->simple = !p.complex && out->nterms >= 2;
    return 0;
}
