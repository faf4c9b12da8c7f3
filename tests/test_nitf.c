/*
 * test_nitf.c - the NITF reader (indexer/nitf.h): every field of a full
 * story, namespaces, documents that fail, and entity safety (no external
 * entity, DTD or parameter entity is ever read, from disk or network;
 * internal entities expand within a budget).  Fields are checked raw, as
 * the parser gives them.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "article.h"
#include "dates.h"
#include "helpers.h"
#include "nitf.h"

TestSuite(nitf, .fini = expect_no_leaks);

/* What a parse gave: a copy of the last article, if any (the test
 * clears it), and the status. */
struct got {
    struct article a;
    int n;
    int rc;
    struct mg_err err;
};

/* Parses n bytes at data named path with uid base "base"; a warning fails
 * the test. */
static void parse_mem(const char *path, const char *data, size_t n,
                      struct got *g)
{
    memset(g, 0, sizeof *g);
    struct sink_got *c = sink_got_new();
    struct fmt_sink sink = sink_got_sink(c);
    g->rc = nitf_parse(path, "base", data, n, &sink, &g->err);
    cr_expect_eq(c->nwarnings, 0, "nitf_parse warned: %s", c->warnings.s);
    g->n = c->n;
    if (c->n > 0) { /* keep the last one, as the test reads it */
        g->a = c->a[c->n - 1];
        c->n--;
    }
    sink_got_free(c);
    cr_expect_eq(g->n, g->rc == 1 ? 1 : 0, "articles given: %d, rc %d", g->n,
                 g->rc);
}

static void parse_str(const char *data, struct got *g)
{
    parse_mem("mem.xml", data, strlen(data), g);
}

static void parse_fixture(const char *path, struct got *g)
{
    char *data;
    size_t n;
    struct mg_err err = {""};
    cr_assert_eq(mg_read_file(path, &data, &n, &err), 0, "%s", err.msg);
    parse_mem(path, data, n, g);
    free(data);
}

/* ---- fields -------------------------------------------------------- */

