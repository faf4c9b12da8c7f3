/*
 * csv.c - the CSV reader: RFC 4180 records read from a stream, a byte at
 * a time from a 64 KB chunk, their fields mapped to article fields by the
 * header's names.
 */
#include "csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"

/* ---- column names -------------------------------------------------- */

enum csv_field {
    F_TITLE,
    F_BODY,
    F_DATE,
    F_URL,
    F_SOURCE,
    F_BYLINE,
    F_HIGHLIGHTS,
    F_UID,
    F_SECTION,
    F_LANGUAGE,
    F_DESCRIPTION,
    F_COUNT
};

/* Header names of each field, in order of preference. */
#define MAX_NAMES 12
static const char *const COLUMN_NAMES[F_COUNT][MAX_NAMES] = {
    [F_TITLE] = {"title", "headline"},
    [F_BODY] = {"text", "article", "body", "content", "story"},
    [F_DATE] = {"date", "published", "publish_date", "pubdate", "datetime",
                "date_published", "datepublished", "published_at",
                "publication_date", "pub_date"},
    [F_URL] = {"url", "link"},
    [F_SOURCE] = {"source", "publication", "site"},
    [F_BYLINE] = {"author", "authors", "byline"},
    [F_HIGHLIGHTS] = {"highlights", "summary", "abstract"},
    [F_UID] = {"id", "uid", "guid"},
    [F_SECTION] = {"section", "category"},
    [F_LANGUAGE] = {"language", "lang"},
    [F_DESCRIPTION] = {"description"},
};

/* What a header name maps to: field * MAX_NAMES + its rank among the
 * field's names; -1 when it is none of them. */
static int column_name(const char *raw)
{
    char *s = mg_lower_ascii(raw);
    mg_trim(s);
    for (char *p = s; *p; p++)
        if (*p == ' ' || *p == '-')
            *p = '_';
    int found = -1;
    for (int f = 0; f < F_COUNT && found < 0; f++)
        for (int i = 0; i < MAX_NAMES && COLUMN_NAMES[f][i]; i++)
            if (strcmp(s, COLUMN_NAMES[f][i]) == 0) {
                found = f * MAX_NAMES + i;
                break;
            }
    free(s);
    return found;
}

/* ---- separator ----------------------------------------------------- */

/* The separator of the header line at s (n bytes): ',' when it has one
 * outside quotes, else the more frequent of ';' and TAB; ',' when it has
 * none of them. */
static char detect_sep(const char *s, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && (s[i] == '\n' || s[i] == '\r'))
            break;
        else if (!quoted && s[i] == ',')
            comma++;
        else if (!quoted && s[i] == ';')
            semi++;
        else if (!quoted && s[i] == '\t')
            tab++;
    }
    if (comma)
        return ',';
    if (semi || tab)
        return semi >= tab ? ';' : '\t';
    return ',';
}

