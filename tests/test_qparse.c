/*
 * test_qparse.c - the query parser (query/qparse.h): anything a user types
 * gives either an expression SQLite's FTS5 accepts or -1 with a message,
 * FTS5 syntax characters only ever reach FTS5 inside quoted strings, and
 * the expressions mean what docs/query-syntax.md says.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"
#include "qparse.h"

/* The index's FTS5 columns (lib/store.c), without the external content. */
#define FTS_SCHEMA                                                             \
    "CREATE VIRTUAL TABLE fts USING fts5(title, lede, body, captions,"         \
    " highlights, entities, tokenize='morgue')"

static struct tok *tok;
static sqlite3 *db;

static void setup(void)
{
    tok = tok_new();
    cr_assert_not_null(tok);
    db = mem_db(FTS_SCHEMA);
}

static void teardown(void)
{
    sqlite3_close(db);
    tok_free(tok);
    expect_no_leaks();
}

TestSuite(qparse, .init = setup, .fini = teardown);

/* Words outside quoted strings that an expression may hold: operators,
 * field names, and the prefix star.  Anything else outside quotes could
 * be FTS5 syntax the user typed. */
static int allowed_bare(const char *w, size_t n)
{
    static const char *const OK[] = {
        "AND",        "OR", "NOT", "title", "lede", "body", "captions",
        "highlights", ":",  "*",   "NEAR",  ",",    NULL};
    for (int i = 0; OK[i]; i++)
        if (strlen(OK[i]) == n && memcmp(OK[i], w, n) == 0)
            return 1;
    size_t d = 0; /* NEAR's distance */
    while (d < n && w[d] >= '0' && w[d] <= '9')
        d++;
    return n > 0 && d == n;
}

/* Checks that fts keeps user text inside balanced double quotes; on
 * failure says why in why[] and returns 0. */
static int only_quoted_text(const char *fts, char why[128])
{
    const char *p = fts;
    while (*p) {
        if (*p == '"') {
            for (p++;; p++) {
                if (!*p) {
                    snprintf(why, 128, "unterminated string");
                    return 0;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        p++;
                        continue;
                    }
                    break;
                }
            }
            p++;
            continue;
        }
        if (*p == ' ' || *p == '(' || *p == ')') {
            p++;
            continue;
        }
        size_t n = 0;
        while (p[n] && p[n] != ' ' && p[n] != '(' && p[n] != ')' && p[n] != '"')
            n++;
        if (!allowed_bare(p, n)) {
            snprintf(why, 128, "bare text outside quotes: \"%.*s\"", (int)n, p);
            return 0;
        }
        p += n;
    }
    int depth = 0;
    int inq = 0;
    for (p = fts; *p; p++) {
        if (*p == '"')
            inq = !inq; /* a doubled "" toggles twice */
        else if (!inq && *p == '(')
            depth++;
        else if (!inq && *p == ')' && --depth < 0)
            break;
    }
    if (depth != 0) {
        snprintf(why, 128, "unbalanced parentheses");
        return 0;
    }
    return 1;
}

/* Parses q; when it gives an expression, checks that it quotes user text
 * and that FTS5 runs it without error; when it fails, that err.msg says
 * something.  Returns qparse's status; *out gets the expression (caller
 * frees) when out is not NULL. */
