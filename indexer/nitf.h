/*
 * nitf.h - reading NITF (IPTC News Industry Text Format) XML documents
 * into articles, with libxml2, never loading anything the document points
 * to (DTDs, external entities).
 */
#ifndef MORGUE_NITF_H
#define MORGUE_NITF_H

#include <stddef.h>

#include "formats.h"
#include "util.h"

/* Reads the NITF document of n bytes at data (path names it in messages
 * and a.path) into one article given to the sink.  Elements are matched
 * by local name, with or without a namespace.
 *   title        head/title, else body.head/hedline/hl1
 *   description  body.head/hedline/hl2, else body.head/abstract
 *   byline       body.head/byline (the first; its byttl left out), without
 *                a leading "By "
 *   dateline     body.head/dateline: its location child (parts joined
 *                with ", ") when present, else the text before the first
 *                comma
 *   date         head/docdata/date.issue@norm, else head/pubdata
 *                @date.publication, else docdata/date.release@norm, else
 *                dateline/story.date@norm; passed raw ("20180209T143000
 *                +0900"), date_parse() reads it
 *   uid          head/docdata/doc-id@id-string, else uid_base
 *   source       head/pubdata@name, else docdata/doc.copyright@holder
 *   url          head/pubdata@ex-ref when it is http(s)
 *   section      head/meta[@name="section"]@content, else
 *                head/tobject/tobject.subject@tobject.subject.type (or
 *                .matter)
 *   language     xml:lang on nitf, head or body
 *   body         body.content: each p, hl1/hl2/hl3, li, pre and run of
 *                loose text a paragraph (whitespace collapsed), joined
 *                with "\n\n"; a block class="lead_paragraph" is left out
 *                when a block class="full_text" follows (NYT layout)
 *   captions     media-caption elements, one per line
 * Entity safety: parsed (xmlCtxtReadMemory) with XML_PARSE_NONET and
 * without NOENT, DTDLOAD or DTDATTR, whatever libxml2's global defaults
 * say, so no DTD, external entity or parameter entity is read from disk
 * or network (a reference to one stays empty); internal entities are
 * expanded within a budget of about 1 MB and 8 levels per document.
 * Returns 1 (the article given), or -1 with err naming path and reason:
 * "not well-formed XML: line N: msg", "not NITF: no <nitf> root", "no
 * body text", "too large for XML". */
int nitf_parse(const char *path, const char *uid_base, const char *data,
               size_t n, struct fmt_sink *sink, struct mg_err *err);

/* True when head (the first n bytes of a file) looks like NITF: an XML
 * document (BOM, declaration, comments, processing instructions and a
 * DOCTYPE allowed before it) whose root element is nitf, with or without
 * a namespace prefix; when a long DOCTYPE hides the root, its declared
 * name.  Can't fail. */
int nitf_sniff(const char *head, size_t n);

#endif
