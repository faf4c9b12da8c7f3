#!/bin/bash
# morgue-query --cluster FILE (engine/xapian/NOTES-clw.md): corpus/ into 3
# Xapian shards by morgue-index, each served by its own xapian-tcpsrv on
# 127.0.0.1 (started with setsid, stopped by its process group); a cluster
# file; --cluster gives the ids, order, scores and totals of --db DIR; one
# shard killed: --on-shard-failure fail errors naming it (exit 2), partial
# answers with "partial": true and the shard in "missing_shards";
# --entities, --similar and /api/entities as --db DIR's.  Skipped
# where morgue-index was built without Xapian or xapian-tcpsrv is missing.
# Usage: bash tests/xapian_cluster.sh BINDIR

BIN=${1:-bin}
. "$(dirname "$0")/lib.sh"
t_need_tool xapian_cluster xapian-tcpsrv
t_tmpdir xapian-cluster
Q="$BIN/morgue-query"
GROUPS_STARTED=""

t_stop() {
    t_stop_server
    [ -n "${SERVER2:-}" ] && kill -TERM "$SERVER2" 2>/dev/null
    for g in $GROUPS_STARTED; do kill -KILL -- "-$g" 2>/dev/null; done
    return 0
}
api_ids() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], d.get("partial", False), " ".join(h["id"] for h in d["hits"]))'
}

if "$BIN/morgue-index" --engine xapian --db "$TMP/probe" corpus/seed 2>&1 |
    grep -q "not built"; then
    echo "xapian_cluster: skipped: morgue-index was built without Xapian"
    t_summary
    exit $?
fi

. "$(dirname "$0")/lib_tcpsrv.sh"

"$BIN/morgue-index" --engine xapian --shards 3 --db "$TMP/three" corpus/ \
    >"$TMP/out" 2>&1
check "corpus/ into 3 shards" $? "$(cat "$TMP/out")"

P0=$(free_port); P1=$(free_port); P2=$(free_port)
start_srv G0 "$P0" "$TMP/three/shard-0"
start_srv G1 "$P1" "$TMP/three/shard-1"
start_srv G2 "$P2" "$TMP/three/shard-2"
cat >"$TMP/c.txt" <<EOF
# 3 shards, one replica each
127.0.0.1:$P0
127.0.0.1:$P1   # shard 1
127.0.0.1:$P2
EOF

ranked() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], d.get("partial", False), " ".join("%s:%.9g" % (h["id"], h["score"]) for h in d["hits"]))'
}

for q in 'opec' 'oil AND gas' '"crude oil"' 'title:wheat' 'coffee -brazil' \
    'place:"saudi arabia" oil' 'date:1987-03 copper' 'grain*' 'said'; do
    a=$("$Q" --db "$TMP/three" --json --limit 20 --offset 2 "$q" | ranked)
    b=$("$Q" --cluster "$TMP/c.txt" --json --limit 20 --offset 2 "$q" | ranked)
    [ -n "$a" ] && [ "${a%% *}" -gt 0 ] && [ "$a" = "$b" ]
    check "'$q': --cluster and --db DIR: same total, ids, order, scores" $? \
        "db $a | cluster $b"
