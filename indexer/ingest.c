/*
 * ingest.c - a run of morgue-index (ingest.h).
 */
#include "ingest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
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

/* Whether code point cp (-1: a byte that is not UTF-8) is escaped in
 * keys and on the terminal: not UTF-8, or a C0 or C1 control. */
static int unprintable(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* The slot of folder sb in dirs, keyed by its device and inode. */
static int64_t *folder_slot(struct strmap *dirs, const struct stat *sb)
{
    char id[64];
    snprintf(id, sizeof id, "%llx:%llx", (unsigned long long)sb->st_dev,
             (unsigned long long)sb->st_ino);
    return strmap_slot(dirs, id, 1);
}

char *ingest_escape(const char *s, const char *also)
{
    struct buf b = {0};
    int len = (int)strlen(s);
    for (int i = 0; i < len;) {
        int32_t cp;
        int n = mg_utf8_decode(s, len, i, &cp);
        unsigned char c = (unsigned char)s[i];
        if (unprintable(cp) || c == '%' ||
            (c < 0x80 && also && strchr(also, c))) {
            for (int k = 0; k < n; k++)
                buf_printf(&b, "%%%02X", (unsigned char)s[i + k]);
        } else {
            buf_add(&b, s + i, (size_t)n);
        }
        i += n;
    }
    if (!b.s)
        return mg_strdup("");
    return buf_take(&b);
}

/* A line for the terminal and the log: control characters (a file
 * name's escape sequences) and bytes that are not UTF-8 as \xNN. */
static void printable(const char *s, char *out, size_t cap)
{
    size_t w = 0;
    int len = (int)strlen(s);
    for (int i = 0; i < len && w + 5 < cap;) {
        int32_t cp;
        int n = mg_utf8_decode(s, len, i, &cp);
        if (unprintable(cp)) {
            for (int k = 0; k < n && w + 5 < cap; k++)
                w += (size_t)snprintf(out + w, cap - w, "\\x%02x",
                                      (unsigned char)s[i + k]);
        } else if (w + (size_t)n < cap) {
            memcpy(out + w, s + i, (size_t)n);
            w += (size_t)n;
        }
        i += n;
    }
    out[w] = 0;
}

void ingest_say(struct run *r, FILE *to, const char *fmt, ...)
{
    char raw[4096], line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    printable(raw, line, sizeof line);
    if (to && r->progress)
        fputs("\r\033[K", stderr); /* the progress line goes first */
    if (to)
        fprintf(to, "morgue-index: %s\n", line);
    if (r->log) {
        char stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
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
        const char *line;
        size_t n = mg_next_line(&s, &line);
        if (n)
            json_array_append_new(a, json_stringn(line, n));
    }
    return a;
}

static json_t *jentities(const struct ent_set *es)
{
    json_t *arr = json_array();
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        if (e->implied)
            continue; /* named by none of its words: "implied" */
        json_t *m = json_array();
        for (int k = 0; k < e->nmentions; k++)
            json_array_append_new(m, json_string(e->mentions[k]));
        json_array_append_new(
            arr,
            json_pack("{s:s s:s s:o s:i s:f s:b}", "kind",
                      ent_kind_name(e->kind), "canonical", e->canonical,
                      "mentions", m, "count", e->count, "confidence",
                      e->confidence >= 1000 ? 1000.0 : (double)e->confidence,
                      "facet", !e->low));
    }
    return arr;
}

