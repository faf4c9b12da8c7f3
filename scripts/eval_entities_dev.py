#!/usr/bin/env python3
"""scripts/eval_entities_dev.py - the extractor against the entity
development set (tests/data/entity-dev/, docs/entities.md "Annotation
guide"): every person, place and organisation of 151 stories, scored per
story set and overall, next to a capitalised-run baseline in the same run.

  python3 scripts/eval_entities_dev.py --bin bin --shared ../shared/corpus \
      [--dev tests/data/entity-dev] [--misses [SET]]

With --misses, each story's missed entities ("-", gold kind and name) and
false positives ("+", extracted kind and name) follow the table, for all
sets or the one named; an entity found under another kind shows as both.

For each story `morgue-index --show --json` gives the extractor's entities
(kind, canonical name, the forms it met).  A gold entity (a row: story,
kind, canonical, forms) is found when an extracted entity of the same kind
has a name or form equal to one of the row's forms or its canonical name,
compared case- and punctuation-blind and without a leading "the"; an extracted entity matching no row
of its kind in its story is a false positive.  Precision, recall and F1 are
micro-averaged over (story, entity) pairs.  "untyped" scores the same with
the kinds ignored.  A gold entity none of whose forms is in the story's
text as the indexer reads it (cleaning removed a "(CNN)" attribution or a
"Read more at" footer) is left out, and the table's first line says how
many were.

The baseline reads the same text: each maximal run of capitalised words
(joined inside by "of", "de", "van", "and", "&"...; a sentence's first
word left out when it is a common one, "The", "But") is one entity;
untyped only, since it has no kinds.  A set whose
annotation file is missing is skipped with a line saying so.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

KINDS = ("person", "place", "org")


class EvalError(Exception):
    pass


def norm(s):
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"['\u2019]s\b", "", s)
    s = " ".join(re.sub(r"[^\w]+", " ", s).split())
    return s[4:] if s.startswith("the ") else s  # "The Times" is "Times"


def read_stories(dev):
    path = os.path.join(dev, "stories.tsv")
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                sid, sset, spath = line.rstrip("\n").split("\t")
                out.append((sid, sset, spath))
    except (OSError, ValueError) as e:
        raise EvalError("%s: %s" % (path, e)) from e
    return out


def read_gold(path):
    """{story: [(kind, canonical, {forms})]} and the story ids it covers."""
    gold, ids = collections.defaultdict(list), []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("# stories:"):
                ids = line.split(":", 1)[1].split()
                continue
            if line.startswith("#") or not line:
                continue
            fields = line.split("\t")
            if len(fields) != 4 or fields[1] not in KINDS:
                raise EvalError("%s:%d: want id, kind, canonical, forms" % (path, n))
            forms = {norm(x) for x in fields[3].split("|") + [fields[2]] if x}
            gold[fields[0]].append((fields[1], fields[2], forms))
    return gold, ids


def show(bindir, path):
    """The articles morgue-index --show --json gives for path, by id and by
    path."""
    try:
        out = subprocess.run([os.path.join(bindir, "morgue-index"), "--show",
                              "--json", path], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise EvalError("%s: morgue-index --show failed: %s" % (path, e)) from e
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def extracted(bindir, shared, stories):
    """{story id: (entities, text)} for every story."""
    out, sgm = {}, collections.defaultdict(list)
    for sid, _, spath in stories:
        if "#" in spath:  # reuters21578#NEWID: in one of the .sgm files
            sgm[spath.split("#")[0]].append(sid)
            continue
        arts = show(bindir, os.path.join(shared, spath))
        if not arts:
            raise EvalError("%s: no article" % spath)
        a = arts[0]
        out[sid] = (a.get("entities") or [], text_of(a))
    if sgm:
        want = {sid for ids in sgm.values() for sid in ids}
        d = os.path.join(shared, "reuters21578")
        for name in sorted(os.listdir(d)):
            if not name.endswith(".sgm"):
                continue
            for a in show(bindir, os.path.join(d, name)):
                if a.get("id") in want:
                    out[a["id"]] = (a.get("entities") or [], text_of(a))
    missing = [sid for sid, _, _ in stories if sid not in out]
    if missing:
        raise EvalError("stories morgue-index did not give: %s" % " ".join(missing))
    return out


def text_of(a):
    parts = []
    for k in ("title", "dateline", "lede", "body", "captions", "byline"):
        v = a.get(k) or ""
        parts.append("\n".join(v) if isinstance(v, list) else v)
    return "\n\n".join(p for p in parts if p)


JOIN = {"of", "de", "van", "von", "der", "la", "le", "du", "&", "and"}
WORD_RE = re.compile(r"[\w][\w'\u2019.&-]*|[.!?]")


def baseline(text):
    """Capitalised runs: a sentence's first word alone is not one."""
    ents, run, start = [], [], True
    for tok in WORD_RE.findall(text):
        if tok in ".!?":
            if run:
                ents.append(run)
            run, start = [], True
            continue
        cap = tok[0].isupper()
        if cap and not (start and tok.lower() in COMMON):
            run.append(tok)
        elif run and tok.lower() in JOIN:
            run.append(tok)
        else:
            while run and run[-1].lower() in JOIN:
                run.pop()
            if run:
                ents.append(run)
            run = []
        start = False
    if run:
        ents.append(run)
    names = {}
    for r in ents:
        while r and r[-1].lower() in JOIN:
            r.pop()
        if r:
            names[norm(" ".join(r))] = 1
    return [n for n in names if n]


