/*
 * test_clean.c - cleaning raw article text (indexer/clean.h): encoding
 * repair, entities, one-line fields, bodies (paragraphs, repeated photo
 * captions, trailing boilerplate) and whole articles.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "article.h"
#include "clean.h"
#include "helpers.h"

#define SEED "../corpus/seed/000_2637ad2161ccb637.txt"

TestSuite(clean, .fini = expect_no_leaks);

static int valid_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

/* Number of times needle occurs in hay. */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#define assert_utf8(in, n, want)                                               \
    do {                                                                       \
        char *got_ = clean_utf8((in), (n));                                    \
        cr_expect_str_eq(got_, (want));                                        \
        cr_expect(valid_utf8(got_));                                           \
        free(got_);                                                            \
    } while (0)

/* ---- clean_utf8 ---------------------------------------------------- */

Test(clean, utf8_repairs_windows_1252)
{
    assert_utf8("caf\xe9", 4, "café");
    assert_utf8("\x93quoted\x94", 8, "“quoted”");
    assert_utf8("Kim\x92s", 5, "Kim’s");
    assert_utf8("\x80 5", 3, "€ 5");
    assert_utf8("2000 \x96 2007", 11, "2000 – 2007");
    assert_utf8("\x85", 1, "…");
    /* 1252 has no 0x81: read as Latin-1 (U+0081). */
    assert_utf8("\x81", 1, "\xc2\x81");
    /* A cut multi-byte sequence: each byte on its own. */
    assert_utf8("na\xc3", 3, "naÃ");
    assert_utf8("\xe2\x80", 2, "â€");
}

Test(clean, utf8_keeps_valid_text)
{
    assert_utf8("Zürich – 北京 ’", strlen("Zürich – 北京 ’"),
                "Zürich – 北京 ’");
    assert_utf8("", 0, "");
    /* Mixed: valid sequences kept, stray bytes repaired. */
    assert_utf8("Zürich caf\xe9", strlen("Zürich caf\xe9"), "Zürich café");
    /* n bytes only, even past a NUL-free prefix. */
    assert_utf8("abcdef", 3, "abc");
}

Test(clean, utf8_always_valid)
{
    for (int c = 0x80; c < 0x100; c++) {
        char in[3] = {'x', (char)c, 0};
        char *out = clean_utf8(in, 2);
        cr_expect(valid_utf8(out), "byte 0x%02x", c);
        cr_expect_eq(out[0], 'x');
        free(out);
    }
}

/* ---- clean_entities ------------------------------------------------ */

#define assert_entities(in, want)                                              \
    do {                                                                       \
        char *s_ = mg_strdup(in);                                              \
        clean_entities(s_);                                                    \
        cr_expect_str_eq(s_, (want), "entities of [%s]", (in));                \
        free(s_);                                                              \
    } while (0)

Test(clean, entities)
{
    assert_entities("&amp; &lt; &gt; &quot; &apos;", "& < > \" '");
    assert_entities("&lt;ACME CORP> said", "<ACME CORP> said");
    assert_entities("a&nbsp;b", "a\u00a0b");
    assert_entities("&#65;&#x42;&#X43;", "ABC");
    assert_entities("&#233;t&#xE9;", "été");
    assert_entities("&#3;", "\x03");
    assert_entities("&mdash;&rsquo;", "—’");
    /* Left as they are: unknown names, bare ampersands, bad numbers. */
    assert_entities("&foo;", "&foo;");
    assert_entities("AT&T", "AT&T");
    assert_entities("AT&T; and", "AT&T; and");
    assert_entities("&#xD800;", "&#xD800;");
    assert_entities("&#1114112;", "&#1114112;");
    assert_entities("&#12a;", "&#12a;");
    assert_entities("&", "&");
    /* One pass: &amp;lt; is the text "&lt;". */
    assert_entities("&amp;lt;", "&lt;");
}

Test(clean, entities_never_cut_the_text)
{
    /* Whatever a reference decodes to, the text after it stays. */
    char s[] = "a&#0;b";
    clean_entities(s);
    cr_expect_not_null(strchr(s, 'b'), "text after &#0; lost: [%s]", s);
    assert_entities("AT&#;T rest", "AT&#;T rest");
    assert_entities("x&#x;y", "x&#x;y");
}

/* ---- clean_line ---------------------------------------------------- */

#define assert_line(in, want)                                                  \
    do {                                                                       \
        char *got_ = clean_line(in);                                           \
        cr_expect_str_eq(got_, (want), "clean_line");                          \
        free(got_);                                                            \
    } while (0)

