/*
 * entities.c - the entity tables: an article's entities, aliases and
 * lone surnames, the marks of what must be resolved again, and resolving
 * the lone family names across the index (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_entities_pending(struct store *s, struct mg_err *err)
{
    if (s->eng)
        return s->eng->version >= 2 && s->eng->entities_pending
                   ? s->eng->entities_pending(s, err)
                   : 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT EXISTS (SELECT 1 FROM entities_dirty)", -1,
                           &st, NULL) != SQLITE_OK)
        return st_fail(s, err);
    int rc = sqlite3_step(st);
    int pending = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return st_fail(s, err);
    return pending;
}

void store_forget_entities(struct store *s)
{
    strmap_free(&s->ents);
    strmap_free(&s->aliases);
}

/* Runs a reset-after-step statement; 0 or -1 with err. */
int st_step_done(struct store *s, sqlite3_stmt *st, struct mg_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return mg_fail(err, "%s: storing entities: %s", s->path,
                       sqlite3_errmsg(s->db));
    return 0;
}

/* A family name alone, kept as the article gave it, for the index-wide
 * resolution (ent_merge_surnames) to link. */
static int put_lone(struct store *s, const struct ent *e, struct mg_err *err)
{
    sqlite3_bind_int64(s->lone_insert, 1, s->last_id);
    sqlite3_bind_text(s->lone_insert, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->lone_insert, 3, e->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_int(s->lone_insert, 4, e->weak ? 0 : e->count);
    sqlite3_bind_int(s->lone_insert, 5, e->first);
    return st_step_done(s, s->lone_insert, err);
}

/* The id of entity e (kind), stored when new; looked up in SQLite once a
 * run ("kind\tkey" in s->ents).  -1 with err. */
static int64_t entity_id(struct store *s, const struct ent *e, const char *kind,
                         struct mg_err *err)
{
    char kbuf[256];
    struct buf ck = {0};
    const char *ckey = kbuf;
    if (snprintf(kbuf, sizeof kbuf, "%s\t%s", kind, e->key) >=
        (int)sizeof kbuf) {
        buf_adds(&ck, kind);
        buf_addc(&ck, '\t');
        buf_adds(&ck, e->key);
        ckey = ck.s;
    }
    int64_t *cached = strmap_slot(&s->ents, ckey, 1);
    buf_free(&ck);
    if (*cached >= 0)
        return *cached;
    sqlite3_bind_text(s->ent_insert, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->ent_insert, 2, e->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->ent_insert, 3, e->key, -1, SQLITE_STATIC);
    if (st_step_done(s, s->ent_insert, err) < 0)
        return -1;
    int64_t id = -1;
    sqlite3_bind_text(s->ent_find, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->ent_find, 2, e->key, -1, SQLITE_STATIC);
    if (sqlite3_step(s->ent_find) == SQLITE_ROW)
        id = sqlite3_column_int64(s->ent_find, 0);
    sqlite3_reset(s->ent_find);
    if (id < 0)
        return mg_fail(err, "%s: entity %s not stored", s->path, e->canonical);
    *cached = id;
    return id;
}

/* The names of entity id (its canonical name and the article's
 * mentions), each stored once ("id\talias" in s->aliases). */
static int put_aliases(struct store *s, const struct ent *e, int64_t id,
                       struct mg_err *err)
{
    for (int k = -1; k < e->nmentions; k++) {
        const char *alias = k < 0 ? e->canonical : e->mentions[k];
        char abuf[256];
        struct buf ak = {0};
        const char *akey = abuf;
        if (snprintf(abuf, sizeof abuf, "%lld\t%s", (long long)id, alias) >=
            (int)sizeof abuf) {
            buf_printf(&ak, "%lld\t%s", (long long)id, alias);
            akey = ak.s;
        }
        int64_t *seen = strmap_slot(&s->aliases, akey, 1);
        buf_free(&ak);
        if (*seen >= 0)
            continue;
        *seen = 1;
        sqlite3_bind_text(s->alias_insert, 1, alias, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->alias_insert, 2, id);
        if (st_step_done(s, s->alias_insert, err) < 0)
            return -1;
    }
    return 0;
}

int store_put_entities(struct store *s, const struct ent_set *es,
                       struct mg_err *err)
{
    if (s->eng)
        return s->eng->put_entities
                   ? s->eng->put_entities(s, es, err)
                   : st_unsupported(s, "store_put_entities", err);
    /* 0: the family names must be resolved again (ent_merge_surnames) */
    sqlite3_bind_int64(s->ent_dirty, 1, 0);
    if (st_step_done(s, s->ent_dirty, err) < 0)
        return -1;
    if (!s->last_new) {
        /* its old links' entities may need another name, or none */
        sqlite3_bind_int64(s->ent_unlink, 1, s->last_id);
        sqlite3_bind_int64(s->ent_clear, 1, s->last_id);
        sqlite3_bind_int64(s->lone_clear, 1, s->last_id);
        if (st_step_done(s, s->ent_unlink, err) < 0 ||
            st_step_done(s, s->ent_clear, err) < 0 ||
            st_step_done(s, s->lone_clear, err) < 0)
            return -1;
    }
    for (int i = 0; i < es->n; i++) {
        const struct ent *e = &es->v[i];
        if (e->low)
            continue; /* for search only (the entities column) */
        if (e->kind == ENT_PERSON && !strchr(e->canonical, ' ')) {
            if (put_lone(s, e, err) < 0)
                return -1;
            continue;
        }
        int64_t id = entity_id(s, e, ent_kind_name(e->kind), err);
        if (id < 0 || put_aliases(s, e, id, err) < 0)
            return -1;
        sqlite3_bind_int64(s->link_insert, 1, s->last_id);
        sqlite3_bind_int64(s->link_insert, 2, id);
        sqlite3_bind_int(s->link_insert, 3, e->weak ? 0 : e->count);
        sqlite3_bind_int(s->link_insert, 4, e->first);
        sqlite3_bind_text(s->link_insert, 5, e->canonical, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->ent_dirty, 1, id);
        if (st_step_done(s, s->link_insert, err) < 0 ||
            st_step_done(s, s->ent_dirty, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- resolving family names across the index ------------------------ */

/* Names each entity whose links changed by the form most of its
 * articles give (then the longest, then the first in byte order); a
 * family name alone by the forms of the articles naming it so. */
#define RENAME_DIRTY                                                           \
    "UPDATE entities SET canonical = coalesce((SELECT form FROM"               \
    " article_entities ae WHERE ae.entity_id = entities.id AND"                \
    " ae.form IS NOT NULL GROUP BY form ORDER BY count(*) DESC,"               \
    " length(form) DESC, form LIMIT 1), (SELECT form FROM lone_names l"        \
    " WHERE l.key = entities.key AND l.mentions > 0 GROUP BY form"             \
    " ORDER BY count(*) DESC, length(form) DESC, form LIMIT 1),"               \
    " canonical) WHERE id IN (SELECT entity_id FROM entities_dirty)"

/* Runs sql (no result rows); 0 or -1. */
static int run_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Tells fn each person with a full name that an article names in full. */
static int people_each(struct store *s, store_person_fn fn, void *ctx,
                       struct mg_err *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT e.id, e.canonical, e.key,"
                           " (SELECT count(*) FROM article_entities ae"
                           "  WHERE ae.entity_id = e.id AND ae.own IS NOT"
                           "  NULL)"
                           " FROM entities e WHERE e.kind = 'person' AND"
                           " instr(e.canonical, ' ') > 0",
                           -1, &q, NULL) != SQLITE_OK)
        return st_fail(s, err);
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct store_person p = {
            sqlite3_column_int64(q, 0),
            (const char *)sqlite3_column_text(q, 1),
            (const char *)sqlite3_column_text(q, 2),
            sqlite3_column_int(q, 3),
        };
        if (p.links > 0)
            fn(ctx, &p);
    }
    sqlite3_finalize(q);
    return 0;
}

/* The statements of the resolution's third step. */
enum { ROWS, LINK, ALIAS, MAKE, FIND, DIRTY, KEYS, NSQL };

/* Links the articles naming the family name key alone to person to, or
 * (0) to the family name as a person of its own where an article names
 * it.  0 or -1. */
static int link_lone(sqlite3_stmt **st, const char *key, int64_t to)
{
    int rc = 0;
    sqlite3_bind_text(st[ROWS], 1, key, -1, SQLITE_TRANSIENT);
    while (rc == 0 && sqlite3_step(st[ROWS]) == SQLITE_ROW) {
        const char *form = (const char *)sqlite3_column_text(st[ROWS], 1);
        int mentions = sqlite3_column_int(st[ROWS], 2);
        if (!to && mentions == 0)
            continue;
        int64_t target = to;
        if (!target) {
            /* the family name is the person's name here */
            sqlite3_bind_text(st[MAKE], 1, form, -1, SQLITE_STATIC);
            sqlite3_bind_text(st[MAKE], 2, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(st[FIND], 1, key, -1, SQLITE_STATIC);
            if (sqlite3_step(st[MAKE]) != SQLITE_DONE ||
                sqlite3_step(st[FIND]) != SQLITE_ROW)
                rc = -1;
            else
                target = sqlite3_column_int64(st[FIND], 0);
            sqlite3_reset(st[MAKE]);
            sqlite3_reset(st[FIND]);
        }
        sqlite3_bind_int64(st[LINK], 1, sqlite3_column_int64(st[ROWS], 0));
        sqlite3_bind_int64(st[LINK], 2, target);
        sqlite3_bind_int(st[LINK], 3, mentions > 0 ? mentions : 1);
        sqlite3_bind_int(st[LINK], 4, sqlite3_column_int(st[ROWS], 3));
        sqlite3_bind_text(st[ALIAS], 1, form, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st[ALIAS], 2, target);
        sqlite3_bind_int64(st[DIRTY], 1, target);
        if (rc == 0 && (sqlite3_step(st[LINK]) != SQLITE_DONE ||
                        sqlite3_step(st[ALIAS]) != SQLITE_DONE ||
                        sqlite3_step(st[DIRTY]) != SQLITE_DONE))
            rc = -1;
        sqlite3_reset(st[LINK]);
        sqlite3_reset(st[ALIAS]);
        sqlite3_reset(st[DIRTY]);
    }
    sqlite3_reset(st[ROWS]);
    return rc;
}

/* Each family name met alone, to the person pick() gives or to itself;
 * the number given a person, or -1. */
static int link_all_lone(struct store *s, store_pick_fn pick, void *ctx)
{
    static const char *const SQL[] = {
        "SELECT article_id, form, mentions, first_pos FROM lone_names"
        " WHERE key=?1",
        "INSERT INTO article_entities(article_id, entity_id, mentions,"
        " first_pos, own, form) VALUES (?1, ?2, ?3, ?4, NULL, NULL)"
        " ON CONFLICT(article_id, entity_id) DO UPDATE SET"
        " mentions = mentions + excluded.mentions",
        "INSERT OR IGNORE INTO entity_aliases(alias, entity_id)"
        " VALUES (?1, ?2)",
        "INSERT OR IGNORE INTO entities(kind, canonical, key)"
        " VALUES ('person', ?1, ?2)",
        "SELECT id FROM entities WHERE kind = 'person' AND key = ?1",
        "INSERT OR IGNORE INTO entities_dirty(entity_id) VALUES (?1)",
        "SELECT DISTINCT key FROM lone_names",
    };
    sqlite3_stmt *st[NSQL] = {0};
    int rc = 0, merged = 0;
    for (int i = 0; i < NSQL && rc == 0; i++)
        if (sqlite3_prepare_v2(s->db, SQL[i], -1, &st[i], NULL) != SQLITE_OK)
            rc = -1;
    while (rc == 0 && sqlite3_step(st[KEYS]) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st[KEYS], 0);
        int64_t to = pick(ctx, key);
        merged += to != 0;
        rc = link_lone(st, key, to);
    }
    for (int i = 0; i < NSQL; i++)
        sqlite3_finalize(st[i]);
    return rc < 0 ? -1 : merged;
}

int store_names_resolve(struct store *s, store_person_fn person,
                        store_pick_fn pick, void *ctx, struct mg_err *err)
{
    if (s->eng)
        return s->eng->version >= 2 && s->eng->names_resolve
                   ? s->eng->names_resolve(s, person, pick, ctx, err)
                   : 0;
    /* 1. What the last resolution added goes: links that exist only by
     * it, and the mentions it added to an article's own. */
    if (run_sql(s->db, "INSERT OR IGNORE INTO entities_dirty SELECT entity_id"
                       " FROM article_entities WHERE mentions IS NOT own AND"
                       " own IS NULL;"
                       "DELETE FROM article_entities WHERE mentions IS NOT own"
                       " AND own IS NULL;"
                       "UPDATE article_entities SET mentions = own WHERE"
                       " mentions IS NOT own;") < 0)
        return mg_fail(err, "%s: resolving names: %s", s->path,
                       sqlite3_errmsg(s->db));
    /* The names of the entities whose links changed, first: the family
     * names below are read from them. */
    if (run_sql(s->db, RENAME_DIRTY) < 0)
        return mg_fail(err, "%s: naming entities: %s", s->path,
                       sqlite3_errmsg(s->db));
    /* 2. The full names, with the articles that name them in full. */
    if (people_each(s, person, ctx, err) < 0)
        return -1;
    /* 3. Each family name met alone. */
    int merged = link_all_lone(s, pick, ctx);
    int rc = merged < 0 ? -1 : 0;
    /* 4. The entities whose links changed: gone when no article links
     * them, else named by the form most of their articles give (then
     * the longest, then the first in byte order), whatever order the
     * articles came in. */
    static const char *const TIDY[] = {
        "DELETE FROM entity_aliases WHERE entity_id IN (SELECT entity_id"
        " FROM entities_dirty d WHERE NOT EXISTS (SELECT 1 FROM"
        " article_entities ae WHERE ae.entity_id = d.entity_id))",
        "DELETE FROM entities WHERE id IN (SELECT entity_id FROM"
        " entities_dirty d WHERE NOT EXISTS (SELECT 1 FROM"
        " article_entities ae WHERE ae.entity_id = d.entity_id))",
        RENAME_DIRTY,
        "DELETE FROM entities_dirty",
    };
    for (size_t i = 0; i < sizeof TIDY / sizeof *TIDY && rc == 0; i++)
        rc = run_sql(s->db, TIDY[i]);
    if (rc < 0)
        mg_fail(err, "%s: resolving names: %s", s->path, sqlite3_errmsg(s->db));
    store_forget_entities(s);
    return rc < 0 ? -1 : merged;
}
