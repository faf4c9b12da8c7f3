/*
 * entities.c - rule-based named-entity extraction over the gazetteer.
 *
 * An article's text is cut into words; runs of capitalised words (with the
 * joiners news names use: "of", "al-", "de", hyphens, apostrophes) are the
 * candidates.  A run is split at title words ("Treasury Secretary James
 * Baker") and possessives, then classified: organisation (gazetteer or an
 * organisation head word such as Bank, Corp, Ministry), place (gazetteer,
 * nationality adjective), person (after a title or role word, a known first
 * name, an East Asian family name, or before "said"/"told").  Lone
 * surnames join the full name mentioned earlier; anything unresolved is
 * left out: a facet list shows names a reader sees, so precision comes
 * before recall.
 */
#include "entities.h"

#include <sqlite3.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "store.h"
#include "strmap.h"

extern const char gaz_places_tsv[], gaz_demonyms_tsv[], gaz_first_names_tsv[],
    gaz_orgs_tsv[], gaz_titles_tsv[];

/* ---- the gazetteer ------------------------------------------------- */

struct place {
    char *canonical;
    char country[3];
    int kind; /* 0 country, 1 subdivision, 2 city */
    long population;
};

struct gazetteer {
    struct place *places;
    int nplaces;
    struct strmap place_by_name;   /* lower-case name -> best place */
    struct strmap country_by_code; /* "US" -> place */
    struct strmap demonyms;        /* lower-case adjective -> place */
    struct strmap first_names;     /* lower-case -> 1 */
    struct strmap orgs;            /* lower-case name -> index in org_names */
    char **org_names;
    int norgs;
    struct strmap titles; /* lower-case word or phrase -> 1 title, 2 role */
};

/* Lower-cases UTF-8 (case folding) into a new string. */
static char *lower(const char *s)
{
    const char *p = s;
    while (*p && (unsigned char)*p < 0x80)
        p++;
    if (!*p) /* ASCII: no Unicode folding needed */
        return mg_lower_ascii(s);
    utf8proc_uint8_t *out = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
                     UTF8PROC_NULLTERM | UTF8PROC_CASEFOLD |
                         UTF8PROC_COMPOSE) < 0)
        return mg_lower_ascii(s);
    return (char *)out;
}

/* Calls fn for each data line of a TSV (no '#' comments), with its fields
 * split (at most 8). */
static void tsv_each(const char *tsv, void (*fn)(void *, char **, int),
                     void *ctx)
{
    const char *p = tsv;
    char *f[8];
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n && *p != '#') {
            char *line = mg_strndup(p, n);
            int nf = 0;
            char *save = line;
            f[nf++] = line;
            for (char *q = line; *q && nf < 8; q++)
                if (*q == '\t') {
                    *q = 0;
                    f[nf++] = q + 1;
                }
            fn(ctx, f, nf);
            free(save);
        }
        p += n + (eol ? 1 : 0);
    }
}

static void load_place(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 4)
        return;
    int kind = strcmp(f[2], "country") == 0 ? 0
               : strcmp(f[2], "subdivision") == 0 ? 1
                                                  : 2;
    if (g->nplaces % 4096 == 0)
        g->places = mg_realloc(g->places, sizeof *g->places *
                                              (size_t)(g->nplaces + 4096));
    struct place *pl = &g->places[g->nplaces];
    pl->canonical = mg_strdup(f[1]);
    snprintf(pl->country, sizeof pl->country, "%s", f[3]);
    pl->kind = kind;
    pl->population = nf > 4 ? atol(f[4]) : 0;
    char *k = lower(f[0]);
    int64_t *slot = strmap_slot(&g->place_by_name, k, 1);
    /* The best place of a name: a country, else the largest city, else a
     * subdivision. */
    if (*slot < 0) {
        *slot = g->nplaces;
    } else {
        struct place *o = &g->places[*slot];
        int better = kind == 0 ? o->kind != 0
                     : o->kind == 0 ? 0
                     : kind == 2 && (o->kind != 2 || pl->population > o->population);
        if (better)
            *slot = g->nplaces;
    }
    free(k);
    if (kind == 0 && strcmp(f[0], f[1]) == 0)
        *strmap_slot(&g->country_by_code, pl->country, 1) = g->nplaces;
    g->nplaces++;
}

static void load_demonym(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 2)
        return;
    char *k = lower(f[0]), *c = lower(f[1]);
    int p = (int)strmap_get(&g->place_by_name, c);
    if (p >= 0)
        *strmap_slot(&g->demonyms, k, 1) = p;
    free(k);
    free(c);
}

static void load_first(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 1)
        return;
    char *k = lower(f[0]);
    *strmap_slot(&g->first_names, k, 1) = 1;
    free(k);
}

