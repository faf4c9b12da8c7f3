/*
 * ingest.c - a run of morgue-index (ingest.h).
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "fingerprint.h"
#include "formats.h"
#include "termstats.h"
#include "tokenizer.h"

static volatile sig_atomic_t stop_signal;

void ingest_stop(int sig)
{
    stop_signal = sig;
}

int ingest_stopped(void)
{
    return stop_signal;
}

void ingest_say(struct run *r, FILE *to, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (to && r->progress)
        fputs("\r\033[K", stderr); /* the progress line goes first */
    if (to)
        fprintf(to, "morgue-index: %s\n", line);
    if (r->log) {
        char stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ",
                 gmtime_r(&t, &tm));
        fprintf(r->log, "%s %s\n", stamp, line);
        fflush(r->log);
    }
}

static void on_warn(void *ctx, const char *msg)
{
    struct run *r = ctx;
    r->bad_records++;
    ingest_say(r, stderr, "%s (skipped)", msg);
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
    r->batch_start = mg_now();
    return 0;
}

/* Commits the batch, if one is open. */
static int commit_tx(struct run *r)
{
    r->in_batch = 0;
    if (!r->tx)
        return 0;
    r->tx = 0;
    double tc = mg_now();
    int rc = store_commit(r->store, &r->err);
    r->t_commit += mg_now() - tc;
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

/* Cleaning, the fingerprint and the entities of one article: the work
 * that needs no index, done on the pipeline's workers (or in line with
 * --jobs 1).  t_clean and t_extract get the seconds each took. */
static void prepare_article(const struct run *r, struct article *a,
                            struct clean_info *info, struct ent_set *es,
                            double *t_clean, double *t_extract)
{
    double t0 = mg_now();
    clean_article(a, r->rules, info);
    /* the title too: a templated notice ("Qtly div 22 cts vs 22 cts")
     * is told apart by the company it names */
    struct buf fp_text = {0};
    buf_printf(&fp_text, "%s\n%s", a->title ? a->title : "",
               a->body ? a->body : "");
    a->simhash = fp_simhash(fp_text.s);
    buf_free(&fp_text);
    double t1 = mg_now();
    *t_clean += t1 - t0;
    if (!r->no_entities) {
        ent_extract(r->gaz, a, es);
        free(a->entities);
        a->entities = ent_names(es);
        *t_extract += mg_now() - t1;
    }
}

/* Stores a prepared article and its entities (takes es); returns 1 to
 * stop reading (an index error: r->fatal). */
static int store_article(struct run *r, const struct article *a,
                         struct ent_set *es, const struct ts_doc *doc)
{
    if (open_tx(r) < 0) {
        ent_set_free(es);
        return 1;
    }
    *strmap_slot(&r->uids, a->uid, 1) = 1;
    double t2 = mg_now();
    int rc = store_put(r->store, a, doc, &r->err);
    double t3 = mg_now();
    r->t_store += t3 - t2;
    if (rc >= 0 && rc != STORE_UNCHANGED && !r->no_entities) {
        if (store_put_entities(r->store, es, &r->err) < 0)
            rc = -1;
        r->t_store_entities += mg_now() - t3;
    }
    ent_set_free(es);
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
    if ((++r->in_batch >= BATCH ||
         mg_now() - r->batch_start >= BATCH_SECONDS) &&
        commit_tx(r) < 0)
        return 1;
    return 0;
}

/* ---- the pipeline --------------------------------------------------
 * The parser (this thread) puts each article in a ring of PIPE_PER_JOB
 * slots per worker; the workers clean it, fingerprint it and find its
 * entities; this thread, the only one with the index, stores the
 * finished ones in the order they were read.  The ring bounds the memory
 * whatever the size of the corpus, and a full ring makes the parser wait
 * for the oldest article and store it. */
#define PIPE_PER_JOB 64

enum slot_state { SLOT_QUEUED, SLOT_TAKEN, SLOT_DONE };

/* title, lede, body, captions, highlights, entities (store_put) */
#define FTS_COLUMNS 6

struct slot {
    struct article a;
    struct ent_set es;
    /* the tokens of the six FTS5 columns, recorded by the worker for the
     * writer's tokenizer to replay (tok_replay) */
    struct tok_stream ts[FTS_COLUMNS];
    struct ts_doc doc; /* its keys, for the word statistics */
    int have_doc;      /* doc is this article's (else the writer makes it) */
    enum slot_state state;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t work; /* an article is queued, or quit */
    pthread_cond_t done; /* an article is done */
    struct slot *slots;
    long cap;
    long head;  /* the oldest article not yet stored */
    long next;  /* the oldest article no worker has taken */
    long tail;  /* where the next article goes */
    int quit;
    pthread_t *threads;
    int nthreads;
    double t_clean, t_extract; /* summed over the workers */
    const struct run *r;
};

static void *pipe_worker(void *arg)
{
    struct pipe *p = arg;
    struct tok *tok = tok_new(); /* NULL: the writer tokenises */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next == p->tail && !p->quit)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->next == p->tail)
            break; /* quit, and nothing left */
        struct slot *sl = &p->slots[p->next++ % p->cap];
        sl->state = SLOT_TAKEN;
        pthread_mutex_unlock(&p->mu);
        struct clean_info info;
        double tc = 0, te = 0;
        prepare_article(p->r, &sl->a, &info, &sl->es, &tc, &te);
        clean_info_free(&info);
        const char *cols[FTS_COLUMNS] = {sl->a.title,    sl->a.lede,
                                         sl->a.body,     sl->a.captions,
                                         sl->a.highlights, sl->a.entities};
        for (int i = 0; i < FTS_COLUMNS; i++)
            if (tok && cols[i] && *cols[i])
                tok_record(tok, cols[i], (int)strlen(cols[i]), &sl->ts[i]);
            else
                sl->ts[i].text = NULL, sl->ts[i].len = -1;
        if (tok)
            ts_doc_build(&sl->doc, tok, cols, sl->ts);
        sl->have_doc = tok != NULL;
        pthread_mutex_lock(&p->mu);
        sl->state = SLOT_DONE;
        p->t_clean += tc;
        p->t_extract += te;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    tok_free(tok);
    return NULL;
}

