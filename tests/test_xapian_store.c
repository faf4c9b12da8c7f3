/*
 * test_xapian_store.c - the Xapian engine behind the store calls
 * (store/xapian.c, store_open_as): the indexer's own runs (ingest_paths,
 * as morgue-index makes them) into an FTS5 index, one Xapian database and
 * 3 shards give the same articles, field for field, each in the shard its
 * uid hashes to; incremental runs (files changed, added, removed),
 * takedowns and put-backs reach the right shard; near-duplicate copies in
 * two shards get one cluster key; lone family names are resolved across
 * the index (and after a takedown, a put-back and an unchanged run) as
 * FTS5 resolves them; a different shard count, the wrong
 * engine and the calls the engine leaves out are refused with a message.
 * Built only when the shim is.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>

#include "entities.h"
#include "helpers.h"
#include "ingest.h"
#include "shim.h"
#include "store_int.h"

#define CORPUS "../corpus/"

static char *dir, *src;
static struct clean_rules *rules;
static struct gazetteer *gaz;

static void setup(void)
{
    dir = mk_tmpdir();
    src = path_in(dir, "archive");
    cr_assert_eq(mkdir(src, 0755), 0);
    rules = clean_rules_new();
    gaz = gaz_load();
}

static void teardown(void)
{
    clean_rules_free(rules);
    gaz_free(gaz);
    if (dir)
        rm_tree(dir);
    free(src);
    free(dir);
    src = dir = NULL;
    expect_no_leaks();
}

TestSuite(xapian_store, .init = setup, .fini = teardown);

/* Opens the index at name (in dir) with engine and shards. */
static struct store *open_as(const char *name, const char *engine, int shards)
{
    char *p = path_in(dir, name);
    struct store *s = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open_as(p, STORE_WRITE, engine, shards, &s, &err), 0,
                 "%s", err.msg);
    free(p);
    return s;
}

/* One run of the indexer over path into s, as morgue-index makes it
 * (ingest_paths, then store_finish); the run's counts into *r (caller:
 * ingest_free). */
static void run_into(struct run *r, struct store *s, const char *path)
{
    memset(r, 0, sizeof *r);
    r->store = s;
    r->rules = rules;
    r->gaz = gaz;
    r->quiet = 1;
    r->jobs = 2;
    r->prune = 1; /* files gone from the disk: their articles go */
    r->prune_max = 1;
    char *paths[] = {(char *)path};
    cr_assert_eq(ingest_paths(r, paths, 1), 0, "%s", r->err.msg);
    cr_assert_not(r->fatal, "%s", r->err.msg);
    struct mg_err err = {""};
    cr_assert_eq(store_finish(s, &err), 0, "%s", err.msg);
}

static void put_file(const char *name, const char *text)
{
    char *p = path_in(src, name);
    write_file(p, text, strlen(text));
    free(p);
}

/* The uids of an FTS5 index (its articles table), uid order. */
static char **fts5_uids(struct store *s, int *n)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(s),
                                    "SELECT uid FROM articles ORDER BY uid", -1,
                                    &q, NULL),
                 SQLITE_OK);
    char **v = NULL;
    int cap = 0;
    *n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (*n == cap)
            v = mg_realloc(v, sizeof *v * (size_t)(cap = cap ? 2 * cap : 256));
        v[(*n)++] = mg_strdup((const char *)sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    return v;
}

/* The FTS5 store keeps a missing text as "" (NOT NULL DEFAULT ''), the
 * Xapian engine as it came (NULL): equal here. */
static void expect_field(const char *uid, const char *what, const char *want,
                         const char *got)
{
    cr_expect_str_eq(got ? got : "", want ? want : "", "%s: %s", uid, what);
}

/* The stored article uid of s equals the one of ref, field for field. */
static void expect_same(struct store *ref, struct store *s, const char *uid)
{
    struct article a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    struct mg_err err = {""};
    cr_assert_eq(store_get(ref, uid, &a, &err), 1, "%s: %s", uid, err.msg);
    cr_assert_eq(store_get(s, uid, &b, &err), 1, "%s: not in %s %s", uid,
                 store_path(s), err.msg);
#define F(f) expect_field(uid, #f, a.f, b.f)
    F(uid);
    F(title);
    F(lede);
    F(body);
    F(captions);
    F(highlights);
    F(entities);
    F(date);
    F(source);
    F(url);
    F(byline);
    F(section);
    F(dateline);
    F(language);
    F(description);
    F(path);
#undef F
    article_clear(&a);
    article_clear(&b);
}

