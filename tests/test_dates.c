/*
 * test_dates.c - reading archive dates into ISO 8601 (indexer/dates.h):
 * every accepted form, and what is refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "helpers.h"

TestSuite(dates, .fini = expect_no_leaks);

#define assert_date(in, want)                                                  \
    do {                                                                       \
        char out_[32] = "garbage";                                             \
        int rc_ = date_parse((in), out_);                                      \
        cr_expect_eq(rc_, 0, "date_parse(\"%s\") refused it", (in));           \
        cr_expect_str_eq(out_, (want), "date_parse(\"%s\")", (in));            \
    } while (0)

#define assert_not_date(in)                                                    \
    do {                                                                       \
        char out_[32] = "garbage";                                             \
        int rc_ = date_parse((in), out_);                                      \
        cr_expect_eq(rc_, -1, "date_parse(\"%s\") gave \"%s\"", (in), out_);   \
        cr_expect_str_eq(out_, "", "out is \"\" after a refusal");             \
    } while (0)

/* Written as a date, but that day does not exist: DATE_NO_SUCH_DAY, out
 * the day as written (never a day it was moved to). */
#define assert_no_such_day(in, day)                                            \
    do {                                                                       \
        char out_[32] = "garbage";                                             \
        int rc_ = date_parse((in), out_);                                      \
        cr_expect_eq(rc_, DATE_NO_SUCH_DAY, "date_parse(\"%s\") = %d, \"%s\"", \
                     (in), rc_, out_);                                         \
        cr_expect_str_eq(out_, (day), "date_parse(\"%s\")", (in));             \
    } while (0)

Test(dates, iso_8601)
{
    assert_date("2018-02-09", "2018-02-09");
    assert_date("  2018-02-09  ", "2018-02-09");
    assert_date("2018-02-09T14:30:00", "2018-02-09T14:30:00");
    assert_date("2018-02-09T14:30", "2018-02-09T14:30:00");
    assert_date("2018-02-09 14:30", "2018-02-09T14:30:00");
    assert_date("2018-02-09T14:30:00.123", "2018-02-09T14:30:00");
}

Test(dates, iso_8601_with_zone_converted_to_utc)
{
    assert_date("2018-02-09T14:30:00+09:00", "2018-02-09T05:30:00Z");
    assert_date("2018-02-09T14:30:00Z", "2018-02-09T14:30:00Z");
    assert_date("2018-02-09T14:30:00+0000", "2018-02-09T14:30:00Z");
    assert_date("2018-02-09T14:30:00-05:00", "2018-02-09T19:30:00Z");
    /* Across midnight, a month end and a year end. */
    assert_date("2018-02-09T23:30:00-05:00", "2018-02-10T04:30:00Z");
    assert_date("2018-03-01T01:00:00+02:00", "2018-02-28T23:00:00Z");
    assert_date("2019-01-01T00:30:00+01:00", "2018-12-31T23:30:00Z");
    assert_date("2016-03-01T00:30:00+01:00", "2016-02-29T23:30:00Z");
}

Test(dates, reuters)
{
    assert_date("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01");
    assert_date(" 2-MAR-1987 01:28:24.34", "1987-03-02T01:28:24");
    assert_date("26-FEB-1987", "1987-02-26");
}

Test(dates, rfc_2822)
{
    assert_date("Fri, 09 Feb 2018 14:30:00 +0000", "2018-02-09T14:30:00Z");
    assert_date("Fri, 09 Feb 2018 14:30:00 +0900", "2018-02-09T05:30:00Z");
    assert_date("Fri, 09 Feb 2018 14:30:00 GMT", "2018-02-09T14:30:00Z");
    assert_date("Fri, 09 Feb 2018 09:30:00 EST", "2018-02-09T14:30:00Z");
    assert_date("Fri, 09 Feb 2018 14:30:00 +0000 (GMT)",
                "2018-02-09T14:30:00Z");
    assert_date("9 Feb 2018 14:30:00 +0000", "2018-02-09T14:30:00Z");
    assert_date("Fri, 9 Feb 2018", "2018-02-09");
}

