# A gzip file whose end is missing or damaged (an interrupted copy that
# lost the 8-byte trailer, a wrong CRC-32) fails, named, exit 3, before
# any of its articles is read: the index keeps the file's articles as
# they were.  Several gzip members one after the other are one file.
# Sourced by tests/e2e.sh (BIN, TMP, check).

Z="$TMP/gzip"; mkdir -p "$Z/c"
GDB="$Z/g.db"
gz_count() { "$BIN/morgue-query" --db "$GDB" --count "$@" 2>&1; }
# cut_tail FILE N: drops the last N bytes of FILE
cut_tail() {
    n=$(wc -c <"$1")
    head -c $((n - $2)) "$1" >"$1.cut" && mv "$1.cut" "$1"
}

printf '%s\n' '{"id":"gz-a","title":"Alpha","body":"Alpha story body."}' \
    '{"id":"gz-b","title":"Beta","body":"Beta story body."}' | gzip -c >"$Z/c/w.jsonl.gz"
"$BIN/morgue-index" --db "$GDB" "$Z/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(gz_count story)" = 2 ]
check "gzip: a sound .jsonl.gz gives its 2 articles" $? "status $st: $(cat "$TMP/out" "$TMP/err")"

# The next copy corrects Alpha and adds Gamma, but stops before the trailer.
printf '%s\n' '{"id":"gz-a","title":"Alpha","body":"Alpha story body, corrected."}' \
    '{"id":"gz-b","title":"Beta","body":"Beta story body."}' \
    '{"id":"gz-c","title":"Gamma","body":"Gamma story body."}' | gzip -c >"$Z/whole.gz"
cp "$Z/whole.gz" "$Z/c/w.jsonl.gz"
cut_tail "$Z/c/w.jsonl.gz" 8
"$BIN/morgue-index" --db "$GDB" "$Z/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && grep -q "w.jsonl.gz: gzip data cut short (no trailer): interrupted copy? (failed)" "$TMP/err"
check "gzip: a file cut before its trailer fails, named, exit 3" $? "status $st: $(cat "$TMP/err")"
[ "$(gz_count story)" = 2 ] && [ "$(gz_count gamma)" = 0 ] && [ "$(gz_count corrected)" = 0 ]
check "gzip: the cut file changes nothing: still its 2 earlier articles, as they were" $? \
    "story $(gz_count story), gamma $(gz_count gamma), corrected $(gz_count corrected)"

# A wrong CRC-32: the same.
cp "$Z/whole.gz" "$Z/c/w.jsonl.gz"
n=$(wc -c <"$Z/c/w.jsonl.gz")
printf 'XXXX' | dd of="$Z/c/w.jsonl.gz" bs=1 seek=$((n - 8)) conv=notrunc 2>/dev/null
"$BIN/morgue-index" --db "$GDB" "$Z/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 3 ] && grep -q "w.jsonl.gz: gzip checksum mismatch" "$TMP/err" &&
    [ "$(gz_count story)" = 2 ] && [ "$(gz_count gamma)" = 0 ]
check "gzip: a wrong CRC-32 fails the file, named, exit 3, the index unchanged" $? "status $st: $(cat "$TMP/err")"

# The whole copy arrives: read again, as it was never recorded as read.
cp "$Z/whole.gz" "$Z/c/w.jsonl.gz"
"$BIN/morgue-index" --db "$GDB" "$Z/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(gz_count story)" = 3 ] && [ "$(gz_count corrected)" = 1 ]
check "gzip: the whole copy is read on the next run" $? "status $st: $(cat "$TMP/out" "$TMP/err")"

# Two members one after the other (cat a.gz b.gz), as gzip -d reads them.
{ printf '%s\n' '{"id":"gz-m1","title":"One","body":"Member story one."}' | gzip -c
  printf '%s\n' '{"id":"gz-m2","title":"Two","body":"Member story two."}' | gzip -c; } >"$Z/c/m.jsonl.gz"
"$BIN/morgue-index" --db "$GDB" "$Z/c" >"$TMP/out" 2>"$TMP/err"; st=$?
[ $st -eq 0 ] && [ "$(gz_count member)" = 2 ]
check "gzip: a file of two gzip members gives the articles of both" $? "status $st: $(cat "$TMP/out" "$TMP/err")"
