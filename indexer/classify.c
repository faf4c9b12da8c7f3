/*
 * classify.c - an article's text read into the names it holds (for
 * entities.c: ent_find).
 *
 * The text is cut into words; runs of capitalised words (with the
 * joiners news names use: "of", "al-", "de", hyphens, apostrophes) are the
 * candidates.  A run is split at title words ("Treasury Secretary James
 * Baker") and possessives, then classified: organisation (gazetteer or an
 * organisation head word such as Bank, Corp, Ministry), place (gazetteer,
 * nationality adjective), person (after a title or role word, a known first
 * name, an East Asian family name, or before "said"/"told").  A name the
 * text leaves in doubt is found as pending, for entities.c to keep or
 * drop.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "entities.h"
#include "entities_int.h"

/* ---- words --------------------------------------------------------- */

/* The words of one text; s and l of every word point into one block. */
struct words {
    struct word *v;
    int n;
    char *arena;
};

static int ascii_alpha(int c)
{
    return (unsigned)((c | 32) - 'a') < 26;
}

static int ascii_alnum(int c)
{
    return ascii_alpha(c) || (unsigned)(c - '0') < 10;
}

static int is_letter(int32_t cp)
{
    if (cp < 0x80)
        return ascii_alpha(cp);
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static int is_word_char(int32_t cp)
{
    if (cp < 0x80)
        return ascii_alnum(cp);
    return is_letter(cp) || utf8proc_category(cp) == UTF8PROC_CATEGORY_MN;
}

/* The end of the word that starts at t[s] (len bytes in all); joiners
 * inside a word: hyphen, apostrophe, a dot between single letters
 * (U.S.). */
static int word_end(const char *t, int len, int s)
{
    int e = s;
    while (e < len && ascii_alnum((unsigned char)t[e]))
        e++; /* the common case, before the general loop */
    while (e < len) {
        int32_t c2;
        int k2 = mg_utf8_decode(t, len, e, &c2);
        if (is_word_char(c2)) {
            e += k2;
            continue;
        }
        /* joiners followed by a letter: - ' ’ and the dots of U.S. */
        int32_t c3 = 0;
        if (e + k2 < len)
            mg_utf8_decode(t, len, e + k2, &c3);
        if ((c2 == '-' || c2 == '\'' || c2 == 0x2019) && c3 > 0 &&
            is_letter(c3)) {
            e += k2;
            continue;
        }
        if (c2 == '.' && e - s >= 1 && c3 > 0 && is_letter(c3) &&
            (e - s == 1 || t[e - 2] == '.')) {
            e += k2;
            continue;
        }
        if (c2 == '.' && e >= 2 && t[e - 2] == '.') { /* U.S. end */
            e += k2;
            break;
        }
        break;
    }
    return e;
}

/* Fills w for the word t[s..e-1] (len bytes in all): its text and
 * case-folded text go into the arena, as offsets (they become pointers
 * once the arena stops growing), and the shape of its letters. */
static void word_fill(struct word *w, const char *t, int len, int s, int e,
                      struct buf *arena)
{
    memset(w, 0, sizeof *w);
    w->start = s;
    w->end = e;
    size_t wl = (size_t)(e - s);
    if (wl > 2 && (t[e - 1] == 's' || t[e - 1] == 'S') && t[e - 2] == '\'') {
        wl -= 2;
        w->poss = 1;
    } else if (wl > 4 && t[e - 1] == 's' &&
               memcmp(t + e - 4, "\xE2\x80\x99", 3) == 0) {
        wl -= 4;
        w->poss = 1;
    }
    w->s = (char *)(uintptr_t)arena->len;
    buf_add(arena, t + s, wl);
    buf_addc(arena, 0);
    int ascii = 1, letters = 0, upper = 0;
    for (size_t q = 0; q < wl; q++) {
        unsigned char ch = (unsigned char)t[s + q];
        ascii &= ch < 0x80;
        if (isalpha(ch)) {
            letters++;
            upper += isupper(ch) != 0;
        }
    }
    if (ascii && !upper) {
        w->l = w->s; /* already lower case: most words */
    } else if (ascii) {
        w->l = (char *)(uintptr_t)arena->len;
        buf_reserve(arena, wl + 1);
        char *d = arena->s + arena->len;
        for (size_t q = 0; q < wl; q++)
            d[q] = (char)tolower((unsigned char)t[s + q]);
        d[wl] = 0;
        arena->len += wl + 1;
    } else {
        w->l = (char *)(uintptr_t)arena->len;
        char *raw = mg_strndup(t + s, wl), *lw = gaz_lower(raw);
        buf_adds(arena, lw);
        free(lw);
        free(raw);
        buf_addc(arena, 0);
    }
    int32_t cp;
    mg_utf8_decode(t, len, s, &cp);
    if (cp < 0x80) {
        w->cap = isupper(cp) != 0;
        w->lower = islower(cp) != 0;
    } else {
        w->cap = utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
        w->lower = utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
    }
    w->allcaps = letters >= 2 && letters == upper;
    w->props = -1;
}

/* Cuts text into words (word_end), with the sentence starts and the
 * punctuation before each. */
static void words(const char *t, struct words *out)
{
    struct word *v = NULL;
    int n = 0, cap = 0, i = 0, len = (int)strlen(t);
    int sent = 1, gap = 1;
    char punct = 0;
    struct buf arena = {0};
    buf_reserve(&arena, (size_t)len * 2 + 64);
    cap = len / 5 + 16;
    v = mg_malloc(sizeof *v * (size_t)cap);
    while (i < len) {
        int32_t cp;
        int k = mg_utf8_decode(t, len, i, &cp);
        if (!is_letter(cp) && !(cp >= '0' && cp <= '9')) {
            /* "James E. Smith": an initial's full stop ends nothing. */
            int initial = cp == '.' && n > 0 && v[n - 1].end == i &&
                          v[n - 1].end - v[n - 1].start == 1 &&
                          isupper((unsigned char)t[i - 1]) &&
                          (i < 2 || t[i - 2] == ' ');
            if (initial) {
                i += k;
                continue;
            }
            if (cp == '.' || cp == '!' || cp == '?' || cp == '\n' ||
                cp == ':' || cp == ';')
                sent = 1;
            if (cp != ' ') {
                gap = 1;
                if (cp != '\n' && cp != '\t' && cp != '\r')
                    punct = cp < 0x80 ? (char)cp : '?';
            }
            i += k;
            continue;
        }
        int e = word_end(t, len, i);
        if (n == cap)
            v = mg_realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 256));
        struct word *w = &v[n++];
        word_fill(w, t, len, i, e, &arena);
        w->sent = sent;
        w->gap = gap;
        w->punct = punct;
        sent = gap = 0;
        punct = 0;
        i = e;
        /* A full stop ending "U.S." may also end the sentence; a following
         * capital decides nothing, so leave sent at 0. */
    }
    for (int k = 0; k < n; k++) {
        v[k].s = arena.s + (uintptr_t)v[k].s;
        v[k].l = arena.s + (uintptr_t)v[k].l;
    }
    out->v = v;
    out->n = n;
    out->arena = arena.s;
}

