#!/bin/sh
# morgue-query and morgue-serve --db DIR on a Xapian index, recognised by
# itself (engine/xapian/NOTES-wire.md): corpus/ into FTS5, one Xapian
# database and 3 shards; strict queries give the same ids (as sets) and
# totals on all three, and one database and 3 shards the same order and
# scores; --count, filters, --sort newest; --entities and --similar give
# FTS5's answers, and so do entity facets with their "with"; morgue-serve
# answers /healthz, /api/search and
# /api/entities on each.  Skipped
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

# the hits two --json answers share (by id): "N DIFFERING", the first
# difference on stderr
same_snips() {
    python3 - "$1" "$2" <<'PY'
import json, sys
a = {h["id"]: (h["snippet"], h["highlights"]) for h in json.load(open(sys.argv[1]))["hits"]}
b = {h["id"]: (h["snippet"], h["highlights"]) for h in json.load(open(sys.argv[2]))["hits"]}
n = bad = 0
for k in sorted(a):
    if k in b:
        n += 1
        if a[k] != b[k]:
            if not bad:
                print(k, a[k], "|", b[k], file=sys.stderr)
            bad += 1
print(n, bad)
PY
}
# an article's marks and its entities (kind, name: the mentions are not
# kept by the Xapian engine) from --show --json or /api/article
marks_ents() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
print(json.dumps(d["marks"], sort_keys=True))
print(sorted((e["kind"], e["name"]) for e in d["entities"]))'
}
# snippets and highlights: for queries of every kind, each hit FTS5 and
# 3 shards share has the same (relevance, relaxed where too few hold all
# the words; strict; newest first); --show ID QUERY: the same marks; the
# text output's snippet lines as FTS5's
xsnip_checks() {
    for q in 'cocoa' 'summits' 'exporting' '"crude oil"' 'export*' \
        'title:wheat' 'lede:opec' 'body:"interest rates"' 'NEAR(dollar yen)' \
        '"oil prices"~3' 'coffee -brazil' 'wheat -title:wheat' \
        'saudi arabia oil minister production quota'; do
        for how in "" "--strict" "--sort newest"; do
            # shellcheck disable=SC2086
            "$Q" --db "$TMP/f.db" --json --limit 50 $how "$q" >"$TMP/sn.f"
            # shellcheck disable=SC2086
            "$Q" --db "$TMP/three" --json --limit 50 $how "$q" >"$TMP/sn.x"
            r=$(same_snips "$TMP/sn.f" "$TMP/sn.x" 2>"$TMP/sn.err")
            [ "${r%% *}" -gt 0 ] && [ "${r##* }" = 0 ]
            check "'$q' $how: 3 shards' snippets are FTS5's ($r)" $? \
                "$r $(cat "$TMP/sn.err")"
        done
    done
    for show in 'reuters-282 NEAR(dollar yen)' 'reuters-543 "crude oil"' \
        'reuters-1 cocoa exports' 'reuters-127 price*'; do
        id=${show%% *}
        q=${show#* }
        "$Q" --db "$TMP/f.db" --json --show "$id" "$q" | marks_ents >"$TMP/m.f"
        "$Q" --db "$TMP/three" --json --show "$id" "$q" | marks_ents >"$TMP/m.x"
        cmp -s "$TMP/m.f" "$TMP/m.x" && ! grep -q '"body": \[\]' "$TMP/m.x"
        check "--show $id '$q': FTS5's marks and entities" $? \
            "$(cat "$TMP/m.f" "$TMP/m.x")"
    done
    "$Q" --db "$TMP/three" --show reuters-282 dollar >"$TMP/out"
    grep -q '^Places: Bangkok, Thailand$' "$TMP/out" &&
        grep -q '\[dollar\] borrowing' "$TMP/out"
    check "--show: the entities without counts, the words marked" $? \
        "$(head -12 "$TMP/out")"
    for q in 'NEAR(dollar yen)' '"crude oil"' 'lede:opec'; do
        "$Q" --db "$TMP/f.db" --sort oldest --strict --limit 5 "$q" |
            grep -v score >"$TMP/t.f"
        "$Q" --db "$TMP/three" --sort oldest --strict --limit 5 "$q" |
            grep -v score >"$TMP/t.x"
        cmp -s "$TMP/t.f" "$TMP/t.x" && grep -q '\[' "$TMP/t.x"
        check "text output '$q': FTS5's titles and marked snippets" $? \
            "$(diff "$TMP/t.f" "$TMP/t.x")"
    done
}

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
xsnip_checks
"$Q" --db "$TMP/three" --show reuters-127 | head -1 | grep -q "DIAMOND SHAMROCK"
check "--show ID reads the article from its shard" $?

# entity autocompletion: FTS5's list (kinds, names, counts, order) from
# the XV name terms, counts over every shard, names by the form most
# articles give; "rea" finds Reagan by a mention, not his canonical name
for p in sau rea a u.s opec ge ho li pa wo new j ''; do
    a=$("$Q" --db "$TMP/f.db" --entities "$p" --json --limit 10)
    b=$("$Q" --db "$TMP/one" --entities "$p" --json --limit 10)
    c=$("$Q" --db "$TMP/three" --entities "$p" --json --limit 10)
    [ "$(printf %s "$a" | grep -c '"kind"')" -ge 1 ] && [ "$a" = "$b" ] &&
        [ "$a" = "$c" ]
    check "--entities '$p': FTS5, one database, 3 shards: the same list" $? \
        "fts5 $a | one $b | three $c"
done
"$Q" --db "$TMP/three" --entities rea | grep -q "^person  Ronald Reagan (3)$"
check "--entities rea: Ronald Reagan by the mention 'Reagan'" $?
# lone family names resolved across the index as FTS5 does (each article
# naming "Nakasone" alone counts for Yasuhiro Nakasone): every two-letter
# prefix FTS5 completes gives the same list on all three, but for the
# order of equal names of two kinds with equal counts (NOTES-ents.md:
# FTS5 orders them by entity id; "lo": place and person Lombard, 1 each),
# so a list that differs is compared again whole, in (count, name, kind)
# order
whole() {
    "$Q" --db "$1" --entities "$2" --json --limit 1000 | python3 -c '
import json,sys
e=json.load(sys.stdin)
print(sorted((-x["count"], x["name"], x["kind"]) for x in e))'
}
n=0
differ=
ties=
for x in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
    for y in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
        a=$("$Q" --db "$TMP/f.db" --entities "$x$y" --json --limit 10) ||
            continue
        n=$((n + 1))
        b=$("$Q" --db "$TMP/one" --entities "$x$y" --json --limit 10)
        c=$("$Q" --db "$TMP/three" --entities "$x$y" --json --limit 10)
        [ "$a" = "$b" ] && [ "$a" = "$c" ] && continue
        a=$(whole "$TMP/f.db" "$x$y")
        if [ -n "$a" ] && [ "$a" = "$(whole "$TMP/one" "$x$y")" ] &&
            [ "$a" = "$(whole "$TMP/three" "$x$y")" ]; then
            ties="$ties $x$y"
        else
            differ="$differ $x$y"
        fi
    done
done
[ "$n" -ge 300 ] && [ -z "$differ" ]
check "--entities: all $n two-letter prefixes FTS5 completes, the same" $? \
    "differ:$differ (in tie order only:$ties)"
"$Q" --db "$TMP/three" --entities na >"$TMP/out"
grep -q "^person  Yasuhiro Nakasone (27)$" "$TMP/out"
check "--entities na: Yasuhiro Nakasone (27) with his lone family name" $? \
    "$(cat "$TMP/out")"
for k in person place org; do
    a=$("$Q" --db "$TMP/f.db" --entities m --kind $k --limit 5)
    c=$("$Q" --db "$TMP/three" --entities m --kind $k --limit 5)
    [ -n "$a" ] && [ "$a" = "$c" ] && ! printf %s "$c" | grep -vq "^$k "
    check "--entities m --kind $k: FTS5's 5, of that kind only" $? "$a | $c"
done
"$Q" --db "$TMP/three" --entities zzzq >"$TMP/out" 2>&1
[ $? -eq 1 ] && [ ! -s "$TMP/out" ]
check "--entities with no match: exit 1, nothing printed" $? "$(cat "$TMP/out")"

# entity facets with their "with" (the names met most with each, counted
# over the same matches): FTS5's for these queries (where an article
# names more than 24 entities they differ: NOTES-ents.md)
with_lines() {
    python3 -c 'import json,sys
d=json.load(sys.stdin)
for k, v in d.get("facets", {}).items():
    for e in v:
        print(k, e["name"], e["count"], "|", "; ".join("%s %s %s" % (w["kind"], w["name"], w["count"]) for w in e.get("with", [])))'
}
for q in opec cocoa 'oil prices' grain coffee wheat '"crude oil"' copper; do
    a=$("$Q" --db "$TMP/f.db" --json --facets "$q" | with_lines)
    b=$("$Q" --db "$TMP/one" --json --facets "$q" | with_lines)
    c=$("$Q" --db "$TMP/three" --json --facets "$q" | with_lines)
    [ -n "$a" ] && printf %s "$a" | grep -q '| [a-z]' && [ "$a" = "$b" ] &&
        [ "$a" = "$c" ]
    check "--facets '$q': FTS5's entity facets and their with" $? \
        "fts5 $a | one $b | three $c"
done

# --timing: the Xapian engine's parts and its passes (count, spies, page,
# groups, one per facet entity over shards), not FTS5's ranking figures
"$Q" --db "$TMP/three" --timing --facets 'oil prices' >/dev/null 2>"$TMP/timing"
grep -Eq '^morgue-query: [0-9.]+ ms: plan [0-9.]+, count [0-9.]+, rank [0-9.]+, page [0-9.]+, facets [0-9.]+, suggestion [0-9.]+; [0-9]+ passes over the Xapian engine' "$TMP/timing" &&
    [ "$(sed -n 's/.*; \([0-9]*\) passes.*/\1/p' "$TMP/timing")" -ge 4 ]
check "--timing on shards: the parts and the passes over them" $? "$(cat "$TMP/timing")"

# near-duplicates: FTS5's (ids, distances as scores, dates, ledes) for
# articles with copies and some without
for id in reuters-240 reuters-264 reuters-888 reuters-7536 reuters-16 \
    reuters-17295 reuters-17216 reuters-17283 reuters-873 reuters-567 \
    reuters-127 reuters-1 reuters-76; do
    a=$("$Q" --db "$TMP/f.db" --similar $id --json)
    b=$("$Q" --db "$TMP/one" --similar $id --json)
    c=$("$Q" --db "$TMP/three" --similar $id --json)
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
    check "--similar $id: FTS5, one database, 3 shards: the same" $? \
        "fts5 $a | one $b | three $c"
done
n=$("$Q" --db "$TMP/three" --similar reuters-240 --json | grep -c '"id"')
[ "$n" -eq 2 ]
check "--similar reuters-240: its 2 copies" $? "$n"
"$Q" --db "$TMP/three" --similar reuters-240 --limit 1 --json >"$TMP/out"
[ "$(grep -c '"id"' "$TMP/out")" -eq 1 ] && grep -q reuters-230 "$TMP/out"
check "--similar --limit 1: the nearest" $? "$(cat "$TMP/out")"
"$Q" --db "$TMP/one" --similar nosuch >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q 'no article "nosuch" in' "$TMP/out"
check "--similar of no article: exit 2, says so" $? "$(cat "$TMP/out")"

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
        "http://127.0.0.1:$PORT/api/entities?prefix=rea&limit=5")
    a=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["entities"])' \
        <"$TMP/h" 2>&1)
    b=$("$Q" --db "$TMP/f.db" --entities rea --limit 5 --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin))')
    [ "$code" = 200 ] && [ "$a" = "$b" ]
    check "morgue-serve $d: /api/entities?prefix=rea = FTS5's" $? \
        "$code $a | $b"
    curl -s "http://127.0.0.1:$PORT/api/article/reuters-127" | grep -q 'DIAMOND SHAMROCK'
    check "morgue-serve $d: /api/article/ID from its shard" $?
    t_stop_server
