#!/usr/bin/env python3
"""Measure morgue's ranking against a plain SQLite FTS5 baseline.

Usage:
    python3 scripts/eval_relevance.py --bin bin --shared ../shared/corpus
        --work build/eval-rel [--topics tests/data/relevance/topics.tsv]
        [--jobs N] [--query-opt OPT]... [--json OUT]

One run, described in docs/relevance.md:

1. Index, into WORK/morgue.db, the 1,000 CNN articles of
   cnn_dailymail_val1000 (from a copy of the CSV without its highlights
   column, written to WORK/cnn.csv), all of Reuters-21578 and the BBC set
   (distractors).
2. Copy every article's title and body from the index's `articles` table
   into a plain FTS5 table (porter unicode61 tokenizer, bm25): the
   baseline.
3. Run two query sets through `morgue-query --json -n 100` and through the
   baseline (the OR of the query's words):
   - known-item: each CNN article's first highlight; the article is the
     one relevant answer;
   - topics: one query per Reuters TOPICS tag (--topics); every story with
     that tag is relevant.
4. Print MRR@10, nDCG@10 (binary) and recall@100 per set and system.

When a corpus is missing it prints "eval: skipped: DIR not found" and
exits 0. Exit status: 0 when the figures were computed, 2 when an input is
unusable (a one-line message on stderr says which).

Python 3 standard library only.
"""

import argparse
import concurrent.futures
import csv
import hashlib
import html
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse

CNN_CSV = os.path.join("cnn_dailymail_val1000",
                       "cnn_dailymail_validation_subset.csv")
REUTERS_DIR = "reuters21578"
BBC_DIR = "bbc"
REUTERS_UID = "reuters-%d"

DEPTH = 100     # hits fetched per query (recall@DEPTH)
CUTOFF = 10     # MRR@CUTOFF, nDCG@CUTOFF
SYSTEMS = ("morgue", "fts5-plain")
MAX_FAILURES = 5  # failed queries named in the report, per set and system

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TOPICS = os.path.join(HERE, os.pardir, "tests", "data", "relevance",
                              "topics.tsv")


class EvalError(Exception):
    """An input the evaluation cannot use; the message names the input."""


# ---------------------------------------------------------------- inputs

def known_item_query(highlights):
    """Return the known-item query for a CNN highlights field.

    That is its first non-blank line with a trailing " ." (the dataset's
    sentence end) removed; nothing else is changed. Returns '' when the
    field is blank.
    """
    for line in highlights.splitlines():
        line = line.strip()
        if line:
            if line.endswith(" ."):
                line = line[:-2].rstrip()
            return line
    return ""


def copy_cnn_without_highlights(src, dst):
    """Copy the CNN CSV to dst with only its id and article columns.

    The highlights are the known-item queries, so they must not be in the
    index. Returns a list of (id, query) in file order. Raises EvalError
    when src is unreadable, lacks a column, or has a repeated or empty id.
    """
    csv.field_size_limit(1 << 30)
    items, seen = [], set()
    try:
        with open(src, newline="", encoding="utf-8") as fin, \
                open(dst, "w", newline="", encoding="utf-8") as fout:
            reader = csv.DictReader(fin)
            missing = {"id", "article", "highlights"} - set(
                reader.fieldnames or [])
            if missing:
                raise EvalError("%s: no %s column" % (
                    src, ", ".join(sorted(missing))))
            writer = csv.writer(fout)
            writer.writerow(["id", "article"])
            for row in reader:
                uid = (row["id"] or "").strip()
                if not uid or uid in seen:
                    raise EvalError("%s:%d: empty or repeated id '%s'"
                                    % (src, reader.line_num, uid))
                seen.add(uid)
                writer.writerow([uid, row["article"]])
                items.append((uid, known_item_query(row["highlights"] or "")))
    except OSError as e:
        raise EvalError("%s: %s" % (e.filename or src, e.strerror or e)) \
            from e
    except (UnicodeDecodeError, csv.Error) as e:
        raise EvalError("%s: not a UTF-8 CSV file: %s" % (src, e)) from e
    if not items:
        raise EvalError("%s: no records" % src)
    return items


