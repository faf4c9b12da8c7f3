#!/usr/bin/env bash
# End-to-end tests of morgue-serve's limits (docs/operations.md, "Limits"):
# --print-config; paths with control bytes; requests over the size limits
# answered with a JSON error, never libmicrohttpd's HTML page or nothing;
# the rate limit (429) and the per-client limit (503), each with a
# Retry-After; connections that do not finish their headers closed after
# --header-timeout; a crowd of slow connections that takes every slot does
# not keep a well-behaved client out.  A few seconds each; the long run
# under load is tests/soak.py (make soak).
# Usage: bash tests/limits.sh BINDIR.  Prints "N passed, N failed" last.

BIN=${1:-bin}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_need_tool limits python3
t_tmpdir limits
DB="$TMP/m.db"
RAW="python3 $HERE/http_raw.py"
HOLD=
t_stop() {
    [ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
    HOLD=
    t_stop_server
}
# raw SRC TARGET [NPARAMS [NHEADERS [HEADERBYTES]]]: the answer in $TMP/raw
raw() { $RAW get "$PORT" "$@" >"$TMP/raw" 2>&1; }
status() { head -1 "$TMP/raw" | cut -d' ' -f2; }
# json_error STATUS: the answer is that status with our JSON error body
json_error() {
    [ "$(status)" = "$1" ] && tail -1 "$TMP/raw" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["status"]==int(sys.argv[1]) and d["error"]))' "$1" 2>/dev/null
}
retry_after() { sed -n 's/^Retry-After: *\([0-9]*\).*/\1/Ip' "$TMP/raw" | head -1; }

"$BIN/morgue-index" --db "$DB" corpus/ >/dev/null 2>&1
check "index corpus/" $?

# --print-config
"$BIN/morgue-serve" --db "$DB" --rate 7 --per-client 3 --print-config >"$TMP/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -qx "rate = 7" "$TMP/out" && grep -qx "per-client = 3" "$TMP/out" &&
    grep -qx "db = $DB" "$TMP/out" && grep -qx "max-connections = 1000" "$TMP/out" &&
    grep -qx "header-timeout = 5" "$TMP/out" && grep -qx "listen = 127.0.0.1:8080" "$TMP/out" &&
    [ "$(grep -cv '^#\|^[a-z-]* = ' "$TMP/out")" -eq 0 ]
check "--print-config: every setting as key = value, given and default, exit 0" $? "$st $(cat "$TMP/out")"
for k in db listen threads web timeout max-connections healthz-slots per-client rate burst header-timeout quiet; do
    grep -q "^$k = " "$TMP/out" || { bad "--print-config lists $k" "$(cat "$TMP/out")"; continue; }
    "$BIN/morgue-serve" --help | grep -q -- "--$k" || bad "--help names --$k"
done
"$BIN/morgue-serve" --db "$DB" --max-connections 10 --healthz-slots 10 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "healthz-slots" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]
check "--healthz-slots not under --max-connections: one line, exit 2" $? "$(cat "$TMP/err")"
"$BIN/morgue-serve" --db "$DB" --rate -1 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q -- "--rate" "$TMP/err"
check "--rate -1: exit 2 naming it" $? "$(cat "$TMP/err")"

# Control bytes and sizes.
t_serve "$DB" --quiet
[ -n "$PORT" ]; check "the server starts" $? "$(cat "$TMP/serve.err")"
for t in '/healthz%00foo' '/healthz%0a' '/api/search%01?q=oil' '/healthz%7F'; do
    raw 127.0.0.1 "$t"
    json_error 400 && grep -q "control character" "$TMP/raw"
    check "$t: 400 JSON, control character" $? "$(cat "$TMP/raw")"
done
raw 127.0.0.1 '/healthz'
[ "$(status)" = 200 ]; check "/healthz: 200" $? "$(cat "$TMP/raw")"
raw 127.0.0.1 '/api/search?q=oil' 930
json_error 400 && grep -q "at most [0-9]* parameters" "$TMP/raw"
check "930 parameters: 400 JSON" $? "$(head -c 400 "$TMP/raw")"
raw 127.0.0.1 "/api/search?q=oil&$(python3 -c 'print("&".join("a"*40000))')"
json_error 414 && grep -q "address is too long" "$TMP/raw"
check "40,000 parameters: 414 JSON (not libmicrohttpd's empty answer)" $? "$(head -c 400 "$TMP/raw")"
raw 127.0.0.1 "/healthz" 0 100
json_error 431 && grep -q "too many header fields: 10[0-9]" "$TMP/raw"
check "100 header fields: 431 JSON" $? "$(head -c 400 "$TMP/raw")"
raw 127.0.0.1 "/healthz" 0 0 70000
json_error 431 && grep -q "header fields are too large" "$TMP/raw" && ! grep -qi "<html" "$TMP/raw"
check "a 70 KB header field: 431 JSON (not libmicrohttpd's HTML)" $? "$(head -c 400 "$TMP/raw")"
raw 127.0.0.1 '/healthz'
[ "$(status)" = 200 ]; check "and the server still answers" $? "$(cat "$TMP/raw")"
t_stop_server

