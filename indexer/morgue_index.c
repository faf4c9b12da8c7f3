/*
 * morgue_index.c - the morgue-index program: reads archive files into the
 * index, or shows what it would store (--show).  Exit status: 0 every
 * input went in, 2 usage or index error, 3 some files or records were
 * skipped or failed (each named on stderr).
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
#include <sys/stat.h>
#include <time.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "store.h"

#define BATCH 1000

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
    int fatal;
    struct mg_err err;
};

static void usage(FILE *f)
{
    fputs(
        "usage: morgue-index [--db FILE] [--boilerplate FILE] [--no-entities]\n"
        "                    [--timing] [--quiet] PATH...\n"
        "       morgue-index --show [--json] [--boilerplate FILE] PATH...\n"
        "Reads the articles in each PATH (a file, a folder walked\n"
        "recursively, or - for standard input) into the index, replacing\n"
        "articles whose content changed and adding none twice.  With --show\n"
        "it prints the articles as they would be stored, and what cleaning\n"
        "removed and why, without touching any index.\n"
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
        "  -q, --quiet        print only errors\n"
        "  -h, --help         this help\n"
        "  --version          the version\n"
        "\n"
        "Exit status: 0 every input went in; 2 usage or index error;\n"
        "3 some files or records were skipped or failed (each named on\n"
        "stderr).\n",
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

static int on_article(void *ctx, struct article *a)
{
    struct run *r = ctx;
    struct clean_info info;
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
    if (r->in_batch == 0 && store_begin(r->store, &r->err) < 0) {
        r->fatal = 1;
        return 1;
    }
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
    if (++r->in_batch >= BATCH) {
        r->in_batch = 0;
        double tc = now();
        int crc = store_commit(r->store, &r->err);
        r->t_commit += now() - tc;
        if (crc < 0) {
            r->fatal = 1;
            return 1;
        }
    }
    return 0;
}

static void index_file(struct run *r, const char *path)
{
    struct fmt_sink sink = {on_article, on_warn, r};
    struct mg_err err = {""};
    char real[PATH_MAX];
    const char *base = strcmp(path, "-") == 0 ? "stdin"
                       : realpath(path, real) ? real
                                              : path;
    r->file_changes = 0;
    int rc = fmt_parse_file(path, base, &sink, &err);
    if (r->fatal)
        return;
    if (rc == FMT_SKIPPED) {
        r->files_skipped++;
        fprintf(stderr, "morgue-index: %s (skipped)\n", err.msg);
    } else if (rc < 0) {
        r->files_failed++;
        fprintf(stderr, "morgue-index: %s (failed)\n", err.msg);
    } else if (rc > 0 && r->file_changes == 0) {
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
        index_file(r, path);
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
        index_file(r, path);
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
        {"boilerplate", required_argument, NULL, 'b'},
        {"show", no_argument, NULL, 's'},
        {"no-entities", no_argument, NULL, 'E'},
        {"timing", no_argument, NULL, 'T'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct run r = {0};
    r.rules = clean_rules_new();
    r.gaz = gaz_load();
    int c, status = 0;
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
        case 'E': r.no_entities = 1; break;
        case 'T': r.timing = 1; break;
        case 'j': r.json = 1; break;
        case 'q': r.quiet = 1; break;
        case 'h': usage(stdout); goto out;
        case 'V': puts("morgue-index " MORGUE_VERSION); goto out;
        default:
            fputs("Try 'morgue-index --help'.\n", stderr);
            status = 2;
            goto out;
        }
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
    if (!r.show && store_open(db, STORE_WRITE, &r.store, &r.err) < 0) {
        fprintf(stderr, "morgue-index: %s\n", r.err.msg);
        status = 2;
        goto out;
    }
    double t0 = now();
    for (int i = optind; i < argc && !r.fatal; i++)
        index_path(&r, argv[i], 0);
    double tc = now();
    if (!r.fatal && r.in_batch > 0 && store_commit(r.store, &r.err) < 0)
        r.fatal = 1;
    r.t_commit += now() - tc;
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
    if (!r.show && !r.quiet) {
        int64_t total = store_count(r.store);
        printf("morgue-index: %ld new, %ld changed, %ld unchanged articles; "
               "files: %ld indexed, %ld unchanged, %ld skipped, %ld failed; "
               "%ld bad records; %.1f s; %lld articles in %s\n",
               r.added, r.changed, r.unchanged, r.files_indexed,
               r.files_unchanged, r.files_skipped, r.files_failed,
               r.bad_records, now() - t0, (long long)total, db);
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
out:
    store_close(r.store);
    clean_rules_free(r.rules);
    gaz_free(r.gaz);
    return status;
}
