#!/usr/bin/env python3
"""Compare bm25 weightings of morgue's columns on the relevance sets.

Reuses scripts/eval_relevance.py: one index of the CNN, Reuters and BBC
articles (built once, or reused with --reuse), then for every weighting
given with --weights the topic queries and a fixed sample of the known-item
queries, printing MRR@10, nDCG@10 and recall@100 per set, with the plain
FTS5 baseline's figures on the same queries first.  This is how the
default weights in query/search.c were first chosen (docs/relevance.md);
it does not replace `make eval`, which runs every query of six sets
against two peers.  A failed morgue-query run scores as no hits and is
reported under the row.  --reuse keeps an index only a morgue-index of
the same schema can read: after a rebuild that changes it, run without.

    /usr/bin/python3 scripts/tune_ranking.py --sample 300 \
        --weights 10,3,1,0.5,2,2 --weights 1,1,1,1,1,1
"""
import argparse
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_relevance as ev  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default="bin")
    p.add_argument("--shared", default=os.path.join("..", "shared", "corpus"))
    p.add_argument("--work", default=os.path.join("build", "tune-rel"))
    p.add_argument("--topics", default=ev.DEFAULT_TOPICS)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--sample", type=int, default=300,
                   help="known-item queries to run (0: all 1,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true",
                   help="keep WORK/morgue.db if it exists")
    p.add_argument("--weights", action="append", default=[],
                   help="T,L,B,C,H,E (repeatable); a bare 'default' runs "
                   "morgue-query without --weights")
    p.add_argument("--query-opt", action="append", default=[])
    args = p.parse_args(argv)
    try:
        paths = ev.corpus_paths(args.shared)
        if paths is None:
            return 0
        cnn, reuters, bbc = paths
        topics, _ = ev.load_reuters(reuters)
        topic_queries = ev.load_topic_queries(args.topics, topics)
        os.makedirs(args.work, exist_ok=True)
        progs = ev.snapshot_programs(args.bin, args.work)
        cnn_copy = os.path.join(args.work, "cnn.csv")
        known = ev.copy_cnn_without_highlights(cnn, cnn_copy)
        db = os.path.join(args.work, "morgue.db")
        if not (args.reuse and os.path.exists(db)):
            ev.progress("indexing into %s ..." % db)
            ev.build_index(progs["morgue-index"], db,
                           [cnn_copy, reuters, bbc])
        base, uids = ev.build_baseline(db)
    except ev.EvalError as e:
        print("tune: %s" % e, file=sys.stderr)
        return 2
    if args.sample and args.sample < len(known):
        known = random.Random(args.seed).sample(known, args.sample)
    sets = {
        "known-item": [(u, q, {u}) for u, q in known],
        "topics": [(t, q, topics[t]) for t, q in topic_queries],
    }
    print("%-28s %-10s %7s %7s %7s" % ("weights", "set", "MRR@10",
                                       "nDCG@10", "R@100"))
    for name, queries in sets.items():
        answers, _ = ev.run_queries(
            queries, lambda q: ev.search_baseline(base, uids, q), 1)
        f = ev.score(queries, answers)["figures"]
        print("%-28s %-10s %7.3f %7.3f %7.3f" % (
            "fts5-plain", name, f["mrr@10"], f["ndcg@10"], f["recall@100"]),
            flush=True)
    for w in args.weights or ["default"]:
        extra = list(args.query_opt)
        if w != "default":
            extra.append("--weights=" + w)
        for name, queries in sets.items():
            answers, _ = ev.run_queries(
                queries,
                lambda q: ev.search_morgue(progs["morgue-query"], db, extra,
                                           q), args.jobs)
            scored = ev.score(queries, answers)
            f = scored["figures"]
            print("%-28s %-10s %7.3f %7.3f %7.3f" % (
                w, name, f["mrr@10"], f["ndcg@10"], f["recall@100"]),
                flush=True)
            if scored["failures"]:
                label, _, message = scored["failures"][0]
                print("    %d morgue-query runs failed (scored as no hits), "
                      "e.g. %s: %s" % (len(scored["failures"]), label,
                                       message), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
