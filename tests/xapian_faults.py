#!/usr/bin/env python3
"""xapian_faults.py - morgue-serve --cluster under shard faults, and its
keep-alive of idle shard connections.

usage: python3 tests/xapian_faults.py BINDIR [--keep]

corpus/ into 3 Xapian shards (morgue-index --engine xapian --shards 3),
each served by xapian-tcpsrv on 127.0.0.1 (setsid, free ports, killed by
process group), shard 1 by two (two replicas of one directory).  Each
morgue-serve here runs with --query-timeout 1 (T).  While a client loop
queries morgue-serve, one after the other, and a second loop polls
/healthz:

- keep-alive: with --keep-alive 0.5 the shard connections of an idle
  morgue-serve outlive xapian-tcpsrv --idle-timeout 1500 (the same
  connections, by their local ports, 3 s later); with --keep-alive 0 they
  are closed by the shards, and the next search still answers in full
  (it reconnects).
- with a second replica of shard 1 (--on-shard-failure fail): replica A
  SIGKILLed mid-run, then restarted and replica B killed, then a silent
  replica (a listening socket that reads nothing) listed before B: every
  query answers 200 with the healthy cluster's ids and total.
- shard 1 with one replica: SIGKILLed mid-run, fail answers 503 naming
  shard 1 and partial 200 with "partial": true and missing_shards [shard
  1]; a silent socket as shard 1, the same; then shard 1 restarted: both
  answer in full again within 5 s.
- every query's wall time is at most T + 10 %, and /healthz answered 200
  throughout, each within T.

It prints the slowest query of each part; it skips (exit 0, one line)
without xapian-tcpsrv or a morgue-index built with Xapian.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xcluster  # noqa: E402

NAME = "xapian_faults"
T = 1.0  # --query-timeout of every morgue-serve here
BOUND = T * 1.1
QUERIES = ["oil", "grain", '"crude oil"', "title:wheat", "opec prices",
           "coffee -brazil", "said"]

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}")
        if detail:
            for line in str(detail).splitlines()[:20]:
                print(f"       {line}")


def search(port, q):
    """(status, JSON or None, seconds) of /api/search?q=q."""
    t0 = time.monotonic()
    st, body = xcluster.http_get(
        port, "/api/search?" + urllib.parse.urlencode({"q": q}), 10.0)
    return st, xcluster.json_or_none(body), time.monotonic() - t0


def answer(d):
    """What must not change under faults: the total and the ids."""
    return (d["total"], tuple(h["id"] for h in d["hits"])) if d else None


class Loop:
    """Queries port one after the other (QUERIES in turn) and polls its
    /healthz, each in a thread of its own, until stop()."""

    def __init__(self, port):
        self.port = port
        self.results = []  # (query, status, json, seconds)
        self.health = []  # (status, seconds)
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.query_loop),
                        threading.Thread(target=self.health_loop)]
        for t in self.threads:
            t.start()

    def query_loop(self):
        i = 0
        while not self.done.is_set():
            q = QUERIES[i % len(QUERIES)]
            st, d, s = search(self.port, q)
            self.results.append((q, st, d, s))
            i += 1

    def health_loop(self):
        while not self.done.is_set():
            t0 = time.monotonic()
            st, _ = xcluster.http_get(self.port, "/healthz", 5.0)
            self.health.append((st, time.monotonic() - t0))
            time.sleep(0.05)

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join()
        return self.results

    def report(self, name, accept):
        """Checks every result with accept(query, status, json) -> error or
        None, the bound on every query's time, and /healthz."""
        res = self.stop()
        bad = [f"{q}: {accept(q, st, d)}" for q, st, d, s in res
               if accept(q, st, d)]
        slow = max((s for *_, s in res), default=0.0)
        check(f"{name}: {len(res)} queries as documented", res and not bad,
              "\n".join(bad[:5]))
        check(f"{name}: every query within T + 10 % (slowest {slow:.3f} s)",
              slow <= BOUND,
              "\n".join(f"{q}: {s:.3f} s" for q, _, _, s in res
                        if s > BOUND))
        hs = [h for h in self.health]
        hbad = [h for h in hs if h[0] != 200 or h[1] > T]
        check(f"{name}: /healthz 200 throughout ({len(hs)} polls, slowest "
              f"{max((h[1] for h in hs), default=0):.3f} s)",
              hs and not hbad, f"{hbad[:5]}")
        return slow


