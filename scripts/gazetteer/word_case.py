#!/usr/bin/env python3
"""scripts/gazetteer/word_case.py - writes data/word_case.tsv: how often
each word is written with a capital where capitals say something (not a
sentence's first word, not text in capitals), counted over the news
corpora of ../shared/corpus.  The entity tagger (indexer/tagger.c) reads
it as a feature: "Similarly" opening a sentence is a word written in
lower case 99 times in 100, "Gazprom" one never seen in lower case.

  python3 scripts/gazetteer/word_case.py --shared ../shared/corpus \
      [--dev tests/data/entity-dev/stories.tsv] [--out data/word_case.tsv]

Read: BBC (bbc/*/*.txt), CNN (cnn_stories_sample/cnn_stories/*.story,
cnn_dailymail_val1000/*.csv), Reuters-21578 (bodies of reuters21578/*.sgm)
and FakeNewsNet (fakenewsnet/*/*.json texts), but for the stories of the
entity development set (--dev), whose own text must not teach the model
about them.  A word (letters, inner hyphens and apostrophes) seen at least
MIN_SEEN times is written with its class: 0 capitalised under 5% of the
time, 1 under 50%, 2 under 95%, 3 at least 95%.  Rows are sorted by
their UTF-8 bytes; the same corpora give the same file.
"""
import argparse
import collections
import csv
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import reuters_sgm  # noqa: E402

MIN_SEEN = 4
TOKEN_RE = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?|[.!?:;\"\u201c\u201d()\n]")
ENDERS = set(".!?:;\"\u201c\u201d()\n")


def texts(shared, skip):
    for path in sorted(glob.glob(os.path.join(shared, "bbc", "*", "*.txt"))):
        if os.path.relpath(path, shared) in skip:
            continue
        with open(path, encoding="latin-1") as f:
            lines = f.read().split("\n", 1)
        yield lines[1] if len(lines) > 1 else ""  # the title line left out
    for path in sorted(glob.glob(os.path.join(shared, "cnn_stories_sample",
                                              "cnn_stories", "*.story"))):
        if os.path.relpath(path, shared) in skip:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            yield f.read().split("@highlight")[0]
    for path in sorted(glob.glob(os.path.join(shared, "cnn_dailymail_val1000", "*.csv"))):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            for row in csv.DictReader(f):
                yield row.get("article") or ""
    class Err(Exception):
        pass
    d = os.path.join(shared, "reuters21578")
    if os.path.isdir(d):
        for newid, _, body in reuters_sgm.stories(d, Err):
            if "reuters21578#%s" % newid in skip:
                continue
            m = re.search(r"<BODY>(.*?)</BODY>", body, re.S)
            if m:
                yield m.group(1).replace("&lt;", "<").replace("&amp;", "&")
    for path in sorted(glob.glob(os.path.join(shared, "fakenewsnet", "*", "*", "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                yield json.load(f).get("text") or ""
        except (OSError, ValueError):
            continue


def count(shared, skip):
    caps, seen = collections.Counter(), collections.Counter()
    for text in texts(shared, skip):
        start = True
        for tok in TOKEN_RE.findall(text):
            if tok in ENDERS:
                start = True
                continue
            first = start
            start = False
            letters = [c for c in tok if c.isalpha()]
            if first or (len(letters) >= 2 and all(c.isupper() for c in letters)):
                continue
            w = tok.replace("\u2019", "'").casefold()
            if w.endswith("'s"):
                w = w[:-2]
            if not w:
                continue
            seen[w] += 1
            caps[w] += tok[0].isupper()
    return caps, seen


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default="../shared/corpus")
    ap.add_argument("--dev", default="tests/data/entity-dev/stories.tsv")
    ap.add_argument("--out", default="data/word_case.tsv")
    a = ap.parse_args(argv)
    skip = set()
    with open(a.dev, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                skip.add(line.rstrip("\n").split("\t")[2])
    caps, seen = count(a.shared, skip)
    rows = []
    for w, n in seen.items():
        if n < MIN_SEEN or "\t" in w:
            continue
        r = caps[w] / n
        rows.append((w, 0 if r < 0.05 else 1 if r < 0.5 else 2 if r < 0.95 else 3))
    rows.sort(key=lambda x: x[0].encode("utf-8"))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# word\tclass (0 capitalised <5%% of the time, 1 <50%%, 2 <95%%, "
                "3 more): scripts/gazetteer/word_case.py, %d words seen %d+ times "
                "outside sentence starts\n" % (len(rows), MIN_SEEN))
        for w, c in rows:
            f.write("%s\t%d\n" % (w, c))
    print("word_case: %s: %d words" % (a.out, len(rows)))


if __name__ == "__main__":
    main()
