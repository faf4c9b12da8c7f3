# lib_tcpsrv.sh - for the bash tests that serve Xapian shards over
# 127.0.0.1 (tests/cluster.sh, tests/xapian_cluster.sh), sourced after
# lib.sh: free ports, waiting for a port, and xapian-tcpsrv started in a
# session of its own.  The caller sets GROUPS_STARTED="" and kills each
# group in it on exit (its t_stop).

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on PORT (5 s at most).
wait_port() {
    python3 - "$1" <<'EOF'
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit(1)
EOF
}

# start_srv VAR PORT DIR [OPTION...]: xapian-tcpsrv in a session of its own
# (so it and the children that serve each connection are one process
# group), its output in $TMP/tcpsrv.log; sets VAR to its pid, the group's
# id, and adds it to GROUPS_STARTED.  A server that does not listen within
# 5 s ends the test.
start_srv() {
    local var=$1 port=$2 dir=$3
    shift 3
    setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" "$@" "$dir" \
        >>"$TMP/tcpsrv.log" 2>&1 &
    local pid=$!
    disown "$pid"
    GROUPS_STARTED="$GROUPS_STARTED $pid"
    printf -v "$var" %s "$pid"
    wait_port "$port" || { bad "xapian-tcpsrv on port $port did not start" "$(tail -5 "$TMP/tcpsrv.log")"; t_summary; exit 1; }
}
