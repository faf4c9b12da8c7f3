#!/usr/bin/env python3
"""scripts/http_api_examples.py - the examples of docs/http-api.md, from a
real run: indexes the repository's corpus/, starts morgue-serve over it on
a free port of loopback, sends each documented request and writes what the
server answered into the doc, between its markers.

  python3 scripts/http_api_examples.py BINDIR            # rewrite the doc
  python3 scripts/http_api_examples.py BINDIR --check    # compare only

Run from anywhere; it works in the repository the script is in.  --check
writes the doc it would make to a temporary file and fails (exit 1, with a
diff) when docs/http-api.md differs from it in anything but what changes
from run to run: took_ms, last_reindex and version.  tests/api.sh runs it
(make e2e), so an answer of the server that changes without its doc fails.

A marker in the doc is one line,

    <!-- example: METHOD PATH [-H 'Name: value']... [show=Name,...] [cut=KEY.KEY:N,...] -->

and everything from it to the next `<!-- /example -->` is written anew:
the curl command, the status, the headers named by show= (in the order
the server sent them), and the body as JSON, lists named by cut= kept to
their first N items and the rest shown as "...".  The server runs with
--cors https://news.example.org so the CORS headers can be shown.
Exit status: 0 done (or no difference), 1 the doc differs (--check), 2 a
usage error or the server could not be run.
"""
import difflib
import http.client
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = "docs/http-api.md"
SHOWN_HOST = "127.0.0.1:8080"  # the address the doc's commands show
CORS = "https://news.example.org"
WIDTH = 100  # a JSON value that fits on a line this long stays on one
BEGIN = re.compile(r"^<!-- example: (.*) -->$")
END = "<!-- /example -->"
# What changes from run to run, masked by --check.
VARIES = [
    (re.compile(r'"took_ms": [0-9.]+'), '"took_ms": N'),
    (re.compile(r'"last_reindex": "[^"]*"'), '"last_reindex": "T"'),
    (re.compile(r'"version": "[^"]*"'), '"version": "V"'),
]


class Cut(list):
    """A list shown with its first items only; more says how many not."""

    def __init__(self, items, more):
        super().__init__(items)
        self.more = more


def fmt(v, indent=0):
    """v as JSON, on one line when it fits, else one member a line."""
    flat = json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(v, (dict, list)):
        return flat
    pad = " " * (indent + 2)
    if isinstance(v, Cut):
        inner = [fmt(x, indent + 2) for x in v] + ["..."]
        if len(flat) + indent + 5 <= WIDTH:
            return "[" + ", ".join(inner) + "]"
        return "[\n" + ",\n".join(pad + s for s in inner[:-1]) + ",\n" + pad + "...\n" + " " * indent + "]"
    if len(flat) + indent <= WIDTH:
        return flat
    if isinstance(v, dict):
        items = [pad + json.dumps(k) + ": " + fmt(x, indent + 2) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    # a list: as many items on a line as fit
    lines, line = [], ""
    for x in v:
        s = fmt(x, indent + 2)
        if "\n" in s or (line and len(pad) + len(line) + len(s) + 2 > WIDTH):
            if line:
                lines.append(line)
            line = ""
        line = line + ", " + s if line else s
        if "\n" in s:
            lines.append(line)
            line = ""
    if line:
        lines.append(line)
    return "[\n" + ",\n".join(pad + s for s in lines) + "\n" + " " * indent + "]"


def cut(doc, spec):
    """Keeps the lists named in spec ("facets.person:1,...") short."""
    for item in filter(None, spec.split(",")):
        path, n = item.rsplit(":", 1)
        keys = path.split(".")
        parent = doc
        for k in keys[:-1]:
            parent = parent.get(k, {}) if isinstance(parent, dict) else {}
        lst = parent.get(keys[-1]) if isinstance(parent, dict) else None
        if isinstance(lst, list) and len(lst) > int(n):
            parent[keys[-1]] = Cut(lst[: int(n)], len(lst) - int(n))


def parse_marker(text):
    """(method, path, headers, show, cut) of a marker's text."""
    words = shlex.split(text)
    method, path = words[0], words[1]
    headers, show, cuts = [], [], ""
    i = 2
    while i < len(words):
        w = words[i]
        if w == "-H" and i + 1 < len(words):
            name, value = words[i + 1].split(":", 1)
            headers.append((name.strip(), value.strip()))
            i += 1
        elif w.startswith("show="):
            show = [s for s in w[5:].split(",") if s]
        elif w.startswith("cut="):
            cuts = w[4:]
        else:
            raise ValueError("unknown word %r in marker %r" % (w, text))
        i += 1
    return method, path, headers, show, cuts


def example(port, text):
    """The lines that replace a marker's block."""
    method, path, headers, show, cuts = parse_marker(text)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, headers=dict(headers))
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    cmd = "curl" + (" -i" if show else "")
    if method != "GET":
        cmd += " -X " + method
    for name, value in headers:
        cmd += " -H " + shlex.quote("%s: %s" % (name, value))
    cmd += " " + shlex.quote("http://%s%s" % (SHOWN_HOST, path))
    out = ["```sh", cmd, "```", ""]
    doc = json.loads(body) if body else None
    if doc is not None and cuts:
        cut(doc, cuts)
    if show:
        out.append("```http")
        out.append("HTTP/1.1 %d %s" % (resp.status, resp.reason))
        wanted = [s.lower() for s in show]
        for name, value in resp.getheaders():
            if name.lower() in wanted:
                out.append("%s: %s" % (name, value))
        if doc is not None:
            out += [""] + fmt(doc).split("\n")
        out.append("```")
    else:
        out += ["%d %s:" % (resp.status, resp.reason), ""]
        out += ["```json"] + fmt(doc).split("\n") + ["```"]
    return out