/* Which shard of the index at name (nshards of them) holds uid: its
 * number, or -1 when none, failing when more than one does. */
static int shard_holding(const char *name, int nshards, const char *uid)
{
    int at = -1;
    struct mg_err err = {""};
    struct buf p = {0}, v = {0};
    for (int k = 0; k < nshards; k++) {
        buf_clear(&p);
        buf_printf(&p, "%s/%s/shard-%d", dir, name, k);
        struct mgx_db *x = NULL;
        cr_assert_eq(mgx_open(p.s, MGX_READ, &x, &err), 0, "%s", err.msg);
        int got = mgx_value(x, uid, MGX_VAL_UID, &v, &err);
        cr_assert_geq(got, 0, "%s", err.msg);
        if (got) {
            cr_expect_eq(at, -1, "%s in shards %d and %d", uid, at, k);
            at = k;
        }
        mgx_close(x);
    }
    buf_free(&p);
    buf_free(&v);
    return at;
}

static int route(const char *uid, int n)
{
    return (int)(mg_hash64(uid, strlen(uid)) % (uint64_t)n);
}

Test(xapian_store, corpus_in_one_database_and_three_shards_as_in_fts5)
{
    struct store *fts = open_as("m.db", NULL, 0);
    struct store *one = open_as("one", "xapian", 0);
    struct store *three = open_as("three", "xapian", 3);
    struct run r;
    run_into(&r, fts, CORPUS);
    int64_t added = r.added;
    ingest_free(&r);
    run_into(&r, one, CORPUS);
    cr_expect_eq(r.added, added);
    ingest_free(&r);
    run_into(&r, three, CORPUS);
    cr_expect_eq(r.added, added);
    ingest_free(&r);
    cr_assert_gt(added, 1000, "corpus/ has 1,119 articles");
    cr_expect_eq(store_count(one), store_count(fts));
    cr_expect_eq(store_count(three), store_count(fts));

    int n = 0;
    char **uids = fts5_uids(fts, &n);
    cr_assert_eq(n, store_count(fts));
    int per[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        expect_same(fts, one, uids[i]);
        expect_same(fts, three, uids[i]);
        if (i % 10 == 0) { /* each shard opened 3 times per uid: sample */
            int k = shard_holding("three", 3, uids[i]);
            cr_expect_eq(k, route(uids[i], 3), "%s", uids[i]);
        }
        per[route(uids[i], 3)]++;
        free(uids[i]);
    }
    free(uids);
    /* a stable hash spreads them: each shard within 20% of a third */
    for (int k = 0; k < 3; k++)
        cr_expect(per[k] > n / 3 * 0.8 && per[k] < n / 3 * 1.2, "shard %d: %d",
                  k, per[k]);
    store_close(fts);
    store_close(one);
    store_close(three);

    /* each shard says which it is; the cluster file lists them */
    struct mg_err err = {""};
    for (int k = 0; k < 3; k++) {
        char name[32], want[8], *have = NULL;
        snprintf(name, sizeof name, "three/shard-%d", k);
        snprintf(want, sizeof want, "%d/3", k);
        char *p = path_in(dir, name);
        struct mgx_db *x = NULL;
        cr_assert_eq(mgx_open(p, MGX_READ, &x, &err), 0, "%s", err.msg);
        cr_expect_eq(mgx_meta_get(x, "morgue:shard", &have, &err), 1);
        cr_expect_str_eq(have, want);
        struct mgx_stats stt;
        cr_assert_eq(mgx_stats(x, &stt, &err), 0);
        cr_expect_eq(stt.docs, per[k]);
        free(have);
        mgx_close(x);
        free(p);
    }
    char *cl = path_in(dir, "three/cluster");
    FILE *f = fopen(cl, "r");
    cr_assert(f);
    char line[4096];
    int k = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            char want[64];
            snprintf(want, sizeof want, "/shard-%d\n", k++);
            cr_expect(strstr(line, want) && line[0] == '/', "%s", line);
        }
    fclose(f);
    cr_expect_eq(k, 3);
    free(cl);
}

