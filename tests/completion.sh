#!/usr/bin/env bash
# The bash completion (dist/bash-completion/morgue): sourced, its
# functions called with COMP_WORDS and COMP_CWORD set as bash sets them
# (--opt=value split at the =), alone and on top of bash-completion when
# it is installed.  Every long option a program's --help lists must be
# offered after "--".  Usage: bash tests/completion.sh BINDIR
BIN=${1:-bin}
ROOT=$(pwd)
# the programs whose --help the man pages and completion must cover
case $BIN in /*) PBIN=$BIN ;; *) PBIN=$ROOT/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
t_tmpdir completion

# comp FUNCTION WORD...: COMPREPLY, sorted, one line, for the last WORD.
comp() {
    local f=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$f" >/dev/null 2>&1
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
# expect NAME WANT FUNCTION WORD...
expect() {
    local name=$1 want=$2 got
    shift 2
    got=$(comp "$@")
    [ "$got" = "$want" ]
    check "$name" $? "want: $want
got:  $got"
}

# A folder with a file, an index and a folder, for the file checks.
mkdir -p "$TMP/w/web" "$TMP/w/wire"
: >"$TMP/w/news.db"
: >"$TMP/w/notes.txt"

run_checks() {
    local mode=$1
    expect "$mode: morgue-query --so gives --sort and --source" \
        "--sort --source" _morgue_query morgue-query --so
    expect "$mode: morgue-query --sort gives its three values" \
        "newest oldest relevance" _morgue_query morgue-query --sort ""
    expect "$mode: --sort=ne gives newest" \
        "newest" _morgue_query morgue-query --sort = ne
    expect "$mode: --sort= gives the three values" \
        "newest oldest relevance" _morgue_query morgue-query --sort =
    expect "$mode: --kind gives person, place, org" \
        "org person place" _morgue_query morgue-query --entities kim --kind ""
    expect "$mode: --kind p gives person and place" \
        "person place" _morgue_query morgue-query --kind p
    expect "$mode: morgue-query --fr gives --fresh and --fresh=" \
        "--fresh --fresh=" _morgue_query morgue-query --fr
    expect "$mode: a number after --limit: nothing" \
        "" _morgue_query morgue-query --limit ""
    expect "$mode: the words of a query: nothing" \
        "" _morgue_query morgue-query summit ""
    expect "$mode: after --, no options" \
        "" _morgue_query morgue-query -- --so
    expect "$mode: an excluded word is not an option" \
        "" _morgue_query morgue-query summit -trump
    expect "$mode: morgue-serve --web gives folders only" \
        "$TMP/w/web $TMP/w/wire" _morgue_serve morgue-serve --web "$TMP/w/w"
    expect "$mode: morgue-serve --db gives files" \
        "$TMP/w/news.db $TMP/w/notes.txt" _morgue_serve morgue-serve --db "$TMP/w/n"
    expect "$mode: morgue-query --db=FILE gives files" \
        "$TMP/w/news.db" _morgue_query morgue-query --db = "$TMP/w/ne"
    expect "$mode: morgue-serve --t gives --threads and --timeout" \
        "--threads --timeout" _morgue_serve morgue-serve --t
    expect "$mode: morgue-index PATH gives files and folders" \
        "$TMP/w/web $TMP/w/wire" _morgue_index morgue-index --db x.db "$TMP/w/w"
    expect "$mode: morgue-index --log gives files" \
        "$TMP/w/notes.txt" _morgue_index morgue-index --log "$TMP/w/no"
    expect "$mode: morgue-index --jobs: nothing" \
        "" _morgue_index morgue-index --jobs ""
    expect "$mode: morgue-index --date-order gives dmy, mdy, auto" \
        "auto dmy mdy" _morgue_index morgue-index --date-order ""
    expect "$mode: morgue-index --date-order=m gives mdy" \
        "mdy" _morgue_index morgue-index --date-order = m
    expect "$mode: morgue-index --pr gives --prune and --prune-max" \
        "--prune --prune-max" _morgue_index morgue-index --pr
    # every option of every program's --help
    local p f opt missing
    for p in morgue-index morgue-query morgue-serve; do
        f=_${p//-/_}
        offered=" $(comp "$f" "$p" --) "
        missing=
        for opt in $("$PBIN/$p" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
            [[ $offered == *" $opt "* ]] || missing="$missing $opt"
        done
        [ -z "$missing" ]
        check "$mode: $p --<TAB> offers every option of its --help" $? \
            "not offered:$missing (add them to dist/bash-completion/morgue)"
    done
}

# Alone, as sourced from ~/.bashrc without bash-completion.
. dist/bash-completion/morgue
run_checks plain
complete -p morgue-query 2>/dev/null | grep -q -- '-F _morgue_query morgue-query$'
check "plain: complete -F _morgue_query registered" $?

# On top of bash-completion (its _filedir for files).
BC=/usr/share/bash-completion/bash_completion
if [ -r "$BC" ]; then
    (
        pass=0 fail=0
        # bash_completion wants an interactive-looking shell's settings
        . "$BC" >/dev/null 2>&1
        . dist/bash-completion/morgue
        declare -F _filedir >/dev/null
        check "bash-completion: _filedir is there" $?
        run_checks bash-completion
        echo "$pass $fail" >"$TMP/bc.counts"
    )
    read -r p f <"$TMP/bc.counts"
    pass=$((pass + p))
    fail=$((fail + f))
else
    echo "skip - bash-completion checks: $BC not found (apt-get install bash-completion)"
fi
t_summary