static void load_org(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 2)
        return;
    if (g->norgs % 256 == 0)
        g->org_names = mg_realloc(g->org_names, sizeof *g->org_names *
                                                    (size_t)(g->norgs + 256));
    g->org_names[g->norgs] = mg_strdup(f[1]);
    char *k = lower(f[0]);
    *strmap_slot(&g->orgs, k, 1) = g->norgs++;
    free(k);
}

static void load_title(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 2)
        return;
    char *k = lower(f[0]);
    int v = strcmp(f[1], "title") == 0 || strcmp(f[1], "honorific") == 0 ? 1
                                                                          : 2;
    *strmap_slot(&g->titles, k, 1) = v;
    free(k);
}

struct gazetteer *gaz_load(void)
{
    struct gazetteer *g = mg_calloc(1, sizeof *g);
    tsv_each(gaz_places_tsv, load_place, g);
    tsv_each(gaz_demonyms_tsv, load_demonym, g);
    tsv_each(gaz_first_names_tsv, load_first, g);
    tsv_each(gaz_orgs_tsv, load_org, g);
    tsv_each(gaz_titles_tsv, load_title, g);
    return g;
}

void gaz_free(struct gazetteer *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nplaces; i++)
        free(g->places[i].canonical);
    free(g->places);
    for (int i = 0; i < g->norgs; i++)
        free(g->org_names[i]);
    free(g->org_names);
    strmap_free(&g->place_by_name);
    strmap_free(&g->country_by_code);
    strmap_free(&g->demonyms);
    strmap_free(&g->first_names);
    strmap_free(&g->orgs);
    strmap_free(&g->titles);
    free(g);
}

/* ---- words --------------------------------------------------------- */

struct word {
    int start, end;   /* bytes in the text */
    char *s;          /* the word, possessive removed */
    int cap;          /* starts with a capital letter */
    int allcaps;      /* two or more letters, all capitals */
    int lower;        /* starts with a lower-case letter */
    int sent;         /* first word of a sentence */
    int poss;         /* ended in 's / ’s */
    int gap;          /* punctuation (not just space) before it */
};

static int is_letter(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* Cuts text into words; joiners inside a word: hyphen, apostrophe, a dot
 * between single letters (U.S.). */
static struct word *words(const char *t, int *count)
{
    struct word *v = NULL;
    int n = 0, cap = 0, i = 0, len = (int)strlen(t);
    int sent = 1, gap = 1;
    while (i < len) {
        int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)t + i, len - i, &cp);
        if (k <= 0) {
            i++;
            continue;
        }
        if (!is_letter(cp) && !(cp >= '0' && cp <= '9')) {
            /* "James E. Smith": an initial's full stop ends nothing. */
            int initial = cp == '.' && n > 0 && v[n - 1].end == i &&
                          v[n - 1].end - v[n - 1].start == 1 &&
                          isupper((unsigned char)t[i - 1]);
            if (initial) {
                i += (int)k;
                continue;
            }
            if (cp == '.' || cp == '!' || cp == '?' || cp == '\n' ||
                cp == ':' || cp == ';')
                sent = 1;
            if (cp != ' ')
                gap = 1;
            i += (int)k;
            continue;
        }
        int s = i, e = i;
        while (e < len) {
            int32_t c2;
            utf8proc_ssize_t k2 = utf8proc_iterate(
                (const utf8proc_uint8_t *)t + e, len - e, &c2);
            if (k2 <= 0)
                break;
            if (is_letter(c2) || (c2 >= '0' && c2 <= '9') ||
                utf8proc_category(c2) == UTF8PROC_CATEGORY_MN) {
                e += (int)k2;
                continue;
            }
            /* joiners followed by a letter: - ' ’ and the dots of U.S. */
            int32_t c3 = 0;
            if (e + k2 < len)
                utf8proc_iterate((const utf8proc_uint8_t *)t + e + k2,
                                 len - e - k2, &c3);
            if ((c2 == '-' || c2 == '\'' || c2 == 0x2019) && c3 > 0 &&
                is_letter(c3)) {
                e += (int)k2;
                continue;
            }
            if (c2 == '.' && e - s >= 1 && c3 > 0 && is_letter(c3) &&
                (e - s == 1 || t[e - 2] == '.')) {
                e += (int)k2;
                continue;
            }
            if (c2 == '.' && e >= 2 && t[e - 2] == '.' ) { /* U.S. end */
                e += (int)k2;
                break;
            }
            break;
        }
        if (n == cap)
            v = mg_realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 256));
        struct word *w = &v[n++];
        memset(w, 0, sizeof *w);
        w->start = s;
        w->end = e;
        w->s = mg_strndup(t + s, (size_t)(e - s));
        size_t wl = strlen(w->s);
        if (wl > 2 && (w->s[wl - 1] == 's' || w->s[wl - 1] == 'S') &&
            w->s[wl - 2] == '\'') {
            w->s[wl - 2] = 0;
            w->poss = 1;
        } else if (wl > 4 && w->s[wl - 1] == 's' &&
                   memcmp(w->s + wl - 4, "\xE2\x80\x99", 3) == 0) {
            w->s[wl - 4] = 0;
            w->poss = 1;
        }
        utf8proc_iterate((const utf8proc_uint8_t *)w->s, -1, &cp);
        w->cap = utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
        w->lower = utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
        int letters = 0, upper = 0;
        for (const char *q = w->s; *q; q++)
            if (isalpha((unsigned char)*q)) {
                letters++;
                upper += isupper((unsigned char)*q) != 0;
            }
        w->allcaps = letters >= 2 && letters == upper;
        w->sent = sent;
        w->gap = gap;
        sent = gap = 0;
        i = e;
        /* A full stop ending "U.S." may also end the sentence; a following
         * capital decides nothing, so leave sent at 0. */
    }
    *count = n;
    return v;
}