Test(dates, written_out)
{
    assert_date("February 9, 2018", "2018-02-09");
    assert_date("February 9 2018", "2018-02-09");
    assert_date("Feb. 9, 2018", "2018-02-09");
    assert_date("Feb 9, 2018", "2018-02-09");
    assert_date("Sept. 9, 2018", "2018-09-09");
    assert_date("February 9th, 2018", "2018-02-09");
    assert_date("9 February 2018", "2018-02-09");
    assert_date("09 february 2018", "2018-02-09");
    assert_date("9 Feb. 2018", "2018-02-09");
    assert_date("February 9, 2018 2:30 pm", "2018-02-09T14:30:00");
    assert_date("February 9, 2018 12:15 am", "2018-02-09T00:15:00");
    assert_date("February 9, 2018 12:15 PM", "2018-02-09T12:15:00");
    assert_date("Friday, February 9, 2018", "2018-02-09");
}

Test(dates, numeric_day_first)
{
    assert_date("09/02/2018", "2018-02-09");
    assert_date("09.02.2018", "2018-02-09");
    assert_date("9/2/2018", "2018-02-09");
    /* The second number can't be a month: month first. */
    assert_date("02/13/2018", "2018-02-13");
    assert_date("12/31/2018", "2018-12-31");
    assert_date("31/12/2018", "2018-12-31");
    assert_date("09/02/2018 14:30", "2018-02-09T14:30:00");
}

/* date_parse_order(in, order) gives want (rc 0), or refuses it with rc
 * and out as read (rc DATE_OTHER_ORDER or DATE_NO_SUCH_DAY). */
#define assert_order(in, order, want_rc, want)                                 \
    do {                                                                       \
        char out_[32] = "garbage";                                             \
        int rc_ = date_parse_order((in), (order), out_);                       \
        cr_expect_eq(rc_, (want_rc), "date_parse_order(\"%s\", %s) = %d",      \
                     (in), date_order_name(order), rc_);                       \
        cr_expect_str_eq(out_, (want), "date_parse_order(\"%s\", %s)", (in),   \
                         date_order_name(order));                              \
    } while (0)

Test(dates, numeric_order_auto_is_date_parse)
{
    assert_order("03/04/1987", DATE_ORDER_AUTO, 0, "1987-04-03");
    assert_order("13/04/1987", DATE_ORDER_AUTO, 0, "1987-04-13");
    assert_order("04/13/1987", DATE_ORDER_AUTO, 0, "1987-04-13");
    assert_order("13/13/1987", DATE_ORDER_AUTO, DATE_NO_SUCH_DAY, "1987-13-13");
}

Test(dates, numeric_order_month_first)
{
    assert_order("03/04/1987", DATE_ORDER_MDY, 0, "1987-03-04");
    assert_order("03.04.1987", DATE_ORDER_MDY, 0, "1987-03-04");
    assert_order("3/4/1987 14:30", DATE_ORDER_MDY, 0, "1987-03-04T14:30:00");
    assert_order("04/13/1987", DATE_ORDER_MDY, 0, "1987-04-13");
    assert_order("12/31/2018", DATE_ORDER_MDY, 0, "2018-12-31");
    assert_order("02/29/1988", DATE_ORDER_MDY, 0, "1988-02-29");
    /* day first in a month-first archive: refused, not swapped */
    assert_order("13/04/1987", DATE_ORDER_MDY, DATE_OTHER_ORDER, "1987-13-04");
    assert_order("31/12/2018", DATE_ORDER_MDY, DATE_OTHER_ORDER, "2018-31-12");
    /* a day that does not exist in either order */
    assert_order("02/29/1987", DATE_ORDER_MDY, DATE_NO_SUCH_DAY, "1987-02-29");
    assert_order("13/13/1987", DATE_ORDER_MDY, DATE_NO_SUCH_DAY, "1987-13-13");
    /* other forms do not depend on the order */
    assert_order("1987-03-04", DATE_ORDER_MDY, 0, "1987-03-04");
    assert_order("4 March 1987", DATE_ORDER_MDY, 0, "1987-03-04");
    assert_order("26-FEB-1987", DATE_ORDER_MDY, 0, "1987-02-26");
    assert_order("19870304", DATE_ORDER_MDY, 0, "1987-03-04");
}

