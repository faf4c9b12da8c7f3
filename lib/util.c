/*
 * util.c - allocation wrappers, growable strings, error records, dates.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <utf8proc.h>

int mg_fail(struct mg_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void oom(void)
{
    fputs("morgue: out of memory\n", stderr);
    abort();
}

void *mg_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *mg_calloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *mg_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *mg_strndup(const char *s, size_t n)
{
    char *d = mg_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

size_t mg_next_line(const char **s, const char **line)
{
    const char *nl = strchr(*s, '\n');
    size_t n = nl ? (size_t)(nl - *s) : strlen(*s);
    *line = *s;
    *s += n + (nl != NULL);
    return n;
}

char *mg_strdup(const char *s)
{
    return s ? mg_strndup(s, strlen(s)) : NULL;
}

void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1)
            cap *= 2;
        b->s = mg_realloc(b->s, cap);
        b->cap = cap;
        b->s[b->len] = 0;
    }
}

void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}

char *buf_take(struct buf *b)
{
    char *s = b->s ? b->s : mg_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void buf_free(struct buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int mg_read_file(const char *path, char **out, size_t *len, struct mg_err *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mg_fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        buf_free(&b);
        return mg_fail(err, "%s: read error: %s", path, strerror(saved));
    }
    *len = b.len;
    *out = buf_take(&b);
    return 0;
}

double mg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t mg_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t mg_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

char *mg_trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
    return s;
}

static char *mg_lower_ascii_n(const char *s, size_t n)
{
    char *d = mg_strndup(s, n);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

char *mg_lower_ascii(const char *s)
{
    return mg_lower_ascii_n(s, strlen(s));
}

char *mg_url_host(const char *url)
{
    if (!url)
        return NULL;
    const char *p = NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    if (!p)
        return NULL;
    if (strncasecmp(p, "www.", 4) == 0)
        p += 4;
    size_t n = strcspn(p, "/?#:");
    return n ? mg_lower_ascii_n(p, n) : NULL;
}

int mg_utf8_decode(const char *s, int len, int pos, int32_t *cp)
{
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)s + pos, len - pos, cp);
    if (n <= 0) {
        *cp = -1;
        return 1;
    }
    return (int)n;
}

int mg_parse_int(const char *prog, const char *s, const char *what, int lo,
                 int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "%s: %s must be a number from %d to %d, not \"%s\"\n",
                prog, what, lo, hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int mg_month_days(int year, int month)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && leap_year(year) ? 29 : DAYS[month - 1];
}

int mg_date_valid(int year, int month, int day)
{
    return day >= 1 && day <= mg_month_days(year, month);
}

/* The number written by the n digits at s, or -1 when one is not a
 * digit. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int mg_date_check(const char *s, size_t n, struct mg_err *err)
{
    static const char *const NAMES[12] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    int show = n > 64 ? 64 : (int)n; /* a long text is named by its start */
    int y = n >= 4 ? digits(s, 4) : -1, m = 1, d = 1;
    int form = y >= 0 && (n == 4 || n == 7 || n >= 10);
    if (form && n >= 7)
        form = s[4] == '-' && (m = digits(s + 5, 2)) >= 0;
    if (form && n >= 10)
        form = s[7] == '-' && (d = digits(s + 8, 2)) >= 0 &&
               (n == 10 || s[10] == 'T');
    if (!form) {
        mg_fail(err, "%.*s: not a date (YYYY, YYYY-MM or YYYY-MM-DD)", show, s);
        return MG_DATE_FORM;
    }
    if (m < 1 || m > 12) {
        mg_fail(err, "%.*s: no such month (months are 01 to 12)", show, s);
        return MG_DATE_NONE;
    }
    if (d < 1) {
        mg_fail(err, "%.*s: no such day (days start at 01)", show, s);
        return MG_DATE_NONE;
    }
    if (!mg_date_valid(y, m, d)) {
        if (m == 2 && d == 29)
            mg_fail(err, "%.*s: no such day (%04d is not a leap year)", show, s,
                    y);
        else if (m == 2)
            mg_fail(err, "%.*s: no such day (February %04d has %d days)", show,
                    s, y, mg_month_days(y, m));
        else
            mg_fail(err, "%.*s: no such day (%s has %d days)", show, s,
                    NAMES[m - 1], mg_month_days(y, m));
        return MG_DATE_NONE;
    }
    return 0;
}
