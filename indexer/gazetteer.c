/*
 * gazetteer.c - the gazetteer (entities.h: gaz_load, gaz_free): the TSV
 * files of data/ compiled into the program (places, nationalities, first
 * names, organisations, titles, non-entities), the word lists of the
 * rules (sentence-initial common words, organisation heads, joiners...)
 * and the lexicon that tells in one lookup what a word can be.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "entities.h"
#include "entities_int.h"

extern const char gaz_places_tsv[], gaz_demonyms_tsv[], gaz_first_names_tsv[],
    gaz_orgs_tsv[], gaz_titles_tsv[], gaz_nonentities_tsv[],
    gaz_entity_model_tsv[], gaz_word_case_tsv[];

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
char *gaz_lower(const char *s)
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
    char *k = gaz_lower(f[0]);
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
    char *k = gaz_lower(f[0]), *c = gaz_lower(f[1]);
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
    char *k = gaz_lower(f[0]);
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
    char *k = gaz_lower(f[0]);
    note_multi(g, k);
    *strmap_slot(&g->orgs, k, 1) = g->norgs++;
    free(k);
}

static void load_title(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 2)
        return;
    char *k = gaz_lower(f[0]);
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

static void load_word_case(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf >= 2)
        *strmap_slot(&g->word_case, f[0], 1) = atoi(f[1]);
}

static void load_nonentity(void *ctx, char **f, int nf)
{
    struct gazetteer *g = ctx;
    if (nf < 1)
        return;
    char *k = gaz_lower(f[0]);
    note_multi(g, k);
    *strmap_slot(&g->nonentities, k, 1) = 1;
    free(k);
}

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
    NULL};

/* Words of sports reports: two in an article's body make it one, for the
 * tagger (tagger.c). */
static const char *const SPORT[] = {
    "scored",    "striker",      "midfielder", "defender", "goalkeeper",
    "coach",     "goal",         "goals",      "league",   "cup",
    "match",     "matches",      "season",     "squad",    "tournament",
    "champions", "championship", "innings",    "wicket",   "wickets",
    "batsman",   "bowler",       "try",        "tries",    "rugby",
    "football",  "cricket",      "tennis",     "golf",     "seeded",
    "semi",      "quarter",      "final",      "victory",  "defeat",
    "beat",      "draw",         "penalty",    "referee",  "fixture",
    "stadium",   "olympic",      "athletics",  "sprinter", "medal",
    "race",      "grand",        "slam",       "manager",  "player",
    "players",   "team",         "club",       NULL};

