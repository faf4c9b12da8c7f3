/*
 * morgue_query.c - the morgue-query program: searches the index from the
 * command line.  Exit status (grep's convention): 0 some article has all
 * the words, 1 none has, 2 usage or index error, 3 out of time.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "search.h"
#include "search_json.h"

static void usage(FILE *f)
{
    fputs(
        "usage: morgue-query [--db FILE] [-n N] [--offset K] [--json] "
        "QUERY...\n"
        "Searches the index and prints the best articles first, each with\n"
        "a snippet whose matched words are highlighted.\n"
        "\n"
        "Query syntax (docs/query-syntax.md):\n"
        "  summit Pyongyang     articles with both words (summits counts)\n"
        "  \"Kim Jong Un\"        the words as written, in this order\n"
        "  summit OR talks      either word (also |)\n"
        "  -word  NOT word      without the word (a word that is an option\n"
        "                       with one dash, -json, is searched so, with\n"
        "                       a warning; -- ends the options)\n"
        "  universit*           words starting so\n"
        "  \"summit Pyongyang\"~5 the words at most 5 words apart\n"
        "  title:summit         in the title only (also lede: body:\n"
        "                       captions: highlights:)\n"
        "  source:Reuters section:World byline:Smith   stored fields\n"
        "  date:2018-02  date:2018-02-01..2018-02-10   dates\n"
        "  person:\"Kim Yo-jong\" place:Seoul org:OPEC   articles naming the\n"
        "                       entity (any of its names; always ANDed)\n"
        "\n"
        "  --db FILE     index file (default $MORGUE_DB, else ./morgue.db)\n"
        "  --cluster FILE  search the Xapian shards the cluster file lists\n"
        "                as one database (docs/scale-out.md)\n"
        "  --on-shard-failure fail|partial  a shard with no replica up: an\n"
        "                error naming it (default), or the other shards' hits\n"
        "  --connect-timeout S, --query-timeout S  with --cluster (1, 2)\n"
        "  -n, --limit N hits to print (default 10, at most 1000)\n"
        "  --offset K    skip the first K hits\n"
        "  --page P      page P of --limit hits (1 is the first)\n"
        "  --since DATE, --until DATE\n"
        "                only articles dated so (YYYY, YYYY-MM, YYYY-MM-DD)\n"
        "  --source NAME, --section NAME\n"
        "                only articles from that source or section\n"
        "  --sort relevance|newest|oldest\n"
        "                the order (default relevance; newest when the\n"
        "                query is only filters)\n"
        "  --strict      only articles with all the words (by default, when\n"
        "                too few have them all, those with most of them)\n"
        "  --count       print only the number of matching articles\n"
        "  --exact-total count every match (otherwise past 10,000 the\n"
        "                total says \"more than 10,000\")\n"
        "  --no-collapse show near-duplicates (republished wire stories) as\n"
        "                hits of their own, not folded under the best one\n"
        "  --similar ID  list the near-duplicates of article ID\n"
        "  --show ID [QUERY]\n"
        "                print the stored article ID (its title, date,\n"
        "                source, byline, entities and cleaned text) with\n"
        "                the words of QUERY marked as in the snippets\n"
        "  --fresh[=DAYS] favour recent articles: one as new as the\n"
        "                newest in the index counts twice, one DAYS older\n"
        "                (default 30) 1.5 times\n"
        "  --weights T,L,B,C,H,E\n"
        "                bm25 weights of title, lede, body, captions,\n"
        "                highlights and entities, for relevance experiments\n"
        "                (the defaults are in docs/ranking.md; others score\n"
        "                every match, without the index's bounds)\n"
        "  --ranking NAME=VALUE,...\n"
        "                the ranking's other figures, for experiments:\n"
        "                k1, b, qtf_k3, coord_exp, typed_w, prox_boost,\n"
        "                prox_scale, pair_boost, pair_dist, pair_k,\n"
        "                short_body, short_exp, short_frac,\n"
        "                short_frac_strict, min_norm (docs/ranking.md)\n"
        "  --exhaustive  score every match instead of skipping those that\n"
        "                cannot reach the page (the same answer, slower;\n"
        "                a check of the ranking)\n"
        "  --timeout S   stop a search after S seconds (default 10; 0.5 is\n"
        "                half a second)\n"
        "  --timing      print where the time went on stderr\n"
        "  --json        one JSON document: {query, total, hits, facets}\n"
        "  --person NAME, --place NAME, --org NAME\n"
        "                only articles naming that entity (repeatable)\n"
        "  --facets      the top people, places and organisations of all\n"
        "                matching articles, with their article counts\n"
        "  --entities PREFIX [--kind person|place|org]\n"
        "                list entities whose name starts so, with counts\n"
        "  -h, --help    this help\n"
        "  --version     the version\n"
        "\n"
        "Exit status: 0 some article has all the words, 1 none has\n"
        "(relaxed hits, with most of the words, may still be shown),\n"
        "2 usage or index error, 3 the search ran out of time.\n",
        f);
}

static int parse_int(const char *s, const char *what, int lo, int hi, int *out)
{
    return mg_parse_int("morgue-query", s, what, lo, hi, out);
}

/* --weights T,L,B,C,H,E: six bm25 weights, each from 0 to 1000. */
static int parse_weights(const char *s, double *w)
{
    const char *p = s;
    for (int i = 0; i < SEARCH_NWEIGHTS; i++) {
        char *end;
        w[i] = strtod(p, &end);
        if (end == p || !(w[i] >= 0 && w[i] <= 1000) ||
            (i + 1 < SEARCH_NWEIGHTS ? *end != ',' : *end != '\0')) {
            fprintf(stderr,
                    "morgue-query: --weights must be %d numbers "
                    "from 0 to 1000 separated by commas (title, "
                    "lede, body, captions, highlights, entities), "
                    "not \"%s\"\n",
                    SEARCH_NWEIGHTS, s);
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

/* Prints the snippet with its spans marked: bold on a terminal, [..]
 * otherwise. */
static void print_snippet(const struct search_hit *h, int tty)
{
    const char *on = tty ? "\033[1m" : "[", *off = tty ? "\033[0m" : "]";
    int cp = 0, span = 0, in = 0;
    for (const char *p = h->snippet; *p; p++) {
        int lead = ((unsigned char)*p & 0xC0) != 0x80;
        if (lead) {
            if (in && cp == h->spans[span].start + h->spans[span].length) {
                fputs(off, stdout);
                in = 0;
                span++;
            }
            if (!in && span < h->nspans && cp == h->spans[span].start) {
                fputs(on, stdout);
                in = 1;
            }
            cp++;
        }
        putchar(*p == '\n' ? ' ' : *p);
    }
    if (in)
        fputs(off, stdout);
    putchar('\n');
}

static void print_text(const struct search_result *r, int offset, int tty)
{
    for (int i = 0; i < r->nhits; i++) {
        const struct search_hit *h = &r->hits[i];
        char date[11] = "";
        if (h->date)
            snprintf(date, sizeof date, "%s", h->date);
        printf("%s%d. %s%s\n", tty ? "\033[1m" : "", offset + i + 1,
               h->title && *h->title ? h->title : "(no title)",
               tty ? "\033[0m" : "");
        printf("   %s%s%s%s%s  score %.2f", date, *date ? " | " : "",
               h->source ? h->source : "", h->source ? " | " : "",
               h->path ? h->path : h->id, h->score);
        if (h->similar)
            printf("  (+%d similar: --similar %s)", h->similar, h->id);
        putchar('\n');
        fputs("   ", stdout);
        print_snippet(h, tty);
        putchar('\n');
    }
    if (r->relaxed && r->total == 0)
        printf("No article has all the words; these have most of them "
               "(--strict for all).\n");
    else if (r->relaxed)
        printf("Only %lld %s all the words; these are the articles with "
               "most of them (--strict for only those).\n",
               (long long)r->total,
               r->total == 1 ? "article has" : "articles have");
    if (r->relaxed)
        printf("%d of %s%lld articles with some of the words shown (from "
               "%d)\n",
               r->nhits, r->relaxed_total_exact ? "" : "more than ",
               (long long)r->relaxed_total, r->nhits ? offset + 1 : 0);
    else
        printf("%d of %s%lld matching articles shown (from %d)\n", r->nhits,
               r->total_exact ? "" : "more than ", (long long)r->total,
               r->nhits ? offset + 1 : 0);
    if (r->ndropped) {
        printf("(a long query: left out its %d least informative words:",
               r->ndropped);
        for (int i = 0; i < r->ndropped; i++)
            printf("%s %s", i ? "," : "", r->dropped[i]);
        puts(")");
    }
    for (int i = 0; i < r->nnarrowed; i++)
        printf("(%s* stands for %d words; searched for its %d most "
               "frequent)\n",
               r->narrowed[i].prefix, r->narrowed[i].of, r->narrowed[i].kept);
    if (r->suggestion)
        printf("Did you mean: %s%s%s?\n", tty ? "\033[1m" : "", r->suggestion,
               tty ? "\033[0m" : "");
}

/* Under a kind's line, one indented line per entity of that kind naming
 * those most often mentioned with it: "  Reagan with Japan (30), ...". */
static void print_with(const struct search_result *r, enum ent_kind kind)
{
    for (int i = 0; i < r->nfacets; i++) {
        const struct search_facet *f = &r->facets[i];
        if (f->kind != kind || f->nwith == 0)
            continue;
        printf("  %s with", f->name);
        for (int k = 0; k < f->nwith; k++)
            printf("%s %s (%lld)", k ? "," : "", f->with[k].name,
                   (long long)f->with[k].count);
        putchar('\n');
    }
}

static void print_facets(const struct search_result *r, int tty)
{
    static const enum ent_kind KINDS[] = {ENT_PERSON, ENT_PLACE, ENT_ORG};
    static const char *const TITLE[] = {"People", "Places", "Organisations"};
    for (int k = 0; k < 3; k++) {
        printf("%s%s:%s", tty ? "\033[1m" : "", TITLE[k], tty ? "\033[0m" : "");
        int any = 0;
        for (int i = 0; i < r->nfacets; i++)
            if (r->facets[i].kind == KINDS[k]) {
                printf("%s %s (%lld)", any ? "," : "", r->facets[i].name,
                       (long long)r->facets[i].count);
                any = 1;
            }
        puts(any ? "" : " -");
        print_with(r, KINDS[k]);
    }
    printf("%sSources:%s", tty ? "\033[1m" : "", tty ? "\033[0m" : "");
    for (int i = 0; i < r->nsources; i++)
        printf("%s %s (%lld)", i ? "," : "", r->sources[i].name,
               (long long)r->sources[i].count);
    puts(r->nsources ? "" : " -");
    if (r->sample)
        printf("(about: counted on an even sample of %lld of the %lld "
               "matching articles, scaled)\n",
               (long long)r->sample, (long long)r->total);
}

static int print_json(const struct searcher *sr, const char *query,
                      const struct search_result *r, int flags, double took)
{
    json_t *doc = search_result_json(query, r, SEARCH_JSON_PATH | flags);
    if (sr)
        search_missing_json(doc, sr);
    if (took >= 0)
        json_object_set_new(doc, "took_ms",
                            json_real((double)(int64_t)(took * 1e4) / 10));
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

static void warn_option_lookalike(const char *word);

/* Whether argument a is "-n" with its value glued on ("-n5", "-n" then
 * the value in the next argument): a word such as "-news" is an
 * exclusion, not --limit. */
static int short_limit(const char *a)
{
    return a[0] == '-' && a[1] == 'n' &&
           (a[2] == '\0' || (a[2] >= '0' && a[2] <= '9'));
}

/* Splits argv into the options (kept in argv, argc updated) and the
 * query's words (into q).  A word starting with '-' that is not one of
 * our options ("-word", "-\"a phrase\"") is an exclusion in the query,
 * not an option (one that looks like a misspelt option gets a warning);
 * after "--" everything is query. */
static int split_args(int argc, char **argv, struct buf *q)
{
    static const char *const WITH_VALUE[] = {"--db",
                                             "-n",
                                             "--limit",
                                             "--offset",
                                             "--person",
                                             "--place",
                                             "--org",
                                             "--entities",
                                             "--kind",
                                             "--page",
                                             "--since",
                                             "--until",
                                             "--source",
                                             "--section",
                                             "--sort",
                                             "--similar",
                                             "--weights",
                                             "--ranking",
                                             "--timeout",
                                             "--show",
                                             "--cluster",
                                             "--on-shard-failure",
                                             "--connect-timeout",
                                             "--query-timeout",
                                             NULL};
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int option = 0, takes = 0;
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (q->len)
                    buf_addc(q, ' ');
                buf_adds(q, argv[i]);
            }
            break;
        }
        for (int k = 0; WITH_VALUE[k]; k++)
            if (strcmp(a, WITH_VALUE[k]) == 0)
                option = takes = 1;
        if (strncmp(a, "--", 2) == 0 || short_limit(a) || strcmp(a, "-h") == 0)
            option = 1;
        if (option) {
            argv[kept++] = argv[i];
            if (takes && i + 1 < argc)
                argv[kept++] = argv[++i];
            continue;
        }
        warn_option_lookalike(a);
        if (q->len)
            buf_addc(q, ' ');
        buf_adds(q, a);
    }
    argv[kept] = NULL;
    return kept;
}

/* The exit statuses (grep's convention; docs/cli.md). */
enum exit_status {
    EXIT_FOUND = 0,   /* some article has all the words; --help, --version */
    EXIT_NONE = 1,    /* none has (relaxed hits may still be shown) */
    EXIT_ERROR = 2,   /* usage or index error */
    EXIT_TIMEOUT = 3, /* the search ran out of time */
};

/* What the command line asks for. */
struct query_opts {
    const char *db, *cluster;
    struct search_cluster_opts co;
    struct search_opts so;
    int json, facets, kind, page;
    const char *entities, *similar, *show;
    double weights[SEARCH_NWEIGHTS];
    int weighted, timing;
    struct rank_params params;
    struct qfilter filters[QPARSE_MAX_FILTERS];
    int nfilters;
    struct buf query; /* the query's words */
};

static const struct option OPTIONS[] = {
    {"db", required_argument, NULL, 'd'},
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, 'j'},
    {"person", required_argument, NULL, 'P'},
    {"place", required_argument, NULL, 'L'},
    {"org", required_argument, NULL, 'O'},
    {"facets", no_argument, NULL, 'F'},
    {"entities", required_argument, NULL, 'E'},
    {"kind", required_argument, NULL, 'K'},
    {"page", required_argument, NULL, 'p'},
    {"since", required_argument, NULL, 's'},
    {"until", required_argument, NULL, 'u'},
    {"source", required_argument, NULL, 'S'},
    {"section", required_argument, NULL, 'C'},
    {"sort", required_argument, NULL, 'R'},
    {"strict", no_argument, NULL, 'T'},
    {"count", no_argument, NULL, 'N'},
    {"fresh", optional_argument, NULL, 'W'},
    {"no-collapse", no_argument, NULL, 'U'},
    {"similar", required_argument, NULL, 'M'},
    {"show", required_argument, NULL, 'H'},
    {"weights", required_argument, NULL, 'G'},
    {"ranking", required_argument, NULL, 'A'},
    {"exhaustive", no_argument, NULL, 'X'},
    {"exact-total", no_argument, NULL, 'Z'},
    {"timeout", required_argument, NULL, 'I'},
    {"timing", no_argument, NULL, 'Y'},
    {"cluster", required_argument, NULL, 1001},
    {"on-shard-failure", required_argument, NULL, 1002},
    {"connect-timeout", required_argument, NULL, 1003},
    {"query-timeout", required_argument, NULL, 1004},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* Warns on stderr when a query word reads like one of OPTIONS written
 * with one dash ("-json", "-limit", "-sort=newest"): it is searched as
 * an exclusion, which is seldom what was meant.  The search goes on.
 * Can't fail. */
static void warn_option_lookalike(const char *word)
{
    if (word[0] != '-' || word[1] == '-')
        return;
    const char *name = word + 1;
    size_t len = strcspn(name, "=");
    for (const struct option *opt = OPTIONS; opt->name; opt++) {
        if (strlen(opt->name) != len || strncmp(opt->name, name, len) != 0 ||
            (name[len] == '=' && opt->has_arg == no_argument))
            continue;
        fprintf(stderr,
                "morgue-query: warning: \"%s\" looks like the option --%s; "
                "searching for articles without \"%s\" (write --%s for "
                "the option, or put the query after -- to mean the "
                "word)\n",
                word, name, name, opt->name);
        return;
    }
}

/* --person, --place, --org (option c) NAME: one more entity filter.
 * Returns 0, or -1 with a message on stderr. */
static int add_filter(struct query_opts *o, int c, char *name)
{
    if (o->nfilters == QPARSE_MAX_FILTERS) {
        fprintf(stderr,
                "morgue-query: at most %d --person, --place "
                "and --org filters\n",
                QPARSE_MAX_FILTERS);
        return -1;
    }
    o->filters[o->nfilters].kind = c == 'P'   ? ENT_PERSON
                                   : c == 'L' ? ENT_PLACE
                                              : ENT_ORG;
    o->filters[o->nfilters++].name = name;
    return 0;
}

/* --kind person|place|org.  Returns 0, or -1 with a message on stderr. */
static int parse_kind(const char *arg, int *kind)
{
    *kind = strcmp(arg, "person") == 0  ? ENT_PERSON
            : strcmp(arg, "place") == 0 ? ENT_PLACE
            : strcmp(arg, "org") == 0   ? ENT_ORG
                                        : -2;
    if (*kind != -2)
        return 0;
    fprintf(stderr,
            "morgue-query: --kind must be person, place "
            "or org, not \"%s\"\n",
            arg);
    return -1;
}

/* --sort relevance|newest|oldest.  Returns 0, or -1 with a message on
 * stderr. */
static int parse_sort(const char *arg, enum search_sort *sort)
{
    *sort = strcmp(arg, "relevance") == 0 ? SEARCH_SORT_RELEVANCE
            : strcmp(arg, "newest") == 0  ? SEARCH_SORT_NEWEST
            : strcmp(arg, "oldest") == 0  ? SEARCH_SORT_OLDEST
                                          : (enum search_sort) - 1;
    if ((int)*sort >= 0)
        return 0;
    fprintf(stderr,
            "morgue-query: --sort must be relevance, "
            "newest or oldest, not \"%s\"\n",
            arg);
    return -1;
}

/* --timeout S.  Returns 0, or -1 with a message on stderr. */
static int parse_timeout(const char *arg, double *budget)
{
    char *end;
    double sec = strtod(arg, &end);
    if (end == arg || *end || !(sec >= 0.001 && sec <= 86400)) {
        fprintf(stderr,
                "morgue-query: --timeout must be a number of "
                "seconds from 0.001 to 86400, not \"%s\"\n",
                arg);
        return -1;
    }
    *budget = sec;
    return 0;
}

/* --ranking NAME=VALUE,...  Returns 0, or -1 with a message on stderr. */
static int parse_ranking(const char *arg, struct query_opts *o)
{
    struct mg_err perr;
    if (rank_params_parse(arg, &o->params, &perr) < 0) {
        fprintf(stderr, "morgue-query: %s\n", perr.msg);
        return -1;
    }
    o->so.params = &o->params;
    return 0;
}

/* --fresh[=DAYS] (arg NULL without DAYS).  Returns 0, or -1 with a
 * message on stderr. */
static int parse_fresh(const char *arg, double *fresh)
{
    int days = 30;
    if (arg && parse_int(arg, "--fresh", 1, 36500, &days))
        return -1;
    *fresh = days;
    return 0;
}

/* Takes option c (getopt_long's value) with its argument arg (NULL when
 * it has none: only --fresh's is optional) into *o.  Returns 0, or -1 with a
 * message on stderr. */
static int set_option(struct query_opts *o, int c, char *arg)
{
    struct search_opts *so = &o->so;
    switch (c) {
    case 'd': o->db = arg; return 0;
    case 'n': return parse_int(arg, "--limit", 1, SEARCH_MAX_LIMIT, &so->limit);
    case 'o': return parse_int(arg, "--offset", 0, INT_MAX / 2, &so->offset);
    case 'j': o->json = 1; return 0;
    case 'P':
    case 'L':
    case 'O': return add_filter(o, c, arg);
    case 'F': o->facets = 1; return 0;
    case 'E': o->entities = arg; return 0;
    case 'K': return parse_kind(arg, &o->kind);
    case 'p': return parse_int(arg, "--page", 1, 1000000, &o->page);
    case 's': so->since = arg; return 0;
    case 'u': so->until = arg; return 0;
    case 'S': so->source = arg; return 0;
    case 'C': so->section = arg; return 0;
    case 'R': return parse_sort(arg, &so->sort);
    case 'T': so->strict = 1; return 0;
    case 'N': so->count_only = 1; return 0;
    case 'U': so->no_collapse = 1; return 0;
    case 'M': o->similar = arg; return 0;
    case 'H': o->show = arg; return 0;
    case 'G':
        if (parse_weights(arg, o->weights) < 0)
            return -1;
        o->weighted = 1;
        return 0;
    case 'A': return parse_ranking(arg, o);
    case 'X': so->exhaustive = 1; return 0;
    case 'Z': so->exact_total = 1; return 0;
    case 'Y': o->timing = 1; return 0;
    case 'I': return parse_timeout(arg, &so->budget);
    case 'W': return parse_fresh(arg, &so->fresh);
    case 1001: o->cluster = arg; return 0;
    case 1002:
        if (strcmp(arg, "fail") == 0 || strcmp(arg, "partial") == 0) {
            o->co.partial = strcmp(arg, "partial") == 0;
            return 0;
        }
        fprintf(stderr,
                "morgue-query: --on-shard-failure must be fail or partial, "
                "not \"%s\"\n",
                arg);
        return -1;
    case 1003: return parse_timeout(arg, &o->co.connect_timeout);
    case 1004: return parse_timeout(arg, &o->co.timeout);
    default: fputs("Try 'morgue-query --help'.\n", stderr); return -1;
    }
}

/* Reads the command line into *o (zero-initialised; the caller frees
 * o->query).  Returns 1 when it asks for a search; else 0 with *status
 * the program's exit status: EXIT_FOUND after --help or --version,
 * EXIT_ERROR after a usage error (named on stderr). */
static int parse_options(int argc, char **argv, struct query_opts *o,
                         enum exit_status *status)
{
    o->so.limit = SEARCH_DEFAULT_LIMIT;
    o->kind = -1;
    o->params = RANK_PARAMS_DEFAULT;
    argc = split_args(argc, argv, &o->query);
    int c;
    while ((c = getopt_long(argc, argv, "n:h", OPTIONS, NULL)) != -1) {
        if (c == 'h' || c == 'V') {
            if (c == 'h')
                usage(stdout);
            else
                puts("morgue-query " MORGUE_VERSION);
            *status = EXIT_FOUND;
            return 0;
        }
        if (set_option(o, c, optarg) < 0) {
            *status = EXIT_ERROR;
            return 0;
        }
    }
    if (o->page > 0)
        o->so.offset = (o->page - 1) * o->so.limit;
    o->so.filters = o->filters;
    o->so.nfilters = o->nfilters;
    o->so.facets = o->facets || o->json;
    o->so.histogram = o->json;
    o->so.suggest = 1; /* "did you mean" (suggest.h) */
    return 1;
}

/* A partial answer of a cluster (--on-shard-failure partial): one line
 * on stderr per shard that did not answer. */
static void print_missing(const struct searcher *s)
{
    struct buf b = {0};
    for (int i = 0; i < searcher_nmissing(s); i++) {
        size_t num;
        searcher_missing(s, i, &num, &b);
        fprintf(stderr,
                "morgue-query: partial: shard %zu (%s) did not answer; "
                "these are the other shards' answers\n",
                num, b.s ? b.s : "");
    }
    buf_free(&b);
}

/* --entities PREFIX: a list for autocompletion. */
static enum exit_status run_entities(struct searcher *s,
                                     const struct query_opts *o,
                                     struct search_result *res)
{
    struct mg_err err;
    if (search_entities(s, o->entities, o->kind, o->so.limit, res, &err) < 0) {
        fprintf(stderr, "morgue-query: %s\n", err.msg);
        return EXIT_ERROR;
    }
    print_missing(s);
    if (o->json) {
        json_t *a = search_entities_json(res);
        char *js = json_dumps(a, JSON_INDENT(2));
        puts(js ? js : "[]");
        free(js);
        json_decref(a);
    } else {
        for (int i = 0; i < res->nfacets; i++)
            printf("%-6s  %s (%lld)\n", ent_kind_name(res->facets[i].kind),
                   res->facets[i].name, (long long)res->facets[i].count);
    }
    return res->nfacets ? EXIT_FOUND : EXIT_NONE;
}

/* --similar ID: the article's near-duplicates. */
static enum exit_status run_similar(struct searcher *s,
                                    const struct query_opts *o,
                                    struct search_result *res)
{
    struct mg_err err;
    if (search_similar(s, o->similar, o->so.limit, res, &err) < 0) {
        fprintf(stderr, "morgue-query: %s\n", err.msg);
        return EXIT_ERROR;
    }
    print_missing(s);
    if (o->json && print_json(s, o->similar, res, 0, -1) < 0)
        return EXIT_ERROR;
    if (!o->json)
        print_text(res, 0, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    return res->nhits ? EXIT_FOUND : EXIT_NONE;
}

/* How marks are shown: bold on a terminal, else in [..]; in the title,
 * itself bold on a terminal, underlined. */
#define MARK_ON(tty) ((tty) ? "\033[1m" : "[")
#define MARK_OFF(tty) ((tty) ? "\033[0m" : "]")

/* Prints text (which may be NULL) with the marks of field col (and line
 * line) of m between on and off, then a line break. */
static void print_marked(const char *text, const struct search_marks *m,
                         int col, int line, const char *on, const char *off)
{
    /* m is in field order, then by place (search_marks): one pass over
     * it, k the next mark not yet passed */
    int cp = 0, end = -1, k = 0;
    for (const char *p = text; p && *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (cp == end) {
                fputs(off, stdout);
                end = -1;
            }
            while (k < m->n && (m->v[k].col != col || m->v[k].line != line ||
                                m->v[k].start < cp))
                k++;
            if (end < 0 && k < m->n && m->v[k].start == cp) {
                fputs(on, stdout);
                end = cp + m->v[k++].len;
            }
            cp++;
        }
        putchar(*p);
    }
    if (end >= 0)
        fputs(off, stdout);
    putchar('\n');
}

/* Prints the non-empty lines of field col (captions or highlights) under
 * heading, each as "  - LINE", marked. */
static void print_lines(const char *heading, const char *text,
                        const struct search_marks *m, int col, int tty)
{
    int line = 0;
    for (const char *s = text; s && *s;) {
        const char *at;
        size_t n = mg_next_line(&s, &at);
        if (!n)
            continue;
        if (line == 0)
            printf("\n%s%s:%s\n", tty ? "\033[1m" : "", heading,
                   tty ? "\033[0m" : "");
        char *one = mg_strndup(at, n);
        fputs("  - ", stdout);
        print_marked(one, m, col, line++, MARK_ON(tty), MARK_OFF(tty));
        free(one);
    }
}

/* The article as text: title, facts, entities, highlights, body (else
 * lede), captions. */
static void print_article(const struct article *a,
                          const struct search_result *ents,
                          const struct search_marks *m, int tty)
{
    fputs(tty ? "\033[1m" : "", stdout);
    print_marked(a->title && *a->title ? a->title : "(no title)", m, ART_TITLE,
                 0, tty ? "\033[4m" : "[", tty ? "\033[24m" : "]");
    fputs(tty ? "\033[0m" : "", stdout);
    const char *facts[] = {a->date, a->source, a->section, a->dateline,
                           a->byline};
    int any = 0;
    for (size_t i = 0; i < sizeof facts / sizeof *facts; i++)
        if (facts[i] && *facts[i])
            printf("%s%s", any++ ? " | " : "", facts[i]);
    if (any)
        putchar('\n');
    printf("id: %s\n", a->uid);
    if (a->path && *a->path && strcmp(a->path, a->uid) != 0)
        printf("file: %s\n", a->path);
    if (a->url && *a->url)
        printf("url: %s\n", a->url);
    static const enum ent_kind KINDS[] = {ENT_PERSON, ENT_PLACE, ENT_ORG};
    static const char *const TITLE[] = {"People", "Places", "Organisations"};
    for (int k = 0; k < 3; k++) {
        int n = 0;
        for (int i = 0; i < ents->nfacets; i++) {
            const struct search_facet *f = &ents->facets[i];
            if (f->kind != KINDS[k])
                continue;
            printf("%s%s %s", n ? "," : TITLE[k], n ? "" : ":", f->name);
            if (f->count >= 0) /* < 0: not known (a Xapian index) */
                printf(" (%lld)", (long long)f->count);
            n++;
        }
        if (n)
            putchar('\n');
    }
    print_lines("Highlights", a->highlights, m, ART_HIGHLIGHTS, tty);
    /* the body, which opens with the lede; the lede when it is all */
    if (a->body && *a->body) {
        putchar('\n');
        print_marked(a->body, m, ART_BODY, 0, MARK_ON(tty), MARK_OFF(tty));
    } else if (a->lede && *a->lede) {
        putchar('\n');
        print_marked(a->lede, m, ART_LEDE, 0, MARK_ON(tty), MARK_OFF(tty));
    }
    print_lines("Captions", a->captions, m, ART_CAPTIONS, tty);
}

/* --show ID [QUERY]: the stored article, the query's words marked. */
static enum exit_status run_show(struct searcher *s, const struct query_opts *o,
                                 struct search_result *ents)
{
    struct mg_err err;
    struct article a = {0};
    struct search_marks m = {0};
    const char *q = o->so.query;
    int blank = !q || q[strspn(q, " \t\r\n")] == '\0';
    int found = search_article(s, o->show, &a, ents, &err);
    int rc =
        found > 0 && !blank ? search_marks(s, o->show, q, &a, &m, &err) : 0;
    enum exit_status status = EXIT_FOUND;
    if (found < 0 || rc < 0) {
        fprintf(stderr, "morgue-query: %s\n", err.msg);
        status = EXIT_ERROR;
    } else if (found == 0) {
        fprintf(stderr, "morgue-query: no article \"%s\" in %s\n", o->show,
                o->cluster ? o->cluster : store_default_path(o->db));
        status = EXIT_ERROR;
    } else if (o->json) {
        json_t *doc = search_article_doc(&a, ents, blank ? NULL : q, &m,
                                         SEARCH_JSON_PATH);
        char *js = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (js)
            puts(js);
        else
            status = EXIT_ERROR;
        free(js);
    } else {
        print_article(&a, ents, &m,
                      isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    }
    article_clear(&a);
    search_marks_free(&m);
    return status;
}

/* Prints where a search's time went (--timing) on stderr. */
static void print_timing(const struct search_result *res, double took)
{
    if (res->xpasses > 0) { /* the Xapian engine: no FTS5 ranking figures */
        fprintf(stderr,
                "morgue-query: %.1f ms: plan %.1f, count %.1f, rank %.1f, "
                "page %.1f, facets %.1f, suggestion %.1f; %d passes over the "
                "Xapian engine's databases\n",
                took * 1e3, res->ms_plan, res->ms_count, res->ms_rank,
                res->ms_page, res->ms_facets, res->ms_suggest, res->xpasses);
        return;
    }
    fprintf(stderr,
            "morgue-query: %.1f ms: plan %.1f, count %.1f, rank %.1f, "
            "page %.1f, facets %.1f, suggestion %.1f; %lld scored, %lld passed "
            "over "
            "by their bounds, in %d passes over %d blocks (%d "
            "skipped); %lld seeded\n",
            took * 1e3, res->ms_plan, res->ms_count, res->ms_rank, res->ms_page,
            res->ms_facets, res->ms_suggest, (long long)res->rank.scored,
            (long long)res->rank.passed_over, res->rank.statements,
            res->rank.blocks, res->rank.skipped, (long long)res->rank.seeded);
}

/* The query itself. */
static enum exit_status run_search(struct searcher *s,
                                   const struct query_opts *o,
                                   struct search_result *res)
{
    struct mg_err err;
    double t0 = mg_now();
    int rc = search_run(s, &o->so, res, &err);
    double took = mg_now() - t0;
    if (rc < 0) {
        fprintf(stderr, "morgue-query: %s\n", err.msg);
        return rc == SEARCH_ETIME ? EXIT_TIMEOUT : EXIT_ERROR;
    }
    print_missing(s);
    if (o->so.count_only) {
        if (o->json && searcher_nmissing(s) > 0) {
            json_t *doc = json_object();
            json_object_set_new(doc, "total", json_integer(res->total));
            search_missing_json(doc, s);
            char *txt = json_dumps(doc, JSON_PRESERVE_ORDER);
            json_decref(doc);
            if (txt)
                puts(txt);
            free(txt);
        } else if (o->json)
            printf("{\"total\": %lld}\n", (long long)res->total);
        else
            printf("%lld\n", (long long)res->total);
        return res->total > 0 ? EXIT_FOUND : EXIT_NONE;
    }
    if (o->timing)
        print_timing(res, took);
    if (o->json) {
        if (print_json(s, o->so.query, res, SEARCH_JSON_HISTOGRAM, took) < 0) {
            fprintf(stderr, "morgue-query: cannot write JSON output\n");
            return EXIT_ERROR;
        }
    } else {
        int tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        print_text(res, o->so.offset, tty);
        if (o->facets)
            print_facets(res, tty);
    }
    /* found: some article has all the words (relaxed hits alone are not) */
    return res->total > 0 ? EXIT_FOUND : EXIT_NONE;
}

/* Opens the index and runs what the options ask for; returns the exit
 * status. */
static enum exit_status run(const struct query_opts *o)
{
    struct mg_err err;
    struct store *st = NULL;
    struct searcher *s = NULL;
    struct search_result res = {0};
    enum exit_status status;
    if (o->cluster ? searcher_new_cluster(o->cluster, &o->co, &s, &err) < 0
                   : store_open_as(store_default_path(o->db), STORE_READ, NULL,
                                   0, &st, &err) < 0 ||
                         searcher_new(st, &s, &err) < 0) {
        fprintf(stderr, "morgue-query: %s\n", err.msg);
        status = EXIT_ERROR;
    } else {
        if (o->weighted)
            searcher_set_weights(s, o->weights);
        status = o->entities  ? run_entities(s, o, &res)
                 : o->similar ? run_similar(s, o, &res)
                 : o->show    ? run_show(s, o, &res)
                              : run_search(s, o, &res);
    }
    search_result_free(&res);
    searcher_free(s);
    store_close(st);
    return status;
}

int main(int argc, char **argv)
{
    struct query_opts o = {0};
    enum exit_status status;
    if (!parse_options(argc, argv, &o, &status)) {
        buf_free(&o.query);
        return status;
    }
    char *query = buf_take(&o.query);
    o.so.query = query;
    status = run(&o);
    free(query);
    return status;
}