def established(ports):
    """The local ports of the ESTABLISHED connections to 127.0.0.1:ports
    (from /proc/net/tcp: the client side, remote port among ports)."""
    want = {f"{p:04X}" for p in ports}
    out = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            loc, rem, state = cols[1], cols[2], cols[3]
            if state == "01" and rem.split(":")[1] in want:
                out.add(int(loc.split(":")[1], 16))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    bindir = os.path.abspath(a.bindir)
    t0 = time.monotonic()
    with xcluster.workdir("faults", a.keep) as (tmp, procs):
        xcluster.skip_unless_xapian(NAME, bindir, tmp)
        try:
            run(bindir, tmp, procs)
        except RuntimeError as e:
            check("the servers start", False, str(e))
    print(f"info - {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run(bindir, tmp, procs):
    x3 = os.path.join(tmp, "x3")
    p = subprocess.run([f"{bindir}/morgue-index", "--quiet", "--engine",
                        "xapian", "--shards", "3", "--db", x3, "corpus/"],
                       capture_output=True, text=True)
    check("corpus/ into 3 shards", p.returncode in (0, 3), p.stderr)
    shard = [os.path.join(x3, f"shard-{i}") for i in range(3)]
    keep_alive(bindir, tmp, procs, shard)

    P0, P1A, P1B, P2 = (xcluster.free_port() for _ in range(4))
    g0 = procs.tcpsrv(P0, shard[0])
    g1a = procs.tcpsrv(P1A, shard[1])
    g1b = procs.tcpsrv(P1B, shard[1])
    procs.tcpsrv(P2, shard[2])
    del g0
    r = lambda p: f"127.0.0.1:{p}"  # noqa: E731
    c2 = os.path.join(tmp, "c2.txt")
    xcluster.write_cluster(c2, [[r(P0)], [r(P1A), r(P1B)], [r(P2)]],
                           "shard 1 with two replicas")
    c1 = os.path.join(tmp, "c1.txt")
    xcluster.write_cluster(c1, [[r(P0)], [r(P1A)], [r(P2)]],
                           "one replica a shard")
    # --rate 0: the client loops ask faster than the 50 a second allowed
    common = ["--query-timeout", str(T), "--connect-timeout", "0.5",
              "--rate", "0", "--quiet"]
    _, s2 = procs.serve(bindir, "--cluster", c2, *common)
    _, s1f = procs.serve(bindir, "--cluster", c1, *common)
    _, s1p = procs.serve(bindir, "--cluster", c1, "--on-shard-failure",
                         "partial", *common)
    want = {}
    for q in QUERIES:
        st, d, _ = search(s2, q)
        want[q] = answer(d)
        check(f"healthy cluster: '{q}' answers ({want[q] and want[q][0]})",
              st == 200 and d and d["total"] > 0, f"{st} {d}")

    def full(q, st, d):
        if st != 200 or not d or d.get("partial"):
            return f"{st} {str(d)[:300]}"
        return None if answer(d) == want[q] else f"{answer(d)} != {want[q]}"

    slowest = {}
    # a second replica: killed, restarted, a sibling killed, a silent one
    loop = Loop(s2)
    time.sleep(0.3)
    procs.kill(g1a)
    time.sleep(1.5)
    slowest["replica killed"] = loop.report(
        "2 replicas, replica A SIGKILLed mid-run (fail)", full)
    g1a = procs.tcpsrv(P1A, shard[1])
    loop = Loop(s2)
    time.sleep(1.2)  # A back after its pause (retry_after 1 s)
    procs.kill(g1b)
    time.sleep(1.5)
    slowest["replica restarted"] = loop.report(
        "2 replicas, A restarted and B SIGKILLed (fail)", full)
    g1b = procs.tcpsrv(P1B, shard[1])
    PS = xcluster.free_port()
    gs = procs.silent(PS)
    cs2 = os.path.join(tmp, "cs2.txt")
    xcluster.write_cluster(cs2, [[r(P0)], [r(PS), r(P1B)], [r(P2)]],
                           "shard 1: a silent replica first, then B")
    pid, ss2 = procs.serve(bindir, "--cluster", cs2, *common)
    loop = Loop(ss2)
    time.sleep(3)
    slowest["silent replica"] = loop.report(
        "2 replicas, the first silent (fail)", full)
    procs.kill(pid, signal.SIGTERM)

    # one replica a shard: fail and partial
    def failed_1(q, st, d):
        if st == 503 and d and "shard 1" in d.get("error", ""):
            return None
        return f"want 503 naming shard 1: {st} {str(d)[:300]}"

    def partial_1(q, st, d):
        if st != 200 or not d or d.get("partial") is not True:
            return f"want 200, partial: {st} {str(d)[:300]}"
        miss = [m["shard"] for m in d.get("missing_shards", [])]
        if miss != [1] or d["total"] > want[q][0]:
            return f"missing {miss}, total {d['total']} > {want[q][0]}"
        return None

    def either(good):
        """good once shard 1 is down; the whole answer before."""
        return lambda q, st, d: (full(q, st, d) and good(q, st, d))

    for port, name, good in ((s1f, "fail", failed_1),
                             (s1p, "partial", partial_1)):
        loop = Loop(port)
        time.sleep(0.3)
        if name == "fail":
            procs.kill(g1a)
        time.sleep(1.5)
        # the queries after the kill must be failed_1/partial_1 ones
        slowest[f"shard down, {name}"] = loop.report(
            f"1 replica, shard 1 {'SIGKILLed mid-run' if name == 'fail' else 'down'} ({name})",
            either(good))
        st, d, _ = search(port, "oil")
        check(f"1 replica, shard 1 down ({name}): documented answer",
              good("oil", st, d) is None, good("oil", st, d))
    # a silent shard 1, alone
    cs1 = os.path.join(tmp, "cs1.txt")
    xcluster.write_cluster(cs1, [[r(P0)], [r(PS)], [r(P2)]],
                           "shard 1: a silent socket")
    pf, sf = procs.serve(bindir, "--cluster", cs1, *common)
    pp, sp = procs.serve(bindir, "--cluster", cs1, "--on-shard-failure",
                         "partial", *common)
    for port, name, good in ((sf, "fail", failed_1),
                             (sp, "partial", partial_1)):
        loop = Loop(port)
        time.sleep(2.5)
        slowest[f"silent shard, {name}"] = loop.report(
            f"1 replica, shard 1 silent ({name})", good)
    procs.kill(pf, signal.SIGTERM)
    procs.kill(pp, signal.SIGTERM)
    procs.kill(gs)

    # shard 1 back: the whole answer again
    procs.tcpsrv(P1A, shard[1])
    for port, name in ((s1f, "fail"), (s1p, "partial")):
        end = time.monotonic() + 5
        while True:
            st, d, _ = search(port, "oil")
            if full("oil", st, d) is None or time.monotonic() > end:
                break
            time.sleep(0.2)
        check(f"shard 1 back ({name}): the whole answer within 5 s",
              full("oil", st, d) is None, full("oil", st, d))
    for k, v in slowest.items():
        print(f"info - slowest query, {k}: {v:.3f} s (T = {T} s)")
    reports = procs.stop_serves()
    check("every morgue-serve stopped by SIGTERM; no sanitizer report",
          not reports, reports)


def keep_alive(bindir, tmp, procs, shard):
    """Idle shard connections: kept by --keep-alive, closed without."""
    ports = [xcluster.free_port() for _ in range(3)]
    groups = [procs.tcpsrv(p, d, "--idle-timeout", "1500")
              for p, d in zip(ports, shard)]
    c = os.path.join(tmp, "ka.txt")
    xcluster.write_cluster(c, [[f"127.0.0.1:{p}"] for p in ports],
                           "tcpsrv --idle-timeout 1500")
    for ka in ("0.5", "0"):
        pid, port = procs.serve(bindir, "--cluster", c, "--keep-alive", ka,
                                "--threads", "1", "--quiet")
        st, d, _ = search(port, "oil")
        before = established(ports)
        time.sleep(3)
        after = established(ports)
        st2, d2, _ = search(port, "oil")
        if ka != "0":
            check(f"--keep-alive {ka}: the {len(before)} shard connections "
                  "outlive tcpsrv's 1.5 s idle timeout (3 s idle)",
                  st == 200 and len(before) >= 3 and after == before,
                  f"{st} before {sorted(before)} after {sorted(after)}")
        else:
            check("--keep-alive 0: tcpsrv closes them after 1.5 s idle",
                  len(before) >= 3 and not (after & before),
                  f"before {sorted(before)} after {sorted(after)}")
            check("--keep-alive 0: the next search reconnects and answers "
                  "in full", st2 == 200 and answer(d2) == answer(d),
                  f"{st2} {str(d2)[:300]}")
        procs.kill(pid, signal.SIGTERM)
    for g in groups:
        procs.kill(g)


if __name__ == "__main__":
    sys.exit(main())
