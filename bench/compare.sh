#!/bin/sh
# bench/compare.sh - the scale step of `make bench` (make bench-compare):
# morgue, plain FTS5 and Xapian over the same N articles of the synthetic
# archive, queried with the same queries in the same run.
#  1. The archive: bench/gen-archive under DIR/archive, generated once
#     (bench/archive.sh; an archive of more articles is reused).
#  2. The morgue index of its first N articles, DIR/cmp-N/morgue.db, built
#     by morgue-index as bench/scale.sh does, its wall time and peak RSS in
#     morgue.db.build.  Kept when DIR/cmp-N/key says it was built from the
#     same archive by a morgue-index of the same SHA-256; BENCH_FRESH=1
#     rebuilds it and everything built from it.
#  3. Xapian: bench/xapian_peer.py build, from that index's articles, into
#     DIR/cmp-N/xapian; kept when newer than the index.  Skipped, with a
#     message, when PYTHON_XAPIAN has no xapian module.
#  4. bench --queries-only --baseline --xapian: builds the plain FTS5
#     baseline beside the index (morgue-base.db; kept when newer), runs the
#     queries of bench/queries.txt and bench/queries-scale.txt on every
#     system in each pass, prints the table and writes it to
#     OUT/latest-scale-ARTICLES.md and OUT/DAY-GIT-scale-ARTICLES.md.
# Usage: sh bench/compare.sh REUTERS_DIR N
# Environment: MORGUE_BIN (bin), MORGUE_BENCH (build/rel/bench/bench),
# SCALE_DIR (build/scale), BENCH_PASSES (5), BENCH_OUT (bench/results),
# BENCH_FRESH (1: rebuild the indexes), PYTHON_XAPIAN (/usr/bin/python3,
# Debian's, with python3-xapian).
REUTERS=${1:-../shared/corpus/reuters21578}
N=${2:-500000}
BIN=${MORGUE_BIN:-bin}
BENCH=${MORGUE_BENCH:-build/rel/bench/bench}
DIR=${SCALE_DIR:-build/scale}
PASSES=${BENCH_PASSES:-5}
OUT=${BENCH_OUT:-bench/results}
PY=${PYTHON_XAPIAN:-/usr/bin/python3}
PER_FILE=10000

if [ ! -d "$REUTERS" ]; then
    echo "bench-compare: skipped: $REUTERS not found"
    exit 0
fi
case $N in
    '' | *[!0-9]* | 0*)
        echo "bench-compare: BENCH_SCALE_N=$N: a number of articles, please"
        exit 2
        ;;
esac
if [ $((N % PER_FILE)) -ne 0 ]; then
    echo "bench-compare: BENCH_SCALE_N=$N: a multiple of $PER_FILE, please"
    exit 2
fi
have=$(sh bench/archive.sh "$REUTERS" "$N" "$DIR") || exit 1

work="$DIR/cmp-$N"
db="$work/morgue.db"
sum=$(sha256sum "$BIN/morgue-index" | cut -d' ' -f1) || exit 1
key="first $N articles of an archive of $have, morgue-index $sum"
if [ "${BENCH_FRESH:-0}" = 1 ] || [ ! -f "$work/key" ] ||
    [ "$(cat "$work/key")" != "$key" ]; then
    rm -rf "$work"
    mkdir -p "$work" || exit 1
    ls "$DIR/archive"/part-*.jsonl | head -n $((N / PER_FILE)) >"$work/files"
    echo "bench-compare: indexing $N articles into $db (at 500,000, several minutes) ..."
    /usr/bin/time -f '%e %M' -o "$work/time" \
        "$BIN/morgue-index" --db "$db" $(cat "$work/files") >"$work/index.log" 2>&1
    status=$?
    if [ $status -ne 0 ] && [ $status -ne 3 ]; then # 3: some inputs skipped
        echo "bench-compare: morgue-index failed (status $status):"
        tail -5 "$work/index.log"
        exit 1
    fi
    awk '{ printf "%.3f %.1f\n", $1, $2 * 1024 / 1e6 }' "$work/time" >"$db.build"
    echo "$key" >"$work/key"
else
    echo "bench-compare: $db kept (the same archive and morgue-index; BENCH_FRESH=1 rebuilds)"
fi

xapian=""
if "$PY" -c 'import xapian' 2>/dev/null; then
    if [ ! -f "$work/xapian/build.txt" ] || [ "$db" -nt "$work/xapian/build.txt" ]; then
        echo "bench-compare: building the Xapian database $work/xapian ..."
        "$PY" bench/xapian_peer.py build --db "$db" --out "$work/xapian" || exit 1
    else
        echo "bench-compare: the Xapian database $work/xapian is newer than the index: kept"
    fi
    xapian="--xapian $work/xapian --python $PY"
else
    echo "bench-compare: Xapian skipped: $PY has no xapian module (Debian 12: apt-get install python3-xapian)"
fi

# $xapian unquoted: two options or none (the paths have no spaces: DIR is
# the build folder)
"$BENCH" --queries-only --db "$db" --baseline $xapian \
    --queries bench/queries.txt --queries bench/queries-scale.txt \
    --passes "$PASSES" --out "$OUT"
