/*
 * dates.c - date parsing.
 */
#include "dates.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const MONTHS[12] = {"jan", "feb", "mar", "apr",
                                       "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"};

/* Month number (1..12) of a month name or its 3-letter abbreviation at
 * p; *len gets the letters consumed.  0 when it is not a month. */
static int month_at(const char *p, int *len)
{
    int n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    *len = n;
    if (n < 3)
        return 0;
    static const char *const FULL[12] = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december"};
    for (int m = 0; m < 12; m++) {
        if (n == 3 && strncasecmp(p, MONTHS[m], 3) == 0)
            return m + 1;
        if ((size_t)n == strlen(FULL[m]) &&
            strncasecmp(p, FULL[m], (size_t)n) == 0)
            return m + 1;
        if (n == 4 && m == 8 && strncasecmp(p, "sept", 4) == 0)
            return 9;
    }
    return 0;
}

/* Whether y-m-d hh:mm:ss can be stored: 0 when it can; DATE_NO_SUCH_DAY
 * when all but the day can (a month of 00 or 13, 31 April, 29 February
 * 1987), out then getting the day as written, "1987-02-29"; -1 when the
 * year (1000 to 2999) or the time is out of range. */
static int check(char out[32], int y, int m, int d, int hh, int mm, int ss)
{
    if (y < 1000 || y > 2999 || m < 0 || m > 99 || d < 0 || d > 99)
        return -1;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    if (!mg_date_valid(y, m, d)) {
        snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
        return DATE_NO_SUCH_DAY;
    }
    return 0;
}

/* Reads "HH:MM[:SS[.frac]]" at *pp; returns 1 when present. */
static int read_time(const char **pp, int *hh, int *mm, int *ss)
{
    const char *p = *pp;
    int n = 0;
    *ss = 0;
    if (sscanf(p, "%2d:%2d%n", hh, mm, &n) < 2)
        return 0;
    p += n;
    if (*p == ':' && sscanf(p + 1, "%2d%n", ss, &n) == 1)
        p += 1 + n;
    if (*p == '.' || *p == ',')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    *pp = p;
    return 1;
}

/* Reads a zone (Z, +hh:mm, +hhmm, GMT, UT, UTC, or US zones) at *pp;
 * returns 1 and the offset east of UTC in minutes when present. */
static int read_zone(const char **pp, int *off)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    if (*p == 'Z' && !isalpha((unsigned char)p[1])) {
        *off = 0;
        *pp = p + 1;
        return 1;
    }
    if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        int h = 0, m = 0, n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &n) == 2 ||
            sscanf(p + 1, "%2d%2d%n", &h, &m, &n) == 2 ||
            (m = 0, sscanf(p + 1, "%2d%n", &h, &n) == 1)) {
            if (h > 14 || m > 59)
                return 0;
            *off = (h * 60 + m) * (*p == '-' ? -1 : 1);
            *pp = p + 1 + n;
            return 1;
        }
    }
    static const struct {
        const char *name;
        int off;
    } Z[] = {{"UTC", 0},    {"GMT", 0},    {"UT", 0},     {"EST", -300},
             {"EDT", -240}, {"CST", -360}, {"CDT", -300}, {"MST", -420},
             {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
    for (size_t i = 0; i < sizeof Z / sizeof *Z; i++) {
        size_t n = strlen(Z[i].name);
        if (strncmp(p, Z[i].name, n) == 0 && !isalpha((unsigned char)p[n])) {
            *off = Z[i].off;
            *pp = p + n;
            return 1;
        }
    }
    return 0;
}

static void format(char out[32], int y, int m, int d, int has_time, int hh,
                   int mm, int ss, int has_zone, int off)
{
    if (!has_time) {
        snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
        return;
    }
    if (!has_zone) {
        snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
        return;
    }
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    time_t t = timegm(&tm) - (time_t)off * 60;
    struct tm u;
    gmtime_r(&t, &u);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &u);
}

/* After the date: an optional time and zone, then nothing but spaces.
 * Returns as check() does; out is left as it is on -1. */
static int finish(const char *p, char out[32], int y, int m, int d)
{
    int hh = 0, mm = 0, ss = 0, off = 0, has_time = 0, has_zone = 0;
    while (*p == ' ' || *p == 'T' || *p == ',')
        p++;
    if (isdigit((unsigned char)*p)) {
        if (!read_time(&p, &hh, &mm, &ss))
            return -1;
        has_time = 1;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "am", 2) == 0 || strncasecmp(p, "pm", 2) == 0) {
            if (hh == 12)
                hh = 0;
            if (tolower((unsigned char)*p) == 'p')
                hh += 12;
            p += 2;
        }
        has_zone = read_zone(&p, &off);
    }
    while (*p == ' ' || *p == '.')
        p++;
    if (*p == '(') /* "+0000 (GMT)" */
        p += strlen(p);
    if (*p)
        return -1;
    int rc = check(out, y, m, d, hh, mm, ss);
    if (rc == 0)
        format(out, y, m, d, has_time, hh, mm, ss, has_zone, off);
    return rc;
}