static void free_words(struct words *w)
{
    free(w->v);
    free(w->arena);
}

/* ---- classification ------------------------------------------------- */

/* The P_* bits of a word, looked up once. */
static int wp(const struct gazetteer *g, struct word *w)
{
    if (w->props < 0) {
        /* a lower-case word is at most a list word: the small table */
        int64_t v = strmap_get(w->lower ? &g->lex_small : &g->lex, w->l);
        size_t n = strlen(w->l);
        if (v < 0 && n >= 3 && n + 2 < KEYMAX && w->l[n - 2] == '.') {
            char d[KEYMAX]; /* "U.S" (its last dot taken by a comma) */
            memcpy(d, w->l, n);
            d[n] = '.';
            d[n + 1] = 0;
            v = strmap_get(&g->lex, d);
        }
        w->props = v < 0 ? 0 : (int)v;
    }
    return w->props;
}

static void add(struct extraction *c, enum ent_kind k, const char *name,
                const char *surface, int pos, int pending)
{
    if (c->n == c->cap)
        c->v = mg_realloc(
            c->v, sizeof *c->v * (size_t)(c->cap = c->cap ? c->cap * 2 : 32));
    c->v[c->n++] = (struct found){k,
                                  mg_strdup(name),
                                  mg_strdup(surface),
                                  c->alt ? mg_strdup(c->alt) : NULL,
                                  pos,
                                  pending,
                                  TAG_SURE};
}

void ent_found_add(struct extraction *c, enum ent_kind k, const char *name,
                   const char *surface, int pos, int pending)
{
    add(c, k, name, surface, pos, pending);
}

int ent_word_props(const struct gazetteer *g, struct word *w)
{
    return wp(g, w);
}

/* The words a..b-1 joined with spaces; a possessive inside the run is kept
 * ("Moody's Investors Service"). */
char *ent_words_name(struct word *w, int a, int b)
{
    struct buf s = {0};
    for (int i = a; i < b; i++) {
        if (i > a)
            buf_adds(&s, w[i].amp ? " & " : " ");
        buf_adds(&s, w[i].s);
        if (w[i].poss && i + 1 < b)
            buf_adds(&s, "'s");
    }
    return buf_take(&s);
}

/* The case-folded words a..b-1 joined with spaces into buf (KEYMAX
 * bytes); "" when too long. */
const char *ent_words_key(struct word *w, int a, int b, char *buf)
{
    size_t n = 0;
    for (int i = a; i < b; i++) {
        size_t l = strlen(w[i].l);
        if (n + l + 4 >= KEYMAX)
            return "";
        if (i > a)
            buf[n++] = ' ';
        memcpy(buf + n, w[i].l, l);
        n += l;
        if (w[i].poss && i + 1 < b) {
            memcpy(buf + n, "'s", 2);
            n += 2;
        }
    }
    buf[n] = 0;
    return buf;
}

/* The value of the words a..b-1 in m, or -1. */
/* The key of the words a..b-1 in buf when they may be a place's, an
 * organisation's or a non-entity's name, else NULL: most words are no
 * name, and the lexicon says so without building the key. */
static const char *name_key(const struct gazetteer *g, struct word *w, int a,
                            int b, char *buf)
{
    int p = wp(g, &w[a]);
    if (b - a == 1 ? !(p & (P_PLACE | P_ORG | P_DEMONYM | P_NONENT))
                   : !(p & P_MULTI_FIRST))
        return NULL;
    return ent_words_key(w, a, b, buf);
}

/* The value of key k in m, or -1 (also when k is NULL). */
static int lk(const struct strmap *m, const char *k)
{
    return k ? gaz_lookup_l(m, k) : -1;
}