REUTERS_RE = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
NEWID_RE = re.compile(r'\bNEWID="(\d+)"')
TOPICS_RE = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
D_RE = re.compile(r"<D>(.*?)</D>", re.S)


def load_reuters(directory):
    """Read the TOPICS tags of every story in DIR/*.sgm.

    Returns (topics, judged): topics maps each tag to the set of uids
    'reuters-NEWID' carrying it; judged is the set of stories Reuters'
    editors categorised (TOPICS="YES" or "NO"), as opposed to those marked
    TOPICS="BYPASS", which were never looked at. Raises EvalError when DIR
    holds no story.
    """
    topics, judged = {}, set()
    files = sorted(f for f in os.listdir(directory) if f.endswith(".sgm"))
    for name in files:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="latin-1") as f:
                text = f.read()
        except OSError as e:
            raise EvalError("%s: %s" % (path, e.strerror or e)) from e
        for m in REUTERS_RE.finditer(text):
            idm = NEWID_RE.search(m.group(1))
            if not idm:
                continue
            uid = REUTERS_UID % int(idm.group(1))
            if 'TOPICS="BYPASS"' not in m.group(1):
                judged.add(uid)
            tm = TOPICS_RE.search(m.group(2))
            for tag in D_RE.findall(tm.group(1)) if tm else []:
                topics.setdefault(html.unescape(tag).strip(), set()).add(uid)
    if not topics:
        raise EvalError("%s: no Reuters-21578 stories with TOPICS (*.sgm)"
                        % directory)
    return topics, judged


def load_topic_queries(path, topics):
    """Read the topic queries file: lines 'topic<TAB>query', '#' comments.

    Returns a list of (topic, query). Raises EvalError on a malformed line,
    a repeated topic or a topic with no story in the corpus.
    """
    out, seen = [], set()
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.startswith("#"):
                    continue
                fields = [x.strip() for x in line.split("\t")]
                if len(fields) != 2 or not all(fields):
                    raise EvalError("%s:%d: expected topic<TAB>query"
                                    % (path, lineno))
                topic, query = fields
                if topic in seen:
                    raise EvalError("%s:%d: topic '%s' repeated"
                                    % (path, lineno, topic))
                if topic not in topics:
                    raise EvalError("%s:%d: no Reuters story has topic '%s'"
                                    % (path, lineno, topic))
                seen.add(topic)
                out.append((topic, query))
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e
    except UnicodeDecodeError as e:
        raise EvalError("%s: not UTF-8 text" % path) from e
    if not out:
        raise EvalError("%s: no topics" % path)
    return out


# ---------------------------------------------------------------- systems

def snapshot_programs(bin_dir, work):
    """Copy morgue-index and morgue-query from bin_dir into WORK/bin.

    The run uses the copies, so that a rebuild while it runs cannot mix
    an index of one build with a query program of another. Returns
    {name: path of the copy}. Raises EvalError when a program is missing
    or cannot be copied.
    """
    out = {}
    dest = os.path.join(work, "bin")
    for name in ("morgue-index", "morgue-query"):
        prog = os.path.join(bin_dir, name)
        if not os.access(prog, os.X_OK):
            raise EvalError("%s: not found (run make)" % prog)
        try:
            os.makedirs(dest, exist_ok=True)
            out[name] = shutil.copy2(prog, os.path.join(dest, name))
        except OSError as e:
            raise EvalError("%s: %s" % (e.filename or dest,
                                        e.strerror or e)) from e
    return out


