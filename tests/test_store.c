/*
 * test_store.c - the index file (lib/store.h): creating the schema,
 * adding, replacing and reading articles with the FTS5 index kept in step,
 * and refusing files that are missing, not an index, or built by another
 * version.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "article.h"
#include "helpers.h"
#include "store.h"
#include "store_int.h"

static char *dir;
static char *db_path;

static void setup(void)
{
    dir = mk_tmpdir();
    db_path = path_in(dir, "m.db");
}

static void teardown(void)
{
    rm_tree(dir);
    free(db_path);
    free(dir);
    expect_no_leaks();
}

TestSuite(store, .init = setup, .fini = teardown);

static struct store *open_ok(const char *path, enum store_mode mode)
{
    struct store *s = (struct store *)1;
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, mode, &s, &err), 0, "store_open: %s",
                 err.msg);
    cr_assert_not_null(s);
    return s;
}

/* Asserts that opening path fails with a message holding the path and
 * want. */
static void open_fails(const char *path, enum store_mode mode, const char *want)
{
    struct store *s = (struct store *)1;
    struct mg_err err = {""};
    cr_expect_eq(store_open(path, mode, &s, &err), -1, "opened %s", path);
    cr_expect_null(s, "*out is NULL on failure");
    cr_expect_not_null(strstr(err.msg, path), "message names the file: %s",
                       err.msg);
    cr_expect_not_null(strstr(err.msg, want), "message \"%s\" lacks \"%s\"",
                       err.msg, want);
}

/* The first column of the first row of sql, as a new string. */
static char *query_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
                 "%s: %s", sql, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql,
                 sqlite3_errmsg(db));
    char *v = mg_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

#define expect_query(db, sql, want)                                            \
    do {                                                                       \
        char *v_ = query_text((db), (sql));                                    \
        cr_expect_str_eq(v_ ? v_ : "(null)", (want), "%s", (sql));             \
        free(v_);                                                              \
    } while (0)

/* Gathers the lines a store operation tells, one per line. */
static void gather_line(void *ctx, const char *line)
{
    buf_printf(ctx, "%s\n", line);
}

static void integrity_ok(struct store *s)
{
    struct buf lines = {0};
    struct mg_err err = {""};
    cr_expect_eq(store_check(s, gather_line, &lines, &err), 0, "%s%s", err.msg,
                 lines.s ? lines.s : "");
    buf_free(&lines);
}

static void sample(struct article *a)
{
    memset(a, 0, sizeof *a);
    a->uid = mg_strdup("seed-1");
    a->title = mg_strdup("Kim invites Moon to Pyongyang");
    a->body = mg_strdup("The talks covered bananas and summits.");
    a->captions = mg_strdup("Kim Yo-jong hands over the invitation");
    a->highlights = mg_strdup("An invitation\nA meeting");
    a->date = mg_strdup("2018-02-10");
    a->source = mg_strdup("DailyMail.co.uk");
    a->url = mg_strdup("https://example.com/kim");
    a->byline = mg_strdup("Ann Lee");
    a->section = mg_strdup("World");
    a->language = mg_strdup("en");
    a->path = mg_strdup("corpus/seed/x.txt");
}

/* ---- opening ------------------------------------------------------- */

Test(store, write_mode_creates_the_schema)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    cr_expect_eq(access(db_path, F_OK), 0, "the file exists");
    cr_expect_str_eq(store_path(s), db_path);
    sqlite3 *db = st_db(s);
    expect_query(db,
                 "SELECT group_concat(name, ' ') FROM (SELECT name FROM"
                 " sqlite_master WHERE name IN ('meta', 'articles',"
                 " 'fts') ORDER BY name)",
                 "articles fts meta");
    char want[16];
    snprintf(want, sizeof want, "%d", STORE_SCHEMA_VERSION);
    expect_query(db, "SELECT value FROM meta WHERE key='schema_version'", want);
    snprintf(want, sizeof want, "%d", TOK_VERSION);
    expect_query(db, "SELECT value FROM meta WHERE key='tokenizer_version'",
                 want);
    expect_query(db, "PRAGMA journal_mode", "wal");
    expect_query(db,
                 "SELECT sql LIKE '%tokenize=''morgue''%' FROM"
                 " sqlite_master WHERE name='fts'",
                 "1");
    cr_expect_eq(store_count(s), 0);
    store_close(s);

    /* Opening it again, for writing or reading, keeps it. */
    s = open_ok(db_path, STORE_WRITE);
    cr_expect_eq(store_count(s), 0);
    store_close(s);
    s = open_ok(db_path, STORE_READ);
    cr_expect_eq(store_count(s), 0);
    store_close(s);
    store_close(NULL);
}

