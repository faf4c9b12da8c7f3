# Sourced by tests/e2e.sh (BIN, TMP, DB, check, run_q): a query word that
# looks like a long option written with one dash ("-json") is searched as
# the exclusion it is, with a warning naming the option; -n takes its
# value glued on ("-n5") but "-news" is an exclusion; morgue-index refuses
# one-dash long options instead of reading them as short ones.

run_q -json oil; st=$?
[ $st -eq 0 ] && grep -q '^morgue-query: warning: "-json" looks like the option --json; searching for articles without "json"' "$TMP/err" &&
    [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q 'matching articles shown' "$TMP/out" && ! grep -q '"hits"' "$TMP/out"
check "query: -json warns that it looks like --json, and searches (text output)" $? "$st: $(cat "$TMP/err")"
run_q oil -sort=newest; st=$?
grep -q '"-sort=newest" looks like the option --sort=newest' "$TMP/err"
check "query: -sort=newest warns that it looks like --sort=newest" $? "$st: $(cat "$TMP/err")"
run_q -limit 3 oil
grep -q '"-limit" looks like the option --limit' "$TMP/err"
check "query: -limit warns that it looks like --limit" $? "$(cat "$TMP/err")"
run_q -- -json oil; st=$?
[ $st -eq 0 ] && [ ! -s "$TMP/err" ]
check "query: after --, -json is the word excluded, without a warning" $? "$st: $(cat "$TMP/err")"
run_q oil -json --json; st=$?
[ $st -eq 0 ] && grep -q '"-json" looks like' "$TMP/err" && grep -q '"query": "oil -json"' "$TMP/out"
check "query: the warning leaves --json output whole" $? "$st: $(cat "$TMP/err")"
run_q oil -jsonx -exclude -news; st=$?
[ $st -eq 0 ] && [ ! -s "$TMP/err" ]
check "query: exclusions that are no option (-jsonx, -exclude, -news) search without a warning" $? "$st: $(cat "$TMP/err")"
run_q -n5 oil; st=$?
[ $st -eq 0 ] && [ ! -s "$TMP/err" ] && grep -q '^5 of .* matching articles shown' "$TMP/out"
check "query: -n5 is --limit 5" $? "$st: $(cat "$TMP/err" "$TMP/out" | tail -3)"
run_q -n 2 oil; st=$?
[ $st -eq 0 ] && grep -q '^2 of .* matching articles shown' "$TMP/out"
check "query: -n 2 is --limit 2" $? "$st: $(tail -2 "$TMP/out")"

for a in -help -json -db=x.db -verbose; do
    "$BIN/morgue-index" --db "$TMP/look.db" "$a" corpus/seed >"$TMP/out" 2>"$TMP/err"; st=$?
    [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ] &&
        grep -q "^morgue-index: \"$a\" is not an option: options have two dashes (-$a)$" "$TMP/err" && [ ! -e "$TMP/look.db" ]
    check "index: $a is refused (exit 2, one line), nothing indexed" $? "$st: $(cat "$TMP/out" "$TMP/err")"
done
"$BIN/morgue-index" --show --source -json corpus/seed/ >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && grep -q '^source: *-json$' "$TMP/out"
check "index: an option's value may look like an option (--source -json)" $? "$st: $(cat "$TMP/err")"
"$BIN/morgue-index" --show --sour -json corpus/seed/ >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && grep -q '^source: *-json$' "$TMP/out"
check "index: so may the value of an abbreviated option (--sour -json)" $? "$st: $(cat "$TMP/err")"