Test(dates, numeric_order_day_first)
{
    assert_order("03/04/1987", DATE_ORDER_DMY, 0, "1987-04-03");
    assert_order("13/04/1987", DATE_ORDER_DMY, 0, "1987-04-13");
    assert_order("31.12.2018", DATE_ORDER_DMY, 0, "2018-12-31");
    assert_order("04/13/1987", DATE_ORDER_DMY, DATE_OTHER_ORDER, "1987-13-04");
    assert_order("29/02/1987", DATE_ORDER_DMY, DATE_NO_SUCH_DAY, "1987-02-29");
    assert_order("March 4, 1987", DATE_ORDER_DMY, 0, "1987-03-04");
}

Test(dates, numeric_order_names)
{
    enum date_order o = DATE_ORDER_AUTO;
    cr_expect_eq(date_order_parse("mdy", &o), 0);
    cr_expect_eq(o, DATE_ORDER_MDY);
    cr_expect_eq(date_order_parse("dmy", &o), 0);
    cr_expect_eq(o, DATE_ORDER_DMY);
    cr_expect_eq(date_order_parse("auto", &o), 0);
    cr_expect_eq(o, DATE_ORDER_AUTO);
    cr_expect_eq(date_order_parse("MDY", &o), -1);
    cr_expect_eq(date_order_parse("ymd", &o), -1);
    cr_expect_eq(date_order_parse("", &o), -1);
    cr_expect_str_eq(date_order_name(DATE_ORDER_MDY), "mdy");
}

Test(dates, refused)
{
    assert_not_date("");
    assert_not_date("   ");
    assert_not_date("yesterday");
    assert_not_date("2018");
    assert_not_date("0999-01-01");
    assert_not_date("2018-02-09 25:00");
    assert_not_date("2018-02-09 14:61");
    assert_not_date("2018-02-09 garbage");
    assert_not_date("2018-02-09T14:30:00+09:00 extra");
    assert_not_date("2018-2-9");
    assert_not_date("09/02/18");
    assert_not_date("09/02-2018");
    assert_not_date("9 Febtober 2018");
    assert_not_date("Febtober 9, 2018");
    assert_not_date("February 2018");
    assert_not_date("February 9");
    assert_not_date("26-FEB-87");
    assert_not_date("Fri, 09 Feb 2018 14:30:00 +0000 trailing");

    char out[32] = "garbage";
    cr_expect_eq(date_parse(NULL, out), -1);
    cr_expect_str_eq(out, "");
}

Test(dates, leap_days)
{
    assert_date("2016-02-29", "2016-02-29");
    assert_date("2000-02-29", "2000-02-29");
    assert_date("29 February 2016", "2016-02-29");
    assert_date("2016-02-29T23:00:00-02:00", "2016-03-01T01:00:00Z");
}

Test(dates, days_that_do_not_exist_are_refused)
{
    /* Not a date to store, but told apart from text that is no date, so
     * that the indexer can say why it dropped it. */
    assert_no_such_day("2018-02-30", "2018-02-30");
    assert_no_such_day("2018-02-29", "2018-02-29"); /* not a leap year */
    assert_no_such_day("2018-04-31", "2018-04-31");
    assert_no_such_day("31 April 2018", "2018-04-31");
    assert_no_such_day("30/02/2018", "2018-02-30");
    assert_no_such_day("1900-02-29", "1900-02-29"); /* not a leap year */
    assert_no_such_day("2018-02-30T10:00:00Z", "2018-02-30");
    /* a zone never moves it to a day that exists (1 or 2 March) */
    assert_no_such_day("2018-02-31T23:00:00-05:00", "2018-02-31");
    assert_no_such_day("Sun, 29 Feb 1987 14:30:00 +0900", "1987-02-29");
    assert_no_such_day("29-FEB-1987 15:01:01.79", "1987-02-29");
    assert_no_such_day("February 29, 1987", "1987-02-29");
    assert_no_such_day("32 January 2018", "2018-01-32");
    assert_no_such_day("13/13/2018", "2018-13-13");
    /* what is wrong besides the day still makes it no date */
    assert_not_date("1987-02-29 25:00");
    assert_not_date("1987-02-29 garbage");
    assert_not_date("0999-02-29");
}

