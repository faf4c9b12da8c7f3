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
