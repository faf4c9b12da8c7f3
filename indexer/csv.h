/*
 * csv.h - reading CSV files (RFC 4180, also ';' or TAB separated) into
 * articles, one per record, their columns chosen by the header's names.
 */
#ifndef MORGUE_CSV_H
#define MORGUE_CSV_H

#include <stddef.h>

#include "formats.h"
#include "input.h"
#include "util.h"

/* Largest field csv_parse() reads; a larger one fails the file. */
#define CSV_FIELD_MAX ((size_t)64 << 20)

/* Largest number of header columns csv_parse() reads. */
#define CSV_COLUMNS_MAX 4096

/* Reads CSV with a header row from in, which must not have been read
 * from yet (only its head looked at).  Streamed record by record: never
 * the whole file in memory.  One article per record, given to sink with
 * path input_path(in).
 *
 * Columns are mapped by header name, case-insensitive, trimmed, with ' '
 * and '-' read as '_':
 *   title|headline -> title      text|article|body|content|story -> body
 *   date|published|publish_date|pubdate|datetime|date_published|
 *   datepublished|published_at|publication_date|pub_date -> date
 *   url|link -> url              source|publication|site -> source
 *   author|authors|byline -> byline
 *   highlights|summary|abstract -> highlights
 *   id|uid|guid -> uid           section|category -> section
 *   language|lang -> language    description -> description
 * others are ignored.  When several columns map to one field, the first
 * non-blank one in that order (then header order) is used.  Fields are
 * passed raw (multi-line fields keep their lines, "\r\n" read as "\n");
 * blank ones are left NULL.
 *
 * RFC 4180: fields separated by commas, or by ';' or TAB when the header
 * line has no comma (the more frequent of the two); "quoted" fields with
 * "" for a quote, running over several lines; CRLF, LF or CR line ends;
 * a UTF-8 BOM.  Lenient where files are: spaces before an opening quote
 * are dropped, text after a closing quote is kept, a quote inside an
 * unquoted field is an ordinary character, blank lines are skipped.
 *
 * Id: the id column, else "uid_base#N" with N the record number (1-based,
 * not counting the header; skipped records are counted).
 *
 * A record whose number of fields differs from the header's, or that has
 * neither title nor body text, goes to sink->warn as "PATH:LINE: reason"
 * (LINE: the physical line where the record starts) and is skipped; so is
 * a record with a quote left open at the end of the file.
 *
 * Returns the number of articles given to the sink (>= 0; the parse
 * stops early when the sink says stop), or -1 with err set when the file
 * as a whole can't be read: no header line, a header without any
 * text/body/article/content/story/title/headline column ("PATH: CSV header
 * has no title or text column (columns: ...)"), more than
 * CSV_COLUMNS_MAX columns, a field larger than CSV_FIELD_MAX, or a read
 * or decompression error.  Articles given before a failure stay given. */
int csv_parse(struct input *in, const char *uid_base, struct fmt_sink *sink,
              struct mg_err *err);

/* True when head (the first n bytes of a file) looks like CSV with a
 * header: a first line, ended by a line end, of 2..200 fields separated
 * as csv_parse() would split them that are short names (up to 64 bytes
 * and 4 words of letters, digits, '_', '-' and spaces, optionally quoted;
 * at least one not empty); not followed by a blank line; and a next
 * record (when the head holds it whole) with as many fields.  It does not
 * look at the names themselves.  Can't fail. */
int csv_sniff(const char *head, size_t n);

#endif