Test(clean, line)
{
    assert_line("  Hello\t\n  world  ", "Hello world");
    assert_line("a\001b\177c", "abc"); /* controls */
    assert_line("caf\xe9", "café");
    assert_line("ﬁnance", "finance");            /* NFKC */
    assert_line("Ｈｅｌｌｏ", "Hello");          /* NFKC */
    assert_line("co\u00adop", "coop");           /* soft hyphen */
    assert_line("zero\u200bwidth", "zerowidth"); /* zero-width space */
    assert_line("\ufeffBOM", "BOM");             /* byte order mark */
    assert_line("a\u00a0\u00a0b", "a b");        /* NBSP is a space */
    assert_line("“Kim’s”", "“Kim’s”");           /* quotes kept as written */
    assert_line("Zu\xcc\x88rich", "Zürich");     /* composed */
    assert_line("", "");
    assert_line("   ", "");
    assert_line(NULL, "");
}

/* ---- clean_fold_key ------------------------------------------------ */

#define assert_same_key(a, b)                                                  \
    do {                                                                       \
        char *ka_ = clean_fold_key(a), *kb_ = clean_fold_key(b);               \
        cr_expect_str_eq(ka_, kb_, "keys of [%s] and [%s] differ", (a), (b));  \
        free(ka_);                                                             \
        free(kb_);                                                             \
    } while (0)

#define assert_key(in, want)                                                   \
    do {                                                                       \
        char *k_ = clean_fold_key(in);                                         \
        cr_expect_str_eq(k_, (want));                                          \
        free(k_);                                                              \
    } while (0)

Test(clean, fold_key)
{
    assert_same_key("“Hi,” she said, ‘there’", "\"Hi,\" she said, 'there'");
    assert_same_key("Kim’s", "Kim's");
    assert_same_key("U.S. - Vice", "U.S. – Vice");
    assert_same_key("U.S. – Vice", "U.S.—Vice");
    assert_same_key("2000‐2007", "2000-2007");
    assert_same_key("a\xc2\xa0 b", "a b");
    assert_same_key("office  in", "office in");
    assert_same_key("North KOREA", "north korea");
    assert_key("  “Hi”  –  There ", "\"hi\"-there");
    /* Different words stay different. */
    char *a = clean_fold_key("the summit"), *b = clean_fold_key("the summits");
    cr_expect_str_neq(a, b);
    free(a);
    free(b);
}

/* ---- clean_body ---------------------------------------------------- */

#define assert_body(in, want)                                                  \
    do {                                                                       \
        char *got_ = clean_body((in), NULL, NULL);                             \
        cr_expect_str_eq(got_, (want), "clean_body");                          \
        free(got_);                                                            \
    } while (0)

Test(clean, body_paragraphs)
{
    /* Blank lines; runs of them; whitespace collapsed. */
    assert_body("One.\n\nTwo  words.\n\n\n\n  Three.\n",
                "One.\n\nTwo words.\n\nThree.");
    /* Line breaks inside a paragraph are spaces. */
    assert_body("One line\nand the next.\n\nNew.",
                "One line and the next.\n\nNew.");
    /* Wire copy: an indented line starts a paragraph. */
    assert_body("    First line\ncontinues here.\n    Second one.",
                "First line continues here.\n\nSecond one.");
    assert_body("Lead\n\tTabbed para.", "Lead\n\nTabbed para.");
    /* Windows line ends and Unicode paragraph separators. */
    assert_body("One.\r\n\r\nTwo.", "One.\n\nTwo.");
    assert_body("One.\xe2\x80\xa9Two.", "One.\n\nTwo.");
    assert_body("", "");
    assert_body(NULL, "");
}

Test(clean, body_long_lines_are_paragraphs)
{
    struct buf in = {0}, want = {0};
    char line[201];
    memset(line, 'x', 200);
    line[200] = 0;
    for (int i = 0; i < 3; i++) {
        line[0] = (char)('a' + i); /* three different lines */
        buf_printf(&in, "%s\n", line);
        buf_printf(&want, "%s%s", i ? "\n\n" : "", line);
    }
    char *got = clean_body(in.s, NULL, NULL);
    cr_expect_str_eq(got, want.s);
    free(got);
    buf_free(&in);
    buf_free(&want);
}

Test(clean, body_repeats_kept_once)
{
    struct clean_info info;
    char *got = clean_body("A “quote” – here.\n\nMiddle.\n\nA \"quote\" - here."
                           "\n\na  \"QUOTE\"-here.",
                           NULL, &info);
    cr_expect_str_eq(got, "A “quote” – here.\n\nMiddle.");
    cr_expect_eq(info.repeats, 2);
    cr_expect_eq(info.boilerplate, 0);
    cr_expect_null(info.source);
    free(got);
}

