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
#include <stdint.h>
#include <stdio.h>

#include "clean.h"
#include "entities.h"
#include "store.h"
#include "strmap.h"
#include "util.h"

#define BATCH 1000 /* articles per transaction, at most */

/* morgue-index's exit statuses, one meaning each (docs/operations.md). */
enum index_status {
    INDEX_OK = 0,       /* every input went in */
    INDEX_ERROR = 1,    /* the index could not be opened, read or written */
    INDEX_USAGE = 2,    /* a bad option or argument */
    INDEX_WARNINGS = 3, /* done, but files or records were skipped or
                         * failed, or keys clashed (each named on stderr) */
    INDEX_LOCKED = 4,   /* another morgue-index writes to the index */
    INDEX_STOPPED = 5,  /* SIGTERM or SIGINT: what was read is committed */
    INDEX_DAMAGED = 6,  /* --check found damage */
    INDEX_REFUSED = 7,  /* --prune refused a root (missing, empty, or too
                         * much to delete): nothing under it was removed */
};
#define BATCH_SECONDS 1.0 /* and seconds per transaction, at most */

/* Zero it, set store (NULL with show), rules, gaz and the flags; read the
 * counters after ingest_paths(); free with ingest_free(). */
struct pipe;

struct run {
    struct store *store; /* NULL with --show */
    struct clean_rules *rules;
    struct gazetteer *gaz;
    int quiet, show, json;
    int no_entities;   /* --no-entities */
    FILE *features;    /* --entity-features */
    int timing;        /* --timing */
    int jobs;          /* --jobs: worker threads cleaning and
                        * finding entities (< 2: none, in line) */
    struct pipe *pipe; /* the workers, while a run goes */
    /* seconds spent in each stage (--timing; cleaning and entities summed
     * over the workers) */
    double t_clean, t_extract, t_store, t_store_entities, t_merge, t_commit,
        t_stats;
    double t_wait; /* the writer waiting for the workers */
    long files_indexed, files_unchanged, files_skipped, files_failed;
    long bad_records;
    long added, changed, unchanged; /* articles */
    long file_changes;              /* articles added or changed in the
                                     * current file */
    long in_batch;
    double batch_start;           /* when the open transaction began */
    int tx;                       /* a transaction is open */
    int verify, prune;            /* --verify, --prune */
    double prune_max;             /* --prune-max, as a share (0..1) */
    int dry_run;                  /* --dry-run: say, then roll back */
    const char *source, *section; /* --source, --section: for articles
                                   * that name none */
    int section_from_folder;      /* --section-from-folder */
    char **include, **exclude;    /* --include, --exclude GLOBs */
    int ninclude, nexclude;
    char **roots; /* real paths of the PATHs given */
    int nroots;
    long *root_met;                  /* files met under each root */
    int cur_root;                    /* the root being walked, -1: none */
    int force;                       /* read the file even if unchanged */
    long shadowed;                   /* articles another file owns */
    long suppressed;                 /* articles on the takedown list */
    long bad_dates;                  /* impossible dates dropped */
    long untitled;                   /* articles that came without a
                                      * title, titled from their body */
    long file_untitled, file_read;   /* ... and articles, of this file */
    char *first_untitled;            /* the key of its first untitled */
    long loops;                      /* links to folders already walked */
    long prune_refused;              /* roots --prune refused */
    struct store_ids reread;         /* files to read again: a key they
                                      * share lost its owner */
    struct strmap dirs;              /* "dev:ino" of the folders walked */
    char *key_base;                  /* the current file's id stem */
    char *folder;                    /* ... and its folder, the section
                                      * with --section-from-folder */
    int from_stdin;                  /* the current file is "-" */
    int verbose;                     /* a line per file indexed */
    FILE *log;                       /* --log: time-stamped lines */
    int progress;                    /* a progress line on stderr */
    int64_t bytes_total, bytes_done; /* of the files to read */
    double progress_start, progress_shown;
    int64_t removed;    /* articles gone from their files */
    long files_gone;    /* recorded files no longer there */
    struct strmap uids; /* the uids the current file gave */
    struct strmap seen; /* real paths of the files met */
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

/* The exit status a finished run earned: INDEX_REFUSED, INDEX_WARNINGS
 * or INDEX_OK (errors and signals are the caller's). */
enum index_status ingest_status(const struct run *r);

/* Whether a file name or path is valid UTF-8 without control characters:
 * if not, ingest_escape() gives a copy with each other byte as %XX (and
 * '%' itself, and each byte of also, escaped), which round-trips as an
 * article id.  Caller frees. */
char *ingest_escape(const char *s, const char *also);

/* Frees what a run keeps (not the store, rules or gazetteer). */
void ingest_free(struct run *r);

/* A signal handler: the run stops reading at the next article, commits
 * what it has, and records no half-read file. */
void ingest_stop(int sig);

/* The signal that stopped the run, or 0. */
int ingest_stopped(void);

#endif
