#!/bin/sh
# morgue-query and morgue-serve --db DIR on a Xapian index, recognised by
# itself (engine/xapian/NOTES-wire.md): corpus/ into FTS5, one Xapian
# database and 3 shards; strict queries give the same ids (as sets) and
# totals on all three, and one database and 3 shards the same order and
# scores; --count, filters, --sort newest; what the engine does not do
# says so; morgue-serve answers /healthz and /api/search on each.  Skipped
# where morgue-index was built without Xapian.  Needs curl and python3.
# Usage: sh tests/xapian_query.sh BINDIR

BIN=${1:-bin}
. "$(dirname "$0")/lib.sh"
t_tmpdir xapian-query
Q="$BIN/morgue-query"

if "$BIN/morgue-index" --engine xapian --db "$TMP/probe" corpus/seed 2>&1 |
    grep -q "not built"; then
    echo "skip - xapian_query.sh: morgue-index was built without Xapian"
    t_summary
    exit $?
fi

"$BIN/morgue-index" --db "$TMP/f.db" corpus/ >"$TMP/out" 2>&1
check "corpus/ into FTS5" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --engine xapian --db "$TMP/one" corpus/ >"$TMP/out" 2>&1
check "corpus/ into one Xapian database" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --engine xapian --shards 3 --db "$TMP/three" corpus/ \
    >"$TMP/out" 2>&1
check "corpus/ into 3 shards" $? "$(cat "$TMP/out")"

# ids as a sorted set, the total: from --json
ids() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], " ".join(sorted(h["id"] for h in d["hits"])))'
}
# ids in order with scores to 9 digits
ranked() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], " ".join("%s:%.9g" % (h["id"], h["score"]) for h in d["hits"]))'
}
# the ids of the text output's "N. TITLE" lines are not printed: compare
# its title lines and its summary line
text() { grep -E '^[0-9]+\. |matching articles shown'; }