/* Starts r->jobs workers; with fewer than 2 (or --show) there is no
 * pipeline and articles are done in line.  Returns -1 when no thread
 * starts. */
static int pipe_start(struct run *r)
{
    if (r->jobs < 2 || r->show)
        return 0;
    struct pipe *p = mg_calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->cap = (long)r->jobs * PIPE_PER_JOB;
    p->slots = mg_calloc((size_t)p->cap, sizeof *p->slots);
    p->threads = mg_calloc((size_t)r->jobs, sizeof *p->threads);
    p->r = r;
    for (int i = 0; i < r->jobs; i++)
        if (pthread_create(&p->threads[p->nthreads], NULL, pipe_worker, p) ==
            0)
            p->nthreads++;
    r->pipe = p;
    return p->nthreads > 0 ? 0 : -1;
}

/* Stores the finished articles at the head of the ring, in order; with
 * wait, waits for them until `until` articles are stored.  Returns 1 to
 * stop reading (an index error). */
static int pipe_drain(struct run *r, long until)
{
    struct pipe *p = r->pipe;
    int stop = 0;
    pthread_mutex_lock(&p->mu);
    while (p->head < p->tail) {
        struct slot *sl = &p->slots[p->head % p->cap];
        if (sl->state != SLOT_DONE) {
            if (p->head >= until)
                break;
            double tw = mg_now();
            pthread_cond_wait(&p->done, &p->mu);
            r->t_wait += mg_now() - tw;
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        if (!stop && !r->fatal) {
            tok_replay(sl->ts, FTS_COLUMNS);
            stop = store_article(r, &sl->a, &sl->es,
                                 sl->have_doc ? &sl->doc : NULL);
            tok_replay(NULL, 0);
        } else
            ent_set_free(&sl->es);
        article_clear(&sl->a);
        pthread_mutex_lock(&p->mu);
        p->head++;
    }
    pthread_mutex_unlock(&p->mu);
    return stop || r->fatal;
}

/* Queues article a (its fields move to the ring; a is left empty),
 * first storing the oldest when the ring is full. */
static int pipe_put(struct run *r, struct article *a)
{
    struct pipe *p = r->pipe;
    int stop = 0;
    if (p->tail - p->head >= p->cap)
        stop = pipe_drain(r, p->head + 1);
    pthread_mutex_lock(&p->mu);
    struct slot *sl = &p->slots[p->tail % p->cap];
    sl->a = *a;
    memset(a, 0, sizeof *a);
    memset(&sl->es, 0, sizeof sl->es);
    sl->have_doc = 0;
    sl->state = SLOT_QUEUED;
    p->tail++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    /* store what is ready without waiting */
    return stop || pipe_drain(r, 0);
}

/* Waits for every queued article and stores it (or, after an index
 * error, drops it). */
static void pipe_flush(struct run *r)
{
    if (r->pipe)
        pipe_drain(r, r->pipe->tail);
}

/* Stops the workers (after a flush) and adds up their times. */
static void pipe_stop(struct run *r)
{
    struct pipe *p = r->pipe;
    if (!p)
        return;
    pipe_flush(r);
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    r->t_clean += p->t_clean;
    r->t_extract += p->t_extract;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    for (long i = 0; i < p->cap; i++) {
        for (int k = 0; k < FTS_COLUMNS; k++)
            tok_stream_free(&p->slots[i].ts[k]);
        ts_doc_free(&p->slots[i].doc);
    }
    free(p->slots);
    free(p->threads);
    free(p);
    r->pipe = NULL;
}

static int on_article(void *ctx, struct article *a)
{
    struct run *r = ctx;
    if (stop_signal)
        return 1; /* stop reading: the file is read again next time */
    if (r->pipe)
        return pipe_put(r, a);
    struct clean_info info;
    struct ent_set es = {0};
    prepare_article(r, a, &info, &es, &r->t_clean, &r->t_extract);
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
    return store_article(r, a, &es, NULL);
}


/* The progress line on a terminal, at most five times a second: share of
 * the bytes to read, articles, rate and time left. */
static void progress(struct run *r, int done)
{
    if (!r->progress)
        return;
    double t = mg_now();
    if (!done && t - r->progress_shown < 0.2)
        return;
    r->progress_shown = t;
    if (done) {
        fputs("\r\033[K", stderr);
        return;
    }
    double el = t - r->progress_start;
    long n = r->added + r->changed + r->unchanged;
    double share = r->bytes_total > 0 ? (double)r->bytes_done /
                                            (double)r->bytes_total
                                      : 0;
    fprintf(stderr, "\r\033[Kmorgue-index: %3.0f%% of %.1f MB, %ld articles, "
                    "%.0f/s",
            100 * share, (double)r->bytes_total / 1e6, n,
            el > 0 ? (double)n / el : 0.0);
    if (share > 0.01 && el > 1)
        fprintf(stderr, ", about %.0f s left", el / share - el);
    fflush(stderr);
}

/* Adds up the sizes of the files a walk of path will read. */
static void measure(struct run *r, const char *path, int depth)
{
    struct stat sb;
    if (strcmp(path, "-") == 0 || stat(path, &sb) < 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        if (S_ISREG(sb.st_mode))
            r->bytes_total += sb.st_size;
        return;
    }
    struct dirent **names;
    int n = depth > 64 ? -1 : scandir(path, &names, NULL, NULL);
    for (int i = 0; i < n; i++) {
        if (!ingest_passed_over(names[i]->d_name)) {
            struct buf p = {0};
            buf_printf(&p, "%s/%s", path, names[i]->d_name);
            measure(r, p.s, depth + 1);
            buf_free(&p);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

/* Records f with the file's current size and time, in the batch. */
static int record_file(struct run *r, const char *real,
                       struct store_file *f, const struct stat *sb,
                       int64_t mtime)
{
    f->size = sb->st_size;
    f->mtime = mtime;
    if (open_tx(r) < 0 || store_file_put(r->store, real, f, &r->err) < 0) {
        r->fatal = 1;
        return -1;
    }
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
    if (sb)
        r->bytes_done += sb->st_size;
    progress(r, 0);
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
            /* touched, not changed: the new time is recorded */
            if (!same_stat && record_file(r, base, &f, sb, mtime) < 0)
                return;
            r->files_unchanged++;
            r->unchanged += f.articles;
            return;
        }
        /* Recorded before reading, with no hash yet: a run killed half
         * way through the file reads it again next time. */
        if (!f.id && record_file(r, base, &f, sb, mtime) < 0)
            return;
        store_set_file(r->store, f.id);
        f.size = sb->st_size;
        f.mtime = mtime;
        memcpy(f.hash, hash, sizeof f.hash);
    }
    strmap_free(&r->uids);
    long before = r->added + r->changed + r->unchanged;
    int64_t removed = r->removed;
    int rc = fmt_parse_file(path, base, &sink, &err);
    pipe_flush(r); /* the file's articles all stored before it is recorded */
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
        ingest_say(r, stderr, "%s (skipped)", err.msg);
    } else if (rc < 0) {
        r->files_failed++;
        ingest_say(r, stderr, "%s (failed)", err.msg);
    } else if (rc > 0 && r->file_changes == 0 && r->removed == removed) {
        r->files_unchanged++;
    } else {
        r->files_indexed++;
        if (r->verbose && !r->show && r->progress)
            progress(r, 1);
        if (r->verbose && !r->show)
            ingest_say(r, stdout, "%s: %ld new or changed, %lld removed",
                       path, r->file_changes,
                       (long long)(r->removed - removed));
    }
}

int ingest_passed_over(const char *name)
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
        ingest_say(r, stderr, "%s: %s (failed)", path,
                strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            r->files_skipped++;
            ingest_say(r, stderr, "%s: not a regular file (skipped)",
                    path);
            return;
        }
        index_file(r, path, &st);
        return;
    }
    if (depth > 64) {
        ingest_say(r, stderr, "%s: folders nested too deep (skipped)",
                path);
        r->files_skipped++;
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        r->files_failed++;
        ingest_say(r, stderr, "%s: %s (failed)", path,
                strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!r->fatal && !stop_signal && !ingest_passed_over(names[i]->d_name)) {
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


int ingest_paths(struct run *r, char **paths, int npaths)
{
    if (r->progress) {
        r->progress_start = mg_now();
        for (int i = 0; i < npaths; i++)
            measure(r, paths[i], 0);
    }
    /* newest-first by rowid only once the run has checked the order */
    int order_was = -1;
    if (!r->show && r->store &&
        store_date_order_clear(r->store, &order_was, &r->err) < 0) {
        r->fatal = 1;
        return -1;
    }
    if (pipe_start(r) < 0) {
        pipe_stop(r);
        r->fatal = 1;
        mg_fail(&r->err, "cannot start the worker threads");
        return -1;
    }
    for (int i = 0; i < npaths && !r->fatal && !stop_signal; i++)
        index_path(r, paths[i], 0);
    pipe_stop(r);
    if (!r->fatal && !r->show && !stop_signal) {
        /* the real paths of the folders and files given, for prune */
        char **roots = mg_calloc((size_t)npaths + 1, sizeof *roots);
        int nroots = 0;
        for (int i = 0; i < npaths; i++) {
            char real[PATH_MAX];
            if (strcmp(paths[i], "-") != 0 && realpath(paths[i], real))
                roots[nroots++] = mg_strdup(real);
            else if (strcmp(paths[i], "-") != 0 && paths[i][0] == '/')
                roots[nroots++] = mg_strdup(paths[i]); /* gone itself */
        }
        if (prune_gone(r, roots, nroots) < 0)
            r->fatal = 1;
        for (int i = 0; i < nroots; i++)
            free(roots[i]);
        free(roots);
    }
    progress(r, 1);
    if (!r->fatal && !r->show)
        commit_tx(r);
    /* Lone family names join their full names across the index. */
    double tm = mg_now();
    if (!r->fatal && !r->show && !r->no_entities &&
        (r->added || r->changed) &&
        (store_begin(r->store, &r->err) < 0 ||
         ent_merge_surnames(r->store, &r->err) < 0 ||
         store_commit(r->store, &r->err) < 0))
        r->fatal = 1;
    r->t_merge = mg_now() - tm;
    /* the word statistics of what this run wrote, in one transaction
     * (also after SIGTERM: they must describe the articles committed) */
    double ts = mg_now();
    if (!r->fatal && !r->show && r->store &&
        store_finish(r->store, &r->err) < 0)
        r->fatal = 1;
    r->t_stats = mg_now() - ts;
    if (!r->fatal && !r->show && !stop_signal &&
        store_date_order_end(r->store, order_was,
                             r->added || r->changed || r->removed,
                             &r->err) < 0)
        r->fatal = 1;
    return r->fatal ? -1 : 0;
}

void ingest_free(struct run *r)
{
    strmap_free(&r->uids);
    strmap_free(&r->seen);
}