def last_line(text):
    """Return the last non-blank line of a program's stderr, or ''."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def build_index(prog, db, paths):
    """Index paths into a fresh morgue index db with morgue-index prog.

    Returns (seconds, summary line, stderr lines). Exit status 3 (some
    files or records skipped) is accepted and reported by the caller.
    Raises EvalError when the program fails otherwise.
    """
    try:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    except OSError as e:
        raise EvalError("%s: %s" % (e.filename, e.strerror or e)) from e
    start = time.monotonic()
    proc = subprocess.run([prog, "--db", db] + paths, capture_output=True,
                          text=True, errors="replace", check=False)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 3):
        raise EvalError("%s failed (status %d): %s" % (
            prog, proc.returncode, last_line(proc.stderr)))
    return seconds, proc.stdout.strip(), proc.stderr.strip().splitlines()


def open_index(path):
    """Open a morgue index read-only; raise EvalError when unreadable."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    try:
        db = sqlite3.connect(uri, uri=True)
        db.execute("SELECT uid, title, body FROM articles LIMIT 1")
    except sqlite3.Error as e:
        raise EvalError("%s: cannot read articles: %s" % (path, e)) from e
    return db


def build_baseline(index_path):
    """Build the baseline: an in-memory FTS5 table of the index's articles.

    Reads uid, title and body of every row of the index's `articles` table
    (morgue's cleaned text) into `b(title, body)` with the porter unicode61
    tokenizer. Returns (connection, uids) where uids[rowid] is the
    article's uid. Raises EvalError when the index is unreadable.
    """
    src = open_index(index_path)
    base = sqlite3.connect(":memory:")
    base.execute("CREATE VIRTUAL TABLE b USING fts5(title, body, "
                 "tokenize='porter unicode61')")
    uids = [None]
    try:
        for uid, title, body in src.execute(
                "SELECT uid, title, body FROM articles ORDER BY id"):
            uids.append(uid)
            base.execute("INSERT INTO b(rowid, title, body) VALUES (?, ?, ?)",
                         (len(uids) - 1, title or "", body or ""))
    except sqlite3.Error as e:
        raise EvalError("%s: cannot read articles: %s" % (index_path, e)) \
            from e
    finally:
        src.close()
    base.commit()
    return base, uids


def index_uids(index_path):
    """Return the set of uids in the morgue index."""
    db = open_index(index_path)
    try:
        return {r[0] for r in db.execute("SELECT uid FROM articles")}
    finally:
        db.close()


WORD_RE = re.compile(r"\w+")


def baseline_expression(query):
    """Return the baseline's FTS5 expression for a query: its words ORed.

    A word is a run of Unicode letters, digits or '_', lower-cased, each
    taken once and double-quoted so that none is read as FTS5 syntax (OR,
    NOT, NEAR, column names). Returns '' when the query has no word.
    """
    words = dict.fromkeys(w.lower() for w in WORD_RE.findall(query))
    return " OR ".join('"%s"' % w for w in words)


def search_baseline(base, uids, query):
    """Run one query on the baseline.

    Returns (uids best first, status, message) with status as
    morgue-query's: 0 hits, 1 none, 2 a query without words or an FTS5
    error (message says which).
    """
    expr = baseline_expression(query)
    if not expr:
        return [], 2, "no word in the query"
    try:
        hits = [uids[r[0]] for r in base.execute(
            "SELECT rowid FROM b WHERE b MATCH ? ORDER BY rank LIMIT ?",
            (expr, DEPTH))]
    except sqlite3.Error as e:
        return [], 2, "FTS5: %s" % e
    return hits, 0 if hits else 1, ""


def search_morgue(prog, db, extra, query):
    """Run one query through morgue-query --json -n DEPTH.

    The query is passed as one argument after '--', exactly as given.
    Returns (uids best first, status, message): status is 0 (hits), 1
    (no hits), else the exit status of a failed run, or -1 when the output
    was not the documented JSON; message is then the reason.
    """
    proc = subprocess.run([prog, "--db", db, "--json", "-n", str(DEPTH)]
                          + extra + ["--", query], capture_output=True,
                          text=True, errors="replace", check=False)
    if proc.returncode not in (0, 1):
        return [], proc.returncode, last_line(proc.stderr)
    try:
        hits = json.loads(proc.stdout)["hits"] if proc.stdout.strip() else []
        return [h["id"] for h in hits], proc.returncode, ""
    except (ValueError, KeyError, TypeError) as e:
        return [], -1, "output is not the documented JSON (%s)" % e


