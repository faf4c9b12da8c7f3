#!/usr/bin/env python3
"""scripts/entities_eval_doc.py - writes docs/entities-eval.md from what
`make eval-entities` printed (the development set's table, then the
Reuters-21578 figures), with the date and the commit it measured.

  python3 scripts/entities_eval_doc.py DEV_OUTPUT REUTERS_OUTPUT OUT.md
"""
import datetime
import subprocess
import sys

HEAD = """# Evaluating entity extraction

Written by `make eval-entities` (scripts/entities_eval_doc.py) on {date},
at commit {commit}{dirty}.  Nothing here is edited by hand: run `make
eval-entities SHARED=../shared/corpus` again to refresh it.  How the
extractor works: [entities.md](entities.md).

## 1. Every name of 151 fully annotated stories

The development set (`tests/data/entity-dev/`, chosen by
`scripts/entity_devset.py`, annotated by the guide in
[entities.md](entities.md#annotation-guide)): BBC business, entertainment,
politics, technology and sport, CNN, Reuters and the seed story, with every
person, place and organisation each names.  `scripts/eval_entities_dev.py
--cv 5` scores the entities a facet would show (`morgue-index --show
--json`, those with `"facet": true`) story by story: a gold entity is found
when an extracted one of the same kind has one of its forms (case,
punctuation and a leading "the" aside); precision, recall and F1 are
micro-averaged over (story, entity) pairs; "untyped" ignores the kinds.

The tagger's model is trained on these stories (and on the 50 Reuters
stories of `tests/data/entity-sample.tsv`), so the figures are
**cross-validated**: each story is tagged by a model trained without its
fifth of the set (five folds, every set spread over all of them).  The
baseline reads the same text: each run of capitalised words is one
entity, untyped.

```
{dev}
```

## 2. Reuters-21578: the editors' tags and hand-checked samples

The whole of Reuters-21578 indexed, then `scripts/eval_entities.py`:
recall of the stories' PLACES, PEOPLE and ORGS tags (a tag is found when
the story's entities include a name the tag map, `tests/data/reuters-tag-
map.tsv`, gives it; an implied country counts), and precision and recall
on 50 hand-checked stories (`tests/data/entity-sample.tsv`, also training
data of the tagger) and on 25 held-out ones (`tests/data/entity-heldout.
tsv`, never trained on).  The samples were annotated before the guide of
section 1 and count a nationality ("Japanese") as naming its country.

```
{reuters}
```
"""


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: entities_eval_doc.py DEV_OUTPUT REUTERS_OUTPUT OUT.md")
    try:
        with open(argv[1], encoding="utf-8") as f:
            dev = f.read().rstrip()
        with open(argv[2], encoding="utf-8") as f:
            reuters = f.read().rstrip()
    except OSError as e:
        sys.exit("entities_eval_doc: %s" % e)
    commit = run(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = " (with uncommitted changes)" if run(["git", "status", "--porcelain",
                                                  "--untracked-files=no"]) else ""
    text = HEAD.format(date=datetime.date.today().isoformat(), commit=commit,
                       dirty=dirty, dev=dev, reuters=reuters)
    with open(argv[3], "w", encoding="utf-8") as f:
        f.write(text)
    print("entities_eval_doc: wrote %s" % argv[3])


if __name__ == "__main__":
    main(sys.argv)
