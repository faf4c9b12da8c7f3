#!/bin/sh
# replication.sh - a shard master copied to a read replica with Xapian's
# replication (xapian-replicate-server, xapian-replicate), the replica
# served by its own xapian-tcpsrv: the path of docs/scale-out.md.
#
# usage: tests/replication.sh
#
# On 127.0.0.1, with ports of its own and every server started by setsid
# and stopped by its process id, it builds a master (changesets on),
# copies it to a replica (the first copy is a full copy), changes the
# master (add, edit, delete, a takedown: one commit each), replicates the
# changesets (a connection held across them keeps its revision until it
# reopens), forces a full copy, falls more revisions behind than the
# master keeps changesets for (a full copy again), loses its replication
# server for a pass (the replica keeps answering, then catches up),
# compacts the master (a new database: a full copy, then changesets
# again), and after each step checks that the replica, through
# xapian-tcpsrv, answers like the master (document count, the shard's
# metadata, the top 10 of three queries with their weights, every
# article's key and text).  Two readers hold the replica open the whole
# time, one through xapian-tcpsrv and one on the replica's folder, reading
# in a loop as morgue-serve will: every read must be a state the master
# had after one of its commits (never an error, never a mix), and both
# must see more than one state.  Last, a first copy that fails leaves an
# empty database behind the stub (what morgue's client must detect: the
# shard's metadata "morgue:shard" is missing).
#
# The master is built by tests/replication_db.py (python3-xapian); the next
# session builds it with morgue-index --engine xapian.  Skips, saying so,
# when the Xapian tools or python3-xapian are absent.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
t_need_tool replication xapian-tcpsrv
t_need_tool replication xapian-replicate
t_need_tool replication xapian-replicate-server
# python3-xapian is Debian's: the python3 on PATH may be another one
PY=
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import xapian' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "replication: skipped: python3-xapian not installed"
    exit 0
fi
t_tmpdir repl
db() { "$PY" "$HERE/replication_db.py" "$@"; }

PIDS=
# start NAME COMMAND...: starts COMMAND in a session of its own (a SIGTERM
# to it reaches nothing else), its output in $TMP/NAME.log.
start() {
    t_name=$1
    shift
    setsid "$@" >"$TMP/$t_name.log" 2>&1 &
    PIDS="$PIDS $!"
}
# t_stop: SIGTERM to each server and reader started here, by process id.
t_stop() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    PIDS=
}
# free_ports N: N ports of loopback free now.
free_ports() {
    "$PY" -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
# wait_port PORT: until something listens on PORT (at most 5 s).
wait_port() {
    "$PY" -c '
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1"
}
# commit COMMAND ARG...: a change to the master (replication_db.py's
# build, edit or delete), its state after the commit added to the states
# a reader may see.
commit() {
    t_cmd=$1
    shift
    XAPIAN_MAX_CHANGESETS=$CHANGESETS db "$t_cmd" "$TMP/masters/s0" "$@" &&
        db state "$TMP/masters/s0" >>"$TMP/states"
}
# replicate [OPTION...]: one pass of xapian-replicate into the replica,
# its summary line in $TMP/rep.out.
replicate() {
    xapian-replicate -h 127.0.0.1 -p "$RPORT" -m s0 -o -v -r 0 -t 5 "$@" \
        "$TMP/replica" >"$TMP/rep.out" 2>&1
    t_st=$?
    echo "# xapian-replicate $*: $(summary)"
    return $t_st
}
# same WHAT: the replica through xapian-tcpsrv answers like the master.
same() {
    m=$(db digest "$TMP/masters/s0" 2>&1)
    r=$(db digest "tcp:127.0.0.1:$SPORT" 2>&1)
    [ "$m" = "$r" ]
    check "$1" $? "master:  $m
replica: $r"
}
# summary: xapian-replicate's "Update complete: ..." line.
summary() { sed -n 's/^Update complete: //p' "$TMP/rep.out"; }
live() { sed -n 's/^auto //p' "$TMP/replica/XAPIANDB"; }

# shellcheck disable=SC2046 # two words wanted
set -- $(free_ports 2)
RPORT=$1 SPORT=$2
CHANGESETS=10
mkdir "$TMP/masters"
: >"$TMP/states"

commit build 1 1500
check "master built with changesets on" $? "$(cat "$TMP/states")"
commit build 1501 100
test -f "$TMP/masters/s0/changes1"
check "a commit writes a changeset (XAPIAN_MAX_CHANGESETS=$CHANGESETS)" $? \
    "$(ls "$TMP/masters/s0")"

start rserver xapian-replicate-server -I 127.0.0.1 -p "$RPORT" "$TMP/masters"
RSERVER=$!
wait_port "$RPORT"
check "xapian-replicate-server listens on $RPORT" $? "$(cat "$TMP/rserver.log")"

# 1. the first copy is a full copy, behind a stub file
replicate
check "first replication" $? "$(cat "$TMP/rep.out")"
case $(summary) in
1\ copies,\ 0\ changesets*) ok "the first replication is a full copy" ;;
*) bad "the first replication is a full copy" "$(cat "$TMP/rep.out")" ;;
esac
first=$(live)
test -d "$TMP/replica/$first"
check "the replica's stub names its live copy ($first)" $? "$(ls -R "$TMP/replica")"