static size_t bom_len(const char *s, size_t n)
{
    return n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* ---- the record reader --------------------------------------------- */

enum rec {
    REC_ERROR = -1,   /* read error or oversized field: err set */
    REC_OK,           /* a record */
    REC_BLANK,        /* an empty line */
    REC_UNTERMINATED, /* a quote still open at the end of the file */
    REC_END,          /* no more records */
};

struct csv {
    struct input *in;
    const char *path;
    struct mg_err *err;
    char sep;
    long line;      /* physical line of the next byte, 1-based */
    long rec_line;  /* line where the last record started */
    struct buf rec; /* the kept fields of the record, each NUL-terminated */
    size_t *start;  /* offset in rec of kept field i */
    size_t keep;    /* fields kept at most (the rest are only counted) */
    size_t nfields; /* fields in the record */
    size_t flen;    /* bytes in the current field */
    size_t pos, len;
    int eof;
    char chunk[65536];
};

/* Makes sure chunk holds an unread byte: 1, 0 at the end, -1 on error. */
static int fill(struct csv *c)
{
    if (c->pos < c->len)
        return 1;
    if (c->eof)
        return 0;
    long r = input_read(c->in, c->chunk, sizeof c->chunk, c->err);
    if (r < 0)
        return -1;
    c->pos = 0;
    c->len = (size_t)r;
    if (r == 0)
        c->eof = 1;
    return r > 0;
}

/* The next byte (0..255), -1 at the end, -2 on a read error. */
static int next_byte(struct csv *c)
{
    int f = fill(c);
    if (f <= 0)
        return f == 0 ? -1 : -2;
    return (unsigned char)c->chunk[c->pos++];
}

/* The next byte without consuming it; as next_byte(). */
static int peek_byte(struct csv *c)
{
    int f = fill(c);
    if (f <= 0)
        return f == 0 ? -1 : -2;
    return (unsigned char)c->chunk[c->pos];
}

static void field_begin(struct csv *c)
{
    if (c->nfields < c->keep)
        c->start[c->nfields] = c->rec.len;
    c->flen = 0;
}

/* Adds a byte to the current field; -1 (err set) when the field grows
 * past CSV_FIELD_MAX.  NUL bytes are dropped. */
static int field_add(struct csv *c, int ch)
{
    if (++c->flen > CSV_FIELD_MAX)
        return mg_fail(c->err,
                       "%s:%ld: CSV field larger than %zu MB (a quote left "
                       "open?)",
                       c->path, c->rec_line, CSV_FIELD_MAX >> 20);
    if (ch && c->nfields < c->keep)
        buf_addc(&c->rec, (char)ch);
    return 0;
}

static void field_end(struct csv *c)
{
    if (c->nfields < c->keep)
        buf_addc(&c->rec, '\0');
    c->nfields++;
}

/* Field i of the record just read (i < keep and < nfields). */
static const char *field(const struct csv *c, size_t i)
{
    return c->rec.s + c->start[i];
}

/* Consumes the rest of a line end whose first byte ch was read. */
static int line_end(struct csv *c, int ch)
{
    c->line++;
    if (ch == '\r') {
        int nx = peek_byte(c);
        if (nx == -2)
            return -1;
        if (nx == '\n')
            c->pos++;
    }
    return 0;
}

/* Reads the next record into c->rec / c->start / c->nfields. */
static enum rec read_record(struct csv *c)
{
    buf_clear(&c->rec);
    c->nfields = 0;
    c->rec_line = c->line;
    int ch = next_byte(c);
    if (ch == -2)
        return REC_ERROR;
    if (ch == -1)
        return REC_END;
    if (ch == '\n' || ch == '\r')
        return line_end(c, ch) < 0 ? REC_ERROR : REC_BLANK;
    for (;;) {
        field_begin(c);
        size_t blanks = 0;
        while (ch == ' ') {
            if (field_add(c, ch) < 0)
                return REC_ERROR;
            blanks++;
            ch = next_byte(c);
        }
        if (ch == '"') {
            /* Quoted: the blanks before it are not part of the field. */
            if (c->nfields < c->keep)
                c->rec.len -= blanks;
            c->flen -= blanks;
            for (;;) {
                ch = next_byte(c);
                if (ch == -2)
                    return REC_ERROR;
                if (ch == -1)
                    return REC_UNTERMINATED;
                if (ch == '"') {
                    ch = next_byte(c);
                    if (ch != '"')
                        break; /* the closing quote */
                } else if (ch == '\r' || ch == '\n') {
                    if (line_end(c, ch) < 0)
                        return REC_ERROR;
                    ch = '\n';
                }
                if (field_add(c, ch) < 0)
                    return REC_ERROR;
            }
        }
        /* Unquoted, or what follows a closing quote. */
        while (ch >= 0 && ch != c->sep && ch != '\n' && ch != '\r') {
            if (field_add(c, ch) < 0)
                return REC_ERROR;
            ch = next_byte(c);
        }
        if (ch == -2)
            return REC_ERROR;
        field_end(c);
        if (ch == c->sep) {
            ch = next_byte(c);
            continue;
        }
        if (ch >= 0 && line_end(c, ch) < 0)
            return REC_ERROR;
        return REC_OK;
    }
}

/* ---- records to articles ------------------------------------------- */

/* A copy of s, NULL when it is only whitespace. */
static char *non_blank(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!isspace((unsigned char)*p))
            return mg_strdup(s);
    return NULL;
}

static void warn(struct fmt_sink *sink, const char *path, long line,
                 const char *reason)
{
    struct buf b = {0};
    buf_printf(&b, "%s:%ld: %s", path, line, reason);
    sink->warn(sink->ctx, b.s);
    buf_free(&b);
}

