#!/usr/bin/env python3
"""Measure morgue's ranking, in both engines, against two peers on six
judged query sets.

Usage:
    /usr/bin/python3 scripts/eval_relevance.py --bin bin
        --shared ../shared/corpus --work build/eval-rel
        [--sets known-item,topics,cisi,cran,med,npl] [--jobs N]
        [--topics tests/data/relevance/topics.tsv] [--query-opt OPT]...
        [--json OUT] [--write-doc docs/relevance.md]

One run, described in docs/relevance.md (which --write-doc regenerates
from the run's own figures):

1. Build the morgue indexes with bin/morgue-index:
   - WORK/morgue.db: the 1,000 CNN articles of cnn_dailymail_val1000
     (from a copy of the CSV without its highlights column, WORK/cnn.csv),
     all of Reuters-21578 and the BBC set (distractors);
   - WORK/<set>.db for each classic collection of ir-collections/ (CISI,
     CRAN, MED, NPL), from a JSON Lines copy WORK/<set>.jsonl holding one
     {"id", "title", "body"} object per document;
   - the same inputs again with --engine xapian into WORK/news.xapian
     and WORK/<set>.xapian (morgue's Xapian engine, the system
     "morgue-xapian"); skipped with a one-line note when morgue-index
     was built without it.
2. Build the two peers from each index's own `articles` table (uid, title,
   body: morgue's cleaned text, so all three see the same words):
   - fts5-plain: an in-memory SQLite FTS5 table (porter unicode61, bm25);
   - xapian: a Xapian database (BM25Weight defaults, English stemmer) in
     WORK/xapian-<index>/; skipped with a one-line note when the module
     python3-xapian is not installed.
3. Run the query sets through `morgue-query --json -n DEPTH` on both
   engines' indexes (it recognises a Xapian index by itself) and both
   peers (the OR of the query's words), DEPTH 100 for the news sets, 1000
   for the classic ones:
   - known-item: each CNN article's first highlight; the article is the
     one relevant answer (MRR@10, nDCG@10, recall@100);
   - topics: one query per Reuters TOPICS tag (--topics); every story
     with that tag is relevant (MAP, P@10, nDCG@10, recall@100);
   - cisi, cran, med, npl: the collection's queries and human judgments
     (MAP to depth 1000, P@10, nDCG@10), judged queries only.
4. Print one table (set x system), per set the best system, morgue's
   ratio to the best peer, the Xapian engine against plain Xapian (the
   rule: at least as good on every set), failures, timing per query, the
   queries where morgue loses most to a peer and the Xapian engine to
   plain Xapian, and the per-topic figures.

A set whose corpus is missing is skipped with "eval: skipped: DIR not
found" and the others run.  Exit status: 0 when the figures were
computed (or every set was skipped), 2 when an input is unusable (a
one-line message on stderr names it).

Python 3 standard library, plus the xapian module of python3-xapian.
"""

import argparse
import concurrent.futures
import csv
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
import urllib.parse

import reuters_sgm

try:
    import xapian
except ImportError:  # reported by run(), the other systems go on
    xapian = None

CNN_CSV = os.path.join("cnn_dailymail_val1000",
                       "cnn_dailymail_validation_subset.csv")
REUTERS_DIR = "reuters21578"
BBC_DIR = "bbc"
IR_DIR = "ir-collections"
REUTERS_UID = "reuters-%d"

NEWS_DEPTH = 100      # hits fetched per news query (recall@100)
CLASSIC_DEPTH = 1000  # hits fetched per classic query (MAP to depth 1000)
DEPTH = NEWS_DEPTH    # the news depth, the default of the search functions
CUTOFF = 10           # MRR@10, P@10, nDCG@10
MAX_FAILURES = 5      # failed queries named in the report, per set and system
MAX_LOSSES = 5        # queries where morgue loses most, per set

SYSTEMS = ("morgue", "morgue-xapian", "fts5-plain", "xapian")
PEERS = ("fts5-plain", "xapian")
XENGINE = "morgue-xapian"  # morgue's Xapian engine (--engine xapian)
XPEER = "xapian"           # the rule: XENGINE >= XPEER on every set
NEWS_SETS = ("known-item", "topics")
CLASSIC_SETS = ("cisi", "cran", "med", "npl")
ALL_SETS = NEWS_SETS + CLASSIC_SETS
XAPIAN_MISSING = ("eval: xapian column skipped: python3-xapian not installed "
                  "(apt-get install python3-xapian)")
XENGINE_MISSING = ("eval: morgue-xapian column skipped: %s")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_TOPICS = os.path.join(REPO, "tests", "data", "relevance",
                              "topics.tsv")
DOC_TEMPLATE = os.path.join(HERE, "relevance.md.in")


class EvalError(Exception):
    """An input the evaluation cannot use; the message names the input."""


# ---------------------------------------------------------------- news inputs

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


TOPICS_RE = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)


def load_reuters(directory):
    """Read the TOPICS tags of every story in DIR/*.sgm.

    Returns (topics, judged): topics maps each tag to the set of uids
    'reuters-NEWID' carrying it; judged is the set of stories Reuters'
    editors categorised (TOPICS="YES" or "NO"), as opposed to those marked
    TOPICS="BYPASS", which were never looked at. Raises EvalError when DIR
    holds no story.
    """
    topics, judged = {}, set()
    for newid, attrs, body in reuters_sgm.stories(directory, EvalError):
        uid = REUTERS_UID % newid
        if 'TOPICS="BYPASS"' not in attrs:
            judged.add(uid)
        for tag in reuters_sgm.tags(body, TOPICS_RE):
            topics.setdefault(tag, set()).add(uid)
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


# ---------------------------------------------------------- classic inputs
#
# Each collection of ir-collections/ (see its SOURCE.md): the document
# file, the query file, the judgments file, and how to read them.

CLASSIC = {
    "cisi": ("cisi", "CISI.ALL", "CISI.QRY", "CISI.REL"),
    "cran": ("cran", "cran.all.1400", "cran.qry", "cranqrel"),
    "med": ("med", "MED.ALL", "MED.QRY", "MED.REL"),
    "npl": ("npl", "doc-text", "query-text", "rlv-ass"),
}

SMART_MARK_RE = re.compile(r"\.([A-Z])(?:[ \t]+(\S+))?[ \t]*$")


def read_lines(path):
    """Return a text file's lines (without line ends); EvalError if not."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e
    except UnicodeDecodeError as e:
        raise EvalError("%s: not UTF-8 text (byte %d)" % (path, e.start)) \
            from e


def parse_smart(path):
    """Split a SMART file (.I N, then .T/.A/.B/.W/.X/... fields) into records.

    Returns (records, strays): records is a list of (number as written,
    {field letter: [lines]}) in file order; strays counts field markers
    found inside a record's .W text after that record already had the
    field (CRAN documents 240, 576 and 578 hold stray .A, .B and .W lines
    in their abstracts): such a marker line is dropped and the lines after
    it stay in .W, so that no text is lost. Raises EvalError on text before
    the first .I, an .I without a number, or a repeated number.
    """
    records, seen, strays = [], set(), []
    fields, field = None, None
    for lineno, line in enumerate(read_lines(path), 1):
        m = SMART_MARK_RE.match(line)
        if m and m.group(1) == "I":
            number = m.group(2)
            if not number or number in seen:
                raise EvalError("%s:%d: .I without a number or repeated"
                                % (path, lineno))
            seen.add(number)
            fields, field = {}, None
            records.append((number, fields))
            continue
        if fields is None:
            if line.strip():
                raise EvalError("%s:%d: text before the first .I"
                                % (path, lineno))
            continue
        if m and not m.group(2):
            key = m.group(1)
            if field == "W" and key in fields:
                strays.append("%s:%d" % (os.path.basename(path), lineno))
                continue
            field = key
            fields.setdefault(key, [])
            continue
        if field is None:
            if line.strip():
                raise EvalError("%s:%d: text outside a field" % (path, lineno))
            continue
        fields[field].append(line)
    return records, strays


def parse_npl(path):
    """Split an NPL file into records: a number line, text, a '/' line.

    Returns a list of (number, [lines]) in file order. The last record may
    lack its '/' line (query-text and rlv-ass end so). Raises EvalError
    when a record does not start with a number or a number repeats.
    """
    records, seen, current = [], set(), None
    lines = read_lines(path)
    for lineno, line in enumerate(lines, 1):
        if line.strip() == "/":
            current = None
            continue
        if current is None:
            if not line.strip():
                continue
            number = line.strip()
            if not number.isdigit() or number in seen:
                raise EvalError("%s:%d: expected a record number, not '%s'"
                                % (path, lineno, line.strip()[:30]))
            seen.add(number)
            current = (number, [])
            records.append(current)
            continue
        current[1].append(line)
    return records


def join_text(lines):
    """Join a field's lines with line breaks, without blank edges."""
    return "\n".join(lines).strip("\n").rstrip()


