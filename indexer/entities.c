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

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "entities_int.h"
#include "strmap.h"

extern const char gaz_places_tsv[], gaz_demonyms_tsv[], gaz_first_names_tsv[],
    gaz_orgs_tsv[], gaz_titles_tsv[], gaz_nonentities_tsv[];

/* ---- the gazetteer ------------------------------------------------- */

#define KEYMAX 256 /* longest name key looked up, in bytes */

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
    struct strmap title_first; /* first words of the titles */
    /* The word lists below (ORG_HEADS...), as sets of lower-case words. */
    struct strmap common, heads, weak_heads, forms, not_names, not_orgs, asian,
        speech, joiners, generic, not_surnames, headline_verbs;
    struct strmap nonentities; /* names that are no entity ("Brent") */
    struct strmap lex;         /* lower-case word -> P_* bits */
    struct strmap lex_small;   /* the same for the words of the short lists
                                * only: all a lower-case word can be */
    struct strmap multi_first; /* first words of the names of places,
                                * organisations and non-entities that
                                * have more than one word */
};

/* Notes the first word of a name of several words (lower case). */
static void note_multi(struct gazetteer *g, const char *k)
{
    const char *sp = strchr(k, ' ');
    if (!sp)
        return;
    char *f = mg_strndup(k, (size_t)(sp - k));
    *strmap_slot(&g->multi_first, f, 1) = 1;
    free(f);
}

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
                     UTF8PROC_NULLTERM | UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE) <
        0)
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
    int kind = strcmp(f[2], "country") == 0       ? 0
               : strcmp(f[2], "subdivision") == 0 ? 1
                                                  : 2;
    if (g->nplaces % 4096 == 0)
        g->places = mg_realloc(g->places,
                               sizeof *g->places * (size_t)(g->nplaces + 4096));
    struct place *pl = &g->places[g->nplaces];
    pl->canonical = mg_strdup(f[1]);
    snprintf(pl->country, sizeof pl->country, "%s", f[3]);
    pl->kind = kind;
    pl->population = nf > 4 ? atol(f[4]) : 0;
    char *k = lower(f[0]);
    note_multi(g, k);
    int64_t *slot = strmap_slot(&g->place_by_name, k, 1);
    /* The best place of a name: a country, else the largest city, else a
     * subdivision. */
    if (*slot < 0) {
        *slot = g->nplaces;
    } else {
        struct place *o = &g->places[*slot];
        int better =
            kind == 0 ? o->kind != 0
            : o->kind == 0
                ? 0
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
    note_multi(g, k);
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
    note_multi(g, k);
    *strmap_slot(&g->orgs, k, 1) = g->norgs++;
    free(k);
}

static void load_title(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 2)
        return;
    char *k = lower(f[0]);
    int v =
        strcmp(f[1], "title") == 0 || strcmp(f[1], "honorific") == 0 ? 1 : 2;
    /* "major" is no title, "Major" is: bit 4 marks a phrase also listed
     * in lower case. */
    if (islower((unsigned char)f[0][0]))
        v |= 4;
    int64_t *slot = strmap_slot(&g->titles, k, 1);
    *slot = *slot < 0 ? v : (*slot | v);
    /* "vice-chairman" is "vice chairman" */
    char *h = mg_strdup(k);
    for (char *q = h; *q; q++)
        if (*q == ' ')
            *q = '-';
    if (strcmp(h, k) != 0) {
        slot = strmap_slot(&g->titles, h, 1);
        *slot = *slot < 0 ? v : (*slot | v);
    }
    char *sp = strchr(k, ' ');
    if (sp)
        *sp = 0;
    *strmap_slot(&g->title_first, k, 1) = 1;
    char *hy = strchr(h, '-');
    if (hy)
        *strmap_slot(&g->title_first, h, 1) = 1;
    free(h);
    free(k);
}

static void load_nonentity(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 1)
        return;
    char *k = lower(f[0]);
    note_multi(g, k);
    *strmap_slot(&g->nonentities, k, 1) = 1;
    free(k);
}

static void load_sets(struct gazetteer *g);
static void load_lexicon(struct gazetteer *g);

struct gazetteer *gaz_load(void)
{
    struct gazetteer *g = mg_calloc(1, sizeof *g);
    tsv_each(gaz_places_tsv, load_place, g);
    tsv_each(gaz_demonyms_tsv, load_demonym, g);
    tsv_each(gaz_first_names_tsv, load_first, g);
    tsv_each(gaz_orgs_tsv, load_org, g);
    tsv_each(gaz_titles_tsv, load_title, g);
    tsv_each(gaz_nonentities_tsv, load_nonentity, g);
    load_sets(g);
    load_lexicon(g);
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
    struct strmap *sets[] = {
        &g->title_first,    &g->common,      &g->heads,       &g->weak_heads,
        &g->forms,          &g->not_names,   &g->not_orgs,    &g->asian,
        &g->speech,         &g->joiners,     &g->generic,     &g->not_surnames,
        &g->headline_verbs, &g->nonentities, &g->multi_first, &g->lex,
        &g->lex_small};
    for (size_t i = 0; i < sizeof sets / sizeof(struct strmap *); i++)
        strmap_free(sets[i]);
    free(g);
}