# ---------------------------------------------------------------- metrics

def query_metrics(ranked, relevant):
    """Return (RR@CUTOFF, nDCG@CUTOFF, recall@DEPTH) of one ranked list.

    Relevance is binary; the ideal DCG puts min(|relevant|, CUTOFF)
    relevant articles first.
    """
    rr, dcg = 0.0, 0.0
    for i, uid in enumerate(ranked[:CUTOFF]):
        if uid in relevant:
            if not rr:
                rr = 1.0 / (i + 1)
            dcg += 1.0 / math.log2(i + 2)
    ideal = sum(1.0 / math.log2(i + 2)
                for i in range(min(len(relevant), CUTOFF)))
    found = len(relevant.intersection(ranked[:DEPTH]))
    return rr, dcg / ideal, found / len(relevant)


def summarize(per_query):
    """Average per-query (rr, ndcg, recall) triples into a figures dict."""
    n = len(per_query)
    return {"mrr@10": sum(q[0] for q in per_query) / n,
            "ndcg@10": sum(q[1] for q in per_query) / n,
            "recall@100": sum(q[2] for q in per_query) / n,
            "queries": n}


def run_queries(queries, search, jobs):
    """Run every query of a set through one system.

    queries is a list of (label, query, relevant set); search a function
    query -> (uids best first, status, message), status 0 for hits, 1 for
    none, anything else a failed run. Runs jobs queries at once (1: in
    this thread). Returns (the answers in query order, seconds).
    """
    texts = [q for _, q, _ in queries]
    start = time.monotonic()
    if jobs == 1:
        results = [search(q) for q in texts]
    else:
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(search, texts))
    return results, time.monotonic() - start


def score(queries, results, judged=None):
    """Score one system's answers to a query set.

    With judged (a set of uids), each ranked list is first condensed: hits
    outside judged are dropped, and "unjudged@10" is the mean number of
    them among the original top 10. A failed run scores as no hits.
    Returns {"figures", "per_query": [(label, rr, ndcg, recall, hits,
    status)], "no_hits", "errors", "failures": [(label, query, message)]}.
    """
    rows, unjudged, failures = [], 0, []
    for (label, query, relevant), (ranked, status, message) in zip(
            queries, results):
        if status not in (0, 1):
            failures.append((label, query, message))
        if judged is not None:
            unjudged += sum(1 for u in ranked[:CUTOFF] if u not in judged)
            ranked = [u for u in ranked if u in judged]
        rows.append((label,) + query_metrics(ranked, relevant)
                    + (len(ranked), status))
    figures = summarize([r[1:4] for r in rows])
    if judged is not None:
        figures["unjudged@10"] = unjudged / len(rows)
    return {"figures": figures, "per_query": rows,
            "no_hits": sum(1 for r in rows if r[5] in (0, 1) and not r[4]),
            "errors": len(failures), "failures": failures}


# ---------------------------------------------------------------- report

def print_table(results, out):
    """Print the figures table, one row per (set, system)."""
    print("%-12s %-10s %7s %8s %11s %8s" % (
        "set", "system", "MRR@10", "nDCG@10", "recall@100", "queries"),
        file=out)
    for set_name, systems in results.items():
        for system in SYSTEMS:
            f = systems[system]["figures"]
            print("%-12s %-10s %7.3f %8.3f %11.3f %8d" % (
                set_name, system, f["mrr@10"], f["ndcg@10"],
                f["recall@100"], f["queries"]), file=out)