static void show_json(const struct article *a, const struct clean_info *info,
                      const struct ent_set *es)
{
    json_t *removed = json_array();
    for (int i = 0; i < info->nnotes; i++)
        json_array_append_new(removed,
                              json_pack("{s:s s:s}", "why", info->notes[i].what,
                                        "text", info->notes[i].text));
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
    json_t *implied = json_array();
    for (int i = 0; i < es->n; i++)
        if (es->v[i].implied)
            json_array_append_new(implied, json_string(es->v[i].canonical));
    json_object_set_new(o, "implied_places", implied);
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
        const char *line;
        int n = (int)mg_next_line(&s, &line);
        printf("  - %.*s\n", n, line);
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
        puts(e->weak ? ") [family name only: resolved across the index]" : ")");
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

/* Commits the batch, if one is open (with --dry-run it stays open, to
 * be rolled back at the end). */
static int commit_tx(struct run *r)
{
    r->in_batch = 0;
    if (!r->tx || r->dry_run)
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

/* Names an article whose impossible date cleaning dropped (it is kept
 * without one), and frees the message. */
static void date_dropped(struct run *r, const struct article *a, char *msg)
{
    if (!msg)
        return;
    r->bad_dates++;
    ingest_say(r, stderr, "%s: %s: %s", a->path ? a->path : "-",
               a->uid ? a->uid : "-", msg);
    free(msg);
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
    if ((rc == STORE_ADDED || rc == STORE_CHANGED) && !r->no_entities) {
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
    else if (rc == STORE_SHADOWED)
        r->shadowed++;
    else if (rc == STORE_SUPPRESSED)
        r->suppressed++;
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
    struct ts_doc doc;  /* its keys, for the word statistics */
    int have_doc;       /* doc is this article's (else the writer makes it) */
    char *date_warning; /* cleaning dropped an impossible date */
    enum slot_state state;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t work; /* an article is queued, or quit */
    pthread_cond_t done; /* an article is done */
    struct slot *slots;
    long cap;
    long head; /* the oldest article not yet stored */
    long next; /* the oldest article no worker has taken */
    long tail; /* where the next article goes */
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
        sl->date_warning = info.date_warning;
        info.date_warning = NULL;
        clean_info_free(&info);
        const char *cols[FTS_COLUMNS] = {sl->a.title,      sl->a.lede,
                                         sl->a.body,       sl->a.captions,
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
        if (pthread_create(&p->threads[p->nthreads], NULL, pipe_worker, p) == 0)
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
        date_dropped(r, &sl->a, sl->date_warning);
        sl->date_warning = NULL;
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

/* The section of a file read from a folder below the root given (the
 * folder's name), or NULL. */
static const char *folder_section(const struct run *r, const char *path,
                                  size_t *n)
{
    const char *slash = strrchr(path, '/');
    for (int i = 0; slash && i < r->nroots; i++) {
        size_t k = strlen(r->roots[i]);
        if (strncmp(path, r->roots[i], k) != 0 || path[k] != '/' ||
            slash <= path + k)
            continue;
        const char *dir = slash - 1;
        while (dir > path && dir[-1] != '/')
            dir--;
        *n = (size_t)(slash - dir);
        return dir;
    }
    return NULL;
}

/* An article as the run keys it (docs/operations.md#article-identity):
 * the options' source and section where it names none, its date checked,
 * and its uid made the key. */
static void key_article(struct run *r, struct article *a)
{
    if (r->source && (!a->source || !*a->source))
        article_set(&a->source, r->source);
    if (r->folder && (!a->section || !*a->section))
        article_set(&a->section, r->folder);
    if (r->section && (!a->section || !*a->section))
        article_set(&a->section, r->section);
    if (a->path) {
        char *p = ingest_escape(a->path, NULL);
        free(a->path);
        a->path = p;
    }
    struct buf key = {0};
    if (a->uid_kind == UID_RECORD) {
        /* the record's own id: the same in its source wherever it is
         * met; without a source, only in its file */
        char *scope =
            a->source && *a->source ? ingest_escape(a->source, ":") : NULL;
        if (scope && scope[0] == '/')
            buf_adds(&key, "%2F"), buf_adds(&key, scope + 1);
        else if (scope)
            buf_adds(&key, scope);
        else
            buf_adds(&key, r->key_base);
        buf_printf(&key, ":%s", a->uid);
        free(scope);
    } else if (a->uid_kind == UID_FILE && r->from_stdin && !r->source) {
        /* nothing names it: its content does, so a second run adds
         * rather than overwrites */
        struct buf text = {0};
        buf_printf(&text, "%s\n%s", a->title ? a->title : "",
                   a->body ? a->body : "");
        buf_printf(&key, "stdin#%016llx",
                   (unsigned long long)mg_hash64(text.s, text.len));
        buf_free(&text);
    } else if (a->uid_kind == UID_FILE && r->from_stdin) {
        buf_adds(&key, r->key_base);
        buf_adds(&key, a->uid + strlen("stdin"));
    }
    if (key.s) {
        free(a->uid);
        a->uid = buf_take(&key);
    }
}

/* Whether s is NULL or holds nothing but spaces. */
static int blank(const char *s)
{
    while (s && isspace((unsigned char)*s))
        s++;
    return !s || !*s;
}

/* Counts an article of the current file, and whether it came without a
 * title (cleaning gives it the body's first sentence): said per file by
 * say_untitled(). */
static void note_untitled(struct run *r, const struct article *a)
{
    r->file_read++;
    if (!blank(a->title) || blank(a->body))
        return;
    r->untitled++;
    if (r->file_untitled++ == 0)
        r->first_untitled = mg_strdup(a->uid ? a->uid : "-");
}

/* After a file: one line on stderr (unless --quiet) saying how many of
 * its articles had no title and were titled from their first sentence,
 * naming the first; then the file's counts start again. */
static void say_untitled(struct run *r, const char *path)
{
    if (r->file_untitled)
        ingest_say(r, r->quiet ? NULL : stderr,
                   "%s: %ld of %ld %s had no title: titled with the first "
                   "sentence of the text (the first: %s)",
                   path, r->file_untitled, r->file_read,
                   r->file_read == 1 ? "article" : "articles",
                   r->first_untitled);
    r->file_untitled = r->file_read = 0;
    free(r->first_untitled);
    r->first_untitled = NULL;
}

static int on_article(void *ctx, struct article *a)
{
    struct run *r = ctx;
    if (stop_signal)
        return 1; /* stop reading: the file is read again next time */
    key_article(r, a);
    note_untitled(r, a);
    if (r->pipe)
        return pipe_put(r, a);
    struct clean_info info;
    struct ent_set es = {0};
    prepare_article(r, a, &info, &es, &r->t_clean, &r->t_extract);
    date_dropped(r, a, info.date_warning);
    info.date_warning = NULL;
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
    double share =
        r->bytes_total > 0 ? (double)r->bytes_done / (double)r->bytes_total : 0;
    fprintf(stderr,
            "\r\033[Kmorgue-index: %3.0f%% of %.1f MB, %ld articles, "
            "%.0f/s",
            100 * share, (double)r->bytes_total / 1e6, n,
            el > 0 ? (double)n / el : 0.0);
    if (share > 0.01 && el > 1)
        fprintf(stderr, ", about %.0f s left", el / share - el);
    fflush(stderr);
}

/* Adds up the sizes of the files a walk of path will read (each folder
 * once: dirs holds those met). */
static void measure(struct run *r, const char *path, int depth,
                    struct strmap *dirs)
{
    struct stat sb;
    if (strcmp(path, "-") == 0 || stat(path, &sb) < 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        if (S_ISREG(sb.st_mode))
            r->bytes_total += sb.st_size;
        return;
    }
    int64_t *met = folder_slot(dirs, &sb);
    if (*met >= 0)
        return;
    *met = 1;
    struct dirent **names;
    int n = depth > 64 ? -1 : scandir(path, &names, NULL, NULL);
    for (int i = 0; i < n; i++) {
        if (!ingest_passed_over(names[i]->d_name)) {
            struct buf p = {0};
            buf_printf(&p, "%s/%s", path, names[i]->d_name);
            measure(r, p.s, depth + 1, dirs);
            buf_free(&p);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

/* Records f with the file's current size and time, in the batch. */
static int record_file(struct run *r, const char *real, struct store_file *f,
                       const struct stat *sb, int64_t mtime)
{
    f->size = sb->st_size;
    f->mtime = mtime;
    if (open_tx(r) < 0 || store_file_put(r->store, real, f, &r->err) < 0) {
        r->fatal = 1;
        return -1;
    }
    return 0;
}

/* Sets r up for the file at base (is_real: its real path, which may
 * give a section from its folder): the key of its articles, the folder,
 * the progress. */
static void begin_file(struct run *r, const char *base, int is_real,
                       const struct stat *sb)
{
    free(r->key_base);
    if (r->from_stdin && r->source) {
        char *name = ingest_escape(r->source, ":");
        struct buf k = {0};
        buf_printf(&k, "stdin:%s", name);
        free(name);
        r->key_base = buf_take(&k);
    } else {
        r->key_base =
            r->from_stdin ? mg_strdup("stdin") : ingest_escape(base, NULL);
    }
    free(r->folder);
    size_t nfolder = 0;
    const char *folder = r->section_from_folder && is_real
                             ? folder_section(r, base, &nfolder)
                             : NULL;
    r->folder = folder ? mg_strndup(folder, nfolder) : NULL;
    r->file_changes = 0;
    if (sb)
        r->bytes_done += sb->st_size;
    progress(r, 0);
}

/* A file the index already holds, as it was: skipped unread when its
 * size and time are the same (unless --verify), else when its content
 * hash is.  Returns 1 when the file is not to be read (unchanged, or
 * r->fatal set), else 0 with *f as it is to be recorded once read. */
static int check_recorded(struct run *r, const char *path, const char *base,
                          const struct stat *sb, struct store_file *f)
{
    *strmap_slot(&r->seen, base, 1) = 1;
    if (r->cur_root >= 0)
        r->root_met[r->cur_root]++;
    int found = store_file_get(r->store, base, f, &r->err);
    if (found < 0) {
        r->fatal = 1;
        return 1;
    }
    int64_t mtime =
        sb ? (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec : 0;
    int same_stat = sb && found && f->hash[0] &&
                    f->size == (int64_t)sb->st_size && f->mtime == mtime;
    if (same_stat && !r->verify && !r->force) {
        r->files_unchanged++;
        r->unchanged += f->articles;
        return 1;
    }
    char hash[17] = "";
    if (sb && hash_file(path, hash) == 0 && found && f->hash[0] &&
        strcmp(hash, f->hash) == 0 && !r->force) {
        /* touched, not changed: the new time is recorded */
        if (!same_stat && record_file(r, base, f, sb, mtime) < 0)
            return 1;
        r->files_unchanged++;
        r->unchanged += f->articles;
        return 1;
    }
    /* Recorded before reading, with no hash yet: a run killed half
     * way through the file reads it again next time. */
    struct stat none = {0};
    if (!f->id && record_file(r, base, f, sb ? sb : &none, mtime) < 0)
        return 1;
    store_set_file(r->store, f->id, base);
    f->size = sb ? sb->st_size : 0;
    f->mtime = mtime;
    memcpy(f->hash, sb ? hash : "-", sb ? sizeof f->hash : 2);
    return 0;
}

/* A file that holds no article now (emptied, or not an article) lets go
 * of all it gave; one that failed (rc) keeps them, unrecorded, to be read
 * again next time.  before: the articles counted before the file.
 * Returns -1 with r->fatal set on a store error. */
static int record_read(struct run *r, const char *base, struct store_file *f,
                       int rc, long before)
{
    if (rc < 0 && rc != FMT_SKIPPED)
        return 0;
    /* what the file no longer holds goes; then the file is recorded
     * as read, in the batch that holds its last articles */
    f->articles = r->added + r->changed + r->unchanged - before;
    if (rc == FMT_SKIPPED)
        f->articles = 0;
    if (open_tx(r) < 0 ||
        store_file_drop(r->store, f->id, rc == FMT_SKIPPED ? NULL : &r->uids,
                        &r->removed, &r->reread, &r->err) < 0 ||
        store_file_put(r->store, base, f, &r->err) < 0) {
        r->fatal = 1;
        return -1;
    }
    return 0;
}

/* Counts the file read (rc, err from fmt_parse_file; removed: r->removed
 * before it) and says what became of it. */
static void count_file(struct run *r, const char *path, int rc,
                       const struct mg_err *err, int64_t removed)
{
    if (rc == FMT_SKIPPED) {
        r->files_skipped++;
        ingest_say(r, stderr, "%s (skipped)", err->msg);
    } else if (rc < 0) {
        r->files_failed++;
        ingest_say(r, stderr, "%s (failed)", err->msg);
    } else if (rc > 0 && r->file_changes == 0 && r->removed == removed) {
        r->files_unchanged++;
    } else {
        r->files_indexed++;
        if (r->verbose && !r->show && r->progress)
            progress(r, 1);
        if (r->verbose && !r->show)
            ingest_say(r, stdout, "%s: %ld new or changed, %lld removed", path,
                       r->file_changes, (long long)(r->removed - removed));
    }
}

static void index_file(struct run *r, const char *path, const struct stat *sb)
{
    struct fmt_sink sink = {on_article, on_warn, r};
    struct mg_err err = {""};
    char real[PATH_MAX];
    struct buf feed = {0};
    r->from_stdin = strcmp(path, "-") == 0;
    const char *base;
    if (r->from_stdin && r->source) {
        /* a named feed: tracked like a file, each run replacing it */
        buf_printf(&feed, "stdin:%s", r->source);
        base = feed.s;
    } else {
        base = r->from_stdin ? "stdin" : realpath(path, real) ? real : path;
    }
    if (base == real && strmap_get(&r->seen, base) >= 0 && !r->force) {
        buf_free(&feed);
        return; /* met already by another path: read once */
    }
    begin_file(r, base, base == real, sb);
    struct store_file f = {0};
    int tracked = r->store && ((sb && base == real) || feed.s);
    if (tracked && check_recorded(r, path, base, sb, &f)) {
        buf_free(&feed);
        return;
    }
    strmap_free(&r->uids);
    long before = r->added + r->changed + r->unchanged;
    int64_t removed = r->removed;
    int rc = fmt_parse_file(path, r->from_stdin ? "stdin" : r->key_base, &sink,
                            &err);
    pipe_flush(r); /* the file's articles all stored before it is recorded */
    say_untitled(r, path);
    if (r->store)
        store_set_file(r->store, 0, NULL);
    if (!r->fatal && !stop_signal &&
        (!tracked || record_read(r, base, &f, rc, before) == 0))
        count_file(r, path, rc, &err, removed);
    buf_free(&feed);
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

/* Whether --include/--exclude pass over the file or folder at rel (its
 * path below the root given): a pattern with a '/' matches that path,
 * one without matches the name; --include applies to files only. */
static int filtered_out(const struct run *r, const char *rel, int is_dir)
{
    const char *name = strrchr(rel, '/');
    name = name ? name + 1 : rel;
    for (int i = 0; i < r->nexclude; i++)
        if (fnmatch(r->exclude[i], strchr(r->exclude[i], '/') ? rel : name,
                    FNM_PATHNAME) == 0)
            return 1;
    if (is_dir || !r->ninclude)
        return 0;
    for (int i = 0; i < r->ninclude; i++)
        if (fnmatch(r->include[i], strchr(r->include[i], '/') ? rel : name,
                    FNM_PATHNAME) == 0)
            return 0;
    return 1;
}

static void index_path(struct run *r, const char *path, const char *rel,
                       int depth)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        index_file(r, path, NULL);
        return;
    }
    if (stat(path, &st) < 0) {
        r->files_failed++;
        ingest_say(r, stderr, "%s: %s (failed)", path, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            r->files_skipped++;
            ingest_say(r, stderr, "%s: not a regular file (skipped)", path);
            return;
        }
        if (*rel && filtered_out(r, rel, 0))
            return;
        index_file(r, path, &st);
        return;
    }
    if (*rel && filtered_out(r, rel, 1))
        return;
    /* each folder once, however many links lead to it: a link back up
     * the tree would walk forever */
    int64_t *walked = folder_slot(&r->dirs, &st);
    if (*walked >= 0) {
        if (*walked == 0) {
            char real[PATH_MAX];
            r->loops++;
            r->files_skipped++;
            ingest_say(r, stderr,
                       "%s: a link to a folder already walked (%s) "
                       "(skipped)",
                       path, realpath(path, real) ? real : "?");
        }
        *walked = 1; /* said once */
        return;
    }
    *walked = 0;
    if (depth > 64) {
        ingest_say(r, stderr, "%s: folders nested too deep (skipped)", path);
        r->files_skipped++;
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        r->files_failed++;
        ingest_say(r, stderr, "%s: %s (failed)", path, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!r->fatal && !stop_signal &&
            !ingest_passed_over(names[i]->d_name)) {
            struct buf p = {0}, q = {0};
            buf_printf(&p, "%s%s%s", path,
                       path[strlen(path) - 1] == '/' ? "" : "/",
                       names[i]->d_name);
            buf_printf(&q, "%s%s%s", rel, *rel ? "/" : "", names[i]->d_name);
            index_path(r, p.s, q.s, depth + 1);
            buf_free(&p);
            buf_free(&q);
        }
        free(names[i]);
    }
    free(names);
}

/* Whether the walk would pass over the recorded file at path below root
 * (a real path): a hidden or collection-note name on the way, or the
 * --include/--exclude patterns. */
static int walk_passes_over(const struct run *r, const char *path,
                            const char *root)
{
    const char *rel = path + strlen(root);
    while (*rel == '/')
        rel++;
    for (const char *p = rel; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *part = mg_strndup(p, n);
        char *upto = mg_strndup(rel, (size_t)(p - rel) + n);
        int out = ingest_passed_over(part) || filtered_out(r, upto, e != NULL);
        free(part);
        free(upto);
        if (out)
            return 1;
        p += n + (e ? 1 : 0);
    }
    return 0;
}

/* Whether path is root or below it (real paths). */
static int under_root(const char *path, const char *root)
{
    size_t k = strlen(root);
    return strncmp(path, root, k) == 0 &&
           (path[k] == '/' || path[k] == 0 || (k && root[k - 1] == '/'));
}

/* What prune_gone() gathers from the recorded files. */
struct gone_walk {
    struct run *r;
    struct gone {
        int64_t id, articles;
        int root;
    } * gone;
    size_t n, cap;
    int64_t *held, *lost; /* articles under each root, of them gone */
};

/* One recorded file: counted under its root, and listed when gone. */
static void note_gone(void *ctx, const char *path, const struct store_file *f)
{
    struct gone_walk *g = ctx;
    struct run *r = g->r;
    int root = -1;
    for (int i = 0; path && i < r->nroots && root < 0; i++)
        if (under_root(path, r->roots[i]))
            root = i;
    if (root < 0)
        return;
    g->held[root] += f->articles;
    if (strmap_get(&r->seen, path) >= 0)
        return;
    struct stat sb;
    int there = stat(path, &sb) == 0 || errno != ENOENT;
    if (there && !walk_passes_over(r, path, r->roots[root]))
        return;
    if (g->n == g->cap)
        g->gone = mg_realloc(g->gone, sizeof *g->gone *
                                          (g->cap = g->cap ? 2 * g->cap : 16));
    g->gone[g->n].id = f->id;
    g->gone[g->n].articles = f->articles;
    g->gone[g->n++].root = root;
    g->lost[root] += f->articles;
}

/* Recorded files under the roots that this run did not meet and that are
 * gone from the disk (or that the walk now passes over): with --prune
 * their articles are removed and they are forgotten, root by root,
 * unless the root is missing, empty, or would lose more than
 * r->prune_max of its articles (then nothing under it goes, and the run
 * says why); without --prune they are only counted. */
static int prune_gone(struct run *r)
{
    struct gone_walk g = {r, NULL, 0, 0, NULL, NULL};
    g.held = mg_calloc((size_t)r->nroots + 1, sizeof *g.held);
    g.lost = mg_calloc((size_t)r->nroots + 1, sizeof *g.lost);
    if (store_files_each(r->store, note_gone, &g, &r->err) < 0) {
        free(g.gone), free(g.held), free(g.lost);
        return -1;
    }
    struct gone *gone = g.gone;
    size_t n = g.n;
    int64_t *held = g.held, *lost = g.lost;
    r->files_gone = (long)n;
    /* which roots may lose their gone files */
    int *refuse = mg_calloc((size_t)r->nroots + 1, sizeof *refuse);
    for (int i = 0; i < r->nroots && r->prune; i++) {
        struct stat sb;
        const char *why = NULL;
        char share[160] = "";
        if (!lost[i])
            continue;
        if (stat(r->roots[i], &sb) < 0)
            why = "it is missing (not mounted?)";
        else if (S_ISDIR(sb.st_mode) && r->root_met[i] == 0)
            why = "it holds no file now (an empty mount?)";
        else if ((double)lost[i] > r->prune_max * (double)held[i]) {
            snprintf(share, sizeof share,
                     "it would remove %lld of its %lld articles (%.0f%%), "
                     "more than --prune-max %.0f%%",
                     (long long)lost[i], (long long)held[i],
                     100.0 * (double)lost[i] / (double)held[i],
                     100 * r->prune_max);
            why = share;
        }
        if (!why)
            continue;
        refuse[i] = 1;
        r->prune_refused++;
        ingest_say(r, stderr,
                   "refusing to prune %s: %s; its %lld articles are kept",
                   r->roots[i], why, (long long)held[i]);
    }
    int fail = 0;
    for (size_t i = 0; i < n && r->prune && !fail; i++)
        if (!refuse[gone[i].root] &&
            (open_tx(r) < 0 ||
             store_file_forget(r->store, gone[i].id, &r->removed, &r->reread,
                               &r->err) < 0))
            fail = 1;
    free(gone), free(held), free(lost), free(refuse);
    return fail ? -1 : 0;
}

/* Reads again the files that claim a key whose owner let go of it (the
 * list grows as they are read). */
static void read_again(struct run *r)
{
    for (size_t i = 0; i < r->reread.n && !r->fatal && !stop_signal; i++) {
        char *path = NULL;
        struct stat sb;
        int found = store_file_path(r->store, r->reread.v[i], &path, &r->err);
        if (found < 0) {
            r->fatal = 1;
            return;
        }
        if (found && path[0] == '/' && stat(path, &sb) == 0 &&
            S_ISREG(sb.st_mode)) {
            int cur = r->cur_root;
            r->cur_root = -1;
            r->force = 1;
            index_file(r, path, &sb);
            r->force = 0;
            r->cur_root = cur;
        }
        free(path);
    }
}

/* The real paths of the folders and files given, for prune and
 * --section-from-folder, into r->roots; returns for each path the index
 * of its root, -1 for none (caller frees). */
static int *find_roots(struct run *r, char **paths, int npaths)
{
    r->roots = mg_calloc((size_t)npaths + 1, sizeof *r->roots);
    r->root_met = mg_calloc((size_t)npaths + 1, sizeof *r->root_met);
    int *root_of = mg_calloc((size_t)npaths + 1, sizeof *root_of);
    for (int i = 0; i < npaths; i++) {
        char real[PATH_MAX];
        root_of[i] = -1;
        if (strcmp(paths[i], "-") == 0)
            continue;
        if (realpath(paths[i], real))
            r->roots[root_of[i] = r->nroots++] = mg_strdup(real);
        else if (paths[i][0] == '/')
            r->roots[root_of[i] = r->nroots++] = mg_strdup(paths[i]);
    }
    return root_of;
}

/* After the articles are stored: the family names merged across the
 * index, the word statistics written and the date order ended
 * (order_was: as store_date_order_clear() left it); r->fatal set on an
 * error. */
static void finish_run(struct run *r, int order_was)
{
    /* Lone family names join their full names across the index, from
     * scratch, after any run that stored or deleted an article (also a
     * killed one before it), so the links do not depend on the order
     * articles came in. */
    double tm = mg_now();
    int pending =
        r->fatal || r->show ? 0 : store_entities_pending(r->store, &r->err);
    if (pending < 0)
        r->fatal = 1;
    if (pending > 0 && (store_begin(r->store, &r->err) < 0 ||
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
                             r->added || r->changed || r->removed, &r->err) < 0)
        r->fatal = 1;
}

/* Adds this run's roots to those the index records (store_roots_add),
 * escaped as keys are, from which a file's articles get public ids
 * (docs/operations.md#article-identity).  Returns 0, or -1 with r->err. */
static int note_roots(struct run *r)
{
    if (r->nroots == 0)
        return 0;
    char **esc = mg_calloc((size_t)r->nroots, sizeof *esc);
    for (int i = 0; i < r->nroots; i++)
        esc[i] = ingest_escape(r->roots[i], NULL);
    int rc =
        open_tx(r) < 0 || store_roots_add(r->store, esc, r->nroots, &r->err) < 0
            ? -1
            : 0;
    for (int i = 0; i < r->nroots; i++)
        free(esc[i]);
    free(esc);
    return rc;
}

int ingest_paths(struct run *r, char **paths, int npaths)
{
    if (r->progress) {
        r->progress_start = mg_now();
        struct strmap dirs = {0};
        for (int i = 0; i < npaths; i++)
            measure(r, paths[i], 0, &dirs);
        strmap_free(&dirs);
    }
    int *root_of = find_roots(r, paths, npaths);
    if (r->store)
        store_set_reread(r->store, &r->reread);
    /* newest-first by rowid only once the run has checked the order */
    int order_was = -1;
    if (!r->show && r->store && !r->dry_run &&
        store_date_order_clear(r->store, &order_was, &r->err) < 0) {
        free(root_of);
        r->fatal = 1;
        return -1;
    }
    if (pipe_start(r) < 0) {
        free(root_of);
        pipe_stop(r);
        r->fatal = 1;
        mg_fail(&r->err, "cannot start the worker threads");
        return -1;
    }
    for (int i = 0; i < npaths && !r->fatal && !stop_signal; i++) {
        r->cur_root = root_of[i];
        index_path(r, paths[i], "", 0);
    }
    r->cur_root = -1;
    free(root_of);
    if (!r->fatal && !r->show && !stop_signal && prune_gone(r) < 0)
        r->fatal = 1;
    if (!r->fatal && !r->show && !stop_signal)
        read_again(r);
    pipe_stop(r);
    progress(r, 1);
    if (r->dry_run) {
        /* all of it in one transaction, undone */
        if (r->tx)
            store_rollback(r->store);
        r->tx = 0;
        return r->fatal ? -1 : 0;
    }
    if (!r->fatal && !r->show && note_roots(r) < 0)
        r->fatal = 1;
    if (!r->fatal && !r->show)
        commit_tx(r);
    finish_run(r, order_was);
    return r->fatal ? -1 : 0;
}

enum index_status ingest_status(const struct run *r)
{
    if (r->prune_refused)
        return INDEX_REFUSED;
    if (r->files_skipped || r->files_failed || r->bad_records || r->shadowed ||
        r->bad_dates)
        return INDEX_WARNINGS;
    return INDEX_OK;
}

void ingest_free(struct run *r)
{
    if (r->store)
        store_set_reread(r->store, NULL);
    strmap_free(&r->uids);
    strmap_free(&r->seen);
    strmap_free(&r->dirs);
    store_ids_free(&r->reread);
    for (int i = 0; i < r->nroots; i++)
        free(r->roots[i]);
    free(r->roots);
    free(r->root_met);
    free(r->key_base);
    free(r->folder);
    free(r->first_untitled);
    r->first_untitled = NULL;
    r->roots = NULL, r->root_met = NULL, r->key_base = NULL, r->nroots = 0;
    r->folder = NULL;
}
