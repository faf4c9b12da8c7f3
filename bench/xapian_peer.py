#!/usr/bin/python3
"""xapian_peer: Xapian 1.4 over the articles of a morgue index, as a peer
for `make bench` (bench/compare.sh, bench/bench.c): the same articles and
the same queries as morgue and the plain FTS5 baseline, in the same run.

Runs with Debian's /usr/bin/python3 and its python3-xapian (1.4.22).

  xapian_peer.py build --db MORGUE_DB --out XAPIAN_DIR
      Reads uid, title and body of every row of the index's `articles`
      table (ORDER BY id, the database opened read-only) and indexes each
      with a TermGenerator, Stem("english") and its default strategy
      (STEM_SOME: every word unstemmed with its position, and 'Z' + its
      stem without): index_text(title), increase_termpos(),
      index_text(body).  The document's data is a JSON object {uid, title,
      body}, so that a hit's snippet can be made from its body.  Builds
      into XAPIAN_DIR.tmp, then renames it; writes XAPIAN_DIR/build.txt
      ("WALL_S PEAK_RSS_MB ARTICLES"; the wall time is the whole loop,
      reading the rows included, and the commit) and prints a summary.

  xapian_peer.py query --xapian DIR --queries FILE [--queries FILE ...]
                       [--passes N | --lockstep]
      Runs each query top 10 with BM25Weight's defaults, fetching each
      hit's data (uid, title) and a snippet of its body (MSet.snippet, 200
      bytes, the English stemmer), timed in process with perf_counter.
      The queries are translated once, before any timing.
      With --passes N: a warm-up pass, then N timed passes; prints TSV:
        query  INDEX  CLASS  MEDIAN_MS  HITS  TEXT     (one per query)
        stats  SAMPLES  P50  P95  P99  QPS             (nearest rank)
      With --lockstep (bench/bench.c drives it, so that each of its passes
      runs this peer in turn with the other systems): after the warm-up
      pass prints `nohits INDEX` for each query without hits, `error INDEX
      MESSAGE` for each that failed, then `ready COUNT`; then for each line
      read on stdin runs one pass and prints `times MS0 MS1 ...` (nan for a
      query that failed); stops at the end of stdin.

Query files: one query a line in morgue's syntax (docs/query-syntax.md);
blank lines and lines starting with '#' are skipped; a line `# class:
NAME` puts the queries after it, up to the next such line or the end of
the file, in class NAME (`# class: none` ends a class).  The class
`sentence` is a relaxed sentence (see below).

Translation of morgue's syntax (translate()), the grammar being morgue's
own (query/qparse.c): or := and (("OR" | "|") and)*; and := ("AND"?
unary)+; unary := ("-" | "NOT") prim | prim; prim := "(" or ")" | field?
('"' phrase '"' | word "*"?).
  - a bare word: 'Z' + its stem (the lower-cased word through
    Stem("english")), as TermGenerator indexed it; a word starting with a
    digit has no stem term, so it is the word as written;
  - words side by side: OP_AND; `a OR b`, `a | b`: OP_OR;
    `-x`, `NOT x`: OP_AND_NOT (the excluded ones ORed);
  - "a quoted phrase": OP_PHRASE of its words unstemmed and lower-cased
    (the terms TermGenerator indexes with positions); "a b"~N: OP_NEAR of
    the same terms within N + their number;
  - a hyphenated word (inter-bank, U.S.-Japan): OP_PHRASE of its parts;
    a possessive 's (or ’s, curly) is dropped first;
  - word*: OP_WILDCARD of the lower-cased prefix, expanded into an
    OP_SYNONYM, as QueryParser does;
  - words are cut by a TermGenerator (STEM_NONE) on a scratch document, so
    a query's words split exactly as the text's did;
  - field prefixes (title:, body: ...) are dropped (this index has one
    field); filters (person:, date:, source: ...) are dropped;
  - class `sentence`: the OP_OR of the line's distinct words, each as
    above, ignoring any syntax: morgue relaxes such a query to "most of the
    words" because no article holds them all, and the OR is Xapian's way
    to rank by most of the words.
"""
import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import xapian

TOP = 10
SNIPPET_BYTES = 200
STEMMER = xapian.Stem("english")
FIELDS = ("title", "lede", "body", "captions", "highlights")


# ---- the query files ----

def load_queries(paths):
    """[(class or None, query)] of the files, in order."""
    out = []
    for path in paths:
        cls = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                m = re.match(r"#\s*class:\s*(\S+)", line)
                if m:
                    cls = None if m.group(1) == "none" else m.group(1)
                elif line and not line.startswith("#"):
                    out.append((cls, line))
    return out


# ---- morgue's syntax as a xapian.Query ----

