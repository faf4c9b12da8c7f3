/*
 * formats.c - format detection and the parsers.
 */
#include "formats.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <utf8proc.h>

#include "clean.h"
#include "csv.h"
#include "dates.h"
#include "html.h"
#include "input.h"
#include "nitf.h"
#include "sentence.h"

const char *fmt_name(enum fmt f)
{
    switch (f) {
    case FMT_TEXT: return "text";
    case FMT_JSON: return "json";
    case FMT_REUTERS: return "reuters-sgml";
    case FMT_BINARY: return "binary";
    case FMT_HTML: return "html";
    case FMT_CSV: return "csv";
    case FMT_NITF: return "nitf";
    case FMT_SMART: return "smart";
    default: return "unknown";
    }
}

/* True when path ends in ext, or in ext followed by ".gz". */
static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    if (n > 3 && strcasecmp(path + n - 3, ".gz") == 0)
        n -= 3;
    return n > e && strncasecmp(path + n - e, ext, e) == 0;
}

/* True when the first line names a title or text column among fields
 * separated by ',', ';' or TAB: a plain-text article whose first line has
 * commas is not CSV. */
static int csv_header_has_text(const char *head, size_t n)
{
    static const char *const NAMES[] = {"title", "headline", "text",  "article",
                                        "body",  "content",  "story", NULL};
    const char *nl = memchr(head, '\n', n);
    size_t len = nl ? (size_t)(nl - head) : n;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && head[j] != ',' && head[j] != ';' && head[j] != '\t')
            j++;
        size_t a = i, b = j;
        while (a < b && (head[a] == ' ' || head[a] == '"' ||
                         (unsigned char)head[a] >= 0x80))
            a++;
        while (b > a && (head[b - 1] == ' ' || head[b - 1] == '"' ||
                         head[b - 1] == '\r'))
            b--;
        for (int k = 0; NAMES[k]; k++)
            if (strlen(NAMES[k]) == b - a &&
                strncasecmp(head + a, NAMES[k], b - a) == 0)
                return 1;
        i = j + 1;
    }
    return 0;
}

enum fmt fmt_detect(const char *path, const char *head, size_t n)
{
    static const char *const MAGIC[] = {"\x89PNG", "\xFF\xD8\xFF", "GIF8",
                                        "%PDF",    "PK\x03\x04",   "\x1F\x8B"};
    for (size_t i = 0; i < sizeof MAGIC / sizeof *MAGIC; i++)
        if (n >= strlen(MAGIC[i]) &&
            memcmp(head, MAGIC[i], strlen(MAGIC[i])) == 0)
            return FMT_BINARY;
    size_t ctrl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)head[i];
        if (c == 0)
            return FMT_BINARY;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
            ctrl++;
    }
    if (memmem(head, n, "<REUTERS", 8) ||
        memmem(head, n, "<!DOCTYPE lewis", 15))
        return FMT_REUTERS;
    if (n > 6 && strncmp(head, "*TEXT ", 6) == 0)
        return FMT_SMART;
    /* Reuters' own text holds control characters; other text rarely does. */
    if (n && ctrl * 10 > n)
        return FMT_BINARY;
    size_t i = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && isspace((unsigned char)head[i]))
        i++;
    if (i < n && (head[i] == '{' || head[i] == '['))
        return FMT_JSON;
    if (nitf_sniff(head + i, n - i))
        return FMT_NITF;
    if (n - i >= 5 && strncmp(head + i, "<?xml", 5) == 0) {
        /* XML that is neither NITF nor XHTML is not an article format. */
        for (size_t j = i; j + 5 <= n; j++)
            if (strncasecmp(head + j, "<html", 5) == 0)
                return FMT_HTML;
        return FMT_UNKNOWN;
    }
    if (i < n && head[i] == '<') {
        for (size_t j = i; j + 5 <= n; j++)
            if (strncasecmp(head + j, "<html", 5) == 0 ||
                strncasecmp(head + j, "<body", 5) == 0)
                return FMT_HTML;
    }
    if (has_ext(path, ".sgm"))
        return FMT_REUTERS;
    if (has_ext(path, ".jsonl") || has_ext(path, ".ndjson") ||
        has_ext(path, ".json"))
        return FMT_JSON;
    if (has_ext(path, ".html") || has_ext(path, ".htm"))
        return FMT_HTML;
    if (has_ext(path, ".xml") && nitf_sniff(head, n))
        return FMT_NITF;
    if (has_ext(path, ".csv") || has_ext(path, ".tsv") ||
        (csv_sniff(head, n) && csv_header_has_text(head, n)))
        return FMT_CSV;
    return FMT_TEXT;
}