Test(dates, leap_years)
{
    /* divisible by 4, not by 100 unless by 400 */
    assert_date("2000-02-29", "2000-02-29");
    assert_no_such_day("1900-02-29", "1900-02-29");
    assert_date("1988-02-29", "1988-02-29");
    assert_no_such_day("1987-02-29", "1987-02-29");
    assert_date("29-FEB-1988 10:00:00.00", "1988-02-29T10:00:00");
    assert_no_such_day("2100-02-29", "2100-02-29");
    assert_date("2400-02-29", "2400-02-29");
    assert_date("19880229", "1988-02-29");
    assert_no_such_day("19870229", "1987-02-29");
}

Test(dates, month_lengths)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        char in[32], want[32];
        snprintf(in, sizeof in, "2023-%02d-%02d", m, DAYS[m - 1]);
        assert_date(in, in);
        snprintf(in, sizeof in, "2023-%02d-%02d", m, DAYS[m - 1] + 1);
        assert_no_such_day(in, in);
        snprintf(in, sizeof in, "%d/%d/2023", DAYS[m - 1] + 1, m);
        snprintf(want, sizeof want, "2023-%02d-%02d", m, DAYS[m - 1] + 1);
        assert_no_such_day(in, want);
    }
}

Test(dates, month_0_and_13_and_day_0)
{
    assert_no_such_day("2018-13-01", "2018-13-01");
    assert_no_such_day("2018-00-10", "2018-00-10");
    assert_no_such_day("2018-02-00", "2018-02-00");
    assert_no_such_day("2018-02-32", "2018-02-32");
    assert_no_such_day("20181301", "2018-13-01");
    assert_no_such_day("20180010", "2018-00-10");
    assert_no_such_day("20180100", "2018-01-00");
    assert_no_such_day("0 February 2018", "2018-02-00");
}

Test(dates, compact_iso_8601_as_in_nitf)
{
    assert_date("20180209", "2018-02-09");
    assert_date("20180209T143000", "2018-02-09T14:30:00");
    assert_date("20180209T1430", "2018-02-09T14:30:00");
    assert_date("20180209T143000Z", "2018-02-09T14:30:00Z");
    assert_date("20180209T143000+0900", "2018-02-09T05:30:00Z");
    assert_date("20180209T143000-0500", "2018-02-09T19:30:00Z");
    assert_date("20180209T143000+09:00", "2018-02-09T05:30:00Z");
    assert_date(" 20180209T000000+0100 ", "2018-02-08T23:00:00Z");
    assert_date("20160229", "2016-02-29");
}

Test(dates, compact_iso_8601_refused)
{
    assert_not_date("1518186600"); /* an epoch number is not a date */
    assert_not_date("201802091");
    assert_not_date("2018020");
    assert_no_such_day("20181301", "2018-13-01");
    assert_no_such_day("20180230", "2018-02-30");
    assert_no_such_day("20180229", "2018-02-29");
    assert_not_date("20180209T");
    assert_not_date("20180209T14");
    assert_not_date("20180209T14300");
    assert_not_date("20180209T1430000");
    assert_not_date("20180209T250000");
    assert_not_date("20180209T143000+2500");
    assert_not_date("20180209T143000 garbage");
    assert_not_date("20180209 143000");
}
