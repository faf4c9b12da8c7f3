#!/usr/bin/env python3
"""scripts/entity_train.py - trains the entity tagger's model
(indexer/tagger.c, docs/entities.md "The tagger") on the annotated
development set (tests/data/entity-dev/) and writes data/entity_model.tsv.

  python3 scripts/entity_train.py --bin bin --shared ../shared/corpus \
      [--dev tests/data/entity-dev] [--out data/entity_model.tsv]

`morgue-index --show --entity-features FILE` writes each candidate the
tagger meets (a run of capitalised words), what the rules made of it and
its features.  A candidate's label is the kind of the annotated entity of
its story that has the run among its forms (compared as the evaluation
does: case- and punctuation-blind), else none.  The model is a
multi-class averaged perceptron (none, person, place, organisation) over
those features: a fixed number of passes over the candidates in an order
drawn from a fixed seed, so the same binary and data give the same file.
Weights are written rounded to 4 decimals; features whose weights all
round to 0 are left out.

The confidence threshold written with the model (its "# threshold" line)
is the margin below which an entity is kept for search but shown in no
facet: the one that gives the best F1 over the development set when each
story is tagged by a model trained without it (5 folds), so the choice is
made on stories the model did not see.  scripts/eval_entities_dev.py --cv
uses the same folds to report held-out figures.
"""
import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_entities_dev as ev  # noqa: E402

CLASSES = ("none", "person", "place", "org")
EPOCHS = 10
SEED = 20261206


