/*
 * test_formats.c - format detection and the parsers (indexer/formats.h),
 * checked on the golden inputs in tests/data/ field by field after
 * clean_article(), as they would be stored.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "article.h"
#include "clean.h"
#include "formats.h"
#include "helpers.h"

TestSuite(formats, .fini = expect_no_leaks);

/* Parses the file at path with uid base "base"; returns the status and
 * fills *g with cleaned copies of the articles. */
static int parse_file(const char *path, struct sink_got *g, struct mg_err *err)
{
    g->clean = 1;
    struct fmt_sink sink = sink_got_sink(g);
    return fmt_parse_file(path, "base", &sink, err);
}

static int parse_buffer(const char *path, const char *data, enum fmt f,
                        struct sink_got *g, struct mg_err *err)
{
    g->clean = 1;
    struct fmt_sink sink = sink_got_sink(g);
    return fmt_parse_buffer(path, "base", data, strlen(data), f, &sink, err);
}

/* ---- detection ----------------------------------------------------- */

#define expect_fmt(path, head, want)                                           \
    cr_expect_eq(fmt_detect((path), (head), sizeof(head) - 1), (want),         \
                 "fmt_detect(%s) is %s, want %s", (path),                      \
                 fmt_name(fmt_detect((path), (head), sizeof(head) - 1)),       \
                 fmt_name(want))

Test(formats, detect_text)
{
    expect_fmt("a.txt", "Kim invites Moon\n\nNorth Korean leader...", FMT_TEXT);
    expect_fmt("story", "Plain text, no extension.", FMT_TEXT);
    expect_fmt("a.story", "text\n\n@highlight\n\npoint", FMT_TEXT);
    expect_fmt("a.txt", "caf\xe9 au lait", FMT_TEXT); /* Windows-1252 */
    expect_fmt("a.txt", "<b>not</b> a page", FMT_TEXT);
}

Test(formats, detect_json)
{
    expect_fmt("a.jsonl", "{\"title\": \"a\"}\n{\"title\": \"b\"}\n", FMT_JSON);
    expect_fmt("a.txt", "{\"title\": \"a\"}", FMT_JSON); /* content first */
    expect_fmt("data", "  \n[{\"title\": \"a\"}]", FMT_JSON);    /* an array */
    expect_fmt("a", "\xef\xbb\xbf{\"title\": \"a\"}", FMT_JSON); /* a BOM */
    expect_fmt("a.ndjson", "", FMT_JSON);                        /* extension */
    expect_fmt("a.JSON", "", FMT_JSON);
}

Test(formats, detect_reuters)
{
    expect_fmt("x.txt", "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n<REUTERS",
               FMT_REUTERS);
    expect_fmt("x", "<REUTERS TOPICS=\"YES\" NEWID=\"1\">", FMT_REUTERS);
    expect_fmt("reut2-000.sgm", "hello", FMT_REUTERS);
    /* Reuters copy holds control characters; that is not binary. */
    expect_fmt("x", "<REUTERS>\x02\x03\x05\x05\x05\x16\x16\x01\x1f</REUTERS>",
               FMT_REUTERS);
}

Test(formats, detect_binary)
{
    expect_fmt("a.txt", "plain\0text", FMT_BINARY);
    expect_fmt("a.txt", "\x89PNG\r\n\x1a\n", FMT_BINARY);
    expect_fmt("a.txt", "\xff\xd8\xff\xe0", FMT_BINARY); /* JPEG */
    expect_fmt("a.txt", "GIF89a", FMT_BINARY);
    expect_fmt("a.txt", "%PDF-1.4\n", FMT_BINARY);
    expect_fmt("a.jsonl", "PK\x03\x04", FMT_BINARY); /* zip: content wins */
    expect_fmt("a.txt", "\x1f\x8b\x08", FMT_BINARY); /* gzip */
    expect_fmt("a.txt", "\x01\x02\x03\x04\x05\x06 ab", FMT_BINARY);
}

Test(formats, detect_html)
{
    expect_fmt("a.txt", "<!DOCTYPE html>\n<html><body>x</body></html>",
               FMT_HTML);
    expect_fmt("a", "  <HTML><HEAD>", FMT_HTML);
    expect_fmt("a", "<body>text</body>", FMT_HTML);
    expect_fmt("page.htm", "Some text", FMT_HTML);
}

