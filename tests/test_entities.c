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
        "Kim Jong-un",  "Moon Jae-in",  "Kim Yo-jong",   "Kim Yong-nam",
        "Mike Pence",   "Karen Pence",  "Kim Jung-sook", "Kim Eui-kyeom",
        "Kim Jong Il",  "Kim Dae-jung", "Roh Moo-hyun",  "Trump"};
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
                                         "Pyongyang", "Seoul",
                                         "United States"};
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
    static const char *const NOT[] = {"Friday", "Saturday", "Olympic", "Vice",
                                      "President", "Read"};
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