/* ---- plain text that is not an article ----------------------------
 * A list kept next to the articles (the URLs they came from, a stop-word
 * list, the names of the files) is text, but no article: told by its
 * lines, nearly all of which are one item each. */

/* What a line is, for telling a list from an article. */
enum line_kind {
    LINE_TEXT,    /* anything else: words with spaces between them */
    LINE_URL,     /* http://, https://, ftp:// or www. and no space */
    LINE_FILE,    /* a file name with a known extension, or a path */
    LINE_ID,      /* one ASCII token with a digit or "_": BuzzFeed_Real_1 */
    LINE_WORD,    /* one word: letters, inner "'" or "-" */
    LINE_NUMBERS, /* ASCII without a letter: "1 184 2", "0.5", "/" */
    LINE_KINDS
};

/* The skip reason of a list whose lines are mostly of a kind. */
static const char *const LIST_NAME[LINE_KINDS] = {
    NULL,          "a list of URLs",    "a list of file names", "a list of ids",
    "a word list", "a table of numbers"};

/* True for a code point of a script written without spaces between
 * words (Chinese, Japanese, Thai, Lao, Myanmar, Khmer): a line of it
 * without spaces is a sentence, not a word. */
static int unspaced_script(int32_t c)
{
    return (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1000 && c <= 0x109F) ||
           (c >= 0x1780 && c <= 0x17FF) || (c >= 0x2E80 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
           (c >= 0x20000 && c <= 0x3FFFF);
}

/* True when s (n bytes, no space) reads as a file name: it ends in a
 * known extension ("photo.JPG", "a.html.gz"), or it is a path of two
 * folders or more, or of a folder and a name with a dot. */
static int file_name_like(const char *s, size_t n)
{
    static const char *const EXT[] = {
        "txt",  "html", "htm",   "xml", "json", "jsonl", "csv", "tsv",
        "jpg",  "jpeg", "png",   "gif", "svg",  "webp",  "pdf", "doc",
        "docx", "xls",  "xlsx",  "md",  "gz",   "zip",   "tar", "bz2",
        "xz",   "sgm",  "story", "mp3", "mp4",  "wav",   "avi", NULL};
    size_t dot = n, slashes = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/')
            slashes++, dot = n;
        else if (s[i] == '.')
            dot = i;
    }
    if (dot > 0 && dot + 1 < n && s[dot - 1] != '/')
        for (int k = 0; EXT[k]; k++)
            if (strlen(EXT[k]) == n - dot - 1 &&
                strncasecmp(s + dot + 1, EXT[k], n - dot - 1) == 0)
                return 1;
    return slashes >= 2 ||
           (slashes == 1 && dot < n && s[0] != '/' && s[n - 1] != '/');
}

/* True when s (n bytes, no space) is one word: a letter, then letters,
 * marks and inner apostrophes or hyphens, ending in a letter or mark;
 * at most 40 characters, none of an unspaced script. */
static int one_word(const char *s, size_t n)
{
    if (n > 160)
        return 0;
    int chars = 0, last_letter = 0;
    for (int pos = 0; pos < (int)n;) {
        int32_t cp;
        pos += mg_utf8_decode(s, (int)n, pos, &cp);
        if (cp < 0 || unspaced_script(cp))
            return 0;
        utf8proc_category_t cat = utf8proc_category(cp);
        int letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
        int mark = cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
        int joiner = cp == '\'' || cp == 0x2019 || cp == '-';
        if (!letter && !(chars && (mark || joiner)))
            return 0;
        last_letter = letter || mark;
        chars++;
    }
    return chars <= 40 && last_letter;
}

static int starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n > k && strncasecmp(s, prefix, k) == 0;
}

