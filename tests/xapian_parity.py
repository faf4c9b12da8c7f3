#!/usr/bin/env python3
"""xapian_parity.py - engine parity: one Xapian database and 3 Xapian
shards behind 3 xapian-tcpsrv give the same answers; FTS5 beside them.

usage: python3 tests/xapian_parity.py BINDIR [--shared DIR] [--queries N]
            [--seed S] [--keep]

Indexes the same archive three ways: the FTS5 engine (morgue-index
--db F.db), one Xapian database (--engine xapian --db X) and 3 Xapian
shards (--engine xapian --shards 3 --db X3), each shard served by its own
xapian-tcpsrv on 127.0.0.1 (setsid, a free port, killed by its process
group) and listed in a cluster file.  The archive is SHARED/reuters21578's
first two files (reut2-000.sgm and reut2-001.sgm, 2,000 stories: seconds
to index three times) when SHARED (default ../shared/corpus) holds them;
otherwise, said on a line of its own, the repository's corpus/.

Then N random queries (default 300, seed 22) drawn from the index's own
vocabulary (xapian-delve -a): single words from four bands of document
frequency, two words (AND, OR, NOT), phrases of two words from the
archive's titles, title: words, prefixes, entity filters (person:,
place:, org: from the facets), date ranges, source:, --sort newest and
oldest, offsets 0 to 30, and --facets on every query.  Each runs as

    morgue-query --db X --json --facets ...         (one database)
    morgue-query --cluster C --json --facets ...    (the 3 shards)
    morgue-query --db F.db --json ...               (FTS5, information)

The database and the cluster must give the same JSON but for took_ms:
the same ids in the same order, totals, collapse counts, facets and
timeline (histogram), and scores equal to 1e-9 (relative).  On the first
difference it prints the query, the command and the first field that
differs, and exits 1.  The overlap of the FTS5 engine's top 10 with
Xapian's (and how often the totals agree) is printed as information.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xcluster  # noqa: E402

NAME = "xapian_parity"


def vocabulary(db):
    """{word: document frequency} of the database's plain lower-case
    words (unprefixed terms of letters only, 3 letters or more)."""
    out = subprocess.run(["xapian-delve", "-a", "-v", db], check=True,
                         capture_output=True, text=True).stdout
    toks = out.split(":", 1)[1].split()
    # Terms sort bytewise: every prefixed term (an upper-case prefix; the
    # entity names' terms hold spaces, so their words split) comes before
    # the plain lower-case words, which start after the last one.
    start = 0
    for i, tok in enumerate(toks):
        if tok[:1].isupper():
            start = i + 1
    toks = toks[start:]
    if toks and toks[0].isdigit():
        toks = toks[1:]  # the last prefixed term's term frequency
    words = {}
    for term, freq in zip(toks[0::2], toks[1::2]):
        if re.fullmatch(r"[a-z]{3,}", term):
            words[term] = int(freq)
    return words


def title_words(db):
    """The words of the title column (prefix S, not its classes SZ)."""
    out = subprocess.run(["xapian-delve", "-A", "S", db], check=True,
                         capture_output=True, text=True).stdout
    return sorted(t[1:] for t in out.split()
                  if re.fullmatch(r"S[a-z]{3,}", t))


def query_json(args):
    """morgue-query's JSON for args, its exit status in "exit" (0: some
    article has all the words, 1: none has); (dict, None), or (None, error
    text) for any other status or no JSON."""
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, f"exit {p.returncode}: {p.stderr.strip()}"
    d = xcluster.json_or_none(p.stdout)
    if d is None:
        return None, f"exit {p.returncode}, not JSON: {p.stdout[:200]}"
    d["exit"] = p.returncode
    return d, None


# An entity's display name in the facets is the name last written for its
# key in that database (TERMS.md, "Entity facets across shards"): over
# shards, the last written in the shard the client reads first.  Such a
# difference is counted and shown, not failed (--strict-names fails it).
KNOWN = re.compile(r"\$\.facets\.(person|place|org)\[\d+\]\.name$")


def first_difference(a, b, where="$", known=None):
    """The path and values of the first difference between two JSON
    values (floats equal to 1e-9 relative), or None.  A difference at a
    path KNOWN matches is appended to the list known instead, when given."""
    if known is not None and KNOWN.match(where) and a != b:
        known.append(f"{where}: {a!r} != {b!r}")
        return None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)):
                return None
        return f"{where}: {a!r} != {b!r}"
    if type(a) is not type(b):
        return f"{where}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: only in {'one' if k in a else 'cluster'}"
            d = first_difference(a[k], b[k], f"{where}.{k}", known)
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]", known)
            if d:
                return d
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


class Generator:
    """Random queries over an archive's vocabulary, entities and dates."""

    def __init__(self, rng, words, titles, phrases, entities, dates,
                 sources):
        self.rng = rng
        by_df = sorted(words, key=lambda w: (words[w], w))
        n = len(by_df)
        # bands of document frequency: rare, low, middle, frequent
        self.bands = [
            [w for w in by_df if words[w] <= 2],
            [w for w in by_df if 3 <= words[w] <= 20],
            [w for w in by_df if 21 <= words[w] <= 200],
            [w for w in by_df if words[w] > 200],
        ]
        self.bands = [b for b in self.bands if b] or [by_df[:n]]
        self.titles = titles
        self.phrases = phrases
        self.entities = entities
        self.dates = dates
        self.sources = sources

    def word(self):
        return self.rng.choice(self.rng.choice(self.bands))

    def text(self):
        r = self.rng
        kind = r.randrange(9)
        if kind == 0:
            return self.word()
        if kind == 1:
            return f"{self.word()} {self.word()}"
        if kind == 2:
            return f"{self.word()} OR {self.word()}"
        if kind == 3:
            return f"{self.word()} -{self.word()}"
        if kind == 4 and self.phrases:
            return f'"{r.choice(self.phrases)}"'
        if kind == 5 and self.titles:
            return f"title:{r.choice(self.titles)}"
        if kind == 6:
            w = r.choice(self.bands[-1] + self.bands[-2 if len(
                self.bands) > 1 else -1])
            return f"{w[:r.randint(3, max(3, min(5, len(w))))]}*"
        if kind == 7 and self.phrases:
            return f'"{r.choice(self.phrases)}"~5'
        return f"{self.word()} {self.word()} {self.word()}"

    def filters(self):
        """Zero or more filters, as query text and options."""
        r = self.rng
        q, opts = [], []
        if self.entities and r.random() < 0.25:
            kind, name = r.choice(self.entities)
            q.append(f'{kind}:"{name}"')
        if self.dates and r.random() < 0.2:
            a, b = sorted(r.sample(self.dates, 2)) if len(
                self.dates) > 1 else (self.dates[0], self.dates[0])
            q.append(f"date:{a}..{b}")
        if self.dates and r.random() < 0.1:
            opts += ["--since", r.choice(self.dates)]
        if self.sources and r.random() < 0.1:
            q.append(f'source:"{r.choice(self.sources)}"')
        return q, opts

    def query(self):
        """(query text, options) of one random query."""
        r = self.rng
        q, opts = self.filters()
        q.insert(0, self.text())
        sort = r.choices(["relevance", "newest", "oldest"], [6, 2, 2])[0]
        if sort != "relevance":
            opts += ["--sort", sort]
        opts += ["--offset", str(r.choice([0, 0, 0, 5, 10, 30])),
                 "--limit", str(r.choice([10, 10, 20]))]
        if r.random() < 0.15:
            opts.append("--strict")
        if r.random() < 0.15:
            opts.append("--no-collapse")
        return " ".join(q), opts


