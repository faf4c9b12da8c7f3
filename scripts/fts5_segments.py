#!/usr/bin/env python3
"""Print the number of levels and segments of a morgue index's FTS5 table.

Reads the FTS5 structure record (fts_data id 10: a 4-byte cookie, then
varints nLevel, nSegment, ...) with Python's sqlite3 module; the morgue
tokenizer is not needed.  usage: fts5_segments.py DB
"""
import sqlite3
import sys


def varint(b, i):
    """Read one of SQLite's big-endian varints (as FTS5 writes them)."""
    v = 0
    while True:
        c = b[i]
        i += 1
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            return v, i


def main():
    if len(sys.argv) != 2:
        print("usage: fts5_segments.py DB", file=sys.stderr)
        return 2
    try:
        db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
        row = db.execute("SELECT block FROM fts_data WHERE id = 10").fetchone()
    except sqlite3.Error as e:
        print("fts5_segments: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    if not row:
        print("fts5_segments: %s: no FTS5 structure record" % sys.argv[1],
              file=sys.stderr)
        return 2
    levels, i = varint(row[0], 4)
    segments, _ = varint(row[0], i)
    print("levels %d, segments %d" % (levels, segments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