def query_text(lines):
    """Return a query as measured: line breaks made single spaces, runs of
    spaces squeezed, leading and trailing space dropped; nothing else."""
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def read_pairs(path, columns, query_col, doc_col, keep=None):
    """Read a judgments file of whitespace-separated columns.

    Returns a list of (query number, doc number, fields) for the lines
    where keep(fields) is true (all lines when keep is None). Raises
    EvalError on a line with another number of columns or a non-number.
    """
    out = []
    for lineno, line in enumerate(read_lines(path), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != columns:
            raise EvalError("%s:%d: expected %d columns" % (path, lineno,
                                                           columns))
        try:
            q, d = int(fields[query_col]), int(fields[doc_col])
        except ValueError as e:
            raise EvalError("%s:%d: not a query and document number"
                            % (path, lineno)) from e
        if keep is None or keep(fields):
            out.append((q, d, lineno))
    return out


def cran_relevant(fields):
    """cranqrel's grade: 1 (complete answer) to 4 (minimum interest) are
    relevant; -1 (and anything else) is not."""
    return fields[2] in ("1", "2", "3", "4")


def load_classic(name, directory):
    """Read one classic collection.

    Returns a dict: "docs" [(uid, title, body)], "queries" [(label,
    query, relevant uids)] for the judged queries only, "asked" (queries
    in the file), "judgments", "notes" (lines about the data). Raises
    EvalError on a malformed file or a judgment naming a query or
    document the collection does not have.
    """
    _, doc_file, qry_file, rel_file = CLASSIC[name]
    doc_path, qry_path, rel_path = (os.path.join(directory, f) for f in
                                    (doc_file, qry_file, rel_file))
    notes = []
    if name == "npl":
        docs = [("npl-%d" % int(n), "", join_text(lines))
                for n, lines in parse_npl(doc_path)]
        raw_queries = [(n, query_text(lines))
                       for n, lines in parse_npl(qry_path)]
        pairs = []
        for n, lines in parse_npl(rel_path):
            for tok in " ".join(lines).split():
                if not tok.isdigit():
                    raise EvalError("%s: query %s: '%s' is not a document "
                                    "number" % (rel_path, n, tok))
                pairs.append((int(n), int(tok), 0))
    else:
        records, strays = parse_smart(doc_path)
        docs = [("%s-%d" % (name, int(n)), join_text(f.get("T", [])),
                 join_text(f.get("W", []))) for n, f in records]
        if strays:
            notes.append("%d stray field markers inside .W text (%s): the "
                          "marker lines dropped, their text kept in the "
                          "body" % (len(strays), ", ".join(strays)))
        extra = sorted({k for _, f in records for k in f} - set("TABWX"))
        if extra:
            notes.append("fields .%s (not indexed) in %s" % (
                ", .".join(extra), ", ".join(
                    "%s-%d" % (name, int(n)) for n, f in records
                    if set(f) & set(extra))))
        qrecords, qstrays = parse_smart(qry_path)
        if qstrays:
            raise EvalError("%s: stray field markers (%s)"
                            % (qry_path, ", ".join(qstrays)))
        raw_queries = [(n, query_text(f.get("W", []))) for n, f in qrecords]
        if name == "cisi":
            pairs = read_pairs(rel_path, 4, 0, 1)
        elif name == "cran":
            pairs = read_pairs(rel_path, 3, 0, 1, cran_relevant)
        else:
            pairs = read_pairs(rel_path, 4, 0, 2)
    uids = {d[0] for d in docs}
    if len(uids) != len(docs):
        raise EvalError("%s: repeated document numbers" % doc_path)
    if not docs:
        raise EvalError("%s: no documents" % doc_path)
    # The judgments name queries by number; CRAN's by their ordinal
    # position in cran.qry (which numbers them 001, 002, 004, 008, ...).
    if name == "cran":
        by_number = {i: q for i, q in enumerate(raw_queries, 1)}
    else:
        by_number = {int(n): (n, t) for n, t in raw_queries}
    relevant = {}
    for q, d, where in pairs:
        uid = "%s-%d" % (name, d)
        if q not in by_number:
            raise EvalError("%s: judgment%s for query %d, which %s does not "
                            "have" % (rel_path, " (line %d)" % where
                                      if where else "", q, qry_file))
        if uid not in uids:
            raise EvalError("%s: judgment%s for document %d, which %s does "
                            "not have" % (rel_path, " (line %d)" % where
                                          if where else "", d, doc_file))
        relevant.setdefault(q, set()).add(uid)
    queries = []
    for q, (n, text) in sorted(by_number.items()):
        if q not in relevant:
            continue
        if not text:
            raise EvalError("%s: query %s has no text" % (qry_path, n))
        label = "%s q%s" % (name, n) if name != "cran" else \
            "cran q%s (#%d)" % (n, q)
        queries.append((label, text, relevant[q]))
    if not queries:
        raise EvalError("%s: no judged query" % rel_path)
    return {"docs": docs, "queries": queries, "asked": len(raw_queries),
            "judgments": sum(len(r) for r in relevant.values()),
            "notes": notes}


def write_jsonl(path, docs):
    """Write docs [(uid, title, body)] to path, one JSON object a line."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            for uid, title, body in docs:
                f.write(json.dumps({"id": uid, "title": title, "body": body},
                                   ensure_ascii=False) + "\n")
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e


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


class EngineMissing(Exception):
    """morgue-index was built without the engine asked for."""


def build_index(prog, db, paths, engine=None):
    """Index paths into a fresh morgue index db with morgue-index prog.

    engine None is the default engine (FTS5: db is one SQLite file);
    "xapian" passes --engine xapian (db is a directory). Returns (seconds,
    summary line, stderr lines). Exit status 3 (some files or records
    skipped) is accepted and reported by the caller. Raises EngineMissing
    when morgue-index says the engine is not built into it, EvalError when
    the program fails otherwise.
    """
    try:
        if os.path.isdir(db):
            shutil.rmtree(db)
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    except OSError as e:
        raise EvalError("%s: %s" % (e.filename, e.strerror or e)) from e
    opts = ["--engine", engine] if engine else []
    start = time.monotonic()
    proc = subprocess.run([prog] + opts + ["--db", db] + paths,
                          capture_output=True, text=True, errors="replace",
                          check=False)
    seconds = time.monotonic() - start
    if engine and proc.returncode == 2 and "not built" in proc.stderr:
        raise EngineMissing(last_line(proc.stderr))
    if proc.returncode not in (0, 3):
        raise EvalError("%s%s failed (status %d): %s" % (
            prog, " --engine " + engine if engine else "", proc.returncode,
            last_line(proc.stderr)))
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


def doc_id(key):
    """The judged document's id in an article key.

    morgue keys an article by its id scoped by its source or file
    ("/work/cisi.jsonl:cisi-12", docs/operations.md#article-identity);
    the judgments name the bare id ("cisi-12"), which holds no colon.
    """
    return key.rsplit(":", 1)[-1]


def index_rows(index_path):
    """Return [(uid, title, body)] of the index's articles, by rowid.

    That is morgue's cleaned text, which the peers are built from.
    Raises EvalError when the index is unreadable.
    """
    src = open_index(index_path)
    try:
        return [(doc_id(uid), title or "", body or "") for uid, title, body in
                src.execute("SELECT uid, title, body FROM articles "
                            "ORDER BY id")]
    except sqlite3.Error as e:
        raise EvalError("%s: cannot read articles: %s" % (index_path, e)) \
            from e
    finally:
        src.close()


def build_baseline(index_path, rows=None):
    """Build the baseline: an in-memory FTS5 table of the index's articles.

    Reads uid, title and body of every row of the index's `articles` table
    (morgue's cleaned text; rows when already read) into `b(title, body)`
    with the porter unicode61 tokenizer. Returns (connection, uids) where
    uids[rowid] is the article's uid. Raises EvalError when the index is
    unreadable or this SQLite has no FTS5.
    """
    if rows is None:
        rows = index_rows(index_path)
    base = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        base.execute("CREATE VIRTUAL TABLE b USING fts5(title, body, "
                     "tokenize='porter unicode61')")
    except sqlite3.Error as e:
        raise EvalError("Python's sqlite3 module: no FTS5 (%s)" % e) from e
    base.executemany("INSERT INTO b(rowid, title, body) VALUES (?, ?, ?)",
                     ((i, t, b) for i, (_, t, b) in enumerate(rows, 1)))
    base.commit()
    return base, [None] + [r[0] for r in rows]


def index_uids(index_path):
    """Return the set of uids in the morgue index."""
    db = open_index(index_path)
    try:
        return {doc_id(r[0]) for r in db.execute("SELECT uid FROM articles")}
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


def search_baseline(base, uids, query, depth=DEPTH):
    """Run one query on the baseline, the best depth hits.

    Returns (uids best first, status, message, milliseconds, None) with
    status as morgue-query's: 0 hits, 1 none, 2 a query without words or
    an FTS5 error (message says which).
    """
    start = time.perf_counter()
    expr = baseline_expression(query)
    if not expr:
        return [], 2, "no word in the query", 0.0, None
    try:
        hits = [uids[r[0]] for r in base.execute(
            "SELECT rowid FROM b WHERE b MATCH ? ORDER BY rank LIMIT ?",
            (expr, depth))]
    except sqlite3.Error as e:
        return [], 2, "FTS5: %s" % e, 0.0, None
    ms = (time.perf_counter() - start) * 1000.0
    return hits, 0 if hits else 1, "", ms, None


def build_xapian(path, rows):
    """Build the Xapian peer in directory path from rows [(uid, title,
    body)].

    Each row is one document: TermGenerator with the English stemmer
    (STEM_SOME: each word unstemmed, plus its stem with prefix Z), the
    title, a gap of one position, the body, all as free text; the data is
    the uid. Returns (read-only database, uids) where uids[docid] is the
    uid. Raises EvalError when the directory cannot be written.
    """
    try:
        if os.path.isdir(path):
            shutil.rmtree(path)
        wdb = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_stemmer(xapian.Stem("english"))
        tg.set_stemming_strategy(xapian.TermGenerator.STEM_SOME)
        uids = [None]
        for uid, title, body in rows:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(title)
            tg.increase_termpos()
            tg.index_text(body)
            doc.set_data(uid)
            docid = wdb.add_document(doc)
            if docid != len(uids):
                raise EvalError("%s: docid %d for document %d" % (
                    path, docid, len(uids)))
            uids.append(uid)
        wdb.commit()
        wdb.close()
        return xapian.Database(path), uids
    except (OSError, xapian.Error) as e:
        raise EvalError("%s: %s" % (path, e)) from e


SHOULD_STEM = ("Ll", "Lt", "Lm", "Lo")


def xapian_terms(query, stem):
    """Return the terms of the Xapian peer's query, in query order.

    Each \\w+ word lower-cased; as QueryParser's STEM_SOME does, a word
    starting with a letter becomes 'Z' + its stem, any other (a number)
    stays as written. Repeats are kept, as QueryParser keeps them.
    """
    out = []
    for w in WORD_RE.findall(query):
        w = w.lower()
        if unicodedata.category(w[0]) in SHOULD_STEM:
            stemmed = stem(w)  # the bindings give bytes
            if isinstance(stemmed, bytes):
                stemmed = stemmed.decode("utf-8")
            out.append("Z" + stemmed)
        else:
            out.append(w)
    return out


class XapianPeer:
    """The Xapian peer over one database: BM25Weight() defaults."""

    def __init__(self, db, uids):
        """Keep the database, its uids by docid and one Enquire."""
        self.db, self.uids = db, uids
        self.stem = xapian.Stem("english")
        self.enquire = xapian.Enquire(db)
        self.enquire.set_weighting_scheme(xapian.BM25Weight())

    def search(self, query, depth=DEPTH):
        """Run one query: the OP_OR of its terms, the best depth hits.

        Returns (uids best first, status, message, milliseconds, None),
        status 0 hits, 1 none, 2 no word or a Xapian error.
        """
        start = time.perf_counter()
        terms = xapian_terms(query, self.stem)
        if not terms:
            return [], 2, "no word in the query", 0.0, None
        try:
            q = xapian.Query(xapian.Query.OP_OR, [
                xapian.Query(t, 1, i) for i, t in enumerate(terms, 1)])
            self.enquire.set_query(q)
            hits = [self.uids[m.docid]
                    for m in self.enquire.get_mset(0, depth)]
        except xapian.Error as e:
            return [], 2, "Xapian: %s" % e, 0.0, None
        ms = (time.perf_counter() - start) * 1000.0
        return hits, 0 if hits else 1, "", ms, None


def search_morgue(prog, db, extra, query, depth=DEPTH):
    """Run one query through morgue-query --json -n depth.

    The query is passed as one argument after '--', exactly as given.
    Returns (uids best first, status, message, wall milliseconds,
    took_ms or None): status is 0 or 1 (the JSON was read; its hits are
    the answer whichever it is), else the exit status of a failed run, or
    -1 when the output was not the documented JSON; message is then the
    reason. took_ms is the JSON's "took_ms" member when it has one.
    """
    start = time.perf_counter()
    proc = subprocess.run([prog, "--db", db, "--json", "-n", str(depth)]
                          + extra + ["--", query], capture_output=True,
                          text=True, errors="replace", check=False)
    ms = (time.perf_counter() - start) * 1000.0
    if proc.returncode not in (0, 1):
        return [], proc.returncode, last_line(proc.stderr) or \
            "no message", ms, None
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
        hits = [doc_id(h["id"]) for h in doc.get("hits", [])]
        took = doc.get("took_ms")
        took = float(took) if isinstance(took, (int, float)) else None
        return hits, proc.returncode, "", ms, took
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return [], -1, "output is not the documented JSON (%s)" % e, ms, None


# ---------------------------------------------------------------- metrics

def query_metrics(ranked, relevant, depth=DEPTH):
    """Score one ranked list against a set of relevant uids (binary).

    Returns a dict: rr (1/rank of the first relevant hit in the top 10,
    else 0), ap (average precision over the first depth hits: the sum of
    precision at each relevant hit's rank, divided by all relevant), p10,
    ndcg (nDCG@10, the ideal list putting min(relevant, 10) relevant
    first), recall (relevant in the first depth / all relevant), first
    (rank of the first relevant hit, or None). A uid repeated in the list
    counts once.
    """
    seen, found, ap, dcg, p10, first = set(), 0, 0.0, 0.0, 0, None
    for i, uid in enumerate(ranked[:depth]):
        if uid in seen or uid not in relevant:
            seen.add(uid)
            continue
        seen.add(uid)
        found += 1
        ap += found / (i + 1)
        if first is None:
            first = i + 1
        if i < CUTOFF:
            dcg += 1.0 / math.log2(i + 2)
            p10 += 1
    ideal = sum(1.0 / math.log2(i + 2)
                for i in range(min(len(relevant), CUTOFF)))
    return {"rr": 1.0 / first if first and first <= CUTOFF else 0.0,
            "ap": ap / len(relevant), "p10": p10 / CUTOFF,
            "ndcg": dcg / ideal, "recall": found / len(relevant),
            "first": first}


def summarize(per_query, depth=DEPTH):
    """Average per-query metric dicts into a figures dict."""
    n = len(per_query)
    return {"mrr@10": sum(q["rr"] for q in per_query) / n,
            "map": sum(q["ap"] for q in per_query) / n,
            "p@10": sum(q["p10"] for q in per_query) / n,
            "ndcg@10": sum(q["ndcg"] for q in per_query) / n,
            "recall@%d" % depth: sum(q["recall"] for q in per_query) / n,
            "queries": n}


def run_queries(queries, search, jobs):
    """Run every query of a set through one system.

    queries is a list of (label, query, relevant set); search a function
    query -> (uids best first, status, message, ms, took_ms), status 0
    for hits, 1 for none, anything else a failed run. Runs jobs queries
    at once (1: in this thread). Returns (the answers in query order,
    seconds).
    """
    texts = [q for _, q, _ in queries]
    start = time.monotonic()
    if jobs == 1:
        results = [search(q) for q in texts]
    else:
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(search, texts))
    return results, time.monotonic() - start


def timing(answers):
    """Return the per-query times of a system's answers: mean and median
    ms, and the same of took_ms over the answers that carry it."""
    ms = [a[3] for a in answers]
    took = [a[4] for a in answers if a[4] is not None]
    return {"mean_ms": statistics.mean(ms), "median_ms": statistics.median(ms),
            "took_mean_ms": statistics.mean(took) if took else None,
            "took_median_ms": statistics.median(took) if took else None,
            "took_count": len(took)}


def score(queries, results, judged=None, depth=DEPTH):
    """Score one system's answers to a query set.

    With judged (a set of uids), each ranked list is first condensed: hits
    outside judged are dropped, and "unjudged@10" is the mean number of
    them among the original top 10. A failed run scores as no hits.
    Returns {"figures", "per_query": [dict with label, query, the
    metrics, hits, status, ms, took_ms], "no_hits", "errors",
    "failures": [(label, query, message)], "timing"}.
    """
    rows, unjudged, failures = [], 0, []
    for (label, query, relevant), answer in zip(queries, results):
        ranked, status, message, ms, took = answer
        if status not in (0, 1):
            failures.append((label, query, message))
        if judged is not None:
            unjudged += sum(1 for u in ranked[:CUTOFF] if u not in judged)
            ranked = [u for u in ranked if u in judged]
        row = query_metrics(ranked, relevant, depth)
        row.update(label=label, query=query, relevant=len(relevant),
                   hits=len(ranked), status=status, ms=ms, took_ms=took)
        rows.append(row)
    figures = summarize(rows, depth)
    if judged is not None:
        figures["unjudged@10"] = unjudged / len(rows)
    return {"figures": figures, "per_query": rows,
            "no_hits": sum(1 for r in rows if r["status"] in (0, 1)
                           and not r["hits"]),
            "errors": len(failures), "failures": failures,
            "timing": timing(results)}


# ---------------------------------------------------------------- sets

def headline(set_name):
    """Return the (key, name) of a set's headline metric."""
    return ("mrr@10", "MRR@10") if set_name == "known-item" else \
        ("map", "MAP")


def columns(set_name):
    """Return the figure keys shown for a set in the main table."""
    if set_name == "known-item":
        return ("mrr@10", "ndcg@10", "recall@100")
    if set_name == "topics":
        return ("map", "p@10", "ndcg@10", "recall@100")
    return ("map", "p@10", "ndcg@10")


TABLE_COLUMNS = (("mrr@10", "MRR@10"), ("map", "MAP"), ("p@10", "P@10"),
                 ("ndcg@10", "nDCG@10"), ("recall@100", "recall@100"))


def verdict(set_name, systems):
    """Return (best system, its value, morgue's value, morgue / the best
    peer's value or None) on the set's headline metric."""
    key, _ = headline(set_name)
    values = {s: r["figures"][key] for s, r in systems.items()}
    best = max(values, key=lambda s: values[s])
    peers = [values[s] for s in systems if s in PEERS]
    peer = max(peers) if peers else None
    ratio = values["morgue"] / peer if peer else None
    return best, values[best], values["morgue"], ratio


def engine_rule(set_name, systems):
    """Return (the Xapian engine's headline, plain Xapian's, their ratio
    or None) on a set, or None when either did not run. The issue's rule:
    the engine is at least plain Xapian BM25 on every set."""
    if XENGINE not in systems or XPEER not in systems:
        return None
    key, _ = headline(set_name)
    mine = systems[XENGINE]["figures"][key]
    peer = systems[XPEER]["figures"][key]
    return mine, peer, mine / peer if peer else None


def engine_line(set_name, systems):
    """Return the per-set line of the Xapian engine against plain Xapian,
    or None when either did not run."""
    rule = engine_rule(set_name, systems)
    if rule is None:
        return None
    mine, peer, ratio = rule
    return "%s %.3f against %s %.3f%s: %s" % (
        XENGINE, mine, XPEER, peer,
        " (%.3f x)" % ratio if ratio is not None else "",
        "at least plain Xapian" if mine >= peer else "BELOW plain Xapian")


def losses(set_name, systems, limit=MAX_LOSSES, who="morgue",
           against=PEERS):
    """Return the queries where system who trails the best of against
    most on the set's per-query headline (AP; RR for known items): a list
    of (loss, label, query, {system: value}), largest loss first."""
    key = "rr" if set_name == "known-item" else "ap"
    names = list(systems)
    out = []
    if who not in systems:
        return out
    for rows in zip(*(systems[s]["per_query"] for s in names)):
        vals = {s: r[key] for s, r in zip(names, rows)}
        peers = [v for s, v in vals.items() if s in against]
        if not peers:
            continue
        loss = max(peers) - vals[who]
        if loss > 0:
            out.append((loss, rows[0]["label"], rows[0]["query"], vals))
    out.sort(key=lambda x: -x[0])
    return out[:limit]


def per_query_dump(set_name, systems):
    """Return one entry per query with every system's scores beside each
    other, and morgue's loss to the best peer on the headline."""
    key = "rr" if set_name == "known-item" else "ap"
    names = list(systems)
    out = []
    for rows in zip(*(systems[s]["per_query"] for s in names)):
        entry = {"label": rows[0]["label"], "query": rows[0]["query"],
                 "relevant": rows[0]["relevant"], "systems": {}}
        for s, r in zip(names, rows):
            entry["systems"][s] = {
                k: r[k] for k in ("ap", "rr", "p10", "ndcg", "recall",
                                  "first", "hits", "status", "ms",
                                  "took_ms")}
        peers = [r[key] for s, r in zip(names, rows) if s in PEERS]
        entry["morgue_loss"] = (max(peers) - rows[0][key]) if peers else None
        if XENGINE in names and XPEER in names:
            entry["xapian_engine_loss"] = (
                entry["systems"][XPEER][key] - entry["systems"][XENGINE][key])
        out.append(entry)
    return out


SYNTAX_CHECKS = (
    ("parentheses", re.compile(r"[()]")),
    ("double quotes", re.compile(r'"')),
    ("OR, AND or NOT in capitals", re.compile(r"\b(?:OR|AND|NOT)\b")),
    ("a word after a lone '-'", re.compile(r"(?:^|\s)-\w")),
    ("'word:' with no space after", re.compile(r"\w:\S")),
    ("'*'", re.compile(r"\*")),
)


def syntax_census(queries):
    """Count the queries holding something morgue's query syntax reads
    (docs/query-syntax.md), and those over 64 words (its limit on words
    and phrases). Returns a list of 'N with WHAT' strings, empty when
    none; the queries are passed as they are all the same."""
    out = []
    for what, rx in SYNTAX_CHECKS:
        n = sum(1 for _, q, _ in queries if rx.search(q))
        if n:
            out.append("%d with %s" % (n, what))
    n = sum(1 for _, q, _ in queries if len(WORD_RE.findall(q)) > 64)
    if n:
        out.append("%d over 64 words" % n)
    return out


def check_text(docs, rows):
    """Compare the documents given to morgue-index with what it stored.

    docs: [(uid, title, body)] as written; rows: the index's articles.
    Returns a dict: "missing" (uids not indexed), "extra" (uids in the
    index that were not given), "changed" (uids whose title or body words,
    \\w+ lower-cased in order, differ from what was given; a title is only
    compared when one was given), "made_titles" (documents given without
    a title that morgue stored one for), "example" (the first change).
    """
    stored = {uid: (t, b) for uid, t, b in rows}
    given = {d[0] for d in docs}
    out = {"missing": [d[0] for d in docs if d[0] not in stored],
           "extra": sorted(set(stored) - given), "changed": [],
           "made_titles": 0, "example": None}

    def words(s):
        return [w.lower() for w in WORD_RE.findall(s)]
    for uid, title, body in docs:
        if uid not in stored:
            continue
        s_title, s_body = stored[uid]
        if not title and s_title:
            out["made_titles"] += 1
        pairs = [("body", body, s_body)]
        if title:
            pairs.append(("title", title, s_title))
        for field, a, b in pairs:
            wa, wb = words(a), words(b)
            if wa != wb:
                out["changed"].append(uid)
                if out["example"] is None:
                    i = next((k for k, (x, y) in enumerate(zip(wa, wb))
                              if x != y), min(len(wa), len(wb)))
                    out["example"] = "%s %s: given %d words, stored %d; " \
                        "first difference at word %d: '%s' -> '%s'" % (
                            uid, field, len(wa), len(wb), i + 1,
                            " ".join(wa[i:i + 4]), " ".join(wb[i:i + 4]))
                break
    return out


# ---------------------------------------------------------------- report

def shorten(text, width):
    """Return text cut to width characters, '...' marking a cut."""
    return text if len(text) <= width else text[:width - 3] + "..."


def fmt(value, spec="%.3f"):
    """Format a figure, or '-' for None."""
    return "-" if value is None else spec % value


def table_rows(results):
    """Yield (set, system, [cell strings], queries) for the main table."""
    for set_name, systems in results.items():
        shown = columns(set_name)
        for system, s in systems.items():
            f = s["figures"]
            yield set_name, system, [
                fmt(f.get(key)) if key in shown else "-"
                for key, _ in TABLE_COLUMNS], f["queries"]


def print_table(results, out):
    """Print the figures table, one row per (set, system)."""
    print("%-11s %-13s %7s %6s %6s %8s %10s %7s" % (
        ("set", "system") + tuple(n for _, n in TABLE_COLUMNS)
        + ("queries",)), file=out)
    last = None
    for set_name, system, cells, n in table_rows(results):
        if last and set_name != last:
            print(file=out)
        last = set_name
        print("%-11s %-13s %7s %6s %6s %8s %10s %7d" % (
            (set_name, system) + tuple(cells) + (n,)), file=out)


def set_lines(set_name, systems, info):
    """Return the per-set summary lines: best system, morgue's ratio,
    failures and no-hit counts, judged queries."""
    best, best_value, morgue, ratio = verdict(set_name, systems)
    _, metric = headline(set_name)
    lines = ["best: %s (%s %.3f); morgue %.3f%s" % (
        best, metric, best_value, morgue,
        ", %.2f x the best peer" % ratio if ratio is not None else "")]
    line = engine_line(set_name, systems)
    if line:
        lines.append(line)
    lines.append("failures: %s; no hits: %s" % (
        ", ".join("%s %d" % (s, r["errors"]) for s, r in systems.items()),
        ", ".join("%s %d" % (s, r["no_hits"]) for s, r in systems.items())))
    if info.get("asked") and info["asked"] != len(
            systems["morgue"]["per_query"]):
        lines.append("queries: %d judged of %d in the file (only judged "
                     "ones are scored)" % (len(systems["morgue"]["per_query"]),
                                           info["asked"]))
    if any(r["errors"] for r in systems.values()):
        ok = [i for i, rows in enumerate(zip(*(
            r["per_query"] for r in systems.values())))
            if all(x["status"] in (0, 1) for x in rows)]
        key = "rr" if set_name == "known-item" else "ap"
        if ok:
            lines.append("%s over the %d queries every system answered: %s"
                         % (metric, len(ok), ", ".join(
                             "%s %.3f" % (s, sum(r["per_query"][i][key]
                                                 for i in ok) / len(ok))
                             for s, r in systems.items())))
    if info.get("syntax"):
        lines.append("queries holding morgue query syntax: %s"
                     % ", ".join(info["syntax"]))
    for system, s in systems.items():
        for label, query, message in s["failures"][:MAX_FAILURES]:
            lines.append("%s failed: %s: %s (%s)" % (
                system, label, shorten(query, 60), message))
        if len(s["failures"]) > MAX_FAILURES:
            lines.append("%s failed on %d more" % (
                system, len(s["failures"]) - MAX_FAILURES))
    return lines


def timing_rows(results):
    """Yield (set, system, mean ms, median ms, took mean, took median,
    seconds) for every set and system."""
    for set_name, systems in results.items():
        for system, s in systems.items():
            t = s["timing"]
            yield (set_name, system, t["mean_ms"], t["median_ms"],
                   t["took_mean_ms"], t["took_median_ms"], s["seconds"])


def deep_page_line(set_name, systems):
    """Return the deep-page line of a classic set: morgue's time per query
    (-n 1000 --json) against plain FTS5's, as a ratio."""
    m = systems["morgue"]["timing"]
    f = systems["fts5-plain"]["timing"]
    line = ("%s deep page (-n %d --json): morgue %.1f ms a query (median "
            "%.1f) against fts5-plain %.2f ms (median %.2f): %.0f x (medians "
            "%.0f x)" % (set_name, CLASSIC_DEPTH, m["mean_ms"], m["median_ms"],
                         f["mean_ms"], f["median_ms"],
                         m["mean_ms"] / max(f["mean_ms"], 1e-6),
                         m["median_ms"] / max(f["median_ms"], 1e-6)))
    if m["took_mean_ms"] is not None:
        line += "; took_ms %.1f (median %.1f): %.0f x" % (
            m["took_mean_ms"], m["took_median_ms"],
            m["took_mean_ms"] / max(f["mean_ms"], 1e-6))
    if XENGINE in systems:
        x = systems[XENGINE]["timing"]
        line += "; %s %.1f ms (median %.1f)" % (XENGINE, x["mean_ms"],
                                                 x["median_ms"])
        if x["took_mean_ms"] is not None:
            line += ", took_ms %.1f (median %.1f)" % (x["took_mean_ms"],
                                                     x["took_median_ms"])
    return line


def loss_tables(systems_by_set):
    """Yield (set, who, against, worst losses) for the two comparisons
    reported: morgue against the best peer, and the Xapian engine against
    plain Xapian; sets with no loss are left out."""
    for set_name, systems in systems_by_set.items():
        for who, against in (("morgue", PEERS), (XENGINE, (XPEER,))):
            worst = losses(set_name, systems, who=who, against=against)
            if worst:
                yield set_name, who, against, worst


def print_details(results, condensed, infos, out):
    """Print the per-set lines, timing, losses, condensed topics, per topic."""
    for set_name, systems in results.items():
        print("\n%s:" % set_name, file=out)
        for line in set_lines(set_name, systems, infos.get(set_name, {})):
            print("  " + line, file=out)
    print("\ntime per query, ms (morgue: the morgue-query process, %s at "
          "once; took_ms: its own search time when the JSON has it)"
          % infos.get("_jobs", 1), file=out)
    print("%-11s %-13s %9s %9s %10s %10s %9s" % (
        "set", "system", "mean", "median", "took mean", "took med",
        "seconds"), file=out)
    for row in timing_rows(results):
        print("%-11s %-13s %9.2f %9.2f %10s %10s %9.1f" % (
            row[:4] + (fmt(row[4], "%.2f"), fmt(row[5], "%.2f"), row[6])),
            file=out)
    for set_name, systems in results.items():
        if set_name in CLASSIC_SETS:
            print(deep_page_line(set_name, systems), file=out)
    for set_name, who, against, worst in loss_tables(results):
        systems = results[set_name]
        key = "RR" if set_name == "known-item" else "AP"
        print("\n%s: where %s loses most to %s (%s, %s)" % (
            set_name, who, " or ".join(against), key, " / ".join(systems)),
            file=out)
        for loss, label, query, vals in worst:
            print("  %-18s %s  %s" % (
                label[:18], " / ".join("%.3f" % v for v in vals.values()),
                shorten(query, 70)),
                file=out)
    if condensed:
        print("\ntopics, judged stories only (hits that are not Reuters "
              "stories or are TOPICS=\"BYPASS\" dropped):", file=out)
        print("  %-13s %7s %6s %8s %12s" % ("system", "MAP", "P@10",
                                           "nDCG@10", "unjudged@10"),
              file=out)
        for system, c in condensed.items():
            f = c["figures"]
            print("  %-13s %7.3f %6.3f %8.3f %12.1f" % (
                system, f["map"], f["p@10"], f["ndcg@10"], f["unjudged@10"]),
                file=out)
    if "topics" in results:
        systems = results["topics"]
        print("\nper topic: nDCG@10 / recall@100 (hits returned)", file=out)
        for rows in zip(*(s["per_query"] for s in systems.values())):
            cells = ("%s %.3f / %.3f (%d)" % (s, r["ndcg"], r["recall"],
                                              r["hits"])
                     for s, r in zip(systems, rows))
            print("  %-30s %s" % (rows[0]["label"], "   ".join(cells)),
                  file=out)


def sha256_file(path):
    """Return the hex SHA-256 of a file (to name the build measured)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_state(bin_dir):
    """Return 'abc1234' or 'abc1234 + uncommitted changes' for the work
    tree holding bin_dir (the build measured), or 'unknown'.

    Uncommitted changes are modified tracked files under lib/, indexer/
    or query/, the code that makes the programs' answers.
    """
    where = os.path.dirname(os.path.abspath(bin_dir))
    try:
        head = subprocess.run(["git", "-C", where, "rev-parse", "--short",
                               "HEAD"], capture_output=True, text=True,
                              check=False)
        if head.returncode != 0:
            return "unknown"
        st = subprocess.run(["git", "-C", where, "status", "--porcelain",
                             "--untracked-files=no", "--", "lib", "indexer",
                             "query"], capture_output=True, text=True,
                            check=False)
    except OSError:
        return "unknown"
    dirty = any(line.strip() for line in st.stdout.splitlines())
    return head.stdout.strip() + (" + uncommitted changes" if dirty else "")


def machine():
    """Return a one-line description of this machine."""
    u = platform.uname()
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
            mem = ", %.1f GB memory" % (kb / 1048576.0)
    except (OSError, ValueError, IndexError):
        pass
    return "%s %s %s, %d CPUs%s%s" % (
        u.system, u.release, u.machine, os.cpu_count() or 1,
        " (%s)" % model if model else "", mem)


def write_json(path, results, condensed, infos, info):
    """Save the figures, counts, timing, per-query scores and run info."""
    report = dict(info, sets={}, topics_judged_only={
        s: c["figures"] for s, c in condensed.items()})
    for set_name, systems in results.items():
        best, _, _, ratio = verdict(set_name, systems)
        rule = engine_rule(set_name, systems)
        report["sets"][set_name] = {
            "info": {k: v for k, v in infos.get(set_name, {}).items()},
            "best": best, "morgue_to_best_peer": ratio,
            "xapian_engine_to_xapian": rule[2] if rule else None,
            "systems": {
                system: {
                    "figures": s["figures"], "seconds": s["seconds"],
                    "timing": s["timing"], "no_hits": s["no_hits"],
                    "errors": s["errors"],
                    "failures": [{"label": lb, "query": q, "message": m}
                                 for lb, q, m in s["failures"]]}
                for system, s in systems.items()},
            "per_query": per_query_dump(set_name, systems)}
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e


# ---------------------------------------------------------------- the doc

def md_cell(text):
    """Return text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def md_table(header, rows, right=None, upto=None):
    """Return a Markdown table; the columns from index right up to (not
    including) index upto are right-aligned (the numbers)."""
    right = len(header) if right is None else right
    upto = len(header) if upto is None else upto
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---:" if right <= i < upto else "---"
                             for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def doc_results(results, condensed, infos, info):
    """Return the Markdown of the run's figures: the six-set table, the
    per-set lines, timing, judged-only topics and the per-topic table."""
    parts = []
    rows = []
    for set_name, system, cells, n in table_rows(results):
        best = verdict(set_name, results[set_name])[0]
        name = "**%s**" % system if system == best else system
        rows.append([set_name, name] + cells + ["{:,}".format(n)])
    parts.append(md_table(["set", "system"] + [n for _, n in TABLE_COLUMNS]
                          + ["queries"], rows, 2))
    parts.append("The best system of each set on its headline metric "
                 "(MRR@10 for known items, MAP for the others) is in bold; "
                 "`-`: not a figure of that set.")
    lines = []
    for set_name, systems in results.items():
        lines.append("- **%s**: %s." % (set_name, "; ".join(
            set_lines(set_name, systems, infos.get(set_name, {})))))
    parts.append("\n".join(lines))
    if info.get("not_run"):
        parts.append("Not run: %s." % "; ".join(
            "%s (%s)" % kv for kv in info["not_run"].items()))
    parts.append("### Time per query\n\nMilliseconds per query, measured "
                 "around each search: for morgue the whole `morgue-query` "
                 "process (start, open, search, JSON), %d at once; "
                 "`took_ms` is the search time the JSON reports itself, "
                 "when it does; the peers are searched in this process, "
                 "one query at a time." % info["jobs"])
    parts.append(md_table(
        ["set", "system", "mean", "median", "took_ms mean",
         "took_ms median", "seconds"],
        [[r[0], r[1], "%.2f" % r[2], "%.2f" % r[3], fmt(r[4], "%.2f"),
          fmt(r[5], "%.2f"), "%.1f" % r[6]] for r in timing_rows(results)],
        2))
    deep = [deep_page_line(s, results[s]) for s in results
            if s in CLASSIC_SETS]
    if deep:
        parts.append("Deep pages:\n\n" + "\n".join("- " + d for d in deep))
    if condensed:
        parts.append("### Topics over judged stories only\n\n" + md_table(
            ["system", "MAP", "P@10", "nDCG@10", "unjudged@10"],
            [[s, "%.3f" % c["figures"]["map"], "%.3f" % c["figures"]["p@10"],
              "%.3f" % c["figures"]["ndcg@10"],
              "%.1f" % c["figures"]["unjudged@10"]]
             for s, c in condensed.items()], 1))
    if "topics" in results:
        systems = results["topics"]
        names = list(systems)
        rows = []
        for per in zip(*(systems[s]["per_query"] for s in names)):
            topic, query = per[0]["label"].split(": ", 1)
            rows.append([topic, query] + ["%.3f" % r["ndcg"] for r in per]
                        + ["%.3f" % r["recall"] for r in per])
        parts.append("### Per topic\n\n" + md_table(
            ["topic", "query"] + ["nDCG@10 %s" % s for s in names]
            + ["recall@100 %s" % s for s in names], rows, 2))
    rows = {}
    for set_name, who, _, worst in loss_tables(results):
        key = "RR" if set_name == "known-item" else "AP"
        for loss, label, query, vals in worst:
            rows.setdefault(who, []).append(
                [set_name, shorten(label, 24), key]
                + ["%.3f" % v for v in vals.values()]
                + [md_cell(shorten(query, 80))])
    names = list(next(iter(results.values())))
    if "morgue" in rows:
        parts.append("### Where morgue loses most\n\nPer set, the queries "
                     "where morgue's AP (RR for known items) trails the best "
                     "peer's most; `--json` has every query.\n\n" + md_table(
                         ["set", "query", "metric"] + names + ["text"],
                         rows["morgue"], 3, 3 + len(names)))
    if XENGINE in rows:
        parts.append("### Where the Xapian engine loses most\n\nPer set, "
                     "the queries where %s's AP (RR for known items) trails "
                     "plain %s's most (`xapian_engine_loss` in `--json`)."
                     "\n\n" % (XENGINE, XPEER) + md_table(
                         ["set", "query", "metric"] + names + ["text"],
                         rows[XENGINE], 3, 3 + len(names)))
    notes = info.get("data_notes") or []
    if notes:
        parts.append("### What the run noticed in the data\n\n"
                     + "\n".join("- " + n for n in notes))
    return "\n\n".join(parts)


def write_doc(path, results, condensed, infos, info):
    """Write the whole of docs/relevance.md from this run's figures and
    the fixed prose of scripts/relevance.md.in (its @@NAME@@ markers
    replaced). Raises EvalError when the template or path fails."""
    try:
        with open(DOC_TEMPLATE, encoding="utf-8") as f:
            template = f.read()
    except OSError as e:
        raise EvalError("%s: %s" % (DOC_TEMPLATE, e.strerror or e)) from e
    values = {
        "DATE": info["date"],
        "COMMIT": info["commit"],
        "QUERY_SHA": info["morgue_query_sha256"][:16],
        "INDEX_SHA": info["morgue_index_sha256"][:16],
        "MACHINE": info["machine"],
        "LOAD": info["load"],
        "VERSIONS": info["versions"],
        "COMMAND": info["command"],
        "TOTAL": "%.0f" % info["total_seconds"],
        "STAGES": info["stages"],
        "RESULTS": doc_results(results, condensed, infos, info),
    }
    text = template
    for key, value in values.items():
        text = text.replace("@@%s@@" % key, value)
    left = re.search(r"@@[A-Z_]+@@", text)
    if left:
        raise EvalError("%s: unknown marker %s" % (DOC_TEMPLATE,
                                                   left.group(0)))
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
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


def classic_path(shared, name):
    """Return a classic collection's folder, or None after printing a skip
    message when it (or one of its three files) is missing."""
    directory = os.path.join(shared, IR_DIR, CLASSIC[name][0])
    if not os.path.isdir(directory):
        print("eval: skipped: %s not found" % directory, flush=True)
        return None
    for f in CLASSIC[name][1:]:
        if not os.path.isfile(os.path.join(directory, f)):
            print("eval: skipped: %s not found" % os.path.join(directory, f),
                  flush=True)
            return None
    return directory


def progress(msg):
    """Note progress on stderr (the figures go to stdout)."""
    print(msg, file=sys.stderr, flush=True)


def parse_sets(text):
    """Return the sets named in a comma list, in the standard order.

    Raises EvalError on an unknown or empty name."""
    names = [s.strip() for s in text.split(",")]
    for s in names:
        if s not in ALL_SETS:
            raise EvalError("--sets: unknown set '%s' (the sets: %s)"
                            % (s, ",".join(ALL_SETS)))
    return [s for s in ALL_SETS if s in names]


def probe(prog, db, extra, query):
    """Check that morgue-query answers one query on db; EvalError if not."""
    _, status, message, _, _ = search_morgue(prog, db, extra, query)
    if status not in (0, 1):
        raise EvalError("%s cannot search %s: %s" % (prog, db, message))


ARTICLES_RE = re.compile(r"(\d+) articles in ")


def build_engine_index(index_prog, query_prog, args, iname, ix, summary,
                       stages, data_notes):
    """Build index iname's copy in morgue's Xapian engine and probe it.

    The same inputs as the FTS5 index, into WORK/<iname>.xapian with
    morgue-index --engine xapian. Adds its time to stages, and a note to
    data_notes when its article count differs from the FTS5 index's
    (summary is that index's summary line) or for a warning the FTS5
    build did not give (data_notes holds those). Returns the directory,
    or None after printing a skip line when morgue-index was built
    without the engine. Raises EvalError when it fails otherwise.
    """
    xdir = os.path.join(args.work, iname + ".xapian")
    progress("indexing %s into %s (--engine xapian) ..." % (iname, xdir))
    try:
        seconds, xsummary, warnings = build_index(index_prog, xdir,
                                                  ix["inputs"], "xapian")
    except EngineMissing as e:
        print(XENGINE_MISSING % e, flush=True)
        return None
    stages.append("%s: xapian engine index %.1f s" % (iname, seconds))
    for line in warnings[:5]:
        if line.startswith("morgue-index: "):
            line = line[len("morgue-index: "):]
        if "%s: morgue-index: %s" % (iname, line) not in data_notes:
            data_notes.append("%s: morgue-index --engine xapian: %s"
                              % (iname, line))
    a, b = ARTICLES_RE.search(summary), ARTICLES_RE.search(xsummary)
    if not a or not b or a.group(1) != b.group(1):
        data_notes.append("%s: the xapian engine's index differs from the "
                          "FTS5 one: %s" % (iname, xsummary))
    probe(query_prog, xdir, args.query_opt, ix["sets"][0][1][0][1])
    return xdir


def run(args, out):
    """Build, search, score and print; raises EvalError on bad input.

    Returns the exit status: 0, also when corpora are missing (skipped).
    """
    wanted = parse_sets(args.sets)
    if args.write_doc and wanted != list(ALL_SETS):
        raise EvalError("--write-doc: the doc needs all six sets (drop "
                        "--sets)")
    if args.jobs < 1:
        raise EvalError("--jobs: must be at least 1")
    systems_on = list(SYSTEMS)
    if xapian is None:
        print(XAPIAN_MISSING, flush=True)
        systems_on.remove("xapian")

    not_run = {}
    news = None
    if any(s in wanted for s in NEWS_SETS):
        news = corpus_paths(args.shared)
        if news is None:
            for s in NEWS_SETS:
                if s in wanted:
                    not_run[s] = "corpus not found"
    classic_dirs = {}
    for name in CLASSIC_SETS:
        if name in wanted:
            d = classic_path(args.shared, name)
            if d is None:
                not_run[name] = "corpus not found"
            else:
                classic_dirs[name] = d
    if news is None and not classic_dirs:
        if args.write_doc:
            print("eval: %s not rewritten: no set ran" % args.write_doc)
        return 0
    if args.write_doc and not_run:
        print("eval: %s not rewritten: %s not run" % (
            args.write_doc, ", ".join(not_run)), flush=True)
        args.write_doc = None

    # Read every input before the long part, so bad input fails early.
    if news:
        cnn, reuters, bbc = news
        topics, judged = load_reuters(reuters)
        topic_queries = load_topic_queries(args.topics, topics)
    collections = {name: load_classic(name, d)
                   for name, d in classic_dirs.items()}
    try:
        os.makedirs(args.work, exist_ok=True)
    except OSError as e:
        raise EvalError("%s: %s" % (args.work, e.strerror or e)) from e
    progs = snapshot_programs(args.bin, args.work)
    query_prog = progs["morgue-query"]
    t0 = time.monotonic()
    load = os.getloadavg()

    # name -> {"db", "sets": [(set, queries, depth, judged)], "docs"}
    indexes, infos, stages = {}, {}, []
    if news:
        cnn_copy = os.path.join(args.work, "cnn.csv")
        known = copy_cnn_without_highlights(cnn, cnn_copy)
        sets = []
        if "known-item" in wanted:
            sets.append(("known-item", [(uid, q, {uid}) for uid, q in known],
                         NEWS_DEPTH, None))
        if "topics" in wanted:
            sets.append(("topics", [("%s: %s" % (t, q), q, topics[t])
                                    for t, q in topic_queries],
                         NEWS_DEPTH, judged))
        indexes["news"] = {"db": os.path.join(args.work, "morgue.db"),
                           "inputs": [cnn_copy, reuters, bbc], "sets": sets,
                           "docs": None, "known": known}
    for name, c in collections.items():
        jsonl = os.path.join(args.work, name + ".jsonl")
        write_jsonl(jsonl, c["docs"])
        indexes[name] = {"db": os.path.join(args.work, name + ".db"),
                         "inputs": [jsonl], "docs": c["docs"],
                         "sets": [(name, c["queries"], CLASSIC_DEPTH, None)]}
        infos[name] = {"documents": len(c["docs"]), "asked": c["asked"],
                       "judgments": c["judgments"], "notes": c["notes"]}

    data_notes = []
    results, condensed = {}, {}
    for iname, ix in indexes.items():
        db = ix["db"]
        progress("indexing %s into %s ..." % (iname, db))
        seconds, summary, warnings = build_index(progs["morgue-index"], db,
                                                 ix["inputs"])
        stages.append("%s: index %.1f s" % (iname, seconds))
        rows = index_rows(db)
        present = {r[0] for r in rows}
        for line in warnings[:5]:
            if line.startswith("morgue-index: "):
                line = line[len("morgue-index: "):]
            data_notes.append("%s: morgue-index: %s" % (iname, line))
        if ix["docs"] is not None:
            check = check_text(ix["docs"], rows)
            name = iname
            infos[name].update(indexed=len(present), index_summary=summary,
                               missing=check["missing"],
                               changed=check["changed"],
                               made_titles=check["made_titles"])
            note = "%s: %s documents given, %s indexed under their id" % (
                name, "{:,}".format(len(ix["docs"])),
                "{:,}".format(len(present) - len(check["extra"])))
            if check["missing"]:
                lost = set(check["missing"])
                judged_lost = sum(len(rel & lost) for _, _, rel in
                                  ix["sets"][0][1])
                note += " (missing, so no system can find them: %s%s)" % (
                    ", ".join(check["missing"][:10]),
                    "; %d relevance judgments name them" % judged_lost
                    if judged_lost else "; judged relevant to no query")
            if check["extra"]:
                note += "; %d unexpected ids (e.g. %s)" % (
                    len(check["extra"]), check["extra"][0])
            if check["changed"]:
                note += "; the words of %d differ from what was given " \
                    "(e.g. %s)" % (len(check["changed"]), check["example"])
            else:
                note += "; every title and body kept word for word"
            if check["made_titles"]:
                note += "; morgue made a title from the text of %s " \
                    "documents given none (the peers, reading its articles " \
                    "table, index that title too)" % "{:,}".format(
                        check["made_titles"])
            data_notes.append(note)
            for n in infos[name]["notes"]:
                data_notes.append("%s: %s" % (name, n))
            if not present & {d[0] for d in ix["docs"]}:
                raise EvalError("%s: none of %s's documents indexed under "
                                "its id" % (db, ix["inputs"][0]))
        else:
            missing = [uid for uid, _ in ix["known"] if uid not in present]
            if missing:
                raise EvalError("%s: %d CNN articles not indexed under their "
                                "id (e.g. %s)" % (db, len(missing),
                                                  missing[0]))
            data_notes.append("news: %s" % summary)
            if any(s == "topics" for s, _, _, _ in ix["sets"]):
                unindexed = sum(len(topics[t] - present)
                                for t, _ in topic_queries)
                if unindexed:
                    data_notes.append(
                        "topics: %d topic-tagged Reuters stories are not in "
                        "the index (scored as not found)" % unindexed)
        probe(query_prog, db, args.query_opt, ix["sets"][0][1][0][1])
        xdir = None
        if XENGINE in systems_on:
            xdir = build_engine_index(progs["morgue-index"], query_prog, args,
                                      iname, ix, summary, stages, data_notes)
            if xdir is None:
                systems_on.remove(XENGINE)
        progress("building the peers of %s ..." % iname)
        t1 = time.monotonic()
        base, base_uids = build_baseline(db, rows)
        stages.append("%s: fts5 build %.1f s" % (iname,
                                                 time.monotonic() - t1))
        searchers = {
            "morgue": lambda q, d: search_morgue(query_prog, db,
                                                 args.query_opt, q, d),
            "fts5-plain": lambda q, d: search_baseline(base, base_uids, q, d),
        }
        if xdir:
            searchers[XENGINE] = lambda q, d: search_morgue(
                query_prog, xdir, args.query_opt, q, d)
        jobs = {"morgue": args.jobs, XENGINE: args.jobs, "fts5-plain": 1,
                "xapian": 1}
        if "xapian" in systems_on:
            t1 = time.monotonic()
            xdb, xuids = build_xapian(
                os.path.join(args.work, "xapian-" + iname), rows)
            peer = XapianPeer(xdb, xuids)
            searchers["xapian"] = peer.search
            stages.append("%s: xapian build %.1f s" % (
                iname, time.monotonic() - t1))
        del rows
        for set_name, queries, depth, set_judged in ix["sets"]:
            infos.setdefault(set_name, {})["syntax"] = syntax_census(queries)
            results[set_name] = {}
            for system in systems_on:
                search = searchers[system]
                answers, seconds = run_queries(
                    queries, lambda q: search(q, depth), jobs[system])
                progress("  %-10s %-13s %4d queries in %.1f s"
                         % (set_name, system, len(queries), seconds))
                results[set_name][system] = dict(
                    score(queries, answers, depth=depth), seconds=seconds)
                if set_judged is not None:
                    condensed[system] = score(queries, answers, set_judged,
                                              depth)
        base.close()
    total_seconds = time.monotonic() - t0

    sha = sha256_file(query_prog)
    sha_index = sha256_file(progs["morgue-index"])
    infos["_jobs"] = args.jobs
    print_table(results, out)
    print_details(results, condensed, infos, out)
    print(file=out)
    for note in data_notes:
        print(note, file=out)
    print("time: %s; total %.1f s" % ("; ".join(stages), total_seconds),
          file=out)
    commit = git_state(args.bin)
    print("programs: morgue-index sha256 %s, morgue-query sha256 %s%s; "
          "build %s" % (sha_index[:16], sha[:16],
                        ", options " + " ".join(args.query_opt)
                        if args.query_opt else "", commit), file=out)
    del infos["_jobs"]
    versions = "Python %s, SQLite %s%s" % (
        platform.python_version(), sqlite3.sqlite_version,
        ", Xapian %s" % xapian.version_string() if xapian else
        " (no Xapian: python3-xapian not installed)")
    info = {
        "date": datetime.date.today().isoformat(), "commit": commit,
        "machine": machine(), "versions": versions,
        "load": "load average %.2f %.2f %.2f at the start" % load,
        "command": shlex.join([sys.executable or "python3",
                               "scripts/eval_relevance.py"] + args.argv),
        "jobs": args.jobs, "depth_news": NEWS_DEPTH,
        "depth_classic": CLASSIC_DEPTH, "cutoff": CUTOFF,
        "systems": systems_on, "query_opt": args.query_opt,
        "topics_file": args.topics, "stages": "; ".join(stages),
        "total_seconds": total_seconds, "not_run": not_run,
        "data_notes": data_notes, "morgue_index_sha256": sha_index,
        "morgue_query_sha256": sha}
    if args.json:
        write_json(args.json, results, condensed, infos, info)
    if args.write_doc:
        write_doc(args.write_doc, results, condensed, infos, info)
        progress("wrote %s" % args.write_doc)
    return 0


def main(argv=None):
    """Parse arguments and run; returns the exit status (0 or 2)."""
    p = argparse.ArgumentParser(
        description="Measure morgue's ranking (FTS5 and Xapian engines) "
                    "against plain FTS5 and Xapian on CNN known items, "
                    "Reuters topics and the CISI, CRAN, MED and NPL "
                    "collections.")
    p.add_argument("--bin", default="bin",
                   help="folder holding morgue-index and morgue-query")
    p.add_argument("--shared", default=os.path.join("..", "shared", "corpus"),
                   help="folder holding the shared corpora")
    p.add_argument("--work", default=os.path.join("build", "eval-rel"),
                   help="scratch folder for the copies and the indexes")
    p.add_argument("--topics", default=DEFAULT_TOPICS,
                   help="topic queries, topic<TAB>query per line")
    p.add_argument("--sets", default=",".join(ALL_SETS),
                   help="comma list of the sets to run (default: all: %s)"
                   % ",".join(ALL_SETS))
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="morgue-query runs at once (default: CPUs)")
    p.add_argument("--query-opt", action="append", default=[],
                   metavar="OPT", help="extra option for morgue-query "
                   "(repeatable), e.g. --query-opt=--strict")
    p.add_argument("--json", metavar="OUT",
                   help="also write every figure and per-query score here")
    p.add_argument("--write-doc", metavar="FILE",
                   help="rewrite FILE (docs/relevance.md) from this run")
    args = p.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return run(args, sys.stdout)
    except EvalError as e:
        print("eval_relevance: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