Test(formats, names)
{
    cr_expect_str_eq(fmt_name(FMT_TEXT), "text");
    cr_expect_str_eq(fmt_name(FMT_JSON), "json");
    cr_expect_str_eq(fmt_name(FMT_REUTERS), "reuters-sgml");
    cr_expect_str_eq(fmt_name(FMT_BINARY), "binary");
    cr_expect_str_eq(fmt_name(FMT_HTML), "html");
    cr_expect_str_eq(fmt_name(FMT_UNKNOWN), "unknown");
}

/* ---- JSON ---------------------------------------------------------- */

Test(formats, json_lines_golden)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse_file("data/articles.jsonl", g, &err);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err.msg);
    cr_assert_eq(g->n, 1);
    struct article *a = &g->a[0];
    expect_article_field(a, uid, "kim-invites-moon");
    expect_article_field(a, title, "Kim invites Moon to Pyongyang");
    expect_article_field(a, body,
                         "North Korean leader Kim Jong-un has invited Moon "
                         "Jae-in to Pyongyang.\n\nThe invitation came on "
                         "Friday.");
    expect_article_field(a, date, "2018-02-10T00:00:00Z");
    expect_article_field(a, url, "https://example.com/kim");
    expect_article_field(a, source, "Example News");
    expect_article_field(a, byline, "Ann Lee, Bo Kim");
    expect_article_field(a, section, "World");
    expect_article_field(a, highlights, "Kim invites Moon");
    expect_article_field(a, language, "und");
    expect_article_field(a, path, "data/articles.jsonl");
    expect_article_field(a, dateline, NULL);

    /* The bad lines are skipped with a warning naming file and line. */
    cr_expect_eq(g->nwarnings, 2);
    const char *w = g->warnings.s;
    cr_expect(strncmp(w, "data/articles.jsonl:2: invalid JSON", 35) == 0,
              "warnings: %s", w);
    const char *second = strchr(w, '\n');
    cr_assert_not_null(second);
    cr_expect(
        strncmp(second + 1, "data/articles.jsonl:3: not an article", 37) == 0,
        "warnings: %s", w);
    sink_got_free(g);
}

Test(formats, json_array_and_single_object)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse_buffer("in/a.json",
                          "[{\"title\": \"A\", \"body\": \"x\"}, 42,\n"
                          " {\"headline\": \"B\", \"text\": \"y\","
                          " \"published\": \"9 February 2018\","
                          " \"link\": \"http://b\", \"publication\": \"P\"}]",
                          FMT_JSON, g, &err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err.msg);
    cr_assert_eq(g->n, 2);
    /* Without an id, the uid is base#position. */
    expect_article_field(&g->a[0], uid, "base#1");
    expect_article_field(&g->a[0], title, "A");
    expect_article_field(&g->a[1], uid, "base#3");
    expect_article_field(&g->a[1], title, "B");
    expect_article_field(&g->a[1], body, "y");
    expect_article_field(&g->a[1], date, "2018-02-09");
    expect_article_field(&g->a[1], url, "http://b");
    expect_article_field(&g->a[1], source, "P");
    cr_expect_eq(g->nwarnings, 1);
    /* Array members are named by position, not by line. */
    cr_expect(
        strncmp(g->warnings.s, "in/a.json: element 2: not an article", 36) == 0,
        "%s", g->warnings.s);
    sink_got_free(g);

    g = sink_got_new();
    rc = parse_buffer("one.json", "{\"id\": 42, \"content\": \"Only a body.\"}",
                      FMT_JSON, g, &err);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err.msg);
    expect_article_field(&g->a[0], uid, "42");
    /* No title: the body's first sentence stands in. */
    expect_article_field(&g->a[0], title, "Only a body.");
    expect_article_field(&g->a[0], body, "Only a body.");
    sink_got_free(g);
}

Test(formats, json_broken_array_fails_naming_the_file)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc =
        parse_buffer("in/bad.json", "[{\"title\": \"A\"", FMT_JSON, g, &err);
    cr_expect_eq(rc, -1);
    cr_expect_eq(g->n, 0);
    cr_expect(strncmp(err.msg, "in/bad.json: invalid JSON", 25) == 0, "%s",
              err.msg);
    sink_got_free(g);
}

/* ---- Reuters ------------------------------------------------------- */

