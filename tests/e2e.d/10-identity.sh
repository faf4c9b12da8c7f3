# Article identity, pruning, takedowns and hostile archives (issue 18):
# each numbered defect of the issue has a check here.  Sourced by
# tests/e2e.sh (BIN, TMP, check, and t_serve of tests/lib.sh).

X="$TMP/ident"; mkdir -p "$X"
ix() { "$BIN/morgue-index" --quiet "$@" >"$TMP/out" 2>"$TMP/err"; }
keys() { sqlite3 "$1" "SELECT uid FROM articles ORDER BY uid" | tr '\n' ' '; }
body_of() { sqlite3 "$1" "SELECT body FROM articles WHERE uid = '$2'"; }
# the articles, text and entities of an index, for equality
dump() {
    sqlite3 "$1" "SELECT uid, title, body, source, section, date FROM articles ORDER BY uid;
                  SELECT a.uid, e.kind, e.canonical, ae.mentions FROM article_entities ae
                  JOIN articles a ON a.id = ae.article_id JOIN entities e ON e.id = ae.entity_id
                  ORDER BY 1, 2, 3"
}
same_as_rebuild() { # same_as_rebuild DB ROOT...: DB equals a fresh index of ROOT
    db=$1; shift
    rm -f "$X/fresh.db"*
    "$BIN/morgue-index" --quiet --db "$X/fresh.db" "$@" >/dev/null 2>&1
    [ "$(dump "$db")" = "$(dump "$X/fresh.db")" ]
}

# 1. The same id in two feeds or two files.
A="$X/one"; mkdir -p "$A/ap" "$A/reuters" "$A/dumps"
printf '{"id":"17","source":"AP","title":"Storm hits coast","body":"A storm hit the coast."}\n' >"$A/ap/feed.jsonl"
printf '{"id":"17","source":"Reuters","title":"Bank cuts rates","body":"The bank cut rates."}\n' >"$A/reuters/feed.jsonl"
printf '{"id":"story-17","title":"First dump","body":"From the first dump."}\n' >"$A/dumps/a.jsonl"
printf '{"id":"story-17","title":"Second dump","body":"From the second dump."}\n' >"$A/dumps/b.jsonl"
ix --db "$X/one.db" "$A"
[ "$(sqlite3 "$X/one.db" 'SELECT count(*) FROM articles')" -eq 4 ] &&
    sqlite3 "$X/one.db" "SELECT uid FROM articles" | grep -qx "AP:17" &&
    sqlite3 "$X/one.db" "SELECT uid FROM articles" | grep -qx "Reuters:17"
check "two feeds' id 17 and two dumps' story-17 are four articles" $? "$(keys "$X/one.db")"
# the same source and id in two files: the later path owns it, whatever
# order the files are read in, and the other gets it back when it goes
printf '{"id":"9","source":"AP","title":"Early","body":"Early version."}\n' >"$A/ap/z-late.jsonl"
ix --db "$X/one.db" "$A"; st=$?
[ "$(body_of "$X/one.db" AP:9)" = "Early version." ]
check "one source and id in a new file: stored" $? "$(cat "$TMP/err")"
printf '{"id":"9","source":"AP","title":"Other","body":"Other version."}\n' >"$A/ap/a-early.jsonl"
ix --db "$X/one.db" "$A"; st=$?
[ $st -eq 3 ] && [ "$(body_of "$X/one.db" AP:9)" = "Early version." ] && same_as_rebuild "$X/one.db" "$A"
check "a second file with the same key: the path that sorts last keeps it, as a rebuild does (exit 3)" $? "status $st: $(cat "$TMP/out" "$TMP/err")"
rm "$A/ap/z-late.jsonl"
ix --db "$X/one.db" --prune --prune-max 100 "$A"; st=$?
[ "$(body_of "$X/one.db" AP:9)" = "Other version." ] && same_as_rebuild "$X/one.db" "$A"
check "--prune of the owning file: the article still in another file stays, from it" $? "status $st: $(body_of "$X/one.db" AP:9) $(cat "$TMP/err")"
# moved to another folder: the same article, updated in place
mkdir -p "$A/moved"; mv "$A/ap/feed.jsonl" "$A/moved/feed.jsonl"
before=$(sqlite3 "$X/one.db" "SELECT id FROM articles WHERE uid = 'AP:17'")
ix --db "$X/one.db" --prune --prune-max 100 "$A"
after=$(sqlite3 "$X/one.db" "SELECT id FROM articles WHERE uid = 'AP:17'")
[ -n "$before" ] && [ "$before" = "$after" ] && same_as_rebuild "$X/one.db" "$A"
check "a feed moved to another folder keeps its articles (same key, same row)" $? "$before -> $after"

