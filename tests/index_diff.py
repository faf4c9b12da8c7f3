#!/usr/bin/env python3
"""index_diff.py - compare what two morgue indexes hold.

usage: python3 tests/index_diff.py A.db B.db [C.db ...] [--limit N] [--no-links]

Two indexes are equal when they hold the same article keys
(articles.uid), the same stored text and metadata for each (every
column of `articles` in COLUMNS that the schema has: not the rowid,
file_id or the internal hash and simhash) and the same entities for
each ((kind, canonical name, mentions) through article_entities).
Rowids, segment layout and word statistics may differ.  Exit status 0
equal, 1 different (a readable diff of the first N articles on
stdout).  With more than two, A must equal one of the others (it
prints which; "never a mix").  --no-links leaves the entity links
out (the entities column, the text of the names, stays).  Used by tests/incremental_prop.py and
tests/kill_more.sh.
"""
import sqlite3
import sys

COLUMNS = ("uid", "title", "lede", "body", "captions", "highlights",
           "entities", "date", "source", "url", "byline", "section",
           "dateline", "language", "description", "path")


def snapshot(db_path, links=True):
    """{uid: (columns dict, sorted tuple of (kind, canonical, mentions))};
    links=False leaves the entity links out (an empty tuple each)."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        have = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
        cols = [c for c in COLUMNS if c in have]
        out = {}
        for row in db.execute("SELECT %s FROM articles" % ", ".join(cols)):
            rec = dict(zip(cols, row))
            out[rec["uid"]] = (rec, [])
        for uid, kind, canon, mentions in db.execute(
                "SELECT a.uid, e.kind, e.canonical, ae.mentions"
                " FROM article_entities ae"
                " JOIN articles a ON a.id = ae.article_id"
                " JOIN entities e ON e.id = ae.entity_id" if links else
                "SELECT 1, 2, 3, 4 WHERE 0"):
            if uid in out:
                out[uid][1].append((kind, canon, mentions))
        return {u: (c, tuple(sorted(e))) for u, (c, e) in out.items()}
    finally:
        db.close()


def _short(v, n=150):
    if v is None:
        return "NULL"
    s = repr(v)
    return s if len(s) <= n else s[:n - 3] + "..."


def _brief(rec):
    return "path=%s title=%s source=%s" % (_short(rec.get("path"), 80),
                                           _short(rec.get("title"), 60),
                                           _short(rec.get("source")))


def diff(a, b, names=("A", "B"), limit=5):
    """Lines describing how snapshot a differs from snapshot b; [] when
    they are equal."""
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    changed = sorted(u for u in set(a) & set(b) if a[u] != b[u])
    if not (only_a or only_b or changed):
        return []
    na, nb = names
    w = max(len(na), len(nb))
    lines = ["%d articles only in %s, %d only in %s, %d differ "
             "(%s: %d articles, %s: %d)" % (len(only_a), na, len(only_b), nb,
                                            len(changed), na, len(a), nb, len(b))]
    shown = 0
    for uid in sorted(only_a + only_b + changed):
        if shown >= limit:
            lines.append("... and %d more"
                         % (len(only_a) + len(only_b) + len(changed) - shown))
            break
        shown += 1
        if uid in only_a:
            lines.append("  %s: only in %s: %s" % (_short(uid), na, _brief(a[uid][0])))
        elif uid in only_b:
            lines.append("  %s: only in %s: %s" % (_short(uid), nb, _brief(b[uid][0])))
        else:
            lines.append("  %s: differs" % _short(uid))
            ca, ea = a[uid]
            cb, eb = b[uid]
            for col in ca:
                if ca[col] != cb.get(col):
                    lines.append("    %-11s %-*s %s" % (col, w, na + ":", _short(ca[col])))
                    lines.append("    %-11s %-*s %s" % ("", w, nb + ":", _short(cb.get(col))))
            if ea != eb:
                sa, sb = set(ea), set(eb)
                lines.append("    %-11s %-*s %s" % ("links", w, na + ":",
                                                    sorted(sa - sb) or "-"))
                lines.append("    %-11s %-*s %s" % ("", w, nb + ":",
                                                    sorted(sb - sa) or "-"))
    return lines


def without_paths(a, b, paths):
    """Snapshots a and b without the keys that an article from one of
    paths holds in either."""
    keys = {u for s in (a, b) for u, (c, _) in s.items() if c.get("path") in paths}
    return ({u: v for u, v in a.items() if u not in keys},
            {u: v for u, v in b.items() if u not in keys}, keys)


def compare(db_a, db_b, names=("A", "B"), limit=5, links=True):
    return diff(snapshot(db_a, links), snapshot(db_b, links), names, limit)


def main(argv):
    args = [x for x in argv[1:]]
    limit = 5
    if "--limit" in args:
        i = args.index("--limit")
        limit = int(args[i + 1])
        del args[i:i + 2]
    links = "--no-links" not in args
    args = [x for x in args if x != "--no-links"]
    if len(args) < 2:
        sys.stderr.write("usage: index_diff.py A.db B.db [C.db ...] [--limit N] [--no-links]\n")
        return 2
    a = snapshot(args[0], links)
    out = []
    for other in args[1:]:
        lines = diff(a, snapshot(other, links), (args[0], other), limit)
        if not lines:
            if len(args) > 2:
                print("%s = %s" % (args[0], other))
            return 0
        out += lines
    for ln in out:
        print(ln)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