static int lookup_w(const struct gazetteer *g, const struct strmap *m,
                    struct word *w, int a, int b)
{
    char k[KEYMAX];
    if (m == &g->titles)
        return gaz_lookup_l(m, ent_words_key(w, a, b, k));
    return lk(m, name_key(g, w, a, b, k));
}

/* True when the words after b make a1..b an event's host place: "the
 * PyeongChang Winter Olympics", "the Seoul Games". */
static int before_games(struct word *w, int b, int n)
{
    for (int i = b; i < n && i < b + 2; i++) {
        if (strcmp(w[i].s, "Olympics") == 0 || strcmp(w[i].s, "Games") == 0)
            return 1;
        if (strcmp(w[i].s, "Winter") != 0 && strcmp(w[i].s, "Summer") != 0)
            return 0;
    }
    return 0;
}

/* True when a one-word city name reads as a place here: a big city, or
 * one after "in", "at", "from"... (Henderson, Wright, Ames are names too). */
static int city_in_context(const struct extraction *c, int p, struct word *w,
                           int a, int b)
{
    static const char *const PREP[] = {"in",   "at",      "from",   "near",
                                       "to",   "outside", "across", "via",
                                       "into", NULL};
    const struct place *pl = &c->g->places[p];
    if (pl->kind != 2 || b - a > 1 || pl->population >= 1000000)
        return 1;
    if (a == 0 || w[a].gap)
        return 0;
    for (int i = 0; PREP[i]; i++)
        if (strcmp(PREP[i], w[a - 1].l) == 0)
            return 1;
    return 0;
}

/* Adds a place (and, for a city, its country). */
static void add_place(struct extraction *c, int p, const char *surface, int pos)
{
    const struct place *pl = &c->g->places[p];
    add(c, ENT_PLACE, pl->canonical, surface, pos, 0);
    if (pl->kind != 0) {
        int cp = (int)strmap_get(&c->g->country_by_code, pl->country);
        if (cp >= 0) /* implied: the city's country */
            add(c, ENT_PLACE, c->g->places[cp].canonical, "", pos, 3);
    }
}

/* A nationality ("Japanese") names no place (docs/entities.md, Annotation
 * guide), but the story is about its country: implied, as a city's
 * country is, kept for the place facet and filter. */
static void add_nationality(struct extraction *c, int p, int pos)
{
    add(c, ENT_PLACE, c->g->places[p].canonical, "", pos, 3);
}

void ent_found_place(struct extraction *c, int p, const char *surface, int pos)
{
    add_place(c, p, surface, pos);
}

/* Length of a title or role phrase starting at w[i] (up to 4 words, not
 * past n), or 0; *kind gets 1 (title) or 2 (role). */
static int title_at(const struct extraction *c, struct word *w, int i, int n,
                    int *kind)
{
    if (i >= n || !(wp(c->g, &w[i]) & P_TITLE_FIRST))
        return 0;
    for (int len = 4; len >= 1; len--) {
        if (i + len > n)
            continue;
        int v = lookup_w(c->g, &c->g->titles, w, i, i + len);
        if (v > 0 && (!w[i].lower || (v & 4))) {
            *kind = v & 3;
            return len;
        }
    }
    return 0;
}

/* True when the word names a country, a subdivision or a nationality. */
static int is_region_word(const struct extraction *c, struct word *w)
{
    return (wp(c->g, w) & P_REGION) != 0;
}

/* True when a..b-1 cannot be a person's name whatever the context: it
 * ends in a party label or a feature of the land, its last word is a
 * country or state ("Latin America"), or it holds a title word. */
static int not_a_person(const struct extraction *c, struct word *w, int a,
                        int b)
{
    if ((wp(c->g, &w[b - 1]) & P_NOT_SURNAME) || (wp(c->g, &w[b - 1]) & P_HEAD))
        return 1;
    if (b - a >= 2 &&
        (is_region_word(c, &w[b - 1]) || is_region_word(c, &w[a])))
        return 1;
    int kind;
    for (int i = a; i < b; i++)
        if (title_at(c, w, i, b, &kind))
            return 1;
    return 0;
}

static int is_person_shape(const struct extraction *c, struct word *w, int a,
                           int b)
{
    if (b - a < 2 || b - a > 4 || strlen(w[a].s) < 2)
        return 0;
    int known = (wp(c->g, &w[a]) & P_FIRST);
    int asian =
        (wp(c->g, &w[a]) & P_ASIAN) && (strchr(w[a + 1].s, '-') || b - a == 2);
    if (!known && !asian)
        return 0;
    for (int i = a; i < b; i++)
        if ((w[i].allcaps && strlen(w[i].s) > 1 && !strchr(w[i].s, '.')) ||
            strcmp(w[i].l, "of") == 0) /* "Kyle of Lochalsh" */
            return 0;
    return !not_a_person(c, w, a, b);
}

/* An organisation's name without its company-form words ("GTE Corp" and
 * "GTE" are one). */
char *ent_org_key(const char *name)
{
    char *d = mg_strdup(name);
    for (;;) {
        char *sp = strrchr(d, ' ');
        if (!sp || !gaz_in_list(GAZ_FORMS, sp + 1))
            break;
        *sp = 0;
    }
    size_t n = strlen(d);
    while (n && (d[n - 1] == '.' || d[n - 1] == ','))
        d[--n] = 0;
    char *k = ent_key(d);
    free(d);
    return k;
}

