#!/usr/bin/python3
"""replication.py: what Xapian's replication costs, for docs/scale-out.md.

Runs with Debian's /usr/bin/python3 and its python3-xapian (1.4.22), and
the xapian-tools programs; every server it starts is on 127.0.0.1, in a
session of its own (setsid), and stopped by its process id.

usage: bench/replication.py --archive DIR [--base N] [--batches N,N,...]
                            [--work DIR] [--compact] [--readers]

  --archive DIR  the JSON Lines files of bench/gen-archive (id, title, body)
  --base N       articles in the master before any measurement (100000)
  --batches      sizes of the commits replicated as changesets (100,1000,10000)
  --work DIR     where the master and replica folders go (a new temporary
                 folder, removed at the end, by default)
  --readers      during each changeset's replication, two readers of the
                 replica (tests/replication_db.py reader: through
                 xapian-tcpsrv and on the folder) read in a loop; prints
                 how many reads saw the old state, the new, and anything
                 else (which would be a half-applied changeset or an error)
  --compact      xapian-compact the master after the build (as an operator
                 would before the first copy; a new UUID, so replicas
                 copied before need a full copy) and commit 10 more
                 articles (see the comment there), then measure

The master is indexed like bench/xapian_peer.py (TermGenerator, English
stemmer, positions; the article as the document's data), with
XAPIAN_MAX_CHANGESETS=100, in commits of 10,000 articles.  Then:

  full copy   xapian-replicate -o into an empty replica: wall time, the
              database's size, MB/s and seconds per GB;
  changeset   for each batch size N: N new articles committed on the
              master (one changeset file, its size), then xapian-replicate
              -o -r 0: wall time to fetch and apply it, MB/s;
  reopen      through xapian-tcpsrv on the replica: the time of
              Database.reopen() (one round trip) and of opening a new
              connection, median of 200.

Not morgue's term scheme: the next session measures again on a master
built by morgue-index --engine xapian.  Prints a Markdown table.
"""
import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["XAPIAN_MAX_CHANGESETS"] = "100"
import xapian  # noqa: E402  (after the environment it reads)

RDB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                   "replication_db.py")
sys.path.insert(0, os.path.dirname(RDB))
import replication_db as rdb  # noqa: E402


