#!/bin/bash
# Replication of morgue-built shards (issue 22; docs/scale-out.md): an
# archive (corpus/ and a few JSON Lines files written here) indexed by
# morgue-index --engine xapian --shards 2 (the later runs with changesets
# on, as docs/scale-out.md says), each shard master served by
# xapian-replicate-server and copied by xapian-replicate (one-shot) into a
# replica folder served by its own xapian-tcpsrv.
# morgue-query --cluster over the masters, over the replicas' tcpsrvs and
# over the replica folders (local paths), and --db on the master
# directory, give the same ids, scores and totals.  Then the archive
# changes (an article added, one edited, a file removed, a takedown with
# --delete), the nightly morgue-index run (--prune) and replication run
# again: changesets, and the replica answers like the master and shows the
# changes; a morgue-serve --cluster on the replicas, started before, sees
# them without a restart.  Last, a replica removed gets a full copy, and a
# replica further behind than the master keeps changesets gets one while
# its xapian-tcpsrv and the morgue-serve stay up: still the same answers.
# Every server on 127.0.0.1, started with setsid and stopped by its pid.
# Skips (saying so) without xapian-tcpsrv, xapian-replicate or
# xapian-replicate-server, or where morgue-index was built without Xapian.
# The lower-level replication checks (readers held open, the replication
# server down, compaction) are tests/replication.sh's.
# Usage: bash tests/xapian_replication.sh BINDIR

BIN=${1:-bin}
. "$(dirname "$0")/lib.sh"
for t in xapian-tcpsrv xapian-replicate xapian-replicate-server; do
    t_need_tool xapian_replication "$t"
done
t_tmpdir xapian-repl
Q="$BIN/morgue-query"
GROUPS_STARTED=""

t_stop() {
    t_stop_server
    for g in $GROUPS_STARTED; do kill -KILL -- "-$g" 2>/dev/null; done
    return 0
}

if "$BIN/morgue-index" --engine xapian --db "$TMP/probe" corpus/seed 2>&1 |
    grep -q "not built"; then
    echo "xapian_replication: skipped: morgue-index was built without Xapian"
    t_summary
    exit $?
fi

# free_ports N: N ports of loopback free now
free_ports() {
    python3 -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
# wait_port PORT: until something accepts on PORT (5 s at most)
wait_port() {
    local n=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        n=$((n + 1))
        [ $n -lt 250 ] || return 1
        sleep 0.02
    done
}
# start VAR PORT COMMAND...: COMMAND in a session of its own (a signal to
# it reaches nothing else), listening on PORT; VAR gets its pid
start() {
    local var=$1 port=$2
    shift 2
    setsid "$@" >>"$TMP/servers.log" 2>&1 &
    local pid=$!
    disown "$pid"
    GROUPS_STARTED="$GROUPS_STARTED $pid"
    printf -v "$var" %s "$pid"
    wait_port "$port" || {
        bad "$1 on port $port did not start" "$(tail -5 "$TMP/servers.log")"
        t_summary
        exit 1
    }
}
tcpsrv() { # VAR PORT DIR
    start "$1" "$2" xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$2" "$3"
}
# replicate K [OPTION...]: one pass for shard K into $TMP/R/shard-K;
# REP gets xapian-replicate's summary ("1 copies, 0 changesets, ...")
replicate() {
    local k=$1
    shift
    xapian-replicate -h 127.0.0.1 -p "$RPORT" -m "shard-$k" -o -v -r 0 -t 5 \
        "$@" "$TMP/R/shard-$k" >"$TMP/rep.out" 2>&1
    local st=$?
    REP=$(sed -n 's/^Update complete: //p' "$TMP/rep.out")
    echo "# xapian-replicate shard-$k $*: ${REP:-exit $st}"
    return $st
}
idx() { "$BIN/morgue-index" --db "$TMP/M" "$@"; }
api_ids() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], " ".join(h["id"] for h in d["hits"]))'
}
# the queries compared: words across frequencies, a phrase, a field, a
# filter, a prefix, a sort, an offset, and the words of the articles that
# change below
QUERIES=('oil' 'opec' '"crude oil"' 'title:wheat' 'coffee -brazil'
    'grain*' 'date:1987-03 copper' 'said' 'quokkafest' 'marmalade'
    'gondolier' 'kim')
