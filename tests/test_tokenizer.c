/*
 * test_tokenizer.c - the `morgue` tokenizer (lib/tokenizer.h), called
 * directly through tok_run() and through SQLite FTS5, where a user meets
 * it: what a document is cut into, and which MATCH queries find it.
 *
 * Token lists are written as one string: tokens separated by spaces, a
 * colocated token (same position as the one before) prefixed with "+",
 * and TOK_STEM_MARK shown as "~".  So "summits" gives "summits +~summit".
 */
#include <criterion/criterion.h>
#include <string.h>
#include <utf8proc.h>

#include "helpers.h"
#include "tokenizer.h"

#define MAX_TOKS 512

TestSuite(tokenizer, .fini = expect_no_leaks);

struct token {
    char text[TOK_MAX_BYTES + 8];
    int len;
    int colocated;
    int start, end;
};

struct tokens {
    struct token v[MAX_TOKS];
    int n;
};

static int collect(void *ctx, int flags, const char *token, int ntoken,
                   int start, int end)
{
    struct tokens *k = ctx;
    cr_assert_lt(k->n, MAX_TOKS);
    cr_assert_leq(ntoken, TOK_MAX_BYTES + 1);
    struct token *t = &k->v[k->n++];
    memcpy(t->text, token, (size_t)ntoken);
    t->text[ntoken] = 0;
    t->len = ntoken;
    t->colocated = (flags & FTS5_TOKEN_COLOCATED) != 0;
    t->start = start;
    t->end = end;
    return 0;
}

/* Tokenises len bytes of text in mode into *out. */
static void run_len(enum tok_mode mode, const char *text, int len,
                    struct tokens *out)
{
    struct tok *t = tok_new();
    cr_assert_not_null(t, "tok_new");
    out->n = 0;
    cr_assert_eq(tok_run(t, mode, text, len, collect, out), 0);
    tok_free(t);
}

/* The tokens of text as one string (see the file comment); caller
 * frees. */
static char *render_mode(enum tok_mode mode, const char *text)
{
    static struct tokens k;
    run_len(mode, text, (int)strlen(text), &k);
    struct buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < k.n; i++) {
        if (i)
            buf_addc(&b, ' ');
        if (k.v[i].colocated)
            buf_addc(&b, '+');
        for (int j = 0; j < k.v[i].len; j++)
            buf_addc(&b,
                     k.v[i].text[j] == TOK_STEM_MARK ? '~' : k.v[i].text[j]);
    }
    return buf_take(&b);
}

#define assert_tokens_mode(mode, text, want)                                   \
    do {                                                                       \
        char *got_ = render_mode((mode), (text));                              \
        cr_expect_str_eq(got_, (want), "tokens of \"%s\": [%s], want [%s]",    \
                         (text), got_, (want));                                \
        free(got_);                                                            \
    } while (0)

/* The words as written (exact mode: no stems). */
#define assert_tokens(text, want) assert_tokens_mode(TOK_MODE_EXACT, text, want)
/* What the index holds: the words and their stems. */
#define assert_doc_tokens(text, want)                                          \
    assert_tokens_mode(TOK_MODE_DOCUMENT, text, want)

/* A one-column FTS5 table `d` using the morgue tokenizer, with one row
 * per document (rowids 1, 2, ...). */
static sqlite3 *docs_db(const char *const *docs)
{
    sqlite3 *db =
        mem_db("CREATE VIRTUAL TABLE d USING fts5(t, tokenize='morgue')");
    for (int i = 0; docs[i]; i++)
        exec_bound(db, "INSERT INTO d(t) VALUES (?1)", docs[i], NULL);
    return db;
}

/* ---- folding ------------------------------------------------------- */

Test(tokenizer, diacritics_removed_from_latin_letters)
{
    assert_tokens("Zürich", "zurich");
    assert_tokens("Zu\xcc\x88rich", "zurich"); /* decomposed ü (NFD) */
    assert_tokens("Łódź", "lodz");
    assert_tokens("São Paulo Malmö Kraków", "sao paulo malmo krakow");
    assert_tokens("Øresund Æsir", "oresund aesir");

    const char *docs[] = {"Banks in Zürich", "Łódź city council", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "zurich", "1");
    assert_match(db, "d", "ZURICH", "1");
    assert_match(db, "d", "Zürich", "1");
    assert_match(db, "d", "lodz", "2");
    sqlite3_close(db);
}

