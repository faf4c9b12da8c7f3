/*
 * test_ingest.c - incremental runs (indexer/ingest.h): files added,
 * changed, unchanged, removed and renamed, a change that keeps the size
 * and time caught by verify, and a half-read file read again.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"
#include "ingest.h"
#include "search.h"
#include "store_int.h"

static char *dir, *src;
static struct store *st;
static struct clean_rules *rules;
static struct gazetteer *gaz;

static void setup(void)
{
    dir = mk_tmpdir();
    src = path_in(dir, "archive");
    cr_assert_eq(mkdir(src, 0755), 0);
    char *db = path_in(dir, "m.db");
    struct mg_err err = {""};
    cr_assert_eq(store_open(db, STORE_WRITE, &st, &err), 0, "%s", err.msg);
    free(db);
    rules = clean_rules_new();
    gaz = gaz_load();
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    clean_rules_free(rules);
    gaz_free(gaz);
    if (dir)
        rm_tree(dir);
    free(src);
    free(dir);
    src = dir = NULL;
    expect_no_leaks();
}

TestSuite(ingest, .init = setup, .fini = teardown);

/* Writes name (in the archive folder) with text. */
static void put(const char *name, const char *text)
{
    char *p = path_in(src, name);
    write_file(p, text, strlen(text));
    free(p);
}

/* One run over the archive folder into store s with this many workers
 * (caller: ingest_free). */
static void run_into(struct run *r, struct store *s, int jobs, int verify,
                     int prune)
{
    memset(r, 0, sizeof *r);
    r->store = s;
    r->rules = rules;
    r->gaz = gaz;
    r->quiet = 1;
    r->jobs = jobs;
    r->verify = verify;
    r->prune = prune;
    r->prune_max = 1; /* the share limit has tests of its own */
    char *paths[] = {src};
    cr_assert_eq(ingest_paths(r, paths, 1), 0, "%s", r->err.msg);
}

/* One run over the archive folder into *r (caller: ingest_free). */
static void run(struct run *r, int verify, int prune)
{
    run_into(r, st, 1, verify, prune);
}

/* The uids in the index, in order, space-separated. */
static char *uids(void)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(st),
                                    "SELECT uid FROM articles ORDER BY uid", -1,
                                    &q, NULL),
                 SQLITE_OK);
    struct buf b = {0};
    while (sqlite3_step(q) == SQLITE_ROW)
        buf_printf(&b, "%s%s", b.len ? " " : "",
                   (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return b.s ? buf_take(&b) : mg_strdup("");
}

static void expect_uids(const char *want)
{
    char *got = uids();
    cr_expect_str_eq(got, want);
    free(got);
}

static const char JL2[] =
    "{\"id\":\"a\",\"source\":\"Wire\",\"title\":\"Alpha\","
    "\"body\":\"Alpha body.\"}\n"
    "{\"id\":\"b\",\"source\":\"Wire\",\"title\":\"Beta\","
    "\"body\":\"Beta body.\"}\n";

Test(ingest, added_then_unchanged_files_are_skipped_unread)
{
    put("x.jsonl", JL2);
    put("g.txt", "Gamma story. Gamma body.");
    struct run r;
    run(&r, 0, 0);
    cr_expect_eq(r.added, 3);
    cr_expect_eq(r.files_indexed, 2);
    ingest_free(&r);
    run(&r, 0, 0);
    cr_expect_eq(r.added + r.changed + r.removed, 0);
    cr_expect_eq(r.files_unchanged, 2);
    cr_expect_eq(r.unchanged, 3, "articles of skipped files count");
    cr_expect_eq(r.files_indexed, 0);
    ingest_free(&r);
}

/* The (title, date) of each article of s, in uid order: "title=date;
 * ...". */
static char *titles_and_dates(struct store *s)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(s),
                                    "SELECT title || '=' || ifnull(date, '-')"
                                    " FROM articles ORDER BY uid",
                                    -1, &q, NULL),
                 SQLITE_OK);
    struct buf b = {0};
    while (sqlite3_step(q) == SQLITE_ROW)
        buf_printf(&b, "%s%s", b.len ? "; " : "",
                   (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return b.s ? buf_take(&b) : mg_strdup("");
}

Test(ingest, rows_without_a_title_are_counted_and_keep_their_dates)
{
    put("a.csv", "title,date,body\n"
                 ",1987-03-04,\"Oil rose. Traders said more.\"\n"
                 "Gold falls,1987-03-05,Gold body.\n"
                 "  ,04/03/1987,Tin fell.\n");
    put("b.jsonl", "{\"id\":\"j\",\"date\":\"1987-03-06\","
                   "\"body\":\"Zinc rose. More.\"}\n");
    put("c.txt", "Copper story. Copper body.");
    /* in line, and on workers into a second index */
    char *db2 = path_in(dir, "m2.db");
    struct store *st2 = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open(db2, STORE_WRITE, &st2, &err), 0, "%s", err.msg);
    for (int jobs = 1; jobs <= 2; jobs++) {
        struct store *s = jobs == 1 ? st : st2;
        struct run r;
        run_into(&r, s, jobs, 0, 0);
        /* a.csv#1, a.csv#3 and b.jsonl's record; a text file's title is
         * its first line or sentence by design, not counted */
        cr_expect_eq(r.untitled, 3, "jobs %d: untitled %ld", jobs, r.untitled);
        cr_expect_eq(r.file_untitled, 0, "the file's count starts again");
        cr_expect_null(r.first_untitled);
        char *got = titles_and_dates(s);
        cr_expect(strstr(got, "Oil rose.=1987-03-04") &&
                      strstr(got, "Gold falls=1987-03-05") &&
                      strstr(got, "Tin fell.=1987-03-04") &&
                      strstr(got, "Zinc rose.=1987-03-06"),
                  "untitled rows keep their own dates: %s", got);
        free(got);
        ingest_free(&r);
    }
    store_close(st2);
    free(db2);
}

