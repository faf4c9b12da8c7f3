/*
 * test_strmap.c - the string -> int64 hash table (lib/strmap.h): values
 * found again by their key, missing keys, growth, and freeing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "strmap.h"

TestSuite(strmap, .fini = expect_no_leaks);

Test(strmap, an_inserted_value_is_found_again)
{
    struct strmap m = {0};
    int64_t *v = strmap_slot(&m, "Pyongyang", 1);
    cr_assert_not_null(v);
    cr_expect_eq(*v, -1, "a new key starts at -1");
    *v = 42;
    cr_expect_eq(strmap_get(&m, "Pyongyang"), 42);
    cr_expect_eq(*strmap_slot(&m, "Pyongyang", 0), 42);
    cr_expect_eq(m.n, 1);
    strmap_free(&m);
}

Test(strmap, inserting_a_present_key_gives_its_slot)
{
    struct strmap m = {0};
    *strmap_slot(&m, "Seoul", 1) = 7;
    int64_t *again = strmap_slot(&m, "Seoul", 1);
    cr_expect_eq(*again, 7, "the value is kept, not reset to -1");
    cr_expect_eq(m.n, 1, "no second copy of the key");
    strmap_free(&m);
}

Test(strmap, the_key_is_copied)
{
    struct strmap m = {0};
    char key[] = "Tokyo";
    *strmap_slot(&m, key, 1) = 3;
    strcpy(key, "Paris");
    cr_expect_eq(strmap_get(&m, "Tokyo"), 3);
    cr_expect_eq(strmap_get(&m, "Paris"), -1);
    strmap_free(&m);
}

Test(strmap, a_missing_key_gives_null_or_minus_one)
{
    struct strmap m = {0};
    cr_expect_null(strmap_slot(&m, "x", 0), "an empty map");
    cr_expect_eq(strmap_get(&m, "x"), -1, "an empty map");
    *strmap_slot(&m, "a", 1) = 1;
    cr_expect_null(strmap_slot(&m, "b", 0));
    cr_expect_eq(strmap_get(&m, "b"), -1);
    cr_expect_eq(strmap_get(&m, ""), -1);
    cr_expect_eq(m.n, 1, "a lookup adds nothing");
    strmap_free(&m);
}

Test(strmap, keys_sharing_a_prefix_are_told_apart)
{
    struct strmap m = {0};
    const char *keys[] = {"",         "K",           "Ki",          "Kim",
                          "Kim Jong", "Kim Jong-un", "Kim Jong-il", "kim"};
    int n = (int)(sizeof keys / sizeof *keys);
    for (int i = 0; i < n; i++)
        *strmap_slot(&m, keys[i], 1) = i * 10;
    cr_expect_eq(m.n, (size_t)n);
    for (int i = 0; i < n; i++)
        cr_expect_eq(strmap_get(&m, keys[i]), i * 10, "key '%s'", keys[i]);
    cr_expect_eq(strmap_get(&m, "Kim Jong-"), -1);
    cr_expect_eq(strmap_get(&m, "Kim Jong-unx"), -1);
    strmap_free(&m);
}

Test(strmap, many_keys_survive_growth)
{
    struct strmap m = {0};
    enum { N = 20000 };
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "name-%d", i);
        *strmap_slot(&m, key, 1) = (int64_t)i * 3 + 1;
    }
    cr_expect_eq(m.n, (size_t)N);
    cr_expect_geq(m.cap, 2 * (size_t)N, "the table stays at most half full");
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "name-%d", i);
        wrong += strmap_get(&m, key) != (int64_t)i * 3 + 1;
    }
    cr_expect_eq(wrong, 0, "%d of %d values lost in growth", wrong, N);
    snprintf(key, sizeof key, "name-%d", N);
    cr_expect_eq(strmap_get(&m, key), -1);
    strmap_free(&m);
}

Test(strmap, values_span_int64)
{
    struct strmap m = {0};
    *strmap_slot(&m, "big", 1) = INT64_MAX;
    *strmap_slot(&m, "small", 1) = INT64_MIN;
    cr_expect_eq(strmap_get(&m, "big"), INT64_MAX);
    cr_expect_eq(strmap_get(&m, "small"), INT64_MIN);
    strmap_free(&m);
}

Test(strmap, free_zeroes_and_takes_an_empty_map)
{
    struct strmap m = {0};
    strmap_free(&m); /* never used */
    cr_expect_eq(m.n, 0);
    *strmap_slot(&m, "a", 1) = 5;
    strmap_free(&m);
    cr_expect_null(m.keys);
    cr_expect_null(m.vals);
    cr_expect_eq(m.n, 0);
    cr_expect_eq(m.cap, 0);
    cr_expect_eq(strmap_get(&m, "a"), -1, "a freed map is empty");
    *strmap_slot(&m, "a", 1) = 6; /* and can be used again */
    cr_expect_eq(strmap_get(&m, "a"), 6);
    strmap_free(&m);
}