/* The index's searched columns are the article model's list (article.h:
 * enum art_col), in its order: the schema's SQL spells them, the C side
 * reads them from ART_COL_NAMES. */
Test(store, the_fts_columns_are_the_articles_columns_in_order)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct buf want = {0};
    for (int i = 0; i < ART_NCOLS; i++)
        buf_printf(&want, "%s%s", i ? " " : "", ART_COL_NAMES[i]);
    expect_query(st_db(s),
                 "SELECT group_concat(name, ' ') FROM (SELECT name FROM"
                 " pragma_table_info('fts') ORDER BY cid)",
                 want.s);
    buf_free(&want);
    store_close(s);
}

Test(store, an_index_keyed_by_an_older_morgue_must_be_rebuilt)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct article a = {0};
    sample(&a);
    struct mg_err err = {""};
    cr_assert_geq(store_put(s, &a, NULL, &err), 0, "%s", err.msg);
    article_clear(&a);
    store_close(s);
    /* a version 7 index: articles keyed by their bare ids */
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db,
                              "DROP TABLE claims; DROP TABLE suppressed;"
                              " UPDATE meta SET value='7' WHERE"
                              " key='schema_version'",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    /* readers and writers alike refuse it, say why and what to run, and
     * leave it as it was */
    open_fails(db_path, STORE_READ, "--rebuild");
    open_fails(db_path, STORE_WRITE, "--rebuild");
    open_fails(db_path, STORE_WRITE, "keyed by their source");
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    char *v = query_text(db, "SELECT value FROM meta WHERE"
                             " key='schema_version'");
    cr_expect_str_eq(v, "7");
    free(v);
    v = query_text(db, "SELECT count(*) FROM articles");
    cr_expect_str_eq(v, "1");
    free(v);
    sqlite3_close(db);
}

Test(store, default_path)
{
    cr_expect_str_eq(store_default_path("given.db"), "given.db");
    unsetenv("MORGUE_DB");
    cr_expect_str_eq(store_default_path(NULL), "morgue.db");
    cr_expect_str_eq(store_default_path(""), "morgue.db");
    setenv("MORGUE_DB", "/x/env.db", 1);
    cr_expect_str_eq(store_default_path(NULL), "/x/env.db");
    cr_expect_str_eq(store_default_path("given.db"), "given.db");
    setenv("MORGUE_DB", "", 1);
    cr_expect_str_eq(store_default_path(NULL), "morgue.db");
    unsetenv("MORGUE_DB");
}

Test(store, read_mode_needs_an_existing_index)
{
    open_fails(db_path, STORE_READ, "no index here");
    cr_expect_neq(access(db_path, F_OK), 0, "nothing was created");
}

Test(store, a_file_that_is_not_a_database_is_refused)
{
    struct buf junk = {0};
    for (int i = 0; i < 200; i++)
        buf_adds(&junk, "not a database, just text\n");
    write_file(db_path, junk.s, junk.len);
    open_fails(db_path, STORE_READ, "not a morgue index");
    open_fails(db_path, STORE_WRITE, "not a morgue index");

    /* ... and left as it was. */
    char *back;
    size_t n;
    struct mg_err err = {""};
    cr_assert_eq(mg_read_file(db_path, &back, &n, &err), 0);
    cr_expect_eq(n, junk.len);
    cr_expect_eq(memcmp(back, junk.s, n), 0);
    free(back);
    buf_free(&junk);
}