/* "Kiichi Miyazawa, Japan's Finance Minister": a title or role after the
 * comma that follows the run a..b-1. */
static int appositive(const struct extraction *c, struct word *w, int b, int n)
{
    if (b >= n || w[b].punct != ',')
        return 0;
    int i = b, kind;
    if (strcmp(w[i].l, "the") == 0 || strcmp(w[i].l, "a") == 0)
        i++;
    if (i < n && w[i].poss && w[i].cap) /* "Japan's" */
        i++;
    else if (i < n && (wp(c->g, &w[i]) & P_DEMONYM))
        i++;
    return i < n && title_at(c, w, i, n, &kind) && kind == 1;
}

static void classify(struct extraction *c, struct word *w, int a, int b, int n,
                     int after_title);

/* The run a..b-1 without the words that lead into a name or end none:
 * moves *a and *b. */
static void trim_run(const struct extraction *c, struct word *w, int *a, int *b)
{
    const struct gazetteer *g = c->g;
    char key[KEYMAX];
    /* A sentence's first word is part of a known name or of a company
     * ("New York", "First Boston Corp"); otherwise a common word there is
     * just capitalised. */
    int keep_first = 0;
    if (*b - *a >= 2 && w[*a].sent) {
        const char *all = name_key(g, w, *a, *b, key);
        keep_first = (wp(g, &w[*b - 1]) & P_HEAD) ||
                     lk(&g->place_by_name, all) >= 0 || lk(&g->orgs, all) >= 0;
    }
    /* "State-owned Indian Railway...", "Dallas-based Texas Instruments" */
    while (*a < *b) {
        const char *hy = strrchr(w[*a].s, '-');
        if (!(hy && islower((unsigned char)hy[1])) &&
            !(strcmp(w[*a].l, "the") == 0 || (wp(g, &w[*a]) & P_JOINER) ||
              (!keep_first && w[*a].sent && (wp(g, &w[*a]) & P_COMMON))))
            break;
        (*a)++;
    }
    /* "Reagan Friday": weekdays and months end no name. */
    while (*b > *a && (wp(g, &w[*b - 1]) & P_COMMON))
        (*b)--;
}

/* The runs that are read in parts or for what they name: a title before
 * a name, an event's host place, "the Reagan Administration", "Don
 * Nickles of Oklahoma".  Returns 1 when a..b-1 was one of them. */
static int special_run(struct extraction *c, struct word *w, int a, int b,
                       int n, int after_title, int shout)
{
    const struct gazetteer *g = c->g;
    /* "Exchequer Nigel Lawson": a name starts at its first name. */
    if (b - a >= 3 && !shout) {
        int named = (wp(g, &w[a]) & P_FIRST) || (wp(g, &w[a]) & P_ASIAN);
        for (int k = a + 1; k < b - 1 && !named; k++) {
            int first = (wp(g, &w[k]) & P_FIRST);
            if (first && !(wp(g, &w[k - 1]) & P_JOINER) &&
                !(wp(g, &w[b - 1]) & P_HEAD)) {
                classify(c, w, a, k, n, 0);
                classify(c, w, k, b, n, after_title);
                return 1;
            }
        }
    }
    /* "PyeongChang Winter Olympics": the host place before the games. */
    int gm = b;
    while (gm > a && (strcmp(w[gm - 1].s, "Olympics") == 0 ||
                      strcmp(w[gm - 1].s, "Games") == 0 ||
                      strcmp(w[gm - 1].s, "Winter") == 0 ||
                      strcmp(w[gm - 1].s, "Summer") == 0))
        gm--;
    if (gm > a && gm < b && before_games(w, gm, b) && gm - a <= 2) {
        char *host = ent_words_name(w, a, gm);
        int p = lookup_w(g, &g->place_by_name, w, a, gm);
        if (p >= 0)
            add_place(c, p, host, w[a].start);
        else
            add(c, ENT_PLACE, host, host, w[a].start, 0);
        free(host);
        return 1;
    }
    /* "the Reagan Administration": the person (or place) it names. */
    if (b - a == 2 && strcmp(w[b - 1].l, "administration") == 0) {
        int p = lookup_w(g, &g->place_by_name, w, a, a + 1);
        if (p >= 0)
            add_place(c, p, w[a].s, w[a].start);
        else if (!w[a].allcaps)
            add(c, ENT_PERSON, w[a].s, w[a].s, w[a].start, 2);
        return 1;
    }
    /* "Don Nickles of Oklahoma": a person, then a place. */
    for (int k = a + 2; k < b - 1; k++)
        if (strcmp(w[k].s, "of") == 0 && is_person_shape(c, w, a, k)) {
            classify(c, w, a, k, n, after_title);
            classify(c, w, k + 1, b, n, 0);
            return 1;
        }
    return 0;
}

/* True when the title w[k..k+len-1] is a rank that is part of a
 * person's name: Lord, Baroness, Prince, Crown Prince... (not Lady:
 * "First Lady Kim Jung-sook") */
static int peer_rank(struct word *w, int k, int len)
{
    static const char *const RANKS[] = {
        "lord", "baroness", "baron",    "prince", "princess", "crown",
        "earl", "viscount", "countess", "duke",   "duchess",  NULL};
    return len >= 1 && !w[k].lower && gaz_in_list(RANKS, w[k].l);
}

