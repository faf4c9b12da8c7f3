/*
 * tagger.c - the trained half of the entity extraction (entities_int.h:
 * tag_*).  Every run of capitalised words classify.c reads is a
 * candidate.  A linear model (an averaged perceptron that
 * scripts/entity_train.py trains on the annotated development set,
 * tests/data/entity-dev/, into data/entity_model.tsv) scores it as no
 * name, a person, a place or an organisation from its words, their shapes,
 * the words around it, what the gazetteer knows of them and what the rules
 * made of it.  The scores of one name's mentions add up over the article,
 * so a name has one kind throughout; the margin by which that kind wins is
 * the entity's confidence.  The rules' reading stands unless another kind
 * scores higher: a model that knows nothing changes nothing.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "entities.h"
#include "entities_int.h"

#define NCLASS 4 /* none, person, place, organisation */
#define SPORT_SPAN 2000
/* The margins by which the model overrules the rules' reading of a name,
 * of a name the gazetteer knows, and of any name in a sports report, where
 * the gazetteer's places are often sides (apply()). */
#define TAG_KEEP 20.0f
#define TAG_KEEP_KNOWN 40.0f
#define TAG_KEEP_SPORT 0.0f
/* Added to the confidence of a kind the rules and the model both give. */
#define TAG_AGREE 100.0f

struct ent_slot {
    uint64_t
        key; /* the feature's hash (mixed: mg_mix64), 0 for an empty slot */
    float w[NCLASS];
};

/* Open addressing, a feature's weights in its slot: one cache line a
 * lookup. */
struct ent_model {
    struct ent_slot *slots;
    size_t mask;
    int n;
    float threshold;
};

/* A feature's hash is the polynomial hash of its text (blanks read as
 * "_", as features are written), so the hash of a feature made of parts
 * comes from the parts' own: H(ab) = H(a) B^|b| + H(b). */
#define HASH_B 0x100000001b3ULL

struct part {
    const char *s;
    uint64_t h, pw; /* H(s) and B^|s| */
};

static struct part part(const char *s)
{
    struct part p = {s, 0, 1};
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        p.h = p.h * HASH_B + (ch == ' ' || ch == '\t' || ch == '\n' ? '_' : ch);
        p.pw *= HASH_B;
    }
    return p;
}

/* The weights of the feature with hash h, or NULL. */
static const float *model_get(const struct ent_model *m, uint64_t h)
{
    if (!m->slots)
        return NULL;
    h |= 1; /* 0 marks an empty slot */
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        if (m->slots[i].key == h)
            return m->slots[i].w;
        if (!m->slots[i].key)
            return NULL;
    }
}

/* The slot of the feature with hash h, added (weights 0) when new. */
static struct ent_slot *model_add(struct ent_model *m, uint64_t h)
{
    h |= 1;
    if (!m->slots || (size_t)m->n * 4 >= m->mask * 3) {
        size_t cap = m->slots ? (m->mask + 1) * 2 : 4096;
        struct ent_slot *v = mg_calloc(cap, sizeof *v);
        for (size_t i = 0; m->slots && i <= m->mask; i++)
            if (m->slots[i].key) {
                size_t k = m->slots[i].key & (cap - 1);
                while (v[k].key)
                    k = (k + 1) & (cap - 1);
                v[k] = m->slots[i];
            }
        free(m->slots);
        m->slots = v;
        m->mask = cap - 1;
    }
    size_t i = h & m->mask;
    while (m->slots[i].key && m->slots[i].key != h)
        i = (i + 1) & m->mask;
    if (!m->slots[i].key) {
        m->slots[i].key = h;
        m->n++;
    }
    return &m->slots[i];
}

/* ---- the model -------------------------------------------------------- */

