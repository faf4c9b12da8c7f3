#!/bin/bash
# make bench-cluster: the Xapian engine in 4 shards behind xapian-tcpsrv
# beside the FTS5 index, over the same N articles of the synthetic archive
# (bench/gen-archive through bench/archive.sh, as bench/scale.sh), in one
# run on this machine over loopback (issue 22, "Figures to reach").
#  1. Builds the FTS5 index (morgue-index --db) and then the Xapian engine
#     in SHARDS shards (morgue-index --engine xapian --shards SHARDS, a
#     writer thread per shard), one after the other: wall and CPU time
#     (user+sys over wall: the cores busy), peak RSS, size on disk, and
#     articles and MB per shard.
#  2. Serves each shard with its own xapian-tcpsrv (setsid, 127.0.0.1,
#     free ports, stopped by their process groups on exit) listed in a
#     cluster file, and runs bench/queries.txt in process through the
#     bench program (bench --queries-only --cluster): a top-10 page with
#     snippets and facets over the cluster, as `morgue-query --cluster
#     FILE --facets` searches, beside morgue --facets over the FTS5 index:
#     p50/p95/p99/mean and queries/s, single-threaded (a warm-up pass and
#     BENCH_PASSES timed passes, the two taking turns) and with
#     BENCH_CLIENTS client threads.  The servers' CPU time is sampled from
#     /proc during the run: CPU ms per query per shard gives the queries/s
#     one replica core can serve.
#  3. Writes the Markdown report to OUT/latest-cluster-N.md and
#     OUT/DATE-GIT-cluster-N.md; with --write-doc FILE (docs/scale-out.md)
#     also the capacity block between the markers `<!-- capacity: begin
#     -->` and `<!-- capacity: end -->` of FILE (added at the end of its
#     "## Capacity" section when absent).
# Usage: bash bench/cluster.sh [--write-doc FILE] REUTERS_DIR [N]
# Environment: MORGUE_BIN (bin), MORGUE_BENCH (build/rel/bench/bench),
# CLUSTER_DIR (build/bench-cluster: the indexes, kept for a look, and
# with BENCH_CLUSTER_REUSE=1 for the next run, which then only queries),
# SCALE_DIR (build/scale: the archive, shared with bench-scale),
# BENCH_PASSES (5), BENCH_CLIENTS (2), BENCH_OUT (bench/results),
# SHARDS (4); for the sizing: CAP_QPS (100: the queries/s to serve),
# SHARD_MS (10: a shard's server CPU ms per query), SHARD_RAM_MB (16000:
# the page cache a replica gives its shard), CAP_P99 (50: the p99 goal).
set -u
DOC=""
if [ "${1:-}" = "--write-doc" ]; then
    DOC=$2
    shift 2
fi
REUTERS=${1:-../shared/corpus/reuters21578}
N=${2:-1000000}
BIN=${MORGUE_BIN:-bin}
BENCH=${MORGUE_BENCH:-build/rel/bench/bench}
DIR=${CLUSTER_DIR:-build/bench-cluster}
SCALE=${SCALE_DIR:-build/scale}
PASSES=${BENCH_PASSES:-5}
CLIENTS=${BENCH_CLIENTS:-2}
OUT=${BENCH_OUT:-bench/results}
SHARDS=${SHARDS:-4}
CAP_QPS=${CAP_QPS:-100}
CAP_P99=${CAP_P99:-50}
SHARD_MS=${SHARD_MS:-10}
SHARD_RAM_MB=${SHARD_RAM_MB:-16000}
PER_FILE=10000
PY=/usr/bin/python3
# glibc's fatal messages (a failed malloc check, an abort) to stderr, so
# into the build's log, not to a terminal that may not be there
export LIBC_FATAL_STDERR_=1

say() { echo "bench-cluster: $*" >&2; }
if [ ! -d "$REUTERS" ]; then
    echo "bench-cluster: skipped: $REUTERS not found"
    exit 0
