/*
 * clean.h - turning raw article text into clean stored text: encoding
 * repair, Unicode normalisation, paragraphs, repeated paragraphs (photo
 * captions) kept once, and trailing boilerplate such as "Read more at X"
 * removed.
 */
#ifndef MORGUE_CLEAN_H
#define MORGUE_CLEAN_H

#include <stddef.h>

#include "dates.h"
#include "util.h"

/* Returns valid UTF-8: valid sequences are copied, every other byte is
 * read as Windows-1252 (Latin-1 where 1252 has no character).  Caller
 * frees.  Can't fail. */
char *clean_utf8(const char *s, size_t n);

/* Repairs mojibake: UTF-8 that was once read as Windows-1252 and
 * encoded again ("â€™" -> "’", "Ã©" -> "é").  A run of non-ASCII
 * characters is replaced only when all of them map back to 1252 bytes
 * that form multi-byte UTF-8.  s must be valid UTF-8; caller frees. */
char *clean_mojibake(const char *s);

/* Decodes SGML/HTML character references in place: every HTML 4 named
 * entity (&amp; &eacute; &nbsp; ...), &apos;, &#NN; and &#xNN;.  Unknown
 * or invalid ones (&#0;, &bogus;) are left as they are. */
void clean_entities(char *s);

/* A one-line field (title, byline...): valid UTF-8, NFKC, control
 * characters dropped, whitespace runs collapsed to one space, trimmed.
 * Caller frees.  Can't fail. */
char *clean_line(const char *s);

/* Longest paragraph (bytes of its fold key) a boilerplate rule removes. */
#define CLEAN_BOILERPLATE_MAX 300

/* Boilerplate rules: the built-in list (docs/formats.md) plus patterns
 * from files.  A pattern is an fnmatch(3) glob matched against the whole
 * fold key (clean_fold_key) of a paragraph of at most
 * CLEAN_BOILERPLATE_MAX bytes; a matching paragraph is removed. */
struct clean_rules;

/* The built-in rules.  Can't fail. */
struct clean_rules *clean_rules_new(void);

/* Adds the patterns of a text file, one per line (folded like
 * paragraphs; blank lines and lines starting with '#' ignored).  Fails
 * with a message naming the file when it can't be read. */
int clean_rules_load(struct clean_rules *r, const char *path,
                     struct mg_err *err);

/* How clean_article() reads dates written with numbers only, 03/04/1987
 * (dates.h; DATE_ORDER_AUTO unless set).  Can't fail. */
void clean_rules_set_date_order(struct clean_rules *r, enum date_order order);

/* Frees the rules; takes NULL. */
void clean_rules_free(struct clean_rules *r);

/* One thing the cleaner removed from a body, for `morgue-index --show`. */
struct clean_note {
    char *what; /* why, e.g. "boilerplate (pattern \"read more at *\")" */
    char *text; /* the paragraph */
};

/* What clean_body() found besides the text; free with clean_info_free. */
struct clean_info {
    char *source;    /* X of a "Read more at X" footer, or NULL */
    char *captions;  /* photo captions taken out, "\n"-separated, or NULL */
    int repeats;     /* copies of repeated paragraphs dropped */
    int boilerplate; /* boilerplate paragraphs dropped */
    int ncaptions;   /* captions taken out of the body */
    struct clean_note *notes;
    int nnotes;
    /* clean_article(): the article's date names a day that does not exist
     * (date_parse gave DATE_NO_SUCH_DAY) and was dropped.  A one-line
     * warning naming it, for the indexer to show: date "29-FEB-1987
     * 10:00:00.00": no such day (1987 is not a leap year), kept without a
     * date.  NULL otherwise. */
    char *date_warning;
};

/* Frees what info holds and zeroes it; takes NULL. */
void clean_info_free(struct clean_info *info);

/* Cleans an article body: valid UTF-8, HTML entities decoded, NFKC,
 * control characters dropped; paragraphs found (blank lines, indented
 * lines, or one long line each), each with its whitespace collapsed.
 * Then, paragraph by paragraph:
 *  - boilerplate (rules; NULL means the built-in ones) is removed; a
 *    "Read more at X" footer gives info->source;
 *  - a paragraph that occurs more than once (same fold key: quote style,
 *    dashes, spacing and case don't count) is a photo caption: it goes to
 *    info->captions once and out of the body (a short repeated line, under
 *    20 bytes, stays in the body once);
 *  - a paragraph that reads like a caption (a photo position such as
 *    "(left)", "(pictured)" after a name, or a "Photo:" credit) goes to
 *    info->captions too.
 * Paragraphs are joined with "\n\n".  info may be NULL; otherwise the
 * caller frees it with clean_info_free().  Caller frees the result.
 * Can't fail. */
char *clean_body(const char *s, const struct clean_rules *rules,
                 struct clean_info *info);

/* The first sentence of text (sentence_end()), cut at a word with "..."
 * when longer than 200 bytes.  Caller frees.  Can't fail. */
char *clean_first_sentence(const char *text);

/* The lede of a cleaned body: its first sentence, and the second too when
 * the first has fewer than 25 words, never past the first paragraph.
 * Caller frees; "" for an empty body. */
char *clean_lede(const char *body);

/* The text with quotes, dashes and spaces folded to ASCII and ASCII
 * letters lowercased: the key two paragraphs are compared by.  Caller
 * frees. */
char *clean_fold_key(const char *s);

struct article;

/* Cleans every field of a parsed article in place: the body with
 * clean_body() (captions found there are added to the article's own; a
 * "Read more at X" footer becomes the source when it has none), one-line
 * fields with clean_line(), captions and highlights line by line (each
 * once), the date normalised with date_parse_order() in the rules'
 * order (dropped when unreadable, when it names a day that does not
 * exist or when it reads only in the other order, info->date_warning and
 * a note then saying so),
 * the lede from clean_lede(), language "und" when unknown.  rules may be
 * NULL (built-in).  info may be NULL; otherwise the caller frees it with
 * clean_info_free().  Can't fail. */
void clean_article(struct article *a, const struct clean_rules *rules,
                   struct clean_info *info);

#endif
