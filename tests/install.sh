#!/usr/bin/env bash
# make install and make uninstall into a staging folder, as a Debian
# package build does (DESTDIR, PREFIX=/usr): the programs (the release
# build), the page, man pages, bash completion, docs and systemd unit
# examples are where they belong; the installed programs run and
# morgue-serve finds its installed page; every man page renders with
# man -l and groff without a warning, fits 80 columns, and mentions every
# option its program's --help lists; the units pass systemd-analyze
# verify; make uninstall leaves nothing.  Usage: bash tests/install.sh
# BINDIR (run from the top of the tree; runs make itself).
BIN=${1:-bin}
ROOT=$(pwd)
# the programs whose --help the man pages and completion must cover
case $BIN in /*) PBIN=$BIN ;; *) PBIN=$ROOT/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
[ -f "$ROOT/Makefile" ] && [ -d "$ROOT/man" ] || { echo "run from the top of the tree" >&2; exit 2; }
t_tmpdir install
DEST=$TMP/dest
PROGS="morgue-index morgue-query morgue-serve"
VERSION=$(sed -n 's/.*define MORGUE_VERSION "\(.*\)".*/\1/p' lib/util.h)
# A make of its own, outside the make that runs this test (its -j, SAN=1
# and jobserver do not apply to an install).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

# SAN=1: refused, nothing installed
mk install SAN=1 DESTDIR="$DEST" PREFIX=/usr >"$TMP/out" 2>&1
st=$?
[ $st -eq 2 ] && grep -q "installs the release build" "$TMP/out" && [ ! -e "$DEST" ]
check "make install SAN=1 is refused and installs nothing" $? "exit $st: $(cat "$TMP/out")"

mk install DESTDIR="$DEST" PREFIX=/usr >"$TMP/out" 2>&1
check "make install DESTDIR=... PREFIX=/usr exits 0" $? "$(tail -20 "$TMP/out")"

missing=
for f in $PROGS; do
    [ -x "$DEST/usr/bin/$f" ] || missing="$missing usr/bin/$f"
    [ -s "$DEST/usr/share/man/man1/$f.1.gz" ] || missing="$missing usr/share/man/man1/$f.1.gz"
    [ -f "$DEST/usr/share/bash-completion/completions/$f" ] ||
        missing="$missing usr/share/bash-completion/completions/$f"