Test(tokenizer, case_folding)
{
    assert_tokens("SUMMIT Summit summit", "summit summit summit");
    assert_tokens("ÉCOLE", "ecole");
    assert_tokens("Straße", "strasse");
    assert_tokens("ΑΘΗΝΑ", "αθηνα");           /* Greek keeps its letters */
    assert_tokens("МОСКВА", "москва");         /* Cyrillic too */
    assert_tokens("ＡＢＣ ｘｙｚ", "abc xyz"); /* full-width forms (NFKC) */
}

Test(tokenizer, non_latin_marks_are_kept)
{
    /* Only marks on Latin letters are dropped: й (и + breve) stays й. */
    assert_tokens("и\xcc\x86", "й");
    assert_tokens("й", "й");
}

/* ---- apostrophes --------------------------------------------------- */

Test(tokenizer, possessive_dropped_straight_or_curly)
{
    assert_tokens("Kim’s", "kim");
    assert_tokens("Kim's", "kim");
    assert_tokens("KIM'S", "kim");
    assert_tokens("Kim’s sister", "kim sister");

    /* The token covers "Kim" only, so a highlight stops before the 's. */
    struct tokens k;
    run_len(TOK_MODE_DOCUMENT, "Kim’s sister", (int)strlen("Kim’s sister"), &k);
    cr_assert_eq(k.n, 2);
    cr_expect_eq(k.v[0].start, 0);
    cr_expect_eq(k.v[0].end, 3);

    const char *docs[] = {"Kim’s sister", "Kim's sister", "Kim said", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "kim", "1 2 3");
    assert_match(db, "d", "\"Kim's sister\"", "1 2");
    assert_match(db, "d", "\"Kim’s sister\"", "1 2");
    sqlite3_close(db);
}

Test(tokenizer, other_apostrophes_join)
{
    assert_tokens("O'Brien", "obrien");
    assert_tokens("O’Brien", "obrien");
    assert_tokens("D'Alema said", "dalema said");

    const char *docs[] = {"Conan O'Brien", "O Brien", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "obrien", "1");
    assert_match(db, "d", "\"O’Brien\"", "1");
    sqlite3_close(db);
}

/* ---- hyphens, dashes, spaces --------------------------------------- */

Test(tokenizer, hyphens_separate_at_consecutive_positions)
{
    struct tokens k;
    const char *s = "inter-Korean talks";
    run_len(TOK_MODE_EXACT, s, (int)strlen(s), &k);
    cr_assert_eq(k.n, 3);
    cr_expect_str_eq(k.v[0].text, "inter");
    cr_expect_str_eq(k.v[1].text, "korean");
    cr_expect_str_eq(k.v[2].text, "talks");
    for (int i = 0; i < k.n; i++)
        cr_expect(!k.v[i].colocated, "token %d is its own position", i);
    cr_expect_eq(k.v[0].start, 0);
    cr_expect_eq(k.v[0].end, 5);
    cr_expect_eq(k.v[1].start, 6);
    cr_expect_eq(k.v[1].end, 12);

    assert_tokens("Kim Jong-un", "kim jong un");

    const char *docs[] = {"an inter-Korean summit", "inter Korean relations",
                          "Korean inter",           "Kim Jong-un arrived",
                          "Kim and Jong and Un",    NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"inter korean\"", "1 2");
    assert_match(db, "d", "\"inter-Korean\"", "1 2");
    assert_match(db, "d", "\"Kim Jong Un\"", "4");
    assert_match(db, "d", "\"Kim Jong-un\"", "4");
    sqlite3_close(db);
}

Test(tokenizer, nbsp_and_dashes_separate_words)
{
    assert_tokens("a\u00a0b", "a b");            /* no-break space */
    assert_tokens("x\u202fy", "x y");            /* narrow no-break space */
    assert_tokens("2000–2007", "2000 2007");     /* en dash */
    assert_tokens("talks—then", "talks then");   /* em dash */
    assert_tokens("Pence – Vice", "pence vice"); /* spaced en dash */

    const char *docs[] = {"first\u00a0summit", "first—summit", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"first summit\"", "1 2");
    sqlite3_close(db);
}

