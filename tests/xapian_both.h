/*
 * xapian_both.h - the Xapian engine's tests' fixture: the sample corpus
 * indexed through the real indexer path (fmt_parse_file, clean_article,
 * fp_simhash, ent_extract) into an FTS5 store and a Xapian database side
 * by side.  Included by one test file each (static functions).
 */
#ifndef MORGUE_TESTS_XAPIAN_BOTH_H
#define MORGUE_TESTS_XAPIAN_BOTH_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clean.h"
#include "entities.h"
#include "fingerprint.h"
#include "formats.h"
#include "helpers.h"
#include "shim.h"
#include "store.h"

struct both {
    struct store *st;
    struct mgx_db *xdb;
    struct gazetteer *gaz;
    void (*each)(const struct article *a); /* told of each, or NULL */
};
static struct both both;

static int both_put(void *ctx, struct article *a)
{
    (void)ctx;
    struct mg_err err = {""};
    clean_article(a, NULL, NULL);
    struct buf fp = {0};
    buf_printf(&fp, "%s\n%s", a->title ? a->title : "", a->body ? a->body : "");
    a->simhash = fp_simhash(fp.s);
    buf_free(&fp);
    struct ent_set es;
    ent_extract(both.gaz, a, &es);
    free(a->entities);
    a->entities = ent_names(&es);
    cr_assert_geq(store_put(both.st, a, NULL, &err), 0, "store_put: %s",
                  err.msg);
    cr_assert_eq(store_put_entities(both.st, &es, &err), 0, "%s", err.msg);
    cr_assert_geq(mgx_put(both.xdb, a, &es, &err), 0, "mgx_put: %s", err.msg);
    ent_set_free(&es);
    if (both.each)
        both.each(a);
    return 0;
}

static void both_no_warning(void *ctx, const char *msg)
{
    (void)ctx;
    cr_assert_fail("warning while indexing: %s", msg);
}

static int both_index_one(const char *path, const struct stat *sb, int type,
                          struct FTW *ftw)
{
    (void)sb;
    const char *name = path + ftw->base;
    size_t n = strlen(name);
    if (type != FTW_F || name[0] == '.' ||
        strncasecmp(name, "README", 6) == 0 ||
        (n > 3 && strcasecmp(name + n - 3, ".md") == 0))
        return 0;
    struct fmt_sink sink = {both_put, both_no_warning, NULL};
    struct mg_err err = {""};
    cr_assert_geq(fmt_parse_file(path, path, &sink, &err), 0, "%s", err.msg);
    return 0;
}

/* Indexes corpus into dir/m.db (FTS5) and dir/x (Xapian), both.each told
 * of each article; both.st, both.xdb and both.gaz are then open. */
static void both_setup(const char *dir, const char *corpus,
                       void (*each)(const struct article *a))
{
    both.each = each;
    both.gaz = gaz_load();
    char *path = path_in(dir, "m.db");
    char *xpath = path_in(dir, "x");
    struct mg_err err = {""};
    cr_assert_eq(store_open(path, STORE_WRITE, &both.st, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(mgx_open(xpath, MGX_WRITE, &both.xdb, &err), 0, "%s", err.msg);
    free(path);
    free(xpath);
    cr_assert_eq(store_begin(both.st, &err), 0, "%s", err.msg);
    cr_assert_eq(nftw(corpus, both_index_one, 16, FTW_PHYS), 0);
    cr_assert_eq(store_commit(both.st, &err), 0, "%s", err.msg);
    cr_assert_eq(store_finish(both.st, &err), 0, "%s", err.msg);
    cr_assert_eq(mgx_commit(both.xdb, &err), 0, "%s", err.msg);
}

/* ---- a database served by xapian-tcpsrv ------------------------------ */

/* A free TCP port on 127.0.0.1 (the kernel's choice, released). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &n) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Whether something listens on 127.0.0.1:port. */
static int listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Serves the database at path with xapian-tcpsrv on a free port of
 * 127.0.0.1 (in a process group of its own; quiet, as it reports each
 * probe of the port as an error), waits up to 5 s for it to listen, and
 * writes a stub file naming it at stub.  Returns its pid (SIGTERM it,
 * then waitpid). */
static pid_t both_serve(const char *path, const char *stub)
{
    int port = free_port();
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setsid(); /* its own process group: a signal reaches it alone */
        if (!freopen("/dev/null", "w", stdout) ||
            !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl("/usr/bin/xapian-tcpsrv", "xapian-tcpsrv", "--quiet",
              "--interface", "127.0.0.1", "--port", portarg, path,
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && !listening(port); i++)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    struct buf line = {0};
    buf_printf(&line, "remote 127.0.0.1:%d\n", port);
    write_file(stub, line.s, line.len);
    buf_free(&line);
    return pid;
}

#endif
