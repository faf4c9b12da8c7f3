/*
 * xapian_load.c - the Xapian shim's indexing speed and size beside the
 * FTS5 store's, on the same articles through the same path: the files
 * under each DIR (as morgue-index walks them, in path order) parsed
 * (fmt_parse_file), cleaned, fingerprinted and given their entities on
 * one thread, then stored with store_put (fts5) or mgx_put (xapian),
 * committed every 1,000 articles (--batch N: every N).  Only the engine
 * differs, so the difference in time is the engine's.  morgue-index
 * itself is faster on FTS5 (its workers parse and tokenise on the second
 * core).
 *
 *   xapian_load --engine xapian|fts5 --db PATH [--batch N] [--no-entities]
 *               DIR...
 *
 * Prints: engine, articles, seconds, articles/s, MB on disk, and the
 * total length ranking uses (FTS5: store_corpus tokens; Xapian: its
 * total document length, TERMS.md).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "ingest.h"
#include "shim.h"
#include "store.h"

static long batch_size = 1000;

struct load {
    int xapian;
    struct mgx_db *x;
    struct store *s;
    struct gazetteer *gaz;
    long n, in_batch;
    int failed;
};

static int put(void *ctx, struct article *a)
{
    struct load *l = ctx;
    struct mg_err err = {""};
    clean_article(a, NULL, NULL);
    struct buf fp = {0};
    buf_printf(&fp, "%s\n%s", a->title ? a->title : "", a->body ? a->body : "");
    a->simhash = fp_simhash(fp.s);
    buf_free(&fp);
    struct ent_set es = {0};
    if (l->gaz) {
        ent_extract(l->gaz, a, &es);
        free(a->entities);
        a->entities = ent_names(&es);
    }
    int rc;
    if (l->xapian) {
        rc = mgx_put(l->x, a, &es, &err);
    } else {
        if (l->in_batch == 0 && store_begin(l->s, &err) < 0)
            rc = -1;
        else
            rc = store_put(l->s, a, NULL, &err);
        if (rc >= 0 && l->gaz && rc != STORE_UNCHANGED)
            rc = store_put_entities(l->s, &es, &err);
    }
    ent_set_free(&es);
    if (rc < 0) {
        fprintf(stderr, "xapian_load: %s\n", err.msg);
        l->failed = 1;
        return 1;
    }
    l->n++;
    if (++l->in_batch == batch_size) {
        l->in_batch = 0;
        if ((l->xapian ? mgx_commit(l->x, &err) : store_commit(l->s, &err)) <
            0) {
            fprintf(stderr, "xapian_load: %s\n", err.msg);
            l->failed = 1;
            return 1;
        }
    }
    return 0;
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx, (void)msg;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, char ***v, int *n, int *cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (*n == *cap)
            *v = mg_realloc(*v, sizeof **v * (size_t)(*cap = *cap * 2 + 16));
        (*v)[(*n)++] = mg_strdup(dir); /* a file */
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (ingest_passed_over(e->d_name))
            continue;
        struct buf p = {0};
        buf_printf(&p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p.s, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk(p.s, v, n, cap);
            buf_free(&p);
        } else if (stat(p.s, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (*n == *cap)
                *v =
                    mg_realloc(*v, sizeof **v * (size_t)(*cap = *cap * 2 + 16));
            (*v)[(*n)++] = buf_take(&p);
        } else {
            buf_free(&p);
        }
    }
    closedir(d);
}

/* Bytes of the files at path (a folder: every file in it; a file: it
 * and its -wal). */
static long long disk_bytes(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    if (!S_ISDIR(sb.st_mode)) {
        struct buf w = {0};
        buf_printf(&w, "%s-wal", path);
        long long n = sb.st_size;
        if (stat(w.s, &sb) == 0)
            n += sb.st_size;
        buf_free(&w);
        return n;
    }
    long long n = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        struct buf p = {0};
        buf_printf(&p, "%s/%s", path, e->d_name);
        if (stat(p.s, &sb) == 0 && S_ISREG(sb.st_mode))
            n += sb.st_size;
        buf_free(&p);
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    struct load l = {0};
    const char *db = NULL, *engine = NULL;
    int entities = 1, first = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--engine") && i + 1 < argc)
            engine = argv[++i];
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch_size = atol(argv[++i]) > 0 ? atol(argv[i]) : 1000;
        else if (!strcmp(argv[i], "--no-entities"))
            entities = 0;
        else {
            first = i;
            break;
        }
    }
    if (!db || !engine || !first ||
        (strcmp(engine, "xapian") && strcmp(engine, "fts5"))) {
        fputs("usage: xapian_load --engine xapian|fts5 --db PATH "
              "[--batch N] [--no-entities] DIR...\n",
              stderr);
        return 2;
    }
    l.xapian = !strcmp(engine, "xapian");
    struct mg_err err = {""};
    if ((l.xapian ? mgx_open(db, MGX_WRITE, &l.x, &err)
                  : store_open(db, STORE_WRITE, &l.s, &err)) < 0) {
        fprintf(stderr, "xapian_load: %s\n", err.msg);
        return 1;
    }
    if (entities)
        l.gaz = gaz_load();
    char **files = NULL;
    int n = 0, cap = 0;
    for (int i = first; i < argc; i++)
        walk(argv[i], &files, &n, &cap);
    qsort(files, (size_t)n, sizeof *files, cmp);
    double t0 = mg_now();
    for (int i = 0; i < n && !l.failed; i++) {
        struct fmt_sink sink = {put, warn, &l};
        if (fmt_parse_file(files[i], files[i], &sink, &err) < 0)
            fprintf(stderr, "xapian_load: %s: %s\n", files[i], err.msg);
    }
    int rc = 0;
    if (!l.failed) {
        if (l.xapian)
            rc = mgx_commit(l.x, &err);
        else
            rc = (l.in_batch ? store_commit(l.s, &err) : 0) < 0 ||
                         store_finish(l.s, &err) < 0
                     ? -1
                     : 0;
        if (rc < 0)
            fprintf(stderr, "xapian_load: %s\n", err.msg);
    }
    /* the lengths both engines rank with (TERMS.md: Xapian's 4 x) */
    long long length = 0;
    if (!l.failed && rc == 0) {
        struct mgx_stats xs;
        struct store_corpus sc;
        if (l.xapian && mgx_stats(l.x, &xs, &err) == 0)
            length = xs.total_length;
        else if (!l.xapian && store_corpus(l.s, &sc, &err) == 0)
            length = sc.tokens;
    }
    mgx_close(l.x);
    store_close(l.s);
    double secs = mg_now() - t0;
    printf("%s\t%ld articles\t%.2f s\t%.0f articles/s\t%.1f MB\tlength %lld\n",
           engine, l.n, secs, secs > 0 ? l.n / secs : 0, disk_bytes(db) / 1e6,
           length);
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    gaz_free(l.gaz);
    return l.failed || rc < 0;
}
