# Text files that are lists, not articles (the URLs a corpus came from, a
# stop-word list, a News.txt of file names, ids, a table of numbers) are
# skipped, each named with its reason, exit 3; short real articles (a
# brief, a headline and one sentence, a poem) are indexed.
# Sourced by tests/e2e.sh (BIN, TMP, check).

L="$TMP/lists"; mkdir -p "$L/c"
printf '%s\n' "http://web.archive.org/web/2007/http://www.cnn.com/2007/US/07/13/a/index.html" \
    "http://web.archive.org/web/2015/http://www.cnn.com/2015/04/01/europe/b/" \
    "https://www.bbc.co.uk/news/world-asia-43210" >"$L/c/urls.txt"
printf 'a\n\nabout\n\nabove\n\nafter\n\nagain\n\nagainst\nall\nam\nan\nand\n' >"$L/c/stop.txt"
printf '%s\n' politifact_real_1.json politifact_real_2.json politifact_fake_1.json \
    images/2018/summit.jpg >"$L/c/News.txt"
printf '%s\n' BuzzFeed_Real_1 BuzzFeed_Real_2 BuzzFeed_Fake_1 >"$L/c/ids.txt"
printf '1 184 2\n1 29 2\n1 31 2\n2 12 3\n' >"$L/c/qrels"
printf 'Storm closes schools\n\nHeavy snow closed 40 schools across the county on Monday.\n' >"$L/c/brief.txt"
printf 'Heavy rain flooded the old town on Sunday, and the river is still rising.\n' >"$L/c/para.txt"
printf 'Fog\n\nThe fog comes\non little cat feet.\n\nIt sits looking\nover harbor\nand city\non silent haunches\nand then moves on.\n' >"$L/c/poem.txt"

"$BIN/morgue-index" --db "$L/l.db" "$L/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ]; check "lists: skipped files exit 3" $? "status $st: $(cat "$TMP/out" "$TMP/err")"
for want in "urls.txt: not an article: a list of URLs (skipped)" \
            "stop.txt: not an article: a word list (skipped)" \
            "News.txt: not an article: a list of file names (skipped)" \
            "ids.txt: not an article: a list of ids (skipped)" \
            "qrels: not an article: a table of numbers (skipped)"; do
    grep -qF "$want" "$TMP/err"; check "lists: $want" $? "$(cat "$TMP/err")"
done
grep -q "files: 3 indexed, 0 unchanged, 5 skipped, 0 failed" "$TMP/out"
check "lists: the summary counts 3 articles' files indexed, 5 skipped" $? "$(cat "$TMP/out")"
n=$("$BIN/morgue-query" --db "$L/l.db" --count 'storm OR rain OR fog' 2>&1)
m=$("$BIN/morgue-query" --db "$L/l.db" --count 'cnn OR about OR politifact OR buzzfeed OR 184' 2>&1)
[ "$n" = 3 ] && [ "$m" = 0 ]
check "lists: the brief, the paragraph and the poem are indexed, no list" $? "articles $n, from lists $m"

# an article's file that becomes a list lets go of its article
ls "$L"/c/*.txt >/dev/null 2>&1 && brief=$(grep -l -i storm "$L"/c/*.txt | head -1)
if [ -n "$brief" ]; then
    printf 'http://example.com/a\nhttp://example.com/b\nhttp://example.com/c\nhttp://example.com/d\n' >"$brief"
    "$BIN/morgue-index" --db "$L/l.db" "$L/c" >"$TMP/out" 2>"$TMP/err"
    n=$("$BIN/morgue-query" --db "$L/l.db" --count 'storm' 2>&1)
    [ "$n" = 0 ] && grep -q "a list of URLs (skipped)" "$TMP/err"
    check "lists: an article's file that becomes a list of URLs: its article goes" $? "storm: $n; $(cat "$TMP/err")"
fi
