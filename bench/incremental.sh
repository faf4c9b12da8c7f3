#!/bin/sh
# incremental.sh - what a nightly run over an unchanged archive costs.
#
# RUNS times: a full index of CORPUS into a fresh file, then a second run
# over the same, unchanged CORPUS (every file skipped unread by size and
# modification time), then a third with --verify (every file hashed again,
# none parsed).  Wall times from the shell, in the same script, fastest of
# RUNS each; prints the second and third as shares of the first.
#
# usage: bench/incremental.sh [CORPUS] [RUNS]   (make bench-incremental)
set -eu
corpus=${1:-../shared/corpus/reuters21578}
runs=${2:-5}
bin=${MORGUE_BIN:-bin}
if [ ! -e "$corpus" ]; then
    echo "bench-incremental: skipped: $corpus not found"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

secs() { # seconds a command takes, from the monotonic clock
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }

full= again= verify=
i=0
while [ "$i" -lt "$runs" ]; do
    rm -f "$tmp"/idx.db*
    full=$(min "$(secs "$bin/morgue-index" --quiet --db "$tmp/idx.db" "$corpus")" "$full")
    again=$(min "$(secs "$bin/morgue-index" --quiet --db "$tmp/idx.db" "$corpus")" "$again")
    verify=$(min "$(secs "$bin/morgue-index" --quiet --verify --db "$tmp/idx.db" "$corpus")" "$verify")
    i=$((i + 1))
done
n=$("$bin/morgue-index" --db "$tmp/idx.db" --stats | sed -n 's/^articles:  \([0-9]*\).*/\1/p')
echo "corpus: $corpus ($n articles), fastest of $runs runs each"
awk -v f="$full" -v a="$again" -v v="$verify" 'BEGIN {
    printf "first run (fresh index):        %7.3f s\n", f
    printf "second run (nothing changed):   %7.3f s  = %5.1f%% of the first\n", a, 100 * a / f
    printf "second run with --verify:       %7.3f s  = %5.1f%% of the first\n", v, 100 * v / f
}'
