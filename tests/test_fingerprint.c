/*
 * test_fingerprint.c - near-duplicate fingerprints (lib/fingerprint.h):
 * a wire story sent again with small changes stays within FP_NEAR, other
 * stories on the same subject do not, and case, punctuation, spacing,
 * accents and broken UTF-8 don't change a fingerprint.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "helpers.h"

TestSuite(fingerprint, .fini = expect_no_leaks);

/* A wire story of about 200 words, a common length for agency copy. */
static const char STORY[] =
    "ROTTERDAM, March 3 - Dock workers at Rotterdam, Europe's largest "
    "port, extended their strike for a third week on Tuesday after talks "
    "with employers on a new pay deal broke down late on Monday, union "
    "officials said.\n\n"
    "The FNV transport union said its members would not return to work "
    "until the port employers' association withdrew plans to cut 350 jobs "
    "at the general cargo terminals over the next two years.\n\n"
    "\"We have made every effort to reach a fair agreement, but the "
    "employers want to push through redundancies without any guarantees "
    "for older workers,\" union negotiator Paul Rosenmuller told "
    "reporters.\n\n"
    "The employers' association said in a statement that the union's "
    "demands would make the port less competitive against Antwerp and "
    "Hamburg, which have won a growing share of container traffic since "
    "the strike began.\n\n"
    "Shipping agents said at least 40 vessels were waiting outside the "
    "harbour and some lines had begun diverting cargo to Antwerp. Grain "
    "and fruit importers warned of shortages if the dispute lasted into "
    "next month.\n\n"
    "The Dutch government has so far refused to intervene, saying the "
    "dispute should be settled by the two sides. Transport Minister Neelie "
    "Smit-Kroes is due to meet both parties on Thursday.";

/* Two other stories on one subject, ~120 words each, sharing the
 * phrases central bank stories share. */
static const char CANADA[] =
    "OTTAWA, June 7 - The Bank of Canada raised its key overnight lending "
    "rate by a quarter of a percentage point to 4.75 pct on Wednesday, "
    "saying inflation had proved more persistent than it expected and "
    "that further increases could not be ruled out. The central bank said "
    "consumer spending and the housing market had been stronger than "
    "forecast in the first quarter, while core inflation remained close "
    "to 3.5 pct, well above its two pct target. Economists had been split "
    "on the decision, with most expecting the bank to wait until July. "
    "The Canadian dollar rose to 75.10 U.S. cents after the announcement, "
    "and bond yields climbed across the curve. The bank's next rate "
    "decision is due on July 12, when it will also publish new economic "
    "forecasts.";

static const char AUSTRALIA[] =
    "SYDNEY, June 6 - The Reserve Bank of Australia left its cash rate "
    "unchanged at 4.10 pct on Tuesday, saying earlier increases were still "
    "working their way through the economy and that it wanted more time "
    "to assess the outlook. Governor Philip Lowe said in a statement that "
    "inflation had passed its peak but was still too high, and that some "
    "further tightening of monetary policy may be needed to return it to "
    "the two to three pct target. Most economists had expected the "
    "central bank to hold rates after ten increases in just over a year. "
    "The Australian dollar fell half a cent to 66.20 U.S. cents and "
    "three-year bond futures rose. The central bank meets again on July "
    "4, after new figures on retail sales and employment.";

/* text with its first occurrence of `from` replaced by `to`, or with
 * `to` appended when from is NULL; caller frees. */
static char *edited(const char *text, const char *from, const char *to)
{
    struct buf b = {0};
    const char *p = from ? strstr(text, from) : NULL;
    if (from)
        cr_assert_not_null(p, "\"%s\" is not in the text", from);
    if (!p) {
        buf_adds(&b, text);
        buf_adds(&b, to);
        return buf_take(&b);
    }
    buf_add(&b, text, (size_t)(p - text));
    buf_adds(&b, to);
    buf_adds(&b, p + strlen(from));
    return buf_take(&b);
}

/* The distance between the fingerprints of text and of its edit. */
static int edit_distance(const char *text, const char *from, const char *to)
{
    char *e = edited(text, from, to);
    int d = fp_distance(fp_simhash(text), fp_simhash(e));
    free(e);
    return d;
}

Test(fingerprint, identical_texts_are_at_distance_0)
{
    char *copy = mg_strdup(STORY);
    cr_expect_eq(fp_simhash(copy), fp_simhash(STORY));
    cr_expect_eq(fp_distance(fp_simhash(copy), fp_simhash(STORY)), 0);
    cr_expect_neq(fp_simhash(STORY), 0);
    free(copy);
}