static const char JL[] =
    "{\"id\":\"a\",\"source\":\"Wire\",\"title\":\"Alpha gold\","
    "\"body\":\"Alpha body about gold mines.\"}\n"
    "{\"id\":\"b\",\"source\":\"Wire\",\"title\":\"Beta silver\","
    "\"body\":\"Beta body about silver.\"}\n"
    "{\"id\":\"c\",\"source\":\"Wire\",\"title\":\"Gamma copper\","
    "\"body\":\"Gamma body about copper.\"}\n"
    "{\"id\":\"d\",\"source\":\"Wire\",\"title\":\"Delta tin\","
    "\"body\":\"Delta body about tin.\"}\n";

/* The title of uid in s, or "-" when not there (caller frees). */
static char *title_of(struct store *s, const char *uid)
{
    struct article a;
    memset(&a, 0, sizeof a);
    struct mg_err err = {""};
    int got = store_get(s, uid, &a, &err);
    cr_assert_geq(got, 0, "%s", err.msg);
    char *t = mg_strdup(got ? a.title : "-");
    article_clear(&a);
    return t;
}

static void expect_title(struct store *s, const char *uid, const char *want)
{
    char *t = title_of(s, uid);
    cr_expect_str_eq(t, want, "%s", uid);
    free(t);
}

Test(xapian_store, incremental_runs_and_takedowns_reach_the_right_shard)
{
    put_file("x.jsonl", JL);
    put_file("g.txt", "Epsilon story. Epsilon body about zinc.");
    struct store *s = open_as("x", "xapian", 3);
    struct run r;
    run_into(&r, s, src);
    cr_expect_eq(r.added, 5);
    ingest_free(&r);
    cr_expect_eq(store_count(s), 5);
    /* the uids the indexer made: the Wire ids */
    expect_title(s, "Wire:a", "Alpha gold");
    cr_expect_eq(shard_holding("x", 3, "Wire:a"), route("Wire:a", 3));

    /* unchanged: nothing written */
    run_into(&r, s, src);
    cr_expect_eq(r.added + r.changed + r.removed, 0);
    cr_expect_eq(r.files_unchanged, 2);
    ingest_free(&r);

    /* b edited, d gone from its file, the text file deleted, a file
     * added */
    put_file("x.jsonl",
             "{\"id\":\"a\",\"source\":\"Wire\",\"title\":\"Alpha gold\","
             "\"body\":\"Alpha body about gold mines.\"}\n"
             "{\"id\":\"b\",\"source\":\"Wire\",\"title\":\"Beta silver "
             "rises\",\"body\":\"Beta body about silver, edited.\"}\n"
             "{\"id\":\"c\",\"source\":\"Wire\",\"title\":\"Gamma copper\","
             "\"body\":\"Gamma body about copper.\"}\n");
    char *g = path_in(src, "g.txt");
    cr_assert_eq(unlink(g), 0);
    free(g);
    put_file("y.jsonl", "{\"id\":\"e\",\"source\":\"Wire\",\"title\":\"Eta "
                        "nickel\",\"body\":\"Eta body about nickel.\"}\n");
    run_into(&r, s, src);
    cr_expect_eq(r.added, 1);
    cr_expect_eq(r.changed, 1);
    cr_expect_eq(r.removed, 2);
    ingest_free(&r);
    cr_expect_eq(store_count(s), 4);
    expect_title(s, "Wire:b", "Beta silver rises");
    expect_title(s, "Wire:d", "-");
    expect_title(s, "Wire:e", "Eta nickel");
    cr_expect_eq(shard_holding("x", 3, "Wire:b"), route("Wire:b", 3));
    cr_expect_eq(shard_holding("x", 3, "Wire:d"), -1);
    cr_expect_eq(shard_holding("x", 3, "Wire:e"), route("Wire:e", 3));

    /* a takedown deletes it from its shard and keeps it out; put back,
     * the next run brings it back */
    struct mg_err err = {""};
    int64_t removed = 0;
    cr_assert_eq(store_begin(s, &err), 0, "%s", err.msg);
    cr_expect_eq(store_take_down(s, "Wire:c", &removed, &err), 1, "%s",
                 err.msg);
    cr_assert_eq(store_commit(s, &err), 0, "%s", err.msg);
    /* as morgue-index --delete: the commit may be held (grouped) until
     * store_finish */
    cr_assert_eq(store_finish(s, &err), 0, "%s", err.msg);
    cr_expect_eq(shard_holding("x", 3, "Wire:c"), -1);
    cr_expect_eq(store_suppressed(s, "Wire:c", &err), 1);
    put_file("x.jsonl", JL); /* the file changes: c read again, refused */
    run_into(&r, s, src);
    ingest_free(&r);
    cr_expect_eq(shard_holding("x", 3, "Wire:c"), -1);
    expect_title(s, "Wire:d", "Delta tin");
    cr_assert_eq(store_begin(s, &err), 0, "%s", err.msg);
    cr_expect_eq(store_put_back(s, "Wire:c", &err), 1, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), 0, "%s", err.msg);
    run_into(&r, s, src);
    cr_expect_eq(r.added, 1);
    ingest_free(&r);
    cr_expect_eq(shard_holding("x", 3, "Wire:c"), route("Wire:c", 3));
    expect_title(s, "Wire:c", "Gamma copper");
    store_close(s);
}