/* ---- words --------------------------------------------------------- */

struct word {
    int start, end; /* bytes in the text */
    char *s;        /* the word, possessive removed */
    char *l;        /* s case-folded */
    int cap;        /* starts with a capital letter */
    int allcaps;    /* two or more letters, all capitals */
    int lower;      /* starts with a lower-case letter */
    int sent;       /* first word of a sentence */
    int poss;       /* ended in 's / ’s */
    int gap;        /* punctuation (not just space) before it */
    char punct;     /* the last punctuation mark before it ('?' when not
                     * ASCII), 0 when none */
    int props;      /* P_* bits of l in the lexicon; -1 until looked up */
    int amp;        /* joined to the word before by " & " in a name */
};

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

/* Cuts text into words; joiners inside a word: hyphen, apostrophe, a dot
 * between single letters (U.S.). */
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
        int s = i, e = i;
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
        if (n == cap)
            v = mg_realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 256));
        struct word *w = &v[n++];
        memset(w, 0, sizeof *w);
        w->start = s;
        w->end = e;
        size_t wl = (size_t)(e - s);
        if (wl > 2 && (t[e - 1] == 's' || t[e - 1] == 'S') &&
            t[e - 2] == '\'') {
            wl -= 2;
            w->poss = 1;
        } else if (wl > 4 && t[e - 1] == 's' &&
                   memcmp(t + e - 4, "\xE2\x80\x99", 3) == 0) {
            wl -= 4;
            w->poss = 1;
        }
        /* s and l go into the arena; their offsets become pointers once
         * the arena stops growing. */
        w->s = (char *)(uintptr_t)arena.len;
        buf_add(&arena, t + s, wl);
        buf_addc(&arena, 0);
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
            w->l = (char *)(uintptr_t)arena.len;
            buf_reserve(&arena, wl + 1);
            char *d = arena.s + arena.len;
            for (size_t q = 0; q < wl; q++)
                d[q] = (char)tolower((unsigned char)t[s + q]);
            d[wl] = 0;
            arena.len += wl + 1;
        } else {
            w->l = (char *)(uintptr_t)arena.len;
            char *raw = mg_strndup(t + s, wl), *lw = lower(raw);
            buf_adds(&arena, lw);
            free(lw);
            free(raw);
            buf_addc(&arena, 0);
        }
        mg_utf8_decode(t, len, s, &cp);
        if (cp < 0x80) {
            w->cap = isupper(cp) != 0;
            w->lower = islower(cp) != 0;
        } else {
            w->cap = utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
            w->lower = utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
        }
        w->allcaps = letters >= 2 && letters == upper;
        w->sent = sent;
        w->gap = gap;
        w->punct = punct;
        w->props = -1;
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

/* Capitalised words that begin sentences without being names. */
static const char *const COMMON[] = {
    "the",     "a",         "an",        "but",       "and",       "or",
    "in",      "on",        "at",        "for",       "from",      "with",
    "later",   "after",     "before",    "it",        "he",        "she",
    "they",    "we",        "i",         "this",      "that",      "these",
    "those",   "his",       "her",       "their",     "its",       "as",
    "if",      "when",      "while",     "any",       "police",    "officials",
    "earlier", "last",      "next",      "some",      "many",      "most",
    "all",     "no",        "not",       "there",     "here",      "what",
    "who",     "why",       "how",       "where",     "analysts",  "traders",
    "sources", "shares",    "net",       "revs",      "shr",       "qtr",
    "oper",    "avg",       "also",      "however",   "meanwhile", "both",
    "each",    "other",     "such",      "under",     "over",      "by",
    "to",      "of",        "about",     "than",      "then",      "so",
    "our",     "your",      "my",        "one",       "two",       "three",
    "new",     "first",     "second",    "third",     "final",     "former",
    "special", "vice",      "deputy",    "acting",    "olympic",   "winter",
    "summer",  "read",      "share",     "click",     "photo",     "monday",
    "tuesday", "wednesday", "thursday",  "friday",    "saturday",  "sunday",
    "january", "february",  "march",     "april",     "may",       "june",
    "july",    "august",    "september", "october",   "november",  "december",
    "jan",     "feb",       "mar",       "apr",       "jun",       "jul",
    "aug",     "sep",       "sept",      "oct",       "nov",       "dec",
    "mln",     "billion",   "million",   "pct",       "dlrs",      "year",
    "week",    "month",     "today",     "yesterday", "tomorrow",  "reuter",
    "reuters", NULL};

