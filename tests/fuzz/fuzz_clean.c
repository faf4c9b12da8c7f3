/*
 * fuzz_clean.c - libFuzzer target for the cleaner: any bytes as a body,
 * a title and a date; the result must be valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "article.h"
#include "clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    struct article a = {0};
    a.body = mg_strdup(s);
    a.title = mg_strdup(s);
    a.date = mg_strdup(s);
    a.highlights = mg_strdup(s);
    struct clean_info info;
    clean_article(&a, NULL, &info);
    utf8proc_int32_t cp;
    for (const char *p = a.body; *p;) {
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (n <= 0)
            abort(); /* the cleaner must give valid UTF-8 */
        p += n;
    }
    clean_info_free(&info);
    article_clear(&a);
    free(s);
    return 0;
}
