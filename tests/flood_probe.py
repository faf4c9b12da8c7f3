#!/usr/bin/env python3
"""flood_probe.py - the well-behaved client of tests/flood.sh.

Every INTERVAL seconds for SECONDS, on a new connection each:
  GET /healthz                         want 200
  GET /api/search?q=oil+prices         want 200
  GET /api/search?q=a%2A               want 400 (a prefix too short)
and each must answer within LIMIT seconds.  Prints per kind the count,
p50, p99 and max latency and the failures, one line each:

  PROBE healthz n=.. p50_ms=.. p99_ms=.. max_ms=.. failed=..

Exits 1 when any request failed (wrong status, slower than LIMIT, no
answer), else 0.  Standard library only.

usage: flood_probe.py HOST PORT [SECONDS [INTERVAL [LIMIT]]]
"""
import http.client
import sys
import time

PROBES = [
    ("healthz", "/healthz", 200),
    ("search", "/api/search?q=oil+prices", 200),
    ("short-prefix", "/api/search?q=a%2A", 400),
]


def fetch(host, port, path, timeout):
    """(status, seconds) of one GET on a new connection; status 0 on a
    socket error or a timeout."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        status = resp.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, time.monotonic() - t0


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return 0.0
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    host, port = argv[1], int(argv[2])
    secs = float(argv[3]) if len(argv) > 3 else 13.0
    interval = float(argv[4]) if len(argv) > 4 else 0.1
    limit = float(argv[5]) if len(argv) > 5 else 1.0
    times = {name: [] for name, _, _ in PROBES}
    failures = []
    end = time.monotonic() + secs
    tick = time.monotonic()
    while tick < end:
        for name, path, want in PROBES:
            status, took = fetch(host, port, path, 10.0)
            times[name].append(took)
            if status != want or took > limit:
                failures.append("%s: %s %.0f ms (want %d within %.0f ms)"
                                % (name, status or "no answer", took * 1e3,
                                   want, limit * 1e3))
        tick += interval
        now = time.monotonic()
        if tick > now:
            time.sleep(tick - now)
        else:
            tick = now  # late: no burst to catch up
    failed = {name: 0 for name in times}
    for f in failures:
        failed[f.split(":")[0]] += 1
    for name, _, _ in PROBES:
        ts = times[name]
        print("PROBE %s n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f failed=%d"
              % (name, len(ts), percentile(ts, 50) * 1e3,
                 percentile(ts, 99) * 1e3, max(ts) * 1e3 if ts else 0,
                 failed[name]))
    for f in failures[:10]:
        print("PROBE FAIL " + f)
    if len(failures) > 10:
        print("PROBE FAIL ... and %d more" % (len(failures) - 10))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