struct ent_model *tag_model_parse(const char *text, const char *name,
                                  struct mg_err *err)
{
    struct ent_model *m = mg_calloc(1, sizeof *m);
    const char *p = text;
    for (int line = 1; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char *l = mg_strndup(p, len);
        p += len + (eol ? 1 : 0);
        if (strncmp(l, "# threshold ", 12) == 0)
            m->threshold = strtof(l + 12, NULL);
        if (!*l || *l == '#') {
            free(l);
            continue;
        }
        char *tab = strchr(l, '\t');
        float w[NCLASS];
        int ok = tab != NULL && tab > l;
        char *q = tab;
        for (int k = 0; k < NCLASS && ok; k++) {
            char *end;
            w[k] = strtof(q + 1, &end);
            ok = end > q + 1 && (*end == (k + 1 < NCLASS ? '\t' : 0));
            q = end;
        }
        if (!ok) {
            free(l);
            tag_model_free(m);
            mg_fail(err, "%s:%d: want a feature and %d weights, tab-separated",
                    name, line, NCLASS);
            return NULL;
        }
        *tab = 0;
        memcpy(model_add(m, mg_mix64(part(l).h))->w, w, sizeof w);
        free(l);
    }
    return m;
}

void tag_model_free(struct ent_model *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

float tag_threshold(const struct ent_model *m)
{
    return m ? m->threshold : 0;
}

/* ---- features --------------------------------------------------------- */

/* Where a candidate's features go: added into its scores, and written
 * out (space-separated) for training. */
struct fx {
    const struct ent_model *m;
    float *s;
    struct buf *out;
};

/* Adds the feature whose text is the n parts p joined. */
static void featp(struct fx *x, int n, const struct part *p)
{
    uint64_t h = 0;
    for (int i = 0; i < n; i++) {
        h = h * p[i].pw + p[i].h;
        if (x->out)
            for (const char *q = p[i].s; *q; q++)
                buf_addc(x->out,
                         *q == ' ' || *q == '\t' || *q == '\n' ? '_' : *q);
    }
    if (x->out)
        buf_addc(x->out, ' ');
    if (x->m) {
        const float *wt = model_get(x->m, mg_mix64(h));
        if (wt)
            for (int k = 0; k < NCLASS; k++)
                x->s[k] += wt[k];
    }
}

#define FEAT(x, ...)                                                           \
    featp((x),                                                                 \
          (int)(sizeof((struct part[]){__VA_ARGS__}) / sizeof(struct part)),   \
          (struct part[]){__VA_ARGS__})

/* A small number as text ("-1" to "19"). */
static const char *num(int v)
{
    static const char *const N[] = {"-1", "0",  "1",  "2",  "3",  "4",  "5",
                                    "6",  "7",  "8",  "9",  "10", "11", "12",
                                    "13", "14", "15", "16", "17", "18", "19"};
    return v < -1 ? "-1" : v > 19 ? "19" : N[v + 1];
}

/* The shape of a word: "A" an initial, "A." one with its stop, "AA" all
 * capitals, "Aa-" capitalised and hyphenated, "AaA" with a capital inside,
 * "Aa" capitalised, "a" lower case, "0" with a digit. */
static const char *shape(const struct word *w)
{
    for (const char *p = w->s; *p; p++)
        if (isdigit((unsigned char)*p))
            return "0";
    if (w->lower)
        return "a";
    if (!w->cap)
        return "?";
    if (!w->s[1] || (w->s[1] == '.' && !w->s[2]))
        return w->s[1] ? "A." : "A";
    if (strchr(w->s, '.'))
        return "A.A.";
    if (w->allcaps)
        return "AA";
    if (strchr(w->s, '-'))
        return "Aa-";
    /* a capital inside ("BenQ", "PlayStation"), but for "McDonald",
     * "MacLeod", "DeLay"-like family names */
    for (const char *p = w->s + 1; *p; p++)
        if (isupper((unsigned char)*p) && p[-1] != '\'' &&
            !(p - w->s == 2 && w->s[0] == 'M' && w->s[1] == 'c') &&
            !(p - w->s == 3 && strncmp(w->s, "Mac", 3) == 0))
            return "AaA";
    return "Aa";
}

/* The word itself, or "0" for one with a digit (scores, dates). */
static const char *ctx_word(const struct word *w)
{
    for (const char *p = w->l; *p; p++)
        if (isdigit((unsigned char)*p))
            return "0";
    return w->l;
}

/* The tokens before a (side -1) or from b on (side 1), punctuation
 * included ("#," for a comma): up to 2 into t, "^" or "$" past the
 * text's ends. */
static void context(struct word *w, int a, int b, int n, int side,
                    const char *t[2], char marks[2][3])
{
    int k = 0;
    for (int i = side < 0 ? a : b; k < 2; i += side) {
        if (side < 0 ? i <= 0 : i >= n)
            break;
        if (w[i].gap && w[i].punct) {
            marks[k][0] = '#';
            marks[k][1] = w[i].punct;
            marks[k][2] = 0;
            t[k] = marks[k];
            if (++k == 2)
                break;
        }
        t[k++] = ctx_word(&w[side < 0 ? i - 1 : i]);
    }
    while (k < 2)
        t[k++] = side < 0 ? "^" : "$";
}

/* What the rules made of the run: "-" nothing; the kind's letter and the
 * pending state; "S" several names; "I" only names inside it ("U.S."
 * in "U.S. Embassy"), which the tagger leaves alone. */
static void rule_reading(const struct extraction *c, int f0, const char *run,
                         char r[4])
{
    int k = 0, at = -1, inner = 0;
    for (int i = f0; i < c->n; i++)
        if (c->v[i].pending != 3 && strcmp(c->v[i].surface, run) == 0)
            k++, at = i;
        else if (c->v[i].pending != 3)
            inner++;
    if (k == 0) {
        strcpy(r, inner ? "I" : "-"); /* "I": names inside it only */
    } else if (k > 1) {
        strcpy(r, "S");
    } else {
        r[0] = "EPLO"[c->v[at].kind == ENT_PERSON  ? 1
                      : c->v[at].kind == ENT_PLACE ? 2
                                                   : 3];
        r[1] = (char)('0' + (c->v[at].pending > 0 ? c->v[at].pending : 0));
        r[2] = 0;
    }
}

static void features(struct extraction *c, struct word *w, int a, int b, int n,
                     int after_title, const struct cand *cd, struct fx *x)
{
    const char *rule = cd->rule, *key = cd->key;
    const struct gazetteer *g = c->g;
    int len = b - a;
    struct part pr = part(rule);
    FEAT(x, part("b"));
    FEAT(x, part("r="), pr);
    FEAT(x, part("n="), part(num(len < 4 ? len : 4)));
    if (len <= 4)
        FEAT(x, part("w="), part(key));
    FEAT(x, part("f="), part(w[a].l));
    if (len > 1)
        FEAT(x, part("l="), part(w[b - 1].l));
    char sh[32] = "";
    for (int i = a; i < b && i < a + 4; i++) {
        if (i > a)
            strcat(sh, "_");
        strcat(sh, shape(&w[i]));
    }
    struct part psh = part(sh);
    FEAT(x, part("sh="), psh);
    size_t ll = strlen(w[b - 1].l);
    if (ll >= 4)
        FEAT(x, part("suf="), part(w[b - 1].l + ll - 3));
    const char *p[2], *q[2];
    char pm[2][3], qm[2][3];
    context(w, a, b, n, -1, p, pm);
    context(w, a, b, n, 1, q, qm);
    struct part pp0 = part(p[0]), pq0 = part(q[0]);
    FEAT(x, part("sh="), psh, part("_p1="), pp0);
    FEAT(x, part("sh="), psh, part("_n1="), pq0);
    if (strlen(w[a].l) >= 4)
        FEAT(x, part("fsuf="), part(w[a].l + strlen(w[a].l) - 3));
    for (int i = a + 1; i < b - 1 && i < a + 4; i++)
        FEAT(x, part("iw="), part(w[i].l));
    /* the shapes of the words either side, with the mark between: a list
     * of names ("Murphy, Horgan, D'Arcy") */
    FEAT(x, part("psh="), part(a > 0 ? shape(&w[a - 1]) : "^"),
         part((char[]){w[a].gap ? (w[a].punct ? w[a].punct : '.') : '_', 0}));
    FEAT(x, part("nsh="), part(b < n ? shape(&w[b]) : "$"),
         part((char[]){
             b < n && w[b].gap ? (w[b].punct ? w[b].punct : '.') : '_', 0}));
    FEAT(x, part("p1="), pp0);
    FEAT(x, part("p2="), part(p[1]), part("_"), pp0);
    FEAT(x, part("n1="), pq0);
    FEAT(x, part("n2="), pq0, part("_"), part(q[1]));
    FEAT(x, part("r="), pr, part("_p1="), pp0);
    FEAT(x, part("r="), pr, part("_n1="), pq0);
    if (w[a].sent)
        FEAT(x, part("sent_r="), pr);
    if (after_title)
        FEAT(x, part("ttl"));
    FEAT(x, part("fld="), part((char[]){c->field, 0}));
    if (w[a].allcaps && (len == 1 || w[b - 1].allcaps))
        FEAT(x, part("caps_n="), part(num(len < 3 ? len : 3)));
    int fp = ent_word_props(g, &w[a]), lp = ent_word_props(g, &w[b - 1]);
    for (int bit = 0; bit < 19; bit++) {
        if (fp & (1 << bit))
            FEAT(x, part("fp"), part(num(bit)));
        if (len > 1 && (lp & (1 << bit)))
            FEAT(x, part("lp"), part(num(bit)));
    }
    /* what the gazetteer knows of the whole run */
    if (cd->place >= 0)
        FEAT(x, part("gz=p"), part(num(g->places[cd->place].kind)),
             part(c->sport ? "_sp" : ""));
    if (cd->org)
        FEAT(x, part("gz=o"), part(c->sport ? "_sp" : ""));
    /* how often the words are written capitalised elsewhere */
    int fc = (int)strmap_get(&g->word_case, w[a].l);
    FEAT(x, part("fc="), part(num(fc)));
    if (w[a].sent)
        FEAT(x, part("fc="), part(num(fc)), part("_sent"));
    if (len > 1) {
        int lc = (int)strmap_get(&g->word_case, w[b - 1].l);
        FEAT(x, part("lc="), part(num(lc)));
    }
    if (len == 1 && ent_written_lower_l(c->art, w[a].l))
        FEAT(x, part("lower"));
    if (c->sport) {
        FEAT(x, part("sp_r="), pr);
        FEAT(x, part("sp_sh="), psh);
        FEAT(x, part("sp_p1="), pp0);
        FEAT(x, part("sp_n1="), pq0);
    }
}

/* ---- candidates ------------------------------------------------------- */

void tag_begin(struct extraction *c)
{
    /* Two words of sport ("scored", "coach", "striker"...) in the first
     * SPORT_SPAN bytes make a sports report. */
    const char *t = c->art->body ? c->art->body : "";
    int hits = 0;
    for (const char *p = t; *p && hits < 2 && p - t < SPORT_SPAN; p++) {
        if (!isalpha((unsigned char)*p) ||
            (p > t && isalpha((unsigned char)p[-1])))
            continue;
        const char *e = p;
        while (isalpha((unsigned char)*e))
            e++;
        unsigned bit = 1u << ((unsigned char)tolower((unsigned char)*p) - 'a');
        if (e - p >= 3 && e - p < 16 && (c->g->sport_first & bit)) {
            char wd[16];
            for (int i = 0; i < e - p; i++)
                wd[i] = (char)tolower((unsigned char)p[i]);
            wd[e - p] = 0;
            hits += strmap_get(&c->g->sport, wd) >= 0;
        }
        p = e - 1;
    }
    c->sport = hits >= 2;
}

void tag_note(struct extraction *c, struct word *w, int a, int b, int n,
              int after_title, int f0)
{
    const struct gazetteer *g = c->g;
    if (!g->model && !g->features)
        return;
    char key[KEYMAX];
    if (!*ent_words_key(w, a, b, key))
        return;
    char *name = ent_words_name(w, a, b);
    char rule[4];
    rule_reading(c, f0, name, rule);
    if (c->ncand == c->capcand)
        c->cand = mg_realloc(
            c->cand,
            sizeof *c->cand *
                (size_t)(c->capcand = c->capcand ? c->capcand * 2 : 32));
    struct cand *cd = &c->cand[c->ncand++];
    memset(cd, 0, sizeof *cd);
    cd->f0 = f0;
    cd->f1 = c->n;
    cd->pos = w[a].start;
    cd->key = mg_strdup(key);
    cd->kh = part(key).h;
    cd->klen = strlen(key);
    cd->name = name;
    cd->one_word = b - a == 1;
    memcpy(cd->rule, rule, sizeof cd->rule);
    cd->place = gaz_lookup_l(&g->place_by_name, key);
    cd->org = gaz_lookup_l(&g->orgs, key) >= 0;
    cd->demonym = gaz_lookup_l(&g->demonyms, key) >= 0;
    struct buf out = {0};
    struct fx x = {g->model, cd->s, g->features ? &out : NULL};
    features(c, w, a, b, n, after_title, cd, &x);
    cd->line = g->features ? buf_take(&out) : NULL;
}

/* True when the one word `key` is the first (first) or last word of the
 * name `other`. */
static int word_of(const char *key, size_t k, const char *other, size_t o,
                   int first)
{
    if (o <= k + 1)
        return 0;
    if (first)
        return strncmp(other, key, k) == 0 && other[k] == ' ';
    return strcmp(other + o - k, key) == 0 && other[o - k - 1] == ' ';
}

/* What the rest of the article says of candidate i: how often it is
 * named, what the rules made of its other mentions, and the longer names
 * it starts or ends ("Murphy" and "Gerry Murphy"). */
static void doc_features(const struct extraction *c, int i, struct fx *x)
{
    const struct cand *cd = &c->cand[i];
    int same = 0;
    char seen[16][4];
    int nseen = 0;
    for (int k = 0; k < c->ncand; k++) {
        const struct cand *o = &c->cand[k];
        if (o->kh == cd->kh && strcmp(o->key, cd->key) == 0) {
            same++;
            if (k == i)
                continue;
            int dup = 0;
            for (int j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], o->rule) == 0;
            if (!dup && nseen < 16) {
                memcpy(seen[nseen++], o->rule, 4);
                FEAT(x, part("oth="), part(o->rule));
            }
        } else if (cd->one_word && !o->one_word) {
            if (word_of(cd->key, cd->klen, o->key, o->klen, 0))
                FEAT(x, part("endof="), part(o->rule));
            if (word_of(cd->key, cd->klen, o->key, o->klen, 1))
                FEAT(x, part("startof="), part(o->rule));
        }
    }
    FEAT(x, part("dm="), part(num(same < 3 ? same : 3)));
}

