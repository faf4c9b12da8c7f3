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
 *              [--queries FILE] [--out DIR]
 *        bench --queries-only --db FILE [--queries FILE] [--passes N]
 *              (morgue's in-process query figures over an existing index,
 *              for bench/scale.sh; writes no results file)
 *        bench --print-fts [--queries FILE]
 *              (each query and the baseline's FTS5 expression for it)
 * MB are 10^6 bytes throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
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
    double p50, p95, p99, qps;
};

/* Nearest-rank percentiles; queries/s = samples / their summed time. */
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
    st.qps = sum > 0 ? (double)s->n / (sum / 1000.0) : 0;
    return st;
}

/* ---- the query set ---- */

struct queries {
    char **q;    /* morgue syntax, as in the file */
    char **fts;  /* the baseline's FTS5 expression */
    int n;
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

static int queries_load(const char *path, struct queries *qs)
{
    struct mg_err err;
    char *text;
    size_t len;
    if (mg_read_file(path, &text, &len, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    int cap = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        mg_trim(line);
        if (!*line || *line == '#')
            continue;
        if (qs->n == cap) {
            cap = cap ? 2 * cap : 64;
            qs->q = mg_realloc(qs->q, (size_t)cap * sizeof *qs->q);
            qs->fts = mg_realloc(qs->fts, (size_t)cap * sizeof *qs->fts);
        }
        qs->q[qs->n] = mg_strdup(line);
        qs->fts[qs->n] = fts_expr(line);
        qs->n++;
    }
    free(text);
    if (!qs->n) {
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
    }
    free(qs->q);
    free(qs->fts);
}

/* ---- child processes ---- */

struct run {
    int status;       /* exit status, -1 when killed or not run */
    double wall;      /* seconds */
    double peak_mb;   /* peak RSS */
    char *out;        /* captured stdout (when asked), caller frees */
};

/* Runs argv (PATH searched) and waits for it.  Its stdout is captured
 * into r->out when capture, else sent to /dev/null; its stderr too when
 * quiet.  Exit status 127: it could not be run. */
static int run_child(char *const argv[], int capture, int quiet,
                     struct run *r)
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

enum sys { SYS_BASE, SYS_MORGUE, SYS_FACETS, SYS_FACETS_HIST, NSYS };

static const char *const SYS_NAME[NSYS] = {
    "fts5 baseline", "morgue", "morgue --facets", "morgue facets+histogram"};

struct qrun {
    struct searcher *s;   /* morgue */
    sqlite3_stmt *base;   /* the baseline's prepared query */
    const struct queries *qs;
    struct samples smp[NSYS];
    double *perq[NSYS];   /* [pass * n + query] ms, NAN when it failed */
    int passes;
    int errors[NSYS];     /* in the warm-up pass, queries that failed */
    int nohits[NSYS];     /* ... and that found nothing */
    char first_error[NSYS][600];
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
    struct search_opts o = {.query = qr->qs->q[i],
                            .limit = TOP,
                            .facets = sys != SYS_MORGUE,
                            .histogram = sys == SYS_FACETS_HIST};
    struct search_result res = {0};
    int rc = search_run(qr->s, &o, &res, err);
    int hits = rc < 0 ? -1 : res.nhits;
    search_result_free(&res);
    return hits;
}

/* One pass of system sys over all queries; samples kept when timed,
 * errors and empty answers counted when not (the warm-up pass). */
static void query_pass(struct qrun *qr, int sys, int pass)
{
    int timed = pass >= 0;
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
        } else if (hits == 0)
            qr->nohits[sys]++;
    }
}

/* Warm-up, then passes timed passes of systems first..last-1. */
static void query_passes(struct qrun *qr, int first, int last, int passes)
{
    size_t n = (size_t)passes * (size_t)qr->qs->n;
    qr->passes = passes;
    for (int sys = first; sys < last; sys++) {
        qr->perq[sys] = mg_malloc(n * sizeof(double));
        for (size_t k = 0; k < n; k++)
            qr->perq[sys][k] = NAN;
        query_pass(qr, sys, -1);
    }
    for (int p = 0; p < passes; p++)
        for (int sys = first; sys < last; sys++)
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
}

/* ---- process per query ---- */

struct proc_stats {
    int ran;         /* 0: skipped (no program) */
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

static struct proc_stats process_queries(const struct queries *qs,
                                         int morgue, const char *bin,
                                         const char *db)
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
                char *a[] = {"sqlite3", "-batch", "-readonly", (char *)db,
                             sql.s, NULL};
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
};

