# Sourced by tests/e2e.sh (BIN, TMP, check): CSV rows (and JSON records)
# without a title are indexed titled with their first sentence, keeping
# their dates, and the run says so: one line per file and a clause in the
# summary; the exit status stays 0 (nothing was skipped).

U="$TMP/untitled"; mkdir -p "$U/c"
printf 'title,published_at,body\n,1987-03-04,"Oil rose. Traders said more."\nGold falls,1987-03-05,Gold body.\n,1987-03-06,Tin fell.\n' >"$U/c/a.csv"
printf 'title,date,body\nCopper,1987-03-07,Copper body.\n' >"$U/c/b.csv"
"$BIN/morgue-index" --db "$U/m.db" --log "$U/run.log" "$U/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    grep -q "^morgue-index: .*/c/a.csv: 2 of 3 articles had no title: titled with the first sentence of the text (the first: .*/c/a.csv#1)$" "$TMP/err" &&
    grep -q "; 2 without a title, titled from their text$" "$TMP/out" &&
    grep -q "Z .*/c/a.csv: 2 of 3 articles had no title" "$U/run.log"
check "untitled CSV rows: one line naming the file, the count and the first; a summary clause; exit 0" $? "$st: $(cat "$TMP/out" "$TMP/err")"
[ "$(sqlite3 "$U/m.db" "SELECT title || '=' || ifnull(date, '-') FROM articles ORDER BY uid" | tr '\n' ' ')" = "Oil rose.=1987-03-04 Gold falls=1987-03-05 Tin fell.=1987-03-06 Copper=1987-03-07 " ]
check "untitled CSV rows keep their dates (a published_at column too)" $? "$(sqlite3 "$U/m.db" "SELECT uid, title, date FROM articles")"
printf 'title,published_at,body\n,1987-03-04,"Oil rose. Traders said more."\n' >"$U/c/a.csv"
"$BIN/morgue-index" --db "$U/m.db" --quiet "$U/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ ! -s "$TMP/err" ] && [ ! -s "$TMP/out" ]
check "untitled rows: --quiet says nothing" $? "$st: $(cat "$TMP/out" "$TMP/err")"
"$BIN/morgue-index" --db "$U/m.db" "$U/c" >"$TMP/out" 2>"$TMP/err"
[ ! -s "$TMP/err" ] && ! grep -q "without a title" "$TMP/out"
check "untitled rows: a run that does not read the file again says nothing of them" $? "$(cat "$TMP/out" "$TMP/err")"