Test(clean, body_boilerplate)
{
    struct clean_info info;
    char *got = clean_body("Text.\n\nShare this article\n\nAdvertisement\n\n"
                           "Read more at Example.com.",
                           NULL, &info);
    cr_expect_str_eq(got, "Text.");
    cr_expect_eq(info.boilerplate, 3);
    cr_expect_str_eq(info.source, "Example.com");
    cr_expect_eq(info.nnotes, 3, "each removal is noted for --show");
    clean_info_free(&info);
    free(got);

    /* Anywhere in the body, but only whole paragraphs. */
    assert_body("Advertisement\n\nReal text.", "Real text.");
    assert_body("He said read more at home.\n\nEnd.",
                "He said read more at home.\n\nEnd.");
    assert_body("Text.\n\nSCROLL DOWN FOR VIDEO", "Text.");
    assert_body("Text.\n\nClick here to subscribe\n\nFollow us on Twitter",
                "Text.");
    assert_body("Text.\n\n(Reporting by Ann Lee; editing by Bo Kim)", "Text.");
    assert_body("Text.\n\nReuter", "Text.");
    assert_body("16.8k SHARES\n\nText.", "Text.");
    assert_body("Copyright 2018 The Times. All rights reserved.\n\nText.",
                "Text.");
}

Test(clean, boilerplate_rules_from_a_file)
{
    char path[] = "/tmp/morgue-rules-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *rules = "# our site's furniture\n\nDownload the app*\n";
    cr_assert_eq(write(fd, rules, strlen(rules)), (ssize_t)strlen(rules));
    close(fd);
    struct clean_rules *r = clean_rules_new();
    struct mg_err err = {""};
    cr_assert_eq(clean_rules_load(r, path, &err), 0, "%s", err.msg);
    unlink(path);
    char *got = clean_body("Text.\n\nDOWNLOAD THE APP for more news", r, NULL);
    cr_expect_str_eq(got, "Text.");
    free(got);
    clean_rules_free(r);
    r = clean_rules_new();
    cr_expect_eq(clean_rules_load(r, "/no/such/rules", &err), -1);
    cr_expect_not_null(strstr(err.msg, "/no/such/rules"));
    clean_rules_free(r);
}

Test(clean, caption_like_paragraphs)
{
    struct clean_info info;
    char *got = clean_body("The talks began.\n\nKim Yo-jong (left) greets "
                           "President Moon at the Blue House\n\n"
                           "He left (quickly) after lunch.",
                           NULL, &info);
    cr_expect_str_eq(got, "The talks began.\n\nHe left (quickly) after lunch.");
    cr_expect_str_eq(
        info.captions,
        "Kim Yo-jong (left) greets President Moon at the Blue House");
    clean_info_free(&info);
    free(got);
}

Test(clean, lede)
{
    char *l = clean_lede("One two three. Four five.\n\nNext paragraph.");
    cr_expect_str_eq(l, "One two three. Four five.");
    free(l);
    l = clean_lede("The U.S. Treasury said on Monday that it would sell "
                   "bonds. More followed.");
    cr_expect_str_eq(l, "The U.S. Treasury said on Monday that it would sell "
                        "bonds. More followed.");
    free(l);
    l = clean_lede("");
    cr_expect_str_eq(l, "");
    free(l);
}

Test(clean, body_comments_boilerplate_is_the_word_alone)
{
    assert_body("Text.\n\nComments", "Text.");
    assert_body("Text.\n\nComments from the ministry were not available.",
                "Text.\n\nComments from the ministry were not available.");
}

Test(clean, body_info_may_be_null)
{
    /* info may be NULL: then nothing is left to free, and nothing leaks
     * (an ASan build fails this test in its teardown when it does). */
    assert_body("Text.\n\nRead more at X.com", "Text.");
}

