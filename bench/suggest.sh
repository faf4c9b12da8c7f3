#!/bin/sh
# bench/suggest.sh - "did you mean" measured (docs/query-syntax.md#did-you-mean):
# misspellings made from the words of an index (seeded, so the same every
# run): N with one edit anywhere, N/2 with two edits after the first
# letter in words of 6 letters or more, each searched alone with
# morgue-query --timing; prints how many were corrected to the word
# misspelt, none, or to another word, and the suggestion's time
# (median, 90th and 99th percentile, most); then the queries of
# bench/queries.txt (all of which find articles): any suggestion made
# for them, and its time.
#   sh bench/suggest.sh BINDIR DB [N]      (make bench-suggest)
BIN=${1:?usage: sh bench/suggest.sh BINDIR DB [N]}
DB=${2:?usage: sh bench/suggest.sh BINDIR DB [N]}
N=${3:-300}
command -v python3 >/dev/null || { echo "bench-suggest: skipped: python3 not installed"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/suggest.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 - "$DB" "$N" "$T" <<'PY'
import random, sqlite3, sys
db, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
vocab = set(r[0] for r in con.execute("SELECT term FROM terms WHERE df > 0"))
words = [r[0] for r in con.execute(
    "SELECT term FROM terms WHERE df >= 20 AND length(term) >= 5"
    " AND term NOT GLOB '*[^a-z]*' ORDER BY term")]
abc = "abcdefghijklmnopqrstuvwxyz"
def edit(w, lo):
    i = random.randrange(lo, len(w))
    k = random.choice("dsit")
    if k == "d" or (k == "t" and i + 1 >= len(w)):
        return w[:i] + w[i + 1:]
    if k == "s":
        return w[:i] + random.choice(abc) + w[i + 1:]
    if k == "i":
        return w[:i] + random.choice(abc) + w[i:]
    return w[:i] + w[i + 1] + w[i] + w[i + 2:]
for name, count, edits, lo, minlen in (("one", n, 1, 0, 5), ("two", n // 2, 2, 1, 6)):
    random.seed(21 + edits)
    pool = [w for w in words if len(w) >= minlen]
    random.shuffle(pool)
    rows = []
    for w in pool:
        t = w
        for _ in range(edits):
            t = edit(t, lo)
        if t != w and t not in vocab and len(t) >= 3:
            rows.append(f"{w}\t{t}\n")
        if len(rows) == count:
            break
    open(f"{out}/{name}.tsv", "w").write("".join(rows))
PY
pct() { sort -g | awk '{a[NR]=$1} END {if (NR) printf "median %s ms, p90 %s, p99 %s, most %s (%d searches)\n", a[int((NR+1)/2)], a[int(NR*0.9+0.5)], a[int(NR*0.99+0.5)], a[NR], NR}'; }
for kind in one two; do
    while IFS="$(printf '\t')" read -r w t; do
        s=$("$BIN/morgue-query" --db "$DB" --timing "$t" 2>"$T/err" | sed -n 's/^Did you mean: \(.*\)?$/\1/p')
        printf '%s\t%s\t%s\n' "$w" "${s:--}" "$(sed -n 's/.*suggestion \([0-9.]*\);.*/\1/p' "$T/err")"
    done <"$T/$kind.tsv" >"$T/$kind.out"
    awk -F'\t' -v k="$kind" '{n++; if ($1 == $2) r++; else if ($2 == "-") z++; else x++}
        END {printf "%s-edit misspellings: %d; corrected to the word: %d, none: %d, another word: %d\n", k, n, r, z, x}' "$T/$kind.out"
    cut -f3 "$T/$kind.out" | pct
done
n=0
while IFS= read -r q; do
    case "$q" in ''|\#*) continue ;; esac
    n=$((n + 1))
    "$BIN/morgue-query" --db "$DB" --timing "$q" 2>"$T/err" | sed -n "s/^Did you mean: /  suggested for \"$q\": /p"
    sed -n 's/.*suggestion \([0-9.]*\);.*/\1/p' "$T/err" >>"$T/bench.ms"
done <bench/queries.txt
echo "bench/queries.txt: $n queries (each finds articles), the suggestions above"
pct <"$T/bench.ms"
