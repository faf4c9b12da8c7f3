/*
 * morgue_index.c - the morgue-index program: reads archive files into the
 * index, or shows what it would store (--show), and takes articles down.
 * Exit statuses: enum index_status (ingest.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "store.h"
#include "strmap.h"

#include "ingest.h"

/* The --help text: one string, as long as the options are many. */
static void usage(FILE *f)
{
    fputs(
        "usage: morgue-index [--db FILE] [options] PATH...\n"
        "       morgue-index --show [--json] [--boilerplate FILE] PATH...\n"
        "       morgue-index [--db FILE] --delete ID... | --unsuppress ID... |"
        " --suppressed\n"
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
        "An article's key is its source and its own id (\"AP:17\"), or,\n"
        "without a source, its file and id; without an id, its file (and\n"
        "place in it).  When two files give the same key, the one whose\n"
        "path sorts last keeps it.  Standard input is keyed by --source\n"
        "(each run replacing that feed) or, without it, by content.\n"
        "\n"
        "Formats (chosen by content, then extension; any of them may be\n"
        "gzip-compressed): plain text and CNN .story files, JSON Lines, JSON\n"
        "arrays and objects, CSV with a header row, HTML pages, NITF XML,\n"
        "Reuters-21578 SGML.  In folders, hidden files and README, LICENSE,\n"
        "COPYING, *.md and *.dtd files are passed over, and each folder is\n"
        "walked once however many links lead to it.\n"
        "\n"
        "  --db FILE          index file (default $MORGUE_DB, else "
        "./morgue.db)\n"
        "  --boilerplate FILE more boilerplate patterns, one per line "
        "(repeatable)\n"
        "  --no-entities      skip entity extraction (no people, places or\n"
        "                     organisations for these articles)\n"
        "  --source NAME      the source of articles that name none (and the\n"
        "                     name of a standard-input feed)\n"
        "  --section NAME     the section of articles that name none\n"
        "  --date-order dmy|mdy|auto  how 03/04/1987 is read: 3 April (dmy),\n"
        "                     4 March (mdy); auto (the default) is day\n"
        "                     first, month first when only that reads\n"
        "                     (04/13/1987).  Kept in the index for later\n"
        "                     runs; another order needs --rebuild\n"
        "  --section-from-folder  the section of an article that names none\n"
        "                     is the folder it is in, below the PATH given\n"
        "  --include GLOB     read only files matching GLOB (repeatable; a\n"
        "                     GLOB with a / matches the path below PATH)\n"
        "  --exclude GLOB     pass over files and folders matching GLOB\n"
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
        "                     gone from the given folders; refused for a\n"
        "                     folder that is missing, empty, or would lose\n"
        "                     more than --prune-max of its articles\n"
        "  --prune-max PCT    the most --prune may remove, in percent of a\n"
        "                     folder's articles (default 20; 100: no limit)\n"
        "  --dry-run          print what the run would add, update and\n"
        "                     delete (\"add KEY\", ...), and change nothing\n"
        "  --delete ID...     take articles down: delete them and keep\n"
        "                     their keys on a list no later run stores again\n"
        "  --unsuppress ID... take keys off that list (their files are read\n"
        "                     again by the next run)\n"
        "  --suppressed       print the list: key, when, file\n"
        "  --check            check the index: SQLite's integrity_check and\n"
        "                     FTS5's integrity-check (exit 6: damaged)\n"
        "  --stats            what the index holds and what its last run did\n"
        "  --engine NAME      fts5 (the default: one SQLite file) or xapian\n"
        "                     (--db names a directory; docs/scale-out.md)\n"
        "  --shards N         with --engine xapian: N shard databases,\n"
        "                     DIR/shard-0..N-1, and the cluster file\n"
        "                     DIR/cluster; fixed when the index is made\n"
        "  --rebuild          build a whole new index from the PATHs beside\n"
        "                     the live one and swap it in at the end (after\n"
        "                     a tokenizer or schema change); searches go on;\n"
        "                     the takedown list is kept\n"
        "  --wait SECONDS     wait so long for another morgue-index writing\n"
        "                     to the same index (default: exit 4 at once)\n"
        "  -v, --verbose      also a line for each file that changed\n"
        "  --log FILE         append time-stamped lines to FILE: the start,\n"
        "                     each skipped or failed input, the summary\n"
        "  --entity-model FILE  the entity tagger's model from FILE instead\n"
        "                     of the one built in (docs/entities.md)\n"
        "  --entity-features FILE  write each entity candidate's features\n"
        "                     to FILE, for training the tagger\n"
        "  -q, --quiet        print only errors\n"
        "  -h, --help         this help\n"
        "  --version          the version\n"
        "Options have two dashes: \"-json\" or \"-help\" is refused (exit 2);\n"
        "a file whose name starts with - goes after --.\n"
        "\n"
        "Exit status: 0 every input went in; 1 the index could not be\n"
        "opened, read or written; 2 a bad option or argument; 3 done, but\n"
        "files or records were skipped or failed, or two files gave one\n"
        "key (each named on stderr); 4 another morgue-index is writing to\n"
        "the index; 5 stopped by SIGTERM or SIGINT (what was read is\n"
        "committed); 6 --check found damage; 7 --prune refused a folder\n"
        "(nothing under it was removed).\n",
        f);
}