/* The kind of the line s (n bytes, trimmed, not empty). */
static enum line_kind line_kind(const char *s, size_t n)
{
    int space = 0, letter = 0, ascii = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            ascii = 0;
        else if (isspace(c))
            space = 1;
        else if (isalpha(c))
            letter = 1;
    }
    if (!space && (starts_ci(s, n, "http://") || starts_ci(s, n, "https://") ||
                   starts_ci(s, n, "ftp://") ||
                   (starts_ci(s, n, "www.") && memchr(s + 4, '.', n - 4))))
        return LINE_URL;
    if (ascii && !letter)
        return LINE_NUMBERS;
    if (space)
        return LINE_TEXT;
    if (file_name_like(s, n))
        return LINE_FILE;
    if (ascii) {
        int id = 1, mark = 0;
        for (size_t i = 0; i < n && id; i++) {
            id = isalnum((unsigned char)s[i]) || strchr("_.-", s[i]);
            mark |= isdigit((unsigned char)s[i]) || s[i] == '_';
        }
        if (id && mark)
            return LINE_ID;
    }
    return one_word(s, n) ? LINE_WORD : LINE_TEXT;
}

/* What text (UTF-8) is when it is a list rather than an article: at
 * least 3 non-empty lines, 9 in 10 of them list items (URLs, file names,
 * ids, single words, numbers without words); the most common kind names
 * it ("a list of URLs").  NULL for an article. */
static const char *text_list_kind(const char *text)
{
    long count[LINE_KINDS] = {0}, lines = 0;
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a < b) {
            count[line_kind(a, (size_t)(b - a))]++;
            lines++;
        }
        p = eol ? eol + 1 : end;
    }
    if (lines < 3 || count[LINE_TEXT] * 10 > lines)
        return NULL;
    int best = LINE_URL;
    for (int k = LINE_URL + 1; k < LINE_KINDS; k++)
        if (count[k] > count[best])
            best = k;
    return LIST_NAME[best];
}

/* ---- plain text ---------------------------------------------------- */

/* True when the line reads like a headline: short, few words, no final
 * full stop. */
static int headline_like(const char *line, size_t n)
{
    while (n && isspace((unsigned char)line[n - 1]))
        n--;
    if (n == 0 || line[n - 1] == '.' || line[n - 1] == ',' ||
        line[n - 1] == ';' || line[n - 1] == ':')
        return 0;
    int words = 1, chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (line[i] == ' ')
            words++;
        if (((unsigned char)line[i] & 0xC0) != 0x80)
            chars++;
    }
    return chars <= 150 && words <= 20;
}

static int parse_text(const char *path, const char *uid_base, const char *data,
                      struct fmt_sink *sink, struct mg_err *err)
{
    struct article a = {0};
    char *text = clean_utf8(data, strlen(data));
    const char *list = text_list_kind(text);
    if (list) {
        free(text);
        mg_fail(err, "%s: not an article: %s", path, list);
        return FMT_SKIPPED;
    }
    /* CNN .story layout: "@highlight" paragraphs after the text. */
    struct buf hl = {0};
    char *at = strstr(text, "\n@highlight");
    if (at || strncmp(text, "@highlight", 10) == 0) {
        char *p = at ? at + 1 : text;
        while ((p = strstr(p, "@highlight"))) {
            p += 10;
            while (isspace((unsigned char)*p))
                p++;
            char *end = strstr(p, "@highlight");
            size_t len = end ? (size_t)(end - p) : strlen(p);
            while (len && isspace((unsigned char)p[len - 1]))
                len--;
            if (len) {
                if (hl.len)
                    buf_addc(&hl, '\n');
                buf_add(&hl, p, len);
            }
        }
        *(at ? at : text) = 0;
    }
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *eol = strchr(p, '\n');
    size_t first = eol ? (size_t)(eol - p) : strlen(p);
    const char *rest = eol ? eol + 1 : p + first;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest && headline_like(p, first)) {
        a.title = mg_strndup(p, first);
        a.body = mg_strdup(rest);
    } else {
        a.title = clean_first_sentence(p);
        a.body = mg_strdup(p);
    }
    if (hl.len)
        a.highlights = buf_take(&hl);
    buf_free(&hl);
    a.uid = mg_strdup(uid_base);
    a.path = mg_strdup(path);
    free(text);
    sink->article(sink->ctx, &a);
    article_clear(&a);
    return 1;
}

/* ---- JSON ---------------------------------------------------------- */

/* The first of the named members that is a non-empty string (or a
 * number, for ids and dates; or an array of strings, joined). */