/* The people of an FTS5 index and the articles linking each: "key n"
 * lines in key order (caller frees). */
static char *fts5_people(struct store *s)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(st_db(s),
                           "SELECT e.key, count(*) FROM entities e JOIN"
                           " article_entities ae ON ae.entity_id = e.id WHERE"
                           " e.kind = 'person' GROUP BY e.id ORDER BY e.key",
                           -1, &q, NULL),
        SQLITE_OK);
    struct buf b = {0};
    buf_adds(&b, "");
    while (sqlite3_step(q) == SQLITE_ROW)
        buf_printf(&b, "%s %d\n", (const char *)sqlite3_column_text(q, 0),
                   sqlite3_column_int(q, 1));
    sqlite3_finalize(q);
    return buf_take(&b);
}

static int person_line(void *ctx, const char *key, int len, int64_t df)
{
    buf_printf(ctx, "%.*s %lld\n", len, key, (long long)df);
    return 0;
}

/* The same of the Xapian index name (in dir): its person terms and their
 * frequencies over every shard. */
static char *xapian_people(const char *name)
{
    char *p = path_in(dir, name);
    struct store *s = NULL;
    struct mgx_db *xdb = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open_as(p, STORE_READ, "xapian", 0, &s, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(store_xapian_db(s, &xdb, &err), 1, "%s", err.msg);
    struct buf b = {0};
    buf_adds(&b, "");
    cr_assert_geq(
        mgx_allterms(xdb, MGX_PERSON, "", 0, 0, person_line, &b, &err), 0, "%s",
        err.msg);
    store_close(s);
    free(p);
    return buf_take(&b);
}

/* The FTS5 index f and the Xapian index name name every person in the
 * same number of articles; Yasuhiro Nakasone in nakasone. */
static void expect_people(struct store *f, const char *name, int nakasone)
{
    char *a = fts5_people(f), *b = xapian_people(name);
    cr_expect_str_eq(b, a, "people: xapian differs from fts5");
    char want[64];
    snprintf(want, sizeof want, "\nyasuhironakasone %d\n", nakasone);
    cr_expect_not_null(strstr(a, want), "fts5: no \"%s\"", want + 1);
    free(a);
    free(b);
}

/* morgue-index --delete ID in s: a takedown, the names resolved again. */
static void take_down(struct store *s, const char *uid)
{
    struct mg_err err = {""};
    int64_t removed = 0;
    cr_assert_eq(store_begin(s, &err), 0, "%s", err.msg);
    cr_assert_eq(store_take_down(s, uid, &removed, &err), 1, "%s", err.msg);
    cr_assert_geq(ent_merge_surnames(s, &err), 0, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), 0, "%s", err.msg);
    cr_assert_eq(store_finish(s, &err), 0, "%s", err.msg);
}