def run_show(bindir, paths, extra, features=None):
    """The articles `morgue-index --show --json` gives for paths (one
    process for them all), and the feature lines when features is a file
    to write them to."""
    cmd = [os.path.join(bindir, "morgue-index"), "--show", "--json", "--jobs", "1"]
    cmd += extra
    if features:
        cmd += ["--entity-features", features]
    try:
        out = subprocess.run(cmd + paths, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise ev.EvalError("morgue-index --show failed: %s" % e) from e
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def story_paths(shared, stories, tmp):
    """{path to give morgue-index: [story ids]}: a story's file, or for the
    Reuters stories ("reuters21578#NEWID") one SGML file in tmp holding
    just them, cut from the collection's files."""
    by_path = collections.defaultdict(list)
    reuters = {}
    for sid, _, spath in stories:
        if "#" in spath:
            reuters[spath.split("#")[1]] = sid
        else:
            by_path[os.path.join(shared, spath)].append(sid)
    if reuters:
        d = os.path.join(shared, "reuters21578")
        blocks = []
        for name in sorted(os.listdir(d)):
            if not name.endswith(".sgm"):
                continue
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            for m in re.finditer(rb'<REUTERS[^>]*NEWID="(\d+)"[^>]*>.*?</REUTERS>',
                                 data, re.S):
                if m.group(1).decode() in reuters:
                    blocks.append(m.group(0))
        path = os.path.join(tmp, "reuters-stories.sgm")
        with open(path, "wb") as f:
            f.write(b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n')
            f.write(b"\n".join(blocks) + b"\n")
        by_path[path] = sorted(reuters.values())
    return by_path


def extract(bindir, shared, stories, extra=(), features=False):
    """{story id: (entities, text)}, and with features {story id:
    [(run, rule, [features])]}."""
    want = {sid for sid, _, _ in stories}
    out, feats = {}, collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        by_path = story_paths(shared, stories, tmp)
        fpath = os.path.join(tmp, "features") if features else None
        arts = run_show(bindir, sorted(by_path), list(extra), fpath)
        uid_to_sid = {}
        for a in arts:
            path = a.get("path") or ""
            sid = None
            if path in by_path and len(by_path[path]) == 1 and \
                    not path.endswith(".sgm"):
                sid = by_path[path][0]
            elif a.get("id") in want:
                sid = a["id"]
            if sid is None or sid in out:
                continue
            out[sid] = (a.get("entities") or [], ev.text_of(a))
            uid_to_sid[(path, a.get("id") or "")] = sid
        if fpath:
            with open(fpath, encoding="utf-8") as f:
                for line in f:
                    path, uid, run, rule, fs = line.rstrip("\n").split("\t")
                    sid = uid_to_sid.get((path, uid))
                    if sid is not None:
                        feats[sid].append((run, rule, fs.split()))
    missing = sorted(want - set(out))
    if missing:
        raise ev.EvalError("stories morgue-index did not give: %s" % " ".join(missing))
    return out, feats


FORMS = {"inc", "corp", "co", "ltd", "plc", "ag", "sa", "nv", "n v", "bv",
         "gmbh", "llc", "lp", "corporation", "company", "cos", "incorporated",
         "limited"}


def bare(n):
    """A normalised name without its company-form words ("diamond crystal
    salt co" is "diamond crystal salt": the sample leaves them out)."""
    while True:
        for f in FORMS:
            if n.endswith(" " + f):
                n = n[:-len(f) - 1]
                break
        else:
            return n


def label(run, gold):
    n = bare(ev.norm(run))
    for kind, _, forms in gold:
        if n in forms or n in {bare(f) for f in forms}:
            return CLASSES.index(kind)
    return 0


def examples(feats, golds, sids):
    ex = []
    for sid in sids:
        for run, _, fs in feats.get(sid, []):
            ex.append((fs, label(run, golds.get(sid, []))))
    return ex


def train(ex, epochs=EPOCHS, seed=SEED):
    """Averaged perceptron: {feature: [4 weights]}."""
    w = collections.defaultdict(lambda: [0.0] * 4)
    total = collections.defaultdict(lambda: [0.0] * 4)
    stamp = collections.defaultdict(lambda: [0] * 4)
    order = list(range(len(ex)))
    rng = random.Random(seed)
    t = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            fs, y = ex[i]
            t += 1
            score = [0.0] * 4
            for f in fs:
                if f in w:
                    wf = w[f]
                    for k in range(4):
                        score[k] += wf[k]
            pred = max(range(4), key=lambda k: (score[k], k == y and 0 or -k))
            if pred == y:
                continue
            for f in fs:
                for k, d in ((y, 1.0), (pred, -1.0)):
                    total[f][k] += (t - stamp[f][k]) * w[f][k]
                    stamp[f][k] = t
                    w[f][k] += d
    avg = {}
    for f in w:
        row = []
        for k in range(4):
            tot = total[f][k] + (t - stamp[f][k]) * w[f][k]
            row.append(round(tot / t, 4) if t else 0.0)
        if any(row):
            avg[f] = row
    return avg


def write_model(path, weights, threshold, note):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# morgue entity tagger model: written by scripts/entity_train.py"
                " (docs/entities.md)\n")
        f.write("# %s\n" % note)
        f.write("# classes: none person place org\n")
        f.write("# threshold %.4f\n" % threshold)
        for feat in sorted(weights):
            f.write("%s\t%s\n" % (feat, "\t".join("%g" % x for x in weights[feat])))


SAMPLE = "tests/data/entity-sample.tsv"


def training_data(bindir, shared, stories, golds, sample):
    """The candidates' features of the development set's stories and of
    the sample's (golds gets the sample's rows); and the sample's story
    ids."""
    _, feats = extract(bindir, shared, stories, features=True)
    if not sample:
        return feats, []
    s_stories, s_golds = load_sample(sample)
    dev_ids = {sid for sid, _, _ in stories}
    s_stories = [s for s in s_stories if s[0] not in dev_ids]
    golds.update({sid: s_golds[sid] for sid, _, _ in s_stories})
    _, s_feats = extract(bindir, shared, s_stories, features=True)
    feats.update(s_feats)
    return feats, [sid for sid, _, _ in s_stories]


def folds(stories, k=5):
    """Story ids in k folds, each set spread over all of them."""
    out = [[] for _ in range(k)]
    by_set = collections.OrderedDict()
    for sid, sset, _ in stories:
        by_set.setdefault(sset, []).append(sid)
    i = 0
    for sset in by_set:
        for sid in sorted(by_set[sset]):
            out[i % k].append(sid)
            i += 1
    return out


def cross_validate(bindir, shared, stories, golds, feats, k=5, tmpdir=None,
                   extra=()):
    """{story id: (entities, text)}, each story tagged by the model trained
    on the other folds (and the extra story ids, always trained on)."""
    out = {}
    parts = folds(stories, k)
    for i, part in enumerate(parts):
        train_ids = [sid for j, p in enumerate(parts) if j != i for sid in p]
        train_ids += list(extra)
        weights = train(examples(feats, golds, train_ids))
        mpath = os.path.join(tmpdir, "fold%d.tsv" % i)
        write_model(mpath, weights, -1e9, "fold %d of %d" % (i + 1, k))
        sub = [s for s in stories if s[0] in set(part)]
        got, _ = extract(bindir, shared, sub, ["--entity-model", mpath])
        out.update(got)
    return out


def best_threshold(stories, golds, ext):
    """The confidence threshold with the best micro F1 over ext."""
    best = (-1.0, 0.0)
    cands = sorted({round(e.get("confidence", 0), 2) for sid in ext
                    for e in ext[sid][0]})
    for th in [0.0] + cands[:400]:
        pairs = []
        for sid, _, _ in stories:
            g = [(kd, forms) for kd, _, forms in golds[sid]]
            p = [(e["kind"], ev.forms_of(e)) for e in ext[sid][0]
                 if e.get("confidence", 0) >= th]
            pairs.append((g, p))
        f1 = ev.score(pairs)[2]
        if f1 > best[0] + 1e-9:
            best = (f1, th)
    return best[1]


def model_threshold(path):
    """The "# threshold" of a model file (0 when it has none)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# threshold "):
                return float(line.split()[2])
    return 0.0


def load_sample(path):
    """The Reuters stories of a hand-checked sample (tests/data/entity-
    sample.tsv: newid, kind, canonical, aliases) as stories and golds of
    the development set's shape: each row's forms are its canonical name
    and aliases."""
    stories, golds, ids = [], {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# sample-newids:"):
                ids = line.split(":", 1)[1].split()
            if line.startswith("#") or not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) < 3 or fields[1] not in CLASSES:
                raise ev.EvalError("%s: bad row: %s" % (path, line))
            forms = {ev.norm(x) for x in [fields[2]] +
                     (fields[3].split("|") if len(fields) > 3 else []) if x}
            golds.setdefault("reuters-" + fields[0], []).append(
                (fields[1], fields[2], forms))
    for newid in ids:
        sid = "reuters-" + newid
        stories.append((sid, "reuters-sample", "reuters21578#" + newid))
        golds.setdefault(sid, [])
    return stories, golds


def load_dev(dev):
    stories = ev.read_stories(dev)
    golds = {}
    for sset in sorted({s for _, s, _ in stories}):
        gold, ids = ev.read_gold(os.path.join(dev, sset + ".tsv"))
        golds.update({sid: gold.get(sid, []) for sid in ids})
    return stories, golds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="bin")
    ap.add_argument("--shared", default="../shared/corpus")
    ap.add_argument("--dev", default="tests/data/entity-dev")
    ap.add_argument("--out", default="data/entity_model.tsv")
    ap.add_argument("--sample", default=SAMPLE,
                    help="also train on these fully annotated Reuters stories")
    a = ap.parse_args(argv)
    try:
        stories, golds = load_dev(a.dev)
        feats, extra = training_data(a.bin, a.shared, stories, golds, a.sample)
        with tempfile.TemporaryDirectory() as tmp:
            ext = cross_validate(a.bin, a.shared, stories, golds, feats,
                                 tmpdir=tmp, extra=extra)
        th = best_threshold(stories, golds, ext)
        weights = train(examples(feats, golds, [s for s, _, _ in stories] + extra))
    except (ev.EvalError, OSError) as e:
        sys.exit("entity_train: %s" % e)
    n = sum(len(v) for v in feats.values())
    write_model(a.out, weights, th, "%d stories (%d of the development set, %d of"
                " %s), %d candidates, %d passes, seed %d"
                % (len(stories) + len(extra), len(stories), len(extra),
                   a.sample or "-", n, EPOCHS, SEED))
    print("entity_train: %s: %d features from %d candidates of %d stories; "
          "threshold %.2f" % (a.out, len(weights), n, len(stories), th))


if __name__ == "__main__":
    main()
