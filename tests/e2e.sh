#!/bin/sh
# End-to-end tests of the real binaries: index the sample corpus (and
# Reuters-21578 from ../shared/corpus when present), query it, and feed both
# programs bad input.  Usage: sh tests/e2e.sh BINDIR
# Prints "N passed, N failed" last; exits non-zero when anything failed.

BIN=${1:-bin}
SHARED=${MORGUE_SHARED:-../shared/corpus}
. "$(dirname "$0")/lib.sh"
t_tmpdir e2e
DB="$TMP/m.db"
# A sanitizer report or a signal is a failure whatever else happened.
crashed() { [ "$1" -ge 128 ] || grep -q 'Sanitizer\|runtime error' "$TMP/err" 2>/dev/null; }

run_q() { "$BIN/morgue-query" --db "$DB" "$@" >"$TMP/out" 2>"$TMP/err"; }

# --help and --version
for p in morgue-index morgue-query; do
    "$BIN/$p" --help >"$TMP/out" 2>&1; check "$p --help exits 0" $? "$(cat "$TMP/out")"
    grep -q "usage: $p" "$TMP/out"; check "$p --help prints usage" $?
    "$BIN/$p" --version >"$TMP/out" 2>&1; check "$p --version exits 0" $?
    grep -q "^$p [0-9]" "$TMP/out"; check "$p --version prints the version" $?
    "$BIN/$p" --no-such-option >/dev/null 2>&1; [ $? -eq 2 ]; check "$p: unknown option exits 2" $?
done

# Index the sample corpus.
"$BIN/morgue-index" --db "$DB" corpus/ >"$TMP/out" 2>"$TMP/err"
st=$?
check "index corpus/ exits 0" $st "$(cat "$TMP/out" "$TMP/err")"
grep -q "1119 new, 0 changed, 0 unchanged, 0 removed articles; files: 3 indexed" "$TMP/out"
check "corpus/ gives 1119 articles" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --db "$DB" corpus/ >"$TMP/out" 2>&1
grep -q " 0 new, 0 changed, 1119 unchanged, 0 removed articles; files: 0 indexed, 3 unchanged" "$TMP/out"
check "second run adds nothing" $? "$(cat "$TMP/out")"

# Incremental runs: changed lines, removed files, touched files, --verify.
I="$TMP/inc"; mkdir -p "$I/c"
printf '{"id":"a","title":"Alpha","body":"Alpha body."}\n{"id":"b","title":"Beta","body":"Beta body."}\n' >"$I/c/x.jsonl"
echo "Gamma story. Gamma body." >"$I/c/g.txt"
"$BIN/morgue-index" --db "$I/m.db" "$I/c" >/dev/null 2>&1
printf '{"id":"a","title":"Alpha","body":"Alpha body, corrected."}\n' >"$I/c/x.jsonl"
"$BIN/morgue-index" --db "$I/m.db" "$I/c" >"$TMP/out" 2>&1
grep -q " 0 new, 1 changed, 1 unchanged, 1 removed articles; files: 1 indexed, 1 unchanged" "$TMP/out"
check "a changed line re-indexes its article; a dropped line removes one" $? "$(cat "$TMP/out")"
rm "$I/c/g.txt"
"$BIN/morgue-index" --db "$I/m.db" "$I/c" >"$TMP/out" 2>&1
grep -q "0 removed articles; .* 1 gone;" "$TMP/out" && grep -q -- "--prune removes" "$TMP/out"
check "a deleted file is reported, its articles kept without --prune" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --db "$I/m.db" --prune --prune-max 50 "$I/c" >"$TMP/out" 2>&1
grep -q "1 removed articles; .* 1 gone;.* 1 articles in" "$TMP/out"
check "--prune removes a deleted file's articles" $? "$(cat "$TMP/out")"
# same size, same time, other content: only --verify sees it
printf '{"id":"a","title":"Alpha","body":"Alpha body, correctEd."}\n' >"$I/c/x2"
touch -r "$I/c/x.jsonl" "$I/c/x2"; mv "$I/c/x2" "$I/c/x.jsonl"
"$BIN/morgue-index" --db "$I/m.db" "$I/c" >"$TMP/out" 2>&1
grep -q " 0 changed, 1 unchanged" "$TMP/out"
check "same size and time: skipped unread" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --db "$I/m.db" --verify "$I/c" >"$TMP/out" 2>&1
grep -q " 1 changed, 0 unchanged" "$TMP/out"
check "--verify catches a change that kept size and time" $? "$(cat "$TMP/out")"