# strict queries whose match set is smaller than the page: the same set
for q in 'opec' 'cocoa' 'oil AND gas' '"crude oil"' 'title:wheat' \
    'coffee -brazil' 'place:"saudi arabia" oil' 'date:1987-03 copper' \
    'sugar OR cocoa' 'grain*'; do
    a=$("$Q" --db "$TMP/f.db" --strict --json --limit 200 "$q" | ids)
    b=$("$Q" --db "$TMP/one" --strict --json --limit 200 "$q" | ids)
    c=$("$Q" --db "$TMP/three" --strict --json --limit 200 "$q" | ids)
    [ -n "$a" ] && [ "${a%% *}" -gt 0 ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
    check "'$q': FTS5, one database, 3 shards: same total and ids" $? \
        "fts5 $a | one $b | three $c"
    b=$("$Q" --db "$TMP/one" --strict --json --limit 20 --offset 3 "$q" | ranked)
    c=$("$Q" --db "$TMP/three" --strict --json --limit 20 --offset 3 "$q" | ranked)
    [ "$b" = "$c" ]
    check "'$q': one database and 3 shards: same order and scores" $? \
        "one $b | three $c"
done

for q in 'oil' 'said' 'trade deficit' 'ship*'; do
    a=$("$Q" --db "$TMP/f.db" --count "$q")
    b=$("$Q" --db "$TMP/one" --count "$q")
    c=$("$Q" --db "$TMP/three" --count "$q")
    [ -n "$a" ] && [ "$a" -gt 0 ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
    check "--count '$q': $a on all three" $? "$a $b $c"
done
a=$("$Q" --db "$TMP/f.db" --count --json --since 1987-03-01 --until 1987-03-15 oil)
b=$("$Q" --db "$TMP/three" --count --json --since 1987-03-01 --until 1987-03-15 oil)
[ "$a" = "$b" ]
check "--count --json --since --until: the same" $? "$a | $b"

# newest first (nothing folded, as FTS5): the same dates in order (equal
# dates may differ)
dates() { python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d["total"], " ".join(h["date"] or "-" for h in d["hits"]))'; }
for d in f.db one three; do
    "$Q" --db "$TMP/$d" --json --sort newest --limit 30 oil | dates >"$TMP/newest.$d"
done
cmp -s "$TMP/newest.f.db" "$TMP/newest.one" && cmp -s "$TMP/newest.f.db" "$TMP/newest.three"
check "--sort newest: the same dates in order" $? "$(cat "$TMP"/newest.*)"

# the text output: the one database and 3 shards print the same page
"$Q" --db "$TMP/one" --limit 5 'oil prices' | text >"$TMP/t.one"
"$Q" --db "$TMP/three" --limit 5 'oil prices' | text >"$TMP/t.three"
[ "$(wc -l <"$TMP/t.one")" -eq 6 ] && cmp -s "$TMP/t.one" "$TMP/t.three"
check "text output: 5 hits, the same from one database and 3 shards" $? \
    "$(cat "$TMP/t.one" "$TMP/t.three")"
# (the article named by its title, so that no ranking change moves it)
"$Q" --db "$TMP/three" --limit 1 \
    'title:"Kuwait minister says no emergency OPEC talks set"' |
    sed -n 3p | grep -q "Kuwait's oil minister said in a newspaper interview"
check "a hit's snippet is its lede" $?
"$Q" --db "$TMP/three" --show reuters-127 | head -1 | grep -q "DIAMOND SHAMROCK"
check "--show ID reads the article from its shard" $?

# what the engine does not do says so (exit 2, never an empty answer)
"$Q" --db "$TMP/three" --entities sau >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "not supported by the xapian engine" "$TMP/out"
check "--entities: not supported by the xapian engine" $? "$(cat "$TMP/out")"
"$Q" --db "$TMP/one" --similar reuters-127 >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "not supported by the xapian engine" "$TMP/out"
check "--similar: not supported by the xapian engine" $? "$(cat "$TMP/out")"

# morgue-serve on each Xapian index
for d in one three; do
    t_serve "$TMP/$d"
    [ -n "$PORT" ]
    check "morgue-serve --db $d starts" $? "$(cat "$TMP/serve.err")"
    [ -n "$PORT" ] || continue
    curl -s "http://127.0.0.1:$PORT/healthz" >"$TMP/h" 2>&1
    grep -q '"articles": *1119' "$TMP/h"
    check "morgue-serve $d: /healthz counts 1119 articles" $? "$(cat "$TMP/h")"
    curl -s "http://127.0.0.1:$PORT/api/search?q=opec&limit=50" | ids >"$TMP/s.$d"
    "$Q" --db "$TMP/f.db" --json --limit 50 opec | ids >"$TMP/s.f"
    cmp -s "$TMP/s.$d" "$TMP/s.f"
    check "morgue-serve $d: /api/search?q=opec = FTS5's ids" $? \
        "$(cat "$TMP/s.$d" "$TMP/s.f")"
    code=$(curl -s -o "$TMP/h" -w '%{http_code}' \
        "http://127.0.0.1:$PORT/api/search?q=oil&sort=newest&facets=1")
    [ "$code" = 200 ] && grep -q '"facets"' "$TMP/h"
    check "morgue-serve $d: newest with facets: 200" $? "$code $(head -c 300 "$TMP/h")"
    code=$(curl -s -o "$TMP/h" -w '%{http_code}' \
        "http://127.0.0.1:$PORT/api/entities?prefix=sau")
    [ "$code" = 501 ] && grep -q "not supported by the xapian engine" "$TMP/h" &&
        ! grep -q "$TMP" "$TMP/h"
    check "morgue-serve $d: /api/entities: 501, not supported, no path" $? \
        "$code $(cat "$TMP/h")"
    curl -s "http://127.0.0.1:$PORT/api/article/reuters-127" | grep -q 'DIAMOND SHAMROCK'
    check "morgue-serve $d: /api/article/ID from its shard" $?
    t_stop_server
done

# a running morgue-serve sees a later morgue-index run (no restart)
"$BIN/morgue-index" --engine xapian --shards 3 --db "$TMP/grow" corpus/seed \
    >"$TMP/out" 2>&1
check "corpus/seed into 3 new shards" $? "$(cat "$TMP/out")"
t_serve "$TMP/grow"
if [ -n "$PORT" ]; then
    n0=$(curl -s "http://127.0.0.1:$PORT/api/search?q=oil&limit=1" | ids)
    "$BIN/morgue-index" --db "$TMP/grow" corpus/ >"$TMP/out" 2>&1
    check "corpus/ added while morgue-serve reads it" $? "$(cat "$TMP/out")"
    n1=$(curl -s "http://127.0.0.1:$PORT/api/search?q=oil&limit=1" | ids)
    curl -s "http://127.0.0.1:$PORT/healthz" >"$TMP/h"
    [ "${n0%% *}" = 0 ] && [ "${n1%% *}" = 92 ] && grep -q '"articles": *1119' "$TMP/h"
    check "morgue-serve sees the new revision: oil 0 -> 92, /healthz 1119" $? \
        "$n0 | $n1 | $(cat "$TMP/h")"
    t_stop_server
else
    bad "morgue-serve on the growing index starts" "$(cat "$TMP/serve.err")"
fi

t_summary