/* Words that end an organisation's name. */
static const char *const ORG_HEADS[] = {
    "inc",          "corp",         "co",
    "ltd",          "plc",          "ag",
    "sa",           "nv",           "bv",
    "gmbh",         "llc",          "lp",
    "bank",         "party",        "ministry",
    "agency",       "council",      "committee",
    "association",  "federation",   "university",
    "reserve",      "exchange",     "union",
    "organisation", "organization", "group",
    "commission",   "department",   "fund",
    "board",        "authority",    "institute",
    "corporation",  "company",      "holdings",
    "trust",        "bancorp",      "bankshares",
    "securities",   "industries",   "airlines",
    "airways",      "motors",       "petroleum",
    "oil",          "systems",      "technologies",
    "partners",     "court",        "parliament",
    "assembly",     "congress",     "senate",
    "office",       "foundation",   "society",
    "college",      "school",       "bureau",
    "cos",          "traders",      "management",
    "brothers",     "bros",         "associates",
    "capital",      "electric",     "power",
    "energy",       "chemical",     "chemicals",
    "steel",        "hospital",     "church",
    "army",         "navy",         "league",
    "club",         "times",        "post",
    "journal",      "news",         "press",
    "television",   "radio",        "administration",
    "markets",      "service",      "services",
    "force",        "forces",       "departments",
    "ministries",   "banks",        NULL};

/* Heads that are also plain nouns inside a longer name ("House Energy and
 * Commerce Committee"): they end a name, but do not split one at "and". */
static const char *const WEAK_HEADS[] = {
    "energy",    "power",   "oil",          "electric",   "chemical",
    "chemicals", "steel",   "petroleum",    "securities", "industries",
    "motors",    "systems", "technologies", "capital",    "management",
    "trust",     "news",    "press",        "times",      "post",
    "journal",   "radio",   "television",   "airlines",   "airways",
    "traders",   "markets", "service",      "services",   NULL};

/* Company-form words: "GTE Corp" and "GTE" are one organisation. */
static const char *const FORMS[] = {
    "inc", "corp", "co", "ltd", "plc", "corporation", "company",
    "llc", "ag",   "sa", "nv",  "cos", NULL};

/* Capitalised nouns that are not names even after a title word. */
static const char *const NOT_NAMES[] = {
    "agreement", "act",  "treaty",  "accord",   "plan",      "program",
    "programme", "bill", "report",  "corp",     "co",        "inc",
    "ltd",       "rep",  "sen",     "gov",      "mr",        "mrs",
    "ms",        "dr",   "general", "minister", "secretary", NULL};

/* Acronyms that are units, grades or numerals, not organisations. */
static const char *const NOT_ORGS[] = {
    "cwt",  "fob", "cif", "bbb", "aaa",  "aa",   "cst",  "est", "edt",
    "gmt",  "pst", "cdt", "pct", "dlrs", "mln",  "bpd",  "lbs", "kg",
    "hfcs", "ii",  "iii", "iv",  "vi",   "vii",  "viii", "ix",  "xi",
    "xii",  "kc",  "la",  "hf",  "rd",   "reut", "mtc",  "ok",  "tv",
    "ceo",  "cfo", "gdp", "gnp", "ad",   "bc",   "am",   "pm",  "nb",
    "ps",   "usa", "ecu", "sdr", "sdrs", "opec", NULL};

/* East Asian family names that start three-syllable names. */
static const char *const ASIAN_SURNAMES[] = {
    "kim",    "lee",  "yi",   "park", "pak",   "choi",  "jung",
    "chung",  "kang", "cho",  "yoon", "jang",  "lim",   "han",
    "oh",     "seo",  "shin", "kwon", "hwang", "ahn",   "song",
    "hong",   "moon", "roh",  "ri",   "xi",    "li",    "wang",
    "zhang",  "liu",  "chen", "yang", "zhao",  "huang", "zhou",
    "wu",     "hu",   "deng", "mao",  "jiang", "wen",   "zhu",
    "nguyen", "tran", "le",   "pham", "vo",    "ngo",   NULL};

/* Words after a name that make it a person ("Baker said"). */
static const char *const SPEECH[] = {"said",   "says",   "told",     "added",
                                     "noted",  "stated", "declared", "asked",
                                     "warned", "argued", NULL};

/* Lower-case words inside names: "Bank of England", "Ali al-Sistani". */
static const char *const JOINERS[] = {"of",  "de", "da",  "van", "von",
                                      "der", "al", "bin", "la",  "du",
                                      "del", "y",  "le",  "den", NULL};

/* Capitalised adjectives that start company names, never a person's:
 * "Central Maine said" is a company. */
static const char *const GENERIC[] = {
    "central", "national", "general",    "federal",    "international",
    "united",  "royal",    "first",      "new",        "north",
    "south",   "east",     "west",       "northern",   "southern",
    "eastern", "western",  "great",      "grand",      "old",
    "big",     "upper",    "lower",      "middle",     "state",
    "city",    "county",   "public",     "private",    "global",
    "world",   "high",     "supreme",    "overseas",   "continental",
    "pacific", "atlantic", "standard",   "security",   "mutual",
    "home",    "union",    "commercial", "industrial", "financial",
    "capital", "american", "european",   "asian",      "african",
    NULL};