static int check_query(const char *q, char **out, struct mg_err *err)
{
    char *fts = (char *)"sentinel";
    struct mg_err e = {""};
    int rc = qparse(tok, q, &fts, &e);
    if (rc < 0) {
        cr_assert_eq(rc, -1, "query [%s]: status %d", q, rc);
        cr_assert_null(fts, "query [%s]: *fts set on failure", q);
        cr_assert_neq(e.msg[0], 0, "query [%s]: -1 without a message", q);
        cr_assert_null(strchr(e.msg, '\n'), "query [%s]: message is one line",
                       q);
    } else {
        cr_assert_eq(rc, 0, "query [%s]: status %d", q, rc);
        cr_assert_not_null(fts);
        char why[128];
        cr_assert(only_quoted_text(fts, why), "query [%s] -> [%s]: %s", q, fts,
                  why);
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM fts WHERE fts"
                                        " MATCH ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        cr_assert_eq(step, SQLITE_ROW, "query [%s] -> [%s]: SQLite error: %s",
                     q, fts, sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    if (err)
        *err = e;
    if (out)
        *out = rc == 0 ? fts : NULL;
    else if (rc == 0)
        free(fts);
    return rc;
}

/* Asserts that q fails with a message containing want. */
#define assert_refused(q, want)                                                \
    do {                                                                       \
        struct mg_err e_;                                                      \
        cr_expect_eq(check_query((q), NULL, &e_), -1, "query [%s] accepted",   \
                     (q));                                                     \
        cr_expect_not_null(strstr(e_.msg, (want)),                             \
                           "query [%s]: message \"%s\" lacks \"%s\"", (q),     \
                           e_.msg, (want));                                    \
    } while (0)

#define assert_accepted(q)                                                     \
    cr_expect_eq(check_query((q), NULL, NULL), 0, "query [%s] refused", (q))

/* ---- hostile and odd input ------------------------------------------ */

Test(qparse, odd_queries_give_valid_fts5_or_a_message)
{
    /* clang-format off */
    static const char *const QUERIES[] = {
        "inter-Korean", "O'Brien", "U.S.", "\"unbalanced", "AND", "*",
        "NEAR(", "NEAR(a b)", "title:", "'; DROP TABLE articles; --", "a OR",
        "OR b", "((a)", "a)", ")(", "\"a\" -\"b c\"", "title:summit",
        "universit*", "a | b", "NOT x y", "x^2 +y", "a:b", "10:30",
        "title:(a b)", "title:\"Kim Jong Un\"", "\"\"", "\"", "-", "--",
        "a - b", "a NOT", "NOT", "| |", "a AND AND b", "\"a b\"*", "**",
        "a**", "title:*", "-title:x a", "(((((a OR b)", "a -(b OR c)",
        "{a b}", "a + b", "^a", "col:a", "a\"b\"c", "\"a\"\"b\"",
        "\001summit", "\t\n\r", "café \xff\xfe", NULL};
    /* clang-format on */
    for (int i = 0; QUERIES[i]; i++)
        check_query(QUERIES[i], NULL, NULL);
}

Test(qparse, lenient_reading_of_stray_syntax)
{
    /* Each of these is read, not refused. */
    assert_accepted("inter-Korean");
    assert_accepted("O'Brien");
    assert_accepted("U.S.");
    assert_accepted("\"unbalanced");
    assert_accepted("NEAR(");
    assert_accepted("'; DROP TABLE articles; --");
    assert_accepted("a OR");
    assert_accepted("OR b");
    assert_accepted("((a)");
    assert_accepted("a)");
    assert_accepted("\"a\" -\"b c\"");
    assert_accepted("title:summit");
    assert_accepted("universit*");
    assert_accepted("a | b");
    assert_accepted("NOT x y");
    assert_accepted("foo: bar"); /* a colon before a space is text */
    assert_accepted("10:30");    /* and so is one in a number */
}

Test(qparse, refusals_say_why)
{
    assert_refused("", "nothing to search for");
    assert_refused("   ", "nothing to search for");
    assert_refused("*", "nothing to search for");
    assert_refused(")(", "nothing to search for");
    assert_refused("-word", "not excluded");
    assert_refused("NOT word", "not excluded");
    assert_refused("-\"a phrase\"", "not excluded");
    assert_refused("foo:bar", "unknown field \"foo:\"");
    assert_refused("entities:kim", "unknown field");
    assert_refused("title:", "title: needs a word");
    assert_refused("summit title:", "title: needs a word");
}

Test(qparse, too_long)
{
    /* 10 KB of random printable bytes. */
    char junk[10 * 1024 + 1];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk - 1; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        junk[i] = (char)(' ' + x % 95);
    }
    junk[sizeof junk - 1] = 0;
    assert_refused(junk, "too long");

    /* The limit itself is accepted. */
    char q[QPARSE_MAX_BYTES + 2];
    memset(q, 'x', sizeof q);
    q[QPARSE_MAX_BYTES] = 0;
    assert_accepted(q);
    memset(q, 'x', sizeof q);
    q[QPARSE_MAX_BYTES + 1] = 0;
    assert_refused(q, "too long");
}