start tcpsrv xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$SPORT" "$TMP/replica"
wait_port "$SPORT"
check "xapian-tcpsrv serves the replica on $SPORT" $? "$(cat "$TMP/tcpsrv.log")"
same "the replica answers like the master"

# readers held open from here to the end
start reader-tcp "$PY" "$HERE/replication_db.py" reader "tcp:127.0.0.1:$SPORT" "$TMP/read-tcp" "$TMP/stop"
READERS=$!
start reader-dir "$PY" "$HERE/replication_db.py" reader "$TMP/replica" "$TMP/read-dir" "$TMP/stop"
READERS="$READERS $!"
sleep 0.3

# 2. add, edit, delete, takedown: four commits, four changesets
commit build 1601 400 &&
    commit edit 1 50 &&
    commit delete 60 61 62 63 64 65 66 67 68 69 &&
    commit delete 777
check "the master changed (4 commits)" $? "$(tail -n 2 "$TMP/states")"
replicate
check "replication of the changes" $? "$(cat "$TMP/rep.out")"
case $(summary) in
0\ copies,\ 4\ changesets*) ok "the changes arrive as 4 changesets" ;;
*) bad "the changes arrive as 4 changesets" "$(cat "$TMP/rep.out")" ;;
esac
same "after the changesets the replica answers like the master"

# 2b. a connection to xapian-tcpsrv held across a replication stays on its
# revision until it reopens, then sees the new one
commit build 2501 50
db pinned "tcp:127.0.0.1:$SPORT" xapian-replicate -h 127.0.0.1 -p "$RPORT" \
    -m s0 -o -q -r 0 "$TMP/replica" >"$TMP/pinned" 2>&1
m=$(tail -n 1 "$TMP/states")
{ read -r s1 && read -r s2 && read -r s3; } <"$TMP/pinned"
test "$s1" = "$s2" && test "$s3" = "$m" && test "$s1" != "$m"
check "a held connection keeps its revision across a changeset, reopen() moves it to the new" $? \
    "$(cat "$TMP/pinned")
master: $m"
test "$(live)" = "$first"
check "changesets are applied in place (same live copy)" $? "$(live)"
sleep 0.2

# 3. a forced full copy goes live by the stub
commit build 2001 100
replicate -f
case $(summary) in
1\ copies*) ok "-f forces a full copy" ;;
*) bad "-f forces a full copy" "$(cat "$TMP/rep.out")" ;;
esac
second=$(live)
test "$second" != "$first" && test ! -d "$TMP/replica/$first"
check "a full copy goes live in the other folder ($first -> $second), the old removed" $? \
    "$(ls -R "$TMP/replica")"
same "after a full copy the replica answers like the master"
sleep 0.2

# 4. more revisions behind than the master keeps changesets for
CHANGESETS=2
for k in 1 2 3 4; do commit build $((2100 + k * 10)) 10 || break; done
replicate
case $(summary) in
1\ copies*) ok "a replica 4 revisions behind a master keeping 2 changesets gets a full copy" ;;
*) bad "a replica 4 revisions behind a master keeping 2 changesets gets a full copy" \
    "$(cat "$TMP/rep.out")" ;;