/* True when found i is the candidate's own reading (not a name inside
 * it nor a city's country). */
static int own(const struct extraction *c, const struct cand *cd, int i)
{
    return c->v[i].pending != 3 && strcmp(c->v[i].surface, cd->name) == 0;
}

/* The class the rules gave the candidate's own reading (0 none; its found
 * in *at), or -1 when they gave several names. */
static int rule_class(const struct extraction *c, const struct cand *cd,
                      int *at)
{
    int k = 0;
    *at = -1;
    for (int i = cd->f0; i < cd->f1; i++)
        if (own(c, cd, i) && c->v[i].pending >= 0)
            k++, *at = i;
    if (k > 1)
        return -1;
    if (k == 0)
        return 0;
    enum ent_kind kd = c->v[*at].kind;
    return kd == ENT_PERSON ? 1 : kd == ENT_PLACE ? 2 : 3;
}

/* Drops the candidate's own reading (or, with doubt, leaves it to search
 * alone), with the country a city of it implies (added right after it);
 * names inside it stay. */
static void drop_own(struct extraction *c, const struct cand *cd, int doubt)
{
    for (int i = cd->f0; i < cd->f1; i++)
        if (own(c, cd, i)) {
            /* With doubt, kept for search but shown in no facet: the rules
             * read a name there, the model reads none. */
            if (doubt)
                c->v[i].conf = TAG_DOUBT;
            else
                c->v[i].pending = -1;
            if (i + 1 < cd->f1 && c->v[i + 1].pending == 3)
                c->v[i + 1].pending = -1;
        }
}