COMMON = {"the", "a", "an", "but", "and", "in", "on", "at", "it", "he", "she",
          "they", "we", "i", "this", "that", "there", "his", "her", "their",
          "for", "as", "if", "when", "after", "while", "with", "by", "from",
          "to", "of", "so", "yet", "now", "then", "also", "however", "not"}


def score(pairs):
    tp_g, n_g, tp_p, n_p = 0, 0, 0, 0
    for gold, pred in pairs:
        n_g += len(gold)
        n_p += len(pred)
        tp_g += sum(1 for g in gold if any(match(g, p) for p in pred))
        tp_p += sum(1 for p in pred if any(match(g, p) for g in gold))
    prec = tp_p / n_p if n_p else 0.0
    rec = tp_g / n_g if n_g else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, n_g, n_p


def in_text(forms, text):
    """True when one of a gold entity's forms is in the story's text as the
    indexer reads it: a name only in what cleaning removed (a "(CNN)"
    attribution, a "Read more at" footer) is no name it could find."""
    t = " %s " % norm(text)
    return any(f and (" %s " % f) in t for f in forms)


def forms_of(e):
    """An extracted entity's names: its canonical name and its forms."""
    return {norm(x) for x in [e["canonical"]] + e.get("mentions", [])}


def shown(ents):
    """The entities a facet shows (not those kept for search only)."""
    return [e for e in ents if e.get("facet", True)]


