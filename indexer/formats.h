/*
 * formats.h - reading archive files into articles: format detection and
 * one parser per format (plain text, JSON Lines / JSON, Reuters-21578
 * SGML).  Parsers fill the article's raw fields; clean_article() cleans.
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
    FMT_HTML,    /* an HTML page: not read by this version */
};

/* The format's name, for messages ("text", "json", ...). */
const char *fmt_name(enum fmt f);

/* Decides the format from the first n bytes of the file (content first)
 * and then its name's extension. */
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

/* Parses the file at path.  uid_base is the stable name ids are derived
 * from (normally the real path).  Returns the number of articles given to
 * the sink (>= 0), or -1 with err set when the file as a whole can't be
 * read (missing, empty, binary, not a known format); skipped records go
 * to sink->warn and do not fail the file. */
int fmt_parse_file(const char *path, const char *uid_base,
                   struct fmt_sink *sink, struct mg_err *err);

/* The same for data already in memory (n bytes, NUL-terminated) whose
 * format is known. */
int fmt_parse_buffer(const char *path, const char *uid_base,
                     const char *data, size_t n, enum fmt f,
                     struct fmt_sink *sink, struct mg_err *err);

#endif
