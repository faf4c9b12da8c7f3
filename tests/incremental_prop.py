#!/usr/bin/env python3
"""incremental_prop.py - property test: an incremental index equals a rebuild.

usage: python3 tests/incremental_prop.py BINDIR [--steps N] [--seed S]
            [--ops OP,...] [--no-links] [--strict-failed]
            [--keep] [--keep-going] [--verbose]

Builds a small archive (JSON Lines with and without ids and sources,
plain text, CSV, in three folders) in a temporary folder and applies N
random changes to it (add, edit, delete, rename, move a file; the same
id in a second file, with the same or another source; empty or truncate
a file; replace a feed; touch a file ...).  After every step it runs

    BINDIR/morgue-index --db inc.db --quiet --prune --prune-max 100 ROOT
    BINDIR/morgue-index --db fresh-N.db --quiet ROOT

the first into the same index all along, the second into a new one
(--prune-max 100: in an archive of a dozen files one deletion is often
more than --prune's default limit of 20% of a folder's articles)

and checks that both hold exactly the same articles: the same keys, the
same stored text and metadata, the same entities (tests/index_diff.py).
A file that fails to read (e.g. a CSV cut inside its header) keeps the
articles it gave before, by design, until it reads again: the keys an
article of such a file holds in either index are left out of the
comparison (--strict-failed keeps them in).  --no-links leaves the
entity links out of the comparison (which names an article links to
can depend on what the archive held when it was indexed).
Exit status 0 or 3 of either run is fine; any other fails the test.  On
a mismatch it prints the step, the history of operations, the seed, a
command to replay it and a diff of the first articles that differ, and
exits 1.  --keep-going instead notes the mismatch, continues from a copy
of the fresh index and ends with a count of failures per operation.
--ops draws only the operations named (or all but those named with a
leading -, e.g. --ops -dup_same_source,-copy_file).  --keep leaves the
temporary folder.

Every write gives the file a modification time of its own (a counter),
so that no change hides behind an unchanged size and time, which the
indexer skips by design.  Same seed, same sequence.
"""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import index_diff  # noqa: E402

WORDS = ("talks summit nuclear missile sanctions envoy border trade "
         "ministry official leaders meeting agreement minister delegation "
         "peace treaty economy exports factory harbour railway election "
         "parliament budget weather flood harvest rice prices market "
         "shares bank currency protest strike court ruling report").split()
VERBS = ("said agreed warned met visited announced rejected proposed "
         "discussed signed denied approved").split()
NAMES = ["Kim Jong Un", "Moon Jae-in", "Donald Trump", "Xi Jinping",
         "Shinzo Abe", "Reuters", "the United Nations", "Samsung"]
PLACES = ["Pyongyang", "Seoul", "Beijing", "Tokyo", "Washington", "Panmunjom"]
SOURCES = ["Reuters", "Yonhap", "KCNA"]
FOLDERS = ["a", "b", "a/n"]        # "a/n/..." sorts between "a/..." names
KINDS = ["jsonl_src", "jsonl_nosrc", "jsonl_noid", "txt", "csv", "csv_nosrc"]
EXT = {"jsonl_src": "jsonl", "jsonl_nosrc": "jsonl", "jsonl_noid": "jsonl",
       "txt": "txt", "csv": "csv", "csv_nosrc": "csv"}
CSV_COLS = {"csv": ["id", "source", "title", "body"],
            "csv_nosrc": ["id", "title", "body", "date"]}
JSON_ORDER = ["id", "source", "title", "body", "date"]