Test(ingest, a_changed_file_updates_adds_and_removes_its_articles)
{
    put("x.jsonl", JL2);
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    /* a corrected, b withdrawn, c new */
    put("x.jsonl", "{\"id\":\"a\",\"source\":\"Wire\",\"title\":\"Alpha\","
                   "\"body\":\"Alpha body, corrected.\"}\n"
                   "{\"id\":\"c\",\"source\":\"Wire\",\"title\":\"Gamma\","
                   "\"body\":\"New.\"}\n");
    run(&r, 0, 0);
    cr_expect_eq(r.changed, 1);
    cr_expect_eq(r.added, 1);
    cr_expect_eq(r.removed, 1);
    ingest_free(&r);
    expect_uids("Wire:a Wire:c");
}

Test(ingest, a_removed_file_goes_only_with_prune)
{
    put("x.jsonl", JL2);
    put("g.txt", "Gamma story. Gamma body.");
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    char *g = path_in(src, "g.txt");
    cr_assert_eq(unlink(g), 0);
    free(g);
    run(&r, 0, 0);
    cr_expect_eq(r.files_gone, 1);
    cr_expect_eq(r.removed, 0);
    ingest_free(&r);
    /* the text file's article (its uid is its path) is still there */
    cr_expect_eq(store_count(st), 3);
    run(&r, 0, 1);
    cr_expect_eq(r.removed, 1);
    ingest_free(&r);
    expect_uids("Wire:a Wire:b");
    run(&r, 0, 1);
    cr_expect_eq(r.files_gone, 0, "a pruned file is forgotten");
    ingest_free(&r);
}

Test(ingest, a_renamed_file_moves_its_articles)
{
    put("x.jsonl", JL2);
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    char *from = path_in(src, "x.jsonl"), *to = path_in(src, "y.jsonl");
    cr_assert_eq(rename(from, to), 0);
    free(from);
    free(to);
    run(&r, 0, 1);
    cr_expect_eq(r.added, 0, "the same ids are not added twice");
    cr_expect_eq(r.removed, 0, "nor removed with the old name");
    cr_expect_eq(r.files_gone, 1);
    ingest_free(&r);
    expect_uids("Wire:a Wire:b");
    /* and the articles now belong to the new file */
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(st_db(st),
                       "SELECT count(*) FROM articles a JOIN files f ON"
                       " f.id = a.file_id WHERE f.path LIKE '%/y.jsonl'",
                       -1, &q, NULL);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
}