/* A run after a title or role word ("manager Credit Suisse", "the chief
 * U.S. concerns", "Treasury Secretary James Baker"), name its text and l
 * its key (name_key). */
static void classify_titled(struct extraction *c, struct word *w, int a, int b,
                            const char *name, const char *l)
{
    const struct gazetteer *g = c->g;
    int pos = w[a].start;
    int v;
    int head = (wp(g, &w[b - 1]) & P_HEAD);
    if ((v = lk(&g->orgs, l)) >= 0) {
        add(c, ENT_ORG, g->org_names[v], name, pos,
            0); /* "manager Credit Suisse" */
    } else if ((v = lk(&g->place_by_name, l)) >= 0 && g->places[v].kind != 2) {
        add_place(c, v, name, pos); /* "the chief U.S. concerns" */
    } else if ((v = lk(&g->demonyms, l)) >= 0) {
        add_nationality(c, v, pos); /* "the major Japanese houses" */
    } else if (head || (b - a == 1 && (wp(g, &w[a]) & P_NOT_NAME))) {
        if (b - a >= 2)
            add(c, ENT_ORG, name, name, pos, 0);
    } else {
        if (!not_a_person(c, w, a, b) || b - a == 1) {
            char *ranked = c->rank >= 0 && c->rank < a
                               ? ent_words_name(w, c->rank, b)
                               : NULL;
            add(c, ENT_PERSON, ranked ? ranked : name, ranked ? ranked : name,
                ranked ? w[c->rank].start : pos, b - a == 1 && !ranked ? 2 : 0);
            free(ranked);
        }
    }
}

/* Known places or organisations inside a longer run a..b-1 (text name);
 * a small city's name there is more often part of another name
 * ("Paradise Hills"), and the run may be one of the article's
 * organisations ("Credit Suisse-First Boston"). */
static void known_inside(struct extraction *c, struct word *w, int a, int b,
                         const char *name)
{
    const struct gazetteer *g = c->g;
    const char *outer_alt = c->alt;
    int v;
    if (!c->alt)
        c->alt = name;
    for (int i = a; i < b;) {
        int done = 0;
        int maxlen = !(wp(g, &w[i]) & P_MULTI_FIRST) ? 1
                     : b - i < 4                     ? b - i
                                                     : 4;
        for (int len = maxlen; len >= 1 && !done; len--) {
            char sk[KEYMAX];
            const char *sub = name_key(g, w, i, i + len, sk);
            int wpi = wp(g, &w[i]);
            if (len == 1 && ((w[i].sent && !(wpi & P_REGION)) ||
                             (wpi & (P_COMMON | P_GENERIC))))
                continue;
            char *surf = ent_words_name(w, i, i + len);
            if (lk(&g->nonentities, sub) >= 0)
                done = len;
            else if ((v = lk(&g->orgs, sub)) >= 0)
                add(c, ENT_ORG, g->org_names[v], surf, w[i].start, 0),
                    done = len;
            else if ((v = lk(&g->place_by_name, sub)) >= 0 &&
                     (g->places[v].kind != 2 ||
                      g->places[v].population >= 500000))
                add_place(c, v, surf, w[i].start), done = len;
            else if ((v = lk(&g->demonyms, sub)) >= 0)
                add_nationality(c, v, w[i].start), done = len;
            free(surf);
        }
        i += done ? done : 1;
    }
    if (c->alt == name)
        c->alt = outer_alt;
}

/* A run with no title before it, name its text and l its key
 * (name_key): a name of the gazetteer, a company by its head word, a
 * person by the shape of the name or a verb of speech after it, an
 * acronym, a lone word, or known names inside it. */
static void classify_plain(struct extraction *c, struct word *w, int a, int b,
                           int n, const char *name, const char *l)
{
    const struct gazetteer *g = c->g;
    int pos = w[a].start;
    int v;
    int head = (wp(g, &w[b - 1]) & P_HEAD);
    if ((v = lk(&g->orgs, l)) >= 0) {
        add(c, ENT_ORG, g->org_names[v], name, pos, 0);
    } else if ((v = lk(&g->place_by_name, l)) >= 0 &&
               !(b - a == 1 && (wp(g, &w[a]) & P_COMMON))) {
        if (city_in_context(c, v, w, a, b))
            add_place(c, v, name, pos);
    } else if ((v = lk(&g->demonyms, l)) >= 0) {
        add_nationality(c, v, pos);
    } else if (b - a >= 2 && head) {
        /* "Co Inc" alone is what is left of a name cut short. */
        char *k = ent_org_key(name);
        if (*k)
            add(c, ENT_ORG, name, name, pos, 0);
        free(k);
    } else if (b - a >= 3 && lookup_w(g, &g->orgs, w, a, a + 2) >= 0) {
        add(c, ENT_ORG, name, name, pos,
            0); /* "Morgan Stanley International" */
    } else if (is_person_shape(c, w, a, b)) {
        /* "Morgan Stanley and Co", "Harris Upham & Co": a firm. */
        int firm = b + 1 < n && strcmp(w[b].s, "and") == 0 &&
                   (wp(g, &w[b + 1]) & P_HEAD);
        add(c, firm ? ENT_ORG : ENT_PERSON, name, name, pos, 0);
    } else if (b - a >= 2 && b - a <= 3 && !w[a].allcaps &&
               strlen(w[a].s) >= 2 && !(wp(g, &w[a]) & P_GENERIC) &&
               !not_a_person(c, w, a, b) &&
               ((b < n && (wp(g, &w[b]) & P_SPEECH)) ||
                appositive(c, w, b, n)) &&
               !ent_written_lower(c->art, w[a].s)) { /* "Oil World said" */
        add(c, ENT_PERSON, name, name, pos, 0);
    } else if (b - a == 1 && b < n && (wp(g, &w[b]) & P_SPEECH) &&
               !w[a].allcaps && !(wp(g, &w[a]) & P_GENERIC) &&
               !not_a_person(c, w, a, b)) {
        add(c, ENT_PERSON, name, name, pos, 5);
    } else if (b - a == 1 && w[a].allcaps && strlen(w[a].s) >= 2 &&
               strlen(w[a].s) <= 6 && !strchr(w[a].s, '.') && !w[a].sent &&
               !(wp(g, &w[a]) & P_COMMON) && !(wp(g, &w[a]) & P_NOT_ORG)) {
        add(c, ENT_ORG, name, name, pos, 4); /* kept when seen twice */
    } else if (b - a == 1 && !w[a].sent) {
        int admin = b < n && strcmp(w[b].l, "administration") == 0;
        add(c, ENT_PERSON, name, name, pos, admin ? 2 : 1);
    } else if (b - a >= 2) {
        known_inside(c, w, a, b, name);
    }
}