done
a=$("$Q" --db "$TMP/three" --json --sort newest --limit 30 oil | ranked)
b=$("$Q" --cluster "$TMP/c.txt" --json --sort newest --limit 30 oil | ranked)
[ "$a" = "$b" ]
check "--sort newest: same page" $? "db $a | cluster $b"
a=$("$Q" --db "$TMP/three" --count oil)
b=$("$Q" --cluster "$TMP/c.txt" --count oil)
[ -n "$a" ] && [ "$a" = "$b" ]
check "--count: the same ($a)" $? "db $a | cluster $b"
a=$("$Q" --db "$TMP/three" --limit 5 oil | grep -E '^[0-9]+\. ')
b=$("$Q" --cluster "$TMP/c.txt" --limit 5 oil | grep -E '^[0-9]+\. ')
[ -n "$a" ] && [ "$a" = "$b" ]
check "text output: the same 5 titles" $? "db $a | cluster $b"
# snippets and highlights (query/xsnippet.c): the page's documents read
# from the remote shards give what the local shards give
snips() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(" ".join(h["id"] for h in d["hits"]))
print(json.dumps([(h["snippet"], h["highlights"]) for h in d["hits"]]))'
}
for q in '"crude oil"' 'NEAR(dollar yen)' 'export*' 'title:wheat'; do
    a=$("$Q" --db "$TMP/three" --json --limit 10 "$q" | snips)
    b=$("$Q" --cluster "$TMP/c.txt" --json --limit 10 "$q" | snips)
    [ -n "$a" ] && [ "$a" = "$b" ] && printf %s "$b" | grep -q '\[\['
    check "'$q': --cluster gives the local shards' snippets" $? \
        "db $a | cluster $b"
done
# --show ID QUERY over the shards: the article, its entities and the
# query's marks as --db DIR gives them
id=$("$Q" --cluster "$TMP/c.txt" --json --limit 1 'crude oil' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["id"])')
a=$("$Q" --db "$TMP/three" --json --show "$id" 'crude oil')
b=$("$Q" --cluster "$TMP/c.txt" --json --show "$id" 'crude oil')
[ -n "$id" ] && [ -n "$b" ] && [ "$a" = "$b" ] && printf %s "$b" | grep -q '"marks"'
check "--cluster --show $id 'crude oil': --db DIR's article, entities, marks" $? \
    "db $a | cluster $b"
# each replica must hold its line's shard (morgue:shard = K/N): an empty
# database (a failed first copy) listed first is passed over for the
# shard's good replica; shards listed in the wrong order are refused
/usr/bin/python3 -c 'import sys, xapian; xapian.WritableDatabase(sys.argv[1], xapian.DB_CREATE_OR_OPEN).commit()' "$TMP/empty"
printf '127.0.0.1:%s\n%s 127.0.0.1:%s\n127.0.0.1:%s\n' "$P0" "$TMP/empty" "$P1" "$P2" >"$TMP/ce.txt"
a=$("$Q" --cluster "$TMP/c.txt" --json --limit 20 oil | ranked)
b=$("$Q" --cluster "$TMP/ce.txt" --json --limit 20 oil | ranked)
[ -n "$a" ] && [ "$a" = "$b" ]
check "an empty database listed before shard 1's replica: passed over, the whole answer" $? "good $a | with the empty one $b"
printf '127.0.0.1:%s\n127.0.0.1:%s\n127.0.0.1:%s\n' "$P1" "$P0" "$P2" >"$TMP/cw.txt"
"$Q" --cluster "$TMP/cw.txt" oil >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "holds shard 1/3 (morgue:shard), not 0/3" "$TMP/out"
check "shards listed in the wrong order: refused, naming what each holds" $? "$(cat "$TMP/out")"
# a shard's (or a replica's) folder alone has no side file: --db says so
"$Q" --db "$TMP/three/shard-0" oil >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "a Xapian database without morgue's files.db: a shard or a replica? search it with --cluster" "$TMP/out"
check "--db on a shard's folder: exit 2, says to use --cluster" $? "$(cat "$TMP/out")"
"$Q" --cluster "$TMP/c.txt" --show nosuch >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "no article \"nosuch\" in $TMP/c.txt" "$TMP/out"
check "--cluster --show of no article: exit 2, says so" $? "$(cat "$TMP/out")"
# entities and near-duplicates over the shards: --db DIR's answers (which
# tests/xapian_query.sh checks against FTS5's), names and counts from
# every shard
for p in rea sau a j ge u.s; do
    a=$("$Q" --db "$TMP/three" --entities "$p" --json --limit 10)
    b=$("$Q" --cluster "$TMP/c.txt" --entities "$p" --json --limit 10)
    [ -n "$a" ] && [ "$a" != "[]" ] && [ "$a" = "$b" ]
    check "--entities '$p': --cluster and --db DIR the same" $? "db $a | cluster $b"