def start_server(bindir, tmp):
    """Indexes corpus/ into tmp and starts morgue-serve: (process, port)."""
    db = os.path.join(tmp, "corpus.db")
    subprocess.run([os.path.join(bindir, "morgue-index"), "--db", db, "--jobs", "1",
                    "corpus/"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    err = open(os.path.join(tmp, "serve.err"), "w+")
    proc = subprocess.Popen([os.path.join(bindir, "morgue-serve"), "--db", db, "--listen",
                             "127.0.0.1:0", "--threads", "1", "--quiet", "--cors", CORS],
                            cwd=ROOT, stderr=err)
    for _ in range(100):
        err.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", err.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    err.seek(0)
    raise RuntimeError("morgue-serve did not start: " + err.read().strip())


def rewrite(text, port):
    """The doc text with every example block made anew."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        out.append(lines[i])
        i += 1
        if not m:
            continue
        j = i
        while j < len(lines) and lines[j] != END:
            j += 1
        if j == len(lines):
            raise ValueError("%s: no %s after %r" % (DOC, END, m.group(0)))
        out += example(port, m.group(1))
        i = j
    return "\n".join(out)


def masked(text):
    for pat, rep in VARIES:
        text = pat.sub(rep, text)
    return text


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    if len(args) != 1 or not os.path.isdir(args[0]):
        sys.stderr.write("usage: http_api_examples.py BINDIR [--check]\n")
        return 2
    bindir = os.path.abspath(args[0])
    path = os.path.join(ROOT, DOC)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with tempfile.TemporaryDirectory(prefix="morgue-apidoc.") as tmp:
        try:
            proc, port = start_server(bindir, tmp)
        except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
            sys.stderr.write("http_api_examples.py: %s\n" % e)
            return 2
        try:
            new = rewrite(text, port)
        finally:
            proc.terminate()
            proc.wait()
        if not check:
            if new != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
            print("%s: %d examples written" % (DOC, len(re.findall(r"^<!-- example: ", new, re.M))))
            return 0
        made = os.path.join(tmp, "http-api.md")
        with open(made, "w", encoding="utf-8") as f:
            f.write(new)
        if masked(new) == masked(text):
            print("%s: its examples are what the server answers" % DOC)
            return 0
        diff = difflib.unified_diff(masked(text).split("\n"), masked(new).split("\n"),
                                    DOC, "what the server answers now", lineterm="")
        sys.stdout.write("\n".join(list(diff)[:200]) + "\n")
        sys.stdout.write("%s differs from a real run: python3 scripts/http_api_examples.py "
                         "BINDIR writes it anew\n" % DOC)
        return 1


if __name__ == "__main__":
    sys.exit(main())
