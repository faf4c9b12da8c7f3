/*
 * dates.h - reading the dates archives contain into ISO 8601.
 */
#ifndef MORGUE_DATES_H
#define MORGUE_DATES_H

#define DATE_NO_SUCH_DAY (-2) /* date_parse: a day that does not exist */

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

#endif