Test(nitf, a_full_story)
{
    struct got g;
    parse_fixture("data/nitf/full.xml", &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    struct article *a = &g.a;
    expect_article_field(a, uid, "YNA-20180210-0042");
    expect_article_field(a, title,
                         "Kim invites Moon to Pyongyang"); /* head/title */
    expect_article_field(a, description,
                         "First summit offer in a decade"); /* hl2 */
    expect_article_field(a, byline, "Ann Lee"); /* no "By ", no byttl */
    expect_article_field(a, dateline, "SEOUL");
    expect_article_field(a, date, "20180210T143000+0900"); /* date.issue, raw */
    expect_article_field(a, source, "Example News");
    expect_article_field(a, url, "https://example.com/news/kim-invites-moon");
    expect_article_field(a, section, "World");
    expect_article_field(a, language, "en");
    expect_article_field(a, captions,
                         "Kim Yo-jong hands over the letter.\n"
                         "Moon Jae-in at the Blue House.");
    expect_article_field(a, path, "data/nitf/full.xml");
    /* Paragraphs and block headings, whitespace collapsed; entities and
     * CDATA as text; captions and body.end left out. */
    expect_article_field(
        a, body,
        "North Korean leader Kim Jong-un has invited Moon Jae-in to "
        "Pyongyang, officials say.\n\n"
        "A third summit\n\n"
        "The invitation came on Friday & was \"warmly\" received.\n\n"
        "Talks <may> follow in April.");
    /* The raw date is one date_parse() reads, as cleaning will. */
    char iso[32];
    cr_expect_eq(date_parse(a->date, iso), 0);
    cr_expect_str_eq(iso, "2018-02-10T05:30:00Z");
    article_clear(a);
}

Test(nitf, default_namespace)
{
    struct got g;
    parse_fixture("data/nitf/ns.xml", &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, uid, "ns-1");
    expect_article_field(&g.a, title, "Namespaced headline"); /* hedline/hl1 */
    expect_article_field(&g.a, byline, "JOHN DOE");     /* "BY " dropped */
    expect_article_field(&g.a, dateline, "WASHINGTON"); /* before the comma */
    expect_article_field(&g.a, date, "20180209");       /* date.publication */
    expect_article_field(&g.a, source, "Namespaced Wire");
    expect_article_field(&g.a, url, NULL);
    expect_article_field(&g.a, body,
                         "Text in the NITF namespace.\n\nSecond paragraph.");
    article_clear(&g.a);
}

Test(nitf, prefixed_namespace)
{
    struct got g;
    parse_str("<n:nitf xmlns:n=\"http://iptc.org/std/NITF/2006-10-18/\">"
              "<n:head><n:title>Prefixed</n:title></n:head>"
              "<n:body><n:body.content><n:p>Prefixed text.</n:p>"
              "</n:body.content></n:body></n:nitf>",
              &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, title, "Prefixed");
    expect_article_field(&g.a, body, "Prefixed text.");
    expect_article_field(&g.a, uid, "base"); /* no doc-id */
    article_clear(&g.a);
}

Test(nitf, fallbacks)
{
    struct got g;
    parse_str("<nitf><head>"
              "<tobject><tobject.subject tobject.subject.matter=\"Diplomacy\"/>"
              "</tobject>"
              "<docdata><doc.copyright holder=\"Wire Co\"/>"
              "<date.release norm=\"20180208\"/></docdata>"
              "<pubdata ex-ref=\"urn:newsml:example\"/></head>"
              "<body><body.head><hedline><hl1>Headline</hl1></hedline>"
              "<abstract><p>The abstract.</p></abstract>"
              "<byline>By <person>Ann</person> and <person>Bo</person></byline>"
              "<dateline><location><city>SEOUL</city> "
              "<country>South Korea</country></location>, Feb 8</dateline>"
              "</body.head><body.content>"
              "<block>Loose text <em>with</em> inline<br/>parts"
              "<p>A paragraph.</p>Tail text</block>"
              "<ul><li>One</li><li>Two</li></ul>"
              "<table><tr><td>cell</td></tr></table>"
              "</body.content></body></nitf>",
              &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, title, "Headline");
    expect_article_field(&g.a, description, "The abstract.");
    expect_article_field(&g.a, byline, "Ann and Bo");
    expect_article_field(&g.a, dateline, "SEOUL, South Korea");
    expect_article_field(&g.a, date, "20180208");
    expect_article_field(&g.a, source, "Wire Co");
    expect_article_field(&g.a, url, NULL); /* not http(s) */
    expect_article_field(&g.a, section, "Diplomacy");
    expect_article_field(
        &g.a, body,
        "Loose text with inline parts\n\nA paragraph.\n\nTail text"
        "\n\nOne\n\nTwo");
    article_clear(&g.a);
}

Test(nitf, dateline_without_a_comma_loses_its_dashes)
{
    const char *const DATELINES[] = {"SEOUL --", "SEOUL \xE2\x80\x94",
                                     "SEOUL\xE2\x80\x93 ", "  SEOUL  "};
    for (size_t i = 0; i < sizeof DATELINES / sizeof *DATELINES; i++) {
        struct buf doc = {0};
        buf_printf(&doc,
                   "<nitf><body><body.head><dateline>%s</dateline>"
                   "</body.head><body.content><p>x</p></body.content>"
                   "</body></nitf>",
                   DATELINES[i]);
        struct got g;
        parse_str(doc.s, &g);
        cr_assert_eq(g.rc, 1, "%s", g.err.msg);
        expect_article_field(&g.a, dateline, "SEOUL");
        article_clear(&g.a);
        buf_free(&doc);
    }
}

Test(nitf, nyt_lead_paragraph_not_repeated)
{
    struct got g;
    parse_str("<nitf><body><body.content>"
              "<block class=\"lead_paragraph\"><p>The lead.</p></block>"
              "<block class=\"full_text\"><p>The lead.</p><p>More.</p></block>"
              "</body.content></body></nitf>",
              &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, body, "The lead.\n\nMore.");
    article_clear(&g.a);
}

/* ---- documents that fail ------------------------------------------- */

Test(nitf, not_well_formed)
{
    struct got g;
    parse_fixture("data/nitf/broken.xml", &g);
    cr_expect_eq(g.rc, -1);
    cr_expect_str_eq(g.err.msg,
                     "data/nitf/broken.xml: not well-formed XML: line 7: "
                     "Opening and ending tag mismatch: p line 6 and "
                     "body.content");
    parse_mem("empty.xml", "", 0, &g);
    cr_expect_eq(g.rc, -1);
    cr_expect(strstr(g.err.msg, "empty.xml: not well-formed XML: line "), "%s",
              g.err.msg);
}

Test(nitf, not_nitf)
{
    struct got g;
    parse_fixture("data/nitf/not_nitf.xml", &g);
    cr_expect_eq(g.rc, -1);
    cr_expect_str_eq(g.err.msg, "data/nitf/not_nitf.xml: not NITF: no <nitf> "
                                "root");
}

Test(nitf, no_body_text)
{
    struct got g;
    parse_fixture("data/nitf/no_body.xml", &g);
    cr_expect_eq(g.rc, -1);
    cr_expect_str_eq(g.err.msg, "data/nitf/no_body.xml: no body text");
}

/* ---- entity safety ------------------------------------------------- */

Test(nitf, external_entity_is_not_read)
{
    struct got g;
    parse_fixture("data/nitf/xxe.xml", &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    cr_expect_null(strstr(g.a.body, "root:"), "/etc/passwd leaked: %s",
                   g.a.body);
    expect_article_field(&g.a, body, "Before the entity.\n\nAfter the entity.");
    article_clear(&g.a);
}

Test(nitf, external_dtd_is_not_fetched)
{
    struct got g;
    parse_fixture("data/nitf/dtd_http.xml", &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, title, "A story with an external DTD");
    expect_article_field(&g.a, body, "The DTD named above is not fetched.");
    article_clear(&g.a);
}

/* A file on disk that declares an entity: if a DTD or parameter entity
 * naming it were read, "&leak;" would turn into LEAKED. */
static char *leak_dtd(char *dir)
{
    char *path = path_in(dir, "leak.dtd");
    const char *dtd = "<!ENTITY leak \"LEAKED\">\n";
    write_file(path, dtd, strlen(dtd));
    return path;
}

Test(nitf, external_dtd_and_parameter_entity_on_disk_are_not_read)
{
    char *dir = mk_tmpdir();
    char *dtd = leak_dtd(dir);
    struct buf doc = {0};
    buf_printf(&doc,
               "<?xml version=\"1.0\"?>\n<!DOCTYPE nitf SYSTEM \"file://%s\">\n"
               "<nitf><body><body.content><p>Before &leak; after.</p>"
               "</body.content></body></nitf>\n",
               dtd);
    struct got g;
    parse_str(doc.s, &g);
    cr_expect_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, body, "Before after.");
    article_clear(&g.a);

    buf_clear(&doc);
    buf_printf(&doc,
               "<?xml version=\"1.0\"?>\n<!DOCTYPE nitf [<!ENTITY %% pe SYSTEM "
               "\"file://%s\"> %%pe;]>\n"
               "<nitf><body><body.content><p>Before &leak; after.</p>"
               "</body.content></body></nitf>\n",
               dtd);
    parse_str(doc.s, &g);
    /* libxml2 refuses the undeclared entity: either way, nothing read. */
    if (g.rc == 1)
        cr_expect_null(strstr(g.a.body, "LEAKED"), "%s", g.a.body);
    else
        cr_expect(strstr(g.err.msg, "Entity 'leak' not defined"), "%s",
                  g.err.msg);
    article_clear(&g.a);
    buf_free(&doc);
    rm_tree(dir);
    free(dtd);
    free(dir);
}

Test(nitf, libxml2_global_defaults_do_not_turn_loading_on)
{
    /* Criterion runs each test in its own process: these stay here. */
    xmlSubstituteEntitiesDefault(1);
    xmlLoadExtDtdDefaultValue = XML_DETECT_IDS | XML_COMPLETE_ATTRS;
    xmlDoValidityCheckingDefaultValue = 1;
    struct got g;
    parse_fixture("data/nitf/xxe.xml", &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    cr_expect_null(strstr(g.a.body, "root:"), "%s", g.a.body);
    article_clear(&g.a);

    char *dir = mk_tmpdir();
    char *dtd = leak_dtd(dir);
    struct buf doc = {0};
    buf_printf(&doc,
               "<!DOCTYPE nitf [<!ENTITY %% pe SYSTEM \"file://%s\"> %%pe;]>\n"
               "<nitf><body><body.content><p>Before &leak; after.</p>"
               "</body.content></body></nitf>\n",
               dtd);
    parse_str(doc.s, &g);
    cr_expect(g.rc == -1 || !strstr(g.a.body, "LEAKED"), "%s", g.a.body);
    article_clear(&g.a);
    buf_clear(&doc);
    buf_printf(&doc,
               "<!DOCTYPE nitf SYSTEM \"file://%s\">\n"
               "<nitf><body><body.content><p>Before &leak; after.</p>"
               "</body.content></body></nitf>\n",
               dtd);
    parse_str(doc.s, &g);
    cr_expect(g.rc == -1 || !strstr(g.a.body, "LEAKED"), "%s", g.a.body);
    article_clear(&g.a);
    buf_free(&doc);
    rm_tree(dir);
    free(dtd);
    free(dir);
}

Test(nitf, nothing_is_fetched_from_the_network, .timeout = 30)
{
    /* A local server that never answers: a fetch would hang the test
     * (and leave a connection waiting). */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    cr_assert_eq(bind(s, (struct sockaddr *)&addr, len), 0);
    cr_assert_eq(listen(s, 4), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&addr, &len), 0);
    int port = ntohs(addr.sin_port);
    struct buf doc = {0};
    buf_printf(&doc,
               "<?xml version=\"1.0\"?>\n"
               "<!DOCTYPE nitf SYSTEM \"http://127.0.0.1:%d/nitf.dtd\" "
               "[<!ENTITY net SYSTEM \"http://127.0.0.1:%d/entity.txt\">]>\n"
               "<nitf><body><body.content><p>Net: &net;.</p>"
               "</body.content></body></nitf>\n",
               port, port);
    struct got g;
    parse_str(doc.s, &g);
    cr_expect_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, body, "Net: .");
    int c = accept(s, NULL, NULL);
    cr_expect(c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
              "the parser connected to the DTD's server");
    if (c >= 0)
        close(c);
    close(s);
    article_clear(&g.a);
    buf_free(&doc);
}