static char *json_field(json_t *o, const char *const *names)
{
    for (; *names; names++) {
        json_t *v = json_object_get(o, *names);
        if (json_is_string(v) && json_string_length(v) > 0)
            return mg_strndup(json_string_value(v), json_string_length(v));
        if (json_is_integer(v)) {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
            return mg_strdup(tmp);
        }
        if (json_is_array(v) && json_array_size(v) > 0) {
            struct buf b = {0};
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                if (json_is_string(e)) {
                    if (b.len)
                        buf_adds(&b, ", ");
                    buf_adds(&b, json_string_value(e));
                }
            }
            if (b.len)
                return buf_take(&b);
            buf_free(&b);
        }
    }
    return NULL;
}

static const char *const F_ID[] = {"id", "uid", "guid", NULL};
static const char *const F_TITLE[] = {"title", "headline", NULL};
static const char *const F_BODY[] = {"body", "text", "content", "article",
                                     NULL};
static const char *const F_DATE[] = {"date",    "published",     "publish_date",
                                     "pubdate", "datePublished", NULL};
static const char *const F_URL[] = {"canonical_link", "url", "link", NULL};
static const char *const F_SOURCE[] = {"source", "publication", "site", NULL};
static const char *const F_BYLINE[] = {"byline", "author", "authors", NULL};
static const char *const F_SECTION[] = {"section", "category", NULL};
static const char *const F_HL[] = {"highlights", "summary", NULL};

/* An epoch number (seconds, or milliseconds when that large) as ISO
 * 8601 UTC. */
static char *epoch_iso(double v)
{
    if (v > 1e11)
        v /= 1000;
    time_t t = (time_t)v;
    struct tm tm;
    char out[32];
    if (!gmtime_r(&t, &tm) ||
        !strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return NULL;
    return mg_strdup(out);
}

/* The article's date: a string, an epoch number, or a MongoDB export
 * {"$date": number or string}. */
static char *json_date(json_t *o)
{
    for (const char *const *f = F_DATE; *f; f++) {
        json_t *v = json_object_get(o, *f);
        if (json_is_object(v))
            v = json_object_get(v, "$date");
        if (json_is_string(v) && json_string_length(v))
            return mg_strdup(json_string_value(v));
        if (json_is_number(v))
            return epoch_iso(json_number_value(v));
    }
    return NULL;
}

/* A nested string member: path of keys, NULL-terminated. */
static const char *json_path(json_t *o, const char *const *keys)
{
    for (; *keys && o; keys++)
        o = json_object_get(o, *keys);
    return json_is_string(o) && json_string_length(o) ? json_string_value(o)
                                                      : NULL;
}

/* Turns one JSON value into an article; returns 1 when given to the
 * sink, 0 when skipped (with a warning); *stop is set when the sink said
 * stop.  line > 0 is a JSON Lines line, line < 0 element -line of an
 * array, 0 the file's one object. */
static int json_article(json_t *o, const char *path, const char *uid_base,
                        long line, struct fmt_sink *sink, int *stop)
{
    char where[64] = "";
    if (line > 0)
        snprintf(where, sizeof where, ":%ld", line);
    else if (line < 0)
        snprintf(where, sizeof where, ": element %ld", -line);
    if (!json_is_object(o)) {
        char msg[1024];
        snprintf(msg, sizeof msg,
                 "%s%s: not an article (expected a JSON object with a title "
                 "or a body)",
                 path, where);
        sink->warn(sink->ctx, msg);
        return 0;
    }
    struct article a = {0};
    a.title = json_field(o, F_TITLE);
    a.body = json_field(o, F_BODY);
    if (!a.title && !a.body) {
        char msg[1024];
        snprintf(msg, sizeof msg,
                 "%s%s: not an article (no \"title\", \"body\" or \"text\")",
                 path, where);
        sink->warn(sink->ctx, msg);
        article_clear(&a);
        return 0;
    }
    char *id = json_field(o, F_ID);
    if (id) {
        a.uid = id;
        a.uid_kind = UID_RECORD;
    } else {
        struct buf b = {0};
        buf_printf(&b, "%s#%ld", uid_base,
                   line > 0   ? line
                   : line < 0 ? -line
                              : 1);
        a.uid = buf_take(&b);
    }
    a.date = json_date(o);
    a.url = json_field(o, F_URL);
    a.source = json_field(o, F_SOURCE);
    /* Scraper metadata (FakeNewsNet's meta_data): the site's own name
     * beats a source that is only a URL. */
    json_t *meta = json_object_get(o, "meta_data");
    static const char *const SITE[] = {"og", "site_name", NULL};
    static const char *const DESC[] = {"description", NULL};
    static const char *const OGDESC[] = {"og", "description", NULL};
    static const char *const SECTION[] = {"article", "section", NULL};
    const char *site = json_path(meta, SITE);
    char *host = mg_url_host(a.source);
    if (site && (!a.source || host)) {
        free(a.source);
        a.source = mg_strdup(site);
    } else if (host) {
        free(a.source);
        a.source = mg_strdup(host);
    }
    free(host);
    const char *desc = json_path(meta, DESC);
    if (!desc)
        desc = json_path(meta, OGDESC);
    article_set(&a.description, desc);
    a.byline = json_field(o, F_BYLINE);
    a.section = json_field(o, F_SECTION);
    if (!a.section)
        article_set(&a.section, json_path(meta, SECTION));
    a.highlights = json_field(o, F_HL);
    a.path = mg_strdup(path);
    if (sink->article(sink->ctx, &a))
        *stop = 1;
    article_clear(&a);
    return 1;
}

static int parse_json(const char *path, const char *uid_base, const char *data,
                      size_t n, struct fmt_sink *sink, struct mg_err *err)
{
    const char *p = data;
    while (isspace((unsigned char)*p))
        p++;
    json_error_t je;
    /* A whole-file JSON value: an array of articles or one object. */
    json_t *all = json_loadb(data, n, 0, &je);
    if (all && (json_is_array(all) || json_is_object(all))) {
        int count = 0, stop = 0;
        if (json_is_array(all)) {
            size_t i;
            json_t *e;
            json_array_foreach(all, i, e)
            {
                count +=
                    json_article(e, path, uid_base, -(long)i - 1, sink, &stop);
                if (stop)
                    break;
            }
        } else {
            count = json_article(all, path, uid_base, 0, sink, &stop);
        }
        json_decref(all);
        return count;
    }
    json_decref(all);
    if (*p == '[')
        return mg_fail(err, "%s: invalid JSON: line %d: %s", path, je.line,
                       je.text);
    /* JSON Lines. */
    int count = 0, stop = 0;
    long line = 0;
    const char *s = data;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        line++;
        const char *q = s;
        while (q < s + len && isspace((unsigned char)*q))
            q++;
        if (q < s + len) {
            json_t *o = json_loadb(s, len, 0, &je);
            if (!o) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s:%ld: invalid JSON: %s", path,
                         line, je.text);
                sink->warn(sink->ctx, msg);
            } else {
                count += json_article(o, path, uid_base, line, sink, &stop);
                json_decref(o);
                if (stop)
                    break;
            }
        }
        s = eol ? eol + 1 : s + len;
    }
    return count;
}