def words(text):
    """The words of text as TermGenerator indexes them (unstemmed,
    lower-cased), in order."""
    doc = xapian.Document()
    tg = xapian.TermGenerator()
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_NONE)
    tg.set_document(doc)
    tg.index_text(text)
    at = [(p, t.term.decode()) for t in doc.termlist() for p in t.positer]
    return [w for _, w in sorted(at)]


def phrase(parts, near=None):
    """One term, or OP_PHRASE (OP_NEAR when near is set) of the parts."""
    if len(parts) == 1:
        return xapian.Query(parts[0])
    if near is not None:
        return xapian.Query(xapian.Query.OP_NEAR, parts, len(parts) + near)
    return xapian.Query(xapian.Query.OP_PHRASE, parts, len(parts))


def word_query(w):
    """A bare word: its stem term, a phrase of its parts, or a wildcard;
    None when it holds no word."""
    w = re.sub(r"['\u2019]s$", "", w, flags=re.I)
    if len(w) > 1 and w.endswith("*"):
        return xapian.Query(xapian.Query.OP_WILDCARD, w[:-1].lower(), 0,
                            xapian.Query.WILDCARD_LIMIT_ERROR,
                            xapian.Query.OP_SYNONYM)
    parts = words(w)
    if not parts:
        return None
    if len(parts) > 1:
        return phrase(parts)
    if not parts[0][0].isalpha():
        return xapian.Query(parts[0])
    return xapian.Query("Z" + STEMMER(parts[0]).decode())


# One token: ( ) | "phrase"~N word, or a "-" glued to the next one.
TOKEN = re.compile(r'\s*(?:(-(?=[^\s)|]))|(\()|(\))|(\|)|'
                   r'"([^"]*)"?(?:~(\d+))?\*?|([^\s()"|]+))')


class Parser:
    """Recursive descent over the tokens of one query (the grammar in the
    module's comment); parse() returns a xapian.Query or None."""

    def __init__(self, text):
        self.toks = []
        pos = 0
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            sym = m.group(1) or m.group(2) or m.group(3) or m.group(4)
            if sym:
                self.toks.append((sym,))
            elif m.group(7) is not None:
                self.toks.append(("w", m.group(7)))
            else:
                near = int(m.group(6)) if m.group(6) else None
                self.toks.append(("p", m.group(5), near))
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_op(self, name):
        t = self.peek()
        return t is not None and t == ("w", name)

    def parse(self):
        q = self.parse_or()
        while self.peek() is not None:  # a stray ")": skip it, go on
            self.i += 1
            more = self.parse_or()
            q = more if q is None else q if more is None else \
                xapian.Query(xapian.Query.OP_AND, q, more)
        return q

    def parse_or(self):
        alts = []
        while True:
            q = self.parse_and()
            if q is not None:
                alts.append(q)
            t = self.peek()
            if t == ("|",) or self.is_op("OR"):
                self.i += 1
                continue
            break
        if not alts:
            return None
        return alts[0] if len(alts) == 1 else \
            xapian.Query(xapian.Query.OP_OR, alts)

    def parse_and(self):
        pos, neg = [], []
        while True:
            t = self.peek()
            if t is None or t in ((")",), ("|",)) or self.is_op("OR"):
                break
            if self.is_op("AND"):
                self.i += 1
                continue
            negated = t == ("-",) or self.is_op("NOT")
            if negated:
                self.i += 1
                if self.peek() is None:
                    break
            q = self.parse_prim()
            if q is not None:
                (neg if negated else pos).append(q)
        if not pos:
            return None
        q = pos[0] if len(pos) == 1 else \
            xapian.Query(xapian.Query.OP_AND, pos)
        if neg:
            q = xapian.Query(xapian.Query.OP_AND_NOT, q,
                             xapian.Query(xapian.Query.OP_OR, neg))
        return q

    def parse_prim(self):
        t = self.peek()
        self.i += 1
        if t == ("(",):
            q = self.parse_or()
            if self.peek() == (")",):
                self.i += 1
            return q
        if t[0] not in ("p", "w"):
            return None  # a stray ")", "|" or "-"
        if t[0] == "p":
            parts = words(t[1])
            return phrase(parts, t[2]) if parts else None
        w = t[1]
        field, colon, rest = w.partition(":")
        if colon and field.lower() in FIELDS:
            if not rest and self.peek() is not None and self.peek()[0] == "p":
                return self.parse_prim()  # title:"a phrase"
            w = rest
        elif colon and rest and field.isalpha():
            return None  # a filter: person:, date:, source: ...
        return word_query(w)


def translate(cls, text):
    """The xapian.Query for one line of a query file (None: no words)."""
    if cls == "sentence":  # each distinct word once
        terms = {str(q): q for q in map(word_query, text.split())
                 if q is not None}
        return xapian.Query(xapian.Query.OP_OR, list(terms.values())) \
            if terms else None
    return Parser(text).parse()


# ---- build ----

