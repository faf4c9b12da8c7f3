#!/bin/sh
# scripts/check_raw.sh - run by `make lint`.  The index has one owner,
# store/, and one raw reader, query/search_sql.c (store.h:
# store_raw_reader): no other file of indexer/ or query/ calls SQLite,
# and nothing outside store/ asks the store for its connection but that
# file.
st=0
bad=$(grep -ln 'sqlite3_' indexer/*.[ch] query/*.[ch] | grep -v '^query/search_sql\.c$')
if [ -n "$bad" ]; then
    echo "check_raw: SQLite called outside store/ and query/search_sql.c: $bad" >&2
    st=1
fi
bad=$(grep -ln 'store_raw_reader(' indexer/*.[ch] query/*.[ch] tests/*.[ch] bench/*.c |
      grep -v '^query/search_sql\.c$')
if [ -n "$bad" ]; then
    echo "check_raw: store_raw_reader() called outside query/search_sql.c: $bad" >&2
    st=1
fi
exit $st