class File:
    def __init__(self, kind, records):
        self.kind = kind
        self.records = records      # list of dicts (a txt file: one)
        self.cut = None             # bytes kept after a truncation

    def has_ids(self):
        return self.kind in ("jsonl_src", "jsonl_nosrc", "csv", "csv_nosrc")

    def can_hold(self, rec):
        """Whether rec fits this file without a second record of its key."""
        if self.kind in ("txt", "jsonl_noid"):
            return False
        if self.kind.startswith("csv"):
            if ("source" in rec) != ("source" in CSV_COLS[self.kind]):
                return False
        return all(not same_key(r, rec) for r in self.records)

    def data(self):
        if self.kind == "txt":
            r = self.records[0]
            out = r["title"] + "\n\n" + r["body"] + "\n"
        elif self.kind.startswith("jsonl"):
            out = "".join(json.dumps({k: r[k] for k in JSON_ORDER if k in r},
                                     ensure_ascii=False) + "\n"
                          for r in self.records)
        else:
            cols = CSV_COLS[self.kind]
            lines = [",".join(cols)]
            for r in self.records:
                lines.append(",".join(csv_field(r.get(c, "")) for c in cols))
            out = "\r\n".join(lines) + "\r\n" if self.records else ""
        b = out.encode("utf-8")
        return b if self.cut is None else b[:self.cut]


def csv_field(v):
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def same_key(r1, r2):
    return ("id" in r1 and "id" in r2 and r1["id"] == r2["id"]
            and r1.get("source") == r2.get("source"))