/* ---- Reuters-21578 SGML ------------------------------------------- */

/* Copy of the text between <tag...> and </tag> inside [s, end), entities
 * decoded; NULL when absent. */
/* "    by Janie Gabbett, Reuters" -> "Janie Gabbett" (takes v; NULL
 * when nothing is left). */
static char *sgml_byline(char *v)
{
    if (!v)
        return NULL;
    char *t = mg_trim(v);
    if (strncasecmp(t, "by ", 3) == 0)
        t += 3;
    char *comma = strrchr(t, ',');
    if (comma && strstr(comma, "Reuter"))
        *comma = 0;
    t = mg_trim(t);
    char *out = *t ? mg_strdup(t) : NULL;
    free(v);
    return out;
}

static char *sgml_element(const char *s, const char *end, const char *tag)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    size_t ol = strlen(open);
    const char *p = s;
    for (;;) {
        p = memmem(p, (size_t)(end - p), open, ol);
        if (!p)
            return NULL;
        if (p[ol] == '>' || p[ol] == ' ')
            break;
        p += ol;
    }
    const char *gt = memchr(p, '>', (size_t)(end - p));
    if (!gt)
        return NULL;
    const char *c =
        memmem(gt + 1, (size_t)(end - gt - 1), close, strlen(close));
    if (!c)
        c = end;
    char *v = mg_strndup(gt + 1, (size_t)(c - gt - 1));
    clean_entities(v);
    return v;
}

/* Removes the wire signature ("Reuter", "REUTER") ending a story. */
static void drop_signature(char *body)
{
    size_t n = strlen(body);
    while (n && (isspace((unsigned char)body[n - 1]) ||
                 (unsigned char)body[n - 1] < 0x20))
        n--;
    body[n] = 0;
    size_t w = n;
    while (w && isalpha((unsigned char)body[w - 1]))
        w--;
    if (n - w == 6 && strncasecmp(body + w, "reuter", 6) == 0)
        body[w] = 0;
}

