# Sourced by tests/e2e.sh (BIN, TMP, DB, check, run_q): calendar dates
# that do not exist are refused with a one-line message naming them, in
# date:, --since and --until alike; leap days that exist are searched.

for bad in "date:1987-02-29 oil" "date:1987-02-01..1987-02-30 oil" \
    "date:2020-13-01 oil" "--since 1900-02-29 oil" "--until 2023-04-31 oil"; do
    # shellcheck disable=SC2086 # the words are the arguments
    run_q $bad; st=$?
    d=$(printf '%s\n' "$bad" | sed 's/.*\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\) oil$/\1/')
    [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
        grep -q "^morgue-query: bad date .*$d.*: no such \(day\|month\)" "$TMP/err"
    check "no such day \"$bad\": exit 2, one line naming $d" $? "$st: $(cat "$TMP/err")"
done
run_q 'date:1987-02-29 oil'
grep -qx 'morgue-query: bad date "1987-02-29": no such day (1987 is not a leap year)' "$TMP/err"
check "date:1987-02-29 says 1987 is not a leap year" $? "$(cat "$TMP/err")"
for good in "date:1988-02-29 oil" "date:2000-02-29 oil" "--since 1988-02-29 --until 1988-02-29 oil"; do
    # shellcheck disable=SC2086
    run_q $good; st=$?
    [ $st -eq 0 ] || [ $st -eq 1 ]
    check "a leap day that exists is searched: \"$good\" (exit $st)" $? "$(cat "$TMP/err")"
done

# At index time a date that does not exist is not stored: the article is
# kept without one (--show lists the date with what was removed).
ID="$TMP/dates"; mkdir -p "$ID/c"
printf '%s\n' '{"id":"feb29-87","title":"Oil","body":"Oil body.","date":"1987-02-29"}' \
    '{"id":"apr31","title":"Gold","body":"Gold body.","date":"31-APR-1987 10:00:00.00"}' \
    '{"id":"feb29-88","title":"Tin","body":"Tin body.","date":"29 February 1988"}' >"$ID/c/d.jsonl"
"$BIN/morgue-index" --db "$ID/m.db" "$ID/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && [ "$(sqlite3 "$ID/m.db" "SELECT substr(uid, instr(uid, ':') + 1) || '=' || coalesce(date, 'none') FROM articles ORDER BY 1" | tr '\n' ' ')" = "apr31=none feb29-87=none feb29-88=1988-02-29 " ] &&
    grep -q 'd.jsonl:feb29-87: date "1987-02-29": no such day (1987 is not a leap year), kept without a date' "$TMP/err" &&
    grep -q "2 impossible dates dropped" "$TMP/out"
check "index: days that do not exist are not stored, the articles kept, each named (exit 3)" $? "$st: $(cat "$TMP/out" "$TMP/err"; sqlite3 "$ID/m.db" "SELECT uid, date FROM articles")"
"$BIN/morgue-index" --show "$ID/c" >"$TMP/out" 2>&1
grep -q "^  - no such day (1987 is not a leap year): 1987-02-29$" "$TMP/out" &&
    grep -q "^  - no such day (April has 30 days): 31-APR-1987 10:00:00.00$" "$TMP/out"
check "index --show lists a date that does not exist as removed, saying why" $? "$(grep -A2 '^removed' "$TMP/out")"
