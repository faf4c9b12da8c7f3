#!/usr/bin/env python3
"""soak.py - morgue-serve under hostile clients (make soak).

Indexes the given folders into a temporary index, starts morgue-serve on
127.0.0.1 (a free port, its default limits unless SERVE_ARGS says
otherwise), and for SECONDS runs at once:

  slowloris  CROWD connections that send a request line and then a header
             line a second, never ending their headers, reconnecting when
             closed: MANY_ADDRS of them spread over 127.0.0.2-250, the
             rest from 127.0.0.251 alone;
  prefix     PREFIX_CLIENTS clients from 127.0.1.1-8, each asking for
             prefix searches ("sai* OR yea* OR com*") one after another;
  params     PARAM_CLIENTS clients from 127.0.2.1-4 sending requests over
             the limits: 930 and 40,000 parameters, 100 header fields, a
             60 KB header field; each must get a JSON error (400, 414,
             431; 429 or 503 when over a limit), never an HTML page or an
             empty answer;

while a well-behaved client (tests/flood_probe.py, from 127.0.0.1) asks
every 100 ms for /healthz, a search for "oil prices" and a too-short
prefix on a new connection each.  Passes when its p99 is under 1 s for
each kind and it got no error (a wrong status or no answer within 5 s),
and the server exits 0 on SIGTERM.  Prints the figures, one line each.
Exit status: 0 passed, 1 failed, 2 usage.

usage: soak.py BINDIR FOLDER... [--seconds N] [--crowd N] [--serve-args ARGS]
Standard library only.
"""
import argparse
import asyncio
import os
import re
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

PREFIX_QUERIES = [
    "sai%2A+OR+yea%2A+OR+com%2A",
    "com%2A+mar%2A+pri%2A",
    "pre%2A+OR+gov%2A",
    "tra%2A+exp%2A",
]


class Tally:
    """Counts by name; prints them sorted."""

    def __init__(self):
        self.n = {}

    def add(self, key, k=1):
        self.n[key] = self.n.get(key, 0) + k

    def __str__(self):
        return ",".join("%s:%d" % (k, v) for k, v in sorted(self.n.items()))