static void apply(struct extraction *c, const struct cand *cd, int cls,
                  float conf)
{
    int at, rc = rule_class(c, cd, &at);
    if (rc < 0 || conf <= 0) {
        for (int i = cd->f0; i < cd->f1; i++)
            c->v[i].conf = conf;
        return; /* several names, or no kind wins: the rules' reading */
    }
    /* The model overrules a name the rules read only by a clear margin,
     * a wider one for a name of the gazetteer: what it learnt from 201
     * stories must not undo what the rules do right over a whole archive
     * (Reuters-21578's tag recall, docs/entities-eval.md).  In a sports
     * report the gazetteer's places are often sides ("Leeds", "England"):
     * there the model decides. */
    int known =
        rc > 0 && !c->sport && (cd->org || cd->place >= 0 || cd->demonym);
    if (cls == 2 && cd->demonym)
        return;    /* a nationality is no place (classify.c) */
    int inner = 0; /* names the rules read inside the run */
    for (int i = cd->f0; i < cd->f1; i++)
        inner |= c->v[i].pending != 3 && !own(c, cd, i);
    if (rc == 0 && inner && cls != 0 && conf < TAG_KEEP)
        return; /* "a Texas Democrat": Texas, not the whole run */
    float keep = known ? TAG_KEEP_KNOWN : c->sport ? TAG_KEEP_SPORT : TAG_KEEP;
    if (rc > 0 && cls != rc && conf < keep) {
        c->v[at].conf = conf;
        return;
    }
    if (cls == 0) {
        drop_own(c, cd, 1);
        return;
    }
    static const enum ent_kind KIND[] = {ENT_PERSON, ENT_PERSON, ENT_PLACE,
                                         ENT_ORG};
    if (rc == cls) {
        struct found *f = &c->v[at];
        f->conf = conf + TAG_AGREE; /* the rules and the model agree */
        if (cls == 1 && f->pending == 1)
            f->pending = 2; /* a person, whether or not a full name
                             * joins it */
        if (cls == 3 && f->pending == 4)
            f->pending = 0;
        return;
    }
    /* Another kind than the rules': the rules' names go, the model's
     * comes. */
    drop_own(c, cd, 0);
    int n0 = c->n;
    if (cls == 2 && cd->place >= 0)
        ent_found_place(c, cd->place, cd->name, cd->pos);
    else
        ent_found_add(c, KIND[cls], cd->name, cd->name, cd->pos,
                      cls == 1 && cd->one_word ? 2 : 0);
    for (int i = n0; i < c->n; i++)
        if (c->v[i].pending != 3)
            c->v[i].conf = conf;
}