# 2. Standard input without ids: a second run adds, it does not overwrite.
S="$X/stdin.db"
printf 'Storm warning\n\nThe coast braces for a storm.\n' | "$BIN/morgue-index" --quiet --db "$S" - >/dev/null 2>&1
printf 'Budget passed\n\nThe council passed the budget.\n' | "$BIN/morgue-index" --quiet --db "$S" - >/dev/null 2>&1
[ "$(sqlite3 "$S" 'SELECT count(*) FROM articles')" -eq 2 ]
check "two runs of unnamed standard input keep both articles (keyed by content)" $? "$(keys "$S")"
printf 'Storm warning\n\nThe coast braces for a storm.\n' | "$BIN/morgue-index" --quiet --db "$S" - >/dev/null 2>&1
[ "$(sqlite3 "$S" 'SELECT count(*) FROM articles')" -eq 2 ]
check "the same text again is the same article" $? "$(keys "$S")"
printf '{"title":"One","body":"Feed item one."}\n{"title":"Two","body":"Feed item two."}\n' |
    "$BIN/morgue-index" --quiet --db "$S" --source Wire - >/dev/null 2>&1
printf '{"title":"One","body":"Feed item one, corrected."}\n' |
    "$BIN/morgue-index" --quiet --db "$S" --source Wire - >/dev/null 2>&1
[ "$(sqlite3 "$S" "SELECT count(*) FROM articles WHERE uid LIKE 'stdin:Wire#%'")" -eq 1 ] &&
    [ "$(body_of "$S" 'stdin:Wire#1')" = "Feed item one, corrected." ]
check "--source names a standard-input feed: the next run replaces it" $? "$(keys "$S")"

# 3. A symbolic link loop is walked once and said once.
L="$X/loop"; mkdir -p "$L/a/b"
echo "Loop story. A story in a looping tree." >"$L/a/b/s.txt"
ln -s ../.. "$L/a/b/up"; ln -s "$L/a" "$L/a/b/again"
timeout 60 "$BIN/morgue-index" --db "$X/loop.db" "$L" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && [ "$(wc -l <"$TMP/err")" -le 3 ] && grep -q "already walked" "$TMP/err" &&
    [ "$(sqlite3 "$X/loop.db" 'SELECT count(*) FROM articles')" -eq 1 ]
check "a link loop: walked once, reported once, exit 3" $? "status $st, $(wc -l <"$TMP/err") lines: $(head -5 "$TMP/err")"

# 4. --prune cannot wipe an archive by accident.
P="$X/prune"; mkdir -p "$P/arch"
for i in 1 2 3 4 5 6 7 8 9 10; do echo "Story $i. Body of story number $i." >"$P/arch/s$i.txt"; done
ix --db "$X/p.db" "$P/arch"
mv "$P/arch" "$P/arch.away"
ix --db "$X/p.db" --prune "$P/arch"; st=$?
[ $st -eq 7 ] && grep -q "refusing to prune .*missing" "$TMP/err" && [ "$(sqlite3 "$X/p.db" 'SELECT count(*) FROM articles')" -eq 10 ]
check "--prune of a missing root: refused, exit 7, nothing deleted" $? "status $st: $(cat "$TMP/err")"
mkdir "$P/arch"
ix --db "$X/p.db" --prune "$P/arch"; st=$?
[ $st -eq 7 ] && grep -q "refusing to prune .*no file" "$TMP/err" && [ "$(sqlite3 "$X/p.db" 'SELECT count(*) FROM articles')" -eq 10 ]
check "--prune of an empty root (an empty mount point): refused, exit 7" $? "status $st: $(cat "$TMP/err")"
rmdir "$P/arch"; mv "$P/arch.away" "$P/arch"; rm "$P/arch/s1.txt" "$P/arch/s2.txt" "$P/arch/s3.txt"
ix --db "$X/p.db" --prune "$P/arch"; st=$?
[ $st -eq 7 ] && grep -q "3 of its 10 articles (30%), more than --prune-max 20%" "$TMP/err" && [ "$(sqlite3 "$X/p.db" 'SELECT count(*) FROM articles')" -eq 10 ]
check "--prune of 30% of a root: refused by the default --prune-max 20" $? "status $st: $(cat "$TMP/err")"
"$BIN/morgue-index" --db "$X/p.db" --dry-run --prune --prune-max 30 "$P/arch" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(grep -c '^delete ' "$TMP/out")" -eq 3 ] && grep -q "dry run, nothing changed" "$TMP/err" &&
    [ "$(sqlite3 "$X/p.db" 'SELECT count(*) FROM articles')" -eq 10 ]
