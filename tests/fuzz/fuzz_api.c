/*
 * fuzz_api.c - libFuzzer target for morgue-serve's answers (query/api.c):
 * any path and query parameters get a response whose status is one of
 * the documented ones, whose body is valid JSON for the API (or a file of
 * the page), and nothing crashes or leaks.
 *
 * Input: the path, then parameters, separated by '\n'; a parameter is
 * "key=value" (a line without '=' is a key with an empty value).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "store.h"

static struct api *api;
static struct api_worker *worker;
static char db[] = "/tmp/morgue-fuzz-api-XXXXXX";

static void remove_db(void)
{
    char p[64];
    const char *const SUFFIX[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", db, SUFFIX[i]);
        unlink(p);
    }
}

static void setup(void)
{
    int fd = mkstemp(db);
    if (fd < 0)
        abort();
    close(fd);
    unlink(db);
    atexit(remove_db);
    struct store *st;
    struct mg_err err;
    if (store_open(db, STORE_WRITE, &st, &err) < 0)
        abort();
    static const char *const ARTS[][4] = {
        {"a1", "Summit in Pyongyang", "Kim Jong-un met Moon at a summit.",
         "2018-02-10"},
        {"a2", "Oil prices", "Oil prices rose in \"New York\".", "1987-03-01"},
        {"a3", "Caf\xc3\xa9", "Un caf\xc3\xa9 \xe2\x80\x94 summit.", NULL},
    };
    for (size_t i = 0; i < sizeof ARTS / sizeof *ARTS; i++) {
        struct article a = {0};
        a.uid = strdup(ARTS[i][0]);
        a.title = strdup(ARTS[i][1]);
        a.body = strdup(ARTS[i][2]);
        a.date = ARTS[i][3] ? strdup(ARTS[i][3]) : NULL;
        if (store_put(st, &a, NULL, &err) < 0)
            abort();
        article_clear(&a);
    }
    store_close(st);
    struct api_config c = {.db = db, .web_dir = NULL, .timeout_ms = 5000};
    if (api_new(&c, &api, &err) < 0)
        abort();
    worker = api_worker_new(api);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!api)
        setup();
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    struct api_param p[API_MAX_PARAMS + 2];
    int n = 0;
    char *save = NULL, *path = strtok_r(in, "\n", &save);
    char *line;
    while (n < API_MAX_PARAMS + 2 && (line = strtok_r(NULL, "\n", &save))) {
        char *eq = strchr(line, '=');
        if (eq)
            *eq = '\0';
        p[n].key = line;
        p[n].value = eq ? eq + 1 : "";
        p[n].len = strlen(p[n].value);
        n++;
    }
    struct api_response r;
    api_handle(worker, "GET", path ? path : "/", p, n, &r);
    static const int OK[] = {200, 400, 404, 405, 503};
    int known = 0;
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++)
        known |= r.status == OK[i];
    if (!known || !r.type) { /* 500: an index error from a valid index */
        fprintf(stderr, "fuzz_api: status %d: %.*s\n", r.status, (int)r.len,
                r.body ? r.body : "");
        abort();
    }
    if (strncmp(r.type, "application/json", 16) == 0) {
        json_t *j = json_loadb(r.body, r.len, 0, NULL);
        if (!j)
            abort();
        json_decref(j);
    }
    api_response_free(&r);
    free(in);
    return 0;
}
