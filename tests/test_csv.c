/*
 * test_csv.c - the CSV reader (indexer/csv.h): column mapping, RFC 4180
 * quoting, separators, line ends, bad records warned about with their
 * line, files that fail, streaming from gzip, and the 1,000 CNN articles
 * of the shared corpus.  Fields are checked raw, as the parser gives them.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "article.h"
#include "csv.h"
#include "helpers.h"
#include "input.h"

TestSuite(csv, .fini = expect_no_leaks);

/* Opens path and parses it with uid base "base". */
static int parse(const char *path, struct sink_got *g, struct mg_err *err)
{
    struct input *in = NULL;
    int rc = input_open(path, &in, err);
    cr_assert_eq(rc, 0, "input_open(%s): %s", path, err->msg);
    struct fmt_sink sink = sink_got_sink(g);
    rc = csv_parse(in, "base", &sink, err);
    input_close(in);
    return rc;
}

/* ---- mapping and quoting ------------------------------------------- */

Test(csv, every_column_name_and_rfc4180_quoting)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/full.csv", g, &err);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err.msg);
    cr_assert_eq(g->n, 3);
    cr_expect_eq(g->nwarnings, 0, "%s", g->warnings.s);
    struct article *a = &g->a[0];
    expect_article_field(a, uid, "kim-1");
    expect_article_field(a, title, "Kim invites Moon");
    /* A multi-line quoted field with "" escapes and commas, as it is. */
    expect_article_field(
        a, body,
        "North Korean leader Kim Jong-un has invited Moon Jae-in to "
        "Pyongyang.\n\nThe invitation, officials said, came on "
        "\"Friday\".");
    expect_article_field(a, date, "2018-02-10T09:00:00Z");
    expect_article_field(a, url, "https://example.com/kim");
    expect_article_field(a, source, "Example News");
    expect_article_field(a, byline, "Lee, Ann");
    expect_article_field(a, highlights,
                         "Kim invites Moon\nSummit would be the third");
    expect_article_field(a, section, "World");
    expect_article_field(a, language, "en");
    expect_article_field(a, description, "The \"first\" offer");
    expect_article_field(a, path, "data/csv/full.csv");
    /* A title alone or a body alone is an article; empty fields are NULL
     * and an empty id gives base#N. */
    expect_article_field(&g->a[1], title, "Title only");
    expect_article_field(&g->a[1], body, NULL);
    expect_article_field(&g->a[1], date, NULL);
    expect_article_field(&g->a[1], uid, "base#2");
    expect_article_field(&g->a[2], title, NULL);
    expect_article_field(&g->a[2], body, "Body only: no title.");
    expect_article_field(&g->a[2], uid, "base#3");
    sink_got_free(g);
}

Test(csv, date_column_names)
{
    static const char *const NAMES[] = {"date",
                                        "published",
                                        "publish_date",
                                        "pubdate",
                                        "datetime",
                                        "Date Published",
                                        "datePublished",
                                        "published_at",
                                        "publication-date",
                                        "pub_date",
                                        NULL};
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "d.csv");
    for (int i = 0; NAMES[i]; i++) {
        struct buf data = {0};
        buf_printf(&data, "title,%s,body\nOil,1987-03-04,Oil body.\n",
                   NAMES[i]);
        write_file(path, data.s, data.len);
        buf_free(&data);
        struct sink_got *g = sink_got_new();
        struct mg_err err = {""};
        cr_assert_eq(parse(path, g, &err), 1, "%s", err.msg);
        cr_expect_str_eq(g->a[0].date ? g->a[0].date : "(null)", "1987-03-04",
                         "a date column named \"%s\"", NAMES[i]);
        cr_expect_eq(g->nwarnings, 0, "[%s] %s", NAMES[i], g->warnings.s);
        sink_got_free(g);
    }
    rm_tree(dir);
    free(path);
    free(dir);
}

Test(csv, bom_and_crlf)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/crlf_bom.csv", g, &err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err.msg);
    cr_expect_eq(g->nwarnings, 0, "%s", g->warnings.s);
    /* The BOM is not part of the first column's name: "title" maps. */
    expect_article_field(&g->a[0], title, "First");
    expect_article_field(&g->a[0], body,
                         "Line one\nline two"); /* CRLF read as \n */
    expect_article_field(&g->a[0], uid, "c1");
    expect_article_field(&g->a[1], body, "Plain body");
    expect_article_field(&g->a[1], uid,
                         "c2"); /* no "\r" left on the last field */
    sink_got_free(g);
}

Test(csv, semicolon_separated)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/semicolon.csv", g, &err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err.msg);
    cr_expect_eq(g->nwarnings, 0, "%s", g->warnings.s);
    expect_article_field(&g->a[0], title, "Paris, France");
    expect_article_field(&g->a[0], body,
                         "Prices rose 1,5 % in March, Insee said.");
    expect_article_field(&g->a[0], date, "09/04/2018");
    expect_article_field(&g->a[1], title, "A; quoted");
    expect_article_field(&g->a[1], body, "Body with ; inside");
    sink_got_free(g);
}

