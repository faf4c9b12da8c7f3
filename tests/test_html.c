/*
 * test_html.c - reading HTML pages into articles (indexer/html.h):
 * metadata from og/meta tags, JSON-LD and <title>; the body from
 * <article> or from the densest block of paragraphs, with page furniture
 * left out; captions; failures; hostile input (deep nesting, binary junk,
 * external entities).
 */
#include <criterion/criterion.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "helpers.h"
#include "html.h"
#include "util.h"

/* Parses tests/data/html/<name>; returns html_parse's status. */
static int parse_fixture(const char *name, struct article *a,
                         struct mg_err *err)
{
    struct buf path = {0};
    buf_printf(&path, "data/html/%s", name);
    char *data = NULL;
    size_t n = 0;
    cr_assert_eq(mg_read_file(path.s, &data, &n, err), 0, "%s", err->msg);
    int rc = html_parse(path.s, data, n, a, err);
    free(data);
    buf_free(&path);
    return rc;
}

static void parse_ok(const char *name, struct article *a)
{
    struct mg_err err = {""};
    int rc = parse_fixture(name, a, &err);
    cr_assert_eq(rc, 0, "%s: %s", name, err.msg);
    cr_assert_not_null(a->body);
}

#define expect_field(field, want)                                              \
    do {                                                                       \
        cr_expect_not_null((field), #field " is NULL, want \"%s\"", (want));   \
        if (field)                                                             \
            cr_expect_str_eq((field), (want), #field);                         \
    } while (0)

#define expect_absent(hay, needle)                                             \
    cr_expect(strstr((hay), (needle)) == NULL, "\"%s\" should not be in:\n%s", \
              (needle), (hay))

/* ---- metadata ------------------------------------------------------ */

Test(html, metadata_from_og_and_meta_tags)
{
    struct article a = {0};
    parse_ok("meta.html", &a);
    /* og:title wins over <title>; whitespace collapsed */
    expect_field(a.title, "City council approves the new bridge");
    /* the canonical link wins over og:url */
    expect_field(a.url, "https://www.bugle.example/news/bridge");
    expect_field(a.source, "The Morning Bugle");
    expect_field(a.description, "The vote ends a ten-year debate.");
    expect_field(a.date, "2019-11-19T08:30:00-05:00");
    expect_field(a.section, "Local");
    /* article:author is a profile URL here: the author meta is used */
    expect_field(a.byline, "Jane Doe");
    /* the primary subtag of <html lang="pt-BR"> */
    expect_field(a.language, "pt");
    article_clear(&a);
}

Test(html, metadata_from_json_ld_graph)
{
    struct article a = {0};
    parse_ok("jsonld.html", &a);
    /* the headline wins over <title> */
    expect_field(a.title, "Storm closes the harbour for three days");
    expect_field(a.date, "2018-02-09T14:30:00Z");
    expect_field(a.byline, "Ann Lee, Bo Park");
    /* publisher.name, not the WebSite node's name */
    expect_field(a.source, "Coastal Times");
    expect_field(a.section, "Weather");
    expect_field(a.url, "https://coastal.example/storm");
    expect_field(a.description, "Ferries stay in port & fishermen wait.");
    expect_field(a.language, "en");
    article_clear(&a);
}

Test(html, title_without_site_suffix_and_source_from_host)
{
    struct article a = {0};
    parse_ok("title_only.html", &a);
    /* " | Daily Planet" names the site (dailyplanet.example): dropped */
    expect_field(a.title, "Library reopens after flood");
    expect_field(a.source, "dailyplanet.example");
    cr_expect_null(a.language, "no language given: left for the caller");
    cr_expect_null(a.date);
    article_clear(&a);
}

Test(html, charset_from_meta_tag)
{
    struct article a = {0};
    parse_ok("latin1.html", &a);
    expect_field(a.title, "Café");
    expect_field(a.body, "Le café de la gare a rouvert ses portes après des "
                         "travaux qui ont duré plus de six mois.");
    article_clear(&a);
}

/* ---- body ---------------------------------------------------------- */

Test(html, body_from_article_without_page_furniture)
{
    struct article a = {0};
    parse_ok("article.html", &a);
    expect_field(a.body,
                 "Train drivers ended their three-day strike on Tuesday after "
                 "the union accepted a pay offer of four percent, the company "
                 "said.\n\n"
                 "Services will run normally from Wednesday morning, although "
                 "some early trains may be cancelled.\n\n"
                 "What the union said\n\n"
                 "The union's leader, Maria Gomez, said the agreement was \"a "
                 "fair deal for drivers and for passengers\", and thanked "
                 "members for their patience.\n\n"
                 "Passengers were told to check the timetable before "
                 "travelling, and refunds will be offered for tickets bought "
                 "for the strike days.");
    static const char *const JUNK[] = {
        "STYLE TEXT", "SCRIPT TEXT", "cookies",         "Politics",
        "Sam Reed",   "Share",       "Related stories", "hidden",
        "JavaScript", "newsletter",  "SVG TEXT",        "Most read",
        "Great news", "Copyright",   "Commuters",
    };
    for (size_t i = 0; i < sizeof JUNK / sizeof *JUNK; i++)
        expect_absent(a.body, JUNK[i]);
    /* the figure's caption and the caption box: one caption, once */
    expect_field(a.captions, "Commuters wait at Central Station on Monday.");
    /* no date meta: the article's <time datetime> */
    expect_field(a.date, "2019-11-19T10:00:00Z");
    article_clear(&a);
}

Test(html, body_from_densest_paragraphs_without_article_element)
{
    struct article a = {0};
    parse_ok("densest.html", &a);
    cr_assert_not_null(strstr(a.body, "Der Stadtrat hat am Dienstag"));
    cr_expect_not_null(strstr(a.body, "geschätzt, davon trägt das Land"));
    /* three paragraphs, in order */
    const char *p1 = strstr(a.body, "Der Stadtrat"),
               *p2 = strstr(a.body, "Die Bauarbeiten"),
               *p3 = strstr(a.body, "Die Kosten");
    cr_expect(p1 && p2 && p3 && p1 < p2 && p2 < p3, "order: %s", a.body);
    cr_expect_not_null(strstr(a.body, "hat.\n\nDie Bauarbeiten"));
    expect_absent(a.body, "Startseite");
    expect_absent(a.body, "Weitere Nachrichten");
    expect_absent(a.body, "Anzeige");
    expect_absent(a.body, "Angebote");
    expect_field(a.language, "de");
    article_clear(&a);
}

Test(html, json_ld_article_body_when_the_page_shows_none)
{
    struct article a = {0};
    parse_ok("ldbody.html", &a);
    expect_field(a.body, "The budget passed on Thursday by a wide margin after "
                         "weeks of negotiation between the parties.\n\n"
                         "It raises spending on schools by five percent and "
                         "cuts the tax on fuel for the coming year.");
    article_clear(&a);
}

/* ---- failures ------------------------------------------------------ */

Test(html, page_without_body_text_fails_naming_the_file)
{
    struct article a = {0};
    struct mg_err err = {""};
    cr_assert_eq(parse_fixture("no_text.html", &a, &err), -1);
    cr_expect_str_eq(
        err.msg, "data/html/no_text.html: no article text found in the page");
    cr_expect_null(a.body);
    article_clear(&a);
}

Test(html, empty_input_fails)
{
    struct article a = {0};
    struct mg_err err = {""};
    cr_expect_eq(html_parse("empty.html", "", 0, &a, &err), -1);
    cr_expect_not_null(strstr(err.msg, "empty.html"), "%s", err.msg);
    cr_expect_eq(html_parse("blank.html", "  \n ", 4, &a, &err), -1);
    cr_expect_not_null(strstr(err.msg, "blank.html"), "%s", err.msg);
    article_clear(&a);
}

/* ---- hostile input ------------------------------------------------- */

Test(html, deep_nesting_does_not_crash)
{
    enum { DEPTH = 100000 };
    struct buf b = {0};
    buf_adds(&b, "<html><body>");
    for (int i = 0; i < DEPTH; i++)
        buf_adds(&b, i % 2 ? "<div>" : "<span><p>");
    buf_adds(&b, "The text at the bottom of a very deep page, still found.");
    for (int i = 0; i < DEPTH; i++)
        buf_adds(&b, "</div>");
    buf_adds(&b, "</body></html>");
    struct article a = {0};
    struct mg_err err = {""};
    int rc = html_parse("deep.html", b.s, b.len, &a, &err);
    cr_expect_eq(rc, 0, "%s", err.msg);
    if (rc == 0)
        cr_expect_not_null(strstr(a.body, "at the bottom of a very deep page"));
    article_clear(&a);
    buf_free(&b);
}

Test(html, binary_junk_does_not_crash)
{
    unsigned long long x = 0x9E3779B97F4A7C15ULL;
    char *junk = mg_malloc(1 << 16);
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 331) % (1 << 16);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            junk[i] = (char)x;
        }
        if (round % 3 == 0) /* junk behind a plausible start */
            memcpy(junk, "<html><body><p>", n < 15 ? n : 15);
        struct article a = {0};
        struct mg_err err = {""};
        int rc = html_parse("junk.bin", junk, n, &a, &err);
        cr_expect(rc == 0 || rc == -1);
        if (rc < 0)
            cr_expect_not_null(strstr(err.msg, "junk.bin"), "%s", err.msg);
        else
            cr_expect_not_null(a.body);
        article_clear(&a);
    }
    free(junk);
}