Test(nitf, internal_entities_are_expanded)
{
    struct got g;
    parse_str("<?xml version=\"1.0\"?>\n"
              "<!DOCTYPE nitf [<!ENTITY co \"Yonhap &amp; Co\">"
              "<!ENTITY two \"&co; and &co;\">]>\n"
              "<nitf><head><pubdata name=\"&co;\"/></head>"
              "<body><body.content><p>By &two;.</p></body.content></body>"
              "</nitf>",
              &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    expect_article_field(&g.a, source, "Yonhap & Co");
    expect_article_field(&g.a, body, "By Yonhap & Co and Yonhap & Co.");
    article_clear(&g.a);
}

Test(nitf, billion_laughs_do_not_explode, .timeout = 30)
{
    struct buf doc = {0};
    buf_adds(&doc,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE nitf [<!ENTITY l0 \"lol\">");
    for (int i = 1; i <= 9; i++) {
        buf_printf(&doc, "<!ENTITY l%d \"", i);
        for (int k = 0; k < 10; k++)
            buf_printf(&doc, "&l%d;", i - 1);
        buf_adds(&doc, "\">");
    }
    buf_adds(&doc, "]>\n<nitf><body><body.content><p>&l9;</p></body.content>"
                   "</body></nitf>\n");
    struct got g;
    parse_str(doc.s, &g);
    if (g.rc == 1)
        cr_expect_leq(strlen(g.a.body), (size_t)2 << 20);
    else
        cr_expect(strstr(g.err.msg, "not well-formed XML"), "%s", g.err.msg);
    article_clear(&g.a);
    buf_free(&doc);
}

Test(nitf, entity_expansion_has_a_budget)
{
    /* 3,000 references to a 1,000-byte entity: libxml2 lets it through,
     * the reader stops expanding after about 1 MB. */
    struct buf doc = {0};
    buf_adds(&doc, "<!DOCTYPE nitf [<!ENTITY e \"");
    for (int i = 0; i < 1000; i++)
        buf_addc(&doc, 'x');
    buf_adds(&doc, "\">]>\n<nitf><body><body.content><p>");
    for (int i = 0; i < 3000; i++)
        buf_adds(&doc, "&e;");
    buf_adds(&doc, "</p><p>The end.</p></body.content></body></nitf>\n");
    struct got g;
    parse_str(doc.s, &g);
    cr_assert_eq(g.rc, 1, "%s", g.err.msg);
    size_t n = strlen(g.a.body);
    cr_expect(n > 1000000 && n < 1100000, "body of %zu bytes", n);
    size_t tail = strlen("\n\nThe end.");
    cr_expect_str_eq(g.a.body + n - tail, "\n\nThe end.");
    article_clear(&g.a);
    buf_free(&doc);
}

/* ---- detection ----------------------------------------------------- */

#define expect_sniff(head, want)                                               \
    cr_expect_eq(nitf_sniff((head), sizeof(head) - 1), (want),                 \
                 "nitf_sniff(\"%s\") should be %d", (head), (want))

Test(nitf, sniff)
{
    expect_sniff("<nitf>", 1);
    expect_sniff("<?xml version=\"1.0\"?>\n<nitf version=\"3.6\">", 1);
    expect_sniff("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a story -->\n"
                 "<!DOCTYPE nitf SYSTEM \"nitf.dtd\">\n<nitf\n>",
                 1);
    expect_sniff("<!DOCTYPE nitf [<!ENTITY x \"a > b\">]><nitf/>", 1);
    expect_sniff("<n:nitf xmlns:n=\"http://iptc.org/std/NITF/2006-10-18/\">",
                 1);
    expect_sniff("<!DOCTYPE nitf [<!ENTITY x \"long internal subset", 1);
    expect_sniff("  \n<nitf", 0); /* the name may go on */
    expect_sniff("<nitfx>", 0);
    expect_sniff("<NITF>", 0);
    expect_sniff("<rss version=\"2.0\"><nitf>", 0);
    expect_sniff("<!DOCTYPE html><html><body>", 0);
    expect_sniff("<?xml version=\"1.0\"?><!-- unfinished", 0);
    expect_sniff("Plain text about <nitf>", 0);
    expect_sniff("", 0);
}

Test(nitf, fixtures_sniff_as_nitf)
{
    const char *const FILES[] = {"data/nitf/full.xml", "data/nitf/ns.xml",
                                 "data/nitf/xxe.xml", "data/nitf/dtd_http.xml"};
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES; i++) {
        char *data;
        size_t n;
        struct mg_err err = {""};
        cr_assert_eq(mg_read_file(FILES[i], &data, &n, &err), 0, "%s", err.msg);
        cr_expect(nitf_sniff(data, n), "%s", FILES[i]);
        free(data);
    }
}
