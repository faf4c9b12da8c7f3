#!/bin/sh
# make bench-scale: how indexing and searching grow with the archive.
# Generates one synthetic archive (bench/gen-archive, from Reuters-21578)
# of the largest size once (bench/archive.sh), then indexes its first N
# articles for each N in SIZES and reports index time per article, index
# size, the indexer's peak RSS and query latency (bench/queries.txt, in process, through the
# bench program's --queries-only mode).
# Usage: sh bench/scale.sh REUTERS_DIR "100000 300000 1000000"
# Environment: MORGUE_BIN (default bin), MORGUE_BENCH (the bench program),
# SCALE_DIR (default build/scale).
REUTERS=${1:-../shared/corpus/reuters21578}
SIZES=${2:-100000 300000 1000000}
BIN=${MORGUE_BIN:-bin}
BENCH=${MORGUE_BENCH:-build/rel/bench/bench}
DIR=${SCALE_DIR:-build/scale}
PER_FILE=10000

if [ ! -d "$REUTERS" ]; then
    echo "bench-scale: skipped: $REUTERS not found"
    exit 0
fi
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
sh bench/archive.sh "$REUTERS" "$max" "$DIR" >/dev/null || exit 1

printf '%-9s %9s %10s %9s %10s %8s %8s %8s\n' articles "index s" "ms/article" "size MB" "peak RSS" "p50 ms" "p95 ms" "p99 ms"
for n in $SIZES; do
    files=$(( (n + PER_FILE - 1) / PER_FILE ))
    db="$DIR/m$n.db"
    rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
    ls "$DIR/archive"/part-*.jsonl | head -n "$files" >"$DIR/files-$n"
    /usr/bin/time -f '%e %M' -o "$DIR/time-$n" \
        "$BIN/morgue-index" --db "$db" $(cat "$DIR/files-$n") >"$DIR/index-$n.log" 2>&1 ||
        { echo "bench-scale: morgue-index failed at $n:"; tail -5 "$DIR/index-$n.log"; exit 1; }
    read -r secs rss <"$DIR/time-$n"
    size=$(stat -c %s "$db")
    q=""
    if [ -x "$BENCH" ]; then
        q=$("$BENCH" --queries-only --db "$db" --queries bench/queries.txt 2>/dev/null |
            sed -n 's/^morgue  *\([0-9.]*\)  *\([0-9.]*\)  *\([0-9.]*\).*/\1 \2 \3/p' | head -1)
    fi
    set -- $q
    awk -v n="$n" -v s="$secs" -v b="$size" -v r="$rss" -v p50="${1:--}" -v p95="${2:--}" -v p99="${3:--}" 'BEGIN {
        printf "%-9d %9.1f %10.3f %9.1f %8.0fMB %8s %8s %8s\n", n, s, s * 1000 / n, b / 1e6, r / 1024, p50, p95, p99 }'
done