static void free_words(struct word *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].s);
    free(v);
}

/* ---- classification ------------------------------------------------- */

/* Capitalised words that begin sentences without being names. */
static const char *const COMMON[] = {
    "the", "a", "an", "but", "and", "or", "in", "on", "at", "for", "from",
    "with", "later", "after", "before", "it", "he", "she", "they", "we",
    "i", "this", "that", "these", "those", "his", "her", "their", "its",
    "as", "if", "when", "while", "any", "police", "officials", "earlier",
    "last", "next", "some", "many", "most", "all", "no", "not", "there",
    "here", "what", "who", "why", "how", "where", "analysts", "traders",
    "sources", "shares", "net", "revs", "shr", "qtr", "oper", "avg",
    "also", "however", "meanwhile", "both", "each", "other", "such",
    "under", "over", "by", "to", "of", "about", "than", "then", "so",
    "our", "your", "my", "one", "two", "three", "new", "first", "second",
    "third", "final", "former", "special", "vice", "deputy", "acting",
    "olympic", "winter", "summer", "read", "share", "click", "photo",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "mln", "billion", "million", "pct", "dlrs", "year",
    "week", "month", "today", "yesterday", "tomorrow", "reuter", "reuters",
    NULL};

static int in_list(const char *const *list, const char *w)
{
    /* The lists are short and lower case: compare first letters first. */
    int c = tolower((unsigned char)w[0]);
    for (int i = 0; list[i]; i++)
        if (list[i][0] == c && strcasecmp(list[i], w) == 0)
            return 1;
    return 0;
}

/* Words that end an organisation's name. */
static const char *const ORG_HEADS[] = {
    "inc", "corp", "co", "ltd", "plc", "ag", "sa", "nv", "bv", "gmbh",
    "llc", "lp", "bank", "party", "ministry", "agency", "council",
    "committee", "association", "federation", "university", "reserve",
    "exchange", "union", "organisation", "organization", "group",
    "commission", "department", "fund", "board", "authority", "institute",
    "corporation", "company", "holdings", "trust", "bancorp",
    "bankshares", "securities", "industries", "airlines", "airways",
    "motors", "petroleum", "oil", "systems", "technologies", "partners",
    "court", "parliament", "assembly", "congress", "senate", "office",
    "foundation", "society", "college", "school", "bureau", "cos",
    "traders", "management", "brothers", "bros", "associates", "capital",
    "electric", "power", "energy", "chemical", "chemicals", "steel",
    "hospital", "church", "army", "navy", "league", "club", "times",
    "post", "journal", "news", "press", "television", "radio", NULL};

/* Capitalised nouns that are not names even after a title word. */
static const char *const NOT_NAMES[] = {
    "agreement", "act", "treaty", "accord", "plan", "program", "programme",
    "bill", "report", "corp", "co", "inc", "ltd", "rep", "sen", "gov",
    "mr", "mrs", "ms", "dr", "general", "minister", "secretary", NULL};

/* Acronyms that are units, grades or numerals, not organisations. */
static const char *const NOT_ORGS[] = {
    "cwt", "fob", "cif", "bbb", "aaa", "aa", "cst", "est", "edt", "gmt",
    "pst", "cdt", "pct", "dlrs", "mln", "bpd", "lbs", "kg", "hfcs", "ii",
    "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "kc", "la", "hf",
    "rd", "reut", "mtc", "ok", "tv", "ceo", "cfo", "gdp", "gnp", "ad", "bc",
    "am", "pm", "nb", "ps", "usa", "ecu", "sdr", "sdrs", "opec", NULL};

/* East Asian family names that start three-syllable names. */
static const char *const ASIAN_SURNAMES[] = {
    "kim", "lee", "yi", "park", "pak", "choi", "jung", "chung", "kang",
    "cho", "yoon", "jang", "lim", "han", "oh", "seo", "shin", "kwon",
    "hwang", "ahn", "song", "hong", "moon", "roh", "ri", "xi", "li", "wang",
    "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "hu",
    "deng", "mao", "jiang", "wen", "zhu", "nguyen", "tran", "le", "pham",
    "vo", "ngo", NULL};

