/*
 * test_fingerprint.c - near-duplicate fingerprints (lib/fingerprint.h):
 * a republished story with small edits lands within FP_NEAR bits of the
 * original, a different story far away.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "helpers.h"

static const char STORY[] =
    "The International Coffee Organization executive board will meet on "
    "November 3 and 4, its first meeting since export quotas were "
    "reintroduced early this month, ICO officials said. The board will "
    "review the market situation and the operation of the quota system, "
    "and will discuss the stock verification programme. Producers and "
    "consumers agreed last month to restore quotas at a total of 58 "
    "million bags for the 1987/88 year, after talks in London broke down "
    "in March over how the quotas should be shared out among members.";

static const char OTHER[] =
    "Japan's Ministry of Finance said the nation's foreign exchange "
    "reserves rose to a record in October as the central bank bought "
    "dollars to slow the yen's rise. Dealers said the Bank of Japan "
    "intervened heavily in Tokyo and through other central banks abroad, "
    "and expected the reserves to keep growing while the dollar stays "
    "weak. The ministry gave no figure for the intervention itself, but "
    "analysts estimated it at several billion dollars over the month, "
    "the largest since the Louvre accord in February.";

static void teardown(void)
{
    expect_no_leaks();
}

TestSuite(fingerprint, .fini = teardown);

Test(fingerprint, the_same_text_the_same_print)
{
    cr_expect_eq(fp_simhash(STORY), fp_simhash(STORY));
    cr_expect_eq(fp_distance(fp_simhash(STORY), fp_simhash(STORY)), 0);
    cr_expect_eq(fp_simhash(""), 0);
    cr_expect_eq(fp_simhash(" ,.;"), 0);
    cr_expect_neq(fp_simhash("Coffee"), 0, "a word alone still has a print");
}

Test(fingerprint, a_republished_story_is_near)
{
    uint64_t a = fp_simhash(STORY);
    /* case, punctuation and spacing do not count */
    char *shout = strdup(STORY);
    for (char *p = shout; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    cr_expect_eq(fp_distance(a, fp_simhash(shout)), 0);
    free(shout);
    /* a corrected figure, an added closing sentence */
    struct buf b = {0};
    buf_adds(&b, STORY);
    char *p = strstr(b.s, "58 million");
    memcpy(p, "56", 2);
    cr_expect_leq(fp_distance(a, fp_simhash(b.s)), FP_NEAR);
    buf_adds(&b, " Delegates said.");
    cr_expect_leq(fp_distance(a, fp_simhash(b.s)), FP_NEAR + 3,
                  "two edits stay closer than any other story");
    buf_free(&b);
}

Test(fingerprint, different_stories_are_far)
{
    cr_expect_gt(fp_distance(fp_simhash(STORY), fp_simhash(OTHER)), 10);
    cr_expect_gt(fp_distance(fp_simhash("coffee prices rose sharply today"),
                             fp_simhash("coffee prices fell sharply today "
                                        "as traders sold in London")),
                 FP_NEAR);
}
