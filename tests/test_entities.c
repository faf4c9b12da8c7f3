/*
 * test_entities.c - named entities of the seed article: the people, places
 * and organisations a reader expects, each once, and no common words.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "entities.h"
#include "formats.h"

static struct gazetteer *gaz;
static struct ent_set ents;

static int on_article(void *ctx, struct article *a)
{
    (void)ctx;
    clean_article(a, NULL, NULL);
    ent_extract(gaz, a, &ents);
    return 0;
}

static void on_warn(void *ctx, const char *msg)
{
    (void)ctx, (void)msg;
}

static void setup(void)
{
    gaz = gaz_load();
    struct fmt_sink sink = {on_article, on_warn, NULL};
    struct mg_err err;
    cr_assert_eq(fmt_parse_file("../corpus/seed/000_2637ad2161ccb637.txt",
                                "seed", &sink, &err),
                 1, "%s", err.msg);
}

static void teardown(void)
{
    ent_set_free(&ents);
    gaz_free(gaz);
}

static const struct ent *find(enum ent_kind k, const char *name)
{
    for (int i = 0; i < ents.n; i++)
        if (ents.v[i].kind == k && strcmp(ents.v[i].canonical, name) == 0)
            return &ents.v[i];
    return NULL;
}

TestSuite(entities, .init = setup, .fini = teardown);

Test(entities, seed_people)
{
    static const char *const PEOPLE[] = {
        "Kim Jong-un", "Moon Jae-in",  "Kim Yo-jong",   "Kim Yong-nam",
        "Mike Pence",  "Karen Pence",  "Kim Jung-sook", "Kim Eui-kyeom",
        "Kim Jong Il", "Kim Dae-jung", "Roh Moo-hyun",  "Trump"};
    for (size_t i = 0; i < sizeof PEOPLE / sizeof *PEOPLE; i++)
        cr_expect_not_null(find(ENT_PERSON, PEOPLE[i]), "no person %s",
                           PEOPLE[i]);
    /* "Moon", "Mr Moon", "President Moon" are Moon Jae-in. */
    cr_expect_null(find(ENT_PERSON, "Moon"));
    cr_expect_gt(find(ENT_PERSON, "Moon Jae-in")->count, 5);
}

Test(entities, seed_places)
{
    static const char *const PLACES[] = {"North Korea", "South Korea",
                                         "Pyongyang", "Seoul", "United States"};
    for (size_t i = 0; i < sizeof PLACES / sizeof *PLACES; i++)
        cr_expect_not_null(find(ENT_PLACE, PLACES[i]), "no place %s",
                           PLACES[i]);
    /* PyeongChang and Pyeongchang are one place. */
    int pyeongchang = 0;
    for (int i = 0; i < ents.n; i++)
        pyeongchang += ents.v[i].kind == ENT_PLACE &&
                       strcasecmp(ents.v[i].canonical, "PyeongChang") == 0;
    cr_expect_eq(pyeongchang, 1);
}

Test(entities, seed_orgs_and_no_common_words)
{
    cr_expect_not_null(find(ENT_ORG, "Blue House"));
    static const char *const NOT[] = {"Friday", "Saturday",  "Olympic",
                                      "Vice",   "President", "Read"};
    for (int i = 0; i < ents.n; i++)
        for (size_t k = 0; k < sizeof NOT / sizeof *NOT; k++)
            cr_expect_neq(strcmp(ents.v[i].canonical, NOT[k]), 0,
                          "%s is not an entity", NOT[k]);
}

Test(entities, merge_keys)
{
    char *a = ent_key("Kim Jong-un"), *b = ent_key("Kim Jong Un"),
         *c = ent_key("KIM JONG-UN");
    cr_expect_str_eq(a, b);
    cr_expect_str_eq(a, c);
    free(a);
    free(b);
    free(c);
}

/* ---- rules, one story each ------------------------------------------- */

static struct gazetteer *rgaz;
static struct ent_set rents;

static void rules_setup(void)
{
    rgaz = gaz_load();
    memset(&rents, 0, sizeof rents);
}

static void rules_teardown(void)
{
    ent_set_free(&rents);
    gaz_free(rgaz);
}

/* Extracts the entities of a story with this title and body. */
static void story(const char *title, const char *body)
{
    ent_set_free(&rents);
    struct article a = {0};
    a.title = (char *)title;
    a.body = (char *)body;
    ent_extract(rgaz, &a, &rents);
}