Test(qparse, many_terms_are_accepted)
{
    /* a pasted paragraph is read (flat), not refused */
    struct buf b = {0};
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "w%d ", i);
    assert_accepted(b.s);
    buf_clear(&b);

    for (int i = 0; i < QPARSE_MAX_TERMS; i++)
        buf_printf(&b, "w%d ", i);
    assert_accepted(b.s);
    buf_adds(&b, "\"one more\"");
    assert_accepted(b.s);
    buf_free(&b);

    /* Words that hold no token do not count. */
    struct buf c = {0};
    for (int i = 0; i < 100; i++)
        buf_adds(&c, "-- ");
    buf_adds(&c, "summit");
    assert_accepted(c.s);
    buf_free(&c);
}

Test(qparse, nesting_limit)
{
    struct buf b = {0};
    for (int i = 0; i < QPARSE_MAX_DEPTH; i++)
        buf_addc(&b, '(');
    buf_adds(&b, "a");
    for (int i = 0; i < QPARSE_MAX_DEPTH; i++)
        buf_addc(&b, ')');
    assert_accepted(b.s);
    buf_clear(&b);

    /* the deepest allowed, each level as heavy as the fuzzer found: a
     * field, words and exclusions before the next group; FTS5 must still
     * accept it (its parser stack is small) */
    static const char *const LEVEL[] = {
        "a -b lede:(", "x y OR z title:(",        "\"p q\" NOT r (",
        "-s t u | (",  "a OR b -c NOT d title:(", "x OR \"a b\"~3 title:("};
    for (int k = 0; k < 6; k++) {
        buf_clear(&b);
        for (int i = 0; i < QPARSE_MAX_DEPTH; i++)
            buf_adds(&b, LEVEL[k]);
        buf_adds(&b, "a b c");
        for (int i = 0; i < QPARSE_MAX_DEPTH; i++)
            buf_addc(&b, ')');
        assert_accepted(b.s);
    }
    buf_clear(&b);

    for (int i = 0; i < 200; i++)
        buf_addc(&b, '(');
    buf_adds(&b, "a");
    for (int i = 0; i < 200; i++)
        buf_addc(&b, ')');
    assert_refused(b.s, "nested too deep");
    buf_free(&b);
}

/* A small fixed-seed PRNG (xorshift32), so failures reproduce. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

Test(qparse, random_queries_never_make_fts5_fail, .timeout = 60)
{
    /* clang-format off */
    static const char *const ALPHABET[] = {
        "a", "b", "\"", "(", ")", "-", "*", ":", "|", "O", "R", "N", "T",
        "D", "A", "'", ".", " ", " ", "OR", "NOT", "AND", "title:",
        "é", "’", "–", "北",
        "\xc3",        /* a lead byte alone */
        "\x80",        /* a continuation byte alone */
        "\xff", "\x01", "\t"};
    /* clang-format on */
    const int nalpha = (int)(sizeof ALPHABET / sizeof *ALPHABET);
    uint32_t seed = 0x6d6f7267; /* "morg" */
    int accepted = 0, refused = 0;
    struct buf q = {0};
    for (int i = 0; i < 2000; i++) {
        buf_clear(&q);
        buf_adds(&q, "");
        int len = 1 + (int)(rnd(&seed) % 16);
        for (int j = 0; j < len; j++)
            buf_adds(&q, ALPHABET[rnd(&seed) % (uint32_t)nalpha]);
        if (check_query(q.s, NULL, NULL) == 0)
            accepted++;
        else
            refused++;
    }
    buf_free(&q);
    /* Both outcomes occur, so the loop really exercised the parser. */
    cr_expect_gt(accepted, 100);
    cr_expect_gt(refused, 10);
}

/* ---- what the expressions mean -------------------------------------- */

/* Rows of the tiny table, by rowid:
 *  1  title "Two summits"    body "Leaders met in Pyongyang."
 *  2  title "Cocoa prices"   body "A summit on cocoa. Apples were sold."
 *  3  title "Fruit market"   body "Bananas and apples were sold."
 *  4  title "Weather"        body "Rain fell."  captions "cocoa beans drying"
 *  5  title "Campus"         body "Universities reopened after the summer."
 *  6  title "Visit"          body "Kim Jong-un arrived in Seoul."          */
