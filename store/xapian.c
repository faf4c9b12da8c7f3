/*
 * xapian.c - the Xapian engine behind the store calls morgue-index makes
 * (store_open_as with engine "xapian"; docs/architecture.md section 4,
 * engine/xapian/NOTES-index.md).
 *
 * An index is a directory DIR:
 *  - one Xapian database, DIR itself (no --shards), or N of them,
 *    DIR/shard-0 .. DIR/shard-N-1 (--shards N), each an ordinary Xapian
 *    database written through the shim (engine/xapian/shim.h), with the
 *    cluster file DIR/cluster listing them (engine/xapian/cluster.h); an
 *    article goes to shard mg_hash64(uid) % N, recorded in the side
 *    file's meta (shards, route) and in each shard's metadata
 *    (morgue:shard = "K/N", morgue:route);
 *  - the side file DIR/files.db (ST_SIDE_FILE): the indexer's own records,
 *    with the FTS5 schema's tables meta, files, claims and suppressed and a
 *    slim articles table (uid, content hash, file, path), so that the file
 *    bookkeeping, the identity rule of store_put (which file owns a key),
 *    the takedown list and meta are the FTS5 store's own code on this file
 *    (files.c, takedown.c, admin.c, articles.c's find_owner); this file
 *    writes the articles into the shards.
 *
 * store_put hands the article over before store_put_entities gives its
 * entities, and mgx_put takes both: the article is held (copied) until
 * store_put_entities, the next put, a delete, a commit or the end.
 *
 * Each shard has a writer thread (struct writer) running its jobs (put,
 * delete, begin, commit, cancel) in order from a bounded queue, so N
 * shards are written on N threads while the indexer's own thread does
 * the bookkeeping (both cores busy with 2 shards or more).  A batch
 * (store_begin .. store_commit) is one Xapian transaction per shard;
 * store_commit waits for every shard's commit, then commits the side
 * file: a crash between the two leaves the batch's files unrecorded, so
 * the next run reads them again and writes the same articles (replace by
 * uid).  A shard's failure is told by the next commit (or count, get),
 * and the batch is then rolled back.
 *
 * Near-duplicates: the cluster key (MGX_VAL_DUPKEY) is chosen here, on
 * the indexer's thread, from a table of simhash bands in the side file
 * (dups) holding every article of every shard, and given to the shard
 * with mgx_put_keyed: copies of one story in two shards get one key,
 * whatever order the threads write in (TERMS.md's rule: the closest
 * article within FP_NEAR bits, ties to the smallest key, else its own).
 *
 * Family names given alone (store_names_resolve): the side file keeps
 * each article's lone family names and full names of people (every
 * shard's), the FTS5 store's rule (indexer/merge.c's pick) chooses a
 * person for each family name on the indexer's thread, and the documents
 * whose links changed since the last resolution (name_links) get or lose
 * the person's terms and entity slot on their shard's writer
 * (mgx_link_add, mgx_link_drop), in the run's last batch.
 */
#include "store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef MG_XAPIAN
#include "fingerprint.h"
#include "shim.h"

/* The side file's schema: the FTS5 schema's bookkeeping tables and a slim
 * articles table with the columns find_owner, store_file_drop,
 * st_delete_article and store_take_down read. */