esac
same "after catching up the replica answers like the master"
sleep 0.3

# 4b. the replication server down (the indexing host away): a pass fails,
# the replica keeps answering with its last revision; back, it catches up
before=$(db digest "tcp:127.0.0.1:$SPORT" 2>&1)
kill -TERM "$RSERVER" && wait "$RSERVER" 2>/dev/null
PIDS=$(echo " $PIDS " | sed "s/ $RSERVER / /")
commit build 2201 20
replicate
st=$?
after=$(db digest "tcp:127.0.0.1:$SPORT" 2>&1)
test $st -ne 0 && test "$after" = "$before"
check "replication server down: the pass exits $st, the replica answers as before" $? \
    "$(cat "$TMP/rep.out")
before: $before
after:  $after"
start rserver2 xapian-replicate-server -I 127.0.0.1 -p "$RPORT" "$TMP/masters"
RSERVER=$!
wait_port "$RPORT"
replicate
case $(summary) in
0\ copies,\ 1\ changesets*) ok "the server back: the replica catches up by a changeset" ;;
*) bad "the server back: the replica catches up by a changeset" "$(cat "$TMP/rep.out")" ;;
esac
same "after catching up again the replica answers like the master"
sleep 0.2

# 5. a compacted master is a new database (a new UUID): a full copy; the
# next commit (by another process, as morgue-index's nightly run) writes a
# changeset again
CHANGESETS=10
xapian-compact "$TMP/masters/s0" "$TMP/masters/s0.c" >/dev/null &&
    rm -rf "$TMP/masters/s0" && mv "$TMP/masters/s0.c" "$TMP/masters/s0"
check "xapian-compact the master" $?
replicate
case $(summary) in
1\ copies*) ok "after compaction a full copy" ;;
*) bad "after compaction a full copy" "$(cat "$TMP/rep.out")" ;;
esac
commit build 3001 10 && replicate
case $(summary) in
0\ copies,\ 1\ changesets*) ok "the next commit: a changeset" ;;
*) bad "the next commit: a changeset" "$(cat "$TMP/rep.out")" ;;
esac
same "after compaction the replica answers like the master"
sleep 0.2

# the readers: only states of the master, more than one, no error
: >"$TMP/stop"
for p in $READERS; do wait "$p"; done
final=$(tail -n 1 "$TMP/states")
for r in tcp dir; do
    log=$TMP/read-$r
    n=$(grep -c '^ok ' "$log")
    errors=$(grep -v '^ok \|^retry ' "$log" | head -n 3)
    test -z "$errors" && test "$n" -gt 0
    check "reader ($r) held open: $n reads, no error" $? "$errors"
    unknown=$(sed -n 's/^ok //p' "$log" | sort -u | grep -vxFf "$TMP/states" | head -n 2)
    test -z "$unknown"
    check "reader ($r) saw only states the master had" $? "$unknown"
    seen=$(sed -n 's/^ok //p' "$log" | sort -u | wc -l)
    test "$seen" -ge 3 && grep -qxF "ok $final" "$log"
    check "reader ($r) saw $seen states, the last the master's last" $? \
        "$(tail -n 2 "$log")"
    # shellcheck disable=SC2046 # the counts on one line
    echo "# reader ($r): $n reads, $seen states, handled:" \
        $(sed -n 's/^retry //p' "$log" | sort | uniq -c)
done

# 6. a first copy that fails (no such master) leaves an empty database
# behind the stub: a server started on it would answer, with nothing
xapian-replicate -h 127.0.0.1 -p "$RPORT" -m nosuch -o -q "$TMP/empty" \
    >"$TMP/rep.out" 2>&1
st=$?
s=$(db state "$TMP/empty" 2>&1)
test $st -ne 0 && case $s in docs=0\ *shard=-*) true ;; *) false ;; esac
check "a failed first copy exits $st and leaves an empty database (no morgue:shard)" $? \
    "$(cat "$TMP/rep.out")
$s"

t_summary