/* Classifies the run of capitalised words a..b-1 (no titles inside). */
static void classify(struct extraction *c, struct word *w, int a, int b, int n,
                     int after_title)
{
    const struct gazetteer *g = c->g;
    int a0 = a;
    trim_run(c, w, &a, &b);
    if (a >= b)
        return;
    if (lookup_w(g, &g->nonentities, w, a, b) >= 0)
        return;
    char *alt = NULL;
    const char *outer_alt = c->alt;
    int f0 = c->n;
    if (a > a0 && !c->alt) {
        alt = ent_words_name(w, a0, b);
        c->alt = alt;
    }
    /* Shouted text ("REAGAN MEETS U.S.") is read only for known names. */
    int shout = b - a >= 2;
    for (int i = a; i < b && shout; i++)
        shout = w[i].allcaps;
    if (!special_run(c, w, a, b, n, after_title, shout)) {
        char key[KEYMAX];
        char *name = ent_words_name(w, a, b);
        const char *l = name_key(g, w, a, b, key);
        int v;
        if (shout) {
            if ((v = lk(&g->orgs, l)) >= 0)
                add(c, ENT_ORG, g->org_names[v], name, w[a].start, 0);
            else if ((v = lk(&g->place_by_name, l)) >= 0)
                add_place(c, v, name, w[a].start);
        } else if (after_title) {
            classify_titled(c, w, a, b, name, l);
        } else {
            classify_plain(c, w, a, b, n, name, l);
        }
        free(name);
    }
    if (!shout)
        tag_note(c, w, a, b, n, after_title, f0);
    if (alt) {
        free(alt);
        c->alt = outer_alt;
    }
}

/* The end of the run of capitalised words that starts at w[i]. */
static int run_end(const struct extraction *c, struct word *w, int i, int n,
                   const char *text, int base)
{
    const struct gazetteer *g = c->g;
    int j = i + 1, conj = -1, body = 0;
    while (j < n) {
        if (w[j - 1].poss) {
            /* "Moody's Investors Service Inc", "McDonald's Corp": a
             * possessive inside a company's name. */
            int k = j;
            while (k < n && w[k].cap && !w[k].gap && (k == j || !w[k - 1].poss))
                k++;
            /* but "Chevron Corp's Chevron USA Inc" is two companies */
            if (k > j && !w[j].gap && !w[j - 1].allcaps &&
                !(wp(g, &w[j - 1]) & P_HEAD) && (wp(g, &w[k - 1]) & P_HEAD) &&
                !(wp(g, &w[k - 1]) & P_WEAK_HEAD)) {
                j = k;
                continue;
            }
            break;
        }
        int amp = w[j].cap && w[j].gap &&
                  w[j].start - base - w[j - 1].end == 3 &&
                  memcmp(text + w[j].start - 2 - base, "& ", 2) == 0;
        w[j].amp = amp;
        if (w[j].gap && !amp)
            break;
        if (w[j].cap && !amp) {
            j++;
            continue;
        }
        /* "Organisation for Economic Cooperation and Development": after
         * a head, "of" and "for" lead into the body's field */
        int field = (strcmp(w[j].l, "for") == 0 || strcmp(w[j].l, "of") == 0) &&
                    (wp(g, &w[j - 1]) & P_HEAD) &&
                    !(wp(g, &w[j - 1]) & P_WEAK_HEAD);
        if (((wp(g, &w[j]) & P_JOINER) || field) && j + 1 < n && w[j + 1].cap &&
            !w[j + 1].gap) {
            body |= field;
            j += 2;
            continue;
        }
        /* "American Telephone and Telegraph Co", "Harris Upham & Co":
         * kept only when the run ends as a company (checked below). */
        if ((strcmp(w[j].s, "and") == 0 && j + 1 < n && w[j + 1].cap &&
             !w[j + 1].gap) ||
            amp) {
            if (conj < 0)
                conj = j;
            j += amp ? 1 : 2;
            continue;
        }
        /* "Bank of the Philippine Islands", "Chancellor of the
         * Exchequer" */
        if (strcmp(w[j].s, "of") == 0 && j + 2 < n &&
            strcmp(w[j + 1].s, "the") == 0 && w[j + 2].cap && !w[j + 1].gap &&
            !w[j + 2].gap) {
            j += 3;
            continue;
        }
        break;
    }
    /* "Moon and Kim", "X Corp and Y Co": two names, not a company; nor is
     * the end of a list ("Daiwa Securities, Drexel Burnham and UBS"). */
    if (conj >= 0) {
        int list = w[i].punct == ',' && i > 0 && w[i - 1].cap;
        if (body)
            ; /* "Council for Mutual Economic Assistance" */
        else if (!(wp(g, &w[j - 1]) & P_HEAD) || list ||
                 ((wp(g, &w[conj - 1]) & P_HEAD) &&
                  !(wp(g, &w[conj - 1]) & P_WEAK_HEAD)))
            j = conj;
    }
    return j;
}

