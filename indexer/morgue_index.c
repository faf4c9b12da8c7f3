/*
 * morgue_index.c - the morgue-index program: reads archive files into the
 * index, or shows what it would store (--show).  Exit status: 0 every
 * input went in, 2 usage or index error, 3 some files or records were
 * skipped or failed (each named on stderr), 4 another writer holds the
 * index, 5 stopped by a signal.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "store.h"
#include "strmap.h"

#define BATCH 1000        /* articles per transaction, at most */
#define BATCH_SECONDS 1.0 /* and seconds per transaction, at most */

/* SIGTERM or SIGINT: finish the batch, record nothing half-read, exit 5. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

struct run {
    struct store *store;       /* NULL with --show */
    struct clean_rules *rules;
    struct gazetteer *gaz;
    int quiet, show, json;
    int no_entities;           /* --no-entities */
    int timing;                /* --timing */
    /* seconds spent in each stage (--timing) */
    double t_clean, t_extract, t_store, t_store_entities, t_merge, t_commit;
    long files_indexed, files_unchanged, files_skipped, files_failed;
    long bad_records;
    long added, changed, unchanged;  /* articles */
    long file_changes;               /* articles added or changed in the
                                      * current file */
    long in_batch;
    double batch_start;              /* when the open transaction began */
    int tx;                          /* a transaction is open */
    int verify, prune;               /* --verify, --prune */
    int64_t removed;                 /* articles gone from their files */
    long files_gone;                 /* recorded files no longer there */
    struct strmap uids;              /* the uids the current file gave */
    struct strmap seen;              /* real paths of the files met */
    int fatal;
    struct mg_err err;
};

static void usage(FILE *f)
{
    fputs(
        "usage: morgue-index [--db FILE] [--boilerplate FILE] [--no-entities]\n"
        "                    [--timing] [--verify] [--prune] [--quiet] PATH...\n"
        "       morgue-index --show [--json] [--boilerplate FILE] PATH...\n"
        "       morgue-index [--db FILE] --check | --stats\n"
        "Reads the articles in each PATH (a file, a folder walked\n"
        "recursively, or - for standard input) into the index, replacing\n"
        "articles whose content changed and adding none twice.  Files\n"
        "indexed before are skipped unread when their size and time are\n"
        "unchanged; a changed file's articles that are no longer in it are\n"
        "removed.  With --show it prints the articles as they would be\n"
        "stored, and what cleaning removed and why, without touching any\n"
        "index.\n"
        "\n"
        "Formats (chosen by content, then extension; any of them may be\n"
        "gzip-compressed): plain text and CNN .story files, JSON Lines, JSON\n"
        "arrays and objects, CSV with a header row, HTML pages, NITF XML,\n"
        "Reuters-21578 SGML.  In folders, hidden files and README, LICENSE,\n"
        "COPYING, *.md and *.dtd files are passed over.\n"
        "\n"
        "  --db FILE          index file (default $MORGUE_DB, else "
        "./morgue.db)\n"
        "  --boilerplate FILE more boilerplate patterns, one per line "
        "(repeatable)\n"
        "  --no-entities      skip entity extraction (no people, places or\n"
        "                     organisations for these articles)\n"
        "  --timing           also print the time each stage took\n"
        "  --show             print the cleaned articles; index nothing\n"
        "  --json             with --show: one JSON object per line\n"
        "  --verify           read every known file again to compare its\n"
        "                     content hash, even when its size and time\n"
        "                     are unchanged\n"
        "  --prune            remove the articles of indexed files that are\n"
        "                     gone from the given folders\n"
        "  --check            check the index: SQLite's integrity_check and\n"
        "                     FTS5's integrity-check (exit 6: damaged)\n"
        "  --stats            what the index holds and what its last run did\n"
        "  --wait SECONDS     wait so long for another morgue-index writing\n"
        "                     to the same index (default: exit 4 at once)\n"
        "  -q, --quiet        print only errors\n"
        "  -h, --help         this help\n"
        "  --version          the version\n"
        "\n"
        "Exit status: 0 every input went in; 2 usage or index error;\n"
        "3 some files or records were skipped or failed (each named on\n"
        "stderr); 4 another morgue-index is writing to the index; 5\n"
        "stopped by SIGTERM or SIGINT (what was read is committed); 6\n"
        "--check found damage.\n",
        f);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_warn(void *ctx, const char *msg)
{
    struct run *r = ctx;
    r->bad_records++;
    fprintf(stderr, "morgue-index: %s (skipped)\n", msg);
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A "\n"-separated list as a JSON array of strings. */
static json_t *jlist(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n + (nl ? 1 : 0);
    }
    return a;
}

static json_t *jentities(const struct ent_set *es)
{
    json_t *arr = json_array();
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        json_t *m = json_array();
        for (int k = 0; k < e->nmentions; k++)
            json_array_append_new(m, json_string(e->mentions[k]));
        json_array_append_new(arr, json_pack("{s:s s:s s:o s:i}", "kind",
                                             ent_kind_name(e->kind),
                                             "canonical", e->canonical,
                                             "mentions", m, "count", e->count));
    }
    return arr;
}