# --log and --verbose: time-stamped lines for cron.
printf '{"id":"d","title":"Delta","body":"Delta body."}\n' >"$I/c/d.jsonl"
"$BIN/morgue-index" --db "$I/m.db" --quiet --verbose --log "$I/run.log" "$I/c" "$I/missing" >/dev/null 2>&1
grep -q "^20[0-9-]*T[0-9:]*Z indexing into " "$I/run.log" &&
    grep -q "Z .*d.jsonl: 1 new or changed" "$I/run.log" &&
    grep -q "Z .*missing: No such file or directory (failed)" "$I/run.log" &&
    grep -q "Z 1 new, 0 changed, 1 unchanged" "$I/run.log"
check "--log keeps the start, changed files, failures and the summary, time-stamped" $? "$(cat "$I/run.log")"
rm "$I/c/d.jsonl"
"$BIN/morgue-index" --db "$I/m.db" --quiet --prune --prune-max 100 "$I/c" >/dev/null 2>&1

# --check and --stats.
"$BIN/morgue-index" --db "$I/m.db" --check >"$TMP/out" 2>&1; st=$?
[ $st -eq 0 ] && grep -q "SQLite integrity_check: ok" "$TMP/out" && grep -q "FTS5 integrity-check: ok" "$TMP/out"
check "--check passes a sound index" $? "status $st: $(cat "$TMP/out")"
"$BIN/morgue-index" --db "$I/m.db" --stats >"$TMP/out" 2>&1
grep -q "^articles:  1 " "$TMP/out" && grep -q "^last run:  20[0-9-]*T.* 1 removed articles" "$TMP/out"
check "--stats shows the articles and the last run" $? "$(cat "$TMP/out")"
cp "$DB" "$I/broken.db"
if sqlite3 "$I/broken.db" "DELETE FROM fts_data WHERE rowid IN (SELECT rowid FROM fts_data WHERE rowid > 10 LIMIT 3)" 2>/dev/null; then
    "$BIN/morgue-index" --db "$I/broken.db" --check >"$TMP/out" 2>&1; st=$?
    [ $st -eq 6 ] && grep -q "FTS5 integrity-check: FAILED" "$TMP/out"
    check "--check finds a damaged full-text index (exit 6)" $? "status $st: $(cat "$TMP/out")"
fi

# One writer at a time: a held lock means exit 4, or a wait.
if command -v flock >/dev/null 2>&1; then
    flock "$I/m.db" sleep 2 &
    sleep 0.3
    "$BIN/morgue-index" --db "$I/m.db" "$I/c" >"$TMP/out" 2>&1; st=$?
    [ $st -eq 4 ] && grep -q "another morgue-index is writing" "$TMP/out"
    check "a second writer exits 4 with a message" $? "status $st: $(cat "$TMP/out")"
    "$BIN/morgue-index" --db "$I/m.db" --wait 20 "$I/c" >"$TMP/out" 2>&1
    check "--wait waits for the other writer" $? "$(cat "$TMP/out")"
    wait
else
    echo "skip - lock checks: no flock command"
fi

# The seed article ranks first, with its words highlighted.
run_q "inter-Korean summit Pyongyang"; st=$?
check "query exits 0 with hits" $st "$(cat "$TMP/err")"
sed -n 1p "$TMP/out" | grep -q "^1\. North Korean leader Kim Jong-un has invited"
check "seed article is the top hit" $? "$(head -3 "$TMP/out")"
snippet=$(sed -n 3p "$TMP/out")
for w in "[inter-Korean]" "[summit]" "[Pyongyang]"; do
    printf '%s' "$snippet" | grep -qF "$w"; check "snippet highlights $w" $? "$snippet"
