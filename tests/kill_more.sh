#!/bin/sh
# kill_more.sh - crash safety of morgue-index --delete and --rebuild
# (make test-crash runs it after kill_test.sh).
#
# usage: tests/kill_more.sh BINDIR [KILLS] [CORPUS] [MODES]
#
# Two modes, KILLS kills each, SIGKILL at a random moment of a clean
# run's duration; MODES is "delete rebuild" (the default) or either one.
#
# delete: 3000 article keys of an index of CORPUS (Reuters-21578:
#   reuters-NEWID) taken down in one `morgue-index --delete` call, on a
#   fresh copy of the index each time.  After the kill, SQLite's
#   `PRAGMA integrity_check` and `morgue-index --check` must pass; then
#   the same --delete again and an incremental run over CORPUS, after
#   which the index must equal a `--rebuild` of a copy of it
#   (tests/index_diff.py: keys, stored text and metadata, entities),
#   hold none of the 3000 and have all 3000 on its takedown list.  It
#   must also equal the control, the same --delete and run without a
#   kill, and the control is checked against a --rebuild once, so that
#   a difference a kill made is told from one that any incremental
#   history makes.
#
# rebuild: an index of part of a copy of CORPUS (the old index); the
#   rest of the files are added to the copy and `morgue-index --rebuild`
#   is killed.  The live index must pass both integrity checks and equal
#   the old index or the new one (a clean --rebuild's), never a mix; the
#   next plain incremental run must make it equal a fresh index of the
#   tree (and, when the kill left the old index, the old index brought up
#   to date by the same run without a kill).  Every third kill comes up
#   to 0.1 s after the copy of the new index into the live one began.
#
# SEED picks the keys and the moments (printed on each kill's line, to
# replay a failure); NDEL the number of keys; LINKS=no leaves the entity
# links out of the comparisons.  Skips, saying so, when CORPUS is absent.
BIN=${1:?usage: kill_more.sh BINDIR [KILLS] [CORPUS] [MODES]}
KILLS=${2:-20}
CORPUS=${3:-../shared/corpus/reuters21578}
MODES=${4:-delete rebuild}
SEED=${SEED:-$$}
NDEL=${NDEL:-3000}
# LINKS=no: compare without the entity links (index_diff.py --no-links)
DIFFOPT=
[ "${LINKS:-yes}" = no ] && DIFFOPT=--no-links
HERE=$(cd "$(dirname "$0")" && pwd)
T_DETAIL_LINES=1000000 # every line of a failure's detail
. "$HERE/lib.sh"
t_need "$CORPUS" "crash test (--delete, --rebuild)" -d
CORPUS=$(cd "$CORPUS" && pwd) # one spelling of the paths for every run
t_tmpdir kill-more
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }

# copy of an index that no process has open: the WAL folded in first
copy_db() { # from to
    rm -f "$2" "$2-wal" "$2-shm" "$2.lock" "$2.rebuild" "$2.rebuild-wal" "$2.rebuild-shm"
    sqlite3 "$1" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && cp "$1" "$2"
}

# both integrity checks; their words in $TMP/integrity
integrity() { # db
    ic=$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)
    "$BIN/morgue-index" --db "$1" --check >"$TMP/check" 2>&1
    cst=$?
    { echo "integrity_check: $ic"; echo "--check status $cst: $(cat "$TMP/check")"; } >"$TMP/integrity"
    [ "$ic" = ok ] && [ $cst -eq 0 ]
}

# runs a command in the background and SIGKILLs it after $1 seconds;
# $killed is "killed" or "finished first (status N)"
kill_at() { # seconds command...
    at=$1
    shift
    "$@" >/dev/null 2>&1 &
    pid=$!
    sleep "$at"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    st=$?
    if [ $st -eq 137 ]; then killed=killed; else killed="finished first (status $st)"; fi
}