done

# snippets and highlights over 3 shards: the API's and FTS5's
t_serve "$TMP/three"
if [ -n "$PORT" ]; then
    for q in '"crude oil"' 'NEAR(dollar yen)' 'export*'; do
        enc=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
        curl -s "http://127.0.0.1:$PORT/api/search?q=$enc&limit=50" >"$TMP/api.x"
        "$Q" --db "$TMP/f.db" --json --limit 50 "$q" >"$TMP/api.f"
        r=$(same_snips "$TMP/api.f" "$TMP/api.x")
        [ "${r%% *}" -gt 0 ] && [ "${r##* }" = 0 ]
        check "/api/search '$q' on 3 shards: snippets as FTS5's ($r)" $? "$r"
    done
    curl -s "http://127.0.0.1:$PORT/api/article/reuters-282?q=NEAR(dollar%20yen)" |
        marks_ents >"$TMP/am.x"
    "$Q" --db "$TMP/f.db" --json --show reuters-282 'NEAR(dollar yen)' |
        marks_ents >"$TMP/am.f"
    cmp -s "$TMP/am.f" "$TMP/am.x"
    check "/api/article/ID?q= on 3 shards: FTS5's marks and entities" $? \
        "$(cat "$TMP/am.f" "$TMP/am.x")"
    t_stop_server
