/*
 * input.c - streamed, transparently decompressed input over zlib.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct input {
    gzFile gz;
    char *path;
    char zname[32]; /* the name zlib puts before its messages */
    char head[INPUT_HEAD];
    size_t nhead;
    size_t hpos;     /* bytes of head already consumed */
    struct buf line; /* input_line() scratch */
    char chunk[65536];
    size_t cpos, clen; /* unconsumed bytes in chunk */
    int eof;
};

/* What zlib's message for a Z_DATA_ERROR means for the file, in the
 * words of our messages; NULL when zlib's own words are the best. */
static const char *zlib_reason(const char *zmsg)
{
    if (!zmsg)
        return "corrupt gzip data";
    if (strcmp(zmsg, "incorrect data check") == 0)
        return "gzip checksum mismatch (corrupt data)";
    if (strcmp(zmsg, "incorrect length check") == 0)
        return "gzip length mismatch (corrupt data)";
    return NULL;
}

static long raw_read(struct input *in, char *buf, size_t n, struct mg_err *err)
{
    int got = gzread(in->gz, buf, (unsigned)(n > 1u << 30 ? 1u << 30 : n));
    if (got > 0)
        return got;
    int zerr;
    const char *msg = gzerror(in->gz, &zerr);
    /* A stream cut short (in its data or before its 8-byte trailer) is
     * no error to gzread(): it returns what it could decompress, then 0
     * as at a sound end, and keeps Z_BUF_ERROR for gzerror() and
     * gzclose() (made so to read a file still being written).  It is an
     * error here. */
    if (got == 0 && zerr == Z_OK)
        return 0;
    if (zerr == Z_ERRNO)
        return mg_fail(err, "%s: %s", in->path, strerror(errno));
    if (zerr == Z_MEM_ERROR)
        return mg_fail(err, "%s: out of memory", in->path);
    if (zerr == Z_BUF_ERROR)
        return mg_fail(err, "%s: gzip data cut short: interrupted copy?",
                       in->path);
    /* zlib's message starts with the name it was opened with */
    size_t k = strlen(in->zname);
    if (strncmp(msg, in->zname, k) == 0 && strncmp(msg + k, ": ", 2) == 0)
        msg += k + 2;
    const char *why = zlib_reason(msg);
    if (why)
        return mg_fail(err, "%s: %s", in->path, why);
    return mg_fail(err, "%s: corrupt gzip data: %s", in->path, msg);
}

/* Enough of the input in buf (kept in the stream's next_in/avail_in) for
 * at least want bytes, or as many as there are; -1 on a read error. */
static int gz_fill(int fd, z_stream *z, unsigned char *buf, size_t size,
                   size_t want)
{
    if (z->avail_in >= want)
        return 0;
    memmove(buf, z->next_in, z->avail_in);
    z->next_in = buf;
    while (z->avail_in < want) {
        ssize_t r = read(fd, buf + z->avail_in, size - z->avail_in);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        z->avail_in += (unsigned)r;
    }
    return 0;
}

/* Decompresses the whole gzip file on fd (read from where it is) to
 * nothing, checking each member's CRC-32 and length the way gzread()
 * reads it: members one after the other, anything after the last one
 * that is not a gzip header ignored.  Returns 0 when sound; -1 with a
 * message naming path when it is cut short, corrupt or unreadable. */
static int gz_check(int fd, const char *path, struct mg_err *err)
{
    enum { IN = 1 << 16, OUT = 1 << 17 };
    unsigned char *inbuf = mg_malloc(IN), *outbuf = mg_malloc(OUT);
    z_stream z = {0};
    int rc = 0;
    if (inflateInit2(&z, 15 + 16) != Z_OK) {
        free(inbuf);
        free(outbuf);
        return mg_fail(err, "%s: out of memory", path);
    }
    z.next_in = inbuf;
    /* data_done: the member's last deflate block is complete, so what is
     * missing, if anything, is its trailer */
    int data_done = 0;
    for (;;) {
        if (gz_fill(fd, &z, inbuf, IN, 1) < 0) {
            rc = mg_fail(err, "%s: %s", path, strerror(errno));
            break;
        }
        if (z.avail_in == 0) {
            rc = data_done ? mg_fail(err,
                                     "%s: gzip data cut short (no "
                                     "trailer): interrupted copy?",
                                     path)
                           : mg_fail(err,
                                     "%s: gzip data cut short: "
                                     "interrupted copy?",
                                     path);
            break;
        }
        z.next_out = outbuf;
        z.avail_out = OUT;
        /* Z_BLOCK returns at the end of each deflate block, and says in
         * data_type when it is the last (64) block's end (128). */
        int ret = inflate(&z, Z_BLOCK);
        if (ret == Z_DATA_ERROR) {
            const char *why = zlib_reason(z.msg);
            rc = why ? mg_fail(err, "%s: %s", path, why)
                     : mg_fail(err, "%s: corrupt gzip data: %s", path, z.msg);
            break;
        }
        if (ret == Z_MEM_ERROR) {
            rc = mg_fail(err, "%s: out of memory", path);
            break;
        }
        if (ret != Z_OK && ret != Z_STREAM_END &&
            (ret != Z_BUF_ERROR || z.avail_out == 0 || z.avail_in > 0)) {
            /* Z_BUF_ERROR with input left and room for output: inflate
             * made no progress and never will */
            rc = mg_fail(err, "%s: corrupt gzip data", path);
            break;
        }
        if ((z.data_type & 192) == 192)
            data_done = 1;
        if (ret != Z_STREAM_END)
            continue;
        /* another member follows, or the end (or trailing garbage) */
        if (gz_fill(fd, &z, inbuf, IN, 2) < 0) {
            rc = mg_fail(err, "%s: %s", path, strerror(errno));
            break;
        }
        if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b)
            break;
        inflateReset(&z);
        data_done = 0;
    }
    inflateEnd(&z);
    free(inbuf);
    free(outbuf);
    return rc;
}

/* Opens path for reading; a regular file that is gzip-compressed is read
 * through once first (gz_check), so that a damaged one fails here,
 * before any of its data is handed out.  Returns the descriptor, at the
 * start of the file, or -1 (err set). */
static int open_checked(const char *path, struct mg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mg_fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    unsigned char magic[2];
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return fd;
    if (gz_check(fd, path, err) < 0) {
        close(fd);
        return -1;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        int e = errno;
        close(fd);
        return mg_fail(err, "%s: %s", path, strerror(e));
    }
    return fd;
}

int input_open(const char *path, struct input **out, struct mg_err *err)
{
    *out = NULL;
    int fd;
    if (strcmp(path, "-") == 0) {
        fd = dup(STDIN_FILENO);
        if (fd < 0)
            return mg_fail(err, "stdin: cannot open: %s", strerror(errno));
    } else if ((fd = open_checked(path, err)) < 0) {
        return -1;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return mg_fail(err, "%s: cannot open: out of memory", path);
    }
    gzbuffer(gz, 1 << 17);
    struct input *in = mg_calloc(1, sizeof *in);
    in->gz = gz;
    in->path = mg_strdup(strcmp(path, "-") == 0 ? "stdin" : path);
    snprintf(in->zname, sizeof in->zname, "<fd:%d>", fd);
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
            return mg_fail(err,
                           "%s: larger than %zu MB, too large for "
                           "this format (not read)",
                           in->path, max >> 20);
        }
    }
    *len = b.len;
    *out = buf_take(&b);
    return 0;
}