done

run_q '"Kim Jong Un"'; st=$?
check '"Kim Jong Un" finds hits' $st
grep -q "Kim Jong-un has invited" "$TMP/out"; check '"Kim Jong Un" finds the seed (Kim Jong-un)' $? "$(head -3 "$TMP/out")"

# Entity facets: filters, counts, autocompletion.
run_q --person "Kim Jong Un" summit --facets; st=$?
[ $st -eq 0 ] && grep -q "Kim Jong-un has invited" "$TMP/out"
check "--person \"Kim Jong Un\" summit finds the seed" $? "$(cat "$TMP/out" "$TMP/err")"
grep -q "^People:.*Moon Jae-in (1)" "$TMP/out" && grep -q "^Places:.*Pyongyang (1)" "$TMP/out"
check "--facets prints people and places with counts" $? "$(tail -4 "$TMP/out")"
grep -q "^  Moon Jae-in with .* (1), .* (1), .* (1)$" "$TMP/out"
check "--facets prints the names mentioned with each" $? "$(tail -40 "$TMP/out")"
run_q --entities "Kim Yo" --kind person
grep -q "^person  Kim Yo-jong (1)" "$TMP/out"; check "--entities lists names for autocompletion" $? "$(cat "$TMP/out" "$TMP/err")"

# Dates, stored fields, sort, count, pages, proximity, relaxing.
run_q --count --since 1987-02-26 --until 1987-02-26; st=$?
[ $st -eq 0 ] && [ "$(cat "$TMP/out")" = "$(sqlite3 "$DB" "SELECT count(*) FROM articles WHERE date LIKE '1987-02-26%'")" ]
check "--count --since --until counts the day's articles" $? "$(cat "$TMP/out" "$TMP/err")"
run_q --sort oldest -n 3 cocoa source:Reuters; st=$?
[ $st -eq 0 ] && grep -q "^1\. " "$TMP/out"; check "--sort oldest with source:" $? "$(cat "$TMP/out" "$TMP/err")"
run_q --page 2 -n 2 dlrs; grep -q "2 of .* matching articles shown (from 3)" "$TMP/out"
check "--page 2 shows hits 3 and 4" $? "$(tail -1 "$TMP/out")"
run_q '"summit Pyongyang"~10'; grep -q "Kim Jong-un has invited" "$TMP/out"
check '"summit Pyongyang"~10 finds the seed' $? "$(head -3 "$TMP/out")"
run_q inter-Korean summit Pyongyang zebra; st=$?
[ $st -eq 1 ] && grep -q "No article has all the words" "$TMP/out" && grep -q "Kim Jong-un has invited" "$TMP/out"
check "a query with a missing word relaxes, says so and exits 1 (no article has all the words)" $? "status $st: $(cat "$TMP/out")"
run_q --count Pyongyang xylophonequux; st=$?
[ $st -eq 1 ] && [ "$(cat "$TMP/out")" = 0 ]
check "--count counts the articles with all the words: 0, exit 1" $? "status $st: $(cat "$TMP/out")"
run_q --strict inter-Korean summit Pyongyang zebra; [ $? -eq 1 ]
check "--strict finds nothing then (exit 1)" $?
for bad in "cocoa date:1987-02-30" "cocoa --since 87-02-01" "cocoa foo:bar" "--sort best cocoa" "--page 0 cocoa"; do
    run_q $bad; st=$?
    [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]
    check "bad query \"$bad\": one-line message, exit 2" $? "$st: $(cat "$TMP/err")"
done

# --no-entities: the same text, no entities; --timing: where the time went.
NDB="$TMP/noent.db"
"$BIN/morgue-index" --no-entities --timing --db "$NDB" corpus/ >"$TMP/out" 2>"$TMP/err"
check "--no-entities --timing exits 0" $? "$(cat "$TMP/out" "$TMP/err")"
grep -q "^morgue-index: time: .* s cleaning, 0.00 s finding entities, .* s in all$" "$TMP/out"
check "--timing prints the time of each stage" $? "$(cat "$TMP/out")"
[ "$(sqlite3 "$NDB" "SELECT count(*) FROM article_entities")" = 0 ] &&
    [ "$(sqlite3 "$NDB" "SELECT count(*) FROM articles")" = 1119 ]