fi

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

# the resolution follows a takedown and a put-back (the article's link
# goes and comes back, in both engines), and a run over the same files
# changes nothing; reuters-17325 names "Nakasone" alone, the one article
# of corpus/ that does
LONE_ID=reuters-17325
na() {
    "$Q" --db "$1" --entities nakasone --json --limit 1 | python3 -c '
import json,sys
print(" ".join("%s:%s" % (e["name"], e["count"]) for e in json.load(sys.stdin)))'
}
for d in f.db three; do
    "$BIN/morgue-index" --db "$TMP/$d" --delete "$LONE_ID" >"$TMP/out" 2>&1 &&
        [ "$(na "$TMP/$d")" = "Yasuhiro Nakasone:26" ]
    check "$d: $LONE_ID taken down: Yasuhiro Nakasone in 26 articles" $? \
        "$(na "$TMP/$d") $(cat "$TMP/out")"
    "$BIN/morgue-index" --db "$TMP/$d" --unsuppress "$LONE_ID" >"$TMP/out" 2>&1 &&
        "$BIN/morgue-index" --db "$TMP/$d" corpus/ >>"$TMP/out" 2>&1 &&
        [ "$(na "$TMP/$d")" = "Yasuhiro Nakasone:27" ]
    check "$d: $LONE_ID back: Yasuhiro Nakasone in 27 articles" $? \
        "$(na "$TMP/$d") $(cat "$TMP/out")"
done
"$Q" --db "$TMP/three" --entities na --json >"$TMP/na.1"
"$BIN/morgue-index" --db "$TMP/three" corpus/ >"$TMP/out" 2>&1 &&
    "$Q" --db "$TMP/three" --entities na --json >"$TMP/na.2" &&
    cmp -s "$TMP/na.1" "$TMP/na.2" && grep -q "0 new" "$TMP/out"
check "3 shards: a run over the same files changes nothing" $? \
    "$(cat "$TMP/out")"

t_summary
