/*
 * helpers.h - small helpers shared by the Criterion suites: temporary
 * folders, in-memory FTS5 tables tokenised by `morgue`, and MATCH queries
 * whose results come back as a string of rowids ("1 3") so that a test
 * reads as the user's view of a search.
 *
 * Everything is `static inline` so that a suite which uses only part of it
 * builds without unused-function warnings.
 */
#ifndef MORGUE_TEST_HELPERS_H
#define MORGUE_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#endif

/* Fails the test when LeakSanitizer finds unreachable memory (ASan
 * builds only).  Without this a leak is only printed when the worker
 * exits and the test still passes.  Every suite calls it last in its
 * .fini, after its own fixtures are freed. */
static inline void expect_no_leaks(void)
{
#ifdef HAVE_LSAN
    if (__lsan_do_recoverable_leak_check()) {
        fputs("LeakSanitizer found leaks (its report is above)\n", stderr);
        abort();
    }
#endif
}

/* A new empty folder under $MORGUE_TEST_TMP (else /tmp); caller frees the
 * returned path after rm_tree(). */
static inline char *mk_tmpdir(void)
{
    const char *base = getenv("MORGUE_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    struct buf b = {0};
    buf_printf(&b, "%s/morgue-test.XXXXXX", base);
    char *dir = buf_take(&b);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp(%s) failed", dir);
    return dir;
}

static inline int rm_one(const char *path, const struct stat *st, int flag,
                         struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes dir and everything in it. */
static inline void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path inside dir; caller frees. */
static inline char *path_in(const char *dir, const char *name)
{
    struct buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    return buf_take(&b);
}

/* Writes n bytes to path (a test fixture made at run time). */
static inline void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* An in-memory database with the morgue tokenizer registered and the
 * given schema created. */
static inline sqlite3 *mem_db(const char *schema)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    struct mg_err err = {""};
    cr_assert_eq(tok_register(db, &err), 0, "tok_register: %s", err.msg);
    char *msg = NULL;
    int rc = sqlite3_exec(db, schema, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", schema, msg ? msg : "");
    sqlite3_free(msg);
    return db;
}

/* Runs sql with the text parameters given (NULL-terminated). */
static inline void exec_bound(sqlite3 *db, const char *sql, ...)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
                 "%s: %s", sql, sqlite3_errmsg(db));
    va_list ap;
    va_start(ap, sql);
    const char *v;
    for (int i = 1; (v = va_arg(ap, const char *)) != NULL; i++)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    va_end(ap);
    int rc = sqlite3_step(st);
    const char *msg = sqlite3_errmsg(db);
    cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sql, msg);
    sqlite3_finalize(st);
}

/* The rowids of `table` matching expr, ascending and space-separated
 * ("" when none).  An SQLite error fails the test, naming expr. */
static inline char *match_rowids(sqlite3 *db, const char *table,
                                 const char *expr)
{
    struct buf sql = {0};
    buf_printf(&sql, "SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY rowid",
               table, table);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql.s, -1, &st, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    buf_free(&sql);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
    struct buf out = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        buf_printf(&out, "%s%lld", out.len ? " " : "",
                   (long long)sqlite3_column_int64(st, 0));
    cr_assert_eq(rc, SQLITE_DONE, "MATCH '%s': %s", expr, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return buf_take(&out);
}

/* Asserts that MATCH expr on table gives exactly the rowids in want. */
#define assert_match(db, table, expr, want)                                    \
    do {                                                                       \
        char *got_ = match_rowids((db), (table), (expr));                      \
        cr_expect_str_eq(got_, (want), "MATCH '%s' gave rows [%s], want [%s]", \
                         (expr), got_, (want));                                \
        free(got_);                                                            \
    } while (0)

#endif