/* ---- acronyms ------------------------------------------------------ */

Test(tokenizer, dotted_acronym_never_collides_with_a_word)
{
    /* "us" is an English word: U.S. is indexed only as "u.s.". */
    assert_tokens("U.S.", "u.s.");
    assert_tokens("the U.S. said", "the u.s. said");
    assert_tokens("U.S", "u.s.");
    assert_tokens("us", "us");

    const char *docs[] = {"He told us nothing", "the U.S. said", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"u.s.\"", "2");
    assert_match(db, "d", "\"U.S.\"", "2");
    assert_match(db, "d", "\"us\"", "1");
    sqlite3_close(db);
}

Test(tokenizer, undotted_form_indexed_when_not_a_word)
{
    assert_tokens("U.K.", "u.k. +uk");
    assert_tokens("U.N. vote", "u.n. +un vote");
    assert_tokens("a.m.", "a.m."); /* "am" is a word */

    const char *docs[] = {"the U.K. economy", "UK economy", "U.S. economy",
                          NULL};
    sqlite3 *db = docs_db(docs);
    /* Both ways: UK finds U.K., and U.K. finds UK. */
    assert_match(db, "d", "uk", "1 2");
    assert_match(db, "d", "\"U.K.\"", "1 2");
    sqlite3_close(db);
}

Test(tokenizer, us_in_mixed_case_text_is_the_country)
{
    assert_tokens("the US said", "the u.s. said");
    assert_tokens("US officials", "u.s. officials");
    /* In an all-capitals headline "US" may be the pronoun. */
    assert_tokens("TELL US", "tell us");

    const char *docs[] = {"the US said", "He told us", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"U.S.\"", "1");
    assert_match(db, "d", "\"us\"", "2");
    sqlite3_close(db);
}

/* ---- numbers ------------------------------------------------------- */

Test(tokenizer, numbers)
{
    assert_tokens("155,221 bags", "155221 bags");
    assert_tokens("5.93 mln", "5.93 mln");
    assert_tokens("1,750,000", "1750000");
    assert_tokens("at 1,870, 1,875 and", "at 1870 1875 and");
    assert_tokens("rose 2.", "rose 2");

    const char *docs[] = {"were 155,221 bags", "total of 5.93 mln", "5 93",
                          NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "155221", "1");
    assert_match(db, "d", "\"155,221\"", "1");
    assert_match(db, "d", "\"5.93\"", "2");
    sqlite3_close(db);
}

/* ---- other scripts ------------------------------------------------- */

Test(tokenizer, han_and_kana_one_token_each)
{
    assert_tokens("北京市", "北 京 市");
    assert_tokens("東京タワー", "東 京 タ ワ ー");

    const char *docs[] = {"我在北京工作", "京北", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"北京\"", "1");
    assert_match(db, "d", "北", "1 2");
    sqlite3_close(db);
}

Test(tokenizer, hangul_words_kept)
{
    assert_tokens("북한 정상회담", "북한 정상회담");

    const char *docs[] = {"북한 정상회담", "남한", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "북한", "1");
    assert_match(db, "d", "\"정상회담\"", "1");
    sqlite3_close(db);
}

/* ---- stems --------------------------------------------------------- */

Test(tokenizer, stems_are_colocated_and_marked)
{
    struct tokens k;
    run_len(TOK_MODE_DOCUMENT, "summits", 7, &k);
    cr_assert_eq(k.n, 2);
    cr_expect_str_eq(k.v[0].text, "summits");
    cr_expect(!k.v[0].colocated);
    cr_expect_eq(k.v[1].text[0], TOK_STEM_MARK);
    cr_expect_str_eq(k.v[1].text + 1, "summit");
    cr_expect(k.v[1].colocated);
    cr_expect_eq(k.v[1].start, k.v[0].start);
    cr_expect_eq(k.v[1].end, k.v[0].end);

    /* No stem token when the stem is the word itself. */
    assert_doc_tokens("summit", "summit");
    assert_doc_tokens("universities talks",
                      "universities +~univers talks +~talk");
    /* Words are stemmed once folded to ASCII letters; others are not. */
    assert_doc_tokens("Müllers", "mullers +~muller");
    assert_doc_tokens("новости", "новости");
    assert_doc_tokens("5.93 1990s", "5.93 1990s");
    /* Acronyms keep their dots, not stems. */
    assert_doc_tokens("U.S. U.K.", "u.s. u.k. +uk");

    /* Exact mode: no stems; stem mode: stem and marked stem. */
    assert_tokens_mode(TOK_MODE_EXACT, "summits talks", "summits talks");
    assert_tokens_mode(TOK_MODE_STEM, "summits", "summit +~summit");
    assert_tokens_mode(TOK_MODE_STEM, "summit", "summit +~summit");
}

