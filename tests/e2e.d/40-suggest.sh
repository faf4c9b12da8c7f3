# "Did you mean" (query/suggest.h; docs/query-syntax.md): misspelt words
# of a query corrected from the index's own vocabulary, over the sample
# corpus indexed by tests/e2e.sh ($DB).  Sourced by tests/e2e.sh (BIN,
# TMP, DB, check).

sq() { "$BIN/morgue-query" --db "$DB" "$@" >"$TMP/out" 2>"$TMP/err"; }

for pair in "Gorbachov|Gorbachev" "Pyongyng|Pyongyang" "Kim Jong Eun|Kim Jong Un" \
    '"Kim Jong Eun" -oil|"Kim Jong Un" -oil' "title:Pyongyng|title:Pyongyang"; do
    typed=${pair%%|*} want=${pair#*|}
    sq -n 3 "$typed"; st=$?
    [ $st -eq 1 ] && [ "$(tail -1 "$TMP/out")" = "Did you mean: $want?" ]
    check "suggest: $typed -> Did you mean: $want? (exit 1: none has all the words)" $? "status $st: $(tail -3 "$TMP/out") $(cat "$TMP/err")"
done

sq -n 3 "Gorbachev"; st=$?
[ $st -eq 0 ] && ! grep -q "Did you mean" "$TMP/out"
check "suggest: none for a word the index holds" $? "$(tail -2 "$TMP/out")"
sq -n 3 "Xqzvvw"; st=$?
[ $st -eq 1 ] && ! grep -q "Did you mean" "$TMP/out"
check "suggest: none when no word is near" $? "$(tail -2 "$TMP/out")"

# The JSON: "suggestion" only when there is one; the hits unchanged by it.
if command -v python3 >/dev/null; then
    sq --json "Kim Jong Eun"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["suggestion"] == "Kim Jong Un" and d["query"] == "Kim Jong Eun" and d["total"] == 0 and d["relaxed"], d.get("suggestion")' "$TMP/out"
    check "suggest: --json has \"suggestion\": \"Kim Jong Un\"" $? "$(head -c 300 "$TMP/out")"
    sq --json "Kim Jong Un"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "suggestion" not in d and d["total"] >= 1' "$TMP/out"
    check "suggest: --json without \"suggestion\" when none" $? "$(head -c 300 "$TMP/out")"
    sq --count Gorbachov
    [ "$(cat "$TMP/out")" = 0 ]
    check "suggest: --count prints only the count" $? "$(cat "$TMP/out")"
fi
