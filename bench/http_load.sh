#!/bin/sh
# http_load.sh - morgue-serve under wrk on loopback, alone and while the
# index is rebuilt and updated.
#
# Indexes a copy of Reuters-21578 into a fresh index in a temporary
# folder, starts morgue-serve on it (127.0.0.1, a free port, 2 threads),
# warms it up with 2 s of wrk, then runs wrk with 32 connections (2
# threads, --latency) for SECONDS over the fixed mix of requests in
# bench/http_queries.txt (bench/http_mix.lua):
#   A  the server alone (the baseline);
#   B  the same while morgue-index runs in a loop until wrk ends, in
#      turn an incremental run (one new story in a new file, one file
#      touched) and a --rebuild of the whole copy.
# Then checks that the server answers /healthz with the new article
# count, logged no error, and exits 0 on SIGTERM.  Prints requests/s,
# p50 and p99 latency, failed requests and reindex runs per phase, and
# B's figures as shares of A's.
#
# Exit status: 0 all well (or skipped: no corpus, no wrk or curl); 1 a
# request failed (not 200, or a socket error), the server died, logged an
# error or did not stop cleanly, or a reindex run failed; 2 setup failed.
#
# usage: bench/http_load.sh [REUTERS_DIR] [SECONDS]    (make bench-http)
#        MORGUE_BIN=DIR: where morgue-index and morgue-serve are (bin)
#        INDEX_JOBS=N: morgue-index --jobs N for the reindex runs of B
#        (default: its own default, the number of CPUs)
set -u
corpus=${1:-../shared/corpus/reuters21578}
secs=${2:-20}
bin=${MORGUE_BIN:-bin}
here=$(dirname "$0")
mix=$here/http_mix.lua
queries=$here/http_queries.txt
conns=32

if [ ! -d "$corpus" ]; then
    echo "bench-http: skipped: $corpus not found"
    exit 0
fi
for tool in wrk curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench-http: skipped: $tool not installed"
        exit 0
    fi
done
case $secs in
'' | *[!0-9]*) echo "bench-http: SECONDS must be a whole number" >&2; exit 2 ;;
esac
for f in "$bin/morgue-index" "$bin/morgue-serve" "$mix" "$queries"; do
    if [ ! -e "$f" ]; then
        echo "bench-http: $f not found (make all?)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
