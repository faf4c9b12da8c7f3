/*
 * ingest.h - a run of morgue-index: walking the paths given, reading each
 * file (skipped unread when the index holds it unchanged), cleaning,
 * finding entities and storing the articles in batches, removing what a
 * changed file no longer holds and, with prune, the articles of files
 * that are gone.  The program (morgue_index.c) adds the options, the lock
 * and the summary; the tests drive it directly.
 */
#ifndef MORGUE_INGEST_H
#define MORGUE_INGEST_H

#include <signal.h>
#include <stdio.h>
#include <stdint.h>

#include "clean.h"
#include "entities.h"
#include "store.h"
#include "strmap.h"
#include "util.h"

#define BATCH 1000        /* articles per transaction, at most */
#define BATCH_SECONDS 1.0 /* and seconds per transaction, at most */

/* Zero it, set store (NULL with show), rules, gaz and the flags; read the
 * counters after ingest_paths(); free with ingest_free(). */
struct pipe;

struct run {
    struct store *store;       /* NULL with --show */
    struct clean_rules *rules;
    struct gazetteer *gaz;
    int quiet, show, json;
    int no_entities;           /* --no-entities */
    int timing;                /* --timing */
    int jobs;                  /* --jobs: worker threads cleaning and
                                * finding entities (< 2: none, in line) */
    struct pipe *pipe;         /* the workers, while a run goes */
    /* seconds spent in each stage (--timing; cleaning and entities summed
     * over the workers) */
    double t_clean, t_extract, t_store, t_store_entities, t_merge, t_commit,
        t_stats;
    double t_wait; /* the writer waiting for the workers */
    long files_indexed, files_unchanged, files_skipped, files_failed;
    long bad_records;
    long added, changed, unchanged;  /* articles */
    long file_changes;               /* articles added or changed in the
                                      * current file */
    long in_batch;
    double batch_start;              /* when the open transaction began */
    int tx;                          /* a transaction is open */
    int verify, prune;               /* --verify, --prune */
    int verbose;                     /* a line per file indexed */
    FILE *log;                       /* --log: time-stamped lines */
    int progress;                    /* a progress line on stderr */
    int64_t bytes_total, bytes_done; /* of the files to read */
    double progress_start, progress_shown;
    int64_t removed;                 /* articles gone from their files */
    long files_gone;                 /* recorded files no longer there */
    struct strmap uids;              /* the uids the current file gave */
    struct strmap seen;              /* real paths of the files met */
    int fatal;
    struct mg_err err;
};

/* Whether a folder walk passes over a file of this name: hidden files
 * and collection notes (README*, LICENSE*, COPYING*, *.md, *.dtd). */
int ingest_passed_over(const char *name);

/* Reads every path (a file, a folder walked in name order, or "-") into
 * r->store, then with r->prune removes the articles of recorded files
 * under the paths that are gone, commits, and joins lone family names to
 * full ones.  Returns 0, or -1 with r->err set (r->fatal) on an index
 * error; files that fail are counted and named on stderr, not errors. */
int ingest_paths(struct run *r, char **paths, int npaths);

/* Prints "morgue-index: LINE" to `to` (if not NULL) and, with r->log,
 * appends the line with a UTC time stamp to the log. */
void ingest_say(struct run *r, FILE *to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees what a run keeps (not the store, rules or gazetteer). */
void ingest_free(struct run *r);

/* A signal handler: the run stops reading at the next article, commits
 * what it has, and records no half-read file. */
void ingest_stop(int sig);

/* The signal that stopped the run, or 0. */
int ingest_stopped(void);

#endif