def articles(archive):
    for path in sorted(glob.glob(os.path.join(archive, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                yield json.loads(line)


def index(db, tg, art):
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text(art["title"])
    tg.increase_termpos()
    tg.index_text(art["body"])
    doc.set_data(json.dumps({"uid": art["id"], "title": art["title"],
                             "body": art["body"]}))
    key = "Q" + art["id"]
    doc.add_boolean_term(key)
    db.replace_document(key, doc)


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("replication.py: nothing listens on port %d" % port)


def replicate(port, replica, *opts):
    t = time.perf_counter()
    out = subprocess.run(["xapian-replicate", "-h", "127.0.0.1", "-p", str(port),
                          "-m", "master", "-o", "-v", "-r", "0", *opts, replica],
                         capture_output=True, text=True)
    took = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit("replication.py: xapian-replicate: " + out.stderr + out.stdout)
    summary = [l for l in out.stdout.splitlines() if l.startswith("Update complete")]
    return took, summary[0] if summary else out.stdout.strip()


def start_readers(work, sport, replica):
    """Two tests/replication_db.py readers of the replica (through
    xapian-tcpsrv and on the folder), reading in a loop, each in a session
    of its own; waits until each has read once."""
    stop = os.path.join(work, "stop")
    if os.path.exists(stop):
        os.unlink(stop)
    readers = []
    for name, spec in (("tcp", "tcp:127.0.0.1:%d" % sport), ("dir", replica)):
        out = os.path.join(work, "read-" + name)
        open(out, "w").close()
        readers.append((name, out, subprocess.Popen(
            ["setsid", sys.executable, RDB, "reader", spec, out, stop])))
    for name, out, _ in readers:
        while os.path.getsize(out) == 0:
            time.sleep(0.01)
    return readers


def stop_readers(work, readers, old_state, new_state):
    """Stops the readers (0.3 s after the replication) and says what they
    read: reads, how many of the old and the new state, anything else."""
    time.sleep(0.3)
    open(os.path.join(work, "stop"), "w").close()
    parts = []
    for name, out, proc in readers:
        proc.wait()
        old = new = other = 0
        with open(out) as f:
            for line in f:
                if line == "ok " + old_state + "\n":
                    old += 1
                elif line == "ok " + new_state + "\n":
                    new += 1
                else:
                    other += 1
                    sys.stderr.write("reader %s: %s" % (name, line))
        parts.append("%s %d old, %d new, %d other" % (name, old, new, other))
    return "; ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", required=True)
    ap.add_argument("--base", type=int, default=100000)
    ap.add_argument("--batches", default="100,1000,10000")
    ap.add_argument("--work")
    ap.add_argument("--compact", action="store_true")
    ap.add_argument("--readers", action="store_true")
    a = ap.parse_args()
    batches = [int(x) for x in a.batches.split(",")]
    work = a.work or tempfile.mkdtemp(prefix="morgue-replbench.")
    masters = os.path.join(work, "masters")
    master = os.path.join(masters, "master")
    replica = os.path.join(work, "replica")
    os.makedirs(masters, exist_ok=True)
    procs = []
    try:
        src = articles(a.archive)
        db = xapian.WritableDatabase(master, xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_stemmer(xapian.Stem("english"))
        t = time.perf_counter()
        for i in range(a.base):
            index(db, tg, next(src))
            if (i + 1) % 10000 == 0:
                db.commit()
        db.commit()
        build = time.perf_counter() - t
        size = du(master) - sum(os.path.getsize(p) for p in
                                glob.glob(os.path.join(master, "changes*")))
        print("# master: %d articles in %.1f s, %.1f MB (without changesets)"
              % (a.base, build, size / 1e6), flush=True)
        if a.compact:
            db.close()
            t = time.perf_counter()
            subprocess.run(["xapian-compact", master, master + ".compact"],
                           check=True, stdout=subprocess.DEVNULL)
            took = time.perf_counter() - t
            shutil.rmtree(master)
            os.rename(master + ".compact", master)
            print("# xapian-compact: %.1f s, %.1f MB" % (took, du(master) / 1e6),
                  flush=True)
            db = xapian.WritableDatabase(master, xapian.DB_OPEN)
            # Seen here (1.4.22): in this process, which wrote the master
            # before compacting it, the first commit after reopening the
            # compacted database wrote no changeset, so the replica's next
            # pass was a second full copy.  (A new process's first commit
            # writes one: tests/replication.sh.)  One commit first.
            for _ in range(10):
                index(db, tg, next(src))
            db.commit()

        rport, sport = free_port(), free_port()
        procs.append(subprocess.Popen(
            ["setsid", "xapian-replicate-server", "-I", "127.0.0.1",
             "-p", str(rport), masters], stdout=subprocess.DEVNULL))
        wait_port(rport)
        rows = []
        took, summary = replicate(rport, replica)
        rsize = du(replica)
        rows.append(("full copy", a.base, rsize, took, summary))
        procs.append(subprocess.Popen(
            ["setsid", "xapian-tcpsrv", "--quiet", "--interface", "127.0.0.1",
             "--port", str(sport), replica]))
        wait_port(sport)
        seen = []
        for n in batches:
            before = set(glob.glob(os.path.join(master, "changes*")))
            old_state = rdb.state(xapian.Database(master))
            for _ in range(n):
                index(db, tg, next(src))
            db.commit()
            new_state = rdb.state(xapian.Database(master))
            new = set(glob.glob(os.path.join(master, "changes*"))) - before
            csize = sum(os.path.getsize(p) for p in new)
            readers = start_readers(work, sport, replica) if a.readers else None
            took, summary = replicate(rport, replica)
            rows.append(("changeset", n, csize, took, summary))
            if readers:
                seen.append((n, stop_readers(work, readers, old_state, new_state)))

        print("| what | articles | MB sent | wall s | MB/s | s per GB | xapian-replicate says |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for what, n, nbytes, took, summary in rows:
            print("| %s | %d | %.1f | %.3f | %.0f | %.1f | %s |"
                  % (what, n, nbytes / 1e6, took, nbytes / 1e6 / took,
                     took / (nbytes / 1e9), summary.replace("Update complete: ", "")))

        for n, result in seen:
            print("# readers during the changeset of %d articles: %s" % (n, result))
        remote = xapian.remote_open("127.0.0.1", sport, 2000, 1000)
        reopen, connect, local = [], [], []
        for _ in range(200):
            t = time.perf_counter()
            remote.reopen()
            reopen.append(time.perf_counter() - t)
            t = time.perf_counter()
            xapian.remote_open("127.0.0.1", sport, 2000, 1000).close()
            connect.append(time.perf_counter() - t)
            t = time.perf_counter()
            xapian.Database(replica).close()
            local.append(time.perf_counter() - t)
        print("# through xapian-tcpsrv: reopen() %.3f ms, a new connection %.3f ms;"
              " opening the replica's folder locally %.3f ms (medians of 200)"
              % tuple(statistics.median(x) * 1e3 for x in (reopen, connect, local)))
        db.close()
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