static int parse_reuters(const char *path, const char *uid_base,
                         const char *data, size_t n, struct fmt_sink *sink,
                         int *seq, int *stop)
{
    int count = 0;
    const char *p = data, *end = data + n;
    while ((p = memmem(p, (size_t)(end - p), "<REUTERS", 8))) {
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt)
            break;
        const char *close = memmem(gt, (size_t)(end - gt), "</REUTERS>", 10);
        const char *e = close ? close : end;
        struct article a = {0};
        const char *id = memmem(p, (size_t)(gt - p), "NEWID=\"", 7);
        long newid = id ? strtol(id + 7, NULL, 10) : 0;
        struct buf uid = {0};
        if (newid > 0)
            buf_printf(&uid, "reuters-%ld", newid);
        else
            buf_printf(&uid, "%s#%d", uid_base, *seq + 1);
        a.uid = buf_take(&uid);
        a.uid_kind = newid > 0 ? UID_QUALIFIED : UID_FILE;
        a.date = sgml_element(p, e, "DATE");
        if (a.date) /* "27-MAR-1987 11:12:34.20&#5;&#5;&#5;C T" */
            for (char *d = a.date; *d; d++)
                if ((unsigned char)*d < 0x20 && *d != ' ') {
                    *d = 0;
                    break;
                }
        char iso[32];
        if (a.date && date_parse(a.date, iso) < 0) {
            /* "31-MAR-1987 605:12:19.12": keep the day when the time is
             * broken. */
            char *d = a.date;
            while (*d == ' ')
                d++;
            char *sp = strchr(d, ' ');
            if (sp)
                *sp = 0;
        }
        a.title = sgml_element(p, e, "TITLE");
        a.dateline = sgml_element(p, e, "DATELINE");
        a.byline = sgml_byline(sgml_element(p, e, "AUTHOR"));
        a.body = sgml_element(p, e, "BODY");
        if (!a.body && memmem(p, (size_t)(e - p), "TYPE=\"UNPROC\"", 13))
            a.body = sgml_element(p, e, "TEXT");
        if (a.body)
            drop_signature(a.body);
        if (a.dateline) { /* "SALVADOR, Feb 26 -" -> "SALVADOR" */
            char *comma = strchr(a.dateline, ',');
            if (comma)
                *comma = 0;
            mg_trim(a.dateline);
        }
        a.source = mg_strdup("Reuters");
        a.language = mg_strdup("en");
        a.path = mg_strdup(path);
        int rc = 0;
        (*seq)++;
        if (a.title || a.body) {
            rc = sink->article(sink->ctx, &a);
            count++;
        }
        article_clear(&a);
        if (rc) {
            *stop = 1;
            break;
        }
        p = e;
    }
    return count;
}

int fmt_parse_buffer(const char *path, const char *uid_base, const char *data,
                     size_t n, enum fmt f, struct fmt_sink *sink,
                     struct mg_err *err)
{
    switch (f) {
    case FMT_TEXT: {
        const char *q = data;
        while (*q && isspace((unsigned char)*q))
            q++;
        if (!*q) {
            mg_fail(err, "%s: no text in it", path);
            return FMT_SKIPPED;
        }
        return parse_text(path, uid_base, data, sink, err);
    }
    case FMT_JSON: return parse_json(path, uid_base, data, n, sink, err);
    case FMT_REUTERS: {
        int seq = 0, stop = 0;
        int c = parse_reuters(path, uid_base, data, n, sink, &seq, &stop);
        if (c == 0) {
            mg_fail(err, "%s: no <REUTERS> story in it", path);
            return FMT_SKIPPED;
        }
        return c;
    }
    case FMT_NITF: return nitf_parse(path, uid_base, data, n, sink, err);
    case FMT_HTML: {
        struct article a = {0};
        if (html_parse(path, data, n, &a, err) < 0) {
            article_clear(&a);
            return FMT_SKIPPED;
        }
        a.uid = mg_strdup(uid_base);
        a.path = mg_strdup(path);
        sink->article(sink->ctx, &a);
        article_clear(&a);
        return 1;
    }
    case FMT_CSV:
    case FMT_SMART:
        mg_fail(err, "%s: %s is read from files only", path, fmt_name(f));
        return FMT_FAILED;
    case FMT_BINARY:
        mg_fail(err, "%s: binary data, not text", path);
        return FMT_SKIPPED;
    default:
        mg_fail(err, "%s: XML that is not NITF, or an unknown format", path);
        return FMT_SKIPPED;
    }
}