def seed_material(bindir, xdb):
    """Phrases from titles, entities from facets and the dated days, from
    a few frequent queries over the single database."""
    phrases, entities, dates, sources = set(), set(), set(), set()
    for w in ("said", "oil", "trade", "bank", "year", "company"):
        d, _ = query_json([f"{bindir}/morgue-query", "--db", xdb, "--json",
                           "--facets", "--limit", "60", w])
        if not d:
            continue
        for h in d["hits"]:
            ws = re.findall(r"[A-Za-z]{3,}", h.get("title") or "")
            for a, b in zip(ws, ws[1:]):
                phrases.add(f"{a.lower()} {b.lower()}")
        for kind in ("person", "place", "org"):
            for f in d.get("facets", {}).get(kind, [])[:8]:
                if '"' not in f["name"]:
                    entities.add((kind, f["name"]))
        for f in d.get("facets", {}).get("source", []):
            sources.add(f["name"])
        for b in (d.get("histogram") or {}).get("buckets", []):
            if b["count"] and re.fullmatch(r"\d{4}-\d\d-\d\d", b["date"]):
                dates.add(b["date"])
    return (sorted(phrases), sorted(entities), sorted(dates),
            sorted(sources))


def build(bindir, tmp, inputs):
    """The three indexes, built side by side (2 CPUs); their paths."""
    f, x, x3 = (os.path.join(tmp, n) for n in ("f.db", "x", "x3"))
    idx = f"{bindir}/morgue-index"
    runs = [
        [idx, "--quiet", "--db", f, *inputs],
        [idx, "--quiet", "--engine", "xapian", "--db", x, *inputs],
        [idx, "--quiet", "--engine", "xapian", "--shards", "3", "--db", x3,
         *inputs],
    ]
    procs = [subprocess.Popen(r, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for r in runs]
    for r, p in zip(runs, procs):
        out = p.communicate()[0]
        if p.returncode not in (0, 3):
            print(f"FAIL - {' '.join(r)}: exit {p.returncode}\n{out}")
            sys.exit(1)
    return f, x, x3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--shared", default="../shared/corpus")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--strict-names", action="store_true")
    a = ap.parse_args()
    bindir = os.path.abspath(a.bindir)
    t0 = time.monotonic()
    with xcluster.workdir("parity", a.keep) as (tmp, procs):
        xcluster.skip_unless_xapian(NAME, bindir, tmp)
        reuters = os.path.join(a.shared, "reuters21578")
        files = [os.path.join(reuters, f"reut2-00{i}.sgm") for i in (0, 1)]
        if all(os.path.isfile(p) for p in files):
            inputs, what = files, "Reuters-21578 reut2-000.sgm, reut2-001.sgm"
        else:
            print(f"skip - {NAME}: {reuters} not found: the Reuters part is "
                  "skipped, corpus/ instead")
            inputs, what = ["corpus/"], "corpus/"
        return run(a, bindir, tmp, procs, inputs, what, t0)


