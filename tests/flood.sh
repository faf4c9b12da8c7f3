#!/usr/bin/env bash
# Flood test of morgue-serve: does it stay responsive while clients flood
# it with expensive prefix queries?
#
# Indexes corpus/ and, when $MORGUE_SHARED/reuters21578 exists (default
# ../shared/corpus), all of Reuters-21578; starts morgue-serve on a free
# port of loopback with its default threads and --timeout; then for
# FLOOD_SECONDS (15) wrk floods it from 8 connections with prefix queries
# (tests/flood.lua: "sai* OR yea* OR com* ...", "com* mar* pri*", and
# one- and two-letter prefixes that must be refused), while a well-behaved
# client (tests/flood_probe.py) asks every 100 ms for /healthz, a search
# for "oil prices" and a too-short prefix.  Every one of the well-behaved
# requests must be answered (200, 200, 400) within 1 s.  Prints their
# p50/p99/max and the flood's figures.
# The server runs with --rate 0 (see below).
# Usage: bash tests/flood.sh BINDIR.  Prints "N passed, N failed" last.

BIN=${1:-bin}
SHARED=${MORGUE_SHARED:-../shared/corpus}
SECS=${FLOOD_SECONDS:-15}
CONNS=${FLOOD_CONNECTIONS:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
WRK=
t_stop() {
    [ -n "$WRK" ] && kill "$WRK" 2>/dev/null
    t_stop_server
    wait 2>/dev/null
}
for tool in wrk python3; do
    t_need_tool flood "$tool"
done
t_tmpdir flood
trap 'exit 130' INT TERM
DB="$TMP/m.db"

t0=$(date +%s)
"$BIN/morgue-index" --db "$DB" corpus/ >"$TMP/index.log" 2>&1
check "index corpus/" $? "$(tail -3 "$TMP/index.log")"
if [ -d "$SHARED/reuters21578" ]; then
    "$BIN/morgue-index" --db "$DB" "$SHARED/reuters21578" >>"$TMP/index.log" 2>&1
    check "index all of Reuters-21578 ($SHARED/reuters21578)" $? "$(tail -3 "$TMP/index.log")"
else
    echo "flood: $SHARED/reuters21578 not found: flooding the sample corpus only (1,119 articles)"
fi
articles=$(sqlite3 "$DB" "SELECT count(*) FROM articles" 2>/dev/null)
echo "flood: $articles articles indexed in $(($(date +%s) - t0)) s"

# Without the per-address rate limit: wrk and the well-behaved client
# both come from 127.0.0.1, and this test is of the lanes (the limits
# are tests/soak.py's and tests/limits.sh's).
t_serve "$DB" --web "$HERE/../query/web" --rate 0
[ -n "$PORT" ]; check "the server starts" $? "$(cat "$TMP/serve.err")"
[ -n "$PORT" ] || { t_summary; exit 1; }
echo "flood: $(head -1 "$TMP/serve.err" | sed 's/^morgue-serve: //')"

# The flood, and after a second the well-behaved client, until it ends.
wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 30s -s "$HERE/flood.lua" "http://127.0.0.1:$PORT" \
    >"$TMP/wrk.out" 2>&1 &
WRK=$!
sleep 1
python3 "$HERE/flood_probe.py" 127.0.0.1 "$PORT" $((SECS - 2)) 0.1 1.0 >"$TMP/probe.out" 2>&1
probe=$?
wait "$WRK"
WRK=
sed 's/^/flood: /' "$TMP/probe.out"
grep '^FLOOD' "$TMP/wrk.out" | sed 's/^FLOOD/flood: wrk/'

check "every well-behaved request answered in time during the flood" $probe \
    "$(grep FAIL "$TMP/probe.out")"
line=$(grep '^FLOOD' "$TMP/wrk.out")
[ -n "$line" ]; check "wrk ran" $? "$(tail -5 "$TMP/wrk.out")"
statuses=$(sed -n 's/.* statuses=\([^ ]*\).*/\1/p' <<<"$line")
n200=$(tr ',' '\n' <<<"$statuses" | sed -n 's/^200://p')
n400=$(tr ',' '\n' <<<"$statuses" | sed -n 's/^400://p')
[ "${n200:-0}" -gt 0 ] && [ "${n400:-0}" -gt 0 ]
check "the flood's prefix queries were answered and its short prefixes refused" $? "$line"
# 503: a search past its time budget; anything else is a failure.
others=$(tr ',' '\n' <<<"$statuses" | grep -v '^200:\|^400:\|^503:\|^-$')
[ -z "$others" ]; check "the flood got only 200, 400 and 503" $? "$line"
grep -q 'connect=0 read=0 write=0 timeout=0' <<<"$line"
check "no socket error or timeout in the flood" $? "$line"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" | grep -q 200
check "the server still answers after the flood" $?

kill -TERM "$SERVER"
wait "$SERVER"
st=$?
SERVER=
[ $st -eq 0 ]; check "SIGTERM: exit 0" $? "exit $st; $(tail -3 "$TMP/serve.err")"
! grep -q "Sanitizer\|runtime error" "$TMP/serve.err"
check "no sanitizer report from the server" $? "$(grep -A20 Sanitizer "$TMP/serve.err" | head -30)"

t_summary