def print_details(results, condensed, out):
    """Print failures, timing, the condensed topic figures, per topic."""
    print("\n%-12s %-10s %8s %8s %9s" % (
        "set", "system", "no hits", "errors", "seconds"), file=out)
    for set_name, systems in results.items():
        for system in SYSTEMS:
            s = systems[system]
            print("%-12s %-10s %8d %8d %9.1f" % (
                set_name, system, s["no_hits"], s["errors"], s["seconds"]),
                file=out)
            for label, query, message in s["failures"][:MAX_FAILURES]:
                print("    failed: %s: %s (%s)" % (label, query, message),
                      file=out)
    print("\ntopics, judged stories only (hits that are not Reuters stories "
          "or are TOPICS=\"BYPASS\" dropped):", file=out)
    print("  %-10s %7s %8s %12s" % ("system", "MRR@10", "nDCG@10",
                                    "unjudged@10"), file=out)
    for system in SYSTEMS:
        f = condensed[system]["figures"]
        print("  %-10s %7.3f %8.3f %12.1f" % (
            system, f["mrr@10"], f["ndcg@10"], f["unjudged@10"]), file=out)
    print("\nper topic: nDCG@10 / recall@100 (hits returned)", file=out)
    for pair in zip(*(results["topics"][s]["per_query"] for s in SYSTEMS)):
        cells = ("%s %.3f / %.3f (%d)" % (s, r[2], r[3], r[4])
                 for s, r in zip(SYSTEMS, pair))
        print("  %-30s %s" % (pair[0][0], "   ".join(cells)), file=out)