Test(formats, reuters_golden)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse_file("data/reuters.sgm", g, &err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err.msg);
    cr_assert_eq(g->n, 2);
    struct article *a = &g->a[0];
    expect_article_field(a, uid, "reuters-1");
    expect_article_field(a, title, "BAHIA COCOA REVIEW");
    expect_article_field(a, dateline, "SALVADOR");
    expect_article_field(a, date, "1987-02-26T15:01:01");
    /* Entities decoded, indented lines are paragraphs, the "Reuter"
     * signature and the &#3; end mark gone. */
    expect_article_field(a, body,
                         "Showers continued throughout the week in the "
                         "Bahia cocoa zone, <Comissaria Smith> said.\n\n"
                         "Arrivals were 155,221 bags of 60 kilos & a total "
                         "of 5.93 mln.");
    expect_article_field(a, source, "Reuters");
    expect_article_field(a, language, "en");
    expect_article_field(a, path, "data/reuters.sgm");

    /* A TYPE="BRIEF" story: a title and no body. */
    struct article *b = &g->a[1];
    expect_article_field(b, uid, "reuters-9");
    expect_article_field(b, title, "SHOWA LINE <SHOW.T> SEES PROFIT");
    expect_article_field(b, body, "");
    expect_article_field(b, date, "1987-03-02T01:28:24");
    expect_article_field(b, dateline, NULL);
    cr_expect_eq(g->nwarnings, 0);
    sink_got_free(g);
}

Test(formats, reuters_corpus)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse_file("../corpus/reuters21578/reut2-000.sgm", g, &err);
    cr_assert_eq(rc, 1000, "rc %d: %s", rc, err.msg);
    cr_assert_eq(g->n, 1000);
    expect_article_field(&g->a[0], uid, "reuters-1");
    expect_article_field(&g->a[0], title, "BAHIA COCOA REVIEW");
    expect_article_field(&g->a[0], dateline, "SALVADOR");
    cr_expect_not_null(strstr(g->a[0].body, "155,221 bags"));
    for (int i = 0; i < g->n; i++) {
        const char *body = g->a[i].body;
        size_t n = strlen(body);
        cr_expect(n < 6 || strcmp(body + n - 6, "Reuter") != 0,
                  "%s ends with its signature", g->a[i].uid);
        for (const char *p = body; *p; p++)
            if ((unsigned char)*p < 0x20 && *p != '\n') {
                cr_expect_fail("%s: control character 0x%02x in body",
                               g->a[i].uid, *p);
                break;
            }
    }
    sink_got_free(g);
}

Test(formats, reuters_without_stories_fails)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_expect_eq(parse_buffer("x.sgm", "no stories here", FMT_REUTERS, g, &err),
                 FMT_SKIPPED);
    cr_expect_str_eq(err.msg, "x.sgm: no <REUTERS> story in it");
    sink_got_free(g);
}

/* ---- plain text ---------------------------------------------------- */

Test(formats, text_with_headline)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_file("data/headline.txt", g, &err), 1, "%s", err.msg);
    struct article *a = &g->a[0];
    expect_article_field(a, uid, "base");
    expect_article_field(a, path, "data/headline.txt");
    expect_article_field(a, title, "Kim invites Moon to Pyongyang");
    expect_article_field(a, body,
                         "North Korean leader Kim Jong-un has invited Moon "
                         "Jae-in for a summit in Pyongyang, officials "
                         "say.\n\nThe invitation came on Friday.");
    expect_article_field(a, highlights, NULL);
    expect_article_field(a, language, "und");
    sink_got_free(g);
}

Test(formats, text_with_a_sentence_first)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_file("data/sentence.txt", g, &err), 1, "%s", err.msg);
    struct article *a = &g->a[0];
    expect_article_field(a, title,
                         "North Korean leader Kim Jong-un has invited Moon "
                         "Jae-in for a summit in Pyongyang, officials say.");
    expect_article_field(a, body,
                         "North Korean leader Kim Jong-un has invited Moon "
                         "Jae-in for a summit in Pyongyang, officials say. "
                         "It would be the first summit in more than 10 "
                         "years.\n\nThe invitation came on Friday.");
    sink_got_free(g);
}

Test(formats, text_long_first_sentence_is_cut_at_a_word)
{
    struct buf t = {0};
    for (int i = 0; i < 60; i++)
        buf_adds(&t, "word ");
    buf_adds(&t, "end.\n");
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_buffer("long.txt", t.s, FMT_TEXT, g, &err), 1);
    const char *title = g->a[0].title;
    size_t n = strlen(title);
    /* At most 200 bytes, then "…" (which NFKC spells "..."). */
    cr_expect_leq(n, 203);
    cr_expect_gt(n, 150);
    cr_expect_str_eq(title + n - 3, "...");
    cr_expect_eq(strncmp(title, "word word", 9), 0);
    cr_expect_str_eq(title + n - 8, " word...", "cut after a whole word: %s",
                     title);
    sink_got_free(g);
    buf_free(&t);
}