static void put_back(struct store *s, const char *uid)
{
    struct mg_err err = {""};
    cr_assert_eq(store_begin(s, &err), 0, "%s", err.msg);
    cr_assert_eq(store_put_back(s, uid, &err), 1, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), 0, "%s", err.msg);
    cr_assert_eq(store_finish(s, &err), 0, "%s", err.msg);
}

/* A family name given alone joins its person across the index (FTS5's
 * store_names_resolve): every person of corpus/ in as many articles in 3
 * shards as in FTS5 (Yasuhiro Nakasone 27, one of them by "Nakasone"
 * alone), also after that article is taken down (26) and put back; a run
 * that changes nothing resolves nothing. */
Test(xapian_store, lone_family_names_resolved_as_in_fts5, .timeout = 600)
{
    struct store *f = open_as("f.db", NULL, 0);
    struct store *x = open_as("x", "xapian", 3);
    struct run r;
    run_into(&r, f, CORPUS);
    ingest_free(&r);
    run_into(&r, x, CORPUS);
    ingest_free(&r);
    struct mg_err err = {""};
    cr_expect_eq(store_entities_pending(x, &err), 0, "resolved by the run");
    /* an article linked to him by his family name alone */
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st_db(x),
                                    "SELECT uid FROM name_links WHERE"
                                    " key = 'yasuhironakasone' AND added & 1"
                                    " ORDER BY uid LIMIT 1",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "no lone Nakasone");
    char *lone = mg_strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    store_close(x);
    expect_people(f, "x", 27);

    x = open_as("x", "xapian", 3);
    take_down(f, lone);
    take_down(x, lone);
    store_close(x);
    expect_people(f, "x", 26);

    x = open_as("x", "xapian", 3);
    put_back(f, lone);
    put_back(x, lone);
    run_into(&r, f, CORPUS);
    ingest_free(&r);
    run_into(&r, x, CORPUS);
    cr_expect_eq(r.added, 1);
    ingest_free(&r);
    store_close(x);
    expect_people(f, "x", 27);

    /* nothing changed: nothing to resolve, no document rewritten */
    x = open_as("x", "xapian", 3);
    run_into(&r, x, CORPUS);
    cr_expect_eq(r.added + r.changed + r.removed, 0);
    ingest_free(&r);
    cr_expect_eq(store_entities_pending(x, &err), 0);
    store_close(x);
    expect_people(f, "x", 27);
    free(lone);
    store_close(f);
}

/* Near-duplicate copies routed to different shards share one cluster
 * key (MGX_VAL_DUPKEY): the lookup spans the shards. */
Test(xapian_store, near_duplicates_across_shards_share_a_cluster_key)
{
    struct buf story = {0}, file = {0};
    for (int i = 0; i < 60; i++)
        buf_printf(&story, "word%d story%d ", i * 7, i * 13);
    /* find two ids that go to different shards of 3 */
    const char *ids[] = {"Wire:p", "Wire:q", "Wire:r", "Wire:s"};
    int first = route(ids[0], 3), other = 1;
    while (route(ids[other], 3) == first)
        other++;
    buf_printf(&file,
               "{\"id\":\"p\",\"source\":\"Wire\",\"title\":\"Copy\","
               "\"body\":\"%s the end.\"}\n"
               "{\"id\":\"%s\",\"source\":\"Wire\",\"title\":\"Copy\","
               "\"body\":\"%s the end!\"}\n"
               "{\"id\":\"z\",\"source\":\"Wire\",\"title\":\"Other\","
               "\"body\":\"Something else entirely, about fish.\"}\n",
               story.s, ids[other] + 5, story.s);
    put_file("dup.jsonl", file.s);
    struct store *s = open_as("d", "xapian", 3);
    struct run r;
    run_into(&r, s, src);
    cr_expect_eq(r.added, 3);
    ingest_free(&r);
    store_close(s);
    struct mg_err err = {""};
    struct buf k1 = {0}, k2 = {0}, k3 = {0};
    const char *uids[3] = {ids[0], ids[other], "Wire:z"};
    struct buf *keys[3] = {&k1, &k2, &k3};
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "d/shard-%d", route(uids[i], 3));
        char *p = path_in(dir, name);
        struct mgx_db *x = NULL;
        cr_assert_eq(mgx_open(p, MGX_READ, &x, &err), 0, "%s", err.msg);
        cr_assert_eq(mgx_value(x, uids[i], MGX_VAL_DUPKEY, keys[i], &err), 1,
                     "%s %s", uids[i], err.msg);
        mgx_close(x);
        free(p);
    }
    cr_assert_neq(route(uids[0], 3), route(uids[1], 3));
    cr_expect_eq(k1.len, 8);
    cr_expect(k1.len == k2.len && memcmp(k1.s, k2.s, k1.len) == 0,
              "copies in shards %d and %d: one cluster", route(uids[0], 3),
              route(uids[1], 3));
    cr_expect(memcmp(k1.s, k3.s, 8) != 0, "an unrelated article: another");
    buf_free(&k1);
    buf_free(&k2);
    buf_free(&k3);
    buf_free(&story);
    buf_free(&file);
}