Test(store, a_database_without_the_schema_is_refused)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TABLE other(x)", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    open_fails(db_path, STORE_READ, "not a morgue index");
}

/* Builds an index, then sets meta key to value behind the store's back. */
static void alter_meta(const char *key, const char *value)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    store_close(s);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    exec_bound(db, "UPDATE meta SET value=?2 WHERE key=?1", key, value, NULL);
    cr_assert_eq(sqlite3_changes(db), 1);
    sqlite3_close(db);
}

Test(store, another_tokenizer_version_says_rebuild)
{
    alter_meta("tokenizer_version", "0");
    open_fails(db_path, STORE_READ, "rebuild");
    open_fails(db_path, STORE_READ, "tokenizer version 0");
    open_fails(db_path, STORE_WRITE, "rebuild");
}

Test(store, another_schema_version_says_rebuild)
{
    alter_meta("schema_version", "99");
    open_fails(db_path, STORE_READ, "rebuild");
    open_fails(db_path, STORE_WRITE, "schema version 99");
}

/* ---- writing and reading ------------------------------------------- */

Test(store, put_added_unchanged_changed)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    struct article a;
    sample(&a);
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_UNCHANGED, "%s", err.msg);
    cr_expect_eq(store_count(s), 1);

    sqlite3 *db = st_db(s);
    assert_match(db, "fts", "bananas", "1");
    assert_match(db, "fts", "\"\x01summit\"", "1");

    /* Edit the body: replaced in place, and the index follows. */
    article_set(&a.body, "The talks covered cocoa prices.");
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_CHANGED, "%s", err.msg);
    cr_expect_eq(store_count(s), 1);
    assert_match(db, "fts", "bananas", "");
    assert_match(db, "fts", "\"\x01summit\"", "");
    assert_match(db, "fts", "cocoa", "1");
    assert_match(db, "fts", "title:pyongyang", "1");
    integrity_ok(s);
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_UNCHANGED, "%s", err.msg);

    /* Any stored field counts as content, not only the text. */
    article_set(&a.date, "2018-02-11");
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_CHANGED, "%s", err.msg);
    article_set(&a.url, NULL);
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_CHANGED, "%s", err.msg);

    /* Another uid is another article. */
    article_set(&a.uid, "seed-2");
    cr_expect_eq(store_put(s, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    cr_expect_eq(store_count(s), 2);
    assert_match(db, "fts", "cocoa", "1 2");
    integrity_ok(s);

    article_clear(&a);
    store_close(s);
}

Test(store, get_reads_every_field_back)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    struct article a, b = {0};
    sample(&a);
    cr_assert_eq(store_put(s, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
    store_close(s);

    s = open_ok(db_path, STORE_READ);
    b.title = mg_strdup("left over from before"); /* cleared by store_get */
    cr_assert_eq(store_get(s, "seed-1", &b, &err), 1, "%s", err.msg);
#define SAME(f) cr_expect_str_eq(b.f ? b.f : "(null)", a.f, #f)
    SAME(uid);
    SAME(title);
    SAME(body);
    SAME(captions);
    SAME(highlights);
    SAME(date);
    SAME(source);
    SAME(url);
    SAME(byline);
    SAME(section);
    SAME(language);
    SAME(path);
#undef SAME
    cr_expect_null(b.dateline, "a NULL field stays NULL");

    cr_expect_eq(store_get(s, "no-such-uid", &b, &err), 0);
    cr_expect_null(b.uid, "*a is cleared when not found");
    cr_expect_null(b.title);

    article_clear(&a);
    article_clear(&b);
    store_close(s);
}

Test(store, batches_in_a_transaction)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    cr_assert_eq(store_begin(s, &err), 0, "%s", err.msg);
    for (int i = 0; i < 50; i++) {
        struct article a = {0};
        struct buf uid = {0}, body = {0};
        buf_printf(&uid, "doc-%d", i);
        buf_printf(&body, "Article number w%d about cocoa.", i);
        a.uid = buf_take(&uid);
        a.body = buf_take(&body);
        cr_expect_eq(store_put(s, &a, NULL, &err), STORE_ADDED, "%s", err.msg);
        article_clear(&a);
    }
    cr_assert_eq(store_commit(s, &err), 0, "%s", err.msg);
    integrity_ok(s);
    store_close(s);

    s = open_ok(db_path, STORE_READ);
    cr_expect_eq(store_count(s), 50);
    char *hits = match_rowids(st_db(s), "fts", "cocoa");
    int nhits = *hits ? 1 : 0;
    for (const char *p = hits; *p; p++)
        nhits += *p == ' ';
    cr_expect_eq(nhits, 50, "cocoa in %d articles", nhits);
    free(hits);
    assert_match(st_db(s), "fts", "w17", "18");
    store_close(s);
}

Test(store, read_mode_does_not_write)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    store_close(s);
    s = open_ok(db_path, STORE_READ);
    struct article a;
    sample(&a);
    struct mg_err err = {""};
    cr_expect_eq(store_put(s, &a, NULL, &err), -1);
    cr_expect_neq(err.msg[0], 0);
    cr_expect_eq(store_count(s), 0);
    article_clear(&a);
    store_close(s);
}