static const char SIDE_SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE articles(id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
    " hash TEXT NOT NULL, file_id INTEGER, path TEXT);" FILES_SCHEMA
        IDENTITY_SCHEMA
    /* the near-duplicate clusters (dup_choose): each article's simhash cut
     * in NBANDS bands, band = number << 16 | its bits */
    "CREATE TABLE dups(band INTEGER NOT NULL, uid TEXT NOT NULL,"
    " simhash INTEGER NOT NULL, dupkey INTEGER NOT NULL,"
    " PRIMARY KEY(band, uid)) WITHOUT ROWID;"
    "CREATE INDEX dups_uid ON dups(uid);";

/* The side file's tables of the family names' resolution (names_resolve;
 * also made in a side file from before them): each article's family
 * names given alone (lone_names, the FTS5 schema's columns by uid) and
 * full names of people (full_names: the person's key and the canonical
 * name the article gives), and what the last resolution gave each
 * article (name_links: the person's key, the XV alias and XN form
 * terms, the family name's key, and the MGX_LINK_* bits of what
 * mgx_link_add added). */
static const char NAMES_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS lone_names(uid TEXT NOT NULL,"
    " key TEXT NOT NULL, form TEXT NOT NULL, mentions INTEGER NOT NULL,"
    " first_pos INTEGER NOT NULL, PRIMARY KEY(uid, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS lone_names_key ON lone_names(key);"
    "CREATE TABLE IF NOT EXISTS full_names(uid TEXT NOT NULL,"
    " key TEXT NOT NULL, form TEXT NOT NULL, PRIMARY KEY(uid, key))"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS full_names_key ON full_names(key);"
    "CREATE TABLE IF NOT EXISTS name_links(uid TEXT NOT NULL,"
    " key TEXT NOT NULL, alias TEXT, form TEXT, lone TEXT,"
    " added INTEGER NOT NULL, PRIMARY KEY(uid, key)) WITHOUT ROWID;";

/* The side meta key set when an article was written or deleted since the
 * last resolution (store_entities_pending). */
#define NAMES_DIRTY "names_dirty"

/* The bands of a simhash: 7 of 10, 9, ... bits, so that two simhashes
 * within FP_NEAR (6) bits share one (pigeonhole). */
#define NBANDS 7
static const int BAND_START[NBANDS + 1] = {0, 10, 19, 28, 37, 46, 55, 64};

/* What a shard's writer thread is told to do. */
enum job_kind {
    JOB_PUT,
    JOB_DEL,
    JOB_BEGIN,
    JOB_COMMIT,
    JOB_CANCEL,
    JOB_META,
    JOB_LINK
};

/* A change of the family names' resolution to one article (JOB_LINK):
 * give it person l (mgx_link_add, l.added set) or take back what l.added
 * says (drop). */
struct link_op {
    char *uid, *key, *alias, *form, *lone; /* owned */
    struct mgx_link l;
    int drop;
    int found; /* set by the writer: the article was there */
};

struct job {
    enum job_kind kind;
    struct article a; /* JOB_PUT: owned */
    struct ent_set es;
    int has_es;
    uint64_t dupkey;
    char *uid;          /* JOB_DEL: owned; JOB_META: the key */
    char *value;        /* JOB_META: owned */
    struct link_op *op; /* JOB_LINK: the resolver's */
    struct job *next;
};

/* A shard and the thread that writes it: jobs run in the order given;
 * the first failure is kept (err) and the jobs after it are dropped until
 * a JOB_CANCEL, and told by the next barrier (writers_wait). */
struct writer {
    struct mgx_db *db;
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t more, done; /* jobs queued; a job done */
    struct job *head, *tail;
    long queued, finished; /* jobs given, jobs done */
    int stop;
    int failed;
    struct mg_err err;
};

/* At most this many jobs wait per shard: the indexer waits beyond. */
#define QUEUE_MAX 64

struct xst {
    int n;               /* shards (0: the directory is the one database) */
    int nh;              /* handles: n, or 1 */
    struct mgx_db **sh;  /* the databases, by shard */
    struct mgx_db *all;  /* STORE_READ with shards: all of them as one */
    struct writer *w;    /* their writer threads (STORE_WRITE), by shard */
    struct article held; /* the article store_put gave, not yet written */
    int has_held;
    sqlite3_stmt *ins, *upd;                     /* the slim row */
    sqlite3_stmt *dup_find, *dup_drop, *dup_add; /* the dups table */
    /* the names' tables (NAMES_SCHEMA): an article's rows cleared, a
     * lone or full name added, the pending mark set */
    sqlite3_stmt *names_clear[3], *lone_add, *full_add, *names_dirty;
    long group_n;       /* articles written or deleted since the commit */
    double group_start; /* when the group began */
};

/* Batches are grouped into one commit of every shard (store_commit keeps
 * the batch open: xap_hold) until the group holds so many articles or is
 * so old.  Each commit of a shard is one replication changeset, whose
 * size follows the blocks it touches, not the articles (a 100-article
 * commit of a 20,000-article shard: tens of MB), so fewer, larger
 * commits ship far less to the replicas.  The bound is memory: a
 * transaction's changes are held in memory until its commit, about 70 KB
 * an article under this term scheme (700 MB for 10,000 Reuters stories,
 * measured), so 4,000 articles keep the indexer near 300 MB.  A killed
 * run loses at most the open group. */
#define XAP_GROUP_ARTICLES 4000
#define XAP_GROUP_SECONDS 300.0

static struct xst *xs(struct store *s)
{
    return s->eng_state;
}

/* The shard of uid: mg_hash64(uid) % n (0 without shards). */
static int shard_of(const struct xst *x, const char *uid)
{
    return x->n > 1 ? (int)(mg_hash64(uid, strlen(uid)) % (uint64_t)x->n) : 0;
}

static void copy_article(struct article *to, const struct article *a)
{
    article_clear(to);
    article_set(&to->uid, a->uid);
    to->uid_kind = a->uid_kind;
    article_set(&to->title, a->title);
    article_set(&to->lede, a->lede);
    article_set(&to->body, a->body);
    article_set(&to->captions, a->captions);
    article_set(&to->highlights, a->highlights);
    article_set(&to->entities, a->entities);
    article_set(&to->date, a->date);
    article_set(&to->source, a->source);
    article_set(&to->url, a->url);
    article_set(&to->byline, a->byline);
    article_set(&to->section, a->section);
    article_set(&to->dateline, a->dateline);
    article_set(&to->language, a->language);
    article_set(&to->description, a->description);
    article_set(&to->path, a->path);
    to->simhash = a->simhash;
}

static char *dup_or_null(const char *s)
{
    return s ? mg_strdup(s) : NULL;
}

static void copy_ents(struct ent_set *to, const struct ent_set *es)
{
    to->n = es->n;
    to->v = es->n ? mg_calloc((size_t)es->n, sizeof *to->v) : NULL;
    for (int i = 0; i < es->n; i++) {
        struct ent *d = &to->v[i];
        const struct ent *e = &es->v[i];
        *d = *e;
        d->canonical = dup_or_null(e->canonical);
        d->key = dup_or_null(e->key);
        d->mentions = e->nmentions
                          ? mg_calloc((size_t)e->nmentions, sizeof *d->mentions)
                          : NULL;
        for (int k = 0; k < e->nmentions; k++)
            d->mentions[k] = dup_or_null(e->mentions[k]);
    }
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    article_clear(&j->a);
    ent_set_free(&j->es);
    free(j->uid);
    free(j->value);
    free(j);
}

/* Runs one job on the writer's shard (its thread). */
static void run_job(struct writer *w, struct job *j)
{
    if (j->kind == JOB_CANCEL) {
        mgx_cancel(w->db);
        w->failed = 0;
        return;
    }
    if (w->failed)
        return; /* the batch failed: dropped, to be rolled back */
    struct mg_err err = {""};
    int rc = 0;
    switch (j->kind) {
    case JOB_PUT:
        rc = mgx_put_keyed(w->db, &j->a, j->has_es ? &j->es : NULL, j->dupkey,
                           &err);
        break;
    case JOB_DEL: rc = mgx_delete(w->db, j->uid, &err); break;
    case JOB_BEGIN: rc = mgx_begin(w->db, &err); break;
    case JOB_COMMIT: rc = mgx_commit(w->db, &err); break;
    case JOB_META: rc = mgx_meta_put(w->db, j->uid, j->value, &err); break;
    case JOB_LINK:
        rc = j->op->drop ? mgx_link_drop(w->db, j->op->uid, &j->op->l, &err)
                         : mgx_link_add(w->db, j->op->uid, &j->op->l, &err);
        j->op->found = rc > 0;
        break;
    case JOB_CANCEL: break;
    }
    if (rc < 0) {
        w->failed = 1;
        w->err = err;
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->more, &w->mu);
        if (!w->head)
            break;
        struct job *j = w->head;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        run_job(w, j);
        job_free(j);
        pthread_mutex_lock(&w->mu);
        w->finished++;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Gives j (owned) to the writer of shard k, waiting while QUEUE_MAX jobs
 * wait there. */
static void give(struct xst *x, int k, struct job *j)
{
    struct writer *w = &x->w[k];
    pthread_mutex_lock(&w->mu);
    while (w->queued - w->finished >= QUEUE_MAX)
        pthread_cond_wait(&w->done, &w->mu);
    j->next = NULL;
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->queued++;
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
}

static void give_all(struct xst *x, enum job_kind kind)
{
    for (int k = 0; x->w && k < x->nh; k++) {
        struct job *j = mg_calloc(1, sizeof *j);
        j->kind = kind;
        give(x, k, j);
    }
}

/* Waits until every shard's writer has done what it was given: 0, or -1
 * with err (the first failure of a shard, which names it).  give_all and
 * writers_wait do nothing on a store opened to read (no writers). */
static int writers_wait(struct xst *x, struct mg_err *err)
{
    int rc = 0;
    for (int k = 0; x->w && k < x->nh; k++) {
        struct writer *w = &x->w[k];
        pthread_mutex_lock(&w->mu);
        while (w->finished < w->queued)
            pthread_cond_wait(&w->done, &w->mu);
        if (w->failed && rc == 0) {
            *err = w->err;
            rc = -1;
        }
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}

/* Stops and joins the writer threads (their queues done first). */
static void writers_stop(struct xst *x)
{
    for (int k = 0; x->w && k < x->nh; k++) {
        struct writer *w = &x->w[k];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->more);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->more);
        pthread_cond_destroy(&w->done);
        w->started = 0;
    }
}

static int writers_start(struct xst *x, struct mg_err *err)
{
    x->w = mg_calloc((size_t)x->nh, sizeof *x->w);
    for (int k = 0; k < x->nh; k++) {
        struct writer *w = &x->w[k];
        w->db = x->sh[k];
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->more, NULL);
        pthread_cond_init(&w->done, NULL);
        if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->more);
            pthread_cond_destroy(&w->done);
            return mg_fail(err, "%s: cannot start a writer thread",
                           mgx_path(x->sh[k]));
        }
        w->started = 1;
    }
    return 0;
}