Test(csv, tab_separated)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/tabs.tsv", g, &err);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err.msg);
    expect_article_field(&g->a[0], uid, "t1");
    expect_article_field(&g->a[0], title, "Tabbed title");
    expect_article_field(&g->a[0], body,
                         "A body, with a comma; and a semicolon.");
    sink_got_free(g);
}

Test(csv, first_non_blank_column_of_a_field_wins)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "two.csv");
    const char *data = "Body,Title ,TEXT,headline\n"
                       "b1,,t1,h1\n"
                       ",  ,t2,h2\n";
    write_file(path, data, strlen(data));
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse(path, g, &err), 2, "%s", err.msg);
    /* "text" comes before "body" in the order of names; "title" before
     * "headline", a blank one skipped. */
    expect_article_field(&g->a[0], body, "t1");
    expect_article_field(&g->a[0], title, "h1");
    expect_article_field(&g->a[1], body, "t2");
    expect_article_field(&g->a[1], title, "h2");
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

Test(csv, lenient_quotes)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "loose.csv");
    /* Spaces before an opening quote, text after a closing one, a quote
     * inside an unquoted field, a last line without its line end, and
     * old Mac CR line ends. */
    const char *data = "title, text\r"
                       "A 5\" screen, \"quoted, after spaces\"\r"
                       "\"Quoted\" tail,body\r"
                       "\"\"\"Scare\"\" quotes\",\"x\"";
    write_file(path, data, strlen(data));
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse(path, g, &err), 3, "%s", err.msg);
    cr_expect_eq(g->nwarnings, 0, "%s", g->warnings.s);
    expect_article_field(&g->a[0], title, "A 5\" screen");
    expect_article_field(&g->a[0], body, "quoted, after spaces");
    expect_article_field(&g->a[1], title, "Quoted tail");
    expect_article_field(&g->a[2], title, "\"Scare\" quotes");
    expect_article_field(&g->a[2], body, "x");
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

/* ---- bad records and bad files ------------------------------------- */

Test(csv, bad_records_are_warned_with_their_line_and_skipped)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/bad_records.csv", g, &err);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err.msg);
    cr_expect_str_eq(g->warnings.s,
                     "data/csv/bad_records.csv:4: 2 fields, the header has 3\n"
                     "data/csv/bad_records.csv:6: 4 fields, the header has 3\n"
                     "data/csv/bad_records.csv:7: no title or text\n");
    expect_article_field(&g->a[0], uid, "a1");
    expect_article_field(&g->a[0], body, "First body\nover two lines");
    expect_article_field(&g->a[1], uid, "c3");
    /* Record numbers count the skipped records, not the blank line. */
    expect_article_field(&g->a[2], uid, "base#6");
    expect_article_field(&g->a[2], title, "Six");
    sink_got_free(g);
}

Test(csv, a_quote_left_open_is_a_warning_for_its_record)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/unterminated.csv", g, &err);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err.msg);
    expect_article_field(&g->a[0], title, "Good");
    cr_expect_str_eq(g->warnings.s,
                     "data/csv/unterminated.csv:3: quoted field not closed "
                     "at the end of the file\n");
    sink_got_free(g);
}

Test(csv, a_header_without_title_or_text_fails_the_file)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse("data/csv/no_text_column.csv", g, &err);
    cr_expect_eq(rc, -1);
    cr_expect_eq(g->n, 0);
    cr_expect_str_eq(err.msg, "data/csv/no_text_column.csv: CSV header has no "
                              "title or text column (columns: name, price, "
                              "sku)");
    sink_got_free(g);
}

Test(csv, header_only_and_empty_files)
{
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_expect_eq(parse("data/csv/header_only.csv", g, &err), 0, "%s", err.msg);
    cr_expect_eq(g->n + g->nwarnings, 0);

    char *dir = mk_tmpdir();
    char *path = path_in(dir, "empty.csv");
    write_file(path, "\n\n", 2);
    cr_expect_eq(parse(path, g, &err), -1);
    cr_expect(strstr(err.msg, "empty.csv: empty CSV file (no header line)"),
              "%s", err.msg);
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

Test(csv, the_sink_can_stop_the_parse)
{
    struct sink_got *g = sink_got_new();
    g->stop_after = 1;
    struct mg_err err = {""};
    cr_expect_eq(parse("data/csv/crlf_bom.csv", g, &err), 1);
    cr_expect_eq(g->n, 1);
    sink_got_free(g);
}

/* ---- streaming ----------------------------------------------------- */

Test(csv, gzip_compressed_input_is_streamed)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "many.csv.gz");
    gzFile f = gzopen(path, "wb");
    cr_assert_not_null(f);
    gzputs(f, "id,title,text\n");
    for (int i = 1; i <= 5000; i++)
        gzprintf(f, "n%d,Title %d,\"Body %d,\nsecond line\"\n", i, i, i);
    gzclose(f);
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_assert_eq(parse(path, g, &err), 5000, "%s", err.msg);
    cr_expect_eq(g->nwarnings, 0);
    expect_article_field(&g->a[4999], uid, "n5000");
    expect_article_field(&g->a[4999], body, "Body 5000,\nsecond line");
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