struct report {
    const char *corpus;
    long long articles;
    double input_mb;
    struct build base, morgue;
    double base_hwm_mb; /* baseline's peak RSS before its clock started */
    int nq, passes;
    struct qrun *qr;
    struct stats st[NSYS];
    struct proc_stats pq_morgue, pq_sqlite;
    char date[64], day[16], git[64], machine[512];
    int dirty;
};

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

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
    command_line("git status --porcelain --untracked-files=no 2>/dev/null",
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

static void query_rows(struct out *o, const struct report *r, int first,
                       int last)
{
    static const char *const COLS[] = {"p50 ms", "p95 ms", "p99 ms", "q/s"};
    char title[128];
    snprintf(title, sizeof title, "queries (%d, %d passes)", r->nq,
             r->passes);
    header(o, title, 4, COLS);
    const struct stats *base = &r->st[SYS_BASE];
    for (int sys = first; sys < last; sys++) {
        const struct stats *s = &r->st[sys];
        const char *c[] = {num(s->p50, 2, 0, s->n > 0),
                           num(s->p95, 2, 0, s->n > 0),
                           num(s->p99, 2, 0, s->n > 0),
                           num(s->qps, 0, 0, s->n > 0)};
        row(o, SYS_NAME[sys], 4, c);
        if (sys == SYS_BASE || first != SYS_BASE)
            continue;
        int have = s->n > 0 && base->n > 0;
        const char *rc[] = {num(ratio(s->p50, base->p50), 2, 1, have),
                            num(ratio(s->p95, base->p95), 2, 1, have),
                            num(ratio(s->p99, base->p99), 2, 1, have),
                            num(ratio(s->qps, base->qps), 2, 1, have)};
        row(o, "  / base", 4, rc);
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
        if (o->md) {
            struct buf e = {0}; /* | would end the Markdown cell */
            for (const char *p = qr->qs->q[i]; *p; p++)
                *p == '|' ? buf_adds(&e, "\\|") : buf_addc(&e, *p);
            snprintf(label, sizeof label, "`%s`", e.s);
            buf_free(&e);
        } else {
            snprintf(label, sizeof label, "%.28s", qr->qs->q[i]);
        }
        row(o, label, 5, c);
    }
}

static void target(struct out *o, const char *what, const char *limit,
                   double v, int is_ratio, double max, int have)
{
    const char *c[] = {limit, num(v, 2, is_ratio, have),
                       !have ? "-" : v <= max ? "met" : "NOT MET"};
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
    target(o, "query p50 vs baseline", "<= 1.2x", ratio(m->p50, b->p50), 1,
           1.2, m->n && b->n);
    target(o, "query p95 vs baseline", "<= 1.2x", ratio(m->p95, b->p95), 1,
           1.2, m->n && b->n);
    target(o, "--facets p95", "<= 10 ms", r->st[SYS_FACETS].p95, 0, 10,
           r->st[SYS_FACETS].n > 0);
    target(o, "facets+histogram p95", "<= 10 ms",
           r->st[SYS_FACETS_HIST].p95, 0, 10, r->st[SYS_FACETS_HIST].n > 0);
    target(o, "morgue-query process p50", "<= 5 ms", r->pq_morgue.st.p50, 0,
           5, r->pq_morgue.ran);
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
                 "- corpus: %s (%lld articles, %.1f MB title+body)",
                 r->corpus, r->articles, r->input_mb);
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
    query_rows(o, r, SYS_BASE, NSYS);
    slowest_rows(o, r);
    process_rows(o, r);
    target_rows(o, r);
    if (o->md)
        text(o, "");
    const struct qrun *qr = r->qr;
    snprintf(line, sizeof line,
             "%sin the warm-up pass: queries without hits: baseline %d, "
             "morgue %d; failed: baseline %d, morgue %d",
             o->md ? "- " : "", qr->nohits[SYS_BASE],
             qr->nohits[SYS_MORGUE], qr->errors[SYS_BASE],
             qr->errors[SYS_MORGUE]);
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

/* OUT/latest.md and OUT/DAY-GIT.md; for a corpus other than Reuters-21578
 * (the history's), the names end in -CORPUSNAME. */
static int report_save(const struct report *r, const char *dir)
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
    char path[4096];
    int rc = 0;
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/latest%s.md", dir, name);
    rc |= write_file(path, o.b.s);
    snprintf(path, sizeof path, "%s/%s-%s%s.md", dir, r->day, r->git, name);
    rc |= write_file(path, o.b.s);
    if (!rc)
        printf("written: %s/latest%s.md and %s\n", dir, name, path);
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

static void usage(FILE *f)
{
    fputs("usage: bench --bin DIR --corpus DIR --work DIR [--passes N]\n"
          "             [--queries FILE] [--out DIR]\n"
          "       bench --queries-only --db FILE [--queries FILE] "
          "[--passes N]\n"
          "       bench --print-fts [--queries FILE]   (the baseline's "
          "FTS5 expressions)\n",
          f);
}

/* --queries-only: morgue's in-process figures over an existing index. */
static int queries_only(const char *db, const struct queries *qs, int passes)
{
    struct store *st = NULL;
    struct searcher *s = NULL;
    int rc = 1;
    if (open_morgue(db, &st, &s) == 0) {
        struct qrun qr = {.s = s, .qs = qs};
        query_passes(&qr, SYS_MORGUE, NSYS, passes);
        struct report r = {.nq = qs->n, .passes = passes, .qr = &qr};
        for (int i = 0; i < NSYS; i++)
            r.st[i] = stats_of(&qr.smp[i]);
        struct out o = {0};
        query_rows(&o, &r, SYS_MORGUE, NSYS);
        fputs(o.b.s, stdout);
        printf("failed: %d, without hits: %d (of %d)\n",
               qr.errors[SYS_MORGUE], qr.nohits[SYS_MORGUE], qs->n);
        buf_free(&o.b);
        qrun_free(&qr);
        rc = 0;
    }
    searcher_free(s);
    store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    const char *bin = "bin", *corpus = NULL, *work = NULL, *db = NULL;
    const char *qfile = "bench/queries.txt", *outdir = "bench/results";
    int passes = 5, only = 0, print_fts = 0;
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bin = optarg; break;
        case 'c': corpus = optarg; break;
        case 'w': work = optarg; break;
        case 'p':
            if (mg_parse_int("bench", optarg, "--passes", 1, 1000, &passes) <
                0)
                return 2;
            break;
        case 'q': qfile = optarg; break;
        case 'o': outdir = optarg; break;
        case 'Q': only = 1; break;
        case 'd': db = optarg; break;
        case 'F': print_fts = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc ||
        (!print_fts && (only ? !db : !corpus || !work))) {
        usage(stderr);
        return 2;
    }
    struct queries qs = {0};
    if (queries_load(qfile, &qs) < 0) {
        queries_free(&qs);
        return 2;
    }
    if (print_fts) { /* each query and the baseline's FTS5 expression */
        for (int i = 0; i < qs.n; i++)
            printf("%-28s  %s\n", qs.q[i], qs.fts[i]);
        queries_free(&qs);
        return 0;
    }
    if (only) {
        int rc = queries_only(db, &qs, passes);
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
    char mdb[4096], bdb[4096], prog[4096], self[4096];
    snprintf(mdb, sizeof mdb, "%s/morgue.db", work);
    snprintf(bdb, sizeof bdb, "%s/base.db", work);
    snprintf(prog, sizeof prog, "%s/morgue-index", bin);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        perror("bench: /proc/self/exe");
        queries_free(&qs);
        return 1;
    }
    self[sl] = '\0';
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
    if (run_child(iargv, 0, 0, &run) < 0 || (run.status != 0 &&
                                              run.status != 3)) {
        fprintf(stderr, "bench: %s failed (status %d)\n", prog, run.status);
        goto out;
    }
    r.morgue = (struct build){run.wall, run.peak_mb,
                              (double)db_size(mdb) / MB, run.status};

    /* the input: articles and their title+body bytes */
    {
        sqlite3 *m = NULL;
        sqlite3_stmt *q = NULL;
        if (sqlite3_open_v2(mdb, &m, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(
                m,
                "SELECT count(*), total(length(CAST(title AS BLOB))"
                " + length(CAST(body AS BLOB))) FROM articles",
                -1, &q, NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW) {
            fprintf(stderr, "bench: %s: %s\n", mdb,
                    m ? sqlite3_errmsg(m) : "out of memory");
            sqlite3_finalize(q);
            sqlite3_close(m);
            goto out;
        }
        r.articles = sqlite3_column_int64(q, 0);
        r.input_mb = sqlite3_column_double(q, 1) / MB;
        sqlite3_finalize(q);
        sqlite3_close(m);
    }

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
            fprintf(stderr, "bench: the baseline build said \"%s\"\n",
                    run.out);
            free(run.out);
            goto out;
        }
        r.base = (struct build){secs, run.peak_mb, (double)db_size(bdb) / MB,
                                0};
        r.base_hwm_mb = (double)hwm * 1024.0 / MB;
        free(run.out);
    }

    /* 3. queries in process */
    printf("bench: %d queries, a warm-up pass and %d timed passes ...\n",
           qs.n, passes);
    if (open_morgue(mdb, &st, &s) < 0)
        goto out;
    if (sqlite3_open_v2(bdb, &base, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        /* the read settings morgue's own read connections use */
        sqlite3_exec(base,
                     "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(base, BASE_SQL, -1, &qr.base, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", bdb,
                base ? sqlite3_errmsg(base) : "out of memory");
        goto out;
    }
    qr.s = s;
    query_passes(&qr, SYS_BASE, NSYS, passes);
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
    rc = report_save(&r, outdir) < 0;
out:
    sqlite3_finalize(qr.base);
    sqlite3_close(base);
    searcher_free(s);
    store_close(st);
    qrun_free(&qr);
    queries_free(&qs);
    return rc;
}
