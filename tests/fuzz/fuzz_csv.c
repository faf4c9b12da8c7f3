/*
 * fuzz_csv.c - libFuzzer target for the streamed CSV parser, fed through
 * an in-memory file so the real input layer is used.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv.h"
#include "input.h"

static int on_article(void *ctx, struct article *a)
{
    (void)ctx, (void)a;
    return 0;
}

static void on_warn(void *ctx, const char *msg)
{
    (void)ctx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.csv", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct input *in;
    struct mg_err err;
    if (input_open(path, &in, &err) == 0) {
        struct fmt_sink sink = {on_article, on_warn, NULL};
        csv_parse(in, "fuzz", &sink, &err);
        input_close(in);
    }
    close(fd);
    return 0;
}
