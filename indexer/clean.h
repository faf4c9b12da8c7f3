/*
 * clean.h - turning raw article text into clean stored text: encoding
 * repair, Unicode normalisation, paragraphs, repeated paragraphs (photo
 * captions) kept once, and trailing boilerplate such as "Read more at X"
 * removed.
 */
#ifndef MORGUE_CLEAN_H
#define MORGUE_CLEAN_H

#include <stddef.h>

/* Returns valid UTF-8: valid sequences are copied, every other byte is
 * read as Windows-1252 (Latin-1 where 1252 has no character).  Caller
 * frees.  Can't fail. */
char *clean_utf8(const char *s, size_t n);

/* Decodes SGML/HTML character references (&amp; &lt; &gt; &quot; &apos;
 * &nbsp; &#NN; &#xNN;) in place; unknown ones are left as they are. */
void clean_entities(char *s);

/* A one-line field (title, byline...): valid UTF-8, NFKC, control
 * characters dropped, whitespace runs collapsed to one space, trimmed.
 * Caller frees.  Can't fail. */
char *clean_line(const char *s);

/* What clean_body() found besides the text. */
struct clean_info {
    char *source;     /* X of a "Read more at X" footer, or NULL; owned */
    int repeats;      /* repeated paragraphs dropped */
    int boilerplate;  /* boilerplate paragraphs dropped */
};

/* Cleans an article body: valid UTF-8, NFKC, control characters dropped;
 * paragraphs found (blank lines, indented lines, or one long line each),
 * each with its whitespace collapsed; a paragraph that repeats an earlier
 * one (same text up to quote style, dashes, spacing and case) dropped;
 * boilerplate at the end ("Read more at ...", "Share this article",
 * "Advertisement", "Scroll down for video"...) dropped.  Paragraphs are
 * joined with "\n\n".  info may be NULL; its source must be freed.
 * Caller frees the result.  Can't fail. */
char *clean_body(const char *s, struct clean_info *info);

/* The text with quotes, dashes and spaces folded to ASCII and ASCII
 * letters lowercased: the key two paragraphs are compared by.  Caller
 * frees. */
char *clean_fold_key(const char *s);

struct article;

/* Cleans every field of a parsed article in place: the body with
 * clean_body() (a "Read more at X" footer becomes the source when it has
 * none), one-line fields with clean_line(), highlights line by line, the
 * date normalised with date_parse() (dropped when unreadable), language
 * "und" when unknown.  info may be NULL; its source is moved into the
 * article when used, else the caller frees it.  Can't fail. */
void clean_article(struct article *a, struct clean_info *info);

#endif