static const struct ent *rfind(enum ent_kind k, const char *name)
{
    for (int i = 0; i < rents.n; i++)
        if (rents.v[i].kind == k && strcmp(rents.v[i].canonical, name) == 0)
            return &rents.v[i];
    return NULL;
}

static int count_kind(enum ent_kind k)
{
    int n = 0;
    for (int i = 0; i < rents.n; i++)
        n += rents.v[i].kind == k;
    return n;
}

TestSuite(entity_rules, .init = rules_setup, .fini = rules_teardown);

Test(entity_rules, acronym_in_brackets_names_the_body_before_it)
{
    story("Exchange plans contract",
          "The Minneapolis Grain Exchange (MGE) will start trading. A "
          "spokesperson for the MGE said the exchange expects approval.");
    const struct ent *e = rfind(ENT_ORG, "Minneapolis Grain Exchange");
    cr_assert_not_null(e);
    cr_expect_eq(e->count, 3);
    cr_expect_null(rfind(ENT_ORG, "MGE"));
}

Test(entity_rules, stock_symbol_and_initials_join_the_company)
{
    story("Oil venture",
          "BP North America is a subsidiary of British Petroleum Co Plc "
          "<BP>. American Telephone and Telegraph Co said ATT would bid, "
          "and ATT's chairman agreed.");
    const struct ent *bp = rfind(ENT_ORG, "British Petroleum Co Plc");
    cr_assert_not_null(bp);
    cr_expect_eq(bp->count, 2);
    const struct ent *att =
        rfind(ENT_ORG, "American Telephone and Telegraph Co");
    cr_assert_not_null(att);
    cr_expect_eq(att->count, 3);
    cr_expect_null(rfind(ENT_ORG, "ATT"));
}

Test(entity_rules, company_names_are_not_people)
{
    story("Salt unit for sale",
          "Diamond Crystal Salt Co said it might sell its salt division. "
          "Diamond Crystal said the sale was in the interest of holders. "
          "First Boston Corp will advise. First Boston won the mandate, "
          "the Food and Drug Administration said, and Harley-Davidson Inc "
          "agreed. Harley-Davidson said the drug was safe.");
    cr_expect_eq(count_kind(ENT_PERSON), 0, "a company read as a person");
    cr_expect_eq(count_kind(ENT_PLACE), 0, "Boston read as a place");
    cr_expect_eq(rfind(ENT_ORG, "Diamond Crystal Salt Co")->count, 2);
    cr_expect_eq(rfind(ENT_ORG, "First Boston Corp")->count, 2);
    cr_expect_not_null(rfind(ENT_ORG, "Food and Drug Administration"));
    cr_expect_eq(rfind(ENT_ORG, "Harley-Davidson Inc")->count, 2);
}

Test(entity_rules, crude_grades_parties_and_regions_are_not_people)
{
    story("Oil prices",
          "Nigerian Brass River sold at a price related to North Sea Brent "
          "and to West Texas Intermediate, far below the official price for "
          "the similar quality Bonny Light. The Christian Democratic party "
          "met, a Texas Democrat said, and Latin America said nothing.");
    cr_expect_eq(count_kind(ENT_PERSON), 0);
    /* "a Texas Democrat" names Texas; "West Texas Intermediate" does not */
    cr_expect_eq(rfind(ENT_PLACE, "Texas")->count, 1);
    cr_expect_null(rfind(ENT_PLACE, "Brent"), "a crude grade");
    cr_expect_not_null(rfind(ENT_PLACE, "Nigeria"));
}

Test(entity_rules, name_before_a_comma_and_a_title_is_a_person)
{
    story("Yen comment",
          "Kiichi Miyazawa, Japan's Finance Minister, said the yen was "
          "stable. Miyazawa added that talks would go on.");
    const struct ent *e = rfind(ENT_PERSON, "Kiichi Miyazawa");
    cr_assert_not_null(e);
    cr_expect_eq(e->count, 2);
    cr_expect_null(rfind(ENT_PERSON, "Finance Minister"));
}

Test(entity_rules, lower_case_adjective_is_no_title)
{
    story("Bonds", "The four major Japanese securities houses now take "
                   "turns, the chief U.S. negotiator said.");
    cr_expect_eq(count_kind(ENT_PERSON), 0);
    cr_expect_not_null(rfind(ENT_PLACE, "Japan"));
    cr_expect_not_null(rfind(ENT_PLACE, "United States"));
}

