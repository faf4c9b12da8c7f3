/*
 * util.h - small shared helpers: allocation, growable strings, error records,
 * file reading, hashing and calendar dates.  Used by every other module.
 */
#ifndef MORGUE_UTIL_H
#define MORGUE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define MORGUE_VERSION "0.1.0"

/* Error record filled by functions that can fail.  msg names the input
 * and the reason, one line, no trailing newline. */
struct mg_err {
    char msg[512];
};

/* Formats msg into err (which may be NULL) and returns -1, so callers can
 * write `return mg_fail(err, "...", ...)`. */
int mg_fail(struct mg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation wrappers: abort the program with a message when memory runs
 * out (the only failure they have).  mg_strndup copies n bytes and adds a
 * terminating NUL.  mg_strdup(NULL) returns NULL. */
void *mg_malloc(size_t n);
void *mg_calloc(size_t count, size_t n);
void *mg_realloc(void *p, size_t n);
char *mg_strdup(const char *s);
char *mg_strndup(const char *s, size_t n);

/* The line that starts at *s, up to its '\n' or the end of the string:
 * *line points at it and its length is returned; *s moves past it and
 * its '\n'.  Call while **s is not NUL.  Can't fail. */
size_t mg_next_line(const char **s, const char **line);

/* A growable byte string, always NUL-terminated once anything was added.
 * Zero-initialise (`struct buf b = {0};`) to start; buf_free() releases. */
struct buf {
    char *s;
    size_t len;
    size_t cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_clear(struct buf *b);
/* Hands the string to the caller (never NULL: "" when empty) and resets b. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* Reads a whole file into *out (NUL-terminated, caller frees) and its
 * length into *len.  Fails with a message naming the path. */
int mg_read_file(const char *path, char **out, size_t *len, struct mg_err *err);

/* 64-bit FNV-1a hash of n bytes; can't fail. */
uint64_t mg_hash64(const void *p, size_t n);

/* splitmix64's finaliser: every output bit a fair coin of the whole word
 * (for hashes whose low bits are poor: FNV-1a, polynomial). */
uint64_t mg_mix64(uint64_t x);

/* Seconds on the monotonic clock. */
double mg_now(void);

/* Reads the decimal number s, from lo to hi, into *out; else prints
 * "PROG: WHAT must be a number from LO to HI, not "S"" on stderr and
 * returns -1. */
int mg_parse_int(const char *prog, const char *s, const char *what, int lo,
                 int hi, int *out);

/* Trims ASCII whitespace at both ends in place; returns s. */
char *mg_trim(char *s);

/* Writes an ASCII-lowercased copy of s to a new string. */
char *mg_lower_ascii(const char *s);

/* Decodes the UTF-8 code point at s[pos] (pos < len) into *cp, -1 for an
 * invalid sequence.  Returns the number of bytes it takes (>= 1). */
int mg_utf8_decode(const char *s, int len, int pos, int32_t *cp);

/* The host of an http(s) URL without a leading "www." ("example.com"),
 * as a new string; NULL when url is not an http(s) URL. */
char *mg_url_host(const char *url);

/* Whether year-month-day is a day of the proleptic Gregorian calendar:
 * month 1 to 12, day 1 to the month's length (mg_month_days).  Any year,
 * 0 and negative ones too.  1 or 0; can't fail. */
int mg_date_valid(int year, int month, int day);

/* The number of days of month (1 to 12) in year: 28 to 31, February 29
 * in a leap year (divisible by 4, not by 100 unless by 400: 1988 and 2000
 * are, 1987 and 1900 are not).  0 for a month outside 1 to 12. */
int mg_month_days(int year, int month);

#define MG_DATE_FORM (-1) /* not YYYY, YYYY-MM or YYYY-MM-DD[T...] */
#define MG_DATE_NONE (-2) /* of that form, but no such month or day */

/* Checks the ISO 8601 date in the n bytes at s (no NUL needed): "YYYY",
 * "YYYY-MM", "YYYY-MM-DD", or "YYYY-MM-DDT" and anything after (a time,
 * not checked), as in articles.date and date: queries.  Returns 0 when it
 * has that form and its month and day exist (mg_date_valid);
 * MG_DATE_FORM when it has not that form; MG_DATE_NONE when it has but
 * the month or day does not exist.  On failure err (may be NULL) gets
 * the text, ": " and the reason, e.g.
 *   1987-02-29: no such day (1987 is not a leap year)
 *   2023-04-31: no such day (April has 30 days)
 *   2020-13-01: no such month (months are 01 to 12)
 *   87-02-01: not a date (YYYY, YYYY-MM or YYYY-MM-DD)
 * Can't fail otherwise. */
int mg_date_check(const char *s, size_t n, struct mg_err *err);

#endif
