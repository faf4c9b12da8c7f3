#!/usr/bin/python3
"""xapian_index_check.py - the Xapian side of tests/xapian_index.sh.

  where FTS5_DB INDEX_DIR      each uid of the FTS5 index: in which database
                               of INDEX_DIR (one, or shard-K) it is, whether
                               that is mg_hash64(uid) % N, its title value
                               equal to the FTS5 title; prints a summary line
  shard INDEX_DIR UID          prints the shard holding UID ("-" when none)
  title INDEX_DIR UID          prints its title value ("-" when absent)
  revision INDEX_DIR           prints each shard's revision (its commits)
  meta INDEX_DIR [KEY]         prints each shard's metadata KEY (default
                               morgue:shard), one line per shard
  dupkeys INDEX_A INDEX_B      compares the near-duplicate cluster key
                               (value 9) of every article of A with B's;
                               prints a summary line

Needs python3-xapian (Debian's, /usr/bin/python3)."""
import os
import sqlite3
import sys

import xapian

SLOT_UID, SLOT_TITLE, SLOT_DUPKEY = 0, 5, 9


def fnv1a64(s):
    h = 1469598103934665603
    for b in s.encode():
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def shards(d):
    n = 0
    while os.path.isdir(os.path.join(d, "shard-%d" % n)):
        n += 1
    if n == 0:
        return [d]
    return [os.path.join(d, "shard-%d" % k) for k in range(n)]


def find(dbs, uid):
    """[(k, title)] of the databases holding uid (by its uid value)."""
    out = []
    term = "Q" + uid
    for k, db in enumerate(dbs):
        if len(term) > 240:
            raise SystemExit("long uid: not handled here")
        for p in db.postlist(term):
            doc = db.get_document(p.docid)
            if doc.get_value(SLOT_UID).decode() == uid:
                out.append((k, doc.get_value(SLOT_TITLE).decode()))
    return out


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    paths = shards(d)
    dbs = [xapian.Database(p) for p in paths]
    if cmd == "revision":
        for db in dbs:
            print(db.get_revision())
        return
    if cmd == "meta":
        key = sys.argv[3] if len(sys.argv) > 3 else "morgue:shard"
        for db in dbs:
            print(db.get_metadata(key).decode())
        return
    if cmd in ("shard", "title"):
        got = find(dbs, sys.argv[3])
        if cmd == "shard":
            print(got[0][0] if got else "-")
        else:
            print(got[0][1] if got else "-")
        return
    raise SystemExit(__doc__)


def where(fts_path, d):
    paths = shards(d)
    dbs = [xapian.Database(p) for p in paths]
    n = len(paths) if paths[0] != d else 0
    con = sqlite3.connect(fts_path)
    total = found = routed = titled = 0
    for uid, title in con.execute("SELECT uid, title FROM articles"):
        total += 1
        got = find(dbs, uid)
        if len(got) == 1:
            found += 1
            k, t = got[0]
            if n == 0 or k == fnv1a64(uid) % n:
                routed += 1
            if t == title:
                titled += 1
        elif got:
            print("in %d databases: %s" % (len(got), uid))
    docs = sum(db.get_doccount() for db in dbs)
    print("uids %d found %d routed %d titled %d docs %d" %
          (total, found, routed, titled, docs))


def keys_of(d):
    out = {}
    for p in shards(d):
        db = xapian.Database(p)
        for post in db.postlist(""):
            doc = db.get_document(post.docid)
            out[doc.get_value(SLOT_UID).decode()] = doc.get_value(SLOT_DUPKEY)
    return out


def dupkeys(a, b):
    ka, kb = keys_of(a), keys_of(b)
    same = sum(1 for u in ka if kb.get(u) == ka[u])
    clusters = {}
    for u, k in ka.items():
        clusters.setdefault(k, []).append(u)
    grouped = sum(len(v) for v in clusters.values() if len(v) > 1)
    print("articles %d same %d in-clusters %d" % (len(ka), same, grouped))


if __name__ == "__main__":
    if sys.argv[1] == "where":
        where(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "dupkeys":
        dupkeys(sys.argv[2], sys.argv[3])
    else:
        main()