done
for q in said opec; do
    a=$("$Q" --db "$TMP/three" --facets --json --limit 5 "$q" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["facets"])')
    b=$("$Q" --cluster "$TMP/c.txt" --facets --json --limit 5 "$q" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["facets"])')
    [ -n "$a" ] && printf %s "$a" | grep -q "'with': \[{" && [ "$a" = "$b" ]
    check "--facets '$q': --cluster and --db DIR the same facets and with" $? \
        "db $a | cluster $b"
done
for id in reuters-240 reuters-264 reuters-16 reuters-127; do
    a=$("$Q" --db "$TMP/three" --similar $id --json)
    b=$("$Q" --cluster "$TMP/c.txt" --similar $id --json)
    [ -n "$a" ] && [ "$a" = "$b" ]
    check "--similar $id: --cluster and --db DIR the same" $? "db $a | cluster $b"
done
"$Q" --cluster "$TMP/c.txt" --similar nosuch >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q 'no article "nosuch" in the cluster' "$TMP/out"
check "--cluster --similar of no article: exit 2, says so" $? "$(cat "$TMP/out")"

# morgue-serve --cluster: /api/search as morgue-serve --db DIR, /healthz
t_serve "$TMP/three"
DBPORT=$PORT
DBSERVER=$SERVER
SERVER=
t_serve x --cluster "$TMP/c.txt"
[ -n "$PORT" ]
check "morgue-serve --cluster starts" $? "$(cat "$TMP/serve.err")"
a=$(curl -s "http://127.0.0.1:$DBPORT/api/search?q=oil" | api_ids)
b=$(curl -s "http://127.0.0.1:$PORT/api/search?q=oil" | api_ids)
[ -n "$a" ] && [ "$a" = "$b" ]
check "morgue-serve --cluster: /api/search?q=oil = --db DIR's" $? "db $a | cluster $b"
kill -TERM "$DBSERVER" 2>/dev/null
wait "$DBSERVER" 2>/dev/null
code=$(curl -s -o "$TMP/h" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] && grep -q '"status":"ok"' "$TMP/h"
check "morgue-serve --cluster: /healthz 200 ok" $? "$code $(cat "$TMP/h")"
code=$(curl -s -o "$TMP/h" -w '%{http_code}' \
    "http://127.0.0.1:$PORT/api/article/$id?q=crude+oil")
[ "$code" = 200 ] && grep -q "\"id\":\"$id\"" "$TMP/h" && grep -q '"marks"' "$TMP/h"
check "morgue-serve --cluster: /api/article/$id?q=: the article and its marks" $? \
    "$code $(cat "$TMP/h")"
code=$(curl -s -o "$TMP/h" -w '%{http_code}' "http://127.0.0.1:$PORT/api/article/nosuch")
[ "$code" = 404 ]
check "morgue-serve --cluster: /api/article of no article: 404" $? "$code $(cat "$TMP/h")"
a=$("$Q" --db "$TMP/three" --entities rea --limit 5 --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin))')
b=$(curl -s "http://127.0.0.1:$PORT/api/entities?prefix=rea&limit=5" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["entities"])')
[ -n "$a" ] && [ "$a" = "$b" ]
check "morgue-serve --cluster: /api/entities = --db DIR's" $? "db $a | serve $b"