# The rate: 3 at once, then 1 a second.
t_serve "$DB" --quiet --rate 1 --burst 3
for i in 1 2 3; do raw 127.0.0.1 '/healthz'; echo "$(status)"; done >"$TMP/sts"
raw 127.0.0.1 '/api/search?q=oil'
ra=$(retry_after)
[ "$(tr '\n' ' ' <"$TMP/sts")" = "200 200 200 " ] && json_error 429 && [ "${ra:-0}" -ge 1 ] &&
    grep -q "too many requests from your address" "$TMP/raw"
check "--rate 1 --burst 3: the 4th request at once is 429 JSON with Retry-After" $? "$(cat "$TMP/sts") $(cat "$TMP/raw")"
raw 127.0.0.2 '/api/search?q=oil'
[ "$(status)" = 200 ]; check "another address is not limited by it" $? "$(head -3 "$TMP/raw")"
sleep "${ra:-1}"
raw 127.0.0.1 '/api/search?q=oil'
[ "$(status)" = 200 ]; check "after Retry-After seconds, 200 again" $? "$(head -3 "$TMP/raw")"
t_stop_server

# Connections per client: 2 at once; a 3rd and 4th get 503, more are
# closed; /healthz from elsewhere is answered meanwhile.
t_serve "$DB" --quiet --per-client 2 --header-timeout 30
$RAW hold "$PORT" 127.0.0.5 2 6 >"$TMP/hold" 2>&1 &
HOLD=$!
for i in $(seq 50); do grep -qs held "$TMP/hold" && break; sleep 0.1; done
raw 127.0.0.5 '/api/search?q=oil'
json_error 503 && [ "$(retry_after)" -ge 1 ] && grep -q "too many connections from your address" "$TMP/raw"
check "--per-client 2: a 3rd connection's request is 503 JSON with Retry-After" $? "$(cat "$TMP/hold") $(cat "$TMP/raw")"
raw 127.0.0.1 '/healthz'
[ "$(status)" = 200 ]; check "/healthz from another address answered meanwhile" $? "$(cat "$TMP/raw")"
kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null; HOLD=
$RAW hold "$PORT" 127.0.0.6 6 0.5 >"$TMP/hold" 2>&1
grep -qx "held 4" "$TMP/hold"
check "--per-client 2: past twice that, connections are closed at once" $? "$(cat "$TMP/hold")"
t_stop_server

# Headers late: closed after --header-timeout.
t_serve "$DB" --quiet --header-timeout 1
$RAW hold "$PORT" 127.0.0.7 3 4 >"$TMP/hold" 2>&1
grep -qx "closed 3" "$TMP/hold"
check "--header-timeout 1: connections still sending headers closed within 4 s" $? "$(cat "$TMP/hold")"
# A body sent a byte at a time would keep a busy connection for good:
# refused at its headers.
for m in GET POST; do
    $RAW body "$PORT" 127.0.0.7 $m 5 >"$TMP/body" 2>&1
    grep -q "^answered 40[05] after 0" "$TMP/body" && grep -q "^closed after [0-2]\." "$TMP/body"
    check "a $m with a slow body: answered at once (400 or 405) and closed" $? "$(cat "$TMP/body")"
done
t_stop_server

# A crowd of slow connections takes every slot: the one that waited
# longest gives its place to a newcomer, so a well-behaved client gets in.
t_serve "$DB" --quiet --max-connections 20 --healthz-slots 2 --header-timeout 30 --per-client 0
$RAW hold "$PORT" 127.0.0.8 20 8 >"$TMP/hold" 2>&1 &
HOLD=$!
for i in $(seq 50); do grep -qs held "$TMP/hold" && break; sleep 0.1; done
t0=$(date +%s%N)
raw 127.0.0.1 '/api/search?q=oil'
s1=$(status)
raw 127.0.0.1 '/healthz'
s2=$(status)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$s1" = 200 ] && [ "$s2" = 200 ] && [ "$ms" -lt 1000 ]
check "20 slots held by 20 slow connections: a search and /healthz answered ($ms ms)" $? "$s1 $s2 $(cat "$TMP/hold")"
wait "$HOLD"; HOLD=
grep -qx "held 20" "$TMP/hold" && grep -q "^closed [1-9]" "$TMP/hold"
check "... by closing slow connections to make room" $? "$(cat "$TMP/hold")"
kill -TERM "$SERVER"; wait "$SERVER"; st=$?; SERVER=
[ $st -eq 0 ]; check "SIGTERM: exit 0" $? "exit $st; $(tail -3 "$TMP/serve.err")"
! grep -q "Sanitizer\|runtime error" "$TMP/serve.err"
check "no sanitizer report from the server" $? "$(grep -A20 Sanitizer "$TMP/serve.err" | head -30)"

t_summary
