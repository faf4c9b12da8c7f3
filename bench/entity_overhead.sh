#!/bin/sh
# entity_overhead.sh - what entities add to indexing time.
#
# Indexes the same corpus with and without entities (--no-entities),
# alternating, RUNS times each into fresh index files, keeps the fastest
# run of each (the one least disturbed by other work on a shared machine)
# and prints, from morgue-index --timing:
#   - the time spent finding entities (ent_extract) as a share of the whole
#     indexing time without entities: the extraction budget of issue 4;
#   - the whole feature's cost: the run with entities against the run
#     without (finding, storing links and aliases, the FTS5 entities
#     column, the merge of family names, bigger commits).
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

# The "time:" line of the fastest run of a mode into $tmp/best-MODE.
run() {
    rm -f "$tmp"/idx.db*
    flag=
    [ "$1" = off ] && flag=--no-entities
    "$bin/morgue-index" --quiet --timing $flag --db "$tmp/idx.db" "$corpus" \
        >"$tmp/line"
    t=$(sed -n 's/.*; \([0-9.]*\) s in all$/\1/p' "$tmp/line")
    best=$(sed -n 's/.*; \([0-9.]*\) s in all$/\1/p' "$tmp/best-$1" 2>/dev/null || true)
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
        cp "$tmp/line" "$tmp/best-$1"
    fi
}
i=0
while [ "$i" -lt "$runs" ]; do
    run off
    run on
    i=$((i + 1))
done
field() { sed -n "s/.* \([0-9.]*\) s $2.*/\1/p" "$tmp/best-$1"; }
off=$(field off "in all")
on=$(field on "in all")
find=$(field on "finding entities")
store=$(field on "storing entities")
printf 'corpus: %s, fastest of %s runs each\n' "$corpus" "$runs"
printf '  without entities  %6.2f s\n' "$off"
printf '  with entities     %6.2f s\n' "$on"
awk -v on="$on" -v off="$off" -v find="$find" -v store="$store" 'BEGIN {
    printf "  finding entities  %6.2f s = %4.1f %% of the indexing time without entities\n", find, find / off * 100
    printf "  storing entities  %6.2f s (links, aliases)\n", store
    printf "  whole feature     %+6.2f s = %+5.1f %% (ratio %.3f)\n", on - off, (on / off - 1) * 100, on / off }'
printf '  with entities:    %s\n' "$(sed 's/^morgue-index: time: //' "$tmp/best-on")"
printf '  without:          %s\n' "$(sed 's/^morgue-index: time: //' "$tmp/best-off")"