void tag_decide(struct extraction *c)
{
    const struct gazetteer *g = c->g;
    if (!g->model && !g->features)
        return;
    for (int i = 0; i < c->ncand; i++) {
        struct cand *cd = &c->cand[i];
        struct buf out = {0};
        if (cd->line)
            buf_adds(&out, cd->line);
        struct fx x = {g->model, cd->s, g->features ? &out : NULL};
        doc_features(c, i, &x);
        if (g->features) {
            out.s[out.len - 1] = 0; /* the blank after the last one */
            fprintf(g->features, "%s\t%s\t%s\t%s\t%s\n",
                    c->art->path ? c->art->path : "",
                    c->art->uid ? c->art->uid : "", cd->name, cd->rule, out.s);
        }
        buf_free(&out);
    }
    if (!g->model)
        return; /* writing features only: the rules' reading */
    char *done = mg_calloc((size_t)c->ncand + 1, 1);
    for (int i = 0; i < c->ncand; i++) {
        if (done[i])
            continue;
        /* The kind the rules gave the name first, unless another kind
         * scores higher over all its mentions. */
        float s[NCLASS] = {0};
        int ref = -1, at;
        for (int k = i; k < c->ncand; k++)
            if (!done[k] && c->cand[k].kh == c->cand[i].kh &&
                strcmp(c->cand[k].key, c->cand[i].key) == 0) {
                for (int j = 0; j < NCLASS; j++)
                    s[j] += c->cand[k].s[j];
                int rc = rule_class(c, &c->cand[k], &at);
                if (ref < 0 && rc > 0)
                    ref = rc;
            }
        int cls = ref > 0 ? ref : 0;
        for (int j = 0; j < NCLASS; j++)
            if (s[j] > s[cls])
                cls = j;
        float second = -1e30f;
        for (int j = 0; j < NCLASS; j++)
            if (j != cls && s[j] > second)
                second = s[j];
        for (int k = i; k < c->ncand; k++)
            if (!done[k] && c->cand[k].kh == c->cand[i].kh &&
                strcmp(c->cand[k].key, c->cand[i].key) == 0) {
                done[k] = 1;
                apply(c, &c->cand[k], cls, s[cls] - second);
            }
    }
    free(done);
}

void tag_free(struct extraction *c)
{
    for (int i = 0; i < c->ncand; i++) {
        free(c->cand[i].name);
        free(c->cand[i].key);
        free(c->cand[i].line);
    }
    free(c->cand);
}