/* Reuters SGML, streamed: stories are parsed as each </REUTERS> arrives. */
static int stream_reuters(struct input *in, const char *path,
                          const char *uid_base, struct fmt_sink *sink,
                          struct mg_err *err)
{
    struct buf b = {0};
    char tmp[65536];
    int count = 0, seq = 0, stop = 0;
    long r = 0;
    while (!stop && (r = input_read(in, tmp, sizeof tmp, err)) > 0) {
        buf_add(&b, tmp, (size_t)r);
        /* Parse up to the last complete story. */
        const char *last = NULL, *p = b.s;
        while ((p = memmem(p, b.len - (size_t)(p - b.s), "</REUTERS>", 10)))
            last = p, p += 10;
        if (!last)
            continue;
        size_t upto = (size_t)(last + 10 - b.s);
        count += parse_reuters(path, uid_base, b.s, upto, sink, &seq, &stop);
        memmove(b.s, b.s + upto, b.len - upto);
        b.len -= upto;
        b.s[b.len] = 0;
    }
    if (!stop && b.len && memmem(b.s, b.len, "<REUTERS", 8))
        count += parse_reuters(path, uid_base, b.s, b.len, sink, &seq, &stop);
    buf_free(&b);
    if (r < 0)
        return FMT_FAILED;
    if (count == 0) {
        mg_fail(err, "%s: no <REUTERS> story in it", path);
        return FMT_SKIPPED;
    }
    return count;
}

/* JSON Lines, streamed line by line. */
static int stream_jsonl(struct input *in, const char *path,
                        const char *uid_base, struct fmt_sink *sink,
                        struct mg_err *err)
{
    int count = 0, stop = 0;
    long line = 0, len = 0;
    const char *s;
    while (!stop && (len = input_line(in, &s, err)) >= 0) {
        line++;
        const char *q = s;
        while (*q && isspace((unsigned char)*q))
            q++;
        if (!*q)
            continue;
        json_error_t je;
        json_t *o = json_loadb(s, (size_t)len, 0, &je);
        if (!o) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s:%ld: invalid JSON: %s", path, line,
                     je.text);
            sink->warn(sink->ctx, msg);
            continue;
        }
        count += json_article(o, path, uid_base, line, sink, &stop);
        json_decref(o);
    }
    return len == -2 ? FMT_FAILED : count;
}

/* SMART collections (TIME, CACM...): "*TEXT 017 01/04/63 PAGE 020" starts
 * each document, "*STOP" ends the file.  Streamed line by line. */
static int smart_article(const char *path, const char *stem, char *header,
                         struct buf *text, struct fmt_sink *sink, int *stop)
{
    long num = 0;
    int mm = 0, dd = 0, yy = 0;
    char *p = header + 5;
    num = strtol(p, &p, 10);
    /* The date is mm/dd/yy, 1900s; some headers say "08/30 63". */
    if (sscanf(p, " %d/%d%*[/ ]%d", &mm, &dd, &yy) != 3)
        mm = dd = yy = 0;
    struct article a = {0};
    struct buf b = {0};
    buf_printf(&b, "%s-%ld", stem, num);
    a.uid = buf_take(&b);
    a.uid_kind = UID_QUALIFIED; /* the collection's own numbering */
    if (yy > 0 && yy < 100 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31) {
        buf_printf(&b, "%04d-%02d-%02d", 1900 + yy, mm, dd);
        a.date = buf_take(&b);
    }
    /* Old SMART text puts a space before punctuation ("U.S . FIRST"). */
    a.body = mg_strdup(text->s ? text->s : "");
    char *w = a.body;
    for (const char *r = a.body; *r; r++) {
        if (*r == ' ' && strchr(".,;:?!", r[1]) && r > a.body && r[-1] != ' ')
            continue;
        *w++ = *r;
    }
    *w = 0;
    a.title = clean_first_sentence(a.body);
    a.path = mg_strdup(path);
    a.language = mg_strdup("en");
    int given = 0;
    if (*a.body) {
        given = 1;
        if (sink->article(sink->ctx, &a))
            *stop = 1;
    }
    article_clear(&a);
    buf_clear(text);
    return given;
}

