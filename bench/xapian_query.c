/*
 * xapian_query.c - query latency of the Xapian engine's search
 * (query/search_xapian.c) beside the FTS5 engine's (search_run) on the
 * same articles, in the same run: each query of a file (bench/queries.txt
 * form: one a line, '#' and blank lines skipped) run warm, RUNS times on
 * each engine, alternating; median and p99 over every run.  Also the
 * overlap of the two engines' top 10.
 *
 *   xapian_query --fts5 DB --xapian DIR [--runs N] [--facets] [--verbose]
 *                QUERIES
 *
 * --facets: every search also counts facets, sources and the timeline.
 * --verbose: each query's last times (FTS5, Xapian, ms) and total.
 * The FTS5 search also makes the page's snippets; the Xapian one has
 * none yet (NOTES-search.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "search_xapian.h"
#include "shim.h"
#include "store.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return n ? v[i] : 0;
}

int main(int argc, char **argv)
{
    const char *fdb = NULL, *xdir = NULL, *qfile = NULL;
    int runs = 5, facets = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fts5") && i + 1 < argc)
            fdb = argv[++i];
        else if (!strcmp(argv[i], "--xapian") && i + 1 < argc)
            xdir = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--facets"))
            facets = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else
            qfile = argv[i];
    }
    if (!fdb || !xdir || !qfile || runs < 1) {
        fprintf(stderr, "usage: xapian_query --fts5 DB --xapian DIR [--runs "
                        "N] [--facets] QUERIES\n");
        return 2;
    }
    struct mg_err err = {""};
    struct store *st = NULL;
    struct mgx_db *x = NULL;
    struct searcher *fs = NULL;
    struct xsearcher *xs = NULL;
    if (store_open(fdb, STORE_READ, &st, &err) < 0 ||
        searcher_new(st, &fs, &err) < 0 ||
        mgx_open(xdir, MGX_READ, &x, &err) < 0 ||
        xsearcher_new(x, &xs, &err) < 0) {
        fprintf(stderr, "xapian_query: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(qfile, "r");
    if (!f) {
        perror(qfile);
        return 1;
    }
    char line[4096];
    char **qs = NULL;
    int nq = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        qs = mg_realloc(qs, sizeof *qs * (size_t)(nq + 1));
        qs[nq++] = mg_strdup(line);
    }
    fclose(f);
    double *tf = mg_malloc(sizeof *tf * (size_t)(nq * runs + 1));
    double *tx = mg_malloc(sizeof *tx * (size_t)(nq * runs + 1));
    int n = 0, ov = 0, ovn = 0, failed = 0;
    for (int q = 0; q < nq; q++) {
        struct search_opts o = {.query = qs[q],
                                .limit = 10,
                                .facets = facets,
                                .histogram = facets,
                                .budget = -1};
        for (int r = 0; r < runs + 1; r++) {
            struct search_result a, b;
            double t0 = mg_now();
            int ra = search_run(fs, &o, &a, &err);
            double t1 = mg_now();
            int rb = xsearch_run(xs, &o, &b, &err);
            double t2 = mg_now();
            if (ra < 0 || rb < 0) {
                fprintf(stderr, "xapian_query: [%s]: %s\n", qs[q], err.msg);
                failed++;
            } else if (r == 0) { /* the first: a warm-up, and the overlap */
                for (int i = 0; i < a.nhits && i < 10; i++)
                    for (int j = 0; j < b.nhits && j < 10; j++)
                        if (!strcmp(a.hits[i].id, b.hits[j].id)) {
                            ov++;
                            break;
                        }
                ovn += a.nhits < 10 ? a.nhits : 10;
            } else {
                tf[n] = (t1 - t0) * 1e3;
                tx[n++] = (t2 - t1) * 1e3;
                if (verbose && r == runs)
                    printf("%8.2f %8.2f %8lld  %s\n", tf[n - 1], tx[n - 1],
                           (long long)b.total, qs[q]);
            }
            search_result_free(&a);
            search_result_free(&b);
            if (ra < 0 || rb < 0)
                break;
        }
    }
    printf("queries %d, runs %d each, facets %s, failed %d\n", nq, runs,
           facets ? "yes" : "no", failed);
    printf("fts5   median %.2f ms  p99 %.2f ms\n", pct(tf, n, 0.5),
           pct(tf, n, 0.99));
    printf("xapian median %.2f ms  p99 %.2f ms\n", pct(tx, n, 0.5),
           pct(tx, n, 0.99));
    printf("overlap@10 %d/%d (%.2f)\n", ov, ovn, ovn ? (double)ov / ovn : 0.0);
    for (int q = 0; q < nq; q++)
        free(qs[q]);
    free(qs);
    free(tf);
    free(tx);
    xsearcher_free(xs);
    searcher_free(fs);
    mgx_close(x);
    store_close(st);
    return failed ? 1 : 0;
}