# shard 1 down
kill -KILL -- "-$G1"
sleep 0.2
s=$(date +%s.%N)
"$Q" --cluster "$TMP/c.txt" --json oil >"$TMP/out" 2>"$TMP/err"
rc=$?
e=$(date +%s.%N)
[ $rc -eq 2 ] && grep -q "shard 1 (.*c.txt:3)" "$TMP/err" && grep -q "127.0.0.1:$P1" "$TMP/err"
check "shard 1 down, fail (default): exit 2, the error names shard 1" $? "rc $rc: $(cat "$TMP/err")"
"$Q" --cluster "$TMP/c.txt" --on-shard-failure fail --count oil >/dev/null 2>&1
check "--on-shard-failure fail --count: exit 2" $([ $? -eq 2 ]; echo $?) ""
"$Q" --cluster "$TMP/c.txt" --on-shard-failure partial --json --limit 200 oil >"$TMP/out" 2>"$TMP/err"
rc=$?
python3 - "$TMP/out" "$P1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["partial"] is True, d.get("partial")
assert d["missing_shards"] == [{"shard": 1, "replicas": "127.0.0.1:" + sys.argv[2]}], d["missing_shards"]
assert d["total"] > 0
EOF
check "partial: exit $rc, \"partial\": true, missing_shards [shard 1]" $? "$(head -c 400 "$TMP/out") $(cat "$TMP/err")"
grep -q "partial: shard 1 (127.0.0.1:$P1) did not answer" "$TMP/err"
check "partial: a line on stderr names shard 1" $? "$(cat "$TMP/err")"
# the partial answer is the other shards': their ids only
a=$("$Q" --db "$TMP/three" --json --limit 200 --strict oil | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$TMP/out")
[ "$b" -lt "$a" ]
check "partial: fewer matches than the whole ($b < $a)" $? ""
"$Q" --cluster "$TMP/c.txt" --entities rea >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "shard 1" "$TMP/out"
check "shard 1 down, fail: --entities exit 2 naming shard 1" $? "$(cat "$TMP/out")"
"$Q" --cluster "$TMP/c.txt" --on-shard-failure partial --entities rea \
    >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -le 1 ] && grep -q "partial: shard 1 (127.0.0.1:$P1) did not answer" "$TMP/err"
check "partial: --entities answers (exit $rc), a line names shard 1" $? \
    "$(cat "$TMP/out" "$TMP/err")"
"$Q" --cluster "$TMP/c.txt" --on-shard-failure partial --similar reuters-240 \
    --json >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -le 1 ] && grep -q '"partial": true' "$TMP/out"
check "partial: --similar --json answers (exit $rc), \"partial\": true" $? \
    "$(cat "$TMP/out" "$TMP/err")"
# morgue-serve --cluster (fail): 503 naming the shard, /healthz still ok
code=$(curl -s -o "$TMP/h" -w '%{http_code}' "http://127.0.0.1:$PORT/api/search?q=oil")
[ "$code" = 503 ] && grep -q "shard 1" "$TMP/h"
check "morgue-serve --cluster, shard 1 down: 503 naming shard 1" $? "$code $(cat "$TMP/h")"
code=$(curl -s -o "$TMP/h" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ]
check "morgue-serve --cluster, shard 1 down: /healthz 200" $? "$code $(cat "$TMP/h")"
# and partial
SERVER1=$SERVER
t_serve x --cluster "$TMP/c.txt" --on-shard-failure partial
SERVER2=$SERVER
SERVER=$SERVER1
curl -s "http://127.0.0.1:$PORT/api/search?q=oil" >"$TMP/h"
python3 - "$TMP/h" "$P1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["partial"] is True
assert d["missing_shards"] == [{"shard": 1, "replicas": "127.0.0.1:" + sys.argv[2]}]
assert d["total"] > 0
EOF
check "morgue-serve --cluster --on-shard-failure partial: 200, partial, shard 1 missing" $? "$(head -c 300 "$TMP/h")"
curl -s "http://127.0.0.1:$PORT/api/entities?prefix=rea" >"$TMP/h"
python3 - "$TMP/h" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["partial"] is True and d["missing_shards"][0]["shard"] == 1
EOF
check "morgue-serve partial: /api/entities 200 with partial, shard 1 missing" $? "$(head -c 300 "$TMP/h")"
PPORT=$PORT

