/*
 * test_snippet.c - morgue_snippet() (query/snippet.h): the sentence with
 * the most query terms, every match marked (stemmed, prefix, phrase),
 * the length bound, the column it comes from, and the page argument.
 * Each test runs the function over an in-memory FTS5 table with the
 * store's columns, tokenised by `morgue`.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "snippet.h"
#include "store.h"

static sqlite3 *db;

static void setup(void)
{
    db = mem_db("CREATE VIRTUAL TABLE fts USING fts5(title, lede, body,"
                " captions, highlights, entities, tokenize='morgue');");
    struct mg_err err = {""};
    cr_assert_eq(snippet_register(db, &err), 0, "snippet_register: %s",
                 err.msg);
}

static void teardown(void)
{
    sqlite3_close(db);
    db = NULL;
    expect_no_leaks();
}

TestSuite(snippet, .init = setup, .fini = teardown);

/* Stores an article (NULL columns stay NULL) as row id. */
static void put(int id, const char *title, const char *lede, const char *body,
                const char *captions, const char *highlights)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "INSERT INTO fts(rowid, title, lede, body,"
                                    " captions, highlights) VALUES"
                                    " (?1, ?2, ?3, ?4, ?5, ?6)",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int(st, 1, id);
    const char *v[] = {title, lede, body, captions, highlights};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, i + 2, v[i], -1, SQLITE_TRANSIENT);
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

/* The snippet of row id for the FTS5 expression expr, with the markers
 * shown as [ and ] so that a test reads as text; NULL when the row does
 * not match or the function gives NULL.  Caller frees. */
static char *snippet_of(int id, const char *expr)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT morgue_snippet(fts) FROM fts"
                                    " WHERE fts MATCH ?1 AND rowid = ?2",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, id);
    char *out = NULL;
    int rc = sqlite3_step(st);
    cr_assert(rc == SQLITE_ROW || rc == SQLITE_DONE, "MATCH '%s': %s", expr,
              sqlite3_errmsg(db));
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        out = mg_strdup((const char *)sqlite3_column_text(st, 0));
        for (char *p = out; *p; p++) {
            cr_expect(*p != '[' && *p != ']', "test text holds no brackets");
            if (*p == SNIPPET_OPEN)
                *p = '[';
            else if (*p == SNIPPET_CLOSE)
                *p = ']';
        }
    }
    sqlite3_finalize(st);
    return out;
}

#define expect_snippet(id, expr, want)                                         \
    do {                                                                       \
        char *got_ = snippet_of((id), (expr));                                 \
        cr_expect_str_eq(got_ ? got_ : "(null)", (want),                       \
                         "snippet of %d for '%s': %s", (id), (expr),           \
                         got_ ? got_ : "(null)");                              \
        free(got_);                                                            \
    } while (0)

