#!/bin/sh
# Browser test of the search page: indexes the repo's sample corpus into a
# temporary index, starts morgue-serve on a free port of loopback, runs
# tests/browser/test.mjs in headless Chromium (playwright-core), stops the
# server and exits with the test's status.
# Usage (from the repo's top folder): sh tests/browser/run.sh BINDIR OUTDIR
# Screenshots go to OUTDIR.  Skipped (exit 0) without /usr/bin/chromium.

BIN=${1:-bin}
OUT=${2:-build/browser}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"

t_need_tool test-browser /usr/bin/chromium
if ! command -v node >/dev/null 2>&1; then
    echo "test-browser: FAIL - node is not installed" >&2
    exit 1
fi

case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
mkdir -p "$OUT" || exit 1

t_tmpdir browser
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$TOP" || exit 1

if ! "$BIN/morgue-index" --db "$TMP/m.db" corpus/ >"$TMP/index.log" 2>&1; then
    echo "test-browser: FAIL - morgue-index failed:" >&2
    tail -20 "$TMP/index.log" >&2
    exit 1
fi

t_serve "$TMP/m.db" --web query/web
if [ -z "$PORT" ]; then
    echo "test-browser: FAIL - morgue-serve did not start listening:" >&2
    tail -20 "$TMP/serve.err" >&2
    exit 1
fi

if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    if ! (cd "$HERE" && npm ci --silent --no-audit --no-fund); then
        echo "test-browser: FAIL - npm ci failed in tests/browser" >&2
        exit 1
    fi
fi

node "$HERE/test.mjs" --base "http://127.0.0.1:$PORT" --out "$OUT"
status=$?

kill -TERM "$SERVER" 2>/dev/null
wait "$SERVER"
serve_status=$?
SERVER=
if [ "$serve_status" -ne 0 ]; then
    echo "test-browser: warning: morgue-serve exited $serve_status after SIGTERM (want 0)" >&2
fi
if [ "$status" -ne 0 ]; then
    echo "test-browser: server log in $OUT/serve.log"
    cp "$TMP/serve.err" "$OUT/serve.log" 2>/dev/null
fi
exit $status