static void show_json(const struct article *a, const struct clean_info *info,
                      const struct ent_set *es)
{
    json_t *removed = json_array();
    for (int i = 0; i < info->nnotes; i++)
        json_array_append_new(removed,
                              json_pack("{s:s s:s}", "why",
                                        info->notes[i].what, "text",
                                        info->notes[i].text));
    json_t *o = json_pack(
        "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}",
        "id", jstr(a->uid), "title", jstr(a->title), "date", jstr(a->date),
        "source", jstr(a->source), "url", jstr(a->url), "byline",
        jstr(a->byline), "section", jstr(a->section), "language",
        jstr(a->language), "dateline", jstr(a->dateline), "description",
        jstr(a->description), "path", jstr(a->path), "lede", jstr(a->lede),
        "body", jstr(a->body), "captions", jlist(a->captions), "highlights",
        jlist(a->highlights), "removed", removed);
    json_object_set_new(o, "entities", jentities(es));
    char *s = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    if (s)
        puts(s);
    free(s);
    json_decref(o);
}

static void show_field(const char *name, const char *v)
{
    printf("%-12s %s\n", name, v && *v ? v : "-");
}

static void show_list(const char *name, const char *v)
{
    printf("%s:\n", name);
    if (!v || !*v) {
        puts("  -");
        return;
    }
    for (const char *s = v; *s;) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        printf("  - %.*s\n", n, s);
        s += n + (nl ? 1 : 0);
    }
}

static void show_text(const struct article *a, const struct clean_info *info,
                      const struct ent_set *es)
{
    printf("=== %s\n", a->uid);
    show_field("title:", a->title);
    show_field("date:", a->date);
    show_field("source:", a->source);
    show_field("byline:", a->byline);
    show_field("url:", a->url);
    show_field("section:", a->section);
    show_field("dateline:", a->dateline);
    show_field("language:", a->language);
    show_field("path:", a->path);
    if (a->description)
        show_field("description:", a->description);
    show_field("lede:", a->lede);
    puts("body:");
    for (const char *s = a->body ? a->body : ""; *s;) {
        const char *e = strstr(s, "\n\n");
        int n = e ? (int)(e - s) : (int)strlen(s);
        printf("  %.*s\n\n", n, s);
        s += n + (e ? 2 : 0);
    }
    show_list("captions", a->captions);
    show_list("highlights", a->highlights);
    printf("removed:\n");
    if (!info->nnotes)
        puts("  -");
    for (int i = 0; i < info->nnotes; i++)
        printf("  - %s: %s\n", info->notes[i].what, info->notes[i].text);
    printf("entities:\n");
    if (!es->n)
        puts("  -");
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        printf("  - %-6s %s (%d", ent_kind_name(e->kind), e->canonical,
               e->count);
        for (int k = 0; k < e->nmentions; k++)
            printf("%s%s", k ? ", " : ": ", e->mentions[k]);
        /* kept only if the index knows a full name for it */
        puts(e->weak ? ") [family name only: resolved across the index]"
                     : ")");
    }
    putchar('\n');
}

static double now(void);

/* Opens the batch's transaction if none is open. */
static int open_tx(struct run *r)
{
    if (r->tx)
        return 0;
    if (store_begin(r->store, &r->err) < 0) {
        r->fatal = 1;
        return -1;
    }
    r->tx = 1;
    r->batch_start = now();
    return 0;
}

/* Commits the batch, if one is open. */
static int commit_tx(struct run *r)
{
    r->in_batch = 0;
    if (!r->tx)
        return 0;
    r->tx = 0;
    double tc = now();
    int rc = store_commit(r->store, &r->err);
    r->t_commit += now() - tc;
    if (rc < 0)
        r->fatal = 1;
    return rc;
}

