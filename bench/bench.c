/*
 * bench.c - `make bench-core`: morgue against a plain FTS5 baseline, in one
 * run, on the same machine and the same articles.
 *
 *  1. Builds the morgue index of CORPUS: bin/morgue-index as a child
 *     process into a fresh WORK/morgue.db (wall time on the monotonic
 *     clock, peak RSS from wait4()).
 *  2. Builds the baseline: the title and body of every article of that
 *     index (ORDER BY id) inserted from C into a plain FTS5 table with the
 *     built-in `porter unicode61` tokenizer, in one transaction, then
 *     'optimize'.  It runs in a child (this program again, exec'd, so its
 *     peak RSS is its own); the articles are read into memory first, and
 *     only the inserts, commit, optimize and close are timed.
 *  3. Runs the queries of bench/queries.txt in process, top 10 with
 *     snippets: one warm-up pass, then PASSES timed passes, each pass
 *     running every system over all queries in turn (so a noisy moment
 *     hits all of them alike): the baseline, morgue, morgue with facets,
 *     morgue with facets and the date histogram (what the search page
 *     asks for).  p50/p95/p99 over all timed samples, and queries/s.
 *  4. Runs the query set once more through whole processes, one per query
 *     after a warm-up pass: bin/morgue-query, and the sqlite3 shell over
 *     the baseline table.
 *  5. Prints the table with every morgue figure as a ratio to the
 *     baseline's and the performance issue's targets, and writes it as
 *     Markdown to OUT/latest.md and OUT/YYYY-MM-DD-<git>.md.
 *
 * usage: bench --bin DIR --corpus DIR --work DIR [--passes N]
 *              [--queries FILE]... [--out DIR]
 *        bench --queries-only --db FILE [--queries FILE]... [--passes N]
 *              [--baseline] [--xapian DIR [--python PATH]
 *              [--xapian-peer SCRIPT]] [--out DIR]
 *              (the in-process query figures over an existing index:
 *              morgue alone for bench/scale.sh; with --baseline, also the
 *              baseline, built beside the index (FILE-base.db, kept when
 *              newer than the index); with --xapian, also Xapian over DIR
 *              through bench/xapian_peer.py, a child run in lockstep, one
 *              pass over the queries after each of this program's.  Then
 *              the whole comparison: every system's p50/p95/p99, each
 *              query's median on each, query by query per class (see
 *              queries_load), the targets of the 500k comparison; with
 *              --out, as Markdown to OUT/latest-scale-ARTICLES.md and
 *              OUT/YYYY-MM-DD-<git>-scale-ARTICLES.md; bench/compare.sh)
 *        bench --queries-only --db FILE --cluster FILE [--clients N]
 *              [--queries FILE]... [--passes N]
 *              (bench/cluster.sh: morgue's rows as above and a fourth
 *              system, morgue over the Xapian shards of the cluster file
 *              with facets, through searcher_new_cluster as `morgue-query
 *              --cluster FILE --facets` searches, beside morgue --facets
 *              over FILE; then a `figures KEY N P50 P95 P99 MEAN QPS
 *              ERRORS NOHITS` line for each (KEY fts5, cluster), a
 *              `parts cluster COUNT RANK PAGE FACETS PASSES` line (the
 *              means of the cluster's searches: --timing's parts in ms
 *              and the passes over the shards); with
 *              --clients N, also N client threads, each with its own
 *              searcher, over each, passes times over the queries:
 *              `figures fts5-cN ...`, `figures cluster-cN ...`, where
 *              queries/s is all their queries over the wall time)
 *        bench --print-fts [--queries FILE]...
 *              (each query and the baseline's FTS5 expression for it)
 * Several --queries files are read in turn (default bench/queries.txt).
 * MB are 10^6 bytes throughout.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "search.h"
#include "store.h"
#include "util.h"

#define MB 1e6
#define TOP 10

/* The baseline's query: top 10 by bm25 with a snippet of the body. */
static const char BASE_SQL[] =
    "SELECT rowid, title, snippet(base, 1, '[', ']', '\xe2\x80\xa6', 30)"
    " FROM base WHERE base MATCH ?1 ORDER BY rank LIMIT 10";

/* ---- samples and percentiles ---- */

struct samples {
    double *v; /* milliseconds */
    size_t n, cap;
};

static void samples_add(struct samples *s, double ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = mg_realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    size_t n;
    double p50, p95, p99, mean, qps;
};

/* Nearest-rank percentiles, the mean; queries/s = samples / their summed
 * time. */
static struct stats stats_of(struct samples *s)
{
    struct stats st = {0};
    if (!s->n)
        return st;
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    double pct[3] = {50, 95, 99}, *out[3] = {&st.p50, &st.p95, &st.p99};
    for (int i = 0; i < 3; i++) {
        size_t k = (size_t)ceil(pct[i] / 100.0 * (double)s->n);
        *out[i] = s->v[(k ? k : 1) - 1];
    }
    st.n = s->n;
    st.mean = sum / (double)s->n;
    st.qps = sum > 0 ? (double)s->n / (sum / 1000.0) : 0;
    return st;
}

/* ---- the query set ---- */

/* A query file's classes: a line `# class: NAME` puts the queries after
 * it, up to the next such line or the end of the file, in class NAME
 * (`# class: none` ends a class).  The class "sentence" is a relaxed
 * sentence: a pasted sentence no article holds every word of, which
 * morgue relaxes to "most of the words"; the baseline gets the OR of its
 * words (an AND that matches nothing would be unfairly fast), and so does
 * Xapian (bench/xapian_peer.py). */
#define CLASS_SENTENCE "sentence"

struct queries {
    char **q;   /* morgue syntax, as in the file */
    char **fts; /* the baseline's FTS5 expression */
    char **cls; /* its class, or NULL */
    int n, cap;
};

static void add_fts_string(struct buf *b, const char *s, size_t n)
{
    buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_addc(b, '"');
        buf_addc(b, s[i]);
    }
    buf_addc(b, '"');
}

static void add_sep(struct buf *b)
{
    if (b->len && b->s[b->len - 1] != '(' && b->s[b->len - 1] != ' ')
        buf_addc(b, ' ');
}

/* Before an operand: an explicit AND when one just ended (FTS5's
 * implicit AND joins phrases only: ("a" OR "b") "c" is a syntax error). */
static void add_operand(struct buf *b)
{
    size_t k = b->len;
    while (k && b->s[k - 1] == ' ')
        k--;
    if (k && strchr("\"*)", b->s[k - 1])) {
        add_sep(b);
        buf_adds(b, "AND");
    }
    add_sep(b);
}

/* A morgue query as a safe FTS5 expression for the baseline, the way a
 * careful user of plain FTS5 would write it:
 *  - every bare word becomes an FTS5 string ("word"), so no word is read
 *    as FTS5 syntax; words side by side are ANDed (explicitly, as FTS5
 *    joins only phrases implicitly);
 *  - a "quoted phrase" stays one FTS5 string (a phrase); "a b"~N becomes
 *    NEAR("a" "b", N);
 *  - a hyphenated or possessive word is quoted whole, so unicode61 splits
 *    it into a phrase: "inter-bank" = inter bank, "Japan's" = japan s;
 *  - OR, AND, NOT and ( ) stay operators, | becomes OR, -word and
 *    -"phrase" become NOT (FTS5's NOT is binary: a leading -word is an
 *    FTS5 error, counted as such);
 *  - word* becomes "word"*; title: and body: stay column filters; other
 *    fields (lede:, person:, date:...) have no baseline column and are
 *    quoted whole as text.
 * Stemming is porter's, on every word, phrases included. */
static char *fts_expr(const char *q)
{
    struct buf b = {0};
    size_t i = 0, n = strlen(q);
    while (i < n) {
        char c = q[i];
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (c == '(' || c == ')') {
            if (c == '(')
                add_operand(&b);
            buf_addc(&b, c);
            i++;
            continue;
        }
        if (c == '|') {
            add_sep(&b);
            buf_adds(&b, "OR");
            i++;
            continue;
        }
        if (c == '-' && i + 1 < n && q[i + 1] != ' ' && q[i + 1] != '\t') {
            add_sep(&b);
            buf_adds(&b, "NOT");
            i++;
            continue;
        }
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && q[j] != '"')
                j++;
            const char *p = q + i + 1;
            size_t len = j - i - 1;
            i = j < n ? j + 1 : j;
            if (q[i] == '~' && q[i + 1] >= '0' && q[i + 1] <= '9') {
                int dist = atoi(q + i + 1);
                i++;
                while (q[i] >= '0' && q[i] <= '9')
                    i++;
                add_operand(&b);
                buf_adds(&b, "NEAR(");
                size_t k = 0;
                while (k < len) {
                    while (k < len && p[k] == ' ')
                        k++;
                    size_t e = k;
                    while (e < len && p[e] != ' ')
                        e++;
                    if (e > k) {
                        add_sep(&b);
                        add_fts_string(&b, p + k, e - k);
                    }
                    k = e;
                }
                buf_printf(&b, ", %d)", dist);
                continue;
            }
            if (len) {
                add_operand(&b);
                add_fts_string(&b, p, len);
                if (q[i] == '*') {
                    buf_addc(&b, '*');
                    i++;
                }
            }
            continue;
        }
        size_t j = i;
        while (j < n && !strchr(" \t()\"|", q[j]))
            j++;
        const char *t = q + i;
        size_t len = j - i;
        i = j;
        if ((len == 2 && !memcmp(t, "OR", 2)) ||
            (len == 3 && (!memcmp(t, "AND", 3) || !memcmp(t, "NOT", 3)))) {
            add_sep(&b);
            buf_add(&b, t, len);
            continue;
        }
        add_operand(&b);
        if ((len >= 6 && !memcmp(t, "title:", 6)) ||
            (len >= 5 && !memcmp(t, "body:", 5))) {
            size_t f = t[0] == 't' ? 6 : 5;
            buf_add(&b, t, f - 1);
            buf_adds(&b, " : ");
            t += f;
            len -= f;
            if (!len) /* title:"phrase": the phrase comes next */
                continue;
        }
        int prefix = len > 1 && t[len - 1] == '*';
        add_fts_string(&b, t, len - prefix);
        if (prefix)
            buf_addc(&b, '*');
    }
    return buf_take(&b);
}

