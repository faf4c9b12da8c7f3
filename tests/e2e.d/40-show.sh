# Sourced by tests/e2e.sh (BIN, TMP, DB, check, run_q): morgue-query
# --show ID [QUERY] prints a stored article whole, the query's words
# marked (stemmed matches too), as text or JSON; an unknown id is one
# line and exit 2; a public id (relative to the indexed root, as
# morgue-serve gives it) opens the same article.

SEED_ID=$(cd corpus/seed && pwd -P)/000_2637ad2161ccb637.txt
run_q --show "$SEED_ID" summit invite; st=$?
[ $st -eq 0 ] && head -1 "$TMP/out" | grep -q "has \[invited\] .* a \[summit\] in Pyongyang" &&
    grep -q "^id: $SEED_ID" "$TMP/out" &&
    grep -q "^People: Moon Jae-in ([0-9]*), Kim Jong-un" "$TMP/out" &&
    grep -q "hand-written \[invitation\]" "$TMP/out" &&
    grep -q "^Captions:" "$TMP/out" && grep -q "^  - .*meeting \[invitation\]" "$TMP/out"
check "--show ID QUERY: the article whole, stemmed matches marked" $? "$st: $(head -20 "$TMP/out") $(cat "$TMP/err")"
! grep -q "\[Trump\]" "$TMP/out"
check "--show marks only the query's words" $?
run_q --show "$SEED_ID"; st=$?
[ $st -eq 0 ] && ! grep -q "\[" "$TMP/out" && grep -q "^Places: " "$TMP/out"
check "--show ID without a query marks nothing" $? "$st: $(head -5 "$TMP/out")"
run_q --show "$SEED_ID" --json '"Kim Jong-un" -trump'; st=$?
python3 - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
body = d["body"]
marked = {body[s:s + n] for s, n in d["marks"]["body"]}
assert marked == {"Kim Jong-un", "Kim Jong Un"} or marked == {"Kim Jong-un"}, marked
assert len(d["marks"]["captions"]) == len(d["captions"])
caps = {d["captions"][i][s:s + n] for i, m in enumerate(d["marks"]["captions"]) for s, n in m}
assert caps == {"Kim Jong-un"}, caps
assert d["query"] == '"Kim Jong-un" -trump' and d["entities"][0]["kind"] == "person"
PY
check "--show --json: marks in code points, a phrase as one mark, per caption line" $? "$st: $(head -c 600 "$TMP/out")"
run_q --show no-such-article; st=$?
[ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q 'no article "no-such-article"' "$TMP/err"
check "--show of an unknown id: one line, exit 2" $? "$st: $(cat "$TMP/err")"
run_q --show corpus/seed/000_2637ad2161ccb637.txt summit; st=$?
[ $st -eq 0 ] && grep -q "^id: $SEED_ID" "$TMP/out"
check "--show takes the public id (relative to the indexed root)" $? "$st: $(cat "$TMP/err")"
run_q --show reuters-5 --json; st=$?
[ $st -eq 0 ] && grep -q '"id": "reuters-5"' "$TMP/out" && ! grep -q '"marks"' "$TMP/out"
check "--show of an article's own id; no marks without a query" $? "$st"
# --delete takes the public id a page shows: the key it stands for goes.
"$BIN/morgue-index" --quiet --db "$TMP/pub.db" corpus/seed >/dev/null 2>&1
"$BIN/morgue-index" --db "$TMP/pub.db" --delete seed/000_2637ad2161ccb637.txt >"$TMP/out" 2>&1; st=$?
[ $st -eq 0 ] && grep -q "1 articles deleted" "$TMP/out" &&
    "$BIN/morgue-index" --db "$TMP/pub.db" --suppressed 2>/dev/null | grep -q "^$SEED_ID"
check "--delete of a public id takes down the key it stands for" $? "$st: $(cat "$TMP/out")"
# An index made before roots were recorded: the deepest folder of its
# files stands in.
"$BIN/morgue-index" --quiet --db "$TMP/noroots.db" corpus/ >/dev/null 2>&1
sqlite3 "$TMP/noroots.db" "DELETE FROM meta WHERE key = 'roots'"
"$BIN/morgue-query" --db "$TMP/noroots.db" --show corpus/seed/000_2637ad2161ccb637.txt >"$TMP/out" 2>&1; st=$?
[ $st -eq 0 ] && grep -q "^id: $SEED_ID" "$TMP/out"
check "an index without recorded roots: public ids below the folder of its files" $? "$st: $(head -3 "$TMP/out")"
