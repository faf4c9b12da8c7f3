/*
 * entities.c - the entity tables: an article's entities, aliases and
 * lone surnames, and the marks of what must be resolved again (store.h).
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_entities_pending(struct store *s, struct mg_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT EXISTS (SELECT 1 FROM entities_dirty)", -1,
                           &st, NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
    int rc = sqlite3_step(st);
    int pending = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return mg_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
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

int store_put_entities(struct store *s, const struct ent_set *es,
                       struct mg_err *err)
{
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
        const char *kind = ent_kind_name(e->kind);
        if (e->kind == ENT_PERSON && !strchr(e->canonical, ' ')) {
            /* a family name alone: kept as the article gave it, for the
             * index-wide resolution (ent_merge_surnames) to link */
            sqlite3_bind_int64(s->lone_insert, 1, s->last_id);
            sqlite3_bind_text(s->lone_insert, 2, e->key, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->lone_insert, 3, e->canonical, -1,
                              SQLITE_STATIC);
            sqlite3_bind_int(s->lone_insert, 4, e->weak ? 0 : e->count);
            sqlite3_bind_int(s->lone_insert, 5, e->first);
            if (st_step_done(s, s->lone_insert, err) < 0)
                return -1;
            continue;
        }
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
        int64_t id = *cached;
        if (id >= 0)
            goto link;
        sqlite3_bind_text(s->ent_insert, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_insert, 2, e->canonical, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_insert, 3, e->key, -1, SQLITE_STATIC);
        if (st_step_done(s, s->ent_insert, err) < 0)
            return -1;
        sqlite3_bind_text(s->ent_find, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ent_find, 2, e->key, -1, SQLITE_STATIC);
        if (sqlite3_step(s->ent_find) == SQLITE_ROW)
            id = sqlite3_column_int64(s->ent_find, 0);
        sqlite3_reset(s->ent_find);
        if (id < 0)
            return mg_fail(err, "%s: entity %s not stored", s->path,
                           e->canonical);
        *cached = id;
    link:
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