# same WHEN: for every query, --cluster over the replicas (tcpsrv), over
# the replica folders and over the masters, and --db on the master
# directory: the same total, ids, order and scores (one python3 for all)
same() {
    local i=0 q
    rm -rf "$TMP/ans"
    mkdir -p "$TMP/ans"
    for q in "${QUERIES[@]}"; do
        i=$((i + 1))
        printf '%s\n' "$q" >"$TMP/ans/$i.q"
        for w in db:"--db $TMP/M" master:"--cluster $TMP/master.cl" \
            replica:"--cluster $TMP/replica.cl" local:"--cluster $TMP/local.cl"; do
            # shellcheck disable=SC2086 # the option and its value
            "$Q" ${w#*:} --json --limit 20 --offset 1 "$q" >"$TMP/ans/$i.${w%%:*}" 2>&1
        done
    done
    python3 - "$TMP/ans" $i >"$TMP/same.out" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
def ranked(f):
    try:
        j = json.load(open(f))
    except ValueError:
        return "not JSON: " + open(f).read()[:200]
    return "%s %s %s" % (j["total"], j.get("partial", False),
        " ".join("%s:%.9g" % (h["id"], h["score"]) for h in j["hits"]))
bad = 0
for i in range(1, n + 1):
    a = {w: ranked("%s/%d.%s" % (d, i, w)) for w in ("db", "master", "replica", "local")}
    if len(set(a.values())) != 1 or a["db"].startswith("not JSON"):
        bad += 1
        print(repr(open("%s/%d.q" % (d, i)).read().strip()) + ":")
        for w, v in a.items():
            print("  %-7s %s" % (w, v[:300]))
sys.exit(1 if bad else 0)
PY
    check "$1: ${#QUERIES[@]} queries, the replicas answer like the masters (ids, scores, totals)" $? \
        "$(cat "$TMP/same.out")"
}
total_of() { # QUERY: its total over the replicas
    "$Q" --cluster "$TMP/replica.cl" --json --limit 1 "$1" |
        sed -n 's/^  "total": \([0-9]*\),$/\1/p'
}

# the archive: corpus/ and a wire feed
A=$TMP/arch
mkdir -p "$A/wire"
cp -r corpus "$A/corpus"
cat >"$A/wire/day1.jsonl" <<'EOF'
{"id":"a","source":"W","date":"2026-11-30","title":"Harbour pilots strike","body":"Harbour pilots walked out over pay, halting tankers at the oil terminal."}
{"id":"b","source":"W","date":"2026-11-30","title":"Orange harvest","body":"Growers expect a record orange harvest this winter."}
{"id":"c","source":"W","date":"2026-11-30","title":"Canal tolls","body":"The canal authority raised tolls for grain carriers."}
EOF
cat >"$A/wire/day2.jsonl" <<'EOF'
{"id":"g","source":"W","date":"2026-12-01","title":"Gondolier contest","body":"A gondolier from Venice won the regatta, a gondolier's first in a decade."}
EOF

# as docs/scale-out.md: the first build without changesets, the later
# runs with them
env -u XAPIAN_MAX_CHANGESETS "$BIN/morgue-index" --db "$TMP/M" --engine xapian \
    --shards 2 "$A" >"$TMP/out" 2>&1
check "morgue-index --engine xapian --shards 2" $? "$(cat "$TMP/out")"
export XAPIAN_MAX_CHANGESETS=4

# shellcheck disable=SC2046 # five words wanted
set -- $(free_ports 5)
RPORT=$1 MP0=$2 MP1=$3 RP0=$4 RP1=$5
start RSERVER "$RPORT" xapian-replicate-server -I 127.0.0.1 -p "$RPORT" "$TMP/M"
mkdir "$TMP/R"
for k in 0 1; do
    replicate $k
    case $REP in
    1\ copies,\ 0\ changesets*) ok "shard-$k: the first replication is a full copy" ;;
    *) bad "shard-$k: the first replication is a full copy" "$(cat "$TMP/rep.out")" ;;
    esac
