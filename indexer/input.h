/*
 * input.h - reading an input as a stream: a file or standard input ("-"),
 * gzip-compressed or not (zlib decompresses on the fly; nothing is
 * unpacked to disk).  Parsers read records from it without loading the
 * whole file when the format allows.
 */
#ifndef MORGUE_INPUT_H
#define MORGUE_INPUT_H

#include <stddef.h>

#include "util.h"

/* Size of the head used for format detection. */
#define INPUT_HEAD 4096

struct input;

/* Opens path ("-" for standard input) and reads its head.  A regular
 * file that is gzip-compressed is first decompressed once in full, to
 * nothing, checking every member's CRC-32 and length: a file cut short
 * (in its data or before its 8-byte trailer, as by an interrupted copy)
 * or corrupt fails here, before any of its data is read.  That costs a
 * second decompression of the file.  Fails with a message naming the
 * path (missing, unreadable, "gzip data cut short (no trailer):
 * interrupted copy?", "gzip checksum mismatch (corrupt data)", ...). */
int input_open(const char *path, struct input **out, struct mg_err *err);

/* Closes the input; takes NULL. */
void input_close(struct input *in);

/* The first bytes (up to INPUT_HEAD, decompressed) without consuming
 * them; *n gets their number.  Borrowed, valid until input_close(). */
const char *input_head(struct input *in, size_t *n);

/* True when the data was gzip-compressed. */
int input_gzipped(const struct input *in);

/* Reads up to n bytes into buf.  Returns the count, 0 at the end, -1 on
 * a read or decompression error (err set).  A gzip stream that ends
 * before its trailer (standard input, or a file cut while it is read) is
 * an error at its end, after the data before the cut was returned. */
long input_read(struct input *in, char *buf, size_t n, struct mg_err *err);

/* Reads the next line without its "\n" (or "\r\n") into *line, borrowed
 * and valid until the next call.  Returns its length, -1 at the end, -2
 * on error (err set). */
long input_line(struct input *in, const char **line, struct mg_err *err);

/* Reads everything left into *out (NUL-terminated, caller frees) when it
 * is at most max bytes; otherwise fails ("larger than ... MB"). */
int input_all(struct input *in, size_t max, char **out, size_t *len,
              struct mg_err *err);

/* The path given to input_open(), borrowed. */
const char *input_path(const struct input *in);

#endif
