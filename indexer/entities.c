/*
 * entities.c - named-entity extraction over the gazetteer (entities.h:
 * ent_extract, ent_names).  classify.c finds the names an article's text
 * holds; here they are merged within the article so that one real name
 * is one entity: an acronym with the name it abbreviates, a run read
 * without its first word with the organisation it names, lone surnames
 * with the full name mentioned in the article.  Anything unresolved is
 * left out: a facet list shows names a reader sees, so precision comes
 * before recall.
 */
#include "entities.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entities_int.h"

char *ent_surname(const char *full)
{
    const char *sp = strchr(full, ' ');
    if (!sp)
        return mg_strdup(full);
    char *first = gaz_lower(full);
    first[sp - full] = 0;
    int asian = gaz_in_list(GAZ_ASIAN_SURNAMES, first) && strchr(sp + 1, '-');
    free(first);
    if (asian)
        return mg_strndup(full, (size_t)(sp - full));
    return mg_strdup(strrchr(full, ' ') + 1);
}

/* Adds a mention of (k, name) to s; returns the entity, new or not. */
static struct ent *ent_add(struct ent_set *s, enum ent_kind k, const char *name,
                           const char *surface, int pos, float conf,
                           int *is_new)
{
    char *key = k == ENT_ORG ? ent_org_key(name) : ent_key(name);
    *is_new = 0;
    if (!*key) {
        free(key);
        return NULL;
    }
    struct ent *e = NULL;
    for (int i = 0; i < s->n; i++)
        if (s->v[i].kind == k && strcmp(s->v[i].key, key) == 0)
            e = &s->v[i];
    if (!e) {
        if (s->n % 16 == 0)
            s->v = mg_realloc(s->v, sizeof *s->v * (size_t)(s->n + 16));
        e = &s->v[s->n++];
        memset(e, 0, sizeof *e);
        e->kind = k;
        e->canonical = mg_strdup(name);
        e->key = key;
        e->first = pos;
        e->confidence = conf;
        *is_new = 1;
    } else {
        if (conf > e->confidence)
            e->confidence = conf;
        free(key);
        if (pos < e->first)
            e->first = pos;
    }
    e->count++;
    if (surface && *surface) {
        for (int i = 0; i < e->nmentions; i++)
            if (strcmp(e->mentions[i], surface) == 0)
                return e;
        e->mentions = mg_realloc(e->mentions, sizeof *e->mentions *
                                                  (size_t)(e->nmentions + 1));
        e->mentions[e->nmentions++] = mg_strdup(surface);
    }
    return e;
}

static void add_named(struct ent_set *s, const struct found *f)
{
    int is_new;
    struct ent *e =
        ent_add(s, f->kind, f->name, f->surface, f->pos, f->conf, &is_new);
    if (e)
        e->weak = 0;
}

/* Folds e into `into`: counts add up, mentions join; e is left to be
 * dropped. */
static void ent_fold(struct ent *into, struct ent *e)
{
    into->count += e->count;
    if (e->confidence > into->confidence)
        into->confidence = e->confidence;
    into->weak = into->weak && e->weak;
    if (e->first < into->first)
        into->first = e->first;
    for (int m = 0; m < e->nmentions; m++) {
        int seen = 0;
        for (int k = 0; k < into->nmentions && !seen; k++)
            seen = strcmp(into->mentions[k], e->mentions[m]) == 0;
        if (!seen) {
            into->mentions =
                mg_realloc(into->mentions, sizeof *into->mentions *
                                               (size_t)(into->nmentions + 1));
            into->mentions[into->nmentions++] = mg_strdup(e->mentions[m]);
        }
    }
    e->count = 0;
    e->implied = e->weak = 0;
}

/* The initials of an organisation's name, without its joiners and
 * company-form words: "American Telephone and Telegraph Co" -> "ATT". */
static void initials(const char *name, char *out, size_t cap)
{
    static const char *const SKIP[] = {"and", "of", "the", "for", "de",
                                       "&",   "on", "in",  NULL};
    size_t n = 0;
    const char *p = name;
    while (*p && n + 1 < cap) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p) {
            char word[64];
            size_t l = (size_t)(e - p) < sizeof word ? (size_t)(e - p)
                                                     : sizeof word - 1;
            memcpy(word, p, l);
            word[l] = 0;
            if (!gaz_in_list(SKIP, word) &&
                !(gaz_in_list(GAZ_FORMS, word) && *e == 0) &&
                isalpha((unsigned char)*p))
                out[n++] = (char)toupper((unsigned char)*p);
        }
        p = e;
    }
    out[n] = 0;
}

/* True when name starts with prefix followed by a space (any case). */
static int name_extends(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncasecmp(name, prefix, n) == 0 && name[n] == ' ';
}

/* Merges within the article: names that are the start of one of its
 * organisations' names ("Morgan Stanley" beside "Morgan Stanley and Co
 * Inc", "American Electric" beside "American Electric Power Co") and
 * acronyms that are another organisation's initials ("ATT") join it. */