Test(formats, cnn_story_highlights)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_file("data/cnn.story", g, &err), 1, "%s", err.msg);
    struct article *a = &g->a[0];
    /* The wire dateline goes to the dateline and source fields. */
    expect_article_field(
        a, title,
        "North Korean leader Kim Jong Un has invited South Korea's "
        "president to Pyongyang.");
    expect_article_field(
        a, body,
        "North Korean leader Kim Jong Un has invited South Korea's "
        "president to Pyongyang.\n\nThe invitation was delivered by "
        "his sister.");
    expect_article_field(a, dateline, "SEOUL");
    expect_article_field(a, source, "CNN");
    expect_article_field(a, highlights,
                         "Kim Jong Un invites Moon Jae-in\n"
                         "The letter was delivered by Kim Yo Jong");
    sink_got_free(g);
}

Test(formats, text_repaired_from_windows_1252)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_buffer("w.txt",
                              "Caf\xe9 owners\n\n\x93We\x92re open,\x94"
                              " they said.",
                              FMT_TEXT, g, &err),
                 1);
    expect_article_field(&g->a[0], title, "Café owners");
    expect_article_field(&g->a[0], body, "“We’re open,” they said.");
    sink_got_free(g);
}

Test(formats, headline_limit_counts_characters)
{
    /* 86 characters, 12 words, 161 bytes in UTF-8. */
    const char *h = "Президент России встретился с руководителями регионов "
                    "страны в Москве и обсудил бюджет";
    struct buf t = {0};
    buf_printf(&t, "%s\n\nПервый абзац текста. Второе предложение.\n", h);
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse_buffer("ru.txt", t.s, FMT_TEXT, g, &err), 1);
    expect_article_field(&g->a[0], title, h);
    expect_article_field(&g->a[0], body,
                         "Первый абзац текста. Второе предложение.");
    sink_got_free(g);
    buf_free(&t);
}

/* ---- text files that are lists, not articles ----------------------- */

#define expect_list(text, want)                                                \
    do {                                                                       \
        struct sink_got *g_ = sink_got_new();                                  \
        struct mg_err e_ = {""};                                               \
        cr_expect_eq(parse_buffer("l.txt", (text), FMT_TEXT, g_, &e_),         \
                     FMT_SKIPPED, "indexed as an article: %s", (text));        \
        cr_expect_eq(g_->n, 0);                                                \
        cr_expect_str_eq(e_.msg, "l.txt: not an article: " want);              \
        sink_got_free(g_);                                                     \
    } while (0)

#define expect_article(text)                                                   \
    do {                                                                       \
        struct sink_got *g_ = sink_got_new();                                  \
        struct mg_err e_ = {""};                                               \
        cr_expect_eq(parse_buffer("a.txt", (text), FMT_TEXT, g_, &e_), 1,      \
                     "%s: %s", e_.msg, (text));                                \
        cr_expect_eq(g_->n, 1);                                                \
        sink_got_free(g_);                                                     \
    } while (0)

Test(formats, text_lists_are_skipped_with_their_kind)
{
    /* the URLs a corpus was fetched from (CNN's url_lists) */
    expect_list("http://web.archive.org/web/2007/http://cnn.com/a.html\n"
                "https://www.cnn.com/2015/04/01/europe/crash/\n"
                "www.bbc.co.uk/news/world-43210\n",
                "a list of URLs");
    /* a stop-word list, one word a line, blank lines between (TIME.STP),
     * a comment first, words with accents and apostrophes */
    expect_list("# stop words\nA\n\nABOUT\n\nABOVE\n\nAFTER\n\nAGAIN\n\n"
                "against\nain't\nall\nam\nan\nand\nfür\nüber\nwhile\n"
                "well-known\n",
                "a word list");
    /* the names of the files (FakeNewsNet's News.txt, a photo list) */
    expect_list("BuzzFeed_Real_1-Webpage.json\nBuzzFeed_Real_2-Webpage.json\n"
                "photos/2018/kim.JPG\nFakeNewsContent/BuzzFeed_Fake_1.json\n"
                "index.html\n",
                "a list of file names");
    expect_list("BuzzFeed_Real_1\r\nBuzzFeed_Real_2\r\nBuzzFeed_Real_3\r\n"
                "PolitiFact_Fake_12\r\n",
                "a list of ids");
    /* relevance judgments: numbers and no word */
    expect_list("1 184 2\n1 29 2\n1 31 2\n   /\n2 12 3 0.000000\n",
                "a table of numbers");
    /* a byte order mark and one line of prose in ten do not hide it */
    expect_list("\xEF\xBB\xBFhttp://a.example/1\nhttp://a.example/2\n"
                "http://a.example/3\nhttp://a.example/4\nhttp://a.example/5\n"
                "http://a.example/6\nhttp://a.example/7\nhttp://a.example/8\n"
                "http://a.example/9\nThe links we fetched.\n",
                "a list of URLs");
}