/* The engine (--engine: NULL for the index's own, else "fts5" or
 * "xapian") and the shards (--shards; 0: as the index was built) every
 * store_open_as of this run uses. */
static const char *engine;
static int shards;

/* Whether db is, or is to be, a Xapian index: a directory, to be locked
 * and opened as one (--engine xapian, or a directory holding its side
 * file).  Can't fail. */
static int is_xapian(const char *db)
{
    struct buf side = {0};
    buf_printf(&side, "%s/files.db", db);
    int is = (engine && strcmp(engine, "xapian") == 0) ||
             (!engine && access(side.s, F_OK) == 0);
    buf_free(&side);
    return is;
}

/* store_open_as with this run's --engine and --shards. */
static int open_index(const char *db, enum store_mode mode, struct store **st,
                      struct mg_err *err)
{
    return store_open_as(db, mode, engine, shards, st, err);
}

/* take_lock's flock on the file at path. */
static int lock_file(const char *db, double wait)
{
    int fd = open(db, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr,
                "morgue-index: %s: cannot open the index to lock "
                "it: %s\n",
                db, strerror(errno));
        return -INDEX_ERROR;
    }
    double until = mg_now() + wait;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            fprintf(stderr, "morgue-index: %s: cannot lock: %s\n", db,
                    strerror(errno));
            close(fd);
            return -INDEX_ERROR;
        }
        if (mg_now() >= until || ingest_stopped()) {
            fprintf(stderr,
                    "morgue-index: %s: another morgue-index is writing to "
                    "this index%s (--wait SECONDS waits for it)\n",
                    db, wait > 0 ? ", still after the wait" : "");
            close(fd);
            return -INDEX_LOCKED;
        }
        struct timespec ts = {0, 100000000}; /* 0.1 s */
        nanosleep(&ts, NULL);
    }
    return fd;
}

/* Takes the writer lock: an exclusive flock on the index file itself
 * (created empty when missing), so every path that reaches the file (a
 * link, another name) meets the same lock, held until the process ends
 * (the kernel releases it however the process dies).  Waits up to wait
 * seconds for another morgue-index to finish.  Returns the lock's
 * descriptor, -INDEX_ERROR (message printed) or -INDEX_LOCKED when
 * another writer holds it past the wait. */
static int take_lock(const char *db, double wait)
{
    struct buf side = {0};
    if (is_xapian(db)) {
        /* a directory: the lock is on its side file */
        if (mkdir(db, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "morgue-index: %s: cannot make it: %s\n", db,
                    strerror(errno));
            return -INDEX_ERROR;
        }
        buf_printf(&side, "%s/files.db", db);
        db = side.s;
    }
    int fd = lock_file(db, wait); /* side's path is printed on failure */
    buf_free(&side);
    return fd;
}

/* Prints a line of --check or --stats as "morgue-index: DB: LINE" (ctx:
 * the index's path). */
static void print_check(void *ctx, const char *line)
{
    printf("morgue-index: %s: %s\n", (const char *)ctx, line);
}

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    puts(line);
}

/* --check: SQLite's integrity check of the whole file, then FTS5's of the
 * full-text index against the articles.  Returns 0 when both pass, 6
 * when one finds damage, 2 when they can't run. */
static int check_index(const char *db)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    /* FTS5's check is an INSERT: it needs a connection that may write */
    if (access(db, F_OK) != 0 || open_index(db, STORE_WRITE, &st, &err) < 0) {
        if (!err.msg[0])
            mg_fail(&err, "%s: no index here", db);
        fprintf(stderr, "morgue-index: %s\n", err.msg);
        return INDEX_ERROR;
    }
    int rc = store_check(st, print_check, (void *)db, &err);
    if (err.msg[0])
        fprintf(stderr, "morgue-index: %s\n", err.msg);
    store_close(st);
    return rc > 0 ? INDEX_DAMAGED : rc < 0 ? INDEX_ERROR : 0;
}

