/*
 * input.c - streamed, transparently decompressed input over zlib.
 */
#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct input {
    gzFile gz;
    char *path;
    char head[INPUT_HEAD];
    size_t nhead;
    size_t hpos;     /* bytes of head already consumed */
    struct buf line; /* input_line() scratch */
    char chunk[65536];
    size_t cpos, clen; /* unconsumed bytes in chunk */
    int eof;
};

static long raw_read(struct input *in, char *buf, size_t n,
                     struct mg_err *err)
{
    int got = gzread(in->gz, buf, (unsigned)(n > 1u << 30 ? 1u << 30 : n));
    if (got < 0) {
        int zerr;
        const char *msg = gzerror(in->gz, &zerr);
        return mg_fail(err, "%s: %s", in->path,
                       zerr == Z_ERRNO ? strerror(errno) : msg);
    }
    return got;
}

int input_open(const char *path, struct input **out, struct mg_err *err)
{
    *out = NULL;
    gzFile gz;
    if (strcmp(path, "-") == 0) {
        int fd = dup(STDIN_FILENO);
        gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!gz && fd >= 0)
            close(fd);
    } else {
        gz = gzopen(path, "rb");
    }
    if (!gz)
        return mg_fail(err, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(gz, 1 << 17);
    struct input *in = mg_calloc(1, sizeof *in);
    in->gz = gz;
    in->path = mg_strdup(strcmp(path, "-") == 0 ? "stdin" : path);
    long n = 0;
    while (in->nhead < INPUT_HEAD &&
           (n = raw_read(in, in->head + in->nhead, INPUT_HEAD - in->nhead,
                         err)) > 0)
        in->nhead += (size_t)n;
    if (n < 0) {
        input_close(in);
        return -1;
    }
    *out = in;
    return 0;
}

void input_close(struct input *in)
{
    if (!in)
        return;
    gzclose(in->gz);
    free(in->path);
    buf_free(&in->line);
    free(in);
}

const char *input_head(struct input *in, size_t *n)
{
    *n = in->nhead;
    return in->head;
}

int input_gzipped(const struct input *in)
{
    return !gzdirect(in->gz);
}

const char *input_path(const struct input *in)
{
    return in->path;
}

long input_read(struct input *in, char *buf, size_t n, struct mg_err *err)
{
    if (in->hpos < in->nhead) {
        size_t k = in->nhead - in->hpos;
        if (k > n)
            k = n;
        memcpy(buf, in->head + in->hpos, k);
        in->hpos += k;
        return (long)k;
    }
    if (in->cpos < in->clen) {
        size_t k = in->clen - in->cpos;
        if (k > n)
            k = n;
        memcpy(buf, in->chunk + in->cpos, k);
        in->cpos += k;
        return (long)k;
    }
    if (in->eof)
        return 0;
    long r = raw_read(in, buf, n, err);
    if (r == 0)
        in->eof = 1;
    return r;
}

/* Makes sure chunk holds unconsumed bytes; returns 0 at the end. */
static long fill(struct input *in, struct mg_err *err)
{
    if (in->cpos < in->clen)
        return (long)(in->clen - in->cpos);
    in->cpos = in->clen = 0;
    long r = input_read(in, in->chunk, sizeof in->chunk, err);
    if (r > 0) {
        /* input_read may have copied from head: either way it is now in
         * chunk. */
        in->clen = (size_t)r;
    }
    return r;
}

long input_line(struct input *in, const char **line, struct mg_err *err)
{
    buf_clear(&in->line);
    int any = 0;
    for (;;) {
        long r = fill(in, err);
        if (r < 0)
            return -2;
        if (r == 0)
            break;
        any = 1;
        char *s = in->chunk + in->cpos;
        char *nl = memchr(s, '\n', (size_t)r);
        size_t k = nl ? (size_t)(nl - s) : (size_t)r;
        buf_add(&in->line, s, k);
        in->cpos += k + (nl ? 1 : 0);
        if (nl)
            break;
    }
    if (!any)
        return -1;
    if (!in->line.s)
        buf_add(&in->line, "", 0);
    if (in->line.len && in->line.s[in->line.len - 1] == '\r')
        in->line.s[--in->line.len] = 0;
    *line = in->line.s;
    return (long)in->line.len;
}

int input_all(struct input *in, size_t max, char **out, size_t *len,
              struct mg_err *err)
{
    *out = NULL;
    *len = 0;
    struct buf b = {0};
    char tmp[65536];
    if (in->cpos < in->clen) { /* left over from input_line() */
        buf_add(&b, in->chunk + in->cpos, in->clen - in->cpos);
        in->cpos = in->clen;
    }
    for (;;) {
        long r = input_read(in, tmp, sizeof tmp, err);
        if (r < 0) {
            buf_free(&b);
            return -1;
        }
        if (r == 0)
            break;
        buf_add(&b, tmp, (size_t)r);
        if (b.len > max) {
            buf_free(&b);
            return mg_fail(err, "%s: larger than %zu MB, too large for "
                                "this format (not read)",
                           in->path, max >> 20);
        }
    }
    *len = b.len;
    *out = buf_take(&b);
    return 0;
}
