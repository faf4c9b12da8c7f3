/*
 * formats.h - reading archive files into articles: format detection and
 * one parser per format (plain text, JSON Lines / JSON, CSV, HTML, NITF
 * XML, Reuters-21578 SGML; any of them gzip-compressed).  Parsers fill the
 * article's raw fields; clean_article() cleans.
 */
#ifndef MORGUE_FORMATS_H
#define MORGUE_FORMATS_H

#include <stddef.h>

#include "article.h"
#include "util.h"

enum fmt {
    FMT_UNKNOWN,
    FMT_TEXT,    /* one article per file, UTF-8 (or repaired) text */
    FMT_JSON,    /* JSON Lines, a JSON array, or one JSON object */
    FMT_REUTERS, /* Reuters-21578 SGML, many articles per file */
    FMT_BINARY,  /* NUL bytes, an image, an archive: not an article */
    FMT_HTML,    /* an HTML page: one article (html.c) */
    FMT_CSV,     /* CSV with a header row, one article per record (csv.c) */
    FMT_NITF,    /* NITF XML, one article (nitf.c) */
    FMT_SMART,   /* SMART test collections (TIME): "*TEXT n mm/dd/yy" */
};

/* What fmt_parse_file() returns besides a count of articles. */
#define FMT_FAILED (-1) /* the file could not be read: an error */
#define FMT_SKIPPED                                                            \
    (-2) /* the file holds no article (empty, binary,                          \
          * a page without article text): passed over */

/* Largest plain-text article, and largest whole JSON, HTML or XML
 * document, read into memory; larger inputs fail with a message.  JSON
 * Lines, CSV and Reuters SGML are streamed record by record, whatever
 * their size. */
#define FMT_MAX_TEXT ((size_t)32 << 20)
#define FMT_MAX_DOC ((size_t)256 << 20)

/* The format's name, for messages ("text", "json", ...). */
const char *fmt_name(enum fmt f);

/* Decides the format from the first n bytes of the (decompressed) file,
 * content first, then its name's extension (a ".gz" ending is looked
 * through: "a.jsonl.gz" is JSON). */
enum fmt fmt_detect(const char *path, const char *head, size_t n);

/* Where parsed articles go.  article() gets an article whose fields the
 * parser still owns and clears after the call; a non-zero return stops
 * the parse.  warn() gets a one-line message for a record that was skipped
 * ("file.jsonl:17: invalid JSON: ..."); the parse goes on. */
struct fmt_sink {
    int (*article)(void *ctx, struct article *a);
    void (*warn)(void *ctx, const char *msg);
    void *ctx;
};

/* Parses the file at path ("-" is standard input), gzip-compressed or
 * not.  uid_base is the stable name ids are derived from (normally the
 * real path).  Returns the number of articles given to the sink (>= 0);
 * FMT_SKIPPED with err set when it holds no article (empty, binary, an
 * HTML page without article text, plain text that is a list: "path: not
 * an article: a list of URLs", "a list of file names", "a list of ids",
 * "a word list", "a table of numbers"); FMT_FAILED with err set when it
 * can't be read (missing, unreadable, gzip data corrupt or cut short,
 * invalid JSON document, too large, XML not well-formed).  Bad records
 * inside a file go to sink->warn and do not fail the file. */
int fmt_parse_file(const char *path, const char *uid_base,
                   struct fmt_sink *sink, struct mg_err *err);

/* The same for data already in memory (n bytes, NUL-terminated) whose
 * format is known (CSV excepted: it is only streamed from files). */
int fmt_parse_buffer(const char *path, const char *uid_base, const char *data,
                     size_t n, enum fmt f, struct fmt_sink *sink,
                     struct mg_err *err);

#endif
