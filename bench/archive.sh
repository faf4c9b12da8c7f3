#!/bin/sh
# bench/archive.sh - the synthetic archive of `make bench` and `make
# bench-scale`, generated once: makes sure DIR/archive holds at least N
# articles of bench/gen-archive (10,000 a file, in publication order), and
# prints how many it holds.  An archive of more is kept: its first N
# articles are the same whatever its size (only the dates, spread over 30
# years, differ).  Generating 500,000 takes about 20 s.
# Usage: sh bench/archive.sh REUTERS_DIR N DIR
REUTERS=$1
N=$2
DIR=$3
have=0
for stamp in "$DIR"/archive/.made-*; do
    [ -f "$stamp" ] && have=${stamp##*.made-}
done
if [ "$have" -lt "$N" ]; then
    rm -rf "$DIR/archive"
    mkdir -p "$DIR" || exit 1
    echo "generating $N articles in $DIR/archive" >&2
    python3 bench/gen-archive -n "$N" --per-file 10000 \
        --reuters "$REUTERS" "$DIR/archive" >&2 || exit 1
    touch "$DIR/archive/.made-$N" || exit 1
    have=$N
fi
echo "$have"