done

tcpsrv GM0 "$MP0" "$TMP/M/shard-0"
tcpsrv GM1 "$MP1" "$TMP/M/shard-1"
tcpsrv GR0 "$RP0" "$TMP/R/shard-0"
tcpsrv GR1 "$RP1" "$TMP/R/shard-1"
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$MP0" "$MP1" >"$TMP/master.cl"
printf '# the replicas, each through its own xapian-tcpsrv\n127.0.0.1:%s\n127.0.0.1:%s\n' \
    "$RP0" "$RP1" >"$TMP/replica.cl"
printf '%s\n%s\n' "$TMP/R/shard-0" "$TMP/R/shard-1" >"$TMP/local.cl"

same "after the first copy"
[ "$(total_of gondolier)" = 1 ] && [ "$(total_of quokkafest)" = 0 ]
check "the replica holds the archive as indexed (gondolier 1, quokkafest 0)" $?

# morgue-serve on the replicas, started before the archive changes
t_serve x --cluster "$TMP/replica.cl"
[ -n "$PORT" ]
check "morgue-serve --cluster on the replicas starts" $? "$(cat "$TMP/serve.err")"
serve_ids() { curl -s "http://127.0.0.1:$PORT/api/search?q=$1" | api_ids; }
# serve_until WANT QUERY: asks morgue-serve QUERY every 0.1 s (3 s at
# most) until it answers WANT ("total id..."); b is its last answer, i the
# polls before it
serve_until() {
    i=0
    while [ $i -lt 30 ]; do
        b=$(serve_ids "$2")
        [ "$b" = "$1" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
want() { "$Q" --cluster "$TMP/master.cl" --json "$1" | api_ids; }
a=$(want oil)
b=$(serve_ids oil)
[ -n "$b" ] && [ "$a" = "$b" ]
check "morgue-serve on the replicas: /api/search?q=oil = the masters'" $? "master $a | serve $b"

# the archive changes: an article added, one edited, a file removed, a
# takedown; then the nightly run and replication
TAKEN=$("$Q" --db "$TMP/M" --json --limit 1 opec | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["id"])')
cat >"$A/wire/day3.jsonl" <<'EOF'
{"id":"n","source":"W","date":"2026-12-02","title":"Quokkafest opens","body":"The first quokkafest drew crowds to the island."}
EOF
cat >"$A/wire/day1.jsonl" <<'EOF'
{"id":"a","source":"W","date":"2026-11-30","title":"Harbour pilots strike","body":"Harbour pilots walked out over pay, halting tankers at the oil terminal."}
{"id":"b","source":"W","date":"2026-11-30","title":"Orange harvest: marmalade makers worried","body":"Growers expect a poor orange harvest; marmalade makers fear prices will rise."}
{"id":"c","source":"W","date":"2026-11-30","title":"Canal tolls","body":"The canal authority raised tolls for grain carriers."}
EOF
rm "$A/wire/day2.jsonl"
idx --delete "$TAKEN" >"$TMP/out" 2>&1
check "morgue-index --delete $TAKEN (a takedown)" $? "$(cat "$TMP/out")"
idx --prune "$A" >"$TMP/out" 2>&1
grep -q "1 new, 1 changed, .* 1 removed articles" "$TMP/out"
check "the nightly run: 1 new, 1 changed, 1 removed" $? "$(cat "$TMP/out")"
ls "$TMP/M/shard-0"/changes* >/dev/null 2>&1 && ls "$TMP/M/shard-1"/changes* >/dev/null 2>&1
check "with XAPIAN_MAX_CHANGESETS=4 each shard writes changesets" $? "$(ls "$TMP/M"/shard-*)"
for k in 0 1; do
    replicate $k
    case $REP in
    0\ copies,\ [1-9]*) ok "shard-$k: the changes arrive as changesets ($REP)" ;;
    *) bad "shard-$k: the changes arrive as changesets" "$(cat "$TMP/rep.out")" ;;
    esac
