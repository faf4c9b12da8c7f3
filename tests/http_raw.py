#!/usr/bin/env python3
"""http_raw.py - raw HTTP for tests/limits.sh, from a chosen loopback
address (curl cannot bind one, and cannot send some of these requests).

  http_raw.py get PORT SRC TARGET [NPARAMS [NHEADERS [HEADERBYTES]]]
      One GET of TARGET from address SRC, with NPARAMS more parameters
      ("&p0=1&p1=1..."), NHEADERS more header fields and one header field
      of HEADERBYTES bytes; prints the status line, the headers and the
      body ("(no answer: REASON)" when there is none).
  http_raw.py hold PORT SRC N SECONDS
      Opens N connections from SRC that send a request line and then a
      header line a second, never ending their headers; prints "held K"
      once they are open (K: those the server took), then "closed K"
      after SECONDS: how many the server closed meanwhile.
  http_raw.py body PORT SRC METHOD SECONDS
      A METHOD request to /healthz announcing a body of 100,000 bytes,
      sent a byte every half second; prints "answered STATUS after N s"
      and "closed after N s", or "open after SECONDS s" when neither came.
Standard library only.
"""
import socket
import sys
import time


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def get(port, src, target, nparams=0, nheaders=0, header_bytes=0):
    if nparams:
        target += ("&" if "?" in target else "?") + "&".join(
            "p%d=1" % i for i in range(nparams))
    head = "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % target
    head += "".join("X-H%d: 1\r\n" % i for i in range(nheaders))
    if header_bytes:
        head += "X-Big: " + "a" * header_bytes + "\r\n"
    out = b""
    try:
        s = connect(port, src)
        s.sendall(head.encode() + b"\r\n")
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
        s.close()
    except OSError as e:
        if not out:
            print("(no answer: %s)" % e)
            return
    if not out:
        print("(no answer: closed)")
        return
    sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
    print()


def hold(port, src, n, secs):
    conns = []
    for _ in range(n):
        try:
            s = connect(port, src)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            conns.append(s)
        except OSError:
            pass
    time.sleep(0.3)  # the server's verdict on each
    alive = []
    for s in conns:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                continue  # closed at once
        except BlockingIOError:
            pass
        except OSError:
            continue
        alive.append(s)
    print("held %d" % len(alive), flush=True)
    closed = 0
    end = time.monotonic() + secs
    k = 0
    while alive and time.monotonic() < end:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        k += 1
        still = []
        for s in alive:
            try:
                s.send(b"X-Slow-%d: 1\r\n" % k)
                if s.recv(1) == b"":
                    closed += 1
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
                continue
            still.append(s)
        alive = still
    print("closed %d" % closed, flush=True)


def body(port, src, method, secs):
    s = connect(port, src)
    s.settimeout(0.1)
    s.sendall(b"%s /healthz HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: 100000\r\n\r\n" % method.encode())
    t0 = time.monotonic()
    got = b""
    while time.monotonic() - t0 < secs:
        try:
            s.send(b"a")
            d = s.recv(4096)
            if not d:
                break
            if not got:
                print("answered %s after %.1f s"
                      % (d.split(b" ")[1].decode(), time.monotonic() - t0))
            got += d
            continue
        except socket.timeout:
            pass
        except OSError:
            break
        time.sleep(0.5)
    else:
        print("open after %.0f s" % secs)
        return
    print("closed after %.1f s" % (time.monotonic() - t0))


def main(a):
    if len(a) >= 4 and a[0] == "get":
        nums = [int(x) for x in a[4:7]] + [0] * (3 - len(a[4:7]))
        get(int(a[1]), a[2], a[3], *nums)
        return 0
    if len(a) == 5 and a[0] == "body":
        body(int(a[1]), a[2], a[3], float(a[4]))
        return 0
    if len(a) == 5 and a[0] == "hold":
        hold(int(a[1]), a[2], int(a[3]), float(a[4]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