/* The order numeric dates were read in for the index st: the meta
 * value numeric_dates ("dmy", "mdy"; "auto" when absent or unreadable:
 * an index of an older version, or none).  Can't fail. */
static enum date_order recorded_order(struct store *st)
{
    char *v = NULL;
    struct mg_err ignored;
    enum date_order order = DATE_ORDER_AUTO;
    if (st && store_meta_get(st, "numeric_dates", &v, &ignored) > 0 &&
        date_order_parse(v, &order) < 0)
        order = DATE_ORDER_AUTO;
    free(v);
    return order;
}

/* The bytes of the files under a directory (add_bytes, for nftw). */
static long long dir_bytes;
static int add_bytes(const char *path, const struct stat *sb, int type,
                     struct FTW *ftw)
{
    (void)path, (void)ftw;
    if (type == FTW_F)
        dir_bytes += (long long)sb->st_size;
    return 0;
}

/* --stats: what the index holds and what its last run did. */
static int print_stats(const char *db)
{
    struct store *st = NULL;
    struct mg_err err = {""};
    if (open_index(db, STORE_READ, &st, &err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", err.msg);
        return INDEX_ERROR;
    }
    struct stat sb;
    long long bytes = stat(db, &sb) == 0 ? (long long)sb.st_size : 0;
    if (S_ISDIR(sb.st_mode)) { /* a Xapian index: its files, all shards */
        dir_bytes = 0;
        bytes = nftw(db, add_bytes, 16, FTW_PHYS) == 0 ? dir_bytes : 0;
    }
    struct buf wal = {0};
    buf_printf(&wal, "%s-wal", db);
    long long wbytes = stat(wal.s, &sb) == 0 ? (long long)sb.st_size : 0;
    buf_free(&wal);
    printf("index:     %s, %.1f MB (+ %.1f MB write-ahead log)\n", db,
           bytes / 1e6, wbytes / 1e6);
    int rc = store_stats(st, print_line, NULL, &err);
    enum date_order order = recorded_order(st);
    store_close(st);
    if (rc == 0)
        printf("dates:     numeric ones (03/04/1987) read %s "
               "(--date-order %s)\n",
               order == DATE_ORDER_DMY   ? "day first"
               : order == DATE_ORDER_MDY ? "month first"
                                         : "day first, or month first "
                                           "when only that reads",
               date_order_name(order));
    if (rc < 0) {
        fprintf(stderr, "morgue-index: %s\n", err.msg);
        return INDEX_ERROR;
    }
    return 0;
}

/* --rebuild: the index built at built replaces the live one
 * (store_swap_in); 0, or -1 with the reason printed. */
static int swap_in(const char *built, const char *live)
{
    struct mg_err err = {""};
    int rc = store_swap_in(built, live, &err);
    if (rc != 0)
        fprintf(stderr, "morgue-index: %s\n", err.msg);
    return rc < 0 ? -1 : 0;
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

static void print_suppressed(void *ctx, const char *uid, const char *path,
                             const char *at)
{
    (void)ctx;
    printf("%s\t%s\t%s\n", uid, at ? at : "", path ? path : "-");
}

static void print_action(void *ctx, const char *action, const char *uid)
{
    (void)ctx;
    printf("%-6s %s\n", action, uid);
}

/* --delete, --unsuppress (the IDs), --suppressed: the takedown list. */
/* Whether key names an article (mode 'D') or a key on the takedown list
 * (mode 'U'): 1, 0, or -1 with r->err. */
static int key_known(struct run *r, int mode, const char *key)
{
    if (mode == 'U')
        return store_suppressed(r->store, key, &r->err);
    struct article a = {0};
    int found = store_get(r->store, key, &a, &r->err);
    article_clear(&a);
    return found;
}

/* The key a --delete or --undelete ID names (caller frees): ID itself
 * when known, else the key it stands for as a public id (morgue-serve's,
 * relative to a recorded root: article_key_under) when that is known,
 * else ID.  NULL with r->err on an index error. */
static char *takedown_key(struct run *r, int mode, const char *id)
{
    int known = key_known(r, mode, id);
    char **roots = NULL;
    int nroots = 0;
    char *key = NULL;
    if (known == 0 && store_roots(r->store, &roots, &nroots, &r->err) < 0)
        known = -1;
    for (int i = 0; known == 0 && i < nroots; i++) {
        free(key);
        key = article_key_under(id, roots[i]);
        known = key ? key_known(r, mode, key) : 0;
    }
    for (int i = 0; i < nroots; i++)
        free(roots[i]);
    free(roots);
    if (known < 0) {
        free(key);
        return NULL;
    }
    if (known == 0 || !key) {
        free(key);
        key = mg_strdup(id);
    }
    return key;
}

static int takedowns(struct run *r, int mode, char **ids, int nids)
{
    if (mode == 'L') {
        int n =
            store_suppressed_each(r->store, print_suppressed, NULL, &r->err);
        if (n < 0) {
            fprintf(stderr, "morgue-index: %s\n", r->err.msg);
            return INDEX_ERROR;
        }
        if (!r->quiet)
            fprintf(stderr, "morgue-index: %d keys taken down\n", n);
        return INDEX_OK;
    }
    int status = INDEX_OK;
    int64_t removed = 0;
    if (store_begin(r->store, &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    for (int i = 0; i < nids && !ingest_stopped(); i++) {
        char *key = takedown_key(r, mode, ids[i]);
        int rc = !key ? -1
                 : mode == 'D'
                     ? store_take_down(r->store, key, &removed, &r->err)
                     : store_put_back(r->store, key, &r->err);
        free(key);
        if (rc < 0) {
            store_rollback(r->store);
            fprintf(stderr, "morgue-index: %s\n", r->err.msg);
            return INDEX_ERROR;
        }
        if (mode == 'D' && !rc) {
            ingest_say(r, stderr,
                       "%s: no such article; its key is on the "
                       "takedown list all the same",
                       ids[i]);
            status = INDEX_WARNINGS;
        } else if (mode == 'U' && !rc) {
            ingest_say(r, stderr, "%s: not on the takedown list", ids[i]);
            status = INDEX_WARNINGS;
        } else if (!r->quiet) {
            ingest_say(r, stdout, "%s: %s", ids[i],
                       mode == 'D' ? "deleted and taken down"
                                   : "off the takedown list; the next run "
                                     "over its file brings it back");
        }
    }
    if (ingest_stopped()) {
        store_rollback(r->store);
        ingest_say(r, stderr, "stopped by a signal: nothing was taken down");
        return INDEX_STOPPED;
    }
    if (ent_merge_surnames(r->store, &r->err) < 0 ||
        store_commit(r->store, &r->err) < 0 ||
        store_finish(r->store, &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    if (mode == 'D' && !r->quiet)
        ingest_say(r, stdout, "%lld articles deleted", (long long)removed);
    return status;
}

/* What the command line asks for, beside the run's own settings (struct
 * run). */
struct index_opts {
    const char *db; /* --db, or NULL for the default */
    int mode;       /* 'K' --check, 'S' --stats, 'D' --delete, 'U'
                     * --unsuppress, 'L' --suppressed; 0: index PATHs */
    int rebuild;    /* --rebuild */
    double wait;    /* --wait */
    char **args;    /* the PATHs or IDs, borrowed from argv */
    int nargs;

    const char *date_order; /* --date-order, or NULL: the index's own */
};

/* Checks what the options left for each other and the arguments; -1 to
 * go on, else the exit status (the message printed). */
static int check_args(const struct index_opts *o, const struct run *r)
{
    int mode = o->mode;
    if (mode == 'K' || mode == 'S' || mode == 'L') {
        if (o->nargs > 0) {
            fprintf(stderr, "morgue-index: --%s takes no PATH\n",
                    mode == 'K'   ? "check"
                    : mode == 'S' ? "stats"
                                  : "suppressed");
            return INDEX_USAGE;
        }
        if (mode != 'L')
            return -1;
    }
    if (o->nargs == 0 && mode != 'L') {
        fprintf(stderr,
                "morgue-index: no %s given (try morgue-index "
                "--help)\n",
                mode ? "ID" : "PATH");
        return INDEX_USAGE;
    }
    if (r->json && !r->show) {
        fputs("morgue-index: --json goes with --show\n", stderr);
        return INDEX_USAGE;
    }
    if (shards && !(engine && strcmp(engine, "xapian") == 0)) {
        fputs("morgue-index: --shards goes with --engine xapian\n", stderr);
        return INDEX_USAGE;
    }
    if (o->rebuild && engine && strcmp(engine, "xapian") == 0) {
        fputs("morgue-index: --rebuild: not supported by the xapian engine "
              "(index into a new directory, then move it in place)\n",
              stderr);
        return INDEX_USAGE;
    }
    if ((r->dry_run && (r->show || o->rebuild)) ||
        (mode && (r->show || o->rebuild))) {
        fputs("morgue-index: --dry-run, --delete, --unsuppress and "
              "--suppressed go without --show and --rebuild\n",
              stderr);
        return INDEX_USAGE;
    }
    return -1;
}

static const struct option OPTS[] = {
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
    {"prune-max", required_argument, NULL, 'M'},
    {"dry-run", no_argument, NULL, 'n'},
    {"delete", no_argument, NULL, 'D'},
    {"suppress", no_argument, NULL, 'D'},
    {"unsuppress", no_argument, NULL, 'U'},
    {"suppressed", no_argument, NULL, 'L'},
    {"source", required_argument, NULL, 'o'},
    {"section", required_argument, NULL, 'c'},
    {"section-from-folder", no_argument, NULL, 'F'},
    {"include", required_argument, NULL, 'i'},
    {"exclude", required_argument, NULL, 'x'},
    {"wait", required_argument, NULL, 'W'},
    {"rebuild", no_argument, NULL, 'R'},
    {"engine", required_argument, NULL, 'e'},
    {"shards", required_argument, NULL, 'N'},
    {"verbose", no_argument, NULL, 'v'},
    {"log", required_argument, NULL, 'l'},
    {"entity-model", required_argument, NULL, 'm'},
    {"entity-features", required_argument, NULL, 'f'},
    {"date-order", required_argument, NULL, 'a'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* An option with a value (arg): -1 to go on, or INDEX_USAGE with the
 * message printed. */
static int parse_value(int c, char *arg, struct index_opts *o, struct run *r)
{
    switch (c) {
    case 'b':
        if (clean_rules_load(r->rules, arg, &r->err) < 0) {
            fprintf(stderr, "morgue-index: %s\n", r->err.msg);
            return INDEX_USAGE;
        }
        break;
    case 'm':
        if (gaz_set_model(r->gaz, arg, &r->err) < 0) {
            fprintf(stderr, "morgue-index: --entity-model: %s\n", r->err.msg);
            return INDEX_USAGE;
        }
        break;
    case 'f':
        if (r->features)
            fclose(r->features);
        if (!(r->features = fopen(arg, "w"))) {
            fprintf(stderr, "morgue-index: --entity-features: %s: %s\n", arg,
                    strerror(errno));
            return INDEX_USAGE;
        }
        gaz_set_features(r->gaz, r->features);
        break;
    case 'J':
        if (mg_parse_int("morgue-index", arg, "--jobs", 1, 64, &r->jobs) < 0)
            return INDEX_USAGE;
        break;
    case 'e':
        if (strcmp(arg, "fts5") != 0 && strcmp(arg, "xapian") != 0) {
            fprintf(stderr,
                    "morgue-index: --engine %s: no such engine (fts5, "
                    "xapian)\n",
                    arg);
            return INDEX_USAGE;
        }
        if (!store_engine_built(arg)) {
            fprintf(stderr,
                    "morgue-index: --engine %s: not built into this "
                    "morgue-index (install libxapian-dev and make)\n",
                    arg);
            return INDEX_USAGE;
        }
        engine = arg;
        break;
    case 'N':
        if (mg_parse_int("morgue-index", arg, "--shards", 1, 1024, &shards) < 0)
            return INDEX_USAGE;
        break;
    case 'M': {
        int pct;
        if (mg_parse_int("morgue-index", arg, "--prune-max", 0, 100, &pct) < 0)
            return INDEX_USAGE;
        r->prune_max = pct / 100.0;
        break;
    }
    case 'o':
    case 'c':
        if (!*arg || strlen(arg) > 200) {
            fprintf(stderr, "morgue-index: --%s must be 1 to 200 bytes\n",
                    c == 'o' ? "source" : "section");
            return INDEX_USAGE;
        }
        *(c == 'o' ? &r->source : &r->section) = arg;
        break;
    case 'i':
    case 'x': {
        char ***v = c == 'i' ? &r->include : &r->exclude;
        int *n = c == 'i' ? &r->ninclude : &r->nexclude;
        *v = mg_realloc(*v, sizeof **v * (size_t)(*n + 1));
        (*v)[(*n)++] = arg;
        break;
    }
    case 'l':
        if (r->log)
            fclose(r->log);
        r->log = fopen(arg, "a");
        if (!r->log) {
            fprintf(stderr, "morgue-index: --log %s: %s\n", arg,
                    strerror(errno));
            return INDEX_USAGE;
        }
        break;
    case 'a': {
        enum date_order order;
        if (date_order_parse(arg, &order) < 0) {
            fprintf(stderr,
                    "morgue-index: --date-order must be dmy, mdy or "
                    "auto, not \"%s\"\n",
                    arg);
            return INDEX_USAGE;
        }
        o->date_order = arg;
        break;
    }
    case 'W': {
        char *end;
        o->wait = strtod(arg, &end);
        if (!*arg || *end || !(o->wait >= 0 && o->wait <= 86400)) {
            fprintf(stderr,
                    "morgue-index: --wait must be seconds from 0 "
                    "to 86400, not \"%s\"\n",
                    arg);
            return INDEX_USAGE;
        }
        break;
    }
    default: fputs("Try 'morgue-index --help'.\n", stderr); return INDEX_USAGE;
    }
    return -1;
}

/* Option c: -1 to go on, else the exit status to end with. */
static int parse_option(int c, struct index_opts *o, struct run *r)
{
    switch (c) {
    case 'd': o->db = optarg; break;
    case 's': r->show = 1; break;
    case 'K':
    case 'S':
    case 'D':
    case 'U':
    case 'L':
        if (o->mode && o->mode != c) {
            fputs("morgue-index: --check, --stats, --delete, "
                  "--unsuppress and --suppressed go alone\n",
                  stderr);
            return INDEX_USAGE;
        }
        o->mode = c;
        break;
    case 'E': r->no_entities = 1; break;
    case 'T': r->timing = 1; break;
    case 'n': r->dry_run = 1; break;
    case 'F': r->section_from_folder = 1; break;
    case 'j': r->json = 1; break;
    case 'q': r->quiet = 1; break;
    case 'Y': r->verify = 1; break;
    case 'P': r->prune = 1; break;
    case 'R': o->rebuild = 1; break;
    case 'v': r->verbose = 1; break;
    case 'h': usage(stdout); return INDEX_OK;
    case 'V': puts("morgue-index " MORGUE_VERSION); return INDEX_OK;
    default: return parse_value(c, optarg, o, r);
    }
    return -1;
}

/* Refuses an argument that is one of OPTS written with one dash
 * ("-json", "-help", "-db=x"): getopt would read it as a cluster of
 * short options ("-help" as -h, printing the help and indexing
 * nothing).  Values of options that take one and everything after "--"
 * are left alone.  Returns -1 to go on, or INDEX_USAGE with the message
 * printed. */
static int refuse_option_lookalikes(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '-' || a[1] == '\0') {
            /* --db FILE (or --d FILE, as getopt_long takes a prefix):
             * skip FILE */
            int named = a[0] == '-' && a[2] && !strchr(a, '=');
            for (const struct option *opt = OPTS; named && opt->name; opt++)
                if (opt->has_arg == required_argument &&
                    strstr(opt->name, a + 2) == opt->name) {
                    i++;
                    break;
                }
            continue;
        }
        size_t len = strcspn(a + 1, "=");
        for (const struct option *opt = OPTS; opt->name; opt++)
            if (strlen(opt->name) == len &&
                strncmp(opt->name, a + 1, len) == 0) {
                fprintf(stderr,
                        "morgue-index: \"%s\" is not an option: options "
                        "have two dashes (--%s)\n",
                        a, a + 1);
                return INDEX_USAGE;
            }
    }
    return -1;
}

/* Reads the command line into o and r.  Returns -1 to go on, else the
 * exit status to end with (INDEX_OK after --help and --version,
 * INDEX_USAGE with the message printed). */
static int parse_options(int argc, char **argv, struct index_opts *o,
                         struct run *r)
{
    int c, status = refuse_option_lookalikes(argc, argv);
    if (status >= 0)
        return status;
    while ((c = getopt_long(argc, argv, "qvh", OPTS, NULL)) != -1)
        if ((status = parse_option(c, o, r)) >= 0)
            return status;
    o->args = argv + optind;
    o->nargs = argc - optind;
    return check_args(o, r);
}

/* --delete, --unsuppress, --suppressed on the index at db, under the
 * writer lock (into *lock) but for --suppressed. */
static int run_takedowns(struct run *r, const struct index_opts *o,
                         const char *db, int *lock)
{
    if (o->mode != 'L' && (*lock = take_lock(db, o->wait)) < 0)
        return -*lock;
    if (open_index(db, o->mode == 'L' ? STORE_READ : STORE_WRITE, &r->store,
                   &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    return takedowns(r, o->mode, o->args, o->nargs);
}

/* The run's summary line, printed and kept as the meta value last_run
 * (for --stats); then a run that wrote most of the index merges it.
 * Returns 0, or -1 (the message printed). */
static int summarize(struct run *r, const char *db, double t0)
{
    int64_t total = store_count(r->store);
    struct buf sum = {0};
    buf_printf(&sum,
               "%s%ld new, %ld changed, %ld unchanged, %lld removed "
               "articles; files: %ld indexed, %ld unchanged, %ld "
               "skipped, %ld failed, %ld gone; %ld bad records; %.1f s; "
               "%lld articles in %s",
               r->dry_run ? "dry run, nothing changed: " : "", r->added,
               r->changed, r->unchanged, (long long)r->removed,
               r->files_indexed, r->files_unchanged, r->files_skipped,
               r->files_failed, r->files_gone, r->bad_records, mg_now() - t0,
               (long long)total, db);
    if (r->shadowed)
        buf_printf(&sum, "; %ld kept by another file with the same key",
                   r->shadowed);
    if (r->suppressed)
        buf_printf(&sum, "; %ld taken down (not stored)", r->suppressed);
    if (r->bad_dates)
        buf_printf(&sum, "; %ld impossible dates dropped", r->bad_dates);
    if (r->untitled)
        buf_printf(&sum, "; %ld without a title, titled from their text",
                   r->untitled);
    ingest_say(r, r->quiet ? NULL : r->dry_run ? stderr : stdout, "%s", sum.s);
    if (r->files_gone && !r->prune && !r->quiet)
        printf("morgue-index: %ld indexed files are gone from the disk; "
               "--prune removes their articles\n",
               r->files_gone);
    /* what this run did, for --stats */
    if (!r->dry_run) {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        struct buf run = {0};
        buf_printf(&run, "%s %s", when, sum.s);
        struct mg_err ignored;
        (void)store_meta_put(r->store, "last_run", run.s, &ignored);
        buf_free(&run);
    }
    buf_free(&sum);
    /* A run that wrote most of the index (the first, a rebuild)
     * leaves it in many segments, and every search statement seeks
     * each of its words in each: merged into one, a statement of 40
     * words costs 0.3 ms instead of 2.2 at 500,000 articles, for a
     * twentieth more of the run's time. */
    if (!r->dry_run && !ingest_stopped() && store_wrote_most(r->store) &&
        store_merge(r->store, &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return -1;
    }
    return 0;
}

/* --timing: the time each stage took, of the run's since t0. */
static void print_timing(const struct run *r, double t0)
{
    double total = mg_now() - t0;
    /* With workers, cleaning and entities run beside this thread: the
     * rest of its time is reading, or waiting for them. */
    double here = r->t_store + r->t_store_entities + r->t_merge + r->t_commit +
                  r->t_wait + r->t_stats;
    if (r->jobs < 2)
        here += r->t_clean + r->t_extract;
    printf("morgue-index: time: %.2f s reading and parsing, %.2f s "
           "cleaning, %.2f s finding entities, %.2f s storing "
           "articles, %.2f s storing entities, %.2f s merging names, "
           "%.2f s committing, %.2f s word statistics",
           total - here, r->t_clean, r->t_extract, r->t_store,
           r->t_store_entities, r->t_merge, r->t_commit, r->t_stats);
    if (r->jobs >= 2)
        printf(" (cleaning and entities on %d workers, %.2f s waiting "
               "for them)",
               r->jobs, r->t_wait);
    printf("; %.2f s in all\n", total);
}

/* --rebuild's end: the index built at built (merged by summarize)
 * replaces the one at live, unless a signal stopped the run (then the
 * live one is left as it was).  Returns status, or INDEX_ERROR. */
static int swap_rebuilt(struct run *r, const char *built, const char *live,
                        int status)
{
    store_close(r->store);
    r->store = NULL;
    if (ingest_stopped()) {
        remove_db(built); /* the live index is untouched */
        return status;
    }
    if (swap_in(built, live) < 0)
        return INDEX_ERROR;
    remove_db(built);
    ingest_say(r, r->quiet ? NULL : stdout, "rebuilt %s", live);
    return status;
}

/* How this run reads numeric dates (03/04/1987), into r->rules: the
 * order given (o->date_order), else the one recorded in the index (for
 * --rebuild, in the live index at live), so that every article of an
 * index is read the same way.  An order given that differs from the
 * recorded one is recorded, and refused (exit 2) when the index already
 * holds articles: they were read the other way, and files left unchanged
 * would keep those dates (--rebuild reads them all again).  Returns -1
 * to go on, else the exit status (the message printed). */
static int settle_date_order(struct run *r, const struct index_opts *o,
                             const char *db, const char *live)
{
    enum date_order order = DATE_ORDER_AUTO, was = DATE_ORDER_AUTO;
    if (o->date_order)
        date_order_parse(o->date_order, &order);
    if (r->show) {
        clean_rules_set_date_order(r->rules, order);
        return -1;
    }
    was = recorded_order(r->store);
    if (live && !o->date_order) {
        struct store *old = NULL;
        struct mg_err ignored;
        if (access(live, F_OK) == 0 &&
            open_index(live, STORE_READ, &old, &ignored) == 0)
            order = recorded_order(old);
        store_close(old);
    } else if (!o->date_order) {
        order = was;
    }
    if (order != was && store_count(r->store) > 0) {
        fprintf(stderr,
                "morgue-index: %s: its articles were read with "
                "--date-order %s; reading this run's files with "
                "--date-order %s would date them otherwise (use "
                "--rebuild to read them all so)\n",
                db, date_order_name(was), date_order_name(order));
        return INDEX_USAGE;
    }
    clean_rules_set_date_order(r->rules, order);
    if (order != was && !r->dry_run &&
        store_meta_put(r->store, "numeric_dates", date_order_name(order),
                       &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    return -1;
}

/* Reads the PATHs into the index at db (--rebuild: into a new one
 * beside it, at *built, swapped in at the end), under the writer lock
 * (into *lock), or shows them (--show).  Returns the exit status. */
static int run_index(struct run *r, const struct index_opts *o, const char *db,
                     int *lock, struct buf *built)
{
    const char *live = NULL;
    if (!r->show) {
        *lock = take_lock(db, o->wait);
        if (*lock < 0)
            return -*lock;
    }
    if (o->rebuild && !r->show) {
        /* a whole new index beside the live one, swapped in at the end
         */
        live = db;
        buf_printf(built, "%s.rebuild", live);
        remove_db(built->s);
        db = built->s;
    }
    if (!r->show && open_index(db, STORE_WRITE, &r->store, &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    struct stat lsb;
    if (live && stat(live, &lsb) == 0 && lsb.st_size > 0 &&
        store_copy_suppressed(r->store, live, &r->err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r->err.msg);
        return INDEX_ERROR;
    }
    int settled = settle_date_order(r, o, db, live);
    if (settled >= 0)
        return settled;
    if (r->dry_run)
        store_set_journal(r->store, print_action, NULL);
    double t0 = mg_now();
    r->progress = !r->show && !r->quiet && !r->dry_run && isatty(STDERR_FILENO);
    if (r->log && !r->show) {
        struct buf what = {0};
        for (int i = 0; i < o->nargs; i++)
            buf_printf(&what, " %s", o->args[i]);
        ingest_say(r, NULL, "%s into %s:%s",
                   o->rebuild ? "rebuilding" : "indexing", live ? live : db,
                   what.s);
        buf_free(&what);
    }
    ingest_paths(r, o->args, o->nargs);
    if (r->fatal) {
        ingest_say(r, stderr, "%s", r->err.msg);
        return INDEX_ERROR;
    }
    if (!r->show && summarize(r, db, t0) < 0)
        return INDEX_ERROR;
    if (r->timing && !r->show)
        print_timing(r, t0);
    int status = ingest_status(r);
    if (live) {
        status = swap_rebuilt(r, built->s, live, status);
        if (status == INDEX_ERROR)
            return status;
    }
    if (ingest_stopped()) {
        ingest_say(r, stderr,
                   "stopped by %s: what was read is committed; "
                   "the next run goes on from there",
                   ingest_stopped() == SIGTERM ? "SIGTERM" : "SIGINT");
        status = INDEX_STOPPED;
    }
    return status;
}

int main(int argc, char **argv)
{
    struct run r = {0};
    struct index_opts o = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    r.jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus;
    r.prune_max = 0.2;
    r.cur_root = -1;
    r.rules = clean_rules_new();
    r.gaz = gaz_load();
    int lock = -1;
    struct buf built = {0};
    int status = parse_options(argc, argv, &o, &r);
    if (status < 0 && (o.mode == 'K' || o.mode == 'S')) {
        status = o.mode == 'K' ? check_index(store_default_path(o.db))
                               : print_stats(store_default_path(o.db));
    } else if (status < 0) {
        const char *db = store_default_path(o.db);
        struct sigaction sa = {0};
        sa.sa_handler = ingest_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        status = o.mode ? run_takedowns(&r, &o, db, &lock)
                        : run_index(&r, &o, db, &lock, &built);
    }
    ingest_free(&r);
    free(r.include);
    free(r.exclude);
    store_close(r.store);
    /* last: closing a descriptor of the index drops this process's
     * SQLite locks on it */
    if (lock >= 0)
        close(lock);
    buf_free(&built);
    if (r.log)
        fclose(r.log);
    clean_rules_free(r.rules);
    gaz_free(r.gaz);
    if (r.features && fclose(r.features) != 0 && status == INDEX_OK) {
        fprintf(stderr, "morgue-index: --entity-features: %s\n",
                strerror(errno));
        status = INDEX_ERROR;
    }
    return status;
}