done
for f in query/web/*; do
    cmp -s "$f" "$DEST/usr/share/morgue/web/${f##*/}" || missing="$missing usr/share/morgue/web/${f##*/}"
done
for f in README.md docs/http-api.md docs/operations.md; do
    [ -f "$DEST/usr/share/doc/morgue/${f##*/}" ] || missing="$missing usr/share/doc/morgue/${f##*/}"
done
for f in morgue-serve.service morgue-index.service morgue-index.timer; do
    [ -f "$DEST/usr/share/doc/morgue/examples/$f" ] || missing="$missing usr/share/doc/morgue/examples/$f"
done
[ -z "$missing" ]
check "programs, page, man pages, completion, docs and units installed" $? "missing:$missing"
# nothing outside PREFIX, nothing group- or world-writable
out=$(find "$DEST" -mindepth 1 ! -path "$DEST/usr" ! -path "$DEST/usr/*")
[ -z "$out" ]
check "everything under PREFIX" $? "$out"
out=$(find "$DEST" -perm /022 ! -type l)
[ -z "$out" ]
check "no installed file is group- or world-writable" $? "$out"

for p in $PROGS; do
    out=$("$DEST/usr/bin/$p" --version 2>&1)
    [ "$out" = "$p $VERSION" ]
    check "installed $p --version says $p $VERSION" $? "$out"
done
out=$(ldd "$DEST/usr/bin/morgue-serve" 2>&1 | grep -E 'libasan|libubsan')
[ -z "$out" ]
check "the installed programs are the release build (no sanitizer)" $? "$out"
"$DEST/usr/bin/morgue-serve" --help | tr -s ' \n' ' ' | grep -q "else /usr/share/morgue/web)"
check "installed morgue-serve's --help names /usr/share/morgue/web" $? \
    "$("$DEST/usr/bin/morgue-serve" --help | grep -A3 -- --web)"

# The installed morgue-serve serves the installed page (found beside its
# bin/, so under DESTDIR too), the same bytes as query/web/index.html.
if command -v curl >/dev/null 2>&1; then
    "$DEST/usr/bin/morgue-index" --db "$TMP/m.db" --quiet corpus/seed >"$TMP/out" 2>&1
    check "installed morgue-index indexes corpus/seed" $? "$(cat "$TMP/out")"
    # a mark in the installed copy only: served from there, not the tree
    echo "<!-- installed -->" >>"$DEST/usr/share/morgue/web/index.html"
    BIN=$DEST/usr/bin
    ( unset MORGUE_WEB; t_serve "$TMP/m.db" --quiet
      [ -n "$PORT" ] && curl -s -o "$TMP/page" "http://127.0.0.1:$PORT/" &&
          curl -s "http://127.0.0.1:$PORT/api/search?q=summit" >"$TMP/search"
      echo "$PORT" >"$TMP/port"
      t_stop_server )
    cmp -s "$TMP/page" "$DEST/usr/share/morgue/web/index.html"
    check "installed morgue-serve serves the installed page (PREFIX/share/morgue/web)" $? \
        "$(cat "$TMP/serve.err"; tail -c 100 "$TMP/page")"
    grep -q '"total": *1' "$TMP/search"
    check "installed morgue-serve answers a search" $? "$(head -c 300 "$TMP/search")"
    BIN=${1:-bin}
else
    echo "skip - installed morgue-serve checks: curl not installed"
fi

# Man pages.  The roff source of each installed page, its \- as -.
src() { zcat "$DEST/usr/share/man/man1/$1.1.gz" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\%//g'; }
for p in $PROGS; do
    page=$DEST/usr/share/man/man1/$p.1.gz
    out=$(zcat "$page" | grep -n '@[A-Z]*@')
    [ -z "$out" ]
    check "$p.1: every @...@ filled in" $? "$out"
    zcat "$page" | grep -q "^\.TH MORGUE-[A-Z]* 1 [0-9-]* \"morgue $VERSION\""
    check "$p.1: .TH gives the version $VERSION" $? "$(zcat "$page" | grep '^\.TH')"
    # every long option of --help (the tree's program: the same options)
    missing=
    for opt in $("$PBIN/$p" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        src "$p" | grep -qE -- "$opt([^a-z0-9-]|$)" || missing="$missing $opt"
    done
    [ -z "$missing" ]
    check "$p.1 mentions every option of $p --help" $? "not in man/$p.1.in:$missing"
    missing=
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
        src "$p" | grep -q "^\.SH \"*$s\"*$" || missing="$missing $s"
    done
    [ -z "$missing" ]
    check "$p.1 has every section" $? "missing:$missing"
    src "$p" | grep -q "MORGUE_DB"
    check "$p.1 names MORGUE_DB" $?
    out=$(zcat "$page" | groff -man -Tutf8 -ww -z 2>&1)
    [ -z "$out" ]
    check "$p.1: groff -man -ww: no warning" $? "$out"
done
src morgue-serve | grep -q "MORGUE_WEB"
check "morgue-serve.1 names MORGUE_WEB" $?
missing=
for st in 0 1 2 3 4 5 6 7; do
    src morgue-index | grep -A1 '^\.TP' | grep -q "^\.B $st$" || missing="$missing $st"
done
[ -z "$missing" ]
check "morgue-index.1 lists exit statuses 0 to 7" $? "missing:$missing"

if command -v man >/dev/null 2>&1; then
    for p in $PROGS; do
        page=$DEST/usr/share/man/man1/$p.1.gz
        MANWIDTH=80 man --warnings -l "$page" >"$TMP/man.txt" 2>"$TMP/man.err"
        st=$?
        [ $st -eq 0 ] && [ ! -s "$TMP/man.err" ] && grep -q "^NAME" "$TMP/man.txt"
        check "man -l $p.1.gz renders without a warning" $? "exit $st: $(cat "$TMP/man.err")"
        w=$(wc -L <"$TMP/man.txt")
        [ "$w" -le 80 ]
        check "man -l $p.1.gz fits 80 columns" $? "$w columns: $(awk 'length > 80' "$TMP/man.txt")"
        out=$(lexgrog "$page" 2>&1)
        echo "$out" | grep -q "\"$p - "
        check "lexgrog reads $p.1's NAME (for whatis and apropos)" $? "$out"
    done
    out=$(MANPATH=$DEST/usr/share/man man -w morgue-query 2>&1)
    [ "$out" = "$DEST/usr/share/man/man1/morgue-query.1.gz" ]
    check "man finds morgue-query(1) in PREFIX/share/man" $? "$out"
else
    echo "skip - man -l checks: man not installed (apt-get install man-db)"
fi

# The installed completion loads by name through bash-completion.
BC=/usr/share/bash-completion/bash_completion
if [ -r "$BC" ]; then
    for p in $PROGS; do
        out=$(XDG_DATA_DIRS=$DEST/usr/share bash -c ". $BC >/dev/null 2>&1
            __load_completion $p && complete -p $p" 2>&1)
        echo "$out" | grep -q -- "-F _${p//-/_} $p\$"
        check "bash-completion loads the installed completion of $p" $? "$out"
    done
else
    echo "skip - completion loading: $BC not found (apt-get install bash-completion)"
fi

# The unit examples, pointed at the installed programs.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -p "$TMP/units"
    for f in "$DEST"/usr/share/doc/morgue/examples/*; do
        sed "s|^ExecStart=/usr/bin/morgue-|ExecStart=$DEST/usr/bin/morgue-|" "$f" >"$TMP/units/${f##*/}"
    done
    out=$(cd "$TMP/units" && MANPATH=$DEST/usr/share/man systemd-analyze verify \
        morgue-serve.service morgue-index.service morgue-index.timer 2>&1)
    st=$?
    [ $st -eq 0 ] && [ -z "$out" ]
    check "systemd-analyze verify: the units are clean" $? "exit $st: $out"
    # the cluster's units (docs/scale-out.md) run Debian's xapian-tools,
    # whose man pages are the system's
    if command -v xapian-tcpsrv >/dev/null 2>&1; then
        out=$(cd "$TMP/units" && MANPATH=: systemd-analyze verify morgue-shard@shard-0.service \
            morgue-replica@shard-0.service morgue-replicate-server.service 2>&1)
        st=$?
        [ $st -eq 0 ] && [ -z "$out" ]
        check "systemd-analyze verify: the cluster's units are clean" $? "exit $st: $out"
    else
        echo "skip - the cluster's units: xapian-tools not installed"
    fi
    grep -q "^ExecStart=/usr/bin/morgue-serve " "$DEST/usr/share/doc/morgue/examples/morgue-serve.service"
    check "morgue-serve.service runs /usr/bin/morgue-serve" $?
else
    echo "skip - unit checks: systemd-analyze not installed"
fi

mk uninstall DESTDIR="$DEST" PREFIX=/usr >"$TMP/out" 2>&1
check "make uninstall exits 0" $? "$(tail -20 "$TMP/out")"
out=$(find "$DEST" ! -type d)
[ -z "$out" ]
check "make uninstall leaves no file" $? "$out"
out=$(find "$DEST" -type d \( -path '*/morgue' -o -path '*/morgue/*' \))
[ -z "$out" ]
check "make uninstall removes share/morgue and share/doc/morgue" $? "$out"
t_summary