Test(clean, seed_article)
{
    char *raw;
    size_t n;
    struct mg_err err = {""};
    cr_assert_eq(mg_read_file(SEED, &raw, &n, &err), 0, "%s", err.msg);
    struct clean_info info;
    char *body = clean_body(raw, NULL, &info);

    static const char *const CAPTIONS[] = {
        "Police cordon off the streets",  "hands over the meeting invitation",
        "walks with North Korean leader", "applaud the joint Korean team",
        "was willing to meet the South",  "Any summit between the two Koreas",
    };
    cr_assert_not_null(info.captions);
    for (size_t i = 0; i < sizeof CAPTIONS / sizeof *CAPTIONS; i++) {
        cr_expect_eq(occurrences(body, CAPTIONS[i]), 0,
                     "caption \"%s\" left in the body", CAPTIONS[i]);
        cr_expect_eq(occurrences(info.captions, CAPTIONS[i]), 1,
                     "\"%s\" appears %d times in the captions", CAPTIONS[i],
                     occurrences(info.captions, CAPTIONS[i]));
    }
    cr_expect_eq(info.ncaptions, 6);
    cr_expect_null(strstr(body, "Read more at"));
    cr_expect_null(strstr(body, "Read more"));
    cr_expect_str_eq(info.source, "DailyMail.co.uk");
    cr_expect_eq(info.boilerplate, 1);
    /* 2 + 3 + 3 + 3 + 3 + 3 copies of six captions: 11 dropped. */
    cr_expect_eq(info.repeats, 11);

    /* Text that is not a repeat stays, in order. */
    const char *first =
        strstr(body, "North Korean leader Kim Jong-un has invited");
    const char *last = strstr(body, "believed to be the first such contest");
    cr_expect_eq(first, body, "the body starts with the first paragraph");
    cr_expect_not_null(last);
    cr_expect_not_null(
        strstr(body, "An inter-Korean summit would be the third"));

    /* Paragraphs: separated by exactly "\n\n", no other line breaks, no
     * spaces at their edges, no runs of spaces, no NBSP left. */
    cr_expect_null(strstr(body, "\n\n\n"));
    cr_expect_null(strstr(body, "  "));
    cr_expect_null(strstr(body, "\xc2\xa0"));
    cr_expect_null(strstr(body, " \n"));
    cr_expect_null(strstr(body, "\n "));
    int paras = 1;
    for (const char *p = body; *p; p++) {
        if (*p == '\n') {
            cr_assert_eq(p[1], '\n', "a lone line break at offset %d",
                         (int)(p - body));
            p++;
            paras++;
        }
    }
    /* 36 paragraphs in the file: 17 copies of six captions and the footer
     * go. */
    cr_expect_eq(paras, 36 - 17 - 1, "paragraphs: %d", paras);
    cr_expect_neq(body[strlen(body) - 1], ' ');
    cr_expect(valid_utf8(body));
    /* Curly quotes kept as written. */
    cr_expect_not_null(strstr(body, "Kim’s visiting sister"));

    clean_info_free(&info);
    free(body);
    free(raw);
}

/* ---- clean_article ------------------------------------------------- */

Test(clean, article_fields)
{
    struct article a = {0};
    a.title = mg_strdup("  Kim\x92s   invitation \n");
    a.body = mg_strdup("Body text.\n\nRead more at DailyMail.co.uk");
    a.byline = mg_strdup("  By  Ann Lee ");
    a.url = mg_strdup("   ");
    a.highlights = mg_strdup("  First  point \n\n \nSecond\tpoint");
    a.date = mg_strdup(" February 9, 2018 ");
    struct clean_info info;
    clean_article(&a, NULL, &info);
    cr_expect_str_eq(a.title, "Kim’s invitation");
    cr_expect_str_eq(a.body, "Body text.");
    cr_expect_str_eq(a.byline, "Ann Lee"); /* "By " is not the name */
    cr_expect_null(a.url, "an empty one-line field is dropped");
    cr_expect_str_eq(a.highlights, "First point\nSecond point");
    cr_expect_str_eq(a.date, "2018-02-09");
    cr_expect_str_eq(a.source, "DailyMail.co.uk", "the footer is the source");
    cr_expect_null(info.source, "moved into the article");
    cr_expect_str_eq(a.language, "und");
    clean_info_free(&info);
    article_clear(&a);
}