static int count_words(const char *s)
{
    int n = 0, in = 0;
    for (; *s; s++) {
        int sp = *s == ' ';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

Test(snippet, every_match_is_marked)
{
    put(1, "Talks", NULL,
        "The summit in Pyongyang opened with a summit dinner for the "
        "delegations and their hosts.",
        NULL, NULL);
    expect_snippet(1, "summit",
                   "The [summit] in Pyongyang opened with a [summit] dinner "
                   "for the delegations and their hosts.");
}

Test(snippet, stemmed_and_prefix_matches_are_marked)
{
    put(1, "Talks", NULL,
        "Two summits were held in Pyongyang before the talks ended in "
        "agreement between the negotiating teams.",
        NULL, NULL);
    /* a stemmed query term, as qparse writes it */
    expect_snippet(1, "\"\x01summit\"",
                   "Two [summits] were held in Pyongyang before the talks "
                   "ended in agreement between the negotiating teams.");
    expect_snippet(1, "pyong*",
                   "Two summits were held in [Pyongyang] before the talks "
                   "ended in agreement between the negotiating teams.");
}

Test(snippet, a_phrase_is_marked_word_by_word_and_only_where_it_occurs)
{
    put(1, "Talks", NULL,
        "Kim met Moon at the border where Kim Jong-un shook hands with the "
        "southern delegation.",
        NULL, NULL);
    char *s = snippet_of(1, "\"kim jong\"");
    cr_assert_not_null(s);
    cr_expect_null(strstr(s, "[Kim] met"), "a lone Kim is no phrase: %s", s);
    cr_expect(strstr(s, "[Kim] [Jong]") || strstr(s, "[Kim Jong]"),
              "the phrase is marked: %s", s);
    free(s);
}

Test(snippet, the_sentence_with_most_query_terms_is_chosen)
{
    struct buf body = {0};
    buf_adds(&body, "The summit was announced on Monday by the ministry. ");
    for (int i = 0; i < 12; i++)
        buf_printf(&body,
                   "Filler sentence number %d talks about the weather and "
                   "the harvest in the valley at length. ",
                   i);
    buf_adds(&body, "Delegates said the summit in Pyongyang would last two "
                    "days and end with a joint statement. ");
    for (int i = 0; i < 12; i++)
        buf_printf(&body,
                   "Closing remark %d mentions nothing of interest "
                   "to anyone reading this far. ",
                   i);
    put(1, "Talks", NULL, body.s, NULL, NULL);
    buf_free(&body);
    char *s = snippet_of(1, "summit pyongyang");
    cr_assert_not_null(s);
    cr_expect(strncmp(s, "Delegates said the [summit] in [Pyongyang]", 42) == 0,
              "the sentence with both words leads: %s", s);
    cr_expect_null(strstr(s, "Filler"), "%s", s);
    free(s);
}

Test(snippet, a_short_best_sentence_gets_a_second_one)
{
    put(1, "Talks", NULL,
        "The summit ended. Nothing else happened here today at all, said "
        "one official. Delegates flew home to Seoul on Tuesday after the "
        "closing session in Pyongyang.",
        NULL, NULL);
    char *s = snippet_of(1, "summit pyongyang");
    cr_assert_not_null(s);
    cr_expect(strncmp(s, "The [summit] ended.", 19) == 0, "%s", s);
    cr_expect_not_null(strstr(s, " … Delegates flew home"),
                       "the second sentence, after a gap, brings the "
                       "missing word: %s",
                       s);
    cr_expect_not_null(strstr(s, "[Pyongyang]"), "%s", s);
    free(s);
}

Test(snippet, a_long_sentence_is_cut_to_about_the_bound_on_word_edges)
{
    struct buf body = {0};
    for (int i = 0; i < 100; i++)
        buf_printf(&body, "word%d ", i);
    buf_adds(&body, "summit");
    for (int i = 100; i < 200; i++)
        buf_printf(&body, " word%d", i);
    buf_adds(&body, ".");
    put(1, "Talks", NULL, body.s, NULL, NULL);
    char *s = snippet_of(1, "summit");
    cr_assert_not_null(s);
    cr_expect_not_null(strstr(s, "[summit]"), "%s", s);
    int words = count_words(s);
    cr_expect_leq(words, SNIPPET_TOKENS + 8, "%d words: %s", words, s);
    cr_expect_geq(words, SNIPPET_TOKENS / 2, "%d words: %s", words, s);
    /* every word is a whole word of the body */
    char *copy = mg_strdup(s);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        if (strcmp(w, "…") == 0 || strcmp(w, "[summit]") == 0)
            continue;
        struct buf pat = {0};
        buf_printf(&pat, " %s ", w);
        cr_expect(strstr(body.s, pat.s) || strncmp(body.s, w, strlen(w)) == 0,
                  "'%s' is not a word of the body", w);
        buf_free(&pat);
    }
    free(copy);
    free(s);
    buf_free(&body);
}

Test(snippet, non_ascii_words_are_marked_whole)
{
    put(1, "Café", NULL,
        "À São Paulo, le café Müller a fermé ses portes après trente ans "
        "de service.",
        NULL, NULL);
    expect_snippet(1, "muller",
                   "À São Paulo, le café [Müller] a fermé ses portes après "
                   "trente ans de service.");
    expect_snippet(1, "sao",
                   "À [São] Paulo, le café Müller a fermé ses portes après "
                   "trente ans de service.");
}

Test(snippet, line_breaks_become_spaces)
{
    put(1, "Talks", NULL, "The summit\nopened in\nPyongyang on Monday.", NULL,
        NULL);
    expect_snippet(1, "summit", "The [summit] opened in Pyongyang on Monday.");
}

Test(snippet, only_the_title_matched_gives_the_lede)
{
    put(1, "Rangers count tigers", "Rangers began counting on Monday.",
        "Rangers began counting on Monday. The count takes a week.", NULL,
        NULL);
    expect_snippet(1, "tigers", "Rangers began counting on Monday.");
}

Test(snippet, only_the_title_matched_and_no_lede_gives_the_body_opening)
{
    put(1, "Rangers count tigers", NULL,
        "Rangers began counting on Monday. The count takes a week.", NULL,
        NULL);
    char *s = snippet_of(1, "tigers");
    cr_assert_not_null(s);
    cr_expect(strncmp(s, "Rangers began counting on Monday.", 33) == 0, "%s",
              s);
    cr_expect_null(strchr(s, '['), "nothing to mark: %s", s);
    free(s);
}

Test(snippet, the_body_is_preferred_to_the_other_columns)
{
    put(1, "Talks", "The summit opened.", "Leaders at the summit smiled.",
        "A summit photo.", "Summit held");
    expect_snippet(1, "summit", "Leaders at the [summit] smiled.");
}

Test(snippet, highlights_then_captions_when_the_body_lacks_the_word)
{
    put(1, "Talks", NULL, "Leaders met and smiled.", "Tigers on a photo.",
        "Rangers counted tigers");
    expect_snippet(1, "tigers", "Rangers counted [tigers]");
    put(2, "Talks", NULL, "Leaders met and smiled.", "Tigers on a photo.",
        NULL);
    expect_snippet(2, "tigers", "[Tigers] on a photo.");
}

/* The page as search.c passes it: sorted rowids. */
struct page {
    int64_t *ids;
    int n;
};

Test(snippet, rows_not_on_the_page_give_null)
{
    put(1, "One", NULL, "The summit opened.", NULL, NULL);
    put(2, "Two", NULL, "The summit closed.", NULL, NULL);
    put(3, "Three", NULL, "The summit ended.", NULL, NULL);
    int64_t ids[] = {1, 3};
    struct page page = {ids, 2};
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT rowid, morgue_snippet(fts, ?2)"
                                    " FROM fts WHERE fts MATCH ?1"
                                    " ORDER BY rowid",
                                    -1, &st, NULL),
                 SQLITE_OK);
    sqlite3_bind_text(st, 1, "summit", -1, SQLITE_STATIC);
    sqlite3_bind_pointer(st, 2, &page, "morgue_page", NULL);
    struct buf got = {0};
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_printf(&got, "%lld:%s;", (long long)sqlite3_column_int64(st, 0),
                   sqlite3_column_type(st, 1) == SQLITE_NULL ? "NULL" : "text");
    sqlite3_finalize(st);
    cr_expect_str_eq(got.s, "1:text;2:NULL;3:text;");
    buf_free(&got);
}