Test(tokenizer, stem_query_and_exact_query)
{
    const char *docs[] = {"two summits", "one summit", "the summitry", NULL};
    sqlite3 *db = docs_db(docs);
    /* A query string starting with TOK_QUERY_STEM matches every form. */
    assert_match(db, "d", "\"\x01summit\"", "1 2");
    assert_match(db, "d", "\"\x01summits\"", "1 2");
    /* Without it the words are matched as written. */
    assert_match(db, "d", "\"summit\"", "2");
    assert_match(db, "d", "\"summits\"", "1");
    sqlite3_close(db);
}

Test(tokenizer, prefix_queries_match_words_as_written)
{
    const char *docs[] = {"universities", "university", "universe", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "\"universit\" *", "1 2");
    assert_match(db, "d", "\"univers\" *", "1 2 3");
    assert_match(db, "d", "\"\x01universit\" *", "1 2");
    /* The marked stems they carry are never matched by a word. */
    assert_match(db, "d", "\"univers\"", "");
    sqlite3_close(db);

    /* What plain FTS5 with porter stemming does instead: it indexes
     * "univers", so the prefix finds nothing. */
    sqlite3 *p = mem_db("CREATE VIRTUAL TABLE d USING fts5(t,"
                        " tokenize='porter unicode61')");
    exec_bound(p, "INSERT INTO d(t) VALUES (?1)", "universities", NULL);
    assert_match(p, "d", "\"universit\" *", "");
    sqlite3_close(p);
}

/* ---- robustness ---------------------------------------------------- */

static int valid_utf8(const char *s, int n)
{
    for (int i = 0; i < n;) {
        int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, n - i, &cp);
        if (k <= 0)
            return 0;
        i += (int)k;
    }
    return 1;
}

Test(tokenizer, invalid_utf8_is_a_separator)
{
    const char s[] = "ab\xff"
                     "cd\xc3 ef\xe2\x80 gh\xc0\xaf"
                     "ij\xed\xa0\x80kl";
    struct tokens k;
    run_len(TOK_MODE_DOCUMENT, s, (int)sizeof s - 1, &k);
    char *got = render_mode(TOK_MODE_DOCUMENT, s);
    cr_expect_str_eq(got, "ab cd ef gh ij kl");
    free(got);
    for (int i = 0; i < k.n; i++)
        cr_expect(valid_utf8(k.v[i].text, k.v[i].len),
                  "token %d is valid UTF-8", i);

    /* Every single byte value alone and around a letter: no crash. */
    for (int c = 0; c < 256; c++) {
        char b[4] = {'a', (char)c, 'b', 0};
        run_len(TOK_MODE_DOCUMENT, b, 3, &k);
        run_len(TOK_MODE_STEM, b + 1, 1, &k);
    }

    const char *docs[] = {"caf\xe9 au lait", NULL};
    sqlite3 *db = docs_db(docs);
    assert_match(db, "d", "lait", "1");
    assert_match(db, "d", "caf", "1");
    sqlite3_close(db);
}

Test(tokenizer, empty_and_punctuation_give_no_tokens)
{
    assert_tokens("", "");
    assert_tokens("   \n\t ", "");
    assert_tokens("-- ... !? \"\" ' * ( )", "");

    struct tokens k;
    run_len(TOK_MODE_DOCUMENT, "summit", 0, &k);
    cr_expect_eq(k.n, 0, "len 0 reads nothing");
}