/* Words that end no person's name: party labels, crude grades, features
 * of the land ("Christian Democratic", "Bonny Light", "Lou Gulf"). */
static const char *const NOT_SURNAMES[] = {
    "democrat",      "democrats", "democratic", "republican",
    "republicans",   "socialist", "socialists", "communist",
    "communists",    "liberal",   "liberals",   "conservative",
    "conservatives", "labour",    "light",      "heavy",
    "blend",         "crude",     "sweet",      "sour",
    "gulf",          "sea",       "ocean",      "river",
    "bay",           "island",    "islands",    "lake",
    "mountain",      "mountains", "valley",     "hills",
    "coast",         "street",    "avenue",     "road",
    "square",        "bridge",    "canal",      "basin",
    "field",         "fields",    "index",      "average",
    "futures",       "bonds",     "notes",      "region",
    "province",      "state",     "county",     "channel",
    "strait",        "straits",   "peninsula",  "canyon",
    "desert",        "harbor",    "harbour",    "reef",
    "delta",         "plateau",   NULL};

/* Words after a family name in a headline that make it a person:
 * "VOLCKER SAYS", "BAKER URGES", "REAGAN TO VISIT". */
static const char *const HEADLINE_VERBS[] = {
    "says",      "said",       "say",        "sees",       "see",
    "urges",     "tells",      "calls",      "warns",      "expects",
    "forecasts", "denies",     "repeats",    "reiterates", "predicts",
    "opposes",   "hails",      "favours",    "favors",     "backs",
    "asks",      "agrees",     "rejects",    "welcomes",   "wants",
    "defends",   "criticises", "criticizes", "confirms",   "insists",
    "doubts",    "vows",       "resigns",    "quits",      "meets",
    "to",        "will",       "optimistic", "confident",  "named",
    "nominated", "appointed",  "elected",    "declines",   "decline",
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

static void set_of(struct strmap *m, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        *strmap_slot(m, list[i], 1) = 1;
}

static void load_sets(struct gazetteer *g)
{
    set_of(&g->common, COMMON);
    set_of(&g->heads, ORG_HEADS);
    set_of(&g->weak_heads, WEAK_HEADS);
    set_of(&g->forms, FORMS);
    set_of(&g->not_names, NOT_NAMES);
    set_of(&g->not_orgs, NOT_ORGS);
    set_of(&g->asian, ASIAN_SURNAMES);
    set_of(&g->speech, SPEECH);
    set_of(&g->joiners, JOINERS);
    set_of(&g->generic, GENERIC);
    set_of(&g->not_surnames, NOT_SURNAMES);
    set_of(&g->headline_verbs, HEADLINE_VERBS);
}

/* What the lexicon knows of a word (bits of struct word's props). */
enum {
    P_COMMON = 1 << 0,
    P_HEAD = 1 << 1,
    P_WEAK_HEAD = 1 << 2,
    P_NOT_NAME = 1 << 3,
    P_NOT_ORG = 1 << 4,
    P_ASIAN = 1 << 5,
    P_SPEECH = 1 << 6,
    P_JOINER = 1 << 7,
    P_GENERIC = 1 << 8,
    P_NOT_SURNAME = 1 << 9,
    P_HL_VERB = 1 << 10,
    P_FIRST = 1 << 11,
    P_TITLE_FIRST = 1 << 12,
    P_MULTI_FIRST = 1 << 13,
    P_PLACE = 1 << 14,   /* a one-word place name */
    P_REGION = 1 << 15,  /* ... of a country or subdivision, or a
                          * nationality */
    P_ORG = 1 << 16,     /* a one-word organisation name */
    P_DEMONYM = 1 << 17, /* a one-word nationality */
    P_NONENT = 1 << 18,  /* a one-word non-entity */
};

static void lex_set(struct gazetteer *g, const char *k, int bit)
{
    int64_t *v = strmap_slot(&g->lex, k, 1);
    *v = (*v < 0 ? 0 : *v) | bit;
}

static void lex_mark(struct gazetteer *g, const struct strmap *m, int bit,
                     int single)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] && (!single || !strchr(m->keys[i], ' ')))
            lex_set(g, m->keys[i], bit);
}

/* One lookup per word instead of one per list: every word of the lists
 * and one-word name of the gazetteer, with what it is. */
