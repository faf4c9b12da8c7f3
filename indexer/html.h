/*
 * html.h - reading one saved HTML news page into an article: the page's
 * metadata (<title>, <meta>, <link rel=canonical>, <html lang>, JSON-LD)
 * and the article text itself, found among the page's navigation, ads,
 * related links, comments and other boilerplate.
 */
#ifndef MORGUE_HTML_H
#define MORGUE_HTML_H

#include <stddef.h>

#include "article.h"
#include "util.h"

/* Reads one HTML page (n bytes at data, any charset: libxml2 detects it
 * from a BOM or <meta charset>, else UTF-8 is assumed) into *a, which the
 * caller zero-initialised and later frees with article_clear().  path is
 * only used in messages.
 *
 * Fills, where the page has them: title (og:title, JSON-LD headline, else
 * <title> without a " | Site" suffix naming the site), date (the raw
 * string as found: article:published_time, JSON-LD datePublished, a date
 * <meta>, else a <time datetime> in the article; the caller normalises
 * it), byline, url (canonical), source (og:site_name, JSON-LD
 * publisher.name, else the URL's host without "www."), section, language
 * (the primary BCP 47 subtag, e.g. "en"), description, body (the article
 * text: paragraphs in document order separated by "\n\n", headings inside
 * the article kept as paragraphs of their own; the JSON-LD articleBody
 * instead when the page's own text is much shorter) and captions (figure
 * captions, each once, "\n"-separated).  Fields the page lacks stay NULL.
 *
 * Never reads the network or any file (no DTDs, no external entities) and
 * copes with any input: broken markup, deep nesting, binary junk.
 *
 * Returns 0, or -1 with err set to one line naming path and the reason
 * ("x.html: no article text found in the page") when the page holds no
 * body text or can't be parsed at all; *a may then hold metadata, which
 * article_clear() frees. */
int html_parse(const char *path, const char *data, size_t n, struct article *a,
               struct mg_err *err);

#endif