fi
if ! command -v xapian-tcpsrv >/dev/null; then
    echo "bench-cluster: skipped: xapian-tcpsrv not installed (apt-get install xapian-tools)"
    exit 0
fi
if [ ! -x "$BENCH" ] || [ ! -x "$BIN/morgue-index" ]; then
    say "$BENCH or $BIN/morgue-index is missing (make)"
    exit 2
fi
if [ -n "$DOC" ] && [ ! -f "$DOC" ]; then
    say "--write-doc $DOC: no such file"
    exit 2
fi

# BENCH_CLUSTER_REUSE=1: the indexes of the last run at this N and their
# build figures ($DIR/builds.env) are kept; only the queries run again
REUSE=0
if [ "${BENCH_CLUSTER_REUSE:-0}" = 1 ] && [ -f "$DIR/builds.env" ] &&
    grep -qx "N=$N SHARDS=$SHARDS" "$DIR/builds.key" 2>/dev/null; then
    REUSE=1
else
    rm -rf "$DIR"
fi
mkdir -p "$DIR" "$OUT" || exit 1
GROUPS_STARTED=""
SAMPLER=""
cleanup() {
    [ -n "$SAMPLER" ] && kill -TERM "$SAMPLER" 2>/dev/null
    for g in $GROUPS_STARTED; do kill -TERM -- "-$g" 2>/dev/null; done
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$(date '+%Y-%m-%d %H:%M:%S %z')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the archive: its first N articles ----
sh bench/archive.sh "$REUTERS" "$N" "$SCALE" >/dev/null || exit 1
files=$(((N + PER_FILE - 1) / PER_FILE))
ls "$SCALE/archive"/part-*.jsonl | head -n "$files" >"$DIR/files"
if [ "$(wc -l <"$DIR/files")" -lt "$files" ]; then
    say "$SCALE/archive holds fewer than $files files"
    exit 1
fi
mapfile -t FILES <"$DIR/files"
INPUT_MB=$(cat "${FILES[@]}" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')

# ---- 1. the builds, one after the other ----
# build NAME ARGS...: morgue-index ARGS under /usr/bin/time; sets
# B_WALL B_USER B_SYS B_RSS_MB
build() {
    local name=$1
    shift
    say "building $name: morgue-index $*"
    if ! /usr/bin/time -f '%e %U %S %M' -o "$DIR/time-$name" \
        "$BIN/morgue-index" --quiet "$@" "${FILES[@]}" >"$DIR/index-$name.log" 2>&1; then
        # 3: some articles were skipped (morgue-index's exit status)
        if ! grep -q 'status 3' "$DIR/time-$name"; then
            say "morgue-index ($name) failed ($(grep -v '^[0-9]' "$DIR/time-$name" | head -1)):"
            tail -5 "$DIR/index-$name.log" >&2
            exit 1
        fi
    fi
    read -r B_WALL B_USER B_SYS B_RSS_KB < <(grep -v '^Command' "$DIR/time-$name" | tail -1)
    B_RSS_MB=$(awk -v k="$B_RSS_KB" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }')
}
size_mb() { du -sb "$@" | awk '{ s += $1 } END { printf "%.1f", s / 1e6 }'; }

if [ $REUSE = 1 ]; then
    say "reusing the indexes in $DIR (built $(date -r "$DIR/builds.env" '+%Y-%m-%d %H:%M'))"
    . "$DIR/builds.env"
else
    build fts5 --db "$DIR/fts5.db"
    F_WALL=$B_WALL F_USER=$B_USER F_SYS=$B_SYS F_RSS=$B_RSS_MB
    F_MB=$(size_mb "$DIR"/fts5.db*)
    build xapian --engine xapian --shards "$SHARDS" --db "$DIR/xapian"
    X_WALL=$B_WALL X_USER=$B_USER X_SYS=$B_SYS X_RSS=$B_RSS_MB
    X_MB=$(size_mb "$DIR/xapian")
    for v in F_WALL F_USER F_SYS F_RSS F_MB X_WALL X_USER X_SYS X_RSS X_MB; do
        echo "$v=${!v}"
    done >"$DIR/builds.env"
    echo "N=$N SHARDS=$SHARDS" >"$DIR/builds.key"
fi

ARTICLES=$(sqlite3 -readonly "$DIR/fts5.db" 'SELECT count(*) FROM articles' 2>/dev/null) ||
    ARTICLES=$N
: >"$DIR/shards"
for ((i = 0; i < SHARDS; i++)); do
    d="$DIR/xapian/shard-$i"
    docs=$(xapian-delve "$d" 2>/dev/null | sed -n 's/^number of documents = //p')
    echo "$i ${docs:-0} $(size_mb "$d")" >>"$DIR/shards"
done

# ---- 2. the servers and the queries ----
free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # up to 10 s
    local try
    for ((try = 0; try < 500; try++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.02
    done
    return 1
}
{
    echo "# bench/cluster.sh: $SHARDS shards, one replica each, on loopback"
    for ((i = 0; i < SHARDS; i++)); do
        port=$(free_port)
        setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" \
            "$DIR/xapian/shard-$i" >>"$DIR/tcpsrv.log" 2>&1 &
        GROUPS_STARTED="$GROUPS_STARTED $!"
        wait_port "$port" || { say "xapian-tcpsrv on port $port did not start"; exit 1; }
        echo "127.0.0.1:$port   # shard $i"
    done
} >"$DIR/cluster"
[ "$(grep -c '^127' "$DIR/cluster")" -eq "$SHARDS" ] || exit 1

# The servers' CPU: every 0.2 s, each process of each server's process
# group (xapian-tcpsrv forks one per connection) and its CPU ticks; the
# last seen of each process, summed per group at the end.
$PY - "$DIR/cpu" $GROUPS_STARTED <<'EOF' &
import os, signal, sys, time
out, groups = sys.argv[1], [int(g) for g in sys.argv[2:]]
seen = {}
def dump(*_):
    tick = os.sysconf("SC_CLK_TCK")
    with open(out, "w") as f:
        for g in groups:
            s = sum(t for (pg, t) in seen.values() if pg == g)
            f.write("%d %.2f\n" % (g, s / tick))
    sys.exit(0)
signal.signal(signal.SIGTERM, dump)
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pg = int(st[2])
        if pg in groups:  # utime + stime, and of reaped children
            seen[int(pid)] = (pg, sum(int(x) for x in st[11:15]))
    time.sleep(0.2)
EOF
SAMPLER=$!

say "queries: $BENCH --queries-only --db $DIR/fts5.db --cluster $DIR/cluster --clients $CLIENTS --passes $PASSES"
/usr/bin/time -f '%e %U %S' -o "$DIR/time-bench" \
    "$BENCH" --queries-only --db "$DIR/fts5.db" --cluster "$DIR/cluster" \
    --clients "$CLIENTS" --passes "$PASSES" --queries bench/queries.txt \
    >"$DIR/bench.out" 2>"$DIR/bench.err"
brc=$?
sleep 0.5 # the sampler's last look after the connections closed
kill -TERM "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
SAMPLER=""
if [ $brc -ne 0 ] || ! grep -q '^figures cluster ' "$DIR/bench.out"; then
    say "the bench failed (status $brc):"
    tail -5 "$DIR/bench.err" "$DIR/bench.out" >&2
    exit 1
fi
cat "$DIR/bench.out" >&2
NQ=$(awk '/^failed:/ { print $NF; exit }' "$DIR/bench.out" | tr -d ')')
SRV_CPU=$(awk '{ s += $2 } END { printf "%.2f", s }' "$DIR/cpu")
SRV_MAX=$(awk '$2 > m { m = $2 } END { printf "%.2f", m }' "$DIR/cpu")
# the queries the cluster ran: single-threaded warm-up + passes; each
# client's untimed query + its passes
CQ=$(((PASSES + 1) * NQ))
[ "$CLIENTS" -gt 1 ] && CQ=$((CQ + CLIENTS * (PASSES * NQ + 1)))

# ---- 3. the report ----
GIT=$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
git status --porcelain --untracked-files=no -- ':/' ':(top,exclude)bench/results' ':(top,exclude)docs/scale-out.md' 2>/dev/null |
    grep -q . && GIT="$GIT (with uncommitted changes)"
DAY=$(date +%Y-%m-%d)
CPU=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
MEM=$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo)
OS=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)
XV=$(pkg-config --modversion xapian-core 2>/dev/null || echo "?")
SV=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)
MACHINE="$(nproc) CPUs, $CPU, $MEM, $OS, $(uname -sr), Xapian $XV, SQLite $SV"

