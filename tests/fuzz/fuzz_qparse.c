/*
 * fuzz_qparse.c - libFuzzer target for the query parser: any bytes give
 * either an FTS5 expression that SQLite accepts or a clean error.  An FTS5
 * or SQLite error escaping is a crash.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qparse.h"
#include "tokenizer.h"

static sqlite3 *db;
static sqlite3_stmt *st;
static struct tok *tok;

static void setup(void)
{
    struct mg_err err;
    sqlite3_open(":memory:", &db);
    tok_register(db, &err);
    sqlite3_exec(db,
                 "CREATE VIRTUAL TABLE fts USING fts5(title, lede, body,"
                 " captions, highlights, entities, tokenize='morgue');"
                 "INSERT INTO fts VALUES ('Summit in Pyongyang', 'Kim Jong-un"
                 " invites Moon', 'The U.S. said talks', '', '', '');",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1,
                       &st, NULL);
    tok = tok_new();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = 0;
    char *fts = NULL;
    struct mg_err err;
    if (qparse(tok, q, &fts, &err) == 0) {
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            abort(); /* SQLite refused what the parser built */
    } else if (!err.msg[0]) {
        abort(); /* an error must say what was wrong */
    }
    free(fts);
    free(q);
    return 0;
}