check "--no-entities indexes every article and no entity" $?
"$BIN/morgue-query" --db "$NDB" '"Kim Jong Un"' >"$TMP/out" 2>&1
grep -q "Kim Jong-un has invited" "$TMP/out"; check "--no-entities index still answers text queries" $? "$(head -3 "$TMP/out")"

run_q --json "summit"; st=$?
check "--json exits 0" $st
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); h=d["hits"][0]; assert d["total"]>=1 and d["query"]=="summit"; [h[k] for k in ("id","title","date","source","path","score","snippet","highlights")]; assert set(d["facets"]) == {"person","place","org","source"}; hg=d["histogram"]; assert hg["unit"] in ("day","month","year") and sum(b["count"] for b in hg["buckets"])+hg["undated"]==d["total"]' "$TMP/out"
    check "--json has query, total and hits with their keys" $? "$(head -c 600 "$TMP/out")"
fi

run_q "zzyzxnotaword"; [ $? -eq 1 ]; check "no hits exits 1" $?

# U.S. does not match an article only because it says "us".
mkdir -p "$TMP/us"
cat >"$TMP/us/a.jsonl" <<'JSON'
{"id": "only-us", "title": "Letters", "body": "He told us that the club would open on Friday."}
{"id": "the-us", "title": "Trade", "body": "The U.S. trade deficit widened in January."}
JSON
"$BIN/morgue-index" --db "$TMP/us.db" "$TMP/us" >/dev/null 2>&1
"$BIN/morgue-query" --db "$TMP/us.db" --json 'U.S.' >"$TMP/out" 2>&1
grep -q ':the-us"' "$TMP/out" && ! grep -q ':only-us"' "$TMP/out"
check "U.S. matches U.S., not us" $? "$(cat "$TMP/out")"