/* The 64-bit FNV-1a hash of a whole file as 16 hex digits, read in
 * blocks; -1 when it can't be read. */
static int hash_file(const char *path, char out[17])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint64_t h = 1469598103934665603ULL;
    unsigned char block[65536];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            h ^= block[i];
            h *= 1099511628211ULL;
        }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return 0;
}

static int on_article(void *ctx, struct article *a)
{
    struct run *r = ctx;
    struct clean_info info;
    if (stop_signal)
        return 1; /* stop reading: the file is read again next time */
    double t0 = now();
    clean_article(a, r->rules, &info);
    /* the title too: a templated notice ("Qtly div 22 cts vs 22 cts")
     * is told apart by the company it names */
    struct buf fp_text = {0};
    buf_printf(&fp_text, "%s\n%s", a->title ? a->title : "",
               a->body ? a->body : "");
    a->simhash = fp_simhash(fp_text.s);
    buf_free(&fp_text);
    double t1 = now();
    r->t_clean += t1 - t0;
    struct ent_set es = {0};
    if (!r->no_entities) {
        ent_extract(r->gaz, a, &es);
        free(a->entities);
        a->entities = ent_names(&es);
        r->t_extract += now() - t1;
    }
    if (r->show) {
        if (r->json)
            show_json(a, &info, &es);
        else
            show_text(a, &info, &es);
        clean_info_free(&info);
        ent_set_free(&es);
        return 0;
    }
    clean_info_free(&info);
    if (open_tx(r) < 0)
        return 1;
    *strmap_slot(&r->uids, a->uid, 1) = 1;
    double t2 = now();
    int rc = store_put(r->store, a, &r->err);
    double t3 = now();
    r->t_store += t3 - t2;
    if (rc >= 0 && rc != STORE_UNCHANGED && !r->no_entities) {
        if (store_put_entities(r->store, &es, &r->err) < 0)
            rc = -1;
        r->t_store_entities += now() - t3;
    }
    ent_set_free(&es);
    if (rc < 0) {
        r->fatal = 1;
        return 1;
    }
    if (rc == STORE_ADDED)
        r->added++, r->file_changes++;
    else if (rc == STORE_CHANGED)
        r->changed++, r->file_changes++;
    else
        r->unchanged++;
    if ((++r->in_batch >= BATCH || now() - r->batch_start >= BATCH_SECONDS) &&
        commit_tx(r) < 0)
        return 1;
    return 0;
}

static void index_file(struct run *r, const char *path,
                       const struct stat *sb)
{
    struct fmt_sink sink = {on_article, on_warn, r};
    struct mg_err err = {""};
    char real[PATH_MAX];
    const char *base = strcmp(path, "-") == 0 ? "stdin"
                       : realpath(path, real) ? real
                                              : path;
    r->file_changes = 0;
    /* A file the index already holds, as it was: skipped unread when its
     * size and time are the same (unless --verify), else when its
     * content hash is. */
    struct store_file f = {0};
    int tracked = r->store && sb && base == real;
    if (tracked) {
        *strmap_slot(&r->seen, base, 1) = 1;
        int found = store_file_get(r->store, base, &f, &r->err);
        if (found < 0) {
            r->fatal = 1;
            return;
        }
        int64_t mtime = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
                        sb->st_mtim.tv_nsec;
        int same_stat = found && f.hash[0] && f.size == (int64_t)sb->st_size &&
                        f.mtime == mtime;
        if (same_stat && !r->verify) {
            r->files_unchanged++;
            r->unchanged += f.articles;
            return;
        }
        char hash[17] = "";
        if (hash_file(path, hash) == 0 && found && f.hash[0] &&
            strcmp(hash, f.hash) == 0) {
            if (!same_stat) { /* touched, not changed */
                f.size = sb->st_size;
                f.mtime = mtime;
                if (open_tx(r) < 0 ||
                    store_file_put(r->store, base, &f, &r->err) < 0) {
                    r->fatal = 1;
                    return;
                }
            }
            r->files_unchanged++;
            r->unchanged += f.articles;
            return;
        }
        /* Recorded before reading, with no hash yet: a run killed half
         * way through the file reads it again next time. */
        if (!f.id) {
            f.size = sb->st_size;
            f.mtime = mtime;
            if (open_tx(r) < 0 ||
                store_file_put(r->store, base, &f, &r->err) < 0) {
                r->fatal = 1;
                return;
            }
        }
        store_set_file(r->store, f.id);
        f.size = sb->st_size;
        f.mtime = mtime;
        memcpy(f.hash, hash, sizeof f.hash);
    }
    strmap_free(&r->uids);
    long before = r->added + r->changed + r->unchanged;
    int64_t removed = r->removed;
    int rc = fmt_parse_file(path, base, &sink, &err);
    if (r->store)
        store_set_file(r->store, 0);
    if (r->fatal || stop_signal)
        return;
    if (tracked && rc >= 0) {
        /* what the file no longer holds goes; then the file is recorded
         * as read, in the batch that holds its last articles */
        f.articles = r->added + r->changed + r->unchanged - before;
        if (rc == FMT_SKIPPED)
            f.articles = 0;
        if (open_tx(r) < 0 ||
            store_file_drop(r->store, f.id, rc == FMT_SKIPPED ? NULL : &r->uids,
                            &r->removed, &r->err) < 0 ||
            store_file_put(r->store, base, &f, &r->err) < 0) {
            r->fatal = 1;
            return;
        }
    }
    if (rc == FMT_SKIPPED) {
        r->files_skipped++;
        fprintf(stderr, "morgue-index: %s (skipped)\n", err.msg);
    } else if (rc < 0) {
        r->files_failed++;
        fprintf(stderr, "morgue-index: %s (failed)\n", err.msg);
    } else if (rc > 0 && r->file_changes == 0 && r->removed == removed) {
        r->files_unchanged++;
    } else {
        r->files_indexed++;
    }
}