def sha256_file(path):
    """Return the hex SHA-256 of a file (to name the build measured)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_json(path, results, condensed, info):
    """Save the figures, counts, per-query scores and run info to path."""
    report = dict(info, sets={}, topics_judged_only={
        s: c["figures"] for s, c in condensed.items()})
    for set_name, systems in results.items():
        report["sets"][set_name] = {
            system: {
                "figures": s["figures"], "seconds": s["seconds"],
                "no_hits": s["no_hits"], "errors": s["errors"],
                "failures": [{"query": q, "message": m}
                             for _, q, m in s["failures"]],
                "per_query": [
                    {"query": r[0], "rr": r[1], "ndcg": r[2], "recall": r[3],
                     "hits": r[4], "status": r[5]} for r in s["per_query"]]}
            for system, s in systems.items()}
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e


# ---------------------------------------------------------------- driver

def corpus_paths(shared):
    """Return (cnn csv, reuters dir, bbc dir), or None after printing a
    skip message when one of them is missing."""
    cnn = os.path.join(shared, CNN_CSV)
    reuters = os.path.join(shared, REUTERS_DIR)
    bbc = os.path.join(shared, BBC_DIR)
    for path, isdir in ((os.path.dirname(cnn), True), (cnn, False),
                        (reuters, True), (bbc, True)):
        if not (os.path.isdir(path) if isdir else os.path.isfile(path)):
            print("eval: skipped: %s not found" % path, flush=True)
            return None
    return cnn, reuters, bbc


def progress(msg):
    """Note progress on stderr (the figures go to stdout)."""
    print(msg, file=sys.stderr, flush=True)


def run(args, out):
    """Build, search, score and print; raises EvalError on bad input.

    Returns the exit status: 0, also when a corpus is missing (skipped).
    """
    paths = corpus_paths(args.shared)
    if paths is None:
        return 0
    cnn, reuters, bbc = paths
    topics, judged = load_reuters(reuters)
    topic_queries = load_topic_queries(args.topics, topics)
    try:
        os.makedirs(args.work, exist_ok=True)
    except OSError as e:
        raise EvalError("%s: %s" % (args.work, e.strerror or e)) from e
    progs = snapshot_programs(args.bin, args.work)
    query_prog = progs["morgue-query"]

    t0 = time.monotonic()
    cnn_copy = os.path.join(args.work, "cnn.csv")
    known = copy_cnn_without_highlights(cnn, cnn_copy)
    db = os.path.join(args.work, "morgue.db")
    progress("indexing into %s ..." % db)
    index_seconds, summary, warnings = build_index(
        progs["morgue-index"], db, [cnn_copy, reuters, bbc])
    present = index_uids(db)
    missing = [uid for uid, _ in known if uid not in present]
    if missing:
        raise EvalError("%s: %d CNN articles not indexed under their id "
                        "(e.g. %s)" % (db, len(missing), missing[0]))
    _, status, message = search_morgue(query_prog, db, args.query_opt,
                                       topic_queries[0][1])
    if status not in (0, 1):
        raise EvalError("%s cannot search %s: %s" % (query_prog, db, message))
    t1 = time.monotonic()
    base, uids = build_baseline(db)
    baseline_seconds = time.monotonic() - t1

    sets = {
        "known-item": [(uid, q, {uid}) for uid, q in known],
        "topics": [("%s: %s" % (t, q), q, topics[t])
                   for t, q in topic_queries],
    }
    systems = {
        "morgue": (lambda q: search_morgue(query_prog, db, args.query_opt, q),
                   args.jobs),
        # The baseline's connection belongs to this thread: one job.
        "fts5-plain": (lambda q: search_baseline(base, uids, q), 1),
    }
    results, condensed = {}, {}
    for name, queries in sets.items():
        results[name] = {}
        for system, (search, jobs) in systems.items():
            answers, seconds = run_queries(queries, search, jobs)
            progress("  %-10s %-10s %4d queries in %.1f s"
                     % (name, system, len(queries), seconds))
            results[name][system] = dict(score(queries, answers),
                                         seconds=seconds)
            if name == "topics":
                condensed[system] = score(queries, answers, judged)
    total_seconds = time.monotonic() - t0

    unindexed = sum(len(topics[t] - present) for t, _ in topic_queries)
    sha = sha256_file(query_prog)
    sha_index = sha256_file(progs["morgue-index"])
    print_table(results, out)
    print_details(results, condensed, out)
    print("\nindex: %s" % summary, file=out)
    for line in warnings[:5]:
        print("  %s" % line, file=out)
    if unindexed:
        print("warning: %d topic-tagged Reuters stories are not in the index "
              "(scored as not found)" % unindexed, file=out)
    print("time: index %.1f s, baseline build %.1f s, total %.1f s"
          % (index_seconds, baseline_seconds, total_seconds), file=out)
    print("programs: morgue-index sha256 %s, morgue-query sha256 %s%s" % (
        sha_index[:16], sha[:16], ", options " + " ".join(args.query_opt)
        if args.query_opt else ""), file=out)
    if args.json:
        write_json(args.json, results, condensed, {
            "depth": DEPTH, "cutoff": CUTOFF, "query_opt": args.query_opt,
            "topics_file": args.topics, "index_seconds": index_seconds,
            "baseline_seconds": baseline_seconds,
            "total_seconds": total_seconds, "index_summary": summary,
            "index_warnings": warnings, "unindexed_relevant": unindexed,
            "morgue_index_sha256": sha_index, "morgue_query_sha256": sha})
    return 0


def main(argv=None):
    """Parse arguments and run; returns the exit status (0 or 2)."""
    p = argparse.ArgumentParser(
        description="Measure morgue's ranking against plain FTS5 on CNN "
                    "known items and Reuters topics.")
    p.add_argument("--bin", default="bin",
                   help="folder holding morgue-index and morgue-query")
    p.add_argument("--shared", default=os.path.join("..", "shared", "corpus"),
                   help="folder holding the shared corpora")
    p.add_argument("--work", default=os.path.join("build", "eval-rel"),
                   help="scratch folder for the CSV copy and the index")
    p.add_argument("--topics", default=DEFAULT_TOPICS,
                   help="topic queries, topic<TAB>query per line")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="morgue-query runs at once (default: CPUs)")
    p.add_argument("--query-opt", action="append", default=[],
                   metavar="OPT", help="extra option for morgue-query "
                   "(repeatable), e.g. --query-opt=--strict")
    p.add_argument("--json", metavar="OUT", help="also write figures here")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    try:
        return run(args, sys.stdout)
    except EvalError as e:
        print("eval_relevance: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
