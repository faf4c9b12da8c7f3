/*
 * dates.h - reading the dates archives contain into ISO 8601.
 */
#ifndef MORGUE_DATES_H
#define MORGUE_DATES_H

#define DATE_NO_SUCH_DAY (-2) /* date_parse: a day that does not exist */
/* date_parse_order: 04/13/1987 read day first (or 13/04/1987 month first) */
#define DATE_OTHER_ORDER (-3)

/* How a date written with numbers only, 03/04/1987 or 03.04.1987, is
 * read (morgue-index --date-order; docs/formats.md). */
enum date_order {
    DATE_ORDER_AUTO = 0, /* day first, but month first when only that
                          * reads (04/13/1987 is 13 April) */
    DATE_ORDER_DMY,      /* day first; 04/13/1987 is refused */
    DATE_ORDER_MDY,      /* month first; 13/04/1987 is refused */
};

/* The order named "auto", "dmy" or "mdy" into *order: 0, or -1 for any
 * other name. */
int date_order_parse(const char *name, enum date_order *order);

/* The name of an order: "auto", "dmy" or "mdy". */
const char *date_order_name(enum date_order order);

/* Parses s into out as "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (local time
 * of the source, zone unknown) or "YYYY-MM-DDTHH:MM:SSZ" (a zone was
 * given, converted to UTC).  Accepted:
 *   2018-02-09, 2018-02-09T14:30:00+09:00, 2018-02-09 14:30
 *   20180209, 20180209T143000, 20180209T143000Z,
 *   20180209T143000+0900 (compact ISO 8601, as in NITF; also THHMM)
 *   26-FEB-1987 15:01:01.79                       (Reuters)
 *   Fri, 09 Feb 2018 14:30:00 +0000               (RFC 2822)
 *   February 9, 2018 / Feb. 9, 2018 / 9 February 2018
 *   09/02/2018 and 09.02.2018: day first, unless the second number can't
 *   be a month (02/13/2018 is 13 February)
 * Returns 0; -1 when s is not a date (out is then ""); or
 * DATE_NO_SUCH_DAY when s is written as one of these but names a day
 * that does not exist: 29 February 1987 (not a leap year), 31 April,
 * month 00 or 13, day 00 or 32.  out then holds that day as written,
 * "1987-02-29" (no time), for a message (mg_date_check in util.h says
 * why it does not exist); it is not a date to store.  Whatever the
 * zone, a date that does not exist is never moved to one that does. */
int date_parse(const char *s, char out[32]);

/* date_parse() with numeric dates (03/04/1987, 03.04.1987) read in the
 * given order; date_parse() is DATE_ORDER_AUTO.  Returns as date_parse(),
 * and DATE_OTHER_ORDER when order is DATE_ORDER_DMY or DATE_ORDER_MDY
 * and the date reads only in the other one: out then holds the day as
 * read in the order given, "1987-13-04" for 04/13/1987 read day first. */
int date_parse_order(const char *s, enum date_order order, char out[32]);

#endif