Test(formats, short_articles_are_not_lists)
{
    /* a headline and one sentence; a one-paragraph brief */
    expect_article("Storm closes schools\n\nHeavy snow closed 40 schools "
                   "across the county on Monday.\n");
    expect_article("Heavy snow closed 40 schools across the county on "
                   "Monday, officials said, and more is forecast.\n");
    /* a poem: short lines, a word or two */
    expect_article("Fog\n\nThe fog comes\non little cat feet.\n\nIt sits "
                   "looking\nover harbor\nand city\non silent haunches\nand "
                   "then moves on.\n");
    /* results: a line each, but words between the numbers */
    expect_article("Premier League results\n\nArsenal 2 Chelsea 1\n"
                   "Liverpool 0 Everton 0\nLeeds 3 Spurs 2\n");
    /* a story ending in its links */
    expect_article("Kim invites Moon\n\nNorth Korean leader Kim Jong-un has "
                   "invited Moon Jae-in to Pyongyang.\n\nRead more:\n"
                   "http://example.com/a\nhttp://example.com/b\n");
    /* a headline of one word over a body of one sentence */
    expect_article(
        "Obituary\nJohn Smith\nThe painter died on Sunday aged 90.\n");
    /* Chinese is written without spaces: short lines are not words */
    expect_article("静夜思\n床前明月光\n疑是地上霜\n举头望明月\n低头思故乡\n");
    expect_article("ข่าวด่วน\nฝนตกหนักในกรุงเทพฯ\nโรงเรียนปิด\n");
    /* two lines are too few to call a list */
    expect_article("Links\nhttp://example.com/a\n");
}

Test(formats, a_list_file_is_skipped_naming_it)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "News.txt");
    const char *list = "politifact_real_1.json\npolitifact_real_2.json\n"
                       "politifact_real_3.json\n";
    write_file(path, list, strlen(list));
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_expect_eq(parse_file(path, g, &err), FMT_SKIPPED);
    cr_expect_eq(g->n, 0);
    struct buf want = {0};
    buf_printf(&want, "%s: not an article: a list of file names", path);
    cr_expect_str_eq(err.msg, want.s);
    buf_free(&want);
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

/* ---- files that are refused ---------------------------------------- */

#define expect_refused(path, want)                                             \
    do {                                                                       \
        struct sink_got *g_ = sink_got_new();                                  \
        struct mg_err e_ = {""};                                               \
        cr_expect_eq(parse_file((path), g_, &e_), FMT_SKIPPED, "%s parsed",    \
                     (path));                                                  \
        cr_expect_eq(g_->n, 0);                                                \
        cr_expect_str_eq(e_.msg, (want));                                      \
        sink_got_free(g_);                                                     \
    } while (0)

Test(formats, refused_files_are_named)
{
    expect_refused("data/empty.txt", "data/empty.txt: empty file");
    expect_refused("data/image.png", "data/image.png: binary data, not text");
    expect_refused("data/nul.txt", "data/nul.txt: binary data, not text");

    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_expect_eq(parse_file("data/no-such-file.txt", g, &err), FMT_FAILED);
    cr_expect(strncmp(err.msg, "data/no-such-file.txt: cannot open", 34) == 0,
              "%s", err.msg);
    cr_expect_eq(parse_buffer("p.html", "<html></html>", FMT_HTML, g, &err),
                 FMT_SKIPPED);
    cr_expect_not_null(strstr(err.msg, "p.html"), "%s", err.msg);
    cr_expect_eq(parse_buffer("blank.txt", " \n\t\n", FMT_TEXT, g, &err),
                 FMT_SKIPPED);
    cr_expect_str_eq(err.msg, "blank.txt: no text in it");
    cr_expect_eq(g->n, 0);
    sink_got_free(g);
}

/* ---- damaged gzip files ------------------------------------------- */

/* Writes data gzip-compressed as dir/name, less its last cut bytes (8:
 * the whole trailer, CRC-32 and length) or with its CRC-32 changed
 * (cut 0, bad_crc); returns the path (caller frees). */