/* A relaxed sentence for the baseline: the OR of its distinct words (case
 * and punctuation at either end ignored, as Xapian's peer does), each an
 * FTS5 string as in fts_expr, so no word is read as syntax. */
static char *fts_or_words(const char *q)
{
    struct buf b = {0}, seen = {0}; /* seen: " word word ... " */
    buf_addc(&seen, ' ');
    for (const char *p = q; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        const char *w = p;
        size_t k = n;
        while (k && ispunct((unsigned char)*w))
            w++, k--;
        while (k && ispunct((unsigned char)w[k - 1]))
            k--;
        char key[256];
        snprintf(key, sizeof key, " %.*s ", (int)(k < 250 ? k : 250), w);
        for (char *c = key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (k && !strstr(seen.s, key)) {
            buf_adds(&seen, key + 1);
            if (b.len)
                buf_adds(&b, " OR ");
            add_fts_string(&b, p, n);
        }
        p += n;
    }
    buf_free(&seen);
    return buf_take(&b);
}

/* Appends the queries of the file at path to qs (blank lines and lines
 * starting with '#' skipped; `# class: NAME` lines read as above).
 * Returns 0, or -1 with a message on stderr when the file can't be read
 * or holds no query. */
static int queries_load(const char *path, struct queries *qs)
{
    struct mg_err err;
    char *text;
    size_t len;
    if (mg_read_file(path, &text, &len, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    int n0 = qs->n;
    char *cls = NULL;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        mg_trim(line);
        if (*line == '#') {
            char name[64];
            if (sscanf(line, "# class: %63s", name) == 1) {
                free(cls);
                cls = strcmp(name, "none") ? mg_strdup(name) : NULL;
            }
            continue;
        }
        if (!*line)
            continue;
        if (qs->n == qs->cap) {
            size_t cap = (size_t)(qs->cap = qs->cap ? 2 * qs->cap : 64);
            qs->q = mg_realloc(qs->q, cap * sizeof *qs->q);
            qs->fts = mg_realloc(qs->fts, cap * sizeof *qs->fts);
            qs->cls = mg_realloc(qs->cls, cap * sizeof *qs->cls);
        }
        qs->q[qs->n] = mg_strdup(line);
        qs->cls[qs->n] = mg_strdup(cls);
        qs->fts[qs->n] = cls && !strcmp(cls, CLASS_SENTENCE)
                             ? fts_or_words(line)
                             : fts_expr(line);
        qs->n++;
    }
    free(cls);
    free(text);
    if (qs->n == n0) {
        fprintf(stderr, "bench: %s: no queries\n", path);
        return -1;
    }
    return 0;
}

static void queries_free(struct queries *qs)
{
    for (int i = 0; i < qs->n; i++) {
        free(qs->q[i]);
        free(qs->fts[i]);
        free(qs->cls[i]);
    }
    free(qs->q);
    free(qs->fts);
    free(qs->cls);
}

/* ---- child processes ---- */

struct run {
    int status;     /* exit status, -1 when killed or not run */
    double wall;    /* seconds */
    double peak_mb; /* peak RSS */
    char *out;      /* captured stdout (when asked), caller frees */
};

/* Runs argv (PATH searched) and waits for it.  Its stdout is captured
 * into r->out when capture, else sent to /dev/null; its stderr too when
 * quiet.  Exit status 127: it could not be run. */
static int run_child(char *const argv[], int capture, int quiet, struct run *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    int fd[2] = {-1, -1};
    if (capture && pipe2(fd, O_CLOEXEC) < 0) {
        perror("bench: pipe");
        return -1;
    }
    /* posix_spawn (vfork underneath): the child's start costs the same
     * whatever this process's size */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (capture)
        posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
                                         O_WRONLY, 0);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
                                         O_WRONLY, 0);
    pid_t pid;
    double t0 = mg_now();
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (capture)
        close(fd[1]);
    if (err) {
        if (capture)
            close(fd[0]);
        r->status = 127; /* as a shell says: could not be run */
        return 0;
    }
    struct buf out = {0};
    if (capture) {
        char chunk[4096];
        ssize_t k;
        while ((k = read(fd[0], chunk, sizeof chunk)) != 0) {
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                break;
            buf_add(&out, chunk, (size_t)k);
        }
        close(fd[0]);
    }
    int st;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR)
        ;
    r->wall = mg_now() - t0;
    if (capture)
        r->out = buf_take(&out);
    if (w < 0) {
        perror("bench: wait4");
        return -1;
    }
    r->peak_mb = (double)ru.ru_maxrss * 1024.0 / MB;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return 0;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* The database file and its WAL, in bytes. */
static long long db_size(const char *path)
{
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_size(path) + file_size(wal);
}

static void remove_db(const char *path)
{
    static const char *const SUFFIX[] = {"", "-wal", "-shm", ".lock"};
    char p[4096];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, SUFFIX[i]);
        unlink(p);
    }
}

/* ---- the baseline build (run in a child: bench --baseline-build) ---- */

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int sql_fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench: baseline: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    return 1;
}

/* Reads (id, title, body) of every article of the morgue index into
 * memory, then times inserting them into base_path's FTS5 table, one
 * transaction, 'optimize' and close.  Prints "SECONDS ARTICLES HWM_KB" on
 * stdout, HWM_KB being the peak RSS before the clock started. */