Test(csv, a_field_over_64_mb_fails_the_file, .timeout = 120)
{
    char *dir = mk_tmpdir();
    char *path = path_in(dir, "huge.csv.gz");
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    gzFile f = gzopen(path, "wb1");
    cr_assert_not_null(f);
    gzputs(f, "title,text\nok,fine\nhuge,\"");
    for (int i = 0; i < 65; i++) /* 65 MB of 'x' in a quoted field */
        cr_assert_eq(gzwrite(f, block, sizeof block), (int)sizeof block);
    gzputs(f, "\"\n");
    gzclose(f);
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    cr_expect_eq(parse(path, g, &err), -1);
    cr_expect_eq(g->n, 1, "the article before it was given");
    cr_expect(strstr(err.msg, "huge.csv.gz:3: CSV field larger than 64 MB"),
              "%s", err.msg);
    sink_got_free(g);
    rm_tree(dir);
    free(path);
    free(dir);
}

/* ---- the CNN / Daily Mail sample (shared corpus) ------------------- */

Test(csv, cnn_dailymail_1000_articles)
{
    const char *shared = getenv("MORGUE_SHARED");
    struct buf p = {0};
    buf_printf(&p,
               "%s/cnn_dailymail_val1000/cnn_dailymail_validation_subset.csv",
               shared && *shared ? shared : "../../shared/corpus");
    FILE *probe = fopen(p.s, "rb");
    if (!probe) {
        buf_free(&p);
        cr_skip_test("shared corpus not here (set MORGUE_SHARED)");
    }
    fclose(probe);
    struct sink_got *g = sink_got_new();
    struct mg_err err = {""};
    int rc = parse(p.s, g, &err);
    cr_assert_eq(rc, 1000, "rc %d: %s", rc, err.msg);
    cr_expect_eq(g->nwarnings, 0, "%s", g->warnings.s);
    /* Every record, with its id, text and highlights (2,587 in all, one
     * per line). */
    int lines = 0;
    for (int i = 0; i < g->n; i++) {
        struct article *a = &g->a[i];
        cr_expect_eq(strlen(a->uid), 40, "uid %s", a->uid);
        cr_expect_not_null(a->body);
        cr_expect_null(a->title);
        cr_assert_not_null(a->highlights, "article %d", i + 1);
        cr_expect_null(strchr(a->highlights, '\r'));
        lines++;
        for (const char *s = a->highlights; *s; s++)
            lines += *s == '\n';
    }
    cr_expect_eq(lines, 2587);
    struct article *a = &g->a[0];
    expect_article_field(a, uid, "a4942dd663020ca54575471657a0af38d82897d6");
    cr_expect_eq(
        strncmp(a->body, "(CNN)Share, and your gift will be multiplied.", 45),
        0, "%.60s", a->body);
    cr_expect(strstr(a->body, "\"I thought I was going to help this one "
                              "person who I don't know"),
              "\"\" read as a quote");
    expect_article_field(
        a, highlights,
        "Zully Broussard decided to give a kidney to a stranger .\n"
        "A new computer program helped her donation spur "
        "transplants for six kidney patients .");
    expect_article_field(&g->a[999], uid,
                         "c88b9f2d5dcb291ef3f68b95d527703a9ba9fb35");
    sink_got_free(g);
    buf_free(&p);
}

/* ---- detection ----------------------------------------------------- */

#define expect_sniff(head, want)                                               \
    cr_expect_eq(csv_sniff((head), sizeof(head) - 1), (want),                  \
                 "csv_sniff(\"%s\") should be %d", (head), (want))

Test(csv, sniff)
{
    expect_sniff("article,highlights,id\n\"(CNN)Share, and", 1);
    expect_sniff("title,text\nKim,Moon\n", 1);
    expect_sniff("\xEF\xBB\xBF\"title\",\"text\"\r\n\"a\",\"b\"\r\n", 1);
    expect_sniff("title;text;date\nParis, France;Prices rose;2018\n", 1);
    expect_sniff("id\ttitle\tcontent\nt1\ta\tb\n", 1);
    expect_sniff(",title,text\n0,a,b\n", 1); /* pandas' unnamed index */
    expect_sniff("Publish Date,Article Text\n", 1);
    expect_sniff("title,text\n", 1);
    /* Not CSV headers. */
    expect_sniff("text\nA single column\n", 0);
    expect_sniff("Kim invites Moon, Trump says\n\nNorth Korean leader...", 0);
    expect_sniff("Kim invites Moon to Pyongyang, officials say\nBody\n", 0);
    expect_sniff("Hello, world.\nMore text, here.\n", 0);
    expect_sniff("title,text\nonly one field\n", 0);
    expect_sniff("title,text", 0); /* no line end: too little to tell */
    expect_sniff("{\"title\": \"a\", \"text\": \"b\"}\n", 0);
    expect_sniff("<nitf><head>", 0);
    expect_sniff("", 0);
}