/* ---- identity: one key in two files, takedowns ---------------------- */

/* Records a file at path (in dir) that exists on the disk, and makes it
 * the one store_put() reads from; returns its id. */
static int64_t file_at(struct store *s, const char *name)
{
    char *path = path_in(dir, name);
    write_file(path, "x", 1);
    struct store_file f = {0};
    struct mg_err err = {""};
    int found = store_file_get(s, path, &f, &err);
    cr_assert_geq(found, 0, "%s", err.msg);
    if (!found)
        cr_assert_eq(store_file_put(s, path, &f, &err), 0, "%s", err.msg);
    store_set_file(s, f.id, path);
    free(path);
    return f.id;
}

/* Stores uid with body from the current file; returns store_put()'s
 * result. */
static int put_body(struct store *s, const char *uid, const char *body)
{
    struct article a = {0};
    a.uid = mg_strdup(uid);
    a.title = mg_strdup("Title");
    a.body = mg_strdup(body);
    struct mg_err err = {""};
    int rc = store_put(s, &a, NULL, &err);
    cr_assert_geq(rc, 0, "%s", err.msg);
    article_clear(&a);
    return rc;
}

static char *body_of(struct store *s, const char *uid)
{
    struct article a = {0};
    struct mg_err err = {""};
    int found = store_get(s, uid, &a, &err);
    cr_assert_geq(found, 0, "%s", err.msg);
    char *b = found ? mg_strdup(a.body) : mg_strdup("(none)");
    article_clear(&a);
    return b;
}

static void expect_body(struct store *s, const char *uid, const char *want)
{
    char *got = body_of(s, uid);
    cr_expect_str_eq(got, want, "%s", uid);
    free(got);
}

Test(store, one_key_in_two_files_belongs_to_the_path_that_sorts_last)
{
    /* read in either order, b.jsonl keeps AP:1 */
    for (int order = 0; order < 2; order++) {
        char *name = order ? "o1.db" : "o0.db";
        char *p = path_in(dir, name);
        struct store *s = open_ok(p, STORE_WRITE);
        struct mg_err err = {""};
        cr_assert_eq(store_begin(s, &err), 0);
        if (order == 0) {
            file_at(s, "a.jsonl");
            cr_expect_eq(put_body(s, "AP:1", "from a"), STORE_ADDED);
            file_at(s, "b.jsonl");
            cr_expect_eq(put_body(s, "AP:1", "from b"), STORE_CHANGED);
        } else {
            file_at(s, "b.jsonl");
            cr_expect_eq(put_body(s, "AP:1", "from b"), STORE_ADDED);
            file_at(s, "a.jsonl");
            cr_expect_eq(put_body(s, "AP:1", "from a"), STORE_SHADOWED);
        }
        expect_body(s, "AP:1", "from b");
        cr_expect_eq(store_count(s), 1);
        cr_assert_eq(store_commit(s, &err), 0);
        store_close(s);
        free(p);
    }
}

