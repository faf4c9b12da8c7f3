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

#include "ingest.h"


static void usage(FILE *f)
{
    fputs(
        "usage: morgue-index [--db FILE] [--boilerplate FILE] [--no-entities]\n"
        "                    [--timing] [--verify] [--prune] [--rebuild] [--quiet]\n"
        "                    [--jobs N]\n"
        "                    PATH...\n"
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
        "  --jobs N           threads cleaning articles and finding their\n"
        "                     entities while this one stores them (default:\n"
        "                     the number of CPUs; 1: all in this thread)\n"
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
        "  --rebuild          build a whole new index from the PATHs beside\n"
        "                     the live one and swap it in at the end (after\n"
        "                     a tokenizer or schema change); searches go on\n"
        "  --wait SECONDS     wait so long for another morgue-index writing\n"
        "                     to the same index (default: exit 4 at once)\n"
        "  -v, --verbose      also a line for each file that changed\n"
        "  --log FILE         append time-stamped lines to FILE: the start,\n"
        "                     each skipped or failed input, the summary\n"
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
    double until = mg_now() + wait;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            fprintf(stderr, "morgue-index: %s: cannot lock: %s\n", path.s,
                    strerror(errno));
            close(fd);
            buf_free(&path);
            return -1;
        }
        if (mg_now() >= until || ingest_stopped()) {
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

/* --rebuild: copies the index built at built over the live one with
 * SQLite's online backup, in one write transaction of the live file, so
 * that a search sees the old index or the new one, never a mix, and no
 * file is renamed under a reader's -wal and -shm. */
static int swap_in(const char *built, const char *live)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(built, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(live, &dst,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(dst, 60000);
        sqlite3_exec(dst, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        if (!b) {
            rc = sqlite3_errcode(dst);
        } else {
            do {
                rc = sqlite3_backup_step(b, -1);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(100);
            } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            int frc = sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE)
                rc = frc;
        }
    }
    if (rc != SQLITE_OK)
        fprintf(stderr, "morgue-index: %s: cannot swap in the rebuilt index "
                        "(%s); the old index is unchanged, the new one is in "
                        "%s\n",
                live, sqlite3_errmsg(dst ? dst : src), built);
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Removes path and its -wal and -shm files. */
static void remove_db(const char *path)
{
    static const char *const SUFFIX[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        struct buf b = {0};
        buf_printf(&b, "%s%s", path, SUFFIX[i]);
        unlink(b.s);
        buf_free(&b);
    }
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
        {"jobs", required_argument, NULL, 'J'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"verify", no_argument, NULL, 'Y'},
        {"prune", no_argument, NULL, 'P'},
        {"wait", required_argument, NULL, 'W'},
        {"rebuild", no_argument, NULL, 'R'},
        {"verbose", no_argument, NULL, 'v'},
        {"log", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct run r = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    r.jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus;
    r.rules = clean_rules_new();
    r.gaz = gaz_load();
    int c, status = 0, lock = -1, mode = 0, rebuild = 0;
    const char *live = NULL;
    struct buf built = {0};
    double wait = 0;
    while ((c = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
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
        case 'J':
            if (mg_parse_int("morgue-index", optarg, "--jobs", 1, 64,
                             &r.jobs) < 0) {
                status = 2;
                goto out;
            }
            break;
        case 'j': r.json = 1; break;
        case 'q': r.quiet = 1; break;
        case 'Y': r.verify = 1; break;
        case 'P': r.prune = 1; break;
        case 'R': rebuild = 1; break;
        case 'v': r.verbose = 1; break;
        case 'l':
            if (r.log)
                fclose(r.log);
            r.log = fopen(optarg, "a");
            if (!r.log) {
                fprintf(stderr, "morgue-index: --log %s: %s\n", optarg,
                        strerror(errno));
                status = 2;
                goto out;
            }
            break;
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
    sa.sa_handler = ingest_stop;
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
    if (rebuild && !r.show) {
        /* a whole new index beside the live one, swapped in at the end */
        live = db;
        buf_printf(&built, "%s.rebuild", live);
        remove_db(built.s);
        db = built.s;
    }
    if (!r.show && store_open(db, STORE_WRITE, &r.store, &r.err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        status = 2;
        goto out;
    }
    double t0 = mg_now();
    r.progress = !r.show && !r.quiet && isatty(STDERR_FILENO);
    if (r.log && !r.show) {
        struct buf what = {0};
        for (int i = optind; i < argc; i++)
            buf_printf(&what, " %s", argv[i]);
        ingest_say(&r, NULL, "%s into %s:%s", rebuild ? "rebuilding" : "indexing",
                   live ? live : db, what.s);
        buf_free(&what);
    }
    ingest_paths(&r, argv + optind, argc - optind);
    if (r.fatal) {
        ingest_say(&r, stderr, "%s", r.err.msg);
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
                   r.files_failed, r.files_gone, r.bad_records, mg_now() - t0,
                   (long long)total, db);
        ingest_say(&r, r.quiet ? NULL : stdout, "%s", sum.s);
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
        /* A run that wrote most of the index (the first, a rebuild)
         * leaves it in many segments, and every search statement seeks
         * each of its words in each: merged into one, a statement of 40
         * words costs 0.3 ms instead of 2.2 at 500,000 articles, for a
         * twentieth more of the run's time. */
        if (!ingest_stopped() && store_wrote_most(r.store) &&
            store_merge(r.store, &r.err) < 0) {
            fprintf(stderr, "morgue-index: %s\n", r.err.msg);
            status = 2;
            goto out;
        }
    }
    if (r.timing && !r.show) {
        double total = mg_now() - t0;
        /* With workers, cleaning and entities run beside this thread: the
         * rest of its time is reading, or waiting for them. */
        double here = r.t_store + r.t_store_entities + r.t_merge +
                      r.t_commit + r.t_wait + r.t_stats;
        if (r.jobs < 2)
            here += r.t_clean + r.t_extract;
        printf("morgue-index: time: %.2f s reading and parsing, %.2f s "
               "cleaning, %.2f s finding entities, %.2f s storing "
               "articles, %.2f s storing entities, %.2f s merging names, "
               "%.2f s committing, %.2f s word statistics",
               total - here, r.t_clean, r.t_extract, r.t_store,
               r.t_store_entities, r.t_merge, r.t_commit, r.t_stats);
        if (r.jobs >= 2)
            printf(" (cleaning and entities on %d workers, %.2f s waiting "
                   "for them)",
                   r.jobs, r.t_wait);
        printf("; %.2f s in all\n", total);
    }
    status = (r.files_skipped || r.files_failed || r.bad_records) ? 3 : 0;
    if (live && !ingest_stopped()) {
        /* the new index (merged above) replaces the old */
        store_close(r.store);
        r.store = NULL;
        if (swap_in(built.s, live) < 0) {
            status = 2;
            goto out;
        }
        remove_db(built.s);
        ingest_say(&r, r.quiet ? NULL : stdout, "rebuilt %s", live);
    } else if (live) {
        store_close(r.store);
        r.store = NULL;
        remove_db(built.s); /* the live index is untouched */
    }
    if (ingest_stopped()) {
        ingest_say(&r, stderr, "stopped by %s: what was read is committed; "
                               "the next run goes on from there",
                   ingest_stopped() == SIGTERM ? "SIGTERM" : "SIGINT");
        status = 5;
    }
out:
    if (lock >= 0)
        close(lock);
    ingest_free(&r);
    store_close(r.store);
    buf_free(&built);
    if (r.log)
        fclose(r.log);
    clean_rules_free(r.rules);
    gaz_free(r.gaz);
    return status;
}