static int baseline_build(const char *morgue_db, const char *base_db)
{
    sqlite3 *src = NULL, *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t *ids = NULL;
    char **title = NULL, **body = NULL;
    int *tlen = NULL, *blen = NULL;
    size_t n = 0, cap = 0;
    int rc = 1;
    if (sqlite3_open_v2(morgue_db, &src, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(src,
                           "SELECT id, title, body FROM articles ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(src, morgue_db);
        goto out;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            ids = mg_realloc(ids, cap * sizeof *ids);
            title = mg_realloc(title, cap * sizeof *title);
            body = mg_realloc(body, cap * sizeof *body);
            tlen = mg_realloc(tlen, cap * sizeof *tlen);
            blen = mg_realloc(blen, cap * sizeof *blen);
        }
        ids[n] = sqlite3_column_int64(st, 0);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        tlen[n] = sqlite3_column_bytes(st, 1);
        title[n] = mg_strndup(t ? t : "", (size_t)tlen[n]);
        const char *b = (const char *)sqlite3_column_text(st, 2);
        blen[n] = sqlite3_column_bytes(st, 2);
        body[n] = mg_strndup(b ? b : "", (size_t)blen[n]);
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = sql_fail(src, morgue_db);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_close(src);
    src = NULL;

    if (sqlite3_open(base_db, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "CREATE VIRTUAL TABLE base USING fts5(title, body,"
                     " tokenize='porter unicode61');",
                     NULL, NULL, NULL) != SQLITE_OK) {
        rc = sql_fail(db, base_db);
        goto out;
    }
    long hwm = vm_hwm_kb();
    double t0 = mg_now();
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO base(rowid, title, body)"
                           " VALUES (?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, base_db);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_text(st, 2, title[i], tlen[i], SQLITE_STATIC);
        sqlite3_bind_text(st, 3, body[i], blen[i], SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sql_fail(db, "insert");
            goto out;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(db, "COMMIT; INSERT INTO base(base) VALUES('optimize')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        rc = sql_fail(db, "commit, optimize");
        goto out;
    }
    if (sqlite3_close(db) != SQLITE_OK) {
        rc = sql_fail(db, "close");
        goto out;
    }
    db = NULL;
    double secs = mg_now() - t0;
    printf("%.6f %zu %ld\n", secs, n, hwm);
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(src);
    sqlite3_close(db);
    for (size_t i = 0; i < n; i++) {
        free(title[i]);
        free(body[i]);
    }
    free(ids);
    free(title);
    free(body);
    free(tlen);
    free(blen);
    return rc;
}

/* ---- in-process queries ---- */

enum sys {
    SYS_BASE,
    SYS_MORGUE,
    SYS_FACETS,
    SYS_FACETS_HIST,
    SYS_XAPIAN,
    SYS_CLUSTER,
    NSYS
};
#define SYS_BIT(sys) (1u << (sys))
/* bench-core's systems; --queries-only adds the baseline and Xapian on
 * request */
#define SYS_CORE                                                               \
    (SYS_BIT(SYS_BASE) | SYS_BIT(SYS_MORGUE) | SYS_BIT(SYS_FACETS) |           \
     SYS_BIT(SYS_FACETS_HIST))
#define SYS_MORGUE_ALL                                                         \
    (SYS_BIT(SYS_MORGUE) | SYS_BIT(SYS_FACETS) | SYS_BIT(SYS_FACETS_HIST))

static const char *const SYS_NAME[NSYS] = {
    "fts5 baseline",           "morgue", "morgue --facets",
    "morgue facets+histogram", "xapian", "cluster --facets"};

/* The Xapian peer (bench/xapian_peer.py query --lockstep), a child
 * process that runs one pass over the queries for each line it reads. */
struct peer {
    pid_t pid;
    FILE *in;  /* its stdin */
    FILE *out; /* its stdout */
};

struct qrun {
    struct searcher *s;  /* morgue */
    struct searcher *cs; /* morgue over a cluster of Xapian shards, or NULL */
    sqlite3_stmt *base;  /* the baseline's prepared query */
    struct peer *xapian; /* the Xapian peer, ready, or NULL */
    const struct queries *qs;
    struct samples smp[NSYS];
    double *perq[NSYS]; /* [pass * n + query] ms, NAN when it failed */
    int passes;
    int errors[NSYS]; /* in the warm-up pass, queries that failed */
    int nohits[NSYS]; /* ... and that found nothing */
    char first_error[NSYS][600];
    int *relaxed;    /* per query: morgue relaxed it (or NULL) */
    int64_t *total;  /* per query: morgue's matches (or NULL) */
    unsigned *nohit; /* per query: SYS_BIT of the systems that found
                      * nothing in the warm-up pass (or NULL) */
    /* the cluster's searches, summed: where their time went (count,
     * rank, page, facets ms; the passes over the shards) and how many */
    double cparts[5];
    long ncparts;
};

/* Runs query i on system sys; returns its hits, or -1 on error (the
 * message in err). */
static int run_query(struct qrun *qr, int sys, int i, struct mg_err *err)
{
    if (sys == SYS_BASE) {
        sqlite3_stmt *st = qr->base;
        sqlite3_bind_text(st, 1, qr->qs->fts[i], -1, SQLITE_STATIC);
        int hits = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            /* what a caller would fetch: id, title, snippet */
            (void)sqlite3_column_int64(st, 0);
            (void)sqlite3_column_text(st, 1);
            (void)sqlite3_column_text(st, 2);
            hits++;
        }
        if (rc != SQLITE_DONE) {
            mg_fail(err, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
            hits = -1;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return hits;
    }
    /* the cluster: what `morgue-query --cluster FILE --facets` asks */
    struct search_opts o = {.query = qr->qs->q[i],
                            .limit = TOP,
                            .facets = sys != SYS_MORGUE,
                            .histogram = sys == SYS_FACETS_HIST};
    struct search_result res = {0};
    int rc = search_run(sys == SYS_CLUSTER ? qr->cs : qr->s, &o, &res, err);
    int hits = rc < 0 ? -1 : res.nhits;
    if (rc == 0 && sys == SYS_CLUSTER) {
        const double part[5] = {res.ms_count, res.ms_rank, res.ms_page,
                                res.ms_facets, res.xpasses};
        for (int k = 0; k < 5; k++)
            qr->cparts[k] += part[k];
        qr->ncparts++;
    }
    if (rc == 0 && sys == SYS_MORGUE && qr->relaxed) {
        qr->relaxed[i] = res.relaxed;
        qr->total[i] = res.total;
    }
    search_result_free(&res);
    return hits;
}

/* ---- the Xapian peer ---- */

/* Starts `python script query --xapian dir --lockstep --queries F...`
 * and reads what its warm-up pass found (queries without hits, failures)
 * into qr, up to its `ready COUNT` line.  Returns 0 with qr->xapian set,
 * or -1 with a message on stderr (the peer's own message goes to stderr
 * too). */
static int peer_start(struct qrun *qr, struct peer *p, const char *python,
                      const char *script, const char *dir,
                      const char *const *qfiles, int nfiles)
{
    const char *argv[8 + 2 * 16];
    int k = 0;
    const char *head[] = {python,     script, "query",
                          "--xapian", dir,    "--lockstep"};
    for (size_t j = 0; j < sizeof head / sizeof *head; j++)
        argv[k++] = head[j];
    for (int j = 0; j < nfiles && j < 16; j++) {
        argv[k++] = "--queries";
        argv[k++] = qfiles[j];
    }
    argv[k] = NULL;
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) < 0) {
        perror("bench: pipe");
        return -1;
    }
    if (pipe2(from, O_CLOEXEC) < 0) {
        perror("bench: pipe");
        close(to[0]);
        close(to[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, from[1], STDOUT_FILENO);
    int err =
        posix_spawn(&p->pid, python, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(to[0]);
    close(from[1]);
    if (err) {
        fprintf(stderr, "bench: %s: %s\n", python, strerror(err));
        close(to[1]);
        close(from[0]);
        return -1;
    }
    p->in = fdopen(to[1], "w");
    p->out = fdopen(from[0], "r");
    qr->xapian = p; /* from here on peer_stop() cleans up */
    if (!p->in || !p->out) {
        perror("bench: fdopen");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int ready = -1;
    while (ready < 0 && getline(&line, &cap, p->out) > 0) {
        mg_trim(line);
        int i, n;
        if (sscanf(line, "ready %d", &n) == 1) {
            ready = n;
        } else if (sscanf(line, "nohits %d", &i) == 1 && i >= 0 &&
                   i < qr->qs->n) {
            qr->nohits[SYS_XAPIAN]++;
            if (qr->nohit)
                qr->nohit[i] |= SYS_BIT(SYS_XAPIAN);
        } else if (sscanf(line, "error %d %n", &i, &n) == 1 && i >= 0 &&
                   i < qr->qs->n && !qr->errors[SYS_XAPIAN]++) {
            snprintf(qr->first_error[SYS_XAPIAN],
                     sizeof qr->first_error[SYS_XAPIAN], "%s: %s", qr->qs->q[i],
                     line + n);
        }
    }
    free(line);
    if (ready != qr->qs->n) {
        fprintf(stderr, "bench: the Xapian peer (%s) %s\n", script,
                ready < 0 ? "stopped before it was ready"
                          : "read another number of queries");
        return -1;
    }
    return 0;
}

/* One timed pass of the peer over every query: its in-process times
 * into qr.  A peer that fails is stopped, its samples left out. */
static void peer_pass(struct qrun *qr, int pass)
{
    struct peer *p = qr->xapian;
    char *line = NULL;
    size_t cap = 0;
    if (!p || !p->in)
        return;
    if (fputs("pass\n", p->in) < 0 || fflush(p->in) != 0 ||
        getline(&line, &cap, p->out) <= 0 || strncmp(line, "times ", 6)) {
        fprintf(stderr, "bench: the Xapian peer stopped in pass %d\n", pass);
        fclose(p->in);
        p->in = NULL;
        free(line);
        return;
    }
    char *c = line + 6;
    for (int i = 0; i < qr->qs->n; i++) {
        char *end;
        double ms = strtod(c, &end); /* "nan" for a failed query */
        if (end == c)
            break;
        c = end;
        if (isnan(ms))
            continue;
        samples_add(&qr->smp[SYS_XAPIAN], ms);
        qr->perq[SYS_XAPIAN][(size_t)pass * (size_t)qr->qs->n + (size_t)i] = ms;
    }
    free(line);
}

/* Ends the peer (the end of its stdin) and waits for it; takes NULL. */
static void peer_stop(struct peer *p)
{
    if (!p)
        return;
    if (p->in)
        fclose(p->in);
    if (p->out) {
        char chunk[4096];
        while (fread(chunk, 1, sizeof chunk, p->out) > 0)
            ;
        fclose(p->out);
    }
    int st;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    memset(p, 0, sizeof *p);
}

/* One pass of system sys over all queries; samples kept when timed,
 * errors and empty answers counted when not (the warm-up pass). */
static void query_pass(struct qrun *qr, int sys, int pass)
{
    int timed = pass >= 0;
    if (sys == SYS_XAPIAN) { /* the peer's warm-up ran in peer_start() */
        if (timed)
            peer_pass(qr, pass);
        return;
    }
    for (int i = 0; i < qr->qs->n; i++) {
        struct mg_err err = {{0}};
        double t0 = mg_now();
        int hits = run_query(qr, sys, i, &err);
        double ms = (mg_now() - t0) * 1000.0;
        if (hits < 0) {
            if (!timed && !qr->errors[sys]++)
                snprintf(qr->first_error[sys], sizeof qr->first_error[sys],
                         "%s: %s", qr->qs->q[i], err.msg);
            continue;
        }
        if (timed) {
            samples_add(&qr->smp[sys], ms);
            qr->perq[sys][(size_t)pass * (size_t)qr->qs->n + (size_t)i] = ms;
        } else if (hits == 0) {
            qr->nohits[sys]++;
            if (qr->nohit)
                qr->nohit[i] |= SYS_BIT(sys);
        }
    }
}

/* Warm-up, then passes timed passes of the systems in the mask (each pass
 * runs them in turn, in enum order). */
static void query_passes(struct qrun *qr, unsigned systems, int passes)
{
    size_t n = (size_t)passes * (size_t)qr->qs->n;
    qr->passes = passes;
    for (int sys = 0; sys < NSYS; sys++) {
        if (!(systems & SYS_BIT(sys)))
            continue;
        qr->perq[sys] = mg_malloc(n * sizeof(double));
        for (size_t k = 0; k < n; k++)
            qr->perq[sys][k] = NAN;
        query_pass(qr, sys, -1);
    }
    for (int p = 0; p < passes; p++)
        for (int sys = 0; sys < NSYS; sys++)
            if (systems & SYS_BIT(sys))
                query_pass(qr, sys, p);
}

/* The median over the timed passes of query i on system sys (NAN when
 * it never ran). */
static double query_median(const struct qrun *qr, int sys, int i)
{
    double v[qr->passes > 0 ? qr->passes : 1];
    int k = 0;
    if (!qr->perq[sys])
        return NAN;
    for (int p = 0; p < qr->passes; p++) {
        double ms = qr->perq[sys][(size_t)p * (size_t)qr->qs->n + (size_t)i];
        if (!isnan(ms))
            v[k++] = ms;
    }
    if (!k)
        return NAN;
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

static void qrun_free(struct qrun *qr)
{
    for (int i = 0; i < NSYS; i++) {
        free(qr->smp[i].v);
        free(qr->perq[i]);
    }
    free(qr->relaxed);
    free(qr->total);
    free(qr->nohit);
}

/* ---- process per query ---- */

struct proc_stats {
    int ran; /* 0: skipped (no program) */
    int errors;
    struct stats st;
};

/* s as an SQL string literal. */
static void sql_literal(struct buf *b, const char *s)
{
    buf_addc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_addc(b, '\'');
        buf_addc(b, *s);
    }
    buf_addc(b, '\'');
}

static struct proc_stats process_queries(const struct queries *qs, int morgue,
                                         const char *bin, const char *db)
{
    struct proc_stats ps = {0};
    struct samples smp = {0};
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/morgue-query", bin);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < qs->n; i++) {
            struct buf sql = {0};
            char *argv[8];
            if (morgue) {
                char *a[] = {prog, "--db", (char *)db, "--", qs->q[i], NULL};
                memcpy(argv, a, sizeof a);
            } else {
                /* BASE_SQL with the expression as an SQL literal */
                const char *q = strstr(BASE_SQL, "?1");
                buf_add(&sql, BASE_SQL, (size_t)(q - BASE_SQL));
                sql_literal(&sql, qs->fts[i]);
                buf_adds(&sql, q + 2);
                buf_addc(&sql, ';');
                char *a[] = {"sqlite3",  "-batch", "-readonly",
                             (char *)db, sql.s,    NULL};
                memcpy(argv, a, sizeof a);
            }
            struct run r;
            int rc = run_child(argv, 0, 1, &r);
            buf_free(&sql);
            if (rc < 0 || r.status == 127) {
                if (pass == 0 && i == 0) { /* no such program */
                    free(smp.v);
                    return ps;
                }
                ps.errors += pass == 1;
                continue;
            }
            /* morgue-query: 0 hits, 1 none; sqlite3: 0, else an error */
            if (r.status != 0 && !(morgue && r.status == 1)) {
                ps.errors += pass == 1;
                continue;
            }
            if (pass == 1)
                samples_add(&smp, r.wall * 1000.0);
        }
    }
    ps.ran = 1;
    ps.st = stats_of(&smp);
    free(smp.v);
    return ps;
}

/* ---- the report ---- */

struct build {
    double wall, peak_mb, size_mb;
    int status;
    char when[32]; /* --queries-only: when it was built ("" unknown) */
};

struct report {
    const char *corpus;
    long long articles;
    double input_mb;
    struct build base, morgue, xapian;
    double base_hwm_mb; /* baseline's peak RSS before its clock started */
    int nq, passes;
    struct qrun *qr;
    struct stats st[NSYS];
    struct proc_stats pq_morgue, pq_sqlite;
    char date[64], day[16], git[64], machine[512];
    int dirty;
};

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

/* The first line of a command's output, or "" (trimmed). */
static void command_line(const char *cmd, char *out, size_t size)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (!fgets(out, (int)size, p))
        out[0] = '\0';
    while (fgetc(p) != EOF)
        ;
    pclose(p);
    mg_trim(out);
}

static void machine_info(struct report *r)
{
    char model[256] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && c) {
            snprintf(model, sizeof model, "%s", c + 1);
            mg_trim(model);
            break;
        }
    }
    if (f)
        fclose(f);
    struct utsname u;
    if (uname(&u) < 0)
        memset(&u, 0, sizeof u);
    char load[64] = "";
    f = fopen("/proc/loadavg", "r");
    if (f && fgets(load, sizeof load, f)) {
        char *sp = strchr(load, ' ');
        sp = sp ? strchr(sp + 1, ' ') : NULL;
        sp = sp ? strchr(sp + 1, ' ') : NULL;
        if (sp)
            *sp = '\0';
    }
    if (f)
        fclose(f);
    snprintf(r->machine, sizeof r->machine,
             "%ld CPUs, %s, %s %s %s, SQLite %s, load average %s at the start",
             sysconf(_SC_NPROCESSORS_ONLN), model, u.sysname, u.release,
             u.machine, sqlite3_libversion(), load);
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(r->date, sizeof r->date, "%Y-%m-%d %H:%M:%S %z", &tm);
    strftime(r->day, sizeof r->day, "%Y-%m-%d", &tm);
    command_line("git rev-parse --short HEAD 2>/dev/null", r->git,
                 sizeof r->git);
    if (!r->git[0])
        snprintf(r->git, sizeof r->git, "nogit");
    char st[256];
    /* the results a run writes itself (bench/results) don't count */
    command_line("git status --porcelain --untracked-files=no -- ':/'"
                 " ':(top,exclude)bench/results' 2>/dev/null",
                 st, sizeof st);
    r->dirty = st[0] != '\0';
}

/* Output is written twice from the same rows: as aligned text and as
 * Markdown tables. */
struct out {
    struct buf b;
    int md;
};

static void row(struct out *o, const char *label, int ncols,
                const char *const *cells)
{
    if (o->md) {
        buf_printf(&o->b, "| %s |", label);
        for (int i = 0; i < ncols; i++)
            buf_printf(&o->b, " %s |", cells[i]);
        buf_addc(&o->b, '\n');
        return;
    }
    buf_printf(&o->b, "%-28s", label);
    for (int i = 0; i < ncols; i++)
        buf_printf(&o->b, " %9s", cells[i]);
    buf_addc(&o->b, '\n');
}

/* A query as a table's label: in code quotes, '|' escaped, in Markdown;
 * its first 28 bytes on a terminal. */
static void query_label(const struct out *o, const char *q, char *label,
                        size_t cap)
{
    if (o->md) {
        struct buf e = {0}; /* | would end the Markdown cell */
        for (const char *p = q; *p; p++)
            *p == '|' ? buf_adds(&e, "\\|") : buf_addc(&e, *p);
        snprintf(label, cap, "`%s`", e.s);
        buf_free(&e);
    } else {
        snprintf(label, cap, "%.28s", q);
    }
}

static void header(struct out *o, const char *title, int ncols,
                   const char *const *cols)
{
    if (!o->md) {
        row(o, title, ncols, cols);
        return;
    }
    buf_addc(&o->b, '\n');
    row(o, title, ncols, cols);
    buf_adds(&o->b, "| --- |");
    for (int i = 0; i < ncols; i++)
        buf_adds(&o->b, " ---: |");
    buf_addc(&o->b, '\n');
}

static void text(struct out *o, const char *s)
{
    buf_adds(&o->b, s);
    buf_addc(&o->b, '\n');
}

/* Numbers in a cell; "x" for a ratio, "-" for a missing figure. */
static char cell_buf[64][32];
static int cell_next;
static const char *num(double v, int decimals, int is_ratio, int have)
{
    char *c = cell_buf[cell_next++ % 64];
    if (!have)
        snprintf(c, 32, "-");
    else if (is_ratio)
        snprintf(c, 32, "%.2fx", v);
    else
        snprintf(c, 32, "%.*f", decimals, v);
    return c;
}

static void build_rows(struct out *o, const struct report *r)
{
    static const char *const COLS[] = {"wall s", "art/s", "MB/s", "size MB",
                                       "peak RSS MB"};
    header(o, "build", 5, COLS);
    const struct build *bs[2] = {&r->base, &r->morgue};
    const char *names[2] = {"fts5 baseline", "morgue"};
    for (int i = 0; i < 2; i++) {
        const struct build *b = bs[i];
        const char *c[] = {num(b->wall, 2, 0, 1),
                           num(ratio((double)r->articles, b->wall), 0, 0, 1),
                           num(ratio(r->input_mb, b->wall), 2, 0, 1),
                           num(b->size_mb, 1, 0, 1), num(b->peak_mb, 1, 0, 1)};
        row(o, names[i], 5, c);
    }
    const struct build *m = &r->morgue, *b = &r->base;
    const char *c[] = {num(ratio(m->wall, b->wall), 2, 1, 1),
                       num(ratio(b->wall, m->wall), 2, 1, 1),
                       num(ratio(b->wall, m->wall), 2, 1, 1),
                       num(ratio(m->size_mb, b->size_mb), 2, 1, 1),
                       num(ratio(m->peak_mb, b->peak_mb), 2, 1, 1)};
    row(o, "morgue / base", 5, c);
}

/* A row of ratios of system sys's figures to system to's. */
static void ratio_row(struct out *o, const struct report *r, const char *label,
                      int sys, int to)
{
    const struct stats *s = &r->st[sys], *t = &r->st[to];
    int have = s->n > 0 && t->n > 0;
    const char *c[] = {num(ratio(s->p50, t->p50), 2, 1, have),
                       num(ratio(s->p95, t->p95), 2, 1, have),
                       num(ratio(s->p99, t->p99), 2, 1, have),
                       num(ratio(s->qps, t->qps), 2, 1, have)};
    row(o, label, 4, c);
}

/* p50/p95/p99 and queries/s of the systems in the mask; after each
 * morgue system its ratio to the baseline, after plain morgue also to
 * Xapian, when those ran. */
static void query_rows(struct out *o, const struct report *r, unsigned systems)
{
    static const char *const COLS[] = {"p50 ms", "p95 ms", "p99 ms", "q/s"};
    char title[128];
    snprintf(title, sizeof title, "queries (%d, %d passes)", r->nq, r->passes);
    header(o, title, 4, COLS);
    for (int sys = 0; sys < NSYS; sys++) {
        if (!(systems & SYS_BIT(sys)))
            continue;
        const struct stats *s = &r->st[sys];
        const char *c[] = {
            num(s->p50, 2, 0, s->n > 0), num(s->p95, 2, 0, s->n > 0),
            num(s->p99, 2, 0, s->n > 0), num(s->qps, 0, 0, s->n > 0)};
        row(o, SYS_NAME[sys], 4, c);
        if (!(SYS_BIT(sys) & SYS_MORGUE_ALL))
            continue;
        if (systems & SYS_BIT(SYS_BASE))
            ratio_row(o, r, "  / base", sys, SYS_BASE);
        if (sys == SYS_MORGUE && (systems & SYS_BIT(SYS_XAPIAN)))
            ratio_row(o, r, "  / xapian", sys, SYS_XAPIAN);
    }
}

static void process_rows(struct out *o, const struct report *r)
{
    static const char *const COLS[] = {"p50 ms", "p95 ms", "errors"};
    header(o, "process per query (1 pass)", 3, COLS);
    const struct proc_stats *ps[2] = {&r->pq_sqlite, &r->pq_morgue};
    const char *names[2] = {"sqlite3 shell (baseline)", "morgue-query"};
    for (int i = 0; i < 2; i++) {
        char e[16];
        snprintf(e, sizeof e, "%d", ps[i]->errors);
        const char *c[] = {num(ps[i]->st.p50, 2, 0, ps[i]->ran),
                           num(ps[i]->st.p95, 2, 0, ps[i]->ran),
                           ps[i]->ran ? e : "skipped"};
        row(o, names[i], 3, c);
    }
    int have = r->pq_sqlite.ran && r->pq_morgue.ran;
    const char *c[] = {
        num(ratio(r->pq_morgue.st.p50, r->pq_sqlite.st.p50), 2, 1, have),
        num(ratio(r->pq_morgue.st.p95, r->pq_sqlite.st.p95), 2, 1, have), ""};
    row(o, "morgue-query / sqlite3", 3, c);
}

/* The SLOWEST queries for morgue by their median over the passes, with
 * the same query's median on the other systems. */
#define SLOWEST 8
static void slowest_rows(struct out *o, const struct report *r)
{
    const struct qrun *qr = r->qr;
    int n = qr->qs->n, pick[SLOWEST], np = 0;
    double med[n > 0 ? n : 1];
    for (int i = 0; i < n; i++)
        med[i] = query_median(qr, SYS_MORGUE, i);
    while (np < SLOWEST && np < n) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            for (int k = 0; k < np; k++)
                taken |= pick[k] == i;
            if (!taken && !isnan(med[i]) && (best < 0 || med[i] > med[best]))
                best = i;
        }
        if (best < 0)
            break;
        pick[np++] = best;
    }
    static const char *const COLS[] = {"base ms", "morgue ms", "/ base",
                                       "facets ms", "+hist ms"};
    header(o, "slowest for morgue (medians)", 5, COLS);
    for (int k = 0; k < np; k++) {
        int i = pick[k];
        double b = query_median(qr, SYS_BASE, i);
        double f = query_median(qr, SYS_FACETS, i);
        double h = query_median(qr, SYS_FACETS_HIST, i);
        const char *c[] = {num(b, 2, 0, !isnan(b)), num(med[i], 2, 0, 1),
                           num(ratio(med[i], b), 1, 1, !isnan(b)),
                           num(f, 2, 0, !isnan(f)), num(h, 2, 0, !isnan(h))};
        char label[64];
        query_label(o, qr->qs->q[i], label, sizeof label);
        row(o, label, 5, c);
    }
}