Test(store, the_other_claimant_is_read_again_when_the_owner_lets_go)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    cr_assert_eq(store_begin(s, &err), 0);
    int64_t a = file_at(s, "a.jsonl");
    put_body(s, "AP:1", "from a");
    int64_t b = file_at(s, "b.jsonl");
    put_body(s, "AP:1", "from b");
    store_set_file(s, 0, NULL);
    /* b is emptied: AP:1 goes, and a must be read again */
    struct store_ids reread = {0};
    int64_t removed = 0;
    cr_assert_eq(store_file_drop(s, b, NULL, &removed, &reread, &err), 0, "%s",
                 err.msg);
    cr_expect_eq(removed, 1);
    cr_assert_eq(reread.n, 1);
    cr_expect_eq(reread.v[0], a);
    store_ids_free(&reread);
    /* a file that is gone gives its key up to the one reading it */
    file_at(s, "c.jsonl");
    put_body(s, "AP:2", "from c");
    char *c = path_in(dir, "c.jsonl");
    cr_assert_eq(unlink(c), 0);
    free(c);
    file_at(s, "a.jsonl");
    cr_expect_eq(put_body(s, "AP:2", "moved to a"), STORE_CHANGED);
    expect_body(s, "AP:2", "moved to a");
    cr_assert_eq(store_commit(s, &err), 0);
    store_close(s);
}

Test(store, a_key_taken_down_is_not_stored_again_until_put_back)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    cr_assert_eq(store_begin(s, &err), 0);
    file_at(s, "a.jsonl");
    put_body(s, "AP:1", "libel");
    put_body(s, "AP:2", "fine");
    int64_t removed = 0;
    cr_expect_eq(store_take_down(s, "AP:1", &removed, &err), 1, "%s", err.msg);
    cr_expect_eq(removed, 1);
    cr_expect_eq(store_take_down(s, "AP:9", &removed, &err), 0,
                 "an unknown key goes on the list all the same");
    cr_expect_eq(store_suppressed(s, "AP:1", &err), 1);
    cr_expect_eq(store_suppressed(s, "AP:2", &err), 0);
    cr_expect_eq(put_body(s, "AP:1", "libel"), STORE_SUPPRESSED);
    expect_body(s, "AP:1", "(none)");
    cr_expect_eq(store_count(s), 1);
    cr_expect_eq(store_put_back(s, "AP:1", &err), 1);
    cr_expect_eq(store_put_back(s, "AP:1", &err), 0, "not on the list now");
    cr_expect_eq(put_body(s, "AP:1", "libel"), STORE_ADDED);
    cr_assert_eq(store_commit(s, &err), 0);
    store_close(s);
    /* a rebuild's new index copies the list */
    char *fresh = path_in(dir, "fresh.db");
    s = open_ok(fresh, STORE_WRITE);
    cr_expect_eq(store_copy_suppressed(s, db_path, &err), 0, "%s", err.msg);
    cr_expect_eq(store_suppressed(s, "AP:9", &err), 1);
    cr_expect_eq(store_suppressed(s, "AP:1", &err), 0);
    store_close(s);
    free(fresh);
}

/* ---- administration, the files walk --------------------------------- */

