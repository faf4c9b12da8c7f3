#!/bin/sh
# scripts/check_layers.sh DEPFILE SOURCE -IDIR... - run by the Makefile after
# compiling SOURCE with only its layer's include paths (-IDIR...).  Every
# #include "X" in SOURCE and in the project headers it pulled in (DEPFILE,
# from -MMD) must name a file next to the including file or in one of the
# DIRs.  A name the compiler found elsewhere is an include across the
# layering that compiled only by accident: "search.h" from indexer/ gets
# glibc's <search.h>.  store/store_int.h, the store's private header, is
# refused outside store/ and tests/.
dep=$1 src=$2
shift 2
files="$src $(tr -s ' \\:' '\n\n\n' <"$dep" | grep '\.h$' | grep -v '^/' | sort -u)"
st=0
for f in $files; do
    for name in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        found=
        [ -f "$(dirname "$f")/$name" ] && found=1
        for i in "$@"; do
            [ -f "${i#-I}/$name" ] && found=1
        done
        if [ "$name" = store_int.h ]; then
            case $src in store/* | tests/*) ;; *)
                echo "$f: #include \"store_int.h\": private to store/ (use store.h)" >&2
                st=1 ;;
            esac
        fi
        if [ -z "$found" ]; then
            echo "$f: #include \"$name\": not in $(dirname "$f")/ or $* (an include across the layers?)" >&2
            st=1
        fi
    done
done
exit $st
