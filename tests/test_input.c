/*
 * test_input.c - the input stream (indexer/input.h): plain and gzip data
 * read to its end, several gzip members one after the other, and gzip
 * files that are damaged (cut before their 8-byte trailer, cut in their
 * data, a wrong CRC-32 or length) failing with a message naming them,
 * at input_open() for files and at the end of the data for standard
 * input.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "input.h"

TestSuite(input, .fini = expect_no_leaks);

/* n bytes of text that compress to a stream of several deflate blocks:
 * lines that differ (a counter, and a pseudo-random word) */
static char *some_text(size_t n)
{
    char *s = mg_malloc(n + 1);
    size_t k = 0;
    unsigned x = 12345;
    for (long line = 1; k < n; line++) {
        x = x * 1103515245u + 12345u;
        char tmp[96];
        int w = snprintf(tmp, sizeof tmp,
                         "{\"id\": \"n%ld\", \"title\": \"Story %ld\", "
                         "\"body\": \"word%u\"}\n",
                         line, line, x >> 8);
        for (int i = 0; i < w && k < n; i++)
            s[k++] = tmp[i];
    }
    s[n] = 0;
    return s;
}

/* Reads the input to its end; returns the last input_read() status (0
 * at a sound end, -1 on error) and the bytes read in *got. */
static long read_all(struct input *in, struct buf *got, struct mg_err *err)
{
    char tmp[7000]; /* not a power of two: reads straddle the head */
    long r;
    while ((r = input_read(in, tmp, sizeof tmp, err)) > 0)
        buf_add(got, tmp, (size_t)r);
    return r;
}

struct fixture {
    char *dir;
    char *text;
    size_t ntext;
    unsigned char *gz;
    size_t ngz;
};

static void fixture_init(struct fixture *f, size_t ntext)
{
    f->dir = mk_tmpdir();
    f->ntext = ntext;
    f->text = some_text(ntext);
    f->gz = gzip_bytes(f->text, ntext, &f->ngz);
}

static void fixture_free(struct fixture *f)
{
    rm_tree(f->dir);
    free(f->dir);
    free(f->text);
    free(f->gz);
}

/* Writes n bytes of data as dir/name; returns the path (caller frees). */
static char *put(struct fixture *f, const char *name, const void *data,
                 size_t n)
{
    char *path = path_in(f->dir, name);
    write_file(path, data, n);
    return path;
}

/* Opens path expecting it to fail with exactly want. */
static void expect_open_fails(const char *path, const char *want)
{
    struct input *in = NULL;
    struct mg_err err = {""};
    cr_expect_eq(input_open(path, &in, &err), -1, "%s opened", path);
    cr_expect_null(in);
    cr_expect_str_eq(err.msg, want);
    input_close(in);
}

/* Opens path and reads it through, expecting exactly want. */
static void expect_reads(const char *path, const char *want, size_t n)
{
    struct input *in = NULL;
    struct mg_err err = {""};
    cr_assert_eq(input_open(path, &in, &err), 0, "%s", err.msg);
    struct buf got = {0};
    cr_expect_eq(read_all(in, &got, &err), 0, "%s", err.msg);
    cr_expect_eq(got.len, n);
    cr_expect(got.len == n && memcmp(got.s, want, n) == 0,
              "%s: other data than written", path);
    buf_free(&got);
    input_close(in);
}

Test(input, plain_and_gzip_files_read_to_their_end)
{
    struct fixture f;
    fixture_init(&f, 300000);
    char *plain = put(&f, "a.jsonl", f.text, f.ntext);
    char *gz = put(&f, "a.jsonl.gz", f.gz, f.ngz);
    expect_reads(plain, f.text, f.ntext);
    expect_reads(gz, f.text, f.ntext);
    struct input *in = NULL;
    struct mg_err err = {""};
    cr_assert_eq(input_open(gz, &in, &err), 0, "%s", err.msg);
    cr_expect(input_gzipped(in));
    input_close(in);
    cr_assert_eq(input_open(plain, &in, &err), 0, "%s", err.msg);
    cr_expect_not(input_gzipped(in));
    input_close(in);
    free(plain);
    free(gz);
    fixture_free(&f);
}

Test(input, a_plain_file_that_looks_cut_is_read_as_it_is)
{
    /* not gzip: no check, even with gzip-like bytes further on */
    struct fixture f;
    fixture_init(&f, 1000);
    struct buf b = {0};
    buf_adds(&b, "plain text, then gzip bytes: ");
    buf_add(&b, (const char *)f.gz, f.ngz - 8);
    char *path = put(&f, "odd.txt", b.s, b.len);
    expect_reads(path, b.s, b.len);
    buf_free(&b);
    free(path);
    fixture_free(&f);
}

