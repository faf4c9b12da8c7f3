/*
 * morgue_index.c - the morgue-index program: reads archive files into the
 * index.  Exit status: 0 all inputs went in, 2 usage or index error,
 * 3 some inputs were skipped (each named on stderr).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "clean.h"
#include "formats.h"
#include "store.h"

#define BATCH 1000

struct run {
    struct store *store;
    int quiet;
    long files, skipped, records_skipped;
    long added, changed, unchanged;
    long in_batch;
    int fatal;
    struct mg_err err;
};

static void usage(FILE *f)
{
    fputs("usage: morgue-index [--db FILE] [--quiet] PATH...\n"
          "Reads the articles in each PATH (a file, or a folder walked\n"
          "recursively) into the index, replacing articles whose content\n"
          "changed and adding none twice.\n"
          "\n"
          "Formats (chosen by content, then extension): plain text (one\n"
          "article per file), JSON Lines / JSON, Reuters-21578 SGML (.sgm).\n"
          "In folders, hidden files and README, LICENSE, COPYING and *.md\n"
          "files are passed over.\n"
          "\n"
          "  --db FILE     index file (default $MORGUE_DB, else ./morgue.db)\n"
          "  -q, --quiet   print only errors\n"
          "  -h, --help    this help\n"
          "  --version     the version\n"
          "\n"
          "Exit status: 0 all inputs indexed; 2 usage or index error;\n"
          "3 some inputs skipped (each is named on stderr).\n",
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
    r->records_skipped++;
    fprintf(stderr, "morgue-index: %s (skipped)\n", msg);
}

static int on_article(void *ctx, struct article *a)
{
    struct run *r = ctx;
    clean_article(a, NULL);
    if (r->in_batch == 0 && store_begin(r->store, &r->err) < 0) {
        r->fatal = 1;
        return 1;
    }
    int rc = store_put(r->store, a, &r->err);
    if (rc < 0) {
        r->fatal = 1;
        return 1;
    }
    if (rc == STORE_ADDED)
        r->added++;
    else if (rc == STORE_CHANGED)
        r->changed++;
    else
        r->unchanged++;
    if (++r->in_batch >= BATCH) {
        r->in_batch = 0;
        if (store_commit(r->store, &r->err) < 0) {
            r->fatal = 1;
            return 1;
        }
    }
    return 0;
}

static void index_file(struct run *r, const char *path)
{
    struct fmt_sink sink = {on_article, on_warn, r};
    struct mg_err err;
    char real[PATH_MAX];
    const char *base = realpath(path, real) ? real : path;
    r->files++;
    if (fmt_parse_file(path, base, &sink, &err) < 0 && !r->fatal) {
        r->skipped++;
        fprintf(stderr, "morgue-index: %s\n", err.msg);
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
    if (stat(path, &st) < 0) {
        r->skipped++;
        fprintf(stderr, "morgue-index: %s: %s\n", path, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            r->skipped++;
            fprintf(stderr, "morgue-index: %s: not a regular file\n", path);
            return;
        }
        index_file(r, path);
        return;
    }
    if (depth > 64) {
        fprintf(stderr, "morgue-index: %s: folders nested too deep\n", path);
        r->skipped++;
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        r->skipped++;
        fprintf(stderr, "morgue-index: %s: %s\n", path, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!r->fatal && !passed_over(names[i]->d_name)) {
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct run r = {0};
    int c;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': r.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("morgue-index " MORGUE_VERSION); return 0;
        default: fputs("Try 'morgue-index --help'.\n", stderr); return 2;
        }
    }
    if (optind >= argc) {
        fputs("morgue-index: no PATH given (try morgue-index --help)\n",
              stderr);
        return 2;
    }
    db = store_default_path(db);
    if (store_open(db, STORE_WRITE, &r.store, &r.err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        return 2;
    }
    double t0 = now();
    for (int i = optind; i < argc && !r.fatal; i++)
        index_path(&r, argv[i], 0);
    if (!r.fatal && r.in_batch > 0 && store_commit(r.store, &r.err) < 0)
        r.fatal = 1;
    if (r.fatal) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        store_close(r.store);
        return 2;
    }
    int64_t total = store_count(r.store);
    store_close(r.store);
    if (!r.quiet)
        printf("morgue-index: %ld new, %ld changed, %ld unchanged articles "
               "from %ld files (%ld skipped) in %.1f s; %lld in %s\n",
               r.added, r.changed, r.unchanged, r.files - r.skipped,
               r.skipped, now() - t0, (long long)total, db);
    return (r.skipped || r.records_skipped) ? 3 : 0;
}