static void target(struct out *o, const char *what, const char *limit, double v,
                   int is_ratio, double max, int have)
{
    const char *c[] = {limit, num(v, 2, is_ratio, have),
                       !have      ? "-"
                       : v <= max ? "met"
                                  : "NOT MET"};
    row(o, what, 3, c);
}

static void target_rows(struct out *o, const struct report *r)
{
    static const char *const COLS[] = {"target", "now", ""};
    header(o, "targets (performance issue)", 3, COLS);
    const struct stats *b = &r->st[SYS_BASE], *m = &r->st[SYS_MORGUE];
    target(o, "build wall vs baseline", "<= 1.25x",
           ratio(r->morgue.wall, r->base.wall), 1, 1.25, 1);
    target(o, "index size vs baseline", "<= 1.6x",
           ratio(r->morgue.size_mb, r->base.size_mb), 1, 1.6, 1);
    target(o, "query p50 vs baseline", "<= 1.2x", ratio(m->p50, b->p50), 1, 1.2,
           m->n && b->n);
    target(o, "query p95 vs baseline", "<= 1.2x", ratio(m->p95, b->p95), 1, 1.2,
           m->n && b->n);
    target(o, "--facets p95", "<= 10 ms", r->st[SYS_FACETS].p95, 0, 10,
           r->st[SYS_FACETS].n > 0);
    target(o, "facets+histogram p95", "<= 10 ms", r->st[SYS_FACETS_HIST].p95, 0,
           10, r->st[SYS_FACETS_HIST].n > 0);
    target(o, "morgue-query process p50", "<= 5 ms", r->pq_morgue.st.p50, 0, 5,
           r->pq_morgue.ran);
}