static void fill(void)
{
    static const char *const ROWS[][3] = {
        {"Two summits", "Leaders met in Pyongyang.", ""},
        {"Cocoa prices", "A summit on cocoa. Apples were sold.", ""},
        {"Fruit market", "Bananas and apples were sold.", ""},
        {"Weather", "Rain fell.", "cocoa beans drying"},
        {"Campus", "Universities reopened after the summer.", ""},
        {"Visit", "Kim Jong-un arrived in Seoul.", ""},
    };
    for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS; i++)
        exec_bound(db,
                   "INSERT INTO fts(title, lede, body, captions, highlights,"
                   " entities) VALUES (?1, '', ?2, ?3, '', '')",
                   ROWS[i][0], ROWS[i][1], ROWS[i][2], NULL);
}

/* Asserts that the user's query q finds exactly the rows in want. */
#define assert_finds(q, want)                                                  \
    do {                                                                       \
        char *fts_ = NULL;                                                     \
        cr_assert_eq(check_query((q), &fts_, NULL), 0, "query [%s]", (q));     \
        char *got_ = match_rowids(db, "fts", fts_);                            \
        cr_expect_str_eq(got_, (want),                                         \
                         "query [%s] (fts [%s]) found [%s], "                  \
                         "want [%s]",                                          \
                         (q), fts_, got_, (want));                             \
        free(got_);                                                            \
        free(fts_);                                                            \
    } while (0)

Test(qparse, plain_words_are_stemmed_phrases_are_not)
{
    fill();
    assert_finds("summit", "1 2");
    assert_finds("summits", "1 2");
    assert_finds("\"summit\"", "2");
    assert_finds("\"summits\"", "1");
    assert_finds("title:\"summit\"", "");

    char *fts = NULL;
    cr_assert_eq(check_query("summit", &fts, NULL), 0);
    cr_expect_not_null(strstr(fts, "\"\x01summit\""), "stem sigil in [%s]",
                       fts);
    free(fts);
    cr_assert_eq(check_query("\"summit\"", &fts, NULL), 0);
    cr_expect_null(strchr(fts, TOK_QUERY_STEM), "no stem sigil in [%s]", fts);
    free(fts);
    /* A control character the user types cannot turn stemming on. */
    cr_assert_eq(check_query("\"\x01summits\"", &fts, NULL), 0);
    cr_expect_null(strchr(fts, TOK_QUERY_STEM), "no stem sigil in [%s]", fts);
    free(fts);
}

Test(qparse, words_are_anded)
{
    fill();
    assert_finds("apples sold", "2 3");
    assert_finds("apples AND bananas", "3");
    assert_finds("summit Pyongyang", "1");
}

Test(qparse, or_and_grouping)
{
    fill();
    assert_finds("bananas OR summit", "1 2 3");
    assert_finds("bananas | Pyongyang", "1 3");
    assert_finds("(summit OR bananas) Pyongyang", "1");
    assert_finds("apples (cocoa OR rain)", "2");
    /* "or" in lower case is a word. */
    assert_finds("bananas or Pyongyang", "");
}

Test(qparse, exclusions)
{
    fill();
    assert_finds("apples -bananas", "2");
    assert_finds("apples NOT bananas", "2");
    assert_finds("sold -\"bananas and\"", "2");
    assert_finds("summit -(cocoa OR rain)", "1");
    /* "-" alone, or inside a word, is not an exclusion. */
    assert_finds("apples - bananas", "3");
    assert_finds("Jong-un", "6");
}

Test(qparse, fields)
{
    fill();
    assert_finds("cocoa", "2 4");
    assert_finds("title:cocoa", "2");
    assert_finds("body:cocoa", "2");
    assert_finds("captions:cocoa", "4");
    assert_finds("TITLE:cocoa", "2");
    assert_finds("title:summit", "1");
    assert_finds("title:\"Two summits\"", "1");
}

Test(qparse, prefixes_and_phrases)
{
    fill();
    assert_finds("universit*", "5");
    assert_finds("univers*", "5");
    assert_finds("summ*", "1 2 5");
    assert_finds("\"Kim Jong Un\"", "6");
    assert_finds("inter-Korean", "");
    assert_finds("Jong-un Seoul", "6");
}