Test(store, check_passes_a_sound_index_and_finds_a_damaged_one)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    put_body(s, "AP:1", "the cocoa harvest");
    put_body(s, "AP:2", "the coffee harvest");
    struct buf lines = {0};
    struct mg_err err = {""};
    cr_expect_eq(store_check(s, gather_line, &lines, &err), 0, "%s", err.msg);
    cr_expect_str_eq(lines.s, "SQLite integrity_check: ok\n"
                              "FTS5 integrity-check: ok\n");
    /* the full-text index loses its words of an article behind the
     * triggers' back */
    cr_assert_eq(sqlite3_exec(st_db(s),
                              "INSERT INTO fts(fts, rowid, title, body) VALUES"
                              "('delete', 1, 'Title', 'the cocoa harvest')",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(st_db(s)));
    buf_clear(&lines);
    cr_expect_eq(store_check(s, gather_line, &lines, &err), 1, "%s", err.msg);
    cr_expect_not_null(strstr(lines.s, "SQLite integrity_check: ok\n"), "%s",
                       lines.s);
    cr_expect_not_null(strstr(lines.s, "FTS5 integrity-check: FAILED ("), "%s",
                       lines.s);
    buf_free(&lines);
    store_close(s);
}

Test(store, meta_values_are_put_and_read_back)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    char *v = (char *)1;
    cr_expect_eq(store_meta_get(s, "last_run", &v, &err), 0, "%s", err.msg);
    cr_expect_null(v);
    cr_assert_eq(
        store_meta_put(s, "last_run", "2024-01-02T03:04:05Z 1 new", &err), 0,
        "%s", err.msg);
    cr_assert_eq(
        store_meta_put(s, "last_run", "2024-01-03T00:00:00Z 2 new", &err), 0,
        "%s", err.msg);
    cr_expect_eq(store_meta_get(s, "last_run", &v, &err), 1, "%s", err.msg);
    cr_expect_str_eq(v, "2024-01-03T00:00:00Z 2 new", "the last put wins");
    free(v);
    struct store_health h;
    cr_assert_eq(store_health(s, &h, &err), 0, "%s", err.msg);
    cr_expect_eq(h.articles, 0);
    cr_expect_eq(h.schema, STORE_SCHEMA_VERSION);
    cr_expect_str_eq(h.last_run, "2024-01-03T00:00:00Z 2 new");
    free(h.last_run);
    store_close(s);
}

Test(store, stats_tell_what_the_index_holds)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    file_at(s, "a.jsonl");
    put_body(s, "AP:1", "one");
    put_body(s, "AP:2", "two");
    struct buf lines = {0};
    struct mg_err err = {""};
    cr_assert_eq(store_stats(s, gather_line, &lines, &err), 0, "%s", err.msg);
    static const char want[] =
        "articles:  2 (0 sources; dated - to -)\n"
        "  source   (none): 2\n"
        "entities:  0 people, 0 places, 0 organisations\n"
        "files:     1 (0 articles; last read ";
    cr_expect_eq(strncmp(lines.s, want, sizeof want - 1), 0, "%s", lines.s);
    const char *tail = ")\nlast run:  (none recorded)\n";
    cr_expect_str_eq(lines.s + lines.len - strlen(tail), tail, "%s", lines.s);
    buf_free(&lines);
    store_close(s);
}

/* Gathers "path articles" of each file store_files_each() tells. */
static void gather_file(void *ctx, const char *path, const struct store_file *f)
{
    const char *name = strrchr(path, '/');
    buf_printf(ctx, "%s:%lld:%s ", name ? name + 1 : path,
               (long long)f->articles, f->hash);
}

Test(store, files_each_tells_every_recorded_file)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    struct buf seen = {0};
    cr_expect_eq(store_files_each(s, gather_file, &seen, &err), 0, "%s",
                 err.msg);
    cr_expect_null(seen.s, "none before the first is recorded");
    char *a = path_in(dir, "a.jsonl"), *b = path_in(dir, "b.jsonl");
    struct store_file f = {0, 10, 20, "00000000000000aa", 3};
    cr_assert_eq(store_file_put(s, a, &f, &err), 0, "%s", err.msg);
    struct store_file g = {0, 11, 21, "", 5};
    cr_assert_eq(store_file_put(s, b, &g, &err), 0, "%s", err.msg);
    cr_expect_eq(store_files_each(s, gather_file, &seen, &err), 0, "%s",
                 err.msg);
    cr_expect_str_eq(seen.s, "a.jsonl:3:00000000000000aa b.jsonl:5: ");
    buf_free(&seen);
    free(a);
    free(b);
    store_close(s);
}