/* Files a folder walk passes over: hidden ones and collection notes. */
static int passed_over(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || strncasecmp(name, "README", 6) == 0 ||
           strncasecmp(name, "LICENSE", 7) == 0 ||
           strncasecmp(name, "COPYING", 7) == 0 ||
           (n > 3 && strcasecmp(name + n - 3, ".md") == 0) ||
           (n > 4 && strcasecmp(name + n - 4, ".dtd") == 0);
}

static void index_path(struct run *r, const char *path, int depth)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        index_file(r, path, NULL);
        return;
    }
    if (stat(path, &st) < 0) {
        r->files_failed++;
        fprintf(stderr, "morgue-index: %s: %s (failed)\n", path,
                strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            r->files_skipped++;
            fprintf(stderr, "morgue-index: %s: not a regular file (skipped)\n",
                    path);
            return;
        }
        index_file(r, path, &st);
        return;
    }
    if (depth > 64) {
        fprintf(stderr, "morgue-index: %s: folders nested too deep (skipped)\n",
                path);
        r->files_skipped++;
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        r->files_failed++;
        fprintf(stderr, "morgue-index: %s: %s (failed)\n", path,
                strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!r->fatal && !stop_signal && !passed_over(names[i]->d_name)) {
            struct buf p = {0};
            buf_printf(&p, "%s%s%s", path,
                       path[strlen(path) - 1] == '/' ? "" : "/",
                       names[i]->d_name);
            index_path(r, p.s, depth + 1);
            buf_free(&p);
        }
        free(names[i]);
    }
    free(names);
}

/* Recorded files under one of roots (real paths) that this run did not
 * meet and that are gone from the disk: with --prune their articles are
 * removed and they are forgotten; else only counted. */
static int prune_gone(struct run *r, char **roots, int nroots)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store_db(r->store), "SELECT id, path FROM files",
                           -1, &st, NULL) != SQLITE_OK)
        return mg_fail(&r->err, "%s: %s", store_path(r->store),
                       sqlite3_errmsg(store_db(r->store)));
    int64_t *gone = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 1);
        if (!path || strmap_get(&r->seen, path) >= 0)
            continue;
        int under = 0;
        for (int i = 0; i < nroots && !under; i++) {
            size_t k = strlen(roots[i]);
            under = strncmp(path, roots[i], k) == 0 &&
                    (path[k] == '/' || path[k] == 0 ||
                     (k && roots[i][k - 1] == '/'));
        }
        struct stat sb;
        if (!under || stat(path, &sb) == 0 || errno != ENOENT)
            continue;
        if (n == cap)
            gone = mg_realloc(gone, sizeof *gone * (cap = cap ? 2 * cap : 16));
        gone[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(gone);
        return mg_fail(&r->err, "%s: %s", store_path(r->store),
                       sqlite3_errmsg(store_db(r->store)));
    }
    r->files_gone = (long)n;
    for (size_t i = 0; i < n && r->prune; i++)
        if (open_tx(r) < 0 ||
            store_file_forget(r->store, gone[i], &r->removed, &r->err) < 0) {
            free(gone);
            return -1;
        }
    free(gone);
    return 0;
}

