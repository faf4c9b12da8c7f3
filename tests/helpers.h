/*
 * helpers.h - small helpers shared by the Criterion suites: temporary
 * folders, in-memory FTS5 tables tokenised by `morgue`, and MATCH queries
 * whose results come back as a string of rowids ("1 3") so that a test
 * reads as the user's view of a search.
 *
 * Also: the files of a corpus folder as morgue-index walks it, and its
 * articles stored the way morgue-index stores them (cleaned, fingerprinted,
 * with entities when asked), a chosen part of them at a time, so that a
 * suite can build an index in several sessions.
 *
 * And a sink that collects what a parser gives it (struct sink_got).
 *
 * Everything is `static inline` so that a suite which uses only part of it
 * builds without unused-function warnings.
 */
#ifndef MORGUE_TEST_HELPERS_H
#define MORGUE_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "ingest.h"
#include "store.h"
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

/* The gzip-compressed form of data (one member, as gzip(1) writes it);
 * *len gets its size; caller frees. */
static inline unsigned char *gzip_bytes(const char *data, size_t n, size_t *len)
{
    z_stream z = {0};
    cr_assert_eq(
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n);
    unsigned char *out = mg_malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *len = z.total_out;
    deflateEnd(&z);
    return out;
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

/* ---- indexes built from corpus files ---------------------------------- */

static inline void corpus_walk(const char *dir, char ***v, int *n, int *cap)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot read the folder %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (ingest_passed_over(e->d_name))
            continue;
        char *path = path_in(dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            corpus_walk(path, v, n, cap);
            free(path);
        } else if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (*n == *cap)
                *v = mg_realloc(*v, sizeof **v *
                                        (size_t)(*cap = *cap ? *cap * 2 : 16));
            (*v)[(*n)++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static inline int corpus_path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files under dir that morgue-index reads, in path order (the order
 * their articles are numbered in by corpus_feed), *n of them, or NULL
 * and 0 when dir is missing and missing_ok; free with corpus_files_free. */
static inline char **corpus_files(const char *dir, int missing_ok, int *n)
{
    char **v = NULL;
    int cap = 0;
    *n = 0;
    struct stat sb;
    if (missing_ok && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        return NULL;
    corpus_walk(dir, &v, n, &cap);
    if (*n > 1)
        qsort(v, (size_t)*n, sizeof *v, corpus_path_cmp);
    return v;
}

static inline void corpus_files_free(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Opens the index at path, failing the test with the message when it
 * cannot. */
static inline struct store *open_store(const char *path, enum store_mode mode)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, mode, &st, &err), 0, "store_open %s: %s",
                 path, err.msg);
    return st;
}

/* Ends st's session (store_finish), failing the test when it cannot. */
static inline void finish(struct store *st)
{
    struct mg_err err = {""};
    cr_assert_eq(store_finish(st, &err), 0, "store_finish: %s", err.msg);
}

/* A part of a corpus's articles going into a store: the articles are
 * numbered from 0 in the order the files (corpus_files) give them, and
 * those picked are cleaned, fingerprinted (title and body, as
 * morgue-index does), given their entities when gaz is set, and stored
 * with store_put() under a record of their file, in transactions of at
 * most 1,000 articles.  The caller ends the session (store_finish) or
 * not. */
struct corpus_feed {
    struct store *st;
    struct gazetteer *gaz; /* NULL: no entities */
    int64_t from, upto;    /* the articles stored when pick is NULL */
    /* else: whether to store article i, which it may change first */
    int (*pick)(void *ctx, int64_t i, struct article *a);
    void *pick_ctx;
    int64_t seen;    /* articles read */
    int64_t stored;  /* given to store_put */
    int64_t changed; /* ... that replaced a stored version */
    int64_t in_batch;
};

static inline int corpus_feed_article(void *ctx, struct article *a)
{
    struct corpus_feed *f = ctx;
    int64_t i = f->seen++;
    if (f->pick ? !f->pick(f->pick_ctx, i, a) : i < f->from || i >= f->upto)
        return 0;
    struct mg_err err = {""};
    clean_article(a, NULL, NULL);
    struct buf fp = {0};
    buf_printf(&fp, "%s\n%s", a->title ? a->title : "", a->body ? a->body : "");
    a->simhash = fp_simhash(fp.s);
    buf_free(&fp);
    struct ent_set es;
    memset(&es, 0, sizeof es);
    if (f->gaz) {
        ent_extract(f->gaz, a, &es);
        free(a->entities);
        a->entities = ent_names(&es);
    }
    if (f->in_batch == 0)
        cr_assert_eq(store_begin(f->st, &err), 0, "%s", err.msg);
    int rc = store_put(f->st, a, NULL, &err);
    cr_assert_geq(rc, 0, "store_put %s: %s", a->uid, err.msg);
    if (f->gaz && rc != STORE_UNCHANGED)
        cr_assert_eq(store_put_entities(f->st, &es, &err), 0, "%s", err.msg);
    ent_set_free(&es);
    f->stored++;
    f->changed += rc == STORE_CHANGED;
    if (++f->in_batch == 1000) {
        cr_assert_eq(store_commit(f->st, &err), 0, "%s", err.msg);
        f->in_batch = 0;
    }
    return 0;
}

static inline void corpus_feed_warning(void *ctx, const char *msg)
{
    (void)ctx, (void)msg; /* bad records are the parsers' tests' business */
}

/* Reads files[0..n) into f->st as f says, each file's articles marked
 * as read from it (store_file_put, store_set_file), and commits. */
static inline void corpus_feed_files(struct corpus_feed *f, char **files, int n)
{
    struct mg_err err = {""};
    for (int k = 0; k < n; k++) {
        if (!f->pick && f->seen >= f->upto)
            break;
        struct store_file rec;
        int got = store_file_get(f->st, files[k], &rec, &err);
        cr_assert_geq(got, 0, "%s", err.msg);
        if (!got) {
            if (f->in_batch == 0) {
                cr_assert_eq(store_begin(f->st, &err), 0, "%s", err.msg);
                f->in_batch = 1; /* an open transaction */
            }
            cr_assert_eq(store_file_put(f->st, files[k], &rec, &err), 0, "%s",
                         err.msg);
        }
        store_set_file(f->st, rec.id, files[k]);
        struct fmt_sink sink = {corpus_feed_article, corpus_feed_warning, f};
        cr_assert_geq(fmt_parse_file(files[k], files[k], &sink, &err), 0,
                      "%s: %s", files[k], err.msg);
    }
    if (f->in_batch)
        cr_assert_eq(store_commit(f->st, &err), 0, "%s", err.msg);
    f->in_batch = 0;
    store_set_file(f->st, 0, NULL);
}

/* ---- what a parser gives to a sink ------------------------------------ */

/* What a parse gave to a struct fmt_sink: copies of the articles (the
 * parser clears its own after each call), in the order given, and the
 * warnings, one per line.  Make one with sink_got_new(), set the options,
 * hand sink_got_sink() to the parser, free with sink_got_free(). */
struct sink_got {
    struct article *a;
    int n, cap;
    struct buf warnings; /* "" when none; each ends with "\n" */
    int nwarnings;
    int stop_after; /* the sink says stop after this many; 0: never */
    int clean;      /* clean_article() each article before copying it */
};

/* A deep copy of s into d (d's own fields are not freed). */
static inline void sink_got_copy(struct article *d, const struct article *s)
{
    memset(d, 0, sizeof *d);
    d->uid = mg_strdup(s->uid);
    d->uid_kind = s->uid_kind;
    d->title = mg_strdup(s->title);
    d->lede = mg_strdup(s->lede);
    d->body = mg_strdup(s->body);
    d->captions = mg_strdup(s->captions);
    d->highlights = mg_strdup(s->highlights);
    d->entities = mg_strdup(s->entities);
    d->date = mg_strdup(s->date);
    d->source = mg_strdup(s->source);
    d->url = mg_strdup(s->url);
    d->byline = mg_strdup(s->byline);
    d->section = mg_strdup(s->section);
    d->dateline = mg_strdup(s->dateline);
    d->language = mg_strdup(s->language);
    d->description = mg_strdup(s->description);
    d->path = mg_strdup(s->path);
    d->simhash = s->simhash;
}

static inline int sink_got_article(void *ctx, struct article *a)
{
    struct sink_got *g = ctx;
    if (g->clean)
        clean_article(a, NULL, NULL);
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->a = mg_realloc(g->a, (size_t)g->cap * sizeof *g->a);
    }
    sink_got_copy(&g->a[g->n++], a);
    return g->stop_after && g->n >= g->stop_after;
}

