# tests/lib.sh - what the shell tests share: a temporary folder removed on
# exit, the pass and fail counts with their "ok" and "FAIL" lines, skips,
# and morgue-serve started on a free port of loopback.  Sourced (POSIX
# sh) by tests/e2e.sh, api.sh, flood.sh, kill_test.sh, kill_more.sh and
# browser/run.sh, which set BIN first.  Everything it defines starts with
# t_, but for the counters and reports each script uses: pass, fail, ok,
# bad, check, TMP, SERVER and PORT.

pass=0
fail=0
SERVER=
PORT=
# Lines of a failure's detail shown (the rest cut); a script may set it
# before sourcing this file.
T_DETAIL_LINES=${T_DETAIL_LINES:-20}

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
# bad NAME [DETAIL]: a failure, its detail indented below it.
bad() {
    fail=$((fail + 1))
    echo "FAIL - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /' | head -n "$T_DETAIL_LINES"
}
# check NAME STATUS [DETAIL]: ok when STATUS is 0, else bad.
check() { if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1" "${3:-}"; fi; }
# t_summary: the last line, "N passed, N failed"; fails when any failed.
t_summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# t_skip WHAT PATH: says that the WHAT checks are skipped, PATH missing.
t_skip() { echo "skip - $1: $2 not found"; }
# t_need PATH WHAT [TEST]: unless PATH exists (test -e, or TEST: -d
# for a folder), skips the whole test (exit 0).
t_need() {
    test "${3:--e}" "$1" && return 0
    t_skip "$2" "$1"
    exit 0
}
# t_need_tool NAME TOOL: unless TOOL (a command or a path) can be run,
# says "NAME: skipped: TOOL not installed" and exits 0.
t_need_tool() {
    command -v "$2" >/dev/null 2>&1 && return 0
    echo "$1: skipped: $2 not installed"
    exit 0
}

# t_stop: stops what the test started, on exit; a script that starts
# more than the server redefines it.
t_stop() { t_stop_server; }
t_cleanup() {
    t_stop
    rm -rf "$TMP"
}
# t_tmpdir NAME: a new folder, TMP (morgue-NAME.XXXXXX in $TMPDIR, else
# /tmp), stopped and removed on exit; exits 1 when it can't be made.
t_tmpdir() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/morgue-$1.XXXXXX") || exit 1
    trap t_cleanup EXIT
}

# t_serve DB [OPTION...]: starts morgue-serve on DB, on a free port of
# loopback, its stderr in $TMP/serve.err; sets SERVER (its pid) and PORT
# (empty when it did not say where it listens within 10 s, or exited
# first).
t_serve() {
    t_db=$1
    shift
    : >"$TMP/serve.err"
    "$BIN/morgue-serve" --db "$t_db" --listen 127.0.0.1:0 "$@" \
        2>"$TMP/serve.err" &
    SERVER=$!
    PORT=
    t_i=0
    while [ $t_i -lt 100 ]; do
        PORT=$(sed -n 's|^morgue-serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' \
            "$TMP/serve.err" | head -n 1)
        [ -n "$PORT" ] && break
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
        t_i=$((t_i + 1))
    done
}
# t_stop_server: SIGTERM to the server t_serve started, and its end.
t_stop_server() {
    [ -n "$SERVER" ] || return 0
    kill -TERM "$SERVER" 2>/dev/null
    wait "$SERVER" 2>/dev/null
    SERVER=
}