/* Takes the index's writer lock, DB.lock, held until the process ends
 * (flock: the kernel releases it when the process dies, however it dies).
 * Waits up to wait seconds for another morgue-index to finish.  Returns
 * the lock's descriptor, -1 on an error (message printed) or -4 when
 * another writer holds it past the wait. */
static int take_lock(const char *db, double wait)
{
    struct buf path = {0};
    buf_printf(&path, "%s.lock", db);
    int fd = open(path.s, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "morgue-index: %s: cannot create the lock: %s\n",
                path.s, strerror(errno));
        buf_free(&path);
        return -1;
    }
    double until = now() + wait;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            fprintf(stderr, "morgue-index: %s: cannot lock: %s\n", path.s,
                    strerror(errno));
            close(fd);
            buf_free(&path);
            return -1;
        }
        if (now() >= until || stop_signal) {
            fprintf(stderr,
                    "morgue-index: %s: another morgue-index is writing to "
                    "this index%s (--wait SECONDS waits for it)\n",
                    db, wait > 0 ? ", still after the wait" : "");
            close(fd);
            buf_free(&path);
            return -4;
        }
        struct timespec ts = {0, 100000000}; /* 0.1 s */
        nanosleep(&ts, NULL);
    }
    buf_free(&path);
    return fd;
}

/* Runs one SQL statement whose rows are single texts; prints each with
 * prefix.  Returns the number of rows, -1 on an error (in err). */
static int print_rows(sqlite3 *db, const char *sql, const char *prefix,
                      struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return mg_fail(err, "%s", sqlite3_errmsg(db));
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        printf("%s%s\n", prefix, t ? (const char *)t : "");
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mg_fail(err, "%s", sqlite3_errmsg(db));
    return n;
}

/* --check: SQLite's integrity check of the whole file, then FTS5's of the
 * full-text index against the articles.  Returns 0 when both pass, 6
 * when one finds damage, 2 when they can't run. */
static int check_index(const char *db)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    /* FTS5's check is an INSERT: it needs a connection that may write */
    if (access(db, F_OK) != 0 ||
        store_open(db, STORE_WRITE, &st, &err) < 0) {
        if (!err.msg[0])
            mg_fail(&err, "%s: no index here", db);
        fprintf(stderr, "morgue-index: %s\n", err.msg);
        return 2;
    }
    sqlite3 *h = store_db(st);
    int status = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL);
    int ok = 0, lines = 0;
    while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        ok = lines++ == 0 && t && strcmp(t, "ok") == 0;
        if (!ok)
            printf("morgue-index: %s: integrity_check: %s\n", db,
                   t ? t : "?");
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "morgue-index: %s: %s\n", db, sqlite3_errmsg(h));
        store_close(st);
        return 2;
    }
    printf("morgue-index: %s: SQLite integrity_check: %s\n", db,
           ok ? "ok" : "FAILED");
    if (!ok)
        status = 6;
    /* the full-text index against its content (rank 1: the articles
     * table too) */
    char *msg = NULL;
    rc = sqlite3_exec(h,
                      "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)",
                      NULL, NULL, &msg);
    if (rc == SQLITE_OK) {
        printf("morgue-index: %s: FTS5 integrity-check: ok\n", db);
    } else if ((rc & 0xff) == SQLITE_CORRUPT) {
        printf("morgue-index: %s: FTS5 integrity-check: FAILED (%s)\n", db,
               msg ? msg : sqlite3_errmsg(h));
        status = 6;
    } else {
        fprintf(stderr, "morgue-index: %s: FTS5 integrity-check: %s\n", db,
                msg ? msg : sqlite3_errmsg(h));
        if (!status)
            status = 2;
    }
    sqlite3_free(msg);
    store_close(st);
    return status;
}