export N ARTICLES INPUT_MB SHARDS PASSES CLIENTS NQ CQ SRV_CPU SRV_MAX CAP_QPS CAP_P99 SHARD_MS SHARD_RAM_MB \
    F_WALL F_USER F_SYS F_RSS F_MB X_WALL X_USER X_SYS X_RSS X_MB
REPORT="$DIR/report.md"
BLOCK="$DIR/capacity.md"
awk -v start="$START" -v load0="$LOAD0" -v load1="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v git="$GIT" -v machine="$MACHINE" -v dir="$DIR" -v block="$BLOCK" \
    -v shardsf="$DIR/shards" '
function env(k) { return ENVIRON[k] }
function fmt(v, d) { return sprintf("%." d "f", v) }
function commas(n,   s) { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
function ceil(x) { return x == int(x) ? x : int(x) + 1 }
function brow(name, wall, user, sys, rss, mb) {
    printf "| %s | %.1f | %.0f | %.1f | %.0f%% | %s | %s | %.0f |\n", name, wall,
        env("ARTICLES") / wall, user + sys, 100 * (user + sys) / wall, rss, mb,
        mb * 1e6 / env("ARTICLES") / 1e3
}
function qrow(label, k) {
    if (!(k in P50)) return
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.1f | %d |\n", label, P50[k], P95[k], P99[k], MEAN[k], QPS[k], ERR[k]
}
FILENAME == shardsf { SD[$1] = $2; SM[$1] = $3; ns++; next }
$1 == "slow" { q = $0; sub(/^slow [^ ]+ [^ ]+ [^ ]+ /, "", q); gsub(/\|/, "\\|", q); SLOW[++nslow] = sprintf("| `%s` | %s | %.2f | %.2f |", q, commas($4), $2, $3); next }
$1 == "parts" { PC = $3; PR = $4; PP = $5; PF = $6; PN = $7; parts = 1; next }
$1 == "figures" { P50[$2] = $4; P95[$2] = $5; P99[$2] = $6; MEAN[$2] = $7; QPS[$2] = $8; ERR[$2] = $9; NOHIT[$2] = $10; next }
END {
    n = env("ARTICLES"); S = env("SHARDS"); c = env("CLIENTS")
    printf "# Xapian cluster (%d shards) beside FTS5 at %s articles (`make bench-cluster`)\n\n", S, commas(n)
    printf "- date: %s; commit: %s\n", start, git
    printf "- machine: %s; load average %s at the start, %s at the end\n", machine, load0, load1
    printf "- input: the first %s articles of the synthetic archive (bench/gen-archive from Reuters-21578; %s MB of JSON lines)\n", commas(n), env("INPUT_MB")
    printf "- the servers: %d `xapian-tcpsrv`, one per shard, on 127.0.0.1 on this machine (the same 2 cores as the client)\n", S
    printf "- command: `make bench-cluster BENCH_CLUSTER_N=%d`\n\n", env("N")
    print "## Build (one after the other)\n"
    print "| index | wall s | articles/s | CPU s | CPU / wall | peak RSS MB | size MB | KB/article |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    brow("FTS5 (`morgue-index --db`)", env("F_WALL"), env("F_USER"), env("F_SYS"), env("F_RSS"), env("F_MB"))
    brow(sprintf("Xapian, %d shards (`--engine xapian --shards %d`)", S, S), env("X_WALL"), env("X_USER"), env("X_SYS"), env("X_RSS"), env("X_MB"))
    printf "\nXapian / FTS5: wall %.2fx, CPU %.2fx, size %.2fx.  CPU / wall over 100%% means more than one core busy.\n\n",
        env("X_WALL") / env("F_WALL"), (env("X_USER") + env("X_SYS")) / (env("F_USER") + env("F_SYS")), env("X_MB") / env("F_MB")
    print "| shard | articles | MB |"
    print "| ---: | ---: | ---: |"
    for (i = 0; i < ns; i++) { printf "| %d | %s | %.1f |\n", i, commas(SD[i]), SM[i]; tot += SD[i]; mbs += SM[i] }
    printf "\n(uncompacted glass databases as morgue-index leaves them; the folder also holds morgue-index'"'"'s own `files.db`.)\n\n"
    printf "## Queries (bench/queries.txt, %d queries, top 10 with snippets and facets)\n\n", env("NQ")
    printf "Single-threaded: a warm-up pass, then %d timed passes, the FTS5 index and the cluster taking turns over every query (`bench --queries-only --cluster`).  The cluster runs through `searcher_new_cluster` and `search_run` as `morgue-query --cluster FILE --facets` does (connect timeout 1 s, query timeout 2 s, connections kept); FTS5 is `morgue-query --db FILE --facets`.", env("PASSES")
    if (c > 1) printf "  Then %d client threads, each with its own searcher, each over the queries %d times: latencies of all, queries/s = all queries / wall time.", c, env("PASSES")
    print "\n"
    print "| system | p50 ms | p95 ms | p99 ms | mean ms | queries/s | failed |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    qrow("FTS5, 1 index", "fts5")
    qrow(sprintf("Xapian, %d shards over TCP", S), "cluster")
    qrow(sprintf("FTS5, %d client threads", c), "fts5-c" c)
    qrow(sprintf("Xapian, %d shards, %d client threads", S, c), "cluster-c" c)
    r50 = P50["cluster"] / P50["fts5"]; r99 = P99["cluster"] / P99["fts5"]
    printf "\ncluster / FTS5: p50 %.2fx, p99 %.2fx.  Goal (issue 22): cluster p99 <= %d ms: **%s** (%.1f ms).\n", r50, r99, env("CAP_P99"), P99["cluster"] <= env("CAP_P99") ? "met" : "not met", P99["cluster"]
    if (parts) {
        PARTS = sprintf("Where the cluster'"'"'s time went (the means of its single-threaded searches, the parts `morgue-query --cluster FILE --facets --timing` prints): count %.1f ms (the exact total), rank %.1f ms (the page and the sizes of its near-duplicate groups), snippets %.1f ms, facets %.1f ms (the spies'"'"' pass over the matches or their sample, the entity names, and the names each facet entity is named with: a pass per facet entity); %.1f passes a search, each a round trip to every shard.", PC, PR, PP, PF, PN)
        printf "\n%s\n", PARTS
    }
    if (NOHIT["cluster"] != NOHIT["fts5"]) printf "\nQueries without hits in the warm-up pass: FTS5 %d, cluster %d.\n", NOHIT["fts5"], NOHIT["cluster"]
    if (nslow) {
        print "\nThe slowest queries on the cluster (median of the timed passes; matches as morgue counts them on FTS5):\n"
        print "| query | matches | cluster ms | FTS5 ms |"
        print "| --- | ---: | ---: | ---: |"
        for (i = 1; i <= nslow; i++) print SLOW[i]
    }
    cq = env("CQ"); cpu = env("SRV_CPU")
    msq = cpu * 1000 / cq / S  # server CPU ms per query per shard
    printf "\nThe servers'"'"' CPU over the run (sampled from /proc every 0.2 s): %.1f s for %d cluster queries, %.2f ms per query per shard (busiest shard %.1f s).\n",
        cpu, cq, msq, env("SRV_MAX")
    # ---- capacity, derived ----
    # The size of a shard: the articles at which its server CPU per query
    # (grown in proportion to its articles from the measured msq) reaches
    # SHARD_MS, or at which it fills SHARD_RAM_MB of page cache, the
    # smaller, to 2 significant digits.  A replica host (2 cores at 70%)
    # then serves 1400 / (ms per query at that size) queries/s; replicas
    # per shard: enough for CAP_QPS, at least 2.
    per = n / S; mbper = mbs / S
    p99 = P99["cluster"]
    byms = msq > 0 ? per * env("SHARD_MS") / msq : 1e12
    byram = mbper > 0 ? per * env("SHARD_RAM_MB") / mbper : 1e12
    target = byms < byram ? byms : byram
    mag = 1; while (target / mag >= 100) mag *= 10
    target = int(target / mag) * mag
    if (target < 1) target = 1
    tms = msq * target / per; tmb = mbper * target / per
    qrep = tms > 0 ? 1400 / tms : 0
    b = sprintf("%s", "")
    b = b "<!-- capacity: begin -->\n"
    b = b sprintf("Measured by `make bench-cluster BENCH_CLUSTER_N=%d` on %s (commit %s; %s; load average %s at the start): %s articles of the synthetic archive, %d shards on one 2-core machine over loopback, the client on the same machine.\n\n", env("N"), substr(start, 1, 10), git, machine, load0, commas(n), S)
    b = b "| figure | FTS5, 1 index | Xapian, " S " shards |\n| --- | ---: | ---: |\n"
    b = b sprintf("| articles per shard | %s | %s |\n", commas(n), commas(int(per + 0.5)))
    b = b sprintf("| MB per shard (uncompacted) | %.0f | %.0f |\n", env("F_MB"), mbper)
    b = b sprintf("| build, wall s (articles/s) | %.0f (%.0f) | %.0f (%.0f) |\n", env("F_WALL"), n / env("F_WALL"), env("X_WALL"), n / env("X_WALL"))
    b = b sprintf("| build CPU / wall (cores busy) | %.0f%% | %.0f%% |\n", 100 * (env("F_USER") + env("F_SYS")) / env("F_WALL"), 100 * (env("X_USER") + env("X_SYS")) / env("X_WALL"))
    b = b sprintf("| query p50 / p99 ms (top 10, snippets, facets) | %.1f / %.1f | %.1f / %.1f |\n", P50["fts5"], P99["fts5"], P50["cluster"], P99["cluster"])
    b = b sprintf("| queries/s, 1 client | %.1f | %.1f |\n", QPS["fts5"], QPS["cluster"])
    if (("cluster-c" c) in QPS) b = b sprintf("| queries/s, %d clients | %.1f | %.1f |\n", c, QPS["fts5-c" c], QPS["cluster-c" c])
    b = b sprintf("| server CPU ms per query per shard | | %.3f |\n", msq)
    b = b sprintf("| queries/s per replica core (1000 / that) | | %.0f |\n\n", msq > 0 ? 1000 / msq : 0)
    b = b sprintf("Latency: the cluster'"'"'s p99 of %.1f ms is %s the goal of %d ms for a top-10 page with snippets and facets.%s\n\n", p99, p99 <= env("CAP_P99") ? "within" : "above", env("CAP_P99"), parts ? "  " PARTS : "")
    if (msq <= 0)
        b = b "The servers'"'"' CPU was too small to measure at this size (under a clock tick per shard): the sizing below takes the page cache alone.\n\n"
    b = b sprintf("Sizing, derived from these figures (`bench/cluster.sh`): a shard holds the articles at which either its server CPU per query reaches %d ms (the measured %.3f ms per %s articles, grown in proportion to the articles) or its files fill %d MB of a replica'"'"'s page cache (%.0f MB per %s articles), the smaller: **%s articles per shard** (%.0f MB, %.2f ms per query).  A replica host of 2 cores at 70%% then serves 1400 / %.2f = %.0f queries/s of one shard; replicas per shard: enough for %d queries/s, at least 2 (one can fail).  Every query reaches every shard, so each shard'"'"'s replicas see all the front ends'"'"' queries: add shards for size, replicas for queries/s.\n\n",
        env("SHARD_MS"), msq, commas(int(per + 0.5)), env("SHARD_RAM_MB"), mbper, commas(int(per + 0.5)), commas(target), tmb, tms, tms, qrep, env("CAP_QPS"))
    b = b "| articles | shards | articles per shard | MB per shard | replicas per shard | replica hosts (2 cores) |\n|---:|---:|---:|---:|---:|---:|\n"
    b = b sprintf("| %s (measured) | %d | %s | %.0f | 1 | 1, shared with the client |\n", commas(n), S, commas(int(per + 0.5)), mbper)
    split("10000000 100000000", A, " ")
    for (j = 1; j <= 2; j++) {
        sh = ceil(A[j] / target); rp = qrep > 0 ? ceil(env("CAP_QPS") / qrep) : 2; if (rp < 2) rp = 2
        b = b sprintf("| %s | %d | %s | %.0f | %d | %d |\n", commas(A[j]), sh, commas(int(A[j] / sh + 0.5)), mbper * (A[j] / sh) / per, rp, sh * rp)
    }
    b = b sprintf("\nAssumptions: a shard'"'"'s query cost and size grow in proportion to its articles (the posting lists grow with the archive); its CPU was measured with %d shards and the client sharing 2 cores, so it is a conservative figure.  Latency is not in the table: it is mostly the client'"'"'s round trips to the shards, one after another (engine/xapian/NOTES-bench.md), and more shards add round trips; on a LAN each costs 0.1-0.5 ms more than on loopback.  Front ends hold no data: two behind the load balancer (one can fail), more when their CPU is busy.  Re-run at the archive size you plan for (`make bench-cluster BENCH_CLUSTER_N=...`; SHARD_MS, SHARD_RAM_MB and CAP_QPS set the targets).\n", S)
    b = b "<!-- capacity: end -->"
    print "\n## Capacity (the block `--write-doc` puts in docs/scale-out.md)\n"
    print b
    printf "%s\n", b > block
}' "$DIR/shards" "$DIR/bench.out" >"$REPORT" || exit 1

name="cluster-$ARTICLES"
cp "$REPORT" "$OUT/latest-$name.md" && cp "$REPORT" "$OUT/$DAY-${GIT%% *}-$name.md" || exit 1
cat "$REPORT"
echo
echo "bench-cluster: report in $OUT/latest-$name.md and $OUT/$DAY-${GIT%% *}-$name.md"

# ---- the capacity block into DOC ----
if [ -n "$DOC" ]; then
    $PY - "$DOC" "$BLOCK" <<'EOF' || exit 1
import re, sys
doc, block = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(doc).read()
b, e = "<!-- capacity: begin -->", "<!-- capacity: end -->"
if b in text and e in text:
    text = text[:text.index(b)] + block + text[text.index(e) + len(e):]
else:  # at the end of the "## Capacity" section (or of the file)
    m = re.search(r"^## Capacity\b.*?(?=^## |\Z)", text, re.S | re.M)
    at = m.end() if m else len(text)
    head = text[:at].rstrip("\n") + "\n\n"
    text = head + block + "\n" + ("\n" + text[at:] if text[at:] else "")
open(doc, "w").write(text)
EOF
    echo "bench-cluster: the capacity block written into $DOC"
fi