done
same "after the nightly run"
b=$("$Q" --cluster "$TMP/replica.cl" --json marmalade | python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["total"], d["hits"][0]["id"], d["hits"][0]["title"])')
[ "$(total_of quokkafest)" = 1 ] && [ "$(total_of gondolier)" = 0 ] &&
    [ "$b" = "1 W:b Orange harvest: marmalade makers worried" ] &&
    ! "$Q" --cluster "$TMP/replica.cl" --json --limit 500 opec | grep -q "\"$TAKEN\""
check "the replicas show the changes: added, edited, removed, $TAKEN taken down" $? "marmalade: $b"
# morgue-serve reopens its connections (at most every second): it sees the
# new revision without a restart
serve_until "1 W:n" quokkafest
a=$(want opec)
c=$(serve_ids opec)
[ "$b" = "1 W:n" ] && [ "$a" = "$c" ]
check "morgue-serve sees the new revision without a restart (after $i polls of 0.1 s)" $? \
    "quokkafest: $b | opec: master $a serve $c"

# a replica removed (a new host, a lost disk): a full copy
kill -KILL -- "-$GR1"
rm -rf "$TMP/R/shard-1"
replicate 1
case $REP in
1\ copies,\ 0\ changesets*) ok "a replica removed: a full copy" ;;
*) bad "a replica removed: a full copy" "$(cat "$TMP/rep.out")" ;;
esac
tcpsrv GR1 "$RP1" "$TMP/R/shard-1"
same "after a full copy of shard-1"
a=$(want oil)
b=$(serve_ids oil)
[ -n "$b" ] && [ "$a" = "$b" ]
check "morgue-serve reconnects to the new copy: /api/search?q=oil = the masters'" $? \
    "master $a | serve $b"

# a replica further behind than the master keeps changesets (1 here, 3
# nightly runs): a full copy while its xapian-tcpsrv and morgue-serve
# hold it open
export XAPIAN_MAX_CHANGESETS=1
for n in 1 2 3; do
    : >"$A/wire/more$n.jsonl"
    for j in 1 2 3 4 5 6; do
        printf '{"id":"m%s%s","source":"W","date":"2026-12-0%s","title":"Kelpmarket table %s","body":"High water at the kelpmarket quay, day %s, entry %s."}\n' \
            "$n" "$j" "$n" "$n$j" "$n" "$j" >>"$A/wire/more$n.jsonl"
    done
    idx --quiet "$A" || bad "nightly run $n" ""
done
for k in 0 1; do
    replicate $k
    case $REP in
    1\ copies*) ok "shard-$k 3 revisions behind a master keeping 1 changeset: a full copy" ;;
    *) bad "shard-$k 3 revisions behind a master keeping 1 changeset: a full copy" \
        "$(cat "$TMP/rep.out"; ls "$TMP/M/shard-$k")" ;;
    esac
done
QUERIES+=('kelpmarket' 'water')
same "after the full copies under a live xapian-tcpsrv"
[ "$(total_of kelpmarket)" = 18 ]
check "the replicas hold the 18 new articles" $? "$(total_of kelpmarket)"
a=$(want kelpmarket)
serve_until "$a" kelpmarket
[ "$a" = "$b" ]
check "morgue-serve moves to the full copies without a restart (after $i polls)" $? \
    "master $a | serve $b"
code=$(curl -s -o "$TMP/h" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ]
check "morgue-serve: /healthz 200 throughout" $? "$code $(cat "$TMP/h")"

t_summary