def build(args):
    """Indexes the articles of args.db into args.out; returns 0 or 1."""
    uri = Path(args.db).resolve().as_uri() + "?mode=ro"
    tmp = args.out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        src = sqlite3.connect(uri, uri=True)
        rows = src.execute("SELECT uid, title, body FROM articles"
                           " ORDER BY id")
        t0 = time.perf_counter()
        db = xapian.WritableDatabase(tmp, xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_stemmer(STEMMER)
        n = 0
        for uid, title, body in rows:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(title or "")
            tg.increase_termpos()
            tg.index_text(body or "")
            doc.set_data(json.dumps({"uid": uid, "title": title,
                                     "body": body}, ensure_ascii=False))
            db.add_document(doc)
            n += 1
        db.commit()
        db.close()
        wall = time.perf_counter() - t0
        src.close()
    except (sqlite3.Error, xapian.Error) as e:
        print(f"xapian_peer: build: {e}", file=sys.stderr)
        return 1
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # MB
    size = sum(f.stat().st_size for f in Path(args.out).iterdir())
    with open(os.path.join(args.out, "build.txt"), "w") as f:
        f.write(f"{wall:.3f} {peak:.1f} {n}\n")
    print(f"xapian_peer: {n} articles in {wall:.1f} s, "
          f"{size / 1e6:.1f} MB, peak RSS {peak:.1f} MB: {args.out}")
    return 0


# ---- queries ----

def run_query(db, query):
    """Top TOP for query with BM25Weight, each hit's uid, title and
    snippet fetched; returns the number of hits."""
    enquire = xapian.Enquire(db)
    enquire.set_query(query)
    enquire.set_weighting_scheme(xapian.BM25Weight())
    mset = enquire.get_mset(0, TOP)
    for m in mset:
        data = json.loads(m.document.get_data())
        _ = data["uid"], data["title"]
        mset.snippet(data["body"], SNIPPET_BYTES, STEMMER)
    return mset.size()


def run_pass(db, queries):
    """[(ms or None when it failed, hits or error message)] for one pass."""
    out = []
    for q in queries:
        t0 = time.perf_counter()
        try:
            hits = run_query(db, q) if q is not None else 0
        except xapian.Error as e:
            out.append((None, str(e)))
            continue
        out.append(((time.perf_counter() - t0) * 1000.0, hits))
    return out


def percentile(sorted_v, pct):
    """Nearest rank, as bench/bench.c's stats_of()."""
    k = -(-pct * len(sorted_v) // 100)  # ceil
    return sorted_v[max(int(k), 1) - 1]


def query(args):
    lines = load_queries(args.queries)
    qs = [translate(c, t) for c, t in lines]
    db = xapian.Database(args.xapian)
    warm = run_pass(db, qs)
    if args.lockstep:
        for i, (ms, r) in enumerate(warm):
            if ms is None:
                print(f"error {i} {r}")
            elif r == 0:
                print(f"nohits {i}")
        print(f"ready {len(qs)}", flush=True)
        for _ in sys.stdin:
            times = ["nan" if ms is None else f"{ms:.4f}"
                     for ms, _ in run_pass(db, qs)]
            print("times " + " ".join(times), flush=True)
        return 0
    per = [[] for _ in qs]
    for _ in range(args.passes):
        for i, (ms, _) in enumerate(run_pass(db, qs)):
            if ms is not None:
                per[i].append(ms)
    print("# query\tINDEX\tCLASS\tMEDIAN_MS\tHITS\tTEXT")
    for i, ((cls, text), v) in enumerate(zip(lines, per)):
        v.sort()
        med = "nan" if not v else f"{(v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2:.3f}"
        hits = warm[i][1] if warm[i][0] is not None else "error"
        print(f"query\t{i}\t{cls or '-'}\t{med}\t{hits}\t{text}")
    allv = sorted(ms for v in per for ms in v)
    if allv:
        qps = len(allv) / (sum(allv) / 1000.0)
        print("stats\t%d\t%.3f\t%.3f\t%.3f\t%.0f" % (
            len(allv), percentile(allv, 50), percentile(allv, 95),
            percentile(allv, 99), qps))
    return 0


def print_queries(args):
    """Each query and its translation (to check the translator)."""
    for cls, text in load_queries(args.queries):
        print(f"{text}\n    {translate(cls, text)}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="index a morgue index's articles")
    b.add_argument("--db", required=True)
    b.add_argument("--out", required=True)
    q = sub.add_parser("query", help="time the queries")
    q.add_argument("--xapian", required=True)
    q.add_argument("--queries", action="append", required=True)
    q.add_argument("--passes", type=int, default=5)
    q.add_argument("--lockstep", action="store_true")
    p = sub.add_parser("print", help="each query and its xapian.Query")
    p.add_argument("--queries", action="append", required=True)
    a = ap.parse_args()
    return {"build": build, "query": query, "print": print_queries}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
