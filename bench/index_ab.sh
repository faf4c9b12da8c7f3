#!/bin/sh
# index_ab.sh - indexing speed of this build against another one, in the
# same script: each indexes the same corpus into a fresh index, taking
# turns, RUNS times; the fastest run of each (the one least disturbed by
# other work on a shared machine) is kept, and the ratio printed.
#
# usage: bench/index_ab.sh BASE_BIN [CORPUS] [RUNS]   (make bench-index-ab)
#   BASE_BIN  the bin/ folder of the build to compare with (e.g. a
#             worktree of an older commit, built)
set -eu
base=${1:?usage: bench/index_ab.sh BASE_BIN [CORPUS] [RUNS]}
corpus=${2:-../shared/corpus/reuters21578}
runs=${3:-5}
bin=${MORGUE_BIN:-bin}
if [ ! -e "$corpus" ]; then
    echo "bench-index-ab: skipped: $corpus not found"
    exit 0
fi
if [ ! -x "$base/morgue-index" ]; then
    echo "bench-index-ab: $base/morgue-index: not found" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seconds (wall clock) of one run of $1/morgue-index.
one() {
    rm -f "$tmp"/idx.db*
    s=$(date +%s.%N)
    "$1/morgue-index" --quiet --db "$tmp/idx.db" "$corpus" >/dev/null
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}

best_a= best_b=
i=0
while [ "$i" -lt "$runs" ]; do
    a=$(one "$base")
    b=$(one "$bin")
    echo "run $((i + 1)): base $a s, this build $b s"
    best_a=$(awk -v x="$a" -v y="${best_a:-1e9}" 'BEGIN { print (x < y) ? x : y }')
    best_b=$(awk -v x="$b" -v y="${best_b:-1e9}" 'BEGIN { print (x < y) ? x : y }')
    i=$((i + 1))
done
awk -v a="$best_a" -v b="$best_b" -v c="$corpus" 'BEGIN {
    printf "indexing %s, fastest of each: base %.2f s, this build %.2f s: %.3fx (%+.1f%%)\n",
        c, a, b, b / a, (b / a - 1) * 100 }'