/* A warning must be one line (it is printed as one). */
static inline void sink_got_warning(void *ctx, const char *msg)
{
    struct sink_got *g = ctx;
    cr_expect_null(strchr(msg, '\n'), "a warning is one line: %s", msg);
    buf_printf(&g->warnings, "%s\n", msg);
    g->nwarnings++;
}

/* An empty collector; free with sink_got_free(). */
static inline struct sink_got *sink_got_new(void)
{
    struct sink_got *g = mg_calloc(1, sizeof *g);
    buf_adds(&g->warnings, "");
    return g;
}

/* The sink that fills g. */
static inline struct fmt_sink sink_got_sink(struct sink_got *g)
{
    struct fmt_sink sink = {sink_got_article, sink_got_warning, g};
    return sink;
}

/* Frees g and the articles still in it; takes NULL. */
static inline void sink_got_free(struct sink_got *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++)
        article_clear(&g->a[i]);
    free(g->a);
    buf_free(&g->warnings);
    free(g);
}

/* Expects article a's field to be want, or NULL for NULL (the parsers'
 * suites). */
#define expect_article_field(a, field, want)                                   \
    do {                                                                       \
        const char *w_ = (want);                                               \
        if (w_)                                                                \
            cr_expect_str_eq((a)->field ? (a)->field : "(null)", w_, #field);  \
        else                                                                   \
            cr_expect_null((a)->field, #field " is \"%s\", want NULL",         \
                           (a)->field);                                        \
    } while (0)

#endif