static char *gzip_damaged(const char *dir, const char *name, const char *data,
                          size_t cut, int bad_crc)
{
    size_t len;
    unsigned char *out = gzip_bytes(data, strlen(data), &len);
    if (bad_crc)
        out[len - 8] ^= 0x5a;
    char *path = path_in(dir, name);
    write_file(path, (const char *)out, len - cut);
    free(out);
    return path;
}

/* Each reader (JSON Lines, a JSON document, CSV, Reuters SGML, plain
 * text, HTML) gives no article from a gzip file cut before its trailer
 * or with a wrong CRC: the file fails, named, before any article. */
Test(formats, damaged_gzip_fails_before_any_article)
{
    static const struct {
        const char *name, *data;
    } files[] = {
        {"a.jsonl.gz",
         "{\"id\": \"a\", \"title\": \"Alpha\", \"body\": \"A.\"}\n"
         "{\"id\": \"b\", \"title\": \"Beta\", \"body\": \"B.\"}\n"},
        {"a.json.gz", "[{\"title\": \"Alpha\", \"body\": \"A.\"}]"},
        {"a.csv.gz", "id,title,text\na,Alpha,Alpha body\nb,Beta,Beta body\n"},
        {"a.sgm.gz", "<REUTERS NEWID=\"1\"><TITLE>Alpha</TITLE><BODY>A "
                     "body.</BODY></REUTERS>\n"},
        {"a.txt.gz", "Alpha falls\n\nThe alpha fell on Monday, traders "
                     "said.\n"},
        {"a.html.gz", "<html><body><article><h1>Alpha</h1><p>The alpha fell "
                      "on Monday, traders said, in a long paragraph of "
                      "text.</p></article></body></html>"},
    };
    char *dir = mk_tmpdir();
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        /* whole, it is read */
        char *path = gzip_damaged(dir, files[i].name, files[i].data, 0, 0);
        struct sink_got *g = sink_got_new();
        struct mg_err err = {""};
        cr_expect_geq(parse_file(path, g, &err), 1, "%s: %s", files[i].name,
                      err.msg);
        sink_got_free(g);
        free(path);
        for (int bad_crc = 0; bad_crc < 2; bad_crc++) {
            path = gzip_damaged(dir, files[i].name, files[i].data,
                                bad_crc ? 0 : 8, bad_crc);
            g = sink_got_new();
            cr_expect_eq(parse_file(path, g, &err), FMT_FAILED, "%s: %s",
                         files[i].name, bad_crc ? "bad CRC" : "no trailer");
            cr_expect_eq(g->n, 0, "%s: %d articles given", files[i].name, g->n);
            struct buf want = {0};
            buf_printf(&want, "%s: %s", path,
                       bad_crc ? "gzip checksum mismatch (corrupt data)"
                               : "gzip data cut short (no trailer): "
                                 "interrupted copy?");
            cr_expect_str_eq(err.msg, want.s);
            buf_free(&want);
            sink_got_free(g);
            free(path);
        }
    }
    rm_tree(dir);
    free(dir);
}

/* ---- the sink ------------------------------------------------------ */

Test(formats, sink_stop_reuters)
{
    struct sink_got *g = sink_got_new();
    g->stop_after = 1;
    struct mg_err err = {""};
    int rc = parse_file("data/reuters.sgm", g, &err);
    cr_expect_eq(g->n, 1, "nothing after the sink said stop");
    cr_expect_eq(rc, 1, "the number of articles given");
    sink_got_free(g);
}

Test(formats, sink_stop_counts_what_was_given)
{
    struct mg_err err;
    strcpy(err.msg, "unset");

    struct sink_got *g = sink_got_new();
    g->stop_after = 1;
    int rc =
        parse_buffer("a.txt", "Headline\n\nBody text.\n", FMT_TEXT, g, &err);
    cr_expect_eq(g->n, 1);
    cr_expect(rc == 1 || (rc == -1 && strcmp(err.msg, "unset") != 0),
              "text: rc %d, err \"%s\"", rc, err.msg);
    sink_got_free(g);

    g = sink_got_new();
    g->stop_after = 1;
    rc = parse_buffer("a.jsonl", "{\"title\": \"a\"}\n{\"title\": \"b\"}\n",
                      FMT_JSON, g, &err);
    cr_expect_eq(g->n, 1);
    cr_expect_eq(rc, 1, "json lines: rc %d", rc);
    sink_got_free(g);
}
