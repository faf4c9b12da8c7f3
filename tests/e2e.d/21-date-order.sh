# Sourced by tests/e2e.sh (BIN, TMP, check): --date-order reads numeric
# dates (03/04/1987) day or month first; the order is kept in the index,
# used by later runs and --rebuild, and a run asking for another one on an
# index that holds articles is refused.

DO="$TMP/dorder"; mkdir -p "$DO/c"
printf 'title,date,body\nAmbiguous,03/04/1987,Oil one.\nDayFirst,13/04/1987,Oil two.\nMonthFirst,04/13/1987,Oil three.\n' >"$DO/c/a.csv"
dates_of() { sqlite3 "$1" "SELECT title || '=' || coalesce(date, 'none') FROM articles ORDER BY title" | tr '\n' ' '; }

"$BIN/morgue-index" --db "$DO/auto.db" "$DO/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(dates_of "$DO/auto.db")" = "Ambiguous=1987-04-03 DayFirst=1987-04-13 MonthFirst=1987-04-13 " ]
check "date order: by default day first, month first when only that reads" $? "$st: $(dates_of "$DO/auto.db") $(cat "$TMP/err")"

"$BIN/morgue-index" --db "$DO/m.db" --date-order mdy "$DO/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && [ "$(dates_of "$DO/m.db")" = "Ambiguous=1987-03-04 DayFirst=none MonthFirst=1987-04-13 " ] &&
    grep -q 'a.csv#2: date "13/04/1987": month 13 when read month first (--date-order mdy), kept without a date$' "$TMP/err" &&
    grep -q '1 impossible dates dropped' "$TMP/out"
check "--date-order mdy: 03/04/1987 is 4 March; 13/04/1987 is refused, named (exit 3)" $? "$st: $(dates_of "$DO/m.db") $(cat "$TMP/err")"
"$BIN/morgue-index" --db "$DO/m.db" --stats >"$TMP/out" 2>&1
grep -q '^dates: *numeric ones (03/04/1987) read month first (--date-order mdy)$' "$TMP/out"
check "--stats says how numeric dates are read" $? "$(cat "$TMP/out")"

printf 'title,date,body\nLater,05/06/1987,Oil four.\n' >"$DO/c/b.csv"
"$BIN/morgue-index" --db "$DO/m.db" "$DO/c" >"$TMP/out" 2>"$TMP/err"
[ "$(sqlite3 "$DO/m.db" "SELECT date FROM articles WHERE title = 'Later'")" = "1987-05-06" ]
check "a later run without --date-order reads in the order the index keeps" $? "$(dates_of "$DO/m.db")"

cp "$DO/m.db" "$DO/before.db"
printf 'title,date,body\nOther,07/08/1987,Oil five.\n' >"$DO/c/c.csv"
"$BIN/morgue-index" --db "$DO/m.db" --date-order dmy "$DO/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    grep -q "m.db: its articles were read with --date-order mdy; reading this run's files with --date-order dmy would date them otherwise (use --rebuild to read them all so)" "$TMP/err" &&
    [ "$(dates_of "$DO/m.db")" = "$(dates_of "$DO/before.db")" ]
check "--date-order dmy on an index read month first: refused (exit 2), nothing changed" $? "$st: $(cat "$TMP/err")"
"$BIN/morgue-index" --db "$DO/m.db" --date-order auto "$DO/c" >/dev/null 2>&1; st=$?
[ $st -eq 2 ]
check "--date-order auto on an index read month first: refused too" $? "$st"

"$BIN/morgue-index" --db "$DO/m.db" --rebuild "$DO/c" >/dev/null 2>&1
[ "$(sqlite3 "$DO/m.db" "SELECT date FROM articles WHERE title = 'Other'")" = "1987-07-08" ]
check "--rebuild without --date-order keeps the index's order" $? "$(dates_of "$DO/m.db")"
"$BIN/morgue-index" --db "$DO/m.db" --rebuild --date-order dmy "$DO/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && [ "$(dates_of "$DO/m.db")" = "Ambiguous=1987-04-03 DayFirst=1987-04-13 Later=1987-06-05 MonthFirst=none Other=1987-08-07 " ] &&
    grep -q 'a.csv#3: date "04/13/1987": month 13 when read day first (--date-order dmy)' "$TMP/err"
check "--rebuild --date-order dmy reads every file day first" $? "$st: $(dates_of "$DO/m.db") $(cat "$TMP/err")"

"$BIN/morgue-index" --show --date-order mdy "$DO/c/a.csv" >"$TMP/out" 2>&1
grep -q '^date: *1987-03-04$' "$TMP/out"
check "--show --date-order mdy shows the date read month first" $? "$(grep '^date' "$TMP/out")"
"$BIN/morgue-index" --db "$DO/x.db" --date-order ymd "$DO/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 2 ] && grep -qx 'morgue-index: --date-order must be dmy, mdy or auto, not "ymd"' "$TMP/err"
check "--date-order ymd: exit 2, one line" $? "$st: $(cat "$TMP/err")"
"$BIN/morgue-index" --help | grep -q -- '--date-order dmy|mdy|auto' && grep -q -- '`--date-order dmy' docs/cli.md &&
    grep -q '^### Numeric dates: --date-order' docs/formats.md
check "--date-order is in --help, docs/cli.md and docs/formats.md" $?