Test(input, gzip_members_one_after_the_other_read_as_one)
{
    struct fixture f;
    fixture_init(&f, 200000);
    size_t half = f.ntext / 2, n1, n2;
    unsigned char *m1 = gzip_bytes(f.text, half, &n1);
    unsigned char *m2 = gzip_bytes(f.text + half, f.ntext - half, &n2);
    unsigned char *both = mg_malloc(n1 + n2 + 4);
    memcpy(both, m1, n1);
    memcpy(both + n1, m2, n2);
    char *path = put(&f, "two.jsonl.gz", both, n1 + n2);
    expect_reads(path, f.text, f.ntext);
    free(path);
    /* zeros after the last member (padding, as tape copies leave) are
     * ignored, as gzread() ignores them */
    memset(both + n1 + n2, 0, 4);
    path = put(&f, "padded.jsonl.gz", both, n1 + n2 + 4);
    expect_reads(path, f.text, f.ntext);
    free(path);
    /* the second member cut before its trailer: the file fails */
    path = put(&f, "two-cut.jsonl.gz", both, n1 + n2 - 8);
    char *want = path_in(f.dir, "two-cut.jsonl.gz: gzip data cut short (no "
                                "trailer): interrupted copy?");
    expect_open_fails(path, want);
    free(want);
    free(path);
    free(m1);
    free(m2);
    free(both);
    fixture_free(&f);
}

Test(input, gzip_cut_before_its_trailer_fails_at_open)
{
    struct fixture f;
    fixture_init(&f, 300000);
    char *path = put(&f, "x.jsonl.gz", f.gz, f.ngz - 8);
    char *want = path_in(f.dir, "x.jsonl.gz: gzip data cut short (no "
                                "trailer): interrupted copy?");
    expect_open_fails(path, want);
    free(path);
    /* half a trailer: its CRC-32 there, its length not */
    path = put(&f, "x.jsonl.gz", f.gz, f.ngz - 4);
    expect_open_fails(path, want);
    free(want);
    free(path);
    fixture_free(&f);
}

Test(input, small_gzip_cut_before_its_trailer_fails_too)
{
    /* all of it fits in the head that input_open() reads */
    struct fixture f;
    fixture_init(&f, 200);
    char *path = put(&f, "s.jsonl.gz", f.gz, f.ngz - 8);
    char *want = path_in(f.dir, "s.jsonl.gz: gzip data cut short (no "
                                "trailer): interrupted copy?");
    expect_open_fails(path, want);
    free(want);
    free(path);
    fixture_free(&f);
}

Test(input, gzip_cut_in_its_data_fails_at_open)
{
    struct fixture f;
    fixture_init(&f, 300000);
    char *path = put(&f, "x.jsonl.gz", f.gz, f.ngz / 2);
    char *want = path_in(f.dir, "x.jsonl.gz: gzip data cut short: "
                                "interrupted copy?");
    expect_open_fails(path, want);
    free(want);
    free(path);
    fixture_free(&f);
}

Test(input, gzip_with_a_wrong_crc_or_length_fails_at_open)
{
    struct fixture f;
    fixture_init(&f, 300000);
    f.gz[f.ngz - 8] ^= 1; /* CRC-32, little-endian */
    char *path = put(&f, "crc.jsonl.gz", f.gz, f.ngz);
    char *want = path_in(f.dir, "crc.jsonl.gz: gzip checksum mismatch "
                                "(corrupt data)");
    expect_open_fails(path, want);
    free(want);
    free(path);
    f.gz[f.ngz - 8] ^= 1;
    f.gz[f.ngz - 4] ^= 1; /* ISIZE */
    path = put(&f, "len.jsonl.gz", f.gz, f.ngz);
    want = path_in(f.dir, "len.jsonl.gz: gzip length mismatch "
                          "(corrupt data)");
    expect_open_fails(path, want);
    free(want);
    free(path);
    fixture_free(&f);
}

/* Standard input is read once: a cut stream is found at its end, after
 * the data before the cut was given. */
static void expect_stdin_fails_at_end(struct fixture *f, size_t cut,
                                      const char *want)
{
    char *path = put(f, "in.gz", f->gz, f->ngz - cut);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    struct input *in = NULL;
    struct mg_err err = {""};
    cr_assert_eq(input_open("-", &in, &err), 0, "%s", err.msg);
    struct buf got = {0};
    cr_expect_eq(read_all(in, &got, &err), -1, "a cut stream read as sound");
    cr_expect_str_eq(err.msg, want);
    cr_expect_gt(got.len, f->ntext / 2, "the data before the cut was given");
    /* and it stays an error */
    char tmp[16];
    cr_expect_eq(input_read(in, tmp, sizeof tmp, &err), -1);
    buf_free(&got);
    input_close(in);
    free(path);
}

Test(input, standard_input_cut_before_its_trailer_fails_at_its_end)
{
    struct fixture f;
    fixture_init(&f, 300000);
    expect_stdin_fails_at_end(&f, 8,
                              "stdin: gzip data cut short: interrupted copy?");
    fixture_free(&f);
}

Test(input, standard_input_with_a_wrong_crc_fails_at_its_end)
{
    struct fixture f;
    fixture_init(&f, 300000);
    f.gz[f.ngz - 7] ^= 0x40;
    expect_stdin_fails_at_end(&f, 0,
                              "stdin: gzip checksum mismatch (corrupt data)");
    fixture_free(&f);
}

Test(input, a_missing_file_is_named)
{
    struct input *in = NULL;
    struct mg_err err = {""};
    cr_expect_eq(input_open("no/such/file.gz", &in, &err), -1);
    cr_expect_str_eq(err.msg,
                     "no/such/file.gz: cannot open: No such file or directory");
}