/* Words that end an organisation's name. */
static const char *const ORG_HEADS[] = {"inc",
                                        "corp",
                                        "co",
                                        "ltd",
                                        "plc",
                                        "ag",
                                        "sa",
                                        "nv",
                                        "bv",
                                        "gmbh",
                                        "llc",
                                        "lp",
                                        "bank",
                                        "party",
                                        "ministry",
                                        "agency",
                                        "council",
                                        "committee",
                                        "association",
                                        "federation",
                                        "university",
                                        "reserve",
                                        "exchange",
                                        "union",
                                        "organisation",
                                        "organization",
                                        "group",
                                        "commission",
                                        "department",
                                        "fund",
                                        "board",
                                        "authority",
                                        "institute",
                                        "corporation",
                                        "company",
                                        "holdings",
                                        "trust",
                                        "bancorp",
                                        "bankshares",
                                        "securities",
                                        "industries",
                                        "airlines",
                                        "airways",
                                        "motors",
                                        "petroleum",
                                        "oil",
                                        "systems",
                                        "technologies",
                                        "partners",
                                        "court",
                                        "parliament",
                                        "assembly",
                                        "congress",
                                        "senate",
                                        "office",
                                        "foundation",
                                        "society",
                                        "college",
                                        "school",
                                        "bureau",
                                        "cos",
                                        "traders",
                                        "management",
                                        "brothers",
                                        "bros",
                                        "associates",
                                        "capital",
                                        "electric",
                                        "power",
                                        "energy",
                                        "chemical",
                                        "chemicals",
                                        "steel",
                                        "hospital",
                                        "church",
                                        "army",
                                        "navy",
                                        "league",
                                        "club",
                                        "times",
                                        "post",
                                        "journal",
                                        "news",
                                        "press",
                                        "television",
                                        "radio",
                                        "administration",
                                        "markets",
                                        "service",
                                        "services",
                                        "force",
                                        "forces",
                                        "departments",
                                        "ministries",
                                        "banks",
                                        "centre",
                                        "center",
                                        "academy",
                                        "tribunal",
                                        "coalition",
                                        "alliance",
                                        "movement",
                                        "network",
                                        "records",
                                        "studios",
                                        "magazine",
                                        "harriers",
                                        "ac",
                                        "fc",
                                        "afc",
                                        "rfc",
                                        NULL};

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
const char *const GAZ_FORMS[] = {"inc",         "corp",    "co",  "ltd", "plc",
                                 "corporation", "company", "llc", "ag",  "sa",
                                 "nv",          "cos",     NULL};

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
const char *const GAZ_ASIAN_SURNAMES[] = {
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

int gaz_in_list(const char *const *list, const char *w)
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
    set_of(&g->forms, GAZ_FORMS);
    set_of(&g->not_names, NOT_NAMES);
    set_of(&g->not_orgs, NOT_ORGS);
    set_of(&g->asian, GAZ_ASIAN_SURNAMES);
    set_of(&g->speech, SPEECH);
    set_of(&g->joiners, JOINERS);
    set_of(&g->generic, GENERIC);
    set_of(&g->not_surnames, NOT_SURNAMES);
    set_of(&g->headline_verbs, HEADLINE_VERBS);
}

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

/* The value of the case-folded name k in m, or -1. */
int gaz_lookup_l(const struct strmap *m, const char *k)
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

int gaz_lookup(const struct strmap *m, const char *name)
{
    char *k = gaz_lower(name);
    int v = strlen(k) < KEYMAX ? gaz_lookup_l(m, k) : -1;
    free(k);
    return v;
}

struct gazetteer *gaz_load(void)
{
    struct gazetteer *g = mg_calloc(1, sizeof *g);
    tsv_each(gaz_places_tsv, load_place, g);
    tsv_each(gaz_demonyms_tsv, load_demonym, g);
    tsv_each(gaz_first_names_tsv, load_first, g);
    tsv_each(gaz_orgs_tsv, load_org, g);
    tsv_each(gaz_titles_tsv, load_title, g);
    tsv_each(gaz_nonentities_tsv, load_nonentity, g);
    tsv_each(gaz_word_case_tsv, load_word_case, g);
    load_sets(g);
    load_lexicon(g);
    for (int i = 0; SPORT[i]; i++) {
        *strmap_slot(&g->sport, SPORT[i], 1) = 1;
        g->sport_first |= 1u << (SPORT[i][0] - 'a');
    }
    struct mg_err err;
    g->model =
        tag_model_parse(gaz_entity_model_tsv, "data/entity_model.tsv", &err);
    if (!g->model) { /* the build checked it: can't happen */
        fprintf(stderr, "morgue: %s\n", err.msg);
        abort();
    }
    return g;
}

int gaz_set_model(struct gazetteer *g, const char *path, struct mg_err *err)
{
    char *text;
    size_t len;
    if (mg_read_file(path, &text, &len, err) < 0)
        return -1;
    struct ent_model *m = tag_model_parse(text, path, err);
    free(text);
    if (!m)
        return -1;
    tag_model_free(g->model);
    g->model = m;
    return 0;
}

void gaz_set_features(struct gazetteer *g, FILE *f)
{
    g->features = f;
}

void gaz_free(struct gazetteer *g)
{
    if (!g)
        return;
    tag_model_free(g->model);
    strmap_free(&g->sport);
    strmap_free(&g->word_case);
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
