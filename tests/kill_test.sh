#!/bin/sh
# kill_test.sh - crash safety of morgue-index (make test-crash).
#
# usage: tests/kill_test.sh BINDIR [KILLS] [CORPUS]
#
# Builds a reference index of CORPUS (default Reuters-21578) in one clean
# run, then KILLS times starts the same indexing into a second index and
# kills it with SIGKILL at a random moment of a full run's duration.  After
# every kill the index must pass morgue-index --check (SQLite's and FTS5's
# integrity checks) and answer a query; the next round resumes it (or,
# once a round has finished the index, starts over).  Finally one run to
# the end must
# leave exactly the reference's articles (uid and content hash) and the
# same top 10 for a set of queries.  SEED picks the moments (printed, to
# replay a failure).  Skips, saying so, when CORPUS is absent.
BIN=${1:?usage: kill_test.sh BINDIR [KILLS] [CORPUS]}
KILLS=${2:-20}
CORPUS=${3:-../shared/corpus/reuters21578}
SEED=${SEED:-$$}
T_DETAIL_LINES=1000000 # every line of a failure's detail
. "$(dirname "$0")/lib.sh"
t_need "$CORPUS" "crash test"
t_tmpdir kill
now() { date +%s.%N; }

start=$(now)
"$BIN/morgue-index" --quiet --db "$TMP/ref.db" "$CORPUS" 2>"$TMP/err"
check "reference index built" $? "$(head -3 "$TMP/err")"
took=$(awk -v s="$start" -v e="$(now)" 'BEGIN { print e - s }')
total=$("$BIN/morgue-index" --db "$TMP/ref.db" --stats | sed -n 's/^articles:  \([0-9]*\).*/\1/p')
echo "# a full run takes ${took} s for $total articles; $KILLS kills, SEED=$SEED"

# the moments to kill at, uniform over a full run
awk -v n="$KILLS" -v t="$took" -v seed="$SEED" \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.3f\n", 0.05 + rand() * t }' \
    >"$TMP/moments"
k=0
while read -r at; do
    k=$((k + 1))
    "$BIN/morgue-index" --quiet --db "$TMP/crash.db" "$CORPUS" >/dev/null 2>&1 &
    pid=$!
    sleep "$at"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ -e "$TMP/crash.db" ] || continue # killed before it made the file
    "$BIN/morgue-index" --db "$TMP/crash.db" --check >"$TMP/out" 2>&1
    st=$?
    "$BIN/morgue-query" --db "$TMP/crash.db" --count oil >/dev/null 2>"$TMP/err"
    qst=$?
    n=$("$BIN/morgue-index" --db "$TMP/crash.db" --stats 2>/dev/null |
        sed -n 's/^articles:  \([0-9]*\).*/\1/p')
    [ $st -eq 0 ] && [ $qst -le 1 ]
    check "kill $k at ${at} s: $n articles, both integrity checks pass, a query answers" $? \
        "check status $st: $(cat "$TMP/out"); query status $qst: $(cat "$TMP/err")"
    # once a resumed run got to the end, start over, so that every kill
    # interrupts real work
    if [ "$n" = "$total" ] && [ "$k" -lt "$KILLS" ]; then
        rm -f "$TMP"/crash.db*
    fi
done <"$TMP/moments"

"$BIN/morgue-index" --quiet --db "$TMP/crash.db" "$CORPUS" 2>"$TMP/err"
check "the run after the kills completes" $? "$(head -3 "$TMP/err")"

# the same articles, with the same content
articles() {
    python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for uid, h in db.execute("SELECT uid, hash FROM articles ORDER BY uid"):
    print(uid, h)' "$1"
}
articles "$TMP/ref.db" >"$TMP/ref.txt"
articles "$TMP/crash.db" >"$TMP/crash.txt"
cmp -s "$TMP/ref.txt" "$TMP/crash.txt"
check "same $(wc -l <"$TMP/ref.txt") articles (uid and content hash) as a clean run" $? \
    "$(diff "$TMP/ref.txt" "$TMP/crash.txt" | head -5)"

# the same answers
for q in "oil prices" gold "interest rates" "James Baker" coffee "trade deficit Japan"; do
    for db in ref crash; do
        "$BIN/morgue-query" --db "$TMP/$db.db" --json -n 10 "$q" |
            python3 -c 'import json, sys; print(" ".join(h["id"] for h in json.load(sys.stdin)["hits"]))' \
            >"$TMP/$db.top"
    done
    cmp -s "$TMP/ref.top" "$TMP/crash.top"
    check "same top 10 for \"$q\"" $? "$(cat "$TMP/ref.top") / $(cat "$TMP/crash.top")"
done

t_summary