/* Words after a name that make it a person ("Baker said"). */
static const char *const SPEECH[] = {"said", "says", "told", "added",
                                     "noted", "stated", "declared", "asked",
                                     "warned", "argued", NULL};

struct found {
    enum ent_kind kind;
    char *name;    /* canonical or surface */
    char *surface;
    int pos;
    int pending;   /* a lone word waiting for a full name */
};

struct ctx {
    const struct gazetteer *g;
    struct found *v;
    int n, cap;
};

static void add(struct ctx *c, enum ent_kind k, const char *name,
                const char *surface, int pos, int pending)
{
    if (c->n == c->cap)
        c->v = mg_realloc(c->v, sizeof *c->v * (size_t)(c->cap = c->cap ? c->cap * 2 : 32));
    c->v[c->n++] = (struct found){k, mg_strdup(name), mg_strdup(surface), pos,
                                  pending};
}

/* The words a..b-1 joined with spaces. */
static char *join(const struct word *w, int a, int b)
{
    struct buf s = {0};
    for (int i = a; i < b; i++) {
        if (i > a)
            buf_addc(&s, ' ');
        buf_adds(&s, w[i].s);
    }
    return buf_take(&s);
}

static int lookup(const struct strmap *m, const char *name)
{
    char *k = lower(name);
    int v = (int)strmap_get(m, k);
    size_t n = strlen(k);
    /* "U.S" (its last dot taken by a comma) is "U.S.". */
    if (v < 0 && n >= 3 && k[n - 2] == '.') {
        char *d = mg_malloc(n + 2);
        memcpy(d, k, n);
        d[n] = '.';
        d[n + 1] = 0;
        v = (int)strmap_get(m, d);
        free(d);
    }
    free(k);
    return v;
}

/* True when the words after b make a1..b an event's host place: "the
 * PyeongChang Winter Olympics", "the Seoul Games". */
static int before_games(const struct word *w, int b, int n)
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
static int city_in_context(const struct ctx *c, int p, const struct word *w,
                           int a, int b)
{
    static const char *const PREP[] = {"in", "at", "from", "near", "to",
                                       "outside", "across", "via", "into",
                                       NULL};
    const struct place *pl = &c->g->places[p];
    if (pl->kind != 2 || b - a > 1 || pl->population >= 1000000)
        return 1;
    return a > 0 && !w[a].gap && in_list(PREP, w[a - 1].s);
}

/* Adds a place (and, for a city, its country). */
static void add_place(struct ctx *c, int p, const char *surface, int pos)
{
    const struct place *pl = &c->g->places[p];
    add(c, ENT_PLACE, pl->canonical, surface, pos, 0);
    if (pl->kind != 0) {
        int cp = (int)strmap_get(&c->g->country_by_code, pl->country);
        if (cp >= 0) /* implied: the city's country */
            add(c, ENT_PLACE, c->g->places[cp].canonical, "", pos, 3);
    }
}

/* Length of a title or role phrase starting at w[i] (up to 4 words), or 0;
 * *kind gets 1 (title) or 2 (role). */
static int title_at(const struct ctx *c, const struct word *w, int i, int n,
                    int *kind)
{
    for (int len = 4; len >= 1; len--) {
        if (i + len > n)
            continue;
        char *p = join(w, i, i + len);
        int v = lookup(&c->g->titles, p);
        /* "Mr." is read as "Mr" by the word cutter. */
        free(p);
        if (v > 0) {
            *kind = v;
            return len;
        }
    }
    return 0;
}

static int is_person_shape(const struct ctx *c, const struct word *w, int a,
                           int b)
{
    if (b - a < 2 || b - a > 4)
        return 0;
    char *first = lower(w[a].s);
    int known = (int)strmap_get(&c->g->first_names, first) >= 0;
    int asian = in_list(ASIAN_SURNAMES, first) &&
                (strchr(w[a + 1].s, '-') || b - a == 2);
    free(first);
    if (in_list(ORG_HEADS, w[b - 1].s))
        return 0;
    for (int i = a; i < b; i++)
        if (w[i].allcaps && strlen(w[i].s) > 1 && !strchr(w[i].s, '.'))
            return 0;
    return known || asian;
}

/* An organisation's name without its company-form words ("GTE Corp" and
 * "GTE" are one). */