static void report_write(struct out *o, const struct report *r)
{
    char line[1024];
    if (o->md) {
        text(o, "# morgue against plain FTS5 (`make bench-core`)\n");
        snprintf(line, sizeof line, "- date: %s", r->date);
        text(o, line);
        snprintf(line, sizeof line, "- commit: %s%s", r->git,
                 r->dirty ? " (with uncommitted changes)" : "");
        text(o, line);
        snprintf(line, sizeof line, "- machine: %s", r->machine);
        text(o, line);
        snprintf(line, sizeof line,
                 "- corpus: %s (%lld articles, %.1f MB title+body)", r->corpus,
                 r->articles, r->input_mb);
        text(o, line);
    } else {
        snprintf(line, sizeof line,
                 "corpus: %s (%lld articles, %.1f MB title+body)", r->corpus,
                 r->articles, r->input_mb);
        text(o, line);
        snprintf(line, sizeof line, "machine: %s; commit %s%s", r->machine,
                 r->git, r->dirty ? " (with uncommitted changes)" : "");
        text(o, line);
    }
    build_rows(o, r);
    query_rows(o, r, SYS_CORE);
    slowest_rows(o, r);
    process_rows(o, r);
    target_rows(o, r);
    if (o->md)
        text(o, "");
    const struct qrun *qr = r->qr;
    snprintf(line, sizeof line,
             "%sin the warm-up pass: queries without hits: baseline %d, "
             "morgue %d; failed: baseline %d, morgue %d",
             o->md ? "- " : "", qr->nohits[SYS_BASE], qr->nohits[SYS_MORGUE],
             qr->errors[SYS_BASE], qr->errors[SYS_MORGUE]);
    text(o, line);
    for (int sys = 0; sys < NSYS; sys++)
        if (qr->errors[sys]) {
            snprintf(line, sizeof line, "%s  first %s error: %s",
                     o->md ? "- " : "", SYS_NAME[sys], qr->first_error[sys]);
            text(o, line);
        }
    const char *p = o->md ? "- " : "";
    snprintf(line, sizeof line,
             "%sbaseline build: inserts, commit, 'optimize' and close only; "
             "its input is the title and body read from the morgue index "
             "into memory first (peak RSS %.1f MB before its clock started)",
             p, r->base_hwm_mb);
    text(o, line);
    snprintf(line, sizeof line,
             "%smorgue build: the whole morgue-index run (reading, parsing, "
             "cleaning, entities, FTS5 with the morgue tokenizer, "
             "optimize); size: database + WAL; MB = 10^6 bytes",
             p);
    text(o, line);
    snprintf(line, sizeof line,
             "%squeries: in process, top %d with snippets, latencies over "
             "all %d x %d timed runs; the baseline's query is bm25 over "
             "title and body, snippet() of the body",
             p, TOP, r->passes, r->nq);
    text(o, line);
    if (r->morgue.status != 0) {
        snprintf(line, sizeof line,
                 "%smorgue-index exited with status %d (some inputs skipped "
                 "or failed)",
                 p, r->morgue.status);
        text(o, line);
    }
}

