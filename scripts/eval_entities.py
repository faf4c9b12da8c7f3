#!/usr/bin/env python3
"""Evaluate the named entities a morgue index holds against Reuters-21578.

Usage:
    python3 scripts/eval_entities.py --db INDEX --reuters DIR
        [--sample tests/data/entity-sample.tsv]
        [--tag-map tests/data/reuters-tag-map.tsv] [--json OUT]

Two measures, both described in docs/entities-eval.md:

- Recall against the Reuters PLACES, PEOPLE and ORGS tags (document level):
  for every tag of every story, is the tag's canonical name (or an alias,
  from --tag-map) among the entities of that kind that the index links to
  the story (articles.uid = 'reuters-<NEWID>')?
- Precision against a hand-checked sample (--sample): the index's
  (kind, canonical) set for each sampled story against the gold set.

Names are compared after normalize_name(): case-insensitive, punctuation
and legal suffixes ignored. The script reports; it does not judge.

Exit status: 0 when the figures were computed, 2 when an input is missing or
unreadable (a one-line message on stderr says which).

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import re
import sqlite3
import sys
import unicodedata
import urllib.parse

import reuters_sgm

KINDS = ("place", "person", "org")
TAG_ELEMENT = {"place": "PLACES", "person": "PEOPLE", "org": "ORGS"}
REUTERS_UID = "reuters-%d"
TOP_MISSED = 15

# Trailing words dropped from organisation names before comparing, so that
# "Morgan Stanley and Co Inc" = "Morgan Stanley".
ORG_SUFFIXES = frozenset(
    "inc incorporated corp corporation co cos companies ltd limited plc "
    "nv bv sa ag spa nl llc lp gmbh".split()
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TAG_MAP = os.path.join(HERE, os.pardir, "tests", "data",
                               "reuters-tag-map.tsv")


class EvalError(Exception):
    """An input the evaluation cannot use; the message names the input."""


def normalize_name(name, kind):
    """Return the comparison key of an entity name of the given kind.

    Case-folds, drops accents (Aviles = Avilés), reads '&' as 'and', drops
    '.', ',' and apostrophes, reads '-' and '/' as spaces, collapses spaces
    and drops a leading 'the'. For
    organisations also drops trailing legal suffixes (ORG_SUFFIXES) and a
    dangling 'and'. Never fails; may return ''.
    """
    s = unicodedata.normalize("NFKD", name.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("&", " and ")
    s = re.sub(r"[.,'\u2019`]", "", s)
    s = re.sub(r"[-/]", " ", s)
    words = s.split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    if kind == "org":
        while len(words) > 1 and words[-1] in ORG_SUFFIXES:
            words.pop()
        if len(words) > 1 and words[-1] == "and":
            words.pop()
    return " ".join(words)


def read_tsv(path, min_fields, max_fields):
    """Yield (line_number, fields) for the data lines of a TSV file.

    Skips blank lines and lines starting with '#'. Raises EvalError naming
    path:line when a line has too few or too many fields or an empty one.
    """
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.split("\t")
                if len(fields) == max_fields - 1 and max_fields > min_fields:
                    fields.append("")
                if not min_fields <= len(fields) <= max_fields or \
                        not all(x.strip() for x in fields[:min_fields]):
                    raise EvalError("%s:%d: expected %d to %d TAB-separated "
                                    "fields" % (path, lineno, min_fields,
                                                max_fields))
                yield lineno, [x.strip() for x in fields]
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e
    except UnicodeDecodeError as e:
        raise EvalError("%s: not UTF-8 text" % path) from e


def split_aliases(field):
    """Return the non-empty '|'-separated names of an aliases field."""
    return [a.strip() for a in field.split("|") if a.strip()]


def load_tag_map(path):
    """Read the Reuters tag map.

    Returns (names, groups): names maps (kind, tag) to the list
    [canonical, alias...]; groups maps kind to a list of sets of normalized
    names, one set per tag, used to widen the gold names of the sample.
    Raises EvalError on an unreadable file, an unknown kind or a duplicate.
    """
    names = {}
    groups = {k: [] for k in KINDS}
    for lineno, (kind, tag, canonical, aliases) in read_tsv(path, 3, 4):
        if kind not in KINDS:
            raise EvalError("%s:%d: unknown kind '%s'" % (path, lineno, kind))
        if (kind, tag) in names:
            raise EvalError("%s:%d: duplicate tag %s/%s"
                            % (path, lineno, kind, tag))
        all_names = [canonical] + split_aliases(aliases)
        names[(kind, tag)] = all_names
        groups[kind].append({normalize_name(n, kind) for n in all_names})
    if not names:
        raise EvalError("%s: no tags" % path)
    return names, groups


def load_reuters_tags(directory):
    """Read the PLACES/PEOPLE/ORGS tags of every story in DIR/*.sgm.

    Returns {newid: {kind: [tag, ...]}} with each story's distinct tags in
    file order (every story is present, even with no tags). Raises
    EvalError when DIR is missing or holds no .sgm story.
    """
    if not os.path.isdir(directory):
        raise EvalError("%s: no such directory" % directory)
    element_res = {k: re.compile(r"<%s>(.*?)</%s>" % (e, e), re.S)
                   for k, e in TAG_ELEMENT.items()}
    stories = {}
    for newid, _, body in reuters_sgm.stories(directory, EvalError):
        stories[newid] = {kind: list(dict.fromkeys(reuters_sgm.tags(body, rx)))
                          for kind, rx in element_res.items()}
    if not stories:
        raise EvalError("%s: no Reuters-21578 stories (*.sgm)" % directory)
    return stories


def open_index(path):
    """Open the index read-only and check it has the tables we query.

    Returns an sqlite3 connection. Raises EvalError when the file is
    missing, not SQLite, or lacks articles, entities or article_entities.
    """
    if not os.path.isfile(path):
        raise EvalError("%s: no such index file" % path)
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    try:
        db = sqlite3.connect(uri, uri=True)
        tables = {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as e:
        raise EvalError("%s: cannot read index: %s" % (path, e)) from e
    for t in ("articles", "entities", "article_entities"):
        if t not in tables:
            db.close()
            raise EvalError("%s: index has no %s table (built without "
                            "entity extraction?)" % (path, t))
    return db


def load_index_entities(db, path):
    """Read the entities the index links to each Reuters story.

    Returns (present, linked): present is the set of NEWIDs with an article
    row; linked maps newid to {kind: set of canonical names}. Rows of other
    kinds are ignored. Raises EvalError on an SQL error (schema mismatch).
    """
    uid_re = re.compile(r"reuters-(\d+)\Z")
    present = set()
    linked = collections.defaultdict(lambda: {k: set() for k in KINDS})
    # Entities the text names (mentions > 0), as opposed to places implied
    # by a named city (mentions 0): precision is judged on these.
    named = collections.defaultdict(lambda: {k: set() for k in KINDS})
    try:
        for (uid,) in db.execute(
                "SELECT uid FROM articles WHERE uid LIKE 'reuters-%'"):
            m = uid_re.match(uid or "")
            if m:
                present.add(int(m.group(1)))
        rows = db.execute(
            "SELECT a.uid, e.kind, e.canonical, ae.mentions"
            "  FROM article_entities ae"
            "  JOIN entities e ON e.id = ae.entity_id"
            "  JOIN articles a ON a.id = ae.article_id"
            " WHERE a.uid LIKE 'reuters-%'")
        for uid, kind, canonical, mentions in rows:
            m = uid_re.match(uid or "")
            if m and kind in KINDS and canonical:
                linked[int(m.group(1))][kind].add(canonical)
                if mentions:
                    named[int(m.group(1))][kind].add(canonical)
    except sqlite3.Error as e:
        raise EvalError("%s: cannot read entities: %s" % (path, e)) from e
    return present, linked, named


def load_sample(path):
    """Read the hand-checked sample.

    Returns (seed, newids, gold): seed is the header's 'seed:' value or
    None; newids the sorted sampled stories (the header's 'sample-newids:'
    list plus any NEWID with rows); gold maps newid to {kind: [[canonical,
    alias...], ...]}. Raises EvalError on a malformed line or empty sample.
    """
    seed = None
    listed = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"#\s*seed:\s*(\S+)", line)
                if m:
                    seed = m.group(1)
                m = re.match(r"#\s*sample-newids:\s*(.*)", line)
                if m:
                    listed.update(int(x) for x in m.group(1).split()
                                  if x.isdigit())
    except OSError as e:
        raise EvalError("%s: %s" % (path, e.strerror or e)) from e
    except UnicodeDecodeError as e:
        raise EvalError("%s: not UTF-8 text" % path) from e
    gold = collections.defaultdict(lambda: {k: [] for k in KINDS})
    for lineno, (newid, kind, canonical, aliases) in read_tsv(path, 3, 4):
        if not newid.isdigit():
            raise EvalError("%s:%d: NEWID '%s' is not a number"
                            % (path, lineno, newid))
        if kind not in KINDS:
            raise EvalError("%s:%d: unknown kind '%s'" % (path, lineno, kind))
        gold[int(newid)][kind].append([canonical] + split_aliases(aliases))
    newids = sorted(listed | set(gold))
    if not newids:
        raise EvalError("%s: empty sample" % path)
    return seed, newids, gold


def compute_recall(stories, tag_names, present, linked):
    """Document-level recall of the Reuters tags, per kind.

    Returns {kind: {"tags", "found", "recall", "missed": Counter(tag),
    "totals": Counter(tag), "unmapped": Counter(tag)}}. A tag of a story
    missing from the index, or missing from the tag map, counts as not
    found.
    """
    out = {}
    for kind in KINDS:
        totals, missed, unmapped = (collections.Counter() for _ in range(3))
        found = 0
        for newid, tags in stories.items():
            if not tags[kind]:
                continue
            have = set()
            if newid in present:
                have = {normalize_name(n, kind) for n in linked[newid][kind]}
            for tag in tags[kind]:
                totals[tag] += 1
                names = tag_names.get((kind, tag))
                if names is None:
                    unmapped[tag] += 1
                    missed[tag] += 1
                elif have & {normalize_name(n, kind) for n in names}:
                    found += 1
                else:
                    missed[tag] += 1
        n = sum(totals.values())
        out[kind] = {"tags": n, "found": found,
                     "recall": found / n if n else None,
                     "missed": missed, "totals": totals, "unmapped": unmapped}
    return out


def widen(names, kind, groups):
    """Return the normalized names accepted for one gold entity.

    That is its canonical name and aliases, plus the names of any tag-map
    entry of the same kind that shares one of them.
    """
    keys = {normalize_name(n, kind) for n in names}
    for g in groups[kind]:
        if keys & g:
            keys |= g
    return keys


def compute_precision(newids, gold, groups, present, linked, stories,
                      tag_names):
    """Precision and gold recall of the index on the hand-checked sample.

    Each gold entity absorbs at most one extracted entity; an extracted
    entity that matches no gold entity, or one already matched (a second
    spelling of the same entity), is a false positive. A false-positive
    place that is one of the story's Reuters PLACES tags is noted as a
    likely city-to-country rollup (the gold lists only places the text
    names) and counted in "place_rollup". Returns {"kinds": {kind: {"ours",
    "correct", "precision", "gold", "gold_found", "gold_recall"}},
    "place_rollup": n, "false_positives": [(newid, kind, name, note)],
    "missing_articles": [newid]}.
    """
    stats = {k: collections.Counter() for k in KINDS}
    false_pos = []
    for newid in newids:
        tagged = set()
        for tag in stories.get(newid, {}).get("place", []):
            tagged |= {normalize_name(n, "place")
                       for n in tag_names.get(("place", tag), [])}
        for kind in KINDS:
            gold_sets = [widen(g, kind, groups) for g in gold[newid][kind]]
            ours = sorted(linked[newid][kind]) if newid in present else []
            matched = [False] * len(gold_sets)
            for name in ours:
                key = normalize_name(name, kind)
                hit = [i for i, g in enumerate(gold_sets) if key in g]
                free = [i for i in hit if not matched[i]]
                if free:
                    matched[free[0]] = True
                    stats[kind]["correct"] += 1
                elif hit:
                    false_pos.append((newid, kind, name, "second name for '%s'"
                                      % gold[newid][kind][hit[0]][0]))
                elif kind == "place" and key in tagged:
                    stats[kind]["rollup"] += 1
                    false_pos.append((newid, kind, name, "Reuters-tagged "
                                      "country, not named: rollup?"))
                else:
                    false_pos.append((newid, kind, name, ""))
            stats[kind]["ours"] += len(ours)
            stats[kind]["gold"] += len(gold_sets)
            stats[kind]["gold_found"] += sum(matched)
    kinds = {}
    for kind in list(KINDS) + ["all"]:
        c = (sum(stats.values(), collections.Counter())
             if kind == "all" else stats[kind])
        kinds[kind] = {
            "ours": c["ours"], "correct": c["correct"],
            "precision": c["correct"] / c["ours"] if c["ours"] else None,
            "gold": c["gold"], "gold_found": c["gold_found"],
            "gold_recall": c["gold_found"] / c["gold"] if c["gold"] else None,
        }
    return {"kinds": kinds, "place_rollup": stats["place"]["rollup"],
            "false_positives": false_pos,
            "missing_articles": [n for n in newids if n not in present]}


def fmt_ratio(x):
    """Format a ratio in [0, 1] for the tables; '-' when undefined."""
    return "-" if x is None else "%.3f" % x


def print_recall(recall, stories, present, out):
    """Print the recall table and the most-missed tags per kind."""
    print("Recall against Reuters-21578 tags (document level)", file=out)
    print("  stories in corpus: %d, in index: %d"
          % (len(stories), len(present & set(stories))), file=out)
    print("  %-7s %7s %7s %7s" % ("kind", "tags", "found", "recall"), file=out)
    for kind in KINDS:
        r = recall[kind]
        print("  %-7s %7d %7d %7s" % (kind, r["tags"], r["found"],
                                      fmt_ratio(r["recall"])), file=out)
    for kind in KINDS:
        r = recall[kind]
        if r["unmapped"]:
            print("  warning: %d %s tag(s) not in the tag map: %s"
                  % (len(r["unmapped"]), kind,
                     ", ".join(sorted(r["unmapped"]))), file=out)
    for kind in KINDS:
        r = recall[kind]
        top = r["missed"].most_common(TOP_MISSED)
        print("\n  Most-missed %s tags (missed/total):" % kind, file=out)
        if not top:
            print("    none", file=out)
        for tag, n in top:
            print("    %-28s %5d/%d" % (tag, n, r["totals"][tag]), file=out)


def print_precision(prec, seed, newids, out):
    """Print the precision table and every false positive."""
    print("\nPrecision on the hand-checked sample (%d stories%s)"
          % (len(newids), ", seed %s" % seed if seed else ""), file=out)
    print("  %-7s %6s %8s %9s %6s %10s %11s"
          % ("kind", "ours", "correct", "precision", "gold", "gold-found",
             "gold-recall"), file=out)
    for kind in list(KINDS) + ["all"]:
        k = prec["kinds"][kind]
        print("  %-7s %6d %8d %9s %6d %10d %11s"
              % (kind, k["ours"], k["correct"], fmt_ratio(k["precision"]),
                 k["gold"], k["gold_found"], fmt_ratio(k["gold_recall"])),
              file=out)
    k = prec["kinds"]["place"]
    if prec["place_rollup"]:
        print("  %d place false positives are countries the story is "
              "Reuters-tagged with but does not name (city rollup?); place "
              "precision counting them correct: %s"
              % (prec["place_rollup"],
                 fmt_ratio((k["correct"] + prec["place_rollup"]) / k["ours"])),
              file=out)
    if prec["missing_articles"]:
        print("  warning: %d sampled stories not in the index: %s"
              % (len(prec["missing_articles"]),
                 " ".join(REUTERS_UID % n for n in prec["missing_articles"])),
              file=out)
    fps = prec["false_positives"]
    print("\n  False positives (%d):" % len(fps), file=out)
    if not fps:
        print("    none", file=out)
    for newid, kind, name, note in fps:
        print("    %-14s %-7s %s%s" % (REUTERS_UID % newid, kind, name,
                                      "  (%s)" % note if note else ""),
              file=out)


def run(args, out):
    """Compute and print the evaluation; raises EvalError on bad input."""
    tag_names, groups = load_tag_map(args.tag_map)
    sample = load_sample(args.sample) if args.sample else None
    stories = load_reuters_tags(args.reuters)
    db = open_index(args.db)
    try:
        present, linked, named = load_index_entities(db, args.db)
    finally:
        db.close()

    recall = compute_recall(stories, tag_names, present, linked)
    print_recall(recall, stories, present, out)
    report = {"index": args.db, "stories": len(stories),
              "stories_in_index": len(present & set(stories)), "recall": {}}
    for kind in KINDS:
        r = recall[kind]
        report["recall"][kind] = {
            "tags": r["tags"], "found": r["found"], "recall": r["recall"],
            "most_missed": [[t, n, r["totals"][t]]
                            for t, n in r["missed"].most_common(TOP_MISSED)]}

    if sample:
        seed, newids, gold = sample
        prec = compute_precision(newids, gold, groups, present, named,
                                 stories, tag_names)
        print_precision(prec, seed, newids, out)
        report["sample"] = {
            "file": args.sample, "seed": seed, "stories": len(newids),
            "kinds": prec["kinds"], "place_rollup": prec["place_rollup"],
            "false_positives": [
                {"uid": REUTERS_UID % n, "kind": k, "name": name, "note": note}
                for n, k, name, note in prec["false_positives"]],
            "missing_articles": prec["missing_articles"]}

    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=2)
                f.write("\n")
        except OSError as e:
            raise EvalError("%s: %s" % (args.json, e.strerror or e)) from e


def main(argv=None):
    """Parse arguments and run; returns the exit status (0 or 2)."""
    p = argparse.ArgumentParser(
        description="Evaluate morgue's entity extraction on Reuters-21578.")
    p.add_argument("--db", required=True, help="morgue index (SQLite)")
    p.add_argument("--reuters", required=True,
                   help="directory of the Reuters-21578 reut2-*.sgm files")
    p.add_argument("--sample", help="hand-checked gold sample TSV")
    p.add_argument("--tag-map", default=os.path.normpath(DEFAULT_TAG_MAP),
                   help="Reuters tag -> canonical map (default: %(default)s)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    try:
        run(args, sys.stdout)
    except EvalError as e:
        print("eval_entities: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