serve_pid='' loop_pid=''
cleanup() {
    [ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null
    [ -s "$tmp/index.pid" ] && kill "$(cat "$tmp/index.pid")" 2>/dev/null
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
    [ -s "$tmp/wrk.pid" ] && kill "$(cat "$tmp/wrk.pid")" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

die() { echo "bench-http: $*" >&2; exit 2; }
now() { date +%s.%N; }
alive() { kill -0 "$1" 2>/dev/null; }
# wait_gone PID SECONDS: poll until PID has ended; 1 if it has not
wait_gone() {
    n=0
    while alive "$1"; do
        [ "$n" -ge $(($2 * 10)) ] && return 1
        sleep 0.1
        n=$((n + 1))
    done
}
field() { # field NAME FILE: NAME=value from the RESULT line of wrk's output
    sed -n "/^RESULT /s/.* $1=\([^ ]*\).*/\1/p" "$2" | tail -n 1
}
health() { # the article count /healthz gives, empty unless status 200 ok
    curl -s -m 5 -o "$tmp/health.json" -w '%{http_code}' \
        "http://127.0.0.1:$port/healthz" >"$tmp/health.code" 2>/dev/null
    [ "$(cat "$tmp/health.code")" = 200 ] &&
        sed -n 's/.*"status": *"ok".*"articles": *\([0-9]*\).*/\1/p' \
            "$tmp/health.json"
}

# A copy of the corpus that the reindex loop may change.
if ! { mkdir "$tmp/corpus" && cp "$corpus"/*.sgm "$tmp/corpus"/ &&
    chmod u+w "$tmp/corpus"/*.sgm; }; then
    die "cannot copy $corpus"
fi
t0=$(now)
"$bin/morgue-index" --quiet --db "$tmp/m.db" "$tmp/corpus" ||
    die "indexing $corpus failed"
t1=$(now)

# --rate 0: wrk's connections all come from 127.0.0.1, which the
# per-address rate limit would otherwise answer with 429s.
"$bin/morgue-serve" --db "$tmp/m.db" --listen 127.0.0.1:0 --threads 2 \
    --rate 0 --quiet 2>"$tmp/serve.err" &
serve_pid=$!
port='' n=0
while [ -z "$port" ] && [ "$n" -lt 100 ] && alive "$serve_pid"; do
    sleep 0.1
    n=$((n + 1))
    port=$(sed -n 's|^morgue-serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
        "$tmp/serve.err")
done
[ -n "$port" ] || { cat "$tmp/serve.err" >&2; die "morgue-serve did not start"; }
articles0=$(health)
[ -n "$articles0" ] || die "/healthz did not answer 200 ok"
awk -v n="$articles0" -v s="$t0" -v e="$t1" -v c="$corpus" 'BEGIN {
    printf "bench-http: %s: %d articles indexed in %.1f s\n", c, n, e - s }'

# The server's CPU time in clock ticks (user + system), empty without /proc
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
srv_ticks() {
    awk '{ print $14 + $15 }' "/proc/$serve_pid/stat" 2>/dev/null
}

# run_wrk NAME SECONDS: wrk over the mix into $tmp/NAME.out, bounded;
# the server's CPU seconds during it into $tmp/NAME.cpu
run_wrk() {
    c0=$(srv_ticks)
    timeout -k 5 $(($2 + 30)) wrk -t2 -c"$conns" -d"$2"s --latency \
        --timeout 10s -s "$mix" "http://127.0.0.1:$port" -- "$queries" \
        >"$tmp/$1.out" 2>&1 &
    echo $! >"$tmp/wrk.pid"
    wait $!
    rc=$?
    : >"$tmp/wrk.pid"
    c1=$(srv_ticks)
    if [ -n "$c0" ] && [ -n "$c1" ]; then
        awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { print (b - a) / hz }' >"$tmp/$1.cpu"
    fi
    if [ "$rc" -ne 0 ] || [ -z "$(field rps "$tmp/$1.out")" ]; then
        cat "$tmp/$1.out" >&2
        echo "bench-http: wrk ($1) failed (exit $rc)" >&2
        return 1
    fi
}

# The reindex loop of phase B: one run after another until $tmp/stop
# appears; "K KIND EXIT SECONDS" per run in $tmp/runs.
story() { # one story of reut2-000.sgm as a new story NEWID=900000+K
    echo '<!DOCTYPE lewis SYSTEM "lewis.dtd">'
    awk '/<REUTERS /{on=1} on{print} /<\/REUTERS>/{if(on) exit}' \
        "$tmp/corpus/reut2-000.sgm" |
        sed -e "s/NEWID=\"[0-9]*\"/NEWID=\"$((900000 + $1))\"/" \
            -e "s|</TITLE>| (BENCH RUN $1)</TITLE>|"
}
reindex_loop() {
    k=0
    while [ ! -e "$tmp/stop" ]; do
        k=$((k + 1))
        if [ $((k % 2)) -eq 1 ]; then
            kind=incremental
            story "$k" >"$tmp/corpus/bench-extra-$k.sgm"
            touch "$tmp/corpus/reut2-0$(printf %02d $((k % 22))).sgm"
            set -- --quiet --db "$tmp/m.db" ${INDEX_JOBS:+--jobs "$INDEX_JOBS"} "$tmp/corpus"
        else
            kind=rebuild
            set -- --quiet --db "$tmp/m.db" ${INDEX_JOBS:+--jobs "$INDEX_JOBS"} --rebuild "$tmp/corpus"
        fi
        s=$(now)
        "$bin/morgue-index" "$@" 2>>"$tmp/index.err" &
        echo $! >"$tmp/index.pid"
        wait $!
        rc=$?
        echo "$k $kind $rc $(awk -v s="$s" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }')" \
            >>"$tmp/runs"
    done
}

fail=0
run_wrk warmup 2 || exit 1
run_wrk A "$secs" || exit 1

: >"$tmp/runs"
reindex_loop &
loop_pid=$!
run_wrk B "$secs" || exit 1
n_during=$(wc -l <"$tmp/runs")
: >"$tmp/stop"
if ! wait_gone "$loop_pid" 300; then
    echo "bench-http: the reindex run under way did not end in 300 s" >&2
    exit 1
fi
wait "$loop_pid"
loop_pid=
: >"$tmp/index.pid"

# The reindex runs: each must exit 0 (4, lock busy, is a failure too:
# nothing else writes to this index).
runs=$(wc -l <"$tmp/runs")
bad=$(awk '$3 != 0' "$tmp/runs")
if [ "$runs" -eq 0 ]; then
    echo "bench-http: FAIL: no reindex run during phase B" >&2
    fail=1
fi
if [ -n "$bad" ]; then
    echo "bench-http: FAIL: reindex runs failed (run kind exit seconds):" >&2
    echo "$bad" >&2
    sed 's/^/  /' "$tmp/index.err" | head -n 20 >&2
    fail=1
fi
extras=0
for f in "$tmp"/corpus/bench-extra-*.sgm; do
    [ -e "$f" ] && extras=$((extras + 1))
done

# The server: still there, sees the new articles, logged no error.
if ! alive "$serve_pid"; then
    echo "bench-http: FAIL: morgue-serve died" >&2
    cat "$tmp/serve.err" >&2
    serve_pid=
    exit 1
fi
articles1=$(health)
want=$((articles0 + extras))
if [ "$articles1" != "$want" ]; then
    echo "bench-http: FAIL: /healthz after phase B: articles \"$articles1\", expected $want ($(cat "$tmp/health.code"))" >&2
    cat "$tmp/health.json" >&2
    fail=1
fi
kill -TERM "$serve_pid"
if ! wait_gone "$serve_pid" 20; then
    echo "bench-http: FAIL: morgue-serve still running 20 s after SIGTERM" >&2
    exit 1
fi
wait "$serve_pid"
serve_rc=$?
serve_pid=
if [ "$serve_rc" -ne 0 ]; then
    echo "bench-http: FAIL: morgue-serve exited $serve_rc after SIGTERM" >&2
    fail=1
fi
# Expected lines: listening, no page's folder (API only), the SIGTERM
# notice and stopped.  Anything else is an error.
odd=$(grep -v -e '^morgue-serve: listening on ' \
    -e "^morgue-serve: no page's folder found" \
    -e '^morgue-serve: SIGTERM: finishing [0-9]* requests, then stopping$' \
    -e '^morgue-serve: stopped$' "$tmp/serve.err")
if [ -n "$odd" ]; then
    echo "bench-http: FAIL: morgue-serve logged:" >&2
    echo "$odd" | head -n 20 >&2
    fail=1
fi

# Failed requests, warm-up included.
for p in warmup A B; do
    e=$(field errors "$tmp/$p.out")
    x=$(field non200 "$tmp/$p.out")
    if [ "$e" != 0 ] || [ "$x" != 0 ]; then
        echo "bench-http: FAIL: $p: $x answers not 200 ($(field statuses "$tmp/$p.out")), $e wrk errors" >&2
        fail=1
    fi
done

sockerr() {
    echo $(($(field connect "$1") + $(field read "$1") + $(field write "$1") + $(field timeout "$1")))
}
nreb=$(awk '$2 == "rebuild"' "$tmp/runs" | wc -l)
ninc=$(awk '$2 == "incremental"' "$tmp/runs" | wc -l)
echo "wrk -t2 -c$conns -d${secs}s, $(grep -c '^/' "$queries") requests in the mix, morgue-serve --threads 2, $(nproc 2>/dev/null || echo '?') cores"
# cpu: the cores the server used on average; cpu_ms/req: its CPU time per
# request (steadier than req/s on a shared machine).
cpu() { # cpu PHASE: "cores ms-per-request" of the server, or "- -"
    if [ -s "$tmp/$1.cpu" ]; then
        awk -v c="$(cat "$tmp/$1.cpu")" -v s="$secs" -v n="$(field requests "$tmp/$1.out")" \
            'BEGIN { printf "%.2f %.1f\n", c / s, (n > 0 ? 1000 * c / n : 0) }'
    else
        echo "- -"
    fi
}
printf '%-13s %8s %7s %7s %7s %7s %7s %8s %5s %11s  %s\n' phase requests req/s \
    p50_ms p90_ms p99_ms non-200 sock.err cpu cpu_ms/req "reindex runs"
for p in A B; do
    if [ "$p" = A ]; then label="A alone" r=-; else
        label="B reindexing"
        r="$runs ($ninc incremental, $nreb rebuild; $n_during ended within B)"
    fi
    # shellcheck disable=SC2046 # two words
    set -- $(cpu "$p")
    printf '%-13s %8s %7s %7s %7s %7s %7s %8s %5s %11s  %s\n' "$label" \
        "$(field requests "$tmp/$p.out")" "$(field rps "$tmp/$p.out")" \
        "$(field p50_ms "$tmp/$p.out")" "$(field p90_ms "$tmp/$p.out")" \
        "$(field p99_ms "$tmp/$p.out")" "$(field non200 "$tmp/$p.out")" \
        "$(sockerr "$tmp/$p.out")" "$1" "$2" "$r"
done
awk -v ra="$(field rps "$tmp/A.out")" -v rb="$(field rps "$tmp/B.out")" \
    -v pa="$(field p99_ms "$tmp/A.out")" -v pb="$(field p99_ms "$tmp/B.out")" \
    'BEGIN { printf "B/A: req/s %.2f, p99 %.2f\n", (ra > 0 ? rb / ra : 0), (pa > 0 ? pb / pa : 0) }'
# Phase A keeps both server threads busy; less CPU than that means other
# work on the machine took it, and A's figures are low.
if [ -s "$tmp/A.cpu" ]; then
    awk -v c="$(cat "$tmp/A.cpu")" -v s="$secs" 'BEGIN { if (c / s < 1.6)
        printf "note: the server had only %.2f of its 2 threads busy in A: a busy machine; compare cpu_ms/req\n", c / s }'
fi
echo "reindex runs (kind exit seconds): $(awk '{ printf "%s%s %s %s", (NR > 1 ? ", " : ""), $2, $3, $4 }' "$tmp/runs")"
echo "articles: $articles0 before, $articles1 after; morgue-serve exit $serve_rc"
if [ "$fail" -ne 0 ]; then
    echo "bench-http: FAILED"
    exit 1
fi
echo "bench-http: ok"