/* Two digits at p as a number. */
static int two(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Compact ISO 8601 (NITF): YYYYMMDD, then optionally T and HHMMSS (or
 * HHMM) and a zone.  s starts with 8 digits not followed by another.
 * Returns as check() does; out is left as it is on -1. */
static int compact_iso(const char *s, char out[32])
{
    int y = two(s) * 100 + two(s + 2), m = two(s + 4), d = two(s + 6);
    int hh = 0, mm = 0, ss = 0, off = 0, has_time = 0, has_zone = 0;
    const char *p = s + 8;
    if (*p == 'T') {
        int k = 0;
        while (isdigit((unsigned char)p[1 + k]))
            k++;
        if (k != 6 && k != 4)
            return -1;
        hh = two(p + 1);
        mm = two(p + 3);
        ss = k == 6 ? two(p + 5) : 0;
        p += 1 + k;
        has_time = 1;
        has_zone = read_zone(&p, &off);
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return -1;
    int rc = check(out, y, m, d, hh, mm, ss);
    if (rc == 0)
        format(out, y, m, d, has_time, hh, mm, ss, has_zone, off);
    return rc;
}

int date_order_parse(const char *name, enum date_order *order)
{
    for (int o = DATE_ORDER_AUTO; o <= DATE_ORDER_MDY; o++)
        if (strcmp(name, date_order_name((enum date_order)o)) == 0) {
            *order = (enum date_order)o;
            return 0;
        }
    return -1;
}

const char *date_order_name(enum date_order order)
{
    return order == DATE_ORDER_DMY   ? "dmy"
           : order == DATE_ORDER_MDY ? "mdy"
                                     : "auto";
}

/* A date that starts with its day, at p: "26-FEB-1987", "09 Feb 2018",
 * "9 February 2018", or one of numbers only, "09/02/2018", "09.02.2018",
 * read in the given order.  As date_parse_order(). */
static int day_first(const char *p, enum date_order order, char out[32])
{
    int y, m, d, n = 0, ml;
    d = (int)strtol(p, (char **)&p, 10);
    if (*p == '-' || *p == ' ') {
        p++;
        m = month_at(p, &ml);
        if (m) {
            p += ml;
            if (*p == '.')
                p++;
            if (*p == '-' || *p == ' ' || *p == ',') {
                while (*p == '-' || *p == ' ' || *p == ',')
                    p++;
                if (sscanf(p, "%4d%n", &y, &n) == 1 && n == 4)
                    return finish(p + n, out, y, m, d);
            }
        }
        return out[0] = 0, -1;
    }
    /* 09/02/2018, 09.02.2018 */
    if (*p == '/' || *p == '.') {
        char sep = *p;
        int a = d, b;
        if (sscanf(p + 1, "%2d%n", &b, &n) != 1 || p[1 + n] != sep)
            return -1;
        p += 1 + n + 1;
        if (sscanf(p, "%4d%n", &y, &n) != 1 || n != 4)
            return -1;
        /* the other order would read it: a month of 13 or more one way
         * and of 12 or less the other */
        int other =
            order == DATE_ORDER_MDY ? a > 12 && b <= 12 : b > 12 && a <= 12;
        int by_month =
            order == DATE_ORDER_MDY || (order == DATE_ORDER_AUTO && other);
        m = by_month ? a : b;
        d = by_month ? b : a;
        int rc = finish(p + n, out, y, m, d);
        return rc == DATE_NO_SUCH_DAY && other && order != DATE_ORDER_AUTO
                   ? DATE_OTHER_ORDER
                   : rc;
    }
    return out[0] = 0, -1;
}

/* A date that starts with its month, at p: "February 9, 2018",
 * "Feb. 9 2018", "Feb 9th, 2018".  As date_parse(). */
static int month_first(const char *p, char out[32])
{
    int y, d, n = 0, ml;
    int m = month_at(p, &ml);
    if (m) {
        p += ml;
        if (*p == '.')
            p++;
        if (sscanf(p, " %2d%n", &d, &n) == 1) {
            p += n;
            if (strncmp(p, "st", 2) == 0 || strncmp(p, "nd", 2) == 0 ||
                strncmp(p, "rd", 2) == 0 || strncmp(p, "th", 2) == 0)
                p += 2;
            while (*p == ',' || *p == ' ')
                p++;
            if (sscanf(p, "%4d%n", &y, &n) == 1 && n == 4)
                return finish(p + n, out, y, m, d);
        }
    }
    return -1;
}

int date_parse(const char *s, char out[32])
{
    return date_parse_order(s, DATE_ORDER_AUTO, out);
}

int date_parse_order(const char *s, enum date_order order, char out[32])
{
    out[0] = 0;
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    int y, m, d, n = 0, ml;
    /* Compact ISO 8601: 20180209T143000+0900 */
    int digits = 0;
    while (digits < 9 && isdigit((unsigned char)s[digits]))
        digits++;
    if (digits == 8)
        return compact_iso(s, out);
    /* ISO 8601 */
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10)
        return finish(s + n, out, y, m, d);
    /* A weekday name in front ("Fri, 09 Feb 2018"). */
    const char *p = s;
    if (isalpha((unsigned char)*p)) {
        const char *q = p;
        while (isalpha((unsigned char)*q))
            q++;
        if (*q == ',' && !month_at(p, &ml)) {
            p = q + 1;
            while (*p == ' ')
                p++;
        }
    }
    if (isdigit((unsigned char)*p))
        return day_first(p, order, out);
    return month_first(p, out);
}
