#!/bin/sh
# morgue-index --engine xapian end to end (engine/xapian/NOTES-index.md):
# corpus/ into an FTS5 index, one Xapian database and 3 shards: every
# article of the FTS5 index is in the Xapian index(es), in the shard its
# uid hashes to, with the same title; incremental runs (edit, add, delete
# with --prune), --delete and --unsuppress reach the right shard; another
# --shards is refused.  Where morgue-index was built without Xapian, checks
# only that --engine xapian says so (exit 2).  Needs sqlite3 (the CLI).  The Xapian side is read with
# python3-xapian (tests/xapian_index_check.py).
# Usage: sh tests/xapian_index.sh BINDIR

BIN=${1:-bin}
. "$(dirname "$0")/lib.sh"
t_tmpdir xapian-index
CHK="/usr/bin/python3 $(dirname "$0")/xapian_index_check.py"
IDX="$BIN/morgue-index"

"$IDX" --engine xapian --db "$TMP/probe" corpus/seed >"$TMP/out" 2>&1
st=$?
if grep -q "not built" "$TMP/out"; then
    [ $st -eq 2 ]; check "--engine xapian without Xapian: exit 2" $? "$st $(cat "$TMP/out")"
    echo "skip - the rest: morgue-index was built without Xapian"
    t_summary
    exit $?
fi
check "--engine xapian indexes corpus/seed" $st "$(cat "$TMP/out")"
if ! /usr/bin/python3 -c 'import xapian' 2>/dev/null; then
    t_skip "xapian_index.sh" "python3-xapian"
    t_summary
    exit $?
fi

# corpus/ three ways
"$IDX" --db "$TMP/f.db" corpus/ >"$TMP/out" 2>&1
check "corpus/ into FTS5" $? "$(cat "$TMP/out")"
"$IDX" --engine xapian --db "$TMP/one" corpus/ >"$TMP/out" 2>&1
check "corpus/ into one Xapian database" $? "$(cat "$TMP/out")"
grep -q "1119 new, 0 changed, 0 unchanged, 0 removed articles; files: 3 indexed" "$TMP/out"
check "one database: 1119 articles" $? "$(cat "$TMP/out")"
"$IDX" --engine xapian --shards 3 --db "$TMP/three" corpus/ >"$TMP/out" 2>&1
check "corpus/ into 3 shards" $? "$(cat "$TMP/out")"
$CHK where "$TMP/f.db" "$TMP/one" >"$TMP/out" 2>&1
grep -qx "uids 1119 found 1119 routed 1119 titled 1119 docs 1119" "$TMP/out"
check "one database: every FTS5 uid there once, same title" $? "$(cat "$TMP/out")"
$CHK where "$TMP/f.db" "$TMP/three" >"$TMP/out" 2>&1
grep -qx "uids 1119 found 1119 routed 1119 titled 1119 docs 1119" "$TMP/out"
check "3 shards: every FTS5 uid in the shard of mg_hash64(uid) % 3, same title" $? "$(cat "$TMP/out")"
$CHK dupkeys "$TMP/one" "$TMP/three" >"$TMP/out" 2>&1
grep -qx "articles 1119 same 1119 in-clusters [1-9][0-9]*" "$TMP/out"
check "near-duplicate cluster keys: 3 shards as one database" $? "$(cat "$TMP/out")"
[ "$($CHK meta "$TMP/three" | tr '\n' ' ')" = "0/3 1/3 2/3 " ]
check "each shard's morgue:shard metadata" $?
lr=$(sqlite3 "$TMP/three/files.db" "SELECT value FROM meta WHERE key='last_run'")
[ -n "$lr" ] && [ "$($CHK meta "$TMP/three" morgue.meta.last_run | sort -u)" = "$lr" ]
check "each shard carries the index's last_run (morgue.meta.last_run)" $? "$lr"
# the run's batches of 1,000 articles are one commit of each shard (one
# replication changeset), not one a batch; then its meta's
revs=$($CHK revision "$TMP/three" | tr '\n' ' ')
echo "$revs" | awk '{ for (i = 1; i <= NF; i++) if ($i > 3) exit 1; exit NF != 3 }'
check "the run's batches grouped: at most 3 commits of each shard" $? "revisions: $revs"
[ "$(grep -v '^#' "$TMP/three/cluster" | sed 's|.*/||' | tr '\n' ' ')" = "shard-0 shard-1 shard-2 " ]
check "the cluster file lists the 3 shards" $? "$(cat "$TMP/three/cluster")"
"$IDX" --db "$TMP/three" corpus/ >"$TMP/out" 2>&1
grep -q " 0 new, 0 changed, 1119 unchanged, 0 removed articles; files: 0 indexed, 3 unchanged" "$TMP/out"
check "a second run (no --engine: the index says) changes nothing" $? "$(cat "$TMP/out")"
"$IDX" --db "$TMP/three" --stats >"$TMP/out" 2>&1
grep -q "articles:  1119 (xapian engine, 3 shards)" "$TMP/out"
check "--stats counts the shards' articles" $? "$(cat "$TMP/out")"

# --check: Xapian's check of each shard, the side file, the articles
"$IDX" --db "$TMP/three" --check >"$TMP/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "articles against the shards: ok (1119 articles)" "$TMP/out" &&
    grep -q "integrity_check files.db: ok" "$TMP/out"