Test(fingerprint, punctuation_case_and_spacing_do_not_count)
{
    /* The same words: the fingerprint is the same, not just near. */
    static const char RESENT[] =
        "ROTTERDAM March 3 -- DOCK WORKERS at Rotterdam (Europe's largest "
        "port) extended their strike for a third week on Tuesday, after "
        "talks with employers on a new pay deal broke down late on "
        "Monday; union officials said. The FNV transport union said its "
        "members would not return to work until the port employers' "
        "association withdrew plans to cut 350 jobs at the general cargo "
        "terminals over the next two years. 'We have made every effort to "
        "reach a fair agreement -- but the employers want to push through "
        "redundancies without any guarantees for older workers', union "
        "negotiator Paul Rosenmuller told reporters. The employers' "
        "association said in a statement that the union's demands would "
        "make the port less competitive against Antwerp and Hamburg, which "
        "have won a growing share of container traffic since the strike "
        "began. Shipping agents said at least 40 vessels were waiting "
        "outside the harbour, and some lines had begun diverting cargo to "
        "Antwerp.   Grain and fruit importers warned of shortages if the "
        "dispute lasted into next month.\r\n\tThe Dutch government has so "
        "far refused to intervene, saying the dispute should be settled by "
        "the two sides.\nTransport Minister Neelie Smit Kroes is due to "
        "meet both parties on Thursday...\n";
    cr_expect_eq(fp_simhash(RESENT), fp_simhash(STORY));
}

Test(fingerprint, one_word_edit_is_near)
{
    int d = edit_distance(STORY, "40 vessels", "45 vessels");
    cr_expect_leq(d, FP_NEAR, "a corrected figure moved %d bits", d);
    d = edit_distance(STORY, "late on Monday", "early on Monday");
    cr_expect_leq(d, FP_NEAR, "a changed word moved %d bits", d);
    d = edit_distance(STORY, "over the next two years", "over the two years");
    cr_expect_leq(d, FP_NEAR, "a dropped word moved %d bits", d);
}

Test(fingerprint, added_sentence_at_the_end_is_near)
{
    int d = edit_distance(STORY, NULL,
                          " A union spokesman said pickets would stay at "
                          "the terminal gates overnight.");
    cr_expect_leq(d, FP_NEAR, "an added sentence moved %d bits", d);
}

/* Not one lucky edit: a SimHash moves by chance, so the property is that
 * nearly every one-word edit of a story this long stays within FP_NEAR
 * (about 95% of such edits of 150-250-word Reuters bodies do). */
Test(fingerprint, nearly_every_one_word_edit_is_near)
{
    uint64_t h = fp_simhash(STORY);
    int edits = 0, near = 0, worst = 0;
    for (const char *p = STORY; *p; p++) {
        if (p != STORY && p[-1] != ' ')
            continue;
        /* Replace the word starting at p (up to the next space). */
        size_t n = strcspn(p, " ");
        struct buf b = {0};
        buf_add(&b, STORY, (size_t)(p - STORY));
        buf_adds(&b, "zebra");
        buf_adds(&b, p + n);
        int d = fp_distance(h, fp_simhash(b.s));
        buf_free(&b);
        edits++;
        near += d <= FP_NEAR;
        worst = d > worst ? d : worst;
    }
    cr_assert_gt(edits, 150);
    cr_expect_geq(near * 100, edits * 90, "only %d of %d one-word edits near",
                  near, edits);
    cr_expect_lt(worst, 16, "a one-word edit moved %d bits", worst);
}

Test(fingerprint, different_stories_on_one_subject_are_far)
{
    uint64_t ca = fp_simhash(CANADA), au = fp_simhash(AUSTRALIA);
    uint64_t st = fp_simhash(STORY);
    /* Unrelated texts differ in about 32 bits; 10 is far outside FP_NEAR
     * and far below what these texts would give by chance. */
    cr_expect_gt(fp_distance(ca, au), 10, "%d bits", fp_distance(ca, au));
    cr_expect_gt(fp_distance(ca, st), 10, "%d bits", fp_distance(ca, st));
    cr_expect_gt(fp_distance(au, st), 10, "%d bits", fp_distance(au, st));
}

Test(fingerprint, a_story_and_a_different_update_of_it_are_far)
{
    /* Same dateline, same subject, same first words: a new story. */
    static const char LATER[] =
        "ROTTERDAM, March 10 - Dock workers at Rotterdam, Europe's largest "
        "port, voted on Tuesday to end their three-week strike after "
        "employers agreed to drop 200 of the 350 job cuts they had planned "
        "and to offer early retirement to workers over 57. The FNV "
        "transport union said work would resume at the general cargo "
        "terminals on Wednesday morning, and shipping agents expected the "
        "backlog of vessels to be cleared within ten days. Transport "
        "Minister Neelie Smit-Kroes, who brokered the deal at talks on "
        "Saturday, said both sides had shown courage. Importers said the "
        "dispute had cost them millions of guilders in diverted cargo.";
    int d = fp_distance(fp_simhash(STORY), fp_simhash(LATER));
    cr_expect_gt(d, 10, "%d bits", d);
}

Test(fingerprint, text_without_words_gives_0)
{
    cr_expect_eq(fp_simhash(""), 0);
    cr_expect_eq(fp_simhash(NULL), 0);
    cr_expect_eq(fp_simhash("  \n\t  "), 0);
    cr_expect_eq(fp_simhash("... -- !? (\"\") ***"), 0);
    cr_expect_eq(fp_simhash("\xff\xfe\x80"), 0);
    cr_expect_eq(fp_simhash("\xcc\x81"), 0); /* an accent on nothing */
}

