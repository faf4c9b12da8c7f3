/*
 * test_util.c - the shared helpers (lib/util.h): calendar dates, which
 * days exist in the proleptic Gregorian calendar (mg_date_valid,
 * mg_month_days) and the ISO 8601 check queries and stored dates go
 * through (mg_date_check).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "util.h"

TestSuite(util, .fini = expect_no_leaks);

Test(util, leap_years)
{
    /* divisible by 4, not by 100 unless by 400 */
    cr_expect(mg_date_valid(2000, 2, 29), "2000 is a leap year (by 400)");
    cr_expect(!mg_date_valid(1900, 2, 29), "1900 is not (by 100)");
    cr_expect(mg_date_valid(1988, 2, 29), "1988 is (by 4)");
    cr_expect(!mg_date_valid(1987, 2, 29), "1987 is not");
    cr_expect(mg_date_valid(2016, 2, 29));
    cr_expect(!mg_date_valid(2100, 2, 29));
    cr_expect(mg_date_valid(2400, 2, 29));
    cr_expect(mg_date_valid(0, 2, 29), "year 0 is a leap year");
    cr_expect(!mg_date_valid(1988, 2, 30));
    cr_expect_eq(mg_month_days(1987, 2), 28);
    cr_expect_eq(mg_month_days(1988, 2), 29);
    cr_expect_eq(mg_month_days(1900, 2), 28);
    cr_expect_eq(mg_month_days(2000, 2), 29);
}

Test(util, month_lengths)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        cr_expect_eq(mg_month_days(2023, m), DAYS[m - 1], "month %d", m);
        cr_expect(mg_date_valid(2023, m, 1), "2023-%02d-01", m);
        cr_expect(mg_date_valid(2023, m, DAYS[m - 1]), "2023-%02d-%02d", m,
                  DAYS[m - 1]);
        cr_expect(!mg_date_valid(2023, m, DAYS[m - 1] + 1), "2023-%02d-%02d", m,
                  DAYS[m - 1] + 1);
    }
    cr_expect(!mg_date_valid(2023, 4, 31));
    cr_expect(!mg_date_valid(1999, 2, 30));
}

Test(util, month_0_and_13_and_day_0)
{
    cr_expect(!mg_date_valid(2020, 0, 10));
    cr_expect(!mg_date_valid(2020, 13, 1));
    cr_expect(!mg_date_valid(2020, -1, 1));
    cr_expect(!mg_date_valid(2020, 1, 0));
    cr_expect(!mg_date_valid(2020, 1, -1));
    cr_expect_eq(mg_month_days(2020, 0), 0);
    cr_expect_eq(mg_month_days(2020, 13), 0);
}

/* mg_date_check(s) returns want and, on failure, a message that is
 * exactly says. */
static void expect_check(const char *s, int want, const char *says)
{
    struct mg_err err = {"untouched"};
    int rc = mg_date_check(s, strlen(s), &err);
    cr_expect_eq(rc, want, "mg_date_check(\"%s\") = %d", s, rc);
    if (says)
        cr_expect_str_eq(err.msg, says, "mg_date_check(\"%s\")", s);
}

Test(util, iso_dates_that_exist)
{
    expect_check("1988-02-29", 0, NULL);
    expect_check("2000-02-29", 0, NULL);
    expect_check("1987-02-28", 0, NULL);
    expect_check("1987", 0, NULL);
    expect_check("1987-02", 0, NULL);
    expect_check("1987-12-31", 0, NULL);
    /* a stored date with its time (the time is not checked) */
    expect_check("1987-02-26T15:01:01", 0, NULL);
    expect_check("2018-02-09T05:30:00Z", 0, NULL);
    /* only the n bytes given are read */
    cr_expect_eq(mg_date_check("1987-02-29", 7, NULL), 0);
    cr_expect_eq(mg_date_check("1988-02-29xyz", 10, NULL), 0);
}

Test(util, iso_dates_that_do_not_exist_say_why)
{
    expect_check("1987-02-29", MG_DATE_NONE,
                 "1987-02-29: no such day (1987 is not a leap year)");
    expect_check("1900-02-29", MG_DATE_NONE,
                 "1900-02-29: no such day (1900 is not a leap year)");
    expect_check("1988-02-30", MG_DATE_NONE,
                 "1988-02-30: no such day (February 1988 has 29 days)");
    expect_check("1999-02-30", MG_DATE_NONE,
                 "1999-02-30: no such day (February 1999 has 28 days)");
    expect_check("2023-04-31", MG_DATE_NONE,
                 "2023-04-31: no such day (April has 30 days)");
    expect_check("2023-01-32", MG_DATE_NONE,
                 "2023-01-32: no such day (January has 31 days)");
    expect_check("2020-13-01", MG_DATE_NONE,
                 "2020-13-01: no such month (months are 01 to 12)");
    expect_check("2020-00-10", MG_DATE_NONE,
                 "2020-00-10: no such month (months are 01 to 12)");
    expect_check("2020-13", MG_DATE_NONE,
                 "2020-13: no such month (months are 01 to 12)");
    expect_check("2020-01-00", MG_DATE_NONE,
                 "2020-01-00: no such day (days start at 01)");
    expect_check("1987-02-29T10:00:00Z", MG_DATE_NONE,
                 "1987-02-29T10:00:00Z: no such day (1987 is not a leap "
                 "year)");
    cr_expect_eq(mg_date_check("1987-02-29", 10, NULL), MG_DATE_NONE,
                 "err may be NULL");
}

Test(util, iso_dates_badly_written)
{
    static const char *const BAD[] = {
        "",         "87",         "87-02-01",    "1987-2-1",    "1987-02-1",
        "19870229", "1987/02/28", "1987-02-28 ", "1987-02-28x", "198a",
        "1987-0a",  "1987-02-2a", "1987-",       "1987-02-",    "-987-02-01",
        "yesterday"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++)
        cr_expect_eq(mg_date_check(BAD[i], strlen(BAD[i]), NULL), MG_DATE_FORM,
                     "\"%s\"", BAD[i]);
    expect_check("87-02-01", MG_DATE_FORM,
                 "87-02-01: not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
}

Test(util, next_line_walks_a_text_line_by_line)
{
    const char *s = "one\n\ntwo\nthree", *line;
    const char *want[] = {"one", "", "two", "three"};
    for (int i = 0; i < 4; i++) {
        cr_assert(*s, "line %d", i);
        size_t n = mg_next_line(&s, &line);
        cr_expect_eq(n, strlen(want[i]));
        cr_expect(strncmp(line, want[i], n) == 0, "line %d", i);
    }
    cr_expect_eq(*s, '\0', "the last line has no newline: the end");
    s = "end\n";
    cr_expect_eq(mg_next_line(&s, &line), 3);
    cr_expect_eq(*s, '\0', "past the final newline");
}