async def http_get(src, port, target, headers=b"", timeout=30.0):
    """(status, body) of one GET with Connection: close from address
    src; status 0 and the reason as body when there is no answer."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0)),
            timeout)
    except (OSError, asyncio.TimeoutError) as e:
        return 0, ("connect: %s" % e).encode()
    try:
        writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers +
                     b"Connection: close\r\n\r\n")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        return 0, ("read: %s" % e).encode()
    finally:
        writer.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
    if not m:
        return 0, data[:80] or b"(empty answer)"
    return int(m.group(1)), data[data.find(b"\r\n\r\n") + 4:]


async def slowloris(src, port, stop, t):
    """One slow client: a request line, then a header line a second,
    never the end; again when the server closes it."""
    n = 0
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            t.add("connect-failed")
            await asyncio.sleep(0.5)
            continue
        t.add("opened")
        try:
            writer.write(b"GET /api/search?q=oil HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            while not stop.is_set():
                n += 1
                writer.write(b"X-Slow-%d: %d\r\n" % (n, n))
                await writer.drain()
                try:
                    got = await asyncio.wait_for(reader.read(1024), 1.0)
                except asyncio.TimeoutError:
                    continue
                if not got:
                    t.add("closed-by-server")
                    break
                t.add("answered")  # not expected: headers never end
                break
        except OSError:
            t.add("closed-by-server")
        finally:
            writer.close()
        await asyncio.sleep(0.3)


async def prefix_client(i, src, port, stop, t, lat):
    k = i
    while not stop.is_set():
        q = PREFIX_QUERIES[k % len(PREFIX_QUERIES)]
        k += 1
        t0 = time.monotonic()
        st, _ = await http_get(src, port, b"/api/search?limit=20&q=" +
                               q.encode())
        lat.append(time.monotonic() - t0)
        t.add(str(st) if st else "no-answer")
        if st in (0, 429, 503):
            await asyncio.sleep(0.2)


PARAM_CASES = [
    # (name, target, headers, the status wanted besides 429/503)
    ("930-params",
     b"/api/search?q=oil&" + b"&".join(b"p%d=1" % i for i in range(930)),
     b"", 400),
    ("40000-params",
     b"/api/search?q=oil&" + b"&".join(b"a" for _ in range(40000)), b"", 414),
    ("100-headers", b"/healthz",
     b"".join(b"X-H%d: 1\r\n" % i for i in range(100)), 431),
    ("60KB-header", b"/healthz", b"X-Big: " + b"a" * 60000 + b"\r\n", 431),
]


async def param_client(i, src, port, stop, t, bad):
    k = i
    while not stop.is_set():
        name, target, headers, want = PARAM_CASES[k % len(PARAM_CASES)]
        k += 1
        st, body = await http_get(src, port, target, headers)
        json_ok = body.startswith(b"{") and b'"error"' in body
        if st in (want, 429, 503) and json_ok:
            t.add("%s:%d" % (name, st))
        else:
            t.add("%s:BAD" % name)
            bad.append("%s: %s %r" % (name, st, body[:80]))
        if st in (429, 503):
            await asyncio.sleep(0.5)


async def sample(pid, stop, peak):
    """The server's peak threads and resident memory, twice a second."""
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                st = f.read()
            peak["threads"] = max(peak.get("threads", 0), int(
                re.search(r"Threads:\s+(\d+)", st).group(1)))
            peak["rss_mb"] = max(peak.get("rss_mb", 0), int(
                re.search(r"VmRSS:\s+(\d+)", st).group(1)) // 1024)
        except (OSError, AttributeError):
            pass
        await asyncio.sleep(0.5)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else 0.0


async def attack(port, pid, args, probe_cmd, peak):
    stop = asyncio.Event()
    slow, pre, par = Tally(), Tally(), Tally()
    pre_lat, par_bad = [], []
    tasks = [asyncio.ensure_future(sample(pid, stop, peak))]
    many = min(args.many_addrs, args.crowd)
    for i in range(args.crowd):
        src = "127.0.0.%d" % (2 + i % 249) if i < many else "127.0.0.251"
        tasks.append(asyncio.ensure_future(slowloris(src, port, stop, slow)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # not all in one burst
    for i in range(args.prefix_clients):
        tasks.append(asyncio.ensure_future(prefix_client(
            i, "127.0.1.%d" % (1 + i % 8), port, stop, pre, pre_lat)))
    for i in range(args.param_clients):
        tasks.append(asyncio.ensure_future(param_client(
            i, "127.0.2.%d" % (1 + i % 4), port, stop, par, par_bad)))
    await asyncio.sleep(2.0)  # the crowd in place
    probe = await asyncio.create_subprocess_exec(
        *probe_cmd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await probe.communicate()
    stop.set()
    await asyncio.sleep(1.5)
    for tk in tasks:
        tk.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return out.decode(), probe.returncode, slow, pre, pre_lat, par, par_bad


def main():
    ap = argparse.ArgumentParser(description="morgue-serve soak test")
    ap.add_argument("bindir")
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--crowd", type=int, default=1100)
    ap.add_argument("--many-addrs", type=int, default=900,
                    help="slow connections spread over 127.0.0.2-250; "
                    "the rest from 127.0.0.251")
    ap.add_argument("--prefix-clients", type=int, default=32)
    ap.add_argument("--param-clients", type=int, default=4)
    ap.add_argument("--serve-args", default="")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.crowd + args.prefix_clients + args.param_clients + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    tmp = tempfile.mkdtemp(prefix="morgue-soak.")
    db = os.path.join(tmp, "m.db")
    t0 = time.monotonic()
    rc = subprocess.call([os.path.join(args.bindir, "morgue-index"), "--db",
                          db] + args.folders, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(tmp, "index.log"), "w"))
    if rc != 0:
        print("soak: FAIL - morgue-index exited %d (%s)" % (rc, tmp))
        return 1
    print("soak: indexed %s in %.0f s" % (" ".join(args.folders),
                                          time.monotonic() - t0))
    err = open(os.path.join(tmp, "serve.err"), "w+")
    server = subprocess.Popen(
        [os.path.join(args.bindir, "morgue-serve"), "--db", db, "--listen",
         "127.0.0.1:0", "--quiet"] + shlex.split(args.serve_args),
        stderr=err)
    port = None
    for _ in range(100):
        err.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", err.read())
        if m:
            port = int(m.group(1))
            break
        if server.poll() is not None:
            break
        time.sleep(0.1)
    if not port:
        err.seek(0)
        print("soak: FAIL - morgue-serve did not start: " + err.read())
        server.kill()
        return 1
    err.seek(0)
    print("soak: " + err.readline().strip().replace("morgue-serve: ", ""))
    print("soak: %d slow connections (%d over 127.0.0.2-250, the rest from "
          "127.0.0.251), %d prefix-search clients, %d over-limit clients, "
          "%.0f s" % (args.crowd, min(args.many_addrs, args.crowd),
                      args.prefix_clients, args.param_clients, args.seconds))
    probe_cmd = [sys.executable, os.path.join(HERE, "flood_probe.py"),
                 "127.0.0.1", str(port), str(args.seconds - 3.5), "0.1",
                 "5.0"]
    peak = {}
    out, prc, slow, pre, pre_lat, par, par_bad = asyncio.run(
        attack(port, server.pid, args, probe_cmd, peak))
    print("soak: server peak: %s threads, %s MB resident"
          % (peak.get("threads", "?"), peak.get("rss_mb", "?")))
    server.send_signal(signal.SIGTERM)
    try:
        src = server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
        src = -1

    failed = []
    for line in out.splitlines():
        print("soak: " + line)
        m = re.match(r"PROBE (\S+) n=(\d+) .*p99_ms=([\d.]+) .*failed=(\d+)",
                     line)
        if m:
            if float(m.group(3)) >= 1000:
                failed.append("%s: p99 %s ms (want < 1000)"
                              % (m.group(1), m.group(3)))
            if int(m.group(4)):
                failed.append("%s: %s errors" % (m.group(1), m.group(4)))
    if not re.search(r"^PROBE healthz", out, re.M):
        failed.append("the well-behaved client printed no figures")
    print("soak: slowloris %s" % slow)
    print("soak: prefix flood %s p50_ms=%.0f p99_ms=%.0f"
          % (pre, pct(pre_lat, 50) * 1e3, pct(pre_lat, 99) * 1e3))
    print("soak: over-limit requests %s" % par)
    for b in par_bad[:5]:
        print("soak:   not a JSON error: " + b)
    if par_bad:
        failed.append("%d over-limit requests without their JSON error"
                      % len(par_bad))
    if src != 0:
        failed.append("the server exited %d after SIGTERM" % src)
    err.seek(0)
    if re.search(r"Sanitizer|runtime error", err.read()):
        failed.append("a sanitizer report (%s)" % err.name)
    for f in failed:
        print("soak: FAIL - " + f)
    if failed:
        print("soak: kept %s" % tmp)
        return 1
    subprocess.call(["rm", "-rf", tmp])
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