class Prop:
    def __init__(self, rng, root):
        self.rng = rng
        self.root = root
        self.files = {}             # relative path -> File
        self.next_id = 1
        self.next_name = 1
        self.clock = 0

    # ---- text --------------------------------------------------------
    def sentence(self):
        r = self.rng
        words = [r.choice(WORDS) for _ in range(r.randint(3, 7))]
        if r.random() < 0.5:
            words.insert(r.randint(0, len(words)), r.choice(NAMES))
        words.insert(r.randint(1, len(words)), r.choice(VERBS))
        if r.random() < 0.5:
            words += ["in", r.choice(PLACES)]
        s = " ".join(words)
        return s[0].upper() + s[1:] + "."

    def title(self):
        r = self.rng
        words = [r.choice(WORDS) for _ in range(r.randint(2, 4))]
        if r.random() < 0.5:
            words.insert(0, r.choice(NAMES + PLACES))
        s = " ".join(words)
        return s[0].upper() + s[1:]

    def body(self):
        r = self.rng
        paras = [" ".join(self.sentence() for _ in range(r.randint(1, 3)))
                 for _ in range(r.randint(1, 3))]
        return "\n\n".join(paras)

    def date(self):
        r = self.rng
        return "2018-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28))

    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return "n%d" % i

    def record(self, kind, rid=None, source=None):
        rec = {"title": self.title(), "body": self.body()}
        if kind in ("jsonl_src", "jsonl_nosrc", "jsonl_noid", "csv_nosrc"):
            rec["date"] = self.date()
        if kind in ("jsonl_src", "jsonl_nosrc", "csv", "csv_nosrc"):
            rec["id"] = rid or self.new_id()
        if kind in ("jsonl_src", "csv"):
            rec["source"] = source or self.rng.choice(SOURCES)
        return rec

    def records(self, kind):
        if kind == "txt":
            return [self.record(kind)]
        return [self.record(kind) for _ in range(self.rng.randint(1, 4))]

    # ---- the tree ----------------------------------------------------
    def new_name(self, kind, folder):
        n = self.next_name
        self.next_name += 1
        # a random letter first, so that names sort in no fixed order
        return "%s/%s%d.%s" % (folder, self.rng.choice("cfkpx"), n, EXT[kind])

    def write(self, rel):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(self.files[rel].data())
        self.tick(rel)

    def tick(self, rel):
        # a modification time of its own for every write: never the size
        # and time a file had before
        self.clock += 1
        t = (1500000000 + self.clock) * 1000000000 + self.clock % 997
        os.utime(os.path.join(self.root, rel), ns=(t, t))

    def pick(self, pred=lambda f: True):
        c = sorted(p for p, f in self.files.items() if pred(f))
        return self.rng.choice(c) if c else None

    def place(self, rec, exclude):
        """A file that can hold rec (not exclude), or a new one."""
        r = self.rng
        c = sorted(p for p, f in self.files.items()
                   if p != exclude and f.can_hold(rec))
        if c and r.random() < 0.6:
            rel = r.choice(c)
            f = self.files[rel]
            f.cut = None
            f.records.insert(r.randint(0, len(f.records)), rec)
            self.write(rel)
            return "into %s" % rel
        kind = "jsonl_src" if "source" in rec else "jsonl_nosrc"
        if r.random() < 0.3:
            kind = "csv" if "source" in rec else "csv_nosrc"
            if kind == "csv_nosrc":
                rec.setdefault("date", self.date())
            else:
                rec.pop("date", None)
        rel = self.new_name(kind, r.choice(FOLDERS))
        self.files[rel] = File(kind, [rec])
        self.write(rel)
        return "into new %s" % rel

    # ---- operations: each returns a description, or None when it
    # ---- does not apply to the tree as it is ------------------------
    def op_add_file(self):
        kind = self.rng.choice(KINDS)
        rel = self.new_name(kind, self.rng.choice(FOLDERS))
        self.files[rel] = File(kind, self.records(kind))
        self.write(rel)
        return "add %s (%d records)" % (rel, len(self.files[rel].records))

    def op_edit_body(self):
        rel = self.pick(lambda f: f.records)
        if not rel:
            return None
        f = self.files[rel]
        f.cut = None
        i = self.rng.randrange(len(f.records))
        f.records[i]["body"] = self.body()
        self.write(rel)
        return "edit body of record %d of %s" % (i + 1, rel)

    def op_add_record(self):
        rel = self.pick(lambda f: f.kind != "txt")
        if not rel:
            return None
        f = self.files[rel]
        f.cut = None
        i = self.rng.randint(0, len(f.records))
        f.records.insert(i, self.record(f.kind))
        self.write(rel)
        return "add a record at %d to %s" % (i + 1, rel)

    def op_remove_record(self):
        rel = self.pick(lambda f: f.kind != "txt" and f.records)
        if not rel:
            return None
        f = self.files[rel]
        f.cut = None
        i = self.rng.randrange(len(f.records))
        del f.records[i]
        self.write(rel)
        return "remove record %d of %s (%d left)" % (i + 1, rel, len(f.records))

    def op_delete_file(self):
        rel = self.pick()
        # The last file stays: --prune refuses a folder that holds no file
        # (an empty mount?) and keeps its articles, by design.
        if not rel or len(self.files) <= 1:
            return None
        os.unlink(os.path.join(self.root, rel))
        del self.files[rel]
        return "delete %s" % rel

    def _rename(self, rel, folder):
        f = self.files.pop(rel)
        new = self.new_name(f.kind, folder)
        os.makedirs(os.path.dirname(os.path.join(self.root, new)), exist_ok=True)
        os.rename(os.path.join(self.root, rel), os.path.join(self.root, new))
        self.files[new] = f
        return new

    def op_rename(self):
        rel = self.pick()
        if not rel:
            return None
        return "rename %s -> %s" % (rel, self._rename(rel, os.path.dirname(rel)))

    def op_move(self):
        rel = self.pick()
        if not rel:
            return None
        folder = self.rng.choice([d for d in FOLDERS if d != os.path.dirname(rel)])
        return "move %s -> %s" % (rel, self._rename(rel, folder))

    def op_copy_file(self):
        rel = self.pick()
        if not rel:
            return None
        f = self.files[rel]
        new = self.new_name(f.kind, self.rng.choice(FOLDERS))
        g = File(f.kind, [dict(r) for r in f.records])
        g.cut = f.cut
        self.files[new] = g
        self.write(new)
        return "copy %s -> %s" % (rel, new)

    def _dup(self, pred, what, change_source=False):
        c = sorted((p, i) for p, f in self.files.items() if f.cut is None
                   for i, r in enumerate(f.records) if pred(r))
        if not c:
            return None
        rel, i = self.rng.choice(c)
        old = self.files[rel].records[i]
        src = old.get("source")
        if change_source:
            src = self.rng.choice([s for s in SOURCES if s != src])
        rec = {"id": old["id"], "title": self.title(), "body": self.body(),
               "date": self.date()}
        if src:
            rec["source"] = src
        where = self.place(rec, rel)
        return "%s %s%s (of %s) %s" % (what, rec["id"],
                                      " source %s" % src if src else "", rel, where)

    def op_dup_same_source(self):
        return self._dup(lambda r: "source" in r, "same id, same source:")

    def op_dup_other_source(self):
        return self._dup(lambda r: "source" in r, "same id, other source:", True)

    def op_dup_no_source(self):
        return self._dup(lambda r: "id" in r and "source" not in r,
                         "same id, no source:")

    def op_empty(self):
        rel = self.pick(lambda f: f.cut != 0)
        if not rel:
            return None
        self.files[rel].cut = 0
        self.write(rel)
        return "empty %s" % rel

    def op_truncate(self):
        rel = self.pick(lambda f: len(f.data()) > 2)
        if not rel:
            return None
        f = self.files[rel]
        data = f.data()
        starts = [0] + [i + 1 for i, b in enumerate(data[:-1]) if b == 10]
        s = self.rng.choice(starts)
        e = data.find(b"\n", s)
        e = len(data) if e < 0 else e
        if e - s < 2:
            s, e = 0, len(data)
        cut = self.rng.randint(s + 1, e - 1)
        # a cut in the middle of a UTF-8 sequence is fine too (the
        # vocabulary is ASCII anyway)
        f.cut = cut
        self.write(rel)
        return "truncate %s at byte %d of %d" % (rel, cut, len(data))

    def op_replace_feed(self):
        rel = self.pick()
        if not rel:
            return None
        f = self.files[rel]
        f.cut = None
        f.records = self.records(f.kind)
        self.write(rel)
        return "replace the feed %s (%d new records)" % (rel, len(f.records))

    def op_touch(self):
        rel = self.pick()
        if not rel:
            return None
        self.tick(rel)
        return "touch %s" % rel

    OPS = [("add_file", 10), ("edit_body", 12), ("add_record", 8),
           ("remove_record", 7), ("delete_file", 5), ("rename", 5),
           ("move", 5), ("copy_file", 3), ("dup_same_source", 7),
           ("dup_other_source", 5), ("dup_no_source", 4), ("empty", 3),
           ("truncate", 4), ("replace_feed", 4), ("touch", 4)]

    def step(self, only=None):
        """Applies one random operation (of those named in only, when
        given); returns (name, description)."""
        n = len(self.files)
        ops = [(o, w) for o, w in self.OPS if not only or o in only]
        names = [o for o, _ in ops]
        weights = []
        for o, w in ops:
            if o == "add_file":
                w = 40 if n < 4 else 2 if n > 14 else w
            if o == "delete_file" and n > 14:
                w *= 4
            weights.append(w)
        for _ in range(100):
            name = self.rng.choices(names, weights)[0]
            desc = getattr(self, "op_" + name)()
            if desc:
                return name, desc
        return "add_file", self.op_add_file()   # none of them applies