Test(entity_rules, shouted_headline_names_people_before_verbs)
{
    story("TREASURY'S BAKER SAYS PARIS PACT ONLY A START", "");
    const struct ent *e = rfind(ENT_PERSON, "Baker");
    cr_assert_not_null(e, "no Baker");
    cr_expect(e->weak, "a lone family name is left to the index merge");
    cr_expect_not_null(rfind(ENT_PLACE, "Paris"));
    /* the body's full name resolves it in the article */
    story("TREASURY'S BAKER SAYS PARIS PACT ONLY A START",
          "Treasury Secretary James Baker said the pact was a start.");
    e = rfind(ENT_PERSON, "James Baker");
    cr_assert_not_null(e);
    cr_expect_eq(e->count, 2);
    cr_expect_not(e->weak);
    cr_expect_null(rfind(ENT_PERSON, "Baker"));
    /* a title before the name; a role word alone names no one */
    story("PRESIDENT REAGAN URGES PASSAGE OF BUDGET BILL - SPOKESMAN", "");
    cr_expect_not_null(rfind(ENT_PERSON, "Reagan"));
    cr_expect_eq(count_kind(ENT_PERSON), 1);
    story("SIOUX CATTLE OPEN UP 0.50/1.00 DLR - PRIVATE", "");
    cr_expect_eq(count_kind(ENT_PERSON), 0);
}

Test(entity_rules, lone_name_written_in_lower_case_is_a_common_word)
{
    story("Court ruling", "Time said the drug was safe. In time, the "
                          "makers will appeal.");
    cr_expect_eq(count_kind(ENT_PERSON), 0);
}

/* ---- merging across the index ---------------------------------------- */

#include "helpers.h"
#include "store.h"
#include "store_int.h"

static char *mdir;

static void merge_setup(void)
{
    rules_setup();
    mdir = mk_tmpdir();
}

static void merge_teardown(void)
{
    rules_teardown();
    rm_tree(mdir);
    free(mdir);
    expect_no_leaks();
}

TestSuite(entity_merge, .init = merge_setup, .fini = merge_teardown);

static void put(struct store *st, const char *uid, const char *title,
                const char *body)
{
    struct mg_err err = {""};
    struct article a = {0};
    a.uid = (char *)uid;
    a.title = (char *)title;
    a.body = (char *)body;
    story(title, body);
    cr_assert_geq(store_put(st, &a, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(store_put_entities(st, &rents, &err), 0, "%s", err.msg);
}

/* The one text value of sql (with ?1 bound to arg, if any); "" for NULL. */
static char *query_string(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(q, 0);
    char *r = strdup(t ? t : "");
    sqlite3_finalize(q);
    return r;
}

static char *links_of(struct store *st, const char *uid)
{
    return query_string(st_db(st),
                        "SELECT group_concat(e.canonical || ':' || "
                        "ae.mentions, ', ') FROM article_entities ae JOIN "
                        "entities e ON e.id = ae.entity_id JOIN articles a "
                        "ON a.id = ae.article_id WHERE a.uid = ?1 AND "
                        "e.kind = 'person'",
                        uid);
}

Test(entity_merge, headline_family_names_resolve_or_go)
{
    char *path = path_in(mdir, "m.db");
    struct store *st = NULL;
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, STORE_WRITE, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_begin(st, &err), 0);
    put(st, "a1", "REAGAN SAYS BUDGET BILL FAILS", "");
    put(st, "a2", "Budget", "President Ronald Reagan said the bill failed.");
    put(st, "a3", "TEXACO SAYS IT WILL APPEAL", "");
    cr_assert_eq(store_commit(st, &err), 0);
    cr_assert_eq(store_begin(st, &err), 0);
    cr_assert_geq(ent_merge_surnames(st, &err), 1, "%s", err.msg);
    cr_assert_eq(store_commit(st, &err), 0);
    char *l1 = links_of(st, "a1"), *l3 = links_of(st, "a3");
    cr_expect_str_eq(l1, "Ronald Reagan:1");
    cr_expect_str_eq(l3, "", "an unresolved headline name is left out");
    char *people = query_string(st_db(st),
                                "SELECT group_concat(canonical, ', ') FROM "
                                "entities WHERE kind = 'person'",
                                NULL);
    cr_expect_str_eq(people, "Ronald Reagan");
    free(l1);
    free(l3);
    free(people);
    store_close(st);
    free(path);
}