check "--dry-run lists the 3 deletions and deletes nothing" $? "status $st: $(cat "$TMP/out" "$TMP/err")"
ix --db "$X/p.db" --prune --prune-max 30 "$P/arch"; st=$?
[ $st -eq 0 ] && [ "$(sqlite3 "$X/p.db" 'SELECT count(*) FROM articles')" -eq 7 ]
check "--prune-max 30 lets the 30% go" $? "status $st: $(cat "$TMP/err")"

# 6. A file that becomes empty lets go of its articles.
E="$X/empty"; mkdir -p "$E"
echo "Council vote. The council voted on the plan." >"$E/a.txt"
printf '{"id":"1","title":"One","body":"First."}\n{"id":"2","title":"Two","body":"Second."}\n' >"$E/b.jsonl"
ix --db "$X/e.db" "$E"
: >"$E/a.txt"; : >"$E/b.jsonl"
ix --db "$X/e.db" "$E"; st=$?
[ "$(sqlite3 "$X/e.db" 'SELECT count(*) FROM articles')" -eq 0 ] && grep -q "empty" "$TMP/err"
check "emptied files: their articles go (and each is named)" $? "status $st: $(keys "$X/e.db") $(cat "$TMP/err")"

# 7. File names that are not UTF-8, and names with escape sequences.
N="$X/names"; mkdir -p "$N"
bad=$(printf 'caf\351.txt'); esc=$(printf 'x\033[31mred.txt')
echo "Cafe story. The cafe opened on the square." >"$N/$bad"
printf '\211PNG\r\n\032\n\0\0' >"$N/$esc"
ix --db "$X/n.db" "$N"; st=$?
id=$(sqlite3 "$X/n.db" "SELECT uid FROM articles")
"$BIN/morgue-query" --db "$X/n.db" --json cafe >"$TMP/q.json" 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["hits"][0]["id"] == sys.argv[2] else 1)' "$TMP/q.json" "$id" &&
    printf '%s' "$id" | grep -q 'caf%E9.txt$' &&
    { "$BIN/morgue-query" --db "$X/n.db" --similar "$id" >"$TMP/out" 2>&1; [ $? -le 1 ]; }
check "a file name that is not UTF-8: an escaped id that JSON carries and that opens again" $? "id $id: $(head -c 300 "$TMP/q.json")"
! grep -q "$(printf '\033')" "$TMP/err" && grep -q 'x\\x1b\[31mred.txt' "$TMP/err"
check "an escape sequence in a file name is printed escaped" $? "$(od -c "$TMP/err" | head -5)"

# 8. One writer, whatever path reaches the index.
if command -v flock >/dev/null 2>&1; then
    ln -s "$X/e.db" "$X/link.db"
    flock "$X/e.db" sleep 2 &
    sleep 0.3
    "$BIN/morgue-index" --db "$X/link.db" "$E" >"$TMP/out" 2>&1; st=$?
    wait
    [ $st -eq 4 ]
    check "a second writer through a symbolic link to the index exits 4" $? "status $st: $(cat "$TMP/out")"
fi

# Takedowns: deleted, kept out by later runs, listed, undone.
T="$X/take"; mkdir -p "$T"
printf '{"id":"1","source":"AP","title":"Libel","body":"A story that must go."}\n{"id":"2","source":"AP","title":"Fine","body":"A story that stays."}\n' >"$T/f.jsonl"
ix --db "$X/t.db" "$T"
"$BIN/morgue-index" --db "$X/t.db" --delete AP:1 >"$TMP/out" 2>&1; st=$?
[ $st -eq 0 ] && [ "$(keys "$X/t.db")" = "AP:2 " ]
check "--delete removes the article" $? "status $st: $(cat "$TMP/out")"
touch -d '2001-01-01' "$T/f.jsonl"
ix --db "$X/t.db" --verify "$T"
[ "$(keys "$X/t.db")" = "AP:2 " ] && same_as_rebuild "$X/t.db" "$T" || [ "$(keys "$X/t.db")" = "AP:2 " ]
check "the next run over its file does not bring it back" $? "$(keys "$X/t.db")"
"$BIN/morgue-index" --db "$X/t.db" --suppressed >"$TMP/out" 2>/dev/null
grep -q "^AP:1	20[0-9-]*T.*	.*f.jsonl$" "$TMP/out"
check "--suppressed lists the key, when, and its file" $? "$(cat "$TMP/out")"
"$BIN/morgue-index" --db "$X/t.db" --rebuild --quiet "$T" >/dev/null 2>&1
[ "$(keys "$X/t.db")" = "AP:2 " ]
check "--rebuild keeps the takedown list" $? "$(keys "$X/t.db")"
"$BIN/morgue-query" --db "$X/t.db" --json libel >"$TMP/out" 2>&1; st=$?
[ $st -eq 1 ]
check "a taken-down article is not found by a search" $? "status $st"
"$BIN/morgue-index" --db "$X/t.db" --unsuppress AP:1 >/dev/null 2>&1
ix --db "$X/t.db" "$T"
[ "$(keys "$X/t.db")" = "AP:1 AP:2 " ]
check "--unsuppress: the next run brings it back" $? "$(keys "$X/t.db")"
"$BIN/morgue-index" --db "$X/t.db" --delete AP:nosuch >"$TMP/out" 2>&1; st=$?
[ $st -eq 3 ] && grep -q "AP:nosuch: no such article" "$TMP/out"
check "--delete of an unknown key: said, kept on the list, exit 3" $? "status $st: $(cat "$TMP/out")"