check "--check: the side file, the articles in their shards: ok" $? "$st $(cat "$TMP/out")"
cp -r "$TMP/three" "$TMP/broken"
/usr/bin/python3 -c 'import sys, xapian
db = xapian.WritableDatabase(sys.argv[1], xapian.DB_OPEN)
db.delete_document(1)
db.commit()' "$TMP/broken/shard-1"
"$IDX" --db "$TMP/broken" --check >"$TMP/out" 2>&1
st=$?
[ $st -eq 6 ] && grep -q "FAILED (1 of 1119 recorded articles missing from their shard" "$TMP/out"
check "--check: an article gone from its shard is damage (exit 6)" $? "$st $(cat "$TMP/out")"

# --shards fixed at creation
"$IDX" --engine xapian --shards 4 --db "$TMP/three" corpus/ >"$TMP/out" 2>&1
st=$?
[ $st -eq 1 ] && grep -q "built with 3 shards, not 4" "$TMP/out"
check "another --shards is refused" $? "$st $(cat "$TMP/out")"
"$IDX" --shards 2 --db "$TMP/x" corpus/seed >"$TMP/out" 2>&1
[ $? -eq 2 ]; check "--shards without --engine xapian: exit 2" $? "$(cat "$TMP/out")"
"$IDX" --engine xapian --rebuild --db "$TMP/one" corpus/seed >"$TMP/out" 2>&1
[ $? -eq 2 ] && grep -q "not supported by the xapian engine" "$TMP/out"
check "--rebuild: not supported, exit 2" $? "$(cat "$TMP/out")"

# incremental runs reach the right shard
I="$TMP/inc"; mkdir -p "$I/c"
printf '{"id":"a","source":"W","title":"Alpha","body":"Alpha body."}\n{"id":"b","source":"W","title":"Beta","body":"Beta body."}\n{"id":"c","source":"W","title":"Gamma","body":"Gamma body."}\n' >"$I/c/x.jsonl"
echo "Delta story. Delta body." >"$I/c/d.txt"
"$IDX" --engine xapian --shards 3 --db "$I/x" "$I/c" >"$TMP/out" 2>&1
grep -q "4 new, 0 changed" "$TMP/out"; check "small archive into 3 shards" $? "$(cat "$TMP/out")"
routed() { # uid: the shard it must be in
    /usr/bin/python3 -c 'import sys
h = 1469598103934665603
for b in sys.argv[1].encode():
    h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
print(h % 3)' "$1"
}
for u in W:a W:b W:c; do
    [ "$($CHK shard "$I/x" $u)" = "$(routed $u)" ]
    check "$u in shard $(routed $u)" $?
done
printf '{"id":"a","source":"W","title":"Alpha","body":"Alpha body."}\n{"id":"b","source":"W","title":"Beta edited","body":"Beta body, edited."}\n' >"$I/c/x.jsonl"
printf '{"id":"e","source":"W","title":"Eta","body":"Eta body."}\n' >"$I/c/y.jsonl"
rm "$I/c/d.txt"
"$IDX" --db "$I/x" --prune --prune-max 60 "$I/c" >"$TMP/out" 2>&1
grep -q " 1 new, 1 changed, 1 unchanged, 2 removed articles" "$TMP/out"
check "edit, add, drop a line, delete a file (--prune)" $? "$(cat "$TMP/out")"
[ "$($CHK title "$I/x" W:b)" = "Beta edited" ] && [ "$($CHK shard "$I/x" W:b)" = "$(routed W:b)" ]
check "the edited article replaced in its shard" $?
[ "$($CHK shard "$I/x" W:c)" = "-" ]
check "the dropped line's article gone from every shard" $?
[ "$($CHK shard "$I/x" W:e)" = "$(routed W:e)" ]
check "the new article in its shard" $?
printf '{"id":"f","source":"W","title":"Phi","body":"Phi body."}\n' >"$I/c/z.jsonl"
"$IDX" --db "$I/x" --dry-run "$I/c" >"$TMP/out" 2>&1
grep -q "^add    W:f" "$TMP/out" && [ "$($CHK shard "$I/x" W:f)" = "-" ]
check "--dry-run tells the add and writes no shard" $? "$(cat "$TMP/out")"
rm "$I/c/z.jsonl"
"$IDX" --db "$I/x" --delete W:a >"$TMP/out" 2>&1
check "--delete" $? "$(cat "$TMP/out")"
[ "$($CHK shard "$I/x" W:a)" = "-" ]
check "--delete takes it out of its shard" $?
"$IDX" --db "$I/x" "$I/c" >/dev/null 2>&1
[ "$($CHK shard "$I/x" W:a)" = "-" ]
check "a taken-down article stays out" $?
"$IDX" --db "$I/x" --unsuppress W:a >"$TMP/out" 2>&1
check "--unsuppress" $? "$(cat "$TMP/out")"
"$IDX" --db "$I/x" "$I/c" >"$TMP/out" 2>&1
[ "$($CHK shard "$I/x" W:a)" = "$(routed W:a)" ]
check "the next run brings it back to its shard" $? "$(cat "$TMP/out")"

t_summary