Test(store, rollback_undoes_the_open_transaction)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    cr_assert_eq(store_begin(s, &err), 0);
    put_body(s, "AP:1", "one");
    store_rollback(s);
    cr_expect_eq(store_count(s), 0);
    store_rollback(s); /* none open: nothing happens */
    cr_expect_eq(store_count(s), 0);
    store_close(s);
}

Test(store, swap_in_replaces_the_live_index)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    put_body(s, "AP:old", "old");
    store_close(s);
    char *built = path_in(dir, "built.db");
    s = open_ok(built, STORE_WRITE);
    put_body(s, "AP:1", "one");
    put_body(s, "AP:2", "two");
    store_close(s);
    struct mg_err err = {""};
    cr_expect_eq(store_swap_in(built, db_path, &err), 0, "%s", err.msg);
    s = open_ok(db_path, STORE_READ);
    cr_expect_eq(store_count(s), 2);
    expect_body(s, "AP:old", "(none)");
    expect_body(s, "AP:2", "two");
    store_close(s);
    char *missing = path_in(dir, "missing.db");
    cr_expect_eq(store_swap_in(missing, db_path, &err), -1);
    cr_expect_not_null(strstr(err.msg, "cannot swap in the rebuilt index"),
                       "%s", err.msg);
    free(missing);
    free(built);
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

Test(store, roots_are_recorded_once_each_in_order)
{
    struct store *s = open_ok(db_path, STORE_WRITE);
    struct mg_err err = {""};
    char **roots;
    int n;
    cr_assert_eq(store_roots(s, &roots, &n, &err), 0, "%s", err.msg);
    cr_expect_eq(n, 0, "a new index records none");
    free_list(roots, n);
    char *first[] = {"/srv/a", "/srv/b", "/srv/a"};
    char *second[] = {"/srv/b", "/srv/c", "bad\nroot", ""};
    cr_assert_eq(store_roots_add(s, first, 3, &err), 0, "%s", err.msg);
    cr_assert_eq(store_roots_add(s, second, 4, &err), 0, "%s", err.msg);
    cr_assert_eq(store_roots(s, &roots, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(roots[0], "/srv/a");
    cr_expect_str_eq(roots[1], "/srv/b");
    cr_expect_str_eq(roots[2], "/srv/c");
    free_list(roots, n);
    store_close(s);
}

Test(store, public_ids_are_relative_to_the_longest_root)
{
    char *roots[] = {"/srv", "/srv/archive", "/data/feed.jsonl"};
    static const char *const CASES[][2] = {
        {"/srv/archive/2018/x.txt", "archive/2018/x.txt"},
        {"/srv/other/y.txt", "srv/other/y.txt"},
        {"/srv/archive", "archive"},
        {"/srv/archivex/z.txt", "srv/archivex/z.txt"},
        {"/data/feed.jsonl#3", "feed.jsonl#3"},
        {"/data/feed.jsonl:story-7", "feed.jsonl:story-7"},
        {"/elsewhere/q.txt", "/elsewhere/q.txt"},
        {"reuters-5", "reuters-5"},
        {"AP:17", "AP:17"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        char *id = article_public_id(CASES[i][0], roots, 3);
        cr_expect_str_eq(id, CASES[i][1], "%s", CASES[i][0]);
        free(id);
    }
    char *k = article_key_under("archive/2018/x.txt", "/srv/archive");
    cr_expect_str_eq(k, "/srv/archive/2018/x.txt");
    free(k);
    k = article_key_under("feed.jsonl#3", "/data/feed.jsonl");
    cr_expect_str_eq(k, "/data/feed.jsonl#3");
    free(k);
    cr_expect_null(article_key_under("archived/x.txt", "/srv/archive"));
    cr_expect_null(article_key_under("/srv/archive/x", "/srv/archive"));
    cr_expect_null(article_key_under("reuters-5", "/srv/archive"));
}