static int write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(s, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The Markdown md as OUT/latest{name}.md and OUT/DAY-GIT{name}.md. */
static int report_save(const struct report *r, const char *md, const char *dir,
                       const char *name)
{
    char path[4096];
    int rc = 0;
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/latest%s.md", dir, name);
    rc |= write_file(path, md);
    snprintf(path, sizeof path, "%s/%s-%s%s.md", dir, r->day, r->git, name);
    rc |= write_file(path, md);
    if (!rc)
        printf("written: %s/latest%s.md and %s\n", dir, name, path);
    return rc;
}

/* bench-core's report; for a corpus other than Reuters-21578 (the
 * history's), the names end in -CORPUSNAME. */
static int report_save_core(const struct report *r, const char *dir)
{
    struct out o = {.md = 1};
    report_write(&o, r);
    char name[300] = "";
    size_t blen = strlen(r->corpus);
    while (blen > 1 && r->corpus[blen - 1] == '/')
        blen--;
    char cname[256];
    snprintf(cname, sizeof cname, "%.*s", (int)blen, r->corpus);
    const char *base = strrchr(cname, '/');
    base = base ? base + 1 : cname;
    if (strcmp(base, "reuters21578") != 0)
        snprintf(name, sizeof name, "-%s", base);
    int rc = report_save(r, o.b.s, dir, name);
    buf_free(&o.b);
    return rc;
}

/* ---- main ---- */

static int open_morgue(const char *db, struct store **st, struct searcher **s)
{
    struct mg_err err;
    if (store_open(db, STORE_READ, st, &err) < 0 ||
        searcher_new(*st, s, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* The number of articles of the index db and the MB of their title and
 * body.  Returns 0, or -1 with a message on stderr. */
static int index_info(const char *db, long long *articles, double *mb)
{
    sqlite3 *m = NULL;
    sqlite3_stmt *q = NULL;
    int rc = -1;
    if (sqlite3_open_v2(db, &m, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m,
                           "SELECT count(*), total(length(CAST(title AS BLOB))"
                           " + length(CAST(body AS BLOB))) FROM articles",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        fprintf(stderr, "bench: %s: %s\n", db,
                m ? sqlite3_errmsg(m) : "out of memory");
    } else {
        *articles = sqlite3_column_int64(q, 0);
        *mb = sqlite3_column_double(q, 1) / MB;
        rc = 0;
    }
    sqlite3_finalize(q);
    sqlite3_close(m);
    return rc;
}

/* Opens the baseline at path read-only, with the read settings morgue's
 * own read connections use, and prepares its query.  Returns 0, or -1
 * with a message on stderr (the caller closes *db, finalizes *st). */
static int open_base(const char *path, sqlite3 **db, sqlite3_stmt **st)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(*db,
                     "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(*db, BASE_SQL, -1, st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", path,
                *db ? sqlite3_errmsg(*db) : "out of memory");
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: bench --bin DIR --corpus DIR --work DIR [--passes N]\n"
          "             [--queries FILE] [--out DIR]\n"
          "       bench --queries-only --db FILE [--queries FILE]... "
          "[--passes N]\n"
          "             [--baseline] [--xapian DIR [--python PATH] "
          "[--xapian-peer SCRIPT]]\n"
          "             [--out DIR]\n"
          "       bench --queries-only --db FILE --cluster FILE [--clients N]\n"
          "             [--queries FILE]... [--passes N]\n"
          "       bench --print-fts [--queries FILE]   (the baseline's "
          "FTS5 expressions)\n",
          f);
}

/* ---- --queries-only: over an existing index ---- */

/* What --queries-only runs: morgue (with and without facets) always, the
 * baseline and Xapian on request. */
struct only_opts {
    const char *db;            /* the morgue index */
    int baseline;              /* also the FTS5 baseline beside it */
    const char *xapian;        /* also Xapian over this database */
    const char *cluster;       /* also morgue over this cluster file */
    int clients;               /* > 1: also this many client threads */
    const char *python, *peer; /* the peer's interpreter and script */
    const char *out;           /* write the report here, or NULL */
    const char *const *qfiles; /* the query files, for the peer */
    int nfiles;
    int passes;
    const char *self; /* this program, for --baseline-build */
};

/* The later of the modification times of path and of path-wal when that
 * holds anything (a reader may create an empty one); 0: absent. */
static double db_mtime(const char *path)
{
    char wal[4096];
    struct stat sb;
    double t = 0;
    snprintf(wal, sizeof wal, "%s-wal", path);
    const char *p[] = {path, wal};
    for (int i = 0; i < 2; i++)
        if (stat(p[i], &sb) == 0 && (i == 0 || sb.st_size > 0)) {
            double m = (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9;
            t = m > t ? m : t;
        }
    return t;
}

/* A build's record: "WALL_S PEAK_RSS_MB ..." in the file at path, its
 * modification time as when.  Returns 0, or -1 when there is none. */
static int build_read(const char *path, struct build *b)
{
    FILE *f = fopen(path, "r");
    struct stat sb;
    int ok = f && fscanf(f, "%lf %lf", &b->wall, &b->peak_mb) == 2 &&
             fstat(fileno(f), &sb) == 0;
    if (f)
        fclose(f);
    if (!ok)
        return -1;
    struct tm tm;
    localtime_r(&sb.st_mtime, &tm);
    strftime(b->when, sizeof b->when, "%Y-%m-%d %H:%M", &tm);
    return 0;
}

/* The baseline of the index db in the file base: kept when it is complete
 * (its record base.build written) and newer than the index, else built
 * afresh in a child (bench --baseline-build), which writes the record.
 * Returns 0, or -1 with a message on stderr. */
static int baseline_ensure(const struct only_opts *op, const char *base)
{
    char rec[4200];
    snprintf(rec, sizeof rec, "%s.build", base);
    struct build b;
    if (build_read(rec, &b) == 0 && db_mtime(base) > db_mtime(op->db)) {
        printf("bench: the FTS5 baseline %s is newer than the index: kept\n",
               base);
        return 0;
    }
    unlink(rec);
    remove_db(base);
    printf("bench: building the FTS5 baseline %s ...\n", base);
    struct run run;
    char *argv[] = {(char *)op->self, "--baseline-build", (char *)op->db,
                    (char *)base, NULL};
    double secs = 0;
    long long n = 0;
    if (run_child(argv, 1, 0, &run) < 0 || run.status != 0 || !run.out ||
        sscanf(run.out, "%lf %lld", &secs, &n) != 2) {
        fprintf(stderr, "bench: the baseline build failed (status %d)\n",
                run.status);
        free(run.out);
        return -1;
    }
    free(run.out);
    FILE *f = fopen(rec, "w");
    if (!f || fprintf(f, "%.3f %.1f %lld\n", secs, run.peak_mb, n) < 0 ||
        fclose(f) != 0) {
        fprintf(stderr, "bench: %s: %s\n", rec, strerror(errno));
        return -1;
    }
    return 0;
}

/* The bytes of the files in dir (not in its subfolders: Xapian has
 * none). */
static long long dir_size(const char *dir)
{
    long long sum = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[4600];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            sum += (long long)sb.st_size;
    }
    if (d)
        closedir(d);
    return sum;
}

/* A cell's text for a ratio of a to b, "-" when either is missing. */
static const char *ratio_cell(double a, double b)
{
    return num(ratio(a, b), 2, 1, !isnan(a) && !isnan(b) && b > 0);
}

/* Each query of class cls (NULL: the queries of no class) with morgue's
 * matches, every system's median and morgue's ratios to Xapian and the
 * baseline; then how many morgue relaxed. */
static void class_rows(struct out *o, const struct report *r, const char *cls)
{
    static const char *const COLS[] = {"matches",   "fts5 ms",  "morgue ms",
                                       "xapian ms", "/ xapian", "/ fts5"};
    const struct qrun *qr = r->qr;
    char title[128];
    snprintf(title, sizeof title, "%s%s (medians)", cls ? "class " : "",
             cls ? cls : "no class");
    header(o, title, 6, COLS);
    int n = 0, relaxed = 0;
    for (int i = 0; i < qr->qs->n; i++) {
        const char *c = qr->qs->cls[i];
        if (cls ? !c || strcmp(c, cls) : c != NULL)
            continue;
        double b = query_median(qr, SYS_BASE, i);
        double m = query_median(qr, SYS_MORGUE, i);
        double x = query_median(qr, SYS_XAPIAN, i);
        char total[32];
        snprintf(total, sizeof total, "%lld", (long long)qr->total[i]);
        const char *cells[] = {total,
                               num(b, 2, 0, !isnan(b)),
                               num(m, 2, 0, !isnan(m)),
                               num(x, 2, 0, !isnan(x)),
                               ratio_cell(m, x),
                               ratio_cell(m, b)};
        char label[600];
        query_label(o, qr->qs->q[i], label, sizeof label);
        row(o, label, 6, cells);
        n++;
        relaxed += qr->relaxed[i];
    }
    if (relaxed || (cls && !strcmp(cls, CLASS_SENTENCE))) {
        char line[128];
        snprintf(line, sizeof line,
                 "%s%d of %d relaxed by morgue (too few articles with every "
                 "word)",
                 o->md ? "\n" : "", relaxed, n);
        text(o, line);
    }
}

/* The class names of the query set in order of first use; returns how
 * many (at most max). */
static int class_names(const struct queries *qs, const char **names, int max)
{
    int n = 0;
    for (int i = 0; i < qs->n; i++) {
        const char *c = qs->cls[i];
        int seen = !c;
        for (int k = 0; k < n && !seen; k++)
            seen = !strcmp(names[k], c);
        if (!seen && n < max)
            names[n++] = c;
    }
    return n;
}

#define TARGET_P99_MS 50.0      /* morgue's p99, at 500,000 articles */
#define TARGET_XAPIAN_RATIO 3.0 /* each query of a class, against Xapian */

static void compare_targets(struct out *o, const struct report *r,
                            const char *const *names, int ncls)
{
    const struct qrun *qr = r->qr;
    const struct stats *m = &r->st[SYS_MORGUE], *b = &r->st[SYS_BASE];
    char title[128], line[1024];
    snprintf(title, sizeof title, "targets (%lld articles)", r->articles);
    static const char *const COLS[] = {"target", "now", ""};
    header(o, title, 3, COLS);
    target(o, "morgue p99", "<= 50 ms", m->p99, 0, TARGET_P99_MS, m->n > 0);
    target(o, "morgue p50 / fts5 p50", "<= 1x", ratio(m->p50, b->p50), 1, 1.0,
           m->n > 0 && b->n > 0);
    struct buf within = {0};
    for (int k = 0; k < ncls; k++) {
        double worst = 0;
        int n = 0, ok = 0, have = 1;
        for (int i = 0; i < qr->qs->n; i++) {
            if (!qr->qs->cls[i] || strcmp(qr->qs->cls[i], names[k]))
                continue;
            double mm = query_median(qr, SYS_MORGUE, i);
            double x = query_median(qr, SYS_XAPIAN, i);
            n++;
            if (isnan(mm) || isnan(x) || x <= 0) {
                have = 0;
                continue;
            }
            worst = mm / x > worst ? mm / x : worst;
            ok += mm / x <= TARGET_XAPIAN_RATIO;
        }
        char what[96];
        snprintf(what, sizeof what, "%s: each query / xapian", names[k]);
        target(o, what, "<= 3x", worst, 1, TARGET_XAPIAN_RATIO, have);
        buf_printf(&within, "%s%s %d of %d", k ? ", " : "", names[k], ok, n);
    }
    if (o->md)
        text(o, "");
    snprintf(line, sizeof line,
             "%smorgue within 3x of Xapian, query by query: %s",
             o->md ? "- " : "", within.s ? within.s : "no classes");
    text(o, line);
    buf_free(&within);
}

static void compare_write(struct out *o, const struct report *r,
                          const struct only_opts *op, unsigned systems)
{
    char line[2048];
    const char *p = o->md ? "- " : "";
    if (o->md) {
        snprintf(line, sizeof line,
                 "# morgue, plain FTS5 and Xapian at %lld articles "
                 "(`make bench`)\n",
                 r->articles);
        text(o, line);
        snprintf(line, sizeof line, "- date: %s", r->date);
        text(o, line);
    }
    snprintf(line, sizeof line,
             "%sindex: %s (%lld articles, %.1f MB "
             "title+body)",
             p, op->db, r->articles, r->input_mb);
    text(o, line);
    snprintf(line, sizeof line, "%scommit: %s%s; machine: %s", p, r->git,
             r->dirty ? " (with uncommitted changes)" : "", r->machine);
    text(o, line);

    static const char *const BCOLS[] = {"wall s", "size MB", "peak RSS MB",
                                        "built"};
    if (!o->md) /* Markdown's tables start with a blank line of their own */
        text(o, "");
    header(o, "build", 4, BCOLS);
    const struct build *bs[] = {&r->base, &r->morgue, &r->xapian};
    const char *names[] = {"fts5 baseline", "morgue", "xapian"};
    int ran[] = {(systems & SYS_BIT(SYS_BASE)) != 0, 1,
                 (systems & SYS_BIT(SYS_XAPIAN)) != 0};
    for (int i = 0; i < 3; i++) {
        if (!ran[i])
            continue;
        int have = bs[i]->when[0] != '\0';
        const char *c[] = {
            num(bs[i]->wall, 1, 0, have), num(bs[i]->size_mb, 1, 0, 1),
            num(bs[i]->peak_mb, 1, 0, have), have ? bs[i]->when : "-"};
        row(o, names[i], 4, c);
    }

    const char *cls[32];
    int ncls = class_names(r->qr->qs, cls, 32);
    for (int k = -1; k <= ncls + 1; k++) {
        if (!o->md)
            text(o, "");
        if (k == -1)
            query_rows(o, r, systems);
        else if (k < ncls)
            class_rows(o, r, cls[k]);
        else if (k == ncls)
            class_rows(o, r, NULL);
        else
            compare_targets(o, r, cls, ncls);
    }

    const struct qrun *qr = r->qr;
    if (!o->md)
        text(o, "");
    for (int sys = 0; sys < NSYS; sys++) {
        if (!(systems & SYS_BIT(sys)) || sys == SYS_FACETS ||
            sys == SYS_FACETS_HIST)
            continue;
        struct buf which = {0};
        for (int i = 0; i < qr->qs->n; i++)
            if (qr->nohit[i] & SYS_BIT(sys))
                buf_printf(&which, "%s%s", which.len ? ", " : " (",
                           qr->qs->q[i]);
        snprintf(line, sizeof line,
                 "%s%s, in the warm-up pass: %d queries without hits%s%s, "
                 "%d failed%s%s",
                 p, SYS_NAME[sys], qr->nohits[sys], which.len ? which.s : "",
                 which.len ? ")" : "", qr->errors[sys],
                 qr->errors[sys] ? "; first: " : "", qr->first_error[sys]);
        buf_free(&which);
        text(o, line);
    }
    snprintf(line, sizeof line,
             "%squeries: %d (bench/queries.txt, bench/queries-scale.txt), a "
             "warm-up pass, then %d timed passes, each running every system "
             "over every query in turn; in process, top %d with snippets; "
             "p50/p95/p99 over all timed runs; per query the median, "
             "morgue's matches, and morgue's median divided by Xapian's "
             "(/ xapian) and the baseline's (/ fts5)",
             p, r->nq, r->passes, TOP);
    text(o, line);
    snprintf(line, sizeof line,
             "%sfts5 baseline: a plain FTS5 `porter unicode61` table of the "
             "same title and body, bm25, snippet() of the body; a relaxed "
             "sentence (class sentence) is the OR of its words",
             p);
    text(o, line);
    snprintf(line, sizeof line,
             "%sxapian: bench/xapian_peer.py (python3-xapian, Xapian 1.4), "
             "BM25Weight defaults, each hit's data and MSet::snippet of its "
             "body, timed inside its own process (perf_counter) between "
             "this program's passes; a relaxed sentence is the OR of its "
             "words; its match count is Xapian's estimate",
             p);
    text(o, line);
    snprintf(line, sizeof line,
             "%sbuild: morgue is the whole morgue-index run over the JSON "
             "Lines; the baseline its inserts, commit and 'optimize' of "
             "articles read from the morgue index first; Xapian its whole "
             "loop over the morgue index's rows and the commit; size: "
             "database + WAL, Xapian's folder; MB = 10^6 bytes",
             p);
    text(o, line);
}

/* ---- --clients: client threads ---- */

/* One client thread: its own searcher (over the index, or the cluster),
 * the query set passes times from its own starting query, after one
 * untimed query (connections made). */
struct client {
    const struct only_opts *op;
    const struct queries *qs;
    pthread_barrier_t *start;
    struct samples smp;
    int cluster, first, passes;
    int errors;
    char error[600];
};

static void *client_main(void *arg)
{
    struct client *c = arg;
    struct store *st = NULL;
    struct searcher *s = NULL;
    struct search_cluster_opts co = {0};
    struct mg_err err = {{0}};
    int ok = c->cluster
                 ? searcher_new_cluster(c->op->cluster, &co, &s, &err) == 0
                 : store_open(c->op->db, STORE_READ, &st, &err) == 0 &&
                       searcher_new(st, &s, &err) == 0;
    struct search_opts o = {.limit = TOP, .facets = 1};
    struct search_result res = {0};
    if (ok) { /* the untimed query */
        o.query = c->qs->q[c->first];
        search_run(s, &o, &res, &err);
        search_result_free(&res);
    } else {
        snprintf(c->error, sizeof c->error, "%s", err.msg);
        c->errors++;
    }
    pthread_barrier_wait(c->start);
    for (int k = 0; ok && k < c->passes * c->qs->n; k++) {
        memset(&res, 0, sizeof res);
        o.query = c->qs->q[(c->first + k) % c->qs->n];
        double t0 = mg_now();
        int rc = search_run(s, &o, &res, &err);
        double ms = (mg_now() - t0) * 1000.0;
        search_result_free(&res);
        if (rc < 0) {
            if (!c->errors++)
                snprintf(c->error, sizeof c->error, "%s: %s", o.query, err.msg);
            continue;
        }
        samples_add(&c->smp, ms);
    }
    searcher_free(s);
    store_close(st);
    return NULL;
}

/* n client threads over the index (cluster 0) or the cluster, each
 * running the query set passes times; their latencies together in *st,
 * and queries/s as all their queries over the wall time from the moment
 * all were ready to the last one's end.  Returns the failed queries
 * (the first one's message on stderr). */
static int clients_run(const struct only_opts *op, const struct queries *qs,
                       int cluster, int n, int passes, struct stats *st)
{
    struct client c[16];
    pthread_t t[16];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        c[i] = (struct client){.op = op,
                               .qs = qs,
                               .cluster = cluster,
                               .first = i * qs->n / n,
                               .passes = passes,
                               .start = &start};
        if (pthread_create(&t[i], NULL, client_main, &c[i]) != 0) {
            fprintf(stderr, "bench: cannot start a client thread\n");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    double t0 = mg_now();
    struct samples all = {0};
    int errors = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        for (size_t k = 0; k < c[i].smp.n; k++)
            samples_add(&all, c[i].smp.v[k]);
        if (c[i].errors && !errors)
            fprintf(stderr, "bench: client %d: %s\n", i, c[i].error);
        errors += c[i].errors;
        free(c[i].smp.v);
    }
    double wall = mg_now() - t0;
    pthread_barrier_destroy(&start);
    *st = stats_of(&all);
    st->qps = wall > 0 ? (double)all.n / wall : 0;
    free(all.v);
    return errors;
}

/* A line bench/cluster.sh reads: the system's key, its samples,
 * p50/p95/p99/mean ms, queries/s, failed queries and queries without
 * hits (-1: not counted). */
static void figures_line(const char *key, const struct stats *s, int errors,
                         int nohits)
{
    printf("figures %s %zu %.3f %.3f %.3f %.3f %.1f %d %d\n", key, s->n, s->p50,
           s->p95, s->p99, s->mean, s->qps, errors, nohits);
}

/* --cluster: morgue over the index and over the cluster, single-threaded
 * (qr's passes) and with op->clients threads each. */
static void cluster_figures(const struct only_opts *op,
                            const struct queries *qs, const struct qrun *qr,
                            const struct report *r)
{
    figures_line("fts5", &r->st[SYS_FACETS], qr->errors[SYS_FACETS],
                 qr->nohits[SYS_FACETS]);
    figures_line("cluster", &r->st[SYS_CLUSTER], qr->errors[SYS_CLUSTER],
                 qr->nohits[SYS_CLUSTER]);
    if (qr->ncparts > 0) /* the means of the cluster's searches */
        printf("parts cluster %.3f %.3f %.3f %.3f %.1f\n",
               qr->cparts[0] / (double)qr->ncparts,
               qr->cparts[1] / (double)qr->ncparts,
               qr->cparts[2] / (double)qr->ncparts,
               qr->cparts[3] / (double)qr->ncparts,
               qr->cparts[4] / (double)qr->ncparts);
    const int both[] = {SYS_FACETS, SYS_CLUSTER};
    for (int i = 0; i < 2; i++)
        if (qr->errors[both[i]])
            printf("first %s error: %s\n", SYS_NAME[both[i]],
                   qr->first_error[both[i]]);
    /* the slowest queries on the cluster, by their median */
    int order[qs->n > 0 ? qs->n : 1];
    double med[qs->n > 0 ? qs->n : 1];
    for (int i = 0; i < qs->n; i++) {
        order[i] = i;
        med[i] = query_median(qr, SYS_CLUSTER, i);
        if (isnan(med[i])) /* failed: last */
            med[i] = -1;
    }
    for (int i = 1; i < qs->n; i++) /* insertion sort, slowest first */
        for (int j = i; j > 0 && med[order[j]] > med[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < qs->n && k < SLOWEST; k++)
        printf("slow %.3f %.3f %lld %s\n", med[order[k]],
               query_median(qr, SYS_FACETS, order[k]),
               (long long)qr->total[order[k]], qs->q[order[k]]);
    if (op->clients < 2)
        return;
    printf("bench: %d client threads, %d passes each ...\n", op->clients,
           op->passes);
    for (int cluster = 0; cluster < 2; cluster++) {
        struct stats st;
        int errors = clients_run(op, qs, cluster, op->clients, op->passes, &st);
        char key[32];
        snprintf(key, sizeof key, "%s-c%d", cluster ? "cluster" : "fts5",
                 op->clients);
        figures_line(key, &st, errors, -1);
    }
}

/* --queries-only: the in-process figures of morgue, and of the baseline
 * and Xapian when asked, over an existing index.  Without either, prints
 * morgue's rows alone (bench/scale.sh reads them); with them, the whole
 * comparison, saved as OUT/latest-scale-ARTICLES.md when op->out is set. */
static int queries_only(const struct only_opts *op, const struct queries *qs)
{
    struct store *st = NULL;
    struct searcher *s = NULL;
    sqlite3 *base = NULL;
    struct peer peer = {0};
    struct qrun qr = {.qs = qs};
    unsigned systems = SYS_MORGUE_ALL;
    int rc = 1;
    struct report r = {.nq = qs->n, .passes = op->passes, .qr = &qr};
    char bdb[4096];
    size_t dl = strlen(op->db);
    if (dl > 3 && !strcmp(op->db + dl - 3, ".db"))
        dl -= 3;
    snprintf(bdb, sizeof bdb, "%.*s-base.db", (int)dl, op->db);
    qr.relaxed = mg_calloc((size_t)qs->n, sizeof *qr.relaxed);
    qr.total = mg_calloc((size_t)qs->n, sizeof *qr.total);
    qr.nohit = mg_calloc((size_t)qs->n, sizeof *qr.nohit);

    if (op->baseline || op->xapian) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        machine_info(&r);
        if (index_info(op->db, &r.articles, &r.input_mb) < 0)
            goto out;
        char rec[4200];
        snprintf(rec, sizeof rec, "%s.build", op->db);
        build_read(rec, &r.morgue);
        r.morgue.size_mb = (double)db_size(op->db) / MB;
    }
    if (op->baseline) {
        if (baseline_ensure(op, bdb) < 0)
            goto out;
        char rec[4200];
        snprintf(rec, sizeof rec, "%s.build", bdb);
        build_read(rec, &r.base);
        r.base.size_mb = (double)db_size(bdb) / MB;
        if (open_base(bdb, &base, &qr.base) < 0)
            goto out;
        systems |= SYS_BIT(SYS_BASE);
    }
    if (op->xapian) {
        char rec[4200];
        snprintf(rec, sizeof rec, "%s/build.txt", op->xapian);
        build_read(rec, &r.xapian);
        r.xapian.size_mb = (double)dir_size(op->xapian) / MB;
        printf("bench: starting the Xapian peer (its warm-up pass) ...\n");
        signal(SIGPIPE, SIG_IGN); /* a peer that dies: EPIPE, not death */
        if (peer_start(&qr, &peer, op->python, op->peer, op->xapian, op->qfiles,
                       op->nfiles) < 0)
            goto out;
        systems |= SYS_BIT(SYS_XAPIAN);
    }
    if (open_morgue(op->db, &st, &s) < 0)
        goto out;
    qr.s = s;
    if (op->cluster) {
        struct search_cluster_opts co = {0}; /* morgue-query's defaults */
        struct mg_err err;
        if (searcher_new_cluster(op->cluster, &co, &qr.cs, &err) < 0) {
            fprintf(stderr, "bench: %s\n", err.msg);
            goto out;
        }
        systems |= SYS_BIT(SYS_CLUSTER);
    }
    if (systems != SYS_MORGUE_ALL)
        printf("bench: %d queries, a warm-up pass and %d timed passes ...\n",
               qs->n, op->passes);
    query_passes(&qr, systems, op->passes);
    for (int i = 0; i < NSYS; i++)
        r.st[i] = stats_of(&qr.smp[i]);

    struct out o = {0};
    if ((systems & ~SYS_BIT(SYS_CLUSTER)) == SYS_MORGUE_ALL) {
        /* as bench/scale.sh and bench/cluster.sh read it */
        query_rows(&o, &r, systems);
        fputs(o.b.s, stdout);
        printf("failed: %d, without hits: %d (of %d)\n", qr.errors[SYS_MORGUE],
               qr.nohits[SYS_MORGUE], qs->n);
        if (op->cluster)
            cluster_figures(op, qs, &qr, &r);
        rc = 0;
    } else {
        compare_write(&o, &r, op, systems);
        fputs("\n", stdout);
        fputs(o.b.s, stdout);
        rc = 0;
        if (op->out) {
            struct out md = {.md = 1};
            char name[64];
            compare_write(&md, &r, op, systems);
            snprintf(name, sizeof name, "-scale-%lld", r.articles);
            rc = report_save(&r, md.b.s, op->out, name) < 0;
            buf_free(&md.b);
        }
    }
    buf_free(&o.b);
out:
    peer_stop(qr.xapian);
    sqlite3_finalize(qr.base);
    sqlite3_close(base);
    searcher_free(qr.cs);
    searcher_free(s);
    store_close(st);
    qrun_free(&qr);
    return rc;
}

int main(int argc, char **argv)
{
    const char *bin = "bin", *corpus = NULL, *work = NULL, *db = NULL;
    const char *outdir = "bench/results";
    const char *qfiles[16] = {"bench/queries.txt"};
    int nfiles = 0, passes = 5, only = 0, print_fts = 0, out_given = 0;
    struct only_opts op = {.python = "/usr/bin/python3",
                           .peer = "bench/xapian_peer.py"};
    if (argc == 4 && strcmp(argv[1], "--baseline-build") == 0)
        return baseline_build(argv[2], argv[3]);
    static const struct option opts[] = {
        {"bin", required_argument, NULL, 'b'},
        {"corpus", required_argument, NULL, 'c'},
        {"work", required_argument, NULL, 'w'},
        {"passes", required_argument, NULL, 'p'},
        {"queries", required_argument, NULL, 'q'},
        {"out", required_argument, NULL, 'o'},
        {"queries-only", no_argument, NULL, 'Q'},
        {"db", required_argument, NULL, 'd'},
        {"print-fts", no_argument, NULL, 'F'},
        {"baseline", no_argument, NULL, 'B'},
        {"xapian", required_argument, NULL, 'X'},
        {"python", required_argument, NULL, 'P'},
        {"xapian-peer", required_argument, NULL, 'E'},
        {"cluster", required_argument, NULL, 'C'},
        {"clients", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bin = optarg; break;
        case 'c': corpus = optarg; break;
        case 'w': work = optarg; break;
        case 'p':
            if (mg_parse_int("bench", optarg, "--passes", 1, 1000, &passes) < 0)
                return 2;
            break;
        case 'q':
            if (nfiles == 16) {
                fputs("bench: at most 16 --queries files\n", stderr);
                return 2;
            }
            qfiles[nfiles++] = optarg;
            break;
        case 'o':
            outdir = optarg;
            out_given = 1;
            break;
        case 'B': op.baseline = 1; break;
        case 'X': op.xapian = optarg; break;
        case 'P': op.python = optarg; break;
        case 'E': op.peer = optarg; break;
        case 'C': op.cluster = optarg; break;
        case 'T':
            if (mg_parse_int("bench", optarg, "--clients", 1, 16, &op.clients) <
                0)
                return 2;
            break;
        case 'Q': only = 1; break;
        case 'd': db = optarg; break;
        case 'F': print_fts = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || (!print_fts && (only ? !db : !corpus || !work)) ||
        (op.cluster && (op.baseline || op.xapian))) {
        usage(stderr);
        return 2;
    }
    if (!nfiles)
        nfiles = 1; /* bench/queries.txt */
    struct queries qs = {0};
    for (int i = 0; i < nfiles; i++)
        if (queries_load(qfiles[i], &qs) < 0) {
            queries_free(&qs);
            return 2;
        }
    if (print_fts) { /* each query and the baseline's FTS5 expression */
        for (int i = 0; i < qs.n; i++)
            printf("%-28s  %s\n", qs.q[i], qs.fts[i]);
        queries_free(&qs);
        return 0;
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        perror("bench: /proc/self/exe");
        queries_free(&qs);
        return 1;
    }
    self[sl] = '\0';
    if (only) {
        op.db = db;
        op.out = out_given ? outdir : NULL;
        op.qfiles = qfiles;
        op.nfiles = nfiles;
        op.passes = passes;
        op.self = self;
        int rc = queries_only(&op, &qs);
        queries_free(&qs);
        return rc;
    }
    struct stat sb;
    if (stat(corpus, &sb) < 0) {
        printf("bench: skipped: %s not found\n", corpus);
        queries_free(&qs);
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    mkdir(work, 0777);
    char mdb[4096], bdb[4096], prog[4096];
    snprintf(mdb, sizeof mdb, "%s/morgue.db", work);
    snprintf(bdb, sizeof bdb, "%s/base.db", work);
    snprintf(prog, sizeof prog, "%s/morgue-index", bin);
    remove_db(mdb);
    remove_db(bdb);

    struct report r = {.corpus = corpus, .nq = qs.n, .passes = passes};
    machine_info(&r);
    int rc = 1;
    struct store *st = NULL;
    struct searcher *s = NULL;
    sqlite3 *base = NULL;
    struct qrun qr = {.qs = &qs};
    r.qr = &qr;

    /* 1. morgue */
    printf("bench: indexing %s with %s ...\n", corpus, prog);
    struct run run;
    char *iargv[] = {prog, "--quiet", "--db", mdb, (char *)corpus, NULL};
    if (run_child(iargv, 0, 0, &run) < 0 ||
        (run.status != 0 && run.status != 3)) {
        fprintf(stderr, "bench: %s failed (status %d)\n", prog, run.status);
        goto out;
    }
    r.morgue = (struct build){.wall = run.wall,
                              .peak_mb = run.peak_mb,
                              .size_mb = (double)db_size(mdb) / MB,
                              .status = run.status};

    /* the input: articles and their title+body bytes */
    if (index_info(mdb, &r.articles, &r.input_mb) < 0)
        goto out;

    /* 2. the baseline */
    printf("bench: building the FTS5 baseline ...\n");
    char *bargv[] = {self, "--baseline-build", mdb, bdb, NULL};
    if (run_child(bargv, 1, 0, &run) < 0 || run.status != 0) {
        fprintf(stderr, "bench: the baseline build failed (status %d)\n",
                run.status);
        free(run.out);
        goto out;
    }
    {
        double secs = 0;
        long long n = 0;
        long hwm = 0;
        if (sscanf(run.out, "%lf %lld %ld", &secs, &n, &hwm) != 3 ||
            n != r.articles) {
            fprintf(stderr, "bench: the baseline build said \"%s\"\n", run.out);
            free(run.out);
            goto out;
        }
        r.base = (struct build){.wall = secs,
                                .peak_mb = run.peak_mb,
                                .size_mb = (double)db_size(bdb) / MB};
        r.base_hwm_mb = (double)hwm * 1024.0 / MB;
        free(run.out);
    }

    /* 3. queries in process */
    printf("bench: %d queries, a warm-up pass and %d timed passes ...\n", qs.n,
           passes);
    if (open_morgue(mdb, &st, &s) < 0 || open_base(bdb, &base, &qr.base) < 0)
        goto out;
    qr.s = s;
    query_passes(&qr, SYS_CORE, passes);
    for (int i = 0; i < NSYS; i++)
        r.st[i] = stats_of(&qr.smp[i]);

    /* 4. a process per query (this program's connections closed first) */
    sqlite3_finalize(qr.base);
    qr.base = NULL;
    sqlite3_close(base);
    base = NULL;
    searcher_free(s);
    s = NULL;
    store_close(st);
    st = NULL;
    printf("bench: a process per query ...\n");
    r.pq_sqlite = process_queries(&qs, 0, bin, bdb);
    r.pq_morgue = process_queries(&qs, 1, bin, mdb);

    /* 5. the report */
    struct out o = {0};
    report_write(&o, &r);
    fputs("\n", stdout);
    fputs(o.b.s, stdout);
    buf_free(&o.b);
    rc = report_save_core(&r, outdir) < 0;
out:
    sqlite3_finalize(qr.base);
    sqlite3_close(base);
    searcher_free(s);
    store_close(st);
    qrun_free(&qr);
    queries_free(&qs);
    return rc;
}