/* The columns that feed each field, in order of preference: order[from[f]
 * .. from[f + 1]). */
struct csv_map {
    size_t *order;
    size_t from[F_COUNT + 1];
};

/* Builds the map from the header in c; fails (err set) when no column
 * holds a title or a body. */
static int map_header(struct csv *c, struct csv_map *m)
{
    size_t ncols = c->nfields;
    int *name = mg_malloc(ncols * sizeof *name);
    for (size_t j = 0; j < ncols; j++)
        name[j] = column_name(field(c, j));
    m->order = mg_malloc((ncols ? ncols : 1) * sizeof *m->order);
    size_t k = 0;
    for (int f = 0; f < F_COUNT; f++) {
        m->from[f] = k;
        for (int i = 0; i < MAX_NAMES; i++)
            for (size_t j = 0; j < ncols; j++)
                if (name[j] == f * MAX_NAMES + i)
                    m->order[k++] = j;
    }
    m->from[F_COUNT] = k;
    free(name);
    if (m->from[F_TITLE + 1] > m->from[F_TITLE] ||
        m->from[F_BODY + 1] > m->from[F_BODY])
        return 0;
    struct buf cols = {0};
    for (size_t j = 0; j < ncols && cols.len < 300; j++)
        buf_printf(&cols, "%s%s", j ? ", " : "", field(c, j));
    if (cols.len >= 300)
        buf_adds(&cols, ", ...");
    mg_fail(c->err, "%s: CSV header has no title or text column (columns: %s)",
            c->path, cols.s ? cols.s : "");
    buf_free(&cols);
    free(m->order);
    m->order = NULL;
    return -1;
}

/* The first non-blank value of field f in the record, copied; NULL when
 * none. */
static char *value(const struct csv *c, const struct csv_map *m,
                   enum csv_field f)
{
    for (size_t k = m->from[f]; k < m->from[f + 1]; k++) {
        char *v = non_blank(field(c, m->order[k]));
        if (v)
            return v;
    }
    return NULL;
}

/* Turns the record in c into an article for the sink.  Returns 1 when
 * given (*stop set when the sink said stop), 0 when skipped. */
static int record_article(struct csv *c, const struct csv_map *m,
                          const char *uid_base, long recno,
                          struct fmt_sink *sink, int *stop)
{
    struct article a = {0};
    a.title = value(c, m, F_TITLE);
    a.body = value(c, m, F_BODY);
    if (!a.title && !a.body) {
        warn(sink, c->path, c->rec_line, "no title or text");
        return 0;
    }
    a.uid = value(c, m, F_UID);
    if (a.uid) {
        mg_trim(a.uid);
        a.uid_kind = UID_RECORD;
    } else {
        struct buf b = {0};
        buf_printf(&b, "%s#%ld", uid_base, recno);
        a.uid = buf_take(&b);
    }
    a.date = value(c, m, F_DATE);
    a.url = value(c, m, F_URL);
    a.source = value(c, m, F_SOURCE);
    a.byline = value(c, m, F_BYLINE);
    a.highlights = value(c, m, F_HIGHLIGHTS);
    a.section = value(c, m, F_SECTION);
    a.language = value(c, m, F_LANGUAGE);
    a.description = value(c, m, F_DESCRIPTION);
    a.path = mg_strdup(c->path);
    if (sink->article(sink->ctx, &a))
        *stop = 1;
    article_clear(&a);
    return 1;
}

/* Reads the header (skipping blank lines before it) and maps it. */
static int read_header(struct csv *c, struct csv_map *m)
{
    enum rec r;
    c->keep = CSV_COLUMNS_MAX + 1;
    c->start = mg_malloc(c->keep * sizeof *c->start);
    do
        r = read_record(c);
    while (r == REC_BLANK);
    if (r == REC_ERROR)
        return -1;
    if (r == REC_END)
        return mg_fail(c->err, "%s: empty CSV file (no header line)", c->path);
    if (r == REC_UNTERMINATED)
        return mg_fail(c->err, "%s:%ld: CSV header has a quote left open",
                       c->path, c->rec_line);
    if (c->nfields > CSV_COLUMNS_MAX)
        return mg_fail(c->err, "%s:%ld: CSV header has more than %d columns",
                       c->path, c->rec_line, CSV_COLUMNS_MAX);
    if (map_header(c, m) < 0)
        return -1;
    c->keep = c->nfields;
    return 0;
}

