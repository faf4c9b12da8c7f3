"""replication_db.py - the Xapian side of tests/replication.sh.

usage: replication_db.py COMMAND ...

  build DB FIRST N      add (or replace) articles FIRST..FIRST+N-1, one commit
  edit DB FIRST N       new text for articles FIRST..FIRST+N-1, one commit
  delete DB KEY...      delete the articles KEY... (a takedown), one commit
  state DB              one line: the state a reader sees (see state())
  digest DB             one line: the state and every article's key and text
  pinned DB CMD...      opens DB, prints its state, runs CMD (a replication),
                        prints the state again without reopening, then
                        reopens and prints it a third time
  reader DB OUT STOP    holds DB open until the file STOP exists, reading its
                        state in a loop the way morgue-serve will (reopen,
                        read; on DatabaseModifiedError reopen and read again;
                        when reopen fails because a full copy moved the
                        replica, open afresh); appends one line per read to
                        OUT: "ok STATE", "retry CLASS" (a handled error) or
                        "error CLASS: MESSAGE" (anything else)

DB is a database path or "tcp:HOST:PORT" (a xapian-tcpsrv, opened with
Xapian::Remote::open and a 2 s / 1 s timeout).  Writers honour
XAPIAN_MAX_CHANGESETS from the environment like any Xapian writer.

The articles are synthetic: article K has the unique term "QK" (its key),
value 0 = K zero-padded (the tie-break), and 40 words drawn from a fixed
vocabulary by a generator seeded with K and its edit count, so two runs
build the same database.  The metadata key "morgue:shard" is "0/1", as
morgue-index will record a shard's place.  Only for testing replication; the next session
builds the master with morgue-index --engine xapian instead.

Exit status: 0 done, 1 a Xapian error (message on stderr), 2 usage.
"""

import hashlib
import os
import random
import subprocess
import sys
import time

import xapian

WORDS = ("court ruling bank rates oil prices merger shares election vote "
         "minister budget strike union storm flood harvest wheat export "
         "import tariff grain coffee gold dollar yen mark bond yield").split()
QUERIES = [
    xapian.Query("oil"),
    xapian.Query(xapian.Query.OP_OR, [xapian.Query("bank"), xapian.Query("rates")]),
    xapian.Query(xapian.Query.OP_PHRASE, [xapian.Query("gold"), xapian.Query("dollar")]),
]


def open_db(spec):
    """A Xapian.Database for a path or tcp:HOST:PORT."""
    if spec.startswith("tcp:"):
        _, host, port = spec.split(":")
        return xapian.remote_open(host, int(port), 2000, 1000)
    return xapian.Database(spec)


def article(key, edit):
    """The document of article KEY at its EDIT-th version."""
    rng = random.Random(key * 1000 + edit)
    text = " ".join(rng.choice(WORDS) for _ in range(40))
    text += " article%d edit%d" % (key, edit)
    doc = xapian.Document()
    tg = xapian.TermGenerator()
    tg.set_document(doc)
    tg.index_text(text)
    doc.set_data(text)
    doc.add_value(0, "%010d" % key)
    doc.add_boolean_term("Q%d" % key)
    return doc


def write(path, keys, edit):
    db = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OPEN)
    # what morgue-index will record: which shard of how many this is
    db.set_metadata("morgue:shard", "0/1")
    for key in keys:
        db.replace_document("Q%d" % key, article(key, edit))
    db.commit()
    db.close()


def state(db):
    """What a search sees: doc count, last docid, and for each query the
    estimate and the top 10 (docid and weight)."""
    parts = ["docs=%d" % db.get_doccount(), "last=%d" % db.get_lastdocid(),
             "shard=%s" % (db.get_metadata("morgue:shard").decode() or "-")]
    enq = xapian.Enquire(db)
    enq.set_sort_by_relevance_then_value(0, False)
    for q in QUERIES:
        enq.set_query(q)
        mset = enq.get_mset(0, 10, db.get_doccount())
        top = ",".join("%d:%.9f" % (m.docid, m.weight) for m in mset)
        parts.append("%d[%s]" % (mset.get_matches_estimated(), top))
    return " ".join(parts)


def digest(db):
    """state() and a hash of every article's key and text."""
    h = hashlib.sha256()
    for t in db.allterms(b"Q"):
        pl = db.postlist(t.term)
        did = next(iter(pl)).docid
        h.update(t.term + b"\0" + db.get_document(did).get_data() + b"\0")
    return state(db) + " all=" + h.hexdigest()[:16]


def reader(spec, out, stop):
    db = open_db(spec)
    with open(out, "a") as log:
        while not os.path.exists(stop):
            try:
                db.reopen()
            except xapian.DatabaseNotFoundError:
                # A full copy went live: the stub now names another
                # directory, which reopen() does not read; open afresh.
                log.write("retry DatabaseNotFoundError\n")
                db = open_db(spec)
            for attempt in (1, 2):
                try:
                    log.write("ok " + state(db) + "\n")
                    break
                except xapian.DatabaseModifiedError:
                    log.write("retry DatabaseModifiedError\n")
                    db.reopen()
                except xapian.Error as e:
                    log.write("error %s: %s\n" % (type(e).__name__, e))
                    break
            log.flush()
            time.sleep(0.002)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, db = argv[1], argv[2]
    if cmd in ("build", "edit") and len(argv) == 5:
        first, n = int(argv[3]), int(argv[4])
        write(db, range(first, first + n), 1 if cmd == "edit" else 0)
    elif cmd == "delete" and len(argv) > 3:
        w = xapian.WritableDatabase(db, xapian.DB_OPEN)
        for key in argv[3:]:
            w.delete_document("Q" + key)
        w.commit()
        w.close()
    elif cmd == "state" and len(argv) == 3:
        print(state(open_db(db)))
    elif cmd == "digest" and len(argv) == 3:
        print(digest(open_db(db)))
    elif cmd == "pinned" and len(argv) > 3:
        d = open_db(db)
        print(state(d))
        sys.stdout.flush()
        if subprocess.run(argv[3:], stdout=subprocess.DEVNULL).returncode != 0:
            sys.stderr.write("replication_db.py: %s failed\n" % argv[3])
            return 1
        print(state(d))
        d.reopen()
        print(state(d))
    elif cmd == "reader" and len(argv) == 5:
        reader(db, argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except xapian.Error as e:
        sys.stderr.write("replication_db.py: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