def match(g, p):
    return (g[0] is None or p[0] is None or g[0] == p[0]) and bool(g[1] & p[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="bin")
    ap.add_argument("--shared", default="../shared/corpus")
    ap.add_argument("--dev", default="tests/data/entity-dev")
    ap.add_argument("--misses", nargs="?", const="", metavar="SET",
                    help="list each story's misses and false positives")
    ap.add_argument("--cv", type=int, default=0, metavar="K",
                    help="tag each story with a model trained on the other "
                    "stories (K folds), as scripts/entity_train.py does")
    a = ap.parse_args(argv)
    try:
        stories = read_stories(a.dev)
        sets = collections.OrderedDict()
        for sid, sset, _ in stories:
            sets.setdefault(sset, []).append(sid)
        golds, have = {}, []
        for sset in sets:
            p = os.path.join(a.dev, sset + ".tsv")
            if not os.path.exists(p):
                print("%s: skipped: %s not annotated yet" % (sset, p))
                continue
            gold, ids = read_gold(p)
            if set(ids) != set(sets[sset]):
                raise EvalError("%s: its stories line differs from stories.tsv" % p)
            golds.update({sid: gold.get(sid, []) for sid in ids})
            have.append(sset)
        todo = [s for s in stories if s[1] in have]
        import entity_train  # noqa: E402 (it imports this module)
        if a.cv:
            tg = dict(golds)
            feats, extra = entity_train.training_data(a.bin, a.shared, todo, tg,
                                                      entity_train.SAMPLE)
            with tempfile.TemporaryDirectory() as tmp:
                ext = entity_train.cross_validate(a.bin, a.shared, todo, tg,
                                                  feats, a.cv, tmp, extra)
            th = entity_train.model_threshold(
                os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "..", "data", "entity_model.tsv"))
            ext = {sid: ([dict(e, facet=e.get("confidence", 0) >= th)
                          for e in ents], text) for sid, (ents, text) in ext.items()}
        else:
            ext, _ = entity_train.extract(a.bin, a.shared, todo)
        ext = {sid: (shown(ents), text) for sid, (ents, text) in ext.items()}
    except EvalError as e:
        sys.exit("eval_entities_dev: %s" % e)
    rows = []
    for sset in have + ["all"]:
        ids = [sid for sid, s, _ in todo if s == sset or sset == "all"]
        typed, untyped, base = [], [], []
        for sid in ids:
            g = [(k, forms) for k, _, forms in golds[sid]
                 if in_text(forms, ext[sid][1])]
            ents, text = ext[sid]
            p = [(e["kind"], forms_of(e)) for e in ents]
            typed.append((g, p))
            untyped.append(([(None, f) for _, f in g], [(None, f) for _, f in p]))
            base.append(([(None, f) for _, f in g], [(None, {n}) for n in baseline(text)]))
        rows.append((sset, len(ids), score(typed), score(untyped), score(base)))
    absent = sum(1 for sid, _, _ in todo for _, _, forms in golds[sid]
                 if not in_text(forms, ext[sid][1]))
    print("Entity development set (%d stories annotated of %d; %d annotated "
          "names left out: none of their forms is in the text the indexer "
          "reads)" % (len(todo), len(stories), absent))
    print("%-18s %5s %6s %6s %6s %6s | %6s %6s %6s | %6s %6s %6s" % (
        "set", "docs", "gold", "P", "R", "F1", "P-unt", "R-unt", "F1-unt",
        "P-base", "R-base", "F1-base"))
    for sset, n, t, u, b in rows:
        print("%-18s %5d %6d %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f"
              % (sset, n, t[3], t[0], t[1], t[2], u[0], u[1], u[2], b[0], b[1], b[2]))
    kinds = []
    for k in KINDS:
        pairs = []
        for sid, _, _ in todo:
            g = [("x", forms) for kk, _, forms in golds[sid]
                 if kk == k and in_text(forms, ext[sid][1])]
            p = [("x", forms_of(e)) for e in ext[sid][0] if e["kind"] == k]
            pairs.append((g, p))
        kinds.append((k, score(pairs)))
    print("by kind (all sets):")
    for k, s in kinds:
        print("  %-8s gold %5d  found %5d  P %.3f  R %.3f  F1 %.3f" % (k, s[3], s[4], s[0], s[1], s[2]))
    if a.misses is not None:
        print_misses(todo, golds, ext, a.misses)


def print_misses(todo, golds, ext, only):
    """Each story's missed gold entities and false positives."""
    for sid, sset, _ in todo:
        if only and sset != only:
            continue
        gold = [(k, c, forms) for k, c, forms in golds[sid]]
        pred = [(e["kind"], e["canonical"],
                 {norm(x) for x in [e["canonical"]] + e.get("mentions", [])})
                for e in ext[sid][0]]
        lines = ["  - %-6s %s" % (k, c) for k, c, f in gold
                 if not any(k == pk and f & pf for pk, _, pf in pred)]
        lines += ["  + %-6s %s" % (pk, pc) for pk, pc, pf in pred
                  if not any(k == pk and f & pf for k, _, f in gold)]
        if lines:
            print("%s (%s)" % (sid, sset))
            print("\n".join(lines))


if __name__ == "__main__":
    main()
