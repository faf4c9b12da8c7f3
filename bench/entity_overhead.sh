#!/bin/sh
# entity_overhead.sh - what entity extraction adds to indexing time.
#
# Indexes the same corpus with and without entities (--no-entities),
# alternating, RUNS times each into fresh index files, and prints the
# fastest wall time of each and their ratio.  The fastest run is the one
# least disturbed by other work on a shared machine.
#
# usage: bench/entity_overhead.sh [CORPUS] [RUNS]   (make bench-entities)
set -eu
corpus=${1:-../shared/corpus/reuters21578}
runs=${2:-5}
bin=${MORGUE_BIN:-bin}
if [ ! -e "$corpus" ]; then
    echo "bench-entities: skipped: $corpus not found"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
best_on= best_off=
i=0
while [ "$i" -lt "$runs" ]; do
    for mode in off on; do
        rm -f "$tmp"/idx.db*
        flag=
        [ "$mode" = off ] && flag=--no-entities
        t0=$(now)
        "$bin/morgue-index" --quiet $flag --db "$tmp/idx.db" "$corpus"
        t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
        if [ "$mode" = on ]; then
            best_on=$(awk -v a="${best_on:-1e9}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
        else
            best_off=$(awk -v a="${best_off:-1e9}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
        fi
    done
    i=$((i + 1))
done
articles=$(sqlite3 "$tmp/idx.db" 'SELECT count(*) FROM articles')
printf 'corpus: %s (%s articles), fastest of %s runs each\n' "$corpus" "$articles" "$runs"
printf '  without entities  %6.2f s\n' "$best_off"
printf '  with entities     %6.2f s\n' "$best_on"
awk -v on="$best_on" -v off="$best_off" 'BEGIN {
    printf "  overhead          %+6.1f %%  (ratio %.3f)\n", (on / off - 1) * 100, on / off }'