# Hostile queries: results or a one-line message with status 2, no crash.
junk=$(head -c 10240 /dev/urandom | tr -dc 'a-zA-Z0-9 "()*:|-' | head -c 10240)
while [ ${#junk} -lt 10240 ]; do junk="$junk$junk"; done
for q in 'inter-Korean' "O'Brien" 'U.S.' '"unbalanced' 'AND' '*' 'NEAR(' 'title:' \
         "'; DROP TABLE articles; --" '' '-word' ')(' '"' "$junk"; do
    run_q "$q"; st=$?
    lines=$(wc -l <"$TMP/err")
    if crashed $st; then
        bad "query $(printf '%.30s' "$q") does not crash" "$(head -5 "$TMP/err")"
    elif [ $st -eq 2 ] && [ "$lines" -eq 1 ]; then
        ok "query $(printf '%.30s' "$q") -> one-line message, status 2"
    elif [ $st -le 1 ] && [ "$lines" -eq 0 ]; then
        ok "query $(printf '%.30s' "$q") -> results (status $st)"
    else
        bad "query $(printf '%.30s' "$q") -> status $st" "$(cat "$TMP/err")"
    fi
done
"$BIN/morgue-query" --db "$DB" "$(printf 'x%.0s' $(seq 1 5000))" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "too long" "$TMP/err"; check "10 KB query: too long, status 2" $? "$(cat "$TMP/err")"

# The bounds on prefixes: a minimum length, the words one prefix and all
# of a query's prefixes stand for, and the time a search may take.
run_q 'oil ab*'; st=$?
[ $st -eq 2 ] && grep -q 'prefix "ab\*" too short' "$TMP/err"
check "a prefix of 2 letters: status 2, says too short" $? "status $st: $(cat "$TMP/err")"
run_q '"crude oil p*"'; [ $? -eq 2 ] && grep -q "too short" "$TMP/err"
check "a short prefix inside quotes is refused too" $? "$(cat "$TMP/err")"
if command -v python3 >/dev/null; then
    run_q --json -n 3 'com*'
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=d["narrowed_prefixes"]; assert d["total"] > 0 and [(x["prefix"], x["kept"]) for x in n] == [("com", 64)] and n[0]["of"] > 64, n' "$TMP/out"
    check "a prefix of more than 64 words keeps the 64 most frequent and says so" $? "$(head -c 400 "$TMP/out")"
    run_q --json -n 3 'sta* con* pro* com* pre* int* oil*'; cp "$TMP/out" "$TMP/p1"
    run_q --json -n 3 'oil* int* pre* com* pro* con* sta*'
    python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
kept = lambda d: sorted((x["prefix"], x["kept"]) for x in d["narrowed_prefixes"])
assert kept(a) == kept(b) and a["total"] == b["total"] > 0, (kept(a), kept(b))
assert all(k >= 1 for _, k in kept(a)) and sum(k for _, k in kept(a)) <= 256, kept(a)
assert [h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]]' "$TMP/p1" "$TMP/out"
    check "seven prefixes share 256 words, the same whatever their order" $? "$(head -c 600 "$TMP/out")"
    run_q --json --strict '"crude oil pric*"'; cp "$TMP/out" "$TMP/p1"
    run_q --json --strict '"crude oil pric"*'
    python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["total"] == b["total"] > 0 and not a["relaxed"], (a["total"], b["total"])
assert all(any(h["snippet"][s:s + n].lower().startswith("crude oil pric") for s, n in h["highlights"]) for h in a["hits"])' "$TMP/p1" "$TMP/out"
    check "\"crude oil pric*\" is a phrase ending in a prefix" $? "$(head -c 600 "$TMP/out")"
fi
if command -v python3 >/dev/null; then
    long="zorblax oil prices rose sharply in the market today after opec said that production would be cut by members of the cartel meeting next week according to officials familiar with talks between saudi arabia and other producers who export crude oil oil oil quotas"
    run_q --json "$long"
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); w = d["dropped_words"]
assert "zorblax" in w and len(w) == len(set(w)) and "oil" not in w, w
assert d["hits"], "no hits"' "$TMP/out"
    check "a long query drops a word no article has first, each dropped word once" $? "$(head -c 600 "$TMP/out")"
fi
run_q --timeout 0.001 'sta* con* pro* com* pre* int*'; st=$?
[ $st -eq 3 ] && grep -q "took longer than its 0.001 s" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]
check "a search past its --timeout stops with status 3 and one line" $? "status $st: $(cat "$TMP/err")"
run_q --timeout 0 summit; [ $? -eq 2 ]; check "--timeout 0: status 2" $?

# Index errors.
"$BIN/morgue-query" --db "$TMP/none.db" summit >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "none.db" "$TMP/err"; check "missing index: status 2 naming it" $? "$(cat "$TMP/err")"
echo "not a database" >"$TMP/junk.db"
"$BIN/morgue-query" --db "$TMP/junk.db" summit >/dev/null 2>"$TMP/err"
[ $? -eq 2 ]; check "a file that is not an index: status 2" $? "$(cat "$TMP/err")"
if command -v sqlite3 >/dev/null; then
    cp "$DB" "$TMP/old.db"
    sqlite3 "$TMP/old.db" "UPDATE meta SET value='0' WHERE key='tokenizer_version'"
    "$BIN/morgue-query" --db "$TMP/old.db" summit >/dev/null 2>"$TMP/err"
    [ $? -eq 2 ] && grep -q "tokenizer version 0.*rebuild" "$TMP/err"
    check "index from another tokenizer version: status 2, says rebuild" $? "$(cat "$TMP/err")"
    seed="uid LIKE '%000_2637ad2161ccb637.txt'"
    body=$(sqlite3 "$DB" "SELECT body FROM articles WHERE $seed")
    caps=$(sqlite3 "$DB" "SELECT captions FROM articles WHERE $seed")
    for c in "Police cordon off the streets" "hands over the meeting invitation" \
             "walks with North Korean leader" "applaud the joint Korean team" \
             "was willing to meet the South" "Any summit between the two Koreas"; do
        n=$(printf '%s' "$body" | grep -o "$c" | wc -l)
        k=$(printf '%s' "$caps" | grep -o "$c" | wc -l)
        [ "$n" -eq 0 ] && [ "$k" -eq 1 ]
        check "seed caption '$c': once in captions, not in the body" $? "body $n, captions $k"
    done
    lede=$(sqlite3 "$DB" "SELECT lede FROM articles WHERE $seed")
    first=$(printf '%s' "$body" | head -1)
    [ "$lede" = "$first" ]; check "seed lede is its first paragraph" $? "lede: $lede"
    printf '%s' "$body" | grep -q "Read more"; [ $? -eq 1 ]; check "seed body has no 'Read more at' line" $?
    src=$(sqlite3 "$DB" "SELECT source FROM articles WHERE uid LIKE '%000_2637ad2161ccb637.txt'")
    [ "$src" = "DailyMail.co.uk" ]; check "seed source from its footer" $? "$src"