static void load_lexicon(struct gazetteer *g)
{
    const struct {
        struct strmap *m;
        int bit;
    } sets[] = {
        {&g->common, P_COMMON},           {&g->heads, P_HEAD},
        {&g->weak_heads, P_WEAK_HEAD},    {&g->not_names, P_NOT_NAME},
        {&g->not_orgs, P_NOT_ORG},        {&g->asian, P_ASIAN},
        {&g->speech, P_SPEECH},           {&g->joiners, P_JOINER},
        {&g->generic, P_GENERIC},         {&g->not_surnames, P_NOT_SURNAME},
        {&g->headline_verbs, P_HL_VERB},  {&g->first_names, P_FIRST},
        {&g->title_first, P_TITLE_FIRST}, {&g->multi_first, P_MULTI_FIRST},
    };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        lex_mark(g, sets[i].m, sets[i].bit, 0);
    /* the short lists' words, with all their bits, for lower-case words */
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        if (sets[i].m != &g->first_names)
            for (size_t k = 0; k < sets[i].m->cap; k++)
                if (sets[i].m->keys[k])
                    *strmap_slot(&g->lex_small, sets[i].m->keys[k], 1) = 0;
    lex_mark(g, &g->orgs, P_ORG, 1);
    lex_mark(g, &g->demonyms, P_DEMONYM | P_REGION, 1);
    lex_mark(g, &g->nonentities, P_NONENT, 1);
    for (size_t i = 0; i < g->place_by_name.cap; i++) {
        const char *k = g->place_by_name.keys[i];
        if (!k || strchr(k, ' '))
            continue;
        int kind = g->places[g->place_by_name.vals[i]].kind;
        lex_set(g, k, P_PLACE | (kind != 2 ? P_REGION : 0));
    }
    for (size_t i = 0; i < g->lex_small.cap; i++)
        if (g->lex_small.keys[i])
            g->lex_small.vals[i] = strmap_get(&g->lex, g->lex_small.keys[i]);
}

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

struct found {
    enum ent_kind kind;
    char *name; /* canonical or surface */
    char *surface;
    char *alt; /* the whole run when a word was cut from its start
                * ("First Boston" read as "Boston"), else NULL */
    int pos;
    int pending; /* 0 a name; 1 a lone word kept only when it joins a
                  * full name; 2 a lone name kept anyway; 3 a city's
                  * country; 4 an acronym kept when seen twice; 5 a lone
                  * family name left to the index-wide merge */
};

struct abbr {
    char *acronym; /* "MGE" */
    char *name;    /* "Minneapolis Grain Exchange" */
};

struct ctx {
    const struct gazetteer *g;
    struct found *v;
    int n, cap;
    const char *alt;   /* the current run's alt (see struct found) */
    struct abbr *abbr; /* "Minneapolis Grain Exchange (MGE)" */
    int nabbr;
    const struct article *art;
};

static int written_lower(const struct article *a, const char *word);

static void add(struct ctx *c, enum ent_kind k, const char *name,
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
                                  pending};
}

/* The words a..b-1 joined with spaces; a possessive inside the run is kept
 * ("Moody's Investors Service"). */
static char *join(struct word *w, int a, int b)
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
static const char *joinl(struct word *w, int a, int b, char *buf)
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

/* The value of the case-folded name k in m, or -1. */
static int lookup_l(const struct strmap *m, const char *k)
{
    int v = (int)strmap_get(m, k);
    size_t n = strlen(k);
    /* "U.S" (its last dot taken by a comma) is "U.S.". */
    if (v < 0 && n >= 3 && n + 2 < KEYMAX && k[n - 2] == '.') {
        char d[KEYMAX];
        memcpy(d, k, n);
        d[n] = '.';
        d[n + 1] = 0;
        v = (int)strmap_get(m, d);
    }
    return v;
}

static int lookup(const struct strmap *m, const char *name)
{
    char *k = lower(name);
    int v = strlen(k) < KEYMAX ? lookup_l(m, k) : -1;
    free(k);
    return v;
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
    return joinl(w, a, b, buf);
}

/* The value of key k in m, or -1 (also when k is NULL). */
static int lk(const struct strmap *m, const char *k)
{
    return k ? lookup_l(m, k) : -1;
}

