"""xcluster.py - what the Xapian cluster tests written in Python share.

Imported by tests/xapian_parity.py and tests/xapian_faults.py: free
ports of loopback, xapian-tcpsrv and morgue-serve started on them (each
xapian-tcpsrv in a session of its own, with setsid, so that a signal to
one reaches none of its siblings) and stopped by their own process ids,
and the skips (xapian-tcpsrv missing, morgue-index built without
Xapian) as one visible line.
"""
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def skip_unless_xapian(name, bindir, tmp):
    """Exits 0 with "NAME: skipped: ..." when xapian-tcpsrv is missing or
    morgue-index was built without the Xapian engine."""
    if not shutil.which("xapian-tcpsrv"):
        print(f"{name}: skipped: xapian-tcpsrv not installed")
        sys.exit(0)
    probe = subprocess.run(
        [f"{bindir}/morgue-index", "--engine", "xapian", "--db",
         os.path.join(tmp, "probe"), "corpus/seed"],
        capture_output=True, text=True)
    if "not built" in probe.stdout + probe.stderr:
        print(f"{name}: skipped: morgue-index was built without Xapian")
        sys.exit(0)
    shutil.rmtree(os.path.join(tmp, "probe"), ignore_errors=True)


def free_port():
    """A port of 127.0.0.1 free at the time of the call."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, wait=5.0):
    """True once something accepts on 127.0.0.1:port, False after wait s."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


class Procs:
    """The processes a test started, each in its own session; stop_all()
    (on exit) sends SIGKILL to every process group still there."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.groups = []
        self.serves = []

    def tcpsrv(self, port, db, *extra):
        """xapian-tcpsrv serving db on 127.0.0.1:port; its pid (the
        process group's id).  Raises RuntimeError when it did not start."""
        log = open(os.path.join(self.tmp, "tcpsrv.log"), "a")
        p = subprocess.Popen(
            ["xapian-tcpsrv", "--quiet", "--interface", "127.0.0.1", "--port",
             str(port), *extra, db],
            stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.groups.append(p.pid)
        if not wait_port(port):
            raise RuntimeError(f"xapian-tcpsrv on port {port} did not start")
        return p.pid

    def silent(self, port):
        """A listening socket on 127.0.0.1:port that accepts (the kernel's
        backlog) and never reads nor answers; its pid."""
        code = ("import socket,sys,time\n"
                "s=socket.socket()\n"
                "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                "s.bind(('127.0.0.1',int(sys.argv[1])))\n"
                "s.listen(64)\n"
                "time.sleep(3600)\n")
        p = subprocess.Popen([sys.executable, "-c", code, str(port)],
                             start_new_session=True)
        self.groups.append(p.pid)
        if not wait_port(port):
            raise RuntimeError(f"the silent socket on {port} did not start")
        return p.pid

    def serve(self, bindir, *args):
        """morgue-serve on a free port of loopback with args; (pid, port).
        Its stderr is added to TMP/serve.err.  Raises RuntimeError when it
        did not say where it listens within 10 s."""
        err = open(os.path.join(self.tmp, "serve.err"), "a+")
        start = err.tell()
        p = subprocess.Popen(
            [f"{bindir}/morgue-serve", "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        self.groups.append(p.pid)
        self.serves.append(p.pid)
        pat = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")
        for _ in range(100):
            err.seek(start)
            m = pat.search(err.read())
            if m:
                err.close()
                return p.pid, int(m.group(1))
            if p.poll() is not None:
                break
            time.sleep(0.1)
        err.seek(start)
        text = err.read()
        err.close()
        raise RuntimeError(f"morgue-serve {' '.join(args)} did not start: "
                           f"{text.strip()}")

    def kill(self, pid, sig=signal.SIGKILL):
        """Sends sig to the process group pid (started here); after SIGKILL
        or SIGTERM waits for pid's end (SIGKILL after 10 s of SIGTERM)."""
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        if sig not in (signal.SIGKILL, signal.SIGTERM):
            return
        end = time.monotonic() + 10
        try:
            while os.waitpid(pid, os.WNOHANG)[0] == 0:
                if time.monotonic() > end:
                    os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.02)
        except (ChildProcessError, ProcessLookupError):
            pass
        if pid in self.groups:
            self.groups.remove(pid)

    def stop_serves(self):
        """SIGTERM to every morgue-serve still running (so that a sanitizer
        build reports its leaks), then its end; the sanitizers' reports
        found in TMP/serve.err (empty when none)."""
        for pid in self.serves:
            if pid in self.groups:
                self.kill(pid, signal.SIGTERM)
        self.serves = []
        path = os.path.join(self.tmp, "serve.err")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            text = f.read()
        return "\n".join(line for line in text.splitlines() if re.search(
            r"AddressSanitizer|LeakSanitizer|runtime error:", line))

    def stop_all(self):
        for pid in list(self.groups):
            self.kill(pid)


@contextlib.contextmanager
def workdir(name, keep=False):
    """A temporary folder (morgue-NAME.* in $TMPDIR, else /tmp) and a Procs
    for it: on leaving, every process started is killed and the folder
    removed (kept, and said, with keep)."""
    tmp = tempfile.mkdtemp(prefix=f"morgue-{name}.",
                           dir=os.environ.get("TMPDIR", "/tmp"))
    procs = Procs(tmp)
    try:
        yield tmp, procs
    finally:
        procs.stop_all()
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def write_cluster(path, shards, comment="one line per shard"):
    """A cluster file: shards is a list of lists of replicas."""
    with open(path, "w") as f:
        f.write(f"# {comment}\n")
        for reps in shards:
            f.write(" ".join(reps) + "\n")


def http_get(port, path, timeout=10.0):
    """(status, body as text) of GET http://127.0.0.1:port/path; status 0
    and the error's text when no answer came."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                    timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (OSError, urllib.error.URLError) as e:
        return 0, str(e)


def json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None