Test(tokenizer, long_words_cut_at_a_character_edge)
{
    /* 100 Cyrillic letters = 200 bytes: cut to TOK_MAX_BYTES, and never
     * in the middle of a two-byte letter. */
    struct buf b = {0};
    for (int i = 0; i < 100; i++)
        buf_adds(&b, "ж");
    struct tokens k;
    run_len(TOK_MODE_DOCUMENT, b.s, (int)b.len, &k);
    cr_assert_eq(k.n, 1);
    cr_expect_leq(k.v[0].len, TOK_MAX_BYTES);
    cr_expect_geq(k.v[0].len, TOK_MAX_BYTES - 1);
    cr_expect(valid_utf8(k.v[0].text, k.v[0].len), "cut between letters");
    buf_free(&b);

    /* ASCII: 300 letters give one token of TOK_MAX_BYTES. */
    char w[301];
    memset(w, 'x', 300);
    w[300] = 0;
    run_len(TOK_MODE_DOCUMENT, w, 300, &k);
    cr_assert_eq(k.n, 1);
    cr_expect_eq(k.v[0].len, TOK_MAX_BYTES);
}

static int stop_at_second(void *ctx, int flags, const char *token, int ntoken,
                          int start, int end)
{
    (void)flags, (void)token, (void)ntoken, (void)start, (void)end;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

Test(tokenizer, callback_return_stops_the_run)
{
    struct tok *t = tok_new();
    cr_assert_not_null(t);
    int calls = 0;
    cr_expect_eq(tok_run(t, TOK_MODE_DOCUMENT, "one two three", 13,
                         stop_at_second, &calls),
                 7);
    cr_expect_eq(calls, 2);
    tok_free(t);
}

Test(tokenizer, tok_count_counts_positions)
{
    struct tok *t = tok_new();
    cr_assert_not_null(t);
#define COUNT(s) tok_count(t, (s), (int)strlen(s))
    cr_expect_eq(COUNT(""), 0);
    cr_expect_eq(COUNT("*"), 0);
    cr_expect_eq(COUNT("--"), 0);
    cr_expect_eq(COUNT("summit"), 1);
    cr_expect_eq(COUNT("summits"), 1, "the colocated stem is not counted");
    cr_expect_eq(COUNT("U.K."), 1, "nor the undotted acronym");
    cr_expect_eq(COUNT("inter-Korean summit in Pyongyang"), 5);
    cr_expect_eq(COUNT("北京市"), 3);
    cr_expect_eq(COUNT("Kim’s O'Brien 155,221"), 3);
#undef COUNT
    tok_free(t);
}

/* ---- recorded tokens ----------------------------------------------- */

/* Tokens recorded ahead are what the FTS5 tokenizer gives for that very
 * text (same address and length) while the replay is on, and the text is
 * tokenised afresh otherwise: the indexer's workers tokenise, the writer
 * replays. */
Test(tokenizer, recorded_tokens_replay_for_the_same_text_only)
{
    struct tok *t = tok_new();
    cr_assert_not_null(t);
    const char *text = "Summits were held";
    struct tok_stream rec = {0}, other = {0};
    tok_record(t, text, (int)strlen(text), &rec);
    cr_assert_gt(rec.nrecs, 3, "words and colocated stems recorded");
    /* a stream recorded from other words, claimed for this text: a
     * replay must give its tokens, not the text's */
    tok_record(t, "pyongyang", 9, &other);
    other.text = text;
    other.len = (int)strlen(text);
    sqlite3 *db =
        mem_db("CREATE VIRTUAL TABLE d USING fts5(t, tokenize='morgue')");
    sqlite3_stmt *ins = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(db, "INSERT INTO d(t) VALUES (?1)", -1, &ins, NULL),
        SQLITE_OK);
    tok_replay(&other, 1);
    sqlite3_bind_text(ins, 1, text, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    tok_replay(NULL, 0);
    /* the same words in another buffer: tokenised afresh */
    char copy[32];
    strcpy(copy, text);
    tok_replay(&other, 1);
    sqlite3_bind_text(ins, 1, copy, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(ins), SQLITE_DONE);
    tok_replay(NULL, 0);
    sqlite3_finalize(ins);
    assert_match(db, "d", "pyongyang", "1");
    assert_match(db, "d", "summits", "2");
    tok_stream_free(&rec);
    tok_stream_free(&other);
    sqlite3_close(db);
    tok_free(t);
}