Test(ingest, same_size_and_time_is_caught_only_by_verify)
{
    put("x.jsonl", JL2);
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    char *p = path_in(src, "x.jsonl");
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    /* one letter changed, the size and the time put back */
    char *changed = mg_strdup(JL2);
    changed[strlen(changed) - 8] = 'X';
    put("x.jsonl", changed);
    free(changed);
    struct timespec times[2] = {sb.st_atim, sb.st_mtim};
    cr_assert_eq(utimensat(AT_FDCWD, p, times, 0), 0);
    free(p);
    run(&r, 0, 0);
    cr_expect_eq(r.changed, 0, "size and time say unchanged");
    cr_expect_eq(r.files_unchanged, 1);
    ingest_free(&r);
    run(&r, 1, 0);
    cr_expect_eq(r.changed, 1, "--verify reads it");
    ingest_free(&r);
}

Test(ingest, a_touched_file_is_not_parsed_again)
{
    put("x.jsonl", JL2);
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    char *p = path_in(src, "x.jsonl");
    struct timespec later[2] = {{0, UTIME_NOW}, {time(NULL) + 60, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, p, later, 0), 0);
    free(p);
    run(&r, 0, 0);
    cr_expect_eq(r.files_unchanged, 1, "same content hash");
    cr_expect_eq(r.unchanged, 2);
    ingest_free(&r);
    /* and the new time is recorded: the next run skips it unread */
    run(&r, 0, 0);
    cr_expect_eq(r.files_unchanged, 1);
    ingest_free(&r);
}

Test(ingest, a_half_read_file_is_read_again)
{
    put("x.jsonl", JL2);
    /* as a killed run leaves it: the file recorded with no hash, one of
     * its articles stored */
    char *p = path_in(src, "x.jsonl");
    char real[PATH_MAX];
    cr_assert_not_null(realpath(p, real));
    free(p);
    struct mg_err err = {""};
    struct store_file f = {.size = 1, .mtime = 1};
    cr_assert_eq(store_begin(st, &err), 0);
    cr_assert_eq(store_file_put(st, real, &f, &err), 0, "%s", err.msg);
    cr_assert_eq(store_commit(st, &err), 0);
    struct run r;
    run(&r, 0, 0);
    cr_expect_eq(r.added, 2);
    cr_expect_eq(r.files_indexed, 1);
    ingest_free(&r);
    cr_expect_eq(store_file_get(st, real, &f, &err), 1);
    cr_expect_eq(f.articles, 2);
    cr_expect_neq(f.hash[0], 0, "recorded as read to the end");
}

static void ignore_line(void *ctx, const char *line)
{
    (void)ctx, (void)line;
}

/* Every row of the index that a run writes, as text, in rowid order;
 * the index checked (store_check). */
static char *dump(struct store *s)
{
    struct mg_err err = {""};
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(
                     st_db(s),
                     "SELECT id, uid, title, lede, body, entities, simhash,"
                     " (SELECT group_concat(entity_id || ':' || mentions)"
                     " FROM article_entities WHERE article_id = id),"
                     " (SELECT count(*) FROM fts WHERE fts MATCH"
                     " 'market' AND fts.rowid = id)"
                     " FROM articles ORDER BY id",
                     -1, &q, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(st_db(s)));
    struct buf b = {0};
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int i = 0; i < 9; i++) {
            const unsigned char *t = sqlite3_column_text(q, i);
            buf_printf(&b, "%s|", t ? (const char *)t : "-");
        }
        buf_addc(&b, '\n');
    }
    sqlite3_finalize(q);
    cr_assert_eq(store_check(s, ignore_line, NULL, &err), 0, "%s", err.msg);
    return buf_take(&b);
}

/* Worker threads clean and find entities while the run stores in input
 * order: the index is the same row for row as with none, a repeated id
 * keeps its last version, and the tokens the workers recorded are the
 * ones the index holds (FTS5's integrity-check retokenises). */
Test(ingest, workers_give_the_same_index_as_one_thread)
{
    for (int f = 0; f < 3; f++) {
        struct buf b = {0};
        for (int i = 0; i < 150; i++)
            buf_printf(&b,
                       "{\"id\":\"f%d-%d\",\"title\":\"Market report %d\","
                       "\"date\":\"1987-0%d-%02d\",\"body\":\"Ronald Reagan "
                       "met Yasuhiro Nakasone in Tokyo on day %d. The "
                       "markets rallied \\u201cstrongly\\u201d and the "
                       "dollar rose.\\n\\nShares of General Motors Corp "
                       "were running ahead of the Bundesbank's council "
                       "meeting number %d.\"}\n",
                       f, i % 140, i, f + 1, i % 28 + 1, i, i * 7);
        char name[32];
        snprintf(name, sizeof name, "part-%d.jsonl", f);
        put(name, b.s);
        buf_free(&b);
    }
    struct run r;
    run_into(&r, st, 4, 0, 0);
    cr_expect_eq(r.added, 3 * 140);
    cr_expect_eq(r.unchanged + r.changed, 3 * 10, "ids repeated in a file");
    ingest_free(&r);
    char *threaded = dump(st);

    char *db = path_in(dir, "one.db");
    struct store *one = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open(db, STORE_WRITE, &one, &err), 0, "%s", err.msg);
    free(db);
    run_into(&r, one, 1, 0, 0);
    ingest_free(&r);
    char *inline_ = dump(one);
    store_close(one);
    cr_expect(strlen(threaded) > 1000);
    cr_expect_str_eq(threaded, inline_);
    free(threaded);
    free(inline_);
}

