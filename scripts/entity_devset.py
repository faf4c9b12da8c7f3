#!/usr/bin/env python3
"""scripts/entity_devset.py - choose the stories of the entity development
set (docs/entities.md, "Annotation guide") from ../shared/corpus, the same
ones on every run, and list them in tests/data/entity-dev/stories.tsv; with
--texts DIR, also write each story's text to DIR/<id>.txt for reading.

  python3 scripts/entity_devset.py --shared ../shared/corpus \
      [--out tests/data/entity-dev/stories.tsv] [--texts DIR]

The set: 20 stories from each of BBC's business, entertainment, politics
and tech folders and 30 from sport, the 20 CNN stories of
cnn_stories_sample, 20 Reuters-21578 stories with a body of 80 words or
more that neither tests/data/entity-sample.tsv nor entity-heldout.tsv
holds, and the seed article: 151 stories.  Choices use random.Random(2026)
over sorted file lists, byte-identical duplicates left out.
"""
import argparse
import hashlib
import html
import os
import random
import re
import sys

import reuters_sgm

BBC = [("business", 20), ("entertainment", 20), ("politics", 20),
       ("tech", 20), ("sport", 30)]
REUTERS_N = 20
SEED = 2026
TITLE_RE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
BODY_RE = re.compile(r"<BODY>(.*?)</BODY>", re.S)
DATELINE_RE = re.compile(r"<DATELINE>(.*?)</DATELINE>", re.S)


class DevsetError(Exception):
    pass


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def bbc(shared, rng):
    out = []
    for folder, n in BBC:
        d = os.path.join(shared, "bbc", folder)
        seen, files = set(), []
        for name in sorted(os.listdir(d)):
            h = hashlib.sha1(read_bytes(os.path.join(d, name))).hexdigest()
            if h not in seen:
                seen.add(h)
                files.append(name)
        for name in sorted(rng.sample(files, n)):
            path = os.path.join("bbc", folder, name)
            text = read_bytes(os.path.join(shared, path)).decode(
                "utf-8", errors="replace")
            out.append(("bbc/%s/%s" % (folder, name[:-4]), "bbc-" + folder,
                        path, text))
    return out


def cnn(shared):
    d = os.path.join("cnn_stories_sample", "cnn_stories")
    out = []
    for name in sorted(os.listdir(os.path.join(shared, d))):
        if name.endswith(".story"):
            path = os.path.join(d, name)
            text = read_bytes(os.path.join(shared, path)).decode("utf-8")
            text = text.split("\n@highlight", 1)[0]  # the story, not its summary
            out.append(("cnn/" + name[:8], "cnn", path, text))
    return out


def held(path):
    ids = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# sample-newids:"):
                ids.update(int(x) for x in line.split(":", 1)[1].split())
    return ids


def reuters(shared, repo, rng):
    taken = held(os.path.join(repo, "tests/data/entity-sample.tsv")) | held(
        os.path.join(repo, "tests/data/entity-heldout.tsv"))
    eligible = []
    d = os.path.join(shared, "reuters21578")
    for newid, _, body in reuters_sgm.stories(d, DevsetError):
        bm = BODY_RE.search(body)
        if newid in taken or not bm or len(html.unescape(bm.group(1)).split()) < 80:
            continue
        t = TITLE_RE.search(body)
        dl = DATELINE_RE.search(body)
        text = "\n\n".join(html.unescape(m.group(1)).strip()
                           for m in (t, dl, bm) if m)
        eligible.append((newid, text))
    out = []
    for newid, text in sorted(rng.sample(eligible, REUTERS_N)):
        out.append(("reuters-%d" % newid, "reuters",
                    "reuters21578#%d" % newid, text))
    return out


def seed(shared):
    d = os.path.join(shared, "seed")
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".txt"):
            path = os.path.join("seed", name)
            out.append(("seed/" + name[:-4], "seed", path,
                        read_bytes(os.path.join(shared, path)).decode("utf-8")))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", default="tests/data/entity-dev/stories.tsv")
    ap.add_argument("--texts")
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = random.Random(SEED)
    try:
        stories = bbc(a.shared, rng) + cnn(a.shared) + reuters(
            a.shared, repo, rng) + seed(a.shared)
    except (OSError, DevsetError) as e:
        sys.exit("entity_devset: %s" % e)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# The stories of the entity development set, chosen by "
                "scripts/entity_devset.py\n# (docs/entities.md, Annotation "
                "guide).  id<TAB>set<TAB>path under ../shared/corpus\n")
        for sid, sset, path, _ in stories:
            f.write("%s\t%s\t%s\n" % (sid, sset, path))
    if a.texts:
        for sid, _, _, text in stories:
            p = os.path.join(a.texts, sid + ".txt")
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
    print("%d stories in %s" % (len(stories), a.out))


if __name__ == "__main__":
    main()