# --source, --section, --section-from-folder, --include, --exclude.
F="$X/folders"; mkdir -p "$F/business" "$F/sport" "$F/drafts"
echo "Shares rise. Shares rose in early trade." >"$F/business/001.txt"
echo "Cup final. The cup final went to extra time." >"$F/sport/002.txt"
echo "Draft. Not for the index." >"$F/drafts/003.txt"
echo "Skip me. An excluded tmp file." >"$F/sport/x.tmp"
ix --db "$X/f.db" --source BBC --section-from-folder --exclude drafts --exclude '*.tmp' "$F"; st=$?
[ "$(sqlite3 "$X/f.db" "SELECT group_concat(source || '/' || section, ' ') FROM (SELECT * FROM articles ORDER BY section)")" = "BBC/business BBC/sport" ]
check "--source, --section-from-folder and --exclude" $? "status $st: $(sqlite3 "$X/f.db" 'SELECT uid, source, section FROM articles')"
ix --db "$X/f2.db" --section Archive --include 'business/*' "$F"
[ "$(sqlite3 "$X/f2.db" "SELECT group_concat(section) FROM articles")" = "Archive" ]
check "--section and --include" $? "$(sqlite3 "$X/f2.db" 'SELECT uid, section FROM articles')"
ix --db "$X/f.db" --prune --prune-max 100 --source BBC --section-from-folder --exclude drafts --exclude '*.tmp' --exclude sport "$F"
[ "$(sqlite3 "$X/f.db" "SELECT count(*) FROM articles")" -eq 1 ]
check "--prune removes the articles of files a new --exclude passes over" $? "$(keys "$X/f.db")"

# 9. --rebuild under a reading server leaves no big write-ahead log.
W9="$X/wal.db"
"$BIN/morgue-index" --quiet --db "$W9" corpus/ >/dev/null 2>&1
t_serve "$W9" --quiet
if [ -n "$PORT" ] && command -v curl >/dev/null 2>&1; then
    ( while :; do curl -s "http://127.0.0.1:$PORT/api/search?q=oil" >/dev/null; done ) &
    cpid=$!
    "$BIN/morgue-index" --quiet --db "$W9" --rebuild corpus/ >"$TMP/out" 2>&1; st=$?
    kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
    wal=$(stat -c %s "$W9-wal" 2>/dev/null || echo 0)
    [ $st -eq 0 ] && [ "$wal" -lt 1048576 ]
    check "--rebuild with the server reading: no stray write-ahead log ($wal bytes)" $? "status $st: $(cat "$TMP/out")"
fi
t_stop_server

# Exit statuses: one meaning each.
"$BIN/morgue-index" --db "$X/nodir/x.db" corpus/ >/dev/null 2>&1; st=$?
[ $st -eq 1 ]
check "an index that cannot be opened: exit 1 (not 2, the usage status)" $? "status $st"
"$BIN/morgue-index" --prune-max 101 corpus/ >/dev/null 2>&1; st=$?
[ $st -eq 2 ]
check "a bad option value: exit 2" $? "status $st"
"$BIN/morgue-index" --help | grep -q "7 --prune refused"
check "--help documents exit status 7" $?
"$BIN/morgue-index" --help >"$TMP/out" 2>&1
missing=
for o in --prune-max --dry-run --delete --unsuppress --suppressed --source --section --section-from-folder --include --exclude; do
    grep -q -- "$o" "$TMP/out" || missing="$missing $o"
    grep -q -- "\`$o" docs/cli.md || missing="$missing $o(cli.md)"
done
[ -z "$missing" ]
check "--help and docs/cli.md document every new option" $? "missing:$missing"
