#!/bin/bash
# replication-morgue.sh - what replication costs on shard masters built by
# morgue-index --engine xapian (docs/scale-out.md, Measured): an archive
# from bench/gen-archive; the first files into SHARDS shards, a full copy
# of each to a replica, then nightly runs adding the BATCHES articles
# (taken from the archive's last files), each followed by one replication
# pass per shard.  For each step: the articles, the MB sent (the
# replica's growth for a full copy, the changeset files for a night), the
# wall time of the passes and xapian-replicate's summaries.  Servers on
# 127.0.0.1, started with setsid and stopped by pid; everything in a
# temporary folder.
# usage: bench/replication-morgue.sh BINDIR ARCHIVE [SHARDS] [BASE_FILES]
#   ARCHIVE: gen-archive -n 61100 --per-file 10000 ARCHIVE (7 files)
set -u
BIN=${1:?BINDIR}
ARCH=${2:?ARCHIVE}
SHARDS=${3:-4}
BASE=${4:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/morgue-replbench.XXXXXX") || exit 1
PIDS=
stop() {
    local p
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap stop EXIT
mapfile -t FILES < <(ls "$ARCH"/*.jsonl | sort)
mkdir "$T/a" "$T/r"
for f in "${FILES[@]:0:$BASE}"; do ln -s "$f" "$T/a/"; done
now() { date +%s.%N; }
mb() { du -sbL "$@" 2>/dev/null | awk '{s += $1} END {printf "%.1f", s / 1e6}'; }
s=$(now)
# the first build writes no changesets (replicas start with a full copy);
# the nightly runs do
env -u XAPIAN_MAX_CHANGESETS "$BIN/morgue-index" --engine xapian --shards "$SHARDS" \
    --db "$T/m" --quiet "$T/a" || exit 1
export XAPIAN_MAX_CHANGESETS=100
echo "build: $(ls -L "$T"/a/* | wc -l) files, $(($(cat "$T"/a/* | wc -l))) articles into $SHARDS shards: $(python3 -c "print(round($(now) - $s, 1))") s, masters $(mb "$T"/m/shard-*) MB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
setsid xapian-replicate-server -I 127.0.0.1 -p "$PORT" "$T/m" >"$T/rs.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
# pass WHAT ARTICLES: one pass per shard, timed; MB sent is the replicas'
# growth for a full copy, else CHG (the night's changeset files)
pass() {
    local what=$1 n=$2 sent s e sums=""
    s=$(now)
    for k in $(seq 0 $((SHARDS - 1))); do
        sums="$sums; $(xapian-replicate -h 127.0.0.1 -p "$PORT" -m "shard-$k" -o -v -r 0 -t 60 \
            "$T/r/shard-$k" 2>&1 | sed -n 's/^Update complete: \([^,]*, [^,]*\),.*/\1/p')"
    done
    e=$(now)
    if [ "$what" = "full copy" ]; then sent=$(mb "$T/r"); else sent=$CHG; fi
    printf '| %s | %s | %s | %s | %s |\n' "$what" "$n" "$sent" \
        "$(python3 -c "print(round($e - $s, 2))")" "${sums#; }"
}
echo "| step | articles | MB sent | wall s (all shards) | xapian-replicate (per shard) |"
echo "| --- | ---: | ---: | ---: | --- |"
pass "full copy" "$(cat "$T"/a/* | wc -l)"
# the nightly batches from the files not yet indexed
rest=$(cat "${FILES[@]:$BASE}" | wc -l)
off=1
for b in 100 1000 10000; do
    [ $((off + b - 1)) -le "$rest" ] || break
    cat "${FILES[@]:$BASE}" | sed -n "${off},$((off + b - 1))p" >"$T/a/night-$b.jsonl"
    off=$((off + b))
    ls "$T"/m/shard-*/changes* 2>/dev/null | sort >"$T/before"
    s=$(now)
    "$BIN/morgue-index" --db "$T/m" --quiet "$T/a" || exit 1
    it=$(python3 -c "print(round($(now) - $s, 1))")
    ls "$T"/m/shard-*/changes* | sort | comm -13 "$T/before" - >"$T/new"
    # shellcheck disable=SC2046 # one path a line
    CHG=$(mb $(cat "$T/new"))
    echo "# night +$b: morgue-index $it s, $(wc -l <"$T/new") changesets"
    pass "night +$b" "+$b"
done
echo "masters $(mb "$T"/m/shard-*) MB (changesets $(mb "$T"/m/shard-*/changes*) MB), replicas $(mb "$T/r") MB"