# back up: the whole answer again
start_srv G1 "$P1" "$TMP/three/shard-1"
a=$("$Q" --db "$TMP/three" --json --limit 10 oil | ranked)
b=$("$Q" --cluster "$TMP/c.txt" --on-shard-failure partial --json --limit 10 oil | ranked)
[ "$a" = "$b" ]
check "shard 1 back: the whole answer again" $? "db $a | cluster $b"
sleep 1.2 # the failed replica's pause (retry_after 1 s)
b=$(curl -s "http://127.0.0.1:$PPORT/api/search?q=oil" | api_ids)
a=$("$Q" --db "$TMP/three" --json oil | api_ids)
[ -n "$b" ] && [ "$a" = "$b" ]
check "morgue-serve (partial) after shard 1 is back: the whole answer" $? "db $a | serve $b"

# two replicas of shard 2 (a second xapian-tcpsrv on the same directory):
# one killed, every query still answers under fail, within its timeout
P2B=$(free_port)
start_srv G2B "$P2B" "$TMP/three/shard-2"
cat >"$TMP/c2.txt" <<EOF
127.0.0.1:$P0
127.0.0.1:$P1
127.0.0.1:$P2 127.0.0.1:$P2B
EOF
want=$("$Q" --db "$TMP/three" --json --limit 10 oil | ranked)
kill -KILL -- "-$G2"
ok=0
worst=0
for i in 1 2 3 4; do
    s0=$(date +%s.%N)
    got=$("$Q" --cluster "$TMP/c2.txt" --query-timeout 1 --json --limit 10 oil | ranked)
    t=$(python3 -c "print(round($(date +%s.%N) - $s0, 3))")
    worst=$(python3 -c "print(max($worst, $t))")
    [ "$got" = "$want" ] || ok=1
done
python3 -c "import sys; sys.exit(0 if $worst < 1.1 + 0.5 else 1)" || ok=1
check "shard 2 with 2 replicas, one killed: 4 queries answer in full under fail (slowest run ${worst} s incl. start)" $ok "want $want | got $got"

# a shard that accepts and never answers (a listening socket that reads
# nothing) as shard 1's only replica: fail errors naming it, partial
# answers without it, each within --query-timeout 1 s + 10 % (+ 0.3 s for
# starting the program)
PS=$(free_port)
setsid python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(3600)' "$PS" &
GS=$!
disown "$GS"
GROUPS_STARTED="$GROUPS_STARTED $GS"
wait_port "$PS"
cat >"$TMP/c3.txt" <<EOF
127.0.0.1:$P0
127.0.0.1:$PS
127.0.0.1:$P2B
EOF
timed() {
    local s0 rc
    s0=$(date +%s.%N)
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    T=$(python3 -c "print(round($(date +%s.%N) - $s0, 3))")
    return $rc
}
timed "$Q" --cluster "$TMP/c3.txt" --query-timeout 1 --json oil
rc=$?
[ $rc -eq 2 ] && grep -q "shard 1" "$TMP/err" &&
    python3 -c "import sys; sys.exit(0 if $T < 1.1 + 0.3 else 1)"
check "silent shard 1, fail: exit 2 naming shard 1 in ${T} s" $? "rc $rc $(cat "$TMP/err")"
timed "$Q" --cluster "$TMP/c3.txt" --query-timeout 1 --on-shard-failure partial --json oil
rc=$?
[ $rc -eq 0 ] && grep -q '"partial": true' "$TMP/out" &&
    python3 -c "import sys; sys.exit(0 if $T < 1.1 + 0.3 else 1)"
check "silent shard 1, partial: answers without it in ${T} s" $? "rc $rc $(cat "$TMP/err") $(head -c 200 "$TMP/out")"

t_summary