static const char *date_order(void)
{
    static char v[8];
    char *value = NULL;
    struct mg_err err = {""};
    int found = store_meta_get(st, "date_order", &value, &err);
    cr_assert_geq(found, 0, "%s", err.msg);
    snprintf(v, sizeof v, "%s", found ? value : "none");
    free(value);
    return v;
}

/* The ids of a newest- or oldest-first search, space-separated. */
static char *sorted_ids(struct searcher *se, enum search_sort sort, int offset)
{
    struct search_opts o = {
        .query = "market", .limit = 7, .offset = offset, .sort = sort};
    struct search_result res;
    struct mg_err err = {""};
    cr_assert_eq(search_run(se, &o, &res, &err), 0, "%s", err.msg);
    struct buf b = {0};
    for (int i = 0; i < res.nhits; i++)
        buf_printf(&b, "%s%s", i ? " " : "", res.hits[i].id);
    search_result_free(&res);
    return b.s ? buf_take(&b) : mg_strdup("");
}

/* An archive read in date order keeps its rowids in publication order:
 * the run records it, newest- and oldest-first then scan rowids and give
 * the same pages as sorting by date, and an older article or one
 * without a date added later turns it off. */
Test(ingest, articles_in_date_order_let_newest_first_scan_rowids)
{
    struct buf b = {0};
    for (int i = 0; i < 60; i++) /* dates ascending, some equal */
        buf_printf(&b,
                   "{\"id\":\"d%d\",\"title\":\"Market day %d\",\"date\":"
                   "\"1990-%02d-%02dT10:00:00Z\",\"body\":\"The market "
                   "moved on day %d.\"}\n",
                   i, i, i / 28 + 1, i % 28 / 2 + 1, i);
    put("a.jsonl", b.s);
    buf_free(&b);
    struct run r;
    run(&r, 0, 0);
    ingest_free(&r);
    cr_expect_str_eq(date_order(), "1");
    /* a run that changes nothing keeps it, without a scan */
    run(&r, 0, 0);
    cr_expect_eq(r.added + r.changed + r.removed, 0);
    ingest_free(&r);
    cr_expect_str_eq(date_order(), "1");
    struct searcher *se = NULL;
    struct mg_err err = {""};
    cr_assert_eq(searcher_new(st, &se, &err), 0, "%s", err.msg);
    enum search_sort sorts[] = {SEARCH_SORT_NEWEST, SEARCH_SORT_OLDEST};
    for (int k = 0; k < 2; k++)
        for (int off = 0; off <= 21; off += 7) {
            char *fast = sorted_ids(se, sorts[k], off);
            searcher_use_date_order(se, 0);
            char *by_date = sorted_ids(se, sorts[k], off);
            searcher_use_date_order(se, 1);
            cr_expect_str_eq(fast, by_date, "sort %d, offset %d", k, off);
            cr_expect(strlen(fast) > 0);
            free(fast);
            free(by_date);
        }
    /* an older story read later */
    put("b.jsonl", "{\"id\":\"old\",\"title\":\"Market in 1985\",\"date\":"
                   "\"1985-01-01\",\"body\":\"The market.\"}\n");
    run(&r, 0, 0);
    ingest_free(&r);
    cr_expect_str_eq(date_order(), "0");
    char *fast = sorted_ids(se, SEARCH_SORT_NEWEST, 56);
    searcher_use_date_order(se, 0);
    char *by_date = sorted_ids(se, SEARCH_SORT_NEWEST, 56);
    cr_expect_str_eq(fast, by_date);
    cr_expect(strstr(fast, "old") != NULL, "the 1985 story is last: %s", fast);
    free(fast);
    free(by_date);
    searcher_free(se);
}