static void fold_into_orgs(const struct gazetteer *g, struct ent_set *s)
{
    for (int i = 0; i < s->n; i++) {
        struct ent *e = &s->v[i];
        if (!e->count || e->kind == ENT_PLACE)
            continue;
        struct ent *best = NULL;
        int acronym = e->kind == ENT_ORG && !strchr(e->canonical, ' ');
        if (acronym)
            for (const char *p = e->canonical; *p && acronym; p++)
                acronym = isupper((unsigned char)*p) != 0;
        int nbest = 0;
        for (int k = 0; k < s->n; k++) {
            struct ent *o = &s->v[k];
            if (k == i || o->kind != ENT_ORG || !o->count)
                continue;
            int match = 0;
            if ((strchr(e->canonical, ' ') ||
                 (e->kind == ENT_ORG &&
                  gaz_lookup(&g->orgs, e->canonical) < 0)) &&
                name_extends(o->canonical, e->canonical))
                match = 1;
            else if (acronym && strchr(o->canonical, ' ')) {
                char ini[16];
                initials(o->canonical, ini, sizeof ini);
                match =
                    strlen(e->canonical) >= 2 && strcmp(ini, e->canonical) == 0;
            }
            if (match) {
                nbest++;
                if (!best || o->first < best->first)
                    best = o;
            }
        }
        /* "UBS" joins "UBS Securities" when no other name extends it */
        int single = !strchr(e->canonical, ' ');
        if (best && (nbest == 1 || (!acronym && !single)))
            ent_fold(best, e);
    }
}

/* An acronym given in brackets names what came before it, there and
 * wherever else the article uses it. */
static void expand_acronyms(struct extraction *c)
{
    for (int i = 0; i < c->n; i++) {
        struct found *f = &c->v[i];
        if (f->kind != ENT_ORG)
            continue;
        for (int k = 0; k < c->nabbr; k++)
            if (strcmp(f->surface, c->abbr[k].acronym) == 0 ||
                strcmp(f->name, c->abbr[k].acronym) == 0) {
                free(f->name);
                f->name = mg_strdup(c->abbr[k].name);
                f->pending = 0;
                break;
            }
    }
}

/* A run read without its first word ("First Boston won" as Boston)
 * that is one of the article's organisations is that organisation. */
static void resolve_alts(struct extraction *c)
{
    for (int i = 0; i < c->n; i++) {
        struct found *f = &c->v[i];
        if (!f->alt)
            continue;
        char *k = ent_org_key(f->alt);
        int o = -1;
        for (int j = 0; j < c->n && o < 0; j++)
            if (c->v[j].kind == ENT_ORG && !c->v[j].pending && !c->v[j].alt) {
                char *ok = ent_org_key(c->v[j].name);
                if (*ok && strcmp(ok, k) == 0)
                    o = j;
                free(ok);
            }
        free(k);
        if (o < 0)
            continue;
        if (f->pending == 3) {
            f->pending = -1; /* dropped */
            continue;
        }
        free(f->name);
        f->name = mg_strdup(c->v[o].name);
        free(f->surface);
        f->surface = mg_strdup(f->alt);
        f->kind = ENT_ORG;
        f->pending = 0;
    }
}

/* The full names, and the unknown acronyms used twice (counted as
 * organisations). */
static void add_names(const struct extraction *c, struct ent_set *out)
{
    for (int i = 0; i < c->n; i++)
        if (!c->v[i].pending)
            add_named(out, &c->v[i]);
    for (int i = 0; i < c->n; i++) {
        if (c->v[i].pending != 4)
            continue;
        int seen = 0;
        for (int k = 0; k < c->n; k++)
            seen +=
                c->v[k].pending == 4 && strcmp(c->v[k].name, c->v[i].name) == 0;
        if (seen >= 2)
            add_named(out, &c->v[i]);
    }
}

/* Countries implied by their cities: kept, with no mention of their
 * own unless the text names them too. */
static void add_implied(const struct extraction *c, struct ent_set *out)
{
    for (int i = 0; i < c->n; i++)
        if (c->v[i].pending == 3) {
            char *key = ent_key(c->v[i].name);
            int named = 0;
            for (int k = 0; k < out->n; k++)
                if (out->v[k].kind == ENT_PLACE &&
                    out->v[k].confidence > TAG_DOUBT && /* not search-only */
                    strcmp(out->v[k].key, key) == 0)
                    named = 1;
            free(key);
            if (!named) {
                int is_new;
                struct ent *e = ent_add(out, ENT_PLACE, c->v[i].name, "",
                                        c->v[i].pos, TAG_SURE, &is_new);
                e->count = 0;
                e->implied = 1;
            }
        }
}

/* What the entities so far make of a lone word (fit_lone): the
 * organisation it is or starts, a person of that one name (not a guess),
 * and the full names whose family name it is (matches, the last one in
 * match). */
struct lone_fit {
    struct ent *match, *lone, *org;
    int matches;
};