/* "National Security Council (NSC)": remembers that the acronym in
 * brackets after the run a..j-1 names what the run named. */
static void note_abbr(struct extraction *c, struct word *w, int j, int n,
                      int first_found, const char *text)
{
    /* "British Petroleum Co Plc <BP>": a stock symbol, the same */
    char close = j < n && w[j].punct == '(' ? ')' : '>';
    if (j >= n || (w[j].punct != '(' && w[j].punct != '<') || !w[j].allcaps ||
        strlen(w[j].s) > 8 || text[w[j].end] != close || c->n <= first_found)
        return;
    const struct found *f = &c->v[c->n - 1];
    if (f->kind != ENT_ORG || f->pending)
        return;
    c->abbr = mg_realloc(c->abbr, sizeof *c->abbr * (size_t)(c->nabbr + 1));
    c->abbr[c->nabbr].acronym = mg_strdup(w[j].s);
    c->abbr[c->nabbr].name = mg_strdup(f->name);
    c->nabbr++;
}

static void scan(struct extraction *c, const char *text, int base)
{
    struct words ws;
    words(text, &ws);
    struct word *w = ws.v;
    int n = ws.n;
    for (int i = 0; i < n; i++)
        w[i].start += base; /* positions; end stays an offset in text */
    int i = 0;
    while (i < n) {
        if (!w[i].cap) {
            i++;
            continue;
        }
        int j = run_end(c, w, i, n, text, base);
        /* A known name that goes on past the run's capitals: "BBC One",
         * "Channel 4", "BBC Radio 1". */
        for (int k = j; k < n && k < j + 2 && !w[k].gap; k++)
            if (lookup_w(c->g, &c->g->orgs, w, i, k + 1) >= 0)
                j = k + 1;
        int first_found = c->n;
        /* Title or role words before the run: "leader Kim Jong-un". */
        int kind = 0, titled = 0;
        for (int back = 1; back <= 2 && i - back >= 0; back++)
            if (!w[i - back + 1].gap && w[i - back].lower &&
                title_at(c, w, i - back, i, &kind) == back)
                titled = 1;
        /* Split the run at title words inside it, unless it is an
         * organisation's name ("General Accounting Office"). */
        int a = i;
        for (int k = i; k < j && !(wp(c->g, &w[j - 1]) & P_HEAD); k++) {
            int tlen = title_at(c, w, k, j, &kind);
            if (!tlen || k + tlen >= j)
                continue;
            if (k > a)
                classify(c, w, a, k, n, titled);
            titled = 1;
            /* "Lord Falconer", "Crown Prince Frederik": a rank that is
             * part of the name */
            c->rank = peer_rank(w, k, tlen) ? k : -1;
            a = k = k + tlen;
            k--;
        }
        if (a < j)
            classify(c, w, a, j, n, titled);
        c->rank = -1;
        note_abbr(c, w, j, n, first_found, text);
        i = j;
    }
    free_words(&ws);
}

/* Title-cases an all-capitals word ("REAGAN" -> "Reagan"). */
static char *title_case(const char *s)
{
    char *t = mg_strdup(s);
    int start = 1;
    for (char *p = t; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalpha(ch)) {
            *p = start ? (char)toupper(ch) : (char)tolower(ch);
            start = 0;
        } else {
            start = ch == '-' || ch == '\'' || ch == ' ' || ch == '.';
        }
    }
    return t;
}

/* The known organisation or place (a country or big city when one word)
 * that starts at w[i] of a shouted text, longest first, added to c:
 * returns its length in words, 0 when none. */
static int shout_known(struct extraction *c, struct word *w, int i, int n)
{
    const struct gazetteer *g = c->g;
    int done = 0, v;
    int maxlen = !(wp(g, &w[i]) & P_MULTI_FIRST) ? 1 : n - i < 4 ? n - i : 4;
    for (int len = maxlen; len >= 1 && !done; len--) {
        char k[KEYMAX];
        if (len == 1 && ((wp(g, &w[i]) & P_COMMON) || strlen(w[i].l) < 2))
            continue;
        const char *l = name_key(g, w, i, i + len, k);
        if (lk(&g->nonentities, l) >= 0) {
            done = len;
        } else if ((v = lk(&g->orgs, l)) >= 0) {
            char *s = ent_words_name(w, i, i + len);
            add(c, ENT_ORG, g->org_names[v], s, w[i].start, 0);
            free(s);
            done = len;
        } else if ((v = lk(&g->place_by_name, l)) >= 0 &&
                   (len > 1 || g->places[v].kind == 0 ||
                    g->places[v].population >= 1000000)) {
            char *s = ent_words_name(w, i, i + len);
            add_place(c, v, s, w[i].start);
            free(s);
            done = len;
        } else if (len == 1 && (v = lk(&g->demonyms, l)) >= 0) {
            add_nationality(c, v, w[i].start);
            done = len;
        }
    }
    return done;
}

