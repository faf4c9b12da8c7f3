/*
 * fuzz_parse.c - libFuzzer target for the in-memory parsers: the first
 * byte picks the format (text, JSON, Reuters SGML, HTML, NITF), the rest
 * is the file; every article is then cleaned.  Any input must give
 * articles or a clean error, never a crash, a leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "formats.h"

static int on_article(void *ctx, struct article *a)
{
    (void)ctx;
    struct clean_info info;
    clean_article(a, NULL, &info);
    clean_info_free(&info);
    return 0;
}

static void on_warn(void *ctx, const char *msg)
{
    (void)ctx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum fmt FORMATS[] = {FMT_TEXT, FMT_JSON, FMT_REUTERS,
                                       FMT_HTML, FMT_NITF};
    if (size < 1)
        return 0;
    enum fmt f = FORMATS[data[0] % (sizeof FORMATS / sizeof *FORMATS)];
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    struct fmt_sink sink = {on_article, on_warn, NULL};
    struct mg_err err;
    fmt_parse_buffer("fuzz", "fuzz", s, size - 1, f, &sink, &err);
    free(s);
    return 0;
}