# the same, but $1 seconds after FILE-wal has grown: the moment --rebuild
# starts to copy the new index into the live one (a window of about
# 0.1 s of a run of seconds, which moments at random would hardly hit)
kill_in_copy() { # seconds db command...
    killed=$(python3 -c '
import os, signal, subprocess, sys, time
delay, wal, cmd = float(sys.argv[1]), sys.argv[2] + "-wal", sys.argv[3:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t0 = time.time()
def size(f):
    try:
        return os.path.getsize(f)
    except OSError:
        return 0
while p.poll() is None and not size(wal):
    time.sleep(0.0005)
began = time.time() - t0
if p.poll() is None:
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
st = p.wait()
print("%s, the copy began at %.3f s" % ("killed" if st == -signal.SIGKILL
      else "finished first (status %d)" % st, began))' "$@")
}

# KILLS moments over a run of $2 s; with $3 = copy, every third one a
# delay of up to 0.1 s after the copy began ("copy+0.071")
moments() { # salt duration [copy]
    awk -v n="$KILLS" -v t="$2" -v seed="$SEED" -v salt="$1" -v copy="${3:-}" \
        'BEGIN { srand(seed + salt)
                 for (i = 1; i <= n; i++)
                     if (copy != "" && i % 3 == 0) printf "copy+%.3f\n", 0.1 * rand()
                     else printf "%.3f\n", 0.02 + rand() * t }'
}

count() { sqlite3 "$1" "SELECT count(*) FROM $2"; }

echo "# kill_more: $KILLS kills per mode ($MODES), SEED=$SEED"

# ---- delete --------------------------------------------------------
if echo "$MODES" | grep -qw delete; then
    "$BIN/morgue-index" --quiet --db "$TMP/base.db" "$CORPUS" 2>"$TMP/err"
    check "delete: index of $CORPUS built" $? "$(head -3 "$TMP/err")"
    total=$(count "$TMP/base.db" articles)
    # NDEL distinct keys of the index, shuffled by SEED
    sqlite3 "$TMP/base.db" 'SELECT uid FROM articles ORDER BY uid' |
        awk -v seed="$SEED" -v n="$NDEL" \
            '{ k[NR] = $0 }
             END { srand(seed); for (i = NR; i > 1; i--) { j = 1 + int(rand() * i); t = k[i]; k[i] = k[j]; k[j] = t }
                   for (i = 1; i <= n && i <= NR; i++) print k[i] }' >"$TMP/ids"
    ndel=$(wc -l <"$TMP/ids")
    sort "$TMP/ids" >"$TMP/ids.sorted"
    copy_db "$TMP/base.db" "$TMP/clean.db"
    start=$(now)
    "$BIN/morgue-index" --quiet --db "$TMP/clean.db" --delete $(cat "$TMP/ids") 2>"$TMP/err"
    st=$?
    took=$(since "$start")
    [ $st -eq 0 ] && [ "$(count "$TMP/clean.db" articles)" -eq $((total - ndel)) ]
    check "delete: a clean --delete of $ndel keys takes $took s and leaves $((total - ndel)) of $total articles" $? \
        "status $st, $(count "$TMP/clean.db" articles) articles; $(head -3 "$TMP/err")"
    # the control: the same without a kill (the --delete, an incremental
    # run), and whether that equals a --rebuild of a copy of it
    "$BIN/morgue-index" --quiet --db "$TMP/clean.db" "$CORPUS" 2>"$TMP/err"
    check "delete: an incremental run after it" $? "$(head -3 "$TMP/err")"
    copy_db "$TMP/clean.db" "$TMP/rebuilt.db"
    "$BIN/morgue-index" --quiet --db "$TMP/rebuilt.db" --rebuild "$CORPUS" 2>"$TMP/err"
    check "delete: a --rebuild of a copy of it" $? "$(head -3 "$TMP/err")"
    python3 "$HERE/index_diff.py" $DIFFOPT "$TMP/clean.db" "$TMP/rebuilt.db" >"$TMP/diff" 2>&1
    check "delete: without a kill, the index after --delete and an incremental run equals a --rebuild of a copy of it" $? \
        "$(cat "$TMP/diff")"
    k=0
    for at in $(moments 1 "$took"); do
        k=$((k + 1))
        db=$TMP/del.db
        copy_db "$TMP/base.db" "$db"
        kill_at "$at" "$BIN/morgue-index" --quiet --db "$db" --delete $(cat "$TMP/ids")
        integrity "$db"
        check "delete kill $k at $at s (SEED=$SEED), $killed: $(count "$db" articles) articles, integrity_check and --check pass" $? \
            "$(cat "$TMP/integrity")"
        "$BIN/morgue-index" --quiet --db "$db" --delete $(cat "$TMP/ids") >/dev/null 2>"$TMP/err"
        st1=$?
        "$BIN/morgue-index" --quiet --db "$db" "$CORPUS" 2>>"$TMP/err"
        st2=$?
        copy_db "$db" "$TMP/rebuilt.db"
        "$BIN/morgue-index" --quiet --db "$TMP/rebuilt.db" --rebuild "$CORPUS" 2>>"$TMP/err"
        st3=$?
        { [ $st1 -eq 0 ] || [ $st1 -eq 3 ]; } && [ $st2 -eq 0 ] && [ $st3 -eq 0 ]
        check "delete kill $k: the --delete again (status $st1), an incremental run ($st2), a --rebuild of a copy ($st3)" $? \
            "$(head -5 "$TMP/err")"
        python3 "$HERE/index_diff.py" $DIFFOPT "$db" "$TMP/clean.db" >"$TMP/diff" 2>&1
        check "delete kill $k: the index equals the one made without a kill" $? "$(cat "$TMP/diff")"
        python3 "$HERE/index_diff.py" $DIFFOPT "$db" "$TMP/rebuilt.db" >"$TMP/diff" 2>&1
        check "delete kill $k: the index equals a --rebuild of a copy of it" $? "$(cat "$TMP/diff")"
        n=$(count "$db" articles)
        down=$(sqlite3 "$db" 'SELECT uid FROM suppressed' | sort | comm -3 - "$TMP/ids.sorted" | head -3)
        [ "$n" -eq $((total - ndel)) ] && [ -z "$down" ]
        check "delete kill $k: $n articles ($((total - ndel)) expected), the takedown list holds exactly the $ndel keys" $? \
            "keys on one side only: $down"
    done
fi

# ---- rebuild -------------------------------------------------------
if echo "$MODES" | grep -qw rebuild; then
    tree=$TMP/tree
    mkdir -p "$tree"
    ls "$CORPUS" | sort >"$TMP/files"
    nf=$(wc -l <"$TMP/files")
    first=$(( (nf * 2 + 2) / 3 ))
    head -n "$first" "$TMP/files" | while read -r f; do cp -p "$CORPUS/$f" "$tree/"; done
    "$BIN/morgue-index" --quiet --db "$TMP/old.db" "$tree" 2>"$TMP/err"
    check "rebuild: the old index, of $first of the $nf files" $? "$(head -3 "$TMP/err")"
    tail -n +"$((first + 1))" "$TMP/files" | while read -r f; do cp -p "$CORPUS/$f" "$tree/"; done
    copy_db "$TMP/old.db" "$TMP/new.db"
    start=$(now)
    "$BIN/morgue-index" --quiet --db "$TMP/new.db" --rebuild "$tree" 2>"$TMP/err"
    st=$?
    took=$(since "$start")
    check "rebuild: a clean --rebuild of all $nf files takes $took s" $st "$(head -3 "$TMP/err")"
    "$BIN/morgue-index" --quiet --db "$TMP/fresh.db" "$tree" 2>"$TMP/err"
    check "rebuild: a fresh index of the tree" $? "$(head -3 "$TMP/err")"
    python3 "$HERE/index_diff.py" $DIFFOPT "$TMP/new.db" "$TMP/fresh.db" >"$TMP/diff" 2>&1
    check "rebuild: the clean --rebuild equals the fresh index" $? "$(cat "$TMP/diff")"
    # the control: the old index brought up to date by an incremental run
    copy_db "$TMP/old.db" "$TMP/control.db"
    "$BIN/morgue-index" --quiet --db "$TMP/control.db" "$tree" 2>"$TMP/err"
    check "rebuild: an incremental run over the old index" $? "$(head -3 "$TMP/err")"
    python3 "$HERE/index_diff.py" $DIFFOPT "$TMP/control.db" "$TMP/fresh.db" >"$TMP/diff" 2>&1
    check "rebuild: without a kill, the old index after an incremental run equals a fresh index" $? \
        "$(cat "$TMP/diff")"
    echo "# old: $(count "$TMP/old.db" articles) articles, new: $(count "$TMP/new.db" articles)"
    k=0
    for at in $(moments 2 "$took" copy); do
        k=$((k + 1))
        db=$TMP/live.db
        copy_db "$TMP/old.db" "$db"
        case $at in
        copy+*) kill_in_copy "${at#copy+}" "$db" "$BIN/morgue-index" --quiet --db "$db" --rebuild "$tree" ;;
        *) kill_at "$at" "$BIN/morgue-index" --quiet --db "$db" --rebuild "$tree" ;;
        esac
        integrity "$db"
        ist=$?
        python3 "$HERE/index_diff.py" $DIFFOPT "$db" "$TMP/old.db" "$TMP/new.db" >"$TMP/diff" 2>&1
        dst=$?
        which=$(sed -n 's/.* = .*\/\([a-z]*\)\.db$/\1/p' "$TMP/diff")
        [ $ist -eq 0 ] && [ $dst -eq 0 ]
        check "rebuild kill $k at $at s (SEED=$SEED), $killed: integrity_check and --check pass, the live index is the ${which:-?} one" $? \
            "$(cat "$TMP/integrity"; cat "$TMP/diff")"
        "$BIN/morgue-index" --quiet --db "$db" "$tree" 2>"$TMP/err"
        check "rebuild kill $k: the next incremental run" $? "$(head -3 "$TMP/err")"
        if [ "$which" = old ]; then
            python3 "$HERE/index_diff.py" $DIFFOPT "$db" "$TMP/control.db" >"$TMP/diff" 2>&1
            check "rebuild kill $k: it equals the old index after the same run without a kill" $? \
                "$(cat "$TMP/diff")"
        fi
        python3 "$HERE/index_diff.py" $DIFFOPT "$db" "$TMP/fresh.db" >"$TMP/diff" 2>&1
        check "rebuild kill $k: it equals a fresh index of the tree" $? "$(cat "$TMP/diff")"
    done
fi

t_summary