Test(clean, article_numeric_date_read_in_the_rules_order)
{
    static const struct {
        enum date_order order;
        const char *date, *want, *warning;
    } CASES[] = {
        {DATE_ORDER_AUTO, "03/04/1987", "1987-04-03", NULL},
        {DATE_ORDER_AUTO, "04/13/1987", "1987-04-13", NULL},
        {DATE_ORDER_MDY, "03/04/1987", "1987-03-04", NULL},
        {DATE_ORDER_MDY, "13/04/1987", NULL,
         "date \"13/04/1987\": month 13 when read month first (--date-order "
         "mdy), kept without a date"},
        {DATE_ORDER_DMY, "04/13/1987 10:00", NULL,
         "date \"04/13/1987 10:00\": month 13 when read day first "
         "(--date-order dmy), kept without a date"},
        {DATE_ORDER_MDY, "02/29/1987", NULL,
         "date \"02/29/1987\": no such day (1987 is not a leap year), kept "
         "without a date"},
    };
    struct clean_rules *rules = clean_rules_new();
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        clean_rules_set_date_order(rules, CASES[i].order);
        struct article a = {0};
        a.title = mg_strdup("Oil");
        a.body = mg_strdup("Body.");
        a.date = mg_strdup(CASES[i].date);
        struct clean_info info;
        clean_article(&a, rules, &info);
        cr_expect_str_eq(a.date ? a.date : "(null)",
                         CASES[i].want ? CASES[i].want : "(null)", "[%s] %s",
                         CASES[i].date, date_order_name(CASES[i].order));
        cr_expect_str_eq(info.date_warning ? info.date_warning : "(null)",
                         CASES[i].warning ? CASES[i].warning : "(null)");
        clean_info_free(&info);
        article_clear(&a);
    }
    clean_rules_free(rules);
}

Test(clean, article_date_that_does_not_exist_is_dropped_with_a_warning)
{
    static const struct {
        const char *date, *warning;
    } BAD[] = {
        {" 29-FEB-1987  10:00:00.00 ",
         "date \"29-FEB-1987 10:00:00.00\": no such day (1987 is not a leap "
         "year), kept without a date"},
        {"2023-04-31T10:00:00+09:00",
         "date \"2023-04-31T10:00:00+09:00\": no such day (April has 30 "
         "days), kept without a date"},
        {"1900-02-29", "date \"1900-02-29\": no such day (1900 is not a leap "
                       "year), kept without a date"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct article a = {0};
        a.title = mg_strdup("Oil");
        a.body = mg_strdup("Body.");
        a.date = mg_strdup(BAD[i].date);
        struct clean_info info;
        clean_article(&a, NULL, &info);
        cr_expect_null(a.date, "[%s] is not stored", BAD[i].date);
        cr_expect_str_eq(a.body, "Body.", "the article is kept");
        cr_expect_str_eq(info.date_warning ? info.date_warning : "(null)",
                         BAD[i].warning);
        /* --show lists it with what was removed */
        cr_expect_eq(info.nnotes, 1);
        if (info.nnotes == 1)
            cr_expect(strstr(info.notes[0].what, "no such day") != NULL, "%s",
                      info.notes[0].what);
        clean_info_free(&info);
        article_clear(&a);
    }
    /* a leap day that exists is kept, with no warning */
    struct article a = {0};
    a.body = mg_strdup("Body.");
    a.date = mg_strdup("29-FEB-1988 10:00:00.00");
    struct clean_info info;
    clean_article(&a, NULL, &info);
    cr_expect_str_eq(a.date, "1988-02-29T10:00:00");
    cr_expect_null(info.date_warning);
    clean_info_free(&info);
    article_clear(&a);
    /* with info NULL nothing leaks */
    a.body = mg_strdup("Body.");
    a.date = mg_strdup("1987-02-29");
    clean_article(&a, NULL, NULL);
    cr_expect_null(a.date);
    article_clear(&a);
}

Test(clean, article_keeps_its_own_source)
{
    struct article a = {0};
    a.body = mg_strdup("Body.\n\nRead more at DailyMail.co.uk");
    a.source = mg_strdup("Reuters");
    a.language = mg_strdup("en");
    a.date = mg_strdup("not a date");
    struct clean_info info;
    clean_article(&a, NULL, &info);
    cr_expect_str_eq(a.source, "Reuters");
    cr_expect_str_eq(a.body, "Body.");
    cr_expect_str_eq(a.language, "en");
    cr_expect_null(a.date, "an unreadable date is dropped");
    cr_expect_null(info.date_warning, "no warning for text that is no date");
    cr_expect_str_eq(info.source, "DailyMail.co.uk", "left to the caller");
    clean_info_free(&info);
    article_clear(&a);

    /* With info NULL nothing leaks. */
    a.body = mg_strdup("Body.\n\nRead more at DailyMail.co.uk");
    a.source = mg_strdup("Reuters");
    clean_article(&a, NULL, NULL);
    cr_expect_str_eq(a.source, "Reuters");
    article_clear(&a);
}

Test(clean, article_empty)
{
    struct article a = {0};
    clean_article(&a, NULL, NULL);
    cr_expect_str_eq(a.body, "");
    cr_expect_null(a.title);
    cr_expect_str_eq(a.language, "und");
    article_clear(&a);
}