Test(qparse, proximity)
{
    fill();
    /* at most N words between them, in either order, stems matching */
    assert_finds("\"apples sold\"~2", "2 3");
    assert_finds("\"bananas sold\"~1", "");
    assert_finds("\"bananas sold\"~3", "3");
    assert_finds("\"sold bananas\"~3", "3");
    assert_finds("\"summits cocoa\"~3", "2");
    assert_finds("title:\"fruit market\"~0", "3");
    /* one word is just the word; a ~ without a number is a word's */
    assert_finds("\"cocoa\"~5", "2 4");
    assert_finds("\"apples sold\"~ Pyongyang", "");
}

Test(qparse, stored_field_and_date_filters)
{
    struct qparse_out q;
    struct mg_err err = {""};
    cr_assert_eq(qparse_full(tok,
                             "summit source:Reuters section:\"World news\" "
                             "byline:Smith date:2018-02",
                             0, &q, &err),
                 0, "%s", err.msg);
    cr_expect_eq(q.nunit, 1);
    cr_assert_eq(q.ncolumns, 3);
    cr_expect_str_eq(q.columns[0].column, "source");
    cr_expect_str_eq(q.columns[0].value, "Reuters");
    cr_expect_str_eq(q.columns[1].value, "World news");
    cr_expect_str_eq(q.columns[2].column, "byline");
    cr_expect_str_eq(q.since, "2018-02");
    cr_expect_str_eq(q.until, "2018-02\x7f");
    qparse_out_free(&q);
    /* filters alone are a query; two dates narrow each other */
    cr_assert_eq(
        qparse_full(tok, "date:2018 date:2018-02-01..2018-03-10", 0, &q, &err),
        0, "%s", err.msg);
    cr_expect_eq(q.nunit, 0);
    cr_expect_str_eq(q.since, "2018-02-01");
    cr_expect_str_eq(q.until, "2018-03-10\x7f");
    qparse_out_free(&q);
}

Test(qparse, bad_dates_say_what_is_accepted)
{
    static const char *const BAD[] = {
        "summit date:2018-13", "summit date:2018-02-30",
        "summit date:18-02",   "summit date:2018-03..2018-02",
        "summit date:..",      "summit date:yesterday",
        "summit date:"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct qparse_out q;
        struct mg_err err = {""};
        cr_expect_eq(qparse_full(tok, BAD[i], 0, &q, &err), -1, "[%s]", BAD[i]);
        cr_expect(strstr(err.msg, "date") != NULL, "[%s]: %s", BAD[i], err.msg);
        qparse_out_free(&q);
    }
    char *lo, *hi;
    struct mg_err err = {""};
    cr_assert_eq(qdate_range("..2018-02-10", &lo, &hi, &err), 0);
    cr_expect_null(lo);
    cr_expect_str_eq(hi, "2018-02-10\x7f");
    free(hi);
    cr_assert_eq(qdate_range("2016-02-29", &lo, &hi, &err), 0);
    cr_expect_str_eq(lo, "2016-02-29");
    free(lo);
    free(hi);
}

