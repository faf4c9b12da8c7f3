# bench/bench.mk - `make bench-core`: morgue against a plain FTS5 baseline
# (bench/bench.c): build time, speed, index size and peak RSS of both, then
# the queries of bench/queries.txt in process (p50/p95/p99, queries/s) and
# as a process per query, each morgue figure as a ratio to the baseline's
# and the performance issue's targets.  The table goes to stdout and, as
# Markdown, to bench/results/latest.md and bench/results/DATE-GIT.md.
#   make bench-core [CORPUS=DIR] [BENCH_PASSES=5] [BENCH_OUT=bench/results]
# The default corpus is Reuters-21578 from $(SHARED); skipped when absent.
#
# `make bench-compare` (the second half of `make bench`, bench/compare.sh):
# morgue, plain FTS5 and Xapian over the same BENCH_SCALE_N articles of the
# synthetic archive, the queries of bench/queries.txt and
# bench/queries-scale.txt run on every system in each pass: p50/p95/p99,
# each slow class query by query with morgue's ratios to Xapian and FTS5,
# the targets; to bench/results/latest-scale-N.md.  The indexes are kept
# under build/scale/cmp-N for the next run (same archive, same
# morgue-index); BENCH_FRESH=1 rebuilds them.
#   make bench-compare [BENCH_SCALE_N=500000] [BENCH_FRESH=1]

CORPUS       ?= $(SHARED)/reuters21578
BENCH_PASSES ?= 5
BENCH_OUT    ?= bench/results
BENCH_WORK   := build/bench-work
BENCH_SCALE_N ?= 500000
BENCH_FRESH  ?= 0

# bench.c uses query/ and lib/ (see the layering in the Makefile).
# With the Xapian shim where it is built (--cluster, bench/cluster.sh).
$(BUILD)/bench/bench: bench/bench.c $(QRY_A) $(STO_A) $(if $(HAVE_XAPIAN),$(XAP_A)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QRY_INC) $(DEPFLAGS) $(LDFLAGS) -o $@ bench/bench.c $(QRY_A) $(STO_A) $(if $(HAVE_XAPIAN),$(XAP_A)) $(LIB_A) $(LDLIBS) $(XAP_LIBS) -lpthread
-include $(BUILD)/bench/bench.d

.PHONY: bench-core
bench-core: $(PROGS) $(BUILD)/bench/bench
	@if [ ! -d "$(CORPUS)" ]; then \
	  echo "bench: skipped: $(CORPUS) not found"; exit 0; fi; \
	rm -rf $(BENCH_WORK) && mkdir -p $(BENCH_WORK) && \
	$(BUILD)/bench/bench --bin $(BINDIR) --corpus $(CORPUS) \
	  --work $(BENCH_WORK) --passes $(BENCH_PASSES) \
	  --queries bench/queries.txt --out $(BENCH_OUT)

.PHONY: bench-compare
bench-compare: $(PROGS) $(BUILD)/bench/bench
	MORGUE_BIN=$(BINDIR) MORGUE_BENCH=$(BUILD)/bench/bench \
	  BENCH_PASSES=$(BENCH_PASSES) BENCH_OUT=$(BENCH_OUT) \
	  BENCH_FRESH=$(BENCH_FRESH) \
	  sh bench/compare.sh $(SHARED)/reuters21578 $(BENCH_SCALE_N)

# `make bench-cluster` (bench/cluster.sh; engine/xapian/NOTES-bench.md):
# BENCH_CLUSTER_N articles of the synthetic archive indexed by FTS5 and
# then by the Xapian engine in 4 shards (wall, CPU, peak RSS, size per
# shard); the shards served by 4 xapian-tcpsrv on loopback and the
# queries of bench/queries.txt in process over the cluster (top 10,
# snippets, facets; as morgue-query --cluster) beside the FTS5 index:
# p50/p95/p99/mean, queries/s with 1 and BENCH_CLIENTS threads.  To
# bench/results/latest-cluster-N.md; BENCH_CLUSTER_DOC=docs/scale-out.md
# also writes its capacity block.  1M takes over an hour (NOTES-bench.md).
#   make bench-cluster [BENCH_CLUSTER_N=1000000] [BENCH_CLIENTS=2]
#                      [BENCH_CLUSTER_DOC=docs/scale-out.md]
BENCH_CLUSTER_N   ?= 1000000
BENCH_CLIENTS     ?= 2
BENCH_CLUSTER_DOC ?=
.PHONY: bench-cluster
bench-cluster: $(PROGS) $(BUILD)/bench/bench
	@if [ -z "$(HAVE_XAPIAN)" ]; then echo "bench-cluster: skipped: the Xapian engine is not built"; exit 0; fi; \
	MORGUE_BIN=$(BINDIR) MORGUE_BENCH=$(BUILD)/bench/bench \
	  BENCH_PASSES=$(BENCH_PASSES) BENCH_OUT=$(BENCH_OUT) \
	  BENCH_CLIENTS=$(BENCH_CLIENTS) \
	  bash bench/cluster.sh $(if $(BENCH_CLUSTER_DOC),--write-doc $(BENCH_CLUSTER_DOC)) \
	  $(SHARED)/reuters21578 $(BENCH_CLUSTER_N)

# `make bench-suggest` (bench/suggest.sh): "did you mean" over an index of
# CORPUS (Reuters-21578 by default; kept in build/bench-work/suggest.db):
# made-up misspellings of its words corrected right, none or wrong, the
# suggestion's time, and no suggestion for bench/queries.txt.
.PHONY: bench-suggest
bench-suggest: $(PROGS)
	@if [ ! -d "$(CORPUS)" ]; then echo "bench-suggest: skipped: $(CORPUS) not found"; exit 0; fi; \
	mkdir -p $(BENCH_WORK) && \
	{ [ -f $(BENCH_WORK)/suggest.db ] || $(BINDIR)/morgue-index --quiet --db $(BENCH_WORK)/suggest.db $(CORPUS); } && \
	sh bench/suggest.sh $(BINDIR) $(BENCH_WORK)/suggest.db