/* An all-capitals headline ("TREASURY'S BAKER SAYS...", "PRESIDENT REAGAN
 * URGES..."): known organisations and places, and people after a title or
 * before a headline verb.  Everything in it is capitalised, so nothing
 * else can be told from a common word. */
static void scan_shout(struct extraction *c, const char *text)
{
    const struct gazetteer *g = c->g;
    struct words ws;
    words(text, &ws);
    struct word *w = ws.v;
    int n = ws.n;
    for (int i = 0; i < n;) {
        int kind;
        int done = shout_known(c, w, i, n);
        if (done) {
            i += done;
            continue;
        }
        /* a person: after a title, or starting the headline, a clause or
         * after a possessive ("TREASURY'S BAKER"), before a verb */
        int t = title_at(c, w, i, n, &kind);
        int a = i + t, b;
        if (t && kind != 1)
            a = i;    /* roles ("SPOKESMAN") name no one in a headline */
        if (a >= n) { /* a title ends the headline */
            i++;
            continue;
        }
        /* ... "BAKER SAYS REAGAN TO ADDRESS NATION" */
        int lead = a == 0 || w[a].gap || w[a - 1].poss ||
                   strcmp(w[a - 1].l, "and") == 0 ||
                   (wp(g, &w[a - 1]) & P_SPEECH);
        if (a > i || lead) {
            b = a + 1;
        } else {
            i++;
            continue;
        }
        if (b < n && (wp(g, &w[a]) & P_FIRST) && !w[a].poss &&
            !(wp(g, &w[b]) & P_HL_VERB) && !w[b].gap &&
            !(wp(g, &w[b]) & P_COMMON) && !is_region_word(c, &w[b]))
            b++; /* "HOWARD BAKER" */
        int verb = b < n && (wp(g, &w[b]) & P_HL_VERB) && !w[b].gap;
        /* a possessive only after a title: "PRESIDENT REAGAN'S VETO" */
        int ok = (a > i || verb) && w[a].allcaps && (!w[b - 1].poss || a > i) &&
                 !(wp(g, &w[a]) & P_COMMON) && !(wp(g, &w[a]) & P_HL_VERB) &&
                 !(wp(g, &w[b - 1]) & P_HEAD) &&
                 !(wp(g, &w[b - 1]) & P_NOT_SURNAME) &&
                 !is_region_word(c, &w[a]) &&
                 lookup_w(g, &g->orgs, w, a, b) < 0 &&
                 lookup_w(g, &g->place_by_name, w, a, b) < 0 &&
                 !title_at(c, w, a, b, &kind);
        if (ok) {
            char *raw = ent_words_name(w, a, b), *name = title_case(raw);
            add(c, ENT_PERSON, name, raw, w[a].start, b - a == 1 ? 5 : 0);
            free(raw);
            free(name);
            i = b;
        } else {
            i = a > i ? a : i + 1;
        }
    }
    free_words(&ws);
}

/* True when the article also writes word in lower case, as a common
 * word ("the drug", "in time"): then the capitalised word is no family
 * name. */
int ent_written_lower(const struct article *a, const char *word)
{
    char *l = gaz_lower(word);
    int found = ent_written_lower_l(a, l);
    free(l);
    return found;
}

int ent_written_lower_l(const struct article *a, const char *l)
{
    size_t n = strlen(l);
    int found = 0;
    const char *texts[] = {a->body, a->captions};
    for (size_t t = 0; t < 2 && !found; t++) {
        for (const char *p = texts[t]; p && n && (p = strstr(p, l)); p += n) {
            int before = p > texts[t] && isalpha((unsigned char)p[-1]);
            int after = isalpha((unsigned char)p[n]);
            if (!before && !after) {
                found = 1;
                break;
            }
        }
    }
    return found;
}

/* Reads the article's title (a shouted one for known names only), its
 * dateline's place, body and captions into c's found names. */
void ent_find(struct extraction *c)
{
    const struct article *a = c->art;
    const struct gazetteer *g = c->g;
    int has_lower = 0;
    for (const char *p = a->title ? a->title : ""; *p; p++)
        has_lower |= islower((unsigned char)*p) != 0;
    tag_begin(c);
    c->field = 't';
    if (a->title && has_lower)
        scan(c, a->title, 0);
    else if (a->title)
        scan_shout(c, a->title);
    if (a->dateline && *a->dateline) {
        /* "SALVADOR" and "LONDON, England" name a place. */
        char *d = mg_strdup(a->dateline);
        char *comma = strchr(d, ',');
        if (comma)
            *comma = 0;
        int v = gaz_lookup(&g->place_by_name, mg_trim(d));
        if (v >= 0)
            add_place(c, v, a->dateline, 0);
        free(d);
    }
    int base = 1 << 20; /* body offsets after the title's */
    c->field = 'b';
    if (a->body)
        scan(c, a->body, base);
    c->field = 'c';
    if (a->captions)
        scan(c, a->captions, base * 2);
    c->field = 'y';
    if (a->byline)
        scan(c, a->byline, base * 3);
    tag_decide(c);
}