static struct lone_fit fit_lone(struct ent_set *out, const struct found *f)
{
    struct lone_fit r = {0};
    char *fkey = ent_key(f->name);
    for (int k = 0; k < out->n; k++) {
        struct ent *e = &out->v[k];
        /* "Harley-Davidson said", with Harley-Davidson Inc;
         * "Merrell said", with Merrell Dow Pharmaceuticals Inc */
        if (e->kind == ENT_ORG &&
            (strcmp(e->key, fkey) == 0 || name_extends(e->canonical, f->name)))
            r.org = e;
        if (e->kind != ENT_PERSON)
            continue;
        if (!strchr(e->canonical, ' ')) {
            if (strcasecmp(e->canonical, f->name) == 0 && !e->weak)
                r.lone = e;
            continue;
        }
        char *sn = ent_surname(e->canonical);
        if (strcasecmp(sn, f->name) == 0)
            r.match = e, r.matches++;
        free(sn);
    }
    free(fkey);
    return r;
}

/* A lone word joins the one full name whose family name it is (or the
 * organisation it names), and is dropped when none or several are, but
 * for a lone name kept anyway and a family name left to the merge. */
static void add_lone(struct ent_set *out, const struct article *a,
                     const struct found *f)
{
    struct lone_fit r = fit_lone(out, f);
    int is_new;
    if (strlen(f->name) < 2 || (!r.org && ent_written_lower(a, f->name))) {
        return; /* "S and P said"; "Drug", "Time" written "drug" */
    } else if (r.org) {
        ent_add(out, ENT_ORG, r.org->canonical, f->surface, f->pos, f->conf,
                &is_new);
    } else if (r.matches == 1) {
        ent_add(out, ENT_PERSON, r.match->canonical, f->surface, f->pos,
                f->conf, &is_new);
    } else if (r.matches == 0 && f->kind == ENT_PERSON &&
               (f->pending == 2 || r.lone)) {
        add_named(out, f);
    } else if (r.matches == 0 && f->pending == 5) {
        /* Left to the merge across the index ("REAGAN SAYS" is
         * Ronald Reagan when the archive knows one Reagan). */
        struct ent *e = ent_add(out, ENT_PERSON, f->name, f->surface, f->pos,
                                f->conf, &is_new);
        if (e && is_new)
            e->weak = 1;
    }
}

/* A lone name that is also a full name's family name was added
 * before the full name existed: fold it in. */
static void fold_lone_names(struct ent_set *out)
{
    for (int i = 0; i < out->n; i++) {
        struct ent *e = &out->v[i];
        if (e->kind != ENT_PERSON || strchr(e->canonical, ' '))
            continue;
        for (int k = 0; k < out->n; k++) {
            struct ent *f = &out->v[k];
            if (k == i || f->kind != ENT_PERSON || !strchr(f->canonical, ' '))
                continue;
            char *sn = ent_surname(f->canonical);
            int same = strcasecmp(sn, e->canonical) == 0;
            free(sn);
            if (same) {
                ent_fold(f, e);
                break;
            }
        }
    }
}

/* Drops the entities folded into others (no mention left, not implied). */
static void drop_folded(struct ent_set *out)
{
    int k = 0;
    for (int i = 0; i < out->n; i++) {
        if (out->v[i].count == 0 && !out->v[i].implied) {
            struct ent *e = &out->v[i];
            free(e->canonical);
            free(e->key);
            for (int m = 0; m < e->nmentions; m++)
                free(e->mentions[m]);
            free(e->mentions);
            continue;
        }
        out->v[k++] = out->v[i];
    }
    out->n = k;
}

static void free_extraction(struct extraction *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].surface);
        free(c->v[i].alt);
    }
    free(c->v);
    for (int i = 0; i < c->nabbr; i++) {
        free(c->abbr[i].acronym);
        free(c->abbr[i].name);
    }
    free(c->abbr);
    tag_free(c);
}

void ent_extract(const struct gazetteer *g, const struct article *a,
                 struct ent_set *out)
{
    memset(out, 0, sizeof *out);
    struct extraction c = {0};
    c.g = g;
    c.rank = -1;
    c.art = a;
    ent_find(&c);
    expand_acronyms(&c);
    resolve_alts(&c);
    /* Full names first; then lone words join the one full name whose
     * family name they are, and are dropped when none or several are. */
    add_names(&c, out);
    add_implied(&c, out);
    for (int i = 0; i < c.n; i++)
        if (c.v[i].pending == 1 || c.v[i].pending == 2 || c.v[i].pending == 5)
            add_lone(out, a, &c.v[i]);
    fold_lone_names(out);
    fold_into_orgs(g, out);
    drop_folded(out);
    for (int i = 0; i < out->n; i++)
        out->v[i].low =
            g->model && out->v[i].confidence < tag_threshold(g->model);
    free_extraction(&c);
}

char *ent_names(const struct ent_set *s)
{
    struct buf b = {0};
    for (int i = 0; i < s->n; i++) {
        if (s->v[i].weak)
            continue; /* a guess the index merge may drop */
        if (b.len)
            buf_addc(&b, '\n');
        buf_adds(&b, s->v[i].canonical);
    }
    return buf_take(&b);
}