/* --stats: what the index holds and what its last run did. */
static int print_stats(const char *db)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    if (store_open(db, STORE_READ, &st, &err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", err.msg);
        return 2;
    }
    sqlite3 *h = store_db(st);
    struct stat sb;
    long long bytes = stat(db, &sb) == 0 ? (long long)sb.st_size : 0;
    struct buf wal = {0};
    buf_printf(&wal, "%s-wal", db);
    long long wbytes = stat(wal.s, &sb) == 0 ? (long long)sb.st_size : 0;
    buf_free(&wal);
    printf("index:     %s, %.1f MB (+ %.1f MB write-ahead log)\n", db,
           bytes / 1e6, wbytes / 1e6);
    int rc = 0;
    static const char *const SQL[][2] = {
        {"articles:  ", "SELECT count(*) || ' (' || count(DISTINCT source) ||"
                        " ' sources; dated ' || ifnull(min(substr(date, 1, 10)),"
                        " '-') || ' to ' || ifnull(max(substr(date, 1, 10)),"
                        " '-') || ')' FROM articles"},
        {"  source   ", "SELECT ifnull(source, '(none)') || ': ' || count(*)"
                        " FROM articles GROUP BY source ORDER BY count(*) DESC"
                        " LIMIT 10"},
        {"entities:  ", "SELECT ifnull(sum(kind = 'person'), 0) || ' people, '"
                        " || ifnull(sum(kind = 'place'), 0) || ' places, ' ||"
                        " ifnull(sum(kind = 'org'), 0) || ' organisations'"
                        " FROM entities"},
        {"files:     ", "SELECT count(*) || ' (' || ifnull(sum(articles), 0) ||"
                        " ' articles; last read ' || ifnull(max(indexed), '-')"
                        " || ')' FROM files"},
        {"last run:  ", "SELECT value FROM meta WHERE key = 'last_run'"},
    };
    for (size_t i = 0; i < sizeof SQL / sizeof *SQL && rc >= 0; i++)
        rc = print_rows(h, SQL[i][1], SQL[i][0], &err);
    if (rc == 0)
        puts("last run:  (none recorded)");
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "morgue-index: %s: %s\n", db, err.msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"boilerplate", required_argument, NULL, 'b'},
        {"show", no_argument, NULL, 's'},
        {"check", no_argument, NULL, 'K'},
        {"stats", no_argument, NULL, 'S'},
        {"no-entities", no_argument, NULL, 'E'},
        {"timing", no_argument, NULL, 'T'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"verify", no_argument, NULL, 'Y'},
        {"prune", no_argument, NULL, 'P'},
        {"wait", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct run r = {0};
    r.rules = clean_rules_new();
    r.gaz = gaz_load();
    int c, status = 0, lock = -1, mode = 0;
    double wait = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'b':
            if (clean_rules_load(r.rules, optarg, &r.err) < 0) {
                fprintf(stderr, "morgue-index: %s\n", r.err.msg);
                status = 2;
                goto out;
            }
            break;
        case 's': r.show = 1; break;
        case 'K': mode = 'K'; break;
        case 'S': mode = 'S'; break;
        case 'E': r.no_entities = 1; break;
        case 'T': r.timing = 1; break;
        case 'j': r.json = 1; break;
        case 'q': r.quiet = 1; break;
        case 'Y': r.verify = 1; break;
        case 'P': r.prune = 1; break;
        case 'W': {
            char *end;
            wait = strtod(optarg, &end);
            if (!*optarg || *end || !(wait >= 0 && wait <= 86400)) {
                fprintf(stderr, "morgue-index: --wait must be seconds from 0 "
                                "to 86400, not \"%s\"\n",
                        optarg);
                status = 2;
                goto out;
            }
            break;
        }
        case 'h': usage(stdout); goto out;
        case 'V': puts("morgue-index " MORGUE_VERSION); goto out;
        default:
            fputs("Try 'morgue-index --help'.\n", stderr);
            status = 2;
            goto out;
        }
    }
    if (mode) {
        if (optind < argc) {
            fprintf(stderr, "morgue-index: --%s takes no PATH\n",
                    mode == 'K' ? "check" : "stats");
            status = 2;
        } else {
            status = mode == 'K' ? check_index(store_default_path(db))
                                 : print_stats(store_default_path(db));
        }
        goto out;
    }
    if (optind >= argc) {
        fputs("morgue-index: no PATH given (try morgue-index --help)\n",
              stderr);
        status = 2;
        goto out;
    }
    if (r.json && !r.show) {
        fputs("morgue-index: --json goes with --show\n", stderr);
        status = 2;
        goto out;
    }
    db = store_default_path(db);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (!r.show) {
        lock = take_lock(db, wait);
        if (lock < 0) {
            status = lock == -4 ? 4 : 2;
            goto out;
        }
    }
    if (!r.show && store_open(db, STORE_WRITE, &r.store, &r.err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        status = 2;
        goto out;
    }
    double t0 = now();
    for (int i = optind; i < argc && !r.fatal && !stop_signal; i++)
        index_path(&r, argv[i], 0);
    if (!r.fatal && !r.show && !stop_signal) {
        /* the real paths of the folders and files given, for --prune */
        char **roots = mg_calloc((size_t)(argc - optind) + 1, sizeof *roots);
        int nroots = 0;
        for (int i = optind; i < argc; i++) {
            char real[PATH_MAX];
            if (strcmp(argv[i], "-") != 0 && realpath(argv[i], real))
                roots[nroots++] = mg_strdup(real);
            else if (strcmp(argv[i], "-") != 0 && argv[i][0] == '/')
                roots[nroots++] = mg_strdup(argv[i]); /* gone itself */
        }
        if (prune_gone(&r, roots, nroots) < 0)
            r.fatal = 1;
        for (int i = 0; i < nroots; i++)
            free(roots[i]);
        free(roots);
    }
    if (!r.fatal && !r.show)
        commit_tx(&r);
    /* Lone family names join their full names across the index. */
    double tm = now();
    if (!r.fatal && !r.show && !r.no_entities && (r.added || r.changed) &&
        (store_begin(r.store, &r.err) < 0 ||
         ent_merge_surnames(r.store, &r.err) < 0 ||
         store_commit(r.store, &r.err) < 0))
        r.fatal = 1;
    r.t_merge = now() - tm;
    if (r.fatal) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        status = 2;
        goto out;
    }
    if (!r.show) {
        int64_t total = store_count(r.store);
        struct buf sum = {0};
        buf_printf(&sum,
                   "%ld new, %ld changed, %ld unchanged, %lld removed "
                   "articles; files: %ld indexed, %ld unchanged, %ld "
                   "skipped, %ld failed, %ld gone; %ld bad records; %.1f s; "
                   "%lld articles in %s",
                   r.added, r.changed, r.unchanged, (long long)r.removed,
                   r.files_indexed, r.files_unchanged, r.files_skipped,
                   r.files_failed, r.files_gone, r.bad_records, now() - t0,
                   (long long)total, db);
        if (!r.quiet)
            printf("morgue-index: %s\n", sum.s);
        if (r.files_gone && !r.prune && !r.quiet)
            printf("morgue-index: %ld indexed files are gone from the disk; "
                   "--prune removes their articles\n",
                   r.files_gone);
        /* what this run did, for --stats */
        sqlite3_stmt *m = NULL;
        if (sqlite3_prepare_v2(store_db(r.store),
                               "INSERT OR REPLACE INTO meta VALUES('last_run',"
                               " strftime('%Y-%m-%dT%H:%M:%SZ','now') || ' ' ||"
                               " ?1)",
                               -1, &m, NULL) == SQLITE_OK) {
            sqlite3_bind_text(m, 1, sum.s, -1, SQLITE_STATIC);
            sqlite3_step(m);
        }
        sqlite3_finalize(m);
        buf_free(&sum);
    }
    if (r.timing && !r.show) {
        double total = now() - t0;
        double staged = r.t_clean + r.t_extract + r.t_store +
                        r.t_store_entities + r.t_merge;
        printf("morgue-index: time: %.2f s reading and parsing, %.2f s "
               "cleaning, %.2f s finding entities, %.2f s storing "
               "articles, %.2f s storing entities, %.2f s merging names, "
               "%.2f s committing; %.2f s in all\n",
               total - staged - r.t_commit, r.t_clean, r.t_extract,
               r.t_store, r.t_store_entities, r.t_merge, r.t_commit,
               total);
    }
    status = (r.files_skipped || r.files_failed || r.bad_records) ? 3 : 0;
    if (stop_signal) {
        fprintf(stderr, "morgue-index: stopped by %s: what was read is "
                        "committed; the next run goes on from there\n",
                stop_signal == SIGTERM ? "SIGTERM" : "SIGINT");
        status = 5;
    }
out:
    if (lock >= 0)
        close(lock);
    strmap_free(&r.uids);
    strmap_free(&r.seen);
    store_close(r.store);
    clean_rules_free(r.rules);
    gaz_free(r.gaz);
    return status;
}