static void add_line(void *ctx, const char *line)
{
    buf_printf(ctx, "%s\n", line);
}

Test(xapian_store, refusals_name_the_index)
{
    struct store *s = open_as("x", "xapian", 2);
    struct mg_err err = {""};
    /* --check: each shard, the side file, the articles against them */
    struct buf lines = {0};
    cr_expect_eq(store_check(s, add_line, &lines, &err), 0, "%s", err.msg);
    cr_expect(lines.s && strstr(lines.s, "files.db: ok\n") &&
                  strstr(lines.s, "articles against the shards: ok (0 "
                                  "articles)"),
              "%s", lines.s ? lines.s : "");
    buf_free(&lines);
    store_close(s);
    char *x = path_in(dir, "x");
    struct store *t = NULL;
    /* what the engine leaves out says so */
    char *y = path_in(dir, "y");
    cr_expect_eq(store_swap_in(y, x, &err), -1);
    cr_expect(strstr(err.msg, "store_swap_in: not supported by the xapian "
                              "engine"),
              "%s", err.msg);
    free(y);
    /* another shard count */
    cr_expect_eq(store_open_as(x, STORE_WRITE, "xapian", 3, &t, &err), -1);
    cr_expect(strstr(err.msg, "built with 2 shards, not 3"), "%s", err.msg);
    cr_expect_null(t);
    /* the same one, or none given: opens */
    cr_expect_eq(store_open_as(x, STORE_WRITE, NULL, 0, &t, &err), 0, "%s",
                 err.msg);
    store_close(t);
    t = NULL;
    /* programs that read only FTS5 indexes */
    cr_expect_eq(store_open(x, STORE_READ, &t, &err), -1);
    cr_expect(strstr(err.msg, "an index of the xapian engine"), "%s", err.msg);
    cr_expect(strstr(err.msg, x), "%s", err.msg);
    /* an FTS5 index is not opened as a Xapian one, nor the reverse */
    struct store *f = open_as("m.db", NULL, 0);
    store_close(f);
    char *m = path_in(dir, "m.db");
    cr_expect_eq(store_open_as(m, STORE_WRITE, "xapian", 0, &t, &err), -1);
    cr_expect(strstr(err.msg, "not a Xapian index directory"), "%s", err.msg);
    cr_expect_eq(store_open_as(x, STORE_WRITE, "fts5", 0, &t, &err), -1);
    cr_expect(strstr(err.msg, "an index of the xapian engine, not fts5"), "%s",
              err.msg);
    cr_expect_eq(store_open_as(m, STORE_WRITE, "fts5", 2, &t, &err), -1);
    cr_expect(strstr(err.msg, "shards are for the xapian engine"), "%s",
              err.msg);
    /* reading where there is none */
    char *none = path_in(dir, "none");
    cr_expect_eq(store_open_as(none, STORE_READ, "xapian", 0, &t, &err), -1);
    cr_expect(strstr(err.msg, "no index here"), "%s", err.msg);
    free(none);
    free(m);
    free(x);
}