Test(fingerprint, short_texts_have_a_fingerprint)
{
    /* Fewer than three words: the words themselves. */
    uint64_t one = fp_simhash("Reuters");
    uint64_t two = fp_simhash("Shares fell");
    cr_expect_neq(one, 0);
    cr_expect_neq(two, 0);
    cr_expect_neq(one, two);
    cr_expect_eq(fp_simhash("  REUTERS. "), one);
    cr_expect_eq(fp_simhash("shares, FELL!"), two);
    cr_expect_neq(fp_simhash("Shares rose"), two);
    cr_expect_neq(fp_simhash("Shares fell sharply"), 0);
}

Test(fingerprint, same_text_same_fingerprint_every_time)
{
    uint64_t first = fp_simhash(STORY);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(fp_simhash(CANADA), fp_simhash(CANADA));
        cr_expect_eq(fp_simhash(STORY), first);
    }
}

Test(fingerprint, long_texts_are_counted_without_overflow)
{
    /* Every shingle of "x x x ... x" is the same, so however long the
     * text its fingerprint is that shingle's hash: per-bit counts that
     * wrapped past 255 would clear bits. */
    uint64_t want = fp_simhash("strike strike strike");
    static const int LENGTHS[] = {4, 254, 255, 256, 257, 258, 511, 100000};
    for (size_t i = 0; i < sizeof LENGTHS / sizeof *LENGTHS; i++) {
        struct buf b = {0};
        for (int k = 0; k < LENGTHS[i]; k++)
            buf_adds(&b, "Strike ");
        cr_expect_eq(fp_simhash(b.s), want, "%d words", LENGTHS[i]);
        buf_free(&b);
    }
}

Test(fingerprint, unicode_case_and_accents_do_not_count)
{
    uint64_t h = fp_simhash("Le président de la Fédération à Zürich");
    cr_expect_neq(h, 0);
    cr_expect_eq(fp_simhash("LE PRÉSIDENT DE LA FÉDÉRATION À ZÜRICH"), h);
    cr_expect_eq(fp_simhash("le president de la federation a zurich"), h);
    /* e + combining acute, as some feeds send it */
    cr_expect_eq(fp_simhash("Le pre\xcc\x81sident de la Fe\xcc\x81"
                            "de\xcc\x81ration a\xcc\x80 Zu\xcc\x88rich"),
                 h);
    cr_expect_eq(fp_simhash("Die Straße nach Köln ist gesperrt"),
                 fp_simhash("DIE STRASSE NACH KÖLN IST GESPERRT"));
    cr_expect_eq(fp_simhash("ΟΔΥΣΣΕΑΣ ΣΤΗΝ ΑΘΗΝΑ ΣΗΜΕΡΑ"),
                 fp_simhash("Οδυσσέας στην Αθήνα σήμερα"));
    cr_expect_eq(fp_simhash("Ｒｅｕｔｅｒｓ ﬁnancial report"),
                 fp_simhash("Reuters financial report"));
    /* Letters of other scripts are words, not separators. */
    cr_expect_neq(fp_simhash("Москва сегодня утром"), 0);
    cr_expect_neq(fp_simhash("Москва сегодня утром"),
                  fp_simhash("Киев сегодня утром"));
    cr_expect_neq(fp_simhash("東京 大阪 名古屋"), fp_simhash("東京 大阪 京都"));
}

Test(fingerprint, invalid_utf8_separates_words)
{
    cr_expect_eq(fp_simhash("port\xff"
                            "strike\xc0\xafspreads"),
                 fp_simhash("port strike spreads"));
    cr_expect_eq(fp_simhash("port \xed\xa0\x80strike spreads"), /* surrogate */
                 fp_simhash("port strike spreads"));
    /* A sequence cut off by the end of the text: nothing past the end is
     * read (the copy is exactly as long as the text, for ASan). */
    static const char *const CUT[] = {"port strike caf\xc3",
                                      "port strike \xe2\x82",
                                      "port strike \xf0\x9f\x98", "\xe2"};
    for (size_t i = 0; i < sizeof CUT / sizeof *CUT; i++) {
        char *s = mg_strndup(CUT[i], strlen(CUT[i]));
        uint64_t h = fp_simhash(s);
        if (i == 0)
            cr_expect_eq(h, fp_simhash("port strike caf"));
        else if (i < 3)
            cr_expect_eq(h, fp_simhash("port strike"));
        else
            cr_expect_eq(h, 0);
        free(s);
    }
}

Test(fingerprint, distance_counts_differing_bits)
{
    cr_expect_eq(fp_distance(0, 0), 0);
    cr_expect_eq(fp_distance(0x1234, 0x1234), 0);
    cr_expect_eq(fp_distance(0, 1), 1);
    cr_expect_eq(fp_distance(0, (uint64_t)1 << 63), 1);
    cr_expect_eq(fp_distance(0, ~(uint64_t)0), 64);
    cr_expect_eq(fp_distance(0xF0, 0x0F), 8);
    cr_expect_eq(fp_distance(0x0F, 0xF0), 8);
}