def run(a, bindir, tmp, procs, inputs, what, t0):
    fdb, xdb, x3 = build(bindir, tmp, inputs)
    t_build = time.monotonic() - t0
    ports = [xcluster.free_port() for _ in range(3)]
    for i, port in enumerate(ports):
        procs.tcpsrv(port, os.path.join(x3, f"shard-{i}"))
    cfile = os.path.join(tmp, "c.txt")
    xcluster.write_cluster(cfile, [[f"127.0.0.1:{p}"] for p in ports],
                           "the 3 shards of the parity test")

    words = vocabulary(xdb)
    rng = random.Random(a.seed)
    gen = Generator(rng, words, title_words(xdb),
                    *seed_material(bindir, xdb))
    queries = [gen.query() for _ in range(a.queries)]
    q = f"{bindir}/morgue-query"

    def one(item):
        text, opts = item
        common = ["--json", "--facets", *opts, "--", text]
        single, e1 = query_json([q, "--db", xdb, *common])
        cluster, e2 = query_json([q, "--cluster", cfile, *common])
        fts, _ = query_json([q, "--db", fdb, "--json", *opts, "--", text])
        return single, e1, cluster, e2, fts

    t1 = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, queries))
    t_queries = time.monotonic() - t1

    fails = 0
    nonempty = 0
    known, known_queries = [], 0
    refused = 0
    overlap_sum, overlap_n, totals_same = 0.0, 0, 0
    for (text, opts), (single, e1, cluster, e2, fts) in zip(queries,
                                                              results):
        cmd = f"morgue-query --cluster C --json --facets {' '.join(opts)} " \
              f"-- '{text}'"
        if e1 or e2:
            if (e1 and e2 and e1.startswith("exit 2:") and
                    e2.startswith("exit 2:") and "Sanitizer" not in e1 + e2):
                refused += 1  # refused both ways (a usage error)
                continue
            fails += 1
            if fails <= 3:
                print(f"FAIL - {cmd}\n       database: {e1 or 'ok'}\n"
                      f"       cluster: {e2 or 'ok'}")
            continue
        single.pop("took_ms", None)
        cluster.pop("took_ms", None)
        names = []
        diff = first_difference(single, cluster, known=None
                                if a.strict_names else names)
        if names:
            known_queries += 1
            known.append(f"{cmd}: {names[0]}")
        if diff:
            fails += 1
            if fails <= 3:
                print(f"FAIL - {cmd}\n       first difference (database "
                      f"vs cluster): {diff}")
            continue
        if single["total"]:
            nonempty += 1
        if fts is not None and (fts["hits"] or single["hits"]):
            fi = [h["id"] for h in fts["hits"][:10]]
            xi = [h["id"] for h in single["hits"][:10]]
            overlap_sum += len(set(fi) & set(xi)) / max(len(fi), len(xi))
            overlap_n += 1
            totals_same += fts["total"] == single["total"]
    if fails > 3:
        print(f"       ... {fails - 3} more queries differ")
    if not fails:
        print(f"ok   - {len(queries)} queries (seed {a.seed}, {nonempty} with "
              f"hits, {refused} refused by both): one Xapian database and 3 shards over xapian-tcpsrv "
              "give the same ids, scores, totals, facets and timeline")
    if refused:
        print(f"info - {refused} queries refused by both (exit 2)")
    if known:
        print(f"info - {known_queries} queries differ only in an entity's "
              "display name in the facets (the name last written per "
              f"shard; --strict-names fails them), e.g.\n       {known[0]}")
    if overlap_n:
        print(f"info - FTS5 vs Xapian over {overlap_n} queries: top-10 "
              f"overlap {overlap_sum / overlap_n:.3f}, same total "
              f"{totals_same}/{overlap_n}")
    print(f"info - {what}: indexes built in {t_build:.1f} s, "
          f"{len(queries)} x 3 queries in {t_queries:.1f} s, "
          f"total {time.monotonic() - t0:.1f} s")
    print(f"{0 if fails else 1} passed, {1 if fails else 0} failed "
          f"({fails} of {len(queries)} queries differ)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