Test(qparse, days_that_do_not_exist_are_bad_dates)
{
    /* well written, but no such day or month: refused, saying why */
    static const struct {
        const char *query, *says;
    } BAD[] = {
        {"oil date:1987-02-29",
         "bad date \"1987-02-29\": no such day (1987 is not a leap year)"},
        {"oil date:1900-02-29",
         "bad date \"1900-02-29\": no such day (1900 is not a leap year)"},
        {"oil date:1999-02-30",
         "bad date \"1999-02-30\": no such day (February 1999 has 28 days)"},
        {"oil date:2023-04-31",
         "bad date \"2023-04-31\": no such day (April has 30 days)"},
        {"oil date:2020-13-01",
         "bad date \"2020-13-01\": no such month (months are 01 to 12)"},
        {"oil date:2020-00-10",
         "bad date \"2020-00-10\": no such month (months are 01 to 12)"},
        {"oil date:2020-01-00",
         "bad date \"2020-01-00\": no such day (days start at 01)"},
        {"oil date:1987-02-01..1987-02-30",
         "bad date \"1987-02-01..1987-02-30\": 1987-02-30: no such day "
         "(February 1987 has 28 days)"},
        {"oil date:1987-02-29..",
         "bad date \"1987-02-29..\": 1987-02-29: no such day (1987 is not "
         "a leap year)"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct qparse_out q;
        struct mg_err err = {""};
        cr_expect_eq(qparse_full(tok, BAD[i].query, 0, &q, &err), -1, "[%s]",
                     BAD[i].query);
        cr_expect_str_eq(err.msg, BAD[i].says, "[%s]", BAD[i].query);
        qparse_out_free(&q);
    }
    /* --since and --until go through qdate_range too */
    char *lo = NULL, *hi = NULL;
    struct mg_err err = {""};
    cr_expect_eq(qdate_range("1987-02-29", &lo, &hi, &err), -1);
    cr_expect_null(lo);
    cr_expect_null(hi);
    /* leap days that exist are fine */
    static const char *const GOOD[] = {"oil date:1988-02-29",
                                       "oil date:2000-02-29",
                                       "oil date:1987-02-28..1988-02-29"};
    for (size_t i = 0; i < sizeof GOOD / sizeof *GOOD; i++) {
        struct qparse_out q;
        cr_expect_eq(qparse_full(tok, GOOD[i], 0, &q, &err), 0, "[%s]: %s",
                     GOOD[i], err.msg);
        qparse_out_free(&q);
    }
}

Test(qparse, units_and_exclusions)
{
    struct qparse_out q;
    struct mg_err err = {""};
    /* the query's top-level parts are its units; stop words marked */
    cr_assert_eq(
        qparse_full(tok, "the summit in Pyongyang -cocoa", 0, &q, &err), 0);
    cr_assert_eq(q.nunit, 4);
    cr_assert_eq(q.nneg, 1);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(q.unit[i]->kind, QN_TERM);
    cr_expect(q.unit[0]->stop && !q.unit[1]->stop && q.unit[2]->stop &&
              !q.unit[3]->stop);
    cr_expect_str_eq(q.neg[0]->text, "cocoa");
    qparse_out_free(&q);
    /* a group is one unit */
    cr_assert_eq(qparse_full(tok, "(summit OR talks) Seoul", 0, &q, &err), 0);
    cr_assert_eq(q.nunit, 2);
    cr_expect_eq(q.unit[0]->kind, QN_OR);
    qparse_out_free(&q);
    cr_assert_eq(qparse_full(tok, "summit OR talks", 0, &q, &err), 0);
    cr_expect_eq(q.nunit, 1);
    qparse_out_free(&q);
    /* a word in parentheses, as in a pasted "Church (USA) will...", is
     * just a word */
    cr_assert_eq(
        qparse_full(tok, "Presbyterian Church (USA) will", 0, &q, &err), 0);
    cr_expect_eq(q.nunit, 4);
    cr_expect_eq(q.unit[2]->kind, QN_TERM);
    qparse_out_free(&q);
}

Test(qparse, capitals_make_operators_words)
{
    struct qparse_out q;
    struct mg_err err = {""};
    /* a pasted wire slug: OR is a word */
    cr_assert_eq(
        qparse_full(tok, "TALKS ON ARMS OR TROOPS IN EUROPE", 0, &q, &err), 0);
    cr_expect(q.caps);
    cr_expect_eq(q.nunit, 7);
    cr_expect_str_eq(q.unit[3]->text, "OR");
    cr_expect(q.unit[3]->stop);
    qparse_out_free(&q);
    cr_assert_eq(qparse_full(tok, "AND", 0, &q, &err), 0);
    cr_expect_eq(q.nunit, 1, "alone, AND is the word");
    qparse_out_free(&q);
    cr_assert_eq(qparse_full(tok, "GOLD AND SILVER NOT COPPER", 0, &q, &err),
                 0);
    cr_expect_eq(q.nunit, 5);
    cr_expect_eq(q.nneg, 0);
    qparse_out_free(&q);
    /* with any small letter, they are operators */
    cr_assert_eq(qparse_full(tok, "talks OR Troops", 0, &q, &err), 0);
    cr_expect_not(q.caps);
    cr_expect_eq(q.nunit, 1);
    cr_expect_eq(q.unit[0]->kind, QN_OR);
    qparse_out_free(&q);
}

Test(qparse, hyphenated_words_match_three_ways)
{
    struct qparse_out q;
    struct mg_err err = {""};
    cr_assert_eq(qparse_full(tok, "shock-sound waves", 0, &q, &err), 0);
    cr_assert_eq(q.nunit, 2);
    const struct qnode *h = q.unit[0];
    cr_assert_eq(h->kind, QN_OR);
    cr_expect(h->hyphen);
    cr_assert_eq(h->nkid, 3);
    cr_expect_str_eq(h->kid[0]->text, "shock-sound"); /* the phrase */
    cr_expect_str_eq(h->kid[1]->text, "shocksound");  /* joined */
    cr_assert_eq(h->kid[2]->kind, QN_AND);            /* apart */
    cr_expect_str_eq(h->kid[2]->kid[0]->text, "shock");
    cr_expect_str_eq(h->kid[2]->kid[1]->text, "sound");
    qparse_out_free(&q);
    /* numbers and letters with digits stay a phrase */
    static const char *const PHRASE[] = {"F-16", "1987-88", "COVID-19",
                                         "a-b-c-d-e"};
    for (size_t i = 0; i < sizeof PHRASE / sizeof *PHRASE; i++) {
        cr_assert_eq(qparse_full(tok, PHRASE[i], 0, &q, &err), 0);
        cr_expect_eq(q.unit[0]->kind, QN_TERM, "[%s]", PHRASE[i]);
        qparse_out_free(&q);
    }
}

Test(qparse, long_queries_are_read_flat)
{
    struct buf b = {0};
    for (int i = 0; i < QPARSE_MAX_TERMS + 20; i++)
        buf_printf(&b, i % 7 == 3 ? "(w%d) " : "w%d ", i);
    struct qparse_out q;
    struct mg_err err = {""};
    /* a pasted paragraph: every word a unit, its parentheses ignored */
    cr_assert_eq(qparse_full(tok, b.s, 0, &q, &err), 0, "%s", err.msg);
    cr_expect(q.flat);
    cr_expect_eq(q.nunit, QPARSE_MAX_TERMS + 20);
    qparse_out_free(&q);
    buf_free(&b);
}

Test(qparse, long_queries_keep_their_filters)
{
    struct buf b = {0};
    buf_adds(&b, "source:BBC date:1987-03 person:\"Paul Volcker\" ");
    for (int i = 0; i < QPARSE_MAX_TERMS + 5; i++)
        buf_printf(&b, "w%d ", i);
    struct qparse_out q;
    struct mg_err err = {""};
    cr_assert_eq(qparse_full(tok, b.s, 0, &q, &err), 0, "%s", err.msg);
    cr_expect(q.flat);
    /* the filters apply; they are not words */
    cr_expect_eq(q.nunit, QPARSE_MAX_TERMS + 5);
    cr_assert_eq(q.ncolumns, 1);
    cr_expect_str_eq(q.columns[0].value, "BBC");
    cr_expect_str_eq(q.since, "1987-03");
    cr_assert_eq(q.nfilters, 1);
    cr_expect_str_eq(q.filters[0].name, "Paul Volcker");
    qparse_out_free(&q);
    /* a bad filter is still refused */
    buf_clear(&b);
    buf_adds(&b, "date:1987-02-30 ");
    for (int i = 0; i < QPARSE_MAX_TERMS + 5; i++)
        buf_printf(&b, "w%d ", i);
    cr_expect_eq(qparse_full(tok, b.s, 0, &q, &err), -1);
    qparse_out_free(&q);
    buf_free(&b);
}

Test(qparse, words_reading_skips_a_phrase_distance)
{
    struct qparse_out q;
    struct mg_err err = {""};
    cr_assert_eq(qparse_words(tok, "\"summit zanzibar\"~5 talks", &q, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(q.nunit, 3); /* summit, zanzibar, talks: not "5" */
    for (int i = 0; i < q.nunit; i++)
        cr_expect_str_neq(q.unit[i]->text, "5");
    qparse_out_free(&q);
}