fi

# Golden files: every format's stored fields, exactly.
for f in tests/data/golden/*; do
    case "$f" in *.expected.json) continue ;; esac
    # Ids made from paths hold the checkout's location: compare without it.
    "$BIN/morgue-index" --show --json "$f" 2>"$TMP/err" | sed "s|$(pwd)/||g" >"$TMP/golden"
    if [ ! -f "$f.expected.json" ]; then
        bad "golden $f: no $f.expected.json (the output is below)" "$(cat "$TMP/golden")"
        continue
    fi
    diff -u "$f.expected.json" "$TMP/golden" >"$TMP/diff"
    check "golden: $(basename "$f") gives its expected fields" $? "$(cat "$TMP/diff" "$TMP/err")"
done

# Standard input.
"$BIN/morgue-index" --show --json - <tests/data/golden/wire.jsonl >"$TMP/out" 2>&1
[ "$(grep -c '"id":' "$TMP/out")" -eq 2 ]; check "- reads standard input" $? "$(cat "$TMP/out")"

# Bad input: each named with its reason, the run goes on, status 3, and
# nothing already in the index is lost.
before=$(sqlite3 "$DB" "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
B="$TMP/bad"
mkdir -p "$B"
: >"$B/empty.txt"
printf '\211PNG\r\n\032\n\0\0\0\rIHDR' >"$B/image.png"
printf 'some\0binary\0data' >"$B/nul.txt"
printf '{"title": "ok", "body": "fine text"}\n{"title": "cut\n' >"$B/cut.jsonl"
printf '{"title": "ok2", "body": "fine"}\n{"weather": "sunny"}\n[1, 2]\n' >"$B/notarticle.jsonl"
printf 'Caf\351 owners protest\n\nOwners of caf\351s protested against the \223terrace tax\224.\n' >"$B/latin1.txt"
printf '<html><head><title>Nothing</title></head><body><nav><a href="/">Home</a></nav></body></html>' >"$B/nobody.html"
cat >"$B/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE nitf [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY web SYSTEM "http://127.0.0.1:9/x">]>
<nitf><head><title>XXE probe</title></head><body><body.content><p>Before &xxe; &web; after, a real paragraph of text.</p></body.content></body></nitf>
XML
{ printf '<html><body>'; i=0; while [ $i -lt 3000 ]; do printf '<div><div><div><div><div><div><div><div><div><div>'; i=$((i+1)); done; printf '<p>Deep text at the bottom of a very deep page.</p></body></html>'; } >"$B/deep.html"
ln -s "$B/gone-away.txt" "$B/vanished.txt"
yes "A line of text that goes on and on in a very large file." | head -c 209715200 >"$TMP/huge.txt"
"$BIN/morgue-index" --db "$DB" "$B" "$TMP/huge.txt" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ]; check "bad inputs: status 3" $? "status $st; $(cat "$TMP/err")"
crashed $st; [ $? -ne 0 ]; check "bad inputs: no crash" $? "$(head -5 "$TMP/err")"
expect_err() { grep -qF "$1" "$TMP/err"; check "$2" $? "$(cat "$TMP/err")"; }
expect_err "empty.txt: empty file (skipped)" "empty file named, skipped"
expect_err "image.png: binary data, not text (skipped)" "image named, skipped"
expect_err "nul.txt: binary data, not text (skipped)" "NUL bytes named, skipped"
expect_err "cut.jsonl:2: invalid JSON" "truncated JSON line named with its line"
expect_err "notarticle.jsonl:2: not an article" "valid JSON that is not an article named"
expect_err "notarticle.jsonl:3: not an article" "a JSON array line is not an article"
expect_err "nobody.html: " "HTML with no body text named"
expect_err "vanished.txt: " "a file that vanished named"
expect_err "huge.txt: larger than 32 MB" "200 MB text file refused, named"
grep -q "files: 5 indexed, 0 unchanged, 4 skipped, 2 failed, 0 gone; 3 bad records" "$TMP/out"
check "summary counts indexed, unchanged, skipped, failed" $? "$(cat "$TMP/out")"
after=$(sqlite3 "$DB" "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
[ "$after" -ge "$before" ] && [ "$after" -gt 1000 ]; check "nothing in the index lost ($before -> $after)" $?
"$BIN/morgue-index" --show "$B/xxe.xml" >"$TMP/out" 2>&1
grep -q "root:" "$TMP/out"; [ $? -ne 0 ]; check "XXE: the external entity is not read" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --show "$B/latin1.txt" >"$TMP/out" 2>&1
grep -q "title: *Café owners protest" "$TMP/out" && grep -q "“terrace tax”" "$TMP/out"
check "invalid UTF-8 repaired as Windows-1252" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --show "$B/deep.html" >"$TMP/out" 2>"$TMP/err"; st=$?
crashed $st; [ $? -ne 0 ]; check "deeply nested HTML: no crash (status $st)" $? "$(head -5 "$TMP/err")"
rm -f "$TMP/huge.txt"
run_q '"Kim Jong Un"'; check "index still answers after bad input" $?

# --boilerplate FILE adds patterns; a missing file is a usage error.
printf 'Ministers agree quotas\n\nThe deal was done.\n\nDownload our app for more news\n' >"$TMP/app.txt"
printf '# site furniture\ndownload our app*\n' >"$TMP/rules.txt"
"$BIN/morgue-index" --show --boilerplate "$TMP/rules.txt" "$TMP/app.txt" >"$TMP/out" 2>&1
grep -q "boilerplate (pattern \"download our app\*\"): Download our app" "$TMP/out"
check "--boilerplate FILE removes its patterns, and --show says why" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --show --boilerplate "$TMP/none.txt" "$TMP/app.txt" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "none.txt" "$TMP/err"; check "--boilerplate with a missing file: status 2" $? "$(cat "$TMP/err")"

# Every shared corpus indexes without a failure, and --show reads them.
if [ -d "$SHARED" ]; then
    for c in seed bbc cnn_stories_sample cnn_dailymail_val1000 fakenewsnet article-extraction-benchmark time; do
        [ -d "$SHARED/$c" ] || continue
        "$BIN/morgue-index" --db "$TMP/c-$c.db" "$SHARED/$c" >"$TMP/out" 2>"$TMP/err"; st=$?
        n=$(sqlite3 "$TMP/c-$c.db" "SELECT count(*) FROM articles" 2>/dev/null)
        ! grep -q "(failed)" "$TMP/err" && [ "${n:-0}" -gt 0 ] && ! crashed $st
        check "corpus $c: $n articles, no failed file ($(tail -1 "$TMP/out" | sed 's/.*files: //; s/;.*//'))" $? "$(head -20 "$TMP/err")"
    done