int csv_parse(struct input *in, const char *uid_base, struct fmt_sink *sink,
              struct mg_err *err)
{
    struct csv *c = mg_calloc(1, sizeof *c);
    c->in = in;
    c->path = input_path(in);
    c->err = err;
    c->line = 1;
    size_t nhead;
    const char *head = input_head(in, &nhead);
    size_t bom = bom_len(head, nhead);
    c->sep = detect_sep(head + bom, nhead - bom);
    /* Skip the BOM: the first read gives the whole head. */
    if (bom && fill(c) > 0 && c->len >= bom &&
        memcmp(c->chunk, "\xEF\xBB\xBF", bom) == 0)
        c->pos = bom;

    struct csv_map m = {0};
    int count = -1;
    if (read_header(c, &m) == 0) {
        size_t ncols = c->keep;
        long recno = 0;
        int stop = 0;
        count = 0;
        while (!stop) {
            enum rec r = read_record(c);
            if (r == REC_ERROR) {
                count = -1;
                break;
            }
            if (r == REC_END)
                break;
            if (r == REC_BLANK)
                continue;
            recno++;
            if (r == REC_UNTERMINATED) {
                warn(sink, c->path, c->rec_line,
                     "quoted field not closed at the end of the file");
                break;
            }
            if (c->nfields != ncols) {
                struct buf b = {0};
                buf_printf(&b, "%zu fields, the header has %zu", c->nfields,
                           ncols);
                warn(sink, c->path, c->rec_line, b.s);
                buf_free(&b);
                continue;
            }
            count += record_article(c, &m, uid_base, recno, sink, &stop);
        }
    }
    free(m.order);
    free(c->start);
    buf_free(&c->rec);
    free(c);
    return count;
}

/* ---- detection ----------------------------------------------------- */

/* True when s (n bytes, quotes included) is a short column name. */
static int short_name(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    if (n > 64)
        return 0;
    int words = n > 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' && i > 0 && s[i - 1] != ' ')
            words++;
        else if (!isalnum(ch) && ch != '_' && ch != '-' && ch != ' ' &&
                 ch < 0x80)
            return 0;
    }
    return words <= 4;
}

/* Counts the fields of the record at s (n bytes) separated by sep;
 * *used gets the bytes it takes (with its line end), *whole whether it
 * ended inside the n bytes. */
static size_t count_fields(const char *s, size_t n, char sep, size_t *used,
                           int *whole)
{
    size_t fields = 1, i = 0;
    int quoted = 0;
    *whole = 0;
    for (; i < n; i++) {
        if (s[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && s[i] == sep) {
            fields++;
        } else if (!quoted && (s[i] == '\n' || s[i] == '\r')) {
            *whole = 1;
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
            break;
        }
    }
    *used = i;
    return fields;
}

int csv_sniff(const char *head, size_t n)
{
    size_t i = bom_len(head, n);
    char sep = detect_sep(head + i, n - i);
    size_t hend = i;
    while (hend < n && head[hend] != '\n' && head[hend] != '\r')
        hend++;
    /* The header: 2..200 short names. */
    size_t names = 0, nonempty = 0, from = i;
    for (size_t j = i; j <= hend; j++) {
        if (j < hend && head[j] != sep)
            continue;
        if (!short_name(head + from, j - from))
            return 0;
        names++;
        for (size_t k = from; k < j; k++)
            if (isalnum((unsigned char)head[k]) ||
                (unsigned char)head[k] >= 0x80)
                nonempty = 1;
        from = j + 1;
    }
    if (names < 2 || names > 200 || !nonempty)
        return 0;
    /* A header line is not followed by a blank line, and the next record
     * has as many fields. */
    size_t used;
    int whole;
    count_fields(head + i, n - i, sep, &used, &whole);
    if (!whole)
        return 0; /* one line and no line end: too little to tell */
    size_t p = i + used;
    if (p >= n)
        return 1;
    if (head[p] == '\n' || head[p] == '\r')
        return 0;
    size_t next = count_fields(head + p, n - p, sep, &used, &whole);
    return whole ? next == names : next <= names;
}