def run(cmd):
    t = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.took.append(time.time() - t)
    return p.returncode, p.stderr.decode("utf-8", "replace")


run.took = []


def failed_files(err, root, files):
    """The files a run said it failed to read ("PATH: why (failed)")."""
    out = set()
    for line in err.splitlines():
        if line.endswith("(failed)"):
            for rel in files:
                if (os.path.join(root, rel) + ":") in line:
                    out.add(os.path.join(root, rel))
    return out


def rm_db(path):
    for s in ("", "-wal", "-shm", ".lock", "-journal"):
        if os.path.exists(path + s):
            os.unlink(path + s)


def main(argv):
    args = argv[1:]
    opts = {"--steps": 100, "--seed": None, "--ops": None}
    flags = set()
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in opts and i + 1 < len(args):
            v = args[i + 1]
            opts[a] = v if a == "--ops" else int(v)
            i += 2
            continue
        if a in ("--keep", "--keep-going", "--verbose", "--no-links",
                 "--strict-failed"):
            flags.add(a)
        elif a.startswith("-") or pos:
            sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
            return 2
        else:
            pos.append(a)
        i += 1
    if len(pos) != 1:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    bindir = pos[0]
    index = os.path.join(bindir, "morgue-index")
    if not os.access(index, os.X_OK):
        sys.stderr.write("incremental_prop: %s: not an executable\n" % index)
        return 2
    steps = opts["--steps"]
    seed = opts["--seed"]
    links = "--no-links" not in flags
    only = None
    if opts["--ops"]:
        known = [o for o, _ in Prop.OPS]
        want = opts["--ops"].split(",")
        bad = [o for o in want if o.lstrip("-") not in known]
        if bad:
            sys.stderr.write("incremental_prop: unknown operation %s (known: %s)\n"
                             % (", ".join(bad), ", ".join(known)))
            return 2
        if all(o.startswith("-") for o in want):
            only = set(known) - {o[1:] for o in want}
        else:
            only = {o for o in want if not o.startswith("-")}
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1 << 31)
    replay = "python3 %s %s --steps %d --seed %d%s%s --keep" % (
        os.path.relpath(os.path.abspath(__file__)), bindir, steps, seed,
        " --ops " + opts["--ops"] if opts["--ops"] else "",
        "".join(" " + f for f in sorted(flags)
                if f in ("--no-links", "--strict-failed")))

    tmp = os.path.realpath(tempfile.mkdtemp(prefix="morgue-prop-"))
    root = os.path.join(tmp, "archive")
    os.makedirs(root)
    inc = os.path.join(tmp, "inc.db")
    prop = Prop(random.Random(seed), root)
    history = []
    failures = {}                   # op name -> count
    status = 0
    try:
        for n in range(1, steps + 1):
            name, desc = prop.step(only)
            history.append("%4d %-16s %s" % (n, name, desc))
            if "--verbose" in flags:
                print(history[-1])
            fresh = os.path.join(tmp, "fresh-%d.db" % n)
            problems = []
            said = []
            failed = set()
            for label, cmd in (
                    ("incremental", [index, "--db", inc, "--quiet", "--prune",
                                     "--prune-max", "100", root]),
                    ("fresh", [index, "--db", fresh, "--quiet", root])):
                st, err = run(cmd)
                if st not in (0, 3):
                    problems.append("%s run exited %d: %s\n%s"
                                    % (label, st, " ".join(cmd), err.rstrip()))
                elif err.strip():
                    said.append("%s run (exit %d) said:\n  %s"
                                % (label, st, err.strip().replace("\n", "\n  ")))
                failed |= failed_files(err, root, prop.files)
            lines = []
            if not problems:
                a = index_diff.snapshot(inc, links)
                b = index_diff.snapshot(fresh, links)
                if "--strict-failed" not in flags:
                    a, b, _ = index_diff.without_paths(a, b, failed)
                lines = index_diff.diff(a, b, ("incremental", "fresh"), 5)
            if lines:
                lines += said
            if problems or lines:
                failures[name] = failures.get(name, 0) + 1
                print("MISMATCH at step %d (%s), seed %d" % (n, name, seed))
                if "--keep-going" in flags:
                    print("  " + history[-1].strip())
                    for ln in problems + lines:
                        print("  " + ln.replace("\n", "\n  "))
                    # go on from the right index
                    rm_db(inc)
                    if os.path.exists(fresh):
                        db = sqlite3.connect(fresh)
                        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                        db.close()
                        shutil.copy(fresh, inc)
                    rm_db(fresh)
                    continue
                print("operations:")
                for h in history:
                    print(h)
                print("replay: %s" % replay)
                for ln in problems + lines:
                    print(ln)
                if "--keep" in flags:
                    print("kept: %s (fresh index %s)" % (tmp, fresh))
                status = 1
                return status
            rm_db(fresh)
        if failures:
            print("%d of %d steps mismatched (seed %d): %s" % (
                sum(failures.values()), steps, seed,
                ", ".join("%s %d" % kv for kv in sorted(failures.items()))))
            print("replay: %s" % replay)
            status = 1
            return status
        print("incremental == rebuild after %d steps (seed %d)" % (steps, seed))
        return 0
    finally:
        if "--keep" in flags:
            if status == 0:
                print("kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