static int loads;

static xmlParserInputPtr counting_loader(const char *url, const char *id,
                                         xmlParserCtxtPtr ctxt)
{
    (void)url, (void)id, (void)ctxt;
    loads++;
    return NULL;
}

Test(html, external_entities_and_dtds_are_never_loaded)
{
    char *dir = mk_tmpdir();
    char *dtd = path_in(dir, "evil.dtd");
    const char *decl = "<!ENTITY secret \"SECRET-MARKER\">\n";
    write_file(dtd, decl, strlen(decl));
    char *marker = path_in(dir, "marker.txt");
    write_file(marker, "FILE-MARKER", 11);
    struct buf page = {0};
    buf_printf(&page,
               "<!DOCTYPE html SYSTEM \"file://%s\" [\n"
               "<!ENTITY file SYSTEM \"file://%s\">\n"
               "<!ENTITY net SYSTEM \"http://127.0.0.1:9/x\">\n]>\n"
               "<html><body><p>Before &secret; and &file; and &net; after, a "
               "sentence long enough to count as article text.</p></body>"
               "</html>",
               dtd, marker);
    xmlExternalEntityLoader saved = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(counting_loader);
    struct article a = {0};
    struct mg_err err = {""};
    int rc = html_parse("xxe.html", page.s, page.len, &a, &err);
    xmlSetExternalEntityLoader(saved);
    cr_expect_eq(loads, 0, "an external entity or DTD was asked for");
    if (rc == 0) {
        expect_absent(a.body, "SECRET-MARKER");
        expect_absent(a.body, "FILE-MARKER");
    }
    article_clear(&a);
    buf_free(&page);
    rm_tree(dir);
    free(marker);
    free(dtd);
    free(dir);
}