static int lookup_w(const struct gazetteer *g, const struct strmap *m,
                    struct word *w, int a, int b)
{
    char k[KEYMAX];
    if (m == &g->titles)
        return lookup_l(m, joinl(w, a, b, k));
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
static int city_in_context(const struct ctx *c, int p, struct word *w, int a,
                           int b)
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

/* Length of a title or role phrase starting at w[i] (up to 4 words, not
 * past n), or 0; *kind gets 1 (title) or 2 (role). */
static int title_at(const struct ctx *c, struct word *w, int i, int n,
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
static int is_region_word(const struct ctx *c, struct word *w)
{
    return (wp(c->g, w) & P_REGION) != 0;
}

/* True when a..b-1 cannot be a person's name whatever the context: it
 * ends in a party label or a feature of the land, its last word is a
 * country or state ("Latin America"), or it holds a title word. */
static int not_a_person(const struct ctx *c, struct word *w, int a, int b)
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

static int is_person_shape(const struct ctx *c, struct word *w, int a, int b)
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
static char *org_key(const char *name)
{
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

/* "Kiichi Miyazawa, Japan's Finance Minister": a title or role after the
 * comma that follows the run a..b-1. */
static int appositive(const struct ctx *c, struct word *w, int b, int n)
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

/* Classifies the run of capitalised words a..b-1 (no titles inside). */
static void classify(struct ctx *c, struct word *w, int a, int b, int n,
                     int after_title)
{
    const struct gazetteer *g = c->g;
    char key[KEYMAX];
    /* A sentence's first word is part of a known name or of a company
     * ("New York", "First Boston Corp"); otherwise a common word there is
     * just capitalised. */
    int keep_first = 0;
    if (b - a >= 2 && w[a].sent) {
        const char *all = name_key(g, w, a, b, key);
        keep_first = (wp(g, &w[b - 1]) & P_HEAD) ||
                     lk(&g->place_by_name, all) >= 0 || lk(&g->orgs, all) >= 0;
    }
    int a0 = a;
    /* "State-owned Indian Railway...", "Dallas-based Texas Instruments" */
    while (a < b) {
        const char *hy = strrchr(w[a].s, '-');
        if (!(hy && islower((unsigned char)hy[1])) &&
            !(strcmp(w[a].l, "the") == 0 || (wp(g, &w[a]) & P_JOINER) ||
              (!keep_first && w[a].sent && (wp(g, &w[a]) & P_COMMON))))
            break;
        a++;
    }
    /* "Reagan Friday": weekdays and months end no name. */
    while (b > a && (wp(g, &w[b - 1]) & P_COMMON))
        b--;
    if (a >= b)
        return;
    if (lookup_w(g, &g->nonentities, w, a, b) >= 0)
        return;
    char *alt = NULL;
    const char *outer_alt = c->alt;
    if (a > a0 && !c->alt) {
        alt = join(w, a0, b);
        c->alt = alt;
    }
    /* Shouted text ("REAGAN MEETS U.S.") is read only for known names. */
    int shout = b - a >= 2;
    for (int i = a; i < b && shout; i++)
        shout = w[i].allcaps;
    /* "Exchequer Nigel Lawson": a name starts at its first name. */
    if (b - a >= 3 && !shout) {
        int named = (wp(g, &w[a]) & P_FIRST) || (wp(g, &w[a]) & P_ASIAN);
        for (int k = a + 1; k < b - 1 && !named; k++) {
            int first = (wp(g, &w[k]) & P_FIRST);
            if (first && !(wp(g, &w[k - 1]) & P_JOINER) &&
                !(wp(g, &w[b - 1]) & P_HEAD)) {
                classify(c, w, a, k, n, 0);
                classify(c, w, k, b, n, after_title);
                goto out;
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
        char *host = join(w, a, gm);
        int p = lookup_w(g, &g->place_by_name, w, a, gm);
        if (p >= 0)
            add_place(c, p, host, w[a].start);
        else
            add(c, ENT_PLACE, host, host, w[a].start, 0);
        free(host);
        goto out;
    }
    /* "the Reagan Administration": the person (or place) it names. */
    if (b - a == 2 && strcmp(w[b - 1].l, "administration") == 0) {
        int p = lookup_w(g, &g->place_by_name, w, a, a + 1);
        if (p >= 0)
            add_place(c, p, w[a].s, w[a].start);
        else if (!w[a].allcaps)
            add(c, ENT_PERSON, w[a].s, w[a].s, w[a].start, 2);
        goto out;
    }
    /* "Don Nickles of Oklahoma": a person, then a place. */
    for (int k = a + 2; k < b - 1; k++)
        if (strcmp(w[k].s, "of") == 0 && is_person_shape(c, w, a, k)) {
            classify(c, w, a, k, n, after_title);
            classify(c, w, k + 1, b, n, 0);
            goto out;
        }
    char *name = join(w, a, b);
    const char *l = name_key(g, w, a, b, key);
    int pos = w[a].start;
    int v;
    int head = (wp(g, &w[b - 1]) & P_HEAD);
    if (shout) {
        if ((v = lk(&g->orgs, l)) >= 0)
            add(c, ENT_ORG, g->org_names[v], name, pos, 0);
        else if ((v = lk(&g->place_by_name, l)) >= 0)
            add_place(c, v, name, pos);
    } else if (after_title && (v = lk(&g->orgs, l)) >= 0) {
        add(c, ENT_ORG, g->org_names[v], name, pos,
            0); /* "manager Credit Suisse" */
    } else if (after_title && (v = lk(&g->place_by_name, l)) >= 0 &&
               g->places[v].kind != 2) {
        add_place(c, v, name, pos); /* "the chief U.S. concerns" */
    } else if (after_title && (v = lk(&g->demonyms, l)) >= 0) {
        add_place(c, v, name, pos); /* "the major Japanese houses" */
    } else if (after_title &&
               (head || (b - a == 1 && (wp(g, &w[a]) & P_NOT_NAME)))) {
        if (b - a >= 2)
            add(c, ENT_ORG, name, name, pos, 0);
    } else if (after_title) {
        if (!not_a_person(c, w, a, b) || b - a == 1)
            add(c, ENT_PERSON, name, name, pos, b - a == 1 ? 2 : 0);
    } else if ((v = lk(&g->orgs, l)) >= 0) {
        add(c, ENT_ORG, g->org_names[v], name, pos, 0);
    } else if ((v = lk(&g->place_by_name, l)) >= 0 &&
               !(b - a == 1 && (wp(g, &w[a]) & P_COMMON))) {
        if (city_in_context(c, v, w, a, b))
            add_place(c, v, name, pos);
    } else if ((v = lk(&g->demonyms, l)) >= 0) {
        add_place(c, v, name, pos);
    } else if (b - a >= 2 && head) {
        /* "Co Inc" alone is what is left of a name cut short. */
        char *k = org_key(name);
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
               !written_lower(c->art, w[a].s)) { /* "Oil World said" */
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
        /* Known places or organisations inside a longer run; a small
         * city's name there is more often part of another name ("Paradise
         * Hills"), and the run may be one of the article's organisations
         * ("Credit Suisse-First Boston"). */
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
                char *surf = join(w, i, i + len);
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
                    add_place(c, v, surf, w[i].start), done = len;
                free(surf);
            }
            i += done ? done : 1;
        }
        if (c->alt == name)
            c->alt = outer_alt;
    }
    free(name);
out:
    if (alt) {
        free(alt);
        c->alt = outer_alt;
    }
}

/* The end of the run of capitalised words that starts at w[i]. */
static int run_end(const struct ctx *c, struct word *w, int i, int n,
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
static void note_abbr(struct ctx *c, struct word *w, int j, int n,
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

static void scan(struct ctx *c, const char *text, int base)
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
            a = k = k + tlen;
            k--;
        }
        if (a < j)
            classify(c, w, a, j, n, titled);
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

/* An all-capitals headline ("TREASURY'S BAKER SAYS...", "PRESIDENT REAGAN
 * URGES..."): known organisations and places, and people after a title or
 * before a headline verb.  Everything in it is capitalised, so nothing
 * else can be told from a common word. */
static void scan_shout(struct ctx *c, const char *text)
{
    const struct gazetteer *g = c->g;
    struct words ws;
    words(text, &ws);
    struct word *w = ws.v;
    int n = ws.n;
    for (int i = 0; i < n;) {
        int done = 0, v, kind;
        /* known names, longest first */
        int maxlen = !(wp(g, &w[i]) & P_MULTI_FIRST) ? 1
                     : n - i < 4                     ? n - i
                                                     : 4;
        for (int len = maxlen; len >= 1 && !done; len--) {
            char k[KEYMAX];
            if (len == 1 && ((wp(g, &w[i]) & P_COMMON) || strlen(w[i].l) < 2))
                continue;
            const char *l = name_key(g, w, i, i + len, k);
            if (lk(&g->nonentities, l) >= 0) {
                done = len;
            } else if ((v = lk(&g->orgs, l)) >= 0) {
                char *s = join(w, i, i + len);
                add(c, ENT_ORG, g->org_names[v], s, w[i].start, 0);
                free(s);
                done = len;
            } else if ((v = lk(&g->place_by_name, l)) >= 0 &&
                       (len > 1 || g->places[v].kind == 0 ||
                        g->places[v].population >= 1000000)) {
                char *s = join(w, i, i + len);
                add_place(c, v, s, w[i].start);
                free(s);
                done = len;
            } else if (len == 1 && (v = lk(&g->demonyms, l)) >= 0) {
                add_place(c, v, w[i].s, w[i].start);
                done = len;
            }
        }
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
            char *raw = join(w, a, b), *name = title_case(raw);
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

/* ---- merging -------------------------------------------------------- */

char *ent_surname(const char *full)
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

/* Adds a mention of (k, name) to s; returns the entity, new or not. */
static struct ent *ent_add(struct ent_set *s, enum ent_kind k, const char *name,
                           const char *surface, int pos, int *is_new)
{
    char *key = k == ENT_ORG ? org_key(name) : ent_key(name);
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
        *is_new = 1;
    } else {
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
    struct ent *e = ent_add(s, f->kind, f->name, f->surface, f->pos, &is_new);
    if (e)
        e->weak = 0;
}

/* Folds e into `into`: counts add up, mentions join; e is left to be
 * dropped. */
static void ent_fold(struct ent *into, struct ent *e)
{
    into->count += e->count;
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
            if (!in_list(SKIP, word) && !(in_list(FORMS, word) && *e == 0) &&
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

/* True when the article also writes word in lower case, as a common
 * word ("the drug", "in time"): then the capitalised word is no family
 * name. */
static int written_lower(const struct article *a, const char *word)
{
    char *l = lower(word);
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
    free(l);
    return found;
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
                 (e->kind == ENT_ORG && lookup(&g->orgs, e->canonical) < 0)) &&
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

void ent_extract(const struct gazetteer *g, const struct article *a,
                 struct ent_set *out)
{
    memset(out, 0, sizeof *out);
    struct ctx c = {0};
    c.g = g;
    c.art = a;
    int has_lower = 0;
    for (const char *p = a->title ? a->title : ""; *p; p++)
        has_lower |= islower((unsigned char)*p) != 0;
    if (a->title && has_lower)
        scan(&c, a->title, 0);
    else if (a->title)
        scan_shout(&c, a->title);
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
    /* An acronym given in brackets names what came before it, there and
     * wherever else the article uses it. */
    for (int i = 0; i < c.n; i++) {
        struct found *f = &c.v[i];
        if (f->kind != ENT_ORG)
            continue;
        for (int k = 0; k < c.nabbr; k++)
            if (strcmp(f->surface, c.abbr[k].acronym) == 0 ||
                strcmp(f->name, c.abbr[k].acronym) == 0) {
                free(f->name);
                f->name = mg_strdup(c.abbr[k].name);
                f->pending = 0;
                break;
            }
    }
    /* A run read without its first word ("First Boston won" as Boston)
     * that is one of the article's organisations is that organisation. */
    for (int i = 0; i < c.n; i++) {
        struct found *f = &c.v[i];
        if (!f->alt)
            continue;
        char *k = org_key(f->alt);
        int o = -1;
        for (int j = 0; j < c.n && o < 0; j++)
            if (c.v[j].kind == ENT_ORG && !c.v[j].pending && !c.v[j].alt) {
                char *ok = org_key(c.v[j].name);
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
        f->name = mg_strdup(c.v[o].name);
        free(f->surface);
        f->surface = mg_strdup(f->alt);
        f->kind = ENT_ORG;
        f->pending = 0;
    }
    /* Full names first; then lone words join the one full name whose
     * family name they are, and are dropped when none or several are. */
    for (int i = 0; i < c.n; i++)
        if (!c.v[i].pending)
            add_named(out, &c.v[i]);
    /* Unknown acronyms count as organisations when used twice. */
    for (int i = 0; i < c.n; i++) {
        if (c.v[i].pending != 4)
            continue;
        int seen = 0;
        for (int k = 0; k < c.n; k++)
            seen +=
                c.v[k].pending == 4 && strcmp(c.v[k].name, c.v[i].name) == 0;
        if (seen >= 2)
            add_named(out, &c.v[i]);
    }
    /* Countries implied by their cities: kept, with no mention of their
     * own unless the text names them too. */
    for (int i = 0; i < c.n; i++)
        if (c.v[i].pending == 3) {
            char *key = ent_key(c.v[i].name);
            int named = 0;
            for (int k = 0; k < out->n; k++)
                if (out->v[k].kind == ENT_PLACE &&
                    strcmp(out->v[k].key, key) == 0)
                    named = 1;
            free(key);
            if (!named) {
                int is_new;
                struct ent *e = ent_add(out, ENT_PLACE, c.v[i].name, "",
                                        c.v[i].pos, &is_new);
                e->count = 0;
                e->implied = 1;
            }
        }
    for (int i = 0; i < c.n; i++) {
        struct found *f = &c.v[i];
        if (f->pending != 1 && f->pending != 2 && f->pending != 5)
            continue;
        struct ent *match = NULL, *lone = NULL, *org = NULL;
        int matches = 0;
        char *fkey = ent_key(f->name);
        for (int k = 0; k < out->n; k++) {
            struct ent *e = &out->v[k];
            /* "Harley-Davidson said", with Harley-Davidson Inc;
             * "Merrell said", with Merrell Dow Pharmaceuticals Inc */
            if (e->kind == ENT_ORG && (strcmp(e->key, fkey) == 0 ||
                                       name_extends(e->canonical, f->name)))
                org = e;
            if (e->kind != ENT_PERSON)
                continue;
            if (!strchr(e->canonical, ' ')) {
                if (strcasecmp(e->canonical, f->name) == 0 && !e->weak)
                    lone = e;
                continue;
            }
            char *sn = ent_surname(e->canonical);
            if (strcasecmp(sn, f->name) == 0)
                match = e, matches++;
            free(sn);
        }
        free(fkey);
        int is_new;
        if (strlen(f->name) < 2 || (!org && written_lower(a, f->name))) {
            continue; /* "S and P said"; "Drug", "Time" written "drug" */
        } else if (org) {
            ent_add(out, ENT_ORG, org->canonical, f->surface, f->pos, &is_new);
        } else if (matches == 1) {
            ent_add(out, ENT_PERSON, match->canonical, f->surface, f->pos,
                    &is_new);
        } else if (matches == 0 && f->kind == ENT_PERSON &&
                   (f->pending == 2 || lone)) {
            add_named(out, f);
        } else if (matches == 0 && f->pending == 5) {
            /* Left to the merge across the index ("REAGAN SAYS" is
             * Ronald Reagan when the archive knows one Reagan). */
            struct ent *e =
                ent_add(out, ENT_PERSON, f->name, f->surface, f->pos, &is_new);
            if (e && is_new)
                e->weak = 1;
        }
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
            char *sn = ent_surname(f->canonical);
            int same = strcasecmp(sn, e->canonical) == 0;
            free(sn);
            if (same) {
                ent_fold(f, e);
                break;
            }
        }
    }
    fold_into_orgs(g, out);
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
        free(c.v[i].alt);
    }
    free(c.v);
    for (int i = 0; i < c.nabbr; i++) {
        free(c.abbr[i].acronym);
        free(c.abbr[i].name);
    }
    free(c.abbr);
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