static char *org_key(const char *name)
{
    static const char *const FORMS[] = {"inc", "corp", "co", "ltd", "plc",
                                        "corporation", "company", "llc",
                                        "ag", "sa", "nv", "cos", NULL};
    char *d = mg_strdup(name);
    for (;;) {
        char *sp = strrchr(d, ' ');
        if (!sp || !in_list(FORMS, sp + 1))
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

static int joiner(const char *s)
{
    static const char *const J[] = {"of", "de", "da", "van", "von", "der",
                                    "al", "bin", "la", "du", "del", "y",
                                    "le", "den", NULL};
    return in_list(J, s);
}

/* Classifies the run of capitalised words a..b-1 (no titles inside). */
static void classify(struct ctx *c, const struct word *w, int a, int b,
                     int n, int after_title)
{
    /* A sentence's first word is part of a known name or of a company
     * ("New York", "First Boston Corp"); otherwise a common word there is
     * just capitalised. */
    int keep_first = 0;
    if (b - a >= 2 && w[a].sent) {
        char *all = join(w, a, b);
        keep_first = in_list(ORG_HEADS, w[b - 1].s) ||
                     lookup(&c->g->place_by_name, all) >= 0 ||
                     lookup(&c->g->orgs, all) >= 0;
        free(all);
    }
    while (a < b && (strcasecmp(w[a].s, "the") == 0 || joiner(w[a].s) ||
                     (!keep_first && w[a].sent && in_list(COMMON, w[a].s))))
        a++;
    /* "Reagan Friday": weekdays and months end no name. */
    while (b > a && in_list(COMMON, w[b - 1].s))
        b--;
    if (a >= b)
        return;
    /* Shouted text ("REAGAN MEETS U.S.") is read only for known names. */
    int shout = b - a >= 2;
    for (int i = a; i < b && shout; i++)
        shout = w[i].allcaps;
    /* "Exchequer Nigel Lawson": a name starts at its first name. */
    if (b - a >= 3 && !shout) {
        char *l0 = lower(w[a].s);
        int named = (int)strmap_get(&c->g->first_names, l0) >= 0 ||
                    in_list(ASIAN_SURNAMES, l0);
        free(l0);
        for (int k = a + 1; k < b - 1 && !named; k++) {
            char *l = lower(w[k].s);
            int first = (int)strmap_get(&c->g->first_names, l) >= 0;
            free(l);
            if (first && !joiner(w[k - 1].s)) {
                classify(c, w, a, k, n, 0);
                classify(c, w, k, b, n, after_title);
                return;
            }
        }
    }
    /* "PyeongChang Winter Olympics": the host place before the games. */
    int g = b;
    while (g > a && (strcmp(w[g - 1].s, "Olympics") == 0 ||
                     strcmp(w[g - 1].s, "Games") == 0 ||
                     strcmp(w[g - 1].s, "Winter") == 0 ||
                     strcmp(w[g - 1].s, "Summer") == 0))
        g--;
    if (g > a && g < b && before_games(w, g, b) && g - a <= 2) {
        char *host = join(w, a, g);
        int p = lookup(&c->g->place_by_name, host);
        if (p >= 0)
            add_place(c, p, host, w[a].start);
        else
            add(c, ENT_PLACE, host, host, w[a].start, 0);
        free(host);
        return;
    }
    /* "the Reagan Administration": the person (or place) it names. */
    if (b - a == 2 && strcasecmp(w[b - 1].s, "administration") == 0) {
        char *who = join(w, a, a + 1);
        int p = lookup(&c->g->place_by_name, who);
        if (p >= 0)
            add_place(c, p, who, w[a].start);
        else if (!w[a].allcaps)
            add(c, ENT_PERSON, who, who, w[a].start, 2);
        free(who);
        return;
    }
    /* "Don Nickles of Oklahoma": a person, then a place. */
    for (int k = a + 2; k < b - 1; k++)
        if (strcmp(w[k].s, "of") == 0 && is_person_shape(c, w, a, k)) {
            classify(c, w, a, k, n, after_title);
            classify(c, w, k + 1, b, n, 0);
            return;
        }
    char *name = join(w, a, b);
    int pos = w[a].start;
    int v;
    if (shout) {
        if ((v = lookup(&c->g->orgs, name)) >= 0)
            add(c, ENT_ORG, c->g->org_names[v], name, pos, 0);
        else if ((v = lookup(&c->g->place_by_name, name)) >= 0)
            add_place(c, v, name, pos);
    } else if (after_title && (in_list(ORG_HEADS, w[b - 1].s) ||
                        (b - a == 1 && in_list(NOT_NAMES, w[a].s)))) {
        if (b - a >= 2)
            add(c, ENT_ORG, name, name, pos, 0);
    } else if (after_title) {
        add(c, ENT_PERSON, name, name, pos, b - a == 1 ? 2 : 0);
    } else if ((v = lookup(&c->g->orgs, name)) >= 0) {
        add(c, ENT_ORG, c->g->org_names[v], name, pos, 0);
    } else if ((v = lookup(&c->g->place_by_name, name)) >= 0 &&
               !(b - a == 1 && in_list(COMMON, w[a].s))) {
        if (city_in_context(c, v, w, a, b))
            add_place(c, v, name, pos);
    } else if ((v = lookup(&c->g->demonyms, name)) >= 0) {
        add_place(c, v, name, pos);
    } else if (b - a >= 2 && in_list(ORG_HEADS, w[b - 1].s)) {
        /* "Co Inc" alone is what is left of a name cut short. */
        char *k = org_key(name);
        if (*k)
            add(c, ENT_ORG, name, name, pos, 0);
        free(k);
    } else if (is_person_shape(c, w, a, b)) {
        /* "Morgan Stanley and Co", "Harris Upham & Co": a firm. */
        int firm = b + 1 < n && strcmp(w[b].s, "and") == 0 &&
                   in_list(ORG_HEADS, w[b + 1].s);
        if (firm)
            add(c, ENT_ORG, name, name, pos, 0);
        else
            add(c, ENT_PERSON, name, name, pos, 0);
    } else if (b < n && b - a <= 3 && in_list(SPEECH, w[b].s) &&
               !w[a].allcaps) {
        add(c, ENT_PERSON, name, name, pos, b - a == 1);
    } else if (b - a == 1 && w[a].allcaps && strlen(w[a].s) >= 2 &&
               strlen(w[a].s) <= 6 && !strchr(w[a].s, '.') && !w[a].sent &&
               !in_list(COMMON, w[a].s) && !in_list(NOT_ORGS, w[a].s)) {
        add(c, ENT_ORG, name, name, pos, 4); /* kept when seen twice */
    } else if (b - a == 1 && !w[a].sent) {
        int admin = b < n && strcasecmp(w[b].s, "administration") == 0;
        add(c, ENT_PERSON, name, name, pos, admin ? 2 : 1);
    } else if (b - a >= 2) {
        /* Known places or organisations inside a longer run. */
        for (int i = a; i < b;) {
            int done = 0;
            for (int len = b - i < 4 ? b - i : 4; len >= 1 && !done; len--) {
                char *sub = join(w, i, i + len);
                if (len == 1 && (w[i].sent || in_list(COMMON, sub))) {
                    free(sub);
                    continue;
                }
                if ((v = lookup(&c->g->orgs, sub)) >= 0)
                    add(c, ENT_ORG, c->g->org_names[v], sub, w[i].start, 0),
                        done = len;
                else if ((v = lookup(&c->g->place_by_name, sub)) >= 0)
                    add_place(c, v, sub, w[i].start), done = len;
                else if ((v = lookup(&c->g->demonyms, sub)) >= 0)
                    add_place(c, v, sub, w[i].start), done = len;
                free(sub);
            }
            i += done ? done : 1;
        }
    }
    free(name);
}

static void scan(struct ctx *c, const char *text, int base)
{
    int n;
    struct word *w = words(text, &n);
    for (int i = 0; i < n; i++)
        w[i].start += base;
    int i = 0;
    while (i < n) {
        if (!w[i].cap) {
            i++;
            continue;
        }
        /* The run: capitalised words, joiners between them, no
         * punctuation, ended by a possessive. */
        int j = i + 1, conj = -1;
        while (j < n && !w[j - 1].poss) {
            int amp = w[j].cap && w[j].gap &&
                      w[j].start - w[j - 1].end == 3 &&
                      memcmp(text + w[j].start - 2 - base, "& ", 2) == 0;
            if (w[j].gap && !amp)
                break;
            if (w[j].cap && !amp) {
                j++;
                continue;
            }
            if (joiner(w[j].s) && j + 1 < n && w[j + 1].cap && !w[j + 1].gap) {
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
                strcmp(w[j + 1].s, "the") == 0 && w[j + 2].cap &&
                !w[j + 1].gap && !w[j + 2].gap) {
                j += 3;
                continue;
            }
            break;
        }
        /* "Moon and Kim", "X Corp and Y Co": two names, not a company. */
        if (conj >= 0 && (!in_list(ORG_HEADS, w[j - 1].s) ||
                          in_list(ORG_HEADS, w[conj - 1].s)))
            j = conj;
        /* Title or role words before the run: "leader Kim Jong-un". */
        int kind = 0, titled = 0;
        for (int back = 1; back <= 2 && i - back >= 0; back++)
            if (!w[i - back + 1].gap && w[i - back].lower &&
                title_at(c, w, i - back, i, &kind) == back)
                titled = 1;
        /* Split the run at title words inside it, unless it is an
         * organisation's name ("General Accounting Office"). */
        int a = i;
        for (int k = i; k < j && !in_list(ORG_HEADS, w[j - 1].s); k++) {
            int tlen = title_at(c, w, k, j, &kind);
            if (!tlen || k + tlen >= j)
                continue;
            if (k > a)
                classify(c, w, a, k, n, titled);
            titled = 1;
            a = k = k + tlen;
            k--;
        }
        if (a < j)
            classify(c, w, a, j, n, titled);
        i = j;
    }
    free_words(w, n);
}

/* ---- merging -------------------------------------------------------- */

/* The family name of a full person name: the first word of an East Asian
 * three-part name ("Moon Jae-in"), else the last word. */
static char *surname(const char *full)
{
    const char *sp = strchr(full, ' ');
    if (!sp)
        return mg_strdup(full);
    char *first = lower(full);
    first[sp - full] = 0;
    int asian = in_list(ASIAN_SURNAMES, first) && strchr(sp + 1, '-');
    free(first);
    if (asian)
        return mg_strndup(full, (size_t)(sp - full));
    return mg_strdup(strrchr(full, ' ') + 1);
}

static void ent_add(struct ent_set *s, enum ent_kind k, const char *name,
                    const char *surface, int pos)
{
    char *key = k == ENT_ORG ? org_key(name) : ent_key(name);
    if (!*key) {
        free(key);
        return;
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
    } else {
        free(key);
        if (pos < e->first)
            e->first = pos;
    }
    e->count++;
    if (surface && *surface) {
        for (int i = 0; i < e->nmentions; i++)
            if (strcmp(e->mentions[i], surface) == 0)
                return;
        e->mentions = mg_realloc(e->mentions,
                                 sizeof *e->mentions * (size_t)(e->nmentions + 1));
        e->mentions[e->nmentions++] = mg_strdup(surface);
    }
}

void ent_extract(const struct gazetteer *g, const struct article *a,
                 struct ent_set *out)
{
    memset(out, 0, sizeof *out);
    struct ctx c = {g, NULL, 0, 0};
    int has_lower = 0;
    for (const char *p = a->title ? a->title : ""; *p; p++)
        has_lower |= islower((unsigned char)*p) != 0;
    if (a->title && has_lower)
        scan(&c, a->title, 0);
    if (a->dateline && *a->dateline) {
        /* "SALVADOR" and "LONDON, England" name a place. */
        char *d = mg_strdup(a->dateline);
        char *comma = strchr(d, ',');
        if (comma)
            *comma = 0;
        int v = lookup(&g->place_by_name, mg_trim(d));
        if (v >= 0)
            add_place(&c, v, a->dateline, 0);
        free(d);
    }
    int base = 1 << 20; /* body offsets after the title's */
    if (a->body)
        scan(&c, a->body, base);
    if (a->captions)
        scan(&c, a->captions, base * 2);
    /* Full names first; then lone words join the one full name whose
     * family name they are, and are dropped when none or several are. */
    for (int i = 0; i < c.n; i++)
        if (!c.v[i].pending)
            ent_add(out, c.v[i].kind, c.v[i].name, c.v[i].surface, c.v[i].pos);
    /* Unknown acronyms count as organisations when used twice. */
    for (int i = 0; i < c.n; i++) {
        if (c.v[i].pending != 4)
            continue;
        int seen = 0;
        for (int k = 0; k < c.n; k++)
            seen += c.v[k].pending == 4 && strcmp(c.v[k].name, c.v[i].name) == 0;
        if (seen >= 2)
            ent_add(out, ENT_ORG, c.v[i].name, c.v[i].surface, c.v[i].pos);
    }
    /* Countries implied by their cities: kept, with no mention of their
     * own unless the text names them too. */
    for (int i = 0; i < c.n; i++)
        if (c.v[i].pending == 3) {
            char *key = ent_key(c.v[i].name);
            int named = 0;
            for (int k = 0; k < out->n; k++)
                if (out->v[k].kind == ENT_PLACE && strcmp(out->v[k].key, key) == 0)
                    named = 1;
            free(key);
            if (!named) {
                ent_add(out, ENT_PLACE, c.v[i].name, "", c.v[i].pos);
                out->v[out->n - 1].count = 0;
                out->v[out->n - 1].implied = 1;
            }
        }
    for (int i = 0; i < c.n; i++) {
        struct found *f = &c.v[i];
        if (!f->pending || f->pending >= 3)
            continue;
        struct ent *match = NULL;
        int matches = 0;
        for (int k = 0; k < out->n; k++) {
            struct ent *e = &out->v[k];
            if (e->kind != ENT_PERSON || !strchr(e->canonical, ' '))
                continue;
            char *sn = surname(e->canonical);
            if (strcasecmp(sn, f->name) == 0)
                match = e, matches++;
            free(sn);
        }
        if (matches == 1)
            ent_add(out, ENT_PERSON, match->canonical, f->surface, f->pos);
        else if (matches == 0 && f->pending == 2 && f->kind == ENT_PERSON)
            ent_add(out, ENT_PERSON, f->name, f->surface, f->pos);
    }
    /* A lone name that is also a full name's family name was added
     * before the full name existed: fold it in. */
    for (int i = 0; i < out->n; i++) {
        struct ent *e = &out->v[i];
        if (e->kind != ENT_PERSON || strchr(e->canonical, ' '))
            continue;
        for (int k = 0; k < out->n; k++) {
            struct ent *f = &out->v[k];
            if (k == i || f->kind != ENT_PERSON || !strchr(f->canonical, ' '))
                continue;
            char *sn = surname(f->canonical);
            int same = strcasecmp(sn, e->canonical) == 0;
            free(sn);
            if (same) {
                f->count += e->count;
                e->count = 0;
                break;
            }
        }
    }
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
    for (int i = 0; i < c.n; i++) {
        free(c.v[i].name);
        free(c.v[i].surface);
    }
    free(c.v);
}

char *ent_names(const struct ent_set *s)
{
    struct buf b = {0};
    for (int i = 0; i < s->n; i++) {
        if (b.len)
            buf_addc(&b, '\n');
        buf_adds(&b, s->v[i].canonical);
    }
    return buf_take(&b);
}

/* ---- merging across the index --------------------------------------- */

struct person_row {
    int64_t id;
    char *surname_key; /* of a full name; NULL for a lone name */
    char *key;
    int links;
};

static int by_surname(const void *a, const void *b)
{
    const struct person_row *x = a, *y = b;
    if (!x->surname_key || !y->surname_key)
        return !x->surname_key - !y->surname_key;
    return strcmp(x->surname_key, y->surname_key);
}

int ent_merge_surnames(struct store *st, struct mg_err *err)
{
    sqlite3 *db = store_db(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT e.id, e.canonical, e.key,"
                           " (SELECT count(*) FROM article_entities ae"
                           "  WHERE ae.entity_id = e.id)"
                           " FROM entities e WHERE e.kind = 'person'",
                           -1, &q, NULL) != SQLITE_OK)
        return mg_fail(err, "%s: %s", store_path(st), sqlite3_errmsg(db));
    struct person_row *v = NULL;
    int n = 0, cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n == cap)
            v = mg_realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 256));
        const char *canon = (const char *)sqlite3_column_text(q, 1);
        v[n].id = sqlite3_column_int64(q, 0);
        v[n].key = mg_strdup((const char *)sqlite3_column_text(q, 2));
        v[n].links = sqlite3_column_int(q, 3);
        v[n].surname_key = NULL;
        if (canon && strchr(canon, ' ')) {
            char *sn = surname(canon);
            v[n].surname_key = ent_key(sn);
            free(sn);
        }
        n++;
    }
    sqlite3_finalize(q);
    static const char *const MOVE[] = {
        /* links the full name lacks move over */
        "UPDATE article_entities SET entity_id = ?2 WHERE entity_id = ?1"
        " AND article_id NOT IN (SELECT article_id FROM article_entities"
        " WHERE entity_id = ?2)",
        /* where both are linked, the mentions add up */
        "UPDATE article_entities SET mentions = mentions + (SELECT"
        " s.mentions FROM article_entities s WHERE s.entity_id = ?1 AND"
        " s.article_id = article_entities.article_id) WHERE entity_id = ?2"
        " AND article_id IN (SELECT article_id FROM article_entities"
        " WHERE entity_id = ?1)",
        "DELETE FROM article_entities WHERE entity_id = ?1",
        "INSERT OR IGNORE INTO entity_aliases(alias, entity_id) SELECT alias,"
        " ?2 FROM entity_aliases WHERE entity_id = ?1",
        "DELETE FROM entity_aliases WHERE entity_id = ?1",
        "DELETE FROM entities WHERE id = ?1 AND ?2 IS NOT NULL",
    };
    /* Full names sorted by family name (lone names last), so each lone
     * name finds its candidates by binary search. */
    qsort(v, (size_t)n, sizeof *v, by_surname);
    int nfull = 0;
    while (nfull < n && v[nfull].surname_key)
        nfull++;
    int merged = 0, rc = 0;
    for (int i = nfull; i < n && rc == 0; i++) {
        int lo = 0, hi = nfull;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (strcmp(v[mid].surname_key, v[i].key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        int best = -1, total = 0, count = 0;
        for (int k = lo; k < nfull && strcmp(v[k].surname_key, v[i].key) == 0;
             k++) {
            count++;
            total += v[k].links;
            if (best < 0 || v[k].links > v[best].links)
                best = k;
        }
        if (best < 0 || (count > 1 && v[best].links * 10 < total * 8))
            continue;
        for (size_t s = 0; s < sizeof MOVE / sizeof *MOVE && rc == 0; s++) {
            sqlite3_stmt *m = NULL;
            if (sqlite3_prepare_v2(db, MOVE[s], -1, &m, NULL) != SQLITE_OK) {
                rc = -1;
                break;
            }
            sqlite3_bind_int64(m, 1, v[i].id);
            sqlite3_bind_int64(m, 2, v[best].id);
            if (sqlite3_step(m) != SQLITE_DONE)
                rc = -1;
            sqlite3_finalize(m);
        }
        merged++;
    }
    if (rc < 0)
        mg_fail(err, "%s: merging names: %s", store_path(st),
                sqlite3_errmsg(db));
    for (int i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].surname_key);
    }
    free(v);
    return rc < 0 ? -1 : merged;
}