/* The near-duplicate cluster of article uid with simhash sh, from the
 * dups table of every shard's articles (so copies in two shards share
 * one): the cluster of the closest article within FP_NEAR bits (ties:
 * the smallest key), else its own key (a mix of the uid's hash, as the
 * shim's).  Records uid's bands.  0 or -1 with err. */
static int dup_choose(struct store *s, struct xst *x, const char *uid,
                      uint64_t sh, uint64_t *key, struct mg_err *err)
{
    *key = mg_mix64(mg_hash64(uid, strlen(uid)));
    sqlite3_bind_text(x->dup_drop, 1, uid, -1, SQLITE_STATIC);
    if (st_step_done(s, x->dup_drop, err) < 0)
        return -1;
    if (!sh)
        return 0;
    int best = FP_NEAR + 1;
    int64_t bands[NBANDS];
    for (int b = 0; b < NBANDS; b++) {
        int lo = BAND_START[b], n = BAND_START[b + 1] - lo;
        bands[b] = (int64_t)b << 16 | (int64_t)((sh >> lo) & ((1u << n) - 1));
        sqlite3_bind_int64(x->dup_find, 1, bands[b]);
        int rc;
        while ((rc = sqlite3_step(x->dup_find)) == SQLITE_ROW) {
            uint64_t other = (uint64_t)sqlite3_column_int64(x->dup_find, 0);
            uint64_t k = (uint64_t)sqlite3_column_int64(x->dup_find, 1);
            int dist = fp_distance(other, sh);
            if (dist > FP_NEAR)
                continue;
            if (dist < best || (dist == best && k < *key)) {
                best = dist;
                *key = k;
            }
        }
        sqlite3_reset(x->dup_find);
        if (rc != SQLITE_DONE)
            return st_fail(s, err);
    }
    for (int b = 0; b < NBANDS; b++) {
        sqlite3_bind_int64(x->dup_add, 1, bands[b]);
        sqlite3_bind_text(x->dup_add, 2, uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(x->dup_add, 3, (int64_t)sh);
        sqlite3_bind_int64(x->dup_add, 4, (int64_t)*key);
        if (st_step_done(s, x->dup_add, err) < 0)
            return -1;
    }
    return 0;
}

/* Forgets the names article uid gave (its new version, if any, tells
 * them again: names_note) and what the last resolution gave it (a new
 * document has none of it; a deleted one is gone), and marks the names
 * to be resolved again.  0 or -1 with err. */
static int names_forget(struct store *s, struct xst *x, const char *uid,
                        struct mg_err *err)
{
    for (int i = 0; i < 3; i++) {
        sqlite3_bind_text(x->names_clear[i], 1, uid, -1, SQLITE_STATIC);
        if (st_step_done(s, x->names_clear[i], err) < 0)
            return -1;
    }
    return st_step_done(s, x->names_dirty, err);
}

/* Records the people article uid names (es), as the FTS5 store's
 * store_put_entities does: a family name alone in lone_names (for the
 * resolution to link), a full name in full_names (the resolution's
 * candidates and their articles); low ones are neither.  0 or -1. */
static int names_note(struct store *s, struct xst *x, const char *uid,
                      const struct ent_set *es, struct mg_err *err)
{
    if (names_forget(s, x, uid, err) < 0)
        return -1;
    for (int i = 0; es && i < es->n; i++) {
        const struct ent *e = &es->v[i];
        if (e->low || e->kind != ENT_PERSON || !e->canonical)
            continue;
        char *k = e->key && *e->key ? NULL : ent_key(e->canonical);
        const char *key = k ? k : e->key;
        int lone = !strchr(e->canonical, ' ');
        sqlite3_stmt *st = lone ? x->lone_add : x->full_add;
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->canonical, -1, SQLITE_STATIC);
        if (lone) {
            sqlite3_bind_int(st, 4, e->weak ? 0 : e->count);
            sqlite3_bind_int(st, 5, e->first);
        }
        int rc = *key ? st_step_done(s, st, err) : 0;
        sqlite3_clear_bindings(st);
        free(k);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Gives the held article (with entities es, NULL: none) to its shard's
 * writer, its cluster chosen.  0 or -1 with err. */
static int flush(struct store *s, struct xst *x, const struct ent_set *es,
                 struct mg_err *err)
{
    if (!x->has_held)
        return 0;
    x->has_held = 0;
    struct job *j = mg_calloc(1, sizeof *j);
    j->kind = JOB_PUT;
    j->a = x->held; /* moved */
    memset(&x->held, 0, sizeof x->held);
    if (es) {
        copy_ents(&j->es, es);
        j->has_es = 1;
    }
    if (dup_choose(s, x, j->a.uid, j->a.simhash, &j->dupkey, err) < 0 ||
        names_note(s, x, j->a.uid, es, err) < 0) {
        job_free(j);
        return -1;
    }
    give(x, shard_of(x, j->a.uid), j);
    return 0;
}

static int xap_put(struct store *s, const struct article *a, int exists,
                   const char *hash, struct mg_err *err)
{
    struct xst *x = xs(s);
    x->group_n++;
    if (flush(s, x, NULL, err) < 0)
        return -1;
    sqlite3_stmt *st = exists ? x->upd : x->ins;
    sqlite3_bind_text(st, 1, a->uid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    if (s->file_id > 0)
        sqlite3_bind_int64(st, 3, s->file_id);
    else
        sqlite3_bind_null(st, 3);
    st_bind_opt(st, 4, a->path);
    if (st_step_done(s, st, err) < 0)
        return -1;
    copy_article(&x->held, a);
    x->has_held = 1;
    return 0;
}

static int xap_put_entities(struct store *s, const struct ent_set *es,
                            struct mg_err *err)
{
    return flush(s, xs(s), es, err);
}

static int xap_del(struct store *s, const char *uid, struct mg_err *err)
{
    struct xst *x = xs(s);
    x->group_n++;
    if (flush(s, x, NULL, err) < 0)
        return -1;
    sqlite3_bind_text(x->dup_drop, 1, uid, -1, SQLITE_STATIC);
    if (st_step_done(s, x->dup_drop, err) < 0 ||
        names_forget(s, x, uid, err) < 0)
        return -1;
    struct job *j = mg_calloc(1, sizeof *j);
    j->kind = JOB_DEL;
    j->uid = mg_strdup(uid);
    give(x, shard_of(x, uid), j);
    return 0;
}

static int xap_begin(struct store *s, struct mg_err *err)
{
    (void)err;
    struct xst *x = xs(s);
    x->group_n = 0;
    x->group_start = mg_now();
    give_all(x, JOB_BEGIN);
    return 0;
}

static int xap_hold(struct store *s)
{
    struct xst *x = xs(s);
    return x->w && x->group_n < XAP_GROUP_ARTICLES &&
           mg_now() - x->group_start < XAP_GROUP_SECONDS;
}

static int xap_commit(struct store *s, struct mg_err *err)
{
    struct xst *x = xs(s);
    if (flush(s, x, NULL, err) < 0)
        return -1;
    give_all(x, JOB_COMMIT);
    return writers_wait(x, err);
}

/* The index's meta, also in every shard's metadata as META_PREFIX + key
 * (for what reads a replica: last_run), with the shard's next commit. */
#define META_PREFIX "morgue.meta."
static int xap_meta_put(struct store *s, const char *key, const char *value,
                        struct mg_err *err)
{
    struct xst *x = xs(s);
    if (!x->w) /* the side file being made: nothing to mirror yet */
        return 0;
    if (flush(s, x, NULL, err) < 0)
        return -1;
    for (int k = 0; k < x->nh; k++) {
        struct job *j = mg_calloc(1, sizeof *j);
        j->kind = JOB_META;
        struct buf b = {0};
        buf_printf(&b, META_PREFIX "%s", key);
        j->uid = buf_take(&b);
        j->value = mg_strdup(value ? value : "");
        give(x, k, j);
    }
    return 0;
}

static void xap_rollback(struct store *s)
{
    struct xst *x = xs(s);
    struct mg_err ignored;
    x->has_held = 0;
    article_clear(&x->held);
    give_all(x, JOB_CANCEL);
    writers_wait(x, &ignored);
}

/* Every job given is done (a read sees what was written): 0 or -1. */
static int settle(struct store *s, struct xst *x, struct mg_err *err)
{
    if (!x->w)
        return 0;
    return flush(s, x, NULL, err) < 0 ? -1 : writers_wait(x, err);
}

static int64_t xap_count(struct store *s)
{
    struct xst *x = xs(s);
    struct mg_err err;
    int64_t n = 0;
    if (settle(s, x, &err) < 0)
        return -1;
    for (int i = 0; i < x->nh; i++) {
        struct mgx_stats st;
        /* a reader counts the latest revision (morgue-serve's /healthz) */
        if (mgx_reopen(x->sh[i], &err) < 0 ||
            mgx_stats(x->sh[i], &st, &err) < 0)
            return -1;
        n += st.docs;
    }
    return n;
}

static int xap_get(struct store *s, const char *uid, struct article *a,
                   struct mg_err *err)
{
    struct xst *x = xs(s);
    if (settle(s, x, err) < 0)
        return -1;
    return mgx_get(x->sh[shard_of(x, uid)], uid, a, err);
}

/* One line of --stats from a query of the side file (one row, one text
 * column), "prefix value"; 1 when there was a row, 0, -1 with err. */
static int side_line(struct store *s, const char *prefix, const char *sql,
                     store_line_fn fn, void *ctx, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int rc = sqlite3_step(st), got = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        struct buf b = {0};
        buf_printf(&b, "%s%s", prefix,
                   (const char *)sqlite3_column_text(st, 0));
        fn(ctx, b.s);
        buf_free(&b);
        got = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_fail(s, err);
    return got;
}

static int xap_stats(struct store *s, store_line_fn fn, void *ctx,
                     struct mg_err *err)
{
    struct xst *x = xs(s);
    struct buf b = {0};
    int64_t all = 0;
    struct mgx_stats *st = mg_calloc((size_t)x->nh, sizeof *st);
    for (int i = 0; i < x->nh; i++) {
        if (mgx_stats(x->sh[i], &st[i], err) < 0) {
            free(st);
            return -1;
        }
        all += st[i].docs;
    }
    buf_printf(&b, "articles:  %lld (xapian engine, %d shard%s)",
               (long long)all, x->nh, x->nh == 1 ? "" : "s");
    fn(ctx, b.s);
    for (int i = 0; i < x->nh && x->n > 0; i++) {
        buf_clear(&b);
        buf_printf(&b, "  shard    %s: %lld", mgx_path(x->sh[i]),
                   (long long)st[i].docs);
        fn(ctx, b.s);
    }
    free(st);
    buf_free(&b);
    int rc = side_line(s, "files:     ",
                       "SELECT count(*) || ' (' || ifnull(sum(articles), 0) ||"
                       " ' articles; last read ' || ifnull(max(indexed), '-')"
                       " || ')' FROM files",
                       fn, ctx, err);
    if (rc >= 0)
        rc = side_line(s, "taken down: ", "SELECT count(*) FROM suppressed", fn,
                       ctx, err);
    if (rc >= 0)
        rc = side_line(
            s, "last run:  ", "SELECT value FROM meta WHERE key = 'last_run'",
            fn, ctx, err);
    if (rc == 0)
        fn(ctx, "last run:  (none recorded)");
    return rc < 0 ? -1 : 0;
}

static void say(store_line_fn fn, void *ctx, struct buf *b)
{
    fn(ctx, b->s);
    buf_clear(b);
}

/* --check: SQLite's check of the side file, then the side file's
 * articles against the shards (each in its shard, no other there).  The
 * shards' B-trees are xapian-check's (Xapian::Database::check run in this
 * process trips ASan inside libxapian 1.4.22: NOTES-index.md).  0 when
 * all pass, 1 when one found damage, -1 with err when one could not
 * run. */
static int xap_check(struct store *s, store_line_fn fn, void *ctx,
                     struct mg_err *err)
{
    struct xst *x = xs(s);
    struct buf b = {0}, v = {0};
    int damaged = 0;
    if (settle(s, x, err) < 0)
        return -1;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        st_fail(s, err);
        goto fail;
    }
    const char *ok = (const char *)sqlite3_column_text(q, 0);
    buf_printf(&b, "SQLite integrity_check " ST_SIDE_FILE ": %s",
               ok && strcmp(ok, "ok") == 0 ? "ok" : "FAILED");
    damaged |= !(ok && strcmp(ok, "ok") == 0);
    sqlite3_finalize(q);
    say(fn, ctx, &b);
    /* every recorded article in its shard; nothing else in the shards */
    int64_t *found = mg_calloc((size_t)x->nh, sizeof *found);
    int64_t missing = 0, listed = 0;
    int rc = sqlite3_prepare_v2(s->db, "SELECT uid FROM articles", -1, &q,
                                NULL) == SQLITE_OK
                 ? SQLITE_ROW
                 : SQLITE_ERROR;
    while (rc == SQLITE_ROW && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(q, 0);
        int k = shard_of(x, uid);
        int got = mgx_value(x->sh[k], uid, MGX_VAL_UID, &v, err);
        if (got < 0) {
            rc = -2;
            break;
        }
        listed++;
        if (got)
            found[k]++;
        else
            missing++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(found);
        if (rc != -2)
            st_fail(s, err);
        goto fail;
    }
    int64_t extra = 0;
    for (int k = 0; k < x->nh; k++) {
        struct mgx_stats st;
        if (mgx_stats(x->sh[k], &st, err) < 0) {
            free(found);
            goto fail;
        }
        extra += st.docs - found[k];
    }
    free(found);
    buf_printf(&b, "articles against the shards: ");
    if (missing || extra)
        buf_printf(&b,
                   "FAILED (%lld of %lld recorded articles missing from "
                   "their shard, %lld in a shard unrecorded)",
                   (long long)missing, (long long)listed, (long long)extra);
    else
        buf_printf(&b, "ok (%lld articles)", (long long)listed);
    say(fn, ctx, &b);
    damaged |= missing || extra;
    buf_free(&b);
    buf_free(&v);
    return damaged;
fail:
    buf_free(&b);
    buf_free(&v);
    return -1;
}

/* ---- family names given alone, resolved across the index ------------ */

static int xap_entities_pending(struct store *s, struct mg_err *err)
{
    (void)err;
    return xs(s)->w && st_meta_int(s, NAMES_DIRTY) > 0;
}

/* The resolution's work: the people with a full name (ids 1..n) and the
 * changes to make. */
struct names_run {
    char **people; /* key of person id i + 1 */
    int npeople;
    struct link_op *ops;
    int nops, cap;
};

static void names_run_free(struct names_run *r)
{
    for (int i = 0; i < r->npeople; i++)
        free(r->people[i]);
    free(r->people);
    for (int i = 0; i < r->nops; i++) {
        free(r->ops[i].uid);
        free(r->ops[i].key);
        free(r->ops[i].alias);
        free(r->ops[i].form);
        free(r->ops[i].lone);
    }
    free(r->ops);
}

/* The text of column c of q, owned (NULL for NULL). */
static char *col_dup(sqlite3_stmt *q, int c)
{
    const char *t = (const char *)sqlite3_column_text(q, c);
    return t ? mg_strdup(t) : NULL;
}

/* Adds the changes of query q (uid, key, alias, form, lone, added) to r: drops
 * (taking back added) or additions.  0, or -1 when q failed. */
static int ops_of(struct names_run *r, sqlite3_stmt *q, int drop)
{
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (r->nops == r->cap)
            r->ops = mg_realloc(
                r->ops,
                sizeof *r->ops * (size_t)(r->cap = r->cap ? r->cap * 2 : 64));
        struct link_op *o = &r->ops[r->nops++];
        memset(o, 0, sizeof *o);
        o->uid = col_dup(q, 0);
        o->key = col_dup(q, 1);
        o->alias = col_dup(q, 2);
        o->form = col_dup(q, 3);
        o->lone = col_dup(q, 4);
        o->l.key = o->key;
        o->l.alias = o->alias;
        o->l.form = o->form;
        o->l.lone = o->lone;
        o->l.added = drop ? (unsigned)sqlite3_column_int(q, 5) : 0;
        o->drop = drop;
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The statements of the resolution (names_resolve). */
static const char *const RESOLVE_SQL[] = {
    /* 0: the people with a full name, named by the form most of their
     * articles give (then the longest, then byte order: the FTS5 store's
     * RENAME_DIRTY), and the number of articles naming them in full */
    "SELECT key, (SELECT form FROM full_names f2 WHERE f2.key = f.key"
    " GROUP BY form ORDER BY count(*) DESC, length(form) DESC, form"
    " LIMIT 1), count(*) FROM full_names f GROUP BY key",
    /* 1: each family name met alone */
    "SELECT DISTINCT key FROM lone_names",
    /* 2: linked to person ?2 (key ?1's articles, the form an alias) */
    "INSERT OR REPLACE INTO temp.want(uid, key, alias, form, lone) SELECT"
    " uid, ?2, form, NULL, key FROM lone_names WHERE key = ?1",
    /* 3: a person of its own where an article names it with a mention */
    "INSERT OR REPLACE INTO temp.want(uid, key, alias, form, lone) SELECT"
    " uid, key, form, form, key FROM lone_names WHERE key = ?1 AND"
    " mentions > 0",
    /* 4: what the last resolution gave and this one does not */
    "SELECT uid, key, alias, form, lone, added FROM name_links n WHERE NOT"
    " EXISTS (SELECT 1 FROM temp.want w WHERE w.uid = n.uid AND"
    " w.key = n.key AND w.alias IS n.alias AND w.form IS n.form AND"
    " w.lone IS n.lone)",
    /* 5: what this one gives and the last did not */
    "SELECT uid, key, alias, form, lone FROM temp.want w WHERE NOT EXISTS"
    " (SELECT 1 FROM name_links n WHERE w.uid = n.uid AND w.key = n.key AND"
    " w.alias IS n.alias AND w.form IS n.form AND w.lone IS n.lone)",
    /* 6, 7: recording it */
    "DELETE FROM name_links WHERE uid = ?1 AND key = ?2",
    "INSERT OR REPLACE INTO name_links(uid, key, alias, form, lone, added)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};
enum { R_PEOPLE, R_KEYS, R_TO, R_OWN, R_DROPS, R_ADDS, R_UNREC, R_REC, R_N };

/* Steps 2 and 3 of names_resolve: the people told to person(), each
 * family name given to pick(), the links wanted into temp.want.  The
 * number of family names given a person, or -1. */
static int names_want(struct names_run *r, sqlite3_stmt **st,
                      store_person_fn person, store_pick_fn pick, void *ctx)
{
    int cap = 0, rc;
    while ((rc = sqlite3_step(st[R_PEOPLE])) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st[R_PEOPLE], 0);
        const char *name = (const char *)sqlite3_column_text(st[R_PEOPLE], 1);
        if (!key || !name || !strchr(name, ' '))
            continue;
        if (r->npeople == cap)
            r->people =
                mg_realloc(r->people, sizeof *r->people *
                                          (size_t)(cap = cap ? cap * 2 : 256));
        r->people[r->npeople++] = mg_strdup(key);
        struct store_person p = {r->npeople, name, key,
                                 sqlite3_column_int(st[R_PEOPLE], 2)};
        person(ctx, &p);
    }
    if (rc != SQLITE_DONE)
        return -1;
    int merged = 0;
    while ((rc = sqlite3_step(st[R_KEYS])) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st[R_KEYS], 0);
        int64_t to = pick(ctx, key);
        if (to < 0 || to > r->npeople)
            to = 0;
        merged += to != 0;
        sqlite3_stmt *q = to ? st[R_TO] : st[R_OWN];
        sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
        if (to)
            sqlite3_bind_text(q, 2, r->people[to - 1], -1, SQLITE_STATIC);
        int done = sqlite3_step(q);
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        if (done != SQLITE_DONE)
            return -1;
    }
    return rc == SQLITE_DONE ? merged : -1;
}

/* Gives every change of r to the article's shard and waits for them;
 * then records them in name_links.  0 or -1 with err. */
static int names_apply(struct store *s, struct xst *x, struct names_run *r,
                       sqlite3_stmt **st, struct mg_err *err)
{
    for (int i = 0; i < r->nops; i++) {
        struct job *j = mg_calloc(1, sizeof *j);
        j->kind = JOB_LINK;
        j->op = &r->ops[i];
        give(x, shard_of(x, r->ops[i].uid), j);
        x->group_n++;
    }
    if (writers_wait(x, err) < 0)
        return -1;
    for (int i = 0; i < r->nops; i++) {
        struct link_op *o = &r->ops[i];
        sqlite3_stmt *q = o->drop ? st[R_UNREC] : st[R_REC];
        if (!o->drop && !o->found)
            continue; /* no such article (cannot be: it has names) */
        sqlite3_bind_text(q, 1, o->uid, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, o->key, -1, SQLITE_STATIC);
        if (!o->drop) {
            st_bind_opt(q, 3, o->alias);
            st_bind_opt(q, 4, o->form);
            st_bind_opt(q, 5, o->lone);
            sqlite3_bind_int(q, 6, (int)o->l.added);
        }
        int rc = st_step_done(s, q, err);
        sqlite3_clear_bindings(q);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* store_names_resolve for this engine: the FTS5 store's rule on the side
 * file's names (names_note), written into the documents as terms and
 * entity slots (mgx_link_add), only what changed since the last
 * resolution (name_links): the person a family name alone belongs to,
 * told by pick(), gets the article's XP term, an XV alias of the form
 * and an entity slot; a family name no person takes is a person of its
 * own (XP, XV, and an XN form for its display name) where the article
 * names it with a mention.  Runs in the batch store_begin opened. */
static int xap_names_resolve(struct store *s, store_person_fn person,
                             store_pick_fn pick, void *ctx, struct mg_err *err)
{
    struct xst *x = xs(s);
    if (!x->w)
        return mg_fail(err, "%s: resolving names: opened read-only", s->path);
    if (flush(s, x, NULL, err) < 0)
        return -1;
    sqlite3_stmt *st[R_N] = {0};
    struct names_run r = {0};
    int rc = st_exec(s,
                     "CREATE TEMP TABLE IF NOT EXISTS want(uid TEXT NOT NULL,"
                     " key TEXT NOT NULL, alias TEXT, form TEXT, lone TEXT,"
                     " PRIMARY KEY(uid, key)) WITHOUT ROWID;"
                     "DELETE FROM temp.want",
                     err);
    for (int i = 0; i < R_N && rc == 0; i++)
        if (sqlite3_prepare_v2(s->db, RESOLVE_SQL[i], -1, &st[i], NULL) !=
            SQLITE_OK)
            rc = st_fail(s, err);
    int merged = rc == 0 ? names_want(&r, st, person, pick, ctx) : -1;
    if (merged < 0 && rc == 0)
        rc = st_fail(s, err);
    if (rc == 0 &&
        (ops_of(&r, st[R_DROPS], 1) < 0 || ops_of(&r, st[R_ADDS], 0) < 0))
        rc = st_fail(s, err);
    if (rc == 0)
        rc = names_apply(s, x, &r, st, err);
    if (rc == 0)
        rc = st_exec(s,
                     "DELETE FROM temp.want;"
                     "DELETE FROM meta WHERE key = '" NAMES_DIRTY "'",
                     err);
    for (int i = 0; i < R_N; i++)
        sqlite3_finalize(st[i]);
    names_run_free(&r);
    return rc < 0 ? -1 : merged;
}

static int xap_finish(struct store *s, struct mg_err *err)
{
    return xap_commit(s, err);
}

static void xap_close(struct store *s)
{
    struct xst *x = xs(s);
    if (!x)
        return;
    /* an open batch is dropped, as the side file's is */
    article_clear(&x->held);
    if (x->w) {
        give_all(x, JOB_CANCEL);
        writers_stop(x);
        free(x->w);
    }
    mgx_close(x->all);
    for (int i = 0; i < x->nh; i++) {
        mgx_cancel(x->sh[i]);
        mgx_close(x->sh[i]);
    }
    free(x->sh);
    sqlite3_finalize(x->ins);
    sqlite3_finalize(x->upd);
    sqlite3_finalize(x->dup_find);
    sqlite3_finalize(x->dup_drop);
    sqlite3_finalize(x->dup_add);
    for (int i = 0; i < 3; i++)
        sqlite3_finalize(x->names_clear[i]);
    sqlite3_finalize(x->lone_add);
    sqlite3_finalize(x->full_add);
    sqlite3_finalize(x->names_dirty);
    free(x);
    s->eng_state = NULL;
}

static const struct store_engine XAPIAN_ENGINE = {
    .version = 2,
    .name = "xapian",
    .close = xap_close,
    .begin = xap_begin,
    .commit = xap_commit,
    .rollback = xap_rollback,
    .put = xap_put,
    .put_entities = xap_put_entities,
    .del = xap_del,
    .finish = xap_finish,
    .count = xap_count,
    .get = xap_get,
    .stats = xap_stats,
    .check = xap_check,
    .meta_put = xap_meta_put,
    .hold = xap_hold,
    .entities_pending = xap_entities_pending,
    .names_resolve = xap_names_resolve,
};

/* The side meta value of key as an integer, or dflt. */
static long side_int(struct store *s, const char *key, long dflt)
{
    long v = st_meta_int(s, key);
    return v < 0 ? dflt : v;
}

static int side_put(struct store *s, const char *key, const char *value,
                    struct mg_err *err)
{
    return store_meta_put(s, key, value, err);
}

/* Creates the side file's tables and records the engine, the shards and
 * the routing rule. */
static int side_create(struct store *s, int shards, struct mg_err *err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", shards);
    if (st_exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (st_exec(s, SIDE_SCHEMA, err) < 0 ||
        side_put(s, "engine", "xapian", err) < 0 ||
        side_put(s, "shards", n, err) < 0 ||
        side_put(s, "route", "mg_hash64(uid) % shards", err) < 0 ||
        st_exec(s, "COMMIT", err) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Writes DIR/cluster: one line per shard, its path (absolute). */
static int write_cluster(const char *dir, int n, struct mg_err *err)
{
    char *real = realpath(dir, NULL);
    struct buf path = {0}, tmp = {0};
    buf_printf(&path, "%s/cluster", dir);
    buf_printf(&tmp, "%s/cluster.tmp", dir);
    FILE *f = fopen(tmp.s, "w");
    int rc = -1;
    if (f) {
        fprintf(f,
                "# the shards of this index (morgue-index --engine xapian "
                "--shards %d),\n# one line per shard: its replicas "
                "(host:port or a path), separated by spaces\n",
                n);
        for (int k = 0; k < n; k++)
            fprintf(f, "%s/shard-%d\n", real ? real : dir, k);
        rc = fclose(f) == 0 && rename(tmp.s, path.s) == 0 ? 0 : -1;
    }
    if (rc < 0)
        mg_fail(err, "%s: cannot write it: %s", path.s, strerror(errno));
    free(real);
    buf_free(&path);
    buf_free(&tmp);
    return rc;
}

/* Opens the databases: shards DIR/shard-K (n >= 1) or DIR, checking (and
 * on a new shard writing) its morgue:shard metadata. */
static int open_shards(struct store *s, struct xst *x, enum store_mode mode,
                       struct mg_err *err)
{
    x->nh = x->n > 0 ? x->n : 1;
    x->sh = mg_calloc((size_t)x->nh, sizeof(struct mgx_db *));
    for (int k = 0; k < x->nh; k++) {
        struct buf p = {0}, want = {0};
        if (x->n > 0)
            buf_printf(&p, "%s/shard-%d", s->path, k);
        else
            buf_printf(&p, "%s", s->path);
        buf_printf(&want, "%d/%d", k, x->n > 0 ? x->n : 1);
        char *have = NULL;
        int rc = mgx_open(p.s, mode == STORE_WRITE ? MGX_WRITE : MGX_READ,
                          &x->sh[k], err);
        if (rc == 0)
            rc = mgx_meta_get(x->sh[k], "morgue:shard", &have, err);
        if (rc > 0 && have && strcmp(have, want.s) != 0)
            rc = mg_fail(err,
                         "%s: holds shard %s, this index expects %s "
                         "there: rebuild it",
                         p.s, have, want.s);
        else if (rc == 0 && mode == STORE_WRITE)
            rc = mgx_meta_put(x->sh[k], "morgue:shard", want.s, err) < 0 ||
                         mgx_meta_put(x->sh[k], "morgue:route",
                                      "mg_hash64(uid) % N", err) < 0 ||
                         mgx_commit(x->sh[k], err) < 0
                     ? -1
                     : 0;
        free(have);
        buf_free(&p);
        buf_free(&want);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int open_xapian(const char *path, enum store_mode mode, int shards,
                       struct store **out, struct mg_err *err)
{
    struct stat sb;
    int exists = st_engine_of(path) != NULL; /* the side file at least */
    if (!exists && mode == STORE_READ)
        return mg_fail(err,
                       "%s: no index here (build one with morgue-index "
                       "--engine xapian --db %s PATH)",
                       path, path);
    if (!exists && stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return mg_fail(err, "%s: a file, not a Xapian index directory", path);
    if (!exists && mkdir(path, 0755) < 0 && errno != EEXIST)
        return mg_fail(err, "%s: cannot make the directory: %s", path,
                       strerror(errno));
    struct store *s = mg_calloc(1, sizeof *s);
    struct xst *x = mg_calloc(1, sizeof *x);
    s->path = mg_strdup(path);
    s->eng = &XAPIAN_ENGINE;
    s->eng_state = x;
    struct buf side = {0};
    buf_printf(&side, "%s/" ST_SIDE_FILE, path);
    int flags = mode == STORE_READ ? SQLITE_OPEN_READONLY
                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(side.s, &s->db, flags, NULL);
    buf_free(&side);
    if (rc != SQLITE_OK) {
        mg_fail(err, "%s: cannot open %s: %s", path, ST_SIDE_FILE,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    if (mode == STORE_WRITE &&
        st_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err) <
            0)
        goto fail;
    /* a side file without tables: made by the writer lock, or a first run
     * that stopped before its first commit */
    sqlite3_stmt *q = NULL;
    int made = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE name='meta'", -1,
                           &q, NULL) != SQLITE_OK) {
        mg_fail(err, "%s: %s: not a morgue side file (%s)", path, ST_SIDE_FILE,
                sqlite3_errmsg(s->db));
        goto fail;
    }
    made = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    if (!made && mode == STORE_READ) {
        mg_fail(err, "%s: no index here (an empty %s)", path, ST_SIDE_FILE);
        goto fail;
    }
    exists = made;
    if (!made && side_create(s, shards, err) < 0)
        goto fail;
    char *engine = NULL;
    if (store_meta_get(s, "engine", &engine, err) < 0)
        goto fail;
    int ours = engine && strcmp(engine, "xapian") == 0;
    free(engine);
    if (!ours) {
        mg_fail(err, "%s: %s is not a Xapian index's side file", path,
                ST_SIDE_FILE);
        goto fail;
    }
    x->n = (int)side_int(s, "shards", 0);
    if (exists && shards > 0 && shards != x->n) {
        if (x->n == 0)
            mg_fail(err,
                    "%s: built as one database (no --shards), not %d "
                    "shards: build a new index to change it",
                    path, shards);
        else
            mg_fail(err,
                    "%s: built with %d shard%s, not %d: build a new index "
                    "to change it",
                    path, x->n, x->n > 1 ? "s" : "", shards);
        goto fail;
    }
    if (open_shards(s, x, mode, err) < 0)
        goto fail;
    if (mode == STORE_WRITE && x->n > 0 && write_cluster(path, x->n, err) < 0)
        goto fail;
    if (mode == STORE_WRITE) {
        if (st_prepare_identity(s, err) < 0 ||
            st_prepare(s, &x->ins,
                       "INSERT INTO articles(uid, hash, file_id, path)"
                       " VALUES (?1, ?2, ?3, ?4)",
                       err) < 0 ||
            st_prepare(s, &x->upd,
                       "UPDATE articles SET hash=?2, file_id=?3, path=?4"
                       " WHERE uid=?1",
                       err) < 0 ||
            st_prepare(s, &x->dup_find,
                       "SELECT simhash, dupkey FROM dups WHERE band=?1",
                       err) < 0 ||
            st_prepare(s, &x->dup_drop, "DELETE FROM dups WHERE uid=?1", err) <
                0 ||
            st_prepare(s, &x->dup_add,
                       "INSERT OR REPLACE INTO dups(band, uid, simhash, dupkey)"
                       " VALUES (?1, ?2, ?3, ?4)",
                       err) < 0 ||
            st_exec(s, NAMES_SCHEMA, err) < 0 ||
            st_prepare(s, &x->names_clear[0],
                       "DELETE FROM lone_names WHERE uid=?1", err) < 0 ||
            st_prepare(s, &x->names_clear[1],
                       "DELETE FROM full_names WHERE uid=?1", err) < 0 ||
            st_prepare(s, &x->names_clear[2],
                       "DELETE FROM name_links WHERE uid=?1", err) < 0 ||
            st_prepare(s, &x->lone_add,
                       "INSERT OR REPLACE INTO lone_names(uid, key, form,"
                       " mentions, first_pos) VALUES (?1, ?2, ?3, ?4, ?5)",
                       err) < 0 ||
            st_prepare(s, &x->full_add,
                       "INSERT OR REPLACE INTO full_names(uid, key, form)"
                       " VALUES (?1, ?2, ?3)",
                       err) < 0 ||
            st_prepare(s, &x->names_dirty,
                       "INSERT OR REPLACE INTO meta(key, value)"
                       " VALUES ('" NAMES_DIRTY "', '1')",
                       err) < 0 ||
            writers_start(x, err) < 0)
            goto fail;
        st_count_suppressed(s);
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return -1;
}

int store_engine_built(const char *engine)
{
    return strcmp(engine, "fts5") == 0 || strcmp(engine, "xapian") == 0;
}

int store_xapian_db(struct store *s, struct mgx_db **out, struct mg_err *err)
{
    *out = NULL;
    struct xst *x = s->eng == &XAPIAN_ENGINE ? xs(s) : NULL;
    if (!x)
        return 0;
    if (x->n == 0) {
        *out = x->sh[0];
        return 1;
    }
    if (x->w)
        return mg_fail(err, "%s: opened to write, not to search", s->path);
    if (!x->all) {
        char **paths = mg_calloc((size_t)x->n, sizeof *paths);
        for (int k = 0; k < x->n; k++) {
            struct buf p = {0};
            buf_printf(&p, "%s/shard-%d", s->path, k);
            paths[k] = buf_take(&p);
        }
        int rc = mgx_open_union(s->path, (const char *const *)paths, x->n,
                                &x->all, err);
        for (int k = 0; k < x->n; k++)
            free(paths[k]);
        free(paths);
        if (rc < 0)
            return -1;
    }
    *out = x->all;
    return 1;
}
#else
static int open_xapian(const char *path, enum store_mode mode, int shards,
                       struct store **out, struct mg_err *err)
{
    (void)mode, (void)shards, (void)out;
    return mg_fail(err,
                   "%s: the xapian engine is not built (apt-get install "
                   "libxapian-dev, then make)",
                   path);
}

int store_engine_built(const char *engine)
{
    return strcmp(engine, "fts5") == 0;
}

int store_xapian_db(struct store *s, struct mgx_db **out, struct mg_err *err)
{
    (void)s, (void)err;
    *out = NULL; /* a Xapian index does not open in this build */
    return 0;
}
#endif

int store_open_as(const char *path, enum store_mode mode, const char *engine,
                  int shards, struct store **out, struct mg_err *err)
{
    *out = NULL;
    const char *is = st_engine_of(path);
    if (!engine)
        engine = is ? is : "fts5";
    if (strcmp(engine, "fts5") == 0) {
        if (is)
            return mg_fail(err, "%s: an index of the %s engine, not fts5", path,
                           is);
        if (shards > 0)
            return mg_fail(err, "%s: shards are for the xapian engine", path);
        return store_open(path, mode, out, err);
    }
    if (strcmp(engine, "xapian") != 0)
        return mg_fail(err, "%s: no engine named \"%s\" (fts5, xapian)", path,
                       engine);
    return open_xapian(path, mode, shards, out, err);
}