static int stream_smart(struct input *in, const char *path,
                        struct fmt_sink *sink, struct mg_err *err)
{
    /* Ids are the file's name, lower case without extension, and the
     * document number: "time-17". */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t sl = strcspn(base, ".");
    char *stem = mg_lower_ascii(base);
    stem[sl] = 0;
    struct buf text = {0};
    char *header = NULL;
    int count = 0, stop = 0;
    long len = 0;
    const char *line;
    while (!stop && (len = input_line(in, &line, err)) >= 0) {
        if (strncmp(line, "*TEXT", 5) == 0 || strncmp(line, "*STOP", 5) == 0) {
            if (header)
                count += smart_article(path, stem, header, &text, sink, &stop);
            free(header);
            header = line[1] == 'T' ? mg_strdup(line) : NULL;
            continue;
        }
        if (!header)
            continue;
        /* Double spaced: a blank line after every line; keep one break. */
        if (len == 0)
            continue;
        if (text.len)
            buf_addc(&text, '\n');
        buf_add(&text, line, (size_t)len);
    }
    if (!stop && header)
        count += smart_article(path, stem, header, &text, sink, &stop);
    free(header);
    free(stem);
    buf_free(&text);
    if (len == -2)
        return FMT_FAILED;
    if (count == 0) {
        mg_fail(err, "%s: no *TEXT document in it", path);
        return FMT_SKIPPED;
    }
    return count;
}

/* True when the first line of head is a complete JSON value: the file is
 * JSON Lines rather than one pretty-printed document. */
static int first_line_is_json(const char *head, size_t n)
{
    const char *nl = memchr(head, '\n', n);
    if (!nl)
        return 0;
    json_error_t je;
    json_t *o = json_loadb(head, (size_t)(nl - head), 0, &je);
    int ok = o != NULL;
    json_decref(o);
    return ok;
}

int fmt_parse_file(const char *path, const char *uid_base,
                   struct fmt_sink *sink, struct mg_err *err)
{
    struct input *in;
    if (input_open(path, &in, err) < 0)
        return FMT_FAILED;
    size_t n;
    const char *head = input_head(in, &n);
    if (n == 0) {
        input_close(in);
        mg_fail(err, "%s: empty file", strcmp(path, "-") ? path : "stdin");
        return FMT_SKIPPED;
    }
    enum fmt f = fmt_detect(path, head, n);
    const char *name = input_path(in);
    int rc;
    char *data = NULL;
    size_t len = 0;
    switch (f) {
    case FMT_REUTERS: rc = stream_reuters(in, name, uid_base, sink, err); break;
    case FMT_SMART: rc = stream_smart(in, name, sink, err); break;
    case FMT_JSON: {
        size_t i = 0;
        while (i < n && isspace((unsigned char)head[i]))
            i++;
        if (head[i] == '{' && first_line_is_json(head + i, n - i)) {
            rc = stream_jsonl(in, name, uid_base, sink, err);
            break;
        }
        rc = input_all(in, FMT_MAX_DOC, &data, &len, err) < 0
                 ? FMT_FAILED
                 : parse_json(name, uid_base, data, len, sink, err);
        break;
    }
    case FMT_TEXT:
        rc = input_all(in, FMT_MAX_TEXT, &data, &len, err) < 0
                 ? FMT_FAILED
                 : fmt_parse_buffer(name, uid_base, data, len, f, sink, err);
        break;
    case FMT_CSV: rc = csv_parse(in, uid_base, sink, err); break;
    case FMT_NITF:
        rc = input_all(in, FMT_MAX_DOC, &data, &len, err) < 0
                 ? FMT_FAILED
                 : nitf_parse(name, uid_base, data, len, sink, err);
        if (rc == -1 && strstr(err->msg, "no body text"))
            rc = FMT_SKIPPED;
        break;
    case FMT_HTML:
        rc = input_all(in, FMT_MAX_DOC, &data, &len, err) < 0
                 ? FMT_FAILED
                 : fmt_parse_buffer(name, uid_base, data, len, f, sink, err);
        break;
    default:
        rc = fmt_parse_buffer(name, uid_base, head, n, f, sink, err);
        break;
    }
    free(data);
    input_close(in);
    return rc;
}