fi

# The whole of Reuters-21578, when the shared corpus is here.
if [ -d "$SHARED/reuters21578" ]; then
    RDB="$TMP/reuters.db"
    "$BIN/morgue-index" --db "$RDB" "$SHARED/reuters21578" >"$TMP/out" 2>"$TMP/err"
    check "index Reuters-21578 exits 0" $? "$(cat "$TMP/err")"
    grep -q "21578 new, 0 changed, 0 unchanged" "$TMP/out"; check "Reuters-21578 gives 21578 articles" $? "$(cat "$TMP/out")"
    "$BIN/morgue-index" --db "$RDB" "$SHARED/reuters21578" >"$TMP/out" 2>&1
    grep -q " 0 new, 0 changed, 21578 unchanged.*; 21578 articles in" "$TMP/out"; check "second Reuters run adds none" $? "$(cat "$TMP/out")"
    "$BIN/morgue-query" --db "$RDB" '"James Baker"' >"$TMP/out" 2>&1
    check '"James Baker" has hits' $?
    grep -q "\[James Baker\]" "$TMP/out"; check '"James Baker" highlighted' $? "$(head -5 "$TMP/out")"
    # --rebuild while searches run: none fails, each sees the old index
    # or the new one, and the new one is sound.
    W="$TMP/rebuild.db"
    "$BIN/morgue-index" --db "$W" --quiet corpus/ >/dev/null 2>&1
    old=$("$BIN/morgue-query" --db "$W" --count oil)
    "$BIN/morgue-index" --db "$W" --quiet --rebuild "$SHARED/reuters21578" 2>"$TMP/err" &
    pid=$!; n=0; bad=0; : >"$TMP/counts"
    while kill -0 $pid 2>/dev/null; do
        c=$("$BIN/morgue-query" --db "$W" --count oil 2>>"$TMP/err"); st=$?
        [ $st -le 1 ] || bad=$((bad + 1))
        echo "$c" >>"$TMP/counts"; n=$((n + 1))
    done
    wait $pid; st=$?
    new=$("$BIN/morgue-query" --db "$W" --count oil)
    others=$(grep -v -x -e "$old" -e "$new" "$TMP/counts" | wc -l)
    [ $st -eq 0 ] && [ $bad -eq 0 ] && [ "$others" -eq 0 ] && [ "$new" != "$old" ] && [ ! -e "$W.rebuild" ]
    check "--rebuild swaps in the new index under $n searches, none failing ($old -> $new)" $? "status $st, $bad failed, $others odd counts: $(head -3 "$TMP/err")"
    "$BIN/morgue-index" --db "$W" --check >"$TMP/out" 2>&1
    check "the rebuilt index passes --check" $? "$(cat "$TMP/out")"
    # a reindex in place while searches run: none fails (WAL, short
    # batches, a busy timeout)
    H="$TMP/half.db"; mkdir -p "$TMP/half"
    for f in "$SHARED"/reuters21578/reut2-00*.sgm; do ln -s "$f" "$TMP/half/"; done
    "$BIN/morgue-index" --db "$H" --quiet "$TMP/half" >/dev/null 2>&1
    "$BIN/morgue-index" --db "$H" --quiet "$SHARED/reuters21578" 2>"$TMP/err" &
    pid=$!; n=0; bad=0
    while kill -0 $pid 2>/dev/null; do
        "$BIN/morgue-query" --db "$H" --count oil >/dev/null 2>>"$TMP/err"
        [ $? -le 1 ] || bad=$((bad + 1))
        "$BIN/morgue-query" --db "$H" --json -n 10 "interest rates" >/dev/null 2>>"$TMP/err"
        [ $? -le 1 ] || bad=$((bad + 1))
        n=$((n + 2))
    done
    wait $pid; st=$?
    [ $st -eq 0 ] && [ $bad -eq 0 ]
    check "a reindex adding 11,578 articles under $n searches, none failing" $? "status $st, $bad failed: $(head -3 "$TMP/err")"
else
    t_skip "Reuters-21578 tests" "$SHARED/reuters21578"
fi

# More checks, a file per topic (each uses BIN, TMP, SHARED and check).
for f in tests/e2e.d/*.sh; do
    [ -f "$f" ] && . "$f"
done

t_summary
